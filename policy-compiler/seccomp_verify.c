/* SPDX-License-Identifier: MIT */
/*
 * seccomp_verify.c - check the program libseccomp generated against the
 * policy before anyone loads it.
 *
 * libseccomp builds its rule trees with merging code that has had bugs
 * (2.5.4 can overwrite a node's true action where it meant the false one,
 * and can spin when a node is inserted in front of another), and the
 * backend reshapes rules before handing them over.  A sandbox must not
 * trust that chain blindly, so the finished program is run here on probe
 * inputs, and any decision that differs from the policy's own meaning
 * (first matching rule of the syscall, else the default; unlisted ABIs
 * get the bad-arch action) fails the build.  Probes: every syscall number
 * of every admitted ABI with zero arguments, and for syscalls with
 * argument rules, every argument swept over the rules' boundary values
 * alone and in pairs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>

#include "seccomp_internal.h"

#define NR_PROBE_MAX 600     /* syscall numbers swept per ABI (all four ABIs end below) */
#define VALS_MAX 96          /* probe values per argument */

struct sd {
	uint32_t nr, arch;
	uint64_t args[6];
};

/* The subset of classic BPF libseccomp emits; anything else is a failure. */
static int run(const struct cp_bpf_prog *p, const struct sd *d, uint32_t *ret)
{
	uint32_t a = 0;
	size_t pc = 0;

	while (pc < p->len) {
		const struct sock_filter *f = &p->insns[pc++];
		size_t off;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == 0)
				a = d->nr;
			else if (f->k == 4)
				a = d->arch;
			else if (f->k >= 16 && f->k < 64 && f->k % 4 == 0) {
				off = (f->k - 16) / 4;
				/* both targets are little endian */
				a = (uint32_t)(d->args[off / 2] >> (off % 2 ? 32 : 0));
			} else if (f->k == 8 || f->k == 12) {
				a = 0;   /* instruction pointer: never a decision input here */
			} else {
				return -EINVAL;
			}
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= p->len - pc)
				return -EINVAL;
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			*ret = f->k;
			return 0;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}

static bool cond_holds(const struct cp_arg_cond *c, uint64_t x)
{
	switch (c->op) {
	case CP_CMP_EQ: return x == c->value;
	case CP_CMP_NE: return x != c->value;
	case CP_CMP_LT: return x < c->value;
	case CP_CMP_LE: return x <= c->value;
	case CP_CMP_GT: return x > c->value;
	case CP_CMP_GE: return x >= c->value;
	case CP_CMP_MASKED_EQ: return (x & c->mask) == c->value;
	case CP_CMP_IN:
	case CP_CMP_NOT_IN:
		for (size_t i = 0; i < c->nset; i++)
			if (c->set[i] == x)
				return c->op == CP_CMP_IN;
		return c->op == CP_CMP_NOT_IN;
	}
	return false;
}

struct ctx {
	const struct cp_seccomp *sc;
	const struct cp_bpf_prog *prog;
	uint32_t def, badarch;
	int *next;             /* per rule: next rule (source order) with that number */
	int head[NR_PROBE_MAX];/* per number (x32 bit masked off): its first rule */
	bool arg32;            /* the ABI being checked compares 32-bit arguments */
	struct cp_diag *diag;
	unsigned long probes;
};

/* What the policy says for syscall nr (a rule index list) on one ABI. */
static uint32_t expected(const struct ctx *c, int nr, const uint64_t *args64,
			 const struct cp_sys_rule **why)
{
	uint64_t args[6];

	/* 32-bit ABIs: see cp_seccomp_build for x32 */
	for (int i = 0; i < 6; i++)
		args[i] = c->arg32 ? (uint32_t)args64[i] : args64[i];
	*why = NULL;
	for (int i = c->head[(uint32_t)nr & ~CP_X32_SYSCALL_BIT]; i >= 0; i = c->next[i]) {
		const struct cp_sys_rule *r = &c->sc->rules[i];
		bool all = true;
		uint32_t act;

		for (size_t k = 0; k < r->nconds && all; k++)
			all = cond_holds(&r->conds[k], args[r->conds[k].arg]);
		if (!all)
			continue;
		*why = r;
		return cp_sc_action(&r->action, &act) ? c->def : act;
	}
	return c->def;
}

static int probe(struct ctx *c, uint32_t audit_arch, int nr, const uint64_t *args,
		 enum cp_arch abi, const struct cp_sys_rule *hint)
{
	struct sd d = { .nr = (uint32_t)nr, .arch = audit_arch };
	const struct cp_sys_rule *why;
	uint32_t want, got;

	memcpy(d.args, args, sizeof(d.args));
	c->probes++;
	want = expected(c, nr, args, &why);
	if (run(c->prog, &d, &got) != 0) {
		cp_error(c->diag, c->sc->default_action.loc,
			 "internal error: the generated seccomp program is malformed");
		return -EINVAL;
	}
	if (got == want)
		return 0;
	why = why ? why : hint;
	cp_error(c->diag, why ? why->loc : c->sc->default_action.loc,
		 "internal error: libseccomp's program decides %#x instead of %#x for syscall %d on %s "
		 "(args %#llx, %#llx, %#llx); refusing to emit it",
		 got, want, nr, cp_arch_name(abi), (unsigned long long)args[0],
		 (unsigned long long)args[1], (unsigned long long)args[2]);
	return -EINVAL;
}

static void add_val(uint64_t *v, size_t *n, uint64_t x, bool arg32)
{
	if (arg32)
		x = (uint32_t)x;
	for (size_t i = 0; i < *n; i++)
		if (v[i] == x)
			return;
	if (*n < VALS_MAX)
		v[(*n)++] = x;
}

static void cond_vals(const struct cp_arg_cond *c, uint64_t *v, size_t *n, bool arg32)
{
	add_val(v, n, c->value, arg32);
	add_val(v, n, c->value + 1, arg32);
	add_val(v, n, c->value - 1, arg32);
	if (c->op == CP_CMP_MASKED_EQ) {
		add_val(v, n, c->value | ~c->mask, arg32);
		add_val(v, n, c->value ^ (c->mask & -c->mask), arg32);
		add_val(v, n, c->mask, arg32);
	}
	for (size_t i = 0; i < c->nset; i++) {
		add_val(v, n, c->set[i], arg32);
		add_val(v, n, c->set[i] + 1, arg32);
		add_val(v, n, c->set[i] - 1, arg32);
	}
}

/* Sweep the arguments of syscall nr (its rules' boundary values). */
static int sweep(struct ctx *c, uint32_t audit_arch, int nr, enum cp_arch abi, bool arg32)
{
	static const uint64_t base[] = { 0, 1, UINT32_MAX, 0x100000000ull, UINT64_MAX };
	uint64_t vals[6][VALS_MAX];
	size_t nv[6] = { 0 };
	const struct cp_sys_rule *hint = NULL;
	uint64_t args[6] = { 0 };
	int rc;

	for (int i = c->head[(uint32_t)nr & ~CP_X32_SYSCALL_BIT]; i >= 0; i = c->next[i]) {
		const struct cp_sys_rule *r = &c->sc->rules[i];

		hint = hint ? hint : r;
		for (size_t k = 0; k < r->nconds; k++)
			if (r->conds[k].arg < 6)
				cond_vals(&r->conds[k], vals[r->conds[k].arg], &nv[r->conds[k].arg], arg32);
	}
	for (int a = 0; a < 6; a++)
		if (nv[a])
			for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++)
				add_val(vals[a], &nv[a], base[b], arg32);
	for (int a = 0; a < 6; a++) {
		for (size_t i = 0; i < nv[a]; i++) {
			args[a] = vals[a][i];
			if ((rc = probe(c, audit_arch, nr, args, abi, hint)))
				return rc;
			/* pairs with every later constrained argument */
			for (int b = a + 1; b < 6; b++)
				for (size_t j = 0; j < nv[b]; j++) {
					args[b] = vals[b][j];
					if ((rc = probe(c, audit_arch, nr, args, abi, hint)))
						return rc;
					args[b] = 0;
				}
		}
		args[a] = 0;
	}
	return 0;
}

int cp_sc_verify(const struct cp_seccomp *sc, const struct cp_bpf_prog *prog,
		 uint32_t arches, uint32_t def, uint32_t badarch,
		 const int *const *nr_on, struct cp_diag *diag)
{
	struct ctx c = { .sc = sc, .prog = prog, .def = def, .badarch = badarch, .diag = diag };
	static const uint64_t zero[6];
	int rc = 0;

	c.next = calloc(sc->nrules ? sc->nrules : 1, sizeof(*c.next));
	if (!c.next)
		return -ENOMEM;
	for (uint32_t bit = 1; bit <= CP_ARCH_AARCH64 && !rc; bit <<= 1) {
		enum cp_arch abi = (enum cp_arch)bit;
		uint32_t audit = abi == CP_ARCH_I386 ? AUDIT_ARCH_I386 :
				 abi == CP_ARCH_AARCH64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;
		uint32_t xbit = abi == CP_ARCH_X32 ? CP_X32_SYSCALL_BIT : 0;
		bool admitted = arches & bit;
		struct sd d = { .arch = audit };

		if (!admitted) {
			uint32_t got;

			/* every call through an ABI the filter does not admit
			 * meets the bad-arch action */
			d.nr = xbit | 39;
			if (run(prog, &d, &got) != 0 || got != badarch) {
				cp_error(diag, sc->bad_arch_action.loc, "internal error: calls through %s "
					 "do not meet the bad-architecture action", cp_arch_name(abi));
				rc = -EINVAL;
			}
			continue;
		}
		c.arg32 = abi == CP_ARCH_I386 || abi == CP_ARCH_X32;
		for (int k = 0; k < NR_PROBE_MAX; k++)
			c.head[k] = -1;
		/* chain each number's rules in source order (built backwards) */
		for (size_t i = sc->nrules; i-- > 0;) {
			const int *known = nr_on ? nr_on[__builtin_ctz(bit)] : NULL;
			int n = known ? known[i] :
				seccomp_syscall_resolve_name_arch(cp_arch_token(abi), sc->rules[i].name);
			uint32_t k = (uint32_t)n & ~CP_X32_SYSCALL_BIT;

			c.next[i] = -1;
			if (n < 0 || k >= NR_PROBE_MAX)
				continue;   /* beyond the probed range: not checked */
			c.next[i] = c.head[k];
			c.head[k] = (int)i;
		}
		for (int nr = 0; nr < NR_PROBE_MAX && !rc; nr++) {
			bool has_args = false;

			for (int i = c.head[nr]; i >= 0; i = c.next[i])
				has_args = has_args || sc->rules[i].nconds;
			rc = has_args ? sweep(&c, audit, (int)(xbit | (uint32_t)nr), abi, c.arg32)
				      : probe(&c, audit, (int)(xbit | (uint32_t)nr), zero, abi, NULL);
		}
	}
	free(c.next);
	return rc;
}
