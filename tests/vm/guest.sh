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
# HAVE_KPROBES and HAVE_BTF say what the kernel offers (see detect). start
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

# run FUNC [FLAGS...]: one test section, with extra bpfprom flags if given;
# VMTEST_ONLY (vmtest.only= on the kernel command line) selects by name
run() {
	fn=$1
	shift
	case $fn in *"$VMTEST_ONLY"*) ;; *) return 0 ;; esac
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
}

t_tracepoint_count() {
	if ! start $CONF/tracepoint.yaml; then
		not_ok "tracepoint: bpfprom starts" "$(tail -40 $TMP/log)"
		return
	fi
	$WL vm_cnt getppid 1000
	$WL vm_thr threads 2 getppid 2000
	$WL vm_hist write 0 1 2 3 4 5 17
	scrape >$TMP/m.txt
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

# --- the order they run in -----------------------------------------------------
grep -q " $TRACEFS tracefs " /proc/mounts || mount -t tracefs nodev $TRACEFS
detect
run t_tracepoint_count
run t_uprobe
run t_shutdown
say done
