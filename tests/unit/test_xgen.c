// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exporter/kernel/xgen.c: the instructions generated for
 * expressions, run by a small interpreter of the instructions xgen emits
 * with the instruction set's own semantics (x / 0 is 0, x % 0 is x, shifts
 * mask their amount), must give what config/expr.c's reference expr__run
 * gives, for every op, operand kind and seam; the dispatch between a
 * program's expressions; the placeholder's patching and its refusals.
 * The kernel runs the same code in tests/integration/expr.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/expr.h"
#include "kernel/xgen.h"

/* r1 of a direct expression: loads through it read ctx_buf */
#define CTX_TOKEN 0xc7c7c7c700000000ULL
static uint8_t ctx_buf[256];

/* Run code with r1-r4 = v, r5 = xid; the instructions xgen emits only. */
static uint64_t run(const struct bpf_insn *code, size_t n, const uint64_t *v, uint64_t xid)
{
	uint64_t r[11] = { 0, v[0], v[1], v[2], v[3], xid }, stack[BPFPROM_XSTACK] = {};
	size_t pc = 0, steps = 0;

	for (;;) {
		const struct bpf_insn *in = &code[pc];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		uint64_t *d = &r[in->dst_reg], s;
		bool jump = false;

		assert_true(pc < n);
		assert_true(++steps < 100000);
		s = BPF_SRC(in->code) == BPF_X ? r[in->src_reg] : (uint64_t)(int64_t)in->imm;
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			*d = (uint32_t)in->imm | (uint64_t)(uint32_t)code[pc + 1].imm << 32;
			pc += 2;
			continue;
		}
		if (cls == BPF_LDX && r[in->src_reg] == CTX_TOKEN) {
			static const size_t sz[4] = { [BPF_W >> 3] = 4,
						      [BPF_H >> 3] = 2,
						      [BPF_B >> 3] = 1,
						      [BPF_DW >> 3] = 8 };
			size_t size = sz[BPF_SIZE(in->code) >> 3];
			uint64_t x = 0;

			assert_true(in->off >= 8 && in->off + size <= sizeof(ctx_buf));
			assert_int_equal(in->off % size, 0);
			memcpy(&x, &ctx_buf[in->off], size); /* little-endian, as the host */
			*d = x;
			pc++;
			continue;
		}
		if (in->code == (BPF_STX | BPF_MEM | BPF_DW) ||
		    in->code == (BPF_LDX | BPF_MEM | BPF_DW)) {
			bool st = cls == BPF_STX;
			int reg = st ? in->dst_reg : in->src_reg;
			long slot = -in->off / 8 - 1;

			assert_int_equal(reg, BPF_REG_10);
			assert_true(in->off < 0 && in->off % 8 == 0 && slot < BPFPROM_XSTACK);
			if (st)
				stack[slot] = r[in->src_reg];
			else
				*d = stack[slot];
			pc++;
			continue;
		}
		if (cls == BPF_ALU64) {
			switch (op) {
			case BPF_MOV:
				*d = s;
				break;
			case BPF_ADD:
				*d += s;
				break;
			case BPF_SUB:
				*d -= s;
				break;
			case BPF_MUL:
				*d *= s;
				break;
			case BPF_DIV:
				*d = s ? *d / s : 0;
				break;
			case BPF_MOD:
				*d = s ? *d % s : *d;
				break;
			case BPF_AND:
				*d &= s;
				break;
			case BPF_OR:
				*d |= s;
				break;
			case BPF_XOR:
				*d ^= s;
				break;
			case BPF_LSH:
				*d <<= s & 63;
				break;
			case BPF_RSH:
				*d >>= s & 63;
				break;
			case BPF_ARSH:
				*d = (uint64_t)((int64_t)*d >> (s & 63));
				break;
			case BPF_NEG:
				*d = -*d;
				break;
			default:
				fail_msg("alu op %#x", op);
			}
			pc++;
			continue;
		}
		assert_int_equal(cls, BPF_JMP);
		switch (op) {
		case BPF_EXIT:
			return r[0];
		case BPF_JA:
			jump = true;
			break;
		case BPF_JEQ:
			jump = *d == s;
			break;
		case BPF_JNE:
			jump = *d != s;
			break;
		case BPF_JGT:
			jump = *d > s;
			break;
		case BPF_JGE:
			jump = *d >= s;
			break;
		case BPF_JLT:
			jump = *d < s;
			break;
		case BPF_JLE:
			jump = *d <= s;
			break;
		case BPF_JSGT:
			jump = (int64_t)*d > (int64_t)s;
			break;
		case BPF_JSGE:
			jump = (int64_t)*d >= (int64_t)s;
			break;
		case BPF_JSLT:
			jump = (int64_t)*d < (int64_t)s;
			break;
		case BPF_JSLE:
			jump = (int64_t)*d <= (int64_t)s;
			break;
		default:
			fail_msg("jmp op %#x", op);
		}
		pc += 1 + (jump ? in->off : 0);
	}
}

/*
 * Every instruction reachable from the first, as the verifier's check_cfg
 * wants (it refuses a program with code no path reaches, before it tracks
 * a single value).
 */
static void assert_reachable(const struct bpf_insn *code, size_t n)
{
	bool seen[BPFPROM_XGEN_INSNS + 1] = {};
	size_t todo[BPFPROM_XGEN_INSNS + 1], ntodo = 0;

	assert_true(n <= BPFPROM_XGEN_INSNS);
	todo[ntodo++] = 0;
	seen[0] = true;
	while (ntodo) {
		size_t i = todo[--ntodo], next[2], nnext = 0;
		uint8_t cls = BPF_CLASS(code[i].code), op = BPF_OP(code[i].code);

		if (code[i].code == (BPF_LD | BPF_DW | BPF_IMM))
			next[nnext++] = i + 2;
		else if (cls != BPF_JMP || op == BPF_CALL)
			next[nnext++] = i + 1;
		else if (op == BPF_JA)
			next[nnext++] = i + 1 + (size_t)code[i].off;
		else if (op != BPF_EXIT) {
			next[nnext++] = i + 1;
			next[nnext++] = i + 1 + (size_t)code[i].off;
		}
		for (size_t k = 0; k < nnext; k++) {
			assert_true(next[k] < n);
			if (!seen[next[k]]) {
				seen[next[k]] = true;
				todo[ntodo++] = next[k];
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!seen[i] && !(i && code[i - 1].code == (BPF_LD | BPF_DW | BPF_IMM)))
			fail_msg("instruction %zu of %zu is unreachable", i, n);
	}
}

/* e's code as a program of one expression, ending in the placeholder's exit */
static uint64_t run_expr(const struct bpfprom_expr *e, const uint64_t *v)
{
	struct bpfprom_metric_cfg c = { .nexprs = 1 };
	struct bpf_insn code[BPFPROM_XGEN_INSNS];
	int n;

	c.exprs[0] = *e;
	n = xgen__program(&c, 1, code, XGEN_ROOM);
	assert_true(n > 0);
	assert_true((size_t)n + 3 <= xgen__metric_size(&c) + 1);
	code[n] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	assert_reachable(code, (size_t)n + 1);
	return run(code, (size_t)n + 1, v, 0);
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
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000,
	(uint64_t)INT64_MAX,
	(uint64_t)INT64_MIN,
	(uint64_t)INT64_MIN + 1,
	(uint64_t)-1,
	(uint64_t)-2,
	(uint64_t)-7,
	(uint64_t)-64,
	(uint64_t)-65,
};
#define NSEAMS (sizeof(seams) / sizeof(seams[0]))

static void set(struct bpfprom_expr *e, uint8_t op, uint8_t mode, uint64_t lit)
{
	e->op[e->nops] = op;
	e->mode[e->nops] = mode;
	e->lit[e->nops] = lit;
	e->nops++;
}

/* every binary op, its right operand a source, a literal or popped, on every pair of seams */
static void test_binary_ops(void **state)
{
	(void)state;
	for (uint8_t op = BPFPROM_XOP_ADD; op < BPFPROM_XOP_NEG; op++) {
		for (size_t i = 0; i < NSEAMS; i++) {
			for (size_t j = 0; j < NSEAMS; j++) {
				uint64_t v[4] = { seams[i], seams[j], 5, 6 };
				struct bpfprom_expr src = { .nsrc = 2 }, lit = { .nsrc = 1 },
						    pop = { .nsrc = 2 };

				set(&src, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
				set(&src, op, BPFPROM_XM_SRC + 1, 0);
				set(&lit, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
				set(&lit, op, BPFPROM_XM_LIT, seams[j]);
				set(&pop, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
				set(&pop, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC + 1, 0);
				set(&pop, op, BPFPROM_XM_STACK, 0);
				if (run_expr(&src, v) != expr__run(&src, v) ||
				    run_expr(&lit, v) != expr__run(&lit, v) ||
				    run_expr(&pop, v) != expr__run(&pop, v))
					fail_msg(
						"op %u on %#llx, %#llx: src %#llx lit %#llx pop %#llx, want %#llx",
						op, (unsigned long long)v[0],
						(unsigned long long)v[1],
						(unsigned long long)run_expr(&src, v),
						(unsigned long long)run_expr(&lit, v),
						(unsigned long long)run_expr(&pop, v),
						(unsigned long long)expr__run(&src, v));
			}
		}
	}
}

static void test_unary_and_select(void **state)
{
	(void)state;
	for (uint8_t op = BPFPROM_XOP_NEG; op <= BPFPROM_XOP_LNOT; op++) {
		for (size_t i = 0; i < NSEAMS; i++) {
			uint64_t v[4] = { seams[i] };
			struct bpfprom_expr e = { .nsrc = 1 };

			set(&e, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
			set(&e, op, BPFPROM_XM_STACK, 0);
			assert_int_equal(run_expr(&e, v), expr__run(&e, v));
		}
	}
	/* cond ? then : else, as expr.c compiles it: cond, then pushed, else in acc */
	for (size_t i = 0; i < NSEAMS; i++) {
		uint64_t v[4] = { seams[i], 11, 22 };
		struct bpfprom_expr e = { .nsrc = 3 };

		set(&e, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
		set(&e, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC + 1, 0);
		set(&e, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC + 2, 0);
		set(&e, BPFPROM_XOP_SEL, BPFPROM_XM_STACK, 0);
		assert_int_equal(run_expr(&e, v), seams[i] ? 11 : 22);
		assert_int_equal(run_expr(&e, v), expr__run(&e, v));
	}
}

/* pending operands past the two registers live in the frame */
static void test_deep_stack(void **state)
{
	uint64_t v[4] = { 1000, 3, (uint64_t)-5, 7 };
	struct bpfprom_expr e = { .nsrc = 4 };

	(void)state;
	set(&e, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
	for (int k = 1; k < BPFPROM_XSTACK; k++)
		set(&e, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC + (k & 3), 0);
	set(&e, BPFPROM_XOP_SUB, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_SDIV, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_MUL, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_SMOD, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_SHL, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_SAR, BPFPROM_XM_STACK, 0);
	set(&e, BPFPROM_XOP_UMAX, BPFPROM_XM_STACK, 0);
	assert_int_equal(run_expr(&e, v), expr__run(&e, v));
	/* one more pending than the stack holds: refused, never a wrong slot */
	e.nops = 1;
	for (int k = 0; k <= BPFPROM_XSTACK; k++)
		set(&e, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC, 0);
	{
		struct bpfprom_metric_cfg c = { .nexprs = 1 };
		struct bpf_insn code[BPFPROM_XGEN_INSNS];

		c.exprs[0] = e;
		assert_int_equal(xgen__program(&c, 1, code, XGEN_ROOM), -EINVAL);
	}
}

/* the examples and the README's, compiled by expr.c, on seams */
static void test_compiled(void **state)
{
	static const char *const texts[] = {
		"a * 512",
		"a < 0 ? -a : 0",
		"a - b > 1400",
		"min(a, b)",
		"((a * 3 + 7) ^ (a >> 1)) & 255",
		"a % 7 > 3 ? a / 3 : (a & 0xff) + 1",
		"(a << b) | (a >> (64 - b))",
		"!a || ~b && 0x10",
		"a ? b ? 1 : 2 : 3",
		"max(a, b) - min(a, b) * 0x123456789",
		"(a + b) * (a - b) / (b | 1) % 1000003",
		/* no source: eight registers for pending operands (the fuzzer's find) */
		"7",
		"1 + (2 * (3 - (-4 ^ (5 | (6 & (7 + (8 << 9)))))))",
	};
	bool sgn[2][4] = { { false, false }, { true, true } };

	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		for (int s = 0; s < 2; s++) {
			struct bpfprom_expr prog = {};
			struct expr e;
			char err[256];
			bool is_signed;

			assert_int_equal(expr__parse(texts[t], &e, err, sizeof(err)), 0);
			assert_int_equal(
				expr__compile(&e, sgn[s], &prog, &is_signed, err, sizeof(err)), 0);
			for (size_t i = 0; i < NSEAMS; i++) {
				for (size_t j = 0; j < NSEAMS; j++) {
					uint64_t v[4] = { seams[i], seams[j] };

					if (run_expr(&prog, v) != expr__run(&prog, v))
						fail_msg("%s (%s) on %#llx, %#llx", texts[t],
							 s ? "signed" : "unsigned",
							 (unsigned long long)v[0],
							 (unsigned long long)v[1]);
				}
			}
		}
	}
}

/* Unsigned *, / and % by a power of two are shifts and a mask, as clang makes them */
static void test_power_of_two(void **state)
{
	static const struct {
		uint8_t op;
		uint64_t lit;
		uint8_t want[2];
		int32_t imm[2];
	} cases[] = {
		{ BPFPROM_XOP_MUL, 512, { BPF_LSH }, { 9 } },
		{ BPFPROM_XOP_UDIV, 1024, { BPF_RSH }, { 10 } },
		{ BPFPROM_XOP_UMOD, 4096, { BPF_AND }, { 4095 } },
		{ BPFPROM_XOP_UMOD, 1ULL << 40, { BPF_LSH, BPF_RSH }, { 24, 24 } },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bpfprom_metric_cfg m = { .nexprs = 1 };
		struct bpf_insn code[BPFPROM_XGEN_INSNS];
		int n;

		m.exprs[0].nsrc = 1;
		set(&m.exprs[0], BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
		set(&m.exprs[0], cases[c].op, BPFPROM_XM_LIT, cases[c].lit);
		n = xgen__program(&m, 1, code, XGEN_ROOM);
		assert_int_equal(n, cases[c].want[1] ? 3 : 2);
		for (int k = 0; k < n - 1; k++) {
			assert_int_equal(code[1 + k].code, BPF_ALU64 | cases[c].want[k] | BPF_K);
			assert_int_equal(code[1 + k].imm, cases[c].imm[k]);
		}
	}
}

/* A direct expression loads its fields (and arguments) from ctx (r1),
 * sign-extending the signed ones, whatever their size; its value is
 * expr__run's of them. */
static void test_direct(void **state)
{
	static const struct {
		uint32_t size, off, sgn;
	} f[4] = { { 1, 9, 1 }, { 2, 18, 0 }, { 4, 36, 1 }, { 8, 48, 0 } };
	struct bpfprom_expr e = {};
	uint64_t none[4] = { CTX_TOKEN };
	struct expr parsed;
	char err[256];
	bool sgn[4] = { true, false, true, false }, is_signed;

	(void)state;
	assert_int_equal(expr__parse("(a - b) * c + d % 1000 + (a < c)", &parsed, err, sizeof(err)),
			 0);
	assert_int_equal(expr__compile(&parsed, sgn, &e, &is_signed, err, sizeof(err)), 0);
	assert_int_equal(e.nsrc, 4);
	e.direct = 1;
	for (int k = 0; k < 4; k++)
		e.src[k] = (struct bpfprom_src_cfg){ .kind = BPFPROM_SRC_FIELD,
						     .size = f[k].size,
						     .is_signed = f[k].sgn,
						     .off = { f[k].off } };
	/* the second time d is a function's argument: 8 bytes at the offset
	 * of its register in pt_regs, or of its trampoline slot */
	for (size_t i = 0; i < 2 * NSEAMS; i++) {
		uint64_t v[4];

		if (i == NSEAMS)
			e.src[3].kind = BPFPROM_SRC_ARG;
		for (int k = 0; k < 4; k++) {
			uint64_t x = seams[(i + (size_t)k * 5) % NSEAMS];
			unsigned int bits = 8 * f[k].size;

			memcpy(&ctx_buf[f[k].off], &x, f[k].size);
			/* what the generic read gives: zero- or sign-extended */
			v[k] = bits == 64 ? x : x & ((1ULL << bits) - 1);
			if (f[k].sgn && bits < 64 && (v[k] >> (bits - 1)) & 1)
				v[k] |= ~0ULL << bits;
		}
		assert_int_equal(run_expr(&e, none), expr__run(&e, v));
	}
	/* an operand that is not a field is not loaded: refused */
	e.src[2].kind = BPFPROM_SRC_PID;
	{
		struct bpfprom_metric_cfg c = { .nexprs = 1 };
		struct bpf_insn code[BPFPROM_XGEN_INSNS];

		c.exprs[0] = e;
		assert_int_equal(xgen__program(&c, 1, code, XGEN_ROOM), -EINVAL);
	}
}

/* Direct expressions in line: r0-r5 only, each behind its xid, a jump past
 * the last; one that needs more registers or room is refused (its sites
 * call xcalc instead). */
static void test_direct_inline(void **state)
{
	struct bpfprom_metric_cfg c[2] = { { .nexprs = 2 }, { .nexprs = 1 } };
	struct bpf_insn code[BPFPROM_XGEN_INSNS];
	uint64_t ctx[4] = { CTX_TOKEN }, v[4] = { 40, 6 };
	int n;

	(void)state;
	memcpy(&ctx_buf[16], &v[0], 8);
	memcpy(&ctx_buf[24], &v[1], 8);
	for (int s = 0; s < 2; s++) {
		for (uint32_t k = 0; k < c[s].nexprs; k++) {
			struct bpfprom_expr *e = &c[s].exprs[k];

			e->nsrc = 2;
			e->direct = !(s == 0 && k == 1);
			e->xid = (uint32_t)(s * BPFPROM_MAX_EXPRS + k);
			for (int i = 0; i < 2; i++)
				e->src[i] =
					(struct bpfprom_src_cfg){ .kind = BPFPROM_SRC_FIELD,
								  .size = 8,
								  .off = { 16 + 8 * (uint32_t)i } };
			set(e, BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
			set(e, BPFPROM_XOP_PUSH, BPFPROM_XM_SRC + 1, 0);
			set(e, k ? BPFPROM_XOP_SUB : BPFPROM_XOP_UMOD, BPFPROM_XM_STACK, 0);
		}
	}
	c[1].exprs[0].op[2] = BPFPROM_XOP_UDIV;
	n = xgen__direct(c, 2, code, BPFPROM_XINLINE_INSNS - 3);
	assert_true(n > 0 && n <= BPFPROM_XINLINE_INSNS - 3);
	for (int i = 0; i < n; i++)
		assert_true(code[i].dst_reg <= BPF_REG_5 && code[i].src_reg <= BPF_REG_5);
	code[n] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	assert_reachable(code, (size_t)n + 1);
	assert_int_equal(run(code, (size_t)n + 1, ctx, 0), 40 % 6);
	assert_int_equal(run(code, (size_t)n + 1, ctx, BPFPROM_MAX_EXPRS), 40 / 6);
	/* no room: refused; none direct: no code */
	assert_int_equal(xgen__direct(c, 2, code, 4), -E2BIG);
	assert_int_equal(xgen__direct(&c[0], 1, code, 30) > 0, 1);
	c[0].exprs[0].direct = 0;
	c[1].exprs[0].direct = 0;
	assert_int_equal(xgen__direct(c, 2, code, 30), 0);
	/* a signed division goes in line too (r0 and r5 only) */
	c[1].exprs[0].direct = 1;
	c[1].exprs[0].op[2] = BPFPROM_XOP_SDIV;
	n = xgen__direct(c, 2, code, 60);
	assert_true(n > 0);
	code[n] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	assert_reachable(code, (size_t)n + 1);
	assert_int_equal(run(code, (size_t)n + 1, ctx, BPFPROM_MAX_EXPRS), 40 / 6);
	/* 4 operands and 1 pending: r6 is the caller's, so not in line */
	c[1].exprs[0].nsrc = 4;
	c[1].exprs[0].src[2] = c[1].exprs[0].src[0];
	c[1].exprs[0].src[3] = c[1].exprs[0].src[1];
	assert_int_equal(xgen__direct(c, 2, code, 60), -ENOSPC);
}

#define SELF(r)                                                                     \
	{                                                                           \
		.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = (r), .src_reg = (r) \
	}
#define INLINE_MARK(r)                                                  \
	{ .code = BPF_LD | BPF_DW | BPF_IMM,                            \
	  .dst_reg = (r),                                               \
	  .imm = (int32_t)(uint32_t)BPFPROM_XINLINE_MAGIC },            \
	{                                                               \
		.imm = (int32_t)(uint32_t)(BPFPROM_XINLINE_MAGIC >> 32) \
	}

/* an in-line site: ctx to r1, xid to r5, the code, r0 to the result; or a call of xcalc */
static void test_inline_sites(void **state)
{
	struct bpf_insn prog[64],
		code[2] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 9 },
			    { .code = BPF_ALU64 | BPF_ADD | BPF_X, .src_reg = BPF_REG_5 } };
	const struct bpf_insn site[4] = { INLINE_MARK(BPF_REG_8), SELF(BPF_REG_6),
					  SELF(BPF_REG_7) };
	const size_t len = BPFPROM_XINLINE_INSNS, xcalc = 1 + len + 1;
	size_t n = xcalc + 4;

	(void)state;
	assert_true(n <= 64);
	memset(prog, 0, sizeof(prog));
	memcpy(&prog[1], site, sizeof(site));
	for (size_t i = 5; i < 1 + len; i++)
		prog[i] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA };
	prog[1 + len] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	prog[xcalc] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
					 .imm = (int32_t)(uint32_t)BPFPROM_XGEN_MAGIC };
	prog[xcalc + 1].imm = (int32_t)(uint32_t)(BPFPROM_XGEN_MAGIC >> 32);
	prog[xcalc + 2] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA };
	prog[xcalc + 3] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	assert_int_equal(xgen__find(prog, n), (long)xcalc);
	{
		struct bpf_insn p[64];

		memcpy(p, prog, sizeof(p));
		assert_int_equal(xgen__inline(p, n, code, 2, (long)xcalc), 0);
		assert_int_equal(p[1].code, BPF_ALU64 | BPF_MOV | BPF_X);
		assert_int_equal(p[1].dst_reg, BPF_REG_1);
		assert_int_equal(p[1].src_reg, BPF_REG_6);
		assert_int_equal(p[2].dst_reg, BPF_REG_5);
		assert_int_equal(p[2].src_reg, BPF_REG_7);
		assert_memory_equal(&p[3], code, sizeof(code));
		assert_int_equal(p[5].dst_reg, BPF_REG_8);
		assert_int_equal(p[5].src_reg, BPF_REG_0);
		for (size_t i = 6; i < 1 + len; i++)
			assert_int_equal(p[i].code, BPF_JMP | BPF_JA);
		/* the code, run from the site: 9 + xid */
		p[6] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
					  .dst_reg = BPF_REG_0,
					  .src_reg = BPF_REG_8 };
		p[7] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
		{
			uint64_t v[4] = { 0 };

			assert_int_equal(run(&p[3], 5, v, 4), 13);
		}
	}
	{
		struct bpf_insn p[64];

		/* too long, or not in line: a call of xcalc */
		memcpy(p, prog, sizeof(p));
		assert_int_equal(xgen__inline(p, n, code, -1, (long)xcalc), 0);
		assert_int_equal(p[3].code, BPF_JMP | BPF_CALL);
		assert_int_equal(p[3].src_reg, BPF_PSEUDO_CALL);
		assert_int_equal(3 + 1 + p[3].imm, (int)xcalc);
		assert_int_equal(p[4].dst_reg, BPF_REG_8);
		assert_int_equal(p[4].src_reg, BPF_REG_0);
		memcpy(p, prog, sizeof(p));
		assert_int_equal(xgen__inline(p, n, code, -1, -1), -ENOENT);
		/* a site clang made otherwise: refused */
		memcpy(p, prog, sizeof(p));
		p[3].src_reg = BPF_REG_9;
		assert_int_equal(xgen__inline(p, n, code, 2, (long)xcalc), -EINVAL);
	}
}

/* a program's expressions, each behind its xid; the last without a test */
static void test_dispatch(void **state)
{
	struct bpfprom_metric_cfg c[3] = { { .nexprs = 2 }, { .nexprs = 0 }, { .nexprs = 1 } };
	struct bpf_insn code[BPFPROM_XGEN_INSNS];
	uint64_t v[4] = { 100, 7 };
	size_t want = 0;
	int n;

	(void)state;
	set(&c[0].exprs[0], BPFPROM_XOP_LOAD, BPFPROM_XM_SRC, 0);
	set(&c[0].exprs[0], BPFPROM_XOP_ADD, BPFPROM_XM_LIT, 1);
	set(&c[0].exprs[1], BPFPROM_XOP_LOAD, BPFPROM_XM_SRC + 1, 0);
	set(&c[0].exprs[1], BPFPROM_XOP_MUL, BPFPROM_XM_LIT, 3);
	set(&c[2].exprs[0], BPFPROM_XOP_LOAD, BPFPROM_XM_LIT, 0x123456789abULL);
	c[0].exprs[0].xid = 0;
	c[0].exprs[1].xid = 1;
	c[2].exprs[0].xid = 8;
	n = xgen__program(c, 3, code, XGEN_ROOM);
	assert_true(n > 0);
	for (int i = 0; i < 3; i++)
		want += xgen__metric_size(&c[i]);
	assert_true((size_t)n < want);
	code[n] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	assert_reachable(code, (size_t)n + 1);
	assert_int_equal(run(code, (size_t)n + 1, v, 0), 101);
	assert_int_equal(run(code, (size_t)n + 1, v, 1), 21);
	assert_int_equal(run(code, (size_t)n + 1, v, 8), 0x123456789abULL);
	/* no expression: no code */
	assert_int_equal(xgen__program(&c[1], 1, code, XGEN_ROOM), 0);
	/* not enough room */
	assert_int_equal(xgen__program(c, 3, code, 3), -E2BIG);
}

/* The most a metric takes: 4 expressions of 16 signed divisions by 64-bit
 * literals (the first without a load before it); it fits the placeholder
 * on its own. */
static void test_worst_size(void **state)
{
	struct bpfprom_metric_cfg c = { .nexprs = BPFPROM_MAX_EXPRS };
	struct bpf_insn code[BPFPROM_XGEN_INSNS];
	size_t size;

	(void)state;
	for (int k = 0; k < BPFPROM_MAX_EXPRS; k++) {
		while (c.exprs[k].nops < BPFPROM_MAX_XOPS)
			set(&c.exprs[k], BPFPROM_XOP_SDIV, BPFPROM_XM_LIT,
			    (uint64_t) - (1LL << 40));
		c.exprs[k].xid = (uint32_t)k;
	}
	size = xgen__metric_size(&c);
	assert_int_equal(size, 4 * (16 * 17 + 3));
	assert_true(size <= XGEN_ROOM);
	assert_true(xgen__program(&c, 1, code, XGEN_ROOM) > 0);
	assert_true((size_t)xgen__program(&c, 1, code, XGEN_ROOM) <= size);
}

#define CALL(to)                                                                    \
	{                                                                           \
		.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = (to) \
	}
#define MARK                                                                                 \
	{ .code = BPF_LD | BPF_DW | BPF_IMM, .imm = (int32_t)(uint32_t)BPFPROM_XGEN_MAGIC }, \
	{                                                                                    \
		.imm = (int32_t)(uint32_t)(BPFPROM_XGEN_MAGIC >> 32)                         \
	}
#define NOP                              \
	{                                \
		.code = BPF_JMP | BPF_JA \
	}
#define EXIT                               \
	{                                  \
		.code = BPF_JMP | BPF_EXIT \
	}
#define MOV0                                                   \
	{                                                      \
		.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 42 \
	}

static void test_patch(void **state)
{
	/* main: call xcalc (at 3), exit; xcalc: marker, 4 nops, exit */
	const struct bpf_insn pristine[] = { CALL(2), EXIT, EXIT, MARK, NOP, NOP, NOP, NOP, EXIT };
	struct bpf_insn prog[sizeof(pristine) / sizeof(pristine[0])];
	struct bpf_insn code[] = { MOV0, MOV0 },
			want[] = { CALL(2), EXIT, EXIT, MOV0, MOV0, NOP, NOP, NOP, NOP, EXIT };
	struct bpf_insn before[] = { CALL(1), EXIT, MOV0, MARK, NOP, EXIT };
	struct bpf_insn none[] = { CALL(0), EXIT, EXIT };
	size_t n = sizeof(prog) / sizeof(prog[0]);

	(void)state;
	memcpy(prog, pristine, sizeof(prog));
	assert_int_equal(xgen__patch(prog, n, code, 2), 0);
	assert_memory_equal(prog, want, sizeof(want));
	/* the placeholder holds 6 instructions before its exit, not 7 */
	{
		struct bpf_insn seven[7] = { MOV0, MOV0, MOV0, MOV0, MOV0, MOV0, MOV0 };

		memcpy(prog, pristine, sizeof(prog));
		assert_int_equal(xgen__patch(prog, n, seven, 7), -E2BIG);
		assert_int_equal(xgen__patch(prog, n, seven, 6), 0);
		assert_memory_equal(&prog[3], seven, 6 * sizeof(seven[0]));
		assert_int_equal(prog[9].code, BPF_JMP | BPF_EXIT);
	}
	/* clang put an instruction before the marker: its callers enter there */
	assert_int_equal(xgen__patch(before, sizeof(before) / sizeof(before[0]), code, 1), -EINVAL);
	/* no placeholder: nothing to do without code, an error with */
	assert_int_equal(xgen__patch(none, 3, code, 0), 0);
	assert_int_equal(xgen__patch(none, 3, code, 1), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary_ops),    cmocka_unit_test(test_unary_and_select),
		cmocka_unit_test(test_deep_stack),    cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_power_of_two),  cmocka_unit_test(test_direct),
		cmocka_unit_test(test_direct_inline), cmocka_unit_test(test_inline_sites),
		cmocka_unit_test(test_dispatch),      cmocka_unit_test(test_worst_size),
		cmocka_unit_test(test_patch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
