// SPDX-License-Identifier: GPL-2.0
/*
 * config: the syntax of field paths (task->real_parent->tgid,
 * ((struct sk_buff *)args.skbaddr)->len, arg0->f_path.dentry->d_name.name)
 * and of eprobe-style fetch args (+0(args.filename):ustring). Pure: what the
 * names mean is the plan's business, against the kernel's BTF.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

struct cursor {
	const char *s; /* where parsing is */
	const char *text; /* the whole path, for messages */
	struct cfg_path *out;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int bad(struct cursor *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "\"%s\": %s", c->text, msg);
	return -EINVAL;
}

static bool ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* An identifier into name (CFG_PATH_NAME_MAX bytes); what: for the message. */
static int ident(struct cursor *c, char *name, const char *what)
{
	size_t n = 0;

	if (!ident_start(*c->s))
		return bad(c, "expected %s at \"%s\"", what, c->s);
	while (ident_char(c->s[n]))
		n++;
	if (n >= CFG_PATH_NAME_MAX)
		return bad(c, "%s \"%.*s\" is longer than %d characters", what, (int)n, c->s,
			   CFG_PATH_NAME_MAX - 1);
	memcpy(name, c->s, n);
	name[n] = '\0';
	c->s += n;
	return 0;
}

/* Decimal or 0x hex, at most INT32_MAX: an offset or index. */
static int number(struct cursor *c, int64_t *out, const char *what)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*c->s))
		return bad(c, "expected %s (a number) at \"%s\"", what, c->s);
	errno = 0;
	v = strtoull(c->s, &end, 0);
	if (errno || v > INT32_MAX)
		return bad(c, "%s %.*s is out of range (at most %d)", what, (int)(end - c->s), c->s,
			   INT32_MAX);
	*out = (int64_t)v;
	c->s = end;
	return 0;
}

/* argN, retval, args.FIELD or task. */
static int base(struct cursor *c)
{
	struct cfg_path *p = c->out;
	char word[CFG_PATH_NAME_MAX];
	int ret;

	ret = ident(c, word, "argN, retval, args.FIELD or task");
	if (ret)
		return ret;
	if (!strcmp(word, "task")) {
		p->base = BPFPROM_SRC_TASK;
		return 0;
	}
	if (!strcmp(word, "retval")) {
		p->base = BPFPROM_SRC_RETVAL;
		return 0;
	}
	if (!strcmp(word, "args")) {
		if (*c->s != '.')
			return bad(c, "args needs a field: args.FIELD");
		c->s++;
		p->base = BPFPROM_SRC_FIELD;
		return ident(c, p->field, "a field name after args.");
	}
	if (!strncmp(word, "arg", 3) && word[3] >= '0' && word[3] <= '5' && !word[4]) {
		p->base = BPFPROM_SRC_ARG;
		p->argn = (uint32_t)(word[3] - '0');
		return 0;
	}
	return bad(c, "a path starts at argN (N in 0..5), retval, args.FIELD or task, not \"%s\"",
		   word);
}

static int push(struct cursor *c, struct cfg_path_elem **e)
{
	if (c->out->nelems >= CFG_PATH_MAX_ELEMS)
		return bad(c, "more than %d elements", CFG_PATH_MAX_ELEMS);
	*e = &c->out->elems[c->out->nelems++];
	memset(*e, 0, sizeof(**e));
	return 0;
}

/* ->NAME, .NAME and [N], as many as written. */
static int tail(struct cursor *c)
{
	struct cfg_path_elem *e = NULL;
	int ret;

	while (*c->s) {
		ret = push(c, &e);
		if (ret)
			return ret;
		if (c->s[0] == '-' && c->s[1] == '>') {
			e->op = CFG_PATH_ARROW;
			c->s += 2;
			ret = ident(c, e->name, "a member name after ->");
		} else if (c->s[0] == '.') {
			e->op = CFG_PATH_DOT;
			c->s++;
			ret = ident(c, e->name, "a member name after .");
		} else if (c->s[0] == '[') {
			e->op = CFG_PATH_INDEX;
			c->s++;
			ret = number(c, &e->num, "an index");
			if (!ret && *c->s != ']')
				ret = bad(c, "expected ] after the index at \"%s\"", c->s);
			c->s++;
		} else {
			return bad(c, "expected ->member, .member or [index] at \"%s\"", c->s);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* ((struct T *)SRC) or ((T *)SRC), as bpftrace writes a cast. */
static int cast(struct cursor *c)
{
	struct cfg_path *p = c->out;
	char name[CFG_PATH_NAME_MAX];
	const char *kw = "";
	int ret;

	c->s += 2;
	if (!strncmp(c->s, "struct ", 7))
		kw = "struct ";
	else if (!strncmp(c->s, "union ", 6))
		kw = "union ";
	c->s += strlen(kw);
	while (*c->s == ' ')
		c->s++;
	ret = ident(c, name, "a type name in the cast");
	if (ret)
		return ret;
	snprintf(p->cast, sizeof(p->cast), "%s%s", kw, name);
	while (*c->s == ' ')
		c->s++;
	if (*c->s != '*')
		return bad(c, "a cast is to a pointer: write ((%s *)SRC)", p->cast);
	c->s++;
	while (*c->s == ' ')
		c->s++;
	if (*c->s != ')')
		return bad(c, "expected ) after the cast's type at \"%s\"", c->s);
	c->s++;
	ret = base(c);
	if (ret)
		return ret;
	if (*c->s != ')')
		return bad(c, "expected ) closing the cast at \"%s\"", c->s);
	c->s++;
	return 0;
}

/* +OFF(INNER), -OFF(INNER), +uOFF(INNER): INNER a base or a fetch. */
static int fetch(struct cursor *c, int depth)
{
	struct cfg_path_elem *e = NULL;
	bool neg = *c->s == '-', user = false;
	int64_t off;
	int ret;

	if (depth >= CFG_PATH_MAX_ELEMS)
		return bad(c, "more than %d nested fetches", CFG_PATH_MAX_ELEMS);
	c->s++;
	if (*c->s == 'u') {
		user = true;
		c->s++;
	}
	ret = number(c, &off, "an offset");
	if (ret)
		return ret;
	if (*c->s != '(')
		return bad(c, "expected ( after the offset at \"%s\"", c->s);
	c->s++;
	if (*c->s == '+' || *c->s == '-')
		ret = fetch(c, depth + 1);
	else
		ret = base(c);
	if (ret)
		return ret;
	if (*c->s != ')')
		return bad(c, "expected ) at \"%s\"", c->s);
	c->s++;
	ret = push(c, &e);
	if (ret)
		return ret;
	e->op = CFG_PATH_FETCH;
	e->num = neg ? -off : off;
	e->user = user;
	return 0;
}

/* :u8 .. :u64, :s8 .. :s64, :x8 .. :x64, :string, :ustring */
static int fetch_type(struct cursor *c, bool *is_str)
{
	struct cfg_path *p = c->out;
	const char *t = c->s;

	p->fetch_size = 8;
	if (!*t)
		return 0;
	if (*t != ':')
		return bad(c, "expected :TYPE or the end after the fetch at \"%s\"", t);
	t++;
	if (!strcmp(t, "string") || !strcmp(t, "ustring")) {
		p->fetch_size = 0;
		p->fetch_user_str = *t == 'u';
		*is_str = true;
		return 0;
	}
	if ((*t == 'u' || *t == 's' || *t == 'x') &&
	    (!strcmp(t + 1, "8") || !strcmp(t + 1, "16") || !strcmp(t + 1, "32") ||
	     !strcmp(t + 1, "64"))) {
		p->fetch_size = (uint32_t)atoi(t + 1) / 8;
		p->fetch_signed = *t == 's';
		return 0;
	}
	return bad(
		c,
		"unknown type \"%s\"; fetch types are u8, u16, u32, u64, s8 .. s64, x8 .. x64, string, ustring",
		t);
}

bool config__is_path(const char *text)
{
	return strstr(text, "->") || strchr(text, '[') || !strncmp(text, "((", 2) ||
	       ((text[0] == '+' || text[0] == '-') &&
		(isdigit((unsigned char)text[1]) || text[1] == 'u'));
}

int config__parse_path(const char *text, struct cfg_path *out, bool *is_str, char *err,
		       size_t errlen)
{
	struct cursor c = { .s = text, .text = text, .out = out, .err = err, .errlen = errlen };
	int ret;

	memset(out, 0, sizeof(*out));
	*is_str = false;
	if (*text == '+' || *text == '-') {
		out->fetch = true;
		ret = fetch(&c, 0);
		return ret ? ret : fetch_type(&c, is_str);
	}
	ret = !strncmp(text, "((", 2) ? cast(&c) : base(&c);
	if (ret)
		return ret;
	if (!*c.s && !out->cast[0])
		return bad(&c, "a path needs ->member, .member or [index] after its start");
	return tail(&c);
}
