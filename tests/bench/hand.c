// SPDX-License-Identifier: GPL-2.0
/*
 * hand PROG tp CATEGORY EVENT
 * hand PROG up BINARY FUNCTION
 *
 * Load one program of tests/bench/hand.bpf.c (count0 ... stats3, empty,
 * up_count1, up_empty, sum0, expr0, hist1w, hist1kb), attach it to a tracepoint or a uprobe, and hold it
 * until SIGINT or SIGTERM; then print the events its map counted (summed
 * over keys and CPUs; 0 for the empty programs) so a run can be checked.
 * The benchmark reads the program's run time from /proc/PID/fdinfo.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hand.skel.h"
#include "bpfprom.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Events counted by a count, hist or stats map: the first value word is a
 * count for count and stats; hist counts are the bucket words. */
static long long counted(struct bpf_map *map, const char *prog)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	size_t words = vsz / 8;
	char *key = calloc(2, ksz);
	__u64 *val = calloc(ncpus, vsz);
	char *prev = NULL, *next = key;
	long long n = 0;

	if (!key || !val) {
		n = -ENOMEM;
		goto out;
	}
	while (!bpf_map__get_next_key(map, prev, next, ksz)) {
		if (bpf_map__lookup_elem(map, next, ksz, val, vsz * ncpus, 0))
			break;
		for (int c = 0; c < ncpus; c++) {
			const __u64 *v = val + c * words;

			/* hist1kb keeps bpftrace's layout: a count per bucket's key */
			if (strncmp(prog, "hist", 4) == 0 && words > BPFPROM_V_BUCKETS) {
				for (size_t w = BPFPROM_V_BUCKETS; w < words; w++)
					n += v[w];
			} else {
				n += v[0];
			}
		}
		prev = next;
		next = next == key ? key + ksz : key;
	}
out:
	free(key);
	free(val);
	return n;
}

int main(int argc, char **argv)
{
	struct hand_bpf *skel = NULL;
	struct bpf_program *prog, *p;
	struct bpf_link *link = NULL;
	struct bpf_map *map = NULL;
	char map_name[64];
	sigset_t sigs;
	int err = 1, sig;

	if (argc != 5 || (strcmp(argv[2], "tp") && strcmp(argv[2], "up"))) {
		fprintf(stderr,
			"usage: hand PROG tp CATEGORY EVENT | hand PROG up BINARY FUNCTION\n");
		return 2;
	}
	libbpf_set_print(quiet);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	skel = hand_bpf__open();
	if (!skel) {
		fprintf(stderr, "hand: open: %s\n", strerror(errno));
		goto out;
	}
	prog = bpf_object__find_program_by_name(skel->obj, argv[1]);
	if (!prog) {
		fprintf(stderr, "hand: no program \"%s\" in hand.bpf.c\n", argv[1]);
		goto out;
	}
	/* only the program asked for is loaded: the others would cost nothing at
	 * run time, but would slow the start */
	bpf_object__for_each_program(p, skel->obj) bpf_program__set_autoload(p, p == prog);
	if (hand_bpf__load(skel)) {
		fprintf(stderr, "hand: load %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	if (strcmp(argv[2], "tp") == 0) {
		link = bpf_program__attach_tracepoint(prog, argv[3], argv[4]);
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = argv[4]);

		link = bpf_program__attach_uprobe_opts(prog, -1, argv[3], 0, &uo);
	}
	if (!link) {
		fprintf(stderr, "hand: attach %s to %s:%s: %s\n", argv[1], argv[3], argv[4],
			strerror(errno));
		goto out;
	}
	snprintf(map_name, sizeof(map_name), "%s_map", argv[1]);
	map = bpf_object__find_map_by_name(skel->obj, map_name);
	while (sigwait(&sigs, &sig))
		;
	printf("%lld\n", map ? counted(map, argv[1]) : 0);
	err = 0;
out:
	bpf_link__destroy(link);
	hand_bpf__destroy(skel);
	return err;
}
