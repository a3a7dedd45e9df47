#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lifecycle tests on the real kernel: reload by SIGHUP and POST /-/reload
# (unchanged metrics keep their counts, a bad config keeps the old one),
# shutdown, and running with the minimal capabilities or with none.
# Needs root. Closes with: lifecycle: N passed, N failed, N skipped
BUILD=${BUILD:-build}
BIN=$BUILD/bpfprom
WL=$BUILD/workload/syscalls
UW=$BUILD/workload/uprobe_target
TMP=$(mktemp -d)
PASS=0 FAIL=0 SKIP=0
PID=

cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       $l"; done; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $1 ($2)"; }
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# start CONFIG [FLAG...] (RUNAS: a command prefix): sets PID and ADDR
start() {
	: >"$TMP/log"
	cfg=$1
	shift
	$RUNAS "$BIN" --config.file="$cfg" --web.listen-address=127.0.0.1:0 "$@" 2>"$TMP/log" &
	PID=$!
	for _ in $(seq 100); do
		ADDR=$(sed -n 's/.*listening on \([^;]*\).*$/\1/p' "$TMP/log")
		[ -n "$ADDR" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bpfprom did not start:"; cat "$TMP/log"
	wait "$PID"
	RC=$?
	PID=
	return 1
}

stop() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
	RC=$?
	PID=
}

scrape() { curl -sS --max-time 10 "http://$ADDR${1:-/metrics}"; }
value() { scrape | sed -n "s/^$1 //p"; }

# hup: SIGHUP, then wait until the log has one more reload line
hup() {
	n=$(grep -c 'reload: ' "$TMP/log")
	kill -HUP "$PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'reload: ' "$TMP/log")" -gt "$n" ] && break
		sleep 0.05
	done
	grep 'reload: ' "$TMP/log" | tail -1 | sed 's/^[a-z]*: //'
}

# the BPF programs bpfprom holds (by fd: prog and link fds name a prog_id),
# so that other BPF users on the machine do not disturb the counts
prog_ids() { cat /proc/$PID/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -un; }
loaded_progs() { prog_ids | wc -l; }
# how many of the programs IDS (a list) the kernel still has
still_loaded() { n=0; for id in $1; do bpftool prog show id "$id" >/dev/null 2>&1 && n=$((n + 1)); done; echo $n; }

if [ "$(id -u)" != 0 ]; then
	skip "lifecycle suite" "needs root"
	echo "lifecycle: $PASS passed, $FAIL failed, $SKIP skipped"
	exit 0
fi

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
	case $msg in
	"reload: failed, still serving the previous config: config: $TMP/live.yaml:"*) ok "a malformed config is refused with its file:line:col" ;;
	*) not_ok "a malformed config is refused with its file:line:col" "actual: $msg" ;;
	esac
	$WL lc_a getppid 3
	scrape >"$TMP/m.txt"
	expect "failed reload: bpfprom_config_last_load_success is 0" \
		"bpfprom_config_last_load_success 0" "$(grep '^bpfprom_config_last_load_success ' "$TMP/m.txt")"
	expect "failed reload: the old metrics keep counting" \
		"lc_kept_total 1503" "$(grep '^lc_kept_total' "$TMP/m.txt")"

	# planned fine, fails to attach (a uprobe in a process that does not
	# exist): all or nothing, nothing of the new config stays loaded
	{
		cat "$TMP/b.yaml"
		printf '  - name: lc_uprobe_total\n    help: x.\n    probe: uprobe:%s:bpfprom_value\n    aggregate: count\n    pid: 4194000\n' \
			"$(realpath $UW)"
	} >"$TMP/live.yaml"
	msg=$(hup)
	case $msg in
	*"failed, still serving the previous config: loader: metrics[3] (lc_uprobe_total): cannot attach uprobe:"*) ok "an attach failure is refused and named" ;;
	*) not_ok "an attach failure is refused and named" "actual: $msg" ;;
	esac
	expect "failed attach: no program of the new config is left loaded" "$progs" "$(loaded_progs)"

	# POST /-/reload, and the methods it refuses
	cp "$TMP/b.yaml" "$TMP/live.yaml"
	expect "POST /-/reload: 200 and the summary" \
		"200 config reloaded: $TMP/live.yaml: 3 metrics: 3 kept with their counts, 0 loaded anew" \
		"$(curl -sS -o "$TMP/body" -w '%{http_code}' -X POST "http://$ADDR/-/reload") $(cat "$TMP/body")"
	expect "after a good reload bpfprom_config_last_load_success is 1 again" \
		"1" "$(value bpfprom_config_last_load_success)"
	printf 'metrics: 3\n' >"$TMP/live.yaml"
	code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -X PUT "http://$ADDR/-/reload")
	case "$code $(cat "$TMP/body")" in
	"500 failed to reload config: config: $TMP/live.yaml:1:"*) ok "PUT /-/reload of a bad config: 500 and the error" ;;
	*) not_ok "PUT /-/reload of a bad config: 500 and the error" "actual: $code $(cat "$TMP/body")" ;;
	esac
	expect "GET /-/reload: 405 with Allow: POST, PUT" "405 Allow: POST, PUT" \
		"$(curl -sS -D - -o /dev/null "http://$ADDR/-/reload" | tr -d '\r' | sed -n 's/^HTTP[^ ]* \([0-9]*\).*/\1/p;s/^Allow: /Allow: /p' | tr '\n' ' ' | sed 's/ $//')"
	expect "the counts survived every reload" "1503" "$(value lc_kept_total)"

	# shutdown: within a second, exit 0
	ours=$(prog_ids)
	t0=$(date +%s%N)
	stop
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "       (SIGTERM to exit: $ms ms)"
	expect "SIGTERM: exit 0 within a second" "0 yes" "$RC $([ $ms -lt 1000 ] && echo yes || echo "no ($ms ms)")"
	expect "after exit none of its $(echo "$ours" | wc -l) programs is left loaded" 0 "$(still_loaded "$ours")"
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

# --- capabilities ------------------------------------------------------------
cat >"$TMP/caps.yaml" <<EOF
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
awk '/^  - name: cap_values/ { skip = 1; next } /^  - name:/ { skip = 0 } !skip' "$TMP/caps.yaml" >"$TMP/caps_tp.yaml"
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
if start "$TMP/caps.yaml" --capabilities.keep=none; then
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
	stop
	expect "keep=none: SIGTERM exits 0 (the programs detach without capabilities)" 0 "$RC"
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
# start_fails CONFIG CAPS NAME: start-up as uid 65534 with CAPS exits 1 with an error
start_fails() {
	as_user "$2"
	: >"$TMP/log"
	$RUNAS timeout 10 "$BIN" --config.file="$1" --web.listen-address=127.0.0.1:0 2>"$TMP/log"
	expect "$3" "1 1" "$? $(grep -c '^error: ' "$TMP/log")"
	sed -n 's/^error: /       (/p' "$TMP/log" | head -1
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
		stop
		expect "caps $2: SIGTERM exits 0" 0 "$RC"
	fi
	RUNAS=
}
if ! command -v setpriv >/dev/null; then
	skip "minimal capabilities" "setpriv is not installed"
else
	MIN_TP="bpf perfmon dac_read_search syslog"
	with_caps "$TMP/caps_tp.yaml" "$MIN_TP" 000000c400000004 tp
	for c in $MIN_TP; do
		start_fails "$TMP/caps_tp.yaml" "$(echo " $MIN_TP " | sed "s/ $c / /;s/^ //;s/ $//")" \
			"tracepoints: without $c start-up fails with an error"
	done
	with_caps "$TMP/caps.yaml" "sys_admin dac_read_search syslog" 0000000400200004 all
	start_fails "$TMP/caps.yaml" "$MIN_TP" "uprobes: without sys_admin start-up fails with an error"
fi

echo "lifecycle: $PASS passed, $FAIL failed, $SKIP skipped"
