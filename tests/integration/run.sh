#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Integration tests: the real build/bpfprom against this kernel, driven by a
# workload whose events are known exactly. Needs root (BPF, tracefs).
# Closes with: integration: N passed, N failed, N skipped
SUITE=integration
. tests/lib.sh
WL=$BUILD/workload/syscalls
DIR=tests/integration
need_root

# --- exact counts, histogram buckets, filters, labels --------------------
if start $DIR/configs/count.yaml; then
	$WL bpfp_cnt getppid 12345
	$WL bpfp_ids getppid 3 &
	ids_pid=$!
	wait $ids_pid
	setpriv --reuid=65534 --regid=65534 --clear-groups $WL bpfp_ids getppid 2 &
	ids_pid2=$!
	wait $ids_pid2
	$WL bpfp_thr threads 2 getppid 200000
	$WL bpfp_hist write 0 1 2 3 4 5 8 9 1024 1025 getppid 7
	$WL 'q"b\s
x' getppid 3
	$WL bpfp_sig raise 3 &
	sig_pid=$!
	wait $sig_pid
	scrape >"$TMP/m.txt"
	expect "count: exact getppid calls under a comm filter" \
		'bpfp_getppid_total{comm="bpfp_cnt"} 12345' \
		"$(grep '^bpfp_getppid_total' "$TMP/m.txt")"
	total=$(awk '/^bpfp_getppid_by_cpu_total\{/ { s += $2 } END { print s }' "$TMP/m.txt")
	expect "count: two threads on two CPUs, exact total" 200000 "$total"
	if [ "$(nproc)" -ge 2 ]; then
		expect "count: per-CPU label, each pinned thread's share exact" \
			"$(printf 'bpfp_getppid_by_cpu_total{cpu="0"} 100000\nbpfp_getppid_by_cpu_total{cpu="1"} 100000')" \
			"$(grep '^bpfp_getppid_by_cpu_total' "$TMP/m.txt")"
	else
		skip "count: per-CPU label" "one CPU"
	fi
	# a metric without labels is one element of a per-CPU array
	expect "no labels: two threads on two CPUs, exact total, nothing dropped" \
		"$(printf 'bpfp_getppid_all_total 200000\nbpfprom_dropped_events_total{metric="bpfp_getppid_all_total",reason="map_full"} 0\nbpfprom_metric_series{metric="bpfp_getppid_all_total"} 1')" \
		"$(grep -e '^bpfp_getppid_all_total' -e '{metric="bpfp_getppid_all_total",reason="map_full"}' -e '^bpfprom_metric_series{metric="bpfp_getppid_all_total"}' "$TMP/m.txt")"
	# exported at 0 before the first event, as client libraries export a
	# counter: rate() and absent() work from the first scrape
	expect "no labels: a sample at 0 and one series before the first event" \
		"$(printf 'bpfp_never_total 0\nbpfprom_metric_series{metric="bpfp_never_total"} 1')" \
		"$(grep -e '^bpfp_never_total' -e '^bpfprom_metric_series{metric="bpfp_never_total"}' "$TMP/m.txt")"
	expect "no labels: a hist at zero in every bucket, a stats without min and max, before the first event" \
		"$(printf 'bpfp_never_hist_bucket{le="0"} 0\nbpfp_never_hist_bucket{le="1"} 0\nbpfp_never_hist_bucket{le="+Inf"} 0\nbpfp_never_hist_sum 0\nbpfp_never_hist_count 0\nbpfp_never_stats_sum 0\nbpfp_never_stats_count 0')" \
		"$(grep -e '^bpfp_never_hist' -e '^bpfp_never_stats' "$TMP/m.txt")"
	# int fields read straight from the record: signed, at 4-byte offsets
	expect "fields: signed ints at offsets 8, 16 and 36 of signal_generate" \
		"bpfp_signals_total{sig=\"10\",code=\"-6\",pid=\"$sig_pid\"} 3" \
		"$(grep '^bpfp_signals_total' "$TMP/m.txt")"
	expect "fields: a negative int as a value, and in a filter" \
		"$(printf 'bpfp_signal_code_sum -18\nbpfp_signal_code_count 3\nbpfp_signal_code_min -6\nbpfp_signal_code_max -6')" \
		"$(grep '^bpfp_signal_code' "$TMP/m.txt")"
	cat >"$TMP/hist.want" <<'W'
# HELP bpfp_write_hist_bytes write(2) sizes of the test workload.
# TYPE bpfp_write_hist_bytes histogram
bpfp_write_hist_bytes_bucket{le="0"} 1
bpfp_write_hist_bytes_bucket{le="1"} 2
bpfp_write_hist_bytes_bucket{le="2"} 3
bpfp_write_hist_bytes_bucket{le="4"} 5
bpfp_write_hist_bytes_bucket{le="8"} 7
bpfp_write_hist_bytes_bucket{le="16"} 8
bpfp_write_hist_bytes_bucket{le="32"} 8
bpfp_write_hist_bytes_bucket{le="64"} 8
bpfp_write_hist_bytes_bucket{le="128"} 8
bpfp_write_hist_bytes_bucket{le="256"} 8
bpfp_write_hist_bytes_bucket{le="512"} 8
bpfp_write_hist_bytes_bucket{le="1024"} 9
bpfp_write_hist_bytes_bucket{le="2048"} 10
bpfp_write_hist_bytes_bucket{le="+Inf"} 10
bpfp_write_hist_bytes_sum 2081
bpfp_write_hist_bytes_count 10
W
	sed -n '/^# HELP bpfp_write_hist_bytes /,/^bpfp_write_hist_bytes_count/p' "$TMP/m.txt" >"$TMP/hist.got"
	expect_file "hist: every bucket at the seams 2^k and 2^k+1, exact bytes" "$TMP/hist.want" "$TMP/hist.got"
	expect "filter: integer field predicates (>=, <, !=) all hold" \
		'bpfp_write_filtered_total 5' "$(grep '^bpfp_write_filtered_total' "$TMP/m.txt")"
	expect "labels: probe index and an args field over two tracepoints" \
		"$(printf 'bpfp_write_or_getppid_total{probe="0",nr="1"} 10\nbpfp_write_or_getppid_total{probe="1",nr="110"} 7')" \
		"$(grep '^bpfp_write_or_getppid_total' "$TMP/m.txt")"
	expect "render: hostile comm escaped in label and help" \
		"$(printf '%s\n%s' '# HELP bpfp_hostile_total Calls by a process with a hostile name: quotes " backslash \\ and newline.' 'bpfp_hostile_total{comm="q\"b\\s\nx"} 3')" \
		"$(grep -e '^bpfp_hostile_total' -e '^# HELP bpfp_hostile_total' "$TMP/m.txt")"
	expect "sum: exact sum of the field" 'bpfp_write_bytes_total 2081' \
		"$(grep '^bpfp_write_bytes_total' "$TMP/m.txt")"
	cat >"$TMP/lhist.want" <<'W'
bpfp_write_lhist_bytes_bucket{le="2"} 3
bpfp_write_lhist_bytes_bucket{le="4"} 5
bpfp_write_lhist_bytes_bucket{le="6"} 6
bpfp_write_lhist_bytes_bucket{le="8"} 7
bpfp_write_lhist_bytes_bucket{le="+Inf"} 10
bpfp_write_lhist_bytes_sum 2081
bpfp_write_lhist_bytes_count 10
W
	grep '^bpfp_write_lhist_bytes' "$TMP/m.txt" >"$TMP/lhist.got"
	expect_file "lhist: linear buckets at min, step seams and past max, exact" "$TMP/lhist.want" "$TMP/lhist.got"
	expect "stats: count, sum, min, max exact" \
		"$(printf 'bpfp_write_stats_bytes_sum 2081\nbpfp_write_stats_bytes_count 10\nbpfp_write_stats_bytes_min 0\nbpfp_write_stats_bytes_max 1025')" \
		"$(grep '^bpfp_write_stats_bytes' "$TMP/m.txt")"
	expect "map full: max_series series kept, the rest counted as dropped" \
		"$(printf 'bpfp_write_full_total{size="0"} 1\nbpfp_write_full_total{size="1"} 1\nbpfprom_dropped_events_total{metric="bpfp_write_full_total",reason="map_full"} 8')" \
		"$(grep -e '^bpfp_write_full_total' -e 'dropped_events_total{metric="bpfp_write_full_total",reason="map_full"' "$TMP/m.txt")"
	expect "collect: series sorted by label value, numbers numerically" \
		"0 1 2 3 4 5 8 9 1024 1025" \
		"$(sed -n 's/^bpfp_write_by_size_total{size="\([0-9]*\)"} 1$/\1/p' "$TMP/m.txt" | tr '\n' ' ' | sed 's/ $//')"
	expect "sources: pid, tid, uid, gid" \
		"$(printf '%s\n' "bpfp_ids_total{pid=\"$ids_pid\",tid=\"$ids_pid\",uid=\"0\",gid=\"0\"} 3" "bpfp_ids_total{pid=\"$ids_pid2\",tid=\"$ids_pid2\",uid=\"65534\",gid=\"65534\"} 2" | sort)" \
		"$(grep '^bpfp_ids_total' "$TMP/m.txt" | sort)"
	expect "str(args.FIELD): char arrays as label and filter (task_rename)" \
		"$(printf '%s\n' 'bpfp_renames_total{new="bpfp_hist"} 1' 'bpfp_renames_total{new="bpfp_ids"} 2' 'bpfp_renames_total{new="bpfp_sig"} 1' 'bpfp_renames_total{new="bpfp_thr"} 1' 'bpfp_renames_total{new="q\"b\\s\nx"} 1')" \
		"$(grep '^bpfp_renames_total' "$TMP/m.txt")"
	expect "str(args.FIELD): a __data_loc string (sched_process_exec filename)" \
		"bpfp_execs_total{file=\"$WL\"} 7" "$(grep '^bpfp_execs_total' "$TMP/m.txt")"
	expect "self: nothing dropped" \
		'bpfprom_dropped_events_total{metric="bpfp_getppid_total",reason="map_full"} 0' \
		"$(grep '^bpfprom_dropped_events_total{metric="bpfp_getppid_total",reason="map_full"' "$TMP/m.txt")"
	if out=$(promtool check metrics <"$TMP/m.txt" 2>&1); then
		ok "promtool check metrics passes on the scrape"
	else
		not_ok "promtool check metrics passes on the scrape" "$out"
	fi
	# counters never go backwards: a second scrape sees the same or more
	$WL bpfp_cnt getppid 5
	expect "count: a second scrape adds, nothing is reset" \
		'bpfp_getppid_total{comm="bpfp_cnt"} 12350' "$(scrape | grep '^bpfp_getppid_total')"
	# HTTP surface
	expect "http: content type of /metrics" \
		"text/plain; version=0.0.4; charset=utf-8" \
		"$(curl -sS -o /dev/null -w '%{content_type}' "http://$ADDR/metrics")"
	expect "http: HEAD /metrics is 200 with no body" "200 0" \
		"$(curl -sS -I -o /dev/null -w '%{http_code} %{size_download}' "http://$ADDR/metrics")"
	expect "http: POST is 405 with Allow" "405 GET, HEAD" \
		"$(curl -sS -X POST -D "$TMP/h" -o /dev/null -w '%{http_code}' "http://$ADDR/metrics"; printf ' %s' "$(sed -n 's/^Allow: \(.*\)\r$/\1/p' "$TMP/h")")"
	expect "http: unknown path is 404" 404 \
		"$(curl -sS -o /dev/null -w '%{http_code}' "http://$ADDR/nope")"
	expect "http: landing page links the metrics" 1 \
		"$(scrape / | grep -c '<a href="/metrics">Metrics</a>')"
	# a malformed request line gets an HTTP error, and the server keeps serving
	raw() { timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf "$1" >&3; head -1 <&3 | tr -d "\r"' "${ADDR##*:}" "$1"; }
	expect "http: a malformed header line gets 400" "HTTP/1.1 400 Bad Request" \
		"$(raw 'GET /metrics HTTP/1.1\r\nHost\r\n\r\n')"
	expect "http: a garbage request line is closed without an answer" "" "$(raw 'GARBAGE\r\n\r\n')"
	expect "http: still serving after a malformed request" 200 \
		"$(curl -sS -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")"
	held "shutdown"
	stop
	expect "shutdown: SIGTERM exits 0" 0 "$RC"
	gone "shutdown"
fi

# --- exposition formats, negotiation, gzip ---------------------------------
# what Prometheus 2.42 sends, without and with --enable-feature=native-histograms
ACCEPT_OM='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
CT_PB='application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
CT_OM='application/openmetrics-text; version=1.0.0; charset=utf-8'
CT_TEXT='text/plain; version=0.0.4; charset=utf-8'
# fetch NAME ACCEPT [ACCEPT-ENCODING]: body to $TMP/NAME, headers to $TMP/NAME.h
fetch() {
	curl -sS --max-time 10 -H "Accept: $2" ${3:+-H "Accept-Encoding: $3"} \
		-D "$TMP/$1.h" -o "$TMP/$1" "http://$ADDR/metrics"
}
hdr() { sed -n "s/^$2: \(.*\)\r$/\1/Ip" "$TMP/$1.h" | paste -sd'|' -; }
# without the exporter's own metrics (scrape counts, times, process_*) every
# scrape of the same maps is the same bytes: gzip bodies compare exactly
if start $DIR/configs/formats.yaml --web.disable-exporter-metrics; then
	$WL bpfp_fmt write 0 1 2 3 4 5 8 9 1024 1025
	for f in "text:" "om:$ACCEPT_OM" "pb:$ACCEPT_PB"; do
		name=${f%%:*}
		fetch "$name" "${f#*:}"
		fetch "$name.gz" "${f#*:}" gzip
		fetch "$name.q0" "${f#*:}" 'gzip;q=0'
	done
	expect "formats: no Accept gets text 0.0.4" "$CT_TEXT" "$(hdr text Content-Type)"
	expect "formats: Prometheus 2.42's Accept gets OpenMetrics 1.0.0" "$CT_OM" "$(hdr om Content-Type)"
	expect "formats: Prometheus 2.42's Accept with native histograms gets protobuf" \
		"$CT_PB" "$(hdr pb Content-Type)"
	expect "formats: */* gets text 0.0.4" "$CT_TEXT" \
		"$(curl -sS -H 'Accept: */*' -o /dev/null -w '%{content_type}' "http://$ADDR/metrics")"
	expect "formats: garbage Accept gets text 0.0.4" "$CT_TEXT" \
		"$(curl -sS -H 'Accept: ;;garbage,,' -o /dev/null -w '%{content_type}' "http://$ADDR/metrics")"
	if out=$(promtool check metrics <"$TMP/text" 2>&1); then
		ok "formats: promtool check metrics passes on text"
	else
		not_ok "formats: promtool check metrics passes on text" "$out"
	fi
	expect "formats: OpenMetrics ends with # EOF" "# EOF" "$(tail -1 "$TMP/om")"
	expect "formats: OpenMetrics and text carry the same number of samples" \
		"$(grep -vc '^#' "$TMP/text")" "$(grep -vc '^#' "$TMP/om")"
	expect "formats: OpenMetrics counter family, unit and escaped help" \
		"$(printf '%s\n' '# TYPE bpfp_fmt_write_bytes histogram' '# UNIT bpfp_fmt_write_bytes bytes' '# HELP bpfp_fmt_write_bytes write(2) sizes, \"quoted\" \\ help.' '# TYPE bpfp_fmt_writes counter' '# HELP bpfp_fmt_writes write(2) calls, by process.' 'bpfp_fmt_writes_total{comm="bpfp_fmt"} 10')" \
		"$(grep -e '^# [A-Z]* bpfp_fmt_write_bytes ' -e '^# [A-Z]* bpfp_fmt_writes ' -e '^bpfp_fmt_writes_total' "$TMP/om")"
	# promtool check metrics reads only text 0.0.4; Prometheus's own
	# OpenMetrics parser is behind tsdb create-blocks-from openmetrics,
	# which wants a timestamp on every sample
	sed '/^#/!s/$/ 1000/' "$TMP/om" >"$TMP/om.ts"
	out=$(promtool tsdb create-blocks-from openmetrics "$TMP/om.ts" "$TMP/omblocks" 2>&1)
	series=$(printf '%s\n' "$out" | awk '$1 != "BLOCK" && NF == 8 { print $7 }')
	expect "formats: Prometheus's OpenMetrics parser reads every sample" \
		"$(grep -vc '^#' "$TMP/om")" "${series:-$out}"
	for name in text om pb; do
		gunzip -c <"$TMP/$name.gz" >"$TMP/$name.gunzip" 2>&1
		expect_file "gzip: $name body decompresses to the identity body" \
			"$TMP/$name" "$TMP/$name.gunzip"
		expect "gzip: $name headers" "gzip Accept|Accept-Encoding" \
			"$(hdr "$name.gz" Content-Encoding) $(hdr "$name.gz" Vary)"
		expect_file "gzip: $name with gzip;q=0 is the identity body" "$TMP/$name" "$TMP/$name.q0"
		expect "gzip: $name with gzip;q=0 has no Content-Encoding" "" \
			"$(hdr "$name.q0" Content-Encoding)"
	done
	# a real Prometheus 2.42 with native histograms scrapes the protobuf:
	# the log2 hist arrives as a native histogram, the seconds one classic
	mkdir -p "$TMP/prom"
	printf 'global: {scrape_interval: 1s}\nscrape_configs: [{job_name: b, static_configs: [{targets: ["%s"]}]}]\n' \
		"$ADDR" >"$TMP/prom/prom.yml"
	prometheus --config.file="$TMP/prom/prom.yml" --storage.tsdb.path="$TMP/prom/data" \
		--web.listen-address=127.0.0.1:0 --enable-feature=native-histograms \
		>"$TMP/prom/log" 2>&1 &
	PROM=$!
	PURL=
	for _ in $(seq 100); do
		PURL=$(sed -n 's/.*Listening on.*address=\([0-9.:]*\).*/\1/p' "$TMP/prom/log" | head -1)
		[ -n "$PURL" ] && break
		sleep 0.1
	done
	q() { curl -sS -G --data-urlencode "query=$1" "http://$PURL/api/v1/query" | sed -n 's/.*"result":\[\(.*\)\]}}$/\1/p'; }
	res=
	for _ in $(seq 100); do
		res=$(q 'bpfp_fmt_write_bytes')
		[ -n "$res" ] && break
		sleep 0.2
	done
	expect "native: Prometheus 2.42 ingests the log2 hist as a native histogram" \
		'"count":"10","sum":"2081","buckets":[[3,"-0","0","1"],[0,"0.5","1","1"],[0,"1","2","1"],[0,"2","4","2"],[0,"4","8","2"],[0,"8","16","1"],[0,"512","1024","1"],[0,"1024","2048","1"]]' \
		"$(printf '%s' "$res" | sed -n 's/.*"histogram":\[[0-9.]*,{\(.*\)}\]}$/\1/p')"
	expect "native: the seconds hist stays classic (count from _count)" '"10"' \
		"$(q 'bpfp_fmt_write_seconds_count' | sed -n 's/.*"value":\[[0-9.]*,\(.*\)\]}$/\1/p')"
	expect "native: the stats summary's count" '"10"' \
		"$(q 'bpfp_fmt_write_stats_bytes_count' | sed -n 's/.*"value":\[[0-9.]*,\(.*\)\]}$/\1/p')"
	kill "$PROM"
	wait "$PROM" 2>/dev/null
	stop
	expect "formats: SIGTERM exits 0" 0 "$RC"
fi

# --- uprobes: seams, concurrency, latency, strings, retval, operators ------
UW=$BUILD/workload/uprobe_target
sed "s|@WL@|$UW|g" $DIR/configs/uprobe.yaml.in >"$TMP/uprobe.yaml"
if start "$TMP/uprobe.yaml"; then
	$UW up_seams seams
	$UW up_lhist values 9 10 11 14 15 16 19 20 21
	$UW up_thr threads 2 1000000
	# a sleep only ever runs long: durations just above a seam leave the most
	# room for a noisy machine (9 ms in (8.4, 16.8], 17 ms in (16.8, 33.6])
	$UW up_lat sleep 9 17 9
	$UW up_stale begin begin end
	# begin, 20 ms, begin, end: start: first times 20 ms and more, last less
	$UW up_first begin sleep 20 begin end
	# 4 calls, 3 gaps: 17 ms, 17 ms, 4.3 ms (the bottoms of their buckets)
	$WL up_gap getppid 1 sleep 17000 getppid 1 sleep 17000 getppid 1 sleep 4300 getppid 1
	$UW up_names name hello world hello a-very-long-name --
	$UW up_ret ret -1 0 1 -5
	$UW up_ops values 0 1 2 3 4 5
	$UW up_full values $(seq 1 100) $(seq 1 100)
	$UW up_names2 name hellowo helloworld hellow --
	$UW up_s1 schema 1 0 80 >"$TMP/s1.seams"
	$UW up_s3 schema 3 0 160 >"$TMP/s3.seams"
	$UW up_s8 schema 8 2560 3328 >"$TMP/s8.seams"
	$UW up_slat sleep 9 17
	# a thread killed inside bpfprom_sleep leaves a start that never ends
	$UW up_orphan sleep 60000 &
	orphan=$!
	sleep 1
	kill -9 $orphan
	wait $orphan 2>/dev/null
	scrape >"$TMP/u.txt"
	# oracle: the seam values, and for every le the count of v <= le
	seams="0 1 2 3 4 5"
	for k in $(seq 1 40); do seams="$seams $(echo "2^$k" | bc) $(echo "2^$k+1" | bc)"; done
	bad=$(grep '^up_seams_bytes_bucket' "$TMP/u.txt" | awk -v vals="$seams" '
		BEGIN { n = split(vals, v, " ") }
		{ match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
		  want = 0; for (i = 1; i <= n; i++) if (le == "+Inf" || v[i] + 0 <= le + 0) want++
		  if ($2 != want) print le ": " $2 " != " want; seen++ }
		END { if (seen != 67) print "buckets: " seen " != 67" }')
	expect "uprobe hist: every cumulative bucket at 0..5, 2^k, 2^k+1 up to 2^40 exact" "" "$bad"
	expect "uprobe hist: _sum and _count exact" \
		"$(printf 'up_seams_bytes_sum %s\nup_seams_bytes_count 86' "$(echo "$seams" | tr ' ' '+' | bc)")" \
		"$(grep -e '^up_seams_bytes_sum' -e '^up_seams_bytes_count' "$TMP/u.txt")"
	# schema seams: the les are the workload's ldexp boundaries (and le="0"
	# when there is no min), and every cumulative bucket counts the values
	# at or below its le
	schema_seams() {
		grep "^$1_bucket" "$TMP/u.txt" | awk -v f="$2" -v zero="$3" '
			BEGIN { while ((getline l < f) > 0) { split(l, a, " ")
					if (a[1] == "v") v[++nv] = a[2]; else b[++nb] = a[2] }
				if (zero) b[++nb] = 0 }
			{ match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			  want = 0; for (i = 1; i <= nv; i++) if (le == "+Inf" || v[i] + 0 <= le + 0) want++
			  if ($2 != want) print le ": " $2 " != " want
			  if (le != "+Inf") { found = 0; for (i = 1; i <= nb; i++) if (b[i] + 0 == le + 0) found = 1
				if (!found) print le ": not a boundary"; seen++ } }
			END { if (seen != nb) print "buckets: " seen " != " nb; if (nv < 3) print "no values" }'
	}
	expect "schema 1 (kernel): 81 boundaries to 2^40, at, one below and one above each: every bucket exact" \
		"" "$(schema_seams up_s1_bytes "$TMP/s1.seams" 1)"
	expect "schema 3 (kernel): 161 boundaries to 2^20, at, one below and one above each: every bucket exact" \
		"" "$(schema_seams up_s3_bytes "$TMP/s3.seams" 1)"
	expect "schema 8 (kernel): 769 boundaries 2^10 to 2^13, at, one below and one above each: every bucket exact" \
		"" "$(schema_seams up_s8_bytes "$TMP/s8.seams" "")"
	expect "schema 8: _count and _sum of the 2307 seam values" \
		"$(printf 'up_s8_bytes_sum %s\nup_s8_bytes_count 2307' "$(awk '/^v / { s += $2 } END { printf "%d", s }' "$TMP/s8.seams")")" \
		"$(grep -e '^up_s8_bytes_sum' -e '^up_s8_bytes_count' "$TMP/u.txt")"
	# 9 and 17 ms: above 2^-7 s (7.8 ms), at most 2^-5 s (31.25 ms); 57 les
	# from 2^-10 to 2^-3 s by 2^(1/8)
	expect "schema 3 in seconds (kernel): les 2^-10 .. 2^-3 s, 9 and 17 ms between 2^-7 and 2^-5 s" \
		"57 0.0009765625 0.125 0 2 2" \
		"$(grep -c '^up_s3_seconds_bucket{le="[0-9]' "$TMP/u.txt") $(sed -n 's/^up_s3_seconds_bucket{le="\([0-9.e-]*\)"}.*/\1/p' "$TMP/u.txt" | sed -n '1p;$p' | tr '\n' ' ')$(sed -n 's/^up_s3_seconds_bucket{le="0.0078125"} //p' "$TMP/u.txt") $(sed -n 's/^up_s3_seconds_bucket{le="0.03125"} //p' "$TMP/u.txt") $(sed -n 's/^up_s3_seconds_count //p' "$TMP/u.txt")"
	expect "lhist: min-1, min, min+1, step seams, max, max+1" \
		"$(printf 'up_seams_lhist_bucket{le="15"} 5\nup_seams_lhist_bucket{le="20"} 8\nup_seams_lhist_bucket{le="+Inf"} 9\nup_seams_lhist_sum 135\nup_seams_lhist_count 9')" \
		"$(grep '^up_seams_lhist' "$TMP/u.txt")"
	expect "concurrency: 2 threads on 2 CPUs, 1,000,000 events: count, sum, stats exact" \
		"$(printf 'up_calls_total 1000000\nup_sum_total 500000500000\nup_stats_sum 500000500000\nup_stats_count 1000000\nup_stats_min 1\nup_stats_max 1000000')" \
		"$(grep -e '^up_calls_total' -e '^up_sum_total' -e '^up_stats' "$TMP/u.txt")"
	expect "latency (uprobe to return): 9 ms in (2^23, 2^24] ns, 17 ms in (2^24, 2^25] ns" \
		"$(printf '%s\n' 'up_sleep_seconds_bucket{ms="9",le="0.008388608"} 0' 'up_sleep_seconds_bucket{ms="9",le="0.016777216"} 2' 'up_sleep_seconds_count{ms="9"} 2' 'up_sleep_seconds_bucket{ms="17",le="0.016777216"} 0' 'up_sleep_seconds_bucket{ms="17",le="0.033554432"} 1' 'up_sleep_seconds_count{ms="17"} 1')" \
		"$(grep -e 'up_sleep_seconds_bucket{ms="9",le="0.0[01][0-9]*"}' -e 'up_sleep_seconds_count' -e 'up_sleep_seconds_bucket{ms="17",le="0.0[13][0-9]*"}' "$TMP/u.txt" | grep -v -e 'le="0.001048576"' -e 'le="0.004194304"' -e 'le="0.002097152"' -e 'ms="17",le="0.01[0-5]' -e 'ms="9",le="0.03')"
	expect "latency (tracepoint until tracepoint): clock_nanosleep 9, 17, 9 ms" \
		"$(printf '%s\n' 'up_nanosleep_seconds_bucket{le="0.008388608"} 0' 'up_nanosleep_seconds_bucket{le="0.016777216"} 2' 'up_nanosleep_seconds_bucket{le="0.033554432"} 3' 'up_nanosleep_seconds_count 3')" \
		"$(grep -e 'up_nanosleep_seconds_bucket{le="0.0\(08388608\|16777216\|33554432\)"}' -e 'up_nanosleep_seconds_count' "$TMP/u.txt")"
	expect "latency (probe and until the same tracepoint): 4 getppid calls, gaps 17, 17, 4.3 ms" \
		"$(printf '%s\n' 'up_gap_seconds_bucket{le="0.004194304"} 0' 'up_gap_seconds_bucket{le="0.008388608"} 1' 'up_gap_seconds_bucket{le="0.016777216"} 1' 'up_gap_seconds_bucket{le="0.033554432"} 3' 'up_gap_seconds_count 3' 'bpfprom_dropped_events_total{metric="up_gap_seconds",reason="stale_start"} 0')" \
		"$(grep -e 'up_gap_seconds_bucket{le="0.0\(04194304\|08388608\|16777216\|33554432\)"}' -e 'up_gap_seconds_count' -e 'metric="up_gap_seconds",reason="stale_start"' "$TMP/u.txt")"
	expect "latency: a start that never ended is counted as stale_start, the pair after it measured" \
		"$(printf 'up_begin_end_seconds_count 1\nbpfprom_dropped_events_total{metric="up_begin_end_seconds",reason="stale_start"} 1')" \
		"$(grep -e '^up_begin_end_seconds_count' -e 'metric="up_begin_end_seconds",reason="stale_start"' "$TMP/u.txt")"
	expect "start: first keeps the oldest pending start (>= 20 ms), last the newest (< 20 ms); each drops one as stale_start" \
		"first 1 yes 1 last 1 yes 1" \
		"$(awk '$1 == "up_start_first_wait_count" { fc = $2 } $1 == "up_start_first_wait_min" { fm = ($2 >= 20000000 ? "yes" : $2) }
			$1 == "up_start_last_wait_count" { lc = $2 } $1 == "up_start_last_wait_max" { lm = ($2 < 20000000 ? "yes" : $2) }
			$1 == "bpfprom_dropped_events_total{metric=\"up_start_first_wait\",reason=\"stale_start\"}" { fs = $2 }
			$1 == "bpfprom_dropped_events_total{metric=\"up_start_last_wait\",reason=\"stale_start\"}" { ls = $2 }
			END { print "first", fc, fm, fs, "last", lc, lm, ls }' "$TMP/u.txt")"
	expect "str(arg0): user strings as labels, truncated to size, and a string filter" \
		"$(printf '%s\n' 'up_names_total{name="a-very-"} 1' 'up_names_total{name="hello"} 2' 'up_names_total{name="world"} 1' 'up_hello_total 2')" \
		"$(grep -e '^up_names_total' -e '^up_hello_total' "$TMP/u.txt")"
	expect "uretprobe str(retval): the strings bpfprom_name returned, a label and a filter" \
		"$(printf '%s\n' 'up_name_returns_total{name="a-very-"} 1' 'up_name_returns_total{name="hello"} 2')" \
		"$(grep '^up_name_returns_total' "$TMP/u.txt")"
	expect "uretprobe: retval as a signed label and a signed filter" \
		"$(printf '%s\n' 'up_ret_total{retval="-5"} 1' 'up_ret_total{retval="-1"} 1' 'up_ret_total{retval="0"} 1' 'up_ret_total{retval="1"} 1' 'up_ret_negative_total 2')" \
		"$(grep -e '^up_ret_total' -e '^up_ret_negative_total' "$TMP/u.txt")"
	expect "map full: max_series 16, 100 distinct keys twice: 16 series, the other 168 events dropped" \
		"16 32 168" \
		"$(grep -c '^up_full_total{' "$TMP/u.txt") $(awk '/^up_full_total\{/ { s += $2 } END { print s }' "$TMP/u.txt") $(sed -n 's/^bpfprom_dropped_events_total{metric="up_full_total",reason="map_full"} //p' "$TMP/u.txt")"
	expect "hist of a signed source: negatives and 0 in le=\"0\"" \
		"$(printf '%s\n' 'up_ret_bytes_bucket{le="0"} 3' 'up_ret_bytes_bucket{le="1"} 4' 'up_ret_bytes_bucket{le="2"} 4' 'up_ret_bytes_bucket{le="4"} 4' 'up_ret_bytes_bucket{le="+Inf"} 4' 'up_ret_bytes_sum -5' 'up_ret_bytes_count 4')" \
		"$(grep '^up_ret_bytes' "$TMP/u.txt")"
	expect "labels: a string label past byte 384 of the key is filled" \
		'up_wide_total{a="hello",b="hello",c="hello",comm="up_names"} 2' \
		"$(grep '^up_wide_total{a="hello"' "$TMP/u.txt")"
	expect "filters: a 7-character literal does not match longer strings" 'up_prefix_total 1' \
		"$(grep '^up_prefix_total' "$TMP/u.txt")"
	expect "latency: a start whose thread died is swept and counted as orphan_start" \
		'bpfprom_dropped_events_total{metric="up_orphan_seconds",reason="orphan_start"} 1' \
		"$(grep 'metric="up_orphan_seconds",reason="orphan_start"' "$TMP/u.txt")"
	expect "filters: == != < <= > >= on 0..5 against 4" \
		"$(printf '%s\n' 'up_op_eq_total 1' 'up_op_ne_total 5' 'up_op_lt_total 4' 'up_op_le_total 5' 'up_op_gt_total 1' 'up_op_ge_total 2')" \
		"$(grep '^up_op_[a-z]*_total' "$TMP/u.txt")"
	# comm != "up_ops" and arg0 == 4: up_seams calls it twice (4 and 2^2), up_thr once,
	# up_full twice, up_s1 twice (at le 2^(3/2) and le 4) and up_s3 eight times
	expect "filters: comm != excludes exactly the named process" 'up_op_comm_ne_total 15' \
		"$(grep '^up_op_comm_ne_total' "$TMP/u.txt")"
	if out=$(promtool check metrics <"$TMP/u.txt" 2>&1); then
		ok "uprobe config: promtool check metrics passes"
	else
		not_ok "uprobe config: promtool check metrics passes" "$out"
	fi
	held "uprobe config"
	stop
	# its own programs by id: other BPF users may load uprobes meanwhile; and
	# no uprobe_events entry (libbpf's fallback) on the target binary
	gone "uprobe config" "$(realpath "$UW")"
fi

# --- pid: one process's uprobes, not another's running the same binary ----
$UW up_pid_a sleep 3000 values 1 2 3 &
pid_a=$!
$UW up_pid_b sleep 3000 values 10 20 &
pid_b=$!
cat >"$TMP/pid.yaml" <<EOF
metrics:
  - name: up_pid_total
    help: bpfprom_value calls of one process.
    probe: uprobe:$UW:bpfprom_value
    aggregate: sum
    value: arg0
    labels: [comm]
    pid: $pid_a
EOF
if start "$TMP/pid.yaml"; then
	wait $pid_a $pid_b
	expect "pid: only the chosen process's calls, of two running the same binary" \
		'up_pid_total{comm="up_pid_a"} 6' "$(scrape | grep '^up_pid_total')"
	expect "probe_info: a uprobe attaches as uprobe" \
		"bpfprom_probe_info{metric=\"up_pid_total\",probe=\"uprobe:$UW:bpfprom_value\",mechanism=\"uprobe\"} 1" \
		"$(scrape | grep '^bpfprom_probe_info')"
	stop
else
	wait $pid_a $pid_b
fi

# --- self-metrics, --bpf.stats, --web.disable-exporter-metrics, landing page --
cat >"$TMP/self.yaml" <<EOF
metrics:
  - name: self_calls_total
    help: bpfprom_value calls.
    probe: uprobe:$UW:bpfprom_value
    aggregate: count
    labels: [comm]
EOF
if start "$TMP/self.yaml" --bpf.stats; then
	$UW self_a values $(seq 1 250)
	scrape >"$TMP/s1.txt"
	scrape >"$TMP/s2.txt"
	expect "self: program runs counted by the kernel (--bpf.stats), exact" \
		'bpfprom_program_runs_total{metric="self_calls_total"} 250' \
		"$(grep '^bpfprom_program_runs_total' "$TMP/s2.txt")"
	expect "self: program run time is counted" 1 \
		"$(awk '/^bpfprom_program_run_seconds_total\{metric="self_calls_total"\}/ { print ($2 > 0) }' "$TMP/s2.txt")"
	expect "self: scrapes_total counts every scrape" "1 2" \
		"$(sed -n 's/^bpfprom_scrapes_total //p' "$TMP/s1.txt") $(sed -n 's/^bpfprom_scrapes_total //p' "$TMP/s2.txt")"
	expect "self: build_info carries version, revision and libbpf" \
		"$("$BIN" --version | sed 's/^bpfprom version \([^ ]*\) (revision \([^,]*\), libbpf \(.*\))$/bpfprom_build_info{version="\1",revision="\2",libbpf="\3"} 1/')" \
		"$(grep '^bpfprom_build_info' "$TMP/s2.txt")"
	# the load time has milliseconds: in date +%s's second it is above it
	expect "self: the config load succeeded, with its time" "bpfprom_config_last_load_success 1 1" \
		"$(grep '^bpfprom_config_last_load_success ' "$TMP/s2.txt") $(awk -v now="$(date +%s)" '/^bpfprom_config_last_load_success_timestamp_seconds/ { print ($2 > now - 600 && $2 < now + 1) }' "$TMP/s2.txt")"
	expect "self: process_max_fds is the process's soft limit" \
		"$(awk '/^Max open files/ { print $4 }' /proc/$PID/limits)" \
		"$(sed -n 's/^process_max_fds //p' "$TMP/s2.txt")"
	expect "self: process_start_time_seconds from /proc (to the clock tick)" 1 \
		"$(awk -v st="$(cut -d' ' -f22 /proc/$PID/stat)" -v bt="$(sed -n 's/^btime //p' /proc/stat)" -v hz="$(getconf CLK_TCK)" \
			'/^process_start_time_seconds/ { d = $2 - (bt + st / hz); print (d < 0.001 && d > -0.001) }' "$TMP/s2.txt")"
	expect "self: every process_* family is there" \
		"process_cpu_seconds_total process_max_fds process_open_fds process_resident_memory_bytes process_start_time_seconds process_virtual_memory_bytes" \
		"$(sed -n 's/^# TYPE \(process_[a-z_]*\) .*/\1/p' "$TMP/s2.txt" | tr '\n' ' ' | sed 's/ $//')"
	if out=$(promtool check metrics <"$TMP/s2.txt" 2>&1); then
		ok "self: promtool check metrics passes with every self-metric"
	else
		not_ok "self: promtool check metrics passes with every self-metric" "$out"
	fi
	# the one metric holds every map of the process; its series exists, so
	# nothing the kernel accounts changes between the scrape and fdinfo
	memlock=$(for f in /proc/$PID/fdinfo/*; do grep -q '^map_type:' "$f" && sed -n 's/^memlock:[[:space:]]*//p' "$f"; done |
		awk '{ n += $1 } END { print n }')
	expect "self: bpfprom_map_memory_bytes is the sum of the maps' fdinfo memlock" \
		"bpfprom_map_memory_bytes{metric=\"self_calls_total\"} $memlock" \
		"$(grep '^bpfprom_map_memory_bytes' "$TMP/s2.txt")"
	scrape / >"$TMP/landing.html"
	expect "landing: a row per probe with mechanism, series, capacity, dropped and map memory" \
		"<tr><td rowspan=\"1\">self_calls_total</td><td>uprobe:$UW:bpfprom_value</td><td>uprobe</td><td rowspan=\"1\" class=\"n\">1</td><td rowspan=\"1\" class=\"n\">10240</td><td rowspan=\"1\" class=\"n\">0</td><td rowspan=\"1\" class=\"n\">$memlock</td></tr>" \
		"$(grep '^<tr><td rowspan' "$TMP/landing.html")"
	if command -v tidy >/dev/null; then
		expect "landing: valid HTML (tidy finds no warning or error)" "" \
			"$(tidy -q -e "$TMP/landing.html" 2>&1)"
	else
		skip "landing: valid HTML" "tidy is not installed"
	fi
	stop
fi
if start "$TMP/self.yaml" --web.disable-exporter-metrics; then
	$UW self_b values 1 2 3
	expect "--web.disable-exporter-metrics: only the configured metric" \
		"$(printf '%s\n' '# HELP self_calls_total bpfprom_value calls.' '# TYPE self_calls_total counter' 'self_calls_total{comm="self_b"} 3')" \
		"$(scrape)"
	stop
fi

# --- fused programs: metrics with the same probes share one program --------
# A count with a label, then one without (its zero key must not see the
# other's label, different on each call), a hist, stats, a filtered count on one tracepoint; two
# latencies on one start/end pair; two metrics on one uprobe.
cat >"$TMP/fuse.yaml" <<EOF
metrics:
  - {name: fz_by_size_total, help: h, probe: 'tracepoint:syscalls:sys_enter_write',
     aggregate: count, labels: [{name: size, source: args.count}], filter: ['comm == "fz_wl"']}
  - {name: fz_writes_total, help: h, probe: 'tracepoint:syscalls:sys_enter_write',
     aggregate: count, filter: ['comm == "fz_wl"']}
  - {name: fz_write_bytes, help: h, probe: 'tracepoint:syscalls:sys_enter_write',
     aggregate: hist, value: args.count, buckets: {max: 2048}, filter: ['comm == "fz_wl"']}
  - {name: fz_write_stats_bytes, help: h, probe: 'tracepoint:syscalls:sys_enter_write',
     aggregate: stats, value: args.count, filter: ['comm == "fz_wl"']}
  - {name: fz_big_total, help: h, probe: 'tracepoint:syscalls:sys_enter_write',
     aggregate: count, labels: [comm], filter: ['comm == "fz_wl"', 'args.count >= 100']}
  - {name: fz_getppid_seconds, help: h, probe: 'tracepoint:syscalls:sys_enter_getppid',
     until: 'tracepoint:syscalls:sys_exit_getppid', aggregate: hist, value: latency,
     unit: seconds, filter: ['comm == "fz_wl"']}
  - {name: fz_getppid_stats_seconds, help: h, probe: 'tracepoint:syscalls:sys_enter_getppid',
     until: 'tracepoint:syscalls:sys_exit_getppid', aggregate: stats, value: latency,
     unit: seconds, filter: ['comm == "fz_wl"']}
  - {name: fz_up_calls_total, help: h, probe: 'uprobe:$UW:bpfprom_value', aggregate: count,
     filter: ['comm == "fz_up"']}
  - {name: fz_up_sum_total, help: h, probe: 'uprobe:$UW:bpfprom_value', aggregate: sum,
     value: arg0, filter: ['comm == "fz_up"']}
EOF
cat >"$TMP/fuse.want" <<'W'
fz_by_size_total{size="0"} 1
fz_by_size_total{size="1"} 1
fz_by_size_total{size="2"} 1
fz_by_size_total{size="3"} 1
fz_by_size_total{size="4"} 1
fz_by_size_total{size="5"} 1
fz_by_size_total{size="8"} 1
fz_by_size_total{size="9"} 1
fz_by_size_total{size="1024"} 1
fz_by_size_total{size="1025"} 1
fz_writes_total 10
fz_write_bytes_bucket{le="0"} 1
fz_write_bytes_bucket{le="1"} 2
fz_write_bytes_bucket{le="2"} 3
fz_write_bytes_bucket{le="4"} 5
fz_write_bytes_bucket{le="8"} 7
fz_write_bytes_bucket{le="16"} 8
fz_write_bytes_bucket{le="32"} 8
fz_write_bytes_bucket{le="64"} 8
fz_write_bytes_bucket{le="128"} 8
fz_write_bytes_bucket{le="256"} 8
fz_write_bytes_bucket{le="512"} 8
fz_write_bytes_bucket{le="1024"} 9
fz_write_bytes_bucket{le="2048"} 10
fz_write_bytes_bucket{le="+Inf"} 10
fz_write_bytes_sum 2081
fz_write_bytes_count 10
fz_write_stats_bytes_sum 2081
fz_write_stats_bytes_count 10
fz_write_stats_bytes_min 0
fz_write_stats_bytes_max 1025
fz_big_total{comm="fz_wl"} 2
fz_getppid_seconds_count 7
fz_getppid_stats_seconds_count 7
fz_up_calls_total 5
fz_up_sum_total 15
W
# the BPF programs a process holds: distinct prog_ids among its fds (links
# and programs), whatever other people load meanwhile
progs_of() { cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | wc -l; }
for fuse in true false; do
	if start "$TMP/fuse.yaml" --bpf.stats --bpf.fuse=$fuse; then
		$WL fz_wl write 0 1 2 3 4 5 8 9 1024 1025 getppid 7
		$UW fz_up values 1 2 3 4 5
		scrape >"$TMP/fuse-$fuse.txt"
		grep -E '^fz_' "$TMP/fuse-$fuse.txt" |
			grep -Ev '^fz_getppid_(seconds_(bucket|sum)|stats_seconds_(sum|min|max))' >"$TMP/fuse-$fuse.got"
		expect_file "fuse=$fuse: count, hist, stats, filters, labels and latencies on shared probes, exact" \
			"$TMP/fuse.want" "$TMP/fuse-$fuse.got"
		if [ $fuse = true ]; then
			expect "fuse=true: one program per probe set (write, getppid pair, uprobe)" 3 "$(progs_of "$PID")"
			expect "fuse=true: a fused program's runs are reported once, its metrics listed" \
				'bpfprom_program_runs_total{metric="fz_up_calls_total,fz_up_sum_total"} 5' \
				"$(grep '^bpfprom_program_runs_total{metric="fz_up' "$TMP/fuse-$fuse.txt")"
		else
			expect "fuse=false: one program per metric" 9 "$(progs_of "$PID")"
			expect "fuse=false: each metric's program reports its own runs" \
				"$(printf '%s\n' 'bpfprom_program_runs_total{metric="fz_up_calls_total"} 5' 'bpfprom_program_runs_total{metric="fz_up_sum_total"} 5')" \
				"$(grep '^bpfprom_program_runs_total{metric="fz_up' "$TMP/fuse-$fuse.txt")"
		fi
		stop
	fi
done
# ten metrics on one probe: a full program of 8 (every slot live) and one of 2
{
	echo "metrics:"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "  - {name: fz10_${i}_total, help: h, probe: 'tracepoint:syscalls:sys_enter_write',"
		echo "     aggregate: sum, value: args.count, filter: ['comm == \"fz10\"', 'args.count >= $i']}"
	done
} >"$TMP/fuse10.yaml"
if start "$TMP/fuse10.yaml"; then
	$WL fz10 write 0 1 2 3 4 5 6 7 8 9
	expect "fuse: ten metrics on one probe, each sum exact" \
		"45 45 44 42 39 35 30 24 17 9" \
		"$(scrape | sed -n 's/^fz10_[0-9]_total //p' | paste -sd' ' -)"
	expect "fuse: ten metrics on one probe load as two programs (8 + 2)" 2 "$(progs_of "$PID")"
	stop
fi
"$BIN" --bpf.fuse=maybe >/dev/null 2>"$TMP/fuse.err"
expect "--bpf.fuse=maybe: exit 2 and what is expected" \
	"2 error: flags: --bpf.fuse=maybe: expected true or false" "$? $(cat "$TMP/fuse.err")"

# --- differential: bpfprom and bpftrace measure the same calls at once -----
# Values avoid powers of two >= 2 and multiples of 10 (but 0), where the two
# conventions differ (bpftrace's buckets are lower-inclusive, ours upper-
# inclusive); then [2^k, 2^(k+1)) is our le=2^(k+1), [0] le=0, [1] le=1, and
# the lhist [a, a+10) is our le=a+10.
if command -v bpftrace >/dev/null; then
	sed "s|@WL@|$UW|g" $DIR/configs/diff.yaml.in >"$TMP/diff.yaml"
	vals=$(awk 'BEGIN { srand(7); while (n < 500) { v = int(rand() * rand() * 900)
		p = v; while (p > 1 && p % 2 == 0) p /= 2
		if ((v >= 2 && p == 1) || (v > 0 && v % 10 == 0)) continue
		printf "%d ", v; n++ } }')
	ABS_UW=$(cd "$(dirname "$UW")" && pwd)/$(basename "$UW")
	if start "$TMP/diff.yaml"; then
		# -c runs the workload once bpftrace has attached and ends bpftrace
		# with it (its "Attaching" line comes before the attach); through a
		# script, as -c takes at most 255 arguments
		echo "exec $UW up_diff values $vals" >"$TMP/diff.sh"
		timeout -k 5 120 bpftrace -e "uprobe:$ABS_UW:bpfprom_value /comm == \"up_diff\"/ { @c = count(); @h = hist(arg0); @l = lhist(arg0, 0, 50, 10); @s = stats(arg0); @mn = min(arg0); @mx = max(arg0); }" \
			-c "/bin/sh $TMP/diff.sh" >"$TMP/bt.out" 2>&1 </dev/null
		[ $? -ne 124 ] || echo "       (bpftrace did not end within 120 s: $(head -c 300 "$TMP/bt.out"))"
		scrape >"$TMP/diff.txt"
		stop
		# bpftrace's maps as "name bucket count" lines, in our terms
		awk 'function num(x) { if (x ~ /K$/) return (x + 0) * 1024; if (x ~ /M$/) return (x + 0) * 1048576; return x + 0 }
			/^@c:/ { print "count", $2 }
			/^@s:/ { gsub(",", ""); print "stats", $3, $5, $7 }
			/^@mn:/ { print "min", $2 } /^@mx:/ { print "max", $2 }
			/^@h:/ { m = "h" } /^@l:/ { m = "l" }
			/^\[/ { i = index($0, "]"); j = index($0, ")"); e = (i && (!j || i < j)) ? i : j
				r = substr($0, 2, e - 2); rest = substr($0, e + 1); split(rest, f, " ")
				n = split(r, lim, ", ")
				if (n == 1) le = num(lim[1]); else if (lim[2] == "...") le = "+Inf"; else le = num(lim[2])
				print m, le, f[1] }' "$TMP/bt.out" | sort >"$TMP/bt.norm"
		# ours, de-cumulated, the same way
		awk '/^diff_calls_total / { print "count", $2 }
			/^diff_stats_count / { c = $2 } /^diff_stats_sum / { s = $2 }
			/^diff_stats_min / { print "min", $2 } /^diff_stats_max / { print "max", $2 }
			/^diff_(l?)hist_bucket/ { m = ($0 ~ /^diff_lhist/) ? "l" : "h"; match($0, /le="[^"]*"/)
				le = substr($0, RSTART + 4, RLENGTH - 5); d = $2 - prev[m]; prev[m] = $2
				if (d > 0) print m, le, d }
			END { print "stats", c, int(s / c), s }' "$TMP/diff.txt" | sort >"$TMP/ours.norm"
		if cmp -s "$TMP/bt.norm" "$TMP/ours.norm" && [ -s "$TMP/bt.norm" ]; then
			ok "differential: count, hist, lhist, stats, min, max agree with bpftrace on 500 calls"
		else
			not_ok "differential: count, hist, lhist, stats, min, max agree with bpftrace on 500 calls" \
				"$(diff "$TMP/bt.norm" "$TMP/ours.norm" | head -20)" "$(head -5 "$TMP/bt.out")"
		fi
	fi
else
	skip "differential against bpftrace" "bpftrace is not installed"
fi

# --- decoders, each on a workload whose labels are known ------------------
sed "s|@WL@|$UW|g" $DIR/configs/decode.yaml.in >"$TMP/decode.yaml"
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if start "$TMP/decode.yaml"; then
	$WL dec_sys getppid 5 write 3 4 5
	$UW dec_err ret -1 -2 -13 -13 0 3 7
	$WL dec_open tryopen /nonexistent/bpfprom-missing 5 open /etc/hostname 3
	for c in rx_a1:1 rx_a2:2 rx_b:3 rx_c:4 rx_d:5 rx_bb:6; do $WL ${c%%:*} getppid ${c##*:}; done
	$UW dec_ksym sleep 1 1
	$UW dec_static values 0 1 1 5
	$UW dec_hex values 16 255 255
	if [ -n "$CG2" ] && mkdir "$CG2/bpfprom-it" 2>/dev/null; then
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" dec_cg values 1 2' "$CG2/bpfprom-it" "$UW"
		CGOK=1
	fi
	scrape >"$TMP/dec.txt"
	expect "decode syscall: numbers from the kernel's table become names" \
		"$(printf '%s\n' 'dec_syscalls_total{syscall="write"} 3' 'dec_syscalls_total{syscall="getppid"} 5')" \
		"$(grep -e 'dec_syscalls_total{syscall="getppid"}' -e 'dec_syscalls_total{syscall="write"}' "$TMP/dec.txt")"
	expect "decode errno: negative returns become E-names, 0 and positive ones (an fd) are 0" \
		"$(printf '%s\n' 'dec_errno_total{err="EACCES"} 2' 'dec_errno_total{err="ENOENT"} 1' 'dec_errno_total{err="EPERM"} 1' 'dec_errno_total{err="0"} 3')" \
		"$(grep '^dec_errno_total' "$TMP/dec.txt" | sort -t'"' -k2,2 | awk '/"0"/ { z = $0; next } { print } END { print z }')"
	expect "decode errno: openat's fd is 0, a missing file ENOENT (sys_exit_openat)" \
		"$(printf '%s\n' 'dec_openat_total{err="0"} 3' 'dec_openat_total{err="ENOENT"} 5')" \
		"$(grep '^dec_openat_total' "$TMP/dec.txt" | sort)"
	expect "decode regexp: first match wins, the rest as they are" \
		"$(printf '%s\n' 'dec_regexp_total{comm="bc"} 7' 'dec_regexp_total{comm="group_a"} 3' 'dec_regexp_total{comm="other_rx"} 11')" \
		"$(grep -e '^dec_regexp_total{comm="bc"}' -e '^dec_regexp_total{comm="group_a"}' -e '^dec_regexp_total{comm="other_rx"}' -e '^dec_regexp_total{comm="rx_' "$TMP/dec.txt" | sort)"
	expect "decode ksym: nanosleep's hrtimer callback is hrtimer_wakeup" \
		'dec_hrtimer_total{fn="hrtimer_wakeup"} 2' "$(grep '^dec_hrtimer_total{fn="hrtimer_wakeup"}' "$TMP/dec.txt")"
	expect "decode static: table values, unknown as the number" \
		"$(printf '%s\n' 'dec_static_total{v="zero"} 1' 'dec_static_total{v="one"} 2' 'dec_static_total{v="5"} 1')" \
		"$(grep '^dec_static_total' "$TMP/dec.txt")"
	expect "decode hex" "$(printf '%s\n' 'dec_hex_total{v="0x10"} 1' 'dec_hex_total{v="0xff"} 2')" \
		"$(grep '^dec_hex_total' "$TMP/dec.txt")"
	if [ -n "$CGOK" ]; then
		expect "decode cgroup_path: the workload's cgroup v2 path" \
			'dec_cgroup_total{cgroup="/bpfprom-it"} 2' "$(grep '^dec_cgroup_total' "$TMP/dec.txt")"
		rmdir "$CG2/bpfprom-it"
	else
		skip "decode cgroup_path" "no writable cgroup2 mount"
	fi
	expect "decode: no decode errors" "" \
		"$(grep '^bpfprom_decode_errors_total' "$TMP/dec.txt" | grep -v ' 0$')"
	stop
fi

# --- decode: k8s on a kubelet-shaped cgroup tree and log directory ---------
# Real cgroups shaped as kubelet makes them (systemd and cgroupfs drivers),
# a fake /var/log/{pods,containers} under --k8s.log-dir, a workload in each.
K8U1=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 K8U2=11111111-2222-3333-4444-555555555555
K8U3=77777777-7777-7777-7777-777777777777
K8C1=$(printf '1%.0s' $(seq 64)) K8C2=$(printf '2%.0s' $(seq 64))
K8C3=$(printf '3%.0s' $(seq 64)) K8C4=$(printf '4%.0s' $(seq 64))
K8CG=$CG2/bpfprom-k8s-$$
K8LOG=$TMP/k8slog
# k8s_pod NS POD UID and k8s_ctr NS POD UID CONTAINER ID: what kubelet writes
k8s_pod() { mkdir -p "$K8LOG/pods/$1_$2_$3"; }
k8s_ctr() {
	mkdir -p "$K8LOG/pods/$1_$2_$3/$4" "$K8LOG/containers"
	ln -s "/var/log/pods/$1_$2_$3/$4/0.log" "$K8LOG/containers/$2_$1_$4-$5.log"
}
# k8s_run CGROUP V...: the workload's bpfprom_value(V) calls from that cgroup
k8s_run() {
	cg=$K8CG/$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$UW" k8s_wl values "$@"
}
if [ -n "$CG2" ] && mkdir "$K8CG" 2>/dev/null; then
	P1=kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$(echo $K8U1 | tr - _).slice
	mkdir -p "$K8CG/$P1/cri-containerd-$K8C1.scope" "$K8CG/$P1/cri-containerd-$K8C2.scope" \
		"$K8CG/kubepods/besteffort/pod$K8U2/$K8C3" "$K8CG/kubepods/besteffort/pod$K8U3/$K8C4" \
		"$K8CG/host-a" "$K8CG/host-b"
	k8s_pod shop web-1 $K8U1
	k8s_ctr shop web-1 $K8U1 nginx $K8C1
	k8s_ctr shop web-1 $K8U1 sidecar $K8C2
	k8s_pod batch job-7 $K8U2
	k8s_ctr batch job-7 $K8U2 worker $K8C3
	sed "s|@WL@|$UW|g" $DIR/configs/k8s.yaml.in >"$TMP/k8s.yaml"
	if start "$TMP/k8s.yaml" --k8s.log-dir="$K8LOG"; then
		k8s_run "$P1/cri-containerd-$K8C1.scope" 1 2 3
		k8s_run "$P1/cri-containerd-$K8C2.scope" 10 20
		k8s_run "kubepods/besteffort/pod$K8U2/$K8C3" 5 5 5 5
		k8s_run host-a 7
		k8s_run host-b 100 -1
		k8s_run "kubepods/besteffort/pod$K8U3/$K8C4" 9
		scrape >"$TMP/k8s1.txt"
		# the late pod's directory and link appear after the first scrape
		k8s_pod late app-0 $K8U3
		k8s_ctr late app-0 $K8U3 main $K8C4
		expect "decode k8s: counts per namespace, pod and container; two host cgroups are one series" \
			"$(printf '%s\n' \
				'k8s_calls_total{namespace="",pod="",container=""} 3' \
				"k8s_calls_total{namespace=\"\",pod=\"$K8U3\",container=\"$K8C4\"} 1" \
				'k8s_calls_total{namespace="batch",pod="job-7",container="worker"} 4' \
				'k8s_calls_total{namespace="shop",pod="web-1",container="nginx"} 3' \
				'k8s_calls_total{namespace="shop",pod="web-1",container="sidecar"} 2')" \
			"$(grep '^k8s_calls_total' "$TMP/k8s1.txt" | sort)"
		expect "decode k8s: stats of merged host series: sum, count, min of mins, max of maxes" \
			"$(printf '%s\n' \
				'k8s_value_sum{namespace="",pod="",container=""} 106' \
				'k8s_value_count{namespace="",pod="",container=""} 3' \
				'k8s_value_min{namespace="",pod="",container=""} 7' \
				'k8s_value_max{namespace="",pod="",container=""} 18446744073709551615')" \
			"$(grep -E '^k8s_value_(sum|count|min|max)\{namespace="",pod="",' "$TMP/k8s1.txt")"
		expect "decode k8s: the pod without a log directory is a decode error per metric" \
			"$(printf '%s\n' 'bpfprom_decode_errors_total{metric="k8s_calls_total"} 1' \
				'bpfprom_decode_errors_total{metric="k8s_value"} 1')" \
			"$(grep '^bpfprom_decode_errors_total{metric="k8s_' "$TMP/k8s1.txt")"
		expect "decode k8s: bpfprom_metric_series counts the map's 6 series, not the 5 printed" \
			'bpfprom_metric_series{metric="k8s_calls_total"} 6' \
			"$(grep '^bpfprom_metric_series{metric="k8s_calls_total"}' "$TMP/k8s1.txt")"
		curl -sS -H 'Accept: application/openmetrics-text; version=1.0.0' \
			"http://$ADDR/metrics" >"$TMP/k8s1.om"
		expect "decode k8s: OpenMetrics has one host series too" 1 \
			"$(grep -c '^k8s_calls_total{namespace="",pod="",container=""} 3$' "$TMP/k8s1.om")"
		if out=$(promtool check metrics <"$TMP/k8s1.txt" 2>&1); then
			ok "decode k8s: promtool check metrics passes"
		else
			not_ok "decode k8s: promtool check metrics passes" "$out"
		fi
		# a miss is looked for again 5 to 10 s later
		sleep 10.2
		scrape >"$TMP/k8s2.txt"
		expect "decode k8s: a pod directory made later is found on a later scrape" \
			'k8s_calls_total{namespace="late",pod="app-0",container="main"} 1' \
			"$(grep '^k8s_calls_total{namespace="late"' "$TMP/k8s2.txt")"
		stop
	fi
	find "$K8CG" -depth -type d -exec rmdir {} \;
else
	skip "decode k8s" "no writable cgroup2 mount"
fi

out=$("$BIN" --config.check --config.file=config/examples/containers.yaml 2>&1)
expect "config/examples/containers.yaml: --config.check passes" \
	"config: config/examples/containers.yaml: valid, 3 metrics resolved against this kernel" "$out"

# --- the default config loads and serves ----------------------------------
if start config/default.yaml; then
	scrape >"$TMP/d.txt"
	expect "default.yaml: syscalls_total family is served" 1 \
		"$(grep -c '^# TYPE syscalls_total counter' "$TMP/d.txt")"
	if out=$(promtool check metrics <"$TMP/d.txt" 2>&1); then
		ok "default.yaml: promtool check metrics passes"
	else
		not_ok "default.yaml: promtool check metrics passes" "$out"
	fi
	stop
fi

# --- bad start-ups: exit 1, one exact message, nothing left loaded ---------
# bad NAME CONFIG_TEXT EXPECTED_MESSAGE
bad() {
	printf '%s\n' "$2" >"$TMP/bad.yaml"
	"$BIN" --config.file="$TMP/bad.yaml" --web.listen-address=127.0.0.1:0 >/dev/null 2>"$TMP/err" &
	bpid=$!
	# a bad config must end the process on its own; do not wait forever
	for _ in $(seq 50); do kill -0 $bpid 2>/dev/null || break; sleep 0.1; done
	kill -9 $bpid 2>/dev/null
	wait $bpid
	brc=$?
	got="rc=$brc $(sed "s|$TMP/bad.yaml|BAD|g" "$TMP/err")"
	expect "bad start-up: $1" "rc=1 $3" "$got"
	# its programs went with the process (none is pinned); what would outlive
	# it is a tracefs probe event (libbpf's names carry the pid)
	expect "bad start-up: $1: no tracefs probe event of its pid left" "" "$(probe_events "_${bpid}_")"
}
GOOD='  - name: ok_total
    help: fine.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count'
bad "tracepoint does not exist" "metrics:
$GOOD
  - name: nope_total
    help: no such event.
    probe: tracepoint:syscalls:sys_enter_nope
    aggregate: count" \
	'error: plan: BAD:8:12: metrics[1] (nope_total): probe: tracepoint syscalls:sys_enter_nope does not exist (no /sys/kernel/tracing/events/syscalls/sys_enter_nope)'
bad "field does not exist" "metrics:
$GOOD
  - name: f_bytes
    help: no such field.
    probe: tracepoint:syscalls:sys_enter_write
    aggregate: hist
    value: args.size" \
	'error: plan: BAD:10:12: metrics[1] (f_bytes): value: tracepoint:syscalls:sys_enter_write has no field "size"; its fields are: __syscall_nr, fd, buf, count'
bad "kprobe on a kernel without kprobes or fentry" "metrics:
$GOOD
  - name: k_total
    help: kprobe.
    probe: kprobe:vfs_read
    aggregate: count" \
	"error: plan: BAD:8:12: metrics[1] (k_total): probe: kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is not set) and fentry is not available"
# ftrace:function used to fail at attach, after the first metric loaded; the
# plan refuses it now (so that --config.check does too)
bad "ftrace's internal event is refused before anything loads" "metrics:
$GOOD
  - name: ftrace_total
    help: the function tracer event cannot take a BPF program.
    probe: tracepoint:ftrace:function
    aggregate: count" \
	"error: plan: BAD:8:12: metrics[1] (ftrace_total): probe: ftrace:function is one of ftrace's internal events, not a tracepoint: BPF cannot attach to it (use kprobe:FUNCTION or fentry for a function)"
bad "YAML syntax error" "metrics:
  - name: [unclosed" \
"error: config: BAD:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"

# --- README's metric examples load on this kernel ---------------------------
awk 'BEGIN { print "metrics:" } /^```yaml$/ { inb = 1; first = 1; next } /^```$/ { inb = 0; next }
	inb && first { keep = ($0 ~ /^- /); first = 0 } inb && keep { print "  " $0 }' README.md >"$TMP/readme.yaml"
n=$(grep -c '^  - ' "$TMP/readme.yaml")
out=$("$BIN" --config.file="$TMP/readme.yaml" --config.check 2>&1)
expect "README: every metric example resolves against this kernel" \
	"rc=0 config: $TMP/readme.yaml: valid, $n metrics resolved against this kernel" "rc=$? $out"

# --- --config.check ---------------------------------------------------------
out=$("$BIN" --config.file=$DIR/configs/count.yaml --config.check 2>&1)
expect "--config.check: a valid config exits 0" \
	"rc=0 config: $DIR/configs/count.yaml: valid, 20 metrics resolved against this kernel" "rc=$? $out"
printf 'metrics:\n  - name: x_total\n    help: h\n    probe: tracepoint:sched:nope\n    aggregate: count\n' >"$TMP/chk.yaml"
out=$("$BIN" --config.file="$TMP/chk.yaml" --config.check 2>&1)
expect "--config.check: an unknown tracepoint exits 1" \
	"rc=1 error: plan: $TMP/chk.yaml:4:12: metrics[0] (x_total): probe: tracepoint sched:nope does not exist (no /sys/kernel/tracing/events/sched/nope)" "rc=$? $out"
if command -v strace >/dev/null; then
	# LeakSanitizer cannot run under ptrace (exit 1): leaks are the asan
	# suite's other runs' to find, this one counts system calls
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=bpf,perf_event_open -o "$TMP/check.strace" \
		"$BIN" --config.file=$DIR/configs/count.yaml --config.check >/dev/null 2>&1
	expect "--config.check: nothing was loaded (no bpf or perf_event_open call)" "rc=0 " \
		"rc=$? $(grep -o -e 'bpf(BPF_[A-Z_]*' -e perf_event_open "$TMP/check.strace" | sort -u | tr '\n' ' ')"
	# .load: every program loaded (the verifier's verdict), nothing
	# attached (no perf_event_open, link or raw tracepoint), nothing left
	before=$(bpftool prog show 2>/dev/null | grep -c '^[0-9]')
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=bpf,perf_event_open -o "$TMP/checkl.strace" \
		"$BIN" --config.file=config/default.yaml --config.check.load >"$TMP/checkl.out" 2>&1
	expect "--config.check.load: programs loaded, nothing attached, none left" \
		"rc=0 config: config/default.yaml: valid, 6 metrics resolved against this kernel and loaded into it (nothing attached); BPF_PROG_LOAD: yes; attaching calls: 0; programs left: $before" \
		"rc=$? $(cat "$TMP/checkl.out"); BPF_PROG_LOAD: $(grep -q 'bpf(BPF_PROG_LOAD' "$TMP/checkl.strace" && echo yes || echo no); attaching calls: $(grep -c -e perf_event_open -e BPF_LINK_CREATE -e BPF_RAW_TRACEPOINT_OPEN "$TMP/checkl.strace"); programs left: $(bpftool prog show 2>/dev/null | grep -c '^[0-9]')"
else
	skip "--config.check: nothing was loaded" "strace is not installed"
fi

# --- tracefs not mounted: mounted by bpfprom, or a plain message ------------
# each in a private mount namespace, so the host's tracefs stays as it is
if command -v unshare >/dev/null && command -v setpriv >/dev/null; then
	out=$(unshare -m sh -c 'umount /sys/kernel/debug 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null; "$0" --config.file="$1" --config.check 2>&1' "$BIN" "$DIR/configs/count.yaml")
	expect "tracefs: not mounted, bpfprom mounts it" \
		"rc=0 config: $DIR/configs/count.yaml: valid, 20 metrics resolved against this kernel" "rc=$? $out"
	out=$(unshare -m sh -c 'umount /sys/kernel/debug 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null; setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$0" --config.file="$1" --config.check 2>&1' "$BIN" "$DIR/configs/count.yaml")
	expect "tracefs: not mounted and not mountable, a plain message" \
		"rc=1 error: tracefs: not mounted at /sys/kernel/tracing and mounting it failed (Operation not permitted); mount it with: mount -t tracefs nodev /sys/kernel/tracing" "rc=$? $out"
else
	skip "tracefs not mounted" "no unshare/setpriv"
fi

# --- --list: the probes of this machine, in config syntax ------------------
TRACEFS=/sys/kernel/tracing
out=$("$BIN" --list 'tracepoint:syscalls:sys_enter_getpp*' 2>&1)
expect "--list: one tracepoint, exactly" "rc=0 tracepoint:syscalls:sys_enter_getppid" "rc=$? $out"
out=$("$BIN" --list='t:syscalls:sys_*_getpp?d' 2>&1)
expect "--list=: alias t:, wildcards * and ?" \
	"rc=0 tracepoint:syscalls:sys_enter_getppid
tracepoint:syscalls:sys_exit_getppid" "rc=$? $out"
out=$("$BIN" -l 'tp:syscalls:sys_enter_getppid' 2>&1; echo "rc=$?"; "$BIN" -lv 'tp:syscalls:sys_enter_getppid' 2>&1)
expect "-l PATTERN and -lv PATTERN" \
	"tracepoint:syscalls:sys_enter_getppid
rc=0
tracepoint:syscalls:sys_enter_getppid
    int __syscall_nr" "$out"
# every event tracefs can enable (ftrace's own records are not tracepoints), sorted
sed 's/^/tracepoint:/' $TRACEFS/available_events | LC_ALL=C sort -u >"$TMP/tp.want"
"$BIN" --list 'tracepoint:*' >"$TMP/tp.got" 2>&1
expect_file "--list 'tracepoint:*' is available_events, sorted" "$TMP/tp.want" "$TMP/tp.got"
# fields as the format file declares them, without the common_ ones
{
	echo "tracepoint:sched:sched_switch"
	sed -n 's/^\tfield:\([^;]*\);.*/    \1/p' $TRACEFS/events/sched/sched_switch/format | grep -v ' common_'
} >"$TMP/v.want"
"$BIN" --list tracepoint:sched:sched_switch -v >"$TMP/v.got" 2>&1
expect_file "--list -v: fields of sched_switch from its format file" "$TMP/v.want" "$TMP/v.got"
if command -v bpftrace >/dev/null; then
	bpftrace -lv 'tracepoint:*' >"$TMP/bt.want" 2>/dev/null
	"$BIN" --verbose --list 'tracepoint:*' >"$TMP/bt.got" 2>&1
	expect_file "--list -v 'tracepoint:*' prints what bpftrace -lv prints" "$TMP/bt.want" "$TMP/bt.got"
else
	skip "--list -v against bpftrace -lv" "no bpftrace"
fi
# uprobes: the defined functions nm sees, BIN printed as typed (bpftrace -l's way)
target=$BUILD/workload/uprobe_target
nm --defined-only "$target" | awk -v p="uprobe:$target:" '$2 ~ /^[Tti]$/ { print p $3 }' |
	LC_ALL=C sort -u >"$TMP/up.want"
"$BIN" --list "uprobe:$BUILD/workload/uprobe_target:*" >"$TMP/up.got" 2>&1
expect_file "--list uprobe:BIN:* is nm's functions of BIN" "$TMP/up.want" "$TMP/up.got"
libc=$(realpath "$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ { print $NF; exit }')")
out=$("$BIN" --list 'u:libc:mallo?' 2>&1)
expect "--list u:libc:mallo?: the library through ld.so.cache" "rc=0 uprobe:$libc:malloc" "rc=$? $out"
out=$("$BIN" --list 'ur:libc:mallo?' 2>&1)
expect "--list ur:libc:mallo?" "rc=0 uretprobe:$libc:malloc" "rc=$? $out"
out=$("$BIN" --list 'uprobe:/etc/passwd:*' 2>&1)
expect "--list: a binary that is not ELF" 'rc=1 error: list: uprobe: "/etc/passwd" is not an ELF file' "rc=$? $out"
out=$("$BIN" --list 'tracepoint:nope*' 2>&1)
expect "--list: nothing matches, nothing printed, exit 0" "rc=0 " "rc=$? $out"
out=$("$BIN" --list 'tracepont:sched:*' 2>&1)
expect "--list: unknown probe kind" \
	'rc=1 error: list: unknown probe kind "tracepont" (did you mean "tracepoint"?); expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt' "rc=$? $out"
out=$("$BIN" -v 2>&1)
expect "-v without --list is a bad flag" "rc=2 error: flags: -v (--verbose) only applies to --list" "rc=$? $out"
if [ ! -e /sys/bus/event_source/devices/kprobe ] && [ ! -e $TRACEFS/kprobe_events ]; then
	out=$("$BIN" --list 'kprobe:vfs_*' 2>&1)
	expect "--list kprobe: on a kernel without kprobes" \
		"rc=1 error: list: kprobe: this kernel has no kprobes (CONFIG_KPROBES is not set)" "rc=$? $out"
	out=$("$BIN" --list '*sys_*_getppid' 2>&1)
	expect "--list: a bare pattern without kprobes lists tracepoints only" \
		"rc=0 tracepoint:syscalls:sys_enter_getppid
tracepoint:syscalls:sys_exit_getppid" "rc=$? $out"
	"$BIN" --list >"$TMP/all.got" 2>&1
	expect_file "--list alone: every tracepoint (no kprobes here)" "$TMP/tp.want" "$TMP/all.got"
else
	skip "--list kprobe: on a kernel without kprobes" "this kernel has kprobes"
fi

# --- --web.config.file: TLS, client certificates, basic auth; HTTP limits ----
# certificates and bcrypt hashes are made here, at test time
W=$TMP/web
mkdir -p "$W"
if (cd "$W" && exec >/dev/null 2>&1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -days 2 -subj /CN=bpfprom-test-ca &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
		-out server.csr -subj /CN=localhost &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
		-days 2 -extfile san.ext &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key \
		-out client.csr -subj /CN=prometheus &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue.key \
		-out rogue.pem -days 2 -subj /CN=rogue); then
	HASH=$($BUILD/workload/bcrypt_hash secret 12)
	printf 'metrics:\n  - name: web_getppid_total\n    help: getppid calls.\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n' >"$W/m.yaml"
	cat >"$W/web.yml" <<Y
tls_server_config:
  cert_file: server.pem
  key_file: server.key
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: $HASH
Y
	# code [CURL-ARGS...] PATH: the status (000 when no HTTP answer came)
	code() {
		p=$1
		shift
		curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@" "https://$ADDR$p" 2>/dev/null
	}
	# refused NAME PATH CURL_ARGS...: no HTTP answer (000), which a crashed
	# server gives too: so the server must still be there
	refused() {
		r_name=$1
		shift
		expect "$r_name (no answer; the server lives on)" "000 alive" "$(code "$@") $(alive "$PID" && echo alive)"
	}
	if start "$W/m.yaml" --web.config.file="$W/web.yml"; then
		expect "web: TLS scrape with the CA and the right password is 200" 200 \
			"$(code /metrics --cacert "$W/ca.pem" -u alice:secret)"
		expect "web: the metrics come over TLS" 1 \
			"$(curl -sS --cacert "$W/ca.pem" -u alice:secret "https://$ADDR/metrics" | grep -c '^# TYPE web_getppid_total counter')"
		expect "web: plain HTTP to the TLS port gets no HTTP answer" 000 \
			"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics" 2>/dev/null)"
		expect "web: the server certificate does not verify without the CA" 000 \
			"$(code /metrics -u alice:secret)"
		expect "web: wrong password is 401 with WWW-Authenticate" '401 Basic realm="bpfprom"' \
			"$(curl -sS --cacert "$W/ca.pem" -u alice:wrong -D "$TMP/h" -o /dev/null -w '%{http_code}' "https://$ADDR/metrics"; printf ' %s' "$(sed -n 's/^WWW-Authenticate: \(.*\)\r$/\1/p' "$TMP/h")")"
		expect "web: unknown user is 401" 401 "$(code /metrics --cacert "$W/ca.pem" -u bob:secret)"
		expect "web: no credentials is 401 with WWW-Authenticate" '401 Basic realm="bpfprom"' \
			"$(curl -sS --cacert "$W/ca.pem" -D "$TMP/h" -o /dev/null -w '%{http_code}' "https://$ADDR/metrics"; printf ' %s' "$(sed -n 's/^WWW-Authenticate: \(.*\)\r$/\1/p' "$TMP/h")")"
		expect "web: auth guards the landing page and unknown paths too" "401 401 200 404" \
			"$(code / --cacert "$W/ca.pem") $(code /nope --cacert "$W/ca.pem") $(code / --cacert "$W/ca.pem" -u alice:secret) $(code /nope --cacert "$W/ca.pem" -u alice:secret)"
		expect "web: configured headers on answers and on 401s" "deny deny" \
			"$(curl -sS --cacert "$W/ca.pem" -u alice:secret -D - -o /dev/null "https://$ADDR/metrics" | sed -n 's/^X-Frame-Options: \(.*\)\r$/\1/p') $(curl -sS --cacert "$W/ca.pem" -D - -o /dev/null "https://$ADDR/metrics" | sed -n 's/^X-Frame-Options: \(.*\)\r$/\1/p')"
		# bcrypt (cost 12, ~0.3 s a check) runs off the event loop: eight wrong
		# passwords queued at once do not hold up a scrape whose pair passed before
		guesses=
		for i in 1 2 3 4 5 6 7 8; do
			curl -sS --cacert "$W/ca.pem" -u "alice:wrong$i" -o /dev/null "https://$ADDR/metrics" 2>/dev/null &
			guesses="$guesses $!"
		done
		sleep 0.2
		t=$(curl -sS --cacert "$W/ca.pem" -u alice:secret -o /dev/null -w '%{http_code} %{time_total}' "https://$ADDR/metrics")
		wait_code=${t% *}
		fast=$(echo "${t#* } < 1.0" | bc)
		wait $guesses
		expect "web: a cached scrape answers while 8 bcrypt checks are queued" "200 1" "$wait_code $fast"
		# a client that opens TLS and never says anything stalls nobody
		bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; sleep 20' "${ADDR##*:}" 2>/dev/null &
		idle=$!
		sleep 0.2
		expect "web: a silent TLS client does not stall a scrape" 200 \
			"$(code /metrics --cacert "$W/ca.pem" -u alice:secret --max-time 3)"
		kill $idle 2>/dev/null
		# every connection waiting for bcrypt is resumed (503) before the server stops
		guesses=
		for i in 1 2 3 4 5 6 7 8; do
			curl -sS --cacert "$W/ca.pem" -u "alice:late$i" -o /dev/null "https://$ADDR/metrics" 2>/dev/null &
			guesses="$guesses $!"
		done
		sleep 0.3
		stop
		wait $guesses
		expect "web: SIGTERM with 8 bcrypt checks queued exits 0" 0 "$RC"
	fi

	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n' >"$W/mtls.yml"
	if start "$W/m.yaml" --web.config.file="$W/mtls.yml"; then
		refused "web: mTLS without a client certificate fails" /metrics --cacert "$W/ca.pem"
		expect "web: mTLS with a client certificate of the CA is 200" 200 \
			"$(code /metrics --cacert "$W/ca.pem" --cert "$W/client.pem" --key "$W/client.key")"
		refused "web: mTLS with a certificate of another CA fails" \
			/metrics --cacert "$W/ca.pem" --cert "$W/rogue.pem" --key "$W/rogue.key"
		refused "web: mTLS refuses TLS 1.2 clients without a certificate too" \
			/metrics --cacert "$W/ca.pem" --tls-max 1.2
		expect "web: mTLS: still serving a good client after the refusals" 200 \
			"$(code /metrics --cacert "$W/ca.pem" --cert "$W/client.pem" --key "$W/client.key")"
		stop "web: mTLS"
	fi

	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n' >"$W/ifgiven.yml"
	if start "$W/m.yaml" --web.config.file="$W/ifgiven.yml"; then
		expect "web: VerifyClientCertIfGiven: none, the CA's, another CA's" "200 200 000" \
			"$(code /metrics --cacert "$W/ca.pem") $(code /metrics --cacert "$W/ca.pem" --cert "$W/client.pem" --key "$W/client.key") $(code /metrics --cacert "$W/ca.pem" --cert "$W/rogue.pem" --key "$W/rogue.key")"
		expect "web: VerifyClientCertIfGiven: still serving after refusing another CA's" "alive 200" \
			"$(alive "$PID" && echo alive) $(code /metrics --cacert "$W/ca.pem")"
		stop "web: VerifyClientCertIfGiven"
	fi

	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\n' >"$W/tls13.yml"
	if start "$W/m.yaml" --web.config.file="$W/tls13.yml"; then
		refused "web: min_version TLS13 refuses a --tls-max 1.2 client" /metrics --cacert "$W/ca.pem" --tls-max 1.2
		expect "web: min_version TLS13 serves a TLS 1.3 client" "200 TLSv1.3" \
			"$(curl -sS -v --cacert "$W/ca.pem" -o /dev/null -w '%{http_code}' "https://$ADDR/metrics" 2>"$TMP/v"; printf ' %s' "$(sed -n 's/^\* SSL connection using \(TLSv1\.3\) .*/\1/p' "$TMP/v")")"
		stop "web: min_version TLS13"
	fi

	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: nope.key\n' >"$W/bad.yml"
	out=$("$BIN" --config.file="$W/m.yaml" --web.listen-address=127.0.0.1:0 --web.config.file="$W/bad.yml" 2>&1)
	expect "web: a bad web config exits 1 with its exact message" \
		"rc=1 error: web-config: $W/bad.yml:3:13: tls_server_config.key_file: cannot read \"$W/nope.key\": No such file or directory" \
		"rc=$? $out"
	printf 'basic_auth_users:\n  alice: secret\n' >"$W/bad.yml"
	out=$("$BIN" --config.file="$W/m.yaml" --web.listen-address=127.0.0.1:0 --web.config.file="$W/bad.yml" 2>&1)
	expect "web: a plain password instead of a bcrypt hash exits 1" \
		"rc=1 error: web-config: $W/bad.yml:2:10: basic_auth_users.alice: not a bcrypt hash (expected \$2y\$, \$2b\$ or \$2a\$, a cost 04..31 and 53 characters, 60 in all); make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'" \
		"rc=$? $out"

	# limits, on plain HTTP
	if start "$W/m.yaml" --web.connection-timeout=1 --web.max-connections-per-ip=3; then
		port=${ADDR##*:}
		# half a request: no blank line ends the headers
		bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf "GET /metrics HTTP/1.1\r\nHost: x\r\n" >&3; sleep 20' "$port" 2>/dev/null &
		half=$!
		wait_for "limits: bpfprom accepted the half request's connection" accepted 1
		expect "limits: a scrape is served while another client sent half a request" 200 \
			"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")"
		kill $half 2>/dev/null
		out=$(timeout 6 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf "GET /metrics HTTP/1.1\r\n" >&3; cat <&3; echo closed' "$port" 2>&1)
		expect "limits: the connection timeout closes a half request" "rc=0 closed" "rc=$? $out"
		bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; exec 4<>/dev/tcp/127.0.0.1/$0; exec 5<>/dev/tcp/127.0.0.1/$0; sleep 0.8' "$port" 2>/dev/null &
		held=$!
		wait_for "limits: bpfprom accepted the 3 held connections" accepted 3
		expect "limits: a 4th connection from one address is refused at --web.max-connections-per-ip=3" 000 \
			"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics" 2>/dev/null)"
		wait $held
		expect "limits: served again once those connections closed" 200 \
			"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")"
		expect "limits: 40 KiB of headers are refused with 431" 431 \
			"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "http://$ADDR/metrics")"
		stop
	fi
else
	not_ok "web: openssl made the test certificates" "openssl failed in $W"
fi

# --- keep-alive: scrapes reuse their connection, over HTTP and HTTPS ---------
KA=$TMP/keepalive
mkdir -p "$KA"
printf 'metrics:\n  - name: ka_getppid_total\n    help: getppid calls.\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n' >"$KA/m.yaml"
if start "$KA/m.yaml"; then
	out=$(curl -sS -v -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} ' \
		"http://$ADDR/metrics" "http://$ADDR/" "http://$ADDR/nope" 2>"$KA/v")
	expect "keep-alive: three requests over one HTTP connection" \
		"200 200 404 reused 2 close 0" \
		"${out}reused $(grep -c 'Re-using existing connection' "$KA/v") close $(grep -ci '^< Connection: close' "$KA/v")"
	stop
fi
if [ -f "$TMP/web/web.yml" ] && start "$KA/m.yaml" --web.config.file="$TMP/web/web.yml"; then
	out=$(curl -sS -v --cacert "$TMP/web/ca.pem" -u alice:secret -o /dev/null -o /dev/null \
		-w '%{http_code} ' "https://$ADDR/metrics" "https://$ADDR/metrics" 2>"$KA/v")
	expect "keep-alive: two scrapes over one TLS connection, one handshake" \
		"200 200 reused 1 handshakes 1" \
		"${out}reused $(grep -c 'Re-using existing connection' "$KA/v") handshakes $(grep -c '^\* SSL connection using' "$KA/v")"
	stop
else
	skip "keep-alive over TLS" "no web config from the web block"
fi

# --- flags, --config.check, request-line garbage, the TLS start-up line -----
FL=$TMP/flags
mkdir -p "$FL"
printf 'metrics:\n  - name: fl_getppid_total\n    help: getppid calls.\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n' >"$FL/m.yaml"
out=$("$BIN" --nope 2>&1)
expect "flags: an unknown flag is a flags: error, exit 2" \
	'rc=2 error: flags: unknown flag "--nope"; see --help' "rc=$? $out"
out=$("$BIN" --config.file 2>&1)
expect "flags: a flag without its value is a flags: error, exit 2" \
	'rc=2 error: flags: --config.file expects a value (--name=value); see --help' "rc=$? $out"
out=$("$BIN" --config.file="$FL/m.yaml" --web.listen-address=bad 2>&1)
expect "flags: a malformed --web.listen-address exits 2" \
	'rc=2 error: flags: --web.listen-address "bad": expected HOST:PORT, [IPV6]:PORT or :PORT with a port 0..65535' "rc=$? $out"
out=$("$BIN" --config.check --config.file="$FL/m.yaml" --web.telemetry-path=x 2>&1)
expect "flags: --config.check refuses a bad telemetry path, exit 2" \
	'rc=2 error: flags: --web.telemetry-path "x": must start with / and not be / itself' "rc=$? $out"
printf 'metrics:\n  - name: fl_ftrace_total\n    help: x.\n    probe: tracepoint:ftrace:function\n    aggregate: count\n' >"$FL/ftrace.yaml"
want="error: plan: $FL/ftrace.yaml:4:12: metrics[0] (fl_ftrace_total): probe: ftrace:function is one of ftrace's internal events, not a tracepoint: BPF cannot attach to it (use kprobe:FUNCTION or fentry for a function)"
out=$("$BIN" --config.check --config.file="$FL/ftrace.yaml" 2>&1)
rc=$?
out2=$("$BIN" --config.file="$FL/ftrace.yaml" --web.listen-address=127.0.0.1:0 2>&1)
expect "config.check: ftrace:function is refused, with start-up's message" \
	"rc=1 $want rc=1 $want" "rc=$rc $out rc=$? $out2"
if start "$FL/m.yaml"; then
	# libmicrohttpd 0.9.75 answers 400 to a malformed request line of two or
	# more words, and closes without an answer on one word (no URI)
	raw() { timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf "$1" >&3; head -c 12 <&3' "${ADDR##*:}" "$1" 2>/dev/null; }
	expect "http: a malformed request line gets 400; one word gets no answer" \
		"[HTTP/1.1 400] [HTTP/1.1 400] []" \
		"[$(raw 'a b c d\r\n\r\n')] [$(raw 'GET / HTTP/1.1\r\nbad header\r\n\r\n')] [$(raw 'garbage\r\n\r\n')]"
	stop
fi
if start "$FL/m.yaml" --log.level=debug; then
	stop
	expect "log: debug names each probe's mechanism, libbpf lines prefixed once" \
		"debug: loader: metrics[0] (fl_getppid_total): tracepoint:syscalls:sys_enter_getppid attached with tracepoint|0" \
		"$(grep 'attached with' "$TMP/log")|$(grep -c 'libbpf: libbpf:' "$TMP/log")"
fi
if [ -f "$TMP/web/web.yml" ] && start "$FL/m.yaml" --web.config.file="$TMP/web/web.yml"; then
	expect "log: the start-up line of an HTTPS listener says TLS" 1 \
		"$(grep -c "; TLS (https); listening on $ADDR\$" "$TMP/log")"
	stop
else
	skip "log: the TLS start-up line" "no web config from the web block"
fi

# --- an "int" syscall argument stored in 8 bytes is signed (args.dfd) -------
SG=$TMP/signed
mkdir -p "$SG"
cat >"$SG/m.yaml" <<'Y'
metrics:
  - name: sg_openat_total
    help: openat calls of the test process, by dfd.
    probe: tracepoint:syscalls:sys_enter_openat
    aggregate: count
    labels: [{name: dfd, source: args.dfd}]
    filter:
      - comm == "bpfp_dfd"
  - name: sg_openat_cwd_total
    help: openat calls relative to the working directory.
    probe: tracepoint:syscalls:sys_enter_openat
    aggregate: count
    filter:
      - comm == "bpfp_dfd"
      - args.dfd == -100
  - name: sg_openat_negative_total
    help: openat calls with a negative dfd.
    probe: tracepoint:syscalls:sys_enter_openat
    aggregate: count
    filter:
      - comm == "bpfp_dfd"
      - args.dfd < -1
Y
if start "$SG/m.yaml"; then
	# 5 opens relative to the working directory (AT_FDCWD, -100), 3 relative to a directory fd
	dfd=$(python3 -c '
import os
d = os.open("/dev", os.O_RDONLY)
with open("/proc/self/comm", "w") as f:
    f.write("bpfp_dfd")
for _ in range(5):
    os.close(os.open("/dev/null", os.O_RDONLY))
for _ in range(3):
    os.close(os.open("null", os.O_RDONLY, dir_fd=d))
print(d)')
	scrape >"$SG/m.txt"
	expect "fields: an int stored in 8 bytes is signed: args.dfd -100 labels, == and < filters" \
		"$(printf 'sg_openat_total{dfd="-100"} 5\nsg_openat_total{dfd="%s"} 3\nsg_openat_cwd_total 5\nsg_openat_negative_total 5' "$dfd")" \
		"$(for m in 'sg_openat_total{dfd="-100"}' "sg_openat_total{dfd=\"$dfd\"}" sg_openat_cwd_total sg_openat_negative_total; do awk -v m="$m" '$1 == m' "$SG/m.txt"; done)"
	stop
fi

# --- field paths and fetch args (README: Field paths and fetch args) ---------
if start $DIR/configs/paths.yaml; then
	# 12 getppid calls by three children of a shell named bpfp_psh
	sh -c "printf bpfp_psh >/proc/\$\$/comm; $WL bpfp_kid getppid 4; $WL bpfp_kid getppid 5; $WL bpfp_kid getppid 3; echo \$\$ >$TMP/psh.pid"
	psh=$(cat "$TMP/psh.pid")
	# UDP payloads of 10, 100 and 1000 bytes to its own socket: skbs of
	# 14 (ethernet) + 20 (IPv4) + 8 (UDP) bytes more on loopback
	python3 -c '
import socket
with open("/proc/self/comm", "w") as f:
    f.write("bpfp_udp")
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (10, 100, 1000):
    s.sendto(b"x" * n, r.getsockname())
'
	$WL bpfp_open open /etc/hostname 7
	scrape >"$TMP/paths.txt"
	expect "paths: task->real_parent->tgid label, str(task->real_parent->comm) filter: one shell's children, exact" \
		"bpfp_path_children_total{ppid=\"$psh\",parent=\"bpfp_psh\"} 12" \
		"$(grep '^bpfp_path_children_total' "$TMP/paths.txt")"
	expect "paths: integer paths as filter operands" \
		"bpfp_path_pid_match_total 12" "$(grep '^bpfp_path_pid_match_total' "$TMP/paths.txt")"
	expect "paths: ((struct sk_buff *)args.skbaddr)->len on net:net_dev_queue, exact sizes" \
		"$(printf 'bpfp_path_skb_bytes_sum 1236\nbpfp_path_skb_bytes_count 3\nbpfp_path_skb_bytes_min 52\nbpfp_path_skb_bytes_max 1042')" \
		"$(grep '^bpfp_path_skb_bytes' "$TMP/paths.txt")"
	expect "fetch args: +0(args.filename):ustring as a label, exact count" \
		'bpfp_fetch_open_total{path="/etc/hostname"} 7' \
		"$(grep '^bpfp_fetch_open_total' "$TMP/paths.txt")"
	# '/' is 47 (7 opens: 329), 'e' is 101; the x8 filter compares 47
	expect "fetch args: +u0(...):u8 value, +u1(...):s8 label, :x8 filter" \
		'bpfp_fetch_first_byte_total{second="101"} 329' \
		"$(grep '^bpfp_fetch_first_byte_total' "$TMP/paths.txt")"
	stop
fi

# a string path filter alone in its program: the scratch buffer it compares
# in is made for it (once it was made only for comm and str() filters)
cat >"$TMP/strpath.yaml" <<'Y'
metrics:
  - name: bpfp_strpath_total
    help: getppid calls of the children of the shell named bpfp_sph.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    filter:
      - str(task->real_parent->comm) == "bpfp_sph"
Y
if start "$TMP/strpath.yaml"; then
	sh -c "printf bpfp_sph >/proc/\$\$/comm; $WL bpfp_kid getppid 6; $WL bpfp_kid getppid 2"
	expect "paths: a str(task->real_parent->comm) filter alone, exact" \
		"bpfp_strpath_total 8" "$(scrape | grep '^bpfp_strpath_total')"
	stop
fi

# a path from the task loads through BTF-typed pointers: the program gets
# the task with bpf_get_current_task_btf and calls no bpf_probe_read_kernel
# for the three reads (README: Field paths, what a read costs); a cast's
# chain is numbers to the verifier and keeps its helper reads
cat >"$TMP/btfload.yaml" <<'Y'
metrics:
  - name: bpfp_btfload_total
    help: getppid calls by the tgid of the caller's grandparent.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels:
      - {name: gp, source: task->real_parent->real_parent->tgid}
    filter:
      - comm == "bpfp_btl"
  - name: bpfp_castload_total
    help: the same through a cast of the task.
    probe: tracepoint:syscalls:sys_enter_getpid
    aggregate: count
    labels:
      - {name: gp, source: "((struct task_struct *)task)->real_parent->real_parent->tgid"}
    filter:
      - comm == "bpfp_btl"
Y
if start "$TMP/btfload.yaml"; then
	sh -c "$WL bpfp_btl getppid 5 getpid 3; echo \$PPID >$TMP/btl.gp"
	gp=$(cat "$TMP/btl.gp")
	expect "paths: task->real_parent->real_parent->tgid through BTF loads, exact" \
		"$(printf 'bpfp_btfload_total{gp="%s"} 5\nbpfp_castload_total{gp="%s"} 3' "$gp" "$gp")" \
		"$(scrape | grep -E '^bpfp_(btf|cast)load_total')"
	calls=""
	for id in $(prog_ids); do
		bpftool prog dump xlated id "$id" 2>/dev/null >"$TMP/btl.x"
		calls="$calls$(grep -c 'call bpf_get_current_task_btf' "$TMP/btl.x") $(grep -c 'call bpf_probe_read_kernel#' "$TMP/btl.x")
"
	done
	expect "paths: the task path's program calls bpf_get_current_task_btf and no bpf_probe_read_kernel; the cast's reads with it" \
		"$(printf '0 1\n1 0')" "$(printf '%s' "$calls" | sort)"
	stop
fi

# what --config.check says of paths that cannot resolve, one line each
path_check() { # name source [probe] [env]
	cat >"$TMP/pchk.yaml" <<Y
metrics:
  - name: bpfp_pchk_total
    help: h.
    probe: ${3:-tracepoint:syscalls:sys_enter_getppid}
    aggregate: count
    labels:
      - {name: x, source: "$2"}
Y
	env ${4:-BPFPROM_PCHK=1} "$BIN" --config.file="$TMP/pchk.yaml" --config.check 2>&1
	echo "rc=$?"
}
P="plan: $TMP/pchk.yaml:7:27: metrics[0] (bpfp_pchk_total): labels[0]:"
expect "--config.check: an unknown member, with did-you-mean and the type" \
	"$(printf 'error: %s task->real_parnt->tgid: struct task_struct has no member "real_parnt" (did you mean "real_parent"?)\nrc=1' "$P")" \
	"$(path_check x 'task->real_parnt->tgid')"
expect "--config.check: . on a pointer" \
	"$(printf 'error: %s task->real_parent.tgid: .tgid: struct task_struct * is a pointer; use ->tgid\nrc=1' "$P")" \
	"$(path_check x 'task->real_parent.tgid')"
expect "--config.check: -> on a non-pointer" \
	"$(printf 'error: %s task->pid->x: ->x: pid_t is not a pointer; use .x\nrc=1' "$P")" \
	"$(path_check x 'task->pid->x')"
# thread_info's first member is flags on every architecture
out=$(path_check x 'task->thread_info')
expect "--config.check: a struct leaf lists its members" \
	"$(printf 'error: %s task->thread_info: struct thread_info is not an integer; pick a member: flags, ' "$P")" \
	"$(printf '%s\n' "$out" | head -1 | sed 's/\(pick a member: flags, \).*/\1/')"
expect "--config.check: a cast to a type BTF does not know" \
	"$(printf 'error: %s ((struct no_such *)args.skbaddr)->len: the cast'"'"'s type "struct no_such" is not in the kernel'"'"'s BTF\nrc=1' "$P")" \
	"$(path_check x '((struct no_such *)args.skbaddr)->len' tracepoint:net:net_dev_queue)"
expect "--config.check: a void * field without a cast" \
	"$(printf 'error: %s args.skbaddr->len: args.skbaddr of tracepoint:net:net_dev_queue is "void *", not a struct pointer; cast it, e.g. ((struct sk_buff *)args.skbaddr)->len\nrc=1' "$P")" \
	"$(path_check x 'args.skbaddr->len' tracepoint:net:net_dev_queue)"
expect "--config.check: more reads than a path may have" \
	"$(printf 'error: %s task->parent->parent->parent->parent->parent->parent->tgid: the path needs more than 6 reads (one per pointer, and the leaf); shorten it\nrc=1' "$P")" \
	"$(path_check x 'task->parent->parent->parent->parent->parent->parent->tgid')"
expect "--config.check: a kernel without BTF (BPFPROM_VMLINUX_BTF names a missing file)" \
	"$(printf 'error: %s task->tgid: this kernel has no BTF (/nonexistent/vmlinux): use +OFF(...) fetch args\nrc=1' "$P")" \
	"$(path_check x 'task->tgid' '' BPFPROM_VMLINUX_BTF=/nonexistent/vmlinux)"
expect "--config.check: fetch args need no BTF" \
	"$(printf 'config: %s: valid, 1 metric resolved against this kernel\nrc=0' "$TMP/pchk.yaml")" \
	"$(path_check x '+0(args.filename):ustring' tracepoint:syscalls:sys_enter_openat BPFPROM_VMLINUX_BTF=/nonexistent/vmlinux)"

. $DIR/rawtp.sh
# expressions: values, labels and filters computed in the kernel
. $DIR/expr.sh

# uprobes through tracefs uprobe_events (legacy), and in other mount namespaces
. $DIR/uprobe_legacy.sh
. $DIR/uprobe_container.sh
# profile:, software:, hardware: (perf events per CPU) and period
. $DIR/sample.sh
# wildcard probes, func, missing: skip
. $DIR/wild.sh

# series that retire: pid, cgroup, series_ttl
. tests/integration/retire.sh

# stack traces as labels: kstack, ustack
. tests/integration/stacks.sh
# decode: usym and the uip source
. tests/integration/usym.sh
# usdt: <sys/sdt.h> probes through libbpf
. tests/integration/usdt.sh
# OpenMetrics 2.0 and start timestamps
. tests/integration/starts.sh

# pairs: until. sources, until lists, any aggregate over pairs
. tests/integration/pairs.sh

# series_map: shared against the per-CPU default
. tests/integration/shared.sh
# start probes with a match and filters of their own
. tests/integration/ownprobe.sh

finish
