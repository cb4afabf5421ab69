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
 * already copied.  So the target cannot race a decision.  The one
 * exception is the scratch exemption of `write`: a write into a scratch
 * tmpfs is not let through but performed by the gate itself, from the
 * path it checked (notify_scratch.c).  exec-new, which needs the
 * executed file's identity at exec time, is left to the kernel: before
 * an exec proceeds at a level that forbids it, the gate makes the view's
 * writable mounts noexec (notify_noexec.c).
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
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include "adapt_run.h"
#include "cr.h"

/* The classes the gate enforces, and the calls of each.  exec-new is
 * enforced on the exec calls, by mount flags (notify_noexec.c). */
#define CR_GATE_REFUSE  (CP_FORBID_WRITE | CP_FORBID_EXEC | CP_FORBID_FORK)
#define CR_GATE_CLASSES (CR_GATE_REFUSE | CP_FORBID_EXEC_NEW)

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

/* The gate in the supervisor.  After cr_notify_run() only the gate's
 * thread touches the fields below `r`, until cr_notify_stop() joins it. */
struct cr_notify {
	int fd;                        /* the seccomp listener */
	int stop;                      /* eventfd: the thread's end */
	int recs[2];                   /* pipe: refusals to audit */
	pthread_t thread;
	bool running;
	const struct cp_run *r;
	bool log_only;
	uint32_t native_arch;
	int native_nr[sizeof(gate_calls) / sizeof(gate_calls[0])];   /* -1: none */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct cr_scratch *scratch;    /* write's scratch exemption */
	struct cr_noexec *noexec;      /* exec-new, when a level forbids it */
	unsigned long answered, refused, scratch_writes, noexec_changes;
};

static uint32_t gate_classes(const struct cp_policy *p)
{
	uint32_t all = 0;

	for (size_t i = 0; i < p->adapt.nlevels; i++)
		all |= p->adapt.levels[i].forbid;
	return all & CR_GATE_CLASSES;
}

bool cr_notify_needed(const struct cp_policy *p, bool lsm_active)
{
	/* the adapt layer needs BPF, so root; without a model the level
	 * never rises; with BPF LSM its hooks enforce the level */
	return cp_layer_wanted(p, CP_LAYER_ADAPT) && p->adapt.model_path && gate_classes(p) &&
	       geteuid() == 0 && !lsm_active;
}

/* The gate's filter for the classes in `cls`, exported as classic BPF.
 * 0 or -errno (libseccomp's). */
static int build(const struct cp_policy *p, uint32_t cls, struct sock_fprog *out)
{
	__attribute__((cleanup(cr_seccomp_releasep))) scmp_filter_ctx ctx = NULL;
	int r, nr;

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
		uint32_t want = gate_calls[i].cls == CP_FORBID_EXEC ?
				CP_FORBID_EXEC | CP_FORBID_EXEC_NEW : gate_calls[i].cls;

		nr = seccomp_syscall_resolve_name(gate_calls[i].name);
		if (!(want & cls) || nr == __NR_SCMP_ERROR)
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
	/* io_uring submits opens, unlinks and renames without syscalls the
	 * gate sees (SQPOLL: without any syscall): no rings while gated (it
	 * cannot exec: a gate for exec-new alone leaves it alone) */
	nr = seccomp_syscall_resolve_name("io_uring_setup");
	if ((cls & CR_GATE_REFUSE) && nr != __NR_SCMP_ERROR &&
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
		return r;
	return cr_seccomp_export(ctx, out);
}

int cr_notify_prepare(const struct cp_policy *p, struct cr_plan *pl, char *why, size_t n)
{
	uint32_t act = SECCOMP_RET_USER_NOTIF;
	struct seccomp_notif_sizes sz;
	int r;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
		snprintf(why, n, "seccomp user notification unavailable: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	r = build(p, gate_classes(p), &pl->gate);
	if (r < 0) {
		snprintf(why, n, "building the seccomp gate: %s", strerror(-r));
		return r;
	}
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
	int fd;

	if (!pl->gate.len)
		return;
	/* no_new_privs is set (caps.c): no privilege needed */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  &pl->gate);
	if (fd < 0)
		cr_child_fail(errno, "seccomp: installing the containment gate");
	if (cr_child_send_fd(pl->report_fd, CR_REP_NOTIFY, fd) < 0)
		cr_child_fail(errno, "seccomp: handing the gate's listener to the supervisor");
	close(fd);
}

/* ---- in the supervisor ----------------------------------------------- */

/* The call's classes, and its name in *call (NULL for another ABI). */
static uint32_t class_of(const struct cr_notify *g, const struct seccomp_notif *req,
			 const char **call)
{
	char *name;
	uint32_t cls = 0;

	*call = NULL;
	/* the native ABI from the table made at start: no allocation */
	if (req->data.arch == g->native_arch)
		for (size_t i = 0; i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++)
			if (g->native_nr[i] == req->data.nr) {
				*call = gate_calls[i].name;
				return gate_calls[i].cls;
			}
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

/* A refusal, from the gate's thread to the supervisor's loop, which
 * writes the audit log (one writer: the log is not shared with a thread). */
struct gate_rec {
	uint32_t kind;                 /* REC_REFUSAL, REC_NOEXEC */
	uint32_t pid, arch;
	int32_t nr;
	uint32_t cls, level;
	uint32_t log_only;
	uint32_t noexec_on, mounts;    /* REC_NOEXEC */
	int32_t err;                   /* REC_NOEXEC: -errno, why[] says more */
	char why[160];
};
enum { REC_REFUSAL, REC_NOEXEC };

/* The exec-new step, from the gate's thread: the mounts made noexec (or
 * cleared), or why that failed and the exec was refused. */
static void audit_noexec(struct cp_run *r, const struct gate_rec *g)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "layer", json_object_new_string("adapt"));
	json_object_object_add(o, "level", json_object_new_int64(g->level));
	json_object_object_add(o, "noexec", json_object_new_boolean(g->noexec_on));
	json_object_object_add(o, "mounts", json_object_new_int64(g->mounts));
	json_object_object_add(o, "pid", json_object_new_int64(g->pid));
	if (g->err) {
		json_object_object_add(o, "error", json_object_new_string(g->why));
		json_object_object_add(o, "errno", json_object_new_int(-g->err));
	}
	cp_audit_emit(r->audit, "noexec", o);
}

static void audit_refusal(struct cp_run *r, const struct gate_rec *g)
{
	struct json_object *o = json_object_new_object();
	char *name = seccomp_syscall_resolve_num_arch(g->arch, g->nr);
	char what[32];

	json_object_object_add(o, "layer", json_object_new_string("adapt"));
	json_object_object_add(o, "hook", json_object_new_string("seccomp-notify"));
	json_object_object_add(o, "syscall", json_object_new_string(name ? name : "?"));
	json_object_object_add(o, "pid", json_object_new_int64(g->pid));
	json_object_object_add(o, "level", json_object_new_int64(g->level));
	snprintf(what, sizeof(what), "%s%s%s%s", (g->cls & CP_FORBID_WRITE) ? "write " : "",
		 (g->cls & CP_FORBID_EXEC) ? "exec " : "",
		 (g->cls & CP_FORBID_EXEC_NEW) ? "exec-new " : "",
		 (g->cls & CP_FORBID_FORK) ? "fork " : "");
	what[strlen(what) - (what[0] != '\0')] = '\0';
	json_object_object_add(o, "forbid", json_object_new_string(what));
	json_object_object_add(o, "rule", json_object_new_string("level"));
	json_object_object_add(o, "errno", json_object_new_int(EPERM));
	if (g->log_only)
		json_object_object_add(o, "verdict", json_object_new_string("audit"));
	free(name);
	cp_audit_emit(r->audit, g->log_only ? "audit" : "deny", o);
}

/* Answer one notification: 0, or -1 when the gate is finished. */
static int answer(struct cr_notify *g)
{
	uint32_t cls, level = 0, forbid = 0, refuse;
	const char *call;
	bool sent;
	int rc;

	memset(g->req, 0, sizeof(*g->req));
	rc = seccomp_notify_receive(g->fd, g->req);
	if (rc < 0)
		/* the caller was killed before we read it: nothing to answer */
		return rc == -ECANCELED && errno == ENOENT ? 0 : -1;
	cls = class_of(g, g->req, &call);
	/* the level as the kernel has it now; no adapt session (the layer
	 * degraded) means the level never rises */
	if (cr_adapt_forbidden(g->r, &level, &forbid) < 0)
		forbid = 0;
	/* a forbidden write into scratch: performed here, answered with its
	 * own result (a refusal only if it is not a scratch write) */
	if (cls == CP_FORBID_WRITE && (forbid & CP_FORBID_WRITE) && !g->log_only && call &&
	    cr_scratch_emulate(g->scratch, g->fd, call, g->req, g->resp, &sent)) {
		g->answered++;
		g->scratch_writes++;
		if (!sent && seccomp_notify_respond(g->fd, g->resp) < 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	/* a call the gate cannot name is refused for any class, exec-new too */
	refuse = cls & forbid & (cls == CR_GATE_CLASSES ? CR_GATE_CLASSES : CR_GATE_REFUSE);
	/* an exec the level lets through: first the writable mounts' noexec
	 * as exec-new wants it; when that cannot be had, no exec at all */
	if (cls == CP_FORBID_EXEC && !refuse && g->noexec && !g->log_only &&
	    cr_noexec_active(g->noexec) != !!(forbid & CP_FORBID_EXEC_NEW)) {
		struct gate_rec rec = {
			.kind = REC_NOEXEC, .pid = g->req->pid, .level = level,
			.noexec_on = !!(forbid & CP_FORBID_EXEC_NEW),
		};

		unsigned before = cr_noexec_mounts(g->noexec);

		rec.err = cr_noexec_set(g->noexec, rec.noexec_on, rec.why, sizeof(rec.why));
		rec.mounts = rec.noexec_on ? cr_noexec_mounts(g->noexec) : before;
		if (rec.err < 0 && rec.noexec_on)
			refuse = CP_FORBID_EXEC_NEW;
		g->noexec_changes++;
		(void)!write(g->recs[1], &rec, sizeof(rec));
	}
	memset(g->resp, 0, sizeof(*g->resp));
	g->resp->id = g->req->id;
	if (refuse && !g->log_only)
		g->resp->error = -EPERM;
	else   /* --log-only: audit what would have been refused, refuse nothing */
		g->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	g->answered++;
	rc = seccomp_notify_respond(g->fd, g->resp);
	if (rc < 0 && !(rc == -ECANCELED && errno == ENOENT))
		return -1;
	if (refuse && g->refused++ < CR_GATE_AUDIT_MAX) {
		struct gate_rec rec = {
			.kind = REC_REFUSAL, .pid = g->req->pid, .arch = g->req->data.arch,
			.nr = g->req->data.nr, .cls = refuse, .level = level, .log_only = g->log_only,
		};

		/* the pipe holds far more than CR_GATE_AUDIT_MAX records */
		(void)!write(g->recs[1], &rec, sizeof(rec));
	}
	return 0;
}

/* The gate's own thread, blocked in poll(2) on the listener alone: the
 * kernel's synchronous wake-up (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) then
 * hands the CPU straight between the sandbox and this thread, which an
 * epoll set shared with the other fds would lose (measured here, open +
 * close of /dev/null for writing: 3 us ungated, 12 us through this
 * thread, 36 us through the supervisor's epoll loop). */
static void *gate_thread(void *arg)
{
	struct cr_notify *g = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = g->fd, .events = POLLIN },
				       { .fd = g->stop, .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		/* POLLHUP: no task is left with the filter (a receive would
		 * block forever before Linux 6.6) */
		if (!(p[0].revents & POLLIN)) {
			if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
				break;
			continue;
		}
		if (answer(g) < 0)
			break;
	}
	return NULL;
}

static int drain_recs(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	struct gate_rec rec;

	(void)fd;
	while (read(((struct cr_notify *)r->notify)->recs[0], &rec, sizeof(rec)) == sizeof(rec)) {
		if (rec.kind == REC_NOEXEC)
			audit_noexec(r, &rec);
		else
			audit_refusal(r, &rec);
	}
	return 0;
}

int cr_notify_start(struct cp_run *r, int fd)
{
	struct cr_notify *g = xcalloc(1, sizeof(*g));
	int rc;

	g->fd = fd;
	g->stop = g->recs[0] = g->recs[1] = -1;
	g->r = r;
	g->log_only = (r->flags & CP_RUN_LOG_ONLY) != 0;
	g->scratch = cr_scratch_new(r->policy, r->child_pid);
	if (gate_classes(r->policy) & CP_FORBID_EXEC_NEW)
		g->noexec = cr_noexec_new(r->child_pid);
	g->native_arch = seccomp_arch_native();
	for (size_t i = 0; i < sizeof(gate_calls) / sizeof(gate_calls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(gate_calls[i].name);

		g->native_nr[i] = nr == __NR_SCMP_ERROR ? -1 : nr;
	}
	r->notify = g;
	/* older kernels: the ordinary wake-ups, only slower */
	(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	rc = seccomp_notify_alloc(&g->req, &g->resp);
	if (rc < 0)
		goto fail;
	g->stop = eventfd(0, EFD_CLOEXEC);
	if (g->stop < 0 || pipe2(g->recs, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = cp_super_add_fd(&r->super, g->recs[0], drain_recs, r);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	cr_notify_stop(r);
	return rc;
}

int cr_notify_run(struct cp_run *r)
{
	struct cr_notify *g = r->notify;
	int rc;

	if (!g)
		return 0;
	rc = -pthread_create(&g->thread, NULL, gate_thread, g);
	if (rc == 0)
		g->running = true;
	return rc;
}

void cr_notify_stop(struct cp_run *r)
{
	struct cr_notify *g = r->notify;

	if (!g)
		return;
	if (g->running) {
		uint64_t one = 1;

		(void)!write(g->stop, &one, sizeof(one));
		pthread_join(g->thread, NULL);
		g->running = false;
	}
	if (g->recs[0] >= 0) {
		drain_recs(g->recs[0], r);
		(void)cp_super_del_fd(&r->super, g->recs[0]);
	}
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "answered", json_object_new_int64((int64_t)g->answered));
		json_object_object_add(o, "refused", json_object_new_int64((int64_t)g->refused));
		json_object_object_add(o, "scratch_writes",
				       json_object_new_int64((int64_t)g->scratch_writes));
		json_object_object_add(o, "noexec_changes",
				       json_object_new_int64((int64_t)g->noexec_changes));
		json_object_object_add(o, "refusals_not_logged", json_object_new_int64(
			g->refused > CR_GATE_AUDIT_MAX ? (int64_t)(g->refused - CR_GATE_AUDIT_MAX) : 0));
		cp_audit_emit(r->audit, "gate", o);
	}
	close(g->fd);
	if (g->stop >= 0)
		close(g->stop);
	for (int i = 0; i < 2; i++)
		if (g->recs[i] >= 0)
			close(g->recs[i]);
	if (g->req)
		seccomp_notify_free(g->req, g->resp);
	cr_scratch_free(g->scratch);
	cr_noexec_free(g->noexec);
	free(g);
	r->notify = NULL;
}
