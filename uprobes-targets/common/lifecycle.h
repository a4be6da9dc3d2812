/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life of a target process, driven by signals that tests and scripts send:
 *
 *	--wait-start	print "ready pid=PID" on stdout, wait for SIGUSR1 before the load
 *	(the load)	until it finishes, --duration passes, or SIGINT/SIGTERM
 *	(the end)	"elapsed_ns=..." on stderr, the tally written (failure: exit 1)
 *	--hold		print "done" on stdout, keep running until SIGINT/SIGTERM
 *
 * SIGUSR2 writes the tally at any point. A stop signal before or during the load writes the
 * tally and exits 0, even with --hold.
 */
#ifndef COMMON_LIFECYCLE_H
#define COMMON_LIFECYCLE_H

#include "workers.h"

struct lifecycle {
	const char *tally_path; /* load->tally's file; NULL: stdout */
	double duration;	/* seconds; 0: no limit */
	double report_interval; /* seconds between rate lines on stderr; 0: none */
	int wait_start;
	int hold;
	int ns_per_lookup; /* end the elapsed line with ns_per_lookup= (what bench.sh reads) */
};

/*
 * Blocks the signals above in the calling thread. Call first in main(), before any thread
 * exists, so that every thread inherits the mask and the signals queue for the main thread.
 */
void lifecycle_block_signals(void);

/* Runs LOAD through the life above, on the main thread; returns main()'s exit status. */
int lifecycle_run(const struct lifecycle *lc, const struct load *load);

#endif /* COMMON_LIFECYCLE_H */
