// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/starts.h"

/* The keys one read found, in its order, and their starts; an index (an
 * open-addressing table of entry + 1, 0 empty) is made only when the next
 * read needs one. */
struct stab {
	size_t n, cap;
	uint8_t *keys;
	uint64_t *start;
	uint32_t *slots;
	size_t nslots, slots_cap;
	bool indexed;
};

struct starts {
	struct stab t[2];
	int cur; /* t[cur]: the last read's */
	size_t key_size;
	uint64_t origin;
	uint64_t last_read; /* 0 before the first read */
};

struct starts *starts__new(uint64_t origin_ns)
{
	struct starts *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->origin = origin_ns;
	return st;
}

static void stab_free(struct stab *t)
{
	free(t->keys);
	free(t->start);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void starts__free(struct starts *st)
{
	if (!st)
		return;
	stab_free(&st->t[0]);
	stab_free(&st->t[1]);
	free(st);
}

uint64_t starts__origin(const struct starts *st)
{
	return st->origin;
}

static int grow(void *pp, size_t n, size_t size)
{
	void **p = pp;
	void *q = realloc(*p, n * size);

	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

/* Room for n keys: grown geometrically, so a steady state allocates
 * nothing. */
static int stab_reserve(struct stab *t, size_t n, size_t key_size)
{
	size_t cap = t->cap ? t->cap : 16;

	t->n = 0;
	t->indexed = false;
	if (n <= t->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (grow(&t->keys, cap, key_size) || grow(&t->start, cap, sizeof(*t->start)))
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

/* FNV-1a */
static uint64_t hash_key(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* Index t's keys (unique: a map's). */
static int stab_index(struct stab *t, size_t ks)
{
	size_t nslots, mask, pos;

	for (nslots = 16; nslots < 2 * t->n; nslots *= 2)
		;
	if (nslots > t->slots_cap) {
		if (grow(&t->slots, nslots, sizeof(*t->slots)))
			return -ENOMEM;
		t->slots_cap = nslots;
	}
	t->nslots = nslots;
	mask = nslots - 1;
	memset(t->slots, 0, nslots * sizeof(*t->slots));
	for (size_t e = 0; e < t->n; e++) {
		for (pos = hash_key(t->keys + e * ks, ks) & mask; t->slots[pos];
		     pos = (pos + 1) & mask)
			;
		t->slots[pos] = (uint32_t)e + 1;
	}
	t->indexed = true;
	return 0;
}

/* The entry of key in t (indexed), or -1. */
static long stab_find(const struct stab *t, const uint8_t *key, size_t ks)
{
	size_t mask = t->nslots - 1, pos;

	for (pos = hash_key(key, ks) & mask; t->slots[pos]; pos = (pos + 1) & mask) {
		if (!memcmp(t->keys + (t->slots[pos] - 1) * ks, key, ks))
			return (long)t->slots[pos] - 1;
	}
	return -1;
}

/*
 * collect hands the keys over sorted, so a read finds the last read's keys
 * in the same order, but for those that came or went: each key is first
 * compared with the one after the last found (sequential, no hashing), and
 * only on a mismatch looked up through an index of the last read's keys,
 * made then, once per read.
 */
int starts__read(struct starts *st, size_t key_size, const uint8_t *keys, size_t n, uint64_t now_ns,
		 uint64_t *out)
{
	struct stab *old = &st->t[st->cur], *cur = &st->t[!st->cur];
	uint64_t since = st->last_read ? st->last_read : st->origin;
	size_t next = 0;
	long e;

	if (key_size != st->key_size) {
		/* a new shape: no key of the old one can be found again */
		old->n = 0;
		st->key_size = key_size;
	}
	if (n > UINT32_MAX / 2 || stab_reserve(cur, n, key_size))
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *key = keys + i * key_size;

		out[i] = since;
		if (next < old->n && !memcmp(old->keys + next * key_size, key, key_size)) {
			out[i] = old->start[next++];
		} else if (old->n) {
			if (!old->indexed && stab_index(old, key_size))
				goto nomem;
			e = stab_find(old, key, key_size);
			if (e >= 0) {
				out[i] = old->start[e];
				next = (size_t)e + 1;
			}
		}
	}
	if (n) {
		memcpy(cur->keys, keys, n * key_size);
		memcpy(cur->start, out, n * sizeof(*out));
	}
	cur->n = n;
	st->cur = !st->cur;
	st->last_read = now_ns;
	return 0;
nomem:
	for (size_t i = 0; i < n; i++)
		out[i] = st->origin;
	return -ENOMEM;
}
