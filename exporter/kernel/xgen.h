/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xgen: BPF instructions for a program's expressions. Each expression
 * (struct bpfprom_expr, compiled by config/expr.c) becomes straight-line
 * arithmetic on registers: operands in r1-r4, the accumulator r0, the
 * operand stack in the free operand registers, r6, r7 and then the frame,
 * temporaries r5, r8, r9. The loader writes the code of a program's
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
 * expressions of 16 ops take at most 4 * (16 * 14 + 3) instructions.
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
 * Write code[0..ncode) over the placeholder in insns[0..n) (a program as
 * libbpf loads it, its subprograms appended) and fill the rest of it with
 * nops. Returns 0 (also when insns has no placeholder and ncode is 0),
 * -ENOENT when code is due but insns has no placeholder, -EINVAL when the
 * placeholder does not start its function (clang put instructions before
 * it), -E2BIG when code does not fit.
 */
int xgen__patch(struct bpf_insn *insns, size_t n, const struct bpf_insn *code, size_t ncode);

#endif /* BPFPROM_XGEN_H */
