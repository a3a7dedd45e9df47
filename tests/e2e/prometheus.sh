#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# End to end: Debian's Prometheus scrapes bpfprom on loopback while a known
# workload runs; the answers of Prometheus's HTTP API are checked exactly.
# Closes with: e2e: N passed, N failed, N skipped
SUITE=e2e
. tests/lib.sh
WL=$BUILD/workload/syscalls
DIR=tests/e2e
PROM=
cleanup() { [ -n "$PROM" ] && kill -9 "$PROM" 2>/dev/null; }
AT_EXIT=cleanup

for tool in prometheus jq curl; do
	if ! command -v $tool >/dev/null; then
		skip "e2e with Prometheus" "$tool is not installed"
		finish
	fi
done
if [ "$(id -u)" != 0 ]; then
	skip "e2e with Prometheus" "needs root"
	finish
fi

# start_bpfprom [FLAGS...]: sets PID and ADDR
start_bpfprom() { start $DIR/configs/e2e.yaml "$@"; }

# start_prom SCRAPE_CONFIG_YAML [FLAGS...]: Prometheus on a port the kernel
# picks (its log names it) with a fresh data dir; sets PROM and PADDR once it
# answers. Its failure to start is a failure.
start_prom() {
	rm -rf "$TMP/data"
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n%s\n' "$1" >"$TMP/prom.yml"
	shift
	: >"$TMP/prom.log"
	prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/data" \
		--web.listen-address=127.0.0.1:0 "$@" >"$TMP/prom.log" 2>&1 &
	PROM=$!
	until_true 30 prom_ready && alive "$PROM" && return 0
	not_ok "prometheus starts" "$(tail -20 "$TMP/prom.log")"
	return 1
}
prom_ready() {
	PADDR=$(sed -n 's/.*msg="Listening on" address=\([0-9.:]*\).*/\1/p' "$TMP/prom.log" | head -1)
	[ -n "$PADDR" ] && curl -sf "http://$PADDR/-/ready" >/dev/null 2>&1 && return 0
	# a Prometheus that died ends the wait
	! alive "$PROM"
}

stop_all() {
	kill -TERM "$PROM" 2>/dev/null
	wait "$PROM" 2>/dev/null
	PROM=
	stop "bpfprom"
}

# query PROMQL: the API's JSON answer for an instant query
query() { curl -sS --max-time 10 "http://$PADDR/api/v1/query" --data-urlencode "query=$1"; }

# wait_query PROMQL JQ WANT: poll until the jq view of the answer is WANT
# (30 s), printing the last view
wait_query() {
	for _ in $(seq 60); do
		got=$(query "$1" | jq -c "$2" 2>/dev/null)
		[ "$got" = "$3" ] && break
		sleep 0.5
	done
	printf '%s' "$got"
}

# the workload runs before Prometheus starts, so every scrape sees the same totals
workload() {
	$WL e2e_cnt getppid 1234
	# ten writes of 100 bytes: all in (64, 128]
	$WL e2e_hist write 100 100 100 100 100 100 100 100 100 100
}

# --- classic: text format, counters and histogram_quantile ----------------------
if start_bpfprom; then
	workload
	if start_prom "  - job_name: bpfprom
    static_configs: [{targets: ['$ADDR']}]"; then
		expect "prometheus: the scrape target is up" '"1"' \
			"$(wait_query 'up{job="bpfprom"}' '.data.result[0].value[1]' '"1"')"
		expect "prometheus: the counter is the exact number of calls" '"1234"' \
			"$(wait_query 'e2e_getppid_total' '.data.result[0].value[1]' '"1234"')"
		# linear interpolation inside (64, 128]: 64 + 64 * 0.5
		expect "prometheus: histogram_quantile(0.5) over the classic buckets" '"96"' \
			"$(wait_query 'histogram_quantile(0.5, e2e_write_bytes_bucket)' '.data.result[0].value[1]' '"96"')"
		expect "prometheus: _count and _sum" '"10" "1000"' \
			"$(wait_query 'e2e_write_bytes_count' '.data.result[0].value[1]' '"10"') $(wait_query 'e2e_write_bytes_sum' '.data.result[0].value[1]' '"1000"')"
	fi
	stop_all
fi

# --- native histograms: Prometheus asks for protobuf and stores schema 0 ------
if start_bpfprom; then
	workload
	if start_prom "  - job_name: bpfprom
    static_configs: [{targets: ['$ADDR']}]" --enable-feature=native-histograms; then
		# ten values of 100 in the native bucket (64, 128]: index 7 of schema 0
		expect "prometheus native: the log2 hist is stored as a native histogram" \
			'{"count":"10","sum":"1000","buckets":[[0,"64","128","10"]]}' \
			"$(wait_query 'e2e_write_bytes' '.data.result[0].histogram[1]' '{"count":"10","sum":"1000","buckets":[[0,"64","128","10"]]}')"
		expect "prometheus native: histogram_count and histogram_sum" '"10" "1000"' \
			"$(wait_query 'histogram_count(e2e_write_bytes)' '.data.result[0].value[1]' '"10"') $(wait_query 'histogram_sum(e2e_write_bytes)' '.data.result[0].value[1]' '"1000"')"
		expect "prometheus native: the counter arrives through protobuf too" '"1234"' \
			"$(wait_query 'e2e_getppid_total' '.data.result[0].value[1]' '"1234"')"
	fi
	stop_all
fi

# --- schema 3: native buckets of 2^(1/8), in bytes and in seconds --------------
UW=$BUILD/workload/uprobe_target
sed "s|@WL@|$(realpath $UW)|g" $DIR/configs/schema.yaml.in >"$TMP/schema.yaml"
if start "$TMP/schema.yaml"; then
	# 1..100 once each: count 100, sum 5050, median 50 in (2^(45/8), 2^(46/8)]
	$UW e2e_s3 values $(seq 1 100)
	$UW e2e_slat sleep 9 17
	scrape >"$TMP/schema.txt"
	if start_prom "  - job_name: bpfprom
    static_configs: [{targets: ['$ADDR']}]" --enable-feature=native-histograms; then
		expect "prometheus schema 3: histogram_count and histogram_sum exact" '"100" "5050"' \
			"$(wait_query 'histogram_count(e2e_value_bytes)' '.data.result[0].value[1]' '"100"') $(wait_query 'histogram_sum(e2e_value_bytes)' '.data.result[0].value[1]' '"5050"')"
		q50=$(query 'histogram_quantile(0.5, e2e_value_bytes)' | jq -r '.data.result[0].value[1]')
		# within one bucket of the true median's: (2^(44/8), 2^(47/8)] = (45.25, 58.69]
		expect "prometheus schema 3: histogram_quantile(0.5) within one bucket of the median 50 (got $q50)" \
			yes "$(awk -v q="$q50" 'BEGIN { print (q > 2^(44/8) && q <= 2^(47/8)) ? "yes" : "no" }')"
		# every native bucket is the difference of the classic buckets at its
		# bounds (text scrape of the same metric); 100 values, none lost
		native=$(wait_query 'e2e_value_bytes' '.data.result[0].histogram[1].count' '"100"' >/dev/null
			query 'e2e_value_bytes' | jq -r '.data.result[0].histogram[1].buckets[] | "\(.[1]) \(.[2]) \(.[3])"')
		expect "prometheus schema 3: native buckets agree with the classic le buckets of the text scrape" \
			"ok 100" "$(printf '%s\n' "$native" | awk -v f="$TMP/schema.txt" '
				function cum(x,  i, best) { best = 0
					for (i = 1; i <= n; i++) if (le[i] <= x * (1 + 1e-12)) best = c[i]
					return best }
				BEGIN { while ((getline l < f) > 0) if (l ~ /^e2e_value_bytes_bucket\{le="[0-9]/) {
						match(l, /le="[^"]*"/); le[++n] = substr(l, RSTART + 4, RLENGTH - 5) + 0
						split(l, a, " "); c[n] = a[2] } }
				{ lo = ($1 == "-0") ? -1 : $1 + 0; want = cum($2 + 0) - (lo < 0 ? 0 : cum(lo))
				  if (want != $3) bad = bad " (" $1 "," $2 "]: " $3 " != " want; total += $3 }
				END { print (bad == "" ? "ok" : bad), total }')"
		expect "prometheus schema 3 in seconds: the latency arrives as a native histogram of 2 sleeps" \
			'"2" 2' \
			"$(wait_query 'e2e_sleep_seconds' '.data.result[0].histogram[1].count' '"2"') $(query 'e2e_sleep_seconds' | jq -r '.data.result[0].histogram[1].buckets | length')"
	fi
	stop_all
fi

# --- TLS and basic auth: a scrape_config as README gives it ---------------------
W=$TMP/tls
mkdir -p "$W"
if (cd "$W" && exec >/dev/null 2>&1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -days 2 -subj /CN=bpfprom-e2e-ca &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
		-out server.csr -subj /CN=localhost &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
		-days 2 -extfile san.ext); then
	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  prometheus: %s\n' \
		"$($BUILD/workload/bcrypt_hash s3cret 10)" >"$W/web.yml"
	if start_bpfprom --web.config.file="$W/web.yml"; then
		workload
		if start_prom "  - job_name: bpfprom
    scheme: https
    tls_config: {ca_file: $W/ca.pem}
    basic_auth: {username: prometheus, password: s3cret}
    static_configs: [{targets: ['$ADDR']}]
  - job_name: wrong_password
    scheme: https
    tls_config: {ca_file: $W/ca.pem}
    basic_auth: {username: prometheus, password: guess}
    static_configs: [{targets: ['$ADDR']}]"; then
			expect "prometheus TLS + basic auth: the target is up" '"1"' \
				"$(wait_query 'up{job="bpfprom"}' '.data.result[0].value[1]' '"1"')"
			expect "prometheus TLS + basic auth: the exact counter" '"1234"' \
				"$(wait_query 'e2e_getppid_total{job="bpfprom"}' '.data.result[0].value[1]' '"1234"')"
			expect "prometheus TLS + basic auth: a wrong password leaves its target down" '"0"' \
				"$(wait_query 'up{job="wrong_password"}' '.data.result[0].value[1]' '"0"')"
			expect "prometheus TLS + basic auth: Prometheus reports the 401" \
				'"server returned HTTP status 401 Unauthorized"' \
				"$(curl -sS "http://$PADDR/api/v1/targets" | jq -c '.data.activeTargets[] | select(.labels.job == "wrong_password") | .lastError')"
		fi
		stop_all
	fi
else
	not_ok "e2e: openssl made the test certificates" "openssl failed in $W"
fi

# --- reference parsers nobody here wrote read every format ----------------------
# Prometheus's own expfmt (Debian's golang-github-prometheus-common-dev) reads
# text and protobuf, python3-prometheus-client's parser reads OpenMetrics;
# each prints what it understood in the same lines (tests/e2e/refparse,
# tests/e2e/omparse.py), which must agree with each other and with the
# workload's known counts.
CT_PB="application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
A_PB="application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
# the formats: NAME PARSER ACCEPT CONTENT-TYPE (| separated); OpenMetrics 2.0
# has no packaged parser: tests/integration/om2check.py (ours) reads it
FORMATS="text 0.0.4|text|text/plain;version=0.0.4|text/plain; version=0.0.4; charset=utf-8
text 1.0.0|text|text/plain;version=1.0.0;escaping=allow-utf-8|text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8
protobuf|proto|$A_PB|$CT_PB
protobuf escaping=underscores|proto|$A_PB;escaping=underscores|$CT_PB; escaping=underscores
OpenMetrics 1.0.0|om|application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2|application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8
OpenMetrics 0.0.1|om|application/openmetrics-text;version=0.0.1|application/openmetrics-text; version=0.0.1; charset=utf-8
OpenMetrics 2.0.0|om2|application/openmetrics-text;version=2.0.0;escaping=allow-utf-8|application/openmetrics-text; version=2.0.0; charset=utf-8; escaping=allow-utf-8"
# Debian's python3 (a python3 earlier on PATH may not have the client)
PY=/usr/bin/python3
REF=$BUILD/e2e/refparse
mkdir -p "$BUILD/e2e/gopath"
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/prometheus/common/expfmt ]; then
	skip "reference parsers" "golang-go or golang-github-prometheus-common-dev is not installed"
elif ! $PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	skip "reference parsers" "python3-prometheus-client is not installed"
elif ! GO111MODULE=off GOPATH=/usr/share/gocode:$PWD/$BUILD/e2e/gopath GOPROXY=off \
	GOCACHE=$PWD/$BUILD/e2e/gocache go build -o "$REF" ./tests/e2e/refparse >"$TMP/go.log" 2>&1; then
	not_ok "reference parsers: refparse builds offline in GOPATH mode" "$(head -20 "$TMP/go.log")"
elif start_bpfprom; then
	workload
	# the lines every parser must print for the workload: all 67 buckets of
	# the log2 hist (0, 2^0 .. 2^64, +Inf), 10 of them above 64
	want=$TMP/want
	{
		echo 'family e2e_getppid_total counter'
		echo 'family e2e_write_bytes histogram'
		echo 'sample e2e_getppid_total{} 1234'
		echo 'sample e2e_write_bytes_bucket{le="+Inf"} 10'
		echo 'sample e2e_write_bytes_bucket{le="0"} 0'
		for k in $(seq 0 64); do
			le=$(awk -v k="$k" 'BEGIN { printf "%.17g", 2 ^ k }')
			echo "sample e2e_write_bytes_bucket{le=\"$le\"} $([ "$k" -ge 7 ] && echo 10 || echo 0)"
		done
		echo 'sample e2e_write_bytes_count{} 10'
		echo 'sample e2e_write_bytes_sum{} 1000'
	} | LC_ALL=C sort >"$want"
	first=
	while IFS='|' read -r name parser accept ctype; do
		out=$TMP/ref.$parser.$(echo "$name" | tr -c 'a-z0-9\n' _)
		who="reference parser ($parser)"
		[ "$parser" = om2 ] && who="the tests' own OpenMetrics 2.0 checker (om2check.py)"
		if [ "$parser" = om ]; then
			$PY tests/e2e/omparse.py "http://$ADDR/metrics" "$accept" >"$out" 2>"$out.err"
		elif [ "$parser" = om2 ]; then
			# no OpenMetrics 2.0 parser is packaged: the tests' own checker
			# of the draft's grammar reads it, and must agree with the others
			$PY tests/integration/om2check.py url "http://$ADDR/metrics" "$accept" >"$out" 2>"$out.err"
		else
			"$REF" "$parser" "http://$ADDR/metrics" "$accept" >"$out" 2>"$out.err"
		fi
		rc=$?
		if [ "$rc" != 0 ]; then
			not_ok "$who reads $name" "exit $rc: $(head -5 "$out.err")"
			continue
		fi
		expect "$who, $name: Content-Type" "content-type: $ctype" "$(head -1 "$out")"
		grep -E '^(family|sample) e2e_' "$out" | LC_ALL=C sort >"$out.e2e"
		expect_file "$who, $name: the workload's exact families and samples" "$want" "$out.e2e"
		# every family and series, not only the workload's, in every format:
		# the values of bpfprom's own metrics (scrape counts, durations,
		# memory) change from one scrape to the next, so names only
		grep '^family ' "$out" >"$out.fam"
		grep '^sample ' "$out" | sed 's/ [^ ]*$//' >"$out.series"
		if [ -z "$first" ]; then
			first=$out
			echo "       ($(wc -l <"$out.fam") families, $(wc -l <"$out.series") series)"
			continue
		fi
		expect_file "$who, $name: the same families as text 0.0.4" "$first.fam" "$out.fam"
		expect_file "$who, $name: the same series as text 0.0.4" "$first.series" "$out.series"
		# ten values of 100: native bucket index 7 of schema 0, (64, 128]
		[ "$parser" = proto ] &&
			expect "reference parser (proto), $name: the native histogram" \
				'native e2e_write_bytes{} schema=0 zero_threshold=0 zero_count=0 spans=7:1 deltas=10' \
				"$(grep '^native e2e_' "$out")"
	done <<EOF
$FORMATS
EOF
	stop "bpfprom (reference parsers)"
fi

finish
