# SPDX-License-Identifier: GPL-2.0
# The churn soak (README: Series that retire), sourced by tests/load/run.sh:
# CHURN_PROCS short-lived processes (a copy of /bin/true) over CHURN_SECS,
# in cgroups of CHURN_PER_CG made and removed as they go, counted by two
# metrics labelled by pid and cgroup, and by cgroup, each with max_series
# far below the processes; a scrape every second. Asserted: no map_full
# drop, the maps' series bounded, exact totals (the final values of every
# series add up to the execs), RSS and open fds flat.
# make test: 2,000 processes in 20 s; make load: 100,000 in 600 s.
CHURN_PROCS=${CHURN_PROCS:-2000}
CHURN_SECS=${CHURN_SECS:-20}
CHURN_PER_CG=${CHURN_PER_CG:-250}
CH=$TMP/churn
CHC=ch$$
mkdir -p "$CH"
cp /bin/true "$CH/$CHC"
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cat >"$CH/churn.yaml" <<Y
metrics:
  - name: churn_exec_total
    help: execs by process and cgroup.
    probe: tracepoint:sched:sched_process_exec
    aggregate: count
    labels:
      - pid
      - {name: cgroup, source: cgroup, decode: cgroup_path}
    filter:
      - comm == "$CHC"
    max_series: 1024
  - name: churn_cgroup_exec_total
    help: execs by cgroup.
    probe: tracepoint:sched:sched_process_exec
    aggregate: count
    labels:
      - {name: cgroup, source: cgroup, decode: cgroup_path}
    filter:
      - comm == "$CHC"
    max_series: 16
Y
if [ -z "$CG2" ] || ! mkdir "$CG2/bpfprom-churn-$$" 2>/dev/null; then
	skip "churn soak" "no writable cgroup2 mount"
elif start "$CH/churn.yaml"; then
	rmdir "$CG2/bpfprom-churn-$$"
	: >"$CH/s.txt"
	"$WL/churn" "$CH/$CHC" "$CG2" "bpfprom-churn-$$" "$CHURN_PROCS" "$CHURN_PER_CG" \
		"$CHURN_SECS" >"$CH/churn.out" 2>&1 &
	churn=$!
	BG="$BG $churn"
	n=0
	while kill -0 "$churn" 2>/dev/null; do
		scrape_append "$CH/s.txt"
		n=$((n + 1))
		sleep 1
	done
	wait "$churn"
	# the last processes: taken at the next scrape, gone at the one after
	for _ in 1 2 3; do scrape_append "$CH/s.txt"; done
	execs=$(sed -n 's/^execs \([0-9]*\) .*/\1/p' "$CH/churn.out")
	last_scrape "$CH/s.txt" >"$CH/last"
	series() { sed -n "s/^bpfprom_metric_series{metric=\"$1\"} //p" "$CH/s.txt" | sort -n | tail -1; }
	self() { sed -n "s/^$1 //p" "$CH/s.txt"; }
	self process_resident_memory_bytes >"$CH/rss"
	self process_open_fds >"$CH/fds"
	# after a tenth of the run (the buffers grown), and at the end
	w=$(($(wc -l <"$CH/rss") / 10 + 1))
	rss0=$(sed -n "${w}p" "$CH/rss")
	rss1=$(tail -1 "$CH/rss")
	fds0=$(sed -n "${w}p" "$CH/fds")
	fds1=$(tail -1 "$CH/fds")
	retired=$(sed -n 's/^bpfprom_series_retired_total{metric="churn_exec_total",reason="\([a-z_]*\)"} /\1=/p' "$CH/last" | paste -sd' ' -)
	cgretired=$(sed -n 's/^bpfprom_series_retired_total{metric="churn_cgroup_exec_total",reason="cgroup_gone"} //p' "$CH/last")
	echo "       (churn: $(cat "$CH/churn.out"); $n scrapes; series at most $(series churn_exec_total) and $(series churn_cgroup_exec_total); retired $retired, cgroup metric $cgretired; RSS $rss0 -> $rss1 bytes, fds $fds0 -> $fds1)"
	expect "churn soak: every process ran ($CHURN_PROCS)" "$CHURN_PROCS" "$execs"
	expect "churn soak: no map_full drop in either metric" \
		"$(printf '%s\n' 'bpfprom_dropped_events_total{metric="churn_exec_total",reason="map_full"} 0' 'bpfprom_dropped_events_total{metric="churn_cgroup_exec_total",reason="map_full"} 0')" \
		"$(grep '^bpfprom_dropped_events_total{metric="churn_[a-z_]*",reason="map_full"}' "$CH/last")"
	expect "churn soak: exact totals by pid and cgroup: final values add up to the execs, none went down" \
		"$execs 0" "$(episodes churn_exec_total "$CH/s.txt")"
	expect "churn soak: exact totals by cgroup" "$execs 0" "$(episodes churn_cgroup_exec_total "$CH/s.txt")"
	expect "churn soak: every series retired at the end, both maps empty" \
		"$(printf '%s\n' 'bpfprom_metric_series{metric="churn_exec_total"} 0' 'bpfprom_metric_series{metric="churn_cgroup_exec_total"} 0')" \
		"$(grep '^bpfprom_metric_series{metric="churn_' "$CH/last")"
	expect "churn soak: every cgroup's series retired as cgroup_gone ($((CHURN_PROCS / CHURN_PER_CG)))" \
		"$(((CHURN_PROCS + CHURN_PER_CG - 1) / CHURN_PER_CG))" "$cgretired"
	# bounded: a series is taken one scrape after it is seen, so the map
	# holds about two seconds of processes, far below max_series
	smax=$(series churn_exec_total)
	expect "churn soak: series bounded (at most 512 by pid at once; $smax)" 1 \
		"$(awk -v a="$smax" 'BEGIN { print (a != "" && a <= 512) }')"
	expect "churn soak: open fds flat" "$fds0" "$fds1"
	expect "churn soak: RSS flat (at most 1 MiB above what it was a tenth in)" 1 \
		"$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { print (b <= a + 1048576) }')"
	stop
fi
