#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# build/bpfprom under valgrind's memcheck through a start, scrapes in every
# format, a SIGHUP (reload) and a SIGTERM: exit 0, no invalid access, no
# definitely or indirectly lost block. Needs root (BPF) and valgrind.
# Suppressions (tests/load/valgrind.supp) hide valgrind's own mistakes about
# bpf(2) only. Closes with: valgrind: N passed, N failed, N skipped
BUILD=${BUILD:-build}
BIN=$BUILD/bpfprom
WL=$BUILD/workload
DIR=tests/load
TMP=$(mktemp -d)
PASS=0 FAIL=0 SKIP=0
PID=

cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$KEEP_TMP" ] || rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       $l"; done; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $1 ($2)"; }
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
finish() {
	echo "valgrind: $PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" -eq 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	skip "valgrind suite" "needs root"
	finish
fi
if ! command -v valgrind >/dev/null; then
	not_ok "valgrind suite: valgrind is installed" "run make deps (tools/deps.sh installs it)"
	finish
fi
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then
	skip "valgrind suite" "$BIN is an ASan build; valgrind needs the plain one"
	finish
fi

sed "s|@WL@|$WL/hostile|g" $DIR/configs/valgrind.yaml.in >"$TMP/vg.yaml"
valgrind --suppressions=$DIR/valgrind.supp --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$TMP/vg.log" \
	"$BIN" --config.file="$TMP/vg.yaml" --web.listen-address=127.0.0.1:0 2>"$TMP/log" &
PID=$!
ADDR=
# loading under valgrind takes seconds
for _ in $(seq 600); do
	ADDR=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$TMP/log")
	[ -n "$ADDR" ] && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$ADDR" ]; then
	not_ok "valgrind: bpfprom starts under valgrind" "$(cat "$TMP/log")" "$(tail -20 "$TMP/vg.log")"
	finish
fi
ok "valgrind: bpfprom starts under valgrind"

$WL/hostile
get() { # NAME ACCEPT [gzip]
	curl -sS --max-time 30 ${2:+-H "Accept: $2"} ${3:+-H "Accept-Encoding: gzip"} \
		-o "$TMP/$1" -w '%{http_code}' "http://$ADDR${4:-/metrics}"
}
ACCEPT_OM='application/openmetrics-text;version=1.0.0'
ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
codes=
for f in "text:" "om:$ACCEPT_OM" "pb:$ACCEPT_PB"; do
	codes="$codes $(get "${f%%:*}" "${f#*:}") $(get "${f%%:*}.gz" "${f#*:}" gzip)"
done
codes="$codes $(get landing '' '' /)"
expect "valgrind: text, OpenMetrics, protobuf, each plain and gzipped, and the landing page answer 200" \
	" 200 200 200 200 200 200 200" "$codes"
expect "valgrind: the scrape is exact under valgrind (merged U+FFFD names, 4 + 12 calls)" \
	"$(printf 'vg_calls_total{comm="\357\277\275",arg="\357\277\275"} 16')" \
	"$(grep -a "^vg_calls_total{comm=\"$(printf '\357\277\275')\"" "$TMP/text")"
expect "valgrind: a decoded label (syscall) is in the scrape" 1 \
	"$(grep -c '^vg_syscalls_total{syscall="prctl"} 1$' "$TMP/text")"
expect "valgrind: the protobuf body decodes" 0 "$("$WL/pbdump" <"$TMP/pb" >/dev/null; echo $?)"

kill -HUP "$PID"
sleep 2
expect "valgrind: still serving after SIGHUP" 200 "$(get after '')"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
expect "valgrind: SIGTERM exits 0 (99 would be an error valgrind found)" 0 "$rc"
expect "valgrind: no error (invalid access, uninitialised value, lost block)" \
	"ERROR SUMMARY: 0 errors" \
	"$(sed -n 's/^==[0-9]*== \(ERROR SUMMARY: [0-9]* errors\).*/\1/p' "$TMP/vg.log")"
echo "     ($(sed -n 's/^==[0-9]*== *\(total heap usage: .*\)/\1/p' "$TMP/vg.log"))"
if [ "$FAIL" -ne 0 ]; then
	grep -v 'WARNING: unhandled eBPF command' "$TMP/vg.log" | head -60
fi
finish
