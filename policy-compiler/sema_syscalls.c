// SPDX-License-Identifier: MIT
/*
 * sema_syscalls.c - the `syscalls` section: actions, groups, argument
 * conditions with named constants, architectures.
 *
 *   syscalls {
 *       default errno(EPERM)
 *       arch x86_64 aarch64
 *       allow hot read write
 *       allow @system-service
 *       allow socket(domain in {AF_UNIX, AF_INET, AF_INET6})
 *       kill-process clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)
 *   }
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consts.h"
#include "front.h"
#include "util.h"

#define CP_MAX_SYS_RULES 16384

static const struct { const char *name; uint32_t bit; uint32_t scmp; } arch_tab[] = {
	{ "x86_64", CP_ARCH_X86_64, SCMP_ARCH_X86_64 },
	{ "x32", CP_ARCH_X32, SCMP_ARCH_X32 },
	{ "i386", CP_ARCH_I386, SCMP_ARCH_X86 },
	{ "aarch64", CP_ARCH_AARCH64, SCMP_ARCH_AARCH64 },
};
#define NARCH (sizeof(arch_tab) / sizeof(arch_tab[0]))

/* Bit mask of the arches in `arches` that know `name`. */
static uint32_t resolves_on(const char *name, uint32_t arches)
{
	uint32_t found = 0;

	for (size_t i = 0; i < NARCH; i++)
		if ((arches & arch_tab[i].bit) &&
		    seccomp_syscall_resolve_name_arch(arch_tab[i].scmp, name) >= 0)
			found |= arch_tab[i].bit;
	return found;
}

static const char *arch_name(uint32_t bit)
{
	for (size_t i = 0; i < NARCH; i++)
		if (arch_tab[i].bit == bit)
			return arch_tab[i].name;
	return "?";
}

static int add_rule(struct cp_ctx *c, struct cp_frag *f, struct cp_sys_rule *r, bool from_group)
{
	struct cp_seccomp *sc = &f->p.seccomp;
	struct cp_sys_rule *nr;
	bool *ng;

	if (sc->nrules >= CP_MAX_SYS_RULES) {
		cp_error(c->d, r->loc, "too many syscall rules");
		return -EINVAL;
	}
	nr = realloc(sc->rules, (sc->nrules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	sc->rules = nr;
	ng = realloc(f->sys_from_group, (sc->nrules + 1) * sizeof(*ng));
	if (!ng)
		return -ENOMEM;
	f->sys_from_group = ng;
	nr[sc->nrules] = *r;
	ng[sc->nrules] = from_group;
	sc->nrules++;
	memset(r, 0, sizeof(*r));
	return 0;
}

static int fold_expr(struct cp_ctx *c, const struct ast_expr *e, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < e->nterms; i++) {
		const struct ast_term *t = &e->terms[i];
		uint64_t x;
		int rc;

		rc = cp_parse_u64(t->text, &x);
		if (rc == -ERANGE) {
			cp_diag_report(c->d, CP_SEV_ERROR, t->loc, t->span, "number '%s' does not fit in 64 bits", t->text);
			return -EINVAL;
		}
		if (rc && cp_const_lookup(t->text, &x)) {
			if (t->text[0] >= '0' && t->text[0] <= '9')
				cp_diag_report(c->d, CP_SEV_ERROR, t->loc, t->span, "bad number '%s'", t->text);
			else if (c->d->errors < (c->d->max_errors ? c->d->max_errors : 20) &&
				 cp_const_suggest(t->text))
				cp_diag_report(c->d, CP_SEV_ERROR, t->loc, t->span,
					       "unknown constant '%s'; did you mean '%s'?", t->text,
					       cp_const_suggest(t->text));
			else
				cp_diag_report(c->d, CP_SEV_ERROR, t->loc, t->span, "unknown constant '%s'", t->text);
			return -EINVAL;
		}
		v |= x;
	}
	*out = v;
	return 0;
}

static int sort_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_cond(const void *pa, const void *pb)
{
	const struct cp_arg_cond *a = pa, *b = pb;

	if (a->arg != b->arg)
		return a->arg < b->arg ? -1 : 1;
	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->mask != b->mask)
		return a->mask < b->mask ? -1 : 1;
	if (a->nset != b->nset)
		return a->nset < b->nset ? -1 : 1;
	for (size_t i = 0; i < a->nset; i++)
		if (a->set[i] != b->set[i])
			return a->set[i] < b->set[i] ? -1 : 1;
	return 0;
}

static int lower_cond(struct cp_ctx *c, const char *sys, const struct ast_cond *ac,
		      struct cp_arg_cond *out)
{
	bool is_ptr;
	int idx = cp_sys_arg_index(sys, ac->arg, &is_ptr);
	int rc;

	memset(out, 0, sizeof(*out));
	out->loc = ac->loc;
	if (idx < 0) {
		const char *known = cp_sys_arg_list(sys);

		if (known)
			cp_diag_report(c->d, CP_SEV_ERROR, ac->loc, ac->span,
				       "%s has no argument '%s' (use %s, or arg0..arg5)", sys, ac->arg, known);
		else
			cp_diag_report(c->d, CP_SEV_ERROR, ac->loc, ac->span,
				       "unknown argument '%s' (use arg0..arg5; %s has no named arguments)",
				       ac->arg, sys);
		return -EINVAL;
	}
	if (is_ptr) {
		cp_diag_report(c->d, CP_SEV_ERROR, ac->loc, ac->span,
			       "argument '%s' of %s is a pointer: seccomp sees only the address, not what it "
			       "points to (use filesystem, exec or network rules)", ac->arg, sys);
		return -EINVAL;
	}
	out->arg = (uint8_t)idx;
	out->op = ac->op;
	switch (ac->op) {
	case CP_CMP_MASKED_EQ:
		if ((rc = fold_expr(c, &ac->mask, &out->mask)) || (rc = fold_expr(c, &ac->rhs, &out->value)))
			return rc;
		if (out->value & ~out->mask) {
			cp_diag_report(c->d, CP_SEV_ERROR, ac->loc, ac->span,
				       "condition can never hold: value 0x%llx has bits outside mask 0x%llx",
				       (unsigned long long)out->value, (unsigned long long)out->mask);
			return -EINVAL;
		}
		return 0;
	case CP_CMP_IN:
	case CP_CMP_NOT_IN:
		out->set = calloc(ac->nset, sizeof(*out->set));
		if (!out->set)
			return -ENOMEM;
		out->nset = ac->nset;
		for (size_t i = 0; i < ac->nset; i++) {
			rc = fold_expr(c, &ac->set[i], &out->set[i]);
			if (rc)
				return rc;
		}
		/* canonical order, no duplicates: makes conflict detection exact */
		qsort(out->set, out->nset, sizeof(*out->set), sort_u64);
		{
			size_t o = 0;

			for (size_t i = 0; i < out->nset; i++)
				if (o == 0 || out->set[o - 1] != out->set[i])
					out->set[o++] = out->set[i];
			out->nset = o;
		}
		return 0;
	default:
		return fold_expr(c, &ac->rhs, &out->value);
	}
}

struct rule_mods {
	struct cp_action act;
	uint32_t hot;
};

/* The closest syscall name on the given arches, for "did you mean". */
static char *suggest_syscall(const char *name, uint32_t arches)
{
	char *best = NULL;
	size_t bd = SIZE_MAX;

	for (size_t a = 0; a < NARCH; a++) {
		if (!(arches & arch_tab[a].bit))
			continue;
		/* syscall numbers are dense below 1024 on every supported ABI */
		for (int nr = 0; nr < 1024; nr++) {
			int num = arch_tab[a].bit == CP_ARCH_X32 ? nr | 0x40000000 : nr;
			char *n = seccomp_syscall_resolve_num_arch(arch_tab[a].scmp, num);
			size_t d;

			if (n && cp_is_typo_of(name, n, &d) && d < bd) {
				free(best);
				best = n;
				bd = d;
				continue;
			}
			free(n);
		}
	}
	return best;
}

static int check_name(struct cp_ctx *c, const struct ast_item *it, const char *name, uint32_t arches)
{
	uint32_t ok = resolves_on(name, arches);

	if (ok == 0) {
		/* suggestions cost a scan of the syscall table: only for the
		 * errors that will be shown */
		unsigned shown = c->d->max_errors ? c->d->max_errors : 20;
		_cleanup_free_ char *sug = c->d->errors < shown ? suggest_syscall(name, arches) : NULL;
		char hint[96] = "";

		if (sug)
			snprintf(hint, sizeof(hint), "; did you mean '%s'?", sug);
		if (arches == CP_ARCH_X86_64 || arches == CP_ARCH_AARCH64)
			cp_item_error(c, it, "unknown syscall '%s' on %s%s", name, arch_name(arches), hint);
		else
			cp_item_error(c, it, "unknown syscall '%s' on every architecture of the profile%s", name, hint);
		return -EINVAL;
	}
	for (size_t i = 0; i < NARCH; i++)
		if ((arches & arch_tab[i].bit) && !(ok & arch_tab[i].bit) &&
		    arch_tab[i].bit != CP_ARCH_X32 && arch_tab[i].bit != CP_ARCH_I386)
			cp_item_warn(c, it, "syscall '%s' does not exist on %s; the rule does not apply there",
				     name, arch_tab[i].name);
	return 0;
}

static int add_target(struct cp_ctx *c, struct cp_frag *f, const struct ast_item *it,
		      const struct rule_mods *m, uint32_t arches)
{
	struct cp_sys_rule r = { 0 };
	int rc;

	if (it->kind == AI_STRING) {
		cp_item_error(c, it, "expected a syscall name or @group, found a string");
		return -EINVAL;
	}
	if (it->text[0] == '@') {
		const struct cp_groups *g;
		const struct cp_group *grp;
		_cleanup_free_ const char **names = NULL;
		size_t n;

		if (it->kind == AI_CALL) {
			cp_item_error(c, it, "a syscall group cannot have argument conditions");
			return -EINVAL;
		}
		g = cp_ctx_groups(c, it->loc);
		if (!g)
			return c->groups_rc ? c->groups_rc : -EINVAL;
		grp = cp_group_find(g, it->text);
		if (!grp) {
			cp_item_error(c, it, "unknown syscall group '%s' (groups are defined in %s)",
				      it->text, g->file);
			return -EINVAL;
		}
		rc = cp_group_expand(g, grp, &names, &n);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++) {
			/* groups are portable lists: members that do not exist
			 * on this profile's architectures are skipped */
			if (!resolves_on(names[i], arches))
				continue;
			r = (struct cp_sys_rule){ .action = m->act, .hot = m->hot, .loc = it->loc };
			r.name = strdup(names[i]);
			if (!r.name)
				return -ENOMEM;
			rc = add_rule(c, f, &r, true);
			if (rc) {
				cp_sys_rule_free(&r);
				return rc;
			}
		}
		return 0;
	}
	rc = check_name(c, it, it->text, arches);
	if (rc)
		return rc;
	if (m->act.kind == CP_ACT_NOTIFY && cp_sys_has_ptr_args(it->text))
		/* the memory behind a pointer can change between the
		 * supervisor's check and the kernel's use of it */
		cp_item_warn(c, it, "notify on %s: a supervisor must not decide on what its pointer "
			     "arguments point to (they can change after the check); use filesystem, exec "
			     "or network rules for that", it->text);
	if (it->kind == AI_WORD) {
		r = (struct cp_sys_rule){ .action = m->act, .hot = m->hot, .loc = it->loc };
		r.name = strdup(it->text);
		if (!r.name)
			return -ENOMEM;
		rc = add_rule(c, f, &r, false);
		if (rc)
			cp_sys_rule_free(&r);
		return rc;
	}
	if (it->nargs) {
		cp_diag_report(c->d, CP_SEV_ERROR, it->args[0].loc, it->args[0].span,
			       "a condition needs an operator, e.g. %s(%s == 0)", it->text, it->args[0].text);
		return -EINVAL;
	}
	for (size_t dj = 0; dj < it->ndisj; dj++) {
		const struct ast_conj *cj = &it->disj[dj];

		r = (struct cp_sys_rule){ .action = m->act, .hot = m->hot, .loc = it->loc };
		r.name = strdup(it->text);
		r.conds = calloc(cj->nconds, sizeof(*r.conds));
		if (!r.name || !r.conds) {
			cp_sys_rule_free(&r);
			return -ENOMEM;
		}
		r.nconds = cj->nconds;
		for (size_t k = 0; k < cj->nconds; k++) {
			rc = lower_cond(c, it->text, &cj->conds[k], &r.conds[k]);
			if (rc) {
				cp_sys_rule_free(&r);
				return rc;
			}
		}
		/* canonical order (by argument, then operator): a conjunction
		 * does not depend on it, and equal rules become comparable */
		qsort(r.conds, r.nconds, sizeof(*r.conds), cmp_cond);
		rc = add_rule(c, f, &r, false);
		if (rc) {
			cp_sys_rule_free(&r);
			return rc;
		}
	}
	return 0;
}

static int parse_arches(struct cp_ctx *c, const struct ast_stmt *st, uint32_t *out)
{
	uint32_t a = 0;

	if (st->nitems < 2) {
		cp_item_error(c, &st->items[0], "'arch' needs at least one of x86_64, x32, i386, aarch64");
		return -EINVAL;
	}
	for (size_t i = 1; i < st->nitems; i++) {
		const struct ast_item *it = &st->items[i];
		size_t k;

		if (!cp_item_plain(c, it, "an architecture"))
			return -EINVAL;
		for (k = 0; k < NARCH; k++)
			if (!strcmp(it->text, arch_tab[k].name))
				break;
		if (k == NARCH) {
			cp_item_error(c, it, "unknown architecture '%s' (x86_64, x32, i386, aarch64)", it->text);
			return -EINVAL;
		}
		if (a & arch_tab[k].bit) {
			cp_item_error(c, it, "architecture '%s' listed twice", it->text);
			return -EINVAL;
		}
		a |= arch_tab[k].bit;
	}
	*out = a;
	return 0;
}

static int one_action(struct cp_ctx *c, const struct ast_stmt *st, struct cp_action *a)
{
	int rc;

	if (st->nitems != 2) {
		cp_item_error(c, &st->items[0], "'%s' takes exactly one action", st->items[0].text);
		return -EINVAL;
	}
	rc = cp_sema_action(c, &st->items[1], a);
	if (rc == 1) {
		cp_item_error(c, &st->items[1], "unknown action '%s' (allow, errno(E...), kill-process, "
			      "kill-thread, trap, log, notify)", st->items[1].text);
		return -EINVAL;
	}
	return rc;
}

int cp_sema_syscalls(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f,
		     const struct cp_policy *base)
{
	struct cp_seccomp *sc = &f->p.seccomp;
	uint32_t arches;
	int rc, err = 0;

	sc->present = true;
	/* architectures first: they decide which syscall names exist */
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];

		if (st->nitems && cp_item_is(&st->items[0], "arch")) {
			if (f->sc_arches_set) {
				cp_item_error(c, &st->items[0], "'arch' given twice in this section");
				return -EINVAL;
			}
			rc = parse_arches(c, st, &sc->arches);
			if (rc)
				return rc;
			f->sc_arches_set = true;
		}
	}
	arches = f->sc_arches_set ? sc->arches :
		 base->seccomp.arches ? base->seccomp.arches : c->native_arch;

	for (size_t i = 0; i < s->nstmts && err != -ENOMEM; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		struct rule_mods m = { 0 };
		size_t j;

		if (st->nitems == 0)
			continue;
		if (cp_item_is(kw, "arch"))
			continue;
		if (cp_item_is(kw, "default")) {
			if (f->sc_default_set) {
				cp_item_error(c, kw, "'default' given twice in this section");
				err = -EINVAL;
				continue;
			}
			rc = one_action(c, st, &sc->default_action);
			if (rc) {
				err = rc;
				continue;
			}
			sc->default_action.loc = kw->loc;
			f->sc_default_set = true;
			continue;
		}
		if (cp_item_is(kw, "bad-arch")) {
			if (f->sc_bad_arch_set) {
				cp_item_error(c, kw, "'bad-arch' given twice in this section");
				err = -EINVAL;
				continue;
			}
			rc = one_action(c, st, &sc->bad_arch_action);
			if (rc) {
				err = rc;
				continue;
			}
			if (sc->bad_arch_action.kind == CP_ACT_ALLOW || sc->bad_arch_action.kind == CP_ACT_LOG) {
				cp_item_error(c, &st->items[1], "bad-arch cannot allow: syscalls through an unlisted "
					      "ABI (x32, i386) would bypass every rule; list the arch with 'arch' instead");
				err = -EINVAL;
				continue;
			}
			sc->bad_arch_action.loc = kw->loc;
			f->sc_bad_arch_set = true;
			continue;
		}
		if (cp_item_is(kw, "log-denials")) {
			if (st->nitems != 1) {
				cp_item_error(c, &st->items[1], "'log-denials' takes no arguments");
				err = -EINVAL;
				continue;
			}
			sc->log_denials = true;
			f->sc_log_set = true;
			continue;
		}
		rc = cp_sema_action(c, kw, &m.act);
		if (rc == 1) {
			static const char *const kws[] = { "default", "arch", "bad-arch", "log-denials",
				"allow", "deny", "errno", "kill-process", "kill-thread", "kill", "trap", "log",
				"notify", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected default, arch, bad-arch, log-denials or an action "
				      "(allow, errno(E...), kill-process, kill-thread, trap, log, notify), found '%s'%s",
				      kw->text, cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (rc) {
			err = rc;
			continue;
		}
		m.act.loc = kw->loc;
		for (j = 1; j < st->nitems; j++) {
			const struct ast_item *it = &st->items[j];

			if (cp_item_is(it, "audit")) {
				m.act.audit = true;
			} else if (cp_item_is(it, "hot")) {
				uint64_t h = 1;

				if (j + 1 < st->nitems && st->items[j + 1].kind == AI_WORD &&
				    st->items[j + 1].text[0] >= '0' && st->items[j + 1].text[0] <= '9') {
					j++;
					if (cp_parse_u64(st->items[j].text, &h) || h < 1 || h > 1000) {
						cp_item_error(c, &st->items[j], "hot priority must be 1..1000");
						err = -EINVAL;
						break;
					}
				}
				m.hot = (uint32_t)h;
			} else {
				break;
			}
		}
		if (j == st->nitems) {
			cp_item_error(c, kw, "'%s' rule names no syscall", kw->text);
			err = -EINVAL;
			continue;
		}
		for (; j < st->nitems; j++) {
			rc = add_target(c, f, &st->items[j], &m, arches);
			if (rc)
				err = rc;
			if (rc == -ENOMEM)
				break;
		}
	}
	return err;
}
