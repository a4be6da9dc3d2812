/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_SIG_H
#define FSP_SIG_H

#include <signal.h>

/*
 * The signals that end a command (SIGINT, SIGTERM). main blocks them before any thread starts,
 * so only the command's own wait (sigtimedwait or a signalfd) ever sees them.
 */
void fsp_sig_stop_set(sigset_t *set);
/* Whether sig is one of them. */
int fsp_sig_is_stop(int sig);
/* "SIGINT" or "SIGTERM", for the log line that says why fsprobe stops. */
const char *fsp_sig_name(int sig);

#endif
