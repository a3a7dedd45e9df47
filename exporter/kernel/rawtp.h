/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rawtp: raw tracepoints as the kernel's BTF describes them. Each one has a
 * typedef btf_trace_EVENT, a pointer to the prototype of its probe function,
 * whose first parameter (void *__data) is the tracepoint's own and whose
 * others are what a raw tracepoint program finds as u64 ctx[0], ctx[1], ...
 * Reads only the BTF it is given (libbpf's btf__load_vmlinux_btf).
 */
#ifndef BPFPROM_RAWTP_H
#define BPFPROM_RAWTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct btf;

/* the kernel passes at most MAX_BPF_FUNC_ARGS u64s */
#define RAWTP_MAX_ARGS 12

struct rawtp_arg {
	const char *name; /* in the BTF's strings */
	uint32_t index; /* ctx[index] */
	uint32_t type_id; /* the parameter's type as declared: the base of a field path */
	uint32_t size; /* of the integer it is read as: 1, 2, 4, 8 */
	bool is_signed;
	bool is_ptr;
	bool is_int; /* an integer, enum or pointer: readable as a number */
};

struct rawtp_event {
	size_t nargs;
	struct rawtp_arg args[RAWTP_MAX_ARGS];
};

/* The arguments of EVENT; -ENOENT when btf has no btf_trace_EVENT. */
int rawtp__event(const struct btf *btf, const char *event, struct rawtp_event *out);
/* The argument called name, or NULL. */
const struct rawtp_arg *rawtp__arg(const struct rawtp_event *ev, const char *name);
/* The event closest to event (util/suggest), or NULL. */
const char *rawtp__suggest(const struct btf *btf, const char *event);
/* Calls each(EVENT, arg) for every raw tracepoint of btf, in BTF order (a
 * module's split BTF: its own, not its base's). */
int rawtp__for_each(const struct btf *btf, int (*each)(const char *event, void *arg), void *arg);
/* "struct linux_binprm * bprm": the argument declared as C, into buf. */
int rawtp__arg_decl(const struct btf *btf, const struct rawtp_arg *a, char *buf, size_t len);

#endif /* BPFPROM_RAWTP_H */
