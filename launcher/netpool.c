/* SPDX-License-Identifier: MIT */
/*
 * netpool.c - pre-created network namespaces, claimed once each.
 *
 * Layout of the pool directory (root:root 0700, its own private bind
 * mount so that the pins never propagate into other mount namespaces):
 *
 *     size                 the number of namespaces to keep ready
 *     ns-XXXXXXXX          an nsfs bind mount: one network namespace, lo up
 *     ns-XXXXXXXX.claimed  that namespace is taken: no claim returns it again
 *
 * Claiming takes the directory's flock without blocking (a busy pool makes
 * the launch fall back to CLONE_NEWNET rather than wait), picks a pin
 * without a claim mark, checks that it is a network namespace owned by the
 * caller's user namespace, and marks it claimed (O_EXCL) before the lock
 * is dropped: exactly one launch ever gets it.  Unmounting the pin costs an
 * RCU grace period, so that is left to the refill helper, off the launch
 * path.  Filling first unpins claimed namespaces, then creates new ones
 * without the lock and takes it only to count and pin, so a fill never
 * holds claims up for long.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netpool.h"
#include "util.h"

#define PIN_PREFIX "ns-"

const char *cr_netpool_dir(void)
{
	const char *d = getenv("COMPART_NETNS_POOL");

	return d && *d ? d : CR_NETPOOL_DIR;
}

/* The pool directory, if it is root's alone (anything else is ignored:
 * a pool someone else could write to could hand out a shared namespace). */
static int open_pool(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

#define CLAIM_SUFFIX ".claimed"

/* "ns-XXXXXXXX" (claim marks have a suffix: they are not pins) */
static bool is_pin_name(const char *n)
{
	return strncmp(n, PIN_PREFIX, sizeof(PIN_PREFIX) - 1) == 0 && !strchr(n, '.');
}

static bool is_claimed(int dfd, const char *name)
{
	char mark[NAME_MAX + 1];

	if ((size_t)snprintf(mark, sizeof(mark), "%s" CLAIM_SUFFIX, name) >= sizeof(mark))
		return true;
	return faccessat(dfd, mark, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Remove one pin (a mount, or a bare file left by an interrupted fill)
 * and its claim mark. */
static void unpin(int dfd, const char *dir, const char *name)
{
	char path[4096], mark[NAME_MAX + 1];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
		(void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	(void)unlinkat(dfd, name, 0);
	if ((size_t)snprintf(mark, sizeof(mark), "%s" CLAIM_SUFFIX, name) < sizeof(mark))
		(void)unlinkat(dfd, mark, 0);
}

/* fd is a network namespace owned by the caller's user namespace. */
static int check_netns(int fd)
{
	struct statfs sf;
	struct stat a, b;
	int ufd, type;

	if (fstatfs(fd, &sf) < 0)
		return -errno;
	if (sf.f_type != NSFS_MAGIC)
		return -EINVAL;            /* a bare file: fill was interrupted */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET)
		return -EINVAL;
	ufd = ioctl(fd, NS_GET_USERNS);
	if (ufd < 0)
		return -errno;
	if (fstat(ufd, &a) < 0 || stat("/proc/self/ns/user", &b) < 0) {
		int e = -errno;

		close(ufd);
		return e;
	}
	close(ufd);
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : -EPERM;
}

/* Calls fn(name) for each pin; stops at a nonzero return, which it returns. */
static int for_each_pin(int dfd, int (*fn)(int dfd, const char *name, void *ctx), void *ctx)
{
	/* a new open file description: a dup() would share (and leave at
	 * the end) the directory offset of dfd */
	int d2 = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	DIR *d;
	struct dirent *e;

	if (d2 < 0)
		return -errno;
	d = fdopendir(d2);
	if (!d) {
		r = -errno;
		close(d2);
		return r;
	}
	while ((e = readdir(d)))
		if (is_pin_name(e->d_name) && (r = fn(dfd, e->d_name, ctx)) != 0)
			break;
	closedir(d);
	return r;
}

struct claim_ctx {
	const char *dir;
	int fd;
	unsigned left;     /* unclaimed pins after ours */
};

static int claim_one(int dfd, const char *name, void *ctx)
{
	struct claim_ctx *c = ctx;
	char mark[NAME_MAX + 1];
	int fd, m;

	if (is_claimed(dfd, name))
		return 0;
	if (c->fd >= 0) {        /* ours is taken: count what is left */
		c->left++;
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (check_netns(fd) < 0) {
		close(fd);
		unpin(dfd, c->dir, name);  /* not a usable pin: drop it */
		return 0;
	}
	/* marked before the lock is dropped: no later claim can take it */
	if ((size_t)snprintf(mark, sizeof(mark), "%s" CLAIM_SUFFIX, name) >= sizeof(mark) ||
	    (m = openat(dfd, mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		close(fd);
		return -EIO;
	}
	close(m);
	c->fd = fd;
	return 0;
}

static int read_size(int dfd, unsigned *size);

int cr_netpool_claim(const char *dir, bool *refill)
{
	struct claim_ctx c = { .dir = dir, .fd = -1 };
	unsigned size = 0;
	int dfd, r;

	*refill = false;
	if (geteuid() != 0)
		return -EPERM;
	dfd = open_pool(dir);
	if (dfd < 0)
		return dfd;
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	r = for_each_pin(dfd, claim_one, &c);
	/* refills are batched: one when the pool is down to half its size */
	if (r >= 0 && read_size(dfd, &size) == 0)
		*refill = c.left * 2 < size;
	close(dfd);                        /* drops the lock */
	if (r < 0) {
		if (c.fd >= 0)
			close(c.fd);
		return r;
	}
	return c.fd >= 0 ? c.fd : -ENODATA;
}

/* Counts the pins not claimed yet (the namespaces still to hand out). */
static int count_one(int dfd, const char *name, void *ctx)
{
	if (!is_claimed(dfd, name))
		(*(unsigned *)ctx)++;
	return 0;
}

struct reap_ctx {
	const char *dir;
};

static int reap_one(int dfd, const char *name, void *ctx)
{
	struct reap_ctx *c = ctx;

	if (is_claimed(dfd, name))
		unpin(dfd, c->dir, name);
	return 0;
}

static int read_size(int dfd, unsigned *size)
{
	char buf[16] = { 0 };
	int fd = openat(dfd, "size", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	char *end;
	unsigned long v;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	v = strtoul(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v > CR_NETPOOL_MAX)
		return -EINVAL;
	*size = (unsigned)v;
	return 0;
}

static int write_size(int dfd, unsigned size)
{
	char buf[16];
	int fd = openat(dfd, "size.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int len = snprintf(buf, sizeof(buf), "%u\n", size), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		r = -EIO;
	close(fd);
	if (!r && renameat(dfd, "size.tmp", dfd, "size") < 0)
		r = -errno;
	if (r)
		(void)unlinkat(dfd, "size.tmp", 0);
	return r;
}

/* The pool directory, created as root's private bind mount if missing. */
static int make_pool(const char *dir)
{
	char parent[4096];
	char *slash;

	if ((size_t)snprintf(parent, sizeof(parent), "%s", dir) >= sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return 0;
		return -errno;
	}
	/* its own mount, private: pins made in it do not propagate to the
	 * mount namespaces that are peers or slaves of the host's */
	if (mount(dir, dir, "none", MS_BIND, NULL) < 0 ||
	    mount("none", dir, "none", MS_PRIVATE, NULL) < 0) {
		int e = -errno;

		(void)umount2(dir, MNT_DETACH);
		(void)rmdir(dir);
		return e;
	}
	return 0;
}

int cr_loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!r && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Pin the calling thread's network namespace at dir/ns-XXXXXXXX. */
static int pin_current(const char *dir, int dfd)
{
	char name[32], path[4096];
	uint32_t rnd;
	int fd;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	snprintf(name, sizeof(name), PIN_PREFIX "%08x", rnd);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		int e = -errno;

		(void)unlinkat(dfd, name, 0);
		return e;
	}
	return 0;
}

/* One more namespace, if the pool still lacks one.  It is made (the
 * expensive part) before the lock is taken, so claims are never held up
 * by it; under the lock it is pinned only if the pool is still short.
 * The caller's network namespace is restored from orig in every case.
 * Returns 1 if pinned, 0 if the pool was full, or -errno. */
static int add_one(const char *dir, int dfd, int orig, unsigned want)
{
	unsigned have = 0;
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	r = cr_loopback_up();
	if (!r && flock(dfd, LOCK_EX) < 0)
		r = -errno;
	if (!r) {
		r = for_each_pin(dfd, count_one, &have);
		if (r >= 0)
			r = have < want ? pin_current(dir, dfd) : 0;
		if (!r && have < want)
			r = 1;
		(void)flock(dfd, LOCK_UN);
	}
	if (setns(orig, CLONE_NEWNET) < 0 && r >= 0)
		r = -errno;
	return r;
}

int cr_netpool_fill(const char *dir, unsigned size)
{
	int dfd, orig, r = 0, added = 0;
	unsigned want = size;

	if (geteuid() != 0)
		return -EPERM;
	if (size > CR_NETPOOL_MAX)
		return -EINVAL;
	if (size && (r = make_pool(dir)) < 0)
		return r;
	dfd = open_pool(dir);
	if (dfd < 0)
		return dfd;
	if (size)
		r = write_size(dfd, size);
	else
		r = read_size(dfd, &want);
	if (r < 0)
		goto out;
	/* unpin the namespaces claimed since the last fill (their sandboxes
	 * hold them now); the claims' lock is held only for this */
	if (flock(dfd, LOCK_EX) == 0) {
		struct reap_ctx rc = { .dir = dir };

		(void)for_each_pin(dfd, reap_one, &rc);
		(void)flock(dfd, LOCK_UN);
	}
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		r = -errno;
		goto out;
	}
	/* bounded by want, whatever the directory says */
	while ((unsigned)added < want && (r = add_one(dir, dfd, orig, want)) == 1)
		added++;
	close(orig);
out:
	close(dfd);
	return r < 0 ? r : added;
}

int cr_netpool_refill_detached(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t all;
		int nul;

		if (fork() != 0)
			_exit(0);
		/* the grandchild: nobody waits for it; its parent, gone
		 * already, leaves it to the system's init to reap */
		(void)setsid();
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0) {
			(void)dup2(nul, 0);
			(void)dup2(nul, 1);
			(void)dup2(nul, 2);
		}
		(void)syscall(SYS_close_range, 3U, ~0U, 0U);
		_exit(cr_netpool_fill(dir, 0) < 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

struct flush_ctx {
	const char *dir;
	int n;
};

static int flush_one(int dfd, const char *name, void *ctx)
{
	struct flush_ctx *c = ctx;

	unpin(dfd, c->dir, name);
	c->n++;
	return 0;
}

int cr_netpool_flush(const char *dir)
{
	struct flush_ctx c = { .dir = dir };
	int dfd, r;

	if (geteuid() != 0)
		return -EPERM;
	dfd = open_pool(dir);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (flock(dfd, LOCK_EX) < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	r = for_each_pin(dfd, flush_one, &c);
	(void)unlinkat(dfd, "size", 0);
	(void)unlinkat(dfd, "size.tmp", 0);
	close(dfd);
	if (r < 0)
		return r;
	(void)umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return c.n;
}

int cr_netpool_status(const char *dir, unsigned *count, unsigned *size)
{
	int dfd = open_pool(dir), r;

	*count = 0;
	*size = 0;
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	r = for_each_pin(dfd, count_one, count);
	if (r >= 0)
		(void)read_size(dfd, size);   /* none: a pool being flushed */
	close(dfd);
	return r;
}
