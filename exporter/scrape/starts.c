// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/starts.h"

/* The keys one read found and their starts, indexed by an open-addressing
 * table of entry + 1 (0: empty). */
struct stab {
	size_t n, cap;
	uint8_t *keys;
	uint64_t *start;
	uint32_t *slots;
	size_t nslots;
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

/* Room for n keys, and an empty index: grown geometrically, so a steady
 * state allocates nothing. */
static int stab_reset(struct stab *t, size_t n, size_t key_size)
{
	size_t cap = t->cap ? t->cap : 16, nslots;

	t->n = 0;
	if (n > t->cap) {
		while (cap < n)
			cap *= 2;
		if (grow(&t->keys, cap, key_size) || grow(&t->start, cap, sizeof(*t->start)))
			return -ENOMEM;
		t->cap = cap;
	}
	for (nslots = 16; nslots < 2 * n; nslots *= 2)
		;
	if (nslots > t->nslots) {
		if (grow(&t->slots, nslots, sizeof(*t->slots)))
			return -ENOMEM;
		t->nslots = nslots;
	}
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
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

/* Whether t holds key: its slot in *pos, else the empty slot for it. */
static int find_slot(const struct stab *t, const uint8_t *key, size_t ks, size_t *pos)
{
	size_t mask = t->nslots - 1;

	for (*pos = hash_key(key, ks) & mask; t->slots[*pos]; *pos = (*pos + 1) & mask) {
		if (!memcmp(t->keys + (t->slots[*pos] - 1) * ks, key, ks))
			return 1;
	}
	return 0;
}

int starts__read(struct starts *st, size_t key_size, const uint8_t *keys, size_t n, uint64_t now_ns,
		 uint64_t *out)
{
	struct stab *old = &st->t[st->cur], *cur = &st->t[!st->cur];
	uint64_t since = st->last_read ? st->last_read : st->origin;
	size_t pos;

	if (key_size != st->key_size) {
		/* a new shape: no key of the old one can be found again */
		old->n = 0;
		st->key_size = key_size;
	}
	if (n > UINT32_MAX / 2 || stab_reset(cur, n, key_size)) {
		for (size_t i = 0; i < n; i++)
			out[i] = st->origin;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *key = keys + i * key_size;

		out[i] = since;
		if (old->n && find_slot(old, key, key_size, &pos))
			out[i] = old->start[old->slots[pos] - 1];
		/* a key read twice in one read (it cannot be: the map's keys
		 * are unique) keeps its first entry */
		if (find_slot(cur, key, key_size, &pos))
			continue;
		cur->slots[pos] = (uint32_t)cur->n + 1;
		memcpy(cur->keys + cur->n * key_size, key, key_size);
		cur->start[cur->n++] = out[i];
	}
	st->cur = !st->cur;
	st->last_read = now_ns;
	return 0;
}
