// SPDX-License-Identifier: GPL-2.0
/*
 * kbtf and its users against BTF written here with libbpf's writer: a
 * "vmlinux" file, and a directory laid out like /sys/kernel/btf with a
 * module's split BTF over it (its own function, struct and raw tracepoint),
 * a file that does not parse, and vmlinux itself (never read as a module).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel/btfpath.h"
#include "kernel/kbtf.h"
#include "kernel/list.h"
#include "kernel/rawtp.h"

static char dir[64], vmlinux_path[96];
static struct btf *base;

enum { T_VOID_P = 1, T_INT, T_SOCK, T_SOCK_P };

/* the broken file's "failed to get EHDR" is expected: no libbpf noise */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int write_btf(const struct btf *btf, const char *path)
{
	uint32_t size;
	const void *raw = btf__raw_data(btf, &size);
	FILE *f = fopen(path, "w");
	int ok = f && raw && fwrite(raw, 1, size, f) == size;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static int setup(void **state)
{
	struct btf *mod;
	char path[128];
	int proto, tfile, tfile_p, id;
	FILE *f;

	(void)state;
	libbpf_set_print(quiet);
	snprintf(dir, sizeof(dir), "/tmp/bpfprom-kbtf-%d", (int)getpid());
	snprintf(vmlinux_path, sizeof(vmlinux_path), "%s.vmlinux", dir);
	if (mkdir(dir, 0700))
		return -1;
	/* vmlinux: struct sock { int sk_sndbuf; }, void vfunc(struct sock *sk),
	 * and its own raw tracepoint vev(struct sock *sk) */
	base = btf__new_empty();
	btf__add_ptr(base, 0);
	btf__add_int(base, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(base, "sock", 8);
	btf__add_field(base, "sk_sndbuf", T_INT, 32, 0);
	btf__add_ptr(base, T_SOCK);
	proto = btf__add_func_proto(base, 0);
	btf__add_func_param(base, "sk", T_SOCK_P);
	btf__add_func(base, "vfunc", BTF_FUNC_GLOBAL, proto);
	proto = btf__add_func_proto(base, 0);
	btf__add_func_param(base, NULL, T_VOID_P);
	btf__add_func_param(base, NULL, T_SOCK_P);
	btf__add_typedef(base, "btf_trace_vev", btf__add_ptr(base, proto));
	proto = btf__add_func_proto(base, 0);
	btf__add_func_param(base, "__data", T_VOID_P);
	btf__add_func_param(base, "sk", T_SOCK_P);
	btf__add_func(base, "__bpf_trace_vev", BTF_FUNC_STATIC, proto);
	/* the module: struct tun_file { struct sock sk; int flags; },
	 * void mfunc(struct tun_file *tfile), its raw tracepoint
	 * mev(struct tun_file *tfile, int n) */
	mod = btf__new_empty_split(base);
	tfile = btf__add_struct(mod, "tun_file", 12);
	btf__add_field(mod, "sk", T_SOCK, 0, 0);
	btf__add_field(mod, "flags", T_INT, 64, 0);
	tfile_p = btf__add_ptr(mod, tfile);
	proto = btf__add_func_proto(mod, 0);
	btf__add_func_param(mod, "tfile", tfile_p);
	btf__add_func(mod, "mfunc", BTF_FUNC_STATIC, proto);
	proto = btf__add_func_proto(mod, 0);
	btf__add_func_param(mod, NULL, T_VOID_P);
	btf__add_func_param(mod, NULL, tfile_p);
	btf__add_func_param(mod, NULL, T_INT);
	btf__add_typedef(mod, "btf_trace_mev", btf__add_ptr(mod, proto));
	proto = btf__add_func_proto(mod, 0);
	btf__add_func_param(mod, "__data", T_VOID_P);
	btf__add_func_param(mod, "tfile", tfile_p);
	btf__add_func_param(mod, "n", T_INT);
	id = btf__add_func(mod, "__bpf_trace_mev", BTF_FUNC_STATIC, proto);
	snprintf(path, sizeof(path), "%s/tunx", dir);
	if (id <= 0 || write_btf(mod, path) || write_btf(base, vmlinux_path))
		return -1;
	btf__free(mod);
	/* read first by name, and not BTF: left out */
	snprintf(path, sizeof(path), "%s/aaa_broken", dir);
	f = fopen(path, "w");
	if (!f || fputs("not btf", f) < 0 || fclose(f))
		return -1;
	/* vmlinux is no module */
	snprintf(path, sizeof(path), "%s/vmlinux", dir);
	return write_btf(base, path);
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	btf__free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, vmlinux_path);
	return system(cmd) ? -1 : 0;
}

static void test_find(void **state)
{
	struct kbtf *kb = kbtf__new(base, dir);
	const char *module = "x";
	const struct btf *btf;

	(void)state;
	assert_non_null(kb);
	assert_ptr_equal(kbtf__find(kb, "vfunc", BTF_KIND_FUNC, &module), base);
	assert_null(module);
	btf = kbtf__find(kb, "mfunc", BTF_KIND_FUNC, &module);
	assert_non_null(btf);
	assert_ptr_not_equal(btf, base);
	assert_string_equal(module, "tunx");
	assert_ptr_equal(kbtf__find(kb, "btf_trace_mev", BTF_KIND_TYPEDEF, NULL), btf);
	assert_ptr_equal(kbtf__find(kb, "tun_file", BTF_KIND_STRUCT, NULL), btf);
	/* a vmlinux type is vmlinux's, though the module's handle finds it too */
	assert_ptr_equal(kbtf__find(kb, "sock", BTF_KIND_STRUCT, NULL), base);
	assert_null(kbtf__find(kb, "nofunc", BTF_KIND_FUNC, &module));
	assert_null(module);
	kbtf__free(kb);
	/* no directory: vmlinux's only */
	kb = kbtf__new(base, NULL);
	assert_null(kbtf__find(kb, "mfunc", BTF_KIND_FUNC, NULL));
	kbtf__free(kb);
}

/* a path from a module's type into vmlinux's, resolved in the module's handle */
static void test_path(void **state)
{
	struct kbtf *kb = kbtf__new(base, dir);
	const struct btf *btf = kbtf__find(kb, "mfunc", BTF_KIND_FUNC, NULL);
	struct cfg_path path = { .base = BPFPROM_SRC_ARG, .nelems = 2 };
	struct btfpath_chain chain;
	char err[256] = "";
	uint32_t id;

	(void)state;
	assert_int_equal(btfpath__func_type(btf, "mfunc", 0, &id, err, sizeof(err)), 0);
	path.elems[0].op = CFG_PATH_ARROW;
	snprintf(path.elems[0].name, sizeof(path.elems[0].name), "sk");
	path.elems[1].op = CFG_PATH_DOT;
	snprintf(path.elems[1].name, sizeof(path.elems[1].name), "sk_sndbuf");
	assert_int_equal(
		btfpath__resolve(btf, id, false, false, &path, false, &chain, err, sizeof(err)), 0);
	assert_int_equal(chain.nsteps, 1);
	assert_int_equal(chain.steps[0].off, 4);
	assert_int_equal(chain.size, 4);
	assert_true(chain.is_signed);
	snprintf(path.elems[1].name, sizeof(path.elems[1].name), "flag");
	path.elems[0].op = CFG_PATH_ARROW;
	snprintf(path.elems[0].name, sizeof(path.elems[0].name), "flag");
	path.nelems = 1;
	assert_int_equal(btfpath__resolve(btf, id, false, false, &path, false, &chain, err,
					  sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "struct tun_file has no member \"flag\" (did you mean \"flags\"?)");
	kbtf__free(kb);
}

static void test_list(void **state)
{
	struct list_opts opts = { .btf = vmlinux_path, .btf_dir = dir };
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(list__run("rawtracepoint:*", true, &opts, out, err, sizeof(err)), 0);
	fclose(out);
	assert_string_equal(buf, "rawtracepoint:mev\n"
				 "    struct tun_file *tfile;\n"
				 "    int n;\n"
				 "rawtracepoint:vev\n"
				 "    struct sock *sk;\n");
	free(buf);
	/* BTF from a file and no directory: vmlinux's events only */
	opts.btf_dir = NULL;
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_int_equal(list__run("rawtracepoint:*", false, &opts, out, err, sizeof(err)), 0);
	fclose(out);
	assert_string_equal(buf, "rawtracepoint:vev\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
