// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "scrape/collect.h"
#include "scrape/keyorder.h"
#include "scrape/starts.h"
#include "util/clock.h"
#include "util/log.h"

/* valgrind's client requests cost a few instructions outside valgrind */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)0)
#endif

/* Bytes of keys and per-CPU values asked for per batch call: the entry count
 * follows from the key and value sizes and the CPU count, grown if a hash
 * bucket holds more. Each call is a system call, and the kernel copies a
 * bucket at a time whatever the count, so large chunks cost only our memory;
 * no more than the map holds is asked for. */
#define CHUNK_BYTES (1u << 20)
#define CHUNK_MIN 16
#define CHUNK_MAX 65536
/* the kernel's fixed inode of the initial pid namespace (PROC_PID_INIT_INO) */
#define PID_NS_INIT "pid:[4026531836]"

struct collect {
	int ncpus;
	/* the values per series of the metric read: ncpus, or 1 for a shared map */
	size_t vcpus;
	bool shared_stats; /* min and max stored as bpfprom_shared_min/max */
	bool use_batch;
	bool batch_unsupported;
	/* raw chunk from the kernel */
	uint8_t *ckeys;
	uint64_t *cvals;
	size_t chunk;
	size_t chunk_vcpus; /* the vcpus chunk was computed for */
	size_t ckey_cap, cval_cap;
	/* combined series, unsorted, then sorted */
	uint8_t *keys, *skeys;
	uint64_t *vals, *svals;
	uint32_t *order;
	uint64_t *sstarts; /* the sorted series' start timestamps */
	size_t cap; /* series the arrays hold */
	size_t key_size, words;
	struct keyorder *ko;
	/* the drop counters: one u64 per CPU and reason, and their keys */
	uint64_t *percpu;
	uint32_t drop_keys[BPFPROM_DROP__KERNEL];
	bool drops_one_by_one; /* the kernel has no batch lookup for arrays */
	uint64_t *start_keys; /* latency: the starts' keys, for the sweep */
	int in_init_pidns; /* 0 unknown, 1 yes, -1 no */
	struct series series; /* what the last collect__metric read */
	struct series_fold fold; /* its scratch: series that print alike, folded */
	struct starts *starts; /* when each key started counting */
	size_t map_series; /* before folding */
	size_t nread; /* keys read at the last collect__metric, taken ones included */
	/* stack sweeps: the ids the last sweep found unreferenced (sorted), and
	 * the referenced ones of this sweep */
	uint32_t *stack_cand, *stack_refs, *stack_next;
	size_t nstack_cand, stack_cap;
	/* series that retire: the decisions, and what they ask */
	struct retire *retire;
	struct retire_spec rspec;
	struct retire_env renv;
	const struct loader_maps *take_maps; /* the map collect__metric reads */
	enum bpfprom_agg take_agg;
	bool take_signed;
	bool no_lookup_and_delete; /* kernels before 5.14 */
	bool retire_paused;
};

struct collect *collect__new(void)
{
	struct collect *c = calloc(1, sizeof(*c));
	int n;

	if (!c)
		return NULL;
	n = libbpf_num_possible_cpus();
	if (n <= 0) {
		free(c);
		errno = n ? -n : EINVAL;
		return NULL;
	}
	c->ncpus = n;
	c->use_batch = true;
	c->percpu = calloc((size_t)n * BPFPROM_DROP__KERNEL, sizeof(uint64_t));
	c->ko = keyorder__new();
	if (!c->percpu || !c->ko) {
		collect__free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void collect__free(struct collect *c)
{
	if (!c)
		return;
	free(c->ckeys);
	free(c->cvals);
	free(c->keys);
	free(c->skeys);
	free(c->vals);
	free(c->svals);
	free(c->order);
	free(c->sstarts);
	starts__free(c->starts);
	free(c->percpu);
	keyorder__free(c->ko);
	free(c->start_keys);
	free(c->stack_cand);
	free(c->stack_refs);
	free(c->stack_next);
	series_fold__free(&c->fold);
	retire__free(c->retire);
	free(c);
}

const struct series *collect__series(const struct collect *c)
{
	return &c->series;
}

size_t collect__map_series(const struct collect *c)
{
	return c->map_series;
}

void collect__set_batch(struct collect *c, bool use_batch)
{
	c->use_batch = use_batch;
}

void collect__combine(enum bpfprom_agg agg, bool is_signed, const uint64_t *percpu, size_t ncpus,
		      size_t words, uint64_t *out)
{
	memset(out, 0, words * sizeof(*out));
	for (size_t cpu = 0; cpu < ncpus; cpu++)
		series__add_values(agg, is_signed, words, out, percpu + cpu * words);
}

static int grow(void **p, size_t *cap, size_t need)
{
	void *n;

	if (need <= *cap)
		return 0;
	n = realloc(*p, need);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = need;
	return 0;
}

/* Room for `need` combined series of the current key and value sizes. */
static int reserve(struct collect *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 64;
	void *p;

	if (need <= c->cap)
		return 0;
	while (cap < need)
		cap *= 2;
#define REALLOC(f, sz)                   \
	do {                             \
		p = realloc(c->f, (sz)); \
		if (!p)                  \
			return -ENOMEM;  \
		c->f = p;                \
	} while (0)
	REALLOC(keys, cap * c->key_size);
	REALLOC(skeys, cap * c->key_size);
	REALLOC(vals, cap * c->words * 8);
	REALLOC(svals, cap * c->words * 8);
	REALLOC(order, cap * sizeof(*c->order));
	REALLOC(sstarts, cap * sizeof(*c->sstarts));
#undef REALLOC
	c->cap = cap;
	return 0;
}

/* One collect serves one metric; a change of shape starts the arrays over. */
static void set_shape(struct collect *c, size_t key_size, size_t words)
{
	if (c->key_size == key_size && c->words == words)
		return;
	c->key_size = key_size;
	c->words = words;
	c->cap = 0;
	c->chunk = 0;
}

/* count entries of per-CPU values, combined into out: a sum over the CPUs
 * without a branch per value, but for stats, whose CPUs without events have
 * no min or max */
static void combine_chunk(const struct collect *c, enum bpfprom_agg agg, bool is_signed,
			  const uint64_t *percpu, size_t count, uint64_t *out)
{
	size_t ncpus = c->vcpus, words = c->words, stride = ncpus * words;

	if (agg == BPFPROM_AGG_STATS) {
		for (size_t i = 0; i < count; i++)
			collect__combine(agg, is_signed, percpu + i * stride, ncpus, words,
					 out + i * words);
		return;
	}
	if (words == 1) {
		for (size_t i = 0; i < count; i++) {
			const uint64_t *v = percpu + i * stride;
			uint64_t sum = 0;

			for (size_t cpu = 0; cpu < ncpus; cpu++)
				sum += v[cpu];
			out[i] = sum;
		}
		return;
	}
	for (size_t i = 0; i < count; i++) {
		const uint64_t *v = percpu + i * stride;
		uint64_t *o = out + i * words;

		memcpy(o, v, words * sizeof(*o));
		for (size_t cpu = 1; cpu < ncpus; cpu++)
			for (size_t w = 0; w < words; w++)
				o[w] += v[cpu * words + w];
	}
}

/*
 * A shared map's stats: min and max back from their stored form (each is its
 * own inverse); a series without events has neither, as on a CPU without.
 */
static void unshare_stats(const struct collect *c, bool is_signed, uint64_t *vals, size_t count)
{
	if (!c->shared_stats)
		return;
	for (size_t i = 0; i < count; i++) {
		uint64_t *v = vals + i * c->words;

		v[BPFPROM_V_MIN] = bpfprom_shared_min(v[BPFPROM_V_MIN], is_signed);
		v[BPFPROM_V_MAX] = bpfprom_shared_max(v[BPFPROM_V_MAX], is_signed);
	}
}

static int add_series(struct collect *c, size_t n, const uint8_t *key, const uint64_t *percpu,
		      enum bpfprom_agg agg, bool is_signed)
{
	int err = reserve(c, n + 1);

	if (err)
		return err;
	memcpy(c->keys + n * c->key_size, key, c->key_size);
	collect__combine(agg, is_signed, percpu, c->vcpus, c->words, c->vals + n * c->words);
	return 0;
}

static int read_batch(struct collect *c, const struct loader_maps *m, enum bpfprom_agg agg,
		      bool is_signed, size_t *nout)
{
	size_t vstride = c->words * 8 * c->vcpus;
	uint64_t in = 0, outb = 0;
	bool first = true;
	size_t n = 0;
	int err;

	if (!c->chunk) {
		c->chunk = CHUNK_BYTES / (vstride + c->key_size);
		if (c->chunk > m->max_entries)
			c->chunk = m->max_entries;
		c->chunk = c->chunk < CHUNK_MIN ? CHUNK_MIN :
			   c->chunk > CHUNK_MAX ? CHUNK_MAX :
						  c->chunk;
	}
	for (;;) {
		__u32 count = c->chunk;

		if (grow((void **)&c->ckeys, &c->ckey_cap, c->chunk * c->key_size) ||
		    grow((void **)&c->cvals, &c->cval_cap, c->chunk * vstride))
			return -ENOMEM;
		err = bpf_map_lookup_batch(m->series_fd, first ? NULL : &in, &outb, c->ckeys,
					   c->cvals, &count, NULL);
		if (err < 0)
			err = -errno;
		/* valgrind 3.19 does not know that BPF_MAP_LOOKUP_BATCH wrote them */
		VALGRIND_MAKE_MEM_DEFINED(c->ckeys, (size_t)count * c->key_size);
		VALGRIND_MAKE_MEM_DEFINED(c->cvals, (size_t)count * vstride);
		/* a hash bucket with more entries than asked for: ask for more */
		if (err == -ENOSPC && count == 0) {
			c->chunk *= 2;
			continue;
		}
		if (err && err != -ENOENT)
			return err;
		/* an empty map has no arrays yet */
		if (count) {
			if (reserve(c, n + count))
				return -ENOMEM;
			memcpy(c->keys + n * c->key_size, c->ckeys, (size_t)count * c->key_size);
			unshare_stats(c, is_signed, c->cvals, count);
			combine_chunk(c, agg, is_signed, c->cvals, count, c->vals + n * c->words);
			/* a label-less metric's one element is there before its
			 * first event, all zero: its series is exported at 0 from
			 * the start, as client libraries export a counter */
			n += count;
		}
		if (err == -ENOENT)
			break;
		in = outb;
		first = false;
	}
	*nout = n;
	return 0;
}

static int read_loop(struct collect *c, const struct loader_maps *m, enum bpfprom_agg agg,
		     bool is_signed, size_t *nout)
{
	size_t vstride = c->words * 8 * c->vcpus;
	uint8_t *prev = NULL;
	size_t n = 0;
	int err;

	if (grow((void **)&c->ckeys, &c->ckey_cap, 2 * c->key_size) ||
	    grow((void **)&c->cvals, &c->cval_cap, vstride))
		return -ENOMEM;
	for (;;) {
		uint8_t *next = c->ckeys + (prev == c->ckeys ? c->key_size : 0);

		if (bpf_map_get_next_key(m->series_fd, prev, next))
			break;
		prev = next;
		/* deleted meanwhile (never by us, but be exact about it) */
		if (bpf_map_lookup_elem(m->series_fd, next, c->cvals))
			continue;
		unshare_stats(c, is_signed, c->cvals, 1);
		err = add_series(c, n, next, c->cvals, agg, is_signed);
		if (err)
			return err;
		n++;
	}
	*nout = n;
	return 0;
}

/*
 * retire_env.take: delete key from the map and combine the values it had at
 * that moment. Kernels before 5.14 (commit 3e87f192b405, "bpf: Add
 * lookup_and_delete_elem support to hashtab") have no lookup-and-delete for
 * hash maps: there the values are looked up, then deleted, and an event
 * between the two system calls is lost (README: Series that retire).
 */
static int take_series(void *ctx, const uint8_t *key, uint64_t *values)
{
	struct collect *c = ctx;
	int fd = c->take_maps->series_fd, err;

	if (!c->no_lookup_and_delete) {
		err = bpf_map_lookup_and_delete_elem(fd, key, c->cvals);
		if (err < 0)
			err = -errno;
		if (err == -EINVAL || err == -ENOTSUP || err == -524 /* ENOTSUPP */) {
			c->no_lookup_and_delete = true;
			log_info(
				"collect: this kernel has no lookup-and-delete for hash maps (5.14+): series are read, then deleted");
		} else if (err) {
			return err;
		}
	}
	if (c->no_lookup_and_delete) {
		if (bpf_map_lookup_elem(fd, key, c->cvals) || bpf_map_delete_elem(fd, key))
			return -errno;
	}
	VALGRIND_MAKE_MEM_DEFINED(c->cvals, c->vcpus * c->words * 8);
	unshare_stats(c, c->take_signed, c->cvals, 1);
	collect__combine(c->take_agg, c->take_signed, c->cvals, c->vcpus, c->words, values);
	return 0;
}

int collect__set_retire(struct collect *c, const struct retire_spec *spec,
			int (*alive)(void *ctx, enum retire_reason why, uint64_t id), void *ctx)
{
	if (!c->retire) {
		c->retire = retire__new();
		if (!c->retire)
			return -ENOMEM;
	}
	c->rspec = *spec;
	c->renv.alive = alive;
	c->renv.alive_ctx = ctx;
	c->renv.take = take_series;
	c->renv.take_ctx = c;
	return 0;
}

int collect__set_origin(struct collect *c, uint64_t origin_ns)
{
	starts__free(c->starts);
	c->starts = starts__new(origin_ns);
	return c->starts ? 0 : -ENOMEM;
}

uint64_t collect__origin(const struct collect *c)
{
	return c->starts ? starts__origin(c->starts) : 0;
}

void collect__adopt_starts(struct collect *c, struct collect *prev)
{
	struct starts *t = c->starts;

	c->starts = prev->starts;
	prev->starts = t;
}

void collect__pause_retire(struct collect *c, bool paused)
{
	c->retire_paused = paused;
}

void collect__retired(struct collect *c, uint64_t out[RETIRE__COUNT])
{
	if (c->retire)
		retire__counts(c->retire, out);
}

/* The series in keyorder's order: keys into skeys, values into svals. */
static void gather(struct collect *c, size_t n)
{
	size_t ks = c->key_size, vw = c->words;

	/* the common shapes copied as words, not through memcpy's size dispatch */
	if (ks == 8 && vw == 1) {
		uint64_t *sk = (uint64_t *)(void *)c->skeys;
		const uint64_t *k = (const uint64_t *)(void *)c->keys;

		for (size_t i = 0; i < n; i++) {
			sk[i] = k[c->order[i]];
			c->svals[i] = c->vals[c->order[i]];
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(c->skeys + i * ks, c->keys + c->order[i] * ks, ks);
		memcpy(c->svals + i * vw, c->vals + c->order[i] * vw, vw * 8);
	}
}

/* The reasons the program counts, summed over the CPUs: one batch call
 * (array batch ops came with hash ones, 5.6), else one lookup per reason. */
static void read_drops(struct collect *c, const struct loader_maps *maps, uint64_t *drops)
{
	__u32 count = BPFPROM_DROP__KERNEL, out = 0;
	int err;

	memset(drops, 0, BPFPROM_DROP__KERNEL * sizeof(*drops));
	if (!c->drops_one_by_one) {
		err = bpf_map_lookup_batch(maps->drops_fd, NULL, &out, c->drop_keys, c->percpu,
					   &count, NULL);
		if (err < 0)
			err = -errno;
		VALGRIND_MAKE_MEM_DEFINED(c->drop_keys, sizeof(c->drop_keys));
		VALGRIND_MAKE_MEM_DEFINED(c->percpu, (size_t)c->ncpus * BPFPROM_DROP__KERNEL * 8);
		/* all of them, or the end of a smaller map */
		if (!err || err == -ENOENT) {
			for (__u32 i = 0; i < count && i < BPFPROM_DROP__KERNEL; i++) {
				uint32_t r = c->drop_keys[i];

				for (int cpu = 0; r < BPFPROM_DROP__KERNEL && cpu < c->ncpus; cpu++)
					drops[r] += c->percpu[(size_t)i * c->ncpus + cpu];
			}
			return;
		}
		if (err == -EINVAL || err == -ENOTSUP || err == -524 /* ENOTSUPP */)
			c->drops_one_by_one = true;
	}
	for (uint32_t r = 0; r < BPFPROM_DROP__KERNEL; r++) {
		if (bpf_map_lookup_elem(maps->drops_fd, &r, c->percpu))
			continue;
		for (int cpu = 0; cpu < c->ncpus; cpu++)
			drops[r] += c->percpu[cpu];
	}
}

int collect__metric(struct collect *c, const struct loader_maps *maps, const struct metric_desc *d,
		    const struct series_decoders *dec, uint64_t *drops)
{
	struct series *s = &c->series;
	uint64_t now = clock__real_ms_ns();
	size_t n = 0;
	int err;

	memset(s, 0, sizeof(*s));
	set_shape(c, maps->key_size, maps->value_size / 8);
	c->vcpus = maps->series_shared ? 1 : (size_t)c->ncpus;
	c->shared_stats = maps->series_shared && d->agg == BPFPROM_AGG_STATS;
	/* the chunk follows from the values' size, which sharing changes */
	if (c->chunk_vcpus != c->vcpus) {
		c->chunk_vcpus = c->vcpus;
		c->chunk = 0;
	}
	if (c->use_batch && !c->batch_unsupported) {
		err = read_batch(c, maps, d->agg, d->value_signed, &n);
		/* kernels before 5.6 have no batch ops for hash maps */
		if (err == -EINVAL || err == -ENOTSUP || err == -524 /* ENOTSUPP */) {
			c->batch_unsupported = true;
			err = read_loop(c, maps, d->agg, d->value_signed, &n);
		}
	} else {
		err = read_loop(c, maps, d->agg, d->value_signed, &n);
	}
	if (err)
		return err;
	c->map_series = n;
	c->nread = n;
	/* an array's one series is never deleted; an empty map still ends
	 * the series taken at the last scrape */
	if (c->retire && !c->retire_paused && !maps->series_array) {
		size_t taken;

		/* take_series' buffer holds one series' CPUs */
		if (grow((void **)&c->cvals, &c->cval_cap, c->vcpus * c->words * 8))
			return -ENOMEM;
		c->take_maps = maps;
		c->take_agg = d->agg;
		c->take_signed = d->value_signed;
		err = retire__scrape(c->retire, &c->rspec, &c->renv, d, c->key_size, c->words,
				     clock__mono_ns(), c->keys, c->vals, n, &taken);
		if (err)
			return err;
		c->map_series = n - taken;
	}
	if (n) {
		err = reserve(c, n);
		if (err)
			return err;
		err = keyorder__sort(c->ko, d->labels, d->nlabels, c->keys, c->key_size, n,
				     c->order);
		if (err)
			return err;
		gather(c, n);
	}
	s->n = n;
	s->keys = c->skeys;
	s->values = c->svals;
	s->key_size = c->key_size;
	s->value_words = c->words;
	if (c->starts && n) {
		/* every key this read found, taken ones too: one back by the
		 * next read continues, as its values do */
		starts__read(c->starts, c->key_size, c->skeys, n, now, c->sstarts);
		s->starts = c->sstarts;
	} else if (c->starts) {
		starts__read(c->starts, c->key_size, NULL, 0, now, NULL);
	}
	err = series__fold(&c->fold, d, dec, s, c->skeys, c->svals);
	if (err)
		return err;

	/* only the reasons the program counts; the caller owns the others */
	read_drops(c, maps, drops);
	return 0;
}

void collect__prog_stats(const struct loader_maps *maps, struct collect_prog_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < maps->nprogs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(maps->prog_fds[i], &info, &len))
			continue;
		out->recursion_misses += info.recursion_misses;
		out->run_time_ns += info.run_time_ns;
		out->run_cnt += info.run_cnt;
	}
}

static bool in_init_pidns(struct collect *c)
{
	char ns[64];
	ssize_t n;

	if (!c->in_init_pidns) {
		n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
		ns[n > 0 ? n : 0] = '\0';
		c->in_init_pidns = strcmp(ns, PID_NS_INIT) == 0 ? 1 : -1;
	}
	return c->in_init_pidns > 0;
}

uint64_t collect__sweep_starts(struct collect *c, const struct loader_maps *maps)
{
	char path[64];
	uint64_t key, *next, deleted = 0;
	size_t n = 0;

	/* a start keyed by match: sources belongs to no thread; its end may still come */
	if (maps->starts_fd < 0 || !maps->starts_by_thread || !in_init_pidns(c))
		return 0;
	if (!c->start_keys) {
		c->start_keys = calloc(maps->starts_max, sizeof(uint64_t));
		if (!c->start_keys)
			return 0;
	}
	/* keys first: deleting while walking would restart the walk */
	for (next = NULL; n < maps->starts_max; next = &key) {
		if (bpf_map_get_next_key(maps->starts_fd, next, &key))
			break;
		c->start_keys[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t id = c->start_keys[i];

		snprintf(path, sizeof(path), "/proc/%u/task/%u", (unsigned int)(id >> 32),
			 (unsigned int)id);
		if (access(path, F_OK) == 0 || errno != ENOENT)
			continue;
		if (bpf_map_delete_elem(maps->starts_fd, &id) == 0)
			deleted++;
	}
	return deleted;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_u32);
}

uint64_t collect__sweep_stacks(struct collect *c, const struct loader_maps *maps,
			       const struct metric_desc *d,
			       void (*forget)(void *ctx, int fd, uint32_t id), void *ctx)
{
	size_t nrefs = 0, nnext = 0, cap = maps->max_entries;
	uint32_t id, *next;
	uint64_t deleted = 0;

	/* a series that never retires keeps its stack for good */
	if (maps->stacks_fd < 0 || !c->retire || c->retire_paused)
		return 0;
	if (c->stack_cap < cap) {
		free(c->stack_cand);
		free(c->stack_refs);
		free(c->stack_next);
		c->stack_cand = calloc(cap, sizeof(uint32_t));
		c->stack_refs = calloc(cap * BPFPROM_MAX_LABELS, sizeof(uint32_t));
		c->stack_next = calloc(cap, sizeof(uint32_t));
		c->nstack_cand = 0;
		c->stack_cap = c->stack_cand && c->stack_refs && c->stack_next ? cap : 0;
		if (!c->stack_cap)
			return 0;
	}
	/* every key read, those retired at this scrape too: they were exported
	 * now, with their stacks */
	for (size_t i = 0; i < c->nread && i < cap; i++) {
		for (size_t j = 0; j < d->nlabels && j < METRIC_MAX_LABELS; j++) {
			if (d->labels[j].stack)
				c->stack_refs[nrefs++] = (uint32_t)metric_label__int(
					&d->labels[j], c->keys + i * c->key_size);
		}
	}
	qsort(c->stack_refs, nrefs, sizeof(uint32_t), cmp_u32);
	for (next = NULL; nnext < cap; next = &id) {
		if (bpf_map_get_next_key(maps->stacks_fd, next, &id))
			break;
		if (has_u32(c->stack_refs, nrefs, id))
			continue;
		c->stack_next[nnext++] = id;
	}
	/* unreferenced at two sweeps in a row: no series has named it since the
	 * last one; deleted after the walk, which a delete would restart */
	for (size_t i = 0; i < nnext; i++) {
		id = c->stack_next[i];
		if (!has_u32(c->stack_cand, c->nstack_cand, id))
			continue;
		if (bpf_map_delete_elem(maps->stacks_fd, &id) == 0) {
			deleted++;
			if (forget)
				forget(ctx, maps->stacks_fd, id);
		}
	}
	qsort(c->stack_next, nnext, sizeof(uint32_t), cmp_u32);
	memcpy(c->stack_cand, c->stack_next, nnext * sizeof(uint32_t));
	c->nstack_cand = nnext;
	return deleted;
}
