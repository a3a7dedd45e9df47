/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metric: the read-only description of one user metric, as plan resolves it
 * from the config: what its map key and value words hold and how its labels
 * and buckets print. plan owns it; collect, keyorder, render and term only
 * read it. A header of types: it knows no stage (no render, scrape or kernel
 * header), so the plan does not depend on the output layer and the output
 * layer does not depend on the kernel side.
 */
#ifndef BPFPROM_METRIC_H
#define BPFPROM_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpfprom.h"
#include "config/config.h"

/* Labels a metric prints: decode: k8s prints one key label as three. */
#define METRIC_MAX_LABELS (BPFPROM_MAX_LABELS + 2)

enum metric_stack {
	METRIC_STACK_NONE = 0,
	METRIC_STACK_KERNEL,
	METRIC_STACK_USER,
};

/* How one printed label is read from the map key. */
struct metric_label {
	const char *name;
	uint32_t key_off;
	uint32_t key_size;
	bool is_str; /* NUL-padded bytes; else an integer of key_size bytes (1, 2, 4, 8) */
	bool is_signed;
	/* a byte array (is_str too): this many bytes, printed as an address
	 * (decode: inet) or as hex, never cut at a NUL */
	uint32_t nbytes;
	/* integer labels: CFG_DECODE_NONE prints the number; else the text of
	 * part `part` of the decoder of config label `cfg_label` (decode: k8s:
	 * parts 0, 1, 2 are namespace, pod, container; others have part 0) */
	enum cfg_decode decode;
	uint8_t cfg_label;
	uint8_t part;
	/* kstack, ustack: the key holds a stack id (ustack: tgid << 32 | id) in
	 * the metric's stack map, printed as its first `frames` functions, root
	 * first, separated by ';' */
	uint8_t stack; /* enum metric_stack */
	uint32_t frames;
	/* decode: usym: the key holds the tgid of the event's process in the
	 * 8 bytes after the address (key_off + 8), where its symbols are */
	bool usym;
};

struct metric_desc {
	const char *name; /* full name, namespace applied; counters end in _total */
	const char *help;
	enum bpfprom_agg agg;
	bool value_signed; /* sum, min, max are s64 */
	double scale; /* 1, or 1e-9 for unit: seconds on nanoseconds */
	size_t nlabels;
	struct metric_label labels[METRIC_MAX_LABELS];
	/* hist/lhist: finite upper bounds (already scaled), nbuckets of them */
	size_t nbuckets;
	const double *bounds;
	/* hist: the log2 slot of bucket 0 (bpfprom.h), for native histograms */
	uint32_t hist_first_slot;
	/* hist with a schema: bucket 0 is the zero bucket (bounds[0] its
	 * threshold), bucket j >= 1 native bucket hist_first_index + j - 1 */
	bool hist_has_schema;
	uint32_t hist_schema;
	int32_t hist_first_index;
	/* the map's key bytes and u64 value words. Value layout as
	 * bpf/bpfprom.h describes: count: [0] count. sum: [0] count, [1] sum.
	 * hist, lhist: [0] unused, [1] sum, [2 .. 2+nbuckets] bucket counts, the
	 * last being the overflow that only +Inf holds; _count is their total.
	 * stats: [0] count, [1] sum, [2] min, [3] max (min/max meaningless when
	 * count is 0). */
	size_t key_size;
	size_t value_words;
};

/* An integer label's value in key, widened to 64 bits as the key's type
 * says: a decoder sees -2, not 4294967294, for an s32 errno. */
static inline uint64_t metric_label__int(const struct metric_label *l, const uint8_t *key)
{
	const uint8_t *p = key + l->key_off;
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} u;

	switch (l->key_size) {
	case 1:
		memcpy(&u.u8, p, 1);
		return l->is_signed ? (uint64_t)(int64_t)(int8_t)u.u8 : u.u8;
	case 2:
		memcpy(&u.u16, p, 2);
		return l->is_signed ? (uint64_t)(int64_t)(int16_t)u.u16 : u.u16;
	case 4:
		memcpy(&u.u32, p, 4);
		return l->is_signed ? (uint64_t)(int64_t)(int32_t)u.u32 : u.u32;
	default:
		memcpy(&u.u64, p, 8);
		return u.u64;
	}
}

/* A string label's bytes in key, up to its first NUL: the start, and the
 * length in *len. */
static inline const char *metric_label__str(const struct metric_label *l, const uint8_t *key,
					    size_t *len)
{
	const uint8_t *p = key + l->key_off;
	const uint8_t *nul = (const uint8_t *)memchr(p, '\0', l->key_size);

	*len = nul ? (size_t)(nul - p) : l->key_size;
	return (const char *)p;
}

#endif /* BPFPROM_METRIC_H */
