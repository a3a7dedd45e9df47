// SPDX-License-Identifier: GPL-2.0
/*
 * xgen: an expression's ops (struct bpfprom_expr) as BPF instructions. The
 * ops run on an accumulator and an operand stack (README: Expressions);
 * here the accumulator is r0, operand k is r(1 + k), pending operands are
 * the operand registers the expression leaves free, r6-r9 and then 8-byte
 * slots of the frame (32 bytes at most: below a pair's end, xcalc is the
 * fifth frame of 512 bytes in all), and r5 is scratch.
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
 * use, then in r6-r9, then in the frame: an expression of one operand and
 * three pending ones touches no callee-saved register (which in xcalc the
 * JIT saves on every call, and which in line are the caller's).
 */
#define MAX_STACK_REGS (BPFPROM_MAX_XSRC + 4)

enum {
	R_ACC = BPF_REG_0,
	/* a popped right operand, a 64-bit literal, the one scratch register */
	R_RIGHT = BPF_REG_5,
};

struct gen {
	struct bpf_insn *out;
	size_t n, cap; /* n counts past cap: sizing is generating without out */
	uint32_t sp; /* pending operands */
	uint8_t stack_regs[MAX_STACK_REGS]; /* where the first ones are */
	uint32_t nstack_regs;
	bool in_line; /* xgen__direct: direct expressions only, in r0-r5 */
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

/* a literal that does not fit an imm */
static void mov_lit(struct gen *g, uint8_t dst, uint64_t v)
{
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

/* dst op= x */
static void alu(struct gen *g, uint8_t op, uint8_t dst, struct opnd x)
{
	put(g, BPF_ALU64 | op | (x.reg ? BPF_X : BPF_K), dst, x.reg ? x.r : 0, 0,
	    x.reg ? 0 : x.imm);
}

/* if (dst op x) goto +off */
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

static void ja(struct gen *g, int16_t off)
{
	put(g, BPF_JMP | BPF_JA, 0, 0, off, 0);
}

static void neg(struct gen *g, uint8_t r)
{
	put(g, BPF_ALU64 | BPF_NEG, r, 0, 0, 0);
}

/*
 * Division and remainder. Signed ones work on magnitudes by the operands'
 * signs, branching rather than keeping a sign in a register: r0 and r5 are
 * all they use, so that an expression leaves r6-r9 to its pending operands
 * and fits in line.
 */
static void div_mod(struct gen *g, enum bpfprom_xop op, struct opnd x)
{
	if (!x.reg && x.imm == 0) {
		mov(g, R_ACC, imm(0)); /* x / 0 and x % 0 are 0 */
		return;
	}
	switch (op) {
	case BPFPROM_XOP_UDIV:
		/* the ISA's x / 0 is 0, as bpfprom's */
		alu(g, BPF_DIV, R_ACC, in_reg(g, x));
		return;
	case BPFPROM_XOP_UMOD:
		/* the ISA's x % 0 is x */
		x = in_reg(g, x);
		jmp(g, BPF_JNE, x.r, imm(0), 2);
		mov(g, R_ACC, imm(0));
		ja(g, 1);
		alu(g, BPF_MOD, R_ACC, x);
		return;
	case BPFPROM_XOP_SDIV:
		/* the quotient of the magnitudes, negated where the signs differ */
		mov(g, R_RIGHT, x);
		jmp(g, BPF_JSLT, R_ACC, imm(0), 7);
		jmp(g, BPF_JSLT, R_RIGHT, imm(0), 2);
		alu(g, BPF_DIV, R_ACC, reg(R_RIGHT));
		ja(g, 11);
		neg(g, R_RIGHT);
		alu(g, BPF_DIV, R_ACC, reg(R_RIGHT));
		neg(g, R_ACC);
		ja(g, 7);
		neg(g, R_ACC);
		jmp(g, BPF_JSLT, R_RIGHT, imm(0), 3);
		alu(g, BPF_DIV, R_ACC, reg(R_RIGHT));
		neg(g, R_ACC);
		ja(g, 2);
		neg(g, R_RIGHT);
		alu(g, BPF_DIV, R_ACC, reg(R_RIGHT));
		return;
	default:
		/* SMOD: the remainder of the magnitudes, with the dividend's sign */
		mov(g, R_RIGHT, x);
		jmp(g, BPF_JSGE, R_RIGHT, imm(0), 1);
		neg(g, R_RIGHT);
		jmp(g, BPF_JNE, R_RIGHT, imm(0), 2);
		mov(g, R_ACC, imm(0));
		ja(g, 6);
		jmp(g, BPF_JSLT, R_ACC, imm(0), 2);
		alu(g, BPF_MOD, R_ACC, reg(R_RIGHT));
		ja(g, 3);
		neg(g, R_ACC);
		alu(g, BPF_MOD, R_ACC, reg(R_RIGHT));
		neg(g, R_ACC);
		return;
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
		mov(g, R_RIGHT, x);
		jmp(g, BPF_JLE, R_RIGHT, imm(63), 1);
		mov(g, R_RIGHT, imm(63));
		alu(g, code, R_ACC, reg(R_RIGHT));
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
	case BPFPROM_XOP_LOR:
		/* a literal decides, or leaves r0 != 0: folded, as code no
		 * path reaches is one the verifier refuses */
		if (!x.reg) {
			if ((op == BPFPROM_XOP_LAND) == !x.imm)
				mov(g, R_ACC, imm(op == BPFPROM_XOP_LOR));
			else
				set_if(g, BPF_JNE, imm(0));
			return;
		}
		if (op == BPFPROM_XOP_LAND) {
			jmp(g, BPF_JEQ, R_ACC, imm(0), 3);
			jmp(g, BPF_JEQ, x.r, imm(0), 2);
			mov(g, R_ACC, imm(1));
			ja(g, 1);
			mov(g, R_ACC, imm(0));
		} else {
			jmp(g, BPF_JNE, R_ACC, imm(0), 3);
			jmp(g, BPF_JNE, x.r, imm(0), 2);
			mov(g, R_ACC, imm(0));
			ja(g, 1);
			mov(g, R_ACC, imm(1));
		}
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

/*
 * Unsigned multiplication, division and remainder by a power of two, as
 * shifts and a mask, as clang makes them of the same C (`* 512`, `/ 1024`):
 * a division is tens of cycles. Not signed division, which rounds toward
 * zero where a shift rounds down.
 */
static bool by_power_of_two(struct gen *g, enum bpfprom_xop op, uint64_t lit)
{
	int32_t k = 0;

	if (!lit || (lit & (lit - 1)) ||
	    (op != BPFPROM_XOP_MUL && op != BPFPROM_XOP_UDIV && op != BPFPROM_XOP_UMOD))
		return false;
	while ((1ULL << k) != lit)
		k++;
	if (op == BPFPROM_XOP_MUL) {
		if (k)
			alu(g, BPF_LSH, R_ACC, imm(k));
	} else if (op == BPFPROM_XOP_UDIV) {
		if (k)
			alu(g, BPF_RSH, R_ACC, imm(k));
	} else if (k <= 31) {
		alu(g, BPF_AND, R_ACC, imm((int32_t)(lit - 1)));
	} else {
		/* a mask past imm32's reach: shift the high bits out */
		alu(g, BPF_LSH, R_ACC, imm(64 - k));
		alu(g, BPF_RSH, R_ACC, imm(64 - k));
	}
	return true;
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
	int16_t off;

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
		cond = peek(g, g->sp, R_RIGHT);
		then = slot(g, g->sp + 1, &off);
		jmp(g, BPF_JEQ, cond, imm(0), 1);
		if (then == BPF_REG_10)
			put(g, BPF_LDX | BPF_MEM | BPF_DW, R_ACC, BPF_REG_10, off, 0);
		else
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
	if (e->mode[i] == BPFPROM_XM_LIT && by_power_of_two(g, op, e->lit[i]))
		return;
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
 * A direct expression's operands, from ctx (r1) at their offsets; r1 last,
 * as it holds ctx until then. Plan vouches for the offsets (a field's:
 * aligned, inside the tracepoint's record, past its common header; an
 * argument's: its register in pt_regs, or its trampoline slot).
 */
static void load_fields(struct gen *g, const struct bpfprom_expr *e)
{
	uint32_t nsrc = e->nsrc < BPFPROM_MAX_XSRC ? e->nsrc : BPFPROM_MAX_XSRC;

	for (uint32_t k = nsrc; k-- > 0;) {
		const struct bpfprom_src_cfg *s = &e->src[k];
		uint8_t r = (uint8_t)(BPF_REG_1 + k);

		if ((s->kind != BPFPROM_SRC_FIELD && s->kind != BPFPROM_SRC_ARG) ||
		    ldx_size(s->size) < 0) {
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
	for (uint8_t r = BPF_REG_6; !g->in_line && r <= BPF_REG_9; r++)
		g->stack_regs[g->nstack_regs++] = r;
	/* the accumulator starts at 0, as the interpreter's; a first load sets it */
	if (!nops || e->op[0] != BPFPROM_XOP_LOAD)
		mov(g, R_ACC, imm(0));
	for (uint32_t i = 0; i < nops; i++)
		gen_op(g, e, i);
}

/*
 * The expressions of cfgs (in line, only the direct ones) one after the
 * other, each but the last behind a test of its xid (r5) and ending in an
 * exit (in xcalc) or a jump past the last (in line); the last falls through
 * to the placeholder's exit or past the code.
 */
static void gen_chain(struct gen *g, const struct bpfprom_metric_cfg *cfgs, size_t n)
{
	size_t total = 0, seen = 0, ends[BPFPROM_MAX_FUSED * BPFPROM_MAX_EXPRS], nends = 0;

	for (size_t s = 0; s < n; s++) {
		for (uint32_t k = 0; k < cfgs[s].nexprs && k < BPFPROM_MAX_EXPRS; k++)
			total += !g->in_line || cfgs[s].exprs[k].direct;
	}
	for (size_t s = 0; s < n && seen < total; s++) {
		for (uint32_t k = 0; k < cfgs[s].nexprs && k < BPFPROM_MAX_EXPRS; k++) {
			const struct bpfprom_expr *e = &cfgs[s].exprs[k];
			size_t at = g->n;

			if (g->in_line && !e->direct)
				continue;
			if (++seen == total) {
				gen_expr(g, e);
				break;
			}
			jmp(g, BPF_JNE, BPF_REG_5, imm((int32_t)e->xid), 0);
			gen_expr(g, e);
			if (g->in_line && nends < sizeof(ends) / sizeof(ends[0]))
				ends[nends++] = g->n;
			put(g, BPF_JMP | (g->in_line ? BPF_JA : BPF_EXIT), 0, 0, 0, 0);
			if (g->out && at < g->cap)
				g->out[at].off = (int16_t)(g->n - at - 1);
		}
	}
	for (size_t i = 0; g->out && i < nends; i++) {
		if (ends[i] < g->cap)
			g->out[ends[i]].off = (int16_t)(g->n - ends[i] - 1);
	}
}

/* Does code touch a register past r5 (the caller's r6-r9, its frame)? */
static bool beyond_r5(const struct bpf_insn *code, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (code[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if (code[i].dst_reg > BPF_REG_5)
				return true;
			i++;
			continue;
		}
		if (code[i].dst_reg > BPF_REG_5 || code[i].src_reg > BPF_REG_5)
			return true;
	}
	return false;
}

int xgen__direct(const struct bpfprom_metric_cfg *cfgs, size_t n, struct bpf_insn *out, size_t cap)
{
	struct gen g = { .out = out, .cap = cap, .in_line = true };

	gen_chain(&g, cfgs, n);
	if (g.err)
		return g.err;
	if (g.n > cap)
		return -E2BIG;
	return beyond_r5(out, g.n) ? -ENOSPC : (int)g.n;
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

	gen_chain(&g, cfgs, n);
	if (g.err)
		return g.err;
	return g.n > cap ? -E2BIG : (int)g.n;
}

static bool is_magic(const struct bpf_insn *insns, size_t n, size_t i, uint64_t magic)
{
	return i + 1 < n && insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src_reg == 0 &&
	       (uint32_t)insns[i].imm == (uint32_t)magic &&
	       (uint32_t)insns[i + 1].imm == (uint32_t)(magic >> 32);
}

static bool self_move(const struct bpf_insn *in)
{
	return in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->dst_reg == in->src_reg &&
	       in->dst_reg >= BPF_REG_6 && in->dst_reg <= BPF_REG_9;
}

long xgen__find(const struct bpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (is_magic(insns, n, i, BPFPROM_XGEN_MAGIC))
			return (long)i;
	}
	return -1;
}

int xgen__inline(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, int ncode,
		 long xcalc)
{
	for (size_t i = 0; i < n; i++) {
		const size_t len = BPFPROM_XINLINE_INSNS;
		uint8_t r, c, x;
		size_t k = i;

		if (!is_magic(insns, n, i, BPFPROM_XINLINE_MAGIC))
			continue;
		if (i + len > n || !self_move(&insns[i + 2]) || !self_move(&insns[i + 3]) ||
		    insns[i].dst_reg < BPF_REG_6 || insns[i].dst_reg > BPF_REG_9)
			return -EINVAL;
		for (size_t j = i + 4; j < i + len; j++) {
			if (insns[j].code != (BPF_JMP | BPF_JA) || insns[j].off)
				return -EINVAL;
		}
		r = insns[i].dst_reg;
		c = insns[i + 2].dst_reg;
		x = insns[i + 3].dst_reg;
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
						.dst_reg = BPF_REG_1,
						.src_reg = c };
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
						.dst_reg = BPF_REG_5,
						.src_reg = x };
		if (ncode >= 0 && (size_t)ncode <= len - 3) {
			memcpy(&insns[k], code, (size_t)ncode * sizeof(*code));
			k += (size_t)ncode;
		} else {
			/* too long to go in line: xcalc has the same code */
			if (xcalc < 0)
				return -ENOENT;
			insns[k] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL,
						      .src_reg = BPF_PSEUDO_CALL,
						      .imm = (int32_t)((long)xcalc - (long)k - 1) };
			k++;
		}
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
						.dst_reg = r,
						.src_reg = BPF_REG_0 };
		while (k < i + len)
			insns[k++] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA };
		i += len - 1;
	}
	return 0;
}

int xgen__patch(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, size_t ncode)
{
	long found = xgen__find(insns, n);
	size_t m = (size_t)found, end;
	bool called = false;

	if (found < 0)
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
