// SPDX-License-Identifier: GPL-2.0
/*
 * The web config parser (--web.config.file) on arbitrary bytes. The file
 * "lives" in a fixture directory of certificates and keys made by
 * tests/fuzz/fixtures.sh, so TLS keys are reachable with short names; fopen
 * is wrapped (-Wl,--wrap=fopen) so that no input makes the parser read a file
 * outside that directory (a FIFO or /proc/kmsg would block the fuzzer). The
 * wrap reaches libFuzzer's own fopen too, which writes corpus entries and
 * crash reproducers: only reads during a parse are confined.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/webconfig.h"

static char dir[PATH_MAX];
static char file[PATH_MAX + 16];
static bool parsing;

FILE *__real_fopen(const char *path, const char *mode);

FILE *__wrap_fopen(const char *path, const char *mode)
{
	size_t n = strlen(dir);

	if (!parsing || strpbrk(mode, "wa+"))
		return __real_fopen(path, mode);
	/* a plain name directly inside the fixture directory, nothing else */
	if (strncmp(path, dir, n) || path[n] != '/' || strchr(path + n + 1, '/') ||
	    !strcmp(path + n + 1, "..") || !strcmp(path + n + 1, ".")) {
		errno = EACCES;
		return NULL;
	}
	return __real_fopen(path, mode);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *d = getenv("BPFPROM_FUZZ_FIXTURES");

	(void)argc;
	(void)argv;
	if (!realpath(d ? d : "build/fuzz/fixtures", dir)) {
		fprintf(stderr,
			"fuzz_webconfig: no fixture directory %s; set BPFPROM_FUZZ_FIXTURES\n",
			d ? d : "build/fuzz/fixtures");
		exit(1);
	}
	snprintf(file, sizeof(file), "%s/web.yml", dir);
	return 0;
}

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
	struct webconfig *wc = NULL;
	char err[1024];
	int ret;

	parsing = true;
	ret = webconfig__parse_string((const char *)data, size, file, &wc, err, sizeof(err));
	parsing = false;
	if (ret) {
		if (wc || strncmp(err, "web-config: ", 12) || !plain_line(err)) {
			fprintf(stderr,
				"webconfig: error %d without its one-line message: \"%s\"\n", ret,
				err);
			abort();
		}
		return 0;
	}
	if (!wc || (wc->tls && (!wc->cert_pem || !wc->key_pem || !wc->priorities))) {
		fprintf(stderr,
			"webconfig: success with TLS but no certificate, key or priorities\n");
		abort();
	}
	webconfig__free(wc);
	return 0;
}
