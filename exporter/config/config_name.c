// SPDX-License-Identifier: GPL-2.0
/*
 * config: metric names. The rules Prometheus puts on a name and the
 * namespace prefix, the _total suffix of counters, the names the exporter
 * keeps for its own metrics, and the names two metrics would both put into
 * one exposition.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "scrape/procstat.h"

/* ---- names ------------------------------------------------------------- */

/* The rules a full metric name and the namespace prefix both obey. */
static int check_metric_name(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *name, bool is_ns)
{
	if (strchr(name, ':'))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" contains ':', which Prometheus reserves for recording rules; use '_' instead",
			name);
	if (!is_ident(name, false))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" is not a valid metric %s; use letters, digits and '_', not starting with a digit",
			name, is_ns ? "prefix" : "name");
	if (!strncmp(name, "__", 2))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" starts with \"__\", which Prometheus reserves for internal use; remove the leading underscores",
			name);
	if (is_ns && (!strcmp(name, "bpfprom") || !strncmp(name, "bpfprom_", 8)))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" would start every name with \"bpfprom_\", which is reserved for the exporter's own metrics; choose another namespace",
			name);
	if (!is_ns && !strncmp(name, "bpfprom_", 8))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" starts with \"bpfprom_\", which is reserved for the exporter's own metrics; choose another name",
			name);
	return 0;
}

int config_parse_namespace(struct parser *p, const yaml_node_t *node)
{
	const char *ns = "";
	int ret;

	if (node) {
		ret = yamldoc__get_str(p->doc, node, "namespace", &ns);
		if (ret)
			return ret;
		if (*ns) {
			ret = check_metric_name(p, node, "namespace", ns, true);
			if (ret)
				return ret;
		}
	}
	p->cfg->namespace = strdup(ns);
	if (!p->cfg->namespace)
		return yamldoc__oom(p->doc);
	p->ns = p->cfg->namespace;
	return 0;
}

/* A metric's name as the user wrote it, without the namespace prefix. */
static const char *written_name(const struct parser *p, const struct cfg_metric *m)
{
	return *p->ns ? m->name + strlen(p->ns) + 1 : m->name;
}

/*
 * The name is read before any other key so that every later message can say
 * which metric it is about.
 */
int config_parse_metric_name(struct parser *p, const yaml_node_t *map, struct cfg_metric *m,
			     const yaml_node_t **name_node)
{
	yaml_node_pair_t *pair;
	const yaml_node_t *k, *v = NULL;
	const char *name;
	size_t len;
	int ret;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(p->doc, pair->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp(yamldoc__scalar(k), "name")) {
			v = yamldoc__node(p->doc, pair->value);
			break;
		}
	}
	if (!v)
		return yamldoc__fail(
			p->doc, map, "name",
			"missing; every metric needs a name, e.g. name: read_bytes_total");
	ret = yamldoc__get_str(p->doc, v, "name", &name);
	if (ret)
		return ret;
	if (!*name)
		return yamldoc__fail(
			p->doc, v, "name",
			"must not be empty; give the metric a name, e.g. read_bytes_total");
	len = strlen(p->ns) + 1 + strlen(name) + 1;
	m->name = malloc(len);
	if (!m->name)
		return yamldoc__oom(p->doc);
	if (*p->ns)
		snprintf(m->name, len, "%s_%s", p->ns, name);
	else
		snprintf(m->name, len, "%s", name);
	ret = check_metric_name(p, v, "name", m->name, false);
	if (ret)
		return ret;
	yamldoc__set_item(p->doc, "metrics", p->mi, name);
	*name_node = v;
	return 0;
}

/* Counters end in _total and nothing else does: Prometheus naming rules. */
int config_check_name_suffix(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	static const char *const rendered_as[BPFPROM_AGG__COUNT] = {
		[BPFPROM_AGG_HIST] = "a histogram",
		[BPFPROM_AGG_LHIST] = "a histogram",
		[BPFPROM_AGG_STATS] = "a summary",
	};
	bool total = ends_with(m->name, "_total");

	if (is_counter(m->agg) && !total)
		return yamldoc__fail(
			p->doc, node, "name",
			"\"%s\" is a counter (aggregate: %s), so its name must end in \"_total\"; rename it to \"%s_total\"",
			m->name, config_agg_names[m->agg], written_name(p, m));
	if (!is_counter(m->agg) && total)
		return yamldoc__fail(
			p->doc, node, "name",
			"\"%s\" must not end in \"_total\": only counters do, and aggregate: %s renders %s; drop the suffix",
			m->name, config_agg_names[m->agg], rendered_as[m->agg]);
	return 0;
}

/* One name a metric puts into the exposition: BASE[0..blen) + SUFFIX. */
struct out_name {
	const char *base;
	size_t blen;
	const char *suffix;
	bool om_family; /* the OpenMetrics family of a counter: its name less _total */
};

static size_t out_names(const struct cfg_metric *m, struct out_name out[5])
{
	static const char *const hist_sfx[] = { "", "_bucket", "_sum", "_count" };
	static const char *const stats_sfx[] = { "", "_sum", "_count", "_min", "_max" };
	size_t len = strlen(m->name), i, n = 0;

	if (is_counter(m->agg)) {
		out[n++] = (struct out_name){ m->name, len, "", false };
		out[n++] = (struct out_name){ m->name, len - strlen("_total"), "", true };
	} else if (m->agg == BPFPROM_AGG_STATS) {
		for (i = 0; i < ARRAY_SIZE(stats_sfx); i++)
			out[n++] = (struct out_name){ m->name, len, stats_sfx[i], false };
	} else {
		for (i = 0; i < ARRAY_SIZE(hist_sfx); i++)
			out[n++] = (struct out_name){ m->name, len, hist_sfx[i], false };
	}
	return n;
}

static bool out_name_eq(const struct out_name *a, const struct out_name *b)
{
	size_t la = a->blen + strlen(a->suffix), lb = b->blen + strlen(b->suffix), i;
	char ca, cb;

	if (la != lb)
		return false;
	for (i = 0; i < la; i++) {
		ca = i < a->blen ? a->base[i] : a->suffix[i - a->blen];
		cb = i < b->blen ? b->base[i] : b->suffix[i - b->blen];
		if (ca != cb)
			return false;
	}
	return true;
}

/* The first name in both lists, NULL if none; *om: the OpenMetrics family of a counter is in it. */
static const struct out_name *common_name(const struct out_name *mine, size_t na,
					  const struct out_name *theirs, size_t nb, bool *om)
{
	size_t a, b;

	for (a = 0; a < na; a++) {
		for (b = 0; b < nb; b++) {
			if (out_name_eq(&mine[a], &theirs[b])) {
				*om = mine[a].om_family || theirs[b].om_family;
				return &mine[a];
			}
		}
	}
	return NULL;
}

#define OM_NOTE " (OpenMetrics names a counter's family without _total)"

/*
 * A metric whose names, namespace applied, meet one of the exporter's own
 * families besides bpfprom_* (refused by prefix in check_metric_name):
 * client_golang's process collector, named once in procstat__families.
 * go_* is not exported, so free.
 */
int config_check_reserved(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	struct out_name mine[5], theirs[2];
	const struct out_name *c;
	size_t i, na, nb;
	bool om;

	na = out_names(m, mine);
	for (i = 0; i < PROCSTAT__COUNT; i++) {
		const char *r = procstat__families[i].name;

		nb = 0;
		theirs[nb++] = (struct out_name){ r, strlen(r), "", false };
		if (procstat__families[i].counter)
			theirs[nb++] =
				(struct out_name){ r, strlen(r) - strlen("_total"), "", true };
		c = common_name(mine, na, theirs, nb, &om);
		if (c)
			return yamldoc__fail(
				p->doc, node, "name",
				"\"%s\" collides with the exporter's own metric %s: both produce \"%.*s%s\"%s; choose another name%s",
				m->name, r, (int)c->blen, c->base, c->suffix, om ? OM_NOTE : "",
				*p->ns ? " or namespace" : "");
	}
	return 0;
}

/*
 * Two metrics must not put the same name into one exposition: a hist X owns
 * X_bucket, X_sum and X_count, a stats X owns X_sum, X_count, X_min and X_max,
 * and in OpenMetrics a counter X_total is the family X.
 */
int config_check_collisions(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	struct out_name mine[5], theirs[5];
	const struct out_name *c;
	const struct cfg_metric *o;
	size_t j, na, nb;
	bool om;

	na = out_names(m, mine);
	for (j = 0; j < (size_t)p->mi; j++) {
		o = &p->cfg->metrics[j];
		if (!strcmp(o->name, m->name))
			return yamldoc__fail(
				p->doc, node, "name",
				"\"%s\" is already the name of metrics[%zu]; metric names must be unique",
				m->name, j);
		nb = out_names(o, theirs);
		c = common_name(mine, na, theirs, nb, &om);
		if (c)
			return yamldoc__fail(
				p->doc, node, "name",
				"\"%s\" collides with metrics[%zu] (%s): both produce \"%.*s%s\"%s; rename one of them",
				m->name, j, written_name(p, o), (int)c->blen, c->base, c->suffix,
				om ? OM_NOTE : "");
	}
	return 0;
}
