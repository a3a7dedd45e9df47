// SPDX-License-Identifier: GPL-2.0
/*
 * The one generic BPF program of bpfprom. Each group of metrics with the same
 * attachments loads its own copy, specialised through the `cfg` rodata written
 * before load: slot i of cfg describes the group's i-th metric, which has its
 * own maps series<i>, starts<i> and drops<i>. The verifier sees the
 * configuration as constants and prunes every branch the group does not use,
 * so the JIT-ed program only does the group's own work, one metric after the
 * other, for the price of one dispatch.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#ifdef __TARGET_ARCH_arm64
/*
 * arm64's uapi struct (arch/arm64/include/uapi/asm/ptrace.h), through which
 * bpf_tracing.h reads its pt_regs: defined here, so that the object builds
 * on any machine's headers. Its layout is ABI.
 */
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
#else
#include <asm/ptrace.h>
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
/*
 * libbpf's USDT support: bpf_usdt_arg() reads an argument as the probe's note
 * says (register, memory or constant; size and sign), bpf_usdt_cookie() the
 * cookie given at attach (libbpf keeps the attach cookie for its spec id). Its
 * two maps and the .kconfig map are in every copy of the object, but only
 * handle_usdt* use them: the loader creates them only for groups with USDT
 * probes, sized then for their sites. It uses bool without including
 * stdbool.h (libbpf 1.1).
 */
#include <stdbool.h>
#include <bpf/usdt.bpf.h>

#include "bpfprom.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Two builds: the default serves groups of 2 to 8 metrics, BPFPROM_ONE_SLOT a
 * group of one (most groups: its object is a fraction of the size, so libbpf
 * opens it in a fraction of the time, and its one slot runs inline).
 */
#ifdef BPFPROM_ONE_SLOT
#define NSLOTS 1
#else
#define NSLOTS BPFPROM_MAX_FUSED
#endif

const volatile struct bpfprom_metric_cfg cfg[NSLOTS] = {};

#define MAX_VALUE_WORDS (BPFPROM_V_BUCKETS + BPFPROM_MAX_BUCKETS + 1)
#define STR_WORDS (BPFPROM_MAX_STR / 8)

/* Which program a handler is compiled into; a constant, so each copy only
 * keeps the sources its context can provide. */
enum ctx_kind {
	CTX_TP,
	CTX_UPROBE, /* pt_regs: uprobes, uretprobes */
	CTX_KPROBE, /* pt_regs: kprobes, kretprobes (perf PMU or tracefs) */
	CTX_FENTRY, /* u64 arguments, read through bpf_get_func_arg */
	CTX_FEXIT, /* the same, and the return value through bpf_get_func_ret */
	CTX_TP_BTF, /* a BTF-typed tracepoint: u64 arguments, ctx[0] is the first */
	CTX_RAW_TP, /* a raw tracepoint: the same u64 arguments, untyped */
	CTX_PERF, /* a perf event's sample: struct bpf_perf_event_data */
	CTX_USDT, /* pt_regs of a USDT probe: arguments through libbpf's specs */
};

static __always_inline int is_regs(enum ctx_kind ck)
{
	return ck == CTX_UPROBE || ck == CTX_KPROBE;
}

static __always_inline int is_trampoline(enum ctx_kind ck)
{
	return ck == CTX_FENTRY || ck == CTX_FEXIT;
}

static __always_inline int is_rawtp(enum ctx_kind ck)
{
	return ck == CTX_TP_BTF || ck == CTX_RAW_TP;
}

struct scratch {
	/* ts then key: together the value of a `starts` entry */
	__u64 ts;
	__u8 key[BPFPROM_MAX_KEY];
	__u64 str[STR_WORDS]; /* a string operand of a filter */
	/* pair_end's: its frame, handle_one's and those of an expression and
	 * a path it calls must fit the 512 bytes of a program's stack together */
	__u64 id[BPFPROM_MAX_MATCH];
	__u64 v;
	__u64 xv[BPFPROM_MAX_XSRC]; /* an expression's operands (eval) */
};

/*
 * Keys up to this size are built on the stack, larger ones in scratch: the
 * stack saves the lookup of scratch. A program's stack is 512 bytes (the
 * slot's frame and its caller's together).
 */
#define STACK_KEY 128

/* The initial value of a new series: .rodata, which helpers may read. */
static const __u64 zero_value[MAX_VALUE_WORDS];

/*
 * The maps of slot i. series: key and value sizes are set per metric by the
 * loader, so no BTF types; a metric without labels has one series, and the
 * loader makes its map a per-CPU array of one element, whose lookup the
 * verifier inlines (a hash lookup is a call). starts: latency only, the start of each
 * pending interval, keyed by pid_tgid or by the metric's match sources
 * (start_key; the loader sets the key size). drops: the reasons the program counts.
 * stacks: kstack and ustack labels only (the loader sizes it: frames, and
 * max_series stacks; the others do not create it), the stacks their ids name.
 * Each metric has its own, so a reload can keep one metric's maps (and its
 * drop counts) whatever group it lands in.
 */
#define SLOT_MAPS(i)                                       \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);    \
		__uint(max_entries, 1);                    \
		__uint(key_size, 8);                       \
		__uint(value_size, 8);                     \
	} series##i SEC(".maps");                          \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_HASH);           \
		__uint(max_entries, 1);                    \
		__uint(key_size, 8);                       \
		__uint(value_size, 16);                    \
	} starts##i SEC(".maps");                          \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);   \
		__uint(max_entries, BPFPROM_DROP__KERNEL); \
		__type(key, __u32);                        \
		__type(value, __u64);                      \
	} drops##i SEC(".maps");                           \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);    \
		__uint(max_entries, 1);                    \
		__uint(key_size, 4);                       \
		__uint(value_size, 8);                     \
	} stacks##i SEC(".maps")

SLOT_MAPS(0);
#ifndef BPFPROM_ONE_SLOT
SLOT_MAPS(1);
SLOT_MAPS(2);
SLOT_MAPS(3);
SLOT_MAPS(4);
SLOT_MAPS(5);
SLOT_MAPS(6);
SLOT_MAPS(7);

/*
 * Slots turned off: a reload that keeps some of a program's metrics keeps the
 * program, attached all along so that their counts stay exact, and turns the
 * slots of the others off. User space writes it through the mmap-ed .bss.
 */
volatile __u8 slot_off[BPFPROM_MAX_FUSED];
#endif

/* Shared by the slots: they run one after the other. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/*
 * The probe argument of the functions below: the index of the probe that
 * fired, or PROBE_ONE_TP for a program on one tracepoint only (one probe,
 * no latency end), which handle_one decides once from rodata: then every
 * field offset is a constant, read directly (read_record).
 */
#define PROBE_ONE_TP BPFPROM_MAX_PROBES

static __always_inline void count_drop(void *drops, __u32 reason)
{
	__u64 *d = bpf_map_lookup_elem(drops, &reason);

	if (d)
		*d += 1;
}

static __always_inline __u32 field_off(const volatile struct bpfprom_metric_cfg *c,
				       const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	if (probe == PROBE_ONE_TP)
		return s->off[0];
	return s->off[probe & BPFPROM_COOKIE_INDEX_MASK];
}

/*
 * Integers of a tracepoint record loaded straight from ctx instead of through
 * bpf_probe_read_kernel. The verifier refuses ctx plus a register
 * ("dereference of modified ctx ptr") even when it knows the register's
 * value, so each offset has its own load with an immediate; the offset is
 * rodata, so the verifier keeps only the case taken. A load must not pass the
 * field's end: attaching checks the furthest byte read against the record's
 * size (perf_event_set_bpf_prog), so each load has the field's own size.
 */
#define CTX_LOAD(t, o)                                         \
	case o:                                                \
		asm volatile("%[v] = *(" #t " *)(%[c] + %[i])" \
			     : [v] "=r"(v)                     \
			     : [c] "r"(ctx), [i] "i"(o));      \
		break

/* the fields of the first bytes: past them a field is read by helper */
#define CTX_DIRECT 128

static __always_inline __u64 ctx_u64(void *ctx, __u32 off)
{
	__u64 v = 0;

	switch (off) {
		CTX_LOAD(u64, 8);
		CTX_LOAD(u64, 16);
		CTX_LOAD(u64, 24);
		CTX_LOAD(u64, 32);
		CTX_LOAD(u64, 40);
		CTX_LOAD(u64, 48);
		CTX_LOAD(u64, 56);
		CTX_LOAD(u64, 64);
		CTX_LOAD(u64, 72);
		CTX_LOAD(u64, 80);
		CTX_LOAD(u64, 88);
		CTX_LOAD(u64, 96);
		CTX_LOAD(u64, 104);
		CTX_LOAD(u64, 112);
		CTX_LOAD(u64, 120);
	}
	return v;
}

static __always_inline __u64 ctx_u32(void *ctx, __u32 off)
{
	__u64 v = 0;

	switch (off) {
		CTX_LOAD(u32, 8);
		CTX_LOAD(u32, 12);
		CTX_LOAD(u32, 16);
		CTX_LOAD(u32, 20);
		CTX_LOAD(u32, 24);
		CTX_LOAD(u32, 28);
		CTX_LOAD(u32, 32);
		CTX_LOAD(u32, 36);
		CTX_LOAD(u32, 40);
		CTX_LOAD(u32, 44);
		CTX_LOAD(u32, 48);
		CTX_LOAD(u32, 52);
		CTX_LOAD(u32, 56);
		CTX_LOAD(u32, 60);
		CTX_LOAD(u32, 64);
		CTX_LOAD(u32, 68);
		CTX_LOAD(u32, 72);
		CTX_LOAD(u32, 76);
		CTX_LOAD(u32, 80);
		CTX_LOAD(u32, 84);
		CTX_LOAD(u32, 88);
		CTX_LOAD(u32, 92);
		CTX_LOAD(u32, 96);
		CTX_LOAD(u32, 100);
		CTX_LOAD(u32, 104);
		CTX_LOAD(u32, 108);
		CTX_LOAD(u32, 112);
		CTX_LOAD(u32, 116);
		CTX_LOAD(u32, 120);
		CTX_LOAD(u32, 124);
	}
	return v;
}

/* v, an integer of size bytes, sign-extended: shifts by constants, size being rodata */
static __always_inline __u64 sign_extend(__u64 v, __u32 size)
{
	switch (size) {
	case 1:
		return (__u64)(__s64)(__s8)v;
	case 2:
		return (__u64)(__s64)(__s16)v;
	case 4:
		return (__u64)(__s64)(__s32)v;
	default:
		return v;
	}
}

/*
 * An integer of size 1, 2, 4 or 8 at off in a tracepoint record. Directly
 * only when the program is attached to one tracepoint: with several (more
 * probes, or a latency's end), the furthest byte read on any of them could
 * pass the end of another's record, and with several probes the offset is
 * no longer a constant.
 */
static __always_inline __u64 read_record(void *ctx, __u32 probe, __u32 off, __u32 size,
					 __u32 is_signed)
{
	__u64 v = 0;

	/* the common header (off < 8) is not readable from a tracepoint program */
	if (probe == PROBE_ONE_TP && off >= 8 && off < CTX_DIRECT && (size == 8 || size == 4) &&
	    !(off & (size - 1)))
		v = size == 8 ? ctx_u64(ctx, off) : ctx_u32(ctx, off);
	else
		bpf_probe_read_kernel(&v, size, ctx + off);
	return is_signed ? sign_extend(v, size) : v;
}

/* A tracepoint field: offset from the probe's format, size 1/2/4/8. */
static __always_inline __u64 read_field(void *ctx, const volatile struct bpfprom_metric_cfg *c,
					const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	__u32 size = s->size;

	if (size > 8)
		size = 8;
	return read_record(ctx, probe, field_off(c, s, probe), size, s->is_signed);
}

/*
 * libbpf 1.1's bpf_tracing.h (Debian 12) stops at PT_REGS_PARM5; 1.2 added
 * the sixth argument's register under the same name.
 */
#ifndef PT_REGS_PARM6
#if defined(bpf_target_x86)
#define __PT_PARM6_REG r9
#elif defined(bpf_target_arm64)
#define __PT_PARM6_REG regs[5]
#else
#error "arg5: add this architecture's sixth argument register (bpf_tracing.h of libbpf >= 1.2)"
#endif
#define PT_REGS_PARM6(x) (__PT_REGS_CAST(x)->__PT_PARM6_REG)
#endif

/*
 * A register of a pt_regs context, named by a PT_REGS_* accessor of
 * bpf_tracing.h and loaded at its constant offset by asm. Plain C lets clang
 * fold a switch over registers into one load from ctx + variable offset,
 * which the verifier refuses ("dereference of modified ctx ptr"); each asm
 * load keeps its offset fixed, and the verifier prunes the cases rodata rules
 * out.
 */
#define READ_REG(ctx, ACCESSOR)                                                                  \
	({                                                                                       \
		__u64 __v;                                                                       \
		asm volatile(                                                                    \
			"%[v] = *(u64 *)(%[c] + %[o])"                                           \
			: [v] "=r"(__v)                                                          \
			: [c] "r"(ctx), [o] "i"((unsigned long)&ACCESSOR((struct pt_regs *)0))); \
		__v;                                                                             \
	})

/* The calling convention's integer arguments, whatever the architecture. */
static __always_inline __u64 read_arg(struct pt_regs *regs, __u32 n)
{
	switch (n) {
	case 0:
		return READ_REG(regs, PT_REGS_PARM1);
	case 1:
		return READ_REG(regs, PT_REGS_PARM2);
	case 2:
		return READ_REG(regs, PT_REGS_PARM3);
	case 3:
		return READ_REG(regs, PT_REGS_PARM4);
	case 4:
		return READ_REG(regs, PT_REGS_PARM5);
	default:
		return READ_REG(regs, PT_REGS_PARM6);
	}
}

/* argN whatever the mechanism: the same number from a register or a trampoline */
static __always_inline __u64 func_arg(void *ctx, enum ctx_kind ck, __u32 n)
{
	__u64 v = 0;

	if (is_regs(ck))
		return read_arg(ctx, n);
	/* already sign- or zero-extended from the size the note gives; only
	 * where ck is a constant (follow_usdt, not follow: see there) */
	if (__builtin_constant_p(ck) && ck == CTX_USDT) {
		bpf_usdt_arg(ctx, n, (long *)&v);
		return v;
	}
	/* trampolines save the arguments; a missing one leaves v at 0 */
	if (is_trampoline(ck))
		bpf_get_func_arg(ctx, n, &v);
	return v;
}

static __always_inline __u64 func_ret(void *ctx, enum ctx_kind ck)
{
	__u64 v = 0;

	if (is_regs(ck))
		return READ_REG(ctx, PT_REGS_RC);
	if (ck == CTX_FEXIT)
		bpf_get_func_ret(ctx, &v);
	return v;
}

/*
 * Argument s->argn of a raw or BTF-typed tracepoint: u64 ctx[argn], each at
 * its own constant offset, since the verifier refuses ctx plus a register and
 * checks the furthest one read against the event's arguments (at load for
 * tp_btf, at attach for raw_tp); argn is rodata, so only one load remains.
 * Integers narrower than u64 are cut to their type, and sign-extended.
 */
#define RT_ARG(i)                                             \
	case i:                                               \
		asm volatile("%[v] = *(u64 *)(%[c] + %[o])"   \
			     : [v] "=r"(v)                    \
			     : [c] "r"(ctx), [o] "i"((i)*8)); \
		break

static __always_inline __u64 rt_ctx(void *ctx, __u32 argn)
{
	__u64 v = 0;

	switch (argn) {
		RT_ARG(0);
		RT_ARG(1);
		RT_ARG(2);
		RT_ARG(3);
		RT_ARG(4);
		RT_ARG(5);
		RT_ARG(6);
		RT_ARG(7);
		RT_ARG(8);
		RT_ARG(9);
		RT_ARG(10);
		RT_ARG(11);
	}
	return v;
}

static __always_inline __u64 rt_arg(void *ctx, const volatile struct bpfprom_src_cfg *s)
{
	__u64 v = rt_ctx(ctx, s->argn);

	if (s->is_signed)
		return sign_extend(v, s->size);
	switch (s->size) {
	case 1:
		return (__u8)v;
	case 2:
		return (__u16)v;
	case 4:
		return (__u32)v;
	default:
		return v;
	}
}

/*
 * struct bpf_perf_event_data (linux/bpf_perf_event.h): the registers as the
 * architecture's bpf_user_pt_regs_t, then the sample period. Declared here
 * rather than included, since the uapi header takes the registers' type from
 * the build machine's asm/ headers, not from the target's.
 */
#ifdef __TARGET_ARCH_arm64
typedef struct user_pt_regs perf_regs_t;
#else
typedef struct pt_regs perf_regs_t;
#endif

struct perf_sample_ctx {
	perf_regs_t regs;
	__u64 sample_period;
	__u64 addr;
};

/*
 * uip: where the task's user code was at the event, the first frame of its
 * user stack as the kernel walks it: the registers it entered the kernel
 * with (task_pt_regs) on a sample taken in kernel mode, the probe's own on a
 * uprobe, whatever the architecture; 0 for a kernel thread. Read as the
 * base of a chain of no steps (plan), in follow: the programs of metrics
 * without paths do not change.
 */
static __noinline __u64 read_uip(void *ctx)
{
	__u64 ip = 0;

	if (bpf_get_stack(ctx, &ip, sizeof(ip), BPF_F_USER_STACK) < 0)
		return 0;
	return ip;
}

/* An integer source of kind (s->kind, or a chain's base): argn and off are s's. */
static __always_inline __u64 read_scalar(void *ctx, enum ctx_kind ck,
					 const volatile struct bpfprom_metric_cfg *c,
					 const volatile struct bpfprom_src_cfg *s, __u32 kind,
					 __u32 probe)
{
	switch (kind) {
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
	case BPFPROM_SRC_PROBE:
		return probe & BPFPROM_COOKIE_INDEX_MASK;
	case BPFPROM_SRC_FUNC:
		/* read here rather than passed in: a metric of one probe does
		 * not otherwise read its cookie (cookie_of) */
		return bpf_get_attach_cookie(ctx) & BPFPROM_COOKIE_FUNC_MASK;
	case BPFPROM_SRC_FIELD:
		if (ck == CTX_TP)
			return read_field(ctx, c, s, probe);
		if (is_rawtp(ck))
			return rt_arg(ctx, s);
		return 0;
	case BPFPROM_SRC_ARG:
		return func_arg(ctx, ck, s->argn);
	case BPFPROM_SRC_RETVAL:
		return func_ret(ctx, ck);
	case BPFPROM_SRC_TASK:
		return bpf_get_current_task();
	case BPFPROM_SRC_PERIOD:
		/* the events this sample stands for: sum() of it estimates their count */
		if (ck == CTX_PERF) {
			__u64 v;

			/* one load at a constant offset from ctx, in asm: clang
			 * once computed ctx + 168 ahead and spilled it, and the
			 * verifier refuses a load through a modified ctx pointer */
			asm volatile("%[v] = *(u64 *)(%[c] + %[o])"
				     : [v] "=r"(v)
				     : [c] "r"(ctx), [o] "i"(offsetof(struct perf_sample_ctx,
								      sample_period)));
			return v;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * Follow a field path or fetch arg: from its base, nsteps reads, each at the
 * address the previous one gave plus an offset. A failed read leaves 0, so
 * the rest of the chain reads at small addresses and fails too: the value is
 * 0 as for any unreadable source. nsteps and each step are rodata: a metric
 * without paths never gets here, and each step is one helper call with
 * constant arguments. A subprogram, not inlined: the verifier still walks
 * it with the caller's constants, but clang keeps one copy, so the loops of
 * the callers unroll as before and a metric without paths pays nothing.
 */
static __always_inline __u64 follow_steps(void *ctx, enum ctx_kind ck,
					  const volatile struct bpfprom_metric_cfg *c,
					  const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	__u32 nsteps = s->nsteps;
	__u32 size = 0;
	__u64 v;
	/* whether the base is a BTF-typed pointer here, so that the steps
	 * btfpath marked BPFPROM_READ_BTF may be loads: the task's from
	 * bpf_get_current_task_btf(), a BTF-typed tracepoint's argument (not a
	 * raw tracepoint's, which the loader may have fallen back to), a
	 * function's argument loaded from an fentry's or fexit's ctx (not a
	 * kprobe's registers: the mechanism is the loader's choice) */
	int btf = (s->base == BPFPROM_SRC_TASK ||
		   (s->base == BPFPROM_SRC_FIELD && ck == CTX_TP_BTF) ||
		   (s->base == BPFPROM_SRC_ARG && is_trampoline(ck))) &&
		  s->steps[0].read == BPFPROM_READ_BTF;

	/* a field a path starts from is a pointer: 8 bytes, whatever s->size says of the leaf */
	if (btf && s->base == BPFPROM_SRC_TASK)
		v = (__u64)bpf_get_current_task_btf();
	else if (btf && s->base == BPFPROM_SRC_ARG)
		v = rt_ctx(ctx, s->argn); /* typed as the prototype says */
	else if (s->base == BPFPROM_SRC_UIP)
		v = read_uip(ctx);
	else if (s->base == BPFPROM_SRC_FIELD && ck == CTX_TP)
		v = read_record(ctx, probe, field_off(c, s, probe), 8, 0);
	else if (s->base == BPFPROM_SRC_FIELD)
		v = is_rawtp(ck) ? rt_ctx(ctx, s->argn) : 0;
	else
		v = read_scalar(ctx, ck, c, s, s->base, probe);
	/* a NULL start reads nothing (as a failed read would). The check is
	 * also what lets a BTF-typed tracepoint's argument that the kernel
	 * marks maybe-NULL (a module's events on 6.12) take an offset: the
	 * verifier refuses arithmetic on it before */
	if (!v)
		return 0;

		/* a loop, not unrolled: unrolled, its copies in every source made clang
	 * give up unrolling the filter and label loops, and every metric paid */
#pragma clang loop unroll(disable)
	for (int i = 0; i < BPFPROM_MAX_STEPS; i++) {
		const volatile struct bpfprom_step *st = &s->steps[i];
		__u64 x = 0;

		if (i >= nsteps)
			break;
		/* a NULL on the way reads 0, as a failed read would give; a
		 * BTF load may give one the verifier marks maybe-NULL (an __rcu
		 * member, skb->sk) and refuses to offset before this check */
		if (!v)
			return 0;
		size = st->size;
		if (size > 8)
			size = 8;
		if (!size) {
			v += st->off;
			continue;
		}
		if (btf && st->read == BPFPROM_READ_BTF) {
			/* v + off is in the struct v points to: the verifier
			 * knows off (rodata), checks it against BTF and makes
			 * the load one that reads 0 where it would fault */
			const void *p = (const void *)(v + st->off);

			switch (size) {
			case 1:
				x = *(const __u8 *)p;
				break;
			case 2:
				x = *(const __u16 *)p;
				break;
			case 4:
				x = *(const __u32 *)p;
				break;
			default:
				x = *(const __u64 *)p;
				break;
			}
		} else if (st->read == BPFPROM_READ_USER) {
			bpf_probe_read_user(&x, size, (const void *)(v + st->off));
		} else {
			bpf_probe_read_kernel(&x, size, (const void *)(v + st->off));
		}
		v = x;
		if (st->rshift) {
			v <<= st->lshift;
			return s->is_signed ? (__u64)((__s64)v >> st->rshift) : v >> st->rshift;
		}
	}
	return s->is_signed ? sign_extend(v, size) : v;
}

static __noinline __u64 follow(void *ctx, enum ctx_kind ck,
			       const volatile struct bpfprom_metric_cfg *c,
			       const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	return follow_steps(ctx, ck, c, s, probe);
}

/*
 * USDT programs' own copy, with bpf_usdt_arg(): in follow, where ck is not a
 * constant, func_arg leaves it out, so that the other programs do not
 * reference libbpf's USDT maps (which their copies of the object do not create).
 */
static __noinline __u64 follow_usdt(void *ctx, const volatile struct bpfprom_metric_cfg *c,
				    const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	return follow_steps(ctx, CTX_USDT, c, s, probe);
}

static __always_inline __u64 follow_any(void *ctx, enum ctx_kind ck,
					const volatile struct bpfprom_metric_cfg *c,
					const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	return ck == CTX_USDT ? follow_usdt(ctx, c, s, probe) : follow(ctx, ck, c, s, probe);
}

/*
 * An operand of an expression: any integer source but another expression.
 * usdt is a literal: eval, which is no USDT program's, must not reference
 * follow_usdt and with it libbpf's USDT maps, which its object lacks (a
 * test of ck would not do: ck is a constant on the branch that tests it).
 */
static __always_inline __u64 read_operand(void *ctx, enum ctx_kind ck, int usdt,
					  const volatile struct bpfprom_metric_cfg *c,
					  const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	if (s->kind == BPFPROM_SRC_PATH)
		return usdt ? follow_usdt(ctx, c, s, probe) : follow(ctx, ck, c, s, probe);
	return read_scalar(ctx, ck, c, s, s->kind, probe);
}

#define XSTR_(x) #x
#define XSTR(x) XSTR_(x)

/*
 * The arithmetic of this program's expressions: operands a..d (r1-r4), the
 * expression's number xid (r5), its value in r0; for a direct expression
 * (struct bpfprom_expr) whose code does not fit in line, a is ctx and the
 * code loads the operands. What clang emits here is a placeholder: a load
 * of BPFPROM_XGEN_MAGIC, BPFPROM_XGEN_INSNS - 3 jumps to the next
 * instruction, and the return. The loader writes the expressions'
 * generated instructions over it as it loads the program
 * (exporter/kernel/xgen.c), keeping its length, so that no jump or call
 * elsewhere moves; the jumps left over are nops the verifier removes. No
 * interpreter's per-op loads, dispatch or operand stack in memory: what is
 * left over the same C is the call. A program with no expression never
 * calls it, and the verifier drops it.
 */
static __noinline __u64 xcalc(__u64 a, __u64 b, __u64 c, __u64 d, __u64 xid)
{
	__u64 r;

	asm volatile(
		"%[r] = " XSTR(BPFPROM_XGEN_MAGIC) " ll\n"
						   ".rept " XSTR(BPFPROM_XGEN_INSNS) " - 3\n"
										     "goto +0\n"
										     ".endr\n"
		: [r] "=r"(r)
		: "r"(a), "r"(b), "r"(c), "r"(d), "r"(xid));
	return r;
}

/*
 * Run expression e (struct bpfprom_expr): read its operand sources, then
 * its generated arithmetic. The definitions of x / 0, x % 0 and of shifts by
 * 64 or more are bpfprom's (README: Expressions), not the instruction set's
 * (whose x % 0 is x and whose shifts mask the amount): xgen emits them.
 */
static __always_inline __u64 eval_steps(void *ctx, enum ctx_kind ck, int usdt,
					const volatile struct bpfprom_metric_cfg *c,
					const volatile struct bpfprom_expr *e, __u32 probe)
{
	__u32 nsrc = e->nsrc;
	struct scratch *sc = get_scratch();
	__u64 *v;

	/* the operands in scratch, not on the stack: below a pair's end,
	 * the frames of the slot, pair_end, eval and xcalc must fit 512
	 * bytes together, and xcalc's may take 32 (xgen) */
	if (!sc)
		return 0;
	v = sc->xv;
#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_XSRC; i++)
		v[i] = i < nsrc ? read_operand(ctx, ck, usdt, c, &e->src[i], probe) : 0;
	return xcalc(v[0], v[1], v[2], v[3], e->xid);
}

/* A subprogram, as follow: one copy, walked with each caller's constants;
 * a metric without expressions never calls it. */
static __noinline __u64 eval(void *ctx, enum ctx_kind ck,
			     const volatile struct bpfprom_metric_cfg *c,
			     const volatile struct bpfprom_expr *e, __u32 probe)
{
	return eval_steps(ctx, ck, 0, c, e, probe);
}

/* USDT programs' own copy, for bpf_usdt_arg() (see follow_usdt) */
static __noinline __u64 eval_usdt(void *ctx, const volatile struct bpfprom_metric_cfg *c,
				  const volatile struct bpfprom_expr *e, __u32 probe)
{
	return eval_steps(ctx, CTX_USDT, 1, c, e, probe);
}

static __always_inline __u64 read_int(void *ctx, enum ctx_kind ck,
				      const volatile struct bpfprom_metric_cfg *c,
				      const volatile struct bpfprom_src_cfg *s, __u32 probe)
{
	/* one load of kind for both tests: a source that is neither costs
	 * what it did before expressions */
	__u32 kind = s->kind;

	if (kind == BPFPROM_SRC_EXPR) {
		const volatile struct bpfprom_expr *e =
			&c->exprs[s->argn & (BPFPROM_MAX_EXPRS - 1)];

		/*
		 * Fields of the one tracepoint, or arguments of functions (from
		 * pt_regs, or from a trampoline's u64 slots where they are
		 * numbers): the generated code loads them from ctx itself, in
		 * line, at offsets plan gives (struct bpfprom_expr's direct). A placeholder as xcalc's, of
		 * BPFPROM_XINLINE_INSNS: a load of BPFPROM_XINLINE_MAGIC into
		 * the result's register, then moves of ctx's and xid's
		 * registers to themselves, which tell the loader where clang
		 * put them (r6-r9: r0-r5 are the code's). The loader writes the
		 * code of the program's direct expressions over it, or a call
		 * of xcalc where they do not fit (xgen__inline).
		 */
		if (((ck == CTX_TP && probe == PROBE_ONE_TP) || is_regs(ck) || is_trampoline(ck)) &&
		    e->direct) {
			__u64 r, x = e->xid;

			asm volatile(
				"%[r] = " XSTR(
					BPFPROM_XINLINE_MAGIC) " ll\n"
							       "%[c] = %[c]\n"
							       "%[x] = %[x]\n"
							       ".rept " XSTR(
								       BPFPROM_XINLINE_INSNS) " - 4\n"
											      "goto +0\n"
											      ".endr\n"
				: [r] "=&r"(r)
				: [c] "r"(ctx), [x] "r"(x)
				: "r0", "r1", "r2", "r3", "r4", "r5");
			return r;
		}
		return ck == CTX_USDT ? eval_usdt(ctx, c, e, probe) : eval(ctx, ck, c, e, probe);
	}
	if (kind == BPFPROM_SRC_PATH)
		return follow_any(ctx, ck, c, s, probe);
	return read_scalar(ctx, ck, c, s, s->kind, probe);
}

/* Zero then fill dst (size bytes, a multiple of 8, at most BPFPROM_MAX_STR)
 * with the NUL-terminated string of a source: keys must be NUL-padded. */
static __always_inline void read_str(void *ctx, enum ctx_kind ck,
				     const volatile struct bpfprom_metric_cfg *c,
				     const volatile struct bpfprom_src_cfg *s, __u32 probe,
				     __u8 *dst)
{
	__u32 size = s->size;
	const void *src;
	__u32 loc;

#pragma clang loop unroll(full)
	for (int i = 0; i < STR_WORDS; i++) {
		if (i * 8 < size)
			((__u64 *)dst)[i] = 0;
	}
	if (size > BPFPROM_MAX_STR)
		size = BPFPROM_MAX_STR;
	if (s->kind == BPFPROM_SRC_COMM) {
		bpf_get_current_comm(dst, BPFPROM_COMM_LEN);
		return;
	}
	if (s->kind == BPFPROM_SRC_STR_FIELD && ck == CTX_TP) {
		switch (s->str_mode) {
		case BPFPROM_STR_ARRAY:
			/* the array may lack a NUL: keep one for the terminator */
			if (s->field_size < size)
				size = s->field_size + 1;
			bpf_probe_read_kernel_str(dst, size, ctx + field_off(c, s, probe));
			return;
		case BPFPROM_STR_BYTES:
			/* an address: every byte, zeros too; the rest of dst stays zero */
			if (s->field_size < size)
				size = s->field_size;
			bpf_probe_read_kernel(dst, size, ctx + field_off(c, s, probe));
			return;
		case BPFPROM_STR_DATA_LOC:
			loc = read_record(ctx, probe, field_off(c, s, probe), sizeof(loc), 0);
			bpf_probe_read_kernel_str(dst, size, ctx + (loc & 0xffff));
			return;
		default:
			src = (const void *)read_field(ctx, c, s, probe);
			break;
		}
	} else if (s->kind == BPFPROM_SRC_STR_FIELD && is_rawtp(ck)) {
		src = (const void *)rt_arg(ctx, s);
	} else if (s->kind == BPFPROM_SRC_STR_ARG && ck != CTX_TP && !is_rawtp(ck)) {
		src = (const void *)func_arg(ctx, ck, s->argn);
	} else if (s->kind == BPFPROM_SRC_STR_PATH) {
		src = (const void *)follow_any(ctx, ck, c, s, probe);
	} else {
		return;
	}
	if (s->str_mode == BPFPROM_STR_USER_PTR) {
		bpf_probe_read_user_str(dst, size, src);
		return;
	}
	/* a kernel function's char * may be a __user one (do_sys_openat2's filename):
	 * the address spaces are disjoint, so the kernel read fails on it */
	if (bpf_probe_read_kernel_str(dst, size, src) < 0)
		bpf_probe_read_user_str(dst, size, src);
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

/* Strings compare as NUL-padded words: as many as the source keeps. */
static __always_inline int filter_ok(void *ctx, enum ctx_kind ck,
				     const volatile struct bpfprom_metric_cfg *c,
				     const volatile struct bpfprom_filter_cfg *f, __u32 probe)
{
	struct scratch *sc;
	int eq = 1;

	if (!bpfprom_src_is_str(f->src.kind))
		return cmp_int(read_int(ctx, ck, c, &f->src, probe), f);
	sc = get_scratch();
	if (!sc)
		return 0;
	read_str(ctx, ck, c, &f->src, probe, (__u8 *)sc->str);
#pragma clang loop unroll(full)
	for (int i = 0; i < STR_WORDS; i++) {
		if (i < f->str_words && sc->str[i] != f->str[i])
			eq = 0;
	}
	return f->op == BPFPROM_OP_EQ ? eq : !eq;
}

/*
 * A stack's id in the slot's stack map; ustack: the tgid above it, since
 * user addresses mean something only in their process. A stack the map
 * cannot hold is a drop: the event is not counted. A subprogram, like
 * follow: inlined, its map arguments kept registers busy in every metric's
 * label loop (a few more instructions per event without any stack); called,
 * the verifier drops the call where rodata says no stack.
 */
static __noinline int put_stack(void *ctx, void *stacks, void *drops, __u32 kind, __u8 *key)
{
	__u64 flags = kind == BPFPROM_SRC_USTACK ? BPF_F_USER_STACK : 0;
	long id = bpf_get_stackid(ctx, stacks, flags);

	if (id < 0) {
		count_drop(drops, BPFPROM_DROP_STACK);
		return -1;
	}
	if (kind == BPFPROM_SRC_USTACK)
		id |= (bpf_get_current_pid_tgid() >> 32) << 32;
	*(__u64 *)key = id;
	return 0;
}

/* 0, or -1 when the event is dropped */
static __always_inline int put_label(void *ctx, enum ctx_kind ck,
				     const volatile struct bpfprom_metric_cfg *c, __u8 *key,
				     __u32 room, const volatile struct bpfprom_label_cfg *l,
				     __u32 probe, void *stacks, void *drops)
{
	__u32 off = l->key_off, kind = l->src.kind;

	/* plan lays labels out within the key, and the key fits its room;
	 * rodata constants, so these bounds are known to the verifier and cost
	 * nothing. kind is loaded once: the verifier removes the branches a
	 * constant rules out, not the loads of volatile rodata */
	if (bpfprom_src_is_str(kind)) {
		if (off + l->src.size <= room)
			read_str(ctx, ck, c, &l->src, probe, key + off);
		return 0;
	}
	if (kind == BPFPROM_SRC_KSTACK || kind == BPFPROM_SRC_USTACK) {
		if (off + 8 <= room)
			return put_stack(ctx, stacks, drops, kind, key + off);
		return 0;
	}
	if (off + 8 <= room)
		*(__u64 *)(key + off) = read_int(ctx, ck, c, &l->src, probe);
	return 0;
}

#ifdef BPFPROM_SHARED_SERIES
/*
 * The build for a metric whose series map all CPUs share (series_map:
 * shared; a group of one): cfg.agg is its aggregate plus BPFPROM_AGG_SHARED,
 * every word is added with an atomic add (BPF_ATOMIC, 5.12), a stats' min and
 * max are raised with a compare-and-swap loop (see bpfprom_shared_max). A
 * build of its own, so that the other metrics' code is what it was.
 */
#define AGG(a) (BPFPROM_AGG_SHARED + (a))
#define ADD(w, x) __sync_fetch_and_add(&(w), (x))
/* each failed swap means another CPU raised the word meanwhile */
#define SHARED_TRIES 8

/* Raise *w to k unless it holds more: -1 after SHARED_TRIES lost races in a row. */
static __always_inline int atomic_raise(__u64 *w, __u64 k)
{
	__u64 cur = *(volatile __u64 *)w, seen;

	BPFPROM_UNROLL
	for (int i = 0; i < SHARED_TRIES; i++) {
		if (cur >= k)
			return 0;
		seen = __sync_val_compare_and_swap(w, cur, k);
		if (seen == cur)
			return 0;
		cur = seen;
	}
	return cur >= k ? 0 : -1;
}
#else
#define AGG(a) (a)
#define ADD(w, x) ((w) += (x))
#endif

/* 0, or -1: a shared stats' min or max lost SHARED_TRIES races (update_error) */
static __always_inline int update(const volatile struct bpfprom_metric_cfg *c, __u64 *val, __u64 v)
{
	__u64 b;

	switch (c->agg) {
	case AGG(BPFPROM_AGG_COUNT):
		ADD(val[BPFPROM_V_COUNT], 1);
		break;
	case AGG(BPFPROM_AGG_SUM):
		ADD(val[BPFPROM_V_COUNT], 1);
		ADD(val[BPFPROM_V_SUM], v);
		break;
	case AGG(BPFPROM_AGG_HIST):
		/* no count word: _count is the buckets' total at render time */
		ADD(val[BPFPROM_V_SUM], v);
		if (c->hist_search)
			b = bpfprom_thr_bucket(v, c->value.is_signed, c->hist_thr, c->hist_band,
					       c->hist_steps);
		else
			b = bpfprom_hist_bucket(v, c->value.is_signed, c->hist_first_slot,
						c->nbuckets);
		/* one 64-bit register for the bound check and the index: 6.1's
		 * verifier does not carry a bound from a zero-extended copy */
		asm volatile("" : "+r"(b));
		if (b > c->nbuckets)
			b = c->nbuckets;
		ADD(val[BPFPROM_V_BUCKETS + b], 1);
		break;
	case AGG(BPFPROM_AGG_LHIST):
		ADD(val[BPFPROM_V_SUM], v);
		b = bpfprom_lhist_bucket(v, c->value.is_signed, c->lhist_min, c->lhist_step,
					 c->nbuckets);
		asm volatile("" : "+r"(b));
		if (b > c->nbuckets)
			b = c->nbuckets;
		ADD(val[BPFPROM_V_BUCKETS + b], 1);
		break;
	case AGG(BPFPROM_AGG_STATS):
#ifdef BPFPROM_SHARED_SERIES
		ADD(val[BPFPROM_V_COUNT], 1);
		ADD(val[BPFPROM_V_SUM], v);
		return atomic_raise(&val[BPFPROM_V_MIN],
				    bpfprom_shared_min(v, c->value.is_signed)) |
		       atomic_raise(&val[BPFPROM_V_MAX], bpfprom_shared_max(v, c->value.is_signed));
#else
		/* a series new on this CPU starts from the first value */
		if (val[BPFPROM_V_COUNT] == 0) {
			val[BPFPROM_V_MIN] = v;
			val[BPFPROM_V_MAX] = v;
		} else if (c->value.is_signed) {
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
		ADD(val[BPFPROM_V_COUNT], 1);
		ADD(val[BPFPROM_V_SUM], v);
		break;
#endif
	}
	return 0;
}

/*
 * Aggregate v into the series whose labels are in key. Without labels the
 * series is element 0 of an array (key holds 0): it always exists.
 */
static __always_inline void account(const volatile struct bpfprom_metric_cfg *c, void *series,
				    void *drops, int array, const __u8 *key, __u64 v)
{
	__u64 *val;
	int err;

	val = bpf_map_lookup_elem(series, key);
	if (!val && array)
		return;
	if (!val) {
		/* EEXIST: another CPU inserted the same key meanwhile; fine */
		err = bpf_map_update_elem(series, key, zero_value, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST */) {
			count_drop(drops, err == -7 /* E2BIG */ ? BPFPROM_DROP_MAP_FULL :
								  BPFPROM_DROP_UPDATE_ERROR);
			return;
		}
		val = bpf_map_lookup_elem(series, key);
		if (!val) {
			count_drop(drops, BPFPROM_DROP_MAP_FULL);
			return;
		}
	}
#ifdef BPFPROM_SHARED_SERIES
	if (update(c, val, v))
		count_drop(drops, BPFPROM_DROP_UPDATE_ERROR);
#else
	update(c, val, v);
#endif
}

/*
 * Is probe in the set of probes (a bit each)? Computed where it is asked:
 * the barrier keeps clang from hoisting 1 << probe out of the branches that
 * ask it, which the verifier removes from every metric that asks nothing
 * (else each program paid three instructions per event for it).
 */
static __always_inline int probe_in(__u32 probes, __u32 probe)
{
	barrier_var(probe);
	return (probes >> probe) & 1;
}

/* a start probe's own filter (probes: its bit) is not read at the others */
static __always_inline int own_filter_elsewhere(__u32 probes, __u32 probe)
{
	return probes && !probe_in(probes, probe);
}

/*
 * What pairs a latency's start with its end: the thread, or the metric's
 * match sources read at either end (another thread may end the interval:
 * an interrupt completes a block request, sched_switch runs a woken task).
 */
static __always_inline void start_key(void *ctx, enum ctx_kind ck,
				      const volatile struct bpfprom_metric_cfg *c, __u32 probe,
				      int end, __u64 *key)
{
	key[0] = 0;
	key[1] = 0;
	if (!c->nmatch) {
		key[0] = bpf_get_current_pid_tgid();
		return;
	}
	/* a start probe's own sources of another kind than match's */
	if (!end && c->match_alt_probes && probe_in(c->match_alt_probes, probe)) {
		key[0] = read_int(ctx, ck, c, &c->match_alt[0], probe);
		if (c->nmatch > 1)
			key[1] = read_int(ctx, ck, c, &c->match_alt[1], probe);
		return;
	}
	key[0] = read_int(ctx, ck, c, end ? &c->match_end[0] : &c->match[0], probe);
	if (c->nmatch > 1)
		key[1] = read_int(ctx, ck, c, end ? &c->match_end[1] : &c->match[1], probe);
}

/*
 * What pair_end and pair_start_value need besides ctx, the metric and
 * scratch: a BPF call takes 5 arguments. Kept on the caller's stack, whose
 * map pointers and constants the verifier follows into the call.
 */
struct pair_env {
	void *series;
	void *starts;
	void *drops;
	__u32 ck; /* enum ctx_kind */
	__u32 probe;
};

/*
 * The value of a pair read at its start: after the key, in the start's
 * entry. A subprogram per context, like pair_end's.
 */
static __always_inline int pair_start_value_body(void *ctx, enum ctx_kind ck,
						 const volatile struct bpfprom_metric_cfg *c,
						 struct pair_env *e, __u8 *key)
{
	__u32 ksz = c->key_size;

	/* key (scratch's) then value: within scratch, whose str follows key */
	if (ksz > BPFPROM_MAX_KEY)
		ksz = BPFPROM_MAX_KEY;
	*(__u64 *)(key + ksz) =
		read_int(ctx, ck, c, &c->value, e->probe & BPFPROM_COOKIE_INDEX_MASK);
	return 0;
}

/* The end of a latency interval: its labels were taken at the start. */
static __always_inline void handle_end(void *ctx, enum ctx_kind ck,
				       const volatile struct bpfprom_metric_cfg *c, void *series,
				       void *starts, void *drops, struct scratch *s, __u32 probe)
{
	__u64 id[BPFPROM_MAX_MATCH];
	__u64 now = bpf_ktime_get_ns();
	__u64 *st;
	__u32 ksz = c->key_size;

	start_key(ctx, ck, c, probe, 1, id);
	st = bpf_map_lookup_elem(starts, id);
	if (!st)
		return;
	if (ksz > BPFPROM_MAX_KEY)
		ksz = BPFPROM_MAX_KEY;
	/* copy before the delete lets another CPU reuse the element */
	s->ts = st[0];
	bpf_probe_read_kernel(s->key, ksz, &st[1]);
	bpf_map_delete_elem(starts, id);
	account(c, series, drops, c->nlabels == 0, s->key, now - s->ts);
}

/*
 * The end of a pair that reads at its end (BPFPROM_PAIR_ENDS): the start's
 * key gets the labels read here, the filters read here decide whether the
 * pair counts (the start is taken either way), and the value is the
 * latency, the one kept at the start, or one read here. e->probe is the end
 * probe's own index: its sources' offsets are there. A subprogram per
 * context (PAIR_FNS): inlined, its code changed how clang allocated the
 * registers of every metric's handle_one. No stacks here (the stack map
 * exists only where a label needs it; config refuses until.kstack).
 */
static __always_inline int pair_end_body(void *ctx, enum ctx_kind ck,
					 const volatile struct bpfprom_metric_cfg *c,
					 struct pair_env *e, struct scratch *s)
{
	__u32 nl = c->nlabels, nle = c->nlabels_end, nf = c->nfilters, nfe = c->nfilters_end;
	/* masked: the verifier does not carry a bound through the stack, and
	 * an index it cannot bound reads ctx directly (PROBE_ONE_TP), past
	 * the record's end as the attach sees it */
	__u32 pv = c->pair_value, ksz = c->key_size, probe = e->probe & BPFPROM_COOKIE_INDEX_MASK;
	__u64 now = bpf_ktime_get_ns(), v;
	__u64 *st;

	start_key(ctx, ck, c, probe, 1, s->id);
	st = bpf_map_lookup_elem(e->starts, s->id);
	if (!st)
		return 0;
	if (ksz > BPFPROM_MAX_KEY)
		ksz = BPFPROM_MAX_KEY;
	s->ts = st[0];
	bpf_probe_read_kernel(s->key, ksz, &st[1]);
	s->v = now - s->ts;
	if (pv == BPFPROM_PAIR_VALUE_START)
		bpf_probe_read_kernel(&s->v, sizeof(s->v), (__u8 *)&st[1] + ksz);
	bpf_map_delete_elem(e->starts, s->id);
	v = s->v;
#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_FILTERS; i++) {
		if (i < nfe && !filter_ok(ctx, ck, c,
					  &c->filters[(nf + i) & (BPFPROM_MAX_FILTERS - 1)], probe))
			return 0;
	}
#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_LABELS; i++) {
		if (i < nle && put_label(ctx, ck, c, s->key, BPFPROM_MAX_KEY,
					 &c->labels[(nl + i) & (BPFPROM_MAX_LABELS - 1)], probe,
					 NULL, e->drops))
			return 0;
	}
	if (pv == BPFPROM_PAIR_VALUE_END)
		v = read_int(ctx, ck, c, &c->value, probe);
	account(c, e->series, e->drops, nl + nle == 0, s->key, v);
	return 0;
}

/*
 * pair_end and pair_start_value of each context, ck a constant in each (the
 * verifier prunes by it, and a program's furthest ctx read is its own
 * context's), called by the one handle_one inlines for its ck.
 */
#define PAIR_FNS(kind, CK)                                                                   \
	static __noinline int pair_end_##kind(void *ctx,                                     \
					      const volatile struct bpfprom_metric_cfg *c,   \
					      struct pair_env *e, struct scratch *s)         \
	{                                                                                    \
		return pair_end_body(ctx, CK, c, e, s);                                      \
	}                                                                                    \
	static __noinline int pair_start_##kind(void *ctx,                                   \
						const volatile struct bpfprom_metric_cfg *c, \
						struct pair_env *e, __u8 *key)               \
	{                                                                                    \
		return pair_start_value_body(ctx, CK, c, e, key);                            \
	}

PAIR_FNS(tp, CTX_TP)
PAIR_FNS(up, CTX_UPROBE)
PAIR_FNS(kp, CTX_KPROBE)
PAIR_FNS(fentry, CTX_FENTRY)
PAIR_FNS(fexit, CTX_FEXIT)
PAIR_FNS(btf, CTX_TP_BTF)
PAIR_FNS(raw, CTX_RAW_TP)
PAIR_FNS(pe, CTX_PERF)
PAIR_FNS(usdt, CTX_USDT)

#define PAIR_CALL(fn, ck, ...)                    \
	do {                                      \
		switch (ck) {                     \
		case CTX_TP:                      \
			fn##_tp(__VA_ARGS__);     \
			break;                    \
		case CTX_UPROBE:                  \
			fn##_up(__VA_ARGS__);     \
			break;                    \
		case CTX_KPROBE:                  \
			fn##_kp(__VA_ARGS__);     \
			break;                    \
		case CTX_FENTRY:                  \
			fn##_fentry(__VA_ARGS__); \
			break;                    \
		case CTX_FEXIT:                   \
			fn##_fexit(__VA_ARGS__);  \
			break;                    \
		case CTX_TP_BTF:                  \
			fn##_btf(__VA_ARGS__);    \
			break;                    \
		case CTX_RAW_TP:                  \
			fn##_raw(__VA_ARGS__);    \
			break;                    \
		case CTX_PERF:                    \
			fn##_pe(__VA_ARGS__);     \
			break;                    \
		case CTX_USDT:                    \
			fn##_usdt(__VA_ARGS__);   \
			break;                    \
		}                                 \
	} while (0)

/*
 * One metric's work on one event: slot c with its maps. The fields that
 * bound the loops are read once: each read of volatile rodata is a load,
 * and the verifier removes dead branches but not dead loads.
 */
static __always_inline void handle_one(void *ctx, enum ctx_kind ck, __u32 cookie,
				       const volatile struct bpfprom_metric_cfg *c, void *series,
				       void *starts, void *drops, void *stacks)
{
	__u32 latency = c->latency, nfilters = c->nfilters, nlabels = c->nlabels;
	__u32 probe = c->nprobes == 1 && !latency ? PROBE_ONE_TP :
						    cookie & BPFPROM_COOKIE_INDEX_MASK;
	__u64 stack_key[STACK_KEY / 8];
	__u64 id[BPFPROM_MAX_MATCH], v = 0;
	__u8 *key = (__u8 *)stack_key;
	__u32 room = STACK_KEY;
	struct scratch *s = NULL;
	int err;

	if (latency && (cookie & (BPFPROM_COOKIE_END | BPFPROM_COOKIE_BOTH))) {
		s = get_scratch();
		/* the until side's sources are those of until's index, 0 (a
		 * pair that reads at its end: the cookie's) */
		if (s && (latency & BPFPROM_PAIR_ENDS)) {
			struct pair_env e = { series, starts, drops, ck, probe };

			PAIR_CALL(pair_end, ck, ctx, c, &e, s);
		} else if (s)
			handle_end(ctx, ck, c, series, starts, drops, s,
				   cookie & BPFPROM_COOKIE_END ? probe : 0);
		if (cookie & BPFPROM_COOKIE_END)
			return;
	}

#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_FILTERS; i++) {
		if (i < nfilters && !own_filter_elsewhere(c->filters[i].probes, probe) &&
		    !filter_ok(ctx, ck, c, &c->filters[i], probe))
			return;
	}
	/* a start's value is its timestamp then its labels: built in scratch */
	if (latency || c->key_size > STACK_KEY) {
		s = get_scratch();
		if (!s)
			return;
		key = s->key;
		room = BPFPROM_MAX_KEY;
	}
	/* without labels: index 0 of the array, and 8 zero bytes in a start */
	if (nlabels == 0)
		*(__u64 *)key = 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < BPFPROM_MAX_LABELS; i++) {
		if (i < nlabels &&
		    put_label(ctx, ck, c, key, room, &c->labels[i], probe, stacks, drops))
			return;
	}

	if (latency && s) {
		start_key(ctx, ck, c, probe, 0, id);
		s->ts = bpf_ktime_get_ns();
		/* a value read at the start waits after the key for its end */
		if ((latency & BPFPROM_PAIR_ENDS) && c->pair_value == BPFPROM_PAIR_VALUE_START) {
			struct pair_env e = { .ck = ck, .probe = probe };

			PAIR_CALL(pair_start, ck, ctx, c, &e, key);
		}
		err = bpf_map_update_elem(starts, id, &s->ts, BPF_NOEXIST);
		if (err == -17 /* EEXIST */) {
			/* one of two starts of a key never ends an interval: the
			 * pending one (a lost return; start: last replaces it) or
			 * this one (start: first keeps the oldest) */
			count_drop(drops, BPFPROM_DROP_STALE_START);
			err = c->start_first ? 0 : bpf_map_update_elem(starts, id, &s->ts, BPF_ANY);
		}
		if (err)
			count_drop(drops, err == -7 /* E2BIG */ ? BPFPROM_DROP_START_FULL :
								  BPFPROM_DROP_UPDATE_ERROR);
		return;
	}

	if (c->agg != AGG(BPFPROM_AGG_COUNT))
		v = read_int(ctx, ck, c, &c->value, probe);
	account(c, series, drops, nlabels == 0, key, v);
}

/* the attach cookie says which probe fired and in which role; a USDT
 * probe's is libbpf's, ours is its usdt_cookie */
static __always_inline __u32 cookie_of(void *ctx, enum ctx_kind ck, int nslots)
{
	int need = 0;

#pragma clang loop unroll(full)
	for (int i = 0; i < NSLOTS; i++) {
		if (i < nslots && (cfg[i].nprobes > 1 || cfg[i].latency))
			need = 1;
	}
	if (!need)
		return 0;
	return ck == CTX_USDT ? (__u32)bpf_usdt_cookie(ctx) : bpf_get_attach_cookie(ctx);
}

#ifdef BPFPROM_ONE_SLOT
/*
 * A group of one: its slot inline, no call, and no slot_off (a reload drops
 * a group of one whole).
 */
#define HANDLE(sec, kind, ck, ctx_type)                                                      \
	SEC(sec)                                                                             \
	int handle_##kind##1(ctx_type ctx)                                                   \
	{                                                                                    \
		__u32 cookie = cookie_of(ctx, ck, 1);                                        \
                                                                                             \
		handle_one(ctx, ck, cookie, &cfg[0], &series0, &starts0, &drops0, &stacks0); \
		return 0;                                                                    \
	}
#else
/*
 * Slot i of a program for context kind ck, as its own BPF subprogram: it has
 * one call site per program, so the verifier still sees the slot's rodata and
 * maps as constants and drops what the slot does not use. Not inlined because
 * clang 14 cannot encode a jump of more than 32767 instructions (no gotol
 * before the v4 ISA), and eight inlined copies of the generic code span more
 * than that; a call costs a few ns per slot.
 */
#define SLOT_FN(kind, ck, i)                                                            \
	static __noinline int kind##_slot##i(void *ctx, __u32 cookie)                   \
	{                                                                               \
		handle_one(ctx, ck, cookie, &cfg[i], &series##i, &starts##i, &drops##i, \
			   &stacks##i);                                                 \
		return 0;                                                               \
	}

#define RUN_SLOT(kind, i, n)                         \
	do {                                         \
		if (i < n && !slot_off[i])           \
			kind##_slot##i(ctx, cookie); \
	} while (0)

/*
 * A program serving n slots: one per group size, so the kernel is given (and
 * libbpf relocates) only the slots a group uses, and the maps of the others
 * need not exist (the loader turns their autocreate off).
 */
#define HANDLE_N(sec, kind, ck, ctx_type, n)          \
	SEC(sec)                                      \
	int handle_##kind##n(ctx_type ctx)            \
	{                                             \
		__u32 cookie = cookie_of(ctx, ck, n); \
                                                      \
		RUN_SLOT(kind, 0, n);                 \
		RUN_SLOT(kind, 1, n);                 \
		RUN_SLOT(kind, 2, n);                 \
		RUN_SLOT(kind, 3, n);                 \
		RUN_SLOT(kind, 4, n);                 \
		RUN_SLOT(kind, 5, n);                 \
		RUN_SLOT(kind, 6, n);                 \
		RUN_SLOT(kind, 7, n);                 \
		return 0;                             \
	}

#define HANDLE(sec, kind, ck, ctx_type)      \
	SLOT_FN(kind, ck, 0)                 \
	SLOT_FN(kind, ck, 1)                 \
	SLOT_FN(kind, ck, 2)                 \
	SLOT_FN(kind, ck, 3)                 \
	SLOT_FN(kind, ck, 4)                 \
	SLOT_FN(kind, ck, 5)                 \
	SLOT_FN(kind, ck, 6)                 \
	SLOT_FN(kind, ck, 7)                 \
	HANDLE_N(sec, kind, ck, ctx_type, 2) \
	HANDLE_N(sec, kind, ck, ctx_type, 3) \
	HANDLE_N(sec, kind, ck, ctx_type, 4) \
	HANDLE_N(sec, kind, ck, ctx_type, 5) \
	HANDLE_N(sec, kind, ck, ctx_type, 6) \
	HANDLE_N(sec, kind, ck, ctx_type, 7) \
	HANDLE_N(sec, kind, ck, ctx_type, 8)

#endif

/* handle_tp1 (bpfprom_one), handle_tp2..8, handle_up1..8, ...: the loader
 * picks by context and group size */
HANDLE("tracepoint", tp, CTX_TP, void *)
HANDLE("uprobe", up, CTX_UPROBE, struct pt_regs *)
/* attached through a perf event: the kprobe PMU or a tracefs kprobe_events entry */
HANDLE("kprobe", kp, CTX_KPROBE, struct pt_regs *)
/* fentry/fexit: the loader sets the target function before load, one copy per target */
HANDLE("fentry", fentry, CTX_FENTRY, __u64 *)
HANDLE("fexit", fexit, CTX_FEXIT, __u64 *)
/* rawtracepoint: tp_btf is verified against its one event (one copy per event, like
 * fentry); raw_tp loads once and attaches by name */
HANDLE("tp_btf", btf, CTX_TP_BTF, __u64 *)
HANDLE("raw_tp", raw, CTX_RAW_TP, __u64 *)
/* profile, software and hardware: one perf event per CPU, each attached to this program */
HANDLE("perf_event", pe, CTX_PERF, void *)
/* usdt: attached by libbpf (bpf_program__attach_usdt) at each site of the probe */
HANDLE("usdt", usdt, CTX_USDT, struct pt_regs *)
