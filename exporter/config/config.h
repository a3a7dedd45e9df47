/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config: parse and validate bpfprom's YAML configuration (libyaml). Pure:
 * no kernel, no libbpf. Everything that can be checked without the kernel is
 * checked here; the kernel-dependent checks (does the tracepoint exist, does
 * the field exist) belong to plan.
 */
#ifndef BPFPROM_CONFIG_H
#define BPFPROM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfprom.h"
#include "config/expr.h"

#define CONFIG_DEFAULT_MAX_SERIES 10240
#define CONFIG_MAX_MAX_SERIES (1u << 20)
#define CONFIG_DEFAULT_STR_SIZE 32
/* PID_MAX_LIMIT on 64-bit kernels */
#define CONFIG_MAX_PID 4194304
/* series_ttl: up to 30 days */
#define CONFIG_MAX_SERIES_TTL_MS (30ull * 24 * 3600 * 1000)

/* 1-based line and column of a YAML node, as editors count them. */
struct cfg_pos {
	int line;
	int col;
};

enum cfg_probe_kind {
	CFG_PROBE_TRACEPOINT = 0,
	CFG_PROBE_KPROBE,
	CFG_PROBE_KRETPROBE,
	CFG_PROBE_UPROBE,
	CFG_PROBE_URETPROBE,
	CFG_PROBE_RAWTP, /* rawtracepoint:EVENT, BTF-typed or raw */
	CFG_PROBE_PROFILE, /* profile:UNIT:N, a timer on every CPU */
	CFG_PROBE_SOFTWARE, /* software:EVENT[:PERIOD], a software perf event on every CPU */
	CFG_PROBE_HARDWARE, /* hardware:EVENT[:PERIOD], a PMU counter on every CPU */
	CFG_PROBE_USDT, /* usdt:BIN:[PROVIDER:]NAME, a <sys/sdt.h> probe */
};

/*
 * tracepoint:CAT:EVENT        target = CAT,  func = EVENT
 * kprobe:FUNC[+OFF]           target = NULL, func = FUNC, offset = OFF
 * kretprobe:FUNC              target = NULL, func = FUNC
 * uprobe:BIN:FUNC[+OFF]       target = BIN,  func = FUNC, offset = OFF
 * uretprobe:BIN:FUNC          target = BIN,  func = FUNC
 * rawtracepoint:EVENT         target = NULL, func = EVENT
 * profile:UNIT:N              target = NULL, func = UNIT (hz s ms us), offset = N
 * software:EVENT[:PERIOD]     target = NULL, func = EVENT's name (not an alias),
 * hardware:EVENT[:PERIOD]     offset = PERIOD (bpftrace's default when not given)
 * usdt:BIN:[PROVIDER:]NAME    target = BIN,  func = NAME, provider = PROVIDER or NULL
 * Aliases: t: k: kr: u: ur: rt: p: s: h: U: (and tp:). `spec` is the text as written.
 */
struct cfg_probe {
	enum cfg_probe_kind kind;
	char *spec;
	char *target;
	char *func;
	uint64_t offset;
	struct cfg_pos pos;
	/* FUNC (or CAT, EVENT) has * or ?: plan expands it with --list's matching */
	bool wild;
	char *provider; /* usdt: NULL when the spec names the probe alone */
};

/* Elements a path may have (the plan turns them into BPFPROM_MAX_STEPS reads at most). */
#define CFG_PATH_MAX_ELEMS 16
#define CFG_PATH_NAME_MAX 64

enum cfg_path_op {
	CFG_PATH_ARROW, /* ->NAME */
	CFG_PATH_DOT, /* .NAME */
	CFG_PATH_INDEX, /* [N] */
	CFG_PATH_FETCH, /* +OFF(...) or -OFF(...), +uOFF(...) for user memory */
};

struct cfg_path_elem {
	enum cfg_path_op op;
	char name[CFG_PATH_NAME_MAX]; /* ARROW, DOT */
	int64_t num; /* INDEX: N; FETCH: the offset */
	bool user; /* FETCH: +uOFF */
};

/*
 * A field path, SRC->a.b[2]->c or ((struct T *)SRC)->c, or an eprobe-style
 * fetch arg, +OFF(+OFF(SRC)):TYPE, whose elements are innermost first. SRC,
 * the base, is argN, retval, args.FIELD or task.
 */
struct cfg_path {
	enum bpfprom_src base; /* ARG, RETVAL, FIELD, TASK */
	uint32_t argn;
	char field[CFG_PATH_NAME_MAX]; /* FIELD */
	char cast[CFG_PATH_NAME_MAX + 8]; /* "struct sk_buff", "" for none */
	size_t nelems;
	struct cfg_path_elem elems[CFG_PATH_MAX_ELEMS];
	bool fetch;
	/* fetch: :TYPE; u64 when none is given */
	uint32_t fetch_size; /* 1, 2, 4, 8; 0 for string and ustring */
	bool fetch_signed;
	bool fetch_user_str; /* ustring */
};

/* A value, label or filter source: comm pid tid uid gid cpu cgroup argN
 * retval args.FIELD str(argN) str(args.FIELD) probe latency task, field
 * paths and fetch args (PATH, STR_PATH). */
struct cfg_source {
	enum bpfprom_src kind;
	uint32_t argn; /* ARG, STR_ARG: N in 0..5 */
	char *field; /* FIELD, STR_FIELD: the FIELD of args.FIELD */
	struct cfg_path *path; /* PATH, STR_PATH */
	char *text; /* PATH, STR_PATH, EXPR: as written, for messages */
	struct cfg_pos pos;
	/* until.SRC: read at the end of a pair (its until or return probe) */
	bool at_end;
	struct cfg_expr *expr; /* EXPR */
};

/* An expression (kind EXPR): its tree, and the source of each operand. */
struct cfg_expr {
	struct expr e;
	struct cfg_source srcs[BPFPROM_MAX_XSRC];
};

/*
 * Parse a field path or fetch arg (the text inside str() for a string).
 * Pure; 0 and *out, or -EINVAL and one line in err saying what to write.
 * *is_str: a fetch arg of type string or ustring.
 */
int config__parse_path(const char *text, struct cfg_path *out, bool *is_str, char *err,
		       size_t errlen);
/* Does text look like a path or fetch arg (and so go to config__parse_path)? */
bool config__is_path(const char *text);

enum cfg_decode {
	CFG_DECODE_NONE = 0,
	CFG_DECODE_SYSCALL,
	CFG_DECODE_ERRNO,
	CFG_DECODE_KSYM,
	CFG_DECODE_CGROUP_PATH,
	CFG_DECODE_STATIC,
	CFG_DECODE_HEX,
	CFG_DECODE_K8S, /* one cgroup id, three labels: namespace, pod, container */
	CFG_DECODE_REGEXP, /* a string label folded by the first pattern it matches */
	CFG_DECODE_INET, /* an IPv4 (u32, or u8[4]) or IPv6 (u8[16]) address */
	CFG_DECODE_MAJORMINOR, /* a kernel dev_t: major = dev >> 20, minor = dev & 0xfffff */
	CFG_DECODE_IFNAME, /* a network interface index */
	/* a user address: the function of the event's process that holds it;
	 * the key keeps the process's tgid after the address */
	CFG_DECODE_USYM,
	CFG_DECODE__COUNT,
};

/* The labels decode: k8s renders, in this order, whatever the label's name. */
#define CFG_K8S_LABELS 3
extern const char *const config__k8s_label_names[CFG_K8S_LABELS];

struct cfg_static_value {
	int64_t key;
	char *name;
};

/* decode: regexp: a POSIX extended regular expression and its label text */
struct cfg_regexp_value {
	char *pattern;
	char *name;
};

struct cfg_label {
	char *name;
	struct cfg_source src;
	enum cfg_decode decode;
	struct cfg_static_value *values; /* decode: static */
	size_t nvalues;
	struct cfg_regexp_value *regexps; /* decode: regexp, in the order written */
	size_t nregexps;
	uint32_t size; /* string sources: bytes kept, default 32, at most 128 */
	struct cfg_pos pos;
	/* kstack, ustack: the frames kept, leaf first: default 16, at most 127 */
	uint32_t frames;
};

/* SOURCE OP LITERAL; a string literal is double-quoted, an integer is
 * decimal or 0x hex, optionally negative. */
struct cfg_filter {
	struct cfg_source src;
	enum bpfprom_op op;
	bool is_str;
	int64_t ival; /* integer literal (negative allowed) */
	char *sval; /* string literal, unescaped */
	char *text; /* the filter as written */
	struct cfg_pos pos;
	/* a start probe's own filter (probe: [{probe: SPEC, filter: [...]}]):
	 * the bit of that probe's index, and its place in that probe's list;
	 * probes 0 for a filter of every probe */
	uint8_t probes;
	uint8_t own_index;
};

struct cfg_buckets {
	bool set; /* a buckets: mapping was given */
	bool has_min, has_max, has_step;
	int64_t min, max, step;
	struct cfg_pos pos;
};

enum cfg_unit {
	CFG_UNIT_NONE = 0,
	CFG_UNIT_SECONDS,
};

struct cfg_metric {
	char *name; /* with the namespace prefix applied: NS_name */
	char *help;
	struct cfg_probe *probes;
	size_t nprobes;
	bool has_until;
	struct cfg_probe until;
	/* latency: what pairs a start with its end instead of the thread, read
	 * at the start probes (match) and at until (match_until) */
	struct cfg_source match[BPFPROM_MAX_MATCH];
	struct cfg_source match_until[BPFPROM_MAX_MATCH];
	size_t nmatch;
	struct cfg_pos match_pos;
	/* start probe i's own match sources (probe: [{probe: SPEC, match:
	 * ...}]) where bit i of own_match is set; the others read match */
	struct cfg_source probe_match[BPFPROM_MAX_PROBES][BPFPROM_MAX_MATCH];
	uint8_t own_match;
	enum bpfprom_agg agg;
	bool has_value;
	struct cfg_source value;
	enum cfg_unit unit;
	struct cfg_label labels[BPFPROM_MAX_LABELS];
	size_t nlabels;
	struct cfg_filter filters[BPFPROM_MAX_FILTERS];
	size_t nfilters;
	uint32_t max_series;
	struct cfg_buckets buckets;
	/* hist: 2^schema buckets per power of two, Prometheus's native
	 * histogram boundaries in the exported unit; without has_schema, the
	 * log2 buckets of the value's own unit */
	bool has_schema;
	uint32_t schema;
	struct cfg_pos schema_pos;
	/* series_ttl: a series whose values did not change for this long is
	 * retired at a scrape; 0: never idle */
	uint64_t series_ttl_ms;
	int32_t pid; /* uprobes of one process; 0: every process */
	struct cfg_pos pid_pos;
	struct cfg_pos pos;
	/* missing: skip: probes (and wildcards) this kernel does not have are left out */
	bool missing_skip;
	/* start: first: a latency keeps the oldest pending start of a key
	 * (default last: a new start replaces it) */
	bool start_first;
	/* until: [A, B, ...]: until is A, until_rest the others; nuntil counts
	 * them all (0 without until). The first of them to fire ends a pair. */
	struct cfg_probe until_rest[BPFPROM_MAX_PROBES - 1];
	size_t nuntil;
	/* a metric of pairs: until, value: latency, or until. sources (on
	 * kprobes or uprobes, whose return probes are then implied) */
	bool paired;
	/* series_map: shared: one value per series for all CPUs, updated with
	 * atomic adds (default percpu: a value per possible CPU) */
	bool series_shared;
};

/* until probe i of m, 0 <= i < m->nuntil */
static inline const struct cfg_probe *config__until(const struct cfg_metric *m, size_t i)
{
	return i ? &m->until_rest[i - 1] : &m->until;
}

struct cfg {
	char *file; /* as given; used in messages */
	char *namespace;
	struct cfg_metric *metrics;
	size_t nmetrics;
};

/*
 * Parse and validate. On success returns 0 and *out; on error a negative
 * errno (-EINVAL for a bad config, -ENOENT etc. for an unreadable file) and a
 * one-line message in err:
 *   config: FILE:LINE:COL: metrics[I] (NAME): KEY: what is wrong and what to do
 */
int config__parse_file(const char *path, struct cfg **out, char *err, size_t errlen);
int config__parse_string(const char *text, size_t len, const char *file, struct cfg **out,
			 char *err, size_t errlen);
void config__free(struct cfg *cfg);

/* Names for messages and rendering. */
const char *config__agg_name(enum bpfprom_agg agg);
const char *config__src_name(enum bpfprom_src kind);
const char *config__decode_name(enum cfg_decode dec);
const char *config__probe_kind_name(enum cfg_probe_kind kind);

#endif /* BPFPROM_CONFIG_H */
