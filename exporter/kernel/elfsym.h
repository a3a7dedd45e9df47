/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elfsym: where a uprobe goes. Resolve a binary given as a path or a library
 * name (through ld.so.cache, like bpftrace), and a function in it to the file
 * offset the kernel's uprobe wants (libelf); list a binary's functions for
 * --list. Reads only /etc/ld.so.cache (or the cache given, or a process's
 * own under /proc/PID/root), the ELF files named and the directories on their
 * way; no kernel, no libbpf.
 */
#ifndef BPFPROM_ELFSYM_H
#define BPFPROM_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * BIN with a '/' is a path: it must exist and be an ELF file. Otherwise it is
 * a library name: "libc", "libc.so", "libc.so.6" or "c" all find libc.so.6
 * through /etc/ld.so.cache (the entry for this machine's architecture).
 * Writes the absolute path. Returns 0 or a negative errno, with one line in err
 * (without a prefix: the caller adds "plan: FILE:L:C: ...").
 */
int elfsym__resolve_binary(const char *bin, char *path, size_t pathlen, char *err, size_t errlen);
/* Same, with another ld.so.cache (for tests). */
int elfsym__resolve_binary_cache(const char *bin, const char *ldcache, char *path, size_t pathlen,
				 char *err, size_t errlen);
/*
 * BIN as process pid sees it (the metric's pid:; 0 or less: as bpfprom does),
 * for uprobes (and USDT) on a binary of a container: a path is resolved in
 * the process's root and mount namespace, its symlinks followed inside that
 * root, and written as /proc/PID/root/REAL, a path the kernel opens from
 * here; a library name is looked up in the process's own
 * /proc/PID/root/etc/ld.so.cache. A process that shares bpfprom's mount
 * namespace and root gets plain paths, as without pid. BIN given as
 * /proc/N/root/PATH is resolved the same way in process N's root, with or
 * without pid (elfsym__resolve_binary does that too). Errors: "process N
 * does not exist (no /proc/N)", "binary "BIN" does not exist in
 * /proc/N/root (/proc/N/root/BIN)", "cannot enter the root of process N".
 */
int elfsym__resolve_binary_pid(const char *bin, int pid, char *path, size_t pathlen, char *err,
			       size_t errlen);

/*
 * The file offset of function FUNC (defined STT_FUNC or STT_GNU_IFUNC symbol, from
 * .symtab, else .dynsym) in the ELF file at path, plus off; for executables,
 * PIE and shared libraries alike: st_value translated through the PT_LOAD
 * segment that holds it. -ENOENT "no function "FUNC" in PATH" (with did you
 * mean), -EINVAL when off is past the function's size (when the size is known).
 */
int elfsym__func_offset(const char *path, const char *func, uint64_t off, uint64_t *offset,
			char *err, size_t errlen);

/* Call fn for every defined function whose name matches the fnmatch glob. */
int elfsym__list(const char *path, const char *glob, void (*fn)(const char *name, void *ctx),
		 void *ctx);

#endif /* BPFPROM_ELFSYM_H */
