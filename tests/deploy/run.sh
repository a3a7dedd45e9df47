#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The deploy/ files: Kubernetes manifests, systemd unit, Dockerfile,
# Prometheus rules and Grafana dashboard, checked offline with Debian's tools
# (libyaml through build/deploy/yaml2json, jq, promtool, systemd-analyze,
# apt-cache, dpkg, strace, setpriv) and against the real build/bpfprom on
# this kernel (its exported names, its capabilities, its system calls).
# Closes with: deploy: N passed, N failed, N skipped
SUITE=deploy
. tests/lib.sh
Y2J=$BUILD/deploy/yaml2json
K=deploy/kubernetes
P=deploy/prometheus
UNIT=deploy/bpfprom.service
DASH=deploy/grafana/bpfprom.json

# missing TOOL...: the first tool that is not installed, if any
missing() {
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$t"; return 0; }
	done
	return 1
}

# words: one word per line, sorted, from whitespace-separated words on stdin
words() { tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u; }

for t in jq "$Y2J"; do
	if ! command -v "$t" >/dev/null; then
		skip "deploy suite" "$t is missing; run make"
		finish
	fi
done

# --- every YAML file parses ------------------------------------------------
mkdir -p "$TMP/json"
for f in $(find deploy -name '*.yaml' -o -name '*.yml' | sort); do
	j="$TMP/json/$(echo "$f" | tr / _).json"
	if "$Y2J" "$f" >"$j" 2>"$TMP/err" && jq -e -s 'length > 0' "$j" >/dev/null; then
		ok "yaml: $f parses (libyaml; no duplicate keys, no aliases)"
	else
		not_ok "yaml: $f parses" "$(cat "$TMP/err")"
	fi
done
DS="$TMP/json/deploy_kubernetes_daemonset.yaml.json"
SVC="$TMP/json/deploy_kubernetes_service.yaml.json"
SM="$TMP/json/deploy_kubernetes_servicemonitor.yaml.json"
CM="$TMP/json/deploy_kubernetes_configmap.yaml.json"
printf 'a: 1\nb:\n  c: 2\n  c: 3\n' >"$TMP/dup.yaml"
"$Y2J" "$TMP/dup.yaml" >/dev/null 2>"$TMP/err"
expect "yaml: a duplicate key is refused, with file:line:col" \
	"1 yaml2json: $TMP/dup.yaml:4:3: duplicate key in one mapping" "$? $(cat "$TMP/err")"

# --- one capability set everywhere ----------------------------------------
CAPS=$(grep -v '^#' deploy/capabilities | words)
unit_key() { sed -n "s/^$1=//p" "$UNIT"; }
expect "capabilities: $UNIT AmbientCapabilities is deploy/capabilities" \
	"$CAPS" "$(unit_key AmbientCapabilities | words)"
expect "capabilities: $UNIT CapabilityBoundingSet is deploy/capabilities" \
	"$CAPS" "$(unit_key CapabilityBoundingSet | words)"
expect "capabilities: $K/daemonset.yaml adds deploy/capabilities and drops ALL" \
	"$CAPS
drop ALL" \
	"$(jq -r '.spec.template.spec.containers[].securityContext.capabilities.add[]' "$DS" | sed 's/^/CAP_/' | sort -u)
drop $(jq -r '.spec.template.spec.containers[].securityContext.capabilities.drop | join(" ")' "$DS")"

# --- Kubernetes --------------------------------------------------------------
jq -j '.data["default.yaml"]' "$CM" >"$TMP/cm-default.yaml"
if cmp -s "$TMP/cm-default.yaml" config/default.yaml; then
	ok "kubernetes: the ConfigMap's default.yaml is config/default.yaml, byte for byte"
else
	not_ok "kubernetes: the ConfigMap's default.yaml is config/default.yaml, byte for byte" \
		"regenerate it: sh tools/gen-configmap.sh > $K/configmap.yaml" \
		"$(diff config/default.yaml "$TMP/cm-default.yaml" | head -10)"
fi
expect "kubernetes: the DaemonSet uses the host's PID namespace (its /proc shows the host's processes)" \
	true "$(jq '.spec.template.spec.hostPID' "$DS")"
expect "kubernetes: nothing is privileged: true, no privilege escalation, read-only root" \
	"false false true" \
	"$(jq -s '[.[] | .. | objects | .privileged? // empty] | any(. == true)' "$TMP"/json/deploy_kubernetes_*.json) $(jq -r '.spec.template.spec.containers[0].securityContext | "\(.allowPrivilegeEscalation) \(.readOnlyRootFilesystem)"' "$DS")"
# every host path, where it is mounted and how: the mount path is the host
# path, since bpfprom reads the usual places
expect "kubernetes: the host's tracefs, BTF, bpffs, cgroups and pod logs, each at its own path, read-only" \
	"/sys/fs/bpf /sys/fs/bpf true
/sys/fs/cgroup /sys/fs/cgroup true
/sys/kernel/btf /sys/kernel/btf true
/sys/kernel/tracing /sys/kernel/tracing true
/var/log/pods /var/log/pods true" \
	"$(jq -r '.spec.template.spec as $s | $s.volumes[] | select(.hostPath) | . as $v
		| ($s.containers[0].volumeMounts[] | select(.name == $v.name))
		| "\($v.hostPath.path) \(.mountPath) \(.readOnly)"' "$DS" | sort)"
expect "kubernetes: every volume mount is read-only" \
	"[]" "$(jq -c '[.spec.template.spec.containers[].volumeMounts[] | select(.readOnly != true) | .name]' "$DS")"
expect "kubernetes: args are --config.file and --web.listen-address" \
	'["--config.file=/etc/bpfprom/default.yaml","--web.listen-address=:9862"]' \
	"$(jq -c '.spec.template.spec.containers[0].args' "$DS")"
expect "kubernetes: --config.file is the ConfigMap's key where the DaemonSet mounts it" \
	"/etc/bpfprom/default.yaml" \
	"$(jq -r '.spec.template.spec as $s | ($s.volumes[] | select(.configMap) | .name) as $n
		| ($s.containers[0].volumeMounts[] | select(.name == $n) | .mountPath)' "$DS")/$(jq -r '.data | keys[0]' "$CM")"
expect "kubernetes: the mounted ConfigMap is the one shipped" \
	"$(jq -r '.metadata.name' "$CM")" \
	"$(jq -r '.spec.template.spec.volumes[] | select(.configMap) | .configMap.name' "$DS")"
expect "kubernetes: the port named metrics is the listen address's; readiness probes / on it" \
	"9862 :9862 / metrics" \
	"$(jq -r '.spec.template.spec.containers[0] | "\(.ports[] | select(.name == "metrics") | .containerPort) \(.args[] | select(startswith("--web.listen-address=")) | sub(".*="; "")) \(.readinessProbe.httpGet.path) \(.readinessProbe.httpGet.port)"' "$DS")"
expect "kubernetes: CPU and memory requests are set" \
	"true true" "$(jq -r '.spec.template.spec.containers[0].resources.requests | "\(.cpu != null) \(.memory != null)"' "$DS")"
expect "kubernetes: the seccomp profile deploy/seccomp/bpfprom.json (Localhost), no service account token" \
	"Localhost deploy/seccomp/bpfprom.json false" \
	"$(jq -r '.spec.template.spec | "\(.containers[0].securityContext.seccompProfile.type) deploy/seccomp/\(.containers[0].securityContext.seccompProfile.localhostProfile) \(.automountServiceAccountToken)"' "$DS")"
if [ ! -r /usr/share/containers/seccomp.json ]; then
	skip "seccomp: deploy/seccomp/bpfprom.json is tools/gen-seccomp.sh's" "no /usr/share/containers/seccomp.json (golang-github-containers-common)"
else
	sh tools/gen-seccomp.sh >"$TMP/seccomp.json" 2>"$TMP/err"
	if cmp -s "$TMP/seccomp.json" deploy/seccomp/bpfprom.json; then
		ok "seccomp: deploy/seccomp/bpfprom.json is tools/gen-seccomp.sh's from Debian's default profile and deploy/capabilities"
	else
		not_ok "seccomp: deploy/seccomp/bpfprom.json is tools/gen-seccomp.sh's from Debian's default profile and deploy/capabilities" \
			"regenerate it: sh tools/gen-seccomp.sh > deploy/seccomp/bpfprom.json" \
			"$(cat "$TMP/err"; diff deploy/seccomp/bpfprom.json "$TMP/seccomp.json" | head -10)"
	fi
fi
# what each rule of the profile does to a name, as the runtime would see it
# once the capability conditions are decided: no rule depends on a
# capability, and bpf and perf_event_open are allowed and denied by none
expect "seccomp: no rule depends on a capability; bpf() and perf_event_open() allowed, never denied" \
	'0 ["bpf","perf_event_open"] []' \
	"$(jq -c '[.syscalls[] | select((.includes.caps // []) != [] or (.excludes.caps // []) != [])] | length' deploy/seccomp/bpfprom.json) $(jq -c '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[] | select(. == "bpf" or . == "perf_event_open")] | sort' deploy/seccomp/bpfprom.json) $(jq -c '[.syscalls[] | select(.action != "SCMP_ACT_ALLOW") | .names[] | select(. == "bpf" or . == "perf_event_open")]' deploy/seccomp/bpfprom.json)"
UPV="$TMP/json/deploy_kubernetes-uprobes_daemonset.yaml.json"
expect "kubernetes: deploy/kubernetes-uprobes/daemonset.yaml is daemonset.yaml plus CAP_SYS_ADMIN and the host's / at /host, read-only" \
	"$(jq -cS . "$DS") SYS_ADMIN / /host true" \
	"$(jq -cS '.spec.template.spec |= ((.containers[0].securityContext.capabilities.add -= ["SYS_ADMIN"])
		| del(.volumes[] | select(.name == "host")) | del(.containers[0].volumeMounts[] | select(.name == "host")))' "$UPV") $(jq -r '.spec.template.spec
		| "\([.containers[0].securityContext.capabilities.add[] | select(. == "SYS_ADMIN")] | join(","))
		\(.volumes[] | select(.name == "host") | .hostPath.path)
		\(.containers[0].volumeMounts[] | select(.name == "host") | "\(.mountPath) \(.readOnly)")"' "$UPV" | tr -s '\n\t' '  ' | sed 's/ $//')"
expect "kubernetes: the Service selects the DaemonSet's pods, on the metrics port" \
	"$(jq -c '.spec.template.metadata.labels' "$DS") metrics" \
	"$(jq -c '.spec.selector' "$SVC") $(jq -r '.spec.ports[0].targetPort' "$SVC")"
expect "kubernetes: the ServiceMonitor selects the Service, on its port, as job bpfprom" \
	"true metrics bpfprom" \
	"$(jq -r --slurpfile svc "$SVC" '.spec as $m | $svc[0].metadata.labels as $l
		| "\($m.selector.matchLabels | to_entries | all(.value == $l[.key])) \($m.endpoints[0].port) \($l[$m.jobLabel])"' "$SM")"
expect "kubernetes: the Service's port is the metrics port" \
	"metrics" "$(jq -r '.spec.ports[0].name' "$SVC")"

# --- Dockerfile --------------------------------------------------------------
# stage_pkgs N: the packages apt-get installs in the Dockerfile's Nth stage
stage_pkgs() {
	sed ':a;/\\$/{N;s/\\\n//;ba}' deploy/Dockerfile | awk -v n="$1" '
		/^FROM / { stage++ }
		stage == n && /apt-get install/ {
			sub(/.*apt-get install/, ""); sub(/&&.*/, "")
			for (i = 1; i <= NF; i++) if ($i !~ /^-/) print $i
		}' | sort -u
}
# owners FILE...: "FILE PACKAGE" for each FILE, the Debian package that holds
# it under that name, its target's or with or without /usr (usrmerge); one
# dpkg -S for all, as each call reads the whole database
owners() {
	for f in "$@"; do printf '%s\n%s\n/usr%s\n%s\n' "$f" "$(readlink -f "$f")" "$f" "${f#/usr}"; done |
		grep '^/' | sort -u >"$TMP/cand"
	dpkg -S $(cat "$TMP/cand") 2>/dev/null | sed -n 's/^\([^:,]*\).*: \(\/.*\)/\2 \1/p' >"$TMP/dpkg-S"
	for f in "$@"; do
		o=
		for v in "$f" "$(readlink -f "$f")" "/usr$f" "${f#/usr}"; do
			o=$(awk -v p="$v" '$1 == p { print $2; exit }' "$TMP/dpkg-S")
			[ -n "$o" ] && break
		done
		echo "$f ${o:-(no package)}"
	done
}
# closure PKG...: the packages apt installs for PKG... (their dependencies, recursively)
closure() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$@" 2>/dev/null | sed -n 's/^\([a-z0-9][^ :]*\).*/\1/p' | sort -u
}
BUILD_PKGS=$(stage_pkgs 1)
RUN_PKGS=$(stage_pkgs 2)
expect "docker: two stages, both on BASE, by default debian:bookworm" \
	"ARG BASE=debian:bookworm
FROM \${BASE} AS build
FROM \${BASE}" "$(grep -e '^FROM ' -e '^ARG BASE' deploy/Dockerfile)"
if t=$(missing apt-cache dpkg readelf ldd pkg-config); then
	skip "docker: packages" "$t is not installed"
elif ! apt-cache show libc6 >/dev/null 2>&1; then
	skip "docker: packages" "apt has no package lists; run apt-get update"
else
	all=$(echo $BUILD_PKGS $RUN_PKGS | words)
	expect "docker: every package of both stages is in Debian ($(echo $all | wc -w))" "$all" \
		"$(apt-cache show --no-all-versions $all 2>/dev/null | sed -n 's/^Package: //p' | sort -u)"
	# what build/bpfprom links by name, less libc6 (in every Debian image)
	readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$TMP/needed"
	ldd "$BIN" >"$TMP/ldd"
	owners $(for l in $(cat "$TMP/needed"); do awk -v l="$l" '$1 == l { print $3 }' "$TMP/ldd"; done) |
		cut -d' ' -f2- | sort -u | grep -vx libc6 >"$TMP/needed-pkgs"
	expect "docker: the runtime stage installs exactly the packages of the libraries bpfprom links" \
		"$RUN_PKGS" "$(cat "$TMP/needed-pkgs")"
	closure $RUN_PKGS libc6 >"$TMP/run-closure"
	owners $(awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$TMP/ldd") >"$TMP/ldd-owners"
	expect "docker: every library ldd loads ($(wc -l <"$TMP/ldd-owners")) comes with the runtime packages" "" \
		"$(awk 'NR == FNR { ok[$1] = 1; next } !ok[$2] { printf "%s ", $0 }' "$TMP/run-closure" "$TMP/ldd-owners")"
	# what the Makefile builds build/bpfprom with, outside this repository
	need=
	for m in $(sed -n 's/^PKGS := //p' Makefile); do
		need="$need $(pkg-config --variable=pcfiledir "$m")/$m.pc"
	done
	for t in make gcc clang llvm-strip bpftool protoc-c pkg-config; do need="$need $(command -v $t)"; done
	need="$need /usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client/metrics.proto"
	need="$need /usr/include/google/protobuf/timestamp.proto /usr/include/stdio.h"
	need="$need /usr/include/$(gcc -print-multiarch)/asm/unistd_64.h"
	closure $BUILD_PKGS >"$TMP/build-closure"
	owners $need >"$TMP/need-owners"
	expect "docker: the build stage has every tool, header and .pc file the Makefile uses ($(echo $need | wc -w))" "" \
		"$(awk 'NR == FNR { ok[$1] = 1; next } !ok[$2] { printf "%s ", $0 }' "$TMP/build-closure" "$TMP/need-owners")"
fi
expect "docker: the image runs the binary it copies with the config it copies" \
	'/usr/bin/bpfprom /usr/bin/bpfprom --config.file=/etc/bpfprom/default.yaml /etc/bpfprom/default.yaml' \
	"$(sed -n 's|^COPY --from=build /src/build/bpfprom \(.*\)|\1|p' deploy/Dockerfile) $(sed -n 's/^ENTRYPOINT \["\(.*\)"\]/\1/p' deploy/Dockerfile) $(sed -n 's/^CMD \["\([^"]*\)".*/\1/p' deploy/Dockerfile) $(sed -n 's|^COPY config/default.yaml \(.*\)|\1|p' deploy/Dockerfile)"

# --- systemd -----------------------------------------------------------------
if t=$(missing systemd-analyze); then
	skip "systemd: verify, security" "$t is not installed"
else
	# verify needs the binaries the unit runs and the units it pulls in
	R="$TMP/root"
	mkdir -p "$R/usr/local/bin" "$R/bin" "$R/etc/systemd/system" "$R/usr/lib/systemd"
	cp -a /lib/systemd/system "$R/usr/lib/systemd/"
	cp "$BIN" "$R/usr/local/bin/bpfprom"
	cp /bin/kill "$R/bin/kill"
	cp "$UNIT" "$R/etc/systemd/system/"
	out=$(systemd-analyze verify --root="$R" bpfprom.service 2>&1)
	expect "systemd: systemd-analyze verify finds nothing to say" "0 " "$? $out"
	out=$(systemd-analyze security --offline=yes --threshold=26 "$UNIT" 2>&1)
	rc=$?
	expect "systemd: exposure 2.5 (systemd-analyze security; at most 2.6 by --threshold)" \
		"0 Overall exposure level for bpfprom.service: 2.5 OK" \
		"$rc $(echo "$out" | sed -n 's/^→ \(Overall.*[0-9] [A-Z]*\).*/\1/p')"
fi
expect "systemd: ExecReload sends SIGHUP; ExecStart uses --config.file and --web.listen-address" \
	"/bin/kill -HUP \$MAINPID --config.file=/etc/bpfprom/config.yaml --web.listen-address=:9862" \
	"$(unit_key ExecReload) $(unit_key ExecStart | cut -d' ' -f2-)"

# names EXPR...: the metric names a PromQL expression reads. Strings, label
# matchers, ranges, grouping label lists, Grafana variables, durations and
# numbers go first; what is left is names, functions (followed by "(") and
# keywords.
names() {
	printf '%s\n' "$@" | sed -E 's/"([^"\\]|\\.)*"//g; s/\{[^}]*\}//g; s/\[[^]]*\]//g;
		s/\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)//g;
		s/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?//g;
		s/(^|[^A-Za-z0-9_:.])[0-9]+(ms|s|m|h|d|w|y)\b/\1/g;
		s/(^|[^A-Za-z0-9_:.])[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?/\1/g' |
		grep -oE '[A-Za-z_:][A-Za-z0-9_:]*[[:space:]]*\(?' | grep -v '($' | sed 's/[[:space:]]*$//' |
		grep -vxE 'and|or|unless|bool|offset|by|without|on|ignoring|group_left|group_right|inf|nan|Inf|NaN' |
		sort -u
}
expect "names: a PromQL expression's metric names, without functions, labels, variables or numbers" \
	"bogus_bucket
ipv4_total
up" \
	"$(names 'sum by (le) (rate(bogus_bucket{job=~"$job",le!="+Inf"}[$__rate_interval])) / on (instance) group_left topk(3, up) > 1e9 offset 5m' \
		'ipv4_total * 0.5 + ${x}')"

# --- Prometheus --------------------------------------------------------------
if t=$(missing promtool); then
	skip "prometheus: promtool checks" "$t is not installed"
else
	out=$(promtool check config $P/prometheus.yml 2>&1)
	expect "prometheus: promtool check config (the scrape config and its rule file)" 0 "$?"
	nrules=$(jq -s '[.[0].groups[].rules[]] | length' "$TMP/json/deploy_prometheus_bpfprom.rules.yml.json")
	out=$(promtool check rules $P/bpfprom.rules.yml 2>&1)
	expect "prometheus: promtool check rules" "0 SUCCESS: $nrules rules found" \
		"$? $(echo "$out" | sed -n 's/^ *\(SUCCESS.*\)/\1/p')"
	out=$(cd $P && promtool test rules bpfprom.rules.test.yml 2>&1)
	expect "prometheus: promtool test rules fires each alert, exact labels and annotations" 0 "$?"
	expect "prometheus: every alert has a test" \
		"$(jq -r '.groups[].rules[].alert' "$TMP/json/deploy_prometheus_bpfprom.rules.yml.json" | sort -u)" \
		"$(jq -r '.tests[].alert_rule_test[].alertname' "$TMP/json/deploy_prometheus_bpfprom.rules.test.yml.json" | sort -u)"
	# the control: a threshold moved by a little makes the tests fail
	mkdir -p "$TMP/mut"
	sed 's|bpfprom_map_capacity{job="bpfprom"} > 0.9|bpfprom_map_capacity{job="bpfprom"} > 0.95|' \
		$P/bpfprom.rules.yml >"$TMP/mut/bpfprom.rules.yml"
	cp $P/bpfprom.rules.test.yml "$TMP/mut/"
	(cd "$TMP/mut" && promtool test rules bpfprom.rules.test.yml >/dev/null 2>&1)
	rc=$?
	expect "prometheus: with BpfpromMapNearlyFull at 0.95 instead of 0.9 the rule tests fail" \
		"1 changed" "$rc $(cmp -s $P/bpfprom.rules.yml "$TMP/mut/bpfprom.rules.yml" || echo changed)"
fi
# --- Grafana -----------------------------------------------------------------
if jq -e . "$DASH" >/dev/null 2>"$TMP/err"; then
	ok "grafana: $DASH is valid JSON"
else
	not_ok "grafana: $DASH is valid JSON" "$(cat "$TMP/err")"
fi
expect "grafana: schemaVersion 36 or later, panel ids unique" "true true" \
	"$(jq -r '"\(.schemaVersion >= 36) \([.panels[].id] | length == (unique | length))"' "$DASH")"
expect "grafana: variables datasource (of type prometheus), job and instance" \
	"datasource:datasource:prometheus job:query instance:query" \
	"$(jq -r '[.templating.list[] | "\(.name):\(.type)\(if .type == "datasource" then ":" + .query else "" end)"] | join(" ")' "$DASH")"
expect "grafana: every panel, query and variable reads the \$datasource variable" \
	'[{"type":"prometheus","uid":"${datasource}"}]' \
	"$(jq -c '[.. | objects | select(has("datasource")) | .datasource] | unique' "$DASH")"
jq -r '.. | objects | .expr? // empty' "$DASH" >"$TMP/exprs"
jq -r '.templating.list[] | select(.type == "query") | .query.query' "$DASH" |
	sed -n 's/^label_values(\([A-Za-z_:][A-Za-z0-9_:]*\).*/\1/p' >"$TMP/varnames"
"$Y2J" config/default.yaml >"$TMP/default.json"
expect "grafana: a heatmap of sum by (le) of the bucket rates for each hist and lhist of default.yaml" \
	"$(jq -r '.metrics[] | select(.aggregate == "hist" or .aggregate == "lhist") | "heatmap heatmap sum by (le) (rate(\(.name)_bucket{job=~\"$job\", instance=~\"$instance\"}[$__rate_interval]))"' "$TMP/default.json" | sort)" \
	"$(jq -r '.panels[] | select(.type == "heatmap") | .targets[] | "heatmap \(.format) \(.expr)"' "$DASH" | sort)"
counters=$(jq -r '.metrics[] | select(.aggregate == "count" or .aggregate == "sum") | .name' "$TMP/default.json" | sort)
expect "grafana: a rate panel for each counter of default.yaml ($(echo $counters | wc -w))" "$counters" \
	"$(for n in $counters; do grep -qF "rate($n{" "$TMP/exprs" && echo "$n"; done)"
expect "grafana: panels for dropped events and scrape duration" \
	"bpfprom_dropped_events_total bpfprom_scrape_duration_seconds" \
	"$(names "$(cat "$TMP/exprs")" | grep -xE 'bpfprom_dropped_events_total|bpfprom_scrape_duration_seconds' | tr '\n' ' ' | sed 's/ $//')"

if [ "$(id -u)" != 0 ]; then
	skip "bpfprom under the deploy files' restrictions; the names the rules and dashboard read" "needs root"
	finish
fi
START_SECS=15
# wrap WRAPPER...: the command prefix of the next starts (lib's RUNAS)
wrap() { RUNAS="$*"; }

# --- the capabilities are enough, and they are what is used ----------------
# Only what this process holds can be granted; a capability it lacks is
# left out and named (if bpfprom works with fewer, it works with all).
capnum() { sed -n "s/^#define $1[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" /usr/include/linux/capability.h; }
have=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
grant= lacking= mask=0
for c in $CAPS; do
	n=$(capnum "$c")
	if [ -n "$n" ] && [ $((0x$have >> n & 1)) = 1 ]; then
		grant="$grant,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
		mask=$((mask | 1 << n))
	else
		lacking="$lacking $c"
	fi
done
note=${lacking:+" (without$lacking, which this test lacks)"}
grant=${grant#,}
if t=$(missing setpriv curl); then
	skip "capabilities: bpfprom with deploy/capabilities only" "$t is not installed"
else
	# the DaemonSet: root, every other capability dropped, no_new_privs
	wrap setpriv --inh-caps=-all --bounding-set=-all,"$grant" --no-new-privs
	if start config/default.yaml; then
		n=$(scrape | grep -c '^syscalls_total{')
		eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$PID/status)
		stop
		expect "capabilities: as root with deploy/capabilities only$note, default.yaml loads and counts" \
			"counts, effective $(printf '%016x' $mask)" "$([ "$n" -gt 0 ] && echo counts), effective $eff"
	fi
	# the systemd unit: a non-root user holding them as ambient capabilities
	wrap setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,"$grant" --ambient-caps=-all,"$grant" --bounding-set=-all,"$grant" --no-new-privs
	if start config/default.yaml; then
		n=$(scrape | grep -c '^syscalls_total{')
		stop
		expect "capabilities: as a non-root user with them ambient$note, default.yaml loads and counts" counts \
			"$([ "$n" -gt 0 ] && echo counts)"
	fi
	# the control: without CAP_BPF the same start fails, so the grant matters
	nobpf=$(echo "$grant" | sed 's/+bpf,\{0,1\}//; s/,$//')
	wrap setpriv --inh-caps=-all --bounding-set=-all,"$nobpf" --no-new-privs
	if try_start config/default.yaml; then
		stop
		not_ok "capabilities: without CAP_BPF bpfprom refuses to start" "it started"
	else
		expect "capabilities: without CAP_BPF bpfprom refuses to start, exit 1" \
			"1 error: loader: metrics[0] (syscalls_total): the kernel refused the BPF program: Operation not permitted (details with --log.level=debug)" \
			"$RC $(cat "$TMP/log")"
	fi
	wrap
fi

# --- what bpfprom does passes the unit's filters -----------------------------
if t=$(missing strace systemd-analyze curl); then
	skip "systemd: system calls, socket families and mappings under strace" "$t is not installed"
elif wrap strace -f -qq -o "$TMP/strace" && start tests/deploy/configs/syscalls.yaml; then
	wrap
	scrape >/dev/null
	http --compressed -H 'Accept: application/openmetrics-text' "http://$ADDR/metrics" >/dev/null
	scrape /metrics 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' >/dev/null
	scrape / >/dev/null
	scrape /nothing >/dev/null
	# SIGHUP as systemctl reload sends it; strace's child is bpfprom (strace
	# itself blocks fatal signals when it writes to a file); the reload must
	# have run before the next scrape
	child=$(sed "s/ *$//" /proc/$PID/task/$PID/children)
	expect "systemd: SIGHUP under strace reloads" \
		"reload: tests/deploy/configs/syscalls.yaml: $(grep -c '^  - name:' tests/deploy/configs/syscalls.yaml) metrics: $(grep -c '^  - name:' tests/deploy/configs/syscalls.yaml) kept with their counts, 0 loaded anew" \
		"$(hup "$child")"
	scrape >/dev/null
	kill -TERM "$child"
	wait "$PID"
	PID=
	# the unit's filter, groups expanded
	expand() {
		systemd-analyze syscall-filter "$1" | sed '1d; s/^ *//; /^#/d; /^$/d' | while read -r s; do
			case $s in @*) expand "$s" ;; *) echo "$s" ;; esac
		done
	}
	for s in $(unit_key SystemCallFilter); do
		case $s in @*) expand "$s" ;; *) echo "$s" ;; esac
	done | sort -u >"$TMP/allowed"
	# "PID  name(" or "PID  <... name resumed>"; bpf and perf_event_open
	# must be among them, or the trace was not read
	sed -n 's/^[0-9]\{1,\} \{1,\}\(<\.\.\. \)\{0,1\}\([a-z0-9_]\{1,\}\)[( ].*/\2/p' "$TMP/strace" |
		sort -u >"$TMP/used"
	expect "systemd: every system call bpfprom made ($(wc -l <"$TMP/used")) passes SystemCallFilter" \
		"bpf perf_event_open, not allowed: " \
		"$(grep -x -e bpf -e perf_event_open "$TMP/used" | tr '\n' ' ' | sed 's/ $//'), not allowed: $(comm -23 "$TMP/used" "$TMP/allowed" | tr '\n' ' ')"
	grep -o 'socket(AF_[A-Z0-9]*' "$TMP/strace" | sed 's/socket(//' | sort -u >"$TMP/families"
	expect "systemd: every socket bpfprom opened (the listener's) is of a family RestrictAddressFamilies allows" \
		"AF_INET, not allowed: " \
		"$(tr '\n' ' ' <"$TMP/families" | sed 's/ $//'), not allowed: $(grep -vxF "$(unit_key RestrictAddressFamilies | words)" "$TMP/families" | tr '\n' ' ')"
	expect "systemd: no mapping is both writable and executable, none made executable later (MemoryDenyWriteExecute)" \
		"" "$(grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_(WRITE\|PROT_EXEC|EXEC\|PROT_WRITE)|mprotect\(.*PROT_EXEC' "$TMP/strace" | head -3)"
fi
wrap

# --- the image, run as the DaemonSets run it ------------------------------
. tests/deploy/image.sh

# --- the names bpfprom exports with default.yaml ----------------------------
start config/default.yaml || finish
scrape >"$TMP/metrics"
stop
# families to sample names, as the text format names them
awk '$1 == "#" && $2 == "TYPE" {
	if ($4 == "histogram") { print $3 "_bucket"; print $3 "_sum"; print $3 "_count" }
	else if ($4 == "summary") { print $3 "_sum"; print $3 "_count" }
	else print $3
}' "$TMP/metrics" | sort -u >"$TMP/exported"

# --- the names the rules and the dashboard read ---------------------------
expect "prometheus: every metric the rules read is one bpfprom exports (or up)" "" \
	"$(names "$(jq -r '.groups[].rules[].expr' "$TMP/json/deploy_prometheus_bpfprom.rules.yml.json")" |
		grep -vxF -e up -f "$TMP/exported" | tr '\n' ' ')"

expect "grafana: every metric its $(wc -l <"$TMP/exprs") queries and variables read is one bpfprom exports with default.yaml" "" \
	"$( (names "$(cat "$TMP/exprs")"; cat "$TMP/varnames") | sort -u | grep -vxF -f "$TMP/exported" | tr '\n' ' ')"

finish
