// SPDX-License-Identifier: GPL-2.0
/*
 * xgen: an expression's ops (struct bpfprom_expr) as BPF instructions. The
 * ops run on an accumulator and an operand stack (README: Expressions);
 * here the accumulator is r0, operand k is r(1 + k), pending operands are
 * the operand registers the expression leaves free, r6, r7 and then 8-byte
 * slots of the frame, and r5, r8, r9 are scratch.
 * Every op's result is bpfprom's definition, also where the instruction set
 * differs from it: x % 0 is 0 (the ISA leaves x), shifts by 64 or more are
 * 0 or the sign (the ISA masks the amount), signed division and remainder
 * work on magnitudes (the ISA has no signed forms before v4, which Debian
 * 12's 6.1 lacks). config/expr.c's expr__run is the reference.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "kernel/xgen.h"

/*
 * Pending operands are kept in the operand registers the expression does not
 * use, then in r6 and r7, then in the frame: an expression of one operand
 * and two pending ones touches no callee-saved register, whose saving the
 * JIT would add to every call.
 */
#define MAX_STACK_REGS 5

enum {
	R_ACC = BPF_REG_0,
	R_RIGHT = BPF_REG_5, /* a popped right operand, a 64-bit literal */
	R_T1 = BPF_REG_8,
	R_T2 = BPF_REG_9,
};

struct gen {
	struct bpf_insn *out;
	size_t n, cap; /* n counts past cap: sizing is generating without out */
	uint32_t sp; /* pending operands */
	uint8_t stack_regs[MAX_STACK_REGS]; /* where the first ones are */
	uint32_t nstack_regs;
	int err;
};

/* an operand: a register, or a literal that fits an instruction's imm */
struct opnd {
	bool reg;
	uint8_t r;
	int32_t imm;
};

static void put(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (g->out && g->n < g->cap)
		g->out[g->n] = (struct bpf_insn){
			.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
		};
	g->n++;
}

static bool fits(uint64_t v)
{
	return (int64_t)v == (int32_t)v;
}

static void mov_lit(struct gen *g, uint8_t dst, uint64_t v)
{
	if (fits(v)) {
		put(g, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)v);
		return;
	}
	put(g, BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)v);
	put(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static void mov(struct gen *g, uint8_t dst, struct opnd x)
{
	if (x.reg) {
		if (x.r != dst)
			put(g, BPF_ALU64 | BPF_MOV | BPF_X, dst, x.r, 0, 0);
		return;
	}
	put(g, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, x.imm);
}

/* dst op= x, or if (dst op x) goto +off */
static void alu(struct gen *g, uint8_t op, uint8_t dst, struct opnd x)
{
	put(g, BPF_ALU64 | op | (x.reg ? BPF_X : BPF_K), dst, x.reg ? x.r : 0, 0,
	    x.reg ? 0 : x.imm);
}

static void jmp(struct gen *g, uint8_t op, uint8_t dst, struct opnd x, int16_t off)
{
	put(g, BPF_JMP | op | (x.reg ? BPF_X : BPF_K), dst, x.reg ? x.r : 0, off,
	    x.reg ? 0 : x.imm);
}

static struct opnd reg(uint8_t r)
{
	return (struct opnd){ .reg = true, .r = r };
}

static struct opnd imm(int32_t v)
{
	return (struct opnd){ .imm = v };
}

/* Pending operand d: a register, or a frame slot (*off set) */
static uint8_t slot(struct gen *g, uint32_t d, int16_t *off)
{
	*off = 0;
	if (d >= BPFPROM_XSTACK) {
		g->err = -EINVAL;
		return BPF_REG_6;
	}
	if (d < g->nstack_regs)
		return g->stack_regs[d];
	*off = (int16_t)(-8 * (int)(d - g->nstack_regs + 1));
	return BPF_REG_10;
}

static void push(struct gen *g)
{
	int16_t off;
	uint8_t r = slot(g, g->sp++, &off);

	if (r == BPF_REG_10)
		put(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, R_ACC, off, 0);
	else
		put(g, BPF_ALU64 | BPF_MOV | BPF_X, r, R_ACC, 0, 0);
}

/* Pending operand d into register dst, or the register holding it. */
static uint8_t peek(struct gen *g, uint32_t d, uint8_t dst)
{
	int16_t off;
	uint8_t r = slot(g, d, &off);

	if (r != BPF_REG_10)
		return r;
	put(g, BPF_LDX | BPF_MEM | BPF_DW, dst, BPF_REG_10, off, 0);
	return dst;
}

/* Operand of op i as its mode says (not the stack): a register or an imm. */
static struct opnd operand(struct gen *g, const struct bpfprom_expr *e, uint32_t i)
{
	uint8_t mode = e->mode[i];

	if (mode >= BPFPROM_XM_SRC && mode < BPFPROM_XM_SRC + BPFPROM_MAX_XSRC)
		return reg((uint8_t)(BPF_REG_1 + mode - BPFPROM_XM_SRC));
	if (mode != BPFPROM_XM_LIT)
		return imm(0); /* the interpreter's 0 */
	if (fits(e->lit[i]))
		return imm((int32_t)e->lit[i]);
	mov_lit(g, R_RIGHT, e->lit[i]);
	return reg(R_RIGHT);
}

/* in a register: what division, remainder and shifts by a register take */
static struct opnd in_reg(struct gen *g, struct opnd x)
{
	if (x.reg)
		return x;
	mov(g, R_RIGHT, x);
	return reg(R_RIGHT);
}

/* r0 = cond ? 1 : 0, where cond is "r0 op x" */
static void set_if(struct gen *g, uint8_t op, struct opnd x)
{
	jmp(g, op, R_ACC, x, 2);
	mov(g, R_ACC, imm(0));
	put(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
	mov(g, R_ACC, imm(1));
}

/* dst = |dst| (as unsigned: INT64_MIN stays 2^63) */
static void abs_of(struct gen *g, uint8_t dst)
{
	jmp(g, BPF_JSGE, dst, imm(0), 1);
	put(g, BPF_ALU64 | BPF_NEG, dst, 0, 0, 0);
}

static void div_mod(struct gen *g, enum bpfprom_xop op, struct opnd x)
{
	bool sgn = op == BPFPROM_XOP_SDIV || op == BPFPROM_XOP_SMOD;
	bool mod = op == BPFPROM_XOP_UMOD || op == BPFPROM_XOP_SMOD;
	uint8_t d = R_ACC;

	if (!x.reg && x.imm == 0) {
		mov(g, R_ACC, imm(0)); /* x / 0 and x % 0 are 0 */
		return;
	}
	x = in_reg(g, x);
	if (sgn) {
		/* the result's sign: the operands' for /, the dividend's for % */
		mov(g, R_T1, reg(R_ACC));
		if (!mod)
			alu(g, BPF_XOR, R_T1, x);
		abs_of(g, R_ACC);
		mov(g, R_T2, x);
		abs_of(g, R_T2);
		x = reg(R_T2);
	}
	if (mod) {
		/* the ISA's x % 0 is x */
		jmp(g, BPF_JNE, x.r, imm(0), 2);
		mov(g, R_ACC, imm(0));
		put(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
	}
	/* the ISA's x / 0 is 0, as bpfprom's */
	alu(g, mod ? BPF_MOD : BPF_DIV, d, x);
	if (sgn) {
		jmp(g, BPF_JSGE, R_T1, imm(0), 1);
		put(g, BPF_ALU64 | BPF_NEG, R_ACC, 0, 0, 0);
	}
}

static void shift(struct gen *g, enum bpfprom_xop op, struct opnd x)
{
	uint8_t code = op == BPFPROM_XOP_SHL ? BPF_LSH : op == BPFPROM_XOP_SHR ? BPF_RSH : BPF_ARSH;

	if (!x.reg) {
		/* a literal: as unsigned, as the interpreter compares it */
		uint64_t by = (uint64_t)(int64_t)x.imm;

		if (by < 64)
			alu(g, code, R_ACC, x);
		else if (op == BPFPROM_XOP_SAR)
			alu(g, code, R_ACC, imm(63));
		else
			mov(g, R_ACC, imm(0));
		return;
	}
	if (op == BPFPROM_XOP_SAR) {
		/* by 64 or more: by 63, the sign */
		mov(g, R_T2, x);
		jmp(g, BPF_JLE, R_T2, imm(63), 1);
		mov(g, R_T2, imm(63));
		alu(g, code, R_ACC, reg(R_T2));
		return;
	}
	jmp(g, BPF_JGT, x.r, imm(63), 2);
	alu(g, code, R_ACC, x);
	put(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
	mov(g, R_ACC, imm(0));
}

/* ALU_OP | op: BPF_ADD is 0 */
#define ALU_OP 0x100
static const uint16_t alu_of[BPFPROM_XOP__COUNT] = {
	[BPFPROM_XOP_ADD] = ALU_OP | BPF_ADD, [BPFPROM_XOP_SUB] = ALU_OP | BPF_SUB,
	[BPFPROM_XOP_MUL] = ALU_OP | BPF_MUL, [BPFPROM_XOP_AND] = ALU_OP | BPF_AND,
	[BPFPROM_XOP_OR] = ALU_OP | BPF_OR,   [BPFPROM_XOP_XOR] = ALU_OP | BPF_XOR,
};

/* the jump that is taken when the comparison holds, and for min/max when r0 stays */
static const uint8_t jmp_of[BPFPROM_XOP__COUNT] = {
	[BPFPROM_XOP_EQ] = BPF_JEQ,    [BPFPROM_XOP_NE] = BPF_JNE,    [BPFPROM_XOP_ULT] = BPF_JLT,
	[BPFPROM_XOP_ULE] = BPF_JLE,   [BPFPROM_XOP_UGT] = BPF_JGT,   [BPFPROM_XOP_UGE] = BPF_JGE,
	[BPFPROM_XOP_SLT] = BPF_JSLT,  [BPFPROM_XOP_SLE] = BPF_JSLE,  [BPFPROM_XOP_SGT] = BPF_JSGT,
	[BPFPROM_XOP_SGE] = BPF_JSGE,  [BPFPROM_XOP_UMIN] = BPF_JLE,  [BPFPROM_XOP_UMAX] = BPF_JGE,
	[BPFPROM_XOP_SMIN] = BPF_JSLE, [BPFPROM_XOP_SMAX] = BPF_JSGE,
};

/* a binary op, r0 = r0 op x */
static void binary(struct gen *g, enum bpfprom_xop op, struct opnd x)
{
	switch (op) {
	case BPFPROM_XOP_UDIV:
	case BPFPROM_XOP_SDIV:
	case BPFPROM_XOP_UMOD:
	case BPFPROM_XOP_SMOD:
		div_mod(g, op, x);
		return;
	case BPFPROM_XOP_SHL:
	case BPFPROM_XOP_SHR:
	case BPFPROM_XOP_SAR:
		shift(g, op, x);
		return;
	case BPFPROM_XOP_LAND:
		jmp(g, BPF_JEQ, R_ACC, imm(0), 3);
		if (x.reg)
			jmp(g, BPF_JEQ, x.r, imm(0), 2);
		else
			put(g, BPF_JMP | BPF_JA, 0, 0, x.imm ? 0 : 2, 0);
		mov(g, R_ACC, imm(1));
		put(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
		mov(g, R_ACC, imm(0));
		return;
	case BPFPROM_XOP_LOR:
		jmp(g, BPF_JNE, R_ACC, imm(0), 3);
		if (x.reg)
			jmp(g, BPF_JNE, x.r, imm(0), 2);
		else
			put(g, BPF_JMP | BPF_JA, 0, 0, x.imm ? 2 : 0, 0);
		mov(g, R_ACC, imm(0));
		put(g, BPF_JMP | BPF_JA, 0, 0, 1, 0);
		mov(g, R_ACC, imm(1));
		return;
	case BPFPROM_XOP_UMIN:
	case BPFPROM_XOP_UMAX:
	case BPFPROM_XOP_SMIN:
	case BPFPROM_XOP_SMAX:
		jmp(g, jmp_of[op], R_ACC, x, 1);
		mov(g, R_ACC, x);
		return;
	default:
		break;
	}
	if (alu_of[op])
		alu(g, (uint8_t)alu_of[op], R_ACC, x);
	else if (jmp_of[op])
		set_if(g, jmp_of[op], x);
}

static bool commutes(enum bpfprom_xop op)
{
	switch (op) {
	case BPFPROM_XOP_ADD:
	case BPFPROM_XOP_MUL:
	case BPFPROM_XOP_AND:
	case BPFPROM_XOP_OR:
	case BPFPROM_XOP_XOR:
	case BPFPROM_XOP_EQ:
	case BPFPROM_XOP_NE:
	case BPFPROM_XOP_LAND:
	case BPFPROM_XOP_LOR:
	case BPFPROM_XOP_UMIN:
	case BPFPROM_XOP_UMAX:
	case BPFPROM_XOP_SMIN:
	case BPFPROM_XOP_SMAX:
		return true;
	default:
		return false;
	}
}

static void gen_op(struct gen *g, const struct bpfprom_expr *e, uint32_t i)
{
	enum bpfprom_xop op = e->op[i];
	uint8_t cond, then;
	struct opnd x;

	switch (op) {
	case BPFPROM_XOP_LOAD:
		mov(g, R_ACC, operand(g, e, i));
		return;
	case BPFPROM_XOP_PUSH:
		push(g);
		mov(g, R_ACC, operand(g, e, i));
		return;
	case BPFPROM_XOP_SEL:
		/* pushed: the condition, then the value if it holds */
		if (g->sp < 2) {
			g->err = -EINVAL;
			return;
		}
		g->sp -= 2;
		cond = peek(g, g->sp, R_T1);
		then = peek(g, g->sp + 1, R_T2);
		jmp(g, BPF_JEQ, cond, imm(0), 1);
		mov(g, R_ACC, reg(then));
		return;
	case BPFPROM_XOP_NEG:
		put(g, BPF_ALU64 | BPF_NEG, R_ACC, 0, 0, 0);
		return;
	case BPFPROM_XOP_NOT:
		alu(g, BPF_XOR, R_ACC, imm(-1));
		return;
	case BPFPROM_XOP_LNOT:
		set_if(g, BPF_JEQ, imm(0));
		return;
	default:
		break;
	}
	if (op >= BPFPROM_XOP__COUNT)
		return; /* the interpreter's: acc as it is */
	if (e->mode[i] == BPFPROM_XM_STACK) {
		/* the popped operand is the left one: r0 = popped op r0, or
		 * where the order does not matter, r0 op= popped */
		if (!g->sp) {
			g->err = -EINVAL;
			return;
		}
		g->sp--;
		if (commutes(op)) {
			x = reg(peek(g, g->sp, R_RIGHT));
		} else {
			mov(g, R_RIGHT, reg(R_ACC));
			mov(g, R_ACC, reg(peek(g, g->sp, R_ACC)));
			x = reg(R_RIGHT);
		}
	} else {
		x = operand(g, e, i);
	}
	binary(g, op, x);
}

/* a load's size field for 1, 2, 4, 8 bytes (BPF_W is 0), else -1 */
static int ldx_size(uint32_t size)
{
	switch (size) {
	case 1:
		return BPF_B;
	case 2:
		return BPF_H;
	case 4:
		return BPF_W;
	case 8:
		return BPF_DW;
	default:
		return -1;
	}
}

/*
 * A direct expression's operands, from ctx (r1) at their fields' offsets;
 * r1 last, as it holds ctx until then. Plan vouches for the offsets (aligned,
 * inside the tracepoint's record, past its common header).
 */
static void load_fields(struct gen *g, const struct bpfprom_expr *e)
{
	uint32_t nsrc = e->nsrc < BPFPROM_MAX_XSRC ? e->nsrc : BPFPROM_MAX_XSRC;

	for (uint32_t k = nsrc; k-- > 0;) {
		const struct bpfprom_src_cfg *s = &e->src[k];
		uint8_t r = (uint8_t)(BPF_REG_1 + k);

		if (s->kind != BPFPROM_SRC_FIELD || ldx_size(s->size) < 0) {
			g->err = -EINVAL;
			return;
		}
		put(g, BPF_LDX | BPF_MEM | (uint8_t)ldx_size(s->size), r, BPF_REG_1,
		    (int16_t)s->off[0], 0);
		if (s->is_signed && s->size < 8) {
			alu(g, BPF_LSH, r, imm(64 - 8 * (int32_t)s->size));
			alu(g, BPF_ARSH, r, imm(64 - 8 * (int32_t)s->size));
		}
	}
}

static void gen_expr(struct gen *g, const struct bpfprom_expr *e)
{
	uint32_t nops = e->nops < BPFPROM_MAX_XOPS ? e->nops : BPFPROM_MAX_XOPS;

	if (e->direct)
		load_fields(g, e);

	g->sp = 0;
	g->nstack_regs = 0;
	for (uint32_t k = e->nsrc < BPFPROM_MAX_XSRC ? e->nsrc : BPFPROM_MAX_XSRC;
	     k < BPFPROM_MAX_XSRC; k++)
		g->stack_regs[g->nstack_regs++] = (uint8_t)(BPF_REG_1 + k);
	g->stack_regs[g->nstack_regs++] = BPF_REG_6;
	g->stack_regs[g->nstack_regs++] = BPF_REG_7;
	/* the accumulator starts at 0, as the interpreter's; a first load sets it */
	if (!nops || e->op[0] != BPFPROM_XOP_LOAD)
		mov(g, R_ACC, imm(0));
	for (uint32_t i = 0; i < nops; i++)
		gen_op(g, e, i);
}

/*
 * Expressions one after the other, each but the last behind a test of its
 * xid (r5) and ending in an exit; the last falls through to the
 * placeholder's own exit.
 */
static void gen_metrics(struct gen *g, const struct bpfprom_metric_cfg *cfgs, size_t n)
{
	size_t total = 0, seen = 0;

	for (size_t s = 0; s < n; s++)
		total += cfgs[s].nexprs < BPFPROM_MAX_EXPRS ? cfgs[s].nexprs : BPFPROM_MAX_EXPRS;
	for (size_t s = 0; s < n; s++) {
		for (uint32_t k = 0; k < cfgs[s].nexprs && k < BPFPROM_MAX_EXPRS; k++) {
			const struct bpfprom_expr *e = &cfgs[s].exprs[k];
			size_t at = g->n;
			bool last = ++seen == total;

			if (!last)
				jmp(g, BPF_JNE, BPF_REG_5, imm((int32_t)e->xid), 0);
			gen_expr(g, e);
			if (last)
				break;
			put(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			if (g->out && at < g->cap)
				g->out[at].off = (int16_t)(g->n - at - 1);
		}
	}
}

size_t xgen__metric_size(const struct bpfprom_metric_cfg *c)
{
	struct gen g = {};

	for (uint32_t k = 0; k < c->nexprs && k < BPFPROM_MAX_EXPRS; k++) {
		gen_expr(&g, &c->exprs[k]);
		g.n += 2; /* its test and exit */
	}
	return g.n;
}

int xgen__program(const struct bpfprom_metric_cfg *cfgs, size_t n, struct bpf_insn *out, size_t cap)
{
	struct gen g = { .out = out, .cap = cap };

	gen_metrics(&g, cfgs, n);
	if (g.err)
		return g.err;
	return g.n > cap ? -E2BIG : (int)g.n;
}

static bool is_marker(const struct bpf_insn *insns, size_t n, size_t i)
{
	return i + 1 < n && insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src_reg == 0 &&
	       (uint32_t)insns[i].imm == (uint32_t)BPFPROM_XGEN_MAGIC &&
	       (uint32_t)insns[i + 1].imm == (uint32_t)(BPFPROM_XGEN_MAGIC >> 32);
}

int xgen__patch(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, size_t ncode)
{
	size_t m = 0, end;
	bool called = false;

	while (m < n && !is_marker(insns, n, m))
		m++;
	if (m == n)
		return ncode ? -ENOENT : 0;
	if (!ncode)
		return 0;
	for (end = m + 2; end < n && insns[end].code != (BPF_JMP | BPF_EXIT); end++)
		;
	if (end == n)
		return -EINVAL;
	/* its callers must enter at the marker: nothing clang put before it
	 * (a move of an argument) may be lost */
	for (size_t i = 0; i < n; i++) {
		long to = (long)i + 1 + insns[i].imm;

		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != BPF_PSEUDO_CALL)
			continue;
		if (to == (long)m)
			called = true;
		else if (to > (long)m && to <= (long)end)
			return -EINVAL;
	}
	if (!called)
		return -EINVAL;
	if (ncode > end - m)
		return -E2BIG;
	memcpy(&insns[m], code, ncode * sizeof(*code));
	for (size_t i = m + ncode; i < end; i++)
		insns[i] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA };
	return 0;
}
