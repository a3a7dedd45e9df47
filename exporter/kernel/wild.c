// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kernel/list.h"
#include "kernel/wild.h"
#include "util/suggest.h"

/* The --list pattern of pr with glob as its name part, and how much of each listed line is prefix. */
static int pattern_of(const struct cfg_probe *pr, const char *bin, const char *glob, char *buf,
		      size_t len, size_t *skip)
{
	int n;

	switch (pr->kind) {
	case CFG_PROBE_TRACEPOINT:
		*skip = strlen("tracepoint:");
		n = snprintf(buf, len, "tracepoint:%s", glob);
		break;
	case CFG_PROBE_KPROBE:
	case CFG_PROBE_KRETPROBE:
		/* kretprobe lines list the same functions */
		*skip = strlen("kprobe:");
		n = snprintf(buf, len, "kprobe:%s", glob);
		break;
	case CFG_PROBE_UPROBE:
	case CFG_PROBE_URETPROBE:
		/* a path is printed as typed: bin is one */
		n = snprintf(buf, len, "uprobe:%s:", bin);
		*skip = (size_t)n;
		n = snprintf(buf, len, "uprobe:%s:%s", bin, glob);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The names of the lines list gives for glob, prefixes cut. */
static int match(const struct cfg_probe *pr, const char *tracefs, const char *bin, const char *glob,
		 char ***names, size_t *n, char *err, size_t errlen)
{
	struct list_opts opts = { .tracefs = tracefs };
	char pattern[4096];
	size_t skip = 0;
	int ret;

	*names = NULL;
	*n = 0;
	ret = pattern_of(pr, bin, glob, pattern, sizeof(pattern), &skip);
	if (ret) {
		snprintf(err, errlen, "the pattern is too long");
		return ret;
	}
	ret = list__match(pattern, &opts, names, n, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < *n; i++) {
		/* every line starts with the prefix: list prints what it was asked */
		if (strlen((*names)[i]) >= skip)
			memmove((*names)[i], (*names)[i] + skip, strlen((*names)[i]) - skip + 1);
	}
	return 0;
}

int wild__expand(const struct cfg_probe *pr, const char *tracefs, const char *bin, char ***names,
		 size_t *n, char *err, size_t errlen)
{
	char glob[2048];

	if (pr->kind == CFG_PROBE_TRACEPOINT)
		snprintf(glob, sizeof(glob), "%s:%s", pr->target, pr->func);
	else
		snprintf(glob, sizeof(glob), "%s", pr->func);
	return match(pr, tracefs, bin, glob, names, n, err, errlen);
}

void wild__suggest(const struct cfg_probe *pr, const char *tracefs, const char *bin, char *hint,
		   size_t hintlen)
{
	char glob[2048], err[256], prefix[SUGGEST_MAX_WORD + 1], try[2048 + SUGGEST_MAX_WORD];
	size_t n = 0, plen, best_d = (size_t)-1, best_i = 0, best_len = 0, m = 0;
	char **names = NULL, **hits = NULL;
	const char *rest;
	size_t limit;

	hint[0] = '\0';
	if (pr->kind == CFG_PROBE_TRACEPOINT)
		snprintf(glob, sizeof(glob), "%s:%s", pr->target, pr->func);
	else
		snprintf(glob, sizeof(glob), "%s", pr->func);
	plen = strcspn(glob, "*?");
	rest = glob + plen;
	if (!plen || plen > SUGGEST_MAX_WORD)
		return;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)plen, glob);
	limit = plen / 4 > 2 ? plen / 4 : 2;
	if (match(pr, tracefs, bin, "*", &names, &n, err, sizeof(err)))
		return;
	/* a typo in the fixed part: compare it with each name's start of about its length */
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		/* lengths nearest the prefix's first: a tie keeps the closer one */
		static const int around[] = { 0, 1, -1, 2 };

		for (size_t a = 0; a < sizeof(around) / sizeof(around[0]); a++) {
			size_t l = plen + (size_t)(ssize_t)around[a], d;

			if (!l || l > len)
				continue;
			d = suggest__distance(prefix, plen, names[i], l, false);

			if (d && d <= limit && d < plen && d < best_d) {
				best_d = d;
				best_i = i;
				best_len = l;
			}
		}
	}
	if (best_d != (size_t)-1) {
		snprintf(try, sizeof(try), "%.*s%s", (int)best_len, names[best_i], rest);
		/* only a pattern that matches something is worth suggesting */
		if (!match(pr, tracefs, bin, try, &hits, &m, err, sizeof(err)) && m) {
			if (pr->kind == CFG_PROBE_TRACEPOINT || !bin)
				snprintf(hint, hintlen, "%s:%s", config__probe_kind_name(pr->kind),
					 try);
			else
				snprintf(hint, hintlen, "%s:%s:%s",
					 config__probe_kind_name(pr->kind), pr->target, try);
		}
		list__names_free(hits, m);
	}
	list__names_free(names, n);
}
