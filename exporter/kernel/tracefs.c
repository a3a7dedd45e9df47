// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/tracefs.h"

static bool has_events(const char *root)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tracefs__find(char *root, size_t rootlen, char *err, size_t errlen)
{
	static const char *const candidates[] = { TRACEFS_DEFAULT, "/sys/kernel/debug/tracing" };
	char path[PATH_MAX];
	int merr;

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (has_events(candidates[i])) {
			snprintf(root, rootlen, "%s", candidates[i]);
			return 0;
		}
	}
	/* mounted (root's, mode 0700) but closed to us: a capability is missing */
	snprintf(path, sizeof(path), "%s/events", TRACEFS_DEFAULT);
	if (access(path, F_OK) && errno == EACCES) {
		snprintf(
			err, errlen,
			"tracefs: %s is not readable by this process: run as root or with CAP_DAC_READ_SEARCH (see README: Capabilities)",
			TRACEFS_DEFAULT);
		return -EACCES;
	}
	if (mount("nodev", TRACEFS_DEFAULT, "tracefs", 0, NULL) == 0 &&
	    has_events(TRACEFS_DEFAULT)) {
		snprintf(root, rootlen, "%s", TRACEFS_DEFAULT);
		return 0;
	}
	merr = -errno;
	snprintf(
		err, errlen,
		"tracefs: not mounted at %s and mounting it failed (%s); mount it with: mount -t tracefs nodev %s",
		TRACEFS_DEFAULT, strerror(-merr), TRACEFS_DEFAULT);
	return merr ? merr : -ENOENT;
}

/* The width of a signed C integer type as declared, 0 if not one of these. */
static uint32_t signed_width(const char *type)
{
	static const struct {
		const char *name;
		uint32_t width;
	} types[] = {
		{ "int", 4 },	    { "signed int", 4 },   { "long", 8 },    { "long long", 8 },
		{ "short", 2 },	    { "s8", 1 },	   { "s16", 2 },     { "s32", 4 },
		{ "s64", 8 },	    { "__s8", 1 },	   { "__s16", 2 },   { "__s32", 4 },
		{ "__s64", 8 },	    { "pid_t", 4 },	   { "int32_t", 4 }, { "int64_t", 8 },
		{ "clockid_t", 4 }, { "key_serial_t", 4 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].name) == 0)
			return types[i].width;
	return 0;
}

/*
 * The syscalls:sys_enter_* records store every argument as an unsigned long
 * ("field:int dfd; ... size:8; signed:0;"): the declared C type is what the
 * user means, so a signed type is signed and read at its own width (its low
 * bytes; a filter "args.dfd == -100" then matches AT_FDCWD).
 */
static void follow_declared_type(struct tp_field *f)
{
	uint32_t w = f->is_array || f->is_data_loc ? 0 : signed_width(f->type);

	if (!w || w > f->size || (w == f->size && f->is_signed))
		return;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	f->offset += f->size - w;
#endif
	f->size = w;
	f->is_signed = true;
}

/* One "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line. */
static int parse_field(char *line, struct tp_field *f)
{
	char *decl, *end, *name, *p;
	int is_signed;

	decl = strstr(line, "field:");
	if (!decl)
		return -EINVAL;
	decl += 6;
	end = strchr(decl, ';');
	if (!end)
		return -EINVAL;
	*end = '\0';
	p = end + 1;
	memset(f, 0, sizeof(*f));
	if (sscanf(p, " offset:%u; size:%u; signed:%d;", &f->offset, &f->size, &is_signed) != 3)
		return -EINVAL;
	f->is_signed = is_signed != 0;
	/* the name is the last word of the declaration, less any [N];
	 * "__data_loc char[] name" has its brackets in the type, not the name */
	while (end > decl && end[-1] == ' ')
		*--end = '\0';
	name = strrchr(decl, ' ');
	if (!name)
		return -EINVAL;
	*name++ = '\0';
	p = strchr(name, '[');
	if (p) {
		f->is_array = true;
		*p = '\0';
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->type, sizeof(f->type), "%s", decl);
	f->is_data_loc = strncmp(f->type, "__data_loc", 10) == 0;
	follow_declared_type(f);
	return 0;
}

/* The lines of a format file; the caller closes fp. */
static int parse_stream(FILE *fp, struct tp_format *out)
{
	struct tp_field *fields = NULL, *tmp;
	size_t n = 0, cap = 0;
	char line[512];
	bool have_id = false;

	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "ID:", 3) == 0) {
			out->id = strtoul(line + 3, NULL, 10);
			have_id = true;
			continue;
		}
		if (!strstr(line, "field:"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(fields, cap * sizeof(*fields));
			if (!tmp) {
				free(fields);
				return -ENOMEM;
			}
			fields = tmp;
		}
		if (parse_field(line, &fields[n]) == 0)
			n++;
	}
	if (!have_id) {
		free(fields);
		return -EINVAL;
	}
	out->fields = fields;
	out->nfields = n;
	return 0;
}

int tracefs__read_format(const char *root, const char *cat, const char *event,
			 struct tp_format *out)
{
	char path[PATH_MAX];
	FILE *fp;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, event);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	err = parse_stream(fp, out);
	fclose(fp);
	return err;
}

int tracefs__parse_format(const char *text, size_t len, struct tp_format *out)
{
	FILE *fp;
	int err;

	memset(out, 0, sizeof(*out));
	/* fmemopen reads at most len bytes and never writes in "r" mode */
	fp = fmemopen((void *)text, len, "r");
	if (!fp)
		return -errno;
	err = parse_stream(fp, out);
	fclose(fp);
	return err;
}

void tracefs__format_free(struct tp_format *f)
{
	if (!f)
		return;
	free(f->fields);
	f->fields = NULL;
	f->nfields = 0;
}

const struct tp_field *tracefs__field(const struct tp_format *f, const char *name)
{
	for (size_t i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	}
	return NULL;
}
