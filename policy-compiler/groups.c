// SPDX-License-Identifier: MIT
/*
 * groups.c - the syscall groups file.
 *
 *   # comment
 *   @name   one-line description
 *           member member @other-group
 *           member ...
 *
 * A line starting with '@' in column 1 opens a group; indented lines list
 * its members.  Groups may include other groups; cycles are rejected when
 * the file is loaded, so expansion is always finite.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

#define CP_GROUP_MAX_DEPTH 16

void cp_groups_free(struct cp_groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->v[i].nmembers; j++)
			free(g->v[i].members[j]);
		free(g->v[i].members);
		free(g->v[i].mloc);
		free(g->v[i].name);
		free(g->v[i].desc);
	}
	free(g->v);
	free(g->file);
	memset(g, 0, sizeof(*g));
}

const struct cp_group *cp_group_find(const struct cp_groups *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i].name, name))
			return &g->v[i];
	return NULL;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '@';
}

static int add_member(struct cp_group *grp, const char *s, size_t n, struct cp_loc loc)
{
	char **nm = realloc(grp->members, (grp->nmembers + 1) * sizeof(*nm));
	struct cp_loc *nl;

	if (!nm)
		return -ENOMEM;
	grp->members = nm;
	nl = realloc(grp->mloc, (grp->nmembers + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	grp->mloc = nl;
	nm[grp->nmembers] = strndup(s, n);
	if (!nm[grp->nmembers])
		return -ENOMEM;
	nl[grp->nmembers] = loc;
	grp->nmembers++;
	return 0;
}

static int check_cycles(const struct cp_groups *g, const struct cp_group *grp,
			const struct cp_group **stack, unsigned depth, struct cp_diag *d)
{
	for (unsigned i = 0; i < depth; i++)
		if (stack[i] == grp) {
			cp_diag_report(d, CP_SEV_ERROR, grp->loc, (unsigned)strlen(grp->name),
				       "syscall group %s includes itself (through %s)",
				       grp->name, stack[depth - 1]->name);
			return -EINVAL;
		}
	if (depth >= CP_GROUP_MAX_DEPTH) {
		cp_error(d, grp->loc, "syscall groups nested more than %d deep", CP_GROUP_MAX_DEPTH);
		return -EINVAL;
	}
	stack[depth] = grp;
	for (size_t j = 0; j < grp->nmembers; j++) {
		const struct cp_group *sub;
		int rc;

		if (grp->members[j][0] != '@')
			continue;
		sub = cp_group_find(g, grp->members[j]);
		if (!sub) {
			cp_diag_report(d, CP_SEV_ERROR, grp->mloc[j], (unsigned)strlen(grp->members[j]),
				       "unknown syscall group '%s'", grp->members[j]);
			return -EINVAL;
		}
		rc = check_cycles(g, sub, stack, depth + 1, d);
		if (rc)
			return rc;
	}
	return 0;
}

int cp_groups_parse(const char *file, const char *text, size_t len,
		    struct cp_diag *d, struct cp_groups *out)
{
	struct cp_groups g = { 0 };
	struct cp_group *cur = NULL;
	size_t i = 0;
	uint32_t line = 0;
	int rc = 0;

	g.file = strdup(file);
	if (!g.file)
		return -ENOMEM;
	while (i < len) {
		size_t ls = i, le;

		line++;
		while (i < len && text[i] != '\n')
			i++;
		le = i;
		if (i < len)
			i++;
		for (size_t k = ls; k < le; k++)
			if (text[k] == '#') {
				le = k;
				break;
			}
		if (text[ls] == '@') {
			struct cp_group *nv;
			size_t e = ls;
			size_t ds;

			while (e < le && name_char(text[e]))
				e++;
			if (e == ls + 1 || (e < le && !isspace((unsigned char)text[e]))) {
				cp_error(d, ((struct cp_loc){ g.file, line, (uint32_t)(e - ls + 1) }),
					 "bad group name");
				rc = -EINVAL;
				goto fail;
			}
			nv = realloc(g.v, (g.n + 1) * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				goto fail;
			}
			g.v = nv;
			cur = &g.v[g.n++];
			memset(cur, 0, sizeof(*cur));
			cur->loc = (struct cp_loc){ g.file, line, 1 };
			cur->name = strndup(text + ls, e - ls);
			ds = e;
			while (ds < le && isspace((unsigned char)text[ds]))
				ds++;
			while (le > ds && isspace((unsigned char)text[le - 1]))
				le--;
			cur->desc = strndup(text + ds, le - ds);
			if (!cur->name || !cur->desc) {
				rc = -ENOMEM;
				goto fail;
			}
			if (!*cur->desc) {
				cp_diag_report(d, CP_SEV_ERROR, cur->loc, (unsigned)(e - ls),
					       "group %s has no description", cur->name);
				rc = -EINVAL;
				goto fail;
			}
			for (size_t k = 0; k + 1 < g.n; k++)
				if (!strcmp(g.v[k].name, cur->name)) {
					cp_diag_report(d, CP_SEV_ERROR, cur->loc, (unsigned)(e - ls),
						       "group %s defined twice (first at line %u)",
						       cur->name, g.v[k].loc.line);
					rc = -EINVAL;
					goto fail;
				}
			continue;
		}
		for (size_t k = ls; k < le;) {
			size_t s;

			if (isspace((unsigned char)text[k])) {
				k++;
				continue;
			}
			s = k;
			while (k < le && name_char(text[k]))
				k++;
			if (k == s || (k < le && !isspace((unsigned char)text[k]))) {
				cp_error(d, ((struct cp_loc){ g.file, line, (uint32_t)(k - ls + 1) }),
					 "bad syscall name in group");
				rc = -EINVAL;
				goto fail;
			}
			if (!cur) {
				cp_error(d, ((struct cp_loc){ g.file, line, (uint32_t)(s - ls + 1) }),
					 "syscall listed before the first @group line");
				rc = -EINVAL;
				goto fail;
			}
			rc = add_member(cur, text + s, k - s,
					(struct cp_loc){ g.file, line, (uint32_t)(s - ls + 1) });
			if (rc)
				goto fail;
		}
	}
	for (size_t k = 0; k < g.n; k++) {
		const struct cp_group *stack[CP_GROUP_MAX_DEPTH + 1];

		rc = check_cycles(&g, &g.v[k], stack, 0, d);
		if (rc)
			goto fail;
	}
	*out = g;
	return 0;
fail:
	cp_groups_free(&g);
	return rc;
}

static int expand(const struct cp_groups *g, const struct cp_group *grp, unsigned depth,
		  const char ***names, size_t *n, size_t *cap)
{
	if (depth > CP_GROUP_MAX_DEPTH)
		return -ELOOP;
	for (size_t j = 0; j < grp->nmembers; j++) {
		const char *m = grp->members[j];

		if (m[0] == '@') {
			const struct cp_group *sub = cp_group_find(g, m);
			int rc;

			if (!sub)
				return -ENOENT;
			rc = expand(g, sub, depth + 1, names, n, cap);
			if (rc)
				return rc;
			continue;
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			const char **nn = realloc(*names, nc * sizeof(*nn));

			if (!nn)
				return -ENOMEM;
			*names = nn;
			*cap = nc;
		}
		(*names)[(*n)++] = m;
	}
	return 0;
}

struct pos_name {
	const char *name;
	size_t pos;
};

static int cmp_pos_name(const void *a, const void *b)
{
	const struct pos_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* Remove duplicates, keeping the first occurrence and the order. */
static int dedup(const char **names, size_t *n)
{
	struct pos_name *v;
	bool *dup;
	size_t o = 0;

	if (*n < 2)
		return 0;
	v = malloc(*n * sizeof(*v));
	dup = calloc(*n, sizeof(*dup));
	if (!v || !dup) {
		free(v);
		free(dup);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = (struct pos_name){ names[i], i };
	qsort(v, *n, sizeof(*v), cmp_pos_name);
	for (size_t i = 1; i < *n; i++)
		if (!strcmp(v[i].name, v[i - 1].name))
			dup[v[i].pos] = true;
	for (size_t i = 0; i < *n; i++)
		if (!dup[i])
			names[o++] = names[i];
	*n = o;
	free(v);
	free(dup);
	return 0;
}

int cp_group_expand(const struct cp_groups *g, const struct cp_group *grp,
		    const char ***names, size_t *n)
{
	int rc;

	size_t cap = 0;

	*names = NULL;
	*n = 0;
	rc = expand(g, grp, 0, names, n, &cap);
	if (!rc)
		rc = dedup(*names, n);
	if (rc) {
		free(*names);
		*names = NULL;
		*n = 0;
	}
	return rc;
}
