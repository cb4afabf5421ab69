/* SPDX-License-Identifier: MIT */
/*
 * testlib.h - helpers shared by the seccomp tests: building IR in C,
 * evaluating compiled filters with the interpreter, and running one
 * syscall for real in a forked child under the filter.
 */
#ifndef CP_TEST_SECCOMP_LIB_H
#define CP_TEST_SECCOMP_LIB_H

#include <stdbool.h>
#include <stdint.h>

#include "compart.h"
#include "bpf_interp.h"

/* ---- IR construction ---- */
struct cp_policy *tl_policy(enum cp_action_kind def, int err, uint32_t arches);
struct cp_sys_rule *tl_rule(struct cp_policy *p, const char *name,
			    enum cp_action_kind kind, int err);
void tl_cond(struct cp_sys_rule *r, unsigned arg, enum cp_cmp_op op,
	     uint64_t value, uint64_t mask);
void tl_cond_set(struct cp_sys_rule *r, unsigned arg, enum cp_cmp_op op,
		 size_t n, const uint64_t *vals);

/* ---- evaluation ---- */
/* AUDIT_ARCH value and syscall number of `name` on `arch` (x32 numbers
 * carry the x32 bit); returns false if the ABI lacks it. */
bool tl_resolve(enum cp_arch arch, const char *name, uint32_t *audit_arch, int *nr);
uint32_t tl_eval(const struct cp_bpf_prog *prog, uint32_t audit_arch, int nr,
		 const uint64_t args[6], struct bpf_interp_trace *tr);

/* Outcome of a live run. */
enum tl_live_kind { TL_LIVE_RETURNED, TL_LIVE_KILLED, TL_LIVE_TRAPPED, TL_LIVE_ERROR };
struct tl_live {
	enum tl_live_kind kind;
	long ret;      /* syscall result when RETURNED */
	int err;       /* errno when ret == -1 */
	int sig;       /* signal when KILLED */
};

/* A notifying filter's call is answered by the parent with this errno. */
#define TL_NOTIFY_ERRNO 1005

/* Load `prog` in a forked child (no_new_privs + seccomp(2) with
 * prog->flags | TSYNC) and execute syscall `nr` with `args`; i386 uses
 * int 0x80.  With NEW_LISTENER in prog->flags the parent takes the
 * listener (pidfd_getfd) and answers the call with -TL_NOTIFY_ERRNO.  Returns 0, or -errno if the child could not be set up. */
int tl_run_live(const struct cp_bpf_prog *prog, enum cp_arch arch, int nr,
		const uint64_t args[6], struct tl_live *out);

/* Is int 0x80 usable on this kernel (IA32 emulation enabled)? */
bool tl_have_ia32(void);

/* Path of the shared data directory (../shared from the repo top), or
 * NULL with a reason printed if absent. */
const char *tl_docker_profile(void);

const char *tl_ret_name(uint32_t ret, char *buf, size_t len);

#endif
