// SPDX-License-Identifier: GPL-2.0
/*
 * yamldoc: libyaml's document API under the parsers of bpfprom's files.
 *
 * The whole file is loaded into a node graph first, so that every check can
 * point at the line and column of the node at fault and keys can be read in
 * the order validation needs rather than the order they were written. The
 * first error stops a parse: one precise message beats a cascade of
 * consequences.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/yamldoc.h"
#include "util/array.h"
#include "util/log.h"
#include "util/suggest.h"

/* A parent path and a key: refused and repeated keys are short, known ones. */
#define KEY_PATH_LEN 320

void yamldoc__init(struct yamldoc *d, const char *prefix, const char *file, char *err,
		   size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->prefix = prefix;
	d->file = file;
	d->err = err;
	d->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
}

/* ---- messages ---------------------------------------------------------- */

static void err_vadd(struct yamldoc *d, size_t *off, const char *fmt, va_list ap)
{
	int n;

	if (!d->err || *off >= d->errlen)
		return;
	n = vsnprintf(d->err + *off, d->errlen - *off, fmt, ap);
	if (n > 0)
		*off += (size_t)n;
}

__attribute__((format(printf, 3, 4))) static void err_add(struct yamldoc *d, size_t *off,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(d, off, fmt, ap);
	va_end(ap);
}

/*
 * Every message has the same shape so that editors and CI annotations can
 * parse it: PREFIX: FILE:LINE:COL: [LIST[I] (NAME): ][PATH: ]MESSAGE
 */
static int vfail_mark(struct yamldoc *d, yaml_mark_t mark, const char *path, const char *fmt,
		      va_list ap)
{
	size_t off = 0;

	err_add(d, &off, "%s: %s:%zu:%zu: ", d->prefix, d->file, mark.line + 1, mark.column + 1);
	if (d->item_list) {
		err_add(d, &off, "%s[%ld]", d->item_list, d->item_index);
		if (d->item_name)
			err_add(d, &off, " (%s)", d->item_name);
		err_add(d, &off, ": ");
	}
	if (path)
		err_add(d, &off, "%s: ", path);
	err_vadd(d, &off, fmt, ap);
	if (d->err && d->errlen)
		log__escape_controls(d->err, d->errlen);
	return -EINVAL;
}

int yamldoc__fail_mark(struct yamldoc *d, yaml_mark_t mark, const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail_mark(d, mark, path, fmt, ap);
	va_end(ap);
	return ret;
}

int yamldoc__fail(struct yamldoc *d, const yaml_node_t *node, const char *path, const char *fmt,
		  ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail_mark(d, node->start_mark, path, fmt, ap);
	va_end(ap);
	return ret;
}

int yamldoc__oom(struct yamldoc *d)
{
	if (d->err && d->errlen)
		snprintf(d->err, d->errlen, "%s: %s: out of memory", d->prefix, d->file);
	return -ENOMEM;
}

void yamldoc__set_item(struct yamldoc *d, const char *list, long index, const char *name)
{
	d->item_list = list;
	d->item_index = index;
	d->item_name = name;
}

void yamldoc__join(char *buf, size_t len, const char *const *words, size_t n)
{
	size_t i, off = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", words[i]);
		if (w > 0)
			off += (size_t)w;
	}
}

int yamldoc__fail_unknown(struct yamldoc *d, const yaml_node_t *node, const char *path,
			  const char *what, const char *word, const char *const *cands, size_t n,
			  const char *shown, unsigned int flags)
{
	const char *hint = suggest__closest(word, cands, n, true);
	char list[256];

	if (shown)
		snprintf(list, sizeof(list), "%s", shown);
	else
		yamldoc__join(list, sizeof(list), cands, n);
	if (hint && !(flags & YAMLDOC_LIST_ALWAYS))
		return yamldoc__fail(d, node, path, "unknown %s \"%s\" (did you mean \"%s\"?)",
				     what, word, hint);
	return yamldoc__fail(d, node, path, "unknown %s \"%s\"%s%s%s; expected %s%s", what, word,
			     hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "",
			     n > 1 ? "one of " : "", list);
}

/* ---- nodes ------------------------------------------------------------- */

yaml_node_t *yamldoc__node(struct yamldoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

const char *yamldoc__scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool yamldoc__is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = yamldoc__scalar(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

const char *yamldoc__desc(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return yamldoc__is_null(n) ? "an empty value" : "a string";
	default:
		return "nothing";
	}
}

size_t yamldoc__seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

int yamldoc__expect_seq_upto(struct yamldoc *d, const yaml_node_t *n, const char *path,
			     const char *list, const char *noun, const char *where, size_t max,
			     size_t *len)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return yamldoc__fail(d, n, path, "expected %s, got %s", list, yamldoc__desc(n));
	*len = yamldoc__seq_len(n);
	if (*len > max)
		return yamldoc__fail(d, yamldoc__seq_item(d, n, max), path,
				     "%zu %s given, at most %zu fit %s; remove some", *len, noun,
				     max, where);
	return 0;
}

yaml_node_t *yamldoc__seq_item(struct yamldoc *d, const yaml_node_t *n, size_t i)
{
	return yamldoc__node(d, n->data.sequence.items.start[i]);
}

size_t yamldoc__map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

int yamldoc__get_str(struct yamldoc *d, const yaml_node_t *n, const char *path, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || yamldoc__is_null(n))
		return yamldoc__fail(d, n, path, "expected a string, got %s", yamldoc__desc(n));
	/* A "\0" escape would silently cut every C string made from it. */
	if (strlen(yamldoc__scalar(n)) != n->data.scalar.length)
		return yamldoc__fail(d, n, path, "the string contains a NUL character; remove it");
	*out = yamldoc__scalar(n);
	return 0;
}

int yamldoc__parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10, dig;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			dig = (uint64_t)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			dig = (uint64_t)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - dig) / base)
			return -ERANGE;
		v = v * base + dig;
	}
	*out = v;
	return 0;
}

int yamldoc__parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;
	int ret;

	ret = yamldoc__parse_u64(s + neg, &v);
	if (ret)
		return ret;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -ERANGE;
		*out = (int64_t)v;
	}
	return 0;
}

int yamldoc__get_int(struct yamldoc *d, const yaml_node_t *n, const char *path, int64_t *out)
{
	int ret;

	if (n->type != YAML_SCALAR_NODE || yamldoc__is_null(n))
		return yamldoc__fail(d, n, path, "expected an integer, got %s", yamldoc__desc(n));
	/* Quotes make it a string in YAML; accepting it would hide a type mix-up. */
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return yamldoc__fail(
			d, n, path,
			"expected an integer, got the quoted string \"%s\"; remove the quotes",
			yamldoc__scalar(n));
	ret = yamldoc__parse_i64(yamldoc__scalar(n), out);
	if (ret == -ERANGE)
		return yamldoc__fail(d, n, path, "%s does not fit in a signed 64-bit integer",
				     yamldoc__scalar(n));
	if (ret)
		return yamldoc__fail(
			d, n, path,
			"\"%s\" is not an integer; write a decimal or 0x hexadecimal number",
			yamldoc__scalar(n));
	return 0;
}

int yamldoc__get_int_range(struct yamldoc *d, const yaml_node_t *n, const char *path, int64_t lo,
			   int64_t hi, const char *unit, int64_t *out)
{
	int ret;

	ret = yamldoc__get_int(d, n, path, out);
	if (ret)
		return ret;
	if (*out < lo || *out > hi)
		return yamldoc__fail(d, n, path,
				     "%" PRId64 " is out of range; use %" PRId64 "..%" PRId64 "%s",
				     *out, lo, hi, unit);
	return 0;
}

int yamldoc__get_word(struct yamldoc *d, const yaml_node_t *n, const char *path, const char *what,
		      const char *const *words, size_t nwords, size_t *index)
{
	const char *s;
	size_t i;
	int ret;

	ret = yamldoc__get_str(d, n, path, &s);
	if (ret)
		return ret;
	for (i = 0; i < nwords; i++) {
		if (!strcmp(s, words[i])) {
			*index = i;
			return 0;
		}
	}
	return yamldoc__fail_unknown(d, n, path, what, s, words, nwords, NULL, YAMLDOC_LIST_ALWAYS);
}

int yamldoc__get_bool(struct yamldoc *d, const yaml_node_t *n, const char *path, bool *out)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };
	bool shown = n->type == YAML_SCALAR_NODE && !yamldoc__is_null(n);
	size_t i;

	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (i = 0; i < ARRAY_SIZE(t); i++) {
			if (!strcmp(yamldoc__scalar(n), t[i]) ||
			    !strcmp(yamldoc__scalar(n), f[i])) {
				*out = !strcmp(yamldoc__scalar(n), t[i]);
				return 0;
			}
		}
	}
	return yamldoc__fail(d, n, path, "expected true or false, got %s%s%s%s", yamldoc__desc(n),
			     shown ? " \"" : "", shown ? yamldoc__scalar(n) : "",
			     shown ? "\"" : "");
}

int yamldoc__expect_map(struct yamldoc *d, const yaml_node_t *n, const char *path)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamldoc__fail(d, n, path, "expected a mapping, got %s", yamldoc__desc(n));
	return 0;
}

int yamldoc__expect_map_or_null(struct yamldoc *d, const yaml_node_t *n, const char *path)
{
	return yamldoc__is_null(n) ? 1 : yamldoc__expect_map(d, n, path);
}

int yamldoc__map_collect(struct yamldoc *d, const yaml_node_t *map, const char *path,
			 const struct yamldoc_keys *keys, yaml_node_t **vals, yaml_node_t **knodes)
{
	yaml_node_t *first[YAMLDOC_MAX_KEYS] = { 0 };
	yaml_node_pair_t *pair;
	char kp[KEY_PATH_LEN];
	yaml_node_t *k;
	size_t i;

	if (!knodes)
		knodes = first;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(d, pair->key);
		if (k->type != YAML_SCALAR_NODE)
			return yamldoc__fail(d, k, path,
					     "expected a key, got %s; keys are plain words",
					     yamldoc__desc(k));
		snprintf(kp, sizeof(kp), "%s%s%s", path ? path : "", path ? "." : "",
			 yamldoc__scalar(k));
		for (i = 0; i < keys->nrefused; i++)
			if (!strcmp(yamldoc__scalar(k), keys->refused[i].key))
				return yamldoc__fail(d, k, kp,
						     "not supported by bpfprom: %s; remove it",
						     keys->refused[i].why);
		for (i = 0; i < keys->n; i++)
			if (!strcmp(yamldoc__scalar(k), keys->names[i]))
				break;
		if (i == keys->n)
			return yamldoc__fail_unknown(d, k, path, "key", yamldoc__scalar(k),
						     keys->names, keys->n, NULL, keys->flags);
		if (knodes[i] && (keys->flags & YAMLDOC_KEY_IN_PATH))
			return yamldoc__fail(d, k, kp,
					     "duplicate key (first given at line %zu); remove one",
					     knodes[i]->start_mark.line + 1);
		if (knodes[i])
			return yamldoc__fail(
				d, k, path,
				"duplicate key \"%s\" (first given at line %zu); remove one",
				keys->names[i], knodes[i]->start_mark.line + 1);
		knodes[i] = k;
		vals[i] = yamldoc__node(d, pair->value);
	}
	return 0;
}

/* ---- libyaml ----------------------------------------------------------- */

static int yaml_error(struct yamldoc *d, yaml_parser_t *yp, const char *text, size_t len)
{
	yaml_mark_t mark = yp->problem_mark;
	size_t i;

	if (yp->error == YAML_MEMORY_ERROR)
		return yamldoc__oom(d);
	/* The reader reports a byte offset only (bad UTF-8, control characters). */
	if (yp->error == YAML_READER_ERROR) {
		memset(&mark, 0, sizeof(mark));
		for (i = 0; i < yp->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else {
				mark.column++;
			}
		}
	}
	if (yp->context)
		return yamldoc__fail_mark(d, mark, NULL, "YAML syntax error: %s (%s)",
					  yp->problem ? yp->problem : "unknown problem",
					  yp->context);
	return yamldoc__fail_mark(d, mark, NULL, "YAML syntax error: %s",
				  yp->problem ? yp->problem : "unknown problem");
}

int yamldoc__load(struct yamldoc *d, const char *text, size_t len, const char *what,
		  yaml_node_t **root)
{
	yaml_document_t extra;
	yaml_parser_t yp;
	yaml_node_t *second;
	int ret = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&yp))
		return yamldoc__oom(d);
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &d->doc)) {
		ret = yaml_error(d, &yp, text, len);
		goto out;
	}
	d->loaded = true;
	/* A second document would be ignored silently; better to say so. */
	if (!yaml_parser_load(&yp, &extra)) {
		ret = yaml_error(d, &yp, text, len);
		goto out;
	}
	second = yaml_document_get_root_node(&extra);
	if (second)
		ret = yamldoc__fail(d, second, NULL,
				    "a second YAML document starts here; put %s in one document",
				    what);
	yaml_document_delete(&extra);
	if (!ret)
		*root = yaml_document_get_root_node(&d->doc);
out:
	yaml_parser_delete(&yp);
	return ret;
}

void yamldoc__unload(struct yamldoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}
