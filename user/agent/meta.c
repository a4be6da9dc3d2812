// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pod labels from the node alone. A container's cgroup is named by its runtime after the
 * container id and sits below a cgroup kubelet names after the pod uid; kubelet names each
 * container's log file after pod, namespace, container and id. Nothing here asks the API server.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "meta.h"

#define ID_LEN	 64
#define UUID_LEN 36
/* A static pod's uid: its manifest's md5 in hex, no dashes (kubelet's config/common.go). */
#define STATIC_UID_LEN 32
/* /proc/PID/cgroup is a few lines, each one path; anything bigger is not that file. */
#define CGROUP_MAX (1 << 20)
#define PROC_ROOT  "/proc"

/* Each runtime's cgroup name is "<prefix>-<id>", ".scope" added under the systemd driver. */
static const struct {
	const char *prefix;
	const char *runtime;
} runtimes[] = {
	{ "cri-containerd", "containerd" },
	{ "crio", "crio" },
	{ "docker", "docker" },
	{ "libpod", "podman" },
};

/* Runtimes write ids and uids with lowercase hex (Go's hex and uuid): uppercase is not theirs. */
static bool is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static bool ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

static bool eq(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(s, word, len);
}

/* A pod uid as kubelet writes it into a name: a UUID whose dashes are sep (systemd's slice names
   use '_', '-' being their level separator), or a static pod's 32 hex. */
static bool take_uid(const char *s, size_t len, char sep, struct fsp_meta_ids *ids)
{
	char uid[UUID_LEN + 1];
	size_t i;

	if (len == STATIC_UID_LEN && is_hex(s, len)) {
		memcpy(ids->pod_uid, s, len);
		ids->pod_uid[len] = '\0';
		return true;
	}
	if (len != UUID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != sep)
				return false;
			uid[i] = '-';
		} else if (is_hex(s + i, 1)) {
			uid[i] = s[i];
		} else {
			return false;
		}
	}
	uid[len] = '\0';
	memcpy(ids->pod_uid, uid, sizeof(uid));
	return true;
}

static void take_id(const char *s, const char *runtime, struct fsp_meta_ids *ids)
{
	memcpy(ids->container_id, s, ID_LEN);
	ids->container_id[ID_LEN] = '\0';
	snprintf(ids->runtime, sizeof(ids->runtime), "%s", runtime);
}

/*
 * A pod's cgroup: "pod<uid>" (cgroupfs) or "...-pod<uid_with_underscores>.slice" (systemd). A
 * container named above it (a kind or minikube node) is not the pod's: forget it.
 */
static bool scan_pod(const char *c, size_t len, struct fsp_meta_ids *ids)
{
	const char *p, *uid = NULL;
	size_t ulen = 0;
	char sep = '-';

	if (starts(c, len, "pod")) {
		uid = c + 3;
		ulen = len - 3;
	} else if (ends(c, len, ".slice")) {
		len -= strlen(".slice");
		sep = '_';
		/* The last "-pod": the levels before it (kubepods, the QoS class) have none. */
		for (p = c + len; p > c && !uid; p--)
			if (starts(p - 1, c + len - (p - 1), "-pod")) {
				uid = p + 3;
				ulen = c + len - uid;
			}
	}
	if (!uid || !take_uid(uid, ulen, sep, ids))
		return false;
	ids->container_id[0] = '\0';
	ids->runtime[0] = '\0';
	return true;
}

/*
 * One cgroup directory name; what it names overwrites what its parents named, so the innermost
 * container and pod win (a kind node is itself a container; podman's crun adds "container" and
 * systemd in a container adds "init.scope" below the container's own cgroup).
 */
static void scan_component(const char *c, size_t len, const char *parent, size_t plen,
			   struct fsp_meta_ids *ids)
{
	const char *colon, *colon2, *rest;
	size_t i, n, rlen;

	/*
	 * containerd's cgroupfs driver given kubelet's systemd-style cgroupsPath
	 * "<slice>:<prefix>:<id>" (the two drivers configured apart) makes it one directory.
	 */
	colon = memchr(c, ':', len);
	if (colon) {
		colon2 = memchr(colon + 1, ':', c + len - colon - 1);
		if (!colon2 || c + len - colon2 - 1 != ID_LEN || !is_hex(colon2 + 1, ID_LEN))
			return;
		scan_pod(c, colon - c, ids);
		for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
			if (eq(colon + 1, colon2 - colon - 1, runtimes[i].prefix))
				take_id(colon2 + 1, runtimes[i].runtime, ids);
		return;
	}
	if (scan_pod(c, len, ids))
		return;
	if (ends(c, len, ".scope"))
		len -= strlen(".scope");
	/* A bare id is cgroupfs's: containerd and cri-dockerd under kubepods look alike. */
	if (len == ID_LEN && is_hex(c, len)) {
		take_id(c, eq(parent, plen, "docker") ? "docker" : "", ids);
		return;
	}
	for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		n = strlen(runtimes[i].prefix);
		if (!starts(c, len, runtimes[i].prefix) || len == n || c[n] != '-')
			continue;
		rest = c + n + 1;
		rlen = len - n - 1;
		/*
		 * conmon, CRI-O's and podman's monitor, sits in the pod but is not the container
		 * and runs in the host's namespaces (the hostname fallback would name the node): it
		 * belongs to no container and no pod.
		 */
		if (starts(rest, rlen, "conmon-")) {
			memset(ids, 0, sizeof(*ids));
			return;
		}
		if (rlen == ID_LEN && is_hex(rest, rlen)) {
			take_id(rest, runtimes[i].runtime, ids);
			return;
		}
	}
}

/*
 * One "ID:controllers:/path" line; the path may hold ':' itself. Paths outside fsprobe's own
 * cgroup namespace start with "/.." components, which carry no name and are skipped.
 */
static int scan_line(const char *line, size_t len, struct fsp_meta_ids *ids, bool *v1)
{
	const char *end = line + len, *colon, *path, *c, *parent = "";
	size_t i = 0, clen, plen = 0;

	memset(ids, 0, sizeof(*ids));
	while (i < len && line[i] >= '0' && line[i] <= '9')
		i++;
	if (!i || i == len || line[i] != ':')
		return -EINVAL;
	colon = memchr(line + i + 1, ':', len - i - 1);
	if (!colon || colon + 1 == end || colon[1] != '/')
		return -EINVAL;
	/* Hierarchy 0 is the unified (v2) one; v1 hierarchies are numbered from 1. */
	*v1 = !(i == 1 && line[0] == '0');
	for (path = colon + 1; path < end; path = c + clen) {
		c = path + strspn(path, "/");
		if (c >= end)
			break;
		clen = strcspn(c, "/\n");
		if (c + clen > end)
			clen = end - c;
		if (eq(c, clen, "..") || eq(c, clen, "."))
			continue;
		scan_component(c, clen, parent, plen, ids);
		parent = c;
		plen = clen;
	}
	return 0;
}

/*
 * Hybrid and v1 hosts list one line per hierarchy. Lines do not all agree: controllers the
 * runtime does not join (rdma, misc) stay at "/", and in hybrid mode the unified line may stay at
 * the runtime service's cgroup. So the line that names the most wins: a container over a pod
 * alone over nothing, then a v1 line over the unified one, then the first in the file. No v1
 * controller is preferred: every one the runtime joins carries the same container path.
 */
int fsp_meta_parse_cgroup(const char *text, struct fsp_meta_ids *ids)
{
	struct fsp_meta_ids line_ids;
	int rank, best = -1;
	const char *p;
	size_t len;
	bool v1;

	memset(ids, 0, sizeof(*ids));
	if (!text)
		return -EINVAL;
	for (p = text; *p; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if (scan_line(p, len, &line_ids, &v1))
			continue;
		rank = (line_ids.container_id[0] ? 4 : line_ids.pod_uid[0] ? 2 : 0) + v1;
		if (rank > best) {
			best = rank;
			*ids = line_ids;
		}
	}
	return best < 0 ? -EINVAL : 0;
}

/* The whole of a /proc file (whose size reads as 0), NUL-terminated, in *out to free. */
static int read_text(const char *path, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf, *grown;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= CGROUP_MAX) {
				err = -EFBIG;
				break;
			}
			grown = realloc(buf, cap * 2);
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int fsp_meta_read_cgroup(const char *proc_root, pid_t pid, struct fsp_meta_ids *ids)
{
	char path[PATH_MAX], *text = NULL;
	int n, err;

	memset(ids, 0, sizeof(*ids));
	if (pid <= 0)
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root ? proc_root : PROC_ROOT, pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = read_text(path, &text);
	if (err)
		return err;
	err = fsp_meta_parse_cgroup(text, ids);
	free(text);
	return err;
}

static int take_name(char *out, size_t size, const char *s, size_t len)
{
	if (!len || len >= size)
		return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/*
 * Pod names (DNS subdomains) hold dashes and dots, namespaces and container names (DNS labels)
 * dashes, none of them '_': the id is what follows the last '-', the names split at the first
 * two '_'.
 */
int fsp_meta_parse_log_name(const char *filename, struct fsp_meta_names *names, char *id,
			    size_t idlen)
{
	const char *hex, *u1, *u2, *end;
	size_t len;

	memset(names, 0, sizeof(*names));
	if (id && idlen)
		id[0] = '\0';
	if (id && idlen < ID_LEN + 1)
		return -ERANGE;
	if (!filename)
		return -EINVAL;
	len = strlen(filename);
	if (len < ID_LEN + strlen("a_b_c-.log") || !ends(filename, len, ".log"))
		return -EINVAL;
	hex = filename + len - strlen(".log") - ID_LEN;
	if (!is_hex(hex, ID_LEN) || hex[-1] != '-')
		return -EINVAL;
	end = hex - 1;
	u1 = memchr(filename, '_', end - filename);
	u2 = u1 ? memchr(u1 + 1, '_', end - u1 - 1) : NULL;
	if (!u2 || take_name(names->pod, sizeof(names->pod), filename, u1 - filename) ||
	    take_name(names->namespace, sizeof(names->namespace), u1 + 1, u2 - u1 - 1) ||
	    take_name(names->container, sizeof(names->container), u2 + 1, end - u2 - 1)) {
		memset(names, 0, sizeof(*names));
		return -EINVAL;
	}
	if (id) {
		memcpy(id, hex, ID_LEN);
		id[ID_LEN] = '\0';
	}
	return 0;
}

int fsp_meta_find_names(const char *dir, const char *container_id, struct fsp_meta_names *names)
{
	char id[ID_LEN + 1];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	memset(names, 0, sizeof(*names));
	if (!dir || !container_id || strlen(container_id) != ID_LEN ||
	    !is_hex(container_id, ID_LEN))
		return -EINVAL;
	d = opendir(dir);
	if (!d)
		return -errno;
	/*
	 * The name alone: entries are symlinks into /var/log/pods, and one whose target is gone
	 * (rotated, or the dir mounted without /var/log/pods) still names its container.
	 */
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR)
			continue;
		if (!fsp_meta_parse_log_name(de->d_name, names, id, sizeof(id)) &&
		    !strcmp(id, container_id)) {
			ret = 0;
			break;
		}
	}
	closedir(d);
	if (ret)
		memset(names, 0, sizeof(*names));
	return ret;
}

/* RFC 1123 host names, which is what a runtime writes; anything else is not its file. */
static bool is_hostname(const char *s, size_t len)
{
	size_t i;

	if (!len || len > HOST_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/*
 * Why a file and not the UTS namespace: setns() into the process's UTS namespace would change
 * fsprobe's own (in a forked child, to leave the exporter's threads alone, per process) and needs
 * CAP_SYS_ADMIN; the file needs only what reading /proc/PID/root needs, and tests can fake it.
 * The container owns its /etc, so no symlink in it is followed (one could point at a host file
 * from fsprobe's root) and only a regular file is read (O_NONBLOCK: a FIFO must not block us).
 */
int fsp_meta_read_hostname(const char *proc_root, pid_t pid, char *out, size_t len)
{
	char path[PATH_MAX], buf[256];
	int root, etc, fd, n, err = 0;
	struct stat st;
	ssize_t got;
	size_t end;

	if (len)
		out[0] = '\0';
	if (pid <= 0)
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%d/root", proc_root ? proc_root : PROC_ROOT, pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	err = etc < 0 ? -errno : 0;
	close(root);
	if (err)
		return err;
	fd = openat(etc, "hostname", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(etc);
	if (err)
		return err;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	got = err ? 0 : read(fd, buf, sizeof(buf) - 1);
	if (!err && got < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[got] = '\0';
	end = strcspn(buf, "\n");
	while (end && (buf[end - 1] == ' ' || buf[end - 1] == '\t' || buf[end - 1] == '\r'))
		end--;
	if (!is_hostname(buf, end))
		return -EINVAL;
	if (end >= len)
		return -ERANGE;
	memcpy(out, buf, end);
	out[end] = '\0';
	return 0;
}
