/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wild: the functions or events a wildcard probe (tracepoint:sched:*,
 * kprobe:tcp_*, uprobe:BIN:pthread_*) stands for, found with the matching of
 * `--list` (kernel/list: one matcher for both), and a did-you-mean for a
 * pattern that matches nothing. Reads what list reads; attaches nothing.
 */
#ifndef BPFPROM_WILD_H
#define BPFPROM_WILD_H

#include <stddef.h>

#include "config/config.h"

/* The most functions or events one wildcard may stand for. */
#define WILD_MAX_MEMBERS 4096

/*
 * The names pr matches, sorted: "CAT:EVENT" for a tracepoint, FUNC for a
 * kprobe or uprobe. bin: a uprobe's binary, already resolved to a path.
 * Returns 0 (also when nothing matches: *n == 0) or a negative errno with a
 * line in err. Free the names with list__names_free.
 */
int wild__expand(const struct cfg_probe *pr, const char *tracefs, const char *bin, char ***names,
		 size_t *n, char *err, size_t errlen);

/*
 * A pattern close to pr's that matches something, into hint ("" when none
 * is close): the part before the first wildcard compared with the names
 * that exist, the rest kept as written.
 */
void wild__suggest(const struct cfg_probe *pr, const char *tracefs, const char *bin, char *hint,
		   size_t hintlen);

#endif /* BPFPROM_WILD_H */
