// SPDX-License-Identifier: GPL-2.0
/*
 * The one generic BPF program of bpfprom. Every metric loads its own copy,
 * specialised through the `cfg` rodata written before load: the verifier sees
 * the configuration as constants and prunes every branch the metric does not
 * use, so the JIT-ed program only does the metric's own work.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpfprom.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct bpfprom_metric_cfg cfg = {};

#define MAX_VALUE_WORDS (BPFPROM_V_BUCKETS + BPFPROM_MAX_BUCKETS + 1)

struct scratch {
	__u8 key[BPFPROM_MAX_KEY];
	/* never written: the initial value of a new series */
	__u64 zero[MAX_VALUE_WORDS];
};

/* Key and value sizes are set per metric by the loader, so no BTF types. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__uint(key_size, 8);
	__uint(value_size, 8);
} series SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFPROM_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *d = bpf_map_lookup_elem(&drops, &reason);

	if (d)
		*d += 1;
}

/* A tracepoint field: offset from the probe's format, size 1/2/4/8. */
static __always_inline __u64 read_field(void *ctx, const volatile struct bpfprom_src_cfg *s,
					__u32 probe)
{
	__u32 size = s->size;
	__u32 off;
	__u64 v = 0;

	if (cfg.nprobes > 1)
		off = s->off[probe & (BPFPROM_MAX_PROBES - 1)];
	else
		off = s->off[0];
	if (size > 8)
		size = 8;
	/* little-endian: the field lands in the low bytes */
	bpf_probe_read_kernel(&v, size, ctx + off);
	if (s->is_signed && size < 8)
		v = (__u64)(((__s64)(v << (64 - 8 * size))) >> (64 - 8 * size));
	return v;
}

static __always_inline __u64 read_int(void *ctx, const volatile struct bpfprom_src_cfg *s,
				      __u32 probe)
{
	switch (s->kind) {
	case BPFPROM_SRC_PID:
		return bpf_get_current_pid_tgid() >> 32;
	case BPFPROM_SRC_TID:
		return (__u32)bpf_get_current_pid_tgid();
	case BPFPROM_SRC_UID:
		return (__u32)bpf_get_current_uid_gid();
	case BPFPROM_SRC_GID:
		return bpf_get_current_uid_gid() >> 32;
	case BPFPROM_SRC_CPU:
		return bpf_get_smp_processor_id();
	case BPFPROM_SRC_CGROUP:
		return bpf_get_current_cgroup_id();
	case BPFPROM_SRC_FIELD:
		return read_field(ctx, s, probe);
	case BPFPROM_SRC_PROBE:
		return probe;
	default:
		return 0;
	}
}

static __always_inline int cmp_int(__u64 v, const volatile struct bpfprom_filter_cfg *f)
{
	__u64 lit = f->lit;

	if (f->src.is_signed) {
		switch (f->op) {
		case BPFPROM_OP_EQ:
			return v == lit;
		case BPFPROM_OP_NE:
			return v != lit;
		case BPFPROM_OP_LT:
			return (__s64)v < (__s64)lit;
		case BPFPROM_OP_LE:
			return (__s64)v <= (__s64)lit;
		case BPFPROM_OP_GT:
			return (__s64)v > (__s64)lit;
		default:
			return (__s64)v >= (__s64)lit;
		}
	}
	switch (f->op) {
	case BPFPROM_OP_EQ:
		return v == lit;
	case BPFPROM_OP_NE:
		return v != lit;
	case BPFPROM_OP_LT:
		return v < lit;
	case BPFPROM_OP_LE:
		return v <= lit;
	case BPFPROM_OP_GT:
		return v > lit;
	default:
		return v >= lit;
	}
}

/* The comm is compared as two words: the kernel pads it with NULs. */
static __always_inline int filter_ok(void *ctx, const volatile struct bpfprom_filter_cfg *f,
				     __u32 probe)
{
	if (f->src.kind == BPFPROM_SRC_COMM) {
		__u64 comm[BPFPROM_COMM_LEN / 8] = {};
		int eq;

		bpf_get_current_comm(comm, sizeof(comm));
		eq = comm[0] == f->str[0] && comm[1] == f->str[1];
		return f->op == BPFPROM_OP_EQ ? eq : !eq;
	}
	return cmp_int(read_int(ctx, &f->src, probe), f);
}

static __always_inline void put_label(void *ctx, __u8 *key,
				      const volatile struct bpfprom_label_cfg *l, __u32 probe)
{
	__u32 off = l->key_off;

	if (off > BPFPROM_MAX_KEY - BPFPROM_COMM_LEN)
		return;
	if (l->src.kind == BPFPROM_SRC_COMM) {
		bpf_get_current_comm(key + off, BPFPROM_COMM_LEN);
		return;
	}
	*(__u64 *)(key + off) = read_int(ctx, &l->src, probe);
}

static __always_inline void update(__u64 *val, __u64 v)
{
	__u32 b;

	switch (cfg.agg) {
	case BPFPROM_AGG_COUNT:
		val[BPFPROM_V_COUNT] += 1;
		break;
	case BPFPROM_AGG_SUM:
		val[BPFPROM_V_COUNT] += 1;
		val[BPFPROM_V_SUM] += v;
		break;
	case BPFPROM_AGG_HIST:
		/* no count word: _count is the buckets' total at render time */
		val[BPFPROM_V_SUM] += v;
		b = bpfprom_hist_bucket(v, cfg.value.is_signed, cfg.hist_first_slot, cfg.nbuckets);
		if (b > cfg.nbuckets)
			b = cfg.nbuckets;
		val[BPFPROM_V_BUCKETS + b] += 1;
		break;
	case BPFPROM_AGG_LHIST:
		val[BPFPROM_V_SUM] += v;
		b = bpfprom_lhist_bucket(v, cfg.value.is_signed, cfg.lhist_min, cfg.lhist_step,
					 cfg.nbuckets);
		if (b > cfg.nbuckets)
			b = cfg.nbuckets;
		val[BPFPROM_V_BUCKETS + b] += 1;
		break;
	case BPFPROM_AGG_STATS:
		/* a series new on this CPU starts from the first value */
		if (val[BPFPROM_V_COUNT] == 0) {
			val[BPFPROM_V_MIN] = v;
			val[BPFPROM_V_MAX] = v;
		} else if (cfg.value.is_signed) {
			if ((__s64)v < (__s64)val[BPFPROM_V_MIN])
				val[BPFPROM_V_MIN] = v;
			if ((__s64)v > (__s64)val[BPFPROM_V_MAX])
				val[BPFPROM_V_MAX] = v;
		} else {
			if (v < val[BPFPROM_V_MIN])
				val[BPFPROM_V_MIN] = v;
			if (v > val[BPFPROM_V_MAX])
				val[BPFPROM_V_MAX] = v;
		}
		val[BPFPROM_V_COUNT] += 1;
		val[BPFPROM_V_SUM] += v;
		break;
	}
}

static __always_inline int handle(void *ctx, __u32 probe)
{
	struct scratch *s;
	__u32 zero = 0;
	__u64 *val;
	__u64 v = 0;
	int err;

#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_FILTERS; i++) {
		if (i < cfg.nfilters && !filter_ok(ctx, &cfg.filters[i], probe))
			return 0;
	}

	if (cfg.agg != BPFPROM_AGG_COUNT)
		v = read_int(ctx, &cfg.value, probe);

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_LABELS; i++) {
		if (i < cfg.nlabels)
			put_label(ctx, s->key, &cfg.labels[i], probe);
	}

	val = bpf_map_lookup_elem(&series, s->key);
	if (!val) {
		/* EEXIST: another CPU inserted the same key meanwhile; fine */
		err = bpf_map_update_elem(&series, s->key, s->zero, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST */) {
			count_drop(BPFPROM_DROP_MAP_FULL);
			return 0;
		}
		val = bpf_map_lookup_elem(&series, s->key);
		if (!val) {
			count_drop(BPFPROM_DROP_MAP_FULL);
			return 0;
		}
	}
	update(val, v);
	return 0;
}

SEC("tracepoint")
int handle_tp(void *ctx)
{
	__u32 probe = 0;

	/* the attach cookie is the index of the probe in the metric's list */
	if (cfg.nprobes > 1)
		probe = bpf_get_attach_cookie(ctx);
	return handle(ctx, probe);
}
