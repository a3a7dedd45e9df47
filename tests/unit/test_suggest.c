// SPDX-License-Identifier: GPL-2.0
/*
 * suggest: the one did-you-mean rule (util/suggest.h): the distance limit
 * relative to the word's length, the "shares something" bound, case folding,
 * ties by byte order whatever the order of the candidates, and the streamed
 * form (suggest__init/add) agreeing with suggest__closest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/array.h"
#include "util/suggest.h"

static const char *closest(const char *word, const char *const *cands, size_t n, bool fold)
{
	const char *pick = suggest__closest(word, cands, n, fold);
	struct suggest s;
	size_t i;

	/* the streamed form is the same rule: same answer, in any order */
	suggest__init(&s, word, fold);
	for (i = n; i-- > 0;)
		suggest__add(&s, cands[i]);
	if (pick) {
		assert_non_null(s.best);
		assert_string_equal(s.best, pick);
	} else {
		assert_null(s.best);
	}
	return pick;
}

#define EXPECT(want, word, fold, ...)                                       \
	do {                                                                \
		static const char *const c_[] = { __VA_ARGS__ };            \
		const char *got_ = closest(word, c_, ARRAY_SIZE(c_), fold); \
		if (want) {                                                 \
			assert_non_null(got_);                              \
			assert_string_equal(got_, (const char *)(want));    \
		} else {                                                    \
			assert_null(got_);                                  \
		}                                                           \
	} while (0)

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest__distance("kitten", 6, "sitting", 7, false), 3);
	assert_int_equal(suggest__distance("", 0, "abc", 3, false), 3);
	assert_int_equal(suggest__distance("abc", 3, "abc", 3, false), 0);
	/* a transposition is two edits */
	assert_int_equal(suggest__distance("raed", 4, "read", 4, false), 2);
	assert_int_equal(suggest__distance("Count", 5, "count", 5, false), 1);
	assert_int_equal(suggest__distance("Count", 5, "count", 5, true), 0);
	assert_int_equal(suggest__distance("a", 1, "b", SUGGEST_MAX_WORD + 1, false), SIZE_MAX);
}

/* Up to max(2, len(word) / 4) edits. */
static void test_limit(void **state)
{
	(void)state;
	/* short words: two edits */
	EXPECT("count", "cnt", false, "count", "sum");
	EXPECT("vfs_read", "vfs_raed", false, "vfs_read", "vfs_write");
	EXPECT(NULL, "cn", false, "count");
	/* 12 letters: three edits; 16: four */
	EXPECT("tracepoint", "trcpoint", false, "tracepoint");
	EXPECT(NULL, "trxcxpxint", false, "tracepoint");
	EXPECT("do_sys_openat2", "do_sys_opena", false, "do_sys_openat2");
	EXPECT(NULL, "do_sys_open", false, "do_sys_openat2");
	EXPECT(NULL, "do_sys_opn", false, "do_sys_openat2");
	EXPECT("__x64_sys_openat", "__x64_sys_opxxxx", false, "__x64_sys_openat");
	EXPECT(NULL, "__x64_sys_opxxxxx", false, "__x64_sys_openat");
	EXPECT("bpfprom_target", "bpfprom_targte", false, "bpfprom_target");
	/* a shared prefix is not a typo: another word after it is another name */
	EXPECT(NULL, "bpfprom_lib_static", false, "bpfprom_lib_fn");
	EXPECT(NULL, "bpfprom_counter", false, "bpfprom_other");
	EXPECT(NULL, "completely_different", false, "vfs_read", "vfs_write", "_stext");
}

/* One kept letter of each at least: "gp" is "go" mistyped, "ab" is not "xy". */
static void test_shares_something(void **state)
{
	(void)state;
	EXPECT("go", "gp", false, "go", "xy");
	EXPECT(NULL, "ab", false, "xy", "z", "");
	EXPECT(NULL, "x", false, "k", "t", "u");
	EXPECT(NULL, "", false, "a", "b");
	/* the word itself is not a suggestion (a symbol that matched otherwise) */
	EXPECT(NULL, "printf", false, "printf");
	EXPECT("printk", "printf", false, "printf", "printk");
}

static void test_fold_case(void **state)
{
	(void)state;
	EXPECT("kprobe", "KPROBE", true, "tracepoint", "kprobe", "kretprobe");
	EXPECT(NULL, "KPROBE", false, "tracepoint", "kprobe", "kretprobe");
	EXPECT("TLS12", "tlsv1.2", true, "TLS10", "TLS11", "TLS12", "TLS13");
	EXPECT("RequireAndVerifyClientCert", "RequireAndVerifyClientCerts", true, "NoClientCert",
	       "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
	       "RequireAndVerifyClientCert");
}

/* The smallest distance wins; among equals, the first in byte order. */
static void test_ties(void **state)
{
	(void)state;
	EXPECT("arg0", "argx", false, "args", "arg5", "arg0", "arg1");
	EXPECT("arg0", "argx", false, "arg0", "arg1", "args", "arg5");
	EXPECT("gid", "xid", false, "uid", "tid", "pid", "gid");
	EXPECT("gid", "xid", false, "uid", "gid", "tid", "pid");
	/* a closer one later still wins */
	EXPECT("cgroup", "cgroupid", false, "comm", "cgroup_path", "cgroup");
	EXPECT("cgroup_path", "cgroup_pth", false, "cgroup", "cgroup_path");
}

static void test_long_words(void **state)
{
	char word[SUGGEST_MAX_WORD + 2], cand[SUGGEST_MAX_WORD + 2];
	const char *cands[1] = { cand };

	(void)state;
	memset(word, 'a', SUGGEST_MAX_WORD);
	word[SUGGEST_MAX_WORD] = '\0';
	memcpy(cand, word, sizeof(word));
	cand[0] = 'b';
	assert_ptr_equal(suggest__closest(word, cands, 1, false), cand);
	/* one letter more than compared: no suggestion, however close */
	memset(word, 'a', SUGGEST_MAX_WORD + 1);
	word[SUGGEST_MAX_WORD + 1] = '\0';
	memcpy(cand, word, sizeof(word));
	cand[0] = 'b';
	assert_null(suggest__closest(word, cands, 1, false));
	assert_null(suggest__closest("a", cands, 0, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_shares_something),
		cmocka_unit_test(test_fold_case),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_long_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
