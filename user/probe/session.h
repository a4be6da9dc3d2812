/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_SESSION_H
#define FSP_SESSION_H

#include <sys/types.h>
#include "collect.h"
#include "probe.h"
#include "snapshot.h"
#include "symmap.h"
#include "target.h"

/* What every subcommand that observes a target takes (run, top, report). */
struct fsp_session_opts {
	pid_t pid;
	const char *binary;
	const char *lookup;   /* --lookup F */
	const char *miss;     /* --miss G */
	const char *hit;      /* --hit F (with --miss G) */
	const char *hit_when; /* --hit-when PRED (with --lookup F) */
	const char *key;
	const char *symbol_map; /* --symbol-map FILE, for integer keys */
	__u32 max_symbols;
	__u32 thread_slots; /* --thread-slots */
	int latency;
	int lazy;
	const char *bpf_variant; /* --bpf-variant: NULL or "auto", "fast", "compat" */
};

/* A target with probes attached and a collector reading them. */
struct fsp_session {
	struct fsp_target target;
	struct fsp_probe *probe;
	struct fsp_collector *collector;
	struct fsp_snapshot snap;
	struct fsp_symmap symmap;
	unsigned int processes; /* written by fsp_session_poll, read by scrapes */
	char describe[320];     /* "pid 42 (featurestore): lookups in F, misses in G" */
	const char *bpf_note;   /* "BPF programs: fast (kernel ...)", logged once running */
};

/*
 * Turns the options into what the probes take (mode, functions, the parsed --key and
 * --hit-when), logging a syntax error with its column. The one parse of the key spec.
 */
int fsp_session_parse(const struct fsp_session_opts *o, struct fsp_probe_opts *po);
/*
 * Checks privileges and kernel, opens the target, loads and attaches what fsp_session_parse
 * made of o; logs why on failure.
 */
int fsp_session_open(struct fsp_session *s, const struct fsp_session_opts *o,
		     const struct fsp_probe_opts *spec);
/* Reads the maps into s->snap; returns it through out (valid until the next read). */
int fsp_session_read(struct fsp_session *s, const struct fsp_snapshot **out);
/* Re-counts the target's processes, logging when the target exits or comes back. */
unsigned int fsp_session_poll(struct fsp_session *s);
void fsp_session_close(struct fsp_session *s);

#endif
