/* SPDX-License-Identifier: MIT */
/*
 * bpf_maps_test.c - unit tests of the BPF map backend (IR -> map
 * contents), no kernel needed.  Table-driven where the shape allows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bpf_maps.h"

static struct cp_net_rule net(bool allow, enum cp_net_proto proto, int fam, const char *a, int plen,
			      int lo, int hi)
{
	struct cp_net_rule r = { .allow = allow, .proto = proto, .dir = CP_NET_CONNECT,
				 .family = (uint8_t)fam, .prefixlen = (uint8_t)plen,
				 .port_lo = (uint16_t)lo, .port_hi = (uint16_t)hi };

	if (fam)
		inet_pton(fam == 4 ? AF_INET : AF_INET6, a, r.addr);
	r.action.kind = allow ? CP_ACT_ALLOW : CP_ACT_ERRNO;
	r.action.errno_val = allow ? 0 : ECONNREFUSED;
	r.loc.file = "t.profile";
	r.loc.line = 7;
	r.loc.col = 3;
	return r;
}

static const struct cp_bpf_net_entry *find(const struct cp_bpf_maps *m, int fam, const char *a, int plen)
{
	uint8_t addr[16] = {0};

	inet_pton(fam == 4 ? AF_INET : AF_INET6, a, addr);
	for (size_t i = 0; i < m->nnet; i++)
		if (m->net[i].key.family == fam &&
		    m->net[i].key.prefixlen == (uint32_t)(CP_NET_KEY_FIXED_BITS + plen) &&
		    !memcmp(m->net[i].key.addr, addr, 16))
			return &m->net[i];
	return NULL;
}

static int build(struct cp_policy *p, struct cp_bpf_maps *m, char **msg)
{
	struct cp_diag d;
	int rc;

	cp_diag_init(&d, NULL);
	rc = cp_bpf_maps_build(p, &d, m);
	if (msg)
		*msg = d.buf ? strdup(d.buf) : NULL;
	cp_diag_fini(&d);
	return rc;
}

/* Longest match must carry every rule that can apply, most specific
 * first. */
static void test_net_prefix_merge(void **state)
{
	struct cp_net_rule r[] = {
		net(false, CP_PROTO_TCP, 4, "10.0.0.0", 8, 0, 65535),
		net(true, CP_PROTO_TCP, 4, "10.1.0.0", 16, 443, 443),
		net(true, CP_PROTO_UDP, 0, NULL, 0, 53, 53),
		net(true, CP_PROTO_TCP, 4, "10.1.2.3", 8, 80, 80),   /* host bits set: masked */
	};
	struct cp_policy p = { .net = { .present = true, .rules = r, .nrules = 4 } };
	struct cp_bpf_maps m;
	const struct cp_bpf_net_entry *e8, *e16, *v4any, *v6any;
	static const struct { int fam; const char *a; int plen; uint32_t rules[4]; uint32_t n; } want[] = {
		{ 4, "10.0.0.0", 8, { 0, 3, 2 }, 3 },
		{ 4, "10.1.0.0", 16, { 1, 0, 3, 2 }, 4 },
		{ 4, "0.0.0.0", 0, { 2 }, 1 },
		{ 6, "::", 0, { 2 }, 1 },
	};

	(void)state;
	assert_int_equal(build(&p, &m, NULL), 0);
	assert_int_equal(m.nnet, 4);   /* /8 (twice, merged), /16, v4 any, v6 any */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct cp_bpf_net_entry *e = find(&m, want[i].fam, want[i].a, want[i].plen);

		assert_non_null(e);
		assert_int_equal(e->val.n, want[i].n);
		for (uint32_t j = 0; j < want[i].n; j++)
			assert_int_equal(e->val.e[j].rule, want[i].rules[j]);
	}
	e8 = find(&m, 4, "10.0.0.0", 8);
	e16 = find(&m, 4, "10.1.0.0", 16);
	v4any = find(&m, 4, "0.0.0.0", 0);
	v6any = find(&m, 6, "::", 0);
	assert_non_null(e8);
	assert_non_null(e16);
	assert_non_null(v4any);
	assert_non_null(v6any);
	assert_int_equal(e8->val.e[0].allow, 0);
	assert_int_equal(e8->val.e[0].errno_val, ECONNREFUSED);
	assert_int_equal(e16->val.e[0].port_lo, 443);
	assert_int_equal(e16->val.e[0].proto, CP_NET_PROTO_TCP);
	assert_int_equal(v4any->val.e[0].proto, CP_NET_PROTO_UDP);
	assert_true(m.sb_flags & CP_SB_NET_RULES);
	assert_false(m.sb_flags & CP_SB_NET_DEFAULT_ALLOW);
	/* inferred families: local IPC plus what the rules name */
	assert_int_equal(m.policy.af_allow, (1ull << AF_UNIX) | (1ull << AF_INET) | (1ull << AF_INET6));
	cp_bpf_maps_free(&m);
}

static void test_net_too_many(void **state)
{
	struct cp_net_rule r[CP_NET_ENTS + 1];
	struct cp_policy p = { .net = { .present = true, .rules = r, .nrules = CP_NET_ENTS + 1 } };
	struct cp_bpf_maps m;
	char *msg = NULL;

	(void)state;
	for (int i = 0; i <= CP_NET_ENTS; i++)
		r[i] = net(true, CP_PROTO_TCP, 4, "192.168.0.0", 16, 1000 + i, 1000 + i);
	assert_int_equal(build(&p, &m, &msg), -EINVAL);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "t.profile:7:3: error:"));
	assert_non_null(strstr(msg, "more than 16 network rules"));
	free(msg);
	assert_null(m.net);            /* nothing half-built is handed out */
}

static void test_net_log_audit_unix(void **state)
{
	struct cp_net_rule r[] = {
		net(false, CP_PROTO_TCP, 6, "fd00::", 8, 0, 65535),
		net(true, CP_PROTO_UNIX, 0, NULL, 0, 0, 0),
		net(false, CP_PROTO_UNIX, 0, NULL, 0, 0, 0),
	};
	uint32_t fams[] = { AF_INET6, AF_NETLINK };
	struct cp_policy p = { .net = { .present = true, .default_allow = true, .rules = r,
					.nrules = 2, .families = fams, .nfamilies = 2 } };
	struct cp_bpf_maps m;

	(void)state;
	r[0].action.kind = CP_ACT_LOG;
	r[1].unix_path = "/run/x.sock";
	r[2].unix_path = "@bus";
	p.net.nrules = 3;
	p.net.default_action.audit = true;
	assert_int_equal(build(&p, &m, NULL), 0);
	assert_int_equal(m.nnet, 1);
	assert_int_equal(m.net[0].val.e[0].flags, CP_RF_AUDIT | CP_RF_LOG_ONLY);
	assert_true(m.gaps & CP_BPF_GAP_UNIX_PATHS);
	assert_true(m.sb_flags & CP_SB_UNIX_RULES);
	assert_int_equal(m.nunix, 2);
	assert_string_equal(m.unix_rules[0].path, "/run/x.sock");
	assert_false(m.unix_rules[0].abstract);
	assert_int_equal(m.unix_rules[0].val.allow, 1);
	assert_int_equal(m.unix_rules[0].val.rule, 1);
	assert_string_equal(m.unix_rules[1].path, "bus");
	assert_true(m.unix_rules[1].abstract);
	assert_int_equal(m.unix_rules[1].val.allow, 0);
	assert_int_equal(m.unix_rules[1].val.errno_val, ECONNREFUSED);
	assert_true(m.sb_flags & CP_SB_NET_DEFAULT_ALLOW);
	assert_int_equal(m.policy.net_flags, CP_RF_AUDIT);
	assert_int_equal(m.policy.af_allow, (1ull << AF_INET6) | (1ull << AF_NETLINK));
	cp_bpf_maps_free(&m);
}

struct fs_case {
	uint32_t access;
	uint16_t allow, deny;
};

static void test_fs_access_table(void **state)
{
	static const struct fs_case cases[] = {
		{ CP_FS_READ, CP_ACC_READ, 0 },
		{ CP_FS_READ | CP_FS_WRITE, CP_ACC_READ | CP_ACC_WRITE, 0 },
		{ CP_FS_READ | CP_FS_EXEC, CP_ACC_READ | CP_ACC_EXEC, 0 },
		{ CP_FS_TMPFS, CP_ACC_READ | CP_ACC_WRITE, 0 },
		{ CP_FS_DENY, 0, CP_ACC_READ | CP_ACC_WRITE | CP_ACC_EXEC },
	};
	struct cp_fs_rule r[5];
	char *scratch[] = { "/tmp/scratch" };
	struct cp_policy p = { .fs = { .present = true, .rules = r, .nrules = 5 } };
	struct cp_bpf_maps m;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		r[i] = (struct cp_fs_rule){ .path = "/x", .access = cases[i].access, .audit = i == 4 };
	p.adapt.present = true;
	p.adapt.scratch = scratch;
	p.adapt.nscratch = 1;
	assert_int_equal(build(&p, &m, NULL), 0);
	assert_int_equal(m.nfs, 6);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(m.fs[i].self_allow, cases[i].allow);
		assert_int_equal(m.fs[i].sub_allow, cases[i].allow);
		assert_int_equal(m.fs[i].self_deny, cases[i].deny);
		assert_int_equal(m.fs[i].sub_deny, cases[i].deny);
		assert_int_equal(m.fs[i].rule, i);
	}
	assert_int_equal(m.fs[4].flags_self, CP_RF_AUDIT);
	assert_int_equal(m.fs[5].self_allow, CP_ACC_SCRATCH);
	assert_true(m.fs[5].optional);
	assert_true(m.sb_flags & CP_SB_FS_RULES);
	assert_true(m.want_lsm);
	cp_bpf_maps_free(&m);
}

static void test_exec_process_adapt(void **state)
{
	struct cp_exec_rule er[] = { { .path = "/usr/bin", .allow = true }, { .path = "/usr/bin/nc", .allow = false, .audit = true } };
	struct cp_policy p = { .exec = { .present = true, .rules = er, .nrules = 2, .deny_created = true, .wx = true } };
	struct cp_bpf_maps m;

	(void)state;
	p.proc.allow_ptrace = true;
	p.adapt.present = true;
	p.adapt.levels[0] = (struct cp_adapt_level){ .level = 3, .forbid = CP_FORBID_FORK };
	p.adapt.levels[1] = (struct cp_adapt_level){ .level = 1, .forbid = CP_FORBID_CONNECT };
	p.adapt.nlevels = 2;
	assert_int_equal(build(&p, &m, NULL), 0);
	assert_int_equal(m.nexec, 2);
	assert_int_equal(m.exec[0].self_allow, CP_ACC_EXEC);
	assert_int_equal(m.exec[1].self_deny, CP_ACC_EXEC);
	assert_int_equal(m.exec[1].flags_self, CP_RF_AUDIT);
	assert_int_equal(m.sb_flags & (CP_SB_EXEC_RULES | CP_SB_DENY_EXEC_NEW | CP_SB_WX | CP_SB_ADAPT),
			 CP_SB_EXEC_RULES | CP_SB_DENY_EXEC_NEW | CP_SB_WX | CP_SB_ADAPT);
	assert_false(m.sb_flags & CP_SB_NO_PTRACE);
	assert_true(m.sb_flags & CP_SB_NO_SIGNAL_OUT);
	assert_true(m.sb_flags & CP_SB_NO_MOUNT);
	/* levels are cumulative */
	assert_int_equal(m.forbid_at[0], 0);
	assert_int_equal(m.forbid_at[1], CP_FORBID_CONNECT);
	assert_int_equal(m.forbid_at[2], CP_FORBID_CONNECT);
	assert_int_equal(m.forbid_at[3], CP_FORBID_CONNECT | CP_FORBID_FORK);
	assert_int_equal(m.errno_deny, EACCES);
	cp_bpf_maps_free(&m);
}

struct dev_case {
	struct cp_dev_rule r;
	int rc;
};

static void test_devices_table(void **state)
{
	static const struct dev_case cases[] = {
		{ { .type = 'c', .major = 1, .minor = 3, .access = CP_DEV_READ | CP_DEV_WRITE }, 0 },
		{ { .type = 'a', .major = -1, .minor = -1, .access = CP_DEV_MKNOD }, 0 },
		{ { .type = 'x', .major = 1, .minor = 3, .access = CP_DEV_READ }, -EINVAL },
		{ { .type = 'b', .major = 5000, .minor = 0, .access = CP_DEV_READ }, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cp_dev_rule r = cases[i].r;
		struct cp_policy p = { .dev = { .present = true, .rules = &r, .nrules = 1 } };
		struct cp_bpf_maps m;
		char *msg = NULL;

		r.loc.file = "d.profile";
		r.loc.line = (uint32_t)i + 1;
		assert_int_equal(build(&p, &m, &msg), cases[i].rc);
		if (cases[i].rc) {
			assert_non_null(msg);
			assert_non_null(strstr(msg, "d.profile:"));
		} else {
			assert_int_equal(m.policy.ndev, 1);
			assert_int_equal(m.policy.dev[0].type, cases[i].r.type);
			assert_int_equal(m.policy.dev[0].major,
					 cases[i].r.major < 0 ? CP_DEV_ANY : (uint32_t)cases[i].r.major);
			assert_true(m.sb_flags & CP_SB_DEV_RULES);
			assert_true(m.want_cgroup);
			cp_bpf_maps_free(&m);
		}
		free(msg);
	}
}

static void test_dump(void **state)
{
	struct cp_net_rule r[] = { net(true, CP_PROTO_TCP, 4, "127.0.0.1", 32, 80, 80) };
	struct cp_policy p = { .net = { .present = true, .rules = r, .nrules = 1 } };
	struct cp_bpf_maps m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(build(&p, &m, NULL), 0);
	assert_int_equal(cp_bpf_maps_dump(&m, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "net v4/32 7f:00:00:01"));
	assert_non_null(strstr(buf, "allow proto 1 dir 1 ports 80-80"));
	free(buf);
	cp_bpf_maps_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_prefix_merge),
		cmocka_unit_test(test_net_too_many),
		cmocka_unit_test(test_net_log_audit_unix),
		cmocka_unit_test(test_fs_access_table),
		cmocka_unit_test(test_exec_process_adapt),
		cmocka_unit_test(test_devices_table),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
