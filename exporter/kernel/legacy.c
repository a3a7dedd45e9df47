// SPDX-License-Identifier: GPL-2.0
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
#include "kernel/legacy.h"
#include "util/file.h"
#include "util/log.h"

#define MAX_EVENTS 256

/* The two kinds of tracefs probe events, and the file each is written into. */
enum kind { KIND_KPROBE, KIND_UPROBE, NKINDS };
static const char *const kind_names[NKINDS] = { "kprobe", "uprobe" };

struct legacy {
	char tracefs[PATH_MAX];
	char group[LEGACY_NAME_MAX + 1];
	int holder; /* the abstract socket that says the group is in use */
	size_t nevents;
	struct {
		char *name;
		enum kind kind;
	} events[MAX_EVENTS];
};

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
static int event_path(const struct legacy *lg, const char *event, const char *file, char *out,
		      size_t outlen)
{
	int n;

	if (!is_ident(lg->group) || !is_ident(event) || (file && !is_ident(file)))
		return -EINVAL;
	n = snprintf(out, outlen, "%s/events/%s/%s%s%s", lg->tracefs, lg->group, event,
		     file ? "/" : "", file ? file : "");
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* Append one command to KIND_events (O_APPEND: a plain write clears them all). */
static int write_events(const char *tracefs, enum kind kind, const char *cmd)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s_events", tracefs, kind_names[kind]);
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

struct legacy *legacy__new(const char *tracefs, char *err, size_t errlen)
{
	struct legacy *lg;
	uint8_t rnd[8];
	int ret;

	lg = calloc(1, sizeof(*lg));
	if (!lg)
		return NULL;
	lg->holder = -1;
	snprintf(lg->tracefs, sizeof(lg->tracefs), "%s", tracefs);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		ret = -errno;
		snprintf(err, errlen, "legacy: no random bytes for a group name: %s",
			 strerror(-ret));
		goto fail;
	}
	snprintf(lg->group, sizeof(lg->group),
		 LEGACY_GROUP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	lg->holder = hold(lg->group);
	if (lg->holder < 0) {
		ret = lg->holder;
		snprintf(err, errlen, "legacy: cannot hold group %s: %s", lg->group,
			 strerror(-ret));
		goto fail;
	}
	return lg;
fail:
	free(lg);
	errno = -ret;
	return NULL;
}

/* p_WHAT_0xOFF or r_WHAT, cut to fit with a unique _N, as [A-Za-z0-9_]. */
static void event_name(const char *what, uint64_t off, bool ret, size_t n, char *out, size_t outlen)
{
	char suffix[32], base[LEGACY_NAME_MAX + 1];
	size_t len, keep;

	if (off)
		snprintf(base, sizeof(base), "%c_%s_0x%llx", ret ? 'r' : 'p', what,
			 (unsigned long long)off);
	else
		snprintf(base, sizeof(base), "%c_%s", ret ? 'r' : 'p', what);
	for (char *c = base; *c; c++) {
		if (!ident_char(*c))
			*c = '_';
	}
	len = (size_t)snprintf(suffix, sizeof(suffix), "_%zu", n);
	keep = strlen(base);
	if (keep + len > LEGACY_NAME_MAX)
		keep = LEGACY_NAME_MAX - len;
	if (keep + len + 1 > outlen)
		keep = outlen - len - 1;
	snprintf(out, outlen, "%.*s%s", (int)keep, base, suffix);
}

/* Why KIND_events refused a command. */
static const char *refusal(enum kind kind, int err)
{
	if (kind == KIND_KPROBE)
		return kprobe__strerror(err);
	switch (err) {
	case -ENOENT:
		return "no such file";
	case -EEXIST:
		return "an event of that name already exists in uprobe_events";
	case -EINVAL:
		return "the kernel refuses a probe there (EINVAL)";
	default:
		return strerror(-err);
	}
}

/* A perf event of the tracefs event with this id: process pid, or every one (-1). */
static int perf_open(int id, int pid)
{
	struct perf_event_attr attr = {};
	int fd;

	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	/* every CPU: cpu -1 needs a pid, and a BPF program runs whatever the
	 * event's CPU */
	fd = syscall(SYS_perf_event_open, &attr, pid > 0 ? pid : -1, pid > 0 ? -1 : 0, -1,
		     PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Write the command "X:GROUP/NAME TARGET" into KIND_events, remember the
 * event for legacy__free, and open it for pid.
 */
static int add_event(struct legacy *lg, enum kind kind, const char *name, const char *cmd, int pid,
		     char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int id, fd, rc;

	if (lg->nevents == MAX_EVENTS) {
		snprintf(err, errlen, "more than %d legacy probes", MAX_EVENTS);
		return -E2BIG;
	}
	rc = event_path(lg, name, NULL, path, sizeof(path));
	if (rc) {
		snprintf(err, errlen, "bad event path for %s: %s", name, strerror(-rc));
		return rc;
	}
	if (stat(path, &st) == 0) {
		snprintf(err, errlen, "%s/%s: %s", lg->group, name, refusal(kind, -EEXIST));
		return -EEXIST;
	}
	rc = write_events(lg->tracefs, kind, cmd);
	if (rc) {
		snprintf(err, errlen, "%s_events refused \"%.*s\": %s", kind_names[kind],
			 (int)strlen(cmd) - 1, cmd, refusal(kind, rc));
		return rc;
	}
	lg->events[lg->nevents].name = strdup(name);
	if (!lg->events[lg->nevents].name) {
		snprintf(path, sizeof(path), "-:%s/%s\n", lg->group, name);
		write_events(lg->tracefs, kind, path);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	lg->events[lg->nevents++].kind = kind;
	rc = event_path(lg, name, "id", path, sizeof(path));
	if (!rc)
		rc = file__read_int(path, &id);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	fd = perf_open(id, pid);
	if (fd < 0)
		snprintf(err, errlen, "perf_event_open of %s/%s: %s", lg->group, name,
			 strerror(-fd));
	return fd;
}

int legacy__open_kprobe(struct legacy *lg, const char *func, uint64_t off, bool ret, char *err,
			size_t errlen)
{
	char name[LEGACY_NAME_MAX + 1], cmd[PATH_MAX];

	/* the kernel's own symbol syntax: anything else could smuggle a command */
	for (const char *c = func; *c; c++) {
		if (!ident_char(*c) && *c != '.') {
			snprintf(err, errlen, "\"%s\" is not a kernel symbol name", func);
			return -EINVAL;
		}
	}
	event_name(func, off, ret, lg->nevents, name, sizeof(name));
	if (ret)
		snprintf(cmd, sizeof(cmd), "r:%s/%s %s\n", lg->group, name, func);
	else
		snprintf(cmd, sizeof(cmd), "p:%s/%s %s+%llu\n", lg->group, name, func,
			 (unsigned long long)off);
	return add_event(lg, KIND_KPROBE, name, cmd, -1, err, errlen);
}

int legacy__open_uprobe(struct legacy *lg, const char *path, const char *func, uint64_t off,
			bool ret, int pid, char *err, size_t errlen)
{
	char name[LEGACY_NAME_MAX + 1], cmd[PATH_MAX + 2 * LEGACY_NAME_MAX + 32];
	const char *base = strrchr(path, '/');

	/* the kernel splits a command at white space: such a path cannot be
	 * said, and a newline would start another command */
	for (const char *c = path; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			snprintf(
				err, errlen,
				"\"%s\": a path with white space or control characters cannot be written into uprobe_events; use --probe.mechanism=auto",
				path);
			return -EINVAL;
		}
	}
	if (path[0] != '/' || strlen(path) >= PATH_MAX) {
		snprintf(err, errlen, "\"%s\" is not an absolute path", path);
		return -EINVAL;
	}
	/* the function's name, or the binary's, with the probe's file offset */
	event_name(func ? func : base + 1, func ? 0 : off, ret, lg->nevents, name, sizeof(name));
	snprintf(cmd, sizeof(cmd), "%c:%s/%s %s:0x%llx\n", ret ? 'r' : 'p', lg->group, name, path,
		 (unsigned long long)off);
	return add_event(lg, KIND_UPROBE, name, cmd, pid, err, errlen);
}

static int remove_event(const char *tracefs, enum kind kind, const char *group, const char *event)
{
	char cmd[2 * LEGACY_NAME_MAX + 8];

	snprintf(cmd, sizeof(cmd), "-:%s/%s\n", group, event);
	return write_events(tracefs, kind, cmd);
}

void legacy__free(struct legacy *lg)
{
	int err;

	if (!lg)
		return;
	for (size_t i = lg->nevents; i > 0; i--) {
		enum kind kind = lg->events[i - 1].kind;

		err = remove_event(lg->tracefs, kind, lg->group, lg->events[i - 1].name);
		if (err)
			log_warn("%s: cannot remove %s/%s from %s_events: %s", kind_names[kind],
				 lg->group, lg->events[i - 1].name, kind_names[kind],
				 strerror(-err));
		free(lg->events[i - 1].name);
	}
	if (lg->holder >= 0)
		close(lg->holder);
	free(lg);
}

/* A name legacy__new makes: bpfprom_ and 16 hex digits, nobody else's group. */
static bool is_ours(const char *group)
{
	size_t n = strlen(LEGACY_GROUP_PREFIX);

	return !strncmp(group, LEGACY_GROUP_PREFIX, n) && strlen(group + n) == 16 &&
	       strspn(group + n, "0123456789abcdef") == 16;
}

/*
 * KIND_events lines read "p:GROUP/EVENT TARGET" (or r:, r5: with a
 * maxactive). Groups of ours that nobody holds are left by a killed run.
 */
static int clean_stale(const char *tracefs, enum kind kind)
{
	char path[PATH_MAX], line[PATH_MAX + 256], group[LEGACY_NAME_MAX + 1];
	char event[LEGACY_NAME_MAX + 1], held[LEGACY_NAME_MAX + 1] = "";
	int removed = 0, fd, err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s_events", tracefs, kind_names[kind]);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *slash, *sp;

		if (!colon)
			continue;
		slash = strchr(colon + 1, '/');
		sp = slash ? strchr(slash + 1, ' ') : NULL;
		if (!slash || !sp || (size_t)(slash - colon - 1) > LEGACY_NAME_MAX ||
		    (size_t)(sp - slash - 1) > LEGACY_NAME_MAX)
			continue;
		snprintf(group, sizeof(group), "%.*s", (int)(slash - colon - 1), colon + 1);
		snprintf(event, sizeof(event), "%.*s", (int)(sp - slash - 1), slash + 1);
		if (!is_ours(group) || !is_ident(event) || strcmp(group, held) == 0)
			continue;
		fd = hold(group);
		if (fd < 0) {
			/* a live bpfprom holds it: leave its events alone */
			snprintf(held, sizeof(held), "%s", group);
			continue;
		}
		err = remove_event(tracefs, kind, group, event);
		close(fd);
		if (err)
			log_warn("%s: cannot remove stale %s/%s: %s", kind_names[kind], group,
				 event, strerror(-err));
		else
			removed++;
	}
	fclose(f);
	if (removed)
		log_info("%s: removed %d stale event%s of killed bpfprom runs from %s_events",
			 kind_names[kind], removed, removed == 1 ? "" : "s", kind_names[kind]);
	return removed;
}

int legacy__clean_stale(const char *tracefs)
{
	return clean_stale(tracefs, KIND_KPROBE) + clean_stale(tracefs, KIND_UPROBE);
}

void legacy__detect_uprobes(const char *sysfs_root, const char *tracefs, bool *pmu, bool *events)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/event_source/devices/uprobe/type", sysfs_root);
	*pmu = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/uprobe_events", tracefs);
	*events = access(path, F_OK) == 0;
}
