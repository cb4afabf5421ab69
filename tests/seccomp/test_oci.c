/* SPDX-License-Identifier: MIT */
/*
 * test_oci.c - OCI / Docker seccomp JSON import and export.
 *
 * Docker's default profile (read from the shared data directory, never
 * copied into the repository) is imported, compiled and checked row by
 * row, live and in the interpreter; then import -> export -> import must
 * not change a single decision over a large generated set of
 * (arch, syscall, args) vectors, compared with the interpreter.
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
#define RET_ALLOW SECCOMP_RET_ALLOW

#define CAPBIT(n) (1ull << (n))
#define CAP_SYS_ADMIN_N 21
#define CAP_BPF_N 39
#define CAP_SYS_PTRACE_N 19

static struct cp_policy *import_buf(const char *json, const struct cp_import_opts *o,
				    struct cp_diag *d)
{
	struct cp_policy *p = NULL;

	cp_diag_init(d, NULL);
	if (cp_import_oci_buf("t.json", json, strlen(json), o, d, &p) != 0)
		return NULL;
	return p;
}

static struct cp_policy *import_docker(const struct cp_import_opts *o)
{
	const char *path = tl_docker_profile();
	struct cp_policy *p = NULL;
	struct cp_diag d;

	if (!path)
		return NULL;
	cp_diag_init(&d, NULL);
	if (cp_import_oci(path, o, &d, &p) != 0)
		fail_msg("import of %s failed: %s", path, d.buf ? d.buf : "");
	cp_diag_fini(&d);
	return p;
}

static void build(const struct cp_policy *p, enum cp_arch native, struct cp_bpf_prog *prog)
{
	struct cp_diag d;

	cp_diag_init(&d, NULL);
	if (cp_seccomp_build(p, native, &d, prog) != 0)
		fail_msg("build failed: %s", d.buf ? d.buf : "");
	cp_diag_fini(&d);
}

/* ---- Docker's default profile, row by row ---- */

struct drow {
	enum cp_arch arch;
	const char *sys;
	uint64_t args[6];
	uint32_t expect;
	bool live;
};

static const struct drow docker_rows[] = {
	{ CP_ARCH_X86_64, "getppid", { 0 }, RET_ALLOW, true },
	{ CP_ARCH_X86_64, "socket", { AF_INET, SOCK_DGRAM }, RET_ALLOW, true },
	{ CP_ARCH_X86_64, "socket", { 37, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { 38, SOCK_DGRAM }, RET_ERRNO(1), true },
	{ CP_ARCH_X86_64, "socket", { 39, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "socket", { 40, SOCK_DGRAM }, RET_ERRNO(1), true },
	{ CP_ARCH_X86_64, "socket", { 41, SOCK_DGRAM }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "personality", { 0xffffffffull }, RET_ALLOW, true },
	{ CP_ARCH_X86_64, "personality", { 1 }, RET_ERRNO(1), true },
	/* clone: allowed unless a namespace flag is set */
	{ CP_ARCH_X86_64, "clone", { 0x800 }, RET_ALLOW, true },
	{ CP_ARCH_X86_64, "clone", { 0x10000000 }, RET_ERRNO(1), true },
	{ CP_ARCH_X86_64, "clone3", { 0, 0 }, RET_ERRNO(38), true },
	/* bad magic: if the filter wrongly allowed it, the kernel says EINVAL */
	{ CP_ARCH_X86_64, "reboot", { 1, 2, 3 }, RET_ERRNO(1), true },
	{ CP_ARCH_X86_64, "bpf", { 0, 0, 0 }, RET_ERRNO(1), true },
	{ CP_ARCH_X86_64, "ptrace", { 999, 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "arch_prctl", { 0x1001, 0 }, RET_ALLOW, false },
	{ CP_ARCH_X86_64, "unshare", { 0 }, RET_ERRNO(1), true },
	{ CP_ARCH_I386, "getppid", { 0 }, RET_ALLOW, true },
	{ CP_ARCH_I386, "socketcall", { 1, 0 }, RET_ALLOW, false },
	{ CP_ARCH_I386, "reboot", { 1, 2, 3 }, RET_ERRNO(1), true },
	{ CP_ARCH_X32, "getppid", { 0 }, RET_ALLOW, false },
	{ CP_ARCH_X32, "bpf", { 0 }, RET_ERRNO(1), false },
};

static void test_docker_rows(void **state)
{
	struct cp_import_opts o = { .kernel_major = 6, .kernel_minor = 1 };
	struct cp_policy *p = import_docker(&o);
	struct cp_bpf_prog prog;
	bool ia32 = tl_have_ia32();

	(void)state;
	if (!p)
		skip();
	build(p, CP_ARCH_X86_64, &prog);
	printf("# Docker default: %zu rules, filter of %zu instructions\n", p->seccomp.nrules, prog.len);
	for (size_t i = 0; i < sizeof(docker_rows) / sizeof(docker_rows[0]); i++) {
		const struct drow *r = &docker_rows[i];
		uint32_t aa, got;
		int nr;
		struct tl_live l;
		char a[32], b[32];

		assert_true(tl_resolve(r->arch, r->sys, &aa, &nr));
		got = tl_eval(&prog, aa, nr, r->args, NULL);
		if (got != r->expect)
			fail_msg("%s(%#llx) on %s: want %s, got %s", r->sys, (unsigned long long)r->args[0],
				 cp_arch_name(r->arch), tl_ret_name(r->expect, a, sizeof(a)),
				 tl_ret_name(got, b, sizeof(b)));
		if (!r->live || (r->arch == CP_ARCH_I386 && !ia32))
			continue;
		assert_int_equal(tl_run_live(&prog, r->arch, nr, r->args, &l), 0);
		if (l.kind != TL_LIVE_RETURNED)
			fail_msg("%s live: not returned (kind %d)", r->sys, l.kind);
		if (r->expect == RET_ALLOW) {
			if (l.ret == -1 && l.err == EPERM)
				fail_msg("%s live: EPERM but Docker allows it", r->sys);
		} else if (l.ret != -1 || l.err != (int)(r->expect & 0xffff)) {
			fail_msg("%s live: want errno %u, got ret %ld errno %d", r->sys,
				 r->expect & 0xffff, l.ret, l.err);
		}
	}
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
}

/* includes/excludes: caps, kernel version */
static void test_docker_caps_kernel(void **state)
{
	struct {
		uint64_t caps;
		uint32_t kmaj, kmin;
		const char *sys;
		uint64_t a0;
		uint32_t expect;
	} rows[] = {
		{ 0, 6, 1, "bpf", 0, RET_ERRNO(1) },
		{ CAPBIT(CAP_BPF_N), 6, 1, "bpf", 0, RET_ALLOW },
		{ 0, 6, 1, "clone", 0x10000000, RET_ERRNO(1) },
		{ CAPBIT(CAP_SYS_ADMIN_N), 6, 1, "clone", 0x10000000, RET_ALLOW },
		/* clone3's ENOSYS rule is excluded with CAP_SYS_ADMIN, which allows it */
		{ 0, 6, 1, "clone3", 0, RET_ERRNO(38) },
		{ CAPBIT(CAP_SYS_ADMIN_N), 6, 1, "clone3", 0, RET_ALLOW },
		/* ptrace needs kernel >= 4.8 or CAP_SYS_PTRACE */
		{ 0, 4, 7, "ptrace", 0, RET_ERRNO(1) },
		{ 0, 4, 8, "ptrace", 0, RET_ALLOW },
		{ CAPBIT(CAP_SYS_PTRACE_N), 4, 7, "ptrace", 0, RET_ALLOW },
	};

	(void)state;
	if (!tl_docker_profile())
		skip();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cp_import_opts o = { .caps = rows[i].caps, .kernel_major = rows[i].kmaj,
					    .kernel_minor = rows[i].kmin };
		struct cp_policy *p = import_docker(&o);
		struct cp_bpf_prog prog;
		uint64_t args[6] = { rows[i].a0 };
		uint32_t aa, got;
		int nr;

		build(p, CP_ARCH_X86_64, &prog);
		assert_true(tl_resolve(CP_ARCH_X86_64, rows[i].sys, &aa, &nr));
		got = tl_eval(&prog, aa, nr, args, NULL);
		if (got != rows[i].expect)
			fail_msg("row %zu (%s, caps %#llx, kernel %u.%u): want %#x got %#x", i, rows[i].sys,
				 (unsigned long long)rows[i].caps, rows[i].kmaj, rows[i].kmin,
				 rows[i].expect, got);
		cp_bpf_prog_free(&prog);
		cp_policy_free(p);
	}
}

/* ---- round trip: import -> export -> import keeps every decision ---- */

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Values worth probing for one policy: every constant in a condition,
 * its neighbours, and extremes. */
static size_t interesting(const struct cp_policy *p, uint64_t *v, size_t max)
{
	size_t n = 0;
	static const uint64_t base[] = { 0, 1, 2, UINT32_MAX, 0x100000000ull, UINT64_MAX };

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]) && n < max; i++)
		v[n++] = base[i];
	for (size_t i = 0; i < p->seccomp.nrules; i++)
		for (size_t j = 0; j < p->seccomp.rules[i].nconds && n + 6 < max; j++) {
			const struct cp_arg_cond *c = &p->seccomp.rules[i].conds[j];

			v[n++] = c->value;
			v[n++] = c->value + 1;
			v[n++] = c->value - 1;
			v[n++] = c->mask;
			v[n++] = c->value | ~c->mask;
			v[n++] = c->value | (c->mask & (c->mask - 1));
		}
	return n;
}

static unsigned long compare_filters(const struct cp_bpf_prog *a, const struct cp_bpf_prog *b,
				     const struct cp_policy *p, enum cp_arch native)
{
	static const enum cp_arch x86[] = { CP_ARCH_X86_64, CP_ARCH_I386, CP_ARCH_X32 };
	static const enum cp_arch arm[] = { CP_ARCH_AARCH64, CP_ARCH_X86_64 };
	const enum cp_arch *abis = native == CP_ARCH_X86_64 ? x86 : arm;
	size_t nabi = native == CP_ARCH_X86_64 ? 3 : 2;
	uint64_t vals[4096], seed = 0x1234567887654321ull;
	size_t nv = interesting(p, vals, 4096);
	unsigned long n = 0;

	for (size_t ai = 0; ai < nabi; ai++) {
		uint32_t aa = abis[ai] == CP_ARCH_I386 ? AUDIT_ARCH_I386 :
			      abis[ai] == CP_ARCH_AARCH64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;

		for (int k = 0; k < 520; k++) {
			int nr = abis[ai] == CP_ARCH_X32 ? (int)(0x40000000u | (unsigned)k) : k;

			for (int t = 0; t < 64; t++) {
				uint64_t args[6];
				uint32_t ra, rb;

				for (int j = 0; j < 6; j++)
					args[j] = t < 32 ? vals[xs(&seed) % nv] : xs(&seed);
				ra = tl_eval(a, aa, nr, args, NULL);
				rb = tl_eval(b, aa, nr, args, NULL);
				if (ra != rb)
					fail_msg("round trip changed nr %d on %s (args %#llx %#llx): %#x -> %#x",
						 nr, cp_arch_name(abis[ai]), (unsigned long long)args[0],
						 (unsigned long long)args[1], ra, rb);
				n++;
			}
		}
	}
	return n;
}

static void roundtrip(const struct cp_import_opts *o, enum cp_arch native)
{
	struct cp_policy *p = import_docker(o), *q = NULL;
	struct cp_bpf_prog a, b;
	struct cp_diag d;
	char *json = NULL;
	size_t len = 0;
	FILE *f;
	unsigned long n;

	if (!p)
		skip();
	f = open_memstream(&json, &len);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_emit_oci_json(p, &d, f), 0);
	fclose(f);
	assert_int_equal(cp_import_oci_buf("exported.json", json, len, o, &d, &q), 0);
	cp_diag_fini(&d);
	assert_int_equal(p->seccomp.arches, q->seccomp.arches);
	build(p, native, &a);
	build(q, native, &b);
	n = compare_filters(&a, &b, p, native);
	printf("# round trip (%s, caps %#llx): %lu decision vectors identical, %zu -> %zu insns\n",
	       cp_arch_name(native), (unsigned long long)o->caps, n, a.len, b.len);
	assert_true(n > 50000);
	cp_bpf_prog_free(&a);
	cp_bpf_prog_free(&b);
	free(json);
	cp_policy_free(p);
	cp_policy_free(q);
}

static void test_docker_roundtrip(void **state)
{
	struct cp_import_opts none = { .kernel_major = 6, .kernel_minor = 1 };
	struct cp_import_opts all = { .caps = ~0ull, .kernel_major = 6, .kernel_minor = 1 };
	struct cp_import_opts arm = { .kernel_major = 6, .kernel_minor = 1, .native = CP_ARCH_AARCH64 };

	(void)state;
	roundtrip(&none, CP_ARCH_X86_64);
	roundtrip(&all, CP_ARCH_X86_64);
	roundtrip(&arm, CP_ARCH_AARCH64);
}

/* The exporter's own expansion of IN / NOT_IN / ranges also round-trips. */
static void test_export_conditions_roundtrip(void **state)
{
	struct cp_policy *p = tl_policy(CP_ACT_ERRNO, 1001, CP_ARCH_X86_64 | CP_ARCH_I386);
	struct cp_policy *q = NULL;
	static const uint64_t s[] = { 1, 2, 10 };
	struct cp_sys_rule *r;
	struct cp_bpf_prog a, b;
	struct cp_diag d;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	tl_cond_set(tl_rule(p, "socket", CP_ACT_ALLOW, 0), 0, CP_CMP_IN, 3, s);
	tl_cond_set(tl_rule(p, "dup", CP_ACT_ALLOW, 0), 0, CP_CMP_NOT_IN, 3, s);
	r = tl_rule(p, "dup2", CP_ACT_ERRNO, 1002);
	tl_cond(r, 0, CP_CMP_GT, 3, 0);
	tl_cond(r, 0, CP_CMP_LE, 1000, 0);
	tl_cond(r, 1, CP_CMP_MASKED_EQ, 0x10, 0xf0);
	tl_rule(p, "getppid", CP_ACT_ALLOW, 0)->action.audit = true;
	tl_rule(p, "getpid", CP_ACT_KILL_THREAD, 0);
	tl_rule(p, "gettid", CP_ACT_TRAP, 0);
	tl_rule(p, "getuid", CP_ACT_ERRNO, 1003)->action.audit = true;
	f = open_memstream(&json, &len);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_emit_oci_json(p, &d, f), 0);
	fclose(f);
	assert_non_null(strstr(json, "\"SECCOMP_FILTER_FLAG_LOG\""));
	assert_non_null(strstr(json, "\"SCMP_ACT_LOG\""));
	assert_non_null(strstr(json, "\"SCMP_ACT_KILL_THREAD\""));
	assert_non_null(strstr(json, "\"SCMP_CMP_MASKED_EQ\""));
	assert_int_equal(cp_import_oci_buf("e.json", json, len, NULL, &d, &q), 0);
	assert_true(q->seccomp.log_denials);
	build(p, CP_ARCH_X86_64, &a);
	build(q, CP_ARCH_X86_64, &b);
	assert_true(compare_filters(&a, &b, p, CP_ARCH_X86_64) > 50000);
	cp_bpf_prog_free(&a);
	cp_bpf_prog_free(&b);
	cp_diag_fini(&d);
	free(json);
	cp_policy_free(p);
	cp_policy_free(q);
}

/* ---- semantics of single constructs ---- */

static void test_import_ops_actions(void **state)
{
	static const struct { const char *op; enum cp_cmp_op want; } ops[] = {
		{ "SCMP_CMP_NE", CP_CMP_NE }, { "SCMP_CMP_LT", CP_CMP_LT }, { "SCMP_CMP_LE", CP_CMP_LE },
		{ "SCMP_CMP_EQ", CP_CMP_EQ }, { "SCMP_CMP_GE", CP_CMP_GE }, { "SCMP_CMP_GT", CP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", CP_CMP_MASKED_EQ },
	};
	static const struct { const char *act; enum cp_action_kind kind; int err; } acts[] = {
		{ "SCMP_ACT_ALLOW", CP_ACT_ALLOW, 0 }, { "SCMP_ACT_LOG", CP_ACT_LOG, 0 },
		{ "SCMP_ACT_KILL", CP_ACT_KILL_THREAD, 0 }, { "SCMP_ACT_KILL_THREAD", CP_ACT_KILL_THREAD, 0 },
		{ "SCMP_ACT_KILL_PROCESS", CP_ACT_KILL_PROCESS, 0 }, { "SCMP_ACT_TRAP", CP_ACT_TRAP, 0 },
		{ "SCMP_ACT_NOTIFY", CP_ACT_NOTIFY, 0 }, { "SCMP_ACT_ERRNO", CP_ACT_ERRNO, 77 },
		{ "SCMP_ACT_TRACE", CP_ACT_ERRNO, ENOSYS },
	};
	char buf[512];
	struct cp_diag d;
	struct cp_policy *p;

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
			 "[\"dup\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":"
			 "18446744073709551615,\"valueTwo\":48,\"op\":\"%s\"}]}]}", ops[i].op);
		p = import_buf(buf, NULL, &d);
		if (!p)
			fail_msg("%s: %s", ops[i].op, d.buf ? d.buf : "");
		assert_int_equal(p->seccomp.nrules, 1);
		assert_int_equal(p->seccomp.rules[0].nconds, 1);
		assert_int_equal(p->seccomp.rules[0].conds[0].op, ops[i].want);
		assert_int_equal(p->seccomp.rules[0].conds[0].arg, 2);
		if (ops[i].want == CP_CMP_MASKED_EQ) {
			assert_true(p->seccomp.rules[0].conds[0].mask == UINT64_MAX);
			assert_int_equal(p->seccomp.rules[0].conds[0].value, 48);
		} else {
			assert_true(p->seccomp.rules[0].conds[0].value == UINT64_MAX);
		}
		/* default errno without errnoRet is EPERM, as runc does */
		assert_int_equal(p->seccomp.default_action.errno_val, 1);
		cp_policy_free(p);
		cp_diag_fini(&d);
	}
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"defaultAction\":\"%s\",\"defaultErrnoRet\":77}", acts[i].act);
		p = import_buf(buf, NULL, &d);
		if (!p)
			fail_msg("%s: %s", acts[i].act, d.buf ? d.buf : "");
		assert_int_equal(p->seccomp.default_action.kind, acts[i].kind);
		assert_int_equal(p->seccomp.default_action.errno_val, acts[i].err);
		cp_policy_free(p);
		cp_diag_fini(&d);
	}
}

/* Docker's rule semantics: args on one rule AND, rules for one call OR. */
static void test_import_and_or(void **state)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1001,\n"
		" \"architectures\":[\"SCMP_ARCH_X86_64\"],\n"
		" \"syscalls\":[\n"
		"  {\"names\":[\"dup3\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[\n"
		"    {\"index\":0,\"value\":3,\"op\":\"SCMP_CMP_GE\"},\n"
		"    {\"index\":0,\"value\":9,\"op\":\"SCMP_CMP_LT\"},\n"
		"    {\"index\":2,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]},\n"
		"  {\"names\":[\"dup3\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[\n"
		"    {\"index\":0,\"value\":100,\"op\":\"SCMP_CMP_EQ\"}]},\n"
		"  {\"names\":[\"not_a_syscall_at_all\",\"getppid\"],\"action\":\"SCMP_ACT_ALLOW\"}\n"
		" ]}\n";
	static const struct { uint64_t a0, a2; uint32_t want; } rows[] = {
		{ 3, 0, RET_ALLOW }, { 8, 0, RET_ALLOW }, { 9, 0, RET_ERRNO(1001) },
		{ 2, 0, RET_ERRNO(1001) }, { 5, 1, RET_ERRNO(1001) }, { 100, 7, RET_ALLOW },
		{ 101, 0, RET_ERRNO(1001) },
	};
	struct cp_diag d;
	struct cp_policy *p;
	struct cp_bpf_prog prog;

	(void)state;
	p = import_buf(json, NULL, &d);
	if (!p)
		fail_msg("%s", d.buf ? d.buf : "");
	/* an unknown name is skipped with a note that points at it */
	assert_non_null(strstr(d.buf, "t.json:10:13: note: 'not_a_syscall_at_all'"));
	assert_int_equal(d.errors, 0);
	build(p, CP_ARCH_X86_64, &prog);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t args[6] = { rows[i].a0, 0, rows[i].a2 };
		uint32_t aa;
		int nr;

		assert_true(tl_resolve(CP_ARCH_X86_64, "dup3", &aa, &nr));
		assert_int_equal(tl_eval(&prog, aa, nr, args, NULL), rows[i].want);
	}
	/* architectures lists only x86_64: i386 is refused */
	{
		uint32_t aa;
		int nr;

		assert_true(tl_resolve(CP_ARCH_I386, "getppid", &aa, &nr));
		assert_int_equal(tl_eval(&prog, aa, nr, NULL, NULL), 0x80000000u);
	}
	cp_bpf_prog_free(&prog);
	cp_policy_free(p);
	cp_diag_fini(&d);
}

/* config.json is accepted too: linux.seccomp is used */
static void test_import_config_json(void **state)
{
	const char *json = "{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":{\"defaultAction\":"
			   "\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":[\"read\"],"
			   "\"action\":\"SCMP_ACT_ALLOW\"}]}}}";
	struct cp_diag d;
	struct cp_policy *p = import_buf(json, NULL, &d);

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->seccomp.default_action.kind, CP_ACT_KILL_PROCESS);
	assert_int_equal(p->seccomp.nrules, 1);
	assert_string_equal(p->seccomp.rules[0].name, "read");
	assert_string_equal(p->name, "t");
	cp_policy_free(p);
	cp_diag_fini(&d);
}

static void test_import_errors(void **state)
{
	static const struct { const char *json; const char *msg; } rows[] = {
		{ "{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
		  "t.json:1:19: error: unknown action 'SCMP_ACT_NOPE'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		  "t.json:2:20: error: unknown architecture 'SCMP_ARCH_VAX'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_SORTA\"}]}]}",
		  "t.json:2:71: error: unknown comparison 'SCMP_CMP_SORTA'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "t.json:2:50: error: argument index must be an integer in 0..5" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "t.json:2:62: error: value must be an unsigned 64-bit integer" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
		  "t.json:2:43: error: errnoRet must be an integer in 0..4095" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_FLY\"]}}]}",
		  "t.json:2:53: error: unknown capability 'CAP_FLY'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"pdp11\"]}}]}",
		  "t.json:2:55: error: unknown architecture 'pdp11'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"four\"}}]}",
		  "t.json:2:57: error: minKernel must be a version" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}",
		  "t.json:1:47: error: unknown seccomp flag 'SECCOMP_FILTER_FLAG_FAST'" },
		{ "{\"syscalls\": []}", "t.json:1:1: error: missing \"defaultAction\"" },
		{ "[1, 2]", "t.json:1:1: error: expected a JSON object" },
		/* syntax errors: json-c's offset */
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [}\n", "t.json:2:16: error: JSON:" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\"", "t.json:1:35: error: JSON: unexpected end of input" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\"} x", "t.json:1:37: error: JSON: unexpected character" },
		{ "", "t.json:1:1: error: JSON: unexpected end of input" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cp_diag d;
		struct cp_policy *p = import_buf(rows[i].json, NULL, &d);

		if (p)
			fail_msg("row %zu imported but should fail", i);
		if (!d.buf || !strstr(d.buf, rows[i].msg)) {
			fail_msg("row %zu: want '%s', got: %s", i, rows[i].msg, d.buf ? d.buf : "(nothing)");
		}
		/* the source line and a caret follow */
		assert_non_null(strchr(d.buf, '^'));
		cp_diag_fini(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_rows),
		cmocka_unit_test(test_docker_caps_kernel),
		cmocka_unit_test(test_docker_roundtrip),
		cmocka_unit_test(test_export_conditions_roundtrip),
		cmocka_unit_test(test_import_ops_actions),
		cmocka_unit_test(test_import_and_or),
		cmocka_unit_test(test_import_config_json),
		cmocka_unit_test(test_import_errors),
	};

	return cmocka_run_group_tests_name("oci", tests, NULL, NULL);
}
