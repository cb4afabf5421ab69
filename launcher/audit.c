/* SPDX-License-Identifier: MIT */
/*
 * audit.c - the JSON-lines audit log (see audit.h, man compart-run(1)).
 *
 * Each event is serialised completely first and then written with one
 * write(2) on an O_APPEND descriptor: lines from concurrent sandboxes that
 * share a file may be reordered but never interleaved.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

struct cp_audit {
	int fd;                 /* -1 = disabled */
	bool own_fd;
	char *sandbox;
	unsigned long lost;
};

static int parse_fd_spec(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return -EINVAL;
	if (fcntl((int)v, F_GETFD) < 0)
		return -EBADF;
	*out = (int)v;
	return 0;
}

int cp_audit_open(const char *spec, const char *sandbox_id, struct cp_audit **out)
{
	struct cp_audit *a;
	int r;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->fd = -1;
	a->sandbox = strdup(sandbox_id ? sandbox_id : "");
	if (!a->sandbox) {
		free(a);
		return -ENOMEM;
	}
	if (spec && strncmp(spec, "fd:", 3) == 0) {
		r = parse_fd_spec(spec + 3, &a->fd);
		if (r < 0) {
			cp_audit_close(a);
			return r;
		}
		/* the log must not leak into the sandbox */
		if (fcntl(a->fd, F_SETFD, FD_CLOEXEC) < 0) {
			r = -errno;
			cp_audit_close(a);
			return r;
		}
	} else if (spec) {
		a->fd = open(spec, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (a->fd < 0) {
			r = -errno;
			cp_audit_close(a);
			return r;
		}
		a->own_fd = true;
	}
	*out = a;
	return 0;
}

void cp_audit_close(struct cp_audit *a)
{
	if (!a)
		return;
	if (a->own_fd && a->fd >= 0)
		close(a->fd);
	free(a->sandbox);
	free(a);
}

unsigned long cp_audit_lost(const struct cp_audit *a)
{
	return a ? a->lost : 0;
}

static void rfc3339(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	size_t len;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, n - len, ".%09ldZ", ts.tv_nsec);
}

void cp_audit_emit(struct cp_audit *a, const char *event, struct json_object *fields)
{
	struct json_object *o;
	const char *line;
	char ts[64];
	size_t len;
	char *buf;

	if (!a || a->fd < 0) {
		json_object_put(fields);
		return;
	}
	/* common fields first so the lines read well */
	o = json_object_new_object();
	if (!o) {
		a->lost++;
		json_object_put(fields);
		return;
	}
	rfc3339(ts, sizeof(ts));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "sandbox", json_object_new_string(a->sandbox));
	if (fields) {
		json_object_object_foreach(fields, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_put(fields);
	}
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(line);
	buf = malloc(len + 1);
	if (!buf) {
		a->lost++;
		json_object_put(o);
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	for (;;) {
		ssize_t w = write(a->fd, buf, len + 1);

		if (w < 0 && errno == EINTR)
			continue;
		if (w != (ssize_t)(len + 1))
			a->lost++;
		break;
	}
	free(buf);
	json_object_put(o);
}
