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
