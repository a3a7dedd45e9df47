// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "util/log.h"

static enum log_level min_level = LOG_INFO;
static const char *const names[] = { "debug", "info", "warn", "error" };

int log__set_level_name(const char *name)
{
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
		if (strcmp(name, names[i]) == 0) {
			min_level = i;
			return 0;
		}
	}
	return -EINVAL;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n;

	if (level < min_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* one write per line so concurrent writers do not interleave */
	fprintf(stderr, "%s: %s\n", names[level], line);
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/*
	 * libbpf's DEBUG level is a line per map and per relocation of every
	 * object opened (~3,400 for each of bpfprom's skeleton copies: 20,000
	 * for config/default.yaml), the same for every copy. Its INFO and WARN
	 * lines (what it probed, what failed, the verifier's log of a refused
	 * program) are what a user debugging an attach needs.
	 */
	if (min_level > LOG_DEBUG || level == LIBBPF_DEBUG)
		return 0;
	/* libbpf's own lines already start with "libbpf: " */
	fputs("debug: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log__init_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/*
 * Names and values quoted in a message come from the file as written, and a
 * YAML string can hold any character ("a\nb", "\e[31m"): escape the C0 and
 * C1 controls so that a message stays one line and cannot drive a terminal.
 */
void log__escape_controls(char *s, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o = 0;
	char *copy;

	for (i = 0; u[i]; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] < 0xa0))
			break;
	if (!u[i])
		return;
	copy = strdup(s);
	if (!copy)
		return;
	u = (const unsigned char *)copy;
	for (i = 0; u[i] && o + 1 < cap; i++) {
		char esc[8];
		int n;

		if (u[i] == '\n')
			n = snprintf(esc, sizeof(esc), "\\n");
		else if (u[i] == '\t')
			n = snprintf(esc, sizeof(esc), "\\t");
		else if (u[i] < 0x20 || u[i] == 0x7f)
			n = snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
		else if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] < 0xa0)
			n = snprintf(esc, sizeof(esc), "\\u%04x", u[++i]);
		else
			n = snprintf(esc, sizeof(esc), "%c", u[i]);
		/* an escape that does not fit is left out whole */
		if (o + (size_t)n >= cap)
			break;
		memcpy(s + o, esc, (size_t)n);
		o += (size_t)n;
	}
	s[o] = '\0';
	free(copy);
}
