# SPDX-License-Identifier: GPL-2.0
# Stack traces as labels (README: Stacks): kstack on a tracepoint inside a
# syscall, ustack on a uprobe of a workload with known call chains
# (build/workload/stacks, frame pointers), frames:, the stack drop, ustack
# series retiring with their process, stacks swept from the map after, and
# the errors. Sourced by run.sh (lib.sh's helpers, TMP, BUILD).

SK=$TMP/stacks
mkdir -p "$SK"
SKW=$BUILD/workload/stacks
SKC=bpfp_stk$$
SKC=$(printf %.15s "$SKC")

# the stack maps a bpfprom process holds (map_type 7: BPF_MAP_TYPE_STACK_TRACE), by id
stack_maps() { grep -l '^map_type:[[:space:]]*7$' /proc/"$PID"/fdinfo/* 2>/dev/null | xargs -r sed -n 's/^map_id:[[:space:]]*//p' | sort -un; }
# stacks one stack map holds
# the stacks each stack map holds, most first
stacks_held() { for id in $(stack_maps); do stack_count "$id"; done | sort -rn | paste -sd' '; }
stack_count() { bpftool map dump id "$1" 2>/dev/null | grep -c '^key:'; }

cat >"$SK/s.yaml" <<Y
metrics:
  - name: bpfp_stk_rename_total
    help: renames of the workload's thread, by kernel stack.
    probe: tracepoint:task:task_rename
    aggregate: count
    labels: [kstack]
    filter: ['comm == "$SKC"']
  - name: bpfp_stk_rename_plain_total
    help: renames of the workload's thread (no stack; fused with the one above).
    probe: tracepoint:task:task_rename
    aggregate: count
    filter: ['comm == "$SKC"']
  - name: bpfp_stk_calls_total
    help: calls of stk_target, by user stack.
    probe: uprobe:$SKW:stk_target
    aggregate: count
    labels: [ustack]
  - name: bpfp_stk_top_total
    help: calls of stk_target, by their three innermost user frames.
    probe: uprobe:$SKW:stk_target
    aggregate: count
    labels: [{name: top, source: ustack, frames: 3}]
  - name: bpfp_stk_one_total
    help: calls of stk_target in a stack map of one stack.
    probe: uprobe:$SKW:stk_target
    aggregate: count
    labels: [{name: top, source: ustack, frames: 2}]
    max_series: 1
Y
if start "$SK/s.yaml"; then
	# 12 calls through stk_a -> stk_b, 5 through stk_c; it stays until killed
	"$SKW" "$SKC" 12 5 60 >"$SK/wl.out" &
	sk_wl=$!
	until_true 10 grep -q done "$SK/wl.out"
	: >"$SK/s.txt"
	scrape_append "$SK/s.txt"
	last_scrape "$SK/s.txt" >"$SK/s1"
	expect "kstack: prctl(PR_SET_NAME) x17 on task:task_rename, the syscall's entry path root first, exact" \
		'bpfp_stk_rename_total{kstack="entry_SYSCALL_64_after_hwframe;do_syscall_64;__do_sys_prctl;__set_task_comm"} 17' \
		"$(grep '^bpfp_stk_rename_total' "$SK/s1")"
	# the chain past main is libc's start code, without symbols or frame
	# pointers: hex, and how far the walk goes there is libc's business
	expect "ustack: the workload's own call chains, names from its ELF symbols, exact counts" \
		"$(printf '%s\n' 'bpfp_stk_calls_total{ustack="main;stk_c;stk_target"} 5' 'bpfp_stk_calls_total{ustack="main;stk_a;stk_b;stk_target"} 12' | sort)" \
		"$(grep '^bpfp_stk_calls_total' "$SK/s1" | sed 's/ustack="\(0x[0-9a-f]*;\)*/ustack="/' | sort)"
	expect "ustack: the frames past main are libc's, in hex (no symbol for them)" \
		2 "$(grep -c '^bpfp_stk_calls_total{ustack="0x[0-9a-f]*;' "$SK/s1")"
	expect "ustack frames: 3: the three innermost frames exactly" \
		"$(printf '%s\n' 'bpfp_stk_top_total{top="main;stk_c;stk_target"} 5' 'bpfp_stk_top_total{top="stk_a;stk_b;stk_target"} 12' | sort)" \
		"$(grep '^bpfp_stk_top_total' "$SK/s1" | sort)"
	expect "a stack the map cannot hold (max_series 1: the second stack's bucket is taken) is a counted drop" \
		"$(printf '%s\n' 'bpfp_stk_one_total{top="stk_b;stk_target"} 12' 'bpfprom_dropped_events_total{metric="bpfp_stk_one_total",reason="stack"} 5')" \
		"$(grep -e '^bpfp_stk_one_total' -e '^bpfprom_dropped_events_total{metric="bpfp_stk_one_total",reason="stack"}' "$SK/s1")"
	expect "the stack drop is shown only for metrics with stacks" \
		"" "$(grep '^bpfprom_dropped_events_total{metric="bpfp_stk_rename_plain_total",reason="stack"}' "$SK/s1")"
	expect "a metric without stacks (fused with one that has) counts the same, and makes no stack map: 4 maps for 4 metrics with stacks" \
		"bpfp_stk_rename_plain_total 17 maps=4" \
		"$(grep '^bpfp_stk_rename_plain_total' "$SK/s1") maps=$(stack_maps | wc -l)"
	expect "stack maps: two ustacks in each of two maps, one in the map of one, the kstack's" \
		"2 2 1 1" "$(stacks_held)"
	kill "$sk_wl"
	wait "$sk_wl" 2>/dev/null
	# taken at the next scrape (the process is gone), with the names it had
	scrape_append "$SK/s.txt"
	last_scrape "$SK/s.txt" >"$SK/s2"
	expect "ustack: the series of an exited process is exported once more with its names (cached), then retired" \
		"$(grep '^bpfp_stk_top_total' "$SK/s1" | sort)" \
		"$(grep '^bpfp_stk_top_total' "$SK/s2" | sort)"
	scrape_append "$SK/s.txt"
	last_scrape "$SK/s.txt" >"$SK/s3"
	expect "ustack: retired as process_gone, the map empty" \
		"$(printf '%s\n' 'bpfprom_series_retired_total{metric="bpfp_stk_top_total",reason="process_gone"} 2' 'bpfprom_metric_series{metric="bpfp_stk_top_total"} 0')" \
		"$(grep -e '^bpfprom_series_retired_total{metric="bpfp_stk_top_total"' -e '^bpfprom_metric_series{metric="bpfp_stk_top_total"' "$SK/s3")"
	# stacks no series names are deleted at the second sweep (every 10 s)
	# that finds them so: the kernel's stack (its series never retires) stays
	sleep 10.5
	scrape >/dev/null
	sleep 10.5
	scrape >/dev/null
	expect "stack maps: the stacks of retired series are swept; the kstack's one stays" \
		"1 0 0 0" "$(stacks_held)"
	stop
fi

# --- errors, exact ------------------------------------------------------------
sk_check() { # NAME YAML-LINES WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: tracepoint:task:task_rename\n    aggregate: count\n    %s\n' \
		"$2" >"$SK/e.yaml"
	expect "stack errors: $1" "$3" "$("$BIN" --config.file="$SK/e.yaml" --config.check 2>&1)"
}
sk_check "frames past 127" 'labels: [{name: s, source: kstack, frames: 128}]' \
	"error: config: $SK/e.yaml:6:48: metrics[0] (e_total): labels[0].frames: 128 is out of range; use 1..127 frames"
sk_check "frames 0" 'labels: [{name: s, source: ustack, frames: 0}]' \
	"error: config: $SK/e.yaml:6:48: metrics[0] (e_total): labels[0].frames: 0 is out of range; use 1..127 frames"
sk_check "frames on another source" 'labels: [{name: s, source: comm, frames: 4}]' \
	"error: config: $SK/e.yaml:6:46: metrics[0] (e_total): labels[0].frames: only stack sources (kstack, ustack) take frames, comm does not; remove it"
sk_check "a decoder on a stack" 'labels: [{name: s, source: ustack, decode: hex}]' \
	"error: config: $SK/e.yaml:6:48: metrics[0] (e_total): labels[0].decode: ustack renders as its functions' names; it takes no decoder, remove decode"
sk_check "a filter on a stack" 'filter: ["kstack == 1"]' \
	"error: config: $SK/e.yaml:6:14: metrics[0] (e_total): filter[0]: kstack cannot be filtered, it is only a label source; filter on another source"
sk_check "did you mean" 'labels: [kstak]' \
	"error: config: $SK/e.yaml:6:14: metrics[0] (e_total): labels[0]: unknown source \"kstak\" (did you mean \"kstack\"?); expected one of comm, pid, tid, uid, gid, cpu, cgroup, probe, func, retval, latency, argN, args.FIELD, str(argN), str(args.FIELD), task, SRC->member, +OFF(SRC):TYPE, period, kstack, ustack, uip"
printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: tracepoint:task:task_rename\n    aggregate: sum\n    value: ustack\n' >"$SK/e.yaml"
expect "stack errors: a stack as the value" \
	"error: config: $SK/e.yaml:6:12: metrics[0] (e_total): value: ustack is a stack, not a number; make it a label (labels: [ustack])" \
	"$("$BIN" --config.file="$SK/e.yaml" --config.check 2>&1)"
