#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The libFuzzer targets built by `make fuzz-build` (build/fuzz/fuzz_*).
#   tests/fuzz/run.sh        each target replays its committed corpus
#                            (tests/fuzz/corpus/TARGET), then fuzzes for
#                            FUZZ_TEST_TIME seconds (10) from it: `make test`
#   tests/fuzz/run.sh long   each target fuzzes for FUZZ_TIME seconds (60),
#                            keeping what it finds in build/fuzz/corpus/TARGET:
#                            `make fuzz`
# FUZZ_JOBS fuzzers run at once (the CPUs); the replays one at a time.
# One ok/FAIL line per target and phase; a crash, leak, UB, timeout or
# broken invariant is "FAIL" with the reproducer's path (build/fuzz/crashes).
# Last line: "fuzz: N passed, N failed, N skipped".
SUITE=fuzz
. tests/lib.sh
mode=${1:-test}
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ_TEST_TIME=${FUZZ_TEST_TIME:-10}
DIR=$(dirname "$0")
OUT=$BUILD/fuzz
export BPFPROM_FUZZ_FIXTURES=$OUT/fixtures
# leaks are errors; UB aborts (the objects are built with -fno-sanitize-recover)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$OUT/crashes" "$OUT/logs"

# The longest input worth trying for each target.
max_len() {
	case $1 in
	fuzz_negotiate) echo 512 ;;
	fuzz_spec) echo 512 ;;
	fuzz_path) echo 256 ;;
	fuzz_expr) echo 600 ;;
	fuzz_tracefs) echo 4096 ;;
	*) echo 4096 ;;
	esac
}

# report NAME PHASE LOG RC: one ok or FAIL line
report() {
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$3" | tail -1)
	if [ "$4" -eq 0 ]; then
		ok "$1: $2 (${execs:-0} runs)"
		return
	fi
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$3" | tail -1)
	why=$(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|==[0-9]+== ERROR: libFuzzer)' "$3")
	# the first frames of the report, less libFuzzer's and libc's own
	not_ok "$1: $2: ${why:-exit $4}; reproducer ${repro:-none}, log $3" \
		"$(grep -E '^ +#[0-9]+ ' "$3" | grep -v -e 'fuzzer::' -e '__libc_start' -e ' in _start ' | head -8)"
}

# fuzz NAME LOG ARGS...: the target with the common options, its output in LOG
fuzz() {
	name=$1 log=$2
	shift 2
	"$OUT/$name" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$name-" "$@" </dev/null >"$log" 2>&1
}

# run NAME PHASE LOG ARGS...: fuzz, then its ok or FAIL line
run() {
	name=$1 phase=$2 log=$3
	shift 3
	fuzz "$name" "$log" "$@"
	report "$name" "$phase" "$log" $?
}

# run_bg NAME PHASE LOG ARGS...: run in the background, at most JOBS at
# once (the fuzzing phases: 10 s each, one CPU each); drain reports them in
# the order they started
JOBS=${FUZZ_JOBS:-$(nproc)}
pids= queue=
run_bg() {
	name=$1 phase=$2 log=$3
	shift 3
	if [ "$(echo $pids | wc -w)" -ge "$JOBS" ]; then
		wait ${pids%% *}
		case $pids in *" "*) pids=${pids#* } ;; *) pids= ;; esac
	fi
	rm -f "$log.rc"
	(
		fuzz "$name" "$log" "$@"
		echo $? >"$log.rc"
	) &
	pids="$pids $!"
	pids=${pids# }
	queue="$queue$name|$phase|$log
"
}

drain() {
	wait
	# a here-document, not a pipe: report counts in this shell
	while IFS='|' read -r name phase log; do
		[ -n "$name" ] && report "$name" "$phase" "$log" "$(cat "$log.rc" 2>/dev/null || echo 1)"
	done <<EOF
$queue
EOF
}

found=0
for bin in "$OUT"/fuzz_*; do
	[ -x "$bin" ] || continue
	found=1
	name=$(basename "$bin")
	t=${name#fuzz_}
	corpus=$DIR/corpus/$t
	dict=""
	[ -f "$DIR/$t.dict" ] && dict="-dict=$DIR/$t.dict"
	if [ "$mode" = long ]; then
		mkdir -p "$OUT/corpus/$t"
		run_bg "$name" "fuzzing ${FUZZ_TIME} s" "$OUT/logs/$name-long.log" $dict \
			-max_len="$(max_len "$name")" -max_total_time="$FUZZ_TIME" \
			"$OUT/corpus/$t" "$corpus"
		continue
	fi
	if [ ! -d "$corpus" ]; then
		not_ok "$name: no corpus at $corpus"
		continue
	fi
	run "$name" "replay of $(ls "$corpus" | wc -l) corpus inputs" "$OUT/logs/$name-replay.log" \
		-runs=0 "$corpus"
	# new inputs go to a scratch directory: the committed corpus is only read
	scratch=$OUT/test-corpus/$t
	rm -rf "$scratch"
	mkdir -p "$scratch"
	run_bg "$name" "fuzzing ${FUZZ_TEST_TIME} s" "$OUT/logs/$name-fuzz.log" $dict \
		-max_len="$(max_len "$name")" -max_total_time="$FUZZ_TEST_TIME" "$scratch" "$corpus"
done
drain
if [ "$found" = 0 ]; then
	not_ok "no fuzz targets in $OUT; run make fuzz-build"
fi
finish
