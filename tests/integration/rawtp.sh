# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: rawtracepoint:/rt: probes, under each mechanism, and
# addresses, devices and interfaces as labels (decode: inet, majorminor, ifname).

# --- rawtracepoint: BTF-typed (auto) and raw (forced), both exact ---------
cp /bin/true "$TMP/bpfp_rtexec"
for rt_mech in tp_btf raw_tp; do
	rt_flag=
	[ "$rt_mech" = raw_tp ] && rt_flag=--probe.mechanism=raw_tp
	start $DIR/configs/rawtp.yaml $rt_flag || continue
	rt_pids=
	for i in 1 2 3 4 5 6 7 8; do
		"$TMP/bpfp_rtexec" &
		rt_pid=$!
		wait $rt_pid
		rt_pids="$rt_pids $rt_pid"
	done
	scrape >"$TMP/rt.txt"
	expect "rawtracepoint ($rt_mech): 8 execs of a known binary, by comm" \
		'bpfp_rt_exec_total{comm="bpfp_rtexec"} 8' \
		"$(grep '^bpfp_rt_exec_total' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): args.old_pid (pid_t from BTF) as a label, one per exec" \
		"$(for p in $rt_pids; do printf 'bpfp_rt_exec_pid_total{old_pid="%s"} 1\n' "$p"; done | sort)" \
		"$(grep '^bpfp_rt_exec_pid_total' "$TMP/rt.txt" | sort)"
	expect "rawtracepoint ($rt_mech): str(args.bprm->filename) and args.p->tgid, paths from typed arguments" \
		"$(for p in $rt_pids; do printf 'bpfp_rt_exec_file_total{file="%s",tgid="%s"} 1\n' "$TMP/bpfp_rtexec" "$p"; done | sort)" \
		"$(grep '^bpfp_rt_exec_file_total' "$TMP/rt.txt" | sort)"
	expect "rawtracepoint ($rt_mech): two events in one metric, told apart by their cookies" \
		"$(printf 'bpfp_rt_exec_exit_total{probe="0"} 8\nbpfp_rt_exec_exit_total{probe="1"} 8')" \
		"$(grep '^bpfp_rt_exec_exit_total' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): latency from exec to exit (until: rt:), 8 intervals" \
		'bpfp_rt_exec_life_seconds_count 8' \
		"$(grep '^bpfp_rt_exec_life_seconds_count' "$TMP/rt.txt")"
	expect "rawtracepoint ($rt_mech): bpfprom_probe_info names the mechanism" \
		"bpfprom_probe_info{metric=\"bpfp_rt_exec_total\",probe=\"rawtracepoint:sched_process_exec\",mechanism=\"$rt_mech\"} 1" \
		"$(grep '^bpfprom_probe_info{metric="bpfp_rt_exec_total"' "$TMP/rt.txt")"
	stop
done

# --- rawtracepoint errors: exact, at --config.check -----------------------
rt_check() { # NAME PROBE LABEL-SOURCE WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: %s\n    aggregate: count\n    labels: [{name: x, source: "%s"}]\n' \
		"$2" "$3" >"$TMP/rterr.yaml"
	expect "rawtracepoint errors: $1" "$4" \
		"$("$BIN" --config.file="$TMP/rterr.yaml" --config.check 2>&1)"
}
rt_check "an unknown event, with did-you-mean" rt:sched_proces_exec comm \
	"error: plan: $TMP/rterr.yaml:4:12: metrics[0] (e_total): probe: rt:sched_proces_exec: no raw tracepoint \"sched_proces_exec\" in the kernel's BTF (no btf_trace_sched_proces_exec); did you mean \"sched_process_exec\"?"
rt_check "an unknown argument lists the event's" rt:sched_process_exec args.oldpid \
	"error: plan: $TMP/rterr.yaml:6:32: metrics[0] (e_total): labels[0]: rt:sched_process_exec has no argument \"oldpid\"; its arguments are: p, old_pid, bprm"
rt_check "str() of an integer argument" rawtracepoint:sched_process_exec 'str(args.old_pid)' \
	"error: plan: $TMP/rterr.yaml:6:32: metrics[0] (e_total): labels[0]: str(args.old_pid): the argument of rawtracepoint:sched_process_exec is not a pointer to a string"
rt_check "argN is not a rawtracepoint source" rt:sched_process_exec arg1 \
	"$(printf 'error: config: %s:6:32: metrics[0] (e_total): labels[0].source: arg1 reads a function argument, so it needs kprobe or uprobe probes, but probe "rt:sched_process_exec" is a rawtracepoint; use args.FIELD to read a tracepoint'"'"'s fields' "$TMP/rterr.yaml")"

# --- addresses, devices, interfaces as labels ------------------------------
# a loopback port nobody listens on: the client sockets' state changes by dport
in_port=24617
while ss -Htan "( sport = :$in_port or dport = :$in_port )" | grep -q .; do in_port=$((in_port + 1)); done
touch "$TMP/mm.dat"
cat >"$TMP/inet.yaml" <<Y
metrics:
  - name: bpfp_tcp_state_total
    help: TCP state changes of the test's client sockets, by remote address.
    probe: tracepoint:sock:inet_sock_set_state
    aggregate: count
    labels:
      - {name: daddr, source: args.daddr_v6, decode: inet}
      - {name: daddr4, source: args.daddr, decode: inet}
      - {name: saddr4, source: args.saddr}
      - {name: state, source: args.newstate}
    filter:
      - args.dport == $in_port
  - name: bpfp_tcp_moves_total
    help: The same state changes by expressions over their 2- and 4-byte fields.
    probe: tracepoint:sock:inet_sock_set_state
    aggregate: count
    labels:
      - {name: fp, source: "args.family * 100 + args.protocol"}
      - {name: move, source: "args.oldstate * 10 + args.newstate"}
    filter:
      - "args.dport - 1 == $((in_port - 1))"
  - name: bpfp_pagecache_adds_total
    help: pages added to the page cache for the test file, by device.
    probe: tracepoint:filemap:mm_filemap_add_to_page_cache
    aggregate: count
    labels:
      - {name: dev, source: args.s_dev, decode: majorminor}
    filter:
      - args.i_ino == $(stat -c %i "$TMP/mm.dat")
  - name: bpfp_fib_lookups_total
    help: route lookups of the test workload, by interface.
    probe: tracepoint:fib:fib_table_lookup
    aggregate: count
    labels:
      - {name: iif, source: args.iif, decode: ifname}
      - {name: oif, source: args.oif, decode: ifname}
    filter:
      - comm == "bpfp_fib"
Y
if start "$TMP/inet.yaml"; then
	python3 $DIR/inet_conns.py "$in_port" 3 2
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, b"x" * 4096)
os.close(fd)' "$TMP/mm.dat"
	python3 -c '
import socket
open("/proc/self/comm", "w").write("bpfp_fib")
for _ in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", 9))
    s.close()'
	scrape >"$TMP/inet.txt"
	# per connection: SYN_SENT (2), ESTABLISHED (1), FIN_WAIT1 (4), FIN_WAIT2 (5), CLOSE (7);
	# an IPv4 socket's daddr_v6 is v4-mapped (RFC 5952 section 5), an IPv6 one's daddr 0
	cat >"$TMP/inet.want" <<'W'
bpfp_tcp_state_total{daddr="::1",daddr4="0.0.0.0",saddr4="00000000",state="1"} 2
bpfp_tcp_state_total{daddr="::1",daddr4="0.0.0.0",saddr4="00000000",state="2"} 2
bpfp_tcp_state_total{daddr="::1",daddr4="0.0.0.0",saddr4="00000000",state="4"} 2
bpfp_tcp_state_total{daddr="::1",daddr4="0.0.0.0",saddr4="00000000",state="5"} 2
bpfp_tcp_state_total{daddr="::1",daddr4="0.0.0.0",saddr4="00000000",state="7"} 2
bpfp_tcp_state_total{daddr="::ffff:127.0.0.1",daddr4="127.0.0.1",saddr4="7f000001",state="1"} 3
bpfp_tcp_state_total{daddr="::ffff:127.0.0.1",daddr4="127.0.0.1",saddr4="7f000001",state="2"} 3
bpfp_tcp_state_total{daddr="::ffff:127.0.0.1",daddr4="127.0.0.1",saddr4="7f000001",state="4"} 3
bpfp_tcp_state_total{daddr="::ffff:127.0.0.1",daddr4="127.0.0.1",saddr4="7f000001",state="5"} 3
bpfp_tcp_state_total{daddr="::ffff:127.0.0.1",daddr4="127.0.0.1",saddr4="7f000001",state="7"} 3
W
	expect "decode: inet: u8[16] and u8[4] addresses of 3 IPv4 and 2 IPv6 loopback connections, exact per state; a byte array without decode in hex" \
		"$(cat "$TMP/inet.want")" "$(grep '^bpfp_tcp_state_total' "$TMP/inet.txt")"
	# the same changes by (old, new) state, per family and protocol:
	# AF_INET 2, AF_INET6 10, IPPROTO_TCP 6
	expect "expressions: loads of 2- and 4-byte tracepoint fields in the generated code (labels and a filter), exact per state change" \
		"$(printf 'bpfp_tcp_moves_total{fp="%s",move="%s"} %s\n' 1006 14 2 1006 21 2 1006 45 2 1006 57 2 1006 72 2 206 14 3 206 21 3 206 45 3 206 57 3 206 72 3)" \
		"$(grep '^bpfp_tcp_moves_total' "$TMP/inet.txt" | sort)"
	expect "decode: majorminor: the test file's dev_t as stat(1) prints it, one page" \
		"bpfp_pagecache_adds_total{dev=\"$(stat -c '%Hd:%Ld' "$TMP/mm.dat")\"} 1" \
		"$(grep '^bpfp_pagecache_adds_total' "$TMP/inet.txt")"
	# two lookups per connect (the local table, then main), coming in over lo; oif 0 is no interface
	expect "decode: ifname: 3 loopback connects' route lookups come in over lo" \
		'bpfp_fib_lookups_total{iif="lo",oif="0"} 6' \
		"$(grep '^bpfp_fib_lookups_total' "$TMP/inet.txt")"
	expect "decode: inet, majorminor, ifname: no decode errors" \
		"$(printf 'bpfprom_decode_errors_total{metric="bpfp_tcp_state_total"} 0\nbpfprom_decode_errors_total{metric="bpfp_pagecache_adds_total"} 0\nbpfprom_decode_errors_total{metric="bpfp_fib_lookups_total"} 0')" \
		"$(grep '^bpfprom_decode_errors_total{metric="bpfp_[tpf]' "$TMP/inet.txt" | grep -v bpfp_tcp_moves)"
	stop
fi

# --- decoders on the wrong kind of label: exact --------------------------
dec_check() { # NAME PROBE SOURCE DECODE WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: %s\n    aggregate: count\n    labels: [{name: x, source: "%s", decode: %s}]\n' \
		"$2" "$3" "$4" >"$TMP/decerr.yaml"
	expect "decode errors: $1" "$5" "$("$BIN" --config.file="$TMP/decerr.yaml" --config.check 2>&1)"
}
dec_check "a byte array takes inet or hex" tracepoint:sock:inet_sock_set_state args.saddr errno \
	"error: plan: $TMP/decerr.yaml:6:14: metrics[0] (e_total): labels[0]: args.saddr is a byte array (u8[4]); decode: errno needs an integer: use decode: inet, hex, or none"
dec_check "inet on an integer of 8 bytes" tracepoint:sock:inet_sock_set_state args.skaddr inet \
	"error: plan: $TMP/decerr.yaml:6:14: metrics[0] (e_total): labels[0]: decode: inet on an integer needs a 4-byte IPv4 address (a u32 in network byte order, as the kernel keeps it), but args.skaddr is 8 bytes"
dec_check "a string" tracepoint:sock:inet_sock_set_state comm majorminor \
	"error: config: $TMP/decerr.yaml:6:48: metrics[0] (e_total): labels[0].decode: comm is a string; decoders other than regexp turn integers into names, remove decode or use decode: regexp"

# --- --list rawtracepoint: like bpftrace -l, -v with the arguments' C types -
expect "--list: rawtracepoint patterns, sorted" \
	"$(printf 'rawtracepoint:sched_process_exec\nrawtracepoint:sched_process_exit')" \
	"$("$BIN" --list 'rawtracepoint:sched_process_e*' 2>&1)"
expect "--list -v: rt: lists the arguments as C declares them" \
	"$(printf 'rawtracepoint:sched_process_exec\n    struct task_struct *p;\n    pid_t old_pid;\n    struct linux_binprm *bprm;')" \
	"$("$BIN" -v --list 'rt:sched_process_exec' 2>&1)"
rt_out=$("$BIN" --list 'rt:' 2>&1)
expect "--list: a rawtracepoint pattern without an event (exit 1)" \
	'rc=1 error: list: "rt:" is not a rawtracepoint pattern; write rawtracepoint:EVENT (wildcards * and ? allowed), e.g. rawtracepoint:sched_*' \
	"rc=$? $rt_out"
