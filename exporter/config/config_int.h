/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config_int: what the files of the config parser share, and nothing else
 * includes. config.c reads the file top-down (root, metrics, each metric's
 * keys in dependency order) and hands each part of a metric to its file:
 * config_name.c (names: rules, reserved names, collisions), config_probe.c
 * (probe specs), config_source.c (sources and which probes can read them),
 * config_value.c (value, until, match, unit, buckets), config_label.c,
 * config_filter.c. Every message goes through yamldoc.
 */
#ifndef BPFPROM_CONFIG_INT_H
#define BPFPROM_CONFIG_INT_H

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "config/config.h"
#include "config/yamldoc.h"
#include "util/array.h"

/* Keywords are short: a longer probe kind is shown cut, a longer str() argument refused. */
#define KEYWORD_MAX 64
#define PATH_LEN 48
/* The kernel keeps TASK_COMM_LEN - 1 characters of a task's name. */
#define COMM_MAX_CHARS (BPFPROM_COMM_LEN - 1)

struct parser {
	struct yamldoc *doc;
	const char *ns; /* the namespace, "" for none */
	struct cfg *cfg;
	long mi; /* index of the metric being parsed, -1 outside metrics */
	/* the metric's probe list items written as {probe: SPEC, match: ...,
	 * filter: [...]}: their match and filter, parsed once the metric's
	 * own are (NULL where not given) */
	const yaml_node_t *own_match[BPFPROM_MAX_PROBES];
	const yaml_node_t *own_filter[BPFPROM_MAX_PROBES];
	/* while those are parsed, the one start probe their sources must exist at */
	const struct cfg_probe *only_probe;
};

enum metric_key {
	MK_NAME,
	MK_HELP,
	MK_PROBE,
	MK_UNTIL,
	MK_MATCH,
	MK_AGGREGATE,
	MK_VALUE,
	MK_UNIT,
	MK_LABELS,
	MK_FILTER,
	MK_MAX_SERIES,
	MK_BUCKETS,
	MK_PID,
	MK_SCHEMA,
	MK_SERIES_TTL,
	MK_MISSING,
	MK_START,
	MK_SERIES_MAP,
	MK__COUNT,
};

extern const char *const config_agg_names[BPFPROM_AGG__COUNT];
extern const char *const config_decode_names[CFG_DECODE__COUNT];
extern const char *const config_probe_kind_names[CFG_PROBE_USDT + 1];
extern const char *const config_src_names[BPFPROM_SRC__COUNT];

static inline struct cfg_pos node_pos(const yaml_node_t *n)
{
	struct cfg_pos pos = { (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };

	return pos;
}

static inline bool is_ident(const char *s, bool allow_dot)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && !(allow_dot && *s == '.'))
			return false;
	return true;
}

static inline bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static inline bool is_counter(enum bpfprom_agg agg)
{
	return agg == BPFPROM_AGG_COUNT || agg == BPFPROM_AGG_SUM;
}

static inline bool is_string_src(enum bpfprom_src kind)
{
	return bpfprom_src_is_str(kind);
}

/* kstack, ustack: ids in a stack map, only a label can hold one */
static inline bool is_stack_src(enum bpfprom_src kind)
{
	return kind == BPFPROM_SRC_KSTACK || kind == BPFPROM_SRC_USTACK;
}

static inline bool is_entry_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_KPROBE || kind == CFG_PROBE_UPROBE;
}

static inline bool is_return_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_KRETPROBE || kind == CFG_PROBE_URETPROBE;
}

/* profile, software, hardware: perf events that sample whatever the CPU runs */
static inline bool is_sample_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_PROFILE || kind == CFG_PROBE_SOFTWARE ||
	       kind == CFG_PROBE_HARDWARE;
}

int config_map_collect(struct parser *p, const yaml_node_t *map, const char *path,
		       const char *const *keys, size_t nkeys, yaml_node_t **v);

/* config_name.c */
int config_parse_namespace(struct parser *p, const yaml_node_t *node);
int config_parse_metric_name(struct parser *p, const yaml_node_t *map, struct cfg_metric *m,
			     const yaml_node_t **name_node);
int config_check_name_suffix(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m);
int config_check_reserved(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m);
int config_check_collisions(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m);

/* config_probe.c */
int config_parse_probe(struct parser *p, const yaml_node_t *node, const char *path,
		       struct cfg_probe *pr);
int config_parse_probes(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
			struct cfg_metric *m);

/* config_source.c */
int config_parse_source(struct parser *p, const yaml_node_t *node, const char *path,
			const char *text, struct cfg_source *src);
int config_check_source_probe(struct parser *p, const struct cfg_probe *pr, const char *which,
			      const struct cfg_source *src, const char *text,
			      const yaml_node_t *node, const char *path);
int config_check_source_probes(struct parser *p, const struct cfg_metric *m,
			       const struct cfg_source *src, const char *text,
			       const yaml_node_t *node, const char *path);

/* config_value.c */
int config_parse_value(struct parser *p, const yaml_node_t *map, yaml_node_t *const *v,
		       struct cfg_metric *m);
int config_parse_until(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_start(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_series_map(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_missing(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_check_value_probes(struct parser *p, const yaml_node_t *node,
			      const struct cfg_metric *m);
int config_parse_match(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_unit(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_schema(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
int config_parse_buckets(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
			 struct cfg_metric *m);

/* config_label.c */
int config_parse_labels(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);

/* config_filter.c */
int config_parse_filters(struct parser *p, const yaml_node_t *node, struct cfg_metric *m);
/* start probe i's own filters (probe[i].filter), at path */
int config_parse_probe_filters(struct parser *p, const yaml_node_t *node, const char *path,
			       struct cfg_metric *m, size_t i);
/* the match and filter of start probes written {probe: SPEC, match: ..., filter: [...]} */
int config_parse_probe_own(struct parser *p, struct cfg_metric *m);

#endif /* BPFPROM_CONFIG_INT_H */
