/* SPDX-License-Identifier: MIT */
/*
 * seccomp_internal.h - helpers shared by the seccomp backend, the
 * disassembler and the OCI exporter/importer (internal to libcompart).
 */
#ifndef CP_SECCOMP_INTERNAL_H
#define CP_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <seccomp.h>

#include "compart.h"

/* libseccomp's arch tokens are the kernel's AUDIT_ARCH_* values, which is
 * what seccomp_data.arch carries. */
static inline uint32_t cp_arch_token(enum cp_arch a)
{
	switch (a) {
	case CP_ARCH_X86_64:  return SCMP_ARCH_X86_64;
	case CP_ARCH_X32:     return SCMP_ARCH_X32;
	case CP_ARCH_I386:    return SCMP_ARCH_X86;
	case CP_ARCH_AARCH64: return SCMP_ARCH_AARCH64;
	}
	return 0;
}

static inline const char *cp_arch_name(enum cp_arch a)
{
	switch (a) {
	case CP_ARCH_X86_64:  return "x86_64";
	case CP_ARCH_X32:     return "x32";
	case CP_ARCH_I386:    return "i386";
	case CP_ARCH_AARCH64: return "aarch64";
	}
	return "?";
}

/* Arches that can run beside `native` on one kernel (compat ABIs). */
static inline uint32_t cp_arch_compat_mask(enum cp_arch native)
{
	if (native == CP_ARCH_X86_64)
		return CP_ARCH_X86_64 | CP_ARCH_X32 | CP_ARCH_I386;
	return (uint32_t)native;
}

/* x32 shares AUDIT_ARCH_X86_64 and is told apart by this bit in nr. */
#define CP_X32_SYSCALL_BIT 0x40000000u

/* One comparison as libseccomp takes it, or "no constraint". */
struct cp_sc_atom {
	bool any;
	struct scmp_arg_cmp cmp;
};

/* Called once per expanded conjunction (at most 6 comparisons, at most one
 * per argument: libseccomp 2.5 refuses two comparisons on one argument). */
typedef int (*cp_sc_emit_fn)(void *ctx, const struct scmp_arg_cmp *cmps, unsigned n);

/* Upper bound on the conjunctions one IR rule may expand to. */
#define CP_SC_MAX_EXPANSION 1024

/*
 * Expand an IR rule's conditions into conjunctions libseccomp accepts.
 * Conditions on one argument are intersected as sets of intervals and the
 * result is split into single comparisons (EQ/NE/LE/GE, or MASKED_EQ
 * blocks for inner ranges), so IN becomes one rule per value and NOT_IN a
 * few range rules.  With `arg32`, arguments are 32 bits wide (compat
 * ABIs zero-extend them), so values beyond 32 bits are judged the way the
 * kernel will see them instead of being truncated by libseccomp.
 *
 * Returns the number of conjunctions emitted (0 = the rule can never
 * match), or -errno: -E2BIG when the expansion exceeds the bound,
 * -ENOTSUP when MASKED_EQ is combined with another test on one argument
 * (*bad_cond then points at it), or the emitter's error.
 */
int cp_sc_expand(const struct cp_sys_rule *r, bool arg32, cp_sc_emit_fn emit,
		 void *ctx, const struct cp_arg_cond **bad_cond);

/* Run the finished program on probe inputs and compare every decision
 * with the policy's meaning; -EINVAL (with a report) on any difference.
 * nr_on (may be NULL, as may its entries): per ABI bit position, every
 * rule's syscall number as already resolved. */
int cp_sc_verify(const struct cp_seccomp *sc, const struct cp_bpf_prog *prog,
		 uint32_t arches, uint32_t def, uint32_t badarch,
		 const int *const *nr_on, struct cp_diag *diag);

/* Map an IR action to libseccomp's; -EINVAL for an out-of-range errno. */
int cp_sc_action(const struct cp_action *a, uint32_t *out);

#endif
