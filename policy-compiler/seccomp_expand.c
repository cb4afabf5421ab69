/* SPDX-License-Identifier: MIT */
/*
 * seccomp_expand.c - turn an IR rule's argument conditions into the
 * conjunctions libseccomp 2.5 can take.
 *
 * libseccomp allows one comparison per argument in a rule, so a NOT_IN
 * set cannot be written as several NE tests on one rule, and a range
 * (a0 > 1 && a0 < 16) cannot be written as two tests.  Instead every
 * argument's conditions are intersected into a set of disjoint intervals;
 * each interval becomes one comparison (EQ, LE, GE, NE for "all but one
 * value", or aligned MASKED_EQ blocks for an inner range, like a CIDR
 * split), and the rule is the cross product over arguments.  The result
 * admits exactly the same argument vectors as the IR rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

struct ival {
	uint64_t lo, hi;
};

struct iset {
	struct ival *v;
	size_t n;
};

static void iset_free(struct iset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int iset_push(struct iset *s, uint64_t lo, uint64_t hi)
{
	struct ival *nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	s->v = nv;
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The set a single (non-masked) condition admits, within [0, max]. */
static int cond_set(const struct cp_arg_cond *c, uint64_t max, struct iset *out)
{
	uint64_t v = c->value;
	int rc = 0;

	switch (c->op) {
	case CP_CMP_EQ:
		return v <= max ? iset_push(out, v, v) : 0;
	case CP_CMP_NE:
		if (v > max)
			return iset_push(out, 0, max);
		if (v > 0)
			rc = iset_push(out, 0, v - 1);
		if (!rc && v < max)
			rc = iset_push(out, v + 1, max);
		return rc;
	case CP_CMP_LT:
		if (v == 0)
			return 0;
		return iset_push(out, 0, v - 1 > max ? max : v - 1);
	case CP_CMP_LE:
		return iset_push(out, 0, v > max ? max : v);
	case CP_CMP_GT:
		return v >= max ? 0 : iset_push(out, v + 1, max);
	case CP_CMP_GE:
		return v > max ? 0 : iset_push(out, v, max);
	case CP_CMP_IN:
	case CP_CMP_NOT_IN: {
		uint64_t *vals;
		size_t n = 0;

		vals = malloc((c->nset ? c->nset : 1) * sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		for (size_t i = 0; i < c->nset; i++)
			if (c->set[i] <= max)
				vals[n++] = c->set[i];
		qsort(vals, n, sizeof(*vals), cmp_u64);
		if (c->op == CP_CMP_IN) {
			for (size_t i = 0; i < n && !rc; i++)
				if (i == 0 || vals[i] != vals[i - 1])
					rc = iset_push(out, vals[i], vals[i]);
		} else {
			uint64_t next = 0;   /* lowest value not yet covered */
			bool done = false;

			for (size_t i = 0; i < n && !rc && !done; i++) {
				if (vals[i] > next)
					rc = iset_push(out, next, vals[i] - 1);
				if (vals[i] == max)
					done = true;
				else if (vals[i] >= next)
					next = vals[i] + 1;
			}
			if (!rc && !done)
				rc = iset_push(out, next, max);
		}
		free(vals);
		return rc;
	}
	case CP_CMP_MASKED_EQ:
		break;
	}
	return -EINVAL;
}

/* a := a ∩ b (both sorted, disjoint). */
static int iset_intersect(struct iset *a, const struct iset *b)
{
	struct iset r = { 0 };
	size_t i = 0, j = 0;
	int rc = 0;

	while (i < a->n && j < b->n && !rc) {
		uint64_t lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
		uint64_t hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;

		if (lo <= hi)
			rc = iset_push(&r, lo, hi);
		if (a->v[i].hi < b->v[j].hi)
			i++;
		else
			j++;
	}
	iset_free(a);
	*a = r;
	return rc;
}

struct atoms {
	struct cp_sc_atom *v;
	size_t n;
};

static int atoms_push(struct atoms *a, bool any, enum scmp_compare op, unsigned arg,
		      uint64_t da, uint64_t db)
{
	struct cp_sc_atom *nv = realloc(a->v, (a->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	a->v = nv;
	a->v[a->n].any = any;
	a->v[a->n].cmp = (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = da, .datum_b = db };
	a->n++;
	return 0;
}

/* Aligned power-of-two blocks covering [lo, hi], each (x & mask) == lo. */
static int split_blocks(struct atoms *a, unsigned arg, uint64_t lo, uint64_t hi)
{
	for (;;) {
		unsigned k = lo ? (unsigned)__builtin_ctzll(lo) : 64;
		int rc;

		/* shrink the block until it fits in what is left */
		while (k > 0 && (k >= 64 || lo + ((1ull << k) - 1) > hi ||
				 lo + ((1ull << k) - 1) < lo))
			k--;
		rc = atoms_push(a, false, SCMP_CMP_MASKED_EQ, arg,
				k >= 64 ? 0 : ~((1ull << k) - 1), lo);
		if (rc)
			return rc;
		if (a->n > CP_SC_MAX_EXPANSION)
			return -E2BIG;
		uint64_t end = lo + ((1ull << k) - 1);
		if (end >= hi)
			return 0;
		lo = end + 1;
	}
}

static int set_to_atoms(const struct iset *s, uint64_t max, unsigned arg, struct atoms *a)
{
	int rc = 0;

	if (s->n == 1 && s->v[0].lo == 0 && s->v[0].hi == max)
		return atoms_push(a, true, SCMP_CMP_EQ, arg, 0, 0);
	/* "everything but v" becomes two ranges, not SCMP_CMP_NE: libseccomp
	 * 2.5.4 stores NE as a flipped EQ, and merging two such rules for one
	 * syscall (a0 != 7 && a2 != 0, then a0 != 7 && a2 == 0) never returns */
	for (size_t i = 0; i < s->n && !rc; i++) {
		uint64_t lo = s->v[i].lo, hi = s->v[i].hi;

		if (lo == hi)
			rc = atoms_push(a, false, SCMP_CMP_EQ, arg, lo, 0);
		else if (lo == 0)
			rc = atoms_push(a, false, SCMP_CMP_LE, arg, hi, 0);
		else if (hi == max)
			rc = atoms_push(a, false, SCMP_CMP_GE, arg, lo, 0);
		else
			rc = split_blocks(a, arg, lo, hi);
		if (!rc && a->n > CP_SC_MAX_EXPANSION)
			rc = -E2BIG;
	}
	return rc;
}

/* Atoms for one argument; a->n == 0 means the argument cannot satisfy
 * the conditions. */
static int arg_atoms(const struct cp_sys_rule *r, unsigned arg, bool arg32,
		     struct atoms *a, const struct cp_arg_cond **bad)
{
	uint64_t max = arg32 ? UINT32_MAX : UINT64_MAX;
	const struct cp_arg_cond *masked = NULL;
	unsigned ncond = 0, nmasked = 0;
	struct iset s = { 0 };
	int rc;

	for (size_t i = 0; i < r->nconds; i++) {
		if (r->conds[i].arg != arg)
			continue;
		ncond++;
		if (r->conds[i].op == CP_CMP_MASKED_EQ) {
			masked = &r->conds[i];
			nmasked++;
		}
	}
	if (ncond == 0)
		return atoms_push(a, true, SCMP_CMP_EQ, arg, 0, 0);
	if (masked) {
		uint64_t mask = 0, val = 0;

		/* masked tests combine into one; ranges and masks do not */
		if (nmasked != ncond) {
			*bad = masked;
			return -ENOTSUP;
		}
		for (size_t i = 0; i < r->nconds; i++) {
			const struct cp_arg_cond *c = &r->conds[i];
			uint64_t m = c->mask & max;

			if (c->arg != arg)
				continue;
			/* bits outside the mask can never be set in (x & mask) */
			if (c->value & ~m)
				return 0;
			if ((val ^ c->value) & mask & m)
				return 0;   /* two tests want one bit both ways */
			mask |= m;
			val |= c->value;
		}
		if (mask == 0)
			return atoms_push(a, true, SCMP_CMP_EQ, arg, 0, 0);
		return atoms_push(a, false, SCMP_CMP_MASKED_EQ, arg, mask, val);
	}
	rc = iset_push(&s, 0, max);
	for (size_t i = 0; i < r->nconds && !rc && s.n; i++) {
		struct iset c = { 0 };

		if (r->conds[i].arg != arg)
			continue;
		rc = cond_set(&r->conds[i], max, &c);
		if (!rc)
			rc = iset_intersect(&s, &c);
		iset_free(&c);
	}
	if (!rc && s.n)
		rc = set_to_atoms(&s, max, arg, a);
	iset_free(&s);
	return rc;
}

int cp_sc_expand(const struct cp_sys_rule *r, bool arg32, cp_sc_emit_fn emit,
		 void *ctx, const struct cp_arg_cond **bad_cond)
{
	struct atoms per[6] = { { 0 } };
	size_t idx[6] = { 0 };
	uint64_t total = 1;
	int rc = 0, emitted = 0;

	/* the common case: decided by number alone */
	if (r->nconds == 0) {
		rc = emit(ctx, NULL, 0);
		return rc ? rc : 1;
	}
	for (size_t i = 0; i < r->nconds; i++)
		if (r->conds[i].arg > 5) {
			*bad_cond = &r->conds[i];
			return -EINVAL;
		}
	for (unsigned arg = 0; arg < 6 && !rc; arg++) {
		rc = arg_atoms(r, arg, arg32, &per[arg], bad_cond);
		if (!rc && per[arg].n == 0)
			goto out;       /* unsatisfiable: the rule never matches */
		if (!rc) {
			total *= per[arg].n;
			if (total > CP_SC_MAX_EXPANSION)
				rc = -E2BIG;
		}
	}
	if (rc)
		goto out;
	for (;;) {
		struct scmp_arg_cmp cmps[6];
		unsigned n = 0;
		int arg;

		for (unsigned k = 0; k < 6; k++)
			if (!per[k].v[idx[k]].any)
				cmps[n++] = per[k].v[idx[k]].cmp;
		rc = emit(ctx, cmps, n);
		if (rc)
			goto out;
		emitted++;
		/* odometer over the per-argument alternatives */
		for (arg = 5; arg >= 0; arg--) {
			if (++idx[arg] < per[arg].n)
				break;
			idx[arg] = 0;
		}
		if (arg < 0)
			break;
	}
out:
	for (unsigned k = 0; k < 6; k++)
		free(per[k].v);
	return rc ? rc : emitted;
}

int cp_sc_action(const struct cp_action *a, uint32_t *out)
{
	switch (a->kind) {
	case CP_ACT_ALLOW:
		/* an audited allow is exactly SECCOMP_RET_LOG */
		*out = a->audit ? SCMP_ACT_LOG : SCMP_ACT_ALLOW;
		return 0;
	case CP_ACT_ERRNO:
		/* SECCOMP_RET_DATA is 16 bits but the kernel clamps errno to
		 * MAX_ERRNO; refuse what would be silently changed */
		if (a->errno_val < 0 || a->errno_val > 4095)
			return -EINVAL;
		*out = SCMP_ACT_ERRNO((uint32_t)a->errno_val);
		return 0;
	case CP_ACT_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
	case CP_ACT_KILL_THREAD:  *out = SCMP_ACT_KILL_THREAD; return 0;
	case CP_ACT_TRAP:         *out = SCMP_ACT_TRAP; return 0;
	case CP_ACT_LOG:          *out = SCMP_ACT_LOG; return 0;
	case CP_ACT_NOTIFY:       *out = SCMP_ACT_NOTIFY; return 0;
	}
	return -EINVAL;
}
