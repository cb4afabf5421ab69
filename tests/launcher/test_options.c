/* SPDX-License-Identifier: MIT */
/*
 * test_options - the command line table (launcher/options.c): each row is
 * an argv, the exit status expected from the parser (-1 = accepted) and a
 * piece of the message or of the parsed result.  Rejections run in a child
 * (the parser exits 2, as the launcher must), with stderr captured.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cr.h"

struct row {
	const char *argv[8];
	int status;            /* -1: parses */
	const char *expect;    /* substring of stderr, or a check name */
};

static const struct row rows[] = {
	{ { "compart-run", "--", "true" }, -1, "argc=1" },
	{ { "compart-run", "true", "-x" }, -1, "argc=2" },            /* first non-option */
	{ { "compart-run", "-p", "strict", "--", "ls" }, -1, "profile=strict" },
	{ { "compart-run", "--profile=strict", "ls" }, -1, "profile=strict" },
	{ { "compart-run", "-DX=1", "-D", "Y=2", "ls" }, -1, "defines=2" },
	{ { "compart-run", "--pass-fd", "2", "ls" }, 2, "descriptor number >= 3" },
	{ { "compart-run", "--pass-fd", "x7", "ls" }, 2, "descriptor number >= 3" },
	{ { "compart-run", "-D", "=v", "ls" }, 2, "expects NAME=VALUE" },
	{ { "compart-run", "-D", "1A=v", "ls" }, 2, "not a valid variable name" },
	{ { "compart-run", "--setenv", "A", "ls" }, 2, "expects NAME=VALUE" },
	{ { "compart-run", "--keep-env", "A=1", "ls" }, 2, "expects a variable NAME" },
	{ { "compart-run", "--frobnicate", "ls" }, 2, "unknown option '--frobnicate'" },
	{ { "compart-run", "-q", "ls" }, 2, "unknown option '-q'" },
	{ { "compart-run", "--probe=yes" }, 2, "takes no argument" },
	{ { "compart-run", "--profile" }, 2, "needs an argument" },
	{ { "compart-run", "--profile", "x" }, 2, "no command given" },
	{ { "compart-run", "--probe", "ls" }, 2, "--probe takes no command" },
	{ { "compart-run", "--json", "ls" }, 2, "only meaningful with --probe" },
	{ { "compart-run", "--probe", "--json" }, -1, "probe json" },
	{ { "compart-run", "--audit-log", "fd:3", "--log-only", "ls" }, -1, "audit fd:3 log-only" },
};

static void describe(const struct cp_run_opts *o, char *buf, size_t n)
{
	snprintf(buf, n, "argc=%d profile=%s defines=%zu%s%s audit %s%s", o->argc,
		 o->profile ? o->profile : "-", o->ndefines, o->probe ? " probe" : "",
		 o->json ? " json" : "", o->audit_log ? o->audit_log : "-",
		 o->log_only ? " log-only" : "");
}

static void table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int argc = 0, p[2], st;
		char out[1024] = "";
		ssize_t n;
		pid_t pid;

		while (r->argv[argc])
			argc++;
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct cp_run_opts o;
			char buf[512];

			dup2(p[1], 2);
			cr_parse_args(argc, (char **)r->argv, &o);
			describe(&o, buf, sizeof(buf));
			fputs(buf, stderr);
			_exit(0);
		}
		close(p[1]);
		n = read(p[0], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		close(p[0]);
		waitpid(pid, &st, 0);
		print_message("  %-45s -> %s\n", r->argv[1], out);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), r->status < 0 ? 0 : r->status);
		if (!strstr(out, r->expect))
			fail_msg("row %zu: '%s' not in '%s'", i, r->expect, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
