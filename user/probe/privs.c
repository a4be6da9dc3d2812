// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include "privs.h"

static const struct {
	const char *name;
	unsigned int bit;
	int cap;
} caps[] = {
	{ "sys_admin", FSP_CAP_SYS_ADMIN, CAP_SYS_ADMIN },
	{ "sys_ptrace", FSP_CAP_SYS_PTRACE, CAP_SYS_PTRACE },
	{ "dac_read_search", FSP_CAP_DAC_READ_SEARCH, CAP_DAC_READ_SEARCH },
	{ "bpf", FSP_CAP_BPF, CAP_BPF },
	{ "perfmon", FSP_CAP_PERFMON, CAP_PERFMON },
};

#define NCAPS (sizeof(caps) / sizeof(caps[0]))

int fsp_privs_parse(const char *list, unsigned int *mask, char *why, size_t why_len)
{
	const char *p = list;
	size_t i, n;

	*mask = 0;
	if (!strcmp(list, "all")) {
		*mask = FSP_PRIVS_ALL;
		return 0;
	}
	if (!strcmp(list, "none"))
		return 0;
	while (*p) {
		n = strcspn(p, ",");
		for (i = 0; i < NCAPS; i++) {
			/* cap_ prefixes and upper case, as capabilities(7) spells them, work too.
			 */
			const char *w = !strncasecmp(p, "cap_", 4) && n > 4 ? p + 4 : p;
			size_t wn = n - (size_t)(w - p);

			if (wn == strlen(caps[i].name) && !strncasecmp(w, caps[i].name, wn))
				break;
		}
		if (i == NCAPS) {
			snprintf(why, why_len,
				 "unknown capability '%.*s' (expected none, all, or a "
				 "list of sys_admin, sys_ptrace, dac_read_search, bpf, perfmon)",
				 (int)(n > 64 ? 64 : n), p);
			return -EINVAL;
		}
		*mask |= caps[i].bit;
		p += n + (p[n] == ',');
	}
	return 0;
}

const char *fsp_privs_name(unsigned int mask, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (mask == FSP_PRIVS_ALL)
		return snprintf(buf, len, "all"), buf;
	for (i = 0; i < NCAPS && n < len; i++)
		if (mask & caps[i].bit)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", caps[i].name);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

static int set_caps(__u64 keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	d[0].effective = d[0].permitted = (__u32)keep;
	d[1].effective = d[1].permitted = (__u32)(keep >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

bool fsp_privs_maps_need_bpf_cap(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fsp_probe_caps", 4, 8, 1, NULL);
	__u32 key = 0;
	__u64 v;
	int status = 0;
	pid_t pid;

	if (fd < 0)
		return true;
	pid = fork();
	if (pid == 0)
		_exit(set_caps(0) || bpf_map_lookup_elem(fd, &key, &v) ? 1 : 0);
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return true;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int fsp_privs_drop(unsigned int mask)
{
	__u64 keep = 0;
	size_t i;
	int c;

	if (mask == FSP_PRIVS_ALL)
		return 0;
	for (i = 0; i < NCAPS; i++)
		if (mask & caps[i].bit)
			keep |= 1ULL << caps[i].cap;
	/*
	 * The bounding set first, while CAP_SETPCAP is there to do it. Without CAP_SETPCAP (a
	 * systemd unit's or a pod's capability list) it stays as it was: it only limits what an
	 * exec could gain, and fsprobe never execs, under no_new_privs besides.
	 */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) &&
		    errno != EINVAL && errno != EPERM)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return set_caps(keep);
}
