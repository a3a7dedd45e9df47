/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keyorder: the order a metric's series are printed in, found without a
 * comparison function. Label by label in the metric's order, 8-byte integer
 * labels as numbers (signed ones as signed), strings and other sizes as their
 * bytes (memcmp), then the whole key's bytes; equal keys keep their order.
 *
 * Each key is read as one big-endian byte string that compares like that (an
 * integer's bytes most significant first, a signed one's top bit flipped,
 * bytes an earlier label already compared left out), and the series are
 * radix-sorted on its first 8 bytes, then on the next 8 within each run of
 * equal ones. Scratch space is kept from one sort to the next.
 */
#ifndef BPFPROM_KEYORDER_H
#define BPFPROM_KEYORDER_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"

struct keyorder;

struct keyorder *keyorder__new(void);
void keyorder__free(struct keyorder *ko);

/*
 * Sort the n keys of key_size bytes at keys (key i at keys + i * key_size) as
 * the labels print: order[0 .. n - 1] receives the indices of the keys, first
 * printed first. A label that does not lie inside the key is ignored.
 * Returns 0, -ENOMEM, or -EINVAL when n or key_size is too large for the
 * indices (UINT32_MAX).
 */
int keyorder__sort(struct keyorder *ko, const struct metric_label *labels, size_t nlabels,
		   const uint8_t *keys, size_t key_size, size_t n, uint32_t *order);

#endif /* BPFPROM_KEYORDER_H */
