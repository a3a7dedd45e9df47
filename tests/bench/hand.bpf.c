// SPDX-License-Identifier: GPL-2.0
/*
 * The practical lower bound for the per-event benchmarks: what someone would
 * write by hand for each bench metric, with the same logic as bpfprom's
 * generic program (same maps, key layout, value layout and bucket function)
 * but no configuration at all: every field offset and size is a constant and
 * the tracepoint record is read directly from ctx. Like bpfprom, a metric
 * without labels is element 0 of a per-CPU array of one (its lookup is
 * inlined by the verifier), a metric with labels a per-CPU hash.
 * tests/bench/hand.c loads and attaches one program of this object.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpfprom.h"

char LICENSE[] SEC("license") = "GPL";

/* syscalls:sys_enter_* records: the common header, then __syscall_nr */
struct sys_enter {
	__u64 common;
	int nr;
};

struct key1 {
	char comm[BPFPROM_COMM_LEN];
};

/* syscalls:sys_enter_write: fd, buf, count */
struct sys_enter_write {
	__u64 common;
	__s64 nr;
	__u64 fd;
	__u64 buf;
	__u64 count;
};

/* bpftrace's layout of @[comm] = hist(x): a count per (comm, bucket) */
struct keyb {
	char comm[BPFPROM_COMM_LEN];
	__u64 bucket;
};

struct key3 {
	char comm[BPFPROM_COMM_LEN];
	__u64 cpu;
	__u64 nr;
};

/* bpfprom's value layout (bpfprom.h): hist [1] sum, [2..] 66 log2 slots + overflow */
#define HIST_BUCKETS BPFPROM_LOG2_SLOTS
struct hist_val {
	__u64 unused;
	__u64 sum;
	__u64 b[HIST_BUCKETS + 1];
};

/* bpfprom's value layout of sum: [0] count, [1] sum */
struct sum_val {
	__u64 count;
	__u64 sum;
};

struct stats_val {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
};

/* the initial value of a new series */
static const struct hist_val zero;

#define MAP(name, K, V)                                 \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH); \
		__uint(max_entries, 10240);             \
		__type(key, K);                         \
		__type(value, V);                       \
	} name SEC(".maps")

#define MAP0(name, V)                                    \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, 1);                  \
		__type(key, __u32);                      \
		__type(value, V);                        \
	} name SEC(".maps")

MAP0(count0_map, __u64);
MAP(count1_map, struct key1, __u64);
MAP(count3_map, struct key3, __u64);
MAP0(hist0_map, struct hist_val);
MAP(hist1_map, struct key1, struct hist_val);
MAP(hist3_map, struct key3, struct hist_val);
MAP0(stats0_map, struct stats_val);
MAP(stats1_map, struct key1, struct stats_val);
MAP(stats3_map, struct key3, struct stats_val);
MAP(up_count1_map, struct key1, __u64);
MAP(hist1w_map, struct key1, struct hist_val);
MAP(hist1kb_map, struct keyb, __u64);
MAP0(sum0_map, struct sum_val);
MAP0(expr0_map, struct sum_val);

/* The series of key, created at zero if new (another CPU may create it first). */
static __always_inline void *series(void *map, const void *key)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void fill3(struct key3 *k, const struct sys_enter *ctx)
{
	bpf_get_current_comm(k->comm, sizeof(k->comm));
	k->cpu = bpf_get_smp_processor_id();
	k->nr = (__s64)ctx->nr;
}

static __always_inline void hist_add(struct hist_val *h, __s64 v)
{
	__u64 b = bpfprom_hist_bucket(v, 1, 0, HIST_BUCKETS);

	if (b > HIST_BUCKETS)
		b = HIST_BUCKETS;
	h->sum += v;
	h->b[b] += 1;
}

static __always_inline void stats_add(struct stats_val *s, __s64 v)
{
	if (s->count == 0) {
		s->min = v;
		s->max = v;
	} else {
		if (v < (__s64)s->min)
			s->min = v;
		if (v > (__s64)s->max)
			s->max = v;
	}
	s->count += 1;
	s->sum += v;
}

SEC("tracepoint")
int empty(void *ctx)
{
	return 0;
}

SEC("tracepoint")
int count0(struct sys_enter *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&count0_map, &k);

	if (v)
		*v += 1;
	return 0;
}

SEC("tracepoint")
int count1(struct sys_enter *ctx)
{
	struct key1 k;
	__u64 *v;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	v = series(&count1_map, &k);
	if (v)
		*v += 1;
	return 0;
}

SEC("tracepoint")
int count3(struct sys_enter *ctx)
{
	struct key3 k;
	__u64 *v;

	fill3(&k, ctx);
	v = series(&count3_map, &k);
	if (v)
		*v += 1;
	return 0;
}

SEC("tracepoint")
int hist0(struct sys_enter *ctx)
{
	__u32 k = 0;
	struct hist_val *h = bpf_map_lookup_elem(&hist0_map, &k);

	if (h)
		hist_add(h, ctx->nr);
	return 0;
}

SEC("tracepoint")
int hist1(struct sys_enter *ctx)
{
	struct key1 k;
	struct hist_val *h;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	h = series(&hist1_map, &k);
	if (h)
		hist_add(h, ctx->nr);
	return 0;
}

SEC("tracepoint")
int hist3(struct sys_enter *ctx)
{
	struct key3 k;
	struct hist_val *h;

	fill3(&k, ctx);
	h = series(&hist3_map, &k);
	if (h)
		hist_add(h, ctx->nr);
	return 0;
}

SEC("tracepoint")
int stats0(struct sys_enter *ctx)
{
	__u32 k = 0;
	struct stats_val *s = bpf_map_lookup_elem(&stats0_map, &k);

	if (s)
		stats_add(s, ctx->nr);
	return 0;
}

SEC("tracepoint")
int stats1(struct sys_enter *ctx)
{
	struct key1 k;
	struct stats_val *s;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	s = series(&stats1_map, &k);
	if (s)
		stats_add(s, ctx->nr);
	return 0;
}

SEC("tracepoint")
int stats3(struct sys_enter *ctx)
{
	struct key3 k;
	struct stats_val *s;

	fill3(&k, ctx);
	s = series(&stats3_map, &k);
	if (s)
		stats_add(s, ctx->nr);
	return 0;
}

SEC("uprobe")
int up_empty(struct pt_regs *ctx)
{
	return 0;
}

SEC("uprobe")
int up_count1(struct pt_regs *ctx)
{
	struct key1 k;
	__u64 *v;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	v = series(&up_count1_map, &k);
	if (v)
		*v += 1;
	return 0;
}

/* sum of a field, and of five operators over it, as bpfprom's bench configs
 * (tests/bench/run.sh expr) write them: the arithmetic in plain C */
SEC("tracepoint")
int sum0(struct sys_enter *ctx)
{
	__u32 k = 0;
	struct sum_val *v = bpf_map_lookup_elem(&sum0_map, &k);

	if (v) {
		v->count += 1;
		v->sum += (__s64)ctx->nr;
	}
	return 0;
}

SEC("tracepoint")
int expr0(struct sys_enter *ctx)
{
	__u32 k = 0;
	struct sum_val *v = bpf_map_lookup_elem(&expr0_map, &k);
	__s64 x = ctx->nr;

	if (v) {
		v->count += 1;
		v->sum += ((x * 3 + 7) ^ (x >> 1)) & 255;
	}
	return 0;
}

/* hist by comm of write(2)'s count (tests/bench/run.sh histvar): in
 * bpfprom's layout (one value per comm: _sum and every bucket), and in
 * bpftrace's (a count per comm and bucket, no _sum) */
SEC("tracepoint")
int hist1w(struct sys_enter_write *ctx)
{
	struct key1 k;
	struct hist_val *h;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	h = series(&hist1w_map, &k);
	if (h)
		hist_add(h, ctx->count);
	return 0;
}

SEC("tracepoint")
int hist1kb(struct sys_enter_write *ctx)
{
	static const __u64 one = 1;
	struct keyb k = {};
	__u64 *n;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	k.bucket = bpfprom_hist_bucket(ctx->count, 0, 0, HIST_BUCKETS);
	n = bpf_map_lookup_elem(&hist1kb_map, &k);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&hist1kb_map, &k, &one, BPF_NOEXIST);
	return 0;
}
