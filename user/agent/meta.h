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

struct fsp_meta_names {
	char namespace[64];
	char pod[254];
	char container[254];
};

/*
 * Parses a kubelet /var/log/containers file name, "<pod>_<namespace>_<container>-<id>.log"
 * with a 64 lowercase hex id, into names and, when id is not NULL, the id (idlen >= 65, else
 * -ERANGE). -EINVAL when the name is not of that shape or a part does not fit.
 */
int fsp_meta_parse_log_name(const char *filename, struct fsp_meta_names *names, char *id,
			    size_t idlen);
/*
 * The names of container_id, from the file names in dir (kubelet's /var/log/containers; entries
 * are symlinks and are not followed). -ENOENT when none matches (or dir is missing), -EINVAL for
 * an id that is not 64 lowercase hex, another negative errno when dir cannot be read.
 */
int fsp_meta_find_names(const char *dir, const char *container_id, struct fsp_meta_names *names);

/*
 * The pod-name fallback: the first line of proc_root/PID/root/etc/hostname, the file the runtime
 * writes from the pod sandbox's hostname and bind-mounts into every container of the pod. Read
 * through the process's root, so fsprobe changes no namespace of its own (meta.c says why not
 * setns). A pod's hostname is its name, except spec.hostname, hostNetwork (the node's name) and
 * names longer than 63 (cut); for a process in no container it is the node's name, so call it
 * only when the cgroup named a container. -ERANGE when out is too small, -EINVAL when the
 * file holds no hostname.
 */
int fsp_meta_read_hostname(const char *proc_root, pid_t pid, char *out, size_t len);

#endif
