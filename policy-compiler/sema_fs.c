// SPDX-License-Identifier: MIT
/*
 * sema_fs.c - the `filesystem` and `exec` sections.
 *
 *   filesystem {
 *       read-only /usr /etc
 *       optional read-only /lib32 /lib64
 *       read-write $CWD
 *       exec /usr/bin /bin          # exec implies read
 *       tmpfs /tmp
 *       deny $HOME/.ssh
 *   }
 *   exec { allow /usr/bin  deny /usr/bin/sudo  deny-created  wx }
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "util.h"

/* far above any real profile (Landlock rulesets have hundreds), low
 * enough that the per-file duplicate checks stay cheap */
#define CP_MAX_PATH_RULES 4096

static const struct { const char *w; uint32_t acc; } fs_words[] = {
	{ "read-only", CP_FS_READ }, { "ro", CP_FS_READ }, { "read", CP_FS_READ },
	{ "read-write", CP_FS_READ | CP_FS_WRITE }, { "rw", CP_FS_READ | CP_FS_WRITE },
	{ "exec", CP_FS_READ | CP_FS_EXEC }, { "executable", CP_FS_READ | CP_FS_EXEC },
	{ "deny", CP_FS_DENY },
	{ "tmpfs", CP_FS_TMPFS | CP_FS_READ | CP_FS_WRITE },
};

static uint32_t fs_word(const struct ast_item *it)
{
	if (it->kind != AI_WORD)
		return 0;
	for (size_t i = 0; i < sizeof(fs_words) / sizeof(fs_words[0]); i++)
		if (!strcmp(it->text, fs_words[i].w))
			return fs_words[i].acc;
	return 0;
}

static bool looks_like_path(const struct ast_item *it)
{
	return it->kind == AI_STRING || (it->kind == AI_WORD && (it->text[0] == '/' || it->text[0] == '$'));
}

int cp_sema_filesystem(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_filesystem *fs = &f->p.fs;
	_cleanup_free_ bool *fromvar = NULL;
	int err = 0;

	fs->present = true;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		uint32_t acc = 0;
		bool optional = false, audit = false, any_path = false;
		const struct ast_item *first_kw = NULL;

		for (size_t j = 0; j < st->nitems; j++) {
			const struct ast_item *it = &st->items[j];
			uint32_t w = fs_word(it);
			struct cp_fs_rule *nr;
			char *path = NULL;
			int rc;

			if (!any_path && w) {
				acc |= w;
				if (!first_kw)
					first_kw = it;
				continue;
			}
			if (!any_path && cp_item_is(it, "optional")) {
				optional = true;
				continue;
			}
			if (!any_path && cp_item_is(it, "audit")) {
				audit = true;
				continue;
			}
			if (!looks_like_path(it)) {
				if (any_path)
					cp_item_error(c, it, "expected a path (absolute or starting with a $VARIABLE), "
						      "found '%s'", it->text);
				else {
					static const char *const kws[] = { "read-only", "ro", "read-write", "rw",
						"exec", "executable", "deny", "tmpfs", "optional", "audit", NULL };
					char hint[80];

					cp_item_error(c, it, "expected read-only, read-write, exec, deny, tmpfs, "
						      "optional or audit, found '%s'%s", it->text,
						      cp_hint(hint, sizeof(hint), it->text, kws));
				}
				err = -EINVAL;
				break;
			}
			if (!acc) {
				cp_item_error(c, it, "path without an access: say read-only, read-write, exec, "
					      "deny or tmpfs before it");
				err = -EINVAL;
				break;
			}
			if ((acc & CP_FS_DENY) && acc != CP_FS_DENY) {
				cp_item_error(c, first_kw, "'deny' cannot be combined with another access");
				err = -EINVAL;
				break;
			}
			any_path = true;
			rc = cp_expand_path(c, it, &path);
			if (rc) {
				err = rc;
				if (rc == -ENOMEM)
					return rc;
				continue;
			}
			if ((acc & CP_FS_TMPFS) && !strcmp(path, "/")) {
				cp_item_error(c, it, "tmpfs on / would hide every other rule");
				free(path);
				err = -EINVAL;
				continue;
			}
			if ((acc & CP_FS_WRITE) && !(acc & CP_FS_TMPFS) && !strcmp(path, "/"))
				cp_item_warn(c, it, "read-write / makes the whole file system writable%s",
					     strchr(it->text, '$') ? " (was the command started from /?)" : "");
			{
				/* A path that only collides after variable expansion
				 * ($CWD is /tmp, say) is not a mistake in the
				 * profile: the later rule wins.  Literal duplicates
				 * are reported by check.c. */
				bool var = strchr(it->text, '$') != NULL;
				size_t k;

				for (k = 0; k < fs->nrules; k++)
					if ((var || fromvar[k]) && !strcmp(fs->rules[k].path, path))
						break;
				if (k < fs->nrules) {
					free(fs->rules[k].path);
					fs->rules[k] = (struct cp_fs_rule){
						.path = path, .access = acc, .optional = optional,
						.audit = audit, .loc = it->loc,
					};
					fromvar[k] = true;
					continue;
				}
				if (fs->nrules >= CP_MAX_PATH_RULES) {
					cp_item_error(c, it, "too many filesystem rules");
					free(path);
					return -EINVAL;
				}
				nr = realloc(fs->rules, (fs->nrules + 1) * sizeof(*nr));
				if (!nr) {
					free(path);
					return -ENOMEM;
				}
				fs->rules = nr;
				{
					bool *nv = realloc(fromvar, (fs->nrules + 1) * sizeof(*nv));

					if (!nv) {
						free(path);
						return -ENOMEM;
					}
					fromvar = nv;
				}
				fromvar[fs->nrules] = var;
				nr[fs->nrules++] = (struct cp_fs_rule){
					.path = path, .access = acc, .optional = optional,
					.audit = audit, .loc = it->loc,
				};
			}
		}
		if (!any_path && !err && st->nitems) {
			cp_item_error(c, &st->items[st->nitems - 1], "statement names no path");
			err = -EINVAL;
		}
	}
	return err;
}

int cp_sema_exec(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_exec *ex = &f->p.exec;
	_cleanup_free_ bool *fromvar = NULL;
	int err = 0;

	ex->present = true;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		bool allow, audit = false;
		size_t j = 1;

		if (cp_item_is(kw, "deny-created") || cp_item_is(kw, "wx")) {
			bool dc = kw->text[0] == 'd';

			if (st->nitems != 1) {
				cp_item_error(c, &st->items[1], "'%s' takes no arguments", kw->text);
				err = -EINVAL;
				continue;
			}
			if (dc ? f->exec_dc_set : f->exec_wx_set) {
				cp_item_error(c, kw, "'%s' given twice", kw->text);
				err = -EINVAL;
				continue;
			}
			if (dc) {
				ex->deny_created = true;
				f->exec_dc_set = true;
			} else {
				ex->wx = true;
				f->exec_wx_set = true;
			}
			continue;
		}
		if (cp_item_is(kw, "allow"))
			allow = true;
		else if (cp_item_is(kw, "deny"))
			allow = false;
		else {
			static const char *const kws[] = { "allow", "deny", "deny-created", "wx", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected allow, deny, deny-created or wx, found '%s'%s", kw->text,
				      cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (j < st->nitems && cp_item_is(&st->items[j], "audit")) {
			audit = true;
			j++;
		}
		if (j == st->nitems) {
			cp_item_error(c, kw, "'%s' needs at least one path", kw->text);
			err = -EINVAL;
			continue;
		}
		for (; j < st->nitems; j++) {
			struct cp_exec_rule *nr;
			char *path = NULL;
			int rc = cp_expand_path(c, &st->items[j], &path);

			if (rc) {
				if (rc == -ENOMEM)
					return rc;
				err = rc;
				continue;
			}
			{
				/* as in filesystem: collisions made by variables
				 * resolve to the later rule */
				bool var = strchr(st->items[j].text, '$') != NULL;
				size_t k;
				bool *nv;

				for (k = 0; k < ex->nrules; k++)
					if ((var || fromvar[k]) && !strcmp(ex->rules[k].path, path))
						break;
				if (k < ex->nrules) {
					free(ex->rules[k].path);
					ex->rules[k] = (struct cp_exec_rule){
						.path = path, .allow = allow, .audit = audit, .loc = st->items[j].loc,
					};
					fromvar[k] = true;
					continue;
				}
				if (ex->nrules >= CP_MAX_PATH_RULES) {
					free(path);
					cp_item_error(c, &st->items[j], "too many exec rules");
					return -EINVAL;
				}
				nr = realloc(ex->rules, (ex->nrules + 1) * sizeof(*nr));
				if (!nr) {
					free(path);
					return -ENOMEM;
				}
				ex->rules = nr;
				nv = realloc(fromvar, (ex->nrules + 1) * sizeof(*nv));
				if (!nv) {
					free(path);
					return -ENOMEM;
				}
				fromvar = nv;
				fromvar[ex->nrules] = var;
				nr[ex->nrules++] = (struct cp_exec_rule){
					.path = path, .allow = allow, .audit = audit, .loc = st->items[j].loc,
				};
			}
		}
	}
	return err;
}
