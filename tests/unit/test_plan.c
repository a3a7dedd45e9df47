// SPDX-License-Identifier: GPL-2.0
/*
 * plan against a fake tracefs tree (real format files copied from 6.18), and
 * the CPU combination of collect: key layout, rodata, bucket bounds, and the
 * exact messages of what the kernel side cannot resolve.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/perf_event.h>

#include <bpf/btf.h>

#include "scrape/collect.h"
#include "config/config.h"
#include "kernel/plan.h"
#include "kernel/tracefs.h"

static char root[64];

static const char write_fmt[] =
	"name: sys_enter_write\nID: 840\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * buf;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"fd: 0x%08lx\", ((unsigned long)(REC->fd))\n";

static const char exec_fmt[] =
	"name: sched_process_exec\nID: 310\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"filename=%s\", __get_str(filename)\n";

static const char switch_fmt[] =
	"name: sched_switch\nID: 320\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"prev_comm=%s\", REC->prev_comm\n";

static void put(const char *cat, const char *ev, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/events", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s", root, cat);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s/%s", root, cat, ev);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, ev);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char kallsyms[PATH_MAX];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/bpfprom-plan-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("syscalls", "sys_enter_write", write_fmt);
	put("sched", "sched_process_exec", exec_fmt);
	put("sched", "sched_switch", switch_fmt);
	snprintf(kallsyms, sizeof(kallsyms), "%s/kallsyms", root);
	f = fopen(kallsyms, "w");
	if (!f)
		return -1;
	/* text symbols (t, T) are functions; data and module suffixes as the kernel prints them */
	fputs("ffffffff81000000 T vfs_read\n"
	      "ffffffff81000100 t do_sys_openat2\n"
	      "ffffffff81000200 D vfs_data\n"
	      "ffffffff81000300 T vfs_write\n"
	      "ffffffffc0000000 t mod_fn\t[some_mod]\n"
	      /* the functions of test_kernel_arg_place's BTF */
	      "ffffffff81000400 T tcp_setsockopt\n"
	      "ffffffff81000500 T late_fn\n"
	      "ffffffff81000600 T big_fn\n"
	      "ffffffff81000700 T plain_fn\n"
	      "ffffffff81000800 T wide_fn\n",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

struct built {
	struct cfg *cfg;
	struct plan *plan;
	char err[1024];
	int ret;
};

/* The kernel the plan resolves against: tracefs in root, no kprobes unless a test says so. */
static struct plan_kernel kern;

static void build(struct built *b, const char *yaml)
{
	memset(b, 0, sizeof(*b));
	b->ret =
		config__parse_string(yaml, strlen(yaml), "t.yaml", &b->cfg, b->err, sizeof(b->err));
	if (b->ret)
		fail_msg("%s", b->err);
	kern.tracefs = root;
	kern.kallsyms = kallsyms;
	b->ret = plan__build(b->cfg, &kern, &b->plan, b->err, sizeof(b->err));
}

static void done(struct built *b)
{
	plan__free(b->plan);
	config__free(b->cfg);
}

static void expect_error(const char *yaml, const char *msg)
{
	struct built b;

	build(&b, yaml);
	assert_int_equal(b.ret, -EINVAL);
	assert_null(b.plan);
	/* NULL: the message comes from another module (elfsym), checked there */
	if (msg)
		assert_string_equal(b.err, msg);
	else
		assert_true(strncmp(b.err,
				    "plan: t.yaml:4:12: metrics[0] (x_total): probe: ", 48) == 0);
	done(&b);
}

static void test_schema_too_many(void **state)
{
	(void)state;
	expect_error(
		"metrics:\n  - name: x_bytes\n    help: h\n"
		"    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		"    value: args.count\n    schema: 4\n",
		"plan: t.yaml:7:13: metrics[0] (x_bytes): schema: schema 4 makes 1026 buckets, more than 1024; narrow buckets: {min, max} (in the value's unit) or use a smaller schema");
	expect_error(
		"metrics:\n  - name: x_bytes\n    help: h\n"
		"    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		"    value: args.count\n    schema: 8\n    buckets: {min: 1, max: 17}\n",
		"plan: t.yaml:8:14: metrics[0] (x_bytes): buckets: schema 8 makes 1281 buckets, more than 1024; narrow buckets: {min, max} (in the value's unit) or use a smaller schema");
}

static void test_format_parse(void **state)
{
	struct tp_format f;
	const struct tp_field *fld;

	(void)state;
	assert_int_equal(tracefs__read_format(root, "sched", "sched_switch", &f), 0);
	assert_int_equal(f.id, 320);
	assert_int_equal(f.nfields, 6);
	fld = tracefs__field(&f, "prev_comm");
	assert_non_null(fld);
	assert_true(fld->is_array);
	assert_int_equal(fld->offset, 8);
	assert_int_equal(fld->size, 16);
	assert_string_equal(fld->type, "char");
	fld = tracefs__field(&f, "prev_state");
	assert_non_null(fld);
	assert_true(fld->is_signed);
	assert_false(fld->is_array);
	assert_string_equal(fld->type, "long");
	tracefs__format_free(&f);

	assert_int_equal(tracefs__read_format(root, "sched", "sched_process_exec", &f), 0);
	fld = tracefs__field(&f, "filename");
	assert_non_null(fld);
	assert_true(fld->is_data_loc);
	assert_string_equal(fld->type, "__data_loc char[]");
	tracefs__format_free(&f);

	assert_int_equal(tracefs__read_format(root, "sched", "nope", &f), -ENOENT);
}

static void test_key_layout(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n"
		  "  - name: w_total\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: count\n"
		  "    labels:\n      - comm\n      - {name: fd, source: args.fd}\n      - cpu\n"
		  "      - {name: nr, source: args.__syscall_nr}\n"
		  "    filter:\n      - comm == \"sshd\"\n      - args.__syscall_nr >= -1\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->bcfg.nlabels, 4);
	assert_int_equal(pm->bcfg.key_size, 16 + 8 + 8 + 8);
	assert_int_equal(pm->bcfg.labels[0].src.kind, BPFPROM_SRC_COMM);
	assert_int_equal(pm->bcfg.labels[0].key_off, 0);
	assert_int_equal(pm->bcfg.labels[1].key_off, 16);
	assert_int_equal(pm->bcfg.labels[1].src.off[0], 16);
	assert_int_equal(pm->bcfg.labels[1].src.size, 8);
	assert_int_equal(pm->bcfg.labels[2].key_off, 24);
	assert_int_equal(pm->bcfg.labels[3].src.off[0], 8);
	assert_int_equal(pm->bcfg.labels[3].src.size, 4);
	assert_int_equal(pm->bcfg.labels[3].src.is_signed, 1);
	assert_true(pm->desc.labels[0].is_str);
	assert_true(pm->desc.labels[3].is_signed);
	assert_int_equal(pm->bcfg.value_words, 1);
	assert_int_equal(pm->bcfg.nfilters, 2);
	assert_memory_equal(pm->bcfg.filters[0].str, "sshd\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(pm->bcfg.filters[0].str_words, 2);
	assert_int_equal(pm->bcfg.filters[1].lit, (uint64_t)-1);
	assert_int_equal(pm->max_series, CONFIG_DEFAULT_MAX_SERIES);
	done(&b);
}

static void test_hist_bounds(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n"
		  "  - name: a_bytes\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		  "    value: args.count\n    buckets: {min: 512, max: 2048}\n"
		  "  - name: b_bytes\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		  "    value: args.count\n"
		  "  - name: c_bytes\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: lhist\n"
		  "    value: args.count\n    buckets: {min: 0, max: 100, step: 10}\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	/* le = 512, 1024, 2048: log2 slots 10, 11, 12 */
	assert_int_equal(pm->bcfg.hist_first_slot, 10);
	assert_int_equal(pm->bcfg.nbuckets, 3);
	assert_true(pm->bounds[0] == 512 && pm->bounds[1] == 1024 && pm->bounds[2] == 2048);
	assert_int_equal(pm->bcfg.value_words, 2 + 3 + 1);
	assert_int_equal(pm->desc.nbuckets, 3);
	pm = &b.plan->metrics[1];
	/* unbounded: le = 0, 1, 2, ... 2^64 */
	assert_int_equal(pm->bcfg.hist_first_slot, 0);
	assert_int_equal(pm->bcfg.nbuckets, BPFPROM_LOG2_SLOTS);
	assert_true(pm->bounds[0] == 0 && pm->bounds[1] == 1 && pm->bounds[65] == 0x1p64);
	pm = &b.plan->metrics[2];
	assert_int_equal(pm->bcfg.nbuckets, 10);
	assert_int_equal(pm->bcfg.lhist_min, 0);
	assert_int_equal(pm->bcfg.lhist_step, 10);
	assert_true(pm->bounds[0] == 10 && pm->bounds[9] == 100);
	done(&b);
}

/* 2^(i / 2^schema), as the tests compute it: independent of plan's code */
static double want_bound(int64_t i, unsigned int schema)
{
	int64_t n = (int64_t)1 << schema;
	int64_t e = i >= 0 ? i / n : -((-i + n - 1) / n);

	return ldexp((double)exp2l((long double)(i - e * n) / n), (int)e);
}

/* every threshold t of a schema hist: t <= le * per < t + 1 */
static void check_thresholds(const struct plan_metric *pm, long double per)
{
	for (uint32_t j = 0; j < pm->bcfg.nbuckets; j++) {
		long double x = (long double)pm->bounds[j] * per;

		if (x >= 0x1p64L) {
			assert_true(pm->bcfg.hist_thr[j] == UINT64_MAX);
			continue;
		}
		assert_true((long double)pm->bcfg.hist_thr[j] <= x);
		assert_true((long double)pm->bcfg.hist_thr[j] + 1 > x);
	}
}

/* the kernel's search on plan's tables, against a scan of the thresholds,
 * one below, on and one above each */
static void check_search(const struct plan_metric *pm)
{
	const struct bpfprom_metric_cfg *c = &pm->bcfg;

	for (uint32_t j = 0; j < c->nbuckets; j++) {
		for (int d = -1; d <= 1; d++) {
			uint64_t v = c->hist_thr[j] + (uint64_t)(int64_t)d;
			uint32_t want = 0;

			if ((d < 0 && !c->hist_thr[j]) || (d > 0 && c->hist_thr[j] == UINT64_MAX))
				continue;
			while (want < c->nbuckets && v > c->hist_thr[want])
				want++;
			assert_int_equal(bpfprom_thr_bucket(v, 0, c->hist_thr, c->hist_band,
							    c->hist_steps),
					 want);
		}
	}
}

static void test_schema_bounds(void **state)
{
	struct built b;
	const struct plan_metric *pm;
	uint32_t j;

	(void)state;
	build(&b, "metrics:\n"
		  "  - name: a_bytes\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		  "    value: args.count\n    schema: 3\n"
		  "  - name: b_bytes\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		  "    value: args.count\n    schema: 8\n    buckets: {min: 1000, max: 3000}\n"
		  "  - name: l_seconds\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    aggregate: hist\n    value: latency\n    unit: seconds\n    schema: 3\n"
		  "    buckets: {min: 1000, max: 1000000}\n"
		  "  - name: m_seconds\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    aggregate: hist\n    value: latency\n    unit: seconds\n    schema: 0\n"
		  "  - name: n_seconds\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    aggregate: hist\n    value: latency\n    unit: seconds\n    schema: 8\n"
		  "    buckets: {min: 1000000, max: 3000000}\n");
	assert_string_equal(b.err, "");
	assert_int_equal(b.ret, 0);
	/* unbounded, schema 3: le 0, then native buckets 0 (le 1) to 512 (le 2^64) */
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->bcfg.hist_search, 1);
	assert_int_equal(pm->bcfg.nbuckets, 1 + 513);
	assert_int_equal(pm->bcfg.value_words, 2 + 514 + 1);
	assert_int_equal(pm->desc.hist_first_index, 0);
	assert_int_equal(pm->desc.hist_schema, 3);
	assert_true(pm->desc.hist_has_schema);
	assert_true(pm->bounds[0] == 0 && pm->bcfg.hist_thr[0] == 0);
	for (j = 1; j < pm->bcfg.nbuckets; j++)
		assert_true(pm->bounds[j] == want_bound(j - 1, 3));
	assert_true(pm->bounds[1] == 1 && pm->bounds[9] == 2 && pm->bounds[513] == 0x1p64);
	/* 2^(1/8) = 1.09..: integers up to 1; 2^(5/8) * 2 = 3.08..: up to 3 */
	assert_int_equal(pm->bcfg.hist_thr[2], 1);
	assert_int_equal(pm->bcfg.hist_thr[9], 2);
	assert_int_equal(pm->bcfg.hist_thr[9 + 5], 3);
	check_thresholds(pm, 1);
	/* bands: v == 0 from bucket 0, v == 1 from 1, 2..3 from 9; 5 steps */
	assert_int_equal(pm->bcfg.hist_band[0], 0);
	assert_int_equal(pm->bcfg.hist_band[1], 1);
	assert_int_equal(pm->bcfg.hist_band[2], 9);
	assert_int_equal(pm->bcfg.hist_band[65], 514);
	assert_int_equal(pm->bcfg.hist_steps, 5);
	check_search(pm);
	/* min 1000, max 3000 widen to 2^9 .. 2^12: 3 * 256 buckets and le 512 */
	pm = &b.plan->metrics[1];
	assert_int_equal(pm->bcfg.nbuckets, 1 + 3 * 256);
	assert_int_equal(pm->desc.hist_first_index, 9 * 256 + 1);
	assert_true(pm->bounds[0] == 512 && pm->bounds[768] == 4096);
	for (j = 1; j < pm->bcfg.nbuckets; j++)
		assert_true(pm->bounds[j] == want_bound(9 * 256 + j, 8));
	assert_int_equal(pm->bcfg.hist_thr[0], 512);
	assert_int_equal(pm->bcfg.hist_thr[768], 4096);
	check_thresholds(pm, 1);
	check_search(pm);
	/* seconds: 1000 ns widens to 2^-20 s (953.67 ns), 1e6 ns to 2^-9 s */
	pm = &b.plan->metrics[2];
	assert_int_equal(pm->bcfg.nbuckets, 1 + 11 * 8);
	assert_int_equal(pm->desc.hist_first_index, -20 * 8 + 1);
	assert_true(pm->bounds[0] == 0x1p-20 && pm->bounds[88] == 0x1p-9);
	for (j = 1; j < pm->bcfg.nbuckets; j++)
		if (pm->bounds[j] != want_bound(-20 * 8 + (int64_t)j, 3))
			fail_msg("j %u: %a != %a", j, pm->bounds[j],
				 want_bound(-20 * 8 + (int64_t)j, 3));
	assert_int_equal(pm->bcfg.hist_thr[0], 953);
	/* 2^-19.5 s = 1348.7 ns; 2^-19 s = 1907.3 ns; 2^-9 s = 1953125 ns */
	assert_int_equal(pm->bcfg.hist_thr[4], 1348);
	assert_int_equal(pm->bcfg.hist_thr[8], 1907);
	assert_int_equal(pm->bcfg.hist_thr[88], 1953125);
	check_thresholds(pm, 1e9L);
	check_search(pm);
	/* seconds, unbounded: from the bucket of 1 ns, (2^-30, 2^-29] s, to
	 * 2^35 s, the first power of two past 2^64 ns */
	pm = &b.plan->metrics[3];
	assert_int_equal(pm->desc.hist_first_index, -29);
	assert_int_equal(pm->bcfg.nbuckets, 1 + 29 + 35 + 1);
	assert_true(pm->bounds[0] == 0 && pm->bounds[1] == 0x1p-29 && pm->bounds[65] == 0x1p35);
	assert_int_equal(pm->bcfg.hist_thr[1], 1);
	assert_int_equal(pm->bcfg.hist_thr[65], UINT64_MAX);
	check_thresholds(pm, 1e9L);
	check_search(pm);
	/* schema 8 in seconds, 2^-10 .. 2^-8 s: 512 buckets of ns, 10 steps */
	pm = &b.plan->metrics[4];
	assert_int_equal(pm->bcfg.nbuckets, 1 + 2 * 256);
	assert_int_equal(pm->bcfg.hist_thr[0], 976562);
	assert_int_equal(pm->bcfg.hist_thr[512], 3906250);
	assert_int_equal(pm->bcfg.hist_steps, 10);
	check_thresholds(pm, 1e9L);
	check_search(pm);
	done(&b);
}

/* a span above INT64_MAX: once overflowed into a huge bucket count */
static void test_lhist_wide_span(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n  - name: w_bytes\n    help: h\n"
		  "    probe: tracepoint:sched:sched_switch\n    aggregate: lhist\n"
		  "    value: args.prev_state\n"
		  "    buckets: {min: -6917529027641081856, max: 6917529027641081856,"
		  " step: 216172782113783808}\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->bcfg.nbuckets, 64);
	assert_true(pm->bounds[0] == -6917529027641081856.0 + 216172782113783808.0);
	assert_true(pm->bounds[63] == 6917529027641081856.0);
	assert_int_equal(pm->bcfg.lhist_step, 216172782113783808ull);
	done(&b);
}

static void test_multi_probe(void **state)
{
	struct built b;

	(void)state;
	build(&b,
	      "metrics:\n  - name: p_total\n    help: h\n"
	      "    probe: [tracepoint:syscalls:sys_enter_write, tracepoint:sched:sched_switch]\n"
	      "    aggregate: count\n    labels: [probe, pid]\n");
	assert_int_equal(b.ret, 0);
	assert_int_equal(b.plan->metrics[0].nprobes, 2);
	assert_int_equal(b.plan->metrics[0].bcfg.nprobes, 2);
	assert_string_equal(b.plan->metrics[0].probes[1].category, "sched");
	assert_string_equal(b.plan->metrics[0].probes[1].event, "sched_switch");
	done(&b);
}

static void test_error_messages(void **state)
{
	char want[512];

	(void)state;
	snprintf(
		want, sizeof(want),
		"plan: t.yaml:4:12: metrics[0] (x_total): probe: tracepoint sched:nope does not exist (no %s/events/sched/nope)",
		root);
	expect_error("metrics:\n  - name: x_total\n    help: h\n"
		     "    probe: tracepoint:sched:nope\n    aggregate: count\n",
		     want);
	expect_error(
		"metrics:\n  - name: x_bytes\n    help: h\n"
		"    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n"
		"    value: args.size\n",
		"plan: t.yaml:6:12: metrics[0] (x_bytes): value: tracepoint:syscalls:sys_enter_write has no field \"size\"; its fields are: __syscall_nr, fd, buf, count");
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: tracepoint:sched:sched_switch\n    aggregate: count\n"
		"    labels: [{name: c, source: args.prev_comm}]\n",
		"plan: t.yaml:6:32: metrics[0] (x_total): labels[0]: args.prev_comm of tracepoint:sched:sched_switch is \"char\" (16 bytes), not an integer; use str(args.prev_comm) for a string");
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: [tracepoint:sched:sched_switch, tracepoint:sched:sched_process_exec]\n"
		"    aggregate: count\n    labels: [{name: p, source: args.prev_pid}]\n",
		"plan: t.yaml:6:32: metrics[0] (x_total): labels[0]: tracepoint:sched:sched_process_exec has no field \"prev_pid\"; its fields are: filename, pid, old_pid");
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: count\n"
		"    filter: [\"args.count > -1\"]\n",
		"plan: t.yaml:6:14: metrics[0] (x_total): filter[0]: args.FIELD is unsigned; a negative literal would compare as a huge number");
}

static void test_strings_and_latency(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n"
		  "  - name: s_total\n    help: h\n"
		  "    probe: tracepoint:sched:sched_switch\n    aggregate: count\n"
		  "    labels:\n      - {name: prev, source: str(args.prev_comm), size: 12}\n"
		  "    filter: ['str(args.next_comm) == \"swapper/0\"']\n"
		  "  - name: e_total\n    help: h\n"
		  "    probe: tracepoint:sched:sched_process_exec\n    aggregate: count\n"
		  "    labels: [{name: file, source: str(args.filename)}]\n"
		  "  - name: w_total\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: count\n"
		  "    labels: [{name: buf, source: str(args.buf), size: 64}]\n"
		  "  - name: l_seconds\n    help: h\n"
		  "    probe: tracepoint:syscalls:sys_enter_write\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    aggregate: hist\n    value: latency\n    unit: seconds\n"
		  "    labels: [{name: fd, source: args.fd}]\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	/* a 12-byte label keeps 16 bytes of key: whole words, NUL-padded */
	assert_int_equal(pm->bcfg.labels[0].src.str_mode, BPFPROM_STR_ARRAY);
	assert_int_equal(pm->bcfg.labels[0].src.size, 16);
	assert_int_equal(pm->bcfg.labels[0].src.field_size, 16);
	assert_int_equal(pm->bcfg.labels[0].src.off[0], 8);
	assert_int_equal(pm->bcfg.key_size, 16);
	assert_true(pm->desc.labels[0].is_str);
	/* "swapper/0" and its NUL: 10 bytes, compared as 2 words */
	assert_int_equal(pm->bcfg.filters[0].str_words, 2);
	assert_int_equal(pm->bcfg.filters[0].src.off[0], 40);
	assert_memory_equal(pm->bcfg.filters[0].str, "swapper/0\0\0\0\0\0\0", 16);
	assert_int_equal(b.plan->metrics[1].bcfg.labels[0].src.str_mode, BPFPROM_STR_DATA_LOC);
	assert_int_equal(b.plan->metrics[1].bcfg.labels[0].src.size, 32);
	/* a syscall's char pointer points into the caller */
	assert_int_equal(b.plan->metrics[2].bcfg.labels[0].src.str_mode, BPFPROM_STR_USER_PTR);
	assert_int_equal(b.plan->metrics[2].bcfg.key_size, 64);
	pm = &b.plan->metrics[3];
	assert_int_equal(pm->bcfg.latency, 1);
	assert_int_equal(pm->nprobes, 2);
	assert_int_equal(pm->probes[0].cookie, 0);
	assert_int_equal(pm->probes[1].cookie, BPFPROM_COOKIE_END);
	assert_string_equal(pm->probes[1].event, "sched_switch");
	assert_int_equal(pm->starts_max, PLAN_STARTS_MAX);
	/* latency buckets in seconds: 2^k / 1e9 exactly */
	assert_true(pm->bounds[11] == 1024e-9);
	assert_true(pm->desc.scale == 1e-9);
	done(&b);
}

/* match: each end's sources resolved against its own probe's format. */
static void test_match(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n"
		  "  - name: m_seconds\n    help: h\n"
		  "    probe: tracepoint:sched:sched_process_exec\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    match: {probe: [args.pid, tid], until: [args.next_pid, tid]}\n"
		  "    aggregate: hist\n    value: latency\n"
		  "  - name: t_seconds\n    help: h\n"
		  "    probe: tracepoint:sched:sched_process_exec\n"
		  "    until: tracepoint:sched:sched_switch\n"
		  "    aggregate: hist\n    value: latency\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->bcfg.nmatch, 2);
	assert_int_equal(pm->bcfg.match[0].kind, BPFPROM_SRC_FIELD);
	assert_int_equal(pm->bcfg.match[0].off[0], 12);
	assert_int_equal(pm->bcfg.match[0].size, 4);
	assert_int_equal(pm->bcfg.match[0].is_signed, 1);
	assert_int_equal(pm->bcfg.match_end[0].kind, BPFPROM_SRC_FIELD);
	assert_int_equal(pm->bcfg.match_end[0].off[0], 56);
	assert_int_equal(pm->bcfg.match_end[0].size, 4);
	assert_int_equal(pm->bcfg.match[1].kind, BPFPROM_SRC_TID);
	assert_int_equal(pm->bcfg.match_end[1].kind, BPFPROM_SRC_TID);
	assert_int_equal(pm->bcfg.latency, 1);
	/* without match: starts keyed by the thread */
	assert_int_equal(b.plan->metrics[1].bcfg.nmatch, 0);
	done(&b);
	expect_error(
		"metrics:\n  - name: x_seconds\n    help: h\n"
		"    probe: tracepoint:sched:sched_process_exec\n"
		"    until: tracepoint:sched:sched_switch\n"
		"    match: args.pid\n"
		"    aggregate: hist\n    value: latency\n",
		"plan: t.yaml:6:12: metrics[0] (x_seconds): match.until: tracepoint:sched:sched_switch has no field \"pid\"; its fields are: prev_comm, prev_pid, prev_state, next_comm, next_pid");
	expect_error(
		"metrics:\n  - name: x_seconds\n    help: h\n"
		"    probe: tracepoint:sched:sched_switch\n"
		"    until: tracepoint:sched:sched_process_exec\n"
		"    match: {probe: args.next_pid, until: args.next_pid}\n"
		"    aggregate: hist\n    value: latency\n",
		"plan: t.yaml:6:42: metrics[0] (x_seconds): match.until: tracepoint:sched:sched_process_exec has no field \"next_pid\"; its fields are: filename, pid, old_pid");
	expect_error(
		"metrics:\n  - name: x_seconds\n    help: h\n"
		"    probe: tracepoint:sched:sched_switch\n"
		"    until: tracepoint:sched:sched_switch\n"
		"    match: args.prev_comm\n"
		"    aggregate: hist\n    value: latency\n",
		"plan: t.yaml:6:12: metrics[0] (x_seconds): match: args.prev_comm of tracepoint:sched:sched_switch is \"char\" (16 bytes), not an integer; use str(args.prev_comm) for a string");
}

/* until on one of the start probes: one attachment in both roles (the
 * kernel refuses a program twice on one event: EEXIST at attach) */
static void test_until_same_probe(void **state)
{
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b,
	      "metrics:\n"
	      "  - name: g_seconds\n    help: h\n"
	      "    probe: tracepoint:sched:sched_switch\n"
	      "    until: tracepoint:sched:sched_switch\n"
	      "    match: {probe: args.next_pid, until: args.prev_pid}\n"
	      "    aggregate: hist\n    value: latency\n"
	      "  - name: h_seconds\n    help: h\n"
	      "    probe: [tracepoint:sched:sched_process_exec, tracepoint:sched:sched_switch]\n"
	      "    until: tracepoint:sched:sched_switch\n"
	      "    aggregate: stats\n    value: latency\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->nprobes, 1);
	assert_int_equal(pm->probes[0].cookie, BPFPROM_COOKIE_BOTH);
	/* each role reads its own side at its own index: until's is 0 */
	assert_int_equal(pm->bcfg.match[0].off[0], 56);
	assert_int_equal(pm->bcfg.match_end[0].off[0], 24);
	pm = &b.plan->metrics[1];
	assert_int_equal(pm->nprobes, 2);
	assert_int_equal(pm->probes[0].cookie, 0);
	assert_int_equal(pm->probes[1].cookie, 1 | BPFPROM_COOKIE_BOTH);
	done(&b);
}

static void test_uprobe_latency(void **state)
{
	char yaml[512];
	struct built b;
	const struct plan_metric *pm;

	(void)state;
	build(&b, "metrics:\n  - name: m_seconds\n    help: h\n"
		  "    probe: uprobe:/proc/self/exe:main\n    aggregate: stats\n"
		  "    value: latency\n");
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	/* the return probe is implied: same function, END role */
	assert_int_equal(pm->nprobes, 2);
	assert_int_equal(pm->probes[0].kind, CFG_PROBE_UPROBE);
	assert_int_equal(pm->probes[1].kind, CFG_PROBE_URETPROBE);
	assert_int_equal(pm->probes[1].cookie, BPFPROM_COOKIE_END);
	assert_string_equal(pm->probes[0].path, pm->probes[1].path);
	assert_true(pm->probes[0].offset > 0);
	assert_int_equal(pm->probes[0].offset, pm->probes[1].offset);
	done(&b);
	expect_error("metrics:\n  - name: x_total\n    help: h\n"
		     "    probe: uprobe:/proc/self/exe:no_such_fn\n    aggregate: count\n",
		     NULL);
	/* +OFF moves the entry, never the return */
	/* pid: a process that exists, in this mount namespace: this one */
	snprintf(yaml, sizeof(yaml),
		 "metrics:\n  - name: m_seconds\n    help: h\n"
		 "    probe: uprobe:/proc/self/exe:main+4\n    aggregate: stats\n"
		 "    value: latency\n    pid: %d\n",
		 (int)getpid());
	build(&b, yaml);
	assert_int_equal(b.ret, 0);
	pm = &b.plan->metrics[0];
	assert_int_equal(pm->probes[0].offset, pm->probes[1].offset + 4);
	assert_int_equal(pm->probes[0].pid, getpid());
	assert_int_equal(pm->probes[1].pid, getpid());
	assert_true(pm->probes[1].implied);
	done(&b);
}

/* A kernel: PMU type (-1 none), kprobe_events, fentry, forced mechanism. */
static void kernel(int pmu, bool legacy, bool fentry, enum plan_mech force)
{
	kern.kprobes.pmu_type = pmu;
	kern.kprobes.legacy = legacy;
	kern.fentry = fentry;
	kern.force = force;
}

static enum plan_mech mech_of(const char *probe)
{
	char yaml[256];
	struct built b;
	enum plan_mech m;

	snprintf(yaml, sizeof(yaml),
		 "metrics:\n  - name: x_total\n    help: h\n    probe: %s\n    aggregate: count\n",
		 probe);
	build(&b, yaml);
	if (b.ret)
		fail_msg("%s: %s", probe, b.err);
	m = b.plan->metrics[0].probes[0].mech;
	done(&b);
	return m;
}

#define KP_YAML(probe) \
	"metrics:\n  - name: x_total\n    help: h\n    probe: " probe "\n    aggregate: count\n"
#define KP_ERR "plan: t.yaml:4:12: metrics[0] (x_total): probe: "

/* The mechanism of the metric's probe i. */
static enum plan_mech up_mech_of(const char *yaml, size_t i)
{
	struct built b;
	enum plan_mech m;

	build(&b, yaml);
	if (b.ret)
		fail_msg("%s", b.err);
	assert_true(i < b.plan->metrics[0].nprobes);
	m = b.plan->metrics[0].probes[i].mech;
	done(&b);
	return m;
}

static void test_kprobe_mechanism(void **state)
{
	struct built b;
	const struct plan_probe *pp;

	(void)state;
	kernel(-1, false, false, PLAN_MECH_AUTO);
	expect_error(
		KP_YAML("kprobe:vfs_read"), KP_ERR
		"kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is not set) and fentry is not available");
	expect_error(
		KP_YAML("kretprobe:vfs_read"), KP_ERR
		"kretprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is not set) and fentry is not available");

	/* PMU first, then tracefs; no BTF here, so never fentry */
	kernel(6, true, false, PLAN_MECH_AUTO);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_KPROBE);
	kernel(-1, true, false, PLAN_MECH_AUTO);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_LEGACY);
	assert_int_equal(mech_of("kr:mod_fn"), PLAN_MECH_LEGACY);
	kernel(6, true, false, PLAN_MECH_LEGACY);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_LEGACY);
	kernel(6, false, false, PLAN_MECH_KPROBE);
	assert_int_equal(mech_of("kprobe:vfs_read+16"), PLAN_MECH_KPROBE);

	/* forcing what the kernel lacks names it */
	kernel(-1, true, false, PLAN_MECH_KPROBE);
	expect_error(
		KP_YAML("kprobe:vfs_read"), KP_ERR
		"kprobe:vfs_read: --probe.mechanism=kprobe, but this kernel has no kprobe PMU (/sys/bus/event_source/devices/kprobe); use --probe.mechanism=legacy");
	kernel(6, false, false, PLAN_MECH_LEGACY);
	build(&b, KP_YAML("kprobe:vfs_read"));
	assert_int_equal(b.ret, -EINVAL);
	assert_true(
		strstr(b.err,
		       "kprobe:vfs_read: --probe.mechanism=legacy, but tracefs has no kprobe_events (") !=
		NULL);
	done(&b);
	kernel(6, true, false, PLAN_MECH_FENTRY);
	expect_error(
		KP_YAML("kprobe:vfs_read"), KP_ERR
		"kprobe:vfs_read: --probe.mechanism=fentry, but fentry is not available on this kernel (no BTF, or trampolines refused; details with --log.level=debug)");
	/* no kprobes at all: the message names the mechanism the user forced */
	kernel(-1, false, false, PLAN_MECH_LEGACY);
	expect_error(
		KP_YAML("kprobe:vfs_read"), KP_ERR
		"kprobe:vfs_read: --probe.mechanism=legacy, but this kernel has no kprobes (CONFIG_KPROBES is not set); use --probe.mechanism=auto or fentry");
	kernel(-1, false, false, PLAN_MECH_KPROBE);
	expect_error(
		KP_YAML("kprobe:vfs_read"), KP_ERR
		"kprobe:vfs_read: --probe.mechanism=kprobe, but this kernel has no kprobes (CONFIG_KPROBES is not set); use --probe.mechanism=auto or fentry");

	/* functions come from kallsyms: text symbols only, modules included */
	kernel(6, true, false, PLAN_MECH_AUTO);
	build(&b, KP_YAML("kprobe:vfs_data"));
	assert_int_equal(b.ret, -EINVAL);
	assert_true(strstr(b.err, "kprobe:vfs_data: no function \"vfs_data\" in this kernel (") !=
		    NULL);
	done(&b);
	build(&b, KP_YAML("kprobe:vfs_reed"));
	assert_true(strstr(b.err, "/kallsyms); did you mean \"vfs_read\"?") != NULL);
	done(&b);
	build(&b, KP_YAML("kprobe:zzzzzzzzzzzzz"));
	assert_true(strstr(b.err, "zzzzzzzzzzzzz\" in this kernel (") != NULL);
	assert_null(strstr(b.err, "did you mean"));
	done(&b);

	/* a function ends where the next text symbol starts (vfs_read: 0x100 bytes) */
	assert_int_equal(mech_of("kprobe:vfs_read+255"), PLAN_MECH_KPROBE);
	expect_error(KP_YAML("kprobe:vfs_read+256"), KP_ERR
		     "kprobe:vfs_read+256: the offset is past the end of vfs_read (256 bytes)");
	/* the last symbol's size is unknown: the kernel decides */
	assert_int_equal(mech_of("kprobe:mod_fn+100000"), PLAN_MECH_KPROBE);

	/* value: latency implies the kretprobe, at the function, same mechanism */
	build(&b, "metrics:\n  - name: m_seconds\n    help: h\n"
		  "    probe: kprobe:vfs_read+16\n    aggregate: hist\n    value: latency\n"
		  "    labels: [{name: path, source: str(arg0)}]\n");
	assert_int_equal(b.ret, 0);
	assert_int_equal(b.plan->metrics[0].nprobes, 2);
	pp = b.plan->metrics[0].probes;
	assert_int_equal(pp[0].kind, CFG_PROBE_KPROBE);
	assert_int_equal(pp[0].offset, 16);
	assert_string_equal(pp[0].func, "vfs_read");
	assert_int_equal(pp[1].kind, CFG_PROBE_KRETPROBE);
	assert_int_equal(pp[1].mech, PLAN_MECH_KPROBE);
	assert_int_equal(pp[1].offset, 0);
	assert_int_equal(pp[1].cookie, BPFPROM_COOKIE_END);
	assert_true(pp[1].implied);
	/* a kprobe's pointers point into the kernel */
	assert_int_equal(b.plan->metrics[0].bcfg.labels[0].src.str_mode, BPFPROM_STR_KERNEL_PTR);
	done(&b);
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: [kprobe:vfs_read, uprobe:/proc/self/exe:main]\n    aggregate: count\n"
		"    labels: [{name: s, source: str(arg1)}]\n",
		"plan: t.yaml:6:32: metrics[0] (x_total): labels[0]: str(arg1) reads kernel memory for kprobe:vfs_read but user memory for uprobe:/proc/self/exe:main; put them in two metrics");
	kernel(-1, false, false, PLAN_MECH_AUTO);
}

/* fentry where the function is in BTF; this machine's BTF stands in for a kernel's */
/* uprobes: the PMU, else uprobe_events; legacy when forced; an error without either */
static void test_uprobe_mechanism(void **state)
{
	const char *up = KP_YAML("uprobe:/proc/self/exe:main");
	char want[1024];

	(void)state;
	kern.force = PLAN_MECH_AUTO;
	assert_int_equal(up_mech_of(up, 0), PLAN_MECH_UPROBE);
	/* the other forced mechanisms are for kernel probes */
	kern.force = PLAN_MECH_KPROBE;
	assert_int_equal(up_mech_of(up, 0), PLAN_MECH_UPROBE);
	kern.force = PLAN_MECH_LEGACY;
	assert_int_equal(up_mech_of(up, 0), PLAN_MECH_LEGACY);
	/* a latency's implied return goes the same way */
	assert_int_equal(up_mech_of("metrics:\n  - name: x_seconds\n    help: h\n"
				    "    probe: uprobe:/proc/self/exe:main\n    aggregate: stats\n"
				    "    value: latency\n",
				    1),
			 PLAN_MECH_LEGACY);
	kern.force = PLAN_MECH_AUTO;
	kern.uprobe_no_pmu = true;
	assert_int_equal(up_mech_of(KP_YAML("uretprobe:/proc/self/exe:main"), 0), PLAN_MECH_LEGACY);
	kern.uprobe_no_events = true;
	snprintf(
		want, sizeof(want),
		KP_ERR
		"uprobe:/proc/self/exe:main: this kernel has no uprobes: no uprobe PMU (/sys/bus/event_source/devices/uprobe) and no %s/uprobe_events (CONFIG_UPROBE_EVENTS is not set)",
		root);
	expect_error(up, want);
	kern.uprobe_no_pmu = false;
	kern.force = PLAN_MECH_LEGACY;
	snprintf(
		want, sizeof(want),
		KP_ERR
		"uprobe:/proc/self/exe:main: --probe.mechanism=legacy, but tracefs has no uprobe_events (%s/uprobe_events); use --probe.mechanism=auto",
		root);
	expect_error(up, want);
	kern.uprobe_no_events = false;
	kern.force = PLAN_MECH_AUTO;
}

static void test_fentry_mechanism(void **state)
{
	struct btf *btf = btf__load_vmlinux_btf();

	(void)state;
	if (!btf) {
		print_message("skip: this kernel has no vmlinux BTF (/sys/kernel/btf/vmlinux)\n");
		skip();
	}
	kern.btf = btf;
	kernel(6, true, true, PLAN_MECH_AUTO);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_FENTRY);
	assert_int_equal(mech_of("kretprobe:vfs_write"), PLAN_MECH_FENTRY);
	/* an offset is not an entry: the kprobe PMU takes it */
	assert_int_equal(mech_of("kprobe:vfs_read+4"), PLAN_MECH_KPROBE);
	/* in kallsyms but not in BTF (our fake module function) */
	assert_int_equal(mech_of("kprobe:mod_fn"), PLAN_MECH_KPROBE);
	kernel(6, true, true, PLAN_MECH_KPROBE);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_KPROBE);
	kernel(6, true, true, PLAN_MECH_FENTRY);
	expect_error(
		KP_YAML("kprobe:vfs_read+4"), KP_ERR
		"kprobe:vfs_read+4: fentry attaches at a function's entry only; +OFFSET needs --probe.mechanism=kprobe or legacy");
	expect_error(
		KP_YAML("kprobe:mod_fn"), KP_ERR
		"kprobe:mod_fn: \"mod_fn\" is not in the kernel's BTF, so fentry cannot attach to it; use --probe.mechanism=auto or kprobe");
	kernel(-1, false, true, PLAN_MECH_AUTO);
	assert_int_equal(mech_of("kprobe:vfs_read"), PLAN_MECH_FENTRY);
	expect_error(
		KP_YAML("kprobe:vfs_read+4"), KP_ERR
		"kprobe:vfs_read+4: this kernel has no kprobes (CONFIG_KPROBES is not set), and fentry cannot attach at an offset");
	expect_error(
		KP_YAML("kprobe:mod_fn"), KP_ERR
		"kprobe:mod_fn: \"mod_fn\" is not in the kernel's BTF, so fentry cannot attach to it; and this kernel has no kprobes (CONFIG_KPROBES is not set)");
	kern.btf = NULL;
	btf__free(btf);
	kernel(-1, false, false, PLAN_MECH_AUTO);
}

/*
 * tcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
 * unsigned int optlen), and functions around it: a 16-byte struct passed by
 * value takes two registers, so optlen is in the sixth.
 */
static struct btf *arg_place_btf(void)
{
	struct btf *btf = btf__new_empty();
	int t_int, t_uint, t_bool, t_ptr, t_sockptr, t_big, proto;

	t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	t_uint = btf__add_int(btf, "unsigned int", 4, 0);
	t_bool = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	btf__add_struct(btf, "sock", 8);
	t_ptr = btf__add_ptr(btf, t_bool + 1);
	t_sockptr = btf__add_struct(btf, NULL, 16);
	btf__add_field(btf, "kernel", t_ptr, 0, 0);
	btf__add_field(btf, "is_kernel", t_bool, 64, 0);
	t_sockptr = btf__add_typedef(btf, "sockptr_t", t_sockptr);
	t_big = btf__add_struct(btf, "big", 24);
	btf__add_field(btf, "a", t_int, 0, 0);

	proto = btf__add_func_proto(btf, t_int);
	btf__add_func_param(btf, "sk", t_ptr);
	btf__add_func_param(btf, "level", t_int);
	btf__add_func_param(btf, "optname", t_int);
	btf__add_func_param(btf, "optval", t_sockptr);
	btf__add_func_param(btf, "optlen", t_uint);
	btf__add_func(btf, "tcp_setsockopt", BTF_FUNC_GLOBAL, proto);
	proto = btf__add_func_proto(btf, t_int);
	for (int i = 0; i < 4; i++)
		btf__add_func_param(btf, "i", t_int);
	btf__add_func_param(btf, "v", t_sockptr);
	btf__add_func_param(btf, "last", t_int);
	btf__add_func(btf, "late_fn", BTF_FUNC_GLOBAL, proto);
	proto = btf__add_func_proto(btf, t_int);
	btf__add_func_param(btf, "b", t_big);
	btf__add_func_param(btf, "x", t_int);
	btf__add_func(btf, "big_fn", BTF_FUNC_GLOBAL, proto);
	proto = btf__add_func_proto(btf, t_int);
	for (int i = 0; i < 5; i++)
		btf__add_func_param(btf, "i", t_int);
	btf__add_func(btf, "plain_fn", BTF_FUNC_GLOBAL, proto);
	/* wide_fn(__int128 w, int x): two registers too */
	proto = btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED);
	proto = btf__add_func_proto(btf, t_int);
	btf__add_func_param(btf, "w", proto - 1);
	btf__add_func_param(btf, "x", t_int);
	btf__add_func(btf, "wide_fn", BTF_FUNC_GLOBAL, proto);
	return btf;
}

#define PLACE_YAML(probe, source)                                                                \
	"metrics:\n  - name: x_total\n    help: h\n    probe: " probe "\n    aggregate: count\n" \
	"    labels:\n      - {name: l, source: " source "}\n"
#define PLACE_ERR "plan: t.yaml:7:27: metrics[0] (x_total): labels[0]: "

/* The place the program reads a label's argument from. */
static uint32_t place_of(const char *yaml)
{
	struct built b;
	uint32_t argn;

	build(&b, yaml);
	if (b.ret)
		fail_msg("%s", b.err);
	argn = b.plan->metrics[0].bcfg.labels[0].src.argn;
	done(&b);
	return argn;
}

static void test_kernel_arg_place(void **state)
{
	struct btf *btf = arg_place_btf();

	char path[PATH_MAX];
	FILE *f;

	(void)state;
	/* what a wildcard is expanded from: a tracefs with kprobe_events */
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("tcp_setsockopt\nlate_fn\nbig_fn\nplain_fn\nwide_fn\n", f);
	fclose(f);
	kern.btf = btf;
	for (int fentry = 0; fentry < 2; fentry++) {
		/* the same places whether kprobes or trampolines read them */
		kernel(6, true, fentry, PLAN_MECH_AUTO);
		assert_int_equal(place_of(PLACE_YAML("kprobe:tcp_setsockopt", "arg2")), 2);
		assert_int_equal(place_of(PLACE_YAML("kprobe:tcp_setsockopt", "arg4")), 5);
		assert_int_equal(place_of(PLACE_YAML("kprobe:tcp_setsockopt", "str(arg4)")), 5);
		assert_int_equal(place_of(PLACE_YAML("kprobe:plain_fn", "arg4")), 4);
		/* a wildcard's functions, each */
		assert_int_equal(place_of(PLACE_YAML("kprobe:tcp_set*", "arg4")), 5);
		assert_int_equal(place_of(PLACE_YAML("kprobe:late_fn", "arg3")), 3);
		assert_int_equal(place_of(PLACE_YAML("kprobe:wide_fn", "arg1")), 2);
		/* a function without BTF: the register of its number */
		assert_int_equal(place_of(PLACE_YAML("kprobe:vfs_read", "arg4")), 4);
		/* an expression's operands: their places, loaded by the
		 * generated code from pt_regs or from the trampoline's slots */
		{
			struct built b;
			const struct bpfprom_expr *e;

			build(&b, PLACE_YAML("kprobe:tcp_setsockopt", "arg4 * 10 + arg1"));
			assert_int_equal(b.ret, 0);
			e = &b.plan->metrics[0].bcfg.exprs[0];
			assert_int_equal(e->src[0].argn, 5);
			assert_int_equal(e->src[1].argn, 1);
			assert_int_equal(b.plan->metrics[0].probes[0].mech,
					 fentry ? PLAN_MECH_FENTRY : PLAN_MECH_KPROBE);
			assert_int_equal(e->direct, 1);
#if defined(__x86_64__)
			assert_int_equal(e->src[0].off[0],
					 fentry ? 40 : offsetof(struct user_regs_struct, r9));
			assert_int_equal(e->src[1].off[0],
					 fentry ? 8 : offsetof(struct user_regs_struct, rsi));
#endif
			done(&b);
			/* sk, a pointer: a trampoline's ctx types it (not a number) */
			build(&b, PLACE_YAML("kprobe:tcp_setsockopt", "arg0 + arg1"));
			assert_int_equal(b.ret, 0);
			e = &b.plan->metrics[0].bcfg.exprs[0];
			assert_int_equal(e->direct, !fentry);
			done(&b);
		}
	}
	expect_error(
		PLACE_YAML("kprobe:tcp_setsockopt", "arg3"), PLACE_ERR
		"arg3: tcp_setsockopt passes it as a 16-byte struct by value, in two registers: no one number holds it, and bpfprom does not read its members");
	expect_error(
		PLACE_YAML("kprobe:late_fn", "arg5"), PLACE_ERR
		"arg5: a struct passed by value before arg5 of late_fn takes two registers, which puts arg5 past the six that kprobes and trampolines read here");
	expect_error(
		PLACE_YAML("kprobe:big_fn", "arg1"), PLACE_ERR
		"arg1: big_fn passes a 24-byte struct by value as arg0, and where the arguments after it are depends on the architecture");
	expect_error(
		PLACE_YAML("kprobe:wide_fn", "arg0"), PLACE_ERR
		"arg0: wide_fn passes it as a 16-byte integer by value, in two registers: no one number holds it");
	expect_error(
		PLACE_YAML("kprobe:big_fn", "arg0"), PLACE_ERR
		"arg0: big_fn passes it as a 24-byte struct by value: no one number holds it, and bpfprom does not read its members");
	expect_error(
		PLACE_YAML("kprobe:*_fn", "arg1"), PLACE_ERR
		"arg1: big_fn passes a 24-byte struct by value as arg0, and where the arguments after it are depends on the architecture");
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: [kprobe:plain_fn, kprobe:tcp_setsockopt]\n    aggregate: count\n"
		"    labels:\n      - {name: l, source: arg4}\n",
		PLACE_ERR
		"arg4: arg4 is in the 5th register of plain_fn but the 6th of tcp_setsockopt (a struct passed by value before it takes two); one metric needs one layout");
	/* a uprobe's argN is register N */
	expect_error(
		"metrics:\n  - name: x_total\n    help: h\n"
		"    probe: [kprobe:tcp_setsockopt, uprobe:/proc/self/exe:main]\n    aggregate: count\n"
		"    labels:\n      - {name: l, source: arg4}\n",
		PLACE_ERR
		"arg4: arg4 is in the 6th register of tcp_setsockopt but the 5th of uprobe:/proc/self/exe:main (a struct passed by value before it takes two); one metric needs one layout");
	kern.btf = NULL;
	btf__free(btf);
	kernel(-1, false, false, PLAN_MECH_AUTO);
	unlink(path);
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	unlink(path);
}

static void test_combine_stats(void **state)
{
	/* 3 CPUs: the middle one saw nothing, its zero min must not count */
	const uint64_t percpu[3 * 4] = { 2, 30, 10, 20, 0, 0, 0, 0, 1, 7, 7, 7 };
	const uint64_t neg[2 * 4] = { 1, (uint64_t)-5, (uint64_t)-5, (uint64_t)-5, 1, 3, 3, 3 };
	const uint64_t hist[2 * 4] = { 0, 5, 1, 2, 0, 6, 3, 4 };
	uint64_t out[4];

	(void)state;
	collect__combine(BPFPROM_AGG_STATS, false, percpu, 3, 4, out);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 37);
	assert_int_equal(out[2], 7);
	assert_int_equal(out[3], 20);
	collect__combine(BPFPROM_AGG_STATS, true, neg, 2, 4, out);
	assert_int_equal((int64_t)out[2], -5);
	assert_int_equal((int64_t)out[3], 3);
	assert_int_equal((int64_t)out[1], -2);
	collect__combine(BPFPROM_AGG_HIST, false, hist, 2, 4, out);
	assert_int_equal(out[1], 11);
	assert_int_equal(out[2], 4);
	assert_int_equal(out[3], 6);
}

/* The plan's groups as "[0 1 3] [2]": metric indexes, each at its slot. */
static void groups_of(const struct plan *plan, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t g = 0; g < plan->ngroups; g++) {
		const struct plan_group *pg = &plan->groups[g];

		off += (size_t)snprintf(buf + off, len - off, "%s[", g ? " " : "");
		for (size_t i = 0; i < pg->n; i++) {
			const struct plan_metric *pm = &plan->metrics[pg->metrics[i]];

			/* the metric knows its place too */
			assert_int_equal(pm->group, g);
			assert_int_equal(pm->slot, i);
			off += (size_t)snprintf(buf + off, len - off, "%s%zu", i ? " " : "",
						pg->metrics[i]);
		}
		off += (size_t)snprintf(buf + off, len - off, "]");
	}
}

static void expect_groups(const char *yaml, const char *want)
{
	char got[256];
	struct built b;

	build(&b, yaml);
	if (b.ret)
		fail_msg("%s", b.err);
	groups_of(b.plan, got, sizeof(got));
	assert_string_equal(got, want);
	done(&b);
}

/* the same attachments fuse whatever the aggregate, labels or filters; a
 * probe list fuses with the same list in the same order, a latency with the
 * same start and end */
static const char fuse_tp_yaml[] =
	"metrics:\n"
	"  - {name: m0_total, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     aggregate: count, labels: [comm]}\n"
	"  - {name: m1_bytes, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     aggregate: hist, value: args.count, filter: ['args.fd == 1']}\n"
	"  - {name: m2_total, help: h, probe: 'tracepoint:sched:sched_switch', aggregate: count}\n"
	"  - {name: m3_bytes, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     aggregate: stats, value: args.count}\n"
	"  - {name: m4_total, help: h, aggregate: count,\n"
	"     probe: ['tracepoint:syscalls:sys_enter_write', 'tracepoint:sched:sched_switch']}\n"
	"  - {name: m5_total, help: h, aggregate: count, labels: [probe],\n"
	"     probe: ['tracepoint:syscalls:sys_enter_write', 'tracepoint:sched:sched_switch']}\n"
	"  - {name: m6_total, help: h, aggregate: count,\n"
	"     probe: ['tracepoint:sched:sched_switch', 'tracepoint:syscalls:sys_enter_write']}\n"
	"  - {name: m7_seconds, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     until: 'tracepoint:sched:sched_switch', aggregate: hist, value: latency}\n"
	"  - {name: m8_seconds, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     until: 'tracepoint:sched:sched_switch', aggregate: stats, value: latency}\n"
	"  - {name: m9_seconds, help: h, probe: 'tracepoint:syscalls:sys_enter_write',\n"
	"     until: 'tracepoint:sched:sched_process_exec', aggregate: stats, value: latency}\n";

/* uprobes: the same binary, offset and pid (%1$d: a process that exists, this one) */
static const char fuse_up_yaml[] =
	"metrics:\n"
	"  - {name: m0_total, help: h, probe: 'uprobe:/proc/self/exe:main', aggregate: count}\n"
	"  - {name: m1_total, help: h, probe: 'uprobe:/proc/self/exe:main', aggregate: sum,\n"
	"     value: arg0}\n"
	"  - {name: m2_total, help: h, probe: 'uprobe:/proc/self/exe:main', aggregate: count,\n"
	"     pid: %1$d}\n"
	"  - {name: m3_total, help: h, probe: 'uprobe:/proc/self/exe:main+4', aggregate: count}\n"
	"  - {name: m4_total, help: h, probe: 'uretprobe:/proc/self/exe:main', aggregate: count}\n"
	"  - {name: m5_total, help: h, probe: 'uprobe:/proc/self/exe:main', aggregate: count,\n"
	"     pid: %1$d}\n";

/* kernel probes: the same function, offset, role and mechanism */
static const char fuse_kp_yaml[] =
	"metrics:\n"
	"  - {name: m0_total, help: h, probe: 'kprobe:vfs_read', aggregate: count}\n"
	"  - {name: m1_total, help: h, probe: 'kprobe:vfs_read+16', aggregate: count}\n"
	"  - {name: m2_total, help: h, probe: 'kretprobe:vfs_read', aggregate: count}\n"
	"  - {name: m3_total, help: h, probe: 'kprobe:vfs_read', aggregate: sum, value: arg2}\n"
	"  - {name: m4_total, help: h, probe: 'kprobe:vfs_write', aggregate: count}\n";

static void test_fuse_groups(void **state)
{
	char yaml[4096];
	size_t off;

	(void)state;
	kernel(-1, false, false, PLAN_MECH_AUTO);
	expect_groups(fuse_tp_yaml, "[0 1 3] [2] [4 5] [6] [7 8] [9]");

	/* at most BPFPROM_MAX_FUSED (8) metrics per program */
	off = (size_t)snprintf(yaml, sizeof(yaml), "metrics:\n");
	for (int i = 0; i < 10; i++)
		off += (size_t)snprintf(
			yaml + off, sizeof(yaml) - off,
			"  - {name: m%d_total, help: h, probe: 'tracepoint:sched:sched_switch', aggregate: count}\n",
			i);
	expect_groups(yaml, "[0 1 2 3 4 5 6 7] [8 9]");
	/* --bpf.fuse=false: a program per metric */
	kern.unfused = true;
	expect_groups(yaml, "[0] [1] [2] [3] [4] [5] [6] [7] [8] [9]");
	expect_groups(fuse_tp_yaml, "[0] [1] [2] [3] [4] [5] [6] [7] [8] [9]");
	kern.unfused = false;

	snprintf(yaml, sizeof(yaml), fuse_up_yaml, (int)getpid());
	expect_groups(yaml, "[0 1] [2 5] [3] [4]");
	/* the kprobe PMU, and tracefs kprobe_events when forced */
	kernel(6, true, false, PLAN_MECH_AUTO);
	expect_groups(fuse_kp_yaml, "[0 3] [1] [2] [4]");
	kernel(6, true, false, PLAN_MECH_LEGACY);
	expect_groups(fuse_kp_yaml, "[0 3] [1] [2] [4]");
	kernel(-1, false, false, PLAN_MECH_AUTO);
}

/* profile/software: a perf event spec per probe; aliases fuse with their events */
static void test_sample_probes(void **state)
{
	static const char yaml[] =
		"metrics:\n"
		"  - {name: a_total, help: h, probe: profile:hz:99, aggregate: count, labels: [cpu]}\n"
		"  - {name: b_total, help: h, probe: p:hz:99, aggregate: sum, value: period}\n"
		"  - {name: c_total, help: h, probe: profile:ms:10, aggregate: count}\n"
		"  - {name: d_total, help: h, probe: software:page-faults:1, aggregate: count}\n"
		"  - {name: e_total, help: h, probe: s:faults:1, aggregate: count}\n"
		"  - {name: f_total, help: h, probe: s:faults, aggregate: count}\n";
	const struct plan_probe *pp;
	struct built b;

	(void)state;
	kernel(-1, false, false, PLAN_MECH_AUTO);
	build(&b, yaml);
	assert_int_equal(b.ret, 0);
	pp = &b.plan->metrics[0].probes[0];
	assert_int_equal(pp->mech, PLAN_MECH_PERF_EVENT);
	assert_string_equal(plan__mech_name(pp->mech), "perf_event");
	assert_int_equal(pp->perf.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(pp->perf.config, PERF_COUNT_SW_CPU_CLOCK);
	assert_true(pp->perf.freq);
	assert_int_equal(pp->perf.period, 99);
	assert_int_equal(b.plan->metrics[1].bcfg.value.kind, BPFPROM_SRC_PERIOD);
	pp = &b.plan->metrics[2].probes[0];
	assert_false(pp->perf.freq);
	assert_int_equal(pp->perf.period, 10000000);
	pp = &b.plan->metrics[3].probes[0];
	assert_int_equal(pp->perf.config, PERF_COUNT_SW_PAGE_FAULTS);
	assert_int_equal(pp->perf.period, 1);
	assert_int_equal(b.plan->metrics[5].probes[0].perf.period, 100);
	done(&b);
	/* the same event and period share a program; another period does not */
	expect_groups(yaml, "[0 1] [2] [3 4] [5]");
	/* --probe.mechanism names no sampling mechanism */
	assert_int_equal(plan__mech_parse("perf_event", &(enum plan_mech){ 0 }), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_key_layout),
		cmocka_unit_test(test_hist_bounds),
		cmocka_unit_test(test_schema_bounds),
		cmocka_unit_test(test_schema_too_many),
		cmocka_unit_test(test_multi_probe),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_strings_and_latency),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_until_same_probe),
		cmocka_unit_test(test_uprobe_latency),
		cmocka_unit_test(test_lhist_wide_span),
		cmocka_unit_test(test_combine_stats),
		cmocka_unit_test(test_kprobe_mechanism),
		cmocka_unit_test(test_uprobe_mechanism),
		cmocka_unit_test(test_fentry_mechanism),
		cmocka_unit_test(test_kernel_arg_place),
		cmocka_unit_test(test_fuse_groups),
		cmocka_unit_test(test_sample_probes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
