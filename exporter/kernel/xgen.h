/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xgen: BPF instructions for a program's expressions. Each expression
 * (struct bpfprom_expr, compiled by config/expr.c) becomes straight-line
 * arithmetic on registers: operands in r1-r4, the accumulator r0, the
 * operand stack in the free operand registers, r6-r9 and then the frame,
 * r5 scratch. The loader writes the code of a program's
 * expressions over the placeholder xcalc in bpfprom.bpf.c as libbpf loads
 * it. Pure: no libbpf, no kernel.
 */
#ifndef BPFPROM_XGEN_H
#define BPFPROM_XGEN_H

#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "bpfprom.h"

/* The room for code in the placeholder: all of it but its exit. */
#define XGEN_ROOM (BPFPROM_XGEN_INSNS - 1)

/*
 * The instructions a metric's expressions take at most in a program's code
 * (each expression's own, its test and its exit): plan fuses metrics only
 * while the sum stays within XGEN_ROOM. One metric always fits: 4
 * expressions of 16 ops take at most 4 * (16 * 17 + 3) = 1100
 * instructions (a popped signed division is 17).
 */
size_t xgen__metric_size(const struct bpfprom_metric_cfg *c);

/*
 * The code of the expressions of cfgs[0..n) (each with its xid set): out
 * holds up to cap instructions. Returns the count, or -E2BIG when it is
 * more than cap, or -EINVAL for an expression no compiler of ours makes
 * (an op or operand stack out of range).
 */
int xgen__program(const struct bpfprom_metric_cfg *cfgs, size_t n, struct bpf_insn *out,
		  size_t cap);

/*
 * The code of the direct expressions of cfgs[0..n) to go in line, in
 * r0-r5 only (ctx in r1, xid in r5; the value in r0 at its end): each but
 * the last behind a test of its xid, then a jump past the last. Returns
 * the count (0: none is direct), -ENOSPC when an expression needs more
 * registers (r6-r9 and the frame are the caller's), -E2BIG past cap.
 */
int xgen__direct(const struct bpfprom_metric_cfg *cfgs, size_t n, struct bpf_insn *out, size_t cap);

/*
 * Write the direct code (code[0..ncode), from xgen__direct) over every
 * in-line placeholder of insns (bpfprom.bpf.c read_int: a load of
 * BPFPROM_XINLINE_MAGIC into the result's register, moves of ctx's and
 * xid's registers to themselves, nops), moving ctx to r1 and xid to r5
 * before it and r0 to the result after; where it does not fit, or ncode is
 * negative, a call of xcalc instead (patched with the same code). Returns
 * 0, -EINVAL for a placeholder not as clang should have made it, -ENOENT
 * when the call is due and insns has no xcalc (xcalc: xgen__find's answer
 * before xgen__patch wrote over the marker, -1 for none).
 */
int xgen__inline(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, int ncode,
		 long xcalc);

/* The index of xcalc's placeholder in insns, -1 if it has none. */
long xgen__find(const struct bpf_insn *insns, size_t n);

/*
 * Write code[0..ncode) over the placeholder in insns[0..n) (a program as
 * libbpf loads it, its subprograms appended) and fill the rest of it with
 * nops. Returns 0 (also when insns has no placeholder and ncode is 0),
 * -ENOENT when code is due but insns has no placeholder, -EINVAL when the
 * placeholder does not start its function (clang put instructions before
 * it), -E2BIG when code does not fit.
 */
int xgen__patch(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, size_t ncode);

#endif /* BPFPROM_XGEN_H */
