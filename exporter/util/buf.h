/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buf: a growable byte buffer, reused across scrapes, requests and prints:
 * reset len, keep data. The content is always NUL-terminated; an append that
 * cannot grow the buffer sets oom and the buffer takes no more.
 */
#ifndef BPFPROM_BUF_H
#define BPFPROM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom; /* an append failed; the content is incomplete */
};

void buf__reset(struct buf *b);
/* Room for n more bytes (and a NUL after them); false (and oom) if not. */
bool buf__reserve(struct buf *b, size_t n);
void buf__free(struct buf *b);
void buf__put(struct buf *b, const char *s, size_t n);
void buf__puts(struct buf *b, const char *s);
void buf__printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* BPFPROM_BUF_H */
