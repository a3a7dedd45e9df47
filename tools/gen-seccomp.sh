#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print bpfprom's seccomp profile, deploy/seccomp/bpfprom.json:
#   sh tools/gen-seccomp.sh > deploy/seccomp/bpfprom.json
# It is Debian's default container profile (containers-common's
# /usr/share/containers/seccomp.json, the one podman and CRI-O apply) with two
# changes:
#  - its rules that depend on capabilities are decided for the capabilities of
#    deploy/capabilities, and the conditions removed: containerd reads a
#    Localhost profile as a plain OCI profile, where "includes" and "excludes"
#    do not exist and every rule would apply at once;
#  - bpf() and perf_event_open() are allowed: the default allows them only with
#    CAP_SYS_ADMIN, older than CAP_BPF and CAP_PERFMON (Linux 5.8), which the
#    kernel checks on each call anyway.
# The rules that depend on the architecture keep their conditions (podman
# and CRI-O decide them; containerd adds them all, and a name the native
# architecture lacks is skipped). The deploy tests regenerate the file and
# compare, so rerun this when deploy/capabilities changes.
set -e
profile=${1:-/usr/share/containers/seccomp.json}
caps=$(grep -v '^#' "${2:-deploy/capabilities}" | tr -s ' \t\n' '   ')
jq --indent 1 --arg caps "$caps" '
	($caps | split(" ") | map(select(. != ""))) as $have
	| def held: . as $c | $have | index($c) != null;
	.syscalls |= [
		.[]
		| select(all((.includes.caps // [])[]; held) and (any((.excludes.caps // [])[]; held) | not))
		| del(.includes.caps, .excludes.caps)
		| if .action == "SCMP_ACT_ERRNO" then .names -= ["bpf", "perf_event_open"] else . end
		| select(.names != [])
	] + [{
		names: ["bpf", "perf_event_open"],
		action: "SCMP_ACT_ALLOW",
		args: [],
		comment: "bpfprom: with CAP_BPF and CAP_PERFMON, which the kernel checks",
		includes: {},
		excludes: {}
	}]' "$profile"
