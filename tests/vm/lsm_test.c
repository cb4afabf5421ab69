/* SPDX-License-Identifier: MIT */
/*
 * lsm_test.c - BPF LSM suite, run as root inside the test VM (a kernel
 * booted with lsm=...,bpf).  The loader, maps and programs are the real
 * ones; an agent inside the sandbox cgroup performs each row's operation
 * and the row states the errno it must get.  The test process itself is
 * outside every sandbox and checks that it is untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <bpf/bpf.h>

#include "testutil.h"
#include "agent.h"
#include "bpf.h"

unsigned t_pass, t_fail;

#define CG "/sys/fs/cgroup/cp-vm-test"
#define HELLO "/bin/cp-hello"

static struct agent ag;
static struct cp_bpf *bpf;

static void cleanup(void)
{
	agent_stop(&ag);
	cp_bpf_close(bpf);
	bpf = NULL;
	umount("/data/allowed/bm");
	rmdir(CG);
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		printf("setup: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void copy(const char *src, const char *dst)
{
	struct agent_req r = { .op = OP_COPY };
	struct agent a0 = {0};

	/* done by an unsandboxed agent: same code path, no confinement */
	snprintf(r.path, sizeof(r.path), "%s", src);
	snprintf(r.path2, sizeof(r.path2), "%s", dst);
	if (agent_start(&a0, NULL, false, NULL, 0) || agent_do(&a0, &r)) {
		printf("setup: copy %s: failed\n", dst);
		exit(1);
	}
	agent_stop(&a0);
}

static void setup_tree(void)
{
	static const char *const dirs[] = {
		"/data", "/data/allowed", "/data/allowed/sub", "/data/allowed/bm", "/data/secret",
		"/data/rw", "/data/rw/scratch", "/data/ro", "/data/exec", "/data/noexec",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir(dirs[i], 0755);
	put("/data/allowed/a.txt", "a", 0644);
	put("/data/allowed/sub/b.txt", "b", 0644);
	put("/data/allowed/private.txt", "p", 0644);
	put("/data/allowed/private2.txt", "p2", 0644);
	put("/data/secret/s.txt", "s", 0644);
	put("/data/ro/f", "f", 0644);
	put("/data/rw/f", "f", 0644);
	put("/data/rw/victim", "v", 0644);
	if (link("/data/allowed/private.txt", "/data/allowed/hl-private") < 0 ||
	    symlink("/data/secret/s.txt", "/data/allowed/sl-secret") < 0 ||
	    symlink("/data/allowed/a.txt", "/data/allowed/sl-a") < 0) {
		printf("setup: links: %s\n", strerror(errno));
		exit(1);
	}
	copy(HELLO, "/data/exec/ok");
	copy(HELLO, "/data/exec/bad");
	copy(HELLO, "/data/noexec/x");
}

/* The profile under test, as IR. */
static struct cp_fs_rule fsr[] = {
	{ .path = "/data/allowed", .access = CP_FS_READ },
	{ .path = "/data/allowed/private.txt", .access = CP_FS_DENY },
	{ .path = "/data/allowed/private2.txt", .access = CP_FS_DENY },
	{ .path = "/data/secret", .access = CP_FS_DENY, .audit = true },
	{ .path = "/data/rw", .access = CP_FS_READ | CP_FS_WRITE | CP_FS_EXEC },
	{ .path = "/data/ro", .access = CP_FS_READ },
	{ .path = "/data/exec", .access = CP_FS_READ | CP_FS_WRITE | CP_FS_EXEC },
	{ .path = "/data/noexec", .access = CP_FS_READ | CP_FS_EXEC },
	{ .path = "/bin", .access = CP_FS_READ | CP_FS_EXEC },
	{ .path = "/lib", .access = CP_FS_READ | CP_FS_EXEC, .optional = true },
	{ .path = "/proc", .access = CP_FS_READ },
	{ .path = "/dev", .access = CP_FS_READ | CP_FS_WRITE },
	/* deliberately weak: lets a sandboxed task move itself to another cgroup */
	{ .path = "/sys/fs/cgroup", .access = CP_FS_READ | CP_FS_WRITE },
};
static struct cp_exec_rule exr[] = {
	{ .path = "/data/exec", .allow = true },
	{ .path = "/data/exec/bad", .allow = false },
	{ .path = "/data/rw", .allow = true },
	{ .path = HELLO, .allow = true },
};
static struct cp_net_rule netr[3];
static char *scratch[] = { "/data/rw/scratch" };

static void build_policy(struct cp_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(fsr) / sizeof(fsr[0]); i++)
		fsr[i].loc.file = "vm.profile", fsr[i].loc.line = (uint32_t)i + 1;
	p->fs.present = true;
	p->fs.rules = fsr;
	p->fs.nrules = sizeof(fsr) / sizeof(fsr[0]);
	p->exec.present = true;
	p->exec.rules = exr;
	p->exec.nrules = sizeof(exr) / sizeof(exr[0]);
	p->exec.deny_created = true;
	p->exec.wx = true;
	netr[0].allow = true;
	netr[0].proto = CP_PROTO_TCP;
	netr[0].dir = CP_NET_CONNECT | CP_NET_BIND;
	netr[0].family = 4;
	inet_pton(AF_INET, "127.0.0.1", netr[0].addr);
	netr[0].prefixlen = 32;
	netr[0].port_lo = 8080;
	netr[0].port_hi = 8081;
	p->net.present = true;
	p->net.default_action.kind = CP_ACT_ERRNO;
	p->net.default_action.errno_val = ECONNREFUSED;
	netr[1].allow = true;
	netr[1].proto = CP_PROTO_UNIX;
	netr[1].dir = CP_NET_CONNECT;
	netr[1].unix_path = "/data/rw/ok.sock";
	netr[2].allow = true;
	netr[2].proto = CP_PROTO_UNIX;
	netr[2].dir = CP_NET_CONNECT;
	netr[2].unix_path = "@cp-ok";
	p->net.rules = netr;
	p->net.nrules = 3;
	/* process rules: none of ptrace, outside signals, mounts */
	p->adapt.present = true;
	p->adapt.scratch = scratch;
	p->adapt.nscratch = 1;
	p->adapt.levels[0] = (struct cp_adapt_level){ .level = 1, .forbid = CP_FORBID_EXEC_NEW | CP_FORBID_WRITE };
	p->adapt.levels[1] = (struct cp_adapt_level){ .level = 2, .forbid = CP_FORBID_CONNECT | CP_FORBID_EXEC };
	p->adapt.levels[2] = (struct cp_adapt_level){ .level = 3, .forbid = CP_FORBID_FORK };
	p->adapt.nlevels = 3;
}

struct row {
	const char *name;
	struct agent_req req;
	int expect;
};

#define OPEN(p, fl)  { .op = OP_OPEN, .path = p, .flags = fl }
#define COPYR(a, b)  { .op = OP_COPY, .path = a, .path2 = b }
#define EXEC(p)      { .op = OP_EXEC, .path = p }

static void run_rows(const char *tag, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = agent_do(&ag, &rows[i].req);

		CHECK(got == rows[i].expect, "%s: %s -> %s (want %s)", tag, rows[i].name,
		      got ? strerror(got) : "ok", rows[i].expect ? strerror(rows[i].expect) : "ok");
	}
}

static const struct row fs_rows[] = {
	{ "read /data/allowed/a.txt", OPEN("/data/allowed/a.txt", O_RDONLY), 0 },
	{ "read below: /data/allowed/sub/b.txt", OPEN("/data/allowed/sub/b.txt", O_RDONLY), 0 },
	{ "write /data/allowed/a.txt (read-only rule)", OPEN("/data/allowed/a.txt", O_WRONLY), EACCES },
	{ "read /data/secret/s.txt (deny rule)", OPEN("/data/secret/s.txt", O_RDONLY), EACCES },
	{ "read /data/allowed/private.txt (exact deny)", OPEN("/data/allowed/private.txt", O_RDONLY), EACCES },
	{ "hard link to the exact-denied file", OPEN("/data/allowed/hl-private", O_RDONLY), EACCES },
	{ "symlink in an allowed dir to a secret", OPEN("/data/allowed/sl-secret", O_RDONLY), EACCES },
	{ "symlink to an allowed file", OPEN("/data/allowed/sl-a", O_RDONLY), 0 },
	{ "bind mount of the secret dir under allowed", OPEN("/data/allowed/bm/s.txt", O_RDONLY), EACCES },
	{ "/proc/self/fd reopen of an O_PATH secret", { .op = OP_OPATH_REOPEN, .path = "/data/secret/s.txt", .flags = O_RDONLY }, EACCES },
	{ "/proc/self/fd reopen of an allowed file", { .op = OP_OPATH_REOPEN, .path = "/data/allowed/a.txt", .flags = O_RDONLY }, 0 },
	{ "openat2 RESOLVE_NO_SYMLINKS secret", { .op = OP_OPENAT2, .path = "/data/secret/s.txt", .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS }, EACCES },
	{ "openat2 RESOLVE_NO_MAGICLINKS|NO_XDEV secret", { .op = OP_OPENAT2, .path = "/data/secret/s.txt", .flags = O_RDONLY, .resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV }, EACCES },
	{ "openat2 RESOLVE_NO_SYMLINKS allowed", { .op = OP_OPENAT2, .path = "/data/allowed/a.txt", .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS }, 0 },
	{ "fchdir(secret) + open s.txt", { .op = OP_FCHDIR_OPEN, .path = "/data/secret", .path2 = "s.txt", .flags = O_RDONLY }, EACCES },
	{ "fchdir(allowed) + open ../secret/s.txt", { .op = OP_FCHDIR_OPEN, .path = "/data/allowed", .path2 = "../secret/s.txt", .flags = O_RDONLY }, EACCES },
	{ "fchdir(allowed) + open a.txt", { .op = OP_FCHDIR_OPEN, .path = "/data/allowed", .path2 = "a.txt", .flags = O_RDONLY }, 0 },
	{ "write /data/rw/f", OPEN("/data/rw/f", O_WRONLY), 0 },
	{ "create /data/rw/new.txt", OPEN("/data/rw/new.txt", O_WRONLY | O_CREAT), 0 },
	{ "create /data/ro/new (read-only dir)", OPEN("/data/ro/new", O_WRONLY | O_CREAT), EACCES },
	{ "read /etc-less path outside every rule", OPEN("/init", O_RDONLY), EACCES },
	{ "child: read secret", { .op = OP_OPEN, .path = "/data/secret/s.txt", .flags = O_RDONLY, .in_child = 1 }, EACCES },
	{ "child: read allowed", { .op = OP_OPEN, .path = "/data/allowed/a.txt", .flags = O_RDONLY, .in_child = 1 }, 0 },
	{ "link secret into rw (refer: gains access)", { .op = OP_LINK, .path = "/data/secret/s.txt", .path2 = "/data/rw/stolen" }, EACCES },
	{ "rename secret into rw", { .op = OP_RENAME, .path = "/data/secret/s.txt", .path2 = "/data/rw/stolen" }, EACCES },
	{ "rename within rw", { .op = OP_RENAME, .path = "/data/rw/new.txt", .path2 = "/data/rw/new2.txt" }, 0 },
	{ "unlink in ro dir", { .op = OP_UNLINK, .path = "/data/ro/f" }, EACCES },
	{ "unlink in rw dir", { .op = OP_UNLINK, .path = "/data/rw/new2.txt" }, 0 },
	{ "mkdir in allowed (read-only)", { .op = OP_MKDIR, .path = "/data/allowed/d" }, EACCES },
	{ "child leaves the cgroup, reads secret (inherited membership)", { .op = OP_ESCAPE_OPEN, .path = "/data/secret/s.txt", .path2 = "/sys/fs/cgroup", .flags = O_RDONLY, .in_child = 1 }, EACCES },
	{ "child leaves the cgroup, reads allowed", { .op = OP_ESCAPE_OPEN, .path = "/data/allowed/a.txt", .path2 = "/sys/fs/cgroup", .flags = O_RDONLY, .in_child = 1 }, 0 },
	{ "child leaves the cgroup, reads /init (default deny still)", { .op = OP_ESCAPE_OPEN, .path = "/init", .path2 = "/sys/fs/cgroup", .flags = O_RDONLY, .in_child = 1 }, EACCES },
};

static const struct row exec_rows[] = {
	{ "exec /data/exec/ok (allowed dir)", EXEC("/data/exec/ok"), 0 },
	{ "exec " HELLO " (allowed file)", EXEC(HELLO), 0 },
	{ "exec /data/noexec/x (not in allowlist)", EXEC("/data/noexec/x"), EACCES },
	{ "exec /data/exec/bad (denied file)", EXEC("/data/exec/bad"), EACCES },
	{ "hard link of the denied binary, exec it", { .op = OP_LINK, .path = "/data/exec/bad", .path2 = "/data/exec/bad-hl" }, 0 },
	{ "exec /data/exec/bad-hl (same inode)", EXEC("/data/exec/bad-hl"), EACCES },
	{ "rename the denied binary", { .op = OP_RENAME, .path = "/data/exec/bad", .path2 = "/data/exec/renamed" }, 0 },
	{ "exec /data/exec/renamed (same inode)", EXEC("/data/exec/renamed"), EACCES },
	{ "copy an allowed binary into rw", COPYR(HELLO, "/data/rw/fresh"), 0 },
	{ "exec the fresh copy (created in the run)", EXEC("/data/rw/fresh"), EACCES },
	{ "child: exec /data/noexec/x", { .op = OP_EXEC, .path = "/data/noexec/x", .in_child = 1 }, EACCES },
	{ "mmap PROT_EXEC of an allowed binary", { .op = OP_MMAP_EXEC, .path = "/data/exec/ok" }, 0 },
	{ "mmap PROT_EXEC outside the exec allowlist", { .op = OP_MMAP_EXEC, .path = "/data/noexec/x" }, EACCES },
	{ "mmap PROT_EXEC of a file created in the run", { .op = OP_MMAP_EXEC, .path = "/data/rw/fresh" }, EACCES },
};

static int listen_on(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (void *)&sin, sizeof(sin)) < 0 || listen(fd, 64) < 0)
		return -1;
	return fd;
}

#define TCP4(op_, p) { .op = op_, .family = 4, .type = SOCK_STREAM, .addr = "127.0.0.1", .port = p }

static struct row proc_rows[6];
static const struct row net_rows[] = {
	{ "connect 127.0.0.1:8080 (rule)", TCP4(OP_CONNECT, 8080), 0 },
	{ "connect 127.0.0.1:6000 (default, profile errno)", TCP4(OP_CONNECT, 6000), ECONNREFUSED },
	{ "bind 127.0.0.1:8081 (rule covers bind)", TCP4(OP_BIND, 8081), 0 },
	{ "bind 127.0.0.1:7000", TCP4(OP_BIND, 7000), ECONNREFUSED },
	{ "socket AF_PACKET (families: inferred inet+unix)", { .op = OP_SOCKET, .family = AF_PACKET, .type = SOCK_DGRAM }, EPERM },
	{ "socket AF_UNIX", { .op = OP_SOCKET, .family = AF_UNIX, .type = SOCK_STREAM }, 0 },
	{ "unix connect /data/rw/ok.sock (rule)", { .op = OP_UNIX_CONNECT, .path = "/data/rw/ok.sock" }, 0 },
	{ "unix connect via a name linked after attach (inode)", { .op = OP_UNIX_CONNECT, .path = "/data/rw/moved.sock" }, 0 },
	{ "unix connect /data/rw/bad.sock (default)", { .op = OP_UNIX_CONNECT, .path = "/data/rw/bad.sock" }, ECONNREFUSED },
	{ "unix connect @cp-ok (abstract rule)", { .op = OP_UNIX_CONNECT, .path = "@cp-ok" }, 0 },
	{ "unix connect @cp-bad (abstract, default)", { .op = OP_UNIX_CONNECT, .path = "@cp-bad" }, ECONNREFUSED },
};

#define MAX_EV 512
static struct cp_event evs[MAX_EV];
static unsigned nev;

static void collect(const struct cp_event *e, void *ctx)
{
	(void)ctx;
	if (nev < MAX_EV)
		evs[nev++] = *e;
}

static const struct cp_event *find_event(unsigned hook, unsigned verdict, const char *path)
{
	for (unsigned i = 0; i < nev; i++)
		if (evs[i].hook == hook && evs[i].verdict == verdict &&
		    (!path || !strncmp(evs[i].path, path, CP_PATH_MAX)))
			return &evs[i];
	return NULL;
}

static void drain(void)
{
	while (cp_bpf_poll(bpf, 0, collect, NULL) > 0)
		;
}

static int set_flags(uint32_t set, uint32_t clear)
{
	struct cp_sandbox sb;
	struct stat st;
	uint64_t key;
	int fd = cp_bpf_map_fd(bpf, "cp_sandboxes");

	if (stat(CG, &st) < 0)
		return -errno;
	key = st.st_ino;
	if (bpf_map_lookup_elem(fd, &key, &sb) < 0)
		return -errno;
	sb.flags = (sb.flags | set) & ~clear;
	return bpf_map_update_elem(fd, &key, &sb, BPF_EXIST) < 0 ? -errno : 0;
}

static unsigned count_cp_progs(void)
{
	__u32 id = 0;
	unsigned n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strncmp(info.name, "cp_", 3))
			n++;
		close(fd);
	}
	return n;
}

int main(void)
{
	struct cp_policy pol;
	struct cp_bpf_maps m;
	struct cp_diag d;
	char why[512], pins[PATH_MAX];
	struct stat st;
	int rc, cgfd, l8080, l6000, fd;
	const struct cp_event *ev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = cp_bpf_probe_lsm(why, sizeof(why));
	CHECK(rc == 1, "probe: BPF LSM usable in the VM (%s)", why);
	if (rc != 1)
		return 1;
	atexit(cleanup);
	setup_tree();
	if (mkdir(CG, 0755) < 0 && errno != EEXIST) {
		CHECK(0, "mkdir %s: %s", CG, strerror(errno));
		return 1;
	}
	cgfd = open(CG, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	stat(CG, &st);

	{
		/* unix rules resolve socket paths when the sandbox is added */
		int u1 = unix_listen("/data/rw/ok.sock"), u2 = unix_listen("/data/rw/bad.sock");
		int u3 = unix_listen("@cp-ok"), u4 = unix_listen("@cp-bad");

		CHECK(u1 >= 0 && u2 >= 0 && u3 >= 0 && u4 >= 0, "unix listeners (unsandboxed)");
	}
	build_policy(&pol);
	cp_diag_init(&d, stderr);
	rc = cp_bpf_maps_build(&pol, &d, &m);
	cp_diag_fini(&d);
	CHECK(rc == 0, "the profile compiles to maps");
	if (rc)
		return 1;
	rc = cp_bpf_open(NULL, &bpf, why, sizeof(why));
	CHECK(rc == 0, "load (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	CHECK(cp_bpf_lsm_active(bpf), "LSM programs active");
	CHECK(!cp_bpf_prog_attached(bpf, "cp_file_open"),
	      "loaded, not attached: the LSM hooks wait for a sandbox");
	rc = cp_bpf_sandbox_add(bpf, cgfd, st.st_ino, (uint32_t)getpid(), &m, 0, why, sizeof(why));
	CHECK(rc == 0, "sandbox added (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	CHECK(cp_bpf_prog_attached(bpf, "cp_file_open") && cp_bpf_prog_attached(bpf, "cp_bprm_check"),
	      "file_open and bprm_check_security are attached (pinned links)");
	CHECK(!cp_bpf_prog_attached(bpf, "cp_adapt_fork"),
	      "no adaptive observer attached for a sandbox that is not adaptive");

	/* changed after attach, by someone outside: identity still holds */
	if (mount("/data/secret", "/data/allowed/bm", NULL, MS_BIND, NULL) < 0)
		printf("note: bind mount failed: %s\n", strerror(errno));
	rename("/data/allowed/private2.txt", "/data/allowed/renamed2.txt");

	CHECK(link("/data/rw/ok.sock", "/data/rw/moved.sock") == 0, "second name for ok.sock");
	l8080 = listen_on(8080);
	l6000 = listen_on(6000);
	CHECK(l8080 >= 0 && l6000 >= 0, "loopback listeners (unsandboxed)");
	rc = agent_start(&ag, CG, false, NULL, 0);
	CHECK(rc == 0, "agent in the sandbox (%s)", rc ? strerror(-rc) : "ok");
	if (rc)
		return 1;

	run_rows("fs", fs_rows, sizeof(fs_rows) / sizeof(fs_rows[0]));
	{
		struct agent_req r = OPEN("/data/allowed/renamed2.txt", O_RDONLY);
		int got = agent_do(&ag, &r);

		CHECK(got == EACCES, "fs: exact-denied file renamed after attach -> %s", strerror(got));
	}
	run_rows("exec", exec_rows, sizeof(exec_rows) / sizeof(exec_rows[0]));
	run_rows("net", net_rows, sizeof(net_rows) / sizeof(net_rows[0]));

	proc_rows[0] = (struct row){ "ptrace a process outside", { .op = OP_PTRACE, .pid = getpid() }, EPERM };
	proc_rows[1] = (struct row){ "signal 0 to a process outside", { .op = OP_KILL, .pid = getpid(), .sig = 0 }, EPERM };
	proc_rows[2] = (struct row){ "signal 0 to itself", { .op = OP_KILL, .pid = 0, .sig = 0 }, 0 };
	proc_rows[3] = (struct row){ "mount a tmpfs", { .op = OP_MOUNT, .path = "/data/rw" }, EPERM };
	proc_rows[4] = (struct row){ "mprotect RW -> RWX (W^X)", { .op = OP_MPROTECT_WX }, EPERM };
	proc_rows[5] = (struct row){ "mmap W|X (W^X)", { .op = OP_MMAP_WX }, EPERM };
	run_rows("proc", proc_rows, 6);

	/* levels, set by hand as the in-kernel model would */
	{
		static const struct { uint32_t level; struct row r; } lv[] = {
			{ 1, { "L1: write outside scratch", OPEN("/data/rw/f", O_WRONLY), EACCES } },
			{ 1, { "L1: write inside scratch", OPEN("/data/rw/scratch/x", O_WRONLY | O_CREAT), 0 } },
			{ 1, { "L1: read still fine", OPEN("/data/rw/f", O_RDONLY), 0 } },
			{ 1, { "L1: exec an old binary", EXEC("/data/exec/ok"), 0 } },
			{ 1, { "L1: copy into scratch", COPYR(HELLO, "/data/rw/scratch/new"), 0 } },
			{ 1, { "L1: exec a file created in the run", EXEC("/data/rw/scratch/new"), EACCES } },
			{ 1, { "L1: connect still fine", TCP4(OP_CONNECT, 8080), 0 } },
			{ 2, { "L2: connect forbidden", TCP4(OP_CONNECT, 8080), EACCES } },
			{ 2, { "L2: any exec forbidden", EXEC("/data/exec/ok"), EACCES } },
			{ 2, { "L2: fork still fine", { .op = OP_FORK }, 0 } },
			{ 3, { "L3: fork forbidden", { .op = OP_FORK }, EPERM } },
			{ 0, { "L0: fork again", { .op = OP_FORK }, 0 } },
			{ 0, { "L0: write again", OPEN("/data/rw/f", O_WRONLY), 0 } },
		};
		for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
			int got;

			cp_bpf_set_level(bpf, lv[i].level);
			got = agent_do(&ag, &lv[i].r.req);
			CHECK(got == lv[i].r.expect, "level: %s -> %s", lv[i].r.name,
			      got ? strerror(got) : "ok");
		}
	}

	/* log-only: audit, do not deny */
	CHECK(set_flags(CP_SB_LOG_ONLY, 0) == 0, "log-only on");
	{
		static const struct row lo[] = {
			{ "log-only: read secret", OPEN("/data/secret/s.txt", O_RDONLY), 0 },
			{ "log-only: exec not in allowlist", EXEC("/data/noexec/x"), 0 },
			{ "log-only: connect by default denied", TCP4(OP_CONNECT, 6000), 0 },
		};
		run_rows("audit", lo, 3);
	}
	CHECK(set_flags(0, CP_SB_LOG_ONLY) == 0, "log-only off");
	{
		struct agent_req r = OPEN("/data/secret/s.txt", O_RDONLY);
		int got = agent_do(&ag, &r);

		CHECK(got == EACCES, "enforcing again -> %s", strerror(got));
	}

	/* the host side is untouched */
	fd = open("/data/secret/s.txt", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "unsandboxed: read secret");
	if (fd >= 0)
		close(fd);
	{
		struct agent a0 = {0};
		struct agent_req r = EXEC("/data/noexec/x");
		struct agent_req r2 = TCP4(OP_CONNECT, 6000);

		CHECK(agent_start(&a0, NULL, false, NULL, 0) == 0, "unsandboxed agent");
		CHECK(agent_do(&a0, &r) == 0, "unsandboxed: exec /data/noexec/x");
		CHECK(agent_do(&a0, &r2) == 0, "unsandboxed: connect :6000");
		agent_stop(&a0);
	}

	/* events, with reasons and objects */
	drain();
	printf("events: %u, drops: %llu\n", nev, (unsigned long long)cp_bpf_drops(bpf));
	ev = find_event(CP_HOOK_FILE_OPEN, CP_VERDICT_DENY, "/data/secret/s.txt");
	CHECK(ev && ev->rule == 3 && ev->err == -EACCES, "event: file_open deny of /data/secret/s.txt by rule 3");
	CHECK(find_event(CP_HOOK_FILE_OPEN, CP_VERDICT_AUDIT, "/data/secret/s.txt") != NULL,
	      "event: log-only audit of the secret read");
	ev = find_event(CP_HOOK_BPRM_CHECK, CP_VERDICT_DENY, "/data/noexec/x");
	CHECK(ev && ev->rule == CP_RULE_DEFAULT, "event: exec deny by the allowlist default");
	ev = find_event(CP_HOOK_BPRM_CHECK, CP_VERDICT_DENY, "/data/rw/fresh");
	CHECK(ev && ev->rule == CP_RULE_EXEC_NEW, "event: exec of a created file names the reason");
	CHECK(find_event(CP_HOOK_SOCK_CONNECT, CP_VERDICT_DENY, NULL) != NULL, "event: socket_connect deny");
	CHECK(find_event(CP_HOOK_PTRACE, CP_VERDICT_DENY, NULL) != NULL, "event: ptrace deny");
	CHECK(find_event(CP_HOOK_TASK_KILL, CP_VERDICT_DENY, NULL) != NULL, "event: task_kill deny");
	CHECK(find_event(CP_HOOK_SB_MOUNT, CP_VERDICT_DENY, NULL) != NULL, "event: sb_mount deny");
	CHECK(find_event(CP_HOOK_MPROTECT, CP_VERDICT_DENY, NULL) != NULL, "event: mprotect deny");
	CHECK(find_event(CP_HOOK_TASK_ALLOC, CP_VERDICT_DENY, NULL) != NULL, "event: task_alloc deny");
	CHECK(find_event(CP_HOOK_PATH_LINK, CP_VERDICT_DENY, NULL) != NULL, "event: path_link deny");
	ev = find_event(CP_HOOK_UNIX_CONNECT, CP_VERDICT_DENY, "bad.sock");
	CHECK(ev && ev->rule == CP_RULE_DEFAULT && ev->err == -ECONNREFUSED,
	      "event: unix connect deny names the socket and the default");

	/* teardown removes everything */
	agent_stop(&ag);
	snprintf(pins, sizeof(pins), "%s", cp_bpf_pin_dir(bpf));
	cp_bpf_close(bpf);
	bpf = NULL;
	CHECK(access(pins, F_OK) < 0, "pins removed (%s)", pins);
	for (int i = 0; i < 50 && count_cp_progs(); i++)
		usleep(100000);   /* programs are freed after an RCU grace period */
	CHECK(count_cp_progs() == 0, "no compart program left loaded");
	close(cgfd);
	close(l8080);
	close(l6000);
	cp_bpf_maps_free(&m);
	printf("lsm_test: %u passed, %u failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}
