// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Edge cases for fsprobe's pairing of lookups and misses, one per --mode:
 *   tail   the lookup tail-calls the miss function (a jmp: same stack pointer as the lookup)
 *   empty  every third key is empty, and misses: fsprobe counts it as the symbol ""
 *   fault  every third key is a NULL pointer, and misses: fsprobe cannot read it and counts it
 *          under symbol="__unreadable__"
 *   idle   after the workload the worker stays alive, blocked deeper than its last lookup
 *          (through edge_lookup2/edge_compute2, a pair --lazy can be proven safe for)
 *   exec   as idle, but then the worker (not the main thread) execs /bin/sleep: the process
 *          lives on as another program and the worker's thread id becomes the process id
 *   nul    keys with a NUL inside, "ab\0cd" and "ab\0xy", read as bytes(arg0, arg1) through
 *          edge_lookup_n/edge_compute_n: two keys, two series (label values ab\x00cd, ab\x00xy)
 * Flags as the other targets: --wait-start, --hold, --tally PATH, --requests N (per mode run).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NKEYS 3
static const char *const keys[NKEYS] = { "hA", "mB", "" };
/* --mode nul: the keys, and their labels as a scrape shows them (ab\x00xy, its \ escaped) */
static const char nul_keys[NKEYS - 1][6] = { "ab\0xy", "ab\0cd" };
static const char *const nul_labels[NKEYS - 1] = { "ab\\\\x00xy", "ab\\\\x00cd" };
static unsigned long lookups[NKEYS], misses[NKEYS];
static volatile int sink;
static const char *mode = "tail";

__attribute__((noinline, noclone, used)) int edge_compute(const char *k)
{
	sink += k ? k[0] : 0;
	return 0;
}

/* Keys starting with 'm', the empty key and no key (NULL) miss. */
__attribute__((noinline, noclone, used)) int edge_lookup(const char *k)
{
	if (!k || k[0] == 'm' || !k[0])
		return edge_compute(k); /* at -O2 a tail call: jmp edge_compute */
	return 1;
}

/* The same without the tail call, so that the binary proves --lazy safe for this pair. */
__attribute__((noinline, noclone, used)) int edge_compute2(const char *k)
{
	sink += k[0];
	return 0;
}

__attribute__((noinline, noclone, used)) int edge_lookup2(const char *k)
{
	int r;

	if (k[0] != 'm' && k[0])
		return 1;
	r = edge_compute2(k);
	sink += r; /* work after the call: not a tail call */
	return 0;
}

/* Keys with a length: "ab\0cd" misses, "ab\0xy" hits. */
__attribute__((noinline, noclone, used)) int edge_compute_n(const char *k, size_t len)
{
	sink += k[len - 1];
	return 0;
}

__attribute__((noinline, noclone, used)) int edge_lookup_n(const char *k, size_t len)
{
	int r;

	if (k[len - 1] != 'd')
		return 1;
	r = edge_compute_n(k, len);
	sink += r;
	return 0;
}

__attribute__((noinline, noclone)) static void deep_wait(int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth)
		deep_wait(depth - 1);
	else
		pause();
	sink += pad[0];
}

static void tally(const char *path)
{
	unsigned long tl = 0, tm = 0;
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		exit(1);
	/*
	 * Every lookup is in the totals, as fsprobe counts them: the empty key as the symbol ""
	 * (written "" here), a key it cannot read as __unreadable__.
	 */
	for (i = 0; i < NKEYS; i++) {
		if (i == NKEYS - 1 && !lookups[i])
			continue;
		fprintf(f, "%s %lu %lu %lu\n",
			!strcmp(mode, "nul")	      ? nul_labels[i] :
			i < NKEYS - 1		      ? keys[i] :
			!strcmp(mode, "fault") ? "__unreadable__" :
						 "\"\"",
			lookups[i], lookups[i] - misses[i], misses[i]);
		tl += lookups[i], tm += misses[i];
	}
	fprintf(f, "TOTAL %lu %lu %lu\n", tl, tl - tm, tm);
	fclose(f);
}

struct job {
	unsigned long n;
	const char *tally;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	unsigned long i;
	int k;

	for (i = 0; i < j->n; i++) {
		k = !strcmp(mode, "empty") || !strcmp(mode, "fault") ? (int)(i % 3) : (int)(i % 4 == 0);
		lookups[k]++;
		if (!strcmp(mode, "nul")) {
			misses[k] += !edge_lookup_n(nul_keys[k], sizeof(nul_keys[k]) - 1);
			continue;
		}
		if (!strcmp(mode, "fault")) {
			misses[k] += !edge_lookup(k == NKEYS - 1 ? NULL : keys[k]);
			continue;
		}
		misses[k] += strcmp(mode, "idle") && strcmp(mode, "exec") ? !edge_lookup(keys[k])
									  : !edge_lookup2(keys[k]);
	}
	tally(j->tally);
	printf("done\n");
	fflush(stdout);
	if (!strcmp(mode, "idle"))
		deep_wait(16);
	if (!strcmp(mode, "exec")) {
		sigset_t all;

		/* The signal mask survives exec: let SIGTERM end the sleep. */
		sigfillset(&all);
		pthread_sigmask(SIG_UNBLOCK, &all, NULL);
		execl("/bin/sleep", "sleep", "600", (char *)NULL);
		exit(1);
	}
	return NULL;
}

static const char usage[] =
	"usage: edge [--mode MODE] [OPTION]...\n"
	"Pairing edge cases for fsprobe, one per mode:\n"
	"  tail   edge_lookup tail-calls edge_compute (a jmp)\n"
	"  empty  every third key is empty, and misses\n"
	"  idle   the worker stays alive after the workload, blocked below its last lookup\n"
	"         (edge_lookup2/edge_compute2)\n"
	"  exec   as idle, then the worker execs /bin/sleep\n"
	"  nul    keys with a NUL inside, read as bytes(arg0, arg1) (edge_lookup_n/edge_compute_n)\n"
	"\n"
	"  --mode MODE     tail, empty, idle, exec or nul (default tail)\n"
	"  --requests N    lookups in the workload (default 1000)\n"
	"  --tally PATH    write per-symbol ground truth to PATH (default: stdout)\n"
	"  --wait-start    print 'ready pid=PID', then wait for SIGUSR1 before loading\n"
	"  --hold          accepted for the other targets' sake: edge always holds until SIGTERM\n"
	"  -h, --help      show this help\n";

int main(int argc, char **argv)
{
	struct job j = { .n = 1000, .tally = "/dev/stdout" };
	int i, wait_start = 0, sig;
	pthread_t t;
	sigset_t set;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
			j.n = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--tally") && i + 1 < argc)
			j.tally = argv[++i];
		else if (!strcmp(argv[i], "--wait-start"))
			wait_start = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("%s", usage);
			return 0;
		} else if (strcmp(argv[i], "--hold")) {
			fprintf(stderr, "edge: unknown argument '%s' (see edge --help)\n", argv[i]);
			return 2;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (wait_start) {
		printf("ready pid=%d\n", (int)getpid());
		fflush(stdout);
		while (sigwait(&set, &sig) == 0 && sig != SIGUSR1)
			if (sig != SIGUSR1)
				return 0;
	}
	pthread_create(&t, NULL, worker, &j);
	/* Always held: the idle worker never returns; SIGTERM ends the process. */
	while (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
		;
	return 0;
}
