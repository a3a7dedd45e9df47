# SPDX-License-Identifier: GPL-2.0
# OpenMetrics 2.0 and start timestamps (README: Formats, Start timestamps):
# sourced by tests/integration/run.sh (lib.sh's helpers, TMP and WL). A
# series there at the first read starts when the config was loaded; one
# that appears later starts at the read before it (the scrape that did not
# see it); OpenMetrics 2.0's st@ and protobuf's created_timestamp (read by
# protoc --decode_raw) agree; a reload keeps the starts of what it keeps.
ST=$TMP/st
mkdir -p "$ST"
PY3=/usr/bin/python3
OM2='application/openmetrics-text;version=2.0.0'
OM1='application/openmetrics-text;version=1.0.0'
PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
now_ms() { date +%s%3N; }
# ms NUMBER: seconds (with up to three decimals, or 1.7e+09 forms) as ms
ms() { awk -v v="$1" 'BEGIN { printf "%.0f\n", v * 1000 }'; }
# st FILE SERIES: the start of SERIES (its om2check "start" line) in ms
st_of() { ms "$(awk -v s="$2" '$1 == "start" && $2 == s { print $3 }' "$1")"; }
# within LO X HI
within() { [ "$1" -le "$2" ] && [ "$2" -le "$3" ] && echo yes || echo "no: $2 not in [$1, $3]"; }

# st_config COMM: the config, st_all_total counting COMM's calls
st_config() {
	cat <<Y
metrics:
  - name: st_getppid_total
    help: getppid calls by comm.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [comm]
  - name: st_all_total
    help: getppid calls of one comm.
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    filter:
      - comm == "$1"
  - name: st_write_bytes
    help: write sizes of st_a.
    probe: tracepoint:syscalls:sys_enter_write
    aggregate: hist
    value: args.count
    schema: 3
    buckets: {min: 1, max: 128}
    filter:
      - comm == "st_a"
  - name: st_write_size
    help: write sizes of st_a.
    probe: tracepoint:syscalls:sys_enter_write
    aggregate: stats
    value: args.count
    filter:
      - comm == "st_a"
Y
}
# only this test's series: other processes on the machine call getppid too
mine() { awk '!/comm="/ || /comm="st_/' "$@"; }
st_config st_a >"$ST/st.yaml"
if ! command -v protoc >/dev/null; then
	skip "starts: protobuf created_timestamp read by protoc --decode_raw" "no protoc (sh tools/deps.sh installs protobuf-compiler)"
fi
t0=$(now_ms)
if start "$ST/st.yaml"; then
	t1=$(now_ms)
	$WL st_a getppid 5 write 0 1 2 3 100
	ta0=$(now_ms)
	scrape /metrics "$OM2" >"$ST/a.om2"
	ta1=$(now_ms)
	$WL st_b getppid 7
	curl -sS --max-time 10 -D "$ST/b.hdr" -o "$ST/b.om2" -H "Accept: $OM2" "http://$ADDR/metrics"
	scrape /metrics "$OM1" >"$ST/b.om1"
	scrape /metrics "$PB" >"$ST/b.pb"
	expect "starts: OpenMetrics 2.0 when asked for by version" \
		"Content-Type: application/openmetrics-text; version=2.0.0; charset=utf-8" \
		"$(grep -i '^content-type:' "$ST/b.hdr" | tr -d '\r')"
	if $PY3 tests/integration/om2check.py om2 "$ST/b.om2" >"$ST/b.om2.txt" 2>"$ST/err"; then
		ok "starts: the OpenMetrics 2.0 exposition follows the draft's grammar"
	else
		not_ok "starts: the OpenMetrics 2.0 exposition follows the draft's grammar" "$(cat "$ST/err")"
	fi
	loaded=$(ms "$(sed -n 's/^bpfprom_config_last_load_success_timestamp_seconds //p' "$ST/b.om1")")
	expect "starts: the config's load time is taken before the start and before it listens" \
		yes "$(within "$t0" "$loaded" "$t1")"
	expect "starts: series there at the first read start at the load; st_b at the read before it" \
		"$(printf '%s\n' "$loaded" "$loaded" "$loaded" "$loaded" "$loaded" yes)" \
		"$(for s in 'st_getppid_total{comm="st_a"}' 'st_all_total{}' 'st_write_bytes{}' 'st_write_size{}' 'bpfprom_scrapes_total{}'; do
			st_of "$ST/b.om2.txt" "$s"
		done
		within "$ta0" "$(st_of "$ST/b.om2.txt" 'st_getppid_total{comm="st_b"}')" "$ta1")"
	expect "starts: exact values beside the starts" \
		"$(printf '%s\n' 'native st_write_bytes{} schema=3 zero_threshold=1 zero_count=2 spans=8:1,4:1,40:1 buckets=1,1,1' 'sample st_all_total{} 5' 'sample st_getppid_total{comm="st_a"} 5' 'sample st_getppid_total{comm="st_b"} 7' 'sample st_write_bytes_count{} 5' 'sample st_write_bytes_sum{} 106' 'sample st_write_size_count{} 5' 'sample st_write_size_max{} 100' 'sample st_write_size_min{} 0' 'sample st_write_size_sum{} 106')" \
		"$(grep -e '^sample st_' -e '^native st_' "$ST/b.om2.txt" | grep -v '_bucket{' | mine)"
	expect "starts: gauges carry none; counters, histograms and summaries do" \
		"" "$(grep '^start ' "$ST/b.om2.txt" | grep -e _min -e _max -e bpfprom_metric_series -e bpfprom_build_info)"
	# the same data read by python3-prometheus-client's OpenMetrics 1.0 parser
	if $PY3 tests/e2e/omparse.py "http://$ADDR/metrics" "$OM1" >"$ST/ref.txt" 2>"$ST/err"; then
		expect "starts: the OpenMetrics 2.0 values are those the reference OpenMetrics 1.0 parser reads" \
			"$(grep -e '^sample st_' "$ST/ref.txt" | mine)" \
			"$(grep -e '^sample st_' "$ST/b.om2.txt" | mine)"
	else
		not_ok "starts: the reference OpenMetrics 1.0 parser reads the scrape" "$(cat "$ST/err")"
	fi
	expect "starts: OpenMetrics 1.0 carries no start (no _created, no st@)" \
		0 "$(grep -c -e '_created' -e 'st@' "$ST/b.om1")"
	if command -v protoc >/dev/null; then
		if $PY3 tests/integration/om2check.py pb "$ST/b.pb" >"$ST/b.pb.all" 2>"$ST/err"; then
			mine "$ST/b.pb.all" >"$ST/b.pb.txt"
			grep '^start ' "$ST/b.om2.txt" | mine >"$ST/b.om2.st"
			expect_file "starts: protobuf's created_timestamp (read by protoc --decode_raw) is OpenMetrics 2.0's st@, series by series" \
				"$ST/b.om2.st" "$ST/b.pb.txt"
		else
			not_ok "starts: protoc --decode_raw reads the protobuf scrape" "$(cat "$ST/err")"
		fi
	fi
	# a reload keeps st_getppid_total (and its starts) and loads st_all_total anew
	st_config st_c >"$ST/st.yaml"
	tr0=$(now_ms)
	hup >/dev/null
	tr1=$(now_ms)
	scrape /metrics "$OM2" >"$ST/c.om2"
	$PY3 tests/integration/om2check.py om2 "$ST/c.om2" >"$ST/c.om2.txt" 2>"$ST/err"
	reloaded_at=$(st_of "$ST/c.om2.txt" 'st_all_total{}')
	expect "starts: a reload keeps the starts of a kept metric; a metric loaded anew starts at the reload" \
		"$(printf '%s\n' "$loaded" "$(st_of "$ST/b.om2.txt" 'st_getppid_total{comm="st_b"}')" "$loaded" yes 'sample st_all_total{} 0')" \
		"$(st_of "$ST/c.om2.txt" 'st_getppid_total{comm="st_a"}'
		st_of "$ST/c.om2.txt" 'st_getppid_total{comm="st_b"}'
		st_of "$ST/c.om2.txt" 'bpfprom_scrapes_total{}'
		within "$tr0" "$reloaded_at" "$tr1"
		grep '^sample st_all_total' "$ST/c.om2.txt")"
	stop "starts"
fi
