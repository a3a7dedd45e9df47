// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/keyorder.h"

/* Below this many series a run is insertion-sorted: the radix passes' fixed
 * cost (histograms of 256 counts) is more than its few comparisons. */
#define SMALL_RUN 48

enum word_kind {
	WORD_BYTES, /* gathered byte by byte */
	WORD_BE, /* 8 key bytes in a row, most significant first (a string) */
	WORD_HOST, /* 8 key bytes in a row that are a host-order integer */
};

/* How one 8-byte word of the comparable byte string is read from a key. */
struct word {
	enum word_kind kind;
	uint32_t off; /* WORD_BE, WORD_HOST: where the 8 bytes start */
	uint64_t flip; /* sign bits to flip */
	uint32_t first; /* WORD_BYTES: index in pos/flips of the word's first byte */
	uint32_t nbytes; /* WORD_BYTES: bytes of the string in this word (the last may be short) */
};

/* A key whose word does not fit in an item with its index. */
struct pair {
	uint64_t k; /* the word being sorted on */
	uint32_t i; /* the key's index */
};

struct keyorder {
	/* the comparable byte string: key byte pos[j], xor flips[j] */
	uint32_t *pos;
	uint8_t *flips;
	uint8_t *covered;
	struct word *words;
	size_t key_cap, nwords;
	/* items: the key's index in the low idx_bits, above it the bits of
	 * the word being sorted on that differ within the run; b: scratch */
	uint64_t *a, *b;
	size_t cap;
	/* only when a word and an index need more than 64 bits */
	struct pair *p, *tmp;
	size_t pair_cap;
	unsigned int idx_bits; /* bits the largest index takes */
	uint64_t idx_mask;
	uint32_t hist[8][256];
};

struct keyorder *keyorder__new(void)
{
	return calloc(1, sizeof(struct keyorder));
}

void keyorder__free(struct keyorder *ko)
{
	if (!ko)
		return;
	free(ko->pos);
	free(ko->flips);
	free(ko->covered);
	free(ko->words);
	free(ko->a);
	free(ko->b);
	free(ko->p);
	free(ko->tmp);
	free(ko);
}

static uint64_t load_be(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint64_t load_host(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static bool grow(void **p, size_t need, size_t size)
{
	void *q = realloc(*p, need * size);

	if (!q)
		return false;
	*p = q;
	return true;
}

static int reserve(struct keyorder *ko, size_t key_size, size_t n)
{
	size_t words = (key_size + 7) / 8, cap;

	if (key_size > ko->key_cap) {
		if (!grow((void **)&ko->pos, key_size, sizeof(*ko->pos)) ||
		    !grow((void **)&ko->flips, key_size, sizeof(*ko->flips)) ||
		    !grow((void **)&ko->covered, key_size, sizeof(*ko->covered)) ||
		    !grow((void **)&ko->words, words, sizeof(*ko->words)))
			return -ENOMEM;
		ko->key_cap = key_size;
	}
	if (n > ko->cap) {
		for (cap = ko->cap ? ko->cap : 64; cap < n; cap *= 2)
			;
		if (!grow((void **)&ko->a, cap, sizeof(*ko->a)) ||
		    !grow((void **)&ko->b, cap, sizeof(*ko->b)))
			return -ENOMEM;
		ko->cap = cap;
	}
	return 0;
}

/* The pairs are twice the items' size: kept only by metrics whose keys need them. */
static int reserve_pairs(struct keyorder *ko)
{
	if (ko->pair_cap >= ko->cap)
		return 0;
	if (!grow((void **)&ko->p, ko->cap, sizeof(*ko->p)) ||
	    !grow((void **)&ko->tmp, ko->cap, sizeof(*ko->tmp)))
		return -ENOMEM;
	ko->pair_cap = ko->cap;
	return 0;
}

/* Byte j (0 most significant) of an 8-byte integer stored in host order at off. */
static uint32_t int_byte(uint32_t off, uint32_t j)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return off + 7 - j;
#else
	return off + j;
#endif
}

/* The comparable byte string of the labels, then the uncompared key bytes. */
static void plan_words(struct keyorder *ko, const struct metric_label *labels, size_t nlabels,
		       size_t key_size)
{
	size_t len = 0, i, j, w;

	memset(ko->covered, 0, key_size);
	for (i = 0; i < nlabels; i++) {
		const struct metric_label *l = &labels[i];
		bool number = !l->is_str && l->key_size == 8;

		if (l->key_off > key_size || l->key_size > key_size - l->key_off)
			continue;
		for (j = 0; j < l->key_size; j++) {
			uint32_t b = number ? int_byte(l->key_off, j) : l->key_off + j;

			/* equal in both keys by the time this byte is reached */
			if (ko->covered[b])
				continue;
			ko->covered[b] = 1;
			ko->pos[len] = b;
			ko->flips[len] = number && l->is_signed && j == 0 ? 0x80 : 0;
			len++;
		}
	}
	for (j = 0; j < key_size; j++) {
		if (!ko->covered[j]) {
			ko->pos[len] = j;
			ko->flips[len] = 0;
			len++;
		}
	}
	ko->nwords = (len + 7) / 8;
	for (w = 0; w < ko->nwords; w++) {
		struct word *wd = &ko->words[w];
		size_t first = w * 8, nb = len - first < 8 ? len - first : 8;
		bool up = nb == 8, down = nb == 8;

		wd->first = first;
		wd->nbytes = nb;
		wd->flip = 0;
		for (j = 0; j < nb; j++)
			wd->flip |= (uint64_t)ko->flips[first + j] << (8 * (7 - j));
		/* a short last word is gathered byte by byte */
		for (j = 0; j < 8 && nb == 8; j++) {
			up &= ko->pos[first + j] == ko->pos[first] + j;
			down &= ko->pos[first + j] == int_byte(ko->pos[first + 7], j);
		}
		if (up) {
			wd->kind = WORD_BE;
			wd->off = ko->pos[first];
		} else if (down) {
			/* only on little-endian hosts: the lowest byte comes last */
			wd->kind = WORD_HOST;
			wd->off = ko->pos[first + 7];
		} else {
			wd->kind = WORD_BYTES;
		}
	}
}

static uint64_t word_of(const struct keyorder *ko, const struct word *wd, const uint8_t *key)
{
	uint64_t v = 0;
	uint32_t j;

	switch (wd->kind) {
	case WORD_BE:
		return load_be(key + wd->off) ^ wd->flip;
	case WORD_HOST:
		return load_host(key + wd->off) ^ wd->flip;
	default:
		for (j = 0; j < 8; j++) {
			v <<= 8;
			if (j < wd->nbytes)
				v |= key[ko->pos[wd->first + j]] ^ ko->flips[wd->first + j];
		}
		return v;
	}
}

/* Stable: equal words keep their order. */
static void insertion_sort(struct pair *p, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct pair x = p[i];
		size_t j = i;

		for (; j > 0 && p[j - 1].k > x.k; j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
}

/* Items are unique (their indices are): no order among equals to keep. */
static void insertion_sort_u64(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* A byte's histogram into the first index of each byte value (an exclusive
 * prefix sum): where a stable pass puts that value's next element. */
static inline void offsets(uint32_t *h)
{
	uint32_t sum = 0, c;

	for (unsigned int b = 0; b < 256; b++) {
		c = h[b];
		h[b] = sum;
		sum += c;
	}
}
/* Stable LSD radix sort of the n u64 at src on bits [shift, shift + bits)
 * (tmp: room for n more); bytes in which diff has no bit, the same in every
 * item, are not passed over. Returns where the sorted items are. Digits are
 * bytes: 11 bits (fewer passes) measured slower from 100k series up, the
 * scatter to 2048 places missing the caches. */
static uint64_t *radix_u64(struct keyorder *ko, uint64_t *src, uint64_t *tmp, size_t n,
			   unsigned int shift, unsigned int bits, uint64_t diff)
{
	unsigned int nd = (bits + 7) / 8, d;
	uint64_t *dst = tmp, *t;
	size_t i;

	memset(ko->hist, 0, nd * sizeof(ko->hist[0]));
	for (i = 0; i < n; i++) {
		uint64_t k = src[i] >> shift;

		for (d = 0; d < nd; d++)
			ko->hist[d][(k >> (8 * d)) & 0xff]++;
	}
	for (d = 0; d < nd; d++) {
		uint32_t *h = ko->hist[d];
		unsigned int sh = shift + 8 * d;

		if (!((diff >> (8 * d)) & 0xff))
			continue;
		offsets(h);
		for (i = 0; i < n; i++)
			dst[h[(src[i] >> sh) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	return src;
}

/* Stable LSD radix sort of the pairs p[0 .. n) on k, a byte at a time,
 * bytes in which diff has no bit not passed over; tmp: room for n pairs. */
static void radix_pairs(struct keyorder *ko, struct pair *p, struct pair *tmp, size_t n,
			uint64_t diff)
{
	struct pair *src = p, *dst = tmp, *t;
	unsigned int d;
	size_t i;

	memset(ko->hist, 0, sizeof(ko->hist));
	for (i = 0; i < n; i++) {
		uint64_t k = p[i].k;

		for (d = 0; d < 8; d++)
			ko->hist[d][(k >> (8 * d)) & 0xff]++;
	}
	for (d = 0; d < 8; d++) {
		uint32_t *h = ko->hist[d];

		if (!((diff >> (8 * d)) & 0xff))
			continue;
		offsets(h);
		for (i = 0; i < n; i++)
			dst[h[(src[i].k >> (8 * d)) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != p)
		memcpy(p, src, n * sizeof(*p));
}

/*
 * Sort the run a[lo .. lo + n) on word w, then each run of equal words in
 * it on the next. Within a run the items are in index order (the sorts are
 * stable and the first order is the indices'), so sorting items on word and
 * index together is the stable sort on the word.
 */
static int sort_run(struct keyorder *ko, const uint8_t *keys, size_t key_size, size_t lo, size_t n,
		    size_t w)
{
	const struct word *wd = &ko->words[w];
	unsigned int ib = ko->idx_bits, kbits;
	uint64_t *a = ko->a + lo, *b = ko->b + lo, *r, diff = 0, kmask;
	size_t i, j;
	int err;

	/* the words in b, and the bits in which they differ */
	for (i = 0; i < n; i++)
		b[i] = word_of(ko, wd, keys + (a[i] & ko->idx_mask) * key_size);
	for (i = 1; i < n; i++)
		diff |= b[i] ^ b[0];
	if (!diff) {
		/* one run: on to the next word, in the same order */
		for (i = 0; i < n; i++)
			a[i] &= ko->idx_mask;
		goto next;
	}
	kbits = 64 - __builtin_clzll(diff);
	if (kbits + ib <= 64) {
		/* the bits above kbits are the same in every word */
		kmask = kbits == 64 ? ~0ull : (1ull << kbits) - 1;
		for (i = 0; i < n; i++)
			a[i] = (b[i] & kmask) << ib | (a[i] & ko->idx_mask);
		if (n < SMALL_RUN) {
			insertion_sort_u64(a, n);
		} else {
			r = radix_u64(ko, a, b, n, ib, kbits, diff);
			if (r != a)
				memcpy(a, r, n * sizeof(*a));
		}
		goto next;
	}
	err = reserve_pairs(ko);
	if (err)
		return err;
	{
		struct pair *p = ko->p + lo;

		for (i = 0; i < n; i++) {
			p[i].k = b[i];
			p[i].i = (uint32_t)(a[i] & ko->idx_mask);
		}
		if (n < SMALL_RUN)
			insertion_sort(p, n);
		else
			radix_pairs(ko, p, ko->tmp + lo, n, diff);
		/* runs of equal words told apart by the items' top bit (the
		 * index takes 32 bits at most) */
		for (i = 0, j = 0; i < n; i++) {
			if (i && p[i].k != p[i - 1].k)
				j++;
			a[i] = (uint64_t)(j & 1) << 63 | p[i].i;
		}
	}
next:
	if (w + 1 >= ko->nwords)
		return 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j] >> ib == a[i] >> ib; j++)
			;
		if (j - i > 1) {
			err = sort_run(ko, keys, key_size, lo + i, j - i, w + 1);
			if (err)
				return err;
		}
	}
	return 0;
}

int keyorder__sort(struct keyorder *ko, const struct metric_label *labels, size_t nlabels,
		   const uint8_t *keys, size_t key_size, size_t n, uint32_t *order)
{
	size_t i;
	int err;

	if (n > UINT32_MAX || key_size > UINT32_MAX)
		return -EINVAL;
	if (n < 2 || !key_size) {
		for (i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		return 0;
	}
	err = reserve(ko, key_size, n);
	if (err)
		return err;
	plan_words(ko, labels, nlabels, key_size);
	ko->idx_bits = 64 - __builtin_clzll(n - 1);
	ko->idx_mask = (1ull << ko->idx_bits) - 1;
	for (i = 0; i < n; i++)
		ko->a[i] = i;
	err = sort_run(ko, keys, key_size, 0, n, 0);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)(ko->a[i] & ko->idx_mask);
	return 0;
}
