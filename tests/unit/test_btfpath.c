// SPDX-License-Identifier: GPL-2.0
/*
 * btfpath against a BTF built here with libbpf's writer (so the offsets are
 * known whatever kernel runs the test): the read steps of member, array,
 * pointer-index, anonymous-union and bitfield paths, string leaves, and the
 * exact messages of what cannot resolve.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "config/config.h"
#include "kernel/btfpath.h"

static struct btf *btf;

/*
 * struct node {            bytes
 *	int a;                   0
 *	unsigned int f1:3;       4, bits 0-2
 *	unsigned int f2:5;       4, bits 3-7
 *	struct node *next;       8
 *	char name[16];          16
 *	char *label;            32
 *	union { long u; };      40
 *	short s2;               48
 *	int arr[4];             52
 * };                       72
 * int node_fn(struct node *n, int x);
 * typedef struct node node_t;
 * struct holder {
 *	struct node __user *up;  0
 *	struct node __rcu *rp;   8
 * };                       16
 */
enum {
	T_INT = 1,
	T_UINT,
	T_CHAR,
	T_LONG,
	T_SHORT,
	T_NODE,
	T_NODEP,
	T_NAME,
	T_CHARP,
	T_UNION,
	T_ARR,
	T_PROTO,
	T_FN,
	T_TYPEDEF,
	T_UTAG,
	T_UPTR,
	T_RTAG,
	T_RPTR,
	T_HOLDER,
	T_FUNCID,
	T_U2,
	T_HOLDER2
};

static int setup(void **state)
{
	(void)state;
	btf = btf__new_empty();
	if (!btf)
		return -1;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_int(btf, "unsigned int", 4, 0);
	btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	btf__add_struct(btf, "node", 72);
	btf__add_field(btf, "a", T_INT, 0, 0);
	btf__add_field(btf, "f1", T_UINT, 32, 3);
	btf__add_field(btf, "f2", T_UINT, 35, 5);
	btf__add_field(btf, "next", T_NODEP, 64, 0);
	btf__add_field(btf, "name", T_NAME, 128, 0);
	btf__add_field(btf, "label", T_CHARP, 256, 0);
	btf__add_field(btf, NULL, T_UNION, 320, 0);
	btf__add_field(btf, "s2", T_SHORT, 384, 0);
	btf__add_field(btf, "arr", T_ARR, 416, 0);
	btf__add_ptr(btf, T_NODE);
	btf__add_array(btf, T_INT, T_CHAR, 16);
	btf__add_ptr(btf, T_CHAR);
	btf__add_union(btf, NULL, 8);
	btf__add_field(btf, "u", T_LONG, 0, 0);
	btf__add_array(btf, T_INT, T_INT, 4);
	btf__add_func_proto(btf, T_INT);
	btf__add_func_param(btf, "n", T_NODEP);
	btf__add_func_param(btf, "x", T_INT);
	if (btf__add_func(btf, "node_fn", BTF_FUNC_GLOBAL, T_PROTO) != T_FN)
		return -1;
	if (btf__add_typedef(btf, "node_t", T_NODE) != T_TYPEDEF)
		return -1;
	btf__add_type_tag(btf, "user", T_NODE);
	btf__add_ptr(btf, T_UTAG);
	btf__add_type_tag(btf, "rcu", T_NODE);
	btf__add_ptr(btf, T_RTAG);
	if (btf__add_struct(btf, "holder", 16) != T_HOLDER)
		return -1;
	btf__add_field(btf, "up", T_UPTR, 0, 0);
	btf__add_field(btf, "rp", T_RPTR, 64, 0);
	/* the helpers a kernel has, as its BTF lists them */
	btf__add_enum(btf, "bpf_func_id", 4);
	btf__add_enum_value(btf, "BPF_FUNC_unspec", 0);
	btf__add_enum_value(btf, "BPF_FUNC_get_current_task_btf", 158);
	/* struct holder2 { union { long second; struct node *first; }; }:
	 * the verifier types offset 0 as second, whichever the path names */
	if (btf__add_union(btf, NULL, 8) != T_U2)
		return -1;
	btf__add_field(btf, "second", T_LONG, 0, 0);
	btf__add_field(btf, "first", T_NODEP, 0, 0);
	if (btf__add_struct(btf, "holder2", 8) != T_HOLDER2)
		return -1;
	return btf__add_field(btf, NULL, T_U2, 0, 0);
}

static int teardown(void **state)
{
	(void)state;
	btf__free(btf);
	return 0;
}

/* Resolve text from node_fn's arg0 (struct node *). */
static int resolve(const char *text, bool want_str, struct btfpath_chain *out, char *err,
		   size_t errlen)
{
	struct cfg_path path;
	bool is_str;

	assert_int_equal(config__parse_path(text, &path, &is_str, err, errlen), 0);
	return btfpath__resolve(btf, T_NODEP, false, false, &path, want_str, out, err, errlen);
}

struct step_case {
	const char *path;
	bool want_str;
	uint32_t nsteps;
	struct bpfprom_step steps[3];
	uint32_t size;
	bool is_signed;
};

static const struct step_case step_cases[] = {
	{ "arg0->a", false, 1, { { 0, 4, 0, 0, 0 } }, 4, true },
	{ "arg0->next->a", false, 2, { { 8, 8, 0, 0, 0 }, { 0, 4, 0, 0, 0 } }, 4, true },
	/* bits 35..39: 8 bytes from byte 4, bit 3, 5 bits wide */
	{ "arg0->f2", false, 1, { { 4, 8, 0, 56, 59 } }, 8, false },
	{ "arg0->f1", false, 1, { { 4, 8, 0, 61, 61 } }, 8, false },
	{ "arg0->u", false, 1, { { 40, 8, 0, 0, 0 } }, 8, true },
	{ "arg0->arr[2]", false, 1, { { 60, 4, 0, 0, 0 } }, 4, true },
	/* next[1]: the pointer read, then 72 bytes on, s2 at 48 of that */
	{ "arg0->next[1].s2", false, 2, { { 8, 8, 0, 0, 0 }, { 120, 2, 0, 0, 0 } }, 2, true },
	{ "arg0->next", false, 1, { { 8, 8, 0, 0, 0 } }, 8, false },
	/* a char array's address, a char pointer read */
	{ "arg0->name", true, 1, { { 16, 0, 0, 0, 0 } }, 8, false },
	{ "arg0->next->label", true, 2, { { 8, 8, 0, 0, 0 }, { 32, 8, 0, 0, 0 } }, 8, false },
};

static void test_steps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(step_cases) / sizeof(step_cases[0]); i++) {
		const struct step_case *sc = &step_cases[i];
		struct btfpath_chain ch;
		char err[256] = "";

		print_message("%s\n", sc->path);
		assert_int_equal(resolve(sc->path, sc->want_str, &ch, err, sizeof(err)), 0);
		assert_int_equal(ch.nsteps, sc->nsteps);
		assert_memory_equal(ch.steps, sc->steps, sc->nsteps * sizeof(ch.steps[0]));
		assert_int_equal(ch.size, sc->size);
		assert_int_equal(ch.is_signed, sc->is_signed);
	}
}

/*
 * From a BTF-typed base (a tp_btf argument, the task), the reads inside
 * the struct a BTF pointer points to are loads (BPFPROM_READ_BTF), the
 * rest helper reads: a pointer leaf, a bitfield, a read past the struct, a
 * read through a __user pointer. An untyped base (a cast) reads all.
 */
struct load_case {
	const char *path;
	uint32_t base;
	bool btf_base, want_str;
	uint32_t nsteps;
	uint8_t read[3];
};

#define K BPFPROM_READ_KERNEL
#define B BPFPROM_READ_BTF
static const struct load_case load_cases[] = {
	{ "arg0->a", T_NODEP, true, false, 1, { B } },
	{ "arg0->next->a", T_NODEP, true, false, 2, { B, B } },
	{ "arg0->next->next->s2", T_NODEP, true, false, 3, { B, B, B } },
	{ "arg0->next->a", T_NODEP, false, false, 2, { K, K } },
	{ "arg0->f2", T_NODEP, true, false, 1, { K } },
	{ "arg0->u", T_NODEP, true, false, 1, { B } },
	{ "arg0->arr[3]", T_NODEP, true, false, 1, { B } },
	{ "arg0->next[1].s2", T_NODEP, true, false, 2, { B, K } },
	{ "arg0->next", T_NODEP, true, false, 1, { K } },
	{ "arg0->next->label", T_NODEP, true, true, 2, { B, B } },
	{ "arg0->next->name", T_NODEP, true, true, 2, { B, K } },
	{ "task->rp->next->a", T_HOLDER, true, false, 3, { B, B, B } },
	{ "task->up->a", T_HOLDER, true, false, 2, { B, K } },
	{ "task->up->next->a", T_HOLDER, true, false, 3, { B, K, K } },
	{ "task->first->a", T_HOLDER2, true, false, 2, { K, K } },
	{ "task->second", T_HOLDER2, true, false, 1, { K } },
};
#undef K
#undef B

static void test_btf_loads(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *lc = &load_cases[i];
		struct btfpath_chain ch;
		struct cfg_path path;
		char err[256] = "";
		bool is_str;

		print_message("%s%s\n", lc->path, lc->btf_base ? "" : " (untyped base)");
		assert_int_equal(config__parse_path(lc->path, &path, &is_str, err, sizeof(err)), 0);
		assert_int_equal(btfpath__resolve(btf, lc->base, lc->base != T_NODEP, lc->btf_base,
						  &path, lc->want_str, &ch, err, sizeof(err)),
				 0);
		assert_int_equal(ch.nsteps, lc->nsteps);
		for (uint32_t j = 0; j < ch.nsteps; j++)
			assert_int_equal(ch.steps[j].read, lc->read[j]);
	}
}

static void test_knows_helper(void **state)
{
	struct btf *bare = btf__new_empty();

	(void)state;
	assert_true(btfpath__knows_helper(btf, "get_current_task_btf"));
	assert_false(btfpath__knows_helper(btf, "get_current_task"));
	assert_false(btfpath__knows_helper(bare, "get_current_task_btf"));
	btf__free(bare);
}

struct err_case {
	const char *path;
	bool want_str;
	int ret;
	const char *want;
};

static const struct err_case err_cases[] = {
	{ "arg0->nxt", false, -EINVAL,
	  "struct node has no member \"nxt\" (did you mean \"next\"?)" },
	{ "arg0->zzzzzz", false, -EINVAL, "struct node has no member \"zzzzzz\"" },
	{ "arg0.a", false, -EINVAL, ".a: struct node * is a pointer; use ->a" },
	{ "arg0->a->b", false, -EINVAL, "->b: int is not a pointer; use .b" },
	{ "arg0->a.b", false, -EINVAL, ".b: int is not a struct or union" },
	{ "arg0->arr[4]", false, -EINVAL, "[4]: int[4] has 4 elements" },
	{ "arg0->a[1]", false, -EINVAL, "[1]: int is neither an array nor a pointer" },
	{ "arg0[0]", false, -EINVAL,
	  "struct node is not an integer; pick a member: a, f1, f2, next, name, label, u, s2, arr" },
	{ "arg0->name", false, -EINVAL,
	  "char[16] is an array; pick an element with [N] or read it as str(...)" },
	{ "arg0->arr", false, -EINVAL, "int[4] is an array; pick an element with [N]" },
	{ "arg0->a", true, -EINVAL,
	  "int is not a string: str() reads a char array or a char pointer" },
	{ "arg0->next->next->next->next->next->next->a", false, -E2BIG,
	  "the path needs more than 6 reads (one per pointer, and the leaf); shorten it" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *ec = &err_cases[i];
		struct btfpath_chain ch;
		char err[256] = "";

		print_message("%s\n", ec->path);
		assert_int_equal(resolve(ec->path, ec->want_str, &ch, err, sizeof(err)), ec->ret);
		assert_string_equal(err, ec->want);
	}
}

static void test_types(void **state)
{
	char err[256] = "";
	uint32_t id = 0;

	(void)state;
	assert_int_equal(btfpath__func_type(btf, "node_fn", 0, &id, err, sizeof(err)), 0);
	assert_int_equal(id, T_NODEP);
	assert_int_equal(btfpath__func_type(btf, "node_fn", -1, &id, err, sizeof(err)), 0);
	assert_int_equal(id, T_INT);
	assert_int_equal(btfpath__func_type(btf, "node_fn", 2, &id, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "arg2: node_fn takes 2 arguments (arg0 .. arg1)");
	assert_int_equal(btfpath__func_type(btf, "nofn", 0, &id, err, sizeof(err)), -ENOENT);
	assert_string_equal(
		err,
		"nofn is not in the kernel's BTF, so its arguments have no types; use a fetch arg, e.g. +0(arg0):u64");
	assert_int_equal(btfpath__type_by_name(btf, "struct node", &id, err, sizeof(err)), 0);
	assert_int_equal(id, T_NODE);
	assert_int_equal(btfpath__type_by_name(btf, "node_t", &id, err, sizeof(err)), 0);
	assert_int_equal(id, T_TYPEDEF);
	assert_int_equal(btfpath__type_by_name(btf, "union node", &id, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "the cast's type \"union node\" is not in the kernel's BTF");
}

/* A cast's pointer, and a typedef of the struct, start the same chain. */
static void test_cast(void **state)
{
	struct btfpath_chain ch;
	struct cfg_path path;
	char err[256] = "";
	bool is_str;

	(void)state;
	assert_int_equal(config__parse_path("((node_t *)args.p)->next->s2", &path, &is_str, err,
					    sizeof(err)),
			 0);
	assert_string_equal(path.cast, "node_t");
	assert_int_equal(path.base, BPFPROM_SRC_FIELD);
	assert_string_equal(path.field, "p");
	assert_int_equal(btfpath__resolve(btf, T_TYPEDEF, true, false, &path, false, &ch, err,
					  sizeof(err)),
			 0);
	assert_int_equal(ch.nsteps, 2);
	assert_int_equal(ch.steps[0].off, 8);
	assert_int_equal(ch.steps[1].off, 48);
	assert_int_equal(ch.steps[1].size, 2);
}

/* The fetch-arg syntax: offsets innermost first, types, user memory. */
static void test_fetch_syntax(void **state)
{
	struct cfg_path path;
	char err[256] = "";
	bool is_str;

	(void)state;
	assert_int_equal(
		config__parse_path("-8(+u0x10(arg2)):s16", &path, &is_str, err, sizeof(err)), 0);
	assert_true(path.fetch);
	assert_false(is_str);
	assert_int_equal(path.base, BPFPROM_SRC_ARG);
	assert_int_equal(path.argn, 2);
	assert_int_equal(path.nelems, 2);
	assert_int_equal(path.elems[0].num, 16);
	assert_true(path.elems[0].user);
	assert_int_equal(path.elems[1].num, -8);
	assert_false(path.elems[1].user);
	assert_int_equal(path.fetch_size, 2);
	assert_true(path.fetch_signed);
	assert_int_equal(config__parse_path("+0(retval):ustring", &path, &is_str, err, sizeof(err)),
			 0);
	assert_true(is_str);
	assert_true(path.fetch_user_str);
	assert_int_equal(path.base, BPFPROM_SRC_RETVAL);
	assert_int_equal(config__parse_path("+0(task)", &path, &is_str, err, sizeof(err)), 0);
	assert_int_equal(path.fetch_size, 8);
	assert_false(path.fetch_signed);
	assert_int_equal(config__parse_path("+99999999999(task)", &path, &is_str, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(
		err,
		"\"+99999999999(task)\": an offset 99999999999 is out of range (at most 2147483647)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),	     cmocka_unit_test(test_errors),
		cmocka_unit_test(test_types),	     cmocka_unit_test(test_cast),
		cmocka_unit_test(test_fetch_syntax), cmocka_unit_test(test_btf_loads),
		cmocka_unit_test(test_knows_helper),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
