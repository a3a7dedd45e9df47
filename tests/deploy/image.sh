# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/deploy/run.sh, as root: deploy/Dockerfile built with
# Debian's podman on a Debian 12 base made here with debootstrap (no registry
# pull), then run as the DaemonSets run it: their capabilities, user,
# read-only root, host PID namespace, host mounts, arguments and seccomp
# profile, read from the manifests themselves, and scraped for exact counts.
# The systemd unit the same way: systemd is not PID 1 on every machine (not
# on this one), so it runs as the init of a container
# (tests/deploy/systemd.Containerfile), which starts the unit as README
# "systemd" installs it, under the unit's own hardening.
# Uses run.sh's DS, CM, RUN_PKGS, TMP and the helpers of tests/lib.sh.
#
# What a cluster gives and podman here does not, replaced: the pod network
# (the host's; bpfprom listens on a free loopback port), host paths this
# machine lacks (an empty directory), the runtime's rlimits (podman's default
# ones exceed this machine's hard limits, and raising them needs
# CAP_SYS_RESOURCE: explicit ones below them), and crun (it refuses this
# host's mix of cgroup v1 and v2: runc).
IMG_BASE_TAR=$BUILD/deploy/base/bookworm-minbase.tar
IMG_BASE=localhost/bpfprom-base:bookworm
IMG_CTR=bpfprom-deploy-$$
IMG_VARIANT=$TMP/json/deploy_kubernetes-uprobes_daemonset.yaml.json
IMG_SYSTEMD=localhost/bpfprom-systemd:deploy-test
PODMAN="podman --runtime runc"

# img_mirror: the Debian mirror apt uses here (deb822 or one-line sources)
img_mirror() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p'
	} | tr ' ' '\n' | grep -v -e '^$' -e security | head -1
}

# img_base: the base image: podman's, else imported from the cached tarball,
# else made (a new clone, as CI's, has no build/ but the same podman storage)
img_base() {
	podman image exists "$IMG_BASE" && return 0
	if [ ! -s "$IMG_BASE_TAR" ]; then
		mirror=$(img_mirror)
		mkdir -p "$(dirname "$IMG_BASE_TAR")"
		debootstrap --variant=minbase bookworm "$TMP/base" "$mirror" >"$TMP/debootstrap.log" 2>&1 &&
			tar -C "$TMP/base" -cf "$IMG_BASE_TAR.tmp" . && mv "$IMG_BASE_TAR.tmp" "$IMG_BASE_TAR"
		rc=$?
		rm -rf "$TMP/base"
		if [ $rc != 0 ]; then
			not_ok "image: a Debian 12 base with debootstrap from $mirror" "$(tail -5 "$TMP/debootstrap.log")"
			return 1
		fi
	fi
	podman import "$IMG_BASE_TAR" "$IMG_BASE" >/dev/null 2>"$TMP/err" && return 0
	not_ok "image: podman import $IMG_BASE_TAR" "$(cat "$TMP/err")"
	return 1
}

# sc_args JSON: podman run's options for the first container of a
# DaemonSet's pod (a manifest as yaml2json made it), its securityContext, hostPID and volumes; the ConfigMap's
# files are taken from deploy/kubernetes/configmap.yaml, or from $CM_DIR when
# set. Host paths this machine lacks are named in $TMP/standins.
sc_args() {
	m=$1
	: >"$TMP/standins"
	jq -r '.spec.template.spec as $s | $s.containers[0].securityContext as $c
		| (if $s.hostPID then "--pid=host" else empty end),
		"--user=\($c.runAsUser)",
		(if $c.readOnlyRootFilesystem then "--read-only" else empty end),
		(if $c.allowPrivilegeEscalation == false then "--security-opt=no-new-privileges" else empty end),
		($c.capabilities.drop[] | "--cap-drop=\(.)"),
		($c.capabilities.add[] | "--cap-add=\(.)"),
		(if $c.seccompProfile.type == "Localhost" then "--security-opt=seccomp=deploy/seccomp/\($c.seccompProfile.localhostProfile)"
		 else "--security-opt=seccomp=\($c.seccompProfile.type)" end)' "$m"
	jq -r '.spec.template.spec as $s | $s.volumes[] | . as $v
		| ($s.containers[0].volumeMounts[] | select(.name == $v.name)) as $m
		| "\(if $v.hostPath then "host " + $v.hostPath.path else "configmap " + $v.configMap.name end) \($m.mountPath) \(if $m.readOnly then "ro" else "rw" end)"' "$m" |
		while read -r kind src dst mode; do
			if [ "$kind" = configmap ]; then
				src=${CM_DIR:-$TMP/configmap}
			elif [ ! -d "$src" ]; then
				echo "$src" >>"$TMP/standins"
				src=$TMP/standin$(echo "$src" | tr / _)
				mkdir -p "$src"
			fi
			echo "--volume=$src:$dst:$mode"
		done
}

# img_start JSON [--security-opt=seccomp=...]: bpfprom in the image the
# DaemonSet names, as it runs it, on a free loopback port (lib's try_start,
# through podman run, which hands SIGTERM to the container)
img_start() {
	opts=$(sc_args "$1" | tr '\n' ' ')
	shift
	AT_EXIT="podman rm -f $IMG_CTR"
	RUNAS="$PODMAN run --rm --name=$IMG_CTR --network=host --ulimit=nofile=16384:16384
		--ulimit=nproc=4096:4096 $opts $* --entrypoint= $IMAGE"
	BIN=/usr/bin/bpfprom
	try_start /etc/bpfprom/default.yaml
	rc=$?
	RUNAS= BIN=$BUILD/bpfprom
	return $rc
}

# capmask CAP...: the bit mask of capabilities (names without CAP_)
capmask() {
	mask=0
	for c in "$@"; do
		mask=$((mask | 1 << $(sed -n "s/^#define CAP_$c[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" /usr/include/linux/capability.h)))
	done
	printf '%016x' $mask
}

# ctr_status PID: what the kernel says of the container's process: effective
# capabilities, no_new_privs, seccomp mode (2: a filter), root's mount options
ctr_status() {
	echo "$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$1/status)" \
		"nnp $(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/$1/status)" \
		"seccomp $(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/$1/status)" \
		"root $(awk '$5 == "/" { split($6, o, ","); print o[1] }' /proc/$1/mountinfo)"
}

if t=$(missing podman runc debootstrap); then
	skip "image: deploy/Dockerfile built and run with podman" "$t is not installed"
	return 0
fi

# --- the image -------------------------------------------------------------
IMAGE=$(jq -r '.spec.template.spec.containers[0].image' "$DS")
t0=$(date +%s)
if img_base; then
	t1=$(date +%s)
	old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null)
	# the build stages of earlier builds (untagged, no image on top): the
	# layer cache needs only the newest
	stale=$(podman images -q --no-trunc -f dangling=true 2>/dev/null)
	# REVISION is fixed: a changed one would rebuild what podman has cached
	$PODMAN build -f deploy/Dockerfile --ignorefile deploy/Dockerfile.dockerignore --pull=never \
		--network=host --build-arg BASE=$IMG_BASE --build-arg REVISION=deploy-test \
		-t "$IMAGE" . >"$TMP/build.log" 2>&1
	rc=$?
	new=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null)
	# the previous build's image, now untagged, is not kept
	[ -n "$old" ] && [ "$old" != "$new" ] && podman rmi "$old" >/dev/null 2>&1
	# (but those this build used: its log names each step's image)
	sed -n 's/^--> \(Using cache \)\{0,1\}\([0-9a-f]\{12,\}\).*/\2/p' "$TMP/build.log" | cut -c1-12 >"$TMP/used-images"
	for i in $stale; do
		grep -qx "$(echo "${i#sha256:}" | cut -c1-12)" "$TMP/used-images" || podman rmi "$i" >/dev/null 2>&1
	done
	echo "       (base image $((t1 - t0)) s, podman build $(($(date +%s) - t1)) s)"
	if [ $rc = 0 ]; then
		ok "image: deploy/Dockerfile builds with podman on a Debian 12 base made with debootstrap"
	else
		not_ok "image: deploy/Dockerfile builds with podman on a Debian 12 base made with debootstrap" \
			"$(tail -5 "$TMP/build.log")"
		IMAGE=
	fi
else
	IMAGE=
fi
if [ -z "$IMAGE" ]; then
	skip "image: runs under the DaemonSet's security context" "no image"
	return 0
fi
expect "image: --version of the image's bpfprom" \
	"bpfprom version 0.1.0 (revision deploy-test, libbpf v1.1)" \
	"$($PODMAN run --rm --ulimit=nofile=1024:1024 --ulimit=nproc=1024:1024 "$IMAGE" --version 2>&1)"

# --- under the DaemonSet's security context, with the shipped profile -----
mkdir -p "$TMP/configmap"
jq -j '.data["default.yaml"]' "$CM" >"$TMP/configmap/default.yaml"
comm=bpfimg$$
cp /bin/true "$TMP/$comm"
if img_start "$DS"; then
	cpid=$(podman inspect --format '{{.State.Pid}}' "$IMG_CTR")
	for i in 1 2 3 4 5; do "$TMP/$comm"; done
	n=$(value "process_execs_total{comm=\"$comm\"}")
	st=$(ctr_status "$cpid")
	stop
	expect "image: as the DaemonSet runs it$(sed 's/.*/, an empty directory for the missing &/' "$TMP/standins" | tr -d '\n'), default.yaml counts 5 execs of a host process, SIGTERM exits 0" \
		"5 exit 0" "${n:-(no sample)} exit $RC"
	expect "image: the kernel sees deploy/capabilities only, no_new_privs, a seccomp filter, a read-only root" \
		"$(capmask $(grep -v '^#' deploy/capabilities | sed 's/^CAP_//')) nnp 1 seccomp 2 root ro" "$st"
fi

# the control: Debian's default profile, everything else the same
if img_start "$DS" --security-opt=seccomp=/usr/share/containers/seccomp.json; then
	stop
	not_ok "image: under Debian's default seccomp profile bpfprom cannot load" "it started"
else
	expect "image: under Debian's default seccomp profile (bpf() only with CAP_SYS_ADMIN) it stops, exit 1" \
		"1 error: loader: metrics[0] (syscalls_total): the kernel refused the BPF program: Operation not permitted (details with --log.level=debug)" \
		"$RC $(cat "$TMP/log")"
fi

# --- the uprobe variant ------------------------------------------------------
# a uprobe on a host binary, seen through the variant's /host mount
UW=$BUILD/workload/uprobe_target
mkdir -p "$TMP/cm-uprobe"
printf 'metrics:\n  - name: img_uprobe_total\n    help: x.\n    probe: uprobe:/host%s:bpfprom_value\n    aggregate: count\n' \
	"$(realpath "$UW")" >"$TMP/cm-uprobe/default.yaml"
if CM_DIR=$TMP/cm-uprobe img_start "$IMG_VARIANT"; then
	"$UW" imgup values 1 2 3 4 5 6 7 >/dev/null
	n=$(value 'img_uprobe_total')
	stop
	expect "image: the uprobe variant counts 7 calls of a host binary's function, SIGTERM exits 0" \
		"7 exit 0" "${n:-(no sample)} exit $RC"
fi
# the control: the same without CAP_SYS_ADMIN, as the default DaemonSet
jq '.spec.template.spec.containers[0].securityContext.capabilities.add -= ["SYS_ADMIN"]' \
	"$IMG_VARIANT" >"$TMP/json/nosysadmin.json"
if CM_DIR=$TMP/cm-uprobe img_start "$TMP/json/nosysadmin.json"; then
	stop
	not_ok "image: the uprobe variant without CAP_SYS_ADMIN cannot attach" "it started"
else
	expect "image: the uprobe variant without CAP_SYS_ADMIN stops, exit 1" \
		"1 error: loader: metrics[0] (img_uprobe_total): cannot attach uprobe:/host$(realpath "$UW"):bpfprom_value: Permission denied" \
		"$RC $(sed 's/ (details with.*//; s/ (CAP_SYS_ADMIN.*//' "$TMP/log")"
fi

# --- the systemd unit, with systemd as a container's init ---------------------
# The container is the machine: it holds what systemd needs to apply the
# unit's hardening (CAP_SYS_ADMIN for its namespaces and mounts, no seccomp
# of its own) and the capabilities the unit hands on; its own network
# namespace, where the unit's :9862 is free.
t0=$(date +%s)
old=$(podman image inspect --format '{{.Id}}' $IMG_SYSTEMD 2>/dev/null)
$PODMAN build -f tests/deploy/systemd.Containerfile --ignorefile deploy/Dockerfile.dockerignore \
	--pull=never --network=host --build-arg BASE=$IMG_BASE --build-arg IMAGE="$IMAGE" \
	--build-arg PKGS="$(echo $RUN_PKGS)" -t $IMG_SYSTEMD . >"$TMP/build-systemd.log" 2>&1
rc=$?
new=$(podman image inspect --format '{{.Id}}' $IMG_SYSTEMD 2>/dev/null)
[ -n "$old" ] && [ "$old" != "$new" ] && podman rmi "$old" >/dev/null 2>&1
echo "       (podman build of the systemd image $(($(date +%s) - t0)) s)"
if [ $rc != 0 ]; then
	not_ok "systemd: an image with systemd and the unit builds" "$(tail -5 "$TMP/build-systemd.log")"
	AT_EXIT=
	return 0
fi
sd_ctr=bpfprom-systemd-$$
AT_EXIT="podman rm -f $sd_ctr"
caps=$(grep -v '^#' deploy/capabilities | sed 's/^CAP_//' | tr '\n' ',')
$PODMAN run -d --name=$sd_ctr --systemd=always --network=none --cap-add="${caps}SYS_ADMIN" \
	--security-opt=seccomp=unconfined --ulimit=nofile=16384:16384 --ulimit=nproc=4096:4096 \
	--volume=/sys/kernel/tracing:/sys/kernel/tracing $IMG_SYSTEMD >/dev/null 2>"$TMP/err"
# sd_main: the host's pid of the unit's main process, once it listens
sd_main() {
	sd_pid=$(podman exec $sd_ctr systemctl show -P MainPID bpfprom.service 2>/dev/null)
	[ -n "$sd_pid" ] && [ "$sd_pid" != 0 ] || return 1
	podman exec $sd_ctr journalctl -u bpfprom.service -o cat 2>/dev/null | grep -q 'listening on' || return 1
	hpid=$(podman top $sd_ctr pid hpid 2>/dev/null | awk -v p="$sd_pid" '$1 == p { print $2 }')
	[ -n "$hpid" ]
}
if WAIT_SECS=30 wait_for "systemd: the unit starts in the container" sd_main; then
	comm=bpfsd$$
	cp /bin/true "$TMP/$comm"
	for i in 1 2 3 4; do "$TMP/$comm"; done
	n=$(nsenter -t "$hpid" -n curl -sS --max-time 10 http://127.0.0.1:9862/metrics |
		sed -n "s/^process_execs_total{comm=\"$comm\"} //p")
	expect "systemd: the unit, started by systemd, counts 4 execs of a host process" 4 "${n:-(no sample)}"
	# what the kernel says of the unit's process: a dynamic user (systemd
	# gives them uids 61184..65519), the capabilities as ambient ones and the
	# bounding set, no_new_privs, the filter, a mount namespace of its own
	# with a read-only root
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$hpid/status)
	mask=$(capmask $(grep -v '^#' deploy/capabilities | sed 's/^CAP_//'))
	st="$([ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] && echo dynamic-user)"
	for f in CapEff CapAmb CapBnd; do st="$st $f $(sed -n "s/^$f:[[:space:]]*//p" /proc/$hpid/status)"; done
	st="$st $(ctr_status "$hpid" | cut -d' ' -f2-)"
	[ "$(readlink /proc/$hpid/ns/mnt)" != "$(readlink /proc/$(podman inspect --format '{{.State.Pid}}' $sd_ctr)/ns/mnt)" ] &&
		st="$st own-mount-ns"
	expect "systemd: the unit's process: a dynamic user, deploy/capabilities ambient and bounding only, no_new_privs, a seccomp filter, its own read-only root" \
		"dynamic-user CapEff $mask CapAmb $mask CapBnd $mask nnp 1 seccomp 2 root ro own-mount-ns" "$st"
	podman exec $sd_ctr systemctl reload bpfprom.service >"$TMP/err" 2>&1
	expect "systemd: systemctl reload reloads (SIGHUP)" \
		"0 reload: /etc/bpfprom/config.yaml: 6 metrics: 6 kept with their counts, 0 loaded anew" \
		"$? $(podman exec $sd_ctr journalctl -u bpfprom.service -o cat | grep 'reload: ' | tail -1 | sed 's/^[a-z]*: //')"
	podman exec $sd_ctr systemctl stop bpfprom.service >/dev/null 2>&1
	expect "systemd: systemctl stop: SIGTERM, exit 0" "inactive 0" \
		"$(podman exec $sd_ctr systemctl show -P ActiveState bpfprom.service) $(podman exec $sd_ctr systemctl show -P ExecMainStatus bpfprom.service)"
else
	echo "       $(cat "$TMP/err"; podman exec $sd_ctr journalctl -u bpfprom.service -o cat 2>&1 | tail -5)"
fi
podman rm -f $sd_ctr >/dev/null 2>&1
AT_EXIT=
