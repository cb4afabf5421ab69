/* SPDX-License-Identifier: MIT */
/*
 * cr-probe - run inside a sandbox by the launcher's integration tests.
 *
 *   cr-probe syscalls NAME...   try each call with harmless arguments and
 *                               print NAME=ERRNO (0 when it succeeded).
 *                               An allowed call fails harmlessly (EBADF,
 *                               EFAULT, EINVAL...); a filtered one returns
 *                               the profile's errno.
 *   cr-probe fds                print the open descriptors, one a line
 *   cr-probe tiocsti            push a byte into fd 0's input: errno
 *   cr-probe ids                "ruid euid capeff nnp"
 *   cr-probe signal             print "ready", wait, exit 100+signal
 *   cr-probe orphans N          leave N orphans that exit, then count
 *                               zombies in the pid namespace
 *   cr-probe write PATH         create PATH: prints the errno
 *   cr-probe connect PORT       TCP connect to 127.0.0.1:PORT: the errno
 *                               (ECONNREFUSED = allowed, nobody listens)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct call {
	const char *name;
	long (*fn)(void);
};

static long c_ptrace(void) { return syscall(SYS_ptrace, 0xdead, 0, NULL, NULL); }
static long c_personality(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long c_acct(void) { return syscall(SYS_acct, (void *)1); }
static long c_getpid(void) { return syscall(SYS_getpid); }
static long c_mount(void) { return syscall(SYS_mount, NULL, NULL, NULL, 0, NULL); }
static long c_unshare(void) { return syscall(SYS_unshare, 0x80000000UL); }
static long c_bpf(void) { return syscall(SYS_bpf, -1, NULL, 0); }
static long c_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); }
static long c_kexec(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long c_socket(void) { return syscall(SYS_socket, -1, 0, 0); }

static const struct call calls[] = {
	{ "ptrace", c_ptrace }, { "personality", c_personality }, { "acct", c_acct },
	{ "getpid", c_getpid }, { "mount", c_mount }, { "unshare", c_unshare },
	{ "bpf", c_bpf }, { "reboot", c_reboot }, { "kexec_load", c_kexec },
	{ "socket", c_socket },
};

static int do_syscalls(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const struct call *c = NULL;

		for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
			if (strcmp(calls[k].name, argv[i]) == 0)
				c = &calls[k];
		if (!c) {
			fprintf(stderr, "cr-probe: unknown syscall %s\n", argv[i]);
			return 2;
		}
		errno = 0;
		printf("%s=%d ", c->name, c->fn() < 0 ? errno : 0);
	}
	printf("\n");
	return 0;
}

static int do_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		perror("opendir");
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		printf("%s\n", e->d_name);
	}
	closedir(d);
	return 0;
}

static int do_tiocsti(void)
{
	char c = '#';

	errno = 0;
	printf("tiocsti=%d\n", ioctl(0, TIOCSTI, &c) < 0 ? errno : 0);
	return 0;
}

static int do_ids(void)
{
	char line[256];
	char cap[64] = "?", nnp[16] = "?";
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "CapEff: %63s", cap);
		sscanf(line, "NoNewPrivs: %15s", nnp);
	}
	if (f)
		fclose(f);
	printf("%u %u %s %s\n", getuid(), geteuid(), cap, nnp);
	return 0;
}

static volatile sig_atomic_t got;
static void on_sig(int s) { got = s; }

static int do_signal(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t none;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_sig);
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&none);
	while (!got)
		sigsuspend(&none);
	return 100 + got;
}

static int do_orphans(int n)
{
	int zombies = 0;
	DIR *d;
	struct dirent *e;

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (fork() == 0) {
				usleep(20000);
				_exit(0);
			}
			_exit(0);   /* the grandchild is now an orphan of pid 1 */
		}
		waitpid(p, NULL, 0);
	}
	usleep(150000);
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f)) {
			char *rp = strrchr(buf, ')');

			if (rp && rp[1] == ' ' && rp[2] == 'Z')
				zombies++;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	printf("zombies=%d\n", zombies);
	return 0;
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	printf("write=%d\n", fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int do_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("connect=socket:%d\n", errno);
		return 0;
	}
	printf("connect=%d\n", connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "syscalls") == 0)
		return do_syscalls(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "fds") == 0)
		return do_fds();
	if (argc == 2 && strcmp(argv[1], "tiocsti") == 0)
		return do_tiocsti();
	if (argc == 2 && strcmp(argv[1], "ids") == 0)
		return do_ids();
	if (argc == 2 && strcmp(argv[1], "signal") == 0)
		return do_signal();
	if (argc == 3 && strcmp(argv[1], "orphans") == 0)
		return do_orphans(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2]);
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return do_connect(atoi(argv[2]));
	fprintf(stderr, "usage: cr-probe syscalls NAME...|fds|tiocsti|ids|signal|orphans N|write PATH|connect PORT\n");
	return 2;
}
