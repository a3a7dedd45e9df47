// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "kernel/kprobe.h"
#include "kernel/ksyms.h"
#include "util/log.h"
#include "util/suggest.h"

#define MAX_EVENTS 256

struct kprobe_legacy {
	char tracefs[PATH_MAX];
	char group[KPROBE_NAME_MAX + 1];
	int holder; /* the abstract socket that says the group is in use */
	size_t nevents;
	char *events[MAX_EVENTS];
};

static int read_int_file(const char *path, int *out)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

void kprobe__detect(const char *sysfs_root, const char *tracefs, struct kprobe_support *ks)
{
	char path[PATH_MAX], buf[64];
	FILE *f;

	ks->pmu_type = -1;
	ks->retprobe_bit = 0;
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/kprobe/type", sysfs_root);
	if (read_int_file(path, &ks->pmu_type))
		ks->pmu_type = -1;
	/* "config:0": the bit that turns a kprobe into a kretprobe */
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/kprobe/format/retprobe",
		 sysfs_root);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && strncmp(buf, "config:", 7) == 0)
			ks->retprobe_bit = atoi(buf + 7);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	ks->legacy = access(path, F_OK) == 0;
}

static int perf_open(struct perf_event_attr *attr)
{
	int fd;

	/* every CPU (cpu -1 needs a pid), every process */
	fd = syscall(SYS_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kprobe__open_pmu(const struct kprobe_support *ks, const char *func, uint64_t off, bool ret)
{
	struct perf_event_attr attr = {};

	if (ks->pmu_type < 0)
		return -EOPNOTSUPP;
	attr.size = sizeof(attr);
	attr.type = (uint32_t)ks->pmu_type;
	attr.config = ret ? 1ULL << ks->retprobe_bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)func; /* kprobe_func */
	attr.config2 = off; /* probe_offset */
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	return perf_open(&attr);
}

const char *kprobe__strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such function in the kernel";
	case -EILSEQ:
		return "the offset is not on an instruction boundary of the function";
	case -ERANGE:
		return "the offset is past the end of the function";
	case -EEXIST:
		return "an event of that name already exists in kprobe_events";
	case -EBUSY:
		return "the kernel refuses a probe there (EBUSY)";
	case -EINVAL:
		return "the kernel refuses a probe there (a notrace, blacklisted or inlined function?)";
	case -EOPNOTSUPP:
		return "this kernel has no kprobe PMU";
	default:
		return strerror(-err);
	}
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Only [A-Za-z0-9_]: the names that can never leave the tracefs root. */
static bool is_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!ident_char(*s))
			return false;
	}
	return true;
}

/* TRACEFS/events/GROUP/EVENT[/FILE], refused unless every part is an identifier. */
static int event_path(const struct kprobe_legacy *lg, const char *event, const char *file,
		      char *out, size_t outlen)
{
	int n;

	if (!is_ident(lg->group) || !is_ident(event) || (file && !is_ident(file)))
		return -EINVAL;
	n = snprintf(out, outlen, "%s/events/%s/%s%s%s", lg->tracefs, lg->group, event,
		     file ? "/" : "", file ? file : "");
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* Append one command to kprobe_events (O_APPEND: a plain write clears them all). */
static int write_events(const char *tracefs, const char *cmd)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(cmd))
		err = -EIO;
	close(fd);
	return err;
}

/* Bind the abstract socket named after the group: -EADDRINUSE when it is held. */
static int hold(const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* sun_path[0] = '\0': abstract, gone with the process that binds it */
	len = (socklen_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s", group);
	if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct kprobe_legacy *kprobe__legacy_new(const char *tracefs, char *err, size_t errlen)
{
	struct kprobe_legacy *lg;
	uint8_t rnd[8];
	int ret;

	lg = calloc(1, sizeof(*lg));
	if (!lg)
		return NULL;
	lg->holder = -1;
	snprintf(lg->tracefs, sizeof(lg->tracefs), "%s", tracefs);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		ret = -errno;
		snprintf(err, errlen, "kprobe: no random bytes for a group name: %s",
			 strerror(-ret));
		goto fail;
	}
	snprintf(lg->group, sizeof(lg->group),
		 KPROBE_GROUP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	lg->holder = hold(lg->group);
	if (lg->holder < 0) {
		ret = lg->holder;
		snprintf(err, errlen, "kprobe: cannot hold group %s: %s", lg->group,
			 strerror(-ret));
		goto fail;
	}
	return lg;
fail:
	free(lg);
	errno = -ret;
	return NULL;
}

/* p_FUNC_OFF or r_FUNC, cut to fit with a unique _N, as [A-Za-z0-9_]. */
static void event_name(const char *func, uint64_t off, bool ret, size_t n, char *out, size_t outlen)
{
	char suffix[32], base[KPROBE_NAME_MAX + 1];
	size_t len, keep;

	if (off)
		snprintf(base, sizeof(base), "%c_%s_0x%llx", ret ? 'r' : 'p', func,
			 (unsigned long long)off);
	else
		snprintf(base, sizeof(base), "%c_%s", ret ? 'r' : 'p', func);
	for (char *c = base; *c; c++) {
		if (!ident_char(*c))
			*c = '_';
	}
	len = (size_t)snprintf(suffix, sizeof(suffix), "_%zu", n);
	keep = strlen(base);
	if (keep + len > KPROBE_NAME_MAX)
		keep = KPROBE_NAME_MAX - len;
	if (keep + len + 1 > outlen)
		keep = outlen - len - 1;
	snprintf(out, outlen, "%.*s%s", (int)keep, base, suffix);
}

int kprobe__legacy_open(struct kprobe_legacy *lg, const char *func, uint64_t off, bool ret,
			char *err, size_t errlen)
{
	struct perf_event_attr attr = {};
	char name[KPROBE_NAME_MAX + 1], path[PATH_MAX], cmd[PATH_MAX];
	struct stat st;
	int id, fd, rc;

	if (lg->nevents == MAX_EVENTS) {
		snprintf(err, errlen, "more than %d legacy kprobes", MAX_EVENTS);
		return -E2BIG;
	}
	/* the kernel's own symbol syntax: anything else could smuggle a command */
	for (const char *c = func; *c; c++) {
		if (!ident_char(*c) && *c != '.') {
			snprintf(err, errlen, "\"%s\" is not a kernel symbol name", func);
			return -EINVAL;
		}
	}
	event_name(func, off, ret, lg->nevents, name, sizeof(name));
	rc = event_path(lg, name, NULL, path, sizeof(path));
	if (rc) {
		snprintf(err, errlen, "bad event path for %s: %s", name, strerror(-rc));
		return rc;
	}
	if (stat(path, &st) == 0) {
		snprintf(err, errlen, "%s/%s: %s", lg->group, name, kprobe__strerror(-EEXIST));
		return -EEXIST;
	}
	if (ret)
		snprintf(cmd, sizeof(cmd), "r:%s/%s %s\n", lg->group, name, func);
	else
		snprintf(cmd, sizeof(cmd), "p:%s/%s %s+%llu\n", lg->group, name, func,
			 (unsigned long long)off);
	rc = write_events(lg->tracefs, cmd);
	if (rc) {
		snprintf(err, errlen, "kprobe_events refused \"%.*s\": %s", (int)strlen(cmd) - 1,
			 cmd, kprobe__strerror(rc));
		return rc;
	}
	lg->events[lg->nevents] = strdup(name);
	if (!lg->events[lg->nevents]) {
		snprintf(cmd, sizeof(cmd), "-:%s/%s\n", lg->group, name);
		write_events(lg->tracefs, cmd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	lg->nevents++;
	rc = event_path(lg, name, "id", path, sizeof(path));
	if (!rc)
		rc = read_int_file(path, &id);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	fd = perf_open(&attr);
	if (fd < 0)
		snprintf(err, errlen, "perf_event_open of %s/%s: %s", lg->group, name,
			 strerror(-fd));
	return fd;
}

static int remove_event(const char *tracefs, const char *group, const char *event)
{
	char cmd[2 * KPROBE_NAME_MAX + 8];

	snprintf(cmd, sizeof(cmd), "-:%s/%s\n", group, event);
	return write_events(tracefs, cmd);
}

void kprobe__legacy_free(struct kprobe_legacy *lg)
{
	int err;

	if (!lg)
		return;
	for (size_t i = lg->nevents; i > 0; i--) {
		err = remove_event(lg->tracefs, lg->group, lg->events[i - 1]);
		if (err)
			log_warn("kprobe: cannot remove %s/%s from kprobe_events: %s", lg->group,
				 lg->events[i - 1], strerror(-err));
		free(lg->events[i - 1]);
	}
	if (lg->holder >= 0)
		close(lg->holder);
	free(lg);
}

/*
 * kprobe_events lines read "p:GROUP/EVENT SYMBOL+OFF" (or r:, r5: with a
 * maxactive). Groups of ours that nobody holds are left by a killed run.
 */
int kprobe__legacy_clean_stale(const char *tracefs)
{
	char path[PATH_MAX], line[1024], group[KPROBE_NAME_MAX + 1], event[KPROBE_NAME_MAX + 1];
	char held[KPROBE_NAME_MAX + 1] = "";
	int removed = 0, fd, err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *slash, *sp;

		if (!colon)
			continue;
		slash = strchr(colon + 1, '/');
		sp = slash ? strchr(slash + 1, ' ') : NULL;
		if (!slash || !sp || (size_t)(slash - colon - 1) > KPROBE_NAME_MAX ||
		    (size_t)(sp - slash - 1) > KPROBE_NAME_MAX)
			continue;
		snprintf(group, sizeof(group), "%.*s", (int)(slash - colon - 1), colon + 1);
		snprintf(event, sizeof(event), "%.*s", (int)(sp - slash - 1), slash + 1);
		if (strncmp(group, KPROBE_GROUP_PREFIX, strlen(KPROBE_GROUP_PREFIX)) != 0 ||
		    !is_ident(group) || !is_ident(event) || strcmp(group, held) == 0)
			continue;
		fd = hold(group);
		if (fd < 0) {
			/* a live bpfprom holds it: leave its events alone */
			snprintf(held, sizeof(held), "%s", group);
			continue;
		}
		err = remove_event(tracefs, group, event);
		close(fd);
		if (err)
			log_warn("kprobe: cannot remove stale %s/%s: %s", group, event,
				 strerror(-err));
		else
			removed++;
	}
	fclose(f);
	if (removed)
		log_info(
			"kprobe: removed %d stale event%s of killed bpfprom runs from kprobe_events",
			removed, removed == 1 ? "" : "s");
	return removed;
}

/* ---- kernel functions ------------------------------------------------- */

/* The kernel resolves a probe's name to the first symbol of that name. */
static const struct ksym *find(const struct ksyms *ks, const char *func)
{
	const struct ksym *s = ksyms__get_symbol(ks, func);

	return s && ksym__is_function(s) ? s : NULL;
}

bool kprobe__syms_has(const struct ksyms *ks, const char *func)
{
	return find(ks, func) != NULL;
}

uint64_t kprobe__syms_size(const struct ksyms *ks, const char *func)
{
	const struct ksym *s = find(ks, func);

	/* a name twice (static functions of two files): the kernel probes the
	 * first; its size is not known for sure, so none is given */
	return s && !s->dup ? s->size : 0;
}

const char *kprobe__syms_suggest(const struct ksyms *ks, const char *func)
{
	struct suggest s;

	suggest__init(&s, func, false);
	for (size_t i = 0; i < ksyms__count(ks); i++) {
		const struct ksym *k = ksyms__by_name(ks, i);

		if (ksym__is_function(k))
			suggest__add(&s, k->name);
	}
	return s.best;
}
