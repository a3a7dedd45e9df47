# SPDX-License-Identifier: GPL-2.0
# decode: usym (README: Decoders) and the uip source: function pointers a
# uprobe's argument and a uretprobe's return value carry, named through the
# process's mappings and ELF symbols; an address without a name in hex; two
# processes of one binary folded into one series; a process gone before the
# first scrape in hex; series retiring with their process; a flat profile
# of profile:hz:99 by uip; the errors. Sourced by run.sh (lib.sh's helpers,
# TMP, BUILD).

US=$TMP/usym
mkdir -p "$US"
UW=$BUILD/workload/usym
UC=bpfp_usym$$
UC=$(printf %.15s "$UC")

cat >"$US/u.yaml" <<Y
metrics:
  - name: bpfp_usym_calls_total
    help: calls of usym_call, by the function its argument points to.
    probe: uprobe:$UW:usym_call
    aggregate: count
    labels: [{name: fn, source: arg0, decode: usym}]
  - name: bpfp_usym_pick_total
    help: returns of usym_pick, by the function it returned.
    probe: uretprobe:$UW:usym_pick
    aggregate: count
    labels: [{name: fn, source: retval, decode: usym}]
  - name: bpfp_usym_samples_total
    help: CPU samples of the workload, by the user function it was in.
    probe: profile:hz:99
    aggregate: count
    labels: [uip]
    filter: ['comm == "$UC"']
Y
if start "$US/u.yaml"; then
	# two processes of one binary, alive until killed
	"$UW" "${UC}a" call 5 3 2 pick 4 1 wait 60 >"$US/a.out" &
	us_a=$!
	"$UW" "${UC}b" call 7 0 0 pick 2 2 wait 60 >"$US/b.out" &
	us_b=$!
	until_true 10 grep -q done "$US/a.out"
	until_true 10 grep -q done "$US/b.out"
	: >"$US/s.txt"
	scrape_append "$US/s.txt"
	last_scrape "$US/s.txt" >"$US/s1"
	expect "usym: arg0 pointers named by the function, two processes folded (5+7 usym_f1), 0x10 (no mapping) in hex, exact" \
		"$(printf '%s\n' 'bpfp_usym_calls_total{fn="0x10"} 2' 'bpfp_usym_calls_total{fn="usym_f1"} 12' 'bpfp_usym_calls_total{fn="usym_f2"} 3')" \
		"$(grep '^bpfp_usym_calls_total' "$US/s1" | sort)"
	expect "usym: retval of a uretprobe, both processes folded, exact" \
		"$(printf '%s\n' 'bpfp_usym_pick_total{fn="usym_f1"} 6' 'bpfp_usym_pick_total{fn="usym_f2"} 3')" \
		"$(grep '^bpfp_usym_pick_total' "$US/s1" | sort)"
	expect "usym: the map keeps one series per process and address (4 and 4); only 0x10 is a decode error" \
		"$(printf '%s\n' 'bpfprom_decode_errors_total{metric="bpfp_usym_calls_total"} 1' 'bpfprom_decode_errors_total{metric="bpfp_usym_pick_total"} 0' 'bpfprom_metric_series{metric="bpfp_usym_calls_total"} 4' 'bpfprom_metric_series{metric="bpfp_usym_pick_total"} 4')" \
		"$(grep -e '^bpfprom_decode_errors_total{metric="bpfp_usym_[cp]' -e '^bpfprom_metric_series{metric="bpfp_usym_[cp]' "$US/s1")"
	kill "$us_a"
	wait "$us_a" 2>/dev/null
	scrape_append "$US/s.txt"
	last_scrape "$US/s.txt" >"$US/s2"
	expect "usym: a process gone: its series exported once more with their names (cached), folded as before" \
		"$(grep '^bpfp_usym_calls_total' "$US/s1" | sort)" \
		"$(grep '^bpfp_usym_calls_total' "$US/s2" | sort)"
	scrape_append "$US/s.txt"
	last_scrape "$US/s.txt" >"$US/s3"
	expect "usym: then retired as process_gone (3 and 2 series); the other process's part stays" \
		"$(printf '%s\n' 'bpfp_usym_calls_total{fn="usym_f1"} 7' 'bpfp_usym_pick_total{fn="usym_f1"} 2' 'bpfp_usym_pick_total{fn="usym_f2"} 2' 'bpfprom_series_retired_total{metric="bpfp_usym_calls_total",reason="process_gone"} 3' 'bpfprom_series_retired_total{metric="bpfp_usym_pick_total",reason="process_gone"} 2' 'bpfprom_metric_series{metric="bpfp_usym_calls_total"} 1' 'bpfprom_metric_series{metric="bpfp_usym_pick_total"} 2')" \
		"$(grep -e '^bpfp_usym_calls_total' -e '^bpfp_usym_pick_total' -e '^bpfprom_series_retired_total{metric="bpfp_usym_[cp]' -e '^bpfprom_metric_series{metric="bpfp_usym_[cp]' "$US/s3")"
	kill "$us_b"
	wait "$us_b" 2>/dev/null
	scrape_append "$US/s.txt"
	scrape_append "$US/s.txt"
	# a process gone before any scrape saw it: its mappings cannot be read
	us_addr=$("$UW" "${UC}c" addr call 1 0 0)
	scrape_append "$US/s.txt"
	last_scrape "$US/s.txt" >"$US/s4"
	expect "usym: a process gone before the first scrape prints the address in hex (its usym_f1, $us_addr)" \
		"bpfp_usym_calls_total{fn=\"$us_addr\"} 1" \
		"$(grep '^bpfp_usym_calls_total' "$US/s4")"
	# a flat profile: 99 samples a second of the workload's CPU time, in
	# usym_spin (its loop; clock_gettime's vDSO and libc take the rest)
	"$UW" "$UC" spin 2000 wait 60 >"$US/c.out" &
	us_c=$!
	until_true 20 grep -q done "$US/c.out"
	scrape >"$US/s5"
	kill "$us_c"
	wait "$us_c" 2>/dev/null
	us_spin=$(sed -n 's/^bpfp_usym_samples_total{uip="usym_spin"} //p' "$US/s5")
	us_all=$(awk '/^bpfp_usym_samples_total\{/ { s += $2 } END { print s + 0 }' "$US/s5")
	# 198 samples in 2 s, +-15% as in sample.sh; at least 90% of them in usym_spin
	if [ -n "$us_spin" ] && [ "$us_all" -ge 168 ] && [ "$us_all" -le 228 ] &&
		[ $((us_spin * 10)) -ge $((us_all * 9)) ]; then
		ok "uip + usym: profile:hz:99 of 2 s of CPU: $us_all samples, $us_spin in usym_spin"
	else
		not_ok "uip + usym: profile:hz:99 of 2 s of CPU, mostly in usym_spin" \
			"$(grep '^bpfp_usym_samples_total' "$US/s5")"
	fi
	stop
fi

# --- errors, exact ------------------------------------------------------------
us_check() { # NAME PROBE YAML-LINES WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: %s\n    aggregate: count\n    %s\n' \
		"$2" "$3" >"$US/e.yaml"
	expect "usym errors: $1" "$4" "$("$BIN" --config.file="$US/e.yaml" --config.check 2>&1)"
}
us_check "an id, not an address" tracepoint:task:task_rename 'labels: [{name: f, source: pid, decode: usym}]' \
	"error: config: $US/e.yaml:6:45: metrics[0] (e_total): labels[0].decode: usym names user-space code addresses, and pid is none; use a source that holds one (uip, argN, retval, args.FIELD, a field path)"
us_check "a string" tracepoint:task:task_rename 'labels: [{name: f, source: comm, decode: usym}]' \
	"error: config: $US/e.yaml:6:46: metrics[0] (e_total): labels[0].decode: comm is a string; decoders other than regexp turn integers into names, remove decode or use decode: regexp"
us_check "a byte array" tracepoint:sock:inet_sock_set_state 'labels: [{name: f, source: args.saddr, decode: usym}]' \
	"error: plan: $US/e.yaml:6:14: metrics[0] (e_total): labels[0]: args.saddr is a byte array (u8[4]); decode: usym needs an integer: use decode: inet, hex, or none"
us_check "two places of the key" tracepoint:task:task_rename 'labels: [uip, pid, tid, uid, gid, cpu, cgroup, comm]' \
	"error: config: $US/e.yaml:6:52: metrics[0] (e_total): labels[7]: a usym label takes two of the 8 places of the map key (the address and its process), so 8 labels with 1 usym do not fit; remove a label"
printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: tracepoint:task:task_rename\n    aggregate: sum\n    value: uip\n' >"$US/e.yaml"
expect "usym errors: uip as the value" \
	"error: config: $US/e.yaml:6:12: metrics[0] (e_total): value: uip is a code address, not a number; make it a label (labels: [uip], named by decode: usym)" \
	"$("$BIN" --config.file="$US/e.yaml" --config.check 2>&1)"
us_check "uip filtered" tracepoint:task:task_rename 'filter: ["uip == 1"]' \
	"error: config: $US/e.yaml:6:14: metrics[0] (e_total): filter[0]: uip cannot be filtered, it is only a label source; filter on another source"
