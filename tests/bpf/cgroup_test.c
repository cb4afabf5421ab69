/* SPDX-License-Identifier: MIT */
/*
 * cgroup_test.c - host suite for the cgroup BPF layer and the probes:
 * real programs on real cgroups, a real network namespace with loopback
 * servers, real device nodes.  Table-driven: each row is an operation done
 * by an agent inside the sandbox cgroup and the errno it must get.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/bpf.h>
#include <limits.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "testutil.h"
#include "agent.h"
#include "bpf.h"

unsigned t_pass, t_fail;

static char cgroot[512], cg_a[600], cg_b[600], cg_c[600], cg_nested[700], pin_root[128], lock_path[128];
static bool mounted_bpffs;
static struct agent ag_a, ag_b, ag_n;
static struct cp_bpf *bpf_a, *bpf_b;

static void cleanup(void)
{
	agent_stop(&ag_n);
	agent_stop(&ag_a);
	agent_stop(&ag_b);
	cp_bpf_close(bpf_b);
	cp_bpf_close(bpf_a);
	bpf_a = bpf_b = NULL;
	if (cg_nested[0])
		rmdir(cg_nested);
	if (cg_a[0])
		rmdir(cg_a);
	if (cg_b[0])
		rmdir(cg_b);
	if (cg_c[0])
		rmdir(cg_c);
	rmdir(pin_root);
	unlink(lock_path);
	if (mounted_bpffs)
		umount("/sys/fs/bpf");
}

static uint64_t cg_id(const char *dir)
{
	struct stat st;

	/* a cgroup v2 id is its directory's inode number */
	return stat(dir, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static unsigned prog_count(const char *dir, enum bpf_attach_type t)
{
	__u32 ids[16], cnt = 16, flags = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 999;
	if (bpf_prog_query(fd, t, 0, &flags, ids, &cnt) < 0)
		cnt = 998;
	close(fd);
	return cnt;
}

static unsigned map_entries(int fd, size_t ksz)
{
	unsigned char k[64], nk[64];
	unsigned n = 0;
	void *cur = NULL;

	while (bpf_map_get_next_key(fd, cur, nk) == 0) {
		memcpy(k, nk, ksz);
		cur = k;
		n++;
	}
	return n;
}

/* ---- the profile under test (IR built by hand) ---------------------- */

static struct cp_net_rule mk_rule(bool allow, enum cp_net_proto proto, uint32_t dir, int fam,
				  const char *addr, int plen, int lo, int hi)
{
	struct cp_net_rule r = {0};

	r.allow = allow;
	r.proto = proto;
	r.dir = dir;
	r.family = (uint8_t)fam;
	if (fam)
		inet_pton(fam == 4 ? AF_INET : AF_INET6, addr, r.addr);
	r.prefixlen = (uint8_t)plen;
	r.port_lo = (uint16_t)lo;
	r.port_hi = (uint16_t)hi;
	r.action.kind = allow ? CP_ACT_ALLOW : CP_ACT_ERRNO;
	r.action.errno_val = allow ? 0 : EACCES;
	r.loc.file = "test.profile";
	r.loc.line = 1;
	return r;
}

static struct cp_net_rule rules_a[8];
static uint32_t fams_a[] = { AF_INET, AF_INET6, AF_UNIX };
static uint32_t fams_b[] = { AF_INET, AF_UNIX };
static struct cp_dev_rule devs_a[] = {
	{ .type = 'c', .major = 1, .minor = 3, .access = CP_DEV_READ | CP_DEV_WRITE },
	{ .type = 'c', .major = 1, .minor = 9, .access = CP_DEV_READ },
};

static void policy_a(struct cp_policy *p)
{
	memset(p, 0, sizeof(*p));
	rules_a[0] = mk_rule(true, CP_PROTO_TCP, CP_NET_CONNECT, 4, "127.0.0.1", 32, 8080, 8080);
	rules_a[1] = mk_rule(true, CP_PROTO_TCP, CP_NET_CONNECT, 6, "::1", 128, 8080, 8080);
	rules_a[2] = mk_rule(true, CP_PROTO_UDP, CP_NET_CONNECT, 4, "127.0.0.0", 8, 5353, 5353);
	rules_a[3] = mk_rule(false, CP_PROTO_TCP, CP_NET_CONNECT, 4, "127.0.0.0", 8, 8081, 8089);
	rules_a[3].action.audit = true;
	rules_a[4] = mk_rule(true, CP_PROTO_TCP, CP_NET_BIND, 4, "127.0.0.1", 32, 7000, 7010);
	rules_a[5] = mk_rule(true, CP_PROTO_TCP, CP_NET_CONNECT, 4, "127.0.0.1", 32, 9090, 9090);
	rules_a[5].action.audit = true;
	rules_a[6] = mk_rule(false, CP_PROTO_TCP, CP_NET_CONNECT, 0, NULL, 0, 9191, 9191);
	rules_a[6].action.kind = CP_ACT_LOG;
	p->net.present = true;
	p->net.default_allow = false;
	p->net.default_action.kind = CP_ACT_ERRNO;
	p->net.default_action.errno_val = EPERM;
	p->net.rules = rules_a;
	p->net.nrules = 7;
	p->net.families = fams_a;
	p->net.nfamilies = 3;
	p->dev.present = true;
	p->dev.rules = devs_a;
	p->dev.nrules = 2;
	p->proc.signal_outside = true;
	p->proc.allow_mount = true;
	p->proc.allow_ptrace = true;
}

/* ---- rows ------------------------------------------------------------- */

struct row {
	const char *name;
	struct agent_req req;
	int expect;
};

#define TCP4(op_, a, p) { .op = op_, .family = 4, .type = SOCK_STREAM, .addr = a, .port = p }
#define TCP6(op_, a, p) { .op = op_, .family = 6, .type = SOCK_STREAM, .addr = a, .port = p }
#define UDP4(op_, a, p) { .op = op_, .family = 4, .type = SOCK_DGRAM, .addr = a, .port = p }
#define UDP6(op_, a, p) { .op = op_, .family = 6, .type = SOCK_DGRAM, .addr = a, .port = p }

static const struct row net_rows[] = {
	{ "connect tcp 127.0.0.1:8080 (allow rule)", TCP4(OP_CONNECT, "127.0.0.1", 8080), 0 },
	{ "connect tcp [::1]:8080 (allow rule)", TCP6(OP_CONNECT, "::1", 8080), 0 },
	{ "connect tcp v4-mapped :8080 on a v6 socket", TCP6(OP_CONNECT, "::ffff:127.0.0.1", 8080), 0 },
	{ "connect tcp 127.0.0.1:6000 (default deny)", TCP4(OP_CONNECT, "127.0.0.1", 6000), EPERM },
	{ "connect tcp [::1]:6000 (default deny)", TCP6(OP_CONNECT, "::1", 6000), EPERM },
	{ "connect tcp v4-mapped :6000 (v4 rules apply)", TCP6(OP_CONNECT, "::ffff:127.0.0.1", 6000), EPERM },
	{ "connect tcp 127.0.0.1:8081 (deny rule)", TCP4(OP_CONNECT, "127.0.0.1", 8081), EPERM },
	{ "connect tcp 127.0.0.1:9090 (allow+audit rule)", TCP4(OP_CONNECT, "127.0.0.1", 9090), 0 },
	{ "connect tcp 127.0.0.1:9191 (log-only deny rule)", TCP4(OP_CONNECT, "127.0.0.1", 9191), 0 },
	{ "connect udp 127.0.0.1:5353 (allow /8 rule)", UDP4(OP_CONNECT, "127.0.0.1", 5353), 0 },
	{ "connect udp 127.0.0.2:5353 (inside /8)", UDP4(OP_CONNECT, "127.0.0.2", 5353), 0 },
	{ "connect udp 127.0.0.1:8080 (tcp-only rule)", UDP4(OP_CONNECT, "127.0.0.1", 8080), EPERM },
	{ "sendto udp 127.0.0.1:5353", UDP4(OP_SENDTO, "127.0.0.1", 5353), 0 },
	{ "sendto udp 127.0.0.1:5354 (default deny)", UDP4(OP_SENDTO, "127.0.0.1", 5354), EPERM },
	{ "sendto udp [::1]:5353 (no v6 rule)", UDP6(OP_SENDTO, "::1", 5353), EPERM },
	{ "bind tcp 127.0.0.1:7001 (bind rule)", TCP4(OP_BIND, "127.0.0.1", 7001), 0 },
	{ "bind tcp 127.0.0.1:7100 (outside range)", TCP4(OP_BIND, "127.0.0.1", 7100), EPERM },
	{ "bind tcp [::1]:7001 (no v6 bind rule)", TCP6(OP_BIND, "::1", 7001), EPERM },
	{ "socket AF_UNIX (family allowed)", { .op = OP_SOCKET, .family = AF_UNIX, .type = SOCK_STREAM }, 0 },
	{ "socket AF_INET6 (family allowed)", { .op = OP_SOCKET, .family = AF_INET6, .type = SOCK_DGRAM }, 0 },
	{ "child: connect tcp 127.0.0.1:6000", { .op = OP_CONNECT, .family = 4, .type = SOCK_STREAM, .addr = "127.0.0.1", .port = 6000, .in_child = 1 }, EPERM },
	{ "child: connect tcp 127.0.0.1:8080", { .op = OP_CONNECT, .family = 4, .type = SOCK_STREAM, .addr = "127.0.0.1", .port = 8080, .in_child = 1 }, 0 },
};

static const struct row dev_rows[] = {
	{ "open /dev/null rw (c 1:3 rw)", { .op = OP_OPEN, .path = "/dev/null", .flags = O_RDWR }, 0 },
	{ "open /dev/urandom r (c 1:9 r)", { .op = OP_OPEN, .path = "/dev/urandom", .flags = O_RDONLY }, 0 },
	{ "open /dev/urandom w (read only)", { .op = OP_OPEN, .path = "/dev/urandom", .flags = O_WRONLY }, EPERM },
	{ "open /dev/zero r (no rule)", { .op = OP_OPEN, .path = "/dev/zero", .flags = O_RDONLY }, EPERM },
	{ "child: open /dev/zero r", { .op = OP_OPEN, .path = "/dev/zero", .flags = O_RDONLY, .in_child = 1 }, EPERM },
	{ "mknod c 1:3 (no mknod access)", { .op = OP_MKNOD, .path = "/tmp/cp-test-null", .dev = 0 }, EPERM },
};

static void run_rows(struct agent *a, const char *tag, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct agent_req r = rows[i].req;
		int got;

		if (r.op == OP_MKNOD)
			r.dev = (uint32_t)makedev(1, 3);
		got = agent_do(a, &r);
		CHECK(got == rows[i].expect, "%s: %s -> %s (want %s)", tag, rows[i].name,
		      got ? strerror(got) : "ok", rows[i].expect ? strerror(rows[i].expect) : "ok");
	}
}

/* ---- events ------------------------------------------------------------ */

#define MAX_EV 256
static struct cp_event evs[MAX_EV];
static unsigned nev;

static void collect(const struct cp_event *e, void *ctx)
{
	(void)ctx;
	if (nev < MAX_EV)
		evs[nev++] = *e;
}

static bool have_event(uint32_t sbid, unsigned hook, unsigned verdict, uint16_t port, uint32_t rule)
{
	for (unsigned i = 0; i < nev; i++)
		if (evs[i].sandbox_id == sbid && evs[i].hook == hook && evs[i].verdict == verdict &&
		    evs[i].port == port && evs[i].rule == rule)
			return true;
	return false;
}

/* ---- probes -------------------------------------------------------------- */

static void test_probe_lsm(void)
{
	char why[512];
	int r = cp_bpf_probe_lsm(why, sizeof(why));
	int btf = libbpf_find_vmlinux_btf_id("file_open", BPF_LSM_MAC);
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_LSM_MAC);
	int fd;

	printf("probe: bpf-lsm %s (%s)\n", r == 1 ? "yes" : "no", why);
	CHECK(r == 0 || r == 1, "cp_bpf_probe_lsm returns a verdict (%d)", r);
	CHECK(why[0] != 0, "cp_bpf_probe_lsm explains itself");
	/* independent check: can an LSM program load at all? */
	po.attach_btf_id = btf > 0 ? (uint32_t)btf : 0;
	fd = btf > 0 ? bpf_prog_load(BPF_PROG_TYPE_LSM, "t", "GPL", insns, 2, &po) : -1;
	if (fd >= 0)
		close(fd);
	else
		CHECK(r == 0, "an LSM program does not load here (%s), so the probe must say no",
		      strerror(errno));
	if (r == 0 && fd < 0)
		CHECK(strstr(why, "not an active LSM") || strstr(why, strerror(EPERM)) ||
		      strstr(why, "fails"), "the reason names the failure: %s", why);
}

int main(void)
{
	struct cp_bpf_opts o = {0};
	struct cp_policy pa, pb;
	struct cp_bpf_maps ma, mb;
	struct cp_diag d;
	char why[512];
	struct statfs sf;
	int cg_fd_a = -1, cg_fd_b = -1, rc, sbfd, netfd;
	uint32_t ida, idb;
	static const struct agent_listener ls[] = {
		{ 4, SOCK_STREAM, "127.0.0.1", 8080 }, { 6, SOCK_STREAM, "::1", 8080 },
		{ 4, SOCK_STREAM, "127.0.0.1", 8081 }, { 4, SOCK_STREAM, "127.0.0.1", 9090 },
		{ 4, SOCK_STREAM, "127.0.0.1", 9191 }, { 4, SOCK_STREAM, "127.0.0.1", 6000 },
		{ 6, SOCK_STREAM, "::1", 6000 }, { 4, SOCK_DGRAM, "127.0.0.1", 5353 },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0)
		SKIP_ALL("needs root (BPF programs, cgroups, network namespaces)");
	test_probe_lsm();

	rc = cp_bpf_probe_cgroup(why, sizeof(why));
	printf("probe: cgroup-bpf %s (%s)\n", rc == 1 ? "yes" : "no", why);
	if (rc != 1)
		SKIP_ALL("cgroup BPF unusable here: %s", why);
	if (cp_bpf_cgroup2_root(cgroot, sizeof(cgroot)) < 0)
		SKIP_ALL("no cgroup v2 hierarchy");

	atexit(cleanup);
	if (statfs("/sys/fs/bpf", &sf) < 0 || sf.f_type != 0xcafe4a11)
		mounted_bpffs = true;   /* cp_bpf_open mounts it; we unmount it */
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/compart-test-%d", (int)getpid());
	snprintf(lock_path, sizeof(lock_path), "/run/compart/test-%d.lock", (int)getpid());
	o.pin_root = pin_root;
	o.lock_path = lock_path;
	snprintf(cg_a, sizeof(cg_a), "%s/compart-test-a-%d", cgroot, (int)getpid());
	snprintf(cg_b, sizeof(cg_b), "%s/compart-test-b-%d", cgroot, (int)getpid());
	if (mkdir(cg_a, 0755) < 0 || mkdir(cg_b, 0755) < 0) {
		CHECK(0, "creating test cgroups under %s: %s", cgroot, strerror(errno));
		return 1;
	}
	cg_fd_a = open(cg_a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg_fd_b = open(cg_b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* compile */
	policy_a(&pa);
	cp_diag_init(&d, stderr);
	rc = cp_bpf_maps_build(&pa, &d, &ma);
	cp_diag_fini(&d);
	CHECK(rc == 0, "bpf_maps: profile A compiles (%d)", rc);
	if (rc)
		return 1;
	ma.forbid_at[1] = CP_FORBID_CONNECT;
	ma.forbid_at[2] = CP_FORBID_CONNECT | CP_FORBID_BIND;
	ma.forbid_at[3] = ma.forbid_at[2];

	/* first load */
	rc = cp_bpf_open(&o, &bpf_a, why, sizeof(why));
	CHECK(rc == 0, "first cp_bpf_open loads the programs (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	CHECK(!cp_bpf_reused(bpf_a), "the first open verified and pinned (not reused)");
	CHECK(!cp_bpf_lsm_active(bpf_a) || cp_bpf_probe_lsm(why, sizeof(why)) == 1,
	      "LSM programs are reported active only when the probe agrees");
	rc = cp_bpf_sandbox_add(bpf_a, cg_fd_a, cg_id(cg_a), (uint32_t)getpid(), &ma, 0, why, sizeof(why));
	CHECK(rc == 0, "sandbox A attached (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	ida = cp_bpf_sandbox_id(bpf_a);
	{
		static const char *const mine[] = {
			"cp_cg_connect4", "cp_cg_connect6", "cp_cg_sendmsg4", "cp_cg_sendmsg6",
			"cp_cg_bind4", "cp_cg_bind6", "cp_cg_sock_create", "cp_cg_dev",
		};
		bool all = true;

		for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
			all &= cp_bpf_prog_attached(bpf_a, mine[i]);
		CHECK(all && cp_bpf_cgroup_links(bpf_a) >= 8,
		      "the 8 cgroup programs are attached to A (%u links)", cp_bpf_cgroup_links(bpf_a));
	}
	/* host-wide observers cost every process: only an adaptive sandbox
	 * attaches them */
	CHECK(!cp_bpf_prog_attached(bpf_a, "cp_adapt_fork") && !cp_bpf_prog_attached(bpf_a, "cp_adapt_dirty"),
	      "no host-wide observer attached for a sandbox that is not adaptive");
	CHECK(prog_count(cg_a, BPF_CGROUP_INET4_CONNECT) >= 1 &&
	      prog_count(cg_a, BPF_CGROUP_DEVICE) >= 1 && prog_count(cg_a, BPF_CGROUP_INET6_BIND) >= 1,
	      "the kernel lists connect4, bind6 and device programs on A's cgroup");

	rc = agent_start(&ag_a, cg_a, true, ls, (int)(sizeof(ls) / sizeof(ls[0])));
	CHECK(rc == 0, "agent A in its netns and cgroup (%s)", rc ? strerror(-rc) : "ok");
	if (rc)
		return 1;
	run_rows(&ag_a, "A", net_rows, sizeof(net_rows) / sizeof(net_rows[0]));
	run_rows(&ag_a, "A", dev_rows, sizeof(dev_rows) / sizeof(dev_rows[0]));

	/* a cgroup nested in the sandbox's is still the sandbox */
	snprintf(cg_nested, sizeof(cg_nested), "%s/nested", cg_a);
	CHECK(mkdir(cg_nested, 0755) == 0, "nested cgroup under A");
	rc = agent_start(&ag_n, cg_nested, true, ls, (int)(sizeof(ls) / sizeof(ls[0])));
	CHECK(rc == 0, "agent in A's nested cgroup (%s)", rc ? strerror(-rc) : "ok");
	if (!rc) {
		static const struct row nrows[] = {
			{ "connect tcp 127.0.0.1:8080 (A's allow rule)", TCP4(OP_CONNECT, "127.0.0.1", 8080), 0 },
			{ "connect tcp 127.0.0.1:6000 (A's default)", TCP4(OP_CONNECT, "127.0.0.1", 6000), EPERM },
			{ "open /dev/zero (A's device rules)", { .op = OP_OPEN, .path = "/dev/zero", .flags = O_RDONLY }, EPERM },
			{ "open /dev/null (A's device rules)", { .op = OP_OPEN, .path = "/dev/null", .flags = O_RDWR }, 0 },
		};
		run_rows(&ag_n, "A/nested", nrows, sizeof(nrows) / sizeof(nrows[0]));
	}
	agent_stop(&ag_n);
	rmdir(cg_nested);
	cg_nested[0] = 0;

	/* containment levels, set by hand as the model would */
	{
		static const struct { uint32_t level; struct agent_req req; int expect; const char *what; } lv[] = {
			{ 1, TCP4(OP_CONNECT, "127.0.0.1", 8080), EPERM, "level 1 forbids connect" },
			{ 1, TCP4(OP_BIND, "127.0.0.1", 7001), 0, "level 1 still allows bind" },
			{ 1, UDP4(OP_SENDTO, "127.0.0.1", 5353), EPERM, "level 1 forbids sendto" },
			{ 2, TCP4(OP_BIND, "127.0.0.1", 7001), EPERM, "level 2 forbids bind" },
			{ 0, TCP4(OP_CONNECT, "127.0.0.1", 8080), 0, "back at level 0 connect works" },
		};
		for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
			int got;

			CHECK(cp_bpf_set_level(bpf_a, lv[i].level) == 0, "set level %u", lv[i].level);
			got = agent_do(&ag_a, &lv[i].req);
			CHECK(got == lv[i].expect, "%s -> %s", lv[i].what, got ? strerror(got) : "ok");
		}
	}

	/* whole-sandbox log-only mode */
	sbfd = cp_bpf_map_fd(bpf_a, "cp_sandboxes");
	{
		struct cp_sandbox sb;
		uint64_t key = cg_id(cg_a);
		struct agent_req r = TCP4(OP_CONNECT, "127.0.0.1", 6000);
		int got;

		bpf_map_lookup_elem(sbfd, &key, &sb);
		sb.flags |= CP_SB_LOG_ONLY;
		bpf_map_update_elem(sbfd, &key, &sb, BPF_EXIST);
		got = agent_do(&ag_a, &r);
		CHECK(got == 0, "log-only sandbox: default-denied connect proceeds (%s)",
		      got ? strerror(got) : "ok");
		sb.flags &= ~CP_SB_LOG_ONLY;
		bpf_map_update_elem(sbfd, &key, &sb, BPF_EXIST);
		got = agent_do(&ag_a, &r);
		CHECK(got == EPERM, "log-only off again: denied (%s)", got ? strerror(got) : "ok");
	}

	/* events */
	nev = 0;
	while (cp_bpf_poll(bpf_a, 0, collect, NULL) > 0)
		;
	printf("events from A: %u\n", nev);
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_DENY, 6000, CP_RULE_DEFAULT),
	      "event: connect4 :6000 denied by the default");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_DENY, 8081, 3),
	      "event: connect4 :8081 denied by rule 3");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT6, CP_VERDICT_DENY, 6000, CP_RULE_DEFAULT),
	      "event: connect6 [::1]:6000 denied");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_ALLOW, 9090, 5),
	      "event: connect4 :9090 allowed and audited by rule 5");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_AUDIT, 9191, 6),
	      "event: connect4 :9191 would-deny audited by the log-only rule 6");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_AUDIT, 6000, CP_RULE_DEFAULT),
	      "event: log-only sandbox audits the default denial");
	CHECK(have_event(ida, CP_HOOK_CG_CONNECT4, CP_VERDICT_DENY, 8080, CP_RULE_LEVEL),
	      "event: level 1 denial names the containment level");
	CHECK(have_event(ida, CP_HOOK_CG_DEVICE, CP_VERDICT_DENY, 0, CP_RULE_DEFAULT),
	      "event: device denial");
	{
		bool foreign = false;

		for (unsigned i = 0; i < nev; i++)
			foreign |= evs[i].sandbox_id != ida;
		CHECK(!foreign, "A's ring buffer carries only A's events");
	}
	{
		struct json_object *j = cp_bpf_event_json(&evs[0]);
		const char *s = j ? json_object_to_json_string(j) : "";

		CHECK(j && strstr(s, "\"hook\"") && strstr(s, "\"verdict\"") && strstr(s, "\"comm\""),
		      "event JSON: %s", s);
		json_object_put(j);
	}

	/* ring buffer overflow is counted, not silent */
	{
		struct agent_req r = TCP4(OP_CONNECT, "127.0.0.1", 6000);
		uint64_t before = cp_bpf_drops(bpf_a);

		for (int i = 0; i < 3000; i++)
			agent_do(&ag_a, &r);
		CHECK(cp_bpf_drops(bpf_a) > before, "a full ring buffer counts drops (%llu)",
		      (unsigned long long)cp_bpf_drops(bpf_a));
		while (cp_bpf_poll(bpf_a, 0, NULL, NULL) > 0)
			;
	}

	/* an unsandboxed process on the same host is untouched */
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sin);
		int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, ok;

		ok = l >= 0 && bind(l, (void *)&sin, sizeof(sin)) == 0 && listen(l, 1) == 0 &&
		     getsockname(l, (void *)&sin, &sl) == 0;
		if (ok) {
			c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			ok = c >= 0 && connect(c, (void *)&sin, sizeof(sin)) == 0;
		}
		CHECK(ok, "unsandboxed: loopback bind+connect works");
		if (l >= 0)
			close(l);
		if (c >= 0)
			close(c);
		l = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		CHECK(l >= 0, "unsandboxed: /dev/zero opens");
		if (l >= 0)
			close(l);
		l = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		CHECK(l >= 0, "unsandboxed: AF_PACKET socket works");
		if (l >= 0)
			close(l);
	}

	/* a second launch reuses the pinned programs: no verifier */
	memset(&pb, 0, sizeof(pb));
	pb.net.present = true;
	pb.net.default_allow = true;
	pb.net.families = fams_b;
	pb.net.nfamilies = 2;
	cp_diag_init(&d, stderr);
	rc = cp_bpf_maps_build(&pb, &d, &mb);
	cp_diag_fini(&d);
	CHECK(rc == 0, "bpf_maps: profile B compiles");
	rc = cp_bpf_open(&o, &bpf_b, why, sizeof(why));
	CHECK(rc == 0 && cp_bpf_reused(bpf_b), "second cp_bpf_open reuses the pins (%s)",
	      rc ? why : "ok");
	if (rc)
		return 1;
	rc = cp_bpf_sandbox_add(bpf_b, cg_fd_b, cg_id(cg_b), (uint32_t)getpid(), &mb, 0, why, sizeof(why));
	CHECK(rc == 0, "sandbox B attached (%s)", rc ? why : "ok");
	idb = cp_bpf_sandbox_id(bpf_b);
	CHECK(idb != ida, "sandboxes get distinct ids (%u, %u)", ida, idb);
	rc = agent_start(&ag_b, cg_b, true, ls, (int)(sizeof(ls) / sizeof(ls[0])));
	CHECK(rc == 0, "agent B started");
	{
		static const struct row brows[] = {
			{ "connect tcp 127.0.0.1:6000 (default allow)", TCP4(OP_CONNECT, "127.0.0.1", 6000), 0 },
			{ "socket AF_INET (in B's family list)", { .op = OP_SOCKET, .family = AF_INET, .type = SOCK_STREAM }, 0 },
			{ "socket AF_INET6 (not in B's family list)", { .op = OP_SOCKET, .family = AF_INET6, .type = SOCK_STREAM }, EPERM },
			{ "open /dev/zero (no device rules)", { .op = OP_OPEN, .path = "/dev/zero", .flags = O_RDONLY }, 0 },
		};
		run_rows(&ag_b, "B", brows, sizeof(brows) / sizeof(brows[0]));
	}
	{
		struct agent_req r = TCP4(OP_CONNECT, "127.0.0.1", 6000);
		int got = agent_do(&ag_a, &r);

		CHECK(got == EPERM, "A is still confined while B runs (%s)", got ? strerror(got) : "ok");
	}

	/* teardown: B first, A's state stays; then A, everything goes */
	sbfd = dup(cp_bpf_map_fd(bpf_a, "cp_sandboxes"));
	netfd = dup(cp_bpf_map_fd(bpf_a, "cp_net_rules"));
	agent_stop(&ag_b);
	cp_bpf_close(bpf_b);   /* B's denial events were never read */
	bpf_b = NULL;

	/* the next sandbox with B's id reuses its ring buffer: B's unread
	 * events must not reach it */
	rc = cp_bpf_open(&o, &bpf_b, why, sizeof(why));
	if (!rc)
		rc = cp_bpf_sandbox_add(bpf_b, cg_fd_b, cg_id(cg_b), (uint32_t)getpid(), &mb, 0,
					why, sizeof(why));
	CHECK(rc == 0 && cp_bpf_sandbox_id(bpf_b) == idb, "a new sandbox takes the freed id %u (%s)",
	      idb, rc ? why : "ok");
	nev = 0;
	while (bpf_b && cp_bpf_poll(bpf_b, 0, collect, NULL) > 0)
		;
	CHECK(nev == 0, "it inherits none of the previous sandbox's events (%u)", nev);
	cp_bpf_close(bpf_b);
	bpf_b = NULL;

	/* A sandbox whose init has exited is collected as stale by the next
	 * launch, which may take its id, while its own supervisor is still
	 * tearing down: that late teardown must not clear the new owner's
	 * entries. */
	{
		struct cp_bpf *bx = NULL, *by = NULL;
		struct cp_sb_policy before, after;
		uint64_t cgc;
		uint32_t idx = 0;
		pid_t dead = fork();
		int fdc;

		if (dead == 0)
			_exit(0);
		waitpid(dead, NULL, 0);
		snprintf(cg_c, sizeof(cg_c), "%s/compart-test-c-%d", cgroot, (int)getpid());
		fdc = mkdir(cg_c, 0755) == 0 ? open(cg_c, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		cgc = fdc >= 0 ? cg_id(cg_c) : 0;
		rc = fdc < 0 ? -errno : cp_bpf_open(&o, &bx, why, sizeof(why));
		if (!rc)
			rc = cp_bpf_sandbox_add(bx, cg_fd_b, cg_id(cg_b), (uint32_t)dead, &mb, 0, why, sizeof(why));
		if (!rc) {
			idx = cp_bpf_sandbox_id(bx);
			rc = cp_bpf_open(&o, &by, why, sizeof(why));
		}
		if (!rc)
			rc = cp_bpf_sandbox_add(by, fdc, cgc, (uint32_t)getpid(), &ma, 0, why, sizeof(why));
		CHECK(rc == 0 && cp_bpf_sandbox_id(by) == idx,
		      "a sandbox whose init exited is collected, its id %u taken by the next (%s)", idx,
		      rc ? why : "ok");
		memset(&before, 0, sizeof(before));
		memset(&after, 0xff, sizeof(after));
		if (by) {
			bpf_map_lookup_elem(cp_bpf_map_fd(by, "cp_policy"), &idx, &before);
			cp_bpf_close(bx);     /* the collected sandbox's late teardown */
			bx = NULL;
			bpf_map_lookup_elem(cp_bpf_map_fd(by, "cp_policy"), &idx, &after);
		}
		CHECK(by && memcmp(&before, &after, sizeof(before)) == 0 &&
		      bpf_map_lookup_elem(sbfd, &cgc, &(struct cp_sandbox){ 0 }) == 0,
		      "its late teardown leaves the new owner's policy and registration alone");
		cp_bpf_close(bx);
		cp_bpf_close(by);
		if (fdc >= 0)
			close(fdc);
		rmdir(cg_c);
		cg_c[0] = '\0';
	}
	CHECK(map_entries(sbfd, sizeof(uint64_t)) == 1, "after B's teardown one sandbox remains");
	CHECK(prog_count(cg_b, BPF_CGROUP_INET4_CONNECT) == 0, "B's cgroup has no programs left");
	CHECK(access(cp_bpf_pin_dir(bpf_a), F_OK) == 0, "pins survive while A runs");
	agent_stop(&ag_a);
	{
		char pins[PATH_MAX];

		snprintf(pins, sizeof(pins), "%s", cp_bpf_pin_dir(bpf_a));
		cp_bpf_close(bpf_a);
		bpf_a = NULL;
		CHECK(access(pins, F_OK) < 0 && errno == ENOENT, "last teardown removes the pins (%s)", pins);
	}
	CHECK(map_entries(sbfd, sizeof(uint64_t)) == 0, "no sandbox entries leaked");
	CHECK(rmdir(pin_root) < 0 && errno == ENOENT, "the pin root itself is gone");
	CHECK(map_entries(netfd, sizeof(struct cp_net_key)) == 0, "no network rule entries leaked");
	CHECK(prog_count(cg_a, BPF_CGROUP_INET4_CONNECT) == 0 &&
	      prog_count(cg_a, BPF_CGROUP_DEVICE) == 0, "A's cgroup has no programs left");
	close(sbfd);
	close(netfd);
	close(cg_fd_a);
	close(cg_fd_b);
	cp_bpf_maps_free(&ma);
	cp_bpf_maps_free(&mb);

	printf("%u passed, %u failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}
