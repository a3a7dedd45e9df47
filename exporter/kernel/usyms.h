/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usyms: the function a user address of a process is in, for ustack labels.
 * The process's mappings (/proc/PID/maps) give the file and its offset; the
 * file's PT_LOAD segments give the address its symbols (.symtab, else
 * .dynsym; libelf) are at. Reads only /proc/PID/maps and the mapped files
 * (through /proc/PID/root, so a container's files are its own); no kernel
 * object, no libbpf. Bounded: the mappings of USYMS_MAX_PROCS processes
 * (forgotten at each usyms__forget_procs, so a process's new mappings are
 * seen at the next scrape), the symbols of USYMS_MAX_FILES files (the oldest
 * loaded is replaced). Not thread-safe.
 */
#ifndef BPFPROM_USYMS_H
#define BPFPROM_USYMS_H

#include <stddef.h>
#include <stdint.h>

#define USYMS_MAX_PROCS 64
#define USYMS_MAX_FILES 64

struct usyms;

/* proc: the proc mount, NULL for "/proc" (tests give another). NULL with errno. */
struct usyms *usyms__new(const char *proc);
void usyms__free(struct usyms *u);

/* Read the mappings of processes again from now on (once per scrape). */
void usyms__forget_procs(struct usyms *u);

/* The name of the function of process pid that holds addr, or NULL (no such
 * process, an anonymous mapping, a file without symbols there). Valid until
 * the next call. */
const char *usyms__name(struct usyms *u, uint32_t pid, uint64_t addr);

#endif /* BPFPROM_USYMS_H */
