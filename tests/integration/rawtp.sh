# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: rawtracepoint:/rt: probes, under each mechanism, and
# addresses, devices and interfaces as labels (decode: inet, majorminor, ifname).

# --- rawtracepoint: BTF-typed (auto) and raw (forced), both exact ---------
cp /bin/true "$TMP/bpfp_rtexec"
for rt_mech in tp_btf raw_tp; do
	rt_flag=
	[ "$rt_mech" = raw_tp ] && rt_flag=--probe.mechanism=raw_tp
	start $DIR/configs/rawtp.yaml $rt_flag || continue
	rt_pids=
	for i in 1 2 3 4 5 6 7 8; do
		"$TMP/bpfp_rtexec" &
		rt_pid=$!
		wait $rt_pid
		rt_pids="$rt_pids $rt_pid"
	done
	scrape >"$TMP/rt.txt"
	expect "rawtracepoint ($rt_mech): 8 execs of a known binary, by comm" \
		'bpfp_rt_exec_total{comm="bpfp_rtexec"} 8' \
		"$(grep '^bpfp_rt_exec_total' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): args.old_pid (pid_t from BTF) as a label, one per exec" \
		"$(for p in $rt_pids; do printf 'bpfp_rt_exec_pid_total{old_pid="%s"} 1\n' "$p"; done | sort)" \
		"$(grep '^bpfp_rt_exec_pid_total' "$TMP/rt.txt" | sort)"
	expect "rawtracepoint ($rt_mech): two events in one metric, told apart by their cookies" \
		"$(printf 'bpfp_rt_exec_exit_total{probe="0"} 8\nbpfp_rt_exec_exit_total{probe="1"} 8')" \
		"$(grep '^bpfp_rt_exec_exit_total' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): latency from exec to exit (until: rt:), 8 intervals" \
		'bpfp_rt_exec_life_seconds_count 8' \
		"$(grep '^bpfp_rt_exec_life_seconds_count' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): bpfprom_probe_info names the mechanism" \
		"bpfprom_probe_info{metric=\"bpfp_rt_exec_total\",probe=\"rawtracepoint:sched_process_exec\",mechanism=\"$rt_mech\"} 1" \
		"$(grep '^bpfprom_probe_info{metric="bpfp_rt_exec_total"' "$TMP/rt.txt")"
	stop
done

# --- rawtracepoint errors: exact, at --config.check -----------------------
rt_check() { # NAME PROBE LABEL-SOURCE WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: %s\n    aggregate: count\n    labels: [{name: x, source: "%s"}]\n' \
		"$2" "$3" >"$TMP/rterr.yaml"
	expect "rawtracepoint errors: $1" "$4" \
		"$("$BIN" --config.file="$TMP/rterr.yaml" --config.check 2>&1)"
}
rt_check "an unknown event, with did-you-mean" rt:sched_proces_exec comm \
	"error: plan: $TMP/rterr.yaml:4:12: metrics[0] (e_total): probe: rt:sched_proces_exec: no raw tracepoint \"sched_proces_exec\" in the kernel's BTF (no btf_trace_sched_proces_exec); did you mean \"sched_process_exec\"?"
rt_check "an unknown argument lists the event's" rt:sched_process_exec args.oldpid \
	"error: plan: $TMP/rterr.yaml:6:32: metrics[0] (e_total): labels[0]: rt:sched_process_exec has no argument \"oldpid\"; its arguments are: p, old_pid, bprm"
rt_check "str() of an integer argument" rawtracepoint:sched_process_exec 'str(args.old_pid)' \
	"error: plan: $TMP/rterr.yaml:6:32: metrics[0] (e_total): labels[0]: str(args.old_pid): the argument of rawtracepoint:sched_process_exec is not a pointer to a string"
rt_check "argN is not a rawtracepoint source" rt:sched_process_exec arg1 \
	"$(printf 'error: config: %s:6:32: metrics[0] (e_total): labels[0].source: arg1 reads a function argument, so it needs kprobe or uprobe probes, but probe "rt:sched_process_exec" is a rawtracepoint; use args.FIELD to read a tracepoint'"'"'s fields' "$TMP/rterr.yaml")"
