// SPDX-License-Identifier: GPL-2.0
/*
 * The field-path and fetch-arg parser (config__parse_path) and, for what
 * parses, btfpath__resolve against a small BTF built here: a struct with a
 * pointer to itself, a char array, a char pointer, an array of ints and
 * bitfields. Invariants: every error has a message; a parsed path has at
 * most CFG_PATH_MAX_ELEMS elements; a resolved chain at most
 * BPFPROM_MAX_STEPS steps, with shifts inside 64 bits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "config/config.h"
#include "kernel/btfpath.h"

static struct btf *btf;

/* struct n { int a; unsigned int f:5; struct n *next; char name[8]; char *p; int arr[3]; } */
static void build_btf(void)
{
	btf = btf__new_empty();
	if (!btf)
		abort();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED); /* 1 */
	btf__add_int(btf, "unsigned int", 4, 0); /* 2 */
	btf__add_int(btf, "char", 1, BTF_INT_CHAR); /* 3 */
	btf__add_struct(btf, "n", 48); /* 4 */
	btf__add_field(btf, "a", 1, 0, 0);
	btf__add_field(btf, "f", 2, 35, 5);
	btf__add_field(btf, "next", 5, 64, 0);
	btf__add_field(btf, "name", 6, 128, 0);
	btf__add_field(btf, "p", 7, 192, 0);
	btf__add_field(btf, "arr", 8, 256, 0);
	btf__add_ptr(btf, 4); /* 5 */
	btf__add_array(btf, 1, 3, 8); /* 6 */
	btf__add_ptr(btf, 3); /* 7 */
	btf__add_array(btf, 1, 1, 3); /* 8 */
}

/* the message quotes the input as given (yamldoc shows the config's text) */
static void check_err(const char *err)
{
	if (!err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btfpath_chain chain;
	struct cfg_path path;
	char err[512], *text;
	bool is_str;
	int ret;

	if (!btf)
		build_btf();
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	err[0] = '\0';
	ret = config__parse_path(text, &path, &is_str, err, sizeof(err));
	if (ret) {
		check_err(err);
	} else {
		if (path.nelems > CFG_PATH_MAX_ELEMS)
			abort();
		for (int want_str = 0; want_str < 2 && !path.fetch; want_str++) {
			err[0] = '\0';
			ret = btfpath__resolve(btf, 5, false, size & 1, &path, want_str, &chain,
					       err, sizeof(err));
			if (ret) {
				check_err(err);
				continue;
			}
			if (chain.nsteps > BPFPROM_MAX_STEPS)
				abort();
			for (uint32_t i = 0; i < chain.nsteps; i++) {
				if (chain.steps[i].size > 8 || chain.steps[i].lshift > 63 ||
				    chain.steps[i].rshift > 63)
					abort();
			}
		}
	}
	free(text);
	return 0;
}
