#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lifecycle tests on the real kernel: reload by SIGHUP and POST /-/reload
# (unchanged metrics keep their counts, a bad config keeps the old one),
# shutdown, and running with the minimal capabilities or with none.
# Needs root. Closes with: lifecycle: N passed, N failed, N skipped
SUITE=lifecycle
. tests/lib.sh
WL=$BUILD/workload/syscalls
UW=$BUILD/workload/uprobe_target
CGDIR=
cleanup() { [ -n "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null; }
AT_EXIT=cleanup
need_root

# --- reload: unchanged metrics keep their maps -----------------------------
metric() { # NAME COMM [HELP]
	printf '  - name: %s\n    help: %s\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n    filter: [comm == "%s"]\n' \
		"$1" "${3:-getppid calls.}" "$2"
}
{ echo "metrics:"; metric lc_kept_total lc_a; metric lc_changed_total lc_b; } >"$TMP/a.yaml"
{
	echo "metrics:"
	metric lc_kept_total lc_a "getppid calls, with new help (the map stays)."
	metric lc_changed_total lc_c
	metric lc_new_total lc_a
} >"$TMP/b.yaml"
cp "$TMP/a.yaml" "$TMP/live.yaml"
if start "$TMP/live.yaml" --web.enable-lifecycle; then
	$WL lc_a getppid 1000
	$WL lc_b getppid 70
	base=$(loaded_progs)
	# the kept metric's program: the first one loaded
	before=$(prog_ids | head -1)
	cp "$TMP/b.yaml" "$TMP/live.yaml"
	expect "SIGHUP reloads: the summary says what was kept" \
		"reload: $TMP/live.yaml: 3 metrics: 1 kept with their counts, 2 loaded anew" "$(hup)"
	# both metrics were fused into one program; the reload keeps it for the
	# kept metric, turning the changed one's slot off, and loads the changed
	# and the new metric into a program of their own
	expect "reload: the kept metric's fused program stays, one new program for the changed and new metrics" \
		"1 2 1" "$base $(loaded_progs) $(prog_ids | grep -cxF "$before")"
	$WL lc_a getppid 500
	$WL lc_c getppid 20
	scrape >"$TMP/m.txt"
	expect "reload: an unchanged metric continues its count (1000 + 500)" \
		"lc_kept_total 1500" "$(grep '^lc_kept_total' "$TMP/m.txt")"
	expect "reload: a changed metric starts from its new definition" \
		"lc_changed_total 20" "$(grep '^lc_changed_total' "$TMP/m.txt")"
	expect "reload: a new metric counts from the reload" \
		"lc_new_total 500" "$(grep '^lc_new_total' "$TMP/m.txt")"
	expect "reload: the new help text is served" \
		"# HELP lc_kept_total getppid calls, with new help (the map stays)." \
		"$(grep '^# HELP lc_kept_total' "$TMP/m.txt")"
	expect "reload: bpfprom_scrapes_total continues across the reload" \
		"bpfprom_scrapes_total 1" "$(grep '^bpfprom_scrapes_total' "$TMP/m.txt")"

	# a config that does not parse: the old one keeps running
	printf 'metrics:\n  - name: lc_kept_total\n    help: [unclosed\n' >"$TMP/live.yaml"
	progs=$(loaded_progs)
	msg=$(hup)
	expect "a malformed config is refused with its file:line:col" \
		"reload: failed, still serving the previous config: config: $TMP/live.yaml:4:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)" "$msg"
	$WL lc_a getppid 3
	scrape >"$TMP/m.txt"
	expect "failed reload: bpfprom_config_last_load_success is 0" \
		"bpfprom_config_last_load_success 0" "$(grep '^bpfprom_config_last_load_success ' "$TMP/m.txt")"
	expect "failed reload: the old metrics keep counting" \
		"lc_kept_total 1503" "$(grep '^lc_kept_total' "$TMP/m.txt")"

	# planned fine, fails to attach (a uprobe event of tracefs has an id and
	# a format like a tracepoint, but the kernel refuses a tracepoint program
	# on it): all or nothing, nothing of the new config stays loaded
	echo 'p:lcfail/ev /bin/true:0x0' >>$TRACEFS/uprobe_events
	{
		cat "$TMP/b.yaml"
		printf '  - name: lc_fail_total\n    help: x.\n    probe: tracepoint:lcfail:ev\n    aggregate: count\n'
	} >"$TMP/live.yaml"
	msg=$(hup)
	expect "an attach failure is refused and named" \
		"reload: failed, still serving the previous config: loader: metrics[3] (lc_fail_total): cannot attach tracepoint:lcfail:ev: Invalid argument" "$msg"
	expect "failed attach: no program of the new config is left loaded" "$progs" "$(loaded_progs)"
	echo '-:lcfail/ev' >>$TRACEFS/uprobe_events
	# pid: of a process that does not exist: refused by plan, naming it
	{
		cat "$TMP/b.yaml"
		printf '  - name: lc_uprobe_total\n    help: x.\n    probe: uprobe:%s:bpfprom_value\n    aggregate: count\n    pid: 4194000\n' \
			"$(realpath $UW)"
	} >"$TMP/live.yaml"
	msg=$(hup)
	expect "a pid: that names no process is refused" \
		"reload: failed, still serving the previous config: plan: $TMP/live.yaml:$(($(wc -l <"$TMP/b.yaml") + 3)):12: metrics[3] (lc_uprobe_total): probe: process 4194000 does not exist (no /proc/4194000)" "$msg"

	# POST /-/reload, and the methods it refuses
	cp "$TMP/b.yaml" "$TMP/live.yaml"
	expect "POST /-/reload: 200 and the summary" \
		"200 config reloaded: $TMP/live.yaml: 3 metrics: 3 kept with their counts, 0 loaded anew" \
		"$(curl -sS -o "$TMP/body" -w '%{http_code}' -X POST "http://$ADDR/-/reload") $(cat "$TMP/body")"
	expect "after a good reload bpfprom_config_last_load_success is 1 again" \
		"1" "$(value bpfprom_config_last_load_success)"
	printf 'metrics: 3\n' >"$TMP/live.yaml"
	code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -X PUT "http://$ADDR/-/reload")
	expect "PUT /-/reload of a bad config: 500 and the error" \
		"500 failed to reload config: config: $TMP/live.yaml:1:10: metrics: expected a list of metrics, got a string" "$code $(cat "$TMP/body")"
	expect "GET /-/reload: 405 with Allow: POST, PUT" "405 Allow: POST, PUT" \
		"$(curl -sS -D - -o /dev/null "http://$ADDR/-/reload" | tr -d '\r' | sed -n 's/^HTTP[^ ]* \([0-9]*\).*/\1/p;s/^Allow: /Allow: /p' | tr '\n' ' ' | sed 's/ $//')"
	expect "the counts survived every reload" "1503" "$(value lc_kept_total)"

	# shutdown: within a second, exit 0
	held "shutdown"
	t0=$(date +%s%N)
	stop
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "       (SIGTERM to exit: $ms ms)"
	expect "SIGTERM: exit 0 within a second" "0 yes" "$RC $([ $ms -lt 1000 ] && echo yes || echo "no ($ms ms)")"
	gone "after exit"
fi

if start "$TMP/a.yaml"; then
	expect "without --web.enable-lifecycle POST /-/reload is 403" \
		"403 403 the lifecycle API is not enabled: start bpfprom with --web.enable-lifecycle" \
		"$(curl -sS -o "$TMP/body" -w '%{http_code}' -X POST "http://$ADDR/-/reload") $(cat "$TMP/body")"
	kill -INT "$PID"
	wait "$PID"
	expect "SIGINT: exit 0" 0 $?
	PID=
fi

# --- reload with fused programs -----------------------------------------------
# the sum over CPUs of the first counter in map NAME of program ID (a
# metric without labels has one series)
slot_count() {
	for m in $(bpftool prog show id "$1" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr , ' '); do
		bpftool map show id "$m" | grep -q " name $2 " || continue
		bpftool map dump id "$m" | awk '
			function hex(b) { return index("0123456789abcdef", tolower(substr(b, 1, 1))) * 16 - 16 + index("0123456789abcdef", tolower(substr(b, 2, 1))) - 1 }
			/^value \(CPU/ { sub(/^[^:]*: */, ""); v = 0; for (i = 8; i >= 1; i--) { split($0, b, " "); v = v * 256 + hex(b[i]) } sum += v }
			END { print sum + 0 }'
		return
	done
	echo "no map $2 in program $1"
}
{ echo "metrics:"; metric lf_keep_total lf_a; metric lf_drop_total lf_b; metric lf_change_total lf_c; } >"$TMP/f1.yaml"
{ echo "metrics:"; metric lf_keep_total lf_a; metric lf_change_total lf_d; metric lf_new_total lf_a; } >"$TMP/f2.yaml"
{ echo "metrics:"; metric lf_change_total lf_d; metric lf_new_total lf_a; } >"$TMP/f3.yaml"
cp "$TMP/f1.yaml" "$TMP/live.yaml"
if start "$TMP/live.yaml" --bpf.stats; then
	$WL lf_a getppid 100
	$WL lf_b getppid 40
	$WL lf_c getppid 30
	fused=$(prog_ids)
	expect "fused reload: three metrics on one tracepoint, one program; slot maps count 40, 30" \
		"1 40 30" "$(echo "$fused" | wc -w) $(slot_count "$fused" series1) $(slot_count "$fused" series2)"
	cp "$TMP/f2.yaml" "$TMP/live.yaml"
	expect "fused reload: one kept, two loaded anew" \
		"reload: $TMP/live.yaml: 3 metrics: 1 kept with their counts, 2 loaded anew" "$(hup)"
	expect "fused reload: the fused program stays, attached; the changed and new metrics get one new program" \
		"2 1" "$(loaded_progs) $(prog_ids | grep -cxF "$fused")"
	$WL lf_a getppid 50
	$WL lf_b getppid 40
	$WL lf_c getppid 30
	$WL lf_d getppid 20
	scrape >"$TMP/m.txt"
	expect "fused reload: the kept metric counts on (100 + 50), the changed from its new definition, the new from the reload" \
		"$(printf '%s\n' 'lf_change_total 20' 'lf_keep_total 150' 'lf_new_total 50')" \
		"$(grep '^lf_[a-z]*_total' "$TMP/m.txt" | sort)"
	# the slots of the metrics that went are off: their maps, still held by
	# the program, did not count the 40 lf_b and 30 lf_c calls since
	expect "fused reload: the dropped and the changed metric's slots are off (still 40, 30)" \
		"40 30" "$(slot_count "$fused" series1) $(slot_count "$fused" series2)"
	expect "fused reload: program stats name each program's live metrics" \
		"$(printf '%s\n' 'bpfprom_program_runs_total{metric="lf_keep_total"}' 'bpfprom_program_runs_total{metric="lf_change_total,lf_new_total"}')" \
		"$(sed -n 's/^\(bpfprom_program_runs_total{[^}]*}\).*/\1/p' "$TMP/m.txt")"
	cp "$TMP/f3.yaml" "$TMP/live.yaml"
	expect "fused reload: its last live metric gone, nothing kept from the old program" \
		"reload: $TMP/live.yaml: 2 metrics: 2 kept with their counts, 0 loaded anew" "$(hup)"
	expect "fused reload: the old program is detached and unloaded, the new one stays" \
		"1 0" "$(loaded_progs) $(still_loaded "$fused")"
	$WL lf_a getppid 5
	expect "fused reload: the new program counts on" "55" "$(value lf_new_total)"
	stop
	expect "fused reload: SIGTERM exits 0" 0 "$RC"
fi

# --- a reload that drops a metric detaches it while bpfprom runs --------------
{
	echo "metrics:"
	metric ld_tp_total ld_a
	printf '  - name: ld_up_total\n    help: x.\n    probe: uprobe:%s:bpfprom_value\n    aggregate: count\n' "$(realpath $UW)"
} >"$TMP/d1.yaml"
{ echo "metrics:"; metric ld_tp_total ld_a; } >"$TMP/d2.yaml"
cp "$TMP/d1.yaml" "$TMP/live.yaml"
if start "$TMP/live.yaml"; then
	before=$(prog_ids)
	cp "$TMP/d2.yaml" "$TMP/live.yaml"
	expect "dropping reload: the uprobe metric goes, the tracepoint one is kept" \
		"reload: $TMP/live.yaml: 1 metric: 1 kept with their counts, 0 loaded anew" "$(hup)"
	after=$(prog_ids)
	dropped=$(echo "$before" | grep -vxF "$after")
	# while bpfprom lives: the kernel frees nothing on its own here
	expect "dropping reload: 2 programs before, 1 after; the dropped one unloaded while bpfprom runs" \
		"2 1 1 0" "$(echo $before | wc -w) $(echo $after | wc -w) $(echo $dropped | wc -w) $(still_loaded "$dropped")"
	expect "dropping reload: no uprobe_events entry on its binary" "" "$(probe_events "$(realpath $UW)")"
	$UW ld_up values 1 2
	$WL ld_a getppid 4
	expect "dropping reload: the kept metric counts on, the dropped one is no longer served" "ld_tp_total 4 ," \
		"$(scrape | grep '^ld_tp_total') ,$(scrape | grep '^ld_up_total')"
	stop "dropping reload"
fi

# --- capabilities ------------------------------------------------------------
# the configs of the runs as uid 65534 are where that uid can read them (TMP
# is root's 0700 folder): a missing capability fails on what bpfprom needs it
# for, not on reading the config
CAPS=$TMP/caps
mkdir -m 755 "$CAPS"
chmod 711 "$TMP"
cat >"$CAPS/caps.yaml" <<EOF
metrics:
  - name: cap_getppid_total
    help: getppid calls.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [comm]
    filter: [comm == "cap_tp"]
  - name: cap_values
    help: bpfprom_value arguments.
    probe: uprobe:$(realpath $UW):bpfprom_value
    aggregate: hist
    value: arg0
    filter: [comm == "cap_up"]
  - name: cap_hrtimer_total
    help: hrtimers started, by callback.
    probe: tracepoint:timer:hrtimer_start
    aggregate: count
    labels:
      - {name: fn, source: args.function, decode: ksym}
    filter: [comm == "cap_ksym"]
  - name: cap_cgroup_total
    help: getppid calls by cgroup.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels:
      - {name: cgroup, source: cgroup, decode: cgroup_path}
    filter: [comm == "cap_cg"]
EOF
# the same without the uprobe
awk '/^  - name: cap_values/ { skip = 1; next } /^  - name:/ { skip = 0 } !skip' "$CAPS/caps.yaml" >"$CAPS/caps_tp.yaml"
chmod 644 "$CAPS/caps.yaml" "$CAPS/caps_tp.yaml"
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CGDIR=
[ -n "$CG2" ] && mkdir "$CG2/bpfprom-caps" 2>/dev/null && CGDIR=$CG2/bpfprom-caps
# the workloads of the capability runs, and what they must show
caps_workload() {
	$WL cap_tp getppid 321
	$UW cap_up values 1 2 3 4
	$UW cap_ksym sleep 1
	[ -n "$CGDIR" ] && sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" cap_cg getppid 7' "$CGDIR" "$WL"
	scrape >"$TMP/c.txt"
}
check_caps_scrape() { # WHAT
	expect "$1: tracepoint count exact" 'cap_getppid_total{comm="cap_tp"} 321' \
		"$(grep '^cap_getppid_total' "$TMP/c.txt")"
	if [ "$2" != tp ]; then
		expect "$1: uprobe hist exact" 'cap_values_count 4 cap_values_sum 10' \
			"$(grep -e '^cap_values_count' -e '^cap_values_sum' "$TMP/c.txt" | sort | tr '\n' ' ' | sed 's/ $//')"
	fi
	expect "$1: ksym decodes (kallsyms opened while privileged)" 'cap_hrtimer_total{fn="hrtimer_wakeup"} 1' \
		"$(grep '^cap_hrtimer_total{fn="hrtimer_wakeup"}' "$TMP/c.txt")"
	if [ -n "$CGDIR" ]; then
		expect "$1: cgroup_path decodes" 'cap_cgroup_total{cgroup="/bpfprom-caps"} 7' \
			"$(grep '^cap_cgroup_total' "$TMP/c.txt")"
	else
		skip "$1: cgroup_path decodes" "no writable cgroup2 mount"
	fi
	expect "$1: no decode error" "" "$(grep '^bpfprom_decode_errors_total{.*} [1-9]' "$TMP/c.txt")"
}

# --capabilities.keep=none as root: nothing left, and everything still works
if start "$CAPS/caps.yaml" --capabilities.keep=none; then
	expect "keep=none: the log says so" 1 "$(grep -c 'listening on .*; capabilities dropped$' "$TMP/log")"
	expect "keep=none: effective, permitted, inheritable, bounding and ambient sets are empty" \
		"CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000" \
		"$(grep '^Cap' /proc/$PID/status | tr -d '\t' | tr '\n' ' ' | sed 's/ $//')"
	expect "keep=none: every thread has none" "0000000000000000" \
		"$(grep -h '^CapEff' /proc/$PID/task/*/status | cut -f2 | sort -u)"
	caps_workload
	check_caps_scrape "keep=none"
	expect "keep=none: a reload is refused, saying why" \
		"reload: failed, still serving the previous config: capabilities were dropped (--capabilities.keep=none): restart bpfprom to change the config" \
		"$(hup)"
	held "keep=none"
	stop
	expect "keep=none: SIGTERM exits 0 (the programs detach without capabilities)" 0 "$RC"
	gone "keep=none" "$(realpath $UW)"
fi

# the documented minimal sets, as an unprivileged user: they work, and
# without any one of them start-up fails. Tracepoints (with ksym and
# cgroup_path decoding) need CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH and
# CAP_SYSLOG; the kernel's uprobe PMU wants CAP_SYS_ADMIN, which implies
# CAP_BPF and CAP_PERFMON.
capset() { echo "$1" | sed 's/\([a-z_]*\)/+\1/g;s/ /,/g'; }
as_user() { # CAPS
	c=$(capset "$1")
	RUNAS="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all${c:+,$c} --ambient-caps=-all${c:+,$c} --bounding-set=-all${c:+,$c}"
}
# start_fails CONFIG CAPS NAME MESSAGE: start-up as uid 65534 with CAPS exits
# 1, its log the one line "error: MESSAGE"
start_fails() {
	as_user "$2"
	: >"$TMP/log"
	$RUNAS timeout 10 "$BIN" --config.file="$1" --web.listen-address=127.0.0.1:0 2>"$TMP/log"
	expect "$3" "rc=1 error: $4" "rc=$? $(cat "$TMP/log")"
	RUNAS=
}
# with_caps CONFIG CAPS CAPEFF KIND: runs as uid 65534 with exactly CAPS
with_caps() {
	as_user "$2"
	if start "$1"; then
		RUNAS=
		expect "caps $2: runs as uid 65534 with exactly them" "Uid:65534 CapEff:$3" \
			"$(awk '/^Uid:/ { print "Uid:" $2 } /^CapEff:/ { print "CapEff:" $2 }' /proc/$PID/status | tr '\n' ' ' | sed 's/ $//')"
		caps_workload
		check_caps_scrape "caps $2" "$4"
		held "caps $2"
		stop
		expect "caps $2: SIGTERM exits 0" 0 "$RC"
		gone "caps $2" "$(realpath $UW)"
	fi
	RUNAS=
}
if ! command -v setpriv >/dev/null; then
	skip "minimal capabilities" "setpriv is not installed"
else
	MIN_TP="bpf perfmon dac_read_search syslog"
	with_caps "$CAPS/caps_tp.yaml" "$MIN_TP" 000000c400000004 tp
	# each missing capability fails on what it is needed for, with that message
	# (without CAP_BPF or CAP_PERFMON the kernel refuses the program alike)
	NEEDS="(bpfprom needs root, or CAP_BPF and CAP_PERFMON, and CAP_SYS_ADMIN for uprobes and kprobes: see README: Capabilities)"
	without() { echo " $MIN_TP " | sed "s/ $1 / /;s/^ //;s/ $//"; }
	start_fails "$CAPS/caps_tp.yaml" "$(without bpf)" "tracepoints: without bpf start-up fails with its message" \
		"loader: metrics[0] (cap_getppid_total) (one program with metrics[2] (cap_cgroup_total)): the kernel refused the BPF program: Operation not permitted $NEEDS (details with --log.level=debug; --bpf.fuse=false loads each metric on its own)"
	# --config.check plans without loading and calls this valid; with
	# .load it finds what start-up finds
	as_user "$(without bpf)"
	out=$($RUNAS timeout 10 "$BIN" --config.file="$CAPS/caps_tp.yaml" --config.check 2>&1)
	expect "tracepoints: without bpf --config.check calls it valid (nothing loaded)" \
		"rc=0 config: $CAPS/caps_tp.yaml: valid, 3 metrics resolved against this kernel" "rc=$? $out"
	out=$($RUNAS timeout 10 "$BIN" --config.file="$CAPS/caps_tp.yaml" --config.check.load 2>&1)
	expect "tracepoints: without bpf --config.check.load fails as start-up does" \
		"rc=1 error: loader: metrics[0] (cap_getppid_total) (one program with metrics[2] (cap_cgroup_total)): the kernel refused the BPF program: Operation not permitted $NEEDS (details with --log.level=debug; --bpf.fuse=false loads each metric on its own)" \
		"rc=$? $out"
	RUNAS=
	start_fails "$CAPS/caps_tp.yaml" "$(without perfmon)" "tracepoints: without perfmon start-up fails with its message" \
		"loader: metrics[0] (cap_getppid_total) (one program with metrics[2] (cap_cgroup_total)): the kernel refused the BPF program: Operation not permitted $NEEDS (details with --log.level=debug; --bpf.fuse=false loads each metric on its own)"
	start_fails "$CAPS/caps_tp.yaml" "$(without dac_read_search)" "tracepoints: without dac_read_search start-up fails with its message" \
		"tracefs: /sys/kernel/tracing is not readable by this process: run as root or with CAP_DAC_READ_SEARCH (see README: Capabilities)"
	start_fails "$CAPS/caps_tp.yaml" "$(without syslog)" "tracepoints: without syslog start-up fails with its message" \
		"decode: ksym: /proc/kallsyms shows this process no addresses: it needs CAP_SYSLOG (and kernel.kptr_restrict below 2)"
	with_caps "$CAPS/caps.yaml" "sys_admin dac_read_search syslog" 0000000400200004 all
	start_fails "$CAPS/caps.yaml" "$MIN_TP" "uprobes: without sys_admin start-up fails with its message" \
		"loader: metrics[1] (cap_values): cannot attach uprobe:$(realpath $UW):bpfprom_value: Permission denied $NEEDS"
fi

finish
