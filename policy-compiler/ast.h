/* SPDX-License-Identifier: MIT */
/*
 * ast.h - the syntax tree of one profile file (internal to libcompart).
 *
 * The grammar is line-oriented: a section holds statements, a statement is
 * a list of items.  Items keep their source position so that every later
 * stage can point at the exact word it rejects.  Only syscall conditions
 * and errno(...) have inner structure at this level; what the words of a
 * statement mean is decided by the semantic stage (sema_*.c).
 */
#ifndef CP_AST_H
#define CP_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "ir.h"

enum ast_item_kind {
	AI_WORD,
	AI_STRING,
	AI_CALL,      /* word(...) */
};

/* A value expression: terms OR-ed together (O_WRONLY|O_CREAT). */
struct ast_term {
	char *text;
	struct cp_loc loc;
	unsigned span;
};

struct ast_expr {
	struct ast_term *terms;
	size_t nterms;
};

struct ast_cond {
	char *arg;               /* arg0..arg5 or a friendly name */
	struct cp_loc loc;       /* of the argument name */
	unsigned span;
	enum cp_cmp_op op;
	struct ast_expr mask;    /* CP_CMP_MASKED_EQ */
	struct ast_expr rhs;     /* comparisons */
	struct ast_expr *set;    /* IN / NOT_IN */
	size_t nset;
};

struct ast_conj {
	struct ast_cond *conds;
	size_t nconds;
	struct cp_loc loc;
};

struct ast_item {
	enum ast_item_kind kind;
	char *text;              /* word, decoded string, or call name */
	struct cp_loc loc;
	unsigned span;
	/* AI_CALL: errno(...) and similar have plain arguments, syscall
	 * calls have a disjunction of conjunctions */
	struct ast_item *args;
	size_t nargs;
	struct ast_conj *disj;
	size_t ndisj;
	struct cp_loc paren_loc;
};

struct ast_stmt {
	struct ast_item *items;
	size_t nitems;
	struct cp_loc loc;
};

enum ast_section_kind {
	SEC_NAMESPACES = 0,
	SEC_FILESYSTEM,
	SEC_SYSCALLS,
	SEC_NETWORK,
	SEC_EXEC,
	SEC_PROCESS,
	SEC_DEVICES,
	SEC_CAPABILITIES,
	SEC_LIMITS,
	SEC_ADAPT,
	SEC_LAYERS,
	SEC__COUNT,
};

struct ast_section {
	enum ast_section_kind kind;
	struct cp_loc loc;
	unsigned span;
	struct ast_stmt *stmts;
	size_t nstmts;
};

struct ast_include {
	char *target;
	bool optional;           /* `include optional "x"`: skip if missing */
	struct cp_loc loc;
	unsigned span;
};

struct ast_define {
	char *name;
	struct ast_item value;
	struct cp_loc loc;
	unsigned span;
};

struct ast_file {
	const char *path;        /* owned by the loader's file table */
	struct ast_include *includes;
	size_t nincludes;
	struct ast_define *defines;
	size_t ndefines;
	struct ast_section *sections;
	size_t nsections;
};

const char *cp_section_name(enum ast_section_kind k);

/* Parse a token list; reports syntax errors; returns 0, -EINVAL or -ENOMEM. */
struct token_list;
struct cp_diag;
int cp_parse(const struct token_list *tl, struct cp_diag *d, struct ast_file *out);
void cp_ast_free(struct ast_file *f);

#endif
