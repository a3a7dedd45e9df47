// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/decode.h"
#include "scrape/series.h"
#include "util/text.h"

/* decode.h: a decoded label value is at most 255 bytes */
#define DECODED_MAX 256

void series_fold__free(struct series_fold *f)
{
	if (!f)
		return;
	buf__free(&f->text);
	free(f->at);
	free(f->slots);
	f->at = NULL;
	f->slots = NULL;
	f->at_cap = 0;
	f->slots_cap = 0;
}

bool series__readable(const struct metric_desc *d, const struct series *s, size_t words)
{
	size_t i;

	if (!s->n)
		return false;
	if (!s->values || s->value_words < words || (s->key_size && !s->keys))
		return false;
	if (d->nlabels > METRIC_MAX_LABELS)
		return false;
	for (i = 0; i < d->nlabels; i++) {
		const struct metric_label *l = &d->labels[i];

		if (l->key_off > s->key_size || l->key_size > s->key_size - l->key_off)
			return false;
		/* usym: the tgid after the address */
		if (l->usym && (l->key_size != 8 || s->key_size - l->key_off < 16))
			return false;
		if (!l->is_str && l->key_size != 1 && l->key_size != 2 && l->key_size != 4 &&
		    l->key_size != 8)
			return false;
	}
	return true;
}

static bool fold_reserve(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* A byte-array label: an address (decode: inet), else its bytes in hex. */
static void put_bytes_text(struct buf *b, const struct metric_label *l, const uint8_t *p)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[2 * BPFPROM_MAX_STR + 1];
	size_t n = l->nbytes < l->key_size ? l->nbytes : l->key_size, len = 0;

	if (l->decode == CFG_DECODE_INET)
		len = decode__inet(p, n, tmp, sizeof(tmp));
	if (!len) {
		for (size_t i = 0; i < n && i < BPFPROM_MAX_STR; i++) {
			tmp[len++] = digits[p[i] >> 4];
			tmp[len++] = digits[p[i] & 15];
		}
	}
	buf__put(b, tmp, len);
}

/* decode: usym: the function's name in the process whose tgid follows the
 * address, or the address in hex, as a ustack frame prints. */
static void put_usym_text(struct buf *b, const struct metric_label *l,
			  const struct series_decoders *dec, const uint8_t *key, uint64_t addr)
{
	char tmp[DECODED_MAX];
	const char *text = NULL;
	uint64_t pid;
	size_t n = 0;

	memcpy(&pid, key + l->key_off + 8, sizeof(pid));
	if (dec && dec->usym)
		text = dec->usym(dec->ctx, l, addr, (uint32_t)pid, tmp, sizeof(tmp), &n);
	if (!text)
		n = (size_t)snprintf(tmp, sizeof(tmp), "0x%" PRIx64, addr);
	text__put_valid_utf8(b, text ? text : tmp, n);
}

/* The text of label l of key: decoded, the string, or the number; valid UTF-8. */
static void put_label_text(struct buf *b, const struct metric_label *l,
			   const struct series_decoders *dec, const uint8_t *key)
{
	char tmp[DECODED_MAX];
	const char *text;
	size_t n = 0;
	uint64_t v;

	if (l->nbytes) {
		put_bytes_text(b, l, key + l->key_off);
		return;
	}
	if (l->is_str) {
		text = metric_label__str(l, key, &n);
		if (l->decode != CFG_DECODE_NONE && dec && dec->str)
			text = dec->str(dec->ctx, l, text, n, tmp, sizeof(tmp), &n);
		text__put_valid_utf8(b, text, n);
		return;
	}
	v = metric_label__int(l, key);
	if (l->usym) {
		put_usym_text(b, l, dec, key, v);
		return;
	}
	if (l->stack && dec && dec->stack) {
		text = dec->stack(dec->stack_ctx, l, v, &n);
		if (text) {
			text__put_valid_utf8(b, text, n);
			return;
		}
	}
	if (l->decode != CFG_DECODE_NONE && dec && dec->text) {
		/* decoded text is anything a kernel name can be */
		text = dec->text(dec->ctx, l, v, tmp, sizeof(tmp), &n);
		if (text) {
			text__put_valid_utf8(b, text, n);
			return;
		}
	}
	text__put_int(b, v, l->is_signed);
}

/* FNV-1a over one series' label texts and their lengths */
static uint64_t fold_hash(const struct series_fold *f, const struct series_text_ref *at,
			  size_t nlabels)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t j, k;

	for (j = 0; j < nlabels; j++) {
		const unsigned char *p = (const unsigned char *)f->text.data + at[j].off;

		for (k = 0; k < at[j].len; k++)
			h = (h ^ p[k]) * 0x100000001b3ull;
		h = (h ^ at[j].len) * 0x100000001b3ull;
	}
	return h;
}

static bool fold_equal(const struct series_fold *f, const struct series_text_ref *a,
		       const struct series_text_ref *b, size_t nlabels)
{
	size_t j;

	for (j = 0; j < nlabels; j++) {
		if (a[j].len != b[j].len ||
		    memcmp(f->text.data + a[j].off, f->text.data + b[j].off, a[j].len))
			return false;
	}
	return true;
}

int series__fold(struct series_fold *f, const struct metric_desc *d,
		 const struct series_decoders *dec, struct series *s, uint8_t *keys,
		 uint64_t *values)
{
	size_t n = s->n, nl = d->nlabels, ks = s->key_size, vw = s->value_words;
	size_t i, j, k, nslots, pos, r;
	struct series_text_ref *at;
	bool texts = false;
	uint64_t h;

	s->label_text = NULL;
	s->label_at = NULL;
	s->nlabels = 0;
	/* only decoded and string labels can print alike for different keys */
	for (j = 0; j < nl && j < METRIC_MAX_LABELS; j++)
		texts |= d->labels[j].decode != CFG_DECODE_NONE || d->labels[j].is_str ||
			 d->labels[j].stack;
	if (!texts || !n || !series__readable(d, s, 1) || n > UINT32_MAX / 2)
		return 0;
	for (nslots = 16; nslots < 2 * n; nslots *= 2)
		;
	if (!fold_reserve((void **)&f->at, &f->at_cap, n * nl, sizeof(*f->at)) ||
	    !fold_reserve((void **)&f->slots, &f->slots_cap, nslots, sizeof(*f->slots)))
		return -ENOMEM;
	buf__reset(&f->text);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nl; j++) {
			at = &f->at[i * nl + j];
			at->off = (uint32_t)f->text.len;
			put_label_text(&f->text, &d->labels[j], dec, keys + i * ks);
			at->len = (uint32_t)(f->text.len - at->off);
		}
	}
	if (f->text.oom || f->text.len > UINT32_MAX)
		return -ENOMEM;
	memset(f->slots, 0, nslots * sizeof(*f->slots));
	/* k series kept so far, in key order; a later duplicate folds into the
	 * first, so output order does not change */
	for (i = 0, k = 0; i < n; i++) {
		at = &f->at[i * nl];
		h = fold_hash(f, at, nl);
		for (pos = h & (nslots - 1); f->slots[pos]; pos = (pos + 1) & (nslots - 1)) {
			r = f->slots[pos] - 1;
			if (fold_equal(f, &f->at[r * nl], at, nl))
				break;
		}
		if (f->slots[pos]) {
			series__add_values(d->agg, d->value_signed, vw, values + r * vw,
					   values + i * vw);
			if (s->starts && s->starts[i] < s->starts[r])
				s->starts[r] = s->starts[i];
			continue;
		}
		f->slots[pos] = (uint32_t)k + 1;
		if (k != i) {
			memcpy(keys + k * ks, keys + i * ks, ks);
			memcpy(values + k * vw, values + i * vw, vw * sizeof(*values));
			memcpy(&f->at[k * nl], at, nl * sizeof(*at));
			if (s->starts)
				s->starts[k] = s->starts[i];
		}
		k++;
	}
	s->n = k;
	s->nlabels = nl;
	s->label_text = f->text.data;
	s->label_at = f->at;
	return 0;
}
