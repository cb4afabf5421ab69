/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers shared by the launcher's subsystems: die(),
 * cleanup attributes, file helpers.  Launcher code may exit (die); these
 * helpers never hide errno.
 */
#ifndef CR_UTIL_H
#define CR_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Exit statuses (env(1) / docker run conventions). */
#define CR_EXIT_USAGE     2
#define CR_EXIT_FAILURE   125   /* compart-run itself failed */
#define CR_EXIT_CANNOT    126   /* command found but could not be executed */
#define CR_EXIT_NOTFOUND  127   /* command not found */

/* Called by die() before exiting, so a failing supervisor still kills the
 * sandbox and removes its cgroup.  Set once the run exists. */
extern void (*cr_die_hook)(void);

/* Print "compart-run: MSG" and exit 125. */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);
/* The same with ": strerror(errno)" appended (errno saved on entry). */
__attribute__((noreturn, format(printf, 1, 2)))
void die_errno(const char *fmt, ...);
/* die() with an explicit exit status (usage errors: 2). */
__attribute__((noreturn, format(printf, 2, 3)))
void die_status(int status, const char *fmt, ...);

__attribute__((format(printf, 1, 2)))
void warnx_cr(const char *fmt, ...);

static inline void cr_freep(void *p) { free(*(void **)p); }
static inline void cr_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define cleanup_free __attribute__((cleanup(cr_freep)))
#define cleanup_fd   __attribute__((cleanup(cr_closep)))

/* Hand ownership out of a cleanup variable. */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define steal_fd(fdp)     ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t sz);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2)))
char *xasprintf(const char *fmt, ...);

/* write(2) all of buf, retrying on EINTR/short writes.  0 or -errno. */
int cr_write_all(int fd, const void *buf, size_t len);
/* Read all of buf (exactly len) unless EOF; returns bytes read or -errno. */
ssize_t cr_read_full(int fd, void *buf, size_t len);
/* Write a short string into a file (proc/sysfs knobs).  0 or -errno. */
int cr_write_file_at(int dirfd, const char *path, const char *s);
/* Read a small file into buf (NUL-terminated).  Length or -errno. */
ssize_t cr_read_file_at(int dirfd, const char *path, char *buf, size_t n);

/* Read a whole regular file (NUL-terminated copy).  0 or -errno. */
int cr_read_whole(const char *path, char **out, size_t *len);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void cr_hex(const uint8_t *in, size_t len, char *out);

#endif /* CR_UTIL_H */
