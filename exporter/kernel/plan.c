// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <linux/perf_event.h>
#if defined(__x86_64__)
#include <sys/user.h> /* struct user_regs_struct: pt_regs' registers */
#elif defined(__aarch64__)
#include <asm/ptrace.h> /* struct user_pt_regs: the start of pt_regs */
#endif

#include "kernel/btfpath.h"
#include "kernel/elfsym.h"
#include "kernel/kbtf.h"
#include "kernel/usdtnote.h"
#include "kernel/ksyms.h"
#include "kernel/list.h"
#include "kernel/plan.h"
#include "config/perfevents.h"
#include "kernel/tracefs.h"
#include "kernel/wild.h"
#include "kernel/xgen.h"
#include "util/log.h"

struct ctx {
	const struct cfg *cfg;
	const struct cfg_metric *cm;
	size_t idx;
	const char *root;
	const struct plan_kernel *k;
	struct ksyms *syms; /* loaded at the first kprobe */
	struct kbtf *kbtf; /* module BTF read for this plan (probe_btf) */
	char *err;
	size_t errlen;
	bool bytes_ok; /* a label: a u8 array field may be read as its bytes */
	struct bpfprom_metric_cfg *bcfg; /* the metric's rodata: its expressions' table */
	/* the metric's probes, by config index: a wildcard tracepoint's other
	 * events' formats (its first is in fmts[p]), and the probes that
	 * missing: skip left out */
	struct plan_probe *pps[BPFPROM_MAX_PROBES];
	struct tp_format *mfmts[BPFPROM_MAX_PROBES];
	bool skipped[BPFPROM_MAX_PROBES];
	/* the start probes a source is not read at: the others', while a start
	 * probe's own match or filter is resolved (left_out) */
	uint8_t away;
	/* the argument kernel_arg_place placed last is an integer in every
	 * function's BTF; the operands of the metric's expressions that are
	 * (bit BPFPROM_MAX_XSRC * expression + operand), for plan_direct */
	bool arg_number;
	uint32_t xnumbers;
	/* the metric's USDT probes (until included) and their arguments */
	size_t nusdt;
	struct {
		const struct cfg_probe *pr;
		uint32_t nargs;
		struct usdtnote_arg args[USDTNOTE_MAX_ARGS];
	} usdt[BPFPROM_MAX_PROBES + 1];
	/* a pair's end probes (until's, or the implied returns), their formats
	 * and the index each one's cookie carries: until. sources are read there */
	const struct cfg_probe *ends;
	size_t nends;
	bool ends_implied; /* ends are the implied returns of the start probes, index for index */
	const struct tp_format *end_fmts;
	uint32_t end_index[BPFPROM_MAX_PROBES];
	struct cfg_probe end_copies[BPFPROM_MAX_PROBES];
};

static const char *const mech_names[] = {
	[PLAN_MECH_AUTO] = "auto",
	[PLAN_MECH_TRACEPOINT] = "tracepoint",
	[PLAN_MECH_UPROBE] = "uprobe",
	[PLAN_MECH_FENTRY] = "fentry",
	[PLAN_MECH_KPROBE] = "kprobe",
	[PLAN_MECH_LEGACY] = "legacy",
	[PLAN_MECH_TP_BTF] = "tp_btf",
	[PLAN_MECH_RAW_TP] = "raw_tp",
	[PLAN_MECH_PERF_EVENT] = "perf_event",
	[PLAN_MECH_KPROBE_MULTI] = "kprobe_multi",
	[PLAN_MECH_UPROBE_MULTI] = "uprobe_multi",
	[PLAN_MECH_USDT] = "usdt",
};

const char *plan__mech_name(enum plan_mech m)
{
	return (size_t)m < sizeof(mech_names) / sizeof(mech_names[0]) ? mech_names[m] : "?";
}

int plan__mech_parse(const char *s, enum plan_mech *out)
{
	static const enum plan_mech forcible[] = { PLAN_MECH_AUTO,   PLAN_MECH_FENTRY,
						   PLAN_MECH_KPROBE, PLAN_MECH_LEGACY,
						   PLAN_MECH_TP_BTF, PLAN_MECH_RAW_TP };

	for (size_t i = 0; i < sizeof(forcible) / sizeof(forcible[0]); i++) {
		if (strcmp(s, mech_names[forcible[i]]) == 0) {
			*out = forcible[i];
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_kernel_probe(enum cfg_probe_kind kind)
{
	return kind == CFG_PROBE_KPROBE || kind == CFG_PROBE_KRETPROBE;
}

/* Module BTF, read as names are looked up, for this plan; NULL without memory. */
static struct kbtf *ctx_kbtf(struct ctx *c)
{
	/* BTF from a file (BPFPROM_VMLINUX_BTF): no module's splits over it */
	if (!c->kbtf)
		c->kbtf = kbtf__new(c->k->btf, c->k->btf_path ? NULL : KBTF_DIR);
	return c->kbtf;
}

/*
 * The BTF that types probe pr: that of the module defining its function or
 * event, else vmlinux's, whose lookups then say what is missing; NULL
 * without BTF.
 */
static const struct btf *probe_btf(struct ctx *c, const struct cfg_probe *pr)
{
	const struct btf *btf;
	char name[256];
	int kind;

	if (!c->k->btf)
		return NULL;
	if (pr->kind == CFG_PROBE_RAWTP) {
		snprintf(name, sizeof(name), "btf_trace_%s", pr->func);
		kind = BTF_KIND_TYPEDEF;
	} else if (is_kernel_probe(pr->kind) && pr->func) {
		snprintf(name, sizeof(name), "%s", pr->func);
		kind = BTF_KIND_FUNC;
	} else {
		return c->k->btf;
	}
	btf = kbtf__find(ctx_kbtf(c), name, kind, NULL);
	return btf ? btf : c->k->btf;
}

static bool needs_btf(const struct cfg_source *src)
{
	if (src->expr) {
		for (size_t k = 0; k < src->expr->e.nsrcs; k++)
			if (needs_btf(&src->expr->srcs[k]))
				return true;
		return false;
	}
	return src->path && !src->path->fetch;
}

bool plan__needs_btf(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		const struct cfg_metric *cm = &cfg->metrics[i];

		if (cm->has_value && needs_btf(&cm->value))
			return true;
		for (size_t j = 0; j < cm->nmatch; j++) {
			if (needs_btf(&cm->match[j]) || needs_btf(&cm->match_until[j]))
				return true;
			for (size_t p = 0; p < cm->nprobes; p++) {
				if (((cm->own_match >> p) & 1) && needs_btf(&cm->probe_match[p][j]))
					return true;
			}
		}
		for (size_t j = 0; j < cm->nlabels; j++) {
			if (needs_btf(&cm->labels[j].src))
				return true;
		}
		for (size_t j = 0; j < cm->nfilters; j++) {
			if (needs_btf(&cm->filters[j].src))
				return true;
		}
	}
	return false;
}

bool plan__needs_kprobes(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		const struct cfg_metric *cm = &cfg->metrics[i];

		for (size_t u = 0; u < cm->nuntil; u++) {
			if (is_kernel_probe(config__until(cm, u)->kind))
				return true;
		}
		for (size_t p = 0; p < cm->nprobes; p++) {
			if (is_kernel_probe(cm->probes[p].kind))
				return true;
		}
	}
	return false;
}

bool plan__needs_uprobe_multi(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		const struct cfg_metric *cm = &cfg->metrics[i];

		for (size_t p = 0; p < cm->nprobes; p++) {
			if (cm->probes[p].wild && (cm->probes[p].kind == CFG_PROBE_UPROBE ||
						   cm->probes[p].kind == CFG_PROBE_URETPROBE))
				return true;
		}
	}
	return false;
}

bool plan__needs_rawtp(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		const struct cfg_metric *cm = &cfg->metrics[i];

		for (size_t u = 0; u < cm->nuntil; u++) {
			if (config__until(cm, u)->kind == CFG_PROBE_RAWTP)
				return true;
		}
		for (size_t p = 0; p < cm->nprobes; p++) {
			if (cm->probes[p].kind == CFG_PROBE_RAWTP)
				return true;
		}
	}
	return false;
}

__attribute__((format(printf, 4, 5))) static int fail(struct ctx *c, struct cfg_pos pos,
						      const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "plan: %s:%d:%d: metrics[%zu] (%s): %s: %s", c->cfg->file,
		 pos.line, pos.col, c->idx, c->cm->name, key, msg);
	return -EINVAL;
}

static bool is_str(enum bpfprom_src kind)
{
	return kind == BPFPROM_SRC_COMM || kind == BPFPROM_SRC_STR_ARG ||
	       kind == BPFPROM_SRC_STR_FIELD || kind == BPFPROM_SRC_STR_PATH;
}

static int no_such_field(struct ctx *c, const struct tp_format *fmt, const struct cfg_source *src,
			 const char *key, const char *spec)
{
	char avail[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < fmt->nfields; i++) {
		if (strncmp(fmt->fields[i].name, "common_", 7) == 0)
			continue;
		len += snprintf(avail + len, len < sizeof(avail) ? sizeof(avail) - len : 0, "%s%s",
				len ? ", " : "", fmt->fields[i].name);
	}
	return fail(c, src->pos, key, "%s has no field \"%s\"; its fields are: %s", spec,
		    src->field, len ? avail : "(none)");
}

/* How str(args.FIELD) reads the field: in the record, or through a pointer. */
static int str_mode(const struct tp_field *f, const char *category, uint32_t *mode)
{
	if (f->is_data_loc)
		*mode = BPFPROM_STR_DATA_LOC;
	else if (f->is_array && strcmp(f->type, "char") == 0)
		*mode = BPFPROM_STR_ARRAY;
	else if (!f->is_array && f->size == 8 && strchr(f->type, '*'))
		/* syscall arguments point into the calling process */
		*mode = strcmp(category, "syscalls") == 0 ? BPFPROM_STR_USER_PTR :
							    BPFPROM_STR_KERNEL_PTR;
	else
		return -EINVAL;
	return 0;
}

/* Probe p of the metric is no place to read a source at: missing: skip left
 * it out, or the source is another start probe's own. */
static bool left_out(const struct ctx *c, const struct cfg_probe *probes, size_t p)
{
	/* an implied return is left out with its start */
	if (probes == c->end_copies && c->ends_implied)
		return c->skipped[p];
	return probes == c->cm->probes && (c->skipped[p] || ((c->away >> p) & 1));
}

/* args.NAME of rawtracepoints: the same argument position and type in each of n probes. */
static int resolve_rt_arg(struct ctx *c, const struct cfg_probe *probes, size_t n,
			  const struct cfg_source *src, const char *key,
			  struct bpfprom_src_cfg *out)
{
	bool want_str = src->kind == BPFPROM_SRC_STR_FIELD;
	size_t first = SIZE_MAX; /* the first probe resolved: left out ones set nothing */
	struct rawtp_event ev;

	for (size_t p = 0; p < n; p++) {
		const char *spec = probes[p].spec;
		const struct rawtp_arg *a;
		char avail[256] = "";
		size_t len = 0;

		if (left_out(c, probes, p))
			continue;

		/* plan_probe found the event in BTF before any source is resolved */
		const struct btf *btf = probe_btf(c, &probes[p]);

		if (!btf || rawtp__event(btf, probes[p].func, &ev))
			return -ENOENT;
		a = rawtp__arg(&ev, src->field);
		if (!a && ev.nargs && !*ev.args[0].name)
			return fail(
				c, src->pos, key,
				"%s: its %zu arguments have no names in this kernel's BTF (no __probestub_%s, no __bpf_trace_%s, no one class with its argument types)",
				spec, ev.nargs, probes[p].func, probes[p].func);
		if (!a) {
			for (size_t i = 0; i < ev.nargs; i++)
				len += snprintf(avail + len,
						len < sizeof(avail) ? sizeof(avail) - len : 0,
						"%s%s", len ? ", " : "", ev.args[i].name);
			return fail(c, src->pos, key,
				    "%s has no argument \"%s\"; its arguments are: %s", spec,
				    src->field, len ? avail : "(none)");
		}
		if (want_str && !a->is_ptr)
			return fail(c, src->pos, key,
				    "str(args.%s): the argument of %s is not a pointer to a string",
				    src->field, spec);
		if (!a->is_int)
			return fail(c, src->pos, key,
				    "args.%s of %s is passed by value and is not an integer",
				    src->field, spec);
		if (first != SIZE_MAX &&
		    (a->index != out->argn ||
		     (!want_str && (a->size != out->size || a->is_signed != !!out->is_signed))))
			return fail(
				c, src->pos, key,
				"args.%s differs between %s and %s (position, size or signedness); one metric needs one layout",
				src->field, probes[first].spec, spec);
		if (first == SIZE_MAX)
			first = p;
		out->argn = a->index;
		if (want_str) {
			out->str_mode = BPFPROM_STR_KERNEL_PTR;
			continue;
		}
		out->size = a->size;
		out->is_signed = a->is_signed;
	}
	return 0;
}

/* u8 NAME[N]: an address (sock:inet_sock_set_state's saddr[4], daddr_v6[16]), a MAC, ... */
static bool is_byte_array(const struct tp_field *f)
{
	return f->is_array && !f->is_data_loc && f->size > 0 && f->size <= BPFPROM_MAX_STR &&
	       (!strcmp(f->type, "__u8") || !strcmp(f->type, "u8") ||
		!strcmp(f->type, "unsigned char") || !strcmp(f->type, "uint8_t"));
}

/*
 * A wildcard tracepoint's field must sit at the same place with the same type
 * in every event it matched: one offset per probe reaches them all.
 */
static int same_in_members(struct ctx *c, size_t p, const struct tp_field *f,
			   const struct cfg_source *src, const char *key)
{
	const struct plan_probe *pp = c->pps[p];

	for (size_t m = 1; pp && c->mfmts[p] && m < pp->nmembers; m++) {
		const struct tp_field *g = tracefs__field(&c->mfmts[p][m - 1], src->field);

		if (!g)
			return fail(
				c, src->pos, key,
				"%s: %s:%s has no field \"%s\" (%s:%s has); a wildcard's fields are those all its events have",
				pp->spec, pp->members[m].category, pp->members[m].name, src->field,
				pp->members[0].category, pp->members[0].name);
		if (g->offset != f->offset || g->size != f->size || g->is_signed != f->is_signed ||
		    g->is_array != f->is_array || g->is_data_loc != f->is_data_loc ||
		    strcmp(g->type, f->type))
			return fail(
				c, src->pos, key,
				"%s: args.%s differs between %s:%s and %s:%s (offset, size or type); a wildcard's fields must have one layout in all its events",
				pp->spec, src->field, pp->members[0].category, pp->members[0].name,
				pp->members[m].category, pp->members[m].name);
	}
	return 0;
}

/* A tracepoint field, with the same layout in each of n probes (fmts[p] is probes[p]'s). */
static int resolve_field(struct ctx *c, const struct tp_format *fmts,
			 const struct cfg_probe *probes, size_t n, const struct cfg_source *src,
			 const char *key, struct bpfprom_src_cfg *out)
{
	bool want_str = src->kind == BPFPROM_SRC_STR_FIELD;
	/* the first probe resolved: a skipped one (missing: skip) sets nothing */
	size_t first = SIZE_MAX;

	if (n && probes[0].kind == CFG_PROBE_RAWTP)
		return resolve_rt_arg(c, probes, n, src, key, out);
	for (size_t p = 0; p < n; p++) {
		const struct tp_field *f = tracefs__field(&fmts[p], src->field);
		const char *spec = probes[p].spec;
		uint32_t mode = 0;
		int err;

		if (left_out(c, probes, p))
			continue;
		if (first == SIZE_MAX)
			first = p;
		if (!f && probes == c->cm->probes && c->pps[p] && c->pps[p]->nmembers) {
			char first[256];

			/* a wildcard: name the event whose fields are listed */
			snprintf(first, sizeof(first), "%s: %s:%s (the first event it matches)",
				 spec, c->pps[p]->members[0].category, c->pps[p]->members[0].name);
			return no_such_field(c, &fmts[p], src, key, first);
		}
		if (!f)
			return no_such_field(c, &fmts[p], src, key, spec);
		err = probes == c->cm->probes ? same_in_members(c, p, f, src, key) : 0;
		if (err)
			return err;
		if (want_str) {
			if (str_mode(f, probes[p].target, &mode))
				return fail(
					c, src->pos, key,
					"str(args.%s): the field of %s is \"%s\", not a string (a char array, __data_loc or char pointer)",
					src->field, spec, f->type);
			if (p > first && (mode != out->str_mode || f->size != out->field_size))
				return fail(
					c, src->pos, key,
					"args.%s differs between %s and %s; one metric needs one layout",
					src->field, probes[first].spec, spec);
			out->str_mode = mode;
			out->field_size = f->size;
			out->off[p] = f->offset;
			continue;
		}
		if (c->bytes_ok && is_byte_array(f)) {
			if (p > first && f->size != out->field_size)
				return fail(
					c, src->pos, key,
					"args.%s differs between %s and %s; one metric needs one layout",
					src->field, probes[first].spec, spec);
			/* copied into the key as it is: read like a string, kept whole */
			out->kind = BPFPROM_SRC_STR_FIELD;
			out->str_mode = BPFPROM_STR_BYTES;
			out->field_size = f->size;
			out->size = (f->size + 7) & ~7u;
			out->off[p] = f->offset;
			continue;
		}
		if (f->is_array || f->is_data_loc || f->size > 8 || (f->size & (f->size - 1)))
			return fail(
				c, src->pos, key,
				"args.%s of %s is \"%s\" (%u bytes), not an integer; use str(args.%s) for a string",
				src->field, spec, f->type, f->size, src->field);
		if (p > first && (f->size != out->size || f->is_signed != !!out->is_signed))
			return fail(
				c, src->pos, key,
				"args.%s differs between %s and %s (size or signedness); one metric needs one layout",
				src->field, probes[first].spec, spec);
		out->size = f->size;
		out->is_signed = f->is_signed;
		out->off[p] = f->offset;
	}
	return 0;
}

/*
 * argN of USDT probes: the size and sign their notes give it, the same at
 * each of the n probes; a string's argument is a pointer.
 */
static int usdt_arg(struct ctx *c, const struct cfg_probe *probes, size_t n, uint32_t argn,
		    const char *text, bool str, const struct cfg_pos pos, const char *key,
		    struct bpfprom_src_cfg *out)
{
	const struct usdtnote_arg *a, *first = NULL;
	size_t i, p;

	for (p = 0; p < n; p++) {
		if (left_out(c, probes, p))
			continue;
		for (i = 0; i < c->nusdt && c->usdt[i].pr != &probes[p]; i++)
			;
		if (i == c->nusdt)
			continue;
		if (argn >= c->usdt[i].nargs) {
			if (!c->usdt[i].nargs)
				return fail(c, pos, key, "%s: %s has no arguments", text,
					    probes[p].spec);
			return fail(c, pos, key, "%s: %s has %u argument%s (arg0..arg%u)", text,
				    probes[p].spec, c->usdt[i].nargs,
				    c->usdt[i].nargs == 1 ? "" : "s", c->usdt[i].nargs - 1);
		}
		a = &c->usdt[i].args[argn];
		if (str && a->size != 8)
			return fail(c, pos, key, "%s: arg%u of %s is %s, not a pointer to a string",
				    text, argn, probes[p].spec, usdtnote__arg_type(a));
		if (first && (a->size != first->size || a->is_signed != first->is_signed))
			return fail(c, pos, key,
				    "arg%u is %s at %s but %s at %s; one metric needs one layout",
				    argn, usdtnote__arg_type(first), probes[0].spec,
				    usdtnote__arg_type(a), probes[p].spec);
		first = first ? first : a;
		if (!str) {
			out->size = a->size;
			out->is_signed = a->is_signed;
		}
	}
	return 0;
}

/* "1st", "2nd", "3rd", "6th": a place counted from 0, as the register it is */
static const char *nth(uint32_t place, char *buf, size_t len)
{
	static const char *const sfx[] = { "st", "nd", "rd" };

	snprintf(buf, len, "%u%s", place + 1, place < 3 ? sfx[place] : "th");
	return buf;
}

/*
 * One function of a probe: its argument argn's place (btfpath__arg_place;
 * argn for a user-space function, or one without BTF), the same as that of
 * the functions before it (*first names the first).
 */
static int func_arg_place(struct ctx *c, const char *func, bool kernel, uint32_t argn,
			  const char *text, const struct cfg_pos pos, const char *key,
			  const char **first, uint32_t *place)
{
	uint32_t at = argn, id = 0;
	const struct btf *btf = kernel ? kbtf__func(ctx_kbtf(c), func, &id, NULL) : NULL;
	char msg[320], a[16], b[16];
	bool number = false;
	int err;

	err = btf ? btfpath__arg_place(btf, id, func, argn, &at, &number, msg, sizeof(msg)) :
		    -ENOENT;
	c->arg_number = c->arg_number && number;
	if (err == -EINVAL)
		return fail(c, pos, key, "%s: %s", text, msg);
	if (at > 5)
		return fail(
			c, pos, key,
			"%s: a struct passed by value before arg%u of %s takes two registers, which puts arg%u past the six that kprobes and trampolines read here",
			text, argn, func, argn);
	if (*first && at != *place)
		return fail(
			c, pos, key,
			"%s: arg%u is in the %s register of %s but the %s of %s (a struct passed by value before it takes two); one metric needs one layout",
			text, argn, nth(*place, a, sizeof(a)), *first, nth(at, b, sizeof(b)), func);
	if (!*first) {
		*first = func;
		*place = at;
	}
	return 0;
}

/*
 * argN of kernel functions is the Nth parameter of their BTF prototypes,
 * which a struct of 9 to 16 bytes passed by value before it moves one
 * register (and one trampoline slot) on; *place is where the program reads
 * it, the same at each of the n probes and each function of a wildcard (a
 * uprobe's too: its argN is register N). Without BTF for a function, argN
 * is register N. arg0 never moves, but may be a struct that no number
 * holds.
 */
static int kernel_arg_place(struct ctx *c, const struct cfg_probe *probes, size_t n, uint32_t argn,
			    const char *text, const struct cfg_pos pos, const char *key,
			    uint32_t *place)
{
	const char *first = NULL;
	int err;

	*place = argn;
	/* each function's func_arg_place says */
	c->arg_number = true;
	if (!c->k->btf)
		return 0;
	for (size_t p = 0; p < n; p++) {
		const struct plan_probe *pp = NULL;
		bool kernel = is_kernel_probe(probes[p].kind);

		if (left_out(c, probes, p))
			continue;
		/* a wildcard's functions, where plan_wild found them */
		if (probes == c->cm->probes || (probes == c->end_copies && c->ends_implied))
			pp = c->pps[p];
		if (pp && pp->nmembers) {
			for (size_t m = 0; m < pp->nmembers; m++) {
				err = func_arg_place(c, pp->members[m].name, kernel, argn, text,
						     pos, key, &first, place);
				if (err)
					return err;
			}
		} else if (!probes[p].wild || !kernel) {
			err = func_arg_place(
				c, kernel && probes[p].func ? probes[p].func : probes[p].spec,
				kernel, argn, text, pos, key, &first, place);
			if (err)
				return err;
		}
	}
	return 0;
}

/* A uprobe's pointer arguments point into the traced process, a kprobe's into the kernel. */
static int str_arg_mode(struct ctx *c, const struct cfg_source *src, const char *key,
			uint32_t *mode)
{
	const struct cfg_metric *cm = c->cm;
	const struct cfg_probe *kp = NULL, *up = NULL;

	for (size_t p = 0; p < cm->nprobes; p++) {
		if (left_out(c, cm->probes, p))
			continue;
		if (is_kernel_probe(cm->probes[p].kind))
			kp = &cm->probes[p];
		else
			up = &cm->probes[p];
	}
	if (kp && up)
		return fail(
			c, src->pos, key,
			"str(arg%u) reads kernel memory for %s but user memory for %s; put them in two metrics",
			src->argn, kp->spec, up->spec);
	*mode = kp ? BPFPROM_STR_KERNEL_PTR : BPFPROM_STR_USER_PTR;
	return 0;
}

/* A fetch arg: its offsets are the steps, BTF is not needed. */
static int resolve_fetch(struct ctx *c, const struct cfg_probe *probes, size_t n,
			 const struct cfg_source *src, const char *key, struct bpfprom_src_cfg *out)
{
	const struct cfg_path *path = src->path;
	bool str = src->kind == BPFPROM_SRC_STR_PATH, user = false;

	/* a uprobe's pointers point into its process */
	for (size_t p = 0; p < n; p++)
		user |= !left_out(c, probes, p) &&
			(probes[p].kind == CFG_PROBE_UPROBE ||
			 probes[p].kind == CFG_PROBE_URETPROBE || probes[p].kind == CFG_PROBE_USDT);
	if (path->nelems > BPFPROM_MAX_STEPS)
		return fail(c, src->pos, key,
			    "%s: %zu reads, more than the %d a fetch arg may have", src->text,
			    path->nelems, BPFPROM_MAX_STEPS);
	for (size_t i = 0; i < path->nelems; i++) {
		const struct cfg_path_elem *e = &path->elems[i];
		struct bpfprom_step *st = &out->steps[i];
		bool last = i + 1 == path->nelems;

		st->off = (int32_t)e->num;
		st->read = e->user || user ? BPFPROM_READ_USER : BPFPROM_READ_KERNEL;
		st->size = last ? (uint8_t)path->fetch_size : 8;
	}
	out->nsteps = (uint32_t)path->nelems;
	if (str)
		out->str_mode = path->fetch_user_str || user ? BPFPROM_STR_USER_PTR :
							       BPFPROM_STR_KERNEL_PTR;
	else
		out->size = path->fetch_size;
	out->is_signed = path->fetch_signed;
	return 0;
}

/* "struct sk_buff *", "const struct file *": the struct a tracepoint field points to */
static bool field_struct(const char *type, char *name, size_t len)
{
	size_t n;

	if (!strncmp(type, "const ", 6))
		type += 6;
	if (strncmp(type, "struct ", 7))
		return false;
	type += 7;
	n = strcspn(type, " *");
	if (!n || n >= len || strcmp(type + n, " *"))
		return false;
	memcpy(name, type, n);
	name[n] = '\0';
	return true;
}

/* The declared type of rawtracepoint pr's argument name: a path's base. */
static int rt_arg_type(const struct btf *btf, const struct cfg_probe *pr, const char *name,
		       uint32_t *id, char *msg, size_t len)
{
	const struct rawtp_arg *a;
	struct rawtp_event ev;

	if (rawtp__event(btf, pr->func, &ev) || !(a = rawtp__arg(&ev, name))) {
		snprintf(msg, len, "%s has no argument \"%s\"", pr->spec, name);
		return -ENOENT;
	}
	*id = a->type_id;
	return 0;
}

/*
 * A cast's type in *btf (the probe's), else in a module's BTF, which *btf
 * then becomes: a module's type may be cast to at any probe.
 */
static int cast_type(struct ctx *c, const struct btf **btf, const char *cast, uint32_t *id,
		     char *msg, size_t len)
{
	int kind = BTF_KIND_TYPEDEF, err;
	const char *name = cast;
	const struct btf *mod;

	err = btfpath__type_by_name(*btf, cast, id, msg, len);
	if (err != -ENOENT)
		return err;
	if (!strncmp(cast, "struct ", 7)) {
		kind = BTF_KIND_STRUCT;
		name += 7;
	} else if (!strncmp(cast, "union ", 6)) {
		kind = BTF_KIND_UNION;
		name += 6;
	}
	mod = kbtf__find(ctx_kbtf(c), name, kind, NULL);
	if (!mod)
		return err; /* msg: not in the kernel's BTF */
	*btf = mod;
	return btfpath__type_by_name(mod, cast, id, msg, len);
}

/*
 * The BTF type a path starts from at probe pr (fmt: its format, a
 * tracepoint's), and the BTF it is in (*btfp: a module's for a function or
 * event of a module, or a cast to a module's type).
 */
static int path_base_type(struct ctx *c, const struct cfg_probe *pr, const struct tp_format *fmt,
			  const struct cfg_path *path, const struct btf **btfp, uint32_t *id,
			  bool *ptr_to, char *msg, size_t len)
{
	const struct btf *btf = *btfp = probe_btf(c, pr);
	const struct tp_field *f;
	char name[CFG_PATH_NAME_MAX];

	*ptr_to = true;
	if (path->cast[0])
		return cast_type(c, btfp, path->cast, id, msg, len);
	switch (path->base) {
	case BPFPROM_SRC_TASK:
		return btfpath__type_by_name(btf, "struct task_struct", id, msg, len);
	case BPFPROM_SRC_ARG:
	case BPFPROM_SRC_RETVAL:
		*ptr_to = false;
		if (!is_kernel_probe(pr->kind)) {
			snprintf(
				msg, len,
				"%s has no BTF types (a user program); use a fetch arg, e.g. +0(arg0):u64",
				pr->spec);
			return -EINVAL;
		}
		return btfpath__func_type(btf, pr->func,
					  path->base == BPFPROM_SRC_ARG ? (int)path->argn : -1, id,
					  msg, len);
	case BPFPROM_SRC_FIELD:
		if (pr->kind != CFG_PROBE_RAWTP)
			break;
		/* a rawtracepoint's argument is typed as the event declares it */
		*ptr_to = false;
		return rt_arg_type(btf, pr, path->field, id, msg, len);
	default:
		break;
	}
	f = tracefs__field(fmt, path->field);
	if (f && field_struct(f->type, name, sizeof(name))) {
		char full[CFG_PATH_NAME_MAX + 8];

		snprintf(full, sizeof(full), "struct %s", name);
		return btfpath__type_by_name(btf, full, id, msg, len);
	}
	snprintf(
		msg, len,
		"args.%s of %s is \"%s\", not a struct pointer; cast it, e.g. ((struct sk_buff *)args.%s)->len",
		path->field, pr->spec, f ? f->type : "?", path->field);
	return -EINVAL;
}

/*
 * Whether the program may hold a path's base as a BTF-typed pointer at
 * probe pr: the current task (bpf_get_current_task_btf, where the kernel
 * has it), a rawtracepoint's argument and a kernel function's (loaded from
 * ctx when attached as tp_btf, fentry or fexit: the program checks, since a
 * raw tracepoint's and a kprobe's are numbers). A return value and a cast
 * are numbers.
 */
static bool btf_base(const struct ctx *c, const struct cfg_probe *pr, const struct cfg_path *path)
{
	if (path->cast[0])
		return false;
	return (path->base == BPFPROM_SRC_TASK && c->k->task_btf) ||
	       (path->base == BPFPROM_SRC_FIELD && pr->kind == CFG_PROBE_RAWTP) ||
	       (path->base == BPFPROM_SRC_ARG && is_kernel_probe(pr->kind));
}

/* A field path or fetch arg, resolved at each of the n probes: one chain for all. */
static int resolve_path(struct ctx *c, const struct tp_format *fmts, const struct cfg_probe *probes,
			size_t n, const struct cfg_source *src, uint32_t str_size, const char *key,
			struct bpfprom_src_cfg *out)
{
	const struct cfg_path *path = src->path;
	bool str = src->kind == BPFPROM_SRC_STR_PATH;
	struct btfpath_chain chain, first;
	const struct btf *btf;
	char msg[400];
	uint32_t id;
	bool ptr_to;
	int err;

	out->base = path->base;
	out->argn = path->argn;
	if (str)
		out->size = (str_size + 7) & ~7u;
	if (path->base == BPFPROM_SRC_FIELD) {
		struct cfg_source fs = { .kind = BPFPROM_SRC_FIELD, .pos = src->pos };
		struct bpfprom_src_cfg base = {};

		fs.field = (char *)path->field;
		err = resolve_field(c, fmts, probes, n, &fs, key, &base);
		if (err)
			return err;
		if (base.size != 8)
			return fail(
				c, src->pos, key,
				"%s: args.%s is %u bytes; a path starts from a pointer (8 bytes)",
				src->text, path->field, base.size);
		memcpy(out->off, base.off, sizeof(out->off));
		out->argn = base.argn; /* a rawtracepoint's: its place in ctx */
	}
	if (path->fetch)
		return resolve_fetch(c, probes, n, src, key, out);
	if (!c->k->btf)
		return fail(c, src->pos, key,
			    "%s: this kernel has no BTF (%s): use +OFF(...) fetch args", src->text,
			    c->k->btf_path ? c->k->btf_path : "/sys/kernel/btf/vmlinux");
	for (size_t p = 0, seen = 0; p < n; p++) {
		if (left_out(c, probes, p))
			continue;
		err = path_base_type(c, &probes[p], &fmts[p], path, &btf, &id, &ptr_to, msg,
				     sizeof(msg));
		if (!err)
			err = btfpath__resolve(btf, id, ptr_to, btf_base(c, &probes[p], path), path,
					       str, &chain, msg, sizeof(msg));
		if (err)
			return fail(c, src->pos, key, "%s: %s", src->text, msg);
		if (!seen++) {
			first = chain;
			continue;
		}
		/* one program reads it at every probe: a step is a BTF load
		 * only where it is one at each, and none after one that is not
		 * (what a helper read gives is a number); the layout must match */
		for (uint32_t i = 0, demote = 0; i < BPFPROM_MAX_STEPS; i++) {
			demote |= (chain.steps[i].read == BPFPROM_READ_BTF) !=
				  (first.steps[i].read == BPFPROM_READ_BTF);
			if (demote && chain.steps[i].read == BPFPROM_READ_BTF)
				chain.steps[i].read = BPFPROM_READ_KERNEL;
			if (demote && first.steps[i].read == BPFPROM_READ_BTF)
				first.steps[i].read = BPFPROM_READ_KERNEL;
		}
		if (memcmp(&first, &chain, sizeof(chain)))
			return fail(
				c, src->pos, key,
				"%s reads differently at %s and %s; one metric needs one layout",
				src->text, probes[0].spec, probes[p].spec);
	}
	out->nsteps = first.nsteps;
	memcpy(out->steps, first.steps, sizeof(out->steps));
	if (str) {
		out->str_mode = BPFPROM_STR_KERNEL_PTR;
		return 0;
	}
	out->size = first.size;
	out->is_signed = first.is_signed;
	return 0;
}

static int resolve_src_in(struct ctx *c, const struct tp_format *fmts,
			  const struct cfg_probe *probes, size_t n, const struct cfg_source *src,
			  uint32_t str_size, const char *key, struct bpfprom_src_cfg *out);

/*
 * An expression: its operands resolved as sources, then its program
 * compiled with their signs into the metric's table of expressions, which
 * the source (kind EXPR) indexes.
 */
static int resolve_end_src(struct ctx *c, const struct cfg_source *src, uint32_t str_size,
			   const char *key, struct bpfprom_src_cfg *out);

static int resolve_expr(struct ctx *c, const struct tp_format *fmts, const struct cfg_probe *probes,
			size_t n, const struct cfg_source *src, const char *key,
			struct bpfprom_src_cfg *out)
{
	struct bpfprom_metric_cfg *b = c->bcfg;
	bool sgn[BPFPROM_MAX_XSRC] = {}, is_signed;
	struct bpfprom_expr *x;
	char err[448];
	int ret;

	if (b->nexprs >= BPFPROM_MAX_EXPRS)
		return fail(
			c, src->pos, key,
			"\"%s\" is the metric's %uth expression; a metric has at most %d (its value, labels and filters together)",
			src->text, b->nexprs + 1, BPFPROM_MAX_EXPRS);
	x = &b->exprs[b->nexprs];
	memset(x, 0, sizeof(*x));
	for (size_t k = 0; k < src->expr->e.nsrcs; k++) {
		/* an expression of until. operands: each at the end probes,
		 * with their offsets at the indexes the end probes' cookies carry */
		if (src->expr->srcs[k].at_end)
			ret = resolve_end_src(c, &src->expr->srcs[k], 8, key, &x->src[k]);
		else
			ret = resolve_src_in(c, fmts, probes, n, &src->expr->srcs[k], 8, key,
					     &x->src[k]);
		if (ret)
			return ret;
		sgn[k] = x->src[k].is_signed;
		if (x->src[k].kind == BPFPROM_SRC_ARG && c->arg_number)
			c->xnumbers |= 1u << (b->nexprs * BPFPROM_MAX_XSRC + k);
	}
	if (expr__compile(&src->expr->e, sgn, x, &is_signed, err, sizeof(err)))
		return fail(c, src->pos, key, "\"%s\": %s", src->text, err);
	out->kind = BPFPROM_SRC_EXPR;
	out->argn = b->nexprs++;
	out->size = 8;
	out->is_signed = is_signed;
	return 0;
}

static int resolve_kind(struct ctx *c, const struct tp_format *fmts, const struct cfg_probe *probes,
			size_t n, const struct cfg_source *src, uint32_t str_size, const char *key,
			struct bpfprom_src_cfg *out);

/* Fields are looked up in the n probes given (the metric's, or its until). */
static int resolve_src_in(struct ctx *c, const struct tp_format *fmts,
			  const struct cfg_probe *probes, size_t n, const struct cfg_source *src,
			  uint32_t str_size, const char *key, struct bpfprom_src_cfg *out)
{
	bool arg = src->kind == BPFPROM_SRC_ARG || src->kind == BPFPROM_SRC_STR_ARG ||
		   (src->path && src->path->base == BPFPROM_SRC_ARG);
	uint32_t place = 0;
	int err;

	memset(out, 0, sizeof(*out));
	out->kind = src->kind;
	out->argn = src->argn;
	if (arg) {
		uint32_t argn = src->path ? src->path->argn : src->argn;
		char text[32];

		snprintf(text, sizeof(text),
			 src->kind == BPFPROM_SRC_STR_ARG ? "str(arg%u)" : "arg%u", argn);
		err = usdt_arg(c, probes, n, argn, src->path ? src->text : text,
			       src->kind == BPFPROM_SRC_STR_ARG, src->pos, key, out);
		if (!err)
			err = kernel_arg_place(c, probes, n, argn, src->path ? src->text : text,
					       src->pos, key, &place);
		if (err)
			return err;
		if (src->kind == BPFPROM_SRC_ARG && out->size)
			return 0;
	}
	err = resolve_kind(c, fmts, probes, n, src, str_size, key, out);
	/* the program reads a kernel function's argument at its place; a
	 * path's BTF type came from its prototype's argument argn */
	if (!err && arg)
		out->argn = place;
	return err;
}

/* resolve_src_in's sources by kind, past argN's place. */
static int resolve_kind(struct ctx *c, const struct tp_format *fmts, const struct cfg_probe *probes,
			size_t n, const struct cfg_source *src, uint32_t str_size, const char *key,
			struct bpfprom_src_cfg *out)
{
	switch (src->kind) {
	case BPFPROM_SRC_COMM:
		out->size = BPFPROM_COMM_LEN;
		return 0;
	case BPFPROM_SRC_FIELD:
		return resolve_field(c, fmts, probes, n, src, key, out);
	case BPFPROM_SRC_STR_FIELD:
		out->size = (str_size + 7) & ~7u;
		return resolve_field(c, fmts, probes, n, src, key, out);
	case BPFPROM_SRC_STR_ARG:
		out->size = (str_size + 7) & ~7u;
		return str_arg_mode(c, src, key, &out->str_mode);
	case BPFPROM_SRC_PATH:
	case BPFPROM_SRC_STR_PATH:
		return resolve_path(c, fmts, probes, n, src, str_size, key, out);
	case BPFPROM_SRC_UIP:
		/* the base of a chain of no reads: the program's follow reads it */
		out->kind = BPFPROM_SRC_PATH;
		out->base = BPFPROM_SRC_UIP;
		out->size = 8;
		return 0;
	case BPFPROM_SRC_EXPR:
		return resolve_expr(c, fmts, probes, n, src, key, out);
	case BPFPROM_SRC_RETVAL:
		/* a C int or long: negative values are errors, kept as such */
		out->size = 8;
		out->is_signed = 1;
		return 0;
	default:
		out->size = 8;
		return 0;
	}
}

/* str_size: the bytes a string source keeps (a label's size, or a filter's). */
static int resolve_src(struct ctx *c, const struct tp_format *fmts, const struct cfg_source *src,
		       uint32_t str_size, const char *key, struct bpfprom_src_cfg *out)
{
	return resolve_src_in(c, fmts, c->cm->probes, c->cm->nprobes, src, str_size, key, out);
}

/*
 * A source read at a pair's end: resolved at each end probe, each one's
 * offsets at the index its cookie carries.
 */
static int resolve_end_src(struct ctx *c, const struct cfg_source *src, uint32_t str_size,
			   const char *key, struct bpfprom_src_cfg *out)
{
	struct bpfprom_src_cfg tmp;
	int err;

	err = resolve_src_in(c, c->end_fmts, c->ends, c->nends, src, str_size, key, &tmp);
	if (err)
		return err;
	*out = tmp;
	memset(out->off, 0, sizeof(out->off));
	for (size_t j = 0; j < c->nends; j++)
		out->off[c->end_index[j] & BPFPROM_COOKIE_INDEX_MASK] = tmp.off[j];
	return 0;
}

/* A source of a label, filter or value: read at the start, or with until. at the end. */
static int resolve_src_at(struct ctx *c, const struct tp_format *fmts, const struct cfg_source *src,
			  uint32_t str_size, const char *key, struct bpfprom_src_cfg *out)
{
	if (src->at_end)
		return resolve_end_src(c, src, str_size, key, out);
	return resolve_src(c, fmts, src, str_size, key, out);
}

/* A source read at start probe i alone (its own match or filter): its offsets at i. */
static int resolve_src_one(struct ctx *c, const struct tp_format *fmts, size_t i,
			   const struct cfg_source *src, uint32_t str_size, const char *key,
			   struct bpfprom_src_cfg *out)
{
	int err;

	c->away = (uint8_t) ~(1u << i);
	err = resolve_src(c, fmts, src, str_size, key, out);
	c->away = 0;
	return err;
}

/* A source as written, for messages. */
static const char *src_text(const struct cfg_source *src, char *buf, size_t len)
{
	if (src->text)
		return src->text;
	if (src->kind == BPFPROM_SRC_FIELD)
		snprintf(buf, len, "args.%s", src->field);
	else if (src->kind == BPFPROM_SRC_ARG)
		snprintf(buf, len, "arg%u", src->argn);
	else
		snprintf(buf, len, "%s", config__src_name(src->kind));
	return buf;
}

/* Do a and b read alike, but for their field offsets? */
static bool same_shape(const struct bpfprom_src_cfg *a, const struct bpfprom_src_cfg *b)
{
	struct bpfprom_src_cfg x = *a, y = *b;

	memset(x.off, 0, sizeof(x.off));
	memset(y.off, 0, sizeof(y.off));
	return !memcmp(&x, &y, sizeof(x));
}

/*
 * match: the start side read at the metric's probes, the end side at until.
 * A start probe with match sources of its own reads them with its own
 * offsets in match where they read like the metric's (args.pid here,
 * args.prev_pid there), else in match_alt: two kinds at most.
 */
static int plan_match(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	struct bpfprom_metric_cfg *b = &pm->bcfg;
	const struct cfg_source *have[2] = { NULL, NULL }; /* what each set reads, first */
	char key[32], t[3][64];
	int err;

	for (size_t p = 0; p < cm->nprobes; p++) {
		bool own = (cm->own_match >> p) & 1;
		const struct cfg_source *src = own ? cm->probe_match[p] : cm->match;
		struct bpfprom_src_cfg one[BPFPROM_MAX_MATCH] = {};
		int set;

		if (c->skipped[p])
			continue;
		if (own)
			snprintf(key, sizeof(key), "probe[%zu].match", p);
		else
			snprintf(key, sizeof(key), "match");
		for (size_t i = 0; i < cm->nmatch; i++) {
			err = resolve_src_one(c, fmts, p, &src[i], 8, key, &one[i]);
			if (err)
				return err;
		}
		for (set = 0; set < 2; set++) {
			const struct bpfprom_src_cfg *to = set ? b->match_alt : b->match;
			bool same = true;

			for (size_t i = 0; i < cm->nmatch; i++)
				same = same && same_shape(&to[i], &one[i]);
			if (!have[set] || same)
				break;
		}
		if (set == 2)
			return fail(
				c, own ? src[0].pos : cm->match_pos, key,
				"%s at %s is a third kind of match source among the start probes, after %s and %s; at most two kinds fit in one metric (tracepoint fields of one type are one kind, each read at its own offset): read one of those here",
				src_text(&src[0], t[0], sizeof(t[0])), cm->probes[p].spec,
				src_text(have[0], t[1], sizeof(t[1])),
				src_text(have[1], t[2], sizeof(t[2])));
		/* the set's first probe gives its shape; each adds its offset */
		for (size_t i = 0; i < cm->nmatch; i++) {
			struct bpfprom_src_cfg *to = set ? &b->match_alt[i] : &b->match[i];

			if (!have[set])
				*to = one[i];
			to->off[p] = one[i].off[p];
		}
		if (!have[set])
			have[set] = src;
		if (set)
			b->match_alt_probes |= 1u << p;
	}
	for (size_t i = 0; i < cm->nmatch; i++) {
		err = resolve_end_src(c, &cm->match_until[i], 8, "match.until", &b->match_end[i]);
		if (err)
			return err;
	}
	b->nmatch = cm->nmatch;
	return 0;
}

static int plan_filters(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	char key[32];
	int err;

	struct bpfprom_filter_cfg all[BPFPROM_MAX_FILTERS] = {};
	bool gone[BPFPROM_MAX_FILTERS] = {}; /* the own filter of a skipped probe */
	size_t n = 0;

	for (size_t i = 0; i < cm->nfilters; i++) {
		const struct cfg_filter *f = &cm->filters[i];
		struct bpfprom_filter_cfg *bf = &all[i];
		/* a string operand reads one byte more than the literal and its NUL:
		 * a longer string then differs there instead of being cut to equal */
		uint32_t keep = f->is_str ? (uint32_t)strlen(f->sval) + 2 : 8;

		snprintf(key, sizeof(key), "filter[%zu]", i);
		if (f->probes) {
			size_t p = (size_t)__builtin_ctz(f->probes);

			snprintf(key, sizeof(key), "probe[%zu].filter[%u]", p, f->own_index);
			gone[i] = c->skipped[p];
			if (gone[i])
				continue;
			err = resolve_src_one(c, fmts, p, &f->src, keep, key, &bf->src);
			/* the one probe of a metric reads it as any filter */
			bf->probes = cm->nprobes > 1 ? f->probes : 0;
		} else {
			err = resolve_src_at(c, fmts, &f->src, keep, key, &bf->src);
		}
		if (err)
			return err;
		bf->op = f->op;
		if (f->is_str) {
			size_t n = strlen(f->sval);

			if (n + 2 > BPFPROM_MAX_STR && f->src.kind != BPFPROM_SRC_COMM)
				return fail(
					c, f->pos, key,
					"\"%s\" is %zu bytes; a string filter compares at most %d",
					f->sval, n, BPFPROM_MAX_STR - 2);
			if (n >= bf->src.size)
				return fail(c, f->pos, key,
					    "\"%s\" is longer than %s can be (%u bytes)", f->sval,
					    config__src_name(f->src.kind), bf->src.size - 1);
			memcpy(bf->str, f->sval, n);
			bf->str_words = bf->src.size / 8;
		} else {
			if (f->ival < 0 && !bf->src.is_signed)
				return fail(
					c, f->pos, key,
					"%s is unsigned; a negative literal would compare as a huge number",
					config__src_name(f->src.kind));
			bf->lit = (uint64_t)f->ival;
		}
	}
	/* the program reads the start's filters first, then the end's (until.) */
	for (int end = 0; end < 2; end++) {
		for (size_t i = 0; i < cm->nfilters; i++) {
			if (cm->filters[i].src.at_end == end && !gone[i])
				pm->bcfg.filters[n++] = all[i];
		}
		if (!end)
			pm->bcfg.nfilters = (uint32_t)n;
	}
	pm->bcfg.nfilters_end = (uint32_t)(n - pm->bcfg.nfilters);
	return 0;
}

/*
 * Decoders that need a kind of integer: inet an IPv4 address in 4 bytes (a
 * u32 as the kernel keeps it, or u8[4]) or an IPv6 one in u8[16]; a byte
 * array prints as inet or hex, nothing else.
 */
static int check_decode(struct ctx *c, const struct cfg_label *l, const struct bpfprom_src_cfg *s,
			const char *key)
{
	bool bytes = s->str_mode == BPFPROM_STR_BYTES && s->kind == BPFPROM_SRC_STR_FIELD;
	const char *dec = config__decode_name(l->decode);

	if (bytes && l->decode == CFG_DECODE_INET && s->field_size != 4 && s->field_size != 16)
		return fail(
			c, l->pos, key,
			"decode: inet needs 4 bytes (IPv4) or 16 (IPv6), but args.%s is %u bytes",
			l->src.field, s->field_size);
	if (bytes && l->decode != CFG_DECODE_NONE && l->decode != CFG_DECODE_INET &&
	    l->decode != CFG_DECODE_HEX)
		return fail(
			c, l->pos, key,
			"args.%s is a byte array (u8[%u]); decode: %s needs an integer: use decode: inet, hex, or none",
			l->src.field, s->field_size, dec);
	if (!bytes && l->decode == CFG_DECODE_INET && s->size != 4)
		return fail(
			c, l->pos, key,
			"decode: inet on an integer needs a 4-byte IPv4 address (a u32 in network byte order, as the kernel keeps it), but %s%s is %u bytes",
			l->src.kind == BPFPROM_SRC_FIELD ? "args." : "",
			l->src.kind == BPFPROM_SRC_FIELD ? l->src.field :
							   config__src_name(l->src.kind),
			s->size);
	return 0;
}

/*
 * decode: usym: an address means something only in its process, so a
 * second, unnamed label follows it in the key: the tgid of the event's
 * process (pid). The program needs nothing new, and a metric without usym
 * is what it was.
 */
static int plan_usym_pid(struct ctx *c, const struct cfg_label *l, struct bpfprom_label_cfg *all,
			 size_t *b, uint32_t *off, const char *key)
{
	struct bpfprom_label_cfg *bl;

	if (*b >= BPFPROM_MAX_LABELS)
		return -EINVAL;
	bl = &all[(*b)++];
	memset(bl, 0, sizeof(*bl));
	bl->src.kind = BPFPROM_SRC_PID;
	bl->src.size = 8;
	bl->key_off = *off;
	bl->key_size = 8;
	if (*off + bl->key_size > BPFPROM_MAX_KEY)
		return fail(
			c, l->pos, key,
			"the labels need more than %d bytes of map key; lower the size of string labels",
			BPFPROM_MAX_KEY);
	*off += bl->key_size;
	return 0;
}

static int plan_labels(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	uint32_t off = 0;
	char key[32];
	int err;

	size_t r = 0, b = 0, n = 0;
	/* the labels as config orders them (and each usym's pid after its
	 * address), then in the program's order below */
	struct bpfprom_label_cfg all[BPFPROM_MAX_LABELS] = {};
	bool at_end[BPFPROM_MAX_LABELS] = {};

	for (size_t i = 0; i < cm->nlabels; i++) {
		const struct cfg_label *l = &cm->labels[i];
		struct bpfprom_label_cfg *bl;
		size_t nr = l->decode == CFG_DECODE_K8S ? CFG_K8S_LABELS : 1;

		/* config leaves room for each usym's second place */
		if (b >= BPFPROM_MAX_LABELS)
			return -EINVAL;
		at_end[b] = l->src.at_end;
		bl = &all[b++];
		snprintf(key, sizeof(key), "labels[%zu]", i);
		c->bytes_ok = true;
		err = resolve_src_at(c, fmts, &l->src, l->size, key, &bl->src);
		c->bytes_ok = false;
		if (!err)
			err = check_decode(c, l, &bl->src, key);
		if (err)
			return err;
		/* a stack's frames size its map's values (the loader): rodata, so a
		 * reload with other frames loads anew */
		if (l->src.kind == BPFPROM_SRC_KSTACK || l->src.kind == BPFPROM_SRC_USTACK)
			bl->src.size = l->frames;
		bl->key_off = off;
		bl->key_size = is_str(bl->src.kind) ? bl->src.size : 8;
		if (off + bl->key_size > BPFPROM_MAX_KEY)
			return fail(
				c, l->pos, key,
				"the labels need more than %d bytes of map key; lower the size of string labels",
				BPFPROM_MAX_KEY);
		/* config allows one k8s label per metric: METRIC_MAX_LABELS holds it */
		for (size_t k = 0; k < nr && r < METRIC_MAX_LABELS; k++, r++) {
			struct metric_label *ml = &pm->desc.labels[r];

			ml->name = nr > 1 ? config__k8s_label_names[k] : l->name;
			ml->key_off = off;
			ml->key_size = bl->key_size;
			ml->is_str = is_str(bl->src.kind);
			/* an expression's errno is the number it computed, of
			 * either sign (the decoder reads a signed one >= 0 as
			 * a success, the return value it usually is) */
			ml->is_signed = bl->src.is_signed && !(l->src.kind == BPFPROM_SRC_EXPR &&
							       l->decode == CFG_DECODE_ERRNO);
			ml->nbytes = bl->src.str_mode == BPFPROM_STR_BYTES ? bl->src.field_size : 0;
			/* func: the cookie's name, from plan's table (plan_funcs) */
			ml->decode = l->src.kind == BPFPROM_SRC_FUNC ? CFG_DECODE_STATIC :
								       l->decode;
			ml->cfg_label = (uint8_t)i;
			ml->part = (uint8_t)k;
			ml->stack = l->src.kind == BPFPROM_SRC_KSTACK ? METRIC_STACK_KERNEL :
				    l->src.kind == BPFPROM_SRC_USTACK ? METRIC_STACK_USER :
									METRIC_STACK_NONE;
			ml->frames = ml->stack ? l->frames : 0;
			ml->usym = l->decode == CFG_DECODE_USYM;
		}
		off += bl->key_size;
		if (l->decode == CFG_DECODE_USYM) {
			/* the pid of the process at the end that reads the address */
			if (b < BPFPROM_MAX_LABELS)
				at_end[b] = l->src.at_end;
			err = plan_usym_pid(c, l, all, &b, &off, key);
			if (err)
				return err;
		}
	}
	/* the program writes the start's labels, then at the end the end's
	 * (until.); each at its own key_off, so their order is free */
	for (int end = 0; end < 2; end++) {
		for (size_t i = 0; i < b; i++) {
			if (at_end[i] == end)
				pm->bcfg.labels[n++] = all[i];
		}
		if (!end)
			pm->bcfg.nlabels = (uint32_t)n;
	}
	pm->bcfg.nlabels_end = (uint32_t)(n - pm->bcfg.nlabels);
	/* a hash key cannot be empty: a metric without labels has one 8-byte zero key */
	pm->bcfg.key_size = off ? off : 8;
	pm->desc.nlabels = r;
	pm->desc.key_size = pm->bcfg.key_size;
	return 0;
}

/*
 * Upper bound of native-histogram bucket idx of a schema: 2^(idx / 2^schema),
 * the double nearest it (2^(f / 2^schema) in long double, then scaled by an
 * exact power of two). client_golang's table (built by multiplying) differs
 * from it in the last bit for some f, which only the 17th digit of an le shows.
 */
double plan__native_bound(int64_t idx, uint32_t schema)
{
	int64_t n = (int64_t)1 << schema;
	int64_t e = idx >= 0 ? idx / n : -((-idx + n - 1) / n);

	return ldexp((double)exp2l((long double)(idx - e * n) / (long double)n), (int)e);
}

/*
 * The largest integer x of the value's unit with x / per <= bound: exact, in
 * 128 bits (bound is mant * 2^e, mant an integer of 53 bits; per 1 or 1e9).
 * Saturates at the value type's maximum, which every value is <= to.
 */
uint64_t plan__floor_scaled(double bound, uint64_t per, bool is_signed)
{
	uint64_t max = is_signed ? INT64_MAX : UINT64_MAX;
	unsigned __int128 x;
	int e;
	uint64_t mant = (uint64_t)ldexp(frexp(bound, &e), 53);

	e -= 53;
	x = (unsigned __int128)mant * per;
	if (e < 0)
		x = -e >= 128 ? 0 : x >> -e;
	else if (e >= 64 || x > ((unsigned __int128)max >> e))
		return max;
	else
		x <<= e;
	return x > max ? max : (uint64_t)x;
}

/*
 * A hist with a schema: Prometheus's native buckets of the exported unit
 * (seconds for unit: seconds), between the powers of two around buckets.min
 * and .max. Bucket 0 holds v <= 2^a (2^a the largest power of two <= min),
 * or without min v <= 0, the native buckets starting at the one that holds
 * one unit of the value (1 ns); bucket j >= 1 is native bucket first + j - 1;
 * the last has le 2^b (the smallest power of two >= max, or the first past
 * the value type's range). Each bucket's threshold in the kernel is the
 * largest integer of the value's unit whose exported value is <= its le.
 */
static int plan_schema_hist(struct ctx *c, struct plan_metric *pm, bool seconds)
{
	const struct cfg_metric *cm = c->cm;
	struct bpfprom_metric_cfg *b = &pm->bcfg;
	uint64_t per = seconds ? 1000000000 : 1;
	bool sgn = b->value.is_signed;
	int64_t n = (int64_t)1 << cm->schema, first, last, nb, i;
	int a, e;

	if (cm->buckets.has_min) {
		for (a = 64; a > -64; a--)
			if (plan__floor_scaled(ldexp(1, a), per, false) <=
			    (uint64_t)cm->buckets.min)
				break;
		first = a * n + 1;
	} else {
		for (first = -64 * n;
		     plan__floor_scaled(plan__native_bound(first, cm->schema), per, false) < 1;
		     first++)
			;
	}
	if (cm->buckets.has_max) {
		for (e = -64; e < 64; e++)
			if (plan__floor_scaled(ldexp(1, e), per, false) >=
			    (uint64_t)cm->buckets.max)
				break;
	} else {
		for (e = -64; e < 128; e++)
			if (plan__floor_scaled(ldexp(1, e), per, sgn) ==
			    (sgn ? INT64_MAX : UINT64_MAX))
				break;
	}
	last = e * n;
	nb = 1 + last - first + 1;
	if (nb > BPFPROM_MAX_BUCKETS)
		return fail(
			c, cm->buckets.set ? cm->buckets.pos : cm->schema_pos,
			cm->buckets.set ? "buckets" : "schema",
			"schema %u makes %" PRId64
			" buckets, more than %d; narrow buckets: {min, max} (in the value's unit) or use a smaller schema",
			cm->schema, nb, BPFPROM_MAX_BUCKETS);
	b->hist_search = 1;
	b->nbuckets = (uint32_t)nb;
	pm->bounds[0] = cm->buckets.has_min ? plan__native_bound(first - 1, cm->schema) : 0;
	b->hist_thr[0] = plan__floor_scaled(pm->bounds[0], per, sgn);
	for (i = 1; i < nb; i++) {
		pm->bounds[i] = plan__native_bound(first + i - 1, cm->schema);
		b->hist_thr[i] = plan__floor_scaled(pm->bounds[i], per, sgn);
	}
	/* band f: values with fls f, from 0 (f = 0) or 2^(f-1) */
	for (e = 0, i = 0; e < BPFPROM_HIST_BANDS - 1; e++) {
		uint64_t lo = e ? (uint64_t)1 << (e - 1) : 0;

		while (i < nb && b->hist_thr[i] < lo)
			i++;
		b->hist_band[e] = (uint16_t)i;
	}
	b->hist_band[BPFPROM_HIST_BANDS - 1] = (uint16_t)nb;
	b->hist_steps = cm->schema + 2;
	b->value_words = BPFPROM_V_BUCKETS + b->nbuckets + 1;
	pm->desc.hist_has_schema = true;
	pm->desc.hist_schema = cm->schema;
	pm->desc.hist_first_index = (int32_t)first;
	return 0;
}

static int plan_value(struct ctx *c, const struct tp_format *fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	struct bpfprom_metric_cfg *b = &pm->bcfg;
	bool seconds = cm->unit == CFG_UNIT_SECONDS;
	int err;

	b->agg = cm->agg + (cm->series_shared ? BPFPROM_AGG_SHARED : 0);
	if (cm->has_value) {
		err = resolve_src_at(c, fmts, &cm->value, 8, "value", &b->value);
		if (err)
			return err;
		/* a pair's value other than its latency: read at the end
		 * (until.), or at the start and kept in the start's entry */
		if (b->latency && cm->value.kind != BPFPROM_SRC_LATENCY)
			b->pair_value = cm->value.at_end ? BPFPROM_PAIR_VALUE_END :
							   BPFPROM_PAIR_VALUE_START;
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

		if (cm->has_schema) {
			err = plan_schema_hist(c, pm, seconds);
			if (err)
				return err;
			break;
		}

		/* buckets.min = 2^a keeps slot a+1 (le = 2^a) first */
		if (cm->buckets.has_min)
			first = 1 + (uint32_t)__builtin_ctzll((uint64_t)cm->buckets.min);
		if (cm->buckets.has_max)
			last = 1 + (uint32_t)__builtin_ctzll((uint64_t)cm->buckets.max);
		b->hist_first_slot = first;
		b->nbuckets = last - first + 1;
		/* 2^k * 1e-9 is exact scaling of 1e-9: the double nearest 2^k / 1e9 */
		for (uint32_t s = first; s <= last; s++)
			pm->bounds[s - first] = s == 0 ? 0 : ldexp(seconds ? 1e-9 : 1, (int)s - 1);
		b->value_words = BPFPROM_V_BUCKETS + b->nbuckets + 1;
		break;
	}
	case BPFPROM_AGG_LHIST:
		if (!b->value.is_signed && cm->buckets.min < 0)
			return fail(c, cm->buckets.pos, "buckets.min",
				    "the value is unsigned; min must be 0 or more");
		b->lhist_min = cm->buckets.min;
		b->lhist_step = (uint64_t)cm->buckets.step;
		/* the span can exceed INT64_MAX (config checks it in uint64) */
		b->nbuckets = (uint32_t)(((uint64_t)cm->buckets.max - (uint64_t)cm->buckets.min) /
					 (uint64_t)cm->buckets.step);
		/* divide, not multiply by 1e-9: that is the double nearest the true bound */
		for (uint32_t i = 0; i < b->nbuckets; i++) {
			int64_t le = (int64_t)((uint64_t)cm->buckets.min +
					       (uint64_t)cm->buckets.step * (i + 1));

			pm->bounds[i] = (double)le / (seconds ? 1e9 : 1);
		}
		b->value_words = BPFPROM_V_BUCKETS + b->nbuckets + 1;
		break;
	default:
		return -EINVAL;
	}
	pm->desc.name = cm->name;
	pm->desc.help = cm->help;
	pm->desc.agg = cm->agg;
	pm->desc.value_signed = b->value.is_signed;
	pm->desc.scale = seconds ? 1e-9 : 1;
	pm->desc.nbuckets = b->nbuckets;
	pm->desc.bounds = pm->bounds;
	pm->desc.hist_first_slot = b->hist_first_slot;
	pm->desc.value_words = b->value_words;
	return 0;
}

/* Is func in vmlinux's BTF or a module's (which fentry attaches to as well, 5.11)? */
static bool in_btf(struct ctx *c, const struct cfg_probe *pr)
{
	const struct btf *btf = probe_btf(c, pr);

	return btf && btf__find_by_name_kind(btf, pr->func, BTF_KIND_FUNC) > 0;
}

/* forced: the --probe.mechanism the user gave, NULL when bpfprom chose */
static int no_kprobes(struct ctx *c, const struct cfg_probe *pr, const char *key,
		      const char *forced)
{
	if (forced)
		return fail(
			c, pr->pos, key,
			"%s: --probe.mechanism=%s, but this kernel has no kprobes (CONFIG_KPROBES is not set); use --probe.mechanism=auto or fentry",
			pr->spec, forced);
	return fail(
		c, pr->pos, key,
		"%s: this kernel has no kprobes (CONFIG_KPROBES is not set) and fentry is not available",
		pr->spec);
}

/*
 * fentry where it can attach (a trampoline works, the function is in BTF, no
 * offset), else the kprobe PMU, else a kprobe_events entry; or what
 * --probe.mechanism forces, refused by name when the kernel lacks it.
 */
static int kprobe_mech(struct ctx *c, const struct cfg_probe *pr, const char *key,
		       enum plan_mech *mech)
{
	const struct plan_kernel *k = c->k;
	bool pmu = k->kprobes.pmu_type >= 0, legacy = k->kprobes.legacy;
	const char *near;
	uint64_t size;

	switch (k->force) {
	case PLAN_MECH_FENTRY:
		if (!k->fentry)
			return fail(
				c, pr->pos, key,
				"%s: --probe.mechanism=fentry, but fentry is not available on this kernel (no BTF, or trampolines refused; details with --log.level=debug)",
				pr->spec);
		if (pr->offset)
			return fail(
				c, pr->pos, key,
				"%s: fentry attaches at a function's entry only; +OFFSET needs --probe.mechanism=kprobe or legacy",
				pr->spec);
		*mech = PLAN_MECH_FENTRY;
		break;
	case PLAN_MECH_KPROBE:
		if (!pmu)
			return pmu || legacy ?
				       fail(c, pr->pos, key,
					    "%s: --probe.mechanism=kprobe, but this kernel has no kprobe PMU (/sys/bus/event_source/devices/kprobe); use --probe.mechanism=legacy",
					    pr->spec) :
				       no_kprobes(c, pr, key, "kprobe");
		*mech = PLAN_MECH_KPROBE;
		break;
	case PLAN_MECH_LEGACY:
		if (!legacy)
			return pmu ? fail(c, pr->pos, key,
					  "%s: --probe.mechanism=legacy, but tracefs has no kprobe_events (%s/kprobe_events); use --probe.mechanism=kprobe",
					  pr->spec, c->root) :
				     no_kprobes(c, pr, key, "legacy");
		*mech = PLAN_MECH_LEGACY;
		break;
	default:
		if (k->fentry && !pr->offset && in_btf(c, pr))
			*mech = PLAN_MECH_FENTRY;
		else if (pmu)
			*mech = PLAN_MECH_KPROBE;
		else if (legacy)
			*mech = PLAN_MECH_LEGACY;
		else if (!k->fentry)
			return no_kprobes(c, pr, key, NULL);
		else if (pr->offset)
			return fail(
				c, pr->pos, key,
				"%s: this kernel has no kprobes (CONFIG_KPROBES is not set), and fentry cannot attach at an offset",
				pr->spec);
		else
			*mech = PLAN_MECH_FENTRY; /* not in BTF: said below */
		break;
	}
	if (!c->syms) {
		c->syms = ksyms__load(k->kallsyms);
		if (!c->syms)
			return fail(c, pr->pos, key, "%s: cannot read %s: %s", pr->spec,
				    k->kallsyms ? k->kallsyms : "/proc/kallsyms", strerror(errno));
	}
	if (!kprobe__syms_has(c->syms, pr->func)) {
		near = kprobe__syms_suggest(c->syms, pr->func);
		return fail(c, pr->pos, key, "%s: no function \"%s\" in this kernel (%s)%s%s%s",
			    pr->spec, pr->func, k->kallsyms ? k->kallsyms : "/proc/kallsyms",
			    near ? "; did you mean \"" : "", near ? near : "", near ? "\"?" : "");
	}
	/* the kernel would put a probe past the end into whatever follows */
	size = kprobe__syms_size(c->syms, pr->func);
	if (size && pr->offset >= size)
		return fail(c, pr->pos, key,
			    "%s: the offset is past the end of %s (%" PRIu64 " bytes)", pr->spec,
			    pr->func, size);
#if defined(__aarch64__)
	/* arm64's kernel answers an offset inside an instruction with EINVAL, as
	 * for a notrace function (arch_prepare_kprobe), not x86's EILSEQ: its
	 * instructions are all 4 bytes, so it is known here */
	if (pr->offset % 4)
		return fail(
			c, pr->pos, key,
			"%s: the offset is not on an instruction boundary of %s (arm64's instructions are 4 bytes)",
			pr->spec, pr->func);
#endif
	/* a kprobe needs no BTF; fentry does, and says so rather than falling back */
	if (*mech == PLAN_MECH_FENTRY && !in_btf(c, pr))
		return fail(
			c, pr->pos, key,
			"%s: \"%s\" is not in the kernel's BTF, so fentry cannot attach to it; %s",
			pr->spec, pr->func,
			pmu || legacy ?
				"use --probe.mechanism=auto or kprobe" :
				"and this kernel has no kprobes (CONFIG_KPROBES is not set)");
	return 0;
}

/*
 * A rawtracepoint's arguments from BTF, and how it attaches: a BTF-typed
 * tracepoint where the kernel loads one (loader__probe_tp_btf), else a raw
 * tracepoint; or what --probe.mechanism forces.
 */
static int rawtp_mech(struct ctx *c, const struct cfg_probe *pr, const char *key,
		      struct plan_probe *pp)
{
	const struct plan_kernel *k = c->k;
	const char *near;
	int err;

	if (!k->btf)
		return fail(
			c, pr->pos, key,
			"%s: this kernel has no BTF (/sys/kernel/btf/vmlinux), which rawtracepoint: needs for the event's arguments; use tracepoint:CATEGORY:EVENT",
			pr->spec);
	pp->rt = calloc(1, sizeof(*pp->rt));
	if (!pp->rt)
		return -ENOMEM;
	err = rawtp__event(probe_btf(c, pr), pr->func, pp->rt);
	if (err) {
		near = rawtp__suggest(k->btf, pr->func);
		return fail(
			c, pr->pos, key,
			"%s: no raw tracepoint \"%s\" in the kernel's BTF (no btf_trace_%s)%s%s%s",
			pr->spec, pr->func, pr->func, near ? "; did you mean \"" : "",
			near ? near : "", near ? "\"?" : "");
	}
	switch (k->force) {
	case PLAN_MECH_RAW_TP:
		pp->mech = PLAN_MECH_RAW_TP;
		break;
	case PLAN_MECH_TP_BTF:
		if (!k->tp_btf)
			return fail(
				c, pr->pos, key,
				"%s: --probe.mechanism=tp_btf, but this kernel refused a BTF-typed tracepoint (details with --log.level=debug); use --probe.mechanism=auto or raw_tp",
				pr->spec);
		pp->mech = PLAN_MECH_TP_BTF;
		break;
	default:
		pp->mech = k->tp_btf ? PLAN_MECH_TP_BTF : PLAN_MECH_RAW_TP;
		break;
	}
	return 0;
}

/*
 * The uprobe PMU (4.17+), else a uprobe_events entry; or that entry when
 * --probe.mechanism=legacy forces it (the other values are for kernel probes
 * and rawtracepoints).
 */
static int uprobe_mech(struct ctx *c, const struct cfg_probe *pr, const char *key,
		       enum plan_mech *mech)
{
	const struct plan_kernel *k = c->k;

	if (k->force == PLAN_MECH_LEGACY && k->uprobe_no_events)
		return fail(
			c, pr->pos, key,
			"%s: --probe.mechanism=legacy, but tracefs has no uprobe_events (%s/uprobe_events); use --probe.mechanism=auto",
			pr->spec, c->root);
	if (k->uprobe_no_pmu && k->uprobe_no_events)
		return fail(
			c, pr->pos, key,
			"%s: this kernel has no uprobes: no uprobe PMU (/sys/bus/event_source/devices/uprobe) and no %s/uprobe_events (CONFIG_UPROBE_EVENTS is not set)",
			pr->spec, c->root);
	*mech = k->force == PLAN_MECH_LEGACY || k->uprobe_no_pmu ? PLAN_MECH_LEGACY :
								   PLAN_MECH_UPROBE;
	return 0;
}

/*
 * profile, software, hardware: the perf event each CPU opens. A hardware
 * event is opened once here (on the first online CPU, then closed), so that
 * a machine without a PMU for it (virtual machines often have none) fails at
 * start-up and --config.check alike, naming the event; any other refusal
 * (permissions) is left to the loader, which opens them all.
 */
static int perf_mech(struct ctx *c, const struct cfg_probe *pr, const char *key,
		     struct plan_probe *pp)
{
	const struct perfevent *ev;
	int64_t ns;
	size_t ncpus;
	int *cpus, fd;

	pp->mech = PLAN_MECH_PERF_EVENT;
	pp->func = pr->func;
	pp->offset = pr->offset;
	if (pr->kind == CFG_PROBE_PROFILE) {
		/* bpftrace's profile: cpu-clock, the CPU's own timer */
		ns = perfevents__unit_ns(pr->func);
		pp->perf.type = PERF_TYPE_SOFTWARE;
		pp->perf.config = PERF_COUNT_SW_CPU_CLOCK;
		pp->perf.freq = ns == 0;
		pp->perf.period = ns ? pr->offset * (uint64_t)ns : pr->offset;
		return 0;
	}
	ev = perfevents__find(pr->kind == CFG_PROBE_HARDWARE, pr->func);
	if (!ev)
		return fail(c, pr->pos, key, "%s: unknown event \"%s\"", pr->spec, pr->func);
	pp->perf.type = ev->type;
	pp->perf.config = ev->config;
	pp->perf.period = pr->offset;
	if (pr->kind != CFG_PROBE_HARDWARE)
		return 0;
	if (perfevent__online_cpus(NULL, &cpus, &ncpus))
		return 0;
	fd = perfevent__open(&pp->perf, cpus[0]);
	free(cpus);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd == -ENOENT || fd == -EOPNOTSUPP || fd == -ENODEV)
		return fail(
			c, pr->pos, key,
			"%s: this machine has no PMU for the hardware event %s (perf_event_open: %s); virtual machines often have none: use software:cpu-clock or profile:hz:N for CPU time",
			pr->spec, pr->func, strerror(-fd));
	return 0;
}

/*
 * A kernel wildcard: one multi-kprobe link where the kernel has them (5.18),
 * else a kprobe (or legacy event) per function; a trampoline per function
 * (fentry) would load a program copy for each.
 */
static int wild_kprobe_mech(struct ctx *c, const struct cfg_probe *pr, const char *key,
			    enum plan_mech *mech)
{
	const struct plan_kernel *k = c->k;
	bool pmu = k->kprobes.pmu_type >= 0, legacy = k->kprobes.legacy;

	switch (k->force) {
	case PLAN_MECH_FENTRY:
		return fail(
			c, pr->pos, key,
			"%s: --probe.mechanism=fentry cannot attach a wildcard (one program per function); use --probe.mechanism=auto or kprobe",
			pr->spec);
	case PLAN_MECH_KPROBE:
		if (!pmu)
			return legacy ?
				       fail(c, pr->pos, key,
					    "%s: --probe.mechanism=kprobe, but this kernel has no kprobe PMU (/sys/bus/event_source/devices/kprobe); use --probe.mechanism=legacy",
					    pr->spec) :
				       no_kprobes(c, pr, key, "kprobe");
		*mech = PLAN_MECH_KPROBE;
		return 0;
	case PLAN_MECH_LEGACY:
		if (!legacy)
			return pmu ? fail(c, pr->pos, key,
					  "%s: --probe.mechanism=legacy, but tracefs has no kprobe_events (%s/kprobe_events); use --probe.mechanism=kprobe",
					  pr->spec, c->root) :
				     no_kprobes(c, pr, key, "legacy");
		*mech = PLAN_MECH_LEGACY;
		return 0;
	default:
		if (k->kprobe_multi)
			*mech = PLAN_MECH_KPROBE_MULTI;
		else if (pmu)
			*mech = PLAN_MECH_KPROBE;
		else if (legacy)
			*mech = PLAN_MECH_LEGACY;
		else
			return fail(
				c, pr->pos, key,
				"%s: this kernel has no kprobes (CONFIG_KPROBES is not set) and no multi-kprobe links, which a wildcard needs",
				pr->spec);
		return 0;
	}
}

static const char *wild_what(enum cfg_probe_kind kind, bool many)
{
	if (kind == CFG_PROBE_TRACEPOINT)
		return many ? "tracepoints" : "tracepoint";
	if (kind == CFG_PROBE_KPROBE || kind == CFG_PROBE_KRETPROBE)
		return many ? "kernel functions" : "kernel function";
	return many ? "functions" : "function";
}

/*
 * A wildcard's members, found as --list finds them. 1 when it matches
 * nothing and missing: skip leaves it out.
 */
static int plan_wild(struct ctx *c, const struct cfg_probe *pr, const char *key, size_t index,
		     struct tp_format *fmt, struct plan_probe *pp)
{
	char msg[512], hint[512];
	char **names = NULL;
	size_t n = 0;
	int err;

	err = wild__expand(pr, c->root, pp->path, &names, &n, msg, sizeof(msg));
	if (err)
		return fail(c, pr->pos, key, "%s: %s", pr->spec, msg);
	if (!n && c->cm->missing_skip) {
		log_debug(
			"plan: metrics[%zu] (%s): %s matches nothing here: skipped (missing: skip)",
			c->idx, c->cm->name, pr->spec);
		return 1;
	}
	if (!n) {
		wild__suggest(pr, c->root, pp->path, hint, sizeof(hint));
		if (pp->path)
			return fail(c, pr->pos, key, "%s matches no function of %s%s%s%s", pr->spec,
				    pp->path, hint[0] ? " (did you mean \"" : "", hint,
				    hint[0] ? "\"?)" : "");
		return fail(c, pr->pos, key, "%s matches no %s%s%s%s", pr->spec,
			    wild_what(pr->kind, false), hint[0] ? " (did you mean \"" : "", hint,
			    hint[0] ? "\"?)" : "");
	}
	if (n > WILD_MAX_MEMBERS) {
		err = fail(c, pr->pos, key,
			   "%s matches %zu %s, more than %d in one probe; narrow the pattern",
			   pr->spec, n, wild_what(pr->kind, true), WILD_MAX_MEMBERS);
		goto out;
	}
	pp->members = calloc(n, sizeof(*pp->members));
	if (pr->kind == CFG_PROBE_TRACEPOINT && n > 1)
		c->mfmts[index] = calloc(n - 1, sizeof(*c->mfmts[index]));
	if (!pp->members || (pr->kind == CFG_PROBE_TRACEPOINT && n > 1 && !c->mfmts[index])) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t m = 0; m < n; m++) {
		struct plan_member *pm = &pp->members[m];
		char *colon = strchr(names[m], ':');

		pp->nmembers = m + 1;
		if (pr->kind == CFG_PROBE_TRACEPOINT) {
			if (!colon) {
				/* list prints CAT:EVENT: not reached */
				err = fail(c, pr->pos, key, "%s: \"%s\" is no CATEGORY:EVENT",
					   pr->spec, names[m]);
				goto out;
			}
			pm->category = strndup(names[m], (size_t)(colon - names[m]));
			pm->name = strdup(colon + 1);
			if (!pm->category || !pm->name) {
				err = -ENOMEM;
				goto out;
			}
			err = tracefs__read_format(c->root, pm->category, pm->name,
						   m ? &c->mfmts[index][m - 1] : fmt);
			if (err) {
				err = fail(c, pr->pos, key, "%s: cannot read the format of %s: %s",
					   pr->spec, names[m], strerror(-err));
				goto out;
			}
			continue;
		}
		pm->name = strdup(names[m]);
		if (!pm->name) {
			err = -ENOMEM;
			goto out;
		}
		if (pp->path) {
			err = elfsym__func_offset(pp->path, pm->name, 0, &pm->offset, msg,
						  sizeof(msg));
			if (err) {
				err = fail(c, pr->pos, key, "%s: %s", pr->spec, msg);
				goto out;
			}
		}
	}
	/* the first member stands for the probe where one name is shown */
	if (pr->kind == CFG_PROBE_TRACEPOINT) {
		pp->category = pp->members[0].category;
		pp->event = pp->members[0].name;
	} else {
		pp->func = pp->members[0].name;
		pp->offset = pp->members[0].offset;
	}
	log_debug("plan: metrics[%zu] (%s): %s matches %zu %s", c->idx, c->cm->name, pr->spec, n,
		  wild_what(pr->kind, n > 1));
	err = 0;
out:
	list__names_free(names, n);
	return err;
}

/*
 * missing: skip of a named probe: is it there, as --list would find it? 1
 * when it is not (skipped), else 0 and plan_probe resolves it as usual.
 */
static int named_missing(struct ctx *c, const struct cfg_probe *pr, const char *key,
			 const char *bin)
{
	char msg[512];
	char **names = NULL;
	size_t n = 0;
	int err;

	/* what --list cannot look up the same way is resolved (and refused) as usual */
	if (!c->cm->missing_skip || pr->kind == CFG_PROBE_RAWTP || pr->kind == CFG_PROBE_USDT ||
	    pr->kind == CFG_PROBE_PROFILE || pr->kind == CFG_PROBE_SOFTWARE ||
	    pr->kind == CFG_PROBE_HARDWARE)
		return 0;
	err = wild__expand(pr, c->root, bin, &names, &n, msg, sizeof(msg));
	list__names_free(names, n);
	if (err)
		return fail(c, pr->pos, key, "%s: %s", pr->spec, msg);
	if (n)
		return 0;
	log_debug("plan: metrics[%zu] (%s): %s is not here: skipped (missing: skip)", c->idx,
		  c->cm->name, pr->spec);
	return 1;
}

/*
 * A USDT probe: BIN as a uprobe's, the probe from BIN's notes; libbpf finds
 * its sites, semaphore and argument specs again when it attaches.
 */
static int plan_usdt(struct ctx *c, const struct cfg_probe *pr, const char *key,
		     struct plan_probe *pp, struct plan_metric *pm)
{
	const struct usdtnote_probe *up;
	struct usdtnote *u = NULL;
	char path[PATH_MAX], msg[768];
	int err;

	pp->mech = PLAN_MECH_USDT;
	pp->pid = c->cm->pid ? c->cm->pid : -1;
	pp->func = pr->func;
	/* with pid:, BIN as that process sees it (a binary of its container) */
	err = elfsym__resolve_binary_pid(pr->target, c->cm->pid, path, sizeof(path), msg,
					 sizeof(msg));
	if (!err)
		err = usdtnote__read(path, &u, msg, sizeof(msg));
	if (!err)
		err = usdtnote__find(u, strchr(pr->target, '/') ? pr->target : path, pr->provider,
				     pr->func, &up, msg, sizeof(msg));
	if (err) {
		usdtnote__free(u);
		return err == -ENOMEM ? err : fail(c, pr->pos, key, "%s: %s", pr->spec, msg);
	}
	pp->path = strdup(path);
	pp->provider = strdup(up->provider);
	pp->usdt_sites = (uint32_t)up->nsites;
	if (c->nusdt < sizeof(c->usdt) / sizeof(c->usdt[0])) {
		c->usdt[c->nusdt].pr = pr;
		c->usdt[c->nusdt].nargs = up->nargs;
		memcpy(c->usdt[c->nusdt].args, up->args, sizeof(up->args));
		c->nusdt++;
	}
	usdtnote__free(u);
	if (!pp->path || !pp->provider)
		return -ENOMEM;
	pm->nprobes++;
	return 0;
}

/* Resolve one probe into an attachment; fmt gets a tracepoint's format. */
static int plan_probe(struct ctx *c, const struct cfg_probe *pr, const char *key, bool end,
		      uint32_t index, struct tp_format *fmt, struct plan_metric *pm)
{
	struct plan_probe *pp = &pm->probes[pm->nprobes];
	char path[PATH_MAX] = "", msg[384];
	int err;

	memset(pp, 0, sizeof(*pp));
	pp->kind = pr->kind;
	pp->spec = pr->spec;
	pp->cookie = index | (end ? BPFPROM_COOKIE_END : 0);
	if (!end && index < BPFPROM_MAX_PROBES)
		c->pps[index] = pp;
	if (pr->kind == CFG_PROBE_UPROBE || pr->kind == CFG_PROBE_URETPROBE) {
		/* the binary first: a wildcard lists its functions; with pid:, BIN
		 * as that process sees it (a binary of its container) */
		err = elfsym__resolve_binary_pid(pr->target, c->cm->pid, path, sizeof(path), msg,
						 sizeof(msg));
		if (err)
			return fail(c, pr->pos, key, "%s", msg);
	}
	if (!end) {
		err = pr->wild ? 0 : named_missing(c, pr, key, path);
		if (err) {
			c->pps[index] = NULL;
			return err;
		}
	}
	if (pr->wild) {
		if (is_kernel_probe(pr->kind)) {
			err = wild_kprobe_mech(c, pr, key, &pp->mech);
			if (err)
				return err;
		} else if (pr->kind == CFG_PROBE_TRACEPOINT) {
			pp->mech = PLAN_MECH_TRACEPOINT;
		} else {
			/* a user wildcard: one multi-uprobe link where the kernel has
			 * them, unless legacy events are forced or the only way */
			err = uprobe_mech(c, pr, key, &pp->mech);
			if (err)
				return err;
			if (pp->mech == PLAN_MECH_UPROBE && c->k->uprobe_multi)
				pp->mech = PLAN_MECH_UPROBE_MULTI;
			pp->pid = c->cm->pid ? c->cm->pid : -1;
		}
		if (pr->kind == CFG_PROBE_UPROBE || pr->kind == CFG_PROBE_URETPROBE) {
			pp->path = strdup(path);
			if (!pp->path)
				return -ENOMEM;
		}
		err = plan_wild(c, pr, key, index, fmt, pp);
		if (err) {
			for (size_t m = 1; c->mfmts[index] && m < pp->nmembers; m++)
				tracefs__format_free(&c->mfmts[index][m - 1]);
			free(c->mfmts[index]);
			c->mfmts[index] = NULL;
			for (size_t m = 0; m < pp->nmembers; m++) {
				free(pp->members[m].name);
				free(pp->members[m].category);
			}
			free(pp->members);
			free(pp->path);
			memset(pp, 0, sizeof(*pp));
			c->pps[index] = NULL;
			return err;
		}
		pm->nprobes++;
		return 0;
	}
	if (pr->kind == CFG_PROBE_TRACEPOINT) {
		pp->category = pr->target;
		pp->event = pr->func;
		err = tracefs__read_format(c->root, pr->target, pr->func, fmt);
		if (err == -ENOENT)
			return fail(c, pr->pos, key,
				    "tracepoint %s:%s does not exist (no %s/events/%s/%s)",
				    pr->target, pr->func, c->root, pr->target, pr->func);
		if (err)
			return fail(c, pr->pos, key,
				    "cannot read the format of tracepoint %s:%s: %s", pr->target,
				    pr->func, strerror(-err));
		/*
		 * The "ftrace" system holds ftrace's own records (function,
		 * kernel_stack, ...: kernel/trace/trace_entries.h). They have a
		 * format and an id but are no tracepoints: attaching refuses with
		 * EPERM. Refused here so that --config.check says so too.
		 */
		if (strcmp(pr->target, "ftrace") == 0)
			return fail(
				c, pr->pos, key,
				"%s:%s is one of ftrace's internal events, not a tracepoint: BPF cannot attach to it (use kprobe:FUNCTION or fentry for a function)",
				pr->target, pr->func);
		pp->mech = PLAN_MECH_TRACEPOINT;
		pm->nprobes++;
		return 0;
	}
	if (pr->kind == CFG_PROBE_RAWTP) {
		pp->event = pr->func;
		err = rawtp_mech(c, pr, key, pp);
		if (err) {
			free(pp->rt);
			pp->rt = NULL;
			return err;
		}
		pm->nprobes++;
		return 0;
	}
	if (pr->kind == CFG_PROBE_PROFILE || pr->kind == CFG_PROBE_SOFTWARE ||
	    pr->kind == CFG_PROBE_HARDWARE) {
		err = perf_mech(c, pr, key, pp);
		if (err)
			return err;
		pm->nprobes++;
		return 0;
	}
	if (is_kernel_probe(pr->kind)) {
		pp->func = pr->func;
		pp->offset = pr->offset;
		err = kprobe_mech(c, pr, key, &pp->mech);
		if (err)
			return err;
		pm->nprobes++;
		return 0;
	}
	if (pr->kind == CFG_PROBE_USDT)
		return plan_usdt(c, pr, key, pp, pm);
	/* func labels print it; same_target compares it, as it compares path and offset */
	pp->func = pr->func;
	pp->pid = c->cm->pid ? c->cm->pid : -1;
	err = uprobe_mech(c, pr, key, &pp->mech);
	if (err)
		return err;
	err = elfsym__func_offset(path, pr->func, pr->offset, &pp->offset, msg, sizeof(msg));
	if (err)
		return fail(c, pr->pos, key, "%s", msg);
	pp->path = strdup(path);
	if (!pp->path)
		return -ENOMEM;
	pm->nprobes++;
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The same event through the same mechanism. */
static bool same_target(const struct plan_probe *a, const struct plan_probe *b)
{
	if (a->nmembers != b->nmembers)
		return false;
	for (size_t m = 0; m < a->nmembers; m++) {
		if (!same_str(a->members[m].name, b->members[m].name) ||
		    !same_str(a->members[m].category, b->members[m].category) ||
		    a->members[m].offset != b->members[m].offset)
			return false;
	}
	return a->kind == b->kind && a->mech == b->mech && same_str(a->category, b->category) &&
	       same_str(a->event, b->event) && same_str(a->func, b->func) &&
	       same_str(a->path, b->path) && a->offset == b->offset && a->pid == b->pid &&
	       same_str(a->provider, b->provider);
}

/* The same attachment: one program attached there serves both metrics. */
static bool same_probe(const struct plan_probe *a, const struct plan_probe *b)
{
	/* the cookie carries the probe's index and role: the same, or the
	 * program could not tell each metric which of its probes fired */
	return a->cookie == b->cookie && same_target(a, b);
}

/* Is named probe b one of the events or functions wildcard a matched? */
static bool member_of(const struct plan_probe *a, const struct plan_probe *b)
{
	for (size_t m = 0; a->kind == b->kind && m < a->nmembers; m++) {
		const struct plan_member *w = &a->members[m];

		if (a->kind == CFG_PROBE_TRACEPOINT ?
			    same_str(w->category, b->category) && same_str(w->name, b->event) :
		    a->path ? same_str(a->path, b->path) && w->offset == b->offset :
			      same_str(w->name, b->func))
			return true;
	}
	return false;
}

/*
 * The until probes, after the start probes. One that is also a start probe
 * (the time between consecutive events of a key: sched_switch to
 * sched_switch) is not attached again (the kernel refuses one program twice
 * on an event: EEXIST): that start's attachment also ends the interval.
 * Each until probe's sources are read at its index: 0 for a metric's one
 * until; for a pair that reads at its end (BPFPROM_PAIR_ENDS), a merged one's
 * start index, and the others the indexes those leave free.
 */
static int plan_untils(struct ctx *c, struct tp_format *until_fmts, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	bool ends = pm->bcfg.latency & BPFPROM_PAIR_ENDS;
	size_t nstart = pm->nprobes;
	bool merged[BPFPROM_MAX_PROBES] = {};
	uint32_t used = 0, idx = 0;
	char key[32];
	int err;

	for (size_t u = 0; u < cm->nuntil; u++) {
		const struct cfg_probe *pr = config__until(cm, u);
		struct plan_probe *end;

		snprintf(key, sizeof(key), cm->nuntil > 1 ? "until[%zu]" : "until", u);
		err = plan_probe(c, pr, key, true, 0, &until_fmts[u], pm);
		if (err < 0)
			return err;
		c->end_copies[u] = *pr;
		c->end_index[u] = 0;
		end = &pm->probes[pm->nprobes - 1];
		for (size_t p = 0; p < nstart; p++) {
			/* one program on one event in both roles takes one attachment
			 * (below); a wildcard's member would be a second one */
			if (member_of(&pm->probes[p], end))
				return fail(
					c, pr->pos, key,
					"\"%s\" is also one of what probe \"%s\" matches; a wildcard and until cannot share an event or function: narrow the pattern, or name the start probes",
					pr->spec, pm->probes[p].spec);
			if (!same_target(&pm->probes[p], end))
				continue;
			pm->probes[p].cookie |= BPFPROM_COOKIE_BOTH;
			if (ends)
				c->end_index[u] = pm->probes[p].cookie & BPFPROM_COOKIE_INDEX_MASK;
			used |= 1u << c->end_index[u];
			merged[u] = true;
			free(end->path);
			free(end->provider);
			memset(end, 0, sizeof(*end));
			pm->nprobes--;
			break;
		}
	}
	for (size_t u = 0, a = nstart; ends && u < cm->nuntil; u++) {
		if (merged[u])
			continue;
		while (used & (1u << idx))
			idx++;
		used |= 1u << idx;
		c->end_index[u] = idx;
		pm->probes[a++].cookie = idx | BPFPROM_COOKIE_END;
	}
	/* one until: the probe itself, which a usdt argument is looked up by */
	c->ends = cm->nuntil == 1 ? &cm->until : c->end_copies;
	c->nends = cm->nuntil;
	c->end_fmts = until_fmts;
	return 0;
}

/*
 * missing: skip left probes out: all of them is an error; a skipped
 * tracepoint gets the format of one that is there, so that its (unused)
 * offsets resolve like the others'.
 */
static int fill_skipped(struct ctx *c, struct tp_format *fmts)
{
	const struct cfg_metric *cm = c->cm;
	size_t have = SIZE_MAX;

	for (size_t p = 0; p < cm->nprobes; p++) {
		if (!c->skipped[p] && have == SIZE_MAX)
			have = p;
	}
	if (have == SIZE_MAX)
		return fail(
			c, cm->probes[0].pos, "probe",
			"none of the metric's probes is on this kernel (missing: skip left out every one); remove the metric or name probes this kernel has");
	for (size_t p = 0; p < cm->nprobes; p++) {
		if (!c->skipped[p] || !fmts[have].nfields)
			continue;
		fmts[p].fields = calloc(fmts[have].nfields, sizeof(*fmts[p].fields));
		if (!fmts[p].fields)
			return -ENOMEM;
		memcpy(fmts[p].fields, fmts[have].fields,
		       fmts[have].nfields * sizeof(*fmts[p].fields));
		fmts[p].nfields = fmts[have].nfields;
		fmts[p].id = fmts[have].id;
	}
	return 0;
}

/*
 * One program is loaded for a metric's kprobes (and one for its uprobes), for
 * one attach type: with a wildcard on a multi-kprobe link, its named kprobes
 * join that kind of link (one function each), or, when one of them has an
 * +OFFSET (which multi-kprobe links cannot take), the wildcards fall back to
 * one kprobe each; with a multi-uprobe link, its named uprobes join it.
 */
static int one_attach_type(struct plan_metric *pm)
{
	bool multi = false, offset = false, umulti = false;

	for (size_t p = 0; p < pm->nprobes; p++) {
		multi |= pm->probes[p].mech == PLAN_MECH_KPROBE_MULTI;
		umulti |= pm->probes[p].mech == PLAN_MECH_UPROBE_MULTI;
		offset |= pm->probes[p].mech == PLAN_MECH_KPROBE && pm->probes[p].offset;
	}
	/* a multi-uprobe link takes any file offset: the named uprobes join it */
	for (size_t p = 0; umulti && p < pm->nprobes; p++) {
		if (pm->probes[p].mech == PLAN_MECH_UPROBE)
			pm->probes[p].mech = PLAN_MECH_UPROBE_MULTI;
	}
	for (size_t p = 0; multi && p < pm->nprobes; p++) {
		struct plan_probe *pp = &pm->probes[p];

		if (offset && pp->mech == PLAN_MECH_KPROBE_MULTI)
			pp->mech = PLAN_MECH_KPROBE;
		else if (!offset && pp->mech == PLAN_MECH_KPROBE)
			pp->mech = PLAN_MECH_KPROBE_MULTI;
	}
	return 0;
}

/* func: each cookie's name, the event's or the function's. */
static int plan_funcs(struct plan_metric *pm)
{
	size_t n = 0, k = 0;

	for (size_t p = 0; p < pm->nprobes; p++) {
		if (!(pm->probes[p].cookie & BPFPROM_COOKIE_END))
			n += pm->probes[p].nmembers ? pm->probes[p].nmembers : 1;
	}
	pm->funcs = calloc(n ? n : 1, sizeof(*pm->funcs));
	if (!pm->funcs)
		return -ENOMEM;
	for (size_t p = 0; p < pm->nprobes; p++) {
		const struct plan_probe *pp = &pm->probes[p];
		uint32_t base = pp->cookie & BPFPROM_COOKIE_INDEX_MASK;

		if (pp->cookie & BPFPROM_COOKIE_END)
			continue;
		for (size_t m = 0; m < (pp->nmembers ? pp->nmembers : 1); m++) {
			const char *name = pp->nmembers ? pp->members[m].name :
					   pp->func	? pp->func :
							  pp->event;

			pm->funcs[k].key = base | ((uint32_t)m << BPFPROM_COOKIE_MEMBER_SHIFT);
			pm->funcs[k].name = strdup(name ? name : "");
			if (!pm->funcs[k].name)
				return -ENOMEM;
			pm->nfuncs = ++k;
		}
	}
	return 0;
}

/*
 * dst, a copy of src, gets members of its own (plan__free frees each
 * probe's), the first of which names it as src's first names src.
 */
static int copy_members(struct plan_probe *dst, const struct plan_probe *src)
{
	dst->members = NULL;
	dst->nmembers = 0;
	if (!src->nmembers)
		return 0;
	dst->members = calloc(src->nmembers, sizeof(*dst->members));
	if (!dst->members)
		return -ENOMEM;
	for (size_t m = 0; m < src->nmembers; m++) {
		const struct plan_member *sm = &src->members[m];
		struct plan_member *dm = &dst->members[m];

		dst->nmembers = m + 1;
		dm->offset = sm->offset;
		dm->name = sm->name ? strdup(sm->name) : NULL;
		dm->category = sm->category ? strdup(sm->category) : NULL;
		if ((sm->name && !dm->name) || (sm->category && !dm->category))
			return -ENOMEM;
	}
	if (src->func == src->members[0].name)
		dst->func = dst->members[0].name;
	return 0;
}

/* Start probes, then for a latency its end: `until`, or each uprobe's return. */
static int plan_probes(struct ctx *c, struct tp_format *fmts, struct tp_format *until_fmts,
		       struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	char key[32];
	int err;

	for (size_t p = 0; p < cm->nprobes; p++) {
		snprintf(key, sizeof(key), cm->nprobes > 1 ? "probe[%zu]" : "probe", p);
		err = plan_probe(c, &cm->probes[p], key, false, p, &fmts[p], pm);
		if (err < 0)
			return err;
		c->skipped[p] = err > 0;
	}
	err = fill_skipped(c, fmts);
	if (err)
		return err;
	if (!pm->bcfg.latency)
		return one_attach_type(pm);
	pm->starts_max = PLAN_STARTS_MAX;
	if (cm->has_until) {
		/* a named until uprobe joins a start wildcard's multi-uprobe link */
		err = plan_untils(c, until_fmts, pm);
		return err ? err : one_attach_type(pm);
	}
	/* value: latency on a kprobe or uprobe: its return ends the interval,
	 * through the same mechanism (fentry pairs with fexit) */
	c->ends = c->end_copies;
	c->nends = cm->nprobes;
	c->end_fmts = fmts;
	c->ends_implied = true;
	for (size_t p = 0; p < cm->nprobes; p++) {
		c->end_copies[p] = cm->probes[p];
		c->end_copies[p].kind = cm->probes[p].kind == CFG_PROBE_KPROBE ?
						CFG_PROBE_KRETPROBE :
						CFG_PROBE_URETPROBE;
		c->end_index[p] = (uint32_t)p;
	}
	/* one return per start attachment: a probe missing: skip left out has
	 * neither, so the attachments' own indexes say which probe each is */
	for (size_t q = 0, nstart = pm->nprobes; q < nstart; q++) {
		const struct plan_probe *start = &pm->probes[q];
		uint32_t p = start->cookie & BPFPROM_COOKIE_INDEX_MASK;
		struct plan_probe *ret = &pm->probes[pm->nprobes++];

		*ret = *start;
		ret->implied = true;
		ret->offset = 0;
		ret->cookie = p | BPFPROM_COOKIE_END;
		ret->path = NULL;
		ret->rt = NULL;
		ret->provider = NULL;
		/* a wildcard's returns: the same functions, in members of their
		 * own (counted in nprobes already: plan__free frees what was copied) */
		err = copy_members(ret, start);
		if (err)
			return err;
		if (ret->kind == CFG_PROBE_KPROBE) {
			/* kprobe:f+OFF: the interval still ends when f returns */
			ret->kind = CFG_PROBE_KRETPROBE;
			continue;
		}
		ret->kind = CFG_PROBE_URETPROBE;
		/* a uretprobe sits on the function's entry: drop the +OFF */
		ret->offset = start->offset - cm->probes[p].offset;
		ret->path = strdup(start->path);
		if (!ret->path)
			return -ENOMEM;
	}
	return one_attach_type(pm);
}

/*
 * cfg.latency of a metric: a pair, and whether it reads at its end
 * (BPFPROM_PAIR_ENDS): until. sources, a value other than the latency (kept
 * from the start, or read at the end) or several until probes. A pair that
 * only measures keeps the program latency metrics always had.
 */
static uint32_t pair_flags(const struct cfg_metric *cm)
{
	bool ends = cm->nuntil > 1 || (cm->has_value && cm->value.kind != BPFPROM_SRC_LATENCY);

	if (!cm->paired)
		return 0;
	for (size_t i = 0; i < cm->nlabels; i++)
		ends |= cm->labels[i].src.at_end;
	for (size_t i = 0; i < cm->nfilters; i++)
		ends |= cm->filters[i].src.at_end;
	return BPFPROM_PAIR | (ends ? BPFPROM_PAIR_ENDS : 0);
}

static int plan_metric(struct ctx *c, struct plan_metric *pm)
{
	const struct cfg_metric *cm = c->cm;
	struct tp_format fmts[BPFPROM_MAX_PROBES] = {}, until_fmts[BPFPROM_MAX_PROBES] = {};
	int err;

	c->nusdt = 0;
	c->nends = 0;
	c->ends_implied = false;
	c->bcfg = &pm->bcfg;
	pm->cm = cm;
	pm->bcfg.nprobes = cm->nprobes;
	pm->max_series = cm->max_series;
	pm->bcfg.latency = pair_flags(cm);
	pm->bcfg.start_first = cm->start_first;
	memset(c->pps, 0, sizeof(c->pps));
	memset(c->mfmts, 0, sizeof(c->mfmts));
	memset(c->skipped, 0, sizeof(c->skipped));
	err = plan_probes(c, fmts, until_fmts, pm);
	if (!err)
		err = plan_funcs(pm);
	if (!err)
		err = plan_value(c, fmts, pm);
	if (!err)
		err = plan_match(c, fmts, pm);
	if (!err)
		err = plan_labels(c, fmts, pm);
	if (!err)
		err = plan_filters(c, fmts, pm);
	for (size_t p = 0; p < cm->nprobes; p++) {
		for (size_t m = 1; c->mfmts[p] && c->pps[p] && m < c->pps[p]->nmembers; m++)
			tracefs__format_free(&c->mfmts[p][m - 1]);
		free(c->mfmts[p]);
		c->mfmts[p] = NULL;
		tracefs__format_free(&fmts[p]);
	}
	for (size_t u = 0; u < BPFPROM_MAX_PROBES; u++)
		tracefs__format_free(&until_fmts[u]);
	return err;
}

bool plan__same_probes(const struct plan_metric *a, const struct plan_metric *b)
{
	if (a->nprobes != b->nprobes)
		return false;
	for (size_t p = 0; p < a->nprobes; p++) {
		if (!same_probe(&a->probes[p], &b->probes[p]))
			return false;
	}
	return true;
}

/* Where a function's argument in register place lies in pt_regs; -1 where this build does not know. */
static int regs_offset(uint32_t place)
{
#if defined(__x86_64__)
	static const uint16_t off[] = {
		offsetof(struct user_regs_struct, rdi), offsetof(struct user_regs_struct, rsi),
		offsetof(struct user_regs_struct, rdx), offsetof(struct user_regs_struct, rcx),
		offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
	};

	return place < sizeof(off) / sizeof(off[0]) ? off[place] : -1;
#elif defined(__aarch64__)
	return place < 8 ? (int)(offsetof(struct user_pt_regs, regs) + 8 * place) : -1;
#else
	(void)place;
	return -1;
#endif
}

/* How the metric's programs read its probes' data from ctx, where all read it alike. */
enum ctx_layout { LAYOUT_NONE, LAYOUT_RECORD, LAYOUT_REGS, LAYOUT_SLOTS };

static enum ctx_layout layout_of(const struct plan_metric *pm)
{
	enum ctx_layout l = LAYOUT_NONE;

	for (size_t p = 0; p < pm->nprobes; p++) {
		enum ctx_layout here;

		switch (pm->probes[p].mech) {
		case PLAN_MECH_TRACEPOINT:
			/* field offsets are per event: one event only */
			here = pm->bcfg.nprobes == 1 ? LAYOUT_RECORD : LAYOUT_NONE;
			break;
		case PLAN_MECH_KPROBE:
		case PLAN_MECH_LEGACY:
		case PLAN_MECH_UPROBE:
		case PLAN_MECH_KPROBE_MULTI:
		case PLAN_MECH_UPROBE_MULTI:
			here = LAYOUT_REGS;
			break;
		case PLAN_MECH_FENTRY:
			here = LAYOUT_SLOTS;
			break;
		default:
			here = LAYOUT_NONE;
			break;
		}
		if (p && here != l)
			return LAYOUT_NONE;
		l = here;
	}
	return l;
}

/*
 * The metric's expressions whose generated code may load every operand
 * from ctx itself, in line where it fits (struct bpfprom_expr's direct):
 * a metric without a latency whose operands are all fields of its one
 * tracepoint at aligned offsets, or all arguments of its functions: a
 * register of pt_regs (kprobes, uprobes), or a trampoline's slot holding
 * an integer (numbers: the operands that are, from resolve_expr).
 */
static void plan_direct(struct plan_metric *pm, uint32_t numbers)
{
	struct bpfprom_metric_cfg *b = &pm->bcfg;
	enum ctx_layout l = layout_of(pm);

	if (b->latency || l == LAYOUT_NONE)
		return;
	for (uint32_t k = 0; k < b->nexprs && k < BPFPROM_MAX_EXPRS; k++) {
		struct bpfprom_expr *e = &b->exprs[k];
		bool direct = e->nsrc <= BPFPROM_MAX_XSRC;
		uint32_t off[BPFPROM_MAX_XSRC] = {};

		for (uint32_t i = 0; direct && i < e->nsrc; i++) {
			const struct bpfprom_src_cfg *s = &e->src[i];
			uint32_t size = s->size;
			int r;

			switch (l) {
			case LAYOUT_RECORD:
				off[i] = s->off[0];
				direct = s->kind == BPFPROM_SRC_FIELD &&
					 (size == 1 || size == 2 || size == 4 || size == 8) &&
					 off[i] % size == 0 && off[i] >= 8 && off[i] + size <= 2048;
				break;
			case LAYOUT_REGS:
				r = regs_offset(s->argn);
				off[i] = (uint32_t)r;
				direct = s->kind == BPFPROM_SRC_ARG && size == 8 && r >= 0;
				break;
			default:
				off[i] = 8 * s->argn;
				direct = s->kind == BPFPROM_SRC_ARG && size == 8 && s->argn < 6 &&
					 (numbers >> (k * BPFPROM_MAX_XSRC + i) & 1);
				break;
			}
		}
		e->direct = direct;
		for (uint32_t i = 0; direct && i < e->nsrc; i++)
			e->src[i].off[0] = off[i];
	}
}

/*
 * Each metric joins the first group whose metrics have its attachments and
 * room left, else starts one: every event then costs one program dispatch
 * for the whole group instead of one per metric.
 */
static int plan_groups(struct plan *plan, bool unfused)
{
	plan->groups = calloc(plan->nmetrics ? plan->nmetrics : 1, sizeof(*plan->groups));
	if (!plan->groups)
		return -ENOMEM;
	for (size_t i = 0; i < plan->nmetrics; i++) {
		struct plan_metric *pm = &plan->metrics[i];
		struct plan_group *g = NULL;
		size_t xsize = xgen__metric_size(&pm->bcfg);

		for (size_t j = 0; !unfused && j < plan->ngroups; j++) {
			struct plan_group *cand = &plan->groups[j];

			/* a shared series map loads a build of one slot; the
			 * expressions' code must fit xcalc's placeholder */
			if (cand->n < BPFPROM_MAX_FUSED && pm->bcfg.agg < BPFPROM_AGG_SHARED &&
			    cand->xgen_size + xsize <= XGEN_ROOM &&
			    plan->metrics[cand->metrics[0]].bcfg.agg < BPFPROM_AGG_SHARED &&
			    plan__same_probes(&plan->metrics[cand->metrics[0]], pm)) {
				g = cand;
				break;
			}
		}
		if (!g)
			g = &plan->groups[plan->ngroups++];
		pm->group = (size_t)(g - plan->groups);
		pm->slot = (uint32_t)g->n;
		g->metrics[g->n++] = i;
		g->xgen_size += xsize;
	}
	return 0;
}

int plan__build(const struct cfg *cfg, const struct plan_kernel *k, struct plan **out, char *err,
		size_t errlen)
{
	struct ctx c = { .cfg = cfg, .root = k->tracefs, .k = k, .err = err, .errlen = errlen };
	struct plan *plan;
	int ret = 0;

	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	plan->cfg = cfg;
	plan->metrics = calloc(cfg->nmetrics ? cfg->nmetrics : 1, sizeof(*plan->metrics));
	if (!plan->metrics) {
		free(plan);
		return -ENOMEM;
	}
	plan->nmetrics = cfg->nmetrics;
	for (size_t i = 0; i < cfg->nmetrics; i++) {
		c.cm = &cfg->metrics[i];
		c.idx = i;
		c.xnumbers = 0;
		ret = plan_metric(&c, &plan->metrics[i]);
		if (ret)
			break;
		plan_direct(&plan->metrics[i], c.xnumbers);
	}
	if (!ret)
		ret = plan_groups(plan, k->unfused);
	ksyms__free(c.syms);
	kbtf__free(c.kbtf);
	if (ret) {
		if (ret == -ENOMEM && !err[0])
			snprintf(err, errlen, "plan: out of memory");
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
	for (size_t i = 0; i < plan->nmetrics; i++) {
		for (size_t p = 0; p < plan->metrics[i].nprobes; p++) {
			struct plan_probe *pp = &plan->metrics[i].probes[p];

			free(pp->path);
			free(pp->rt);
			for (size_t m = 0; m < pp->nmembers; m++) {
				free(pp->members[m].name);
				free(pp->members[m].category);
			}
			free(pp->members);
			free(pp->provider);
		}
		for (size_t f = 0; f < plan->metrics[i].nfuncs; f++)
			free(plan->metrics[i].funcs[f].name);
		free(plan->metrics[i].funcs);
	}
	free(plan->metrics);
	free(plan->groups);
	free(plan);
}
