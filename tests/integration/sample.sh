# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: profile:, software: and hardware: probes (a perf event
# per online CPU), the period source, their errors and --list.

SMP=$BUILD/workload/sampling
cat >"$TMP/sample.yaml" <<'Y'
metrics:
  - name: bpfp_spin_samples_total
    help: profile samples of the pinned loop, by pid and CPU.
    probe: profile:hz:99
    aggregate: count
    labels: [pid, cpu]
    filter: [comm == "bpfp_spin"]
  - name: bpfp_spin_sampled_ns_total
    help: the periods of those samples (nanoseconds of CPU time).
    probe: p:hz:99
    aggregate: sum
    value: period
    filter: [comm == "bpfp_spin"]
  - name: bpfp_touch_faults_total
    help: page faults of the touching workload, by pid.
    probe: software:page-faults:1
    aggregate: count
    labels: [pid]
    filter: [comm == "bpfp_touch"]
  - name: bpfp_touch_minor_faults_total
    help: minor faults of the touching workload, sum of the periods.
    probe: s:minor-faults:1
    aggregate: sum
    value: period
    filter: [comm == "bpfp_touch"]
  - name: bpfp_touch_faults_by_probe_total
    help: two software events in one metric, told apart by their cookies.
    probe: [software:page-faults:1, software:major-faults:1]
    aggregate: count
    labels: [probe]
    filter: [comm == "bpfp_touch"]
  - name: bpfp_touch_faults_by_task_total
    help: page faults, labelled through the current task (task->tgid).
    probe: s:faults:1
    aggregate: count
    labels: [{name: tgid, source: task->tgid}, comm]
    filter: [comm == "bpfp_touch"]
Y

# --- profile: a loop pinned to CPU 0 for 3 s of CPU time ------------------
# 99 samples per second of the loop's CPU time (cpu-clock at 1e9/99 ns), as
# long as the loop runs; the machine is shared, so the count is held to
# +-15% while the periods' sum is exact (every sample stands for 10101010 ns)
if start "$TMP/sample.yaml"; then
	taskset -c 0 "$SMP" spin bpfp_spin 3000 >"$TMP/spin.out" &
	spin_pid=$!
	wait $spin_pid
	spin_ns=$(sed -n 's/^cpu_ns //p' "$TMP/spin.out")
	"$SMP" touch bpfp_touch 1000 >/dev/null &
	t1=$!
	wait $t1
	"$SMP" touch bpfp_touch 2500 >/dev/null &
	t2=$!
	wait $t2
	scrape >"$TMP/sample.txt"
	n=$(sed -n "s/^bpfp_spin_samples_total{pid=\"$spin_pid\",cpu=\"0\"} //p" "$TMP/sample.txt")
	want=$(awk -v ns="$spin_ns" 'BEGIN { printf "%.1f", ns / 1e9 * 99 }')
	rate=$(awk -v n="${n:-0}" -v ns="$spin_ns" 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	ok_rate=$(awk -v n="${n:-0}" -v w="$want" 'BEGIN { print (n >= 0.85 * w && n <= 1.15 * w) ? "yes" : "no" }')
	expect "profile:hz:99: $n samples in $spin_ns ns of the pinned loop's CPU time ($rate per second; 99 +-15%: $want +-15%)" \
		yes "$ok_rate"
	expect "profile:hz:99: every sample of the loop pinned to CPU 0 has cpu=\"0\" and its pid" \
		"bpfp_spin_samples_total{pid=\"$spin_pid\",cpu=\"0\"} ${n:-none}" \
		"$(grep '^bpfp_spin_samples_total' "$TMP/sample.txt")"
	expect "profile:hz:99: sum of period is the samples times 1e9/99 ns, exactly" \
		"bpfp_spin_sampled_ns_total $((${n:-0} * 10101010))" \
		"$(grep '^bpfp_spin_sampled_ns_total' "$TMP/sample.txt")"
	expect "software:page-faults:1: one fault per fresh page touched, exact per pid (1000 and 2500)" \
		"$(printf 'bpfp_touch_faults_total{pid="%s"} 1000\nbpfp_touch_faults_total{pid="%s"} 2500' "$t1" "$t2")" \
		"$(grep '^bpfp_touch_faults_total' "$TMP/sample.txt")"
	expect "s:minor-faults:1: sum of period is the count of faults, exact" \
		'bpfp_touch_minor_faults_total 3500' \
		"$(grep '^bpfp_touch_minor_faults_total' "$TMP/sample.txt")"
	# fresh anonymous pages are minor faults only
	expect "two software events in one metric: the probe source from the attach cookie" \
		'bpfp_touch_faults_by_probe_total{probe="0"} 3500' \
		"$(grep '^bpfp_touch_faults_by_probe_total' "$TMP/sample.txt")"
	expect "s:faults:1: task->tgid and comm read from the sampled task" \
		"$(printf 'bpfp_touch_faults_by_task_total{tgid="%s",comm="bpfp_touch"} 1000\nbpfp_touch_faults_by_task_total{tgid="%s",comm="bpfp_touch"} 2500' "$t1" "$t2")" \
		"$(grep '^bpfp_touch_faults_by_task_total' "$TMP/sample.txt")"
	expect "profile, software: bpfprom_probe_info says perf_event" \
		"$(printf 'bpfprom_probe_info{metric="bpfp_spin_samples_total",probe="profile:hz:99",mechanism="perf_event"} 1\nbpfprom_probe_info{metric="bpfp_touch_faults_total",probe="software:page-faults:1",mechanism="perf_event"} 1')" \
		"$(grep -e '^bpfprom_probe_info{metric="bpfp_spin_samples_total"' -e '^bpfprom_probe_info{metric="bpfp_touch_faults_total"' "$TMP/sample.txt")"
	# a perf event per attachment and online CPU: p:hz:99 fuses with
	# profile:hz:99 and s:faults:1 with software:page-faults:1; the probe
	# list is a program of its own with 2: so 5
	expect "profile, software: one perf event per online CPU and attachment (5 after fusing)" \
		"$((5 * $(getconf _NPROCESSORS_ONLN)))" \
		"$(ls -l /proc/$PID/fd | grep -c 'anon_inode:\[perf_event\]')"
	expect "profile, software: their programs are of type perf_event" perf_event \
		"$(for id in $(prog_ids); do bpftool prog show id "$id"; done | sed -n 's/^[0-9]*: \([a-z_]*\) .*/\1/p' | sort -u)"
	stop "profile, software"
fi
# metrics that do not sample load no perf_event program
printf 'metrics:\n  - name: bpfp_tp_only_total\n    help: h.\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n' >"$TMP/tponly.yaml"
if start "$TMP/tponly.yaml"; then
	expect "a tracepoint metric loads a tracepoint program only, no perf_event one" tracepoint \
		"$(for id in $(prog_ids); do bpftool prog show id "$id"; done | sed -n 's/^[0-9]*: \([a-z_]*\) .*/\1/p' | sort -u)"
	stop
fi

# --- hardware: this machine's PMU, or the error that names the event -----
printf 'metrics:\n  - name: bpfp_hw_total\n    help: h.\n    probe: hardware:instructions:100000\n    aggregate: count\n    filter: [comm == "bpfp_spin"]\n' >"$TMP/hw.yaml"
out=$("$BIN" --config.file="$TMP/hw.yaml" --config.check 2>&1)
rc=$?
hw_want="error: plan: $TMP/hw.yaml:4:12: metrics[0] (bpfp_hw_total): probe: hardware:instructions:100000: this machine has no PMU for the hardware event instructions (perf_event_open: No such file or directory); virtual machines often have none: use software:cpu-clock or profile:hz:N for CPU time"
if [ $rc -eq 0 ]; then
	# a machine with a PMU: the counter counts the loop
	if start "$TMP/hw.yaml"; then
		"$SMP" spin bpfp_spin 200 >/dev/null
		expect_ge "hardware:instructions:100000 samples a loop on a machine with a PMU" 1 \
			"$(value bpfp_hw_total)"
		stop
	fi
else
	expect "hardware: no PMU on this machine: --config.check says so, naming the event" \
		"rc=1 $hw_want" "rc=$rc $out"
	try_start "$TMP/hw.yaml"
	expect "hardware: no PMU on this machine: start-up fails with the same message" \
		"rc=1 $hw_want" "rc=$RC $(grep '^error' "$TMP/log")"
fi

# --- errors: exact, at --config.check --------------------------------------
sample_check() { # NAME PROBE VALUE-SOURCE WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: %s\n    aggregate: sum\n    value: %s\n' \
		"$2" "$3" >"$TMP/serr.yaml"
	expect "sampling errors: $1" "$4" "$("$BIN" --config.file="$TMP/serr.yaml" --config.check 2>&1)"
}
sample_check "argN on profile" profile:hz:99 arg0 \
	"error: config: $TMP/serr.yaml:6:12: metrics[0] (e_total): value: arg0: probe \"profile:hz:99\" is a profile probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->..."
sample_check "retval on software" software:cs retval \
	"error: config: $TMP/serr.yaml:6:12: metrics[0] (e_total): value: retval: probe \"software:cs\" is a software probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->..."
sample_check "args.X on software" s:faults args.address \
	"error: config: $TMP/serr.yaml:6:12: metrics[0] (e_total): value: args.address: probe \"s:faults\" is a software probe, a sample of whatever the CPU is running: it has no arguments, return value or fields; use comm, pid, tid, uid, gid, cgroup, cpu, period or task->..."
sample_check "period on a tracepoint" tracepoint:syscalls:sys_enter_getppid period \
	"error: config: $TMP/serr.yaml:6:12: metrics[0] (e_total): value: period is the sample period of profile, software and hardware probes, but probe \"tracepoint:syscalls:sys_enter_getppid\" is a tracepoint; use aggregate: count to count its events"
sample_check "an unknown software event, with did-you-mean" software:page-fault period \
	"error: config: $TMP/serr.yaml:4:12: metrics[0] (e_total): probe: unknown software event \"page-fault\" (did you mean \"page-faults\"?); expected one of alignment-faults, bpf-output, context-switches, cs, cpu-clock, cpu, cpu-migrations, dummy, emulation-faults, major-faults, minor-faults, page-faults, faults, task-clock"
sample_check "profile without a rate" profile:hz period \
	"error: config: $TMP/serr.yaml:4:12: metrics[0] (e_total): probe: \"profile:hz\": hz needs a positive whole number after it, e.g. profile:hz:99"

# --- --list: as bpftrace -l prints them ------------------------------------
out=$("$BIN" --list 'profile:*' 2>&1)
expect "--list 'profile:*': the units" \
	"rc=0 $(printf 'profile:hz:\nprofile:ms:\nprofile:s:\nprofile:us:')" "rc=$? $out"
out=$("$BIN" --list 'software:*' 2>&1)
expect "--list 'software:*': the events and their aliases" \
	"rc=0 $(printf 'software:%s:\n' alignment-faults bpf-output context-switches cpu-clock cpu-migrations cpu cs dummy emulation-faults faults major-faults minor-faults page-faults task-clock)" \
	"rc=$? $out"
out=$("$BIN" --list 'hardware:*' 2>&1)
expect "--list 'hardware:*': the events and their aliases (listed whether or not there is a PMU)" \
	"rc=0 $(printf 'hardware:%s:\n' backend-stalls branch-instructions branch-misses branches bus-cycles cache-misses cache-references cpu-cycles cycles frontend-stalls instructions ref-cycles)" \
	"rc=$? $out"
out=$("$BIN" --list 's:*faults:1' 2>&1)
expect "--list 's:*faults:1': an alias and a period" \
	"rc=0 $(printf 'software:%s:\n' alignment-faults emulation-faults faults major-faults minor-faults page-faults)" \
	"rc=$? $out"
