/* SPDX-License-Identifier: MIT */
/*
 * cr.h - internal interfaces between the launcher's subsystems.
 *
 * The supervisor prepares a struct cr_plan before creating the sandbox
 * (everything that can fail on bad input or needs the policy compiler is
 * done here, in the parent); the sandbox's init and the target only carry
 * it out.  Failures inside the sandbox travel back over the report pipe as
 * a struct cr_report so the supervisor can print them precisely.
 */
#ifndef CR_CR_H
#define CR_CR_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include "sandbox.h"
#include "util.h"

/* ---- report pipe (sandbox -> supervisor) ------------------------------ */

enum cr_report_kind {
	CR_REP_READY = 1,   /* init finished its setup, waits for "go" */
	CR_REP_FAIL,        /* setup failed: msg; supervisor exits 125 */
	CR_REP_EXEC,        /* execve failed: err, msg = command */
	CR_REP_EXIT,        /* the target's wait status */
	CR_REP_PTY,         /* carries the master of the sandbox's own pty */
	CR_REP_NOTIFY,      /* carries the containment gate's seccomp listener */
};

/* Small enough that one write(2) to a pipe is atomic (PIPE_BUF). */
struct cr_report {
	int32_t kind;
	int32_t err;
	int32_t status;
	int32_t pad;
	char msg[240];
};

/* ---- the plan ------------------------------------------------------------ */

#define CR_MAX_FILTERS 2

struct cr_plan {
	const struct cp_policy *p;
	uint32_t ns;                 /* enum cp_ns actually created */
	bool net_pooled;             /* CP_NS_NET comes from the netns pool:
				      * entered by the supervisor before
				      * clone3, lo already up */
	uid_t uid;                   /* caller's ids, mapped 1:1 */
	gid_t gid;
	bool mount_view;             /* build a new root from the fs rules */
	int report_fd;               /* write end, CLOEXEC */
	int go_fd;                   /* read end, CLOEXEC; -1: no handshake */
	int pty_slave;               /* a pty made by the supervisor; -1: none */
	/* or a pty made inside, on the sandbox's own devpts, with the
	 * caller's terminal settings; its master goes to the supervisor */
	bool pty_inside;
	bool have_tio, have_ws;
	struct termios tio;
	struct winsize ws;
	const int *passfd;
	size_t npassfd;
	char **argv;
	char **envp;                 /* without HOME; the child adds it */
	const char *home;            /* caller's HOME, if any */
	const char *cwd;             /* caller's cwd, if known */
	int landlock_abi;            /* 0 = do not apply */
	struct sock_fprog filters[CR_MAX_FILTERS];  /* installed in order */
	size_t nfilters;
	unsigned int seccomp_flags;
	const char *seccomp_source;  /* "cache", "compiled", "precompiled blob" */
	/* the containment level's seccomp gate (notify.c); len 0: none */
	struct sock_fprog gate;
};

/* ---- sandbox side (never return on failure: report and _exit) -------- */

__attribute__((noreturn, format(printf, 2, 3)))
void cr_child_fail(int err, const char *fmt, ...);
extern int cr_child_report_fd;
/* A report of `kind` carrying fd (SCM_RIGHTS) on the report socket:
 * 0 or -errno. */
int cr_child_send_fd(int sock, enum cr_report_kind kind, int fd);

__attribute__((noreturn))
void cr_init_main(const struct cr_plan *pl);

void cr_ns_write_maps(const struct cr_plan *pl);
void cr_ns_setup_misc(const struct cr_plan *pl);
void cr_mount_setup(const struct cr_plan *pl);
const char *cr_view_deny_fate(const struct cp_policy *p, const struct cp_fs_rule *r);
void cr_caps_apply(const struct cr_plan *pl);
void cr_rlimits_apply(const struct cr_plan *pl);
void cr_landlock_apply(const struct cr_plan *pl);
void cr_seccomp_install(const struct cr_plan *pl);
void cr_notify_install(const struct cr_plan *pl);

/* ---- supervisor side -------------------------------------------------- */

/* Landlock ABI version of this kernel (0 = unavailable, errno in *err). */
int cr_landlock_abi(int *err);
/* Number of rules cr_landlock_apply() will add (for the audit log). */
size_t cr_landlock_count(const struct cp_policy *p, int abi);

/* Compile or fetch from cache the seccomp programs; fills pl->filters. */
void cr_seccomp_prepare(struct cp_run *r, struct cr_plan *pl);
void cr_seccomp_release(struct cr_plan *pl);
/* A libseccomp filter as classic BPF, in out (malloc'd): 0 or -errno. */
int cr_seccomp_export(void *scmp_ctx, struct sock_fprog *out);
/* cleanup attribute for a libseccomp filter context (scmp_filter_ctx) */
void cr_seccomp_releasep(void **scmp_ctx);
/* Add the profile's extra ABIs to a libseccomp filter: 0 or -errno. */
int cr_seccomp_add_arches(void *scmp_ctx, const struct cp_policy *p);

/* The containment gate (notify.c): is it needed for p here (its adapt
 * levels forbid write, exec or fork and BPF LSM will not enforce them)?
 * Build it into pl (0, or -errno with *why); watch its listener in the
 * supervisor's loop; stop. */
bool cr_notify_needed(const struct cp_policy *p, bool lsm_active);
int cr_notify_prepare(const struct cp_policy *p, struct cr_plan *pl, char *why, size_t n);
void cr_notify_release(struct cr_plan *pl);
int cr_notify_start(struct cp_run *r, int fd);
/* Start answering (the gate's thread): after the last fork of the
 * supervisor, since a forked child would inherit no thread. */
int cr_notify_run(struct cp_run *r);
void cr_notify_stop(struct cp_run *r);

/* The gate's scratch exemption (notify_scratch.c): the profile's scratch
 * paths that its view mounts as a tmpfs of their own.  emulate() runs in
 * the gate's thread for a write the level forbids: 1 when it performed
 * the call as the target would have (inside a scratch tmpfs) and filled
 * resp, or answered already (*sent); 0 when the gate must refuse it. */
struct cr_scratch;
struct seccomp_notif;
struct seccomp_notif_resp;
struct cr_scratch *cr_scratch_new(const struct cp_policy *p, pid_t init);
/* The scratch paths exempt at the gate (space-separated in buf), and how many. */
size_t cr_scratch_exempt(const struct cp_policy *p, char *buf, size_t n);
int cr_scratch_emulate(struct cr_scratch *s, int listener, const char *call,
		       const struct seccomp_notif *req, struct seccomp_notif_resp *resp, bool *sent);
void cr_scratch_free(struct cr_scratch *s);

/* The gate's exec-new restriction (notify_noexec.c), in the gate's
 * thread: set(true) makes every writable mount of the sandbox's view
 * noexec, set(false) clears the flag on exactly those again.  0, or
 * -errno with *why (nothing changed: the caller refuses the exec). */
struct cr_noexec;
struct cr_noexec *cr_noexec_new(pid_t init);
int cr_noexec_set(struct cr_noexec *x, bool on, char *why, size_t n);
bool cr_noexec_active(const struct cr_noexec *x);
/* how many mounts carry the gate's noexec now */
unsigned cr_noexec_mounts(const struct cr_noexec *x);
void cr_noexec_free(struct cr_noexec *x);

/* Where this caller's sandbox cgroups go: 0, or -errno with *why. */
int cr_cgroup_parent(char *parent, size_t plen, char *why, size_t n);
/* cgroup v2 leaf: 0, or -errno with *why filled. */
int cr_cgroup_create(struct cp_run *r, char *why, size_t n);
void cr_cgroup_remove(struct cp_run *r);
/* Remove the leaves under parent (v2 or v1) named after supervisors that
 * no longer exist (killed with SIGKILL); a populated one is never removed. */
void cr_cgroup_collect_stale(const char *parent);
/* The profile's cgroup limits, in the v2 leaf or v1 leaves (cglimits.c):
 * 0, or -errno with *why.  Call after cr_cgroup_create. */
int cr_cglimits_apply(struct cp_run *r, char *why, size_t n);
/* Where each of p's cgroup limits would go here ("memory (v1), pids (v1)"),
 * or -ENOENT with the reason in desc.  For --probe. */
int cr_cglimits_where(const struct cp_policy *p, char *desc, size_t n);
/* Move the calling process into the v1 leaves (to) or back to its own
 * cgroups; clone in between.  0 or -errno. */
int cr_cglimits_enter(struct cp_run *r, bool to);
void cr_cglimits_remove(struct cp_run *r);
/* The mounted cgroup v2 hierarchy ("/sys/fs/cgroup/unified" in hybrid). */
const char *cr_cgroup2_root(void);

/* pty proxy in the supervisor */
struct cr_pty {
	int master, slave;
	bool active;
};
int cr_pty_open(struct cr_pty *t);
int cr_pty_start(struct cr_pty *t, struct cp_super *s);
/* The sandbox's own pty, made inside (cr_plan.pty_inside). */
void cr_pty_inside_open(const struct cr_plan *pl, int *slave);
void cr_pty_winch(struct cr_pty *t);
void cr_pty_restore(struct cr_pty *t);
void cr_pty_drain(struct cr_pty *t);

/* environment for the target, NULL-terminated, HOME excluded */
char **cr_env_build(const struct cp_run_opts *o);
void cr_env_free(char **env);

int cr_probe_main(const struct cp_run_opts *o);

/* options.c */
void cr_parse_args(int argc, char **argv, struct cp_run_opts *o);

/* plan.c: the launch-plan cache */
struct cp_policy *cr_plan_get(const struct cp_run_opts *o, bool *hit);
int cr_plan_serialize(const struct cp_policy *p, uint8_t **out, size_t *len);
int cr_plan_deserialize(const uint8_t *buf, size_t len, struct cp_policy **out);
void cr_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);
/* The trusted cache directory (created if needed), or -1. */
int cr_cache_dirfd(const struct cp_run_opts *o);

/* run.c */
int cr_run_main(const struct cp_run_opts *o);
/* load the profile named by o (or "default"); dies with diagnostics */
struct cp_policy *cr_load_profile(const struct cp_run_opts *o);

#endif /* CR_CR_H */
