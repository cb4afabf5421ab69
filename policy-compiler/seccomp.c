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
 * libseccomp lets an unconditional rule swallow every conditional rule of
 * the same syscall whatever their actions, so "allow socket" next to
 * "errno socket(arg0 == AF_PACKET)" would silently allow AF_PACKET.  Such
 * a policy is refused rather than compiled into something weaker.
 */
static int check_conflicts(const struct cp_seccomp *sc, struct cp_diag *diag)
{
	const struct cp_sys_rule **v;
	int rc = 0;

	if (sc->nrules == 0)
		return 0;
	v = malloc(sc->nrules * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrules; i++)
		v[i] = &sc->rules[i];
	qsort(v, sc->nrules, sizeof(*v), cmp_rule_name);
	for (size_t i = 0; i < sc->nrules;) {
		size_t j = i;
		const struct cp_sys_rule *uncond = NULL;

		while (j < sc->nrules && strcmp(v[j]->name, v[i]->name) == 0) {
			if (v[j]->nconds == 0 && !uncond)
				uncond = v[j];
			j++;
		}
		for (size_t k = i; uncond && k < j; k++) {
			if (v[k]->nconds == 0 || same_action(&v[k]->action, &uncond->action))
				continue;
			cp_error(diag, v[k]->loc,
				 "conditional rule for '%s' conflicts with the unconditional rule at %s:%u:%u, "
				 "which would take precedence (give the unconditional case an explicit complement)",
				 v[k]->name, uncond->loc.file ? uncond->loc.file : "?",
				 uncond->loc.line, uncond->loc.col);
			rc = -EINVAL;
		}
		i = j;
	}
	free(v);
	return rc;
}

struct add_ctx {
	scmp_filter_ctx ctx;
	uint32_t action;
	int nr;
};

static int add_one(void *opaque, const struct scmp_arg_cmp *cmps, unsigned n)
{
	struct add_ctx *a = opaque;

	return seccomp_rule_add_array(a->ctx, a->action, a->nr, n, cmps);
}

static int init_ctx(const struct cp_seccomp *sc, uint32_t def, uint32_t badarch,
		    bool log, enum cp_arch arch, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	uint32_t tok = cp_arch_token(arch);
	int rc;

	(void)sc;
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

static int add_rules(const struct cp_seccomp *sc, scmp_filter_ctx ctx, enum cp_arch arch,
		     uint32_t def, bool *used, struct cp_diag *diag)
{
	uint32_t tok = cp_arch_token(arch);
	bool arg32 = arch == CP_ARCH_I386;
	int rc = 0;

	for (size_t i = 0; i < sc->nrules; i++) {
		const struct cp_sys_rule *r = &sc->rules[i];
		const struct cp_arg_cond *bad = NULL;
		struct add_ctx a = { .ctx = ctx };
		int n;

		if (seccomp_syscall_resolve_name_arch(tok, r->name) < 0)
			continue;
		used[i] = true;
		if (cp_sc_action(&r->action, &a.action)) {
			cp_error(diag, r->action.loc, "errno value %d out of range 0..4095",
				 r->action.errno_val);
			rc = -EINVAL;
			continue;
		}
		/* the default already decides it (libseccomp refuses such rules) */
		if (a.action == def)
			continue;
		a.nr = seccomp_syscall_resolve_name(r->name);
		if (a.nr == __NR_SCMP_ERROR) {
			cp_error(diag, r->loc, "libseccomp cannot resolve '%s'", r->name);
			rc = -EINVAL;
			continue;
		}
		n = cp_sc_expand(r, arg32, add_one, &a, &bad);
		if (n == -ENOTSUP || (n == -EINVAL && bad)) {
			cp_error(diag, bad->loc,
				 n == -ENOTSUP ? "a masked comparison cannot be combined with another "
				 "comparison on the same argument" : "argument index %u out of range 0..5",
				 bad->arg);
			rc = -EINVAL;
		} else if (n == -E2BIG) {
			cp_error(diag, r->loc, "conditions of '%s' expand to more than %d seccomp rules",
				 r->name, CP_SC_MAX_EXPANSION);
			rc = -EINVAL;
		} else if (n < 0) {
			cp_error(diag, r->loc, "libseccomp rejected the rule for '%s' on %s: %s",
				 r->name, cp_arch_name(arch), strerror(-n));
			rc = -EINVAL;
		}
		if (n >= 0 && r->hot) {
			int prc = seccomp_syscall_priority(ctx, a.nr, r->hot > 255 ? 255 : (uint8_t)r->hot);

			if (prc) {
				cp_error(diag, r->loc, "libseccomp rejected the priority of '%s': %s",
					 r->name, strerror(-prc));
				rc = -EINVAL;
			}
		}
	}
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

	rc = check_conflicts(sc, diag);
	if (rc)
		return rc;

	used = calloc(sc->nrules ? sc->nrules : 1, sizeof(*used));
	if (!used)
		return -ENOMEM;

	/* native ABI first so its block is the first the filter tests */
	arches = (uint32_t)native | (sc->arches & cp_arch_compat_mask(native));
	for (uint32_t bit = (uint32_t)native, rest = arches & ~(uint32_t)native;;) {
		scmp_filter_ctx ctx = NULL;

		rc = init_ctx(sc, def, badarch, log, (enum cp_arch)bit, &ctx);
		if (rc) {
			cp_error(diag, sc->default_action.loc, "libseccomp cannot set up %s: %s",
				 cp_arch_name((enum cp_arch)bit), strerror(-rc));
			break;
		}
		rc = add_rules(sc, ctx, (enum cp_arch)bit, def, used, diag);
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
	if (rc)
		return rc;

	rc = export_prog(merged, out);
	if (rc) {
		cp_error(diag, sc->default_action.loc, "cannot export the seccomp filter: %s",
			 rc == -E2BIG ? "longer than BPF_MAXINSNS (4096) instructions" : strerror(-rc));
		return rc;
	}
	if (log)
		out->flags |= SECCOMP_FILTER_FLAG_LOG;
	if (n_notify)
		out->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	out->n_notify = n_notify;
	return 0;
}
