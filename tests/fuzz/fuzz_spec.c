// SPDX-License-Identifier: GPL-2.0
/*
 * The probe-spec, source, label and filter parsers of config.c, reached
 * directly: the input is split at newlines into fields that are put into a
 * fixed, valid metric as YAML double-quoted scalars (every byte escaped, so
 * the fuzzer never has to learn YAML to reach them):
 *
 *   byte 0: aggregate (count sum hist lhist stats) and whether a second probe
 *           (tracepoint:syscalls:sys_enter_read) is listed
 *   then lines: probe, until, value, label source, decode, filter...
 *
 * An empty line leaves its key out. decode: static gets values 0 and 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define MAX_FIELDS 10

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf)
			abort();
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* KEY"FIELD"\n, the field as a YAML double-quoted scalar */
static void put_quoted(struct out *o, const char *key, const uint8_t *s, size_t n)
{
	char esc[8];

	puts_(o, key);
	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') {
			put(o, (const char *)&s[i], 1);
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			puts_(o, esc);
		}
	}
	puts_(o, "\"\n");
}

/* One line without terminal controls, whatever the input quoted into it. */
static bool plain_line(const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if (*u < 0x20 || *u == 0x7f || (u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const aggs[] = { "count", "sum", "hist", "lhist", "stats" };
	const uint8_t *f[MAX_FIELDS], *p, *end = data + size, *nl;
	size_t flen[MAX_FIELDS] = { 0 }, nf = 0, i;
	struct out o = { 0 };
	struct cfg *cfg = NULL;
	char err[1024];
	unsigned agg;
	int ret;

	if (size < 1)
		return 0;
	agg = (data[0] & 0x7) % 5;
	for (p = data + 1; p <= end && nf < MAX_FIELDS; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		f[nf] = p;
		flen[nf++] = (size_t)(nl - p);
	}
	for (i = nf; i < MAX_FIELDS; i++)
		f[i] = data;

	puts_(&o, "metrics:\n  - name: ");
	puts_(&o, agg < 2 ? "fuzz_total\n" : "fuzz_value\n");
	puts_(&o, "    help: h\n    aggregate: ");
	puts_(&o, aggs[agg]);
	puts_(&o, "\n");
	if (data[0] & 0x8) {
		puts_(&o, "    probe:\n");
		put_quoted(&o, "      - ", f[0], flen[0]);
		puts_(&o, "      - tracepoint:syscalls:sys_enter_read\n");
	} else {
		put_quoted(&o, "    probe: ", f[0], flen[0]);
	}
	if (flen[1])
		put_quoted(&o, "    until: ", f[1], flen[1]);
	if (flen[2])
		put_quoted(&o, "    value: ", f[2], flen[2]);
	if (agg == 3)
		puts_(&o, "    buckets: {min: 0, max: 100, step: 10}\n");
	if (flen[3]) {
		puts_(&o, "    labels:\n      - name: l\n");
		put_quoted(&o, "        source: ", f[3], flen[3]);
		if (flen[4])
			put_quoted(&o, "        decode: ", f[4], flen[4]);
		if (flen[4] == 6 && !memcmp(f[4], "static", 6))
			puts_(&o, "        values: {0: zero, 1: one}\n");
	}
	if (nf > 5) {
		puts_(&o, "    filter:\n");
		for (i = 5; i < nf; i++)
			put_quoted(&o, "      - ", f[i], flen[i]);
	}

	ret = config__parse_string(o.buf, o.len, "fuzz.yaml", &cfg, err, sizeof(err));
	if (ret) {
		if (cfg || strncmp(err, "config: fuzz.yaml:", 18) || !plain_line(err)) {
			fprintf(stderr, "config: error %d without its one-line message: \"%s\"\n%s",
				ret, err, o.buf);
			abort();
		}
	} else {
		config__free(cfg);
	}
	free(o.buf);
	return 0;
}
