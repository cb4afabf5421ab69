/* SPDX-License-Identifier: MIT */
/*
 * run.c - the launch sequence, in the supervisor.
 *
 *   load profile -> audit "start" -> plan every layer (compile or fetch
 *   the seccomp filter, probe Landlock) -> cgroup leaf -> pipes, pty ->
 *   clone3 (namespaces, CLONE_INTO_CGROUP, pidfd) -> init sets up and says
 *   READY -> layer: bpf / adapt attach -> "go" -> event loop (signals,
 *   pty, reports, layer fds) -> init exits -> layer detach -> cgroup
 *   removed -> audit "exit" -> exit with the command's status.
 *
 * Everything that depends on user input is checked before clone3, so bad
 * input leaves nothing behind; after it, die() runs cp_run_cleanup().
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr.h"
#include "bpf.h"
#include "adapt_run.h"
#include "netpool.h"

/* struct clone_args, CLONE_ARGS_SIZE_VER2 (kernel 5.7) */
struct cr_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		 set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static const int fwd_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

static struct cp_run *g_run;
static struct cr_pty g_pty = { .master = -1, .slave = -1 };

struct cr_outcome {
	struct cr_report fail, exec, exit;
	bool have_fail, have_exec, have_exit, have_ready;
	int pty_master;       /* from CR_REP_PTY, until the proxy takes it */
};

static void die_cleanup(void)
{
	cr_pty_restore(&g_pty);
	if (g_run)
		cp_run_cleanup(g_run);
}

void cp_run_cleanup(struct cp_run *r)
{
	if (r->child_pidfd >= 0) {
		siginfo_t si;

		(void)syscall(SYS_pidfd_send_signal, r->child_pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)r->child_pidfd, &si, WEXITED);
		close(r->child_pidfd);
		r->child_pidfd = -1;
	}
	/* layer: adapt detach - before the BPF layer closes the maps it uses */
	cr_adapt_layer_detach(r, false);
	/* layer: bpf detach */
	cp_bpf_layer_detach(r);
	/* layer: adapt detach */
	cr_cgroup_remove(r);
	/* the supervisor may still be in its v1 leaves (a failure between
	 * the two moves around clone): out first, then remove them */
	(void)cr_cglimits_enter(r, false);
	cr_cglimits_remove(r);
}

struct cp_policy *cr_load_profile(const struct cp_run_opts *o)
{
	struct cp_load_opts lo = { 0 };
	struct cp_policy *p = NULL;
	struct cp_diag d;
	const char *name = o->profile ? o->profile : "default";
	int e;

	if (o->ndefines)
		lo.defines = o->defines;
	cp_diag_init(&d, stderr);
	e = cp_profile_load(name, &lo, &d, &p);
	if (e < 0) {
		unsigned errs = d.errors;

		cp_diag_fini(&d);
		if (!errs)
			die("profile %s: %s", name, strerror(-e));
		die("profile %s: %u error%s", name, errs, errs == 1 ? "" : "s");
	}
	cp_diag_fini(&d);
	return p;
}

static void make_id(struct cp_run *r)
{
	uint32_t rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)getpid() * 2654435761u;
	snprintf(r->id, sizeof(r->id), "cr-%d-%08x", (int)getpid(), rnd);
}

static void ns_names(uint32_t mask, char *buf, size_t n)
{
	static const char *const names[] = { "user", "pid", "mount", "net", "ipc", "uts",
					     "cgroup", "time" };
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 8; i++)
		if (mask & (1u << i))
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", names[i]);
}

static uint64_t clone_flags(uint32_t ns)
{
	uint64_t f = 0;

	if (ns & CP_NS_USER)   f |= CLONE_NEWUSER;
	if (ns & CP_NS_PID)    f |= CLONE_NEWPID;
	if (ns & CP_NS_MOUNT)  f |= CLONE_NEWNS;
	if (ns & CP_NS_NET)    f |= CLONE_NEWNET;
	if (ns & CP_NS_IPC)    f |= CLONE_NEWIPC;
	if (ns & CP_NS_UTS)    f |= CLONE_NEWUTS;
	if (ns & CP_NS_CGROUP) f |= CLONE_NEWCGROUP;
	/* CLONE_NEWTIME: unshared by the init, it applies to its children */
	return f;
}

static void start_event(struct cp_run *r, bool plan_hit)
{
	struct json_object *o = json_object_new_object(), *cmd = json_object_new_array();
	char hex[65];

	cr_hex(r->policy->hash, 32, hex);
	json_object_object_add(o, "profile", json_object_new_string(r->policy->name ? r->policy->name : ""));
	json_object_object_add(o, "hash", json_object_new_string(hex));
	for (int i = 0; i < r->opts->argc; i++)
		json_object_array_add(cmd, json_object_new_string(r->opts->argv[i]));
	json_object_object_add(o, "command", cmd);
	json_object_object_add(o, "uid", json_object_new_int64(getuid()));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "log_only", json_object_new_boolean(r->opts->log_only));
	json_object_object_add(o, "plan", json_object_new_string(plan_hit ? "cache" : "compiled"));
	cp_audit_emit(r->audit, "start", o);
}

/* ---- supervisor loop callbacks -------------------------------------- */

static int on_signal(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH && g_pty.active) {
			/* the kernel signals the pty's foreground group itself */
			cr_pty_winch(&g_pty);
			continue;
		}
		if (r->child_pidfd >= 0)
			(void)syscall(SYS_pidfd_send_signal, r->child_pidfd, (int)si.ssi_signo, NULL, 0);
	}
	return 0;
}

static int on_child_exit(int fd, void *ctx)
{
	struct cp_run *r = ctx;

	(void)fd;
	cp_super_stop(&r->super);
	return CP_SUPER_REMOVE;
}

/* One message from the report socket (SOCK_SEQPACKET: one report per
 * read); *fd receives a descriptor passed with it, or -1.  Returns the
 * message size, 0 at EOF, or -errno. */
static ssize_t recv_report(int sock, struct cr_report *rep, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { rep, sizeof(*rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n == (ssize_t)sizeof(*rep))
		rep->msg[sizeof(rep->msg) - 1] = '\0';
	return n;
}

static int read_report(int sock, struct cr_outcome *out)
{
	struct cr_report rep;
	int fd;
	ssize_t n = recv_report(sock, &rep, &fd);

	if (n != (ssize_t)sizeof(rep)) {
		if (fd >= 0)
			close(fd);
		return CP_SUPER_REMOVE;   /* EOF, EAGAIN once drained, or garbage */
	}
	if (rep.kind == CR_REP_PTY && fd >= 0 && out->pty_master < 0) {
		out->pty_master = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	rep.msg[sizeof(rep.msg) - 1] = '\0';
	switch (rep.kind) {
	case CR_REP_FAIL:
		if (!out->have_fail)
			out->fail = rep;
		out->have_fail = true;
		break;
	case CR_REP_EXEC:
		out->exec = rep;
		out->have_exec = true;
		break;
	case CR_REP_EXIT:
		out->exit = rep;
		out->have_exit = true;
		break;
	case CR_REP_READY:
		out->have_ready = true;
		break;
	default:
		break;
	}
	return 0;
}

/* The sandbox made its own pty and sent the master: proxy it. */
static void start_inner_pty(struct cp_run *r, struct cr_outcome *out)
{
	int e;

	g_pty.master = out->pty_master;
	g_pty.slave = -1;
	out->pty_master = -1;
	e = cr_pty_start(&g_pty, &r->super);
	if (e < 0)
		die("pty: %s", strerror(-e));
}

struct report_ctx {
	struct cp_run *r;
	const struct cr_plan *pl;
	struct cr_outcome *out;
};

static void report_layers(struct cp_run *r, const struct cr_plan *pl);

static int on_report(int fd, void *ctx)
{
	struct report_ctx *c = ctx;
	int ret = read_report(fd, c->out);

	/* without the go handshake, READY arrives here: the layers the init
	 * applied are reported once it says they are */
	if (ret == 0 && c->out->have_ready) {
		c->out->have_ready = false;
		report_layers(c->r, c->pl);
	}
	if (ret == 0 && c->out->pty_master >= 0)
		start_inner_pty(c->r, c->out);
	return ret;
}

/* ---- the sequence -------------------------------------------------------- */

/* The view gets the launcher's /dev with its own devpts instance. */
static bool view_has_own_devpts(const struct cr_plan *pl)
{
	if (!pl->mount_view)
		return false;
	for (size_t i = 0; i < pl->p->fs.nrules; i++)
		if (strcmp(pl->p->fs.rules[i].path, "/dev") == 0)
			return false;
	return true;
}

static void plan_namespaces(struct cp_run *r, struct cr_plan *pl)
{
	const struct cp_policy *p = r->policy;

	pl->ns = cp_layer_wanted(p, CP_LAYER_NAMESPACES) ? p->ns.mask : 0;
	/* without privilege, every other namespace hangs off a user namespace */
	if (pl->ns && geteuid() != 0)
		pl->ns |= CP_NS_USER;
	pl->mount_view = (pl->ns & CP_NS_MOUNT) && p->fs.present;
	pl->uid = geteuid();
	pl->gid = getegid();
}

/* The containment level's seccomp gate (notify.c): where the profile's
 * adapt levels forbid write, exec or fork and BPF LSM will not act. */
static void plan_gate(struct cp_run *r, struct cr_plan *pl)
{
	const struct cp_policy *p = r->policy;
	char why[256];
	bool lsm;

	pl->gate.len = 0;
	pl->gate.filter = NULL;
	if (!cr_notify_needed(p, false))   /* first the checks that need no probe */
		return;
	lsm = r->bpf ? cp_bpf_lsm_active(r->bpf) : cp_bpf_probe_lsm(why, sizeof(why)) == 1;
	/* without a gate the adapt layer reports the restrictions as NOT
	 * enforced; say why here, where it is known */
	if (!lsm && cr_notify_prepare(p, pl, why, sizeof(why)) < 0)
		warnx_cr("warning: adapt: no containment gate (%s): write, exec and fork "
			 "restrictions will NOT be enforced", why);
}

static void plan_landlock(struct cp_run *r, struct cr_plan *pl)
{
	int err;
	int abi = cr_landlock_abi(&err);

	if (!cp_layer_wanted(r->policy, CP_LAYER_LANDLOCK))
		return;
	if (!abi) {
		cp_layer_unavailable(r, CP_LAYER_LANDLOCK, "landlock_create_ruleset: %s%s",
				     strerror(err), err == EOPNOTSUPP ? " (disabled at boot)" :
				     err == ENOSYS ? " (kernel without CONFIG_SECURITY_LANDLOCK)" : "");
		return;
	}
	pl->landlock_abi = abi;
}

static void report_layers(struct cp_run *r, const struct cr_plan *pl)
{
	const struct cp_policy *p = r->policy;
	char buf[128];

	if (pl->ns) {
		ns_names(pl->ns, buf, sizeof(buf));
		cp_layer_applied(r, CP_LAYER_NAMESPACES, "%s%s%s", buf,
				 pl->net_pooled ? " (net from the pool)" : "",
				 pl->mount_view ? ", filesystem view" : "");
	} else {
		cp_layer_skipped(r, CP_LAYER_NAMESPACES, p->layers[CP_LAYER_NAMESPACES] == CP_REQ_OFF ?
				 "turned off by the profile" : "profile has no namespaces section");
	}
	if (pl->landlock_abi)
		cp_layer_applied(r, CP_LAYER_LANDLOCK, "abi %d, %zu rules", pl->landlock_abi,
				 cr_landlock_count(p, pl->landlock_abi));
	else if (r->layer_state[CP_LAYER_LANDLOCK] == CP_LSTATE_PENDING)
		cp_layer_skipped(r, CP_LAYER_LANDLOCK, "profile has no filesystem rules");
	if (pl->nfilters > 1)
		cp_layer_applied(r, CP_LAYER_SECCOMP, "%u instructions (%s), plus the %u-instruction "
				 "tty filter", pl->filters[1].len, pl->seccomp_source, pl->filters[0].len);
	else
		cp_layer_skipped(r, CP_LAYER_SECCOMP, p->layers[CP_LAYER_SECCOMP] == CP_REQ_OFF ?
				 "turned off by the profile (tty filter still installed)" :
				 "profile has no syscalls section (tty filter still installed)");
	if (r->cgroup_fd >= 0)
		cp_layer_applied(r, CP_LAYER_CGROUP, "%s, id %llu%s%s", r->cgroup_path,
				 (unsigned long long)r->cgroup_id, r->cglimit_desc[0] ? "; " : "",
				 r->cglimit_desc);
}

/* Layers applied by the supervisor-side engineers' code: whatever is still
 * pending here was not applied, and must not pass for applied. */
static void check_supervisor_layers(struct cp_run *r)
{
	static const enum cp_layer ls[] = { CP_LAYER_BPF_LSM, CP_LAYER_CGROUP_BPF, CP_LAYER_ADAPT };

	for (size_t i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		enum cp_layer l = ls[i];

		if (r->layer_state[l] != CP_LSTATE_PENDING)
			continue;
		if (!cp_layer_wanted(r->policy, l))
			cp_layer_skipped(r, l, r->policy->layers[l] == CP_REQ_OFF ?
					 "turned off by the profile" : "profile has no rules for it");
		else
			cp_layer_unavailable(r, l, "this build of compart-run cannot apply it");
	}
}

/* A network namespace from the operator's pool (netpool.h), entered by
 * the supervisor so that clone3 needs no CLONE_NEWNET.  Only for root,
 * and only when the profile keeps no capability: a pooled namespace
 * belongs to the host's user namespace, so capabilities held in the
 * sandbox's would not apply to it (with none kept, nothing differs).
 * Returns the claimed fd (*host_net: the supervisor's own namespace, to
 * go back to), or -errno: -ENOENT no pool, -ENODATA empty. */
static int netpool_enter(struct cp_run *r, struct cr_plan *pl, int *host_net, bool *refill)
{
	int fd;

	*refill = false;
	if (!(pl->ns & CP_NS_NET) || geteuid() != 0 || r->policy->caps)
		return -ENOENT;
	fd = cr_netpool_claim(cr_netpool_dir(), refill);
	if (fd < 0)
		return fd;
	*host_net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*host_net < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		/* never used: it is simply freed with its last fd */
		if (*host_net >= 0)
			close(*host_net);
		close(fd);
		return -e;
	}
	pl->net_pooled = true;
	return fd;
}

static void netpool_leave(int pool_fd, int host_net)
{
	if (setns(host_net, CLONE_NEWNET) < 0)
		die_errno("returning to the host's network namespace");
	close(host_net);
	close(pool_fd);
}

static pid_t do_clone(struct cp_run *r, const struct cr_plan *pl)
{
	struct cr_clone_args ca = { 0 };
	int pidfd = -1;
	long pid;

	ca.flags = clone_flags(pl->ns) | CLONE_PIDFD;
	if (pl->net_pooled)
		ca.flags &= ~(uint64_t)CLONE_NEWNET;   /* entered already */
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	if (r->cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)r->cgroup_fd;
	}
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && errno == ENOSYS) {
		/* clone3 missing (kernel < 5.3, or valgrind): clone(2), then
		 * move the init into the cgroup before it is told to go on;
		 * it runs only its own setup until then */
		pid = syscall(SYS_clone, (unsigned long)((ca.flags & ~(uint64_t)CLONE_INTO_CGROUP) | SIGCHLD),
			      NULL, &pidfd, NULL, 0);
		if (pid > 0 && r->cgroup_fd >= 0) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%ld", pid);
			if (cr_write_file_at(r->cgroup_fd, "cgroup.procs", buf) < 0) {
				r->child_pid = (pid_t)pid;
				r->child_pidfd = pidfd;
				die_errno("moving the sandbox into %s", r->cgroup_path);
			}
		}
	}
	if (pid < 0) {
		int e = errno;
		char buf[128];

		ns_names(pl->ns, buf, sizeof(buf));
		errno = e;
		die_errno("creating the sandbox (namespaces: %s)%s", buf,
			  e == EPERM || e == ENOSPC ? " - are user namespaces disabled or exhausted?"
			  : "");
	}
	if (pid == 0) {
		cr_die_hook = NULL;
		cr_init_main(pl);
	}
	r->child_pid = (pid_t)pid;
	r->child_pidfd = pidfd;
	return (pid_t)pid;
}

static int exit_code_of(struct cp_run *r, const struct cr_outcome *out, int init_status,
			struct json_object *ev)
{
	int code;

	if (out->have_fail) {
		warnx_cr("%s%s%s", out->fail.msg, out->fail.err ? ": " : "",
			 out->fail.err ? strerror(out->fail.err) : "");
		json_object_object_add(ev, "error", json_object_new_string(out->fail.msg));
		code = CR_EXIT_FAILURE;
	} else if (out->have_exec) {
		warnx_cr("%s: %s", out->exec.msg, strerror(out->exec.err));
		json_object_object_add(ev, "exec_error", json_object_new_string(strerror(out->exec.err)));
		code = out->exec.err == ENOENT ? CR_EXIT_NOTFOUND : CR_EXIT_CANNOT;
	} else if (WIFEXITED(init_status)) {
		code = WEXITSTATUS(init_status);
		if (out->have_exit && WIFSIGNALED(out->exit.status))
			json_object_object_add(ev, "signal", json_object_new_int(WTERMSIG(out->exit.status)));
	} else if (WIFSIGNALED(init_status)) {
		/* the init itself was killed (from outside the sandbox) */
		code = 128 + WTERMSIG(init_status);
		json_object_object_add(ev, "signal", json_object_new_int(WTERMSIG(init_status)));
	} else {
		code = CR_EXIT_FAILURE;
	}
	(void)r;
	json_object_object_add(ev, "status", json_object_new_int(code));
	return code;
}

int cr_run_main(const struct cp_run_opts *o)
{
	struct cp_run run = { .opts = o, .cgroup_fd = -1, .child_pid = -1, .child_pidfd = -1 };
	struct cp_run *r = &run;
	struct cr_plan pl = { .pty_slave = -1, .report_fd = -1, .go_fd = -1 };
	struct cr_outcome out = { .pty_master = -1 };
	struct report_ctx rctx = { .r = r, .pl = &pl, .out = &out };
	bool handshake;
	struct cr_report rep;
	int rep_pipe[2], go_pipe[2], sfd, e, code, status, pool_fd, host_net = -1, gate_fd = -1;
	bool pool_refill;
	struct json_object *ev;
	char why[512], cwd[PATH_MAX];
	sigset_t mask;
	siginfo_t si;
	bool plan_hit;

	make_id(r);
	if (o->log_only)
		r->flags |= CP_RUN_LOG_ONLY;
	r->policy = cr_plan_get(o, &plan_hit);
	e = cp_audit_open(o->audit_log, r->id, &r->audit);
	if (e < 0)
		die("--audit-log %s: %s", o->audit_log, strerror(-e));
	g_run = r;
	cr_die_hook = die_cleanup;
	start_event(r, plan_hit);

	for (size_t i = 0; i < o->npassfd; i++)
		if (fcntl(o->passfd[i], F_GETFD) < 0)
			die_status(CR_EXIT_USAGE, "--pass-fd %d: not an open descriptor", o->passfd[i]);

	/* ---- plan: everything that can fail on input, before clone */
	pl.p = r->policy;
	pl.argv = o->argv;
	pl.passfd = o->passfd;
	pl.npassfd = o->npassfd;
	pl.home = getenv("HOME");
	pl.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : NULL;
	plan_namespaces(r, &pl);
	plan_landlock(r, &pl);
	cr_seccomp_prepare(r, &pl);
	pl.envp = cr_env_build(o);

	if (cp_layer_wanted(r->policy, CP_LAYER_CGROUP)) {
		e = cr_cgroup_create(r, why, sizeof(why));
		/* nothing needs it (an unprivileged caller without a delegated
		 * cgroup): say so in the audit log only */
		/* the profile's limits, or no cgroup at all: a run is never
		 * reported limited when it is not */
		if (e == 0 && cp_has_cglimits(r->policy) && (e = cr_cglimits_apply(r, why, sizeof(why))) < 0)
			cr_cgroup_remove(r);
		if (e < 0 && r->policy->layers[CP_LAYER_CGROUP] == CP_REQ_AUTO &&
		    !cp_layer_has_rules(r->policy, CP_LAYER_CGROUP))
			cp_layer_skipped(r, CP_LAYER_CGROUP, why);
		else if (e < 0)
			cp_layer_unavailable(r, CP_LAYER_CGROUP, "%s", why);
	}
	/* layer: bpf (prepare) - the cgroup exists (r->cgroup_fd/id); no
	 * sandboxed process exists yet.  Loading programs early here keeps
	 * the verifier out of the window in which the init waits. */
	cp_bpf_layer_prepare(r);
	plan_gate(r, &pl);

	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		if (view_has_own_devpts(&pl)) {
			pl.pty_inside = true;
			pl.have_tio = tcgetattr(STDIN_FILENO, &pl.tio) == 0;
			pl.have_ws = ioctl(STDIN_FILENO, TIOCGWINSZ, &pl.ws) == 0;
		} else {
			e = cr_pty_open(&g_pty);
			if (e < 0)
				die("pty: %s", strerror(-e));
			pl.pty_slave = g_pty.slave;
		}
	}
	/* a socket, not a pipe: messages keep their boundaries and the
	 * sandbox's pty master can travel with one */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep_pipe) < 0 ||
	    pipe2(go_pipe, O_CLOEXEC) < 0)
		die_errno("pipe");
	pl.report_fd = rep_pipe[1];
	/* The init waits for "go" only when a supervisor-side layer has to be
	 * armed between its setup and the command's start; otherwise the
	 * round trip is saved (it costs two wake-ups on a loaded machine). */
	handshake = r->bpf || r->adapt || cp_layer_wanted(r->policy, CP_LAYER_BPF_LSM) ||
		    cp_layer_wanted(r->policy, CP_LAYER_CGROUP_BPF) ||
		    cp_layer_wanted(r->policy, CP_LAYER_ADAPT);
	pl.go_fd = handshake ? go_pipe[0] : -1;

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigaddset(&mask, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die_errno("signalfd");
	fflush(NULL);

	pool_fd = netpool_enter(r, &pl, &host_net, &pool_refill);
	/* v1 limits: the child inherits the supervisor's v1 cgroups */
	if ((e = cr_cglimits_enter(r, true)) < 0)
		die("entering the sandbox's v1 cgroups: %s", strerror(-e));
	do_clone(r, &pl);
	if ((e = cr_cglimits_enter(r, false)) < 0)
		die("leaving the sandbox's v1 cgroups: %s", strerror(-e));
	if (pool_fd >= 0)
		netpool_leave(pool_fd, host_net);
	close(rep_pipe[1]);
	close(go_pipe[0]);
	if (pl.pty_slave >= 0) {
		close(g_pty.slave);
		g_pty.slave = -1;
	}

	/* ---- wait for the init's READY (or its failure) */
	while (handshake) {
		int pfd;
		ssize_t n = recv_report(rep_pipe[0], &rep, &pfd);

		if (n == (ssize_t)sizeof(rep) && rep.kind == CR_REP_NOTIFY && pfd >= 0 && gate_fd < 0) {
			gate_fd = pfd;   /* watched once the loop exists */
			continue;
		}
		if (n == (ssize_t)sizeof(rep) && rep.kind == CR_REP_PTY && pfd >= 0) {
			out.pty_master = pfd;   /* proxied once the loop runs */
			continue;
		}
		if (pfd >= 0)
			close(pfd);
		if (n == (ssize_t)sizeof(rep) && rep.kind == CR_REP_READY)
			break;
		if (n == (ssize_t)sizeof(rep) && rep.kind == CR_REP_FAIL) {
			if (rep.err) {
				errno = rep.err;
				die_errno("%s", rep.msg);
			}
			die("%s", rep.msg);
		}
		die("the sandbox's init exited during setup");
	}
	if (handshake)
		report_layers(r, &pl);

	if (cp_super_init(&r->super) < 0)
		die_errno("epoll");
	/* the gate's calls wait for an answer from cr_notify_run() on */
	if (gate_fd >= 0 && (e = cr_notify_start(r, gate_fd)) < 0)
		die("the containment gate: %s", strerror(-e));
	if (pl.gate.len && gate_fd < 0)
		die("the containment gate: the sandbox sent no listener");
	/* layer: bpf - the sandbox exists in its cgroup (r->cgroup_fd,
	 * r->cgroup_id, r->child_pid) and has run nothing of the target yet */
	cp_bpf_layer_attach(r);
	/* layer: adapt */
	cr_adapt_layer_attach(r);
	check_supervisor_layers(r);

	/* Reports are needed while the sandbox runs only to receive its pty;
	 * otherwise they are read once the init has exited.  Not watching
	 * them saves a wake-up (and on a loaded machine the init's loss of
	 * the CPU to it) per message. */
	if ((e = cp_super_add_fd(&r->super, sfd, on_signal, r)) < 0 ||
	    (e = cp_super_add_fd(&r->super, r->child_pidfd, on_child_exit, r)) < 0 ||
	    (pl.pty_inside && (e = cp_super_add_fd(&r->super, rep_pipe[0], on_report, &rctx)) < 0))
		die("supervisor: %s", strerror(-e));
	if (pl.pty_slave >= 0 && (e = cr_pty_start(&g_pty, &r->super)) < 0)
		die("pty: %s", strerror(-e));
	if (out.pty_master >= 0)
		start_inner_pty(r, &out);

	if (handshake && cr_write_all(go_pipe[1], "g", 1) < 0)
		die_errno("starting the sandbox");
	close(go_pipe[1]);
	/* the pool is down to half (or empty): top it up, off our path */
	if (pool_refill)
		(void)cr_netpool_refill_detached(cr_netpool_dir());
	/* the gate's thread, once nothing forks any more; calls the sandbox
	 * makes meanwhile wait in the kernel */
	if ((e = cr_notify_run(r)) < 0)
		die("the containment gate: starting its thread: %s", strerror(-e));

	e = cp_super_run(&r->super);
	if (e < 0)
		die("supervisor: %s", strerror(-e));

	if (waitid(P_PIDFD, (id_t)r->child_pidfd, &si, WEXITED) < 0)
		die_errno("waitid");
	status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
	close(r->child_pidfd);
	r->child_pidfd = -1;
	/* the init is gone: whatever it reported is in the pipe */
	(void)fcntl(rep_pipe[0], F_SETFL, O_NONBLOCK);
	while (read_report(rep_pipe[0], &out) == 0)
		;
	if (out.have_ready)
		report_layers(r, &pl);
	if (out.pty_master >= 0)
		close(out.pty_master);   /* the command ended before it was proxied */
	close(rep_pipe[0]);
	cr_pty_drain(&g_pty);
	cr_pty_restore(&g_pty);

	/* layer: adapt detach - before the BPF layer closes the maps it uses */
	cr_notify_stop(r);
	cr_adapt_layer_detach(r, true);
	/* layer: bpf detach */
	cp_bpf_layer_detach(r);
	/* layer: adapt detach */

	ev = json_object_new_object();
	code = exit_code_of(r, &out, status, ev);
	cp_audit_emit(r->audit, "exit", ev);

	cp_run_cleanup(r);
	cr_die_hook = NULL;
	g_run = NULL;
	cp_super_fini(&r->super);
	close(sfd);
	if (cp_audit_lost(r->audit))
		warnx_cr("warning: %lu audit events could not be written", cp_audit_lost(r->audit));
	cp_audit_close(r->audit);
	cr_seccomp_release(&pl);
	cr_notify_release(&pl);
	cr_env_free(pl.envp);
	cp_policy_free(r->policy);
	return code;
}
