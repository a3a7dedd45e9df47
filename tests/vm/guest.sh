#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the qemu guest (busybox sh, working directory /bpfprom laid out
# like the repository) and reports on the serial console, one line each:
#   VMTEST info TEXT           facts about the guest kernel
#   VMTEST ok NAME
#   VMTEST FAIL NAME           followed by VMTEST detail TEXT lines
#   VMTEST skip NAME (REASON)
#   VMTEST done                the last line: the guest ran to the end
# tests/vm/run.sh turns them into ok/FAIL/skip lines per kernel.
#
# Adding a test: write a function t_NAME that starts bpfprom with `start`,
# drives a workload, checks with `expect`, and stops with `stop`; then add
# `run t_NAME` at the bottom. `run t_NAME --some.flag=x` runs it again with
# extra bpfprom flags (start passes them on; the test names get " [FLAGS]").
# HAVE_KPROBES, HAVE_BTF and HAVE_FENTRY say what the kernel offers (see
# detect); SYS_PREFIX and NR_GETPPID what its architecture names. start
# waits for the "listening on" line, so keep --log.level at info or debug.
BIN=build/bpfprom
WL=build/workload/syscalls
UW=build/workload/uprobe_target
CONF=tests/vm/configs
TMP=/tmp/vmtest
TRACEFS=/sys/kernel/tracing
PID=
FLAGS=
SUFFIX=
mkdir -p $TMP
# run by hand on a host, a closed pipe must not leave an exporter behind
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; }
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE

say() { echo "VMTEST $*"; }
info() { say "info $*"; }
ok() { say "ok $1$SUFFIX"; }
not_ok() {
	say "FAIL $1$SUFFIX"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/VMTEST detail /'; done
}
skip() { say "skip $1$SUFFIX ($2)"; }

# expect NAME EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# start CONFIG [FLAGS...]: bpfprom on a free loopback port with the run's
# extra flags (and VMTEST_FLAGS, vmtest.flags= on the kernel command line, for
# every run); sets PID and ADDR. TCG is slow: loading may take seconds.
start() {
	config=$1
	shift
	: >$TMP/log
	# shellcheck disable=SC2086 # the FLAGS are lists of words
	$BIN --config.file="$config" --web.listen-address=127.0.0.1:0 $VMTEST_FLAGS $FLAGS "$@" \
		2>$TMP/log &
	PID=$!
	i=0
	while [ $i -lt 600 ]; do
		ADDR=$(sed -n 's/.*listening on \(.*\)$/\1/p' $TMP/log)
		[ -n "$ADDR" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$PID" 2>/dev/null
	wait "$PID"
	PID=
	return 1
}

# stop: SIGTERM, then the exit status in RC
stop() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
	RC=$?
	PID=
}

# busybox 1.35 wget crashes with -T: timeout bounds a hung scrape instead
scrape() { timeout 60 wget -q -O - "http://$ADDR${1:-/metrics}"; }

# grep_m REGEX: the lines of the last scrape ($TMP/m.txt) matching REGEX
grep_m() { grep "$@" $TMP/m.txt; }

# progs_of PID: the BPF programs a process holds (distinct prog_ids of its fds)
progs_of() { cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | wc -l; }

# run FUNC [FLAGS...]: one test section, with extra bpfprom flags if given;
# VMTEST_ONLY (vmtest.only= on the kernel command line) selects by name:
# functions whose name contains one of its +-separated words
run() {
	fn=$1
	shift
	# several names joined by + (the kernel command line takes no spaces)
	sel=
	for o in $(echo "$VMTEST_ONLY" | tr + ' '); do
		case $fn in *"$o"*) sel=1 ;; esac
	done
	[ -z "$VMTEST_ONLY" ] || [ -n "$sel" ] || return 0
	FLAGS="$*"
	SUFFIX=${FLAGS:+ [$FLAGS]}
	"$fn"
	# a test that stopped half-way leaves nothing running for the next one
	if [ -n "$PID" ]; then
		kill -9 "$PID" 2>/dev/null
		wait "$PID"
		PID=
	fi
	FLAGS=
	SUFFIX=
}

# --- the tests ---------------------------------------------------------------

# what this kernel offers, as info lines; a test that needs a feature skips
# without it: [ -n "$HAVE_KPROBES" ] || { skip "NAME" "no kprobes"; return; }
detect() {
	HAVE_KPROBES=
	HAVE_BTF=
	HAVE_FENTRY=
	kp=
	[ -d /sys/bus/event_source/devices/kprobe ] && kp="perf PMU /sys/bus/event_source/devices/kprobe"
	[ -e $TRACEFS/kprobe_events ] && kp="${kp:+$kp, }tracefs kprobe_events"
	[ -n "$kp" ] && HAVE_KPROBES=1
	[ -r /sys/kernel/btf/vmlinux ] && HAVE_BTF=1
	info "kernel: $(uname -r) ($(uname -v)), $(grep -c ^processor /proc/cpuinfo) CPUs, up $(cut -d' ' -f1 /proc/uptime) s when the tests began"
	if [ -n "$HAVE_KPROBES" ]; then info "kprobes: yes ($kp)"; else info "kprobes: no"; fi
	if [ -n "$HAVE_BTF" ]; then
		info "btf: yes (/sys/kernel/btf/vmlinux, $(wc -c </sys/kernel/btf/vmlinux) bytes)"
	else
		info "btf: no"
	fi
	# fentry needs BTF and, for a BPF trampoline on a kernel function, ftrace
	# direct calls: arm64 has them from 6.4 (commit 2aa6ac03516d, "arm64:
	# ftrace: Add direct call support"); Debian's 6.1 arm64 refuses it, and
	# auto chooses the kprobe PMU there
	kver=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	case "$(uname -m) $kver" in
	"aarch64 "[0-5]" "* | "aarch64 6 "[0-3]) ;;
	*) HAVE_FENTRY=$HAVE_BTF ;;
	esac
	if [ -n "$HAVE_FENTRY" ]; then info "fentry: yes"; else info "fentry: no"; fi
	# the configs are written for x86-64; on arm64 the tests run copies with
	# arm64's syscall wrappers (__arm64_sys_) and getppid's number there (173)
	SYS_PREFIX=__x64_sys_
	if [ "$(uname -m)" = aarch64 ]; then
		SYS_PREFIX=__arm64_sys_
		mkdir -p $TMP/configs
		for f in $CONF/*.yaml; do
			sed 's/__x64_sys_/__arm64_sys_/g;s/arg0 == 110/arg0 == 173/' "$f" >$TMP/configs/"${f##*/}"
		done
		CONF=$TMP/configs
	fi
}

# no_fentry NAME CONFIG: on a kernel without fentry, forcing it is refused
# with the reason, before anything is loaded
no_fentry() {
	timeout 120 $BIN --config.file="$2" --probe.mechanism=fentry 2>$TMP/err >/dev/null
	rc=$?
	expect "$1: forcing fentry on a kernel without it is refused, and says so" \
		"1 --probe.mechanism=fentry, but fentry is not available on this kernel (no BTF, or trampolines refused; details with --log.level=debug)" \
		"$rc $(sed -n 's/^error: plan: .*: probe: kprobe:[a-z_0-9+]*: //p' $TMP/err)"
}

t_tracepoint_count() {
	if ! start $CONF/tracepoint.yaml; then
		not_ok "tracepoint: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL vm_cnt getppid 1000
	$WL vm_thr threads 2 getppid 2000
	$WL vm_hist write 0 1 2 3 4 5 17
	$WL vm_sc getppid 7
	scrape >$TMP/m.txt
	# getppid is 110 on x86-64 and 173 on arm64 (where 110 is timer_settime)
	expect "tracepoint: raw syscall ids named by this architecture's table" \
		'vm_syscalls_total{syscall="getppid"} 7' "$(grep_m '^vm_syscalls_total{syscall="getppid"}')"
	expect "tracepoint count: exact getppid calls under a comm filter" \
		'vm_getppid_total{comm="vm_cnt"} 1000' "$(grep_m '^vm_getppid_total')"
	expect "tracepoint count: two threads pinned to two CPUs, each share exact" \
		"$(printf '%s\n' 'vm_getppid_by_cpu_total{cpu="0"} 1000' 'vm_getppid_by_cpu_total{cpu="1"} 1000')" \
		"$(grep_m '^vm_getppid_by_cpu_total')"
	expect "tracepoint hist: log2 buckets of write sizes exact" \
		"$(printf '%s\n' 'vm_write_bytes_bucket{le="0"} 1' 'vm_write_bytes_bucket{le="1"} 2' \
			'vm_write_bytes_bucket{le="2"} 3' 'vm_write_bytes_bucket{le="4"} 5' \
			'vm_write_bytes_bucket{le="8"} 6' 'vm_write_bytes_bucket{le="16"} 6' \
			'vm_write_bytes_bucket{le="+Inf"} 7' 'vm_write_bytes_sum 32' 'vm_write_bytes_count 7')" \
		"$(grep_m '^vm_write_bytes')"
	# 2^(5/8) * 2 = 3.08 and 2^(3/8) * 4 = 5.19 hold 3 and 5: the search of
	# this kernel's verifier-checked program
	expect "tracepoint hist schema 3: native buckets of write sizes exact" \
		"$(printf '%s\n' 'vm_write_s3_bytes_bucket{le="0"} 1' 'vm_write_s3_bytes_bucket{le="1"} 2' \
			'vm_write_s3_bytes_bucket{le="2"} 3' 'vm_write_s3_bytes_bucket{le="2.8284271247461903"} 3' \
			'vm_write_s3_bytes_bucket{le="3.0844216508158815"} 4' 'vm_write_s3_bytes_bucket{le="4"} 5' \
			'vm_write_s3_bytes_bucket{le="4.756828460010884"} 5' 'vm_write_s3_bytes_bucket{le="5.187358218604039"} 6' \
			'vm_write_s3_bytes_bucket{le="16"} 6' 'vm_write_s3_bytes_bucket{le="+Inf"} 7' \
			'vm_write_s3_bytes_sum 32' 'vm_write_s3_bytes_count 7')" \
		"$(grep_m -e '^vm_write_s3_bytes_bucket{le="\(0\|1\|2\|2.828[0-9]*\|3.084[0-9]*\|4\|4.756[0-9]*\|5.187[0-9]*\|16\|+Inf\)"}' -e '^vm_write_s3_bytes_sum' -e '^vm_write_s3_bytes_count')"
	expect "tracepoint lhist: linear buckets at the step seams and past max exact" \
		"$(printf '%s\n' 'vm_write_lhist_bytes_bucket{le="2"} 3' 'vm_write_lhist_bytes_bucket{le="4"} 5' \
			'vm_write_lhist_bytes_bucket{le="6"} 6' 'vm_write_lhist_bytes_bucket{le="8"} 6' \
			'vm_write_lhist_bytes_bucket{le="+Inf"} 7' 'vm_write_lhist_bytes_sum 32' \
			'vm_write_lhist_bytes_count 7')" \
		"$(grep_m '^vm_write_lhist_bytes')"
	expect "tracepoint stats: sum, count, min, max exact" \
		"$(printf '%s\n' 'vm_write_stats_bytes_sum 32' 'vm_write_stats_bytes_count 7' \
			'vm_write_stats_bytes_min 0' 'vm_write_stats_bytes_max 17')" \
		"$(grep_m '^vm_write_stats_bytes')"
	$WL vm_cnt getppid 5
	# sizes 0 1 2 3 4 5 17: ((c * 3 + 7) ^ (c >> 1)) sums to 133; c % 3 is 0, 1, 2 2, 2, 3 times
	expect "tracepoint expressions: generated code on this kernel's verifier and JIT, exact" \
		"$(printf '%s\n' 'vm_write_expr_total 133' 'vm_write_mod_total{r="0"} 2' \
			'vm_write_mod_total{r="1"} 2' 'vm_write_mod_total{r="2"} 3')" \
		"$(grep_m -e '^vm_write_expr_total' -e '^vm_write_mod_total')"
	expect "tracepoint count: a second scrape adds, nothing is reset" \
		'vm_getppid_total{comm="vm_cnt"} 1005' "$(scrape | grep '^vm_getppid_total')"
	stop
	expect "tracepoint: SIGTERM exits 0" 0 "$RC"
}

t_uprobe() {
	if ! start $CONF/uprobe.yaml; then
		not_ok "uprobe: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$UW vm_up values 1 2 3 1000 ret -7 0 3 3
	# sleeps only ever run long: 2 ms is always above le=2^20 ns (1.05 ms)
	$UW vm_lat sleep 2 2 2
	$WL vm_libc getppid 25
	scrape >$TMP/m.txt
	expect "uprobe count: exact calls" 'vm_value_calls_total 4' "$(grep_m '^vm_value_calls_total')"
	expect "uprobe sum: exact sum of arg0" 'vm_value_sum_total 1006' "$(grep_m '^vm_value_sum_total')"
	expect "uprobe expression: arg0 * 2 - 1 summed exact" 'vm_value_expr_total 2008' \
		"$(grep_m '^vm_value_expr_total')"
	expect "uretprobe: retval as a signed label, exact" \
		"$(printf '%s\n' 'vm_ret_total{retval="-7"} 1' 'vm_ret_total{retval="0"} 1' 'vm_ret_total{retval="3"} 2')" \
		"$(grep_m '^vm_ret_total')"
	expect "uretprobe latency hist: 3 sleeps of 2 ms, none at or below 2^20 ns" \
		"$(printf '%s\n' 'vm_sleep_seconds_bucket{le="0.001048576"} 0' 'vm_sleep_seconds_bucket{le="+Inf"} 3' 'vm_sleep_seconds_count 3')" \
		"$(grep_m -e '^vm_sleep_seconds_bucket{le="0.001048576"}' -e '^vm_sleep_seconds_bucket{le="+Inf"}' -e '^vm_sleep_seconds_count')"
	expect "uprobe on libc (ld.so.cache): syscall(SYS_getppid) calls exact" \
		'vm_libc_getppid_total 25' "$(grep_m '^vm_libc_getppid_total')"
	stop
	expect "uprobe: SIGTERM exits 0" 0 "$RC"
}

# uprobes and uretprobes attached, then SIGTERM: a clean exit leaves no probe event
# behind in tracefs (legacy kprobe/uprobe events are created there)
t_shutdown() {
	if ! start $CONF/uprobe.yaml; then
		not_ok "shutdown: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	kill -TERM "$PID"
	wait "$PID"
	rc=$?
	PID=
	expect "shutdown: SIGTERM exits 0 and logs it" "0 SIGTERM: shutting down" \
		"$rc $(sed -n 's/.*\(SIGTERM: shutting down\)$/\1/p' $TMP/log)"
	for f in kprobe_events uprobe_events; do
		if [ -e $TRACEFS/$f ]; then
			expect "shutdown: tracefs $f is empty after exit" "" "$(cat $TRACEFS/$f)"
		else
			skip "shutdown: tracefs $f is empty after exit" "this kernel has no $f"
		fi
	done
}

# kprobes and kretprobes: counts, arguments, return values, latency, strings
# and several functions in one metric, under the mechanism the run forces
# (MECH: auto chooses fentry on these kernels)
t_kprobe() {
	case "$FLAGS" in
	*--probe.mechanism=*)
		mech=${FLAGS#*--probe.mechanism=}
		mech=${mech%% *}
		;;
	*) mech=fentry ;;
	esac
	if [ -z "$HAVE_KPROBES" ] && [ "$mech" != fentry ]; then
		skip "kprobe" "this kernel has no kprobes"
		return
	fi
	if [ -z "$HAVE_FENTRY" ] && [ "$mech" = fentry ]; then
		case "$FLAGS" in
		*--probe.mechanism=fentry*)
			no_fentry kprobe $CONF/kprobe.yaml
			return
			;;
		esac
		# auto
		mech=kprobe
	fi
	if ! start $CONF/kprobe.yaml; then
		not_ok "kprobe: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	# shellcheck disable=SC2046 # 500 words
	$WL bpfp_kp write $(yes 1 | head -n 500)
	$WL bpfp_kw open tests/vm/configs/kprobe.yaml 5 write 0 1 2 3 4 5 17 1024 1025
	$WL bpfp_ko open tests/vm/configs/kprobe.yaml 3
	scrape >$TMP/m.txt
	expect "kprobe: exact vfs_write calls at the function's entry" \
		'vm_kwrite_total 500' "$(grep_m '^vm_kwrite_total')"
	expect "kretprobe: exact vfs_write calls at the function's return" \
		'vm_kwrite_returns_total 500' "$(grep_m '^vm_kwrite_returns_total')"
	expect "kprobe latency: every call measured once (the return implied)" \
		'vm_kwrite_latency_seconds_count 500' "$(grep_m '^vm_kwrite_latency_seconds_count')"
	expect "kprobe arg2: log2 buckets of vfs_write's count exact" \
		"$(printf '%s\n' 'vm_write_size_bytes_bucket{le="0"} 1' 'vm_write_size_bytes_bucket{le="1"} 2' \
			'vm_write_size_bytes_bucket{le="2"} 3' 'vm_write_size_bytes_bucket{le="4"} 5' \
			'vm_write_size_bytes_bucket{le="8"} 6' 'vm_write_size_bytes_bucket{le="16"} 6' \
			'vm_write_size_bytes_bucket{le="32"} 7' 'vm_write_size_bytes_bucket{le="512"} 7' \
			'vm_write_size_bytes_bucket{le="1024"} 8' 'vm_write_size_bytes_bucket{le="2048"} 9' \
			'vm_write_size_bytes_bucket{le="+Inf"} 9' 'vm_write_size_bytes_sum 2081' \
			'vm_write_size_bytes_count 9')" \
		"$(grep_m '^vm_write_size_bytes' | grep -v -e 'le="64"' -e 'le="128"' -e 'le="256"')"
	expect "kretprobe retval: stats of what vfs_write returned exact" \
		"$(printf '%s\n' 'vm_write_returned_bytes_sum 2081' 'vm_write_returned_bytes_count 9' \
			'vm_write_returned_bytes_min 0' 'vm_write_returned_bytes_max 1025')" \
		"$(grep_m '^vm_write_returned_bytes')"
	expect "two kernel functions in one metric, told apart by probe" \
		"$(printf '%s\n' 'vm_calls_by_probe_total{probe="0"} 9' 'vm_calls_by_probe_total{probe="1"} 5')" \
		"$(grep_m '^vm_calls_by_probe_total')"
	expect "kprobe str(arg1): a __user path read through a kernel function" \
		'vm_open_path_total{path="tests/vm/configs/kprobe.yaml"} 3' "$(grep_m '^vm_open_path_total')"
	expect "probe_info: every kernel probe attached with $mech" \
		"8 8" "$(grep_m -c '^bpfprom_probe_info{.*,probe="k') $(grep_m -c "^bpfprom_probe_info{.*,mechanism=\"$mech\"}")"
	expect "kprobe: nothing dropped" "" \
		"$(grep_m '^bpfprom_dropped_events_total{metric="vm_' | grep -v ' 0$')"
	# the metrics on one function in one role share a program: the entry's
	# count and arg2 hist, the return's count and retval stats; the latency
	# (entry and return) and the two-function metric have theirs, which
	# fentry needs one copy of per target: 7 programs (5 with perf kprobes),
	# and 2 more with --bpf.fuse=false
	case "$mech $FLAGS" in
	fentry*--bpf.fuse=false*) want=9 ;;
	fentry*) want=7 ;;
	*--bpf.fuse=false*) want=7 ;;
	*) want=5 ;;
	esac
	expect "fuse: programs loaded for the 7 metrics with $mech" "$want" "$(progs_of "$PID")"
	stop
	expect "kprobe: SIGTERM exits 0" 0 "$RC"
	[ -e $TRACEFS/kprobe_events ] &&
		expect "kprobe: tracefs kprobe_events is empty after exit" "" "$(cat $TRACEFS/kprobe_events)"
}

# field paths through kprobe arguments and a kretprobe's return value (BTF
# types them), under the mechanism the run forces: exact
t_kpath() {
	case "$FLAGS" in
	*--probe.mechanism=*) mech=${FLAGS#*--probe.mechanism=} mech=${mech%% *} ;;
	*) mech=auto ;;
	esac
	if [ -z "$HAVE_BTF" ]; then
		skip "kpath" "this kernel has no BTF"
		return
	fi
	if { [ -z "$HAVE_KPROBES" ] && [ "$mech" != fentry ]; } ||
		{ [ -z "$HAVE_FENTRY" ] && [ "$mech" = fentry ]; }; then
		skip "kpath" "this kernel lacks $mech"
		return
	fi
	# debug: the loader says where each program's expressions run
	if ! start $CONF/kpath.yaml --log.level=debug; then
		not_ok "kpath: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL bpfp_kw write 0 1 2 3 4 5 17 1024 1025
	$WL bpfp_ko open tests/vm/configs/kpath.yaml 3
	scrape >$TMP/m.txt
	expect "kpath: str(arg0->f_path.dentry->d_name.name) and arg0->f_inode->i_rdev of 9 writes to /dev/null" \
		'vm_write_file_total{file="null",dev="1:3"} 9' "$(grep_m '^vm_write_file_total')"
	# S_IFCHR | 0666: 8630; the filter compares a 4-byte path leaf
	expect "kpath: an integer leaf as a label and a path filter operand, exact sum" \
		'vm_write_bytes_by_mode_total{mode="8630"} 2081' "$(grep_m '^vm_write_bytes_by_mode_total')"
	expect "kpath: str(retval->name) of getname, 3 opens" \
		'vm_getname_total{name="tests/vm/configs/kpath.yaml"} 3' "$(grep_m '^vm_getname_total')"
	$WL bpfp_ks sockopt 4 3 sockopt 8 2
	scrape >$TMP/m.txt
	expect "kpath: arg4 after a struct passed by value (tcp_setsockopt's optlen), 3 and 2 calls" \
		"$(printf '%s\n' 'vm_tcp_setsockopt_total{optname="1",optlen="4"} 3' 'vm_tcp_setsockopt_total{optname="1",optlen="8"} 2')" \
		"$(grep_m '^vm_tcp_setsockopt_total' | sort)"
	expect "kpath: the same argument in an expression, exact sum (3 x 41 + 2 x 81)" \
		'vm_tcp_setsockopt_bytes_total 285' "$(grep_m '^vm_tcp_setsockopt_bytes_total')"
	# integers in registers or trampoline slots: loaded by the generated code
	expect "kpath: the expression over two integer arguments runs in line" 1 \
		"$(grep -c "loader: handle_.*: expressions: .*; the direct ones in line, " $TMP/log)"
	expect "kpath: nothing dropped" "" \
		"$(grep_m '^bpfprom_dropped_events_total{metric="vm_' | grep -v ' 0$')"
	stop
	expect "kpath: SIGTERM exits 0" 0 "$RC"
}

# a legacy run killed with -9 leaves its kprobe_events group; the next start
# removes it, and its own exit leaves nothing
t_kprobe_legacy_kill() {
	if [ ! -e $TRACEFS/kprobe_events ]; then
		skip "legacy kprobes after kill -9" "no kprobe_events"
		return
	fi
	if ! start $CONF/kprobe.yaml --probe.mechanism=legacy; then
		not_ok "legacy kill: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	# one group bpfprom_<16 hex> per program, so that a reload can remove one
	# program's events and keep another's; of the 9 attachments, the two
	# entry metrics of vfs_write share one program, and the two return
	# metrics another: 5 programs, 7 events
	groups=$(sed -n 's/^[pr][0-9]*:\(bpfprom_[0-9a-f]*\)\/.*/\1/p' $TRACEFS/kprobe_events | sort -u)
	first=$(echo "$groups" | tr '\n' '|' | sed 's/|$//;s/|/\\|/g')
	expect "legacy: 7 metrics, 5 groups bpfprom_<16 hex>, 7 events" \
		"5 7" "$(echo "$groups" | grep -c '^bpfprom_[0-9a-f]\{16\}$') $(grep -c "^[pr][0-9]*:\($first\)/" $TRACEFS/kprobe_events)"
	kill -9 "$PID"
	wait "$PID"
	PID=
	expect "legacy: kill -9 leaves the groups in kprobe_events" 7 "$(grep -c "^[pr][0-9]*:\($first\)/" $TRACEFS/kprobe_events)"
	if ! start $CONF/kprobe.yaml --probe.mechanism=legacy; then
		not_ok "legacy kill: bpfprom starts again" "$(tail -40 $TMP/log)"
		return
	fi
	expect "legacy: the next start removes the dead run's 7 events and says so" \
		"0 info: kprobe: removed 7 stale events of killed bpfprom runs from kprobe_events" \
		"$(grep -c "^[pr][0-9]*:\($first\)/" $TRACEFS/kprobe_events) $(grep 'stale' $TMP/log)"
	$WL bpfp_kp write 1 2 3 4 5 6 7
	expect "legacy: the restarted run counts" 'vm_kwrite_total 7' \
		"$(scrape | grep '^vm_kwrite_total')"
	stop
	expect "legacy: exit after the restart leaves kprobe_events empty" "0 " "$RC $(cat $TRACEFS/kprobe_events)"
}

# reload with kprobes: an unchanged metric keeps its attachment and count, a
# removed one's kprobe_events entries go, a new one attaches
t_kprobe_reload() {
	[ -n "$HAVE_KPROBES" ] || { skip "kprobe reload" "no kprobes"; return; }
	case "$HAVE_FENTRY $FLAGS" in
	" "*--probe.mechanism=fentry*)
		no_fentry "kprobe reload" $CONF/kprobe.yaml
		return
		;;
	esac
	cp $CONF/kprobe.yaml $TMP/live.yaml
	if ! start $TMP/live.yaml; then
		not_ok "kprobe reload: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL bpfp_kp write 1 2 3
	events=$( [ -e $TRACEFS/kprobe_events ] && grep -c '^[pr][0-9]*:bpfprom_' $TRACEFS/kprobe_events)
	# vm_open_path_total (a program of its own) and vm_write_size_bytes (in
	# vm_kwrite_total's program: its slot is turned off) go; vm_kwrite_total
	# stays; vm_new_total comes, in a program of its own
	sed '/^  - name: vm_open_path_total/,$d;/^  - name: vm_write_size_bytes/,/^  - name:/{/^  - name: vm_write_returned_bytes/!d}' \
		$CONF/kprobe.yaml >$TMP/live.yaml
	printf '  - name: vm_new_total\n    help: h\n    probe: kretprobe:vfs_write\n    aggregate: count\n    filter: [comm == "bpfp_kp"]\n' >>$TMP/live.yaml
	kill -HUP "$PID"
	i=0
	while [ $i -lt 600 ] && ! grep -q 'reload: ' $TMP/log; do sleep 0.1; i=$((i + 1)); done
	expect "kprobe reload: 5 kept, 1 loaded" \
		"info: reload: $TMP/live.yaml: 6 metrics: 5 kept with their counts, 1 loaded anew" \
		"$(grep 'reload: ' $TMP/log)"
	$WL bpfp_kp write 1 2
	scrape >$TMP/m.txt
	expect "kprobe reload: the kept metric counts on (3 + 2), its program's other slot off" 'vm_kwrite_total 5' "$(grep_m '^vm_kwrite_total')"
	expect "kprobe reload: the new metric counts from the reload" 'vm_new_total 2' "$(grep_m '^vm_new_total')"
	expect "kprobe reload: the removed metrics are gone" "" "$(grep_m '^vm_open_path_total\|^vm_write_size_bytes')"
	case "$FLAGS" in
	*legacy*)
		expect "kprobe reload: its legacy event went, the new one came" "$events" \
			"$(grep -c '^[pr][0-9]*:bpfprom_' $TRACEFS/kprobe_events)"
		;;
	esac
	stop
	expect "kprobe reload: SIGTERM exits 0" 0 "$RC"
	[ -e $TRACEFS/kprobe_events ] &&
		expect "kprobe reload: kprobe_events is empty after exit" "" "$(cat $TRACEFS/kprobe_events)"
}

# what the kernel refuses becomes a message, and a failed start leaves nothing
t_kprobe_errors() {
	for m in kprobe legacy; do
		printf 'metrics:\n  - name: off_total\n    help: h\n    probe: kprobe:vfs_write+1\n    aggregate: count\n' >$TMP/off.yaml
		# a start that wrongly succeeds must not hang the suite
		timeout 120 $BIN --config.file=$TMP/off.yaml --probe.mechanism=$m 2>$TMP/err >/dev/null
		rc=$?
		if [ "$(uname -m)" = aarch64 ]; then
			# arm64's kernel would answer EINVAL: refused before it is asked
			want="1 error: plan: $TMP/off.yaml:4:12: metrics[0] (off_total): probe: kprobe:vfs_write+1: the offset is not on an instruction boundary of vfs_write (arm64's instructions are 4 bytes)"
		elif [ $m = legacy ]; then
			want='1 error: loader: metrics[0] (off_total): cannot attach kprobe:vfs_write+1 with legacy: kprobe_events refused "p:bpfprom_X/p_vfs_write_0x1_0 vfs_write+1": the offset is not on an instruction boundary of the function'
		else
			want="1 error: loader: metrics[0] (off_total): cannot attach kprobe:vfs_write+1 with kprobe: the offset is not on an instruction boundary of the function"
		fi
		expect "kprobe errors: +1 (inside an instruction) with $m" "$want" \
			"$rc $(sed 's/bpfprom_[0-9a-f]\{16\}/bpfprom_X/' $TMP/err)"
	done
	expect "kprobe errors: kprobe_events empty after the failed starts" "" \
		"$(cat $TRACEFS/kprobe_events 2>/dev/null)"
	# past the end: refused before the kernel is asked, whatever the mechanism
	printf 'metrics:\n  - name: off_total\n    help: h\n    probe: kprobe:vfs_write+1000000\n    aggregate: count\n' >$TMP/off.yaml
	timeout 120 $BIN --config.file=$TMP/off.yaml --probe.mechanism=kprobe 2>$TMP/err >/dev/null
	rc=$?
	expect "kprobe errors: an offset past the end of the function" \
		"1 error: plan: $TMP/off.yaml:4:12: metrics[0] (off_total): probe: kprobe:vfs_write+1000000: the offset is past the end of vfs_write (N bytes)" \
		"$rc $(sed 's/(\([0-9]*\) bytes)$/(N bytes)/' $TMP/err)"
	if [ -z "$HAVE_FENTRY" ]; then
		no_fentry "kprobe errors" $TMP/off.yaml
		return
	fi
	timeout 120 $BIN --config.file=$TMP/off.yaml --probe.mechanism=fentry 2>$TMP/err >/dev/null
	rc=$?
	expect "kprobe errors: fentry refuses an offset" \
		"1 error: plan: $TMP/off.yaml:4:12: metrics[0] (off_total): probe: kprobe:vfs_write+1000000: fentry attaches at a function's entry only; +OFFSET needs --probe.mechanism=kprobe or legacy" \
		"$rc $(cat $TMP/err)"
}

# a function outside BTF: auto falls back to the kprobe PMU; forcing fentry names why
t_kprobe_fallback() {
	# the syscall wrappers are outside BTF on x86-64 (6.1, 6.12) and arm64
	# 6.1, inside it on arm64 6.12: the premise is checked, not assumed (BTF's
	# strings are NUL-terminated names)
	if [ -n "$HAVE_BTF" ] && tr '\0' '\n' </sys/kernel/btf/vmlinux | grep -qx "${SYS_PREFIX}getppid"; then
		skip "kprobe fallback" "${SYS_PREFIX}getppid is in this kernel's BTF; the test needs a function outside it"
		return
	fi
	if ! start $CONF/kprobe_nobtf.yaml; then
		not_ok "kprobe fallback: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL bpfp_nb getppid 300
	scrape >$TMP/m.txt
	expect "kprobe fallback: a function outside BTF attaches with the kprobe PMU, exact count" \
		"$(printf '%s\n' 'vm_getppid_total 300' "bpfprom_probe_info{metric=\"vm_getppid_total\",probe=\"kprobe:${SYS_PREFIX}getppid\",mechanism=\"kprobe\"} 1")" \
		"$(grep_m -e '^vm_getppid_total' -e '^bpfprom_probe_info')"
	stop
	if [ -z "$HAVE_FENTRY" ]; then
		no_fentry "kprobe fallback" $CONF/kprobe_nobtf.yaml
		return
	fi
	timeout 120 $BIN --config.file=$CONF/kprobe_nobtf.yaml --probe.mechanism=fentry 2>$TMP/err >/dev/null
	rc=$?
	expect "kprobe fallback: forcing fentry on it says why" \
		"1 error: plan: $CONF/kprobe_nobtf.yaml:6:12: metrics[0] (vm_getppid_total): probe: kprobe:${SYS_PREFIX}getppid: \"${SYS_PREFIX}getppid\" is not in the kernel's BTF, so fentry cannot attach to it; use --probe.mechanism=auto or kprobe" \
		"$rc $(cat $TMP/err)"
}

# --list kprobe: on a kernel that has them, from available_filter_functions
t_list_kprobes() {
	if [ -z "$HAVE_KPROBES" ]; then
		skip "--list kprobe" "this kernel has no kprobes"
		return
	fi
	expect "--list 'kprobe:vfs_rea?': one function" "kprobe:vfs_read" "$($BIN --list 'kprobe:vfs_rea?' 2>&1)"
	expect "--list 'kprobe:*' is available_filter_functions (no .part., sorted, unique)" \
		"$(sed 's/ .*//' $TRACEFS/available_filter_functions | grep -v -e '\.part\.' -e '^__pfx_' -e '^__cfi_' | sort -u | wc -l)" \
		"$($BIN --list 'kprobe:*' | wc -l)"
}

# config/examples: each one checked against this kernel (info lines: the
# tracepoint ones are tested on the build machine, and older kernels lack some
# fields); the kprobe ones must be valid here and load for real
t_examples() {
	for f in config/examples/*.yaml; do
		out=$($BIN --config.check --config.file="$f" 2>&1)
		rc=$?
		if grep -q 'kprobe:' "$f"; then
			expect "examples: $f: --config.check valid with kprobes" \
				"0 config: $f: valid" "$rc ${out%%, *}"
		else
			info "examples: $f: $out"
		fi
	done
	if ! start config/examples/vfs_read_kprobe.yaml; then
		not_ok "examples: vfs_read_kprobe.yaml: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	# 4 reads of 512 bytes by a process of its own name, of a file longer
	# than that (a guest's own ld.so.cache may not be)
	build/workload/examples bpfp_vfsrd read $BIN 512 4
	scrape >$TMP/m.txt
	expect "examples: vfs_read_kprobe.yaml: every vfs_read timed (latency, return implied)" \
		'vfs_read_latency_seconds_count{comm="bpfp_vfsrd"} 4' \
		"$(grep_m '^vfs_read_latency_seconds_count{comm="bpfp_vfsrd"}')"
	expect "examples: vfs_read_kprobe.yaml: bytes returned, 4 reads of 512 (kretprobe retval)" \
		"$(printf '%s\n' 'vfs_read_bytes_sum{comm="bpfp_vfsrd"} 2048' 'vfs_read_bytes_count{comm="bpfp_vfsrd"} 4')" \
		"$(grep_m -E '^vfs_read_bytes_(sum|count)\{comm="bpfp_vfsrd"\}')"
	stop
	expect "examples: vfs_read_kprobe.yaml: SIGTERM exits 0" 0 "$RC"
	if ! start config/examples/funclatency.yaml; then
		not_ok "examples: funclatency.yaml: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	build/workload/examples bpfp_fnlat read $BIN 512 4
	scrape >$TMP/m.txt
	expect "examples: funclatency.yaml: 4 reads timed from vfs_read's entry to its return (a wildcard's implied returns)" \
		'vfs_read_functions_latency_seconds_count{func="vfs_read",comm="bpfp_fnlat"} 4' \
		"$(grep_m '^vfs_read_functions_latency_seconds_count{func="vfs_read",comm="bpfp_fnlat"}')"
	stop
	expect "examples: funclatency.yaml: SIGTERM exits 0" 0 "$RC"
}

# t_map_memory: config/default.yaml's map memory, as the kernel's memory
# cgroup accounting charges it (BPF maps are charged to the cgroup of the
# process that creates them, kernel 5.11+), with this boot's possible CPUs
# (run.sh boots 6.1 again with -smp 2,maxcpus=64 and 255 for this test).
# The bound is the issue's: at most 16 MiB at 255 possible CPUs, on the
# memory the kernel charges to the cgroup: its percpu and slab memory and
# the vmalloc areas the maps allocated (/proc/vmallocinfo: bpfprom's are
# the guest's only BPF maps). 6.1 charges what a map allocates at creation
# (an array's per-CPU values) to the root cgroup instead; the growth of the
# machine's per-CPU memory (/proc/meminfo, whole populated pages of every
# possible CPU, free space included) is shown beside it, with the programs'
# vmalloc and the cgroup's whole kernel memory.
t_map_memory() {
	cg=/sys/fs/cgroup
	possible=$(cat /sys/devices/system/cpu/possible)
	ncpu=$((${possible#*-} + 1))
	grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg
	echo +memory >$cg/cgroup.subtree_control 2>/dev/null
	mkdir -p $cg/bpfprom
	if [ ! -e $cg/bpfprom/memory.stat ]; then
		skip "map memory: default.yaml" "no memory controller in cgroup2"
		return
	fi
	# bpfprom starts inside the cgroup (the guest's shell stays out of it)
	printf '#!/bin/sh\necho $$ >%s/bpfprom/cgroup.procs\nexec build/bpfprom "$@"\n' $cg >$TMP/incg.sh
	chmod 755 $TMP/incg.sh
	BIN=$TMP/incg.sh
	# the machine's per-CPU memory before, for its growth (an idle guest)
	percpu0=$(sed -n 's/^Percpu: *\([0-9]*\) kB/\1/p' /proc/meminfo)
	started=0
	start config/default.yaml && started=1
	BIN=build/bpfprom
	if [ $started = 0 ]; then
		not_ok "map memory: default.yaml starts with $ncpu possible CPUs" "$(tail -40 $TMP/log)"
		return
	fi
	# series in every labelled map: syscalls, a context switch per CPU, execs
	$WL vm_mem getppid 100
	$WL vm_mem threads 2 getppid 100
	# 6.4+ count what a hash holds now, and the idle guest still makes
	# syscalls: the scrape's sum lies between the fdinfo sums around it
	memlock_sum() {
		memlock=0
		for f in /proc/$PID/fdinfo/*; do
			grep -q '^map_type:' "$f" 2>/dev/null || continue
			memlock=$((memlock + $(sed -n 's/^memlock:[[:space:]]*//p' "$f")))
		done
	}
	memlock_sum
	memlock0=$memlock
	scrape >$TMP/m.txt
	memlock_sum
	stat_of() { sed -n "s/^$1 //p" $cg/bpfprom/memory.stat; }
	kernel=$(stat_of kernel)
	vm_pages() { awk -v c="$1" '$3 ~ c { sub("pages=", "", $4); n += $4 } END { print n * 4096 }' /proc/vmallocinfo; }
	map_vmalloc=$(vm_pages "htab_map_alloc|bpf_map_area|array_map_alloc")
	prog_vmalloc=$(vm_pages "bpf_prog_alloc|bpf_prog_realloc")
	percpu=$((($(sed -n 's/^Percpu: *\([0-9]*\) kB/\1/p' /proc/meminfo) - percpu0) * 1024))
	maps=$(($(stat_of percpu) + $(stat_of slab) + map_vmalloc))
	series=$(grep_m '^bpfprom_metric_series{' | awk '{ n += $2 } END { print n }')
	info "map memory: $ncpu possible CPUs ($possible): maps $maps bytes (the cgroup's percpu $(stat_of percpu), slab $(stat_of slab), maps' vmalloc $map_vmalloc); the machine's per-CPU memory grew by $percpu; programs' vmalloc $prog_vmalloc; cgroup kernel $kernel (vmalloc $(stat_of vmalloc)); fdinfo memlock $memlock; $series series"
	scraped=$(grep_m '^bpfprom_map_memory_bytes{' | awk '{ n += $2 } END { print n }')
	if [ "$scraped" -ge "$memlock0" ] && [ "$scraped" -le "$memlock" ]; then
		ok "map memory: bpfprom_map_memory_bytes sums to the maps' fdinfo memlock"
	else
		not_ok "map memory: bpfprom_map_memory_bytes sums to the maps' fdinfo memlock" \
			"scraped $scraped, fdinfo $memlock0 before the scrape and $memlock after"
	fi
	# the issue's bound at every CPU count (at 255, about 11.6 MiB since
	# the labelled histogram's series are shared: 15.4 to 16.8 MiB before)
	if [ "$maps" -le 16777216 ]; then
		ok "map memory: default.yaml's maps hold at most 16 MiB with $ncpu possible CPUs"
	else
		not_ok "map memory: default.yaml's maps hold at most 16 MiB with $ncpu possible CPUs" \
			"the maps hold $maps bytes" "$(grep -e bpf_map -e bpf_prog /proc/vmallocinfo)" \
			"$(cat $cg/bpfprom/memory.stat)"
	fi
	stop
	expect "map memory: SIGTERM exits 0" 0 "$RC"
	rmdir $cg/bpfprom 2>/dev/null
}

# kernel wildcards: kprobe:vfs_* and kretprobe:vfs_writ* counted by func
# exactly (the syscall wrappers __x64_sys_get* are no targets: since the
# x64_sys_call switch, 6.9 and backported to 6.1, most are inlined into it);
# one multi-kprobe link where the kernel has them (auto; CONFIG_FPROBE, which
# Debian's 6.12 has and its 6.1 lacks: its fprobe events in tracefs's README
# tell), one kprobe per function when --probe.mechanism=kprobe forces it
t_kprobe_wild() {
	[ -n "$HAVE_KPROBES" ] || { skip "kprobe wildcards" "no kprobes"; return; }
	case "$FLAGS" in
	*--probe.mechanism=kprobe*) mech=kprobe ;;
	*--probe.mechanism=legacy*) mech=legacy ;;
	*)
		mech=kprobe
		grep -q 'f\[:\[<group>/\]' $TRACEFS/README 2>/dev/null && mech=kprobe_multi
		;;
	esac
	cat >$TMP/wild.yaml <<Y
metrics:
  - name: vm_wild_total
    help: calls of the kernel's vfs_* functions, by function.
    probe: kprobe:vfs_*
    aggregate: count
    labels: [func]
    filter: [comm == "vm_wild"]
  - name: vm_wild_ret_total
    help: returns of vfs_writ*, by function.
    probe: [kretprobe:vfs_writ*, kretprobe:bpfprom_renamed_away]
    missing: skip
    aggregate: count
    labels: [func]
    filter: [comm == "vm_wild"]
  - name: vm_wlat_seconds
    help: time in vfs_writ* by function (the implied returns of a wildcard end its pairs).
    probe: kprobe:vfs_writ*
    aggregate: stats
    value: latency
    unit: seconds
    labels: [func]
    filter: [comm == "vm_wild"]
Y
	if ! start $TMP/wild.yaml --log.level=debug; then
		not_ok "kprobe wildcards: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	multi=$(sed -n 's/^debug: kernel: \(multi-kprobe.*\)/\1/p' $TMP/log)
	[ -z "$multi" ] || info "kprobe wildcards$SUFFIX: $multi"
	$WL vm_wild open tests/vm/configs/kprobe.yaml 3 write 1 2 3 4
	scrape >$TMP/m.txt
	expect "kprobe wildcard: exact calls by func" \
		"$(printf '%s\n' 'vm_wild_total{func="vfs_open"} 3' 'vm_wild_total{func="vfs_write"} 4')" \
		"$(grep_m '^vm_wild_total')"
	expect "kretprobe wildcard and missing: skip: exact returns by func" \
		'vm_wild_ret_total{func="vfs_write"} 4' "$(grep_m '^vm_wild_ret_total')"
	expect "kprobe wildcard latency: the implied returns end the pairs, exact count by func" \
		'vm_wlat_seconds_count{func="vfs_write"} 4' "$(grep_m '^vm_wlat_seconds_count')"
	expect "kprobe wildcards: bpfprom_probe_info says $mech" \
		"$(printf '%s\n' "bpfprom_probe_info{metric=\"vm_wild_total\",probe=\"kprobe:vfs_*\",mechanism=\"$mech\"} 1" \
			"bpfprom_probe_info{metric=\"vm_wild_ret_total\",probe=\"kretprobe:vfs_writ*\",mechanism=\"$mech\"} 1")" \
		"$(grep_m '^bpfprom_probe_info{metric="vm_wild')"
	n=$($BIN --list 'kprobe:vfs_*' | wc -l)
	if [ $mech = kprobe_multi ]; then
		want="kprobe:vfs_* attached with kprobe_multi"
	else
		want="kprobe:vfs_* attached with $mech, $n links"
	fi
	expect "kprobe wildcard: $([ $mech = kprobe_multi ] && echo "one multi-kprobe link" || echo "one $mech per function") for the $n of --list" \
		"$want" "$(sed -n 's/^debug: loader: metrics\[0\] (vm_wild_total): //p' $TMP/log)"
	stop
	expect "kprobe wildcards: SIGTERM exits 0" 0 "$RC"
	[ $mech != legacy ] ||
		expect "kprobe wildcards: tracefs kprobe_events is empty after exit" "" "$(cat $TRACEFS/kprobe_events)"
}

# pairs of kernel probes that read at their end (until.retval through the
# implied kretprobe or fexit), and a kprobe wildcard that starts pairs a
# named kretprobe ends, under the mechanism the run forces: exact
t_kpairs() {
	case "$FLAGS" in
	*--probe.mechanism=*)
		mech=${FLAGS#*--probe.mechanism=}
		mech=${mech%% *}
		;;
	*) mech=auto ;;
	esac
	if [ -z "$HAVE_KPROBES" ] && [ "$mech" != fentry ]; then
		skip "kernel pairs" "this kernel has no kprobes"
		return
	fi
	if [ -z "$HAVE_FENTRY" ] && [ "$mech" = fentry ]; then
		skip "kernel pairs" "this kernel has no fentry"
		return
	fi
	cat >$TMP/kpairs.yaml <<Y
metrics:
  - name: vm_kpair_ret_bytes_total
    help: what vfs_write returned, read at its return.
    probe: kprobe:vfs_write
    aggregate: sum
    value: until.retval
    filter: [comm == "vm_kpair"]
  - name: vm_kpair_by_total
    help: vfs_write calls by the count asked (at entry) and the bytes written (at return).
    probe: kprobe:vfs_write
    aggregate: count
    labels: [{name: req, source: arg2}, {name: got, source: until.retval}]
    filter: [comm == "vm_kpair", until.retval > 1]
Y
	# fentry takes no wildcard (a trampoline per function)
	[ "$mech" = fentry ] || cat >>$TMP/kpairs.yaml <<Y
  - name: vm_kpair_wild_total
    help: calls of vfs_writ* ended by vfs_write's return, by function.
    probe: kprobe:vfs_writ*
    until: kretprobe:vfs_write
    aggregate: count
    labels: [func]
    filter: [comm == "vm_kpair"]
Y
	if ! start $TMP/kpairs.yaml; then
		not_ok "kernel pairs: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL vm_kpair write 1 2 3 4
	scrape >$TMP/m.txt
	expect "kernel pairs: until.retval summed at the return (1 + 2 + 3 + 4)" \
		'vm_kpair_ret_bytes_total 10' "$(grep_m '^vm_kpair_ret_bytes_total')"
	expect "kernel pairs: a label at entry and one at return, and a filter at return (> 1)" \
		"$(printf '%s\n' 'vm_kpair_by_total{req="2",got="2"} 1' 'vm_kpair_by_total{req="3",got="3"} 1' 'vm_kpair_by_total{req="4",got="4"} 1')" \
		"$(grep_m '^vm_kpair_by_total' | sort)"
	[ "$mech" = fentry ] ||
		expect "kernel pairs: a kprobe wildcard ended by a named kretprobe, by func" \
			'vm_kpair_wild_total{func="vfs_write"} 4' "$(grep_m '^vm_kpair_wild_total')"
	expect "kernel pairs: nothing dropped" "" \
		"$(grep_m '^bpfprom_dropped_events_total{metric="vm_kpair' | grep -v ' 0$')"
	stop
	expect "kernel pairs: SIGTERM exits 0" 0 "$RC"
}

# a uprobe wildcard over the uprobe workload's functions, counted by func
# exactly: one multi-uprobe link from 6.6 on (6.12), one uprobe each before (6.1)
t_uprobe_wild() {
	mech=uprobe
	kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	[ "${kv% *}" -gt 6 ] || { [ "${kv% *}" -eq 6 ] && [ "${kv#* }" -ge 6 ]; } && mech=uprobe_multi
	printf 'metrics:\n  - name: vm_uwild_total\n    help: h.\n    probe: "uprobe:%s:bpfprom_*"\n    aggregate: count\n    labels: [func]\n    filter: [comm == "vm_uwild"]\n' \
		"$UW" >$TMP/uwild.yaml
	if ! start $TMP/uwild.yaml --log.level=debug; then
		not_ok "uprobe wildcard: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$UW vm_uwild values 1 2 3 ret 5 begin end end
	scrape >$TMP/m.txt
	expect "uprobe wildcard: exact calls by func" \
		"$(printf '%s\n' 'vm_uwild_total{func="bpfprom_begin"} 1' 'vm_uwild_total{func="bpfprom_end"} 2' \
			'vm_uwild_total{func="bpfprom_ret"} 1' 'vm_uwild_total{func="bpfprom_value"} 3')" \
		"$(grep_m '^vm_uwild_total')"
	expect "uprobe wildcard: bpfprom_probe_info says $mech" \
		"bpfprom_probe_info{metric=\"vm_uwild_total\",probe=\"uprobe:$UW:bpfprom_*\",mechanism=\"$mech\"} 1" \
		"$(grep_m '^bpfprom_probe_info{metric="vm_uwild')"
	stop
	expect "uprobe wildcard: SIGTERM exits 0" 0 "$RC"
}

# a module's functions and types: kprobe:__tun_detach's arg0 is a struct
# tun_file * of the tun module's own BTF (/sys/kernel/btf/tun, split over
# vmlinux's); paths through it into vmlinux's types, a cast to it, a return
# value, exact, under the mechanism the run forces (auto: fentry, which
# attaches to a module's function through the module's BTF object)
t_modbtf() {
	case "$FLAGS" in
	*--probe.mechanism=*) mech=${FLAGS#*--probe.mechanism=} mech=${mech%% *} ;;
	*) mech=auto ;;
	esac
	if [ -z "$HAVE_BTF" ]; then
		skip "module BTF" "this kernel has no BTF"
		return
	fi
	if { [ -z "$HAVE_KPROBES" ] && [ "$mech" != fentry ]; } ||
		{ [ -z "$HAVE_FENTRY" ] && [ "$mech" = fentry ]; }; then
		skip "module BTF" "this kernel lacks $mech"
		return
	fi
	want=$mech
	[ $mech = auto ] && { want=kprobe; [ -n "$HAVE_FENTRY" ] && want=fentry; }
	ko=/lib/modules/$(uname -r)/tun.ko
	if [ ! -d /sys/module/tun ]; then
		if [ ! -e "$ko" ]; then
			not_ok "module BTF: tun.ko is in the initramfs" "no $ko (tests/vm/run.sh: VM_MODULES)"
			return
		fi
		if ! insmod "$ko" 2>$TMP/err; then
			not_ok "module BTF: insmod tun.ko" "$(cat $TMP/err)"
			return
		fi
	fi
	if [ ! -e /sys/kernel/btf/tun ]; then
		not_ok "module BTF: /sys/kernel/btf/tun exists (CONFIG_DEBUG_INFO_BTF_MODULES)" "$(ls /sys/kernel/btf)"
		return
	fi
	[ -e /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
	if ! start $CONF/modbtf.yaml; then
		not_ok "module BTF: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL bpfp_tun open /dev/net/tun 5
	scrape >$TMP/m.txt
	expect "module BTF: a module's struct member and a path from it into vmlinux's types, exact" \
		'vm_tun_detach_total{sndbuf="2147483647",dev="tun"} 5' "$(grep_m '^vm_tun_detach_total')"
	expect "module BTF: a cast to a module's struct at a vmlinux function, exact" \
		'vm_tun_sock_init_total{dev="tun"} 5' "$(grep_m '^vm_tun_sock_init_total')"
	expect "module BTF: a module function's return value, exact" \
		'vm_tun_open_returns_total{retval="0"} 5' "$(grep_m '^vm_tun_open_returns_total')"
	expect "module BTF: every probe attached with $want" "3" \
		"$(grep_m -c "^bpfprom_probe_info{metric=\"vm_tun_.*,mechanism=\"$want\"} 1")"
	stop
	expect "module BTF: SIGTERM exits 0" 0 "$RC"
	# a member the module's type does not have: the plan says which type
	sed 's/arg0->sk\.sk_sndbuf/arg0->queue_idx/' $CONF/modbtf.yaml >$TMP/modbad.yaml
	timeout 120 $BIN --config.file=$TMP/modbad.yaml $FLAGS 2>$TMP/err >/dev/null
	rc=$?
	expect "module BTF: an unknown member of a module's struct is named with its type" \
		"1 error: plan: $TMP/modbad.yaml:13:32: metrics[0] (vm_tun_detach_total): labels[0]: arg0->queue_idx: struct tun_file has no member \"queue_idx\" (did you mean \"queue_index\"?)" \
		"$rc $(cat $TMP/err)"
}

# a module's raw tracepoint typed from that module's BTF: null_blk, loaded
# zoned, fires nullb_report_zones(struct nullb *nullb, unsigned int
# nr_zones) once per BLKREPORTZONE; struct nullb is null_blk's own type, its
# disk a vmlinux gendisk: exact counts by nr_zones and the disk's name
t_modrt() {
	for mod in configfs null_blk; do
		[ ! -d /sys/module/$mod ] || continue
		ko=/lib/modules/$(uname -r)/$mod.ko
		if [ ! -e "$ko" ]; then
			not_ok "module raw tracepoint: $mod.ko is in the initramfs" "no $ko (tests/vm/run.sh: VM_MODULES)"
			return
		fi
		args=
		[ $mod = null_blk ] && args="zoned=1 nr_devices=1 gb=1 zone_size=64"
		# shellcheck disable=SC2086 # the module's parameters, split
		if ! insmod "$ko" $args 2>$TMP/err; then
			not_ok "module raw tracepoint: insmod $mod.ko $args" "$(cat $TMP/err)" "$(dmesg | tail -5)"
			return
		fi
	done
	if [ ! -e /sys/kernel/btf/null_blk ]; then
		not_ok "module raw tracepoint: /sys/kernel/btf/null_blk exists" "$(ls /sys/kernel/btf)"
		return
	fi
	[ -b /dev/nullb0 ] || mknod /dev/nullb0 b "$(cut -d: -f1 /sys/block/nullb0/dev)" "$(cut -d: -f2 /sys/block/nullb0/dev)"
	cat >$TMP/modrt.yaml <<Y
metrics:
  - name: vm_nullb_zone_reports_total
    help: zone reports of null_blk devices, by device and zones asked.
    probe: rt:nullb_report_zones
    aggregate: count
    labels:
      - {name: disk, source: str(args.nullb->disk->disk_name), size: 16}
      - {name: zones, source: args.nr_zones}
Y
	expect "module raw tracepoint: --list -v names its arguments from the module's BTF" \
		"$(printf '%s\n' 'rawtracepoint:nullb_report_zones' '    struct nullb *nullb;' '    unsigned int nr_zones;')" \
		"$($BIN --list -v 'rt:nullb_report_zones' 2>&1)"
	if ! start $TMP/modrt.yaml; then
		not_ok "module raw tracepoint: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL vm_zones zones /dev/nullb0 3 4 zones /dev/nullb0 2 1
	scrape >$TMP/m.txt
	expect "module raw tracepoint: exact reports by the disk's name (a path from the module's struct into vmlinux's) and zones asked" \
		"$(printf '%s\n' 'vm_nullb_zone_reports_total{disk="nullb0",zones="1"} 2' 'vm_nullb_zone_reports_total{disk="nullb0",zones="4"} 3')" \
		"$(grep_m '^vm_nullb_zone_reports_total' | sort)"
	# BTF-typed where the kernel attaches a module's event so (both here)
	expect "module raw tracepoint: bpfprom_probe_info says tp_btf" \
		'bpfprom_probe_info{metric="vm_nullb_zone_reports_total",probe="rt:nullb_report_zones",mechanism="tp_btf"} 1' \
		"$(grep_m '^bpfprom_probe_info{metric="vm_nullb_zone_reports_total"')"
	stop
	expect "module raw tracepoint: SIGTERM exits 0" 0 "$RC"
}

# --- the order they run in -----------------------------------------------------
grep -q " $TRACEFS tracefs " /proc/mounts || mount -t tracefs nodev $TRACEFS
detect
run t_tracepoint_count
run t_uprobe
run t_shutdown
run t_kprobe
for m in fentry kprobe legacy; do
	run t_kprobe --probe.mechanism=$m
done
run t_kprobe --probe.mechanism=kprobe --bpf.fuse=false
run t_kpath
for m in fentry kprobe legacy; do
	run t_kpath --probe.mechanism=$m
done
run t_modbtf
for m in fentry kprobe legacy; do
	run t_modbtf --probe.mechanism=$m
done
run t_modrt
run t_kprobe_legacy_kill
for m in fentry legacy; do
	run t_kprobe_reload --probe.mechanism=$m
done
run t_kprobe_errors
run t_kprobe_fallback
run t_list_kprobes
run t_uprobe_wild
run t_kprobe_wild
run t_kprobe_wild --probe.mechanism=kprobe
run t_kprobe_wild --probe.mechanism=legacy
run t_kpairs
for m in fentry kprobe legacy; do
	run t_kpairs --probe.mechanism=$m
done
run t_examples
run t_map_memory
say done
