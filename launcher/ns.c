/* SPDX-License-Identifier: MIT */
/*
 * ns.c - inside the new namespaces: user id maps, hostname, loopback
 * (brought up with netpool.c's cr_loopback_up, shared with the pool).
 *
 * The sandbox's init writes its own maps.  A process may map exactly its
 * own (outside) uid/gid into a user namespace it created without any
 * privilege, which is what makes the rootless case work; root uses the
 * same 1:1 map so file ownership looks the same inside and out.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cr.h"
#include "netpool.h"

void cr_ns_write_maps(const struct cr_plan *pl)
{
	char buf[64];
	int r;

	if (!(pl->ns & CP_NS_USER))
		return;
	snprintf(buf, sizeof(buf), "%u %u 1\n", pl->uid, pl->uid);
	r = cr_write_file_at(AT_FDCWD, "/proc/self/uid_map", buf);
	if (r < 0)
		cr_child_fail(-r, "user namespace: writing uid_map");
	/* gid_map needs setgroups denied first when unprivileged; denying it
	 * also stops the sandbox from dropping supplementary groups to
	 * bypass negative group permissions (CVE-2014-8989). */
	r = cr_write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny");
	if (r < 0 && r != -ENOENT)
		cr_child_fail(-r, "user namespace: writing setgroups");
	snprintf(buf, sizeof(buf), "%u %u 1\n", pl->gid, pl->gid);
	r = cr_write_file_at(AT_FDCWD, "/proc/self/gid_map", buf);
	if (r < 0)
		cr_child_fail(-r, "user namespace: writing gid_map");
}

void cr_ns_setup_misc(const struct cr_plan *pl)
{
	if (pl->ns & CP_NS_UTS) {
		const char *h = pl->p->ns.hostname ? pl->p->ns.hostname : "compart";

		if (sethostname(h, strlen(h)) < 0)
			cr_child_fail(errno, "uts namespace: sethostname(%s)", h);
	}
	if ((pl->ns & CP_NS_NET) && !pl->net_pooled) {
		int r = cr_loopback_up();

		if (r < 0)
			cr_child_fail(-r, "network namespace: bringing up lo");
	}
}
