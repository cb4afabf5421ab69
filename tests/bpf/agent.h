/* SPDX-License-Identifier: MIT */
/*
 * agent.h - a process that joins a cgroup (a sandbox), then performs one
 * operation per request and answers with the resulting errno.  The test
 * drives it row by row from a table, changing the sandbox's map state
 * (level, log-only) between rows.  Shared by tests/bpf and tests/vm.
 */
#ifndef CP_AGENT_H
#define CP_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum agent_op {
	OP_CONNECT = 1,  /* family, type, addr, port */
	OP_SENDTO,       /* family, addr, port (UDP) */
	OP_BIND,         /* family, type, addr, port */
	OP_SOCKET,       /* family, type */
	OP_OPEN,         /* path, flags */
	OP_OPENAT2,      /* path, flags, resolve */
	OP_FCHDIR_OPEN,  /* path = directory, path2 = relative name, flags */
	OP_EXEC,         /* path (run with no arguments, must exit 0) */
	OP_FORK,
	OP_KILL,         /* pid (0 = the agent itself), sig */
	OP_PTRACE,       /* pid (PTRACE_SEIZE + detach) */
	OP_MOUNT,        /* path: mount a tmpfs there and unmount it */
	OP_MPROTECT_WX,  /* RW anonymous page -> RWX */
	OP_MMAP_WX,      /* anonymous PROT_WRITE|PROT_EXEC mapping */
	OP_MKNOD,        /* path, dev (char device node) */
	OP_OPATH_REOPEN, /* open path O_PATH, then reopen /proc/self/fd/N (flags) */
	OP_COPY,         /* copy path to path2 (mode 0755) */
	OP_LINK,         /* link path -> path2 */
	OP_RENAME,       /* rename path -> path2 */
	OP_UNLINK,       /* path */
	OP_MKDIR,        /* path */
	OP_ESCAPE_OPEN,  /* move to the cgroup path2, then open path (flags) */
	OP_UNIX_CONNECT, /* stream connect to path ("@name": abstract) */
	OP_MMAP_EXEC,    /* map path PROT_READ|PROT_EXEC */
	OP_QUIT,
};

struct agent_req {
	int32_t op;
	int32_t family;      /* 4 or 6 (or AF_* for OP_SOCKET) */
	int32_t type;        /* SOCK_STREAM / SOCK_DGRAM */
	int32_t flags;
	uint64_t resolve;
	int32_t pid, sig;
	uint16_t port;
	uint8_t in_child;    /* perform the operation in a forked child */
	uint8_t pad;
	uint32_t dev;
	char addr[64];
	char path[256];
	char path2[256];
};

struct agent_listener {
	int family;          /* 4 or 6 */
	int type;
	const char *addr;
	uint16_t port;
};

struct agent {
	pid_t pid;
	int req_fd, rep_fd;
};

/* Start an agent.  With new_netns it first unshares a network namespace,
 * brings lo up and opens the listeners (outside the sandbox cgroup), then
 * joins cgroup_dir (writes its pid to cgroup.procs).  Returns 0 or -errno. */
/* A listening unix stream socket at path ("@name": abstract); fd or -errno. */
int unix_listen(const char *path);

int agent_start(struct agent *a, const char *cgroup_dir, bool new_netns,
		const struct agent_listener *ls, int nls);
/* Perform one request; returns the errno (0 = success) or -1 on a broken
 * agent. */
int agent_do(struct agent *a, const struct agent_req *r);
void agent_stop(struct agent *a);

#endif
