// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "kernel/usyms.h"
#include "scrape/stacks.h"
#include "util/buf.h"

/* a power of two above STACKS_CACHE_MAX: chains stay short */
#define NBUCKETS 8192

struct centry {
	int fd;
	uint64_t v;
	uint32_t frames;
	uint8_t stack;
	char *text;
	size_t len;
	int32_t next; /* in its bucket's chain; -1 ends it */
};

struct stacks {
	struct decoder *ksym;
	struct usyms *usyms;
	uint64_t *ips; /* one stack's addresses */
	struct buf out;
	struct centry ents[STACKS_CACHE_MAX];
	size_t nents, oldest;
	int32_t buckets[NBUCKETS];
};

struct stacks *stacks__new(const struct decode_env *env, const char *proc)
{
	struct stacks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ksym = decoder__new(CFG_DECODE_KSYM, NULL, 0, env);
	s->usyms = usyms__new(proc);
	s->ips = calloc(BPFPROM_MAX_FRAMES, sizeof(*s->ips));
	if (!s->ksym || !s->usyms || !s->ips) {
		stacks__free(s);
		errno = ENOMEM;
		return NULL;
	}
	memset(s->buckets, 0xff, sizeof(s->buckets));
	return s;
}

void stacks__free(struct stacks *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nents; i++)
		free(s->ents[i].text);
	decoder__free(s->ksym);
	usyms__free(s->usyms);
	free(s->ips);
	buf__free(&s->out);
	free(s);
}

int stacks__prepare(struct stacks *s)
{
	return decoder__prepare(s->ksym);
}

void stacks__begin(struct stacks *s)
{
	usyms__forget_procs(s->usyms);
}

uint64_t stacks__errors(const struct stacks *s)
{
	return decoder__errors(s->ksym);
}

static size_t bucket_of(int fd, uint64_t v)
{
	uint64_t h = (v ^ ((uint64_t)(uint32_t)fd << 40)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 51) & (NBUCKETS - 1);
}

static struct centry *cache_find(struct stacks *s, int fd, uint64_t v, uint32_t frames,
				 uint8_t stack)
{
	for (int32_t i = s->buckets[bucket_of(fd, v)]; i >= 0; i = s->ents[i].next) {
		struct centry *e = &s->ents[i];

		if (e->fd == fd && e->v == v && e->frames == frames && e->stack == stack)
			return e;
	}
	return NULL;
}

/* Take entry i out of its bucket's chain. */
static void cache_unlink(struct stacks *s, int32_t i)
{
	int32_t *p = &s->buckets[bucket_of(s->ents[i].fd, s->ents[i].v)];

	while (*p >= 0 && *p != i)
		p = &s->ents[*p].next;
	if (*p == i)
		*p = s->ents[i].next;
	free(s->ents[i].text);
	s->ents[i].text = NULL;
	s->ents[i].fd = -1;
}

/* Keep text for the key; the oldest entry makes room once the cache is full. */
static void cache_add(struct stacks *s, int fd, uint64_t v, uint32_t frames, uint8_t stack,
		      const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	struct centry *e;
	int32_t i;
	size_t b;

	if (!copy)
		return;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (s->nents < STACKS_CACHE_MAX) {
		i = (int32_t)s->nents++;
	} else {
		i = (int32_t)s->oldest;
		s->oldest = (s->oldest + 1) % STACKS_CACHE_MAX;
		cache_unlink(s, i);
	}
	e = &s->ents[i];
	b = bucket_of(fd, v);
	e->fd = fd;
	e->v = v;
	e->frames = frames;
	e->stack = stack;
	e->text = copy;
	e->len = len;
	e->next = s->buckets[b];
	s->buckets[b] = i;
}

void stacks__forget(struct stacks *s, int fd, uint32_t id)
{
	for (size_t i = 0; i < s->nents; i++) {
		if (s->ents[i].fd == fd && s->ents[i].text && (uint32_t)s->ents[i].v == id)
			cache_unlink(s, (int32_t)i);
	}
}

/* One frame's name, or its address in hex. Past the leaf an address is
 * where a call returns to: the byte before it is in the caller, even when
 * the call is its last instruction. */
static void put_frame(struct stacks *s, const struct metric_label *l, uint32_t pid, uint64_t ip,
		      bool leaf)
{
	uint64_t at = leaf ? ip : ip - 1;
	const char *name = NULL;
	char tmp[256];
	size_t n;

	if (l->stack == METRIC_STACK_KERNEL) {
		name = decoder__decode(s->ksym, at, false, tmp, sizeof(tmp), &n);
		buf__put(&s->out, name, n);
		return;
	}
	name = usyms__name(s->usyms, pid, at);
	if (name)
		buf__puts(&s->out, name);
	else
		buf__printf(&s->out, "0x%" PRIx64, ip);
}

const char *stacks__text(struct stacks *s, int fd, uint32_t map_frames,
			 const struct metric_label *l, uint64_t v, size_t *len)
{
	uint32_t id = (uint32_t)v, pid = (uint32_t)(v >> 32), n = 0;
	const struct centry *e = cache_find(s, fd, v, l->frames, l->stack);

	if (e) {
		*len = e->len;
		return e->text;
	}
	buf__reset(&s->out);
	if (map_frames > BPFPROM_MAX_FRAMES)
		map_frames = BPFPROM_MAX_FRAMES;
	memset(s->ips, 0, map_frames * sizeof(*s->ips));
	if (fd < 0 || bpf_map_lookup_elem(fd, &id, s->ips)) {
		*len = strlen("[unknown]");
		return "[unknown]";
	}
	/* leaf first, zeros after the last frame */
	while (n < map_frames && n < l->frames && s->ips[n])
		n++;
	for (uint32_t i = n; i > 0; i--) {
		put_frame(s, l, pid, s->ips[i - 1], i == 1);
		if (i > 1)
			buf__put(&s->out, ";", 1);
	}
	if (s->out.oom) {
		*len = 0;
		return "";
	}
	cache_add(s, fd, v, l->frames, l->stack, s->out.data, s->out.len);
	*len = s->out.len;
	return s->out.data;
}
