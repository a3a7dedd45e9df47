// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "config/config.h"
#include "kernel/btfpath.h"
#include "kernel/elfsym.h"
#include "kernel/kprobe.h"
#include "kernel/legacy.h"
#include "lifecycle.h"
#include "util/clock.h"
#include "kernel/loader.h"
#include "util/log.h"
#include "kernel/tracefs.h"
#include "web/landing.h"

/* One loaded configuration. */
struct generation {
	struct cfg *cfg;
	struct plan *plan;
	struct loader *ld;
	struct scrape *scrape;
};

struct lifecycle {
	struct lifecycle_opts o;
	char tracefs[PATH_MAX];
	struct plan_kernel kern;
	struct btf *btf;
	bool btf_loaded;
	bool fentry_probed;
	bool multi_probed; /* loader__probe_kprobe_multi was tried */
	bool umulti_probed; /* loader__probe_uprobe_multi was tried */
	bool tp_btf_probed;
	bool caps_dropped;
	/* scrapes (the http thread) and the swap of a reload take it */
	pthread_mutex_t lock;
	struct generation cur;
};

static void generation_free(struct generation *g)
{
	/* reverse order: the scrape state, then detach and unload, then the data */
	scrape__free(g->scrape);
	loader__free(g->ld);
	plan__free(g->plan);
	config__free(g->cfg);
	memset(g, 0, sizeof(*g));
}

/*
 * The kernel's BTF, for fentry, field paths and rawtracepoints, loaded once,
 * at the first config that needs it; NULL when absent. BPFPROM_VMLINUX_BTF
 * names another file (tests: a kernel without BTF).
 */
static struct btf *load_btf(struct lifecycle *lc)
{
	const char *path = getenv("BPFPROM_VMLINUX_BTF");

	if (lc->btf_loaded)
		return lc->btf;
	lc->btf_loaded = true;
	lc->btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	lc->kern.btf_path = path;
	if (!lc->btf)
		log_debug("kernel: no vmlinux BTF: %s", strerror(errno));
	lc->kern.btf = lc->btf;
	lc->kern.task_btf = lc->btf && btfpath__knows_helper(lc->btf, "get_current_task_btf");
	return lc->btf;
}

/*
 * Can rawtracepoints attach as BTF-typed tracepoints? Looked at once, when a
 * config has some.
 */
static void probe_rawtp(struct lifecycle *lc, const struct cfg *cfg)
{
	struct plan_kernel *k = &lc->kern;
	char why[256];

	if (lc->tp_btf_probed || !plan__needs_rawtp(cfg) || !load_btf(lc))
		return;
	lc->tp_btf_probed = true;
	k->tp_btf = loader__probe_tp_btf(lc->btf, why, sizeof(why)) == 0;
	log_debug("kernel: BTF-typed tracepoints %s%s%s", k->tp_btf ? "work" : "do not work",
		  k->tp_btf ? "" : ": ", k->tp_btf ? "" : why);
}

/*
 * uprobe wildcards: one multi-uprobe link where the kernel takes one (6.6),
 * tried once on this program's own main.
 */
static void probe_uprobe_multi(struct lifecycle *lc, const struct cfg *cfg)
{
	struct plan_kernel *k = &lc->kern;
	char why[256] = "";
	uint64_t off = 0;
	int err;

	if (lc->umulti_probed || !plan__needs_uprobe_multi(cfg))
		return;
	lc->umulti_probed = true;
	err = elfsym__func_offset("/proc/self/exe", "main", 0, &off, why, sizeof(why));
	if (!err)
		err = loader__probe_uprobe_multi("/proc/self/exe", off, why, sizeof(why));
	k->uprobe_multi = err == 0;
	log_debug("kernel: multi-uprobe links %s%s%s", k->uprobe_multi ? "work" : "do not work",
		  k->uprobe_multi ? "" : ": ", k->uprobe_multi ? "" : why);
}

/*
 * What this kernel offers for kprobes (looked at when a config has some) and
 * uprobes: stale legacy events of killed runs are removed on the way. BTF
 * (for fentry or field paths) and the fentry feature probe are done once.
 */
static void probe_kernel(struct lifecycle *lc, const struct cfg *cfg)
{
	struct plan_kernel *k = &lc->kern;
	bool pmu, events;
	char why[256];
	int err;

	kprobe__detect("/sys", k->tracefs, &k->kprobes);
	legacy__detect_uprobes("/sys", k->tracefs, &pmu, &events);
	k->uprobe_no_pmu = !pmu;
	k->uprobe_no_events = !events;
	/* a run killed with -9 left its groups: gone before this one adds its own */
	legacy__clean_stale(k->tracefs);
	if (plan__needs_btf(cfg))
		load_btf(lc);
	probe_rawtp(lc, cfg);
	probe_uprobe_multi(lc, cfg);
	if (!plan__needs_kprobes(cfg))
		return;
	/* kprobe wildcards: one multi-kprobe link where it works; forced
	 * mechanisms attach one link per function */
	if (!lc->multi_probed && k->force == PLAN_MECH_AUTO) {
		lc->multi_probed = true;
		err = loader__probe_kprobe_multi(why, sizeof(why));
		k->kprobe_multi = err == 0;
		log_debug("kernel: multi-kprobe links %s%s%s",
			  k->kprobe_multi ? "work" : "do not work", k->kprobe_multi ? "" : ": ",
			  k->kprobe_multi ? "" : why);
	}
	/* --probe.mechanism=kprobe or legacy: fentry is not wanted */
	if (lc->fentry_probed || k->force == PLAN_MECH_KPROBE || k->force == PLAN_MECH_LEGACY)
		return;
	lc->fentry_probed = true;
	if (!load_btf(lc))
		return;
	err = loader__probe_fentry(lc->btf, why, sizeof(why));
	k->fentry = err == 0;
	log_debug("kernel: fentry %s%s%s; kprobe PMU %s; kprobe_events %s",
		  k->fentry ? "works" : "does not work", k->fentry ? "" : ": ",
		  k->fentry ? "" : why, k->kprobes.pmu_type >= 0 ? "present" : "absent",
		  k->kprobes.legacy ? "present" : "absent");
}

static struct lifecycle *lifecycle_new(const struct lifecycle_opts *o, char *err, size_t errlen,
				       int *ret)
{
	struct lifecycle *lc = calloc(1, sizeof(*lc));

	if (!lc) {
		*ret = -ENOMEM;
		return NULL;
	}
	lc->o = *o;
	lc->kern.force = o->force;
	lc->kern.unfused = o->unfused;
	pthread_mutex_init(&lc->lock, NULL);
	*ret = tracefs__find(lc->tracefs, sizeof(lc->tracefs), err, errlen);
	if (*ret) {
		lifecycle__free(lc);
		return NULL;
	}
	lc->kern.tracefs = lc->tracefs;
	return lc;
}

/* Parse and plan the config file into g. */
static int plan_config(struct lifecycle *lc, struct generation *g, char *err, size_t errlen)
{
	int ret;

	ret = config__parse_file(lc->o.config_file, &g->cfg, err, errlen);
	if (ret)
		return ret;
	probe_kernel(lc, g->cfg);
	return plan__build(g->cfg, &lc->kern, &g->plan, err, errlen);
}

/* Load g's plan (taking unchanged metrics from prev) and its scrape state. */
static int load_config(struct lifecycle *lc, struct generation *g, struct loader *prev, char *err,
		       size_t errlen)
{
	struct scrape_opts so = lc->o.scrape;
	int ret;

	/* before the programs attach: no event they count is older */
	so.loaded_ns = clock__real_ms_ns();
	so.config_loaded_at = (double)(so.loaded_ns / 1000000) / 1e3;
	ret = loader__load(g->plan, &lc->kern, prev, &g->ld, err, errlen);
	if (ret)
		return ret;
	g->scrape = scrape__new(g->plan, g->ld, &so);
	if (!g->scrape) {
		ret = -errno;
		if (ret == -EPERM)
			snprintf(
				err, errlen,
				"decode: ksym: /proc/kallsyms shows this process no addresses: it needs CAP_SYSLOG (and kernel.kptr_restrict below 2)");
		else
			snprintf(err, errlen, "scrape: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

int lifecycle__check(const struct lifecycle_opts *o, size_t *nmetrics, char *err, size_t errlen)
{
	struct generation g = { 0 };
	struct lifecycle *lc;
	int ret;

	lc = lifecycle_new(o, err, errlen, &ret);
	if (!lc)
		return ret;
	ret = plan_config(lc, &g, err, errlen);
	if (!ret && o->check_load)
		ret = loader__verify(g.plan, &lc->kern, err, errlen);
	if (!ret)
		*nmetrics = g.cfg->nmetrics;
	generation_free(&g);
	lifecycle__free(lc);
	return ret;
}

int lifecycle__start(const struct lifecycle_opts *o, struct lifecycle **out, char *err,
		     size_t errlen)
{
	struct lifecycle *lc;
	int ret;

	lc = lifecycle_new(o, err, errlen, &ret);
	if (!lc)
		return ret;
	ret = plan_config(lc, &lc->cur, err, errlen);
	if (!ret)
		ret = load_config(lc, &lc->cur, NULL, err, errlen);
	if (ret) {
		lifecycle__free(lc);
		return ret;
	}
	*out = lc;
	return 0;
}

int lifecycle__reload(struct lifecycle *lc, char *msg, size_t msglen)
{
	struct generation g = { 0 }, old;
	size_t kept = 0, n;
	char err[1024] = "";
	int ret;

	if (lc->caps_dropped) {
		snprintf(
			err, sizeof(err),
			"capabilities were dropped (--capabilities.keep=none): restart bpfprom to change the config");
		ret = -EPERM;
		goto fail;
	}
	ret = plan_config(lc, &g, err, sizeof(err));
	if (!ret)
		ret = load_config(lc, &g, lc->cur.ld, err, sizeof(err));
	if (ret)
		goto fail;
	/* the swap: no system call under the lock, so a scrape waits for
	 * microseconds at most */
	pthread_mutex_lock(&lc->lock);
	loader__take_over(g.ld, lc->cur.ld);
	scrape__carry(g.scrape, lc->cur.scrape, g.ld);
	old = lc->cur;
	lc->cur = g;
	pthread_mutex_unlock(&lc->lock);
	/* detaches the metrics that changed or went */
	generation_free(&old);
	n = lc->cur.plan->nmetrics;
	for (size_t i = 0; i < n; i++)
		kept += loader__adopted_from(lc->cur.ld, i) >= 0;
	snprintf(msg, msglen, "%s: %zu metric%s: %zu kept with their counts, %zu loaded anew",
		 lc->o.config_file, n, n == 1 ? "" : "s", kept, n - kept);
	return 0;
fail:
	generation_free(&g);
	pthread_mutex_lock(&lc->lock);
	scrape__set_load_failed(lc->cur.scrape, true);
	pthread_mutex_unlock(&lc->lock);
	snprintf(msg, msglen, "%s", err[0] ? err : strerror(-ret));
	return ret;
}

struct scrape *lifecycle__scrape(struct lifecycle *lc)
{
	return lc->cur.scrape;
}

size_t lifecycle__nmetrics(const struct lifecycle *lc)
{
	return lc->cur.plan->nmetrics;
}

/*
 * Can a process without capabilities read our maps? Before 6.5, with
 * kernel.unprivileged_bpf_disabled set, every bpf() command needs CAP_BPF,
 * map reads included. Asked of a child that drops everything: raw system
 * calls only, as after fork in a process that may have threads.
 */
static int maps_readable_without_caps(struct lifecycle *lc)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	const struct loader_maps *m;
	unsigned char key[512];
	int status;
	pid_t pid;

	if (!lc->cur.plan->nmetrics)
		return 0;
	m = loader__maps(lc->cur.ld, 0);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (syscall(SYS_capset, &hdr, data))
			_exit(2);
		if (bpf_map_get_next_key(m->series_fd, NULL, key) && errno != ENOENT)
			_exit(errno == EPERM ? 1 : 3);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 3)
		return -EIO;
	return WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

int lifecycle__drop_caps(struct lifecycle *lc, char *err, size_t errlen)
{
	cap_t none = NULL;
	int ret;

	ret = maps_readable_without_caps(lc);
	if (ret == -EPERM) {
		snprintf(
			err, errlen,
			"capabilities: --capabilities.keep=none: this kernel lets only CAP_BPF read BPF maps (kernel.unprivileged_bpf_disabled is set and the kernel predates 6.5); keep the capabilities (--capabilities.keep=all)");
		return ret;
	}
	if (ret) {
		snprintf(err, errlen, "capabilities: cannot test reading maps without them: %s",
			 strerror(-ret));
		return ret;
	}
	/* the bounding set needs CAP_SETPCAP, which a minimal set lacks: then
	 * there is nothing in it that execve could give back anyway */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (cap_drop_bound(c) && errno == EPERM)
			break;
	}
	if (cap_reset_ambient() && errno != EINVAL) {
		ret = -errno;
		snprintf(err, errlen, "capabilities: cannot clear the ambient set: %s",
			 strerror(-ret));
		return ret;
	}
	none = cap_init();
	if (!none || cap_set_proc(none)) {
		ret = -errno;
		snprintf(err, errlen, "capabilities: cannot drop them: %s", strerror(-ret));
		cap_free(none);
		return ret;
	}
	cap_free(none);
	lc->caps_dropped = true;
	return 0;
}

int lifecycle__metrics(void *ctx, enum render_format fmt, struct buf *out)
{
	struct lifecycle *lc = ctx;
	int ret;

	pthread_mutex_lock(&lc->lock);
	ret = scrape__metrics(lc->cur.scrape, fmt, out);
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

int lifecycle__landing(void *ctx, struct buf *out)
{
	struct lifecycle *lc = ctx;
	int ret;

	pthread_mutex_lock(&lc->lock);
	ret = landing__page(lc->cur.scrape, lc->cur.plan, lc->o.scrape.telemetry_path, out);
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

void lifecycle__free(struct lifecycle *lc)
{
	if (!lc)
		return;
	generation_free(&lc->cur);
	btf__free(lc->btf);
	pthread_mutex_destroy(&lc->lock);
	free(lc);
}
