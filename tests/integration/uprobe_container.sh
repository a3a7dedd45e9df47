# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: uprobes on a binary that exists only inside another
# mount namespace (a container's), named through its process: pid: resolves
# BIN in /proc/PID/root, and a /proc/PID/root/BIN path does too.

UC=$(realpath $BUILD/workload/uprobe_target)
UC_DIR=$TMP/ctr
mkdir -p "$UC_DIR"
rm -f "$TMP/uc.fifo"
mkfifo "$TMP/uc.fifo"
# the "container": a private mount namespace where a tmpfs at $UC_DIR holds
# the binary as app (and abs, an absolute link to it that only resolves
# inside); it waits on the fifo for its commands, then runs them:
# "exec" execs app (the same pid), "run" runs app twice as children and then
# creates uc.ran (one command at a time: the next waits for that)
unshare -m --propagation private sh -c "mount -t tmpfs ctr '$UC_DIR' && cp '$UC' '$UC_DIR/app' &&
	ln -s '$UC_DIR/app' '$UC_DIR/abs' &&
	while :; do
		read cmd <'$TMP/uc.fifo' || continue
		case \$cmd in
		run) '$UC_DIR/app' uc_b values 1 2; '$UC_DIR/app' uc_c values 3 4 5; : >'$TMP/uc.ran' ;;
		exec) exec '$UC_DIR/app' uc_a values 10 20 30 ;;
		esac
	done" &
uc_pid=$!
if ! until_true 10 test -e "/proc/$uc_pid/root$UC_DIR/app"; then
	not_ok "container: the binary is there inside the mount namespace" "no /proc/$uc_pid/root$UC_DIR/app"
else
	expect "container: $UC_DIR/app does not exist on the host" "no" "$([ -e "$UC_DIR/app" ] && echo yes || echo no)"
	uc_yaml() {
		printf 'metrics:\n  - name: uc_total\n    help: bpfprom_value in the container.\n    probe: uprobe:%s:bpfprom_value\n    aggregate: sum\n    value: arg0\n    labels: [comm]\n' "$1"
		[ -z "$2" ] || printf '    pid: %s\n' "$2"
	}
	# uc_send CMD: a command to the container; bounded, so that a container
	# gone by mistake fails the test instead of hanging the suite on the fifo
	uc_send() {
		timeout 10 sh -c "echo $1 >'$TMP/uc.fifo'" ||
			not_ok "container: it takes the command $1" "nothing read the fifo within 10 s"
	}
	uc_run() {
		rm -f "$TMP/uc.ran"
		uc_send run
		wait_for "container: the children ran" test -e "$TMP/uc.ran"
	}
	uc_check() {
		"$BIN" --config.check --config.file="$TMP/uc.yaml" 2>&1
		echo "rc=$?"
	}

	# errors, at --config.check
	uc_yaml "$UC_DIR/app" >"$TMP/uc.yaml"
	expect "container: without pid: the binary is looked for on the host" \
		"$(printf 'error: plan: %s:4:12: metrics[0] (uc_total): probe: binary "%s" does not exist\nrc=1' "$TMP/uc.yaml" "$UC_DIR/app")" \
		"$(uc_check)"
	uc_yaml "$UC_DIR/app" 4194000 >"$TMP/uc.yaml"
	expect "container: pid: of a process that does not exist" \
		"$(printf 'error: plan: %s:4:12: metrics[0] (uc_total): probe: process 4194000 does not exist (no /proc/4194000)\nrc=1' "$TMP/uc.yaml")" \
		"$(uc_check)"
	uc_yaml "$UC_DIR/nope" $uc_pid >"$TMP/uc.yaml"
	expect "container: pid: and a binary that is not in that process's root" \
		"$(printf 'error: plan: %s:4:12: metrics[0] (uc_total): probe: binary "%s" does not exist in /proc/%s/root (/proc/%s/root%s)\nrc=1' "$TMP/uc.yaml" "$UC_DIR/nope" $uc_pid $uc_pid "$UC_DIR/nope")" \
		"$(uc_check)"
	uc_yaml "/proc/$uc_pid/root$UC_DIR/nope" >"$TMP/uc.yaml"
	expect "container: a /proc/PID/root path to a binary that is not there" \
		"$(printf 'error: plan: %s:4:12: metrics[0] (uc_total): probe: binary "%s" does not exist in /proc/%s/root (/proc/%s/root%s)\nrc=1' "$TMP/uc.yaml" "$UC_DIR/nope" $uc_pid $uc_pid "$UC_DIR/nope")" \
		"$(uc_check)"
	uc_yaml "ctr/app" $uc_pid >"$TMP/uc.yaml"
	expect "container: pid: and a relative path" \
		"$(printf 'error: plan: %s:4:12: metrics[0] (uc_total): probe: binary "ctr/app" is a relative path; in another mount namespace (process %s) give the path that process sees, from its root\nrc=1' "$TMP/uc.yaml" $uc_pid)" \
		"$(uc_check)"

	# a /proc/PID/root path: every process that maps that file, not the
	# host's own copy of the same program
	for uc_mech in uprobe legacy; do
		uc_yaml "/proc/$uc_pid/root$UC_DIR/app" >"$TMP/uc.yaml"
		start "$TMP/uc.yaml" --probe.mechanism=$([ $uc_mech = legacy ] && echo legacy || echo auto) || continue
		uc_run
		$UC uc_host values 1000
		expect "container ($uc_mech): /proc/PID/root/BIN counts every process of the container that runs it, not the host's copy" \
			"$(printf 'uc_total{comm="uc_b"} 3\nuc_total{comm="uc_c"} 12\nbpfprom_probe_info{metric="uc_total",probe="uprobe:/proc/%s/root%s/app:bpfprom_value",mechanism="%s"} 1' $uc_pid "$UC_DIR" $uc_mech)" \
			"$(scrape | grep -e '^uc_total' -e '^bpfprom_probe_info')"
		stop "container ($uc_mech)"
	done

	# pid: BIN as that process sees it (an absolute link followed inside its
	# root), only that process
	uc_yaml "$UC_DIR/abs" $uc_pid >"$TMP/uc.yaml"
	if start "$TMP/uc.yaml"; then
		uc_run
		uc_send exec
		wait $uc_pid
		expect "container: pid: resolves BIN in that process's mount namespace, counts exactly its calls" \
			"$(printf 'uc_total{comm="uc_a"} 60\nbpfprom_probe_info{metric="uc_total",probe="uprobe:%s/abs:bpfprom_value",mechanism="uprobe"} 1' "$UC_DIR")" \
			"$(scrape | grep -e '^uc_total' -e '^bpfprom_probe_info')"
		stop "container pid:"
	fi
fi
kill $uc_pid 2>/dev/null
wait $uc_pid 2>/dev/null
