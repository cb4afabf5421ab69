/* SPDX-License-Identifier: MIT */
/*
 * test_audit - the JSON-lines audit log (launcher/audit.c): common fields,
 * ownership of the fields object, fd:N specs, bad specs, and atomicity:
 * several processes appending to one file never interleave a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit.h"

static char path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cr-audit-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static struct json_object *line_at(int n)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	struct json_object *o = NULL;

	assert_non_null(f);
	for (int i = 0; i <= n && fgets(buf, sizeof(buf), f); i++)
		if (i == n)
			o = json_tokener_parse(buf);
	fclose(f);
	return o;
}

static void common_fields(void **state)
{
	struct cp_audit *a;
	struct json_object *f = json_object_new_object(), *o, *v;

	(void)state;
	assert_int_equal(cp_audit_open(path, "cr-1-abc", &a), 0);
	json_object_object_add(f, "layer", json_object_new_string("seccomp"));
	cp_audit_emit(a, "layer", f);        /* takes ownership */
	cp_audit_emit(a, "exit", NULL);
	assert_int_equal(cp_audit_lost(a), 0);
	cp_audit_close(a);

	o = line_at(0);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "ts", &v));
	assert_int_equal(strlen(json_object_get_string(v)), strlen("2026-01-01T00:00:00.000000000Z"));
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "layer");
	assert_true(json_object_object_get_ex(o, "sandbox", &v));
	assert_string_equal(json_object_get_string(v), "cr-1-abc");
	assert_true(json_object_object_get_ex(o, "layer", &v));
	assert_string_equal(json_object_get_string(v), "seccomp");
	json_object_put(o);
	o = line_at(1);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "exit");
	json_object_put(o);
}

static void specs(void **state)
{
	static const struct { const char *spec; int rc; } rows[] = {
		{ "fd:abc", -EINVAL }, { "fd:", -EINVAL }, { "fd:-1", -EINVAL },
		{ "fd:999", -EBADF }, { "/nonexistent-dir/x", -ENOENT },
	};
	struct cp_audit *a = (struct cp_audit *)1;
	struct json_object *o;
	int fd;
	char spec[32];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(cp_audit_open(rows[i].spec, "x", &a), rows[i].rc);
		assert_null(a);
	}
	/* disabled: events are dropped, fields freed */
	assert_int_equal(cp_audit_open(NULL, "x", &a), 0);
	cp_audit_emit(a, "start", json_object_new_object());
	cp_audit_close(a);
	/* fd:N writes to that descriptor, which becomes close-on-exec */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 3);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	assert_int_equal(cp_audit_open(spec, "y", &a), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	cp_audit_emit(a, "start", NULL);
	cp_audit_close(a);
	assert_int_equal(fcntl(fd, F_GETFD) < 0, 0);   /* not ours to close */
	close(fd);
	o = line_at(0);
	assert_non_null(o);
	json_object_put(o);
}

static void concurrent_writers(void **state)
{
	enum { PROCS = 6, EVENTS = 300 };
	char buf[8192];
	FILE *f;
	int lines = 0;

	(void)state;
	for (int p = 0; p < PROCS; p++) {
		if (fork() == 0) {
			struct cp_audit *a;
			char id[16];

			snprintf(id, sizeof(id), "w%d", p);
			if (cp_audit_open(path, id, &a) < 0)
				_exit(1);
			for (int i = 0; i < EVENTS; i++) {
				struct json_object *o = json_object_new_object();

				/* long enough that a torn write would show */
				json_object_object_add(o, "pad", json_object_new_string(
					"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
					"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
				json_object_object_add(o, "i", json_object_new_int(i));
				cp_audit_emit(a, "deny", o);
			}
			cp_audit_close(a);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st;

		wait(&st);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		struct json_object *o = json_tokener_parse(buf);

		assert_non_null(o);
		json_object_put(o);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, PROCS * EVENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(common_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(specs, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
