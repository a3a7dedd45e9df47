// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "util/clock.h"
#include "scrape/collect.h"
#include "scrape/decode.h"
#include "util/log.h"
#include "scrape/procstat.h"
#include "scrape/retire.h"
#include "scrape/scrape.h"
#include "scrape/stacks.h"

/* what a metric's stack labels print from: the scrape's stacks, its map */
struct stack_ctx {
	struct stacks *st;
	int fd;
	uint32_t frames;
};

struct scrape {
	const struct plan *plan;
	const struct loader *ld;
	struct collect **coll;
	uint64_t (*drops)[BPFPROM_DROP__COUNT];
	/* series retired per metric and reason; which reasons a metric can have */
	uint64_t (*retired)[RETIRE__COUNT];
	bool (*can_retire)[RETIRE__COUNT];
	struct retire_probe *probe; /* whether tasks and cgroups are still there */
	size_t nprogs;
	struct collect_prog_stats *progs; /* per program: fused metrics share one */
	char **prog_names; /* per program: its metrics' names, comma-separated */
	size_t *prog_first; /* per program: its first metric, which reads its stats */
	uint64_t last_sweep;
	/* one decoder per decoded config label (metric_label.cfg_label): each
	 * keeps its own bounded cache */
	struct decoder *(*dec)[BPFPROM_MAX_LABELS];
	/* kstack, ustack labels: NULL when no metric has one */
	struct stacks *stacks;
	struct stack_ctx *stack_ctx; /* per metric */
	struct scrape_opts opts;
	uint64_t scrapes;
	uint64_t started_ns; /* the first config's load: bpfprom_scrapes_total's start */
	bool load_failed; /* the last reload failed: this config is the old one */
	struct render_enc *enc; /* reused by every scrape, in every format */
	/* scrape__each_metric's callback */
	bool (*each)(void *ctx, const struct metric_desc *d, const struct series *series);
	void *each_ctx;
};

static const char *const drop_reasons[BPFPROM_DROP__COUNT] = {
	[BPFPROM_DROP_MAP_FULL] = "map_full",
	[BPFPROM_DROP_STALE_START] = "stale_start",
	[BPFPROM_DROP_START_FULL] = "start_map_full",
	[BPFPROM_DROP_UPDATE_ERROR] = "update_error",
	[BPFPROM_DROP_RECURSION] = "recursion",
	[BPFPROM_DROP_ORPHAN_START] = "orphan_start",
	[BPFPROM_DROP_STACK] = "stack",
};

/* Orphaned starts are looked for at most this often (one access(2) each). */
#define SWEEP_INTERVAL_NS (10ull * 1000000000)

static bool has_stacks(const struct cfg_metric *cm)
{
	for (size_t l = 0; l < cm->nlabels; l++) {
		if (cm->labels[l].src.kind == BPFPROM_SRC_KSTACK ||
		    cm->labels[l].src.kind == BPFPROM_SRC_USTACK)
			return true;
	}
	return false;
}

/* Which reasons a metric shows: the start reasons only for latency metrics,
 * update_error (which should never happen) only once it has. */
static bool shows_reason(const struct plan_metric *pm, int r, uint64_t value)
{
	switch (r) {
	case BPFPROM_DROP_STALE_START:
	case BPFPROM_DROP_START_FULL:
	case BPFPROM_DROP_ORPHAN_START:
		return pm->bcfg.latency;
	case BPFPROM_DROP_UPDATE_ERROR:
		return value > 0;
	case BPFPROM_DROP_STACK:
		return has_stacks(pm->cm);
	default:
		return true;
	}
}

/* The metric label of a program's stats: "a", or "a,b,c" when fused. */
static char *program_names(const struct plan *plan, const struct loader *ld, size_t g)
{
	size_t len = 1, off = 0;
	char *names;

	for (size_t i = 0; i < plan->nmetrics; i++) {
		if (loader__program_of(ld, i) == g)
			len += strlen(plan->metrics[i].cm->name) + 1;
	}
	names = malloc(len);
	if (!names)
		return NULL;
	names[0] = '\0';
	for (size_t i = 0; i < plan->nmetrics; i++) {
		if (loader__program_of(ld, i) == g)
			off += (size_t)snprintf(names + off, len - off, "%s%s", off ? "," : "",
						plan->metrics[i].cm->name);
	}
	return names;
}

/* Whether a metric has a cgroup label, whose series retire with the cgroup. */
static bool retires_cgroups(const struct plan *plan)
{
	for (size_t i = 0; i < plan->nmetrics; i++) {
		const struct cfg_metric *cm = plan->metrics[i].cm;

		for (size_t l = 0; l < cm->nlabels; l++) {
			if (cm->labels[l].src.kind == BPFPROM_SRC_CGROUP)
				return true;
		}
	}
	return false;
}

/* The series of metric i that can retire, and why (none: nothing changes). */
static int set_retire(struct scrape *s, size_t i)
{
	const struct plan_metric *pm = &s->plan->metrics[i];
	struct retire_spec spec;

	if (!retire__spec(&spec, &pm->desc, pm->cm))
		return 0;
	for (int r = 0; r < RETIRE__COUNT; r++)
		s->can_retire[i][r] = retire__can(&spec, (enum retire_reason)r);
	return collect__set_retire(s->coll[i], &spec, retire_probe__alive, s->probe);
}

/* The stacks of the metrics with kstack or ustack labels, kallsyms loaded now. */
static int new_stacks(struct scrape *s)
{
	int err;

	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		const struct loader_maps *maps = loader__maps(s->ld, i);

		s->stack_ctx[i].fd = maps->stacks_fd;
		s->stack_ctx[i].frames = maps->stack_frames;
		if (!has_stacks(s->plan->metrics[i].cm) || s->stacks)
			continue;
		s->stacks = stacks__new(&s->opts.decode_env, NULL);
		if (!s->stacks)
			return -ENOMEM;
		err = stacks__prepare(s->stacks);
		if (err)
			return err;
	}
	for (size_t i = 0; i < s->plan->nmetrics; i++)
		s->stack_ctx[i].st = s->stacks;
	return 0;
}

struct scrape *scrape__new(const struct plan *plan, const struct loader *ld,
			   const struct scrape_opts *opts)
{
	struct scrape *s = calloc(1, sizeof(*s));
	size_t n = plan->nmetrics ? plan->nmetrics : 1;
	int err;

	if (!s)
		return NULL;
	s->plan = plan;
	s->ld = ld;
	s->opts = *opts;
	if (!s->opts.loaded_ns)
		s->opts.loaded_ns = opts->config_loaded_at > 0 ?
					    (uint64_t)(opts->config_loaded_at * 1e3) * 1000000ull :
					    clock__real_ms_ns();
	s->started_ns = s->opts.loaded_ns;
	s->coll = calloc(n, sizeof(*s->coll));
	s->drops = calloc(n, sizeof(*s->drops));
	s->retired = calloc(n, sizeof(*s->retired));
	s->can_retire = calloc(n, sizeof(*s->can_retire));
	s->probe = retire_probe__new(&opts->decode_env, retires_cgroups(plan));
	s->dec = calloc(n, sizeof(*s->dec));
	s->nprogs = loader__nprograms(ld);
	s->progs = calloc(s->nprogs ? s->nprogs : 1, sizeof(*s->progs));
	s->prog_names = calloc(s->nprogs ? s->nprogs : 1, sizeof(*s->prog_names));
	s->prog_first = calloc(s->nprogs ? s->nprogs : 1, sizeof(*s->prog_first));
	s->enc = render_enc__new();
	s->stack_ctx = calloc(n, sizeof(*s->stack_ctx));
	if (!s->coll || !s->drops || !s->dec || !s->progs || !s->prog_names || !s->prog_first ||
	    !s->enc || !s->retired || !s->can_retire || !s->probe || !s->stack_ctx)
		goto fail;
	err = new_stacks(s);
	if (err)
		goto fail_err;
	for (size_t g = 0; g < s->nprogs; g++) {
		s->prog_names[g] = program_names(plan, ld, g);
		if (!s->prog_names[g])
			goto fail;
	}
	for (size_t i = plan->nmetrics; i > 0; i--)
		s->prog_first[loader__program_of(ld, i - 1)] = i - 1;
	for (size_t i = 0; i < plan->nmetrics; i++) {
		const struct cfg_metric *cm = plan->metrics[i].cm;

		s->coll[i] = collect__new();
		if (!s->coll[i])
			goto fail;
		err = collect__set_origin(s->coll[i], s->opts.loaded_ns);
		if (err)
			goto fail_err;
		err = set_retire(s, i);
		if (err)
			goto fail_err;
		for (size_t l = 0; l < cm->nlabels; l++) {
			const struct cfg_label *cl = &cm->labels[l];

			if (cl->src.kind == BPFPROM_SRC_FUNC)
				/* the names plan gave each probe's and member's cookie */
				s->dec[i][l] =
					decoder__new(CFG_DECODE_STATIC, plan->metrics[i].funcs,
						     plan->metrics[i].nfuncs, &opts->decode_env);
			else if (cl->decode == CFG_DECODE_NONE)
				continue;
			else if (cl->decode == CFG_DECODE_REGEXP)
				s->dec[i][l] = decoder__new_regexp(cl->regexps, cl->nregexps,
								   &opts->decode_env);
			else
				s->dec[i][l] = decoder__new(cl->decode, cl->values, cl->nvalues,
							    &opts->decode_env);
			if (!s->dec[i][l])
				goto fail;
			err = decoder__prepare(s->dec[i][l]);
			if (err)
				goto fail_err;
		}
	}
	return s;
fail:
	err = -ENOMEM;
fail_err:
	scrape__free(s);
	errno = -err;
	return NULL;
}

void scrape__carry(struct scrape *s, struct scrape *prev, const struct loader *ld)
{
	s->scrapes = prev->scrapes;
	s->started_ns = prev->started_ns;
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		long j = loader__adopted_from(ld, i);

		/* the user-space counts of a metric that kept its maps continue too */
		if (j < 0)
			continue;
		s->drops[i][BPFPROM_DROP_ORPHAN_START] = prev->drops[j][BPFPROM_DROP_ORPHAN_START];
		memcpy(s->retired[i], prev->retired[j], sizeof(s->retired[i]));
		collect__adopt_starts(s->coll[i], prev->coll[j]);
	}
}

void scrape__set_load_failed(struct scrape *s, bool failed)
{
	s->load_failed = failed;
}

void scrape__free(struct scrape *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->coll && i < s->plan->nmetrics; i++)
		collect__free(s->coll[i]);
	for (size_t i = 0; s->dec && i < s->plan->nmetrics; i++) {
		for (size_t l = 0; l < BPFPROM_MAX_LABELS; l++)
			decoder__free(s->dec[i][l]);
	}
	free(s->dec);
	stacks__free(s->stacks);
	free(s->stack_ctx);
	free(s->coll);
	free(s->drops);
	free(s->retired);
	free(s->can_retire);
	retire_probe__free(s->probe);
	free(s->progs);
	for (size_t g = 0; s->prog_names && g < s->nprogs; g++)
		free(s->prog_names[g]);
	free(s->prog_names);
	free(s->prog_first);
	render_enc__free(s->enc);
	free(s);
}

/* One sample per probe as configured (an implied return shares its entry's mechanism). */
static void render_probe_info(struct scrape *s, struct render_enc *e)
{
	const char *names[3] = { "metric", "probe", "mechanism" };
	const char *values[3];

	render_enc__family(
		e, "bpfprom_probe_info",
		"How each probe of a metric is attached (tracepoint, uprobe, fentry, kprobe, legacy, tp_btf, raw_tp, kprobe_multi or uprobe_multi).",
		RENDER_GAUGE);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		const struct plan_metric *pm = &s->plan->metrics[i];

		values[0] = pm->cm->name;
		for (size_t p = 0; p < pm->nprobes; p++) {
			if (pm->probes[p].implied)
				continue;
			values[1] = pm->probes[p].spec;
			values[2] = plan__mech_name(pm->probes[p].mech);
			render_enc__sample_u64(e, 3, names, values, 1);
		}
	}
}

/*
 * What the kernel counts for the programs while BPF stats are on
 * (--bpf.stats): once per program, so metrics fused into one program share a
 * sample whose metric label lists them all, and sums stay true.
 */
static void prog_family(struct scrape *s, struct render_enc *e, const char *name, const char *help,
			bool runs)
{
	const char *names[1] = { "metric" };
	const char *values[1];

	render_enc__family(e, name, help, RENDER_COUNTER);
	/* in config order: each program where its first metric is */
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		size_t g = loader__program_of(s->ld, i);

		if (s->prog_first[g] != i)
			continue;
		values[0] = s->prog_names[g];
		render_enc__start(e, collect__origin(s->coll[i]));
		if (runs)
			render_enc__sample_u64(e, 1, names, values, s->progs[g].run_cnt);
		else
			render_enc__sample(e, 1, names, values,
					   (double)s->progs[g].run_time_ns / 1e9);
	}
}

static void render_prog_stats(struct scrape *s, struct render_enc *e)
{
	prog_family(
		s, e, "bpfprom_program_run_seconds_total",
		"Time the kernel spent in a metric's BPF programs since --bpf.stats enabled the count (metrics sharing a program: one sample, their names comma-separated).",
		false);
	prog_family(
		s, e, "bpfprom_program_runs_total",
		"Runs of a metric's BPF programs since --bpf.stats enabled the count (metrics sharing a program: one sample, their names comma-separated).",
		true);
}

static void process_family(struct render_enc *e, enum procstat_family f)
{
	const struct procstat_family_desc *fd = &procstat__families[f];

	render_enc__family(e, fd->name, fd->help, fd->counter ? RENDER_COUNTER : RENDER_GAUGE);
}

/* client_golang's process collector, the same names and meanings. */
static void render_process(struct render_enc *e)
{
	struct procstat ps;

	if (procstat__read("/proc", "self", &ps))
		return;
	process_family(e, PROCSTAT_CPU_SECONDS);
	/* the process's start, in whole milliseconds as every start is */
	render_enc__start(e, (uint64_t)(ps.start_time * 1e3) * 1000000ull);
	render_enc__sample(e, 0, NULL, NULL, ps.cpu_seconds);
	process_family(e, PROCSTAT_MAX_FDS);
	render_enc__sample_u64(e, 0, NULL, NULL, ps.max_fds);
	process_family(e, PROCSTAT_OPEN_FDS);
	render_enc__sample_u64(e, 0, NULL, NULL, ps.open_fds);
	process_family(e, PROCSTAT_RESIDENT_BYTES);
	render_enc__sample_u64(e, 0, NULL, NULL, ps.resident_bytes);
	process_family(e, PROCSTAT_START_TIME);
	render_enc__sample(e, 0, NULL, NULL, ps.start_time);
	process_family(e, PROCSTAT_VIRTUAL_BYTES);
	render_enc__sample_u64(e, 0, NULL, NULL, ps.virtual_bytes);
}

static void render_self(struct scrape *s, struct render_enc *e, uint64_t started)
{
	const char *names[2] = { "metric", "reason" };
	const char *values[2];

	render_enc__family(
		e, "bpfprom_build_info",
		"A metric with a constant 1 value labeled by version, revision and libbpf.",
		RENDER_GAUGE);
	{
		const char *bn[] = { "version", "revision", "libbpf" };
		const char *bv[] = { BPFPROM_VERSION, BPFPROM_REVISION, libbpf_version_string() };

		render_enc__sample(e, 3, bn, bv, 1);
	}
	render_enc__family(e, "bpfprom_config_last_load_success",
			   "Whether the last configuration load succeeded (1) or not (0).",
			   RENDER_GAUGE);
	render_enc__sample(e, 0, NULL, NULL, s->load_failed ? 0 : 1);
	render_enc__family(e, "bpfprom_config_last_load_success_timestamp_seconds",
			   "When the configuration in use was loaded, in seconds since the epoch.",
			   RENDER_GAUGE);
	render_enc__sample(e, 0, NULL, NULL, s->opts.config_loaded_at);
	render_enc__family(e, "bpfprom_scrapes_total", "Scrapes of the metrics, this one included.",
			   RENDER_COUNTER);
	/* start timestamps: when each count began (it continues through
	 * reloads that keep what it counts) */
	render_enc__start(e, s->started_ns);
	render_enc__sample_u64(e, 0, NULL, NULL, s->scrapes);
	render_enc__family(e, "bpfprom_scrape_duration_seconds",
			   "Time this scrape took to read every metric's maps and render them.",
			   RENDER_GAUGE);
	render_enc__sample(e, 0, NULL, NULL, (double)(clock__mono_ns() - started) / 1e9);
	render_enc__family(
		e, "bpfprom_dropped_events_total",
		"Events not counted by a metric, by reason (see README: map_full, recursion, stale_start, start_map_full, orphan_start, update_error).",
		RENDER_COUNTER);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__start(e, collect__origin(s->coll[i]));
		for (int r = 0; r < BPFPROM_DROP__COUNT; r++) {
			if (!shows_reason(&s->plan->metrics[i], r, s->drops[i][r]))
				continue;
			values[1] = drop_reasons[r];
			render_enc__sample_u64(e, 2, names, values, s->drops[i][r]);
		}
	}
	render_enc__family(
		e, "bpfprom_decode_errors_total",
		"Label values a decoder could not translate (printed as numbers instead).",
		RENDER_COUNTER);
	/* decoders are made anew with each config */
	render_enc__start(e, s->opts.loaded_ns);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		uint64_t errs = 0;

		for (size_t l = 0; l < BPFPROM_MAX_LABELS; l++)
			errs += s->dec[i][l] ? decoder__errors(s->dec[i][l]) : 0;
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__sample_u64(e, 1, names, values, errs);
	}
	render_enc__family(
		e, "bpfprom_series_retired_total",
		"Series a metric's map no longer holds, by reason (process_gone, cgroup_gone, idle); their last values were exported first.",
		RENDER_COUNTER);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__start(e, collect__origin(s->coll[i]));
		for (int r = 0; r < RETIRE__COUNT; r++) {
			if (!s->can_retire[i][r])
				continue;
			values[1] = retire__reason_names[r];
			render_enc__sample_u64(e, 2, names, values, s->retired[i][r]);
		}
	}
	render_enc__family(e, "bpfprom_metric_series", "Series a metric's map holds now.",
			   RENDER_GAUGE);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__sample_u64(e, 1, names, values, collect__map_series(s->coll[i]));
	}
	render_enc__family(e, "bpfprom_map_capacity",
			   "Series a metric's map can hold (max_series).", RENDER_GAUGE);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__sample_u64(e, 1, names, values, s->plan->metrics[i].max_series);
	}
	render_enc__family(
		e, "bpfprom_map_memory_bytes",
		"Kernel memory of a metric's BPF maps, as the kernel accounts it (memlock in fdinfo; see README: Memory).",
		RENDER_GAUGE);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		values[0] = s->plan->metrics[i].cm->name;
		render_enc__sample_u64(e, 1, names, values, scrape__map_memory(s, i));
	}
	render_probe_info(s, e);
	if (s->opts.bpf_stats)
		render_prog_stats(s, e);
	render_process(e);
}

/* The text of a decoded label: the decoder of its config label, the part
 * the label prints (decode: k8s: namespace, pod or container). */
static const char *decode_label(void *ctx, const struct metric_label *l, uint64_t v, char *buf,
				size_t buflen, size_t *len)
{
	struct decoder *const *dec = ctx;

	if (l->cfg_label >= BPFPROM_MAX_LABELS || !dec[l->cfg_label])
		return NULL;
	return decoder__decode_part(dec[l->cfg_label], l->part, v, l->is_signed, buf, buflen, len);
}

static const char *decode_label_str(void *ctx, const struct metric_label *l, const char *str,
				    size_t n, char *buf, size_t buflen, size_t *len)
{
	struct decoder *const *dec = ctx;

	if (l->cfg_label >= BPFPROM_MAX_LABELS || !dec[l->cfg_label]) {
		*len = n;
		return str;
	}
	return decoder__decode_str(dec[l->cfg_label], str, n, buf, buflen, len);
}

/* The text of a usym label: the decoder of its config label. */
static const char *decode_label_usym(void *ctx, const struct metric_label *l, uint64_t addr,
				     uint32_t pid, char *buf, size_t buflen, size_t *len)
{
	struct decoder *const *dec = ctx;

	if (l->cfg_label >= BPFPROM_MAX_LABELS || !dec[l->cfg_label])
		return NULL;
	return decoder__decode_usym(dec[l->cfg_label], pid, addr, buf, buflen, len);
}

/* The text of a kstack or ustack label. */
static const char *stack_label(void *ctx, const struct metric_label *l, uint64_t v, size_t *len)
{
	const struct stack_ctx *sc = ctx;

	if (!sc->st)
		return NULL;
	return stacks__text(sc->st, sc->fd, sc->frames, l, v, len);
}

static void forget_stack(void *ctx, int fd, uint32_t id)
{
	stacks__forget(ctx, fd, id);
}

/* Read every metric's maps into its collect's series, and its drop counts. */
static int collect_all(struct scrape *s, bool (*each)(struct scrape *, size_t))
{
	uint64_t now = clock__mono_ns();
	bool sweep = now - s->last_sweep >= SWEEP_INTERVAL_NS;
	size_t g;
	int err;

	if (sweep)
		s->last_sweep = now;
	if (s->stacks)
		stacks__begin(s->stacks);
	for (size_t i = 0; i < s->plan->nmetrics; i++) {
		const struct loader_maps *maps = loader__maps(s->ld, i);
		const struct metric_desc *d = &s->plan->metrics[i].desc;
		struct series_decoders dec = { .text = decode_label,
					       .str = decode_label_str,
					       .ctx = s->dec[i],
					       .stack = stack_label,
					       .stack_ctx = &s->stack_ctx[i],
					       .usym = decode_label_usym };

		err = collect__metric(s->coll[i], maps, d, &dec, s->drops[i]);
		if (err) {
			log_error("scrape: metrics[%zu] (%s): reading its map failed: %s", i,
				  d->name, strerror(-err));
			return err;
		}
		collect__retired(s->coll[i], s->retired[i]);
		if (sweep)
			s->drops[i][BPFPROM_DROP_ORPHAN_START] +=
				collect__sweep_starts(s->coll[i], maps);
		if (sweep && s->stacks)
			collect__sweep_stacks(s->coll[i], maps, d, forget_stack, s->stacks);
		/* a fused program is asked once, by its group's first metric; an
		 * event it missed, every metric of the group missed */
		g = loader__program_of(s->ld, i);
		if (s->prog_first[g] == i)
			collect__prog_stats(maps, &s->progs[g]);
		s->drops[i][BPFPROM_DROP_RECURSION] = s->progs[g].recursion_misses;
		/* render as soon as read: the collect buffers are the metric's own */
		if (each && !each(s, i))
			return -ENOMEM;
	}
	return 0;
}

static bool render_one(struct scrape *s, size_t i)
{
	render_enc__metric(s->enc, &s->plan->metrics[i].desc, collect__series(s->coll[i]));
	return true;
}

static bool call_each(struct scrape *s, size_t i)
{
	return s->each(s->each_ctx, &s->plan->metrics[i].desc, collect__series(s->coll[i]));
}

int scrape__each_metric(struct scrape *s,
			bool (*each)(void *ctx, const struct metric_desc *d,
				     const struct series *series),
			void *ctx)
{
	s->each = each;
	s->each_ctx = ctx;
	return collect_all(s, call_each);
}

int scrape__collect(struct scrape *s)
{
	int err;

	/* the landing page shows counts, not series: a series taken now
	 * would never be exported with its last values */
	for (size_t i = 0; i < s->plan->nmetrics; i++)
		collect__pause_retire(s->coll[i], true);
	err = collect_all(s, NULL);
	for (size_t i = 0; i < s->plan->nmetrics; i++)
		collect__pause_retire(s->coll[i], false);
	return err;
}

void scrape__status(const struct scrape *s, size_t i, size_t *series, uint64_t *dropped)
{
	*series = collect__map_series(s->coll[i]);
	*dropped = 0;
	for (int r = 0; r < BPFPROM_DROP__COUNT; r++)
		*dropped += s->drops[i][r];
}

uint64_t scrape__map_memory(const struct scrape *s, size_t i)
{
	return loader__map_memory(s->ld, i);
}

int scrape__metrics(void *arg, enum render_format fmt, struct buf *out)
{
	struct scrape *s = arg;
	uint64_t started = clock__mono_ns();
	int err;

	render_enc__begin(s->enc, fmt, out);
	err = collect_all(s, render_one);
	if (err)
		return err;
	s->scrapes++;
	if (!s->opts.no_exporter_metrics)
		render_self(s, s->enc, started);
	return render_enc__end(s->enc);
}
