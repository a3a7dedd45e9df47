/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks: the text of a kstack or ustack label, `root;...;leaf` as flame-graph
 * tools read it, from the stack id in its key: the stack's addresses from
 * the metric's stack map, kernel ones named through kallsyms (a ksym
 * decoder, decode.h), user ones through the process's mappings (usyms.h);
 * 0x... where no name is known. Texts are cached by map, key and frames, at
 * most STACKS_CACHE_MAX of them (the oldest is replaced): a scrape resolves a
 * stack once, and a ustack whose process has exited since keeps the names
 * it had. One per scrape state, shared by its metrics. Not thread-safe.
 */
#ifndef BPFPROM_STACKS_H
#define BPFPROM_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "scrape/decode.h"

#define STACKS_CACHE_MAX 4096

struct stacks;

/* NULL with errno. env: the kallsyms file (decode.h); proc: NULL for /proc. */
struct stacks *stacks__new(const struct decode_env *env, const char *proc);
void stacks__free(struct stacks *s);

/* Load kallsyms now, while privileged: -EPERM when it shows no address. */
int stacks__prepare(struct stacks *s);

/* A scrape begins: process mappings are read again when needed. */
void stacks__begin(struct stacks *s);

/*
 * The text of stack label l whose key holds v, from stack map fd (whose
 * stacks hold map_frames addresses): *len bytes, valid until the next call.
 * A stack the map no longer holds prints as "[unknown]".
 */
const char *stacks__text(struct stacks *s, int fd, uint32_t map_frames,
			 const struct metric_label *l, uint64_t v, size_t *len);

/* The map deleted stack id of fd: forget the texts made of it. */
void stacks__forget(struct stacks *s, int fd, uint32_t id);

/* Kernel addresses kallsyms did not name (printed in hex). */
uint64_t stacks__errors(const struct stacks *s);

#endif /* BPFPROM_STACKS_H */
