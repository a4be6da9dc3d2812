/* SPDX-License-Identifier: GPL-2.0 */
/* Clock reads in nanoseconds. Inline: probed functions read the clock on their hot path. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000LL

static inline int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

#endif /* COMMON_CLOCK_H */
