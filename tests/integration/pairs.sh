# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: pairs, a start probe and its until (or return) probe.
# Sources read at the end (until.), until lists, count/sum/stats over pairs,
# and their errors.

# --- pairs: exact counts of workloads with known calls --------------------
PW=$BUILD/workload/syscalls
UW=$BUILD/workload/uprobe_target
sed "s|@WL@|$UW|g" $DIR/configs/pairs.yaml.in >"$TMP/pairs.yaml"
if start "$TMP/pairs.yaml"; then
	: >"$TMP/pr_existing"
	rm -f "$TMP/pr_missing"
	$PW bpfp_pr_open tryopen "$TMP/pr_missing" 5 open "$TMP/pr_existing" 3
	$PW bpfp_pr_calls getppid 7
	$PW bpfp_pr_write write 1 2 3 1000
	$PW bpfp_pr_list getpid 1 getppid 1 getpid 1 getuid 1 getpid 1 getppid 1 getpid 1
	$UW bpfp_pr_up name foo foo bar -- ret 5 7 -3 99
	scrape >"$TMP/pairs.txt"
	expect "pairs: openat by an expression of until. operands (errno) under an expression filter read at entry" \
		"$(printf 'bpfp_pair_openat_expr_total{errno="0"} 3\nbpfp_pair_openat_expr_total{errno="ENOENT"} 5')" \
		"$(grep '^bpfp_pair_openat_expr_total' "$TMP/pairs.txt" | sort)"
	expect "pairs: openat by path (read at entry) and errno (until.args.ret, at exit)" \
		"$(printf 'bpfp_pair_openat_total{path="%s",errno="0"} 3\nbpfp_pair_openat_total{path="%s",errno="ENOENT"} 5' "$TMP/pr_existing" "$TMP/pr_missing" | sort)" \
		"$(grep '^bpfp_pair_openat_total' "$TMP/pairs.txt" | sort)"
	expect "pairs: a filter read at the end (until.args.ret < 0)" \
		'bpfp_pair_openat_failed_total 5' \
		"$(grep '^bpfp_pair_openat_failed_total' "$TMP/pairs.txt")"
	expect "pairs: count counts completed pairs" \
		'bpfp_pair_getppid_total 7' \
		"$(grep '^bpfp_pair_getppid_total' "$TMP/pairs.txt")"
	expect "pairs: sum of a value read at the start, kept until the end" \
		'bpfp_pair_write_asked_bytes_total 1006' \
		"$(grep '^bpfp_pair_write_asked_bytes_total' "$TMP/pairs.txt")"
	expect "pairs: stats of a value read at the end (until.args.ret), labelled at the start" \
		"$(printf 'bpfp_pair_write_done_bytes_sum{comm="bpfp_pr_write"} 1006\nbpfp_pair_write_done_bytes_count{comm="bpfp_pr_write"} 4\nbpfp_pair_write_done_bytes_min{comm="bpfp_pr_write"} 1\nbpfp_pair_write_done_bytes_max{comm="bpfp_pr_write"} 1000')" \
		"$(grep '^bpfp_pair_write_done_bytes' "$TMP/pairs.txt")"
	expect "pairs: until list, the first to fire ends the pair (read there: until.args.__syscall_nr)" \
		"$(printf 'bpfp_pair_ended_by_total{by="getppid"} 2\nbpfp_pair_ended_by_total{by="getuid"} 1')" \
		"$(grep '^bpfp_pair_ended_by_total' "$TMP/pairs.txt" | sort)"
	expect "pairs: a latency with an until list" \
		'bpfp_pair_list_seconds_count 3' \
		"$(grep '^bpfp_pair_list_seconds_count' "$TMP/pairs.txt")"
	expect "pairs: str(until.retval) on an implied uretprobe" \
		"$(printf 'bpfp_pair_names_total{name="bar"} 1\nbpfp_pair_names_total{name="foo"} 2')" \
		"$(grep '^bpfp_pair_names_total' "$TMP/pairs.txt" | sort)"
	expect "pairs: until.retval as a value and in a filter (99 filtered out at the return)" \
		"$(printf 'bpfp_pair_ret_sum 9\nbpfp_pair_ret_count 3\nbpfp_pair_ret_min -3\nbpfp_pair_ret_max 7')" \
		"$(grep '^bpfp_pair_ret_[a-z]* ' "$TMP/pairs.txt")"
	expect "pairs: a latency labelled by until.retval" \
		"$(printf 'bpfp_pair_ret_seconds_count{ret="-3"} 1\nbpfp_pair_ret_seconds_count{ret="5"} 1\nbpfp_pair_ret_seconds_count{ret="7"} 1\nbpfp_pair_ret_seconds_count{ret="99"} 1')" \
		"$(grep '^bpfp_pair_ret_seconds_count' "$TMP/pairs.txt" | sort)"
	stop "pairs"
fi

# --- pairs: errors, exact, at --config.check -----------------------------
pair_check() { # NAME WANT METRIC-YAML-LINES...
	pc_name=$1 pc_want=$2
	shift 2
	{
		printf 'metrics:\n  - name: e_total\n    help: h.\n    aggregate: count\n'
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$TMP/prerr.yaml"
	expect "pairs errors: $pc_name" "$pc_want" \
		"$("$BIN" --config.file="$TMP/prerr.yaml" --config.check 2>&1)"
}
pair_check "until. without an end" \
	"error: config: $TMP/prerr.yaml:6:32: metrics[0] (e_total): labels[0].source: until.args.ret reads at the end of a pair, but this metric has no end: probe \"tracepoint:syscalls:sys_enter_openat\" is a tracepoint; add until: PROBE, or probe kprobes or uprobes (their return ends the pair), or drop until." \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'labels: [{name: r, source: until.args.ret}]'
pair_check "until. in match" \
	"error: config: $TMP/prerr.yaml:7:12: metrics[0] (e_total): match: until.args.ret: match reads its probe side at the start and its until side at the end already; drop until. (to read something else at the end, write match: {probe: SOURCE, until: SOURCE})" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: tracepoint:syscalls:sys_exit_openat' \
	'match: until.args.ret'
pair_check "until.retval at a tracepoint" \
	"error: config: $TMP/prerr.yaml:7:32: metrics[0] (e_total): labels[0].source: retval needs kretprobe or uretprobe probes, but until \"tracepoint:syscalls:sys_exit_openat\" is a tracepoint; read the tracepoint's field instead, e.g. args.ret" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: tracepoint:syscalls:sys_exit_openat' \
	'labels: [{name: r, source: until.retval}]'
pair_check "a field the end probe lacks" \
	"error: plan: $TMP/prerr.yaml:7:32: metrics[0] (e_total): labels[0]: tracepoint:syscalls:sys_exit_openat has no field \"filename\"; its fields are: __syscall_nr, ret" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: tracepoint:syscalls:sys_exit_openat' \
	'labels: [{name: f, source: str(until.args.filename)}]'
pair_check "a field one probe of an until list lacks" \
	"error: plan: $TMP/prerr.yaml:7:32: metrics[0] (e_total): labels[0]: tracepoint:syscalls:sys_enter_getuid has no field \"fd\"; its fields are: __syscall_nr" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: [tracepoint:syscalls:sys_enter_close, tracepoint:syscalls:sys_enter_getuid]' \
	'labels: [{name: f, source: until.args.fd}]'
pair_check "until.probe" \
	"error: config: $TMP/prerr.yaml:6:32: metrics[0] (e_total): labels[0].source: \"until.probe\": probe names a start probe; it cannot be read at the end (until.), write probe" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'labels: [{name: p, source: until.probe}]'
pair_check "until.kstack" \
	"error: config: $TMP/prerr.yaml:7:32: metrics[0] (e_total): labels[0].source: \"until.kstack\": a stack is taken at the start of a pair; write kstack" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: tracepoint:syscalls:sys_exit_openat' \
	'labels: [{name: p, source: until.kstack}]'
pair_check "an expression mixing the ends" \
	"error: config: $TMP/prerr.yaml:7:32: metrics[0] (e_total): labels[0].source: \"until.args.ret + args.flags\": an expression is read at one end of a pair: its operands are all until. or none" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: tracepoint:syscalls:sys_exit_openat' \
	'labels: [{name: p, source: "until.args.ret + args.flags"}]'
pair_check "an empty until list" \
	"error: config: $TMP/prerr.yaml:6:12: metrics[0] (e_total): until: the list is empty; give at least one probe" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: []'
pair_check "a probe twice in an until list" \
	"error: config: $TMP/prerr.yaml:6:50: metrics[0] (e_total): until[1]: \"tracepoint:syscalls:sys_exit_openat\" is the same probe as until[0]; remove one" \
	'probe: tracepoint:syscalls:sys_enter_openat' \
	'until: [tracepoint:syscalls:sys_exit_openat, tracepoint:syscalls:sys_exit_openat]'

# --- a wildcard of start probes, ended by a named until --------------------
cat >"$TMP/pairwild.yaml" <<EOT
metrics:
  - name: bpfp_prw_tp_total
    help: get*id(2) calls ended by the next close(2) of the thread, by the call.
    probe: tracepoint:syscalls:sys_enter_get*id
    until: tracepoint:syscalls:sys_enter_close
    aggregate: count
    labels: [func]
    filter: ['comm == "bpfp_prw"']
  - name: bpfp_prw_tp_seconds
    help: Time from a get*id(2) call to the next close(2), by the call.
    probe: tracepoint:syscalls:sys_enter_get*id
    until: tracepoint:syscalls:sys_enter_close
    aggregate: hist
    value: latency
    unit: seconds
    labels: [func, {name: nr, source: args.__syscall_nr, decode: syscall}]
    filter: ['comm == "bpfp_prw"']
  - name: bpfp_prw_up_total
    help: bpfprom_begin and bpfprom_ret calls ended by bpfprom_end, by function.
    probe: uprobe:$PWD/$UW:bpfprom_?e*
    until: uprobe:$PWD/$UW:bpfprom_end
    aggregate: count
    labels: [func]
    filter: ['comm == "bpfp_prwu"']
EOT
prw_got() { grep "^$1{" "$TMP/prw.txt" | sort | tr '\n' ' '; }
if start "$TMP/pairwild.yaml"; then
	# getppid twice before a close: one stale start; the last close ends nothing
	$WL bpfp_prw getpid 1 close 0 getuid 1 close 0 getppid 2 close 0 close 0
	$UW bpfp_prwu begin end ret 5 end values 3 end begin begin end end
	scrape >"$TMP/prw.txt"
	expect "pairs: a tracepoint wildcard starts pairs a named until ends, by func" \
		'bpfp_prw_tp_total{func="sys_enter_getpid"} 1 bpfp_prw_tp_total{func="sys_enter_getppid"} 1 bpfp_prw_tp_total{func="sys_enter_getuid"} 1 ' \
		"$(prw_got bpfp_prw_tp_total)"
	expect "pairs: a wildcard's latency by func and by a field of its events" \
		'bpfp_prw_tp_seconds_count{func="sys_enter_getpid",nr="getpid"} 1 bpfp_prw_tp_seconds_count{func="sys_enter_getppid",nr="getppid"} 1 bpfp_prw_tp_seconds_count{func="sys_enter_getuid",nr="getuid"} 1 ' \
		"$(prw_got bpfp_prw_tp_seconds_count)"
	expect "pairs: a uprobe wildcard (bpfprom_begin, bpfprom_ret) ended by a named uprobe" \
		'bpfp_prw_up_total{func="bpfprom_begin"} 2 bpfp_prw_up_total{func="bpfprom_ret"} 1 ' \
		"$(prw_got bpfp_prw_up_total)"
	expect "pairs: a wildcard's stale starts, one per metric" \
		'bpfprom_dropped_events_total{metric="bpfp_prw_tp_seconds",reason="stale_start"} 1 bpfprom_dropped_events_total{metric="bpfp_prw_tp_total",reason="stale_start"} 1 bpfprom_dropped_events_total{metric="bpfp_prw_up_total",reason="stale_start"} 1 ' \
		"$(grep '^bpfprom_dropped_events_total{metric="bpfp_prw_[a-z_]*",reason="stale_start"}' "$TMP/prw.txt" | sort | tr '\n' ' ')"
	# the named until uprobe attaches the way the wildcard does (one
	# program per metric has one attach type)
	expect "pairs: the until uprobe attaches as the wildcard does" 1 \
		"$(grep '^bpfprom_probe_info{metric="bpfp_prw_up_total"' "$TMP/prw.txt" | sed 's/.*mechanism="\([^"]*\)".*/\1/' | sort -u | wc -l)"
	stop "pairs: wildcards"
fi
