// SPDX-License-Identifier: MIT
/*
 * adapt_run.c - adaptive containment inside compart-run: the `adapt`
 * layer (profile section `adapt`), --record-features and --label.
 *
 * Called at the run's "layer: adapt" site, after the BPF layer has
 * registered the sandbox (sandbox id, cgroup programs attached, levels'
 * forbid bits in cp_sandbox.forbid_at) and before the target runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "adapt.h"
#include "adapt_run.h"
#include "bpf.h"
#include "cr.h"

/* Observers the model cannot do without (processes); the others only
 * add features. */
static const char *const required_progs[] = { "cp_adapt_fork", "cp_adapt_exec" };
static const char *const feature_progs[] = {
	"cp_adapt_dirty", "cp_adapt_ctime_set", "cp_adapt_ctime_xchg", "cp_adapt_ctime_skip",
	"cp_adapt_capable", "cp_adapt_task_exit",
};

struct cr_adapt {
	struct cp_bpf *own_bpf;        /* opened here when the profile had no other BPF rules */
	struct cp_adapt_session *sess;
	struct cp_adapt_recorder *rec;
	struct cp_tree tree;
	bool have_tree;
	struct cp_bpf *bpf;            /* r->bpf or own_bpf: the level's map */
	uint32_t forbid[4];            /* cumulative CP_FORBID_* per level */
};

/* the same cumulation as policy-compiler/bpf_maps.c puts in the kernel */
static void forbid_levels(const struct cp_policy *p, uint32_t forbid[4])
{
	forbid[0] = 0;
	for (uint32_t lvl = 1; lvl <= CP_MAX_LEVELS; lvl++) {
		forbid[lvl] = forbid[lvl - 1];
		for (size_t i = 0; i < p->adapt.nlevels; i++)
			if (p->adapt.levels[i].level == lvl)
				forbid[lvl] |= p->adapt.levels[i].forbid;
	}
}

int cr_adapt_forbidden(const struct cp_run *r, uint32_t *level, uint32_t *forbid)
{
	const struct cr_adapt *a = r->adapt;
	int rc;

	if (!a || !a->sess || !a->bpf)
		return -ENOENT;
	rc = cp_bpf_get_level(a->bpf, level);
	if (rc)
		return rc;
	*forbid = a->forbid[*level & 3];
	return 0;
}

static int adapt_ready(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	struct cr_adapt *a = r->adapt;
	int rc;

	(void)fd;
	rc = cp_adapt_session_poll(a->sess, 0);
	return rc < 0 ? rc : 0;
}

static void own_event(const struct cp_event *e, void *ctx)
{
	struct cp_run *r = ctx;

	cp_audit_emit(r->audit, e->verdict == CP_VERDICT_ALLOW ? "allow" :
		      e->verdict == CP_VERDICT_AUDIT ? "audit" : "deny", cp_bpf_event_json(e));
}

static int own_events_ready(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	struct cr_adapt *a = r->adapt;
	int rc;

	(void)fd;
	rc = cp_bpf_poll(a->own_bpf, 0, own_event, r);
	return rc < 0 ? rc : 0;
}

/* The profile has an adapt section but no rule for the other BPF layers:
 * scope the (pinned) programs to the sandbox here. */
static struct cp_bpf *open_bpf(struct cp_run *r, char *why, size_t n)
{
	struct cp_bpf_maps m;
	struct cp_bpf *b = NULL;
	struct cp_diag d;
	int rc;

	cp_diag_init(&d, stderr);
	rc = cp_bpf_maps_build(r->policy, &d, &m);
	cp_diag_fini(&d);
	if (rc) {
		snprintf(why, n, "compiling the profile's BPF rules failed: %s", strerror(-rc));
		return NULL;
	}
	if (r->cgroup_fd < 0) {
		snprintf(why, n, "the sandbox has no cgroup v2 to scope the observers to");
		cp_bpf_maps_free(&m);
		return NULL;
	}
	rc = cp_bpf_open(NULL, &b, why, n);
	if (!rc)
		rc = cp_bpf_sandbox_add(b, r->cgroup_fd, r->cgroup_id, (uint32_t)r->child_pid, &m,
					(r->flags & CP_RUN_LOG_ONLY) ? CP_BPF_ADD_LOG_ONLY : 0, why, n);
	cp_bpf_maps_free(&m);
	if (rc) {
		cp_bpf_close(b);
		return NULL;
	}
	return b;
}

static int fds_of(const struct cp_bpf *b, struct cp_adapt_fds *f)
{
	f->sandboxes = cp_bpf_map_fd(b, "cp_sandboxes");
	f->state = cp_bpf_map_fd(b, "cp_adapt_st");
	f->trees = cp_bpf_map_fd(b, "cp_adapt_trees");
	f->sensitive = cp_bpf_map_fd(b, "cp_adapt_sensitive");
	f->rb = cp_bpf_map_fd(b, "cp_adapt_rb");
	f->obs_root = cp_bpf_map_fd(b, "cp_obs_root");
	return (f->sandboxes < 0 || f->state < 0 || f->trees < 0 || f->sensitive < 0 || f->rb < 0 ||
		f->obs_root < 0) ? -ENOENT : 0;
}

void cr_adapt_layer_attach(struct cp_run *r)
{
	const struct cp_policy *p = r->policy;
	const struct cp_run_opts *o = r->opts;
	bool want = cp_layer_wanted(p, CP_LAYER_ADAPT);
	bool recording = o->record_features != NULL;
	struct cp_adapt_session_opts so = { 0 };
	struct cp_bpf *b = r->bpf;
	struct cr_adapt *a;
	char why[512] = "", missing[256] = "";
	uint32_t forbid[4] = { 0 };
	int rc;

	if (!want && !recording) {
		cp_layer_skipped(r, CP_LAYER_ADAPT, "the profile has no adapt section");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	r->adapt = a;

	/* the model first: a bad tree file is bad input (exit 125) whatever
	 * the kernel can do */
	if (want && p->adapt.model_path) {
		struct cp_diag d;

		cp_diag_init(&d, stderr);
		rc = cp_tree_load(p->adapt.model_path, &d, &a->tree);
		cp_diag_fini(&d);
		if (rc == -EINVAL)
			die("adapt: invalid model %s (see above)", p->adapt.model_path);
		if (rc)
			die("adapt: cannot read the model %s: %s", p->adapt.model_path, strerror(-rc));
		a->have_tree = true;
	}
	if (recording) {
		rc = cp_adapt_recorder_open(o->record_features, o->label ? o->label : "unlabelled",
					    o->argv && o->argv[0] ? o->argv[0] : "", r->id, &a->rec);
		if (rc)
			die("--record-features %s: %s", o->record_features, strerror(-rc));
	}

	if (!b) {
		b = a->own_bpf = open_bpf(r, why, sizeof(why));
		if (!b)
			goto unavailable;
		rc = cp_super_add_fd(&r->super, cp_bpf_events_fd(b), own_events_ready, r);
		if (rc)
			die("adapt: watching the event ring buffer: %s", strerror(-rc));
	}
	if (fds_of(b, &so.fds)) {
		snprintf(why, sizeof(why), "the loaded BPF object has no adaptive-containment maps "
			 "(pinned by an older build? remove /sys/fs/bpf/compart)");
		goto unavailable;
	}
	rc = cp_bpf_attach_observers(b, why, sizeof(why));
	if (rc)
		goto unavailable;
	for (size_t i = 0; i < sizeof(required_progs) / sizeof(required_progs[0]); i++)
		if (!cp_bpf_prog_attached(b, required_progs[i])) {
			snprintf(why, sizeof(why), "observer %s is not attached", required_progs[i]);
			goto unavailable;
		}
	for (size_t i = 0; i < sizeof(feature_progs) / sizeof(feature_progs[0]); i++)
		if (!cp_bpf_prog_attached(b, feature_progs[i])) {
			size_t l = strlen(missing);

			snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? "," : "",
				 feature_progs[i] + 9);
		}

	forbid_levels(p, forbid);
	memcpy(a->forbid, forbid, sizeof(a->forbid));
	a->bpf = b;
	/* the host-wide observers turn tasks outside <cgroup2>/compart away
	 * before their hash lookup; every launch (re)states the root, the
	 * same for all of root's sandboxes */
	{
		struct cp_scope_root root;

		/* none found: no filter at all rather than a stale one, which
		 * would hide this sandbox from its observers */
		if (cp_adapt_scope_root(cr_cgroup2_root(), r->cgroup_path, &root) < 0)
			memset(&root, 0, sizeof(root));
		rc = cp_adapt_set_scope_root(&so.fds, &root);
		if (rc < 0) {
			snprintf(why, sizeof(why), "setting the observers' scope: %s", strerror(-rc));
			goto unavailable;
		}
	}
	so.sandbox_id = cp_bpf_sandbox_id(b);
	so.cgroup_fd = r->cgroup_fd;
	so.forbid_at = forbid;
	so.cfg.eval_every = p->adapt.eval_every ? p->adapt.eval_every : 64;
	so.cfg.window_ms = p->adapt.window_ms >= 2 ? p->adapt.window_ms : 2000;
	so.cfg.record = recording;
	so.cfg.lsm_observers = cp_bpf_lsm_active(b) && cp_bpf_prog_attached(b, "cp_adapt_lsm_open");
	so.cfg.tree = a->have_tree ? &a->tree : NULL;
	so.audit = r->audit;
	so.rec = a->rec;
	rc = cp_adapt_session_start(&so, &a->sess, why, sizeof(why));
	if (rc)
		goto unavailable;
	rc = cp_super_add_fd(&r->super, cp_adapt_session_fd(a->sess), adapt_ready, r);
	if (rc)
		die("adapt: watching the decision ring buffer: %s", strerror(-rc));

	if (!want) {
		cp_layer_skipped(r, CP_LAYER_ADAPT, "recording features only (no adapt section)");
	} else if (!a->have_tree) {
		cp_layer_unavailable(r, CP_LAYER_ADAPT, "the adapt section names no model: "
				     "observing only, the level never changes");
	} else {
		/* Say exactly which restrictions this host can enforce: the
		 * level changes in the kernel either way, but only the hooks
		 * that exist here act on it. */
		bool lsm = cp_bpf_lsm_active(b);
		uint32_t all = forbid[CP_MAX_LEVELS];
		char gaps[520] = "", scr[200], ex[240];

		if (cr_scratch_exempt(p, scr, sizeof(scr)))
			snprintf(ex, sizeof(ex), "scratch writes in %s performed by the gate", scr);
		else
			snprintf(ex, sizeof(ex), "no scratch exemption: no scratch path is a tmpfs "
				 "of the view");
		if (!lsm && r->notify && (all & CP_FORBID_EXEC_NEW))
			snprintf(gaps, sizeof(gaps), "; write, exec and fork restrictions enforced by "
				 "a seccomp user-notification gate (%s); exec-new by the gate "
				 "making the view's writable mounts noexec before an exec "
				 "(EACCES; a memfd is not covered)", ex);
		else if (!lsm && r->notify && (all & (CP_FORBID_EXEC | CP_FORBID_WRITE | CP_FORBID_FORK)))
			snprintf(gaps, sizeof(gaps), "; write, exec and fork restrictions enforced by "
				 "a seccomp user-notification gate (%s)", ex);
		else if (!lsm && (all & (CP_FORBID_EXEC | CP_FORBID_EXEC_NEW | CP_FORBID_WRITE |
				    CP_FORBID_FORK)))
			snprintf(gaps, sizeof(gaps), "; exec, exec-new, write and fork restrictions "
				 "NOT enforced (no BPF LSM)");
		cp_layer_applied(r, CP_LAYER_ADAPT, "sandbox %u (programs %s), model %s (%zu nodes, "
				 "depth %u), eval every %u events, window %u ms%s%s%s", so.sandbox_id,
				 cp_bpf_reused(b) ? "pinned" : "loaded", p->adapt.model_path, a->tree.n, a->tree.depth, so.cfg.eval_every,
				 so.cfg.window_ms, gaps, missing[0] ? "; features not observed: " : "",
				 missing);
	}
	return;

unavailable:
	if (want)
		cp_layer_unavailable(r, CP_LAYER_ADAPT, "%s", why);
	else
		die("--record-features: %s", why);
}

void cr_adapt_layer_detach(struct cp_run *r, bool completed)
{
	struct cr_adapt *a = r->adapt;

	if (!a)
		return;
	if (a->sess) {
		cp_super_del_fd(&r->super, cp_adapt_session_fd(a->sess));
		cp_adapt_session_end(a->sess);
		a->sess = NULL;
	}
	if (a->rec) {
		/* only a run that finished leaves a trace file behind */
		if (completed && cp_adapt_recorder_commit(a->rec))
			warnx_cr("warning: --record-features %s could not be written",
				 r->opts->record_features);
		cp_adapt_recorder_free(a->rec);
		a->rec = NULL;
	}
	if (a->own_bpf) {
		cp_super_del_fd(&r->super, cp_bpf_events_fd(a->own_bpf));
		while (cp_bpf_poll(a->own_bpf, 0, own_event, r) > 0)
			;
		cp_bpf_close(a->own_bpf);
		a->own_bpf = NULL;
	}
	cp_tree_free(&a->tree);
	free(a);
	r->adapt = NULL;
}
