#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages bpfprom needs to build, run and test, if any is
# missing. Idempotent, and quick when everything is present (one dpkg-query).
# Usage: sh tools/deps.sh [test]
#   (none)  what make and make run need, and most suites
#   test    and what make test adds: make cross-arm64 (the arm64 cross
#           compiler and arm64 -dev packages beside the amd64 ones, through
#           dpkg's multiarch), the vm suite's arm64 guest (qemu-system-arm),
#           the unit test of arm64's syscall table (linux-libc-dev:arm64)
set -e
PKGS="make gcc clang llvm libbpf-dev bpftool linux-libc-dev libmicrohttpd-dev libyaml-dev
libelf-dev zlib1g-dev libcmocka-dev pkg-config clang-format curl prometheus iproute2 bc bpftrace
util-linux jq libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev
golang-github-prometheus-client-model-dev libgnutls28-dev python3 libcrypt-dev openssl tidy
qemu-system-x86 busybox-static cpio xz-utils libcap-dev wrk valgrind systemd strace libclang-rt-14-dev
golang-go golang-github-prometheus-common-dev python3-prometheus-client systemtap-sdt-dev
protobuf-compiler"
ARM64_PKGS="gcc-aarch64-linux-gnu qemu-system-arm libc6-dev:arm64 linux-libc-dev:arm64
libbpf-dev:arm64 libmicrohttpd-dev:arm64 libyaml-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64
libprotobuf-c-dev:arm64 libgnutls28-dev:arm64 libcrypt-dev:arm64 libcap-dev:arm64
systemtap-sdt-dev:arm64"
# the deploy suite builds and runs the image: podman on a debootstrap base
[ "$1" = test ] && PKGS="$PKGS podman runc debootstrap $ARM64_PKGS"
# one dpkg-query for all; with arm64 beside it, a plain name may match two
# packages: the one of this machine's architecture (or "all") is the one asked for
native=$(dpkg --print-architecture)
# shellcheck disable=SC2086 # lists of words
missing=$(dpkg-query -W -f='${binary:Package} ${Architecture} ${db:Status-Status}\n' $PKGS 2>/dev/null |
	awk -v pkgs="$(echo $PKGS)" -v native="$native" '
	$3 == "installed" {
		name = $1
		sub(/:.*/, "", name)
		have[name ":" $2] = 1
		if ($2 == native || $2 == "all")
			have[name] = 1
	}
	END {
		n = split(pkgs, p, " ")
		for (i = 1; i <= n; i++)
			if (!(p[i] in have))
				printf " %s", p[i]
	}')
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# an :arm64 package needs the architecture known to dpkg before apt's update
case "$missing" in
*:arm64*)
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	;;
esac
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
