// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/btfpath.h"
#include "util/suggest.h"

/*
 * Where resolving is: a value held (a register's worth: the base, or what
 * the last read gave), or an object in memory at the held address + off
 * (after ->member). ptr_to: the value points to type (a cast's struct, task,
 * or a BTF pointer already stepped through).
 */
struct state {
	bool in_mem;
	bool ptr_to;
	uint32_t type;
	int64_t off;
	uint32_t bit_off; /* in_mem bitfield: bits past off */
	uint32_t bit_size; /* 0: not a bitfield */
	/* the held value is a pointer the verifier types from BTF (to obj, a
	 * struct or union): reads inside obj may be loads (BPFPROM_READ_BTF) */
	bool btf;
	uint32_t obj;
	/* the object in memory is reached through a union of several
	 * members: its reads stay helper reads (btf_load) */
	bool shared;
};

struct resolver {
	const struct btf *btf;
	const struct cfg_path *path;
	struct btfpath_chain *out;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int bad(struct resolver *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s", msg);
	return -EINVAL;
}

/* typedefs, const, volatile, restrict and type tags skipped */
static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return id;
}

/* "struct sk_buff", "unsigned int", "char *", "char[16]": for messages */
static void type_name(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;
	char inner[128];

	if (!t || id == 0) {
		snprintf(buf, len, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	if (btf_is_mod(t)) {
		type_name(btf, t->type, buf, len);
		return;
	}
	if (btf_is_ptr(t)) {
		type_name(btf, t->type, inner, sizeof(inner));
		snprintf(buf, len, "%s *", inner);
		return;
	}
	if (btf_is_array(t)) {
		type_name(btf, btf_array(t)->type, inner, sizeof(inner));
		snprintf(buf, len, "%s[%u]", inner, btf_array(t)->nelems);
		return;
	}
	snprintf(buf, len, "%s%s",
		 btf_is_struct(t)		    ? "struct " :
		 btf_is_union(t)		    ? "union " :
		 btf_is_enum(t) || btf_is_enum64(t) ? "enum " :
						      "",
		 name && *name ? name : "(anonymous)");
}

/* The members of a struct or union, anonymous ones' flattened, into s or buf. */
static void walk_members(const struct btf *btf, uint32_t id, struct suggest *s, char *buf,
			 size_t len, size_t *used)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, id));
	const struct btf_member *m;

	if (!t || !btf_is_composite(t))
		return;
	m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (!name || !*name) {
			walk_members(btf, m->type, s, buf, len, used);
			continue;
		}
		if (s)
			suggest__add(s, name);
		if (buf && *used < len)
			*used +=
				snprintf(buf + *used, len - *used, "%s%s", *used ? ", " : "", name);
	}
}

/* A union of several members: the verifier types an offset in it as the
 * first member that covers it, whichever the path names. */
static bool is_shared(const struct btf_type *t)
{
	return btf_is_union(t) && btf_vlen(t) > 1;
}

/* Member name of composite id, searched in anonymous members too: its type
 * and bit offset from the start of id, and bitfield size; *shared if it is
 * in a union of several members (here or in an anonymous one). */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, uint32_t *type,
			uint32_t *bit_off, uint32_t *bit_size, bool *shared)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, id));
	const struct btf_member *m;

	if (!t || !btf_is_composite(t))
		return false;
	*shared |= is_shared(t);
	m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t off = btf_member_bit_offset(t, i);

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*type = m->type;
			*bit_off = off;
			*bit_size = btf_member_bitfield_size(t, i);
			return true;
		}
		bool in = false;

		if (find_member(btf, m->type, name, type, bit_off, bit_size, &in)) {
			*bit_off += off;
			*shared |= in;
			return true;
		}
	}
	return false;
}

/*
 * Whether a read of size bytes at off from the held value can be a load
 * the verifier checks against BTF: the value is a BTF-typed pointer and the
 * read is an integer's width inside the struct it points to (the verifier
 * refuses a load past its end: p[1] of a struct pointer, a bitfield's
 * 8-byte read near it).
 */
static bool btf_load(const struct resolver *r, const struct state *s, int64_t off, uint32_t size)
{
	const struct btf_type *t;

	if (!s->btf || s->shared)
		return false;
	t = btf__type_by_id(r->btf, skip_mods(r->btf, s->obj));
	return t && btf_is_composite(t) && off >= 0 && off + size <= t->size &&
	       (size == 1 || size == 2 || size == 4 || size == 8);
}

/*
 * The struct or union a pointer type points to, as the verifier sees it:
 * 0 unless it is one and its only type tag is __rcu (__user, __percpu and
 * the like make the verifier refuse loads through it).
 */
static uint32_t btf_pointee(const struct btf *btf, uint32_t ptr)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, ptr));
	uint32_t id;

	if (!t || !btf_is_ptr(t))
		return 0;
	for (id = t->type, t = btf__type_by_id(btf, id); t && (btf_is_mod(t) || btf_is_typedef(t));
	     id = t->type, t = btf__type_by_id(btf, id)) {
		const char *tag = btf__name_by_offset(btf, t->name_off);

		if (btf_is_type_tag(t) && (!tag || strcmp(tag, "rcu")))
			return 0;
	}
	return t && btf_is_composite(t) ? id : 0;
}

/* A read of size bytes at off from the held value; may_load: it may be a
 * BTF load where btf_load allows (not a pointer leaf nor a bitfield). */
static int add_step(struct resolver *r, const struct state *s, int64_t off, uint32_t size,
		    bool may_load)
{
	struct btfpath_chain *o = r->out;
	struct bpfprom_step *st;

	/* the message is btfpath__resolve's */
	if (o->nsteps >= BPFPROM_MAX_STEPS)
		return -E2BIG;
	if (off < INT32_MIN || off > INT32_MAX)
		return bad(r, "offset %lld is out of range", (long long)off);
	st = &o->steps[o->nsteps++];
	memset(st, 0, sizeof(*st));
	st->off = (int32_t)off;
	st->size = (uint8_t)size;
	st->read = may_load && btf_load(r, s, off, size) ? BPFPROM_READ_BTF : BPFPROM_READ_KERNEL;
	return 0;
}

/* A pointer in memory read, so the state holds what it points to. */
static int load_pointer(struct resolver *r, struct state *s)
{
	const struct btf_type *t = btf__type_by_id(r->btf, skip_mods(r->btf, s->type));
	int err;

	if (s->in_mem) {
		err = add_step(r, s, s->off, 8, true);
		if (err)
			return err;
		/* what it read is BTF-typed if the read was a load of a
		 * struct pointer */
		s->obj = btf_pointee(r->btf, s->type);
		s->btf = r->out->steps[r->out->nsteps - 1].read == BPFPROM_READ_BTF && s->obj;
		s->shared = false;
		s->in_mem = false;
		s->off = 0;
	}
	if (!s->ptr_to) {
		s->ptr_to = true;
		s->type = t->type;
	}
	return 0;
}

static bool is_pointer(const struct btf *btf, const struct state *s)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, s->type));

	return (!s->in_mem && s->ptr_to) || (t && btf_is_ptr(t));
}

static int member(struct resolver *r, struct state *s, const struct cfg_path_elem *e)
{
	uint32_t agg = skip_mods(r->btf, s->type), type = 0, bit_off = 0, bit_size = 0;
	const struct btf_type *t = btf__type_by_id(r->btf, agg);
	char tn[160], near_buf[CFG_PATH_NAME_MAX];
	struct suggest sg;

	type_name(r->btf, s->type, tn, sizeof(tn));
	if (!t || !btf_is_composite(t))
		return bad(r, "%s%s: %s is not a struct or union",
			   e->op == CFG_PATH_ARROW ? "->" : ".", e->name, tn);
	if (!find_member(r->btf, agg, e->name, &type, &bit_off, &bit_size, &s->shared)) {
		suggest__init(&sg, e->name, false);
		walk_members(r->btf, agg, &sg, NULL, 0, NULL);
		if (sg.best)
			snprintf(near_buf, sizeof(near_buf), "%s", sg.best);
		return bad(r, "%s has no member \"%s\"%s%s%s", tn, e->name,
			   sg.best ? " (did you mean \"" : "", sg.best ? near_buf : "",
			   sg.best ? "\"?)" : "");
	}
	s->in_mem = true;
	s->ptr_to = false;
	s->type = type;
	s->off += bit_off / 8;
	s->bit_off = bit_size ? bit_off % 8 : 0;
	s->bit_size = bit_size;
	if (!bit_size && bit_off % 8)
		return bad(r, "%s: not at a byte boundary in %s", e->name, tn);
	return 0;
}

static int elem(struct resolver *r, struct state *s, const struct cfg_path_elem *e)
{
	const struct btf_type *t;
	char tn[160];
	int64_t esz;
	int err;

	type_name(r->btf, s->type, tn, sizeof(tn));
	if (!s->in_mem && s->ptr_to)
		snprintf(tn + strlen(tn), sizeof(tn) - strlen(tn), " *");
	switch (e->op) {
	case CFG_PATH_ARROW:
		if (!is_pointer(r->btf, s))
			return bad(r, "->%s: %s is not a pointer; use .%s", e->name, tn, e->name);
		err = load_pointer(r, s);
		return err ? err : member(r, s, e);
	case CFG_PATH_DOT:
		if (is_pointer(r->btf, s))
			return bad(r, ".%s: %s is a pointer; use ->%s", e->name, tn, e->name);
		return member(r, s, e);
	case CFG_PATH_INDEX:
		t = btf__type_by_id(r->btf, skip_mods(r->btf, s->type));
		if (s->in_mem && t && btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);

			/* a flexible array (nelems 0) has no bound to check */
			if (a->nelems && (uint64_t)e->num >= a->nelems)
				return bad(r, "[%lld]: %s has %u elements", (long long)e->num, tn,
					   a->nelems);
			esz = btf__resolve_size(r->btf, a->type);
			if (esz < 0)
				return bad(r, "[%lld]: the size of %s is unknown",
					   (long long)e->num, tn);
			s->off += esz * e->num;
			s->type = a->type;
			return 0;
		}
		if (!is_pointer(r->btf, s))
			return bad(r, "[%lld]: %s is neither an array nor a pointer",
				   (long long)e->num, tn);
		err = load_pointer(r, s);
		if (err)
			return err;
		esz = btf__resolve_size(r->btf, s->type);
		if (esz < 0)
			return bad(r, "[%lld]: the size of %s is unknown", (long long)e->num, tn);
		s->in_mem = true;
		s->ptr_to = false;
		s->off = esz * e->num;
		return 0;
	default:
		return bad(r, "a fetch arg inside a field path");
	}
}

static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, id));

	return t && btf_is_int(t) && t->size == 1;
}

/* The leaf: an integer, enum, pointer or bitfield; or a string's address. */
static int leaf(struct resolver *r, struct state *s, bool want_str)
{
	const struct btf_type *t = btf__type_by_id(r->btf, skip_mods(r->btf, s->type));
	struct btfpath_chain *o = r->out;
	size_t used = 0;
	char tn[160], members[256] = "";
	int err;

	type_name(r->btf, s->type, tn, sizeof(tn));
	if (!s->in_mem && s->ptr_to)
		snprintf(tn + strlen(tn), sizeof(tn) - strlen(tn), " *");
	o->size = 8;
	if (want_str) {
		if (s->in_mem && t && btf_is_array(t) && is_char(r->btf, btf_array(t)->type))
			return add_step(r, s, s->off, 0, true);
		if (s->in_mem && t && btf_is_ptr(t) && is_char(r->btf, t->type))
			return add_step(r, s, s->off, 8, true);
		if (!s->in_mem && ((s->ptr_to && is_char(r->btf, s->type)) ||
				   (t && btf_is_ptr(t) && is_char(r->btf, t->type))))
			return 0;
		return bad(r, "%s is not a string: str() reads a char array or a char pointer", tn);
	}
	if (!s->in_mem)
		return 0; /* the value held: a pointer or integer */
	if (t && btf_is_composite(t)) {
		walk_members(r->btf, s->type, NULL, members, sizeof(members), &used);
		return bad(r, "%s is not an integer; pick a member: %s", tn, members);
	}
	if (t && btf_is_array(t))
		return bad(r, "%s is an array; pick an element with [N]%s", tn,
			   is_char(r->btf, btf_array(t)->type) ? " or read it as str(...)" : "");
	if (!t || !(btf_is_int(t) || btf_is_ptr(t) || btf_is_enum(t) || btf_is_enum64(t)))
		return bad(r, "%s is not an integer, enum or pointer", tn);
	o->size = btf_is_ptr(t) ? 8 : t->size;
	if (o->size != 1 && o->size != 2 && o->size != 4 && o->size != 8)
		return bad(r, "%s is %u bytes; an integer leaf is 1, 2, 4 or 8", tn, o->size);
	o->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) :
		       btf_is_ptr(t) ? false :
				       btf_kflag(t);
	/* a pointer leaf is a number: read, not loaded as a BTF pointer (the
	 * verifier refuses arithmetic on those) */
	if (!s->bit_size)
		return add_step(r, s, s->off, o->size, !btf_is_ptr(t));
	/* a bitfield: 8 bytes from its first byte hold it (bit_off < 8, size <= 64 - 8) */
	if (s->bit_off + s->bit_size > 64)
		return bad(r, "%s: a bitfield of %u bits past bit %u is not supported", tn,
			   s->bit_size, s->bit_off);
	/* its 8 bytes may pass the struct's end: a helper read */
	err = add_step(r, s, s->off, 8, false);
	if (err)
		return err;
	o->steps[o->nsteps - 1].lshift = (uint8_t)(64 - s->bit_off - s->bit_size);
	o->steps[o->nsteps - 1].rshift = (uint8_t)(64 - s->bit_size);
	o->size = 8;
	return 0;
}

int btfpath__resolve(const struct btf *btf, uint32_t type_id, bool ptr_to, bool btf_base,
		     const struct cfg_path *path, bool want_str, struct btfpath_chain *out,
		     char *err, size_t errlen)
{
	struct resolver r = { btf, path, out, err, errlen };
	struct state s = { .ptr_to = ptr_to, .type = type_id };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!ptr_to && btf_is_ptr(btf__type_by_id(btf, skip_mods(btf, type_id)))) {
		s.ptr_to = true;
		s.type = btf__type_by_id(btf, skip_mods(btf, type_id))->type;
		s.obj = btf_pointee(btf, type_id);
	} else if (ptr_to) {
		const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, type_id));

		s.obj = t && btf_is_composite(t) ? type_id : 0;
	}
	s.btf = btf_base && s.obj;
	for (size_t i = 0; i < path->nelems && !ret; i++)
		ret = elem(&r, &s, &path->elems[i]);
	if (!ret)
		ret = leaf(&r, &s, want_str);
	if (ret == -E2BIG)
		snprintf(
			err, errlen,
			"the path needs more than %d reads (one per pointer, and the leaf); shorten it",
			BPFPROM_MAX_STEPS);
	return ret;
}

int btfpath__type_by_name(const struct btf *btf, const char *name, uint32_t *type_id, char *err,
			  size_t errlen)
{
	int id;

	if (!strncmp(name, "struct ", 7))
		id = btf__find_by_name_kind(btf, name + 7, BTF_KIND_STRUCT);
	else if (!strncmp(name, "union ", 6))
		id = btf__find_by_name_kind(btf, name + 6, BTF_KIND_UNION);
	else
		id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0) {
		snprintf(err, errlen, "the cast's type \"%s\" is not in the kernel's BTF", name);
		return -ENOENT;
	}
	*type_id = (uint32_t)id;
	return 0;
}

int btfpath__func_type(const struct btf *btf, const char *func, int argn, uint32_t *type_id,
		       char *err, size_t errlen)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);

	if (id <= 0) {
		snprintf(
			err, errlen,
			"%s is not in the kernel's BTF, so its arguments have no types; use a fetch arg, e.g. +0(arg0):u64",
			func);
		return -ENOENT;
	}
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_func_proto(t)) {
		snprintf(err, errlen, "%s has no prototype in the kernel's BTF", func);
		return -ENOENT;
	}
	if (argn < 0) {
		if (!t->type) {
			snprintf(err, errlen, "%s returns void", func);
			return -EINVAL;
		}
		*type_id = t->type;
		return 0;
	}
	if (argn >= btf_vlen(t)) {
		snprintf(err, errlen, "arg%d: %s takes %u argument%s (arg0 .. arg%u)", argn, func,
			 btf_vlen(t), btf_vlen(t) == 1 ? "" : "s",
			 btf_vlen(t) ? btf_vlen(t) - 1 : 0);
		return -EINVAL;
	}
	*type_id = btf_params(t)[argn].type;
	return 0;
}

/* Parameter p's type, past typedefs and modifiers; NULL for a variadic's. */
static const struct btf_type *param_type(const struct btf *btf, const struct btf_param *p)
{
	return p->type ? btf__type_by_id(btf, btf__resolve_type(btf, p->type)) : NULL;
}

/* The size of parameter p where it is more than a register holds (a
 * struct, a union, an __int128), and what it is; 0 for anything else. */
static long by_value_size(const struct btf *btf, const struct btf_param *p, const char **what)
{
	const struct btf_type *t = param_type(btf, p);
	long size = t ? btf__resolve_size(btf, p->type) : 0;

	if (size <= 8)
		return 0;
	*what = btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union" : "integer";
	return size;
}

int btfpath__arg_place(const struct btf *btf, uint32_t func_id, const char *func, uint32_t argn,
		       uint32_t *place, bool *number, char *err, size_t errlen)
{
	const struct btf_type *t = btf__type_by_id(btf, func_id);
	const struct btf_param *p;
	const char *what = NULL;
	uint32_t at = 0, i;
	long size;

	t = t && btf_is_func(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -ENOENT;
	p = btf_params(t);
	for (i = 0; i < argn && i < btf_vlen(t); i++) {
		size = by_value_size(btf, &p[i], &what);
		if (size > 16) {
			snprintf(
				err, errlen,
				"%s passes a %ld-byte %s by value as arg%u, and where the arguments after it are depends on the architecture",
				func, size, what, i);
			return -EINVAL;
		}
		at += size > 8 ? 2 : 1;
	}
	size = i < btf_vlen(t) ? by_value_size(btf, &p[i], &what) : 0;
	if (size > 8) {
		snprintf(err, errlen,
			 "%s passes it as a %ld-byte %s by value%s: no one number holds it%s", func,
			 size, what, size > 16 ? "" : ", in two registers",
			 strcmp(what, "integer") ? ", and bpfprom does not read its members" : "");
		return -EINVAL;
	}
	*place = at + (argn - i);
	if (number) {
		const struct btf_type *pt = i < btf_vlen(t) ? param_type(btf, &p[i]) : NULL;

		*number = pt && (btf_is_int(pt) || btf_is_any_enum(pt)) && pt->size <= 8;
	}
	return 0;
}

bool btfpath__knows_helper(const struct btf *btf, const char *helper)
{
	int id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e;
	char want[96];

	if (!t)
		return false;
	snprintf(want, sizeof(want), "BPF_FUNC_%s", helper);
	e = btf_enum(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);

		if (name && !strcmp(name, want))
			return true;
	}
	return false;
}
