// SPDX-License-Identifier: GPL-2.0
/*
 * rawtp's argument names against a BTF built here with libbpf's writer, as
 * each kernel generation lays them out: __probestub_EVENT (6.4+), an event
 * that is its own class (__bpf_trace_EVENT), an event of a differently named
 * class found by its parameter types (before 6.4), and classes that disagree
 * on the names (none taken).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "kernel/rawtp.h"

static struct btf *btf;

enum { T_VOID_P = 1, T_INT, T_LONG, T_U32, T_STRUCT, T_STRUCT_P };

/* typedef void (*btf_trace_EVENT)(void *, params...) without names */
static void add_event(const char *event, const int *types, int n)
{
	char name[64];
	int proto = btf__add_func_proto(btf, 0);

	btf__add_func_param(btf, NULL, T_VOID_P);
	for (int i = 0; i < n; i++)
		btf__add_func_param(btf, NULL, types[i]);
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	btf__add_typedef(btf, name, btf__add_ptr(btf, proto));
}

/* a function fn(void *__data, params...) with names */
static void add_fn(const char *fn, const int *types, const char *const *names, int n)
{
	int proto = btf__add_func_proto(btf, 0);

	btf__add_func_param(btf, "__data", T_VOID_P);
	for (int i = 0; i < n; i++)
		btf__add_func_param(btf, names[i], types[i]);
	btf__add_func(btf, fn, BTF_FUNC_STATIC, proto);
}

static int setup(void **state)
{
	static const int req[] = { T_STRUCT_P }, il[] = { T_INT, T_LONG }, u[] = { T_U32 };
	static const char *const rq[] = { "rq" }, *const r[] = { "r" }, *const ab[] = { "a", "b" },
				 *const n[] = { "n" }, *const m[] = { "m" };

	(void)state;
	btf = btf__new_empty();
	if (!btf)
		return -1;
	btf__add_ptr(btf, 0);
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	btf__add_int(btf, "unsigned int", 4, 0);
	btf__add_struct(btf, "request", 8);
	btf__add_ptr(btf, T_STRUCT);

	/* 6.4+: the class says r, the event's own stub rq */
	add_event("ev_new", req, 1);
	add_fn("__bpf_trace_cls_req", req, r, 1);
	add_fn("__probestub_ev_new", req, rq, 1);
	/* its own class */
	add_event("ev_self", il, 2);
	add_fn("__bpf_trace_ev_self", il, ab, 2);
	/* 6.1: a class of another name, the only one with (int, long) */
	add_event("ev_old", il, 2);
	/* two classes with (u32) that disagree */
	add_event("ev_amb", u, 1);
	add_fn("__bpf_trace_cls_n", u, n, 1);
	add_fn("__bpf_trace_cls_m", u, m, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	btf__free(btf);
	return 0;
}

static void names(const char *event, const char *a0, const char *a1)
{
	struct rawtp_event ev;

	assert_int_equal(rawtp__event(btf, event, &ev), 0);
	assert_int_equal(ev.nargs, a1 ? 2 : 1);
	assert_string_equal(ev.args[0].name, a0);
	if (a1)
		assert_string_equal(ev.args[1].name, a1);
}

static void test_probestub(void **state)
{
	(void)state;
	names("ev_new", "rq", NULL);
}

static void test_own_class(void **state)
{
	(void)state;
	names("ev_self", "a", "b");
}

static void test_class_by_types(void **state)
{
	(void)state;
	/* __bpf_trace_ev_self is the one class with (int, long) */
	names("ev_old", "a", "b");
}

static void test_classes_disagree(void **state)
{
	(void)state;
	names("ev_amb", "", NULL);
	assert_null(rawtp__arg(&(struct rawtp_event){ 0 }, "n"));
}

static void test_unknown(void **state)
{
	struct rawtp_event ev;

	(void)state;
	assert_int_equal(rawtp__event(btf, "ev_none", &ev), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probestub),      cmocka_unit_test(test_own_class),
		cmocka_unit_test(test_class_by_types), cmocka_unit_test(test_classes_disagree),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
