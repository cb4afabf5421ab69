/* SPDX-License-Identifier: MIT */
/*
 * seccomp.c - the seccomp backend: IR -> libseccomp -> classic BPF.
 *
 * One libseccomp context is built per admitted ABI and the contexts are
 * merged, because libseccomp interprets syscall numbers passed to its rule
 * API as host-native numbers: building each ABI on its own lets us skip a
 * name that ABI lacks (Docker lists i386-only calls) and judge arguments
 * with the ABI's width (i386 arguments are 32 bits; libseccomp would
 * otherwise truncate a 64-bit constant and match values it should not).
 *
 * Layout: SCMP_FLTATR_CTL_OPTIMIZE=2 gives a binary search over syscall
 * numbers, so no argument check sits behind a long linear chain, and
 * syscalls decided by number alone read only nr and arch, which keeps
 * them eligible for the kernel's per-syscall action cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "compart.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

static void scmp_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}
#define _cleanup_scmp_ __attribute__((cleanup(scmp_releasep)))

static void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

void cp_bpf_prog_free(struct cp_bpf_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

/* Every architecture libseccomp knows, to tell "not on this ABI" (skip)
 * from "no such syscall anywhere" (a typo: an error). */
static const uint32_t all_arch_tokens[] = {
	SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM,
	SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32,
	SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC,
	SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X,
	SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64,
};

static bool syscall_known_anywhere(const char *name)
{
	for (size_t i = 0; i < sizeof(all_arch_tokens) / sizeof(all_arch_tokens[0]); i++)
		if (seccomp_syscall_resolve_name_arch(all_arch_tokens[i], name) >= 0)
			return true;
	return false;
}

static bool same_action(const struct cp_action *a, const struct cp_action *b)
{
	uint32_t x, y;

	if (cp_sc_action(a, &x) || cp_sc_action(b, &y))
		return false;
	return x == y;
}

static int cmp_rule_name(const void *a, const void *b)
{
	const struct cp_sys_rule *x = *(const struct cp_sys_rule *const *)a;
	const struct cp_sys_rule *y = *(const struct cp_sys_rule *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * What to do with each IR rule.  Profiles mean "first match wins" among
 * the rules of one syscall, but libseccomp lets an unconditional rule
 * swallow every conditional rule of the syscall, whatever their actions
 * ("errno clone(flags & CLONE_NEWUSER)" before "allow clone" would
 * silently allow new user namespaces), and leaves overlapping conditional
 * rules with different actions to its tree layout.  So each rule is cut
 * down to the calls no earlier rule with a different action matches: its
 * own tests ANDed with the negation of every such earlier rule, each
 * negation being a union of single tests, multiplied out.  Rules that an
 * earlier unconditional rule shadows are dropped.  The regions left for
 * different actions are then disjoint, and libseccomp's order no longer
 * matters.
 */
enum disp { D_KEEP = 0, D_DROP, D_COMPL };

struct plan {
	enum disp *disp;
	struct cp_sys_rule **compl;   /* per rule with D_COMPL */
	size_t *ncompl;
	size_t n;
	int *host_nr;                 /* per rule: libseccomp's (host) number */
	int *nr_on[4];                /* per ABI bit position, per rule: number, <0 none */
};

static void plan_free(struct plan *pl)
{
	for (size_t i = 0; pl->compl && i < pl->n; i++) {
		for (size_t j = 0; j < pl->ncompl[i]; j++)
			free(pl->compl[i][j].conds);
		free(pl->compl[i]);
	}
	free(pl->compl);
	free(pl->ncompl);
	free(pl->disp);
	free(pl->host_nr);
	for (int a = 0; a < 4; a++)
		free(pl->nr_on[a]);
	memset(pl, 0, sizeof(*pl));
}

/* Tests whose union is "not c"; returns 1 if c can never hold. */
static int negate_cond(const struct cp_arg_cond *c, struct cp_arg_cond *alts, size_t *n)
{
	struct cp_arg_cond t = *c;

	*n = 0;
	switch (c->op) {
	case CP_CMP_EQ: t.op = CP_CMP_NE; break;
	case CP_CMP_NE: t.op = CP_CMP_EQ; break;
	case CP_CMP_LT: t.op = CP_CMP_GE; break;
	case CP_CMP_LE: t.op = CP_CMP_GT; break;
	case CP_CMP_GT: t.op = CP_CMP_LE; break;
	case CP_CMP_GE: t.op = CP_CMP_LT; break;
	case CP_CMP_IN: t.op = CP_CMP_NOT_IN; break;
	case CP_CMP_NOT_IN: t.op = CP_CMP_IN; break;
	case CP_CMP_MASKED_EQ:
		if (c->value & ~c->mask)
			return 1;
		/* (x & m) != v: some bit of m differs from v */
		for (unsigned b = 0; b < 64; b++) {
			uint64_t bit = 1ull << b;

			if (!(c->mask & bit))
				continue;
			alts[*n] = *c;
			alts[*n].mask = bit;
			alts[*n].value = ~c->value & bit;
			(*n)++;
		}
		return 0;
	}
	alts[(*n)++] = t;
	return 0;
}

static int complement(const struct cp_sys_rule *u, const struct cp_sys_rule *const *ex,
		      size_t nex, struct cp_sys_rule **out, size_t *nout, struct cp_diag *diag)
{
	struct cp_arg_cond **alts = calloc(nex ? nex : 1, sizeof(*alts));
	size_t *nalts = calloc(nex ? nex : 1, sizeof(*nalts)), *idx = calloc(nex ? nex : 1, sizeof(*idx));
	size_t nbox = 0, total = 1;
	struct cp_sys_rule *v = NULL;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!alts || !nalts || !idx) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nex; i++) {
		bool empty = false;
		size_t k = 0;

		alts[nbox] = calloc(ex[i]->nconds * 64 + 1, sizeof(**alts));
		if (!alts[nbox]) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t c = 0; c < ex[i]->nconds && !empty; c++) {
			size_t n;

			if (negate_cond(&ex[i]->conds[c], alts[nbox] + k, &n))
				empty = true;
			k += n;
		}
		if (empty) {
			/* an exception that never matches excludes nothing */
			free(alts[nbox]);
			alts[nbox] = NULL;
			continue;
		}
		nalts[nbox] = k;
		total *= k;
		if (k == 0)
			goto out;   /* the exceptions cover everything */
		if (total > CP_SC_MAX_EXPANSION) {
			cp_error(diag, u->loc, "the exceptions to '%s' are too many to express its "
				 "remaining cases (more than %d rules)", u->name, CP_SC_MAX_EXPANSION);
			rc = -EINVAL;
			goto out;
		}
		nbox++;
	}
	v = calloc(total, sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < total; t++) {
		v[t] = *u;
		v[t].nconds = u->nconds + nbox;
		v[t].conds = calloc(v[t].nconds ? v[t].nconds : 1, sizeof(*v[t].conds));
		if (!v[t].conds) {
			for (size_t j = 0; j < t; j++)
				free(v[j].conds);
			free(v);
			v = NULL;
			rc = -ENOMEM;
			goto out;
		}
		if (u->nconds)
			memcpy(v[t].conds, u->conds, u->nconds * sizeof(*u->conds));
		for (size_t b = 0; b < nbox; b++)
			v[t].conds[u->nconds + b] = alts[b][idx[b]];
		for (size_t b = nbox; b-- > 0;) {
			if (++idx[b] < nalts[b])
				break;
			idx[b] = 0;
		}
	}
	*out = v;
	*nout = total;
out:
	for (size_t i = 0; alts && i < nex; i++)
		free(alts[i]);
	free(alts);
	free(nalts);
	free(idx);
	return rc;
}

static int build_plan(const struct cp_seccomp *sc, struct plan *pl, struct cp_diag *diag)
{
	const struct cp_sys_rule **v = NULL, **ex = NULL;
	int rc = 0;

	memset(pl, 0, sizeof(*pl));
	pl->n = sc->nrules;
	pl->disp = calloc(sc->nrules ? sc->nrules : 1, sizeof(*pl->disp));
	pl->compl = calloc(sc->nrules ? sc->nrules : 1, sizeof(*pl->compl));
	pl->ncompl = calloc(sc->nrules ? sc->nrules : 1, sizeof(*pl->ncompl));
	pl->host_nr = calloc(sc->nrules ? sc->nrules : 1, sizeof(*pl->host_nr));
	v = malloc((sc->nrules ? sc->nrules : 1) * sizeof(*v));
	ex = malloc((sc->nrules ? sc->nrules : 1) * sizeof(*ex));
	if (!pl->disp || !pl->compl || !pl->ncompl || !pl->host_nr || !v || !ex) {
		rc = -ENOMEM;
		goto out;
	}
	/* name lookups once, not once per ABI and stage */
	for (size_t i = 0; i < sc->nrules; i++)
		pl->host_nr[i] = seccomp_syscall_resolve_name(sc->rules[i].name);
	for (size_t i = 0; i < sc->nrules; i++)
		v[i] = &sc->rules[i];
	qsort(v, sc->nrules, sizeof(*v), cmp_rule_name);
	for (size_t i = 0; i < sc->nrules && !rc;) {
		size_t j = i;
		bool seen_uncond = false;

		while (j < sc->nrules && strcmp(v[j]->name, v[i]->name) == 0)
			j++;
		/* v[i..j) is one syscall's rules in source order: first match wins */
		for (size_t k = i; k < j && !rc; k++) {
			size_t ki = (size_t)(v[k] - sc->rules), nex = 0;

			if (seen_uncond) {
				pl->disp[ki] = D_DROP;   /* an earlier rule decides every call */
				continue;
			}
			seen_uncond = v[k]->nconds == 0;
			for (size_t e = i; e < k; e++)
				if (!same_action(&v[e]->action, &v[k]->action))
					ex[nex++] = v[e];
			if (nex) {
				pl->disp[ki] = D_COMPL;
				rc = complement(v[k], ex, nex, &pl->compl[ki], &pl->ncompl[ki], diag);
			}
		}
		i = j;
	}
out:
	free(v);
	free(ex);
	if (rc)
		plan_free(pl);
	return rc;
}

/* One conjunction waiting to be handed to libseccomp. */
struct conj {
	int nr;                       /* host-native number, as libseccomp wants */
	uint32_t action;
	struct scmp_arg_cmp cmps[6];
	unsigned n;
	const struct cp_sys_rule *r;  /* for messages */
	bool arg32;
	struct node_key {
		unsigned arg, op;
		uint32_t datum;
	} keys[12];                   /* libseccomp's tree nodes, for ordering */
	unsigned nkeys;
};

struct conj_vec {
	struct conj *v;
	size_t n, cap;
};

struct collect_ctx {
	struct conj_vec *cv;
	const struct cp_sys_rule *r;
	uint32_t action;
	int nr;
	bool arg32;
};

static size_t conj_keys(const struct conj *c, struct node_key *k);

static int collect_one(void *opaque, const struct scmp_arg_cmp *cmps, unsigned n)
{
	struct collect_ctx *cc = opaque;
	struct conj_vec *cv = cc->cv;

	if (cv->n == cv->cap) {
		size_t nc = cv->cap ? 2 * cv->cap : 64;
		struct conj *nv = realloc(cv->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		cv->v = nv;
		cv->cap = nc;
	}
	cv->v[cv->n] = (struct conj){ .nr = cc->nr, .action = cc->action, .n = n, .r = cc->r,
				      .arg32 = cc->arg32 };
	if (n)
		memcpy(cv->v[cv->n].cmps, cmps, n * sizeof(*cmps));
	cv->v[cv->n].nkeys = (unsigned)conj_keys(&cv->v[cv->n], cv->v[cv->n].keys);
	cv->n++;
	return 0;
}

/*
 * libseccomp keeps the nodes of one tree level ordered and, in 2.5.4,
 * inserting a node in front of an existing one can leave rule insertion
 * spinning forever (seen with "a0 <= 6 && a2 >= 1" followed by
 * "a0 <= 6 && a2 == 0").  Appending is safe, so each syscall's
 * conjunctions are added from the greatest node sequence to the smallest,
 * using libseccomp's own node order: argument (high word first), then
 * operator class, then value (reversed for LT/LE).
 */
static unsigned op_class(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_MASKED_EQ:
	case SCMP_CMP_EQ:
	case SCMP_CMP_NE: return 3;
	case SCMP_CMP_LE:
	case SCMP_CMP_LT: return 2;
	case SCMP_CMP_GE:
	case SCMP_CMP_GT: return 1;
	default:          return 0;
	}
}

static size_t conj_keys(const struct conj *c, struct node_key *k)
{
	size_t n = 0;

	for (unsigned i = 0; i < c->n; i++) {
		const struct scmp_arg_cmp *a = &c->cmps[i];
		bool masked = a->op == SCMP_CMP_MASKED_EQ;
		uint64_t d = masked ? a->datum_b : a->datum_a;
		bool inv = a->op == SCMP_CMP_LE || a->op == SCMP_CMP_LT;

		if (!c->arg32 && !(masked && (a->datum_a >> 32) == 0))
			k[n++] = (struct node_key){ a->arg * 2 + 1, op_class(a->op),
						    inv ? ~(uint32_t)(d >> 32) : (uint32_t)(d >> 32) };
		if (!(masked && (uint32_t)a->datum_a == 0))
			k[n++] = (struct node_key){ a->arg * 2, op_class(a->op),
						    inv ? ~(uint32_t)d : (uint32_t)d };
	}
	return n;
}

static int cmp_conj(const void *pa, const void *pb)
{
	const struct conj *a = pa, *b = pb;
	const struct node_key *ka = a->keys, *kb = b->keys;
	size_t na = a->nkeys, nb = b->nkeys;

	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	for (size_t i = 0; i < na && i < nb; i++) {
		/* greatest first */
		if (ka[i].arg != kb[i].arg)
			return ka[i].arg > kb[i].arg ? -1 : 1;
		if (ka[i].op != kb[i].op)
			return ka[i].op > kb[i].op ? -1 : 1;
		if (ka[i].datum != kb[i].datum)
			return ka[i].datum > kb[i].datum ? -1 : 1;
	}
	if (na != nb)
		return na > nb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int collect_rule(enum cp_arch arch, uint32_t def, const struct cp_sys_rule *r,
			int host_nr, struct conj_vec *cv, struct cp_diag *diag);

static int add_rules(const struct cp_seccomp *sc, struct plan *pl, scmp_filter_ctx ctx,
		     enum cp_arch arch, uint32_t def, bool *used, struct cp_diag *diag)
{
	uint32_t tok = cp_arch_token(arch);
	int *nr_on = calloc(sc->nrules ? sc->nrules : 1, sizeof(*nr_on));
	struct conj_vec cv = { 0 };
	int rc = 0;

	if (!nr_on)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrules; i++)
		nr_on[i] = seccomp_syscall_resolve_name_arch(tok, sc->rules[i].name);
	/* kept for the verifier */
	free(pl->nr_on[__builtin_ctz((unsigned)arch)]);
	pl->nr_on[__builtin_ctz((unsigned)arch)] = nr_on;
	for (size_t i = 0; i < sc->nrules; i++) {
		const struct cp_sys_rule *r = &sc->rules[i];
		int e = 0;

		if (nr_on[i] < 0)
			continue;
		used[i] = true;
		if (pl->disp[i] == D_DROP)
			continue;
		if (pl->disp[i] == D_KEEP)
			e = collect_rule(arch, def, r, pl->host_nr[i], &cv, diag);
		for (size_t k = 0; pl->disp[i] == D_COMPL && k < pl->ncompl[i] && !e; k++)
			e = collect_rule(arch, def, &pl->compl[i][k], pl->host_nr[i], &cv, diag);
		if (e == -ENOMEM) {
			free(cv.v);
			return e;
		}
		if (e)
			rc = -EINVAL;
	}
	if (rc) {
		free(cv.v);
		return rc;
	}
	if (cv.n)
		qsort(cv.v, cv.n, sizeof(*cv.v), cmp_conj);
	for (size_t i = 0; i < cv.n; i++) {
		const struct conj *c = &cv.v[i];
		int e = seccomp_rule_add_array(ctx, c->action, c->nr, c->n, c->cmps);

		if (e) {
			cp_error(diag, c->r->loc, "libseccomp rejected the rule for '%s' on %s: %s",
				 c->r->name, cp_arch_name(arch), strerror(-e));
			rc = -EINVAL;
			continue;
		}
		if (c->r->hot) {
			e = seccomp_syscall_priority(ctx, c->nr, c->r->hot > 255 ? 255 : (uint8_t)c->r->hot);
			if (e) {
				cp_error(diag, c->r->loc, "libseccomp rejected the priority of '%s': %s",
					 c->r->name, strerror(-e));
				rc = -EINVAL;
			}
		}
	}
	free(cv.v);
	return rc;
}

static int collect_rule(enum cp_arch arch, uint32_t def, const struct cp_sys_rule *r,
			int host_nr, struct conj_vec *cv, struct cp_diag *diag)
{
	/* i386 arguments are 32 bits.  x32 passes 64-bit registers, but
	 * libseccomp treats x32 as a 32-bit ABI and compares only the low
	 * words, so rules are cut as for a 32-bit ABI there: a constant
	 * beyond 32 bits can never match.  (A profile that admits x32
	 * inherits libseccomp's low-word comparisons; the shipped profiles
	 * refuse x32.) */
	struct collect_ctx cc = { .cv = cv, .r = r,
				  .arg32 = arch == CP_ARCH_I386 || arch == CP_ARCH_X32 };
	const struct cp_arg_cond *bad = NULL;
	int n;

	if (cp_sc_action(&r->action, &cc.action)) {
		cp_error(diag, r->action.loc, "errno value %d out of range 0..4095",
			 r->action.errno_val);
		return -EINVAL;
	}
	/* the default already decides it (libseccomp refuses such rules) */
	if (cc.action == def)
		return 0;
	cc.nr = host_nr;
	if (cc.nr == __NR_SCMP_ERROR) {
		cp_error(diag, r->loc, "libseccomp cannot resolve '%s'", r->name);
		return -EINVAL;
	}
	n = cp_sc_expand(r, cc.arg32, collect_one, &cc, &bad);
	if (n == -ENOTSUP || (n == -EINVAL && bad)) {
		if (n == -ENOTSUP)
			cp_error(diag, bad->loc, "a masked comparison cannot be combined with "
				 "another comparison on the same argument");
		else
			cp_error(diag, bad->loc, "argument index %u out of range 0..5", bad->arg);
		return -EINVAL;
	}
	if (n == -E2BIG) {
		cp_error(diag, r->loc, "conditions of '%s' expand to more than %d seccomp rules",
			 r->name, CP_SC_MAX_EXPANSION);
		return -EINVAL;
	}
	return n < 0 ? n : 0;
}

static int init_ctx(uint32_t def, uint32_t badarch, bool log, enum cp_arch arch,
		    scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	uint32_t tok = cp_arch_token(arch);
	int rc;

	if (!ctx)
		return -ENOMEM;
	if (seccomp_arch_exist(ctx, tok) != 0) {
		rc = seccomp_arch_add(ctx, tok);
		if (rc)
			goto fail;
		rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (rc)
			goto fail;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch)) ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, log ? 1 : 0)))
		goto fail;
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

static int export_prog(scmp_filter_ctx ctx, struct cp_bpf_prog *out)
{
	__attribute__((cleanup(closep))) int fd = memfd_create("compart-seccomp", MFD_CLOEXEC);
	struct stat st;
	size_t len, off = 0;
	char *buf;
	int rc;

	if (fd < 0)
		return -errno;
	rc = seccomp_export_bpf(ctx, fd);
	if (rc)
		return rc;
	if (fstat(fd, &st) < 0)
		return -errno;
	len = (size_t)st.st_size;
	if (len == 0 || len % sizeof(struct sock_filter))
		return -EIO;
	if (len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	while (off < len) {
		ssize_t n = pread(fd, buf + off, len - off, (off_t)off);

		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		off += (size_t)n;
	}
	out->insns = (struct sock_filter *)buf;
	out->len = len / sizeof(struct sock_filter);
	return 0;
}

static bool needs_log(const struct cp_action *a)
{
	return a->audit && a->kind != CP_ACT_ALLOW;
}

int cp_seccomp_build(const struct cp_policy *p, enum cp_arch native,
		     struct cp_diag *diag, struct cp_bpf_prog *out)
{
	const struct cp_seccomp *sc;
	_cleanup_scmp_ scmp_filter_ctx merged = NULL;
	uint32_t def, badarch, arches;
	bool log, *used = NULL;
	struct plan plan;
	unsigned n_notify = 0;
	int rc = 0;

	if (!p || !out || (native != CP_ARCH_X86_64 && native != CP_ARCH_AARCH64))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	sc = &p->seccomp;
	if (!sc->present)
		return -ENODATA;

	if (cp_sc_action(&sc->default_action, &def)) {
		cp_error(diag, sc->default_action.loc, "errno value %d out of range 0..4095",
			 sc->default_action.errno_val);
		return -EINVAL;
	}
	if (sc->bad_arch_action.kind == CP_ACT_ALLOW || sc->bad_arch_action.kind == CP_ACT_LOG) {
		cp_error(diag, sc->bad_arch_action.loc,
			 "the action for unlisted architectures must deny: allowing them "
			 "would let every syscall through the other ABI unfiltered");
		return -EINVAL;
	}
	if (cp_sc_action(&sc->bad_arch_action, &badarch)) {
		cp_error(diag, sc->bad_arch_action.loc, "errno value %d out of range 0..4095",
			 sc->bad_arch_action.errno_val);
		return -EINVAL;
	}

	log = sc->log_denials || needs_log(&sc->default_action);
	for (size_t i = 0; i < sc->nrules; i++) {
		log = log || needs_log(&sc->rules[i].action);
		n_notify += sc->rules[i].action.kind == CP_ACT_NOTIFY;
	}
	n_notify += sc->default_action.kind == CP_ACT_NOTIFY;

	rc = build_plan(sc, &plan, diag);
	if (rc)
		return rc;

	used = calloc(sc->nrules ? sc->nrules : 1, sizeof(*used));
	if (!used) {
		plan_free(&plan);
		return -ENOMEM;
	}

	/* native ABI first so its block is the first the filter tests */
	arches = (uint32_t)native | (sc->arches & cp_arch_compat_mask(native));
	for (uint32_t bit = (uint32_t)native, rest = arches & ~(uint32_t)native;;) {
		scmp_filter_ctx ctx = NULL;

		rc = init_ctx(def, badarch, log, (enum cp_arch)bit, &ctx);
		if (rc) {
			cp_error(diag, sc->default_action.loc, "libseccomp cannot set up %s: %s",
				 cp_arch_name((enum cp_arch)bit), strerror(-rc));
			break;
		}
		rc = add_rules(sc, &plan, ctx, (enum cp_arch)bit, def, used, diag);
		if (rc) {
			seccomp_release(ctx);
			break;
		}
		if (!merged) {
			merged = ctx;
		} else {
			rc = seccomp_merge(merged, ctx);
			if (rc) {
				seccomp_release(ctx);
				cp_error(diag, sc->default_action.loc, "libseccomp cannot merge %s: %s",
					 cp_arch_name((enum cp_arch)bit), strerror(-rc));
				break;
			}
		}
		if (!rest)
			break;
		bit = rest & -rest;
		rest &= ~bit;
	}

	for (size_t i = 0; !rc && i < sc->nrules; i++) {
		if (used[i])
			continue;
		if (syscall_known_anywhere(sc->rules[i].name)) {
			cp_diag_report(diag, CP_SEV_NOTE, sc->rules[i].loc, 1,
				       "'%s' does not exist on %s; rule skipped",
				       sc->rules[i].name, cp_arch_name(native));
		} else {
			cp_error(diag, sc->rules[i].loc, "unknown syscall '%s'", sc->rules[i].name);
			rc = -EINVAL;
		}
	}
	free(used);
	if (rc) {
		plan_free(&plan);
		return rc;
	}

	rc = export_prog(merged, out);
	if (rc) {
		cp_error(diag, sc->default_action.loc, "cannot export the seccomp filter: %s",
			 rc == -E2BIG ? "longer than BPF_MAXINSNS (4096) instructions" : strerror(-rc));
		plan_free(&plan);
		return rc;
	}
	rc = cp_sc_verify(sc, out, arches, def, badarch, (const int *const *)plan.nr_on, diag);
	plan_free(&plan);
	if (rc) {
		cp_bpf_prog_free(out);
		return rc;
	}
	if (log)
		out->flags |= SECCOMP_FILTER_FLAG_LOG;
	if (n_notify)
		out->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	out->n_notify = n_notify;
	return 0;
}
