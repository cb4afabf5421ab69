// SPDX-License-Identifier: MIT
/*
 * test_includes.c - include resolution, override semantics, cycles,
 * depth limit, diamonds, the file list and the policy hash.
 */
#include <openssl/evp.h>
#include <unistd.h>

#include "tc.h"

static void test_override_syscalls(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const struct cp_sys_rule *r;

	(void)state;
	tc_write("base.profile",
		 "syscalls {\n  default kill-process\n  allow read write\n"
		 "  errno(EPERM) socket(domain == AF_INET)\n  allow socket\n}\n");
	assert_int_equal(tc_load("top.profile",
				 "include \"base\"\nsyscalls {\n  errno(EACCES) socket\n  default errno(ENOSYS)\n}\n",
				 &p, &msgs), 0);
	/* the includer's socket rule replaces both of base's */
	r = tc_rule(p, "socket", 0);
	assert_non_null(r);
	assert_int_equal(r->action.kind, CP_ACT_ERRNO);
	assert_int_equal(r->action.errno_val, EACCES);
	assert_int_equal(r->nconds, 0);
	assert_null(tc_rule(p, "socket", 1));
	assert_non_null(tc_rule(p, "read", 0));
	assert_int_equal(p->seccomp.default_action.kind, CP_ACT_ERRNO);
	assert_int_equal(p->seccomp.default_action.errno_val, ENOSYS);
	/* the location is the includer's */
	assert_string_equal(r->loc.file, "top.profile");
	assert_int_equal(r->loc.line, 3);
	cp_policy_free(p);
}

static void test_override_paths_ns_caps_limits(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	tc_write("base2.profile",
		 "namespaces {\n  user pid net\n}\nfilesystem {\n  read-write $CWD\n  read-only /usr\n}\n"
		 "capabilities {\n  keep CAP_CHOWN CAP_KILL\n}\nlimits {\n  nofile 10\n  nproc 5\n}\n"
		 "process {\n  ptrace allow\n}\nlayers {\n  seccomp off\n}\n");
	assert_int_equal(tc_load("top.profile",
				 "include base2\nnamespaces {\n  share net\n  ipc\n}\n"
				 "filesystem {\n  read-only /work/proj\n}\ncapabilities {\n  drop CAP_KILL\n}\n"
				 "limits {\n  nofile 20\n}\nlayers {\n  seccomp required\n}\n", &p, &msgs), 0);
	assert_int_equal(p->ns.mask, CP_NS_USER | CP_NS_PID | CP_NS_IPC);
	assert_int_equal(p->fs.nrules, 2);
	assert_string_equal(p->fs.rules[0].path, "/usr");
	assert_string_equal(p->fs.rules[1].path, "/work/proj");
	assert_int_equal(p->fs.rules[1].access, CP_FS_READ);
	assert_int_equal(p->caps, 1ull << 0);          /* CAP_CHOWN */
	assert_int_equal(p->nrlimits, 2);
	assert_int_equal(p->rlimits[0].resource, 6);   /* RLIMIT_NPROC kept */
	assert_int_equal(p->rlimits[1].soft, 20);
	assert_true(p->proc.allow_ptrace);             /* inherited */
	assert_int_equal(p->layers[CP_LAYER_SECCOMP], CP_REQ_REQUIRED);
	cp_policy_free(p);

	/* `none` clears inherited capabilities */
	assert_int_equal(tc_load("top.profile", "include base2\ncapabilities {\n  none\n}\n", &p, &msgs), 0);
	assert_true(p->caps_present);
	assert_int_equal(p->caps, 0);
	cp_policy_free(p);
}

static void test_network_order(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	tc_write("netbase.profile", "network {\n  default deny\n  allow connect tcp any port 80\n}\n");
	assert_int_equal(tc_load("top.profile",
				 "include netbase\nnetwork {\n  deny connect tcp 10.0.0.0/8 port 80\n}\n",
				 &p, &msgs), 0);
	/* first match wins, so the includer's rule comes first */
	assert_int_equal(p->net.nrules, 2);
	assert_false(p->net.rules[0].allow);
	assert_true(p->net.rules[1].allow);
	assert_false(p->net.default_allow);
	cp_policy_free(p);
}

static void test_later_include_wins(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	tc_write("i1.profile", "syscalls {\n  allow ptrace\n}\n");
	tc_write("i2.profile", "syscalls {\n  errno(EPERM) ptrace\n}\n");
	assert_int_equal(tc_load("top.profile", "include i1\ninclude i2\n", &p, &msgs), 0);
	assert_int_equal(tc_rule(p, "ptrace", 0)->action.kind, CP_ACT_ERRNO);
	assert_null(tc_rule(p, "ptrace", 1));
	cp_policy_free(p);
}

static void test_cycle(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const char *a;

	(void)state;
	a = tc_write("cyc/a.profile", "include \"b.profile\"\n");
	tc_write("cyc/b.profile", "\ninclude \"c.profile\"\n");
	tc_write("cyc/c.profile", "include \"a.profile\"\n");
	assert_int_equal(tc_load_file(a, &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "c.profile:1:9: error: include cycle: "));
	assert_non_null(strstr(msgs, "a.profile -> "));
	assert_non_null(strstr(msgs, "b.profile -> "));
	assert_non_null(strstr(msgs, "c.profile -> "));
	/* the caret line of the include */
	assert_non_null(strstr(msgs, "include \"a.profile\"\n      |         ^~~~~~~~~~~"));

	a = tc_write("self.profile", "include self\n");
	assert_int_equal(tc_load_file(a, &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "include cycle"));
}

static void test_depth(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	for (int i = 0; i < 20; i++) {
		char name[32], text[64];

		snprintf(name, sizeof(name), "deep%d.profile", i);
		snprintf(text, sizeof(text), "include deep%d\n", i + 1);
		tc_write(name, text);
	}
	tc_write("deep20.profile", "limits {\n  nofile 1\n}\n");
	assert_int_equal(tc_load("top.profile", "include deep0\n", &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "includes nested more than 16 deep"));
	/* 16 levels of includes are fine */
	assert_int_equal(tc_load("top.profile", "include deep5\n", &p, &msgs), 0);
	assert_int_equal(p->nrlimits, 1);
	assert_int_equal(p->nfiles, 17);
	cp_policy_free(p);
}

static void test_include_variable(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const char *defs[] = { "SITE=site-a", NULL };

	(void)state;
	tc_write("site-a.profile", "limits {\n  core 0\n}\n");
	assert_int_equal(tc_load_defs("include \"$SITE\"\n", defs, &p, &msgs), 0);
	assert_int_equal(p->nrlimits, 1);
	cp_policy_free(p);
	assert_int_equal(tc_load("t.profile", "include \"$NOPE/x.profile\"\n", &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "undefined variable 'NOPE'"));
	assert_int_equal(tc_load("t.profile", "include optional \"$HOME/none.profile\"\n", &p, &msgs), 0);
	cp_policy_free(p);
}

static void test_include_count(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	char *text = malloc(200 * 20);
	size_t n = 0;

	(void)state;
	tc_write("leaf.profile", "limits {\n  core 0\n}\n");
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(text + n, "include leaf\n");
	assert_int_equal(tc_load("top.profile", text, &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "top.profile:129:9: error: more than 128 includes in one profile"));
	free(text);
}

static void test_optional_and_missing(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("top.profile", "include optional nope-nope\nlimits {\n  core 0\n}\n", &p, &msgs), 0);
	assert_int_equal(p->nfiles, 1);
	cp_policy_free(p);
	assert_int_equal(tc_load("top.profile", "include \"sub/nope.profile\"\n", &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "top.profile:1:9: error: profile file 'sub/nope.profile' not found"));
	/* a device is not a profile (and would never end) */
	assert_int_equal(tc_load("top.profile", "include \"/dev/zero\"\n", &p, &msgs), -EINVAL);
	assert_non_null(strstr(msgs, "top.profile:1:9: error: '/dev/zero' is not a regular file"));
}

static void test_diamond_and_hash(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const char *d = "define V = \"/v\"\nfilesystem {\n  read-only $V\n}\n";
	const char *l = "include dia-d\nsyscalls {\n  allow read\n}\n";
	const char *r = "include dia-d\nsyscalls {\n  allow write\n}\n";
	const char *top = "include dia-l\ninclude dia-r\n";
	uint8_t want[32];
	unsigned int wl;
	EVP_MD_CTX *ctx;

	(void)state;
	tc_write("dia-d.profile", d);
	tc_write("dia-l.profile", l);
	tc_write("dia-r.profile", r);
	assert_int_equal(tc_load("top.profile", top, &p, &msgs), 0);
	assert_string_equal(msgs, "");
	/* every file once, in the order first read */
	assert_int_equal(p->nfiles, 4);
	assert_string_equal(p->files[0], "top.profile");
	assert_non_null(strstr(p->files[1], "dia-l.profile"));
	assert_non_null(strstr(p->files[2], "dia-d.profile"));
	assert_non_null(strstr(p->files[3], "dia-r.profile"));
	assert_int_equal(p->fs.nrules, 1);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, top, strlen(top));
	EVP_DigestUpdate(ctx, l, strlen(l));
	EVP_DigestUpdate(ctx, d, strlen(d));
	EVP_DigestUpdate(ctx, r, strlen(r));
	EVP_DigestFinal_ex(ctx, want, &wl);
	EVP_MD_CTX_free(ctx);
	assert_memory_equal(p->hash, want, 32);
	cp_policy_free(p);

	/* one byte more anywhere changes the hash */
	tc_write("dia-d.profile", "define V = \"/v\"\nfilesystem {\n  read-only $V \n}\n");
	assert_int_equal(tc_load("top.profile", top, &p, &msgs), 0);
	assert_memory_not_equal(p->hash, want, 32);
	cp_policy_free(p);
}

/* The syscall groups a rule names are part of the policy, and of its hash:
 * profile bytes, then the groups file at the point a group is first named.
 * A profile naming no group never reads it. */
static int load_with_groups(const char *text, const char *groups, struct cp_policy **p)
{
	const char *search[] = { tc_tmpdir(), NULL };
	struct cp_load_opts o = { .search_path = search, .groups_file = groups,
				  .home = "/home/u", .cwd = "/work/proj", .tmpdir = "/tmp" };
	struct cp_diag d;
	int rc;

	cp_diag_init(&d, NULL);
	rc = cp_profile_load_buf("grp.profile", text, strlen(text), &o, &d, p);
	cp_diag_fini(&d);
	return rc;
}

static void sha256_2(const char *a, const char *b, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int wl;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, a, strlen(a));
	if (b)
		EVP_DigestUpdate(ctx, b, strlen(b));
	EVP_DigestFinal_ex(ctx, out, &wl);
	EVP_MD_CTX_free(ctx);
}

static void test_groups_in_hash(void **state)
{
	struct cp_policy *p;
	const char *g1 = "@mini  a test group\n\tread write\n";
	const char *g2 = "@mini  a test group\n\tread write close\n";
	const char *uses = "syscalls {\n  default errno(EPERM)\n  allow @mini\n}\n";
	const char *plain = "syscalls {\n  default errno(EPERM)\n  allow read\n}\n";
	const char *groups = tc_write("hash-test.groups", g1);
	uint8_t want[32], first[32];

	(void)state;
	assert_int_equal(load_with_groups(uses, groups, &p), 0);
	sha256_2(uses, g1, want);
	assert_memory_equal(p->hash, want, 32);
	memcpy(first, p->hash, 32);
	cp_policy_free(p);

	/* a changed group: a different policy, a different hash */
	tc_write("hash-test.groups", g2);
	assert_int_equal(load_with_groups(uses, groups, &p), 0);
	assert_memory_not_equal(p->hash, first, 32);
	sha256_2(uses, g2, want);
	assert_memory_equal(p->hash, want, 32);
	cp_policy_free(p);

	/* no group named: the groups file is not read, not hashed */
	assert_int_equal(load_with_groups(plain, groups, &p), 0);
	sha256_2(plain, NULL, want);
	assert_memory_equal(p->hash, want, 32);
	cp_policy_free(p);
	assert_int_equal(unlink(groups), 0);
}

static void test_name_lookup(void **state)
{
	struct cp_policy *p;
	struct cp_diag d;
	int rc;

	(void)state;
	tc_write("envdir/only-here.profile", "limits {\n  core 0\n}\n");
	{
		char dir[512];

		snprintf(dir, sizeof(dir), "%s/envdir", tc_tmpdir());
		setenv("COMPART_PROFILE_DIR", dir, 1);
	}
	cp_diag_init(&d, NULL);
	rc = cp_profile_load("only-here", NULL, &d, &p);
	assert_int_equal(rc, 0);
	assert_string_equal(p->name, "only-here");
	cp_policy_free(p);
	/* the shipped profiles are next in the search order */
	rc = cp_profile_load("default", NULL, &d, &p);
	assert_int_equal(rc, 0);
	assert_string_equal(p->name, "default");
	cp_policy_free(p);
	rc = cp_profile_load("no-such-profile", NULL, &d, &p);
	assert_int_equal(rc, -ENOENT);
	assert_null(p);
	assert_non_null(strstr(d.buf, "profile 'no-such-profile' not found (searched "));
	rc = cp_profile_load("bad name!", NULL, &d, &p);
	assert_int_equal(rc, -EINVAL);
	unsetenv("COMPART_PROFILE_DIR");
	assert_string_equal(cp_default_profile_dir(), TC_TOP "/profiles");
	cp_diag_fini(&d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_override_syscalls),
		cmocka_unit_test(test_override_paths_ns_caps_limits),
		cmocka_unit_test(test_network_order),
		cmocka_unit_test(test_later_include_wins),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_optional_and_missing),
		cmocka_unit_test(test_include_count),
		cmocka_unit_test(test_include_variable),
		cmocka_unit_test(test_diamond_and_hash),
		cmocka_unit_test(test_groups_in_hash),
		cmocka_unit_test(test_name_lookup),
	};

	return cmocka_run_group_tests_name("includes", t, NULL, NULL);
}
