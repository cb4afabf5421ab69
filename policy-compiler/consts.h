/* SPDX-License-Identifier: MIT */
/* consts.h - named constants, numbers and fixed name tables (internal). */
#ifndef CP_CONSTS_H
#define CP_CONSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Named constant from the system headers (table generated at build time). */
int cp_const_lookup(const char *name, uint64_t *val);
/* An errno name (EPERM) or a number 1..4095. */
int cp_errno_lookup(const char *name, int32_t *val);
/* Canonical name of an errno value, or NULL. */
const char *cp_errno_name(int32_t e);
/* Strict unsigned number: decimal, 0x hex, 0o/leading-0 octal; the whole
 * string must be consumed.  Returns 0 or -EINVAL / -ERANGE. */
int cp_parse_u64(const char *s, uint64_t *out);
/* Number with an optional binary size suffix K, M, G, T. */
int cp_parse_size(const char *s, uint64_t *out);

/* Friendly argument names of common syscalls: returns the argument index,
 * or -1.  *is_ptr says the argument is a pointer (seccomp cannot see
 * what it points to). */
int cp_sys_arg_index(const char *syscall, const char *arg, bool *is_ptr);
/* Parameter name of argument idx, or NULL. */
const char *cp_sys_arg_name(const char *syscall, unsigned idx);
/* The syscall takes pointer arguments (paths, sockaddrs, buffers). */
bool cp_sys_has_ptr_args(const char *syscall);
/* The parameter names known for a syscall, for messages ("fd, request"),
 * or NULL. */
const char *cp_sys_arg_list(const char *syscall);

/* Resource limit by short name (nofile, as, ...) -> RLIMIT_*, or -1. */
int cp_rlimit_lookup(const char *name);
const char *cp_rlimit_name(int resource);

/* Typo suggestions ("did you mean ...?"). */
size_t cp_edit_distance(const char *a, const char *b);
bool cp_is_typo_of(const char *typed, const char *cand, size_t *dist);
const char *cp_const_suggest(const char *name);

#endif
