/* SPDX-License-Identifier: MIT */
/*
 * cgroup.c - one cgroup v2 leaf per sandbox.
 *
 * The BPF layers are scoped by this cgroup's id, so the sandbox's init is
 * created directly inside it (clone3 CLONE_INTO_CGROUP): there is no moment
 * at which a sandboxed process runs outside it.  Root puts sandboxes under
 * <v2 root>/compart/; an unprivileged caller uses its own delegated
 * cgroup if it may write there.  On hybrid hosts v2 lives at
 * /sys/fs/cgroup/unified.  The leaf is killed (cgroup.kill) and removed
 * when the run ends, on failure paths too.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cr.h"

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

const char *cr_cgroup2_root(void)
{
	if (is_cgroup2("/sys/fs/cgroup"))
		return "/sys/fs/cgroup";
	if (is_cgroup2("/sys/fs/cgroup/unified"))
		return "/sys/fs/cgroup/unified";
	return NULL;
}

/* Our own cgroup in the v2 hierarchy ("0::/path" in /proc/self/cgroup). */
static int own_cgroup(char *out, size_t n)
{
	char buf[4096];
	char *line, *save = NULL;

	if (cr_read_file_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -errno;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(out, n, "%s", line + 3);
			return 0;
		}
	}
	return -ENOENT;
}

int cr_cgroup_parent(char *parent, size_t plen, char *why, size_t n)
{
	const char *root = cr_cgroup2_root();
	char self[PATH_MAX];

	if (!root) {
		snprintf(why, n, "no cgroup v2 hierarchy mounted");
		return -ENOENT;
	}
	if (geteuid() == 0) {
		snprintf(parent, plen, "%s/compart", root);
		return 0;
	} else {
		int e = own_cgroup(self, sizeof(self));

		if (e < 0) {
			snprintf(why, n, "cannot find own cgroup: %s", strerror(-e));
			return e;
		}
		snprintf(parent, plen, "%s%s", root, strcmp(self, "/") ? self : "");
		if (access(parent, W_OK) < 0) {
			snprintf(why, n, "cgroup %s is not delegated to uid %u", parent, geteuid());
			return -EACCES;
		}
	}
	return 0;
}

/* A supervisor killed with SIGKILL cannot remove its cgroup; its init and
 * command died with it (PDEATHSIG), so the leaf is empty.  Leaves named
 * after a supervisor that no longer exists are removed by the next run
 * (rmdir refuses a populated one, so a live sandbox is never touched). */
void cr_cgroup_collect_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		long pid;
		char *end;

		if (strncmp(e->d_name, "cr-", 3) != 0)
			continue;
		pid = strtol(e->d_name + 3, &end, 10);
		if (*end != '-' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) < sizeof(path))
			(void)rmdir(path);
	}
	closedir(d);
}

int cr_cgroup_create(struct cp_run *r, char *why, size_t n)
{
	char parent[PATH_MAX];
	struct stat st;
	int e;

	r->cgroup_fd = -1;
	e = cr_cgroup_parent(parent, sizeof(parent), why, n);
	if (e < 0)
		return e;
	if (geteuid() == 0 && mkdir(parent, 0755) < 0 && errno != EEXIST) {
		e = -errno;
		snprintf(why, n, "mkdir %s: %s", parent, strerror(-e));
		return e;
	}
	cr_cgroup_collect_stale(parent);
	if ((size_t)snprintf(r->cgroup_path, sizeof(r->cgroup_path), "%s/%s", parent, r->id) >=
	    sizeof(r->cgroup_path)) {
		snprintf(why, n, "cgroup path too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(r->cgroup_path, 0755) < 0) {
		e = errno;
		snprintf(why, n, "mkdir %s: %s", r->cgroup_path, strerror(e));
		r->cgroup_path[0] = '\0';
		return -e;
	}
	r->cgroup_fd = open(r->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->cgroup_fd < 0 || fstat(r->cgroup_fd, &st) < 0) {
		e = errno;
		snprintf(why, n, "open %s: %s", r->cgroup_path, strerror(e));
		cr_cgroup_remove(r);
		return -e;
	}
	/* on cgroup v2 the cgroup id is the directory's inode number */
	r->cgroup_id = st.st_ino;
	return 0;
}

void cr_cgroup_remove(struct cp_run *r)
{
	if (!r->cgroup_path[0])
		return;
	if (r->cgroup_fd >= 0) {
		/* stragglers (daemons without a pid namespace) die with the run */
		(void)cr_write_file_at(r->cgroup_fd, "cgroup.kill", "1");
		close(r->cgroup_fd);
		r->cgroup_fd = -1;
	}
	/* killed tasks leave the cgroup asynchronously: retry briefly */
	for (int i = 0; i < 200; i++) {
		if (rmdir(r->cgroup_path) == 0 || errno == ENOENT)
			break;
		if (errno != EBUSY) {
			warnx_cr("removing cgroup %s: %s", r->cgroup_path, strerror(errno));
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	r->cgroup_path[0] = '\0';
}
