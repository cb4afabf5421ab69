// SPDX-License-Identifier: MIT
/*
 * lower.c - from per-file fragments to the final IR.
 *
 * Override semantics (documented in compart-profile(5)):
 *   - inside one file, a syscall named explicitly overrides what a @group
 *     says about it (so "allow @system-service" + "errno(EPERM) ptrace"
 *     reads naturally; see cp_lower_frag); anything else said twice is a
 *     conflict (check.c);
 *   - a file's rules replace its includes' rules for the same syscall, the
 *     same path (filesystem, exec), the same device or resource limit; a
 *     later include overrides an earlier one the same way;
 *   - network rules of the including file come first (first match wins);
 *   - namespaces and capabilities are edited: names add, `share` / `drop`
 *     remove, capabilities `none` clears what includes kept;
 *   - single settings (defaults, arch, hostname, process, layers, the
 *     whole adapt section) are replaced when the including file sets them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "util.h"

void cp_frag_init(struct cp_frag *f)
{
	memset(f, 0, sizeof(*f));
	f->ptrace = f->signal_outside = f->mount = -1;
}

void cp_frag_fini(struct cp_frag *f)
{
	cp_policy_release(&f->p);
	free(f->sys_from_group);
	cp_frag_init(f);
}

/* Inside one file, explicit rules beat a @group's rule for the same
 * syscall: an explicit unconditional rule replaces it; explicit
 * conditional rules are tried first and the group's rule stays as the
 * fallback ("allow @system-service" + "errno(EPERM) socket(domain ==
 * AF_PACKET)" still allows other sockets). */
struct name_idx {
	const char *name;
	size_t idx;
};

static int cmp_name_idx_pair(const void *a, const void *b)
{
	const struct name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

int cp_lower_frag(struct cp_ctx *c, struct cp_frag *f)
{
	struct cp_seccomp *sc = &f->p.seccomp;
	_cleanup_free_ struct name_idx *v = NULL;
	_cleanup_free_ uint8_t *fate = NULL;     /* 0 keep, 1 drop, 2 move to the end */
	_cleanup_free_ struct cp_sys_rule *nr = NULL;
	_cleanup_free_ bool *ng = NULL;
	size_t n = sc->nrules, o = 0;

	(void)c;
	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	fate = calloc(n, 1);
	nr = malloc(n * sizeof(*nr));
	ng = malloc(n * sizeof(*ng));
	if (!v || !fate || !nr || !ng)
		return -ENOMEM;
	/* sort by syscall so each syscall's rules can be judged together:
	 * O(n log n), the groups expand to hundreds of rules */
	for (size_t i = 0; i < n; i++)
		v[i] = (struct name_idx){ sc->rules[i].name, i };
	qsort(v, n, sizeof(*v), cmp_name_idx_pair);
	for (size_t s0 = 0; s0 < n;) {
		size_t e = s0 + 1;
		bool explicit_uncond = false, explicit_cond = false, group_seen = false;

		while (e < n && !strcmp(v[s0].name, v[e].name))
			e++;
		for (size_t k = s0; k < e; k++)
			if (!f->sys_from_group[v[k].idx]) {
				if (sc->rules[v[k].idx].nconds)
					explicit_cond = true;
				else
					explicit_uncond = true;
			}
		for (size_t k = s0; k < e; k++) {
			size_t i = v[k].idx;

			if (!f->sys_from_group[i])
				continue;
			/* one group rule per syscall survives (two groups with
			 * one action; different actions were a check error) */
			if (explicit_uncond || group_seen)
				fate[i] = 1;
			else if (explicit_cond)
				fate[i] = 2;
			group_seen = true;
		}
		s0 = e;
	}
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if (fate[i] == 1) {
				if (pass == 0)
					cp_sys_rule_free(&sc->rules[i]);
				continue;
			}
			if ((fate[i] == 2) != (pass == 1))
				continue;
			ng[o] = f->sys_from_group[i];
			nr[o++] = sc->rules[i];
		}
	memcpy(sc->rules, nr, o * sizeof(*nr));
	memcpy(f->sys_from_group, ng, o * sizeof(*ng));
	sc->nrules = o;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int merge_seccomp(struct cp_frag *acc, struct cp_frag *own)
{
	struct cp_seccomp *a = &acc->p.seccomp, *o = &own->p.seccomp;
	struct cp_sys_rule *nr;
	size_t k = 0;

	if (!o->present)
		return 0;
	a->present = true;
	if (own->sc_default_set) {
		a->default_action = o->default_action;
		acc->sc_default_set = true;
	}
	if (own->sc_arches_set) {
		a->arches = o->arches;
		acc->sc_arches_set = true;
	}
	if (own->sc_bad_arch_set) {
		a->bad_arch_action = o->bad_arch_action;
		acc->sc_bad_arch_set = true;
	}
	if (own->sc_log_set)
		a->log_denials = o->log_denials;
	if (o->nrules && a->nrules) {
		/* the syscalls this file names, sorted for lookup */
		_cleanup_free_ char **names = malloc(o->nrules * sizeof(*names));

		if (!names)
			return -ENOMEM;
		for (size_t i = 0; i < o->nrules; i++)
			names[i] = o->rules[i].name;
		qsort(names, o->nrules, sizeof(*names), cmp_str);
		for (size_t i = 0; i < a->nrules; i++) {
			if (bsearch(&a->rules[i].name, names, o->nrules, sizeof(*names), cmp_str)) {
				cp_sys_rule_free(&a->rules[i]);
				continue;
			}
			a->rules[k++] = a->rules[i];
		}
		a->nrules = k;
	}
	if (!o->nrules)
		return 0;
	nr = realloc(a->rules, (a->nrules + o->nrules) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	a->rules = nr;
	memcpy(nr + a->nrules, o->rules, o->nrules * sizeof(*nr));
	a->nrules += o->nrules;
	free(o->rules);
	o->rules = NULL;
	o->nrules = 0;
	return 0;
}

/* Replace-by-path merge for arrays of structs starting with `char *path`. */
static int merge_paths(void **arules, size_t *an, void **orules, size_t *on, size_t stride)
{
	char *a = *arules, *na;
	size_t k = 0;

	for (size_t i = 0; i < *an; i++) {
		char *ri = a + i * stride;
		bool replaced = false;

		for (size_t j = 0; j < *on && !replaced; j++)
			replaced = !strcmp(*(char **)ri, *(char **)((char *)*orules + j * stride));
		if (replaced) {
			free(*(char **)ri);
			continue;
		}
		memmove(a + k * stride, ri, stride);
		k++;
	}
	*an = k;
	if (!*on)
		return 0;
	na = realloc(a, (*an + *on) * stride);
	if (!na)
		return -ENOMEM;
	memcpy(na + *an * stride, *orules, *on * stride);
	*arules = na;
	*an += *on;
	free(*orules);
	*orules = NULL;
	*on = 0;
	return 0;
}

static int merge_network(struct cp_frag *acc, struct cp_frag *own)
{
	struct cp_network *a = &acc->p.net, *o = &own->p.net;
	struct cp_net_rule *nr;

	if (!o->present)
		return 0;
	a->present = true;
	if (own->net_default_set) {
		a->default_allow = o->default_allow;
		a->default_action = o->default_action;
		acc->net_default_set = true;
	}
	if (o->families) {
		free(a->families);
		a->families = o->families;
		a->nfamilies = o->nfamilies;
		o->families = NULL;
		o->nfamilies = 0;
	}
	if (!o->nrules)
		return 0;
	/* the including file's rules come first: first match wins */
	nr = malloc((a->nrules + o->nrules) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	memcpy(nr, o->rules, o->nrules * sizeof(*nr));
	if (a->nrules)
		memcpy(nr + o->nrules, a->rules, a->nrules * sizeof(*nr));
	free(a->rules);
	free(o->rules);
	a->rules = nr;
	a->nrules += o->nrules;
	o->rules = NULL;
	o->nrules = 0;
	return 0;
}

static int merge_devices(struct cp_frag *acc, struct cp_frag *own)
{
	struct cp_devices *a = &acc->p.dev, *o = &own->p.dev;
	struct cp_dev_rule *nr;
	size_t k = 0;

	if (!o->present)
		return 0;
	a->present = true;
	for (size_t i = 0; i < a->nrules; i++) {
		bool replaced = false;

		for (size_t j = 0; j < o->nrules && !replaced; j++)
			replaced = a->rules[i].type == o->rules[j].type &&
				   a->rules[i].major == o->rules[j].major &&
				   a->rules[i].minor == o->rules[j].minor;
		if (!replaced)
			a->rules[k++] = a->rules[i];
	}
	a->nrules = k;
	if (!o->nrules)
		return 0;
	nr = realloc(a->rules, (a->nrules + o->nrules) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	memcpy(nr + a->nrules, o->rules, o->nrules * sizeof(*nr));
	a->rules = nr;
	a->nrules += o->nrules;
	free(o->rules);
	o->rules = NULL;
	o->nrules = 0;
	return 0;
}

static int merge_rlimits(struct cp_policy *a, struct cp_policy *o)
{
	struct cp_rlimit *nr;
	size_t k = 0;

	for (size_t i = 0; i < a->nrlimits; i++) {
		bool replaced = false;

		for (size_t j = 0; j < o->nrlimits && !replaced; j++)
			replaced = a->rlimits[i].resource == o->rlimits[j].resource;
		if (!replaced)
			a->rlimits[k++] = a->rlimits[i];
	}
	a->nrlimits = k;
	if (!o->nrlimits)
		return 0;
	nr = realloc(a->rlimits, (a->nrlimits + o->nrlimits) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	memcpy(nr + a->nrlimits, o->rlimits, o->nrlimits * sizeof(*nr));
	a->rlimits = nr;
	a->nrlimits += o->nrlimits;
	free(o->rlimits);
	o->rlimits = NULL;
	o->nrlimits = 0;
	return 0;
}

int cp_merge(struct cp_ctx *c, struct cp_frag *acc, struct cp_frag *own)
{
	struct cp_policy *a = &acc->p, *o = &own->p;
	int rc;

	(void)c;
	/* namespaces: edits */
	if (o->ns.present) {
		a->ns.present = true;
		a->ns.loc = o->ns.loc;
		a->ns.mask = (a->ns.mask | own->ns_add) & ~own->ns_remove;
		acc->ns_add = (acc->ns_add | own->ns_add) & ~own->ns_remove;
		for (int i = 0; i < 8; i++)
			if (own->ns_add & (1u << i))
				acc->ns_add_loc[i] = own->ns_add_loc[i];
		if (o->ns.hostname) {
			free(a->ns.hostname);
			a->ns.hostname = o->ns.hostname;
			o->ns.hostname = NULL;
			acc->hostname_loc = own->hostname_loc;
		}
	}
	if (o->fs.present) {
		a->fs.present = true;
		rc = merge_paths((void **)&a->fs.rules, &a->fs.nrules, (void **)&o->fs.rules,
				 &o->fs.nrules, sizeof(struct cp_fs_rule));
		if (rc)
			return rc;
	}
	rc = merge_seccomp(acc, own);
	if (rc)
		return rc;
	rc = merge_network(acc, own);
	if (rc)
		return rc;
	if (o->exec.present) {
		a->exec.present = true;
		if (own->exec_dc_set)
			a->exec.deny_created = o->exec.deny_created;
		if (own->exec_wx_set)
			a->exec.wx = o->exec.wx;
		rc = merge_paths((void **)&a->exec.rules, &a->exec.nrules, (void **)&o->exec.rules,
				 &o->exec.nrules, sizeof(struct cp_exec_rule));
		if (rc)
			return rc;
	}
	if (own->ptrace >= 0)
		acc->ptrace = own->ptrace;
	if (own->signal_outside >= 0)
		acc->signal_outside = own->signal_outside;
	if (own->mount >= 0)
		acc->mount = own->mount;
	if (own->ptrace >= 0 || own->signal_outside >= 0 || own->mount >= 0)
		a->proc.loc = o->proc.loc;
	rc = merge_devices(acc, own);
	if (rc)
		return rc;
	if (o->caps_present) {
		a->caps_present = true;
		if (own->caps_none)
			a->caps = 0;
		a->caps = (a->caps | own->caps_keep) & ~own->caps_drop;
	}
	rc = merge_rlimits(a, o);
	if (rc)
		return rc;
	if (o->adapt.present) {
		cp_policy_release_adapt(&a->adapt);
		a->adapt = o->adapt;
		memset(&o->adapt, 0, sizeof(o->adapt));
	}
	for (int l = 0; l < CP_LAYER__COUNT; l++)
		if (own->layer_set[l]) {
			a->layers[l] = o->layers[l];
			acc->layer_set[l] = true;
			acc->layer_loc[l] = own->layer_loc[l];
		}
	return 0;
}

struct sys_order {
	size_t first;            /* index of the syscall's first rule */
	size_t idx;
};

static int cmp_name_idx(const void *a, const void *b, void *arg)
{
	const struct cp_sys_rule *r = arg;
	const struct sys_order *x = a, *y = b;
	int c = strcmp(r[x->idx].name, r[y->idx].name);

	return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

static int cmp_first_idx(const void *a, const void *b)
{
	const struct sys_order *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Make the rules of one syscall adjacent (ir.h promises it), keeping
 * their relative order and placing them where the syscall first appears. */
static int group_by_syscall(struct cp_seccomp *sc)
{
	_cleanup_free_ struct sys_order *o = NULL;
	_cleanup_free_ struct cp_sys_rule *nr = NULL;

	if (sc->nrules < 2)
		return 0;
	o = malloc(sc->nrules * sizeof(*o));
	nr = malloc(sc->nrules * sizeof(*nr));
	if (!o || !nr)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrules; i++)
		o[i] = (struct sys_order){ i, i };
	qsort_r(o, sc->nrules, sizeof(*o), cmp_name_idx, sc->rules);
	for (size_t i = 1; i < sc->nrules; i++)
		if (!strcmp(sc->rules[o[i].idx].name, sc->rules[o[i - 1].idx].name))
			o[i].first = o[i - 1].first;
	qsort(o, sc->nrules, sizeof(*o), cmp_first_idx);
	for (size_t i = 0; i < sc->nrules; i++)
		nr[i] = sc->rules[o[i].idx];
	memcpy(sc->rules, nr, sc->nrules * sizeof(*nr));
	return 0;
}

int cp_finalize(struct cp_ctx *c, struct cp_frag *acc)
{
	struct cp_policy *p = &acc->p;
	int rc;

	rc = group_by_syscall(&p->seccomp);
	if (rc)
		return rc;

	if (p->ns.hostname && !(p->ns.mask & CP_NS_UTS)) {
		cp_error(c->d, acc->hostname_loc, "hostname needs the uts namespace (add 'uts' to namespaces)");
		return -EINVAL;
	}
	if (p->seccomp.present) {
		if (!acc->sc_default_set)
			p->seccomp.default_action = (struct cp_action){ .kind = CP_ACT_ERRNO, .errno_val = EPERM };
		if (!acc->sc_arches_set)
			p->seccomp.arches = c->native_arch;
		if (!acc->sc_bad_arch_set)
			p->seccomp.bad_arch_action = (struct cp_action){ .kind = CP_ACT_KILL_PROCESS };
	}
	if (p->net.present && !acc->net_default_set) {
		p->net.default_allow = false;
		p->net.default_action = (struct cp_action){ .kind = CP_ACT_ERRNO, .errno_val = EPERM };
	}
	p->proc.allow_ptrace = acc->ptrace == 1;
	p->proc.signal_outside = acc->signal_outside == 1;
	p->proc.allow_mount = acc->mount == 1;
	if (p->adapt.present && acc->layer_set[CP_LAYER_ADAPT] && p->layers[CP_LAYER_ADAPT] == CP_REQ_OFF)
		cp_warning(c->d, acc->layer_loc[CP_LAYER_ADAPT], "adapt section present but the adapt layer is off");
	return 0;
}
