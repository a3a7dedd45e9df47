/* SPDX-License-Identifier: GPL-2.0 */
/*
 * expr: the expressions a value, an integer label or a filter may be, over
 * sources and integer literals (README: Expressions). Pure: parses text
 * into a tree whose leaves are literals and source texts (config turns
 * those into sources), and compiles a tree, once the operands' signedness
 * is known (plan), into ops on an accumulator and a stack (struct
 * bpfprom_expr), which the loader turns into BPF instructions
 * (kernel/xgen.c). No yaml, no kernel.
 */
#ifndef BPFPROM_EXPR_H
#define BPFPROM_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfprom.h"

/* nodes of one expression's tree: operators, operands and literals */
#define EXPR_MAX_NODES 32
/* the longest expression text */
#define EXPR_MAX_TEXT 512

enum expr_kind {
	EXPR_LIT,
	EXPR_SRC, /* a source, src indexes expr.srcs */
	EXPR_UNARY, /* op a */
	EXPR_BINARY, /* a op b; min, max too */
	EXPR_COND, /* a ? b : c */
};

enum expr_op {
	EXPR_OP_NONE = 0,
	EXPR_OP_ADD,
	EXPR_OP_SUB,
	EXPR_OP_MUL,
	EXPR_OP_DIV,
	EXPR_OP_MOD,
	EXPR_OP_AND,
	EXPR_OP_OR,
	EXPR_OP_XOR,
	EXPR_OP_SHL,
	EXPR_OP_SHR,
	EXPR_OP_EQ,
	EXPR_OP_NE,
	EXPR_OP_LT,
	EXPR_OP_LE,
	EXPR_OP_GT,
	EXPR_OP_GE,
	EXPR_OP_LAND,
	EXPR_OP_LOR,
	EXPR_OP_MIN,
	EXPR_OP_MAX,
	EXPR_OP_NEG,
	EXPR_OP_NOT,
	EXPR_OP_LNOT,
};

struct expr_node {
	enum expr_kind kind;
	enum expr_op op;
	int a, b, c; /* children, node indexes */
	uint64_t lit; /* LIT: the value; negative literals are two's complement */
	bool lit_neg; /* LIT: written negative (a signed operand) */
	uint32_t src; /* SRC */
	uint32_t col; /* 1-based column in the text, for messages */
};

/* A source operand, as written: text[off, off + len). */
struct expr_src {
	uint32_t off;
	uint32_t len;
};

struct expr {
	size_t nnodes;
	struct expr_node nodes[EXPR_MAX_NODES];
	int root;
	size_t nsrcs; /* distinct sources, by text: args.ret twice is one */
	struct expr_src srcs[BPFPROM_MAX_XSRC];
};

/*
 * Does text hold an operator or a literal, rather than one source (which
 * the source parser reads as before)?
 */
bool expr__is_expr(const char *text);

/*
 * Parse text. 0 and *out, or -EINVAL with one line in err: "column N: what
 * is wrong; what to write".
 */
int expr__parse(const char *text, struct expr *out, char *err, size_t errlen);

/*
 * Compile e into out: src_signed[k] says whether operand k is signed.
 * *is_signed: whether the result is. 0, or -E2BIG with err when the
 * program needs more than BPFPROM_MAX_XOPS ops or BPFPROM_XSTACK pending
 * operands. out->src is left to the caller.
 */
int expr__compile(const struct expr *e, const bool *src_signed, struct bpfprom_expr *out,
		  bool *is_signed, char *err, size_t errlen);

/* The value the compiled e gives for operand values v: what the kernel computes. */
uint64_t expr__run(const struct bpfprom_expr *e, const uint64_t *v);

#endif /* BPFPROM_EXPR_H */
