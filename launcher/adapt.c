// SPDX-License-Identifier: MIT
/*
 * adapt.c - adaptive containment, user-space core: maps, trees, records,
 * observer attachment, feature recording.  See adapt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "adapt.h"
#include "audit.h"

/* ---- maps ------------------------------------------------------------ */

int cp_adapt_fds_from_obj(struct bpf_object *obj, struct cp_adapt_fds *fds)
{
	static const struct { const char *name; size_t off; } maps[] = {
		{ "cp_sandboxes", offsetof(struct cp_adapt_fds, sandboxes) },
		{ "cp_adapt_st", offsetof(struct cp_adapt_fds, state) },
		{ "cp_adapt_trees", offsetof(struct cp_adapt_fds, trees) },
		{ "cp_adapt_sensitive", offsetof(struct cp_adapt_fds, sensitive) },
		{ "cp_adapt_rb", offsetof(struct cp_adapt_fds, rb) },
		{ "cp_obs_root", offsetof(struct cp_adapt_fds, obs_root) },
	};

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[i].name);
		int fd = m ? bpf_map__fd(m) : -1;

		if (fd < 0)
			return -ENOENT;
		*(int *)((char *)fds + maps[i].off) = fd;
	}
	return 0;
}

/* Path components that mark credential stores.  The kernel compares a
 * 64-bit FNV-1a hash of each of the last CP_SENS_LEVELS components of an
 * opened file (at most 15 bytes, the probe's buffer) against this set. */
static const char *const sensitive_names[] = {
	".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc",
	".pgpass", ".git-credentials", ".password-store", ".vault-token",
	".npmrc", ".pypirc", ".bash_history", ".zsh_history", "gcloud",
	"keyrings", "credentials", "id_rsa", "id_ecdsa", "id_ed25519",
	"shadow", "gshadow", "sudoers", "wallet.dat",
};

#define SENS_HASH_BYTES 15

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < SENS_HASH_BYTES && s[i]; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int fill_sensitive(int fd)
{
	for (size_t i = 0; i < sizeof(sensitive_names) / sizeof(sensitive_names[0]); i++) {
		uint64_t h = fnv1a(sensitive_names[i]);
		uint32_t one = 1;

		if (bpf_map_update_elem(fd, &h, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

int cp_adapt_tree_install(int trees_fd, uint32_t sid, const struct cp_tree *t)
{
	char why[128];
	int inner, rc = 0;

	if (!t || cp_tree_validate(t->nodes, t->n, NULL, why, sizeof(why)))
		return -EINVAL;
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cp_tree", sizeof(uint32_t),
			       sizeof(struct cp_tree_node), CP_TREE_MAX_NODES, NULL);
	if (inner < 0)
		return -errno;
	for (uint32_t i = 0; i < t->n; i++)
		if (bpf_map_update_elem(inner, &i, &t->nodes[i], BPF_ANY)) {
			rc = -errno;
			goto out;
		}
	/* Unused slots stay zero: feature 0 / children 0 would be a cycle,
	 * but the walk never reaches them since the tree validated. */
	if (bpf_map_update_elem(trees_fd, &sid, &inner, BPF_ANY))
		rc = -errno;
out:
	close(inner);   /* the outer map holds its own reference */
	return rc;
}

/* Setup path: every update of an array of maps waits for an RCU grace
 * period (4-13 ms here), so a sandbox slot keeps its tree array after its
 * sandbox, and the next sandbox with that id rewrites it in place.  Safe
 * only while the slot's walk is off (CP_ADAPT_F_TREE clear, see
 * cp_adapt_sandbox_setup); -ENOENT when the slot has no array yet. */
static int tree_rewrite(int trees_fd, uint32_t sid, const struct cp_tree *t)
{
	static struct cp_tree_node nodes[CP_TREE_MAX_NODES];
	static uint32_t keys[CP_TREE_MAX_NODES];
	uint32_t inner_id, count = CP_TREE_MAX_NODES;
	int inner, rc = 0;

	if (t->n > CP_TREE_MAX_NODES)
		return -EINVAL;
	if (bpf_map_lookup_elem(trees_fd, &sid, &inner_id))
		return -ENOENT;
	inner = bpf_map_get_fd_by_id(inner_id);
	if (inner < 0)
		return -ENOENT;
	/* the whole array in one call: the new nodes, then zeros over
	 * whatever the previous tree left beyond them */
	memset(nodes, 0, sizeof(nodes));
	memcpy(nodes, t->nodes, t->n * sizeof(nodes[0]));
	for (uint32_t i = 0; i < CP_TREE_MAX_NODES; i++)
		keys[i] = i;
	if (bpf_map_update_batch(inner, keys, nodes, &count, NULL))
		rc = -errno;
	else if (count != CP_TREE_MAX_NODES)
		rc = -EIO;
	close(inner);
	return rc;
}

int cp_adapt_scope_root(const char *cg2root, const char *cg_path, struct cp_scope_root *out)
{
	size_t rl = strlen(cg2root);
	const char *slash = strrchr(cg_path, '/');
	char parent[4096];
	struct stat st;
	uint32_t level = 0;

	if (!slash || strncmp(cg_path, cg2root, rl) || cg_path[rl] != '/' ||
	    (size_t)(slash - cg_path) >= sizeof(parent))
		return -EINVAL;
	memcpy(parent, cg_path, (size_t)(slash - cg_path));
	parent[slash - cg_path] = '\0';
	for (const char *c = parent + rl; *c; c++)
		if (*c == '/' && c[1] && c[1] != '/')
			level++;
	if (!level)
		return -EINVAL;
	if (stat(parent, &st) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	out->cgroup_id = st.st_ino;   /* on cgroup v2 the id is the inode number */
	out->level = level;
	return 0;
}

int cp_adapt_set_scope_root(const struct cp_adapt_fds *fds, const struct cp_scope_root *root)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(fds->obs_root, &zero, root, BPF_ANY) ? -errno : 0;
}

int cp_adapt_sandbox_setup(const struct cp_adapt_fds *fds, uint32_t sid,
			   const struct cp_adapt_cfg *cfg)
{
	struct cp_adapt_state st;
	struct timespec now;
	int rc;

	if (sid >= CP_MAX_SANDBOXES || !cfg->eval_every || cfg->window_ms < 2)
		return -EINVAL;
	rc = fill_sensitive(fds->sensitive);
	if (rc)
		return rc;
	/* the slot's walk stays off until its tree is complete (a launcher
	 * that crashed may have left its flags set) */
	memset(&st, 0, sizeof(st));
	if (bpf_map_update_elem(fds->state, &sid, &st, BPF_ANY))
		return -errno;
	if (cfg->tree) {
		char why[128];

		if (cp_tree_validate(cfg->tree->nodes, cfg->tree->n, NULL, why, sizeof(why)))
			return -EINVAL;
		rc = tree_rewrite(fds->trees, sid, cfg->tree);
		if (rc == -ENOENT)
			rc = cp_adapt_tree_install(fds->trees, sid, cfg->tree);
		if (rc)
			return rc;
	}
	/* without a tree the slot's old array, if any, stays unused: the
	 * walk needs CP_ADAPT_F_TREE */
	st.flags = CP_ADAPT_F_ENABLED | (cfg->tree ? CP_ADAPT_F_TREE : 0) |
		   (cfg->record ? CP_ADAPT_F_RECORD : 0) |
		   (cfg->lsm_observers ? CP_ADAPT_F_LSM_FILES : 0);
	st.eval_every = cfg->eval_every;
	st.window_ns = (uint64_t)cfg->window_ms * 1000000ull;
	clock_gettime(CLOCK_REALTIME, &now);
	st.start_real_s = (uint64_t)now.tv_sec;
	clock_gettime(CLOCK_MONOTONIC, &now);   /* bpf_ktime_get_ns() */
	st.half_start_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (bpf_map_update_elem(fds->state, &sid, &st, BPF_ANY))
		return -errno;
	return 0;
}

void cp_adapt_sandbox_teardown(const struct cp_adapt_fds *fds, uint32_t sid)
{
	struct cp_adapt_state st;

	if (sid >= CP_MAX_SANDBOXES)
		return;
	memset(&st, 0, sizeof(st));
	bpf_map_update_elem(fds->state, &sid, &st, BPF_ANY);
	/* the tree array stays in the slot for the next sandbox with this id
	 * (tree_rewrite): deleting it would cost an RCU grace period */
}

int cp_adapt_state_read(const struct cp_adapt_fds *fds, uint32_t sid, struct cp_adapt_state *st)
{
	if (bpf_map_lookup_elem(fds->state, &sid, st))
		return -errno;
	return 0;
}

void cp_adapt_window(const struct cp_adapt_state *st, uint32_t v[CP_FEAT_COUNT])
{
	for (int i = 0; i < CP_FEAT_COUNT; i++)
		v[i] = st->cur[i] + st->prev[i];
	v[CP_FEAT_TASKS_PEAK] = st->cur[CP_FEAT_TASKS_PEAK] > st->prev[CP_FEAT_TASKS_PEAK] ?
				st->cur[CP_FEAT_TASKS_PEAK] : st->prev[CP_FEAT_TASKS_PEAK];
	v[CP_FEAT_BYTES_WRITTEN_KB] = (uint32_t)((st->cur_bytes[CP_ADAPT_BYTES_WRITTEN] +
						  st->prev_bytes[CP_ADAPT_BYTES_WRITTEN]) >> 10);
	v[CP_FEAT_BYTES_SENT_KB] = (uint32_t)((st->cur_bytes[CP_ADAPT_BYTES_SENT] +
					       st->prev_bytes[CP_ADAPT_BYTES_SENT]) >> 10);
}

int cp_adapt_set_level(int sandboxes_fd, int state_fd, uint64_t cgid, uint32_t level)
{
	struct cp_sandbox sb;
	struct cp_adapt_state st;
	uint32_t old;

	if (level > CP_MAX_LEVELS)
		return -EINVAL;
	if (bpf_map_lookup_elem(sandboxes_fd, &cgid, &sb))
		return -errno;
	old = sb.level;
	if (level < old && state_fd >= 0 && bpf_map_lookup_elem(state_fd, &sb.id, &st) == 0 &&
	    (st.flags & CP_ADAPT_F_ENABLED)) {
		struct timespec now;

		memset(st.cur, 0, sizeof(st.cur));
		memset(st.prev, 0, sizeof(st.prev));
		memset(st.cur_bytes, 0, sizeof(st.cur_bytes));
		memset(st.prev_bytes, 0, sizeof(st.prev_bytes));
		memset(st.dir_bloom, 0, sizeof(st.dir_bloom));
		memset(st.dest_bloom, 0, sizeof(st.dest_bloom));
		memset(st.file_bloom, 0, sizeof(st.file_bloom));
		clock_gettime(CLOCK_MONOTONIC, &now);
		st.half_start_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
		if (bpf_map_update_elem(state_fd, &sb.id, &st, BPF_EXIST))
			return -errno;
	}
	sb.level = level;
	/* BPF_EXIST: never resurrect a sandbox that ended meanwhile */
	if (bpf_map_update_elem(sandboxes_fd, &cgid, &sb, BPF_EXIST))
		return -errno;
	return (int)old;
}

int cp_adapt_find_sandbox(int sandboxes_fd, uint32_t sid, uint64_t *cgid)
{
	uint64_t key, next;
	struct cp_sandbox sb;
	uint64_t *prev = NULL;

	while (bpf_map_get_next_key(sandboxes_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(sandboxes_fd, &key, &sb) == 0 && sb.id == sid) {
			*cgid = key;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- JSON ------------------------------------------------------------- */

const char *cp_adapt_hook_name(unsigned hook)
{
	switch (hook) {
	case CP_ADAPT_HOOK_TICK:    return "every-n-events";
	case CP_ADAPT_HOOK_CONNECT: return "connect";
	case CP_ADAPT_HOOK_EXEC:    return "exec";
	case CP_ADAPT_HOOK_FORK:    return "fork";
	case CP_ADAPT_HOOK_TEST:    return "test";
	default:                    return "unknown";
	}
}

struct json_object *cp_adapt_features_json(const uint32_t v[CP_FEAT_COUNT])
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (unsigned i = 0; i < CP_FEAT_COUNT; i++)
		json_object_object_add(o, cp_feat_name(i), json_object_new_int64(v[i]));
	return o;
}

struct json_object *cp_adapt_decision_json(const struct cp_adapt_rec *r, const struct cp_tree *t)
{
	const struct cp_decision *d = &r->d;
	struct json_object *o = json_object_new_object();
	struct json_object *path = json_object_new_array();
	struct json_object *win = json_object_new_object();
	unsigned depth = d->depth < CP_TREE_MAX_DEPTH ? d->depth : CP_TREE_MAX_DEPTH;

	if (!o || !path || !win) {
		json_object_put(o);
		json_object_put(path);
		json_object_put(win);
		return NULL;
	}
	json_object_object_add(o, "bpf_sandbox", json_object_new_int64(d->sandbox_id));
	json_object_object_add(o, "old_level", json_object_new_int(d->old_level));
	json_object_object_add(o, "new_level", json_object_new_int(d->new_level));
	json_object_object_add(o, "trigger", json_object_new_string(cp_adapt_hook_name(r->hook)));
	json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	json_object_object_add(o, "leaf", json_object_new_int(r->leaf));
	for (unsigned i = 0; i < depth; i++) {
		struct json_object *step = json_object_new_object();
		unsigned node = d->path_node[i];
		const struct cp_tree_node *n = t && node < t->n ? &t->nodes[node] : NULL;

		if (!step)
			continue;
		json_object_object_add(step, "node", json_object_new_int(node));
		if (n && n->feature < CP_FEAT_COUNT) {
			json_object_object_add(step, "feature",
					       json_object_new_string(cp_feat_name(n->feature)));
			json_object_object_add(step, "value",
					       json_object_new_int64(d->feat.v[n->feature]));
			json_object_object_add(step, "threshold", json_object_new_int64(n->threshold));
		}
		json_object_object_add(step, "op", json_object_new_string(d->path_left[i] ? "<=" : ">"));
		json_object_array_add(path, step);
	}
	json_object_object_add(o, "path", path);
	json_object_object_add(win, "events", json_object_new_int64((int64_t)d->feat.events));
	json_object_object_add(win, "features", cp_adapt_features_json(d->feat.v));
	json_object_object_add(o, "window", win);
	return o;
}

/* ---- observers ------------------------------------------------------------- */

bool cp_adapt_is_prog(const char *name)
{
	return name && !strncmp(name, "cp_adapt_", 9);
}

bool cp_adapt_is_cgroup_prog(const char *name)
{
	static const char *const cg[] = {
		"cp_adapt_connect4", "cp_adapt_connect6", "cp_adapt_sendmsg4",
		"cp_adapt_sendmsg6", "cp_adapt_egress",
	};

	for (size_t i = 0; i < sizeof(cg) / sizeof(cg[0]); i++)
		if (name && !strcmp(name, cg[i]))
			return true;
	return false;
}

bool cp_adapt_is_lsm_prog(const char *name)
{
	return name && !strncmp(name, "cp_adapt_lsm_", 13);
}

/* Without these two the model never sees processes; every other observer
 * only adds features. */
static bool required_observer(const char *name)
{
	return !strcmp(name, "cp_adapt_fork") || !strcmp(name, "cp_adapt_exec");
}

static int links_add(struct cp_adapt_links *ls, struct bpf_link *l)
{
	if (ls->n == CP_ADAPT_MAX_LINKS) {
		bpf_link__destroy(l);
		return -E2BIG;
	}
	ls->l[ls->n++] = l;
	return 0;
}

int cp_adapt_attach_global(struct bpf_object *obj, struct cp_adapt_links *ls,
			   char *why, size_t whylen)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		struct bpf_link *l;
		int rc;

		if (!cp_adapt_is_prog(name) || cp_adapt_is_cgroup_prog(name) ||
		    !strcmp(name, "cp_adapt_selftest") || bpf_program__fd(p) < 0)
			continue;
		/* LSM observers are loaded only where BPF LSM works; a failed
		 * attach of one is an unobserved feature like any other */
		l = bpf_program__attach(p);
		if (!l) {
			rc = -errno;
			if (required_observer(name)) {
				snprintf(why, whylen, "cannot attach %s: %s", name, strerror(-rc));
				return rc;
			}
			ls->failed++;
			size_t used = strlen(ls->failed_names);
			snprintf(ls->failed_names + used, sizeof(ls->failed_names) - used, "%s%s",
				 used ? " " : "", name + 9);
			continue;
		}
		rc = links_add(ls, l);
		if (rc) {
			snprintf(why, whylen, "too many observer links");
			return rc;
		}
	}
	return 0;
}

int cp_adapt_attach_cgroup(struct bpf_object *obj, int cgroup_fd, struct cp_adapt_links *ls,
			   char *why, size_t whylen)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		struct bpf_link *l;
		int rc;

		if (!cp_adapt_is_cgroup_prog(name) || bpf_program__fd(p) < 0)
			continue;
		l = bpf_program__attach_cgroup(p, cgroup_fd);
		if (!l) {
			rc = -errno;
			snprintf(why, whylen, "cannot attach %s to the sandbox cgroup: %s", name,
				 strerror(-rc));
			return rc;
		}
		rc = links_add(ls, l);
		if (rc) {
			snprintf(why, whylen, "too many observer links");
			return rc;
		}
	}
	return 0;
}

void cp_adapt_links_destroy(struct cp_adapt_links *ls)
{
	while (ls->n)
		bpf_link__destroy(ls->l[--ls->n]);
}

/* ---- feature recording ------------------------------------------------------ */

struct cp_adapt_recorder {
	FILE *f;
	char *path, *tmp;
	char *label, *workload, *run;
	unsigned long seq;
	bool failed;
};

int cp_adapt_recorder_open(const char *path, const char *label, const char *workload,
			   const char *run, struct cp_adapt_recorder **out)
{
	struct cp_adapt_recorder *r = calloc(1, sizeof(*r));
	int fd;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->path = strdup(path);
	r->label = strdup(label ? label : "unlabelled");
	r->workload = strdup(workload ? workload : "");
	r->run = strdup(run ? run : "");
	if (!r->path || !r->label || !r->workload || !r->run ||
	    asprintf(&r->tmp, "%s.tmp.XXXXXX", path) < 0) {
		r->tmp = NULL;
		cp_adapt_recorder_free(r);
		return -ENOMEM;
	}
	fd = mkostemp(r->tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;

		free(r->tmp);
		r->tmp = NULL;
		cp_adapt_recorder_free(r);
		return rc;
	}
	r->f = fdopen(fd, "w");
	if (!r->f) {
		int rc = -errno;

		close(fd);
		cp_adapt_recorder_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int cp_adapt_recorder_add(struct cp_adapt_recorder *r, const char *kind, unsigned hook,
			  const uint32_t v[CP_FEAT_COUNT], uint64_t events, uint32_t level)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "label", json_object_new_string(r->label));
	if (*r->workload)
		json_object_object_add(o, "workload", json_object_new_string(r->workload));
	if (*r->run)
		json_object_object_add(o, "run", json_object_new_string(r->run));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)r->seq++));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "trigger", json_object_new_string(cp_adapt_hook_name(hook)));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)events));
	json_object_object_add(o, "level", json_object_new_int((int)level));
	json_object_object_add(o, "features", cp_adapt_features_json(v));
	if (fprintf(r->f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 0)
		r->failed = true;
	json_object_put(o);
	return r->failed ? -EIO : 0;
}

int cp_adapt_recorder_commit(struct cp_adapt_recorder *r)
{
	int rc = 0;

	if (fflush(r->f) || fsync(fileno(r->f)) || r->failed)
		rc = -EIO;
	if (fclose(r->f) && !rc)
		rc = -errno;
	r->f = NULL;
	if (!rc && rename(r->tmp, r->path))
		rc = -errno;
	if (!rc) {
		free(r->tmp);
		r->tmp = NULL;
	}
	return rc;
}

void cp_adapt_recorder_free(struct cp_adapt_recorder *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	if (r->tmp)
		unlink(r->tmp);
	free(r->tmp);
	free(r->path);
	free(r->label);
	free(r->workload);
	free(r->run);
	free(r);
}

/* ---- session --------------------------------------------------------------- */

struct cp_adapt_session {
	struct cp_adapt_session_opts o;
	struct cp_adapt_fds fds;
	struct ring_buffer *rb;
	uint32_t forbid_at[CP_MAX_LEVELS + 1];
	uint32_t level;
	unsigned tightenings, samples;
	bool frozen;
};

/* CP_FORBID_FREEZE: the kernel cannot freeze a cgroup from BPF, so the
 * supervisor does it on the decision record.  cgroup v2 only
 * (cgroup.freeze, Linux 5.2); on v1-only hosts the level still applies
 * every other restriction and the event says the freeze did not happen. */
static int freeze_cgroup(int cgroup_fd)
{
	int fd;
	ssize_t w;

	if (cgroup_fd < 0)
		return -EBADF;
	fd = openat(cgroup_fd, "cgroup.freeze", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, "1", 1);
	close(fd);
	return w == 1 ? 0 : -errno;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct cp_adapt_session *s = ctx;
	const struct cp_adapt_rec *r = data;

	if (len < sizeof(*r) || r->d.sandbox_id != s->o.sandbox_id)
		return 0;   /* another sandbox sharing the object */
	if (r->kind == CP_ADAPT_REC_SAMPLE) {
		s->samples++;
		if (s->o.rec)
			cp_adapt_recorder_add(s->o.rec, "sample", r->hook, r->d.feat.v,
					      r->d.feat.events, s->level);
		return 0;
	}
	if (r->kind != CP_ADAPT_REC_DECISION)
		return 0;
	s->tightenings++;
	if (r->d.new_level > s->level)
		s->level = r->d.new_level;

	struct json_object *j = cp_adapt_decision_json(r, s->o.cfg.tree);
	uint32_t forbid = s->forbid_at[r->d.new_level & 3];

	if (j) {
		json_object_object_add(j, "forbid", json_object_new_int64(forbid));
		if (forbid & CP_FORBID_FREEZE) {
			int frc = s->frozen ? 0 : freeze_cgroup(s->o.cgroup_fd);

			if (!frc)
				s->frozen = true;
			json_object_object_add(j, "frozen", json_object_new_boolean(!frc));
			if (frc)
				json_object_object_add(j, "freeze_error",
						       json_object_new_string(strerror(-frc)));
		}
		if (s->o.verbose)
			fprintf(stderr, "compart-run: adapt: level %u -> %u: %s\n", r->d.old_level,
				r->d.new_level, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		if (s->o.rec)
			cp_adapt_recorder_add(s->o.rec, "decision", r->hook, r->d.feat.v,
					      r->d.feat.events, r->d.new_level);
		cp_audit_emit(s->o.audit, "adapt", j);
	}
	return 0;
}

int cp_adapt_session_start(const struct cp_adapt_session_opts *o,
			   struct cp_adapt_session **out, char *why, size_t whylen)
{
	struct cp_adapt_session *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->o = *o;
	if (o->forbid_at)
		memcpy(s->forbid_at, o->forbid_at, sizeof(s->forbid_at));
	s->fds = o->fds;
	rc = cp_adapt_sandbox_setup(&s->fds, o->sandbox_id, &o->cfg);
	if (rc) {
		snprintf(why, whylen, "cannot install the model for sandbox %u: %s", o->sandbox_id,
			 strerror(-rc));
		free(s);
		return rc;
	}
	s->rb = ring_buffer__new(s->fds.rb, on_record, s, NULL);
	if (!s->rb) {
		rc = -errno;
		snprintf(why, whylen, "cannot open the decision ring buffer: %s", strerror(-rc));
		cp_adapt_sandbox_teardown(&s->fds, o->sandbox_id);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int cp_adapt_session_fd(const struct cp_adapt_session *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int cp_adapt_session_poll(struct cp_adapt_session *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->rb, timeout_ms);

	return n < 0 && n != -EINTR ? n : (n < 0 ? 0 : n);
}

uint32_t cp_adapt_session_level(const struct cp_adapt_session *s)
{
	return s->level;
}

unsigned cp_adapt_session_tightenings(const struct cp_adapt_session *s)
{
	return s->tightenings;
}

void cp_adapt_session_end(struct cp_adapt_session *s)
{
	struct cp_adapt_state st;

	if (!s)
		return;
	ring_buffer__consume(s->rb);
	if (cp_adapt_state_read(&s->fds, s->o.sandbox_id, &st) == 0) {
		uint32_t v[CP_FEAT_COUNT];
		struct json_object *j = json_object_new_object();

		cp_adapt_window(&st, v);
		if (s->o.rec)
			cp_adapt_recorder_add(s->o.rec, "exit", CP_ADAPT_HOOK_TICK, v, st.events, s->level);
		if (j) {
			json_object_object_add(j, "events", json_object_new_int64((int64_t)st.events));
			json_object_object_add(j, "tightenings", json_object_new_int64(st.tightenings));
			json_object_object_add(j, "final_level", json_object_new_int((int)s->level));
			json_object_object_add(j, "tree_errors", json_object_new_int64(st.errors));
			json_object_object_add(j, "records_lost", json_object_new_int64(st.rb_lost));
			json_object_object_add(j, "window", cp_adapt_features_json(v));
			cp_audit_emit(s->o.audit, "adapt-summary", j);
		}
	}
	cp_adapt_sandbox_teardown(&s->fds, s->o.sandbox_id);
	ring_buffer__free(s->rb);
	free(s);
}
