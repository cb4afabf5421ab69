// SPDX-License-Identifier: MIT
/*
 * test_checks.c - every semantic error the front end promises, as a
 * table: profile text, expected message fragment, line and column.
 */
#include "tc.h"

struct bad {
	const char *name;
	const char *text;
	const char *msg;
	unsigned line, col;
};

static const struct bad bad[] = {
	/* syscalls */
	{ "unknown syscall", "syscalls {\n  allow reed\n}\n", "unknown syscall 'reed' on x86_64; did you mean 'read'?", 2, 9 },
	{ "i386-only name on x86_64", "syscalls {\n  allow mmap2\n}\n", "unknown syscall 'mmap2'", 2, 9 },
	{ "unknown on every arch", "syscalls {\n  arch aarch64\n  allow nosuchcall\n}\n",
	  "unknown syscall 'nosuchcall' on aarch64", 3, 9 },
	{ "unknown constant", "syscalls {\n  allow socket(domain == AF_INTE)\n}\n",
	  "unknown constant 'AF_INTE'; did you mean 'AF_INET'?", 2, 26 },
	{ "bad number", "syscalls {\n  allow read(fd == 12x)\n}\n", "bad number '12x'", 2, 20 },
	{ "number too big", "syscalls {\n  allow read(fd == 0x1ffffffffffffffff)\n}\n", "does not fit", 2, 20 },
	{ "unknown arg name", "syscalls {\n  allow socket(family == 2)\n}\n",
	  "socket has no argument 'family' (use domain, type, protocol", 2, 16 },
	{ "named arg on unknown syscall", "syscalls {\n  allow getpid(x == 1)\n}\n",
	  "unknown argument 'x'", 2, 16 },
	{ "pointer argument", "syscalls {\n  allow openat(path == 0)\n}\n", "is a pointer", 2, 16 },
	{ "pointer argument by index", "syscalls {\n  allow execve(arg0 == 0)\n}\n", "is a pointer", 2, 16 },
	{ "mask bits", "syscalls {\n  allow clone(flags & 1 == 3)\n}\n", "bits outside mask", 2, 15 },
	{ "conflict", "syscalls {\n  allow ptrace\n  errno(EPERM) ptrace\n}\n",
	  "conflicting rules for ptrace", 3, 16 },
	{ "conflict with conditions in other order",
	  "syscalls {\n  allow socket(domain == 1 && type == 2)\n  kill-process socket(type == 2 && domain == 1)\n}\n",
	  "conflicting rules for socket", 3, 16 },
	{ "conflict on sets in other order",
	  "syscalls {\n  allow socket(domain in {1, 2})\n  trap socket(domain in {2, 1, 2})\n}\n",
	  "conflicting rules for socket", 3, 8 },
	{ "shadowed", "syscalls {\n  allow clone\n  errno(EPERM) clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)\n}\n",
	  "can never match", 3, 16 },
	{ "groups disagree", "syscalls {\n  allow @basic-io\n  kill-process @system-service\n}\n",
	  "is in two groups with different actions", 3, 16 },
	{ "unknown group", "syscalls {\n  allow @nope\n}\n", "unknown syscall group '@nope'", 2, 9 },
	{ "group with conditions", "syscalls {\n  allow @default(arg0 == 1)\n}\n", "cannot have argument conditions", 2, 9 },
	{ "unknown errno", "syscalls {\n  errno(EFOO) ptrace\n}\n", "unknown errno 'EFOO'", 2, 9 },
	{ "errno out of range", "syscalls {\n  errno(5000) ptrace\n}\n", "unknown errno '5000'", 2, 9 },
	{ "errno without value", "syscalls {\n  errno ptrace\n}\n", "errno needs a value", 2, 3 },
	{ "unknown action", "syscalls {\n  permit read\n}\n", "expected default, arch", 2, 3 },
	{ "action typo", "syscalls {\n  alow read\n}\n", "found 'alow'; did you mean 'allow'?", 2, 3 },
	{ "fs keyword typo", "filesystem {\n  read-onyl /usr\n}\n", "did you mean 'read-only'?", 2, 3 },
	{ "namespace typo", "namespaces {\n  usr\n}\n", "did you mean 'user'?", 2, 3 },
	{ "capability typo", "capabilities {\n  keep CAP_CHWON\n}\n", "did you mean 'cap_chown'?", 2, 8 },
	{ "rlimit typo", "limits {\n  nofiel 1\n}\n", "did you mean 'nofile'?", 2, 3 },
	{ "layer typo", "layers {\n  seccom off\n}\n", "did you mean 'seccomp'?", 2, 3 },
	{ "rule without syscall", "syscalls {\n  allow audit\n}\n", "names no syscall", 2, 3 },
	{ "bad-arch allow", "syscalls {\n  bad-arch allow\n}\n", "bad-arch cannot allow", 2, 12 },
	{ "unknown arch", "syscalls {\n  arch sparc\n}\n", "unknown architecture 'sparc'", 2, 8 },
	{ "arch twice", "syscalls {\n  arch x86_64\n  arch aarch64\n}\n", "'arch' given twice", 3, 3 },
	{ "default twice", "syscalls {\n  default allow\n  default kill\n}\n", "'default' given twice", 3, 3 },
	{ "hot out of range", "syscalls {\n  allow hot 0 read\n}\n", "hot priority must be 1..1000", 2, 13 },
	{ "condition without operator", "syscalls {\n  allow read(fd)\n}\n", "needs an operator", 2, 14 },
	{ "string as syscall", "syscalls {\n  allow \"read\"\n}\n", "found a string", 2, 9 },
	/* filesystem and variables */
	{ "relative path", "filesystem {\n  read-only usr/lib\n}\n", "expected read-only", 2, 13 },
	{ "relative string path", "filesystem {\n  read-only \"usr/lib\"\n}\n", "is not absolute", 2, 13 },
	{ "dotdot", "filesystem {\n  read-only /usr/../etc\n}\n", "'..' is not allowed", 2, 13 },
	{ "undefined variable", "filesystem {\n  read-only $NOPE/x\n}\n", "undefined variable 'NOPE'", 2, 13 },
	{ "undefined variable in string", "filesystem {\n  read-only \"/a/${NOPE}\"\n}\n",
	  "undefined variable 'NOPE'", 2, 17 },
	{ "variable relative after expansion", "define D = \"rel\"\nfilesystem {\n  read-only $D/x\n}\n",
	  "(expanded from '$D/x') is not absolute", 3, 13 },
	{ "duplicate path", "filesystem {\n  read-only /usr\n  read-write /usr\n}\n",
	  "filesystem path /usr listed twice (first at line 2:13)", 3, 14 },
	{ "duplicate path after normalisation", "filesystem {\n  read-only /usr/\n  read-write //usr\n}\n",
	  "listed twice", 3, 14 },
	{ "deny combined", "filesystem {\n  deny read-only /x\n}\n", "'deny' cannot be combined", 2, 3 },
	{ "path without access", "filesystem {\n  optional /x\n}\n", "path without an access", 2, 12 },
	{ "tmpfs on root", "filesystem {\n  tmpfs /\n}\n", "tmpfs on / would hide", 2, 9 },
	{ "redefine builtin", "define HOME = \"/x\"\n", "cannot redefine the built-in variable 'HOME'", 1, 8 },
	{ "redefine variable", "define A = \"/x\"\ndefine A = \"/y\"\n", "redefined with a different value", 2, 8 },
	{ "bad variable name", "define 9A = \"/x\"\n", "bad variable name", 1, 8 },
	/* namespaces */
	{ "unknown namespace", "namespaces {\n  user pidd\n}\n", "unknown namespace 'pidd'", 2, 8 },
	{ "share and unshare", "namespaces {\n  net\n  share net\n}\n", "both unshared and shared", 3, 9 },
	{ "hostname without uts", "namespaces {\n  user\n  hostname box\n}\n", "hostname needs the uts namespace", 3, 12 },
	{ "bad hostname", "namespaces {\n  uts\n  hostname \"a b\"\n}\n", "bad hostname", 3, 12 },
	/* capabilities and limits */
	{ "unknown capability", "capabilities {\n  keep CAP_NET_BIND\n}\n", "unknown capability 'CAP_NET_BIND'", 2, 8 },
	{ "numeric capability", "capabilities {\n  keep 21\n}\n", "unknown capability '21'", 2, 8 },
	{ "keep and drop", "capabilities {\n  keep CAP_CHOWN\n  drop CAP_CHOWN\n}\n", "both kept and dropped", 3, 8 },
	{ "unknown rlimit", "limits {\n  nofiles 10\n}\n", "unknown resource limit 'nofiles'", 2, 3 },
	{ "bad rlimit value", "limits {\n  nofile lots\n}\n", "expected a number", 2, 10 },
	{ "soft above hard", "limits {\n  nofile 10 5\n}\n", "soft limit is above the hard limit", 2, 10 },
	{ "rlimit twice", "limits {\n  nofile 10\n  nofile 20\n}\n", "limit 'nofile' given twice", 3, 3 },
	{ "pids two values", "limits {\n  pids 10 20\n}\n", "'pids' takes one value", 2, 11 },
	{ "pids zero", "limits {\n  pids 0\n}\n", "pids must be 1..", 2, 8 },
	{ "memory soft above hard", "limits {\n  memory 2G 1G\n}\n", "soft limit is above the hard limit", 2, 10 },
	{ "cgroup limit twice", "limits {\n  memory 1G\n  memory 2G\n}\n", "limit 'memory' given twice", 3, 3 },
	{ "cgroup limit typo", "limits {\n  memroy 1G\n}\n", "did you mean 'memory'", 2, 3 },
	{ "size overflow", "limits {\n  fsize 99999999999999999T\n}\n", "expected a number", 2, 9 },
	/* network */
	{ "bad cidr", "network {\n  allow connect tcp 10.0.0.1/33\n}\n", "bad prefix length", 2, 21 },
	{ "host bits", "network {\n  allow connect tcp 10.0.0.1/8\n}\n", "host bits set", 2, 21 },
	{ "bad address", "network {\n  allow connect tcp 10.0.0\n}\n", "expected an address", 2, 21 },
	{ "bad v6 prefix", "network {\n  allow connect tcp ::1/129\n}\n", "bad prefix length", 2, 21 },
	{ "port zero", "network {\n  allow connect tcp any port 0\n}\n", "bad port '0'", 2, 30 },
	{ "port too big", "network {\n  allow connect tcp any port 70000\n}\n", "bad port '70000'", 2, 30 },
	{ "backwards range", "network {\n  allow connect tcp any port 90-80\n}\n", "is backwards", 2, 30 },
	{ "icmp port", "network {\n  allow connect icmp any port 1\n}\n", "icmp has no ports", 2, 26 },
	{ "unknown proto", "network {\n  allow connect sctp any\n}\n", "expected a protocol", 2, 17 },
	{ "errno on allow", "network {\n  allow errno(EPERM) connect tcp any\n}\n", "only makes sense on a deny", 2, 9 },
	{ "contradiction", "network {\n  allow connect tcp any port 80\n  deny connect tcp any port 80\n}\n",
	  "contradicts the rule at line 2:3", 3, 3 },
	{ "unknown family", "network {\n  family inet foo\n}\n", "unknown address family 'foo'", 2, 15 },
	{ "unix without path", "network {\n  allow connect unix\n}\n", "needs a socket path", 2, 17 },
	{ "abstract too long", "network {\n  allow connect unix @aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n}\n",
	  "abstract socket name", 2, 22 },
	{ "network default kill", "network {\n  default kill\n}\n", "network default must be", 2, 11 },
	/* exec, process, devices */
	{ "exec without path", "exec {\n  allow\n}\n", "needs at least one path", 2, 3 },
	{ "exec duplicate", "exec {\n  allow /usr/bin\n  deny /usr/bin\n}\n", "exec path /usr/bin listed twice", 3, 8 },
	{ "process value", "process {\n  ptrace maybe\n}\n", "takes 'allow' or 'deny'", 2, 10 },
	{ "process twice", "process {\n  mount allow\n  mount deny\n}\n", "'mount' given twice", 3, 3 },
	{ "device type", "devices {\n  allow x 1:3 rw\n}\n", "device type must be", 2, 9 },
	{ "device numbers", "devices {\n  allow c 1 rw\n}\n", "expected MAJOR:MINOR", 2, 11 },
	{ "device access", "devices {\n  allow c 1:3 rx\n}\n", "letters from 'rwm'", 2, 15 },
	{ "device twice", "devices {\n  allow c 1:3 r\n  allow c 1:3 w\n}\n", "listed twice", 3, 11 },
	/* adapt and layers */
	{ "adapt without model", "adapt {\n  level 1 forbid connect\n}\n", "needs a 'model'", 1, 1 },
	{ "adapt without level", "adapt {\n  model \"/m.tree\"\n}\n", "at least one 'level'", 1, 1 },
	{ "adapt level range", "adapt {\n  model \"/m\"\n  level 4 forbid exec\n}\n", "with N from 1 to 3", 3, 9 },
	{ "adapt level twice", "adapt {\n  model \"/m\"\n  level 1 forbid exec\n  level 1 forbid write\n}\n",
	  "level 1 given twice", 4, 9 },
	{ "adapt unknown forbid", "adapt {\n  model \"/m\"\n  level 1 forbid dance\n}\n", "unknown restriction 'dance'", 3, 18 },
	{ "adapt window", "adapt {\n  model \"/m\"\n  window 2h\n  level 1 connect\n}\n", "'window' takes a duration", 3, 3 },
	{ "adapt eval", "adapt {\n  model \"/m\"\n  eval-every 0\n  level 1 connect\n}\n", "'eval-every' takes", 3, 3 },
	{ "unknown layer", "layers {\n  apparmor required\n}\n", "unknown layer 'apparmor'", 2, 3 },
	{ "layer value", "layers {\n  seccomp maybe\n}\n", "expected required, optional, off or auto", 2, 11 },
	{ "layer twice", "layers {\n  seccomp off\n  seccomp required\n}\n", "layer 'seccomp' given twice", 3, 3 },
	/* structure */
	{ "duplicate section", "limits {\n}\nlimits {\n}\n", "duplicate section 'limits' (first at line 1)", 3, 1 },
	{ "unknown section", "syscall {\n}\n", "unknown section 'syscall'; did you mean 'syscalls'?", 1, 1 },
	{ "unknown section, no suggestion", "zzz {\n}\n", "unknown section 'zzz' (expected include", 1, 1 },
	{ "unknown syscall, no suggestion", "syscalls {\n  allow qqqqqqqq\n}\n", "unknown syscall 'qqqqqqqq' on x86_64\n", 2, 9 },
	{ "include after section", "limits {\n}\ninclude \"default\"\n", "must come before the first section", 3, 1 },
	{ "missing include", "include \"nonexistent-profile\"\n", "profile 'nonexistent-profile' not found", 1, 9 },
};

static void test_bad(void **state)
{
	const struct bad *b = *state;

	tc_expect_error(b->text, b->msg, b->line, b->col);
}

/* Several independent errors are all reported, not just the first. */
static void test_many_errors(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	int rc;

	(void)state;
	rc = tc_load("t.profile", "syscalls {\n  allow reed\n  allow wrte\n}\nlimits {\n  nofiles 1\n}\n", &p, &msgs);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(msgs, "t.profile:2:9: error: unknown syscall 'reed'"));
	assert_non_null(strstr(msgs, "t.profile:3:9: error: unknown syscall 'wrte'"));
	assert_non_null(strstr(msgs, "t.profile:6:3: error: unknown resource limit"));
}

/* Explicit rules override group rules in the same file: not a conflict. */
static void test_explicit_beats_group(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const struct cp_sys_rule *r;

	(void)state;
	assert_int_equal(tc_load("t.profile", "syscalls {\n  allow @system-service\n  errno(EPERM) kill\n}\n",
				 &p, &msgs), 0);
	assert_string_equal(msgs, "");
	r = tc_rule(p, "kill", 0);
	assert_non_null(r);
	assert_int_equal(r->action.kind, CP_ACT_ERRNO);
	assert_null(tc_rule(p, "kill", 1));
	cp_policy_free(p);
}

/* Explicit conditional rules come before the group's rule, which stays
 * as the fallback. */
static void test_group_fallback(void **state)
{
	struct cp_policy *p;
	const char *msgs;
	const struct cp_sys_rule *r;

	(void)state;
	assert_int_equal(tc_load("t.profile", "syscalls {\n  allow @network-io\n  allow @basic-io\n"
				 "  errno(EPERM) socket(domain == AF_PACKET)\n  allow read\n}\n", &p, &msgs), 0);
	assert_string_equal(msgs, "");
	r = tc_rule(p, "socket", 0);
	assert_int_equal(r->action.kind, CP_ACT_ERRNO);
	assert_int_equal(r->nconds, 1);
	assert_ptr_equal(tc_rule(p, "socket", 1), r + 1);
	assert_int_equal(r[1].action.kind, CP_ACT_ALLOW);
	assert_int_equal(r[1].nconds, 0);
	assert_null(tc_rule(p, "socket", 2));
	assert_null(tc_rule(p, "read", 1));      /* explicit unconditional replaced the group's */
	cp_policy_free(p);
}

/* A conditional rule before an unconditional one is the normal pattern. */
static void test_conditional_first_ok(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("t.profile",
				 "syscalls {\n  errno(EPERM) clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)\n"
				 "  allow clone\n}\n", &p, &msgs), 0);
	assert_int_equal(p->seccomp.nrules, 2);
	cp_policy_free(p);
}

/* An exact duplicate is only a warning; a warning does not fail the load. */
static void test_duplicate_warns(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("t.profile", "syscalls {\n  allow read\n  allow read\n}\n", &p, &msgs), 0);
	assert_non_null(strstr(msgs, "t.profile:3:9: warning: duplicate rule for read (also at line 2)"));
	cp_policy_free(p);
}

/* notify on a syscall with pointer arguments is a TOCTOU trap: warn. */
static void test_notify_pointer_warning(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("t.profile", "syscalls {\n  notify openat getpid\n}\n", &p, &msgs), 0);
	assert_non_null(strstr(msgs, "t.profile:2:10: warning: notify on openat: a supervisor must not decide"));
	assert_null(strstr(msgs, "notify on getpid"));
	cp_policy_free(p);
}

/* A syscall missing on one listed arch warns, and the rule stays. */
static void test_arch_warning(void **state)
{
	struct cp_policy *p;
	const char *msgs;

	(void)state;
	assert_int_equal(tc_load("t.profile", "syscalls {\n  arch x86_64 aarch64\n  allow open\n}\n", &p, &msgs), 0);
	assert_non_null(strstr(msgs, "warning: syscall 'open' does not exist on aarch64"));
	assert_non_null(tc_rule(p, "open", 0));
	assert_int_equal(p->seccomp.arches, CP_ARCH_X86_64 | CP_ARCH_AARCH64);
	cp_policy_free(p);
}

int main(void)
{
	struct CMUnitTest t[sizeof(bad) / sizeof(bad[0]) + 7];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t[n++] = (struct CMUnitTest){ bad[i].name, test_bad, NULL, NULL, (void *)&bad[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_many_errors);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_explicit_beats_group);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_group_fallback);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_conditional_first_ok);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_duplicate_warns);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_arch_warning);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_notify_pointer_warning);
	return _cmocka_run_group_tests("checks", t, n, NULL, NULL);
}
