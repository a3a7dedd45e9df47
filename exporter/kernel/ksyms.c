// SPDX-License-Identifier: GPL-2.0
/*
 * ksyms: /proc/kallsyms in two orders, by address for ksyms__map_addr and by
 * name for ksyms__get_symbol, both over one array and one block of names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/ksyms.h"

struct ksyms {
	/* by address; among equal addresses, file order (names are stored in
	 * file order, so their pointers compare in it) */
	struct ksym *syms;
	uint32_t *by_name; /* indexes of syms by name; among equal names, file order */
	size_t n;
	char *strs;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct ksym *syms = arg, *x = &syms[*(const uint32_t *)a],
			  *y = &syms[*(const uint32_t *)b];
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->name < y->name ? -1 : x->name > y->name;
}

/*
 * "ADDR TYPE NAME[\t[MODULE]]": the name (and its length) of a line, and its
 * address and type; NULL for a line of another shape.
 */
static const char *parse_line(const char *line, uint64_t *addr, char *type, size_t *len)
{
	const char *p;
	char *end;

	if (!isxdigit((unsigned char)line[0]))
		return NULL;
	*addr = strtoull(line, &end, 16);
	p = end + strspn(end, " \t");
	if (!*p || strchr(" \t\n", p[1]) == NULL)
		return NULL;
	*type = p[0];
	p += 1 + strspn(p + 1, " \t");
	*len = strcspn(p, " \t\n");
	return *len ? p : NULL;
}

/* Each function's size: up to the next function at a higher address. */
static void set_sizes(struct ksym *syms, size_t n)
{
	uint64_t next = 0; /* the address of the next function up, 0: none */
	size_t i = n, g, k;
	bool fn;

	while (i > 0) {
		/* the symbols at one address: [g, i) */
		for (g = i - 1; g > 0 && syms[g - 1].addr == syms[i - 1].addr; g--)
			;
		fn = false;
		for (k = g; k < i; k++) {
			if (!ksym__is_function(&syms[k]))
				continue;
			fn = true;
			syms[k].size = next && syms[k].addr ? next - syms[k].addr : 0;
		}
		if (fn)
			next = syms[g].addr;
		i = g;
	}
}

static int index_names(struct ksyms *ks)
{
	size_t i;

	if (ks->n > UINT32_MAX)
		return -EFBIG;
	ks->by_name = malloc(ks->n * sizeof(*ks->by_name));
	if (!ks->by_name)
		return -ENOMEM;
	for (i = 0; i < ks->n; i++)
		ks->by_name[i] = (uint32_t)i;
	qsort_r(ks->by_name, ks->n, sizeof(*ks->by_name), cmp_name, ks->syms);
	for (i = 1; i < ks->n; i++) {
		struct ksym *a = &ks->syms[ks->by_name[i - 1]], *b = &ks->syms[ks->by_name[i]];

		if (!strcmp(a->name, b->name))
			a->dup = b->dup = true;
	}
	return 0;
}

static int read_file(struct ksyms *ks, FILE *f)
{
	size_t cap = 0, strs_len = 0, strs_cap = 0, linecap = 0, len, i;
	char *line = NULL, type;
	const char *name;
	uint64_t addr;
	int err = 0;

	while (getline(&line, &linecap, f) > 0) {
		name = parse_line(line, &addr, &type, &len);
		if (!name)
			continue;
		if (ks->n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct ksym *p = realloc(ks->syms, ncap * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			ks->syms = p;
			cap = ncap;
		}
		if (len + 1 > strs_cap - strs_len) {
			size_t ncap = strs_cap ? strs_cap : 65536;
			char *p;

			while (len + 1 > ncap - strs_len)
				ncap *= 2;
			p = realloc(ks->strs, ncap);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			ks->strs = p;
			strs_cap = ncap;
		}
		memcpy(ks->strs + strs_len, name, len);
		ks->strs[strs_len + len] = '\0';
		/* an offset until the names stop moving */
		ks->syms[ks->n] = (struct ksym){ .name = (const char *)(uintptr_t)strs_len,
						 .addr = addr,
						 .type = type };
		ks->n++;
		strs_len += len + 1;
	}
	if (ferror(f)) {
		err = -EIO;
		goto out;
	}
	if (!ks->n)
		goto out;
	for (i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->strs + (uintptr_t)ks->syms[i].name;
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	set_sizes(ks->syms, ks->n);
	err = index_names(ks);
out:
	free(line);
	return err;
}

static struct ksyms *load(FILE *f)
{
	struct ksyms *ks;
	int err;

	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	err = read_file(ks, f);
	fclose(f);
	if (err) {
		ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}

struct ksyms *ksyms__load(const char *path)
{
	FILE *f = fopen(path ? path : KSYMS_DEFAULT, "re");

	return f ? load(f) : NULL;
}

struct ksyms *ksyms__load_fd(int fd)
{
	int dfd = -1;
	FILE *f;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	dfd = dup(fd);
	if (dfd < 0)
		return NULL;
	f = fdopen(dfd, "re");
	if (!f) {
		int err = errno;

		close(dfd);
		errno = err;
		return NULL;
	}
	return load(f);
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->by_name);
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

/* The index of the first symbol at an address > addr. */
static size_t upper_bound(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct ksym *ksyms__map_addr(const struct ksyms *ks, uint64_t addr)
{
	size_t i = upper_bound(ks, addr);

	if (!i || !ks->syms[i - 1].addr)
		return NULL;
	/* the first of those at that address */
	for (addr = ks->syms[--i].addr; i && ks->syms[i - 1].addr == addr; i--)
		;
	return &ks->syms[i];
}

const struct ksym *ksyms__get_symbol(const struct ksyms *ks, const char *name)
{
	size_t lo = 0, hi = ks->n, mid;

	/* the first of equal names: a lower bound */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ks->syms[ks->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ks->n || strcmp(ks->syms[ks->by_name[lo]].name, name))
		return NULL;
	return &ks->syms[ks->by_name[lo]];
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks->n;
}

const struct ksym *ksyms__by_name(const struct ksyms *ks, size_t i)
{
	return &ks->syms[ks->by_name[i]];
}
