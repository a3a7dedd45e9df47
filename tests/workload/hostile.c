// SPDX-License-Identifier: GPL-2.0
/*
 * A process with hostile names, for the robustness tests:
 *   hostile
 * For each entry i (0-based) of the table below it renames itself to the
 * entry (prctl(PR_SET_NAME): the kernel keeps 15 bytes) and calls
 * bpfprom_hostile(entry, i) exactly i + 1 times, so every (comm, string)
 * pair has a count of its own. The strings hold what a text exposition must
 * escape (quotes, backslashes, newlines), what it must not trust (invalid
 * UTF-8), and what looks like syntax ({}, x="y", # EOF).
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

/* noinline and an empty asm: each call stays a call the uprobe sees */
__attribute__((noinline, used)) void bpfprom_hostile(const char *s, unsigned long i)
{
	__asm__ volatile("" ::"r"(s), "r"(i) : "memory");
}

/* keep in step with the expected lines of tests/load/run.sh */
static const char *const names[] = {
	"a\"b", /* 0: a quote */
	"a\\b", /* 1: a backslash */
	"a\nb", /* 2: a newline */
	"\xff\xfe", /* 3: invalid UTF-8: one run, one U+FFFD */
	"{}", /* 4: braces */
	"x=\"y\"", /* 5: a label pair */
	"123456789012345678", /* 6: longer than comm's 15 bytes */
	"caf\xc3\xa9\xc3", /* 7: valid, then a sequence cut short */
	"# EOF", /* 8: OpenMetrics' last line */
	"\t\r\x01|", /* 9: control characters */
	"\xed\xa0\x80z\xc0\xaf", /* 10: a surrogate and an overlong form, split by z */
	"\xfe\xff", /* 11: other invalid bytes, rendered as 3 is: one series with 3 */
};

int main(void)
{
	for (unsigned long i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (prctl(PR_SET_NAME, names[i])) {
			perror("hostile: prctl");
			return 1;
		}
		for (unsigned long k = 0; k <= i; k++)
			bpfprom_hostile(names[i], i);
	}
	return 0;
}
