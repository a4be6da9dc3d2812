// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "sig.h"

void fsp_sig_stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

int fsp_sig_is_stop(int sig)
{
	return sig == SIGINT || sig == SIGTERM;
}

const char *fsp_sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sigabbrev_np(sig);
}
