// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "util/suggest.h"

size_t suggest__distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case)
{
	size_t row[SUGGEST_MAX_WORD + 1], i, j, prev, cur, best;

	if (la > SUGGEST_MAX_WORD || lb > SUGGEST_MAX_WORD)
		return SIZE_MAX;
	/* one row of the dynamic-programming table, updated in place */
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned char ca = a[i - 1], cb = b[j - 1];

			cur = row[j];
			best = prev + (fold_case ? tolower(ca) != tolower(cb) : ca != cb);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

void suggest__init(struct suggest *s, const char *word, bool fold_case)
{
	s->word = word;
	s->len = strlen(word);
	s->limit = s->len / 4 > 2 ? s->len / 4 : 2;
	s->fold_case = fold_case;
	s->best = NULL;
	s->best_d = SIZE_MAX;
}

void suggest__add(struct suggest *s, const char *cand)
{
	size_t lc = strlen(cand), d;

	/* the distance is at least the difference in length: most of a symbol
	 * table is ruled out without computing it */
	if ((lc > s->len ? lc - s->len : s->len - lc) > s->limit)
		return;
	d = suggest__distance(s->word, s->len, cand, lc, s->fold_case);
	if (d > s->limit || d >= s->len || d >= lc || !strcmp(cand, s->word))
		return;
	if (d < s->best_d || (d == s->best_d && strcmp(cand, s->best) < 0)) {
		s->best = cand;
		s->best_d = d;
	}
}

const char *suggest__closest(const char *word, const char *const *cands, size_t n, bool fold_case)
{
	struct suggest s;
	size_t i;

	suggest__init(&s, word, fold_case);
	for (i = 0; i < n; i++)
		suggest__add(&s, cands[i]);
	return s.best;
}
