/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared between the generic BPF program and user space: the per-metric
 * configuration written into .rodata before load, the layout of map keys and
 * values, and the constants both sides must agree on. Fixed-width types only.
 */
#ifndef BPFPROM_H
#define BPFPROM_H

#include <linux/types.h>

#define BPFPROM_MAX_LABELS 8
#define BPFPROM_MAX_FILTERS 8
#define BPFPROM_MAX_PROBES 8
/* sources that pair a latency's start with its end (match:) */
#define BPFPROM_MAX_MATCH 2
/* metrics one program serves: those with exactly the same attachments */
#define BPFPROM_MAX_FUSED 8
/* htab keys may not exceed MAX_BPF_STACK (512) bytes: kernel/bpf/hashtab.c */
#define BPFPROM_MAX_KEY 512
#define BPFPROM_MAX_STR 128
#define BPFPROM_COMM_LEN 16
/* kstack, ustack: frames kept, by default and at most (the kernel's
 * sysctl kernel.perf_event_max_stack defaults to 127) */
#define BPFPROM_DEFAULT_FRAMES 16
#define BPFPROM_MAX_FRAMES 127
/* log2 slots: slot 0 holds v <= 0, slot s >= 1 holds 2^(s-2) < v <= 2^(s-1) */
#define BPFPROM_LOG2_SLOTS 66
/* finite buckets of a hist or lhist series (the overflow bucket is one more);
 * a power of two: the bucket search masks its index with it */
#define BPFPROM_MAX_BUCKETS 1024
/* bands of a hist with a schema: one per bpfprom_fls64() result, and an end */
#define BPFPROM_HIST_BANDS 66
/* hist schema: 2^schema buckets per power of two, as Prometheus's native
 * histograms define them */
#define BPFPROM_MAX_SCHEMA 8

enum bpfprom_src {
	BPFPROM_SRC_NONE = 0,
	BPFPROM_SRC_COMM,
	BPFPROM_SRC_PID,
	BPFPROM_SRC_TID,
	BPFPROM_SRC_UID,
	BPFPROM_SRC_GID,
	BPFPROM_SRC_CPU,
	BPFPROM_SRC_CGROUP,
	BPFPROM_SRC_ARG, /* argN */
	BPFPROM_SRC_RETVAL,
	BPFPROM_SRC_FIELD, /* args.FIELD of a tracepoint */
	BPFPROM_SRC_STR_ARG, /* str(argN) */
	BPFPROM_SRC_STR_FIELD, /* str(args.FIELD) */
	BPFPROM_SRC_PROBE, /* index of the probe that fired */
	BPFPROM_SRC_LATENCY,
	BPFPROM_SRC_TASK, /* the current task_struct's address: the base of task->... */
	BPFPROM_SRC_PATH, /* an integer at the end of a chain of reads (struct bpfprom_step) */
	BPFPROM_SRC_STR_PATH, /* a string at the end of one */
	BPFPROM_SRC_PERIOD, /* the sample period of a perf event (profile, software, hardware) */
	BPFPROM_SRC_FUNC, /* the function or event that fired: the attach cookie, decoded by name */
	BPFPROM_SRC_KSTACK, /* the kernel stack's id in the slot's stack map */
	BPFPROM_SRC_USTACK, /* the user stack's id, tgid << 32 | id */
	/* the user instruction pointer of the event's task (label only): plan makes it
	 * the base of a PATH of no steps */
	BPFPROM_SRC_UIP,
	BPFPROM_SRC_EXPR, /* expression argn of the metric's table (struct bpfprom_expr) */
	BPFPROM_SRC__COUNT,
};

/*
 * A source read as a string: a label's bytes, a filter compared in the
 * scratch buffer. One definition for the program, the config and the loader
 * (which makes that buffer only where a filter needs it).
 */
static inline __attribute__((always_inline)) int bpfprom_src_is_str(__u32 kind)
{
	return kind == BPFPROM_SRC_COMM || kind == BPFPROM_SRC_STR_ARG ||
	       kind == BPFPROM_SRC_STR_FIELD || kind == BPFPROM_SRC_STR_PATH;
}

enum bpfprom_agg {
	BPFPROM_AGG_COUNT = 0,
	BPFPROM_AGG_SUM,
	BPFPROM_AGG_HIST,
	BPFPROM_AGG_LHIST,
	BPFPROM_AGG_STATS,
	BPFPROM_AGG__COUNT,
};

/*
 * cfg.agg of a metric whose series map is one for all CPUs (series_map:
 * shared): its aggregate plus BPFPROM_AGG_SHARED. Such a metric loads the
 * program's shared build (BPFPROM_SHARED_SERIES, a group of one), which adds
 * with atomic adds and keeps a stats' min and max as bpfprom_shared_min/max
 * below; the other builds are unchanged.
 */
#define BPFPROM_AGG_SHARED 16

/*
 * A shared stats' min and max, kept so that a word at 0 (a new series)
 * holds neither: max keeps the value mapped to an unsigned order (a signed
 * value's sign bit flipped), min its complement, each the largest seen
 * (a compare-and-swap loop; BPF has no atomic max). 0 is below any value.
 * Each is its own inverse: user space reads the value back through it.
 */
static inline __u64 bpfprom_shared_max(__u64 v, __u32 is_signed)
{
	return is_signed ? v ^ (1ull << 63) : v;
}

static inline __u64 bpfprom_shared_min(__u64 v, __u32 is_signed)
{
	return ~bpfprom_shared_max(v, is_signed);
}

enum bpfprom_op {
	BPFPROM_OP_EQ = 0,
	BPFPROM_OP_NE,
	BPFPROM_OP_LT,
	BPFPROM_OP_LE,
	BPFPROM_OP_GT,
	BPFPROM_OP_GE,
};

/* Indexes of the per-CPU "drops" array. */
enum bpfprom_drop {
	BPFPROM_DROP_MAP_FULL = 0, /* a new series did not fit in max_series */
	BPFPROM_DROP_STALE_START, /* a start replaced one that never ended */
	BPFPROM_DROP_START_FULL, /* too many starts in flight */
	BPFPROM_DROP_UPDATE_ERROR, /* a map update failed for another reason */
	/* bpf_get_stackid failed: the stack map is full (ENOMEM), another stack
	 * holds the bucket of its hash (EEXIST), or no stack (EFAULT) */
	BPFPROM_DROP_STACK,
	BPFPROM_DROP__KERNEL, /* the reasons above are counted in the "drops" map */
	/* counted by user space, not by the program: */
	BPFPROM_DROP_RECURSION = BPFPROM_DROP__KERNEL,
	/* BPFPROM_DROP_RECURSION: the kernel skipped the program (bpf_prog_active) */
	BPFPROM_DROP_ORPHAN_START, /* a start whose thread exited before its end */
	BPFPROM_DROP__COUNT,
};

/* How a string source is read. */
enum bpfprom_str_mode {
	BPFPROM_STR_ARRAY = 0, /* char NAME[N] inside the tracepoint record */
	BPFPROM_STR_DATA_LOC, /* __data_loc char[]: u32 (len << 16 | offset) in the record */
	BPFPROM_STR_USER_PTR, /* a pointer to user memory (syscall args, uprobes) */
	BPFPROM_STR_KERNEL_PTR, /* a pointer to kernel memory */
	BPFPROM_STR_BYTES, /* u8 NAME[N] inside the tracepoint record: N bytes, NULs included */
};

/* Reads a field path or fetch arg follows after its base, at most. */
#define BPFPROM_MAX_STEPS 6

/* How a step reads (struct bpfprom_step.read). */
enum bpfprom_read {
	BPFPROM_READ_KERNEL = 0, /* bpf_probe_read_kernel */
	BPFPROM_READ_USER, /* bpf_probe_read_user */
	/*
	 * A plain load the verifier checks against BTF: the address held is a
	 * BTF-typed pointer (the current task's, a BTF-typed tracepoint's
	 * argument, or one loaded so) and the step reads inside the struct it
	 * points to. No helper call; a fault reads 0, as a failed read does.
	 * btfpath marks a step so only where the verifier will take it; the
	 * program uses it only where the base is such a pointer at run time.
	 */
	BPFPROM_READ_BTF,
};

/*
 * One read of a chain: size bytes at the address held plus off, as read
 * says; what was read is the next address, or the value after the
 * last step. size 0 reads nothing: the address itself is the value (a char
 * array a string is read from). A bitfield is the last read shifted left by
 * lshift, then right by rshift (arithmetic when the source is signed).
 */
struct bpfprom_step {
	__s32 off;
	__u8 size;
	__u8 read; /* enum bpfprom_read */
	__u8 lshift;
	__u8 rshift;
};

/*
 * cfg.latency: nonzero for a metric of pairs (a start probe, then its until
 * or return probe). BPFPROM_PAIR_ENDS: it reads sources at the end as well
 * (until.), keeps a value read at the start, or has several until probes,
 * whose own indexes its end probes carry in their cookies (a start that is
 * also an until probe: the start's index). Without it, the end only
 * measures, as latency metrics always did, and pays nothing for the rest.
 */
#define BPFPROM_PAIR 1
#define BPFPROM_PAIR_ENDS 2

/* Where the value of a pair comes from. */
enum bpfprom_pair_value {
	BPFPROM_PAIR_VALUE_LATENCY = 0, /* the time from start to end (or none: count) */
	BPFPROM_PAIR_VALUE_START, /* read at the start, kept after the start's key */
	BPFPROM_PAIR_VALUE_END, /* read at the end probe (until.) */
};

/* Attach cookie: the probe's index in the metric, and its role. */
#define BPFPROM_COOKIE_END (1u << 31) /* the until / return probe of a latency */
/* a start probe that is also the until probe: it ends the key's pending
 * interval, then starts the next (the kernel attaches a program once per event) */
#define BPFPROM_COOKIE_BOTH (1u << 30)
#define BPFPROM_COOKIE_INDEX_MASK (BPFPROM_MAX_PROBES - 1)
/* which of a wildcard's functions or events fired: bits 3..29 of the cookie
 * (0 for a probe without wildcards); index and member together are what the
 * func source keys by */
#define BPFPROM_COOKIE_MEMBER_SHIFT 3
#define BPFPROM_COOKIE_FUNC_MASK (BPFPROM_COOKIE_BOTH - 1)

/*
 * Value layout, u64 words: [0] events counted, [1] sum of values,
 * then per aggregate: hist/lhist nbuckets + 1 bucket counts (the last is the
 * overflow that only +Inf holds); stats [2] min, [3] max.
 */
#define BPFPROM_V_COUNT 0
#define BPFPROM_V_SUM 1
#define BPFPROM_V_MIN 2
#define BPFPROM_V_MAX 3
#define BPFPROM_V_BUCKETS 2

/* Where an integer or string comes from; field offsets are per probe. */
struct bpfprom_src_cfg {
	__u32 kind; /* enum bpfprom_src */
	__u32 size; /* bytes read: 1, 2, 4, 8 for integers; bytes kept of a string */
	__u32 is_signed;
	__u32 argn;
	__u32 str_mode; /* enum bpfprom_str_mode */
	__u32 field_size; /* STR_ARRAY: the array's size in the record */
	__u32 off[BPFPROM_MAX_PROBES]; /* tracepoint field offset, per probe */
	/* PATH, STR_PATH: the integer source the chain starts from (ARG,
	 * RETVAL, FIELD, TASK, ...: argn and off above are its own), then
	 * nsteps reads */
	__u32 base;
	__u32 nsteps;
	struct bpfprom_step steps[BPFPROM_MAX_STEPS];
};

/*
 * Expressions: a metric's values, integer labels and filters may compute
 * over sources and literals. Each is a short program of ops run on an
 * accumulator (the top of an operand stack kept in a register) and a stack
 * of BPFPROM_XSTACK. The program reads its nsrc operand sources first,
 * then runs nops ops; op i takes its operand as its mode says: the stack
 * (popped: left operand), operand source k, or the literal lit[i]. The
 * signed and unsigned variants are chosen by plan, from the operands'
 * types. The kernel never interprets it: the loader compiles it to BPF
 * instructions (BPFPROM_XGEN_INSNS below).
 */
#define BPFPROM_MAX_EXPRS 4 /* expressions of one metric */
#define BPFPROM_MAX_XOPS 16 /* ops of one expression */
#define BPFPROM_MAX_XSRC 4 /* distinct sources one expression reads */
#define BPFPROM_XSTACK 8 /* operands pending at once */

enum bpfprom_xop {
	BPFPROM_XOP_LOAD = 0, /* acc = operand */
	BPFPROM_XOP_PUSH, /* push acc; acc = operand */
	BPFPROM_XOP_ADD,
	BPFPROM_XOP_SUB,
	BPFPROM_XOP_MUL,
	BPFPROM_XOP_UDIV, /* x / 0 == 0 */
	BPFPROM_XOP_SDIV,
	BPFPROM_XOP_UMOD, /* x % 0 == 0 */
	BPFPROM_XOP_SMOD,
	BPFPROM_XOP_AND,
	BPFPROM_XOP_OR,
	BPFPROM_XOP_XOR,
	BPFPROM_XOP_SHL, /* by 64 or more: 0 */
	BPFPROM_XOP_SHR, /* logical; by 64 or more: 0 */
	BPFPROM_XOP_SAR, /* arithmetic; by 64 or more: 0 or -1 */
	BPFPROM_XOP_EQ,
	BPFPROM_XOP_NE,
	BPFPROM_XOP_ULT,
	BPFPROM_XOP_ULE,
	BPFPROM_XOP_UGT,
	BPFPROM_XOP_UGE,
	BPFPROM_XOP_SLT,
	BPFPROM_XOP_SLE,
	BPFPROM_XOP_SGT,
	BPFPROM_XOP_SGE,
	BPFPROM_XOP_LAND,
	BPFPROM_XOP_LOR,
	BPFPROM_XOP_UMIN,
	BPFPROM_XOP_UMAX,
	BPFPROM_XOP_SMIN,
	BPFPROM_XOP_SMAX,
	BPFPROM_XOP_NEG, /* unary: acc = -acc */
	BPFPROM_XOP_NOT, /* acc = ~acc */
	BPFPROM_XOP_LNOT, /* acc = !acc */
	BPFPROM_XOP_SEL, /* pops else-less: acc = cond ? then : acc (cond, then pushed) */
	BPFPROM_XOP__COUNT,
};

/* An op's operand: mode 0 pops the stack (the left operand), 1..4 source
 * 0..3, BPFPROM_XM_LIT the op's literal */
#define BPFPROM_XM_STACK 0
#define BPFPROM_XM_SRC 1
#define BPFPROM_XM_LIT (BPFPROM_XM_SRC + BPFPROM_MAX_XSRC)

/*
 * The expressions' code: the loader generates each program's instructions
 * from its slots' bpfprom_expr (exporter/kernel/xgen.c) and writes them over
 * a placeholder of BPFPROM_XGEN_INSNS instructions, marked by a load of
 * BPFPROM_XGEN_MAGIC (xcalc in bpfprom.bpf.c).
 */
#define BPFPROM_XGEN_INSNS 1152
#define BPFPROM_XGEN_MAGIC 0x627066707863616cULL /* "bpfpxcal" */
#define BPFPROM_XINLINE_INSNS 24
#define BPFPROM_XINLINE_MAGIC 0x62706670786e6c6eULL /* "bpfpxnln" */

struct bpfprom_expr {
	__u32 nsrc;
	__u32 nops;
	/* its number in the program's generated code (the loader sets it) */
	__u32 xid;
	/* every operand a field of the metric's one tracepoint at an aligned
	 * offset, or every one an argument of the metric's functions, a
	 * register in pt_regs or a number in a trampoline's slots, its offset
	 * in ctx in off[0]: the generated code reads them from ctx (plan sets
	 * it) */
	__u32 direct;
	__u8 op[BPFPROM_MAX_XOPS]; /* enum bpfprom_xop */
	__u8 mode[BPFPROM_MAX_XOPS];
	__u64 lit[BPFPROM_MAX_XOPS];
	struct bpfprom_src_cfg src[BPFPROM_MAX_XSRC]; /* never EXPR */
};

struct bpfprom_label_cfg {
	struct bpfprom_src_cfg src;
	__u32 key_off;
	__u32 key_size;
};

struct bpfprom_filter_cfg {
	struct bpfprom_src_cfg src;
	__u32 op; /* enum bpfprom_op */
	__u32 str_words; /* > 0: compare this many u64 words of str */
	/* a start probe's own filter: the bit of its index (0: every probe) */
	__u32 probes;
	__u32 unused; /* no padding: the loader compares cfgs with memcmp */
	__u64 lit;
	__u64 str[BPFPROM_MAX_STR / 8];
};

struct bpfprom_metric_cfg {
	__u32 agg; /* enum bpfprom_agg */
	__u32 latency; /* value is the time from a start probe to its end probe */
	__u32 nprobes;
	__u32 nlabels;
	__u32 nfilters;
	__u32 key_size;
	__u32 value_words;
	struct bpfprom_src_cfg value;
	/* hist: first log2 slot kept and number of finite buckets */
	__u32 hist_first_slot;
	__u32 nbuckets;
	/* hist with a schema: bucket b holds v <= hist_thr[b] (and above
	 * hist_thr[b - 1]); hist_first_slot unused. hist_steps bounds the
	 * search within a band: schema + 2 */
	__u32 hist_search;
	__u32 hist_steps;
	/* the first bucket whose threshold is >= the smallest value of fls
	 * f (0, then 2^(f-1)); [65] is nbuckets: values of fls f are in
	 * buckets hist_band[f] .. hist_band[f + 1] */
	__u16 hist_band[BPFPROM_HIST_BANDS];
	/* lhist: le = lhist_min + lhist_step * (i + 1) */
	__s64 lhist_min;
	__u64 lhist_step;
	struct bpfprom_label_cfg labels[BPFPROM_MAX_LABELS];
	struct bpfprom_filter_cfg filters[BPFPROM_MAX_FILTERS];
	/* latency: 0 keys a start by its thread; else by nmatch integers read
	 * at the start probes (match) and at the end probe (match_end), e.g. a
	 * block request's dev and sector, or the pid sched_wakeup wakes and the
	 * next_pid sched_switch runs. The starts map's key is 8 * nmatch bytes. */
	__u32 nmatch;
	struct bpfprom_src_cfg match[BPFPROM_MAX_MATCH];
	struct bpfprom_src_cfg match_end[BPFPROM_MAX_MATCH];
	/* start probes with match sources of their own read them here where
	 * they differ from match's in more than their field offsets: the
	 * start probes whose bit is set (each probe its own offsets) */
	__u32 match_alt_probes;
	struct bpfprom_src_cfg match_alt[BPFPROM_MAX_MATCH];
	/* hist_search: nbuckets ascending upper bounds in the value's own unit
	 * (already rounded down to integers), computed by plan */
	__u64 hist_thr[BPFPROM_MAX_BUCKETS];
	/* latency: a start finding its key's start pending keeps that one
	 * (start: first) instead of replacing it */
	__u32 start_first;
	/*
	 * latency & BPFPROM_PAIR_ENDS: a pair that reads at its end too.
	 * labels[nlabels .. nlabels + nlabels_end) and filters[nfilters ..
	 * nfilters + nfilters_end) are read at the end probe (until.), with the
	 * end probe's index; pair_value says where the value comes from.
	 */
	__u32 nlabels_end;
	__u32 nfilters_end;
	__u32 pair_value; /* enum bpfprom_pair_value */
	/* the sources of kind EXPR: argn indexes this table */
	__u32 nexprs;
	struct bpfprom_expr exprs[BPFPROM_MAX_EXPRS];
};

/* a fixed-bound loop unrolled in the BPF build; gcc knows no such pragma */
#ifdef __clang__
#define BPFPROM_UNROLL _Pragma("clang loop unroll(full)")
#else
#define BPFPROM_UNROLL
#endif

/* Index of the most significant set bit, plus one; 0 for 0. */
static inline __u32 bpfprom_fls64(__u64 x)
{
	__u32 n = 0;

	if (x >> 32) {
		n += 32;
		x >>= 32;
	}
	if (x >> 16) {
		n += 16;
		x >>= 16;
	}
	if (x >> 8) {
		n += 8;
		x >>= 8;
	}
	if (x >> 4) {
		n += 4;
		x >>= 4;
	}
	if (x >> 2) {
		n += 2;
		x >>= 2;
	}
	if (x >> 1) {
		n += 1;
		x >>= 1;
	}
	return n + (__u32)x;
}

/*
 * Upper-inclusive log2 slot of v, as Prometheus defines le: slot 0 holds
 * v <= 0, slot 1 holds v == 1, slot s >= 2 holds 2^(s-2) < v <= 2^(s-1).
 * The same boundaries as native-histogram schema 0.
 */
static inline __u32 bpfprom_log2_slot(__u64 v, int is_signed)
{
	if (is_signed ? (__s64)v <= 0 : v == 0)
		return 0;
	return 1 + bpfprom_fls64(v - 1);
}

/*
 * Bucket index of v in a metric's hist: slots below the first kept slot fold
 * into bucket 0; slots past the last kept one go to the overflow bucket
 * nbuckets, which only +Inf counts.
 */
static inline __u32 bpfprom_hist_bucket(__u64 v, int is_signed, __u32 first_slot, __u32 nbuckets)
{
	__u32 s = bpfprom_log2_slot(v, is_signed);

	if (s <= first_slot)
		return 0;
	s -= first_slot;
	return s < nbuckets ? s : nbuckets;
}

/*
 * Bucket index of v in a hist with a schema: the first b < n with
 * v <= thr[b] (thresholds ascend; equal ones are fine: the first wins), or
 * n, the overflow bucket, when there is none. fls(v) picks the band of
 * buckets v can be in (2^schema + 1 of them at most: a factor of two of
 * values), then a binary search of at most `steps` steps, a fixed bound the
 * verifier sees (and prunes to the metric's own, read from rodata). Indexes
 * are masked to the tables' sizes.
 */
static inline __u32 bpfprom_thr_bucket(__u64 v, int is_signed, const volatile __u64 *thr,
				       const volatile __u16 *band, __u32 steps)
{
	__u32 f, lo, hi, mid;

	if (is_signed && (__s64)v < 0)
		return 0;
	f = bpfprom_fls64(v);
	if (f > BPFPROM_HIST_BANDS - 2)
		f = BPFPROM_HIST_BANDS - 2;
	lo = band[f];
	hi = band[f + 1];
	BPFPROM_UNROLL
	for (__u32 i = 0; i < BPFPROM_MAX_SCHEMA + 2; i++) {
		if (i < steps && lo < hi) {
			mid = (lo + hi) >> 1;
			if (v <= thr[mid & (BPFPROM_MAX_BUCKETS - 1)])
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return lo;
}

/* Bucket index of v in an lhist with le = min + step * (i + 1). */
static inline __u32 bpfprom_lhist_bucket(__u64 v, int is_signed, __s64 min, __u64 step,
					 __u32 nbuckets)
{
	__u64 d;

	if (is_signed ? (__s64)v <= min : v <= (__u64)min)
		return 0;
	d = (v - (__u64)min - 1) / step;
	return d < nbuckets ? (__u32)d : nbuckets;
}

#endif /* BPFPROM_H */
