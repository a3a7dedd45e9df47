#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages bpfprom needs to build, run and test, if any is
# missing. Idempotent, and quick when everything is present (one dpkg-query).
set -e
PKGS="make gcc clang llvm libbpf-dev bpftool linux-libc-dev libmicrohttpd-dev libyaml-dev
libelf-dev zlib1g-dev libcmocka-dev pkg-config clang-format curl prometheus iproute2 bc bpftrace
util-linux jq libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev
golang-github-prometheus-client-model-dev libgnutls28-dev python3 libcrypt-dev openssl tidy
qemu-system-x86 busybox-static cpio libcap-dev wrk valgrind systemd strace libclang-rt-14-dev
podman runc debootstrap"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
