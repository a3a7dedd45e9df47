/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usdtnote: the USDT probes of a binary, from its .note.stapsdt ELF notes
 * (systemtap's <sys/sdt.h>, what DTRACE_PROBE and STAP_PROBE write): each
 * probe's provider, name, and its arguments' sizes and signs as the note's
 * argument string spells them ("-4@%eax 8@-8(%rbp)"). For plan (does the
 * probe exist, what does argN hold) and --list. Reads only the ELF file
 * named (libelf); where a probe's arguments live is libbpf's business when
 * it attaches.
 */
#ifndef BPFPROM_USDTNOTE_H
#define BPFPROM_USDTNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libbpf's BPF_USDT_MAX_ARG_CNT (usdt.bpf.h): more arguments it cannot read */
#define USDTNOTE_MAX_ARGS 12

struct usdtnote_arg {
	uint32_t size; /* 1, 2, 4 or 8 bytes */
	bool is_signed;
};

/* One probe, all its sites (a probe inlined or expanded several times) together. */
struct usdtnote_probe {
	char *provider;
	char *name;
	size_t nsites;
	uint64_t sema; /* the semaphore's address, 0 for none */
	uint32_t nargs;
	struct usdtnote_arg args[USDTNOTE_MAX_ARGS]; /* as the first site declares them */
};

/* The probes of one binary, sorted by provider, then name. */
struct usdtnote {
	size_t n;
	struct usdtnote_probe *v;
};

/*
 * Read the notes of the ELF file at path. A file without any is fine (n is
 * 0). Returns 0 and *out, or a negative errno and one line in err (without a
 * prefix): an unreadable file, not an ELF file, a note whose argument string
 * does not parse.
 */
int usdtnote__read(const char *path, struct usdtnote **out, char *err, size_t errlen);

/*
 * The probe PROVIDER:NAME, or NAME alone (provider NULL) when only one
 * provider has it. -ENOENT: no such probe (with did you mean), or no probes
 * at all; -EINVAL: NAME in several providers (listed). shown is the binary
 * as messages name it.
 */
int usdtnote__find(const struct usdtnote *u, const char *shown, const char *provider,
		   const char *name, const struct usdtnote_probe **out, char *err, size_t errlen);

/* "int32", "uint64", ...: an argument as bpftrace -lv prints it */
const char *usdtnote__arg_type(const struct usdtnote_arg *a);

void usdtnote__free(struct usdtnote *u);

#endif /* BPFPROM_USDTNOTE_H */
