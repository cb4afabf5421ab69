// SPDX-License-Identifier: MIT
/* test_diag.c - the exact text of diagnostics: position, quote, caret. */
#include "tc.h"

static void test_exact_text(void **state)
{
	struct cp_diag d;
	const char *src = "syscalls {\n  allow socket(domain == AF_INTE)\n}\n";
	struct cp_loc loc = { "x.profile", 2, 25 };

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_diag_add_source(&d, "x.profile", src, strlen(src)), 0);
	cp_diag_report(&d, CP_SEV_ERROR, loc, 7, "unknown constant '%s'", "AF_INTE");
	assert_string_equal(d.buf,
			    "x.profile:2:25: error: unknown constant 'AF_INTE'\n"
			    "    2 |   allow socket(domain == AF_INTE)\n"
			    "      |                         ^~~~~~~\n");
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 0);
	cp_diag_fini(&d);
}

static void test_tabs_and_span_clamp(void **state)
{
	struct cp_diag d;
	const char *src = "\tallow\treed";

	(void)state;
	cp_diag_init(&d, NULL);
	cp_diag_add_source(&d, "t", src, strlen(src));
	/* a span longer than the line is clipped at its end */
	cp_diag_report(&d, CP_SEV_WARNING, (struct cp_loc){ "t", 1, 8 }, 50, "w");
	assert_string_equal(d.buf, "t:1:8: warning: w\n"
				   "    1 | \tallow\treed\n"
				   "      | \t     \t^~~~\n");
	assert_int_equal(d.warnings, 1);
	cp_diag_fini(&d);
}

static void test_no_source_and_no_loc(void **state)
{
	struct cp_diag d;

	(void)state;
	cp_diag_init(&d, NULL);
	cp_diag_report(&d, CP_SEV_ERROR, (struct cp_loc){ "nofile", 3, 4 }, 1, "a");
	cp_diag_report(&d, CP_SEV_NOTE, (struct cp_loc){ NULL, 0, 0 }, 1, "b %d", 5);
	cp_diag_report(&d, CP_SEV_ERROR, (struct cp_loc){ "f", 0, 0 }, 1, "c");
	assert_string_equal(d.buf, "nofile:3:4: error: a\nnote: b 5\nf: error: c\n");
	cp_diag_fini(&d);
}

static void test_control_bytes_not_echoed(void **state)
{
	struct cp_diag d;
	const char *src = "a\033[31mb";

	(void)state;
	cp_diag_init(&d, NULL);
	cp_diag_add_source(&d, "t", src, strlen(src));
	cp_diag_report(&d, CP_SEV_ERROR, (struct cp_loc){ "t", 1, 1 }, 1, "x");
	assert_null(strchr(d.buf, '\033'));
	cp_diag_fini(&d);
}

static void test_max_errors(void **state)
{
	struct cp_diag d;

	(void)state;
	cp_diag_init(&d, NULL);
	d.max_errors = 2;
	for (int i = 0; i < 5; i++)
		cp_diag_report(&d, CP_SEV_ERROR, (struct cp_loc){ "f", 1, 1 }, 1, "e%d", i);
	assert_int_equal(d.errors, 5);
	assert_non_null(strstr(d.buf, "e1"));
	assert_null(strstr(d.buf, "e2"));
	assert_non_null(strstr(d.buf, "too many errors; stopping"));
	cp_diag_fini(&d);
}

static void test_loc_at(void **state)
{
	struct cp_diag d;
	struct cp_loc l;

	(void)state;
	cp_diag_init(&d, NULL);
	cp_diag_add_source(&d, "f", "ab\ncde\n", 7);
	l = cp_diag_loc_at(&d, "f", 4);
	assert_int_equal(l.line, 2);
	assert_int_equal(l.col, 2);
	l = cp_diag_loc_at(&d, "f", 100);
	assert_int_equal(l.line, 3);
	assert_int_equal(l.col, 1);
	l = cp_diag_loc_at(&d, "g", 0);
	assert_int_equal(l.line, 0);
	cp_diag_fini(&d);
}

/* The diag also streams to a FILE. */
static void test_stream(void **state)
{
	struct cp_diag d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	cp_diag_init(&d, f);
	cp_error(&d, ((struct cp_loc){ "f", 1, 1 }), "streamed");
	fclose(f);
	assert_string_equal(buf, "f:1:1: error: streamed\n");
	free(buf);
	cp_diag_fini(&d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_tabs_and_span_clamp),
		cmocka_unit_test(test_no_source_and_no_loc),
		cmocka_unit_test(test_control_bytes_not_echoed),
		cmocka_unit_test(test_max_errors),
		cmocka_unit_test(test_loc_at),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests_name("diagnostics", t, NULL, NULL);
}
