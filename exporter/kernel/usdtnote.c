// SPDX-License-Identifier: GPL-2.0
/*
 * usdtnote: a binary's USDT probes from its .note.stapsdt notes. A note (type
 * 3, owner "stapsdt") holds the probe's address, the .stapsdt.base address
 * and the semaphore's address (each 4 or 8 bytes by ELF class), then three
 * NUL-terminated strings: provider, name, arguments. The format is
 * systemtap's: https://sourceware.org/systemtap/wiki/UserSpaceProbeImplementation
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "kernel/usdtnote.h"
#include "util/suggest.h"

#define NT_STAPSDT 3

/*
 * The sizes of an argument string: "N@OPERAND" words apart by spaces, N
 * negative for a signed argument. An operand may hold spaces inside
 * brackets (arm64's "-4@[sp, 12]").
 */
static int parse_args(const char *s, struct usdtnote_probe *p)
{
	long size;
	char *end;
	int depth;

	p->nargs = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return 0;
		if (p->nargs == USDTNOTE_MAX_ARGS)
			return -E2BIG;
		size = strtol(s, &end, 10);
		if (end == s || *end != '@' ||
		    (labs(size) != 1 && labs(size) != 2 && labs(size) != 4 && labs(size) != 8))
			return -EINVAL;
		p->args[p->nargs].size = (uint32_t)labs(size);
		p->args[p->nargs].is_signed = size < 0;
		p->nargs++;
		for (s = end, depth = 0; *s && (*s != ' ' || depth); s++) {
			if (*s == '[')
				depth++;
			else if (*s == ']' && depth)
				depth--;
		}
	}
}

static struct usdtnote_probe *find(struct usdtnote *u, const char *provider, const char *name)
{
	for (size_t i = 0; i < u->n; i++) {
		if (!strcmp(u->v[i].provider, provider) && !strcmp(u->v[i].name, name))
			return &u->v[i];
	}
	return NULL;
}

/* One note: a new probe, or one more site of a known one. */
static int add_note(struct usdtnote *u, size_t *cap, const char *desc, size_t len, size_t addr,
		    const char *path, char *err, size_t errlen)
{
	const char *provider, *name, *args, *end = desc + len;
	struct usdtnote_probe *p, *grown;
	uint64_t sema = 0;
	int ret;

	if (len < 3 * addr + 3)
		goto bad;
	memcpy(&sema, desc + 2 * addr, addr);
	provider = desc + 3 * addr;
	name = memchr(provider, '\0', (size_t)(end - provider));
	if (!name++ || name >= end)
		goto bad;
	args = memchr(name, '\0', (size_t)(end - name));
	if (!args++ || args >= end || !memchr(args, '\0', (size_t)(end - args)))
		goto bad;
	p = find(u, provider, name);
	if (p) {
		p->nsites++;
		return 0;
	}
	if (u->n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		grown = realloc(u->v, *cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		u->v = grown;
	}
	p = &u->v[u->n];
	memset(p, 0, sizeof(*p));
	p->provider = strdup(provider);
	p->name = strdup(name);
	if (!p->provider || !p->name) {
		free(p->provider);
		free(p->name);
		return -ENOMEM;
	}
	u->n++;
	p->nsites = 1;
	p->sema = sema;
	ret = parse_args(args, p);
	if (ret == -E2BIG)
		snprintf(err, errlen, "USDT probe %s:%s in %s has more than %d arguments", provider,
			 name, path, USDTNOTE_MAX_ARGS);
	else if (ret)
		snprintf(err, errlen, "USDT probe %s:%s in %s: cannot read its arguments \"%s\"",
			 provider, name, path, args);
	return ret;
bad:
	snprintf(err, errlen, "%s: a malformed .note.stapsdt note", path);
	return -EINVAL;
}

static int cmp_probe(const void *a, const void *b)
{
	const struct usdtnote_probe *x = a, *y = b;
	int c = strcmp(x->provider, y->provider);

	return c ? c : strcmp(x->name, y->name);
}

static int read_notes(Elf *elf, struct usdtnote *u, const char *path, char *err, size_t errlen)
{
	size_t shstrndx, cap = 0, off, name_off, desc_off;
	size_t addr = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	Elf_Scn *scn = NULL;
	const char *sname;
	Elf_Data *data;
	GElf_Nhdr nh;
	GElf_Shdr sh;
	int ret;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		for (off = 0; data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off));) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", nh.n_namesz))
				continue;
			ret = add_note(u, &cap, (char *)data->d_buf + desc_off, nh.n_descsz, addr,
				       path, err, errlen);
			if (ret)
				return ret;
		}
	}
	if (u->n)
		qsort(u->v, u->n, sizeof(*u->v), cmp_probe);
	return 0;
}

int usdtnote__read(const char *path, struct usdtnote **out, char *err, size_t errlen)
{
	struct usdtnote *u;
	Elf *elf = NULL;
	int fd, ret;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(-ret));
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		snprintf(err, errlen, "\"%s\" is not an ELF file", path);
		goto out;
	}
	ret = read_notes(elf, u, path, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s", strerror(ENOMEM));
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (ret) {
		usdtnote__free(u);
		return ret;
	}
	*out = u;
	return 0;
}

int usdtnote__find(const struct usdtnote *u, const char *shown, const char *provider,
		   const char *name, const struct usdtnote_probe **out, char *err, size_t errlen)
{
	const struct usdtnote_probe *hit = NULL;
	char full[2 * SUGGEST_MAX_WORD], *names = NULL;
	char(*cands)[2 * SUGGEST_MAX_WORD] = NULL;
	struct suggest s;
	size_t nhits = 0, len = 0;
	FILE *f;

	if (!u->n) {
		snprintf(
			err, errlen,
			"%s has no USDT probes (no .note.stapsdt notes: build it with <sys/sdt.h> probes)",
			shown);
		return -ENOENT;
	}
	for (size_t i = 0; i < u->n; i++) {
		if (strcmp(u->v[i].name, name) || (provider && strcmp(u->v[i].provider, provider)))
			continue;
		hit = hit ? hit : &u->v[i];
		nhits++;
	}
	if (nhits == 1) {
		*out = hit;
		return 0;
	}
	if (nhits > 1) {
		f = open_memstream(&names, &len);
		if (!f)
			return -ENOMEM;
		for (size_t i = 0, k = 0; i < u->n; i++) {
			if (!strcmp(u->v[i].name, name))
				fprintf(f, "%s%s", k++ ? ", " : "", u->v[i].provider);
		}
		if (fclose(f))
			return -ENOMEM;
		snprintf(
			err, errlen,
			"USDT probe \"%s\" is in several providers of %s: %s; write usdt:BINARY:PROVIDER:%s",
			name, shown, names, name);
		free(names);
		return -EINVAL;
	}
	/* the names the user could have meant, spelled as written: PROVIDER:NAME or NAME */
	cands = calloc(u->n, sizeof(*cands));
	if (!cands)
		return -ENOMEM;
	snprintf(full, sizeof(full), "%s%s%s", provider ? provider : "", provider ? ":" : "", name);
	suggest__init(&s, full, false);
	for (size_t i = 0; i < u->n; i++) {
		snprintf(cands[i], sizeof(cands[i]), "%s%s%s", provider ? u->v[i].provider : "",
			 provider ? ":" : "", u->v[i].name);
		suggest__add(&s, cands[i]);
	}
	snprintf(err, errlen, "no USDT probe \"%s\" in %s%s%s%s", full, shown,
		 s.best ? " (did you mean \"" : "", s.best ? s.best : "", s.best ? "\"?)" : "");
	free(cands);
	return -ENOENT;
}

const char *usdtnote__arg_type(const struct usdtnote_arg *a)
{
	switch (a->size) {
	case 1:
		return a->is_signed ? "int8" : "uint8";
	case 2:
		return a->is_signed ? "int16" : "uint16";
	case 4:
		return a->is_signed ? "int32" : "uint32";
	default:
		return a->is_signed ? "int64" : "uint64";
	}
}

void usdtnote__free(struct usdtnote *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].provider);
		free(u->v[i].name);
	}
	free(u->v);
	free(u);
}
