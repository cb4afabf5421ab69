/* SPDX-License-Identifier: MIT */
/*
 * pty.c - run interactive commands on a pty pair proxied by the
 * supervisor.
 *
 * A sandboxed program that shares the caller's terminal can push input
 * into it with ioctl(TIOCSTI) and have the caller's shell execute it after
 * the sandbox exits (CVE-2017-5226 in bubblewrap).  With a fresh pty the
 * only terminal the sandbox can reach is one the supervisor reads from;
 * the caller's terminal is put in raw mode and bytes are copied both ways,
 * so job control and line editing happen on the inner pty.
 *
 * Where the view has the launcher's /dev, the pair is made inside, on the
 * sandbox's own devpts instance (ttyname works, /dev/tty is the sandbox's),
 * with the caller's termios and window size, and only the master travels
 * to the supervisor; otherwise the supervisor opens it from /dev/ptmx.
 */
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cr.h"

static struct termios saved;
static bool saved_valid;

int cr_pty_open(struct cr_pty *t)
{
	struct termios tio;
	struct winsize ws;
	bool have_tio = tcgetattr(STDIN_FILENO, &tio) == 0;
	bool have_ws = ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0;

	t->active = false;
	if (openpty(&t->master, &t->slave, NULL, have_tio ? &tio : NULL,
		    have_ws ? &ws : NULL) < 0)
		return -errno;
	if (fcntl(t->master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(t->slave, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

void cr_pty_winch(struct cr_pty *t)
{
	struct winsize ws;

	if (t->active && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(t->master, TIOCSWINSZ, &ws);
}

void cr_pty_restore(struct cr_pty *t)
{
	if (saved_valid) {
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
		saved_valid = false;
	}
	(void)t;
}

static int copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return CP_SUPER_REMOVE;   /* EOF, or EIO once every slave is closed */
	if (cr_write_all(to, buf, (size_t)n) < 0)
		return CP_SUPER_REMOVE;
	return 0;
}

static int on_stdin(int fd, void *ctx)
{
	struct cr_pty *t = ctx;

	return copy(fd, t->master);
}

static int on_master(int fd, void *ctx)
{
	(void)ctx;
	return copy(fd, STDOUT_FILENO);
}

int cr_pty_start(struct cr_pty *t, struct cp_super *s)
{
	struct termios raw;
	int r;

	if (tcgetattr(STDIN_FILENO, &saved) == 0) {
		saved_valid = true;
		raw = saved;
		cfmakeraw(&raw);
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
	}
	t->active = true;
	r = cp_super_add_fd(s, t->master, on_master, t);
	if (r == 0)
		r = cp_super_add_fd(s, STDIN_FILENO, on_stdin, t);
	return r;
}

/* After the sandbox ended: copy what is still buffered in the pty. */
void cr_pty_drain(struct cr_pty *t)
{
	int fl;

	if (!t->active)
		return;
	fl = fcntl(t->master, F_GETFL);
	if (fl < 0 || fcntl(t->master, F_SETFL, fl | O_NONBLOCK) < 0)
		return;
	for (;;) {
		char buf[4096];
		ssize_t n = read(t->master, buf, sizeof(buf));

		if (n <= 0 || cr_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			break;
	}
}

/* In the sandbox's init, after the view is built: a pty pair on the
 * sandbox's own devpts instance, so ttyname(3) works inside and nothing of
 * the host's devpts is involved.  The master travels to the supervisor
 * over the report socket; the slave stays for the command. */
void cr_pty_inside_open(const struct cr_plan *pl, int *slave)
{
	char name[64];
	int master;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		cr_child_fail(errno, "pty: opening /dev/ptmx in the sandbox");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		cr_child_fail(errno, "pty: unlockpt");
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		cr_child_fail(errno, "pty: opening %s", name);
	if (pl->have_tio)
		(void)tcsetattr(*slave, TCSANOW, &pl->tio);
	if (pl->have_ws)
		(void)ioctl(master, TIOCSWINSZ, &pl->ws);
	if (cr_child_send_fd(pl->report_fd, CR_REP_PTY, master) < 0)
		cr_child_fail(errno, "pty: handing the terminal to the supervisor");
	close(master);
}
