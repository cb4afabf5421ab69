// SPDX-License-Identifier: MIT
/*
 * test_shipped.c - the shipped profiles load cleanly, and the default
 * profile's syscall policy, compiled by the seccomp backend and loaded
 * into the real kernel, runs ordinary programs (sh, coreutils, python3)
 * while refusing what the profile refuses.
 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc.h"

static const char *const shipped[] = { "default", "strict", "net-client", "build", "adaptive" };

static void test_load_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		struct cp_policy *p = NULL;
		struct cp_diag d;
		int rc;

		cp_diag_init(&d, NULL);
		rc = cp_profile_load(shipped[i], NULL, &d, &p);
		if (rc || d.warnings) {
			print_error("%s: rc=%d\n%s\n", shipped[i], rc, d.buf ? d.buf : "");
			fail();
		}
		assert_true(p->seccomp.present);
		assert_true(p->ns.present);
		assert_true(p->caps_present);
		assert_int_equal(p->caps, 0);
		assert_int_equal(p->seccomp.bad_arch_action.kind, CP_ACT_KILL_PROCESS);
		cp_policy_free(p);
		cp_diag_fini(&d);
	}
}

/* valgrind does not emulate seccomp(2); libseccomp's probe fails under it */
static bool under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre && strstr(pre, "vgpreload");
}

static struct cp_bpf_prog build(const char *profile)
{
	struct cp_policy *p = NULL;
	struct cp_bpf_prog prog = { 0 };
	struct cp_diag d;

	if (under_valgrind()) {
		print_message("skipped: valgrind cannot run seccomp(2)\n");
		skip();
	}
	cp_diag_init(&d, stderr);
	assert_int_equal(cp_profile_load(profile, NULL, &d, &p), 0);
	assert_int_equal(cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog), 0);
	assert_non_null(prog.insns);
	cp_policy_free(p);
	cp_diag_fini(&d);
	return prog;
}

static void install(const struct cp_bpf_prog *prog)
{
	struct sock_fprog fp = { .len = (unsigned short)prog->len, .filter = prog->insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp)) {
		perror("seccomp");
		_exit(120);
	}
}

/* Run argv under the filter; returns the wait status. */
static int run_under(const struct cp_bpf_prog *prog, char *const argv[])
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		install(prog);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_default_runs_programs(void **state)
{
	char *const progs[][6] = {
		{ "/bin/true", NULL },
		{ "/bin/sh", "-c", "echo hi | cat; ls / >/dev/null; date; id -u", NULL },
		{ "/usr/bin/env", "LC_ALL=C", "sort", "/etc/passwd", NULL },
		{ "/usr/bin/python3", "-c", "import json, os, subprocess, threading, tempfile; "
		  "subprocess.run(['/bin/true'], check=True); print(json.dumps(os.listdir('/')))", NULL },
	};
	struct cp_bpf_prog prog = build("default");

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int st;

		if (access(progs[i][0], X_OK)) {
			print_message("note: %s not installed, not run\n", progs[i][0]);
			continue;
		}
		st = run_under(&prog, progs[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			print_error("%s under the default profile: status 0x%x\n", progs[i][0], st);
			fail();
		}
	}
	cp_bpf_prog_free(&prog);
}

/* Every shipped profile's filter runs a shell; build's runs the compiler
 * (which forks, execs, pipes and maps executable code). */
static void test_every_profile_runs(void **state)
{
	char *const sh[] = { "/bin/sh", "-c", "true; echo x | cat >/dev/null", NULL };
	char *const cc[] = { "/bin/sh", "-c",
		"printf 'int main(void){return 0;}' | cc -x c -o /dev/null - && cc --version >/dev/null", NULL };

	(void)state;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		struct cp_bpf_prog prog = build(shipped[i]);
		int st = run_under(&prog, sh);

		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			print_error("/bin/sh under %s: status 0x%x\n", shipped[i], st);
			fail();
		}
		if (!strcmp(shipped[i], "build") && !access("/usr/bin/cc", X_OK)) {
			st = run_under(&prog, cc);
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				print_error("cc under build: status 0x%x\n", st);
				fail();
			}
		}
		cp_bpf_prog_free(&prog);
	}
}

/* What the default profile refuses, and how (decision table). */
struct refusal {
	const char *what;
	long nr;
	long a0, a1, a2;
	int want_errno;
};

static void test_default_refuses(void **state)
{
	const struct refusal t[] = {
		{ "unshare(CLONE_NEWUSER)", SYS_unshare, CLONE_NEWUSER, 0, 0, EPERM },
		{ "clone(CLONE_NEWUSER)", SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, EPERM },
		{ "clone3", SYS_clone3, 0, 0, 0, ENOSYS },
		{ "socket(AF_PACKET)", SYS_socket, AF_PACKET, SOCK_RAW, 0, EAFNOSUPPORT },
		{ "ioctl(TIOCSTI)", SYS_ioctl, 0, TIOCSTI, 0, EPERM },
		{ "mount", SYS_mount, 0, 0, 0, EPERM },
		{ "ptrace", SYS_ptrace, 0, 0, 0, EPERM },
		{ "io_uring_setup", SYS_io_uring_setup, 1, 0, 0, EPERM },
		{ "bpf", SYS_bpf, 0, 0, 0, EPERM },
		/* allowed ones fail harmlessly with the kernel's own errno */
		{ "socket(AF_UNIX) allowed", SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0 },
		{ "ioctl(TCGETS) allowed", SYS_ioctl, -1, 0x5401, 0, EBADF },
		{ "getppid allowed", SYS_getppid, 0, 0, 0, 0 },
	};
	struct cp_bpf_prog prog = build("default");

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int st;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			long r;

			install(&prog);
			r = syscall(t[i].nr, t[i].a0, t[i].a1, t[i].a2, 0, 0, 0);
			_exit(r < 0 ? errno : 0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != t[i].want_errno) {
			print_error("%s: want errno %d, got status 0x%x\n", t[i].what, t[i].want_errno, st);
			fail();
		}
	}
	cp_bpf_prog_free(&prog);
}

/* Does this kernel take i386 system calls (int 0x80) at all?  Without
 * IA32 emulation (CONFIG_IA32_EMULATION off, or ia32_emulation=0) the
 * instruction faults with SIGSEGV before seccomp sees a call. */
static bool kernel_has_ia32(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		long r = 20;   /* i386 getpid */

		signal(SIGSEGV, SIG_DFL);   /* cmocka's handler would report it */
		__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
		_exit(r > 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* i386 entry (int 0x80) is not a listed arch: the process is killed. */
static void test_default_kills_i386(void **state)
{
	struct cp_bpf_prog prog;
	int st;
	pid_t pid;

	(void)state;
	if (!kernel_has_ia32()) {
		printf("# skip: this kernel has no IA32 emulation (int 0x80 faults without a "
		       "filter), so no i386 call can reach seccomp; tests/seccomp checks the "
		       "i386 rows in its BPF interpreter\n");
		skip();
	}
	prog = build("default");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long r = 20;   /* i386 getpid */

		install(&prog);
		__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	cp_bpf_prog_free(&prog);
}

/* strict refuses writable+executable memory, and inet sockets. */
static void test_strict_refuses(void **state)
{
	struct cp_bpf_prog prog = build("strict");
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		install(&prog);
		if (mprotect(m, 4096, PROT_READ | PROT_EXEC))
			_exit(10);
		if (!mprotect(m, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) || errno != EACCES)
			_exit(11);
		if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EAFNOSUPPORT)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	cp_bpf_prog_free(&prog);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_load_clean),
		cmocka_unit_test(test_default_runs_programs),
		cmocka_unit_test(test_default_refuses),
		cmocka_unit_test(test_every_profile_runs),
		cmocka_unit_test(test_default_kills_i386),
		cmocka_unit_test(test_strict_refuses),
	};

	return cmocka_run_group_tests_name("shipped-profiles", t, NULL, NULL);
}
