/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan: resolve a validated config against the running kernel (tracepoint
 * formats from tracefs, BTF, kprobe support) into each metric's BPF rodata
 * and attachments (which the loader loads, grouping metrics that attach
 * alike into one program) and its read-only description (metric.h: what its
 * key and values hold and how they print). Reads only what resolving needs:
 * tracefs files (a directory given by the caller, so tests can fake it),
 * kallsyms for kprobe targets, the ELF files of uprobe targets, and for
 * wildcards (and missing: skip) what --list reads (kernel/wild, kernel/list);
 * the USDT notes of usdt targets (kernel/usdtnote); and it opens (and
 * closes) a hardware probe's perf event once, to tell a machine without a
 * PMU for it (kernel/perfevent).
 */
#ifndef BPFPROM_PLAN_H
#define BPFPROM_PLAN_H

#include "config/config.h"
#include "kernel/kprobe.h"
#include "kernel/perfevent.h"
#include "kernel/rawtp.h"
#include "metric.h"

struct btf;

/* How an attachment reaches the kernel. */
enum plan_mech {
	PLAN_MECH_AUTO = 0, /* only as plan_kernel.force: choose per probe */
	PLAN_MECH_TRACEPOINT,
	PLAN_MECH_UPROBE, /* the uprobe PMU, through libbpf */
	PLAN_MECH_FENTRY, /* fentry/fexit trampolines (BTF) */
	PLAN_MECH_KPROBE, /* the kprobe PMU */
	PLAN_MECH_LEGACY, /* a kprobe_events or uprobe_events entry in tracefs (kernel/legacy) */
	PLAN_MECH_TP_BTF, /* rawtracepoint: a BTF-typed tracepoint (tp_btf) */
	PLAN_MECH_RAW_TP, /* rawtracepoint: a raw tracepoint (raw_tp) */
	PLAN_MECH_PERF_EVENT, /* profile, software, hardware: a perf event per CPU */
	PLAN_MECH_KPROBE_MULTI, /* kprobe wildcards: one multi-kprobe link (5.18+) */
	PLAN_MECH_UPROBE_MULTI, /* uprobe wildcards: one multi-uprobe link (6.6+) */
	PLAN_MECH_USDT, /* usdt: libbpf's USDT attach (uprobes, semaphores, argument specs) */
};

/* "fentry", "kprobe", "legacy", ...: the values of --probe.mechanism and of
 * the mechanism label of bpfprom_probe_info. */
const char *plan__mech_name(enum plan_mech m);
/* The --probe.mechanism values: auto, fentry, kprobe, legacy (kprobes; legacy
 * for uprobes too), tp_btf, raw_tp (rawtracepoints). -EINVAL otherwise. */
int plan__mech_parse(const char *s, enum plan_mech *out);

/* What the running kernel offers, found by main before planning. */
struct plan_kernel {
	const char *tracefs;
	enum plan_mech force; /* AUTO, FENTRY, KPROBE, LEGACY, TP_BTF or RAW_TP */
	bool fentry; /* a trampoline loaded and attached (loader__probe_fentry) */
	bool tp_btf; /* a BTF-typed tracepoint loaded and attached (loader__probe_tp_btf) */
	/* vmlinux BTF, for fentry targets, paths and rawtracepoint arguments; NULL when absent */
	const struct btf *btf;
	const char *btf_path; /* where it was looked for, for messages; NULL: the kernel's */
	/* bpf_get_current_task_btf is in its BTF's enum bpf_func_id (5.11):
	 * task paths load through BTF (struct bpfprom_step, BPFPROM_READ_BTF) */
	bool task_btf;
	struct kprobe_support kprobes;
	const char *kallsyms; /* NULL: /proc/kallsyms */
	bool unfused; /* --bpf.fuse=false: one program per metric */
	/* what this kernel lacks for uprobes (legacy__detect_uprobes): the uprobe
	 * PMU (auto then writes uprobe_events), TRACEFS/uprobe_events */
	bool uprobe_no_pmu;
	bool uprobe_no_events;
	bool kprobe_multi; /* a multi-kprobe link attached (loader__probe_kprobe_multi) */
	bool uprobe_multi; /* a multi-uprobe link attached (loader__probe_uprobe_multi) */
};

/* One function or event a wildcard probe stands for. */
struct plan_member {
	char *name; /* tracepoint: EVENT; kprobe, uprobe: the function */
	char *category; /* tracepoint */
	uint64_t offset; /* uprobe: the function's file offset */
};

/* One attachment: a probe of the metric, or the end probe of a latency. */
struct plan_probe {
	enum cfg_probe_kind kind;
	enum plan_mech mech;
	const char *category; /* tracepoint */
	const char *event; /* tracepoint, rawtracepoint */
	const char *func; /* kprobe, kretprobe: the kernel function; uprobe: FUNC as written */
	/* rawtracepoint: its arguments as BTF declares them (type ids included) */
	struct rawtp_event *rt;
	char *path; /* uprobe: the resolved binary (/proc/PID/root/... in a container) */
	uint64_t offset; /* uprobe: file offset of the function (+OFF); kprobe: +OFF */
	int pid; /* uprobe: one process, or -1 for all */
	bool implied; /* the return probe implied by value: latency */
	uint32_t cookie; /* index in the metric's probe list | BPFPROM_COOKIE_END */
	const char *spec; /* as the user wrote it */
	/* profile, software, hardware: what each CPU's perf event counts (func
	 * and offset above hold the event or unit and its N, for comparing) */
	struct perfevent_spec perf;
	/* a wildcard: what it matched, each attached with cookie | member index
	 * << BPFPROM_COOKIE_MEMBER_SHIFT; 0 for a named probe */
	size_t nmembers;
	struct plan_member *members;
	/* usdt: the probe's provider (found in the notes when the spec names none)
	 * and its sites: libbpf needs an argument spec for each */
	char *provider;
	uint32_t usdt_sites;
};

#define PLAN_MAX_ATTACH (2 * BPFPROM_MAX_PROBES)
/* In-flight latency starts a metric can hold (threads inside the interval). */
#define PLAN_STARTS_MAX 16384

struct plan_metric {
	const struct cfg_metric *cm;
	struct bpfprom_metric_cfg bcfg; /* the rodata */
	uint32_t max_series;
	uint32_t starts_max; /* latency only */
	size_t nprobes; /* attachments */
	struct plan_probe probes[PLAN_MAX_ATTACH];
	/* what its key and values hold and how they print; read-only once built */
	struct metric_desc desc;
	double bounds[BPFPROM_MAX_BUCKETS + BPFPROM_LOG2_SLOTS];
	size_t group; /* index in plan.groups */
	uint32_t slot; /* index in its group: its cfg and maps in the program */
	/* func labels: the name of each cookie (probe index | member << shift) */
	size_t nfuncs;
	struct cfg_static_value *funcs;
};

/*
 * Metrics that one BPF program serves: those whose attachments are the same
 * (probes, mechanism, target, cookies), in config order, at most
 * BPFPROM_MAX_FUSED; the program runs each one's work in turn.
 */
struct plan_group {
	size_t n;
	size_t metrics[BPFPROM_MAX_FUSED]; /* indexes in plan.metrics */
	size_t xgen_size; /* instructions of its expressions' code (xgen) */
};

/*
 * Do a and b attach at exactly the same places (probes in order, mechanism,
 * target, offset, pid, cookies)? Then one program serves both (plan groups
 * them) and a reload may keep the attachments of one for the other.
 */
bool plan__same_probes(const struct plan_metric *a, const struct plan_metric *b);

struct plan {
	const struct cfg *cfg;
	size_t nmetrics;
	struct plan_metric *metrics;
	size_t ngroups;
	struct plan_group *groups;
};

/*
 * Returns 0 and *out, or a negative errno and one line in err:
 *   plan: FILE:LINE:COL: metrics[I] (NAME): KEY: what is wrong
 * The plan keeps pointers into cfg: free the plan first.
 */
int plan__build(const struct cfg *cfg, const struct plan_kernel *k, struct plan **out, char *err,
		size_t errlen);
/* Does any metric of cfg have a field path that needs BTF (so main loads it)? */
bool plan__needs_btf(const struct cfg *cfg);
/* Does any metric of cfg use a kprobe or kretprobe (so main probes for them)? */
bool plan__needs_kprobes(const struct cfg *cfg);
/* hist schemas: the upper bound of native bucket idx, and the largest integer
 * of a value's unit (per units to one exported unit) that is <= a bound */
double plan__native_bound(int64_t idx, uint32_t schema);
uint64_t plan__floor_scaled(double bound, uint64_t per, bool is_signed);
/* Does any metric of cfg have a uprobe wildcard (so main tries multi-uprobe links)? */
bool plan__needs_uprobe_multi(const struct cfg *cfg);
/* Does any metric of cfg use a rawtracepoint (so main loads BTF)? */
bool plan__needs_rawtp(const struct cfg *cfg);
void plan__free(struct plan *plan);

#endif /* BPFPROM_PLAN_H */
