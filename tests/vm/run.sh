#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel matrix: tests/vm/guest.sh inside Debian's own kernels, booted under
# qemu (TCG: no KVM is needed), because the host kernel may lack kprobes or
# fentry. Run as root from the repository root after `make` and `make
# cross-arm64`.
#   VM_KERNELS   kernels to boot, ARCH:SERIES (default "6.1 6.12 arm64:6.1";
#                a bare SERIES is amd64); the newest
#                linux-image-SERIES*-ARCH-unsigned that apt knows is used:
#                amd64 under qemu-system-x86_64 with build/bpfprom, arm64
#                under qemu-system-aarch64 (-M virt -cpu cortex-a57) with
#                build/arm64/bpfprom and Debian's arm64 busybox-static
#   VM_ONLY      run only the guest tests whose function name contains this
#                (or one of several words joined by +: t_modbtf+t_kprobe_wild)
#   VM_FLAGS     extra bpfprom flags for every guest run, e.g. --log.level=debug
#   VM_TIMEOUT   seconds one kernel may take, boot to poweroff (default 900:
#                three TCG guests on a busy 2-core machine took over 300)
#   VM_TCG_THREAD  single (default): each guest's CPUs take turns on one host
#                thread; multi: qemu's default, a thread per CPU (guest kernels
#                failed rewriting their text under it, see README)
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
KERNELS=${VM_KERNELS:-"6.1 6.12 arm64:6.1"}
TIMEOUT=${VM_TIMEOUT:-900}
PARALLEL=${VM_PARALLEL:-1}
TCG_THREAD=${VM_TCG_THREAD:-single}
CACHE=build/vm/cache
OUT=$BUILD/vm
UPDATED=

if [ "$(id -u)" != 0 ]; then
	skip "vm suite" "needs root: apt-get download, mknod for the initramfs"
	finish
fi
# the architectures of the kernels asked for
ARCHS=$(for k in $KERNELS; do case $k in *:*) echo "${k%%:*}" ;; *) echo amd64 ;; esac; done | sort -u)
QEMUS=$(for a in $ARCHS; do case $a in amd64) echo qemu-system-x86_64 ;; arm64) echo qemu-system-aarch64 ;; esac; done)
for a in $ARCHS; do
	case $a in
	amd64 | arm64) ;;
	*)
		not_ok "vm: VM_KERNELS names amd64 or arm64 kernels" "\"$a\" is neither"
		finish
		;;
	esac
done
for tool in $QEMUS busybox cpio gzip apt-get dpkg-deb readelf timeout; do
	if ! command -v $tool >/dev/null; then
		skip "vm suite" "$tool is not installed; make deps installs it"
		finish
	fi
done
# no /dev/kvm is needed, but this qemu must emulate (TCG)
for q in $QEMUS; do
	if ! $q -accel help 2>/dev/null | grep -qx tcg; then
		skip "vm suite" "$q has no TCG accelerator"
		finish
	fi
done
# the initramfs has no libraries for busybox: it must be the static one
if ldd "$(command -v busybox)" >/dev/null 2>&1; then
	skip "vm suite" "busybox is dynamically linked; install busybox-static"
	finish
fi
for a in $ARCHS; do
	bin=$BUILD
	[ $a = arm64 ] && bin=$BUILD/arm64
	for f in "$bin/bpfprom" "$bin/workload/syscalls" "$bin/workload/uprobe_target"; do
		if [ ! -x "$f" ]; then
			not_ok "vm: $f is built" "run make$([ $a = arm64 ] && echo ' cross-arm64') first"
			finish
		fi
	done
done
mkdir -p "$CACHE" "$OUT"

# newest_package SERIES ARCH: the newest generic kernel of SERIES apt knows
newest_package() {
	apt-cache search --names-only "^linux-image-$(echo "$1" | sed 's/\./\\./g')[.-].*-$2-unsigned\$" 2>/dev/null |
		awk '{ print $1 }' | grep -v -e '-cloud-' -e '-rt-' | sort -V | tail -1
}

# newest_cached SERIES ARCH: the newest .deb of SERIES already in the cache
newest_cached() {
	ls "$CACHE" 2>/dev/null | grep "^linux-image-$(echo "$1" | sed 's/\./\\./g')[.-].*-$2-unsigned_.*_$2\.deb\$" |
		grep -v -e '-cloud-' -e '-rt-' | sort -V | tail -1
}

# download PKG ARCH: apt-get download into the cache, saying how long it took
download() {
	t=$(date +%s%N)
	(cd "$CACHE" && apt-get download -qq "$1:$2" >/dev/null 2>&1) || return 1
	f=$(ls "$CACHE" | grep "^${1}_.*_$2\.deb\$" | tail -1)
	echo "info - downloaded $f: $(($(wc -c <"$CACHE/$f") / 1048576)) MiB in $((($(date +%s%N) - t) / 1000000)) ms"
}

# cached_deb PKG ARCH: the newest .deb of PKG for ARCH in the cache
cached_deb() { ls "$CACHE" | grep "^${1}_.*_$2\.deb\$" | sort -V | tail -1; }

# fetch_deb PKG ARCH: sets DEB to PKG's .deb in the cache, downloading it
# when it is not there yet; apt's lists are refreshed once, only when the
# download fails (stale lists name removed versions)
fetch_deb() {
	DEB=$(cached_deb "$1" "$2")
	[ -n "$DEB" ] && return 0
	download "$1" "$2"
	DEB=$(cached_deb "$1" "$2")
	if [ -z "$DEB" ] && [ -z "$UPDATED" ]; then
		UPDATED=1
		apt-get update -qq >/dev/null 2>&1
		download "$1" "$2"
		DEB=$(cached_deb "$1" "$2")
	fi
	[ -n "$DEB" ]
}

# fetch SERIES ARCH: sets VMLINUZ to the kernel image of SERIES, downloading
# its package into the cache when it is not there yet
fetch() {
	pkg=$(newest_package "$1" "$2")
	if [ -z "$pkg" ] && [ -z "$UPDATED" ]; then
		UPDATED=1
		apt-get update -qq >/dev/null 2>&1
		pkg=$(newest_package "$1" "$2")
	fi
	deb=
	[ -n "$pkg" ] && fetch_deb "$pkg" "$2" && deb=$DEB
	# offline, or the series left the archive: an older cached one will do
	[ -z "$deb" ] && deb=$(newest_cached "$1" "$2")
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

# copy_with_libs FILE DEST: FILE at DEST in the root, and its program
# interpreter and every shared library it needs (DT_NEEDED, transitively),
# from this machine's multiarch directory for the root's architecture
# ($MA: x86_64-linux-gnu, or aarch64-linux-gnu from the arm64 -dev packages);
# readelf reads either architecture's ELF, where ldd runs only this one's.
# The root is usr-merged as Debian 12 is, so /lib/... and /usr/lib/... are
# the same files.
copy_with_libs() {
	mkdir -p "$ROOT/$(dirname "$2")"
	cp -L "$1" "$ROOT/$2"
	todo=$1
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # a list of paths without spaces
		set -- $todo
		f=$1
		shift
		todo=$*
		interp=$(readelf -lW "$f" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
		if [ -n "$interp" ] && [ ! -e "$ROOT$interp" ]; then
			mkdir -p "$ROOT$(dirname "$interp")"
			cp -L "$interp" "$ROOT$interp" || return 1
		fi
		for lib in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			[ -e "$ROOT/usr/lib/$MA/$lib" ] && continue
			if [ ! -e "/usr/lib/$MA/$lib" ]; then
				echo "vm: $f needs $lib, which /usr/lib/$MA does not have" >&2
				return 1
			fi
			mkdir -p "$ROOT/usr/lib/$MA"
			cp -L "/usr/lib/$MA/$lib" "$ROOT/usr/lib/$MA/$lib"
			todo="$todo /usr/lib/$MA/$lib"
		done
	done
}

# arch_setup ARCH: what differs between the architectures: the multiarch
# directory (MA), the built tree (BIN), busybox (BUSYBOX), qemu and its
# console; an arm64 root's busybox and ldconfig come from Debian's arm64
# packages, cached like the kernels
arch_setup() {
	case $1 in
	amd64)
		MA=x86_64-linux-gnu
		BIN=$BUILD
		BUSYBOX=$(command -v busybox)
		LDCONFIG=
		QEMU="qemu-system-x86_64"
		CONSOLE=ttyS0
		;;
	arm64)
		MA=aarch64-linux-gnu
		BIN=$BUILD/arm64
		for p in busybox-static libc-bin; do
			fetch_deb $p arm64 || return 1
			dir=$CACHE/${DEB%.deb}
			if [ ! -d "$dir" ]; then
				rm -rf "$dir.tmp"
				mkdir -p "$dir.tmp"
				{ dpkg-deb -x "$CACHE/$DEB" "$dir.tmp" && mv "$dir.tmp" "$dir"; } || return 1
			fi
			case $p in
			busybox-static) BUSYBOX=$dir/bin/busybox ;;
			libc-bin) LDCONFIG=$dir/sbin/ldconfig ;;
			esac
		done
		# cortex-a57: -cpu max is 3-4x slower (pointer authentication)
		QEMU="qemu-system-aarch64 -M virt -cpu cortex-a57"
		CONSOLE=ttyAMA0
		;;
	*) return 1 ;;
	esac
}

# build_initramfs ARCH: $OUT/initrd-ARCH.gz: busybox, the exporter, the
# workloads, the guest script and configs under /bpfprom (the guest's working
# directory, laid out like the repository so paths match the host's)
build_initramfs() {
	ROOT=$OUT/root-$1
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/usr/bin "$ROOT"/usr/sbin "$ROOT"/usr/lib "$ROOT"/usr/lib64 "$ROOT"/etc \
		"$ROOT"/dev "$ROOT"/proc "$ROOT"/sys "$ROOT"/tmp "$ROOT"/root "$ROOT"/bpfprom/build/workload || return 1
	for d in bin sbin lib lib64; do ln -s usr/$d "$ROOT/$d"; done
	cp "$BUSYBOX" "$ROOT"/usr/bin/busybox || return 1
	mknod -m 600 "$ROOT"/dev/console c 5 1
	mknod -m 666 "$ROOT"/dev/null c 1 3
	copy_with_libs "$BIN/bpfprom" /bpfprom/build/bpfprom || return 1
	for w in "$BIN"/workload/*; do
		copy_with_libs "$w" "/bpfprom/build/workload/$(basename "$w")" || return 1
	done
	# bpfprom resolves library names ("libc") through the loader's cache:
	# this machine's, or one the guest's own ldconfig makes at boot
	if [ -z "$LDCONFIG" ]; then
		cp /etc/ld.so.cache "$ROOT"/etc/ld.so.cache
	else
		cp "$LDCONFIG" "$ROOT"/usr/sbin/ldconfig
		echo "/usr/lib/$MA" >"$ROOT"/etc/ld.so.conf
	fi
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
[ -e /etc/ld.so.cache ] || /usr/sbin/ldconfig
ip link set lo up
export PATH=/usr/sbin:/usr/bin HOME=/root
only=$(sed -n 's/.*vmtest\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
flags=$(sed -n 's/.*vmtest\.flags=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
cd /bpfprom && VMTEST_ONLY=$only VMTEST_FLAGS=$flags sh tests/vm/guest.sh
poweroff -f
EOF
	chmod 755 "$ROOT"/init
	(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$OUT/initrd-$1.gz"
}

# boot NAME VMLINUZ ARCH [MAXCPUS]: boots one kernel, the serial console in
# $OUT/NAME.log; with MAXCPUS, 2 CPUs of MAXCPUS possible, t_map_memory only
boot() {
	arch_setup "$3"
	# no_timer_check: on a busy host TCG's boot is slow enough for the
	# IO-APIC timer check to panic ("IO-APIC + timer doesn't work!"; seen
	# with 6.1 at 255 possible CPUs and 6.12 at 2); the check only guards
	# broken real hardware
	append="console=$CONSOLE panic=-1 quiet no_timer_check"
	only=$VM_ONLY
	[ -n "$4" ] && only=t_map_memory
	[ -n "$only" ] && append="$append vmtest.only=$only"
	# one word on the kernel command line: spaces travel as commas
	[ -n "$VM_FLAGS" ] && append="$append vmtest.flags=$(echo $VM_FLAGS | tr ' ' ,)"
	initrd=$OUT/initrd-$3.gz
	modules_initrd "$1" "$2" "$3" && initrd=$OUT/initrd-$1.gz
	start=$(date +%s%N)
	# shellcheck disable=SC2086 # QEMU is the command and its machine
	timeout -k 5 "$TIMEOUT" $QEMU -accel "tcg,thread=$TCG_THREAD" -m 1G -smp "2${4:+,maxcpus=$4}" -nodefaults -nographic -serial stdio \
		-kernel "$2" -initrd "$initrd" -append "$append" -no-reboot \
		</dev/null >"$OUT/$1.log" 2>&1
	rc=$?
	awk -v rc=$rc -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%d %.1f\n", rc, ns / 1e9 }' >"$OUT/$1.rc"
}

# The modules the guest may load (paths under lib/modules/RELEASE/kernel,
# without .ko): tun, for the functions and types of a module's own BTF;
# configfs and null_blk (which needs it), for a module's raw tracepoints
VM_MODULES="drivers/net/tun fs/configfs/configfs drivers/block/null_blk/null_blk"

# modules_initrd NAME VMLINUZ ARCH: $OUT/initrd-NAME.gz, ARCH's initramfs with
# the kernel's VM_MODULES appended as a second archive (the kernel unpacks
# each in turn) at /lib/modules/RELEASE/NAME.ko, uncompressed for busybox's
# insmod; taken from the kernel's package in the cache, once. The archive
# holds usr/lib/...: an entry "lib" would replace the root's lib -> usr/lib
modules_initrd() {
	dir=${2%/boot/*}
	# done names the modules taken: a changed VM_MODULES takes them again
	if [ "$(cat "$dir/mods/done" 2>/dev/null)" != "$VM_MODULES" ]; then
		rm -rf "$dir/mods"
		mkdir -p "$dir/mods"
		for m in $VM_MODULES; do
			dpkg-deb --fsys-tarfile "$dir.deb" |
				tar -xf - -C "$dir/mods" --wildcards "./lib/modules/*/kernel/$m.ko*" || return 1
		done
		find "$dir/mods" -name '*.ko.xz' -exec xz -d {} + || return 1
		find "$dir/mods" -name '*.ko.zst' -exec zstd -q --rm -d {} + || return 1
		# flat: /usr/lib/modules/RELEASE/tun.ko
		for k in $(find "$dir/mods" -name '*.ko'); do
			rel=${k#"$dir"/mods/lib/modules/}
			rel=${rel%%/*}
			mkdir -p "$dir/mods/flat/usr/lib/modules/$rel"
			mv "$k" "$dir/mods/flat/usr/lib/modules/$rel/"
		done
		echo "$VM_MODULES" >"$dir/mods/done"
	fi
	(cd "$dir/mods/flat" 2>/dev/null && find usr | cpio -o -H newc -R 0:0 --quiet) | gzip -1 |
		cat "$OUT/initrd-$3.gz" - >"$OUT/initrd-$1.gz"
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

# name_of VMLINUZ: the kernel's release without -amd64, e.g. 6.1.0-56 (an
# arm64 one keeps its -arm64)
name_of() { basename "$1" | sed 's/^vmlinuz-//;s/-amd64$//'; }

built=
for a in $ARCHS; do
	t0=$(date +%s%N)
	if ! arch_setup $a || ! build_initramfs $a; then
		not_ok "[$a] the initramfs is built" \
			"busybox-static:$a or libc-bin:$a could not be fetched, or a library is missing (see above)"
		continue
	fi
	built="$built $a"
	echo "info - [$a] initramfs $OUT/initrd-$a.gz: $(($(wc -c <"$OUT/initrd-$a.gz") / 1024)) KiB, built in $((($(date +%s%N) - t0) / 1000000)) ms"
done

kernels=
for k in $KERNELS; do
	case $k in *:*) a=${k%%:*} series=${k#*:} ;; *) a=amd64 series=$k ;; esac
	case " $built " in *" $a "*) ;; *) continue ;; esac
	if ! fetch "$series" $a; then
		not_ok "[$a $series] a Debian linux-image-$series kernel is available" \
			"apt-cache knows no linux-image-$series*-$a-unsigned, the download failed and $CACHE holds none"
		continue
	fi
	kernels="$kernels $a:$VMLINUZ"
done
# the memory test again with more possible CPUs: amd64 boots of
# VM_MEMORY_KERNEL (qemu's pc machine takes maxcpus up to 255 without KVM)
mem=
case t_map_memory in *"$VM_ONLY"*) mem=${VM_MEMORY_CPUS-64 255} ;; esac
memboots= mainnames=
for k in $kernels; do
	mainnames="$mainnames $(name_of "${k#*:}")"
	rm -f "$OUT/$(name_of "${k#*:}").rc"
	[ "${k%%:*}" = amd64 ] || continue
	case $(name_of "${k#*:}") in "${VM_MEMORY_KERNEL:-6.1}".*) ;; *) continue ;; esac
	for n in $mem; do
		memboots="$memboots $(name_of "${k#*:}")-cpus$n:$n:${k#*:}"
	done
done
# boot_mem: the memory boots, one after another
boot_mem() {
	for b in $memboots; do
		v=${b#*:}
		boot "${b%%:*}" "${v#*:}" amd64 "${v%%:*}"
	done
}
# one_left: at most one guest still runs (the others powered off or timed
# out: their .rc is written)
one_left() {
	left=0
	for n in $mainnames; do [ -e "$OUT/$n.rc" ] || left=$((left + 1)); done
	[ "$left" -le 1 ]
}
pids= mempid=
t0=$(date +%s%N)
for k in $kernels; do
	if [ "$PARALLEL" = 1 ]; then
		boot "$(name_of "${k#*:}")" "${k#*:}" "${k%%:*}" &
		pids="$pids $!"
	else
		boot "$(name_of "${k#*:}")" "${k#*:}" "${k%%:*}"
	fi
done
# in parallel the memory boots start when one guest is left, on the CPU
# the others leave while the slowest finishes (with two guests left, a
# third qemu on 2 cores slowed them more than it saved)
if [ "$PARALLEL" = 1 ] && [ -n "$memboots" ]; then
	(
		until one_left; do sleep 1; done
		boot_mem
	) &
	mempid=$!
fi
[ -n "$pids" ] && wait $pids
echo "info - the guests ran in $(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }') s"
if [ -n "$mempid" ]; then
	wait $mempid
else
	boot_mem
fi
for k in $kernels; do report "$(name_of "${k#*:}")"; done
for b in $memboots; do report "${b%%:*}"; done
finish
