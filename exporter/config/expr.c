// SPDX-License-Identifier: GPL-2.0
/*
 * expr: parse expressions over sources and literals (C's operators and
 * precedence, min and max), and compile them into bpfprom.bpf.c's
 * accumulator programs.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/expr.h"

struct lexer {
	const char *text;
	const char *s;
	struct expr *e;
	char *err;
	size_t errlen;
	int depth;
};

/* parentheses and operators nested deeper than this are refused (the stack) */
#define MAX_DEPTH 64

__attribute__((format(printf, 3, 4))) static int fail_at(struct lexer *lx, const char *at,
							 const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(lx->err, lx->errlen, "column %d: %s", (int)(at - lx->text) + 1, msg);
	return -EINVAL;
}

static void skip_space(struct lexer *lx)
{
	while (isspace((unsigned char)*lx->s))
		lx->s++;
}

static bool is_id_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool is_id(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* s at an opening bracket: just past its match, or NULL */
static const char *match_close(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '(' || *s == '[')
			depth++;
		else if ((*s == ')' || *s == ']') && --depth == 0)
			return s + 1;
	}
	return NULL;
}

/* A fetch arg at s: [+-]u?OFF( */
static bool is_fetch(const char *s)
{
	if (*s != '+' && *s != '-')
		return false;
	s++;
	if (*s == 'u')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isalnum((unsigned char)*s))
		s++;
	return *s == '(';
}

/*
 * Does s, at "((", open a cast ((struct T *)SRC)? Its type names its kind or
 * closes with "*)"; an expression's first parenthesis (((a + 1) * 2)) does
 * neither.
 */
static bool opens_cast(const char *s)
{
	const char *t = s + 2, *c = strchr(t, ')');

	while (isspace((unsigned char)*t))
		t++;
	/* a type that names its kind, even without "*": the path parser says what is wrong */
	if (!c || !strncmp(t, "struct ", 7) || !strncmp(t, "union ", 6) || !strncmp(t, "enum ", 5))
		return true;
	while (c > s + 2 && isspace((unsigned char)c[-1]))
		c--;
	return c > s + 2 && c[-1] == '*';
}

/*
 * The end of the source that starts at s, or NULL: a word with .member,
 * ->member and [index] after it, str(...), a cast ((struct T *)SRC)->...,
 * or a fetch arg +OFF(...):TYPE.
 */
static const char *source_end(const char *s)
{
	if (is_fetch(s)) {
		s = match_close(strchr(s, '('));
		if (s && *s == ':')
			for (s++; is_id(*s); s++)
				;
		return s;
	}
	if (!strncmp(s, "((", 2) && opens_cast(s)) {
		s = match_close(s);
	} else if (!strncmp(s, "str(", 4)) {
		return match_close(s + 3);
	} else if (is_id_start(*s)) {
		while (is_id(*s))
			s++;
	} else {
		return NULL;
	}
	while (s) {
		if (*s == '.' && is_id_start(s[1])) {
			for (s++; is_id(*s); s++)
				;
		} else if (s[0] == '-' && s[1] == '>') {
			for (s += 2; is_id(*s); s++)
				;
		} else if (*s == '[') {
			s = match_close(s);
		} else {
			break;
		}
	}
	return s;
}

static int new_node(struct lexer *lx, const char *at, enum expr_kind kind, enum expr_op op)
{
	struct expr_node *n;

	if (lx->e->nnodes >= EXPR_MAX_NODES)
		return fail_at(lx, at,
			       "the expression has more than %d operators and operands; split it",
			       EXPR_MAX_NODES);
	n = &lx->e->nodes[lx->e->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->op = op;
	n->a = n->b = n->c = -1;
	n->col = (uint32_t)(at - lx->text) + 1;
	return (int)lx->e->nnodes++;
}

static int parse_cond(struct lexer *lx);

static int parse_number(struct lexer *lx)
{
	const char *at = lx->s;
	uint64_t v = 0;
	int base = 10, d, n;

	if (at[0] == '0' && (at[1] == 'x' || at[1] == 'X')) {
		base = 16;
		lx->s += 2;
		if (!isxdigit((unsigned char)*lx->s))
			return fail_at(lx, at, "\"0x\" needs hex digits, e.g. 0x1f");
	}
	for (; isalnum((unsigned char)*lx->s); lx->s++) {
		char c = (char)tolower((unsigned char)*lx->s);

		d = isdigit((unsigned char)c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
		if (d >= base)
			return fail_at(lx, at, "\"%.*s\" is not a number; write e.g. 42 or 0x1f",
				       (int)(strspn(at, "0123456789abcdefABCDEFxX_") ?: 1), at);
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return fail_at(lx, at, "%.*s does not fit in 64 bits",
				       (int)strspn(at, "0123456789abcdefABCDEFxX"), at);
		v = v * (uint64_t)base + (uint64_t)d;
	}
	n = new_node(lx, at, EXPR_LIT, EXPR_OP_NONE);
	if (n < 0)
		return n;
	lx->e->nodes[n].lit = v;
	return n;
}

static int add_source(struct lexer *lx, const char *at, const char *end)
{
	struct expr *e = lx->e;
	uint32_t off = (uint32_t)(at - lx->text), len = (uint32_t)(end - at);
	size_t k;
	int n;

	for (k = 0; k < e->nsrcs; k++)
		if (e->srcs[k].len == len && !strncmp(lx->text + e->srcs[k].off, at, len))
			break;
	if (k == e->nsrcs) {
		if (k >= BPFPROM_MAX_XSRC)
			return fail_at(
				lx, at,
				"\"%.*s\" is a %zuth source; an expression reads at most %d different sources",
				(int)len, at, k + 1, BPFPROM_MAX_XSRC);
		e->srcs[k].off = off;
		e->srcs[k].len = len;
		e->nsrcs++;
	}
	n = new_node(lx, at, EXPR_SRC, EXPR_OP_NONE);
	if (n < 0)
		return n;
	e->nodes[n].src = (uint32_t)k;
	return n;
}

static int expect(struct lexer *lx, char c, const char *what)
{
	skip_space(lx);
	if (*lx->s != c) {
		if (!*lx->s)
			return fail_at(lx, lx->s, "the expression ends where %s was expected",
				       what);
		return fail_at(lx, lx->s, "expected %s, got \"%.8s\"", what, lx->s);
	}
	lx->s++;
	return 0;
}

/* min(a, b), max(a, b) */
static int parse_call(struct lexer *lx, const char *at, enum expr_op op)
{
	int a, b, n, ret;

	lx->s = strchr(at, '(') + 1;
	a = parse_cond(lx);
	if (a < 0)
		return a;
	ret = expect(lx, ',', "\",\" and a second argument");
	if (ret)
		return ret;
	b = parse_cond(lx);
	if (b < 0)
		return b;
	skip_space(lx);
	if (*lx->s == ',')
		return fail_at(lx, lx->s, "%s() takes two arguments",
			       op == EXPR_OP_MIN ? "min" : "max");
	ret = expect(lx, ')', "\")\"");
	if (ret)
		return ret;
	n = new_node(lx, at, EXPR_BINARY, op);
	if (n < 0)
		return n;
	lx->e->nodes[n].a = a;
	lx->e->nodes[n].b = b;
	return n;
}

static int parse_primary(struct lexer *lx)
{
	const char *at, *end, *w;
	size_t wl;
	int n;

	skip_space(lx);
	at = lx->s;
	if (!*at)
		return fail_at(lx, at, "the expression ends where an operand was expected");
	if (isdigit((unsigned char)*at))
		return parse_number(lx);
	if (*at == '(' && !(at[1] == '(' && opens_cast(at))) {
		if (++lx->depth > MAX_DEPTH)
			return fail_at(lx, at, "nested more than %d deep", MAX_DEPTH);
		lx->s++;
		n = parse_cond(lx);
		if (n < 0)
			return n;
		lx->depth--;
		return expect(lx, ')', "\")\"") ?: n;
	}
	if (*at == '"' || *at == '\'')
		return fail_at(
			lx, at,
			"a string has no place in arithmetic; compare strings in a filter of their own, e.g. comm == \"sshd\"");
	if (is_id_start(*at)) {
		for (w = at; is_id(*w); w++)
			;
		wl = (size_t)(w - at);
		for (end = w; *end == ' ' || *end == '\t'; end++)
			;
		if (*end == '(' && !(wl == 3 && !strncmp(at, "str", 3))) {
			if (wl == 3 && !strncmp(at, "min", 3))
				return parse_call(lx, at, EXPR_OP_MIN);
			if (wl == 3 && !strncmp(at, "max", 3))
				return parse_call(lx, at, EXPR_OP_MAX);
			return fail_at(
				lx, at,
				"unknown function \"%.*s\"; expressions call min(a, b) and max(a, b)",
				(int)wl, at);
		}
	}
	end = source_end(at);
	if (!end || end == at)
		return fail_at(lx, at, "expected a source, a number or \"(\", got \"%.8s\"", at);
	if (!strncmp(at, "str(", 4) ||
	    (end > at && end[-1] != ')' && strstr(at, ":string") && strstr(at, ":string") < end) ||
	    ((strstr(at, ":ustring") && strstr(at, ":ustring") < end)))
		return fail_at(lx, at,
			       "\"%.*s\" is a string; arithmetic takes integer sources only",
			       (int)(end - at), at);
	lx->s = end;
	return add_source(lx, at, end);
}

static int parse_unary(struct lexer *lx)
{
	const char *at;
	enum expr_op op;
	int a, n;

	skip_space(lx);
	at = lx->s;
	if (*at == '-' && !is_fetch(at))
		op = EXPR_OP_NEG;
	else if (*at == '~')
		op = EXPR_OP_NOT;
	else if (*at == '!')
		op = EXPR_OP_LNOT;
	else if (*at == '+' && !is_fetch(at))
		op = EXPR_OP_NONE;
	else
		return parse_primary(lx);
	if (++lx->depth > MAX_DEPTH)
		return fail_at(lx, at, "nested more than %d deep", MAX_DEPTH);
	lx->s++;
	a = parse_unary(lx);
	lx->depth--;
	if (a < 0 || op == EXPR_OP_NONE)
		return a;
	/* -LITERAL is a literal: a negative number, a signed operand */
	if (op == EXPR_OP_NEG && lx->e->nodes[a].kind == EXPR_LIT && !lx->e->nodes[a].lit_neg) {
		if (lx->e->nodes[a].lit > (uint64_t)INT64_MAX + 1)
			return fail_at(lx, at,
				       "-%" PRIu64 " does not fit in a signed 64-bit integer",
				       lx->e->nodes[a].lit);
		lx->e->nodes[a].lit = -lx->e->nodes[a].lit;
		lx->e->nodes[a].lit_neg = lx->e->nodes[a].lit != 0;
		lx->e->nodes[a].col = (uint32_t)(at - lx->text) + 1;
		return a;
	}
	n = new_node(lx, at, EXPR_UNARY, op);
	if (n < 0)
		return n;
	lx->e->nodes[n].a = a;
	return n;
}

/* Binary operators by precedence level, loosest first (C's). */
static const struct {
	const char *tok;
	enum expr_op op;
	int level;
} binops[] = {
	{ "||", EXPR_OP_LOR, 0 }, { "&&", EXPR_OP_LAND, 1 }, { "|", EXPR_OP_OR, 2 },
	{ "^", EXPR_OP_XOR, 3 },  { "&", EXPR_OP_AND, 4 },   { "==", EXPR_OP_EQ, 5 },
	{ "!=", EXPR_OP_NE, 5 },  { "<<", EXPR_OP_SHL, 7 },  { ">>", EXPR_OP_SHR, 7 },
	{ "<=", EXPR_OP_LE, 6 },  { ">=", EXPR_OP_GE, 6 },   { "<", EXPR_OP_LT, 6 },
	{ ">", EXPR_OP_GT, 6 },	  { "+", EXPR_OP_ADD, 8 },   { "-", EXPR_OP_SUB, 8 },
	{ "*", EXPR_OP_MUL, 9 },  { "/", EXPR_OP_DIV, 9 },   { "%", EXPR_OP_MOD, 9 },
};
#define LEVELS 10

/* The binary operator at s if it is of that level, else -1: the longest token wins ("<<" over "<"). */
static int binop_at(const char *s, int level)
{
	size_t best = 0;
	int found = -1;

	for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++) {
		size_t n = strlen(binops[i].tok);

		if (n > best && !strncmp(s, binops[i].tok, n)) {
			best = n;
			found = (int)i;
		}
	}
	/* "<=" and friends are in the table; a lone "=" or "!" is none */
	if (found < 0 || binops[found].level != level)
		return -1;
	return found;
}

static int parse_level(struct lexer *lx, int level)
{
	const char *at;
	int a, b, i, n;

	if (level == LEVELS)
		return parse_unary(lx);
	a = parse_level(lx, level + 1);
	for (;;) {
		if (a < 0)
			return a;
		skip_space(lx);
		at = lx->s;
		i = binop_at(at, level);
		if (i < 0)
			return a;
		lx->s += strlen(binops[i].tok);
		b = parse_level(lx, level + 1);
		if (b < 0)
			return b;
		n = new_node(lx, at, EXPR_BINARY, binops[i].op);
		if (n < 0)
			return n;
		lx->e->nodes[n].a = a;
		lx->e->nodes[n].b = b;
		a = n;
	}
}

static int parse_cond(struct lexer *lx)
{
	const char *at;
	int a, b, c, n;

	if (++lx->depth > MAX_DEPTH)
		return fail_at(lx, lx->s, "nested more than %d deep", MAX_DEPTH);
	a = parse_level(lx, 0);
	if (a < 0)
		return a;
	skip_space(lx);
	at = lx->s;
	if (*at != '?') {
		lx->depth--;
		return a;
	}
	lx->s++;
	b = parse_cond(lx);
	if (b < 0)
		return b;
	skip_space(lx);
	if (*lx->s != ':')
		return fail_at(lx, lx->s, "\"?\" at column %d needs \": ELSE\"",
			       (int)(at - lx->text) + 1);
	lx->s++;
	c = parse_cond(lx);
	if (c < 0)
		return c;
	n = new_node(lx, at, EXPR_COND, EXPR_OP_NONE);
	if (n < 0)
		return n;
	lx->e->nodes[n].a = a;
	lx->e->nodes[n].b = b;
	lx->e->nodes[n].c = c;
	lx->depth--;
	return n;
}

int expr__parse(const char *text, struct expr *out, char *err, size_t errlen)
{
	struct lexer lx = { .text = text, .s = text, .e = out, .err = err, .errlen = errlen };
	int n;

	memset(out, 0, sizeof(*out));
	if (strlen(text) > EXPR_MAX_TEXT)
		return fail_at(&lx, text + EXPR_MAX_TEXT,
			       "the expression is longer than %d characters", EXPR_MAX_TEXT);
	n = parse_cond(&lx);
	if (n < 0)
		return n;
	skip_space(&lx);
	if (*lx.s == '=')
		return fail_at(&lx, lx.s, "compare with ==, not =");
	if (*lx.s == ')')
		return fail_at(&lx, lx.s, "\")\" without \"(\"");
	if (*lx.s)
		return fail_at(&lx, lx.s, "expected an operator, got \"%.8s\"", lx.s);
	out->root = n;
	return 0;
}

bool expr__is_expr(const char *text)
{
	const char *s = text, *end;

	while (isspace((unsigned char)*s))
		s++;
	end = source_end(s);
	/* a cast or fetch arg that does not close: the path parser explains */
	if (!end && ((!strncmp(s, "((", 2) && opens_cast(s)) || is_fetch(s)))
		return false;
	/* +8 args.x: a fetch arg without its parenthesis, not a sum */
	if (!end && (*s == '+' || *s == '-') && isdigit((unsigned char)s[1])) {
		for (end = s + 1; isalnum((unsigned char)*end); end++)
			;
		while (isspace((unsigned char)*end))
			end++;
		return !is_id_start(*end) && *end != '(';
	}
	/* no source first: a number, a parenthesis, a unary operator */
	if (!end || end == s)
		return *s && strchr("0123456789(-~!+", *s);
	while (isspace((unsigned char)*end))
		end++;
	/* an operator, or a word followed by "(": min(...), max(...) or an unknown function;
	 * anything else is a malformed source, which the source parser explains */
	return *end && strchr("+-*/%&|^<>=!?(", *end);
}

/* ---- compile -------------------------------------------------------------- */

/* Signedness of a value: literals >= 0 and truth values take the other operand's. */
enum sign { S_NEUTRAL, S_UNSIGNED, S_SIGNED };

static enum sign join(enum sign a, enum sign b)
{
	return a > b ? a : b;
}

struct compiler {
	const struct expr *e;
	const bool *src_signed;
	struct bpfprom_expr *out;
	uint32_t sp; /* operands on the stack, acc excluded */
	uint32_t max_sp;
	bool acc_live;
	bool too_many;
};

static enum sign sign_of(const struct compiler *c, int n)
{
	const struct expr_node *x = &c->e->nodes[n];

	switch (x->kind) {
	case EXPR_LIT:
		return x->lit_neg ? S_SIGNED : S_NEUTRAL;
	case EXPR_SRC:
		return c->src_signed[x->src] ? S_SIGNED : S_UNSIGNED;
	case EXPR_UNARY:
		return x->op == EXPR_OP_LNOT ? S_NEUTRAL : sign_of(c, x->a);
	case EXPR_COND:
		return join(sign_of(c, x->b), sign_of(c, x->c));
	default:
		break;
	}
	switch (x->op) {
	case EXPR_OP_EQ:
	case EXPR_OP_NE:
	case EXPR_OP_LT:
	case EXPR_OP_LE:
	case EXPR_OP_GT:
	case EXPR_OP_GE:
	case EXPR_OP_LAND:
	case EXPR_OP_LOR:
		return S_NEUTRAL;
	case EXPR_OP_SHL:
	case EXPR_OP_SHR:
		return sign_of(c, x->a);
	default:
		return join(sign_of(c, x->a), sign_of(c, x->b));
	}
}

static void emit(struct compiler *c, enum bpfprom_xop op, uint8_t mode, uint64_t lit)
{
	struct bpfprom_expr *o = c->out;

	if (o->nops >= BPFPROM_MAX_XOPS) {
		c->too_many = true;
		return;
	}
	o->op[o->nops] = (uint8_t)op;
	o->mode[o->nops] = mode;
	o->lit[o->nops] = lit;
	o->nops++;
}

static bool is_leaf(const struct compiler *c, int n)
{
	return c->e->nodes[n].kind == EXPR_LIT || c->e->nodes[n].kind == EXPR_SRC;
}

static uint8_t leaf_mode(const struct compiler *c, int n, uint64_t *lit)
{
	const struct expr_node *x = &c->e->nodes[n];

	*lit = x->kind == EXPR_LIT ? x->lit : 0;
	return x->kind == EXPR_LIT ? BPFPROM_XM_LIT : (uint8_t)(BPFPROM_XM_SRC + x->src);
}

static void gen(struct compiler *c, int n);

static void gen_leaf(struct compiler *c, int n)
{
	uint64_t lit;
	uint8_t mode = leaf_mode(c, n, &lit);

	if (c->acc_live) {
		c->sp++;
		if (c->sp > c->max_sp)
			c->max_sp = c->sp;
	}
	emit(c, c->acc_live ? BPFPROM_XOP_PUSH : BPFPROM_XOP_LOAD, mode, lit);
	c->acc_live = true;
}

static enum bpfprom_xop xop_of(enum expr_op op, bool sgn)
{
	switch (op) {
	case EXPR_OP_ADD:
		return BPFPROM_XOP_ADD;
	case EXPR_OP_SUB:
		return BPFPROM_XOP_SUB;
	case EXPR_OP_MUL:
		return BPFPROM_XOP_MUL;
	case EXPR_OP_DIV:
		return sgn ? BPFPROM_XOP_SDIV : BPFPROM_XOP_UDIV;
	case EXPR_OP_MOD:
		return sgn ? BPFPROM_XOP_SMOD : BPFPROM_XOP_UMOD;
	case EXPR_OP_AND:
		return BPFPROM_XOP_AND;
	case EXPR_OP_OR:
		return BPFPROM_XOP_OR;
	case EXPR_OP_XOR:
		return BPFPROM_XOP_XOR;
	case EXPR_OP_SHL:
		return BPFPROM_XOP_SHL;
	case EXPR_OP_SHR:
		return sgn ? BPFPROM_XOP_SAR : BPFPROM_XOP_SHR;
	case EXPR_OP_EQ:
		return BPFPROM_XOP_EQ;
	case EXPR_OP_NE:
		return BPFPROM_XOP_NE;
	case EXPR_OP_LT:
		return sgn ? BPFPROM_XOP_SLT : BPFPROM_XOP_ULT;
	case EXPR_OP_LE:
		return sgn ? BPFPROM_XOP_SLE : BPFPROM_XOP_ULE;
	case EXPR_OP_GT:
		return sgn ? BPFPROM_XOP_SGT : BPFPROM_XOP_UGT;
	case EXPR_OP_GE:
		return sgn ? BPFPROM_XOP_SGE : BPFPROM_XOP_UGE;
	case EXPR_OP_LAND:
		return BPFPROM_XOP_LAND;
	case EXPR_OP_LOR:
		return BPFPROM_XOP_LOR;
	case EXPR_OP_MIN:
		return sgn ? BPFPROM_XOP_SMIN : BPFPROM_XOP_UMIN;
	case EXPR_OP_MAX:
		return sgn ? BPFPROM_XOP_SMAX : BPFPROM_XOP_UMAX;
	case EXPR_OP_NEG:
		return BPFPROM_XOP_NEG;
	case EXPR_OP_NOT:
		return BPFPROM_XOP_NOT;
	default:
		return BPFPROM_XOP_LNOT;
	}
}

static void gen(struct compiler *c, int n)
{
	const struct expr_node *x = &c->e->nodes[n];
	enum sign s;
	uint64_t lit;
	uint8_t mode;

	switch (x->kind) {
	case EXPR_LIT:
	case EXPR_SRC:
		gen_leaf(c, n);
		return;
	case EXPR_UNARY:
		gen(c, x->a);
		emit(c, xop_of(x->op, false), BPFPROM_XM_STACK, 0);
		return;
	case EXPR_COND:
		/* cond, then pushed; acc = else; SEL pops both */
		gen(c, x->a);
		gen(c, x->b);
		gen(c, x->c);
		emit(c, BPFPROM_XOP_SEL, BPFPROM_XM_STACK, 0);
		c->sp -= 2;
		return;
	case EXPR_BINARY:
		break;
	}
	/* shifts: the left operand's sign; the others: both operands' */
	s = x->op == EXPR_OP_SHL || x->op == EXPR_OP_SHR ? sign_of(c, x->a) :
							   join(sign_of(c, x->a), sign_of(c, x->b));
	gen(c, x->a);
	if (is_leaf(c, x->b)) {
		mode = leaf_mode(c, x->b, &lit);
		emit(c, xop_of(x->op, s == S_SIGNED), mode, lit);
		return;
	}
	gen(c, x->b);
	emit(c, xop_of(x->op, s == S_SIGNED), BPFPROM_XM_STACK, 0);
	c->sp--;
}

int expr__compile(const struct expr *e, const bool *src_signed, struct bpfprom_expr *out,
		  bool *is_signed, char *err, size_t errlen)
{
	struct compiler c = { .e = e, .src_signed = src_signed, .out = out };

	out->nops = 0;
	out->nsrc = (uint32_t)e->nsrcs;
	gen(&c, e->root);
	if (c.too_many) {
		snprintf(
			err, errlen,
			"the expression needs more than %d operations; an expression is at most %d (each operator, and each operand that is not the right side of one, is one)",
			BPFPROM_MAX_XOPS, BPFPROM_MAX_XOPS);
		return -E2BIG;
	}
	if (c.max_sp > BPFPROM_XSTACK) {
		snprintf(
			err, errlen,
			"the expression keeps %u operands pending at once, more than %d; parenthesise it differently",
			c.max_sp, BPFPROM_XSTACK);
		return -E2BIG;
	}
	/* a result of neutral sign (literals, truth values) is an int, signed as in C */
	*is_signed = sign_of(&c, e->root) != S_UNSIGNED;
	return 0;
}

/* ---- reference interpreter -------------------------------------------------- */

static uint64_t uabs(uint64_t v)
{
	return (int64_t)v < 0 ? -v : v;
}

uint64_t expr__run(const struct bpfprom_expr *e, const uint64_t *v)
{
	uint64_t st[BPFPROM_XSTACK], acc = 0, x, l, r;
	uint32_t sp = 0;

	for (uint32_t i = 0; i < e->nops && i < BPFPROM_MAX_XOPS; i++) {
		uint8_t op = e->op[i], mode = e->mode[i];

		x = mode == BPFPROM_XM_LIT			    ? e->lit[i] :
		    mode >= BPFPROM_XM_SRC && mode < BPFPROM_XM_LIT ? v[mode - BPFPROM_XM_SRC] :
								      0;
		if (op == BPFPROM_XOP_LOAD) {
			acc = x;
			continue;
		}
		if (op == BPFPROM_XOP_PUSH) {
			st[sp++ % BPFPROM_XSTACK] = acc;
			acc = x;
			continue;
		}
		if (op == BPFPROM_XOP_SEL) {
			sp -= 2;
			acc = st[sp % BPFPROM_XSTACK] ? st[(sp + 1) % BPFPROM_XSTACK] : acc;
			continue;
		}
		if (mode == BPFPROM_XM_STACK && op < BPFPROM_XOP_NEG) {
			l = st[--sp % BPFPROM_XSTACK];
			r = acc;
		} else {
			l = acc;
			r = x;
		}
		switch (op) {
		case BPFPROM_XOP_ADD:
			acc = l + r;
			break;
		case BPFPROM_XOP_SUB:
			acc = l - r;
			break;
		case BPFPROM_XOP_MUL:
			acc = l * r;
			break;
		case BPFPROM_XOP_UDIV:
			acc = r ? l / r : 0;
			break;
		case BPFPROM_XOP_SDIV:
			acc = r ? uabs(l) / uabs(r) : 0;
			acc = (int64_t)(l ^ r) < 0 ? -acc : acc;
			break;
		case BPFPROM_XOP_UMOD:
			acc = r ? l % r : 0;
			break;
		case BPFPROM_XOP_SMOD:
			acc = r ? uabs(l) % uabs(r) : 0;
			acc = (int64_t)l < 0 ? -acc : acc;
			break;
		case BPFPROM_XOP_AND:
			acc = l & r;
			break;
		case BPFPROM_XOP_OR:
			acc = l | r;
			break;
		case BPFPROM_XOP_XOR:
			acc = l ^ r;
			break;
		case BPFPROM_XOP_SHL:
			acc = r < 64 ? l << r : 0;
			break;
		case BPFPROM_XOP_SHR:
			acc = r < 64 ? l >> r : 0;
			break;
		case BPFPROM_XOP_SAR:
			acc = (uint64_t)((int64_t)l >> (r < 64 ? r : 63));
			break;
		case BPFPROM_XOP_EQ:
			acc = l == r;
			break;
		case BPFPROM_XOP_NE:
			acc = l != r;
			break;
		case BPFPROM_XOP_ULT:
			acc = l < r;
			break;
		case BPFPROM_XOP_ULE:
			acc = l <= r;
			break;
		case BPFPROM_XOP_UGT:
			acc = l > r;
			break;
		case BPFPROM_XOP_UGE:
			acc = l >= r;
			break;
		case BPFPROM_XOP_SLT:
			acc = (int64_t)l < (int64_t)r;
			break;
		case BPFPROM_XOP_SLE:
			acc = (int64_t)l <= (int64_t)r;
			break;
		case BPFPROM_XOP_SGT:
			acc = (int64_t)l > (int64_t)r;
			break;
		case BPFPROM_XOP_SGE:
			acc = (int64_t)l >= (int64_t)r;
			break;
		case BPFPROM_XOP_LAND:
			acc = l && r;
			break;
		case BPFPROM_XOP_LOR:
			acc = l || r;
			break;
		case BPFPROM_XOP_UMIN:
			acc = l < r ? l : r;
			break;
		case BPFPROM_XOP_UMAX:
			acc = l > r ? l : r;
			break;
		case BPFPROM_XOP_SMIN:
			acc = (int64_t)l < (int64_t)r ? l : r;
			break;
		case BPFPROM_XOP_SMAX:
			acc = (int64_t)l > (int64_t)r ? l : r;
			break;
		case BPFPROM_XOP_NEG:
			acc = -acc;
			break;
		case BPFPROM_XOP_NOT:
			acc = ~acc;
			break;
		case BPFPROM_XOP_LNOT:
			acc = !acc;
			break;
		default:
			break;
		}
	}
	return acc;
}
