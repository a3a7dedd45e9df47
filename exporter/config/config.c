/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config: parse and validate bpfprom's YAML configuration.
 *
 * libyaml's document API loads the whole file into a node graph first, so every
 * check can point at the line and column of the node at fault, and keys can be
 * read in the order validation needs rather than the order they were written: a
 * metric's name comes first so that every later message can name the metric,
 * and the probes come before the sources that depend on their kind. The first
 * error stops the parse: one precise message beats a cascade of consequences.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/yamldoc.h"
#include "util/array.h"
#include "util/file.h"

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
	MK__COUNT,
};

static const char *const metric_keys[MK__COUNT] = {
	"name", "help",	  "probe",  "until",	  "match",   "aggregate", "value",
	"unit", "labels", "filter", "max_series", "buckets", "pid",
};

static const char *const agg_names[BPFPROM_AGG__COUNT] = {
	[BPFPROM_AGG_COUNT] = "count", [BPFPROM_AGG_SUM] = "sum",     [BPFPROM_AGG_HIST] = "hist",
	[BPFPROM_AGG_LHIST] = "lhist", [BPFPROM_AGG_STATS] = "stats",
};

static const char *const decode_names[] = {
	[CFG_DECODE_NONE] = "none",
	[CFG_DECODE_SYSCALL] = "syscall",
	[CFG_DECODE_ERRNO] = "errno",
	[CFG_DECODE_KSYM] = "ksym",
	[CFG_DECODE_CGROUP_PATH] = "cgroup_path",
	[CFG_DECODE_STATIC] = "static",
	[CFG_DECODE_HEX] = "hex",
	[CFG_DECODE_K8S] = "k8s",
};

const char *const config__k8s_label_names[CFG_K8S_LABELS] = { "namespace", "pod", "container" };

static const char *const probe_kind_names[] = {
	[CFG_PROBE_TRACEPOINT] = "tracepoint", [CFG_PROBE_KPROBE] = "kprobe",
	[CFG_PROBE_KRETPROBE] = "kretprobe",   [CFG_PROBE_UPROBE] = "uprobe",
	[CFG_PROBE_URETPROBE] = "uretprobe",
};

static const struct {
	const char *word;
	enum cfg_probe_kind kind;
} probe_kind_words[] = {
	{ "tracepoint", CFG_PROBE_TRACEPOINT },
	{ "t", CFG_PROBE_TRACEPOINT },
	{ "tp", CFG_PROBE_TRACEPOINT },
	{ "kprobe", CFG_PROBE_KPROBE },
	{ "k", CFG_PROBE_KPROBE },
	{ "kretprobe", CFG_PROBE_KRETPROBE },
	{ "kr", CFG_PROBE_KRETPROBE },
	{ "uprobe", CFG_PROBE_UPROBE },
	{ "u", CFG_PROBE_UPROBE },
	{ "uretprobe", CFG_PROBE_URETPROBE },
	{ "ur", CFG_PROBE_URETPROBE },
};

static const char *const src_names[BPFPROM_SRC__COUNT] = {
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
};

/* The sources written as one fixed word. */
static const enum bpfprom_src word_sources[] = {
	BPFPROM_SRC_COMM,   BPFPROM_SRC_PID,	 BPFPROM_SRC_TID,    BPFPROM_SRC_UID,
	BPFPROM_SRC_GID,    BPFPROM_SRC_CPU,	 BPFPROM_SRC_CGROUP, BPFPROM_SRC_PROBE,
	BPFPROM_SRC_RETVAL, BPFPROM_SRC_LATENCY,
};

/* What did-you-mean compares an unknown source against. */
static const char *const source_candidates[] = {
	"comm",	   "pid",  "tid",  "uid",  "gid",  "cpu",  "cgroup", "probe", "retval",
	"latency", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5",   "args",  "str",
};

#define SOURCE_LIST                                                                         \
	"comm, pid, tid, uid, gid, cpu, cgroup, probe, retval, latency, argN, args.FIELD, " \
	"str(argN), str(args.FIELD)"
#define VALUE_LIST "pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency"
#define OP_LIST "== != < <= > >="

/* ---- nodes ------------------------------------------------------------- */

static struct cfg_pos node_pos(const yaml_node_t *n)
{
	struct cfg_pos pos = { (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };

	return pos;
}

/* The mapping's known keys' values in v[] (NULL when absent); see yamldoc__map_collect. */
static int map_collect(struct parser *p, const yaml_node_t *map, const char *path,
		       const char *const *keys, size_t nkeys, yaml_node_t **v)
{
	const struct yamldoc_keys spec = { keys, nkeys, NULL, 0, 0 };

	return yamldoc__map_collect(p->doc, map, path, &spec, v, NULL);
}

static bool is_ident(const char *s, bool allow_dot)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && !(allow_dot && *s == '.'))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static bool is_counter(enum bpfprom_agg agg)
{
	return agg == BPFPROM_AGG_COUNT || agg == BPFPROM_AGG_SUM;
}

static bool is_string_src(enum bpfprom_src kind)
{
	return kind == BPFPROM_SRC_COMM || kind == BPFPROM_SRC_STR_ARG ||
	       kind == BPFPROM_SRC_STR_FIELD;
}

static bool is_entry_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_KPROBE || kind == CFG_PROBE_UPROBE;
}

static bool is_return_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_KRETPROBE || kind == CFG_PROBE_URETPROBE;
}

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

static int parse_namespace(struct parser *p, const yaml_node_t *node)
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
static int parse_metric_name(struct parser *p, const yaml_node_t *map, struct cfg_metric *m,
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
static int check_name_suffix(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
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
			m->name, agg_names[m->agg], written_name(p, m));
	if (!is_counter(m->agg) && total)
		return yamldoc__fail(
			p->doc, node, "name",
			"\"%s\" must not end in \"_total\": only counters do, and aggregate: %s renders %s; drop the suffix",
			m->name, agg_names[m->agg], rendered_as[m->agg]);
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

/*
 * The families the exporter exports itself besides bpfprom_* (refused by
 * prefix in check_metric_name): client_golang's process collector, as
 * scrape.c renders it (render_process). go_* is not exported, so free.
 */
static const struct {
	const char *name;
	bool counter;
} reserved[] = {
	{ "process_cpu_seconds_total", true },	 { "process_max_fds", false },
	{ "process_open_fds", false },		 { "process_resident_memory_bytes", false },
	{ "process_start_time_seconds", false }, { "process_virtual_memory_bytes", false },
};

/* A metric whose names, namespace applied, meet one of the exporter's own families. */
static int check_reserved(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	struct out_name mine[5], theirs[2];
	size_t i, a, b, na, nb;

	na = out_names(m, mine);
	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		const char *r = reserved[i].name;

		nb = 0;
		theirs[nb++] = (struct out_name){ r, strlen(r), "", false };
		if (reserved[i].counter)
			theirs[nb++] =
				(struct out_name){ r, strlen(r) - strlen("_total"), "", true };
		for (a = 0; a < na; a++) {
			for (b = 0; b < nb; b++) {
				if (!out_name_eq(&mine[a], &theirs[b]))
					continue;
				return yamldoc__fail(
					p->doc, node, "name",
					"\"%s\" collides with the exporter's own metric %s: both produce \"%.*s%s\"%s; choose another name%s",
					m->name, r, (int)mine[a].blen, mine[a].base, mine[a].suffix,
					mine[a].om_family || theirs[b].om_family ?
						" (OpenMetrics names a counter's family without _total)" :
						"",
					*p->ns ? " or namespace" : "");
			}
		}
	}
	return 0;
}

/*
 * Two metrics must not put the same name into one exposition: a hist X owns
 * X_bucket, X_sum and X_count, a stats X owns X_sum, X_count, X_min and X_max,
 * and in OpenMetrics a counter X_total is the family X.
 */
static int check_collisions(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	struct out_name mine[5], theirs[5];
	size_t j, a, b, na, nb;
	const struct cfg_metric *o;

	na = out_names(m, mine);
	for (j = 0; j < (size_t)p->mi; j++) {
		o = &p->cfg->metrics[j];
		if (!strcmp(o->name, m->name))
			return yamldoc__fail(
				p->doc, node, "name",
				"\"%s\" is already the name of metrics[%zu]; metric names must be unique",
				m->name, j);
		nb = out_names(o, theirs);
		for (a = 0; a < na; a++) {
			for (b = 0; b < nb; b++) {
				if (!out_name_eq(&mine[a], &theirs[b]))
					continue;
				return yamldoc__fail(
					p->doc, node, "name",
					"\"%s\" collides with metrics[%zu] (%s): both produce \"%.*s%s\"%s; rename one of them",
					m->name, j, written_name(p, o), (int)mine[a].blen,
					mine[a].base, mine[a].suffix,
					mine[a].om_family || theirs[b].om_family ?
						" (OpenMetrics names a counter's family without _total)" :
						"");
			}
		}
	}
	return 0;
}

/* ---- probes ------------------------------------------------------------ */

/*
 * Split the FUNC[+OFF] tail of a kprobe or uprobe spec; return probes take no
 * offset since they fire on return, not at an instruction.
 */
static int parse_func_off(struct parser *p, const yaml_node_t *node, const char *path,
			  const char *spec, const char *s, struct cfg_probe *pr)
{
	const char *plus = strchr(s, '+');
	size_t flen = plus ? (size_t)(plus - s) : strlen(s);

	if (plus && is_return_probe(pr->kind))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": a return probe takes no +OFFSET; remove it, or use %s to probe at an offset",
			spec, pr->kind == CFG_PROBE_KRETPROBE ? "kprobe:" : "uprobe:");
	if (!flen)
		return yamldoc__fail(
			p->doc, node, path, "\"%s\" has no function name; write %s", spec,
			pr->kind == CFG_PROBE_KPROBE || pr->kind == CFG_PROBE_KRETPROBE ?
				"kprobe:FUNCTION, e.g. kprobe:vfs_read" :
				"uprobe:BINARY:FUNCTION, e.g. uprobe:libc:malloc");
	pr->func = strndup(s, flen);
	if (!pr->func)
		return yamldoc__oom(p->doc);
	if (!is_ident(pr->func, true))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": \"%s\" is not a valid function name; use letters, digits, '_' and '.'",
			spec, pr->func);
	if (plus && yamldoc__parse_u64(plus + 1, &pr->offset))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": the offset \"%s\" is not a number; write a decimal or 0x hexadecimal byte offset",
			spec, plus + 1);
	return 0;
}

static int parse_probe(struct parser *p, const yaml_node_t *node, const char *path,
		       struct cfg_probe *pr)
{
	const char *spec, *colon, *rest, *sep;
	char word[KEYWORD_MAX + 1];
	size_t i, wlen;
	int ret;

	ret = yamldoc__get_str(p->doc, node, path, &spec);
	if (ret)
		return ret;
	pr->pos = node_pos(node);
	pr->spec = strdup(spec);
	if (!pr->spec)
		return yamldoc__oom(p->doc);
	colon = strchr(spec, ':');
	if (!colon)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" is not a probe spec; write KIND:TARGET, e.g. tracepoint:syscalls:sys_enter_read or uprobe:libc:malloc",
			spec);
	wlen = (size_t)(colon - spec);
	snprintf(word, sizeof(word), "%.*s", (int)wlen, spec);
	for (i = 0; i < ARRAY_SIZE(probe_kind_words); i++)
		if (strlen(probe_kind_words[i].word) == wlen &&
		    !strncmp(probe_kind_words[i].word, spec, wlen))
			break;
	if (i == ARRAY_SIZE(probe_kind_words))
		return yamldoc__fail_unknown(p->doc, node, path, "probe kind", word,
					     probe_kind_names, ARRAY_SIZE(probe_kind_names), NULL,
					     YAMLDOC_LIST_ALWAYS);
	pr->kind = probe_kind_words[i].kind;
	rest = colon + 1;

	switch (pr->kind) {
	case CFG_PROBE_TRACEPOINT:
		sep = strchr(rest, ':');
		if (!sep || !sep[1])
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" has no event; write tracepoint:CATEGORY:EVENT, e.g. tracepoint:syscalls:sys_enter_read",
				spec);
		pr->target = strndup(rest, (size_t)(sep - rest));
		pr->func = strdup(sep + 1);
		if (!pr->target || !pr->func)
			return yamldoc__oom(p->doc);
		if (!is_ident(pr->target, true))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": \"%s\" is not a valid tracepoint category; use letters, digits, '_' and '.'",
				spec, pr->target);
		if (!is_ident(pr->func, true))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": \"%s\" is not a valid tracepoint event; use letters, digits, '_' and '.'",
				spec, pr->func);
		return 0;
	case CFG_PROBE_KPROBE:
	case CFG_PROBE_KRETPROBE:
		if (strchr(rest, ':'))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": a %s takes no binary; write %s:FUNCTION, or uprobe:BINARY:FUNCTION for user space",
				spec, probe_kind_names[pr->kind], probe_kind_names[pr->kind]);
		return parse_func_off(p, node, path, spec, rest, pr);
	case CFG_PROBE_UPROBE:
	case CFG_PROBE_URETPROBE:
		sep = strchr(rest, ':');
		if (!sep)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" needs a binary and a function; write %s:BINARY:FUNCTION, e.g. %s:libc:malloc",
				spec, probe_kind_names[pr->kind], probe_kind_names[pr->kind]);
		if (sep == rest)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" has no binary; write a path or a library name before the function, e.g. %s:libc:malloc",
				spec, probe_kind_names[pr->kind]);
		pr->target = strndup(rest, (size_t)(sep - rest));
		if (!pr->target)
			return yamldoc__oom(p->doc);
		return parse_func_off(p, node, path, spec, sep + 1, pr);
	}
	return 0;
}

static bool same_probe(const struct cfg_probe *a, const struct cfg_probe *b)
{
	return a->kind == b->kind && a->offset == b->offset && !strcmp(a->func, b->func) &&
	       !strcmp(a->target ? a->target : "", b->target ? b->target : "");
}

static int parse_probes(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
			struct cfg_metric *m)
{
	bool list;
	size_t n, i, j;
	const yaml_node_t *item;
	char path[PATH_LEN];
	int ret;

	if (!node)
		return yamldoc__fail(
			p->doc, map, "probe",
			"missing; add probe: with where to attach, e.g. probe: tracepoint:syscalls:sys_enter_read");
	list = node->type == YAML_SEQUENCE_NODE;
	if (!list && node->type != YAML_SCALAR_NODE)
		return yamldoc__fail(p->doc, node, "probe",
				     "expected a probe spec or a list of them, got %s",
				     yamldoc__desc(node));
	n = list ? yamldoc__seq_len(node) : 1;
	if (!n)
		return yamldoc__fail(p->doc, node, "probe",
				     "the list is empty; give at least one probe");
	if (n > BPFPROM_MAX_PROBES)
		return yamldoc__fail(
			p->doc, yamldoc__seq_item(p->doc, node, BPFPROM_MAX_PROBES), "probe",
			"%zu probes given, at most %d fit in one metric; split it into several metrics",
			n, BPFPROM_MAX_PROBES);
	m->probes = calloc(n, sizeof(*m->probes));
	if (!m->probes)
		return yamldoc__oom(p->doc);
	for (i = 0; i < n; i++) {
		item = list ? yamldoc__seq_item(p->doc, node, i) : node;
		if (list)
			snprintf(path, sizeof(path), "probe[%zu]", i);
		else
			snprintf(path, sizeof(path), "probe");
		m->nprobes++;
		ret = parse_probe(p, item, path, &m->probes[i]);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (same_probe(&m->probes[i], &m->probes[j]))
				return yamldoc__fail(
					p->doc, item, path,
					"\"%s\" is the same probe as probe[%zu] (\"%s\"); remove one",
					m->probes[i].spec, j, m->probes[j].spec);
		/* One BPF program type per metric: tracepoint context differs from pt_regs. */
		if ((m->probes[i].kind == CFG_PROBE_TRACEPOINT) !=
		    (m->probes[0].kind == CFG_PROBE_TRACEPOINT))
			return yamldoc__fail(
				p->doc, item, path,
				"cannot mix tracepoints with other probe kinds in one metric (probe[0] is \"%s\"); split them into separate metrics",
				m->probes[0].spec);
	}
	return 0;
}

/* ---- sources ----------------------------------------------------------- */

static int parse_argn(struct parser *p, const yaml_node_t *node, const char *path, const char *text,
		      const char *s, uint32_t *argn)
{
	uint64_t n;

	if (!*s)
		return yamldoc__fail(p->doc, node, path,
				     "\"%s\" needs an argument index; write arg0 .. arg5", text);
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1]) || yamldoc__parse_u64(s, &n))
		return -ENOENT; /* not argN at all: let the caller say what it is */
	if (n > 5)
		return yamldoc__fail(p->doc, node, path, "arg%s: argument index must be 0..5", s);
	*argn = (uint32_t)n;
	return 0;
}

static int parse_field(struct parser *p, const yaml_node_t *node, const char *path,
		       const char *text, const char *field, struct cfg_source *src)
{
	if (!*field)
		return yamldoc__fail(p->doc, node, path,
				     "\"%s\" needs a field name; write args.FIELD, e.g. args.ret",
				     text);
	if (!is_ident(field, false))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": \"%s\" is not a valid field name; write args.FIELD with FIELD a tracepoint field, e.g. args.ret",
			text, field);
	src->field = strdup(field);
	return src->field ? 0 : yamldoc__oom(p->doc);
}

/* str(argN) or str(args.FIELD): a NUL-terminated string read from memory. */
static int parse_str_source(struct parser *p, const yaml_node_t *node, const char *path,
			    const char *text, struct cfg_source *src)
{
	size_t len = strlen(text);
	char inner[KEYWORD_MAX + 1];
	int ret;

	if (len < 5 || text[len - 1] != ')' || len - 5 > KEYWORD_MAX)
		goto bad;
	snprintf(inner, sizeof(inner), "%.*s", (int)(len - 5), text + 4);
	if (!strncmp(inner, "args.", 5)) {
		src->kind = BPFPROM_SRC_STR_FIELD;
		return parse_field(p, node, path, text, inner + 5, src);
	}
	if (!strncmp(inner, "arg", 3)) {
		ret = parse_argn(p, node, path, text, inner + 3, &src->argn);
		if (ret != -ENOENT) {
			src->kind = BPFPROM_SRC_STR_ARG;
			return ret;
		}
	}
bad:
	return yamldoc__fail(
		p->doc, node, path,
		"\"%s\": str() takes argN or args.FIELD, e.g. str(arg0) or str(args.filename)",
		text);
}

static int parse_source(struct parser *p, const yaml_node_t *node, const char *path,
			const char *text, struct cfg_source *src)
{
	size_t i;
	int ret;

	src->pos = node_pos(node);
	for (i = 0; i < ARRAY_SIZE(word_sources); i++) {
		if (!strcmp(text, src_names[word_sources[i]])) {
			src->kind = word_sources[i];
			return 0;
		}
	}
	if (!strncmp(text, "str(", 4))
		return parse_str_source(p, node, path, text, src);
	if (!strcmp(text, "args"))
		return parse_field(p, node, path, text, "", src);
	if (!strncmp(text, "args.", 5)) {
		src->kind = BPFPROM_SRC_FIELD;
		return parse_field(p, node, path, text, text + 5, src);
	}
	if (!strncmp(text, "arg", 3)) {
		ret = parse_argn(p, node, path, text, text + 3, &src->argn);
		if (ret != -ENOENT) {
			src->kind = BPFPROM_SRC_ARG;
			return ret;
		}
	}
	return yamldoc__fail_unknown(p->doc, node, path, "source", text, source_candidates,
				     ARRAY_SIZE(source_candidates), SOURCE_LIST,
				     YAMLDOC_LIST_ALWAYS);
}

/*
 * Arguments exist at function entry, return values at return, fields in a
 * tracepoint's record: every probe of the metric, until included, must be able
 * to provide the source.
 */
static int check_source_probe(struct parser *p, const struct cfg_probe *pr, const char *which,
			      const struct cfg_source *src, const char *text,
			      const yaml_node_t *node, const char *path)
{
	const char *kind = probe_kind_names[pr->kind];

	switch (src->kind) {
	case BPFPROM_SRC_ARG:
	case BPFPROM_SRC_STR_ARG:
		if (is_entry_probe(pr->kind))
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"%s reads a function argument, so it needs kprobe or uprobe probes, but %s \"%s\" is a %s; %s",
			text, which, pr->spec, kind,
			pr->kind == CFG_PROBE_TRACEPOINT ?
				"use args.FIELD to read a tracepoint's fields" :
				"arguments are gone when a function returns, probe its entry instead");
	case BPFPROM_SRC_RETVAL:
		if (is_return_probe(pr->kind))
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"retval needs kretprobe or uretprobe probes, but %s \"%s\" is a %s; %s",
			which, pr->spec, kind,
			pr->kind == CFG_PROBE_TRACEPOINT ?
				"read the tracepoint's field instead, e.g. args.ret" :
				"probe the function's return with kretprobe: or uretprobe:");
	case BPFPROM_SRC_FIELD:
	case BPFPROM_SRC_STR_FIELD:
		if (pr->kind == CFG_PROBE_TRACEPOINT)
			return 0;
		return yamldoc__fail(
			p->doc, node, path,
			"%s reads a tracepoint field, so it needs tracepoint probes, but %s \"%s\" is a %s; use argN (kprobe, uprobe) or retval (kretprobe, uretprobe) instead",
			text, which, pr->spec, kind);
	default:
		return 0;
	}
}

static int check_source_probes(struct parser *p, const struct cfg_metric *m,
			       const struct cfg_source *src, const char *text,
			       const yaml_node_t *node, const char *path)
{
	size_t i, n = m->nprobes + m->has_until;
	int ret;

	for (i = 0; i < n; i++) {
		ret = check_source_probe(p, i < m->nprobes ? &m->probes[i] : &m->until,
					 i < m->nprobes ? "probe" : "until", src, text, node, path);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- value, until, unit ------------------------------------------------ */

static int parse_value(struct parser *p, const yaml_node_t *map, yaml_node_t *const *v,
		       struct cfg_metric *m)
{
	const yaml_node_t *node = v[MK_VALUE];
	const char *text;
	size_t i;
	int ret;

	if (m->agg == BPFPROM_AGG_COUNT) {
		if (node)
			return yamldoc__fail(
				p->doc, node, "value",
				"aggregate: count counts events and takes no value; remove value, or use aggregate: sum to add it up");
		return 0;
	}
	if (!node)
		return yamldoc__fail(
			p->doc, map, "value",
			"missing; aggregate: %s needs a value to observe, e.g. value: latency or value: arg2",
			agg_names[m->agg]);
	ret = yamldoc__get_str(p->doc, node, "value", &text);
	if (ret)
		return ret;
	ret = parse_source(p, node, "value", text, &m->value);
	if (ret)
		return ret;
	m->has_value = true;
	if (is_string_src(m->value.kind) || m->value.kind == BPFPROM_SRC_CGROUP ||
	    m->value.kind == BPFPROM_SRC_PROBE)
		return yamldoc__fail(p->doc, node, "value",
				     "%s is not a number; use one of " VALUE_LIST
				     " as the value, or make %s a label",
				     text, text);
	if (m->value.kind != BPFPROM_SRC_LATENCY || v[MK_UNTIL])
		return 0;
	/* Without until, the end of the interval is the return of the probed function. */
	for (i = 0; i < m->nprobes; i++)
		if (!is_entry_probe(m->probes[i].kind))
			return yamldoc__fail(
				p->doc, node, "value",
				"latency needs an end point: add until: PROBE, or use only kprobe or uprobe probes (their return probe is then implied); probe \"%s\" is a %s",
				m->probes[i].spec, probe_kind_names[m->probes[i].kind]);
	return 0;
}

static int parse_until(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	int ret;

	if (!node)
		return 0;
	if (m->value.kind != BPFPROM_SRC_LATENCY)
		return yamldoc__fail(
			p->doc, node, "until",
			"marks the end of a measured interval and is only used with value: latency; remove it or set value: latency");
	if (node->type == YAML_SEQUENCE_NODE)
		return yamldoc__fail(
			p->doc, node, "until",
			"expected one probe spec, got a list; until takes exactly one probe");
	ret = parse_probe(p, node, "until", &m->until);
	m->has_until = true;
	return ret;
}

/* Sources of the value are checked once until is known: it joins the probes. */
static int check_value_probes(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	if (!m->has_value)
		return 0;
	return check_source_probes(p, m, &m->value, yamldoc__scalar(node), node, "value");
}

/*
 * One side of match: a source or a list of them, integers that the side's
 * probes can read. start: the metric's probes; else until.
 */
static int parse_match_side(struct parser *p, const yaml_node_t *node, const char *path,
			    struct cfg_metric *m, bool start, struct cfg_source *out, size_t *n)
{
	const yaml_node_t *item;
	char ipath[48];
	const char *text;
	size_t i, len = 1;
	int ret;

	if (node->type == YAML_SEQUENCE_NODE) {
		len = yamldoc__seq_len(node);
		if (len < 1 || len > BPFPROM_MAX_MATCH)
			return yamldoc__fail(p->doc, node, path,
					     "expected 1 to %d sources, got %zu", BPFPROM_MAX_MATCH,
					     len);
	}
	for (i = 0; i < len; i++) {
		item = node->type == YAML_SEQUENCE_NODE ? yamldoc__seq_item(p->doc, node, i) : node;
		if (node->type == YAML_SEQUENCE_NODE)
			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		else
			snprintf(ipath, sizeof(ipath), "%s", path);
		ret = yamldoc__get_str(p->doc, item, ipath, &text);
		if (ret)
			return ret;
		ret = parse_source(p, item, ipath, text, &out[i]);
		if (ret)
			return ret;
		if (is_string_src(out[i].kind) || out[i].kind == BPFPROM_SRC_LATENCY ||
		    out[i].kind == BPFPROM_SRC_PROBE)
			return yamldoc__fail(
				p->doc, item, ipath,
				"%s cannot pair a start with its end; use integer sources that both ends see, e.g. args.pid or args.dev and args.sector",
				text);
		if (start) {
			for (size_t k = 0; k < m->nprobes; k++) {
				ret = check_source_probe(p, &m->probes[k], "probe", &out[i], text,
							 item, ipath);
				if (ret)
					return ret;
			}
		} else {
			ret = check_source_probe(p, &m->until, "until", &out[i], text, item, ipath);
			if (ret)
				return ret;
		}
	}
	*n = len;
	return 0;
}

/*
 * match: SOURCE | [SOURCES] | {probe: SOURCE(S), until: SOURCE(S)}: what
 * pairs a start with its end instead of the thread.
 */
static int parse_match(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	enum { MA_PROBE, MA_UNTIL, MA__COUNT };
	static const char *const keys[MA__COUNT] = { "probe", "until" };
	yaml_node_t *v[MA__COUNT] = { 0 };
	size_t nstart = 0, nend = 0;
	int ret;

	if (!node)
		return 0;
	if (!m->has_until)
		return yamldoc__fail(
			p->doc, node, "match",
			"pairs a start with its end by something other than the thread, so it needs value: latency and until: PROBE; remove it, or add until");
	m->match_pos = node_pos(node);
	if (node->type != YAML_MAPPING_NODE) {
		ret = parse_match_side(p, node, "match", m, true, m->match, &nstart);
		if (ret)
			return ret;
		ret = parse_match_side(p, node, "match", m, false, m->match_until, &nend);
		m->nmatch = nstart;
		return ret;
	}
	ret = map_collect(p, node, "match", keys, MA__COUNT, v);
	if (ret)
		return ret;
	if (!v[MA_PROBE] || !v[MA_UNTIL])
		return yamldoc__fail(
			p->doc, node, "match",
			"missing %s; give the sources of both ends, e.g. match: {probe: args.pid, until: args.next_pid}",
			v[MA_PROBE] ? "until" : "probe");
	ret = parse_match_side(p, v[MA_PROBE], "match.probe", m, true, m->match, &nstart);
	if (ret)
		return ret;
	ret = parse_match_side(p, v[MA_UNTIL], "match.until", m, false, m->match_until, &nend);
	if (ret)
		return ret;
	if (nstart != nend)
		return yamldoc__fail(
			p->doc, v[MA_UNTIL], "match.until",
			"%zu source%s, but match.probe has %zu; each end needs as many", nend,
			nend == 1 ? "" : "s", nstart);
	m->nmatch = nstart;
	return 0;
}

static int parse_unit(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	static const char *const units[] = { "seconds" };
	const char *text;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_str(p->doc, node, "unit", &text);
	if (ret)
		return ret;
	if (strcmp(text, "seconds"))
		return yamldoc__fail_unknown(p->doc, node, "unit", "unit", text, units,
					     ARRAY_SIZE(units), NULL, YAMLDOC_LIST_ALWAYS);
	if (m->value.kind != BPFPROM_SRC_LATENCY)
		return yamldoc__fail(
			p->doc, node, "unit",
			"seconds only applies to value: latency (measured in nanoseconds, rendered in seconds); remove unit");
	m->unit = CFG_UNIT_SECONDS;
	return 0;
}

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
	ret = parse_source(p, node, path, text, &l->src);
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
	default:
		break;
	}
	l->name = strdup(text);
	if (!l->name)
		return yamldoc__oom(p->doc);
	l->size = default_size(l->src.kind);
	ret = check_label_name(p, node, path, m, m->nlabels - 1);
	if (ret)
		return ret;
	return check_source_probes(p, m, &l->src, text, node, path);
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

/* - {name: fd, source: arg0, decode: ..., values: ..., size: ...} */
static int parse_label_full(struct parser *p, const yaml_node_t *node, const char *path,
			    struct cfg_metric *m, struct cfg_label *l)
{
	enum { LK_NAME, LK_SOURCE, LK_DECODE, LK_VALUES, LK_SIZE, LK__COUNT };
	static const char *const keys[LK__COUNT] = { "name", "source", "decode", "values", "size" };
	yaml_node_t *v[LK__COUNT] = { 0 };
	char kpath[PATH_LEN + 16];
	const char *text, *src_text;
	int64_t size;
	size_t i;
	int ret;

	ret = map_collect(p, node, path, keys, LK__COUNT, v);
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
	ret = parse_source(p, v[LK_SOURCE], kpath, src_text, &l->src);
	if (ret)
		return ret;
	if (l->src.kind == BPFPROM_SRC_LATENCY)
		return yamldoc__fail(
			p->doc, v[LK_SOURCE], kpath,
			"latency is not a label source, it can only be a value; use another source");
	ret = check_source_probes(p, m, &l->src, src_text, v[LK_SOURCE], kpath);
	if (ret)
		return ret;

	snprintf(kpath, sizeof(kpath), "%s.decode", path);
	if (v[LK_DECODE]) {
		ret = yamldoc__get_str(p->doc, v[LK_DECODE], kpath, &text);
		if (ret)
			return ret;
		for (i = CFG_DECODE_NONE + 1; i < ARRAY_SIZE(decode_names); i++)
			if (!strcmp(text, decode_names[i]))
				break;
		if (i == ARRAY_SIZE(decode_names))
			return yamldoc__fail_unknown(p->doc, v[LK_DECODE], kpath, "decoder", text,
						     decode_names + 1, ARRAY_SIZE(decode_names) - 1,
						     NULL, YAMLDOC_LIST_ALWAYS);
		l->decode = (enum cfg_decode)i;
		if (is_string_src(l->src.kind))
			return yamldoc__fail(
				p->doc, v[LK_DECODE], kpath,
				"%s is a string; decoders turn integers into names, remove decode",
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
	}

	snprintf(kpath, sizeof(kpath), "%s.values", path);
	if (v[LK_VALUES] && l->decode != CFG_DECODE_STATIC)
		return yamldoc__fail(
			p->doc, v[LK_VALUES], kpath,
			"only used with decode: static; remove it or set decode: static");
	if (!v[LK_VALUES] && l->decode == CFG_DECODE_STATIC)
		return yamldoc__fail(
			p->doc, node, kpath,
			"missing; decode: static needs a mapping from integers to names, e.g. values: {0: read, 1: write}");
	if (v[LK_VALUES]) {
		ret = parse_static_values(p, v[LK_VALUES], kpath, l);
		if (ret)
			return ret;
	}

	snprintf(kpath, sizeof(kpath), "%s.size", path);
	l->size = default_size(l->src.kind);
	if (v[LK_SIZE]) {
		if (l->src.kind != BPFPROM_SRC_STR_ARG && l->src.kind != BPFPROM_SRC_STR_FIELD)
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
	return 0;
}

static int parse_labels(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	const yaml_node_t *item;
	struct cfg_label *l;
	char path[PATH_LEN];
	size_t i, n;
	int ret;

	if (!node)
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return yamldoc__fail(p->doc, node, "labels", "expected a list of labels, got %s",
				     yamldoc__desc(node));
	n = yamldoc__seq_len(node);
	if (n > BPFPROM_MAX_LABELS)
		return yamldoc__fail(p->doc, yamldoc__seq_item(p->doc, node, BPFPROM_MAX_LABELS),
				     "labels",
				     "%zu labels given, at most %d fit in the map key; remove some",
				     n, BPFPROM_MAX_LABELS);
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
	return check_k8s_names(p, node, m);
}

/* ---- filters ----------------------------------------------------------- */

static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* "...": the escapes a config needs, nothing that could hide a typo. */
static int parse_str_literal(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, const char *s, struct cfg_filter *f)
{
	char *o;
	size_t n;

	f->sval = malloc(strlen(s) + 1);
	if (!f->sval)
		return yamldoc__oom(p->doc);
	o = f->sval;
	for (s++; *s && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case '"':
		case '\\':
			*o++ = *s;
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case '\0':
			return yamldoc__fail(p->doc, node, path,
					     "'%s': the string is missing its closing '\"'", text);
		default:
			n = utf8_len((unsigned char)*s);
			return yamldoc__fail(
				p->doc, node, path,
				"'%s': unknown escape \"\\%.*s\" in the string; only \\\" \\\\ \\n \\t are allowed",
				text, (int)n, s);
		}
	}
	*o = '\0';
	if (*s != '"')
		return yamldoc__fail(p->doc, node, path,
				     "'%s': the string is missing its closing '\"'", text);
	for (s++; isspace((unsigned char)*s); s++)
		;
	if (*s)
		return yamldoc__fail(
			p->doc, node, path,
			"'%s': unexpected text \"%s\" after the closing quote; remove it", text, s);
	f->is_str = true;
	return 0;
}

static int parse_int_literal(struct parser *p, const yaml_node_t *node, const char *path,
			     const char *text, const char *s, struct cfg_filter *f)
{
	size_t len = strlen(s);
	char *lit;
	int ret;

	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	lit = strndup(s, len);
	if (!lit)
		return yamldoc__oom(p->doc);
	ret = yamldoc__parse_i64(lit, &f->ival);
	if (ret == -ERANGE)
		ret = yamldoc__fail(p->doc, node, path,
				    "'%s': %s does not fit in a signed 64-bit integer", text, lit);
	else if (ret && *lit == '\'')
		ret = yamldoc__fail(p->doc, node, path,
				    "'%s': strings take double quotes, e.g. comm == \"sshd\"",
				    text);
	else if (ret)
		ret = yamldoc__fail(
			p->doc, node, path,
			"'%s': %s is neither an integer nor a double-quoted string; write e.g. 42, -1, 0x1f or \"sshd\"",
			text, lit);
	free(lit);
	return ret;
}

/* Whether the literal can ever match the source, once both are known. */
static int check_filter_types(struct parser *p, const yaml_node_t *node, const char *path,
			      const char *src_text, const struct cfg_filter *f)
{
	if (!is_string_src(f->src.kind)) {
		if (f->is_str)
			return yamldoc__fail(
				p->doc, node, path,
				"%s is a number; compare it with an integer, not a string",
				src_text);
		return 0;
	}
	if (!f->is_str)
		return yamldoc__fail(
			p->doc, node, path,
			"%s is a string; compare it with a double-quoted string, e.g. %s == \"sshd\"",
			src_text, src_text);
	if (f->op != BPFPROM_OP_EQ && f->op != BPFPROM_OP_NE)
		return yamldoc__fail(
			p->doc, node, path,
			"%s is a string and can only be compared with == or !=", src_text);
	if (f->src.kind == BPFPROM_SRC_COMM && strlen(f->sval) > COMM_MAX_CHARS)
		return yamldoc__fail(
			p->doc, node, path,
			"comm is at most %d characters, so \"%s\" can never match; compare with its first %d: \"%.*s\"",
			COMM_MAX_CHARS, f->sval, COMM_MAX_CHARS, COMM_MAX_CHARS, f->sval);
	if (strlen(f->sval) >= BPFPROM_MAX_STR)
		return yamldoc__fail(
			p->doc, node, path,
			"the string is longer than %d bytes, the most a string source reads; shorten it",
			BPFPROM_MAX_STR - 1);
	return 0;
}

/* SOURCE OP LITERAL, e.g. comm != "sshd" or args.ret < 0 */
static int parse_filter(struct parser *p, const yaml_node_t *node, const char *path,
			struct cfg_metric *m, struct cfg_filter *f)
{
	static const struct {
		const char *text;
		enum bpfprom_op op;
	} ops[] = {
		{ "==", BPFPROM_OP_EQ }, { "!=", BPFPROM_OP_NE }, { "<=", BPFPROM_OP_LE },
		{ ">=", BPFPROM_OP_GE }, { "<", BPFPROM_OP_LT },  { ">", BPFPROM_OP_GT },
	};
	const char *text, *s, *start;
	char *src_text = NULL;
	size_t i, len;
	int ret;

	ret = yamldoc__get_str(p->doc, node, path, &text);
	if (ret)
		return ret;
	f->pos = node_pos(node);
	f->text = strdup(text);
	if (!f->text)
		return yamldoc__oom(p->doc);
	for (s = text; isspace((unsigned char)*s); s++)
		;
	if (!*s)
		return yamldoc__fail(
			p->doc, node, path,
			"the filter is empty; write SOURCE OP VALUE, e.g. comm != \"sshd\"");
	for (start = s; *s && !isspace((unsigned char)*s) && !strchr("=!<>", *s); s++)
		;
	if (s == start)
		return yamldoc__fail(
			p->doc, node, path,
			"'%s' does not start with a source; write SOURCE OP VALUE, e.g. pid == 42",
			text);
	len = (size_t)(s - start);
	for (; isspace((unsigned char)*s); s++)
		;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strncmp(s, ops[i].text, strlen(ops[i].text)))
			break;
	if (i == ARRAY_SIZE(ops) && *s == '=')
		return yamldoc__fail(p->doc, node, path, "'%s': compare with ==, not =", text);
	if (i == ARRAY_SIZE(ops))
		return yamldoc__fail(
			p->doc, node, path,
			"'%s' has no comparison after \"%.*s\"; write SOURCE OP VALUE with OP one of " OP_LIST,
			text, (int)len, start);
	f->op = ops[i].op;
	s += strlen(ops[i].text);
	for (; isspace((unsigned char)*s); s++)
		;

	src_text = strndup(start, len);
	if (!src_text)
		return yamldoc__oom(p->doc);
	ret = parse_source(p, node, path, src_text, &f->src);
	if (ret)
		goto out;
	if (f->src.kind == BPFPROM_SRC_LATENCY) {
		ret = yamldoc__fail(
			p->doc, node, path,
			"latency cannot be filtered, it is only known when the interval ends; filter on another source");
		goto out;
	}
	ret = check_source_probes(p, m, &f->src, src_text, node, path);
	if (ret)
		goto out;
	if (!*s)
		ret = yamldoc__fail(
			p->doc, node, path,
			"'%s' has nothing to compare with; add an integer or a double-quoted string after %s",
			text, ops[i].text);
	else if (*s == '"')
		ret = parse_str_literal(p, node, path, text, s, f);
	else
		ret = parse_int_literal(p, node, path, text, s, f);
	if (ret)
		goto out;
	ret = check_filter_types(p, node, path, src_text, f);
out:
	free(src_text);
	return ret;
}

static int parse_filters(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	char path[PATH_LEN];
	size_t i, n;
	int ret;

	if (!node)
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return yamldoc__fail(
			p->doc, node, "filter",
			"expected a list of conditions like 'comm != \"sshd\"', got %s",
			yamldoc__desc(node));
	n = yamldoc__seq_len(node);
	if (n > BPFPROM_MAX_FILTERS)
		return yamldoc__fail(p->doc, yamldoc__seq_item(p->doc, node, BPFPROM_MAX_FILTERS),
				     "filter",
				     "%zu filters given, at most %d fit in one metric; remove some",
				     n, BPFPROM_MAX_FILTERS);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "filter[%zu]", i);
		ret = parse_filter(p, yamldoc__seq_item(p->doc, node, i), path, m,
				   &m->filters[m->nfilters++]);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- max_series, buckets ----------------------------------------------- */

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
	size_t i, n = m->nprobes + m->has_until;
	const struct cfg_probe *pr;
	int64_t v;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_int_range(p->doc, node, "pid", 1, CONFIG_MAX_PID, "", &v);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		pr = i < m->nprobes ? &m->probes[i] : &m->until;
		if (pr->kind != CFG_PROBE_UPROBE && pr->kind != CFG_PROBE_URETPROBE)
			return yamldoc__fail(
				p->doc, node, "pid",
				"restricts uprobes to one process, but %s \"%s\" is a %s; use filter: pid == %" PRId64
				" instead",
				i < m->nprobes ? "probe" : "until", pr->spec,
				probe_kind_names[pr->kind], v);
	}
	m->pid = (int32_t)v;
	m->pid_pos = node_pos(node);
	return 0;
}

static bool is_pow2(int64_t v)
{
	return v >= 1 && !(v & (v - 1));
}

static int check_hist_buckets(struct parser *p, yaml_node_t *const *v, struct cfg_buckets *b)
{
	enum { BK_MIN, BK_MAX, BK_STEP };

	if (v[BK_STEP])
		return yamldoc__fail(
			p->doc, v[BK_STEP], "buckets.step",
			"hist buckets are powers of two and take no step; remove step, or use aggregate: lhist for linear buckets");
	if (b->has_min && !is_pow2(b->min))
		return yamldoc__fail(
			p->doc, v[BK_MIN], "buckets.min",
			"%" PRId64
			" is not a power of two; hist bucket bounds are 1, 2, 4, 8, ..., e.g. 64",
			b->min);
	if (b->has_max && !is_pow2(b->max))
		return yamldoc__fail(
			p->doc, v[BK_MAX], "buckets.max",
			"%" PRId64
			" is not a power of two; hist bucket bounds are 1, 2, 4, 8, ..., e.g. 65536",
			b->max);
	if (b->has_min && b->has_max && b->min >= b->max)
		return yamldoc__fail(p->doc, v[BK_MAX], "buckets.max",
				     "%" PRId64 " must be greater than min (%" PRId64 ")", b->max,
				     b->min);
	return 0;
}

static int check_lhist_buckets(struct parser *p, const yaml_node_t *node, yaml_node_t *const *v,
			       struct cfg_buckets *b)
{
	enum { BK_MIN, BK_MAX, BK_STEP };
	static const char *const paths[] = { "buckets.min", "buckets.max", "buckets.step" };
	uint64_t span;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!v[i])
			return yamldoc__fail(
				p->doc, node, paths[i],
				"missing; lhist buckets need min, max and step, e.g. {min: 0, max: 100, step: 10}");
	if (b->step <= 0)
		return yamldoc__fail(p->doc, v[BK_STEP], "buckets.step",
				     "%" PRId64 " must be greater than 0", b->step);
	if (b->min >= b->max)
		return yamldoc__fail(p->doc, v[BK_MAX], "buckets.max",
				     "%" PRId64 " must be greater than min (%" PRId64 ")", b->max,
				     b->min);
	/* Exact in uint64 since max > min, even when min is negative. */
	span = (uint64_t)b->max - (uint64_t)b->min;
	if (span % (uint64_t)b->step)
		return yamldoc__fail(p->doc, v[BK_STEP], "buckets.step",
				     "max - min (%" PRIu64 ") is not a multiple of step (%" PRId64
				     "); change max or step so that it is",
				     span, b->step);
	if (span / (uint64_t)b->step > BPFPROM_MAX_BUCKETS)
		return yamldoc__fail(
			p->doc, v[BK_STEP], "buckets.step",
			"%" PRIu64
			" buckets is more than %d; use a larger step or a narrower min..max",
			span / (uint64_t)b->step, BPFPROM_MAX_BUCKETS);
	return 0;
}

static int parse_buckets(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
			 struct cfg_metric *m)
{
	enum { BK_MIN, BK_MAX, BK_STEP, BK__COUNT };
	static const char *const keys[BK__COUNT] = { "min", "max", "step" };
	yaml_node_t *v[BK__COUNT] = { 0 };
	struct cfg_buckets *b = &m->buckets;
	int ret;

	if (!node) {
		if (m->agg == BPFPROM_AGG_LHIST)
			return yamldoc__fail(
				p->doc, map, "buckets",
				"missing; aggregate: lhist needs linear buckets, e.g. buckets: {min: 0, max: 100, step: 10}");
		return 0;
	}
	if (m->agg != BPFPROM_AGG_HIST && m->agg != BPFPROM_AGG_LHIST)
		return yamldoc__fail(
			p->doc, node, "buckets",
			"only aggregate: hist and lhist take buckets, not %s; remove it",
			agg_names[m->agg]);
	if (node->type != YAML_MAPPING_NODE)
		return yamldoc__fail(p->doc, node, "buckets",
				     "expected a mapping with min, max and step, got %s",
				     yamldoc__desc(node));
	ret = map_collect(p, node, "buckets", keys, BK__COUNT, v);
	if (ret)
		return ret;
	b->set = true;
	b->pos = node_pos(node);
	if (v[BK_MIN]) {
		ret = yamldoc__get_int(p->doc, v[BK_MIN], "buckets.min", &b->min);
		if (ret)
			return ret;
		b->has_min = true;
	}
	if (v[BK_MAX]) {
		ret = yamldoc__get_int(p->doc, v[BK_MAX], "buckets.max", &b->max);
		if (ret)
			return ret;
		b->has_max = true;
	}
	if (v[BK_STEP]) {
		ret = yamldoc__get_int(p->doc, v[BK_STEP], "buckets.step", &b->step);
		if (ret)
			return ret;
		b->has_step = true;
	}
	if (m->agg == BPFPROM_AGG_HIST)
		return check_hist_buckets(p, v, b);
	return check_lhist_buckets(p, node, v, b);
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
	const char *text;
	size_t i;
	int ret;

	if (!node)
		return yamldoc__fail(
			p->doc, map, "aggregate",
			"missing; add aggregate: with one of count, sum, hist, lhist, stats");
	ret = yamldoc__get_str(p->doc, node, "aggregate", &text);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(agg_names); i++) {
		if (!strcmp(text, agg_names[i])) {
			m->agg = (enum bpfprom_agg)i;
			return 0;
		}
	}
	return yamldoc__fail_unknown(p->doc, node, "aggregate", "aggregate", text, agg_names,
				     ARRAY_SIZE(agg_names), NULL, YAMLDOC_LIST_ALWAYS);
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
	ret = parse_metric_name(p, node, m, &name_node);
	if (ret)
		return ret;
	ret = map_collect(p, node, NULL, metric_keys, MK__COUNT, v);
	if (ret)
		return ret;
	ret = parse_help(p, node, v[MK_HELP], m);
	if (ret)
		return ret;
	ret = parse_probes(p, node, v[MK_PROBE], m);
	if (ret)
		return ret;
	ret = parse_aggregate(p, node, v[MK_AGGREGATE], m);
	if (ret)
		return ret;
	ret = check_name_suffix(p, name_node, m);
	if (ret)
		return ret;
	ret = check_reserved(p, name_node, m);
	if (ret)
		return ret;
	ret = check_collisions(p, name_node, m);
	if (ret)
		return ret;
	ret = parse_value(p, node, v, m);
	if (ret)
		return ret;
	ret = parse_until(p, v[MK_UNTIL], m);
	if (ret)
		return ret;
	ret = check_value_probes(p, v[MK_VALUE], m);
	if (ret)
		return ret;
	ret = parse_match(p, v[MK_MATCH], m);
	if (ret)
		return ret;
	ret = parse_unit(p, v[MK_UNIT], m);
	if (ret)
		return ret;
	ret = parse_labels(p, v[MK_LABELS], m);
	if (ret)
		return ret;
	ret = parse_filters(p, v[MK_FILTER], m);
	if (ret)
		return ret;
	ret = parse_max_series(p, v[MK_MAX_SERIES], m);
	if (ret)
		return ret;
	ret = parse_pid(p, v[MK_PID], m);
	if (ret)
		return ret;
	return parse_buckets(p, node, v[MK_BUCKETS], m);
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
	ret = map_collect(p, root, NULL, keys, TK__COUNT, v);
	if (ret)
		return ret;
	ret = parse_namespace(p, v[TK_NAMESPACE]);
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
	free(m->value.field);
	/* parsed sources may precede a failure, before nmatch is set */
	for (i = 0; i < BPFPROM_MAX_MATCH; i++) {
		free(m->match[i].field);
		free(m->match_until[i].field);
	}
	for (i = 0; i < m->nlabels; i++) {
		free(m->labels[i].name);
		free(m->labels[i].src.field);
		for (j = 0; j < m->labels[i].nvalues; j++)
			free(m->labels[i].values[j].name);
		free(m->labels[i].values);
	}
	for (i = 0; i < m->nfilters; i++) {
		free(m->filters[i].src.field);
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
	return (unsigned)agg < ARRAY_SIZE(agg_names) ? agg_names[agg] : "unknown";
}

const char *config__src_name(enum bpfprom_src kind)
{
	return (unsigned)kind < ARRAY_SIZE(src_names) ? src_names[kind] : "unknown";
}

const char *config__decode_name(enum cfg_decode dec)
{
	return (unsigned)dec < ARRAY_SIZE(decode_names) ? decode_names[dec] : "unknown";
}

const char *config__probe_kind_name(enum cfg_probe_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(probe_kind_names) ? probe_kind_names[kind] : "unknown";
}
