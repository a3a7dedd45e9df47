/* SPDX-License-Identifier: GPL-2.0 */
/*
 * suggest: every "did you mean" of bpfprom, under one rule. A candidate is a
 * suggestion for a word that matched nothing when its edit distance d
 * (Levenshtein; ASCII case folded if the caller's names ignore case) is
 *   d <= max(2, len(word) / 4)  a typo or two, one in four letters of a long
 *                               word (its shared prefix makes any two names
 *                               of one library look close: "lib_static" is
 *                               no typo of "lib_fn"), and
 *   d < len(word), d < len(cand) it keeps at least one letter of each: "gp"
 *                                is a typo of "go", "ab" is not one of "xy";
 * and it is not the word itself. The smallest d wins; equal distances go to
 * the candidate first in byte order, so the pick never depends on the order
 * the candidates come in (a symbol table's, a directory's). Words longer than
 * SUGGEST_MAX_WORD get no suggestion.
 */
#ifndef BPFPROM_SUGGEST_H
#define BPFPROM_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* Longest word compared; longer ones are SIZE_MAX apart. */
#define SUGGEST_MAX_WORD 256

/* Levenshtein distance of a (la bytes) and b (lb bytes); fold_case compares
 * ASCII letters case-insensitively. SIZE_MAX when either is too long. */
size_t suggest__distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case);

/* The closest of n candidates to word under the rule above, or NULL. */
const char *suggest__closest(const char *word, const char *const *cands, size_t n, bool fold_case);

/*
 * The same rule over candidates that are not in an array (symbol tables):
 *   struct suggest s;
 *   suggest__init(&s, func, false);
 *   for each name: suggest__add(&s, name);
 *   hint = s.best;
 * Candidates must outlive the use of best.
 */
struct suggest {
	const char *word;
	size_t len, limit;
	bool fold_case;
	const char *best; /* NULL while no candidate is close enough */
	size_t best_d;
};

void suggest__init(struct suggest *s, const char *word, bool fold_case);
void suggest__add(struct suggest *s, const char *cand);

#endif /* BPFPROM_SUGGEST_H */
