/* SPDX-License-Identifier: MIT */
/*
 * notify_scratch.c - the containment gate's scratch exemption.
 *
 * A level that forbids `write` leaves the profile's scratch directories
 * writable (compart-profile(5)).  BPF LSM checks that by inode.  The gate
 * (notify.c) cannot look at a call's path and then let the call proceed:
 * the target could change the path in its memory between the gate's read
 * and the kernel's.  So the gate performs the call itself, on the
 * target's behalf, from the copy of the path it checked, and answers with
 * the result; a new file descriptor is installed in the target with
 * SECCOMP_IOCTL_NOTIF_ADDFD (SECCOMP_ADDFD_FLAG_SEND).  The call runs:
 *
 *   - in the sandbox's mount namespace, root and working directory: the
 *     gate's thread has its own fs_struct, joins the sandbox's mount
 *     namespace once, and takes the target's root and cwd per call;
 *   - with the target's file-system credentials (fsuid, fsgid,
 *     supplementary groups, umask) and no effective capability, so the
 *     usual permission checks apply as they would to the target;
 *   - only where the directory the call creates in, removes from, or
 *     opens in lies on a scratch tmpfs, and the last component resolves
 *     without leaving it (RESOLVE_BENEATH | RESOLVE_NO_XDEV).
 *
 * A scratch tmpfs is a scratch path that the profile's view mounts as a
 * fresh tmpfs of its own (a `tmpfs` rule at that path).  Nothing outside
 * the scratch can be reached through such a mount, not even through a
 * hard link made before the tightening, which a scratch directory on a
 * shared file system could hold.  Every other write the level forbids is
 * refused (EPERM), as are calls this file does not emulate.
 *
 * Differences from the call itself: opening a FIFO for writing while no
 * reader has it open fails with ENXIO instead of waiting (the gate must
 * never block); a last component that is a symlink must resolve within
 * its directory (RESOLVE_BENEATH).  Not applied here: the target's
 * Landlock domain (the supervisor is not in it).  A scratch tmpfs is writable in the view by construction (the
 * tmpfs rule implies read-write), so Landlock would allow these writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cr.h"

#define CR_SCRATCH_MAX   8
#define CR_GROUPS_MAX    256
#define CR_RESOLVE_SCRATCH (RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS)
/* not an errno: the call is not a scratch write, the gate refuses it */
#define NOT_SCRATCH (-4096L)
/* the open flags openat2 accepts (it refuses unknown bits, which openat
 * ignores); O_LARGEFILE is implied on 64-bit */
#define OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | \
		    O_DSYNC | O_SYNC | O_DIRECT | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
		    O_PATH | __O_TMPFILE)

struct cr_scratch {
	int procfd;                    /* the host's /proc */
	pid_t init;                    /* the sandbox's init, host pid */
	unsigned n;
	char *path[CR_SCRATCH_MAX];    /* in the view */
	dev_t dev[CR_SCRATCH_MAX];     /* their tmpfs, once joined */
	bool joined, broken;
	cap_t caps_full, caps_none;    /* the gate thread's own */
	uid_t uid;                     /* the supervisor's (e)uid and gid */
	gid_t gid;
	gid_t own_groups[CR_GROUPS_MAX];
	int own_ngroups;
};

/* the target's file-system identity, from /proc/PID/status */
struct tcreds {
	uid_t fsuid;
	gid_t fsgid;
	mode_t umask;
	gid_t groups[CR_GROUPS_MAX];
	int ngroups;
};

enum op_kind {
	OP_OPEN, OP_TRUNCATE, OP_FTRUNCATE, OP_UNLINK, OP_MKDIR, OP_MKNOD, OP_SYMLINK,
	OP_RENAME, OP_LINK,
};

/* One call, decoded from its registers and the target's memory. */
struct op {
	enum op_kind kind;
	int dirfd[2];                  /* the target's dirfd arguments */
	char path[2][PATH_MAX];        /* [1]: rename/link destination */
	char target[PATH_MAX];         /* symlink contents */
	unsigned long flags, mode, len;
	int fd;                        /* ftruncate */
};

static bool is_scratch_tmpfs(const struct cp_policy *p, const char *path)
{
	for (size_t i = 0; i < p->fs.nrules; i++)
		if ((p->fs.rules[i].access & CP_FS_TMPFS) && strcmp(p->fs.rules[i].path, path) == 0)
			return true;
	return false;
}

struct cr_scratch *cr_scratch_new(const struct cp_policy *p, pid_t init)
{
	struct cr_scratch *s = xcalloc(1, sizeof(*s));

	s->procfd = -1;
	s->init = init;
	for (size_t i = 0; i < p->adapt.nscratch && s->n < CR_SCRATCH_MAX; i++)
		if (is_scratch_tmpfs(p, p->adapt.scratch[i]))
			s->path[s->n++] = xstrdup(p->adapt.scratch[i]);
	if (s->n)
		s->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->procfd < 0)
		s->n = 0;
	return s;
}

size_t cr_scratch_exempt(const struct cp_policy *p, char *buf, size_t n)
{
	size_t k = 0, l = 0;

	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < p->adapt.nscratch && k < CR_SCRATCH_MAX; i++) {
		if (!is_scratch_tmpfs(p, p->adapt.scratch[i]))
			continue;
		k++;
		if (l < n)
			l += (size_t)snprintf(buf + l, n - l, "%s%s", l ? " " : "", p->adapt.scratch[i]);
	}
	return k;
}

void cr_scratch_free(struct cr_scratch *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		free(s->path[i]);
	if (s->procfd >= 0)
		close(s->procfd);
	if (s->caps_full)
		cap_free(s->caps_full);
	if (s->caps_none)
		cap_free(s->caps_none);
	free(s);
}

static int open_pid(const struct cr_scratch *s, pid_t pid, const char *what, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "%d/%s", (int)pid, what);
	return openat(s->procfd, p, flags | O_CLOEXEC);
}

/* In the gate's thread, once: an fs_struct of its own, the sandbox's
 * mount namespace, each scratch tmpfs's device. */
static bool join(struct cr_scratch *s)
{
	int ns, root;

	if (s->joined || s->broken)
		return s->joined;
	s->broken = true;
	s->caps_full = cap_get_proc();
	s->caps_none = s->caps_full ? cap_dup(s->caps_full) : NULL;
	if (!s->caps_none || cap_clear_flag(s->caps_none, CAP_EFFECTIVE) < 0)
		return false;
	s->uid = geteuid();
	s->gid = getegid();
	s->own_ngroups = getgroups(CR_GROUPS_MAX, s->own_groups);
	if (s->own_ngroups < 0)
		return false;
	ns = open_pid(s, s->init, "ns/mnt", O_RDONLY);
	root = open_pid(s, s->init, "root", O_PATH | O_DIRECTORY);
	if (ns < 0 || root < 0 || unshare(CLONE_FS) < 0 || setns(ns, CLONE_NEWNS) < 0 ||
	    fchdir(root) < 0 || chroot(".") < 0) {
		if (ns >= 0)
			close(ns);
		if (root >= 0)
			close(root);
		return false;
	}
	close(ns);
	close(root);
	for (unsigned i = 0; i < s->n; i++) {
		struct statx sx;
		struct statfs sf;

		/* the view's own tmpfs, mounted at exactly this path */
		if (statx(AT_FDCWD, s->path[i], AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) < 0 ||
		    !(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
		    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
		    statfs(s->path[i], &sf) < 0 || sf.f_type != TMPFS_MAGIC)
			s->dev[i] = 0;
		else
			s->dev[i] = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	}
	s->broken = false;
	s->joined = true;
	return true;
}

static bool on_scratch(const struct cr_scratch *s, dev_t dev)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->dev[i] && s->dev[i] == dev)
			return true;
	return false;
}

/* ---- the target's memory and identity --------------------------------- */

static int read_mem(pid_t pid, unsigned long addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* A NUL-terminated string: read page by page, since the rest of a
 * PATH_MAX window may be unmapped. */
static int read_str(pid_t pid, unsigned long addr, char *buf, size_t size)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		struct iovec local, remote;
		ssize_t n;

		if (chunk > size - got)
			chunk = size - got;
		local = (struct iovec){ buf + got, chunk };
		remote = (struct iovec){ (void *)(addr + got), chunk };
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return buf[0] ? 0 : -ENOENT;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* One read of /proc/PID/status (stdio would add an fstat and more reads:
 * this runs for every performed call). */
static int read_creds(const struct cr_scratch *s, pid_t pid, struct tcreds *c)
{
	static char buf[16384];
	size_t len = 0;
	ssize_t n;
	int have = 0, fd = open_pid(s, pid, "status", O_RDONLY);
	char *save = NULL;

	if (fd < 0)
		return -ESRCH;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	c->ngroups = 0;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned u[4], um;

		if (sscanf(line, "Uid: %u %u %u %u", &u[0], &u[1], &u[2], &u[3]) == 4) {
			c->fsuid = u[3];
			have |= 1;
		} else if (sscanf(line, "Gid: %u %u %u %u", &u[0], &u[1], &u[2], &u[3]) == 4) {
			c->fsgid = u[3];
			have |= 2;
		} else if (sscanf(line, "Umask: %o", &um) == 1) {
			c->umask = (mode_t)um & 0777;
			have |= 4;
		} else if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;

			for (;;) {
				unsigned long v = strtoul(p, &end, 10);

				if (end == p)
					break;
				if (c->ngroups == CR_GROUPS_MAX)
					return -E2BIG;
				c->groups[c->ngroups++] = (gid_t)v;
				p = end;
			}
			have |= 8;
		}
	}
	/* a status cut short (over 16 KiB: thousands of groups) is refused */
	return have == 15 && len < sizeof(buf) - 1 ? 0 : -EIO;
}

/* Take the target's file-system identity on this thread (raw syscalls:
 * glibc would apply setgroups to every thread of the supervisor). */
static int become(const struct cr_scratch *s, const struct tcreds *c)
{
	umask(c->umask);              /* this thread's own fs_struct */
	/* switched also to the same ids (a root launch): one path, the one
	 * the tests exercise */
	if (syscall(SYS_setgroups, (size_t)c->ngroups, c->groups) < 0 ||
	    syscall(SYS_setfsgid, c->fsgid) < 0 || syscall(SYS_setfsuid, c->fsuid) < 0)
		return -errno;
	/* set*fsid return the old id, never an error: check the new one */
	if ((uid_t)syscall(SYS_setfsuid, -1) != c->fsuid || (gid_t)syscall(SYS_setfsgid, -1) != c->fsgid)
		return -EPERM;
	if (cap_set_proc(s->caps_none) < 0)
		return -errno;
	return 0;
}

/* Back to the supervisor's identity.  If that fails, the thread never
 * emulates again (it only answers and refuses, which needs no identity). */
static void unbecome(struct cr_scratch *s)
{
	if (cap_set_proc(s->caps_full) < 0 || syscall(SYS_setfsuid, s->uid) < 0 ||
	    syscall(SYS_setfsgid, s->gid) < 0 ||
	    syscall(SYS_setgroups, (size_t)s->own_ngroups, s->own_groups) < 0 ||
	    (uid_t)syscall(SYS_setfsuid, -1) != s->uid)
		s->broken = true;
}

/* ---- decoding ---------------------------------------------------------- */

/* 0, -ENOSYS (not emulated: refuse), or the errno the call itself would
 * return for unreadable arguments. */
static int decode(const char *name, const struct seccomp_notif *req, struct op *o)
{
	const __u64 *a = req->data.args;
	pid_t pid = (pid_t)req->pid;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->dirfd[0] = o->dirfd[1] = AT_FDCWD;
	o->fd = -1;
	if (!strcmp(name, "open") || !strcmp(name, "creat")) {
		o->kind = OP_OPEN;
		rc = read_str(pid, a[0], o->path[0], PATH_MAX);
		o->flags = name[0] == 'c' ? (O_CREAT | O_WRONLY | O_TRUNC) : a[1];
		o->mode = name[0] == 'c' ? a[1] : a[2];
	} else if (!strcmp(name, "openat")) {
		o->kind = OP_OPEN;
		o->dirfd[0] = (int)a[0];
		rc = read_str(pid, a[1], o->path[0], PATH_MAX);
		o->flags = a[2];
		o->mode = a[3];
	} else if (!strcmp(name, "openat2")) {
		struct open_how how;

		if (a[3] != sizeof(how))
			return -ENOSYS;       /* a newer, larger struct: not emulated */
		rc = read_mem(pid, a[2], &how, sizeof(how));
		if (rc)
			return rc;
		if (how.resolve)
			return -ENOSYS;       /* the caller's own resolve rules: refuse */
		o->kind = OP_OPEN;
		o->dirfd[0] = (int)a[0];
		rc = read_str(pid, a[1], o->path[0], PATH_MAX);
		o->flags = how.flags;
		o->mode = how.mode;
	} else if (!strcmp(name, "truncate")) {
		o->kind = OP_TRUNCATE;
		rc = read_str(pid, a[0], o->path[0], PATH_MAX);
		o->len = a[1];
	} else if (!strcmp(name, "ftruncate")) {
		o->kind = OP_FTRUNCATE;
		o->fd = (int)a[0];
		o->len = a[1];
	} else if (!strcmp(name, "unlink") || !strcmp(name, "rmdir")) {
		o->kind = OP_UNLINK;
		rc = read_str(pid, a[0], o->path[0], PATH_MAX);
		o->flags = name[0] == 'r' ? AT_REMOVEDIR : 0;
	} else if (!strcmp(name, "unlinkat")) {
		o->kind = OP_UNLINK;
		o->dirfd[0] = (int)a[0];
		rc = read_str(pid, a[1], o->path[0], PATH_MAX);
		o->flags = a[2];
		if (o->flags & ~(unsigned long)AT_REMOVEDIR)
			return -EINVAL;
	} else if (!strcmp(name, "mkdir") || !strcmp(name, "mkdirat")) {
		int at = name[5] == 'a';

		o->kind = OP_MKDIR;
		if (at)
			o->dirfd[0] = (int)a[0];
		rc = read_str(pid, a[at], o->path[0], PATH_MAX);
		o->mode = a[at + 1];
	} else if (!strcmp(name, "mknod") || !strcmp(name, "mknodat")) {
		int at = name[5] == 'a';
		unsigned long type;

		o->kind = OP_MKNOD;
		if (at)
			o->dirfd[0] = (int)a[0];
		rc = read_str(pid, a[at], o->path[0], PATH_MAX);
		o->mode = a[at + 1];
		type = o->mode & S_IFMT;
		/* device nodes need CAP_MKNOD, which the target does not have */
		if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
			return -ENOSYS;
	} else if (!strcmp(name, "symlink") || !strcmp(name, "symlinkat")) {
		int at = name[7] == 'a';

		o->kind = OP_SYMLINK;
		rc = read_str(pid, a[0], o->target, PATH_MAX);
		if (at)
			o->dirfd[0] = (int)a[1];
		if (!rc)
			rc = read_str(pid, a[at ? 2 : 1], o->path[0], PATH_MAX);
	} else if (!strcmp(name, "rename") || !strcmp(name, "link")) {
		o->kind = name[0] == 'r' ? OP_RENAME : OP_LINK;
		rc = read_str(pid, a[0], o->path[0], PATH_MAX);
		if (!rc)
			rc = read_str(pid, a[1], o->path[1], PATH_MAX);
	} else if (!strcmp(name, "renameat") || !strcmp(name, "renameat2") || !strcmp(name, "linkat")) {
		o->kind = name[0] == 'r' ? OP_RENAME : OP_LINK;
		o->dirfd[0] = (int)a[0];
		o->dirfd[1] = (int)a[2];
		rc = read_str(pid, a[1], o->path[0], PATH_MAX);
		if (!rc)
			rc = read_str(pid, a[3], o->path[1], PATH_MAX);
		o->flags = strcmp(name, "renameat") ? a[4] : 0;
		/* linkat: only AT_SYMLINK_FOLLOW (AT_EMPTY_PATH links an open
		 * file, which is not a path in scratch) */
		if (o->kind == OP_LINK && (o->flags & ~(unsigned long)AT_SYMLINK_FOLLOW))
			return -ENOSYS;
	} else {
		return -ENOSYS;               /* open_by_handle_at, exec, fork */
	}
	return rc;
}

/* ---- performing -------------------------------------------------------- */

/* The directory a path's last component lives in, opened as the target
 * would resolve it (the thread has the target's root and cwd), and that
 * component.  NOT_SCRATCH when the directory is not on a scratch tmpfs. */
static int parent_of(const struct cr_scratch *s, int dirfd, const char *path, int *pfd,
		     char last[NAME_MAX + 1], bool *trailing)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	const char *leaf;
	struct stat st;
	int fd;

	memcpy(buf, path, len + 1);
	*trailing = false;
	while (len > 1 && buf[len - 1] == '/') {
		buf[--len] = '\0';
		*trailing = true;
	}
	leaf = strrchr(buf, '/');
	if (!leaf) {
		leaf = buf;
		fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		char *slash = (char *)leaf++;

		*slash = '\0';
		fd = openat(dirfd, slash == buf ? "/" : buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	/* ".", ".." or "/": not a name in a scratch directory */
	if (!*leaf || !strcmp(leaf, ".") || !strcmp(leaf, "..") || strlen(leaf) > NAME_MAX ||
	    fstat(fd, &st) < 0 || !on_scratch(s, st.st_dev)) {
		close(fd);
		return (int)NOT_SCRATCH;
	}
	memcpy(last, leaf, strlen(leaf) + 1);
	*pfd = fd;
	return 0;
}

static int open_beneath(int pfd, const char *last, unsigned long flags, unsigned long mode)
{
	struct open_how how = {
		.flags = ((flags & OPEN_FLAGS) | O_CLOEXEC) & ~(unsigned long)O_NOCTTY,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode & 07777 : 0,
		.resolve = CR_RESOLVE_SCRATCH,
	};
	long fd = syscall(SYS_openat2, pfd, last, &how, sizeof(how));

	/* EXDEV: the last component leads off the scratch tmpfs; ENOSYS (no
	 * openat2, e.g. under valgrind): no exemption */
	return fd >= 0 ? (int)fd : errno == EXDEV || errno == ENOSYS ? (int)NOT_SCRATCH : -errno;
}

/* A dirfd argument of the target as a descriptor of ours (pidfd_getfd);
 * AT_FDCWD stays (the thread's cwd is the target's). */
static int their_fd(int pidfd, int fd)
{
	long r;

	if (fd == AT_FDCWD)
		return AT_FDCWD;
	r = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return r < 0 ? -errno : (int)r;
}

static void close_their(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Perform o with the target's identity.  Returns the call's result
 * (>= 0), -errno, or NOT_SCRATCH.  *newfd:
 * an open file of ours to install in the target. */
static long perform(const struct cr_scratch *s, const struct op *o, const int dfd[2], int *newfd)
{
	char last[2][NAME_MAX + 1];
	int pfd[2] = { -1, -1 }, fd;
	bool trailing[2];
	long rc;
	struct stat st;

	*newfd = -1;
	if (o->kind == OP_FTRUNCATE)
		return NOT_SCRATCH;           /* do_ftruncate() */
	rc = parent_of(s, dfd[0], o->path[0], &pfd[0], last[0], &trailing[0]);
	if (rc)
		return rc;
	if (o->kind == OP_RENAME || o->kind == OP_LINK) {
		rc = parent_of(s, dfd[1], o->path[1], &pfd[1], last[1], &trailing[1]);
		if (rc)
			goto out;
	}
	switch (o->kind) {
	case OP_OPEN:
		if (trailing[0] && (o->flags & O_CREAT)) {
			rc = -EISDIR;
			break;
		}
		/* never block the gate: a FIFO without a reader fails with
		 * ENXIO instead of waiting (the one difference from the
		 * call itself); the flag is cleared again for the target */
		fd = open_beneath(pfd[0], last[0], o->flags | O_NONBLOCK, o->mode);
		if (fd < 0) {
			rc = fd;
			break;
		}
		if (fstat(fd, &st) < 0 || !on_scratch(s, st.st_dev)) {
			close(fd);
			rc = NOT_SCRATCH;
			break;
		}
		if (!(o->flags & O_NONBLOCK)) {
			int fl = fcntl(fd, F_GETFL);

			if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
				rc = -errno;
				close(fd);
				break;
			}
		}
		*newfd = fd;
		rc = 0;
		break;
	case OP_TRUNCATE:
		/* O_NONBLOCK: a FIFO must not block the gate */
		fd = open_beneath(pfd[0], last[0], O_WRONLY | O_NONBLOCK, 0);
		if (fd < 0) {
			rc = fd;
			break;
		}
		if (fstat(fd, &st) < 0)
			rc = -errno;
		else if (!on_scratch(s, st.st_dev))
			rc = NOT_SCRATCH;
		else if (S_ISDIR(st.st_mode))
			rc = -EISDIR;
		else if (!S_ISREG(st.st_mode))
			rc = -EINVAL;
		else
			rc = ftruncate(fd, (off_t)o->len) < 0 ? -errno : 0;
		close(fd);
		break;
	case OP_UNLINK:
		rc = unlinkat(pfd[0], last[0], (int)o->flags) < 0 ? -errno : 0;
		break;
	case OP_MKDIR:
		rc = mkdirat(pfd[0], last[0], (mode_t)o->mode & 07777) < 0 ? -errno : 0;
		break;
	case OP_MKNOD:
		rc = mknodat(pfd[0], last[0], (mode_t)o->mode, 0) < 0 ? -errno : 0;
		break;
	case OP_SYMLINK:
		rc = symlinkat(o->target, pfd[0], last[0]) < 0 ? -errno : 0;
		break;
	case OP_RENAME:
		rc = syscall(SYS_renameat2, pfd[0], last[0], pfd[1], last[1], (unsigned)o->flags) < 0
			? -errno : 0;
		break;
	case OP_LINK:
		/* a followed symlink could only lead off the tmpfs: EXDEV */
		rc = linkat(pfd[0], last[0], pfd[1], last[1], (int)o->flags) < 0 ? -errno : 0;
		break;
	case OP_FTRUNCATE:
		break;
	}
out:
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	return rc;
}

/* ftruncate: the target's open file itself, checked and truncated; a
 * concurrent dup2 over the descriptor number cannot change which file. */
static long do_ftruncate(const struct cr_scratch *s, int pidfd, const struct op *o)
{
	struct stat st;
	long rc;
	int fd = their_fd(pidfd, o->fd);

	if (o->fd == AT_FDCWD)
		return -EBADF;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!on_scratch(s, st.st_dev))
		rc = NOT_SCRATCH;
	else
		rc = ftruncate(fd, (off_t)o->len) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int cr_scratch_emulate(struct cr_scratch *s, int listener, const char *name,
		       const struct seccomp_notif *req, struct seccomp_notif_resp *resp, bool *sent)
{
	static struct op o;           /* the gate's thread only */
	struct tcreds c;
	int pidfd = -1, root = -1, cwd = -1, dfd[2] = { AT_FDCWD, AT_FDCWD }, newfd = -1;
	long rc;

	*sent = false;
	if (!s || !s->n || req->data.arch != seccomp_arch_native() || !join(s))
		return 0;
	rc = decode(name, req, &o);
	if (rc == -ENOSYS)
		return 0;
	/* a pidfd only to take the target's descriptors (pidfd_getfd) */
	if (o.kind == OP_FTRUNCATE || (o.path[0][0] != '/' && o.dirfd[0] != AT_FDCWD) ||
	    (o.path[1][0] && o.path[1][0] != '/' && o.dirfd[1] != AT_FDCWD))
		pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0);
	else
		pidfd = -2;
	root = open_pid(s, (pid_t)req->pid, "root", O_PATH | O_DIRECTORY);
	cwd = open_pid(s, (pid_t)req->pid, "cwd", O_PATH | O_DIRECTORY);
	if (pidfd == -1 || root < 0 || cwd < 0 || read_creds(s, (pid_t)req->pid, &c) < 0) {
		rc = NOT_SCRATCH;
		goto out;
	}
	for (int i = 0; i < 2 && !rc && o.kind != OP_FTRUNCATE; i++) {
		if (o.path[i][0] == '/')
			continue;             /* the kernel ignores dirfd then */
		dfd[i] = their_fd(pidfd, o.dirfd[i]);
		if (dfd[i] < 0 && dfd[i] != AT_FDCWD) {
			rc = dfd[i];
			dfd[i] = -1;
		}
	}
	/* everything above named the task of this notification, and not a
	 * later one with its pid, only if the notification is still alive */
	if (seccomp_notify_id_valid(listener, req->id) < 0) {
		*sent = true;                 /* the caller is gone: nothing to answer */
		goto out;
	}
	if (rc)                               /* the call's own error (EFAULT, EBADF...) */
		goto answer;
	if (fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0) {
		rc = NOT_SCRATCH;
		goto out;
	}
	rc = become(s, &c);
	if (!rc)
		rc = o.kind == OP_FTRUNCATE ? do_ftruncate(s, pidfd, &o) : perform(s, &o, dfd, &newfd);
	else
		rc = NOT_SCRATCH;
	unbecome(s);
	if (rc == NOT_SCRATCH)
		goto out;                     /* the gate refuses */
answer:
	if (newfd >= 0) {
		struct seccomp_notif_addfd add = {
			.id = req->id,
			.flags = SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (__u32)newfd,
			.newfd_flags = (o.flags & O_CLOEXEC) ? O_CLOEXEC : 0,
		};

		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) >= 0 || errno == ENOENT) {
			*sent = true;         /* answered, or the caller is gone */
			rc = 1;
			goto out;
		}
		rc = -errno;
		close(newfd);
		newfd = -1;
		/* a kernel without SECCOMP_ADDFD_FLAG_SEND (before 5.14): no
		 * more emulation */
		if (rc == -EINVAL || rc == -ENOTTY)
			s->broken = true;
	}
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	if (rc < 0)
		resp->error = (int)rc;
	else
		resp->val = rc;
	rc = 1;
out:
	for (int i = 0; i < 2; i++)
		close_their(dfd[i]);
	if (newfd >= 0)
		close(newfd);
	if (pidfd >= 0)
		close(pidfd);
	if (root >= 0)
		close(root);
	if (cwd >= 0)
		close(cwd);
	return rc == 1 ? 1 : 0;
}
