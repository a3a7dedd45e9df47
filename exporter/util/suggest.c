// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdint.h>

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
