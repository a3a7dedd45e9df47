// SPDX-License-Identifier: GPL-2.0
/*
 * config: probe specs, KIND:TARGET as written, into struct cfg_probe.
 * Whether the target exists is plan's question, not this one's.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "config/perfevents.h"

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
	{ "rawtracepoint", CFG_PROBE_RAWTP },
	{ "rt", CFG_PROBE_RAWTP },
	{ "profile", CFG_PROBE_PROFILE },
	{ "p", CFG_PROBE_PROFILE },
	{ "software", CFG_PROBE_SOFTWARE },
	{ "s", CFG_PROBE_SOFTWARE },
	{ "hardware", CFG_PROBE_HARDWARE },
	{ "h", CFG_PROBE_HARDWARE },
	{ "usdt", CFG_PROBE_USDT },
	{ "U", CFG_PROBE_USDT },
};

/* ---- probes ------------------------------------------------------------ */

/*
 * A name with bpftrace's wildcards (* any run, ? one character) among the
 * characters of a name: plan expands it as --list matches it.
 */
static bool is_wild(const char *s)
{
	bool wild = false;

	for (; *s; s++) {
		if (*s == '*' || *s == '?')
			wild = true;
		else if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	}
	return wild;
}

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
	pr->wild = is_wild(pr->func);
	if (pr->wild && plus)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": a wildcard takes no +OFFSET (the offset of which function?); remove it, or name one function",
			spec);
	if (!pr->wild && !is_ident(pr->func, true))
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

/*
 * A count of profile:, software: or hardware:, as bpftrace takes it: a
 * positive integer, decimal, or as MeN (1e6) for M * 10^N.
 */
static int parse_count(const char *s, uint64_t *out)
{
	const char *e = strchr(s, 'e');
	uint64_t m, x;
	char mant[24];

	if (!e)
		return yamldoc__parse_u64(s, out) || !*out || !isdigit((unsigned char)*s) ?
			       -EINVAL :
			       0;
	if (e == s || (size_t)(e - s) >= sizeof(mant) || !e[1])
		return -EINVAL;
	snprintf(mant, sizeof(mant), "%.*s", (int)(e - s), s);
	if (!isdigit((unsigned char)mant[0]) || !isdigit((unsigned char)e[1]) ||
	    yamldoc__parse_u64(mant, &m) || yamldoc__parse_u64(e + 1, &x) || !m || x > 19)
		return -EINVAL;
	while (x--) {
		if (m > UINT64_MAX / 10)
			return -EINVAL;
		m *= 10;
	}
	*out = m;
	return 0;
}

/* profile:UNIT:N; profile:hz:99 samples every CPU 99 times a second */
static int parse_profile(struct parser *p, const yaml_node_t *node, const char *path,
			 const char *spec, const char *rest, struct cfg_probe *pr)
{
	const char *sep = strchr(rest, ':');
	int64_t ns;

	pr->func = sep ? strndup(rest, (size_t)(sep - rest)) : strdup(rest);
	if (!pr->func)
		return yamldoc__oom(p->doc);
	ns = perfevents__unit_ns(pr->func);
	if (ns < 0)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": unknown unit \"%s\"; write profile:hz:RATE (samples per second) or profile:s:N, profile:ms:N, profile:us:N (a sample every N units of CPU time), e.g. profile:hz:99",
			spec, pr->func);
	if (!sep || !sep[1] || parse_count(sep + 1, &pr->offset))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": %s needs a positive whole number after it, e.g. profile:%s:%s",
			spec, pr->func, pr->func, ns ? "10" : "99");
	/* hz: the kernel turns a frequency into a period of 1e9/N ns */
	if (ns ? pr->offset > UINT64_MAX / (uint64_t)ns : pr->offset > 1000000000)
		return yamldoc__fail(p->doc, node, path, "\"%s\": %s is too large", spec, sep + 1);
	return 0;
}

/* software:EVENT[:PERIOD] and hardware:EVENT[:PERIOD], bpftrace's event names */
static int parse_perf_event(struct parser *p, const yaml_node_t *node, const char *path,
			    const char *spec, const char *rest, struct cfg_probe *pr)
{
	bool hw = pr->kind == CFG_PROBE_HARDWARE;
	const char *kind = hw ? "hardware" : "software";
	const char *sep = strchr(rest, ':');
	const struct perfevent *ev;
	const char *names[32];
	size_t n, nnames = 0;
	char word[64];
	const struct perfevent *t = perfevents__table(hw, &n);

	snprintf(word, sizeof(word), "%.*s", sep ? (int)(sep - rest) : (int)strlen(rest), rest);
	ev = perfevents__find(hw, word);
	if (!ev) {
		for (size_t i = 0; i < n && nnames + 2 <= ARRAY_SIZE(names); i++) {
			names[nnames++] = t[i].name;
			if (t[i].alias)
				names[nnames++] = t[i].alias;
		}
		return yamldoc__fail_unknown(p->doc, node, path,
					     hw ? "hardware event" : "software event", word, names,
					     nnames, NULL, YAMLDOC_LIST_ALWAYS);
	}
	pr->func = strdup(ev->name);
	if (!pr->func)
		return yamldoc__oom(p->doc);
	pr->offset = ev->period;
	/* "software:faults:" as bpftrace -l prints it: the default period */
	if (sep && sep[1] && parse_count(sep + 1, &pr->offset))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": the period \"%s\" is not a positive whole number; write %s:%s:N (a sample every N events), e.g. %s:%s:%" PRIu64,
			spec, sep + 1, kind, word, kind, word, ev->period);
	return 0;
}

/*
 * usdt:BIN:PROVIDER:NAME, or usdt:BIN:NAME when one provider of BIN has NAME
 * (plan finds which). BIN as for uprobes: a path or a library name.
 */
static int parse_usdt(struct parser *p, const yaml_node_t *node, const char *path, const char *spec,
		      const char *rest, struct cfg_probe *pr)
{
	const char *last = strrchr(rest, ':'), *mid;

	if (!last || last == rest)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" needs a binary and a probe; write usdt:BINARY:PROVIDER:NAME, e.g. usdt:/usr/bin/python3:python:function__entry",
			spec);
	mid = memchr(rest, ':', (size_t)(last - rest));
	if (mid && memchr(mid + 1, ':', (size_t)(last - mid - 1)))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" has too many parts; write usdt:BINARY:PROVIDER:NAME or usdt:BINARY:NAME",
			spec);
	if (mid == rest)
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\" has no binary; write a path or a library name before the probe, e.g. usdt:/usr/bin/python3:python:function__entry",
			spec);
	pr->target = strndup(rest, (size_t)((mid ? mid : last) - rest));
	pr->func = strdup(last + 1);
	if (mid)
		pr->provider = strndup(mid + 1, (size_t)(last - mid - 1));
	if (!pr->target || !pr->func || (mid && !pr->provider))
		return yamldoc__oom(p->doc);
	if (!is_ident(pr->func, false) || (pr->provider && !is_ident(pr->provider, false)))
		return yamldoc__fail(
			p->doc, node, path,
			"\"%s\": \"%s\" is not a valid USDT %s; use letters, digits and '_'", spec,
			is_ident(pr->func, false) ? pr->provider : pr->func,
			is_ident(pr->func, false) ? "provider" : "probe name");
	return 0;
}

int config_parse_probe(struct parser *p, const yaml_node_t *node, const char *path,
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
					     config_probe_kind_names,
					     ARRAY_SIZE(config_probe_kind_names), NULL,
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
		pr->wild = is_wild(pr->target) || is_wild(pr->func);
		if (!is_ident(pr->target, true) && !is_wild(pr->target))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": \"%s\" is not a valid tracepoint category; use letters, digits, '_' and '.'",
				spec, pr->target);
		if (!is_ident(pr->func, true) && !is_wild(pr->func))
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
				spec, config_probe_kind_names[pr->kind],
				config_probe_kind_names[pr->kind]);
		return parse_func_off(p, node, path, spec, rest, pr);
	case CFG_PROBE_UPROBE:
	case CFG_PROBE_URETPROBE:
		sep = strchr(rest, ':');
		if (!sep)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" needs a binary and a function; write %s:BINARY:FUNCTION, e.g. %s:libc:malloc",
				spec, config_probe_kind_names[pr->kind],
				config_probe_kind_names[pr->kind]);
		if (sep == rest)
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\" has no binary; write a path or a library name before the function, e.g. %s:libc:malloc",
				spec, config_probe_kind_names[pr->kind]);
		pr->target = strndup(rest, (size_t)(sep - rest));
		if (!pr->target)
			return yamldoc__oom(p->doc);
		return parse_func_off(p, node, path, spec, sep + 1, pr);
	case CFG_PROBE_RAWTP:
		if (!*rest || strchr(rest, ':'))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": write rawtracepoint:EVENT with the event's name only, e.g. rawtracepoint:sched_process_exec",
				spec);
		pr->func = strdup(rest);
		if (!pr->func)
			return yamldoc__oom(p->doc);
		if (is_wild(pr->func))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": rawtracepoint takes no wildcard; name each event, or use tracepoint:CATEGORY:PATTERN",
				spec);
		if (!is_ident(pr->func, false))
			return yamldoc__fail(
				p->doc, node, path,
				"\"%s\": \"%s\" is not a valid event name; use letters, digits and '_'",
				spec, pr->func);
		return 0;
	case CFG_PROBE_PROFILE:
		return parse_profile(p, node, path, spec, rest, pr);
	case CFG_PROBE_SOFTWARE:
	case CFG_PROBE_HARDWARE:
		if (strchr(rest, ':') && strchr(strchr(rest, ':') + 1, ':'))
			return yamldoc__fail(p->doc, node, path,
					     "\"%s\": write %s:EVENT or %s:EVENT:PERIOD, e.g. %s",
					     spec, config_probe_kind_names[pr->kind],
					     config_probe_kind_names[pr->kind],
					     pr->kind == CFG_PROBE_HARDWARE ?
						     "hardware:cache-misses:1000000" :
						     "software:page-faults:100");
		return parse_perf_event(p, node, path, spec, rest, pr);
	case CFG_PROBE_USDT:
		return parse_usdt(p, node, path, spec, rest, pr);
	}
	return 0;
}

/*
 * Which probes may feed one metric. Tracepoints, kprobes and uprobes may:
 * each context has its program, sharing the metric's maps, and the sources
 * every probe can read (comm, pid, probe, func, ...;
 * config_check_source_probes) read alike in each. A rawtracepoint's
 * arguments are positions in its own u64 array (and its cookie needs 6.10),
 * a perf sample has no event context at all, and a USDT probe's arguments
 * are libbpf's argument specs: each only with its own kind.
 */
static int mix_group(enum cfg_probe_kind kind)
{
	if (kind == CFG_PROBE_RAWTP)
		return 1;
	if (is_sample_probe(kind))
		return 2;
	return kind == CFG_PROBE_USDT ? 3 : 0;
}

/* The kind that cannot join the other in one metric, for the message. */
static const char *mix_name(enum cfg_probe_kind a, enum cfg_probe_kind b)
{
	switch (mix_group(a) ? mix_group(a) : mix_group(b)) {
	case 1:
		return "rawtracepoints";
	case 2:
		return "profile, software and hardware probes";
	default:
		return "usdt probes";
	}
}

static bool same_probe(const struct cfg_probe *a, const struct cfg_probe *b)
{
	return a->kind == b->kind && a->offset == b->offset && !strcmp(a->func, b->func) &&
	       !strcmp(a->target ? a->target : "", b->target ? b->target : "") &&
	       !strcmp(a->provider ? a->provider : "", b->provider ? b->provider : "");
}

/*
 * An item of a list of start probes written {probe: SPEC, match: SOURCE(S),
 * filter: [CONDITION, ...]}: *spec is its probe; its match and filter are
 * parsed once the metric's are (config_parse_probe_own).
 */
static int parse_probe_item(struct parser *p, const yaml_node_t *item, const char *path, size_t i,
			    const yaml_node_t **spec)
{
	enum { PK_PROBE, PK_MATCH, PK_FILTER, PK__COUNT };
	static const char *const keys[PK__COUNT] = { "probe", "match", "filter" };
	yaml_node_t *v[PK__COUNT] = { 0 };
	int ret;

	ret = config_map_collect(p, item, path, keys, PK__COUNT, v);
	if (ret)
		return ret;
	if (!v[PK_PROBE])
		return yamldoc__fail(
			p->doc, item, path,
			"missing probe; write {probe: SPEC, match: SOURCE, filter: [CONDITION]}, e.g. {probe: tracepoint:sched:sched_switch, match: args.prev_pid, filter: ['args.prev_state == 0']}");
	*spec = v[PK_PROBE];
	p->own_match[i] = v[PK_MATCH];
	p->own_filter[i] = v[PK_FILTER];
	return 0;
}

int config_parse_probes(struct parser *p, const yaml_node_t *map, const yaml_node_t *node,
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
	if (node->type == YAML_MAPPING_NODE)
		return yamldoc__fail(
			p->doc, node, "probe",
			"{probe: SPEC, match: ..., filter: [...]} gives one of several start probes its own match or filters, in a list; with one probe write probe: SPEC, and the metric's match and filter");
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
			"%zu probes given, at most %d fit in one metric; split it into several metrics, or name many with one wildcard (kprobe:tcp_*)",
			n, BPFPROM_MAX_PROBES);
	m->probes = calloc(n, sizeof(*m->probes));
	if (!m->probes)
		return yamldoc__oom(p->doc);
	memset(p->own_match, 0, sizeof(p->own_match));
	memset(p->own_filter, 0, sizeof(p->own_filter));
	for (i = 0; i < n; i++) {
		item = list ? yamldoc__seq_item(p->doc, node, i) : node;
		if (list)
			snprintf(path, sizeof(path), "probe[%zu]", i);
		else
			snprintf(path, sizeof(path), "probe");
		m->nprobes++;
		if (list && item->type == YAML_MAPPING_NODE) {
			ret = parse_probe_item(p, item, path, i, &item);
			if (ret)
				return ret;
		}
		ret = config_parse_probe(p, item, path, &m->probes[i]);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (same_probe(&m->probes[i], &m->probes[j]))
				return yamldoc__fail(
					p->doc, item, path,
					"\"%s\" is the same probe as probe[%zu] (\"%s\"); remove one",
					m->probes[i].spec, j, m->probes[j].spec);
		if (mix_group(m->probes[i].kind) != mix_group(m->probes[0].kind))
			return yamldoc__fail(
				p->doc, item, path,
				"cannot mix %s with other probe kinds in one metric (probe[0] is \"%s\"); split them into separate metrics",
				mix_name(m->probes[i].kind, m->probes[0].kind), m->probes[0].spec);
	}
	return 0;
}

/* missing: skip | error (the default): what a probe this kernel lacks does. */
int config_parse_missing(struct parser *p, const yaml_node_t *node, struct cfg_metric *m)
{
	static const char *const words[] = { "error", "skip" };
	size_t i;
	int ret;

	if (!node)
		return 0;
	ret = yamldoc__get_word(p->doc, node, "missing", "value", words, ARRAY_SIZE(words), &i);
	if (ret)
		return ret;
	m->missing_skip = i == 1;
	return 0;
}
