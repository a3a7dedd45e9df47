/* SPDX-License-Identifier: GPL-2.0 */
/* file: a whole small file read into memory (configs, PEM files), or its one number. */
#ifndef BPFPROM_FILE_H
#define BPFPROM_FILE_H

#include <stddef.h>

/*
 * Read path into *out, NUL-terminated (the NUL not counted in *len); the
 * caller frees it. More than max bytes is -EFBIG (SIZE_MAX: no bound). 0 or
 * a negative errno.
 */
int file__read_all(const char *path, size_t max, char **out, size_t *len);
/* The decimal integer a file starts with (sysfs and tracefs files): 0 or a negative errno. */
int file__read_int(const char *path, int *out);

#endif /* BPFPROM_FILE_H */
