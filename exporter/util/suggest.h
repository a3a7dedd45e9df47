/* SPDX-License-Identifier: GPL-2.0 */
/* suggest: the edit distance behind every "did you mean" of bpfprom. */
#ifndef BPFPROM_SUGGEST_H
#define BPFPROM_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* Longest word compared; longer ones are SIZE_MAX apart. */
#define SUGGEST_MAX_WORD 256

/* Levenshtein distance of a (la bytes) and b (lb bytes); fold_case compares
 * ASCII letters case-insensitively. SIZE_MAX when either is too long. */
size_t suggest__distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case);

#endif /* BPFPROM_SUGGEST_H */
