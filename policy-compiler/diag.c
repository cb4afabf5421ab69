// SPDX-License-Identifier: MIT
/*
 * diag.c - diagnostics in the compiler style users already know:
 * "file:line:col: error: message", the source line, and a caret.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define CP_DIAG_DEFAULT_MAX 20

void cp_diag_init(struct cp_diag *d, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
}

void cp_diag_fini(struct cp_diag *d)
{
	for (size_t i = 0; i < d->nsources; i++) {
		free(d->sources[i].file);
		free(d->sources[i].text);
	}
	free(d->sources);
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

int cp_diag_add_source(struct cp_diag *d, const char *file, const char *text, size_t len)
{
	struct cp_diag_source *ns;
	char *f, *t;

	/* a file included twice is registered once */
	for (size_t i = 0; i < d->nsources; i++)
		if (!strcmp(d->sources[i].file, file))
			return 0;
	ns = realloc(d->sources, (d->nsources + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	d->sources = ns;
	f = strdup(file);
	t = malloc(len + 1);
	if (!f || !t) {
		free(f);
		free(t);
		return -ENOMEM;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	d->sources[d->nsources++] = (struct cp_diag_source){ f, t, len };
	return 0;
}

static const struct cp_diag_source *find_source(const struct cp_diag *d, const char *file)
{
	if (!file)
		return NULL;
	for (size_t i = 0; i < d->nsources; i++)
		if (!strcmp(d->sources[i].file, file))
			return &d->sources[i];
	return NULL;
}

struct cp_loc cp_diag_loc_at(const struct cp_diag *d, const char *file, size_t offset)
{
	const struct cp_diag_source *s = find_source(d, file);
	struct cp_loc loc = { file, 0, 0 };
	uint32_t line = 1;
	size_t ls = 0;

	if (!s)
		return loc;
	if (offset > s->len)
		offset = s->len;
	for (size_t i = 0; i < offset; i++)
		if (s->text[i] == '\n') {
			line++;
			ls = i + 1;
		}
	loc.line = line;
	loc.col = (uint32_t)(offset - ls + 1);
	return loc;
}

/* Append to the message buffer; on allocation failure the message is
 * still printed, only the copy is lost. */
static void buf_append(struct cp_diag *d, const char *s, size_t n)
{
	if (d->buflen + n + 1 > d->bufcap) {
		size_t ncap = d->bufcap ? d->bufcap : 256;
		char *nb;

		while (ncap < d->buflen + n + 1)
			ncap *= 2;
		nb = realloc(d->buf, ncap);
		if (!nb)
			return;
		d->buf = nb;
		d->bufcap = ncap;
	}
	memcpy(d->buf + d->buflen, s, n);
	d->buflen += n;
	d->buf[d->buflen] = '\0';
}

static void emit(struct cp_diag *d, const char *s, size_t n)
{
	if (d->out)
		fwrite(s, 1, n, d->out);
	buf_append(d, s, n);
}

static void emitf(struct cp_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emitf(struct cp_diag *d, const char *fmt, ...)
{
	char small[512];
	char *p = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		p = malloc((size_t)n + 1);
		if (!p)
			return;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	emit(d, p, (size_t)n);
	if (p != small)
		free(p);
}

/* Quote the line and underline `span` columns from loc.col.  Tabs in the
 * prefix are copied so the caret lines up in any terminal. */
static void quote_source(struct cp_diag *d, struct cp_loc loc, unsigned span)
{
	const struct cp_diag_source *s = find_source(d, loc.file);
	const char *p, *end;
	size_t ll;
	uint32_t line = 1;

	if (!s || loc.line == 0)
		return;
	p = s->text;
	end = s->text + s->len;
	while (line < loc.line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return;
		p = nl + 1;
		line++;
	}
	if (line != loc.line)
		return;
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
	}
	if (ll > 0 && p[ll - 1] == '\r')
		ll--;
	emitf(d, "%5u | ", loc.line);
	/* never print control bytes to a terminal */
	for (size_t i = 0; i < ll; i++) {
		char c = p[i];

		if ((unsigned char)c < 0x20 && c != '\t')
			c = '?';
		emit(d, &c, 1);
	}
	emit(d, "\n      | ", 9);
	if (loc.col == 0)
		loc.col = 1;
	for (size_t i = 0; i + 1 < loc.col && i < ll; i++)
		emit(d, p[i] == '\t' ? "\t" : " ", 1);
	emit(d, "^", 1);
	if (span > 1) {
		size_t room = ll >= loc.col ? ll - loc.col : 0;

		if (span - 1 > room)
			span = (unsigned)room + 1;
		for (unsigned i = 1; i < span; i++)
			emit(d, "~", 1);
	}
	emit(d, "\n", 1);
}

void cp_diag_vreport(struct cp_diag *d, enum cp_severity sev, struct cp_loc loc,
		     unsigned span, const char *fmt, va_list ap)
{
	unsigned max = d->max_errors ? d->max_errors : CP_DIAG_DEFAULT_MAX;
	const char *what = sev == CP_SEV_ERROR ? "error" :
			   sev == CP_SEV_WARNING ? "warning" : "note";
	char msg[1024];

	if (sev == CP_SEV_ERROR) {
		d->errors++;
		if (d->errors > max) {
			if (d->errors == max + 1)
				emitf(d, "too many errors; stopping\n");
			return;
		}
	} else if (sev == CP_SEV_WARNING) {
		d->warnings++;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (loc.file && loc.line)
		emitf(d, "%s:%u:%u: %s: %s\n", loc.file, loc.line, loc.col ? loc.col : 1, what, msg);
	else if (loc.file)
		emitf(d, "%s: %s: %s\n", loc.file, what, msg);
	else
		emitf(d, "%s: %s\n", what, msg);
	quote_source(d, loc, span);
	if (d->out)
		fflush(d->out);
}

void cp_diag_report(struct cp_diag *d, enum cp_severity sev, struct cp_loc loc,
		    unsigned span, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cp_diag_vreport(d, sev, loc, span, fmt, ap);
	va_end(ap);
}
