/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbtf: the BTF that describes a kernel name: vmlinux's, or the BTF of the
 * module that defines it (/sys/kernel/btf/MODULE, split BTF over vmlinux's:
 * its type ids continue vmlinux's, so a path that starts in a module's type
 * and walks into vmlinux's resolves in the module's handle alone). Module
 * BTF is read when a name is not in vmlinux's, and kept until kbtf__free:
 * one plan, or one --list. Touches only the directory it is given; no BPF.
 */
#ifndef BPFPROM_KBTF_H
#define BPFPROM_KBTF_H

#define KBTF_DIR "/sys/kernel/btf"

#include <stdint.h>

struct btf;
struct kbtf;

/*
 * vmlinux stays the caller's and must outlive the kbtf. dir: where module
 * BTF lies (every file but "vmlinux"); NULL searches no module (BTF from a
 * file, BPFPROM_VMLINUX_BTF: the modules' would not split over it). NULL
 * with errno ENOMEM.
 */
struct kbtf *kbtf__new(const struct btf *vmlinux, const char *dir);
void kbtf__free(struct kbtf *kb);

/*
 * The BTF with a type called name of kind (BTF_KIND_FUNC for a function,
 * BTF_KIND_TYPEDEF for btf_trace_EVENT): vmlinux's if it has one, else the
 * first module's in name order; NULL when none has. *module (may be NULL) is
 * the module's name, NULL for vmlinux.
 */
const struct btf *kbtf__find(struct kbtf *kb, const char *name, int kind, const char **module);

/*
 * kbtf__find for a function, with its type id (*id, may be NULL): by an
 * index of every function's name, built at the first call (vmlinux's) and
 * at the first name vmlinux lacks (every module's), so that looking up many
 * names costs a binary search each.
 */
const struct btf *kbtf__func(struct kbtf *kb, const char *name, uint32_t *id, const char **module);

/*
 * Calls each(btf, module, arg) for vmlinux's BTF (module NULL) and then each
 * module's, in name order, stopping at the first non-zero return, which it
 * returns. Module files that do not parse are left out.
 */
int kbtf__for_each(struct kbtf *kb,
		   int (*each)(const struct btf *btf, const char *module, void *arg), void *arg);

#endif /* BPFPROM_KBTF_H */
