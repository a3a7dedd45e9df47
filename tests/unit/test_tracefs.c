// SPDX-License-Identifier: GPL-2.0
/*
 * tracefs__parse_format, the format-file parser fuzz_tracefs drives: a real
 * 6.18 file field by field, and the texts it must refuse or skip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/tracefs.h"

static const char exec_fmt[] =
	"name: sched_process_exec\nID: 365\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:char comm[16];\toffset:16;\tsize:16;\tsigned:0;\n\n"
	"print fmt: \"filename=%s pid=%d\", __get_str(filename), REC->pid\n";

static void expect_field(const struct tp_format *f, const char *name, const char *type,
			 uint32_t offset, uint32_t size, bool is_signed, bool is_array,
			 bool is_data_loc)
{
	const struct tp_field *fl = tracefs__field(f, name);

	assert_non_null(fl);
	assert_string_equal(fl->type, type);
	assert_int_equal(fl->offset, offset);
	assert_int_equal(fl->size, size);
	assert_int_equal(fl->is_signed, is_signed);
	assert_int_equal(fl->is_array, is_array);
	assert_int_equal(fl->is_data_loc, is_data_loc);
}

static void test_real_format(void **state)
{
	struct tp_format f;

	(void)state;
	assert_int_equal(tracefs__parse_format(exec_fmt, strlen(exec_fmt), &f), 0);
	assert_int_equal(f.id, 365);
	assert_int_equal(f.nfields, 7);
	expect_field(&f, "common_type", "unsigned short", 0, 2, false, false, false);
	expect_field(&f, "common_pid", "int", 4, 4, true, false, false);
	expect_field(&f, "filename", "__data_loc char[]", 8, 4, false, false, true);
	expect_field(&f, "pid", "pid_t", 12, 4, true, false, false);
	expect_field(&f, "comm", "char", 16, 16, false, true, false);
	assert_null(tracefs__field(&f, "print"));
	tracefs__format_free(&f);
	assert_int_equal(f.nfields, 0);
	assert_null(f.fields);
}

static void test_refused_and_skipped(void **state)
{
	static const char bad_fields[] = "ID: 7\n"
					 "\tfield:int;\toffset:0;\tsize:4;\tsigned:1;\n"
					 "\tfield:int x\toffset:0;\tsize:4;\tsigned:1;\n"
					 "\tfield:int y;\toffset:0;\tsize:4;\n"
					 "\tfield:int z;\toffset:4;\tsize:4;\tsigned:1;\n";
	struct tp_format f;
	char *big;

	(void)state;
	/* no ID line: not a format file */
	assert_int_equal(tracefs__parse_format("", 0, &f), -EINVAL);
	assert_int_equal(tracefs__parse_format("format:\n", 8, &f), -EINVAL);
	/* the length bounds the text: "ID: 7" is cut to "ID" */
	assert_int_equal(tracefs__parse_format("ID: 7\n", 2, &f), -EINVAL);
	/* a field without a name, a ';' or a signed: is skipped, not fatal */
	assert_int_equal(tracefs__parse_format(bad_fields, strlen(bad_fields), &f), 0);
	assert_int_equal(f.id, 7);
	assert_int_equal(f.nfields, 1);
	expect_field(&f, "z", "int", 4, 4, true, false, false);
	tracefs__format_free(&f);
	/* a line longer than the line buffer: its pieces are not fields */
	big = malloc(2048);
	assert_non_null(big);
	memcpy(big, "ID: 1\n\tfield:", 13);
	memset(big + 13, 'a', 2000);
	memcpy(big + 2013, " b;\toffset:0;\tsize:1;\tsigned:0;\n", 33);
	assert_int_equal(tracefs__parse_format(big, 2046, &f), 0);
	assert_int_equal(f.nfields, 0);
	tracefs__format_free(&f);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_format),
		cmocka_unit_test(test_refused_and_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
