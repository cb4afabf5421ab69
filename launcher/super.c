/* SPDX-License-Identifier: MIT */
/*
 * super.c - the supervisor's event loop: one epoll set over the sandbox's
 * pidfd, the signalfd, the status pipe, the pty and whatever the BPF and
 * adaptive layers register (ring buffers).  A fixed table keeps it free of
 * allocation; the launcher needs a handful of fds.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sandbox.h"

int cp_super_init(struct cp_super *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < CP_SUPER_MAX; i++)
		s->slot[i].fd = -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	return s->epfd < 0 ? -errno : 0;
}

void cp_super_fini(struct cp_super *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
}

int cp_super_add_fd(struct cp_super *s, int fd, cp_super_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };

	for (size_t i = 0; i < CP_SUPER_MAX; i++) {
		if (s->slot[i].fd >= 0)
			continue;
		ev.data.u64 = i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		s->slot[i].fd = fd;
		s->slot[i].cb = cb;
		s->slot[i].ctx = ctx;
		return 0;
	}
	return -ENOSPC;
}

int cp_super_del_fd(struct cp_super *s, int fd)
{
	for (size_t i = 0; i < CP_SUPER_MAX; i++) {
		if (s->slot[i].fd != fd)
			continue;
		s->slot[i].fd = -1;
		if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

void cp_super_stop(struct cp_super *s)
{
	s->stop = true;
}

int cp_super_run(struct cp_super *s)
{
	struct epoll_event evs[CP_SUPER_MAX];

	while (!s->stop) {
		int n = epoll_wait(s->epfd, evs, CP_SUPER_MAX, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !s->stop; i++) {
			size_t k = (size_t)evs[i].data.u64;
			int fd = s->slot[k].fd;
			int r;

			if (fd < 0)
				continue;   /* removed by an earlier callback */
			r = s->slot[k].cb(fd, s->slot[k].ctx);
			if (r < 0)
				return r;
			if (r == CP_SUPER_REMOVE)
				cp_super_del_fd(s, fd);
		}
	}
	return 0;
}
