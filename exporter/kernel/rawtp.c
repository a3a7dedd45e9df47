// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/rawtp.h"
#include "util/suggest.h"

#define PREFIX "btf_trace_"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* btf_trace_EVENT -> pointer -> FUNC_PROTO, or 0 */
static uint32_t proto_of(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (!t || !btf_is_typedef(t))
		return 0;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return 0;
	id = t->type;
	t = btf__type_by_id(btf, id);
	return t && btf_is_func_proto(t) ? id : 0;
}

/* How an argument of type id is read as a number. */
static void classify(const struct btf *btf, uint32_t id, struct rawtp_arg *a)
{
	int rid = btf__resolve_type(btf, id);
	const struct btf_type *t = rid > 0 ? btf__type_by_id(btf, (uint32_t)rid) : NULL;

	a->size = 8;
	if (!t)
		return;
	if (btf_is_ptr(t)) {
		a->is_ptr = true;
		a->is_int = true;
	} else if (btf_is_int(t)) {
		a->is_int = t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
		a->size = t->size;
		a->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	} else if (btf_is_enum(t) || btf_is_enum64(t)) {
		a->is_int = t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
		a->size = t->size;
		a->is_signed = btf_kflag(t);
	}
}

static const struct btf_type *func_proto(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	int id;

	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id <= 0)
		return NULL;
	t = btf__type_by_id(btf, btf__type_by_id(btf, (uint32_t)id)->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

static bool same_params(const struct btf_type *a, const struct btf_type *b)
{
	if (btf_vlen(a) != btf_vlen(b))
		return false;
	for (uint16_t i = 0; i < btf_vlen(a); i++) {
		if (btf_params(a)[i].type != btf_params(b)[i].type)
			return false;
	}
	return true;
}

/*
 * Before 6.4 an event defined from a class (DEFINE_EVENT) has only its
 * class's __bpf_trace_CLASS, and nothing in BTF ties the event to its class:
 * take the names of the __bpf_trace_* prototypes with the event's parameter
 * types when they all agree (block_rq_issue's one class with (struct request
 * *) calls it rq), else none.
 */
static const struct btf_type *class_proto(const struct btf *btf, const struct btf_type *proto)
{
	const struct btf_type *found = NULL;
	uint32_t n = btf__type_cnt(btf);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id), *fp;
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (!btf_is_func(t) || !name || strncmp(name, "__bpf_trace_", 12))
			continue;
		fp = btf__type_by_id(btf, t->type);
		if (!fp || !btf_is_func_proto(fp) || !same_params(fp, proto))
			continue;
		if (!found) {
			found = fp;
			continue;
		}
		for (uint16_t i = 1; i < btf_vlen(fp); i++) {
			if (strcmp(btf__name_by_offset(btf, btf_params(fp)[i].name_off),
				   btf__name_by_offset(btf, btf_params(found)[i].name_off)))
				return NULL;
		}
	}
	return found;
}

/*
 * The parameters of btf_trace_EVENT's prototype have no names in BTF; those
 * of the functions the kernel defines for each event have, in the same
 * order: __probestub_EVENT (6.4+, every event), else __bpf_trace_EVENT
 * (include/trace/bpf_probe.h; named after the event's class), else the
 * class found by its parameter types.
 */
static const struct btf_type *named_proto(const struct btf *btf, const char *event,
					  const struct btf_type *proto)
{
	const struct btf_type *t;
	char name[256];

	snprintf(name, sizeof(name), "__probestub_%s", event);
	t = func_proto(btf, name);
	if (!t || !same_params(t, proto)) {
		snprintf(name, sizeof(name), "__bpf_trace_%s", event);
		t = func_proto(btf, name);
	}
	if (!t || !same_params(t, proto))
		t = class_proto(btf, proto);
	return t;
}

int rawtp__event(const struct btf *btf, const char *event, struct rawtp_event *out)
{
	const struct btf_type *t, *named;
	const struct btf_param *p;
	char name[256];
	uint32_t proto;
	int id;

	memset(out, 0, sizeof(*out));
	if (snprintf(name, sizeof(name), PREFIX "%s", event) >= (int)sizeof(name))
		return -ENOENT;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -ENOENT;
	proto = proto_of(btf, (uint32_t)id);
	if (!proto)
		return -ENOENT;
	t = btf__type_by_id(btf, proto);
	p = btf_params(t);
	named = named_proto(btf, event, t);
	/* params[0] is the tracepoint's void *__data */
	for (uint16_t i = 1; i < btf_vlen(t) && out->nargs < RAWTP_MAX_ARGS; i++) {
		struct rawtp_arg *a = &out->args[out->nargs];

		a->name = btf__name_by_offset(btf, (named ? btf_params(named) : p)[i].name_off);
		a->index = i - 1;
		a->type_id = p[i].type;
		classify(btf, p[i].type, a);
		out->nargs++;
	}
	return 0;
}

const struct rawtp_arg *rawtp__arg(const struct rawtp_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->nargs; i++) {
		if (ev->args[i].name && !strcmp(ev->args[i].name, name))
			return &ev->args[i];
	}
	return NULL;
}

int rawtp__for_each(const struct btf *btf, int (*each)(const char *event, void *arg), void *arg)
{
	const struct btf *base = btf__base_btf(btf);
	uint32_t n = btf__type_cnt(btf);
	int err;

	/* a module's split BTF: its own events, not its base's again */
	for (uint32_t id = base ? btf__type_cnt(base) : 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!btf_is_typedef(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, PREFIX, PREFIX_LEN) || !proto_of(btf, id))
			continue;
		err = each(name + PREFIX_LEN, arg);
		if (err)
			return err;
	}
	return 0;
}

static int suggest_one(const char *event, void *arg)
{
	suggest__add(arg, event);
	return 0;
}

const char *rawtp__suggest(const struct btf *btf, const char *event)
{
	struct suggest s;

	suggest__init(&s, event, false);
	rawtp__for_each(btf, suggest_one, &s);
	return s.best;
}

struct decl_buf {
	char *p;
	size_t len, off;
};

static void decl_printf(void *ctx, const char *fmt, va_list ap)
{
	struct decl_buf *b = ctx;
	int n;

	if (b->off >= b->len)
		return;
	n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	if (n > 0)
		b->off += (size_t)n;
}

int rawtp__arg_decl(const struct btf *btf, const struct rawtp_arg *a, char *buf, size_t len)
{
	struct decl_buf b = { .p = buf, .len = len };
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = a->name);
	struct btf_dump *d;
	int err;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	d = btf_dump__new(btf, decl_printf, &b, NULL);
	if (!d)
		return -errno;
	err = btf_dump__emit_type_decl(d, a->type_id, &opts);
	btf_dump__free(d);
	return err;
}
