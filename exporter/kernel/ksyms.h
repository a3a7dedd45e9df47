/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksyms: the kernel's symbols as /proc/kallsyms lists them ("ADDR TYPE
 * NAME[\t[MODULE]]"), shaped like libbpf-tools' trace_helpers.c: load once,
 * then look up by address (the ksym decoder) or by name (kprobe's function
 * checks), or walk them (--list kprobe:*). Reads only the file it is given;
 * no libbpf, no tracefs.
 *
 * Addresses read as 0 to a reader without CAP_SYSLOG (kernel.kptr_restrict):
 * such symbols keep their names and types, but no address lookup finds them.
 */
#ifndef BPFPROM_KSYMS_H
#define BPFPROM_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSYMS_DEFAULT "/proc/kallsyms"

struct ksym {
	const char *name; /* without its [module] */
	uint64_t addr; /* 0: hidden from this reader */
	/* a function's bytes, up to the next function's address (kallsyms has
	 * no sizes); 0 when unknown: no address, the last function, not a
	 * function */
	uint64_t size;
	char type; /* nm's letter: t/T text, d/D data, ... */
	/* another symbol of the file has this name: a lookup by name (the
	 * kernel's, ksyms__get_symbol) takes the first in the file */
	bool dup;
};

struct ksyms;

/* Read path (NULL: /proc/kallsyms). NULL with errno on failure (ENOMEM, EIO,
 * or fopen's). A file without symbols loads as empty. */
struct ksyms *ksyms__load(const char *path);
/*
 * The same from an open kallsyms file, read from its start; fd stays the
 * caller's. The kernel shows addresses by the credentials of the opener, so a
 * file opened while the process had CAP_SYSLOG still shows them after it has
 * dropped its capabilities.
 */
struct ksyms *ksyms__load_fd(int fd);
void ksyms__free(struct ksyms *ks);

/* The symbol containing addr: the greatest address <= addr, the first in
 * the file of several there; NULL if none (or no address is shown). */
const struct ksym *ksyms__map_addr(const struct ksyms *ks, uint64_t addr);
/* The first symbol of the file named name, NULL if none. */
const struct ksym *ksyms__get_symbol(const struct ksyms *ks, const char *name);

/* Every symbol, i < ksyms__count, by name (file order among equal names). */
size_t ksyms__count(const struct ksyms *ks);
const struct ksym *ksyms__by_name(const struct ksyms *ks, size_t i);

/* A function: a text symbol, what kprobes attach to */
static inline bool ksym__is_function(const struct ksym *s)
{
	return s->type == 't' || s->type == 'T';
}

#endif /* BPFPROM_KSYMS_H */
