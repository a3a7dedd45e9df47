# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: a list of start probes in which each may have a match
# and filters of its own (README: Start probes with their own match and
# filters), exact on workloads whose calls are known, and its errors.

sed "s|@UW@|$PWD/$UW|g" $DIR/configs/ownprobe.yaml.in >"$TMP/own.yaml"
own_got() { grep "^$1{" "$TMP/own.txt" | sort | tr '\n' ' '; }
if start "$TMP/own.yaml"; then
	$WL bpfp_ownc write 1 5 10 20 100 getppid 3
	# close(0): key 0 (fd); write(0 bytes): key 0 (count); getppid by root
	# (uid 0) ends each; write(5 bytes) stays pending
	$WL bpfp_own close 0 getppid 1 write 0 getppid 1 write 5 getppid 1
	# pid at bpfprom_begin; arg0 at bpfprom_ret (not 7: its own filter) and
	# at bpfprom_value (the metric's match); bpfprom_end ends by pid
	sh -c "exec $UW bpfp_ownk ret \$\$ end"
	$UW bpfp_ownk begin end
	$UW bpfp_ownk begin begin end
	sh -c "exec $UW bpfp_ownk values \$\$ end"
	sh -c "exec $UW bpfp_ownk ret 7 ret 7 end"
	$UW bpfp_ownk ret 12345 end
	scrape >"$TMP/own.txt"
	expect "own filters: write(2) of >= 10 bytes at one probe, every getppid(2) at the other" \
		'bpfp_own_calls_total{probe="0"} 3 bpfp_own_calls_total{probe="1"} 3 ' \
		"$(own_got bpfp_own_calls_total)"
	expect "own match: tracepoint fields of one type at their own offsets (close's fd, write's count)" \
		'bpfp_own_fields_total{probe="0"} 1 bpfp_own_fields_total{probe="1"} 1 ' \
		"$(own_got bpfp_own_fields_total)"
	expect "own match: two kinds of source (pid, arg0) beside the metric's match, and an own filter" \
		'bpfp_own_kinds_total{probe="0"} 2 bpfp_own_kinds_total{probe="1"} 1 bpfp_own_kinds_total{probe="2"} 1 ' \
		"$(own_got bpfp_own_kinds_total)"
	# begin begin end: one stale start; ret 7 twice was filtered (else a
	# second); none in the metric of fields
	expect "own match: stale starts exactly where two starts of a key met" \
		'bpfprom_dropped_events_total{metric="bpfp_own_fields_total",reason="stale_start"} 0 bpfprom_dropped_events_total{metric="bpfp_own_kinds_total",reason="stale_start"} 1 ' \
		"$(grep '^bpfprom_dropped_events_total{metric="bpfp_own_[a-z]*_total",reason="stale_start"}' "$TMP/own.txt" | tr '\n' ' ')"
	stop "own match and filters"
fi

# --- errors, exact, at --config.check -------------------------------------
own_check() { # NAME WANT METRIC-YAML-LINES...
	oc_name=$1 oc_want=$2
	shift 2
	{
		printf 'metrics:\n  - name: e_total\n    help: h.\n    aggregate: count\n'
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$TMP/ownerr.yaml"
	expect "own match and filters errors: $oc_name" "$oc_want" \
		"$("$BIN" --config.file="$TMP/ownerr.yaml" --config.check 2>&1)"
}
OW=$PWD/$UW
own_check "a third kind of match source" \
	"error: plan: $TMP/ownerr.yaml:5:$((138 + 3 * ${#OW})): metrics[0] (e_total): probe[2].match: cpu at uprobe:$OW:bpfprom_value is a third kind of match source among the start probes, after pid and arg0; at most two kinds fit in one metric (tracepoint fields of one type are one kind, each read at its own offset): read one of those here" \
	"probe: [{probe: uprobe:$OW:bpfprom_begin, match: pid}, {probe: uprobe:$OW:bpfprom_ret, match: arg0}, {probe: uprobe:$OW:bpfprom_value, match: cpu}]" \
	"until: uprobe:$OW:bpfprom_end" 'match: {until: pid}'
own_check "an own match without the metric's" \
	"error: config: $TMP/ownerr.yaml:5:102: metrics[0] (e_total): probe[1].match: a start probe's own match needs the metric's: add until: PROBE and match: {until: SOURCE} (what the end reads), e.g. match: {until: args.next_pid}" \
	'probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_close, match: args.fd}]' \
	'until: tracepoint:syscalls:sys_enter_getppid'
own_check "an own match of more sources than the end reads" \
	"error: config: $TMP/ownerr.yaml:5:102: metrics[0] (e_total): probe[1].match: 2 sources, but match.until has 1; each start needs as many as the end reads" \
	'probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_close, match: [args.fd, pid]}]' \
	'until: tracepoint:syscalls:sys_enter_getppid' 'match: {probe: args.count, until: uid}'
own_check "match without its probe side where a start probe has none of its own" \
	"error: config: $TMP/ownerr.yaml:7:12: metrics[0] (e_total): match: missing probe; give the sources of both ends, e.g. match: {probe: args.pid, until: args.next_pid}" \
	'probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_close, match: args.fd}]' \
	'until: tracepoint:syscalls:sys_enter_getppid' 'match: {until: uid}'
own_check "an own match field its probe lacks" \
	"error: plan: $TMP/ownerr.yaml:5:127: metrics[0] (e_total): probe[1].match: tracepoint:syscalls:sys_enter_close has no field \"fdx\"; its fields are: __syscall_nr, fd" \
	'probe: [{probe: tracepoint:syscalls:sys_enter_write, match: args.fd}, {probe: tracepoint:syscalls:sys_enter_close, match: args.fdx}]' \
	'until: tracepoint:syscalls:sys_enter_getppid' 'match: {until: uid}'
own_check "an own filter read at the end" \
	"error: config: $TMP/ownerr.yaml:5:104: metrics[0] (e_total): probe[1].filter[0]: 'until.args.ret > 0' reads at the end of the pair (until.), but a start probe's own filter is read at that start probe; put it in the metric's filter" \
	"probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_close, filter: ['until.args.ret > 0']}]" \
	'until: tracepoint:syscalls:sys_exit_close'
own_check "an own filter field its probe lacks (the other probe has it)" \
	"error: plan: $TMP/ownerr.yaml:5:106: metrics[0] (e_total): probe[1].filter[0]: tracepoint:syscalls:sys_enter_getppid has no field \"count\"; its fields are: __syscall_nr" \
	"probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_getppid, filter: ['args.count > 1']}]"
own_check "the place of an own filter in its probe's list, with one probe" \
	"error: plan: $TMP/ownerr.yaml:5:80: metrics[0] (e_total): probe[0].filter[1]: tracepoint:syscalls:sys_enter_getppid has no field \"count\"; its fields are: __syscall_nr" \
	"probe: [{probe: tracepoint:syscalls:sys_enter_getppid, filter: ['pid > 1', 'args.count > 1']}]"
own_check "a wildcard start that matches the until probe" \
	"error: plan: $TMP/ownerr.yaml:6:12: metrics[0] (e_total): until: \"tracepoint:syscalls:sys_enter_getpid\" is also one of what probe \"tracepoint:syscalls:sys_enter_get*id\" matches; a wildcard and until cannot share an event or function: narrow the pattern, or name the start probes" \
	'probe: tracepoint:syscalls:sys_enter_get*id' 'until: tracepoint:syscalls:sys_enter_getpid'
# valid: raw tracepoints' own match and filter at a probe after the first,
# and an own match that is a BTF path (the kernel's BTF is loaded for it)
own_check "valid: rawtracepoints' own match and filter at probe[1]" \
	"config: $TMP/ownerr.yaml: valid, 1 metric resolved against this kernel" \
	"probe: [rawtracepoint:sys_enter, {probe: rawtracepoint:sys_exit, match: args.ret, filter: ['args.ret > 0']}]" \
	'until: tracepoint:syscalls:sys_enter_getppid' 'match: {probe: args.id, until: pid}'
own_check "valid: an own match that is a BTF path" \
	"config: $TMP/ownerr.yaml: valid, 1 metric resolved against this kernel" \
	"probe: [tracepoint:sched:sched_wakeup, {probe: tracepoint:sched:sched_switch, match: task->pid}]" \
	'until: tracepoint:sched:sched_switch' 'match: {probe: args.pid, until: args.next_pid}'
own_check "more filters than a metric has, its own and its probes' together" \
	"error: config: $TMP/ownerr.yaml:5:126: metrics[0] (e_total): probe[1].filter: 3 filters given, beside the 6 the metric has already; at most 8 fit in one metric, its own and its start probes' together; remove some" \
	"probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_close, filter: ['pid > 1', 'pid > 2', 'pid > 3']}]" \
	"filter: ['pid > 1', 'pid > 2', 'pid > 3', 'pid > 4', 'pid > 5', 'pid > 6']"
own_check "an item without its probe" \
	"error: config: $TMP/ownerr.yaml:5:50: metrics[0] (e_total): probe[1]: missing probe; write {probe: SPEC, match: SOURCE, filter: [CONDITION]}, e.g. {probe: tracepoint:sched:sched_switch, match: args.prev_pid, filter: ['args.prev_state == 0']}" \
	'probe: [tracepoint:syscalls:sys_enter_write, {match: pid}]'
own_check "an unknown key in an item" \
	"error: config: $TMP/ownerr.yaml:5:97: metrics[0] (e_total): probe[1]: unknown key \"filters\" (did you mean \"filter\"?)" \
	"probe: [tracepoint:syscalls:sys_enter_write, {probe: tracepoint:syscalls:sys_enter_getppid, filters: ['pid > 1']}]"
own_check "one probe written as an item" \
	"error: config: $TMP/ownerr.yaml:5:12: metrics[0] (e_total): probe: {probe: SPEC, match: ..., filter: [...]} gives one of several start probes its own match or filters, in a list; with one probe write probe: SPEC, and the metric's match and filter" \
	'probe: {probe: tracepoint:syscalls:sys_enter_write, match: args.fd}'
