/* SPDX-License-Identifier: MIT */
/*
 * landlock.c - the unprivileged, path-aware layer.
 *
 * It stands even where BPF LSM is missing, and it is enforced by the
 * kernel on the object, not on syscall arguments (no TOCTOU).  The access
 * rights used depend on the ABI probed at run time: a right the kernel does
 * not know is neither handled nor granted (handling it would fail with
 * EINVAL; it was not restrictable on that kernel anyway).
 *
 * Debian 12's <linux/landlock.h> stops at ABI 1-2, so newer constants and
 * the extended ruleset attribute are defined here.
 */
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE     (1ULL << 14)   /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV    (1ULL << 15)   /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP    (1ULL << 0)    /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL               (1ULL << 1)
#endif
#define CR_LANDLOCK_RULE_PATH_BENEATH 1
#define CR_LANDLOCK_RULE_NET_PORT     2

/* The kernel accepts a shorter attribute for older ABIs (size argument). */
struct cr_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct cr_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Largest port range expanded into per-port rules; a wider allowed range
 * leaves that direction unhandled by Landlock (the cgroup BPF layer is the
 * precise one for networks). */
#define CR_MAX_PORT_RULES 1024

#define FS_READ  (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE_V1 (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM)
#define FS_FILE_ONLY (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	LANDLOCK_ACCESS_FS_IOCTL_DEV)

static long ll_create(const struct cr_ruleset_attr *a, size_t size, uint32_t flags)
{
	return syscall(SYS_landlock_create_ruleset, a, size, flags);
}

int cr_landlock_abi(int *err)
{
	long v = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (v < 0) {
		*err = errno;
		return 0;
	}
	*err = 0;
	return (int)v;
}

static uint64_t fs_handled(int abi)
{
	uint64_t h = LANDLOCK_ACCESS_FS_EXECUTE | FS_READ | FS_WRITE_V1 |
		LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK;

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return h;
}

static uint64_t fs_rights(uint32_t access, int abi)
{
	uint64_t a = 0;

	if (access & (CP_FS_READ | CP_FS_TMPFS))
		a |= FS_READ;
	if (access & (CP_FS_WRITE | CP_FS_TMPFS))
		a |= FS_WRITE_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |
		     LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (access & CP_FS_EXEC)
		a |= LANDLOCK_ACCESS_FS_EXECUTE;
	return a & fs_handled(abi);
}

/* Which network directions Landlock can express for this profile: a
 * direction is handled only when the profile denies by default and every
 * TCP allowance for it is a port range small enough to enumerate. */
static uint64_t net_handled(const struct cp_policy *p, int abi)
{
	uint64_t h = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;

	if (abi < 4 || !p->net.present || p->net.default_allow)
		return 0;
	for (size_t i = 0; i < p->net.nrules; i++) {
		const struct cp_net_rule *r = &p->net.rules[i];

		if (!r->allow || (r->proto != CP_PROTO_TCP && r->proto != CP_PROTO_ANY))
			continue;
		if ((uint32_t)r->port_hi - r->port_lo + 1 > CR_MAX_PORT_RULES || r->port_lo == 0) {
			if (r->dir & CP_NET_CONNECT)
				h &= ~LANDLOCK_ACCESS_NET_CONNECT_TCP;
			if (r->dir & CP_NET_BIND)
				h &= ~LANDLOCK_ACCESS_NET_BIND_TCP;
		}
	}
	return h;
}

static bool abstract_unix_allowed(const struct cp_policy *p)
{
	if (!p->net.present || p->net.default_allow)
		return true;
	for (size_t i = 0; i < p->net.nrules; i++) {
		const struct cp_net_rule *r = &p->net.rules[i];

		if (r->allow && (r->proto == CP_PROTO_UNIX || r->proto == CP_PROTO_ANY) &&
		    (!r->unix_path || r->unix_path[0] == '@'))
			return true;
	}
	return false;
}

static uint64_t scopes(const struct cp_policy *p, int abi)
{
	uint64_t s = 0;

	if (abi < 6)
		return 0;
	if (!p->proc.signal_outside)
		s |= LANDLOCK_SCOPE_SIGNAL;
	if (!abstract_unix_allowed(p))
		s |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	return s;
}

/* Paths the launcher itself puts in every view. */
static const struct {
	const char *path;
	uint64_t access;
} implicit[] = {
	/* listing the new root shows only what the view contains anyway */
	{ "/", LANDLOCK_ACCESS_FS_READ_DIR },
	{ "/dev", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV },
	{ "/dev/pts", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV },
	{ "/dev/shm", FS_READ | FS_WRITE_V1 | LANDLOCK_ACCESS_FS_TRUNCATE },
	{ "/proc", FS_READ },
};

size_t cr_landlock_count(const struct cp_policy *p, int abi)
{
	size_t n = sizeof(implicit) / sizeof(implicit[0]);
	uint64_t nh = net_handled(p, abi);

	for (size_t i = 0; i < p->fs.nrules; i++)
		n += !(p->fs.rules[i].access & CP_FS_DENY);
	for (size_t i = 0; nh && i < p->net.nrules; i++) {
		const struct cp_net_rule *r = &p->net.rules[i];

		if (r->allow && (r->proto == CP_PROTO_TCP || r->proto == CP_PROTO_ANY))
			n += (size_t)r->port_hi - r->port_lo + 1;
	}
	return n;
}

static void add_path(int ruleset, const char *path, uint64_t access, bool optional,
		     const struct cp_loc *loc)
{
	struct landlock_path_beneath_attr pb = { 0 };
	struct stat st;
	int fd;

	if (!access)
		return;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && (optional || !loc))
			return;
		if (loc)
			cr_child_fail(errno, "%s:%u:%u: error: landlock rule for %s",
				      loc->file ? loc->file : "<profile>", loc->line, loc->col, path);
		cr_child_fail(errno, "landlock: opening %s", path);
	}
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= FS_FILE_ONLY;
	pb.parent_fd = fd;
	pb.allowed_access = access;
	if (syscall(SYS_landlock_add_rule, ruleset, CR_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		cr_child_fail(errno, "landlock: adding a rule for %s", path);
	close(fd);
}

void cr_landlock_apply(const struct cr_plan *pl)
{
	const struct cp_policy *p = pl->p;
	int abi = pl->landlock_abi;
	struct cr_ruleset_attr attr = {
		.handled_access_fs = p->fs.present ? fs_handled(abi) : 0,
		.handled_access_net = net_handled(p, abi),
		.scoped = scopes(p, abi),
	};
	size_t size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 16 : 8;
	int ruleset;

	if (!abi)
		return;
	if (!attr.handled_access_fs && !attr.handled_access_net && !attr.scoped)
		return;
	ruleset = (int)ll_create(&attr, size, 0);
	if (ruleset < 0)
		cr_child_fail(errno, "landlock: creating the ruleset (abi %d)", abi);

	if (attr.handled_access_fs) {
		for (size_t i = 0; i < p->fs.nrules; i++) {
			const struct cp_fs_rule *r = &p->fs.rules[i];

			if (r->access & CP_FS_DENY)
				continue;
			add_path(ruleset, r->path, fs_rights(r->access, abi), r->optional, &r->loc);
		}
		for (size_t i = 0; i < sizeof(implicit) / sizeof(implicit[0]); i++)
			add_path(ruleset, implicit[i].path, implicit[i].access & fs_handled(abi),
				 true, NULL);
	}
	for (size_t i = 0; attr.handled_access_net && i < p->net.nrules; i++) {
		const struct cp_net_rule *r = &p->net.rules[i];
		struct cr_net_port_attr np = { 0 };

		if (!r->allow || (r->proto != CP_PROTO_TCP && r->proto != CP_PROTO_ANY))
			continue;
		if (r->dir & CP_NET_CONNECT)
			np.allowed_access |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
		if (r->dir & CP_NET_BIND)
			np.allowed_access |= LANDLOCK_ACCESS_NET_BIND_TCP;
		np.allowed_access &= attr.handled_access_net;
		if (!np.allowed_access)
			continue;
		for (uint32_t port = r->port_lo; port <= r->port_hi; port++) {
			np.port = port;
			if (syscall(SYS_landlock_add_rule, ruleset, CR_LANDLOCK_RULE_NET_PORT, &np, 0) < 0)
				cr_child_fail(errno, "landlock: adding a rule for port %u", port);
		}
	}
	/* no_new_privs is already set (caps.c) */
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		cr_child_fail(errno, "landlock: restrict_self");
	close(ruleset);
}
