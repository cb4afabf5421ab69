/* SPDX-License-Identifier: MIT */
/* testlib.c - see testlib.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "testlib.h"

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		perror("calloc");
		abort();
	}
	return p;
}

static const struct cp_loc test_loc = { "test.profile", 1, 1 };

struct cp_policy *tl_policy(enum cp_action_kind def, int err, uint32_t arches)
{
	struct cp_policy *p = xcalloc(1, sizeof(*p));

	p->name = strdup("test");
	p->seccomp.present = true;
	p->seccomp.default_action = (struct cp_action){ .kind = def, .errno_val = err, .loc = test_loc };
	p->seccomp.bad_arch_action = (struct cp_action){ .kind = CP_ACT_KILL_PROCESS, .loc = test_loc };
	p->seccomp.arches = arches;
	return p;
}

struct cp_sys_rule *tl_rule(struct cp_policy *p, const char *name,
			    enum cp_action_kind kind, int err)
{
	struct cp_seccomp *sc = &p->seccomp;
	struct cp_sys_rule *nr = realloc(sc->rules, (sc->nrules + 1) * sizeof(*nr));

	if (!nr)
		abort();
	sc->rules = nr;
	nr = &sc->rules[sc->nrules++];
	memset(nr, 0, sizeof(*nr));
	nr->name = strdup(name);
	nr->action = (struct cp_action){ .kind = kind, .errno_val = err, .loc = test_loc };
	nr->loc = test_loc;
	nr->loc.line = (uint32_t)p->seccomp.nrules;
	return nr;
}

void tl_cond(struct cp_sys_rule *r, unsigned arg, enum cp_cmp_op op,
	     uint64_t value, uint64_t mask)
{
	struct cp_arg_cond *c = realloc(r->conds, (r->nconds + 1) * sizeof(*c));

	if (!c)
		abort();
	r->conds = c;
	c = &r->conds[r->nconds++];
	memset(c, 0, sizeof(*c));
	c->arg = (uint8_t)arg;
	c->op = op;
	c->value = value;
	c->mask = mask;
	c->loc = r->loc;
}

void tl_cond_set(struct cp_sys_rule *r, unsigned arg, enum cp_cmp_op op,
		 size_t n, const uint64_t *vals)
{
	struct cp_arg_cond *c;

	tl_cond(r, arg, op, 0, 0);
	c = &r->conds[r->nconds - 1];
	c->set = xcalloc(n, sizeof(*c->set));
	memcpy(c->set, vals, n * sizeof(*vals));
	c->nset = n;
}

bool tl_resolve(enum cp_arch arch, const char *name, uint32_t *audit_arch, int *nr)
{
	uint32_t tok;

	switch (arch) {
	case CP_ARCH_X86_64:  tok = SCMP_ARCH_X86_64; *audit_arch = AUDIT_ARCH_X86_64; break;
	case CP_ARCH_X32:     tok = SCMP_ARCH_X32; *audit_arch = AUDIT_ARCH_X86_64; break;
	case CP_ARCH_I386:    tok = SCMP_ARCH_X86; *audit_arch = AUDIT_ARCH_I386; break;
	case CP_ARCH_AARCH64: tok = SCMP_ARCH_AARCH64; *audit_arch = AUDIT_ARCH_AARCH64; break;
	default: return false;
	}
	*nr = seccomp_syscall_resolve_name_arch(tok, name);
	return *nr >= 0;
}

uint32_t tl_eval(const struct cp_bpf_prog *prog, uint32_t audit_arch, int nr,
		 const uint64_t args[6], struct bpf_interp_trace *tr)
{
	struct seccomp_data d = { .nr = nr, .arch = audit_arch, .instruction_pointer = 0x401000 };
	uint32_t ret = 0xdeadbeef;

	if (args)
		memcpy(d.args, args, sizeof(d.args));
	if (bpf_interp_run(prog->insns, prog->len, &d, &ret, tr) != 0)
		return 0xdeadbeef;   /* never a valid seccomp return in our tests */
	return ret;
}

/*
 * Once the filter is loaded, the child must not run anything that makes
 * syscalls of its own: under ASan, _exit() runs the leak checker (mmap)
 * and error reports call gettid and sigaltstack, which the filter denies.
 * So the child uses the syscall instruction directly.
 */
static __attribute__((no_sanitize_address, no_sanitize_undefined))
long raw_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	return syscall(n, a1, a2, a3, a4, a5, a6) == -1 ? -errno : 0;
#endif
}

/* Deliberately not noreturn (nor an endless loop the compiler could
 * prove noreturn): ASan precedes calls to noreturn functions with
 * __asan_handle_no_return, which calls sigaltstack. */
#define NO_SAN __attribute__((no_sanitize_address, no_sanitize_undefined))

static NO_SAN void raw_exit(int code)
{
	raw_syscall6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

static NO_SAN void on_sigsys(int sig)
{
	(void)sig;
	raw_exit(200);
}

static long i386_syscall(int nr, const uint64_t a[6]);

/* Everything the child does once the filter is in place. */
static NO_SAN void child_after_filter(enum cp_arch arch, int nr, const uint64_t *args,
				      int wfd, long lfd, bool listener)
{
	long res[2], r;

	/* with a listener, tell the parent its number: it takes the fd
	 * with pidfd_getfd and answers the notification */
	res[0] = lfd;
	if (listener && raw_syscall6(SYS_write, wfd, (long)res, sizeof(res[0]), 0, 0, 0) != (long)sizeof(res[0])) {
		raw_exit(204);
		return;
	}
	r = arch == CP_ARCH_I386 ? i386_syscall(nr, args) :
	    raw_syscall6(nr, (long)args[0], (long)args[1], (long)args[2],
			 (long)args[3], (long)args[4], (long)args[5]);
	res[0] = r < 0 && r > -4096 ? -1 : r;
	res[1] = r < 0 && r > -4096 ? -r : 0;
	/* write(2) must be allowed by every filter the tests run live */
	raw_exit(raw_syscall6(SYS_write, wfd, (long)res, sizeof(res), 0, 0, 0) == (long)sizeof(res) ? 0 : 203);
}

static NO_SAN long i386_syscall(int nr, const uint64_t a[6])
{
#if defined(__x86_64__)
	long ret;

	/* int 0x80 takes 32-bit arguments in ebx, ecx, edx, esi, edi (and
	 * ebp, which the tests never need: rbp is the frame pointer) */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"((long)nr), "b"((long)(uint32_t)a[0]), "c"((long)(uint32_t)a[1]),
			   "d"((long)(uint32_t)a[2]), "S"((long)(uint32_t)a[3]),
			   "D"((long)(uint32_t)a[4])
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
#else
	(void)nr;
	(void)a;
	return -ENOSYS;
#endif
}

/* Answer the child's one notification with -TL_NOTIFY_ERRNO. */
static void supervise_one(pid_t pid, int child_fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), fd;

	if (pidfd < 0)
		return;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	close(pidfd);
	if (fd < 0)
		return;
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -TL_NOTIFY_ERRNO;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	close(fd);
}

int tl_run_live(const struct cp_bpf_prog *prog, enum cp_arch arch, int nr,
		const uint64_t args[6], struct tl_live *out)
{
	int pfd[2], status;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0) {
		struct sock_fprog fp = { .len = (unsigned short)prog->len, .filter = prog->insns };
		long lfd;

		close(pfd[0]);
		signal(SIGSYS, on_sigsys);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(201);
		lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC |
			      (prog->flags & (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_NEW_LISTENER |
					      SECCOMP_FILTER_FLAG_TSYNC_ESRCH)), &fp);
		if (lfd < 0)
			_exit(202);
		child_after_filter(arch, nr, args, pfd[1], lfd,
				   prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
		return -EIO;   /* not reached: exit_group does not return */
	}
	close(pfd[1]);
	long res[2] = { 0, 0 }, lfd = -1;
	ssize_t got;

	if ((prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
	    read(pfd[0], &lfd, sizeof(lfd)) == (ssize_t)sizeof(lfd))
		supervise_one(pid, (int)lfd);
	got = read(pfd[0], res, sizeof(res));

	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	if (WIFSIGNALED(status)) {
		out->kind = TL_LIVE_KILLED;
		out->sig = WTERMSIG(status);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 200) {
		out->kind = TL_LIVE_TRAPPED;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == (ssize_t)sizeof(res)) {
		out->kind = TL_LIVE_RETURNED;
		out->ret = res[0];
		out->err = (int)res[1];
	} else {
		out->kind = TL_LIVE_ERROR;
		out->err = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

bool tl_have_ia32(void)
{
	static const uint64_t none[6];
	struct cp_bpf_prog allow = { 0 };
	struct sock_filter ret_allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct tl_live l;

	allow.insns = &ret_allow;
	allow.len = 1;
	/* getpid is 20 on i386; without IA32 emulation int 0x80 faults */
	if (tl_run_live(&allow, CP_ARCH_I386, 20, none, &l) != 0)
		return false;
	return l.kind == TL_LIVE_RETURNED && l.ret > 0;
}

const char *tl_docker_profile(void)
{
	static char path[4096];
	const char *top = getenv("TOP");

	if (!top || !*top)
		top = TL_TOP;
	snprintf(path, sizeof(path), "%s/../shared/data/docker-default.json", top);
	if (access(path, R_OK) != 0) {
		printf("# skip: Docker's default profile not found at %s (the shared data dir "
		       "../shared relative to the repo top is absent)\n", path);
		return NULL;
	}
	return path;
}

const char *tl_ret_name(uint32_t ret, char *buf, size_t len)
{
	switch (ret & 0xffff0000u) {
	case SECCOMP_RET_KILL_PROCESS: snprintf(buf, len, "KILL_PROCESS"); break;
	case SECCOMP_RET_KILL_THREAD:  snprintf(buf, len, "KILL_THREAD"); break;
	case SECCOMP_RET_TRAP:         snprintf(buf, len, "TRAP"); break;
	case SECCOMP_RET_ERRNO:        snprintf(buf, len, "ERRNO(%u)", ret & 0xffff); break;
	case SECCOMP_RET_USER_NOTIF:   snprintf(buf, len, "NOTIFY"); break;
	case SECCOMP_RET_LOG:          snprintf(buf, len, "LOG"); break;
	case SECCOMP_RET_ALLOW:        snprintf(buf, len, "ALLOW"); break;
	default:                       snprintf(buf, len, "0x%08x", ret); break;
	}
	return buf;
}
