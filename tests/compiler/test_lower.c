// SPDX-License-Identifier: MIT
/* test_lower.c - what each construct becomes in the IR. */
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "tc.h"

static struct cp_policy *load_ok(const char *text)
{
	struct cp_policy *p;
	const char *msgs;

	if (tc_load("t.profile", text, &p, &msgs)) {
		print_error("%s\n", msgs);
		fail();
	}
	return p;
}

struct cond_case {
	const char *rule;
	uint8_t arg;
	enum cp_cmp_op op;
	uint64_t value, mask;
	size_t nset;
	uint64_t set0, set1;
};

/* Named constants are folded with the values of the system headers. */
static const struct cond_case conds[] = {
	{ "socket(domain == AF_INET)", 0, CP_CMP_EQ, AF_INET, 0, 0, 0, 0 },
	{ "socket(type != SOCK_RAW)", 1, CP_CMP_NE, SOCK_RAW, 0, 0, 0, 0 },
	{ "openat(flags & O_WRONLY|O_RDWR == 0)", 2, CP_CMP_MASKED_EQ, 0, O_WRONLY | O_RDWR, 0, 0, 0 },
	{ "clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)", 0, CP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER, 0, 0, 0 },
	{ "ioctl(request == TCGETS)", 1, CP_CMP_EQ, TCGETS, 0, 0, 0, 0 },
	{ "mprotect(prot & PROT_EXEC == 0)", 2, CP_CMP_MASKED_EQ, 0, PROT_EXEC, 0, 0, 0 },
	{ "mmap(prot < 0x10)", 2, CP_CMP_LT, 16, 0, 0, 0, 0 },
	{ "read(fd <= 2)", 0, CP_CMP_LE, 2, 0, 0, 0, 0 },
	{ "read(fd > 0o17)", 0, CP_CMP_GT, 15, 0, 0, 0, 0 },
	{ "write(arg0 >= 3)", 0, CP_CMP_GE, 3, 0, 0, 0, 0 },
	{ "socket(domain in {AF_INET6, AF_UNIX, AF_INET6})", 0, CP_CMP_IN, 0, 0, 2, AF_UNIX, AF_INET6 },
	{ "socket(domain not in {AF_PACKET})", 0, CP_CMP_NOT_IN, 0, 0, 1, AF_PACKET, 0 },
	{ "kill(sig == SIGKILL)", 1, CP_CMP_EQ, 9, 0, 0, 0, 0 },
	{ "prctl(option == PR_SET_NO_NEW_PRIVS)", 0, CP_CMP_EQ, 38, 0, 0, 0, 0 },
	{ "personality(arg0 == 0xffffffff)", 0, CP_CMP_EQ, 0xffffffffu, 0, 0, 0, 0 },
};

static void test_conds(void **state)
{
	const struct cond_case *c = *state;
	char text[256];
	struct cp_policy *p;
	const struct cp_arg_cond *k;

	snprintf(text, sizeof(text), "syscalls {\n  allow %s\n}\n", c->rule);
	p = load_ok(text);
	assert_int_equal(p->seccomp.nrules, 1);
	assert_int_equal(p->seccomp.rules[0].nconds, 1);
	k = &p->seccomp.rules[0].conds[0];
	assert_int_equal(k->arg, c->arg);
	assert_int_equal(k->op, c->op);
	assert_int_equal(k->value, c->value);
	assert_int_equal(k->mask, c->mask);
	assert_int_equal(k->nset, c->nset);
	if (c->nset) {
		assert_int_equal(k->set[0], c->set0);
		if (c->nset > 1)
			assert_int_equal(k->set[1], c->set1);
	}
	assert_int_equal(k->loc.line, 2);
	cp_policy_free(p);
}

static void test_rules(void **state)
{
	struct cp_policy *p;
	const struct cp_sys_rule *r;

	(void)state;
	p = load_ok("syscalls {\n  default kill-thread\n  arch x86_64 i386\n  bad-arch errno(ENOSYS)\n  log-denials\n"
		    "  allow hot read\n  allow hot 7 audit write\n  trap getpid\n  log getppid\n  notify openat\n"
		    "  errno(EACCES) socket(domain == 1 && type == 2 || domain == 2)\n  kill-thread gettid\n"
		    "  deny ptrace\n  kill getuid\n  kill-process getgid\n  errno(13) chroot\n}\n");
	assert_true(p->seccomp.present);
	assert_int_equal(p->seccomp.default_action.kind, CP_ACT_KILL_THREAD);
	assert_int_equal(p->seccomp.arches, CP_ARCH_X86_64 | CP_ARCH_I386);
	assert_int_equal(p->seccomp.bad_arch_action.kind, CP_ACT_ERRNO);
	assert_int_equal(p->seccomp.bad_arch_action.errno_val, ENOSYS);
	assert_true(p->seccomp.log_denials);
	r = tc_rule(p, "read", 0);
	assert_int_equal(r->hot, 1);
	assert_false(r->action.audit);
	r = tc_rule(p, "write", 0);
	assert_int_equal(r->hot, 7);
	assert_true(r->action.audit);
	assert_int_equal(tc_rule(p, "getpid", 0)->action.kind, CP_ACT_TRAP);
	assert_int_equal(tc_rule(p, "getppid", 0)->action.kind, CP_ACT_LOG);
	assert_int_equal(tc_rule(p, "openat", 0)->action.kind, CP_ACT_NOTIFY);
	/* || becomes adjacent rules, && a conjunction */
	r = tc_rule(p, "socket", 0);
	assert_int_equal(r->nconds, 2);
	assert_int_equal(r->action.errno_val, EACCES);
	r = tc_rule(p, "socket", 1);
	assert_int_equal(r->nconds, 1);
	assert_int_equal(r->conds[0].value, 2);
	assert_ptr_equal(tc_rule(p, "socket", 1), tc_rule(p, "socket", 0) + 1);
	assert_int_equal(tc_rule(p, "gettid", 0)->action.kind, CP_ACT_KILL_THREAD);
	assert_int_equal(tc_rule(p, "ptrace", 0)->action.errno_val, EPERM);
	assert_int_equal(tc_rule(p, "getuid", 0)->action.kind, CP_ACT_KILL_PROCESS);
	assert_int_equal(tc_rule(p, "getgid", 0)->action.kind, CP_ACT_KILL_PROCESS);
	assert_int_equal(tc_rule(p, "chroot", 0)->action.errno_val, 13);
	assert_string_equal(tc_rule(p, "chroot", 0)->loc.file, "t.profile");
	cp_policy_free(p);
}

static void test_defaults(void **state)
{
	struct cp_policy *p;

	(void)state;
	p = load_ok("syscalls {\n  allow read\n}\nnetwork {\n}\n");
	assert_int_equal(p->seccomp.default_action.kind, CP_ACT_ERRNO);
	assert_int_equal(p->seccomp.default_action.errno_val, EPERM);
	assert_int_equal(p->seccomp.arches, CP_ARCH_X86_64);
	assert_int_equal(p->seccomp.bad_arch_action.kind, CP_ACT_KILL_PROCESS);
	assert_false(p->net.default_allow);
	assert_false(p->fs.present);
	assert_false(p->ns.present);
	assert_false(p->caps_present);
	assert_false(p->adapt.present);
	for (int l = 0; l < CP_LAYER__COUNT; l++)
		assert_int_equal(p->layers[l], CP_REQ_AUTO);
	cp_policy_free(p);
	/* an empty profile is valid and enforces nothing: every section absent */
	p = load_ok("# nothing\n");
	assert_false(p->seccomp.present);
	cp_policy_free(p);
}

static void test_groups_expand(void **state)
{
	struct cp_policy *p;

	(void)state;
	p = load_ok("syscalls {\n  allow @basic-io\n  allow @default\n}\n");
	/* nested and arch-specific members: x86_64 only */
	assert_non_null(tc_rule(p, "read", 0));
	assert_non_null(tc_rule(p, "exit_group", 0));
	assert_null(tc_rule(p, "_llseek", 0));      /* i386 only */
	assert_null(tc_rule(p, "mmap2", 0));
	cp_policy_free(p);
	p = load_ok("syscalls {\n  arch aarch64\n  allow @file-system\n}\n");
	assert_null(tc_rule(p, "open", 0));         /* not on aarch64 */
	assert_non_null(tc_rule(p, "openat", 0));
	cp_policy_free(p);
}

static void test_sections(void **state)
{
	struct cp_policy *p;

	(void)state;
	p = load_ok("namespaces {\n  all\n  share time\n  hostname h\n}\n"
		    "filesystem {\n  optional audit read-write exec /a\n  tmpfs /tmp\n  deny /etc/shadow\n  ro /r\n}\n"
		    "network {\n  default allow\n  family unix AF_INET 10\n"
		    "  deny errno(ECONNREFUSED) audit connect bind udp 2001:db8::/32 port 1-1024, 8080\n"
		    "  allow bind tcp 127.0.0.1 port 80\n  allow connect unix @abstract\n  allow icmp any6\n}\n"
		    "exec {\n  allow /usr/bin\n  deny audit /usr/bin/su\n  deny-created\n  wx\n}\n"
		    "process {\n  ptrace allow\n  signal-outside deny\n  mount allow\n}\n"
		    "devices {\n  allow c 1:3 rw\n  allow b *:* m\n}\n"
		    "capabilities {\n  keep CAP_NET_BIND_SERVICE, cap_chown\n}\n"
		    "limits {\n  nofile 1K 2K\n  as 4G unlimited\n  cpu infinity\n}\n"
		    "adapt {\n  model \"/m.tree\"\n  eval-every 10\n  window 3s\n"
		    "  level 3 forbid freeze\n  level 1 forbid connect bind\n}\n"
		    "layers {\n  bpf-lsm optional\n  landlock off\n  cgroup-bpf required\n  adapt auto\n}\n");
	assert_int_equal(p->ns.mask, 0x7f);
	assert_string_equal(p->ns.hostname, "h");
	assert_int_equal(p->fs.nrules, 4);
	assert_int_equal(p->fs.rules[0].access, CP_FS_READ | CP_FS_WRITE | CP_FS_EXEC);
	assert_true(p->fs.rules[0].optional);
	assert_true(p->fs.rules[0].audit);
	assert_int_equal(p->fs.rules[1].access, CP_FS_TMPFS | CP_FS_READ | CP_FS_WRITE);
	assert_int_equal(p->fs.rules[2].access, CP_FS_DENY);
	assert_int_equal(p->fs.rules[3].access, CP_FS_READ);
	assert_true(p->net.default_allow);
	assert_int_equal(p->net.nfamilies, 3);
	assert_int_equal(p->net.families[0], AF_UNIX);
	assert_int_equal(p->net.families[1], AF_INET);
	assert_int_equal(p->net.families[2], 10);
	assert_int_equal(p->net.nrules, 5);      /* two port ranges = two rules */
	assert_false(p->net.rules[0].allow);
	assert_int_equal(p->net.rules[0].action.errno_val, ECONNREFUSED);
	assert_true(p->net.rules[0].action.audit);
	assert_int_equal(p->net.rules[0].dir, CP_NET_CONNECT | CP_NET_BIND);
	assert_int_equal(p->net.rules[0].proto, CP_PROTO_UDP);
	assert_int_equal(p->net.rules[0].family, 6);
	assert_int_equal(p->net.rules[0].prefixlen, 32);
	assert_int_equal(p->net.rules[0].addr[0], 0x20);
	assert_int_equal(p->net.rules[0].addr[3], 0xb8);
	assert_int_equal(p->net.rules[0].port_lo, 1);
	assert_int_equal(p->net.rules[0].port_hi, 1024);
	assert_int_equal(p->net.rules[1].port_lo, 8080);
	assert_int_equal(p->net.rules[2].dir, CP_NET_BIND);
	assert_int_equal(p->net.rules[2].family, 4);
	assert_int_equal(p->net.rules[2].addr[0], 127);
	assert_int_equal(p->net.rules[2].prefixlen, 32);
	assert_string_equal(p->net.rules[3].unix_path, "@abstract");
	assert_int_equal(p->net.rules[4].proto, CP_PROTO_ICMP);
	assert_int_equal(p->net.rules[4].family, 6);
	assert_int_equal(p->net.rules[4].prefixlen, 0);
	assert_int_equal(p->net.rules[4].port_lo, 0);
	assert_int_equal(p->net.rules[4].port_hi, 65535);
	assert_int_equal(p->exec.nrules, 2);
	assert_false(p->exec.rules[1].allow);
	assert_true(p->exec.rules[1].audit);
	assert_true(p->exec.deny_created);
	assert_true(p->exec.wx);
	assert_true(p->proc.allow_ptrace);
	assert_false(p->proc.signal_outside);
	assert_true(p->proc.allow_mount);
	assert_int_equal(p->dev.nrules, 2);
	assert_int_equal(p->dev.rules[0].major, 1);
	assert_int_equal(p->dev.rules[0].access, CP_DEV_READ | CP_DEV_WRITE);
	assert_int_equal(p->dev.rules[1].major, -1);
	assert_int_equal(p->dev.rules[1].type, 'b');
	assert_int_equal(p->caps, (1ull << 10) | (1ull << 0));
	assert_int_equal(p->nrlimits, 3);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 2048);
	assert_int_equal(p->rlimits[1].soft, 4ull << 30);
	assert_int_equal(p->rlimits[1].hard, UINT64_MAX);
	assert_int_equal(p->rlimits[2].soft, UINT64_MAX);
	assert_true(p->adapt.present);
	assert_int_equal(p->adapt.eval_every, 10);
	assert_int_equal(p->adapt.window_ms, 3000);
	assert_int_equal(p->adapt.nlevels, 2);
	assert_int_equal(p->adapt.levels[0].level, 1);   /* sorted */
	assert_int_equal(p->adapt.levels[0].forbid, CP_FORBID_CONNECT | CP_FORBID_BIND);
	assert_int_equal(p->adapt.levels[1].forbid, CP_FORBID_FREEZE);
	assert_int_equal(p->layers[CP_LAYER_BPF_LSM], CP_REQ_OPTIONAL);
	assert_int_equal(p->layers[CP_LAYER_LANDLOCK], CP_REQ_OFF);
	assert_int_equal(p->layers[CP_LAYER_CGROUP_BPF], CP_REQ_REQUIRED);
	assert_int_equal(p->layers[CP_LAYER_SECCOMP], CP_REQ_AUTO);
	cp_policy_free(p);
}

int main(void)
{
	struct CMUnitTest t[40];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		t[n++] = (struct CMUnitTest){ conds[i].rule, test_conds, NULL, NULL, (void *)&conds[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_rules);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_groups_expand);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_sections);
	return _cmocka_run_group_tests("lowering", t, n, NULL, NULL);
}
