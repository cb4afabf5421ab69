// SPDX-License-Identifier: MIT
/* test_vars.c - variables, -D, strings, path normalisation. */
#include "tc.h"

struct pcase {
	const char *path;      /* as written in the profile */
	const char *want;      /* after expansion and normalisation */
};

static const struct pcase paths[] = {
	{ "$HOME", "/home/u" },
	{ "$HOME/.cache", "/home/u/.cache" },
	{ "$CWD/build/", "/work/proj/build" },
	{ "$TMPDIR", "/tmp" },
	{ "\"${HOME}x\"", "/home/ux" },
	{ "\"/a b/c\"", "/a b/c" },
	{ "\"/cost\\$5\"", "/cost$5" },
	{ "//usr///lib/./x86_64", "/usr/lib/x86_64" },
	{ "/", "/" },
	{ "$MY/sub", "/opt/my/sub" },
	{ "$NESTED", "/opt/my/n" },
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char text[256];
		struct cp_policy *p;
		const char *msgs;

		snprintf(text, sizeof(text),
			 "define MY = \"/opt/my\"\ndefine NESTED = \"$MY/n\"\nfilesystem {\n  read-only %s\n}\n",
			 paths[i].path);
		if (tc_load("t.profile", text, &p, &msgs)) {
			print_error("%s: %s\n", paths[i].path, msgs);
			fail();
		}
		assert_string_equal(p->fs.rules[0].path, paths[i].want);
		cp_policy_free(p);
	}
}

static void test_cmdline_defines(void **state)
{
	const char *defs[] = { "MY=/from/cmdline", "CWD=/elsewhere", NULL };
	const char *bad[] = { "NOEQUALS", NULL };
	const char *bad2[] = { "1X=y", NULL };
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	/* -D beats the profile's define, and may retarget built-ins */
	assert_int_equal(tc_load_defs("define MY = \"/opt/my\"\nfilesystem {\n  read-only $MY\n  read-write $CWD\n}\n",
				      defs, &p, &msgs), 0);
	assert_string_equal(p->fs.rules[0].path, "/from/cmdline");
	assert_string_equal(p->fs.rules[1].path, "/elsewhere");
	cp_policy_free(p);
	assert_int_equal(tc_load_defs("limits {\n}\n", bad, &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "bad -D 'NOEQUALS'"));
	assert_int_equal(tc_load_defs("limits {\n}\n", bad2, &p, &msgs), -EINVAL);
}

/* Paths that collide only after expansion: the later rule wins, with no
 * error (the default profile run from /tmp). */
static void test_collision_after_expansion(void **state)
{
	const char *defs[] = { "CWD=/tmp", NULL };
	const char *root[] = { "CWD=/", NULL };
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load_defs("filesystem {\n  tmpfs /tmp\n  read-write $CWD\n}\n"
				      "exec {\n  allow /tmp\n  deny $CWD\n}\n", defs, &p, &msgs), 0);
	assert_string_equal(msgs, "");
	assert_int_equal(p->fs.nrules, 1);
	assert_int_equal(p->fs.rules[0].access, CP_FS_READ | CP_FS_WRITE);
	assert_int_equal(p->exec.nrules, 1);
	assert_false(p->exec.rules[0].allow);
	cp_policy_free(p);
	/* the shipped default profile loads from / with a warning */
	assert_int_equal(tc_load_defs("include default\n", root, &p, &msgs), 0);
	assert_non_null(strstr(msgs, "warning: read-write / makes the whole file system writable"));
	cp_policy_free(p);
}

static void test_variable_in_other_places(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("t.profile",
				 "define H = box1\nnamespaces {\n  uts\n  hostname $H\n}\n"
				 "network {\n  allow connect unix $HOME/sock\n}\n"
				 "exec {\n  allow $CWD/bin\n}\nadapt {\n  model \"$TMPDIR/m.tree\"\n  scratch $TMPDIR\n"
				 "  level 1 forbid connect\n}\n", &p, &msgs), 0);
	assert_string_equal(p->ns.hostname, "box1");
	assert_string_equal(p->net.rules[0].unix_path, "/home/u/sock");
	assert_string_equal(p->exec.rules[0].path, "/work/proj/bin");
	assert_string_equal(p->adapt.model_path, "/tmp/m.tree");
	assert_string_equal(p->adapt.scratch[0], "/tmp");
	cp_policy_free(p);
}

static void test_relative_model(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const char *f;
	char want[512];

	(void)state;
	f = tc_write("mdir/m.profile", "adapt {\n  model \"models/x.tree\"\n  level 2 forbid write exec\n}\n");
	assert_int_equal(tc_load_file(f, &p, &msgs), 0);
	snprintf(want, sizeof(want), "%s/mdir/models/x.tree", tc_tmpdir());
	assert_string_equal(p->adapt.model_path, want);
	assert_int_equal(p->adapt.levels[0].level, 2);
	assert_int_equal(p->adapt.levels[0].forbid, CP_FORBID_WRITE | CP_FORBID_EXEC);
	cp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_cmdline_defines),
		cmocka_unit_test(test_collision_after_expansion),
		cmocka_unit_test(test_variable_in_other_places),
		cmocka_unit_test(test_relative_model),
	};

	return cmocka_run_group_tests_name("variables", t, NULL, NULL);
}
