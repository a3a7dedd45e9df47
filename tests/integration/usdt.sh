# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: usdt:/U: probes (<sys/sdt.h>) through libbpf's USDT
# support: exact counts, sums and buckets from argN as the notes type them,
# str(argN), two probes in one metric, latency between two probes, a
# semaphore, what a non-USDT program keeps out, --list, and the errors.
US_WL=$BUILD/workload/usdt_target
US_SEMA=$BUILD/workload/usdt_sema

# 18 rounds: bpfprom:req's arg1 takes 1 2 3 4 5 8 9 16 17 twice (sum 130,
# 65 with arg2 "even", 65 "odd"), arg0 is -3..14 (sum 99)
cat >"$TMP/usdt.yaml" <<Y
metrics:
  - name: bpfp_usdt_req_total
    help: bpfprom:req fired by the test.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: count
    filter: ['comm == "bpfp_usdt"']
  - name: bpfp_usdt_noargs_total
    help: bpfprom:noargs, named without its provider, through the alias.
    probe: U:$US_WL:noargs
    aggregate: count
    filter: ['comm == "bpfp_usdt"']
  - name: bpfp_usdt_sum_total
    help: arg1 summed by str(arg2).
    probe: usdt:$US_WL:bpfprom:req
    aggregate: sum
    value: arg1
    labels: [{name: s, source: str(arg2)}]
  - name: bpfp_usdt_hist
    help: arg1 in log2 buckets.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: hist
    value: arg1
    buckets: {min: 1, max: 32}
  - name: bpfp_usdt_lhist
    help: arg1 in linear buckets.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: lhist
    value: arg1
    buckets: {min: 0, max: 16, step: 4}
  - name: bpfp_usdt_stats
    help: arg0, an int32.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: stats
    value: arg0
  - name: bpfp_usdt_neg_total
    help: negative arg0.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: count
    filter: [arg0 < 0]
  - name: bpfp_usdt_small_total
    help: 1- and 2-byte arguments, signed and unsigned.
    probe: usdt:$US_WL:bpfprom:small
    aggregate: count
    labels:
      - {name: a, source: arg0}
      - {name: b, source: arg1}
      - {name: c, source: arg2}
      - {name: d, source: arg3}
  - name: bpfp_usdt_wide_total
    help: arg7 summed by arg6, arguments past a function's six.
    probe: usdt:$US_WL:bpfprom:wide
    aggregate: sum
    value: arg7
    labels:
      - {name: a6, source: arg6}
      - {name: a0, source: arg0}
  - name: bpfp_usdt_probes_total
    help: two providers' req, told apart.
    probe: [usdt:$US_WL:bpfprom:req, usdt:$US_WL:other:req]
    aggregate: count
    labels: [probe]
  - name: bpfp_usdt_wait_seconds
    help: start to done on one thread.
    probe: usdt:$US_WL:bpfprom:start
    until: usdt:$US_WL:bpfprom:done
    aggregate: hist
    value: latency
    unit: seconds
  - name: bpfp_usdt_match_seconds
    help: start to done paired by arg0.
    probe: usdt:$US_WL:bpfprom:start
    until: usdt:$US_WL:bpfprom:done
    match: {probe: arg0, until: arg0}
    aggregate: stats
    value: latency
    unit: seconds
  - name: bpfp_usdt_fetch_total
    help: fetch args from arg2, a pointer to user memory.
    probe: usdt:$US_WL:bpfprom:req
    aggregate: count
    labels: [{name: c, source: "+0(arg2):u8"}, {name: s, source: "+1(arg2):ustring"}]
  - name: bpfp_usdt_gated_total
    help: sema:gated, a probe with a semaphore.
    probe: usdt:$US_SEMA:sema:gated
    aggregate: count
Y

expect "usdt: a semaphore is 0 while nothing is attached, and the gated probe does not fire" \
	"fired 0 semaphore 0" "$($US_SEMA 1000)"
if start "$TMP/usdt.yaml"; then
	$US_WL bpfp_usdt 18
	us_sema=$($US_SEMA 1000)
	scrape >"$TMP/usdt.txt"
	expect "usdt: exact count of one probe (provider:name)" \
		'bpfp_usdt_req_total 18' "$(grep '^bpfp_usdt_req_total' "$TMP/usdt.txt")"
	expect "usdt: U:BIN:NAME, a name one provider has, and a probe without arguments" \
		'bpfp_usdt_noargs_total 18' "$(grep '^bpfp_usdt_noargs_total' "$TMP/usdt.txt")"
	expect "usdt: sum of a uint64 arg1 by str(arg2), exact" \
		"$(printf 'bpfp_usdt_sum_total{s="even"} 65\nbpfp_usdt_sum_total{s="odd"} 65')" \
		"$(grep '^bpfp_usdt_sum_total' "$TMP/usdt.txt")"
	expect "usdt: hist of arg1, values at the bucket seams" \
		"$(printf 'bpfp_usdt_hist_bucket{le="1"} 2\nbpfp_usdt_hist_bucket{le="2"} 4\nbpfp_usdt_hist_bucket{le="4"} 8\nbpfp_usdt_hist_bucket{le="8"} 12\nbpfp_usdt_hist_bucket{le="16"} 16\nbpfp_usdt_hist_bucket{le="32"} 18\nbpfp_usdt_hist_bucket{le="+Inf"} 18\nbpfp_usdt_hist_sum 130\nbpfp_usdt_hist_count 18')" \
		"$(grep '^bpfp_usdt_hist' "$TMP/usdt.txt")"
	expect "usdt: lhist of arg1, values at the bucket seams" \
		"$(printf 'bpfp_usdt_lhist_bucket{le="4"} 8\nbpfp_usdt_lhist_bucket{le="8"} 12\nbpfp_usdt_lhist_bucket{le="12"} 14\nbpfp_usdt_lhist_bucket{le="16"} 16\nbpfp_usdt_lhist_bucket{le="+Inf"} 18\nbpfp_usdt_lhist_sum 130\nbpfp_usdt_lhist_count 18')" \
		"$(grep '^bpfp_usdt_lhist' "$TMP/usdt.txt")"
	expect "usdt: stats of a signed int32 arg0 (-3..14)" \
		"$(printf 'bpfp_usdt_stats_sum 99\nbpfp_usdt_stats_count 18\nbpfp_usdt_stats_min -3\nbpfp_usdt_stats_max 14')" \
		"$(grep '^bpfp_usdt_stats' "$TMP/usdt.txt")"
	expect "usdt: fetch args read through a pointer argument" \
		"$(printf 'bpfp_usdt_fetch_total{c="101",s="ven"} 9\nbpfp_usdt_fetch_total{c="111",s="dd"} 9')" \
		"$(grep '^bpfp_usdt_fetch_total' "$TMP/usdt.txt" | sort)"
	expect "usdt: a signed filter on arg0 (arg0 < 0)" \
		'bpfp_usdt_neg_total 3' "$(grep '^bpfp_usdt_neg_total' "$TMP/usdt.txt")"
	expect "usdt: int8, uint16, int16, uint8 arguments as their notes size and sign them" \
		'bpfp_usdt_small_total{a="-1",b="65535",c="-2",d="200"} 18' \
		"$(grep '^bpfp_usdt_small_total' "$TMP/usdt.txt")"
	expect "usdt: arg6 and arg7 of an 8-argument probe, exact" \
		'bpfp_usdt_wide_total{a6="16",a0="10"} 306' "$(grep '^bpfp_usdt_wide_total' "$TMP/usdt.txt")"
	expect "usdt: two providers' probes in one metric, told apart by bpf_usdt_cookie" \
		"$(printf 'bpfp_usdt_probes_total{probe="0"} 18\nbpfp_usdt_probes_total{probe="1"} 18')" \
		"$(grep '^bpfp_usdt_probes_total' "$TMP/usdt.txt")"
	expect "usdt: latency from one probe until another, 18 intervals" \
		'bpfp_usdt_wait_seconds_count 18' "$(grep '^bpfp_usdt_wait_seconds_count' "$TMP/usdt.txt")"
	expect "usdt: latency paired by arg0 at both ends (match), 18 intervals" \
		'bpfp_usdt_match_seconds_count 18' "$(grep '^bpfp_usdt_match_seconds_count' "$TMP/usdt.txt")"
	expect "usdt: intervals of 1 ms sleeps are at least 1 ms" 1 \
		"$(awk '/^bpfp_usdt_match_seconds_min/ { print ($2 >= 0.001) }' "$TMP/usdt.txt")"
	expect "usdt: attached, the semaphore is set and the gated probe fires every time" \
		"fired 1000 semaphore 1" "$us_sema"
	expect "usdt: every firing of the gated probe counted" \
		'bpfp_usdt_gated_total 1000' "$(grep '^bpfp_usdt_gated_total' "$TMP/usdt.txt")"
	expect "usdt: bpfprom_probe_info names the mechanism" \
		"bpfprom_probe_info{metric=\"bpfp_usdt_noargs_total\",probe=\"U:$US_WL:noargs\",mechanism=\"usdt\"} 1" \
		"$(grep '^bpfprom_probe_info{metric="bpfp_usdt_noargs_total"' "$TMP/usdt.txt")"
	# libbpf's spec map: one entry per site of the group's probes, not its default 256
	expect "usdt: libbpf's USDT maps sized by the probes' sites" \
		"$(printf '__bpf_usdt_ip_t 1\n__bpf_usdt_ip_t 2\n__bpf_usdt_spec 1\n__bpf_usdt_spec 2')" \
		"$(for id in $(cat /proc/"$PID"/fdinfo/* 2>/dev/null | sed -n 's/^map_id:[[:space:]]*//p' | sort -un); do
			bpftool map show id "$id"
		done | awk '/name __bpf_usdt/ { n = $4 } /max_entries/ && n { print n, $6; n = "" }' | sort -u)"
	stop "usdt"
fi
expect "usdt: detached, the semaphore is 0 again" "fired 0 semaphore 0" "$($US_SEMA 1000)"

# pid: one process's probes only: the one started first counts, another not
"$US_WL" bpfp_usdt_pid 7 "$TMP/usdt_go" &
us_pid=$!
printf 'metrics:\n  - name: bpfp_usdt_pid_total\n    help: h.\n    probe: usdt:%s:bpfprom:req\n    aggregate: count\n    labels: [comm]\n    pid: %s\n' \
	"$US_WL" "$us_pid" >"$TMP/usdt_pid.yaml"
if start "$TMP/usdt_pid.yaml"; then
	"$US_WL" bpfp_usdt_other 5
	touch "$TMP/usdt_go"
	wait $us_pid
	expect "usdt: pid: counts the one process's probes only" \
		'bpfp_usdt_pid_total{comm="bpfp_usdt_pid"} 7' "$(scrape | grep '^bpfp_usdt_pid_total')"
	stop
else
	touch "$TMP/usdt_go"
	wait $us_pid
fi

# a metric pays only for what it uses: a uprobe program has no USDT maps
printf 'metrics:\n  - name: bpfp_usdt_none_total\n    help: h.\n    probe: uprobe:%s:main\n    aggregate: count\n' \
	"$US_WL" >"$TMP/usdt_none.yaml"
if start "$TMP/usdt_none.yaml"; then
	expect "usdt: a program without USDT probes creates none of libbpf's USDT maps (nor .kconfig)" \
		"$(printf 'bpfprom_.rodata\ndrops0\nseries0')" \
		"$(for id in $(cat /proc/"$PID"/fdinfo/* 2>/dev/null | sed -n 's/^map_id:[[:space:]]*//p' | sort -un); do
			bpftool map show id "$id"
		done | awk '/name/ { for (i = 1; i < NF; i++) if ($i == "name") print $(i + 1) }' | sort)"
	stop
fi

# --- --list ---------------------------------------------------------------
expect "usdt: --list usdt:BIN lists every probe as usdt:BIN:PROVIDER:NAME" \
	"$(printf 'usdt:%s:bpfprom:done\nusdt:%s:bpfprom:noargs\nusdt:%s:bpfprom:req\nusdt:%s:bpfprom:small\nusdt:%s:bpfprom:start\nusdt:%s:bpfprom:wide\nusdt:%s:other:req\nrc=0' \
		"$US_WL" "$US_WL" "$US_WL" "$US_WL" "$US_WL" "$US_WL" "$US_WL")" \
	"$("$BIN" --list "usdt:$US_WL" 2>&1; echo "rc=$?")"
expect "usdt: --list -v U:BIN:PROVIDER:* with each argument's size and sign" \
	"$(printf 'usdt:%s:bpfprom:done\n    arg0: int64\nusdt:%s:bpfprom:noargs\nusdt:%s:bpfprom:req\n    arg0: int32\n    arg1: uint64\n    arg2: uint64\nusdt:%s:bpfprom:small\n    arg0: int8\n    arg1: uint16\n    arg2: int16\n    arg3: uint8\nusdt:%s:bpfprom:start\n    arg0: int64\nusdt:%s:bpfprom:wide\n    arg0: int64\n    arg1: int64\n    arg2: int64\n    arg3: int64\n    arg4: int64\n    arg5: int64\n    arg6: int64\n    arg7: int64' \
		"$US_WL" "$US_WL" "$US_WL" "$US_WL" "$US_WL" "$US_WL")" \
	"$("$BIN" --list -v "U:$US_WL:bpfprom:*" 2>&1)"
expect "usdt: --list usdt:BIN:NAME finds the name in every provider" \
	"$(printf 'usdt:%s:bpfprom:req\nusdt:%s:other:req' "$US_WL" "$US_WL")" \
	"$("$BIN" --list "usdt:$US_WL:req" 2>&1)"
expect "usdt: --list of a binary without USDT notes prints nothing" "rc=0 " \
	"rc=$("$BIN" --list "usdt:$BUILD/workload/syscalls" 2>&1; echo "$?") "
expect "usdt: --list takes no wildcard in BIN" \
	'rc=1 error: list: "usdt:*" is not a usdt pattern; write usdt:BINARY:PROVIDER:NAME, BINARY a path or a library name without wildcards (* and ? are allowed in PROVIDER:NAME), e.g. usdt:libc:*' \
	"rc=$("$BIN" --list 'usdt:*' >"$TMP/usdt_l.txt" 2>&1; echo "$?") $(cat "$TMP/usdt_l.txt")"

# --- errors: exact, at --config.check ----------------------------------------
us_check() { # NAME PROBE AGGREGATE EXTRA-LINE WANT
	case $3 in count | sum) us_name=e_total ;; *) us_name=e ;; esac
	printf 'metrics:\n  - name: %s\n    help: h.\n    probe: %s\n    aggregate: %s\n' "$us_name" "$2" "$3" >"$TMP/usdt_e.yaml"
	[ -z "$4" ] || printf '    %s\n' "$4" >>"$TMP/usdt_e.yaml"
	expect "usdt errors: $1" "$5" "$("$BIN" --config.file="$TMP/usdt_e.yaml" --config.check 2>&1)"
}
US_E="$TMP/usdt_e.yaml"
us_check "an unknown name, with did-you-mean" "usdt:$US_WL:bpfprom:reqq" count "" \
	"error: plan: $US_E:4:12: metrics[0] (e_total): probe: usdt:$US_WL:bpfprom:reqq: no USDT probe \"bpfprom:reqq\" in $US_WL (did you mean \"bpfprom:req\"?)"
us_check "an unknown provider, with did-you-mean" "usdt:$US_WL:bpfprm:req" count "" \
	"error: plan: $US_E:4:12: metrics[0] (e_total): probe: usdt:$US_WL:bpfprm:req: no USDT probe \"bpfprm:req\" in $US_WL (did you mean \"bpfprom:req\"?)"
us_check "an unknown name without provider, with did-you-mean" "U:$US_WL:noarg" count "" \
	"error: plan: $US_E:4:12: metrics[0] (e_total): probe: U:$US_WL:noarg: no USDT probe \"noarg\" in $US_WL (did you mean \"noargs\"?)"
us_check "a name in two providers lists them" "usdt:$US_WL:req" count "" \
	"error: plan: $US_E:4:12: metrics[0] (e_total): probe: usdt:$US_WL:req: USDT probe \"req\" is in several providers of $US_WL: bpfprom, other; write usdt:BINARY:PROVIDER:req"
us_check "a binary without USDT notes" "usdt:$BUILD/workload/syscalls:x" count "" \
	"error: plan: $US_E:4:12: metrics[0] (e_total): probe: usdt:$BUILD/workload/syscalls:x: $BUILD/workload/syscalls has no USDT probes (no .note.stapsdt notes: build it with <sys/sdt.h> probes)"
us_check "argN past the probe's arguments says how many it has" "usdt:$US_WL:bpfprom:req" sum "value: arg3" \
	"error: plan: $US_E:6:12: metrics[0] (e_total): value: arg3: usdt:$US_WL:bpfprom:req has 3 arguments (arg0..arg2)"
us_check "argN of a probe without arguments" "usdt:$US_WL:bpfprom:noargs" sum "value: arg0" \
	"error: plan: $US_E:6:12: metrics[0] (e_total): value: arg0: usdt:$US_WL:bpfprom:noargs has no arguments"
us_check "str() of an argument that is no pointer" "usdt:$US_WL:bpfprom:small" count "labels: [{name: x, source: str(arg1)}]" \
	"error: plan: $US_E:6:32: metrics[0] (e_total): labels[0]: str(arg1): arg1 of usdt:$US_WL:bpfprom:small is uint16, not a pointer to a string"
us_check "an argument typed differently at two probes" "[usdt:$US_WL:bpfprom:req, usdt:$US_WL:other:req]" sum "value: arg0" \
	"error: plan: $US_E:6:12: metrics[0] (e_total): value: arg0 is int32 at usdt:$US_WL:bpfprom:req but uint32 at usdt:$US_WL:other:req; one metric needs one layout"
us_check "no probe after the binary" "usdt:$US_WL" count "" \
	"error: config: $US_E:4:12: metrics[0] (e_total): probe: \"usdt:$US_WL\" needs a binary and a probe; write usdt:BINARY:PROVIDER:NAME, e.g. usdt:/usr/bin/python3:python:function__entry"
us_check "too many parts" "usdt:a:b:c:d" count "" \
	"error: config: $US_E:4:12: metrics[0] (e_total): probe: \"usdt:a:b:c:d\" has too many parts; write usdt:BINARY:PROVIDER:NAME or usdt:BINARY:NAME"
us_check "latency needs until (a USDT probe has no return)" "usdt:$US_WL:bpfprom:start" stats "value: latency" \
	"error: config: $US_E:6:12: metrics[0] (e): value: latency needs an end point: add until: PROBE, or use only kprobe or uprobe probes (their return probe is then implied); probe \"usdt:$US_WL:bpfprom:start\" is a usdt"
us_check "usdt probes do not mix with uprobes" "[usdt:$US_WL:bpfprom:req, uprobe:$US_WL:main]" count "" \
	"error: config: $US_E:4:$((32 + ${#US_WL})): metrics[0] (e_total): probe[1]: cannot mix usdt probes with other probe kinds in one metric (probe[0] is \"usdt:$US_WL:bpfprom:req\"); split them into separate metrics"

# --- until. at a USDT end: its arguments (libbpf's spec of the end probe's
# site), integers and strings, in values, labels and filters ---------------
cat >"$TMP/usdt_end.yaml" <<Y
metrics:
  - name: bpfp_usdt_end_sum_total
    help: arg0 of bpfprom:done, read at the end of a pair from bpfprom:start, when 5 or more.
    probe: usdt:$US_WL:bpfprom:start
    until: usdt:$US_WL:bpfprom:done
    match: arg0
    aggregate: sum
    value: until.arg0
    filter: ['comm == "bpfp_usend"', 'until.arg0 >= 5']
  - name: bpfp_usdt_end_str_total
    help: Pairs from bpfprom:noargs to the next bpfprom:req, by req's string argument.
    probe: usdt:$US_WL:bpfprom:noargs
    until: usdt:$US_WL:bpfprom:req
    aggregate: count
    labels: [{name: s, source: str(until.arg2)}]
    filter: ['comm == "bpfp_usend"']
Y
if start "$TMP/usdt_end.yaml"; then
	$US_WL bpfp_usend 10
	scrape >"$TMP/usdt_end.txt"
	# done's arg0 is i: 5 + 6 + 7 + 8 + 9
	expect "usdt until.: an argument of the end probe as value and filter (i >= 5 of 0..9)" \
		'bpfp_usdt_end_sum_total 35' "$(grep '^bpfp_usdt_end_sum_total' "$TMP/usdt_end.txt")"
	# noargs of iteration i, then req of i + 1: the strings of 1..9
	expect "usdt until.: str() of an argument of the end probe as a label (odd 1,3,5,7,9; even 2,4,6,8)" \
		"$(printf 'bpfp_usdt_end_str_total{s="even"} 4\nbpfp_usdt_end_str_total{s="odd"} 5')" \
		"$(grep '^bpfp_usdt_end_str_total' "$TMP/usdt_end.txt" | sort)"
	stop "usdt until."
fi
