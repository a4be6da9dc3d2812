// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pod labels from the node alone: container id and pod uid from whole /proc/PID/cgroup texts as
 * each runtime, cgroup driver and cgroup version writes them, pod and container names from
 * kubelet's log file names, and the hostname through a faked /proc root.
 *
 * Every cgroup text is what /proc/<pid>/cgroup reads, from the host, for a process of the kind
 * its case names. Ids, uids and layouts are those quoted in public reports (below, by macro);
 * the kind path, the "rule:" cases and the rejects are built from them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "testutil.h"
#include "meta.h"

/*
 * Where each id and layout was reported: CTD_ID, STATIC_ID netdata/netdata#4868 (containerd,
 * systemd-cgls); CRIO_ID, CRIO_POD, KIND_ID kubernetes/minikube#11280 (CRI-O in a minikube node);
 * DOCKER_ID, DOCKER_POD lxc/lxc#3890 (v1, docker, systemd driver, rdma at "/"); BARE_ID, BARE_POD
 * adoptium/adoptium-support#638 (v1, cgroupfs); PODMAN_ID falcosecurity/libs#1613 (podman's
 * "container" child, conmon); PODMAN1_ID containers/podman#10602 (v1, systemd in the container);
 * COLON_ID, COLON_POD open-telemetry/opentelemetry-java#4507 ("<slice>:cri-containerd:<id>");
 * rootless podman containers/podman#20423, libpod_parent DOMjudge/domjudge#3093, the QoS names
 * of Kubernetes 1.5 kubernetes/kubernetes#36807.
 */
#define CTD_ID	   "09d185410c4e25236cc24717f881589bb0978b24eafd101624e627a4dd8d3439"
#define STATIC_ID  "c203a2647ef1ad78e990157c50331f3b6ef0b03336cf08535d6bf7faa5421415"
#define CRIO_ID	   "358607a37e7ada357032e7f5729c9ae6a3efdb7962acbcbe47ff6a3c5506cb1c"
#define DOCKER_ID  "d0b3604b67ac7930dd34ba3a796627e3e4717d12309e90a4afe3f38b6816ac98"
#define BARE_ID	   "fbaa59723cd1f05d310e6f48b5d49a9d9e9552b7fde2205d0a2e2b5f60ec21ba"
#define PODMAN_ID  "a2bc7b153f034b17f358cde43a7f8c7475147e8a0d1b2573c26473244ec44ce4"
#define PODMAN1_ID "2521e906f0a0c758c3a7dc4fd68c197e32e96abb4b36807d0b0ede6d014a7c24"
#define COLON_ID   "ee4b20e90ac7f42a10bd004d05646b13d8ab5e2c5e7cbc01abf8006bac016459"
#define KIND_ID	   "d6701ec289c56e4391acb11d07474b3139466857a305490575508a8b7a9fcf22"

/* The brief's example pod: kubepods-burstable-pod<uid>.slice with '_' for '-'. */
#define POD_SD	   "3b0c8a5e_1d2f_4e6a_9b7c_0123456789ab"
#define POD	   "3b0c8a5e-1d2f-4e6a-9b7c-0123456789ab"
#define CRIO_POD   "2ca4a155-3599-498d-bb9d-4446693fa3ea"
#define BARE_POD   "d7874f44-eee0-423c-83c9-f246075bdde1"
#define DOCKER_POD "7d4424e6-bb13-42f4-a47a-45a4828bf54d"
#define COLON_POD  "0125ec2f-b64a-4868-8f5b-94b56cbab864"

#define CTD_V2_PATH                                                                                \
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_SD                   \
	".slice/cri-containerd-" CTD_ID ".scope"

struct cg_case {
	const char *what;
	const char *text;
	const char *id, *uid, *runtime;
};

static void check_cases(const struct cg_case *cases, size_t n)
{
	struct fsp_meta_ids ids;
	size_t i;

	for (i = 0; i < n; i++) {
		print_message("%s\n", cases[i].what);
		memset(&ids, 'x', sizeof(ids));
		assert_int_equal(fsp_meta_parse_cgroup(cases[i].text, &ids), 0);
		assert_string_equal(ids.container_id, cases[i].id);
		assert_string_equal(ids.pod_uid, cases[i].uid);
		assert_string_equal(ids.runtime, cases[i].runtime);
	}
}

/* cgroup v2 hosts (Debian 12, Ubuntu 22.04, RHEL 9): one "0::" line per /proc/PID/cgroup. */
static void test_cgroup_v2(void **state)
{
	static const struct cg_case cases[] = {
		{ "containerd, systemd driver, Burstable", "0::" CTD_V2_PATH "\n", CTD_ID, POD,
		  "containerd" },
		/* kubelet's static pods (kube-apiserver, etcd): uid is the manifest's md5. */
		{ "containerd, systemd driver, static pod",
		  "0::/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod187bff14cccb94f179e943eacce55bb3.slice/"
		  "cri-containerd-" STATIC_ID ".scope\n",
		  STATIC_ID, "187bff14cccb94f179e943eacce55bb3", "containerd" },
		/* Guaranteed pods sit right under kubepods.slice: no QoS level. */
		{ "containerd, systemd driver, Guaranteed",
		  "0::/kubepods.slice/kubepods-pod" POD_SD ".slice/cri-containerd-" CTD_ID
		  ".scope\n",
		  CTD_ID, POD, "containerd" },
		{ "CRI-O, systemd driver, BestEffort",
		  "0::/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod2ca4a155_3599_498d_bb9d_4446693fa3ea.slice/"
		  "crio-" CRIO_ID ".scope\n",
		  CRIO_ID, CRIO_POD, "crio" },
		/* conmon is CRI-O's monitor, in the pod's slice but in the host's namespaces. */
		{ "CRI-O conmon: no container, no pod",
		  "0::/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod2ca4a155_3599_498d_bb9d_4446693fa3ea.slice/"
		  "crio-conmon-" CRIO_ID ".scope\n",
		  "", "", "" },
		/* cri-dockerd with the systemd driver. */
		{ "docker, systemd driver, in a pod",
		  "0::/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod7d4424e6_bb13_42f4_a47a_45a4828bf54d.slice/"
		  "docker-" DOCKER_ID ".scope\n",
		  DOCKER_ID, DOCKER_POD, "docker" },
		{ "docker, systemd driver, plain docker run",
		  "0::/system.slice/docker-" DOCKER_ID ".scope\n", DOCKER_ID, "", "docker" },
		{ "containerd, cgroupfs driver, Burstable",
		  "0::/kubepods/burstable/pod" BARE_POD "/" BARE_ID "\n", BARE_ID, BARE_POD, "" },
		{ "containerd, cgroupfs driver, Guaranteed",
		  "0::/kubepods/pod" BARE_POD "/" BARE_ID "\n", BARE_ID, BARE_POD, "" },
		{ "CRI-O, cgroupfs driver",
		  "0::/kubepods/besteffort/pod" CRIO_POD "/crio-" CRIO_ID "\n", CRIO_ID, CRIO_POD,
		  "crio" },
		/* podman 4+ with crun puts the container's processes in a "container" child. */
		{ "podman rootful, systemd, crun",
		  "0::/machine.slice/libpod-" PODMAN_ID ".scope/container\n", PODMAN_ID, "",
		  "podman" },
		{ "podman rootless",
		  "0::/user.slice/user-0.slice/user@0.service/machine.slice/libpod-" PODMAN_ID
		  ".scope/container\n",
		  PODMAN_ID, "", "podman" },
		{ "podman conmon", "0::/machine.slice/libpod-conmon-" PODMAN_ID ".scope\n", "", "",
		  "" },
		{ "podman, cgroupfs", "0::/libpod_parent/libpod-" PODMAN_ID "\n", PODMAN_ID, "",
		  "podman" },
		{ "docker, cgroupfs", "0::/docker/" DOCKER_ID "\n", DOCKER_ID, "", "docker" },
		/* minikube's docker driver: the node is a container; the pod's container wins. */
		{ "nested: CRI-O in a minikube node container",
		  "0::/docker/" KIND_ID "/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod2ca4a155_3599_498d_bb9d_4446693fa3ea.slice/"
		  "crio-" CRIO_ID ".scope\n",
		  CRIO_ID, CRIO_POD, "crio" },
		{ "nested: kind node (kubelet cgroup root /kubelet)",
		  "0::/system.slice/docker-" KIND_ID ".scope/kubelet.slice/kubelet-kubepods.slice/"
		  "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" POD_SD
		  ".slice/cri-containerd-" CTD_ID ".scope\n",
		  CTD_ID, POD, "containerd" },
		/* A process in the pod's own cgroup, in a node container: the node is not the
		   pod's. */
		{ "nested: the pod's cgroup itself",
		  "0::/docker/" KIND_ID "/kubepods/burstable/pod" BARE_POD "\n", "", BARE_POD, "" },
		{ "nested: a node's own service",
		  "0::/docker/" KIND_ID "/system.slice/kubelet.service\n", KIND_ID, "", "docker" },
		{ "no newline at the end", "0::" CTD_V2_PATH, CTD_ID, POD, "containerd" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

/* fsprobe in its own cgroup namespace (containerd's default on v2) sees others' paths relative
   to its own cgroup, through "/.." levels. */
static void test_cgroup_relative(void **state)
{
	static const struct cg_case cases[] = {
		{ "systemd driver, another pod", "0::/../../.." CTD_V2_PATH "\n", CTD_ID, POD,
		  "containerd" },
		{ "cgroupfs driver, another pod", "0::/../pod" BARE_POD "/" BARE_ID "\n", BARE_ID,
		  BARE_POD, "" },
		/* A container of fsprobe's own pod: the pod level is above the namespace's root. */
		{ "cgroupfs driver, fsprobe's own pod", "0::/../" BARE_ID "\n", BARE_ID, "", "" },
		/* fsprobe's own processes: the root of its cgroup namespace. */
		{ "fsprobe itself", "0::/\n", "", "", "" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

/* Host processes: systemd's own slices and services, cgroup v2 and v1. */
static void test_cgroup_no_container(void **state)
{
	static const struct cg_case cases[] = {
		{ "login session", "0::/user.slice/user-1000.slice/session-3.scope\n", "", "", "" },
		{ "systemd", "0::/init.scope\n", "", "", "" },
		{ "a service", "0::/system.slice/sshd.service\n", "", "", "" },
		{ "the runtime itself", "0::/system.slice/containerd.service\n", "", "", "" },
		{ "kubelet", "0::/system.slice/kubelet.service\n", "", "", "" },
		/* A v1 host (CentOS 7), from a kubelet issue. */
		{ "v1 host process",
		  "11:cpuacct,cpu:/system.slice\n10:perf_event:/system.slice\n"
		  "9:pids:/system.slice\n8:devices:/system.slice\n7:blkio:/system.slice\n"
		  "6:memory:/system.slice\n5:cpuset:/system.slice\n4:net_prio,net_cls:/"
		  "system.slice\n"
		  "3:hugetlb:/system.slice\n2:freezer:/system.slice\n1:name=systemd:/"
		  "system.slice\n",
		  "", "", "" },
		/* This build machine's own, trimmed: a 32-hex level that is neither. */
		{ "hybrid, memory in a sandbox's cgroup",
		  "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/"
		  "d2371ba05508a1011cf2fd44c2aaff8b\n"
		  "1:cpu:/\n0::/\n",
		  "", "", "" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

/* cgroup v1 (CentOS 7, Ubuntu 18.04), and hybrid hosts (Ubuntu 20.04, Debian 10): one line per
   hierarchy, "0::" the unified one in hybrid mode. */
static void test_cgroup_v1_hybrid(void **state)
{
#define DOCKER_SD                                                                                  \
	"/kubepods.slice/kubepods-burstable.slice/"                                                \
	"kubepods-burstable-pod7d4424e6_bb13_42f4_a47a_45a4828bf54d.slice/docker-" DOCKER_ID       \
	".scope\n"
#define BARE_FS "/kubepods/burstable/pod" BARE_POD "/" BARE_ID "\n"
#define COLON_SLICE                                                                                \
	"kubepods-besteffort-pod0125ec2f_b64a_4868_8f5b_94b56cbab864.slice:cri-"                   \
	"containerd:" COLON_ID "\n"
#define PODMAN1 "/machine.slice/libpod-" PODMAN1_ID ".scope"
	static const struct cg_case cases[] = {
		/* rdma is not joined by the runtime: its line stays at "/". */
		{ "v1, docker, systemd driver, rdma at /",
		  "12:rdma:/\n11:freezer:" DOCKER_SD "10:pids:" DOCKER_SD "9:blkio:" DOCKER_SD
		  "8:cpuset:" DOCKER_SD "6:hugetlb:" DOCKER_SD "4:memory:" DOCKER_SD
		  "3:cpu,cpuacct:" DOCKER_SD "1:name=systemd:" DOCKER_SD,
		  DOCKER_ID, DOCKER_POD, "docker" },
		{ "v1, containerd, cgroupfs driver",
		  "12:rdma:" BARE_FS "11:hugetlb:" BARE_FS "10:memory:" BARE_FS "9:pids:" BARE_FS
		  "3:cpu,cpuacct:" BARE_FS "1:name=systemd:" BARE_FS,
		  BARE_ID, BARE_POD, "" },
		/* containerd's cgroupfs driver given kubelet's systemd cgroupsPath: one
		   "<slice>:<prefix>:<id>" directory, under containerd.service on some lines. */
		{ "v1, containerd, cgroupfs driver with a systemd cgroupsPath",
		  "11:perf_event:/" COLON_SLICE
		  "10:blkio:/system.slice/containerd.service/" COLON_SLICE "8:cpuset:/" COLON_SLICE
		  "1:name=systemd:/system.slice/containerd.service/" COLON_SLICE,
		  COLON_ID, COLON_POD, "containerd" },
		/* Kubernetes 1.5's QoS slices, docker's cgroupfs under kubelet's systemd names. */
		{ "v1, old QoS names",
		  "11:memory:/system.slice/docker.service/BestEffort.slice/"
		  "BestEffort-pod0d33f94b_ab1a_11e6_9e1a_68f7281d8004.slice/" BARE_ID "\n",
		  BARE_ID, "0d33f94b-ab1a-11e6-9e1a-68f7281d8004", "" },
		/* systemd inside the container adds init.scope on the name=systemd line. */
		{ "hybrid, podman, systemd in the container",
		  "12:pids:" PODMAN1 "\n11:memory:" PODMAN1 "\n5:cpu,cpuacct:" PODMAN1
		  "\n1:name=systemd:" PODMAN1 "/init.scope\n0::" PODMAN1 "\n",
		  PODMAN1_ID, "", "podman" },
		{ "hybrid, every line the container's",
		  "4:memory:" DOCKER_SD "1:name=systemd:" DOCKER_SD "0::" DOCKER_SD, DOCKER_ID,
		  DOCKER_POD, "docker" },
		/* The runtime joined the v1 hierarchies only. */
		{ "hybrid, unified line at the runtime's service",
		  "4:memory:" BARE_FS "1:name=systemd:" BARE_FS
		  "0::/system.slice/containerd.service\n",
		  BARE_ID, BARE_POD, "" },
		/* The rule, shown with lines that disagree: a v1 line beats the unified one... */
		{ "rule: v1 over unified", "0::" CTD_V2_PATH "\n4:memory:" BARE_FS, BARE_ID,
		  BARE_POD, "" },
		/* ...a container beats a pod alone... */
		{ "rule: container over pod",
		  "4:memory:/kubepods/burstable/pod" CRIO_POD "\n0::" CTD_V2_PATH, CTD_ID, POD,
		  "containerd" },
		/* ...and the first of equals wins: no controller is preferred. */
		{ "rule: first of equals", "4:memory:" BARE_FS "1:name=systemd:" DOCKER_SD, BARE_ID,
		  BARE_POD, "" },
	};
#undef DOCKER_SD
#undef BARE_FS
#undef COLON_SLICE
#undef PODMAN1

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

/* Names no runtime writes: ids of the wrong length or case, uids of the wrong shape. */
static void test_cgroup_rejects(void **state)
{
#define ID63	 "09d185410c4e25236cc24717f881589bb0978b24eafd101624e627a4dd8d343"
#define ID_UPPER "09D185410C4E25236CC24717F881589BB0978B24EAFD101624E627A4DD8D3439"
	static const struct cg_case cases[] = {
		{ "63 hex", "0::/kubepods/pod" POD "/" ID63 "\n", "", POD, "" },
		{ "65 hex", "0::/kubepods/pod" POD "/" CTD_ID "0\n", "", POD, "" },
		{ "63 hex, scope", "0::/system.slice/docker-" ID63 ".scope\n", "", "", "" },
		{ "not hex", "0::/system.slice/docker-" ID63 "g.scope\n", "", "", "" },
		/* Runtimes write lowercase: uppercase is rejected, not normalized. */
		{ "uppercase id", "0::/kubepods/pod" POD "/" ID_UPPER "\n", "", POD, "" },
		{ "uppercase uid",
		  "0::/kubepods/pod3B0C8A5E-1D2F-4E6A-9B7C-0123456789AB/" CTD_ID "\n", CTD_ID, "",
		  "" },
		/* A slice name's '-' separates levels: kubelet writes the uid with '_'. */
		{ "dashed uid in a slice",
		  "0::/kubepods.slice/kubepods-pod" POD ".slice/cri-containerd-" CTD_ID ".scope\n",
		  CTD_ID, "", "containerd" },
		{ "uid one short",
		  "0::/kubepods/pod3b0c8a5e-1d2f-4e6a-9b7c-0123456789a/" CTD_ID "\n", CTD_ID, "",
		  "" },
		{ "unknown runtime prefix", "0::/system.slice/garden-" CTD_ID ".scope\n", "", "",
		  "" },
		{ "malformed lines skipped", "garbage\n:memory:/docker/" CTD_ID "\n0::" CTD_V2_PATH,
		  CTD_ID, POD, "containerd" },
	};
#undef ID63
#undef ID_UPPER

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void test_cgroup_no_lines(void **state)
{
	static const char *const texts[] = {
		"", "\n", "garbage", "0:", "0::", "0::relative\n", "x::/init.scope\n",
	};
	struct fsp_meta_ids ids;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		print_message("'%s'\n", texts[i]);
		memset(&ids, 'x', sizeof(ids));
		assert_int_equal(fsp_meta_parse_cgroup(texts[i], &ids), -EINVAL);
		assert_string_equal(ids.container_id, "");
		assert_string_equal(ids.pod_uid, "");
		assert_string_equal(ids.runtime, "");
	}
	assert_int_equal(fsp_meta_parse_cgroup(NULL, &ids), -EINVAL);
}

/* No line buffer: a path of any length parses, and a long line does not hide the next one. */
static void test_cgroup_long_lines(void **state)
{
	static const char tail[] = "/cri-containerd-" CTD_ID ".scope";
	struct fsp_meta_ids ids;
	size_t n = 100000, i;
	char *text;

	(void)state;
	text = malloc(n + 512);
	assert_non_null(text);
	strcpy(text, "0::");
	for (i = 3; i < n; i += 2)
		memcpy(text + i, "/a", 2);
	strcpy(text + i, tail);
	assert_int_equal(fsp_meta_parse_cgroup(text, &ids), 0);
	assert_string_equal(ids.container_id, CTD_ID);

	/* The same long line ending in a level no name matches, then a good line. */
	memset(text + i, 'b', sizeof(tail));
	strcpy(text + i + sizeof(tail), "\n1:memory:/docker/" DOCKER_ID "\n");
	assert_int_equal(fsp_meta_parse_cgroup(text, &ids), 0);
	assert_string_equal(ids.container_id, DOCKER_ID);
	assert_string_equal(ids.runtime, "docker");
	free(text);
}

/* A temporary directory standing for /proc (or kubelet's log dir), removed by rm -rf. */
static void make_tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/fsp-test-meta-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void remove_tmpdir(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void mkdir_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void test_read_cgroup(void **state)
{
	struct fsp_meta_ids ids;
	char dir[64], *big;
	size_t n = 5000;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	mkdir_in(dir, "4242");
	write_file(dir, "4242/cgroup", "0::" CTD_V2_PATH "\n", strlen("0::" CTD_V2_PATH "\n"));
	assert_int_equal(fsp_meta_read_cgroup(dir, 4242, &ids), 0);
	assert_string_equal(ids.container_id, CTD_ID);
	assert_string_equal(ids.pod_uid, POD);

	/* Past the first read buffer: v1 lines of a host process, then the container's line. */
	big = malloc(n + 256);
	assert_non_null(big);
	memset(big, 0, n + 256);
	while (strlen(big) < n)
		strcat(big, "7:blkio:/system.slice\n");
	strcat(big, "4:memory:/docker/" DOCKER_ID "\n");
	write_file(dir, "4242/cgroup", big, strlen(big));
	assert_int_equal(fsp_meta_read_cgroup(dir, 4242, &ids), 0);
	assert_string_equal(ids.container_id, DOCKER_ID);
	free(big);

	/* Not a /proc file: refused before it fills memory. */
	big = calloc(1, (2 << 20) + 1);
	assert_non_null(big);
	memset(big, '/', 2 << 20);
	write_file(dir, "4242/cgroup", big, 2 << 20);
	assert_int_equal(fsp_meta_read_cgroup(dir, 4242, &ids), -EFBIG);
	free(big);

	assert_int_equal(fsp_meta_read_cgroup(dir, 4243, &ids), -ENOENT);
	assert_int_equal(fsp_meta_read_cgroup(dir, 0, &ids), -EINVAL);
	/* This process, through the real /proc: whatever it is in, it parses. */
	assert_int_equal(fsp_meta_read_cgroup(NULL, getpid(), &ids), 0);
	assert_int_equal(fsp_meta_read_cgroup("/proc", getpid(), &ids), 0);
	remove_tmpdir(dir);
}

/* kubelet's /var/log/containers/<pod>_<namespace>_<container>-<id>.log names. */
static void test_log_name(void **state)
{
	static const struct {
		const char *file, *pod, *ns, *container;
	} cases[] = {
		{ "coredns-5d78c9869d-xk2lp_kube-system_coredns-" CTD_ID ".log",
		  "coredns-5d78c9869d-xk2lp", "kube-system", "coredns" },
		{ "kube-proxy-x7b9z_kube-system_kube-proxy-" CTD_ID ".log", "kube-proxy-x7b9z",
		  "kube-system", "kube-proxy" },
		/* A static pod is named <manifest>-<node>, and node names hold dots. */
		{ "etcd-ip-10-0-1-23.ec2.internal_kube-system_etcd-" CTD_ID ".log",
		  "etcd-ip-10-0-1-23.ec2.internal", "kube-system", "etcd" },
		{ "checkout-7c9f8d6b5-abcde_shop-prod_istio-proxy-" CTD_ID ".log",
		  "checkout-7c9f8d6b5-abcde", "shop-prod", "istio-proxy" },
		{ "web-0_default_a-" CTD_ID ".log", "web-0", "default", "a" },
		/* No name kubelet makes holds a third '_': the container takes the rest. */
		{ "p_ns_c_d-" CTD_ID ".log", "p", "ns", "c_d" },
	};
	struct fsp_meta_names names;
	char id[65];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("%s\n", cases[i].file);
		memset(id, 'x', sizeof(id));
		assert_int_equal(fsp_meta_parse_log_name(cases[i].file, &names, id, sizeof(id)), 0);
		assert_string_equal(names.pod, cases[i].pod);
		assert_string_equal(names.namespace, cases[i].ns);
		assert_string_equal(names.container, cases[i].container);
		assert_string_equal(id, CTD_ID);
	}
	assert_int_equal(fsp_meta_parse_log_name(cases[0].file, &names, NULL, 0), 0);
	assert_string_equal(names.container, "coredns");
	assert_int_equal(fsp_meta_parse_log_name(cases[0].file, &names, id, 64), -ERANGE);
}

static void test_log_name_malformed(void **state)
{
#define NS63 "n23456789012345678901234567890123456789012345678901234567890123"
	_Static_assert(sizeof(NS63) == 64, "a 63-character namespace");
	static const char *const files[] = {
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-" CTD_ID,
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-" CTD_ID ".log.20240101-120000",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-" CTD_ID ".log.gz",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns" CTD_ID ".log",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-" CTD_ID "0.log",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-x" CTD_ID ".log",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-"
		"09D185410C4E25236CC24717F881589BB0978B24EAFD101624E627A4DD8D3439.log",
		"coredns-5d78c9869d-xk2lp-kube-system_coredns-" CTD_ID ".log",
		"coredns-5d78c9869d-xk2lp-kube-system-coredns-" CTD_ID ".log",
		"_kube-system_coredns-" CTD_ID ".log",
		"coredns__coredns-" CTD_ID ".log",
		"coredns_kube-system_-" CTD_ID ".log",
		"p_" NS63 "4_c-" CTD_ID ".log",
		"-" CTD_ID ".log",
		"",
		".",
		"..",
	};
	struct fsp_meta_names names;
	char id[65];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		print_message("'%s'\n", files[i]);
		assert_int_equal(fsp_meta_parse_log_name(files[i], &names, id, sizeof(id)),
				 -EINVAL);
		assert_string_equal(names.pod, "");
		assert_string_equal(names.namespace, "");
		assert_string_equal(names.container, "");
	}
	/* The longest namespace fits. */
	assert_int_equal(
		fsp_meta_parse_log_name("p_" NS63 "_c-" CTD_ID ".log", &names, id, sizeof(id)), 0);
	assert_string_equal(names.namespace, NS63);
#undef NS63
}

static void link_in(const char *dir, const char *target, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

/* A /var/log/containers as kubelet leaves it: symlinks into /var/log/pods, dangling here. */
static void test_find_names(void **state)
{
	struct fsp_meta_names names;
	char dir[64];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	link_in(dir, "/var/log/pods/kube-system_coredns-5d78c9869d-xk2lp_" POD "/coredns/0.log",
		"coredns-5d78c9869d-xk2lp_kube-system_coredns-" DOCKER_ID ".log");
	link_in(dir,
		"/var/log/pods/shop-prod_checkout-7c9f8d6b5-abcde_" CRIO_POD "/istio-proxy/0.log",
		"checkout-7c9f8d6b5-abcde_shop-prod_istio-proxy-" CTD_ID ".log");
	write_file(dir, "README", "not a log\n", 10);
	write_file(dir, "x_y_z-" CTD_ID ".log.1", "", 0);
	/* A directory with a log file's name is not a log file. */
	mkdir_in(dir, "wrong_dir_entry-" BARE_ID ".log");

	assert_int_equal(fsp_meta_find_names(dir, CTD_ID, &names), 0);
	assert_string_equal(names.pod, "checkout-7c9f8d6b5-abcde");
	assert_string_equal(names.namespace, "shop-prod");
	assert_string_equal(names.container, "istio-proxy");
	assert_int_equal(fsp_meta_find_names(dir, DOCKER_ID, &names), 0);
	assert_string_equal(names.pod, "coredns-5d78c9869d-xk2lp");

	assert_int_equal(fsp_meta_find_names(dir, BARE_ID, &names), -ENOENT);
	assert_string_equal(names.pod, "");
	assert_int_equal(fsp_meta_find_names(dir, CRIO_ID, &names), -ENOENT);
	assert_int_equal(fsp_meta_find_names(dir, "", &names), -EINVAL);
	assert_int_equal(fsp_meta_find_names(dir,
					     "09D185410C4E25236CC24717F881589BB0978B24EAFD101"
					     "624E627A4DD8D3439",
					     &names),
			 -EINVAL);
	remove_tmpdir(dir);
	assert_int_equal(fsp_meta_find_names(dir, CTD_ID, &names), -ENOENT);
}

/* A fake /proc root with PID/root/etc/hostname as the runtime bind-mounts it. */
static void test_read_hostname(void **state)
{
	char dir[64], path[PATH_MAX], out[65];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	mkdir_in(dir, "77");
	mkdir_in(dir, "77/root");
	mkdir_in(dir, "77/root/etc");

	write_file(dir, "77/root/etc/hostname", "checkout-7c9f8d6b5-abcde\n", 25);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), 0);
	assert_string_equal(out, "checkout-7c9f8d6b5-abcde");
	/* Exactly fits, then one short. */
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, 25), 0);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, 24), -ERANGE);
	assert_string_equal(out, "");

	write_file(dir, "77/root/etc/hostname", "web-0 \r\nsecond line\n", 20);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), 0);
	assert_string_equal(out, "web-0");
	write_file(dir, "77/root/etc/hostname", "web-0", 5);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), 0);
	assert_string_equal(out, "web-0");

	write_file(dir, "77/root/etc/hostname", "", 0);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), -EINVAL);
	write_file(dir, "77/root/etc/hostname", "root:x:0:0:root:/root:/bin/bash\n", 32);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), -EINVAL);

	/* The container owns its /etc: no symlink in it is followed, no FIFO blocks us. */
	snprintf(path, sizeof(path), "%s/77/root/etc/hostname", dir);
	assert_int_equal(unlink(path), 0);
	link_in(dir, "/etc/hostname", "77/root/etc/hostname");
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), -ELOOP);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(fsp_meta_read_hostname(dir, 77, out, sizeof(out)), -EINVAL);

	mkdir_in(dir, "78");
	mkdir_in(dir, "78/root");
	link_in(dir, "/etc", "78/root/etc");
	assert_true(fsp_meta_read_hostname(dir, 78, out, sizeof(out)) < 0);

	assert_int_equal(fsp_meta_read_hostname(dir, 79, out, sizeof(out)), -ENOENT);
	remove_tmpdir(dir);

	/* This process through the real /proc/PID/root: the same as reading /etc/hostname. */
	if (fsp_meta_read_hostname(NULL, getpid(), out, sizeof(out)) == 0) {
		FILE *f = fopen("/etc/hostname", "r");
		char want[256] = "";

		assert_non_null(f);
		assert_non_null(fgets(want, sizeof(want), f));
		fclose(f);
		want[strcspn(want, " \t\r\n")] = '\0';
		assert_string_equal(out, want);
	}
	assert_int_equal(fsp_meta_read_hostname(NULL, -1, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_v2),
		cmocka_unit_test(test_cgroup_relative),
		cmocka_unit_test(test_cgroup_no_container),
		cmocka_unit_test(test_cgroup_v1_hybrid),
		cmocka_unit_test(test_cgroup_rejects),
		cmocka_unit_test(test_cgroup_no_lines),
		cmocka_unit_test(test_cgroup_long_lines),
		cmocka_unit_test(test_read_cgroup),
		cmocka_unit_test(test_log_name),
		cmocka_unit_test(test_log_name_malformed),
		cmocka_unit_test(test_find_names),
		cmocka_unit_test(test_read_hostname),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: meta\n");
	return cmocka_run_group_tests_name("meta", tests, NULL, NULL);
}
