// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for expression tests (tests/integration/expr.sh): every
 * operator of bpfprom's expressions at its seams, computed here in C with
 * bpfprom's definitions (README: Expressions), to compare with what the
 * kernel computed.
 *   exprs config     the metrics (YAML, after a "metrics:" line): each
 *                    counts the calls of bpfprom_pair by a, b and four
 *                    expressions of them
 *   exprs run        bpfprom_pair(a, b, {a, b}) once per pair of seams, then
 *                    opens a missing file 3 times (ENOENT) and /dev/null twice
 *   exprs expect     the series the metrics must have, sorted as written
 * a and b are arg0 and arg1 (unsigned), sa and sb the same bits read as
 * signed 64-bit integers through the third argument.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TARGET __attribute__((noinline, used))

TARGET void bpfprom_pair(uint64_t a, uint64_t b, const int64_t *s)
{
	__asm__ volatile("" ::"r"(a), "r"(b), "r"(s) : "memory");
}

static const uint64_t seams[] = {
	0,
	1,
	2,
	3,
	7,
	63,
	64,
	65,
	100,
	1ull << 32,
	INT64_MAX,
	(uint64_t)INT64_MIN,
	UINT64_MAX,
	(uint64_t)-3,
	(uint64_t)-7,
	(uint64_t)-64,
};
#define NSEAMS (sizeof(seams) / sizeof(seams[0]))

#define SA "+u0(arg2):s64"
#define SB "+u8(arg2):s64"

/* bpfprom's definitions, in C: no undefined behaviour at the seams */
static uint64_t udiv(uint64_t x, uint64_t y)
{
	return y ? x / y : 0;
}

static uint64_t umod(uint64_t x, uint64_t y)
{
	return y ? x % y : 0;
}

static int64_t sdiv(int64_t x, int64_t y)
{
	if (!y)
		return 0;
	if (x == INT64_MIN && y == -1)
		return INT64_MIN;
	return x / y;
}

static int64_t smod(int64_t x, int64_t y)
{
	if (!y || y == -1)
		return 0;
	return x % y;
}

static uint64_t shl(uint64_t x, uint64_t n)
{
	return n >= 64 ? 0 : x << n;
}

static uint64_t shr(uint64_t x, uint64_t n)
{
	return n >= 64 ? 0 : x >> n;
}

static int64_t sar(int64_t x, uint64_t n)
{
	if (n >= 64)
		return x < 0 ? -1 : 0;
	return x >> n;
}

static uint64_t umin(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

static uint64_t umax(uint64_t x, uint64_t y)
{
	return x > y ? x : y;
}

static int64_t smin(int64_t x, int64_t y)
{
	return x < y ? x : y;
}

static int64_t smax(int64_t x, int64_t y)
{
	return x > y ? x : y;
}

struct expr {
	const char *text; /* as the config writes it */
	char sign; /* 's': rendered signed, 'u': unsigned */
};

#define NMETRICS 12
static const struct expr exprs[NMETRICS][4] = {
	{ { "arg0 + arg1", 'u' },
	  { "arg0 - arg1", 'u' },
	  { "arg0 * arg1", 'u' },
	  { "arg0 / arg1", 'u' } },
	{ { "arg0 % arg1", 'u' },
	  { "arg0 & arg1", 'u' },
	  { "arg0 | arg1", 'u' },
	  { "arg0 ^ arg1", 'u' } },
	{ { "arg0 << arg1", 'u' },
	  { "arg0 >> arg1", 'u' },
	  { "arg0 < arg1", 's' },
	  { "arg0 <= arg1", 's' } },
	{ { "arg0 > arg1", 's' },
	  { "arg0 >= arg1", 's' },
	  { "arg0 == arg1", 's' },
	  { "arg0 != arg1", 's' } },
	{ { "arg0 && arg1", 's' }, { "arg0 || arg1", 's' }, { "!arg0", 's' }, { "~arg0", 'u' } },
	{ { "-arg0", 'u' },
	  { "min(arg0, arg1)", 'u' },
	  { "max(arg0, arg1)", 'u' },
	  { "arg0 ? arg1 : 7", 'u' } },
	{ { SA " + " SB, 's' }, { SA " - " SB, 's' }, { SA " * " SB, 's' }, { SA " / " SB, 's' } },
	{ { SA " % " SB, 's' },
	  { SA " << arg1", 's' },
	  { SA " >> arg1", 's' },
	  { SA " < " SB, 's' } },
	{ { SA " <= " SB, 's' },
	  { SA " > " SB, 's' },
	  { SA " >= " SB, 's' },
	  { "min(" SA ", " SB ")", 's' } },
	{ { "max(" SA ", " SB ")", 's' }, { "-" SA, 's' }, { "~" SA, 's' }, { SA " < arg1", 's' } },
	{ { SA " / arg1", 's' },
	  { "arg0 % " SB, 's' },
	  { "(arg0 + arg1) * (" SA " - 3) - arg0 / 7", 's' },
	  { SA " < 0 ? -" SA " : 0", 's' } },
	{ { "arg0 * 512", 'u' },
	  { "arg0 - arg1 > 1400", 's' },
	  { "arg1 >= 64 ? arg0 >> arg1 : 5", 'u' },
	  { "(arg0 & 0xff) << 56 >> 60 | -1 * 0", 'u' } },
};

/* expression e of metric m, for a and b: the same as exprs[m][e] in C */
static uint64_t ref(int m, int e, uint64_t a, uint64_t b)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	uint64_t r[NMETRICS][4] = {
		{ a + b, a - b, a * b, udiv(a, b) },
		{ umod(a, b), a & b, a | b, a ^ b },
		{ shl(a, b), shr(a, b), a < b, a <= b },
		{ a > b, a >= b, a == b, a != b },
		{ a && b, a || b, !a, ~a },
		{ -a, umin(a, b), umax(a, b), a ? b : 7 },
		{ a + b, a - b, a * b, (uint64_t)sdiv(sa, sb) },
		{ (uint64_t)smod(sa, sb), shl(a, b), (uint64_t)sar(sa, b), sa < sb },
		{ sa <= sb, sa > sb, sa >= sb, (uint64_t)smin(sa, sb) },
		/* signed if either operand is: sa < arg1 compares as signed */
		{ (uint64_t)smax(sa, sb), -a, ~a, sa < (int64_t)b },
		{ (uint64_t)sdiv(sa, (int64_t)b), (uint64_t)smod(sa, sb),
		  /* arg0 / 7: both sides unsigned (7 takes arg0's sign) */
		  (a + b) * (a - 3) - udiv(a, 7), sa < 0 ? -a : 0 },
		/* 1400 takes the unsigned side's sign: the difference may wrap */
		{ a * 512, a - b > 1400, b >= 64 ? shr(a, b) : 5, shr(shl(a & 0xff, 56), 60) },
	};

	return r[m][e];
}

static void print_config(void)
{
	printf("metrics:\n");
	for (int m = 0; m < NMETRICS; m++) {
		printf("  - name: bpfp_expr%d_total\n    help: Expressions %d.\n", m, m);
		printf("    probe: uprobe:BIN:bpfprom_pair\n    aggregate: count\n");
		printf("    filter: ['comm == \"bpfp_exprs\"']\n");
		printf("    labels:\n      - {name: a, source: arg0}\n      - {name: b, source: arg1}\n");
		for (int e = 0; e < 4; e++)
			printf("      - {name: r%d, source: \"%s\"}\n", e, exprs[m][e].text);
	}
}

static void print_expect(void)
{
	for (int m = 0; m < NMETRICS; m++) {
		for (size_t i = 0; i < NSEAMS; i++) {
			for (size_t j = 0; j < NSEAMS; j++) {
				uint64_t a = seams[i], b = seams[j];

				printf("bpfp_expr%d_total{a=\"%" PRIu64 "\",b=\"%" PRIu64 "\"", m,
				       a, b);
				for (int e = 0; e < 4; e++) {
					uint64_t v = ref(m, e, a, b);

					if (exprs[m][e].sign == 's')
						printf(",r%d=\"%" PRId64 "\"", e, (int64_t)v);
					else
						printf(",r%d=\"%" PRIu64 "\"", e, v);
				}
				printf("} 1\n");
			}
		}
	}
}

int main(int argc, char **argv)
{
	int64_t s[2];

	if (argc != 2)
		goto usage;
	if (!strcmp(argv[1], "config")) {
		print_config();
		return 0;
	}
	if (!strcmp(argv[1], "expect")) {
		print_expect();
		return 0;
	}
	if (strcmp(argv[1], "run"))
		goto usage;
	prctl(PR_SET_NAME, "bpfp_exprs");
	for (size_t i = 0; i < NSEAMS; i++) {
		for (size_t j = 0; j < NSEAMS; j++) {
			s[0] = (int64_t)seams[i];
			s[1] = (int64_t)seams[j];
			bpfprom_pair(seams[i], seams[j], s);
		}
	}
	for (int i = 0; i < 5; i++) {
		int fd = open(i < 3 ? "/nonexistent/bpfp_exprs" : "/dev/null", O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return 0;
usage:
	fprintf(stderr, "usage: exprs config|run|expect\n");
	return 2;
}
