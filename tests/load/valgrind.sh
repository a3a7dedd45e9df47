#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# build/bpfprom under valgrind's memcheck through a start, scrapes in every
# format, a SIGHUP (reload) and a SIGTERM: exit 0, no invalid access, no
# definitely or indirectly lost block. Needs root (BPF) and valgrind.
# Suppressions (tests/load/valgrind.supp) hide valgrind's own mistakes about
# bpf(2) only. Closes with: valgrind: N passed, N failed, N skipped
SUITE=valgrind
. tests/lib.sh
WL=$BUILD/workload
DIR=tests/load

need_root
if ! command -v valgrind >/dev/null; then
	not_ok "valgrind suite: valgrind is installed" "run make deps (tools/deps.sh installs it)"
	finish
fi
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then
	skip "valgrind suite" "$BIN is an ASan build; valgrind needs the plain one"
	finish
fi

sed "s|@WL@|$WL/hostile|g" $DIR/configs/valgrind.yaml.in >"$TMP/vg.yaml"
# loading (and reloading, and exiting) under valgrind takes seconds
START_SECS=60 HUP_SECS=60 STOP_SECS=60
RUNAS="valgrind --suppressions=$DIR/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$TMP/vg.log"
if ! try_start "$TMP/vg.yaml"; then
	not_ok "valgrind: bpfprom starts under valgrind" "$(cat "$TMP/log")" "$(tail -20 "$TMP/vg.log")"
	finish
fi
RUNAS=
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

expect "valgrind: SIGHUP reloads (every metric kept)" \
	"reload: $TMP/vg.yaml: $(grep -c '^  - name:' "$TMP/vg.yaml") metrics: $(grep -c '^  - name:' "$TMP/vg.yaml") kept with their counts, 0 loaded anew" \
	"$(hup)"
expect "valgrind: still serving after SIGHUP" 200 "$(get after '')"
stop
expect "valgrind: SIGTERM exits 0 (99 would be an error valgrind found)" 0 "$RC"
expect "valgrind: no error (invalid access, uninitialised value, lost block)" \
	"ERROR SUMMARY: 0 errors" \
	"$(sed -n 's/^==[0-9]*== \(ERROR SUMMARY: [0-9]* errors\).*/\1/p' "$TMP/vg.log")"
echo "     ($(sed -n 's/^==[0-9]*== *\(total heap usage: .*\)/\1/p' "$TMP/vg.log"))"
if [ "$FAIL" -ne 0 ]; then
	grep -v 'WARNING: unhandled eBPF command' "$TMP/vg.log" | head -60
fi
finish
