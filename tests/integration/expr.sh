# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: expressions (README: Expressions) computed in the
# kernel, compared with the same expressions computed in C by the workload.

XW=$BUILD/workload/exprs
# --- every operator at its seams: 48 expressions x 256 pairs -------------
{
	$XW config | sed "s|uprobe:BIN:|uprobe:$PWD/$XW:|"
	cat <<EOT
  - name: bpfp_expr_sum_total
    help: A value and filters that are expressions.
    probe: uprobe:$PWD/$XW:bpfprom_pair
    aggregate: sum
    value: arg0 * 512 + arg1
    filter: ['comm == "bpfp_exprs"', 'arg0 <= 100', 'arg1 <= 100', 'arg1 - arg0 > 1400']
  - name: bpfp_expr_errno_total
    help: A label that is an expression, decoded as an errno.
    probe: tracepoint:syscalls:sys_exit_openat
    aggregate: count
    filter: ['comm == "bpfp_exprs"']
    labels: [{name: err, source: "args.ret < 0 ? -args.ret : 0", decode: errno}]
  - name: bpfp_expr_mixed_total
    help: An expression over a field and pid at a tracepoint (operands read by the generic code).
    probe: tracepoint:syscalls:sys_exit_openat
    aggregate: sum
    filter: ['comm == "bpfp_exprs"']
    value: "args.ret < 0 ? -args.ret + (pid - pid) * 7 : 100"
  - name: bpfp_expr_logic_total
    help: "&& and || with literals that decide them (folded: code no path reaches is refused)."
    probe: tracepoint:syscalls:sys_exit_openat
    aggregate: sum
    filter: ['comm == "bpfp_exprs"']
    value: "(args.ret && 0) + (args.ret || 1) * 10 + (args.ret && 7) + (args.ret || 0) * 100"
  - name: bpfp_expr_deep_total
    help: Pairs under a filter (not 0) with 7 pending operands, read at the pair's end, fused with another pair.
    probe: tracepoint:syscalls:sys_enter_openat
    until: tracepoint:syscalls:sys_exit_openat
    aggregate: count
    filter: ['comm == "bpfp_exprs"', "until.args.ret + (until.args.__syscall_nr + (until.pid + (until.tid + (until.args.ret + (until.pid + (until.tid + (until.args.ret + until.pid)))))))"]
  - name: bpfp_expr_pair_total
    help: The same pairs, counted by a second metric of the program.
    probe: tracepoint:syscalls:sys_enter_openat
    until: tracepoint:syscalls:sys_exit_openat
    aggregate: count
    filter: ['comm == "bpfp_exprs"']
EOT
} >"$TMP/expr.yaml"
if start "$TMP/expr.yaml"; then
	$XW run
	scrape >"$TMP/expr.txt"
	$XW expect | sort >"$TMP/expr.want"
	grep '^bpfp_expr[0-9]*_total{' "$TMP/expr.txt" | sort >"$TMP/expr.got"
	expect_file "expressions: 48 expressions (every operator, signed and unsigned) x 256 pairs of seams, as C computes them" \
		"$TMP/expr.want" "$TMP/expr.got"
	# pairs a > b of the 9 seams <= 100: arg1 - arg0 wraps above 1400
	x_sum=$(awk 'BEGIN { split("0 1 2 3 7 63 64 65 100", v); for (i = 1; i <= 9; i++) for (j = 1; j <= 9; j++) if (v[i] > v[j]) { n++; s += 512 * v[i] + v[j] } printf "%d %d", n, s }')
	expect "expressions: a value (arg0 * 512 + arg1) under filters that are expressions (arg1 - arg0 > 1400 wraps)" \
		"bpfp_expr_sum_total ${x_sum#* }" \
		"$(grep '^bpfp_expr_sum_total' "$TMP/expr.txt")"
	# 3 failed opens (ENOENT, 2) and 2 that succeeded
	expect "expressions: a tracepoint's field and pid in one expression (not loaded by the generated code)" \
		"bpfp_expr_mixed_total 206" "$(grep '^bpfp_expr_mixed_total' "$TMP/expr.txt")"
	# every open returned nonzero (-2 or a descriptor): 0 + 10 + 1 + 100 each
	expect "expressions: && and || with literals, exact" \
		"bpfp_expr_logic_total 555" "$(grep '^bpfp_expr_logic_total' "$TMP/expr.txt")"
	expect "expressions: 7 pending operands at a pair's end, fused: loads (32 bytes of frame at most), every pair counted" \
		"bpfp_expr_deep_total 5" "$(grep '^bpfp_expr_deep_total' "$TMP/expr.txt")"
	expect "expressions: a label args.ret < 0 ? -args.ret : 0 with decode: errno" \
		"$(printf 'bpfp_expr_errno_total{err="0"} 2\nbpfp_expr_errno_total{err="ENOENT"} 3')" \
		"$(grep '^bpfp_expr_errno_total' "$TMP/expr.txt" | sort)"
	stop
fi

# --- differential: bpftrace 0.17 and bpfprom sum the same expressions of the
# same write(2) calls at once, and both equal what awk computes ------------
cat >"$TMP/exprbt.yaml" <<'EOT'
metrics:
  - {name: bpfp_xbt_a_total, help: h., probe: tracepoint:syscalls:sys_enter_write, aggregate: sum,
     filter: ['comm == "bpfp_xbt"'], value: "args.count * 3 + 7"}
  - {name: bpfp_xbt_b_total, help: h., probe: tracepoint:syscalls:sys_enter_write, aggregate: sum,
     filter: ['comm == "bpfp_xbt"'], value: "(args.count << 2) ^ 5"}
  - {name: bpfp_xbt_c_total, help: h., probe: tracepoint:syscalls:sys_enter_write, aggregate: sum,
     filter: ['comm == "bpfp_xbt"'], value: "args.count % 7 > 3 ? args.count / 3 : (args.count & 0xff) + 1"}
EOT
if ! command -v bpftrace >/dev/null; then
	skip "expressions: bpftrace differential" "bpftrace is not installed (make deps installs it)"
elif start "$TMP/exprbt.yaml"; then
	# -c runs the writes once bpftrace has attached and ends it when they
	# end ("Attaching" is printed before the attach, and a SIGINT sent
	# then is ignored: a background job's inherited SIG_IGN)
	timeout -k 5 120 bpftrace -e 'tracepoint:syscalls:sys_enter_write /comm == "bpfp_xbt"/ {
		@a = sum(args->count * 3 + 7); @b = sum((args->count << 2) ^ 5);
		@c = sum(args->count % 7 > 3 ? args->count / 3 : (args->count & 0xff) + 1); }' \
		-c "$WL bpfp_xbt write 0 1 2 3 4 5 6 7 8 9 255 256 1023 1024 1025 4096 65535" \
		>"$TMP/xbt.out" 2>&1 </dev/null
	[ $? -ne 124 ] || echo "       (bpftrace did not end within 120 s: $(head -c 300 "$TMP/xbt.out"))"
	scrape >"$TMP/xbt.txt"
	# the shell's arithmetic is 64-bit C (awk's is double, and mawk has no xor)
	xa=0 xb=0 xc=0
	for x in 0 1 2 3 4 5 6 7 8 9 255 256 1023 1024 1025 4096 65535; do
		xa=$((xa + x * 3 + 7))
		xb=$((xb + ((x << 2) ^ 5)))
		xc=$((xc + (x % 7 > 3 ? x / 3 : (x & 255) + 1)))
	done
	x_want="$xa $xb $xc"
	x_bt=$(awk '/^@a:/ { a = $2 } /^@b:/ { b = $2 } /^@c:/ { c = $2 } END { print a, b, c }' "$TMP/xbt.out")
	x_bp=$(awk '$1 == "bpfp_xbt_a_total" { a = $2 } $1 == "bpfp_xbt_b_total" { b = $2 } $1 == "bpfp_xbt_c_total" { c = $2 } END { print a, b, c }' "$TMP/xbt.txt")
	expect "expressions: bpftrace 0.17 sums three expressions of 17 writes as the shell computes them" "$x_want" "$x_bt"
	expect "expressions: bpfprom sums the same three expressions of the same writes exactly as bpftrace" "$x_bt" "$x_bp"
	stop
fi

# --- the examples of the issue resolve against this kernel ----------------
cat >"$TMP/exprchk.yaml" <<'EOT'
metrics:
  - name: x_bytes
    help: h.
    probe: tracepoint:block:block_rq_issue
    aggregate: hist
    value: args.nr_sector * 512
  - name: x_ports_total
    help: h.
    probe: tracepoint:sock:inet_sock_set_state
    aggregate: count
    labels: [{name: port, source: "min(args.sport, args.dport)"}]
    filter: ['args.newstate - args.oldstate > 1 || !args.family']
EOT
expect "expressions: the issue's examples pass --config.check" \
	"config: $TMP/exprchk.yaml: valid, 2 metrics resolved against this kernel" \
	"$("$BIN" --config.file="$TMP/exprchk.yaml" --config.check 2>&1)"

# --- where each program's expressions run (--log.level=debug) -------------
# uprobe arguments are registers of pt_regs: the generated code loads them in
# line; pid is read by the generic code, so an expression over it is called
cat >"$TMP/exprwhere.yaml" <<EOT
metrics:
  - name: x_args_total
    help: h.
    probe: uprobe:$PWD/$XW:bpfprom_pair
    aggregate: sum
    value: arg0 * 512 + arg1
  - name: x_pid_total
    help: h.
    probe: uprobe:$PWD/$XW:main
    aggregate: sum
    value: arg0 + pid
EOT
expect "expressions: uprobe arguments in line, pid through xcalc (the loader's debug lines)" \
	"$(printf '%s\n' "debug: loader: handle_up1: expressions: 5 instructions in xcalc; the direct ones in line, 5 instructions" \
		"debug: loader: handle_up1: expressions: 2 instructions in xcalc; none is direct")" \
	"$(timeout 20 "$BIN" --config.file="$TMP/exprwhere.yaml" --log.level=debug --print 1s --once 2>&1 >/dev/null |
		grep 'expressions: ')"

# --- errors: exact and positioned ------------------------------------------
x_check() { # NAME VALUE WANT
	printf 'metrics:\n  - name: e_total\n    help: h.\n    probe: uprobe:%s:bpfprom_pair\n    aggregate: sum\n    value: %s\n' \
		"$PWD/$XW" "$2" >"$TMP/experr.yaml"
	expect "expression errors: $1" "$3" "$("$BIN" --config.file="$TMP/experr.yaml" --config.check 2>&1)"
}
x_check "a syntax error, at its column" "arg0 * (arg1 + )" \
	"error: config: $TMP/experr.yaml:6:27: metrics[0] (e_total): value: \"arg0 * (arg1 + )\": column 16: expected a source, a number or \"(\", got \")\""
x_check "an unknown function" "abs(arg0)" \
	"error: config: $TMP/experr.yaml:6:12: metrics[0] (e_total): value: \"abs(arg0)\": column 1: unknown function \"abs\"; expressions call min(a, b) and max(a, b)"
x_check "a string source in arithmetic" "arg0 + comm" \
	"error: config: $TMP/experr.yaml:6:19: metrics[0] (e_total): value: \"arg0 + comm\": column 8: comm is a string; arithmetic takes integer sources only"
x_check "more sources than an expression reads" "arg0 + arg1 + arg2 + arg3 + arg4" \
	"error: config: $TMP/experr.yaml:6:40: metrics[0] (e_total): value: \"arg0 + arg1 + arg2 + arg3 + arg4\": column 29: \"arg4\" is a 5th source; an expression reads at most 4 different sources"
x_check "more operators and operands than an expression has" "arg0+1+2+3+4+5+6+7+8+9+10+11+12+13+14+15+16" \
	"error: config: $TMP/experr.yaml:6:52: metrics[0] (e_total): value: \"arg0+1+2+3+4+5+6+7+8+9+10+11+12+13+14+15+16\": column 41: the expression has more than 32 operators and operands; split it"
x_check "more ops than an expression has" "~~~~~~~~~~~~~~~~arg0" \
	"error: config: $TMP/experr.yaml:6:12: metrics[0] (e_total): value: \"~~~~~~~~~~~~~~~~arg0\": the expression needs more than 16 operations; an expression is at most 16 (each operator, and each operand that is not the right side of one, is one)"
x_check "an argument a tracepoint lacks, inside an expression" "arg0 + args.ret" \
	"error: config: $TMP/experr.yaml:6:12: metrics[0] (e_total): value: args.ret reads a tracepoint field, so it needs tracepoint probes, but probe \"uprobe:$PWD/$XW:bpfprom_pair\" is a uprobe; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead"
