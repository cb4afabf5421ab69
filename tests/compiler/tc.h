/* SPDX-License-Identifier: MIT */
/* tc.h - helpers for the front-end tests. */
#ifndef TC_H
#define TC_H

#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compart.h"

/* A scratch directory removed at exit (also when a test fails). */
const char *tc_tmpdir(void);
/* Write a file under tc_tmpdir(); returns its path (static buffer ring). */
const char *tc_write(const char *rel, const char *text);

/* Load `text` as a profile named `fname` with fixed variables
 * (HOME=/home/u, CWD=/work/proj, TMPDIR=/tmp) and the shipped groups
 * file; search path = tc_tmpdir() then the source profiles.  Diagnostics
 * are captured in *msgs (static, valid until the next call). */
int tc_load(const char *fname, const char *text, struct cp_policy **out, const char **msgs);
int tc_load_file(const char *path, struct cp_policy **out, const char **msgs);
/* with -D defines */
int tc_load_defs(const char *text, const char *const *defines, struct cp_policy **out,
		 const char **msgs);

/* Expect `text` to fail with a message containing `needle` reported at
 * line:col (col 0 = do not check). */
void tc_expect_error(const char *text, const char *needle, unsigned line, unsigned col);

/* Deep comparison of two policies, ignoring locations, name, hash and
 * file list.  Returns NULL or a description of the first difference. */
const char *tc_policy_diff(const struct cp_policy *a, const struct cp_policy *b);

/* A policy's rule for a syscall (the n-th one), or NULL. */
const struct cp_sys_rule *tc_rule(const struct cp_policy *p, const char *name, unsigned nth);

#endif
