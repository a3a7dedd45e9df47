# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: uprobes and uretprobes as tracefs uprobe_events entries
# (--probe.mechanism=legacy, and auto where the uprobe PMU is missing): exact
# counts, a hist of an argument, latency from a uprobe to its return, pid:;
# tracefs clean after exit and after kill -9 and a restart.

if [ ! -w $TRACEFS/uprobe_events ]; then
	skip "legacy uprobes" "no writable $TRACEFS/uprobe_events"
else
	LU=$(realpath $BUILD/workload/uprobe_target)
	cat >"$TMP/lu.yaml" <<EOF
metrics:
  - name: lu_calls_total
    help: bpfprom_value calls.
    probe: uprobe:$LU:bpfprom_value
    aggregate: count
    filter: ['comm == "lu_a"']
  - name: lu_value_bytes
    help: bpfprom_value arguments.
    probe: uprobe:$LU:bpfprom_value
    aggregate: hist
    value: arg0
    buckets: {max: 2048}
    filter: ['comm == "lu_a"']
  - name: lu_ret_total
    help: bpfprom_ret calls by return value.
    probe: uretprobe:$LU:bpfprom_ret
    aggregate: count
    labels: [retval]
    filter: ['comm == "lu_a"']
  - name: lu_sleep_seconds
    help: bpfprom_sleep, uprobe to its return.
    probe: uprobe:$LU:bpfprom_sleep
    aggregate: hist
    value: latency
    unit: seconds
    buckets: {min: 1048576, max: 67108864}
    labels:
      - {name: ms, source: arg0}
    filter: ['comm == "lu_a"']
  - name: lu_begin_end_seconds
    help: bpfprom_begin's entry until bpfprom_end's return.
    probe: uprobe:$LU:bpfprom_begin
    until: uretprobe:$LU:bpfprom_end
    aggregate: stats
    value: latency
    filter: ['comm == "lu_a"']
EOF
	# lu_groups: the bpfprom_* groups in uprobe_events whose events name the
	# workload, as an alternation for grep; lu_events GROUPS: how many
	# events those groups have
	lu_groups() { sed -n "s|^[pr]:\(bpfprom_[0-9a-f]*\)/.* $LU:.*|\1|p" $TRACEFS/uprobe_events | sort -u | tr '\n' '|' | sed 's/|$//;s/|/\\|/g'; }
	lu_events() { if [ -n "$1" ]; then grep -c "^[pr]:\($1\)/" $TRACEFS/uprobe_events; else echo 0; fi; }
	lu_work() {
		$LU lu_a values 0 1 2 3 4 5 8 9 1024 1025 ret -1 0 1 -5 sleep 9 17 9 begin sleep 5 end
		# another process of the same binary, filtered out
		$LU lu_b values 1 2 ret 3 sleep 1 begin end
	}

	if start "$TMP/lu.yaml" --probe.mechanism=legacy; then
		lu_work
		scrape >"$TMP/lu.txt"
		expect "legacy uprobe: exact count" 'lu_calls_total 10' "$(grep '^lu_calls_total' "$TMP/lu.txt")"
		cat >"$TMP/lu_hist.want" <<'W'
lu_value_bytes_bucket{le="0"} 1
lu_value_bytes_bucket{le="1"} 2
lu_value_bytes_bucket{le="2"} 3
lu_value_bytes_bucket{le="4"} 5
lu_value_bytes_bucket{le="8"} 7
lu_value_bytes_bucket{le="16"} 8
lu_value_bytes_bucket{le="32"} 8
lu_value_bytes_bucket{le="64"} 8
lu_value_bytes_bucket{le="128"} 8
lu_value_bytes_bucket{le="256"} 8
lu_value_bytes_bucket{le="512"} 8
lu_value_bytes_bucket{le="1024"} 9
lu_value_bytes_bucket{le="2048"} 10
lu_value_bytes_bucket{le="+Inf"} 10
lu_value_bytes_sum 2081
lu_value_bytes_count 10
W
		grep '^lu_value_bytes' "$TMP/lu.txt" >"$TMP/lu_hist.got"
		expect_file "legacy uprobe: hist of arg0, every bucket at the seams exact" "$TMP/lu_hist.want" "$TMP/lu_hist.got"
		expect "legacy uretprobe: retval as a signed label, exact" \
			"$(printf '%s\n' 'lu_ret_total{retval="-5"} 1' 'lu_ret_total{retval="-1"} 1' 'lu_ret_total{retval="0"} 1' 'lu_ret_total{retval="1"} 1')" \
			"$(grep '^lu_ret_total' "$TMP/lu.txt")"
		# a sleep is never shorter than asked, but may be much longer on a busy
		# machine: each interval is above its lower seam, and counted once
		expect "legacy uprobe latency (uprobe to uretprobe): 5 ms above 2^22 ns, 9 ms twice above 2^23 ns, 17 ms above 2^24 ns" \
			"$(printf '%s\n' 'lu_sleep_seconds_bucket{ms="5",le="0.004194304"} 0' 'lu_sleep_seconds_count{ms="5"} 1' 'lu_sleep_seconds_bucket{ms="9",le="0.008388608"} 0' 'lu_sleep_seconds_count{ms="9"} 2' 'lu_sleep_seconds_bucket{ms="17",le="0.016777216"} 0' 'lu_sleep_seconds_count{ms="17"} 1')" \
			"$(grep -e 'lu_sleep_seconds_bucket{ms="5",le="0.004194304"}' -e 'lu_sleep_seconds_bucket{ms="9",le="0.008388608"}' -e 'lu_sleep_seconds_bucket{ms="17",le="0.016777216"}' -e 'lu_sleep_seconds_count' "$TMP/lu.txt")"
		# a 5 ms sleep between (nanoseconds: no unit)
		expect "legacy uprobe until uretprobe: one interval of at least 5 ms" "1 1" \
			"$(sed -n 's/^lu_begin_end_seconds_count //p' "$TMP/lu.txt") $(awk '/^lu_begin_end_seconds_min / { print ($2 >= 5000000 && $2 < 1000000000) }' "$TMP/lu.txt")"
		expect "legacy uprobe: bpfprom_probe_info says legacy for each probe" \
			"$(printf 'bpfprom_probe_info{metric="%s",probe="%s",mechanism="legacy"} 1\n' \
				lu_calls_total "uprobe:$LU:bpfprom_value" lu_value_bytes "uprobe:$LU:bpfprom_value" \
				lu_ret_total "uretprobe:$LU:bpfprom_ret" lu_sleep_seconds "uprobe:$LU:bpfprom_sleep" \
				lu_begin_end_seconds "uprobe:$LU:bpfprom_begin" lu_begin_end_seconds "uretprobe:$LU:bpfprom_end")" \
			"$(grep '^bpfprom_probe_info' "$TMP/lu.txt")"
		# the two bpfprom_value metrics share a program and its group; each
		# latency has a uprobe and a uretprobe: 4 groups, 6 events
		lu_first=$(lu_groups)
		expect "legacy uprobe: 5 metrics, 4 groups bpfprom_<16 hex>, 6 events in uprobe_events" \
			"4 6" "$(echo "$lu_first" | sed 's/\\|/\n/g' | grep -c '^bpfprom_[0-9a-f]\{16\}$') $(lu_events "$lu_first")"
		expect "legacy uprobe: the events as written: p: and r: GROUP/NAME PATH:0xOFFSET" \
			"p_bpfprom_value_0 r_bpfprom_ret_0 p_bpfprom_sleep_0 r_bpfprom_sleep_1 p_bpfprom_begin_0 r_bpfprom_end_1" \
			"$(grep "^[pr]:\($lu_first\)/" $TRACEFS/uprobe_events | sed -n "s|^[pr]:bpfprom_[0-9a-f]\{16\}/\([a-z_0-9]*\) $LU:0x[0-9a-f]*$|\1|p" | tr '\n' ' ' | sed 's/ $//')"
		stop "legacy uprobe"
		expect "legacy uprobe: no event of its groups is left in uprobe_events after exit" \
			0 "$(lu_events "$lu_first")"
	fi

	# kill -9 leaves the groups; the next start removes them and says so
	if start "$TMP/lu.yaml" --probe.mechanism=legacy; then
		lu_first=$(lu_groups)
		kill -9 "$PID"
		wait "$PID" 2>/dev/null
		PID=
		expect "legacy uprobe: kill -9 leaves its 6 events in uprobe_events" 6 "$(lu_events "$lu_first")"
		if start "$TMP/lu.yaml" --probe.mechanism=legacy; then
			expect "legacy uprobe: the next start removes the dead run's 6 events and says so" \
				"0 info: uprobe: removed 6 stale events of killed bpfprom runs from uprobe_events" \
				"$(lu_events "$lu_first") $(grep 'stale' "$TMP/log")"
			lu_second=$(lu_groups)
			lu_work
			expect "legacy uprobe: the restarted run counts exactly, with its own 6 events" \
				"$(printf 'lu_calls_total 10\nlu_value_bytes_count 10\n6')" \
				"$(scrape | grep -e '^lu_calls_total' -e '^lu_value_bytes_count'; lu_events "$lu_second")"
			stop "legacy uprobe restarted"
			expect "legacy uprobe: exit after the restart leaves none of its events" \
				0 "$(lu_events "$lu_second")"
		fi
	fi

	# pid: one process, through a perf event of that process
	rm -f "$TMP/lu.fifo"
	mkfifo "$TMP/lu.fifo"
	sh -c "read x <'$TMP/lu.fifo'; exec '$LU' lu_pid values 7 8" &
	lu_pid=$!
	sed -n '1,13p' "$TMP/lu.yaml" | sed "s/^    filter: \['comm == \"lu_a\"'\]$/    pid: $lu_pid/" >"$TMP/lu_pid.yaml"
	if start "$TMP/lu_pid.yaml" --probe.mechanism=legacy; then
		echo go >"$TMP/lu.fifo"
		wait $lu_pid
		$LU lu_other values 100
		expect "legacy uprobe with pid: only that process's calls, exact" \
			"$(printf 'lu_calls_total 2\nlu_value_bytes_sum 15\nlu_value_bytes_count 2')" \
			"$(scrape | grep -e '^lu_calls_total' -e '^lu_value_bytes_sum' -e '^lu_value_bytes_count')"
		stop "legacy uprobe with pid:"
	else
		echo go >"$TMP/lu.fifo"
		wait $lu_pid
	fi

	# auto where the uprobe PMU is missing: bpfprom in a mount namespace where
	# /sys/bus/event_source/devices/uprobe is an empty tmpfs
	printf '#!/bin/sh\nmount -t tmpfs nopmu /sys/bus/event_source/devices/uprobe && exec "$@"\n' >"$TMP/nopmu.sh"
	chmod +x "$TMP/nopmu.sh"
	RUNAS="unshare -m --propagation private $TMP/nopmu.sh"
	if start "$TMP/lu.yaml"; then
		RUNAS=
		lu_work
		scrape >"$TMP/lu.txt"
		expect "no uprobe PMU: auto writes uprobe_events, bpfprom_probe_info says legacy, counts exact" \
			"$(printf '%s\n' 'lu_calls_total 10' 'lu_value_bytes_sum 2081' 'lu_sleep_seconds_count{ms="9"} 2' "bpfprom_probe_info{metric=\"lu_ret_total\",probe=\"uretprobe:$LU:bpfprom_ret\",mechanism=\"legacy\"} 1")" \
			"$(grep -e '^lu_calls_total' -e '^lu_value_bytes_sum' -e '^bpfprom_probe_info{metric="lu_ret_total"' -e '^lu_sleep_seconds_count{ms="9"}' "$TMP/lu.txt")"
		lu_first=$(lu_groups)
		expect "no uprobe PMU: 6 events in uprobe_events while it runs" 6 "$(lu_events "$lu_first")"
		stop "no uprobe PMU"
		expect "no uprobe PMU: none left after exit" 0 "$(lu_events "$lu_first")"
	fi
	RUNAS=

	# a path the kernel would split at its space cannot be written
	mkdir -p "$TMP/a b"
	cp "$LU" "$TMP/a b/app"
	sed -n '1,6p' "$TMP/lu.yaml" | sed "s|$LU|$TMP/a b/app|" >"$TMP/lu_space.yaml"
	try_start "$TMP/lu_space.yaml" --probe.mechanism=legacy && stop
	expect "legacy uprobe: a path with a space is refused, named" \
		"error: loader: metrics[0] (lu_calls_total): cannot attach uprobe:$TMP/a b/app:bpfprom_value with legacy: \"$TMP/a b/app\": a path with white space or control characters cannot be written into uprobe_events; use --probe.mechanism=auto" \
		"$(grep '^error' "$TMP/log")"
fi
