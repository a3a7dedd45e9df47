// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfprom.h"
#include "bpfprom.skel.h"
#include "loader.h"

struct loader_metric {
	struct bpfprom_bpf *skel;
	struct bpf_link *links[PLAN_MAX_ATTACH];
	size_t nlinks;
	struct loader_maps maps;
};

struct loader {
	size_t n;
	struct loader_metric *m;
};

static void metric_free(struct loader_metric *lm)
{
	/* links first: detach before the programs and maps go */
	for (size_t i = lm->nlinks; i > 0; i--)
		bpf_link__destroy(lm->links[i - 1]);
	lm->nlinks = 0;
	bpfprom_bpf__destroy(lm->skel);
	lm->skel = NULL;
}

/* A hint for the one cause a user can fix; as root EPERM is the kernel's word. */
static const char *why(int err)
{
	if (geteuid() == 0)
		return "";
	switch (err) {
	case -EPERM:
	case -EACCES:
		return " (bpfprom needs root, or CAP_BPF with CAP_PERFMON)";
	default:
		return "";
	}
}

static struct bpf_link *attach(struct bpfprom_bpf *skel, const struct plan_probe *pp)
{
	if (pp->kind == CFG_PROBE_TRACEPOINT) {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = pp->cookie);

		return bpf_program__attach_tracepoint_opts(skel->progs.handle_tp, pp->category,
							   pp->event, &opts);
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = pp->cookie,
			    .retprobe = pp->kind == CFG_PROBE_URETPROBE);

		/* pid -1: every process that maps the binary */
		return bpf_program__attach_uprobe_opts(skel->progs.handle_up, -1, pp->path,
						       pp->offset, &opts);
	}
}

/* Only the programs a metric's probes need are loaded. */
static int set_autoload(struct bpfprom_bpf *skel, const struct plan_metric *pm)
{
	bool tp = false, up = false;
	int err;

	for (size_t p = 0; p < pm->nprobes; p++) {
		if (pm->probes[p].kind == CFG_PROBE_TRACEPOINT)
			tp = true;
		else
			up = true;
	}
	err = bpf_program__set_autoload(skel->progs.handle_tp, tp);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_up, up);
	return err;
}

static int size_maps(struct bpfprom_bpf *skel, const struct plan_metric *pm)
{
	int err;

	err = bpf_map__set_key_size(skel->maps.series, pm->bcfg.key_size);
	if (!err)
		err = bpf_map__set_value_size(skel->maps.series, pm->bcfg.value_words * 8);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.series, pm->max_series);
	/* a start holds its timestamp and the labels taken at the start probe */
	if (!err)
		err = bpf_map__set_value_size(skel->maps.starts, 8 + pm->bcfg.key_size);
	if (!err && pm->starts_max)
		err = bpf_map__set_max_entries(skel->maps.starts, pm->starts_max);
	return err;
}

static int load_metric(const struct plan_metric *pm, size_t idx, struct loader_metric *lm,
		       char *err, size_t errlen)
{
	struct bpfprom_bpf *skel;
	int ret;

	skel = bpfprom_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "loader: metrics[%zu] (%s): cannot open the BPF object: %s",
			 idx, pm->cm->name, strerror(-ret));
		return ret;
	}
	lm->skel = skel;
	memcpy((void *)&skel->rodata->cfg, &pm->bcfg, sizeof(pm->bcfg));
	ret = size_maps(skel, pm);
	if (!ret)
		ret = set_autoload(skel, pm);
	if (ret) {
		snprintf(err, errlen, "loader: metrics[%zu] (%s): cannot size the maps: %s", idx,
			 pm->cm->name, strerror(-ret));
		return ret;
	}
	ret = bpfprom_bpf__load(skel);
	if (ret) {
		snprintf(
			err, errlen,
			"loader: metrics[%zu] (%s): the kernel refused the BPF program: %s%s (details with --log.level=debug)",
			idx, pm->cm->name, strerror(-ret), why(ret));
		return ret;
	}
	for (size_t p = 0; p < pm->nprobes; p++) {
		struct bpf_link *link = attach(skel, &pm->probes[p]);

		if (!link) {
			ret = -errno;
			snprintf(err, errlen, "loader: metrics[%zu] (%s): cannot attach %s%s: %s%s",
				 idx, pm->cm->name, pm->probes[p].spec,
				 pm->probes[p].cookie & BPFPROM_COOKIE_END &&
						 pm->probes[p].kind == CFG_PROBE_URETPROBE ?
					 " (its return)" :
					 "",
				 strerror(-ret), why(ret));
			return ret;
		}
		lm->links[lm->nlinks++] = link;
	}
	lm->maps.starts_fd = pm->bcfg.latency ? bpf_map__fd(skel->maps.starts) : -1;
	/* negative for a program not loaded (autoload off) */
	lm->maps.prog_fds[0] = bpf_program__fd(skel->progs.handle_tp);
	lm->maps.prog_fds[1] = bpf_program__fd(skel->progs.handle_up);
	lm->maps.series_fd = bpf_map__fd(skel->maps.series);
	lm->maps.drops_fd = bpf_map__fd(skel->maps.drops);
	lm->maps.key_size = pm->bcfg.key_size;
	lm->maps.value_size = pm->bcfg.value_words * 8;
	lm->maps.max_entries = pm->max_series;
	lm->maps.starts_max = pm->starts_max;
	return 0;
}

int loader__load(const struct plan *plan, struct loader **out, char *err, size_t errlen)
{
	struct loader *ld;
	int ret = 0;

	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->m = calloc(plan->nmetrics ? plan->nmetrics : 1, sizeof(*ld->m));
	if (!ld->m) {
		free(ld);
		return -ENOMEM;
	}
	for (size_t i = 0; i < plan->nmetrics; i++) {
		ld->n = i + 1;
		ret = load_metric(&plan->metrics[i], i, &ld->m[i], err, errlen);
		if (ret)
			break;
	}
	if (ret) {
		loader__free(ld);
		return ret;
	}
	*out = ld;
	return 0;
}

void loader__free(struct loader *ld)
{
	if (!ld)
		return;
	for (size_t i = ld->n; i > 0; i--)
		metric_free(&ld->m[i - 1]);
	free(ld->m);
	free(ld);
}

size_t loader__count(const struct loader *ld)
{
	return ld->n;
}

const struct loader_maps *loader__maps(const struct loader *ld, size_t i)
{
	return &ld->m[i].maps;
}

const char *loader__mechanism(const struct loader *ld, size_t metric, size_t probe)
{
	(void)ld;
	(void)metric;
	(void)probe;
	/* the only mechanisms so far: tracepoints and uprobes through perf */
	return "perf";
}
