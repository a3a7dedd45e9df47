#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and robustness tests: the real build/bpfprom on this kernel under 100
# concurrent scrapers (wrk) while a two-thread workload makes a known number
# of events and slow clients hold connections; the connection limits; and
# processes with hostile names, checked in every exposition format; a churn
# of short-lived processes and cgroups (churn.sh). Needs root (BPF) and wrk.
# LOAD_SECS (default 10; `make load`: 60) is how long wrk runs, LOAD_SLOW
# (default 32) how many slow clients; CHURN_PROCS and CHURN_SECS (2000 in 20;
# `make load`: 100000 in 600) the churn.
# Closes with: load: N passed, N failed, N skipped
SUITE=load
. tests/lib.sh
WL=$BUILD/workload
DIR=tests/load
LOAD_SECS=${LOAD_SECS:-10}
SLOW=${LOAD_SLOW:-32}
# getppid calls per workload run (two threads, one per CPU) and its writes
PER_RUN=100000
BG=
cleanup() { for p in $BG; do kill "$p" 2>/dev/null; done; }
AT_EXIT=cleanup

# curl's exit code for a connection closed without an answer: 52 (empty
# reply) or 56 (reset), depending on when the close arrives
closed_rc() { case $1 in 52 | 56) echo closed ;; *) echo "curl exit $1" ;; esac; }

no_close_wait() { [ "$(ss -Htn state close-wait "( sport = :$PORT )" | wc -l)" = 0 ]; }

# the lines of a file matching a prefix, 20 scrapes' times: their median
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'; }

need_root
if ! command -v wrk >/dev/null; then
	not_ok "load suite: wrk is installed" "wrk not found; run make deps (tools/deps.sh installs it)"
	finish
fi

# --- the same load without slow clients: what this host does now ---------
# A start of its own (its scrapes do not count in the next one's), the
# workload under a comm the metrics do not count, as long a wrk run: its
# p99 is the bound's fallback below. Late in a CI run this 2-CPU host's p99
# has been 1.9 s and 2.9 s with slow clients, 0.7-2.2 s in the suite alone
# (1.1 s without them).
p99_base=
if start $DIR/configs/load.yaml --web.max-connections=256 --web.max-connections-per-ip=200; then
	(
		while [ ! -e "$TMP/stop0" ]; do
			$WL/syscalls load_base threads 2 getppid $PER_RUN write 1 1024 >/dev/null || exit 1
			sleep 0.3
		done
	) &
	wl0=$!
	BG="$BG $wl0"
	wrk -c100 -t2 -d"${LOAD_SECS}s" --timeout 5s -s $DIR/scrape.lua "http://$ADDR/metrics" >"$TMP/wrk0.out" 2>&1
	touch "$TMP/stop0"
	wait $wl0
	p99_base=$(sed -n 's/^wrk-result //p' "$TMP/wrk0.out" | tr ' ' '\n' | sed -n 's/^p99_us=//p')
	stop
fi

# --- slow clients, then 100 scrapers while the workload runs ---------------
# 100 wrk connections and the slow clients all come from 127.0.0.1: both
# limits are raised above them (the defaults are tested below)
if start $DIR/configs/load.yaml --web.max-connections=256 --web.max-connections-per-ip=200; then
	timed_scrapes() { # FILE: 20 scrapes, "CODE SECONDS" each
		for _ in $(seq 20); do
			curl -sS --max-time 2 -o /dev/null -w '%{http_code} %{time_total}\n' \
				"http://$ADDR/metrics" 2>/dev/null || echo "000 2"
		done >"$1"
	}
	timed_scrapes "$TMP/t.base"
	# slow clients stay for the whole load run
	$WL/slowclient "$PORT" "$SLOW" $((LOAD_SECS + 6)) >"$TMP/slow.out" &
	slow=$!
	BG="$BG $slow"
	wait_for "slow clients: bpfprom accepted all $SLOW" accepted "$SLOW"
	timed_scrapes "$TMP/t.slow"
	expect "slow clients: 20 scrapes all answered 200 while $SLOW connections send one byte a second" \
		20 "$(grep -c '^200 ' "$TMP/t.slow")"
	cut -d' ' -f2 "$TMP/t.base" >"$TMP/t.base.s"
	cut -d' ' -f2 "$TMP/t.slow" >"$TMP/t.slow.s"
	mb=$(median "$TMP/t.base.s")
	ms=$(median "$TMP/t.slow.s")
	# a server that waited on a slow client would add a second per byte;
	# 100 ms leaves room for a busy shared machine
	expect "slow clients: a scrape's median time grows by less than 100 ms (${mb} s without, ${ms} s with)" \
		1 "$(awk -v a="$mb" -v b="$ms" 'BEGIN { print (b < a + 0.1) }')"

	# the workload: runs of two threads pinned to CPUs 0 and 1, PER_RUN
	# getppid calls and writes of 1 and 1024 bytes each, until told to stop;
	# a pause between runs leaves the 2 CPUs to the scrapes most of the time
	(
		runs=0
		while [ ! -e "$TMP/stop" ]; do
			$WL/syscalls load_thr threads 2 getppid $PER_RUN write 1 1024 || exit 1
			runs=$((runs + 1))
			sleep 0.3
		done
		echo "$runs" >"$TMP/runs"
	) &
	wl=$!
	# RSS once a second while wrk runs: sample i is taken i seconds in
	(
		while [ ! -e "$TMP/stop" ]; do
			sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' /proc/$PID/status
			sleep 1
		done >"$TMP/rss"
	) &
	sampler=$!
	BG="$BG $wl $sampler"
	wrk -c100 -t2 -d"${LOAD_SECS}s" --timeout 5s -s $DIR/scrape.lua "http://$ADDR/metrics" >"$TMP/wrk.out" 2>&1
	touch "$TMP/stop"
	wait $wl
	wl_rc=$?
	wait $sampler
	wait $slow
	res=$(sed -n 's/^wrk-result //p' "$TMP/wrk.out")
	val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	echo "     (wrk: $res)"
	expect "load: wrk ran $LOAD_SECS s with 100 connections and finished" 1 \
		"$(awk -v n="$(val requests)" 'BEGIN { print (n > 100) }')"
	expect "load: no failed scrape (no non-200, no bad body, no socket error or timeout)" \
		"non200=0 bad=0 connect=0 read=0 write=0 timeout=0" \
		"$(printf '%s' "$res" | tr ' ' '\n' | grep -E '^(non200|bad|connect|read|write|timeout)=' | paste -sd' ' -)"
	expect "load: every format was asked for and answered (text, OpenMetrics, protobuf, gzip)" "1 1 1 1" \
		"$(for k in text om pb gzip; do awk -v n="$(val $k)" 'BEGIN { printf "%d ", (n > 0) }'; done | sed 's/ $//')"
	# 100 connections share one event loop on a 2-CPU machine that wrk and
	# the workload keep busy: under 2 s, or, where this host is that slow
	# even without slow clients, under 3 times its p99 then (p99_base: one
	# run's p99 against another's on this host has varied 2x); a server
	# stalled by a slow client would wait 1 s per byte and show as wrk
	# timeouts (5 s) above
	expect "load: p99 latency under 2 s, or 3 times this host's without slow clients (${p99_base:-none} us), with $SLOW slow clients connected ($(val p99_us) us)" 1 \
		"$(awk -v n="$(val p99_us)" -v b="${p99_base:-0}" 'BEGIN { print (n != "" && (n < 2000000 || n < 3 * b)) }')"
	expect "slow clients: all $SLOW held their connections through the load" \
		"slowclient: $SLOW open, 0 closed, 0 failed to connect" "$(cat "$TMP/slow.out")"
	# warm-up: by second 3 every connection and every format's buffers exist;
	# after it memory is reused (see README), so RSS stays flat. The bound
	# per scrape is 1 MiB over the scrapes wrk had answered from second 3 on
	# (its rate is even): a leak of that many bytes per scrape would pass it.
	echo "     (RSS kB by second: $(tr '\n' ' ' <"$TMP/rss"))"
	window=$(($(val requests) * (LOAD_SECS - 3) / LOAD_SECS))
	per=$(((1048576 + window - 1) / (window > 0 ? window : 1)))
	expect "load: RSS grows by at most 1024 kB from second 3 to the end, $window scrapes: under $per bytes a scrape" 1 \
		"$(awk 'NR == 4 { base = $1 } NR >= 4 && $1 > max { max = $1 } END { print (NR >= 5 && max - base <= 1024) }' "$TMP/rss")"
	# that bound means something only over enough scrapes: 1 KiB a scrape at most
	expect_ge "load: at least 1024 scrapes answered after the warm-up" 1024 "$window"
	runs=$(cat "$TMP/runs" 2>/dev/null)
	expect "load: the workload ran to completion" "0 1" \
		"$wl_rc $(awk -v n="${runs:-0}" 'BEGIN { print (n > 0) }')"
	scrape >"$TMP/final.txt"
	expect "load: final count exact ($runs runs x $PER_RUN getppid, half on each CPU)" \
		"$(printf 'load_getppid_total{cpu="0"} %s\nload_getppid_total{cpu="1"} %s' $((runs * PER_RUN / 2)) $((runs * PER_RUN / 2)))" \
		"$(grep '^load_getppid_total' "$TMP/final.txt")"
	expect "load: final hist, lhist and stats exact (writes of 1 and 1024 bytes)" \
		"$(printf '%s\n' "load_write_bytes_bucket{le=\"1\"} $runs" "load_write_bytes_bucket{le=\"1024\"} $((runs * 2))" \
			"load_write_bytes_sum $((runs * 1025))" "load_write_bytes_count $((runs * 2))" \
			"load_write_linear_bytes_bucket{le=\"256\"} $runs" "load_write_linear_bytes_bucket{le=\"1024\"} $((runs * 2))" \
			"load_write_stats_bytes_sum $((runs * 1025))" "load_write_stats_bytes_count $((runs * 2))" \
			'load_write_stats_bytes_min 1' 'load_write_stats_bytes_max 1024')" \
		"$(grep -e '^load_write_bytes_bucket{le="1"}' -e '^load_write_bytes_bucket{le="1024"}' -e '^load_write_bytes_sum' \
			-e '^load_write_bytes_count' -e '^load_write_linear_bytes_bucket{le="256"}' \
			-e '^load_write_linear_bytes_bucket{le="1024"}' -e '^load_write_stats' "$TMP/final.txt")"
	# wrk counts the answers it read; up to one request per connection was
	# in flight when it stopped; 40 timed scrapes and this last one
	extra=$(($(sed -n 's/^bpfprom_scrapes_total //p' "$TMP/final.txt") - $(val requests) - 41))
	expect "load: bpfprom_scrapes_total is wrk's answers plus at most 100 in flight ($extra)" 1 \
		"$(awk -v n="$extra" 'BEGIN { print (n >= 0 && n <= 100) }')"
	if out=$(promtool check metrics <"$TMP/final.txt" 2>&1); then
		ok "load: promtool check metrics passes after the load"
	else
		not_ok "load: promtool check metrics passes after the load" "$out"
	fi
	stop
	expect "load: SIGTERM exits 0 after the load" 0 "$RC"
fi

# --- connection limits at their defaults -----------------------------------
if start $DIR/configs/load.yaml; then
	$WL/slowclient "$PORT" 15 2 >"$TMP/held" &
	held=$!
	wait_for "limits: bpfprom accepted 15 held connections" accepted 15
	expect "limits: a 16th connection from one address is served (default --web.max-connections-per-ip=16)" 200 \
		"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")"
	wait $held
	$WL/slowclient "$PORT" 16 2 >"$TMP/held" &
	held=$!
	wait_for "limits: bpfprom accepted 16 held connections" accepted 16
	code=$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics" 2>/dev/null)
	rc=$?
	expect "limits: a 17th connection from one address is closed at once without an answer" \
		"000 closed" "$code $(closed_rc $rc)"
	wait $held
	expect "limits: the 16 held connections were not disturbed" \
		"slowclient: 16 open, 0 closed, 0 failed to connect" "$(cat "$TMP/held")"
	# clients that close after their request line, before the end of the
	# headers, free their slots at once (libmicrohttpd's epoll mode kept
	# them until the connection timeout: see http.c)
	for _ in $(seq 16); do
		bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf "GET /metrics HTTP/1.1\r\n" >&3' "$PORT"
	done
	# at once: within a second
	until_true 1 no_close_wait
	expect "limits: 16 clients that hung up mid-headers leave no connection behind" 0 \
		"$(ss -Htn state close-wait "( sport = :$PORT )" | wc -l)"
	expect "limits: and the next scrape from that address is served" 200 \
		"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")"
	stop
fi

# --- past --web.max-connections: wait in the listen backlog ----------------
if start $DIR/configs/load.yaml --web.max-connections=20 --web.max-connections-per-ip=100; then
	$WL/slowclient "$PORT" 20 2 >"$TMP/held" &
	held=$!
	wait_for "limits: bpfprom accepted 20 held connections" accepted 20
	out=$(curl -sS --max-time 6 -o /dev/null -w '%{http_code} %{time_total}' "http://$ADDR/metrics")
	wait $held
	expect "limits: past --web.max-connections=20 a connection waits until a slot frees, then is served" \
		"200 1" "$(printf '%s' "$out" | awk '{ print $1, ($2 >= 1 && $2 < 6) }')"
	stop
fi

# --- hostile process names and strings, in every format ---------------------
ACCEPT_OM='application/openmetrics-text;version=1.0.0'
ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
sed "s|@WL@|$WL/hostile|g" $DIR/configs/hostile.yaml.in >"$TMP/hostile.yaml"
if start "$TMP/hostile.yaml"; then
	$WL/hostile
	scrape >"$TMP/h.txt"
	scrape /metrics "$ACCEPT_OM" >"$TMP/h.om"
	scrape /metrics "$ACCEPT_PB" >"$TMP/h.pb"
	# the exact bytes: \, " and newline escaped, each run of invalid UTF-8
	# one U+FFFD (\357\277\275), tab, CR and \001 as they are, comm cut at
	# 15 bytes; series sorted by the kernel's bytes
	F='\357\277\275'
	{
		printf 'hostile_calls_total{comm="\t\r\001|",arg="\t\r\001|"} 10\n'
		printf 'hostile_calls_total{comm="# EOF",arg="# EOF"} 9\n'
		printf 'hostile_calls_total{comm="123456789012345",arg="123456789012345678"} 7\n'
		printf 'hostile_calls_total{comm="a\134nb",arg="a\134nb"} 3\n'
		printf 'hostile_calls_total{comm="a\134"b",arg="a\134"b"} 1\n'
		printf 'hostile_calls_total{comm="a\134\134b",arg="a\134\134b"} 2\n'
		printf "hostile_calls_total{comm=\"caf\303\251$F\",arg=\"caf\303\251$F\"} 8\n"
		printf 'hostile_calls_total{comm="x=\134"y\134"",arg="x=\134"y\134""} 6\n'
		printf 'hostile_calls_total{comm="{}",arg="{}"} 5\n'
		printf "hostile_calls_total{comm=\"${F}z$F\",arg=\"${F}z$F\"} 11\n"
		printf "hostile_calls_total{comm=\"$F\",arg=\"$F\"} 16\n"
	} >"$TMP/h.want"
	grep -a '^hostile_calls_total' "$TMP/h.txt" >"$TMP/h.txt.got"
	expect_file "hostile: text: exact escaped bytes of every name and string" "$TMP/h.want" "$TMP/h.txt.got"
	grep -a '^hostile_calls_total' "$TMP/h.om" >"$TMP/h.om.got"
	expect_file "hostile: OpenMetrics: the same exact label bytes" "$TMP/h.want" "$TMP/h.om.got"
	"$WL/pbdump" <"$TMP/h.pb" >"$TMP/h.pbdump" 2>"$TMP/h.pberr"
	expect "hostile: protobuf: every message decodes (protobuf-c)" "0 " "$? $(cat "$TMP/h.pberr")"
	grep -a '^hostile_calls_total' "$TMP/h.pbdump" >"$TMP/h.pb.got"
	expect_file "hostile: protobuf: the same label values (escaped here as text escapes them)" \
		"$TMP/h.want" "$TMP/h.pb.got"
	for f in txt om pbdump; do
		if out=$(iconv -f UTF-8 -t UTF-8 "$TMP/h.$f" 2>&1 >/dev/null); then
			ok "hostile: $f: valid UTF-8 throughout (iconv)"
		else
			not_ok "hostile: $f: valid UTF-8 throughout (iconv)" "$out"
		fi
	done
	if out=$(promtool check metrics <"$TMP/h.txt" 2>&1); then
		ok "hostile: text: promtool check metrics passes"
	else
		not_ok "hostile: text: promtool check metrics passes" "$out"
	fi
	# Prometheus's OpenMetrics parser: every sample read, each its own series
	sed '/^#/!s/$/ 1000/' "$TMP/h.om" >"$TMP/h.om.ts"
	out=$(promtool tsdb create-blocks-from openmetrics "$TMP/h.om.ts" "$TMP/h.blocks" 2>&1)
	expect "hostile: OpenMetrics: Prometheus's parser reads every sample as a series of its own" \
		"$(grep -avc '^#' "$TMP/h.om") $(grep -avc '^#' "$TMP/h.om")" \
		"$(printf '%s\n' "$out" | awk '$1 != "BLOCK" && NF == 8 { print $5, $7 }')"
	expect "hostile: text: each histogram's _count, one series per rendered name" \
		"$(printf '%s\n' 10 9 7 3 1 2 8 6 5 11 16 | paste -sd' ' -)" \
		"$(sed -n 's/^hostile_index_count{comm=".*"} \([0-9]*\)$/\1/p' "$TMP/h.txt" | paste -sd' ' -)"
	expect "hostile: protobuf: the same histogram counts" \
		"$(grep -a '^hostile_index_count' "$TMP/h.txt")" "$(grep -a '^hostile_index_count' "$TMP/h.pbdump")"
	expect "hostile: stats min and max of the merged names (3 and 11)" \
		"$(printf "hostile_index_stats_min{comm=\"$F\"} 3\nhostile_index_stats_max{comm=\"$F\"} 11")" \
		"$(grep -a -e "^hostile_index_stats_min{comm=\"$(printf "$F")\"}" -e "^hostile_index_stats_max{comm=\"$(printf "$F")\"}" "$TMP/h.txt")"
	expect "hostile: bpfprom_metric_series counts the map's 12 entries, not the 11 printed" \
		'bpfprom_metric_series{metric="hostile_calls_total"} 12' \
		"$(grep '^bpfprom_metric_series{metric="hostile_calls_total"}' "$TMP/h.txt")"
	stop
fi

# short-lived processes and cgroups: series that retire (CHURN_SECS)
. tests/load/churn.sh

finish
