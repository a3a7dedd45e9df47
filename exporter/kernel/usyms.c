// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "kernel/usyms.h"

/* a mapping of a file: [start, end) at file offset pgoff */
struct umap {
	uint64_t start, end, pgoff;
	uint64_t dev, ino;
	char *path;
};

struct uproc {
	uint32_t pid;
	bool valid; /* the maps were read (the process was there) */
	size_t n;
	struct umap *maps;
};

struct usym {
	uint64_t addr, size;
	const char *name;
};

struct useg {
	uint64_t off, vaddr, filesz;
};

struct ufile {
	bool used;
	uint64_t dev, ino;
	size_t nsyms, nsegs;
	struct usym *syms;
	struct useg *segs;
	char *names; /* the symbols' names, one after the other */
};

struct usyms {
	char *proc;
	struct uproc procs[USYMS_MAX_PROCS];
	size_t nprocs;
	struct ufile files[USYMS_MAX_FILES];
	size_t next_file; /* replaced next when every slot is used */
};

struct usyms *usyms__new(const char *proc)
{
	struct usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->proc = strdup(proc ? proc : "/proc");
	if (!u->proc) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	return u;
}

static void uproc_clear(struct uproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->maps[i].path);
	free(p->maps);
	memset(p, 0, sizeof(*p));
}

static void ufile_clear(struct ufile *f)
{
	free(f->syms);
	free(f->segs);
	free(f->names);
	memset(f, 0, sizeof(*f));
}

void usyms__forget_procs(struct usyms *u)
{
	for (size_t i = 0; i < u->nprocs; i++)
		uproc_clear(&u->procs[i]);
	u->nprocs = 0;
}

void usyms__free(struct usyms *u)
{
	if (!u)
		return;
	usyms__forget_procs(u);
	for (size_t i = 0; i < USYMS_MAX_FILES; i++)
		ufile_clear(&u->files[i]);
	free(u->proc);
	free(u);
}

/* The file mappings of /proc/PID/maps: "START-END PERMS PGOFF MAJ:MIN INO PATH". */
static void read_maps(struct usyms *u, struct uproc *p)
{
	char path[64], line[4096 + 128];
	unsigned int maj, min;
	uint64_t start, end, pgoff, ino;
	struct umap *m;
	size_t cap = 0;
	int pos;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/maps", u->proc, p->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char perms[8];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &pgoff, &maj, &min, &ino, &pos) < 7 ||
		    line[pos] != '/' || !ino)
			continue;
		if (p->n == cap) {
			cap = cap ? 2 * cap : 32;
			m = realloc(p->maps, cap * sizeof(*m));
			if (!m)
				break;
			p->maps = m;
		}
		m = &p->maps[p->n];
		m->path = strdup(line + pos);
		if (!m->path)
			break;
		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
		m->dev = (uint64_t)maj << 32 | min;
		m->ino = ino;
		p->n++;
	}
	p->valid = true;
	fclose(f);
}

static struct uproc *get_proc(struct usyms *u, uint32_t pid)
{
	struct uproc *p;

	for (size_t i = 0; i < u->nprocs; i++) {
		if (u->procs[i].pid == pid)
			return &u->procs[i];
	}
	if (u->nprocs == USYMS_MAX_PROCS)
		usyms__forget_procs(u);
	p = &u->procs[u->nprocs++];
	p->pid = pid;
	read_maps(u, p);
	return p;
}

static int cmp_usym(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The functions of one symbol table, appended to f (names copied into f->names). */
static int load_syms(struct ufile *f, Elf *elf, Elf_Scn *scn)
{
	size_t n, names = 0, k = 0, off = 0;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	const char *name;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	data = elf_getdata(scn, NULL);
	if (!data)
		return 0;
	n = data->d_size / sh.sh_entsize;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			int type;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			if (!pass) {
				k++;
				names += strlen(name) + 1;
				continue;
			}
			f->syms[k].addr = sym.st_value;
			f->syms[k].size = sym.st_size;
			/* an offset for now: names may still move */
			f->syms[k++].name = (const char *)(uintptr_t)off;
			memcpy(f->names + off, name, strlen(name) + 1);
			off += strlen(name) + 1;
		}
		if (!pass) {
			f->syms = calloc(k ? k : 1, sizeof(*f->syms));
			f->names = malloc(names ? names : 1);
			if (!f->syms || !f->names)
				return -ENOMEM;
			k = 0;
		}
	}
	for (size_t i = 0; i < k; i++)
		f->syms[i].name = f->names + (uintptr_t)f->syms[i].name;
	qsort(f->syms, k, sizeof(*f->syms), cmp_usym);
	f->nsyms = k;
	return 0;
}

static int load_file(struct ufile *f, const char *path)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	size_t nph = 0;
	GElf_Phdr ph;
	GElf_Shdr sh;
	Elf *elf = NULL;
	int fd, err = -ENOEXEC;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nph))
		goto out;
	f->segs = calloc(nph ? nph : 1, sizeof(*f->segs));
	err = -ENOMEM;
	if (!f->segs)
		goto out;
	for (size_t i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs].off = ph.p_offset;
		f->segs[f->nsegs].vaddr = ph.p_vaddr;
		f->segs[f->nsegs++].filesz = ph.p_filesz;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
	}
	/* a stripped file keeps .dynsym only: its exported functions */
	err = symtab || dynsym ? load_syms(f, elf, symtab ? symtab : dynsym) : 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static struct ufile *get_file(struct usyms *u, uint32_t pid, const struct umap *m)
{
	char path[4096 + 64];
	struct ufile *f;
	size_t i;

	for (i = 0; i < USYMS_MAX_FILES; i++) {
		f = &u->files[i];
		if (f->used && f->dev == m->dev && f->ino == m->ino)
			return f;
	}
	for (i = 0; i < USYMS_MAX_FILES && u->files[i].used; i++)
		;
	if (i == USYMS_MAX_FILES) {
		i = u->next_file;
		u->next_file = (u->next_file + 1) % USYMS_MAX_FILES;
	}
	f = &u->files[i];
	ufile_clear(f);
	f->used = true;
	f->dev = m->dev;
	f->ino = m->ino;
	/* the process's own view of the path: a container's root is its own */
	snprintf(path, sizeof(path), "%s/%u/root%s", u->proc, pid, m->path);
	if (load_file(f, path) && load_file(f, m->path)) {
		/* kept, empty: a file that cannot be read is not read again */
		free(f->syms);
		f->syms = NULL;
		f->nsyms = 0;
		f->nsegs = 0;
	}
	return f;
}

const char *usyms__name(struct usyms *u, uint32_t pid, uint64_t addr)
{
	const struct umap *m = NULL;
	const struct ufile *f;
	struct uproc *p = get_proc(u, pid);
	uint64_t off, v = 0;
	size_t lo, hi, i;
	bool found = false;

	for (i = 0; i < p->n; i++) {
		if (addr >= p->maps[i].start && addr < p->maps[i].end) {
			m = &p->maps[i];
			break;
		}
	}
	if (!m)
		return NULL;
	f = get_file(u, pid, m);
	off = addr - m->start + m->pgoff;
	for (i = 0; i < f->nsegs; i++) {
		if (off >= f->segs[i].off && off < f->segs[i].off + f->segs[i].filesz) {
			v = off - f->segs[i].off + f->segs[i].vaddr;
			found = true;
			break;
		}
	}
	if (!found || !f->nsyms)
		return NULL;
	/* the last symbol at or below v */
	for (lo = 0, hi = f->nsyms; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (f->syms[mid].addr <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	i = lo - 1;
	if (f->syms[i].size && v >= f->syms[i].addr + f->syms[i].size)
		return NULL;
	return f->syms[i].name;
}
