/* SPDX-License-Identifier: MIT */
/*
 * lexer.h - tokens of the profile language (internal to libcompart).
 *
 * The whole file is tokenised up front so the parser can look ahead
 * freely.  Newlines are tokens because they end statements; the parser
 * ignores them inside parentheses and braces of conditions.
 */
#ifndef CP_LEXER_H
#define CP_LEXER_H

#include <stddef.h>

#include "diag.h"

enum tok_kind {
	TK_EOF = 0,
	TK_NL,       /* newline or ';' */
	TK_WORD,     /* keyword, name, number, path, address, @group */
	TK_STRING,   /* "..." (text decoded, variables not yet expanded) */
	TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN, TK_COMMA,
	TK_ASSIGN,   /* = */
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
	TK_AMP,      /* & */
	TK_ANDAND,   /* && */
	TK_PIPE,     /* | */
	TK_OROR,     /* || */
};

struct token {
	enum tok_kind kind;
	char *text;          /* TK_WORD / TK_STRING: NUL-terminated copy */
	struct cp_loc loc;
	unsigned span;       /* source bytes covered (caret width) */
};

struct token_list {
	struct token *v;
	size_t n, cap;
};

/* Tokenise `len` bytes of `src`.  `file` must outlive the tokens (it is
 * stored in every loc).  Returns 0, -EINVAL after reporting a lexical
 * error, or -ENOMEM. */
int cp_lex(const char *file, const char *src, size_t len, struct cp_diag *d,
	   struct token_list *out);
void cp_tokens_free(struct token_list *tl);

const char *cp_tok_kind_name(enum tok_kind k);

#endif
