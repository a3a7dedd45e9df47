// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

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

void log__set_level(enum log_level level)
{
	min_level = level;
}

enum log_level log__level(void)
{
	return min_level;
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
	(void)level;
	if (min_level > LOG_DEBUG)
		return 0;
	fputs("debug: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log__init_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
