// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "lifecycle.h"
#include "util/log.h"
#include "render/render.h"
#include "term.h"
#include "util/text.h"

int term__parse_interval(const char *s, uint64_t *ms)
{
	return text__parse_duration_ms(s, TERM_MAX_INTERVAL_MS, ms);
}

void term__format_header(struct buf *b, time_t t)
{
	struct tm tm;
	char s[16];

	localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%H:%M:%S\n", &tm);
	buf__puts(b, s);
}

/* NAME{LABELS} of series si, label values escaped as the text format does */
static void put_labels(struct buf *b, const struct metric_desc *m, const struct series *s,
		       size_t si)
{
	const char *text;
	size_t n = 0;
	uint64_t v = 0;

	buf__puts(b, m->name);
	if (!m->nlabels)
		return;
	buf__puts(b, "{");
	for (size_t i = 0; i < m->nlabels; i++) {
		buf__printf(b, "%s%s=\"", i ? "," : "", m->labels[i].name);
		text = series__label(m, s, si, i, &n, &v);
		if (text)
			render__escape_label_value(b, text, n);
		else
			text__put_int(b, v, m->labels[i].is_signed);
		buf__puts(b, "\"");
	}
	buf__puts(b, "}");
}

static void put_value(struct buf *b, uint64_t v, bool is_signed)
{
	if (is_signed)
		buf__printf(b, "%" PRId64, (int64_t)v);
	else
		buf__printf(b, "%" PRIu64, v);
}

/* A bound in the metric's raw unit: log2 bounds are powers of two, shown with
 * bpftrace's binary suffixes (1K = 1024, up to 16E = 2^64, which no integer
 * type holds), linear ones as they are. */
static int format_bound(char *s, size_t n, const struct metric_desc *m, size_t i)
{
	static const char suffix[] = " KMGTPE";
	double raw = m->bounds[i] / m->scale;
	int e;

	/* a schema's bounds are 2^(i / 2^schema): 4 digits, in the raw unit too */
	if (m->agg == BPFPROM_AGG_HIST && m->hist_has_schema)
		return snprintf(s, n, "%.4g", raw);
	if (m->agg == BPFPROM_AGG_HIST) {
		if (raw < 1)
			return snprintf(s, n, "0");
		e = (int)lround(log2(raw));
		if (e < 10)
			return snprintf(s, n, "%d", 1 << e);
		return snprintf(s, n, "%d%c", 1 << (e % 10), suffix[e / 10 < 6 ? e / 10 : 6]);
	}
	/* an lhist bound is an int64; the double of one near the ends may not be */
	if (fabs(raw) < 9e18)
		return snprintf(s, n, "%lld", llround(raw));
	return snprintf(s, n, "%.0f", raw);
}

/* bucket i of m, as its interval: upper-inclusive like le */
static void format_bucket(char *s, size_t n, const struct metric_desc *m, size_t i)
{
	char lo[32], hi[32];

	if (i == m->nbuckets) {
		format_bound(lo, sizeof(lo), m, i - 1);
		snprintf(s, n, "(%s, ...)", lo);
		return;
	}
	format_bound(hi, sizeof(hi), m, i);
	if (i > 0) {
		format_bound(lo, sizeof(lo), m, i - 1);
		snprintf(s, n, "(%s, %s]", lo, hi);
	} else if (m->agg == BPFPROM_AGG_HIST && !m->value_signed &&
		   (m->hist_has_schema ? m->bounds[0] == 0 : m->hist_first_slot == 0)) {
		/* an unsigned value's le="0" holds 0 and nothing else */
		snprintf(s, n, "[0]");
	} else {
		snprintf(s, n, "(..., %s]", hi);
	}
}

static void put_hist(struct buf *b, const struct metric_desc *m, const uint64_t *v)
{
	const uint64_t *bk = v + BPFPROM_V_BUCKETS;
	size_t first = SIZE_MAX, last = 0;
	uint64_t max = 0;
	char range[80], bar[TERM_BAR_WIDTH + 1];

	for (size_t i = 0; i <= m->nbuckets; i++) {
		if (!bk[i])
			continue;
		if (first == SIZE_MAX)
			first = i;
		last = i;
		if (bk[i] > max)
			max = bk[i];
	}
	if (first == SIZE_MAX)
		return;
	for (size_t i = first; i <= last; i++) {
		size_t w = (size_t)((double)bk[i] * TERM_BAR_WIDTH / (double)max);

		format_bucket(range, sizeof(range), m, i);
		memset(bar, '@', w);
		memset(bar + w, ' ', TERM_BAR_WIDTH - w);
		bar[TERM_BAR_WIDTH] = '\0';
		buf__printf(b, "%-16s%8" PRIu64 " |%s|\n", range, bk[i], bar);
	}
}

static void put_stats(struct buf *b, const struct metric_desc *m, const uint64_t *v)
{
	uint64_t count = v[BPFPROM_V_COUNT];

	buf__printf(b, "count %" PRIu64 ", avg ", count);
	if (!count) {
		buf__puts(b, "0, min 0, max 0");
		return;
	}
	/* integer average as bpftrace's avg: the kernel summed integers */
	if (m->value_signed)
		buf__printf(b, "%" PRId64, (int64_t)v[BPFPROM_V_SUM] / (int64_t)count);
	else
		buf__printf(b, "%" PRIu64, v[BPFPROM_V_SUM] / count);
	buf__puts(b, ", min ");
	put_value(b, v[BPFPROM_V_MIN], m->value_signed);
	buf__puts(b, ", max ");
	put_value(b, v[BPFPROM_V_MAX], m->value_signed);
}

static bool untouched(const uint64_t *v, size_t words)
{
	for (size_t w = 0; w < words; w++) {
		if (v[w])
			return false;
	}
	return true;
}

void term__format_metric(struct buf *b, const struct metric_desc *m, const struct series *s)
{
	bool ns = m->scale != 1;
	size_t words = s->value_words;
	size_t need = m->agg == BPFPROM_AGG_COUNT ? 1 :
		      m->agg == BPFPROM_AGG_SUM	  ? 2 :
		      m->agg == BPFPROM_AGG_STATS ? 4 :
						    BPFPROM_V_BUCKETS + m->nbuckets + 1;

	/* a histogram without bounds has no bucket to name */
	if (!series__readable(m, s, need) ||
	    ((m->agg == BPFPROM_AGG_HIST || m->agg == BPFPROM_AGG_LHIST) &&
	     (!m->nbuckets || !m->bounds)))
		return;
	for (size_t i = 0; i < s->n; i++) {
		const uint64_t *v = s->values + i * words;

		/* a metric without labels is exported at 0 before its first
		 * event; bpftrace prints no map that was never set */
		if (!m->nlabels && untouched(v, words))
			continue;
		put_labels(b, m, s, i);
		switch (m->agg) {
		case BPFPROM_AGG_COUNT:
			buf__printf(b, ": %" PRIu64 "\n", v[BPFPROM_V_COUNT]);
			break;
		case BPFPROM_AGG_SUM:
			buf__puts(b, ": ");
			put_value(b, v[BPFPROM_V_SUM], m->value_signed);
			buf__puts(b, "\n");
			break;
		case BPFPROM_AGG_STATS:
			buf__puts(b, ns ? " (ns): " : ": ");
			put_stats(b, m, v);
			buf__puts(b, "\n");
			break;
		default:
			buf__puts(b, ns ? " (ns):\n" : ":\n");
			put_hist(b, m, v);
			buf__puts(b, "\n");
			break;
		}
	}
}

struct print_ctx {
	struct buf *b;
};

static bool print_one(void *arg, const struct metric_desc *m, const struct series *s)
{
	struct print_ctx *pc = arg;

	term__format_metric(pc->b, m, s);
	return !pc->b->oom;
}

static int print_all(struct scrape *s, struct buf *b, FILE *out, char *err, size_t errlen)
{
	struct print_ctx pc = { .b = b };
	int ret;

	buf__reset(b);
	term__format_header(b, time(NULL));
	ret = scrape__each_metric(s, print_one, &pc);
	if (!ret && b->oom)
		ret = -ENOMEM;
	if (ret) {
		snprintf(err, errlen, "print: reading the metrics failed: %s", strerror(-ret));
		return ret;
	}
	if (fwrite(b->data, 1, b->len, out) != b->len || fflush(out)) {
		ret = -errno;
		snprintf(err, errlen, "print: writing to the output failed: %s", strerror(errno));
		return ret ? ret : -EIO;
	}
	return 0;
}

int term__run(struct lifecycle *lc, const struct term_opts *opts, const sigset_t *sigs, FILE *out,
	      char *err, size_t errlen)
{
	struct buf b = { 0 };
	char msg[1024];
	uint64_t next = (clock__mono_ns() / 1000000) + opts->interval_ms, now;
	struct timespec ts;
	int sig, ret = 0;

	for (;;) {
		now = (clock__mono_ns() / 1000000);
		if (now < next) {
			ts.tv_sec = (time_t)((next - now) / 1000);
			ts.tv_nsec = (long)((next - now) % 1000) * 1000000;
			sig = sigtimedwait(sigs, NULL, &ts);
			if (sig == SIGHUP) {
				/* as the server does; this thread is the only one, so no
				 * print runs during the swap */
				if (lifecycle__reload(lc, msg, sizeof(msg)))
					log_error(
						"reload: failed, still printing the previous config: %s",
						msg);
				else
					log_info("reload: %s", msg);
				continue;
			}
			if (sig > 0) {
				/* what was counted until now, as bpftrace prints its maps at exit */
				ret = print_all(lifecycle__scrape(lc), &b, out, err, errlen);
				break;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
		}
		ret = print_all(lifecycle__scrape(lc), &b, out, err, errlen);
		if (ret || opts->once)
			break;
		/* fixed steps: a slow print does not drift the next one */
		next += opts->interval_ms;
		if (next <= (clock__mono_ns() / 1000000))
			next = (clock__mono_ns() / 1000000) + opts->interval_ms;
	}
	buf__free(&b);
	return ret;
}
