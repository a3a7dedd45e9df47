# SPDX-License-Identifier: GPL-2.0
# The shell harness of the suites under tests/, sourced from the repository
# root after SUITE is set (`SUITE=name; . tests/lib.sh`). It owns:
#  - the counters and the closing line "SUITE: N passed, N failed, N skipped"
#    that tests/run.sh parses (ok, not_ok, skip, expect..., finish);
#  - one bpfprom at a time: start (a start that fails is a failure), stop,
#    scrape, hup (a reload that is waited for), with PID, ADDR, PORT, RC and
#    its log in $TMP/log;
#  - bounded waits on a condition instead of fixed sleeps (wait_for, until_true);
#  - what a running bpfprom holds in the kernel (prog_ids) and what it must
#    clean up in tracefs (probe_events).
# A suite's own cleanup goes in AT_EXIT (a command run before $TMP goes).
BUILD=${BUILD:-build}
BIN=$BUILD/bpfprom
PASS=0 FAIL=0 SKIP=0
PID= RC= ADDR= PORT= RUNAS= AT_EXIT=
TMP=$(mktemp -d)

lib_cleanup() {
	[ -n "$AT_EXIT" ] && $AT_EXIT
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$KEEP_TMP" ] || rm -rf "$TMP"
}
trap lib_cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
# not_ok NAME [DETAIL...]: each detail on its own indented line
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       $l"; done; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $1 ($2)"; }

# expect NAME EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# expect_file NAME EXPECTED_FILE ACTUAL_FILE
expect_file() {
	if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(diff "$2" "$3" | head -20)"; fi
}

# expect_ge NAME MIN ACTUAL: ACTUAL is a number >= MIN
expect_ge() {
	if [ -n "$3" ] && [ "$3" -ge "$2" ] 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "expected: at least $2" "actual:   ${3:-(no sample)}"
	fi
}

# finish: the closing line; exit status 1 when anything failed
finish() {
	echo "$SUITE: $PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" -eq 0 ]
	exit
}

# need_root: the whole suite is skipped unless this is root
need_root() {
	if [ "$(id -u)" != 0 ]; then
		skip "$SUITE suite" "needs root"
		finish
	fi
}

# until_true SECS CMD...: run CMD every 0.1 s until it succeeds (0) or SECS
# have passed (1)
until_true() {
	end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# wait_for NAME CMD...: until_true with WAIT_SECS (10); a timeout is a
# failure named NAME
wait_for() {
	w_name=$1
	shift
	until_true "${WAIT_SECS:-10}" "$@" && return 0
	not_ok "$w_name" "not true within ${WAIT_SECS:-10} s: $*"
	return 1
}

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in Z* | X* | "") return 1 ;; esac
}

# try_start CONFIG [FLAG...]: bpfprom on a free loopback port, under RUNAS (a
# command prefix, split into words) when set; waits START_SECS (10) for its
# "listening on" line. Sets PID, ADDR and PORT; 1 (with RC, its exit status)
# when it did not start. For starts that are meant to fail; start counts.
try_start() {
	: >"$TMP/log"
	s_cfg=$1
	shift
	$RUNAS "$BIN" --config.file="$s_cfg" --web.listen-address=127.0.0.1:0 "$@" 2>"$TMP/log" &
	PID=$!
	RC=
	s_end=$(($(date +%s%N) + ${START_SECS:-10} * 1000000000))
	while :; do
		ADDR=$(sed -n 's/.*listening on \([^;]*\).*$/\1/p' "$TMP/log")
		if [ -n "$ADDR" ]; then
			PORT=${ADDR##*:}
			return 0
		fi
		alive "$PID" && [ "$(date +%s%N)" -lt "$s_end" ] || break
		sleep 0.1
	done
	kill -9 "$PID" 2>/dev/null
	wait "$PID"
	RC=$?
	PID=
	return 1
}

# start CONFIG [FLAG...]: try_start, and a start that fails is a failure
start() {
	try_start "$@" && return 0
	not_ok "bpfprom starts with $s_cfg${RUNAS:+ (under $RUNAS)}" "exit status ${RC}; its log:" "$(cat "$TMP/log")"
	return 1
}

# stop [NAME]: SIGTERM, and wait STOP_SECS (10) for the exit (then SIGKILL);
# sets RC. With NAME, "NAME: SIGTERM exits 0" is a test.
stop() {
	kill -TERM "$PID" 2>/dev/null
	if ! until_true "${STOP_SECS:-10}" not_alive "$PID"; then
		echo "       (bpfprom did not exit within ${STOP_SECS:-10} s of SIGTERM: killed)"
		kill -9 "$PID" 2>/dev/null
	fi
	wait "$PID"
	RC=$?
	PID=
	[ -z "$1" ] || expect "$1: SIGTERM exits 0" 0 "$RC"
}
not_alive() { ! alive "$1"; }

# http CURL_ARGS...: curl with errors shown and a 10 s limit
http() { curl -sS --max-time 10 "$@"; }
# scrape [PATH] [ACCEPT]: the body of PATH (/metrics) of the running bpfprom
scrape() { http ${2:+-H "Accept: $2"} "http://$ADDR${1:-/metrics}"; }
# value NAME: the value of the series NAME (the whole name, labels and all)
value() { scrape | sed -n "s/^$1 //p"; }

# scrape_append FILE: one scrape appended to FILE after a "# SCRAPE" line
scrape_append() { echo "# SCRAPE" >>"$1"; scrape >>"$1"; }
# last_scrape FILE: the last scrape scrape_append wrote to FILE
last_scrape() { awk '/^# SCRAPE/ { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' "$1"; }
# episodes METRIC FILE: over the scrapes scrape_append wrote to FILE, the
# sum of the final values of METRIC's series (a series' value in the last
# scrape before one without it, or in the last scrape), and how often a
# series went down from one scrape to the next: with series that retire,
# "SUM 0" where SUM is every event the metric counted
episodes() {
	awk -v m="$1{" '
	function flush() {
		for (k in prev) if (!(k in cur)) total += prev[k]
		for (k in cur) if ((k in prev) && cur[k] + 0 < prev[k] + 0) down++
		delete prev
		for (k in cur) prev[k] = cur[k]
		delete cur
	}
	/^# SCRAPE/ { flush(); next }
	index($0, m) == 1 { cur[$1] = $2 }
	END { flush(); for (k in prev) total += prev[k]; print total + 0, down + 0 }' "$2"
}

# accepted N: the running bpfprom holds at least N established connections on
# PORT (one still in the kernel's accept queue has no owner yet)
accepted() { [ "$(ss -Htnp state established "( sport = :$PORT )" | grep -c "pid=$PID,")" -ge "$1" ]; }

# hup [PID]: SIGHUP to PID (bpfprom's), then wait HUP_SECS (10) until its log
# has one more reload line; prints that line less its level, or says that
# none came
hup() {
	h_n=$(grep -c 'reload: ' "$TMP/log")
	kill -HUP "${1:-$PID}"
	if until_true "${HUP_SECS:-10}" reloaded "$h_n"; then
		grep 'reload: ' "$TMP/log" | tail -1 | sed 's/^[a-z]*: //'
	else
		echo "(no reload line within ${HUP_SECS:-10} s of SIGHUP)"
	fi
}
reloaded() { [ "$(grep -c 'reload: ' "$TMP/log")" -gt "$1" ]; }

# prog_ids [PID]: the BPF programs a bpfprom holds (prog and link fds name a
# prog_id), so that other BPF users on the machine do not disturb the counts
prog_ids() { cat /proc/"${1:-$PID}"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -un; }
loaded_progs() { prog_ids "$@" | wc -l; }
# still_loaded IDS: how many of the programs IDS (a list) the kernel still has
still_loaded() { n=0; for id in $1; do bpftool prog show id "$id" >/dev/null 2>&1 && n=$((n + 1)); done; echo $n; }
# held NAME: the programs the running bpfprom holds, in OURS; holding none is
# a failure (a check that they are gone later would pass on nothing)
held() {
	OURS=$(prog_ids)
	if [ -n "$OURS" ]; then
		ok "$1: bpfprom holds its $(echo $OURS | wc -w) BPF programs"
	else
		not_ok "$1: bpfprom holds its BPF programs" "no prog_id in /proc/$PID/fdinfo"
	fi
}
# gone NAME PATTERN: after stop, none of OURS is loaded and no uprobe_events
# or kprobe_events entry matches PATTERN (a fixed string: a binary's path, a
# pid), as bpfprom must remove what it added to tracefs
gone() {
	expect "$1: none of its $(echo $OURS | wc -w) BPF programs is left loaded, no tracefs probe event names ${2:-it}" \
		"0 programs, events: " "$(still_loaded "$OURS") programs, events: $(probe_events "${2:-$BIN}" | tr '\n' ' ')"
}

TRACEFS=/sys/kernel/tracing
[ -e $TRACEFS/events ] || TRACEFS=/sys/kernel/debug/tracing
# probe_events PATTERN: the entries of uprobe_events and kprobe_events (those
# the kernel has) that contain PATTERN
probe_events() {
	for f in $TRACEFS/uprobe_events $TRACEFS/kprobe_events; do
		[ -r "$f" ] && grep -F -e "$1" "$f"
	done
	return 0
}
