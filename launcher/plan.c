/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the launch-plan cache: the compiled policy (the whole IR),
 * stored after the first launch and reused while nothing it was built from
 * has changed, so that a launch does not parse, check and lower the profile
 * every time (that, with libcrypto's first-use set-up, was two thirds of a
 * launch's user time).
 *
 * Key: SHA-256 over the launcher binary's identity (path, inode, size,
 * mtime: the compiler is linked in), the IR layout, the profile argument,
 * every -D, and the environment the front end reads ($HOME, $TMPDIR, the
 * cwd, $COMPART_PROFILE_DIR).
 * Validity: every source file is re-read and its SHA-256 compared; every
 * directory that could resolve a profile NAME, an include or the syscall
 * groups file must have the same inode and mtime (a new file that would
 * shadow one changes its directory's mtime); the groups file's content is
 * hashed too (it is not among the policy's source files).  Any mismatch, a
 * bad checksum, a foreign owner or a group/world-writable file or directory
 * means "miss": the profile is compiled again and the entry replaced
 * atomically.  A stale plan can never be used.
 *
 * SHA-256 uses libcrypto's direct (pre-3.0) API: the EVP path's provider
 * set-up costs ~0.5 ms on first use, longer than the whole validation.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cr.h"
#include "hash.h"

#define PLAN_MAGIC "CRPLAN01"
#define MAX_COUNT (1u << 20)
#define MAX_DEPS 64

#ifndef CP_SOURCE_PROFILE_DIR
#define CP_SOURCE_PROFILE_DIR "/usr/local/share/compart/profiles"
#endif
#ifndef CP_INSTALL_PROFILE_DIR
#define CP_INSTALL_PROFILE_DIR "/usr/local/share/compart/profiles"
#endif

/* The serializer below knows these layouts; when ir.h grows a field the
 * sizes change and the cache switches itself off instead of silently
 * dropping the field (update plan.c, then these numbers). */
#define PLAN_LAYOUT_OK (sizeof(struct cp_policy) == 568 && sizeof(struct cp_fs_rule) == 32 && \
	sizeof(struct cp_sys_rule) == 80 && sizeof(struct cp_arg_cond) == 56 && \
	sizeof(struct cp_net_rule) == 96 && sizeof(struct cp_exec_rule) == 32 && \
	sizeof(struct cp_dev_rule) == 48 && sizeof(struct cp_rlimit) == 40 && \
	sizeof(struct cp_adapt) == 136 && sizeof(struct cp_action) == 32 && \
	sizeof(struct cp_process) == 24)

void cr_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
	cp_sha256_buf2(a, alen, b, blen, out);
}

/* ---- writer ----------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	const struct cp_policy *pol;  /* location names index its file table */
	bool bad;                     /* a location names a file outside it */
};

static void w_bytes(struct wbuf *w, const void *d, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;

		while (cap < w->len + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		if (!w->p)
			die("out of memory");
		w->cap = cap;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void w_u8(struct wbuf *w, uint8_t v) { w_bytes(w, &v, 1); }
static void w_u32(struct wbuf *w, uint32_t v) { w_bytes(w, &v, 4); }
static void w_u64(struct wbuf *w, uint64_t v) { w_bytes(w, &v, 8); }

static void w_str(struct wbuf *w, const char *s)
{
	if (!s) {
		w_u32(w, UINT32_MAX);
		return;
	}
	w_u32(w, (uint32_t)strlen(s));
	w_bytes(w, s, strlen(s));
}

/* Locations point into the policy's file table: store the index.  The IR
 * also allows static strings there; such a policy is not cached (the
 * copy would need an owner cp_policy_free() does not know). */
static void w_loc(struct wbuf *w, struct cp_loc l)
{
	uint32_t idx = UINT32_MAX;

	if (l.file) {
		for (size_t i = 0; i < w->pol->nfiles; i++) {
			if (w->pol->files[i] == l.file || strcmp(w->pol->files[i], l.file) == 0) {
				idx = (uint32_t)i;
				break;
			}
		}
		if (idx == UINT32_MAX)
			w->bad = true;
	}
	w_u32(w, idx);
	w_u32(w, l.line);
	w_u32(w, l.col);
}

static void w_action(struct wbuf *w, const struct cp_action *a)
{
	w_u32(w, (uint32_t)a->kind);
	w_u32(w, (uint32_t)a->errno_val);
	w_u8(w, a->audit);
	w_loc(w, a->loc);
}

static void w_policy(struct wbuf *w, const struct cp_policy *p)
{
	w_str(w, p->name);
	w_bytes(w, p->hash, 32);
	w_u32(w, (uint32_t)p->nfiles);
	for (size_t i = 0; i < p->nfiles; i++)
		w_str(w, p->files[i]);

	w_u8(w, p->ns.present);
	w_u32(w, p->ns.mask);
	w_str(w, p->ns.hostname);
	w_loc(w, p->ns.loc);

	w_u8(w, p->fs.present);
	w_u32(w, (uint32_t)p->fs.nrules);
	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *r = &p->fs.rules[i];

		w_str(w, r->path);
		w_u32(w, r->access);
		w_u8(w, r->optional);
		w_u8(w, r->audit);
		w_loc(w, r->loc);
	}

	w_u8(w, p->seccomp.present);
	w_action(w, &p->seccomp.default_action);
	w_u32(w, p->seccomp.arches);
	w_action(w, &p->seccomp.bad_arch_action);
	w_u8(w, p->seccomp.log_denials);
	w_u32(w, (uint32_t)p->seccomp.nrules);
	for (size_t i = 0; i < p->seccomp.nrules; i++) {
		const struct cp_sys_rule *r = &p->seccomp.rules[i];

		w_str(w, r->name);
		w_u32(w, (uint32_t)r->nconds);
		for (size_t k = 0; k < r->nconds; k++) {
			const struct cp_arg_cond *c = &r->conds[k];

			w_u8(w, c->arg);
			w_u32(w, (uint32_t)c->op);
			w_u64(w, c->value);
			w_u64(w, c->mask);
			w_u32(w, (uint32_t)c->nset);
			for (size_t j = 0; j < c->nset; j++)
				w_u64(w, c->set[j]);
			w_loc(w, c->loc);
		}
		w_action(w, &r->action);
		w_u32(w, r->hot);
		w_loc(w, r->loc);
	}

	w_u8(w, p->net.present);
	w_u8(w, p->net.default_allow);
	w_action(w, &p->net.default_action);
	w_u32(w, (uint32_t)p->net.nfamilies);
	for (size_t i = 0; i < p->net.nfamilies; i++)
		w_u32(w, p->net.families[i]);
	w_u32(w, (uint32_t)p->net.nrules);
	for (size_t i = 0; i < p->net.nrules; i++) {
		const struct cp_net_rule *r = &p->net.rules[i];

		w_u8(w, r->allow);
		w_u32(w, (uint32_t)r->proto);
		w_u32(w, r->dir);
		w_u8(w, r->family);
		w_bytes(w, r->addr, 16);
		w_u8(w, r->prefixlen);
		w_u32(w, r->port_lo);
		w_u32(w, r->port_hi);
		w_str(w, r->unix_path);
		w_action(w, &r->action);
		w_loc(w, r->loc);
	}

	w_u8(w, p->exec.present);
	w_u8(w, p->exec.deny_created);
	w_u8(w, p->exec.wx);
	w_u32(w, (uint32_t)p->exec.nrules);
	for (size_t i = 0; i < p->exec.nrules; i++) {
		w_str(w, p->exec.rules[i].path);
		w_u8(w, p->exec.rules[i].allow);
		w_u8(w, p->exec.rules[i].audit);
		w_loc(w, p->exec.rules[i].loc);
	}

	w_u8(w, p->proc.allow_ptrace);
	w_u8(w, p->proc.signal_outside);
	w_u8(w, p->proc.allow_mount);
	w_loc(w, p->proc.loc);

	w_u8(w, p->dev.present);
	w_u32(w, (uint32_t)p->dev.nrules);
	for (size_t i = 0; i < p->dev.nrules; i++) {
		const struct cp_dev_rule *r = &p->dev.rules[i];

		w_u8(w, (uint8_t)r->type);
		w_u64(w, (uint64_t)r->major);
		w_u64(w, (uint64_t)r->minor);
		w_u32(w, r->access);
		w_loc(w, r->loc);
	}

	w_u8(w, p->caps_present);
	w_u64(w, p->caps);
	w_u32(w, (uint32_t)p->nrlimits);
	for (size_t i = 0; i < p->nrlimits; i++) {
		w_u32(w, (uint32_t)p->rlimits[i].resource);
		w_u64(w, p->rlimits[i].soft);
		w_u64(w, p->rlimits[i].hard);
		w_loc(w, p->rlimits[i].loc);
	}

	w_u8(w, p->adapt.present);
	w_str(w, p->adapt.model_path);
	w_u32(w, p->adapt.eval_every);
	w_u32(w, p->adapt.window_ms);
	w_u32(w, (uint32_t)p->adapt.nscratch);
	for (size_t i = 0; i < p->adapt.nscratch; i++)
		w_str(w, p->adapt.scratch[i]);
	w_u32(w, (uint32_t)p->adapt.nlevels);
	for (size_t i = 0; i < CP_MAX_LEVELS; i++) {
		w_u32(w, p->adapt.levels[i].level);
		w_u32(w, p->adapt.levels[i].forbid);
		w_loc(w, p->adapt.levels[i].loc);
	}
	w_loc(w, p->adapt.loc);

	for (size_t i = 0; i < CP_LAYER__COUNT; i++)
		w_u32(w, (uint32_t)p->layers[i]);
}

/* ---- reader ----------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool err;
	struct cp_policy *pol;   /* location indexes resolve in its file table */
};

static void r_bytes(struct rbuf *r, void *d, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = true;
		memset(d, 0, n);
		return;
	}
	memcpy(d, r->p + r->off, n);
	r->off += n;
}

static uint8_t r_u8(struct rbuf *r) { uint8_t v; r_bytes(r, &v, 1); return v; }
static uint32_t r_u32(struct rbuf *r) { uint32_t v; r_bytes(r, &v, 4); return v; }
static uint64_t r_u64(struct rbuf *r) { uint64_t v; r_bytes(r, &v, 8); return v; }

static size_t r_count(struct rbuf *r)
{
	uint32_t n = r_u32(r);

	if (n > MAX_COUNT)
		r->err = true;
	return r->err ? 0 : n;
}

static char *r_str(struct rbuf *r)
{
	uint32_t n = r_u32(r);
	char *s;

	if (n == UINT32_MAX || r->err)
		return NULL;
	if (r->len - r->off < n) {
		r->err = true;
		return NULL;
	}
	s = xcalloc(1, (size_t)n + 1);
	memcpy(s, r->p + r->off, n);
	r->off += n;
	return s;
}

static void *r_array(struct rbuf *r, size_t n, size_t sz)
{
	return n ? xcalloc(n, sz) : NULL;
}

static struct cp_loc r_loc(struct rbuf *r)
{
	struct cp_loc l = { 0 };
	uint32_t idx = r_u32(r);

	l.line = r_u32(r);
	l.col = r_u32(r);
	if (idx == UINT32_MAX)
		return l;
	if (idx >= r->pol->nfiles) {
		r->err = true;
		return l;
	}
	l.file = r->pol->files[idx];
	return l;
}

static void r_action(struct rbuf *r, struct cp_action *a)
{
	a->kind = (enum cp_action_kind)r_u32(r);
	a->errno_val = (int32_t)r_u32(r);
	a->audit = r_u8(r);
	a->loc = r_loc(r);
}

static void r_policy(struct rbuf *r, struct cp_policy *p)
{
	size_t n;

	p->name = r_str(r);
	r_bytes(r, p->hash, 32);
	n = r_count(r);
	p->files = r_array(r, n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		p->files[i] = r_str(r);
		p->nfiles++;
		if (!p->files[i])
			r->err = true;
	}

	p->ns.present = r_u8(r);
	p->ns.mask = r_u32(r);
	p->ns.hostname = r_str(r);
	p->ns.loc = r_loc(r);

	p->fs.present = r_u8(r);
	n = r_count(r);
	p->fs.rules = r_array(r, n, sizeof(*p->fs.rules));
	for (size_t i = 0; i < n; i++, p->fs.nrules++) {
		struct cp_fs_rule *x = &p->fs.rules[i];

		x->path = r_str(r);
		x->access = r_u32(r);
		x->optional = r_u8(r);
		x->audit = r_u8(r);
		x->loc = r_loc(r);
		if (!x->path)
			r->err = true;
	}

	p->seccomp.present = r_u8(r);
	r_action(r, &p->seccomp.default_action);
	p->seccomp.arches = r_u32(r);
	r_action(r, &p->seccomp.bad_arch_action);
	p->seccomp.log_denials = r_u8(r);
	n = r_count(r);
	p->seccomp.rules = r_array(r, n, sizeof(*p->seccomp.rules));
	for (size_t i = 0; i < n && !r->err; i++, p->seccomp.nrules++) {
		struct cp_sys_rule *x = &p->seccomp.rules[i];
		size_t nc;

		x->name = r_str(r);
		nc = r_count(r);
		x->conds = r_array(r, nc, sizeof(*x->conds));
		for (size_t k = 0; k < nc && !r->err; k++, x->nconds++) {
			struct cp_arg_cond *c = &x->conds[k];
			size_t ns;

			c->arg = r_u8(r);
			c->op = (enum cp_cmp_op)r_u32(r);
			c->value = r_u64(r);
			c->mask = r_u64(r);
			ns = r_count(r);
			c->set = r_array(r, ns, sizeof(uint64_t));
			for (size_t j = 0; j < ns; j++)
				c->set[j] = r_u64(r);
			c->nset = ns;
			c->loc = r_loc(r);
		}
		r_action(r, &x->action);
		x->hot = r_u32(r);
		x->loc = r_loc(r);
		if (!x->name)
			r->err = true;
	}

	p->net.present = r_u8(r);
	p->net.default_allow = r_u8(r);
	r_action(r, &p->net.default_action);
	n = r_count(r);
	p->net.families = r_array(r, n, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		p->net.families[i] = r_u32(r);
	p->net.nfamilies = n;
	n = r_count(r);
	p->net.rules = r_array(r, n, sizeof(*p->net.rules));
	for (size_t i = 0; i < n; i++, p->net.nrules++) {
		struct cp_net_rule *x = &p->net.rules[i];

		x->allow = r_u8(r);
		x->proto = (enum cp_net_proto)r_u32(r);
		x->dir = r_u32(r);
		x->family = r_u8(r);
		r_bytes(r, x->addr, 16);
		x->prefixlen = r_u8(r);
		x->port_lo = (uint16_t)r_u32(r);
		x->port_hi = (uint16_t)r_u32(r);
		x->unix_path = r_str(r);
		r_action(r, &x->action);
		x->loc = r_loc(r);
	}

	p->exec.present = r_u8(r);
	p->exec.deny_created = r_u8(r);
	p->exec.wx = r_u8(r);
	n = r_count(r);
	p->exec.rules = r_array(r, n, sizeof(*p->exec.rules));
	for (size_t i = 0; i < n; i++, p->exec.nrules++) {
		p->exec.rules[i].path = r_str(r);
		p->exec.rules[i].allow = r_u8(r);
		p->exec.rules[i].audit = r_u8(r);
		p->exec.rules[i].loc = r_loc(r);
		if (!p->exec.rules[i].path)
			r->err = true;
	}

	p->proc.allow_ptrace = r_u8(r);
	p->proc.signal_outside = r_u8(r);
	p->proc.allow_mount = r_u8(r);
	p->proc.loc = r_loc(r);

	p->dev.present = r_u8(r);
	n = r_count(r);
	p->dev.rules = r_array(r, n, sizeof(*p->dev.rules));
	for (size_t i = 0; i < n; i++, p->dev.nrules++) {
		struct cp_dev_rule *x = &p->dev.rules[i];

		x->type = (char)r_u8(r);
		x->major = (int64_t)r_u64(r);
		x->minor = (int64_t)r_u64(r);
		x->access = r_u32(r);
		x->loc = r_loc(r);
	}

	p->caps_present = r_u8(r);
	p->caps = r_u64(r);
	n = r_count(r);
	p->rlimits = r_array(r, n, sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++, p->nrlimits++) {
		p->rlimits[i].resource = (int)r_u32(r);
		p->rlimits[i].soft = r_u64(r);
		p->rlimits[i].hard = r_u64(r);
		p->rlimits[i].loc = r_loc(r);
	}

	p->adapt.present = r_u8(r);
	p->adapt.model_path = r_str(r);
	p->adapt.eval_every = r_u32(r);
	p->adapt.window_ms = r_u32(r);
	n = r_count(r);
	p->adapt.scratch = r_array(r, n, sizeof(char *));
	for (size_t i = 0; i < n; i++, p->adapt.nscratch++) {
		p->adapt.scratch[i] = r_str(r);
		if (!p->adapt.scratch[i])
			r->err = true;
	}
	p->adapt.nlevels = r_u32(r);
	if (p->adapt.nlevels > CP_MAX_LEVELS)
		r->err = true;
	for (size_t i = 0; i < CP_MAX_LEVELS; i++) {
		p->adapt.levels[i].level = r_u32(r);
		p->adapt.levels[i].forbid = r_u32(r);
		p->adapt.levels[i].loc = r_loc(r);
	}
	p->adapt.loc = r_loc(r);

	for (size_t i = 0; i < CP_LAYER__COUNT; i++) {
		uint32_t v = r_u32(r);

		if (v > CP_REQ_OFF)
			r->err = true;
		p->layers[i] = (enum cp_layer_req)v;
	}
	if (r->off != r->len)
		r->err = true;
}

int cr_plan_serialize(const struct cp_policy *p, uint8_t **out, size_t *len)
{
	struct wbuf w = { .pol = p };

	*out = NULL;
	if (!PLAN_LAYOUT_OK)
		return -ENOTSUP;
	w_policy(&w, p);
	if (w.bad) {
		free(w.p);
		return -ENOTSUP;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

int cr_plan_deserialize(const uint8_t *buf, size_t len, struct cp_policy **out)
{
	struct cp_policy *p = xcalloc(1, sizeof(*p));
	struct rbuf r = { .p = buf, .len = len, .pol = p };

	if (!PLAN_LAYOUT_OK) {
		free(p);
		return -ENOTSUP;
	}
	r_policy(&r, p);
	if (r.err) {
		cp_policy_free(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

/* ---- dependencies --------------------------------------------------------- */

/* What the compiled plan depends on besides the policy's own files: the
 * directories names and includes are resolved in, and the groups file. */
struct deps {
	const char *dir[MAX_DEPS];
	size_t ndir;
};

static void add_dir(struct deps *d, const char *dir)
{
	for (size_t i = 0; i < d->ndir; i++)
		if (strcmp(d->dir[i], dir) == 0)
			return;
	if (d->ndir < MAX_DEPS)
		d->dir[d->ndir++] = dir;
}

static void w_deps(struct wbuf *w, const struct cp_policy *p)
{
	struct deps d = { .ndir = 0 };
	char *dirs[MAX_DEPS];
	size_t nd = 0;
	const char *env = getenv("COMPART_PROFILE_DIR");

	for (size_t i = 0; i < p->nfiles && nd < MAX_DEPS; i++) {
		char *s = xstrdup(p->files[i]), *slash = strrchr(s, '/');

		if (slash)
			*slash = '\0';
		if (!slash || !*s) {
			free(s);
			continue;
		}
		dirs[nd++] = s;
		add_dir(&d, s);
	}
	if (env && *env)
		add_dir(&d, env);
	add_dir(&d, CP_SOURCE_PROFILE_DIR);
	add_dir(&d, CP_INSTALL_PROFILE_DIR);

	w_u32(w, (uint32_t)d.ndir);
	for (size_t i = 0; i < d.ndir; i++) {
		struct stat st;
		char g[PATH_MAX];
		uint8_t sum[32] = { 0 };
		bool have = stat(d.dir[i], &st) == 0;
		char *text = NULL;
		size_t len = 0;

		w_str(w, d.dir[i]);
		w_u8(w, have);
		w_u64(w, have ? st.st_ino : 0);
		w_u64(w, have ? (uint64_t)st.st_mtim.tv_sec : 0);
		w_u64(w, have ? (uint64_t)st.st_mtim.tv_nsec : 0);
		snprintf(g, sizeof(g), "%s/syscalls.groups", d.dir[i]);
		have = cr_read_whole(g, &text, &len) == 0;
		if (have)
			cr_sha256(text, len, NULL, 0, sum);
		free(text);
		w_u8(w, have);
		w_bytes(w, sum, 32);
	}
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
}

/* Files: the policy's sources with their content hashes. */
static int w_files(struct wbuf *w, const struct cp_policy *p)
{
	w_u32(w, (uint32_t)p->nfiles);
	for (size_t i = 0; i < p->nfiles; i++) {
		uint8_t sum[32];
		char *text = NULL;
		size_t len = 0;

		if (cr_read_whole(p->files[i], &text, &len) < 0)
			return -ENOENT;
		cr_sha256(text, len, NULL, 0, sum);
		free(text);
		w_str(w, p->files[i]);
		w_bytes(w, sum, 32);
	}
	return 0;
}

static bool check_files(struct rbuf *r)
{
	size_t n = r_count(r);

	for (size_t i = 0; i < n && !r->err; i++) {
		char *path = r_str(r), *text = NULL;
		uint8_t want[32], got[32];
		size_t len = 0;
		bool ok;

		r_bytes(r, want, 32);
		ok = path && cr_read_whole(path, &text, &len) == 0;
		if (ok) {
			cr_sha256(text, len, NULL, 0, got);
			ok = memcmp(got, want, 32) == 0;
		}
		free(text);
		free(path);
		if (!ok)
			return false;
	}
	return !r->err;
}

static bool check_deps(struct rbuf *r)
{
	size_t n = r_count(r);

	for (size_t i = 0; i < n && !r->err; i++) {
		char *dir = r_str(r), g[PATH_MAX], *text = NULL;
		uint8_t had = r_u8(r), ghad, want[32], got[32];
		uint64_t ino = r_u64(r), s = r_u64(r), ns = r_u64(r);
		struct stat st;
		bool have, ok;
		size_t len = 0;

		ghad = r_u8(r);
		r_bytes(r, want, 32);
		if (!dir)
			return false;
		have = stat(dir, &st) == 0;
		ok = have == !!had && (!have || (st.st_ino == ino &&
			(uint64_t)st.st_mtim.tv_sec == s && (uint64_t)st.st_mtim.tv_nsec == ns));
		snprintf(g, sizeof(g), "%s/syscalls.groups", dir);
		free(dir);
		if (!ok)
			return false;
		have = cr_read_whole(g, &text, &len) == 0;
		if (have)
			cr_sha256(text, len, NULL, 0, got);
		free(text);
		if (have != !!ghad || (have && memcmp(got, want, 32) != 0))
			return false;
	}
	return !r->err;
}

/* ---- the cache file ----------------------------------------------------- */

struct plan_hdr {
	char magic[8];
	uint32_t payload_len;
	uint32_t pad;
	uint8_t key[32];
	uint8_t sum[32];      /* SHA-256 of key + payload */
};

static void plan_key(const struct cp_run_opts *o, uint8_t key[32])
{
	struct wbuf w = { 0 };
	char exe[PATH_MAX], cwd[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st = { 0 };
	static const char *const envs[] = { "HOME", "TMPDIR", "COMPART_PROFILE_DIR" };

	w_bytes(&w, PLAN_MAGIC, 8);
	if (n > 0) {
		exe[n] = '\0';
		(void)stat(exe, &st);
		w_str(&w, exe);
	}
	w_u64(&w, st.st_dev);
	w_u64(&w, st.st_ino);
	w_u64(&w, (uint64_t)st.st_size);
	w_u64(&w, (uint64_t)st.st_mtim.tv_sec);
	w_u64(&w, (uint64_t)st.st_mtim.tv_nsec);
	w_u64(&w, sizeof(struct cp_policy));
	w_str(&w, o->profile ? o->profile : "default");
	for (size_t i = 0; i < o->ndefines; i++)
		w_str(&w, o->defines[i]);
	w_u32(&w, UINT32_MAX - 1);
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		w_str(&w, getenv(envs[i]));
	w_str(&w, getcwd(cwd, sizeof(cwd)) ? cwd : NULL);
	cr_sha256(w.p, w.len, NULL, 0, key);
	free(w.p);
}

static struct cp_policy *plan_read(int dirfd, const char *name, const uint8_t key[32])
{
	struct plan_hdr h;
	struct cp_policy *p = NULL;
	uint8_t sum[32];
	struct stat st;
	uint8_t *buf;
	struct rbuf r;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || (size_t)st.st_size < sizeof(h) ||
	    cr_read_full(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, PLAN_MAGIC, 8) != 0 || memcmp(h.key, key, 32) != 0 ||
	    (size_t)st.st_size != sizeof(h) + h.payload_len) {
		close(fd);
		return NULL;
	}
	buf = xcalloc(1, h.payload_len);
	if (cr_read_full(fd, buf, h.payload_len) != (ssize_t)h.payload_len) {
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	cr_sha256(key, 32, buf, h.payload_len, sum);
	if (memcmp(sum, h.sum, 32) != 0)
		goto out;
	r = (struct rbuf){ .p = buf, .len = h.payload_len, .pol = NULL };
	if (!check_files(&r) || !check_deps(&r))
		goto out;
	if (cr_plan_deserialize(buf + r.off, h.payload_len - r.off, &p) < 0)
		p = NULL;
out:
	free(buf);
	return p;
}

static void plan_write(int dirfd, const char *name, const uint8_t key[32],
		       const struct cp_policy *p)
{
	struct plan_hdr h = { .pad = 0 };
	struct wbuf w = { 0 };
	uint8_t *ser = NULL;
	size_t serlen;
	char tmp[128];
	int fd;

	w_bytes(&w, &h, sizeof(h));
	if (w_files(&w, p) < 0 || cr_plan_serialize(p, &ser, &serlen) < 0)
		goto out;
	w_deps(&w, p);
	w_bytes(&w, ser, serlen);
	memcpy(h.magic, PLAN_MAGIC, 8);
	h.payload_len = (uint32_t)(w.len - sizeof(h));
	memcpy(h.key, key, 32);
	cr_sha256(key, 32, w.p + sizeof(h), h.payload_len, h.sum);
	memcpy(w.p, &h, sizeof(h));

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto out;
	if (cr_write_all(fd, w.p, w.len) < 0 || fsync(fd) < 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		goto out;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
out:
	free(ser);
	free(w.p);
}

struct cp_policy *cr_plan_get(const struct cp_run_opts *o, bool *hit)
{
	struct cp_policy *p;
	uint8_t key[32];
	char name[80];
	int dirfd;

	*hit = false;
	dirfd = o->no_cache || !PLAN_LAYOUT_OK ? -1 : cr_cache_dirfd(o);
	if (dirfd < 0)
		return cr_load_profile(o);
	plan_key(o, key);
	memcpy(name, "plan-", 5);
	cr_hex(key, 16, name + 5);
	p = plan_read(dirfd, name, key);
	if (p) {
		*hit = true;
	} else {
		p = cr_load_profile(o);
		plan_write(dirfd, name, key, p);
	}
	close(dirfd);
	return p;
}
