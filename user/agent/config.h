/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_CONFIG_H
#define FSP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * The node agent's configuration file (YAML, one document):
 *
 *   web:
 *     listen_address: "0.0.0.0:9477"  # HOST:PORT, [IPV6]:PORT or :PORT; NULL here: the default
 *   targets:                          # at least one
 *     - name: featurestore            # required: [a-zA-Z_][a-zA-Z0-9_-]*, unique; label target=
 *       exe: /opt/desk/bin/featurestore  # required: glob on the executable's path
 *       cmdline: "*--desk=*"          # optional: glob on the arguments joined by spaces
 *       lookup: feature_cache_lookup  # lookup with exactly one of miss, hit_when;
 *       miss: compute_features        #   or hit with miss and no lookup (as on the command line)
 *       key: "cstr(arg0)"             # optional (NULL here: cstr(arg0))
 *       max_symbols: 10000            # optional, 1 to 1000000
 *   labels: [k8s_namespace_name, k8s_pod_name, k8s_container_name]
 *   metadata:
 *     proc: /proc                     # absolute path; default /proc
 *     containers_log_dir: /var/log/containers  # absolute path; this is the default
 *   series_ttl: 5m                    # default 5m
 *   max_series: 100000                # optional, 1 to 10000000
 *
 * The rules, beyond the names and types above:
 * - A key with no value, "~" or "null" (plain, unquoted) is the same as the key left out.
 * - Integers are plain decimal digits: no sign, no leading zero (YAML 1.1 reads 010 as 8), no
 *   0x, exponent, underscore or suffix, and not quoted.
 * - Durations are one or more NUMBERunit with units h, m, s, each at most once and in that order
 *   (30s, 5m, 1h, 1m30s, 2h30m), Prometheus's way; a bare number has no unit and is refused.
 *   The total must be more than 0.
 * - Globs are fnmatch(3) patterns without FNM_PATHNAME, so * also matches /; a backslash quotes
 *   the next character. fnmatch has no syntax errors (it reads a malformed glob literally, or
 *   never matches it), so these are refused: an empty glob, a [ with no closing ], an unknown
 *   class such as [:digits:], [. and [=, a reversed range such as [z-a], a trailing backslash.
 *   The path the exe glob sees is absolute, so exe must start with /, *, ? or [.
 * - labels, in the file in any order, are exported in this fixed order:
 *   k8s_namespace_name, k8s_pod_name, k8s_container_name, k8s_pod_uid, container_id.
 *   "labels: []" exports node-wide sums; no labels key exports the three k8s names.
 * - Anchors, aliases and explicit tags are refused: the file stays readable as written and each
 *   error points at the text it is about. So are a second document, an empty file, a duplicate
 *   key in a mapping and a duplicate label.
 */

enum fsp_config_label {
	FSP_LABEL_CONTAINER_ID = 1,
	FSP_LABEL_POD_UID = 2,
	FSP_LABEL_NAMESPACE = 4,
	FSP_LABEL_POD = 8,
	FSP_LABEL_CONTAINER = 16,
};

#define FSP_CONFIG_DEFAULT_LABELS (FSP_LABEL_NAMESPACE | FSP_LABEL_POD | FSP_LABEL_CONTAINER)

struct fsp_config_target {
	char *name, *exe, *cmdline, *lookup, *miss, *hit, *hit_when, *key; /* NULL when absent */
	__u32 max_symbols;
	int line; /* where the target starts, for later errors about it (its key fails to parse) */
};

/*
 * Not "struct fsp_config": bpf/fsprobe.h, which keyspec.h and probe.h include, already has one
 * (the BPF programs' settings), and the agent includes both.
 */
struct fsp_config_file {
	char *listen_address; /* NULL: the default */
	struct fsp_config_target *targets;
	size_t ntargets;
	unsigned int labels; /* FSP_LABEL_* bits; the export order is above */
	char *proc_root, *containers_log_dir;
	__u64 series_ttl_ms;
	__u32 max_series;
	char *path; /* the file, for messages */
};

/*
 * Parses path into c (which is overwritten). On an error returns -EINVAL (-errno for I/O,
 * -ENOMEM), leaves c zeroed and writes one line to err: "PATH:LINE:COLUMN: what is wrong" (1-based,
 * at the offending key or value), or "PATH: strerror" when the file cannot be read.
 */
int fsp_config_load(const char *path, struct fsp_config_file *c, char *err, size_t errlen);
/* The same from len bytes of text; name stands for the file in messages and c->path. */
int fsp_config_parse(const char *name, const char *text, size_t len, struct fsp_config_file *c,
		     char *err, size_t errlen);
/* Accepts a zeroed or partly filled config; leaves it zeroed. */
void fsp_config_free(struct fsp_config_file *c);
/* Does t match a process: its exe path as it sees it, its arguments joined by spaces (or NULL). */
bool fsp_config_matches(const struct fsp_config_target *t, const char *exe, const char *cmdline);

#endif
