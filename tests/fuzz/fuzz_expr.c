// SPDX-License-Identifier: GPL-2.0
/*
 * The expression parser and compiler (exporter/config/expr.c). Invariants:
 * every error has a message starting "column N:" within the text; a parsed
 * tree has at most EXPR_MAX_NODES nodes and BPFPROM_MAX_XSRC sources, each
 * inside the text; a compiled program has at most BPFPROM_MAX_XOPS ops,
 * valid codes and modes, and runs (through the reference interpreter) on
 * any operand values; its generated code fits its bound and its jumps stay
 * in it (check_code).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/expr.h"
#include "kernel/xgen.h"

/*
 * The generated code of a compiled expression (kernel/xgen.c): it fits
 * what xgen__metric_size says, at most 1100 for four, called or in line
 * (direct, its sources tracepoint fields), and every jump lands inside it.
 */
static void check_code(const struct bpfprom_expr *prog)
{
	static struct bpf_insn code[BPFPROM_XGEN_INSNS];
	struct bpfprom_metric_cfg c = { .nexprs = 1 };
	size_t size;
	int n;

	c.exprs[0] = *prog;
	size = xgen__metric_size(&c);
	if (4 * size > 1100)
		abort();
	for (int direct = 0; direct < 2; direct++) {
		c.exprs[0].direct = (uint32_t)direct;
		for (uint32_t k = 0; direct && k < c.exprs[0].nsrc; k++)
			c.exprs[0].src[k] = (struct bpfprom_src_cfg){ .kind = BPFPROM_SRC_FIELD,
								      .size = 8,
								      .off = { 8 + 8 * k } };
		size = xgen__metric_size(&c);
		n = xgen__program(&c, 1, code, XGEN_ROOM);
		if (n < 1 || (size_t)n + 2 > size)
			abort();
		for (int i = 0; i < n; i++) {
			uint8_t cls = BPF_CLASS(code[i].code), op = BPF_OP(code[i].code);

			if (cls == BPF_JMP && op != BPF_CALL && op != BPF_EXIT &&
			    (i + 1 + code[i].off < 0 || i + 1 + code[i].off > n))
				abort();
		}
		n = xgen__direct(&c, 1, code, BPFPROM_XINLINE_INSNS - 3);
		if (n < 0 && n != -ENOSPC && n != -E2BIG)
			abort();
		if (!direct && n != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t vals[BPFPROM_MAX_XSRC] = { 0, 1, (uint64_t)-1, (uint64_t)INT64_MIN };
	struct bpfprom_expr prog = {};
	bool sgn[BPFPROM_MAX_XSRC];
	char err[512], *text;
	unsigned col;
	struct expr e;
	bool is_signed;
	size_t len;

	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	len = strlen(text);
	err[0] = '\0';
	if (expr__parse(text, &e, err, sizeof(err))) {
		if (sscanf(err, "column %u:", &col) != 1 || col < 1 || col > len + 1)
			abort();
		goto out;
	}
	if (e.nnodes > EXPR_MAX_NODES || e.nsrcs > BPFPROM_MAX_XSRC || e.root < 0 ||
	    (size_t)e.root >= e.nnodes)
		abort();
	for (size_t k = 0; k < e.nsrcs; k++)
		if (!e.srcs[k].len || e.srcs[k].off + e.srcs[k].len > len)
			abort();
	for (int mask = 0; mask < 2; mask++) {
		for (size_t k = 0; k < BPFPROM_MAX_XSRC; k++)
			sgn[k] = mask ? k & 1 : false;
		err[0] = '\0';
		if (expr__compile(&e, sgn, &prog, &is_signed, err, sizeof(err))) {
			if (!err[0])
				abort();
			continue;
		}
		if (prog.nops < 1 || prog.nops > BPFPROM_MAX_XOPS || prog.nsrc != e.nsrcs)
			abort();
		for (uint32_t i = 0; i < prog.nops; i++)
			if (prog.op[i] >= BPFPROM_XOP__COUNT || prog.mode[i] > BPFPROM_XM_LIT ||
			    (prog.mode[i] >= BPFPROM_XM_SRC && prog.mode[i] < BPFPROM_XM_LIT &&
			     prog.mode[i] - BPFPROM_XM_SRC >= (int)prog.nsrc))
				abort();
		(void)expr__run(&prog, vals);
		check_code(&prog);
	}
out:
	free(text);
	return 0;
}
