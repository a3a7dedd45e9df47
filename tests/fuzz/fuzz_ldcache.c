// SPDX-License-Identifier: GPL-2.0
/*
 * The ld.so.cache reader that resolves uprobe:LIBRARY:FUNC (old, compat and
 * new layouts, offsets and strings taken from the file). Byte 0 picks the
 * library name looked up, the rest is the cache, handed over as a memfd.
 * realpath is wrapped (-Wl,--wrap=realpath) to say "no such file": what the
 * cache names is never opened, so no input reaches a FIFO or a device, and a
 * match shows as its "which does not exist" message.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/elfsym.h"

static int fd = -1;
static char cache[64];

char *__wrap_realpath(const char *path, char *resolved)
{
	(void)path;
	(void)resolved;
	errno = ENOENT;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("ld.so.cache", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz_ldcache: memfd_create");
		exit(1);
	}
	snprintf(cache, sizeof(cache), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "c", "libc", "fake", "libfake.so.1", "stale", "m" };
	char path[PATH_MAX], err[512], want[256];
	const char *bin;
	int ret;

	if (size < 1)
		return 0;
	bin = names[data[0] % (sizeof(names) / sizeof(names[0]))];
	if (ftruncate(fd, 0) || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
		abort();
	err[0] = '\0';
	ret = elfsym__resolve_binary_cache(bin, cache, path, sizeof(path), err, sizeof(err));
	/* not a cache, not found, or found (and then "does not exist") */
	if (ret == -EINVAL)
		snprintf(want, sizeof(want), "%s is not a glibc ld.so.cache", cache);
	else if (ret == -ENOENT)
		snprintf(want, sizeof(want), "library \"%s\" ", bin);
	else
		want[0] = '\0';
	if (!want[0] || strncmp(err, want, strlen(want))) {
		fprintf(stderr, "ldcache: %s: %d \"%s\"\n", bin, ret, err);
		abort();
	}
	return 0;
}
