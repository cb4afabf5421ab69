// SPDX-License-Identifier: MIT
/*
 * lexer.c - turn profile text into tokens.
 *
 * Words are deliberately permissive (paths, CIDRs, port ranges, @groups,
 * kill-process all lex as one word) so that the grammar stays line-oriented
 * and readable; what a word means is decided by the semantic stage, which
 * knows the context and can give a precise error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

/* Longest token and longest file we accept: bounded so that a hostile
 * profile cannot make the compiler allocate without limit. */
#define CP_MAX_TOKEN   4096
#define CP_MAX_TOKENS  (1u << 20)

static bool word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '/' || c == '.' ||
	       c == '$' || c == '@' || c == ':' || c == '*' || c == '+';
}

static bool word_cont(unsigned char c)
{
	return word_start(c) || c == '-';
}

static int push(struct token_list *tl, enum tok_kind k, char *text,
		struct cp_loc loc, unsigned span)
{
	if (tl->n == tl->cap) {
		size_t ncap = tl->cap ? tl->cap * 2 : 64;
		struct token *nv;

		if (ncap > CP_MAX_TOKENS)
			return -E2BIG;
		nv = realloc(tl->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		tl->v = nv;
		tl->cap = ncap;
	}
	tl->v[tl->n++] = (struct token){ .kind = k, .text = text, .loc = loc, .span = span };
	return 0;
}

void cp_tokens_free(struct token_list *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		free(tl->v[i].text);
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}

const char *cp_tok_kind_name(enum tok_kind k)
{
	switch (k) {
	case TK_EOF:    return "end of file";
	case TK_NL:     return "end of line";
	case TK_WORD:   return "word";
	case TK_STRING: return "string";
	case TK_LBRACE: return "'{'";
	case TK_RBRACE: return "'}'";
	case TK_LPAREN: return "'('";
	case TK_RPAREN: return "')'";
	case TK_COMMA:  return "','";
	case TK_ASSIGN: return "'='";
	case TK_EQ:     return "'=='";
	case TK_NE:     return "'!='";
	case TK_LT:     return "'<'";
	case TK_LE:     return "'<='";
	case TK_GT:     return "'>'";
	case TK_GE:     return "'>='";
	case TK_AMP:    return "'&'";
	case TK_ANDAND: return "'&&'";
	case TK_PIPE:   return "'|'";
	case TK_OROR:   return "'||'";
	}
	return "token";
}

/* Decode a string literal starting at src[i] == '"'.  Escapes: \" \\ \n
 * \t \$ (a literal dollar, so "\$HOME" is not expanded). '$' is kept as is
 * for the variable stage; "\$" becomes "$$", which that stage reads as a
 * literal '$'. */
static int lex_string(const char *file, const char *src, size_t len, size_t *pi,
		      struct cp_loc loc, struct cp_diag *d, char **out)
{
	size_t i = *pi + 1;
	size_t cap = 32, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		char c;

		if (i >= len || src[i] == '\n') {
			cp_error(d, loc, "unterminated string");
			free(buf);
			return -EINVAL;
		}
		c = src[i];
		if (c == '"')
			break;
		if (c == '\0') {
			cp_error(d, cp_diag_loc_at(d, file, i), "NUL byte in string");
			free(buf);
			return -EINVAL;
		}
		if (n + 3 >= cap) {
			char *nb;

			if (cap >= CP_MAX_TOKEN) {
				cp_error(d, loc, "string longer than %d bytes", CP_MAX_TOKEN);
				free(buf);
				return -EINVAL;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		if (c == '\\') {
			char e = i + 1 < len ? src[i + 1] : '\0';

			switch (e) {
			case '"':  buf[n++] = '"'; break;
			case '\\': buf[n++] = '\\'; break;
			case 'n':  buf[n++] = '\n'; break;
			case 't':  buf[n++] = '\t'; break;
			case '$':  buf[n++] = '$'; buf[n++] = '$'; break;
			default:
				cp_error(d, cp_diag_loc_at(d, file, i),
					 "unknown escape sequence in string (use \\\" \\\\ \\n \\t \\$)");
				free(buf);
				return -EINVAL;
			}
			i += 2;
			continue;
		}
		buf[n++] = c;
		i++;
	}
	buf[n] = '\0';
	*pi = i + 1;
	*out = buf;
	return 0;
}

int cp_lex(const char *file, const char *src, size_t len, struct cp_diag *d,
	   struct token_list *out)
{
	struct token_list tl = { 0 };
	size_t i = 0;
	uint32_t line = 1;
	size_t line_start = 0;
	int rc = 0;

	/* editors on some systems start UTF-8 files with a byte-order mark */
	if (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3))
		i = line_start = 3;
	while (i < len) {
		unsigned char c = (unsigned char)src[i];
		struct cp_loc loc = { file, line, (uint32_t)(i - line_start + 1) };
		enum tok_kind k;
		size_t w = 1;

		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && src[i] != '\n')
				i++;
			continue;
		}
		if (c == '\n' || c == ';') {
			rc = push(&tl, TK_NL, NULL, loc, 1);
			if (rc)
				goto fail;
			i++;
			if (c == '\n') {
				line++;
				line_start = i;
			}
			continue;
		}
		if (c == '\\' && i + 1 < len && src[i + 1] == '\n') {
			/* line continuation */
			i += 2;
			line++;
			line_start = i;
			continue;
		}
		if (c == '"') {
			char *s = NULL;
			size_t start = i;

			rc = lex_string(file, src, len, &i, loc, d, &s);
			if (rc)
				goto fail;
			rc = push(&tl, TK_STRING, s, loc, (unsigned)(i - start));
			if (rc) {
				free(s);
				goto fail;
			}
			continue;
		}
		if (word_start(c)) {
			size_t start = i;
			char *s;

			while (i < len && word_cont((unsigned char)src[i]))
				i++;
			if (i - start > CP_MAX_TOKEN) {
				cp_error(d, loc, "word longer than %d bytes", CP_MAX_TOKEN);
				rc = -EINVAL;
				goto fail;
			}
			s = strndup(src + start, i - start);
			if (!s) {
				rc = -ENOMEM;
				goto fail;
			}
			rc = push(&tl, TK_WORD, s, loc, (unsigned)(i - start));
			if (rc) {
				free(s);
				goto fail;
			}
			continue;
		}
		{
			char n = i + 1 < len ? src[i + 1] : '\0';

			switch (c) {
			case '{': k = TK_LBRACE; break;
			case '}': k = TK_RBRACE; break;
			case '(': k = TK_LPAREN; break;
			case ')': k = TK_RPAREN; break;
			case ',': k = TK_COMMA; break;
			case '=':
				if (n == '=') { k = TK_EQ; w = 2; } else k = TK_ASSIGN;
				break;
			case '!':
				if (n == '=') { k = TK_NE; w = 2; break; }
				goto bad;
			case '<':
				if (n == '=') { k = TK_LE; w = 2; } else k = TK_LT;
				break;
			case '>':
				if (n == '=') { k = TK_GE; w = 2; } else k = TK_GT;
				break;
			case '&':
				if (n == '&') { k = TK_ANDAND; w = 2; } else k = TK_AMP;
				break;
			case '|':
				if (n == '|') { k = TK_OROR; w = 2; } else k = TK_PIPE;
				break;
			default:
				goto bad;
			}
		}
		rc = push(&tl, k, NULL, loc, (unsigned)w);
		if (rc)
			goto fail;
		i += w;
		continue;
bad:
		if (c >= 0x20 && c < 0x7f)
			cp_error(d, loc, "unexpected character '%c'", c);
		else
			cp_error(d, loc, "unexpected byte 0x%02x", c);
		rc = -EINVAL;
		goto fail;
	}
	{
		struct cp_loc loc = { file, line, (uint32_t)(i - line_start + 1) };

		rc = push(&tl, TK_NL, NULL, loc, 1);
		if (!rc)
			rc = push(&tl, TK_EOF, NULL, loc, 1);
		if (rc)
			goto fail;
	}
	*out = tl;
	return 0;
fail:
	if (rc == -E2BIG) {
		struct cp_loc loc = { file, line, 1 };

		cp_error(d, loc, "too many tokens (more than %u)", CP_MAX_TOKENS);
		rc = -EINVAL;
	}
	cp_tokens_free(&tl);
	return rc;
}
