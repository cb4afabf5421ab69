/* SPDX-License-Identifier: MIT */
/*
 * seccomp.c - the syscall filter: obtained before the sandbox exists
 * (precompiled blob, or cache, or compiled once and cached), installed by
 * the target as the very last step before execve.
 *
 * Two filters are stacked:
 *   1. the launcher's own, always present: ioctl(TIOCSTI) and
 *      ioctl(TIOCLINUX) fail with EPERM.  Pushing bytes into a terminal's
 *      input queue is how a sandboxed program escapes through the caller's
 *      terminal (CVE-2017-5226 in bubblewrap); the pty proxy already
 *      prevents it, this is defence in depth that no profile can forget;
 *   2. the profile's filter (cp_seccomp_build, or --bpf-seccomp-blob).
 * The kernel applies the most restrictive verdict of all filters.
 *
 * Cache: one file per (profile content hash, launcher binary identity,
 * libseccomp version, arch), in a directory owned by the caller and not
 * writable by anyone else; each file carries a header with its key and a
 * SHA-256 over the whole blob and is replaced atomically (temp + rename),
 * so a torn, foreign or stale file is never loaded: it is rebuilt.
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr.h"

#define CACHE_MAGIC "CRSECC02"

struct cache_hdr {
	char magic[8];
	uint32_t arch;
	uint32_t n_extra;      /* instructions of the launcher's filter */
	uint32_t n_main;       /* instructions of the profile's filter */
	uint32_t flags;        /* SECCOMP_FILTER_FLAG_* the program needs */
	uint8_t key[32];
	uint8_t sum[32];       /* SHA-256 of the header (sum zeroed) + program */
};

#if defined(__x86_64__)
#define NATIVE CP_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE CP_ARCH_AARCH64
#else
#error "unsupported architecture"
#endif

/* Anything that can change the compiled program: the whole lowered IR
 * (groups expanded, variables resolved: the profile's bytes alone miss
 * the groups file), the compiler (linked into this binary) and libseccomp.
 * Returns false when the IR cannot be serialized (no caching then). */
static bool cache_key(const struct cp_policy *p, uint8_t key[32])
{
	const struct scmp_version *v = seccomp_version();
	struct {
		uint64_t dev, ino, size, mtime_s, mtime_ns;
		uint32_t lsv[3], arch;
	} k;
	struct stat st;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uint8_t *ir = NULL, irsum[32];
	size_t irlen;

	if (cr_plan_serialize(p, &ir, &irlen) < 0)
		return false;
	cr_sha256(ir, irlen, NULL, 0, irsum);
	free(ir);
	memset(&k, 0, sizeof(k));
	/* the path, not the magic link: tools that run us through an
	 * interpreter (valgrind) present the real binary there */
	if (n > 0)
		exe[n] = '\0';
	if (n > 0 && stat(exe, &st) == 0) {
		k.dev = st.st_dev;
		k.ino = st.st_ino;
		k.size = (uint64_t)st.st_size;
		k.mtime_s = (uint64_t)st.st_mtim.tv_sec;
		k.mtime_ns = (uint64_t)st.st_mtim.tv_nsec;
	}
	if (v) {
		k.lsv[0] = v->major;
		k.lsv[1] = v->minor;
		k.lsv[2] = v->micro;
	}
	k.arch = NATIVE;
	cr_sha256(irsum, 32, &k, sizeof(k), key);
	return true;
}

static const char *cache_dir(const struct cp_run_opts *o, char *buf, size_t n)
{
	const char *x;

	if (o->cache_dir)
		return o->cache_dir;
	if (geteuid() == 0)
		return "/var/cache/compart";
	x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/') {
		snprintf(buf, n, "%s/compart", x);
		return buf;
	}
	x = getenv("HOME");
	if (x && x[0] == '/') {
		snprintf(buf, n, "%s/.cache/compart", x);
		return buf;
	}
	return NULL;
}

/* The directory must be ours and writable only by us, or a local attacker
 * could plant a filter that allows everything. */
static bool dir_trusted(const char *dir, bool create)
{
	struct stat st;

	if (lstat(dir, &st) == 0)
		goto check;
	if (create && mkdir(dir, 0700) < 0 && errno == ENOENT) {
		/* one level of missing parent ($HOME/.cache) */
		char parent[PATH_MAX];
		char *s;

		snprintf(parent, sizeof(parent), "%s", dir);
		s = strrchr(parent, '/');
		if (s && s != parent) {
			*s = '\0';
			if (mkdir(parent, 0700) == 0 || errno == EEXIST)
				(void)mkdir(dir, 0700);
		}
	}
	if (lstat(dir, &st) < 0)
		return false;
check:
	if (!S_ISDIR(st.st_mode))
		return false;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return false;
	return true;
}

int cr_cache_dirfd(const struct cp_run_opts *o)
{
	char buf[PATH_MAX];
	const char *dir = cache_dir(o, buf, sizeof(buf));

	if (!dir || !dir_trusted(dir, true))
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool cache_load(int dirfd, const char *name, const uint8_t key[32], struct cr_plan *pl)
{
	struct cache_hdr h;
	uint8_t sum[32];
	struct stat st;
	size_t n;
	void *buf;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || (size_t)st.st_size < sizeof(h) ||
	    cr_read_full(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, CACHE_MAGIC, 8) != 0 || memcmp(h.key, key, 32) != 0 ||
	    h.arch != NATIVE || h.n_extra == 0 || h.n_extra > BPF_MAXINSNS ||
	    h.n_main > BPF_MAXINSNS ||
	    (size_t)st.st_size != sizeof(h) + ((size_t)h.n_extra + h.n_main) * sizeof(struct sock_filter)) {
		close(fd);
		return false;
	}
	n = ((size_t)h.n_extra + h.n_main) * sizeof(struct sock_filter);
	buf = xcalloc(1, n);
	if (cr_read_full(fd, buf, n) != (ssize_t)n) {
		free(buf);
		close(fd);
		return false;
	}
	close(fd);
	memcpy(sum, h.sum, 32);
	memset(h.sum, 0, 32);
	{
		uint8_t got[32];

		cr_sha256(&h, sizeof(h), buf, n, got);
		if (memcmp(got, sum, 32) != 0) {
			free(buf);
			return false;
		}
	}
	pl->seccomp_flags |= h.flags;
	pl->filters[0].len = (unsigned short)h.n_extra;
	pl->filters[0].filter = buf;
	pl->nfilters = 1;
	if (h.n_main) {
		pl->filters[1].len = (unsigned short)h.n_main;
		pl->filters[1].filter = (struct sock_filter *)buf + h.n_extra;
		pl->nfilters = 2;
	}
	return true;
}

static void cache_store(int dirfd, const char *name, const uint8_t key[32],
			const struct cr_plan *pl)
{
	struct cache_hdr h = { 0 };
	size_t ne = pl->filters[0].len, nm = pl->nfilters > 1 ? pl->filters[1].len : 0;
	size_t n = (ne + nm) * sizeof(struct sock_filter);
	char tmp[96];
	char *buf;
	int fd;

	memcpy(h.magic, CACHE_MAGIC, 8);
	h.arch = NATIVE;
	h.n_extra = (uint32_t)ne;
	h.n_main = (uint32_t)nm;
	h.flags = pl->seccomp_flags;
	memcpy(h.key, key, 32);
	buf = xcalloc(1, sizeof(h) + n);
	memcpy(buf + sizeof(h), pl->filters[0].filter, ne * sizeof(struct sock_filter));
	if (nm)
		memcpy(buf + sizeof(h) + ne * sizeof(struct sock_filter), pl->filters[1].filter,
		       nm * sizeof(struct sock_filter));
	cr_sha256(&h, sizeof(h), buf + sizeof(h), n, h.sum);
	memcpy(buf, &h, sizeof(h));

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto out;
	if (cr_write_all(fd, buf, sizeof(h) + n) < 0 || fsync(fd) < 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		goto out;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
out:
	free(buf);
}

void cr_seccomp_releasep(void **c)
{
	if (*c)
		seccomp_release(*c);
}

static uint32_t scmp_arch_of(enum cp_arch a)
{
	switch (a) {
	case CP_ARCH_X86_64: return SCMP_ARCH_X86_64;
	case CP_ARCH_X32: return SCMP_ARCH_X32;
	case CP_ARCH_I386: return SCMP_ARCH_X86;
	case CP_ARCH_AARCH64: return SCMP_ARCH_AARCH64;
	}
	return 0;
}

int cr_seccomp_add_arches(void *scmp_ctx, const struct cp_policy *p)
{
	for (int a = 0; a < 4; a++) {
		int r;

		if (!(p->seccomp.arches & (1u << a)) || (1u << a) == NATIVE)
			continue;
		r = seccomp_arch_add(scmp_ctx, scmp_arch_of((enum cp_arch)(1u << a)));
		/* already there, or an ABI this libseccomp cannot add here */
		if (r < 0 && r != -EEXIST && r != -EINVAL)
			return r;
	}
	return 0;
}

/* The launcher's TIOCSTI/TIOCLINUX filter, built with libseccomp. */
static struct sock_filter *build_tty_filter(const struct cp_policy *p, size_t *len)
{
	__attribute__((cleanup(cr_seccomp_releasep))) scmp_filter_ctx ctx = NULL;
	static const unsigned long cmds[] = { TIOCSTI, TIOCLINUX };
	struct sock_fprog out;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		die("seccomp: seccomp_init failed");
	r = cr_seccomp_add_arches(ctx, p);
	if (r < 0)
		die("seccomp: adding an architecture: %s", strerror(-r));
	for (size_t i = 0; i < 2; i++) {
		/* ioctl's request is an unsigned int: compare the low 32 bits */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmds[i]));
		if (r < 0)
			die("seccomp: TIOCSTI rule: %s", strerror(-r));
	}
	r = cr_seccomp_export(ctx, &out);
	if (r < 0)
		die("seccomp: exporting the terminal filter: %s", strerror(-r));
	*len = out.len;
	return out.filter;
}

int cr_seccomp_export(void *scmp_ctx, struct sock_fprog *out)
{
	cleanup_fd int fd = memfd_create("cr-seccomp", MFD_CLOEXEC);
	struct sock_filter *prog;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(scmp_ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	prog = xcalloc(1, (size_t)st.st_size);
	if (pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
		free(prog);
		return -EIO;
	}
	out->filter = prog;
	out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}

static void load_blob(const char *path, struct sock_fprog *out)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	void *buf;

	if (fd < 0)
		die_errno("--bpf-seccomp-blob %s", path);
	if (fstat(fd, &st) < 0)
		die_errno("--bpf-seccomp-blob %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		die("--bpf-seccomp-blob %s: not a seccomp program (size %lld is not a multiple "
		    "of %zu bytes between 1 and %d instructions)", path, (long long)st.st_size,
		    sizeof(struct sock_filter), BPF_MAXINSNS);
	buf = xcalloc(1, (size_t)st.st_size);
	if (cr_read_full(fd, buf, (size_t)st.st_size) != st.st_size)
		die("--bpf-seccomp-blob %s: short read", path);
	out->filter = buf;
	out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
}

void cr_seccomp_prepare(struct cp_run *r, struct cr_plan *pl)
{
	const struct cp_policy *p = r->policy;
	struct cp_bpf_prog prog = { 0 };
	char name[80];
	uint8_t key[32];
	int dirfd = -1;
	size_t n;

	pl->nfilters = 0;
	pl->seccomp_flags = SECCOMP_FILTER_FLAG_TSYNC;
	if (p->seccomp.log_denials)
		pl->seccomp_flags |= SECCOMP_FILTER_FLAG_LOG;

	if (r->opts->seccomp_blob) {
		pl->filters[0].filter = build_tty_filter(p, &n);
		pl->filters[0].len = (unsigned short)n;
		load_blob(r->opts->seccomp_blob, &pl->filters[1]);
		pl->nfilters = 2;
		pl->seccomp_source = "precompiled blob";
		return;
	}

	if (!r->opts->no_cache && cache_key(p, key)) {
		cr_hex(key, 16, name);
		strcat(name, ".bpf");
		dirfd = cr_cache_dirfd(r->opts);
	}
	if (dirfd >= 0 && cache_load(dirfd, name, key, pl)) {
		close(dirfd);
		pl->seccomp_source = "cache";
		return;
	}
	pl->seccomp_source = "compiled";

	pl->filters[0].filter = build_tty_filter(p, &n);
	pl->filters[0].len = (unsigned short)n;
	pl->nfilters = 1;
	if (p->seccomp.present && cp_layer_wanted(p, CP_LAYER_SECCOMP)) {
		struct cp_diag d;
		int e;

		cp_diag_init(&d, stderr);
		e = cp_seccomp_build(p, NATIVE, &d, &prog);
		cp_diag_fini(&d);
		if (e < 0)
			die("seccomp: compiling the profile's filter failed: %s", strerror(-e));
		if (prog.len == 0 || prog.len > BPF_MAXINSNS)
			die("seccomp: the compiled filter has %zu instructions (1..%d allowed)",
			    prog.len, BPF_MAXINSNS);
		/* user notification needs a supervisor holding the listener fd;
		 * without one the kernel would fail those calls with ENOSYS, which
		 * is not what the profile says: refuse instead of pretending */
		if (prog.n_notify)
			die("seccomp: the profile has %u notify rule(s), but compart-run has no "
			    "seccomp user-notification supervisor; use errno() or log instead",
			    prog.n_notify);
		/* the backend says which loader flags the program needs (LOG for
		 * audited denials) */
		pl->seccomp_flags |= prog.flags;
		/* own the program with our allocator so release is uniform */
		pl->filters[1].filter = xcalloc(prog.len, sizeof(struct sock_filter));
		memcpy(pl->filters[1].filter, prog.insns, prog.len * sizeof(struct sock_filter));
		pl->filters[1].len = (unsigned short)prog.len;
		pl->nfilters = 2;
		cp_bpf_prog_free(&prog);
	}
	if (dirfd >= 0) {
		cache_store(dirfd, name, key, pl);
		close(dirfd);
	}
}

void cr_seccomp_release(struct cr_plan *pl)
{
	/* a cached program shares one allocation for both filters */
	if (pl->nfilters > 1 && pl->filters[1].filter != pl->filters[0].filter + pl->filters[0].len)
		free(pl->filters[1].filter);
	if (pl->nfilters > 0)
		free(pl->filters[0].filter);
	pl->nfilters = 0;
}

void cr_seccomp_install(const struct cr_plan *pl)
{
	for (size_t i = 0; i < pl->nfilters; i++) {
		int r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, pl->seccomp_flags,
				     &pl->filters[i]);

		/* seccomp(2) unknown (valgrind, < 3.17): the prctl is the same
		 * filter without flags; TSYNC is moot single-threaded */
		if (r < 0 && errno == ENOSYS && !(pl->seccomp_flags & SECCOMP_FILTER_FLAG_LOG))
			r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &pl->filters[i], 0, 0);
		if (r < 0) {
			int e = errno;

			cr_child_fail(e, "seccomp: installing filter %zu%s", i,
				      e == EINVAL ? " (kernel without CONFIG_SECCOMP_FILTER, or a "
						    "malformed program)" : "");
		}
	}
}
