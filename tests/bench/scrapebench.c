// SPDX-License-Identifier: GPL-2.0
/*
 * scrapebench CONFIG PID ROUNDS
 *
 * The parts of a scrape, timed in-process on the very maps a running
 * exporter (PID, started on CONFIG, one metric) holds: its "series0" and
 * "drops0" maps (slot 0: the metric is alone in its program) are opened by
 * id from /proc/PID/fdinfo, CONFIG is planned
 * again here for the metric's description. Each part runs ROUNDS
 * times; one line per part: "PART P50_MS P99_MS SERIES", in CPU time of the
 * thread (user + kernel), which a busy machine does not inflate.
 *   bare      bpf_map_lookup_batch over the whole map, nothing else done, with
 *             the entries per call (256 .. the whole map) that make it
 *             fastest: the line's fifth field
 *   batch     collect__metric, batched reads (what the exporter does)
 *   perkey    collect__metric, get_next_key + lookup per key (the ablation)
 *   text      render text 0.0.4 of the collected series
 *   gzip      gzip of that text (zlib level 1, as http does)
 *   protobuf  render protobuf
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "scrape/collect.h"
#include "web/compress.h"
#include "config/config.h"
#include "kernel/kprobe.h"
#include "kernel/plan.h"
#include "render/render.h"
#include "kernel/tracefs.h"

/* entries per bare batch call, tried in turn: the fastest is the bare read */
static const unsigned int bare_chunks[] = { 256, 1024, 4096, 16384, 65536, 262144, 1048576 };

/* CPU time of this thread, user and kernel: the work a part does, without
 * the time other processes on a busy machine take the CPU from it */
static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *part, double *ms, int rounds, size_t series)
{
	qsort(ms, rounds, sizeof(*ms), cmp_double);
	/* nearest rank: the p99 of fewer than 100 rounds is their maximum */
	printf("%s %.3f %.3f %zu\n", part, ms[(rounds - 1) / 2], ms[(rounds * 99 + 99) / 100 - 1],
	       series);
}

/* The exporter's "series0" and "drops0" maps, opened by id from its fdinfo. */
static int find_maps(int pid, struct loader_maps *lm)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d;

	lm->series_fd = lm->drops_fd = lm->starts_fd = -1;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info), id = 0;
		FILE *f;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			sscanf(line, "map_id: %u", &id);
		fclose(f);
		if (!id)
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    strcmp(info.name, "series0") == 0 && lm->series_fd < 0) {
			lm->series_fd = fd;
			lm->key_size = info.key_size;
			lm->value_size = info.value_size;
			lm->max_entries = info.max_entries;
		} else if (strcmp(info.name, "drops0") == 0 && lm->drops_fd < 0) {
			lm->drops_fd = fd;
		} else {
			close(fd);
		}
	}
	closedir(d);
	return lm->series_fd >= 0 && lm->drops_fd >= 0 ? 0 : -ENOENT;
}

/* Every entry of the map through bpf_map_lookup_batch, nothing done with them. */
static long bare_read(int fd, void *keys, void *vals, __u32 chunk)
{
	__u64 in = 0, out = 0;
	bool first = true;
	long n = 0;

	for (;;) {
		__u32 count = chunk;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count,
					       NULL);

		if (err < 0)
			err = -errno;
		n += count;
		if (err == -ENOENT)
			return n;
		if (err)
			return err;
		in = out;
		first = false;
	}
}

int main(int argc, char **argv)
{
	struct plan_kernel kern = { .force = PLAN_MECH_AUTO };
	struct buf text = { 0 }, gz = { 0 }, pb = { 0 };
	struct collect *cb = NULL, *cl = NULL;
	struct loader_maps lm = { 0 };
	struct render_enc *enc = NULL;
	const struct metric_desc *d;
	const struct series *sr;
	struct plan *plan = NULL;
	struct cfg *cfg = NULL;
	char tracefs[PATH_MAX], err[1024];
	uint64_t drops[BPFPROM_DROP__KERNEL];
	void *keys = NULL, *vals = NULL;
	double *ms = NULL, *best = NULL, t;
	size_t nchunks = 0, bare_max;
	int rounds, ncpus, ret = 1;
	__u32 best_chunk = 0;
	long n;

	if (argc != 4) {
		fprintf(stderr, "usage: scrapebench CONFIG PID ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[3]);
	ncpus = libbpf_num_possible_cpus();
	if (rounds < 1 || ncpus < 1)
		return 2;
	if (config__parse_file(argv[1], &cfg, err, sizeof(err)) ||
	    tracefs__find(tracefs, sizeof(tracefs), err, sizeof(err)))
		goto fail;
	kern.tracefs = tracefs;
	kprobe__detect("/sys", tracefs, &kern.kprobes);
	if (plan__build(cfg, &kern, &plan, err, sizeof(err)))
		goto fail;
	if (plan->nmetrics != 1) {
		snprintf(err, sizeof(err), "%s: one metric expected", argv[1]);
		goto fail;
	}
	if (find_maps(atoi(argv[2]), &lm)) {
		snprintf(err, sizeof(err), "no series and drops maps in process %s", argv[2]);
		goto fail;
	}
	/* chunks up to the first that holds the whole map */
	while (nchunks < sizeof(bare_chunks) / sizeof(bare_chunks[0]) &&
	       (!nchunks || bare_chunks[nchunks - 1] < lm.max_entries))
		nchunks++;
	bare_max = bare_chunks[nchunks - 1];
	ms = calloc(rounds, sizeof(*ms));
	best = calloc(rounds, sizeof(*best));
	keys = calloc(bare_max, lm.key_size);
	vals = calloc(bare_max * ncpus, lm.value_size);
	cb = collect__new();
	cl = collect__new();
	enc = render_enc__new();
	if (!ms || !best || !keys || !vals || !cb || !cl || !enc) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	collect__set_batch(cl, false);
	d = &plan->metrics[0].desc;

	for (size_t c = 0; c < nchunks; c++) {
		for (int r = 0; r < rounds; r++) {
			t = now_ms();
			n = bare_read(lm.series_fd, keys, vals, bare_chunks[c]);
			ms[r] = now_ms() - t;
			if (n < 0) {
				snprintf(err, sizeof(err), "bpf_map_lookup_batch: %s",
					 strerror(-n));
				goto fail;
			}
		}
		qsort(ms, rounds, sizeof(*ms), cmp_double);
		if (!best_chunk || ms[(rounds - 1) / 2] < best[(rounds - 1) / 2]) {
			memcpy(best, ms, rounds * sizeof(*ms));
			best_chunk = bare_chunks[c];
		}
	}
	printf("bare %.3f %.3f %ld %u\n", best[(rounds - 1) / 2],
	       best[(rounds * 99 + 99) / 100 - 1], n, best_chunk);

	/* perkey before batch, so the batch's buffers are those the renders read */
	for (int r = 0; r < rounds; r++) {
		t = now_ms();
		n = collect__metric(cl, &lm, d, NULL, drops);
		if (n)
			goto collect_fail;
		ms[r] = now_ms() - t;
	}
	report("perkey", ms, rounds, collect__series(cl)->n);
	for (int r = 0; r < rounds; r++) {
		t = now_ms();
		n = collect__metric(cb, &lm, d, NULL, drops);
		if (n)
			goto collect_fail;
		ms[r] = now_ms() - t;
	}
	sr = collect__series(cb);
	report("batch", ms, rounds, sr->n);

	for (int r = 0; r < rounds; r++) {
		buf__reset(&text);
		t = now_ms();
		render_enc__begin(enc, RENDER_FMT_TEXT, &text);
		render_enc__metric(enc, d, sr);
		render_enc__end(enc);
		ms[r] = now_ms() - t;
	}
	report("text", ms, rounds, sr->n);
	for (int r = 0; r < rounds; r++) {
		buf__reset(&gz);
		t = now_ms();
		compress__gzip(text.data, text.len, &gz);
		ms[r] = now_ms() - t;
	}
	report("gzip", ms, rounds, sr->n);
	for (int r = 0; r < rounds; r++) {
		buf__reset(&pb);
		t = now_ms();
		render_enc__begin(enc, RENDER_FMT_PROTOBUF, &pb);
		render_enc__metric(enc, d, sr);
		render_enc__end(enc);
		ms[r] = now_ms() - t;
	}
	report("protobuf", ms, rounds, sr->n);
	if (text.oom || gz.oom || pb.oom) {
		snprintf(err, sizeof(err), "out of memory while rendering");
		goto fail;
	}
	ret = 0;
	goto out;
collect_fail:
	snprintf(err, sizeof(err), "collect__metric: %s", strerror((int)-n));
fail:
	fprintf(stderr, "scrapebench: %s\n", err);
out:
	buf__free(&text);
	buf__free(&gz);
	buf__free(&pb);
	render_enc__free(enc);
	collect__free(cb);
	collect__free(cl);
	free(keys);
	free(vals);
	free(ms);
	free(best);
	if (lm.series_fd >= 0)
		close(lm.series_fd);
	if (lm.drops_fd >= 0)
		close(lm.drops_fd);
	plan__free(plan);
	config__free(cfg);
	return ret;
}
