// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfprom.h"
#include "bpfprom.skel.h"
#include "loader.h"

struct loader_metric {
	struct bpfprom_bpf *skel; /* owns the maps; tracepoint, uprobe, kprobe programs */
	struct bpfprom_bpf *tramp[PLAN_MAX_ATTACH]; /* one per fentry/fexit target */
	size_t ntramp;
	struct bpf_link *links[PLAN_MAX_ATTACH];
	size_t nlinks;
	/* its kprobe_events entries: a group per metric, so that a reload can
	 * hand a metric over with its events and remove another's */
	struct kprobe_legacy *legacy;
	const struct plan_metric *pm; /* what was loaded, in the plan it came from */
	struct loader_maps maps;
	/* on reload: its index in the previous loader when handed over, else -1 */
	long adopted_from;
};

struct loader {
	size_t n;
	struct loader_metric *m;
	const struct plan *plan;
};

static void metric_free(struct loader_metric *lm)
{
	/* links first: detach before the programs and maps go */
	for (size_t i = lm->nlinks; i > 0; i--)
		bpf_link__destroy(lm->links[i - 1]);
	lm->nlinks = 0;
	for (size_t i = lm->ntramp; i > 0; i--)
		bpfprom_bpf__destroy(lm->tramp[i - 1]);
	lm->ntramp = 0;
	bpfprom_bpf__destroy(lm->skel);
	lm->skel = NULL;
	/* after the links: the kernel keeps an event that a perf fd still holds */
	kprobe__legacy_free(lm->legacy);
	lm->legacy = NULL;
}

/* A hint for the one cause a user can fix; as root EPERM is the kernel's word. */
static const char *why(int err)
{
	if (geteuid() == 0)
		return "";
	switch (err) {
	case -EPERM:
	case -EACCES:
		return " (bpfprom needs root, or CAP_BPF and CAP_PERFMON, and CAP_SYS_ADMIN for uprobes and kprobes: see README: Capabilities)";
	default:
		return "";
	}
}

int loader__probe_fentry(const struct btf *btf, char *whybuf, size_t whylen)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id, prog, link, err;

	if (!btf) {
		snprintf(whybuf, whylen, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -ENOENT;
	}
	/* any function every kernel has and that trampolines may attach to */
	id = btf__find_by_name_kind(btf, "vfs_read", BTF_KIND_FUNC);
	if (id <= 0) {
		snprintf(whybuf, whylen, "vfs_read is not in the kernel's BTF");
		return -ENOENT;
	}
	opts.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "bpfprom_probe", "GPL", insns, 2, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "loading an fentry program: %s", strerror(-err));
		return err;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "attaching an fentry program: %s", strerror(-err));
		close(prog);
		return err;
	}
	close(link);
	close(prog);
	return 0;
}

/* A perf event (kprobe PMU or tracefs) with the kprobe program on it. */
static struct bpf_link *attach_kprobe(struct loader_metric *lm, const struct plan_kernel *k,
				      struct bpfprom_bpf *skel, const struct plan_probe *pp,
				      char *msg, size_t msglen)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = pp->cookie);
	bool ret = pp->kind == CFG_PROBE_KRETPROBE;
	struct bpf_link *link;
	int pfd, err;

	if (pp->mech == PLAN_MECH_LEGACY) {
		if (!lm->legacy) {
			lm->legacy = kprobe__legacy_new(k->tracefs, msg, msglen);
			if (!lm->legacy)
				return NULL;
		}
		pfd = kprobe__legacy_open(lm->legacy, pp->func, pp->offset, ret, msg, msglen);
	} else {
		pfd = kprobe__open_pmu(&k->kprobes, pp->func, pp->offset, ret);
		if (pfd < 0)
			snprintf(msg, msglen, "%s", kprobe__strerror(pfd));
	}
	if (pfd < 0) {
		errno = -pfd;
		return NULL;
	}
	/* the link owns pfd from here: bpf_link__destroy closes it */
	link = bpf_program__attach_perf_event_opts(skel->progs.handle_kp, pfd, &opts);
	if (!link) {
		err = -errno;
		close(pfd);
		snprintf(msg, msglen, "%s", strerror(-err));
		errno = -err;
	}
	return link;
}

static struct bpf_link *attach(struct loader_metric *lm, const struct plan_kernel *k,
			       struct bpfprom_bpf *skel, const struct plan_probe *pp, char *msg,
			       size_t msglen)
{
	struct bpf_link *link;

	switch (pp->mech) {
	case PLAN_MECH_TRACEPOINT: {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = pp->cookie);

		link = bpf_program__attach_tracepoint_opts(skel->progs.handle_tp, pp->category,
							   pp->event, &opts);
		break;
	}
	case PLAN_MECH_UPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = pp->cookie,
			    .retprobe = pp->kind == CFG_PROBE_URETPROBE);

		/* pid -1: every process that maps the binary */
		link = bpf_program__attach_uprobe_opts(skel->progs.handle_up, pp->pid, pp->path,
						       pp->offset, &opts);
		break;
	}
	case PLAN_MECH_FENTRY: {
		LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = pp->cookie);

		link = bpf_program__attach_trace_opts(pp->kind == CFG_PROBE_KRETPROBE ?
							      skel->progs.handle_fexit :
							      skel->progs.handle_fentry,
						      &opts);
		break;
	}
	default:
		return attach_kprobe(lm, k, skel, pp, msg, msglen);
	}
	if (!link)
		snprintf(msg, msglen, "%s%s", strerror(errno), why(-errno));
	return link;
}

/* Only the programs a metric's probes need are loaded; fentry ones have their own copies. */
static int set_autoload(struct bpfprom_bpf *skel, const struct plan_metric *pm)
{
	bool tp = false, up = false, kp = false;
	int err;

	for (size_t p = 0; p < pm->nprobes; p++) {
		switch (pm->probes[p].mech) {
		case PLAN_MECH_TRACEPOINT:
			tp = true;
			break;
		case PLAN_MECH_UPROBE:
			up = true;
			break;
		case PLAN_MECH_KPROBE:
		case PLAN_MECH_LEGACY:
			kp = true;
			break;
		default:
			break;
		}
	}
	err = bpf_program__set_autoload(skel->progs.handle_tp, tp);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_up, up);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_kp, kp);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_fentry, false);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_fexit, false);
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
	/* a start is keyed by its thread (8 bytes) or by the match sources */
	if (!err && pm->bcfg.nmatch)
		err = bpf_map__set_key_size(skel->maps.starts, 8 * pm->bcfg.nmatch);
	if (!err && pm->starts_max)
		err = bpf_map__set_max_entries(skel->maps.starts, pm->starts_max);
	return err;
}

/* A new copy of the object with pm's rodata. */
static struct bpfprom_bpf *open_metric(const struct plan_metric *pm)
{
	struct bpfprom_bpf *skel = bpfprom_bpf__open();
	int err;

	if (!skel)
		return NULL;
	memcpy((void *)&skel->rodata->cfg, &pm->bcfg, sizeof(pm->bcfg));
	err = size_maps(skel, pm);
	if (err) {
		bpfprom_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/*
 * An fentry or fexit program is verified against its one target function, so
 * each target gets its own copy of the object, sharing the metric's maps.
 */
static struct bpfprom_bpf *load_tramp(const struct loader_metric *lm, const struct plan_metric *pm,
				      const struct plan_probe *pp)
{
	struct bpfprom_bpf *t, *owner = lm->skel;
	struct bpf_program *prog;
	int err;

	t = open_metric(pm);
	if (!t)
		return NULL;
	prog = pp->kind == CFG_PROBE_KRETPROBE ? t->progs.handle_fexit : t->progs.handle_fentry;
	err = bpf_program__set_autoload(t->progs.handle_tp, false);
	err = err ?: bpf_program__set_autoload(t->progs.handle_up, false);
	err = err ?: bpf_program__set_autoload(t->progs.handle_kp, false);
	err = err   ?:
		      bpf_program__set_autoload(t->progs.handle_fentry,
						prog == t->progs.handle_fentry);
	err = err   ?:
		      bpf_program__set_autoload(t->progs.handle_fexit,
						prog == t->progs.handle_fexit);
	err = err ?: bpf_program__set_attach_target(prog, 0, pp->func);
	err = err ?: bpf_map__reuse_fd(t->maps.series, bpf_map__fd(owner->maps.series));
	err = err ?: bpf_map__reuse_fd(t->maps.starts, bpf_map__fd(owner->maps.starts));
	err = err ?: bpf_map__reuse_fd(t->maps.scratch, bpf_map__fd(owner->maps.scratch));
	err = err ?: bpf_map__reuse_fd(t->maps.drops, bpf_map__fd(owner->maps.drops));
	err = err ?: bpfprom_bpf__load(t);
	if (err) {
		bpfprom_bpf__destroy(t);
		errno = -err;
		return NULL;
	}
	return t;
}

static bool is_kernel(const struct plan_probe *pp)
{
	return pp->kind == CFG_PROBE_KPROBE || pp->kind == CFG_PROBE_KRETPROBE;
}

static void add_prog(struct loader_maps *maps, const struct bpf_program *prog)
{
	int fd = bpf_program__fd(prog);

	/* negative for a program not loaded (autoload off) */
	if (fd >= 0 && maps->nprogs < LOADER_MAX_PROGS)
		maps->prog_fds[maps->nprogs++] = fd;
}

static int load_metric(const struct plan_kernel *k, const struct plan_metric *pm, size_t idx,
		       struct loader_metric *lm, char *err, size_t errlen)
{
	char msg[512];
	int ret;

	lm->skel = open_metric(pm);
	if (!lm->skel) {
		ret = -errno;
		snprintf(err, errlen, "loader: metrics[%zu] (%s): cannot open the BPF object: %s",
			 idx, pm->cm->name, strerror(-ret));
		return ret;
	}
	ret = set_autoload(lm->skel, pm);
	if (ret) {
		snprintf(err, errlen, "loader: metrics[%zu] (%s): cannot set up the programs: %s",
			 idx, pm->cm->name, strerror(-ret));
		return ret;
	}
	ret = bpfprom_bpf__load(lm->skel);
	if (ret) {
		snprintf(
			err, errlen,
			"loader: metrics[%zu] (%s): the kernel refused the BPF program: %s%s (details with --log.level=debug)",
			idx, pm->cm->name, strerror(-ret), why(ret));
		return ret;
	}
	add_prog(&lm->maps, lm->skel->progs.handle_tp);
	add_prog(&lm->maps, lm->skel->progs.handle_up);
	add_prog(&lm->maps, lm->skel->progs.handle_kp);
	for (size_t p = 0; p < pm->nprobes; p++) {
		const struct plan_probe *pp = &pm->probes[p];
		struct bpfprom_bpf *skel = lm->skel;
		struct bpf_link *link;

		if (pp->mech == PLAN_MECH_FENTRY) {
			skel = load_tramp(lm, pm, pp);
			if (!skel) {
				ret = -errno;
				snprintf(
					err, errlen,
					"loader: metrics[%zu] (%s): the kernel refused the %s program for %s: %s%s (details with --log.level=debug)",
					idx, pm->cm->name,
					pp->kind == CFG_PROBE_KRETPROBE ? "fexit" : "fentry",
					pp->spec, strerror(-ret), why(ret));
				return ret;
			}
			lm->tramp[lm->ntramp++] = skel;
			add_prog(&lm->maps, pp->kind == CFG_PROBE_KRETPROBE ?
						    skel->progs.handle_fexit :
						    skel->progs.handle_fentry);
		}
		msg[0] = '\0';
		link = attach(lm, k, skel, pp, msg, sizeof(msg));
		if (!link) {
			ret = errno ? -errno : -EINVAL;
			/* a kprobe says how it tried: --probe.mechanism can change that */
			snprintf(err, errlen,
				 "loader: metrics[%zu] (%s): cannot attach %s%s%s%s: %s", idx,
				 pm->cm->name, pp->spec, pp->implied ? " (its return)" : "",
				 is_kernel(pp) ? " with " : "",
				 is_kernel(pp) ? plan__mech_name(pp->mech) : "", msg);
			return ret;
		}
		lm->links[lm->nlinks++] = link;
	}
	lm->maps.starts_fd = pm->bcfg.latency ? bpf_map__fd(lm->skel->maps.starts) : -1;
	lm->maps.series_fd = bpf_map__fd(lm->skel->maps.series);
	lm->maps.drops_fd = bpf_map__fd(lm->skel->maps.drops);
	lm->maps.key_size = pm->bcfg.key_size;
	lm->maps.value_size = pm->bcfg.value_words * 8;
	lm->maps.max_entries = pm->max_series;
	lm->maps.starts_max = pm->starts_max;
	lm->pm = pm;
	lm->maps.starts_by_thread = pm->bcfg.latency && !pm->bcfg.nmatch;
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * Would a and b load the same programs on the same probes into the same maps?
 * help, label names and decoders are render's business: they may change
 * without touching the kernel side. The rodata is compared whole: plan
 * zeroes it (padding included) before filling it.
 */
static bool same_kernel_side(const struct plan_metric *a, const struct plan_metric *b)
{
	if (strcmp(a->cm->name, b->cm->name) || memcmp(&a->bcfg, &b->bcfg, sizeof(a->bcfg)) ||
	    a->max_series != b->max_series || a->starts_max != b->starts_max ||
	    a->nprobes != b->nprobes)
		return false;
	for (size_t p = 0; p < a->nprobes; p++) {
		const struct plan_probe *x = &a->probes[p], *y = &b->probes[p];

		if (x->kind != y->kind || x->mech != y->mech || x->offset != y->offset ||
		    x->pid != y->pid || x->cookie != y->cookie ||
		    !same_str(x->category, y->category) || !same_str(x->event, y->event) ||
		    !same_str(x->func, y->func) || !same_str(x->path, y->path))
			return false;
	}
	return true;
}

/* The unclaimed metric of prev that pm can take over, or -1. */
static long find_adoptable(const struct loader *prev, const bool *taken,
			   const struct plan_metric *pm)
{
	for (size_t j = 0; prev && j < prev->n; j++) {
		if (!taken[j] && prev->m[j].skel && same_kernel_side(prev->m[j].pm, pm))
			return (long)j;
	}
	return -1;
}

int loader__load(const struct plan *plan, const struct plan_kernel *k, struct loader *prev,
		 struct loader **out, char *err, size_t errlen)
{
	size_t n = plan->nmetrics ? plan->nmetrics : 1;
	bool *taken = NULL;
	struct loader *ld;
	int ret = 0;

	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->m = calloc(n, sizeof(*ld->m));
	taken = calloc(prev && prev->n ? prev->n : 1, sizeof(*taken));
	if (!ld->m || !taken) {
		ret = -ENOMEM;
		goto fail;
	}
	ld->n = plan->nmetrics;
	ld->plan = plan;
	for (size_t i = 0; i < plan->nmetrics; i++) {
		ld->m[i].adopted_from = find_adoptable(prev, taken, &plan->metrics[i]);
		if (ld->m[i].adopted_from >= 0)
			taken[ld->m[i].adopted_from] = true;
	}
	/* the new metrics first: until they all load and attach, prev is untouched */
	for (size_t i = 0; i < plan->nmetrics; i++) {
		if (ld->m[i].adopted_from >= 0)
			continue;
		ret = load_metric(k, &plan->metrics[i], i, &ld->m[i], err, errlen);
		if (ret)
			goto fail;
	}
	free(taken);
	*out = ld;
	return 0;
fail:
	free(taken);
	loader__free(ld);
	return ret;
}

void loader__take_over(struct loader *ld, struct loader *prev)
{
	for (size_t i = 0; i < ld->n; i++) {
		struct loader_metric *from;
		long j = ld->m[i].adopted_from;

		if (j < 0 || ld->m[i].skel)
			continue;
		from = &prev->m[j];
		ld->m[i] = *from;
		ld->m[i].adopted_from = j;
		ld->m[i].pm = &ld->plan->metrics[i]; /* prev's plan goes with prev */
		memset(from, 0, sizeof(*from));
	}
}

long loader__adopted_from(const struct loader *ld, size_t i)
{
	return ld->m[i].adopted_from;
}

void loader__free(struct loader *ld)
{
	if (!ld)
		return;
	for (size_t i = ld->n; ld->m && i > 0; i--)
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
