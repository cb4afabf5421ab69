// SPDX-License-Identifier: MIT
/* fileutil.c - file helpers: whole-file reads, atomic writes, profile dir. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compart.h"
#include "util.h"

#ifndef CP_SOURCE_PROFILE_DIR
#define CP_SOURCE_PROFILE_DIR "profiles"
#endif
#ifndef CP_INSTALL_PROFILE_DIR
#define CP_INSTALL_PROFILE_DIR "/usr/local/share/compart/profiles"
#endif

int cp_read_file(const char *path, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		/* pipes and devices could block or never end */
		rc = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > CP_MAX_FILE_SIZE) {
		rc = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	/* the file may change size under us; read until EOF or the cap */
	for (;;) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			free(buf);
			goto out;
		}
		if (n == 0 || len + (size_t)n == (size_t)st.st_size) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	rc = 0;
out:
	close(fd);
	return rc;
}

int cp_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	const char *p = buf;
	int fd, rc = 0;

	if (!path || !*path || (len && !buf))
		return -EINVAL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		rc = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto fail;
	}
	{
		/* make the rename itself durable */
		const char *slash = strrchr(path, '/');
		_cleanup_free_ char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
						 : strdup(".");
		int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

const char *cp_default_profile_dir(void)
{
	const char *e = getenv("COMPART_PROFILE_DIR");
	struct stat st;

	if (e && *e)
		return e;
	if (stat(CP_SOURCE_PROFILE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
		return CP_SOURCE_PROFILE_DIR;
	return CP_INSTALL_PROFILE_DIR;
}
