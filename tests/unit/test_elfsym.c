// SPDX-License-Identifier: GPL-2.0
/*
 * elfsym against real ELF files built at test time with cc: a non-PIE and a
 * PIE executable and a shared library (and a stripped copy). Every expected
 * offset is computed apart from elfsym, from `nm -S` and `readelf -lW`, so the
 * tests check the translation rather than repeat it. Library names are checked
 * against `ldconfig -p` and against fake ld.so.cache files in each layout.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/elfsym.h"

#define ERRLEN 1024
#define FXPATH 128 /* the fixture paths: short, under /tmp */

static const char prog_src[] =
	"#include <stdio.h>\n"
	"int bpfprom_counter;\n"
	"__attribute__((noinline)) int bpfprom_target(long v)\n"
	"{\n"
	"	long i, s = 0;\n"
	"	for (i = 0; i < v; i++)\n"
	"		s += i * bpfprom_counter;\n"
	"	bpfprom_counter += (int)s;\n"
	"	return (int)s;\n"
	"}\n"
	"__attribute__((noinline)) int bpfprom_other(long v)\n"
	"{\n"
	"	return bpfprom_target(v + 1) * 3;\n"
	"}\n"
	"static __attribute__((noinline)) int bpfprom_helper(long v)\n"
	"{\n"
	"	return bpfprom_other(v) + 1;\n"
	"}\n"
	"__attribute__((noinline)) int bpfprom_dup(long v)\n"
	"{\n"
	"	return (int)v + 5;\n"
	"}\n"
	"int bpfprom_second(long v);\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	(void)argv;\n"
	"	printf(\"%d\\n\", bpfprom_helper(argc) + bpfprom_dup(argc) +\n"
	"	       bpfprom_second(argc));\n"
	"	return 0;\n"
	"}\n";

/* A second unit: its static bpfprom_dup is a local symbol beside the global one. */
static const char prog2_src[] = "static __attribute__((noinline)) int bpfprom_dup(long v)\n"
				"{\n"
				"	return (int)v * 11;\n"
				"}\n"
				"int bpfprom_second(long v)\n"
				"{\n"
				"	return bpfprom_dup(v) + 1;\n"
				"}\n";

static const char lib_src[] = "static __attribute__((noinline)) int bpfprom_lib_static(int v)\n"
			      "{\n"
			      "	return v * 7 + 1;\n"
			      "}\n"
			      "int bpfprom_lib_fn(int v)\n"
			      "{\n"
			      "	return bpfprom_lib_static(v) + 2;\n"
			      "}\n"
			      "int go(int v)\n"
			      "{\n"
			      "	return v + 1;\n"
			      "}\n";

static struct {
	bool built;
	char dir[64];
	char nopie[FXPATH], pie[FXPATH], lib[FXPATH], stripped[FXPATH];
	char text[FXPATH], missing[FXPATH];
} fx;

static void fx_path(char *out, const char *name)
{
	snprintf(out, FXPATH, "%s/%s", fx.dir, name);
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	size_t n;

	if (!f)
		return -1;
	n = fwrite(data, 1, len, f);
	if (fclose(f) || n != len)
		return -1;
	return 0;
}

static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup(void **state)
{
	char src[FXPATH], src2[FXPATH], lsrc[FXPATH];
	(void)state;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/bpfprom-elfsym-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	fx_path(src, "prog.c");
	fx_path(src2, "prog2.c");
	fx_path(lsrc, "lib.c");
	fx_path(fx.nopie, "prog_nopie");
	fx_path(fx.pie, "prog_pie");
	fx_path(fx.lib, "libbpfpromtest.so");
	fx_path(fx.stripped, "libbpfpromtest-stripped.so");
	fx_path(fx.text, "notelf.txt");
	fx_path(fx.missing, "does-not-exist");
	if (write_file(src, prog_src, strlen(prog_src)) ||
	    write_file(src2, prog2_src, strlen(prog2_src)) ||
	    write_file(lsrc, lib_src, strlen(lib_src)) ||
	    write_file(fx.text, "just some text\n", 15))
		return -1;
	/* -O0: no inlining, cloning or renaming of the fixture functions */
	fx.built = !run("cc -O0 -no-pie -o '%s' '%s' '%s' 2>&1", fx.nopie, src, src2) &&
		   !run("cc -O0 -fPIE -pie -o '%s' '%s' '%s' 2>&1", fx.pie, src, src2) &&
		   !run("cc -O0 -shared -fPIC -o '%s' '%s' 2>&1", fx.lib, lsrc) &&
		   !run("strip --strip-all -o '%s' '%s' 2>&1", fx.stripped, fx.lib);
	if (!fx.built)
		print_message("cc or strip failed: the tests on built ELF files are skipped\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.dir[0])
		run("rm -rf '%s'", fx.dir);
	return 0;
}

#define NEED_FIXTURES()                                                                                    \
	do {                                                                                               \
		if (!fx.built) {                                                                           \
			print_message(                                                                     \
				"skip: the ELF fixtures could not be built (cc, nm or readelf failed)\n"); \
			skip();                                                                            \
		}                                                                                          \
	} while (0)

/* ---- independent offsets: nm -S and readelf -lW ---------------------------------- */

struct nm_sym {
	uint64_t value, size;
	char type;
	int rows; /* how many symbols have that name */
};

/*
 * The symbol's value, size and type as nm prints them, a global or weak one
 * (upper case) rather than a local one; "malloc@@GLIBC_2.2.5" is "malloc".
 */
static bool nm_lookup(const char *path, bool dynamic, const char *name, struct nm_sym *out)
{
	char cmd[PATH_MAX + 32], line[1024], sym[512], *at;
	unsigned long long v, s;
	bool found = false, global = false;
	char t;
	FILE *p;

	out->rows = 0;
	snprintf(cmd, sizeof(cmd), "nm -S %s '%s' 2>/dev/null", dynamic ? "-D" : "", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "%llx %llx %c %511s", &v, &s, &t, sym) != 4)
			continue;
		at = strchr(sym, '@');
		if (at)
			*at = '\0';
		if (strcmp(sym, name))
			continue;
		out->rows++;
		if (global || (found && !isupper((unsigned char)t)))
			continue;
		out->value = v;
		out->size = s;
		out->type = t;
		found = true;
		global = isupper((unsigned char)t);
	}
	pclose(p);
	return found;
}

/* st_value to a file offset through the LOAD rows of readelf -lW. */
static uint64_t readelf_offset(const char *path, uint64_t value)
{
	unsigned long long off, vaddr, paddr, filesz, memsz;
	char cmd[PATH_MAX + 32], line[1024];
	uint64_t found = UINT64_MAX;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx", &off, &vaddr, &paddr, &filesz,
			   &memsz) != 5)
			continue;
		if (found == UINT64_MAX && value >= vaddr && value < vaddr + memsz)
			found = value - vaddr + off;
	}
	pclose(p);
	assert_true(found != UINT64_MAX);
	return found;
}

static uint64_t expected_offset(const char *path, bool dynamic, const char *func,
				struct nm_sym *sym)
{
	assert_true(nm_lookup(path, dynamic, func, sym));
	return readelf_offset(path, sym->value);
}

static void expect_offset(const char *path, const char *func, uint64_t off, uint64_t want)
{
	char err[ERRLEN] = "";
	uint64_t got = 0;

	assert_int_equal(elfsym__func_offset(path, func, off, &got, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(got, want);
}

static void expect_offset_err(const char *path, const char *func, uint64_t off, int ret,
			      const char *want)
{
	char err[ERRLEN] = "";
	uint64_t got = 12345;

	assert_int_equal(elfsym__func_offset(path, func, off, &got, err, sizeof(err)), ret);
	assert_string_equal(err, want);
	assert_int_equal(got, 12345);
}

/* ---- function offsets ------------------------------------------------------------ */

static void test_offset_nopie(void **state)
{
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	want = expected_offset(fx.nopie, false, "bpfprom_target", &sym);
	/* a non-PIE executable is linked at 0x400000: the translation is not the identity */
	assert_true(want != sym.value);
	assert_int_equal(sym.type, 'T');
	expect_offset(fx.nopie, "bpfprom_target", 0, want);
	expect_offset(fx.nopie, "bpfprom_target", 4, want + 4);
	want = expected_offset(fx.nopie, false, "bpfprom_other", &sym);
	expect_offset(fx.nopie, "bpfprom_other", 0, want);
	want = expected_offset(fx.nopie, false, "main", &sym);
	expect_offset(fx.nopie, "main", 0, want);
}

static void test_offset_pie(void **state)
{
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	want = expected_offset(fx.pie, false, "bpfprom_target", &sym);
	expect_offset(fx.pie, "bpfprom_target", 0, want);
	expect_offset(fx.pie, "bpfprom_target", 4, want + 4);
	expect_offset(fx.pie, "bpfprom_target", sym.size - 1, want + sym.size - 1);
}

/* A static function is a local symbol, in .symtab only. */
static void test_offset_local_function(void **state)
{
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	want = expected_offset(fx.pie, false, "bpfprom_helper", &sym);
	assert_int_equal(sym.type, 't');
	expect_offset(fx.pie, "bpfprom_helper", 0, want);
	want = expected_offset(fx.lib, false, "bpfprom_lib_static", &sym);
	expect_offset(fx.lib, "bpfprom_lib_static", 2, want + 2);
}

static void test_offset_shared_library(void **state)
{
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	want = expected_offset(fx.lib, false, "bpfprom_lib_fn", &sym);
	expect_offset(fx.lib, "bpfprom_lib_fn", 0, want);
	expect_offset(fx.lib, "bpfprom_lib_fn", 4, want + 4);
}

/* Stripped: .dynsym has the exported function, the static one is gone. */
static void test_offset_stripped(void **state)
{
	char want_err[ERRLEN];
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	assert_false(nm_lookup(fx.stripped, false, "bpfprom_lib_fn", &sym));
	want = expected_offset(fx.stripped, true, "bpfprom_lib_fn", &sym);
	expect_offset(fx.stripped, "bpfprom_lib_fn", 0, want);
	snprintf(want_err, sizeof(want_err), "no function \"bpfprom_lib_static\" in %s",
		 fx.stripped);
	expect_offset_err(fx.stripped, "bpfprom_lib_static", 0, -ENOENT, want_err);
}

static void test_offset_past_end(void **state)
{
	char want_err[ERRLEN];
	struct nm_sym sym;
	(void)state;

	NEED_FIXTURES();
	assert_true(nm_lookup(fx.nopie, false, "bpfprom_target", &sym));
	assert_true(sym.size > 4 && sym.size < 100000);
	snprintf(want_err, sizeof(want_err),
		 "offset +100000 is past the end of bpfprom_target (%" PRIu64 " bytes)", sym.size);
	expect_offset_err(fx.nopie, "bpfprom_target", 100000, -EINVAL, want_err);
	/* the first byte past the end is already too far */
	snprintf(want_err, sizeof(want_err),
		 "offset +%" PRIu64 " is past the end of bpfprom_target (%" PRIu64 " bytes)",
		 sym.size, sym.size);
	expect_offset_err(fx.nopie, "bpfprom_target", sym.size, -EINVAL, want_err);
}

static void test_offset_did_you_mean(void **state)
{
	char want_err[ERRLEN];
	(void)state;

	NEED_FIXTURES();
	snprintf(want_err, sizeof(want_err),
		 "no function \"bpfprom_targte\" in %s (did you mean \"bpfprom_target\"?)",
		 fx.nopie);
	expect_offset_err(fx.nopie, "bpfprom_targte", 0, -ENOENT, want_err);
	snprintf(want_err, sizeof(want_err),
		 "no function \"bpfprom_lib_f\" in %s (did you mean \"bpfprom_lib_fn\"?)",
		 fx.stripped);
	expect_offset_err(fx.stripped, "bpfprom_lib_f", 0, -ENOENT, want_err);
	snprintf(want_err, sizeof(want_err), "no function \"nothing_like_it\" in %s", fx.pie);
	expect_offset_err(fx.pie, "nothing_like_it", 0, -ENOENT, want_err);
	/* a short name: one letter off is a typo, two letters off of two is another name */
	snprintf(want_err, sizeof(want_err), "no function \"gp\" in %s (did you mean \"go\"?)",
		 fx.lib);
	expect_offset_err(fx.lib, "gp", 0, -ENOENT, want_err);
	snprintf(want_err, sizeof(want_err), "no function \"ab\" in %s", fx.lib);
	expect_offset_err(fx.lib, "ab", 0, -ENOENT, want_err);
}

/* printf is in the executable's symbols, undefined: it lives in libc. */
static void test_offset_undefined_import(void **state)
{
	char want_err[ERRLEN];
	struct nm_sym sym;
	(void)state;

	NEED_FIXTURES();
	assert_false(nm_lookup(fx.pie, false, "printf", &sym)); /* "U printf" has no value */
	snprintf(want_err, sizeof(want_err), "no function \"printf\" in %s", fx.pie);
	expect_offset_err(fx.pie, "printf", 0, -ENOENT, want_err);
}

/* Two functions named bpfprom_dup, a global and a static one: the global one is taken. */
static void test_offset_prefers_global(void **state)
{
	struct nm_sym sym;
	uint64_t want;
	(void)state;

	NEED_FIXTURES();
	want = expected_offset(fx.pie, false, "bpfprom_dup", &sym);
	assert_int_equal(sym.type, 'T');
	assert_int_equal(sym.rows, 2);
	expect_offset(fx.pie, "bpfprom_dup", 0, want);
	want = expected_offset(fx.nopie, false, "bpfprom_dup", &sym);
	expect_offset(fx.nopie, "bpfprom_dup", 0, want);
}

/* A data symbol is not a function. */
static void test_offset_object_symbol(void **state)
{
	char want_err[ERRLEN];
	struct nm_sym sym;
	(void)state;

	NEED_FIXTURES();
	assert_true(nm_lookup(fx.pie, false, "bpfprom_counter", &sym));
	snprintf(want_err, sizeof(want_err), "no function \"bpfprom_counter\" in %s", fx.pie);
	expect_offset_err(fx.pie, "bpfprom_counter", 0, -ENOENT, want_err);
}

static void test_offset_not_elf(void **state)
{
	char want_err[ERRLEN];
	(void)state;

	NEED_FIXTURES();
	snprintf(want_err, sizeof(want_err), "\"%s\" is not an ELF file", fx.text);
	expect_offset_err(fx.text, "main", 0, -ENOEXEC, want_err);
	snprintf(want_err, sizeof(want_err), "cannot open \"%s\": No such file or directory",
		 fx.missing);
	expect_offset_err(fx.missing, "main", 0, -ENOENT, want_err);
}

/* ---- libc ---------------------------------------------------------------------- */

/* realpath of the first libc.so.6 of this machine that `ldconfig -p` lists. */
static bool ldconfig_libc(char *out)
{
	char line[1024], name[256], flags[256], path[PATH_MAX];
	bool found = false;
	FILE *p;

	p = popen("ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null", "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, " %255s (%255[^)]) => %4095s", name, flags, path) != 3)
			continue;
#if defined(__x86_64__) && !defined(__ILP32__)
		if (!strstr(flags, "x86-64"))
			continue;
#endif
		if (!found && !strcmp(name, "libc.so.6") && realpath(path, out))
			found = true;
	}
	pclose(p);
	return found;
}

static void test_resolve_libc(void **state)
{
	const char *names[] = { "libc", "libc.so.6", "c", "libc.so" };
	char want[PATH_MAX], path[PATH_MAX], err[ERRLEN];
	struct stat st;
	size_t i;
	(void)state;

	if (!ldconfig_libc(want)) {
		print_message("skip: ldconfig -p lists no libc.so.6 for this architecture\n");
		skip();
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
			elfsym__resolve_binary(names[i], path, sizeof(path), err, sizeof(err)), 0);
		assert_string_equal(err, "");
		assert_string_equal(path, want);
	}
	assert_int_equal(path[0], '/');
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_libc_malloc(void **state)
{
	char path[PATH_MAX], err[ERRLEN] = "";
	struct nm_sym sym;
	uint64_t off = 0;
	(void)state;

	assert_int_equal(elfsym__resolve_binary("libc", path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(elfsym__func_offset(path, "malloc", 0, &off, err, sizeof(err)), 0);
	/* nm (binutils) comes with gcc: its answer is required, not a weaker check */
	assert_true(nm_lookup(path, true, "malloc", &sym));
	assert_int_equal(off, readelf_offset(path, sym.value));
	/* strlen is an IFUNC in glibc: the symbol is its resolver, and it is found */
	assert_int_equal(elfsym__func_offset(path, "strlen", 0, &off, err, sizeof(err)), 0);
	assert_true(nm_lookup(path, true, "strlen", &sym));
	assert_int_equal(off, readelf_offset(path, sym.value));
}

static void test_resolve_missing_library(void **state)
{
	char path[PATH_MAX] = "", err[ERRLEN] = "";
	(void)state;

	assert_int_equal(elfsym__resolve_binary("libnopenope", path, sizeof(path), err,
						sizeof(err)),
			 -ENOENT);
	assert_string_equal(
		err, "library \"libnopenope\" not found in /etc/ld.so.cache (give a path instead)");
	assert_string_equal(path, "");
}

/* ---- paths --------------------------------------------------------------------- */

static void expect_resolve(const char *bin, const char *want)
{
	char path[PATH_MAX], err[ERRLEN] = "";

	assert_int_equal(elfsym__resolve_binary(bin, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(path, want);
}

static void expect_resolve_err(const char *bin, int ret, const char *want)
{
	char path[PATH_MAX] = "", err[ERRLEN] = "";

	assert_int_equal(elfsym__resolve_binary(bin, path, sizeof(path), err, sizeof(err)), ret);
	assert_string_equal(err, want);
	assert_string_equal(path, "");
}

static void test_resolve_path(void **state)
{
	char rel[PATH_MAX], cwd[PATH_MAX], link[FXPATH], *c;
	(void)state;

	NEED_FIXTURES();
	expect_resolve(fx.pie, fx.pie);
	expect_resolve(fx.lib, fx.lib);
	/* relative to the working directory, through ".." up to / */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	rel[0] = '\0';
	for (c = cwd; *c; c++)
		if (*c == '/' && c[1])
			strcat(rel, "../");
	strcat(rel, fx.dir + 1);
	strcat(rel, "/./prog_nopie");
	expect_resolve(rel, fx.nopie);
	/* a symbolic link is followed to the file */
	fx_path(link, "link-to-pie");
	assert_int_equal(symlink(fx.pie, link), 0);
	expect_resolve(link, fx.pie);
}

static void test_resolve_path_errors(void **state)
{
	char want[ERRLEN], dir[FXPATH + 1];
	(void)state;

	NEED_FIXTURES();
	snprintf(want, sizeof(want), "binary \"%s\" does not exist", fx.missing);
	expect_resolve_err(fx.missing, -ENOENT, want);
	expect_resolve_err("./no/such/dir/bin", -ENOENT,
			   "binary \"./no/such/dir/bin\" does not exist");
	snprintf(want, sizeof(want), "\"%s\" is not an ELF file", fx.text);
	expect_resolve_err(fx.text, -ENOEXEC, want);
	snprintf(dir, sizeof(dir), "%s/", fx.dir);
	snprintf(want, sizeof(want), "\"%s\" is not a regular file", dir);
	expect_resolve_err(dir, -EINVAL, want);
	expect_resolve_err("", -EINVAL, "binary is empty");
}

static void test_resolve_path_too_long(void **state)
{
	char path[8] = "", err[ERRLEN] = "", want[ERRLEN];
	(void)state;

	NEED_FIXTURES();
	assert_int_equal(elfsym__resolve_binary(fx.pie, path, sizeof(path), err, sizeof(err)),
			 -ENAMETOOLONG);
	snprintf(want, sizeof(want), "path of \"%s\" is too long: %s", fx.pie, fx.pie);
	assert_string_equal(err, want);
	assert_string_equal(path, "");
}

/*
 * BIN inside a process's root (/proc/N/root/BIN, or pid:): this process's
 * own root, so the links' targets exist, walked by elfsym, not realpath.
 */
static void test_resolve_in_root(void **state)
{
	char bin[PATH_MAX], want[PATH_MAX + 128], path[PATH_MAX], err[ERRLEN], link[FXPATH];
	const char *fxdir;
	int me = (int)getpid();
	(void)state;

	NEED_FIXTURES();
	fxdir = fx.dir;
	snprintf(want, sizeof(want), "/proc/%d/root%s", me, fx.pie);
	/* an absolute link starts again at the process's root; a relative one, and ".." */
	fx_path(link, "abs-to-pie");
	assert_int_equal(symlink(fx.pie, link), 0);
	snprintf(bin, sizeof(bin), "/proc/%d/root%s", me, link);
	expect_resolve(bin, want);
	fx_path(link, "rel-to-abs");
	assert_int_equal(symlink("./abs-to-pie", link), 0);
	snprintf(bin, sizeof(bin), "/proc/%d/root%s/../%s/./rel-to-abs", me, fxdir,
		 strrchr(fxdir, '/') + 1);
	expect_resolve(bin, want);
	/* ".." stops at the root, as in a chroot */
	snprintf(bin, sizeof(bin), "/proc/%d/root/../../..%s", me, fx.pie);
	expect_resolve(bin, want);
	fx_path(link, "loop");
	assert_int_equal(symlink("loop", link), 0);
	snprintf(bin, sizeof(bin), "/proc/%d/root%s", me, link);
	snprintf(want, sizeof(want), "cannot resolve \"%s\" in /proc/%d/root: %s", link, me,
		 strerror(ELOOP));
	expect_resolve_err(bin, -ELOOP, want);
	snprintf(bin, sizeof(bin), "/proc/%d/root%s", me, fx.missing);
	snprintf(want, sizeof(want),
		 "binary \"%s\" does not exist in /proc/%d/root (/proc/%d/root%s)", fx.missing, me,
		 me, fx.missing);
	expect_resolve_err(bin, -ENOENT, want);
	snprintf(bin, sizeof(bin), "/proc/%d/root", me);
	snprintf(want, sizeof(want), "\"%s\" is a process's root directory, not a binary", bin);
	expect_resolve_err(bin, -EINVAL, want);
	/* "/proc/Nx/root/..." is no process's root: an ordinary path */
	expect_resolve_err("/proc/1x/root/bin/true", -ENOENT,
			   "binary \"/proc/1x/root/bin/true\" does not exist");

	/* pid: of a process that shares bpfprom's mount namespace and root: plain paths */
	err[0] = '\0';
	assert_int_equal(
		elfsym__resolve_binary_pid(fx.pie, me, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, fx.pie);
	assert_int_equal(elfsym__resolve_binary_pid(fx.pie, 4194000, path, sizeof(path), err,
						    sizeof(err)),
			 -ESRCH);
	assert_string_equal(err, "process 4194000 does not exist (no /proc/4194000)");
}

/* ---- fake ld.so.cache files ----------------------------------------------------- */

enum cache_layout { CACHE_NEW, CACHE_COMPAT, CACHE_OLD };

struct cache_ent {
	int32_t flags;
	const char *key, *value;
};

struct bytes {
	unsigned char buf[8192];
	size_t len;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_u32(struct bytes *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void pad_to(struct bytes *b, size_t align)
{
	static const unsigned char zero[8];

	put(b, zero, (align - b->len % align) % align);
}

/* The string area: key and value of each entry, offs their offsets in it. */
static void cache_strings(const struct cache_ent *e, size_t n, uint32_t *offs, struct bytes *s)
{
	size_t i;

	s->len = 0;
	for (i = 0; i < n; i++) {
		offs[2 * i] = (uint32_t)s->len;
		put(s, e[i].key, strlen(e[i].key) + 1);
		offs[2 * i + 1] = (uint32_t)s->len;
		put(s, e[i].value, strlen(e[i].value) + 1);
	}
}

/* The layouts of glibc's elf/dl-cache.h, written the way ldconfig writes them. */
static void write_cache(const char *path, enum cache_layout layout, const struct cache_ent *e,
			size_t n)
{
	static struct bytes b, s;
	uint32_t offs[32], unused[3] = { 0 }, new_base, old_str, new_size;
	uint64_t hwcap = 0;
	unsigned char flags[4] = { 2, 0, 0, 0 }; /* little endian, padding */
	size_t i, old_end;

	assert_true(2 * n <= sizeof(offs) / sizeof(offs[0]));
	cache_strings(e, n, offs, &s);
	b.len = 0;
	new_size = (uint32_t)(48 + 24 * n);
	if (layout != CACHE_NEW) {
		put(&b, "ld.so-1.7.0\0", 12);
		put_u32(&b, (uint32_t)n);
		old_end = 16 + 12 * n;
		new_base = (uint32_t)((old_end + 7) & ~(size_t)7);
		/* old strings count from the old table's end; the new part hides in them */
		old_str = layout == CACHE_OLD ? 0 : new_base - (uint32_t)old_end + new_size;
		for (i = 0; i < n; i++) {
			put_u32(&b, (uint32_t)e[i].flags);
			put_u32(&b, old_str + offs[2 * i]);
			put_u32(&b, old_str + offs[2 * i + 1]);
		}
		if (layout == CACHE_OLD) {
			put(&b, s.buf, s.len);
			assert_int_equal(write_file(path, b.buf, b.len), 0);
			return;
		}
		pad_to(&b, 8);
	}
	put(&b, "glibc-ld.so.cache1.1", 20);
	put_u32(&b, (uint32_t)n);
	put_u32(&b, (uint32_t)s.len);
	put(&b, flags, sizeof(flags));
	put_u32(&b, 0); /* extension_offset */
	put(&b, unused, sizeof(unused));
	for (i = 0; i < n; i++) {
		put_u32(&b, (uint32_t)e[i].flags);
		put_u32(&b, new_size + offs[2 * i]);
		put_u32(&b, new_size + offs[2 * i + 1]);
		put_u32(&b, 0); /* osversion */
		put(&b, &hwcap, sizeof(hwcap));
	}
	put(&b, s.buf, s.len);
	assert_int_equal(write_file(path, b.buf, b.len), 0);
}

static void expect_cache(const char *cache, const char *bin, const char *want)
{
	char path[PATH_MAX] = "", err[ERRLEN] = "";

	assert_int_equal(
		elfsym__resolve_binary_cache(bin, cache, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(path, want);
}

static void expect_cache_err(const char *cache, const char *bin, int ret, const char *want)
{
	char path[PATH_MAX] = "", err[ERRLEN] = "";

	assert_int_equal(elfsym__resolve_binary_cache(bin, cache, path, sizeof(path), err,
						      sizeof(err)),
			 ret);
	assert_string_equal(err, want);
}

static void test_fake_cache(void **state)
{
	static const char *const files[] = { "lib32fake", "libfake.so.2", "libfake.so.1",
					     "libfake.so", "libfakextra.so.1" };
	static const char *const layouts[] = { "cache-new", "cache-compat", "cache-old" };
	char p[5][FXPATH], stale[FXPATH], cache[FXPATH], want[ERRLEN];
	size_t i, l;
	(void)state;

	NEED_FIXTURES();
#if !defined(__x86_64__) || defined(__ILP32__)
	/* the entries below carry x86-64's flags */
	print_message("skip: the ld.so.cache entries of this test are x86-64's\n");
	skip();
#endif
	for (i = 0; i < 5; i++) {
		fx_path(p[i], files[i]);
		unlink(p[i]);
		assert_int_equal(link(fx.lib, p[i]), 0);
	}
	fx_path(stale, "libstale.so.1");
	{
		/* ldconfig's order: the 32-bit libfake.so.2 first, then newest first */
		const struct cache_ent ents[] = {
			{ 0x0003, "libfake.so.2", p[0] }, /* libc6, no x86-64 bit: i386 */
			{ 0x0303, "libfake.so.2", p[1] }, /* x86-64 */
			{ 0x0303, "libfake.so.10", p[0] }, /* not a libfake.so.1 */
			{ 0x0303, "libfake.so.1", p[2] }, /* older */
			{ 0x0303, "libfake.so", p[3] }, /* the development link */
			{ 0x0303, "libfakextra.so.1", p[4] }, /* not a libfake */
			{ 0x0001, "libelfonly.so.1", p[4] }, /* libc5-era ELF: never taken */
			{ 0x0303, "libstale.so.1", stale }, /* its file is gone */
		};

		for (l = 0; l < 3; l++) {
			fx_path(cache, layouts[l]);
			write_cache(cache, (enum cache_layout)l, ents,
				    sizeof(ents) / sizeof(ents[0]));
			expect_cache(cache, "fake", p[1]);
			expect_cache(cache, "libfake", p[1]);
			expect_cache(cache, "libfake.so", p[1]);
			expect_cache(cache, "libfake.so.2", p[1]);
			expect_cache(cache, "libfake.so.1", p[2]);
			expect_cache(cache, "fakextra", p[4]);
			expect_cache(cache, "libfakextra.so.1", p[4]);
			/* a prefix of a soname is not a match: libfakex is not libfakextra */
			snprintf(want, sizeof(want),
				 "library \"libfakex\" not found in %s (give a path instead)",
				 cache);
			expect_cache_err(cache, "libfakex", -ENOENT, want);
			snprintf(want, sizeof(want),
				 "library \"libfake.so.3\" not found in %s (give a path instead)",
				 cache);
			expect_cache_err(cache, "libfake.so.3", -ENOENT, want);
			snprintf(want, sizeof(want),
				 "library \"elfonly\" not found in %s (give a path instead)",
				 cache);
			expect_cache_err(cache, "elfonly", -ENOENT, want);
			snprintf(
				want, sizeof(want),
				"library \"stale\" is %s in %s, which does not exist (run ldconfig, or give a path)",
				stale, cache);
			expect_cache_err(cache, "stale", -ENOENT, want);
			/* a path never goes through the cache */
			expect_cache(cache, fx.lib, fx.lib);
		}
	}
}

static void test_fake_cache_broken(void **state)
{
	char want[ERRLEN], cache[FXPATH];
	static const char truncated[] = "glibc-ld.so.cache1.1\xff\xff\x00\x00";
	(void)state;

	NEED_FIXTURES();
	snprintf(want, sizeof(want),
		 "%s is not a glibc ld.so.cache (give a path instead of \"libc\")", fx.text);
	expect_cache_err(fx.text, "libc", -EINVAL, want);
	fx_path(cache, "cache-truncated");
	assert_int_equal(write_file(cache, truncated, sizeof(truncated) - 1), 0);
	snprintf(want, sizeof(want),
		 "%s is not a glibc ld.so.cache (give a path instead of \"libc\")", cache);
	expect_cache_err(cache, "libc", -EINVAL, want);
	snprintf(
		want, sizeof(want),
		"cannot read %s to find library \"libc\": No such file or directory (give a path instead)",
		fx.missing);
	expect_cache_err(fx.missing, "libc", -ENOENT, want);
}

/* ---- list ---------------------------------------------------------------------- */

struct names {
	char buf[1024];
	size_t n;
};

static void collect(const char *name, void *ctx)
{
	struct names *ns = ctx;
	size_t len = strlen(ns->buf);

	snprintf(ns->buf + len, sizeof(ns->buf) - len, "%s%s", ns->n++ ? " " : "", name);
}

static void expect_list(const char *path, const char *glob, const char *want)
{
	struct names ns = { .n = 0 };

	assert_int_equal(elfsym__list(path, glob, collect, &ns), 0);
	assert_string_equal(ns.buf, want);
}

static void test_list(void **state)
{
	(void)state;

	NEED_FIXTURES();
	/* sorted, once each, functions only (not bpfprom_counter), local ones too */
	expect_list(fx.nopie, "bpfprom_*",
		    "bpfprom_dup bpfprom_helper bpfprom_other bpfprom_second bpfprom_target");
	expect_list(fx.pie, "bpfprom_*",
		    "bpfprom_dup bpfprom_helper bpfprom_other bpfprom_second bpfprom_target");
	expect_list(fx.pie, "bpfprom_t?rget", "bpfprom_target");
	expect_list(fx.pie, "nothing*", "");
	expect_list(fx.pie, "main", "main");
	/* bpfprom_lib_fn is in .symtab and .dynsym: listed once */
	expect_list(fx.lib, "bpfprom_*", "bpfprom_lib_fn bpfprom_lib_static");
	expect_list(fx.stripped, "bpfprom_*", "bpfprom_lib_fn");
	expect_list(fx.stripped, "printf", "");
}

static void test_list_errors(void **state)
{
	struct names ns = { .n = 0 };
	(void)state;

	NEED_FIXTURES();
	assert_int_equal(elfsym__list(fx.text, "*", collect, &ns), -ENOEXEC);
	assert_int_equal(elfsym__list(fx.missing, "*", collect, &ns), -ENOENT);
	assert_int_equal(ns.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offset_nopie),
		cmocka_unit_test(test_offset_pie),
		cmocka_unit_test(test_offset_local_function),
		cmocka_unit_test(test_offset_shared_library),
		cmocka_unit_test(test_offset_stripped),
		cmocka_unit_test(test_offset_past_end),
		cmocka_unit_test(test_offset_did_you_mean),
		cmocka_unit_test(test_offset_undefined_import),
		cmocka_unit_test(test_offset_prefers_global),
		cmocka_unit_test(test_offset_object_symbol),
		cmocka_unit_test(test_offset_not_elf),
		cmocka_unit_test(test_resolve_libc),
		cmocka_unit_test(test_libc_malloc),
		cmocka_unit_test(test_resolve_missing_library),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test(test_resolve_path_errors),
		cmocka_unit_test(test_resolve_path_too_long),
		cmocka_unit_test(test_fake_cache),
		cmocka_unit_test(test_fake_cache_broken),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_resolve_in_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
