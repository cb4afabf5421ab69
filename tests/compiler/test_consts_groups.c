// SPDX-License-Identifier: MIT
/* test_consts_groups.c - the generated constant table, number parsing,
 * name tables, and the groups file (format errors, the shipped file). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "tc.h"
#include "consts.h"
#include "groups.h"

static void test_consts(void **state)
{
	static const struct { const char *n; uint64_t v; } t[] = {
		{ "AF_INET", AF_INET }, { "AF_UNIX", AF_UNIX }, { "SOCK_STREAM", SOCK_STREAM },
		{ "O_WRONLY", O_WRONLY }, { "O_CREAT", O_CREAT }, { "CLONE_NEWUSER", CLONE_NEWUSER },
		{ "CLONE_NEWNET", CLONE_NEWNET }, { "TCGETS", TCGETS }, { "TIOCSTI", TIOCSTI },
		{ "PROT_EXEC", PROT_EXEC }, { "MAP_SHARED", MAP_SHARED }, { "EPERM", EPERM },
		{ "ENOSYS", ENOSYS }, { "SIGKILL", SIGKILL }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "FIONREAD", FIONREAD },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(cp_const_lookup(t[i].n, &v), 0);
		assert_int_equal(v, t[i].v);
	}
	assert_int_equal(cp_const_lookup("AF_INTE", &v), -ENOENT);
	assert_int_equal(cp_const_lookup("SIG_DFL", &v), -ENOENT);   /* a pointer, not a number */
	assert_int_equal(cp_const_lookup("", &v), -ENOENT);
}

static void test_numbers(void **state)
{
	static const struct { const char *s; int rc; uint64_t v; } t[] = {
		{ "0", 0, 0 }, { "42", 0, 42 }, { "0x1F", 0, 31 }, { "0o17", 0, 15 }, { "017", 0, 15 },
		{ "18446744073709551615", 0, UINT64_MAX }, { "18446744073709551616", -ERANGE, 0 },
		{ "0x", -EINVAL, 0 }, { "1a", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "08", -EINVAL, 0 },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(cp_parse_u64(t[i].s, &v), t[i].rc);
		if (!t[i].rc)
			assert_int_equal(v, t[i].v);
	}
	assert_int_equal(cp_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cp_parse_size("3g", &v), 0);
	assert_int_equal(v, 3ull << 30);
	assert_int_equal(cp_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(cp_parse_size("17179869184T", &v), -ERANGE);
	assert_int_equal(cp_parse_size("K", &v), -EINVAL);
}

static void test_names(void **state)
{
	int32_t e;
	bool ptr;

	(void)state;
	assert_int_equal(cp_errno_lookup("EACCES", &e), 0);
	assert_int_equal(e, EACCES);
	assert_int_equal(cp_errno_lookup("77", &e), 0);
	assert_int_equal(e, 77);
	assert_int_not_equal(cp_errno_lookup("0", &e), 0);
	assert_int_not_equal(cp_errno_lookup("AF_INET", &e), 0);
	assert_string_equal(cp_errno_name(EWOULDBLOCK), "EAGAIN");
	assert_int_equal(cp_sys_arg_index("ioctl", "request", &ptr), 1);
	assert_false(ptr);
	assert_int_equal(cp_sys_arg_index("openat", "path", &ptr), 1);
	assert_true(ptr);
	assert_int_equal(cp_sys_arg_index("anything", "arg5", &ptr), 5);
	assert_int_equal(cp_sys_arg_index("anything", "arg6", &ptr), -1);
	assert_int_equal(cp_rlimit_lookup("nofile"), RLIMIT_NOFILE);
	assert_int_equal(cp_rlimit_lookup("NOFILE"), -1);
	assert_string_equal(cp_rlimit_name(RLIMIT_AS), "as");
	assert_string_equal(cp_sys_arg_list("socket"), "domain, type, protocol");
}

struct gerr {
	const char *name, *text, *msg;
};

static const struct gerr gerrs[] = {
	{ "member before group", "read\n@a x\n", "g:1:1: error: syscall listed before the first @group line" },
	{ "no description", "@a\n read\n", "g:1:1: error: group @a has no description" },
	{ "defined twice", "@a d\n read\n@a e\n", "g:3:1: error: group @a defined twice (first at line 1)" },
	{ "unknown reference", "@a d\n @b\n", "g:2:2: error: unknown syscall group '@b'" },
	{ "cycle", "@a d\n @b\n@b e\n @a\n", "error: syscall group @a includes itself" },
	{ "bad name", "@ d\n", "g:1:2: error: bad group name" },
	{ "bad member", "@a d\n re$d\n", "g:2:4: error: bad syscall name in group" },
};

static void test_group_errors(void **state)
{
	const struct gerr *e = *state;
	struct cp_groups g;
	struct cp_diag d;

	cp_diag_init(&d, NULL);
	cp_diag_add_source(&d, "g", e->text, strlen(e->text));
	assert_int_equal(cp_groups_parse("g", e->text, strlen(e->text), &d, &g), -EINVAL);
	if (!d.buf || !strstr(d.buf, e->msg)) {
		print_error("expected '%s' in:\n%s\n", e->msg, d.buf ? d.buf : "");
		fail();
	}
	cp_diag_fini(&d);
}

static void test_group_expand(void **state)
{
	const char *text = "# c\n@a  first\n read write\n @b\n@b  second # x\n write close\n";
	struct cp_groups g;
	struct cp_diag d;
	const char **names;
	size_t n;

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_groups_parse("g", text, strlen(text), &d, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[1].desc, "second");
	assert_int_equal(cp_group_expand(&g, cp_group_find(&g, "@a"), &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "read");
	assert_string_equal(names[1], "write");
	assert_string_equal(names[2], "close");
	free(names);
	cp_groups_free(&g);
	cp_diag_fini(&d);
}

/* Every member of every shipped group is a real syscall somewhere, and
 * every group says what it is for. */
static void test_shipped_groups(void **state)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, SCMP_ARCH_X86 };
	struct cp_groups g;
	struct cp_diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(TC_TOP "/profiles/syscalls.groups", "r");

	(void)state;
	assert_non_null(f);
	text = calloc(1, 1 << 20);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_groups_parse("syscalls.groups", text, len, &d, &g), 0);
	assert_true(g.n >= 20);
	assert_non_null(cp_group_find(&g, "@system-service"));
	for (size_t i = 0; i < g.n; i++) {
		assert_true(strlen(g.v[i].desc) > 5);
		for (size_t j = 0; j < g.v[i].nmembers; j++) {
			const char *m = g.v[i].members[j];
			bool ok = m[0] == '@';

			for (size_t a = 0; a < 3 && !ok; a++)
				ok = seccomp_syscall_resolve_name_arch(arches[a], m) >= 0;
			if (!ok) {
				print_error("%s: '%s' is not a syscall on any architecture\n", g.v[i].name, m);
				fail();
			}
		}
	}
	cp_groups_free(&g);
	cp_diag_fini(&d);
	free(text);
}

int main(void)
{
	struct CMUnitTest t[20];
	size_t n = 0;

	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_consts);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_numbers);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	for (size_t i = 0; i < sizeof(gerrs) / sizeof(gerrs[0]); i++)
		t[n++] = (struct CMUnitTest){ gerrs[i].name, test_group_errors, NULL, NULL, (void *)&gerrs[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_group_expand);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_shipped_groups);
	return _cmocka_run_group_tests("constants-and-groups", t, n, NULL, NULL);
}
