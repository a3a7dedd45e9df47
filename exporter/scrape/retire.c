// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scrape/retire.h"
#include "scrape/series.h"

/* the kernel's fixed inode of the initial pid namespace (PROC_PID_INIT_INO) */
#define PID_NS_INIT "pid:[4026531836]"

const char *const retire__reason_names[RETIRE__COUNT] = {
	[RETIRE_PROCESS_GONE] = "process_gone",
	[RETIRE_CGROUP_GONE] = "cgroup_gone",
	[RETIRE_IDLE] = "idle",
};

/*
 * What one scrape knows of the map's series, by key: a hash of its values
 * as the map held them (to see that it changed), when they last changed, and
 * for a series taken at this scrape or kept since, the values it had.
 */
struct rtab {
	size_t n, cap;
	uint8_t *keys;
	uint64_t *sum;
	uint64_t *changed;
	uint32_t *kept; /* 0, or 1 + its index in kept_vals */
	uint8_t *why; /* of the last take */
	uint8_t *seen; /* found again at the next scrape */
	uint64_t *kept_vals;
	size_t nkept, kept_cap;
	uint32_t *slots; /* entry + 1, 0 empty */
	size_t nslots;
};

struct retire {
	struct rtab t[2];
	int cur;
	size_t key_size, words;
	uint64_t *tmp;
	uint64_t counts[RETIRE__COUNT];
};

bool retire__spec(struct retire_spec *spec, const struct metric_desc *d,
		  const struct cfg_metric *cm)
{
	memset(spec, 0, sizeof(*spec));
	for (size_t j = 0; j < d->nlabels && j < METRIC_MAX_LABELS; j++) {
		const struct metric_label *l = &d->labels[j];
		enum bpfprom_src src;

		/* decode: k8s prints one key label as three: its first part */
		if (l->part || l->is_str || l->cfg_label >= cm->nlabels)
			continue;
		src = cm->labels[l->cfg_label].src.kind;
		if (src != BPFPROM_SRC_PID && src != BPFPROM_SRC_TID && src != BPFPROM_SRC_CGROUP &&
		    src != BPFPROM_SRC_USTACK && !l->usym)
			continue;
		if (spec->nkeys == BPFPROM_MAX_LABELS)
			break;
		/* a usym's address is its process's: the tgid after it */
		if (l->usym) {
			spec->after[spec->nkeys] = true;
			spec->keys[spec->nkeys] = l;
			spec->why[spec->nkeys++] = RETIRE_PROCESS_GONE;
			continue;
		}
		/* a ustack's key is tgid << 32 | stack id: its process's */
		spec->shift[spec->nkeys] = src == BPFPROM_SRC_USTACK ? 32 : 0;
		spec->keys[spec->nkeys] = l;
		spec->why[spec->nkeys++] = src == BPFPROM_SRC_CGROUP ? RETIRE_CGROUP_GONE :
								       RETIRE_PROCESS_GONE;
	}
	spec->ttl_ns = cm->series_ttl_ms * 1000000;
	return spec->nkeys || spec->ttl_ns;
}

bool retire__can(const struct retire_spec *spec, enum retire_reason r)
{
	if (r == RETIRE_IDLE)
		return spec->ttl_ns != 0;
	for (size_t k = 0; k < spec->nkeys; k++) {
		if (spec->why[k] == r)
			return true;
	}
	return false;
}

struct retire *retire__new(void)
{
	return calloc(1, sizeof(struct retire));
}

static void rtab_free(struct rtab *t)
{
	free(t->keys);
	free(t->sum);
	free(t->changed);
	free(t->kept);
	free(t->why);
	free(t->seen);
	free(t->kept_vals);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void retire__free(struct retire *r)
{
	if (!r)
		return;
	rtab_free(&r->t[0]);
	rtab_free(&r->t[1]);
	free(r->tmp);
	free(r);
}

void retire__counts(struct retire *r, uint64_t out[RETIRE__COUNT])
{
	for (int i = 0; i < RETIRE__COUNT; i++) {
		out[i] += r->counts[i];
		r->counts[i] = 0;
	}
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

/* Room for n entries, and an empty index for them. */
static int rtab_reset(struct rtab *t, size_t n, size_t key_size)
{
	size_t nslots;

	t->n = 0;
	t->nkept = 0;
	if (n > t->cap) {
		if (grow(&t->keys, n, key_size) || grow(&t->sum, n, sizeof(*t->sum)) ||
		    grow(&t->changed, n, sizeof(*t->changed)) ||
		    grow(&t->kept, n, sizeof(*t->kept)) || grow(&t->why, n, 1) ||
		    grow(&t->seen, n, 1))
			return -ENOMEM;
		t->cap = n;
	}
	for (nslots = 16; nslots < 2 * n; nslots *= 2)
		;
	if (nslots > t->nslots) {
		if (grow(&t->slots, nslots, sizeof(*t->slots)))
			return -ENOMEM;
	}
	t->nslots = nslots;
	memset(t->slots, 0, nslots * sizeof(*t->slots));
	return 0;
}

/* FNV-1a over bytes, then 64-bit words */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t hash_words(const uint64_t *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ v[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* Whether t holds key: its slot in *pos, else the empty slot for it. */
static bool find_slot(const struct rtab *t, const uint8_t *key, size_t ks, size_t *pos)
{
	size_t mask = t->nslots - 1;

	for (*pos = hash_bytes(key, ks) & mask; t->slots[*pos]; *pos = (*pos + 1) & mask) {
		if (!memcmp(t->keys + (t->slots[*pos] - 1) * ks, key, ks))
			return true;
	}
	return false;
}

/* The entry of key in t, or -1. */
static long rtab_find(const struct rtab *t, const uint8_t *key, size_t ks)
{
	size_t pos;

	if (!t->nslots || !find_slot(t, key, ks, &pos))
		return -1;
	return (long)t->slots[pos] - 1;
}

/* A new entry for key, which t does not hold. */
static size_t rtab_add(struct rtab *t, const uint8_t *key, size_t ks)
{
	size_t e = t->n++, pos;

	find_slot(t, key, ks, &pos);
	t->slots[pos] = (uint32_t)e + 1;
	memcpy(t->keys + e * ks, key, ks);
	t->kept[e] = 0;
	t->why[e] = 0;
	t->seen[e] = 0;
	return e;
}

/* The values kept for entry e (zeroed when new), or NULL. */
static uint64_t *rtab_kept(struct rtab *t, size_t e, size_t words)
{
	if (!t->kept[e]) {
		if (t->nkept == t->kept_cap) {
			size_t cap = t->kept_cap ? 2 * t->kept_cap : 16;

			if (grow(&t->kept_vals, cap * words, sizeof(uint64_t)))
				return NULL;
			t->kept_cap = cap;
		}
		memset(t->kept_vals + t->nkept * words, 0, words * sizeof(uint64_t));
		t->kept[e] = (uint32_t)++t->nkept;
	}
	return t->kept_vals + (t->kept[e] - 1) * words;
}

/* Why the series of key is due now, or -1. Only a series whose values did
 * not change since the last scrape is asked about: one that did had a live
 * task or cgroup a moment ago, and is asked at the next scrape. */
static int due(const struct retire_spec *spec, const struct retire_env *env, const uint8_t *key,
	       bool unchanged, uint64_t idle_ns)
{
	if (!unchanged)
		return -1;
	for (size_t k = 0; k < spec->nkeys; k++) {
		uint64_t id = metric_label__int(spec->keys[k], key) >> spec->shift[k];

		if (spec->after[k])
			memcpy(&id, key + spec->keys[k]->key_off + 8, sizeof(id));

		if (env->alive(env->alive_ctx, spec->why[k], id) == 0)
			return (int)spec->why[k];
	}
	if (spec->ttl_ns && idle_ns >= spec->ttl_ns)
		return RETIRE_IDLE;
	return -1;
}

int retire__scrape(struct retire *r, const struct retire_spec *spec, const struct retire_env *env,
		   const struct metric_desc *d, size_t key_size, size_t words, uint64_t now_ns,
		   const uint8_t *keys, uint64_t *values, size_t n, size_t *taken)
{
	struct rtab *old, *cur;
	uint64_t *kept;
	size_t e;
	long o;
	int why;

	*taken = 0;
	if (r->key_size != key_size || r->words != words) {
		/* a new shape: nothing known of the old one applies */
		rtab_free(&r->t[0]);
		rtab_free(&r->t[1]);
		free(r->tmp);
		r->tmp = calloc(words ? words : 1, sizeof(uint64_t));
		if (!r->tmp)
			return -ENOMEM;
		r->key_size = key_size;
		r->words = words;
	}
	old = &r->t[r->cur];
	cur = &r->t[!r->cur];
	if (n > UINT32_MAX / 2 || rtab_reset(cur, n, key_size))
		return -ENOMEM;
	if (old->n)
		memset(old->seen, 0, old->n);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *key = keys + i * key_size;
		uint64_t *v = values + i * words;
		uint64_t h = hash_words(v, words);
		bool unchanged = false;

		o = rtab_find(old, key, key_size);
		e = rtab_add(cur, key, key_size);
		cur->changed[e] = now_ns;
		if (o >= 0) {
			old->seen[o] = 1;
			unchanged = old->sum[o] == h;
			if (unchanged)
				cur->changed[e] = old->changed[o];
			cur->why[e] = old->why[o];
			/* taken before and back in the map: it continues from
			 * what was exported, never below */
			if (old->kept[o]) {
				kept = rtab_kept(cur, e, words);
				if (!kept)
					return -ENOMEM;
				memcpy(kept, old->kept_vals + (old->kept[o] - 1) * words,
				       words * sizeof(*kept));
				series__add_values(d->agg, d->value_signed, words, v, kept);
			}
		}
		cur->sum[e] = h;
		why = due(spec, env, key, unchanged, now_ns - cur->changed[e]);
		if (why < 0 || env->take(env->take_ctx, key, r->tmp))
			continue;
		/* what the delete returned holds every event up to it, those
		 * after the read included: this scrape exports it all */
		kept = rtab_kept(cur, e, words);
		if (!kept)
			return -ENOMEM;
		series__add_values(d->agg, d->value_signed, words, kept, r->tmp);
		memcpy(v, kept, words * sizeof(*v));
		cur->why[e] = (uint8_t)why;
		/* the map's part is gone: any event from now on is a change */
		cur->sum[e] = hash_words(NULL, 0);
		(*taken)++;
	}
	/* exported at the last scrape with every event it had, and not back:
	 * gone from the exposition now */
	for (size_t j = 0; j < old->n; j++) {
		if (!old->seen[j] && old->kept[j])
			r->counts[old->why[j]]++;
	}
	r->cur = !r->cur;
	return 0;
}

struct retire_probe {
	struct decoder *cg;
	struct decode_env env;
	int init_pidns; /* 0 unknown, 1 yes, -1 no */
};

struct retire_probe *retire_probe__new(const struct decode_env *env, bool cgroups)
{
	struct retire_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->env = *env;
	if (cgroups) {
		p->cg = decoder__new(CFG_DECODE_CGROUP_PATH, NULL, 0, &p->env);
		if (!p->cg) {
			free(p);
			return NULL;
		}
		/* opens the root (id 0 is no cgroup): the descriptor is kept */
		decoder__cgroup_alive(p->cg, 0);
	}
	return p;
}

void retire_probe__free(struct retire_probe *p)
{
	if (!p)
		return;
	decoder__free(p->cg);
	free(p);
}

static bool in_init_pidns(struct retire_probe *p)
{
	char ns[64];
	ssize_t n;

	if (!p->init_pidns) {
		n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
		ns[n > 0 ? n : 0] = '\0';
		p->init_pidns = strcmp(ns, PID_NS_INIT) == 0 ? 1 : -1;
	}
	return p->init_pidns > 0;
}

int retire_probe__alive(void *probe, enum retire_reason why, uint64_t id)
{
	struct retire_probe *p = probe;

	if (why == RETIRE_CGROUP_GONE) {
		if (!p->cg) {
			p->cg = decoder__new(CFG_DECODE_CGROUP_PATH, NULL, 0, &p->env);
			if (!p->cg)
				return -ENOMEM;
		}
		return decoder__cgroup_alive(p->cg, id);
	}
	/* 0 is the idle task (events in interrupts); a larger id than pid_t
	 * holds would be a process group to kill(2) */
	if (!id || id > INT_MAX || !in_init_pidns(p))
		return -EOPNOTSUPP;
	/* a thread's id answers too; EPERM: there, another user's */
	if (kill((pid_t)id, 0) == 0 || errno != ESRCH)
		return 1;
	return 0;
}
