// SPDX-License-Identifier: MIT
/*
 * test_emit.c - the profile-text backend (IR -> text -> same IR, and the
 * text is a fixed point) and the summary backend.
 */
#include "tc.h"

static const char *const shipped[] = { "default", "strict", "net-client", "build", "adaptive" };

static const char rich[] =
	"namespaces {\n  all\n  share time\n  hostname \"h-1\"\n}\n"
	"filesystem {\n  optional audit read-write exec \"/a \\\"q\\\" $$x\"\n  tmpfs /tmp\n  deny /etc/shadow\n"
	"  ro /r\n  exec /x\n}\n"
	"syscalls {\n  default kill-thread\n  arch x86_64 i386 aarch64\n  bad-arch errno(ENOSYS)\n  log-denials\n"
	"  allow hot read\n  allow hot 7 audit write\n  trap getpid\n  log getppid\n  notify openat\n"
	"  errno(EACCES) socket(domain == 1 && type != 2 || domain in {2, 10} && protocol not in {0})\n"
	"  errno(EPERM) clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)\n  allow clone\n"
	"  errno(4000) ioctl(request > 1 && request < 0x100000000 && fd >= 3 && fd <= 100)\n  allow @basic-io\n}\n"
	"network {\n  default errno(ECONNREFUSED)\n  family unix AF_INET 10\n"
	"  deny errno(EACCES) audit connect bind udp 2001:db8::/32 port 1-1024, 8080\n"
	"  deny connect tcp 10.0.0.0/8\n  allow bind tcp 127.0.0.1 port 80\n  allow connect unix @abstract\n"
	"  allow connect unix \"/run/x y.sock\"\n  allow icmp any6\n  allow connect any any4\n}\n"
	"exec {\n  allow /usr/bin\n  deny audit /usr/bin/su\n  deny-created\n  wx\n}\n"
	"process {\n  ptrace allow\n  signal-outside deny\n  mount allow\n}\n"
	"devices {\n  allow c 1:3 rw\n  allow b *:* m\n  allow a 4:* rwm\n}\n"
	"capabilities {\n  keep CAP_NET_BIND_SERVICE, cap_chown CAP_SYS_ADMIN\n}\n"
	"limits {\n  nofile 1K 2K\n  as 4G unlimited\n  cpu infinity\n  core 0\n}\n"
	"adapt {\n  model \"/m.tree\"\n  eval-every 10\n  window 3s\n  scratch /tmp $HOME/s\n"
	"  level 3 forbid freeze fork\n  level 1 forbid connect bind\n  level 2 exec-new exec write\n}\n"
	"layers {\n  bpf-lsm optional\n  landlock off\n  cgroup-bpf required\n  adapt auto\n}\n";

static char *emit(const struct cp_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cp_emit_profile(p, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* `quiet`: the emitted text must not even warn.  Profiles listing extra
 * arches legitimately warn about arch-specific syscalls from groups. */
static void round_trip(struct cp_policy *p, bool quiet)
{
	struct cp_policy *q = NULL;
	const char *msgs, *diff;
	char *t1 = emit(p), *t2;

	if (tc_load("flat.profile", t1, &q, &msgs)) {
		print_error("emitted text does not parse:\n%s\n---\n%s\n", msgs, t1);
		fail();
	}
	if (quiet)
		assert_string_equal(msgs, "");
	assert_null(strstr(msgs, "error"));
	diff = tc_policy_diff(p, q);
	if (diff) {
		print_error("round trip differs in %s\n%s\n", diff, t1);
		fail();
	}
	t2 = emit(q);
	/* a fixed point, but for the name in the first line */
	assert_string_equal(strchr(t1, '\n'), strchr(t2, '\n'));
	free(t1);
	free(t2);
	cp_policy_free(q);
}

static void test_round_trip_shipped(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		struct cp_policy *p;
		const char *msgs;

		assert_int_equal(tc_load_file(shipped[i], &p, &msgs), 0);
		round_trip(p, true);
		cp_policy_free(p);
	}
}

static void test_round_trip_rich(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	if (tc_load("rich.profile", rich, &p, &msgs)) {
		print_error("%s\n", msgs);
		fail();
	}
	round_trip(p, false);
	cp_policy_free(p);
}

/* A policy built by hand (as the OCI importer does) survives too. */
static void test_round_trip_handmade(void **state)
{
	struct cp_policy *p = calloc(1, sizeof(*p));
	static uint64_t set[] = { 1, 2 };

	(void)state;
	p->seccomp.present = true;
	p->seccomp.default_action.kind = CP_ACT_ERRNO;
	p->seccomp.default_action.errno_val = 1;
	p->seccomp.arches = CP_ARCH_X86_64 | CP_ARCH_X32;
	p->seccomp.bad_arch_action.kind = CP_ACT_KILL_PROCESS;
	p->seccomp.nrules = 2;
	p->seccomp.rules = calloc(2, sizeof(*p->seccomp.rules));
	p->seccomp.rules[0].name = strdup("personality");
	p->seccomp.rules[0].nconds = 1;
	p->seccomp.rules[0].conds = calloc(1, sizeof(struct cp_arg_cond));
	p->seccomp.rules[0].conds[0] = (struct cp_arg_cond){ .arg = 0, .op = CP_CMP_IN, .nset = 2 };
	p->seccomp.rules[0].conds[0].set = malloc(sizeof(set));
	memcpy(p->seccomp.rules[0].conds[0].set, set, sizeof(set));
	p->seccomp.rules[1].name = strdup("read");
	round_trip(p, true);
	cp_policy_free(p);
}

static void test_summary(void **state)
{
	static const char *const want[] = {
		"Profile default\n", "  sha256 ", "Namespaces\n  new: user pid mount net ipc uts cgroup\n",
		"  hostname: compart\n", "  /work/proj                   read-write\n",
		"  /tmp                         a fresh empty tmpfs (read-write)\n",
		"  any syscall not listed fails with EPERM\n",
		"  a syscall through another ABI (x32, i386) kills the process\n",
		"  clone when flags & 0x10000000 == 0x10000000: fails with EPERM\n",
		"  socket when domain in {1, 2, 10, 16}: allowed\n",
		"  clone3: fails with ENOSYS\n", "  socket: fails with EAFNOSUPPORT\n",
		"Capabilities\n  none\n", "  nofile     1024 / 4096\n",
		"  seccomp     required", "  landlock    optional",
	};
	struct cp_policy *p;
	const char *msgs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(tc_load_file("default", &p, &msgs), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(cp_emit_summary(p, f), 0);
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(buf, want[i])) {
			print_error("summary lacks '%s':\n%s\n", want[i], buf);
			fail();
		}
	free(buf);
	cp_policy_free(p);

	assert_int_equal(tc_load("rich.profile", rich, &p, &msgs), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(cp_emit_summary(p, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "deny connect+bind udp to 2001:db8::/32, ports 1-1024 (fails with EACCES (audited))"));
	assert_non_null(strstr(buf, "allow bind tcp to 127.0.0.1/32, port 80"));
	assert_non_null(strstr(buf, "  kept: cap_chown cap_net_bind_service cap_sys_admin\n"));
	assert_non_null(strstr(buf, "  level 1 forbids: connect bind\n"));
	assert_non_null(strstr(buf, "  level 2 forbids: exec-new exec write, plus what level 1 forbids\n"));
	assert_non_null(strstr(buf, "W^X"));
	assert_non_null(strstr(buf, "  socket families: unix inet inet6\n"));
	assert_non_null(strstr(buf, "  ioctl when fd <= 100 and fd >= 3 and request < 4294967296 and request > 1: fails with errno 4000\n"));
	assert_non_null(strstr(buf, "  b *:* m\n"));
	free(buf);
	cp_policy_free(p);
	assert_int_equal(cp_emit_summary(NULL, stdout), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_round_trip_shipped),
		cmocka_unit_test(test_round_trip_rich),
		cmocka_unit_test(test_round_trip_handmade),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests_name("emit", t, NULL, NULL);
}
