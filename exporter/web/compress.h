/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compress: gzip (RFC 1952) a response body with zlib, for clients whose
 * Accept-Encoding allows it.
 */
#ifndef BPFPROM_COMPRESS_H
#define BPFPROM_COMPRESS_H

#include <stddef.h>

#include "util/buf.h"

/* Append the gzip stream of src[0..n) to out. 0, or -ENOMEM / -EIO. */
int compress__gzip(const void *src, size_t n, struct buf *out);

#endif /* BPFPROM_COMPRESS_H */
