// SPDX-License-Identifier: GPL-2.0
/*
 * render, protobuf: length-delimited io.prometheus.client.MetricFamily
 * messages (client_model's metrics.proto, compiled by protoc-c under build/).
 *
 * A family is streamed rather than built whole: its name, help and type are
 * packed, then each Metric is packed and appended as the family's field 4 as
 * soon as it is built, and at the family's end its varint length is put in
 * front of it (one memmove per family). So a metric of 100k series never
 * holds 100k Metric structs: one Metric, its labels, buckets, spans and
 * deltas are reused for every series, the arrays grown geometrically to the
 * largest histogram seen. Nothing is allocated per sample.
 *
 * Start timestamps: Debian's client_model metrics.proto predates the
 * created_timestamp fields, so they are written as the fields upstream
 * numbers them (prometheus/client_model, and prometheus/prometheus's
 * prompb/io/prometheus/client/metrics.proto: Counter 3, Summary 4,
 * Histogram 15, each a google.protobuf.Timestamp) through protobuf-c's
 * unknown fields, which it packs after the known ones: a decoder built
 * from the older proto skips them, a newer one reads them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "io/prometheus/client/metrics.pb-c.h"

#include "render/render_int.h"

#define PB_MAX_LABELS 16
/* MetricFamily.metric: field 4, wire type 2 (length-delimited) */
#define PB_METRIC_TAG ((4 << 3) | 2)
#define VARINT_MAX 10
/* created_timestamp in upstream's metrics.proto */
#define PB_COUNTER_CREATED 3
#define PB_SUMMARY_CREATED 4
#define PB_HISTOGRAM_CREATED 15
/* a packed Timestamp: two varints and their tags */
#define PB_TS_MAX 24

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__LabelPair pb_label;
typedef Io__Prometheus__Client__Bucket pb_bucket;
typedef Io__Prometheus__Client__BucketSpan pb_span;

struct render_pb {
	bool open; /* a family is being written */
	size_t fam_start; /* its first byte in out */
	size_t fam_metrics; /* Metrics written into it */
	pb_metric metric;
	pb_label lp[PB_MAX_LABELS];
	pb_label *lpp[PB_MAX_LABELS];
	size_t loff[PB_MAX_LABELS];
	struct buf lab; /* the Metric's label values, each NUL-terminated */
	struct buf names; /* a family's name and help with a suffix */
	Io__Prometheus__Client__Counter counter;
	Io__Prometheus__Client__Gauge gauge;
	Io__Prometheus__Client__Summary summary;
	Io__Prometheus__Client__Histogram hist;
	/* grown to the most buckets a histogram has had */
	size_t cap;
	pb_bucket *bk;
	pb_bucket **bkp;
	pb_span *sp;
	pb_span **spp;
	int64_t *delta;
	struct render_span *rsp; /* render__native's spans, copied into sp */
	/* the created_timestamp of the Metric being packed */
	ProtobufCMessageUnknownField created;
	uint8_t created_bytes[PB_TS_MAX];
};

void render_pb_free(struct render_pb *pb)
{
	if (!pb)
		return;
	buf__free(&pb->lab);
	buf__free(&pb->names);
	free(pb->bk);
	free(pb->bkp);
	free(pb->sp);
	free(pb->spp);
	free(pb->delta);
	free(pb->rsp);
	free(pb);
}

static struct render_pb *pb_get(struct render_enc *e)
{
	struct render_pb *pb = e->pb;
	size_t i;

	if (pb)
		return pb;
	pb = calloc(1, sizeof(*pb));
	if (!pb) {
		e->out->oom = true;
		return NULL;
	}
	io__prometheus__client__metric__init(&pb->metric);
	for (i = 0; i < PB_MAX_LABELS; i++) {
		io__prometheus__client__label_pair__init(&pb->lp[i]);
		pb->lpp[i] = &pb->lp[i];
	}
	io__prometheus__client__counter__init(&pb->counter);
	io__prometheus__client__gauge__init(&pb->gauge);
	io__prometheus__client__summary__init(&pb->summary);
	io__prometheus__client__histogram__init(&pb->hist);
	e->pb = pb;
	return pb;
}

/* Room for n buckets (and as many spans and deltas, the most they need). */
static bool pb_reserve_buckets(struct render_pb *pb, size_t n)
{
	size_t cap = pb->cap ? pb->cap : 16, i;
	void *p;

	if (n <= pb->cap)
		return true;
	while (cap < n)
		cap *= 2;
	p = realloc(pb->bk, cap * sizeof(*pb->bk));
	if (!p)
		return false;
	pb->bk = p;
	p = realloc(pb->bkp, cap * sizeof(*pb->bkp));
	if (!p)
		return false;
	pb->bkp = p;
	p = realloc(pb->sp, cap * sizeof(*pb->sp));
	if (!p)
		return false;
	pb->sp = p;
	p = realloc(pb->spp, cap * sizeof(*pb->spp));
	if (!p)
		return false;
	pb->spp = p;
	p = realloc(pb->delta, cap * sizeof(*pb->delta));
	if (!p)
		return false;
	pb->delta = p;
	p = realloc(pb->rsp, cap * sizeof(*pb->rsp));
	if (!p)
		return false;
	pb->rsp = p;
	/* the arrays may have moved: every pointer is set again */
	for (i = 0; i < cap; i++) {
		if (i >= pb->cap) {
			io__prometheus__client__bucket__init(&pb->bk[i]);
			io__prometheus__client__bucket_span__init(&pb->sp[i]);
		}
		pb->bkp[i] = &pb->bk[i];
		pb->spp[i] = &pb->sp[i];
	}
	pb->cap = cap;
	return true;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Put the family's length in front of it; a family without a Metric is
 * dropped, as client_golang's Gather drops it. */
static void pb_close(struct render_enc *e)
{
	struct render_pb *pb = e->pb;
	struct buf *b = e->out;
	size_t body, vl;

	if (!pb || !pb->open)
		return;
	pb->open = false;
	if (b->oom)
		return;
	if (!pb->fam_metrics) {
		b->len = pb->fam_start;
		return;
	}
	body = b->len - pb->fam_start;
	vl = varint_len(body);
	if (!buf__reserve(b, vl))
		return;
	memmove(b->data + pb->fam_start + vl, b->data + pb->fam_start, body);
	put_varint((uint8_t *)b->data + pb->fam_start, body);
	b->len += vl;
}

static void pb_open(struct render_enc *e, const char *name, const char *help,
		    Io__Prometheus__Client__MetricType type)
{
	pb_family mf = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	struct buf *b = e->out;
	struct render_pb *pb;
	size_t n;

	pb_close(e);
	pb = pb_get(e);
	if (!pb || b->oom)
		return;
	/* protobuf-c takes char *; packing does not write through it */
	mf.name = (char *)name;
	mf.help = (char *)help;
	mf.has_type = 1;
	mf.type = type;
	n = io__prometheus__client__metric_family__get_packed_size(&mf);
	if (!buf__reserve(b, n))
		return;
	pb->fam_start = b->len;
	b->len += io__prometheus__client__metric_family__pack(&mf, (uint8_t *)b->data + b->len);
	pb->fam_metrics = 0;
	pb->open = true;
}

/*
 * Give msg (a Counter, Summary or Histogram) the created_timestamp field
 * `field` at ns (nanoseconds since the epoch), or none when ns is 0.
 */
static void pb_set_created(struct render_pb *pb, ProtobufCMessage *msg, uint32_t field, uint64_t ns)
{
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	if (!ns) {
		msg->n_unknown_fields = 0;
		msg->unknown_fields = NULL;
		return;
	}
	ts.seconds = (int64_t)(ns / 1000000000u);
	ts.nanos = (int32_t)(ns % 1000000000u);
	pb->created.tag = field;
	pb->created.wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	/* protobuf-c packs an unknown field's bytes as they are after its
	 * tag: a length-delimited one's length prefix included (a Timestamp
	 * is at most 22 bytes: one byte of length) */
	pb->created_bytes[0] =
		(uint8_t)google__protobuf__timestamp__pack(&ts, pb->created_bytes + 1);
	pb->created.len = 1 + (size_t)pb->created_bytes[0];
	pb->created.data = pb->created_bytes;
	msg->n_unknown_fields = 1;
	msg->unknown_fields = &pb->created;
}

/* Append pb->metric to the open family, then clear its value. */
static void pb_put_metric(struct render_enc *e)
{
	struct render_pb *pb = e->pb;
	struct buf *b = e->out;
	size_t n;

	if (pb->lab.oom)
		b->oom = true;
	if (!b->oom && pb->open) {
		n = io__prometheus__client__metric__get_packed_size(&pb->metric);
		if (buf__reserve(b, 1 + VARINT_MAX + n)) {
			b->data[b->len++] = PB_METRIC_TAG;
			b->len += put_varint((uint8_t *)b->data + b->len, n);
			b->len += io__prometheus__client__metric__pack(&pb->metric,
								       (uint8_t *)b->data + b->len);
			pb->fam_metrics++;
		}
	}
	pb->metric.counter = NULL;
	pb->metric.gauge = NULL;
	pb->metric.summary = NULL;
	pb->metric.histogram = NULL;
}

/* Point the label pairs at the values written into pb->lab. */
static void pb_set_labels(struct render_pb *pb, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pb->lp[i].value = pb->lab.oom ? (char *)"" : pb->lab.data + pb->loff[i];
	pb->metric.n_label = n;
	pb->metric.label = n ? pb->lpp : NULL;
}

static void pb_key_labels(struct render_pb *pb, const struct metric_desc *m, const struct series *s,
			  size_t si)
{
	size_t i;

	buf__reset(&pb->lab);
	for (i = 0; i < m->nlabels; i++) {
		pb->lp[i].name = (char *)m->labels[i].name;
		pb->loff[i] = pb->lab.len;
		/* protobuf strings are not escaped, but must be UTF-8 */
		render_put_label(&pb->lab, m, s, si, i, TEXT_ESC_NONE);
		buf__put(&pb->lab, "", 1);
	}
	pb_set_labels(pb, m->nlabels);
}

static void pb_counter(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	struct render_pb *pb = e->pb;
	bool is_sum = m->agg == BPFPROM_AGG_SUM;
	const uint64_t *v;
	size_t i;

	if (!series__readable(m, s, is_sum ? BPFPROM_V_SUM + 1 : BPFPROM_V_COUNT + 1))
		return;
	for (i = 0; i < s->n && !e->out->oom; i++) {
		v = s->values + i * s->value_words;
		pb_key_labels(pb, m, s, i);
		pb->counter.has_value = 1;
		pb->counter.value =
			is_sum ? render_scaled(v[BPFPROM_V_SUM], m->value_signed, m->scale) :
				 (double)v[BPFPROM_V_COUNT];
		pb_set_created(pb, &pb->counter.base, PB_COUNTER_CREATED,
			       render_series_start(s, i));
		pb->metric.counter = &pb->counter;
		pb_put_metric(e);
	}
}

/* The native half of a histogram, as render__native maps it. */
static void pb_native(struct render_pb *pb, const struct metric_desc *m, const uint64_t *v)
{
	Io__Prometheus__Client__Histogram *h = &pb->hist;
	struct render_native n = { .spans = pb->rsp, .deltas = pb->delta };
	size_t k;

	render__native(m, v, &n);
	h->has_schema = 1;
	h->schema = n.schema;
	h->has_zero_threshold = 1;
	h->zero_threshold = n.zero_threshold;
	h->has_zero_count = 1;
	h->zero_count = n.zero_count;
	for (k = 0; k < n.nspans; k++) {
		pb->sp[k].has_offset = 1;
		pb->sp[k].offset = n.spans[k].offset;
		pb->sp[k].has_length = 1;
		pb->sp[k].length = n.spans[k].length;
	}
	h->n_positive_span = n.nspans;
	h->positive_span = pb->spp;
	h->n_positive_delta = n.ndeltas;
	h->positive_delta = n.ndeltas ? pb->delta : NULL;
}

static void pb_histogram(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	struct render_pb *pb = e->pb;
	Io__Prometheus__Client__Histogram *h = &pb->hist;
	bool native = render__native_exact(m);
	const uint64_t *v;
	uint64_t cum;
	size_t i, j;

	if (!series__readable(m, s, BPFPROM_V_BUCKETS + m->nbuckets + 1) ||
	    (m->nbuckets && !m->bounds))
		return;
	if (!pb_reserve_buckets(pb, m->nbuckets + 1)) {
		e->out->oom = true;
		return;
	}
	for (j = 0; j < m->nbuckets; j++) {
		pb->bk[j].has_upper_bound = 1;
		pb->bk[j].upper_bound = m->bounds[j];
		pb->bk[j].has_cumulative_count = 1;
	}
	io__prometheus__client__histogram__init(h);
	for (i = 0; i < s->n && !e->out->oom; i++) {
		v = s->values + i * s->value_words;
		pb_key_labels(pb, m, s, i);
		cum = 0;
		for (j = 0; j < m->nbuckets; j++) {
			cum += v[BPFPROM_V_BUCKETS + j];
			pb->bk[j].cumulative_count = cum;
		}
		/* +Inf is implied by sample_count, as client_golang leaves it */
		cum += v[BPFPROM_V_BUCKETS + m->nbuckets];
		h->has_sample_count = 1;
		h->sample_count = cum;
		h->has_sample_sum = 1;
		h->sample_sum = render_scaled(v[BPFPROM_V_SUM], m->value_signed, m->scale);
		h->n_bucket = m->nbuckets;
		h->bucket = m->nbuckets ? pb->bkp : NULL;
		if (native)
			pb_native(pb, m, v);
		pb_set_created(pb, &h->base, PB_HISTOGRAM_CREATED, render_series_start(s, i));
		pb->metric.histogram = h;
		pb_put_metric(e);
	}
}

/* A family named m->name + suffix, its help + help_suffix. */
static void pb_open_suffixed(struct render_enc *e, const struct metric_desc *m, const char *suffix,
			     const char *help_suffix, Io__Prometheus__Client__MetricType type)
{
	struct render_pb *pb = pb_get(e);
	size_t help_off;

	if (!pb)
		return;
	buf__reset(&pb->names);
	buf__puts(&pb->names, m->name);
	buf__put(&pb->names, suffix, strlen(suffix) + 1);
	help_off = pb->names.len;
	if (m->help)
		text__put_escaped(&pb->names, m->help, strlen(m->help), TEXT_ESC_NONE);
	buf__put(&pb->names, help_suffix, strlen(help_suffix) + 1);
	if (pb->names.oom) {
		e->out->oom = true;
		return;
	}
	pb_open(e, pb->names.data, pb->names.data + help_off, type);
}

static void pb_stats(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	static const char *const suffix[2] = { "_min", "_max" };
	static const char *const help_suffix[2] = { " (minimum)", " (maximum)" };
	bool readable = series__readable(m, s, BPFPROM_V_MAX + 1);
	struct render_pb *pb = e->pb;
	const uint64_t *v;
	size_t i;
	int g;

	for (i = 0; readable && i < s->n && !e->out->oom; i++) {
		v = s->values + i * s->value_words;
		pb_key_labels(pb, m, s, i);
		pb->summary.has_sample_count = 1;
		pb->summary.sample_count = v[BPFPROM_V_COUNT];
		pb->summary.has_sample_sum = 1;
		pb->summary.sample_sum = render_scaled(v[BPFPROM_V_SUM], m->value_signed, m->scale);
		pb_set_created(pb, &pb->summary.base, PB_SUMMARY_CREATED,
			       render_series_start(s, i));
		pb->metric.summary = &pb->summary;
		pb_put_metric(e);
	}
	for (g = 0; g < 2; g++) {
		pb_open_suffixed(e, m, suffix[g], help_suffix[g],
				 IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
		for (i = 0; readable && i < s->n && !e->out->oom; i++) {
			v = s->values + i * s->value_words;
			/* min and max of no events are not values */
			if (!v[BPFPROM_V_COUNT])
				continue;
			pb_key_labels(pb, m, s, i);
			pb->gauge.has_value = 1;
			pb->gauge.value = render_scaled(v[g ? BPFPROM_V_MAX : BPFPROM_V_MIN],
							m->value_signed, m->scale);
			pb->metric.gauge = &pb->gauge;
			pb_put_metric(e);
		}
	}
}

static void pb_metric_ops(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	switch (m->agg) {
	case BPFPROM_AGG_COUNT:
	case BPFPROM_AGG_SUM:
		pb_open_suffixed(e, m, "", "", IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
		if (e->pb)
			pb_counter(e, m, s);
		break;
	case BPFPROM_AGG_HIST:
	case BPFPROM_AGG_LHIST:
		pb_open_suffixed(e, m, "", "", IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
		if (e->pb)
			pb_histogram(e, m, s);
		break;
	case BPFPROM_AGG_STATS:
		pb_open_suffixed(e, m, "", "", IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY);
		if (e->pb)
			pb_stats(e, m, s);
		break;
	default:
		break;
	}
}

static void pb_family_ops(struct render_enc *e, const char *name, const char *help,
			  enum render_type type)
{
	pb_open(e, name, help,
		type == RENDER_COUNTER ? IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER :
					 IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
}

static void pb_sample_ops(struct render_enc *e, size_t nlabels, const char *const *lnames,
			  const char *const *lvalues, bool is_u64, uint64_t u, double d)
{
	struct render_pb *pb = e->pb;
	double value = is_u64 ? (double)u : d;
	size_t i;

	if (!pb || !pb->open)
		return;
	if (nlabels > PB_MAX_LABELS)
		nlabels = PB_MAX_LABELS;
	buf__reset(&pb->lab);
	for (i = 0; i < nlabels; i++) {
		pb->lp[i].name = (char *)lnames[i];
		pb->loff[i] = pb->lab.len;
		text__put_escaped(&pb->lab, lvalues[i], strlen(lvalues[i]), TEXT_ESC_NONE);
		buf__put(&pb->lab, "", 1);
	}
	pb_set_labels(pb, nlabels);
	if (e->fam_type == RENDER_COUNTER) {
		pb->counter.has_value = 1;
		pb->counter.value = value;
		pb_set_created(pb, &pb->counter.base, PB_COUNTER_CREATED, e->fam_start_ns);
		pb->metric.counter = &pb->counter;
	} else {
		pb->gauge.has_value = 1;
		pb->gauge.value = value;
		pb->metric.gauge = &pb->gauge;
	}
	pb_put_metric(e);
}

static void pb_begin_ops(struct render_enc *e)
{
	/* a family left open by an exposition that failed half-way points
	 * into another buffer */
	if (e->pb)
		e->pb->open = false;
}

static void pb_end_ops(struct render_enc *e)
{
	pb_close(e);
}

const struct render_enc_ops render_pb_ops = {
	.begin = pb_begin_ops,
	.metric = pb_metric_ops,
	.family = pb_family_ops,
	.sample = pb_sample_ops,
	.end = pb_end_ops,
};
