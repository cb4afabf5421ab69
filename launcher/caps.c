/* SPDX-License-Identifier: MIT */
/*
 * caps.c - privilege: capability sets, securebits, no_new_privs, rlimits.
 *
 * Every capability set (bounding, ambient, effective, permitted,
 * inheritable) is cut down to the profile's list (default: empty).  The
 * bounding set is what makes an execve of a setuid-root or file-capability
 * binary gain nothing; no_new_privs additionally makes the kernel ignore
 * setuid bits and file capabilities altogether, and is what lets an
 * unprivileged process install seccomp and Landlock.
 */
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/securebits.h>

#include "cr.h"

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

void cr_caps_apply(const struct cr_plan *pl)
{
	uint64_t keep = pl->p->caps_present ? pl->p->caps : 0;
	__attribute__((cleanup(cap_freep))) cap_t c = NULL;
	cap_value_t last = (cap_value_t)cap_max_bits();
	unsigned long secbits;

	for (cap_value_t v = 0; v < last; v++) {
		if (v < 64 && (keep >> v) & 1)
			continue;
		if (cap_drop_bound(v) < 0 && errno != EINVAL)
			cr_child_fail(errno, "capabilities: dropping %s from the bounding set",
				      cap_to_name(v));
	}
	/* one call, where libcap's cap_reset_ambient() asks about each of the
	 * ~41 capabilities first */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		cr_child_fail(errno, "capabilities: clearing the ambient set");

	/* uid 0 inside must not regain capabilities through execve, and the
	 * sandbox must not be able to undo that */
	secbits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
	if (!keep)
		secbits |= SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (prctl(PR_SET_SECUREBITS, secbits, 0, 0, 0) < 0)
		cr_child_fail(errno, "capabilities: setting securebits");

	c = cap_init();   /* all clear */
	if (!c)
		cr_child_fail(errno, "capabilities: cap_init");
	for (cap_value_t v = 0; v < last && v < 64; v++) {
		if (!((keep >> v) & 1))
			continue;
		if (cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0 ||
		    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) < 0)
			cr_child_fail(errno, "capabilities: cap_set_flag");
	}
	if (cap_set_proc(c) < 0)
		cr_child_fail(errno, "capabilities: cap_set_proc");
	/* kept capabilities survive the execve of a non-root target only
	 * through the ambient set */
	for (cap_value_t v = 0; v < last && v < 64; v++)
		if (((keep >> v) & 1) && cap_set_ambient(v, CAP_SET) < 0)
			cr_child_fail(errno, "capabilities: raising %s in the ambient set",
				      cap_to_name(v));

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		cr_child_fail(errno, "no_new_privs");
}

void cr_rlimits_apply(const struct cr_plan *pl)
{
	const struct cp_policy *p = pl->p;

	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct cp_rlimit *rl = &p->rlimits[i];
		struct rlimit cur, want;

		if (cp_is_cglimit(rl->resource))
			continue;   /* in the cgroup (cglimits.c) */
		if (getrlimit(rl->resource, &cur) < 0)
			cr_child_fail(errno, "%s:%u:%u: error: rlimit %d", rl->loc.file ? rl->loc.file : "<profile>",
				      rl->loc.line, rl->loc.col, rl->resource);
		want.rlim_cur = rl->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)rl->soft;
		want.rlim_max = rl->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)rl->hard;
		/* a limit only ever tightens: raising the hard limit needs a
		 * privilege the sandbox does not have in a user namespace */
		if (cur.rlim_max != RLIM_INFINITY &&
		    (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max))
			want.rlim_max = cur.rlim_max;
		if (want.rlim_max != RLIM_INFINITY &&
		    (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max))
			want.rlim_cur = want.rlim_max;
		if (setrlimit(rl->resource, &want) < 0)
			cr_child_fail(errno, "%s:%u:%u: error: setting rlimit %d",
				      rl->loc.file ? rl->loc.file : "<profile>", rl->loc.line,
				      rl->loc.col, rl->resource);
	}
}
