/* SPDX-License-Identifier: MIT */
/*
 * diag.h - diagnostics that point at the source.
 *
 *   profiles/x.profile:12:9: error: unknown constant 'AF_INTE'
 *      12 |   allow socket(arg0 == AF_INTE)
 *         |                        ^~~~~~~
 *
 * A struct cp_diag collects messages; the caller decides where they go
 * (stderr in the tools, a buffer in tests).  Source text is registered
 * once per file so that the line can be quoted.
 */
#ifndef COMPART_DIAG_H
#define COMPART_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cp_severity { CP_SEV_NOTE = 0, CP_SEV_WARNING, CP_SEV_ERROR };

struct cp_diag_source {
	char *file;
	char *text;
	size_t len;
};

struct cp_diag {
	FILE *out;               /* where messages are printed (NULL = none) */
	char *buf;               /* every message, also kept here */
	size_t buflen, bufcap;
	unsigned errors, warnings;
	struct cp_diag_source *sources;
	size_t nsources;
	unsigned max_errors;     /* stop recording after this many (0 = 20) */
};

void cp_diag_init(struct cp_diag *d, FILE *out);
void cp_diag_fini(struct cp_diag *d);

/* Register the text of a file so that messages can quote its lines.
 * The diag keeps its own copy. */
int cp_diag_add_source(struct cp_diag *d, const char *file, const char *text, size_t len);

/* Report at a location; `span` is the caret width (0 or 1 = one caret). */
void cp_diag_report(struct cp_diag *d, enum cp_severity sev, struct cp_loc loc,
		    unsigned span, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void cp_diag_vreport(struct cp_diag *d, enum cp_severity sev, struct cp_loc loc,
		     unsigned span, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

#define cp_error(d, loc, ...)   cp_diag_report((d), CP_SEV_ERROR, (loc), 1, __VA_ARGS__)
#define cp_warning(d, loc, ...) cp_diag_report((d), CP_SEV_WARNING, (loc), 1, __VA_ARGS__)

/* Convert a byte offset in a registered source into line:col. */
struct cp_loc cp_diag_loc_at(const struct cp_diag *d, const char *file, size_t offset);

#ifdef __cplusplus
}
#endif
#endif /* COMPART_DIAG_H */
