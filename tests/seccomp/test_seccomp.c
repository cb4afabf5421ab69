/* SPDX-License-Identifier: MIT */
/*
 * test_seccomp.c - the seccomp backend against the real kernel and the
 * interpreter.
 *
 * Every decision row is checked twice: by the cBPF interpreter (any ABI,
 * including aarch64) and, for ABIs this host runs, by loading the filter
 * with seccomp(2) in a forked child and making the call.  The errno values
 * the fixtures deny with (1001..1009) are ones no syscall returns by
 * itself, so an allowed call (which fails harmlessly with EBADF etc.) can
 * never be mistaken for a denied one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <cmocka.h>
#include <seccomp.h>

#include "compart.h"
#include "seccomp_internal.h"
#include "testlib.h"

#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define RET_KILLP 0x80000000u
#define RET_LOG 0x7ffc0000u
#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_TRAP SECCOMP_RET_TRAP
#define RET_KILLT SECCOMP_RET_KILL_THREAD

struct row {
	enum cp_arch arch;
	const char *sys;
	uint64_t args[6];
	uint32_t expect;
	bool no_live;      /* interpreter only: the call has side effects */
};

/* ---- fixture: one policy exercising every action and operator ---- */

static struct cp_policy *fixture_basic(uint32_t arches, enum cp_action_kind badarch, int baderr)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, arches);
	struct cp_sys_rule *r;
	static const uint64_t fam[] = { AF_UNIX, AF_INET };
	static const uint64_t notdup[] = { 3, 64, 5 };
	static const uint64_t whence[] = { 0, 1 };

	p->seccomp.bad_arch_action.kind = badarch;
	p->seccomp.bad_arch_action.errno_val = baderr;
	/* the live harness reports through write and leaves through exit_group */
	tl_rule(p, "write", CP_ACT_ALLOW, 0);
	tl_rule(p, "exit_group", CP_ACT_ALLOW, 0);
	tl_rule(p, "getppid", CP_ACT_ALLOW, 0)->hot = 10;
	tl_rule(p, "getpid", CP_ACT_ERRNO, 1002);
	tl_rule(p, "getuid", CP_ACT_KILL_PROCESS, 0);
	tl_rule(p, "getgid", CP_ACT_KILL_THREAD, 0);
	tl_rule(p, "geteuid", CP_ACT_TRAP, 0);
	tl_rule(p, "getegid", CP_ACT_LOG, 0);
	tl_rule(p, "getpgrp", CP_ACT_ALLOW, 0)->action.audit = true;
	r = tl_rule(p, "umask", CP_ACT_ERRNO, 1004);
	r->action.audit = true;
	r = tl_rule(p, "socket", CP_ACT_ALLOW, 0);
	tl_cond_set(r, 0, CP_CMP_IN, 2, fam);
	r = tl_rule(p, "socket", CP_ACT_ERRNO, 1003);
	tl_cond(r, 0, CP_CMP_EQ, AF_PACKET, 0);
	r = tl_rule(p, "dup", CP_ACT_ALLOW, 0);
	tl_cond_set(r, 0, CP_CMP_NOT_IN, 3, notdup);
	r = tl_rule(p, "dup2", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_GE, 10, 0);
	tl_cond(r, 0, CP_CMP_LT, 20, 0);
	r = tl_rule(p, "fcntl", CP_ACT_ALLOW, 0);
	tl_cond(r, 1, CP_CMP_MASKED_EQ, 0x0400, 0xff00);
	r = tl_rule(p, "lseek", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_EQ, 7, 0);
	tl_cond_set(r, 2, CP_CMP_IN, 2, whence);
	r = tl_rule(p, "close", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_EQ, 0x100000005ull, 0);
	r = tl_rule(p, "getsid", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_GT, 100, 0);
	r = tl_rule(p, "getpgid", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_LE, 100, 0);
	r = tl_rule(p, "fchdir", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_NE, 9, 0);
	r = tl_rule(p, "fsync", CP_ACT_NOTIFY, 0);
	return p;
}

static const struct row basic_rows[] = {
	{ CP_ARCH_X86_64, "getppid", { 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "getpid", { 0 }, RET_ERRNO(1002), false },
	{ CP_ARCH_X86_64, "gettid", { 0 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "getuid", { 0 }, RET_KILLP, false },
	{ CP_ARCH_X86_64, "getgid", { 0 }, RET_KILLT, false },
	{ CP_ARCH_X86_64, "geteuid", { 0 }, RET_TRAP, false },
	{ CP_ARCH_X86_64, "getegid", { 0 }, RET_LOG, false },
	{ CP_ARCH_X86_64, "getpgrp", { 0 }, RET_LOG, false },
	{ CP_ARCH_X86_64, "umask", { 022 }, RET_ERRNO(1004), false },
	{ CP_ARCH_X86_64, "socket", { AF_UNIX, SOCK_STREAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { AF_INET, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { AF_INET6, SOCK_DGRAM }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "socket", { AF_PACKET, SOCK_RAW }, RET_ERRNO(1003), false },
	{ CP_ARCH_X86_64, "socket", { 0x100000001ull }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup", { 4 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup", { 3 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup", { 5 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup", { 64 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup", { 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup", { 65 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup", { 0x100000005ull }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup", { UINT64_MAX }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup2", { 9, 100 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup2", { 10, 100 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup2", { 19, 100 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup2", { 20, 100 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "dup2", { 0x10000000aull, 100 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "fcntl", { UINT64_MAX, 1030 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "fcntl", { UINT64_MAX, 0x4ff }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "fcntl", { UINT64_MAX, 1 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "fcntl", { UINT64_MAX, 0x10400 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "lseek", { 7, 0, 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "lseek", { 7, 0, 1 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "lseek", { 7, 0, 2 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "lseek", { 8, 0, 0 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "close", { 5 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "close", { 0x100000005ull }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "getsid", { 100 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "getsid", { 101 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "getpgid", { 100 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "getpgid", { 101 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "fchdir", { 9 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "fchdir", { 999 }, RET_ALLOW, false },
	/* the live harness supervises: the parent answers with errno 1005 */
	{ CP_ARCH_X86_64, "fsync", { 999 }, 0x7fc00000u, false },
	/* ABIs the policy does not list hit the bad-arch action */
	{ CP_ARCH_X32, "getppid", { 0 }, RET_KILLP, false },
	{ CP_ARCH_X32, "getpid", { 0 }, RET_KILLP, false },
	{ CP_ARCH_I386, "getppid", { 0 }, RET_KILLP, false },
	{ CP_ARCH_I386, "getpid", { 0 }, RET_KILLP, false },
};

/* x86_64 + i386 admitted, x32 refused with an errno instead of a kill */
static const struct row compat_rows[] = {
	{ CP_ARCH_X86_64, "getppid", { 0 }, RET_ALLOW, false },
	{ CP_ARCH_I386, "getppid", { 0 }, RET_ALLOW, false },
	{ CP_ARCH_I386, "getpid", { 0 }, RET_ERRNO(1002), false },
	{ CP_ARCH_I386, "gettid", { 0 }, RET_ERRNO(1001), false },
	{ CP_ARCH_I386, "dup", { 4 }, RET_ALLOW, false },
	{ CP_ARCH_I386, "dup", { 5 }, RET_ERRNO(1001), false },
	/* 0x100000005 cannot be an i386 argument: the rule must not match 5 */
	{ CP_ARCH_I386, "close", { 5 }, RET_ERRNO(1001), false },
	{ CP_ARCH_I386, "dup2", { 15, 100 }, RET_ALLOW, false },
	{ CP_ARCH_I386, "dup2", { 25, 100 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X32, "getppid", { 0 }, RET_ERRNO(1009), false },
	{ CP_ARCH_X32, "dup", { 4 }, RET_ERRNO(1009), false },
};

/* the same policy compiled for aarch64: interpreter only */
static const struct row arm_rows[] = {
	{ CP_ARCH_AARCH64, "getppid", { 0 }, RET_ALLOW, true },
	{ CP_ARCH_AARCH64, "getpid", { 0 }, RET_ERRNO(1002), true },
	{ CP_ARCH_AARCH64, "getuid", { 0 }, RET_KILLP, true },
	{ CP_ARCH_AARCH64, "socket", { AF_INET }, RET_ALLOW, true },
	{ CP_ARCH_AARCH64, "socket", { AF_PACKET }, RET_ERRNO(1003), true },
	{ CP_ARCH_AARCH64, "dup", { 3 }, RET_ERRNO(1001), true },
	{ CP_ARCH_AARCH64, "dup", { 4 }, RET_ALLOW, true },
	{ CP_ARCH_AARCH64, "lseek", { 7, 0, 1 }, RET_ALLOW, true },
	{ CP_ARCH_AARCH64, "fcntl", { 0, 1030 }, RET_ALLOW, true },
	{ CP_ARCH_X86_64, "getppid", { 0 }, RET_KILLP, true },
	{ CP_ARCH_I386, "getppid", { 0 }, RET_KILLP, true },
};

/*
 * The first matching rule of a syscall decides, also where conditional
 * rules with different actions overlap (libseccomp alone would let an
 * unconditional rule win, and leaves overlaps to its tree layout).
 */
static struct cp_policy *fixture_exceptions(void)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, CP_ARCH_X86_64 | CP_ARCH_I386);
	static const uint64_t fams[] = { AF_UNIX, AF_INET, AF_INET6 };
	static const uint64_t reqs[] = { 0x5412, 0x541c };
	struct cp_sys_rule *r;

	tl_rule(p, "write", CP_ACT_ALLOW, 0);
	tl_rule(p, "exit_group", CP_ACT_ALLOW, 0);
	/* errno equal to the default: the fallback must exclude the exception */
	tl_cond(tl_rule(p, "clone", CP_ACT_ERRNO, 1001), 0, CP_CMP_MASKED_EQ, 0x10000000, 0x10000000);
	tl_rule(p, "clone", CP_ACT_ALLOW, 0);
	tl_cond_set(tl_rule(p, "ioctl", CP_ACT_ERRNO, 1002), 1, CP_CMP_IN, 2, reqs);
	tl_rule(p, "ioctl", CP_ACT_ALLOW, 0);
	tl_cond_set(tl_rule(p, "socket", CP_ACT_ALLOW, 0), 0, CP_CMP_IN, 3, fams);
	tl_rule(p, "socket", CP_ACT_ERRNO, 1003);
	/* two exceptions on different arguments */
	r = tl_rule(p, "dup3", CP_ACT_ERRNO, 1004);
	tl_cond(r, 0, CP_CMP_EQ, 7, 0);
	tl_cond(tl_rule(p, "dup3", CP_ACT_KILL_PROCESS, 0), 2, CP_CMP_NE, 0, 0);
	tl_rule(p, "dup3", CP_ACT_ALLOW, 0);
	return p;
}

static const struct row exception_rows[] = {
	{ CP_ARCH_X86_64, "clone", { 0x800 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "clone", { 0x10000800 }, RET_ERRNO(1001), false },
	{ CP_ARCH_I386, "clone", { 0x10000800 }, RET_ERRNO(1001), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x5412 }, RET_ERRNO(1002), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x541c }, RET_ERRNO(1002), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x5413 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x100005412ull }, RET_ALLOW, false },
	{ CP_ARCH_I386, "ioctl", { 999, 0x5412 }, RET_ERRNO(1002), false },
	{ CP_ARCH_X86_64, "socket", { AF_INET6, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { AF_PACKET, SOCK_RAW }, RET_ERRNO(1003), false },
	{ CP_ARCH_X86_64, "socket", { AF_NETLINK, SOCK_RAW }, RET_ERRNO(1003), false },
	{ CP_ARCH_X86_64, "dup3", { 7, 100, 0 }, RET_ERRNO(1004), false },
	{ CP_ARCH_X86_64, "dup3", { 8, 100, 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "dup3", { 8, 100, 1 }, RET_KILLP, false },
	{ CP_ARCH_X86_64, "dup3", { 7, 100, 1 }, RET_ERRNO(1004), false },
	{ CP_ARCH_I386, "dup3", { 7, 100, 1 }, RET_ERRNO(1004), false },
	{ CP_ARCH_I386, "dup3", { 6, 100, 1 }, RET_KILLP, false },
	{ CP_ARCH_I386, "dup3", { 6, 100, 0 }, RET_ALLOW, false },
};

static bool have_ia32 = false;

static struct cp_policy *load_profile(const char *name_or_path);

static void check_live(const struct cp_bpf_prog *prog, const struct row *rw, int nr)
{
	struct tl_live l;
	char want[32];
	uint32_t act = rw->expect & 0xffff0000u;

	if (rw->no_live || rw->arch == CP_ARCH_AARCH64)
		return;
	if (rw->arch == CP_ARCH_I386 && !have_ia32) {
		printf("# %s/i386: live run skipped, int 0x80 unavailable (no IA32 emulation)\n", rw->sys);
		return;
	}
	assert_int_equal(tl_run_live(prog, rw->arch, nr, rw->args, &l), 0);
	tl_ret_name(rw->expect, want, sizeof(want));
	switch (act) {
	case SECCOMP_RET_ALLOW:
	case RET_LOG:
		if (l.kind != TL_LIVE_RETURNED || (l.ret == -1 && l.err > 1000 && l.err < 1010))
			fail_msg("%s(%#llx): want %s live, got kind %d err %d", rw->sys,
				 (unsigned long long)rw->args[0], want, l.kind, l.err);
		break;
	case SECCOMP_RET_ERRNO:
		if (l.kind != TL_LIVE_RETURNED || l.ret != -1 || l.err != (int)(rw->expect & 0xffff))
			fail_msg("%s(%#llx): want %s live, got kind %d ret %ld err %d", rw->sys,
				 (unsigned long long)rw->args[0], want, l.kind, l.ret, l.err);
		break;
	case RET_KILLP:
	case SECCOMP_RET_KILL_THREAD:
		if (l.kind != TL_LIVE_KILLED || l.sig != SIGSYS)
			fail_msg("%s: want %s live, got kind %d sig %d", rw->sys, want, l.kind, l.sig);
		break;
	case SECCOMP_RET_TRAP:
		if (l.kind != TL_LIVE_TRAPPED)
			fail_msg("%s: want TRAP live, got kind %d", rw->sys, l.kind);
		break;
	case 0x7fc00000u:   /* SECCOMP_RET_USER_NOTIF */
		if (l.kind != TL_LIVE_RETURNED || l.ret != -1 || l.err != TL_NOTIFY_ERRNO)
			fail_msg("%s: want the supervisor's errno %d, got kind %d err %d", rw->sys,
				 TL_NOTIFY_ERRNO, l.kind, l.err);
		break;
	default:
		fail_msg("row %s: no live check for %s", rw->sys, want);
	}
}

static void run_rows(const struct cp_policy *p, enum cp_arch native,
		     const struct row *rows, size_t n)
{
	struct cp_diag d;
	struct cp_bpf_prog prog;

	cp_diag_init(&d, stderr);
	assert_int_equal(cp_seccomp_build(p, native, &d, &prog), 0);
	assert_int_equal(d.errors, 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t aa, got;
		int nr;
		char gs[32], ws[32];

		if (!tl_resolve(rows[i].arch, rows[i].sys, &aa, &nr))
			fail_msg("row %zu: %s unknown on arch %d", i, rows[i].sys, rows[i].arch);
		got = tl_eval(&prog, aa, nr, rows[i].args, NULL);
		if (got != rows[i].expect)
			fail_msg("row %zu: %s(%#llx, %#llx) on %s: want %s, interpreter says %s", i,
				 rows[i].sys, (unsigned long long)rows[i].args[0],
				 (unsigned long long)rows[i].args[1], cp_arch_name(rows[i].arch),
				 tl_ret_name(rows[i].expect, ws, sizeof(ws)),
				 tl_ret_name(got, gs, sizeof(gs)));
		check_live(&prog, &rows[i], nr);
	}
	cp_bpf_prog_free(&prog);
	cp_diag_fini(&d);
}

static void test_basic_decisions(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64, CP_ACT_KILL_PROCESS, 0);

	(void)state;
	run_rows(p, CP_ARCH_X86_64, basic_rows, sizeof(basic_rows) / sizeof(basic_rows[0]));
	cp_policy_free(p);
}

static void test_exception_decisions(void **state)
{
	struct cp_policy *p = fixture_exceptions();

	(void)state;
	run_rows(p, CP_ARCH_X86_64, exception_rows, sizeof(exception_rows) / sizeof(exception_rows[0]));
	cp_policy_free(p);
}

static void test_compat_decisions(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64 | CP_ARCH_I386, CP_ACT_ERRNO, 1009);

	(void)state;
	run_rows(p, CP_ARCH_X86_64, compat_rows, sizeof(compat_rows) / sizeof(compat_rows[0]));
	cp_policy_free(p);
}

static void test_aarch64_decisions(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64 | CP_ARCH_AARCH64, CP_ACT_KILL_PROCESS, 0);

	(void)state;
	run_rows(p, CP_ARCH_AARCH64, arm_rows, sizeof(arm_rows) / sizeof(arm_rows[0]));
	cp_policy_free(p);
}

/* ---- the same decisions from profile text ---- */

static struct cp_policy *load_profile(const char *name_or_path)
{
	char path[4096];
	struct cp_load_opts lo = { 0 };
	struct cp_policy *p = NULL;
	struct cp_diag d;

	if (strchr(name_or_path, '/') || strstr(name_or_path, ".profile"))
		snprintf(path, sizeof(path), "%s/tests/seccomp/fixtures/%s", TL_TOP, name_or_path);
	else
		snprintf(path, sizeof(path), "%s", name_or_path);
	cp_diag_init(&d, stderr);
	if (cp_profile_load(path, &lo, &d, &p) != 0)
		fail_msg("cannot load %s", path);
	cp_diag_fini(&d);
	return p;
}

static void test_profile_fixtures(void **state)
{
	struct {
		const char *file;
		const struct row *rows;
		size_t n;
	} fx[] = {
		{ "actions.profile", basic_rows, sizeof(basic_rows) / sizeof(basic_rows[0]) },
		{ "compat.profile", compat_rows, sizeof(compat_rows) / sizeof(compat_rows[0]) },
		{ "exceptions.profile", exception_rows, sizeof(exception_rows) / sizeof(exception_rows[0]) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		struct cp_policy *p = load_profile(fx[i].file);

		printf("# fixture %s: %zu rules\n", fx[i].file, p->seccomp.nrules);
		run_rows(p, CP_ARCH_X86_64, fx[i].rows, fx[i].n);
		cp_policy_free(p);
	}
}

/* The shipped default profile, the one most users run. */
static const struct row default_rows[] = {
	{ CP_ARCH_X86_64, "read", { 999, 0, 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "getppid", { 0 }, RET_ALLOW, false },
	/* CLONE_NEWUSER|CLONE_SIGHAND without CLONE_VM: EINVAL if it got through */
	{ CP_ARCH_X86_64, "clone", { 0x10000800 }, RET_ERRNO(EPERM), false },
	{ CP_ARCH_X86_64, "clone", { 0x800 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "clone3", { 0, 0 }, RET_ERRNO(ENOSYS), false },
	{ CP_ARCH_X86_64, "unshare", { 0 }, RET_ERRNO(EPERM), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x5412 }, RET_ERRNO(EPERM), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x541c }, RET_ERRNO(EPERM), false },
	{ CP_ARCH_X86_64, "ioctl", { 999, 0x5413 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { AF_INET, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { AF_PACKET, SOCK_RAW }, RET_ERRNO(EAFNOSUPPORT), false },
	{ CP_ARCH_X86_64, "io_uring_setup", { 0, 0 }, RET_ERRNO(EPERM), false },
	{ CP_ARCH_X32, "getppid", { 0 }, RET_KILLP, false },
	{ CP_ARCH_I386, "getppid", { 0 }, RET_KILLP, false },
};

static void test_default_profile(void **state)
{
	struct cp_policy *p = load_profile("default");

	(void)state;
	run_rows(p, CP_ARCH_X86_64, default_rows, sizeof(default_rows) / sizeof(default_rows[0]));
	cp_policy_free(p);
}

/* The flags the loader must pass follow from the actions used. */
static void test_flags(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64, CP_ACT_KILL_PROCESS, 0);
	struct cp_bpf_prog prog;
	struct cp_diag d;

	(void)state;
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	/* umask is errno + audit, fsync notifies */
	assert_true(prog.flags & SECCOMP_FILTER_FLAG_LOG);
	assert_true(prog.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
	assert_true(prog.flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
	assert_int_equal(prog.n_notify, 1);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);

	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	tl_rule(p, "read", CP_ACT_ALLOW, 0)->action.audit = true;   /* allow+audit = LOG action */
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	assert_int_equal(prog.flags, 0);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

/*
 * The kernel caches "allow" per syscall number when emulating the filter
 * with only nr and arch set shows the result cannot depend on anything
 * else.  For every x86_64 and i386 number without argument rules, the path
 * must read only nr and arch, and varying args and instruction_pointer
 * must not change the decision.
 */
static void check_cache(const struct cp_policy *p, enum cp_arch native, enum cp_arch abi, int maxnr)
{
	struct cp_bpf_prog prog;
	struct cp_diag d;
	uint32_t aa = abi == CP_ARCH_I386 ? AUDIT_ARCH_I386 :
		      abi == CP_ARCH_AARCH64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;
	uint32_t tok = cp_arch_token(abi);
	unsigned checked = 0, argful = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	cp_diag_init(&d, NULL);
	assert_int_equal(cp_seccomp_build(p, native, &d, &prog), 0);
	for (int nr = 0; nr < maxnr; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(tok, nr);
		bool has_args = false;
		struct bpf_interp_trace tr;
		uint32_t base;

		for (size_t i = 0; name && i < p->seccomp.nrules; i++)
			if (p->seccomp.rules[i].nconds && !strcmp(p->seccomp.rules[i].name, name))
				has_args = true;
		free(name);
		if (has_args) {
			argful++;
			continue;
		}
		base = tl_eval(&prog, aa, nr, NULL, &tr);
		if (tr.read_mask & ~(BPF_INTERP_READ_NR | BPF_INTERP_READ_ARCH))
			fail_msg("nr %d on %s reads more than nr/arch (mask %#llx)", nr,
				 cp_arch_name(abi), (unsigned long long)tr.read_mask);
		for (int k = 0; k < 8; k++) {
			struct seccomp_data sd = { .nr = nr, .arch = aa };
			uint32_t r;

			for (int j = 0; j < 6; j++) {
				seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
				sd.args[j] = k == 0 ? UINT64_MAX : seed;
			}
			sd.instruction_pointer = seed ^ 0x5555;
			assert_int_equal(bpf_interp_run(prog.insns, prog.len, &sd, &r, NULL), 0);
			if (r != base)
				fail_msg("nr %d: decision changes with args (%#x vs %#x)", nr, r, base);
		}
		checked++;
	}
	printf("# cache eligibility (%s on %s): %u numbers decided by nr alone, %u with argument rules\n",
	       cp_arch_name(abi), cp_arch_name(native), checked, argful);
	assert_true(checked > 300);
	assert_true(argful > 0);
	cp_bpf_prog_free(&prog);
	cp_diag_fini(&d);
}

static void test_cache_eligible(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64 | CP_ARCH_I386, CP_ACT_KILL_PROCESS, 0);

	(void)state;
	check_cache(p, CP_ARCH_X86_64, CP_ARCH_X86_64, 470);
	check_cache(p, CP_ARCH_X86_64, CP_ARCH_I386, 470);
	check_cache(p, CP_ARCH_AARCH64, CP_ARCH_AARCH64, 470);
	cp_policy_free(p);
	/* and the profile most users run */
	p = load_profile("default");
	check_cache(p, CP_ARCH_X86_64, CP_ARCH_X86_64, 470);
	check_cache(p, CP_ARCH_AARCH64, CP_ARCH_AARCH64, 470);
	cp_policy_free(p);
}

/* ---- instruction-level checks ---- */

#define EXPECT_INSN(prog, i, c, kk) do {                                    \
		assert_true((i) < (prog)->len);                              \
		assert_int_equal((prog)->insns[i].code, (c));                \
		assert_int_equal((prog)->insns[i].k, (kk));                  \
	} while (0)

static uint32_t ret_at(const struct cp_bpf_prog *prog, size_t i)
{
	assert_true(i < prog->len);
	assert_int_equal(prog->insns[i].code, BPF_RET | BPF_K);
	return prog->insns[i].k;
}

static void test_insn_small_allowlist(void **state)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, CP_ARCH_X86_64);
	struct cp_bpf_prog prog;
	struct cp_diag d;
	size_t i;

	(void)state;
	tl_rule(p, "getppid", CP_ACT_ALLOW, 0);
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	/* arch first, and a foreign arch goes straight to the kill */
	EXPECT_INSN(&prog, 0, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	EXPECT_INSN(&prog, 1, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64);
	assert_int_equal(ret_at(&prog, 2 + prog.insns[1].jf), RET_KILLP);
	/* then nr, and x32 numbers are refused before any lookup */
	EXPECT_INSN(&prog, 2, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	EXPECT_INSN(&prog, 3, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u);
	/* (libseccomp lets nr == -1 through: a tracer's "skip this call") */
	i = 4 + prog.insns[3].jt;
	EXPECT_INSN(&prog, i, BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu);
	assert_int_equal(ret_at(&prog, i + 1 + prog.insns[i].jf), RET_KILLP);
	/* getppid by number, allowed; everything else the default errno */
	for (i = 4; i < prog.len; i++)
		if (prog.insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && prog.insns[i].k == 110)
			break;
	assert_true(i < prog.len);
	assert_int_equal(ret_at(&prog, i + 1 + prog.insns[i].jt), RET_ALLOW);
	assert_int_equal(ret_at(&prog, i + 1 + prog.insns[i].jf), RET_ERRNO(1001));
	assert_true(prog.len <= 10);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

/* A 64-bit comparison loads the high word, then the low word. */
static void test_insn_arg_check(void **state)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, CP_ARCH_X86_64);
	struct cp_bpf_prog prog;
	struct cp_diag d;
	bool hi = false, lo = false;

	(void)state;
	tl_cond(tl_rule(p, "dup", CP_ACT_ALLOW, 0), 0, CP_CMP_EQ, 0x100000005ull, 0);
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	for (size_t i = 0; i + 1 < prog.len; i++) {
		const struct sock_filter *f = &prog.insns[i], *g = &prog.insns[i + 1];

		if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k == 20 &&
		    g->code == (BPF_JMP | BPF_JEQ | BPF_K) && g->k == 1)
			hi = true;
		if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k == 16 &&
		    g->code == (BPF_JMP | BPF_JEQ | BPF_K) && g->k == 5)
			lo = true;
	}
	assert_true(hi);
	assert_true(lo);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

/* ---- expansion: the conjunctions admit exactly what the IR admits ---- */

static bool cond_holds(const struct cp_arg_cond *c, uint64_t x)
{
	switch (c->op) {
	case CP_CMP_EQ: return x == c->value;
	case CP_CMP_NE: return x != c->value;
	case CP_CMP_LT: return x < c->value;
	case CP_CMP_LE: return x <= c->value;
	case CP_CMP_GT: return x > c->value;
	case CP_CMP_GE: return x >= c->value;
	case CP_CMP_MASKED_EQ: return (x & c->mask) == c->value;
	case CP_CMP_IN:
	case CP_CMP_NOT_IN:
		for (size_t i = 0; i < c->nset; i++)
			if (x == c->set[i])
				return c->op == CP_CMP_IN;
		return c->op == CP_CMP_NOT_IN;
	}
	return false;
}

static bool atom_holds(const struct scmp_arg_cmp *c, uint64_t x)
{
	switch (c->op) {
	case SCMP_CMP_EQ: return x == c->datum_a;
	case SCMP_CMP_NE: return x != c->datum_a;
	case SCMP_CMP_LT: return x < c->datum_a;
	case SCMP_CMP_LE: return x <= c->datum_a;
	case SCMP_CMP_GT: return x > c->datum_a;
	case SCMP_CMP_GE: return x >= c->datum_a;
	case SCMP_CMP_MASKED_EQ: return (x & c->datum_a) == c->datum_b;
	default: return false;
	}
}

struct conj_list {
	struct scmp_arg_cmp c[256][6];
	unsigned n[256];
	unsigned count;
};

static int collect(void *ctx, const struct scmp_arg_cmp *cmps, unsigned n)
{
	struct conj_list *l = ctx;

	if (l->count >= 256)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (cmps[i].arg == cmps[j].arg)
				return -EINVAL;   /* libseccomp would refuse it */
	if (n)
		memcpy(l->c[l->count], cmps, n * sizeof(*cmps));
	l->n[l->count++] = n;
	return 0;
}

static void test_expand_exact(void **state)
{
	static const uint64_t s1[] = { 1, 2, 16 }, s2[] = { 0, UINT64_MAX, 7 }, s3[] = { 5 };
	struct {
		unsigned nconds;
		struct cp_arg_cond c[3];
	} cases[] = {
		{ 1, { { .arg = 0, .op = CP_CMP_NOT_IN, .set = (uint64_t *)s1, .nset = 3 } } },
		{ 1, { { .arg = 0, .op = CP_CMP_NOT_IN, .set = (uint64_t *)s2, .nset = 3 } } },
		{ 1, { { .arg = 0, .op = CP_CMP_IN, .set = (uint64_t *)s1, .nset = 3 } } },
		{ 1, { { .arg = 0, .op = CP_CMP_NOT_IN, .set = (uint64_t *)s3, .nset = 1 } } },
		{ 2, { { .arg = 0, .op = CP_CMP_GT, .value = 3 }, { .arg = 0, .op = CP_CMP_LT, .value = 100 } } },
		{ 2, { { .arg = 0, .op = CP_CMP_GE, .value = 3 }, { .arg = 0, .op = CP_CMP_NE, .value = 9 } } },
		{ 2, { { .arg = 1, .op = CP_CMP_IN, .set = (uint64_t *)s1, .nset = 3 },
		       { .arg = 2, .op = CP_CMP_NOT_IN, .set = (uint64_t *)s3, .nset = 1 } } },
		{ 1, { { .arg = 3, .op = CP_CMP_MASKED_EQ, .mask = 0xf0, .value = 0x30 } } },
		{ 2, { { .arg = 0, .op = CP_CMP_LT, .value = 3 }, { .arg = 0, .op = CP_CMP_GT, .value = 5 } } },
		{ 3, { { .arg = 0, .op = CP_CMP_LE, .value = UINT64_MAX - 1 },
		       { .arg = 0, .op = CP_CMP_GE, .value = 1 },
		       { .arg = 4, .op = CP_CMP_EQ, .value = 0x100000000ull } } },
	};
	static const uint64_t probes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 0x30, 0x3f,
					   0x130, 99, 100, 101, 0xffffffffull, 0x100000000ull,
					   0x100000005ull, UINT64_MAX - 1, UINT64_MAX };
	(void)state;
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		for (int w = 0; w < 2; w++) {
			struct cp_sys_rule r = { .name = (char *)"x", .conds = cases[ci].c,
						 .nconds = cases[ci].nconds };
			static struct conj_list l;
			const struct cp_arg_cond *bad = NULL;
			uint64_t max = w ? UINT32_MAX : UINT64_MAX;
			int n;

			memset(&l, 0, sizeof(l));
			n = cp_sc_expand(&r, w == 1, collect, &l, &bad);
			assert_true(n >= 0);
			assert_int_equal((unsigned)n, l.count);
			for (size_t pi = 0; pi < sizeof(probes) / sizeof(probes[0]); pi++) {
				uint64_t x = probes[pi];
				bool want = true, got = false;

				if (x > max)
					continue;
				/* the same probe on every argument */
				for (unsigned k = 0; k < r.nconds; k++)
					want = want && cond_holds(&r.conds[k], x);
				for (unsigned j = 0; j < l.count && !got; j++) {
					bool all = true;

					for (unsigned k = 0; k < l.n[j]; k++)
						all = all && atom_holds(&l.c[j][k], x);
					got = all;
				}
				if (want != got)
					fail_msg("case %zu (%s): x=%#llx IR says %d, expansion says %d",
						 ci, w ? "32-bit" : "64-bit", (unsigned long long)x, want, got);
			}
		}
	}
}

/* ---- errors point at the rule ---- */

static void expect_error(struct cp_policy *p, enum cp_arch native, const char *needle)
{
	struct cp_bpf_prog prog = { 0 };
	struct cp_diag d;

	cp_diag_init(&d, NULL);
	if (cp_seccomp_build(p, native, &d, &prog) != -EINVAL)
		fail_msg("want -EINVAL and '%s'; diagnostics: %s", needle, d.buf ? d.buf : "(none)");
	assert_null(prog.insns);
	assert_true(d.errors > 0);
	if (!d.buf || !strstr(d.buf, needle))
		fail_msg("want '%s' in diagnostics, got: %s", needle, d.buf ? d.buf : "(none)");
	cp_diag_fini(&d);
	cp_policy_free(p);
}

static void test_errors(void **state)
{
	struct cp_policy *p;
	struct cp_sys_rule *r;

	(void)state;
	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	tl_rule(p, "read", CP_ACT_ALLOW, 0);
	tl_rule(p, "no_such_call", CP_ACT_ALLOW, 0);
	expect_error(p, CP_ARCH_X86_64, "test.profile:2:1: error: unknown syscall 'no_such_call'");

	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	tl_rule(p, "read", CP_ACT_ERRNO, 5000);
	expect_error(p, CP_ARCH_X86_64, "errno value 5000 out of range");

	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	p->seccomp.bad_arch_action.kind = CP_ACT_ALLOW;
	expect_error(p, CP_ARCH_X86_64, "unlisted architectures must deny");

	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	r = tl_rule(p, "clone", CP_ACT_ALLOW, 0);
	tl_cond(r, 0, CP_CMP_MASKED_EQ, 0, 0x10000000);
	tl_cond(r, 0, CP_CMP_NE, 7, 0);
	expect_error(p, CP_ARCH_X86_64, "masked comparison cannot be combined");

	/* a sparse NOT_IN set cannot be expanded within the bound */
	p = tl_policy(CP_ACT_ERRNO, 1, CP_ARCH_X86_64);
	{
		uint64_t v[40];

		for (int i = 0; i < 40; i++)
			v[i] = ((uint64_t)i << 40) | 0x5555;
		tl_cond_set(tl_rule(p, "ioctl", CP_ACT_ALLOW, 0), 1, CP_CMP_NOT_IN, 40, v);
	}
	expect_error(p, CP_ARCH_X86_64, "expand to more than");
}

/* A name the target ABI lacks is skipped with a note, not an error. */
static void test_missing_on_arch(void **state)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, CP_ARCH_X86_64);
	struct cp_bpf_prog prog;
	struct cp_diag d;
	uint32_t aa;
	int nr;

	(void)state;
	tl_rule(p, "open", CP_ACT_ALLOW, 0);      /* aarch64 has only openat */
	tl_rule(p, "openat", CP_ACT_ALLOW, 0);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_AARCH64, &d, &prog), 0);
	assert_non_null(strstr(d.buf, "note: 'open' does not exist on aarch64"));
	assert_true(tl_resolve(CP_ARCH_AARCH64, "openat", &aa, &nr));
	assert_int_equal(tl_eval(&prog, aa, nr, NULL, NULL), RET_ALLOW);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

/* The build checks libseccomp's output; a wrong program is refused. */
static void test_verify_catches_tampering(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64 | CP_ARCH_I386, CP_ACT_KILL_PROCESS, 0);
	uint32_t def, bad;
	struct cp_bpf_prog prog;
	struct cp_diag d;
	int tampered = 0;

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	assert_int_equal(cp_sc_action(&p->seccomp.default_action, &def), 0);
	assert_int_equal(cp_sc_action(&p->seccomp.bad_arch_action, &bad), 0);
	assert_int_equal(cp_sc_verify(&p->seccomp, &prog, CP_ARCH_X86_64 | CP_ARCH_I386, def, bad, NULL, &d), 0);
	/* every RET in turn made to allow: each must be noticed */
	for (size_t i = 0; i < prog.len; i++) {
		uint32_t k = prog.insns[i].k;

		if (prog.insns[i].code != (BPF_RET | BPF_K) || k == SECCOMP_RET_ALLOW)
			continue;
		prog.insns[i].k = SECCOMP_RET_ALLOW;
		if (cp_sc_verify(&p->seccomp, &prog, CP_ARCH_X86_64 | CP_ARCH_I386, def, bad, NULL, &d) != -EINVAL)
			fail_msg("insn %zu: RET %#x -> ALLOW went unnoticed", i, k);
		prog.insns[i].k = k;
		tampered++;
	}
	assert_true(tampered > 5);
	assert_non_null(strstr(d.buf, "refusing to emit it"));
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

static void test_disasm(void **state)
{
	struct cp_policy *p = fixture_basic(CP_ARCH_X86_64 | CP_ARCH_I386, CP_ACT_KILL_PROCESS, 0);
	struct cp_bpf_prog prog;
	struct cp_diag d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	size_t lines = 0;

	(void)state;
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cp_bpf_disasm(&prog, CP_ARCH_X86_64, f), 0);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, prog.len + 1);   /* header + one line per insn */
	assert_non_null(strstr(buf, "arch == x86_64"));
	assert_non_null(strstr(buf, "arch == i386"));
	assert_non_null(strstr(buf, "nr == getppid (x86_64)"));
	assert_non_null(strstr(buf, "nr == getpid (i386)"));
	assert_non_null(strstr(buf, "args[0].hi"));
	assert_non_null(strstr(buf, "ret  ERRNO(1002)"));
	assert_non_null(strstr(buf, "ret  KILL_PROCESS"));
	free(buf);
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_decisions),
		cmocka_unit_test(test_compat_decisions),
		cmocka_unit_test(test_exception_decisions),
		cmocka_unit_test(test_profile_fixtures),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_aarch64_decisions),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_cache_eligible),
		cmocka_unit_test(test_insn_small_allowlist),
		cmocka_unit_test(test_insn_arg_check),
		cmocka_unit_test(test_expand_exact),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_on_arch),
		cmocka_unit_test(test_disasm),
		cmocka_unit_test(test_verify_catches_tampering),
	};

	have_ia32 = tl_have_ia32();
	if (!have_ia32)
		printf("# note: int 0x80 is unavailable here (no IA32 emulation): i386 rows run in the interpreter only\n");
	return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
