// SPDX-License-Identifier: MIT
/*
 * vars.c - variables ($HOME, $CWD, $TMPDIR, `define`, -D) and paths.
 *
 * Precedence: -D on the command line beats a profile's `define` (so a
 * user can retarget a shipped profile without editing it); built-ins
 * cannot be redefined by a profile, because rules such as `read-write
 * $CWD` must mean what they say.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front.h"
#include "util.h"

#define CP_MAX_VARS 256
#define CP_MAX_EXPANSION 4096

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static struct cp_var *find_var(struct cp_ctx *c, const char *name, size_t n)
{
	for (size_t i = 0; i < c->nvars; i++)
		if (strlen(c->vars[i].name) == n && !memcmp(c->vars[i].name, name, n))
			return &c->vars[i];
	return NULL;
}

static int add_var(struct cp_ctx *c, const char *name, size_t nlen, const char *value,
		   struct cp_loc loc, int origin)
{
	struct cp_var *nv;

	if (c->nvars >= CP_MAX_VARS)
		return -E2BIG;
	nv = realloc(c->vars, (c->nvars + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->vars = nv;
	nv = &c->vars[c->nvars];
	nv->name = strndup(name, nlen);
	nv->value = strdup(value);
	if (!nv->name || !nv->value) {
		free(nv->name);
		free(nv->value);
		return -ENOMEM;
	}
	nv->loc = loc;
	nv->origin = origin;
	c->nvars++;
	return 0;
}

void cp_vars_fini(struct cp_ctx *c)
{
	for (size_t i = 0; i < c->nvars; i++) {
		free(c->vars[i].name);
		free(c->vars[i].value);
	}
	free(c->vars);
	c->vars = NULL;
	c->nvars = 0;
}

int cp_vars_init(struct cp_ctx *c)
{
	const struct cp_load_opts *o = c->opts;
	const char *home = o && o->home ? o->home : getenv("HOME");
	const char *tmp = o && o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	_cleanup_free_ char *cwdbuf = NULL;
	const char *cwd = o ? o->cwd : NULL;
	struct cp_loc none = { 0 };
	int rc;

	if (!cwd) {
		cwdbuf = getcwd(NULL, 0);
		cwd = cwdbuf ? cwdbuf : "/";
	}
	if (!home || !*home)
		home = "/";
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((rc = add_var(c, "HOME", 4, home, none, VAR_BUILTIN)) ||
	    (rc = add_var(c, "CWD", 3, cwd, none, VAR_BUILTIN)) ||
	    (rc = add_var(c, "TMPDIR", 6, tmp, none, VAR_BUILTIN)))
		return rc;
	for (const char *const *dp = o ? o->defines : NULL; dp && *dp; dp++) {
		const char *eq = strchr(*dp, '=');
		struct cp_var *v;

		if (!eq || !valid_name(*dp, (size_t)(eq - *dp))) {
			cp_error(c->d, none, "bad -D '%s': expected NAME=VALUE with NAME "
				 "made of letters, digits and '_'", *dp);
			return -EINVAL;
		}
		v = find_var(c, *dp, (size_t)(eq - *dp));
		if (v && v->origin == VAR_BUILTIN) {
			/* -D may retarget even the built-ins: the user is the
			 * authority over their own environment */
			char *nvv = strdup(eq + 1);

			if (!nvv)
				return -ENOMEM;
			free(v->value);
			v->value = nvv;
			v->origin = VAR_CMDLINE;
			continue;
		}
		if (v) {
			char *nvv = strdup(eq + 1);

			if (!nvv)
				return -ENOMEM;
			free(v->value);
			v->value = nvv;
			continue;
		}
		rc = add_var(c, *dp, (size_t)(eq - *dp), eq + 1, none, VAR_CMDLINE);
		if (rc)
			return rc;
	}
	return 0;
}

/* Expand text that started at `loc`; `quoted` adds 1 to columns for the
 * opening quote so carets land on the '$'. */
static int expand_text(struct cp_ctx *c, const char *s, struct cp_loc loc, bool quoted,
		       char **out)
{
	size_t cap = strlen(s) + 1, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; s[i];) {
		const char *val;
		size_t vlen, ns, ne, skip;
		struct cp_var *v;

		if (s[i] != '$') {
			val = s + i;
			vlen = 1;
			skip = 1;
		} else if (s[i + 1] == '$') {
			val = "$";
			vlen = 1;
			skip = 2;
		} else {
			struct cp_loc vl = loc;

			vl.col += (uint32_t)i + (quoted ? 1 : 0);
			if (s[i + 1] == '{') {
				const char *close = strchr(s + i + 2, '}');

				if (!close) {
					cp_error(c->d, vl, "'${' without a closing '}'");
					free(buf);
					return -EINVAL;
				}
				ns = i + 2;
				ne = (size_t)(close - s);
				skip = ne - i + 1;
			} else {
				ns = i + 1;
				ne = ns;
				while (isalnum((unsigned char)s[ne]) || s[ne] == '_')
					ne++;
				skip = ne - i;
			}
			if (!valid_name(s + ns, ne - ns)) {
				cp_error(c->d, vl, "'$' must be followed by a variable name (write $$ for a literal '$')");
				free(buf);
				return -EINVAL;
			}
			v = find_var(c, s + ns, ne - ns);
			if (!v) {
				cp_diag_report(c->d, CP_SEV_ERROR, vl, (unsigned)skip,
					       "undefined variable '%.*s'", (int)(ne - ns), s + ns);
				free(buf);
				return -EINVAL;
			}
			val = v->value;
			vlen = strlen(val);
		}
		if (n + vlen + 1 > cap) {
			char *nb;

			while (n + vlen + 1 > cap)
				cap *= 2;
			if (cap > CP_MAX_EXPANSION * 2) {
				cp_error(c->d, loc, "expansion longer than %d bytes", CP_MAX_EXPANSION);
				free(buf);
				return -EINVAL;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		memcpy(buf + n, val, vlen);
		n += vlen;
		i += skip;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int cp_expand(struct cp_ctx *c, const struct ast_item *it, char **out)
{
	return expand_text(c, it->text, it->loc, it->kind == AI_STRING, out);
}

int cp_vars_define(struct cp_ctx *c, const struct ast_define *def)
{
	_cleanup_free_ char *val = NULL;
	struct cp_var *v;
	int rc;

	if (!valid_name(def->name, strlen(def->name))) {
		cp_diag_report(c->d, CP_SEV_ERROR, def->loc, def->span,
			       "bad variable name '%s' (letters, digits and '_', not starting with a digit)",
			       def->name);
		return -EINVAL;
	}
	rc = cp_expand(c, &def->value, &val);
	if (rc)
		return rc;
	v = find_var(c, def->name, strlen(def->name));
	if (v) {
		switch (v->origin) {
		case VAR_CMDLINE:
			return 0;
		case VAR_BUILTIN:
			cp_diag_report(c->d, CP_SEV_ERROR, def->loc, def->span,
				       "cannot redefine the built-in variable '%s'", def->name);
			return -EINVAL;
		default:
			/* the same file reached twice through a diamond of
			 * includes defines the same value: harmless */
			if (!strcmp(v->value, val))
				return 0;
			cp_diag_report(c->d, CP_SEV_ERROR, def->loc, def->span,
				       "variable '%s' redefined with a different value (first defined at %s:%u:%u)",
				       def->name, v->loc.file ? v->loc.file : "?", v->loc.line, v->loc.col);
			return -EINVAL;
		}
	}
	rc = add_var(c, def->name, strlen(def->name), val, def->loc, VAR_PROFILE);
	if (rc == -E2BIG) {
		cp_error(c->d, def->loc, "too many variables (at most %d)", CP_MAX_VARS);
		return -EINVAL;
	}
	return rc;
}

int cp_normalise_path(const char *in, char **out)
{
	size_t n = strlen(in);
	char *buf;
	size_t o = 0;

	if (in[0] != '/')
		return -EINVAL;
	buf = malloc(n + 2);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t s, e;

		while (i < n && in[i] == '/')
			i++;
		s = i;
		while (i < n && in[i] != '/')
			i++;
		e = i;
		if (e == s)
			continue;
		if (e - s == 1 && in[s] == '.')
			continue;
		if (e - s == 2 && in[s] == '.' && in[s + 1] == '.') {
			free(buf);
			return -ELOOP;
		}
		buf[o++] = '/';
		memcpy(buf + o, in + s, e - s);
		o += e - s;
	}
	if (o == 0)
		buf[o++] = '/';
	buf[o] = '\0';
	*out = buf;
	return 0;
}

int cp_expand_path(struct cp_ctx *c, const struct ast_item *it, char **out)
{
	_cleanup_free_ char *x = NULL;
	int rc;

	if (it->kind == AI_CALL) {
		cp_item_error(c, it, "expected a path, found '%s(...)'", it->text);
		return -EINVAL;
	}
	rc = cp_expand(c, it, &x);
	if (rc)
		return rc;
	if (!*x) {
		cp_item_error(c, it, "empty path");
		return -EINVAL;
	}
	if (strlen(x) >= 4096) {
		cp_item_error(c, it, "path longer than PATH_MAX");
		return -EINVAL;
	}
	rc = cp_normalise_path(x, out);
	if (rc == -EINVAL) {
		if (strcmp(x, it->text))
			cp_item_error(c, it, "path '%s' (expanded from '%s') is not absolute", x, it->text);
		else
			cp_item_error(c, it, "path '%s' is not absolute (start it with '/' or a variable such as $CWD)", x);
		return -EINVAL;
	}
	if (rc == -ELOOP) {
		cp_item_error(c, it, "'..' is not allowed in paths ('%s'): it would be resolved lexically, "
			      "not through symlinks", x);
		return -EINVAL;
	}
	return rc;
}
