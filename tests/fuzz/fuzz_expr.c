// SPDX-License-Identifier: GPL-2.0
/*
 * The expression parser and compiler (exporter/config/expr.c). Invariants:
 * every error has a message starting "column N:" within the text; a parsed
 * tree has at most EXPR_MAX_NODES nodes and BPFPROM_MAX_XSRC sources, each
 * inside the text; a compiled program has at most BPFPROM_MAX_XOPS ops,
 * valid codes and modes, and runs (through the reference interpreter) on
 * any operand values.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/expr.h"

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
	}
out:
	free(text);
	return 0;
}
