// SPDX-License-Identifier: MIT
/* test_util.c - cp_write_file_atomic and cp_default_profile_dir. */
#include <dirent.h>
#include <sys/stat.h>

#include "tc.h"

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	char dir[512], path[600], buf[64] = "";
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/atomic", tc_tmpdir());
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/out.bpf", dir);
	assert_int_equal(cp_write_file_atomic(path, "old", 3, 0600), 0);
	assert_int_equal(cp_write_file_atomic(path, "new content", 11, 0640), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 11);
	fclose(f);
	assert_string_equal(buf, "new content");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* no temporary file is left behind */
	assert_int_equal(entries(dir), 1);
	/* empty content is a valid file */
	assert_int_equal(cp_write_file_atomic(path, NULL, 0, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_atomic_write_errors(void **state)
{
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir/x", tc_tmpdir());
	assert_int_equal(cp_write_file_atomic(path, "x", 1, 0600), -ENOENT);
	assert_int_equal(cp_write_file_atomic("", "x", 1, 0600), -EINVAL);
	assert_int_equal(cp_write_file_atomic(NULL, "x", 1, 0600), -EINVAL);
	/* renaming over a directory fails and leaves nothing partial */
	snprintf(path, sizeof(path), "%s/adir", tc_tmpdir());
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(cp_write_file_atomic(path, "x", 1, 0600), -EISDIR);
	{
		char dir[512];

		snprintf(dir, sizeof(dir), "%s", tc_tmpdir());
		/* adir and atomic/ (from the other test, if it ran) only */
		assert_true(entries(dir) <= 2);
	}
}

static void test_profile_dir(void **state)
{
	(void)state;
	setenv("COMPART_PROFILE_DIR", "/somewhere", 1);
	assert_string_equal(cp_default_profile_dir(), "/somewhere");
	setenv("COMPART_PROFILE_DIR", "", 1);
	assert_string_equal(cp_default_profile_dir(), TC_TOP "/profiles");
	unsetenv("COMPART_PROFILE_DIR");
	assert_string_equal(cp_default_profile_dir(), TC_TOP "/profiles");
}

/* Names of the IR enums, used by every backend's messages. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cp_layer_name(CP_LAYER_BPF_LSM), "bpf-lsm");
	assert_string_equal(cp_layer_name(CP_LAYER_CGROUP_BPF), "cgroup-bpf");
	assert_string_equal(cp_layer_name((enum cp_layer)99), "unknown");
	assert_string_equal(cp_action_kind_name(CP_ACT_KILL_PROCESS), "kill-process");
	assert_string_equal(cp_action_kind_name(CP_ACT_NOTIFY), "notify");
	assert_string_equal(cp_action_kind_name((enum cp_action_kind)99), "unknown");
	cp_policy_free(NULL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_atomic_write_errors),
		cmocka_unit_test(test_profile_dir),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("util", t, NULL, NULL);
}
