// SPDX-License-Identifier: GPL-2.0
/*
 * Label decoders: syscall and errno names, kernel symbols from a kallsyms
 * file written here, cgroup paths of a directory tree made here (and of the
 * real cgroup2 hierarchy when there is one and we are root), static tables,
 * hex, and the bounded cache.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape/decode.h"
#include "util/array.h"

#define TEXT_MAX 256

/* snprintf that fails the test instead of cutting a path short. */
static void __attribute__((format(printf, 3, 4))) fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

static void expect_decode(struct decoder *d, uint64_t v, bool is_signed, const char *want)
{
	char buf[TEXT_MAX];
	const char *s;
	size_t len = 12345;

	memset(buf, 'x', sizeof(buf));
	s = decoder__decode(d, v, is_signed, buf, sizeof(buf), &len);
	assert_non_null(s);
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
}

static struct decoder *new_decoder(enum cfg_decode kind, const struct decode_env *env)
{
	struct decoder *d = decoder__new(kind, NULL, 0, env);

	assert_non_null(d);
	return d;
}

/* A scratch directory under TMPDIR, removed with everything in it. */
static void make_tmpdir(char *dir, size_t cap)
{
	const char *tmp = getenv("TMPDIR");

	fmt(dir, cap, "%s/bpfprom-decode-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
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

static void remove_tree(const char *dir)
{
	assert_int_equal(remove_tree_at(AT_FDCWD, dir), 0);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void make_dir(char *path, size_t cap, const char *root, const char *rel)
{
	fmt(path, cap, "%s%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* ---- syscall, errno ---- */

static void test_syscall(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_SYSCALL, NULL);

	(void)state;
	/* the table is the architecture's the build is for (tools/gen-syscalls.sh) */
#if defined(__aarch64__)
	expect_decode(d, 63, false, "read");
	expect_decode(d, 64, false, "write");
	expect_decode(d, 221, false, "execve");
	expect_decode(d, 94, false, "exit_group");
#else
	expect_decode(d, 0, false, "read");
	expect_decode(d, 1, false, "write");
	expect_decode(d, 59, false, "execve");
	expect_decode(d, 231, false, "exit_group");
#endif
	assert_int_equal(decoder__errors(d), 0);
	expect_decode(d, 9999, false, "9999");
	assert_int_equal(decoder__errors(d), 1);
	/* a signed id of -1 (no syscall) is the number, not a wrapped index */
	expect_decode(d, (uint64_t)-1, true, "-1");
	assert_int_equal(decoder__errors(d), 2);
	/* from the cache: still a name, still no error */
#if defined(__aarch64__)
	expect_decode(d, 221, false, "execve");
#else
	expect_decode(d, 59, false, "execve");
#endif
	assert_int_equal(decoder__errors(d), 2);
	decoder__free(d);
}

static void test_errno(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_ERRNO, NULL);

	(void)state;
	/* signed: the kernel's return convention */
	expect_decode(d, (uint64_t)-1, true, "EPERM");
	expect_decode(d, (uint64_t)-2, true, "ENOENT");
	expect_decode(d, (uint64_t)-4095, true, "-4095");
	assert_int_equal(decoder__errors(d), 1);
	/* zero and positive are a success: openat's fd 3 is not ESRCH, a
	 * read's 1 byte not EPERM */
	expect_decode(d, 0, true, "0");
	expect_decode(d, 1, true, "0");
	expect_decode(d, 3, true, "0");
	expect_decode(d, 100000, true, "0");
	expect_decode(d, INT64_MAX, true, "0");
	assert_int_equal(decoder__errors(d), 1);
	/* unsigned: a positive error number, or a negative one that wrapped */
	expect_decode(d, 1, false, "EPERM");
	expect_decode(d, 2, false, "ENOENT");
	expect_decode(d, 0, false, "0");
	expect_decode(d, (uint64_t)-13, false, "EACCES");
	assert_int_equal(decoder__errors(d), 1);
	expect_decode(d, 100000, false, "100000");
	expect_decode(d, (uint64_t)-100000, true, "-100000");
	assert_int_equal(decoder__errors(d), 3);
	decoder__free(d);
}

/* ---- regexp ---- */

static void expect_str(struct decoder *d, const char *in, const char *want)
{
	char buf[TEXT_MAX];
	size_t len = 12345;
	const char *s = decoder__decode_str(d, in, strlen(in), buf, sizeof(buf), &len);

	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
}

static void test_regexp(void **state)
{
	struct cfg_regexp_value rv[] = {
		{ "^kworker/.*", "kworker" },
		{ "^(nginx|envoy)$", "proxy" },
		{ "^nginx", "nginx-ish" },
	};
	struct cfg_regexp_value bad[] = { { "^(open", "x" } };
	struct decode_env env = { .cache_max = 2 };
	struct decoder *d = decoder__new_regexp(rv, ARRAY_SIZE(rv), NULL);

	(void)state;
	assert_non_null(d);
	expect_str(d, "kworker/0:1", "kworker");
	/* the first match wins: nginx matches two patterns */
	expect_str(d, "nginx", "proxy");
	expect_str(d, "envoy", "proxy");
	expect_str(d, "nginx-worker", "nginx-ish");
	/* no match: the value as it is, not an error */
	expect_str(d, "bash", "bash");
	expect_str(d, "", "");
	expect_str(d, "xkworker/1", "xkworker/1");
	/* again, from the cache */
	expect_str(d, "kworker/0:1", "kworker");
	expect_str(d, "bash", "bash");
	expect_str(d, "nginx", "proxy");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
	/* a cache of 2: emptied when full, the answers the same */
	d = decoder__new_regexp(rv, ARRAY_SIZE(rv), &env);
	assert_non_null(d);
	for (int k = 0; k < 3; k++) {
		expect_str(d, "kworker/0:1", "kworker");
		expect_str(d, "envoy", "proxy");
		expect_str(d, "sshd", "sshd");
	}
	decoder__free(d);
	errno = 0;
	assert_null(decoder__new_regexp(bad, 1, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(decoder__new_regexp(rv, 0, NULL));
	assert_int_equal(errno, EINVAL);
}

/* ---- ksym ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Unsorted, every type, a module symbol (tab then [module], as the kernel
 * writes it), two names at one address. */
static const char fake_kallsyms[] = "ffffffff82000000 d some_data\n"
				    "ffffffff81002000 T do_sys_open\n"
				    "ffffffffc0001000 t mod_func\t[mymod]\n"
				    "ffffffff81001000 t helper_func\n"
				    "ffffffff81002000 T do_sys_open_alias\n"
				    "ffffffff81000000 T _stext\n";

static void test_ksym(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct decode_env env = { .kallsyms = path };
	struct decoder *d;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	fmt(path, sizeof(path), "%s/kallsyms", dir);
	write_file(path, fake_kallsyms);
	d = new_decoder(CFG_DECODE_KSYM, &env);

	expect_decode(d, 0xffffffff81001000ull, false, "helper_func");
	/* inside: the name alone, no +offset, for few label values */
	expect_decode(d, 0xffffffff81001abcull, false, "helper_func");
	expect_decode(d, 0xffffffff81000000ull, false, "_stext");
	/* of two names at one address, the first in the file */
	expect_decode(d, 0xffffffff81002000ull, false, "do_sys_open");
	expect_decode(d, 0xffffffff82000010ull, false, "some_data");
	expect_decode(d, 0xffffffffc0001010ull, false, "mod_func");
	assert_int_equal(decoder__errors(d), 0);
	expect_decode(d, 0xffffffff80000000ull, false, "0xffffffff80000000");
	assert_int_equal(decoder__errors(d), 1);

	decoder__free(d);
	remove_tree(dir);
}

/* What an unprivileged reader of /proc/kallsyms sees (kptr_restrict). */
static void test_ksym_zero_addresses(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct decode_env env = { .kallsyms = path };
	struct decoder *d;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	fmt(path, sizeof(path), "%s/kallsyms", dir);
	write_file(path, "0000000000000000 T _stext\n"
			 "0000000000000000 T do_sys_open\n"
			 "0000000000000000 t mod_func\t[mymod]\n");
	d = new_decoder(CFG_DECODE_KSYM, &env);
	expect_decode(d, 0xffffffff81002000ull, false, "0xffffffff81002000");
	expect_decode(d, 0, false, "0x0");
	assert_int_equal(decoder__errors(d), 2);
	decoder__free(d);
	remove_tree(dir);
}

/* A missing file decodes nothing, and is not read again at every miss. */
static void test_ksym_missing_reload_limited(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct decode_env env = { .kallsyms = path };
	struct decoder *d;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	fmt(path, sizeof(path), "%s/kallsyms", dir);
	d = new_decoder(CFG_DECODE_KSYM, &env);
	expect_decode(d, 0xffffffff81002000ull, false, "0xffffffff81002000");
	write_file(path, fake_kallsyms);
	/* a new miss within the 60 s: no reload yet */
	expect_decode(d, 0xffffffff81001000ull, false, "0xffffffff81001000");
	assert_int_equal(decoder__errors(d), 2);
	decoder__free(d);
	remove_tree(dir);
}

static void test_ksym_cached(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct decode_env env = { .kallsyms = path };
	struct decoder *d;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	fmt(path, sizeof(path), "%s/kallsyms", dir);
	write_file(path, fake_kallsyms);
	d = new_decoder(CFG_DECODE_KSYM, &env);
	expect_decode(d, 0xffffffff81002010ull, false, "do_sys_open");
	assert_int_equal(unlink(path), 0);
	expect_decode(d, 0xffffffff81002010ull, false, "do_sys_open");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
	remove_tree(dir);
}

/* Ten addresses through a cache of four, twice round: each still right. */
static void test_ksym_cache_bound(void **state)
{
	static const char *const want[] = { "_stext", "helper_func", "do_sys_open", "some_data",
					    "mod_func" };
	static const uint64_t base[] = { 0xffffffff81000000ull, 0xffffffff81001000ull,
					 0xffffffff81002000ull, 0xffffffff82000000ull,
					 0xffffffffc0001000ull };
	char dir[PATH_MAX], path[PATH_MAX];
	struct decode_env env = { .kallsyms = path, .cache_max = 4 };
	struct decoder *d;
	int round, i;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	fmt(path, sizeof(path), "%s/kallsyms", dir);
	write_file(path, fake_kallsyms);
	d = new_decoder(CFG_DECODE_KSYM, &env);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 10; i++)
			expect_decode(d, base[i % 5] + (uint64_t)(i / 5) * 8, false, want[i % 5]);
	}
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
	remove_tree(dir);
}

/* ---- cgroup_path ---- */

static void test_cgroup_walk(void **state)
{
	char root[PATH_MAX], a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], svc[PATH_MAX], file[PATH_MAX];
	struct decode_env env = { .cgroup_root = root };
	uint64_t id_file, id_c;
	struct decoder *d;

	(void)state;
	make_tmpdir(root, sizeof(root));
	make_dir(a, sizeof(a), root, "/system.slice");
	make_dir(svc, sizeof(svc), root, "/system.slice/foo.service");
	make_dir(b, sizeof(b), root, "/user.slice");
	make_dir(c, sizeof(c), root, "/user.slice/deep");
	fmt(file, sizeof(file), "%s/cgroup.procs", a);
	write_file(file, "");
	id_file = ino_of(file);
	id_c = ino_of(c);
	d = new_decoder(CFG_DECODE_CGROUP_PATH, &env);

	expect_decode(d, ino_of(root), false, "/");
	expect_decode(d, ino_of(svc), false, "/system.slice/foo.service");
	expect_decode(d, ino_of(a), false, "/system.slice");
	expect_decode(d, id_c, false, "/user.slice/deep");
	assert_int_equal(decoder__errors(d), 0);
	/* a file's inode is never a cgroup */
	{
		char want[32];

		fmt(want, sizeof(want), "%" PRIu64, id_file);
		expect_decode(d, id_file, false, want);
	}
	assert_int_equal(decoder__errors(d), 1);
	/* unknown, then from the negative cache: counted each time printed */
	expect_decode(d, UINT64_MAX - 1, false, "18446744073709551614");
	expect_decode(d, UINT64_MAX - 1, false, "18446744073709551614");
	assert_int_equal(decoder__errors(d), 3);
	/* gone from the disk, still in the cache: no walk for a cached id */
	assert_int_equal(rmdir(c), 0);
	expect_decode(d, id_c, false, "/user.slice/deep");
	assert_int_equal(decoder__errors(d), 3);
	decoder__free(d);

	/* a new decoder has to walk, and does not find it */
	d = new_decoder(CFG_DECODE_CGROUP_PATH, &env);
	{
		char want[32];

		fmt(want, sizeof(want), "%" PRIu64, id_c);
		expect_decode(d, id_c, false, want);
	}
	assert_int_equal(decoder__errors(d), 1);
	decoder__free(d);
	remove_tree(root);
}

/* Ten cgroups through a cache of four: right every time, and the cache
 * really is emptied when full (a removed directory decoded before the last
 * clear is walked for again, and missed). */
static void test_cgroup_cache_bound(void **state)
{
	char root[PATH_MAX], dirs[10][PATH_MAX], rel[16], want[32];
	struct decode_env env = { .cgroup_root = root, .cache_max = 4 };
	uint64_t ids[10];
	struct decoder *d;
	int i, round;

	(void)state;
	make_tmpdir(root, sizeof(root));
	for (i = 0; i < 10; i++) {
		fmt(rel, sizeof(rel), "/cg%d", i);
		make_dir(dirs[i], sizeof(dirs[i]), root, rel);
		ids[i] = ino_of(dirs[i]);
	}
	d = new_decoder(CFG_DECODE_CGROUP_PATH, &env);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 10; i++) {
			fmt(rel, sizeof(rel), "/cg%d", i);
			expect_decode(d, ids[i], false, rel);
		}
	}
	assert_int_equal(decoder__errors(d), 0);
	/* after 20 inserts into 4 entries, cg9 is cached and cg0 is not */
	assert_int_equal(rmdir(dirs[9]), 0);
	assert_int_equal(rmdir(dirs[0]), 0);
	expect_decode(d, ids[9], false, "/cg9");
	fmt(want, sizeof(want), "%" PRIu64, ids[0]);
	expect_decode(d, ids[0], false, want);
	assert_int_equal(decoder__errors(d), 1);
	decoder__free(d);
	remove_tree(root);
}

/* The cgroup2 mount the default root resolves to, as decode.c finds it:
 * /sys/fs/cgroup, or /sys/fs/cgroup/unified in systemd's hybrid layout. */
static const char *real_cgroup2_root(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

/* Whether this process may turn a kernfs id into a file (the handle path). */
static bool handles_work(const char *root, uint64_t id)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	int mfd, fd;

	mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return false;
	h.fh.handle_bytes = sizeof(id);
	h.fh.handle_type = 0xfe; /* FILEID_KERNFS */
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* An existing child cgroup's name, or one made (and *made set). */
static bool real_child(const char *root, char *name, size_t cap, bool *made)
{
	struct dirent *de;
	char path[PATH_MAX];
	DIR *dir;
	bool found = false;

	*made = false;
	dir = opendir(root);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			fmt(name, cap, "%s", de->d_name);
			found = true;
		}
	}
	closedir(dir);
	if (found)
		return true;
	fmt(name, cap, "bpfprom-test-%d", (int)getpid());
	fmt(path, sizeof(path), "%s/%s", root, name);
	if (mkdir(path, 0755))
		return false;
	*made = true;
	return true;
}

static void test_cgroup_real(void **state)
{
	const char *root = real_cgroup2_root();
	char name[NAME_MAX + 1], path[PATH_MAX], want[NAME_MAX + 2];
	char procs[PATH_MAX], num[32];
	struct decoder *d;
	uint64_t id;
	bool made;

	(void)state;
	if (!root || geteuid() != 0) {
		print_message("skip: no cgroup2 mount at /sys/fs/cgroup[/unified], or not root\n");
		skip();
	}
	if (!handles_work(root, ino_of(root))) {
		print_message("skip: open_by_handle_at refused a kernfs handle (%s)\n",
			      strerror(errno));
		skip();
	}
	if (!real_child(root, name, sizeof(name), &made)) {
		print_message("skip: no child cgroup under %s and cannot make one\n", root);
		skip();
	}
	fmt(path, sizeof(path), "%s/%s", root, name);
	fmt(want, sizeof(want), "/%s", name);
	fmt(procs, sizeof(procs), "%s/cgroup.procs", root);

	/* the default root (NULL), as main uses it */
	d = new_decoder(CFG_DECODE_CGROUP_PATH, NULL);
	expect_decode(d, ino_of(root), false, "/");
	id = ino_of(path);
	expect_decode(d, id, false, want);
	assert_int_equal(decoder__errors(d), 0);
	/* a kernfs file, and an id no node has */
	fmt(num, sizeof(num), "%" PRIu64, ino_of(procs));
	expect_decode(d, ino_of(procs), false, num);
	expect_decode(d, UINT64_MAX >> 1, false, "9223372036854775807");
	assert_int_equal(decoder__errors(d), 2);
	decoder__free(d);
	if (made)
		assert_int_equal(rmdir(path), 0);
}

/* ---- static, hex ---- */

static void test_static(void **state)
{
	static const struct cfg_static_value values[] = {
		{ 5, "five" },	      { -1, "minus_one" }, { 0, "zero" },
		{ INT64_MIN, "min" }, { 5, "five_again" },
	};
	struct decoder *d;

	(void)state;
	d = decoder__new(CFG_DECODE_STATIC, values, 5, NULL);
	assert_non_null(d);
	expect_decode(d, 0, false, "zero");
	expect_decode(d, 5, false, "five");
	expect_decode(d, (uint64_t)-1, true, "minus_one");
	expect_decode(d, (uint64_t)INT64_MIN, true, "min");
	/* the same 64 bits, unsigned */
	expect_decode(d, UINT64_MAX, false, "minus_one");
	/* unknown: the number, and by design not an error */
	expect_decode(d, 6, false, "6");
	expect_decode(d, (uint64_t)-7, true, "-7");
	expect_decode(d, (uint64_t)-7, false, "18446744073709551609");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);

	/* an empty table prints numbers */
	d = decoder__new(CFG_DECODE_STATIC, NULL, 0, NULL);
	assert_non_null(d);
	expect_decode(d, 3, true, "3");
	decoder__free(d);
}

static void test_hex(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_HEX, NULL);

	(void)state;
	expect_decode(d, 0, false, "0x0");
	expect_decode(d, 0xdeadbeef, false, "0xdeadbeef");
	expect_decode(d, (uint64_t)-1, true, "0xffffffffffffffff");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
}

__attribute__((noinline, used)) int decode_usym_probe(int x)
{
	__asm__ volatile("" ::"r"(x) : "memory");
	return x + 1;
}

__attribute__((noinline, used)) int decode_usym_other(int x)
{
	__asm__ volatile("" ::"r"(x) : "memory");
	return x + 2;
}

static void expect_usym(struct decoder *d, uint32_t pid, uint64_t addr, const char *want)
{
	char buf[256];
	size_t len = 0;
	const char *got = decoder__decode_usym(d, pid, addr, buf, sizeof(buf), &len);

	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
}

/*
 * usym: this process's own functions by name, inside them too; an address in
 * no mapping and a process that does not exist in hex, as errors; the cache
 * keys by process and address, and stays right past its bound.
 */
static void test_usym(void **state)
{
	struct decode_env env = { .cache_max = 2 };
	struct decoder *d = decoder__new(CFG_DECODE_USYM, NULL, 0, &env);
	uint32_t self = (uint32_t)getpid();
	uint64_t probe = (uintptr_t)&decode_usym_probe, other = (uintptr_t)&decode_usym_other;
	char hex[32];

	(void)state;
	assert_non_null(d);
	for (int round = 0; round < 3; round++) {
		expect_usym(d, self, probe, "decode_usym_probe");
		expect_usym(d, self, probe + 1, "decode_usym_probe");
		expect_usym(d, self, other, "decode_usym_other");
		expect_usym(d, self, 0x10, "0x10");
		/* no such process (above PID_MAX_LIMIT): the same address in hex */
		snprintf(hex, sizeof(hex), "0x%" PRIx64, probe);
		expect_usym(d, 4194305, probe, hex);
	}
	/* two errors a round, each counted as it is printed */
	assert_int_equal(decoder__errors(d), 6);
	/* without its process, as decoder__decode: the address */
	expect_decode(d, 0x10, false, "0x10");
	decoder__free(d);
}

/* an IPv4 address as the kernel keeps it in a u32 (__be32), read on this host */
static uint64_t be32_value(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t bytes[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, bytes, sizeof(v));
	return v;
}

static void test_inet_int(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_INET, NULL);

	(void)state;
	expect_decode(d, be32_value(127, 0, 0, 1), false, "127.0.0.1");
	expect_decode(d, be32_value(10, 1, 200, 255), false, "10.1.200.255");
	expect_decode(d, 0, false, "0.0.0.0");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
}

static void expect_inet(const char *hex, const char *want)
{
	uint8_t a[16];
	char out[64];
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &a[i]);
	assert_int_equal(decode__inet(a, n, out, sizeof(out)), strlen(want));
	assert_string_equal(out, want);
}

/* RFC 5952: lower case, no leading zeros, the longest run of zero groups as
 * :: (the first of equal runs), never :: for one group, v4-mapped with the
 * IPv4 part dotted (section 5) */
static void test_inet_bytes(void **state)
{
	uint8_t a[16] = { 0 };
	char out[64];

	(void)state;
	expect_inet("7f000001", "127.0.0.1");
	expect_inet("00000000000000000000000000000001", "::1");
	expect_inet("00000000000000000000000000000000", "::");
	expect_inet("00000000000000000000ffff01020304", "::ffff:1.2.3.4");
	expect_inet("00000000000000000000ffff7f000001", "::ffff:127.0.0.1");
	expect_inet("20010db8000000000000000000000001", "2001:db8::1");
	expect_inet("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1");
	expect_inet("20010db8000000000001000000000001", "2001:db8::1:0:0:1");
	expect_inet("20010DB800AB00000000000000000CDE", "2001:db8:ab::cde");
	expect_inet("fe800000000000000202b3fffe1e8329", "fe80::202:b3ff:fe1e:8329");
	/* neither 4 nor 16 bytes, or no room: nothing */
	assert_int_equal(decode__inet(a, 6, out, sizeof(out)), 0);
	assert_int_equal(decode__inet(a, 16, out, 2), 0);
}

static void test_majorminor(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_MAJORMINOR, NULL);

	(void)state;
	expect_decode(d, 8u << 20, false, "8:0");
	expect_decode(d, (259u << 20) | 3, false, "259:3");
	expect_decode(d, (254u << 20) | 0xfffff, false, "254:1048575");
	expect_decode(d, 0, false, "0:0");
	assert_int_equal(decoder__errors(d), 0);
	decoder__free(d);
}

static void test_ifname(void **state)
{
	struct decoder *d = new_decoder(CFG_DECODE_IFNAME, NULL);

	(void)state;
	/* lo is index 1 in every network namespace (LOOPBACK_IFINDEX) */
	expect_decode(d, 1, false, "lo");
	expect_decode(d, 0, false, "0");
	assert_int_equal(decoder__errors(d), 0);
	expect_decode(d, 999999, false, "999999");
	assert_int_equal(decoder__errors(d), 1);
	/* cached: the same text, the error counted again as it is printed again */
	expect_decode(d, 999999, false, "999999");
	assert_int_equal(decoder__errors(d), 2);
	decoder__free(d);
}

/* ---- the interface ---- */

static void test_new_invalid(void **state)
{
	static const struct cfg_static_value nameless[] = { { 1, NULL } };
	struct decode_env env = { .cache_max = SIZE_MAX };

	(void)state;
	errno = 0;
	assert_null(decoder__new(CFG_DECODE_NONE, NULL, 0, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(decoder__new((enum cfg_decode)99, NULL, 0, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(decoder__new(CFG_DECODE_HEX, NULL, 0, &env));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(decoder__new(CFG_DECODE_STATIC, NULL, 2, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(decoder__new(CFG_DECODE_STATIC, nameless, 1, NULL));
	assert_int_equal(errno, EINVAL);
	decoder__free(NULL);
	assert_int_equal(decoder__errors(NULL), 0);
}

/* Text longer than 255 bytes, or than the caller's buffer, is cut, never
 * inside a UTF-8 sequence. */
static void test_lengths(void **state)
{
	static char long_name[300];
	struct cfg_static_value values[] = { { 1, long_name }, { 2, "a\xc3\xa9z" } };
	char buf[TEXT_MAX], want[256];
	struct decoder *d;
	const char *s;
	size_t len;

	(void)state;
	memset(long_name, 'x', sizeof(long_name) - 1);
	d = decoder__new(CFG_DECODE_STATIC, values, 2, NULL);
	assert_non_null(d);
	memset(want, 'x', 255);
	want[255] = '\0';
	expect_decode(d, 1, false, want);

	s = decoder__decode(d, 2, false, buf, 3, &len);
	assert_string_equal(s, "a");
	assert_int_equal(len, 1);
	s = decoder__decode(d, 2, false, buf, 4, &len);
	assert_string_equal(s, "a\xc3\xa9");
	assert_int_equal(len, 3);
	s = decoder__decode(d, 2, false, buf, 0, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	decoder__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_regexp),
		cmocka_unit_test(test_ksym),
		cmocka_unit_test(test_ksym_zero_addresses),
		cmocka_unit_test(test_ksym_missing_reload_limited),
		cmocka_unit_test(test_ksym_cached),
		cmocka_unit_test(test_ksym_cache_bound),
		cmocka_unit_test(test_cgroup_walk),
		cmocka_unit_test(test_cgroup_cache_bound),
		cmocka_unit_test(test_cgroup_real),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_inet_int),
		cmocka_unit_test(test_inet_bytes),
		cmocka_unit_test(test_majorminor),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_usym),
		cmocka_unit_test(test_new_invalid),
		cmocka_unit_test(test_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
