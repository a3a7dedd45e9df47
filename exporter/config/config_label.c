// SPDX-License-Identifier: GPL-2.0
/*
 * config: labels, short (- comm) and full ({name, source, decode, values,
 * size}), and the names decode: k8s adds.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* ---- labels ------------------------------------------------------------ */

static int check_label_name(struct parser *p, const yaml_node_t *node, const char *path,
			    const struct cfg_metric *m, size_t idx)
{
	const char *name = m->labels[idx].name;
	size_t j;

	if (!is_ident(name, false))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" is not a valid label name; use letters, digits and '_', not starting with a digit",
			name);
	if (!strncmp(name, "__", 2))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" starts with \"__\", which Prometheus reserves for internal labels; rename it",
			name);
	if ((m->agg == BPFPROM_AGG_HIST || m->agg == BPFPROM_AGG_LHIST) && !strcmp(name, "le"))
		return yamldoc__fail(
			p->doc, node, path,
			"\"le\" is reserved for histogram bucket bounds; choose another label name");
	if (m->agg == BPFPROM_AGG_STATS && !strcmp(name, "quantile"))
		return yamldoc__fail(
			p->doc, node, path,
			"\"quantile\" is reserved for summaries (aggregate: stats); choose another label name");
	for (j = 0; j < idx; j++)
		if (!strcmp(m->labels[j].name, name))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" is already the name of labels[%zu]; label names must be unique within a metric",
				name, j);
	return 0;
}

/*
 * decode: k8s renders the labels namespace, pod and container instead of its
 * own name: none of them may be another label's name, which also allows one
 * k8s label per metric. Checked once every label is known, at the later one.
 */
static int check_k8s_names(struct parser *p, const yaml_node_t *labels, const struct cfg_metric *m)
{
	char path[PATH_LEN];
	size_t i, j, k;

	for (i = 0; i < m->nlabels; i++) {
		for (j = 0; j < m->nlabels; j++) {
			if (i == j || m->labels[j].decode != CFG_DECODE_K8S)
				continue;
			for (k = 0; k < CFG_K8S_LABELS; k++) {
				const char *n = config__k8s_label_names[k];
				bool clash = m->labels[i].decode == CFG_DECODE_K8S ?
						     j < i :
						     !strcmp(m->labels[i].name, n);

				if (!clash)
					continue;
				snprintf(path, sizeof(path), "labels[%zu]", i > j ? i : j);
				if (m->labels[i].decode == CFG_DECODE_K8S)
					return yamldoc__fail(
						p->doc, yamldoc__seq_item(p->doc, labels, i), path,
						"labels[%zu] already has decode: k8s, whose labels namespace, pod and container would appear twice; keep one",
						j);
				return yamldoc__fail(
					p->doc, yamldoc__seq_item(p->doc, labels, i > j ? i : j),
					path,
					"\"%s\" is the name of labels[%zu] and also a label that decode: k8s of labels[%zu] renders (namespace, pod, container); rename labels[%zu]",
					n, i, j, i);
			}
		}
	}
	return 0;
}

/* Sources that can hold a user address: the others are ids, counts or the
 * kernel's own (task) */
static bool is_user_addr_src(enum bpfprom_src kind)
{
	return kind == BPFPROM_SRC_ARG || kind == BPFPROM_SRC_RETVAL || kind == BPFPROM_SRC_FIELD ||
	       kind == BPFPROM_SRC_PATH || kind == BPFPROM_SRC_UIP;
}

/*
 * A usym label keeps its process's tgid after the address: two of the
 * program's BPFPROM_MAX_LABELS label places (bpfprom.h).
 */
static int check_usym_places(struct parser *p, const yaml_node_t *labels,
			     const struct cfg_metric *m)
{
	char path[PATH_LEN];
	size_t i, places = 0, nusym = 0;

	for (i = 0; i < m->nlabels; i++) {
		nusym += m->labels[i].decode == CFG_DECODE_USYM;
		places += m->labels[i].decode == CFG_DECODE_USYM ? 2 : 1;
		if (places <= BPFPROM_MAX_LABELS)
			continue;
		snprintf(path, sizeof(path), "labels[%zu]", i);
		return yamldoc__fail(
			p->doc, yamldoc__seq_item(p->doc, labels, i), path,
			"a usym label takes two of the %d places of the map key (the address and its process), so %zu labels with %zu usym do not fit; remove a label",
			BPFPROM_MAX_LABELS, m->nlabels, nusym);
	}
	return 0;
}

static uint32_t default_size(enum bpfprom_src kind)
{
	if (kind == BPFPROM_SRC_COMM)
		return BPFPROM_COMM_LEN;
	return is_string_src(kind) ? CONFIG_DEFAULT_STR_SIZE : sizeof(uint64_t);
}

/* - comm: the source's own word names the label. */
static int parse_label_short(struct parser *p, const yaml_node_t *node, const char *path,
			     struct cfg_metric *m, struct cfg_label *l)
{
	const char *text;
	int ret;

	ret = yamldoc__get_str(p->doc, node, path, &text);
	if (ret)
		return ret;
	ret = config_parse_source(p, node, path, text, &l->src);
	if (ret)
		return ret;
	switch (l->src.kind) {
	case BPFPROM_SRC_LATENCY:
		return yamldoc__fail(
			p->doc, node, path,
			"latency is not a label source, it can only be a value; remove it");
	case BPFPROM_SRC_FIELD:
	case BPFPROM_SRC_STR_FIELD:
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" cannot be a label name; use the full form {name: %s, source: %s}",
			text, l->src.field, text);
	case BPFPROM_SRC_STR_ARG:
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" cannot be a label name; use the full form {name: arg%u, source: %s}",
			text, l->src.argn, text);
	case BPFPROM_SRC_PATH:
	case BPFPROM_SRC_STR_PATH:
	case BPFPROM_SRC_EXPR:
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" cannot be a label name; use the full form {name: NAME, source: %s}",
			text, text);
	default:
		break;
	}
	if (l->src.at_end)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" cannot be a label name; use the full form {name: NAME, source: %s}",
			text, text);
	l->name = strdup(text);
	if (!l->name)
		return yamldoc__oom(p->doc);
	l->size = default_size(l->src.kind);
	l->frames = BPFPROM_DEFAULT_FRAMES;
	/* an address prints as the function it is in */
	if (l->src.kind == BPFPROM_SRC_UIP)
		l->decode = CFG_DECODE_USYM;
	ret = check_label_name(p, node, path, m, m->nlabels - 1);
	if (ret)
		return ret;
	return config_check_source_probes(p, m, &l->src, text, node, path);
}

static int parse_static_values(struct parser *p, const yaml_node_t *node, const char *path,
			       struct cfg_label *l)
{
	yaml_node_pair_t *pair;
	const yaml_node_t *k, *v;
	struct cfg_static_value *sv;
	const char *name;
	size_t n, j;
	int ret;

	if (node->type != YAML_MAPPING_NODE)
		return yamldoc__fail(
			p->doc, node, path,
			"expected a mapping from integers to names, e.g. {0: read, 1: write}, got %s",
			yamldoc__desc(node));
	n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
	if (!n)
		return yamldoc__fail(
			p->doc, node, path,
			"the mapping is empty; give at least one integer: name pair, e.g. {0: read}");
	l->values = calloc(n, sizeof(*l->values));
	if (!l->values)
		return yamldoc__oom(p->doc);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(p->doc, pair->key);
		v = yamldoc__node(p->doc, pair->value);
		sv = &l->values[l->nvalues];
		ret = yamldoc__get_int(p->doc, k, path, &sv->key);
		if (ret)
			return ret;
		/* Compared as numbers: 16 and 0x10 are the same key. */
		for (j = 0; j < l->nvalues; j++)
			if (l->values[j].key == sv->key)
				return yamldoc__fail(
					p->doc, k, path,
					"duplicate key %" PRId64
					" (first given at line %zu); remove one",
					sv->key,
					yamldoc__node(p->doc, node->data.mapping.pairs.start[j].key)
							->start_mark.line +
						1);
		ret = yamldoc__get_str(p->doc, v, path, &name);
		if (ret)
			return ret;
		if (!*name)
			return yamldoc__fail(p->doc, v, path,
					     "the name for %" PRId64
					     " is empty; give it a non-empty name",
					     sv->key);
		sv->name = strdup(name);
		if (!sv->name)
			return yamldoc__oom(p->doc);
		l->nvalues++;
	}
	return 0;
}

/*
 * decode: regexp's values: {PATTERN: NAME, ...}, kept in the order written
 * (the first match wins). Each pattern is compiled here so that a bad one is
 * an error of the config, with its position; the decoder compiles its own.
 */
static int parse_regexp_values(struct parser *p, const yaml_node_t *node, const char *path,
			       struct cfg_label *l)
{
	yaml_node_pair_t *pair;
	const yaml_node_t *k, *v;
	struct cfg_regexp_value *rv;
	const char *pattern, *name;
	char msg[256];
	regex_t re;
	size_t n, j;
	int ret;

	if (node->type != YAML_MAPPING_NODE)
		return yamldoc__fail(
			p->doc, node, path,
			"expected a mapping from regular expressions to names, e.g. {\"^kworker/\": kworker}, got %s",
			yamldoc__desc(node));
	n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
	if (!n)
		return yamldoc__fail(
			p->doc, node, path,
			"the mapping is empty; give at least one pattern: name pair, e.g. {\"^kworker/\": kworker}");
	l->regexps = calloc(n, sizeof(*l->regexps));
	if (!l->regexps)
		return yamldoc__oom(p->doc);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(p->doc, pair->key);
		v = yamldoc__node(p->doc, pair->value);
		rv = &l->regexps[l->nregexps];
		ret = yamldoc__get_str(p->doc, k, path, &pattern);
		if (ret)
			return ret;
		for (j = 0; j < l->nregexps; j++)
			if (strcmp(l->regexps[j].pattern, pattern) == 0)
				return yamldoc__fail(
					p->doc, k, path,
					"duplicate pattern \"%s\" (first given at line %zu); remove one",
					pattern,
					yamldoc__node(p->doc, node->data.mapping.pairs.start[j].key)
							->start_mark.line +
						1);
		ret = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
		if (ret) {
			regerror(ret, &re, msg, sizeof(msg));
			return yamldoc__fail(
				p->doc, k, path,
				"\"%s\" is not a POSIX extended regular expression: %s", pattern,
				msg);
		}
		regfree(&re);
		ret = yamldoc__get_str(p->doc, v, path, &name);
		if (ret)
			return ret;
		if (!*name)
			return yamldoc__fail(
				p->doc, v, path,
				"the name for \"%s\" is empty; give it a non-empty name", pattern);
		rv->pattern = strdup(pattern);
		rv->name = strdup(name);
		l->nregexps++;
		if (!rv->pattern || !rv->name)
			return yamldoc__oom(p->doc);
	}
	return 0;
}

/* - {name: fd, source: arg0, decode: ..., values: ..., size: ...} */
static int parse_label_full(struct parser *p, const yaml_node_t *node, const char *path,
			    struct cfg_metric *m, struct cfg_label *l)
{
	enum { LK_NAME, LK_SOURCE, LK_DECODE, LK_VALUES, LK_SIZE, LK_FRAMES, LK__COUNT };
	static const char *const keys[LK__COUNT] = { "name",   "source", "decode",
						     "values", "size",	 "frames" };
	yaml_node_t *v[LK__COUNT] = { 0 };
	char kpath[PATH_LEN + 16];
	const char *text, *src_text;
	int64_t size;
	size_t i;
	int ret;

	ret = config_map_collect(p, node, path, keys, LK__COUNT, v);
	if (ret)
		return ret;

	snprintf(kpath, sizeof(kpath), "%s.name", path);
	if (!v[LK_NAME])
		return yamldoc__fail(
			p->doc, node, kpath,
			"missing; a label in full form needs name and source, e.g. {name: fd, source: arg0}");
	ret = yamldoc__get_str(p->doc, v[LK_NAME], kpath, &text);
	if (ret)
		return ret;
	l->name = strdup(text);
	if (!l->name)
		return yamldoc__oom(p->doc);
	ret = check_label_name(p, v[LK_NAME], kpath, m, m->nlabels - 1);
	if (ret)
		return ret;

	snprintf(kpath, sizeof(kpath), "%s.source", path);
	if (!v[LK_SOURCE])
		return yamldoc__fail(
			p->doc, node, kpath,
			"missing; say where the label's value comes from, e.g. source: arg0");
	ret = yamldoc__get_str(p->doc, v[LK_SOURCE], kpath, &src_text);
	if (ret)
		return ret;
	ret = config_parse_source(p, v[LK_SOURCE], kpath, src_text, &l->src);
	if (ret)
		return ret;
	if (l->src.kind == BPFPROM_SRC_LATENCY)
		return yamldoc__fail(
			p->doc, v[LK_SOURCE], kpath,
			"latency is not a label source, it can only be a value; use another source");
	ret = config_check_source_probes(p, m, &l->src, src_text, v[LK_SOURCE], kpath);
	if (ret)
		return ret;

	snprintf(kpath, sizeof(kpath), "%s.decode", path);
	if (v[LK_DECODE] && is_stack_src(l->src.kind))
		return yamldoc__fail(
			p->doc, v[LK_DECODE], kpath,
			"%s renders as its functions' names; it takes no decoder, remove decode",
			src_text);
	if (v[LK_DECODE]) {
		/* none is the absence of decode, not a decoder one writes */
		ret = yamldoc__get_word(p->doc, v[LK_DECODE], kpath, "decoder",
					config_decode_names + 1,
					ARRAY_SIZE(config_decode_names) - 1, &i);
		if (ret)
			return ret;
		l->decode = (enum cfg_decode)(i + 1);
		if (l->src.kind == BPFPROM_SRC_FUNC)
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"func is printed as the name of the function or event that fired already; remove decode");
		if (l->decode == CFG_DECODE_REGEXP && !is_string_src(l->src.kind))
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"regexp folds strings and needs a string source (comm, str(...)), not %s",
				src_text);
		if (l->decode != CFG_DECODE_REGEXP && is_string_src(l->src.kind))
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"%s is a string; decoders other than regexp turn integers into names, remove decode or use decode: regexp",
				src_text);
		if (l->decode == CFG_DECODE_CGROUP_PATH && l->src.kind != BPFPROM_SRC_CGROUP)
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"cgroup_path decodes cgroup ids and needs source: cgroup, not %s",
				src_text);
		if (l->decode == CFG_DECODE_K8S && l->src.kind != BPFPROM_SRC_CGROUP)
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"k8s decodes cgroup ids and needs source: cgroup, not %s",
				src_text);
		if (l->decode == CFG_DECODE_USYM && !is_user_addr_src(l->src.kind))
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"usym names user-space code addresses, and %s is none; use a source that holds one (uip, argN, retval, args.FIELD, a field path)",
				src_text);
	}

	snprintf(kpath, sizeof(kpath), "%s.values", path);
	if (v[LK_VALUES] && l->decode != CFG_DECODE_STATIC && l->decode != CFG_DECODE_REGEXP)
		return yamldoc__fail(
			p->doc, v[LK_VALUES], kpath,
			"only used with decode: static or regexp; remove it or set one of them");
	if (!v[LK_VALUES] && l->decode == CFG_DECODE_STATIC)
		return yamldoc__fail(
			p->doc, node, kpath,
			"missing; decode: static needs a mapping from integers to names, e.g. values: {0: read, 1: write}");
	if (!v[LK_VALUES] && l->decode == CFG_DECODE_REGEXP)
		return yamldoc__fail(
			p->doc, node, kpath,
			"missing; decode: regexp needs a mapping from regular expressions to names, e.g. values: {\"^kworker/\": kworker}");
	if (v[LK_VALUES] && l->decode == CFG_DECODE_REGEXP) {
		ret = parse_regexp_values(p, v[LK_VALUES], kpath, l);
		if (ret)
			return ret;
	} else if (v[LK_VALUES]) {
		ret = parse_static_values(p, v[LK_VALUES], kpath, l);
		if (ret)
			return ret;
	}

	snprintf(kpath, sizeof(kpath), "%s.size", path);
	l->size = default_size(l->src.kind);
	l->frames = BPFPROM_DEFAULT_FRAMES;
	if (v[LK_SIZE]) {
		if (l->src.kind != BPFPROM_SRC_STR_ARG && l->src.kind != BPFPROM_SRC_STR_FIELD &&
		    l->src.kind != BPFPROM_SRC_STR_PATH)
			return yamldoc__fail(
				p->doc, v[LK_SIZE], kpath,
				"only string sources (str(argN), str(args.FIELD)) take a size, %s does not; remove it",
				src_text);
		ret = yamldoc__get_int_range(p->doc, v[LK_SIZE], kpath, 1, BPFPROM_MAX_STR,
					     " bytes", &size);
		if (ret)
			return ret;
		l->size = (uint32_t)size;
	}

	snprintf(kpath, sizeof(kpath), "%s.frames", path);
	if (v[LK_FRAMES]) {
		if (!is_stack_src(l->src.kind))
			return yamldoc__fail(
				p->doc, v[LK_FRAMES], kpath,
				"only stack sources (kstack, ustack) take frames, %s does not; remove it",
				src_text);
		ret = yamldoc__get_int_range(p->doc, v[LK_FRAMES], kpath, 1, BPFPROM_MAX_FRAMES,
					     " frames", &size);
		if (ret)
			return ret;
		l->frames = (uint32_t)size;
	}
	return 0;
}

int config_parse_labels(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	const yaml_node_t *item;
	struct cfg_label *l;
	char path[PATH_LEN];
	size_t i, n;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__expect_seq_upto(p->doc, node, "labels", "a list of labels", "labels",
				       "in the map key", BPFPROM_MAX_LABELS, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		item = yamldoc__seq_item(p->doc, node, i);
		snprintf(path, sizeof(path), "labels[%zu]", i);
		l = &m->labels[m->nlabels++];
		l->pos = node_pos(item);
		if (item->type == YAML_MAPPING_NODE)
			ret = parse_label_full(p, item, path, m, l);
		else if (item->type == YAML_SCALAR_NODE && !yamldoc__is_null(item))
			ret = parse_label_short(p, item, path, m, l);
		else
			ret = yamldoc__fail(
				p->doc, item, path,
				"expected a source (e.g. comm) or a mapping {name: ..., source: ...}, got %s",
				yamldoc__desc(item));
		if (ret)
			return ret;
	}
	ret = check_k8s_names(p, node, m);
	if (ret)
		return ret;
	return check_usym_places(p, node, m);
}
