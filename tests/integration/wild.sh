# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: wildcard probes (tracepoint:CAT:PATTERN,
# uprobe:BIN:PATTERN), the func label, missing: skip, and their errors.
# Kernel wildcards (kprobe:tcp_*) need kprobes: tests/vm runs them.

wl_up=$BUILD/workload/uprobe_target
# uprobe wildcards take one multi-uprobe link from Linux 6.6 on, else one
# uprobe per function
wild_umech=uprobe
wild_kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
[ "${wild_kv% *}" -gt 6 ] || { [ "${wild_kv% *}" -eq 6 ] && [ "${wild_kv#* }" -ge 6 ]; } && wild_umech=uprobe_multi
# a process that calls bpfprom_value(5, 6, 7) 3 s from now, traced alone by
# pid:; it lives on (in bpfprom_sleep, which bpfprom_v* does not match) so
# that the reload below plans its pid: again
$wl_up bpfp_wpid sleep 3000 values 5 6 7 sleep 120000 &
wild_pid=$!
cat >"$TMP/wild.yaml" <<Y
metrics:
  - name: bpfp_wild_get_total
    help: get*(2) calls of the test workload, by system call.
    probe: tracepoint:syscalls:sys_enter_get*
    aggregate: count
    labels: [func]
    filter: [comm == "bpfp_wget"]
  - name: bpfp_wild_up_total
    help: calls of the test binary's bpfprom_* functions.
    probe: uprobe:$wl_up:bpfprom_*
    aggregate: count
    labels: [func]
    filter: [comm == "bpfp_wup"]
  - name: bpfp_wild_mixed_total
    help: a wildcard and a named probe, by probe index and func.
    probe: [tracepoint:syscalls:sys_enter_getp*, tracepoint:syscalls:sys_enter_getuid]
    aggregate: count
    labels: [probe, func]
    filter: [comm == "bpfp_wget"]
  - name: bpfp_wild_skip_total
    help: a probe this kernel lacks is skipped.
    probe: [tracepoint:syscalls:sys_enter_bpfprom_nosuch, tracepoint:syscalls:sys_enter_getppid, tracepoint:nosuch:*]
    missing: skip
    aggregate: count
    labels: [probe, func]
    filter: [comm == "bpfp_wget"]
  - name: bpfp_wild_kinds_total
    help: tracepoints and uprobes (wildcards and named) feeding one metric.
    probe: [tracepoint:syscalls:sys_enter_getp*, uprobe:$wl_up:bpfprom_*, tracepoint:syscalls:sys_enter_getuid, uprobe:$wl_up:main]
    aggregate: count
    labels: [probe, func, comm]
    filter: [comm == "bpfp_wget", comm != "", pid > 0]
  - name: bpfp_wild_kinds_up_total
    help: the same without the filter on the tracepoints' process.
    probe: [tracepoint:syscalls:sys_enter_getuid, uprobe:$wl_up:bpfprom_*]
    aggregate: count
    labels: [probe, func, comm]
    filter: [comm == "bpfp_wup"]
  - name: bpfp_wild_field_total
    help: a field every matched event has at one offset.
    probe: tracepoint:syscalls:sys_enter_getp*
    aggregate: sum
    value: args.__syscall_nr
    filter: [comm == "bpfp_wget"]
  - name: bpfp_wild_pid_total
    help: a uprobe wildcard on one process.
    probe: uprobe:$wl_up:bpfprom_v*
    pid: $wild_pid
    aggregate: count
    labels: [func]
Y
if start "$TMP/wild.yaml" --log.level=debug; then
	$WL bpfp_wget getpid 7 getppid 5 getuid 3
	$wl_up bpfp_wup values 1 2 3 ret 5 begin end end
	$wl_up bpfp_wpid values 9
	wild_pid_done() { scrape | grep -q '^bpfp_wild_pid_total{func="bpfprom_value"} 3$'; }
	wait_for "the pid: process made its 3 calls" wild_pid_done
	scrape >"$TMP/wild.txt"
	expect "wildcard tracepoint:syscalls:sys_enter_get*: exact calls by func" \
		"$(printf '%s\n' 'bpfp_wild_get_total{func="sys_enter_getpid"} 7' \
			'bpfp_wild_get_total{func="sys_enter_getppid"} 5' \
			'bpfp_wild_get_total{func="sys_enter_getuid"} 3')" \
		"$(grep '^bpfp_wild_get_total' "$TMP/wild.txt")"
	expect "wildcard uprobe:BIN:bpfprom_*: exact calls by func" \
		"$(printf '%s\n' 'bpfp_wild_up_total{func="bpfprom_begin"} 1' \
			'bpfp_wild_up_total{func="bpfprom_end"} 2' \
			'bpfp_wild_up_total{func="bpfprom_ret"} 1' \
			'bpfp_wild_up_total{func="bpfprom_value"} 3')" \
		"$(grep '^bpfp_wild_up_total' "$TMP/wild.txt")"
	expect "a uprobe wildcard with pid: only that process's calls" \
		'bpfp_wild_pid_total{func="bpfprom_value"} 3' "$(grep '^bpfp_wild_pid_total' "$TMP/wild.txt")"
	expect "a wildcard next to a named probe: probe index and func" \
		"$(printf '%s\n' 'bpfp_wild_mixed_total{probe="0",func="sys_enter_getpid"} 7' \
			'bpfp_wild_mixed_total{probe="0",func="sys_enter_getppid"} 5' \
			'bpfp_wild_mixed_total{probe="1",func="sys_enter_getuid"} 3')" \
		"$(grep '^bpfp_wild_mixed_total' "$TMP/wild.txt")"
	expect "tracepoints and uprobes in one metric: each by probe and func" \
		"$(printf '%s\n' 'bpfp_wild_kinds_total{probe="0",func="sys_enter_getpid",comm="bpfp_wget"} 7' \
			'bpfp_wild_kinds_total{probe="0",func="sys_enter_getppid",comm="bpfp_wget"} 5' \
			'bpfp_wild_kinds_total{probe="2",func="sys_enter_getuid",comm="bpfp_wget"} 3')" \
		"$(grep '^bpfp_wild_kinds_total' "$TMP/wild.txt")"
	expect "uprobes and a tracepoint in one metric: the uprobes' functions" \
		"$(printf '%s\n' 'bpfp_wild_kinds_up_total{probe="1",func="bpfprom_begin",comm="bpfp_wup"} 1' \
			'bpfp_wild_kinds_up_total{probe="1",func="bpfprom_end",comm="bpfp_wup"} 2' \
			'bpfp_wild_kinds_up_total{probe="1",func="bpfprom_ret",comm="bpfp_wup"} 1' \
			'bpfp_wild_kinds_up_total{probe="1",func="bpfprom_value",comm="bpfp_wup"} 3')" \
		"$(grep '^bpfp_wild_kinds_up_total' "$TMP/wild.txt")"
	expect "missing: skip leaves out a missing event and a wildcard matching nothing" \
		'bpfp_wild_skip_total{probe="1",func="sys_enter_getppid"} 5' \
		"$(grep '^bpfp_wild_skip_total' "$TMP/wild.txt")"
	# __syscall_nr: getpid's number x 7 + getppid's x 5 (build/syscalls.h has the table)
	wild_nr_pid=$(sed -n 's/^\t\[\([0-9]*\)\] = "getpid",$/\1/p' "$BUILD/syscalls.h")
	wild_nr_ppid=$(sed -n 's/^\t\[\([0-9]*\)\] = "getppid",$/\1/p' "$BUILD/syscalls.h")
	expect "a wildcard's common field: sum of args.__syscall_nr over getpid and getppid" \
		"bpfp_wild_field_total $((wild_nr_pid * 7 + wild_nr_ppid * 5))" \
		"$(grep '^bpfp_wild_field_total' "$TMP/wild.txt")"
	expect "bpfprom_probe_info: one line per wildcard, its mechanism (one link per event or function)" \
		"$(printf '%s\n' \
			'bpfprom_probe_info{metric="bpfp_wild_get_total",probe="tracepoint:syscalls:sys_enter_get*",mechanism="tracepoint"} 1' \
			"bpfprom_probe_info{metric=\"bpfp_wild_up_total\",probe=\"uprobe:$wl_up:bpfprom_*\",mechanism=\"$wild_umech\"} 1" \
			'bpfprom_probe_info{metric="bpfp_wild_mixed_total",probe="tracepoint:syscalls:sys_enter_getp*",mechanism="tracepoint"} 1' \
			'bpfprom_probe_info{metric="bpfp_wild_mixed_total",probe="tracepoint:syscalls:sys_enter_getuid",mechanism="tracepoint"} 1' \
			'bpfprom_probe_info{metric="bpfp_wild_skip_total",probe="tracepoint:syscalls:sys_enter_getppid",mechanism="tracepoint"} 1' \
			'bpfprom_probe_info{metric="bpfp_wild_field_total",probe="tracepoint:syscalls:sys_enter_getp*",mechanism="tracepoint"} 1' \
			"bpfprom_probe_info{metric=\"bpfp_wild_pid_total\",probe=\"uprobe:$wl_up:bpfprom_v*\",mechanism=\"$wild_umech\"} 1")" \
		"$(grep '^bpfprom_probe_info{metric="bpfp_wild' "$TMP/wild.txt" | grep -v 'metric="bpfp_wild_kinds')"
	expect "bpfprom_probe_info: a metric of tracepoints and uprobes, each probe's mechanism" \
		"$(printf '%s\n' \
			'bpfprom_probe_info{metric="bpfp_wild_kinds_total",probe="tracepoint:syscalls:sys_enter_getp*",mechanism="tracepoint"} 1' \
			"bpfprom_probe_info{metric=\"bpfp_wild_kinds_total\",probe=\"uprobe:$wl_up:bpfprom_*\",mechanism=\"$wild_umech\"} 1" \
			'bpfprom_probe_info{metric="bpfp_wild_kinds_total",probe="tracepoint:syscalls:sys_enter_getuid",mechanism="tracepoint"} 1' \
			"bpfprom_probe_info{metric=\"bpfp_wild_kinds_total\",probe=\"uprobe:$wl_up:main\",mechanism=\"$wild_umech\"} 1")" \
		"$(grep '^bpfprom_probe_info{metric="bpfp_wild_kinds_total"' "$TMP/wild.txt")"
	# one link per event, per function or for them all: as many as --list prints lines
	wild_nup=$("$BIN" --list "uprobe:$wl_up:bpfprom_*" | wc -l)
	if [ $wild_umech = uprobe_multi ]; then
		wild_upline="uprobe:$wl_up:bpfprom_* attached with uprobe_multi, one link for $wild_nup functions"
	else
		wild_upline="uprobe:$wl_up:bpfprom_* attached with uprobe, $wild_nup links"
	fi
	expect "each wildcard attached for every name --list prints (uprobes with $wild_umech)" \
		"$(printf 'tracepoint:syscalls:sys_enter_get* attached with tracepoint, %s links\n%s' \
			"$("$BIN" --list 'tracepoint:syscalls:sys_enter_get*' | wc -l)" "$wild_upline")" \
		"$(sed -n 's/^debug: loader: metrics\[[01]\] ([a-z_]*): \(.* \(links\|functions\)\)$/\1/p' "$TMP/log")"
	# a reload keeps the wildcard metrics (same matches, same attachments)
	# with their counts; a new wildcard metric attaches and counts from there
	cat >>"$TMP/wild.yaml" <<Y
  - name: bpfp_wild_new_total
    help: a wildcard added by a reload.
    probe: tracepoint:syscalls:sys_enter_getp*
    aggregate: count
    labels: [func]
    filter: [comm == "bpfp_wget"]
Y
	expect "reload: the wildcard metrics kept with their counts, the new one loaded" \
		"reload: $TMP/wild.yaml: 9 metrics: 8 kept with their counts, 1 loaded anew" "$(hup)"
	$WL bpfp_wget getpid 2
	scrape >"$TMP/wild.txt"
	expect "reload: a kept wildcard counts on (7 + 2), the new one from the reload (2)" \
		"$(printf '%s\n' 'bpfp_wild_get_total{func="sys_enter_getpid"} 9' 'bpfp_wild_new_total{func="sys_enter_getpid"} 2')" \
		"$(grep -e '^bpfp_wild_get_total{func="sys_enter_getpid"}' -e '^bpfp_wild_new_total' "$TMP/wild.txt")"
	stop
fi
kill "$wild_pid" 2>/dev/null
wait "$wild_pid" 2>/dev/null

# --- errors, exact, at --config.check --------------------------------------
wild_check() { # NAME PROBE LABELS EXTRA WANT [AGGREGATE (count) NAME (e_total)]
	printf 'metrics:\n  - name: %s\n    help: h.\n    probe: "%s"\n    aggregate: %s\n    labels: [%s]\n%s' \
		"${7:-e_total}" "$2" "${6:-count}" "$3" "$4" >"$TMP/wilderr.yaml"
	expect "wildcard errors: $1" "$5" \
		"$("$BIN" --config.file="$TMP/wilderr.yaml" --config.check 2>&1)"
}
W="$TMP/wilderr.yaml"
wild_check "a pattern matching nothing, with did-you-mean" 'tracepoint:syscalls:sys_entr_get*' func '' \
	"error: plan: $W:4:12: metrics[0] (e_total): probe: tracepoint:syscalls:sys_entr_get* matches no tracepoint (did you mean \"tracepoint:syscalls:sys_enter_get*\"?)"
wild_check "a category typo, with did-you-mean" 'tracepoint:schde:*' func '' \
	"error: plan: $W:4:12: metrics[0] (e_total): probe: tracepoint:schde:* matches no tracepoint (did you mean \"tracepoint:sched:*\"?)"
wild_check "nothing close: no did-you-mean" 'tracepoint:bpfprom_nosuch:zzz*' func '' \
	"error: plan: $W:4:12: metrics[0] (e_total): probe: tracepoint:bpfprom_nosuch:zzz* matches no tracepoint"
wild_check "a uprobe pattern matching nothing, with did-you-mean" "uprobe:$wl_up:bpfprm_*" func '' \
	"error: plan: $W:4:12: metrics[0] (e_total): probe: uprobe:$wl_up:bpfprm_* matches no function of $(realpath "$wl_up") (did you mean \"uprobe:$wl_up:bpfprom_*\"?)"
wild_n=$("$BIN" --list 'uprobe:libstdc++:*' 2>/dev/null | wc -l)
if [ "$wild_n" -gt 4096 ]; then
	wild_check "more than 4096 matches" 'uprobe:libstdc++:*' func '' \
		"error: plan: $W:4:12: metrics[0] (e_total): probe: uprobe:libstdc++:* matches $wild_n functions, more than 4096 in one probe; narrow the pattern"
else
	skip "wildcard errors: more than 4096 matches" "libstdc++ has $wild_n functions here"
fi
wild_check "a field not in every matched event names the first without it" 'tracepoint:syscalls:sys_enter_*' '{name: fd, source: args.fd}' '' \
	"error: plan: $W:6:33: metrics[0] (e_total): labels[0]: tracepoint:syscalls:sys_enter_*: syscalls:sys_enter_access has no field \"fd\" (syscalls:sys_enter_accept has); a wildcard's fields are those all its events have"
wild_check "a field the first matched event lacks lists that event's fields" 'tracepoint:syscalls:sys_enter_*' '{name: pid, source: args.pid}' '' \
	"error: plan: $W:6:34: metrics[0] (e_total): labels[0]: tracepoint:syscalls:sys_enter_*: syscalls:sys_enter_accept (the first event it matches) has no field \"pid\"; its fields are: __syscall_nr, fd, upeer_sockaddr, upeer_addrlen"
wild_check "a field at different offsets names the first event that differs" 'tracepoint:sched:sched_process_*' '{name: pid, source: args.pid}' '' \
	"error: plan: $W:6:34: metrics[0] (e_total): labels[0]: tracepoint:sched:sched_process_*: args.pid differs between sched:sched_process_exec and sched:sched_process_exit (offset, size or type); a wildcard's fields must have one layout in all its events"
wild_check "missing: skip with nothing left" 'tracepoint:syscalls:sys_enter_bpfprom_nosuch' func '    missing: skip
' \
	"error: plan: $W:4:12: metrics[0] (e_total): probe: none of the metric's probes is on this kernel (missing: skip left out every one); remove the metric or name probes this kernel has"
wild_check "missing: a bad value" 'tracepoint:syscalls:sys_enter_get*' func '    missing: maybe
' \
	"error: config: $W:7:14: metrics[0] (e_total): missing: unknown value \"maybe\"; expected one of error, skip"
wild_check "rawtracepoint takes no wildcard" 'rt:sched_*' func '' \
	"error: config: $W:4:12: metrics[0] (e_total): probe: \"rt:sched_*\": rawtracepoint takes no wildcard; name each event, or use tracepoint:CATEGORY:PATTERN"
wild_check "a wildcard takes no +OFFSET" 'uprobe:libc:mall*+4' func '' \
	"error: config: $W:4:12: metrics[0] (e_total): probe: \"uprobe:libc:mall*+4\": a wildcard takes no +OFFSET (the offset of which function?); remove it, or name one function"
wild_check "func takes no decode" 'tracepoint:syscalls:sys_enter_get*' '{name: f, source: func, decode: hex}' '' \
	"error: config: $W:6:46: metrics[0] (e_total): labels[0].decode: func is printed as the name of the function or event that fired already; remove decode"
wild_check "func cannot be filtered" 'tracepoint:syscalls:sys_enter_get*' func '    filter: [func == 1]
' \
	"error: config: $W:7:14: metrics[0] (e_total): filter[0]: func is a name looked up at scrape time and cannot be filtered; narrow the probe's pattern instead"
if [ ! -e /sys/bus/event_source/devices/kprobe ] && [ ! -e /sys/kernel/tracing/kprobe_events ]; then
	wild_check "a kernel wildcard on a kernel without kprobes" 'kprobe:tcp_*' func '' \
		"error: plan: $W:4:12: metrics[0] (e_total): probe: kprobe:tcp_*: this kernel has no kprobes (CONFIG_KPROBES is not set) and no multi-kprobe links, which a wildcard needs"
else
	skip "wildcard errors: a kernel wildcard on a kernel without kprobes" "this kernel has kprobes"
fi
wild_check "until takes no wildcard" 'tracepoint:syscalls:sys_enter_getpid' func '    value: latency
    until: tracepoint:syscalls:sys_exit_get*
' "error: config: $W:8:12: metrics[0] (e_seconds): until: \"tracepoint:syscalls:sys_exit_get*\": until takes named probes, not a wildcard; name the event or function that ends the interval" \
	hist e_seconds
wild_check "func is not a value" 'tracepoint:syscalls:sys_enter_get*' comm '    value: func
' "error: config: $W:7:12: metrics[0] (e_total): value: func is not a number; use one of pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency as the value, or make func a label" \
	sum

# a wildcard's implied returns end its pairs: each matched function's
# uretprobe, the time in each by function (bpftrace's funclatency.bt
# on a pattern); bpfprom_sleep(5) and (30) take at least 5 and 30 ms
cat >"$TMP/wildlat.yaml" <<Y
metrics:
  - name: bpfp_wlat_seconds
    help: time in uprobe_target's bpfprom_* functions, by function.
    probe: uprobe:$wl_up:bpfprom_*
    aggregate: stats
    value: latency
    unit: seconds
    labels: [func]
    filter: [comm == "bpfp_wlat"]
  # a probe left out by missing: skip has no return either: the others'
  # returns keep their own indexes (the planner once crashed here)
  - name: bpfp_wlat_skip_seconds
    help: time in bpfprom_sleep, by function.
    probe: ["uprobe:$wl_up:bpfprom_nosuch_*", "uprobe:$wl_up:bpfprom_sleep", "uprobe:$wl_up:bpfprom_nosuch"]
    missing: skip
    aggregate: stats
    value: latency
    unit: seconds
    labels: [func, probe]
    filter: [comm == "bpfp_wlat"]
Y
if start "$TMP/wildlat.yaml" --log.level=debug; then
	"$wl_up" bpfp_wlat sleep 5 30 values 1 2 3 ret 7 begin end >/dev/null
	scrape >"$TMP/wl.txt"
	expect "wildcard latency: the implied returns of each matched function end its pairs, exact counts by func" \
		"$(printf '%s\n' 'bpfp_wlat_seconds_count{func="bpfprom_begin"} 1' 'bpfp_wlat_seconds_count{func="bpfprom_end"} 1' \
			'bpfp_wlat_seconds_count{func="bpfprom_ret"} 1' 'bpfp_wlat_seconds_count{func="bpfprom_sleep"} 2' \
			'bpfp_wlat_seconds_count{func="bpfprom_value"} 3')" \
		"$(grep '^bpfp_wlat_seconds_count' "$TMP/wl.txt" | sort)"
	expect "wildcard latency: missing: skip leaves out a wildcard and a function with their returns; the one left counts its pairs" \
		'bpfp_wlat_skip_seconds_count{func="bpfprom_sleep",probe="1"} 2' "$(grep '^bpfp_wlat_skip_seconds_count' "$TMP/wl.txt")"
	expect "wildcard latency: the returns attached as the starts are ($wild_umech)" \
		"$(printf '%s\n%s' "$wild_upline" "$wild_upline")" \
		"$(sed -n 's/^debug: loader: metrics\[0\] (bpfp_wlat_seconds): //p' "$TMP/log")"
	expect "wildcard latency: bpfprom_sleep(5) and (30) took at least 5 and 30 ms, less than 1 s in all" \
		"min ok max ok sum ok" \
		"$(awk '$1 == "bpfp_wlat_seconds_min{func=\"bpfprom_sleep\"}" { m = ($2 >= 0.005 && $2 < 0.030) ? "ok" : $2 }
			$1 == "bpfp_wlat_seconds_max{func=\"bpfprom_sleep\"}" { x = ($2 >= 0.030 && $2 < 1) ? "ok" : $2 }
			$1 == "bpfp_wlat_seconds_sum{func=\"bpfprom_sleep\"}" { s = ($2 >= 0.035 && $2 < 1) ? "ok" : $2 }
			END { printf "min %s max %s sum %s", m, x, s }' "$TMP/wl.txt")"
	stop
fi
