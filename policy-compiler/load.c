// SPDX-License-Identifier: MIT
/*
 * load.c - the front end's driver: find and read profile files, follow
 * includes (depth-limited, cycles reported with the chain), hash the
 * sources, and run the stages on each file:
 *
 *   lex -> parse -> variables -> sema (per section) -> check -> lower
 *   -> merge over the file's includes -> finalize
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front.h"
#include "hash.h"
#include "lexer.h"
#include "util.h"

#ifndef CP_SOURCE_PROFILE_DIR
#define CP_SOURCE_PROFILE_DIR "profiles"
#endif
#ifndef CP_INSTALL_PROFILE_DIR
#define CP_INSTALL_PROFILE_DIR "/usr/local/share/compart/profiles"
#endif

#define CP_GROUPS_FILE "syscalls.groups"

static const struct cp_loc no_loc;

static const char *read_error(int rc)
{
	if (rc == -EINVAL)
		return "not a regular file";
	if (rc == -EFBIG)
		return "larger than 1 MiB";
	return strerror(-rc);
}

/* ---- search path --------------------------------------------------- */

/* The directories searched for profile NAMEs and the groups file. */
static size_t search_dirs(const struct cp_ctx *c, const char *out[8])
{
	size_t n = 0;

	if (c->opts && c->opts->search_path) {
		for (const char *const *p = c->opts->search_path; *p && n < 8; p++)
			out[n++] = *p;
		return n;
	}
	{
		const char *e = getenv("COMPART_PROFILE_DIR");

		if (e && *e)
			out[n++] = e;
	}
	out[n++] = CP_SOURCE_PROFILE_DIR;
	out[n++] = CP_INSTALL_PROFILE_DIR;
	return n;
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool valid_profile_name(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

static bool is_path_ref(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 8 && !strcmp(s + n - 8, ".profile"));
}

/* Resolve `target` (a NAME or a path) seen in `from` (NULL at top
 * level).  Returns 0, -ENOENT (nothing found) or -ENOMEM. */
static int resolve(struct cp_ctx *c, const char *from, const char *target, char **out)
{
	const char *dirs[8];
	size_t nd;

	if (is_path_ref(target)) {
		if (target[0] == '/' || !from) {
			*out = strdup(target);
		} else {
			/* relative to the including file, so a profile tree can
			 * be moved as a whole */
			const char *slash = strrchr(from, '/');

			if (slash) {
				if (asprintf(out, "%.*s/%s", (int)(slash - from), from, target) < 0)
					*out = NULL;
			} else {
				*out = strdup(target);
			}
		}
		if (!*out)
			return -ENOMEM;
		if (!is_file(*out)) {
			struct stat st;
			int rc = stat(*out, &st) == 0 ? -EINVAL : -ENOENT;

			free(*out);
			*out = NULL;
			return rc;
		}
		return 0;
	}
	if (from) {
		/* sibling profiles first */
		const char *slash = strrchr(from, '/');
		char *cand = NULL;

		if (asprintf(&cand, "%.*s%s%s.profile", slash ? (int)(slash - from) : 0, from,
			     slash ? "/" : "", target) < 0)
			return -ENOMEM;
		if (is_file(cand)) {
			*out = cand;
			return 0;
		}
		free(cand);
	}
	nd = search_dirs(c, dirs);
	for (size_t i = 0; i < nd; i++) {
		char *cand = NULL;

		if (asprintf(&cand, "%s/%s.profile", dirs[i], target) < 0)
			return -ENOMEM;
		if (is_file(cand)) {
			*out = cand;
			return 0;
		}
		free(cand);
	}
	return -ENOENT;
}

static void report_not_found(struct cp_ctx *c, struct cp_loc loc, unsigned span, const char *target)
{
	const char *dirs[8];
	size_t nd = search_dirs(c, dirs);
	char list[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < nd && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", dirs[i]);
	if (is_path_ref(target))
		cp_diag_report(c->d, CP_SEV_ERROR, loc, span, "profile file '%s' not found", target);
	else
		cp_diag_report(c->d, CP_SEV_ERROR, loc, span, "profile '%s' not found (searched %s)",
			       target, list);
}

/* ---- groups --------------------------------------------------------- */

const struct cp_groups *cp_ctx_groups(struct cp_ctx *c, struct cp_loc loc)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;
	int rc;

	if (c->groups_loaded)
		return c->groups_rc ? NULL : &c->groups;
	c->groups_loaded = true;
	if (c->opts && c->opts->groups_file) {
		path = strdup(c->opts->groups_file);
	} else {
		const char *dirs[9];
		size_t nd = 0;

		if (c->root_dir)
			dirs[nd++] = c->root_dir;
		nd += search_dirs(c, dirs + nd);
		for (size_t i = 0; i < nd && !path; i++) {
			char *cand = NULL;

			if (asprintf(&cand, "%s/%s", dirs[i], CP_GROUPS_FILE) < 0) {
				c->groups_rc = -ENOMEM;
				return NULL;
			}
			if (is_file(cand))
				path = cand;
			else
				free(cand);
		}
		if (!path) {
			cp_error(c->d, loc, "syscall groups file '%s' not found next to the profile or in "
				 "the profile directories", CP_GROUPS_FILE);
			c->groups_rc = -EINVAL;
			return NULL;
		}
	}
	if (!path) {
		c->groups_rc = -ENOMEM;
		return NULL;
	}
	rc = cp_read_file(path, &text, &len);
	if (rc) {
		cp_error(c->d, loc, "cannot read syscall groups file '%s': %s", path, read_error(rc));
		c->groups_rc = -EINVAL;
		return NULL;
	}
	rc = cp_diag_add_source(c->d, path, text, len);
	/* the groups a rule names are part of the policy: a changed groups
	 * file must change the policy hash the audit log reports */
	if (!rc)
		rc = cp_sha256_update(c->sha, text, len);
	if (!rc)
		rc = cp_groups_parse(path, text, len, c->d, &c->groups);
	c->groups_rc = rc;
	return rc ? NULL : &c->groups;
}

/* ---- files ---------------------------------------------------------- */

/* Register a file; returns its display name (owned by ctx), or NULL on
 * ENOMEM.  A file seen before (diamond include) is hashed only once. */
static const char *register_file(struct cp_ctx *c, const char *disp, const char *id,
				 const char *text, size_t len)
{
	char **nf, **ni;

	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->ids[i], id))
			return c->files[i];
	nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	c->files = nf;
	ni = realloc(c->ids, (c->nfiles + 1) * sizeof(*ni));
	if (!ni)
		return NULL;
	c->ids = ni;
	nf[c->nfiles] = strdup(disp);
	ni[c->nfiles] = strdup(id);
	if (!nf[c->nfiles] || !ni[c->nfiles]) {
		free(nf[c->nfiles]);
		free(ni[c->nfiles]);
		return NULL;
	}
	c->nfiles++;
	if (cp_sha256_update(c->sha, text, len))
		return NULL;
	if (cp_diag_add_source(c->d, disp, text, len))
		return NULL;
	return c->files[c->nfiles - 1];
}

static int process_text(struct cp_ctx *c, const char *disp, const char *id, const char *text,
			size_t len, struct cp_frag *acc);

static int process_include(struct cp_ctx *c, const char *from, const struct ast_include *inc,
			   struct cp_frag *acc)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *real = NULL, *target = NULL;
	struct ast_item it = { .kind = AI_WORD, .text = inc->target, .loc = inc->loc, .span = inc->span };
	size_t len;
	int rc;

	/* include "$HOME/.config/compart/site.profile": variables known at
	 * this point (built-ins, -D, earlier files) expand */
	rc = cp_expand(c, &it, &target);
	if (rc)
		return rc;
	if (!*target) {
		cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span, "empty include");
		return -EINVAL;
	}
	rc = resolve(c, from, target, &path);
	if (rc == -ENOENT) {
		if (inc->optional)
			return 0;
		report_not_found(c, inc->loc, inc->span, target);
		return -EINVAL;
	}
	if (rc == -EINVAL) {
		cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span,
			       "'%s' is not a regular file", target);
		return rc;
	}
	if (rc)
		return rc;
	real = realpath(path, NULL);
	if (!real)
		real = strdup(path);
	if (!real)
		return -ENOMEM;
	for (unsigned i = 0; i < c->depth; i++)
		if (!strcmp(c->chain[i], real)) {
			char chain[2048];
			size_t n = 0;

			for (unsigned k = i; k < c->depth && n < sizeof(chain); k++)
				n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s -> ", c->chain[k]);
			if (n < sizeof(chain))
				snprintf(chain + n, sizeof(chain) - n, "%s", real);
			cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span, "include cycle: %s", chain);
			return -EINVAL;
		}
	if (++c->nprocessed > CP_MAX_INCLUDES) {
		cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span,
			       "more than %d includes in one profile", CP_MAX_INCLUDES);
		return -EINVAL;
	}
	if (c->depth > CP_MAX_INCLUDE_DEPTH) {
		cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span,
			       "includes nested more than %d deep", CP_MAX_INCLUDE_DEPTH);
		return -EINVAL;
	}
	rc = cp_read_file(path, &text, &len);
	if (rc) {
		cp_diag_report(c->d, CP_SEV_ERROR, inc->loc, inc->span, "cannot read '%s': %s",
			       path, read_error(rc));
		return -EINVAL;
	}
	return process_text(c, path, real, text, len, acc);
}

typedef int (*sema_fn)(struct cp_ctx *, const struct ast_section *, struct cp_frag *);

static int run_sema(struct cp_ctx *c, const struct ast_file *f, struct cp_frag *own,
		    const struct cp_frag *acc)
{
	static const sema_fn fns[SEC__COUNT] = {
		[SEC_NAMESPACES] = cp_sema_namespaces,
		[SEC_FILESYSTEM] = cp_sema_filesystem,
		[SEC_NETWORK] = cp_sema_network,
		[SEC_EXEC] = cp_sema_exec,
		[SEC_PROCESS] = cp_sema_process,
		[SEC_DEVICES] = cp_sema_devices,
		[SEC_CAPABILITIES] = cp_sema_capabilities,
		[SEC_LIMITS] = cp_sema_limits,
		[SEC_ADAPT] = cp_sema_adapt,
		[SEC_LAYERS] = cp_sema_layers,
	};
	int err = 0;

	/* keep going after an error in one section: users fix several at once */
	for (size_t i = 0; i < f->nsections; i++) {
		const struct ast_section *s = &f->sections[i];
		int rc;

		if (s->kind == SEC_SYSCALLS)
			rc = cp_sema_syscalls(c, s, own, &acc->p);
		else
			rc = fns[s->kind](c, s, own);
		if (rc == -ENOMEM)
			return rc;
		if (rc && !err)
			err = rc;
	}
	return err;
}

static int process_text(struct cp_ctx *c, const char *disp, const char *id, const char *text,
			size_t len, struct cp_frag *acc)
{
	struct token_list tl = { 0 };
	struct ast_file ast = { 0 };
	struct cp_frag own;
	const char *file, *saved_cur;
	int rc;

	file = register_file(c, disp, id, text, len);
	if (!file)
		return -ENOMEM;
	rc = cp_lex(file, text, len, c->d, &tl);
	if (rc)
		return rc;
	rc = cp_parse(&tl, c->d, &ast);
	cp_tokens_free(&tl);
	if (rc)
		return rc;
	ast.path = file;
	cp_frag_init(&own);

	c->chain[c->depth++] = id;
	for (size_t i = 0; i < ast.nincludes && !rc; i++)
		rc = process_include(c, file, &ast.includes[i], acc);
	c->depth--;
	if (rc)
		goto out;

	for (size_t i = 0; i < ast.ndefines && !rc; i++)
		rc = cp_vars_define(c, &ast.defines[i]);
	if (rc)
		goto out;

	saved_cur = c->cur_file;
	c->cur_file = file;
	rc = run_sema(c, &ast, &own, acc);
	c->cur_file = saved_cur;
	if (rc)
		goto out;
	rc = cp_check_frag(c, &own);
	if (rc)
		goto out;
	rc = cp_lower_frag(c, &own);
	if (rc)
		goto out;
	rc = cp_merge(c, acc, &own);
out:
	cp_frag_fini(&own);
	cp_ast_free(&ast);
	return rc;
}

static uint32_t native_arch(void)
{
#if defined(__aarch64__)
	return CP_ARCH_AARCH64;
#else
	return CP_ARCH_X86_64;
#endif
}

static char *stem(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 8 && !strcmp(b + n - 8, ".profile"))
		n -= 8;
	return strndup(b, n);
}

static void ctx_fini(struct cp_ctx *c)
{
	cp_vars_fini(c);
	cp_groups_free(&c->groups);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i]);
		free(c->ids[i]);
	}
	free(c->files);
	free(c->ids);
	free(c->root_dir);
	cp_sha256_free(c->sha);
}

static int load_common(const char *disp, const char *id, const char *buf, size_t len,
		       const struct cp_load_opts *opts, struct cp_diag *diag,
		       struct cp_policy **out)
{
	struct cp_diag local;
	struct cp_ctx c = { 0 };
	struct cp_frag acc;
	struct cp_policy *p = NULL;
	unsigned errors_before;
	int rc;

	if (!diag) {
		cp_diag_init(&local, NULL);
		diag = &local;
	}
	errors_before = diag->errors;
	cp_frag_init(&acc);
	c.opts = opts;
	c.d = diag;
	c.native_arch = native_arch();
	{
		const char *slash = strrchr(disp, '/');

		c.root_dir = slash ? strndup(disp, (size_t)(slash - disp)) : strdup(".");
		if (!c.root_dir) {
			rc = -ENOMEM;
			goto out;
		}
	}
	c.sha = cp_sha256_new();
	if (!c.sha) {
		rc = -ENOMEM;
		goto out;
	}
	rc = cp_vars_init(&c);
	if (rc)
		goto out;
	rc = process_text(&c, disp, id, buf, len, &acc);
	if (rc)
		goto out;
	rc = cp_finalize(&c, &acc);
	if (rc)
		goto out;
	/* an error reported without failing a stage is still an error */
	if (diag->errors != errors_before) {
		rc = -EINVAL;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	*p = acc.p;
	memset(&acc.p, 0, sizeof(acc.p));
	p->name = stem(disp);
	if (!p->name) {
		rc = -ENOMEM;
		goto out;
	}
	rc = cp_sha256_final(c.sha, p->hash);
	if (rc)
		goto out;
	p->files = c.files;
	p->nfiles = c.nfiles;
	c.files = NULL;
	for (size_t i = 0; i < c.nfiles; i++)
		free(c.ids[i]);
	free(c.ids);
	c.ids = NULL;
	c.nfiles = 0;
	/* locations point into the file table, which now belongs to p */
	*out = p;
	p = NULL;
	rc = 0;
out:
	if (rc && rc != -ENOMEM && rc != -EINVAL && rc != -ENOENT && rc != -EIO)
		rc = -EINVAL;
	cp_policy_free(p);
	cp_frag_fini(&acc);
	ctx_fini(&c);
	if (diag == &local)
		cp_diag_fini(&local);
	return rc;
}

int cp_profile_load_buf(const char *fname, const char *buf, size_t len,
			const struct cp_load_opts *opts, struct cp_diag *diag,
			struct cp_policy **out)
{
	if (!fname || (!buf && len) || !out)
		return -EINVAL;
	*out = NULL;
	if (len > CP_MAX_FILE_SIZE) {
		if (diag)
			cp_error(diag, ((struct cp_loc){ fname, 0, 0 }), "profile larger than %u bytes",
				 CP_MAX_FILE_SIZE);
		return -EFBIG;
	}
	return load_common(fname, fname, buf ? buf : "", len, opts, diag, out);
}

int cp_profile_load(const char *name_or_path, const struct cp_load_opts *opts,
		    struct cp_diag *diag, struct cp_policy **out)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *real = NULL;
	struct cp_ctx c = { .opts = opts, .d = diag };
	struct cp_diag local;
	size_t len;
	int rc;

	if (!name_or_path || !out)
		return -EINVAL;
	*out = NULL;
	if (!diag) {
		cp_diag_init(&local, NULL);
		c.d = &local;
	}
	if (!is_path_ref(name_or_path) && !valid_profile_name(name_or_path)) {
		cp_error(c.d, no_loc, "bad profile name '%s' (letters, digits, '.', '_', '-'; "
			 "give a path with '/' to load a file)", name_or_path);
		rc = -EINVAL;
		goto out;
	}
	rc = resolve(&c, NULL, name_or_path, &path);
	if (rc == -ENOENT) {
		report_not_found(&c, no_loc, 0, name_or_path);
		goto out;
	}
	if (rc == -EINVAL) {
		cp_error(c.d, no_loc, "profile '%s' is not a regular file", name_or_path);
		goto out;
	}
	if (rc)
		goto out;
	rc = cp_read_file(path, &text, &len);
	if (rc) {
		cp_error(c.d, no_loc, "cannot read profile '%s': %s", path, read_error(rc));
		goto out;
	}
	real = realpath(path, NULL);
	rc = load_common(path, real ? real : path, text, len, opts, c.d, out);
out:
	if (!diag)
		cp_diag_fini(&local);
	return rc;
}
