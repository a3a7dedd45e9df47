#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bpfprom's benchmarks (root, this kernel). Prints markdown tables that paste
# into README's Performance section; never asserts a timing (goals are shown
# as met or missed, the exit status is 0 whatever the numbers).
#
#   sh tests/bench/run.sh [BENCH...]      or   make bench [BENCH="..."]
#
# BENCH (default all, in this order):
#   percpu   per-event cost in the kernel: count, hist, stats with 0, 1 and 3
#            labels; bpfprom vs bpftrace vs hand-written (hand.bpf.c) vs empty
#   fuse     N = 1, 5, 10 count metrics on one tracepoint
#   uprobe   the same on a uprobe (count by comm)
#   schema   hist by comm: log2 vs schema 0 vs schema 3, constant and varying values
#   path     count by a 3-step field path vs by pid, bpfprom vs bpftrace
#   expr     sum of five operators over a field vs of the field, bpfprom vs
#            the same arithmetic hand-written
#   histvar  hist by comm on values whose bucket changes every event: bpfprom
#            (log2, bounded) vs bpftrace vs hand-written in either layout
#   shared   series_map: shared vs percpu, one thread and two threads on one
#            series
#   scrape   scrape latency and exporter RSS with 1k..1M series; batch vs
#            per-key reads; full scrape vs the bare batch read
#   startup  exec to the first 200 on /metrics
#   idle     exporter CPU with no scrapes and with one scrape per second
# BENCH_QUICK=1: a short run to check everything works (fewer events, rounds
# and scrapes, no 1M series, 10 s idle): its numbers are only indicative.
# Knobs: BENCH_EVENTS, BENCH_ROUNDS, BENCH_SCRAPES, BENCH_SIZES, BENCH_IDLE,
# BENCH_STARTS. Per-event method: each contender is attached alone, the order
# rotates from round to round, medians are taken, and the table shows the
# marginal cost (contender minus an empty program), because the first program
# on a tracepoint pays more and BPF stats cost about as much as an empty one.
BUILD=${BUILD:-build}
BIN=$BUILD/bpfprom
B=$BUILD/bench
WL=$BUILD/workload/syscalls
UT=$BUILD/workload/uprobe_target
D=tests/bench
TP=sys_enter_getppid

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	EVENTS=${BENCH_EVENTS:-50000} ROUNDS=${BENCH_ROUNDS:-2} UP_EVENTS=10000
	SCRAPES=${BENCH_SCRAPES:-10} SIZES=${BENCH_SIZES:-"1000 10000 100000"}
	IDLE=${BENCH_IDLE:-10} STARTS=${BENCH_STARTS:-3} SB_ROUNDS=3
else
	EVENTS=${BENCH_EVENTS:-1000000} ROUNDS=${BENCH_ROUNDS:-5} UP_EVENTS=200000
	SCRAPES=${BENCH_SCRAPES:-50} SIZES=${BENCH_SIZES:-"1000 10000 100000 1000000"}
	IDLE=${BENCH_IDLE:-60} STARTS=${BENCH_STARTS:-10} SB_ROUNDS=10
fi
benches=${*:-${BENCH:-"percpu fuse uprobe schema path expr histvar shared scrape startup idle"}}

TMP=$(mktemp -d)
CPID=
cleanup() {
	[ -n "$CPID" ] && kill -9 "$CPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (BPF programs, BPF stats)"
for f in "$BIN" "$WL" "$UT" $B/hand $B/evstat $B/startup $B/scrapebench; do
	[ -x "$f" ] || die "$f is missing: run make bench"
done
command -v bpftrace >/dev/null || die "bpftrace is missing: run make deps"

# --- helpers -------------------------------------------------------------

# median of the numbers on stdin; "-" when there are none
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else print v[int((NR + 1) / 2)] }'; }
# nearest-rank percentile P of the numbers on stdin
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } r = int((NR * p + 99) / 100); print v[r < 1 ? 1 : r] }'; }
# printf-style number formatting that passes "-" through
num() { case $2 in -|"") echo "-" ;; *) printf "$1" "$2" ;; esac; }
# a / b to two decimals; "-" when either is missing or b <= 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b <= 0) print "-"; else printf "%.2f", a / b }'; }
# "met" / "missed" for a value against a goal (OP is <=)
goal() { awk -v v="$1" -v g="$2" 'BEGIN { if (v == "-" || v == "") print "-"; else print (v <= g ? "met" : "missed") }'; }

# BPF programs of other processes on our tracepoint (they change who is first)
foreign() {
	timeout 10 bpftool perf show -j 2>/dev/null |
		jq --argjson me "${CPID:-0}" "[.[] | select(.tracepoint == \"$TP\" and .pid != \$me)] | length" 2>/dev/null ||
		echo 0
}

# start_bpfprom CONFIG [FLAG...]: sets CPID and ADDR
start_bpfprom() {
	cfg=$1
	shift
	"$BIN" --config.file="$cfg" --web.listen-address=127.0.0.1:0 "$@" 2>"$TMP/log" &
	CPID=$!
	for _ in $(seq 200); do
		ADDR=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$TMP/log")
		[ -n "$ADDR" ] && return 0
		kill -0 "$CPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench: bpfprom did not start on $cfg:" >&2
	cat "$TMP/log" >&2
	CPID=
	return 1
}

# stop [SIGNAL]: a signal sent before the process set up its handler can be
# lost (a background job of sh starts with SIGINT ignored): resend it every
# second, and SIGKILL after 10 s
stop() {
	[ -n "$CPID" ] || return 0
	for _ in $(seq 10); do
		kill -"${1:-TERM}" "$CPID" 2>/dev/null || break
		for _ in $(seq 20); do
			kill -0 "$CPID" 2>/dev/null || break 2
			sleep 0.05
		done
	done
	kill -9 "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}

# start KIND ARG...: one contender, attached alone. KIND: bpfprom CONFIG
# [FLAG...], bpftrace SCRIPT [ARG...], hand PROG tp|up A B. Sets CPID.
start() {
	kind=$1
	shift
	case $kind in
	bpfprom) start_bpfprom "$@" ;;
	bpftrace)
		bpftrace "$@" >/dev/null 2>"$TMP/bt.log" &
		CPID=$!
		;;
	hand)
		$B/hand "$@" >"$TMP/hand.out" 2>"$TMP/hand.log" &
		CPID=$!
		;;
	esac
}

# measure WARM WORK EVENTS KIND ARG...: ns per event of one contender
# (all its programs' run time / events that reached them) on "WORK", after
# "WARM" made them run once; appends "NS FOREIGN" to $TMP/m, or "- FOREIGN"
measure() {
	warm=$1 work=$2 ev=$3 kind=$4
	shift 3
	if ! start "$@"; then
		echo "- 0" >>"$TMP/m"
		return
	fi
	if out=$($B/evstat -n "$ev" -t 60 -w "$warm" "$CPID" -- $work 2>"$TMP/ev.log"); then
		f=$(foreign)
		set -- $out
		echo "$(awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t / n }') $f" >>"$TMP/m"
	else
		echo "bench: $*: $(cat "$TMP/ev.log")" >&2
		echo "- 0" >>"$TMP/m"
	fi
	# bpftrace prints its maps on SIGINT
	stop "$([ "$kind" = bpftrace ] && echo INT || echo TERM)"
}

# rotate N WORD...: the words starting from the (N mod count)-th
rotate() {
	n=$1
	shift
	awk -v n="$n" 'BEGIN { c = ARGC - 1; for (i = 0; i < c; i++) printf "%s ", ARGV[1 + (n + i) % c] }' "$@"
}

# contest TAG WARM WORK EVENTS ARGS_FN CONTENDER...: ROUNDS rounds of each
# contender attached alone, the order rotated, its start arguments from
# "ARGS_FN CONTENDER"; then $TMP/TAG.C.m holds contender C's median marginal
# ns (minus the contender "empty", which must be one of them) and $e the
# empty program's raw ns
contest() {
	tag=$1 cw=$2 ck=$3 cev=$4 args_fn=$5
	shift 5
	for c in "$@"; do : >"$TMP/$tag.$c"; done
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate "$r" "$@"); do
			: >"$TMP/m"
			# shellcheck disable=SC2046 # the arguments, split
			measure "$cw" "$ck" "$cev" $($args_fn "$c")
			cat "$TMP/m" >>"$TMP/$tag.$c"
		done
	done
	e=$(cut -d' ' -f1 "$TMP/$tag.empty" | grep -v '^-' | median)
	for c in "$@"; do
		v=$(cut -d' ' -f1 "$TMP/$tag.$c" | grep -v '^-' | median)
		awk -v a="$v" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f\n", a - e }' >"$TMP/$tag.$c.m"
	done
}

header() {
	echo
	echo "### $1"
	echo
}

# --- per event -------------------------------------------------------------

TP_WARM="$WL bench_warm getppid 100"
TP_WORK="$WL bench_ev getppid $EVENTS"

# contender_args CONTENDER CELL: the start arguments of a contender for a cell
tp_args() {
	case $1 in
	empty) echo "hand empty tp syscalls $TP" ;;
	hand) echo "hand $2 tp syscalls $TP" ;;
	bpftrace) echo "bpftrace $D/$2.bt" ;;
	bpfprom) echo "bpfprom $D/configs/$2.yaml" ;;
	esac
}

# cell_medians CELL: medians of each contender over $TMP/CELL.CONTENDER
bench_percpu() {
	header "Per-event cost in the kernel (tracepoint)"
	echo "Marginal ns per event (median over $ROUNDS rounds, each contender attached alone, order rotated; minus an empty program)."
	echo "Workload: $EVENTS getppid(2) calls on syscalls:$TP. Goals: bpfprom <= 1.10x hand-written, <= 0.85x bpftrace."
	echo
	echo "| metric | labels | empty (raw ns) | hand-written | bpftrace | bpfprom | bpfprom / hand | bpfprom / bpftrace | hand / bpftrace | disturbed |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for agg in count hist stats; do
		for l in 0 1 3; do
			cell=$agg$l
			for c in empty hand bpftrace bpfprom; do : >"$TMP/$cell.$c"; done
			for r in $(seq "$ROUNDS"); do
				for c in $(rotate "$r" empty hand bpftrace bpfprom); do
					: >"$TMP/m"
					measure "$TP_WARM" "$TP_WORK" "$EVENTS" $(tp_args "$c" "$cell")
					cat "$TMP/m" >>"$TMP/$cell.$c"
				done
			done
			row_percpu "$agg" "$l" "$cell"
		done
	done
	echo
	echo "disturbed: samples (of $((ROUNDS * 4))) taken while another process had a BPF program on $TP; such a sample is not first on the tracepoint and reads lower."
}

# row_percpu AGG LABELS CELL
row_percpu() {
	e=$(cut -d' ' -f1 "$TMP/$3.empty" | grep -v '^-' | median)
	h=$(cut -d' ' -f1 "$TMP/$3.hand" | grep -v '^-' | median)
	t=$(cut -d' ' -f1 "$TMP/$3.bpftrace" | grep -v '^-' | median)
	p=$(cut -d' ' -f1 "$TMP/$3.bpfprom" | grep -v '^-' | median)
	mh=$(awk -v a="$h" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f", a - e }')
	mt=$(awk -v a="$t" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f", a - e }')
	mp=$(awk -v a="$p" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f", a - e }')
	dist=$(cat "$TMP/$3".* | awk '$2 > 0 { n++ } END { print n + 0 }')
	rh=$(ratio "$mp" "$mh")
	rt=$(ratio "$mp" "$mt")
	echo "| $1 | $2 | $(num %.1f "$e") | $mh | $mt | $mp | $rh ($(goal "$rh" 1.10)) | $rt ($(goal "$rt" 0.85)) | $(ratio "$mh" "$mt") | $dist |"
}

# --- N metrics on one probe ----------------------------------------------

# nconfig N: N count-by-comm metrics on the tracepoint
nconfig() {
	{
		echo "metrics:"
		for i in $(seq "$1"); do
			printf '  - name: bench_n%d_total\n    help: getppid(2) calls, by comm (%d of %d).\n' "$i" "$i" "$1"
			printf '    probe: tracepoint:syscalls:%s\n    aggregate: count\n    labels: [comm]\n' "$TP"
		done
	} >"$B/n$1.yaml"
}

bench_fuse() {
	fuse=no
	"$BIN" --help | grep -q -- '--bpf.fuse' && fuse=yes
	header "N metrics on one tracepoint"
	echo "ns per event for all of bpfprom's programs together (median over $ROUNDS rounds; marginal: minus one empty program). Workload as above."
	[ $fuse = no ] && echo "This build has no --bpf.fuse: one program per metric (\"N programs\") only."
	echo
	echo "| N | empty (raw ns) | N programs | per metric | fused | per metric | N programs / fused | N x empty |"
	echo "|---|---|---|---|---|---|---|---|"
	for n in 1 5 10; do
		nconfig "$n"
		for c in empty progs fused; do : >"$TMP/n$n.$c"; done
		cs="empty progs"
		[ $fuse = yes ] && cs="empty progs fused"
		for r in $(seq "$ROUNDS"); do
			for c in $(rotate "$r" $cs); do
				: >"$TMP/m"
				case $c in
				empty) set -- hand empty tp syscalls $TP ;;
				progs)
					if [ $fuse = yes ]; then
						set -- bpfprom "$B/n$n.yaml" --bpf.fuse=false
					else
						set -- bpfprom "$B/n$n.yaml"
					fi
					;;
				fused) set -- bpfprom "$B/n$n.yaml" ;;
				esac
				measure "$TP_WARM" "$TP_WORK" "$EVENTS" "$@"
				cat "$TMP/m" >>"$TMP/n$n.$c"
			done
		done
		e=$(cut -d' ' -f1 "$TMP/n$n.empty" | grep -v '^-' | median)
		p=$(cut -d' ' -f1 "$TMP/n$n.progs" | grep -v '^-' | median)
		f=$(cut -d' ' -f1 "$TMP/n$n.fused" | grep -v '^-' | median)
		mp=$(awk -v a="$p" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f", a - e }')
		mf=$(awk -v a="$f" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f", a - e }')
		echo "| $n | $(num %.1f "$e") | $mp | $(awk -v a="$mp" -v n="$n" 'BEGIN { if (a == "-") print "-"; else printf "%.1f", a / n }') | $mf | $(awk -v a="$mf" -v n="$n" 'BEGIN { if (a == "-") print "-"; else printf "%.1f", a / n }') | $(ratio "$mp" "$mf") | $(awk -v e="$e" -v n="$n" 'BEGIN { if (e == "-") print "-"; else printf "%.1f", e * n }') |"
	done
}

# --- uprobe ------------------------------------------------------------------

bench_uprobe() {
	wl=$(readlink -f "$UT")
	sed "s|@WL@|$wl|" $D/configs/uprobe.yaml.in >"$B/uprobe.yaml"
	header "Per-event cost in the kernel (uprobe)"
	echo "count by comm on a uprobe of uprobe_target's bpfprom_value, $UP_EVENTS calls, median over $ROUNDS rounds, marginal ns (minus an empty uprobe program). The uprobe trap itself (microseconds here) is not in these numbers: compare the ratios."
	echo
	echo "| empty (raw ns) | hand-written | bpftrace | bpfprom | bpfprom / hand | bpfprom / bpftrace | hand / bpftrace |"
	echo "|---|---|---|---|---|---|---|"
	for c in empty hand bpftrace bpfprom; do : >"$TMP/up.$c"; done
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate "$r" empty hand bpftrace bpfprom); do
			: >"$TMP/m"
			case $c in
			empty) set -- hand up_empty up "$wl" bpfprom_value ;;
			hand) set -- hand up_count1 up "$wl" bpfprom_value ;;
			bpftrace) set -- bpftrace $D/uprobe.bt "$wl" ;;
			bpfprom) set -- bpfprom "$B/uprobe.yaml" ;;
			esac
			measure "$UT bench_warm values 1" "$UT bench_up threads 1 $UP_EVENTS" "$UP_EVENTS" "$@"
			cat "$TMP/m" >>"$TMP/up.$c"
		done
	done
	e=$(cut -d' ' -f1 "$TMP/up.empty" | grep -v '^-' | median)
	for c in hand bpftrace bpfprom; do
		v=$(cut -d' ' -f1 "$TMP/up.$c" | grep -v '^-' | median)
		awk -v a="$v" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f\n", a - e }' >"$TMP/up.$c.m"
	done
	mh=$(cat "$TMP/up.hand.m") mt=$(cat "$TMP/up.bpftrace.m") mp=$(cat "$TMP/up.bpfprom.m")
	echo "| $(num %.1f "$e") | $mh | $mt | $mp | $(ratio "$mp" "$mh") | $(ratio "$mp" "$mt") | $(ratio "$mh" "$mt") |"
}

# --- schema --------------------------------------------------------------------

# schema_config NAME PROBE VALUE [SCHEMA]: a hist by comm, with a schema or not
schema_config() {
	printf 'metrics:\n  - name: bench_%s\n    help: hist bench.\n    probe: %s\n    aggregate: hist\n    value: %s\n    labels: [comm]\n' "$1" "$2" "$3" >"$B/$1.yaml"
	[ -n "$4" ] && printf '    schema: %s\n' "$4" >>"$B/$1.yaml"
}

bench_schema() {
	wl=$(readlink -f "$UT")
	header "Per-event cost of hist schemas"
	echo "hist by comm, marginal ns per event (median over $ROUNDS rounds, order rotated; minus an empty program): log2 (no schema, fls), schema 0 and schema 3 (fls picks a band of thresholds, then a binary search of schema + 2 steps). Workloads: $EVENTS getppid(2) calls (value args.__syscall_nr: the same bucket every time) and $UP_EVENTS calls of uprobe_target's bpfprom_value(1..$UP_EVENTS) (values that vary over 1 to 2^$(awk -v n="$UP_EVENTS" 'BEGIN { printf "%d", log(n) / log(2) + 0.999 }')). Goal: schema 3 <= 1.15x log2."
	echo
	echo "| workload | empty (raw ns) | log2 | schema 0 | schema 3 | schema 3 / log2 |"
	echo "|---|---|---|---|---|---|"
	for w in tp up; do
		if [ $w = tp ]; then
			probe=tracepoint:syscalls:$TP value=args.__syscall_nr
			warm=$TP_WARM work=$TP_WORK ev=$EVENTS
		else
			probe=uprobe:$wl:bpfprom_value value=arg0
			warm="$UT bench_warm values 1" work="$UT bench_up threads 1 $UP_EVENTS" ev=$UP_EVENTS
		fi
		schema_config "s$w" "$probe" "$value"
		schema_config "s${w}0" "$probe" "$value" 0
		schema_config "s${w}3" "$probe" "$value" 3
		for c in empty log2 s0 s3; do : >"$TMP/sch.$c"; done
		for r in $(seq "$ROUNDS"); do
			for c in $(rotate "$r" empty log2 s0 s3); do
				: >"$TMP/m"
				case $c in
				empty) [ $w = tp ] && set -- hand empty tp syscalls $TP || set -- hand up_empty up "$wl" bpfprom_value ;;
				log2) set -- bpfprom "$B/s$w.yaml" ;;
				s0) set -- bpfprom "$B/s${w}0.yaml" ;;
				s3) set -- bpfprom "$B/s${w}3.yaml" ;;
				esac
				measure "$warm" "$work" "$ev" "$@"
				cat "$TMP/m" >>"$TMP/sch.$c"
			done
		done
		e=$(cut -d' ' -f1 "$TMP/sch.empty" | grep -v '^-' | median)
		for c in log2 s0 s3; do
			v=$(cut -d' ' -f1 "$TMP/sch.$c" | grep -v '^-' | median)
			awk -v a="$v" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f\n", a - e }' >"$TMP/sch.$c.m"
		done
		ml=$(cat "$TMP/sch.log2.m") m0=$(cat "$TMP/sch.s0.m") m3=$(cat "$TMP/sch.s3.m")
		r3=$(ratio "$m3" "$ml")
		echo "| $([ $w = tp ] && echo "getppid, constant value" || echo "uprobe, values 1..N") | $(num %.1f "$e") | $ml | $m0 | $m3 | $r3 ($(goal "$r3" 1.15)) |"
	done
}

# --- field paths -------------------------------------------------------------

path_config() {
	printf 'metrics:\n  - name: bench_%s_total\n    help: path bench.\n    probe: tracepoint:syscalls:%s\n    aggregate: count\n    labels:\n      - {name: k, source: "%s"}\n' \
		"$1" "$TP" "$2" >"$B/$1.yaml"
}

bench_path() {
	header "Per-event cost of a field path"
	echo "count by one label, marginal ns per event (median over $ROUNDS rounds, order rotated; minus an empty program) on $EVENTS getppid(2) calls: the flat source pid, and the 3-step path task->real_parent->real_parent->tgid (three reads), in bpfprom and in bpftrace 0.17 (the same read through a cast of curtask). Goal: bpfprom's path <= 0.85x bpftrace's."
	echo
	path_config pflat pid
	path_config ppath 'task->real_parent->real_parent->tgid'
	printf 'tracepoint:syscalls:%s { @[pid] = count(); }\n' "$TP" >"$B/pflat.bt"
	printf 'tracepoint:syscalls:%s { @[((struct task_struct *)curtask)->real_parent->real_parent->tgid] = count(); }\n' "$TP" >"$B/ppath.bt"
	for c in empty pflat ppath tflat tpath; do : >"$TMP/path.$c"; done
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate "$r" empty pflat ppath tflat tpath); do
			: >"$TMP/m"
			case $c in
			empty) set -- hand empty tp syscalls $TP ;;
			pflat | ppath) set -- bpfprom "$B/$c.yaml" ;;
			tflat) set -- bpftrace "$B/pflat.bt" ;;
			tpath) set -- bpftrace "$B/ppath.bt" ;;
			esac
			measure "$TP_WARM" "$TP_WORK" "$EVENTS" "$@"
			cat "$TMP/m" >>"$TMP/path.$c"
		done
	done
	e=$(cut -d' ' -f1 "$TMP/path.empty" | grep -v '^-' | median)
	for c in pflat ppath tflat tpath; do
		v=$(cut -d' ' -f1 "$TMP/path.$c" | grep -v '^-' | median)
		awk -v a="$v" -v e="$e" 'BEGIN { if (a == "-" || e == "-") print "-"; else printf "%.1f\n", a - e }' >"$TMP/path.$c.m"
	done
	pf=$(cat "$TMP/path.pflat.m") pp=$(cat "$TMP/path.ppath.m")
	tf=$(cat "$TMP/path.tflat.m") tp=$(cat "$TMP/path.tpath.m")
	echo "| source | empty (raw ns) | bpfprom | bpftrace | bpfprom / bpftrace |"
	echo "|---|---|---|---|---|"
	echo "| pid (flat) | $(num %.1f "$e") | $pf | $tf | $(ratio "$pf" "$tf") |"
	r=$(ratio "$pp" "$tp")
	echo "| task->real_parent->real_parent->tgid (3 reads) | $(num %.1f "$e") | $pp | $tp | $r ($(goal "$r" 0.85)) |"
	echo
	echo "The path's own cost: bpfprom $(awk -v a="$pp" -v b="$pf" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", a - b }') ns over its flat source, bpftrace $(awk -v a="$tp" -v b="$tf" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", a - b }') ns."
}

# --- expressions -----------------------------------------------------------------

expr_args() {
	case $1 in
	empty) echo hand empty tp syscalls $TP ;;
	xflat | xexpr) echo bpfprom "$B/$1.yaml" ;;
	hflat) echo hand sum0 tp syscalls $TP ;;
	hexpr) echo hand expr0 tp syscalls $TP ;;
	esac
}

bench_expr() {
	header "Per-event cost of an expression"
	echo "sum without labels, marginal ns per event (median over $ROUNDS rounds, order rotated; minus an empty program) on $EVENTS getppid(2) calls: of the field args.__syscall_nr, and of five operators over it, ((x * 3 + 7) ^ (x >> 1)) & 255, in bpfprom and in the hand-written program (hand.bpf.c sum0, expr0: the arithmetic in C). Goal: the expression costs <= 1.1x the same arithmetic in C, measured as row 2's ratio over row 1's."
	echo
	printf 'metrics:\n  - name: bench_%s_total\n    help: expr bench.\n    probe: tracepoint:syscalls:%s\n    aggregate: sum\n    value: "%s"\n' \
		xflat "$TP" 'args.__syscall_nr' >"$B/xflat.yaml"
	printf 'metrics:\n  - name: bench_%s_total\n    help: expr bench.\n    probe: tracepoint:syscalls:%s\n    aggregate: sum\n    value: "%s"\n' \
		xexpr "$TP" '((args.__syscall_nr * 3 + 7) ^ (args.__syscall_nr >> 1)) & 255' >"$B/xexpr.yaml"
	contest expr "$TP_WARM" "$TP_WORK" "$EVENTS" expr_args empty xflat xexpr hflat hexpr
	xf=$(cat "$TMP/expr.xflat.m") xe=$(cat "$TMP/expr.xexpr.m")
	hf=$(cat "$TMP/expr.hflat.m") he=$(cat "$TMP/expr.hexpr.m")
	echo "| value | empty (raw ns) | bpfprom | hand-written | bpfprom / hand |"
	echo "|---|---|---|---|---|"
	echo "| args.__syscall_nr | $(num %.1f "$e") | $xf | $hf | $(ratio "$xf" "$hf") |"
	r=$(ratio "$xe" "$he")
	rf=$(ratio "$xf" "$hf")
	echo "| five operators over it | $(num %.1f "$e") | $xe | $he | $r |"
	# the arithmetic's own cost: a few ns in both, within the noise of one
	# run; what it adds to the metric, against what the same C adds to the
	# hand-written program, is the ratio of the two rows' ratios
	echo "| the operators' own cost (row 2 minus row 1) | | $(awk -v a="$xe" -v b="$xf" 'BEGIN { printf "%.1f", a - b }') | $(awk -v a="$he" -v b="$hf" 'BEGIN { printf "%.1f", a - b }') | |"
	rr=$(ratio "$r" "$rf")
	echo
	echo "The expression against the same arithmetic in C: row 2's ratio over row 1's, $rr ($(goal "$rr" 1.1); goal 1.1). Row 1's ratio is the generic program's cost over a hand-written one's, which every metric pays."
}

# --- hist on values that vary -------------------------------------------------

hv_args() {
	case $1 in
	empty) echo hand empty tp syscalls sys_enter_write ;;
	bp) echo bpfprom "$B/hv.yaml" ;;
	bpb) echo bpfprom "$B/hvb.yaml" ;;
	bt) echo bpftrace "$B/hv.bt" ;;
	hl) echo hand hist1w tp syscalls sys_enter_write ;;
	hk) echo hand hist1kb tp syscalls sys_enter_write ;;
	esac
}

bench_histvar() {
	header "Per-event cost of hist on values that vary"
	echo "hist by comm of write(2)'s count, marginal ns per event (median over $ROUNDS rounds, order rotated; minus an empty program) on $EVENTS writes to /dev/null whose sizes take 17 powers of two in turn (0 to 65535: the bucket changes every call). Contenders: bpfprom (log2 buckets; and bounded, buckets: {max: 65536}: 2 + 17 + 1 words instead of 69), bpftrace 0.17's @[comm] = hist(args->count), and two hand-written programs: bpfprom's layout (hand.bpf.c hist1w: one value per comm, _sum and every bucket) and bpftrace's (hist1kb: a count per (comm, bucket), no _sum). Goal: bpfprom <= 0.85x bpftrace."
	echo
	printf 'metrics:\n  - name: bench_hv\n    help: hist bench.\n    probe: tracepoint:syscalls:sys_enter_write\n    aggregate: hist\n    value: args.count\n    labels: [comm]\n' >"$B/hv.yaml"
	sed 's/^    labels: \[comm\]$/&\n    buckets: {max: 65536}/' "$B/hv.yaml" >"$B/hvb.yaml"
	printf 'tracepoint:syscalls:sys_enter_write { @[comm] = hist(args->count); }\n' >"$B/hv.bt"
	contest hv "$WL bench_warm writes 100" "$WL bench_ev writes $EVENTS" "$EVENTS" hv_args \
		empty bp bpb bt hl hk
	bp=$(cat "$TMP/hv.bp.m") bpb=$(cat "$TMP/hv.bpb.m") bt=$(cat "$TMP/hv.bt.m")
	hl=$(cat "$TMP/hv.hl.m") hk=$(cat "$TMP/hv.hk.m")
	echo "| empty (raw ns) | bpfprom | bpfprom, bounded | bpftrace | hand, bpfprom's layout | hand, bpftrace's layout | bpfprom / bpftrace | bounded / bpftrace | bpfprom / hand (same layout) | hand layouts: bpfprom's / bpftrace's |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	r=$(ratio "$bp" "$bt") rb=$(ratio "$bpb" "$bt")
	echo "| $(num %.1f "$e") | $bp | $bpb | $bt | $hl | $hk | $r ($(goal "$r" 0.85)) | $rb ($(goal "$rb" 0.85)) | $(ratio "$bp" "$hl") | $(ratio "$hl" "$hk") |"
}

# --- shared series maps -------------------------------------------------------

# shared_config NAME AGG LABELS MAP: one metric on the tracepoint
shared_config() {
	{
		printf 'metrics:\n  - name: bench_%s\n    help: series_map bench.\n' "$1"
		printf '    probe: tracepoint:syscalls:%s\n    aggregate: %s\n    series_map: %s\n' "$TP" "$2" "$4"
		[ "$2" = hist ] && printf '    value: args.__syscall_nr\n'
		[ -n "$3" ] && printf '    labels: [%s]\n' "$3"
	} >"$B/$1.yaml"
}

# shr_args CONTENDER: the empty program, or $name's percpu (p) or shared (s) config
shr_args() {
	case $1 in
	empty) echo hand empty tp syscalls $TP ;;
	*) echo bpfprom "$B/$name$1.yaml" ;;
	esac
}

bench_shared() {
	header "Per-event cost of series_map: shared"
	echo "marginal ns per event (median over $ROUNDS rounds, order rotated; minus an empty program) on $EVENTS getppid(2) calls from one thread, and from two threads pinned to two CPUs that update the same series (shared: one cache line for both CPUs; percpu: one each). shared adds each word atomically; percpu, the default, adds into this CPU's copy."
	echo
	echo "| metric | threads | empty (raw ns) | percpu | shared | shared / percpu |"
	echo "|---|---|---|---|---|---|"
	for m in count0:count: count1:count:comm hist1:hist:comm; do
		name=${m%%:*} rest=${m#*:}
		agg=${rest%%:*} labels=${rest#*:}
		shared_config "${name}p" "$agg" "$labels" percpu
		shared_config "${name}s" "$agg" "$labels" shared
		[ "$agg" = count ] && sed -i 's/^\(  - name: bench_[a-z0-9]*\)$/\1_total/' "$B/${name}p.yaml" "$B/${name}s.yaml"
		for t in 1 2; do
			work=$TP_WORK
			[ $t = 2 ] && work="$WL bench_ev threads 2 getppid $EVENTS"
			contest shr "$TP_WARM" "$work" "$EVENTS" shr_args empty p s
			mp=$(cat "$TMP/shr.p.m") ms=$(cat "$TMP/shr.s.m")
			echo "| $agg${labels:+ by $labels} | $t | $(num %.1f "$e") | $mp | $ms | $(ratio "$ms" "$mp") |"
		done
	done
}

# --- scrape --------------------------------------------------------------------

ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'

# scrapes FORMAT: $SCRAPES scrapes over one connection; "SECONDS BYTES" lines
scrapes() {
	set -- -s -w '%{time_total} %{size_download} %{http_code}\n'
	case $fmt in
	gzip) set -- "$@" -H 'Accept-Encoding: gzip' ;;
	protobuf) set -- "$@" -H "Accept: $ACCEPT_PB" ;;
	esac
	for _ in $(seq "$SCRAPES"); do set -- "$@" -o /dev/null "http://$ADDR/metrics"; done
	curl "$@"
}

vm() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$CPID/status"; }

bench_scrape() {
	wl=$(readlink -f "$UT")
	: >"$TMP/http" && : >"$TMP/inproc"
	for n in $SIZES; do
		max=1
		while [ "$max" -lt "$n" ]; do max=$((max * 2)); done
		sed "s|@WL@|$wl|; s|@MAX@|$max|" $D/configs/scrape.yaml.in >"$B/scrape.yaml"
		start_bpfprom "$B/scrape.yaml" || continue
		t0=$(date +%s.%N)
		$UT bench_fill threads 2 "$n"
		fill=$(echo "$(date +%s.%N) - $t0" | bc)
		rss0=$(vm VmRSS)
		got=$(curl -s "http://$ADDR/metrics" | sed -n 's/^bpfprom_metric_series{metric="bench_scrape_total"} //p')
		[ "$got" = "$n" ] || echo "bench: scrape: $n series wanted, the map holds $got" >&2
		for fmt in text gzip protobuf; do
			scrapes >"$TMP/s"
			bad=$(awk '$3 != 200' "$TMP/s" | wc -l)
			[ "$bad" = 0 ] || echo "bench: scrape: $bad answers were not 200" >&2
			p50=$(awk '{ print $1 * 1000 }' "$TMP/s" | median)
			p99=$(awk '{ print $1 * 1000 }' "$TMP/s" | pct 99)
			bytes=$(awk '{ print $2 }' "$TMP/s" | median)
			echo "$n $fmt $bytes $p50 $p99 $rss0 $(vm VmRSS) $(vm VmHWM) $fill" >>"$TMP/http"
		done
		rounds=$SB_ROUNDS
		[ "$n" -ge 1000000 ] && rounds=3
		if $B/scrapebench "$B/scrape.yaml" "$CPID" "$rounds" >"$TMP/sb"; then
			echo "$n $(awk '{ printf "%s ", $2 }' "$TMP/sb")" >>"$TMP/inproc"
		fi
		stop
	done
	header "Scrape latency and exporter memory"
	echo "One count metric labelled by a number, filled with exactly N series (uprobe_target: bpfprom_value(1..N) on 2 threads), plus bpfprom's own metrics; $SCRAPES scrapes per format over one connection (curl), loopback. RSS: before the first scrape, after the last, and the peak (VmHWM)."
	echo "Goals at 100k series: p50 <= 100 ms, RSS <= 64 MB."
	echo
	echo "| series | format | bytes | p50 ms | p99 ms | RSS before MB | RSS after MB | peak RSS MB |"
	echo "|---|---|---|---|---|---|---|---|"
	while read -r n fmt bytes p50 p99 r0 r1 hwm fill; do
		echo "| $n | $fmt | $bytes | $(num %.1f "$p50") | $(num %.1f "$p99") | $r0 | $r1 | $hwm |"
	done <"$TMP/http"
	echo
	echo "Filling took (s): $(awk '$2 == "text" { printf "%s%s: %.1f", sep, $1, $9; sep = ", " }' "$TMP/http")."
	p=$(awk '$1 == 100000 && $2 == "text" { print $4 }' "$TMP/http")
	h=$(awk '$1 == 100000 { if ($8 > m) m = $8 } END { if (m) print m }' "$TMP/http")
	echo "At 100k series: text p50 $(num %.1f "$p") ms ($(goal "$p" 100)), peak RSS ${h:--} MB ($(goal "$h" 64))."
	header "Scrape parts, in-process (the same maps)"
	echo "tests/bench/scrapebench on the running exporter's maps: CPU ms of the thread (user + kernel, so other load does not inflate them), medians of $SB_ROUNDS rounds (3 at 1M). bare: bpf_map_lookup_batch over the map and nothing else, with the entries per call (256 .. the whole map) that make it fastest; batch / per-key: collect (read, combine CPUs, sort, fold) with bpf_map_lookup_batch / with get_next_key + lookup per key; text, gzip, protobuf: rendering the collected series. Goal: a full scrape <= 3x bare, in-process (collect + render text) and over HTTP (wall time, self-metrics included)."
	echo
	echo "| series | bare read | collect, batch | collect, per-key | per-key / batch | render text | gzip | render protobuf | (batch + text) / bare | HTTP text p50 / bare |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	while read -r n bare perkey batch text gz pb; do
		hp=$(awk -v n="$n" '$1 == n && $2 == "text" { print $4 }' "$TMP/http")
		r=$(ratio "$hp" "$bare")
		ri=$(ratio "$(awk -v a="$batch" -v b="$text" 'BEGIN { print a + b }')" "$bare")
		echo "| $n | $bare | $batch | $perkey | $(ratio "$perkey" "$batch") | $text | $gz | $pb | $ri ($(goal "$ri" 3)) | $r ($(goal "$r" 3)) |"
	done <"$TMP/inproc"
}

# --- start-up --------------------------------------------------------------

# fifty: 50 metrics on 50 syscall tracepoints: count by comm, hist and stats of a field
fifty() {
	tfs=/sys/kernel/tracing
	[ -d $tfs/events ] || tfs=/sys/kernel/debug/tracing
	ls $tfs/events/syscalls | grep '^sys_enter_' | sort | head -50 >"$TMP/tps"
	{
		echo "metrics:"
		i=0
		while read -r tp; do
			i=$((i + 1))
			case $((i % 3)) in
			0) printf '  - name: s%d_total\n    help: %s calls.\n    probe: tracepoint:syscalls:%s\n    aggregate: count\n    labels: [comm]\n' "$i" "$tp" "$tp" ;;
			1) printf '  - name: s%d_nr\n    help: %s numbers.\n    probe: tracepoint:syscalls:%s\n    aggregate: hist\n    value: args.__syscall_nr\n' "$i" "$tp" "$tp" ;;
			2) printf '  - name: s%d_nr_stats\n    help: %s numbers.\n    probe: tracepoint:syscalls:%s\n    aggregate: stats\n    value: args.__syscall_nr\n    labels: [cpu]\n' "$i" "$tp" "$tp" ;;
			esac
		done <"$TMP/tps"
	} >"$B/fifty.yaml"
}

bench_startup() {
	fifty
	header "Start-up"
	echo "From fork+exec to the first 200 on /metrics (tests/bench/startup), median of $STARTS starts, ms."
	echo
	echo "| config | metrics | exec to listening | exec to first 200 | min | max |"
	echo "|---|---|---|---|---|---|"
	for cfg in config/default.yaml "$B/fifty.yaml"; do
		: >"$TMP/st"
		for _ in $(seq "$STARTS"); do
			$B/startup "$BIN" --config.file="$cfg" --web.listen-address=127.0.0.1:0 >>"$TMP/st" || true
		done
		m=$(grep -c '^  - name:' "$cfg")
		echo "| $(basename "$cfg") | $m | $(cut -d' ' -f1 "$TMP/st" | median) | $(cut -d' ' -f2 "$TMP/st" | median) | $(cut -d' ' -f2 "$TMP/st" | sort -g | head -1) | $(cut -d' ' -f2 "$TMP/st" | sort -g | tail -1) |"
	done
}

# --- idle ------------------------------------------------------------------

# cpu_ticks: utime + stime of the exporter (all threads), in clock ticks
cpu_ticks() { sed 's/.*) //' "/proc/$CPID/stat" | awk '{ print $12 + $13 }'; }

bench_idle() {
	hz=$(getconf CLK_TCK)
	header "Idle cost"
	echo "bpfprom on config/default.yaml: CPU time (utime + stime from /proc/PID/stat) over $IDLE s, after 2 s to settle. The programs' own cost in the kernel lands in the processes that make the events, not here."
	echo
	echo "| phase | seconds | CPU ms | % of one core | CPU ms per scrape | RSS MB |"
	echo "|---|---|---|---|---|---|"
	start_bpfprom config/default.yaml || return
	sleep 2
	c0=$(cpu_ticks)
	sleep "$IDLE"
	c1=$(cpu_ticks)
	ms=$(((c1 - c0) * 1000 / hz))
	echo "| no scrapes | $IDLE | $ms | $(awk -v m="$ms" -v s="$IDLE" 'BEGIN { printf "%.2f", m / s / 10 }') | - | $(vm VmRSS) |"
	c0=$(cpu_ticks)
	t0=$(date +%s)
	k=0
	while [ $(($(date +%s) - t0)) -lt "$IDLE" ]; do
		curl -s -o /dev/null "http://$ADDR/metrics"
		k=$((k + 1))
		sleep 1
	done
	c1=$(cpu_ticks)
	el=$(($(date +%s) - t0))
	ms=$(((c1 - c0) * 1000 / hz))
	echo "| one scrape per second | $el | $ms | $(awk -v m="$ms" -v s="$el" 'BEGIN { printf "%.2f", m / s / 10 }') | $(awk -v m="$ms" -v k="$k" 'BEGIN { printf "%.2f", m / k }') | $(vm VmRSS) |"
	stop
}

# --- main ------------------------------------------------------------------

mkdir -p "$B"
t_all=$(date +%s)
echo "## bpfprom benchmarks"
echo
echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); kernel $(uname -r)"
echo "- bpfprom $("$BIN" --version | sed 's/^bpfprom version //'); $(bpftrace --version)"
echo "- command: make bench$([ -n "$BENCH$*" ] && echo " BENCH=\"$benches\"")$([ "${BENCH_QUICK:-0}" = 1 ] && echo " BENCH_QUICK=1"); $(date -u +%Y-%m-%dT%H:%MZ); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${BENCH_QUICK:-0}" = 1 ] && echo "- BENCH_QUICK=1: short settings, indicative numbers only"
for b in $benches; do
	case $b in
	percpu | fuse | uprobe | schema | path | expr | histvar | shared | scrape | startup | idle) t_b=$(date +%s); "bench_$b"; echo; echo "($b: $(($(date +%s) - t_b)) s)" ;;
	*) die "unknown bench \"$b\"; expected percpu, fuse, uprobe, schema, path, expr, histvar, shared, scrape, startup, idle" ;;
	esac
done
echo
echo "Total: $(($(date +%s) - t_all)) s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
