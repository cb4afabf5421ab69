/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - the per-run context of compart-run and the supervisor event
 * loop.  This is the integration contract for the layers that live in the
 * supervisor (launcher/bpf.c, launcher/adapt.c):
 *
 *   1. options: add a row to the option table in launcher/options.c and a
 *      field to struct cp_run_opts below;
 *   2. attach: in launcher/run.c, at the call site marked
 *      "layer: bpf (prepare)" (the cgroup exists: cgroup_fd, cgroup_id
 *      valid; no sandboxed process yet) and at "layer: bpf" / "layer:
 *      adapt" (the init exists in the cgroup: child_pid, child_pidfd valid,
 *      its setup done, the command not started).  The init waits there
 *      for "go" only when a supervisor-side layer is wanted
 *      (cp_layer_wanted() for bpf-lsm, cgroup-bpf or adapt) or r->bpf /
 *      r->adapt was set at the prepare site; otherwise the round trip is
 *      skipped and nothing may be armed at "layer: bpf";
 *   3. poll: register ring-buffer fds with cp_super_add_fd() at that site;
 *   4. detach: at the site marked "layer: ... detach" after the sandbox's
 *      init has exited (also reached from die() paths via cp_run_cleanup);
 *   5. report every layer decision with cp_layer_applied() /
 *      cp_layer_unavailable(): never claim enforcement that is not there.
 */
#ifndef CR_SANDBOX_H
#define CR_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compart.h"
#include "audit.h"

/* ---- supervisor event loop ------------------------------------------ */

/* Return 0 to keep watching fd, CP_SUPER_REMOVE to stop watching it
 * (the loop does not close it), or -errno to stop the loop with an error. */
#define CP_SUPER_REMOVE 1
typedef int (*cp_super_cb)(int fd, void *ctx);

#define CP_SUPER_MAX 16

struct cp_super {
	int epfd;
	bool stop;
	struct {
		int fd;
		cp_super_cb cb;
		void *ctx;
	} slot[CP_SUPER_MAX];
};

int cp_super_init(struct cp_super *s);
void cp_super_fini(struct cp_super *s);
/* Watch fd for readability (EPOLLIN; hang-ups are delivered as readable). */
int cp_super_add_fd(struct cp_super *s, int fd, cp_super_cb cb, void *ctx);
int cp_super_del_fd(struct cp_super *s, int fd);
/* Dispatch until cp_super_stop() or a callback error.  Returns 0 or the
 * callback's -errno. */
int cp_super_run(struct cp_super *s);
void cp_super_stop(struct cp_super *s);

/* ---- options ---------------------------------------------------------- */

#define CR_MAX_LIST 64

struct cp_run_opts {
	const char *profile;           /* NAME or FILE; NULL = "default" */
	const char *defines[CR_MAX_LIST + 1];   /* -D NAME=VALUE, NULL-terminated */
	size_t ndefines;
	const char *setenv[CR_MAX_LIST];
	size_t nsetenv;
	const char *keepenv[CR_MAX_LIST];
	size_t nkeepenv;
	int passfd[CR_MAX_LIST];
	size_t npassfd;
	const char *audit_log;         /* FILE or fd:N */
	const char *seccomp_blob;      /* --bpf-seccomp-blob */
	const char *cache_dir;
	bool probe, json, log_only, no_cache;
	const char *record_features;   /* --record-features FILE (adapt_run.c) */
	const char *label;             /* --label benign|attack|level:N */
	char **argv;                   /* the command */
	int argc;
};

/* ---- layer bookkeeping -------------------------------------------------- */

enum cp_layer_state {
	CP_LSTATE_PENDING = 0,
	CP_LSTATE_APPLIED,
	CP_LSTATE_SKIPPED,     /* not needed by the profile, or turned off */
	CP_LSTATE_DEGRADED,    /* wanted, optional, unavailable */
};

/* ---- the run ---------------------------------------------------------- */

#define CP_RUN_LOG_ONLY (1u << 0)

#define CR_CGLIMIT_CTLS 2

struct cp_run {
	const struct cp_run_opts *opts;
	struct cp_policy *policy;
	char id[40];                   /* sandbox id string, e.g. cr-1234-89abcdef */
	uint32_t flags;                /* CP_RUN_* */
	struct cp_audit *audit;
	struct cp_super super;

	/* cgroup v2 leaf (cgroup_fd < 0 when none) */
	char cgroup_path[PATH_MAX];
	int cgroup_fd;
	uint64_t cgroup_id;
	/* cgroup limits (cglimits.c), per controller (memory, pids): the v1
	 * leaf where v2 lacks the controller ("" = none), that hierarchy's
	 * mount point and the supervisor's own cgroup in it; a description
	 * for the audit log */
	char cglimit_v1[CR_CGLIMIT_CTLS][PATH_MAX];
	char cglimit_mnt[CR_CGLIMIT_CTLS][PATH_MAX];
	char cglimit_home[CR_CGLIMIT_CTLS][PATH_MAX];
	char cglimit_desc[160];

	pid_t child_pid;               /* the sandbox's init, host pid */
	int child_pidfd;

	enum cp_layer_state layer_state[CP_LAYER__COUNT];

	/* private state of supervisor-side layers, owned by their files */
	void *bpf;
	void *adapt;
	void *notify;                  /* notify.c: the containment gate */
};

/* Does the profile want this layer at all (its rules, or `required`)? */
bool cp_layer_wanted(const struct cp_policy *p, enum cp_layer l);
/* Does the profile have rules only this layer enforces (what `auto` means)? */
bool cp_layer_has_rules(const struct cp_policy *p, enum cp_layer l);
/* The profile sets cgroup limits (memory, pids). */
bool cp_has_cglimits(const struct cp_policy *p);
/* Must the run fail if the layer cannot be applied? */
bool cp_layer_required(const struct cp_policy *p, enum cp_layer l);

/* Record (stderr when degraded, audit log always) that a layer is applied,
 * with a short detail such as "abi 7, 12 rules". */
__attribute__((format(printf, 3, 4)))
void cp_layer_applied(struct cp_run *r, enum cp_layer l, const char *fmt, ...);
/* A layer the profile wants cannot be applied: exit 125 naming the layer
 * and why if it is required, otherwise degrade with a message on stderr
 * and in the audit log.  Returns only when degrading. */
__attribute__((format(printf, 3, 4)))
void cp_layer_unavailable(struct cp_run *r, enum cp_layer l, const char *fmt, ...);
/* The profile does not use the layer (audit log only). */
void cp_layer_skipped(struct cp_run *r, enum cp_layer l, const char *why);

/* Kill the sandbox, detach supervisor layers, remove the cgroup.  Safe to
 * call more than once and from die(). */
void cp_run_cleanup(struct cp_run *r);

#endif /* CR_SANDBOX_H */
