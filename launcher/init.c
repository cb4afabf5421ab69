/* SPDX-License-Identifier: MIT */
/*
 * init.c - the sandbox side: PID 1 (the reaper) and the target.
 *
 * The init sets the sandbox up (ids, mounts, limits, privileges, Landlock),
 * tells the supervisor it is ready, waits for "go" (the supervisor arms
 * its BPF layers in between), then forks the target.  As PID 1 it forwards
 * signals to the target, reaps every orphan, and exits with the target's
 * status.  The target takes the terminal, closes every fd it was not told
 * to keep, resolves the command, installs seccomp last and execs.
 *
 * Failures never print from in here: they go to the supervisor over the
 * report pipe, which prints them and exits 125 (126/127 for exec).
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr.h"

int cr_child_report_fd = -1;
/* the command's terminal: the supervisor's pty slave or our own */
static int tty_slave = -1;

static void report(const struct cr_report *rep)
{
	if (cr_child_report_fd >= 0)
		(void)cr_write_all(cr_child_report_fd, rep, sizeof(*rep));
}

int cr_child_send_fd(int sock, enum cr_report_kind kind, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cr_report rep = { .kind = kind };
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };

	memset(&cm, 0, sizeof(cm));
	cm.h.cmsg_level = SOL_SOCKET;
	cm.h.cmsg_type = SCM_RIGHTS;
	cm.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(rep) ? 0 : -errno;
}

void cr_child_fail(int err, const char *fmt, ...)
{
	struct cr_report rep = { .kind = CR_REP_FAIL, .err = err };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	report(&rep);
	_exit(CR_EXIT_FAILURE);
}

/* signals the supervisor forwards and the init passes on */
static const int fwd_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

/* PID 1 ignores signals it has no handler for, even from the parent
 * namespace (only SIGKILL/SIGSTOP are forced): install a real handler and
 * keep the signals blocked, so they queue for the signalfd. */
static void nop_handler(int sig) { (void)sig; }

/* execvp's search, done before seccomp so that after the filter is in
 * place the only thing left is one execve. */
static int resolve(const char *cmd, const char *path_env, char *out, size_t n)
{
	int first_err = ENOENT;
	const char *p;

	if (strchr(cmd, '/')) {
		snprintf(out, n, "%s", cmd);
		return 0;
	}
	for (p = path_env ? path_env : "/usr/bin:/bin"; ; ) {
		const char *end = strchrnul(p, ':');
		size_t len = (size_t)(end - p);
		struct stat st;

		if ((size_t)snprintf(out, n, "%.*s%s%s", (int)len, p, len ? "/" : "", cmd) < n &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			first_err = EACCES;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	return first_err;
}

static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

__attribute__((noreturn))
static void target_main(const struct cr_plan *pl, const sigset_t *oldmask)
{
	struct cr_report rep = { .kind = CR_REP_EXEC };
	char path[PATH_MAX];
	char **envp;
	size_t nenv = 0;
	const char *home;
	char *homevar;
	int e;

	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		signal(fwd_signals[i], SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* without a pid namespace nothing else ends the command with its
	 * init (the death signal survives the execve) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		cr_child_fail(errno, "PR_SET_PDEATHSIG");

	if (tty_slave >= 0) {
		/* its own session with the new pty as controlling terminal:
		 * job control works, and the caller's terminal is unreachable */
		if (setsid() < 0 || ioctl(tty_slave, TIOCSCTTY, 0) < 0)
			cr_child_fail(errno, "pty: taking the terminal");
		for (int fd = 0; fd < 3; fd++)
			if (isatty(fd) && dup2(tty_slave, fd) < 0)
				cr_child_fail(errno, "pty: dup2");
	}

	/* Everything but stdio and --pass-fd is closed at execve: marking is
	 * one syscall, and keeps the report pipe usable until the exec. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		cr_child_fail(errno, "close_range");
	for (size_t i = 0; i < pl->npassfd; i++)
		if (fcntl(pl->passfd[i], F_SETFD, 0) < 0)
			cr_child_fail(errno, "--pass-fd %d", pl->passfd[i]);

	/* HOME: the caller's if the view shows it, else the scratch /tmp */
	home = pl->home && access(pl->home, X_OK) == 0 ? pl->home :
	       access("/tmp", W_OK) == 0 ? "/tmp" : "/";
	while (pl->envp[nenv])
		nenv++;
	envp = xcalloc(nenv + 2, sizeof(char *));
	memcpy(envp, pl->envp, nenv * sizeof(char *));
	homevar = xasprintf("HOME=%s", home);
	if (!env_get(envp, "HOME"))
		envp[nenv++] = homevar;

	e = resolve(pl->argv[0], env_get(envp, "PATH"), path, sizeof(path));
	if (e) {
		rep.err = e;
		snprintf(rep.msg, sizeof(rep.msg), "%.200s", pl->argv[0]);
		report(&rep);
		_exit(e == ENOENT ? CR_EXIT_NOTFOUND : CR_EXIT_CANNOT);
	}

	cr_seccomp_install(pl);
	execve(path, pl->argv, envp);
	/* only reached when execve fails; write may itself be filtered, the
	 * exit status still says 126/127 */
	rep.err = errno;
	snprintf(rep.msg, sizeof(rep.msg), "%.200s", path);
	report(&rep);
	_exit(rep.err == ENOENT ? CR_EXIT_NOTFOUND : CR_EXIT_CANNOT);
}

struct spawn_args {
	const struct cr_plan *pl;
	const sigset_t *oldmask;
};

static int target_entry(void *arg)
{
	const struct spawn_args *a = arg;

	target_main(a->pl, a->oldmask);
}

/* The target is started like posix_spawn does it: sharing the init's
 * memory and suspending the init until it has exec'd (CLONE_VM |
 * CLONE_VFORK), so neither page tables nor copy-on-write faults are paid
 * for a process that only prepares an execve.  It gets its own stack. */
static pid_t spawn_target(const struct cr_plan *pl, const sigset_t *oldmask)
{
	static const size_t stack_size = 256 * 1024;
	struct spawn_args a = { pl, oldmask };
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;

	if (stack == MAP_FAILED)
		cr_child_fail(errno, "mmap");
	pid = clone(target_entry, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	if (pid < 0)
		cr_child_fail(errno, "starting the command");
	munmap(stack, stack_size);
	return pid;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return CR_EXIT_FAILURE;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The init inherited every descriptor of the supervisor (audit log, cgroup,
 * pty master, BPF objects, the read end of the report pipe): keep only what
 * the sandbox side uses.  Without the read end here, a write to the report
 * pipe after the supervisor died fails (SIGPIPE) instead of running the
 * command unsupervised. */
static void close_inherited(const struct cr_plan *pl)
{
	int keep[CR_MAX_LIST + 8];
	size_t n = 0;
	unsigned int lo = 3;

	keep[n++] = pl->report_fd;
	if (pl->go_fd >= 0)
		keep[n++] = pl->go_fd;
	if (pl->pty_slave >= 0)
		keep[n++] = pl->pty_slave;
	for (size_t i = 0; i < pl->npassfd && n < sizeof(keep) / sizeof(keep[0]); i++)
		keep[n++] = pl->passfd[i];
	qsort(keep, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned int)keep[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned int)keep[i] - 1, 0) < 0)
			cr_child_fail(errno, "close_range");
		lo = (unsigned int)keep[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
		cr_child_fail(errno, "close_range");
}

void cr_init_main(const struct cr_plan *pl)
{
	sigset_t mask, oldmask;
	struct cr_report rep = { .kind = CR_REP_READY };
	struct signalfd_siginfo si;
	pid_t target;
	char go;
	int sfd, st = 0;

	cr_child_report_fd = pl->report_fd;
	/* if the supervisor dies, so does the sandbox */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		cr_child_fail(errno, "PR_SET_PDEATHSIG");
	close_inherited(pl);

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++) {
		sigaddset(&mask, fwd_signals[i]);
		signal(fwd_signals[i], nop_handler);
	}
	sigaddset(&mask, SIGCHLD);
	/* the supervisor blocked these before clone; keep them blocked */
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sigdelset(&oldmask, SIGCHLD);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigdelset(&oldmask, fwd_signals[i]);

	/* no controlling terminal: tty-generated signals reach the sandbox
	 * only through the supervisor, once */
	if (setsid() < 0)
		cr_child_fail(errno, "setsid");

	cr_ns_write_maps(pl);
	cr_ns_setup_misc(pl);
	cr_mount_setup(pl);
	tty_slave = pl->pty_slave;
	if (pl->pty_inside)
		cr_pty_inside_open(pl, &tty_slave);
	if ((pl->ns & CP_NS_TIME) && unshare(CLONE_NEWTIME) < 0)
		cr_child_fail(errno, "time namespace");
	cr_rlimits_apply(pl);
	cr_caps_apply(pl);
	cr_landlock_apply(pl);
	/* after every setup call: the gate sees the target's spawn and on */
	cr_notify_install(pl);
	/* the target must not be able to reach our fds via /proc/1/fd */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		cr_child_fail(errno, "PR_SET_DUMPABLE");

	report(&rep);
	if (pl->go_fd >= 0) {
		if (read(pl->go_fd, &go, 1) != 1)
			_exit(CR_EXIT_FAILURE);   /* supervisor gone or gave up */
		close(pl->go_fd);
	}

	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		cr_child_fail(errno, "signalfd");
	target = spawn_target(pl, &oldmask);

	/* the target holds its own copies */
	if (tty_slave >= 0)
		close(tty_slave);
	for (size_t i = 0; i < pl->npassfd; i++)
		close(pl->passfd[i]);
	for (size_t i = 0; i < 3; i++)
		close((int)i);

	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			cr_child_fail(errno, "signalfd read");
		if (si.ssi_signo != SIGCHLD) {
			kill(target, (int)si.ssi_signo);
			continue;
		}
		for (;;) {
			int s;
			pid_t w = waitpid(-1, &s, WNOHANG);

			if (w <= 0)
				break;
			if (w == target) {
				st = s;
				rep.kind = CR_REP_EXIT;
				rep.status = s;
				report(&rep);
				_exit(status_code(st));
			}
		}
	}
}
