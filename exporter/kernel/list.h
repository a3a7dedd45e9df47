/* SPDX-License-Identifier: GPL-2.0 */
/*
 * list: `bpfprom --list [PATTERN]`, the probes a config can name, one per
 * line in config syntax, like `bpftrace -l`. Reads only: tracefs's events/
 * directories and format files, available_filter_functions (or kallsyms,
 * through kernel/ksyms), sysfs's kprobe PMU, and for uprobes ld.so.cache and
 * the ELF file (through kernel/elfsym; usdt: its notes, through
 * kernel/usdtnote), and for rawtracepoints the kernel's BTF (through
 * kernel/rawtp); profile, software and hardware names come from
 * config/perfevents. Attaches nothing.
 */
#ifndef BPFPROM_LIST_H
#define BPFPROM_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where the candidates come from; a NULL member takes the machine's default. */
struct list_opts {
	const char *tracefs; /* NULL: tracefs__find(), only when a kernel probe is listed */
	const char *filter_functions; /* NULL: TRACEFS/available_filter_functions */
	const char *kallsyms; /* NULL: /proc/kallsyms, when filter_functions cannot be read */
	const char *sysfs; /* NULL: /sys (for the kprobe PMU) */
	const char *ldcache; /* NULL: /etc/ld.so.cache, for uprobe:LIBRARY:... */
	const char *btf; /* NULL: the kernel's BTF, for rawtracepoint:... */
	/* modules' BTF, for their rawtracepoints; NULL: /sys/kernel/btf, or
	 * none when btf names a file */
	const char *btf_dir;
};

/*
 * Write the probes matching pattern (NULL: every tracepoint and kprobe) to
 * out, sorted and each once; with verbose, a tracepoint's fields follow it,
 * indented by four spaces, as its format file declares them. Nothing is
 * written unless everything could be read. Returns 0 (also when nothing
 * matches) or a negative errno with one line in err ("list: ...").
 */
int list__run(const char *pattern, bool verbose, const struct list_opts *opts, FILE *out, char *err,
	      size_t errlen);

/*
 * The probes matching pattern as list__run prints them (sorted, each once),
 * into *names (n of them; free with list__names_free): what plan expands a
 * wildcard probe with. 0 also when nothing matches (*n == 0).
 */
int list__match(const char *pattern, const struct list_opts *opts, char ***names, size_t *n,
		char *err, size_t errlen);
void list__names_free(char **names, size_t n);

#endif /* BPFPROM_LIST_H */
