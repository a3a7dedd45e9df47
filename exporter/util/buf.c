// SPDX-License-Identifier: GPL-2.0
/* buf: a growable byte buffer kept from one use to the next. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define BUF_MIN 4096

/* Room for n more bytes plus the NUL kept after the content. */
bool buf__reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *data;

	if (b->oom)
		return false;
	if (n > SIZE_MAX - 1 - b->len) {
		b->oom = true;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->oom = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void buf__reset(struct buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

void buf__free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void buf__put(struct buf *b, const char *s, size_t n)
{
	if (!buf__reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf__puts(struct buf *b, const char *s)
{
	buf__put(b, s, strlen(s));
}

void buf__printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, aq;
	size_t avail;
	int n;

	if (b->oom)
		return;
	avail = b->cap > b->len ? b->cap - b->len : 0;
	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(avail ? b->data + b->len : NULL, avail, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = true;
		goto out;
	}
	if ((size_t)n >= avail) {
		if (!buf__reserve(b, (size_t)n))
			goto out;
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
out:
	va_end(ap);
}
