/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text: the byte-level pieces of exposition text that more than one stage
 * writes: UTF-8 validity as Go sees it, and decimal integers. series makes
 * label texts with them, render writes samples with them. Pure, no
 * allocation beyond the caller's struct buf.
 */
#ifndef BPFPROM_TEXT_H
#define BPFPROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"

/* Valid UTF-8 spelling of U+FFFD REPLACEMENT CHARACTER. */
#define TEXT_REPLACEMENT "\xef\xbf\xbd"

/*
 * Width of the valid UTF-8 sequence at s (n > 0 bytes), 0 if invalid: the
 * acceptance ranges of Go's utf8.DecodeRune, which reject overlong forms,
 * surrogates and code points past U+10FFFF.
 */
static inline size_t text__utf8_width(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t w, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		w = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		w = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		w = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < w || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < w; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return w;
}

/* What text__put_escaped escapes besides making the bytes valid UTF-8. */
enum text_esc {
	TEXT_ESC_NONE = 0, /* label texts kept for later escaping, protobuf strings */
	TEXT_ESC_HELP, /* text 0.0.4 HELP: \\ and newline */
	TEXT_ESC_LABEL, /* label values, OpenMetrics HELP: also " */
};

/*
 * Append s (n bytes) escaped as mode says and made valid UTF-8 as Go's
 * strings.ToValidUTF8(s, "\uFFFD") does: each maximal run of bytes that do
 * not start a valid sequence becomes ONE U+FFFD. A run is broken by any
 * valid character.
 */
void text__put_escaped(struct buf *b, const char *s, size_t n, enum text_esc mode);

static inline void text__put_valid_utf8(struct buf *b, const char *s, size_t n)
{
	text__put_escaped(b, s, n, TEXT_ESC_NONE);
}

#define TEXT_U64_DIGITS 20

/* v's decimal digits, written to the end of tmp, two per division: returns
 * the index in tmp of the first (exact integers never pass through a double). */
static inline size_t text__u64_digits(char tmp[TEXT_U64_DIGITS], uint64_t v)
{
	/* "00" .. "99" */
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	size_t i = TEXT_U64_DIGITS;

	while (v >= 100) {
		i -= 2;
		memcpy(tmp + i, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy(tmp + i, pairs + 2 * v, 2);
	} else {
		tmp[--i] = (char)('0' + v);
	}
	return i;
}

/* v in decimal, signed or not. */
void text__put_int(struct buf *b, uint64_t v, bool is_signed);

/* A duration as the flags and the config write it: digits and one unit of
 * ms, s, m or h ("500ms", "30s", "2m"), 1 ms to max_ms: 0 and *ms, or -EINVAL. */
int text__parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *ms);

#endif /* BPFPROM_TEXT_H */
