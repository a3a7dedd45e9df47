// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exporter/config/config.c: every bad config must be rejected with the
 * exact message a user would see (position, metric, key path and the fix), and
 * good configs must come out field by field as written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "util/array.h"

#define TP "tracepoint:syscalls:sys_enter_read"
/* Lines 1-3: the name value is at 2:11, help at 3:11. */
#define HEAD(name) "metrics:\n  - name: " name "\n    help: Help.\n"
/* Lines 1-5: probe value at 4:12, aggregate value at 5:16; the next key is line 6. */
#define METRIC(name, probe, agg) HEAD(name) "    probe: " probe "\n    aggregate: " agg "\n"
#define COUNTER METRIC("reads_total", TP, "count")
#define HIST(probe) METRIC("read_bytes", probe, "hist")
#define WAKE "t:sched:sched_wakeup"
/* lines 6 and 7: a latency ending at sched_switch; match is then line 8, value at col 12 */
#define LAT_SWITCH "    value: latency\n    until: t:sched:sched_switch\n"
#define SOURCES                                                                                   \
	"comm, pid, tid, uid, gid, cpu, cgroup, probe, func, retval, latency, argN, args.FIELD, " \
	"str(argN), str(args.FIELD), task, SRC->member, +OFF(SRC):TYPE, period, kstack, ustack, uip"

struct bad_case {
	const char *name;
	const char *yaml;
	const char *want;
};

static const struct bad_case bad_cases[] = {
	/* ---- YAML and the top level ---- */
	{ "yaml_flow_unclosed", "metrics: [\n",
	  "config: t.yaml:2:1: YAML syntax error: did not find expected node content (while parsing a flow node)" },
	{ "yaml_tab_indent", "metrics:\n  - name: a\n\thelp: b\n",
	  "config: t.yaml:3:1: YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar)" },
	{ "yaml_bad_utf8", "metrics: \xff\n",
	  "config: t.yaml:1:10: YAML syntax error: invalid leading UTF-8 octet" },
	{ "empty_file", "",
	  "config: t.yaml:1:1: the file is empty; expected a mapping with a \"metrics\" list" },
	{ "comments_only", "# nothing yet\n\n",
	  "config: t.yaml:1:1: the file is empty; expected a mapping with a \"metrics\" list" },
	{ "second_document", COUNTER "---\nmetrics: []\n",
	  "config: t.yaml:7:1: a second YAML document starts here; put all metrics in one document" },
	{ "top_is_list", "- metrics\n",
	  "config: t.yaml:1:1: expected a mapping with a \"metrics\" list at the top level, got a list" },
	{ "top_unknown_key", "metric:\n  - name: x\n",
	  "config: t.yaml:1:1: unknown key \"metric\" (did you mean \"metrics\"?)" },
	{ "top_complex_key", "? [a]\n: b\n",
	  "config: t.yaml:1:3: expected a key, got a list; keys are plain words" },
	{ "top_duplicate_key", "metrics: []\nmetrics: []\n",
	  "config: t.yaml:2:1: duplicate key \"metrics\" (first given at line 1); remove one" },
	{ "metrics_missing", "namespace: app\n",
	  "config: t.yaml:1:1: metrics: missing; add a \"metrics\" list with at least one metric" },
	{ "metrics_empty", "metrics: []\n",
	  "config: t.yaml:1:10: metrics: the list is empty; add at least one metric" },
	{ "metrics_mapping", "metrics:\n  name: x\n",
	  "config: t.yaml:2:3: metrics: expected a list of metrics, got a mapping" },
	{ "namespace_invalid", "namespace: my-app\n" COUNTER,
	  "config: t.yaml:1:12: namespace: \"my-app\" is not a valid metric prefix; use letters, digits and '_', not starting with a digit" },
	{ "namespace_reserved", "namespace: bpfprom\n" COUNTER,
	  "config: t.yaml:1:12: namespace: \"bpfprom\" would start every name with \"bpfprom_\", which is reserved for the exporter's own metrics; choose another namespace" },
	{ "namespace_null", "namespace:\n" COUNTER,
	  "config: t.yaml:1:11: namespace: expected a string, got an empty value" },

	/* ---- metric names ---- */
	{ "metric_not_mapping", "metrics:\n  - reads_total\n",
	  "config: t.yaml:2:5: metrics[0]: expected a mapping with name, help, probe and aggregate, got a string" },
	{ "name_missing", "metrics:\n  - help: Reads.\n",
	  "config: t.yaml:2:5: metrics[0]: name: missing; every metric needs a name, e.g. name: read_bytes_total" },
	{ "name_empty", HEAD("\"\""),
	  "config: t.yaml:2:11: metrics[0]: name: must not be empty; give the metric a name, e.g. read_bytes_total" },
	{ "name_colon", HEAD("a:b_total"),
	  "config: t.yaml:2:11: metrics[0]: name: \"a:b_total\" contains ':', which Prometheus reserves for recording rules; use '_' instead" },
	{ "name_dash", HEAD("read-bytes_total"),
	  "config: t.yaml:2:11: metrics[0]: name: \"read-bytes_total\" is not a valid metric name; use letters, digits and '_', not starting with a digit" },
	{ "name_reserved_prefix", HEAD("bpfprom_up_total"),
	  "config: t.yaml:2:11: metrics[0]: name: \"bpfprom_up_total\" starts with \"bpfprom_\", which is reserved for the exporter's own metrics; choose another name" },
	{ "name_double_underscore", HEAD("__x_total"),
	  "config: t.yaml:2:11: metrics[0]: name: \"__x_total\" starts with \"__\", which Prometheus reserves for internal use; remove the leading underscores" },
	{ "counter_without_total", METRIC("reads", TP, "count"),
	  "config: t.yaml:2:11: metrics[0] (reads): name: \"reads\" is a counter (aggregate: count), so its name must end in \"_total\"; rename it to \"reads_total\"" },
	{ "counter_without_total_ns",
	  "namespace: app\n"
	  "metrics:\n"
	  "  - name: reads\n"
	  "    help: Bytes.\n"
	  "    probe: t:syscalls:sys_enter_read\n"
	  "    aggregate: sum\n"
	  "    value: args.count\n",
	  "config: t.yaml:3:11: metrics[0] (reads): name: \"app_reads\" is a counter (aggregate: sum), so its name must end in \"_total\"; rename it to \"reads_total\"" },
	{ "hist_with_total", METRIC("lat_total", "k:vfs_read", "hist") "    value: latency\n",
	  "config: t.yaml:2:11: metrics[0] (lat_total): name: \"lat_total\" must not end in \"_total\": only counters do, and aggregate: hist renders a histogram; drop the suffix" },
	{ "duplicate_name",
	  COUNTER
	  "  - name: reads_total\n    help: Again.\n    probe: t:a:b\n    aggregate: count\n",
	  "config: t.yaml:6:11: metrics[1] (reads_total): name: \"reads_total\" is already the name of metrics[0]; metric names must be unique" },
	{ "series_collision",
	  "metrics:\n"
	  "  - name: req\n"
	  "    help: Requests.\n"
	  "    probe: u:libc:malloc\n"
	  "    aggregate: stats\n"
	  "    value: arg0\n"
	  "  - name: req_max\n"
	  "    help: Biggest.\n"
	  "    probe: u:libc:free\n"
	  "    aggregate: hist\n"
	  "    value: arg0\n",
	  "config: t.yaml:7:11: metrics[1] (req_max): name: \"req_max\" collides with metrics[0] (req): both produce \"req_max\"; rename one of them" },
	{ "hist_series_collision",
	  "metrics:\n"
	  "  - name: lat\n"
	  "    help: Latency.\n"
	  "    probe: k:vfs_read\n"
	  "    aggregate: hist\n"
	  "    value: latency\n"
	  "  - name: lat_bucket\n"
	  "    help: Oops.\n"
	  "    probe: k:vfs_write\n"
	  "    aggregate: stats\n"
	  "    value: arg2\n",
	  "config: t.yaml:7:11: metrics[1] (lat_bucket): name: \"lat_bucket\" collides with metrics[0] (lat): both produce \"lat_bucket\"; rename one of them" },
	{ "counter_family_collision",
	  COUNTER
	  "  - name: reads\n    help: Sizes.\n    probe: u:libc:read\n    aggregate: hist\n    value: arg2\n",
	  "config: t.yaml:6:11: metrics[1] (reads): name: \"reads\" collides with metrics[0] (reads_total): both produce \"reads\" (OpenMetrics names a counter's family without _total); rename one of them" },

	/* the exporter's own families, namespace applied (bpfprom_* is refused by prefix) */
	{ "reserved_process_counter", METRIC("process_cpu_seconds_total", TP, "count"),
	  "config: t.yaml:2:11: metrics[0] (process_cpu_seconds_total): name: \"process_cpu_seconds_total\" collides with the exporter's own metric process_cpu_seconds_total: both produce \"process_cpu_seconds_total\"; choose another name" },
	{ "reserved_process_gauge",
	  METRIC("process_open_fds", "k:vfs_read", "hist") "    value: latency\n",
	  "config: t.yaml:2:11: metrics[0] (process_open_fds): name: \"process_open_fds\" collides with the exporter's own metric process_open_fds: both produce \"process_open_fds\"; choose another name" },
	{ "reserved_process_namespace", "namespace: process\n" METRIC("max_fds_total", TP, "count"),
	  "config: t.yaml:3:11: metrics[0] (max_fds_total): name: \"process_max_fds_total\" collides with the exporter's own metric process_max_fds: both produce \"process_max_fds\" (OpenMetrics names a counter's family without _total); choose another name or namespace" },
	{ "reserved_process_family",
	  METRIC("process_cpu_seconds", "k:vfs_read", "hist") "    value: latency\n",
	  "config: t.yaml:2:11: metrics[0] (process_cpu_seconds): name: \"process_cpu_seconds\" collides with the exporter's own metric process_cpu_seconds_total: both produce \"process_cpu_seconds\" (OpenMetrics names a counter's family without _total); choose another name" },

	/* ---- metric keys ---- */
	{ "unknown_key_suggest", HEAD("reads_total") "    probe: " TP "\n    agregate: count\n",
	  "config: t.yaml:5:5: metrics[0] (reads_total): unknown key \"agregate\" (did you mean \"aggregate\"?)" },
	{ "unknown_key_list", COUNTER "    colour: red\n",
	  "config: t.yaml:6:5: metrics[0] (reads_total): unknown key \"colour\"; expected one of name, help, probe, until, match, aggregate, value, unit, labels, filter, max_series, buckets, pid, schema, series_ttl, missing, start, series_map" },
	{ "duplicate_key", COUNTER "    help: Again.\n",
	  "config: t.yaml:6:5: metrics[0] (reads_total): duplicate key \"help\" (first given at line 3); remove one" },
	{ "help_missing",
	  "metrics:\n  - name: reads_total\n    probe: t:a:b\n    aggregate: count\n",
	  "config: t.yaml:2:5: metrics[0] (reads_total): help: missing; add help: with one line saying what the metric measures" },
	{ "help_empty", "metrics:\n  - name: reads_total\n    help: \"  \"\n",
	  "config: t.yaml:3:11: metrics[0] (reads_total): help: must not be empty; say what the metric measures" },
	{ "help_mapping", "metrics:\n  - name: reads_total\n    help: {text: x}\n",
	  "config: t.yaml:3:11: metrics[0] (reads_total): help: expected a string, got a mapping" },
	{ "help_nul", "metrics:\n  - name: reads_total\n    help: \"a\\0b\"\n",
	  "config: t.yaml:3:11: metrics[0] (reads_total): help: the string contains a NUL character; remove it" },

	/* ---- probes ---- */
	{ "probe_missing", HEAD("reads_total") "    aggregate: count\n",
	  "config: t.yaml:2:5: metrics[0] (reads_total): probe: missing; add probe: with where to attach, e.g. probe: tracepoint:syscalls:sys_enter_read" },
	{ "probe_not_spec", METRIC("reads_total", "sys_enter_read", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"sys_enter_read\" is not a probe spec; write KIND:TARGET, e.g. tracepoint:syscalls:sys_enter_read or uprobe:libc:malloc" },
	/* controls written as YAML escapes come back escaped: one line, no terminal codes */
	{ "probe_control_chars",
	  METRIC("reads_total", "\"a\\nb\\x1b[31m\\u009b\\x7f\\t\\u00e9\"", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"a\\nb\\x1b[31m\\u009b\\x7f\\t\xc3\xa9\" is not a probe spec; write KIND:TARGET, e.g. tracepoint:syscalls:sys_enter_read or uprobe:libc:malloc" },
	{ "key_control_chars", "\"a\\rb\": 1\n",
	  "config: t.yaml:1:1: unknown key \"a\\x0db\"; expected one of namespace, metrics" },
	{ "probe_kind_typo", METRIC("reads_total", "kprob:vfs_read", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: unknown probe kind \"kprob\" (did you mean \"kprobe\"?); expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt" },
	{ "probe_kind_unknown", METRIC("reads_total", "fentry:vfs_read", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: unknown probe kind \"fentry\"; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt" },
	/* ---- profile, software, hardware ---- */
	{ "profile_no_rate", METRIC("samples_total", "profile:hz", "count"),
	  "config: t.yaml:4:12: metrics[0] (samples_total): probe: \"profile:hz\": hz needs a positive whole number after it, e.g. profile:hz:99" },
	{ "profile_zero", METRIC("samples_total", "p:ms:0", "count"),
	  "config: t.yaml:4:12: metrics[0] (samples_total): probe: \"p:ms:0\": ms needs a positive whole number after it, e.g. profile:ms:10" },
	{ "profile_bad_unit", METRIC("samples_total", "profile:min:1", "count"),
	  "config: t.yaml:4:12: metrics[0] (samples_total): probe: \"profile:min:1\": unknown unit \"min\"; write profile:hz:RATE (samples per second) or profile:s:N, profile:ms:N, profile:us:N (a sample every N units of CPU time), e.g. profile:hz:99" },
	{ "software_typo", METRIC("faults_total", "software:fautls:1", "count"),
	  "config: t.yaml:4:12: metrics[0] (faults_total): probe: unknown software event \"fautls\" (did you mean \"faults\"?); expected one of alignment-faults, bpf-output, context-switches, cs, cpu-clock, cpu, cpu-migrations, dummy, emulation-faults, major-faults, minor-faults, page-faults, faults, task-clock" },
	{ "hardware_unknown", METRIC("misses_total", "h:llc-misses", "count"),
	  "config: t.yaml:4:12: metrics[0] (misses_total): probe: unknown hardware event \"llc-misses\"; expected one of backend-stalls, branch-instructions, branches, branch-misses, bus-cycles, cache-misses, cache-references, cpu-cycles, cycles, frontend-stalls, instructions, ref-cycles" },
	{ "software_bad_period", METRIC("faults_total", "s:faults:x", "count"),
	  "config: t.yaml:4:12: metrics[0] (faults_total): probe: \"s:faults:x\": the period \"x\" is not a positive whole number; write software:faults:N (a sample every N events), e.g. software:faults:100" },
	{ "software_extra", METRIC("faults_total", "software:faults:1:2", "count"),
	  "config: t.yaml:4:12: metrics[0] (faults_total): probe: \"software:faults:1:2\": write software:EVENT or software:EVENT:PERIOD, e.g. software:page-faults:100" },
	{ "profile_arg", METRIC("samples_total", "profile:hz:99", "sum") "    value: arg0\n",
	  "config: t.yaml:6:12: metrics[0] (samples_total): value: arg0: probe \"profile:hz:99\" is a profile probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->..." },
	{ "software_field",
	  METRIC("faults_total", "software:faults",
		 "count") "    labels: [{name: f, source: str(args.filename)}]\n",
	  "config: t.yaml:6:32: metrics[0] (faults_total): labels[0].source: str(args.filename): probe \"software:faults\" is a software probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->..." },
	{ "period_on_tracepoint", METRIC("read_bytes_total", TP, "sum") "    value: period\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes_total): value: period is the sample period of profile, software and hardware probes, but probe \"" TP
	  "\" is a tracepoint; use aggregate: count to count its events" },
	{ "profile_mixed", METRIC("samples_total", "[profile:hz:99, " TP "]", "count"),
	  "config: t.yaml:4:28: metrics[0] (samples_total): probe[1]: cannot mix profile, software and hardware probes with other probe kinds in one metric (probe[0] is \"profile:hz:99\"); split them into separate metrics" },
	{ "profile_until",
	  METRIC("samples", "profile:hz:99", "hist") "    value: latency\n    until: " TP "\n",
	  "config: t.yaml:7:12: metrics[0] (samples): until: probe \"profile:hz:99\" is a profile probe, which samples a CPU: it cannot start or end a latency; measure between tracepoints, kprobes or uprobes" },
	{ "tracepoint_no_event", METRIC("reads_total", "tracepoint:syscalls", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"tracepoint:syscalls\" has no event; write tracepoint:CATEGORY:EVENT, e.g. tracepoint:syscalls:sys_enter_read" },
	{ "tracepoint_bad_event", METRIC("reads_total", "t:syscalls:sys-enter", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"t:syscalls:sys-enter\": \"sys-enter\" is not a valid tracepoint event; use letters, digits, '_' and '.'" },
	{ "kretprobe_offset", METRIC("reads_total", "kretprobe:vfs_read+4", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"kretprobe:vfs_read+4\": a return probe takes no +OFFSET; remove it, or use kprobe: to probe at an offset" },
	{ "kprobe_binary", METRIC("reads_total", "kprobe:vmlinux:vfs_read", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"kprobe:vmlinux:vfs_read\": a kprobe takes no binary; write kprobe:FUNCTION, or uprobe:BINARY:FUNCTION for user space" },
	{ "kprobe_bad_offset", METRIC("reads_total", "k:vfs_read+0xZZ", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"k:vfs_read+0xZZ\": the offset \"0xZZ\" is not a number; write a decimal or 0x hexadecimal byte offset" },
	{ "kprobe_no_func", METRIC("reads_total", "k:+8", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"k:+8\" has no function name; write kprobe:FUNCTION, e.g. kprobe:vfs_read" },
	{ "uprobe_no_binary", METRIC("reads_total", "uprobe:malloc", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"uprobe:malloc\" needs a binary and a function; write uprobe:BINARY:FUNCTION, e.g. uprobe:libc:malloc" },
	{ "usdt_no_probe", METRIC("reads_total", "usdt:/bin/app", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"usdt:/bin/app\" needs a binary and a probe; write usdt:BINARY:PROVIDER:NAME, e.g. usdt:/usr/bin/python3:python:function__entry" },
	{ "usdt_empty_binary", METRIC("reads_total", "U::p:n", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"U::p:n\" has no binary; write a path or a library name before the probe, e.g. usdt:/usr/bin/python3:python:function__entry" },
	{ "usdt_too_many_parts", METRIC("reads_total", "usdt:a:b:c:d", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"usdt:a:b:c:d\" has too many parts; write usdt:BINARY:PROVIDER:NAME or usdt:BINARY:NAME" },
	{ "usdt_bad_name", METRIC("reads_total", "usdt:/bin/app:p:a-b", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"usdt:/bin/app:p:a-b\": \"a-b\" is not a valid USDT probe name; use letters, digits and '_'" },
	{ "usdt_bad_provider", METRIC("reads_total", "usdt:/bin/app:p.q:n", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"usdt:/bin/app:p.q:n\": \"p.q\" is not a valid USDT provider; use letters, digits and '_'" },
	{ "usdt_latency_no_until",
	  METRIC("lat_seconds", "usdt:/bin/app:p:n", "stats") "    value: latency\n",
	  "config: t.yaml:6:12: metrics[0] (lat_seconds): value: latency needs an end point: add until: PROBE, or use only kprobe or uprobe probes (their return probe is then implied); probe \"usdt:/bin/app:p:n\" is a usdt" },
	{ "usdt_mixed", METRIC("reads_total", "[usdt:/bin/app:p:n, uprobe:/bin/app:main]", "count"),
	  "config: t.yaml:4:32: metrics[0] (reads_total): probe[1]: cannot mix usdt probes with other probe kinds in one metric (probe[0] is \"usdt:/bin/app:p:n\"); split them into separate metrics" },
	{ "usdt_same", METRIC("reads_total", "[usdt:/bin/app:p:n, U:/bin/app:p:n]", "count"),
	  "config: t.yaml:4:32: metrics[0] (reads_total): probe[1]: \"U:/bin/app:p:n\" is the same probe as probe[0] (\"usdt:/bin/app:p:n\"); remove one" },
	{ "uprobe_empty_binary", METRIC("reads_total", "ur::malloc", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"ur::malloc\" has no binary; write a path or a library name before the function, e.g. uretprobe:libc:malloc" },
	{ "uprobe_bad_func", METRIC("reads_total", "u:/bin/true:my-func", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: \"u:/bin/true:my-func\": \"my-func\" is not a valid function name; use letters, digits, '_' and '.'" },
	{ "probe_mapping", METRIC("reads_total", "{kind: kprobe}", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: {probe: SPEC, match: ..., filter: [...]} gives one of several start probes its own match or filters, in a list; with one probe write probe: SPEC, and the metric's match and filter" },
	{ "probe_list_empty", METRIC("reads_total", "[]", "count"),
	  "config: t.yaml:4:12: metrics[0] (reads_total): probe: the list is empty; give at least one probe" },
	{ "probe_list_too_long",
	  METRIC("reads_total",
		 "[t:s:e0, t:s:e1, t:s:e2, t:s:e3, t:s:e4, t:s:e5, t:s:e6, t:s:e7, t:s:e8]",
		 "count"),
	  "config: t.yaml:4:77: metrics[0] (reads_total): probe: 9 probes given, at most 8 fit in one metric; split it into several metrics, or name many with one wildcard (kprobe:tcp_*)" },
	{ "probe_duplicate",
	  HEAD("reads_total") "    probe:\n      - t:syscalls:sys_enter_read\n      - tracepoint:syscalls:sys_enter_read\n    aggregate: count\n",
	  "config: t.yaml:6:9: metrics[0] (reads_total): probe[1]: \"tracepoint:syscalls:sys_enter_read\" is the same probe as probe[0] (\"t:syscalls:sys_enter_read\"); remove one" },
	{ "probe_mixed_kinds",
	  METRIC("reads_total", "[t:syscalls:sys_enter_read, u:libc:read, rt:sys_enter]", "count"),
	  "config: t.yaml:4:53: metrics[0] (reads_total): probe[2]: cannot mix rawtracepoints with other probe kinds in one metric (probe[0] is \"t:syscalls:sys_enter_read\"); split them into separate metrics" },
	{ "probe_mixed_field",
	  METRIC("reads_total", "[t:syscalls:sys_enter_read, u:libc:read]",
		 "count") "    labels: [{name: fd, source: args.fd}]\n",
	  "config: t.yaml:6:33: metrics[0] (reads_total): labels[0].source: args.fd reads a tracepoint field, so it needs tracepoint probes, but probe \"u:libc:read\" is a uprobe; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead" },

	/* ---- aggregate, value, until, unit ---- */
	{ "aggregate_missing", HEAD("reads_total") "    probe: " TP "\n",
	  "config: t.yaml:2:5: metrics[0] (reads_total): aggregate: missing; add aggregate: with one of count, sum, hist, lhist, stats" },
	{ "aggregate_typo", METRIC("reads_total", TP, "cont"),
	  "config: t.yaml:5:16: metrics[0] (reads_total): aggregate: unknown aggregate \"cont\" (did you mean \"count\"?); expected one of count, sum, hist, lhist, stats" },
	{ "count_with_value", COUNTER "    value: arg0\n",
	  "config: t.yaml:6:12: metrics[0] (reads_total): value: aggregate: count counts events and takes no value; remove value, or use aggregate: sum to add it up" },
	{ "hist_without_value", HIST(TP),
	  "config: t.yaml:2:5: metrics[0] (read_bytes): value: missing; aggregate: hist needs a value to observe, e.g. value: latency or value: arg2" },
	{ "value_is_comm", HIST(TP) "    value: comm\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: comm is not a number; use one of pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency as the value, or make comm a label" },
	{ "value_is_str", HIST("k:vfs_read") "    value: str(arg1)\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: str(arg1) is not a number; use one of pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency as the value, or make str(arg1) a label" },
	{ "value_arg6", HIST("k:vfs_read") "    value: arg6\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: arg6: probe \"k:vfs_read\" is a kprobe, whose arguments are arg0..arg5 (the registers the calling convention passes them in); only usdt probes have arg6..arg11" },
	{ "value_arg12", HIST("usdt:/bin/true:p:n") "    value: arg12\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: arg12: argument index must be 0..5 (usdt probes: 0..11)" },
	{ "value_typo", HIST("kr:vfs_read") "    value: retvl\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: unknown source \"retvl\" (did you mean \"retval\"?); expected one of " SOURCES },
	{ "value_mapping", HIST("kr:vfs_read") "    value: [retval]\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: expected a string, got a list" },
	{ "value_arg_on_tracepoint", HIST(TP) "    value: arg1\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: arg1 reads a function argument, so it needs kprobe or uprobe probes, but probe \"" TP
	  "\" is a tracepoint; use args.FIELD to read a tracepoint's fields" },
	{ "value_arg_on_kretprobe", HIST("kr:vfs_read") "    value: arg1\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: arg1 reads a function argument, so it needs kprobe or uprobe probes, but probe \"kr:vfs_read\" is a kretprobe; arguments are gone when a function returns, probe its entry instead" },
	{ "value_retval_on_kprobe", HIST("[kr:vfs_read, k:vfs_write]") "    value: retval\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: retval needs kretprobe or uretprobe probes, but probe \"k:vfs_write\" is a kprobe; probe the function's return with kretprobe: or uretprobe:" },
	{ "value_field_on_uprobe", HIST("u:libc:malloc") "    value: args.size\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: args.size reads a tracepoint field, so it needs tracepoint probes, but probe \"u:libc:malloc\" is a uprobe; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead" },
	{ "value_bad_field", HIST(TP) "    value: args.1st\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: \"args.1st\": \"1st\" is not a valid field name; write args.FIELD with FIELD a tracepoint field, e.g. args.ret" },
	{ "latency_without_end", HIST(TP) "    value: latency\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: latency needs an end point: add until: PROBE, or use only kprobe or uprobe probes (their return probe is then implied); probe \"" TP
	  "\" is a tracepoint" },
	{ "until_arg_value_at_start",
	  HIST("k:vfs_read") "    value: arg2\n    until: kr:vfs_read\n    filter: [until.arg0 > 1]\n",
	  "config: t.yaml:8:14: metrics[0] (read_bytes): filter[0]: until.arg0 reads a function argument, so it needs kprobe or uprobe probes, but until \"kr:vfs_read\" is a kretprobe; arguments are gone when a function returns, probe its entry instead" },
	{ "until_list_dup", HIST(TP) "    value: latency\n    until: [t:a:b, t:a:b]\n",
	  "config: t.yaml:7:20: metrics[0] (read_bytes): until[1]: \"t:a:b\" is the same probe as until[0]; remove one" },
	{ "until_latency", HIST(TP) "    value: until.latency\n    until: t:a:b\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: latency is the time between the two ends of a pair, not a source of one end; write value: latency" },
	{ "until_src_no_end", HIST(TP) "    value: until.args.ret\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: until.args.ret reads at the end of a pair, but this metric has no end: probe \"" TP
	  "\" is a tracepoint; add until: PROBE, or probe kprobes or uprobes (their return ends the pair), or drop until." },
	{ "until_label_shorthand",
	  HIST("u:libc:malloc") "    value: latency\n    labels: [until.comm]\n",
	  "config: t.yaml:7:14: metrics[0] (read_bytes): labels[0]: \"until.comm\" cannot be a label name; use the full form {name: NAME, source: until.comm}" },
	{ "until_twice", HIST("u:libc:malloc") "    value: until.until.retval\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: \"until.until.retval\": until. once is enough; write until.retval" },
	{ "until_bad_spec", HIST(TP) "    value: latency\n    until: syscalls:sys_exit_read\n",
	  "config: t.yaml:7:12: metrics[0] (read_bytes): until: unknown probe kind \"syscalls\"; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt" },
	/* ---- match ---- */
	{ "match_without_until", HIST("k:vfs_read") "    value: latency\n    match: arg0\n",
	  "config: t.yaml:7:12: metrics[0] (read_bytes): match: pairs a start with its end by something other than the thread, so it needs value: latency and until: PROBE; remove it, or add until" },
	{ "match_comm", HIST(WAKE) LAT_SWITCH "    match: comm\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: comm cannot pair a start with its end; use integer sources that both ends see, e.g. args.pid or args.dev and args.sector" },
	{ "match_latency", HIST(WAKE) LAT_SWITCH "    match: [args.pid, latency]\n",
	  "config: t.yaml:8:23: metrics[0] (read_bytes): match[1]: latency cannot pair a start with its end; use integer sources that both ends see, e.g. args.pid or args.dev and args.sector" },
	{ "match_three", HIST(WAKE) LAT_SWITCH "    match: [args.a, args.b, args.c]\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: expected 1 to 2 sources, got 3" },
	{ "match_empty_list", HIST(WAKE) LAT_SWITCH "    match: []\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: expected 1 to 2 sources, got 0" },
	{ "match_arg_on_tracepoint", HIST(WAKE) LAT_SWITCH "    match: arg0\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: arg0 reads a function argument, so it needs kprobe or uprobe probes, but probe \"t:sched:sched_wakeup\" is a tracepoint; use args.FIELD to read a tracepoint's fields" },
	{ "match_until_side_kind",
	  HIST("k:blk_mq_start_request") "    value: latency\n    until: kr:blk_mq_end_request\n    match: {probe: arg0, until: arg0}\n",
	  "config: t.yaml:8:33: metrics[0] (read_bytes): match.until: arg0 reads a function argument, so it needs kprobe or uprobe probes, but until \"kr:blk_mq_end_request\" is a kretprobe; arguments are gone when a function returns, probe its entry instead" },
	{ "match_field_on_until_kprobe",
	  HIST(WAKE) "    value: latency\n    until: k:finish_task_switch\n    match: args.pid\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: args.pid reads a tracepoint field, so it needs tracepoint probes, but until \"k:finish_task_switch\" is a kprobe; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead" },
	{ "match_missing_until_key", HIST(WAKE) LAT_SWITCH "    match: {probe: args.pid}\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): match: missing until; give the sources of both ends, e.g. match: {probe: args.pid, until: args.next_pid}" },
	{ "match_key_typo",
	  HIST(WAKE) LAT_SWITCH "    match: {probe: args.pid, untl: args.next_pid}\n",
	  "config: t.yaml:8:30: metrics[0] (read_bytes): match: unknown key \"untl\" (did you mean \"until\"?)" },
	{ "match_count_differs",
	  HIST("t:block:block_rq_issue") "    value: latency\n    until: t:block:block_rq_complete\n    match: {probe: [args.dev, args.sector], until: args.dev}\n",
	  "config: t.yaml:8:52: metrics[0] (read_bytes): match.until: 1 source, but match.probe has 2; each end needs as many" },
	{ "unit_typo", HIST("k:vfs_read") "    value: latency\n    unit: second\n",
	  "config: t.yaml:7:11: metrics[0] (read_bytes): unit: unknown unit \"second\" (did you mean \"seconds\"?); expected seconds" },
	{ "unit_without_latency", HIST("k:vfs_read") "    value: arg2\n    unit: seconds\n",
	  "config: t.yaml:7:11: metrics[0] (read_bytes): unit: seconds only applies to value: latency (measured in nanoseconds, rendered in seconds); remove unit" },

	/* ---- labels ---- */
	{ "labels_mapping", COUNTER "    labels: {comm: x}\n",
	  "config: t.yaml:6:13: metrics[0] (reads_total): labels: expected a list of labels, got a mapping" },
	{ "labels_too_many",
	  COUNTER "    labels: [comm, pid, tid, uid, gid, cpu, cgroup, probe, args.fd]\n",
	  "config: t.yaml:6:60: metrics[0] (reads_total): labels: 9 labels given, at most 8 fit in the map key; remove some" },
	{ "label_null", COUNTER "    labels:\n      -\n",
	  "config: t.yaml:7:8: metrics[0] (reads_total): labels[0]: expected a source (e.g. comm) or a mapping {name: ..., source: ...}, got an empty value" },
	{ "label_field_shorthand", COUNTER "    labels: [comm, args.id]\n",
	  "config: t.yaml:6:20: metrics[0] (reads_total): labels[1]: \"args.id\" cannot be a label name; use the full form {name: id, source: args.id}" },
	{ "label_str_shorthand", HIST("k:do_sys_open") "    value: arg2\n    labels: [str(arg1)]\n",
	  "config: t.yaml:7:14: metrics[0] (read_bytes): labels[0]: \"str(arg1)\" cannot be a label name; use the full form {name: arg1, source: str(arg1)}" },
	{ "label_latency", COUNTER "    labels: [latency]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): labels[0]: latency is not a label source, it can only be a value; remove it" },
	{ "label_unknown_source", COUNTER "    labels: [cgroupid]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): labels[0]: unknown source \"cgroupid\" (did you mean \"cgroup\"?); expected one of " SOURCES },
	{ "label_frames_range", COUNTER "    labels: [{name: s, source: kstack, frames: 128}]\n",
	  "config: t.yaml:6:48: metrics[0] (reads_total): labels[0].frames: 128 is out of range; use 1..127 frames" },
	{ "label_frames_not_stack", COUNTER "    labels: [{name: s, source: pid, frames: 4}]\n",
	  "config: t.yaml:6:45: metrics[0] (reads_total): labels[0].frames: only stack sources (kstack, ustack) take frames, pid does not; remove it" },
	{ "label_stack_decode", COUNTER "    labels: [{name: s, source: kstack, decode: ksym}]\n",
	  "config: t.yaml:6:48: metrics[0] (reads_total): labels[0].decode: kstack renders as its functions' names; it takes no decoder, remove decode" },
	{ "filter_stack", COUNTER "    filter: [\"ustack == 0\"]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): filter[0]: ustack cannot be filtered, it is only a label source; filter on another source" },
	{ "value_stack", HIST(TP) "    value: kstack\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: kstack is a stack, not a number; make it a label (labels: [kstack])" },
	{ "label_retval_on_tracepoint", COUNTER "    labels: [retval]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): labels[0]: retval needs kretprobe or uretprobe probes, but probe \"" TP
	  "\" is a tracepoint; read the tracepoint's field instead, e.g. args.ret" },
	{ "label_arg_until_return",
	  HIST("k:vfs_read") "    value: latency\n    until: kr:vfs_read\n    labels: [{name: a, source: until.arg0}]\n",
	  "config: t.yaml:8:32: metrics[0] (read_bytes): labels[0].source: until.arg0 reads a function argument, so it needs kprobe or uprobe probes, but until \"kr:vfs_read\" is a kretprobe; arguments are gone when a function returns, probe its entry instead" },
	{ "label_duplicate_name", COUNTER "    labels: [comm, {name: comm, source: pid}]\n",
	  "config: t.yaml:6:27: metrics[0] (reads_total): labels[1].name: \"comm\" is already the name of labels[0]; label names must be unique within a metric" },
	{ "label_le_in_hist",
	  HIST("k:vfs_read") "    value: arg2\n    labels: [{name: le, source: pid}]\n",
	  "config: t.yaml:7:21: metrics[0] (read_bytes): labels[0].name: \"le\" is reserved for histogram bucket bounds; choose another label name" },
	{ "label_quantile_in_stats",
	  METRIC("sizes", "u:libc:malloc",
		 "stats") "    value: arg0\n    labels: [{name: quantile, source: cpu}]\n",
	  "config: t.yaml:7:21: metrics[0] (sizes): labels[0].name: \"quantile\" is reserved for summaries (aggregate: stats); choose another label name" },
	{ "label_bad_name", COUNTER "    labels: [{name: 1abc, source: pid}]\n",
	  "config: t.yaml:6:21: metrics[0] (reads_total): labels[0].name: \"1abc\" is not a valid label name; use letters, digits and '_', not starting with a digit" },
	{ "label_reserved_name", COUNTER "    labels: [{name: __pid, source: pid}]\n",
	  "config: t.yaml:6:21: metrics[0] (reads_total): labels[0].name: \"__pid\" starts with \"__\", which Prometheus reserves for internal labels; rename it" },
	{ "label_no_name", COUNTER "    labels:\n      - source: pid\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): labels[0].name: missing; a label in full form needs name and source, e.g. {name: fd, source: arg0}" },
	{ "label_no_source", COUNTER "    labels:\n      - name: fd\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): labels[0].source: missing; say where the label's value comes from, e.g. source: arg0" },
	{ "label_key_typo", COUNTER "    labels:\n      - name: fd\n        sorce: arg0\n",
	  "config: t.yaml:8:9: metrics[0] (reads_total): labels[0]: unknown key \"sorce\" (did you mean \"source\"?)" },
	{ "label_source_latency", COUNTER "    labels: [{name: l, source: latency}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: latency is not a label source, it can only be a value; use another source" },
	{ "label_str_of_comm", COUNTER "    labels: [{name: s, source: str(comm)}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"str(comm)\": str() takes argN, retval, args.FIELD or a field path, e.g. str(arg0), str(retval), str(args.filename) or str(task->comm)" },
	/* field paths and fetch args: the syntax (what names mean is the plan's) */
	{ "path_bad_base", COUNTER "    labels: [{name: p, source: foo->bar}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"foo->bar\": a path starts at argN (N in 0..5), retval, args.FIELD or task, not \"foo\"" },
	{ "path_arg6", COUNTER "    labels: [{name: p, source: arg6->bar}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"arg6->bar\": a path starts at argN (N in 0..5), retval, args.FIELD or task, not \"arg6\"" },
	{ "path_no_member", COUNTER "    labels: [{name: p, source: task->}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"task->\": expected a member name after -> at \"\"" },
	{ "path_bad_index", COUNTER "    labels: [{name: p, source: \"task->comm[x]\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"task->comm[x]\": expected an index (a number) at \"x]\"" },
	{ "path_unclosed_index", COUNTER "    labels: [{name: p, source: \"task->comm[1\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"task->comm[1\": expected ] after the index at \"\"" },
	{ "path_cast_not_pointer",
	  COUNTER "    labels: [{name: p, source: \"((struct sk_buff)arg0)->len\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"((struct sk_buff)arg0)->len\": a cast is to a pointer: write ((struct sk_buff *)SRC)" },
	{ "path_cast_unclosed",
	  COUNTER "    labels: [{name: p, source: \"((struct sk_buff *)arg0->len\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"((struct sk_buff *)arg0->len\": expected ) closing the cast at \"->len\"" },
	{ "path_trailing", COUNTER "    labels: [{name: p, source: task->pid@1}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"task->pid@1\": expected ->member, .member or [index] at \"@1\"" },
	{ "path_short_label", COUNTER "    labels: [task->pid]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): labels[0]: \"task->pid\" cannot be a label name; use the full form {name: NAME, source: task->pid}" },
	{ "path_arg_on_tracepoint", COUNTER "    labels: [{name: p, source: arg0->len}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: arg0->len reads a function argument, so it needs kprobe or uprobe probes, but probe \"" TP
	  "\" is a tracepoint; use args.FIELD to read a tracepoint's fields" },
	{ "fetch_bad_type", COUNTER "    labels: [{name: p, source: \"+0(args.filename):u128\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"+0(args.filename):u128\": unknown type \"u128\"; fetch types are u8, u16, u32, u64, s8 .. s64, x8 .. x64, string, ustring" },
	{ "fetch_no_paren", COUNTER "    labels: [{name: p, source: \"+8 args.filename\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"+8 args.filename\": expected ( after the offset at \" args.filename\"" },
	{ "fetch_unclosed",
	  COUNTER "    labels: [{name: p, source: \"+8(+0(args.filename):u8\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"+8(+0(args.filename):u8\": expected ) at \":u8\"" },
	{ "fetch_in_str", COUNTER "    labels: [{name: p, source: \"str(+0(args.filename))\"}]\n",
	  "config: t.yaml:6:32: metrics[0] (reads_total): labels[0].source: \"str(+0(args.filename))\": a fetch arg reads a string with :string or :ustring, not str(); write +0(args.filename):string" },
	{ "fetch_str_value", HIST(TP) "    value: \"+0(args.filename):string\"\n",
	  "config: t.yaml:6:12: metrics[0] (read_bytes): value: +0(args.filename):string is not a number; use one of pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency as the value, or make +0(args.filename):string a label" },
	{ "decode_typo", COUNTER "    labels: [{name: nr, source: args.id, decode: sycall}]\n",
	  "config: t.yaml:6:50: metrics[0] (reads_total): labels[0].decode: unknown decoder \"sycall\" (did you mean \"syscall\"?); expected one of syscall, errno, ksym, cgroup_path, static, hex, k8s, regexp, inet, majorminor, ifname, usym" },
	{ "decode_on_comm", COUNTER "    labels: [{name: c, source: comm, decode: hex}]\n",
	  "config: t.yaml:6:46: metrics[0] (reads_total): labels[0].decode: comm is a string; decoders other than regexp turn integers into names, remove decode or use decode: regexp" },
	{ "regexp_on_integer",
	  COUNTER "    labels: [{name: p, source: pid, decode: regexp, values: {a: b}}]\n",
	  "config: t.yaml:6:45: metrics[0] (reads_total): labels[0].decode: regexp folds strings and needs a string source (comm, str(...)), not pid" },
	{ "regexp_without_values",
	  COUNTER "    labels: [{name: c, source: comm, decode: regexp}]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): labels[0].values: missing; decode: regexp needs a mapping from regular expressions to names, e.g. values: {\"^kworker/\": kworker}" },
	{ "regexp_bad_pattern",
	  COUNTER
	  "    labels: [{name: c, source: comm, decode: regexp, values: {\"^(kworker\": k}}]\n",
	  "config: t.yaml:6:63: metrics[0] (reads_total): labels[0].values: \"^(kworker\" is not a POSIX extended regular expression: Unmatched ( or \\(" },
	{ "regexp_duplicate",
	  COUNTER
	  "    labels:\n      - name: c\n        source: comm\n        decode: regexp\n        values:\n          \"^a\": one\n          \"^a\": two\n",
	  "config: t.yaml:12:11: metrics[0] (reads_total): labels[0].values: duplicate pattern \"^a\" (first given at line 11); remove one" },
	{ "regexp_empty_name",
	  COUNTER "    labels: [{name: c, source: comm, decode: regexp, values: {\"^a\": \"\"}}]\n",
	  "config: t.yaml:6:69: metrics[0] (reads_total): labels[0].values: the name for \"^a\" is empty; give it a non-empty name" },
	{ "regexp_not_mapping",
	  COUNTER "    labels: [{name: c, source: comm, decode: regexp, values: [a]}]\n",
	  "config: t.yaml:6:62: metrics[0] (reads_total): labels[0].values: expected a mapping from regular expressions to names, e.g. {\"^kworker/\": kworker}, got a list" },
	{ "decode_cgroup_path_on_pid",
	  COUNTER "    labels: [{name: c, source: pid, decode: cgroup_path}]\n",
	  "config: t.yaml:6:45: metrics[0] (reads_total): labels[0].decode: cgroup_path decodes cgroup ids and needs source: cgroup, not pid" },
	{ "decode_k8s_on_pid", COUNTER "    labels: [{name: k, source: pid, decode: k8s}]\n",
	  "config: t.yaml:6:45: metrics[0] (reads_total): labels[0].decode: k8s decodes cgroup ids and needs source: cgroup, not pid" },
	{ "decode_k8s_name_clash_after",
	  COUNTER
	  "    labels: [{name: k, source: cgroup, decode: k8s}, {name: pod, source: pid}]\n",
	  "config: t.yaml:6:54: metrics[0] (reads_total): labels[1]: \"pod\" is the name of labels[1] and also a label that decode: k8s of labels[0] renders (namespace, pod, container); rename labels[1]" },
	{ "decode_k8s_name_clash_before",
	  COUNTER
	  "    labels: [{name: namespace, source: pid}, {name: k, source: cgroup, decode: k8s}]\n",
	  "config: t.yaml:6:46: metrics[0] (reads_total): labels[1]: \"namespace\" is the name of labels[0] and also a label that decode: k8s of labels[1] renders (namespace, pod, container); rename labels[0]" },
	{ "decode_k8s_twice",
	  COUNTER
	  "    labels:\n      - {name: a, source: cgroup, decode: k8s}\n      - {name: b, source: cgroup, decode: k8s}\n",
	  "config: t.yaml:8:9: metrics[0] (reads_total): labels[1]: labels[0] already has decode: k8s, whose labels namespace, pod and container would appear twice; keep one" },
	{ "static_without_values",
	  COUNTER
	  "    labels:\n      - name: nr\n        source: args.id\n        decode: static\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): labels[0].values: missing; decode: static needs a mapping from integers to names, e.g. values: {0: read, 1: write}" },
	{ "values_without_static",
	  COUNTER
	  "    labels:\n      - name: nr\n        source: args.id\n        values: {0: read}\n",
	  "config: t.yaml:9:17: metrics[0] (reads_total): labels[0].values: only used with decode: static or regexp; remove it or set one of them" },
	{ "values_duplicate_number",
	  COUNTER
	  "    labels:\n      - name: nr\n        source: args.id\n        decode: static\n        values:\n          1: one\n          0x1: uno\n",
	  "config: t.yaml:12:11: metrics[0] (reads_total): labels[0].values: duplicate key 1 (first given at line 11); remove one" },
	{ "values_key_not_number",
	  COUNTER "    labels: [{name: nr, source: args.id, decode: static, values: {read: 0}}]\n",
	  "config: t.yaml:6:67: metrics[0] (reads_total): labels[0].values: \"read\" is not an integer; write a decimal or 0x hexadecimal number" },
	{ "size_on_integer", COUNTER "    labels: [{name: p, source: pid, size: 8}]\n",
	  "config: t.yaml:6:43: metrics[0] (reads_total): labels[0].size: only string sources (str(argN), str(args.FIELD)) take a size, pid does not; remove it" },
	{ "size_too_big",
	  COUNTER "    labels: [{name: f, source: str(args.filename), size: 200}]\n",
	  "config: t.yaml:6:58: metrics[0] (reads_total): labels[0].size: 200 is out of range; use 1..128 bytes" },
	{ "size_quoted",
	  COUNTER "    labels: [{name: f, source: str(args.filename), size: \"64\"}]\n",
	  "config: t.yaml:6:58: metrics[0] (reads_total): labels[0].size: expected an integer, got the quoted string \"64\"; remove the quotes" },

	/* ---- filters ---- */
	{ "filter_not_list", COUNTER "    filter: pid == 1\n",
	  "config: t.yaml:6:13: metrics[0] (reads_total): filter: expected a list of conditions like 'comm != \"sshd\"', got a string" },
	{ "filter_no_op", COUNTER "    filter: [comm sshd]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): filter[0]: 'comm sshd' has no comparison after \"comm\"; write SOURCE OP VALUE with OP one of == != < <= > >=" },
	{ "filter_single_equals", COUNTER "    filter: [pid = 1]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): filter[0]: 'pid = 1': compare with ==, not =" },
	{ "filter_no_source", COUNTER "    filter: ['== 1']\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): filter[0]: '== 1' does not start with a source; write SOURCE OP VALUE, e.g. pid == 42" },
	{ "filter_no_literal", COUNTER "    filter:\n      - pid >=\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'pid >=' has nothing to compare with; add an integer or a double-quoted string after >=" },
	{ "filter_bad_escape", COUNTER "    filter:\n      - comm == \"a\\x\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'comm == \"a\\x\"': unknown escape \"\\x\" in the string; only \\\" \\\\ \\n \\t are allowed" },
	{ "filter_unterminated", COUNTER "    filter:\n      - comm == \"sshd\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'comm == \"sshd': the string is missing its closing '\"'" },
	{ "filter_trailing_text", COUNTER "    filter:\n      - comm == \"sshd\" x\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'comm == \"sshd\" x': unexpected text \"x\" after the closing quote; remove it" },
	{ "filter_single_quotes", COUNTER "    filter:\n      - \"comm == 'sshd'\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'comm == 'sshd'': strings take double quotes, e.g. comm == \"sshd\"" },
	{ "filter_bad_number", COUNTER "    filter:\n      - pid == 12abc\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'pid == 12abc': 12abc is neither an integer nor a double-quoted string; write e.g. 42, -1, 0x1f or \"sshd\"" },
	{ "filter_number_overflow", COUNTER "    filter:\n      - pid > 0x10000000000000000\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: 'pid > 0x10000000000000000': 0x10000000000000000 does not fit in a signed 64-bit integer" },
	{ "filter_comm_vs_integer", COUNTER "    filter:\n      - comm == 5\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: comm is a string; compare it with a double-quoted string, e.g. comm == \"sshd\"" },
	{ "filter_pid_vs_string", COUNTER "    filter:\n      - pid == \"1\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: pid is a number; compare it with an integer, not a string" },
	{ "filter_comm_ordering", COUNTER "    filter:\n      - comm < \"m\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: comm is a string and can only be compared with == or !=" },
	{ "filter_comm_too_long", COUNTER "    filter:\n      - comm == \"systemd-journald-x\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: comm is at most 15 characters, so \"systemd-journald-x\" can never match; compare with its first 15: \"systemd-journal\"" },
	{ "filter_latency", HIST("k:vfs_read") "    value: latency\n    filter: [latency > 1000]\n",
	  "config: t.yaml:7:14: metrics[0] (read_bytes): filter[0]: latency cannot be filtered, it is only known when the interval ends; filter on another source" },
	{ "filter_unknown_source", COUNTER "    filter:\n      - comn != \"x\"\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: unknown source \"comn\" (did you mean \"comm\"?); expected one of " SOURCES },
	{ "filter_arg_on_tracepoint", COUNTER "    filter:\n      - arg0 == 3\n",
	  "config: t.yaml:7:9: metrics[0] (reads_total): filter[0]: arg0 reads a function argument, so it needs kprobe or uprobe probes, but probe \"" TP
	  "\" is a tracepoint; use args.FIELD to read a tracepoint's fields" },
	{ "filter_too_many",
	  COUNTER
	  "    filter: [pid > 1, pid > 2, pid > 3, pid > 4, pid > 5, pid > 6, pid > 7, pid > 8, pid > 9]\n",
	  "config: t.yaml:6:86: metrics[0] (reads_total): filter: 9 filters given, at most 8 fit in one metric; remove some" },

	/* ---- max_series, buckets ---- */
	{ "pid_on_tracepoint", COUNTER "    pid: 42\n",
	  "config: t.yaml:6:10: metrics[0] (reads_total): pid: restricts uprobes to one process, but probe \"tracepoint:syscalls:sys_enter_read\" is a tracepoint; use filter: pid == 42 instead" },
	{ "pid_on_until_kprobe",
	  METRIC("lat_seconds", "uprobe:/bin/sh:main",
		 "hist") "    value: latency\n    until: kprobe:vfs_read\n    pid: 7\n",
	  "config: t.yaml:8:10: metrics[0] (lat_seconds): pid: restricts uprobes to one process, but until \"kprobe:vfs_read\" is a kprobe; use filter: pid == 7 instead" },
	{ "pid_zero", METRIC("calls_total", "uprobe:/bin/sh:main", "count") "    pid: 0\n",
	  "config: t.yaml:6:10: metrics[0] (calls_total): pid: 0 is out of range; use 1..4194304" },
	{ "pid_string", METRIC("calls_total", "uprobe:/bin/sh:main", "count") "    pid: self\n",
	  "config: t.yaml:6:10: metrics[0] (calls_total): pid: \"self\" is not an integer; write a decimal or 0x hexadecimal number" },
	{ "max_series_zero", COUNTER "    max_series: 0\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): max_series: 0 is out of range; use 1..1048576" },
	{ "max_series_too_big", COUNTER "    max_series: 1048577\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): max_series: 1048577 is out of range; use 1..1048576" },
	{ "max_series_quoted", COUNTER "    max_series: \"100\"\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): max_series: expected an integer, got the quoted string \"100\"; remove the quotes" },
	{ "max_series_overflow", COUNTER "    max_series: 99999999999999999999\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): max_series: 99999999999999999999 does not fit in a signed 64-bit integer" },
	{ "max_series_word", COUNTER "    max_series: lots\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): max_series: \"lots\" is not an integer; write a decimal or 0x hexadecimal number" },
	{ "max_series_null", COUNTER "    max_series:\n",
	  "config: t.yaml:6:16: metrics[0] (reads_total): max_series: expected an integer, got an empty value" },
	{ "buckets_on_counter", COUNTER "    buckets: {min: 1, max: 8}\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): buckets: only aggregate: hist and lhist take buckets, not count; remove it" },
	{ "buckets_list", HIST("k:vfs_read") "    value: arg2\n    buckets: [1, 8]\n",
	  "config: t.yaml:7:14: metrics[0] (read_bytes): buckets: expected a mapping with min, max and step, got a list" },
	{ "buckets_unknown_key",
	  HIST("k:vfs_read") "    value: arg2\n    buckets: {min: 1, maxi: 8}\n",
	  "config: t.yaml:7:23: metrics[0] (read_bytes): buckets: unknown key \"maxi\" (did you mean \"max\"?)" },
	{ "hist_step",
	  HIST("k:vfs_read") "    value: arg2\n    buckets: {min: 1, max: 8, step: 1}\n",
	  "config: t.yaml:7:37: metrics[0] (read_bytes): buckets.step: hist buckets are powers of two and take no step; remove step, or use aggregate: lhist for linear buckets" },
	{ "hist_min_not_pow2", HIST("k:vfs_read") "    value: arg2\n    buckets: {min: 100}\n",
	  "config: t.yaml:7:20: metrics[0] (read_bytes): buckets.min: 100 is not a power of two; hist bucket bounds are 1, 2, 4, 8, ..., e.g. 64" },
	{ "hist_max_zero", HIST("k:vfs_read") "    value: arg2\n    buckets: {max: 0}\n",
	  "config: t.yaml:7:20: metrics[0] (read_bytes): buckets.max: 0 is not a power of two; hist bucket bounds are 1, 2, 4, 8, ..., e.g. 65536" },
	{ "hist_min_ge_max",
	  HIST("k:vfs_read") "    value: arg2\n    buckets: {min: 64, max: 64}\n",
	  "config: t.yaml:7:29: metrics[0] (read_bytes): buckets.max: 64 must be greater than min (64)" },
	{ "lhist_no_buckets", METRIC("sizes", "k:vfs_read", "lhist") "    value: arg2\n",
	  "config: t.yaml:2:5: metrics[0] (sizes): buckets: missing; aggregate: lhist needs linear buckets, e.g. buckets: {min: 0, max: 100, step: 10}" },
	{ "lhist_no_step",
	  METRIC("sizes", "k:vfs_read",
		 "lhist") "    value: arg2\n    buckets: {min: 0, max: 100}\n",
	  "config: t.yaml:7:14: metrics[0] (sizes): buckets.step: missing; lhist buckets need min, max and step, e.g. {min: 0, max: 100, step: 10}" },
	{ "lhist_step_zero",
	  METRIC("sizes", "k:vfs_read",
		 "lhist") "    value: arg2\n    buckets: {min: 0, max: 100, step: 0}\n",
	  "config: t.yaml:7:39: metrics[0] (sizes): buckets.step: 0 must be greater than 0" },
	{ "lhist_min_ge_max",
	  METRIC("sizes", "k:vfs_read",
		 "lhist") "    value: arg2\n    buckets: {min: 10, max: -10, step: 5}\n",
	  "config: t.yaml:7:29: metrics[0] (sizes): buckets.max: -10 must be greater than min (10)" },
	{ "lhist_not_multiple",
	  METRIC("sizes", "k:vfs_read",
		 "lhist") "    value: arg2\n    buckets: {min: 0, max: 100, step: 30}\n",
	  "config: t.yaml:7:39: metrics[0] (sizes): buckets.step: max - min (100) is not a multiple of step (30); change max or step so that it is" },
	/* ---- series_ttl ---- */
	{ "series_ttl_no_unit", COUNTER "    labels: [pid]\n    series_ttl: 30\n",
	  "config: t.yaml:7:17: metrics[0] (reads_total): series_ttl: expected a duration like 30s, 10m or 2h (1ms to 720h), got \"30\"" },
	{ "series_ttl_zero", COUNTER "    labels: [pid]\n    series_ttl: 0s\n",
	  "config: t.yaml:7:17: metrics[0] (reads_total): series_ttl: expected a duration like 30s, 10m or 2h (1ms to 720h), got \"0s\"" },
	{ "series_ttl_too_long", COUNTER "    labels: [pid]\n    series_ttl: 721h\n",
	  "config: t.yaml:7:17: metrics[0] (reads_total): series_ttl: expected a duration like 30s, 10m or 2h (1ms to 720h), got \"721h\"" },
	{ "series_ttl_days", COUNTER "    labels: [pid]\n    series_ttl: 1d\n",
	  "config: t.yaml:7:17: metrics[0] (reads_total): series_ttl: expected a duration like 30s, 10m or 2h (1ms to 720h), got \"1d\"" },
	{ "series_ttl_no_labels", COUNTER "    series_ttl: 5m\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): series_ttl: a metric without labels has one series, which is never retired; remove series_ttl" },
	{ "series_ttl_list", COUNTER "    labels: [pid]\n    series_ttl: [5m]\n",
	  "config: t.yaml:7:17: metrics[0] (reads_total): series_ttl: expected a string, got a list" },
	{ "lhist_too_many_buckets",
	  METRIC("sizes", "k:vfs_read",
		 "lhist") "    value: arg2\n    buckets: {min: -1000, max: 1000, step: 1}\n",
	  "config: t.yaml:7:44: metrics[0] (sizes): buckets.step: 2000 buckets is more than 1024; use a larger step or a narrower min..max" },
	{ "schema_too_large",
	  METRIC("sizes", "k:vfs_read", "hist") "    value: arg2\n    schema: 9\n",
	  "config: t.yaml:7:13: metrics[0] (sizes): schema: 9 is out of range; use 0 (1 bucket per power of two) to 8 (256 buckets per power of two)" },
	{ "schema_negative",
	  METRIC("sizes", "k:vfs_read", "hist") "    value: arg2\n    schema: -1\n",
	  "config: t.yaml:7:13: metrics[0] (sizes): schema: -1 is out of range; use 0 (1 bucket per power of two) to 8 (256 buckets per power of two)" },
	{ "schema_not_hist",
	  METRIC("sizes", "k:vfs_read", "lhist") "    value: arg2\n    schema: 3\n",
	  "config: t.yaml:7:13: metrics[0] (sizes): schema: only aggregate: hist takes a schema, not lhist; remove it" },
	{ "schema_min_zero",
	  METRIC("sizes", "k:vfs_read",
		 "hist") "    value: arg2\n    schema: 3\n    buckets: {min: 0, max: 100}\n",
	  "config: t.yaml:8:20: metrics[0] (sizes): buckets.min: 0 must be 1 or more" },
	{ "schema_min_ge_max",
	  METRIC("sizes", "k:vfs_read",
		 "hist") "    value: arg2\n    schema: 3\n    buckets: {min: 100, max: 100}\n",
	  "config: t.yaml:8:30: metrics[0] (sizes): buckets.max: 100 must be greater than min (100)" },
	/* wildcards, func, missing */
	{ "wild_offset", METRIC("c_total", "\"k:tcp_*+4\"", "count"),
	  "config: t.yaml:4:12: metrics[0] (c_total): probe: \"k:tcp_*+4\": a wildcard takes no +OFFSET (the offset of which function?); remove it, or name one function" },
	{ "wild_rawtp", METRIC("c_total", "\"rt:sched_*\"", "count"),
	  "config: t.yaml:4:12: metrics[0] (c_total): probe: \"rt:sched_*\": rawtracepoint takes no wildcard; name each event, or use tracepoint:CATEGORY:PATTERN" },
	{ "wild_bad_char", METRIC("c_total", "\"t:sched:sched-*\"", "count"),
	  "config: t.yaml:4:12: metrics[0] (c_total): probe: \"t:sched:sched-*\": \"sched-*\" is not a valid tracepoint event; use letters, digits, '_' and '.'" },
	{ "wild_until",
	  METRIC("lat_seconds", "t:sched:sched_wakeup",
		 "hist") "    value: latency\n    until: \"t:sched:*\"\n",
	  "config: t.yaml:7:12: metrics[0] (lat_seconds): until: \"t:sched:*\": until takes named probes, not a wildcard; name the event or function that ends the interval" },
	{ "func_decode", COUNTER "    labels: [{name: f, source: func, decode: hex}]\n",
	  "config: t.yaml:6:46: metrics[0] (reads_total): labels[0].decode: func is printed as the name of the function or event that fired already; remove decode" },
	{ "func_filter", COUNTER "    filter: [func == 1]\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): filter[0]: func is a name looked up at scrape time and cannot be filtered; narrow the probe's pattern instead" },
	{ "func_value", METRIC("s_total", TP, "sum") "    value: func\n",
	  "config: t.yaml:6:12: metrics[0] (s_total): value: func is not a number; use one of pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency as the value, or make func a label" },
	{ "missing_bad", COUNTER "    missing: maybe\n",
	  "config: t.yaml:6:14: metrics[0] (reads_total): missing: unknown value \"maybe\"; expected one of error, skip" },
	{ "start_bad", HIST(WAKE) LAT_SWITCH "    start: oldest\n",
	  "config: t.yaml:8:12: metrics[0] (read_bytes): start: unknown value \"oldest\"; expected one of last, first" },
	{ "start_not_latency", COUNTER "    start: first\n",
	  "config: t.yaml:6:12: metrics[0] (reads_total): start: start says which pending start a latency keeps, but this metric's value is not latency; remove start" },
	{ "series_map_bad", COUNTER "    series_map: atomic\n",
	  "config: t.yaml:6:17: metrics[0] (reads_total): series_map: unknown value \"atomic\"; expected one of percpu, shared" },
};

/* ---- helpers ----------------------------------------------------------- */

static struct cfg *parse_ok(const char *yaml)
{
	char err[1024] = "";
	struct cfg *cfg = NULL;
	int ret;

	ret = config__parse_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));
	if (ret)
		fail_msg("unexpected error %d: %s", ret, err);
	assert_non_null(cfg);
	return cfg;
}

static void run_bad_case(void **state)
{
	const struct bad_case *c = *state;
	char err[1024] = "";
	struct cfg *cfg = (struct cfg *)1;
	int ret;

	ret = config__parse_string(c->yaml, strlen(c->yaml), "t.yaml", &cfg, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_null(cfg);
	assert_string_equal(err, c->want);
}

static void assert_pos(struct cfg_pos pos, int line, int col)
{
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.col, col);
}

/* ---- good configs ------------------------------------------------------ */

/* The example of DESIGN.md, verbatim. */
static const char design_example[] =
	"namespace: \"\"                 # optional prefix for every user metric name\n"
	"metrics:\n"
	"  - name: read_latency_seconds          # Prometheus name rules; counters end in _total\n"
	"    help: Time spent in read(2).         # required\n"
	"    probe: tracepoint:syscalls:sys_enter_read   # or a list of probes feeding one metric\n"
	"    until: tracepoint:syscalls:sys_exit_read    # with value: latency; matched per thread\n"
	"    aggregate: hist                      # count | sum | hist | lhist | stats\n"
	"    value: latency                       # latency | argN | retval | args.FIELD | ...\n"
	"    unit: seconds                        # latency is measured in ns; rendered in seconds\n"
	"    labels:\n"
	"      - comm                             # shorthand: name == source\n"
	"      - name: syscall\n"
	"        source: args.id\n"
	"        decode: syscall                  # syscall | errno | ksym | cgroup_path | static | hex\n"
	"    filter:                              # predicates, all must hold\n"
	"      - comm != \"sshd\"\n"
	"      - args.ret < 0\n"
	"    max_series: 10240                    # map capacity; updates that do not fit are counted\n"
	"  - name: malloc_size_bytes\n"
	"    help: Sizes passed to malloc.\n"
	"    probe: uprobe:libc:malloc\n"
	"    aggregate: stats\n"
	"    value: arg0\n";

static void test_design_example(void **state)
{
	struct cfg *cfg = parse_ok(design_example);
	const struct cfg_metric *m;

	(void)state;
	assert_string_equal(cfg->file, "t.yaml");
	assert_string_equal(cfg->namespace, "");
	assert_int_equal(cfg->nmetrics, 2);

	m = &cfg->metrics[0];
	assert_string_equal(m->name, "read_latency_seconds");
	assert_string_equal(m->help, "Time spent in read(2).");
	assert_pos(m->pos, 3, 5);
	assert_int_equal(m->nprobes, 1);
	assert_int_equal(m->probes[0].kind, CFG_PROBE_TRACEPOINT);
	assert_string_equal(m->probes[0].spec, "tracepoint:syscalls:sys_enter_read");
	assert_string_equal(m->probes[0].target, "syscalls");
	assert_string_equal(m->probes[0].func, "sys_enter_read");
	assert_int_equal(m->probes[0].offset, 0);
	assert_pos(m->probes[0].pos, 5, 12);
	assert_true(m->has_until);
	assert_int_equal(m->until.kind, CFG_PROBE_TRACEPOINT);
	assert_string_equal(m->until.target, "syscalls");
	assert_string_equal(m->until.func, "sys_exit_read");
	assert_pos(m->until.pos, 6, 12);
	assert_int_equal(m->agg, BPFPROM_AGG_HIST);
	assert_true(m->has_value);
	assert_int_equal(m->value.kind, BPFPROM_SRC_LATENCY);
	assert_pos(m->value.pos, 8, 12);
	assert_int_equal(m->unit, CFG_UNIT_SECONDS);

	assert_int_equal(m->nlabels, 2);
	assert_string_equal(m->labels[0].name, "comm");
	assert_int_equal(m->labels[0].src.kind, BPFPROM_SRC_COMM);
	assert_int_equal(m->labels[0].decode, CFG_DECODE_NONE);
	assert_int_equal(m->labels[0].size, 16);
	assert_pos(m->labels[0].pos, 11, 9);
	assert_string_equal(m->labels[1].name, "syscall");
	assert_int_equal(m->labels[1].src.kind, BPFPROM_SRC_FIELD);
	assert_string_equal(m->labels[1].src.field, "id");
	assert_pos(m->labels[1].src.pos, 13, 17);
	assert_int_equal(m->labels[1].decode, CFG_DECODE_SYSCALL);
	assert_int_equal(m->labels[1].size, 8);
	assert_int_equal(m->labels[1].nvalues, 0);
	assert_pos(m->labels[1].pos, 12, 9);

	assert_int_equal(m->nfilters, 2);
	assert_int_equal(m->filters[0].src.kind, BPFPROM_SRC_COMM);
	assert_int_equal(m->filters[0].op, BPFPROM_OP_NE);
	assert_true(m->filters[0].is_str);
	assert_string_equal(m->filters[0].sval, "sshd");
	assert_string_equal(m->filters[0].text, "comm != \"sshd\"");
	assert_pos(m->filters[0].pos, 16, 9);
	assert_int_equal(m->filters[1].src.kind, BPFPROM_SRC_FIELD);
	assert_string_equal(m->filters[1].src.field, "ret");
	assert_int_equal(m->filters[1].op, BPFPROM_OP_LT);
	assert_false(m->filters[1].is_str);
	assert_null(m->filters[1].sval);
	assert_int_equal(m->filters[1].ival, 0);
	assert_string_equal(m->filters[1].text, "args.ret < 0");
	assert_int_equal(m->max_series, 10240);
	assert_false(m->buckets.set);

	m = &cfg->metrics[1];
	assert_string_equal(m->name, "malloc_size_bytes");
	assert_int_equal(m->nprobes, 1);
	assert_int_equal(m->probes[0].kind, CFG_PROBE_UPROBE);
	assert_string_equal(m->probes[0].target, "libc");
	assert_string_equal(m->probes[0].func, "malloc");
	assert_false(m->has_until);
	assert_int_equal(m->agg, BPFPROM_AGG_STATS);
	assert_int_equal(m->value.kind, BPFPROM_SRC_ARG);
	assert_int_equal(m->value.argn, 0);
	assert_int_equal(m->unit, CFG_UNIT_NONE);
	assert_int_equal(m->nlabels, 0);
	assert_int_equal(m->nfilters, 0);
	assert_int_equal(m->max_series, CONFIG_DEFAULT_MAX_SERIES);

	config__free(cfg);
}

static const char full_example[] =
	"namespace: app\n"
	"metrics:\n"
	"  - name: syscalls_total\n"
	"    help: \"Syscalls by \\\"kind\\\".\"\n"
	"    probe:\n"
	"      - t:raw_syscalls:sys_enter\n"
	"      - tp:syscalls:sys_enter_openat\n"
	"    aggregate: count\n"
	"    labels:\n"
	"      - probe\n"
	"      - name: nr\n"
	"        source: args.id\n"
	"        decode: static\n"
	"        values: {0: read, 1: write, 0x101: openat, -1: unknown}\n"
	"      - name: file\n"
	"        source: str(args.filename)\n"
	"        size: 64\n"
	"    filter:\n"
	"      - pid != 1\n"
	"      - args.id >= 0x10\n"
	"      - args.id>-5\n"
	"      - str(args.filename)==\"/etc/\\\"x\\\"\\\\\\n\\t\"\n"
	"      - cgroup <= -9223372036854775808\n"
	"      - '  probe   >   0x7fffffffffffffff  '\n"
	"    max_series: 0x100\n"
	"  - name: func_latency_seconds\n"
	"    help: Latency.\n"
	"    probe:\n"
	"      - kprobe:vfs_read+0x10\n"
	"      - k:vfs_write.cold+16\n"
	"      - uprobe:/usr/lib/libc.so.6:malloc\n"
	"    aggregate: lhist\n"
	"    value: latency\n"
	"    unit: seconds\n"
	"    labels:\n"
	"      - comm\n"
	"      - arg1\n"
	"      - name: fd\n"
	"        source: arg0\n"
	"        decode: hex\n"
	"      - {name: s, source: str(arg2)}\n"
	"    filter:\n"
	"      - comm == \"nginx\"\n"
	"      - arg3 > 4096\n"
	"      - str(arg2) != \"\"\n"
	"    buckets: {min: -100, max: 900, step: 50}\n"
	"  - name: ret_sum_total\n"
	"    help: sum of return values\n"
	"    probe: [kr:vfs_read, ur:libc:malloc, kretprobe:vfs_write, uretprobe:libc:free]\n"
	"    aggregate: sum\n"
	"    value: retval\n"
	"    labels: [retval, cpu, uid, gid, tid, cgroup]\n"
	"  - name: open_latency\n"
	"    help: Open latency.\n"
	"    probe: tracepoint:syscalls:sys_enter_openat\n"
	"    until: u:/bin/app:done+0x20\n"
	"    aggregate: hist\n"
	"    value: latency\n"
	"    buckets: {min: 1024, max: 0x100000}\n"
	"  - name: alloc_bytes\n"
	"    help: Sizes.\n"
	"    probe: u:libc:malloc\n"
	"    aggregate: stats\n"
	"    value: arg5\n"
	"    labels:\n"
	"      - {name: cgroup, source: cgroup, decode: cgroup_path}\n"
	"      - {name: caller, source: pid, decode: ksym}\n"
	"      - {name: err, source: arg4, decode: errno}\n"
	"    max_series: 1048576\n";

/* usdt:BIN:PROVIDER:NAME and usdt:BIN:NAME; argN, str(argN) and pid: as for uprobes */
static void test_usdt_specs(void **state)
{
	struct cfg *cfg = parse_ok(
		"metrics:\n"
		"  - name: reqs_total\n"
		"    help: h.\n"
		"    probe: [usdt:/bin/app:prov:req, U:libapp:other:req, usdt:./app:done]\n"
		"    aggregate: sum\n"
		"    value: arg1\n"
		"    labels: [{name: s, source: str(arg2)}]\n"
		"    pid: 42\n");
	const struct cfg_probe *p = cfg->metrics[0].probes;

	(void)state;
	assert_int_equal(cfg->metrics[0].nprobes, 3);
	assert_int_equal(p[0].kind, CFG_PROBE_USDT);
	assert_string_equal(p[0].target, "/bin/app");
	assert_string_equal(p[0].provider, "prov");
	assert_string_equal(p[0].func, "req");
	assert_string_equal(p[1].target, "libapp");
	assert_string_equal(p[1].provider, "other");
	assert_string_equal(p[2].target, "./app");
	assert_null(p[2].provider);
	assert_string_equal(p[2].func, "done");
	assert_int_equal(cfg->metrics[0].pid, 42);
	config__free(cfg);
}

static void test_full_example(void **state)
{
	struct cfg *cfg = parse_ok(full_example);
	const struct cfg_metric *m;
	const struct cfg_label *l;
	const struct cfg_filter *f;

	(void)state;
	assert_string_equal(cfg->namespace, "app");
	assert_int_equal(cfg->nmetrics, 5);

	/* A count over tracepoints, with every label form and many literals. */
	m = &cfg->metrics[0];
	assert_string_equal(m->name, "app_syscalls_total");
	assert_string_equal(m->help, "Syscalls by \"kind\".");
	assert_int_equal(m->nprobes, 2);
	assert_int_equal(m->probes[0].kind, CFG_PROBE_TRACEPOINT);
	assert_string_equal(m->probes[0].spec, "t:raw_syscalls:sys_enter");
	assert_string_equal(m->probes[0].target, "raw_syscalls");
	assert_string_equal(m->probes[0].func, "sys_enter");
	assert_pos(m->probes[0].pos, 6, 9);
	assert_int_equal(m->probes[1].kind, CFG_PROBE_TRACEPOINT);
	assert_string_equal(m->probes[1].target, "syscalls");
	assert_string_equal(m->probes[1].func, "sys_enter_openat");
	assert_int_equal(m->agg, BPFPROM_AGG_COUNT);
	assert_false(m->has_value);
	assert_int_equal(m->value.kind, BPFPROM_SRC_NONE);

	assert_int_equal(m->nlabels, 3);
	l = &m->labels[0];
	assert_string_equal(l->name, "probe");
	assert_int_equal(l->src.kind, BPFPROM_SRC_PROBE);
	assert_int_equal(l->size, 8);
	l = &m->labels[1];
	assert_string_equal(l->name, "nr");
	assert_int_equal(l->src.kind, BPFPROM_SRC_FIELD);
	assert_string_equal(l->src.field, "id");
	assert_int_equal(l->decode, CFG_DECODE_STATIC);
	assert_int_equal(l->nvalues, 4);
	assert_int_equal(l->values[0].key, 0);
	assert_string_equal(l->values[0].name, "read");
	assert_int_equal(l->values[1].key, 1);
	assert_string_equal(l->values[1].name, "write");
	assert_int_equal(l->values[2].key, 0x101);
	assert_string_equal(l->values[2].name, "openat");
	assert_int_equal(l->values[3].key, -1);
	assert_string_equal(l->values[3].name, "unknown");
	l = &m->labels[2];
	assert_string_equal(l->name, "file");
	assert_int_equal(l->src.kind, BPFPROM_SRC_STR_FIELD);
	assert_string_equal(l->src.field, "filename");
	assert_int_equal(l->size, 64);

	assert_int_equal(m->nfilters, 6);
	f = &m->filters[0];
	assert_int_equal(f->src.kind, BPFPROM_SRC_PID);
	assert_int_equal(f->op, BPFPROM_OP_NE);
	assert_int_equal(f->ival, 1);
	f = &m->filters[1];
	assert_int_equal(f->op, BPFPROM_OP_GE);
	assert_int_equal(f->ival, 16);
	f = &m->filters[2];
	assert_int_equal(f->src.kind, BPFPROM_SRC_FIELD);
	assert_string_equal(f->src.field, "id");
	assert_int_equal(f->op, BPFPROM_OP_GT);
	assert_false(f->is_str);
	assert_true(f->ival == -5);
	assert_string_equal(f->text, "args.id>-5");
	f = &m->filters[3];
	assert_int_equal(f->src.kind, BPFPROM_SRC_STR_FIELD);
	assert_string_equal(f->src.field, "filename");
	assert_int_equal(f->op, BPFPROM_OP_EQ);
	assert_true(f->is_str);
	assert_string_equal(f->sval, "/etc/\"x\"\\\n\t");
	f = &m->filters[4];
	assert_int_equal(f->src.kind, BPFPROM_SRC_CGROUP);
	assert_int_equal(f->op, BPFPROM_OP_LE);
	assert_true(f->ival == INT64_MIN);
	f = &m->filters[5];
	assert_int_equal(f->src.kind, BPFPROM_SRC_PROBE);
	assert_int_equal(f->op, BPFPROM_OP_GT);
	assert_true(f->ival == INT64_MAX);
	assert_string_equal(f->text, "  probe   >   0x7fffffffffffffff  ");
	assert_int_equal(m->max_series, 256);

	/* Kernel and user entry probes with offsets, implied return, lhist. */
	m = &cfg->metrics[1];
	assert_string_equal(m->name, "app_func_latency_seconds");
	assert_int_equal(m->nprobes, 3);
	assert_int_equal(m->probes[0].kind, CFG_PROBE_KPROBE);
	assert_null(m->probes[0].target);
	assert_string_equal(m->probes[0].func, "vfs_read");
	assert_int_equal(m->probes[0].offset, 0x10);
	assert_int_equal(m->probes[1].kind, CFG_PROBE_KPROBE);
	assert_string_equal(m->probes[1].func, "vfs_write.cold");
	assert_int_equal(m->probes[1].offset, 16);
	assert_int_equal(m->probes[2].kind, CFG_PROBE_UPROBE);
	assert_string_equal(m->probes[2].target, "/usr/lib/libc.so.6");
	assert_string_equal(m->probes[2].func, "malloc");
	assert_int_equal(m->probes[2].offset, 0);
	assert_false(m->has_until);
	assert_int_equal(m->agg, BPFPROM_AGG_LHIST);
	assert_int_equal(m->value.kind, BPFPROM_SRC_LATENCY);
	assert_int_equal(m->unit, CFG_UNIT_SECONDS);
	assert_int_equal(m->nlabels, 4);
	assert_string_equal(m->labels[0].name, "comm");
	assert_int_equal(m->labels[0].size, 16);
	assert_string_equal(m->labels[1].name, "arg1");
	assert_int_equal(m->labels[1].src.kind, BPFPROM_SRC_ARG);
	assert_int_equal(m->labels[1].src.argn, 1);
	assert_string_equal(m->labels[2].name, "fd");
	assert_int_equal(m->labels[2].src.argn, 0);
	assert_int_equal(m->labels[2].decode, CFG_DECODE_HEX);
	assert_string_equal(m->labels[3].name, "s");
	assert_int_equal(m->labels[3].src.kind, BPFPROM_SRC_STR_ARG);
	assert_int_equal(m->labels[3].src.argn, 2);
	assert_int_equal(m->labels[3].size, CONFIG_DEFAULT_STR_SIZE);
	assert_pos(m->labels[3].pos, 41, 9);
	assert_int_equal(m->nfilters, 3);
	assert_int_equal(m->filters[0].src.kind, BPFPROM_SRC_COMM);
	assert_string_equal(m->filters[0].sval, "nginx");
	assert_int_equal(m->filters[1].src.argn, 3);
	assert_int_equal(m->filters[1].ival, 4096);
	assert_int_equal(m->filters[2].src.kind, BPFPROM_SRC_STR_ARG);
	assert_string_equal(m->filters[2].sval, "");
	assert_true(m->buckets.set);
	assert_true(m->buckets.has_min && m->buckets.has_max && m->buckets.has_step);
	assert_true(m->buckets.min == -100);
	assert_int_equal(m->buckets.max, 900);
	assert_int_equal(m->buckets.step, 50);
	assert_pos(m->buckets.pos, 46, 14);

	/* Return probes of every spelling feed retval. */
	m = &cfg->metrics[2];
	assert_string_equal(m->name, "app_ret_sum_total");
	assert_int_equal(m->nprobes, 4);
	assert_int_equal(m->probes[0].kind, CFG_PROBE_KRETPROBE);
	assert_int_equal(m->probes[1].kind, CFG_PROBE_URETPROBE);
	assert_string_equal(m->probes[1].target, "libc");
	assert_int_equal(m->probes[2].kind, CFG_PROBE_KRETPROBE);
	assert_int_equal(m->probes[3].kind, CFG_PROBE_URETPROBE);
	assert_string_equal(m->probes[3].func, "free");
	assert_int_equal(m->agg, BPFPROM_AGG_SUM);
	assert_int_equal(m->value.kind, BPFPROM_SRC_RETVAL);
	assert_int_equal(m->nlabels, 6);
	assert_int_equal(m->labels[0].src.kind, BPFPROM_SRC_RETVAL);
	assert_int_equal(m->labels[1].src.kind, BPFPROM_SRC_CPU);
	assert_int_equal(m->labels[2].src.kind, BPFPROM_SRC_UID);
	assert_int_equal(m->labels[3].src.kind, BPFPROM_SRC_GID);
	assert_int_equal(m->labels[4].src.kind, BPFPROM_SRC_TID);
	assert_int_equal(m->labels[5].src.kind, BPFPROM_SRC_CGROUP);
	assert_string_equal(m->labels[5].name, "cgroup");

	/* until may be of another kind than the start. */
	m = &cfg->metrics[3];
	assert_string_equal(m->name, "app_open_latency");
	assert_true(m->has_until);
	assert_int_equal(m->until.kind, CFG_PROBE_UPROBE);
	assert_string_equal(m->until.spec, "u:/bin/app:done+0x20");
	assert_string_equal(m->until.target, "/bin/app");
	assert_string_equal(m->until.func, "done");
	assert_int_equal(m->until.offset, 0x20);
	assert_int_equal(m->agg, BPFPROM_AGG_HIST);
	assert_int_equal(m->unit, CFG_UNIT_NONE);
	assert_true(m->buckets.set);
	assert_true(m->buckets.has_min && m->buckets.has_max);
	assert_false(m->buckets.has_step);
	assert_int_equal(m->buckets.min, 1024);
	assert_int_equal(m->buckets.max, 1 << 20);

	m = &cfg->metrics[4];
	assert_string_equal(m->name, "app_alloc_bytes");
	assert_int_equal(m->agg, BPFPROM_AGG_STATS);
	assert_int_equal(m->value.kind, BPFPROM_SRC_ARG);
	assert_int_equal(m->value.argn, 5);
	assert_int_equal(m->labels[0].decode, CFG_DECODE_CGROUP_PATH);
	assert_int_equal(m->labels[1].decode, CFG_DECODE_KSYM);
	assert_int_equal(m->labels[2].decode, CFG_DECODE_ERRNO);
	assert_int_equal(m->labels[2].src.argn, 4);
	assert_int_equal(m->max_series, CONFIG_MAX_MAX_SERIES);

	config__free(cfg);
}

/* match: the same sources at both ends, or each end's own. */
static void test_match(void **state)
{
	struct cfg *cfg = parse_ok("metrics:\n"
				   "  - name: runq_seconds\n"
				   "    help: h\n"
				   "    probe: [t:sched:sched_wakeup, t:sched:sched_wakeup_new]\n"
				   "    until: t:sched:sched_switch\n"
				   "    match: {probe: args.pid, until: args.next_pid}\n"
				   "    aggregate: hist\n"
				   "    value: latency\n"
				   "  - name: io_seconds\n"
				   "    help: h\n"
				   "    probe: t:block:block_rq_issue\n"
				   "    until: t:block:block_rq_complete\n"
				   "    match: [args.dev, args.sector]\n"
				   "    aggregate: hist\n"
				   "    value: latency\n"
				   "  - name: plain_seconds\n"
				   "    help: h\n"
				   "    probe: k:vfs_read\n"
				   "    aggregate: hist\n"
				   "    value: latency\n");
	const struct cfg_metric *m;

	(void)state;
	m = &cfg->metrics[0];
	assert_int_equal(m->nmatch, 1);
	assert_int_equal(m->match[0].kind, BPFPROM_SRC_FIELD);
	assert_string_equal(m->match[0].field, "pid");
	assert_int_equal(m->match_until[0].kind, BPFPROM_SRC_FIELD);
	assert_string_equal(m->match_until[0].field, "next_pid");
	assert_pos(m->match_pos, 6, 12);
	assert_pos(m->match_until[0].pos, 6, 37);
	m = &cfg->metrics[1];
	assert_int_equal(m->nmatch, 2);
	assert_string_equal(m->match[0].field, "dev");
	assert_string_equal(m->match[1].field, "sector");
	assert_string_equal(m->match_until[0].field, "dev");
	assert_string_equal(m->match_until[1].field, "sector");
	assert_pos(m->match[1].pos, 13, 23);
	assert_int_equal(cfg->metrics[2].nmatch, 0);
	config__free(cfg);
}

static void test_defaults(void **state)
{
	struct cfg *cfg = parse_ok(COUNTER);
	const struct cfg_metric *m = &cfg->metrics[0];

	(void)state;
	assert_non_null(cfg->namespace);
	assert_string_equal(cfg->namespace, "");
	assert_int_equal(cfg->nmetrics, 1);
	assert_string_equal(m->name, "reads_total");
	assert_pos(m->pos, 2, 5);
	assert_int_equal(m->max_series, CONFIG_DEFAULT_MAX_SERIES);
	assert_int_equal(m->max_series, 10240);
	assert_false(m->has_value);
	assert_false(m->has_until);
	assert_int_equal(m->unit, CFG_UNIT_NONE);
	assert_int_equal(m->nlabels, 0);
	assert_int_equal(m->nfilters, 0);
	assert_false(m->buckets.set);
	assert_int_equal(m->series_ttl_ms, 0);
	config__free(cfg);
}

static void test_series_ttl(void **state)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = {
		{ "250ms", 250 }, { "30s", 30000 }, { "10m", 600000 }, { "720h", 2592000000ull }
	};
	char yaml[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct cfg *cfg;

		snprintf(yaml, sizeof(yaml), COUNTER "    labels: [pid]\n    series_ttl: %s\n",
			 good[i].text);
		cfg = parse_ok(yaml);
		assert_int_equal(cfg->metrics[0].series_ttl_ms, good[i].ms);
		config__free(cfg);
	}
}

/* kstack and ustack keep 16 frames unless frames: says otherwise. */
static void test_stack_frames(void **state)
{
	struct cfg *cfg =
		parse_ok(COUNTER "    labels: [kstack, {name: u, source: ustack, frames: 127}]\n");

	(void)state;
	assert_int_equal(cfg->metrics[0].nlabels, 2);
	assert_int_equal(cfg->metrics[0].labels[0].src.kind, BPFPROM_SRC_KSTACK);
	assert_string_equal(cfg->metrics[0].labels[0].name, "kstack");
	assert_int_equal(cfg->metrics[0].labels[0].frames, BPFPROM_DEFAULT_FRAMES);
	assert_int_equal(cfg->metrics[0].labels[1].src.kind, BPFPROM_SRC_USTACK);
	assert_int_equal(cfg->metrics[0].labels[1].frames, 127);
	config__free(cfg);
}

/* Flow style, anchors and aliases are plain YAML and must just work. */
static void test_flow_and_aliases(void **state)
{
	static const char yaml[] =
		"{metrics: [\n"
		"  {name: a_total, help: &h \"Shared help.\", probe: t:sched:sched_switch,\n"
		"   aggregate: count, labels: &l [comm, {name: p, source: str(args.prev_comm), size: 1}]},\n"
		"  {name: b_total, help: *h, probe: \"t:sched:sched_wakeup\", aggregate: count, labels: *l}]}\n";
	struct cfg *cfg = parse_ok(yaml);

	(void)state;
	assert_int_equal(cfg->nmetrics, 2);
	assert_string_equal(cfg->metrics[0].help, "Shared help.");
	assert_string_equal(cfg->metrics[1].help, "Shared help.");
	assert_string_equal(cfg->metrics[0].probes[0].func, "sched_switch");
	assert_string_equal(cfg->metrics[1].probes[0].func, "sched_wakeup");
	assert_int_equal(cfg->metrics[1].nlabels, 2);
	assert_string_equal(cfg->metrics[1].labels[1].name, "p");
	assert_string_equal(cfg->metrics[1].labels[1].src.field, "prev_comm");
	assert_int_equal(cfg->metrics[1].labels[1].size, 1);
	assert_pos(cfg->metrics[1].pos, 4, 3);
	config__free(cfg);
}

/* profile:, software:, hardware: and their aliases, as cfg_probe holds them */
static void test_sample_probes(void **state)
{
	static const char yaml[] =
		"metrics:\n"
		"  - {name: a_total, help: h, probe: profile:hz:99, aggregate: count}\n"
		"  - {name: b_total, help: h, probe: \"p:ms:10\", aggregate: count}\n"
		"  - {name: c_total, help: h, probe: s:faults, aggregate: sum, value: period}\n"
		"  - {name: d_total, help: h, probe: \"software:cs:\", aggregate: count}\n"
		"  - {name: e_total, help: h, probe: h:cycles:1e6, aggregate: count, labels: [cpu, comm]}\n"
		"  - {name: f_total, help: h, probe: [software:minor-faults:1, s:major-faults], aggregate: count}\n";
	struct cfg *cfg = parse_ok(yaml);

	(void)state;
	assert_int_equal(cfg->nmetrics, 6);
	assert_int_equal(cfg->metrics[0].probes[0].kind, CFG_PROBE_PROFILE);
	assert_string_equal(cfg->metrics[0].probes[0].func, "hz");
	assert_int_equal(cfg->metrics[0].probes[0].offset, 99);
	assert_string_equal(cfg->metrics[1].probes[0].func, "ms");
	assert_int_equal(cfg->metrics[1].probes[0].offset, 10);
	/* aliases become the event's name; no period: bpftrace's default */
	assert_int_equal(cfg->metrics[2].probes[0].kind, CFG_PROBE_SOFTWARE);
	assert_string_equal(cfg->metrics[2].probes[0].func, "page-faults");
	assert_int_equal(cfg->metrics[2].probes[0].offset, 100);
	assert_int_equal(cfg->metrics[2].value.kind, BPFPROM_SRC_PERIOD);
	assert_string_equal(cfg->metrics[3].probes[0].func, "context-switches");
	assert_int_equal(cfg->metrics[3].probes[0].offset, 1000);
	assert_int_equal(cfg->metrics[4].probes[0].kind, CFG_PROBE_HARDWARE);
	assert_string_equal(cfg->metrics[4].probes[0].func, "cpu-cycles");
	assert_int_equal(cfg->metrics[4].probes[0].offset, 1000000);
	assert_int_equal(cfg->metrics[5].nprobes, 2);
	assert_int_equal(cfg->metrics[5].probes[0].offset, 1);
	assert_int_equal(cfg->metrics[5].probes[1].offset, 1);
	config__free(cfg);
}

/* Every hist, lhist and stats name stays clear of the others' series. */
static void test_no_false_collisions(void **state)
{
	static const char yaml[] =
		"metrics:\n"
		"  - {name: lat, help: h, probe: 'k:f', aggregate: hist, value: latency}\n"
		"  - {name: lat_seconds, help: h, probe: 'k:f', aggregate: stats, value: latency}\n"
		"  - {name: lat_count_total, help: h, probe: 'k:f', aggregate: count}\n"
		"  - {name: size, help: h, probe: 'k:f', aggregate: lhist, value: arg1,\n"
		"     buckets: {min: 0, max: 4096, step: 16}}\n";
	struct cfg *cfg;
	char err[512];
	int ret;

	(void)state;
	/* lat_count_total is the OpenMetrics family lat_count: taken by lat. */
	ret = config__parse_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(
		err,
		"config: t.yaml:4:12: metrics[2] (lat_count_total): name: \"lat_count_total\" collides with metrics[0] (lat): both produce \"lat_count\" (OpenMetrics names a counter's family without _total); rename one of them");

	cfg = parse_ok(
		"metrics:\n"
		"  - {name: lat, help: h, probe: 'k:f', aggregate: hist, value: latency}\n"
		"  - {name: lat_seconds, help: h, probe: 'k:f', aggregate: stats, value: latency}\n"
		"  - {name: lat_calls_total, help: h, probe: 'k:f', aggregate: count}\n");
	assert_int_equal(cfg->nmetrics, 3);
	config__free(cfg);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX";
	char err[512], want[600];
	struct cfg *cfg = NULL;
	FILE *f;
	int fd, ret;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(design_example, f);
	fclose(f);
	ret = config__parse_file(path, &cfg, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_string_equal(cfg->file, path);
	assert_int_equal(cfg->nmetrics, 2);
	config__free(cfg);

	/* Messages name the file as given. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("metrics: 5\n", f);
	fclose(f);
	ret = config__parse_file(path, &cfg, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_null(cfg);
	snprintf(want, sizeof(want),
		 "config: %s:1:10: metrics: expected a list of metrics, got a string", path);
	assert_string_equal(err, want);
	unlink(path);

	ret = config__parse_file("/nonexistent/bpfprom.yaml", &cfg, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_null(cfg);
	assert_string_equal(
		err, "config: /nonexistent/bpfprom.yaml: cannot read: No such file or directory");

	ret = config__parse_file("/", &cfg, err, sizeof(err));
	assert_int_equal(ret, -EISDIR);
	assert_string_equal(err, "config: /: cannot read: Is a directory");
}

/* A short or missing buffer truncates the message, never the parse result. */
static void test_small_error_buffer(void **state)
{
	static const char yaml[] = COUNTER "    colour: red\n";
	struct cfg *cfg;
	char err[16];
	int ret;

	(void)state;
	memset(err, 'x', sizeof(err));
	ret = config__parse_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, "config: t.yaml:");
	ret = config__parse_string(yaml, strlen(yaml), "t.yaml", &cfg, NULL, 0);
	assert_int_equal(ret, -EINVAL);
	assert_null(cfg);
}

/* The text need not be NUL-terminated: only len bytes are read. */
static void test_length_bounded(void **state)
{
	static const char yaml[] = COUNTER "GARBAGE: [";
	struct cfg *cfg = NULL;
	char err[256];

	(void)state;
	assert_int_equal(
		config__parse_string(yaml, strlen(COUNTER), "t.yaml", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->nmetrics, 1);
	config__free(cfg);
	config__free(NULL);
}

/* Wildcards parse into wild probes; missing: skip is kept; func is a label source. */
static void test_wildcards(void **state)
{
	const struct cfg_probe *pr;
	struct cfg *cfg;

	(void)state;
	cfg = parse_ok(HEAD(
		"w_total") "    probe: [\"t:syscalls:sys_enter_get*\", t:sched:sched_switch, "
			   "\"t:s?hed:*\"]\n    missing: skip\n    aggregate: count\n"
			   "    labels: [func]\n  - name: u_total\n    help: Help.\n    probe: [\"u:libc:pthread_?*\", "
			   "\"kr:vfs_*\"]\n    aggregate: count\n");
	pr = cfg->metrics[0].probes;
	assert_int_equal(cfg->metrics[0].nprobes, 3);
	assert_true(pr[0].wild);
	assert_string_equal(pr[0].func, "sys_enter_get*");
	assert_false(pr[1].wild);
	assert_true(pr[2].wild);
	assert_string_equal(pr[2].target, "s?hed");
	assert_true(cfg->metrics[0].missing_skip);
	assert_int_equal(cfg->metrics[0].labels[0].src.kind, BPFPROM_SRC_FUNC);
	assert_string_equal(cfg->metrics[0].labels[0].name, "func");
	pr = cfg->metrics[1].probes;
	assert_true(pr[0].wild);
	assert_string_equal(pr[0].target, "libc");
	assert_string_equal(pr[0].func, "pthread_?*");
	assert_true(pr[1].wild);
	assert_int_equal(pr[1].kind, CFG_PROBE_KRETPROBE);
	assert_false(cfg->metrics[1].missing_skip);
	config__free(cfg);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(config__agg_name(BPFPROM_AGG_COUNT), "count");
	assert_string_equal(config__agg_name(BPFPROM_AGG_SUM), "sum");
	assert_string_equal(config__agg_name(BPFPROM_AGG_HIST), "hist");
	assert_string_equal(config__agg_name(BPFPROM_AGG_LHIST), "lhist");
	assert_string_equal(config__agg_name(BPFPROM_AGG_STATS), "stats");
	assert_string_equal(config__src_name(BPFPROM_SRC_COMM), "comm");
	assert_string_equal(config__src_name(BPFPROM_SRC_ARG), "argN");
	assert_string_equal(config__src_name(BPFPROM_SRC_FIELD), "args.FIELD");
	assert_string_equal(config__src_name(BPFPROM_SRC_STR_ARG), "str(argN)");
	assert_string_equal(config__src_name(BPFPROM_SRC_STR_FIELD), "str(args.FIELD)");
	assert_string_equal(config__src_name(BPFPROM_SRC_LATENCY), "latency");
	assert_string_equal(config__src_name(BPFPROM_SRC__COUNT), "unknown");
	assert_string_equal(config__decode_name(CFG_DECODE_NONE), "none");
	assert_string_equal(config__decode_name(CFG_DECODE_CGROUP_PATH), "cgroup_path");
	assert_string_equal(config__decode_name(CFG_DECODE_HEX), "hex");
	assert_string_equal(config__probe_kind_name(CFG_PROBE_TRACEPOINT), "tracepoint");
	assert_string_equal(config__probe_kind_name(CFG_PROBE_KRETPROBE), "kretprobe");
	assert_string_equal(config__probe_kind_name(CFG_PROBE_URETPROBE), "uretprobe");
}

int main(void)
{
	static const struct CMUnitTest good[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_usdt_specs),
		cmocka_unit_test(test_sample_probes),
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_series_ttl),
		cmocka_unit_test(test_stack_frames),
		cmocka_unit_test(test_flow_and_aliases),
		cmocka_unit_test(test_no_false_collisions),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_names),
	};
	struct CMUnitTest tests[ARRAY_SIZE(bad_cases) + ARRAY_SIZE(good)];
	size_t i, n = 0;

	/* One named test per bad config, so a failure says which one. */
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].name,
			.test_func = run_bad_case,
			.initial_state = (void *)&bad_cases[i],
		};
	for (i = 0; i < ARRAY_SIZE(good); i++)
		tests[n++] = good[i];
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
