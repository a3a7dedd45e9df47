/* SPDX-License-Identifier: GPL-2.0 */
/*
 * starts: when each series of one metric started counting (its start
 * timestamp: OpenMetrics 2.0's st@, protobuf's created_timestamp), by map
 * key. A key's start is the last moment bpfprom knew it was not in the map:
 * the previous read of the map, or, for a key already there at the first
 * read, the moment the metric's programs were loaded. A key stays known
 * while each read finds it; a key one read did not find (retired, see
 * retire.h, and not back within a scrape) starts again when it comes back,
 * as its values do. collect owns one per metric; it only keeps times and
 * keys (pure: the caller reads the clock), so it is unit-testable.
 */
#ifndef BPFPROM_STARTS_H
#define BPFPROM_STARTS_H

#include <stddef.h>
#include <stdint.h>

struct starts;

/* origin_ns: when the metric's maps were made (its programs loaded), in
 * nanoseconds since the epoch. NULL with errno. */
struct starts *starts__new(uint64_t origin_ns);
void starts__free(struct starts *st);

/* When the metric's maps were made: the start of what they counted from the
 * beginning (the metric's own counters, such as its drops). */
uint64_t starts__origin(const struct starts *st);

/*
 * One read at now_ns found n keys of key_size bytes (any order): out[i] is
 * key i's start (the start it had at the last read that found it, else the
 * time of the last read, or the origin before any read). The keys and their
 * starts are kept for the next read; keys no longer found are forgotten.
 * 0, or -ENOMEM (nothing changed; out is then the origin for every key).
 */
int starts__read(struct starts *st, size_t key_size, const uint8_t *keys, size_t n, uint64_t now_ns,
		 uint64_t *out);

#endif /* BPFPROM_STARTS_H */
