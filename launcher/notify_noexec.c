/* SPDX-License-Identifier: MIT */
/*
 * notify_noexec.c - the containment gate's exec-new restriction.
 *
 * exec-new forbids running a binary created during the run.  BPF LSM
 * checks the executed file's identity at exec time.  The gate (notify.c)
 * cannot: the path of an execve is in the target's memory and could
 * change between a check and the kernel's lookup.  But a file created
 * during the run can only live on a mount of the view that the sandbox
 * can write to (it holds no capability to mount, rename and link stop at
 * mount boundaries).  So when the level forbids exec-new, the gate's
 * thread sets MOUNT_ATTR_NOEXEC on every writable mount of the sandbox's
 * mount namespace before it lets an exec proceed, and the kernel's own
 * exec checks refuse (EACCES) any binary on them, by the file actually
 * executed: paths, symlinks, /proc/self/fd/N and execveat with a
 * descriptor all end at that file's mount.  When the operator lowers the
 * level below exec-new, the next exec clears the flag again on exactly
 * the mounts it set it on.
 *
 * Stricter than BPF LSM's rule: a binary that was on a writable mount
 * before the run cannot be executed either while the level holds.  Not
 * covered: an executable memfd (memfd_create), whose mount is internal to
 * the kernel; BPF LSM covers it.
 *
 * Each mount is taken from /proc/<init>/mountinfo (paths relative to the
 * sandbox's root), opened without following any symlink (a mount point's
 * path has none; the target cannot swap one in) and checked to be that
 * mount (its mount id) before its flags change.  A writable mount the
 * gate cannot reach that way, other than one shadowed by a later mount
 * on the same path, fails the whole step, which is undone: the caller
 * then refuses the exec instead (fail closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

struct mnt {
	long id;
	char *path;                    /* mount point, in the view, unescaped */
	bool writable, noexec;
};

struct cr_noexec {
	int procfd;                    /* the host's /proc */
	pid_t init;                    /* the sandbox's init, host pid */
	bool joined, broken;
	bool on;                       /* the flag is set on fd[] */
	unsigned n;
	int *fd;                       /* O_PATH roots of the mounts we set */
};

struct cr_noexec *cr_noexec_new(pid_t init)
{
	struct cr_noexec *x = xcalloc(1, sizeof(*x));

	x->init = init;
	x->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->procfd < 0)
		x->broken = true;
	return x;
}

static void release_fds(struct cr_noexec *x)
{
	for (unsigned i = 0; i < x->n; i++)
		close(x->fd[i]);
	free(x->fd);
	x->fd = NULL;
	x->n = 0;
}

void cr_noexec_free(struct cr_noexec *x)
{
	if (!x)
		return;
	release_fds(x);
	if (x->procfd >= 0)
		close(x->procfd);
	free(x);
}

bool cr_noexec_active(const struct cr_noexec *x) { return x && x->on; }
unsigned cr_noexec_mounts(const struct cr_noexec *x) { return x ? x->n : 0; }

static int open_init(const struct cr_noexec *x, const char *what, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "%d/%s", (int)x->init, what);
	return openat(x->procfd, p, flags | O_CLOEXEC);
}

/* In the gate's thread, once: an fs_struct of its own in the sandbox's
 * mount namespace (mount_setattr acts only on mounts of the caller's
 * namespace), rooted at the sandbox's root. */
static int join(struct cr_noexec *x)
{
	int ns, root, rc = 0;

	if (x->joined)
		return 0;
	ns = open_init(x, "ns/mnt", O_RDONLY);
	root = open_init(x, "root", O_PATH | O_DIRECTORY);
	if (ns < 0 || root < 0 || unshare(CLONE_FS) < 0 || setns(ns, CLONE_NEWNS) < 0 ||
	    fchdir(root) < 0 || chroot(".") < 0)
		rc = -errno;
	if (ns >= 0)
		close(ns);
	if (root >= 0)
		close(root);
	if (!rc)
		x->joined = true;
	return rc;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool has_opt(const char *opts, const char *want)
{
	size_t l = strlen(want);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, want, l) == 0 && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

/* One mountinfo line:
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT MOUNTOPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
 * 0, or -EINVAL for a line of another shape. */
static int parse_line(char *line, struct mnt *m)
{
	char *f[6], *save = NULL, *tok, *super = NULL;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (i < 6)
			f[i] = tok;
		else if (!strcmp(tok, "-"))
			break;
		i++;
	}
	if (i < 6 || !tok)
		return -EINVAL;
	/* after "-": fstype, source, super options */
	for (int k = 0; k < 3 && (tok = strtok_r(NULL, " \n", &save)); k++)
		super = tok;
	if (!super)
		return -EINVAL;
	m->id = strtol(f[0], NULL, 10);
	unescape(f[4]);
	m->path = f[4];
	m->writable = has_opt(f[5], "rw") && has_opt(super, "rw");
	m->noexec = has_opt(f[5], "noexec");
	return 0;
}

/* The view's mounts; *n of them.  -errno. */
static int read_mounts(const struct cr_noexec *x, struct mnt **out, size_t *n, char **buf)
{
	size_t cap = 0, len = 0;
	struct mnt *v = NULL;
	char *text = NULL, *line, *save = NULL;
	ssize_t k;
	int fd = open_init(x, "mountinfo", O_RDONLY);

	*out = NULL;
	*n = 0;
	*buf = NULL;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 16384;
			text = xrealloc(text, cap);
		}
		k = read(fd, text + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (k < 0) {
		free(text);
		return -EIO;
	}
	text[len] = '\0';
	cap = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mnt m;

		if (parse_line(line, &m) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = m;
	}
	*out = v;
	*buf = text;
	return 0;
}

/* Another mount of the view on the same path hides mount i. */
static bool shadowed(const struct mnt *v, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && !strcmp(v[j].path, v[i].path))
			return true;
	return false;
}

static int set_attr(int fd, bool on)
{
	struct mount_attr a = { 0 };

	if (on)
		a.attr_set = MOUNT_ATTR_NOEXEC;
	else
		a.attr_clr = MOUNT_ATTR_NOEXEC;
	return syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 ? -errno : 0;
}

/* Open the root of mount m by its path, following no symlink, and check
 * that it is m.  The fd, -ESTALE when another mount is there, or -errno. */
static int open_mount(const struct mnt *m)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct statx sx;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, m->path, &how, sizeof(how));

	if (fd < 0)
		return -errno;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!(sx.stx_mask & STATX_MNT_ID) || (long)sx.stx_mnt_id != m->id ||
	    !(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static int apply(struct cr_noexec *x, char *why, size_t wn)
{
	struct mnt *v;
	size_t n;
	char *buf;
	int rc = read_mounts(x, &v, &n, &buf);

	if (rc < 0) {
		snprintf(why, wn, "reading the sandbox's mount table: %s", strerror(-rc));
		return rc;
	}
	x->fd = xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n && !rc; i++) {
		int fd;

		if (!v[i].writable || v[i].noexec)
			continue;
		fd = open_mount(&v[i]);
		if (fd == -ESTALE && shadowed(v, n, i))
			continue;             /* unreachable under the later mount */
		if (fd < 0) {
			rc = fd;
			snprintf(why, wn, "%s: %s", v[i].path, strerror(-rc));
			break;
		}
		rc = set_attr(fd, true);
		if (rc < 0) {
			snprintf(why, wn, "noexec on %s: %s", v[i].path, strerror(-rc));
			close(fd);
			break;
		}
		x->fd[x->n++] = fd;
	}
	free(v);
	free(buf);
	return rc;
}

int cr_noexec_set(struct cr_noexec *x, bool on, char *why, size_t wn)
{
	int rc;

	if (why && wn)
		why[0] = '\0';
	if (!x)
		return -EINVAL;
	if (on == x->on)
		return 0;
	if (!on) {
		/* lowered: exactly the mounts set before, by their fds */
		rc = 0;
		for (unsigned i = 0; i < x->n; i++) {
			int e = set_attr(x->fd[i], false);

			if (e < 0 && !rc) {
				rc = e;
				snprintf(why, wn, "clearing noexec: %s", strerror(-e));
			}
		}
		release_fds(x);
		x->on = false;
		return rc;
	}
	if (x->broken) {
		snprintf(why, wn, "no /proc to find the sandbox by");
		return -ENOENT;
	}
	rc = join(x);
	if (rc < 0) {
		snprintf(why, wn, "joining the sandbox's mount namespace: %s", strerror(-rc));
		return rc;
	}
	rc = apply(x, why, wn);
	if (rc < 0) {
		/* undone, so the next exec starts again from the same table;
		 * the caller refuses this one */
		for (unsigned i = 0; i < x->n; i++)
			(void)set_attr(x->fd[i], false);
		release_fds(x);
		return rc;
	}
	x->on = true;
	return 0;
}
