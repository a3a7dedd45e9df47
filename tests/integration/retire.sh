# SPDX-License-Identifier: GPL-2.0
# Series that retire (README: Series that retire): sourced by
# tests/integration/run.sh (lib.sh's helpers and TMP). Processes are copies
# of /bin/true named rtPID, so that other processes on the machine do not
# count; cgroups are made and removed here.

RT=$TMP/rt
mkdir -p "$RT"
RTC=rt$$
cp /bin/true "$RT/$RTC"

# --- pid: 200 execs in batches, max_series 50 ------------------------------
cat >"$RT/pid.yaml" <<Y
metrics:
  - name: rt_exec_total
    help: execs by process.
    probe: tracepoint:sched:sched_process_exec
    aggregate: count
    labels: [pid]
    filter:
      - comm == "$RTC"
    max_series: 50
Y
if start "$RT/pid.yaml"; then
	: >"$RT/pid.txt"
	scrape_append "$RT/pid.txt"
	for _ in $(seq 10); do
		for _ in $(seq 20); do "$RT/$RTC"; done
		scrape_append "$RT/pid.txt"
	done
	# the last batch: taken at the next scrape, counted at the one after
	scrape_append "$RT/pid.txt"
	scrape_append "$RT/pid.txt"
	last_scrape "$RT/pid.txt" >"$RT/pid.last"
	expect "retire pid: 200 execs in batches of 20 into max_series 50: no map_full drop" \
		'bpfprom_dropped_events_total{metric="rt_exec_total",reason="map_full"} 0' \
		"$(grep '^bpfprom_dropped_events_total{metric="rt_exec_total",reason="map_full"}' "$RT/pid.last")"
	expect_ge "retire pid: series retired as their processes exited (process_gone)" 150 \
		"$(sed -n 's/^bpfprom_series_retired_total{metric="rt_exec_total",reason="process_gone"} //p' "$RT/pid.last")"
	expect "retire pid: exact totals: the final values of every series add up to 200 execs, none went down" \
		"200 0" "$(episodes rt_exec_total "$RT/pid.txt")"
	expect "retire pid: the map is empty once every process is gone; only process_gone is exported" \
		"$(printf '%s\n' 'bpfprom_series_retired_total{metric="rt_exec_total",reason="process_gone"}' 'bpfprom_metric_series{metric="rt_exec_total"} 0')" \
		"$(grep -e '^bpfprom_series_retired_total' -e '^bpfprom_metric_series' "$RT/pid.last" | sed 's/\(reason="process_gone"}\) [0-9]*$/\1/')"
	stop
fi

# --- cgroup: five cgroups made and removed ----------------------------------
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cat >"$RT/cg.yaml" <<Y
metrics:
  - name: rt_cg_exec_total
    help: execs by cgroup.
    probe: tracepoint:sched:sched_process_exec
    aggregate: count
    labels:
      - {name: cgroup, source: cgroup, decode: cgroup_path}
    filter:
      - comm == "$RTC"
Y
if [ -n "$CG2" ] && mkdir "$CG2/bpfprom-rt-$$" 2>/dev/null; then
	rmdir "$CG2/bpfprom-rt-$$"
	if start "$RT/cg.yaml"; then
		: >"$RT/cg.txt"
		for i in 1 2 3 4 5; do
			mkdir "$CG2/bpfprom-rt-$$-$i"
			# a shell in the cgroup runs the copy i times
			sh -c 'echo $$ >"$0/cgroup.procs" && i=0 && while [ $i -lt "$1" ]; do "$2"; i=$((i + 1)); done' \
				"$CG2/bpfprom-rt-$$-$i" "$i" "$RT/$RTC"
		done
		scrape_append "$RT/cg.txt"
		expect "retire cgroup: one series per cgroup while they exist" \
			"$(for i in 1 2 3 4 5; do echo "rt_cg_exec_total{cgroup=\"/bpfprom-rt-$$-$i\"} $i"; done)" \
			"$(grep '^rt_cg_exec_total' "$RT/cg.txt")"
		for i in 1 2 3 4 5; do rmdir "$CG2/bpfprom-rt-$$-$i"; done
		# the landing page reads the maps too, but exports no series
		scrape / >/dev/null
		scrape / >/dev/null
		scrape_append "$RT/cg.txt"
		expect "retire cgroup: the landing page takes no series: the next scrape exports all five" \
			5 "$(last_scrape "$RT/cg.txt" | grep -c '^rt_cg_exec_total')"
		scrape_append "$RT/cg.txt"
		last_scrape "$RT/cg.txt" >"$RT/cg.last"
		expect "retire cgroup: removed cgroups' series are gone, counted as cgroup_gone" \
			"$(printf '%s\n' 'bpfprom_series_retired_total{metric="rt_cg_exec_total",reason="cgroup_gone"} 5' 'bpfprom_metric_series{metric="rt_cg_exec_total"} 0')" \
			"$(grep -e '^bpfprom_series_retired_total' -e '^bpfprom_metric_series' -e '^rt_cg_exec_total' "$RT/cg.last")"
		expect "retire cgroup: exact totals: final values add up to 15 execs" \
			"15 0" "$(episodes rt_cg_exec_total "$RT/cg.txt")"
		stop
	fi
else
	skip "retire cgroup" "no writable cgroup2 mount"
fi

# --- series_ttl: idle series retire, busy ones stay, a late event continues -
# root's series goes idle; nobody's (the same name under uid 65534) keeps changing
cat >"$RT/ttl.yaml" <<Y
metrics:
  - name: rt_ttl_exec_total
    help: execs by user.
    probe: tracepoint:sched:sched_process_exec
    aggregate: count
    labels: [uid]
    filter:
      - comm == "$RTC"
    series_ttl: 1s
Y
chmod a+rx "$TMP" "$RT"
busy() { setpriv --reuid=65534 --regid=65534 --clear-groups "$RT/$RTC"; }
if start "$RT/ttl.yaml"; then
	: >"$RT/ttl.txt"
	for _ in 1 2 3; do "$RT/$RTC"; done
	busy
	scrape_append "$RT/ttl.txt"
	# root's is unchanged from here on; nobody's changes at every scrape
	for _ in 1 2; do
		sleep 0.6
		busy
		scrape_append "$RT/ttl.txt"
	done
	last_scrape "$RT/ttl.txt" >"$RT/ttl.1"
	expect "series_ttl: a series unchanged for 1s is taken, exported with its last value; the busy one stays" \
		"$(printf '%s\n' 'rt_ttl_exec_total{uid="0"} 3' 'rt_ttl_exec_total{uid="65534"} 3' 'bpfprom_metric_series{metric="rt_ttl_exec_total"} 1')" \
		"$(grep -e '^rt_ttl_exec_total' -e '^bpfprom_metric_series{metric="rt_ttl_exec_total"}' "$RT/ttl.1")"
	# events after the take, before the next scrape: the series continues from 3
	"$RT/$RTC"
	"$RT/$RTC"
	scrape_append "$RT/ttl.txt"
	last_scrape "$RT/ttl.txt" >"$RT/ttl.2"
	expect "series_ttl: events after the take continue the series (3 + 2), nothing retired" \
		"$(printf '%s\n' 'rt_ttl_exec_total{uid="0"} 5' 'rt_ttl_exec_total{uid="65534"} 3' 'bpfprom_series_retired_total{metric="rt_ttl_exec_total",reason="idle"} 0')" \
		"$(grep -e '^bpfprom_series_retired_total' -e '^rt_ttl_exec_total' "$RT/ttl.2")"
	sleep 1.2
	scrape_append "$RT/ttl.txt"
	scrape_append "$RT/ttl.txt"
	last_scrape "$RT/ttl.txt" >"$RT/ttl.3"
	expect "series_ttl: both idle now: taken, then gone, 2 retired" \
		"$(printf '%s\n' 'bpfprom_series_retired_total{metric="rt_ttl_exec_total",reason="idle"} 2' 'bpfprom_metric_series{metric="rt_ttl_exec_total"} 0')" \
		"$(grep -e '^bpfprom_series_retired_total' -e '^rt_ttl_exec_total' -e '^bpfprom_metric_series{metric="rt_ttl_exec_total"}' "$RT/ttl.3")"
	expect "series_ttl: exact totals: final values add up to 5 + 3 execs, none went down" \
		"8 0" "$(episodes rt_ttl_exec_total "$RT/ttl.txt")"
	stop
fi
