// SPDX-License-Identifier: GPL-2.0
/*
 * list: the probes a config can name. Candidates come from where plan
 * resolves probes (tracefs events/, ELF symbol tables) and from the kernel's
 * function lists for kprobes; a bpftrace-style pattern picks among them. The
 * output is collected, sorted and deduplicated first, and written only when
 * everything could be read, so an error never leaves half a list behind.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "config/perfevents.h"
#include "kernel/elfsym.h"
#include "kernel/usdtnote.h"
#include "kernel/kprobe.h"
#include "kernel/kbtf.h"
#include "kernel/ksyms.h"
#include "kernel/list.h"
#include "util/array.h"
#include "util/suggest.h"
#include "kernel/rawtp.h"
#include "kernel/tracefs.h"

enum list_kind {
	KIND_ANY, /* no probe kind: tracepoints and kprobes by their full name */
	KIND_TRACEPOINT,
	KIND_KPROBE,
	KIND_KRETPROBE,
	KIND_UPROBE,
	KIND_URETPROBE,
	KIND_RAWTP,
	KIND_PROFILE,
	KIND_SOFTWARE,
	KIND_HARDWARE,
	KIND_USDT,
};

/* the probe kinds and aliases of config.c, and the names they print as */
static const struct {
	const char *word;
	enum list_kind kind;
} kind_words[] = {
	{ "tracepoint", KIND_TRACEPOINT },
	{ "t", KIND_TRACEPOINT },
	{ "tp", KIND_TRACEPOINT },
	{ "kprobe", KIND_KPROBE },
	{ "k", KIND_KPROBE },
	{ "kretprobe", KIND_KRETPROBE },
	{ "kr", KIND_KRETPROBE },
	{ "uprobe", KIND_UPROBE },
	{ "u", KIND_UPROBE },
	{ "uretprobe", KIND_URETPROBE },
	{ "ur", KIND_URETPROBE },
	{ "rawtracepoint", KIND_RAWTP },
	{ "rt", KIND_RAWTP },
	{ "profile", KIND_PROFILE },
	{ "p", KIND_PROFILE },
	{ "software", KIND_SOFTWARE },
	{ "s", KIND_SOFTWARE },
	{ "hardware", KIND_HARDWARE },
	{ "h", KIND_HARDWARE },
	{ "usdt", KIND_USDT },
	{ "U", KIND_USDT },
};

static const char *const kind_names[] = {
	[KIND_TRACEPOINT] = "tracepoint", [KIND_KPROBE] = "kprobe",
	[KIND_KRETPROBE] = "kretprobe",	  [KIND_UPROBE] = "uprobe",
	[KIND_URETPROBE] = "uretprobe",	  [KIND_RAWTP] = "rawtracepoint",
	[KIND_PROFILE] = "profile",	  [KIND_SOFTWARE] = "software",
	[KIND_HARDWARE] = "hardware",	  [KIND_USDT] = "usdt",
};

struct query {
	enum list_kind kind;
	const char *glob; /* matched against the name after "KIND:" (all of it for KIND_ANY) */
	char *bin; /* uprobes, usdt: the binary as written */
};

struct names {
	char **v;
	size_t n, cap;
};

/*
 * bpftrace's wildcards: '*' any run of characters, ':' included, '?' one
 * character; everything else stands for itself. Backtracks only to the last
 * '*', so the cost stays linear in practice.
 */
static bool glob_match(const char *p, const char *s)
{
	const char *star = NULL, *retry = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			retry = s;
		} else if (*p && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static bool has_wildcard(const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++)
		if (s[i] == '*' || s[i] == '?')
			return true;
	return false;
}

/* snprintf for paths: -ENAMETOOLONG instead of a silently shortened path */
__attribute__((format(printf, 3, 4))) static int fmt_path(char *buf, size_t len, const char *fmt,
							  ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int names_add(struct names *ns, const char *name)
{
	char **grown;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 256;

		grown = realloc(ns->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ns->v = grown;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	if (!ns->v[ns->n])
		return -ENOMEM;
	ns->n++;
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the pattern ---------------------------------------------------------- */

/* The probe kind closest to word, as config suggests one; NULL if none is close. */
static const char *suggest_kind(const char *word)
{
	return suggest__closest(word, kind_names + KIND_TRACEPOINT,
				ARRAY_SIZE(kind_names) - KIND_TRACEPOINT, true);
}

static int parse_typed(const char *pattern, const char *rest, struct query *q, char *err,
		       size_t errlen)
{
	const char *sep;

	switch (q->kind) {
	case KIND_TRACEPOINT:
		sep = strchr(rest, ':');
		if (!*rest || (sep && strchr(sep + 1, ':'))) {
			snprintf(
				err, errlen,
				"list: \"%s\" is not a tracepoint pattern; write tracepoint:CATEGORY:EVENT (wildcards * and ? allowed), e.g. tracepoint:sched:*",
				pattern);
			return -EINVAL;
		}
		q->glob = rest;
		return 0;
	case KIND_KPROBE:
	case KIND_KRETPROBE:
		if (!*rest || strchr(rest, ':')) {
			snprintf(
				err, errlen,
				"list: \"%s\" is not a %s pattern; write %s:FUNCTION (wildcards * and ? allowed), e.g. %s:vfs_*",
				pattern, kind_names[q->kind], kind_names[q->kind],
				kind_names[q->kind]);
			return -EINVAL;
		}
		q->glob = rest;
		return 0;
	case KIND_UPROBE:
	case KIND_URETPROBE:
	case KIND_USDT:
		sep = strchr(rest, ':');
		if (sep == rest || !*rest ||
		    has_wildcard(rest, sep ? (size_t)(sep - rest) : SIZE_MAX)) {
			snprintf(
				err, errlen,
				"list: \"%s\" is not a %s pattern; write %s:BINARY:%s, BINARY a path or a library name without wildcards (* and ? are allowed in %s), e.g. %s:libc:%s",
				pattern, kind_names[q->kind], kind_names[q->kind],
				q->kind == KIND_USDT ? "PROVIDER:NAME" : "FUNCTION",
				q->kind == KIND_USDT ? "PROVIDER:NAME" : "FUNCTION",
				kind_names[q->kind], q->kind == KIND_USDT ? "*" : "mall*");
			return -EINVAL;
		}
		q->bin = sep ? strndup(rest, (size_t)(sep - rest)) : strdup(rest);
		if (!q->bin) {
			snprintf(err, errlen, "list: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		/* "uprobe:BIN" and "uprobe:BIN:" list every function, like bpftrace */
		q->glob = sep && sep[1] ? sep + 1 : "*";
		return 0;
	case KIND_RAWTP:
		if (!*rest || strchr(rest, ':')) {
			snprintf(
				err, errlen,
				"list: \"%s\" is not a rawtracepoint pattern; write rawtracepoint:EVENT (wildcards * and ? allowed), e.g. rawtracepoint:sched_*",
				pattern);
			return -EINVAL;
		}
		q->glob = rest;
		return 0;
	case KIND_PROFILE:
	case KIND_SOFTWARE:
	case KIND_HARDWARE:
		/* "software:faults", "software:faults:" as listed, or with a period */
		q->glob = *rest ? rest : "*";
		return 0;
	case KIND_ANY:
		break;
	}
	return -EINVAL;
}

static int parse_pattern(const char *pattern, struct query *q, char *err, size_t errlen)
{
	const char *colon, *hint;
	char word[SUGGEST_MAX_WORD + 1];
	size_t wlen, i;

	memset(q, 0, sizeof(*q));
	q->kind = KIND_ANY;
	q->glob = "*";
	if (!pattern)
		return 0;
	if (!*pattern) {
		snprintf(
			err, errlen,
			"list: the pattern is empty; give one, e.g. --list 'tracepoint:sched:*', or none to list every probe");
		return -EINVAL;
	}
	for (i = 0; pattern[i]; i++) {
		if (isspace((unsigned char)pattern[i]) || iscntrl((unsigned char)pattern[i])) {
			snprintf(
				err, errlen,
				"list: the pattern \"%s\" has a space or a control character; probe names have none",
				pattern);
			return -EINVAL;
		}
	}
	colon = strchr(pattern, ':');
	wlen = colon ? (size_t)(colon - pattern) : strlen(pattern);
	if (colon) {
		for (i = 0; i < ARRAY_SIZE(kind_words); i++) {
			if (strlen(kind_words[i].word) == wlen &&
			    !strncmp(kind_words[i].word, pattern, wlen)) {
				q->kind = kind_words[i].kind;
				return parse_typed(pattern, colon + 1, q, err, errlen);
			}
		}
	}
	/* a wildcard in the kind (or no kind at all): the full "KIND:NAME" is matched */
	if (has_wildcard(pattern, wlen)) {
		q->glob = pattern;
		return 0;
	}
	if (!colon) {
		for (i = 0; i < ARRAY_SIZE(kind_words); i++)
			if (!strcmp(kind_words[i].word, pattern))
				break;
		snprintf(
			err, errlen,
			"list: \"%s\" names no probe; write KIND:NAME (tracepoint:CATEGORY:EVENT, kprobe:FUNCTION, uprobe:BINARY:FUNCTION) or use wildcards, e.g. %s%s%s",
			pattern, i < ARRAY_SIZE(kind_words) ? "" : "*", pattern,
			i < ARRAY_SIZE(kind_words) ? ":*" : "*");
		return -EINVAL;
	}
	snprintf(word, sizeof(word), "%.*s", (int)wlen, pattern);
	hint = suggest_kind(word);
	snprintf(
		err, errlen,
		"list: unknown probe kind \"%s\"%s%s%s; expected one of tracepoint, kprobe, kretprobe, uprobe, uretprobe, rawtracepoint, profile, software, hardware, usdt",
		word, hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
	return -EINVAL;
}

/* ---- candidates ------------------------------------------------------------- */

static bool is_dir(int dfd, const struct dirent *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	return fstatat(dfd, d->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Every events/CAT/EVENT directory. The "ftrace" category holds ftrace's own
 * records (function, print, ...), which cannot be attached as tracepoints;
 * tracefs leaves them out of available_events for the same reason.
 */
static int list_tracepoints(const char *root, const struct query *q, struct names *ns, char *err,
			    size_t errlen)
{
	const size_t skip = q->kind == KIND_ANY ? 0 : strlen("tracepoint:");
	char path[PATH_MAX], name[3 * NAME_MAX];
	DIR *cats = NULL, *evs = NULL;
	struct dirent *c, *e;
	int ret = 0, fd;

	ret = fmt_path(path, sizeof(path), "%s/events", root);
	if (ret)
		goto fail;
	cats = opendir(path);
	if (!cats) {
		ret = -errno;
		goto fail;
	}
	while ((c = readdir(cats))) {
		if (c->d_name[0] == '.' || !strcmp(c->d_name, "ftrace") || !is_dir(dirfd(cats), c))
			continue;
		ret = fmt_path(path, sizeof(path), "%s/events/%s", root, c->d_name);
		if (ret)
			goto fail;
		fd = openat(dirfd(cats), c->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		evs = fd < 0 ? NULL : fdopendir(fd);
		if (!evs) {
			ret = -errno;
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		while ((e = readdir(evs))) {
			if (e->d_name[0] == '.' || !is_dir(dirfd(evs), e))
				continue;
			snprintf(name, sizeof(name), "tracepoint:%s:%s", c->d_name, e->d_name);
			if (!glob_match(q->glob, name + skip))
				continue;
			ret = names_add(ns, name);
			if (ret)
				goto fail;
		}
		closedir(evs);
		evs = NULL;
	}
	goto out;
fail:
	snprintf(err, errlen, "list: tracepoint: cannot read %s: %s", path, strerror(-ret));
out:
	if (evs)
		closedir(evs);
	if (cats)
		closedir(cats);
	return ret;
}

/* Add PREFIX+FUNC when the pattern takes it. */
static int add_kprobe(const char *prefix, size_t skip, const char *func, const struct query *q,
		      struct names *ns)
{
	char name[512];
	size_t len;

	/* __pfx_ and __cfi_ are padding before functions (6.2+), not functions;
	 * .part.N pieces of a split function cannot be probed as one (bpftrace) */
	if (!strncmp(func, "__pfx_", 6) || !strncmp(func, "__cfi_", 6) || strstr(func, ".part."))
		return 0;
	len = (size_t)snprintf(name, sizeof(name), "%s%s", prefix, func);
	if (len >= sizeof(name) || !glob_match(q->glob, name + skip))
		return 0;
	return names_add(ns, name);
}

/*
 * The kernel's own list of what ftrace (and so kprobes) can attach to. Where
 * it cannot be read (it is root-only, and some lockdowns refuse it), the text
 * symbols of /proc/kallsyms: a superset, since notrace functions are in it.
 */
static int list_kprobes(const char *ff_path, const char *ksyms_path, const struct query *q,
			struct names *ns, char *err, size_t errlen)
{
	const char *prefix = q->kind == KIND_KRETPROBE ? "kretprobe:" : "kprobe:";
	const size_t skip = q->kind == KIND_ANY ? 0 : strlen(prefix);
	const char *shown = q->kind == KIND_KRETPROBE ? "kretprobe" : "kprobe";
	struct ksyms *ks = NULL;
	char *line = NULL, *sym;
	size_t cap = 0, i;
	int ret = 0, fferr;
	FILE *f;

	f = fopen(ff_path, "re");
	if (!f) {
		fferr = errno;
		ks = ksyms__load(ksyms_path);
		if (!ks) {
			ret = -errno;
			snprintf(err, errlen, "list: %s: cannot read %s (%s) nor %s (%s)", shown,
				 ff_path, strerror(fferr), ksyms_path, strerror(-ret));
			return ret;
		}
		for (i = 0; i < ksyms__count(ks) && !ret; i++) {
			const struct ksym *s = ksyms__by_name(ks, i);

			if (ksym__is_function(s))
				ret = add_kprobe(prefix, skip, s->name, q, ns);
		}
		ksyms__free(ks);
	} else {
		/* "FUNC [MODULE]" */
		while (!ret && getline(&line, &cap, f) > 0) {
			sym = strtok(line, " \t\n");
			if (sym)
				ret = add_kprobe(prefix, skip, sym, q, ns);
		}
		if (!ret && ferror(f))
			ret = -EIO;
		free(line);
		fclose(f);
	}
	/* names_add fails only with ENOMEM: EIO is the file's */
	if (ret == -EIO)
		snprintf(err, errlen, "list: %s: cannot read %s: %s", shown, ff_path,
			 strerror(EIO));
	else if (ret)
		snprintf(err, errlen, "list: %s", strerror(-ret));
	return ret;
}

struct uprobe_ctx {
	const char *kind;
	const char *path;
	const char *glob;
	struct names *ns;
	int ret;
};

static void add_function(const char *func, void *arg)
{
	struct uprobe_ctx *ctx = arg;
	char *name;

	if (ctx->ret || !glob_match(ctx->glob, func))
		return;
	if (asprintf(&name, "%s:%s:%s", ctx->kind, ctx->path, func) < 0) {
		ctx->ret = -ENOMEM;
		return;
	}
	ctx->ret = names_add(ctx->ns, name);
	free(name);
}

static int list_uprobes(const struct query *q, const char *ldcache, struct names *ns, char *err,
			size_t errlen)
{
	struct uprobe_ctx ctx = { .kind = kind_names[q->kind], .glob = q->glob, .ns = ns };
	char path[PATH_MAX], msg[512];
	int ret;

	ret = elfsym__resolve_binary_cache(q->bin, ldcache, path, sizeof(path), msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "list: %s: %s", ctx.kind, msg);
		return ret;
	}
	/* a path as the user typed it, as bpftrace -l prints it, so that a line
	 * pastes back as typed; a library name as the file it names */
	ctx.path = strchr(q->bin, '/') ? q->bin : path;
	/* every function, filtered here: elfsym's fnmatch would also read [] and \ */
	ret = elfsym__list(path, "*", add_function, &ctx);
	if (!ret)
		ret = ctx.ret;
	if (ret)
		snprintf(err, errlen, "list: %s: cannot read the functions of %s: %s", ctx.kind,
			 path, strerror(-ret));
	return ret;
}

/*
 * usdt:BIN:PROVIDER:NAME from BIN's notes. A glob with a ':' is matched
 * against PROVIDER:NAME, one without against NAME too (as usdt:BIN:NAME
 * names a probe); a binary without notes lists nothing.
 */
static int list_usdt(const struct query *q, const char *ldcache, struct names *ns, char *err,
		     size_t errlen)
{
	char path[PATH_MAX], msg[512], *name;
	struct usdtnote *u = NULL;
	const char *shown;
	int ret;

	ret = elfsym__resolve_binary_cache(q->bin, ldcache, path, sizeof(path), msg, sizeof(msg));
	if (!ret)
		ret = usdtnote__read(path, &u, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "list: usdt: %s", msg);
		return ret;
	}
	/* a path as typed, a library name as the file it names: as uprobes */
	shown = strchr(q->bin, '/') ? q->bin : path;
	for (size_t i = 0; !ret && i < u->n; i++) {
		const struct usdtnote_probe *p = &u->v[i];

		if (asprintf(&name, "usdt:%s:%s:%s", shown, p->provider, p->name) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (glob_match(q->glob, name + strlen(shown) + 6) ||
		    (!strchr(q->glob, ':') && glob_match(q->glob, p->name)))
			ret = names_add(ns, name);
		free(name);
	}
	usdtnote__free(u);
	if (ret)
		snprintf(err, errlen, "list: usdt: %s", strerror(-ret));
	return ret;
}

/* -v: each argument's size and sign, as the note gives them */
static int print_usdt_args(FILE *out, const char *line, const char *ldcache, char *err,
			   size_t errlen)
{
	char path[PATH_MAX], msg[512], bin[PATH_MAX], *prov, *name;
	const struct usdtnote_probe *p;
	struct usdtnote *u = NULL;
	int ret;

	/* usdt:BIN:PROVIDER:NAME: BIN may hold ':', PROVIDER and NAME do not */
	snprintf(bin, sizeof(bin), "%s", line + strlen("usdt:"));
	name = strrchr(bin, ':');
	*name++ = '\0';
	prov = strrchr(bin, ':');
	*prov++ = '\0';
	ret = elfsym__resolve_binary_cache(bin, ldcache, path, sizeof(path), msg, sizeof(msg));
	if (!ret)
		ret = usdtnote__read(path, &u, msg, sizeof(msg));
	if (!ret)
		ret = usdtnote__find(u, bin, prov, name, &p, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "list: usdt: %s", msg);
		usdtnote__free(u);
		return ret;
	}
	for (uint32_t i = 0; i < p->nargs; i++)
		fprintf(out, "    arg%u: %s\n", i, usdtnote__arg_type(&p->args[i]));
	usdtnote__free(u);
	return 0;
}

/* The same test start-up uses: a kprobe PMU or tracefs kprobe_events. */
struct rawtp_ctx {
	const struct query *q;
	struct names *ns;
};

static int add_rawtp(const char *event, void *arg)
{
	struct rawtp_ctx *ctx = arg;
	char *name;
	int ret;

	if (!glob_match(ctx->q->glob, event))
		return 0;
	if (asprintf(&name, "rawtracepoint:%s", event) < 0)
		return -ENOMEM;
	ret = names_add(ctx->ns, name);
	free(name);
	return ret;
}

static int add_rawtps(const struct btf *btf, const char *module, void *arg)
{
	(void)module;
	return rawtp__for_each(btf, add_rawtp, arg);
}

/* rawtracepoint:EVENT for each btf_trace_EVENT of the kernel's BTF and its modules' */
static int list_rawtps(struct kbtf *kb, const struct query *q, struct names *ns, char *err,
		       size_t errlen)
{
	struct rawtp_ctx ctx = { .q = q, .ns = ns };
	int ret = kbtf__for_each(kb, add_rawtps, &ctx);

	if (ret)
		snprintf(err, errlen, "list: rawtracepoint: %s", strerror(-ret));
	return ret;
}

/*
 * KIND:NAME: for profile's units and the names and aliases of software and
 * hardware events, as bpftrace -l prints them (the events are listed whether
 * or not this machine has a PMU for them). The pattern matches NAME, NAME:
 * or NAME:N, so that a probe as a config writes it finds its line.
 */
static int add_perf_name(const struct query *q, const char *name, struct names *ns)
{
	const char *g = q->glob, *colon = strrchr(g, ':');
	char *line;
	int ret;

	/* software:faults:100 lists software:faults: */
	if (colon && colon[1] && strspn(colon + 1, "0123456789e") == strlen(colon + 1)) {
		char stem[128];

		snprintf(stem, sizeof(stem), "%.*s", (int)(colon - g), g);
		if (!glob_match(stem, name))
			return 0;
	} else if (!glob_match(g, name)) {
		if (asprintf(&line, "%s:", name) < 0)
			return -ENOMEM;
		ret = glob_match(g, line);
		free(line);
		if (!ret)
			return 0;
	}
	if (asprintf(&line, "%s:%s:", kind_names[q->kind], name) < 0)
		return -ENOMEM;
	ret = names_add(ns, line);
	free(line);
	return ret;
}

static int list_perf(const struct query *q, struct names *ns, char *err, size_t errlen)
{
	const struct perfevent *t;
	size_t n;
	int ret = 0;

	if (q->kind == KIND_PROFILE) {
		for (size_t i = 0; !ret && i < PERFEVENTS_NUNITS; i++)
			ret = add_perf_name(q, perfevents__units[i], ns);
	} else {
		t = perfevents__table(q->kind == KIND_HARDWARE, &n);
		for (size_t i = 0; !ret && i < n; i++) {
			ret = add_perf_name(q, t[i].name, ns);
			if (!ret && t[i].alias)
				ret = add_perf_name(q, t[i].alias, ns);
		}
	}
	if (ret)
		snprintf(err, errlen, "list: %s", strerror(-ret));
	return ret;
}

/* -v: each argument as C declares it, indented like a tracepoint's fields */
static int print_rawtp_args(FILE *out, struct kbtf *kb, const char *name, char *err, size_t errlen)
{
	const char *event = name + strlen("rawtracepoint:");
	const struct btf *btf;
	struct rawtp_event ev;
	char decl[256];

	/* the module's BTF for a module's event */
	snprintf(decl, sizeof(decl), "btf_trace_%s", event);
	btf = kbtf__find(kb, decl, BTF_KIND_TYPEDEF, NULL);
	if (!btf || rawtp__event(btf, event, &ev)) {
		snprintf(err, errlen, "list: %s: not in the kernel's BTF", name);
		return -ENOENT;
	}
	for (size_t i = 0; i < ev.nargs; i++) {
		if (rawtp__arg_decl(btf, &ev.args[i], decl, sizeof(decl)))
			snprintf(decl, sizeof(decl), "? %s", ev.args[i].name);
		fprintf(out, "    %s;\n", decl);
	}
	return 0;
}

static bool kprobes_available(const char *sysfs, const char *root)
{
	struct kprobe_support ks;

	kprobe__detect(sysfs, root, &ks);
	return ks.pmu_type >= 0 || ks.legacy;
}

/* ---- output ------------------------------------------------------------------ */

/*
 * The declarations of a tracepoint's own fields as its format file spells
 * them ("char prev_comm[16]", "__data_loc char[] filename"), which is what
 * `bpftrace -lv` prints; common_* are in every event and left out as there.
 */
static int print_fields(FILE *out, const char *root, const char *tp, char *err, size_t errlen)
{
	const char *cat = tp + strlen("tracepoint:"), *ev = strchr(cat, ':') + 1;
	char path[PATH_MAX], *line = NULL, *decl, *end, *name;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	ret = fmt_path(path, sizeof(path), "%s/events/%.*s/%s/format", root, (int)(ev - 1 - cat),
		       cat, ev);
	f = ret ? NULL : fopen(path, "re");
	if (!f) {
		if (!ret)
			ret = -errno;
		snprintf(err, errlen, "list: %s: cannot read %s: %s", tp, path, strerror(-ret));
		return ret;
	}
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "\tfield:", 7))
			continue;
		decl = line + 7;
		end = strchr(decl, ';');
		if (!end)
			continue;
		*end = '\0';
		name = strrchr(decl, ' ');
		if (!strncmp(name ? name + 1 : decl, "common_", 7))
			continue;
		fprintf(out, "    %s\n", decl);
	}
	free(line);
	fclose(f);
	return ret;
}

int list__run(const char *pattern, bool verbose, const struct list_opts *opts, FILE *out, char *err,
	      size_t errlen)
{
	static const struct list_opts defaults;
	bool want_tp, want_kp, explicit_kp;
	char root[PATH_MAX], ff[PATH_MAX];
	struct names ns = { 0 };
	struct btf *btf = NULL;
	struct kbtf *kb = NULL;
	char *buf = NULL;
	size_t len = 0, i;
	struct query q;
	FILE *mem = NULL;
	int ret;

	if (!opts)
		opts = &defaults;
	ret = parse_pattern(pattern, &q, err, errlen);
	if (ret)
		goto out;
	explicit_kp = q.kind == KIND_KPROBE || q.kind == KIND_KRETPROBE;
	want_tp = q.kind == KIND_ANY || q.kind == KIND_TRACEPOINT;
	want_kp = q.kind == KIND_ANY || explicit_kp;

	if (want_tp || want_kp) {
		if (opts->tracefs)
			snprintf(root, sizeof(root), "%s", opts->tracefs);
		else if ((ret = tracefs__find(root, sizeof(root), err, errlen)))
			goto out;
	}
	if (want_kp && !kprobes_available(opts->sysfs ? opts->sysfs : "/sys", root)) {
		/* a bare pattern asks for whatever exists; only kprobe:... insists */
		want_kp = false;
		if (explicit_kp) {
			ret = -EOPNOTSUPP;
			snprintf(err, errlen,
				 "list: %s: this kernel has no kprobes (CONFIG_KPROBES is not set)",
				 kind_names[q.kind]);
			goto out;
		}
	}
	if (want_tp && (ret = list_tracepoints(root, &q, &ns, err, errlen)))
		goto out;
	if (want_kp) {
		ret = fmt_path(ff, sizeof(ff), "%s/available_filter_functions", root);
		if (ret) {
			snprintf(err, errlen, "list: kprobe: tracefs path too long: %s", root);
			goto out;
		}
		ret = list_kprobes(opts->filter_functions ? opts->filter_functions : ff,
				   opts->kallsyms ? opts->kallsyms : KSYMS_DEFAULT, &q, &ns, err,
				   errlen);
		if (ret)
			goto out;
	}
	if ((q.kind == KIND_PROFILE || q.kind == KIND_SOFTWARE || q.kind == KIND_HARDWARE) &&
	    (ret = list_perf(&q, &ns, err, errlen)))
		goto out;
	if ((q.kind == KIND_UPROBE || q.kind == KIND_URETPROBE) &&
	    (ret = list_uprobes(&q, opts->ldcache, &ns, err, errlen)))
		goto out;
	if (q.kind == KIND_USDT && (ret = list_usdt(&q, opts->ldcache, &ns, err, errlen)))
		goto out;
	if (q.kind == KIND_RAWTP) {
		btf = opts->btf ? btf__parse(opts->btf, NULL) : btf__load_vmlinux_btf();
		if (!btf) {
			ret = -errno;
			snprintf(err, errlen,
				 "list: rawtracepoint: this kernel has no BTF (%s): %s",
				 opts->btf ? opts->btf : "/sys/kernel/btf/vmlinux", strerror(-ret));
			goto out;
		}
		kb = kbtf__new(btf, opts->btf_dir ? opts->btf_dir : opts->btf ? NULL : KBTF_DIR);
		if (!kb) {
			ret = -ENOMEM;
			snprintf(err, errlen, "list: %s", strerror(ENOMEM));
			goto out;
		}
		if ((ret = list_rawtps(kb, &q, &ns, err, errlen)))
			goto out;
	}

	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), cmp_name);
	mem = open_memstream(&buf, &len);
	if (!mem) {
		ret = -errno;
		snprintf(err, errlen, "list: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < ns.n; i++) {
		if (i && !strcmp(ns.v[i], ns.v[i - 1]))
			continue;
		fprintf(mem, "%s\n", ns.v[i]);
		if (verbose && !strncmp(ns.v[i], "tracepoint:", 11) &&
		    (ret = print_fields(mem, root, ns.v[i], err, errlen)))
			goto out;
		if (verbose && kb && (ret = print_rawtp_args(mem, kb, ns.v[i], err, errlen)))
			goto out;
		if (verbose && q.kind == KIND_USDT &&
		    (ret = print_usdt_args(mem, ns.v[i], opts->ldcache, err, errlen)))
			goto out;
	}
	if (fclose(mem)) {
		mem = NULL;
		ret = -ENOMEM;
		snprintf(err, errlen, "list: %s", strerror(ENOMEM));
		goto out;
	}
	mem = NULL;
	if (len && (fwrite(buf, 1, len, out) != len || fflush(out))) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "list: cannot write the list: %s", strerror(-ret));
	}
out:
	if (mem)
		fclose(mem);
	free(buf);
	names_free(&ns);
	free(q.bin);
	kbtf__free(kb);
	btf__free(btf);
	return ret;
}

int list__match(const char *pattern, const struct list_opts *opts, char ***names, size_t *n,
		char *err, size_t errlen)
{
	char *buf = NULL, *line, *save = NULL, **v = NULL;
	size_t len = 0, cap = 0, count = 0;
	FILE *mem;
	int ret;

	*names = NULL;
	*n = 0;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		ret = -errno;
		snprintf(err, errlen, "list: %s", strerror(-ret));
		return ret;
	}
	/* the very lines --list prints: one matcher for both */
	ret = list__run(pattern, false, opts, mem, err, errlen);
	if (fclose(mem) && !ret) {
		ret = -ENOMEM;
		snprintf(err, errlen, "list: %s", strerror(ENOMEM));
	}
	for (line = ret || !buf ? NULL : strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (count == cap) {
			char **grown = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));

			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			v = grown;
			cap = cap ? cap * 2 : 64;
		}
		v[count] = strdup(line);
		if (!v[count]) {
			ret = -ENOMEM;
			break;
		}
		count++;
	}
	free(buf);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "list: %s", strerror(ENOMEM));
		list__names_free(v, count);
		return ret;
	}
	*names = v;
	*n = count;
	return 0;
}

void list__names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
