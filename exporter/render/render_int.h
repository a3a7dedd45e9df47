/* SPDX-License-Identifier: GPL-2.0 */
/*
 * render's insides, shared by its text encoders (render.c: text 0.0.4 and
 * OpenMetrics) and its protobuf encoder (render_pb.c). Not for other modules.
 */
#ifndef BPFPROM_RENDER_INT_H
#define BPFPROM_RENDER_INT_H

#include "render/render.h"
#include "util/text.h"

struct render_enc_ops {
	void (*begin)(struct render_enc *e);
	void (*metric)(struct render_enc *e, const struct metric_desc *d, const struct series *s);
	void (*family)(struct render_enc *e, const char *name, const char *help,
		       enum render_type type);
	/* is_u64: the value is u (exact), else d */
	void (*sample)(struct render_enc *e, size_t nlabels, const char *const *lnames,
		       const char *const *lvalues, bool is_u64, uint64_t u, double d);
	void (*end)(struct render_enc *e);
};

struct render_pb;

struct render_enc {
	const struct render_enc_ops *ops;
	struct buf *out;
	bool om; /* the text encoder writes OpenMetrics */
	bool om2; /* ... 2.0 (om set too) */
	uint64_t fam_start_ns; /* render_enc__start's, 0: none */
	/* the family render_enc__sample writes into */
	const char *fam_name;
	enum render_type fam_type;
	struct render_pb *pb; /* protobuf scratch, made on first use */
	/* OpenMetrics 2.0's native spans and buckets, grown to the most
	 * buckets a histogram has had */
	struct render_span *om2_spans;
	int64_t *om2_deltas;
	size_t om2_cap;
};

extern const struct render_enc_ops render_pb_ops;
void render_pb_free(struct render_pb *pb);

/* Label j of series i, escaped: its text (series__label), or its number. */
void render_put_label(struct buf *b, const struct metric_desc *d, const struct series *s, size_t i,
		      size_t j, enum text_esc esc);
/* Series i's start timestamp (ns since the epoch), 0 when none. */
static inline uint64_t render_series_start(const struct series *s, size_t i)
{
	return s->starts ? s->starts[i] : 0;
}

/* A value word as a double in the metric's unit. */
double render_scaled(uint64_t raw, bool is_signed, double scale);

#endif /* BPFPROM_RENDER_INT_H */
