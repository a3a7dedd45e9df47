#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs bpfprom's test suites and closes with one line:
#   total: N passed, N failed, N skipped
# Usage: tests/run.sh [unit] [format] [integration] [lifecycle] [examples] [e2e] [deploy] [vm] [load] [valgrind] [asan] [fuzz]   (default: all)
# BUILD selects the build tree (build, or build/asan for sanitizers).
BUILD=${BUILD:-build}
export BUILD
NICE=
suites=${*:-"unit integration lifecycle examples e2e format deploy vm load valgrind asan fuzz"}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

record() { # suite passed failed skipped
	echo "$1 $2 $3 $4" >>"$results"
}

# BG_BUILD=1 (make test): the builds that only later suites need run in the
# background at nice 19 while the first suites run, one after another:
# the arm64 cross build (format's bpf-arch-check, vm), the ASan build
# (asan), the libFuzzer targets (fuzz). Each suite waits for its build
# (bg_wait) and then runs its own make as before: a no-op, or the error.
BG=$BUILD/bg
bg_pid=
bg_start() {
	steps=
	case " $suites " in *" format "* | *" vm "*) steps="$steps cross" ;; esac
	case " $suites " in *" asan "*) steps="$steps asan" ;; esac
	case " $suites " in *" fuzz "*) steps="$steps fuzz" ;; esac
	[ -n "$steps" ] || return
	mkdir -p "$BG"
	rm -f "$BG"/*.rc
	(
		for step in $steps; do
			case $step in
			cross) set -- cross-arm64 ;;
			asan) set -- BUILD=build/asan SAN=1 all ;;
			fuzz) set -- BUILD="$BUILD" fuzz-build ;;
			esac
			nice -n 19 make -j"$(nproc)" --no-print-directory "$@" >"$BG/$step.log" 2>&1
			echo $? >"$BG/$step.rc"
		done
	) &
	bg_pid=$!
}
# bg_wait STEP: until the background build STEP is done (or the builder is gone)
bg_wait() {
	[ -n "$bg_pid" ] || return 0
	t=$(date +%s)
	while [ ! -e "$BG/$1.rc" ] && kill -0 "$bg_pid" 2>/dev/null; do sleep 1; done
	[ "$(date +%s)" -gt $((t + 1)) ] && echo "(waited $(($(date +%s) - t)) s for the background $1 build)"
	return 0
}

run_unit() {
	p=0 f=0 k=0
	for t in "$BUILD"/unit/test_*; do
		[ -x "$t" ] || continue
		# a unit binary is seconds; 300 s is a hang
		out=$(timeout -k 10 300 "$t" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		np=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		nf=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		nk=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
		k=$((k + ${nk:-0}))
		p=$((p + ${np:-0}))
		f=$((f + ${nf:-0}))
		# a binary that died before its summary is one failure at least
		if [ "$rc" -ne 0 ] && [ "${nf:-0}" -eq 0 ]; then f=$((f + 1)); fi
	done
	# make unit and make test build it; make all does not (arm64's headers)
	if [ ! -x "$BUILD"/unit/test_syscalls_arm64 ]; then
		echo "skip - unit: arm64's syscall table ($BUILD/unit/test_syscalls_arm64 is not built: make unit)"
		k=$((k + 1))
	fi
	echo "unit: $p passed, $f failed, $k skipped"
	record unit "$p" "$f" "$k"
}

# each a make target: clang-format, the SPDX lines, and the BPF objects built
# for every architecture bpfprom runs on (x86, arm64)
run_format() {
	bg_wait cross
	p=0 f=0
	for t in format-check spdx-check bpf-arch-check; do
		if make --no-print-directory "$t" >/dev/null 2>&1; then
			echo "ok $t"
			p=$((p + 1))
		else
			make --no-print-directory "$t" 2>&1 | head -20
			echo "not ok $t"
			f=$((f + 1))
		fi
	done
	echo "format: $p passed, $f failed, 0 skipped"
	record format "$p" "$f" 0
}

# run_script SUITE SCRIPT: a suite script whose last line is
# "SUITE: N passed, N failed, N skipped"; no such line is one failure. A
# suite that hangs is stopped after SUITE_SECS (1200; the slowest, vm, takes
# about 300): one hung `wait` once cost a whole 90-minute CI run
run_script() {
	out=$(mktemp)
	(
		timeout -k 30 "${SUITE_SECS:-1200}" $NICE sh "$2"
		# 124: it ended on SIGTERM; 137: SIGKILL 30 s later
		case $? in 124 | 137) echo "$1: stopped after ${SUITE_SECS:-1200} s (SUITE_SECS): it hung" ;; esac
	) | tee "$out"
	line=$(sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\1 \2 \3/p" "$out" | tail -1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "$1: the suite did not finish"
		record "$1" 0 1 0
	else
		record "$1" $line
	fi
}

run_integration() { run_script integration tests/integration/run.sh; }
run_lifecycle() { run_script lifecycle tests/lifecycle/run.sh; }
# config/examples: checked against this kernel and loaded for real
run_examples() { run_script examples tests/examples/run.sh; }
# a real Prometheus scraping bpfprom
run_e2e() { run_script e2e tests/e2e/prometheus.sh; }
# the deploy/ files: Kubernetes, systemd, Dockerfile, Prometheus rules, Grafana
run_deploy() { run_script deploy tests/deploy/run.sh; }
# the guest tests inside Debian's 6.1 and 6.12 kernels under qemu
run_vm() {
	bg_wait cross
	if [ -n "$bg_pid" ] && ! make -j"$(nproc)" --no-print-directory cross-arm64 >/dev/null; then
		echo "vm: the arm64 cross build failed (make cross-arm64)"
		record vm 0 1 0
		return
	fi
	run_script vm tests/vm/run.sh
}
# 100 scrapers, slow clients, connection limits, hostile names (LOAD_SECS)
run_load() { run_script load tests/load/run.sh; }
# a start, scrapes, SIGHUP and SIGTERM under valgrind's memcheck
run_valgrind() { run_script valgrind tests/load/valgrind.sh; }

# the same unit and integration suites on an ASan+UBSan build
run_asan() {
	bg_wait asan
	if ! make -j"$(nproc)" --no-print-directory BUILD=build/asan SAN=1 all >/dev/null; then
		echo "asan: the sanitizer build failed"
		record asan 0 1 0
		return
	fi
	saved=$BUILD
	BUILD=build/asan
	export BUILD
	echo "== unit and integration under ASan+UBSan"
	# a sanitized start-up (the kernel's BTF parsed under ASan) on a loaded
	# 2-core host has taken over 10 s, try_start's default
	saved_secs=${START_SECS-}
	START_SECS=${START_SECS:-30}
	export START_SECS
	run_unit
	run_integration
	run_lifecycle
	START_SECS=$saved_secs
	BUILD=$saved
	export BUILD
}

# the libFuzzer targets over their corpus, then 10 s of fuzzing each
run_fuzz() {
	bg_wait fuzz
	if ! make -j"$(nproc)" --no-print-directory BUILD="$BUILD" fuzz-build >/dev/null; then
		echo "fuzz: the libFuzzer build failed"
		record fuzz 0 1 0
		return
	fi
	run_script fuzz tests/fuzz/run.sh
}

# The vm suite is minutes of qemu without KVM that need nothing from the
# other suites: VM_BESIDE=1 runs it beside them (its output shown when it
# ends). Not the default: in a CI run beside the others, at nice 19, both
# amd64 guests oopsed in their kernels' kprobe code (a NULL RIP under
# vfs_readlink's kprobe) between two wildcard kprobe tests that pass on an
# idle host: TCG on a starved host, not bpfprom, as far as it was traced
vm_out= vm_pid=
case " $suites " in
*" vm "*)
	if [ "$suites" != vm ] && [ "${VM_BESIDE:-0}" = 1 ]; then
		vm_out=$(mktemp)
		# at the lowest priority: the other suites time sleeps of a
		# few milliseconds and sample a CPU-bound loop at 99 Hz
		(
			NICE="nice -n 19"
			t0=$(date +%s)
			run_vm
			echo "time: vm $(($(date +%s) - t0)) s (beside the other suites)"
		) >"$vm_out" 2>&1 &
		vm_pid=$!
		suites=$(echo " $suites " | sed 's/ vm / /')
	fi
	;;
esac

[ "${BG_BUILD:-0}" = 1 ] && bg_start
for s in $suites; do
	t0=$(date +%s)
	case $s in
	unit) run_unit ;;
	format) run_format ;;
	integration) run_integration ;;
	lifecycle) run_lifecycle ;;
	examples) run_examples ;;
	e2e) run_e2e ;;
	deploy) run_deploy ;;
	vm) run_vm ;;
	load) run_load ;;
	valgrind) run_valgrind ;;
	asan) run_asan ;;
	fuzz) run_fuzz ;;
	*) echo "run.sh: unknown suite $s" >&2; exit 2 ;;
	esac
	# where CI's time goes (the goal is under 20 minutes on 2 cores)
	echo "time: $s $(($(date +%s) - t0)) s"
done
if [ -n "$vm_pid" ]; then
	echo "== vm (ran beside the other suites)"
	wait "$vm_pid"
	cat "$vm_out"
	rm -f "$vm_out"
fi

awk '{ p += $2; f += $3; s += $4 } END { printf "total: %d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }' "$results"
