// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfprom.h"
#include "bpfprom.skel.h"
#include "bpfprom_one.skel.h"
#include "bpfprom_shared.skel.h"
#include "kernel/legacy.h"
#include "kernel/loader.h"
#include "kernel/perfevent.h"
#include "kernel/xgen.h"
#include "util/log.h"

/*
 * An opened copy of one of the three builds of bpf/bpfprom.bpf.c: bpfprom_one
 * for a group of one metric, bpfprom for 2 to 8, bpfprom_shared for a metric
 * with series_map: shared (always a group of one).
 */
struct copy {
	struct bpf_object *obj;
	struct bpfprom_one_bpf *one;
	struct bpfprom_shared_bpf *shared;
	struct bpfprom_bpf *full;
	struct bpfprom_metric_cfg *cfg; /* its rodata: one per slot */
	uint32_t nslots; /* the slots the build has */
};

static void copy_destroy(struct copy *c)
{
	if (!c)
		return;
	bpfprom_one_bpf__destroy(c->one);
	bpfprom_shared_bpf__destroy(c->shared);
	bpfprom_bpf__destroy(c->full);
	free(c);
}

/*
 * The code of the expressions of the copy being loaded (copy_load), written
 * over each program's xcalc placeholder as libbpf loads it: libbpf calls a
 * section's prog_prepare_load_fn with the program's final instructions (its
 * subprograms appended, relocated), and loads what bpf_program__set_insns
 * leaves. One load at a time (xload_lock).
 */
static pthread_mutex_t xload_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct bpf_insn code[BPFPROM_XGEN_INSNS];
	size_t n;
	/* the direct expressions' code in line (xgen__direct): its length, 0
	 * for none, -1 where it does not fit (the sites call xcalc) */
	struct bpf_insn direct[BPFPROM_XINLINE_INSNS];
	int ndirect;
} xload;

static int xgen_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *insns;
	long xcalc;
	int err;

	(void)opts;
	(void)cookie;
	if (!xload.n)
		return 0;
	insns = malloc(n * sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, bpf_program__insns(prog), n * sizeof(*insns));
	xcalc = xgen__find(insns, n);
	err = xgen__patch(insns, n, xload.code, xload.n);
	if (!err && xload.ndirect)
		err = xgen__inline(insns, n, xload.direct, xload.ndirect, xcalc);
	if (err)
		log_error("loader: %s: cannot write the expressions' code into the program: %s",
			  bpf_program__name(prog), strerror(-err));
	else
		err = bpf_program__set_insns(prog, insns, n);
	if (!err && xload.n > 1) {
		char in_line[64];

		snprintf(in_line, sizeof(in_line), "the direct ones in line, %d instructions",
			 xload.ndirect);
		log_debug("loader: %s: expressions: %zu instructions in xcalc; %s",
			  bpf_program__name(prog), xload.n,
			  xload.ndirect > 0 ?
				  in_line :
			  xload.ndirect == 0 ?
				  "none is direct" :
				  "the direct ones too (more than r0-r5 or the in-line room)");
	}
	free(insns);
	return err;
}

/*
 * bpfprom.bpf.c's sections, each with libbpf's program and attach type
 * and xgen_prepare. A handler registered for a section is found before
 * libbpf's own; what libbpf's own would add at load is set by the loader
 * (attach targets, kprobe.multi's attach type) or not used (auto-attach).
 * Once per process (register_handlers); a failure is kept in handlers_err.
 */
static int handlers_err;

static void register_once(void)
{
	static const struct {
		const char *sec;
		enum bpf_prog_type type;
		enum bpf_attach_type at;
	} secs[] = {
		{ "tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0 },
		{ "uprobe", BPF_PROG_TYPE_KPROBE, 0 },
		{ "kprobe", BPF_PROG_TYPE_KPROBE, 0 },
		{ "fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY },
		{ "fexit", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT },
		{ "tp_btf", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP },
		{ "raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT, 0 },
		{ "perf_event", BPF_PROG_TYPE_PERF_EVENT, 0 },
		{ "usdt", BPF_PROG_TYPE_KPROBE, 0 },
	};
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = xgen_prepare);

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		int id = libbpf_register_prog_handler(secs[i].sec, secs[i].type, secs[i].at, &opts);

		if (id < 0) {
			handlers_err = id;
			return;
		}
	}
}

static int register_handlers(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, register_once);
	return handlers_err;
}

static struct copy *copy_open(size_t nmetrics, bool shared)
{
	struct copy *c;
	int err = register_handlers();

	if (err) {
		errno = -err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (shared) {
		c->shared = bpfprom_shared_bpf__open();
		if (c->shared) {
			c->obj = c->shared->obj;
			c->cfg = (struct bpfprom_metric_cfg *)c->shared->rodata->cfg;
			c->nslots = 1;
		}
	} else if (nmetrics == 1) {
		c->one = bpfprom_one_bpf__open();
		if (c->one) {
			c->obj = c->one->obj;
			c->cfg = (struct bpfprom_metric_cfg *)c->one->rodata->cfg;
			c->nslots = 1;
		}
	} else {
		c->full = bpfprom_bpf__open();
		if (c->full) {
			c->obj = c->full->obj;
			c->cfg = (struct bpfprom_metric_cfg *)c->full->rodata->cfg;
			c->nslots = BPFPROM_MAX_FUSED;
		}
	}
	if (!c->obj) {
		int err = errno;

		free(c);
		errno = err;
		return NULL;
	}
	return c;
}

static int copy_load(struct copy *c)
{
	int ret;

	pthread_mutex_lock(&xload_lock);
	ret = xgen__program(c->cfg, c->nslots, xload.code, BPFPROM_XGEN_INSNS - 1);
	if (ret < 0) {
		log_error("loader: cannot generate the expressions' code: %s", strerror(-ret));
	} else {
		xload.n = (size_t)ret;
		ret = xgen__direct(c->cfg, c->nslots, xload.direct, BPFPROM_XINLINE_INSNS - 3);
		xload.ndirect = ret < 0 ? -1 : ret;
		if (c->shared)
			ret = bpfprom_shared_bpf__load(c->shared);
		else
			ret = c->one ? bpfprom_one_bpf__load(c->one) : bpfprom_bpf__load(c->full);
		xload.n = 0;
		xload.ndirect = 0;
	}
	pthread_mutex_unlock(&xload_lock);
	return ret;
}

/*
 * The program of a group of metrics (those with the same attachments), its
 * attachments and its kprobe_events entries. A reload that keeps any of its
 * metrics moves it whole to the new loader, attached all along.
 */
struct loader_group {
	struct copy *skel; /* owns the maps; tracepoint, uprobe, kprobe programs */
	struct copy *tramp[PLAN_MAX_ATTACH]; /* one per fentry/fexit target */
	size_t ntramp;
	/* a wildcard's functions and events attach one link each (but a
	 * multi-kprobe link): as many as they are */
	struct bpf_link **links;
	size_t nlinks, caplinks;
	/* rawtracepoints and multi-uprobe links: link fds, made by hand
	 * (attach_rawtp, attach_uprobe_multi): libbpf 1.1 knows neither */
	int rt_fds[PLAN_MAX_ATTACH];
	size_t nrt_fds;
	/* its kprobe_events and uprobe_events entries: a group per program, so
	 * that a reload can hand a program over with its events and remove
	 * another's */
	struct legacy *legacy;
	/* profile, software, hardware: a link per probe and online CPU, each
	 * owning its perf event */
	struct bpf_link **pe_links;
	size_t npe_links;
	size_t nslots;
	/* per slot: its metric's index in the loader holding the group; -1 once
	 * a reload dropped the metric and turned its slot off */
	long metric[BPFPROM_MAX_FUSED];
};

struct loader {
	const struct plan *plan;
	size_t n; /* metrics */
	struct loader_maps *maps; /* per metric */
	long *adopted_from; /* per metric: its index in prev when taken over, else -1 */
	size_t *group; /* per metric: index in g */
	size_t ngroups;
	/* a group of prev stays NULL here until loader__take_over moves it */
	struct loader_group **g;
	long *g_from; /* per group: its index in prev when taken over, else -1 */
};

static void group_free(struct loader_group *lg)
{
	if (!lg)
		return;
	/* links first: detach before the programs and maps go */
	for (size_t i = lg->nlinks; i > 0; i--)
		bpf_link__destroy(lg->links[i - 1]);
	free(lg->links);
	for (size_t i = lg->nrt_fds; i > 0; i--)
		close(lg->rt_fds[i - 1]);
	for (size_t i = lg->npe_links; i > 0; i--)
		bpf_link__destroy(lg->pe_links[i - 1]);
	free(lg->pe_links);
	for (size_t i = lg->ntramp; i > 0; i--)
		copy_destroy(lg->tramp[i - 1]);
	copy_destroy(lg->skel);
	/* after the links: the kernel keeps an event that a perf fd still holds */
	legacy__free(lg->legacy);
	free(lg);
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

/* The feature probes' program: r0 = 0; exit. An fd, or -1 with errno set. */
static int nop_prog(enum bpf_prog_type type, const struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(type, "bpfprom_probe", "GPL", insns, 2, opts);
}

/*
 * Load an empty BPF_PROG_TYPE_TRACING program of attach type at on the BTF
 * type name (of kind) and attach it for an instant: what) says what in the
 * reason when the kernel refuses.
 */
static int probe_tracing(const struct btf *btf, enum bpf_attach_type at, const char *name, int kind,
			 const char *what, char *whybuf, size_t whylen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at);
	int id, prog, link, err;

	if (!btf) {
		snprintf(whybuf, whylen, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -ENOENT;
	}
	id = btf__find_by_name_kind(btf, name, kind);
	if (id <= 0) {
		snprintf(whybuf, whylen, "%s is not in the kernel's BTF", name);
		return -ENOENT;
	}
	opts.attach_btf_id = (__u32)id;
	prog = nop_prog(BPF_PROG_TYPE_TRACING, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "loading %s program: %s", what, strerror(-err));
		return err;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "attaching %s program: %s", what, strerror(-err));
		close(prog);
		return err;
	}
	close(link);
	close(prog);
	return 0;
}

int loader__probe_fentry(const struct btf *btf, char *whybuf, size_t whylen)
{
	/* any function every kernel has and that trampolines may attach to */
	return probe_tracing(btf, BPF_TRACE_FENTRY, "vfs_read", BTF_KIND_FUNC, "an fentry", whybuf,
			     whylen);
}

int loader__probe_kprobe_multi(char *whybuf, size_t whylen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	/* a function every kernel has and ftrace can attach to */
	const char *syms[] = { "vfs_read" };
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	int prog, link, err;

	prog = nop_prog(BPF_PROG_TYPE_KPROBE, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "loading a multi-kprobe program: %s", strerror(-err));
		return err;
	}
	lopts.kprobe_multi.syms = syms;
	lopts.kprobe_multi.cnt = 1;
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lopts);
	if (link < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "attaching a multi-kprobe link: %s", strerror(-err));
		close(prog);
		return err;
	}
	close(link);
	close(prog);
	return 0;
}

int loader__probe_tp_btf(const struct btf *btf, char *whybuf, size_t whylen)
{
	/* a tracepoint every kernel has (BTF-typed tracepoints: 5.5) */
	return probe_tracing(btf, BPF_TRACE_RAW_TP, "btf_trace_sched_switch", BTF_KIND_TYPEDEF,
			     "a BTF-typed tracepoint", whybuf, whylen);
}

static bool is_kernel(const struct plan_probe *pp)
{
	return pp->kind == CFG_PROBE_KPROBE || pp->kind == CFG_PROBE_KRETPROBE;
}

/*
 * The program of a group of n metrics for an attachment: the object has one
 * per context kind and group size (handle_tp1..8, handle_up1..8, ...).
 */
static struct bpf_program *prog_for(const struct copy *skel, const struct plan_probe *pp, size_t n)
{
	const char *kind;
	char name[32];

	switch (pp->mech) {
	case PLAN_MECH_TRACEPOINT:
		kind = "tp";
		break;
	case PLAN_MECH_UPROBE:
	case PLAN_MECH_UPROBE_MULTI:
		kind = "up";
		break;
	case PLAN_MECH_FENTRY:
		kind = pp->kind == CFG_PROBE_KRETPROBE ? "fexit" : "fentry";
		break;
	case PLAN_MECH_TP_BTF:
		kind = "btf";
		break;
	case PLAN_MECH_RAW_TP:
		kind = "raw";
		break;
	case PLAN_MECH_PERF_EVENT:
		kind = "pe";
		break;
	case PLAN_MECH_USDT:
		kind = "usdt";
		break;
	default:
		/* a perf event: of the kprobe PMU, or a legacy kprobe or uprobe */
		kind = is_kernel(pp) ? "kp" : "up";
		break;
	}
	snprintf(name, sizeof(name), "handle_%s%zu", kind, n);
	return bpf_object__find_program_by_name(skel->obj, name);
}

/*
 * profile, software, hardware: the probe's perf event on every online CPU,
 * each with the program attached (and the probe's cookie); a link owns its
 * event, so destroying it closes both. CPUs that come online later are not
 * sampled (README: Sampling and perf counters).
 */
static int attach_sampling(struct loader_group *lg, struct bpf_program *prog,
			   const struct plan_probe *pp, char *msg, size_t msglen)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = pp->cookie);
	struct bpf_link **v, *link;
	size_t ncpus;
	int *cpus, fd, err, possible;

	err = perfevent__online_cpus(NULL, &cpus, &ncpus);
	if (err) {
		snprintf(msg, msglen, "cannot read /sys/devices/system/cpu/online: %s",
			 strerror(-err));
		return err;
	}
	/* hotplug: say so now rather than lose a later CPU's samples silently */
	possible = libbpf_num_possible_cpus();
	if (possible > 0 && (size_t)possible > ncpus)
		log_warn(
			"loader: %s: %zu of %d possible CPUs are online; a CPU that comes online later is not sampled until bpfprom restarts",
			pp->spec, ncpus, possible);
	v = realloc(lg->pe_links, (lg->npe_links + ncpus) * sizeof(*v));
	if (!v) {
		free(cpus);
		snprintf(msg, msglen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	lg->pe_links = v;
	for (size_t i = 0; i < ncpus; i++) {
		fd = perfevent__open(&pp->perf, cpus[i]);
		if (fd < 0) {
			err = fd;
			if (pp->kind == CFG_PROBE_HARDWARE &&
			    (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV))
				snprintf(
					msg, msglen,
					"this machine has no PMU for the hardware event %s (CPU %d: %s)",
					pp->func, cpus[i], strerror(-err));
			else if (err == -EMFILE)
				snprintf(
					msg, msglen,
					"perf_event_open on CPU %d: %s: each probe takes 2 descriptors per online CPU (%zu CPUs); raise the limit (ulimit -n, systemd's LimitNOFILE=)",
					cpus[i], strerror(-err), ncpus);
			else
				snprintf(msg, msglen, "perf_event_open on CPU %d: %s%s", cpus[i],
					 strerror(-err), why(err));
			break;
		}
		link = bpf_program__attach_perf_event_opts(prog, fd, &opts);
		if (!link) {
			err = -errno;
			close(fd);
			if (err == -EMFILE)
				snprintf(
					msg, msglen,
					"attaching to the perf event of CPU %d: %s: each probe takes 2 descriptors per online CPU (%zu CPUs); raise the limit (ulimit -n, systemd's LimitNOFILE=)",
					cpus[i], strerror(-err), ncpus);
			else
				snprintf(msg, msglen, "attaching to the perf event of CPU %d: %s%s",
					 cpus[i], strerror(-err), why(err));
			break;
		}
		lg->pe_links[lg->npe_links++] = link;
	}
	free(cpus);
	return err;
}

/* A perf event (kprobe PMU, or a kprobe or uprobe in tracefs) with the program on it. */
static struct bpf_link *attach_perf(struct loader_group *lg, const struct plan_kernel *k,
				    struct bpf_program *prog, const struct plan_probe *pp,
				    char *msg, size_t msglen)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = pp->cookie);
	bool ret = pp->kind == CFG_PROBE_KRETPROBE || pp->kind == CFG_PROBE_URETPROBE;
	struct bpf_link *link;
	int pfd, err;

	if (pp->mech == PLAN_MECH_LEGACY) {
		if (!lg->legacy) {
			lg->legacy = legacy__new(k->tracefs, msg, msglen);
			if (!lg->legacy)
				return NULL;
		}
		pfd = is_kernel(pp) ? legacy__open_kprobe(lg->legacy, pp->func, pp->offset, ret,
							  msg, msglen) :
				      legacy__open_uprobe(lg->legacy, pp->path, pp->func,
							  pp->offset, ret, pp->pid, msg, msglen);
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
	link = bpf_program__attach_perf_event_opts(prog, pfd, &opts);
	if (!link) {
		err = -errno;
		close(pfd);
		snprintf(msg, msglen, "%s", strerror(-err));
		errno = -err;
	}
	return link;
}

/*
 * A rawtracepoint's link, as an fd. Without a cookie (one probe, no latency)
 * the way every kernel with BPF-typed (5.5) or raw (4.17) tracepoints takes;
 * with one, the attributes 6.10 added (commit 68ca5d4eebb8, "bpf: support BPF
 * cookie in raw tracepoint (raw_tp, tp_btf) programs"), which libbpf 1.1 does
 * not know: link_create's tracing.cookie for tp_btf, raw_tracepoint.cookie
 * after the prog_fd for raw_tp.
 */
static int attach_rawtp(struct bpf_program *prog, const struct plan_probe *pp)
{
	int fd = bpf_program__fd(prog);
	union bpf_attr attr;
	struct {
		__u64 name;
		__u32 prog_fd;
		__u32 pad;
		__u64 cookie;
	} *raw = (void *)&attr;
	long ret;

	if (!pp->cookie) {
		ret = bpf_raw_tracepoint_open(pp->mech == PLAN_MECH_RAW_TP ? pp->event : NULL, fd);
		return ret < 0 ? -errno : (int)ret;
	}
	memset(&attr, 0, sizeof(attr));
	if (pp->mech == PLAN_MECH_TP_BTF) {
		attr.link_create.prog_fd = (__u32)fd;
		attr.link_create.attach_type = BPF_TRACE_RAW_TP;
		attr.link_create.tracing.cookie = pp->cookie;
		ret = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	} else {
		raw->name = (__u64)(unsigned long)pp->event;
		raw->prog_fd = (__u32)fd;
		raw->cookie = pp->cookie;
		ret = syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	}
	return ret < 0 ? -errno : (int)ret;
}

/*
 * BPF_LINK_CREATE of a multi-uprobe link (6.6, commit 89ae89f53d20, "bpf:
 * Add multi uprobe link"), whose attributes libbpf 1.1's headers lack: the
 * link_create head, then uprobe_multi at the union's place (offset 16).
 */
struct uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags; /* BPF_F_UPROBE_MULTI_RETURN */
	__u32 pid;
	__u32 pad;
};

#define UPROBE_MULTI_RETURN 1u

static int uprobe_multi_link(int prog_fd, const char *path, const __u64 *offsets,
			     const __u64 *cookies, size_t n, bool ret, int pid)
{
	struct uprobe_multi_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = (__u32)prog_fd;
	attr.attach_type = LOADER_TRACE_UPROBE_MULTI;
	attr.path = (__u64)(unsigned long)path;
	attr.offsets = (__u64)(unsigned long)offsets;
	attr.cookies = (__u64)(unsigned long)cookies;
	attr.cnt = (__u32)n;
	attr.multi_flags = ret ? UPROBE_MULTI_RETURN : 0;
	attr.pid = pid > 0 ? (__u32)pid : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}

/* A uprobe wildcard's functions (or a named uprobe of its metric): one link, one cookie each. */
static int attach_uprobe_multi(struct bpf_program *prog, const struct plan_probe *pp)
{
	size_t n = pp->nmembers ? pp->nmembers : 1;
	__u64 *offsets = calloc(n, sizeof(*offsets));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	int ret = -ENOMEM;

	if (offsets && cookies) {
		for (size_t m = 0; m < n; m++) {
			offsets[m] = pp->nmembers ? pp->members[m].offset : pp->offset;
			cookies[m] = pp->cookie | ((__u64)m << BPFPROM_COOKIE_MEMBER_SHIFT);
		}
		ret = uprobe_multi_link(bpf_program__fd(prog), pp->path, offsets, cookies, n,
					pp->kind == CFG_PROBE_URETPROBE, pp->pid);
	}
	free(offsets);
	free(cookies);
	return ret;
}

int loader__probe_uprobe_multi(const char *path, uint64_t offset, char *whybuf, size_t whylen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)LOADER_TRACE_UPROBE_MULTI);
	__u64 off = offset, cookie = 0;
	int prog, link, err;

	prog = nop_prog(BPF_PROG_TYPE_KPROBE, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(whybuf, whylen, "loading a multi-uprobe program: %s", strerror(-err));
		return err;
	}
	link = uprobe_multi_link(prog, path, &off, &cookie, 1, false, 0);
	if (link < 0) {
		snprintf(whybuf, whylen, "attaching a multi-uprobe link: %s", strerror(-link));
		close(prog);
		return link;
	}
	close(link);
	close(prog);
	return 0;
}

static struct bpf_link *attach(struct loader_group *lg, const struct plan_kernel *k,
			       struct bpf_program *prog, const struct plan_probe *pp, char *msg,
			       size_t msglen)
{
	struct bpf_link *link;

	switch (pp->mech) {
	case PLAN_MECH_TRACEPOINT: {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = pp->cookie);

		link = bpf_program__attach_tracepoint_opts(prog, pp->category, pp->event, &opts);
		break;
	}
	case PLAN_MECH_UPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = pp->cookie,
			    .retprobe = pp->kind == CFG_PROBE_URETPROBE);

		/* pid -1: every process that maps the binary */
		link = bpf_program__attach_uprobe_opts(prog, pp->pid, pp->path, pp->offset, &opts);
		break;
	}
	case PLAN_MECH_USDT: {
		/* libbpf takes the attach cookie for its spec id: ours rides in usdt_cookie */
		LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = pp->cookie);

		link = bpf_program__attach_usdt(prog, pp->pid, pp->path, pp->provider, pp->func,
						&opts);
		break;
	}
	case PLAN_MECH_FENTRY: {
		LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = pp->cookie);

		link = bpf_program__attach_trace_opts(prog, &opts);
		break;
	}
	default:
		return attach_perf(lg, k, prog, pp, msg, msglen);
	}
	if (!link)
		snprintf(msg, msglen, "%s%s", strerror(errno), why(-errno));
	return link;
}

/*
 * A wildcard's members: one link each with its cookie (index | member <<
 * BPFPROM_COOKIE_MEMBER_SHIFT), or one multi-kprobe link for them all (and
 * for a named kprobe of a metric whose wildcards take one).
 */
static int add_link(struct loader_group *lg, struct bpf_link *link)
{
	if (lg->nlinks == lg->caplinks) {
		size_t cap = lg->caplinks ? lg->caplinks * 2 : 16;
		struct bpf_link **grown = realloc(lg->links, cap * sizeof(*grown));

		if (!grown) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		lg->links = grown;
		lg->caplinks = cap;
	}
	lg->links[lg->nlinks++] = link;
	return 0;
}

static struct bpf_link *attach_multi(struct bpf_program *prog, const struct plan_probe *pp,
				     char *msg, size_t msglen)
{
	size_t n = pp->nmembers ? pp->nmembers : 1;
	const char **syms = calloc(n, sizeof(*syms));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	struct bpf_link *link = NULL;
	int err = -ENOMEM;

	if (syms && cookies) {
		LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = n,
			    .retprobe = pp->kind == CFG_PROBE_KRETPROBE);

		for (size_t m = 0; m < n; m++) {
			syms[m] = pp->nmembers ? pp->members[m].name : pp->func;
			cookies[m] = pp->cookie | ((__u64)m << BPFPROM_COOKIE_MEMBER_SHIFT);
		}
		link = bpf_program__attach_kprobe_multi_opts(prog, NULL, &opts);
		err = link ? 0 : -errno;
	}
	free(syms);
	free(cookies);
	if (!link) {
		snprintf(msg, msglen, "%s%s", strerror(-err), why(err));
		errno = -err;
	}
	return link;
}

/* Each member of a wildcard as a probe of its own, with the member's cookie. */
static int attach_members(struct loader_group *lg, const struct plan_kernel *k,
			  struct bpf_program *prog, const struct plan_probe *pp, char *msg,
			  size_t msglen, size_t *failed)
{
	for (size_t m = 0; m < pp->nmembers; m++) {
		struct plan_probe one = *pp;
		struct bpf_link *link;
		int err;

		one.nmembers = 0;
		one.members = NULL;
		one.cookie = pp->cookie | ((uint32_t)m << BPFPROM_COOKIE_MEMBER_SHIFT);
		one.category = pp->members[m].category;
		one.event = pp->members[m].name;
		one.func = pp->members[m].name;
		one.offset = pp->members[m].offset;
		link = attach(lg, k, prog, &one, msg, msglen);
		if (!link) {
			*failed = m;
			return errno ? -errno : -EINVAL;
		}
		err = add_link(lg, link);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Only the programs a group's probes need are loaded, for its size; fentry
 * ones have their own copies.
 */
static int set_autoload(struct copy *skel, const struct plan_metric *pm, size_t n)
{
	struct bpf_program *prog;
	int err = 0;

	bpf_object__for_each_program(prog, skel->obj)
	{
		err = bpf_program__set_autoload(prog, false);
		if (err)
			return err;
	}
	for (size_t p = 0; !err && p < pm->nprobes; p++) {
		if (pm->probes[p].mech != PLAN_MECH_FENTRY &&
		    pm->probes[p].mech != PLAN_MECH_TP_BTF)
			err = bpf_program__set_autoload(prog_for(skel, &pm->probes[p], n), true);
		/* a multi-kprobe (5.18) or multi-uprobe (6.6) link takes a program loaded for it */
		if (!err && pm->probes[p].mech == PLAN_MECH_KPROBE_MULTI)
			err = bpf_program__set_expected_attach_type(
				prog_for(skel, &pm->probes[p], n), BPF_TRACE_KPROBE_MULTI);
		if (!err && pm->probes[p].mech == PLAN_MECH_UPROBE_MULTI)
			err = bpf_program__set_expected_attach_type(
				prog_for(skel, &pm->probes[p], n),
				(enum bpf_attach_type)LOADER_TRACE_UPROBE_MULTI);
	}
	return err;
}

/* A map of one slot: "series", "starts", "drops" or "stacks", then the slot's number. */
static struct bpf_map *slot_map(const struct copy *skel, const char *base, uint32_t slot)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%u", base, slot);
	return bpf_object__find_map_by_name(skel->obj, name);
}

/*
 * A metric without labels has one series: a per-CPU array of one element,
 * whose lookup the verifier inlines (the program keys it by 0).
 */
static bool series_array(const struct plan_metric *pm)
{
	return pm->bcfg.nlabels + pm->bcfg.nlabels_end == 0;
}

/* series_map: shared: one value per series for all CPUs (a hash or an array, not per-CPU) */
static bool series_shared(const struct plan_metric *pm)
{
	return pm->bcfg.agg >= BPFPROM_AGG_SHARED;
}

/* The frames a metric's stack labels keep, the most of them; 0: no stack label. */
static uint32_t stack_frames(const struct plan_metric *pm)
{
	uint32_t frames = 0;

	for (uint32_t i = 0; i < pm->bcfg.nlabels + pm->bcfg.nlabels_end && i < BPFPROM_MAX_LABELS;
	     i++) {
		const struct bpfprom_src_cfg *s = &pm->bcfg.labels[i].src;

		if ((s->kind == BPFPROM_SRC_KSTACK || s->kind == BPFPROM_SRC_USTACK) &&
		    s->size > frames)
			frames = s->size;
	}
	return frames;
}

/*
 * kstack and ustack labels: a stack map of max_series stacks of the most
 * frames a label keeps (8 bytes each). A stack map is preallocated (the
 * kernel has no BPF_F_NO_PREALLOC for it): max_series * (16 + 8 * frames)
 * bytes, plus a pointer per bucket (max_series rounded up to a power of two).
 * A metric without stacks does not create it: its code is dead there.
 */
static int size_stacks(struct copy *skel, uint32_t slot, const struct plan_metric *pm)
{
	struct bpf_map *stacks = slot_map(skel, "stacks", slot);
	uint32_t frames = stack_frames(pm);
	int err;

	if (!frames)
		return bpf_map__set_autocreate(stacks, false);
	err = bpf_map__set_value_size(stacks, frames * 8);
	if (!err)
		err = bpf_map__set_max_entries(stacks, pm->max_series);
	return err;
}

static int size_maps(struct copy *skel, uint32_t slot, const struct plan_metric *pm)
{
	struct bpf_map *series = slot_map(skel, "series", slot);
	struct bpf_map *starts = slot_map(skel, "starts", slot);
	bool array = series_array(pm);
	int err;

	if (series_shared(pm))
		err = bpf_map__set_type(series, array ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH);
	else
		err = array ? bpf_map__set_type(series, BPF_MAP_TYPE_PERCPU_ARRAY) : 0;
	if (!err)
		err = bpf_map__set_key_size(series, array ? 4 : pm->bcfg.key_size);
	if (!err)
		err = bpf_map__set_value_size(series, pm->bcfg.value_words * 8);
	if (!err)
		err = bpf_map__set_max_entries(series, array ? 1 : pm->max_series);
	/*
	 * A hash allocates a series on its first event instead of max_series
	 * of them for every possible CPU at load: memory follows the series
	 * that exist. Any program type may use such a map since 6.1 (commit
	 * 96da3f7d489d, bpf_mem_alloc); an array has no such flag.
	 */
	if (!err && !array)
		err = bpf_map__set_map_flags(series, BPF_F_NO_PREALLOC);
	/* only latency metrics have starts; the code using them is dead in the others */
	if (!err && !pm->bcfg.latency)
		err = bpf_map__set_autocreate(starts, false);
	/* a start holds its timestamp and the labels taken at the start probe,
	 * then a value read there for the end (BPFPROM_PAIR_VALUE_START) */
	if (!err && pm->bcfg.latency)
		err = bpf_map__set_value_size(
			starts, 8 + pm->bcfg.key_size +
					(pm->bcfg.pair_value == BPFPROM_PAIR_VALUE_START ? 8 : 0));
	/* a start is keyed by its thread (8 bytes) or by the match sources */
	if (!err && pm->bcfg.latency && pm->bcfg.nmatch)
		err = bpf_map__set_key_size(starts, 8 * pm->bcfg.nmatch);
	if (!err && pm->bcfg.latency && pm->starts_max)
		err = bpf_map__set_max_entries(starts, pm->starts_max);
	/* starts_max in flight is the worst case; most metrics hold a few */
	if (!err && pm->bcfg.latency)
		err = bpf_map__set_map_flags(starts, BPF_F_NO_PREALLOC);
	if (!err)
		err = size_stacks(skel, slot, pm);
	return err;
}

/* The maps of the slots past the group's metrics are not created: no loaded program uses them. */
static int drop_slot(struct copy *skel, uint32_t slot)
{
	static const char *const bases[] = { "series", "starts", "drops", "stacks" };
	int err = 0;

	for (size_t b = 0; !err && b < sizeof(bases) / sizeof(bases[0]); b++)
		err = bpf_map__set_autocreate(slot_map(skel, bases[b], slot), false);
	return err;
}

/*
 * Does a metric of g use the scratch map: a latency, a key too large for the
 * stack, a string filter or an expression that is not direct (handle_one,
 * filter_ok, eval)?
 * Without one its code is dead, and the map, one value of 768 bytes per
 * possible CPU, is not created: 195 KiB per program at 255 CPUs.
 */
static bool needs_scratch(const struct plan *plan, const struct plan_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct bpfprom_metric_cfg *c = &plan->metrics[g->metrics[i]].bcfg;

		if (c->latency || c->key_size > 128)
			return true;
		/* the operands of an expression that is not direct (eval) */
		for (uint32_t k = 0; k < c->nexprs && k < BPFPROM_MAX_EXPRS; k++) {
			if (!c->exprs[k].direct)
				return true;
		}
		for (uint32_t f = 0; f < c->nfilters && f < BPFPROM_MAX_FILTERS; f++) {
			/* every string filter compares in the scratch buffer */
			if (bpfprom_src_is_str(c->filters[f].src.kind))
				return true;
		}
	}
	return false;
}

/*
 * libbpf's USDT maps (usdt.bpf.h): an argument spec per site of the group's
 * USDT probes, and per site its address where the kernel has no attach
 * cookies (before 5.15). A group without USDT probes does not create them:
 * at libbpf's default sizes (256 specs, 1024 addresses) they would take
 * some 150 KiB per program.
 */
/*
 * The .kconfig map (usdt.bpf.h's LINUX_HAS_BPF_COOKIE) left out: libbpf 1.1's
 * bpf_object__load_skeleton mmaps every map the skeleton mmaps, created or
 * not, and fails on the one that was not (EBADF); without its mmaped slot it
 * skips it. Nothing reads skel->kconfig.
 */
static int drop_kconfig(struct copy *skel)
{
	struct bpf_object_skeleton *s = skel->one    ? skel->one->skeleton :
					skel->shared ? skel->shared->skeleton :
						       skel->full->skeleton;
	struct bpf_map *m = skel->one	 ? skel->one->maps.kconfig :
			    skel->shared ? skel->shared->maps.kconfig :
					   skel->full->maps.kconfig;

	for (int i = 0; i < s->map_cnt; i++) {
		if (*s->maps[i].map == m)
			s->maps[i].mmaped = NULL;
	}
	return bpf_map__set_autocreate(m, false);
}

static int size_usdt_maps(struct copy *skel, const struct plan_metric *pm)
{
	struct bpf_map *specs = bpf_object__find_map_by_name(skel->obj, "__bpf_usdt_specs");
	struct bpf_map *ips = bpf_object__find_map_by_name(skel->obj, "__bpf_usdt_ip_to_spec_id");
	uint32_t sites = 0;
	int err;

	for (size_t p = 0; p < pm->nprobes; p++)
		sites += pm->probes[p].mech == PLAN_MECH_USDT ? pm->probes[p].usdt_sites : 0;
	if (!sites) {
		err = bpf_map__set_autocreate(specs, false);
		if (!err)
			err = bpf_map__set_autocreate(ips, false);
		return err ? err : drop_kconfig(skel);
	}
	err = bpf_map__set_max_entries(specs, sites);
	return err ? err : bpf_map__set_max_entries(ips, sites);
}

/* A new copy of the object with the rodata and map sizes of g's metrics. */
static struct copy *open_group(const struct plan *plan, const struct plan_group *g)
{
	struct copy *skel = copy_open(g->n, series_shared(&plan->metrics[g->metrics[0]]));
	int err = 0;

	if (!skel)
		return NULL;
	for (uint32_t slot = 0; !err && slot < skel->nslots; slot++) {
		const struct plan_metric *pm;

		if (slot >= g->n) {
			err = drop_slot(skel, slot);
			continue;
		}
		pm = &plan->metrics[g->metrics[slot]];
		memcpy(&skel->cfg[slot], &pm->bcfg, sizeof(pm->bcfg));
		/* the expression's number in the program's code (xgen) */
		for (uint32_t k = 0; k < pm->bcfg.nexprs && k < BPFPROM_MAX_EXPRS; k++)
			skel->cfg[slot].exprs[k].xid = slot * BPFPROM_MAX_EXPRS + k;
		err = size_maps(skel, slot, pm);
	}
	if (!err)
		err = size_usdt_maps(skel, &plan->metrics[g->metrics[0]]);
	if (!err && !needs_scratch(plan, g))
		err = bpf_map__set_autocreate(bpf_object__find_map_by_name(skel->obj, "scratch"),
					      false);
	if (err) {
		copy_destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/*
 * An fentry or fexit program is verified against its one target function, so
 * each target gets its own copy of the object, sharing the group's maps.
 */
static struct copy *load_tramp(const struct plan *plan, const struct plan_group *g,
			       const struct loader_group *lg, const struct plan_probe *pp)
{
	static const char *const bases[] = { "series", "starts", "drops", "stacks" };
	struct copy *t, *owner = lg->skel;
	struct bpf_program *prog;
	int err = 0;

	t = open_group(plan, g);
	if (!t)
		return NULL;
	bpf_object__for_each_program(prog, t->obj)
	{
		if (!err)
			err = bpf_program__set_autoload(prog, false);
	}
	prog = prog_for(t, pp, g->n);
	if (!err)
		err = bpf_program__set_autoload(prog, true);
	if (!err)
		err = bpf_program__set_attach_target(prog, 0, pp->func ? pp->func : pp->event);
	for (uint32_t slot = 0; !err && slot < g->n; slot++) {
		for (size_t b = 0; !err && b < sizeof(bases) / sizeof(bases[0]); b++) {
			struct bpf_map *m = slot_map(t, bases[b], slot);

			/* a map the owner did not create (a starts without latency) */
			if (bpf_map__autocreate(m))
				err = bpf_map__reuse_fd(
					m, bpf_map__fd(slot_map(owner, bases[b], slot)));
		}
	}
	if (!err && bpf_map__autocreate(bpf_object__find_map_by_name(t->obj, "scratch")))
		err = bpf_map__reuse_fd(
			bpf_object__find_map_by_name(t->obj, "scratch"),
			bpf_map__fd(bpf_object__find_map_by_name(owner->obj, "scratch")));
	/* one slot_off for every copy: turning a slot off reaches them all */
	if (!err && t->full)
		err = bpf_map__reuse_fd(t->full->maps.bss, bpf_map__fd(owner->full->maps.bss));
	if (!err)
		err = copy_load(t);
	if (err) {
		copy_destroy(t);
		errno = -err;
		return NULL;
	}
	return t;
}

static void add_prog(struct loader_maps *maps, const struct bpf_program *prog)
{
	int fd = bpf_program__fd(prog);

	for (size_t i = 0; i < maps->nprogs; i++) {
		/* one program attached to several probes counts once */
		if (maps->prog_fds[i] == fd)
			return;
	}
	if (maps->nprogs < LOADER_MAX_PROGS)
		maps->prog_fds[maps->nprogs++] = fd;
}

/*
 * Who an error is about: the group's first metric, and the metrics sharing
 * its program, since any of them may be the cause.
 */
static void group_who(const struct plan *plan, const struct plan_group *g, char *buf, size_t len)
{
	const struct plan_metric *pm = &plan->metrics[g->metrics[0]];
	size_t off;

	off = (size_t)snprintf(buf, len, "metrics[%zu] (%s)", g->metrics[0], pm->cm->name);
	for (size_t i = 1; i < g->n && off < len; i++) {
		pm = &plan->metrics[g->metrics[i]];
		off += (size_t)snprintf(buf + off, len - off, "%s metrics[%zu] (%s)%s",
					i == 1 ? " (one program with" :
						 (i + 1 == g->n ? " and" : ","),
					g->metrics[i], pm->cm->name, i + 1 == g->n ? ")" : "");
	}
}

/* Every metric of g gets its slot's maps and the group's programs. */
static void fill_maps(struct loader *ld, const struct plan *plan, const struct plan_group *g,
		      const struct loader_maps *progs, const struct loader_group *lg)
{
	for (uint32_t slot = 0; slot < g->n; slot++) {
		const struct plan_metric *pm = &plan->metrics[g->metrics[slot]];
		struct loader_maps *maps = &ld->maps[g->metrics[slot]];

		*maps = *progs;
		maps->starts_fd =
			pm->bcfg.latency ? bpf_map__fd(slot_map(lg->skel, "starts", slot)) : -1;
		maps->series_fd = bpf_map__fd(slot_map(lg->skel, "series", slot));
		maps->drops_fd = bpf_map__fd(slot_map(lg->skel, "drops", slot));
		maps->stack_frames = stack_frames(pm);
		maps->stacks_fd =
			maps->stack_frames ? bpf_map__fd(slot_map(lg->skel, "stacks", slot)) : -1;
		maps->series_array = series_array(pm);
		maps->series_shared = series_shared(pm);
		maps->key_size = maps->series_array ? 4 : pm->bcfg.key_size;
		maps->value_size = pm->bcfg.value_words * 8;
		maps->max_entries = maps->series_array ? 1 : pm->max_series;
		maps->starts_max = pm->starts_max;
		maps->starts_by_thread = pm->bcfg.latency && !pm->bcfg.nmatch;
	}
}

static int load_group(const struct plan_kernel *k, const struct plan *plan,
		      const struct plan_group *g, struct loader_group *lg,
		      struct loader_maps *progs, bool do_attach, char *err, size_t errlen)
{
	/* the group's metrics have the same attachments: the first one's serve */
	const struct plan_metric *pm = &plan->metrics[g->metrics[0]];
	char msg[512], who[768];
	int ret;

	group_who(plan, g, who, sizeof(who));
	lg->skel = open_group(plan, g);
	if (!lg->skel) {
		ret = -errno;
		snprintf(err, errlen, "loader: %s: cannot open the BPF object: %s", who,
			 strerror(-ret));
		return ret;
	}
	ret = set_autoload(lg->skel, pm, g->n);
	if (ret) {
		snprintf(err, errlen, "loader: %s: cannot set up the programs: %s", who,
			 strerror(-ret));
		return ret;
	}
	ret = copy_load(lg->skel);
	if (ret) {
		snprintf(
			err, errlen,
			"loader: %s: the kernel refused the BPF program: %s%s (details with --log.level=debug%s)",
			who, strerror(-ret), why(ret),
			g->n > 1 ? "; --bpf.fuse=false loads each metric on its own" : "");
		return ret;
	}
	for (size_t p = 0; p < pm->nprobes; p++) {
		const struct plan_probe *pp = &pm->probes[p];
		struct copy *skel = lg->skel;
		struct bpf_program *prog;
		struct bpf_link *link;

		if (pp->mech == PLAN_MECH_FENTRY || pp->mech == PLAN_MECH_TP_BTF) {
			skel = load_tramp(plan, g, lg, pp);
			if (!skel) {
				ret = -errno;
				snprintf(
					err, errlen,
					"loader: %s: the kernel refused the %s program for %s: %s%s (details with --log.level=debug)",
					who,
					pp->mech == PLAN_MECH_TP_BTF	? "tp_btf" :
					pp->kind == CFG_PROBE_KRETPROBE ? "fexit" :
									  "fentry",
					pp->spec, strerror(-ret), why(ret));
				return ret;
			}
			lg->tramp[lg->ntramp++] = skel;
		}
		prog = prog_for(skel, pp, g->n);
		add_prog(progs, prog);
		/* loader__verify: loaded (and trampolines' too), nothing attached */
		if (!do_attach)
			continue;
		msg[0] = '\0';
		if (pp->mech == PLAN_MECH_UPROBE_MULTI) {
			ret = attach_uprobe_multi(prog, pp);
			if (ret < 0) {
				snprintf(err, errlen, "loader: %s: cannot attach %s with %s: %s%s",
					 who, pp->spec, plan__mech_name(pp->mech), strerror(-ret),
					 why(ret));
				return ret;
			}
			lg->rt_fds[lg->nrt_fds++] = ret;
			log_debug("loader: %s: %s attached with %s, one link for %zu function%s",
				  who, pp->spec, plan__mech_name(pp->mech),
				  pp->nmembers ? pp->nmembers : 1, pp->nmembers > 1 ? "s" : "");
			continue;
		}
		if (pp->kind == CFG_PROBE_RAWTP) {
			ret = attach_rawtp(prog, pp);
			if (ret < 0) {
				snprintf(err, errlen, "loader: %s: cannot attach %s with %s: %s%s",
					 who, pp->spec, plan__mech_name(pp->mech), strerror(-ret),
					 why(ret));
				return ret;
			}
			lg->rt_fds[lg->nrt_fds++] = ret;
			log_debug("loader: %s: %s attached with %s", who, pp->spec,
				  plan__mech_name(pp->mech));
			continue;
		}
		if (pp->mech == PLAN_MECH_PERF_EVENT) {
			ret = attach_sampling(lg, prog, pp, msg, sizeof(msg));
			if (ret) {
				snprintf(err, errlen, "loader: %s: cannot attach %s: %s", who,
					 pp->spec, msg);
				return ret;
			}
			log_debug("loader: %s: %s attached with a perf event per online CPU", who,
				  pp->spec);
			continue;
		}
		if (pp->nmembers && pp->mech != PLAN_MECH_KPROBE_MULTI) {
			size_t failed = 0;

			ret = attach_members(lg, k, prog, pp, msg, sizeof(msg), &failed);
			if (ret == -ENOMEM)
				return ret;
			if (ret) {
				snprintf(err, errlen,
					 "loader: %s: cannot attach %s (%s%s%s) with %s: %s", who,
					 pp->spec,
					 pp->members[failed].category ?
						 pp->members[failed].category :
						 "",
					 pp->members[failed].category ? ":" : "",
					 pp->members[failed].name, plan__mech_name(pp->mech), msg);
				return ret;
			}
			log_debug("loader: %s: %s attached with %s, %zu links", who, pp->spec,
				  plan__mech_name(pp->mech), pp->nmembers);
			continue;
		}
		link = pp->mech == PLAN_MECH_KPROBE_MULTI ?
			       attach_multi(prog, pp, msg, sizeof(msg)) :
			       attach(lg, k, prog, pp, msg, sizeof(msg));
		if (!link) {
			ret = errno ? -errno : -EINVAL;
			/* a kprobe or legacy uprobe says how it tried: --probe.mechanism
			 * can change that */
			bool how = is_kernel(pp) || pp->mech == PLAN_MECH_LEGACY;

			snprintf(err, errlen, "loader: %s: cannot attach %s%s%s%s: %s", who,
				 pp->spec, pp->implied ? " (its return)" : "", how ? " with " : "",
				 how ? plan__mech_name(pp->mech) : "", msg);
			return ret;
		}
		ret = add_link(lg, link);
		if (ret)
			return ret;
		log_debug("loader: %s: %s%s attached with %s", who, pp->spec,
			  pp->implied ? " (its return)" : "", plan__mech_name(pp->mech));
	}
	return 0;
}

/*
 * Would a and b load the same programs on the same probes into the same maps?
 * help, label names and decoders are render's business: they may change
 * without touching the kernel side. The rodata is compared whole: plan
 * zeroes it (padding included) before filling it.
 */
static bool same_kernel_side(const struct plan_metric *a, const struct plan_metric *b)
{
	return !strcmp(a->cm->name, b->cm->name) && !memcmp(&a->bcfg, &b->bcfg, sizeof(a->bcfg)) &&
	       a->max_series == b->max_series && a->starts_max == b->starts_max &&
	       plan__same_probes(a, b);
}

/* The unclaimed metric of prev that pm can take over, or -1. */
static long find_adoptable(const struct loader *prev, const bool *taken,
			   const struct plan_metric *pm)
{
	for (size_t j = 0; prev && j < prev->n; j++) {
		if (!taken[j] && same_kernel_side(&prev->plan->metrics[j], pm))
			return (long)j;
	}
	return -1;
}

/* prev's groups that keep a metric come over whole, with the maps of their metrics. */
static void plan_adopted(struct loader *ld, const struct loader *prev)
{
	for (size_t pg = 0; prev && pg < prev->ngroups; pg++) {
		bool kept = false;

		for (size_t i = 0; i < ld->n; i++) {
			long j = ld->adopted_from[i];

			if (j < 0 || prev->group[j] != pg)
				continue;
			ld->group[i] = ld->ngroups;
			ld->maps[i] = prev->maps[j];
			kept = true;
		}
		if (kept)
			ld->g_from[ld->ngroups++] = (long)pg;
	}
}

/* The metrics loaded anew: plan's groups without the metrics taken over. */
static int load_new(struct loader *ld, const struct plan_kernel *k, bool do_attach, char *err,
		    size_t errlen)
{
	const struct plan *plan = ld->plan;

	for (size_t pg = 0; pg < plan->ngroups; pg++) {
		struct loader_maps progs = { 0 };
		struct plan_group sub = { 0 };
		struct loader_group *lg;
		size_t gi;
		int ret;

		for (size_t s = 0; s < plan->groups[pg].n; s++) {
			size_t i = plan->groups[pg].metrics[s];

			if (ld->adopted_from[i] < 0)
				sub.metrics[sub.n++] = i;
		}
		if (!sub.n)
			continue;
		lg = calloc(1, sizeof(*lg));
		if (!lg)
			return -ENOMEM;
		gi = ld->ngroups++;
		ld->g[gi] = lg;
		ld->g_from[gi] = -1;
		ret = load_group(k, plan, &sub, lg, &progs, do_attach, err, errlen);
		if (ret)
			return ret;
		lg->nslots = sub.n;
		for (size_t s = 0; s < sub.n; s++) {
			lg->metric[s] = (long)sub.metrics[s];
			ld->group[sub.metrics[s]] = gi;
		}
		fill_maps(ld, plan, &sub, &progs, lg);
	}
	return 0;
}

static int load_all(const struct plan *plan, const struct plan_kernel *k, struct loader *prev,
		    bool do_attach, struct loader **out, char *err, size_t errlen)
{
	size_t n = plan->nmetrics ? plan->nmetrics : 1;
	size_t ng = n + (prev ? prev->ngroups : 0);
	bool *taken = NULL;
	struct loader *ld;
	int ret = 0;

	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->plan = plan;
	ld->n = plan->nmetrics;
	ld->maps = calloc(n, sizeof(*ld->maps));
	ld->adopted_from = calloc(n, sizeof(*ld->adopted_from));
	ld->group = calloc(n, sizeof(*ld->group));
	ld->g = calloc(ng, sizeof(*ld->g));
	ld->g_from = calloc(ng, sizeof(*ld->g_from));
	taken = calloc(prev && prev->n ? prev->n : 1, sizeof(*taken));
	if (!ld->maps || !ld->adopted_from || !ld->group || !ld->g || !ld->g_from || !taken) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < plan->nmetrics; i++) {
		ld->adopted_from[i] = find_adoptable(prev, taken, &plan->metrics[i]);
		if (ld->adopted_from[i] >= 0)
			taken[ld->adopted_from[i]] = true;
	}
	plan_adopted(ld, prev);
	/* until every new program loads and attaches, prev is untouched */
	ret = load_new(ld, k, do_attach, err, errlen);
	if (ret)
		goto fail;
	free(taken);
	*out = ld;
	return 0;
fail:
	free(taken);
	loader__free(ld);
	return ret;
}

int loader__load(const struct plan *plan, const struct plan_kernel *k, struct loader *prev,
		 struct loader **out, char *err, size_t errlen)
{
	return load_all(plan, k, prev, true, out, err, errlen);
}

int loader__verify(const struct plan *plan, const struct plan_kernel *k, char *err, size_t errlen)
{
	struct loader *ld = NULL;
	int ret = load_all(plan, k, NULL, false, &ld, err, errlen);

	loader__free(ld);
	return ret;
}

void loader__take_over(struct loader *ld, struct loader *prev)
{
	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		struct loader_group *lg;

		if (ld->g_from[gi] < 0 || ld->g[gi])
			continue;
		lg = prev->g[ld->g_from[gi]];
		prev->g[ld->g_from[gi]] = NULL;
		for (size_t s = 0; s < lg->nslots; s++) {
			long j = lg->metric[s];

			if (j < 0)
				continue;
			lg->metric[s] = -1;
			for (size_t i = 0; i < ld->n; i++) {
				if (ld->adopted_from[i] == j)
					lg->metric[s] = (long)i;
			}
			/* its metric went or changed: the program skips the slot from
			 * the next event on (the .bss is mapped into this process) */
			if (lg->metric[s] < 0)
				lg->skel->full->bss->slot_off[s] = 1;
		}
		ld->g[gi] = lg;
	}
}

long loader__adopted_from(const struct loader *ld, size_t i)
{
	return ld->adopted_from[i];
}

void loader__free(struct loader *ld)
{
	if (!ld)
		return;
	for (size_t i = ld->ngroups; ld->g && i > 0; i--)
		group_free(ld->g[i - 1]);
	free(ld->g);
	free(ld->g_from);
	free(ld->group);
	free(ld->adopted_from);
	free(ld->maps);
	free(ld);
}

const struct loader_maps *loader__maps(const struct loader *ld, size_t i)
{
	return &ld->maps[i];
}

size_t loader__nprograms(const struct loader *ld)
{
	return ld->ngroups;
}

size_t loader__program_of(const struct loader *ld, size_t i)
{
	return ld->group[i];
}

/* The kernel's map_id and memlock of a map fd, from /proc/self/fdinfo. */
static int map_fdinfo(int fd, uint32_t *id, uint64_t *memlock)
{
	char path[64], line[128];
	unsigned long long v;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (found != 3 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*memlock = v;
			found |= 1;
		} else if (sscanf(line, "map_id: %llu", &v) == 1) {
			*id = (uint32_t)v;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -ENOENT;
}

/* The slot whose map m is (series3: 3), or -1 for a map of the whole copy. */
static long slot_of(const struct bpf_map *m)
{
	static const char *const bases[] = { "series", "starts", "drops", "stacks" };
	const char *name = bpf_map__name(m);

	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		size_t n = strlen(bases[b]);

		if (!strncmp(name, bases[b], n) && name[n] >= '0' && name[n] <= '9')
			return strtol(name + n, NULL, 10);
	}
	return -1;
}

/*
 * Adds what the kernel charges for the maps of c that belong to slot, or,
 * with shared, to no live slot (scratch, rodata, bss, a dropped metric's);
 * ids already counted (fentry copies reuse the owner's maps) count once.
 */
static uint64_t copy_memory(const struct copy *c, const struct loader_group *lg, long slot,
			    bool shared, uint32_t *ids, size_t *nids, size_t maxids)
{
	const struct bpf_map *m;
	uint64_t sum = 0, memlock = 0;
	uint32_t id = 0;

	bpf_object__for_each_map(m, c->obj)
	{
		long s = slot_of(m);
		bool mine = s == slot ||
			    (shared && (s < 0 || (size_t)s >= lg->nslots || lg->metric[s] < 0));
		size_t k;

		if (!mine || bpf_map__fd(m) < 0 || map_fdinfo(bpf_map__fd(m), &id, &memlock))
			continue;
		for (k = 0; k < *nids && ids[k] != id; k++)
			;
		if (k < *nids)
			continue;
		if (*nids < maxids)
			ids[(*nids)++] = id;
		sum += memlock;
	}
	return sum;
}

uint64_t loader__map_memory(const struct loader *ld, size_t i)
{
	const struct loader_group *lg = ld->g[ld->group[i]];
	uint32_t ids[5 * BPFPROM_MAX_FUSED + PLAN_MAX_ATTACH];
	size_t nids = 0;
	long slot = -1, first = -1;
	uint64_t sum;

	if (!lg)
		return 0;
	for (size_t s = 0; s < lg->nslots; s++) {
		if (lg->metric[s] == (long)i)
			slot = (long)s;
		if (first < 0 && lg->metric[s] >= 0)
			first = (long)s;
	}
	/* the group's first live metric carries what its metrics share */
	sum = copy_memory(lg->skel, lg, slot, slot == first, ids, &nids,
			  sizeof(ids) / sizeof(ids[0]));
	for (size_t t = 0; t < lg->ntramp; t++)
		sum += copy_memory(lg->tramp[t], lg, slot, slot == first, ids, &nids,
				   sizeof(ids) / sizeof(ids[0]));
	return sum;
}
