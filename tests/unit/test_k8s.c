// SPDX-License-Identifier: GPL-2.0
/*
 * decode: k8s against a fake Kubernetes node built here: a cgroup tree with
 * both cgroup drivers' layouts (systemd slices with every QoS class and
 * runtime prefix, kind's nested kubelet.slice, cgroupfs directories) and
 * kubelet's /var/log/pods and /var/log/containers. Exact namespace, pod and
 * container for each cgroup, host processes, errors and their retry, the
 * cache bound, and series of alike labels folded by series__fold.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape/decode.h"
#include "render/render.h"

#define TEXT_MAX 256

/* Pod UIDs as kubelet names them: UUIDs, or a static pod's hash. */
#define U1 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define U1_ "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"
#define U2 "11111111-2222-3333-4444-555555555555"
#define U2_ "11111111_2222_3333_4444_555555555555"
#define U3 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define U3_ "aaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee"
#define U4 "12345678-1234-1234-1234-123456789abc"
#define U5 "87654321-4321-4321-4321-cba987654321"
#define U6 "d41d8cd98f00b204e9800998ecf8427e"
#define U7 "77777777-7777-7777-7777-777777777777"

/* Container ids: 64 hex digits. */
#define CID(c)                                                                                    \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c c c c
#define C1 CID("1")
#define C2 CID("2")
#define C3 CID("3")
#define C4 CID("4")
#define C5 CID("5")
#define C6 CID("6")
#define C7 CID("7")
#define C8 CID("8")
#define C9 CID("9")

struct node {
	char root[PATH_MAX];
	char cg[PATH_MAX];
	char log[PATH_MAX];
	struct decode_env env;
};

static void __attribute__((format(printf, 3, 4))) fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

/* mkdir -p under base; returns the directory's inode (its cgroup id). */
static uint64_t mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	char *p;

	fmt(path, sizeof(path), "%s/%s", base, rel);
	for (p = path + strlen(base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* A kubelet pod log directory and its container's link, as kubelet makes
 * them; the link's target is the node's path, which need not exist here. */
static void add_pod(const struct node *n, const char *ns, const char *pod, const char *uid)
{
	char rel[PATH_MAX];

	fmt(rel, sizeof(rel), "pods/%s_%s_%s", ns, pod, uid);
	mkdirs(n->log, rel);
}

static void add_container(const struct node *n, const char *ns, const char *pod,
			  const char *target_uid, const char *container, const char *cid)
{
	char link[PATH_MAX], target[PATH_MAX];

	mkdirs(n->log, "containers");
	fmt(link, sizeof(link), "%s/containers/%s_%s_%s-%s.log", n->log, pod, ns, container, cid);
	fmt(target, sizeof(target), "/var/log/pods/%s_%s_%s/%s/0.log", ns, pod, target_uid,
	    container);
	assert_int_equal(symlink(target, link), 0);
}

static int remove_tree_at(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree_at(fd, de->d_name);
	}
	closedir(dir);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int node_setup(void **state)
{
	struct node *n = calloc(1, sizeof(*n));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(n);
	fmt(n->root, sizeof(n->root), "%s/bpfprom-k8s-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(n->root));
	fmt(n->cg, sizeof(n->cg), "%s/cgroup", n->root);
	fmt(n->log, sizeof(n->log), "%s/log", n->root);
	assert_int_equal(mkdir(n->cg, 0755), 0);
	assert_int_equal(mkdir(n->log, 0755), 0);
	n->env.cgroup_root = n->cg;
	n->env.k8s_log_dir = n->log;

	add_pod(n, "shop", "web-7d4b9c-x2x9z", U1);
	add_container(n, "shop", "web-7d4b9c-x2x9z", U1, "nginx", C1);
	add_container(n, "shop", "web-7d4b9c-x2x9z", U1, "log-shipper", C2);
	add_pod(n, "kube-system", "coredns-5d78c9869d-abcde", U2);
	add_container(n, "kube-system", "coredns-5d78c9869d-abcde", U2, "coredns", C3);
	add_pod(n, "default", "db-0", U3);
	add_container(n, "default", "db-0", U3, "postgres", C4);
	add_pod(n, "monitoring", "node-exporter-qwert", U4);
	add_container(n, "monitoring", "node-exporter-qwert", U4, "node-exporter", C5);
	add_pod(n, "batch", "job-1-zzzzz", U5);
	add_container(n, "batch", "job-1-zzzzz", U5, "worker", C6);
	add_pod(n, "kube-system", "etcd-node1", U6);
	add_container(n, "kube-system", "etcd-node1", U6, "etcd", C7);
	/* a link whose target is another pod's: not this container's */
	add_container(n, "shop", "web-7d4b9c-x2x9z", U2, "impostor", C9);
	/* an unrelated file kubelet does not make */
	mkdirs(n->log, "pods/not-a-pod-dir");
	*state = n;
	return 0;
}

static int node_teardown(void **state)
{
	struct node *n = *state;

	assert_int_equal(remove_tree_at(AT_FDCWD, n->root), 0);
	free(n);
	return 0;
}

static void expect_k8s(struct decoder *d, uint64_t id, const char *ns, const char *pod,
		       const char *container)
{
	const char *want[3] = { ns, pod, container };
	char buf[TEXT_MAX];
	size_t len;

	for (unsigned int part = 0; part < 3; part++) {
		const char *s = decoder__decode_part(d, part, id, false, buf, sizeof(buf), &len);

		assert_string_equal(s, want[part]);
		assert_int_equal(len, strlen(want[part]));
	}
}

static void test_k8s_layouts(void **state)
{
	struct node *n = *state;
	uint64_t id_host, id_root, id_top_pod, id_pod1, id_c1, id_c1_sub, id_c2, id_c3, id_conmon,
		id_c4, id_c5, id_c6, id_c7;
	struct decoder *d;

	id_root = mkdirs(n->cg, ".");
	id_host = mkdirs(n->cg, "system.slice/containerd.service");
	id_top_pod = mkdirs(n->cg, "pod" U1);
	id_pod1 = mkdirs(n->cg, "kubepods.slice/kubepods-burstable.slice/"
				"kubepods-burstable-pod" U1_ ".slice");
	id_c1 = mkdirs(n->cg, "kubepods.slice/kubepods-burstable.slice/"
			      "kubepods-burstable-pod" U1_ ".slice/cri-containerd-" C1 ".scope");
	id_c1_sub = mkdirs(n->cg,
			   "kubepods.slice/kubepods-burstable.slice/"
			   "kubepods-burstable-pod" U1_ ".slice/cri-containerd-" C1 ".scope/init");
	id_c2 = mkdirs(n->cg, "kubepods.slice/kubepods-burstable.slice/"
			      "kubepods-burstable-pod" U1_ ".slice/docker-" C2 ".scope");
	id_c3 = mkdirs(n->cg, "kubepods.slice/kubepods-besteffort.slice/"
			      "kubepods-besteffort-pod" U2_ ".slice/crio-" C3 ".scope");
	id_conmon = mkdirs(n->cg, "kubepods.slice/kubepods-besteffort.slice/"
				  "kubepods-besteffort-pod" U2_ ".slice/crio-conmon-" C3 ".scope");
	id_c4 = mkdirs(n->cg,
		       "kubepods.slice/kubepods-pod" U3_ ".slice/cri-containerd-" C4 ".scope");
	id_c5 = mkdirs(n->cg, "kubepods/burstable/pod" U4 "/" C5);
	id_c6 = mkdirs(n->cg, "kubepods/pod" U5 "/" C6);
	id_c7 = mkdirs(n->cg, "kubelet.slice/kubelet-kubepods.slice/"
			      "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" U6
			      ".slice/cri-containerd-" C7 ".scope");

	assert_int_equal(strlen(C1), 64);
	d = decoder__new(CFG_DECODE_K8S, NULL, 0, &n->env);
	assert_non_null(d);
	/* host processes: no pod, not an error */
	expect_k8s(d, id_root, "", "", "");
	expect_k8s(d, id_host, "", "", "");
	expect_k8s(d, id_top_pod, "", "", ""); /* pod<uid> outside kubepods */
	/* systemd driver, every QoS class and runtime */
	expect_k8s(d, id_pod1, "shop", "web-7d4b9c-x2x9z", "");
	expect_k8s(d, id_c1, "shop", "web-7d4b9c-x2x9z", "nginx");
	expect_k8s(d, id_c1_sub, "shop", "web-7d4b9c-x2x9z", "nginx");
	expect_k8s(d, id_c2, "shop", "web-7d4b9c-x2x9z", "log-shipper");
	expect_k8s(d, id_c3, "kube-system", "coredns-5d78c9869d-abcde", "coredns");
	expect_k8s(d, id_conmon, "kube-system", "coredns-5d78c9869d-abcde", "");
	expect_k8s(d, id_c4, "default", "db-0", "postgres");
	/* cgroupfs driver */
	expect_k8s(d, id_c5, "monitoring", "node-exporter-qwert", "node-exporter");
	expect_k8s(d, id_c6, "batch", "job-1-zzzzz", "worker");
	/* kind: kubelet in its own slice; a static pod's UID is a hash */
	expect_k8s(d, id_c7, "kube-system", "etcd-node1", "etcd");
	assert_int_equal(decoder__errors(d), 0);
	/* decoder__decode is part 0 */
	{
		char buf[TEXT_MAX];

		assert_string_equal(decoder__decode(d, id_c7, false, buf, sizeof(buf), NULL),
				    "kube-system");
	}
	decoder__free(d);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* What cannot be found prints what the cgroup says, counts an error on
 * each print of the namespace, and is looked for again a retry period
 * later: a pod directory made after the first scrape is found. */
static void test_k8s_missing_and_retry(void **state)
{
	struct node *n = *state;
	struct decode_env env = n->env;
	uint64_t id_c8, id_c9, id_gone = UINT64_MAX - 5;
	struct decoder *d;
	char num[32];

	env.retry_ns = 50 * 1000000ull;
	id_c8 = mkdirs(n->cg, "kubepods/besteffort/pod" U7 "/" C8);
	id_c9 = mkdirs(n->cg, "kubepods.slice/kubepods-burstable.slice/"
			      "kubepods-burstable-pod" U1_ ".slice/cri-containerd-" C9 ".scope");
	d = decoder__new(CFG_DECODE_K8S, NULL, 0, &env);
	assert_non_null(d);

	expect_k8s(d, id_c8, "", U7, C8);
	assert_int_equal(decoder__errors(d), 1);
	/* a link into another pod's directory is not this container's */
	expect_k8s(d, id_c9, "shop", "web-7d4b9c-x2x9z", C9);
	assert_int_equal(decoder__errors(d), 2);
	/* an id that is no cgroup: the number in all three */
	fmt(num, sizeof(num), "%" PRIu64, id_gone);
	expect_k8s(d, id_gone, num, num, num);
	assert_int_equal(decoder__errors(d), 3);

	/* kubelet makes the pod's directory and link now; within the retry
	 * period the cached answer stands */
	add_pod(n, "late", "arrival-1", U7);
	add_container(n, "late", "arrival-1", U7, "app", C8);
	expect_k8s(d, id_c8, "", U7, C8);
	assert_int_equal(decoder__errors(d), 4);
	/* two periods on, it is looked for again and found */
	sleep_ms(2 * 50 + 10);
	expect_k8s(d, id_c8, "late", "arrival-1", "app");
	assert_int_equal(decoder__errors(d), 4);
	/* found answers are kept: the directory going away changes nothing */
	{
		char rel[PATH_MAX];

		fmt(rel, sizeof(rel), "%s/pods/late_arrival-1_" U7, n->log);
		assert_int_equal(rmdir(rel), 0);
		fmt(rel, sizeof(rel), "%s/containers/arrival-1_late_app-" C8 ".log", n->log);
		assert_int_equal(unlink(rel), 0);
	}
	sleep_ms(2 * 50 + 10);
	expect_k8s(d, id_c8, "late", "arrival-1", "app");
	assert_int_equal(decoder__errors(d), 4);
	decoder__free(d);

	/* no log directory at all (not mounted into the exporter's pod) */
	env.k8s_log_dir = "/nonexistent/bpfprom-test";
	d = decoder__new(CFG_DECODE_K8S, NULL, 0, &env);
	assert_non_null(d);
	expect_k8s(d, id_c9, "", U1, C9);
	assert_int_equal(decoder__errors(d), 1);
	decoder__free(d);
}

/* Ten containers through a cache of four: right every time. */
static void test_k8s_cache_bound(void **state)
{
	struct node *n = *state;
	struct decode_env env = n->env;
	char rel[PATH_MAX], pod[32], cid[65];
	uint64_t ids[10];
	struct decoder *d;

	env.cache_max = 4;
	for (int i = 0; i < 10; i++) {
		fmt(pod, sizeof(pod), "p-%d", i);
		fmt(cid, sizeof(cid), "%064x", 0xc0 + i);
		fmt(rel, sizeof(rel), "kubepods/burstable/pod%08x-0000-0000-0000-000000000000/%s",
		    i, cid);
		ids[i] = mkdirs(n->cg, rel);
		fmt(rel, sizeof(rel), "%08x-0000-0000-0000-000000000000", i);
		add_pod(n, "ns", pod, rel);
		add_container(n, "ns", pod, rel, "c", cid);
	}
	d = decoder__new(CFG_DECODE_K8S, NULL, 0, &env);
	assert_non_null(d);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 10; i++) {
			fmt(pod, sizeof(pod), "p-%d", i);
			expect_k8s(d, ids[i], "ns", pod, "c");
		}
	}
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
}

/* The scrape's lookup: the one k8s decoder, the part each label prints. */
static const char *k8s_text(void *ctx, const struct metric_label *l, uint64_t v, char *buf,
			    size_t buflen, size_t *len)
{
	return decoder__decode_part(ctx, l->part, v, l->is_signed, buf, buflen, len);
}

/* Host processes in different cgroups, and two cgroups of one container,
 * print the same three labels: one series each, counts added up. */
static void test_k8s_merge(void **state)
{
	struct node *n = *state;
	uint64_t keys[6], values[6] = { 1, 2, 4, 8, 16, 32 };
	struct series_fold mg = { 0 };
	struct series_decoders dec = { .text = k8s_text };
	struct buf b = { 0 };
	struct render_enc *e;
	struct decoder *d;
	struct metric_desc m = {
		.name = "syscalls_total",
		.help = "Syscalls.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 3,
		.key_size = 8,
		.value_words = 1,
	};
	struct series s = {
		.n = 6,
		.key_size = 8,
		.value_words = 1,
	};
	static const char want[] =
		"# HELP syscalls_total Syscalls.\n"
		"# TYPE syscalls_total counter\n"
		"syscalls_total{namespace=\"\",pod=\"\",container=\"\"} 5\n"
		"syscalls_total{namespace=\"shop\",pod=\"web-7d4b9c-x2x9z\",container=\"nginx\"} 10\n"
		"syscalls_total{namespace=\"default\",pod=\"db-0\",container=\"postgres\"} 16\n"
		"syscalls_total{namespace=\"\",pod=\"" U7 "\",container=\"" C8 "\"} 32\n";
	(void)state;
	keys[0] = mkdirs(n->cg, "system.slice/sshd.service");
	keys[1] = mkdirs(n->cg, "kubepods.slice/kubepods-burstable.slice/"
				"kubepods-burstable-pod" U1_ ".slice/cri-containerd-" C1 ".scope");
	keys[2] = mkdirs(n->cg, "user.slice");
	keys[3] = mkdirs(n->cg,
			 "kubepods.slice/kubepods-burstable.slice/"
			 "kubepods-burstable-pod" U1_ ".slice/cri-containerd-" C1 ".scope/nested");
	keys[4] = mkdirs(n->cg,
			 "kubepods.slice/kubepods-pod" U3_ ".slice/cri-containerd-" C4 ".scope");
	/* a pod whose directory is not there: an error */
	keys[5] = mkdirs(n->cg, "kubepods/besteffort/pod" U7 "/" C8);
	d = decoder__new(CFG_DECODE_K8S, NULL, 0, &n->env);
	assert_non_null(d);
	dec.ctx = d;
	for (unsigned int part = 0; part < 3; part++) {
		static const char *const names[3] = { "namespace", "pod", "container" };

		m.labels[part] = (struct metric_label){
			.name = names[part],
			.key_size = 8,
			.decode = CFG_DECODE_K8S,
			.part = (uint8_t)part,
		};
	}
	s.keys = (const uint8_t *)keys;
	s.values = values;
	assert_int_equal(series__fold(&mg, &m, &dec, &s, (uint8_t *)keys, values), 0);
	assert_int_equal(s.n, 4);
	e = render_enc__new();
	assert_non_null(e);
	render_enc__begin(e, RENDER_FMT_TEXT, &b);
	render_enc__metric(e, &m, &s);
	assert_int_equal(render_enc__end(e), 0);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	/* decoded once per series, for the merge; rendering uses those texts */
	assert_int_equal(decoder__errors(d), 1);
	render_enc__free(e);
	buf__free(&b);
	series_fold__free(&mg);
	decoder__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_k8s_layouts, node_setup, node_teardown),
		cmocka_unit_test_setup_teardown(test_k8s_missing_and_retry, node_setup,
						node_teardown),
		cmocka_unit_test_setup_teardown(test_k8s_cache_bound, node_setup, node_teardown),
		cmocka_unit_test_setup_teardown(test_k8s_merge, node_setup, node_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
