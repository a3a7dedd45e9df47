#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel matrix: tests/vm/guest.sh inside Debian's own kernels, booted under
# qemu (TCG: no KVM is needed), because the host kernel may lack kprobes or
# fentry. Run as root from the repository root after `make`.
#   VM_KERNELS   kernel series to boot (default "6.1 6.12"); the newest
#                linux-image-SERIES*-amd64-unsigned that apt knows is used
#   VM_ONLY      run only the guest tests whose function name contains this
#   VM_FLAGS     extra bpfprom flags for every guest run, e.g. --log.level=debug
#   VM_TIMEOUT   seconds one kernel may take, boot to poweroff (default 300)
#   VM_PARALLEL  1: boot the kernels at once; 0: one after another (default 1,
#                faster on 2 cores, see README)
#   VM_MEMORY_CPUS  possible CPUs of the extra boots of VM_MEMORY_KERNEL that
#                run t_map_memory only (default "64 255": -smp 2,maxcpus=N)
#   VM_MEMORY_KERNEL  the series those boots use (default 6.1: it counts hotplug
#                CPUs as possible, 6.12 does not)
# Downloaded packages stay in build/vm/cache/ (no network once cached); the
# initramfs and the serial console logs go to $BUILD/vm/.
# Closes with: vm: N passed, N failed, N skipped
SUITE=vm
. tests/lib.sh
KERNELS=${VM_KERNELS:-"6.1 6.12"}
TIMEOUT=${VM_TIMEOUT:-300}
PARALLEL=${VM_PARALLEL:-1}
CACHE=build/vm/cache
OUT=$BUILD/vm
UPDATED=

if [ "$(id -u)" != 0 ]; then
	skip "vm suite" "needs root: apt-get download, mknod for the initramfs"
	finish
fi
for tool in qemu-system-x86_64 busybox cpio gzip apt-get dpkg-deb ldd timeout; do
	if ! command -v $tool >/dev/null; then
		skip "vm suite" "$tool is not installed; make deps installs it"
		finish
	fi
done
# no /dev/kvm is needed, but this qemu must emulate (TCG)
if ! qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg; then
	skip "vm suite" "qemu-system-x86_64 has no TCG accelerator"
	finish
fi
# the initramfs has no libraries for busybox: it must be the static one
if ldd "$(command -v busybox)" >/dev/null 2>&1; then
	skip "vm suite" "busybox is dynamically linked; install busybox-static"
	finish
fi
for f in "$BUILD/bpfprom" "$BUILD/workload/syscalls" "$BUILD/workload/uprobe_target"; do
	if [ ! -x "$f" ]; then
		not_ok "vm: $f is built" "run make first"
		finish
	fi
done
mkdir -p "$CACHE" "$OUT"

# newest_package SERIES: the newest generic amd64 kernel of SERIES apt knows
newest_package() {
	apt-cache search --names-only "^linux-image-$(echo "$1" | sed 's/\./\\./g')[.-].*-amd64-unsigned\$" 2>/dev/null |
		awk '{ print $1 }' | grep -v -e '-cloud-' -e '-rt-' | sort -V | tail -1
}

# newest_cached SERIES: the newest .deb of SERIES already in the cache
newest_cached() {
	ls "$CACHE" 2>/dev/null | grep "^linux-image-$(echo "$1" | sed 's/\./\\./g')[.-].*-amd64-unsigned_.*\.deb\$" |
		grep -v -e '-cloud-' -e '-rt-' | sort -V | tail -1
}

# download PKG: apt-get download into the cache, saying how long it took
download() {
	t=$(date +%s%N)
	(cd "$CACHE" && apt-get download -qq "$1" >/dev/null 2>&1) || return 1
	f=$(ls "$CACHE" | grep "^${1}_.*\.deb\$" | tail -1)
	echo "info - downloaded $f: $(($(wc -c <"$CACHE/$f") / 1048576)) MiB in $((($(date +%s%N) - t) / 1000000)) ms"
}

# fetch SERIES: sets VMLINUZ to the kernel image of SERIES, downloading its
# package into the cache when it is not there yet; apt's lists are refreshed
# once, only when the download fails (stale lists name removed versions)
fetch() {
	pkg=$(newest_package "$1")
	deb=
	[ -n "$pkg" ] && deb=$(ls "$CACHE" | grep "^${pkg}_.*\.deb\$" | tail -1)
	if [ -z "$deb" ] && [ -n "$pkg" ]; then
		download "$pkg"
		deb=$(ls "$CACHE" | grep "^${pkg}_.*\.deb\$" | tail -1)
	fi
	if [ -z "$deb" ] && [ -z "$UPDATED" ]; then
		UPDATED=1
		apt-get update -qq >/dev/null 2>&1
		pkg=$(newest_package "$1")
		if [ -n "$pkg" ]; then
			download "$pkg"
			deb=$(ls "$CACHE" | grep "^${pkg}_.*\.deb\$" | tail -1)
		fi
	fi
	# offline, or the series left the archive: an older cached one will do
	[ -z "$deb" ] && deb=$(newest_cached "$1")
	[ -n "$deb" ] || return 1
	dir=$CACHE/${deb%.deb}
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb --fsys-tarfile "$CACHE/$deb" | tar -xf - -C "$dir" --wildcards './boot/vmlinuz-*' ||
			return 1
	fi
	VMLINUZ=$(ls "$dir"/boot/vmlinuz-* | head -1)
}

# copy_with_libs FILE DEST: FILE at DEST in the root, and every shared library
# it needs at the path the dynamic loader names (the root is usr-merged as
# Debian 12 is, so /lib/... and /usr/lib/... are the same files)
copy_with_libs() {
	mkdir -p "$ROOT/$(dirname "$2")"
	cp -L "$1" "$ROOT/$2"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p;s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
		while read -r lib; do
			[ -e "$ROOT$lib" ] && continue
			mkdir -p "$ROOT$(dirname "$lib")"
			cp -L "$lib" "$ROOT$lib"
		done
}

# the initramfs: busybox, the exporter, the workloads, the guest script and
# configs under /bpfprom (the guest's working directory, laid out like the
# repository so paths match the host's)
build_initramfs() {
	ROOT=$OUT/root
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/usr/bin "$ROOT"/usr/sbin "$ROOT"/usr/lib "$ROOT"/usr/lib64 "$ROOT"/etc \
		"$ROOT"/dev "$ROOT"/proc "$ROOT"/sys "$ROOT"/tmp "$ROOT"/root "$ROOT"/bpfprom/build/workload
	for d in bin sbin lib lib64; do ln -s usr/$d "$ROOT/$d"; done
	cp "$(command -v busybox)" "$ROOT"/usr/bin/busybox
	mknod -m 600 "$ROOT"/dev/console c 5 1
	mknod -m 666 "$ROOT"/dev/null c 1 3
	copy_with_libs "$BUILD/bpfprom" /bpfprom/build/bpfprom
	for w in "$BUILD"/workload/*; do
		copy_with_libs "$w" "/bpfprom/build/workload/$(basename "$w")"
	done
	# bpfprom resolves library names ("libc") through the loader's cache
	cp /etc/ld.so.cache "$ROOT"/etc/ld.so.cache
	mkdir -p "$ROOT"/bpfprom/tests
	cp -r config "$ROOT"/bpfprom/config
	cp -r tests/vm "$ROOT"/bpfprom/tests/vm
	cat >"$ROOT"/init <<'EOF'
#!/usr/bin/busybox sh
# the applets' links: one process in the guest, not 300 on the host
/usr/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
ip link set lo up
export PATH=/usr/sbin:/usr/bin HOME=/root
only=$(sed -n 's/.*vmtest\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
flags=$(sed -n 's/.*vmtest\.flags=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
cd /bpfprom && VMTEST_ONLY=$only VMTEST_FLAGS=$flags sh tests/vm/guest.sh
poweroff -f
EOF
	chmod 755 "$ROOT"/init
	(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$OUT/initrd.gz"
}

# boot NAME VMLINUZ [MAXCPUS]: boots one kernel, the serial console in
# $OUT/NAME.log; with MAXCPUS, 2 CPUs of MAXCPUS possible, t_map_memory only
boot() {
	append="console=ttyS0 panic=-1 quiet"
	only=$VM_ONLY
	# no_timer_check: with many possible CPUs on a busy host, TCG's boot is
	# slow enough for 6.1's IO-APIC timer check to panic ("IO-APIC + timer
	# doesn't work!"); the check only guards broken real hardware
	[ -n "$3" ] && only=t_map_memory append="$append no_timer_check"
	[ -n "$only" ] && append="$append vmtest.only=$only"
	# one word on the kernel command line: spaces travel as commas
	[ -n "$VM_FLAGS" ] && append="$append vmtest.flags=$(echo $VM_FLAGS | tr ' ' ,)"
	start=$(date +%s%N)
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -m 1G -smp "2${3:+,maxcpus=$3}" -nodefaults -nographic -serial stdio \
		-kernel "$2" -initrd "$OUT/initrd.gz" -append "$append" -no-reboot \
		</dev/null >"$OUT/$1.log" 2>&1
	rc=$?
	awk -v rc=$rc -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%d %.1f\n", rc, ns / 1e9 }' >"$OUT/$1.rc"
}

# console NAME: the serial log without carriage returns and terminal escapes
console() {
	tr -d '\r' <"$OUT/$1.log" | sed 's/\x1bc//g;s/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# report NAME: the guest's VMTEST lines as ok/FAIL/skip lines
report() {
	read -r rc secs <"$OUT/$1.rc"
	console "$1" | sed -n 's/^.*VMTEST //p' >"$OUT/$1.results"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "[$1] ${line#ok }" ;;
		"FAIL "*) not_ok "[$1] ${line#FAIL }" ;;
		"detail "*) echo "       ${line#detail }" ;;
		"skip "*) SKIP=$((SKIP + 1)); echo "skip - [$1] ${line#skip }" ;;
		"info "*) echo "info - [$1] ${line#info }" ;;
		esac
	done <"$OUT/$1.results"
	if ! grep -qx 'done' "$OUT/$1.results"; then
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			why="timed out after ${TIMEOUT}s"
		else
			why="qemu exited $rc after ${secs}s"
		fi
		not_ok "[$1] the guest ran to the end (VMTEST done)" "$why; last console lines ($OUT/$1.log):" \
			"$(console "$1" | tail -15 | sed 's/^/       /;1s/^       //')"
	else
		echo "info - [$1] booted, tested and powered off in ${secs}s"
	fi
}

t0=$(date +%s%N)
build_initramfs
echo "info - initramfs $OUT/initrd.gz: $(($(wc -c <"$OUT/initrd.gz") / 1024)) KiB, built in $((($(date +%s%N) - t0) / 1000000)) ms"
# name_of VMLINUZ: the kernel's release without -amd64, e.g. 6.1.0-56
name_of() { basename "$1" | sed 's/^vmlinuz-//;s/-amd64$//'; }

kernels=
for series in $KERNELS; do
	if ! fetch "$series"; then
		not_ok "[$series] a Debian linux-image-$series kernel is available" \
			"apt-cache knows no linux-image-$series*-amd64-unsigned, the download failed and $CACHE holds none"
		continue
	fi
	kernels="$kernels $VMLINUZ"
done
pids=
for k in $kernels; do
	if [ "$PARALLEL" = 1 ]; then
		boot "$(name_of "$k")" "$k" &
		pids="$pids $!"
	else
		boot "$(name_of "$k")" "$k"
	fi
done
[ -n "$pids" ] && wait $pids
# the memory test again with more possible CPUs: the boots of VM_MEMORY_KERNEL
mem=
case t_map_memory in *"$VM_ONLY"*) mem=${VM_MEMORY_CPUS-64 255} ;; esac
memboots=
pids=
for k in $kernels; do
	case $(name_of "$k") in "${VM_MEMORY_KERNEL:-6.1}".*) ;; *) continue ;; esac
	for n in $mem; do
		if [ "$PARALLEL" = 1 ]; then
			boot "$(name_of "$k")-cpus$n" "$k" "$n" &
			pids="$pids $!"
		else
			boot "$(name_of "$k")-cpus$n" "$k" "$n"
		fi
		memboots="$memboots $(name_of "$k")-cpus$n"
	done
done
[ -n "$pids" ] && wait $pids
for k in $kernels; do report "$(name_of "$k")"; done
for b in $memboots; do report "$b"; done
finish
