// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>

#include "util/text.h"

void text__put_escaped(struct buf *b, const char *s, size_t n, enum text_esc mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, from = 0, w;
	bool invalid = false;
	const char *esc;

	while (i < n) {
		if (p[i] >= 0x80) {
			w = text__utf8_width(p + i, n - i);
			if (w) {
				i += w;
				invalid = false;
				continue;
			}
			buf__put(b, s + from, i - from);
			if (!invalid)
				buf__put(b, TEXT_REPLACEMENT, sizeof(TEXT_REPLACEMENT) - 1);
			invalid = true;
			from = ++i;
			continue;
		}
		invalid = false;
		if (mode == TEXT_ESC_NONE)
			esc = NULL;
		else if (p[i] == '\\')
			esc = "\\\\";
		else if (p[i] == '\n')
			esc = "\\n";
		else if (p[i] == '"' && mode == TEXT_ESC_LABEL)
			esc = "\\\"";
		else
			esc = NULL;
		if (esc) {
			buf__put(b, s + from, i - from);
			buf__put(b, esc, 2);
			from = i + 1;
		}
		i++;
	}
	buf__put(b, s + from, i - from);
}

void text__put_int(struct buf *b, uint64_t v, bool is_signed)
{
	char tmp[TEXT_U64_DIGITS];
	size_t i;

	if (is_signed && (int64_t)v < 0) {
		buf__put(b, "-", 1);
		/* negate in unsigned arithmetic: INT64_MIN has no positive s64 */
		v = -v;
	}
	i = text__u64_digits(tmp, v);
	/* a label of every series: no call while the buffer has room */
	if (b->cap - b->len > sizeof(tmp) && !b->oom) {
		memcpy(b->data + b->len, tmp + i, sizeof(tmp) - i);
		b->len += sizeof(tmp) - i;
		b->data[b->len] = '\0';
		return;
	}
	buf__put(b, tmp + i, sizeof(tmp) - i);
}
