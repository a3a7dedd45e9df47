// SPDX-License-Identifier: GPL-2.0
/*
 * The config parser on arbitrary bytes: libyaml, every key, probe specs,
 * sources, labels, static values, filters and their error messages. An error
 * must be one line that starts with "config: ".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = NULL;
	char err[1024];
	int ret;

	ret = config__parse_string((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err));
	if (ret) {
		if (cfg || strncmp(err, "config: ", 8)) {
			fprintf(stderr, "config: error %d without its message: \"%s\"\n", ret, err);
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
