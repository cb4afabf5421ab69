/* SPDX-License-Identifier: MIT */
/*
 * mount.c - the sandbox's filesystem view.
 *
 * Sequence (inside the new mount namespace, as the sandbox's init):
 *   1. make every mount private (MS_REC|MS_PRIVATE) so nothing we do
 *      propagates back to the host;
 *   2. pivot into a staging tmpfs, keeping the host tree at /oldroot, so
 *      that bind sources are always reachable (even under /tmp);
 *   3. build /newroot: the profile's binds (parents before children),
 *      tmpfs dirs, a fresh /proc, a minimal /dev with its own devpts;
 *   4. pivot_root into /newroot and detach the staging root together
 *      with the whole host tree.  chroot is never used: it leaves the old
 *      root reachable.
 * Read-only binds are cloned detached (open_tree), made read-only, nosuid
 * and nodev recursively with mount_setattr() and only then attached, so
 * submounts are covered and locked flags inherited from a less privileged
 * mount namespace are never cleared (only ever added).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr.h"

#define STAGE   "/tmp"
#define OLDROOT "/oldroot"
#define NEWROOT "/newroot"
#define SKEL    "/skel"     /* a skeleton directory is built here */

static int pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* mkdir unless it exists; an existing directory below a read-only bind
 * must not turn into EROFS. */
static int mkdir_1(const char *path, mode_t mode)
{
	struct stat st;

	/* mkdir reports EEXIST before EROFS, so one call usually settles it */
	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* mkdir -p for the mount points, inside NEWROOT only. */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), start;
	int r;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	/* NEWROOT itself exists (the new root's tmpfs is mounted on it before
	 * any mount point is made): start below it */
	if (strcmp(path, NEWROOT) == 0)
		return 0;
	memcpy(buf, path, len + 1);
	start = strncmp(buf, NEWROOT "/", sizeof(NEWROOT)) == 0 ? sizeof(NEWROOT) : 1;
	for (char *s = buf + start; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		r = mkdir_1(buf, mode);
		if (r < 0)
			return r;
		*s = '/';
	}
	return mkdir_1(buf, mode);
}

static int make_mountpoint_parent(const char *dst)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dst);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0;
	*slash = '\0';
	return mkdir_p(parent, 0755);
}

static int make_mountpoint(const char *dst, bool dir)
{
	struct stat st;
	int fd, r;

	if (lstat(dst, &st) == 0)
		return 0;
	if (dir)
		return mkdir_p(dst, 0755);
	r = make_mountpoint_parent(dst);
	if (r < 0)
		return r;
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0444);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	close(fd);
	return 0;
}

static void mnt(const char *src, const char *dst, const char *type,
		unsigned long flags, const char *data)
{
	/* the type is ignored for binds and remounts; never pass NULL */
	if (mount(src ? src : "none", dst, type ? type : "none", flags, data) < 0)
		cr_child_fail(errno, "mount %s on %s", type ? type : src ? src : "(remount)", dst);
}

/* Fallback for kernels without the new mount API: the old remount, which
 * must restate the locked flags the mount already has. */
static void legacy_bind(const char *src, const char *dst, uint64_t attr)
{
	unsigned long keep = 0;
	struct statvfs sv;

	mnt(src, dst, NULL, MS_BIND | MS_REC, NULL);
	if (statvfs(dst, &sv) < 0)
		cr_child_fail(errno, "statvfs %s", dst);
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		keep |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		keep |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		keep |= MS_RELATIME;
	if (sv.f_flag & ST_RDONLY)
		keep |= MS_RDONLY;
	if (attr & MOUNT_ATTR_RDONLY)
		keep |= MS_RDONLY;
	if (attr & MOUNT_ATTR_NOSUID)
		keep |= MS_NOSUID;
	if (attr & MOUNT_ATTR_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	mnt(NULL, dst, NULL, MS_BIND | MS_REMOUNT | keep, NULL);
}

static void bind_tree(const char *src, const char *dst, uint64_t attr)
{
	struct mount_attr ma = { .attr_set = attr };
	int fd;

	fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0 && errno == ENOSYS) {
		legacy_bind(src, dst, attr);
		return;
	}
	if (fd < 0)
		cr_child_fail(errno, "bind %s", src + strlen(OLDROOT));
	if (attr && mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0)
		cr_child_fail(errno, "mount_setattr %s", src + strlen(OLDROOT));
	if (move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		cr_child_fail(errno, "attach %s", dst + strlen(NEWROOT));
	close(fd);
}

static void set_attr(const char *path, uint64_t attr, bool recursive)
{
	struct mount_attr ma = { .attr_set = attr };

	if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &ma, sizeof(ma)) == 0)
		return;
	if (errno != ENOSYS)
		cr_child_fail(errno, "mount_setattr %s", path);
	mnt(NULL, path, NULL, MS_REMOUNT | MS_BIND |
	    ((attr & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0) | MS_NOSUID | MS_NODEV, NULL);
}

static size_t depth(const char *p)
{
	size_t d = 0;

	for (; *p; p++)
		d += *p == '/';
	return d;
}

static bool has_rule(const struct cp_policy *p, const char *path)
{
	for (size_t i = 0; i < p->fs.nrules; i++)
		if (strcmp(p->fs.rules[i].path, path) == 0)
			return true;
	return false;
}

static void fail_rule(const struct cp_fs_rule *r, int err, const char *what)
{
	cr_child_fail(err, "%s:%u:%u: error: filesystem rule for %s: %s",
		      r->loc.file ? r->loc.file : "<profile>", r->loc.line, r->loc.col,
		      r->path, what);
}

/* A denied path below a writable directory: cover it with something empty
 * and unreadable so neither its content nor its children can be reached.
 * The name stays: hiding it would send the directory's new entries to a
 * tmpfs (see hide_names). */
static void cover(const struct cp_fs_rule *r, const char *dst)
{
	struct stat st;

	if (lstat(dst, &st) < 0)
		return;     /* not in the view at all: nothing to hide */
	if (S_ISDIR(st.st_mode)) {
		mnt("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=000,size=4k");
	} else if (S_ISREG(st.st_mode)) {
		bind_tree("/empty", dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			  MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	} else {
		fail_rule(r, 0, "cannot hide a symlink or special file below a writable path");
	}
}

/* The view path (NEWROOT...) of a denied rule, and of its directory. */
static void deny_paths(const struct cp_fs_rule *r, char *dst, size_t n, char *dir, size_t dn)
{
	char *slash;

	snprintf(dst, n, NEWROOT "%s", r->path);
	snprintf(dir, dn, "%s", dst);
	slash = strrchr(dir, '/');
	*slash = '\0';     /* dst starts with NEWROOT "/": never the first '/' */
}

/* Is some other denied rule an ancestor of r?  Then r is unreachable. */
static bool below_denied(const struct cp_policy *p, const struct cp_fs_rule *r)
{
	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *a = &p->fs.rules[i];
		size_t l = strlen(a->path);

		if (a != r && (a->access & CP_FS_DENY) && strncmp(a->path, r->path, l) == 0 &&
		    (r->path[l] == '/' || strcmp(a->path, "/") == 0))
			return true;
	}
	return false;
}

/* Is `name` in the view directory `dir` denied by the profile? */
static bool denied_name(const struct cp_policy *p, const char *dir, const char *name)
{
	size_t dl = strlen(dir) - (sizeof(NEWROOT) - 1);

	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *r = &p->fs.rules[i];
		const char *path = r->path;

		/* rule paths are absolute and normalised: "/a/b", never "/a/b/" */
		if ((r->access & CP_FS_DENY) && strncmp(path, dir + sizeof(NEWROOT) - 1, dl) == 0 &&
		    path[dl] == '/' && strcmp(path + dl + 1, name) == 0)
			return true;
	}
	return false;
}

/* Open the view directory `dir` (NEWROOT...) as the sandbox will see it:
 * symbolic links resolved inside the new root, never into /oldroot (a
 * host-side rename racing the setup must not bind host paths that are not
 * in the view). */
static int open_in_view(const char *dir)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel;
	int root, fd;

	root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	/* dir is NEWROOT or below it */
	rel = dir[sizeof(NEWROOT) - 1] ? dir + sizeof(NEWROOT) : ".";
	fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	close(root);
	return fd;
}

/* Give the skeleton one entry of the directory `old`: a symbolic link is
 * copied (it resolves in the sandbox's root), anything else is a recursive
 * clone of the view's own subtree, so rules applied below it, read-only
 * flags and host inode identities all stay (BPF LSM and Landlock rules
 * keep matching).  Everything is relative to the two directory fds. */
static void skeleton_entry(int old, int skel, const char *shown, const char *name,
			   unsigned char type)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (type == DT_UNKNOWN) {
		if (fstatat(old, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			cr_child_fail(errno, "hiding denied names: %s/%s", shown, name);
		type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
	}
	if (type == DT_LNK) {
		n = readlinkat(old, name, target, sizeof(target) - 1);
		if (n < 0)
			cr_child_fail(errno, "readlink %s/%s", shown, name);
		target[n] = '\0';
		if (symlinkat(target, skel, name) < 0)
			cr_child_fail(errno, "symlink %s/%s", shown, name);
		return;
	}
	if ((type == DT_DIR ? mkdirat(skel, name, 0755) : mknodat(skel, name, S_IFREG | 0444, 0)) < 0)
		cr_child_fail(errno, "mount point %s/%s", shown, name);
	fd = open_tree(old, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
		       AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
	if (fd < 0)
		cr_child_fail(errno, "bind %s/%s", shown, name);
	if (move_mount(fd, "", skel, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		cr_child_fail(errno, "attach %s/%s", shown, name);
	close(fd);
}

/* Denied names in the read-only view directory `dir` disappear: a
 * read-only tmpfs "skeleton" holding all of the directory's other entries
 * is built in the staging root, then moved over it.  The skeleton is a
 * snapshot: entries the host adds later do not appear.  Its mount point
 * is the host directory itself, so the BPF LSM walk from the skeleton's
 * root goes on through the host's ancestors and their rules, and Landlock
 * rules (added later, by path) land on the skeleton.  False when the
 * directory cannot be listed: the caller covers the name instead. */
static bool hide_names(const struct cp_policy *p, const char *dir, int old)
{
	const char *shown = dir + sizeof(NEWROOT) - 1;
	char opts[96];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int skel, lfd, e;

	if (fstat(old, &st) < 0)
		cr_child_fail(errno, "hiding denied names in %s", shown);
	/* a directory the sandbox's user may search but not list (0711):
	 * its names cannot be listed from inside either; cover instead */
	lfd = openat(old, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0 && errno == EACCES)
		return false;
	e = mkdir_1(SKEL, 0755);
	if (e < 0)
		cr_child_fail(-e, "mkdir " SKEL);
	/* the owner as the sandbox sees it; an unmapped one cannot be given */
	snprintf(opts, sizeof(opts), "mode=%o,uid=%u,gid=%u,size=64k", (unsigned)(st.st_mode & 07777),
		 (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (mount("tmpfs", SKEL, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		snprintf(opts, sizeof(opts), "mode=%o,size=64k", (unsigned)(st.st_mode & 07777));
		mnt("tmpfs", SKEL, "tmpfs", MS_NOSUID | MS_NODEV, opts);
	}
	skel = open(SKEL, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (skel < 0 || lfd < 0 || !(d = fdopendir(lfd)))
		cr_child_fail(errno, "hiding denied names in %s", shown);
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    denied_name(p, dir, de->d_name))
			continue;
		skeleton_entry(old, skel, shown, de->d_name, de->d_type);
	}
	if (errno)
		cr_child_fail(errno, "listing %s", shown);
	closedir(d);
	close(skel);
	set_attr(SKEL, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
	/* onto the directory opened above, not a path looked up again */
	if (move_mount(AT_FDCWD, SKEL, old, "", MOVE_MOUNT_T_EMPTY_PATH) < 0)
		cr_child_fail(errno, "attaching the skeleton of %s", shown);
	return true;
}

/* Denied paths below a visible directory.  Below a read-only one the name
 * is hidden (one skeleton per directory, for all its denied names); below
 * a writable one it is covered.  A path not in the view needs nothing. */
static void hide_denied(const struct cp_policy *p)
{
	char dst[PATH_MAX], dir[PATH_MAX];
	struct statvfs sv;
	struct stat st;
	int pfd;

	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *r = &p->fs.rules[i];

		if (!(r->access & CP_FS_DENY) || strcmp(r->path, "/") == 0 || below_denied(p, r))
			continue;
		deny_paths(r, dst, sizeof(dst), dir, sizeof(dir));
		/* its directory as the sandbox will see it; absent, or the name
		 * already hidden with an earlier name of its directory: done */
		pfd = open_in_view(dir);
		if (pfd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		if (pfd < 0 && errno == ENOSYS) {
			/* no openat2 (before 5.6): the name stays, covered */
			cover(r, dst);
			continue;
		}
		if (pfd < 0 || fstatvfs(pfd, &sv) < 0)
			cr_child_fail(errno, "hiding denied names in %s", dir + sizeof(NEWROOT) - 1);
		if (fstatat(pfd, strrchr(dst, '/') + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(pfd);
			continue;
		}
		if (!(sv.f_flag & ST_RDONLY) || !hide_names(p, dir, pfd))
			cover(r, dst);
		close(pfd);
	}
}

/* Host-side forecast for --probe --profile: what the view will do with
 * the denied path `r` for this caller.  The init decides for real, from
 * the view's own mount flags; where the two could differ (a read-write
 * rule on a file system the host mounted read-only) the forecast says
 * "covered", the weaker claim. */
const char *cr_view_deny_fate(const struct cp_policy *p, const struct cp_fs_rule *r)
{
	const struct cp_fs_rule *near = NULL;
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (below_denied(p, r))
		return "inside a denied path";
	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *a = &p->fs.rules[i];
		size_t l = strlen(a->path);

		if ((a->access & CP_FS_DENY) || strncmp(a->path, r->path, l) != 0 ||
		    (r->path[l] != '/' && strcmp(a->path, "/") != 0))
			continue;
		if (!near || strlen(near->path) < l)
			near = a;
	}
	if (!near || (near->access & CP_FS_TMPFS))
		return "not in the view";
	if (lstat(r->path, &st) < 0)
		return errno == ENOENT ? "absent on this host" : "out of this user's reach";
	snprintf(dir, sizeof(dir), "%s", r->path);
	slash = strrchr(dir, '/');
	slash[slash == dir] = '\0';     /* "/x" -> "/" */
	if (near->access & CP_FS_WRITE)
		return "covered: its directory is writable";
	if (access(dir, R_OK) < 0)
		return "covered: its directory cannot be listed";
	return "hidden";
}

static uint32_t pid_ns;

static void mount_proc(void)
{
	int e = mkdir_p(NEWROOT "/proc", 0555);

	if (e < 0)
		cr_child_fail(-e, "mkdir /proc");
	mnt("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void apply_rule(const struct cp_fs_rule *r)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct stat st;
	uint64_t attr;
	int e;

	if ((size_t)snprintf(src, sizeof(src), OLDROOT "%s", r->path) >= sizeof(src) ||
	    (size_t)snprintf(dst, sizeof(dst), NEWROOT "%s", r->path) >= sizeof(dst))
		fail_rule(r, ENAMETOOLONG, "path too long");

	if (r->access & CP_FS_DENY)
		return;      /* handled after every bind exists */
	if (r->access & CP_FS_TMPFS) {
		e = mkdir_p(dst, 0755);
		if (e < 0)
			fail_rule(r, -e, "cannot create the tmpfs mount point");
		mnt("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV,
		    strcmp(r->path, "/tmp") == 0 ? "mode=1777" : "mode=0755");
		return;
	}
	if (strcmp(r->path, "/proc") == 0 && (pid_ns & CP_NS_PID)) {
		/* never the host's /proc: a fresh one for our pid namespace */
		mount_proc();
		return;
	}
	if (lstat(src, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* merged-/usr links (/lib -> usr/lib) stay links */
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			fail_rule(r, errno, "readlink");
		target[n] = '\0';
		e = make_mountpoint_parent(dst);
		if (e < 0)
			fail_rule(r, -e, "cannot create the parent directory");
		if (symlink(target, dst) < 0 && errno != EEXIST)
			fail_rule(r, errno, "cannot create the symlink");
		return;
	}
	if (stat(src, &st) < 0) {
		if (errno == ENOENT && r->optional)
			return;
		fail_rule(r, errno, "cannot bind it");
	}
	e = make_mountpoint(dst, S_ISDIR(st.st_mode));
	if (e < 0)
		fail_rule(r, -e, "cannot create the mount point");
	attr = MOUNT_ATTR_NOSUID;
	/* device nodes only work where the profile binds them from /dev */
	if (strncmp(r->path, "/dev/", 5) != 0)
		attr |= MOUNT_ATTR_NODEV;
	if (!(r->access & CP_FS_WRITE))
		attr |= MOUNT_ATTR_RDONLY;
	bind_tree(src, dst, attr);
}

static void setup_dev(void)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "pts/ptmx", NEWROOT "/dev/ptmx" }, { "/proc/self/fd", NEWROOT "/dev/fd" },
		{ "/proc/self/fd/0", NEWROOT "/dev/stdin" }, { "/proc/self/fd/1", NEWROOT "/dev/stdout" },
		{ "/proc/self/fd/2", NEWROOT "/dev/stderr" },
	};
	char src[64], dst[64];
	int e;

	e = mkdir_p(NEWROOT "/dev", 0755);
	if (e < 0)
		cr_child_fail(-e, "mkdir /dev");
	mnt("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(src, sizeof(src), OLDROOT "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", nodes[i]);
		/* device nodes cannot be created in a user namespace: bind them
		 * onto empty files (the fresh /dev has no other entries);
		 * nosuid/noexec mean nothing on a device node, a plain bind is
		 * one syscall instead of four */
		if (mknod(dst, S_IFREG | 0444, 0) < 0)
			cr_child_fail(errno, "creating %s", dst);
		mnt(src, dst, NULL, MS_BIND, NULL);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			cr_child_fail(errno, "symlink %s", links[i][1]);
	if (mkdir(NEWROOT "/dev/pts", 0755) < 0 || mkdir(NEWROOT "/dev/shm", 01777) < 0)
		cr_child_fail(errno, "mkdir in /dev");
	/* a new devpts instance: the sandbox sees only its own ptys */
	mnt("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620");
	mnt("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

static void enter_view(const struct cr_plan *pl)
{
	const struct cp_policy *p = pl->p;
	size_t n = p->fs.nrules, maxd = 0;

	/* staging root: a tmpfs on /tmp, host tree moved to /oldroot */
	mnt("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	if (chdir(STAGE) < 0)
		cr_child_fail(errno, "chdir " STAGE);
	if (mkdir("." OLDROOT, 0755) < 0 || mkdir("." NEWROOT, 0755) < 0)
		cr_child_fail(errno, "mkdir in staging root");
	{
		int fd = open("./empty", O_WRONLY | O_CREAT | O_CLOEXEC, 0);

		if (fd < 0)
			cr_child_fail(errno, "creating staging files");
		close(fd);
	}
	if (pivot_root(".", "." OLDROOT) < 0)
		cr_child_fail(errno, "pivot_root into the staging root");
	if (chdir("/") < 0)
		cr_child_fail(errno, "chdir /");
	mnt("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");

	/* the launcher's own mounts first, so the profile's rules for nodes
	 * below them (/dev/null, ...) land on top */
	pid_ns = pl->ns;
	if (!has_rule(p, "/dev"))
		setup_dev();
	if (!has_rule(p, "/proc")) {
		if (pl->ns & CP_NS_PID) {
			mount_proc();
		} else {
			if (mkdir_p(NEWROOT "/proc", 0555) < 0)
				cr_child_fail(errno, "mkdir /proc");
			bind_tree(OLDROOT "/proc", NEWROOT "/proc", MOUNT_ATTR_NOSUID |
				  MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		}
	}

	/* parents before children, whatever the source order */
	for (size_t i = 0; i < n; i++) {
		size_t d = depth(p->fs.rules[i].path);

		if (d > maxd)
			maxd = d;
	}
	for (size_t d = 0; d <= maxd; d++)
		for (size_t i = 0; i < n; i++)
			if (depth(p->fs.rules[i].path) == d)
				apply_rule(&p->fs.rules[i]);
	hide_denied(p);

	if (!has_rule(p, "/dev"))
		set_attr(NEWROOT "/dev", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
			 false);
	/* the new root itself is read-only: only binds and tmpfs are writable */
	set_attr(NEWROOT, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);

	if (chdir(NEWROOT) < 0)
		cr_child_fail(errno, "chdir " NEWROOT);
	/* stack the old root on top of the new one, then detach it: the
	 * staging tmpfs and the whole host tree go away in one step */
	if (pivot_root(".", ".") < 0)
		cr_child_fail(errno, "pivot_root into the new root");
	if (umount2(".", MNT_DETACH) < 0)
		cr_child_fail(errno, "detaching the old root");
	if (chdir("/") < 0)
		cr_child_fail(errno, "chdir /");
}

void cr_mount_setup(const struct cr_plan *pl)
{
	if (!(pl->ns & CP_NS_MOUNT))
		return;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		cr_child_fail(errno, "making mounts private");
	if (pl->mount_view) {
		enter_view(pl);
	} else if (pl->ns & CP_NS_PID) {
		/* host tree as is, but a /proc for our pid namespace */
		mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	/* keep the caller's directory when it is in the view */
	if (!pl->cwd || chdir(pl->cwd) < 0) {
		if (chdir("/") < 0)
			cr_child_fail(errno, "chdir /");
	}
}
