// SPDX-License-Identifier: GPL-2.0
/*
 * The config parser on arbitrary bytes: libyaml, every key, probe specs,
 * sources, labels, static values, filters and their error messages. An error
 * must be one line, without terminal controls, that starts with "config: ".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* One line without terminal controls, whatever the input quoted into it. */
static bool plain_line(const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if (*u < 0x20 || *u == 0x7f || (u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = NULL;
	char err[1024];
	int ret;

	ret = config__parse_string((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err));
	if (ret) {
		if (cfg || strncmp(err, "config: ", 8) || !plain_line(err)) {
			fprintf(stderr, "config: error %d without its one-line message: \"%s\"\n",
				ret, err);
			abort();
		}
		return 0;
	}
	if (!cfg || !cfg->nmetrics) {
		fprintf(stderr, "config: success without a metric\n");
		abort();
	}
	config__free(cfg);
	return 0;
}
