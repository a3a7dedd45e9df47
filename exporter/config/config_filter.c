// SPDX-License-Identifier: GPL-2.0
/*
 * config: filters, SOURCE OP LITERAL, with the literal checked against what
 * the source can ever be.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

#define OP_LIST "== != < <= > >="

/* ---- filters ----------------------------------------------------------- */

static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* "...": the escapes a config needs, nothing that could hide a typo. */
static int parse_str_literal(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, const char *s, struct cfg_filter *f)
{
	char *o;
	size_t n;

	f->sval = malloc(strlen(s) + 1);
	if (!f->sval)
		return yamldoc__oom(p->doc);
	o = f->sval;
	for (s++; *s && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case '"':
		case '\\':
			*o++ = *s;
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case '\0':
			return yamldoc__fail(p->doc, node, path,
					     "'%s': the string is missing its closing '\"'", text);
		default:
			n = utf8_len((unsigned char)*s);
			return yamldoc__fail(
				p->doc, node, path,
				"'%s': unknown escape \"\\%.*s\" in the string; only \\\" \\\\ \\n \\t are allowed",
				text, (int)n, s);
		}
	}
	*o = '\0';
	if (*s != '"')
		return yamldoc__fail(p->doc, node, path,
				     "'%s': the string is missing its closing '\"'", text);
	for (s++; isspace((unsigned char)*s); s++)
		;
	if (*s)
		return yamldoc__fail(
			p->doc, node, path,
			"'%s': unexpected text \"%s\" after the closing quote; remove it", text, s);
	f->is_str = true;
	return 0;
}

static int parse_int_literal(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, const char *s, struct cfg_filter *f)
{
	size_t len = strlen(s);
	char *lit;
	int ret;

	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	lit = strndup(s, len);
	if (!lit)
		return yamldoc__oom(p->doc);
	ret = yamldoc__parse_i64(lit, &f->ival);
	if (ret == -ERANGE)
		ret = yamldoc__fail(p->doc, node, path,
				    "'%s': %s does not fit in a signed 64-bit integer", text, lit);
	else if (ret && *lit == '\'')
		ret = yamldoc__fail(p->doc, node, path,
				    "'%s': strings take double quotes, e.g. comm == \"sshd\"",
				    text);
	else if (ret)
		ret = yamldoc__fail(
			p->doc, node, path,
			"'%s': %s is neither an integer nor a double-quoted string; write e.g. 42, -1, 0x1f or \"sshd\"",
			text, lit);
	free(lit);
	return ret;
}

/* Whether the literal can ever match the source, once both are known. */
static int check_filter_types(struct parser *p, const yaml_node_t *node, const char *path,
			      const char *src_text, const struct cfg_filter *f)
{
	if (!is_string_src(f->src.kind)) {
		if (f->is_str)
			return yamldoc__fail(
				p->doc, node, path,
				"%s is a number; compare it with an integer, not a string",
				src_text);
		return 0;
	}
	if (!f->is_str)
		return yamldoc__fail(
			p->doc, node, path,
			"%s is a string; compare it with a double-quoted string, e.g. %s == \"sshd\"",
			src_text, src_text);
	if (f->op != BPFPROM_OP_EQ && f->op != BPFPROM_OP_NE)
		return yamldoc__fail(
			p->doc, node, path,
			"%s is a string and can only be compared with == or !=", src_text);
	if (f->src.kind == BPFPROM_SRC_COMM && strlen(f->sval) > COMM_MAX_CHARS)
		return yamldoc__fail(
			p->doc, node, path,
			"comm is at most %d characters, so \"%s\" can never match; compare with its first %d: \"%.*s\"",
			COMM_MAX_CHARS, f->sval, COMM_MAX_CHARS, COMM_MAX_CHARS, f->sval);
	if (strlen(f->sval) >= BPFPROM_MAX_STR)
		return yamldoc__fail(
			p->doc, node, path,
			"the string is longer than %d bytes, the most a string source reads; shorten it",
			BPFPROM_MAX_STR - 1);
	return 0;
}

/*
 * SOURCE OP LITERAL as before (a string, or an integer literal after one
 * source): that form keeps its own messages. Anything else is an
 * expression, true when not 0.
 */
static bool is_plain_filter(const char *text)
{
	const char *s = text, *start;
	size_t depth;
	char *src;
	bool plain;

	if (strpbrk(text, "\"'"))
		return true;
	for (; isspace((unsigned char)*s); s++)
		;
	for (start = s, depth = 0; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth)
			depth--;
		else if (*s == '>' && s > start && s[-1] == '-')
			continue;
		else if (!depth && (isspace((unsigned char)*s) || strchr("=!<>", *s)))
			break;
	}
	src = strndup(start, (size_t)(s - start));
	plain = src && !expr__is_expr(src);
	free(src);
	if (!plain)
		return false;
	for (; isspace((unsigned char)*s); s++)
		;
	/* nothing, "=", or no operator at all: the plain form's messages */
	if (!*s || (s[0] == '=' && s[1] != '=') || !strchr("=!<>+-*/%&|^?", *s))
		return true;
	if ((s[0] == '<' && s[1] == '<') || (s[0] == '>' && s[1] == '>'))
		return false;
	if (s[1] == '=' && strchr("=!<>", s[0]))
		s += 2;
	else if (s[0] == '<' || s[0] == '>')
		s++;
	else
		return false;
	for (; isspace((unsigned char)*s); s++)
		;
	if (*s == '-')
		s++;
	if (!*s)
		return true;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	for (; isspace((unsigned char)*s); s++)
		;
	return !*s;
}

/* A filter that is an expression: the event counts when it is not 0. */
static int parse_expr_filter(struct parser *p, const yaml_node_t *node, const char *path,
			     struct cfg_metric *m, const char *text, struct cfg_filter *f)
{
	int ret;

	ret = config_parse_source(p, node, path, text, &f->src);
	if (ret)
		return ret;
	if (f->src.kind != BPFPROM_SRC_EXPR)
		return yamldoc__fail(
			p->doc, node, path,
			"'%s' has no comparison; write SOURCE OP VALUE with OP one of " OP_LIST
			", or an expression",
			text);
	f->op = BPFPROM_OP_NE;
	f->ival = 0;
	return config_check_source_probes(p, m, &f->src, text, node, path);
}

/* SOURCE OP LITERAL, e.g. comm != "sshd" or args.ret < 0 */
static int parse_filter(struct parser *p, const yaml_node_t *node, const char *path,
			struct cfg_metric *m, struct cfg_filter *f)
{
	static const struct {
		const char *text;
		enum bpfprom_op op;
	} ops[] = {
		{ "==", BPFPROM_OP_EQ }, { "!=", BPFPROM_OP_NE }, { "<=", BPFPROM_OP_LE },
		{ ">=", BPFPROM_OP_GE }, { "<", BPFPROM_OP_LT },  { ">", BPFPROM_OP_GT },
	};
	const char *text, *s, *start;
	char *src_text = NULL;
	size_t i, len, depth;
	int ret;

	ret = yamldoc__get_str(p->doc, node, path, &text);
	if (ret)
		return ret;
	f->pos = node_pos(node);
	f->text = strdup(text);
	if (!f->text)
		return yamldoc__oom(p->doc);
	for (s = text; isspace((unsigned char)*s); s++)
		;
	if (!*s)
		return yamldoc__fail(
			p->doc, node, path,
			"the filter is empty; write SOURCE OP VALUE, e.g. comm != \"sshd\"");
	if (!is_plain_filter(s))
		return parse_expr_filter(p, node, path, m, text, f);
	/* a path's -> is no comparison, and a cast's parentheses may hold spaces */
	for (start = s, depth = 0; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth)
			depth--;
		else if (*s == '>' && s > start && s[-1] == '-')
			continue;
		else if (!depth && (isspace((unsigned char)*s) || strchr("=!<>", *s)))
			break;
	}
	if (s == start)
		return yamldoc__fail(
			p->doc, node, path,
			"'%s' does not start with a source; write SOURCE OP VALUE, e.g. pid == 42",
			text);
	len = (size_t)(s - start);
	for (; isspace((unsigned char)*s); s++)
		;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strncmp(s, ops[i].text, strlen(ops[i].text)))
			break;
	if (i == ARRAY_SIZE(ops) && *s == '=')
		return yamldoc__fail(p->doc, node, path, "'%s': compare with ==, not =", text);
	if (i == ARRAY_SIZE(ops))
		return yamldoc__fail(
			p->doc, node, path,
			"'%s' has no comparison after \"%.*s\"; write SOURCE OP VALUE with OP one of " OP_LIST,
			text, (int)len, start);
	f->op = ops[i].op;
	s += strlen(ops[i].text);
	for (; isspace((unsigned char)*s); s++)
		;

	src_text = strndup(start, len);
	if (!src_text)
		return yamldoc__oom(p->doc);
	ret = config_parse_source(p, node, path, src_text, &f->src);
	if (ret)
		goto out;
	if (is_stack_src(f->src.kind) || f->src.kind == BPFPROM_SRC_UIP) {
		ret = yamldoc__fail(
			p->doc, node, path,
			"%s cannot be filtered, it is only a label source; filter on another source",
			src_text);
		goto out;
	}
	if (f->src.kind == BPFPROM_SRC_LATENCY) {
		ret = yamldoc__fail(
			p->doc, node, path,
			"latency cannot be filtered, it is only known when the interval ends; filter on another source");
		goto out;
	}
	if (f->src.kind == BPFPROM_SRC_FUNC) {
		ret = yamldoc__fail(
			p->doc, node, path,
			"func is a name looked up at scrape time and cannot be filtered; narrow the probe's pattern instead");
		goto out;
	}
	ret = config_check_source_probes(p, m, &f->src, src_text, node, path);
	if (ret)
		goto out;
	if (!*s)
		ret = yamldoc__fail(
			p->doc, node, path,
			"'%s' has nothing to compare with; add an integer or a double-quoted string after %s",
			text, ops[i].text);
	else if (*s == '"')
		ret = parse_str_literal(p, node, path, text, s, f);
	else
		ret = parse_int_literal(p, node, path, text, s, f);
	if (ret)
		goto out;
	ret = check_filter_types(p, node, path, src_text, f);
out:
	free(src_text);
	return ret;
}

/*
 * The filters of a list: the metric's (probes 0), or a start probe's own
 * (probes: its bit), which share the metric's BPFPROM_MAX_FILTERS.
 */
static int parse_filter_list(struct parser *p, const yaml_node_t *node, const char *path,
			     struct cfg_metric *m, uint8_t probes)
{
	char ipath[PATH_LEN];
	size_t i, n;
	int ret;

	ret = yamldoc__expect_seq_upto(p->doc, node, path,
				       "a list of conditions like 'comm != \"sshd\"'", "filters",
				       "in one metric", BPFPROM_MAX_FILTERS, &n);
	if (ret)
		return ret;
	if (m->nfilters + n > BPFPROM_MAX_FILTERS)
		return yamldoc__fail(
			p->doc, yamldoc__seq_item(p->doc, node, BPFPROM_MAX_FILTERS - m->nfilters),
			path,
			"%zu filters given, beside the %zu the metric has already; at most %d fit in one metric, its own and its start probes' together; remove some",
			n, m->nfilters, BPFPROM_MAX_FILTERS);
	for (i = 0; i < n; i++) {
		struct cfg_filter *f = &m->filters[m->nfilters++];

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		f->probes = probes;
		f->own_index = (uint8_t)i;
		ret = parse_filter(p, yamldoc__seq_item(p->doc, node, i), ipath, m, f);
		if (ret)
			return ret;
		if (probes && f->src.at_end)
			return yamldoc__fail(
				p->doc, yamldoc__seq_item(p->doc, node, i), ipath,
				"'%s' reads at the end of the pair (until.), but a start probe's own filter is read at that start probe; put it in the metric's filter",
				f->text);
	}
	return 0;
}

int config_parse_filters(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	if (!node)
		return 0;
	return parse_filter_list(p, node, "filter", m, 0);
}

int config_parse_probe_filters(struct parser *p, const yaml_node_t *node, const char *path,
			       struct cfg_metric *m, size_t i)
{
	return parse_filter_list(p, node, path, m, (uint8_t)(1u << i));
}
