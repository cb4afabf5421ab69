/* SPDX-License-Identifier: MIT */
/*
 * adapt.h - user-space side of adaptive containment.
 *
 * The kernel side (bpf/adapt.bpf.h) observes each adaptive sandbox, keeps
 * its feature window in cp_adapt_st, walks its tree (cp_adapt_trees) and
 * raises cp_sandbox.level by itself.  User space:
 *   - validates and installs the tree, writes the sandbox's configuration;
 *   - turns decision records into `adapt` audit events with the decision
 *     path spelled out (feature, value, threshold, direction);
 *   - freezes the cgroup when the new level forbids CP_FORBID_FREEZE;
 *   - records labelled feature samples (--record-features);
 *   - lowers a level on the operator's explicit request (compart-ctl).
 *
 * The core (first half) depends on libbpf fds only, so tests and the
 * corpus harness use it without a compart-run run context.
 */
#ifndef CR_ADAPT_H
#define CR_ADAPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "tree.h"          /* also ir.h and compart_abi.h, in that order */

struct json_object;
struct bpf_object;
struct bpf_link;

/* ---- core ------------------------------------------------------------ */

/* The maps of the compart object that adaptive containment uses. */
struct cp_adapt_fds {
	int sandboxes;     /* cp_sandboxes: cgroup id -> struct cp_sandbox */
	int state;         /* cp_adapt_st */
	int trees;         /* cp_adapt_trees (array of maps) */
	int sensitive;     /* cp_adapt_sensitive */
	int rb;            /* cp_adapt_rb */
	int obs_root;      /* cp_obs_root */
};

/* Look the maps up by name in a loaded object.  0 or -ENOENT. */
int cp_adapt_fds_from_obj(struct bpf_object *obj, struct cp_adapt_fds *fds);

struct cp_adapt_cfg {
	uint32_t eval_every;     /* >= 1 */
	uint32_t window_ms;      /* >= 2 */
	bool record;             /* emit feature samples */
	bool lsm_observers;      /* the lsm/ observers are attached (BPF LSM
	                          * active): exact file/exec features */
	const struct cp_tree *tree;   /* NULL: observe only, never tighten */
};

/* Install the tree (validated again here: the kernel trusts it) and the
 * configuration for sandbox `sid`, and the credential-store name table.
 * Must run before the sandbox executes anything. */
int cp_adapt_sandbox_setup(const struct cp_adapt_fds *fds, uint32_t sid,
			   const struct cp_adapt_cfg *cfg);
/* The scope root of the host-wide observers (struct cp_scope_root): the
 * parent of the sandbox cgroup `cg_path`, below the cgroup v2 mount
 * `cg2root`.  0 or -errno (-EINVAL: the parent is the hierarchy's root,
 * which would filter nothing). */
int cp_adapt_scope_root(const char *cg2root, const char *cg_path, struct cp_scope_root *out);
/* Store it in cp_obs_root.  0 or -errno. */
int cp_adapt_set_scope_root(const struct cp_adapt_fds *fds, const struct cp_scope_root *root);

/* Clear the sandbox's state (its walk stops).  Its tree array stays in the
 * slot, rewritten in place by the next setup with this id: removing or
 * replacing an array-of-maps slot waits for an RCU grace period.  Safe to
 * repeat. */
void cp_adapt_sandbox_teardown(const struct cp_adapt_fds *fds, uint32_t sid);

/* Put/replace only the tree of a sandbox, atomically even while the
 * sandbox runs: a new inner array swapped into the slot (one RCU grace
 * period). */
int cp_adapt_tree_install(int trees_fd, uint32_t sid, const struct cp_tree *t);

/* Read the sandbox's state and compute the current window values exactly
 * as the kernel's snapshot does. */
int cp_adapt_state_read(const struct cp_adapt_fds *fds, uint32_t sid,
			struct cp_adapt_state *st);
void cp_adapt_window(const struct cp_adapt_state *st, uint32_t v[CP_FEAT_COUNT]);

/* Operator action: set the level of the sandbox whose cgroup id is
 * `cgid` to `level` (lowering allowed; this is the only way down).  When
 * lowering, the sandbox's feature window is cleared too (state_fd >= 0):
 * the operator has judged the behaviour so far, and the model would
 * otherwise raise the level again on the same evidence at its next
 * evaluation.  Returns the previous level, or -errno. */
int cp_adapt_set_level(int sandboxes_fd, int state_fd, uint64_t cgid, uint32_t level);
/* Find a sandbox's cgroup id from its sandbox id.  0 or -ENOENT. */
int cp_adapt_find_sandbox(int sandboxes_fd, uint32_t sid, uint64_t *cgid);

/* JSON helpers for the audit log and traces. */
struct json_object *cp_adapt_features_json(const uint32_t v[CP_FEAT_COUNT]);
/* The explanation of a decision record: old/new level, trigger, the
 * path (feature, value, threshold, direction) and the window.  `t` is the
 * tree the kernel walked (for thresholds). */
struct json_object *cp_adapt_decision_json(const struct cp_adapt_rec *r, const struct cp_tree *t);
const char *cp_adapt_hook_name(unsigned hook);

/* ---- observers ----------------------------------------------------------- */

/* Programs are attached through links owned by this set. */
#define CP_ADAPT_MAX_LINKS 48
struct cp_adapt_links {
	struct bpf_link *l[CP_ADAPT_MAX_LINKS];
	unsigned n;
	unsigned failed;          /* optional observers that could not attach */
	char failed_names[256];
};

/* Does program `name` belong to adaptive containment, is it a
 * per-cgroup program (attached to each sandbox's cgroup), an observer that
 * needs BPF LSM? */
bool cp_adapt_is_prog(const char *name);
bool cp_adapt_is_cgroup_prog(const char *name);
bool cp_adapt_is_lsm_prog(const char *name);

/* Attach the host-wide observers (tracepoints, kprobes).  One set per
 * loaded object: attaching twice would count every event twice.  An
 * observer that cannot attach is listed in failed_names (its features
 * stay 0); the fork/exec tracepoints are required. */
int cp_adapt_attach_global(struct bpf_object *obj, struct cp_adapt_links *ls,
			   char *why, size_t whylen);
/* Attach the connect/sendmsg/egress programs to a sandbox's cgroup. */
int cp_adapt_attach_cgroup(struct bpf_object *obj, int cgroup_fd, struct cp_adapt_links *ls,
			   char *why, size_t whylen);
void cp_adapt_links_destroy(struct cp_adapt_links *ls);

/* ---- feature recording (--record-features) --------------------------- */

struct cp_adapt_recorder;

/* Samples go to a temporary file next to `path`, renamed into place by
 * cp_adapt_recorder_commit(): an interrupted run leaves no partial file. */
int cp_adapt_recorder_open(const char *path, const char *label, const char *workload,
			   const char *run, struct cp_adapt_recorder **out);
/* Write one sample (kind "sample", "decision" or "exit"). */
int cp_adapt_recorder_add(struct cp_adapt_recorder *r, const char *kind, unsigned hook,
			  const uint32_t v[CP_FEAT_COUNT], uint64_t events, uint32_t level);
int cp_adapt_recorder_commit(struct cp_adapt_recorder *r);
/* Discard (unlink the temporary file) and free; NULL is fine. */
void cp_adapt_recorder_free(struct cp_adapt_recorder *r);

/* ---- a running adaptive sandbox ------------------------------------------ */

struct cp_audit;
struct cp_adapt_session;

struct cp_adapt_session_opts {
	struct cp_adapt_fds fds;       /* maps of the loaded/pinned compart object */
	uint32_t sandbox_id;
	int cgroup_fd;                 /* the sandbox's cgroup (for cgroup.freeze) */
	const uint32_t *forbid_at;     /* cumulative CP_FORBID_* per level 0..3 */
	struct cp_adapt_cfg cfg;
	struct cp_audit *audit;        /* `adapt` events (may be NULL) */
	struct cp_adapt_recorder *rec; /* --record-features (may be NULL; owned by caller) */
	bool verbose;                  /* also print decisions on stderr */
};

/* Install the sandbox's tree/config and open the decision ring buffer. */
int cp_adapt_session_start(const struct cp_adapt_session_opts *o,
			   struct cp_adapt_session **out, char *why, size_t whylen);
/* The epoll-able fd of the decision ring buffer. */
int cp_adapt_session_fd(const struct cp_adapt_session *s);
/* Consume pending records (timeout like epoll).  Returns records handled
 * or -errno. */
int cp_adapt_session_poll(struct cp_adapt_session *s, int timeout_ms);
/* Highest level reached and number of tightenings seen so far. */
uint32_t cp_adapt_session_level(const struct cp_adapt_session *s);
unsigned cp_adapt_session_tightenings(const struct cp_adapt_session *s);
/* Drain, write the exit sample (when recording), report counters in an
 * `adapt-summary` audit event, remove the sandbox's tree and state. */
void cp_adapt_session_end(struct cp_adapt_session *s);

#endif /* CR_ADAPT_H */
