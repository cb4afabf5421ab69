// SPDX-License-Identifier: MIT
/*
 * consts.c - constants and name tables of the profile language.
 *
 * Named constants come from a table generated from the system headers at
 * build time (gen-consts.sh -> cp_consts.h): a hand-typed table drifts
 * from the kernel and libc the filter will actually run against.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_consts.h"
#include "consts.h"
#include "ir.h"

struct cp_const {
	const char *name;
	uint64_t val;
};

static const struct cp_const consts[] = { CP_CONSTS_TABLE };

_Static_assert(sizeof(consts) / sizeof(consts[0]) == CP_CONSTS_COUNT, "const table");

static int cmp_const(const void *k, const void *e)
{
	return strcmp(k, ((const struct cp_const *)e)->name);
}

int cp_const_lookup(const char *name, uint64_t *val)
{
	const struct cp_const *c = bsearch(name, consts, CP_CONSTS_COUNT,
					   sizeof(consts[0]), cmp_const);

	if (!c)
		return -ENOENT;
	*val = c->val;
	return 0;
}

int cp_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;
	const char *p = s;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		p = s + 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		p = s + 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		p = s + 1;
	}
	if (!*p || !isxdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int cp_parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	unsigned shift = 0;
	char buf[64];
	uint64_t v;
	int rc;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	switch (s[n - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: break;
	}
	memcpy(buf, s, n + 1);
	if (shift)
		buf[n - 1] = '\0';
	rc = cp_parse_u64(buf, &v);
	if (rc)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int cp_errno_lookup(const char *name, int32_t *val)
{
	uint64_t v;

	if (isdigit((unsigned char)name[0])) {
		if (cp_parse_u64(name, &v) || v == 0 || v > 4095)
			return -EINVAL;
		*val = (int32_t)v;
		return 0;
	}
	if (name[0] != 'E' || cp_const_lookup(name, &v) || v == 0 || v > 4095)
		return -ENOENT;
	*val = (int32_t)v;
	return 0;
}

const char *cp_errno_name(int32_t e)
{
	/* glibc's canonical name (EAGAIN rather than EWOULDBLOCK) */
	return strerrorname_np(e);
}

/* ---- friendly argument names ------------------------------------------ */

struct sys_args {
	const char *name;
	const char *args[6];
	uint8_t ptr_mask;        /* bit i: argument i is a pointer */
};

/* The syscalls people filter by argument most often; names follow the man
 * pages so a rule reads like the prototype. */
static const struct sys_args sys_args[] = {
	{ "accept4", { "fd", "addr", "addrlen", "flags" }, 0x6 },
	{ "bind", { "fd", "addr", "addrlen" }, 0x2 },
	{ "chmod", { "path", "mode" }, 0x1 },
	{ "clone", { "flags", "stack", "parent_tid", "child_tid", "tls" }, 0x1e },
	{ "connect", { "fd", "addr", "addrlen" }, 0x2 },
	{ "creat", { "path", "mode" }, 0x1 },
	{ "dup3", { "oldfd", "newfd", "flags" }, 0 },
	{ "execve", { "path", "argv", "envp" }, 0x7 },
	{ "execveat", { "dirfd", "path", "argv", "envp", "flags" }, 0xe },
	{ "fchmod", { "fd", "mode" }, 0 },
	{ "fchmodat", { "dirfd", "path", "mode", "flags" }, 0x2 },
	{ "fcntl", { "fd", "cmd", "arg" }, 0 },
	{ "flock", { "fd", "operation" }, 0 },
	{ "ioctl", { "fd", "request", "argp" }, 0x4 },
	{ "kill", { "pid", "sig" }, 0 },
	{ "madvise", { "addr", "length", "advice" }, 0x1 },
	{ "mkdir", { "path", "mode" }, 0x1 },
	{ "mkdirat", { "dirfd", "path", "mode" }, 0x2 },
	{ "mknod", { "path", "mode", "dev" }, 0x1 },
	{ "mknodat", { "dirfd", "path", "mode", "dev" }, 0x2 },
	{ "mmap", { "addr", "length", "prot", "flags", "fd", "offset" }, 0x1 },
	{ "mprotect", { "addr", "length", "prot" }, 0x1 },
	{ "open", { "path", "flags", "mode" }, 0x1 },
	{ "openat", { "dirfd", "path", "flags", "mode" }, 0x2 },
	{ "personality", { "persona" }, 0 },
	{ "pkey_mprotect", { "addr", "length", "prot", "pkey" }, 0x1 },
	{ "prctl", { "option", "arg2", "arg3", "arg4", "arg5" }, 0 },
	{ "ptrace", { "request", "pid", "addr", "data" }, 0xc },
	{ "read", { "fd", "buf", "count" }, 0x2 },
	{ "recvfrom", { "fd", "buf", "len", "flags", "src_addr", "addrlen" }, 0x32 },
	{ "rt_sigqueueinfo", { "tgid", "sig", "info" }, 0x4 },
	{ "rt_tgsigqueueinfo", { "tgid", "tid", "sig", "info" }, 0x8 },
	{ "sendto", { "fd", "buf", "len", "flags", "dest_addr", "addrlen" }, 0x12 },
	{ "setns", { "fd", "nstype" }, 0 },
	{ "setsockopt", { "fd", "level", "optname", "optval", "optlen" }, 0x8 },
	{ "socket", { "domain", "type", "protocol" }, 0 },
	{ "socketpair", { "domain", "type", "protocol", "sv" }, 0x8 },
	{ "tgkill", { "tgid", "tid", "sig" }, 0 },
	{ "tkill", { "tid", "sig" }, 0 },
	{ "umask", { "mask" }, 0 },
	{ "unshare", { "flags" }, 0 },
	{ "write", { "fd", "buf", "count" }, 0x2 },
};

static const struct sys_args *find_sys(const char *syscall)
{
	for (size_t i = 0; i < sizeof(sys_args) / sizeof(sys_args[0]); i++)
		if (!strcmp(sys_args[i].name, syscall))
			return &sys_args[i];
	return NULL;
}

int cp_sys_arg_index(const char *syscall, const char *arg, bool *is_ptr)
{
	const struct sys_args *s = find_sys(syscall);

	*is_ptr = false;
	if (!strncmp(arg, "arg", 3) && arg[3] >= '0' && arg[3] <= '5' && !arg[4]) {
		int i = arg[3] - '0';

		if (s)
			*is_ptr = s->ptr_mask & (1u << i);
		return i;
	}
	if (!s)
		return -1;
	for (int i = 0; i < 6 && s->args[i]; i++)
		if (!strcmp(s->args[i], arg)) {
			*is_ptr = s->ptr_mask & (1u << i);
			return i;
		}
	return -1;
}

const char *cp_sys_arg_name(const char *syscall, unsigned idx)
{
	const struct sys_args *s = find_sys(syscall);

	return s && idx < 6 ? s->args[idx] : NULL;
}

bool cp_sys_has_ptr_args(const char *syscall)
{
	const struct sys_args *s = find_sys(syscall);

	return s && s->ptr_mask;
}

const char *cp_sys_arg_list(const char *syscall)
{
	static __thread char buf[128];
	const struct sys_args *s = find_sys(syscall);
	size_t n = 0;

	if (!s)
		return NULL;
	buf[0] = '\0';
	for (int i = 0; i < 6 && s->args[i]; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "", s->args[i]);
	return buf;
}

/* ---- resource limits ------------------------------------------------- */

static const struct { const char *name; int res; } rlimits[] = {
	{ "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA }, { "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
	{ "memory", CP_CGLIMIT_MEMORY }, { "pids", CP_CGLIMIT_PIDS },
};

int cp_rlimit_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (!strcmp(rlimits[i].name, name))
			return rlimits[i].res;
	return -1;
}

const char *cp_rlimit_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].res == resource)
			return rlimits[i].name;
	return NULL;
}

/* ---- suggestions ------------------------------------------------------ */

size_t cp_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Close enough to be a typo: at most 2 edits, and fewer than a third of
 * the word (so "ab" does not suggest "cd"). */
bool cp_is_typo_of(const char *typed, const char *cand, size_t *dist)
{
	size_t n = strlen(typed), m = strlen(cand);
	size_t d;

	*dist = SIZE_MAX;
	if (n > m + 2 || m > n + 2)
		return false;
	d = cp_edit_distance(typed, cand);
	*dist = d;
	return d > 0 && d <= 2 && d * 3 <= n + 1;
}

const char *cp_const_suggest(const char *name)
{
	const char *best = NULL;
	size_t bd = SIZE_MAX;

	for (size_t i = 0; i < CP_CONSTS_COUNT; i++) {
		size_t d;

		if (cp_is_typo_of(name, consts[i].name, &d) && d < bd) {
			bd = d;
			best = consts[i].name;
		}
	}
	return best;
}
