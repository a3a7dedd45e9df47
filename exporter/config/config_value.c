// SPDX-License-Identifier: GPL-2.0
/*
 * config: what a metric observes and how it is bucketed: value, until,
 * match, unit and buckets.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

#define VALUE_LIST "pid, tid, uid, gid, cpu, argN, retval, args.FIELD or latency"

/* ---- value, until, unit ------------------------------------------------ */

int config_parse_value(struct parser *p, const yaml_node_t *map, yaml_node_t *const *v,
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
			config_agg_names[m->agg]);
	ret = yamldoc__get_str(p->doc, node, "value", &text);
	if (ret)
		return ret;
	ret = config_parse_source(p, node, "value", text, &m->value);
	if (ret)
		return ret;
	m->has_value = true;
	if (is_stack_src(m->value.kind))
		return yamldoc__fail(p->doc, node, "value",
				     "%s is a stack, not a number; make it a label (labels: [%s])",
				     text, text);
	if (m->value.kind == BPFPROM_SRC_UIP)
		return yamldoc__fail(
			p->doc, node, "value",
			"uip is a code address, not a number; make it a label (labels: [uip], named by decode: usym)");
	if (is_string_src(m->value.kind) || m->value.kind == BPFPROM_SRC_CGROUP ||
	    m->value.kind == BPFPROM_SRC_PROBE || m->value.kind == BPFPROM_SRC_FUNC)
		return yamldoc__fail(p->doc, node, "value",
				     "%s is not a number; use one of " VALUE_LIST
				     " as the value, or make %s a label",
				     text, text);
	if (m->value.kind == BPFPROM_SRC_LATENCY && m->value.at_end)
		return yamldoc__fail(
			p->doc, node, "value",
			"latency is the time between the two ends of a pair, not a source of one end; write value: latency");
	if (m->value.kind != BPFPROM_SRC_LATENCY || v[MK_UNTIL])
		return 0;
	m->paired = true;
	/* Without until, the end of the interval is the return of the probed function. */
	for (i = 0; i < m->nprobes; i++)
		if (!is_entry_probe(m->probes[i].kind))
			return yamldoc__fail(
				p->doc, node, "value",
				"latency needs an end point: add until: PROBE, or use only kprobe or uprobe probes (their return probe is then implied); probe \"%s\" is a %s",
				m->probes[i].spec, config_probe_kind_names[m->probes[i].kind]);
	return 0;
}

/*
 * until: PROBE or [PROBE, ...]: what ends a pair begun at the metric's
 * probes; of a list, the first to fire for the start's key.
 */
int config_parse_until(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	bool list;
	const yaml_node_t *item;
	struct cfg_probe *pr;
	char path[PATH_LEN];
	size_t n, i, j;
	int ret;

	if (!node)
		return 0;
	list = node->type == YAML_SEQUENCE_NODE;
	n = list ? yamldoc__seq_len(node) : 1;
	if (!n)
		return yamldoc__fail(p->doc, node, "until",
				     "the list is empty; give at least one probe");
	if (n > BPFPROM_MAX_PROBES)
		return yamldoc__fail(p->doc, yamldoc__seq_item(p->doc, node, BPFPROM_MAX_PROBES),
				     "until", "%zu probes given, at most %d end one metric's pairs",
				     n, BPFPROM_MAX_PROBES);
	m->has_until = true;
	m->paired = true;
	for (i = 0; i < n; i++) {
		item = list ? yamldoc__seq_item(p->doc, node, i) : node;
		snprintf(path, sizeof(path), list ? "until[%zu]" : "until", i);
		pr = (struct cfg_probe *)config__until(m, i);
		m->nuntil++;
		ret = config_parse_probe(p, item, path, pr);
		if (ret)
			return ret;
		if (pr->wild)
			return yamldoc__fail(
				p->doc, item, path,
				"\"%s\": until takes named probes, not a wildcard; name the event or function that ends the interval",
				pr->spec);
		for (j = 0; j < i; j++)
			if (!strcmp(pr->spec, config__until(m, j)->spec))
				return yamldoc__fail(
					p->doc, item, path,
					"\"%s\" is the same probe as until[%zu]; remove one",
					pr->spec, j);
	}
	/* a sample is no event with an end: nothing pairs it with another */
	for (i = 0; i < m->nprobes + m->nuntil; i++) {
		pr = i < m->nprobes ? &m->probes[i] :
				      (struct cfg_probe *)config__until(m, i - m->nprobes);
		if (is_sample_probe(pr->kind))
			return yamldoc__fail(
				p->doc, node, "until",
				"%s \"%s\" is a %s probe, which samples a CPU: it cannot start or end a latency; measure between tracepoints, kprobes or uprobes",
				i < m->nprobes ? "probe" : "until", pr->spec,
				config_probe_kind_names[pr->kind]);
	}
	return 0;
}

/* Sources of the value are checked once until is known: it joins the probes. */
int config_check_value_probes(struct parser *p, const yaml_node_t *node, const struct cfg_metric *m)
{
	if (!m->has_value)
		return 0;
	return config_check_source_probes(p, m, &m->value, yamldoc__scalar(node), node, "value");
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
		ret = config_parse_source(p, item, ipath, text, &out[i]);
		if (ret)
			return ret;
		if (out[i].at_end)
			return yamldoc__fail(
				p->doc, item, ipath,
				"%s: match reads its probe side at the start and its until side at the end already; drop until. (to read something else at the end, write match: {probe: SOURCE, until: SOURCE})",
				text);
		if (is_string_src(out[i].kind) || out[i].kind == BPFPROM_SRC_LATENCY ||
		    out[i].kind == BPFPROM_SRC_PROBE || out[i].kind == BPFPROM_SRC_FUNC ||
		    is_stack_src(out[i].kind) || out[i].kind == BPFPROM_SRC_UIP ||
		    out[i].kind == BPFPROM_SRC_EXPR)
			return yamldoc__fail(
				p->doc, item, ipath,
				"%s cannot pair a start with its end; use integer sources that both ends see, e.g. args.pid or args.dev and args.sector",
				text);
		if (start) {
			/* the metric's match is read at the start probes without
			 * one of their own; a start probe's own at that probe */
			for (size_t k = 0; k < m->nprobes; k++) {
				if (p->only_probe ? p->only_probe != &m->probes[k] :
						    p->own_match[k] != NULL)
					continue;
				ret = config_check_source_probe(p, &m->probes[k], "probe", &out[i],
								text, item, ipath);
				if (ret)
					return ret;
			}
		} else {
			for (size_t k = 0; k < m->nuntil; k++) {
				ret = config_check_source_probe(p, config__until(m, k), "until",
								&out[i], text, item, ipath);
				if (ret)
					return ret;
			}
		}
	}
	*n = len;
	return 0;
}

static bool every_probe_own(const struct parser *p, const struct cfg_metric *m)
{
	for (size_t k = 0; k < m->nprobes; k++) {
		if (!p->own_match[k])
			return false;
	}
	return true;
}

/*
 * match: SOURCE | [SOURCES] | {probe: SOURCE(S), until: SOURCE(S)}: what
 * pairs a start with its end instead of the thread.
 */
int config_parse_match(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
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
	ret = config_map_collect(p, node, "match", keys, MA__COUNT, v);
	if (ret)
		return ret;
	/* match.probe may go where every start probe has a match of its own */
	if (!v[MA_UNTIL] || (!v[MA_PROBE] && !every_probe_own(p, m)))
		return yamldoc__fail(
			p->doc, node, "match",
			"missing %s; give the sources of both ends, e.g. match: {probe: args.pid, until: args.next_pid}",
			v[MA_PROBE] ? "until" : "probe");
	ret = parse_match_side(p, v[MA_UNTIL], "match.until", m, false, m->match_until, &nend);
	if (ret)
		return ret;
	if (!v[MA_PROBE]) {
		m->nmatch = nend;
		return 0;
	}
	ret = parse_match_side(p, v[MA_PROBE], "match.probe", m, true, m->match, &nstart);
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

/*
 * probe: [{probe: SPEC, match: SOURCE(S), filter: [...]}, ...]: a start
 * probe's own match sources (instead of match's start side) and filters
 * (besides the metric's), each read at that probe alone.
 */
int config_parse_probe_own(struct parser *p, struct cfg_metric *m)
{
	char path[PATH_LEN];
	size_t n;
	int ret = 0;

	for (size_t i = 0; i < m->nprobes && !ret; i++) {
		p->only_probe = &m->probes[i];
		if (p->own_filter[i]) {
			snprintf(path, sizeof(path), "probe[%zu].filter", i);
			ret = config_parse_probe_filters(p, p->own_filter[i], path, m, i);
		}
		if (ret || !p->own_match[i])
			continue;
		snprintf(path, sizeof(path), "probe[%zu].match", i);
		if (!m->has_until || !m->nmatch) {
			ret = yamldoc__fail(
				p->doc, p->own_match[i], path,
				"a start probe's own match needs the metric's: add until: PROBE and match: {until: SOURCE} (what the end reads), e.g. match: {until: args.next_pid}");
			continue;
		}
		ret = parse_match_side(p, p->own_match[i], path, m, true, m->probe_match[i], &n);
		if (!ret && n != m->nmatch)
			ret = yamldoc__fail(
				p->doc, p->own_match[i], path,
				"%zu source%s, but match.until has %zu; each start needs as many as the end reads",
				n, n == 1 ? "" : "s", m->nmatch);
		m->own_match |= (uint8_t)(1u << i);
	}
	p->only_probe = NULL;
	return ret;
}

int config_parse_unit(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	static const char *const units[] = { "seconds" };
	size_t i;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_word(p->doc, node, "unit", "unit", units, ARRAY_SIZE(units), &i);
	if (ret)
		return ret;
	if (m->value.kind != BPFPROM_SRC_LATENCY)
		return yamldoc__fail(
			p->doc, node, "unit",
			"seconds only applies to value: latency (measured in nanoseconds, rendered in seconds); remove unit");
	m->unit = CFG_UNIT_SECONDS;
	return 0;
}

/* ---- buckets ------------------------------------------------------------ */

static bool is_pow2(int64_t v)
{
	return v >= 1 && !(v & (v - 1));
}

int config_parse_schema(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	int64_t v;
	int ret;

	if (!node)
		return 0;
	if (m->agg != BPFPROM_AGG_HIST)
		return yamldoc__fail(p->doc, node, "schema",
				     "only aggregate: hist takes a schema, not %s; remove it",
				     config_agg_names[m->agg]);
	ret = yamldoc__get_int(p->doc, node, "schema", &v);
	if (ret)
		return ret;
	if (v < 0 || v > BPFPROM_MAX_SCHEMA)
		return yamldoc__fail(
			p->doc, node, "schema",
			"%" PRId64
			" is out of range; use 0 (1 bucket per power of two) to %d (256 buckets per power of two)",
			v, BPFPROM_MAX_SCHEMA);
	m->has_schema = true;
	m->schema = (uint32_t)v;
	m->schema_pos = node_pos(node);
	return 0;
}

static int check_hist_buckets(struct parser *p, yaml_node_t *const *v, struct cfg_metric *m)
{
	enum { BK_MIN, BK_MAX, BK_STEP };
	struct cfg_buckets *b = &m->buckets;

	if (v[BK_STEP])
		return yamldoc__fail(
			p->doc, v[BK_STEP], "buckets.step",
			"hist buckets are powers of two and take no step; remove step, or use aggregate: lhist for linear buckets");
	if (m->has_schema) {
		/* any bounds: plan widens them to powers of two of the exported unit */
		if (b->has_min && b->min < 1)
			return yamldoc__fail(p->doc, v[BK_MIN], "buckets.min",
					     "%" PRId64 " must be 1 or more", b->min);
		if (b->has_max && b->max < 1)
			return yamldoc__fail(p->doc, v[BK_MAX], "buckets.max",
					     "%" PRId64 " must be 1 or more", b->max);
		goto order;
	}
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
order:
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

int config_parse_buckets(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
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
			config_agg_names[m->agg]);
	if (node->type != YAML_MAPPING_NODE)
		return yamldoc__fail(p->doc, node, "buckets",
				     "expected a mapping with min, max and step, got %s",
				     yamldoc__desc(node));
	ret = config_map_collect(p, node, "buckets", keys, BK__COUNT, v);
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
		return check_hist_buckets(p, v, m);
	return check_lhist_buckets(p, node, v, b);
}

/*
 * start: last | first, for latency metrics: which start a key keeps while
 * its interval is pending. last (the default) lets a new start replace it
 * (a lost end, a retry); first keeps the oldest (a softirq raised several
 * times before it runs). Either way the start not used is a stale_start.
 */
int config_parse_start(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	static const char *const words[] = { "last", "first" };
	size_t i;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_word(p->doc, node, "start", "value", words, ARRAY_SIZE(words), &i);
	if (ret)
		return ret;
	if (!m->paired)
		return yamldoc__fail(
			p->doc, node, "start",
			"start says which pending start a latency keeps, but this metric's value is not latency; remove start");
	m->start_first = i == 1;
	return 0;
}

/*
 * series_map: percpu | shared. percpu (the default) gives each possible CPU
 * its own value of a series, which it adds to without atomics; shared keeps
 * one value for all CPUs, added to atomically: memory is that of one CPU,
 * at the price of CPUs contending for the same cache lines.
 */
int config_parse_series_map(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	static const char *const words[] = { "percpu", "shared" };
	size_t i;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_word(p->doc, node, "series_map", "value", words, ARRAY_SIZE(words), &i);
	if (ret)
		return ret;
	m->series_shared = i == 1;
	return 0;
}
