// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exporter/config/expr.c: what parses and how it compiles
 * (op count, signedness, results through the reference interpreter), and
 * the exact message of every syntax error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/expr.h"

/* text, operand signs, operand values, want result, want signed, want ops */
static void check(const char *text, const bool *sgn, const uint64_t *v, uint64_t want,
		  bool want_signed, uint32_t want_ops)
{
	struct expr e;
	struct bpfprom_expr prog = {};
	char err[512] = "";
	bool is_signed;

	assert_int_equal(expr__parse(text, &e, err, sizeof(err)), 0);
	assert_int_equal(expr__compile(&e, sgn, &prog, &is_signed, err, sizeof(err)), 0);
	assert_int_equal(expr__run(&prog, v), want);
	assert_int_equal(is_signed, want_signed);
	assert_int_equal(prog.nops, want_ops);
}

static void test_issue_examples(void **state)
{
	bool u[4] = { false, false }, s[4] = { true, false };
	uint64_t v[4] = { 8, 3 };

	(void)state;
	check("args.nr_sector * 512", u, v, 4096, false, 2);
	v[0] = (uint64_t)-2;
	check("args.ret < 0 ? -args.ret : 0", s, v, 2, true, 6);
	v[0] = 1500;
	v[1] = 40;
	check("args.len - args.hdr_len > 1400", u, v, 1, true, 3);
	v[1] = 20;
	check("min(args.sport, args.dport)", u, v, 20, false, 2);
}

static void test_semantics(void **state)
{
	bool u[4] = {}, s[4] = { true, true };
	uint64_t v[4] = { (uint64_t)-7, 2 };

	(void)state;
	check("a / b", s, v, (uint64_t)-3, true, 2);
	check("a % b", s, v, (uint64_t)-1, true, 2);
	check("a / b", u, v, ((uint64_t)-7) / 2, false, 2);
	check("a >> 64", s, v, (uint64_t)-1, true, 2);
	check("a >> 64", u, v, 0, false, 2);
	check("a << 64", u, v, 0, false, 2);
	check("a / 0", s, v, 0, true, 2);
	check("a % 0", u, v, 0, false, 2);
	check("a < b", s, v, 1, true, 2);
	check("a < b", u, v, 0, true, 2);
	check("(a + b) * (a - b)", u, v, (uint64_t)(-5 * -9), false, 5);
	check("1 + 2 * 3 - -4", u, v, 11, true, 5);
	check("!a || ~b && 0x10", u, v, 1, true, 6);
	check("max(a, b)", s, v, 2, true, 2);
	check("a ? b ? 1 : 2 : 3", u, v, 1, true, 7);
}

static void bad(const char *text, const char *want)
{
	struct expr e;
	char err[512] = "";

	assert_int_not_equal(expr__parse(text, &e, err, sizeof(err)), 0);
	assert_string_equal(err, want);
}

static void test_errors(void **state)
{
	(void)state;
	bad("a +", "column 4: the expression ends where an operand was expected");
	bad("a = 1", "column 3: compare with ==, not =");
	bad("foo(1)",
	    "column 1: unknown function \"foo\"; expressions call min(a, b) and max(a, b)");
	bad("max(1, 2, 3)", "column 9: max() takes two arguments");
	bad("min(1)", "column 6: expected \",\" and a second argument, got \")\"");
	bad("1 + str(arg0)",
	    "column 5: \"str(arg0)\" is a string; arithmetic takes integer sources only");
	bad("a b", "column 3: expected an operator, got \"b\"");
	bad("(a + b", "column 7: the expression ends where \")\" was expected");
	bad("a)", "column 2: \")\" without \"(\"");
	bad("a ? b", "column 6: \"?\" at column 3 needs \": ELSE\"");
	bad("99999999999999999999", "column 1: 99999999999999999999 does not fit in 64 bits");
	bad("a + b + c + d + e",
	    "column 17: \"e\" is a 5th source; an expression reads at most 4 different sources");
	bad("0xg", "column 1: \"0x\" needs hex digits, e.g. 0x1f");
}

static void test_caps(void **state)
{
	struct expr e;
	struct bpfprom_expr prog = {};
	bool sgn[4] = {}, is_signed;
	char err[512] = "";

	(void)state;
	assert_int_equal(expr__parse("~~~~~~~~~~~~~~~~a", &e, err, sizeof(err)), 0);
	assert_int_equal(expr__compile(&e, sgn, &prog, &is_signed, err, sizeof(err)), -E2BIG);
	assert_string_equal(
		err,
		"the expression needs more than 16 operations; an expression is at most 16 (each operator, and each operand that is not the right side of one, is one)");
	assert_int_equal(expr__parse("1+(1+(1+(1+(1+(1+(1+(1+(1+a))))))))", &e, err, sizeof(err)),
			 0);
	assert_int_equal(expr__compile(&e, sgn, &prog, &is_signed, err, sizeof(err)), -E2BIG);
}

static void test_is_expr(void **state)
{
	(void)state;
	assert_false(expr__is_expr("comm"));
	assert_false(expr__is_expr("task->pid"));
	assert_false(expr__is_expr("str(args.filename)"));
	assert_false(expr__is_expr("+8(arg0):u32"));
	assert_false(expr__is_expr("((struct sk_buff *)arg0)->len"));
	assert_false(expr__is_expr("+8 args.filename"));
	assert_true(expr__is_expr("task->pid + 1"));
	assert_true(expr__is_expr("-args.ret"));
	assert_true(expr__is_expr("min(a, b)"));
	assert_true(expr__is_expr("+8(arg0):u32 * 2"));
	/* "((" opens a cast only when its type closes with "*)" */
	assert_false(expr__is_expr("((struct sk_buff * )arg0)->len"));
	assert_false(expr__is_expr("((struct sk_buff *)arg0"));
	assert_true(expr__is_expr("((args.nr * 3 + 7) ^ (args.nr >> 1)) & 255"));
	assert_true(expr__is_expr("((struct sk_buff *)arg0)->len * 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_examples), cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_errors),	       cmocka_unit_test(test_caps),
		cmocka_unit_test(test_is_expr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
