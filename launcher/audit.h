/* SPDX-License-Identifier: MIT */
/*
 * audit.h - the audit log: one JSON object per line.
 *
 * Every subsystem that decides something writes an event here (layer
 * applied/skipped, denials from the BPF ring buffer, model decisions).
 * The format is documented in man/compart-run.1 (AUDIT LOG).
 *
 * Common fields added by cp_audit_emit():
 *   "ts"      wall-clock time, RFC 3339 with nanoseconds
 *   "event"   the event name ("start", "layer", "deny", "adapt", "exit", ...)
 *   "sandbox" the sandbox id string
 */
#ifndef COMPART_AUDIT_H
#define COMPART_AUDIT_H

#include <json-c/json.h>

struct cp_audit;

/* spec: NULL (disabled: events are dropped), "fd:N", or a file path
 * (opened O_APPEND|O_CREAT|O_CLOEXEC, mode 0600).  Returns -errno. */
int cp_audit_open(const char *spec, const char *sandbox_id, struct cp_audit **out);
void cp_audit_close(struct cp_audit *a);

/* Write one event.  Takes ownership of `fields` (may be NULL). Each line is
 * written with a single write(2) so concurrent sandboxes sharing a file do
 * not interleave.  Never fails the caller; a failed write is counted and
 * reported at close. */
void cp_audit_emit(struct cp_audit *a, const char *event, struct json_object *fields);

/* Number of events that could not be written (I/O errors). */
unsigned long cp_audit_lost(const struct cp_audit *a);

#endif /* COMPART_AUDIT_H */
