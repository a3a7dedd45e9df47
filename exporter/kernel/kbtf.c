// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/kbtf.h"
#include "util/log.h"

struct kmod {
	char *name;
	struct btf *btf; /* NULL: not read yet, or did not parse (tried) */
	bool tried;
};

/* A function in the index: by name, then vmlinux's before the modules' in name order. */
struct kfunc {
	const char *name; /* in its BTF's strings */
	const struct btf *btf;
	const char *module; /* NULL: vmlinux */
	uint32_t id;
	uint32_t seq; /* the order found: the first of a name wins, as in kbtf__find */
};

struct kbtf {
	const struct btf *vmlinux;
	char *dir;
	bool listed; /* dir was read */
	size_t n;
	struct kmod *mods; /* by name */
	/* every function's name, sorted, for lookups of many names (a
	 * wildcard's members): vmlinux's at the first, the modules' at the
	 * first name vmlinux lacks; libbpf walks every type per lookup */
	struct kfunc *funcs;
	size_t nfuncs;
	bool funcs_vmlinux, funcs_mods;
};

struct kbtf *kbtf__new(const struct btf *vmlinux, const char *dir)
{
	struct kbtf *kb = calloc(1, sizeof(*kb));

	if (!kb)
		return NULL;
	kb->vmlinux = vmlinux;
	if (dir && !(kb->dir = strdup(dir))) {
		free(kb);
		errno = ENOMEM;
		return NULL;
	}
	return kb;
}

void kbtf__free(struct kbtf *kb)
{
	if (!kb)
		return;
	for (size_t i = 0; i < kb->n; i++) {
		free(kb->mods[i].name);
		btf__free(kb->mods[i].btf);
	}
	free(kb->mods);
	free(kb->funcs);
	free(kb->dir);
	free(kb);
}

static int cmp_mod(const void *a, const void *b)
{
	return strcmp(((const struct kmod *)a)->name, ((const struct kmod *)b)->name);
}

/* The module names of dir, once; a kernel without module BTF has only vmlinux there. */
static int list_mods(struct kbtf *kb)
{
	struct dirent *de;
	struct kmod *m;
	DIR *d;
	int err = 0;

	if (kb->listed || !kb->dir)
		return 0;
	kb->listed = true;
	d = opendir(kb->dir);
	if (!d)
		return 0; /* no sysfs BTF directory: no module BTF */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		m = realloc(kb->mods, (kb->n + 1) * sizeof(*m));
		if (!m) {
			err = -ENOMEM;
			break;
		}
		kb->mods = m;
		m = &kb->mods[kb->n];
		memset(m, 0, sizeof(*m));
		m->name = strdup(de->d_name);
		if (!m->name) {
			err = -ENOMEM;
			break;
		}
		kb->n++;
	}
	closedir(d);
	if (kb->n)
		qsort(kb->mods, kb->n, sizeof(*kb->mods), cmp_mod);
	return err;
}

/* Module i's BTF, read at the first use; NULL when it does not parse. */
static const struct btf *mod_btf(struct kbtf *kb, size_t i)
{
	struct kmod *m = &kb->mods[i];
	char path[PATH_MAX];

	if (m->tried)
		return m->btf;
	m->tried = true;
	if (snprintf(path, sizeof(path), "%s/%s", kb->dir, m->name) >= (int)sizeof(path))
		return NULL;
	/* libbpf reads the base's types, it does not change them */
	m->btf = btf__parse_split(path, (struct btf *)kb->vmlinux);
	if (!m->btf)
		log_debug("kernel: module BTF %s: %s", path, strerror(errno));
	return m->btf;
}

/*
 * Does btf itself (not its base) have a type name of kind? Only its own
 * types are walked: libbpf's btf__find_by_name_kind walks vmlinux's 100k+
 * first, for each module.
 */
static bool has_own(const struct btf *btf, const char *name, int kind)
{
	const struct btf *base = btf__base_btf(btf);
	uint32_t n = btf__type_cnt(btf);

	for (uint32_t id = base ? btf__type_cnt(base) : 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tn;

		if (btf_kind(t) != kind)
			continue;
		tn = btf__name_by_offset(btf, t->name_off);
		if (tn && !strcmp(tn, name))
			return true;
	}
	return false;
}

static int cmp_func(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Adds btf's own functions (not its base's) to the index, sorted again. */
static int index_funcs(struct kbtf *kb, const struct btf *btf, const char *module)
{
	const struct btf *base = btf__base_btf(btf);
	uint32_t n = btf__type_cnt(btf), first = base ? btf__type_cnt(base) : 1, id;
	size_t more = 0;
	struct kfunc *f;

	for (id = first; id < n; id++)
		more += btf_is_func(btf__type_by_id(btf, id));
	if (!more)
		return 0;
	f = realloc(kb->funcs, (kb->nfuncs + more) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	kb->funcs = f;
	for (id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_func(t))
			continue;
		kb->funcs[kb->nfuncs] =
			(struct kfunc){ .name = btf__name_by_offset(btf, t->name_off),
					.btf = btf,
					.module = module,
					.id = id,
					.seq = (uint32_t)kb->nfuncs };
		kb->nfuncs += !!kb->funcs[kb->nfuncs].name;
	}
	qsort(kb->funcs, kb->nfuncs, sizeof(*kb->funcs), cmp_func);
	return 0;
}

/* The first function called name in the index, or NULL. */
static const struct kfunc *indexed(const struct kbtf *kb, const char *name)
{
	size_t lo = 0, hi = kb->nfuncs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(kb->funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < kb->nfuncs && !strcmp(kb->funcs[lo].name, name) ? &kb->funcs[lo] : NULL;
}

const struct btf *kbtf__func(struct kbtf *kb, const char *name, uint32_t *id, const char **module)
{
	const struct kfunc *f;

	if (module)
		*module = NULL;
	if (!kb || !kb->vmlinux)
		return NULL;
	if (!kb->funcs_vmlinux) {
		kb->funcs_vmlinux = true;
		if (index_funcs(kb, kb->vmlinux, NULL))
			return NULL;
	}
	f = indexed(kb, name);
	if (!f && !kb->funcs_mods) {
		kb->funcs_mods = true;
		if (list_mods(kb))
			return NULL;
		for (size_t i = 0; i < kb->n; i++) {
			const struct btf *btf = mod_btf(kb, i);

			if (btf && index_funcs(kb, btf, kb->mods[i].name))
				return NULL;
		}
		f = indexed(kb, name);
	}
	if (!f)
		return NULL;
	if (id)
		*id = f->id;
	if (module)
		*module = f->module;
	return f->btf;
}

const struct btf *kbtf__find(struct kbtf *kb, const char *name, int kind, const char **module)
{
	if (kind == BTF_KIND_FUNC)
		return kbtf__func(kb, name, NULL, module);
	if (module)
		*module = NULL;
	if (!kb || !kb->vmlinux)
		return NULL;
	if (btf__find_by_name_kind(kb->vmlinux, name, (__u32)kind) > 0)
		return kb->vmlinux;
	if (list_mods(kb))
		return NULL;
	for (size_t i = 0; i < kb->n; i++) {
		const struct btf *btf = mod_btf(kb, i);

		if (btf && has_own(btf, name, kind)) {
			if (module)
				*module = kb->mods[i].name;
			return btf;
		}
	}
	return NULL;
}

int kbtf__for_each(struct kbtf *kb,
		   int (*each)(const struct btf *btf, const char *module, void *arg), void *arg)
{
	int ret;

	if (!kb || !kb->vmlinux)
		return 0;
	ret = each(kb->vmlinux, NULL, arg);
	if (ret)
		return ret;
	ret = list_mods(kb);
	for (size_t i = 0; !ret && i < kb->n; i++) {
		const struct btf *btf = mod_btf(kb, i);

		if (btf)
			ret = each(btf, kb->mods[i].name, arg);
	}
	return ret;
}
