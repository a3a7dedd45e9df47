// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "tracefs.h"

struct ctx {
	const struct cfg *cfg;
	const struct cfg_metric *cm;
	size_t idx;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 4, 5))) static int fail(struct ctx *c, struct cfg_pos pos,
						      const char *key, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "plan: %s:%d:%d: metrics[%zu] (%s): %s: %s", c->cfg->file,
		 pos.line, pos.col, c->idx, c->cm->name, key, msg);
	return -EINVAL;
}

/*
 * What the engine can do today. Everything else the config language allows
 * is refused by name here, never silently ignored.
 */
static int check_supported(struct ctx *c)
{
	const struct cfg_metric *cm = c->cm;
	char key[32];

	for (size_t i = 0; i < cm->nprobes; i++) {
		if (cm->probes[i].kind != CFG_PROBE_TRACEPOINT)
			return fail(c, cm->probes[i].pos, "probe",
				    "%s probes are not implemented yet; only tracepoint probes are",
				    config__probe_kind_name(cm->probes[i].kind));
	}
	if (cm->has_until)
		return fail(c, cm->until.pos, "until",
			    "latency between two probes (until) is not implemented yet");
	if (cm->has_value) {
		switch (cm->value.kind) {
		case BPFPROM_SRC_ARG:
		case BPFPROM_SRC_RETVAL:
		case BPFPROM_SRC_LATENCY:
			return fail(c, cm->value.pos, "value",
				    "value source %s is not implemented yet",
				    config__src_name(cm->value.kind));
		default:
			break;
		}
	}
	for (size_t i = 0; i < cm->nlabels; i++) {
		const struct cfg_label *l = &cm->labels[i];

		snprintf(key, sizeof(key), "labels[%zu]", i);
		switch (l->src.kind) {
		case BPFPROM_SRC_ARG:
		case BPFPROM_SRC_RETVAL:
		case BPFPROM_SRC_STR_ARG:
		case BPFPROM_SRC_STR_FIELD:
			return fail(c, l->src.pos, key, "label source %s is not implemented yet",
				    config__src_name(l->src.kind));
		default:
			break;
		}
		if (l->decode != CFG_DECODE_NONE)
			return fail(c, l->pos, key, "decoder %s is not implemented yet",
				    config__decode_name(l->decode));
	}
	for (size_t i = 0; i < cm->nfilters; i++) {
		const struct cfg_filter *f = &cm->filters[i];

		snprintf(key, sizeof(key), "filter[%zu]", i);
		switch (f->src.kind) {
		case BPFPROM_SRC_ARG:
		case BPFPROM_SRC_RETVAL:
		case BPFPROM_SRC_STR_ARG:
		case BPFPROM_SRC_STR_FIELD:
			return fail(c, f->pos, key, "filter source %s is not implemented yet",
				    config__src_name(f->src.kind));
		default:
			break;
		}
	}
	return 0;
}

/* A tracepoint integer field: the same size and signedness in every probe. */
static int resolve_field(struct ctx *c, const struct tp_format *fmts, struct cfg_source *src,
			 const char *key, struct bpfprom_src_cfg *out)
{
	const struct cfg_metric *cm = c->cm;

	for (size_t p = 0; p < cm->nprobes; p++) {
		const struct tp_field *f = tracefs__field(&fmts[p], src->field);

		if (!f) {
			char avail[256] = "";
			size_t len = 0;

			for (size_t i = 0; i < fmts[p].nfields; i++) {
				if (strncmp(fmts[p].fields[i].name, "common_", 7) == 0)
					continue;
				len += snprintf(avail + len,
						len < sizeof(avail) ? sizeof(avail) - len : 0,
						"%s%s", len ? ", " : "", fmts[p].fields[i].name);
			}
			return fail(c, src->pos, key, "%s has no field \"%s\"; its fields are: %s",
				    cm->probes[p].spec, src->field, len ? avail : "(none)");
		}
		if (f->is_array || f->is_data_loc || f->size > 8 || (f->size & (f->size - 1)))
			return fail(
				c, src->pos, key,
				"args.%s of %s is \"%s\" (%u bytes), not an integer; string fields are not implemented yet",
				src->field, cm->probes[p].spec, f->type, f->size);
		if (p > 0 && (f->size != out->size || f->is_signed != !!out->is_signed))
			return fail(
				c, src->pos, key,
				"args.%s differs between %s and %s (size or signedness); one metric needs one layout",
				src->field, cm->probes[0].spec, cm->probes[p].spec);
		out->size = f->size;
		out->is_signed = f->is_signed;
		out->off[p] = f->offset;
	}
	return 0;
}

static int resolve_src(struct ctx *c, const struct tp_format *fmts, struct cfg_source *src,
		       const char *key, struct bpfprom_src_cfg *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = src->kind;
	out->argn = src->argn;
	switch (src->kind) {
	case BPFPROM_SRC_COMM:
		out->size = BPFPROM_COMM_LEN;
		return 0;
	case BPFPROM_SRC_FIELD:
		return resolve_field(c, fmts, src, key, out);
	default:
		out->size = 8;
		return 0;
	}
}

static int plan_filters(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	char key[32];
	int err;

	for (size_t i = 0; i < cm->nfilters; i++) {
		const struct cfg_filter *f = &cm->filters[i];
		struct bpfprom_filter_cfg *bf = &pm->bcfg.filters[i];

		snprintf(key, sizeof(key), "filter[%zu]", i);
		err = resolve_src(c, fmts, (struct cfg_source *)&f->src, key, &bf->src);
		if (err)
			return err;
		bf->op = f->op;
		if (f->is_str) {
			size_t n = strlen(f->sval);

			if (n >= bf->src.size)
				return fail(c, f->pos, key,
					    "\"%s\" is longer than %s can be (%u bytes)", f->sval,
					    config__src_name(f->src.kind), bf->src.size - 1);
			memcpy(bf->str, f->sval, n);
			bf->str_words = (bf->src.size + 7) / 8;
		} else {
			if (f->ival < 0 && !bf->src.is_signed)
				return fail(
					c, f->pos, key,
					"%s is unsigned; a negative literal would compare as a huge number",
					config__src_name(f->src.kind));
			bf->lit = (uint64_t)f->ival;
		}
	}
	pm->bcfg.nfilters = cm->nfilters;
	return 0;
}

static int plan_labels(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	uint32_t off = 0;
	char key[32];
	int err;

	for (size_t i = 0; i < cm->nlabels; i++) {
		const struct cfg_label *l = &cm->labels[i];
		struct bpfprom_label_cfg *bl = &pm->bcfg.labels[i];
		struct render_label *rl = &pm->render.labels[i];

		snprintf(key, sizeof(key), "labels[%zu]", i);
		err = resolve_src(c, fmts, (struct cfg_source *)&l->src, key, &bl->src);
		if (err)
			return err;
		bl->key_off = off;
		bl->key_size = bl->src.kind == BPFPROM_SRC_COMM ? BPFPROM_COMM_LEN : 8;
		if (off + bl->key_size > BPFPROM_MAX_KEY)
			return fail(c, l->pos, key, "the labels need more than %d bytes of map key",
				    BPFPROM_MAX_KEY);
		rl->name = l->name;
		rl->key_off = off;
		rl->key_size = bl->key_size;
		rl->is_str = bl->src.kind == BPFPROM_SRC_COMM;
		rl->is_signed = bl->src.is_signed;
		off += bl->key_size;
	}
	pm->bcfg.nlabels = cm->nlabels;
	/* a hash key cannot be empty: a metric without labels has one 8-byte zero key */
	pm->bcfg.key_size = off ? off : 8;
	pm->render.nlabels = cm->nlabels;
	pm->render.key_size = pm->bcfg.key_size;
	return 0;
}

static int plan_value(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	struct bpfprom_metric_cfg *b = &pm->bcfg;
	double scale = cm->unit == CFG_UNIT_SECONDS ? 1e-9 : 1;
	int err;

	b->agg = cm->agg;
	if (cm->has_value) {
		err = resolve_src(c, fmts, (struct cfg_source *)&cm->value, "value", &b->value);
		if (err)
			return err;
	}
	switch (cm->agg) {
	case BPFPROM_AGG_COUNT:
		b->value_words = 1;
		break;
	case BPFPROM_AGG_SUM:
		b->value_words = 2;
		break;
	case BPFPROM_AGG_STATS:
		b->value_words = 4;
		break;
	case BPFPROM_AGG_HIST: {
		uint32_t first = 0, last = BPFPROM_LOG2_SLOTS - 1;

		/* buckets.min = 2^a keeps slot a+1 (le = 2^a) first */
		if (cm->buckets.has_min)
			first = 1 + (uint32_t)__builtin_ctzll((uint64_t)cm->buckets.min);
		if (cm->buckets.has_max)
			last = 1 + (uint32_t)__builtin_ctzll((uint64_t)cm->buckets.max);
		b->hist_first_slot = first;
		b->nbuckets = last - first + 1;
		for (uint32_t s = first; s <= last; s++)
			pm->bounds[s - first] = s == 0 ? 0 : ldexp(1, (int)s - 1) * scale;
		b->value_words = BPFPROM_V_BUCKETS + b->nbuckets + 1;
		break;
	}
	case BPFPROM_AGG_LHIST:
		if (!b->value.is_signed && cm->buckets.min < 0)
			return fail(c, cm->buckets.pos, "buckets.min",
				    "the value is unsigned; min must be 0 or more");
		b->lhist_min = cm->buckets.min;
		b->lhist_step = (uint64_t)cm->buckets.step;
		b->nbuckets = (uint32_t)((cm->buckets.max - cm->buckets.min) / cm->buckets.step);
		/* divide, not multiply by 1e-9: that is the double nearest the true bound */
		for (uint32_t i = 0; i < b->nbuckets; i++)
			pm->bounds[i] =
				(double)(cm->buckets.min + cm->buckets.step * (int64_t)(i + 1)) /
				(scale == 1 ? 1 : 1e9);
		b->value_words = BPFPROM_V_BUCKETS + b->nbuckets + 1;
		break;
	default:
		return -EINVAL;
	}
	pm->render.name = cm->name;
	pm->render.help = cm->help;
	pm->render.agg = cm->agg;
	pm->render.value_signed = b->value.is_signed;
	pm->render.scale = scale;
	pm->render.nbuckets = b->nbuckets;
	pm->render.bounds = pm->bounds;
	pm->render.value_words = b->value_words;
	return 0;
}

static int plan_metric(struct ctx *c, const char *root, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	struct tp_format fmts[BPFPROM_MAX_PROBES] = {};
	int err;

	pm->cm = cm;
	err = check_supported(c);
	if (err)
		return err;
	pm->nprobes = cm->nprobes;
	pm->bcfg.nprobes = cm->nprobes;
	pm->max_series = cm->max_series;
	for (size_t p = 0; p < cm->nprobes; p++) {
		const struct cfg_probe *pr = &cm->probes[p];
		char key[32];

		snprintf(key, sizeof(key), cm->nprobes > 1 ? "probe[%zu]" : "probe", p);
		pm->probes[p].kind = pr->kind;
		pm->probes[p].category = pr->target;
		pm->probes[p].event = pr->func;
		pm->probes[p].spec = pr->spec;
		err = tracefs__read_format(root, pr->target, pr->func, &fmts[p]);
		if (err == -ENOENT) {
			err = fail(c, pr->pos, key,
				   "tracepoint %s:%s does not exist (no %s/events/%s/%s)",
				   pr->target, pr->func, root, pr->target, pr->func);
			goto out;
		} else if (err) {
			err = fail(c, pr->pos, key,
				   "cannot read the format of tracepoint %s:%s: %s", pr->target,
				   pr->func, strerror(-err));
			goto out;
		}
	}
	err = plan_value(c, fmts, pm);
	if (!err)
		err = plan_labels(c, fmts, pm);
	if (!err)
		err = plan_filters(c, fmts, pm);
out:
	for (size_t p = 0; p < cm->nprobes; p++)
		tracefs__format_free(&fmts[p]);
	return err;
}

int plan__build(const struct cfg *cfg, const char *tracefs_root, struct plan **out, char *err,
		size_t errlen)
{
	struct plan *plan;
	struct ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	int ret = 0;

	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	plan->cfg = cfg;
	plan->metrics = calloc(cfg->nmetrics ? cfg->nmetrics : 1, sizeof(*plan->metrics));
	if (!plan->metrics) {
		ret = -ENOMEM;
		goto out;
	}
	plan->nmetrics = cfg->nmetrics;
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		c.cm = &cfg->metrics[i];
		c.idx = i;
		ret = plan_metric(&c, tracefs_root, &plan->metrics[i]);
		if (ret)
			goto out;
	}
out:
	if (ret) {
		plan__free(plan);
		return ret;
	}
	*out = plan;
	return 0;
}

void plan__free(struct plan *plan)
{
	if (!plan)
		return;
	free(plan->metrics);
	free(plan);
}
