/* SPDX-License-Identifier: GPL-2.0 */
/*
 * btfpath: turn a field path (config's struct cfg_path) into the chain of
 * reads the BPF program follows (struct bpfprom_step), with the member
 * offsets, sizes, signedness and bitfields of the kernel's BTF, through
 * libbpf's BTF API: what CO-RE relocation would compute, at start-up. Also
 * the BTF type a path starts from: a function's argument or return value, a
 * type named in a cast, the current task. Pure given a struct btf: no
 * files, no BPF.
 */
#ifndef BPFPROM_BTFPATH_H
#define BPFPROM_BTFPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfprom.h"
#include "config/config.h"

struct btf;

/* What a path reads: the steps, and the leaf's integer type. */
struct btfpath_chain {
	uint32_t nsteps;
	struct bpfprom_step steps[BPFPROM_MAX_STEPS];
	uint32_t size; /* integer leaf: 1, 2, 4, 8 */
	bool is_signed;
};

/*
 * Resolve path's elements from a value whose BTF type is type_id (a
 * pointer, usually), or which points to type_id (ptr_to: a cast, task). want_str: the leaf must be a char array (its address is
 * the value) or a char pointer (read); else an integer, enum, pointer or
 * bitfield. btf_base: the program holds the base as a BTF-typed pointer
 * (the task, a BTF-typed tracepoint's argument), so reads inside the
 * structs it leads to may be loads (BPFPROM_READ_BTF). 0, or -EINVAL/-E2BIG
 * and one line in err naming the type.
 */
int btfpath__resolve(const struct btf *btf, uint32_t type_id, bool ptr_to, bool btf_base,
		     const struct cfg_path *path, bool want_str, struct btfpath_chain *out,
		     char *err, size_t errlen);

/* The type id of a struct, union or typedef name as a cast writes it
 * ("struct sk_buff", "union bpf_attr", "pid_t"). -ENOENT with a message
 * when BTF does not know the name. */
int btfpath__type_by_name(const struct btf *btf, const char *name, uint32_t *type_id, char *err,
			  size_t errlen);

/*
 * Where argument argn of kernel function func (type func_id of btf) is, counted in the 8-byte
 * places of registers and of a trampoline's ctx: a struct or union of 9 to
 * 16 bytes passed by value takes two (sockptr_t optval of tcp_setsockopt,
 * whose optlen is then in the sixth register, not the fifth), so the
 * arguments after one are a place further on. -ENOENT when func_id is
 * not a function with a prototype (its place is argn); -EINVAL with a message when
 * argument argn is itself such a struct (no one number holds it) or one of
 * more than 16 bytes comes before it (passed on the stack or by reference,
 * as the architecture decides). Arguments past the prototype's (a
 * variadic function's) are a place each. *number (may be NULL): whether the
 * argument is an integer or an enum, which a trampoline's ctx holds as a
 * number (a pointer there is typed, and not every kernel reads one).
 */
int btfpath__arg_place(const struct btf *btf, uint32_t func_id, const char *func, uint32_t argn,
		       uint32_t *place, bool *number, char *err, size_t errlen);

/* The BTF type of argument argn of a kernel function, or its return value
 * (argn < 0). -ENOENT/-EINVAL with a message. */
int btfpath__func_type(const struct btf *btf, const char *func, int argn, uint32_t *type_id,
		       char *err, size_t errlen);

/* Whether btf's enum bpf_func_id names helper (BPF_FUNC_ + helper): the
 * helpers the kernel it describes has, known without loading a program. */
bool btfpath__knows_helper(const struct btf *btf, const char *helper);

#endif /* BPFPROM_BTFPATH_H */
