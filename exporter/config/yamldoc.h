/* SPDX-License-Identifier: GPL-2.0 */
/*
 * yamldoc: one YAML document, loaded whole with libyaml's document API, for
 * the parsers of bpfprom's files (config, webconfig). It owns the libyaml
 * parser and document, the shape of every message,
 *   PREFIX: FILE:LINE:COL: [LIST[I] (NAME): ][PATH: ]MESSAGE
 * with control characters escaped, the node getters and the check of a
 * mapping's keys with its did-you-mean. What a document means is its
 * caller's: yamldoc knows no key of any file.
 *
 * Like libyaml's own structs, struct yamldoc lives on the caller's stack;
 * its fields are yamldoc's.
 */
#ifndef BPFPROM_YAMLDOC_H
#define BPFPROM_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* The most keys one mapping may be checked against. */
#define YAMLDOC_MAX_KEYS 32

struct yamldoc {
	const char *prefix; /* "config", "web-config" */
	const char *file; /* as given; named in every message */
	char *err;
	size_t errlen;
	/* the list item messages are about, if any: LIST[INDEX] (NAME) */
	const char *item_list;
	long item_index;
	const char *item_name;
	yaml_document_t doc;
	bool loaded;
};

void yamldoc__init(struct yamldoc *d, const char *prefix, const char *file, char *err,
		   size_t errlen);
/*
 * Load the one document of text: a syntax error, or a second document
 * ("...; put WHAT in one document"), is an error. *root is NULL for an empty
 * stream. Returns 0 or a negative errno with the message written.
 */
int yamldoc__load(struct yamldoc *d, const char *text, size_t len, const char *what,
		  yaml_node_t **root);
/* Release the document; nothing from it may be used after. */
void yamldoc__unload(struct yamldoc *d);

/* Messages from now on are about LIST[INDEX] (NAME); name may be NULL, list
 * NULL: about no item. name must live until the next call. */
void yamldoc__set_item(struct yamldoc *d, const char *list, long index, const char *name);

/* Write the message; return -EINVAL. path (a key path) may be NULL. */
__attribute__((format(printf, 4, 5))) int yamldoc__fail(struct yamldoc *d, const yaml_node_t *node,
							const char *path, const char *fmt, ...);
__attribute__((format(printf, 4, 5))) int
yamldoc__fail_mark(struct yamldoc *d, yaml_mark_t mark, const char *path, const char *fmt, ...);
/* "PREFIX: FILE: out of memory"; return -ENOMEM. */
int yamldoc__oom(struct yamldoc *d);

/* How yamldoc__fail_unknown and yamldoc__map_collect word their messages. */
enum {
	/* list the expected words after a suggestion too (always without one) */
	YAMLDOC_LIST_ALWAYS = 1 << 0,
	/* a key's own messages name it in the path (PATH.KEY: duplicate key)
	 * rather than in the message (PATH: duplicate key "KEY") */
	YAMLDOC_KEY_IN_PATH = 1 << 1,
};

/*
 * unknown WHAT "WORD" (did you mean "X"?); expected [one of ]LIST
 * LIST is shown if given, else the candidates joined with ", ". The
 * suggestion is util/suggest's, ASCII case folded.
 */
int yamldoc__fail_unknown(struct yamldoc *d, const yaml_node_t *node, const char *path,
			  const char *what, const char *word, const char *const *cands, size_t n,
			  const char *shown, unsigned int flags);

/* words joined with ", " into buf, cut at len */
void yamldoc__join(char *buf, size_t len, const char *const *words, size_t n);

/* A key a file format has and its parser refuses by name, and why. */
struct yamldoc_refused {
	const char *key;
	const char *why;
};

struct yamldoc_keys {
	const char *const *names;
	size_t n; /* at most YAMLDOC_MAX_KEYS */
	const struct yamldoc_refused *refused;
	size_t nrefused;
	unsigned int flags;
};

/*
 * Check a mapping's keys and hand back each known key's value in vals[] and,
 * if knodes is not NULL, its key node in knodes[] (both NULL when absent,
 * both zeroed by the caller). Refused, unknown and repeated keys are errors:
 * YAML would silently keep one of two duplicates.
 */
int yamldoc__map_collect(struct yamldoc *d, const yaml_node_t *map, const char *path,
			 const struct yamldoc_keys *keys, yaml_node_t **vals, yaml_node_t **knodes);

/* ---- nodes ---- */

yaml_node_t *yamldoc__node(struct yamldoc *d, int id);
const char *yamldoc__scalar(const yaml_node_t *n);
/* YAML's null: an empty or ~/null plain scalar, e.g. the value of "help:". */
bool yamldoc__is_null(const yaml_node_t *n);
/* "a mapping", "a list", "a string", "an empty value": for "got %s" */
const char *yamldoc__desc(const yaml_node_t *n);
size_t yamldoc__seq_len(const yaml_node_t *n);
/*
 * n must be a sequence of at most max items: 0 and *len, or -EINVAL with
 * "expected LIST, got ..." or "N NOUN given, at most MAX fit WHERE; remove
 * some" (at the first item past max).
 */
int yamldoc__expect_seq_upto(struct yamldoc *d, const yaml_node_t *n, const char *path,
			     const char *list, const char *noun, const char *where, size_t max,
			     size_t *len);
yaml_node_t *yamldoc__seq_item(struct yamldoc *d, const yaml_node_t *n, size_t i);
size_t yamldoc__map_len(const yaml_node_t *n);

/* A string without NUL; not null, not a list or mapping. */
int yamldoc__get_str(struct yamldoc *d, const yaml_node_t *n, const char *path, const char **out);
/* An unquoted decimal or 0x hexadecimal integer, optionally negative. */
int yamldoc__get_int(struct yamldoc *d, const yaml_node_t *n, const char *path, int64_t *out);
/* The same within lo..hi; unit follows hi in the message (" bytes"). */
int yamldoc__get_int_range(struct yamldoc *d, const yaml_node_t *n, const char *path, int64_t lo,
			   int64_t hi, const char *unit, int64_t *out);
/*
 * One of n words, exactly; *index its place. Else "unknown WHAT" with the
 * suggestion and the list (yamldoc__fail_unknown, YAMLDOC_LIST_ALWAYS).
 */
int yamldoc__get_word(struct yamldoc *d, const yaml_node_t *n, const char *path, const char *what,
		      const char *const *words, size_t nwords, size_t *index);
/* true/false as YAML writes them (True, FALSE...), unquoted. */
int yamldoc__get_bool(struct yamldoc *d, const yaml_node_t *n, const char *path, bool *out);
int yamldoc__expect_map(struct yamldoc *d, const yaml_node_t *n, const char *path);
/* A map (0), nothing (null: 1, the caller has nothing to read), or -EINVAL. */
int yamldoc__expect_map_or_null(struct yamldoc *d, const yaml_node_t *n, const char *path);

/*
 * The integers of bpfprom's files, in and out of YAML scalars: decimal or 0x
 * hexadecimal, no spaces, no '_'; i64 takes a leading '-'. 0, -EINVAL or
 * -ERANGE.
 */
int yamldoc__parse_u64(const char *s, uint64_t *out);
int yamldoc__parse_i64(const char *s, int64_t *out);

#endif /* BPFPROM_YAMLDOC_H */
