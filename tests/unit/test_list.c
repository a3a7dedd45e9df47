// SPDX-License-Identifier: GPL-2.0
/*
 * list against a fake tracefs tree, fake available_filter_functions and
 * kallsyms files, and this test binary's own functions: the exact bytes
 * listed for each pattern, -v, and the exact message of every error.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/list.h"

static char root[64], ff[128], ksyms[128], nopmu[128], kpevents[128], pmusys[128];

/* functions of this binary for uprobe:/proc/self/exe:list_marker_* */
__attribute__((noinline, used)) void list_marker_alpha(void)
{
	__asm__ volatile("");
}

__attribute__((noinline, used)) void list_marker_beta(void)
{
	__asm__ volatile("");
}

#define COMMON                                                                         \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"         \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"         \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

static const char switch_fmt[] = "name: sched_switch\nID: 372\nformat:\n" COMMON
				 "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
				 "\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
				 "\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n\n"
				 "print fmt: \"prev_comm=%s\", REC->prev_comm\n";

static const char exec_fmt[] =
	"name: sched_process_exec\nID: 365\nformat:\n" COMMON
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"filename=%s\", __get_str(filename)\n";

static const char openat_fmt[] =
	"name: sys_enter_openat\nID: 700\nformat:\n" COMMON
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"filename: 0x%08lx\", REC->filename\n";

static const char getppid_fmt[] = "name: sys_enter_getppid\nID: 701\nformat:\n" COMMON
				  "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\n"
				  "print fmt: \"\"\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void put(const char *cat, const char *ev, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s", root, cat);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s/%s", root, cat, ev);
	mkdir(path, 0755);
	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, ev);
	write_file(path, text);
}

static void put_file(const char *rel, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	write_file(path, text);
}

static int setup(void **state)
{
	char path[512];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/bpfprom-list-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(ff, sizeof(ff), "%s/available_filter_functions", root);
	snprintf(ksyms, sizeof(ksyms), "%s/kallsyms", root);
	/* a sysfs without a kprobe PMU, and one with (its type file) */
	snprintf(nopmu, sizeof(nopmu), "%s/no-kprobe-pmu", root);
	snprintf(pmusys, sizeof(pmusys), "%s/sys", root);
	snprintf(
		path, sizeof(path),
		"mkdir -p %s/bus/event_source/devices/kprobe && echo 6 >%s/bus/event_source/devices/kprobe/type",
		pmusys, pmusys);
	if (system(path))
		return -1;
	snprintf(kpevents, sizeof(kpevents), "%s/kprobe_events", root);
	snprintf(path, sizeof(path), "%s/events", root);
	if (mkdir(path, 0755))
		return -1;
	put("sched", "sched_switch", switch_fmt);
	put("sched", "sched_process_exec", exec_fmt);
	put("syscalls", "sys_enter_openat", openat_fmt);
	put("syscalls", "sys_enter_getppid", getppid_fmt);
	put("syscalls", "sys_enter_getpid", getppid_fmt);
	/* ftrace's own records are not tracepoints */
	put("ftrace", "function", getppid_fmt);
	/* files beside the directories are not events */
	put_file("events/enable", "0\n");
	put_file("events/header_page", "");
	put_file("events/sched/enable", "0\n");
	put_file("events/sched/filter", "none\n");
	put_file("available_filter_functions", "vfs_read\n"
					       "vfs_write\n"
					       "e1000_xmit_frame [e1000]\n"
					       "schedule\n"
					       "vfs_read\n"
					       "split_fn.part.0\n");
	put_file("kallsyms", "ffffffff81000000 T _stext\n"
			     "ffffffff81000010 t __pfx_vfs_read\n"
			     "ffffffff81000020 T vfs_read\n"
			     "ffffffff81000030 D some_data\n"
			     "ffffffff81000040 t local_fn\n"
			     "ffffffff81000050 T split_fn.part.1\n"
			     "ffffffff81000060 t __cfi_vfs_read\n"
			     "ffffffffc0000000 t mod_fn\t[mymod]\n"
			     "ffffffffc0000010 r mod_data\t[mymod]\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

struct listed {
	char *text;
	size_t len;
	char err[1024];
	int ret;
};

static void run_opts(struct listed *l, const char *pattern, bool verbose,
		     const struct list_opts *opts)
{
	FILE *out;

	memset(l, 0, sizeof(*l));
	out = open_memstream(&l->text, &l->len);
	assert_non_null(out);
	l->ret = list__run(pattern, verbose, opts, out, l->err, sizeof(l->err));
	assert_int_equal(fclose(out), 0);
}

/* kprobes present or not: kprobe_events in the fake tracefs says so */
static void kprobes(bool on)
{
	if (on)
		write_file(kpevents, "");
	else
		unlink(kpevents);
}

static void run(struct listed *l, const char *pattern, bool verbose)
{
	struct list_opts o = {
		.tracefs = root, .filter_functions = ff, .kallsyms = ksyms, .sysfs = nopmu
	};

	run_opts(l, pattern, verbose, &o);
}

static void expect(const char *pattern, bool verbose, const char *text)
{
	struct listed l;

	run(&l, pattern, verbose);
	if (l.ret)
		fail_msg("%s: %s", pattern ? pattern : "(none)", l.err);
	assert_string_equal(l.text, text);
	free(l.text);
}

static void expect_error(const char *pattern, int ret, const char *msg)
{
	struct listed l;

	run(&l, pattern, false);
	assert_string_equal(l.err, msg);
	assert_int_equal(l.ret, ret);
	/* nothing is written when the list cannot be made */
	assert_int_equal(l.len, 0);
	free(l.text);
}

#define ALL_TP                                    \
	"tracepoint:sched:sched_process_exec\n"   \
	"tracepoint:sched:sched_switch\n"         \
	"tracepoint:syscalls:sys_enter_getpid\n"  \
	"tracepoint:syscalls:sys_enter_getppid\n" \
	"tracepoint:syscalls:sys_enter_openat\n"

static void test_tracepoints(void **state)
{
	(void)state;
	kprobes(false);
	expect("tracepoint:syscalls:sys_enter_getpp*", false,
	       "tracepoint:syscalls:sys_enter_getppid\n");
	expect("tracepoint:syscalls:sys_enter_getppid", false,
	       "tracepoint:syscalls:sys_enter_getppid\n");
	expect("t:sched:*", false,
	       "tracepoint:sched:sched_process_exec\ntracepoint:sched:sched_switch\n");
	expect("tp:*:*getp*", false,
	       "tracepoint:syscalls:sys_enter_getpid\ntracepoint:syscalls:sys_enter_getppid\n");
	/* '*' crosses ':' as in bpftrace; '?' is one character */
	expect("tracepoint:sched*sw*", false, "tracepoint:sched:sched_switch\n");
	/* anchored at both ends: the whole CATEGORY:EVENT must match */
	expect("tracepoint:sched_sw*", false, "");
	expect("tracepoint:sched:sched_sw", false, "");
	expect("tracepoint:*", false, ALL_TP);
	expect("tracepoint:s?hed:sched_?witch", false, "tracepoint:sched:sched_switch\n");
	expect("tracepoint:syscalls:sys_enter_getp?d", false,
	       "tracepoint:syscalls:sys_enter_getpid\n");
	expect("tracepoint:syscalls:sys_enter_getp??d", false,
	       "tracepoint:syscalls:sys_enter_getppid\n");
	expect("tracepoint:**getppid**", false, "tracepoint:syscalls:sys_enter_getppid\n");
	/* case matters, as in probe specs */
	expect("tracepoint:SCHED:*", false, "");
	/* not the ftrace category, not the files beside events */
	expect("tracepoint:ftrace:*", false, "");
	expect("tracepoint:*enable*", false, "");
	expect("tracepoint:sched:filter", false, "");
	/* nothing matches: no output, no error */
	expect("tracepoint:nope*", false, "");
	/* a pattern without a kind matches the whole "tracepoint:CAT:EVENT" */
	expect("*sched_sw*", false, "tracepoint:sched:sched_switch\n");
	expect("*:syscalls:*openat", false, "tracepoint:syscalls:sys_enter_openat\n");
	expect("t*:sched:sched_s*", false, "tracepoint:sched:sched_switch\n");
	expect("sched*", false, "");
	expect("*", false, ALL_TP);
	expect(NULL, false, ALL_TP);
}

static void test_verbose(void **state)
{
	(void)state;
	kprobes(false);
	expect("tracepoint:sched:*", true,
	       "tracepoint:sched:sched_process_exec\n"
	       "    __data_loc char[] filename\n"
	       "    pid_t pid\n"
	       "tracepoint:sched:sched_switch\n"
	       "    char prev_comm[16]\n"
	       "    pid_t prev_pid\n"
	       "    long prev_state\n");
	expect("tracepoint:syscalls:sys_enter_openat", true,
	       "tracepoint:syscalls:sys_enter_openat\n"
	       "    int __syscall_nr\n"
	       "    const char * filename\n");
	/* kprobes and uprobes have nothing more to say */
	kprobes(true);
	expect("*vfs_w*", true, "kprobe:vfs_write\n");
	expect("*getppid", true,
	       "tracepoint:syscalls:sys_enter_getppid\n"
	       "    int __syscall_nr\n");
	kprobes(false);
}

static void test_verbose_unreadable_format(void **state)
{
	struct listed l;
	char path[256], msg[512];

	(void)state;
	kprobes(false);
	put("broken", "noformat", NULL);
	run(&l, "tracepoint:broken:*", false);
	assert_int_equal(l.ret, 0);
	assert_string_equal(l.text, "tracepoint:broken:noformat\n");
	free(l.text);
	snprintf(
		msg, sizeof(msg),
		"list: tracepoint:broken:noformat: cannot read %s/events/broken/noformat/format: No such file or directory",
		root);
	run(&l, "tracepoint:*", true);
	assert_string_equal(l.err, msg);
	assert_int_equal(l.ret, -ENOENT);
	assert_int_equal(l.len, 0);
	free(l.text);
	snprintf(path, sizeof(path), "%s/events/broken/noformat", root);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/events/broken", root);
	assert_int_equal(rmdir(path), 0);
}

static void test_kprobes(void **state)
{
	(void)state;
	kprobes(true);
	/* each once, sorted, " [module]" dropped, .part.N pieces left out */
	expect("kprobe:*", false,
	       "kprobe:e1000_xmit_frame\nkprobe:schedule\nkprobe:vfs_read\nkprobe:vfs_write\n");
	expect("kprobe:vfs_*", false, "kprobe:vfs_read\nkprobe:vfs_write\n");
	expect("k:e1000*", false, "kprobe:e1000_xmit_frame\n");
	expect("kretprobe:vfs_r*", false, "kretprobe:vfs_read\n");
	expect("kr:sched?le", false, "kretprobe:schedule\n");
	expect("kprobe:split*", false, "");
	expect("kprobe:VFS_*", false, "");
	/* without a kind: the full "kprobe:FUNC" and "tracepoint:CAT:EVENT" */
	expect("*sched*", false,
	       "kprobe:schedule\ntracepoint:sched:sched_process_exec\n"
	       "tracepoint:sched:sched_switch\n");
	expect("k*:vfs_read", false, "kprobe:vfs_read\n");
	expect(NULL, false,
	       "kprobe:e1000_xmit_frame\nkprobe:schedule\nkprobe:vfs_read\nkprobe:vfs_write\n" ALL_TP);
	kprobes(false);
}

static void test_kprobes_kallsyms(void **state)
{
	struct list_opts o = { .tracefs = root,
			       .filter_functions = "/nonexistent/available_filter_functions",
			       .kallsyms = ksyms,
			       .sysfs = pmusys /* has a kprobe PMU */ };
	struct listed l;

	(void)state;
	kprobes(false);
	/* text symbols (t, T) only, without padding symbols and .part.N pieces */
	run_opts(&l, "kprobe:*", false, &o);
	assert_int_equal(l.ret, 0);
	assert_string_equal(l.text,
			    "kprobe:_stext\nkprobe:local_fn\nkprobe:mod_fn\nkprobe:vfs_read\n");
	free(l.text);
	run_opts(&l, "*mod*", false, &o);
	assert_int_equal(l.ret, 0);
	assert_string_equal(l.text, "kprobe:mod_fn\n");
	free(l.text);

	o.kallsyms = "/nonexistent/kallsyms";
	run_opts(&l, "kprobe:vfs_*", false, &o);
	assert_int_equal(l.ret, -ENOENT);
	assert_string_equal(
		l.err,
		"list: kprobe: cannot read /nonexistent/available_filter_functions (No such file or directory) nor /nonexistent/kallsyms (No such file or directory)");
	assert_int_equal(l.len, 0);
	free(l.text);
}

/*
 * This kernel's own /proc/kallsyms (addresses may read as zeros without
 * root; names do not), against awk reading the same file. vfs_* only: BPF
 * programs loaded meanwhile come and go as [bpf] symbols.
 */
static void test_kprobes_real_kallsyms(void **state)
{
	struct list_opts o = { .tracefs = root,
			       .filter_functions = "/nonexistent/available_filter_functions",
			       .kallsyms = "/proc/kallsyms",
			       .sysfs = pmusys };
	char *want = NULL;
	size_t cap = 0, n;
	struct listed l;
	FILE *p;

	(void)state;
	p = popen("awk '($2 == \"t\" || $2 == \"T\") && $3 ~ /^vfs_/ && $3 !~ /[.]part[.]/ "
		  "{ print \"kprobe:\" $3 }' /proc/kallsyms | LC_ALL=C sort -u",
		  "r");
	assert_non_null(p);
	n = getdelim(&want, &cap, '\0', p);
	assert_int_equal(pclose(p), 0);
	assert_true(n > 0 && strstr(want, "kprobe:vfs_read\n"));
	run_opts(&l, "kprobe:vfs_*", false, &o);
	assert_int_equal(l.ret, 0);
	assert_string_equal(l.text, want);
	free(l.text);
	free(want);
	run_opts(&l, "kprobe:vfs_read", false, &o);
	assert_string_equal(l.text, "kprobe:vfs_read\n");
	free(l.text);
}

static void test_no_kprobes(void **state)
{
	(void)state;
	kprobes(false);
	expect_error("kprobe:vfs_read", -EOPNOTSUPP,
		     "list: kprobe: this kernel has no kprobes (CONFIG_KPROBES is not set)");
	expect_error("k:*", -EOPNOTSUPP,
		     "list: kprobe: this kernel has no kprobes (CONFIG_KPROBES is not set)");
	expect_error("kr:vfs_read", -EOPNOTSUPP,
		     "list: kretprobe: this kernel has no kprobes (CONFIG_KPROBES is not set)");
	/* a bare pattern lists what there is */
	expect("*vfs*", false, "");
	expect("*sched_sw*", false, "tracepoint:sched:sched_switch\n");
}

static void test_uprobes(void **state)
{
	char self[PATH_MAX], want[3 * PATH_MAX], pattern[PATH_MAX + 64], msg[PATH_MAX + 128];
	struct listed all, star;

	(void)state;
	assert_non_null(realpath("/proc/self/exe", self));
	/* the binary is printed as typed, as bpftrace -l prints it */
	expect("uprobe:/proc/self/exe:list_marker_*", false,
	       "uprobe:/proc/self/exe:list_marker_alpha\nuprobe:/proc/self/exe:list_marker_beta\n");
	snprintf(want, sizeof(want), "uprobe:%s:list_marker_alpha\nuprobe:%s:list_marker_beta\n",
		 self, self);
	snprintf(pattern, sizeof(pattern), "u:%s:list_marker_*", self);
	expect(pattern, false, want);
	expect("ur:/proc/self/exe:list_marker_b??a", true,
	       "uretprobe:/proc/self/exe:list_marker_beta\n");
	expect("uprobe:/proc/self/exe:list_marker_[ab]*", false, "");
	expect("uprobe:/proc/self/exe:nothing_like_this*", false, "");
	/* no FUNCTION: every function, as with :* */
	run(&all, "uprobe:/proc/self/exe", false);
	run(&star, "uprobe:/proc/self/exe:*", false);
	assert_int_equal(all.ret, 0);
	assert_int_equal(star.ret, 0);
	assert_string_equal(all.text, star.text);
	assert_non_null(strstr(star.text, ":list_marker_alpha\n"));
	assert_non_null(strstr(star.text, ":main\n"));
	free(all.text);
	free(star.text);
	run(&all, "uprobe:/proc/self/exe:", false);
	run(&star, "uprobe:/proc/self/exe:*", false);
	assert_string_equal(all.text, star.text);
	free(all.text);
	free(star.text);

	expect_error("uprobe:/nonexistent/app:*", -ENOENT,
		     "list: uprobe: binary \"/nonexistent/app\" does not exist");
	snprintf(pattern, sizeof(pattern), "uprobe:%s/kallsyms:*", root);
	snprintf(msg, sizeof(msg), "list: uprobe: \"%s/kallsyms\" is not an ELF file", root);
	expect_error(pattern, -ENOEXEC, msg);
	snprintf(pattern, sizeof(pattern), "uretprobe:%s:*", root);
	snprintf(msg, sizeof(msg), "list: uretprobe: \"%s\" is not a regular file", root);
	expect_error(pattern, -EINVAL, msg);
}

static void test_uprobe_library(void **state)
{
	struct list_opts o = { .ldcache = "/nonexistent/ld.so.cache" };
	struct listed l;

	(void)state;
	run_opts(&l, "uprobe:libc:malloc", false, &o);
	assert_int_equal(l.ret, -ENOENT);
	assert_string_equal(
		l.err,
		"list: uprobe: cannot read /nonexistent/ld.so.cache to find library \"libc\": No such file or directory (give a path instead)");
	free(l.text);
}

/* profile units and software/hardware events, as bpftrace -l prints them */
static void test_perf_events(void **state)
{
	(void)state;
	expect("profile:*", false, "profile:hz:\nprofile:ms:\nprofile:s:\nprofile:us:\n");
	expect("p:hz:99", false, "profile:hz:\n");
	expect("s:*fault*", false,
	       "software:alignment-faults:\nsoftware:emulation-faults:\nsoftware:faults:\n"
	       "software:major-faults:\nsoftware:minor-faults:\nsoftware:page-faults:\n");
	expect("software:faults", false, "software:faults:\n");
	expect("software:faults:", false, "software:faults:\n");
	expect("software:faults:1e6", false, "software:faults:\n");
	expect("software:nope", false, "");
	expect("h:*cycles", false,
	       "hardware:bus-cycles:\nhardware:cpu-cycles:\nhardware:cycles:\nhardware:ref-cycles:\n");
}

static void test_pattern_errors(void **state)
{
	(void)state;
	kprobes(true);
	expect_error(
		"", -EINVAL,
		"list: the pattern is empty; give one, e.g. --list 'tracepoint:sched:*', or none to list every probe");
	expect_error(
		"tracepoint:sched:sched switch", -EINVAL,
		"list: the pattern \"tracepoint:sched:sched switch\" has a space or a control character; probe names have none");
	expect_error(
		"tracepont:sched:*", -EINVAL,
		"list: unknown probe kind \"tracepont\" (did you mean \"tracepoint\"?); expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt");
	expect_error(
		"KPROBE:vfs_read", -EINVAL,
		"list: unknown probe kind \"KPROBE\" (did you mean \"kprobe\"?); expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt");
	expect_error(
		"fentry:vfs_read", -EINVAL,
		"list: unknown probe kind \"fentry\"; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt");
	expect_error(
		"sched:sched_switch", -EINVAL,
		"list: unknown probe kind \"sched\"; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt");
	expect_error(
		":sched_switch", -EINVAL,
		"list: unknown probe kind \"\"; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt");
	expect_error(
		"sched_switch", -EINVAL,
		"list: \"sched_switch\" names no probe; write KIND:NAME (tracepoint:CATEGORY:EVENT, kprobe:FUNCTION, uprobe:BINARY:FUNCTION) or use wildcards, e.g. *sched_switch*");
	expect_error(
		"kprobe", -EINVAL,
		"list: \"kprobe\" names no probe; write KIND:NAME (tracepoint:CATEGORY:EVENT, kprobe:FUNCTION, uprobe:BINARY:FUNCTION) or use wildcards, e.g. kprobe:*");
	expect_error(
		"tracepoint:", -EINVAL,
		"list: \"tracepoint:\" is not a tracepoint pattern; write tracepoint:CATEGORY:EVENT (wildcards * and ? allowed), e.g. tracepoint:sched:*");
	expect_error(
		"t:sched:sched_switch:x", -EINVAL,
		"list: \"t:sched:sched_switch:x\" is not a tracepoint pattern; write tracepoint:CATEGORY:EVENT (wildcards * and ? allowed), e.g. tracepoint:sched:*");
	expect_error(
		"kprobe:", -EINVAL,
		"list: \"kprobe:\" is not a kprobe pattern; write kprobe:FUNCTION (wildcards * and ? allowed), e.g. kprobe:vfs_*");
	expect_error(
		"kr:ext4:ext4_*", -EINVAL,
		"list: \"kr:ext4:ext4_*\" is not a kretprobe pattern; write kretprobe:FUNCTION (wildcards * and ? allowed), e.g. kretprobe:vfs_*");
	expect_error(
		"uprobe:", -EINVAL,
		"list: \"uprobe:\" is not a uprobe pattern; write uprobe:BINARY:FUNCTION, BINARY a path or a library name without wildcards (* and ? are allowed in FUNCTION), e.g. uprobe:libc:mall*");
	expect_error(
		"u::malloc", -EINVAL,
		"list: \"u::malloc\" is not a uprobe pattern; write uprobe:BINARY:FUNCTION, BINARY a path or a library name without wildcards (* and ? are allowed in FUNCTION), e.g. uprobe:libc:mall*");
	expect_error(
		"uprobe:*:malloc", -EINVAL,
		"list: \"uprobe:*:malloc\" is not a uprobe pattern; write uprobe:BINARY:FUNCTION, BINARY a path or a library name without wildcards (* and ? are allowed in FUNCTION), e.g. uprobe:libc:mall*");
	expect_error(
		"ur:/usr/lib/lib?.so:x", -EINVAL,
		"list: \"ur:/usr/lib/lib?.so:x\" is not a uretprobe pattern; write uretprobe:BINARY:FUNCTION, BINARY a path or a library name without wildcards (* and ? are allowed in FUNCTION), e.g. uretprobe:libc:mall*");
	kprobes(false);
}

static void test_missing_tracefs(void **state)
{
	struct list_opts o = { .tracefs = "/nonexistent/tracing", .sysfs = nopmu };
	struct listed l;

	(void)state;
	run_opts(&l, "tracepoint:*", false, &o);
	assert_int_equal(l.ret, -ENOENT);
	assert_string_equal(
		l.err,
		"list: tracepoint: cannot read /nonexistent/tracing/events: No such file or directory");
	assert_int_equal(l.len, 0);
	free(l.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracepoints),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_verbose_unreadable_format),
		cmocka_unit_test(test_kprobes),
		cmocka_unit_test(test_kprobes_kallsyms),
		cmocka_unit_test(test_kprobes_real_kallsyms),
		cmocka_unit_test(test_no_kprobes),
		cmocka_unit_test(test_uprobes),
		cmocka_unit_test(test_uprobe_library),
		cmocka_unit_test(test_perf_events),
		cmocka_unit_test(test_pattern_errors),
		cmocka_unit_test(test_missing_tracefs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
