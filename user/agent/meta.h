/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_META_H
#define FSP_META_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Which pod a process belongs to, from the node alone (no API server): the container id and pod
 * uid from its cgroup path, the pod's namespace, name and container name from kubelet's log
 * file names, and its hostname as a fallback for the pod name.
 */

struct fsp_meta_ids {
	char container_id[65]; /* 64 lowercase hex, "" when the process is in no container */
	char pod_uid[37];      /* "" when none; a UUID with dashes, or a static pod's 32 hex */
	char runtime[16];      /* "containerd", "crio", "docker", "podman", or "" (for info) */
};

/*
 * Parses the text of /proc/PID/cgroup: cgroup v1 ("ID:controllers:path" lines), v2 ("0::path")
 * or both (hybrid). The innermost container and pod named by the path win; in hybrid mode the
 * v1 lines are read before the unified one, and no controller is preferred (meta.c says why).
 * 0 with ids filled (all "" for a process in no container); -EINVAL, ids "", when the text
 * has no "ID:controllers:/path" line at all.
 */
int fsp_meta_parse_cgroup(const char *text, struct fsp_meta_ids *ids);
/* Reads and parses proc_root/PID/cgroup (proc_root "/proc", or a host's /proc mounted elsewhere;
   NULL means "/proc"); a negative errno when it cannot be read (-ENOENT: the process is gone). */
int fsp_meta_read_cgroup(const char *proc_root, pid_t pid, struct fsp_meta_ids *ids);

#endif
