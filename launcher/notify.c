/* SPDX-License-Identifier: MIT */
/*
 * notify.c - the containment level's gate where BPF LSM cannot act.
 *
 * The adapt layer raises the sandbox's level in the kernel; BPF LSM hooks
 * refuse what the level forbids.  On a host without BPF LSM, the write,
 * exec and fork restrictions would otherwise not be enforced at all.
 * Here a seccomp filter sends the calls of those classes to the
 * supervisor as user notifications, and the supervisor answers each one
 * from the level in the kernel's cp_sandboxes map at that moment:
 *
 *   - class forbidden at the current level: EPERM;
 *   - otherwise: SECCOMP_USER_NOTIF_FLAG_CONTINUE (the call proceeds).
 *
 * The answer never depends on memory the target controls (paths): only
 * on the syscall number and its register arguments, which seccomp has
 * already copied.  So the target cannot race a decision, and the limits
 * follow: a write restriction has no scratch exemption here, and exec-new
 * (which needs the file's identity) is not enforced by the gate.
 *
 * Order: cr_notify_prepare() builds the filter before clone3
 * (libseccomp); the sandbox's init installs it after Landlock with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, so the command and all its
 * descendants inherit it, and sends the listener on the report socket;
 * cr_notify_start() watches it in the supervisor's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include "adapt_run.h"
#include "cr.h"

/* The classes the gate enforces, and the calls of each. */
#define CR_GATE_CLASSES (CP_FORBID_WRITE | CP_FORBID_EXEC | CP_FORBID_FORK)

static const struct {
	const char *name;
	uint32_t cls;
	int flags_arg;              /* open flags argument, or -1: every call */
} gate_calls[] = {
	{ "open", CP_FORBID_WRITE, 1 },
	{ "openat", CP_FORBID_WRITE, 2 },
	{ "open_by_handle_at", CP_FORBID_WRITE, 2 },
	{ "openat2", CP_FORBID_WRITE, -1 },   /* flags in memory: every call */
	{ "creat", CP_FORBID_WRITE, -1 },
	{ "truncate", CP_FORBID_WRITE, -1 },
	{ "ftruncate", CP_FORBID_WRITE, -1 },
	{ "unlink", CP_FORBID_WRITE, -1 },
	{ "unlinkat", CP_FORBID_WRITE, -1 },
	{ "rmdir", CP_FORBID_WRITE, -1 },
	{ "rename", CP_FORBID_WRITE, -1 },
	{ "renameat", CP_FORBID_WRITE, -1 },
	{ "renameat2", CP_FORBID_WRITE, -1 },
	{ "link", CP_FORBID_WRITE, -1 },
	{ "linkat", CP_FORBID_WRITE, -1 },
	{ "symlink", CP_FORBID_WRITE, -1 },
	{ "symlinkat", CP_FORBID_WRITE, -1 },
	{ "mkdir", CP_FORBID_WRITE, -1 },
	{ "mkdirat", CP_FORBID_WRITE, -1 },
	{ "mknod", CP_FORBID_WRITE, -1 },
	{ "mknodat", CP_FORBID_WRITE, -1 },
	{ "execve", CP_FORBID_EXEC, -1 },
	{ "execveat", CP_FORBID_EXEC, -1 },
	/* BPF LSM's task_alloc refuses threads too: so does the gate */
	{ "fork", CP_FORBID_FORK, -1 },
	{ "vfork", CP_FORBID_FORK, -1 },
	{ "clone", CP_FORBID_FORK, -1 },
	{ "clone3", CP_FORBID_FORK, -1 },
};

/* Linux 6.6: wake the notifier and the target synchronously, as a
 * ping-pong (what a supervisor answering every call is). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Refusals logged one by one; a program hammering a forbidden call
 * cannot flood the audit log: the rest are counted ("gate" event). */
#define CR_GATE_AUDIT_MAX 256

/* An open is a write when any of these is set. */
static const unsigned long write_flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };

struct cr_notify {
	int fd;
	uint32_t native_arch;
	int native_nr[sizeof(gate_calls) / sizeof(gate_calls[0])];   /* -1: none */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	unsigned long answered, refused;
};

uint32_t cr_notify_classes(const struct cp_policy *p)
{
	uint32_t all = 0;

	for (size_t i = 0; i < p->adapt.nlevels; i++)
		all |= p->adapt.levels[i].forbid;
	return all & CR_GATE_CLASSES;
}

static void ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

/* The gate's filter for the classes in `cls`, exported as classic BPF.
 * 0 or -errno (libseccomp's). */
static int build(const struct cp_policy *p, uint32_t cls, struct sock_fprog *out)
{
	__attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = NULL;
	cleanup_fd int fd = -1;
	struct sock_filter *prog;
	struct stat st;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	/* other ABIs: the profile's filter decides whether they run at all;
	 * where it lets them, the gate covers them too */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (r < 0)
		return r;
	r = cr_seccomp_add_arches(ctx, p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(gate_calls[i].name);

		if (!(gate_calls[i].cls & cls) || nr == __NR_SCMP_ERROR)
			continue;
		if (gate_calls[i].flags_arg < 0) {
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		} else {
			for (size_t b = 0; b < sizeof(write_flags) / sizeof(write_flags[0]); b++) {
				r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
						     SCMP_CMP((unsigned)gate_calls[i].flags_arg,
							      SCMP_CMP_MASKED_EQ, write_flags[b],
							      write_flags[b]));
				if (r < 0)
					break;
			}
		}
		/* a call this libseccomp knows by name but an ABI lacks */
		if (r < 0 && r != -EDOM)
			return r;
	}
	fd = memfd_create("cr-gate", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	prog = xcalloc(1, (size_t)st.st_size);
	if (pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
		free(prog);
		return -EIO;
	}
	out->filter = prog;
	out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}

int cr_notify_prepare(const struct cp_policy *p, struct cr_plan *pl, char *why, size_t n)
{
	uint32_t act = SECCOMP_RET_USER_NOTIF;
	struct seccomp_notif_sizes sz;
	int r;

	pl->gate.filter = NULL;
	pl->gate.len = 0;
	pl->gate_classes = 0;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
		snprintf(why, n, "seccomp user notification unavailable: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	r = build(p, cr_notify_classes(p), &pl->gate);
	if (r < 0) {
		snprintf(why, n, "building the seccomp gate: %s", strerror(-r));
		return r;
	}
	pl->gate_classes = cr_notify_classes(p);
	return 0;
}

void cr_notify_release(struct cr_plan *pl)
{
	free(pl->gate.filter);
	pl->gate.filter = NULL;
	pl->gate.len = 0;
}

/* ---- in the sandbox's init ------------------------------------------- */

void cr_notify_install(const struct cr_plan *pl)
{
	struct cr_report rep = { .kind = CR_REP_NOTIFY };
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	int fd;

	if (!pl->gate.len)
		return;
	/* no_new_privs is set (caps.c): no privilege needed */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  &pl->gate);
	if (fd < 0)
		cr_child_fail(errno, "seccomp: installing the containment gate");
	memset(&cm, 0, sizeof(cm));
	cm.h.cmsg_level = SOL_SOCKET;
	cm.h.cmsg_type = SCM_RIGHTS;
	cm.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	if (sendmsg(pl->report_fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
		cr_child_fail(errno, "seccomp: handing the gate's listener to the supervisor");
	close(fd);
}

/* ---- in the supervisor ----------------------------------------------- */

static uint32_t class_of(const struct cr_notify *g, const struct seccomp_notif *req)
{
	char *name;
	uint32_t cls = 0;

	/* the native ABI from the table made at start: no allocation */
	if (req->data.arch == g->native_arch)
		for (size_t i = 0; i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++)
			if (g->native_nr[i] == req->data.nr)
				return gate_calls[i].cls;
	/* another ABI (x32 shares x86-64's arch value) */
	name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);

	for (size_t i = 0; name && i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++)
		if (strcmp(gate_calls[i].name, name) == 0) {
			cls = gate_calls[i].cls;
			break;
		}
	free(name);
	/* the filter sends nothing but gated calls: one we cannot name is
	 * judged as every class, never let through unjudged */
	return cls ? cls : CR_GATE_CLASSES;
}

static void audit_refusal(struct cp_run *r, const struct seccomp_notif *req, uint32_t cls,
			  uint32_t level, bool log_only)
{
	struct json_object *o = json_object_new_object();
	char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	char what[24];

	json_object_object_add(o, "layer", json_object_new_string("adapt"));
	json_object_object_add(o, "hook", json_object_new_string("seccomp-notify"));
	json_object_object_add(o, "syscall", json_object_new_string(name ? name : "?"));
	json_object_object_add(o, "pid", json_object_new_int64(req->pid));
	json_object_object_add(o, "level", json_object_new_int64(level));
	snprintf(what, sizeof(what), "%s%s%s", (cls & CP_FORBID_WRITE) ? "write " : "",
		 (cls & CP_FORBID_EXEC) ? "exec " : "", (cls & CP_FORBID_FORK) ? "fork " : "");
	what[strlen(what) - (what[0] != '\0')] = '\0';
	json_object_object_add(o, "forbid", json_object_new_string(what));
	json_object_object_add(o, "rule", json_object_new_string("level"));
	json_object_object_add(o, "errno", json_object_new_int(EPERM));
	if (log_only)
		json_object_object_add(o, "verdict", json_object_new_string("audit"));
	free(name);
	cp_audit_emit(r->audit, log_only ? "audit" : "deny", o);
}

static int on_notify(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	struct cr_notify *g = r->notify;
	uint32_t cls, level = 0, forbid = 0;
	int rc;

	/* epoll also wakes us for POLLHUP (no task left with the filter):
	 * on kernels before 6.6 a receive would then block forever */
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) < 0)
			return errno == EINTR ? 0 : CP_SUPER_REMOVE;
		if (!(pfd.revents & POLLIN))
			return (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) ? CP_SUPER_REMOVE : 0;
	}
	memset(g->req, 0, sizeof(*g->req));
	rc = seccomp_notify_receive(fd, g->req);
	if (rc < 0) {
		/* the caller was killed before we read it: nothing to answer */
		if (rc == -ECANCELED && errno == ENOENT)
			return 0;
		return CP_SUPER_REMOVE;   /* the sandbox is gone (no more filters) */
	}
	cls = class_of(g, g->req);
	/* the level as the kernel has it now; no adapt session (the layer
	 * degraded) means the level never rises */
	if (cls && cr_adapt_forbidden(r, &level, &forbid) < 0)
		forbid = 0;
	memset(g->resp, 0, sizeof(*g->resp));
	g->resp->id = g->req->id;
	if ((cls & forbid) && !(r->flags & CP_RUN_LOG_ONLY)) {
		g->resp->error = -EPERM;
		if (g->refused++ < CR_GATE_AUDIT_MAX)
			audit_refusal(r, g->req, cls & forbid, level, false);
	} else {
		/* --log-only: say what would have been refused, refuse nothing */
		if ((cls & forbid) && g->refused++ < CR_GATE_AUDIT_MAX)
			audit_refusal(r, g->req, cls & forbid, level, true);
		g->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}
	g->answered++;
	rc = seccomp_notify_respond(fd, g->resp);
	if (rc < 0 && !(rc == -ECANCELED && errno == ENOENT))
		return CP_SUPER_REMOVE;
	return 0;
}

int cr_notify_start(struct cp_run *r, int fd)
{
	struct cr_notify *g = xcalloc(1, sizeof(*g));
	int rc;

	g->fd = fd;
	g->native_arch = seccomp_arch_native();
	for (size_t i = 0; i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(gate_calls[i].name);

		g->native_nr[i] = nr == __NR_SCMP_ERROR ? -1 : nr;
	}
	/* older kernels: the ordinary wake-ups, only slower */
	(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	rc = seccomp_notify_alloc(&g->req, &g->resp);
	if (rc < 0) {
		free(g);
		return rc;
	}
	r->notify = g;
	rc = cp_super_add_fd(&r->super, fd, on_notify, r);
	if (rc < 0) {
		cr_notify_stop(r);
		return rc;
	}
	return 0;
}

void cr_notify_stop(struct cp_run *r)
{
	struct cr_notify *g = r->notify;

	if (!g)
		return;
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "answered", json_object_new_int64((int64_t)g->answered));
		json_object_object_add(o, "refused", json_object_new_int64((int64_t)g->refused));
		json_object_object_add(o, "refusals_not_logged", json_object_new_int64(
			g->refused > CR_GATE_AUDIT_MAX ? (int64_t)(g->refused - CR_GATE_AUDIT_MAX) : 0));
		cp_audit_emit(r->audit, "gate", o);
	}
	(void)cp_super_del_fd(&r->super, g->fd);
	close(g->fd);
	seccomp_notify_free(g->req, g->resp);
	free(g);
	r->notify = NULL;
}

unsigned long cr_notify_refused(const struct cp_run *r)
{
	const struct cr_notify *g = r->notify;

	return g ? g->refused : 0;
}
