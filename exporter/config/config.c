// SPDX-License-Identifier: GPL-2.0
/*
 * config: parse and validate bpfprom's YAML configuration, top-down: the
 * root, the namespace, the metrics list and each metric's keys in the order
 * of their dependencies, each part handed to its file (config_int.h says
 * which); the public API and the names of enum values. The document, its
 * messages and getters are yamldoc's.
 *
 * Keys are read in the order validation needs rather than the order they
 * were written: a metric's name comes first so that every later message can
 * name the metric, and the probes come before the sources that depend on
 * their kind.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "util/file.h"
#include "util/text.h"

/* yamldoc__map_collect's buffer holds YAMLDOC_MAX_KEYS keys */
_Static_assert(MK__COUNT <= YAMLDOC_MAX_KEYS, "a metric has more keys than yamldoc collects");

static const char *const metric_keys[MK__COUNT] = {
	"name",	 "help",   "probe",	 "until",   "match",	  "aggregate",
	"value", "unit",   "labels",	 "filter",  "max_series", "buckets",
	"pid",	 "schema", "series_ttl", "missing", "start",	  "series_map",
};

const char *const config_agg_names[BPFPROM_AGG__COUNT] = {
	[BPFPROM_AGG_COUNT] = "count", [BPFPROM_AGG_SUM] = "sum",     [BPFPROM_AGG_HIST] = "hist",
	[BPFPROM_AGG_LHIST] = "lhist", [BPFPROM_AGG_STATS] = "stats",
};

const char *const config_decode_names[CFG_DECODE__COUNT] = {
	[CFG_DECODE_NONE] = "none",
	[CFG_DECODE_SYSCALL] = "syscall",
	[CFG_DECODE_ERRNO] = "errno",
	[CFG_DECODE_KSYM] = "ksym",
	[CFG_DECODE_CGROUP_PATH] = "cgroup_path",
	[CFG_DECODE_STATIC] = "static",
	[CFG_DECODE_HEX] = "hex",
	[CFG_DECODE_K8S] = "k8s",
	[CFG_DECODE_REGEXP] = "regexp",
	[CFG_DECODE_INET] = "inet",
	[CFG_DECODE_MAJORMINOR] = "majorminor",
	[CFG_DECODE_IFNAME] = "ifname",
	[CFG_DECODE_USYM] = "usym",
};

const char *const config__k8s_label_names[CFG_K8S_LABELS] = { "namespace", "pod", "container" };

const char *const config_probe_kind_names[CFG_PROBE_USDT + 1] = {
	[CFG_PROBE_TRACEPOINT] = "tracepoint", [CFG_PROBE_KPROBE] = "kprobe",
	[CFG_PROBE_KRETPROBE] = "kretprobe",   [CFG_PROBE_UPROBE] = "uprobe",
	[CFG_PROBE_URETPROBE] = "uretprobe",   [CFG_PROBE_RAWTP] = "rawtracepoint",
	[CFG_PROBE_PROFILE] = "profile",       [CFG_PROBE_SOFTWARE] = "software",
	[CFG_PROBE_HARDWARE] = "hardware",     [CFG_PROBE_USDT] = "usdt",
};

const char *const config_src_names[BPFPROM_SRC__COUNT] = {
	[BPFPROM_SRC_NONE] = "none",
	[BPFPROM_SRC_COMM] = "comm",
	[BPFPROM_SRC_PID] = "pid",
	[BPFPROM_SRC_TID] = "tid",
	[BPFPROM_SRC_UID] = "uid",
	[BPFPROM_SRC_GID] = "gid",
	[BPFPROM_SRC_CPU] = "cpu",
	[BPFPROM_SRC_CGROUP] = "cgroup",
	[BPFPROM_SRC_ARG] = "argN",
	[BPFPROM_SRC_RETVAL] = "retval",
	[BPFPROM_SRC_FIELD] = "args.FIELD",
	[BPFPROM_SRC_STR_ARG] = "str(argN)",
	[BPFPROM_SRC_STR_FIELD] = "str(args.FIELD)",
	[BPFPROM_SRC_PROBE] = "probe",
	[BPFPROM_SRC_LATENCY] = "latency",
	[BPFPROM_SRC_PERIOD] = "period",
	[BPFPROM_SRC_TASK] = "task",
	[BPFPROM_SRC_PATH] = "a field path",
	[BPFPROM_SRC_STR_PATH] = "str(PATH)",
	[BPFPROM_SRC_FUNC] = "func",
	[BPFPROM_SRC_KSTACK] = "kstack",
	[BPFPROM_SRC_USTACK] = "ustack",
	[BPFPROM_SRC_UIP] = "uip",
	[BPFPROM_SRC_EXPR] = "an expression",
};

/* The mapping's known keys' values in v[] (NULL when absent); see yamldoc__map_collect. */
int config_map_collect(struct parser *p, const yaml_node_t *map, const char *path,
		       const char *const *keys, size_t nkeys, yaml_node_t **v)
{
	const struct yamldoc_keys spec = { keys, nkeys, NULL, 0, 0 };

	return yamldoc__map_collect(p->doc, map, path, &spec, v, NULL);
}

/* ---- max_series, pid --------------------------------------------------- */

static int parse_max_series(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	int64_t v;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_int_range(p->doc, node, "max_series", 1, CONFIG_MAX_MAX_SERIES, "", &v);
	if (ret)
		return ret;
	m->max_series = (uint32_t)v;
	return 0;
}

/*
 * pid: one process for a metric's uprobes. The kernel filters uprobes per
 * process at attach time; kprobes and tracepoints have no such thing, and a
 * filter says the same there without pretending otherwise.
 */
static int parse_pid(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	size_t i, n = m->nprobes + m->nuntil;
	const struct cfg_probe *pr;
	int64_t v;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_int_range(p->doc, node, "pid", 1, CONFIG_MAX_PID, "", &v);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		pr = i < m->nprobes ? &m->probes[i] : config__until(m, i - m->nprobes);
		if (pr->kind != CFG_PROBE_UPROBE && pr->kind != CFG_PROBE_URETPROBE &&
		    pr->kind != CFG_PROBE_USDT)
			return yamldoc__fail(
				p->doc, node, "pid",
				"restricts uprobes to one process, but %s \"%s\" is a %s; use filter: pid == %" PRId64
				" instead",
				i < m->nprobes ? "probe" : "until", pr->spec,
				config_probe_kind_names[pr->kind], v);
	}
	m->pid = (int32_t)v;
	m->pid_pos = node_pos(node);
	return 0;
}

/*
 * series_ttl: retire series idle that long. A metric without labels has one
 * series in an array, which is never deleted.
 */
static int parse_series_ttl(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	const char *text;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_str(p->doc, node, "series_ttl", &text);
	if (ret)
		return ret;
	if (text__parse_duration_ms(text, CONFIG_MAX_SERIES_TTL_MS, &m->series_ttl_ms))
		return yamldoc__fail(
			p->doc, node, "series_ttl",
			"expected a duration like 30s, 10m or 2h (1ms to 720h), got \"%s\"", text);
	if (!m->nlabels)
		return yamldoc__fail(
			p->doc, node, "series_ttl",
			"a metric without labels has one series, which is never retired; remove series_ttl");
	return 0;
}

/* ---- metrics ----------------------------------------------------------- */

static int parse_help(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
		      struct cfg_metric *m)
{
	const char *text, *s;
	int ret;

	if (!node)
		return yamldoc__fail(
			p->doc, map, "help",
			"missing; add help: with one line saying what the metric measures");
	ret = yamldoc__get_str(p->doc, node, "help", &text);
	if (ret)
		return ret;
	for (s = text; isspace((unsigned char)*s); s++)
		;
	if (!*s)
		return yamldoc__fail(p->doc, node, "help",
				     "must not be empty; say what the metric measures");
	m->help = strdup(text);
	return m->help ? 0 : yamldoc__oom(p->doc);
}

static int parse_aggregate(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
			   struct cfg_metric *m)
{
	size_t i;
	int ret;

	if (!node)
		return yamldoc__fail(
			p->doc, map, "aggregate",
			"missing; add aggregate: with one of count, sum, hist, lhist, stats");
	ret = yamldoc__get_word(p->doc, node, "aggregate", "aggregate", config_agg_names,
				ARRAY_SIZE(config_agg_names), &i);
	if (ret)
		return ret;
	m->agg = (enum bpfprom_agg)i;
	return 0;
}

/*
 * The order of the checks is the order of dependencies: name first for the
 * messages, probes before the sources that depend on their kind, aggregate
 * before value, name suffix, labels and buckets that depend on it.
 */
static int parse_metric(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	yaml_node_t *v[MK__COUNT] = { 0 };
	const yaml_node_t *name_node = NULL;
	int ret;

	m->pos = node_pos(node);
	m->max_series = CONFIG_DEFAULT_MAX_SERIES;
	if (node->type != YAML_MAPPING_NODE)
		return yamldoc__fail(
			p->doc, node, NULL,
			"expected a mapping with name, help, probe and aggregate, got %s",
			yamldoc__desc(node));
	ret = config_parse_metric_name(p, node, m, &name_node);
	if (ret)
		return ret;
	ret = config_map_collect(p, node, NULL, metric_keys, MK__COUNT, v);
	if (ret)
		return ret;
	ret = parse_help(p, node, v[MK_HELP], m);
	if (ret)
		return ret;
	ret = config_parse_probes(p, node, v[MK_PROBE], m);
	if (ret)
		return ret;
	ret = parse_aggregate(p, node, v[MK_AGGREGATE], m);
	if (ret)
		return ret;
	ret = config_check_name_suffix(p, name_node, m);
	if (ret)
		return ret;
	ret = config_check_reserved(p, name_node, m);
	if (ret)
		return ret;
	ret = config_check_collisions(p, name_node, m);
	if (ret)
		return ret;
	ret = config_parse_value(p, node, v, m);
	if (ret)
		return ret;
	ret = config_parse_until(p, v[MK_UNTIL], m);
	if (ret)
		return ret;
	ret = config_check_value_probes(p, v[MK_VALUE], m);
	if (ret)
		return ret;
	ret = config_parse_match(p, v[MK_MATCH], m);
	if (ret)
		return ret;
	ret = config_parse_unit(p, v[MK_UNIT], m);
	if (ret)
		return ret;
	ret = config_parse_labels(p, v[MK_LABELS], m);
	if (ret)
		return ret;
	ret = config_parse_filters(p, v[MK_FILTER], m);
	if (ret)
		return ret;
	ret = config_parse_probe_own(p, m);
	if (ret)
		return ret;
	ret = parse_max_series(p, v[MK_MAX_SERIES], m);
	if (ret)
		return ret;
	ret = parse_pid(p, v[MK_PID], m);
	if (ret)
		return ret;
	ret = config_parse_schema(p, v[MK_SCHEMA], m);
	if (ret)
		return ret;
	ret = parse_series_ttl(p, v[MK_SERIES_TTL], m);
	if (ret)
		return ret;
	ret = config_parse_missing(p, v[MK_MISSING], m);
	if (ret)
		return ret;
	ret = config_parse_start(p, v[MK_START], m);
	if (ret)
		return ret;
	ret = config_parse_series_map(p, v[MK_SERIES_MAP], m);
	if (ret)
		return ret;
	return config_parse_buckets(p, node, v[MK_BUCKETS], m);
}

static int parse_metrics(struct parser *p, const yaml_node_t *root, const yaml_node_t *node)
{
	struct cfg *cfg = p->cfg;
	size_t i, n;
	int ret;

	if (!node)
		return yamldoc__fail(p->doc, root, "metrics",
				     "missing; add a \"metrics\" list with at least one metric");
	if (node->type != YAML_SEQUENCE_NODE)
		return yamldoc__fail(p->doc, node, "metrics", "expected a list of metrics, got %s",
				     yamldoc__desc(node));
	n = yamldoc__seq_len(node);
	if (!n)
		return yamldoc__fail(p->doc, node, "metrics",
				     "the list is empty; add at least one metric");
	cfg->metrics = calloc(n, sizeof(*cfg->metrics));
	if (!cfg->metrics)
		return yamldoc__oom(p->doc);
	for (i = 0; i < n; i++) {
		p->mi = (long)i;
		yamldoc__set_item(p->doc, "metrics", p->mi, NULL);
		cfg->nmetrics++;
		ret = parse_metric(p, yamldoc__seq_item(p->doc, node, i), &cfg->metrics[i]);
		if (ret)
			return ret;
	}
	p->mi = -1;
	yamldoc__set_item(p->doc, NULL, 0, NULL);
	return 0;
}

static int parse_root(struct parser *p, const yaml_node_t *root)
{
	enum { TK_NAMESPACE, TK_METRICS, TK__COUNT };
	static const char *const keys[TK__COUNT] = { "namespace", "metrics" };
	yaml_node_t *v[TK__COUNT] = { 0 };
	int ret;

	if (root->type != YAML_MAPPING_NODE)
		return yamldoc__fail(
			p->doc, root, NULL,
			"expected a mapping with a \"metrics\" list at the top level, got %s",
			yamldoc__desc(root));
	ret = config_map_collect(p, root, NULL, keys, TK__COUNT, v);
	if (ret)
		return ret;
	ret = config_parse_namespace(p, v[TK_NAMESPACE]);
	if (ret)
		return ret;
	return parse_metrics(p, root, v[TK_METRICS]);
}

/* ---- public ------------------------------------------------------------ */

int config__parse_string(const char *text, size_t len, const char *file, struct cfg **out,
			 char *err, size_t errlen)
{
	static const yaml_mark_t start = { 0, 0, 0 };
	struct yamldoc doc;
	struct parser p = { .doc = &doc, .mi = -1, .ns = "" };
	yaml_node_t *root;
	int ret;

	*out = NULL;
	yamldoc__init(&doc, "config", file ? file : "<string>", err, errlen);
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg)
		return yamldoc__oom(&doc);
	p.cfg->file = strdup(doc.file);
	if (!p.cfg->file) {
		ret = yamldoc__oom(&doc);
		goto out;
	}
	ret = yamldoc__load(&doc, text, len, "all metrics", &root);
	if (!ret && (!root || yamldoc__is_null(root)))
		ret = yamldoc__fail_mark(
			&doc, start, NULL,
			"the file is empty; expected a mapping with a \"metrics\" list");
	else if (!ret)
		ret = parse_root(&p, root);
	yamldoc__unload(&doc);
out:
	if (ret) {
		config__free(p.cfg);
		return ret;
	}
	*out = p.cfg;
	return 0;
}

int config__parse_file(const char *path, struct cfg **out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	ret = file__read_all(path, SIZE_MAX, &buf, &len);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "config: %s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	ret = config__parse_string(buf, len, path, out, err, errlen);
	free(buf);
	return ret;
}

static void free_probe(struct cfg_probe *pr)
{
	free(pr->spec);
	free(pr->target);
	free(pr->func);
	free(pr->provider);
}

static void free_source(struct cfg_source *src)
{
	if (src->expr) {
		for (size_t i = 0; i < BPFPROM_MAX_XSRC; i++)
			free_source(&src->expr->srcs[i]);
		free(src->expr);
	}
	free(src->field);
	free(src->path);
	free(src->text);
}

static void free_metric(struct cfg_metric *m)
{
	size_t i, j;

	free(m->name);
	free(m->help);
	for (i = 0; i < m->nprobes; i++)
		free_probe(&m->probes[i]);
	free(m->probes);
	free_probe(&m->until);
	for (i = 0; i < BPFPROM_MAX_PROBES - 1; i++)
		free_probe(&m->until_rest[i]);
	free_source(&m->value);
	/* parsed sources may precede a failure, before nmatch is set */
	for (i = 0; i < BPFPROM_MAX_MATCH; i++) {
		free_source(&m->match[i]);
		free_source(&m->match_until[i]);
		for (j = 0; j < BPFPROM_MAX_PROBES; j++)
			free_source(&m->probe_match[j][i]);
	}
	for (i = 0; i < m->nlabels; i++) {
		free(m->labels[i].name);
		free_source(&m->labels[i].src);
		for (j = 0; j < m->labels[i].nvalues; j++)
			free(m->labels[i].values[j].name);
		free(m->labels[i].values);
		for (j = 0; j < m->labels[i].nregexps; j++) {
			free(m->labels[i].regexps[j].pattern);
			free(m->labels[i].regexps[j].name);
		}
		free(m->labels[i].regexps);
	}
	for (i = 0; i < m->nfilters; i++) {
		free_source(&m->filters[i].src);
		free(m->filters[i].sval);
		free(m->filters[i].text);
	}
}

void config__free(struct cfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nmetrics; i++)
		free_metric(&cfg->metrics[i]);
	free(cfg->metrics);
	free(cfg->namespace);
	free(cfg->file);
	free(cfg);
}

const char *config__agg_name(enum bpfprom_agg agg)
{
	return (unsigned)agg < ARRAY_SIZE(config_agg_names) ? config_agg_names[agg] : "unknown";
}

const char *config__src_name(enum bpfprom_src kind)
{
	return (unsigned)kind < ARRAY_SIZE(config_src_names) ? config_src_names[kind] : "unknown";
}

const char *config__decode_name(enum cfg_decode dec)
{
	return (unsigned)dec < ARRAY_SIZE(config_decode_names) ? config_decode_names[dec] :
								 "unknown";
}

const char *config__probe_kind_name(enum cfg_probe_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(config_probe_kind_names) ?
		       config_probe_kind_names[kind] :
		       "unknown";
}
