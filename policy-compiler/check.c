// SPDX-License-Identifier: MIT
/*
 * check.c - checks across the rules of one file: conflicting and
 * shadowed syscall rules, paths listed twice, contradictory network rules.
 *
 * Only rules from the same file are compared: a rule in an including
 * profile overrides the included one on purpose (see lower.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "util.h"

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* A total order on conditions; equal means the same test. */
static int cond_cmp(const struct cp_arg_cond *a, const struct cp_arg_cond *b)
{
	int c;

	if ((c = cmp_u64(a->arg, b->arg)) || (c = cmp_u64(a->op, b->op)))
		return c;
	switch (a->op) {
	case CP_CMP_MASKED_EQ:
		if ((c = cmp_u64(a->mask, b->mask)))
			return c;
		return cmp_u64(a->value, b->value);
	case CP_CMP_IN:
	case CP_CMP_NOT_IN:
		/* sets are sorted and unique (sema) */
		if ((c = cmp_u64(a->nset, b->nset)))
			return c;
		for (size_t i = 0; i < a->nset; i++)
			if ((c = cmp_u64(a->set[i], b->set[i])))
				return c;
		return 0;
	default:
		return cmp_u64(a->value, b->value);
	}
}

/* Conditions of one rule compared as a conjunction (order-free: sema
 * puts each rule's conditions in canonical order). */
static int conds_cmp(const struct cp_sys_rule *a, const struct cp_sys_rule *b)
{
	int c = cmp_u64(a->nconds, b->nconds);

	for (size_t i = 0; !c && i < a->nconds; i++)
		c = cond_cmp(&a->conds[i], &b->conds[i]);
	return c;
}

static bool action_eq(const struct cp_action *a, const struct cp_action *b)
{
	return a->kind == b->kind && a->errno_val == b->errno_val;
}

static void action_str(const struct cp_action *a, char *buf, size_t n)
{
	if (a->kind == CP_ACT_ERRNO)
		snprintf(buf, n, "errno(%d)", a->errno_val);
	else
		snprintf(buf, n, "%s", cp_action_kind_name(a->kind));
}

struct rule_sort {
	const struct cp_sys_rule *rules;
	const bool *from_group;
};

/* by syscall, then explicit before group rules, then conditions, then
 * source order: rules that say the same thing end up adjacent */
static int cmp_rule_idx(const void *a, const void *b, void *arg)
{
	const struct rule_sort *rs = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(rs->rules[x].name, rs->rules[y].name);

	if (c)
		return c;
	if ((c = cmp_u64(rs->from_group[x], rs->from_group[y])))
		return c;
	if ((c = conds_cmp(&rs->rules[x], &rs->rules[y])))
		return c;
	return cmp_u64(x, y);
}

static int check_syscalls(struct cp_ctx *c, const struct cp_frag *f)
{
	const struct cp_seccomp *sc = &f->p.seccomp;
	struct rule_sort rs = { sc->rules, f->sys_from_group };
	_cleanup_free_ size_t *idx = NULL;
	int err = 0;

	if (sc->nrules < 2)
		return 0;
	idx = malloc(sc->nrules * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrules; i++)
		idx[i] = i;
	qsort_r(idx, sc->nrules, sizeof(*idx), cmp_rule_idx, &rs);
	for (size_t s0 = 0; s0 < sc->nrules;) {
		size_t e = s0 + 1;
		size_t first_uncond = SIZE_MAX;

		while (e < sc->nrules && !strcmp(sc->rules[idx[s0]].name, sc->rules[idx[e]].name))
			e++;
		/* same syscall, same provenance, same conditions: one run */
		for (size_t r0 = s0; r0 < e;) {
			size_t r1 = r0 + 1;
			const struct cp_sys_rule *ra = &sc->rules[idx[r0]];
			bool ga = f->sys_from_group[idx[r0]];

			while (r1 < e && f->sys_from_group[idx[r1]] == ga &&
			       !conds_cmp(ra, &sc->rules[idx[r1]]))
				r1++;
			for (size_t k = r0 + 1; k < r1; k++) {
				const struct cp_sys_rule *rb = &sc->rules[idx[k]];
				char sa[32], sb[32];

				if (action_eq(&ra->action, &rb->action)) {
					if (!ga)
						cp_warning(c->d, rb->loc, "duplicate rule for %s (also at line %u)",
							   rb->name, ra->loc.line);
					continue;
				}
				action_str(&ra->action, sa, sizeof(sa));
				action_str(&rb->action, sb, sizeof(sb));
				if (ga)
					cp_error(c->d, rb->loc, "syscall %s is in two groups with different "
						 "actions: %s here, %s at line %u:%u; name it explicitly to decide",
						 rb->name, sb, sa, ra->loc.line, ra->loc.col);
				else
					cp_error(c->d, rb->loc, "conflicting rules for %s: %s here, %s at "
						 "line %u:%u with the same conditions", rb->name, sb, sa,
						 ra->loc.line, ra->loc.col);
				err = -EINVAL;
			}
			r0 = r1;
		}
		/* an explicit conditional rule after an explicit unconditional
		 * one can never match (group rules are overridden instead) */
		for (size_t k = s0; k < e; k++)
			if (!f->sys_from_group[idx[k]] && !sc->rules[idx[k]].nconds && idx[k] < first_uncond)
				first_uncond = idx[k];
		if (first_uncond != SIZE_MAX)
			for (size_t k = s0; k < e; k++) {
				const struct cp_sys_rule *rb = &sc->rules[idx[k]];
				const struct cp_sys_rule *ra = &sc->rules[first_uncond];
				char sa[32];

				if (f->sys_from_group[idx[k]] || !rb->nconds || idx[k] < first_uncond)
					continue;
				action_str(&ra->action, sa, sizeof(sa));
				cp_error(c->d, rb->loc, "rule for %s can never match: the unconditional rule "
					 "at line %u:%u (%s) already decides every call; put the conditional "
					 "rule first", rb->name, ra->loc.line, ra->loc.col, sa);
				err = -EINVAL;
			}
		s0 = e;
	}
	return err;
}

struct path_sort {
	const void *base;
	size_t stride;
};

static int cmp_path_idx(const void *a, const void *b, void *arg)
{
	const struct path_sort *ps = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *px = *(char *const *)((const char *)ps->base + x * ps->stride);
	const char *py = *(char *const *)((const char *)ps->base + y * ps->stride);
	int c = strcmp(px, py);

	return c ? c : (x < y ? -1 : x > y);
}

/* `rules` is an array of structs whose first member is `char *path` and
 * that has a cp_loc at `loc_off`. */
static int check_dup_paths(struct cp_ctx *c, const void *rules, size_t n, size_t stride,
			   size_t loc_off, const char *what)
{
	_cleanup_free_ size_t *idx = NULL;
	int err = 0;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	struct path_sort ps = { rules, stride };

	qsort_r(idx, n, sizeof(*idx), cmp_path_idx, &ps);
	for (size_t i = 1; i < n; i++) {
		const char *r0 = (const char *)rules + idx[i - 1] * stride;
		const char *r1 = (const char *)rules + idx[i] * stride;

		if (!strcmp(*(char *const *)r0, *(char *const *)r1)) {
			const struct cp_loc *l0 = (const struct cp_loc *)(r0 + loc_off);
			const struct cp_loc *l1 = (const struct cp_loc *)(r1 + loc_off);

			cp_error(c->d, *l1, "%s path %s listed twice (first at line %u:%u); give all its "
				 "access on one line", what, *(char *const *)r1, l0->line, l0->col);
			err = -EINVAL;
		}
	}
	return err;
}

static bool net_same_target(const struct cp_net_rule *a, const struct cp_net_rule *b)
{
	return a->proto == b->proto && a->dir == b->dir && a->family == b->family &&
	       a->prefixlen == b->prefixlen && !memcmp(a->addr, b->addr, sizeof(a->addr)) &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       ((!a->unix_path && !b->unix_path) ||
		(a->unix_path && b->unix_path && !strcmp(a->unix_path, b->unix_path)));
}

static int check_network(struct cp_ctx *c, const struct cp_frag *f)
{
	const struct cp_network *net = &f->p.net;
	int err = 0;

	/* rule lists are short (bounded by CP_MAX_NET_RULES): quadratic is fine */
	for (size_t i = 0; i < net->nrules; i++)
		for (size_t j = i + 1; j < net->nrules; j++) {
			const struct cp_net_rule *a = &net->rules[i], *b = &net->rules[j];

			if (!net_same_target(a, b))
				continue;
			if (a->allow != b->allow) {
				cp_error(c->d, b->loc, "network rule contradicts the rule at line %u:%u",
					 a->loc.line, a->loc.col);
				err = -EINVAL;
			} else {
				cp_warning(c->d, b->loc, "duplicate network rule (also at line %u)", a->loc.line);
			}
		}
	return err;
}

int cp_check_frag(struct cp_ctx *c, const struct cp_frag *f)
{
	int rc, err = 0;

	rc = check_syscalls(c, f);
	if (rc == -ENOMEM)
		return rc;
	err = err ? err : rc;
	rc = check_dup_paths(c, f->p.fs.rules, f->p.fs.nrules, sizeof(struct cp_fs_rule),
			     offsetof(struct cp_fs_rule, loc), "filesystem");
	if (rc == -ENOMEM)
		return rc;
	err = err ? err : rc;
	rc = check_dup_paths(c, f->p.exec.rules, f->p.exec.nrules, sizeof(struct cp_exec_rule),
			     offsetof(struct cp_exec_rule, loc), "exec");
	if (rc == -ENOMEM)
		return rc;
	err = err ? err : rc;
	if (f->p.net.nrules <= 4096) {
		rc = check_network(c, f);
		err = err ? err : rc;
	}
	return err;
}
