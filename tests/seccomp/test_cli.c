/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c - compart-compile as a user runs it: exit codes (0, 2, 125),
 * messages that point at the source, no output file left behind on error,
 * and outputs that mean what they say (the raw bpf file is exactly the
 * program and loads with seccomp(2); oci-json and --import-oci round-trip).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <cmocka.h>

#include "compart.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/compart-cli-XXXXXX";
static char compiler[4096];

struct result {
	int status;
	char *out, *err;
	size_t outlen, errlen;
};

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static char *slurp_fd(int fd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t k;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		k = read(fd, buf + n, cap - n - 1);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Run compart-compile with a NULL-terminated argument list. */
static void run(struct result *r, ...)
{
	const char *argv[32] = { compiler };
	int po[2], pe[2], st;
	size_t n = 1;
	va_list ap;
	pid_t pid;

	va_start(ap, r);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(compiler, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* stderr is small; read stdout first, then stderr */
	r->out = slurp_fd(po[0], &r->outlen);
	r->err = slurp_fd(pe[0], &r->errlen);
	close(po[0]);
	close(pe[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
}

static const char *tmp(const char *name)
{
	static char path[8][4096];
	static int k;
	char *p = path[k++ % 8];

	snprintf(p, 4096, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *fixture(const char *name)
{
	static char path[4][4096];
	static int k;
	char *p = path[k++ % 4];

	snprintf(p, 4096, "%s/tests/seccomp/fixtures/%s", TL_TOP, name);
	return p;
}

static void test_usage_errors(void **state)
{
	struct result r;
	const char *docker = "/nonexistent.json";

	(void)state;
#define USAGE(...) do {                                                          \
		run(&r, __VA_ARGS__, NULL);                                      \
		if (r.status != 2 || !strstr(r.err, "usage: compart-compile"))   \
			fail_msg("want exit 2 and usage, got %d: %s", r.status, r.err); \
		assert_int_equal(r.outlen, 0);                                   \
		result_free(&r);                                                 \
	} while (0)
	run(&r, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no PROFILE given"));
	result_free(&r);
	USAGE("--bogus");
	USAGE("default", "--emit", "elf");
	USAGE("default", "--emit");
	USAGE("default", "--arch", "sparc");
	USAGE("default", "-D", "=x");
	USAGE("default", "-D", "novalue");
	USAGE("default", "--caps", "CAP_BPF");
	USAGE("a.profile", "b.profile");
	USAGE("--import-oci", docker, "--caps", "CAP_FLY");
	USAGE("--import-oci", docker, "--kernel", "six");
	USAGE("--import-oci", docker, "--emit", "bpf");
#undef USAGE
	/* --help is not an error */
	run(&r, "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--import-oci"));
	result_free(&r);
}

static void test_bad_input(void **state)
{
	struct result r;
	struct stat st;
	char buf[16] = { 0 };
	FILE *f;

	(void)state;
	write_file(tmp("bad.profile"), "syscalls {\n\tdefault errno(EPERM)\n\tallow nosuchcall\n}\n");
	run(&r, tmp("bad.profile"), "--emit", "bpf", "-o", tmp("out.bpf"), NULL);
	assert_int_equal(r.status, 125);
	if (!strstr(r.err, "bad.profile:3:8: error:") || !strstr(r.err, "allow nosuchcall") ||
	    !strstr(r.err, "^"))
		fail_msg("want file:line:col, the line and a caret: %s", r.err);
	assert_int_equal(r.outlen, 0);
	assert_int_equal(stat(tmp("out.bpf"), &st), -1);   /* no file left behind */
	result_free(&r);

	/* an existing output file is left untouched */
	write_file(tmp("keep.bpf"), "keep");
	run(&r, tmp("bad.profile"), "--emit", "asm", "-o", tmp("keep.bpf"), NULL);
	assert_int_equal(r.status, 125);
	f = fopen(tmp("keep.bpf"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "keep");
	result_free(&r);

	run(&r, "/nonexistent/dir/x.profile", "--emit", "bpf", NULL);
	assert_int_equal(r.status, 125);
	assert_non_null(strstr(r.err, "x.profile"));
	result_free(&r);

	write_file(tmp("bad.json"), "{\"defaultAction\":\n  \"SCMP_ACT_NOPE\"}\n");
	run(&r, "--import-oci", tmp("bad.json"), "-o", tmp("bad-out.profile"), NULL);
	assert_int_equal(r.status, 125);
	if (!strstr(r.err, "bad.json:2:3: error: unknown action 'SCMP_ACT_NOPE'") || !strstr(r.err, "^~"))
		fail_msg("want a located JSON error: %s", r.err);
	assert_int_equal(stat(tmp("bad-out.profile"), &st), -1);
	result_free(&r);

	write_file(tmp("broken.json"), "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [,]}\n");
	run(&r, "--import-oci", tmp("broken.json"), NULL);
	assert_int_equal(r.status, 125);
	if (!strstr(r.err, "broken.json:2:15: error: JSON:"))
		fail_msg("want json-c's offset as line:col: %s", r.err);
	result_free(&r);

	run(&r, "--import-oci", "/nonexistent.json", NULL);
	assert_int_equal(r.status, 125);
	result_free(&r);
}

static size_t asm_count(const char *text)
{
	const char *p = strstr(text, "seccomp filter: ");

	assert_non_null(p);
	return strtoul(p + strlen("seccomp filter: "), NULL, 10);
}

/* --emit bpf is exactly the program: 8 bytes per instruction, loadable. */
static void test_emit_bpf(void **state)
{
	struct result r, a;
	struct cp_bpf_prog prog;
	struct tl_live l;
	uint64_t args[6] = { 0 };
	uint32_t aa;
	int nr;
	char *data;
	size_t len;
	int fd;

	(void)state;
	run(&r, fixture("actions.profile"), "--emit", "bpf", "-o", tmp("a.bpf"), NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.outlen, 0);
	result_free(&r);
	run(&a, fixture("actions.profile"), "--emit", "asm", NULL);
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.out, "arch == x86_64"));
	fd = open(tmp("a.bpf"), O_RDONLY);
	assert_true(fd >= 0);
	data = slurp_fd(fd, &len);
	close(fd);
	assert_int_equal(len, 8 * asm_count(a.out));
	result_free(&a);

	/* stdout carries the same bytes */
	run(&r, fixture("actions.profile"), "--emit", "bpf", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.outlen, len);
	assert_memory_equal(r.out, data, len);
	result_free(&r);

	prog.insns = (struct sock_filter *)data;
	prog.len = len / 8;
	prog.flags = 0;
	assert_true(tl_resolve(CP_ARCH_X86_64, "getpid", &aa, &nr));
	assert_int_equal(tl_eval(&prog, aa, nr, args, NULL), SECCOMP_RET_ERRNO | 1002);
	assert_int_equal(tl_run_live(&prog, CP_ARCH_X86_64, nr, args, &l), 0);
	assert_int_equal(l.kind, TL_LIVE_RETURNED);
	assert_int_equal(l.err, 1002);
	assert_true(tl_resolve(CP_ARCH_X86_64, "getppid", &aa, &nr));
	assert_int_equal(tl_run_live(&prog, CP_ARCH_X86_64, nr, args, &l), 0);
	assert_int_equal(l.kind, TL_LIVE_RETURNED);
	assert_true(l.ret > 0);
	free(data);

	/* aarch64 filters compile too, and are for aarch64 */
	run(&r, fixture("actions.profile"), "--emit", "bpf", "--arch", "aarch64", NULL);
	assert_int_equal(r.status, 0);
	assert_true(r.outlen > 0 && r.outlen % 8 == 0);
	prog.insns = (struct sock_filter *)r.out;
	prog.len = r.outlen / 8;
	assert_true(tl_resolve(CP_ARCH_AARCH64, "getpid", &aa, &nr));
	assert_int_equal(tl_eval(&prog, aa, nr, args, NULL), SECCOMP_RET_ERRNO | 1002);
	assert_true(tl_resolve(CP_ARCH_X86_64, "getpid", &aa, &nr));
	assert_int_equal(tl_eval(&prog, aa, nr, args, NULL), 0x80000000u);
	result_free(&r);

	run(&r, fixture("actions.profile"), "-D", "FOO=bar", NULL);
	assert_int_equal(r.status, 0);
	assert_true(r.outlen > 0);   /* the summary */
	result_free(&r);
}

static void compare_progs(const struct cp_bpf_prog *a, const struct cp_bpf_prog *b,
			  enum cp_arch abi, int maxnr)
{
	static const uint64_t vals[] = { 0, 1, 2, 3, 5, 7, 10, 38, 39, 40, 41, 0x400, 0x4ff,
					 0x10000000, 0x7e020000, 0xffffffff, 0x100000005ull, UINT64_MAX };
	uint32_t aa = abi == CP_ARCH_I386 ? AUDIT_ARCH_I386 :
		      abi == CP_ARCH_AARCH64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;
	size_t nv = sizeof(vals) / sizeof(vals[0]);

	for (int nr = 0; nr < maxnr; nr++)
		for (size_t i = 0; i < nv; i++)
			for (size_t j = 0; j < nv; j += 3) {
				uint64_t args[6] = { vals[i], vals[j], vals[(i + j) % nv], 0, 0, 0 };
				uint32_t x = tl_eval(a, aa, nr, args, NULL), y = tl_eval(b, aa, nr, args, NULL);

				if (x != y)
					fail_msg("nr %d args %#llx %#llx: %#x vs %#x", nr,
						 (unsigned long long)args[0], (unsigned long long)args[1], x, y);
			}
}

/* profile -> oci-json -> import: same decisions */
static void test_emit_oci_json(void **state)
{
	struct result r, b;
	struct cp_policy *p = NULL;
	struct cp_bpf_prog x, y;
	struct cp_diag d;

	(void)state;
	run(&r, fixture("exceptions.profile"), "--emit", "oci-json", NULL);
	assert_int_equal(r.status, 0);
	run(&b, fixture("exceptions.profile"), "--emit", "bpf", NULL);
	assert_int_equal(b.status, 0);
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_import_oci_buf("cli.json", r.out, r.outlen, NULL, &d, &p), 0);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &y), 0);
	x.insns = (struct sock_filter *)b.out;
	x.len = b.outlen / 8;
	compare_progs(&x, &y, CP_ARCH_X86_64, 450);
	compare_progs(&x, &y, CP_ARCH_I386, 450);
	cp_bpf_prog_free(&y);
	cp_policy_free(p);
	cp_diag_fini(&d);
	result_free(&r);
	result_free(&b);
}

/* --import-oci writes a profile that compiles to the same decisions */
static void test_import_oci(void **state)
{
	const char *docker = tl_docker_profile();
	struct cp_import_opts o = { .kernel_major = 6, .kernel_minor = 1 };
	struct cp_policy *p = NULL;
	struct cp_bpf_prog x, y;
	struct result r;
	struct cp_diag d;

	(void)state;
	if (!docker)
		skip();
	run(&r, "--import-oci", docker, "--kernel", "6.1", "-o", tmp("docker.profile"), NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "note:"));   /* names this libseccomp lacks */
	result_free(&r);
	run(&r, tmp("docker.profile"), "--emit", "bpf", NULL);
	if (r.status != 0)
		fail_msg("the imported profile does not compile: %s", r.err);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_import_oci(docker, &o, &d, &p), 0);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &y), 0);
	x.insns = (struct sock_filter *)r.out;
	x.len = r.outlen / 8;
	compare_progs(&x, &y, CP_ARCH_X86_64, 460);
	compare_progs(&x, &y, CP_ARCH_I386, 460);
	cp_bpf_prog_free(&y);
	cp_policy_free(p);
	cp_diag_fini(&d);
	result_free(&r);

	/* --caps selects Docker's capability-gated rules */
	run(&r, "--import-oci", docker, "--kernel", "6.1", "--caps", "CAP_BPF,cap_sys_admin", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "allow bpf"));
	result_free(&r);
}

static int setup(void **state)
{
	const char *b = getenv("BUILD");

	(void)state;
	snprintf(compiler, sizeof(compiler), "%s/compart-compile", b && *b ? b : TL_BUILD);
	if (access(compiler, X_OK) != 0) {
		fprintf(stderr, "compart-compile not built at %s\n", compiler);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	/* only our own mkdtemp directory */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_emit_bpf),
		cmocka_unit_test(test_emit_oci_json),
		cmocka_unit_test(test_import_oci),
	};

	return cmocka_run_group_tests_name("compart-compile", tests, setup, teardown);
}
