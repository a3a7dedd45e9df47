/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracefs: find tracefs (/sys/kernel/tracing, then debugfs's tracing/), or
 * mount it at /sys/kernel/tracing when neither has events/: the only mount
 * bpfprom makes. Parses tracepoint format files (ROOT/events/CAT/EVENT/format)
 * into fields; reads nothing else.
 */
#ifndef BPFPROM_TRACEFS_H
#define BPFPROM_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACEFS_DEFAULT "/sys/kernel/tracing"

struct tp_field {
	char name[64];
	char type[96];
	uint32_t offset;
	uint32_t size;
	bool is_signed;
	bool is_array; /* "char comm[16]": a fixed array */
	bool is_data_loc; /* "__data_loc char[] name": offset/len word */
};

struct tp_format {
	uint32_t id;
	size_t nfields;
	struct tp_field *fields;
};

/*
 * Find a tracefs with events/ in it: /sys/kernel/tracing, then the debugfs
 * location; if neither, mount tracefs at /sys/kernel/tracing. Writes the root
 * to root (PATH_MAX). Returns 0 or a negative errno with a message in err.
 */
int tracefs__find(char *root, size_t rootlen, char *err, size_t errlen);

/* Parse ROOT/events/CAT/EVENT/format. -ENOENT when there is no such event. */
int tracefs__read_format(const char *root, const char *cat, const char *event,
			 struct tp_format *out);
/* The same from a format file's text (len bytes, NUL not needed): for tests and fuzzing. */
int tracefs__parse_format(const char *text, size_t len, struct tp_format *out);
void tracefs__format_free(struct tp_format *f);
const struct tp_field *tracefs__field(const struct tp_format *f, const char *name);

#endif /* BPFPROM_TRACEFS_H */
