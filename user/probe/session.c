// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "env.h"
#include "keyspec.h"
#include "log.h"
#include "resolve.h"
#include "session.h"

static int open_target(const struct fsp_session_opts *o, struct fsp_target *t)
{
	int err = o->pid ? fsp_target_open_pid(t, o->pid) : fsp_target_open_binary(t, o->binary);

	if (err && t->why[0])
		fsp_log_error("%s", t->why);
	else if (err == -ESRCH)
		fsp_log_error("no process with pid %d (find it with: pgrep -a NAME)", o->pid);
	else if (err && o->pid)
		fsp_log_error("cannot read /proc/%d/exe: %s", o->pid, strerror(-err));
	else if (err)
		fsp_log_error("--binary '%s': %s", o->binary, strerror(-err));
	return err;
}

int fsp_session_parse(const struct fsp_session_opts *o, struct fsp_probe_opts *po)
{
	const struct {
		const char *opt, *name;
	} fns[] = { { "--lookup", o->lookup }, { "--miss", o->miss }, { "--hit", o->hit } };
	struct fsp_keyspec_error e;
	size_t i;

	*po = (struct fsp_probe_opts){
		.lookup = o->hit ? o->hit : o->lookup,
		.miss = o->miss,
		.max_symbols = o->max_symbols,
		.thread_slots = o->thread_slots,
		.latency = o->latency,
		.lazy = o->lazy,
		.mode = o->hit ? FSP_MODE_HIT_MISS : o->hit_when ? FSP_MODE_RET : FSP_MODE_MISS_FN,
	};
	if (!o->bpf_variant || !strcmp(o->bpf_variant, "auto"))
		po->variant = FSP_PROBE_VARIANT_AUTO;
	else if (!strcmp(o->bpf_variant, "fast") || !strcmp(o->bpf_variant, "compat"))
		po->variant = strcmp(o->bpf_variant, "fast") ? FSP_VARIANT_COMPAT : FSP_VARIANT_FAST;
	else {
		fsp_log_error("--bpf-variant: expected auto, fast or compat, got '%s'",
			      o->bpf_variant);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (fns[i].name && strlen(fns[i].name) >= FSP_FUNC_NAME_MAX) {
			fsp_log_error("%s: a function name of %zu bytes; fsprobe matches names of at "
				      "most %d", fns[i].opt, strlen(fns[i].name), FSP_FUNC_NAME_MAX - 1);
			return -EINVAL;
		}
	}
	if (fsp_keyspec_parse(o->key, &po->key, &e)) {
		fsp_log_error("--key '%s': %s at column %d: '%.*s' <-- here", o->key, e.msg, e.column,
			      e.column - 1, o->key);
		return -EINVAL;
	}
	if (o->symbol_map && fsp_keyspec_is_string(&po->key)) {
		fsp_log_error("--symbol-map names integer keys; --key '%s' is a string "
			      "(use u64(), u32(), i64() or i32())", o->key);
		return -EINVAL;
	}
	if (o->hit_when && fsp_keyspec_parse_pred(o->hit_when, &po->pred, &e)) {
		fsp_log_error("--hit-when '%s': %s at column %d: '%.*s' <-- here", o->hit_when,
			      e.msg, e.column, e.column - 1, o->hit_when);
		return -EINVAL;
	}
	return 0;
}

static void describe(struct fsp_session *s, const struct fsp_session_opts *o)
{
	char who[160]; /* the description is cut, not the target */

	if (s->target.pid)
		snprintf(who, sizeof(who), "pid %d (%s)", s->target.pid, s->target.comm);
	else
		snprintf(who, sizeof(who), "every process running %.120s", s->target.exe);
	if (o->hit)
		snprintf(s->describe, sizeof(s->describe), "%s: hits in %.40s, misses in %.40s", who,
			 o->hit, o->miss);
	else if (o->hit_when)
		snprintf(s->describe, sizeof(s->describe), "%s: lookups in %.40s, hit when %.40s", who,
			 o->lookup, o->hit_when);
	else
		snprintf(s->describe, sizeof(s->describe), "%s: lookups in %.40s, misses in %.40s", who,
			 o->lookup, o->miss);
}

int fsp_session_open(struct fsp_session *s, const struct fsp_session_opts *o,
		     const struct fsp_probe_opts *spec)
{
	struct fsp_probe_opts po = *spec;
	int err;

	memset(s, 0, sizeof(*s));
	s->target.pidfd = -1;
	po.target = &s->target;
	if (o->symbol_map) {
		err = fsp_symmap_load(o->symbol_map, &s->symmap);
		if (err)
			return err;
		s->snap.symmap = &s->symmap;
	}
	err = fsp_env_check();
	if (!err)
		err = open_target(o, &s->target);
	if (err)
		goto free_map;
	err = fsp_probe_open(&s->probe, &po);
	if (err)
		goto close_target;
	/*
	 * Uprobes for a pid follow the process that had it when they were attached: if the target
	 * still runs now, that was the target, not a newcomer given its pid after it exited.
	 */
	if (s->target.pid && !fsp_target_count(&s->target)) {
		fsp_log_error("pid %d (%s) exited while fsprobe attached to it", s->target.pid,
			      s->target.comm);
		err = -ESRCH;
		goto destroy_probe;
	}
	err = fsp_collect_open(&s->collector, s->probe, o->max_symbols, po.key.type,
			       o->latency && po.mode != FSP_MODE_HIT_MISS);
	if (err) {
		fsp_log_error("cannot allocate tables for %u symbols", o->max_symbols);
		goto destroy_probe;
	}
	s->snap.version = FSP_VERSION;
	s->snap.nprobes = fsp_probe_info(s->probe, s->snap.probes, FSP_MAX_PROBES);
	fsp_probe_variant(s->probe, &s->snap.bpf, &s->bpf_note);
	s->processes = fsp_target_count(&s->target);
	describe(s, o);
	return 0;

destroy_probe:
	fsp_probe_destroy(s->probe);
	s->probe = NULL;
close_target:
	fsp_target_close(&s->target);
free_map:
	fsp_symmap_free(&s->symmap);
	return err;
}

int fsp_session_read(struct fsp_session *s, const struct fsp_snapshot **out)
{
	int err = fsp_collect_read(s->collector, &s->snap);

	if (err)
		return err;
	s->snap.target_processes = __atomic_load_n(&s->processes, __ATOMIC_RELAXED);
	s->snap.target_up = s->snap.target_processes > 0;
	*out = &s->snap;
	return 0;
}

unsigned int fsp_session_poll(struct fsp_session *s)
{
	unsigned int was = __atomic_load_n(&s->processes, __ATOMIC_RELAXED);
	unsigned int n = fsp_target_count(&s->target);

	__atomic_store_n(&s->processes, n, __ATOMIC_RELAXED);
	if (was && !n)
		fsp_log_info("target %s exited; still serving its final counts with "
			     "fsprobe_target_up 0", s->target.pid ? s->target.comm : s->target.exe);
	else if (!was && n)
		fsp_log_info("target %s is running (%u process%s)", s->target.exe, n,
			     n == 1 ? "" : "es");
	return n;
}

void fsp_session_close(struct fsp_session *s)
{
	if (!s)
		return;
	fsp_collect_destroy(s->collector);
	fsp_probe_destroy(s->probe);
	fsp_target_close(&s->target);
	fsp_symmap_free(&s->symmap);
	memset(s, 0, sizeof(*s));
	s->target.pidfd = -1;
}
