// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

int text__parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	uint64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > max_ms)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			if (n == 0 || n > max_ms / units[i].ms)
				return -EINVAL;
			*ms = n * units[i].ms;
			return 0;
		}
	}
	return -EINVAL;
}
