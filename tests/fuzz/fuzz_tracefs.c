// SPDX-License-Identifier: GPL-2.0
/* The tracepoint format-file parser on arbitrary text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/tracefs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_format f;
	size_t i;

	if (tracefs__parse_format((const char *)data, size, &f))
		return 0;
	for (i = 0; i < f.nfields; i++) {
		/* names and types are NUL-terminated within their arrays */
		if (strnlen(f.fields[i].name, sizeof(f.fields[i].name)) ==
			    sizeof(f.fields[i].name) ||
		    strnlen(f.fields[i].type, sizeof(f.fields[i].type)) == sizeof(f.fields[i].type))
			abort();
		if (tracefs__field(&f, f.fields[i].name) == NULL)
			abort();
	}
	tracefs__format_free(&f);
	return 0;
}
