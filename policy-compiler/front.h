/* SPDX-License-Identifier: MIT */
/*
 * front.h - shared state of the front-end stages (internal to libcompart).
 *
 *   load.c      files, includes, hashing, the driver
 *   lexer.c     text -> tokens            parser.c  tokens -> AST
 *   vars.c      variables and paths
 *   sema_*.c    AST -> per-file IR fragment (names, constants resolved)
 *   check.c     cross-rule checks inside one file (conflicts, shadowing)
 *   lower.c     per-file overrides, merge over included files, defaults
 */
#ifndef CP_FRONT_H
#define CP_FRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "compart.h"
#include "groups.h"

struct cp_sha256;

#define CP_MAX_INCLUDE_DEPTH 16
/* Files processed in one load, counting a file reached twice twice: a
 * profile that includes the same file thousands of times is refused
 * rather than compiled thousands of times. */
#define CP_MAX_INCLUDES 128

/* What one file contributes, before it is merged over its includes.
 * The embedded policy holds only this file's sections; the extra fields
 * record the edits that are not plain replacements. */
struct cp_frag {
	struct cp_policy p;

	uint32_t ns_add, ns_remove;
	struct cp_loc ns_add_loc[8], ns_remove_loc[8];

	bool caps_none;
	uint64_t caps_keep, caps_drop;

	int8_t ptrace, signal_outside, mount;    /* -1 unset, 0 deny, 1 allow */

	bool sc_default_set, sc_arches_set, sc_bad_arch_set, sc_log_set;
	bool *sys_from_group;                    /* parallel to p.seccomp.rules */
	bool net_default_set, exec_dc_set, exec_wx_set;
	bool layer_set[CP_LAYER__COUNT];
	struct cp_loc layer_loc[CP_LAYER__COUNT];
	struct cp_loc hostname_loc;
};

struct cp_var {
	char *name;
	char *value;
	struct cp_loc loc;       /* file 0 / line 0 for built-ins and -D */
	int origin;              /* VAR_BUILTIN, VAR_CMDLINE, VAR_PROFILE */
};

enum { VAR_BUILTIN, VAR_CMDLINE, VAR_PROFILE };

struct cp_ctx {
	const struct cp_load_opts *opts;
	struct cp_diag *d;

	struct cp_var *vars;
	size_t nvars;

	struct cp_groups groups;
	bool groups_loaded;
	int groups_rc;

	char **files;            /* every file read, in include order */
	char **ids;              /* their canonical paths (cycle/dup detection) */
	size_t nfiles;
	char *root_dir;          /* directory of the top-level profile */
	struct cp_sha256 *sha;

	unsigned nprocessed;     /* files processed, diamonds counted again */

	const char *chain[CP_MAX_INCLUDE_DEPTH + 1];
	struct cp_loc chain_loc[CP_MAX_INCLUDE_DEPTH + 1];
	unsigned depth;

	const char *cur_file;    /* file being analysed (for relative paths) */
	uint32_t native_arch;
};

void cp_frag_init(struct cp_frag *f);
void cp_frag_fini(struct cp_frag *f);

/* vars.c */
int cp_vars_init(struct cp_ctx *c);
void cp_vars_fini(struct cp_ctx *c);
int cp_vars_define(struct cp_ctx *c, const struct ast_define *def);
/* Expand $NAME, ${NAME} and $$ in an item's text. */
int cp_expand(struct cp_ctx *c, const struct ast_item *it, char **out);
/* Expand and normalise an absolute path (no "..", no "//", no trailing /). */
int cp_expand_path(struct cp_ctx *c, const struct ast_item *it, char **out);
int cp_normalise_path(const char *in, char **out);

/* groups on demand */
const struct cp_groups *cp_ctx_groups(struct cp_ctx *c, struct cp_loc loc);

/* sema_*.c: one per section family */
int cp_sema_namespaces(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_filesystem(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_exec(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_syscalls(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f,
		     const struct cp_policy *base);
int cp_sema_network(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_process(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_devices(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_capabilities(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_limits(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_adapt(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);
int cp_sema_layers(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f);

/* sema_common.c: shared word helpers */
int cp_sema_action(struct cp_ctx *c, const struct ast_item *it, struct cp_action *a);
bool cp_item_is(const struct ast_item *it, const char *word);
void cp_item_error(struct cp_ctx *c, const struct ast_item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cp_item_warn(struct cp_ctx *c, const struct ast_item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* an item that must be a plain word (no string, no parentheses) */
bool cp_item_plain(struct cp_ctx *c, const struct ast_item *it, const char *what);

/* "; did you mean 'x'?" for the closest of a NULL-terminated list of
 * candidates, or "" (written to buf, returned) */
const char *cp_hint(char *buf, size_t n, const char *typed, const char *const *cands);

/* check.c */
int cp_check_frag(struct cp_ctx *c, const struct cp_frag *f);

/* lower.c */
int cp_lower_frag(struct cp_ctx *c, struct cp_frag *f);
int cp_merge(struct cp_ctx *c, struct cp_frag *acc, struct cp_frag *own);
int cp_finalize(struct cp_ctx *c, struct cp_frag *acc);

/* ir.c: free helpers for partial structures */
void cp_sys_rule_free(struct cp_sys_rule *r);
void cp_policy_release(struct cp_policy *p);
void cp_policy_release_adapt(struct cp_adapt *a);

#endif
