// SPDX-License-Identifier: GPL-2.0
/*
 * config: sources (comm, pid, argN, args.FIELD, str(...), latency...) and
 * which probes of a metric can provide them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* The sources written as one fixed word. */
static const enum bpfprom_src word_sources[] = {
	BPFPROM_SRC_COMM,   BPFPROM_SRC_PID,	 BPFPROM_SRC_TID,    BPFPROM_SRC_UID,
	BPFPROM_SRC_GID,    BPFPROM_SRC_CPU,	 BPFPROM_SRC_CGROUP, BPFPROM_SRC_PROBE,
	BPFPROM_SRC_RETVAL, BPFPROM_SRC_LATENCY, BPFPROM_SRC_TASK,   BPFPROM_SRC_PERIOD,
	BPFPROM_SRC_FUNC,   BPFPROM_SRC_KSTACK,	 BPFPROM_SRC_USTACK, BPFPROM_SRC_UIP,
};

/* What did-you-mean compares an unknown source against. */
static const char *const source_candidates[] = {
	"comm",	  "pid",     "tid",  "uid",    "gid",  "cpu",	 "cgroup", "probe",
	"retval", "latency", "arg0", "arg1",   "arg2", "arg3",	 "arg4",   "arg5",
	"args",	  "str",     "task", "period", "func", "kstack", "ustack", "uip",
};

#define SOURCE_LIST                                                                               \
	"comm, pid, tid, uid, gid, cpu, cgroup, probe, func, retval, latency, argN, args.FIELD, " \
	"str(argN), str(args.FIELD), task, SRC->member, +OFF(SRC):TYPE, period, kstack, ustack, uip"

/* ---- sources ----------------------------------------------------------- */

static int parse_argn(struct parser *p, const yaml_node_t *node, const char *path, const char *text,
		      const char *s, uint32_t *argn)
{
	uint64_t n;

	if (!*s)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" needs an argument index; write arg0 .. arg5 (usdt: .. arg11)",
			text);
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1]) || yamldoc__parse_u64(s, &n))
		return -ENOENT; /* not argN at all: let the caller say what it is */
	/* 0..5 for functions (checked against the probes), 0..11 for usdt */
	if (n > 11)
		return yamldoc__fail(p->doc, node, path,
				     "arg%s: argument index must be 0..5 (usdt probes: 0..11)", s);
	*argn = (uint32_t)n;
	return 0;
}

static int parse_field(struct parser *p, const yaml_node_t *node, const char *path,
		       const char *text, const char *field, struct cfg_source *src)
{
	if (!*field)
		return yamldoc__fail(p->doc, node, path,
				     "\"%s\" needs a field name; write args.FIELD, e.g. args.ret",
				     text);
	if (!is_ident(field, false))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": \"%s\" is not a valid field name; write args.FIELD with FIELD a tracepoint field, e.g. args.ret",
			text, field);
	src->field = strdup(field);
	return src->field ? 0 : yamldoc__oom(p->doc);
}

/* A field path or fetch arg; in_str: the inside of str(). */
static int parse_path_source(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, const char *inner, size_t len, bool in_str,
			     struct cfg_source *src)
{
	char err[320], *t = strndup(inner, len);
	bool is_str = false;
	int ret;

	src->path = calloc(1, sizeof(*src->path));
	if (!t || !src->path) {
		free(t);
		return yamldoc__oom(p->doc);
	}
	ret = config__parse_path(t, src->path, &is_str, err, sizeof(err));
	free(t);
	if (ret)
		return yamldoc__fail(p->doc, node, path, "%s", err);
	if (in_str && src->path->fetch)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": a fetch arg reads a string with :string or :ustring, not str(); write %.*s:string",
			text, (int)len, inner);
	src->kind = in_str || is_str ? BPFPROM_SRC_STR_PATH : BPFPROM_SRC_PATH;
	src->text = strdup(text);
	return src->text ? 0 : yamldoc__oom(p->doc);
}

/* str(argN) or str(args.FIELD): a NUL-terminated string read from memory. */
static int parse_str_source(struct parser *p, const yaml_node_t *node, const char *path,
			    const char *text, struct cfg_source *src)
{
	size_t len = strlen(text);
	char inner[KEYWORD_MAX + 1];
	int ret;

	if (len < 5 || text[len - 1] != ')')
		goto bad;
	snprintf(inner, sizeof(inner), "%.*s", (int)(len - 5), text + 4);
	/* str(until.X): the string X at the end of a pair */
	if (!strncmp(text + 4, "until.", 6)) {
		char *t = malloc(len);

		if (!t)
			return yamldoc__oom(p->doc);
		snprintf(t, len, "str(%s", text + 10);
		ret = parse_str_source(p, node, path, t, src);
		free(t);
		if (!ret && src->text) {
			free(src->text);
			src->text = strdup(text);
			if (!src->text)
				return yamldoc__oom(p->doc);
		}
		src->at_end = true;
		return ret;
	}
	/*
	 * str(retval): the string a function returned, the fetch arg
	 * +0(retval):string (user memory on uretprobes, kernel on kretprobes)
	 */
	if (!strcmp(inner, "retval")) {
		static const char fetch[] = "+0(retval):string";

		return parse_path_source(p, node, path, text, fetch, sizeof(fetch) - 1, false, src);
	}
	if (config__is_path(inner))
		return parse_path_source(p, node, path, text, text + 4, len - 5, true, src);
	if (len - 5 > KEYWORD_MAX)
		goto bad;
	snprintf(inner, sizeof(inner), "%.*s", (int)(len - 5), text + 4);
	if (!strncmp(inner, "args.", 5)) {
		src->kind = BPFPROM_SRC_STR_FIELD;
		return parse_field(p, node, path, text, inner + 5, src);
	}
	if (!strncmp(inner, "arg", 3)) {
		ret = parse_argn(p, node, path, text, inner + 3, &src->argn);
		if (ret != -ENOENT) {
			src->kind = BPFPROM_SRC_STR_ARG;
			return ret;
		}
	}
bad:
	return yamldoc__fail(
		p->doc, node, path,
		"\"%s\": str() takes argN, retval, args.FIELD or a field path, e.g. str(arg0), str(retval), str(args.filename) or str(task->comm)",
		text);
}

/*
 * Where column col (1-based) of a scalar's text is in the file: exact for
 * a plain or quoted scalar on one line, else the scalar's start.
 */
static yaml_mark_t text_mark(const yaml_node_t *node, uint32_t col)
{
	yaml_mark_t m = node->start_mark;

	if (node->type != YAML_SCALAR_NODE ||
	    memchr(node->data.scalar.value, '\n', node->data.scalar.length))
		return m;
	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		m.column += col - 1;
	else if (node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		 node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		m.column += col;
	return m;
}

/* err from expr: "column N: ...", positioned at that column */
static int fail_expr(struct parser *p, const yaml_node_t *node, const char *path, const char *text,
		     const char *err)
{
	unsigned col = 1;

	sscanf(err, "column %u", &col);
	return yamldoc__fail_mark(p->doc, text_mark(node, col), path, "\"%s\": %s", text, err);
}

/* An operand: any integer source that is read, not one that is a string,
 * a stack, a name looked up later or a time between two events. */
static int check_operand(struct parser *p, const yaml_node_t *node, const char *path,
			 const char *text, const char *op_text, uint32_t col,
			 const struct cfg_source *src)
{
	const char *why = NULL;

	if (is_string_src(src->kind))
		why = "is a string; arithmetic takes integer sources only";
	else if (is_stack_src(src->kind))
		why = "is a stack, not a number";
	else if (src->kind == BPFPROM_SRC_LATENCY)
		why = "is only known when an interval ends and cannot be computed with; make latency the whole value";
	else if (src->kind == BPFPROM_SRC_FUNC)
		why = "is a name looked up at scrape time, not a number";
	if (!why)
		return 0;
	return yamldoc__fail_mark(p->doc, text_mark(node, col), path, "\"%s\": column %u: %s %s",
				  text, col, op_text, why);
}

/*
 * An expression over sources and literals: its tree (expr.c), then each
 * distinct operand parsed as the source it is, and the program compiled
 * once to check the caps (the ops do not depend on the operands' signs).
 */
static int parse_expr_source(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, struct cfg_source *src)
{
	bool sgn[BPFPROM_MAX_XSRC] = {}, is_signed;
	struct bpfprom_expr prog = {};
	struct cfg_expr *x;
	char err[448];
	size_t k;
	int ret;

	x = calloc(1, sizeof(*x));
	src->text = strdup(text);
	if (!x || !src->text) {
		free(x);
		return yamldoc__oom(p->doc);
	}
	src->expr = x;
	src->kind = BPFPROM_SRC_EXPR;
	if (expr__parse(text, &x->e, err, sizeof(err)))
		return fail_expr(p, node, path, text, err);
	if (expr__compile(&x->e, sgn, &prog, &is_signed, err, sizeof(err)))
		return yamldoc__fail(p->doc, node, path, "\"%s\": %s", text, err);
	for (k = 0; k < x->e.nsrcs; k++) {
		const struct expr_src *es = &x->e.srcs[k];
		char *t = strndup(text + es->off, es->len);

		if (!t)
			return yamldoc__oom(p->doc);
		ret = config_parse_source(p, node, path, t, &x->srcs[k]);
		if (!ret)
			ret = check_operand(p, node, path, text, t, es->off + 1, &x->srcs[k]);
		/* the operand's own text, for the messages about it */
		if (!x->srcs[k].text)
			x->srcs[k].text = t;
		else
			free(t);
		if (ret)
			return ret;
		/* until. is per operand; the program reads an expression at
		 * one end of a pair */
		if (k && x->srcs[k].at_end != x->srcs[0].at_end)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": an expression is read at one end of a pair: its operands are all until. or none",
				text);
		src->at_end = x->srcs[k].at_end;
	}
	return 0;
}

int config_parse_source(struct parser *p, const yaml_node_t *node, const char *path,
			const char *text, struct cfg_source *src)
{
	size_t i;
	int ret;

	src->pos = node_pos(node);
	if (expr__is_expr(text))
		return parse_expr_source(p, node, path, text, src);
	/* until.X: X read at the end of a pair rather than at its start */
	if (!strncmp(text, "until.", 6)) {
		ret = config_parse_source(p, node, path, text + 6, src);
		if (!ret && src->text) {
			free(src->text);
			src->text = strdup(text);
			if (!src->text)
				return yamldoc__oom(p->doc);
		}
		if (ret)
			return ret;
		if (src->at_end)
			return yamldoc__fail(p->doc, node, path,
					     "\"%s\": until. once is enough; write %s", text,
					     text + 6);
		if (src->kind == BPFPROM_SRC_KSTACK || src->kind == BPFPROM_SRC_USTACK)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": a stack is taken at the start of a pair; write %s", text,
				text + 6);
		if (src->kind == BPFPROM_SRC_PROBE || src->kind == BPFPROM_SRC_FUNC)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": %s names a start probe; it cannot be read at the end (until.), write %s",
				text, text + 6, text + 6);
		src->at_end = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(word_sources); i++) {
		if (!strcmp(text, config_src_names[word_sources[i]])) {
			src->kind = word_sources[i];
			return 0;
		}
	}
	if (!strncmp(text, "str(", 4))
		return parse_str_source(p, node, path, text, src);
	if (config__is_path(text))
		return parse_path_source(p, node, path, text, text, strlen(text), false, src);
	if (!strcmp(text, "args"))
		return parse_field(p, node, path, text, "", src);
	if (!strncmp(text, "args.", 5)) {
		src->kind = BPFPROM_SRC_FIELD;
		return parse_field(p, node, path, text, text + 5, src);
	}
	if (!strncmp(text, "arg", 3)) {
		ret = parse_argn(p, node, path, text, text + 3, &src->argn);
		if (ret != -ENOENT) {
			src->kind = BPFPROM_SRC_ARG;
			return ret;
		}
	}
	return yamldoc__fail_unknown(p->doc, node, path, "source", text, source_candidates,
				     ARRAY_SIZE(source_candidates), SOURCE_LIST,
				     YAMLDOC_LIST_ALWAYS);
}

/*
 * Arguments exist at function entry, return values at return, fields in a
 * tracepoint's record: every probe of the metric, until included, must be able
 * to provide the source.
 */
int config_check_source_probe(struct parser *p, const struct cfg_probe *pr, const char *which,
			      const struct cfg_source *src, const char *text,
			      const yaml_node_t *node, const char *path)
{
	const char *kind = config_probe_kind_names[pr->kind];
	enum bpfprom_src sk = src->kind;
	int ret;

	/* an expression reads what each of its operands can */
	if (src->expr) {
		for (size_t k = 0; k < src->expr->e.nsrcs; k++) {
			ret = config_check_source_probe(p, pr, which, &src->expr->srcs[k],
							src->expr->srcs[k].text, node, path);
			if (ret)
				return ret;
		}
		return 0;
	}

	/* a path reads what its base can */
	if (src->path)
		sk = src->path->base;
	if (sk == BPFPROM_SRC_PERIOD && !is_sample_probe(pr->kind))
		return yamldoc__fail(
			p->doc, node, path,
			"period is the sample period of profile, software and hardware probes, but %s \"%s\" is a %s; use aggregate: count to count its events",
			which, pr->spec, kind);
	if (is_sample_probe(pr->kind) &&
	    (sk == BPFPROM_SRC_ARG || sk == BPFPROM_SRC_STR_ARG || sk == BPFPROM_SRC_RETVAL ||
	     sk == BPFPROM_SRC_FIELD || sk == BPFPROM_SRC_STR_FIELD))
		return yamldoc__fail(
			p->doc, node, path,
			"%s: %s \"%s\" is a %s probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->...",
			text, which, pr->spec, kind);
	switch (sk) {
	case BPFPROM_SRC_ARG:
	case BPFPROM_SRC_STR_ARG:
		if (pr->kind == CFG_PROBE_USDT)
			return 0;
		/* registers carry 6; a USDT note describes up to 12 */
		if (is_entry_probe(pr->kind) && src->argn > 5)
			return yamldoc__fail(
				p->doc, node, path,
				"arg%u: %s \"%s\" is a %s, whose arguments are arg0..arg5 (the registers the calling convention passes them in); only usdt probes have arg6..arg11",
				src->argn, which, pr->spec, kind);
		if (is_entry_probe(pr->kind))
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"%s reads a function argument, so it needs kprobe or uprobe probes, but %s \"%s\" is a %s; %s",
			text, which, pr->spec, kind,
			pr->kind == CFG_PROBE_TRACEPOINT || pr->kind == CFG_PROBE_RAWTP ?
				"use args.FIELD to read a tracepoint's fields" :
				"arguments are gone when a function returns, probe its entry instead");
	case BPFPROM_SRC_RETVAL:
		if (is_return_probe(pr->kind))
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"retval needs kretprobe or uretprobe probes, but %s \"%s\" is a %s; %s",
			which, pr->spec, kind,
			pr->kind == CFG_PROBE_TRACEPOINT || pr->kind == CFG_PROBE_RAWTP ?
				"read the tracepoint's field instead, e.g. args.ret" :
				"probe the function's return with kretprobe: or uretprobe:");
	case BPFPROM_SRC_FIELD:
	case BPFPROM_SRC_STR_FIELD:
		if (pr->kind == CFG_PROBE_TRACEPOINT || pr->kind == CFG_PROBE_RAWTP)
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"%s reads a tracepoint field, so it needs tracepoint probes, but %s \"%s\" is a %s; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead",
			text, which, pr->spec, kind);
	default:
		return 0;
	}
}

/*
 * until.SRC: read at each until probe, or at the return of each start probe
 * (kprobes and uprobes: the return probes a pair then implies).
 */
static int check_end_source(struct parser *p, struct cfg_metric *m, const struct cfg_source *src,
			    const char *text, const yaml_node_t *node, const char *path)
{
	struct cfg_probe ret_probe;
	size_t i;
	int ret;

	for (i = 0; i < m->nuntil; i++) {
		ret = config_check_source_probe(p, config__until(m, i), "until", src, text, node,
						path);
		if (ret)
			return ret;
	}
	if (m->nuntil)
		return 0;
	for (i = 0; i < m->nprobes; i++) {
		if (!is_entry_probe(m->probes[i].kind))
			return yamldoc__fail(
				p->doc, node, path,
				"%s reads at the end of a pair, but this metric has no end: probe \"%s\" is a %s; add until: PROBE, or probe kprobes or uprobes (their return ends the pair), or drop until.",
				text, m->probes[i].spec,
				config_probe_kind_names[m->probes[i].kind]);
	}
	for (i = 0; i < m->nprobes; i++) {
		ret_probe = m->probes[i];
		ret_probe.kind = m->probes[i].kind == CFG_PROBE_KPROBE ? CFG_PROBE_KRETPROBE :
									 CFG_PROBE_URETPROBE;
		ret = config_check_source_probe(p, &ret_probe, "the return of", src, text, node,
						path);
		if (ret)
			return ret;
	}
	m->paired = true;
	return 0;
}

/*
 * A source is read at the metric's probes (a pair's start), or with
 * until. at the pair's end.
 */
int config_check_source_probes(struct parser *p, const struct cfg_metric *m,
			       const struct cfg_source *src, const char *text,
			       const yaml_node_t *node, const char *path)
{
	size_t i;
	int ret;

	if (src->at_end)
		return check_end_source(p, (struct cfg_metric *)m, src, text, node, path);
	if (p->only_probe)
		return config_check_source_probe(p, p->only_probe, "probe", src, text, node, path);
	for (i = 0; i < m->nprobes; i++) {
		ret = config_check_source_probe(p, &m->probes[i], "probe", src, text, node, path);
		if (ret)
			return ret;
	}
	return 0;
}
