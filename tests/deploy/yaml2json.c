// SPDX-License-Identifier: GPL-2.0
/*
 * yaml2json FILE: print each YAML document of FILE as one line of JSON, so the
 * deploy tests can query the Kubernetes manifests and Prometheus files with jq
 * through the libyaml bpfprom already links, instead of a new dependency.
 *
 * Plain scalars get the types a Kubernetes or Prometheus parser gives the
 * values these files use: true/false, null/~/empty, and integers and floats
 * written as JSON writes them (so 0644 stays a string); everything else, and every quoted or block scalar, is a
 * string. Aliases are refused (the deploy files have none, and expanding them
 * would hide what a reader sees) and so are duplicate keys in one mapping
 * (Kubernetes' strict decoding refuses them; a lenient parser would keep one
 * silently). Errors name FILE:LINE:COL and exit 1.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct conv {
	const char *file;
	yaml_parser_t parser;
	regex_t int_re, float_re;
};

static int fail(struct conv *c, const yaml_mark_t *m, const char *what)
{
	fprintf(stderr, "yaml2json: %s:%zu:%zu: %s\n", c->file, m->line + 1, m->column + 1, what);
	return -EINVAL;
}

static int next(struct conv *c, yaml_event_t *ev)
{
	if (yaml_parser_parse(&c->parser, ev))
		return 0;
	return fail(c, &c->parser.problem_mark,
		    c->parser.problem ? c->parser.problem : "parse error");
}

static void put_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static bool is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

static void put_scalar(struct conv *c, const yaml_event_t *ev)
{
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	/* a NUL inside a value cannot be a number or a keyword */
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || strlen(v) != len) {
		put_string(v, len);
		return;
	}
	if (is_one_of(v, trues))
		fputs("true", stdout);
	else if (is_one_of(v, falses))
		fputs("false", stdout);
	else if (is_one_of(v, nulls))
		fputs("null", stdout);
	else if (!regexec(&c->int_re, v, 0, NULL, 0) || !regexec(&c->float_re, v, 0, NULL, 0))
		fputs(v, stdout);
	else
		put_string(v, len);
}

static int put_node(struct conv *c, yaml_event_t *ev);

static int put_sequence(struct conv *c)
{
	yaml_event_t ev;
	bool first = true;
	int err;

	putchar('[');
	for (;;) {
		err = next(c, &ev);
		if (err)
			return err;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (!first)
			putchar(',');
		first = false;
		err = put_node(c, &ev);
		yaml_event_delete(&ev);
		if (err)
			return err;
	}
	putchar(']');
	return 0;
}

static int put_mapping(struct conv *c)
{
	char **keys = NULL, **grown;
	size_t nkeys = 0, i;
	yaml_event_t ev;
	int err = 0;

	putchar('{');
	for (;;) {
		err = next(c, &ev);
		if (err)
			goto out;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			err = fail(c, &ev.start_mark, "a key that is not a scalar");
			yaml_event_delete(&ev);
			goto out;
		}
		for (i = 0; i < nkeys; i++) {
			if (!strcmp(keys[i], (const char *)ev.data.scalar.value)) {
				err = fail(c, &ev.start_mark, "duplicate key in one mapping");
				yaml_event_delete(&ev);
				goto out;
			}
		}
		grown = realloc(keys, (nkeys + 1) * sizeof(*keys));
		if (grown)
			keys = grown;
		if (!grown || !(keys[nkeys] = strdup((const char *)ev.data.scalar.value))) {
			err = -ENOMEM;
			yaml_event_delete(&ev);
			goto out;
		}
		if (nkeys++)
			putchar(',');
		put_string((const char *)ev.data.scalar.value, ev.data.scalar.length);
		putchar(':');
		yaml_event_delete(&ev);
		err = next(c, &ev);
		if (err)
			goto out;
		err = put_node(c, &ev);
		yaml_event_delete(&ev);
		if (err)
			goto out;
	}
	putchar('}');
out:
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	return err;
}

static int put_node(struct conv *c, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		put_scalar(c, ev);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		return put_sequence(c);
	case YAML_MAPPING_START_EVENT:
		return put_mapping(c);
	case YAML_ALIAS_EVENT:
		return fail(c, &ev->start_mark, "an alias (*name); write the value out");
	default:
		return fail(c, &ev->start_mark, "unexpected YAML event");
	}
}

int main(int argc, char **argv)
{
	struct conv c = { 0 };
	yaml_event_t ev;
	int err = 0, done = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: yaml2json FILE\n");
		return 2;
	}
	c.file = argv[1];
	f = fopen(c.file, "rb");
	if (!f) {
		fprintf(stderr, "yaml2json: %s: %s\n", c.file, strerror(errno));
		return 1;
	}
	/* numbers only as JSON writes them: 0644 or +1 stay strings, never bad JSON */
	if (regcomp(&c.int_re, "^-?(0|[1-9][0-9]*)$", REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&c.float_re, "^-?(0|[1-9][0-9]*)\\.[0-9]+([eE][-+]?[0-9]+)?$",
		    REG_EXTENDED | REG_NOSUB)) {
		fclose(f);
		return 1;
	}
	yaml_parser_initialize(&c.parser);
	yaml_parser_set_input_file(&c.parser, f);
	while (!done && !err) {
		err = next(&c, &ev);
		if (err)
			break;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			putchar('\n');
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_ALIAS_EVENT:
			err = put_node(&c, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&c.parser);
	regfree(&c.int_re);
	regfree(&c.float_re);
	fclose(f);
	if (fflush(stdout))
		err = -EIO;
	return err ? 1 : 0;
}
