// SPDX-License-Identifier: GPL-2.0
/*
 * The kallsyms reader (kernel/ksyms) on arbitrary text, handed over as a
 * memfd, through its two users: the ksym decoder (address to name, at scrape
 * time, from the file it opened) and the kprobe check (is FUNC a kernel
 * function, its size, a suggestion). The last 8 bytes of the input are also
 * decoded as an address.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scrape/decode.h"
#include "kernel/kprobe.h"
#include "kernel/ksyms.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("kallsyms", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz_kallsyms: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void decode(struct decoder *d, uint64_t v)
{
	char buf[256];
	const char *s;
	size_t len = 0;

	s = decoder__decode(d, v, false, buf, sizeof(buf), &len);
	if (!s || strlen(s) != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a small cache: fast, and decoding six values evicts */
	struct decode_env env = { .kallsyms = path, .cache_max = 4 };
	struct ksyms *ks;
	struct decoder *d;
	uint64_t tail = 0;

	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (size >= 8)
		memcpy(&tail, data + size - 8, 8);

	d = decoder__new(CFG_DECODE_KSYM, NULL, 0, &env);
	if (!d)
		abort();
	decode(d, 0);
	decode(d, 1);
	decode(d, 0xffffffff81000000ull);
	decode(d, UINT64_MAX);
	decode(d, tail);
	decode(d, 0xffffffff81000000ull); /* from the cache */
	decoder__free(d);

	ks = ksyms__load(path);
	if (!ks)
		abort();
	(void)kprobe__syms_has(ks, "vfs_read");
	(void)kprobe__syms_size(ks, "vfs_read");
	(void)kprobe__syms_suggest(ks, "vfs_raed");
	ksyms__free(ks);
	return 0;
}
