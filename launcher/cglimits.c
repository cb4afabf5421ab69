/* SPDX-License-Identifier: MIT */
/*
 * cglimits.c - the profile's cgroup limits (limits { memory, pids }).
 *
 * Each controller is used where it is: in the cgroup v2 hierarchy when v2
 * has it (the sandbox's leaf gets memory.high/memory.max, pids.max; the
 * controller is enabled down to the leaf's parent), otherwise in that
 * controller's own v1 hierarchy, as on hybrid hosts such as the build
 * machine (memory and pids bound to v1, v2 with none).  A v1 leaf is
 * <v1 mount>/compart/<run id>; since clone3 cannot place a child in a v1
 * cgroup, the supervisor steps into the v1 leaves just before it creates
 * the sandbox (the child inherits them) and back out right after.
 *
 * A limit that cannot be applied is an error the caller turns into
 * "layer cgroup unavailable" (required whenever limits are set).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cr.h"

static const struct {
	int res;
	const char *ctl;      /* controller */
} ctls[CR_CGLIMIT_CTLS] = {
	{ CP_CGLIMIT_MEMORY, "memory" },
	{ CP_CGLIMIT_PIDS, "pids" },
};

/* "word" is one of the space-separated words of the file's first line. */
static bool file_has_word(const char *path, const char *word)
{
	char buf[512];
	size_t wl = strlen(word);

	if (cr_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return false;
	for (char *p = buf; (p = strstr(p, word)); p += wl)
		if ((p == buf || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\n' || !p[wl]))
			return true;
	return false;
}

static void fmt_value(uint64_t v, char *buf, size_t n)
{
	if (v == UINT64_MAX)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

static int write_at(const char *dir, const char *file, const char *val, char *why, size_t n)
{
	char path[PATH_MAX + 64];
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	e = cr_write_file_at(AT_FDCWD, path, val);
	if (e < 0)
		snprintf(why, n, "writing %s to %s: %s", val, path, strerror(-e));
	return e;
}

/* Enable ctl in cgroup.subtree_control of every cgroup from the v2 root
 * down to parent (the leaf's parent, below root), so the leaf gets the
 * controller's files. */
static int v2_enable(const char *root, const char *parent, const char *ctl, char *why, size_t n)
{
	char dir[PATH_MAX], file[PATH_MAX + 32], plus[32];
	size_t end = strlen(root), pl = strlen(parent);
	int e;

	snprintf(plus, sizeof(plus), "+%s", ctl);
	for (;;) {
		const char *next;

		snprintf(dir, sizeof(dir), "%.*s", (int)end, parent);
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", dir);
		if (!file_has_word(file, ctl) &&
		    (e = write_at(dir, "cgroup.subtree_control", plus, why, n)) < 0)
			return e;
		if (end >= pl)
			return 0;
		next = strchr(parent + end + 1, '/');
		end = next ? (size_t)(next - parent) : pl;
	}
}

/* The mount point of the v1 hierarchy that has controller ctl. */
static int v1_mount(const char *ctl, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], opts[1024];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 || strcmp(fstype, "cgroup"))
			continue;
		for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
			if (!strcmp(o, ctl)) {
				snprintf(out, n, "%s", mnt);
				rc = 0;
			}
		if (!rc)
			break;
	}
	fclose(f);
	return rc;
}

/* Our own cgroup in the v1 hierarchy that has ctl ("N:ctl,...:/path"). */
static int v1_own(const char *ctl, char *out, size_t n)
{
	char buf[4096];
	char *save = NULL;

	if (cr_read_file_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -errno;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		for (char *s2 = NULL, *w = strtok_r(c1 + 1, ",", &s2); w; w = strtok_r(NULL, ",", &s2))
			if (!strcmp(w, ctl)) {
				snprintf(out, n, "%s", c2 + 1);
				return 0;
			}
	}
	return -ENOENT;
}

static int apply_v1(struct cp_run *r, size_t k, const struct cp_rlimit *rl, char *why, size_t n)
{
	char mnt[PATH_MAX], parent[PATH_MAX + 16], v[32];
	int e;

	if (geteuid() != 0) {
		snprintf(why, n, "%s limit: the %s controller is not in cgroup v2 here, and its v1 "
			 "hierarchy is root's", ctls[k].ctl, ctls[k].ctl);
		return -EPERM;
	}
	e = v1_mount(ctls[k].ctl, mnt, sizeof(mnt));
	if (e < 0) {
		snprintf(why, n, "%s limit: no %s controller in cgroup v2 (%s) nor a v1 hierarchy "
			 "mounted for it", ctls[k].ctl, ctls[k].ctl, cr_cgroup2_root() ?
			 cr_cgroup2_root() : "not mounted");
		return e;
	}
	e = v1_own(ctls[k].ctl, r->cglimit_home[k], sizeof(r->cglimit_home[k]));
	if (e < 0) {
		snprintf(why, n, "%s limit: cannot find our own %s cgroup", ctls[k].ctl, ctls[k].ctl);
		return e;
	}
	snprintf(parent, sizeof(parent), "%s/compart", mnt);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		e = -errno;
		snprintf(why, n, "mkdir %s: %s", parent, strerror(-e));
		return e;
	}
	cr_cgroup_collect_stale(parent);   /* v1 leaves of killed supervisors */
	if ((size_t)snprintf(r->cglimit_v1[k], sizeof(r->cglimit_v1[k]), "%s/%s", parent, r->id) >=
	    sizeof(r->cglimit_v1[k]) || (size_t)snprintf(r->cglimit_mnt[k], sizeof(r->cglimit_mnt[k]),
							   "%s", mnt) >= sizeof(r->cglimit_mnt[k])) {
		r->cglimit_v1[k][0] = '\0';
		snprintf(why, n, "cgroup path too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(r->cglimit_v1[k], 0755) < 0) {
		e = -errno;
		snprintf(why, n, "mkdir %s: %s", r->cglimit_v1[k], strerror(-e));
		r->cglimit_v1[k][0] = '\0';
		return e;
	}
	if (rl->resource == CP_CGLIMIT_MEMORY) {
		/* v1 spells "no limit" -1 */
		if (rl->hard == UINT64_MAX)
			snprintf(v, sizeof(v), "-1");
		else
			fmt_value(rl->hard, v, sizeof(v));
		e = write_at(r->cglimit_v1[k], "memory.limit_in_bytes", v, why, n);
		/* memory+swap at the same bound: swap does not extend it */
		if (!e) {
			char path[2 * PATH_MAX];

			snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", r->cglimit_v1[k]);
			if (access(path, W_OK) == 0)
				e = write_at(r->cglimit_v1[k], "memory.memsw.limit_in_bytes", v, why, n);
		}
		if (!e && rl->soft < rl->hard) {
			fmt_value(rl->soft, v, sizeof(v));
			e = write_at(r->cglimit_v1[k], "memory.soft_limit_in_bytes", v, why, n);
		}
	} else {
		fmt_value(rl->hard, v, sizeof(v));
		e = write_at(r->cglimit_v1[k], "pids.max", v, why, n);
	}
	return e;
}

static int apply_v2(struct cp_run *r, const struct cp_rlimit *rl, char *why, size_t n)
{
	const char *root = cr_cgroup2_root();
	char parent[PATH_MAX], v[32];
	const char *slash = strrchr(r->cgroup_path, '/');
	int e;

	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - r->cgroup_path), r->cgroup_path);
	e = v2_enable(root, parent, rl->resource == CP_CGLIMIT_MEMORY ? "memory" : "pids", why, n);
	if (e < 0)
		return e;
	if (rl->resource == CP_CGLIMIT_PIDS) {
		fmt_value(rl->hard, v, sizeof(v));
		return write_at(r->cgroup_path, "pids.max", v, why, n);
	}
	fmt_value(rl->hard, v, sizeof(v));
	e = write_at(r->cgroup_path, "memory.max", v, why, n);
	if (!e && rl->soft < rl->hard) {
		fmt_value(rl->soft, v, sizeof(v));
		e = write_at(r->cgroup_path, "memory.high", v, why, n);
	}
	/* no swapping around the limit where swap exists */
	if (!e && rl->hard != UINT64_MAX) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/memory.swap.max", r->cgroup_path);
		if (access(path, W_OK) == 0)
			e = write_at(r->cgroup_path, "memory.swap.max", "0", why, n);
	}
	return e;
}

/* Where controller k lives for this caller: 2 (the cgroup v2 hierarchy
 * has it), 1 (only a v1 hierarchy, usable by root), or 0 (nowhere). */
static int ctl_hierarchy(size_t k)
{
	const char *root = cr_cgroup2_root();
	char ctlfile[PATH_MAX], mnt[PATH_MAX];

	if (root) {
		snprintf(ctlfile, sizeof(ctlfile), "%s/cgroup.controllers", root);
		if (file_has_word(ctlfile, ctls[k].ctl))
			return 2;
	}
	return geteuid() == 0 && v1_mount(ctls[k].ctl, mnt, sizeof(mnt)) == 0 ? 1 : 0;
}

int cr_cglimits_where(const struct cp_policy *p, char *desc, size_t n)
{
	const char *root = cr_cgroup2_root();
	size_t len = 0;

	desc[0] = '\0';
	for (size_t i = 0; i < p->nrlimits; i++) {
		int res = p->rlimits[i].resource;
		size_t k = res == CP_CGLIMIT_MEMORY ? 0 : 1;
		int h;

		if (!cp_is_cglimit(res))
			continue;
		h = ctl_hierarchy(k);
		if (!h) {
			snprintf(desc, n, "no %s controller for this caller (cgroup v2: %s; v1: %s)",
				 ctls[k].ctl, root ? "not enabled there" : "not mounted",
				 geteuid() ? "root's only" : "not mounted");
			return -ENOENT;
		}
		len += (size_t)snprintf(desc + len, n - len, "%s%s (v%d)", len ? ", " : "",
					ctls[k].ctl, h);
		if (len >= n)
			len = n - 1;
	}
	return 0;
}

int cr_cglimits_apply(struct cp_run *r, char *why, size_t n)
{
	const struct cp_policy *p = r->policy;
	size_t len = 0;

	r->cglimit_desc[0] = '\0';
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct cp_rlimit *rl = &p->rlimits[i];
		char v[32];
		size_t k = rl->resource == CP_CGLIMIT_MEMORY ? 0 : 1;
		bool v2;
		int e;

		if (!cp_is_cglimit(rl->resource))
			continue;
		/* v2 when the hierarchy has the controller at all */
		v2 = r->cgroup_fd >= 0 && ctl_hierarchy(k) == 2;
		e = v2 ? apply_v2(r, rl, why, n) : apply_v1(r, k, rl, why, n);
		if (e < 0) {
			cr_cglimits_remove(r);
			return e;
		}
		fmt_value(rl->hard, v, sizeof(v));
		len += (size_t)snprintf(r->cglimit_desc + len, sizeof(r->cglimit_desc) - len,
					"%s%s.max %s (%s)", len ? ", " : "", ctls[k].ctl, v,
					v2 ? "v2" : "v1");
		if (len >= sizeof(r->cglimit_desc))
			len = sizeof(r->cglimit_desc) - 1;
	}
	return 0;
}

/* Move the calling process into each v1 leaf (to = true) or back. */
int cr_cglimits_enter(struct cp_run *r, bool to)
{
	char pid[24], dir[2 * PATH_MAX + 32];
	int e, len;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (size_t k = 0; k < CR_CGLIMIT_CTLS; k++) {
		if (!r->cglimit_v1[k][0])
			continue;
		if (to)
			len = snprintf(dir, sizeof(dir), "%s/cgroup.procs", r->cglimit_v1[k]);
		else
			len = snprintf(dir, sizeof(dir), "%s%s/cgroup.procs", r->cglimit_mnt[k],
				       r->cglimit_home[k]);
		if (len < 0 || (size_t)len >= sizeof(dir))
			return -ENAMETOOLONG;
		e = cr_write_file_at(AT_FDCWD, dir, pid);
		if (e < 0)
			return e;
	}
	return 0;
}

void cr_cglimits_remove(struct cp_run *r)
{
	for (size_t k = 0; k < CR_CGLIMIT_CTLS; k++) {
		if (!r->cglimit_v1[k][0])
			continue;
		/* the sandbox is gone; its last tasks leave asynchronously */
		for (int i = 0; i < 200; i++) {
			if (rmdir(r->cglimit_v1[k]) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY) {
				warnx_cr("removing cgroup %s: %s", r->cglimit_v1[k], strerror(errno));
				break;
			}
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		}
		r->cglimit_v1[k][0] = '\0';
	}
}
