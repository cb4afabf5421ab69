/* SPDX-License-Identifier: MIT */
/*
 * bpf.c - the BPF layer: loader, pinning and reuse, per-sandbox scoping,
 * events, teardown, and honest capability probes.  See bpf.h.
 *
 * Pinned layout (bpffs):
 *   <root>/v<ABI>-<objhash>/maps/<map>             every map of the object
 *   <root>/v<ABI>-<objhash>/progs/<prog>-<attach>  cgroup programs, attached
 *                                                  per sandbox from the pin
 *                                                  ("-none": not per cgroup)
 *   <root>/v<ABI>-<objhash>/links/<prog>           global programs (LSM,
 *                                                  tracing), attached when
 *                                                  a sandbox first needs
 *                                                  them (attach_hooks())
 *   <root>/v<ABI>-<objhash>/ready-lsm | ready-nolsm  complete marker
 *   <root>/v<ABI>-<objhash>/observers/<id>         sandboxes that use the
 *                                                  observers
 *   <root>/v<ABI>-<objhash>/idle                   resident, no sandbox
 *   <root>/resident                                resident mode is on
 * (bpffs refuses names with dots.)
 * The hash names the exact object, so a rebuilt binary never reuses
 * programs whose map layout differs.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf.h"
#include "compart.skel.h"
#include "compart.objhash.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define CP_PIN_ROOT   "/sys/fs/bpf/compart"
#define CP_LOCK_PATH  "/run/compart/bpf.lock"
#define CP_MAX_FDS    64
#define CP_NAME_LEN   64

/* groups of global programs, attached on demand (attach_hooks()) */
#define CP_BPF_HOOKS_LSM     (1u << 0)   /* every LSM program, in load order */
#define CP_BPF_HOOKS_OBSERVE (1u << 1)   /* the tracing observers */

struct cp_named_fd {
	char name[CP_NAME_LEN];
	int fd;
	int attach;               /* enum bpf_attach_type, progs only; -1 none */
};

struct cp_bpf {
	char pin_dir[PATH_MAX];
	int lock_fd;
	bool locked;
	bool lsm_active, reused;
	char lsm_why[256];
	char missing[512];        /* programs whose hook this kernel lacks */
	struct cp_named_fd maps[CP_MAX_FDS];
	unsigned nmaps;
	struct cp_named_fd progs[CP_MAX_FDS];
	unsigned nprogs;

	/* this sandbox */
	bool have_sandbox, armed;
	struct cp_sandbox pending;    /* the cp_sandboxes value, once armed */
	int cgroup_fd;
	uint32_t sandbox_id;
	uint64_t cgroup_id;
	int links[CP_MAX_FDS];
	unsigned nlinks;
	int rb_fd;
	struct ring_buffer *rb;
	cp_bpf_event_cb cb;
	void *cb_ctx;
	cp_bpf_raw_cb raw_cb;
	void *raw_ctx;
	int delivered;
	unsigned unix_unresolved;     /* unix rule paths absent at attach */
};

/* Does a pin or marker exist, for this process's effective identity?
 * (access(2) would check with the real uid, so a launcher whose real and
 * effective uids differ would never see the root-only pins.) */
static bool exists(const char *path)
{
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
}

static void setwhy(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void setwhy(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!why || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* Set while attaching optional observers, whose failures are expected on
 * some kernels and reported through cp_bpf_prog_attached(). */
static bool libbpf_hush;

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* warnings carry verifier logs: keep them, drop the chatter */
	if ((level != LIBBPF_WARN || libbpf_hush) && !getenv("COMPART_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void cp_libbpf_init(void)
{
	static bool done;

	if (!done) {
		libbpf_set_print(libbpf_quiet);
		done = true;
	}
}

/* ---- probes ------------------------------------------------------------ */

/* The LSM list, read from securityfs.  Where securityfs is not mounted,
 * mount it in a private mount namespace of a short-lived child so the
 * host's mount table stays untouched. */
static int read_lsm_list(char *buf, size_t n)
{
	int fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
	int pfd[2];
	pid_t pid;
	ssize_t got;
	int st;

	if (fd >= 0) {
		got = read(fd, buf, n - 1);
		close(fd);
		if (got < 0)
			return -errno;
		buf[got] = 0;
		return 0;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(pfd[0]);
		close(pfd[1]);
		return e;
	}
	if (pid == 0) {
		char b[512];
		ssize_t r;

		close(pfd[0]);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) < 0)
			_exit(1);
		fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		r = read(fd, b, sizeof(b));
		if (r <= 0 || write(pfd[1], b, (size_t)r) != r)
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	got = 0;
	for (;;) {
		ssize_t r = read(pfd[0], buf + got, n - 1 - (size_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
		if ((size_t)got >= n - 1)
			break;
	}
	close(pfd[0]);
	buf[got] = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -ENOENT;
	return 0;
}

static bool lsm_listed(const char *list, const char *name)
{
	size_t l = strlen(name);

	for (const char *p = list; *p; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strcspn(p, "\n");

		if (len == l && !strncmp(p, name, l))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type eat, int btf_id, int r0)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = r0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = eat);

	if (btf_id > 0)
		po.attach_btf_id = (__u32)btf_id;
	return bpf_prog_load(type, "cp_probe", "GPL", insns, 2, &po);
}

/*
 * Whether an LSM program loads cannot change until the next boot, but
 * finding out costs a parse of the whole kernel BTF (about 0.25 s here).
 * So root keeps the verdict in a root-only file keyed by the boot id.  The
 * file is trusted only if it is a regular file owned by root, mode 0600, in
 * the root-only directory; anything else is ignored and re-probed.
 */
#define CP_LSM_PROBE_CACHE "/run/compart/lsm-probe"

static int mkdir_p(const char *path, mode_t mode);

static bool read_boot_id(char id[40])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return false;
	r = read(fd, id, 39);
	close(fd);
	if (r < 36)
		return false;
	id[36] = 0;
	return true;
}

static int lsm_probe_cache_get(const char *boot, char *why, size_t n)
{
	char buf[700], *nl;
	struct stat st;
	ssize_t r;
	int fd;

	if (geteuid() != 0)
		return -1;
	fd = open(CP_LSM_PROBE_CACHE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 0077)) {
		close(fd);
		return -1;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 40)
		return -1;
	buf[r] = 0;
	/* "<boot id> <0|1>\n<why>" */
	if (strncmp(buf, boot, 36) || buf[36] != ' ' || (buf[37] != '0' && buf[37] != '1') ||
	    buf[38] != '\n')
		return -1;
	nl = buf + 39;
	setwhy(why, n, "%s", nl);
	return buf[37] - '0';
}

static void lsm_probe_cache_put(const char *boot, int verdict, const char *why)
{
	char tmp[64], buf[700];
	int fd, len;

	if (geteuid() != 0 || mkdir_p("/run/compart", 0700) < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%s %d\n%s", boot, verdict, why);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", CP_LSM_PROBE_CACHE, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)len) != len || rename(tmp, CP_LSM_PROBE_CACHE) < 0)
		unlink(tmp);
	close(fd);
}

static int probe_lsm_uncached(char *why, size_t n);

int cp_bpf_probe_lsm(char *why, size_t n)
{
	char boot[40];
	int v;

	if (!read_boot_id(boot))
		return probe_lsm_uncached(why, n);
	v = lsm_probe_cache_get(boot, why, n);
	if (v >= 0)
		return v;
	v = probe_lsm_uncached(why, n);
	lsm_probe_cache_put(boot, v, why);
	return v;
}

static int probe_lsm_uncached(char *why, size_t n)
{
	char list[512];
	int rc, btf_id, fd;

	cp_libbpf_init();
	rc = read_lsm_list(list, sizeof(list));
	if (rc < 0) {
		setwhy(why, n, "cannot read the active LSM list (securityfs): %s", strerror(-rc));
		return 0;
	}
	list[strcspn(list, "\n")] = 0;
	if (!lsm_listed(list, "bpf")) {
		/* programs would attach and enforce nothing */
		setwhy(why, n, "'bpf' is not an active LSM (lsm=%s); boot with lsm=...,bpf", list);
		return 0;
	}
	btf_id = libbpf_find_vmlinux_btf_id("file_open", BPF_LSM_MAC);
	if (btf_id < 0) {
		setwhy(why, n, "kernel BTF has no bpf_lsm_file_open: %s", strerror(-btf_id));
		return 0;
	}
	fd = load_trivial(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, btf_id, 0);
	if (fd < 0) {
		int e = errno;

		setwhy(why, n, "'bpf' is an active LSM but loading a BPF LSM program fails: %s%s",
		       strerror(e), e == EPERM ? " (the kernel refuses LSM/tracing programs here)" : "");
		return 0;
	}
	close(fd);
	setwhy(why, n, "active (lsm=%s)", list);
	return 1;
}

int cp_bpf_cgroup2_root(char *buf, size_t n)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], dir[PATH_MAX], type[64];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, n, "%s", dir);
			rc = 0;
			break;
		}
	}
	fclose(f);
	if (rc)
		snprintf(buf, n, "%s", "");
	return rc;
}

int cp_bpf_probe_cgroup(char *why, size_t n)
{
	char root[PATH_MAX], dir[PATH_MAX + 64];
	int fd, cg, link, rc = 0;

	cp_libbpf_init();
	if (cp_bpf_cgroup2_root(root, sizeof(root)) < 0) {
		setwhy(why, n, "no cgroup v2 hierarchy is mounted");
		return 0;
	}
	fd = load_trivial(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0, 1);
	if (fd < 0) {
		setwhy(why, n, "loading a cgroup sock_addr program fails: %s", strerror(errno));
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/compart-probe-%d", root, (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		setwhy(why, n, "cannot create a cgroup under %s: %s", root, strerror(errno));
		close(fd);
		return 0;
	}
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	link = cg < 0 ? -1 : bpf_link_create(fd, cg, BPF_CGROUP_INET4_CONNECT, NULL);
	if (link < 0) {
		setwhy(why, n, "attaching a cgroup program to %s fails: %s", dir, strerror(errno));
	} else {
		setwhy(why, n, "active (cgroup v2 at %s)", root);
		rc = 1;
		close(link);
	}
	if (cg >= 0)
		close(cg);
	rmdir(dir);
	close(fd);
	return rc;
}

/* ---- pin directory helpers --------------------------------------------- */

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int ensure_bpffs(const char *pin_root)
{
	struct statfs sf;
	char base[PATH_MAX];
	char *slash;

	/* the pin root lives in a bpffs; mount the conventional one if absent */
	snprintf(base, sizeof(base), "%s", pin_root);
	slash = strrchr(base, '/');
	if (slash && slash != base)
		*slash = 0;
	if (statfs(base, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (strcmp(base, "/sys/fs/bpf") != 0)
		return -ENOTSUP;
	if (mkdir("/sys/fs/bpf", 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mount("bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

static void rm_dir_contents(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 256];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		/* unlink(dir) fails with EISDIR, or EPERM on bpffs */
		if (unlink(p) < 0 && (errno == EISDIR || errno == EPERM)) {
			rm_dir_contents(p);
			rmdir(p);
		}
	}
	closedir(d);
}

static void rm_tree(const char *dir)
{
	rm_dir_contents(dir);
	rmdir(dir);
}

static bool is_cgroup_type(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return true;
	default:
		return false;
	}
}

/* Programs that need BPF LSM / BPF trampolines, which fail (EPERM) or
 * enforce nothing where BPF LSM is not active. */
static bool needs_lsm(const struct bpf_program *p)
{
	enum bpf_attach_type a = bpf_program__expected_attach_type(p);

	if (bpf_program__type(p) == BPF_PROG_TYPE_LSM)
		return true;
	return bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
	       (a == BPF_TRACE_FENTRY || a == BPF_TRACE_FEXIT || a == BPF_MODIFY_RETURN);
}

/* A BTF-attached program (LSM, fentry, tp_btf) whose kernel function or
 * tracepoint does not exist in this kernel would fail the whole object's
 * load: find those first.  (Kprobes fail at attach instead.)  `vmlinux`
 * is the kernel's BTF, parsed once by the caller: libbpf's
 * libbpf_find_vmlinux_btf_id() parses all of it (about 5 MB) on every
 * call, which cost ~3.5 ms per program here.  The names looked up are
 * the kernel's: bpf_lsm_<hook> for LSM programs, the btf_trace_<tp>
 * typedef for tp_btf, the function itself for fentry/fexit. */
static bool target_exists(const struct bpf_program *p, const struct btf *vmlinux)
{
	enum bpf_prog_type t = bpf_program__type(p);
	enum bpf_attach_type a = bpf_program__expected_attach_type(p);
	const char *sec = bpf_program__section_name(p), *slash;
	char name[256];
	int kind = BTF_KIND_FUNC;

	if (t != BPF_PROG_TYPE_LSM && t != BPF_PROG_TYPE_TRACING)
		return true;
	slash = strchr(sec, '/');
	if (!slash || !slash[1])
		return true;
	if (t == BPF_PROG_TYPE_LSM) {
		snprintf(name, sizeof(name), "bpf_lsm_%s", slash + 1);
	} else if (a == BPF_TRACE_RAW_TP) {
		snprintf(name, sizeof(name), "btf_trace_%s", slash + 1);
		kind = BTF_KIND_TYPEDEF;
	} else {
		snprintf(name, sizeof(name), "%s", slash + 1);
	}
	return btf__find_by_name_kind(vmlinux, name, kind) > 0;
}

static void note_missing(struct cp_bpf *b, struct bpf_program *p)
{
	size_t l = strlen(b->missing);

	bpf_program__set_autoload(p, false);
	snprintf(b->missing + l, sizeof(b->missing) - l, "%s%s", l ? "," : "",
		 bpf_program__name(p));
}

/* First load in this boot (or after a rebuild): verify, attach the global
 * programs, pin everything, mark complete.  Called with the lock held. */
static int load_and_pin(struct cp_bpf *b, char *why, size_t n)
{
	struct compart_bpf *skel;
	struct btf *vmlinux;
	struct bpf_program *prog;
	struct bpf_map *map;
	char p[PATH_MAX + 128];
	int rc;

	skel = compart_bpf__open();
	if (!skel) {
		rc = -errno;
		setwhy(why, n, "opening the BPF object: %s", strerror(-rc));
		return rc;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		rc = -errno;
		setwhy(why, n, "reading the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
		       strerror(-rc));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (!b->lsm_active && needs_lsm(prog))
			bpf_program__set_autoload(prog, false);
		else if (!target_exists(prog, vmlinux))
			note_missing(b, prog);
	}
	btf__free(vmlinux);
	rc = compart_bpf__load(skel);
	if (rc) {
		setwhy(why, n, "loading the BPF programs (verifier): %s", strerror(-rc));
		goto out;
	}
	rm_tree(b->pin_dir);
	rc = mkdir_p(b->pin_dir, 0700);
	for (const char *sub = "maps"; !rc && sub; sub = !strcmp(sub, "maps") ? "progs" :
						   !strcmp(sub, "progs") ? "links" : NULL) {
		snprintf(p, sizeof(p), "%s/%s", b->pin_dir, sub);
		rc = mkdir(p, 0700) < 0 ? -errno : 0;
	}
	if (rc) {
		setwhy(why, n, "creating %s: %s", b->pin_dir, strerror(-rc));
		goto out;
	}
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(p, sizeof(p), "%s/maps/%s", b->pin_dir, bpf_map__name(map));
		rc = bpf_map__pin(map, p);
		if (rc) {
			setwhy(why, n, "pinning map %s: %s", p, strerror(-rc));
			goto out;
		}
	}
	bpf_object__for_each_program(prog, skel->obj) {
		enum bpf_prog_type t = bpf_program__type(prog);
		bool cg = is_cgroup_type(t);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		/* every program is pinned (the name carries the cgroup attach
		 * type, -1 for the others) so later launches find it */
		if (cg)
			snprintf(p, sizeof(p), "%s/progs/%s-%d", b->pin_dir, bpf_program__name(prog),
				 (int)bpf_program__expected_attach_type(prog));
		else
			snprintf(p, sizeof(p), "%s/progs/%s-none", b->pin_dir, bpf_program__name(prog));
		libbpf_hush = !(cg || t == BPF_PROG_TYPE_SYSCALL);
		rc = bpf_program__pin(prog, p);
		libbpf_hush = false;
		if (rc && (cg || t == BPF_PROG_TYPE_SYSCALL)) {
			setwhy(why, n, "pinning program %s: %s", p, strerror(-rc));
			goto out;
		}
		/* global programs are attached on demand (attach_hooks()) from
		 * their pins; one that could not be pinned (some kernels refuse
		 * to pin tracing programs) is attached now and stays attached
		 * as long as the object is pinned */
		if (!rc || cg || t == BPF_PROG_TYPE_SYSCALL) {
			rc = 0;
			continue;
		}
		rc = 0;
		libbpf_hush = !needs_lsm(prog);
		link = bpf_program__attach(prog);
		libbpf_hush = false;
		if (!link) {
			rc = -errno;
			/* an enforcement hook that does not attach fails the
			 * layer; an observer that does not is reported by
			 * cp_bpf_prog_attached() and its user decides */
			if (needs_lsm(prog)) {
				setwhy(why, n, "attaching %s: %s", bpf_program__name(prog), strerror(-rc));
				goto out;
			}
			rc = 0;
			continue;
		}
		snprintf(p, sizeof(p), "%s/links/%s", b->pin_dir, bpf_program__name(prog));
		rc = bpf_link__pin(link, p);
		bpf_link__destroy(link);   /* the pin keeps it attached */
		if (rc) {
			setwhy(why, n, "pinning link %s: %s", p, strerror(-rc));
			goto out;
		}
	}
	for (char *tok = b->missing; *tok; ) {
		size_t len = strcspn(tok, ",");

		snprintf(p, sizeof(p), "%s/links/missing-%.*s", b->pin_dir, (int)len, tok);
		mkdir(p, 0700);
		tok += len + (tok[len] == ',');
	}
	snprintf(p, sizeof(p), "%s/%s", b->pin_dir, b->lsm_active ? "ready-lsm" : "ready-nolsm");
	rc = mkdir(p, 0700) < 0 ? -errno : 0;
	if (rc)
		setwhy(why, n, "marking %s complete: %s", b->pin_dir, strerror(-rc));
out:
	compart_bpf__destroy(skel);
	if (rc)
		rm_tree(b->pin_dir);
	return rc;
}

static int open_pins(struct cp_bpf *b, const char *sub, struct cp_named_fd *arr, unsigned *cnt,
		     bool progs, char *why, size_t n)
{
	char dir[PATH_MAX + 16], p[PATH_MAX + 300];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/%s", b->pin_dir, sub);
	d = opendir(dir);
	if (!d) {
		setwhy(why, n, "opening %s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		struct cp_named_fd *nf;
		char *dot;

		if (de->d_name[0] == '.')
			continue;
		if (*cnt == CP_MAX_FDS) {
			closedir(d);
			setwhy(why, n, "too many pinned objects in %s", dir);
			return -E2BIG;
		}
		nf = &arr[*cnt];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		nf->fd = bpf_obj_get(p);
		if (nf->fd < 0) {
			int e = -errno;

			closedir(d);
			setwhy(why, n, "opening pinned %s: %s", p, strerror(-e));
			return e;
		}
		if (strlen(de->d_name) >= sizeof(nf->name)) {
			close(nf->fd);
			closedir(d);
			setwhy(why, n, "pinned name too long in %s", dir);
			return -ENAMETOOLONG;
		}
		memcpy(nf->name, de->d_name, strlen(de->d_name) + 1);
		nf->attach = -1;
		if (progs && (dot = strrchr(nf->name, '-'))) {
			*dot = 0;
			nf->attach = dot[1] >= '0' && dot[1] <= '9' ? atoi(dot + 1) : -1;
		}
		(*cnt)++;
	}
	closedir(d);
	return 0;
}

/* ---- resident mode ----------------------------------------------------
 *
 * By default the last sandbox to exit unpins everything, so nothing stays
 * in the kernel, and the next launch loads and verifies the object again
 * (~200 ms here, most of it in the verifier).  An operator may ask for the
 * object to stay loaded (`compart-ctl bpf resident`: the <root>/resident
 * marker).  Then the last sandbox only unpins the global links: the
 * observers and LSM hooks detach, so processes outside any sandbox pay
 * nothing while no sandbox runs, and the verified programs and the maps
 * stay pinned.  <pin_dir>/idle marks that state.  Hooks are attached on
 * demand in any case (attach_hooks(): the LSM programs by the first
 * sandbox on a BPF LSM host, the observers by the first adaptive one),
 * so the next launch attaches them again from the pins, under the lock. */

static void pin_root_of(const char *pin_dir, char *out, size_t n)
{
	const char *slash = strrchr(pin_dir, '/');

	snprintf(out, n, "%.*s", slash ? (int)(slash - pin_dir) : 0, pin_dir);
}

static bool resident_wanted(const char *pin_dir)
{
	char root[PATH_MAX], p[PATH_MAX + 16];

	pin_root_of(pin_dir, root, sizeof(root));
	snprintf(p, sizeof(p), "%s/resident", root);
	return exists(p);
}

static bool is_idle(const char *pin_dir)
{
	char p[PATH_MAX + 320];

	snprintf(p, sizeof(p), "%s/idle", pin_dir);
	return exists(p);
}

/* Sandboxes that asked for the observers: <pin_dir>/observers/<id>,
 * made under the lock by cp_bpf_attach_observers() (an adaptive sandbox
 * may not have its adaptive state yet when another one exits). */
static void observer_mark(const struct cp_bpf *b, uint32_t id, bool on)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/observers", b->pin_dir);
	if (on)
		mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/observers/%u", b->pin_dir, id);
	if (on)
		mkdir(p, 0700);
	else
		rmdir(p);
}

/* The last sandbox left and the operator wants the object resident:
 * detach the global programs by unpinning their links, keep the rest.
 * false (nothing changed) when a linked program has no pin of its own,
 * since it could not be attached again: the caller then unpins all. */
static bool go_idle(const char *pin_dir)
{
	char dir[PATH_MAX + 16], p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/links", pin_dir);
	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "missing-", 8))
			continue;
		snprintf(p, sizeof(p), "%s/progs/%s-none", pin_dir, de->d_name);
		if (!exists(p)) {
			closedir(d);
			return false;
		}
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "missing-", 8))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	snprintf(p, sizeof(p), "%s/observers", pin_dir);
	rm_tree(p);                   /* no sandbox: no mark is current */
	snprintf(p, sizeof(p), "%s/idle", pin_dir);
	return mkdir(p, 0700) == 0 || errno == EEXIST;
}

/* Attach the global programs of `groups` that are not attached yet, from
 * their pins (lock held).  In the order they were loaded (program ids
 * grow in object order), which is the order their hooks must run in:
 * adapt_hooks.bpf.h relies on it.  As at a first load, an LSM program
 * that does not attach fails the caller; a tracing observer that does not
 * is left out and reported by cp_bpf_prog_attached(). */
struct hook_pending {
	__u32 id;
	unsigned idx;
	bool lsm;
};

static int cmp_hook(const void *a, const void *b)
{
	const struct hook_pending *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int attach_hooks(struct cp_bpf *b, unsigned groups, char *why, size_t n)
{
	struct hook_pending pend[CP_MAX_FDS];
	char p[PATH_MAX + 300];
	unsigned cnt = 0;

	for (unsigned i = 0; i < b->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		unsigned g;
		int rc;

		if (b->progs[i].attach != -1)
			continue;             /* cgroup programs: per sandbox */
		snprintf(p, sizeof(p), "%s/links/%s", b->pin_dir, b->progs[i].name);
		if (exists(p))
			continue;             /* attached by an earlier sandbox */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(b->progs[i].fd, &info, &len) < 0) {
			rc = -errno;
			setwhy(why, n, "inspecting pinned program %s: %s", b->progs[i].name,
			       strerror(-rc));
			return rc;
		}
		g = info.type == BPF_PROG_TYPE_LSM ? CP_BPF_HOOKS_LSM :
		    info.type == BPF_PROG_TYPE_TRACING ? CP_BPF_HOOKS_OBSERVE : 0;
		if (g & groups)
			pend[cnt++] = (struct hook_pending){ info.id, i, g == CP_BPF_HOOKS_LSM };
	}
	qsort(pend, cnt, sizeof(pend[0]), cmp_hook);
	for (unsigned k = 0; k < cnt; k++) {
		const struct cp_named_fd *pr = &b->progs[pend[k].idx];
		int lfd, rc;

		/* tp_btf, fentry and LSM programs carry their target from load */
		lfd = bpf_raw_tracepoint_open(NULL, pr->fd);
		if (lfd < 0) {
			rc = -errno;
			if (pend[k].lsm) {
				setwhy(why, n, "attaching %s: %s", pr->name, strerror(-rc));
				return rc;
			}
			continue;
		}
		snprintf(p, sizeof(p), "%s/links/%s", b->pin_dir, pr->name);
		rc = bpf_obj_pin(lfd, p) < 0 ? -errno : 0;
		close(lfd);                   /* the pin keeps it attached */
		if (rc) {
			setwhy(why, n, "pinning link %s: %s", p, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Other object versions left resident and idle (an older build): a fresh
 * load replaces them, so they would only hold kernel memory. */
static void drop_idle_siblings(const char *pin_dir)
{
	char root[PATH_MAX], p[PATH_MAX + 300];
	const char *self = strrchr(pin_dir, '/');
	struct dirent *de;
	DIR *d;

	pin_root_of(pin_dir, root, sizeof(root));
	d = opendir(root);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != 'v' || (self && !strcmp(de->d_name, self + 1)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", root, de->d_name);
		if (is_idle(p))
			rm_tree(p);
	}
	closedir(d);
}

static int lock_acquire(struct cp_bpf *b, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (b->lock_fd < 0) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			mkdir_p(dir, 0700);
		}
		b->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (b->lock_fd < 0)
			return -errno;
	}
	while (flock(b->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	b->locked = true;
	return 0;
}

static void lock_release(struct cp_bpf *b)
{
	if (b->lock_fd >= 0)
		flock(b->lock_fd, LOCK_UN);
	b->locked = false;
}

int cp_bpf_open(const struct cp_bpf_opts *o, struct cp_bpf **out, char *why, size_t n)
{
	const char *root = o && o->pin_root ? o->pin_root : CP_PIN_ROOT;
	const char *lockp = o && o->lock_path ? o->lock_path : CP_LOCK_PATH;
	struct cp_bpf *b;
	char mark[PATH_MAX + 16];
	int rc;

	cp_libbpf_init();
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->lock_fd = -1;
	b->rb_fd = -1;
	rc = lock_acquire(b, lockp);
	if (rc) {
		setwhy(why, n, "locking %s: %s", lockp, strerror(-rc));
		goto fail;
	}
	rc = ensure_bpffs(root);
	if (rc) {
		setwhy(why, n, "no bpf filesystem for %s: %s", root, strerror(-rc));
		goto fail;
	}
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s/v%d-%s", root, CP_ABI_VERSION, CP_BPF_OBJ_HASH);

	snprintf(mark, sizeof(mark), "%s/ready-lsm", b->pin_dir);
	if (exists(mark)) {
		b->reused = true;
		b->lsm_active = true;
	} else {
		snprintf(mark, sizeof(mark), "%s/ready-nolsm", b->pin_dir);
		if (exists(mark)) {
			b->reused = true;
			setwhy(b->lsm_why, sizeof(b->lsm_why),
			       "BPF LSM was found unusable when these programs were first loaded "
			       "in this boot (see compart-run --probe)");
		}
	}
	if (!b->reused) {
		rc = mkdir_p(root, 0700);
		if (rc) {
			setwhy(why, n, "creating %s: %s", root, strerror(-rc));
			goto fail;
		}
		b->lsm_active = cp_bpf_probe_lsm(b->lsm_why, sizeof(b->lsm_why)) == 1;
		if (b->lsm_active)
			b->lsm_why[0] = 0;
		rc = load_and_pin(b, why, n);
		if (rc)
			goto fail;
		drop_idle_siblings(b->pin_dir);
	}
	rc = open_pins(b, "maps", b->maps, &b->nmaps, false, why, n);
	if (!rc)
		rc = open_pins(b, "progs", b->progs, &b->nprogs, true, why, n);
	if (rc)
		goto fail;
	if (is_idle(b->pin_dir)) {
		/* in use again: hooks are attached by the sandboxes that need them */
		snprintf(mark, sizeof(mark), "%s/idle", b->pin_dir);
		rmdir(mark);
	}
	*out = b;
	return 0;
fail:
	cp_bpf_close(b);
	return rc;
}

int cp_bpf_resident(const struct cp_bpf_opts *o, bool on, char *why, size_t n)
{
	const char *root = o && o->pin_root ? o->pin_root : CP_PIN_ROOT;
	const char *lockp = o && o->lock_path ? o->lock_path : CP_LOCK_PATH;
	char mark[PATH_MAX + 16], p[PATH_MAX + 300];
	struct cp_bpf *b;
	struct dirent *de;
	DIR *d;
	int rc;

	snprintf(mark, sizeof(mark), "%s/resident", root);
	if (on) {
		rc = ensure_bpffs(root);
		if (!rc)
			rc = mkdir_p(root, 0700);
		if (!rc && mkdir(mark, 0700) < 0 && errno != EEXIST)
			rc = -errno;
		if (rc) {
			setwhy(why, n, "marking %s: %s", mark, strerror(-rc));
			return rc;
		}
		/* load (or wake) now, so that the next launch finds it ready;
		 * closing as the last user leaves it idle */
		rc = cp_bpf_open(o, &b, why, n);
		if (rc) {
			rmdir(mark);
			return rc;
		}
		cp_bpf_close(b);
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->lock_fd = -1;
	rc = lock_acquire(b, lockp);
	if (rc) {
		setwhy(why, n, "locking %s: %s", lockp, strerror(-rc));
		free(b);
		return rc;
	}
	if (rmdir(mark) < 0 && errno != ENOENT) {
		rc = -errno;
		setwhy(why, n, "removing %s: %s", mark, strerror(-rc));
	}
	/* idle versions go now; one still in use goes with its last sandbox */
	d = rc ? NULL : opendir(root);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] != 'v')
			continue;
		snprintf(p, sizeof(p), "%s/%s", root, de->d_name);
		if (is_idle(p))
			rm_tree(p);
	}
	if (d) {
		closedir(d);
		rmdir(root);          /* only if nothing else is pinned there */
	}
	close(b->lock_fd);
	free(b);
	return rc;
}

int cp_bpf_attach_observers(struct cp_bpf *b, char *why, size_t n)
{
	bool held;
	int rc;

	if (!b)
		return -EINVAL;
	held = b->locked;
	rc = lock_acquire(b, CP_LOCK_PATH);
	if (rc) {
		setwhy(why, n, "locking: %s", strerror(-rc));
		return rc;
	}
	rc = attach_hooks(b, CP_BPF_HOOKS_OBSERVE, why, n);
	if (!rc && b->have_sandbox)
		observer_mark(b, b->sandbox_id, true);
	if (!held)
		lock_release(b);
	return rc;
}

bool cp_bpf_lsm_active(const struct cp_bpf *b) { return b && b->lsm_active; }
const char *cp_bpf_lsm_why(const struct cp_bpf *b) { return b ? b->lsm_why : ""; }
bool cp_bpf_reused(const struct cp_bpf *b) { return b && b->reused; }

const char *cp_bpf_missing(struct cp_bpf *b)
{
	char dir[PATH_MAX + 16];
	DIR *d;
	struct dirent *de;

	if (!b)
		return "";
	if (b->reused && !b->missing[0]) {
		snprintf(dir, sizeof(dir), "%s/links", b->pin_dir);
		d = opendir(dir);
		while (d && (de = readdir(d))) {
			size_t l = strlen(b->missing);

			if (strncmp(de->d_name, "missing-", 8))
				continue;
			snprintf(b->missing + l, sizeof(b->missing) - l, "%s%s", l ? "," : "",
				 de->d_name + 8);
		}
		if (d)
			closedir(d);
	}
	return b->missing;
}
const char *cp_bpf_pin_dir(const struct cp_bpf *b) { return b ? b->pin_dir : ""; }
uint32_t cp_bpf_sandbox_id(const struct cp_bpf *b) { return b ? b->sandbox_id : 0; }
unsigned cp_bpf_cgroup_links(const struct cp_bpf *b) { return b ? b->nlinks : 0; }
unsigned cp_bpf_unix_unresolved(const struct cp_bpf *b) { return b ? b->unix_unresolved : 0; }
int cp_bpf_events_fd(const struct cp_bpf *b) { return b && b->rb ? ring_buffer__epoll_fd(b->rb) : -EBADF; }

static int find_fd(const struct cp_named_fd *arr, unsigned cnt, const char *name)
{
	for (unsigned i = 0; i < cnt; i++)
		if (!strcmp(arr[i].name, name))
			return arr[i].fd;
	return -ENOENT;
}

int cp_bpf_map_fd(const struct cp_bpf *b, const char *name)
{
	return b ? find_fd(b->maps, b->nmaps, name) : -EINVAL;
}

int cp_bpf_prog_fd(const struct cp_bpf *b, const char *name)
{
	return b ? find_fd(b->progs, b->nprogs, name) : -EINVAL;
}

bool cp_bpf_prog_attached(const struct cp_bpf *b, const char *name)
{
	char p[PATH_MAX + 128];

	if (!b)
		return false;
	for (unsigned i = 0; i < b->nprogs; i++)
		if (!strcmp(b->progs[i].name, name) && b->progs[i].attach >= 0)
			return b->have_sandbox;
	snprintf(p, sizeof(p), "%s/links/%s", b->pin_dir, name);
	return exists(p);
}

/* ---- per-sandbox state ------------------------------------------------- */

/* Collect every key of a hash/LPM map whose sandbox id matches, then
 * delete them (deleting while iterating would restart the walk). */
static int delete_sandbox_keys(int fd, size_t ksz, size_t id_off, uint32_t id_val)
{
	unsigned char *keys = NULL, *cur = NULL, *next;
	size_t nk = 0, cap = 0;
	int rc = 0;

	next = calloc(1, ksz);
	if (!next)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, cur, next) == 0) {
		uint32_t v;

		memcpy(&v, next + id_off, sizeof(v));
		if (v == id_val) {
			if (nk == cap) {
				size_t nc = cap ? cap * 2 : 64;
				void *p = realloc(keys, nc * ksz);

				if (!p) {
					rc = -ENOMEM;
					goto out;
				}
				keys = p;
				cap = nc;
			}
			memcpy(keys + nk * ksz, next, ksz);
			nk++;
		}
		if (!cur) {
			cur = malloc(ksz);
			if (!cur) {
				rc = -ENOMEM;
				goto out;
			}
		}
		memcpy(cur, next, ksz);
	}
	for (size_t i = 0; i < nk; i++)
		if (bpf_map_delete_elem(fd, keys + i * ksz) < 0 && errno != ENOENT)
			rc = -errno;
out:
	free(keys);
	free(cur);
	free(next);
	return rc;
}

static void reset_drops(struct cp_bpf *b, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus(), fd = cp_bpf_map_fd(b, "cp_drops");
	uint64_t *z;

	if (fd < 0 || ncpu <= 0)
		return;
	z = calloc((size_t)ncpu, sizeof(uint64_t));
	if (z) {
		bpf_map_update_elem(fd, &id, z, BPF_ANY);
		free(z);
	}
}

/* Does a sandbox other than the one registered under cgid hold id?  It
 * does when another launcher collected ours as stale (its init had exited
 * while this supervisor was still tearing down) and reused the id. */
static bool id_taken_by_other(const struct cp_bpf *b, uint32_t id, uint64_t cgid)
{
	int fd = cp_bpf_map_fd(b, "cp_sandboxes");
	uint64_t key, *cur = NULL;

	while (fd >= 0 && bpf_map_get_next_key(fd, cur, &key) == 0) {
		struct cp_sandbox sb;

		if (key != cgid && bpf_map_lookup_elem(fd, &key, &sb) == 0 && sb.id == id)
			return true;
		cur = &key;
	}
	return false;
}

static void clear_sandbox_entries(struct cp_bpf *b, uint32_t id, uint64_t cgid)
{
	struct cp_sb_policy pol = {};
	struct cp_sb_state st = {};
	int fd;

	if ((fd = cp_bpf_map_fd(b, "cp_sandboxes")) >= 0 && cgid)
		bpf_map_delete_elem(fd, &cgid);
	/* the entries keyed by id are another sandbox's now: not ours to
	 * clear (the collector cleared ours) */
	if (id_taken_by_other(b, id, cgid))
		return;
	if ((fd = cp_bpf_map_fd(b, "cp_fs_rules")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_ino_key), 0, id);
	if ((fd = cp_bpf_map_fd(b, "cp_exec_rules")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_ino_key), 0, id);
	if ((fd = cp_bpf_map_fd(b, "cp_created")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_ino_key), 0, id);
	if ((fd = cp_bpf_map_fd(b, "cp_unix_rules")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_ino_key), 0, id);
	if ((fd = cp_bpf_map_fd(b, "cp_unix_abs")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_unix_abs_key), 0, id);
	if ((fd = cp_bpf_map_fd(b, "cp_net_rules")) >= 0)
		delete_sandbox_keys(fd, sizeof(struct cp_net_key),
				    offsetof(struct cp_net_key, sandbox_id), htonl(id));
	if ((fd = cp_bpf_map_fd(b, "cp_policy")) >= 0)
		bpf_map_update_elem(fd, &id, &pol, BPF_ANY);
	if ((fd = cp_bpf_map_fd(b, "cp_sb_state")) >= 0)
		bpf_map_update_elem(fd, &id, &st, BPF_ANY);
	/* the adaptive state, which the adapt layer has read and cleared
	 * unless the launcher crashed: the next sandbox with this id must
	 * not inherit a model (its tree array stays: cp_adapt_sandbox_setup
	 * rewrites it before the walk is enabled) */
	if ((fd = cp_bpf_map_fd(b, "cp_adapt_st")) >= 0) {
		struct cp_adapt_state ast = {};

		bpf_map_update_elem(fd, &id, &ast, BPF_ANY);
	}
	observer_mark(b, id, false);
	/* cp_events[id] stays: see cp_bpf_sandbox_add() */
	reset_drops(b, id);
}

/* Allocate the smallest free sandbox id, collecting entries whose init
 * died without tearing down (a crashed launcher). */
static int alloc_id(struct cp_bpf *b, uint32_t *out)
{
	static unsigned char used[CP_MAX_SANDBOXES];
	int fd = cp_bpf_map_fd(b, "cp_sandboxes");
	uint64_t key, *cur = NULL, stale[CP_MAX_SANDBOXES];
	uint32_t stale_id[CP_MAX_SANDBOXES];
	unsigned nstale = 0;

	if (fd < 0)
		return fd;
	memset(used, 0, sizeof(used));
	used[0] = 1;              /* 0 means "no sandbox" */
	while (bpf_map_get_next_key(fd, cur, &key) == 0) {
		struct cp_sandbox sb;

		if (bpf_map_lookup_elem(fd, &key, &sb) == 0 && sb.id < CP_MAX_SANDBOXES) {
			if (sb.init_pid && kill((pid_t)sb.init_pid, 0) < 0 && errno == ESRCH &&
			    nstale < CP_MAX_SANDBOXES) {
				stale[nstale] = key;
				stale_id[nstale++] = sb.id;
			} else {
				used[sb.id] = 1;
			}
		}
		cur = &key;
	}
	for (unsigned i = 0; i < nstale; i++)
		clear_sandbox_entries(b, stale_id[i], stale[i]);
	for (uint32_t i = 1; i < CP_MAX_SANDBOXES; i++) {
		if (!used[i]) {
			*out = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static uint32_t kdev(dev_t d)
{
	/* the kernel's internal dev_t, as inode->i_sb->s_dev holds it */
	return (major(d) << 20) | (minor(d) & 0xfffff);
}

static int put_path_rules(int fd, uint32_t id, const struct cp_bpf_path_rule *r, size_t nr,
			  char *why, size_t n)
{
	for (size_t i = 0; i < nr; i++) {
		struct cp_ino_key key = { .sandbox_id = id };
		struct cp_fs_val v = {}, old;
		struct stat st;

		if (stat(r[i].path, &st) < 0) {
			if (errno == ENOENT && r[i].optional)
				continue;
			setwhy(why, n, "%s:%u:%u: cannot resolve rule path %s: %s",
			       r[i].loc.file ? r[i].loc.file : "?", r[i].loc.line, r[i].loc.col,
			       r[i].path, strerror(errno));
			return -errno;
		}
		key.dev = kdev(st.st_dev);
		key.ino = st.st_ino;
		v.self_allow = r[i].self_allow;
		v.self_deny = r[i].self_deny;
		v.sub_allow = r[i].sub_allow;
		v.sub_deny = r[i].sub_deny;
		v.flags_self = r[i].flags_self;
		v.flags_sub = r[i].flags_sub;
		v.rule_self = v.rule_sub = r[i].rule;
		/* two names of one inode: the union, where denial wins */
		if (bpf_map_lookup_elem(fd, &key, &old) == 0) {
			v.self_allow |= old.self_allow;
			v.self_deny |= old.self_deny;
			v.sub_allow |= old.sub_allow;
			v.sub_deny |= old.sub_deny;
			v.flags_self |= old.flags_self;
			v.flags_sub |= old.flags_sub;
			/* events name the first real rule, not a scratch marker */
			if (old.self_allow != CP_ACC_SCRATCH) {
				v.rule_self = old.rule_self;
				v.rule_sub = old.rule_sub;
			}
		}
		if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0) {
			setwhy(why, n, "writing the rule for %s: %s", r[i].path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int ringbuf_cb(void *ctx, void *data, size_t size)
{
	struct cp_bpf *b = ctx;

	b->delivered++;
	if (size != sizeof(struct cp_event)) {
		/* other producers' records in this sandbox's buffer */
		if (b->raw_cb)
			b->raw_cb(data, size, b->raw_ctx);
		return 0;
	}
	if (b->cb)
		b->cb(data, b->cb_ctx);
	return 0;
}

/* Scope last: the rules are complete before any task is in scope, and the
 * cgroup programs (which refuse unknown cgroups) attach after the entry. */
static int arm_locked(struct cp_bpf *b, char *why, size_t n)
{
	uint64_t cgroup_id = b->pending.cgroup_id;
	int rc;

	if (bpf_map_update_elem(cp_bpf_map_fd(b, "cp_sandboxes"), &cgroup_id, &b->pending,
				BPF_NOEXIST) < 0) {
		rc = -errno;
		setwhy(why, n, "registering cgroup %llu: %s", (unsigned long long)cgroup_id,
		       rc == -EEXIST ? "already a sandbox" : strerror(-rc));
		if (rc == -EEXIST)
			b->cgroup_id = 0;     /* not ours to remove */
		return rc;
	}
	b->armed = true;
	for (unsigned i = 0; i < b->nprogs; i++) {
		int l;

		if (b->progs[i].attach < 0)
			continue;
		l = bpf_link_create(b->progs[i].fd, b->cgroup_fd,
				    (enum bpf_attach_type)b->progs[i].attach, NULL);
		if (l < 0) {
			rc = -errno;
			setwhy(why, n, "attaching %s to the sandbox cgroup: %s", b->progs[i].name,
			       strerror(-rc));
			return rc;
		}
		b->links[b->nlinks++] = l;
	}
	return 0;
}

int cp_bpf_sandbox_add(struct cp_bpf *b, int cgroup_fd, uint64_t cgroup_id, uint32_t init_pid,
		       const struct cp_bpf_maps *m, uint32_t addflags, char *why, size_t n)
{
	uint32_t id;
	int rc, fd;

	if (!b || !m || b->have_sandbox)
		return -EINVAL;
	rc = lock_acquire(b, CP_LOCK_PATH);   /* no-op when still held from open */
	if (rc) {
		setwhy(why, n, "locking: %s", strerror(-rc));
		return rc;
	}
	rc = alloc_id(b, &id);
	if (rc) {
		setwhy(why, n, "no free sandbox id: %s", strerror(-rc));
		goto out;
	}
	b->sandbox_id = id;
	b->cgroup_id = cgroup_id;
	b->have_sandbox = true;
	/* on a BPF LSM host every sandbox needs the LSM programs (each
	 * returns at once for a sandbox without its kind of rule) */
	if (b->lsm_active) {
		rc = attach_hooks(b, CP_BPF_HOOKS_LSM, why, n);
		if (rc)
			goto out;
	}

	/* rules first, scope last: a task only ever sees complete rules */
	rc = put_path_rules(cp_bpf_map_fd(b, "cp_fs_rules"), id, m->fs, m->nfs, why, n);
	if (!rc)
		rc = put_path_rules(cp_bpf_map_fd(b, "cp_exec_rules"), id, m->exec, m->nexec, why, n);
	if (rc)
		goto out;
	fd = cp_bpf_map_fd(b, "cp_net_rules");
	for (size_t i = 0; i < m->nnet; i++) {
		struct cp_net_key k = m->net[i].key;

		k.sandbox_id = htonl(id);
		if (bpf_map_update_elem(fd, &k, &m->net[i].val, BPF_ANY) < 0) {
			rc = -errno;
			setwhy(why, n, "writing network rules: %s", strerror(-rc));
			goto out;
		}
	}
	for (size_t i = 0; i < m->nunix; i++) {
		const struct cp_bpf_unix_rule *u = &m->unix_rules[i];

		if (u->abstract) {
			struct cp_unix_abs_key k = { .sandbox_id = id };

			k.len = (uint32_t)strlen(u->path);
			memcpy(k.name, u->path, k.len);
			if (bpf_map_update_elem(cp_bpf_map_fd(b, "cp_unix_abs"), &k, &u->val, BPF_ANY) < 0) {
				rc = -errno;
				setwhy(why, n, "writing unix rules: %s", strerror(-rc));
				goto out;
			}
		} else {
			struct cp_ino_key k = { .sandbox_id = id };
			struct stat st;

			/* a socket that does not exist yet cannot match: the
			 * network default decides for it (counted, reported) */
			if (stat(u->path, &st) < 0) {
				b->unix_unresolved++;
				continue;
			}
			k.dev = kdev(st.st_dev);
			k.ino = st.st_ino;
			if (bpf_map_update_elem(cp_bpf_map_fd(b, "cp_unix_rules"), &k, &u->val, BPF_ANY) < 0) {
				rc = -errno;
				setwhy(why, n, "writing unix rules: %s", strerror(-rc));
				goto out;
			}
		}
	}
	if (bpf_map_update_elem(cp_bpf_map_fd(b, "cp_policy"), &id, &m->policy, BPF_ANY) < 0) {
		rc = -errno;
		setwhy(why, n, "writing the sandbox policy: %s", strerror(-rc));
		goto out;
	}

	/* Every update of an array-of-maps waits for an RCU grace period
	 * (~10 ms here), so a slot's ring buffer outlives its sandbox and
	 * is reused by the next sandbox with that id; what the previous one
	 * left unread is discarded before this one is in scope. */
	{
		int evfd = cp_bpf_map_fd(b, "cp_events");
		uint32_t inner_id;
		bool reuse = false;

		if (bpf_map_lookup_elem(evfd, &id, &inner_id) == 0) {
			b->rb_fd = bpf_map_get_fd_by_id(inner_id);
			reuse = b->rb_fd >= 0;
		}
		if (!reuse) {
			b->rb_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cp_rb", 0, 0,
						  CP_RINGBUF_BYTES, NULL);
			if (b->rb_fd < 0 || bpf_map_update_elem(evfd, &id, &b->rb_fd, BPF_ANY) < 0) {
				rc = -errno;
				setwhy(why, n, "creating the event ring buffer: %s", strerror(-rc));
				goto out;
			}
		}
		b->rb = ring_buffer__new(b->rb_fd, ringbuf_cb, b, NULL);
		if (!b->rb) {
			rc = -errno;
			setwhy(why, n, "ring buffer: %s", strerror(-rc));
			goto out;
		}
		if (reuse)
			ring_buffer__consume(b->rb);   /* b->cb is NULL: dropped */
		reset_drops(b, id);
	}

	b->pending.id = id;
	b->pending.flags = m->sb_flags | ((addflags & CP_BPF_ADD_LOG_ONLY) ? CP_SB_LOG_ONLY : 0);
	b->pending.errno_deny = m->errno_deny ? m->errno_deny : EPERM;
	b->pending.cgroup_id = cgroup_id;
	b->pending.init_pid = init_pid;
	memcpy(b->pending.forbid_at, m->forbid_at, sizeof(b->pending.forbid_at));
	b->cgroup_fd = cgroup_fd;
	if (addflags & CP_BPF_ADD_DEFER_ARM)
		return 0;     /* the id is only visible once armed: keep the lock */
	rc = arm_locked(b, why, n);
out:
	lock_release(b);
	return rc;
}

int cp_bpf_sandbox_arm(struct cp_bpf *b, uint32_t init_pid, char *why, size_t n)
{
	int rc;

	if (!b || !b->have_sandbox)
		return -EINVAL;
	if (b->armed)
		return 0;
	if (init_pid)
		b->pending.init_pid = init_pid;
	rc = lock_acquire(b, CP_LOCK_PATH);
	if (rc) {
		setwhy(why, n, "locking: %s", strerror(-rc));
		return rc;
	}
	rc = arm_locked(b, why, n);
	lock_release(b);
	return rc;
}

static int sandbox_lookup(const struct cp_bpf *b, struct cp_sandbox *sb)
{
	if (!b || !b->have_sandbox)
		return -EINVAL;
	if (bpf_map_lookup_elem(cp_bpf_map_fd(b, "cp_sandboxes"), &b->cgroup_id, sb) < 0)
		return -errno;
	return 0;
}

int cp_bpf_get_level(const struct cp_bpf *b, uint32_t *level)
{
	struct cp_sandbox sb;
	int rc = sandbox_lookup(b, &sb);

	if (!rc)
		*level = sb.level;
	return rc;
}

int cp_bpf_set_level(struct cp_bpf *b, uint32_t level)
{
	struct cp_sandbox sb;
	int rc;

	if (level > 3)
		return -EINVAL;
	rc = sandbox_lookup(b, &sb);
	if (rc)
		return rc;
	sb.level = level;
	if (bpf_map_update_elem(cp_bpf_map_fd(b, "cp_sandboxes"), &b->cgroup_id, &sb, BPF_EXIST) < 0)
		return -errno;
	return 0;
}

void cp_bpf_set_raw_handler(struct cp_bpf *b, cp_bpf_raw_cb cb, void *ctx)
{
	if (b) {
		b->raw_cb = cb;
		b->raw_ctx = ctx;
	}
}

int cp_bpf_poll(struct cp_bpf *b, int timeout_ms, cp_bpf_event_cb cb, void *ctx)
{
	int rc;

	if (!b || !b->rb)
		return -EINVAL;
	b->cb = cb;
	b->cb_ctx = ctx;
	b->delivered = 0;
	rc = ring_buffer__poll(b->rb, timeout_ms);
	if (rc < 0 && rc != -EINTR)
		return rc;
	return b->delivered;
}

uint64_t cp_bpf_drops(const struct cp_bpf *b)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *v;
	uint32_t id;

	if (!b || !b->have_sandbox || ncpu <= 0)
		return 0;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return 0;
	id = b->sandbox_id;
	if (bpf_map_lookup_elem(cp_bpf_map_fd(b, "cp_drops"), &id, v) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* Does a running sandbox still want the observers?  Marks of sandboxes
 * no longer running (a crashed launcher) are removed on the way. */
static bool any_adaptive_left(const struct cp_bpf *b)
{
	static unsigned char live[CP_MAX_SANDBOXES];
	int fd = cp_bpf_map_fd(b, "cp_sandboxes");
	uint64_t key, *cur = NULL;
	char dir[PATH_MAX + 16];
	struct dirent *de;
	bool any = false;
	DIR *d;

	if (fd < 0)
		return true;              /* cannot tell: keep the observers */
	memset(live, 0, sizeof(live));
	while (bpf_map_get_next_key(fd, cur, &key) == 0) {
		struct cp_sandbox sb;

		if (bpf_map_lookup_elem(fd, &key, &sb) == 0 && sb.id < CP_MAX_SANDBOXES)
			live[sb.id] = 1;
		cur = &key;
	}
	snprintf(dir, sizeof(dir), "%s/observers", b->pin_dir);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char *end;
		unsigned long id = strtoul(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end)
			continue;
		if (id < CP_MAX_SANDBOXES && live[id])
			any = true;
		else
			observer_mark(b, (uint32_t)id, false);
	}
	if (d)
		closedir(d);
	return any;
}

/* The last adaptive sandbox left while others run: detach the tracing
 * observers (their links' pins), which every process on the host pays
 * for; the next adaptive sandbox attaches them again.  An observer whose
 * program has no pin of its own (attached at load) stays. */
static void detach_observers(const struct cp_bpf *b)
{
	char p[PATH_MAX + 300];

	for (unsigned i = 0; i < b->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (b->progs[i].attach != -1)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(b->progs[i].fd, &info, &len) < 0 ||
		    info.type != BPF_PROG_TYPE_TRACING)
			continue;
		snprintf(p, sizeof(p), "%s/links/%s", b->pin_dir, b->progs[i].name);
		unlink(p);
	}
}

static bool any_sandbox_left(const struct cp_bpf *b)
{
	uint64_t key;
	int fd = cp_bpf_map_fd(b, "cp_sandboxes");

	return fd >= 0 && bpf_map_get_next_key(fd, NULL, &key) == 0;
}

void cp_bpf_close(struct cp_bpf *b)
{
	if (!b)
		return;
	if (b->lock_fd >= 0 || b->have_sandbox)
		lock_acquire(b, CP_LOCK_PATH);
	for (unsigned i = 0; i < b->nlinks; i++)
		close(b->links[i]);
	b->nlinks = 0;
	if (b->have_sandbox)
		clear_sandbox_entries(b, b->sandbox_id, b->cgroup_id);
	if (b->have_sandbox && b->nmaps && any_sandbox_left(b) && !any_adaptive_left(b))
		detach_observers(b);
	if (b->nmaps && b->pin_dir[0] && !any_sandbox_left(b) &&
	    !(resident_wanted(b->pin_dir) && go_idle(b->pin_dir))) {
		char root[PATH_MAX];

		rm_tree(b->pin_dir);  /* last user: links detach as the pins go */
		pin_root_of(b->pin_dir, root, sizeof(root));
		rmdir(root);          /* only if no other version's pins are there */
	}
	ring_buffer__free(b->rb);
	if (b->rb_fd >= 0)
		close(b->rb_fd);
	for (unsigned i = 0; i < b->nmaps; i++)
		close(b->maps[i].fd);
	for (unsigned i = 0; i < b->nprogs; i++)
		close(b->progs[i].fd);
	if (b->lock_fd >= 0) {
		flock(b->lock_fd, LOCK_UN);
		close(b->lock_fd);
	}
	free(b);
}

/* ---- events -> audit fields ------------------------------------------- */

static const char *const hook_names[] = {
	[CP_HOOK_FILE_OPEN] = "file_open",
	[CP_HOOK_BPRM_CHECK] = "bprm_check_security",
	[CP_HOOK_SOCK_CONNECT] = "socket_connect",
	[CP_HOOK_SOCK_BIND] = "socket_bind",
	[CP_HOOK_PTRACE] = "ptrace_access_check",
	[CP_HOOK_TASK_KILL] = "task_kill",
	[CP_HOOK_SB_MOUNT] = "sb_mount",
	[CP_HOOK_MOVE_MOUNT] = "move_mount",
	[CP_HOOK_SB_UMOUNT] = "sb_umount",
	[CP_HOOK_MPROTECT] = "file_mprotect",
	[CP_HOOK_MMAP_FILE] = "mmap_file",
	[CP_HOOK_CG_CONNECT4] = "cgroup/connect4",
	[CP_HOOK_CG_CONNECT6] = "cgroup/connect6",
	[CP_HOOK_CG_SENDMSG4] = "cgroup/sendmsg4",
	[CP_HOOK_CG_SENDMSG6] = "cgroup/sendmsg6",
	[CP_HOOK_CG_BIND4] = "cgroup/bind4",
	[CP_HOOK_CG_BIND6] = "cgroup/bind6",
	[CP_HOOK_CG_SOCK_CREATE] = "cgroup/sock_create",
	[CP_HOOK_CG_DEVICE] = "cgroup/dev",
	[CP_HOOK_TASK_ALLOC] = "task_alloc",
	[CP_HOOK_FILE_RENAME] = "file_rename",
	[CP_HOOK_FILE_UNLINK] = "file_unlink",
	[CP_HOOK_SOCK_CREATE] = "socket_create",
	[CP_HOOK_PATH_LINK] = "path_link",
	[CP_HOOK_PATH_MKDIR] = "path_mkdir",
	[CP_HOOK_PATH_RMDIR] = "path_rmdir",
	[CP_HOOK_PATH_MKNOD] = "path_mknod",
	[CP_HOOK_PATH_SYMLINK] = "path_symlink",
	[CP_HOOK_PATH_TRUNCATE] = "path_truncate",
	[CP_HOOK_UNIX_CONNECT] = "unix_connect",
	[CP_HOOK_ADAPT] = "adapt",
};

const char *cp_bpf_hook_name(unsigned hook)
{
	if (hook < sizeof(hook_names) / sizeof(hook_names[0]) && hook_names[hook])
		return hook_names[hook];
	return "unknown";
}

const char *cp_bpf_verdict_name(unsigned verdict)
{
	switch (verdict) {
	case CP_VERDICT_DENY:  return "deny";
	case CP_VERDICT_AUDIT: return "audit";
	default:               return "allow";
	}
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

struct json_object *cp_bpf_event_json(const struct cp_event *e)
{
	struct json_object *o = json_object_new_object();
	char buf[INET6_ADDRSTRLEN + 8], comm[CP_COMM_LEN + 1], path[CP_PATH_MAX + 1];

	if (!o)
		return NULL;
	add_str(o, "layer", e->hook >= CP_HOOK_CG_CONNECT4 && e->hook <= CP_HOOK_CG_DEVICE ?
		"cgroup-bpf" : "bpf-lsm");
	add_str(o, "hook", cp_bpf_hook_name(e->hook));
	add_str(o, "verdict", cp_bpf_verdict_name(e->verdict));
	add_int(o, "bpf_sandbox", e->sandbox_id);
	add_int(o, "pid", e->pid);
	add_int(o, "tid", e->tid);
	memcpy(comm, e->comm, CP_COMM_LEN);
	comm[CP_COMM_LEN] = 0;
	add_str(o, "comm", comm);
	add_int(o, "level", e->level);
	add_int(o, "errno", e->err < 0 ? -e->err : 0);
	switch (e->rule) {
	case CP_RULE_NONE:     add_str(o, "rule", "none"); break;
	case CP_RULE_LEVEL:    add_str(o, "rule", "containment-level"); break;
	case CP_RULE_DEFAULT:  add_str(o, "rule", "default"); break;
	case CP_RULE_EXEC_NEW: add_str(o, "rule", "exec-created-file"); break;
	case CP_RULE_SCOPE:    add_str(o, "rule", "outside-sandbox"); break;
	default:               add_int(o, "rule", e->rule); break;
	}
	switch (e->hook) {
	case CP_HOOK_FILE_OPEN:
	case CP_HOOK_BPRM_CHECK:
	case CP_HOOK_FILE_RENAME: case CP_HOOK_FILE_UNLINK: case CP_HOOK_PATH_LINK:
	case CP_HOOK_PATH_MKDIR: case CP_HOOK_PATH_RMDIR: case CP_HOOK_PATH_MKNOD:
	case CP_HOOK_PATH_SYMLINK: case CP_HOOK_PATH_TRUNCATE:
		memcpy(path, e->path, CP_PATH_MAX);
		path[CP_PATH_MAX] = 0;
		add_str(o, "path", path);
		add_int(o, "ino", (int64_t)e->ino);
		snprintf(buf, sizeof(buf), "%u:%u", e->dev >> 20, e->dev & 0xfffff);
		add_str(o, "dev", buf);
		snprintf(buf, sizeof(buf), "%s%s%s", (e->arg & CP_ACC_READ) ? "r" : "",
			 (e->arg & CP_ACC_WRITE) ? "w" : "", (e->arg & CP_ACC_EXEC) ? "x" : "");
		add_str(o, "access", buf);
		break;
	case CP_HOOK_SOCK_CONNECT: case CP_HOOK_SOCK_BIND:
	case CP_HOOK_CG_CONNECT4: case CP_HOOK_CG_CONNECT6:
	case CP_HOOK_CG_SENDMSG4: case CP_HOOK_CG_SENDMSG6:
	case CP_HOOK_CG_BIND4: case CP_HOOK_CG_BIND6:
		if (e->family == 4 || e->family == 6) {
			inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, buf, sizeof(buf));
			add_str(o, "addr", buf);
			add_int(o, "port", e->port);
		}
		add_str(o, "proto", e->arg == CP_NET_PROTO_TCP ? "tcp" : e->arg == CP_NET_PROTO_UDP ?
			"udp" : e->arg == CP_NET_PROTO_ICMP ? "icmp" : "other");
		break;
	case CP_HOOK_UNIX_CONNECT:
		memcpy(path, e->path, CP_PATH_MAX);
		path[CP_PATH_MAX] = 0;
		add_str(o, "socket", path);
		add_int(o, "ino", (int64_t)e->ino);
		break;
	case CP_HOOK_CG_SOCK_CREATE:
	case CP_HOOK_SOCK_CREATE:
		add_int(o, "family", e->family);
		add_int(o, "type", e->arg);
		break;
	case CP_HOOK_CG_DEVICE:
		snprintf(buf, sizeof(buf), "%c %u:%u", (char)(e->arg >> 8), e->dev >> 20,
			 e->dev & 0xfffff);
		add_str(o, "device", buf);
		add_int(o, "access", e->arg & 7);
		break;
	case CP_HOOK_PTRACE: case CP_HOOK_TASK_KILL:
		add_int(o, "target_pid", e->target_pid);
		add_int(o, e->hook == CP_HOOK_TASK_KILL ? "signal" : "mode", e->arg);
		break;
	default:
		add_int(o, "arg", e->arg);
		break;
	}
	return o;
}

/* ---- launcher integration ---------------------------------------------- */
#ifndef CP_BPF_CORE_ONLY
#include "sandbox.h"
#include "util.h"

static void emit_event(const struct cp_event *e, void *ctx)
{
	struct cp_run *r = ctx;

	cp_audit_emit(r->audit, e->verdict == CP_VERDICT_ALLOW ? "allow" :
		      e->verdict == CP_VERDICT_AUDIT ? "audit" : "deny", cp_bpf_event_json(e));
}

static int events_ready(int fd, void *ctx)
{
	struct cp_run *r = ctx;
	int rc;

	(void)fd;
	rc = cp_bpf_poll(r->bpf, 0, emit_event, r);
	return rc < 0 ? rc : 0;
}

/* The glue keeps what prepare learnt for attach's report. */
struct cp_bpf_glue {
	struct cp_bpf_maps m;
	bool want_lsm, want_cg;
};
static struct cp_bpf_glue glue;

static void glue_unavailable(struct cp_run *r, const char *why)
{
	if (glue.want_lsm)
		cp_layer_unavailable(r, CP_LAYER_BPF_LSM, "%s", why);
	if (glue.want_cg)
		cp_layer_unavailable(r, CP_LAYER_CGROUP_BPF, "%s", why);
}

int cp_bpf_layer_prepare(struct cp_run *r)
{
	const struct cp_policy *p = r->policy;
	struct cp_bpf *b = NULL;
	struct cp_diag d;
	char why[512];
	int rc;

	glue.want_lsm = cp_layer_wanted(p, CP_LAYER_BPF_LSM);
	glue.want_cg = cp_layer_wanted(p, CP_LAYER_CGROUP_BPF);
	if (!glue.want_lsm)
		cp_layer_skipped(r, CP_LAYER_BPF_LSM, "not used by the profile");
	if (!glue.want_cg)
		cp_layer_skipped(r, CP_LAYER_CGROUP_BPF, "not used by the profile");
	if (!glue.want_lsm && !glue.want_cg)
		return 0;
	if (!glue.want_cg) {
		/* only LSM programs would enforce anything: where BPF LSM is not
		 * usable, loading the object would cost the verifier for nothing */
		char lwhy[512];

		if (cp_bpf_probe_lsm(lwhy, sizeof(lwhy)) != 1) {
			cp_layer_unavailable(r, CP_LAYER_BPF_LSM, "%s", lwhy);
			return 0;
		}
	}

	cp_diag_init(&d, stderr);
	rc = cp_bpf_maps_build(p, &d, &glue.m);
	cp_diag_fini(&d);
	if (rc)
		die("bpf: compiling the profile's BPF rules failed: %s", strerror(-rc));
	if (r->cgroup_fd < 0) {
		glue_unavailable(r, "the sandbox has no cgroup v2 to scope programs to");
		return 0;
	}
	/* load (or reuse) and fill the maps now, outside the window in which
	 * the init waits; scope at attach */
	rc = cp_bpf_open(NULL, &b, why, sizeof(why));
	if (!rc)
		rc = cp_bpf_sandbox_add(b, r->cgroup_fd, r->cgroup_id, 0, &glue.m,
					CP_BPF_ADD_DEFER_ARM |
					((r->flags & CP_RUN_LOG_ONLY) ? CP_BPF_ADD_LOG_ONLY : 0),
					why, sizeof(why));
	if (rc) {
		cp_bpf_close(b);
		glue_unavailable(r, why);
		return 0;
	}
	r->bpf = b;
	return 0;
}

int cp_bpf_layer_attach(struct cp_run *r)
{
	struct cp_bpf *b = r->bpf;
	const struct cp_bpf_maps *m = &glue.m;
	char why[512];
	int rc;

	if (!b)
		return 0;
	rc = cp_bpf_sandbox_arm(b, (uint32_t)r->child_pid, why, sizeof(why));
	if (rc) {
		cp_bpf_close(b);
		r->bpf = NULL;
		glue_unavailable(r, why);
		return 0;
	}
	rc = cp_super_add_fd(&r->super, cp_bpf_events_fd(b), events_ready, r);
	if (rc)
		die("bpf: watching the event ring buffer: %s", strerror(-rc));

	if (glue.want_lsm) {
		if (cp_bpf_lsm_active(b))
			cp_layer_applied(r, CP_LAYER_BPF_LSM, "%s programs, sandbox %u, %zu inode + "
					 "%zu exec + %zu unix rules%s%s%s",
					 cp_bpf_reused(b) ? "pinned" : "loaded",
					 cp_bpf_sandbox_id(b), m->nfs, m->nexec, m->nunix,
					 cp_bpf_unix_unresolved(b) ?
					 " (some socket paths absent at launch: the network default "
					 "applies to those)" : "",
					 cp_bpf_missing(b)[0] ? "; not in this kernel: " : "",
					 cp_bpf_missing(b));
		else
			cp_layer_unavailable(r, CP_LAYER_BPF_LSM, "%s", cp_bpf_lsm_why(b));
	}
	if (glue.want_cg)
		cp_layer_applied(r, CP_LAYER_CGROUP_BPF, "%u programs on the sandbox cgroup, "
				 "%zu prefixes, %u device rules%s", cp_bpf_cgroup_links(b), m->nnet,
				 m->policy.ndev, (m->gaps & CP_BPF_GAP_UNIX_PATHS) && !cp_bpf_lsm_active(b) ?
				 "; unix socket rules NOT enforced here (they need BPF LSM)" : "");
	return 0;
}

void cp_bpf_layer_detach(struct cp_run *r)
{
	struct cp_bpf *b = r->bpf;
	uint64_t drops;

	if (!b) {
		cp_bpf_maps_free(&glue.m);
		return;
	}
	if (b->armed)
		cp_super_del_fd(&r->super, cp_bpf_events_fd(b));
	while (cp_bpf_poll(b, 0, emit_event, r) > 0)
		;
	drops = cp_bpf_drops(b);
	if (drops) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "layer", json_object_new_string("bpf"));
		json_object_object_add(o, "lost_events", json_object_new_int64((int64_t)drops));
		cp_audit_emit(r->audit, "events-lost", o);
		warnx_cr("bpf: %llu kernel events were lost (ring buffer full)",
			 (unsigned long long)drops);
	}
	cp_bpf_close(b);
	r->bpf = NULL;
	cp_bpf_maps_free(&glue.m);
}

void cp_bpf_probe_print(FILE *out, bool json)
{
	char lwhy[512], cwhy[512];
	int l = cp_bpf_probe_lsm(lwhy, sizeof(lwhy));
	int c = cp_bpf_probe_cgroup(cwhy, sizeof(cwhy));

	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "bpf_lsm", json_object_new_boolean(l == 1));
		json_object_object_add(o, "bpf_lsm_detail", json_object_new_string(lwhy));
		json_object_object_add(o, "cgroup_bpf", json_object_new_boolean(c == 1));
		json_object_object_add(o, "cgroup_bpf_detail", json_object_new_string(cwhy));
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	fprintf(out, "bpf-lsm: %s (%s)\n", l == 1 ? "yes" : "no", lwhy);
	fprintf(out, "cgroup-bpf: %s (%s)\n", c == 1 ? "yes" : "no", cwhy);
}
#endif /* CP_BPF_CORE_ONLY */
