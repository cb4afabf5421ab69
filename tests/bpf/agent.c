/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/openat2.h>

#include <sys/un.h>

#include "agent.h"

static socklen_t mk_sun(const char *path, struct sockaddr_un *sun)
{
	size_t l = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (l >= sizeof(sun->sun_path))
		l = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, path, l);
	if (path[0] == '@')
		sun->sun_path[0] = 0;      /* abstract: no trailing NUL counted */
	else
		l++;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + l);
}

int unix_listen(const char *path)
{
	struct sockaddr_un sun;
	socklen_t len = mk_sun(path, &sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (path[0] != '@')
		unlink(path);
	if (bind(fd, (void *)&sun, len) < 0 || listen(fd, 64) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int mk_sockaddr(int fam, const char *addr, uint16_t port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == 4) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*in6);
	}
	return 0;
}

static int do_op(const struct agent_req *r)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc = 0;

	switch (r->op) {
	case OP_CONNECT:
	case OP_SENDTO:
	case OP_BIND:
		if (mk_sockaddr(r->family, r->addr, r->port, &ss, &len))
			return EINVAL;
		fd = socket(r->family == 4 ? AF_INET : AF_INET6,
			    (r->op == OP_SENDTO ? SOCK_DGRAM : r->type) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		if (r->op == OP_CONNECT)
			rc = connect(fd, (void *)&ss, len);
		else if (r->op == OP_BIND) {
			int one = 1;

			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			rc = bind(fd, (void *)&ss, len);
		} else
			rc = sendto(fd, "x", 1, 0, (void *)&ss, len) == 1 ? 0 : -1;
		rc = rc < 0 ? errno : 0;
		close(fd);
		return rc;
	case OP_SOCKET:
		fd = socket(r->family, r->type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	case OP_OPEN:
		fd = open(r->path, r->flags | O_CLOEXEC, 0600);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	case OP_OPENAT2: {
		struct open_how how = { .flags = (uint64_t)r->flags | O_CLOEXEC, .resolve = r->resolve };

		fd = (int)syscall(SYS_openat2, AT_FDCWD, r->path, &how, sizeof(how));
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	case OP_FCHDIR_OPEN: {
		int d = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (d < 0)
			return errno;
		if (fchdir(d) < 0) {
			rc = errno;
			close(d);
			return rc;
		}
		close(d);
		fd = open(r->path2, r->flags | O_CLOEXEC, 0600);
		rc = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		if (chdir("/") < 0)
			rc = rc ? rc : errno;
		return rc;
	}
	case OP_EXEC: {
		int p[2], st, err = 0;
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) < 0)
			return errno;
		pid = fork();
		if (pid < 0) {
			rc = errno;
			close(p[0]);
			close(p[1]);
			return rc;
		}
		if (pid == 0) {
			char *argv[] = { (char *)r->path, NULL };
			char *envp[] = { "PATH=/bin:/usr/bin:/sbin:/usr/sbin", NULL };

			execve(r->path, argv, envp);
			err = errno;
			if (write(p[1], &err, sizeof(err)) < 0)
				_exit(126);
			_exit(127);
		}
		close(p[1]);
		if (read(p[0], &err, sizeof(err)) != sizeof(err))
			err = 0;
		close(p[0]);
		waitpid(pid, &st, 0);
		if (!err && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			err = ECHILD;   /* ran, but failed */
		return err;
	}
	case OP_FORK: {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return errno;
		if (pid == 0)
			_exit(0);
		waitpid(pid, &st, 0);
		return 0;
	}
	case OP_KILL:
		return kill(r->pid ? r->pid : getpid(), r->sig) < 0 ? errno : 0;
	case OP_OPATH_REOPEN: {
		char p[64];
		int pfd = open(r->path, O_PATH | O_CLOEXEC);

		if (pfd < 0)
			return errno;
		snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
		fd = open(p, r->flags | O_CLOEXEC);
		rc = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		close(pfd);
		return rc;
	}
	case OP_COPY: {
		char buf[65536];
		ssize_t n;
		int in = open(r->path, O_RDONLY | O_CLOEXEC), out;

		if (in < 0)
			return errno;
		out = open(r->path2, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
		if (out < 0) {
			rc = errno;
			close(in);
			return rc;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				rc = errno ? errno : EIO;
				break;
			}
		if (n < 0)
			rc = errno;
		close(in);
		close(out);
		return rc;
	}
	case OP_LINK:
		return link(r->path, r->path2) < 0 ? errno : 0;
	case OP_RENAME:
		return rename(r->path, r->path2) < 0 ? errno : 0;
	case OP_UNLINK:
		return unlink(r->path) < 0 ? errno : 0;
	case OP_MKDIR:
		return mkdir(r->path, 0755) < 0 ? errno : 0;
	case OP_MMAP_EXEC: {
		void *m;

		fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		rc = m == MAP_FAILED ? errno : 0;
		if (m != MAP_FAILED)
			munmap(m, 4096);
		close(fd);
		return rc;
	}
	case OP_UNIX_CONNECT: {
		struct sockaddr_un sun;
		socklen_t sl = mk_sun(r->path, &sun);

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		rc = connect(fd, (void *)&sun, sl) < 0 ? errno : 0;
		close(fd);
		return rc;
	}
	case OP_ESCAPE_OPEN: {
		char p[300];

		snprintf(p, sizeof(p), "%s/cgroup.procs", r->path2);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		rc = write(fd, "0", 1) == 1 ? 0 : errno;
		close(fd);
		if (rc)
			return rc;
		fd = open(r->path, r->flags | O_CLOEXEC);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	case OP_PTRACE:
		if (ptrace(PTRACE_SEIZE, r->pid, 0, 0) < 0)
			return errno;
		ptrace(PTRACE_DETACH, r->pid, 0, 0);
		return 0;
	case OP_MOUNT:
		if (mount("cp-test", r->path, "tmpfs", 0, "size=64k") < 0)
			return errno;
		return umount(r->path) < 0 ? errno : 0;
	case OP_MPROTECT_WX: {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return errno;
		rc = mprotect(m, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) < 0 ? errno : 0;
		munmap(m, 4096);
		return rc;
	}
	case OP_MMAP_WX: {
		void *m = mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return errno;
		munmap(m, 4096);
		return 0;
	}
	case OP_MKNOD:
		if (mknod(r->path, S_IFCHR | 0600, r->dev) < 0)
			return errno;
		unlink(r->path);
		return 0;
	default:
		return EINVAL;
	}
}

static int do_req(const struct agent_req *r)
{
	pid_t pid;
	int p[2], err = -1, st;

	if (!r->in_child)
		return do_op(r);
	if (pipe(p) < 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		close(p[0]);
		err = do_op(r);
		if (write(p[1], &err, sizeof(err)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = EPIPE;
	close(p[0]);
	waitpid(pid, &st, 0);
	return err;
}

static int lo_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void agent_main(int req, int rep, const char *cg, bool netns,
		       const struct agent_listener *ls, int nls)
{
	char p[512];
	int fd, one = 1, status = 0;

	if (netns) {
		if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0)
			status = errno ? errno : EIO;
		for (int i = 0; !status && i < nls; i++) {
			struct sockaddr_storage ss;
			socklen_t len;
			int s;

			if (mk_sockaddr(ls[i].family, ls[i].addr, ls[i].port, &ss, &len)) {
				status = EINVAL;
				break;
			}
			s = socket(ls[i].family == 4 ? AF_INET : AF_INET6, ls[i].type, 0);
			if (s < 0) {
				status = errno;
				break;
			}
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(s, (void *)&ss, len) < 0 ||
			    (ls[i].type == SOCK_STREAM && listen(s, 64) < 0)) {
				status = errno;
				break;
			}
			/* kept open for the agent's lifetime */
		}
	}
	if (!status && cg) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", cg);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			status = errno ? errno : EIO;
		if (fd >= 0)
			close(fd);
	}
	if (write(rep, &status, sizeof(status)) != sizeof(status) || status)
		_exit(1);
	for (;;) {
		struct agent_req r;
		int err;

		if (read(req, &r, sizeof(r)) != sizeof(r) || r.op == OP_QUIT)
			_exit(0);
		err = do_req(&r);
		if (write(rep, &err, sizeof(err)) != sizeof(err))
			_exit(1);
	}
}

int agent_start(struct agent *a, const char *cgroup_dir, bool new_netns,
		const struct agent_listener *ls, int nls)
{
	int q[2], r[2], status = -1;

	if (pipe2(q, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(r, O_CLOEXEC) < 0) {
		close(q[0]);
		close(q[1]);
		return -errno;
	}
	fflush(NULL);
	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		close(q[1]);
		close(r[0]);
		agent_main(q[0], r[1], cgroup_dir, new_netns, ls, nls);
		_exit(0);
	}
	close(q[0]);
	close(r[1]);
	a->req_fd = q[1];
	a->rep_fd = r[0];
	if (read(a->rep_fd, &status, sizeof(status)) != sizeof(status) || status) {
		agent_stop(a);
		return status > 0 ? -status : -EIO;
	}
	return 0;
}

int agent_do(struct agent *a, const struct agent_req *req)
{
	int err;

	if (write(a->req_fd, req, sizeof(*req)) != sizeof(*req))
		return -1;
	if (read(a->rep_fd, &err, sizeof(err)) != sizeof(err))
		return -1;
	return err;
}

void agent_stop(struct agent *a)
{
	struct agent_req q = { .op = OP_QUIT };
	int st;

	if (a->pid <= 0)
		return;
	if (write(a->req_fd, &q, sizeof(q)) != sizeof(q))
		kill(a->pid, SIGKILL);
	close(a->req_fd);
	close(a->rep_fd);
	while (waitpid(a->pid, &st, 0) < 0 && errno == EINTR)
		;
	a->pid = 0;
}
