// SPDX-License-Identifier: GPL-2.0
/*
 * elfsym: where a uprobe goes. A binary is a path or a library name looked up
 * in glibc's ld.so.cache (read here, not through `ldconfig -p`, so that no
 * process is spawned and the cache file can be swapped for tests); a function
 * is a symbol whose address is translated to the file offset the kernel wants.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "kernel/elfsym.h"
#include "util/suggest.h"

#define LDCACHE_DEFAULT "/etc/ld.so.cache"

/* ---- ld.so.cache ------------------------------------------------------- */

/*
 * glibc's elf/dl-cache.h. The new format is a header and 24-byte entries whose
 * string offsets count from the new header. glibc before 2.32 could write it
 * behind an old-format table ("compat"), hidden in that table's string area;
 * a cache with only the old table (libc5 era) is still read, for what it is.
 */
#define CACHE_MAGIC_OLD "ld.so-1.7.0"
#define CACHE_MAGIC_NEW "glibc-ld.so.cache1.1"
#define CACHE_OLD_HDR 16 /* magic[11], pad, u32 nlibs */
#define CACHE_OLD_ENT 12 /* i32 flags, u32 key, u32 value */
#define CACHE_NEW_HDR 48 /* magic+version[20], nlibs, len_strings, flags, pad, ext, unused[3] */
#define CACHE_NEW_ENT 24 /* i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap */
#define CACHE_ALIGN 8 /* __alignof__(struct cache_file_new) */

#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003

/* The FLAG_*_LIB64 (required) bits ldconfig gives this machine's libraries. */
#if defined(__x86_64__) && defined(__ILP32__)
#define FLAG_HOST 0x0800 /* FLAG_X8664_LIBX32 */
#elif defined(__x86_64__)
#define FLAG_HOST 0x0300 /* FLAG_X8664_LIB64 */
#elif defined(__aarch64__)
#define FLAG_HOST 0x0a00 /* FLAG_AARCH64_LIB64 */
#elif defined(__s390x__)
#define FLAG_HOST 0x0400 /* FLAG_S390_LIB64 */
#elif defined(__powerpc64__)
#define FLAG_HOST 0x0500 /* FLAG_POWERPC_LIB64 */
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)
#define FLAG_HOST 0x1000 /* FLAG_RISCV_FLOAT_ABI_DOUBLE */
#elif defined(__loongarch64) && defined(__loongarch_double_float)
#define FLAG_HOST 0x1200 /* FLAG_LARCH_FLOAT_ABI_DOUBLE */
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define FLAG_HOST 0x0900 /* FLAG_ARM_LIBHF */
#elif defined(__i386__)
#define FLAG_HOST 0x0000
#else
#define FLAG_HOST -1 /* not known here: take the first entry of any architecture */
#endif

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int read_file(const char *path, unsigned char **data, size_t *size)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*data = buf;
	*size = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

/*
 * The name the cache's sonames are matched against, like bpftrace: "c" and
 * "libc" become "libc.so"; a name with ".so" in it stays as it is.
 */
static int soname_base(const char *name, char *base, size_t len)
{
	const char *so = strstr(name, ".so");
	int n;

	while (so && so[3] != '\0' && so[3] != '.')
		so = strstr(so + 1, ".so");
	if (so)
		n = snprintf(base, len, "%s", name);
	else if (!strncmp(name, "lib", 3))
		n = snprintf(base, len, "%s.so", name);
	else
		n = snprintf(base, len, "lib%s.so", name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "libc.so" matches libc.so and libc.so.6, never libcap.so.2. */
static bool soname_match(const char *key, const char *base, size_t base_len)
{
	return !strncmp(key, base, base_len) && (key[base_len] == '\0' || key[base_len] == '.');
}

/* A NUL-terminated string at strings + off within the file, or NULL. */
static const char *cache_str(const unsigned char *data, size_t size, size_t strings, uint32_t off)
{
	size_t at = strings + off;

	if (strings > size || off >= size - strings)
		return NULL;
	if (!memchr(data + at, '\0', size - at))
		return NULL;
	return (const char *)data + at;
}

/* Where a cache's entries and strings are. */
struct cache_table {
	size_t ents, entsize, strings;
	uint64_t nlibs;
};

static int cache_table(const unsigned char *data, size_t size, struct cache_table *t)
{
	size_t new_hdr = 0;
	uint64_t end;

	if (size >= CACHE_OLD_HDR && !memcmp(data, CACHE_MAGIC_OLD, strlen(CACHE_MAGIC_OLD))) {
		t->nlibs = get_u32(data + 12);
		end = CACHE_OLD_HDR + t->nlibs * CACHE_OLD_ENT;
		if (end > size)
			return -EINVAL;
		new_hdr = (size_t)((end + CACHE_ALIGN - 1) & ~(uint64_t)(CACHE_ALIGN - 1));
		if (new_hdr + CACHE_NEW_HDR > size ||
		    memcmp(data + new_hdr, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW))) {
			/* only the old table: its strings count from its end */
			t->ents = CACHE_OLD_HDR;
			t->entsize = CACHE_OLD_ENT;
			t->strings = (size_t)end;
			return 0;
		}
	} else if (size < CACHE_NEW_HDR || memcmp(data, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW))) {
		return -EINVAL;
	}
	t->nlibs = get_u32(data + new_hdr + 20);
	if (new_hdr + CACHE_NEW_HDR + t->nlibs * CACHE_NEW_ENT > size)
		return -EINVAL;
	t->ents = new_hdr + CACHE_NEW_HDR;
	t->entsize = CACHE_NEW_ENT;
	t->strings = new_hdr;
	return 0;
}

/*
 * The first entry of this architecture whose soname matches: ldconfig sorts
 * the cache the way ld.so prefers it (newest version first for the same
 * name), so when libfoo.so.2 and libfoo.so.1 both match "foo", the one the
 * cache lists first, libfoo.so.2, is taken. Returns 1 and the value, 0 when
 * nothing matches, -EINVAL when the file is not a cache.
 */
static int cache_lookup(const unsigned char *data, size_t size, const char *base,
			const char **value)
{
	size_t base_len = strlen(base);
	const unsigned char *e;
	struct cache_table t;
	const char *key, *val;
	int32_t flags;
	uint64_t i;

	if (cache_table(data, size, &t))
		return -EINVAL;
	for (i = 0; i < t.nlibs; i++) {
		e = data + t.ents + i * t.entsize;
		flags = (int32_t)get_u32(e);
		if ((flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6)
			continue;
		if (FLAG_HOST != -1 && (flags & ~FLAG_TYPE_MASK) != FLAG_HOST)
			continue;
		key = cache_str(data, size, t.strings, get_u32(e + 4));
		val = cache_str(data, size, t.strings, get_u32(e + 8));
		if (!key || !val)
			return -EINVAL;
		if (soname_match(key, base, base_len)) {
			*value = val;
			return 1;
		}
	}
	return 0;
}

/* ---- paths --------------------------------------------------------------- */

/*
 * real (a resolved path) is a regular ELF file: copied to path. shown is how
 * the file is named in messages: what the user wrote.
 */
static int check_elf(const char *real, const char *shown, char *path, size_t pathlen, char *err,
		     size_t errlen)
{
	unsigned char magic[SELFMAG];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open \"%s\": %s", shown, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat \"%s\": %s", shown, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "\"%s\" is not a regular file", shown);
		goto out;
	}
	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read \"%s\": %s", shown, strerror(-ret));
		goto out;
	}
	if (n != SELFMAG || memcmp(magic, ELFMAG, SELFMAG)) {
		ret = -ENOEXEC;
		snprintf(err, errlen, "\"%s\" is not an ELF file", shown);
		goto out;
	}
	if (strlen(real) >= pathlen) {
		ret = -ENAMETOOLONG;
		snprintf(err, errlen, "path of \"%s\" is too long: %s", shown, real);
		goto out;
	}
	strcpy(path, real);
out:
	close(fd);
	return ret;
}

static int check_elf_path(const char *file, const char *shown, char *path, size_t pathlen,
			  char *err, size_t errlen)
{
	char real[PATH_MAX];
	int ret;

	if (!realpath(file, real)) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ENOTDIR) {
			snprintf(err, errlen, "binary \"%s\" does not exist", shown);
			return -ENOENT;
		}
		snprintf(err, errlen, "cannot resolve \"%s\": %s", shown, strerror(-ret));
		return ret;
	}
	return check_elf(real, shown, path, pathlen, err, errlen);
}

static int check_elf_in_root(const char *root, const char *inner, const char *shown, char *path,
			     size_t pathlen, char *err, size_t errlen);

/* root: the process root the cache and its paths are in ("/proc/N/root"), or NULL for ours */
static int resolve_library(const char *bin, const char *ldcache, const char *root, char *path,
			   size_t pathlen, char *err, size_t errlen)
{
	unsigned char *data = NULL;
	const char *value = NULL;
	char base[NAME_MAX + 1];
	size_t size = 0;
	int ret;

	if (soname_base(bin, base, sizeof(base))) {
		snprintf(err, errlen, "library name \"%s\" is too long", bin);
		return -ENAMETOOLONG;
	}
	ret = read_file(ldcache, &data, &size);
	if (ret) {
		snprintf(err, errlen,
			 "cannot read %s to find library \"%s\": %s (give a path instead)", ldcache,
			 bin, strerror(-ret));
		return ret;
	}
	ret = cache_lookup(data, size, base, &value);
	if (ret < 0) {
		snprintf(err, errlen,
			 "%s is not a glibc ld.so.cache (give a path instead of \"%s\")", ldcache,
			 bin);
		goto out;
	}
	if (ret == 0) {
		ret = -ENOENT;
		snprintf(err, errlen, "library \"%s\" not found in %s (give a path instead)", bin,
			 ldcache);
		goto out;
	}
	/* The cache can be stale: check the file as if the user had named it. */
	ret = root ? check_elf_in_root(root, value, value, path, pathlen, err, errlen) :
		     check_elf_path(value, value, path, pathlen, err, errlen);
	if (ret == -ENOENT)
		snprintf(
			err, errlen,
			"library \"%s\" is %s in %s, which does not exist (run ldconfig, or give a path)",
			bin, value, ldcache);
out:
	free(data);
	return ret;
}

/* ---- a process's root --------------------------------------------------- */

#define MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */

/*
 * inner (absolute) as the process whose root is root ("/proc/N/root") sees
 * it, like realpath inside a chroot: each symlink is followed inside root (an
 * absolute target starts again at root, ".." stops at it). The kernel walks a
 * path through /proc/N/root from that process's root, but would read an
 * absolute symlink further on from ours: so it is given the real path. Writes
 * root and the real path inside it to out.
 */
static int resolve_in_root(const char *root, const char *inner, char *out, size_t outlen)
{
	char done[PATH_MAX] = "", todo[PATH_MAX], next[PATH_MAX], target[PATH_MAX], full[PATH_MAX];
	const char *p = todo, *end;
	size_t len, dlen;
	int links = 0, n;
	struct stat st;
	ssize_t tlen;

	if ((size_t)snprintf(todo, sizeof(todo), "%s", inner) >= sizeof(todo))
		return -ENAMETOOLONG;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, "/");
		len = (size_t)(end - p);
		dlen = strlen(done);
		if (len == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = '\0';
			p = end;
			continue;
		}
		if (dlen + 1 + len >= sizeof(done))
			return -ENAMETOOLONG;
		snprintf(done + dlen, sizeof(done) - dlen, "/%.*s", (int)len, p);
		if ((size_t)snprintf(full, sizeof(full), "%s%s", root, done) >= sizeof(full))
			return -ENAMETOOLONG;
		if (lstat(full, &st))
			return -errno;
		if (!S_ISLNK(st.st_mode)) {
			p = end;
			continue;
		}
		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		tlen = readlink(full, target, sizeof(target) - 1);
		if (tlen < 0)
			return -errno;
		target[tlen] = '\0';
		/* the link's place is taken by its target, from root when absolute */
		done[target[0] == '/' ? 0 : dlen] = '\0';
		if ((size_t)snprintf(next, sizeof(next), "%s%s", target, end) >= sizeof(next))
			return -ENAMETOOLONG;
		strcpy(todo, next);
		p = todo;
	}
	n = snprintf(out, outlen, "%s%s", root, done[0] ? done : "/");
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

static int check_elf_in_root(const char *root, const char *inner, const char *shown, char *path,
			     size_t pathlen, char *err, size_t errlen)
{
	char real[PATH_MAX];
	int ret;

	ret = resolve_in_root(root, inner, real, sizeof(real));
	if (ret == -ENOENT || ret == -ENOTDIR) {
		snprintf(err, errlen, "binary \"%s\" does not exist in %s (%s%s)", shown, root,
			 root, inner);
		return -ENOENT;
	}
	if (ret) {
		snprintf(err, errlen, "cannot resolve \"%s\" in %s: %s", shown, root,
			 strerror(-ret));
		return ret;
	}
	return check_elf(real, shown, path, pathlen, err, errlen);
}

/* "/proc/N/root[/INNER]": N, and INNER ("" when none). 0 when bin is not such a path. */
static int proc_root_pid(const char *bin, const char **inner)
{
	char *end;
	long pid;

	if (strncmp(bin, "/proc/", 6) || bin[6] < '1' || bin[6] > '9')
		return 0;
	pid = strtol(bin + 6, &end, 10);
	if (pid > INT_MAX || strncmp(end, "/root", 5) || (end[5] && end[5] != '/'))
		return 0;
	*inner = end + 5;
	return (int)pid;
}

/* The same file (a root directory, a namespace) for a and b? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * bin inside the root of process pid: its ld.so.cache for a library name, its
 * mount namespace and root for a path. from_key: pid comes from the
 * metric's pid:, not from a /proc/N/root path, so a process that sees what
 * bpfprom sees (no container) keeps plain paths.
 */
static int resolve_in_process(const char *bin, int pid, bool from_key, const char *ldcache,
			      char *path, size_t pathlen, char *err, size_t errlen)
{
	char root[64], ns[64], cache[PATH_MAX];
	int ret;

	snprintf(root, sizeof(root), "/proc/%d", pid);
	if (access(root, F_OK)) {
		snprintf(err, errlen, "process %d does not exist (no %s)", pid, root);
		return -ESRCH;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	if (access(root, X_OK)) {
		ret = -errno;
		snprintf(
			err, errlen, "cannot enter the root of process %d (%s): %s%s", pid, root,
			strerror(-ret),
			ret == -EACCES || ret == -EPERM ?
				" (a process of another user needs CAP_SYS_PTRACE: see README: Binaries in containers)" :
				"");
		return ret;
	}
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	if (from_key && same_file(ns, "/proc/self/ns/mnt") && same_file(root, "/"))
		return elfsym__resolve_binary_cache(bin, ldcache, path, pathlen, err, errlen);
	if (!strchr(bin, '/')) {
		snprintf(cache, sizeof(cache), "%s%s", root, LDCACHE_DEFAULT);
		return resolve_library(bin, cache, root, path, pathlen, err, errlen);
	}
	if (bin[0] != '/') {
		snprintf(
			err, errlen,
			"binary \"%s\" is a relative path; in another mount namespace (process %d) give the path that process sees, from its root",
			bin, pid);
		return -EINVAL;
	}
	return check_elf_in_root(root, bin, bin, path, pathlen, err, errlen);
}

/*
 * Library names resolve to the real path, like paths do, so that "libc" and
 * "/lib/x86_64-linux-gnu/libc.so.6" name the same file the same way.
 */
int elfsym__resolve_binary_cache(const char *bin, const char *ldcache, char *path, size_t pathlen,
				 char *err, size_t errlen)
{
	const char *inner;
	int pid;

	if (!bin || !*bin) {
		snprintf(err, errlen, "binary is empty");
		return -EINVAL;
	}
	pid = proc_root_pid(bin, &inner);
	if (pid && !*inner) {
		snprintf(err, errlen, "\"%s\" is a process's root directory, not a binary", bin);
		return -EINVAL;
	}
	if (pid)
		return resolve_in_process(inner, pid, false, ldcache, path, pathlen, err, errlen);
	if (strchr(bin, '/'))
		return check_elf_path(bin, bin, path, pathlen, err, errlen);
	return resolve_library(bin, ldcache ? ldcache : LDCACHE_DEFAULT, NULL, path, pathlen, err,
			       errlen);
}

int elfsym__resolve_binary(const char *bin, char *path, size_t pathlen, char *err, size_t errlen)
{
	return elfsym__resolve_binary_cache(bin, LDCACHE_DEFAULT, path, pathlen, err, errlen);
}

int elfsym__resolve_binary_pid(const char *bin, int pid, char *path, size_t pathlen, char *err,
			       size_t errlen)
{
	const char *inner;

	if (pid <= 0 || !bin || !*bin || proc_root_pid(bin, &inner))
		return elfsym__resolve_binary(bin, path, pathlen, err, errlen);
	return resolve_in_process(bin, pid, true, LDCACHE_DEFAULT, path, pathlen, err, errlen);
}

/* ---- symbols ------------------------------------------------------------- */

struct elf_file {
	int fd;
	Elf *elf;
	Elf_Scn *symtab; /* .symtab, then .dynsym: the order names are looked up in */
	Elf_Scn *dynsym;
};

static void elf_file_close(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
}

static int elf_file_open(struct elf_file *f, const char *path, char *err, size_t errlen)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret;

	f->fd = -1;
	f->elf = NULL;
	f->symtab = f->dynsym = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(-ret));
		return ret;
	}
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
		snprintf(err, errlen, "\"%s\" is not an ELF file", path);
		elf_file_close(f);
		return -ENOEXEC;
	}
	while ((scn = elf_nextscn(f->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !f->symtab)
			f->symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM && !f->dynsym)
			f->dynsym = scn;
	}
	return 0;
}

/* Walks the defined functions of one symbol table. */
struct sym_iter {
	Elf *elf;
	Elf_Data *data;
	size_t strndx, i, n;
};

static void sym_iter_init(struct sym_iter *it, Elf *elf, Elf_Scn *scn)
{
	GElf_Shdr sh;

	memset(it, 0, sizeof(*it));
	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return;
	it->data = elf_getdata(scn, NULL);
	if (!it->data)
		return;
	it->elf = elf;
	it->strndx = sh.sh_link;
	it->n = it->data->d_size / sh.sh_entsize;
}

static const char *sym_iter_next(struct sym_iter *it, GElf_Sym *sym)
{
	const char *name;
	int type;

	while (it->i < it->n) {
		if (!gelf_getsym(it->data, (int)it->i++, sym))
			continue;
		type = GELF_ST_TYPE(sym->st_info);
		if (sym->st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		name = elf_strptr(it->elf, it->strndx, sym->st_name);
		if (name && *name)
			return name;
	}
	return NULL;
}

/*
 * FUNC in one table. Two static functions can share a name in .symtab; a
 * global or weak one wins, then the first local one.
 */
static bool find_sym(struct elf_file *f, Elf_Scn *scn, const char *func, GElf_Sym *out)
{
	struct sym_iter it;
	const char *name;
	bool found = false;
	GElf_Sym sym;

	sym_iter_init(&it, f->elf, scn);
	while ((name = sym_iter_next(&it, &sym))) {
		if (strcmp(name, func))
			continue;
		if (GELF_ST_BIND(sym.st_info) != STB_LOCAL) {
			*out = sym;
			return true;
		}
		if (!found)
			*out = sym;
		found = true;
	}
	return found;
}

/* The closest defined function to func, in .symtab or .dynsym (suggest's rule). */
static const char *suggest(struct elf_file *f, const char *func)
{
	Elf_Scn *tabs[2] = { f->symtab, f->dynsym };
	const char *name;
	struct sym_iter it;
	struct suggest s;
	GElf_Sym sym;
	size_t t;

	suggest__init(&s, func, false);
	for (t = 0; t < 2; t++) {
		sym_iter_init(&it, f->elf, tabs[t]);
		while ((name = sym_iter_next(&it, &sym)))
			suggest__add(&s, name);
	}
	return s.best;
}

/* The file offset of virtual address v: through the PT_LOAD segment holding it. */
static int vaddr_to_offset(Elf *elf, uint64_t v, uint64_t *offset)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (v >= ph.p_vaddr && v - ph.p_vaddr < ph.p_memsz) {
			*offset = v - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOEXEC;
}

int elfsym__func_offset(const char *path, const char *func, uint64_t off, uint64_t *offset,
			char *err, size_t errlen)
{
	struct elf_file f;
	const char *hint;
	GElf_Sym sym;
	int ret;

	ret = elf_file_open(&f, path, err, errlen);
	if (ret)
		return ret;
	if (!find_sym(&f, f.symtab, func, &sym) && !find_sym(&f, f.dynsym, func, &sym)) {
		hint = suggest(&f, func);
		ret = -ENOENT;
		snprintf(err, errlen, "no function \"%s\" in %s%s%s%s", func, path,
			 hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
		goto out;
	}
	if (sym.st_size > 0 && off >= sym.st_size) {
		ret = -EINVAL;
		snprintf(err, errlen,
			 "offset +%" PRIu64 " is past the end of %s (%" PRIu64 " bytes)", off, func,
			 (uint64_t)sym.st_size);
		goto out;
	}
	ret = vaddr_to_offset(f.elf, sym.st_value, offset);
	if (ret) {
		snprintf(err, errlen, "%s in %s is at 0x%" PRIx64 ", in no loadable segment", func,
			 path, (uint64_t)sym.st_value);
		goto out;
	}
	*offset += off;
out:
	elf_file_close(&f);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Names are called back in strcmp order, each once, though most functions of
 * an unstripped library are in both .symtab and .dynsym.
 */
int elfsym__list(const char *path, const char *glob, void (*fn)(const char *name, void *ctx),
		 void *ctx)
{
	Elf_Scn *tabs[2];
	const char **names = NULL, **grown, *name;
	size_t n = 0, cap = 0, i, t;
	struct sym_iter it;
	struct elf_file f;
	GElf_Sym sym;
	char err[1];
	int ret;

	ret = elf_file_open(&f, path, err, sizeof(err));
	if (ret)
		return ret;
	tabs[0] = f.symtab;
	tabs[1] = f.dynsym;
	for (t = 0; t < 2; t++) {
		sym_iter_init(&it, f.elf, tabs[t]);
		while ((name = sym_iter_next(&it, &sym))) {
			if (fnmatch(glob, name, 0))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				grown = realloc(names, cap * sizeof(*names));
				if (!grown) {
					ret = -ENOMEM;
					goto out;
				}
				names = grown;
			}
			names[n++] = name;
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		fn(names[i], ctx);
	}
out:
	free(names);
	elf_file_close(&f);
	return ret;
}
