// SPDX-License-Identifier: MIT
/*
 * parser.c - tokens -> syntax tree (ast.h).
 *
 * Recursive descent over a fixed-depth grammar (file > section > statement
 * > item > condition), so hostile input cannot exhaust the stack.  The
 * parser stops at the first syntax error: later errors after a syntax
 * error are mostly noise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "consts.h"
#include "lexer.h"

#define CP_MAX_SET 1024         /* elements in an `in { }` set */
#define CP_MAX_ITEMS 4096       /* items in one statement */

struct parser {
	const struct token_list *tl;
	size_t pos;
	struct cp_diag *d;
};

static const char *const section_names[SEC__COUNT] = {
	[SEC_NAMESPACES] = "namespaces",
	[SEC_FILESYSTEM] = "filesystem",
	[SEC_SYSCALLS] = "syscalls",
	[SEC_NETWORK] = "network",
	[SEC_EXEC] = "exec",
	[SEC_PROCESS] = "process",
	[SEC_DEVICES] = "devices",
	[SEC_CAPABILITIES] = "capabilities",
	[SEC_LIMITS] = "limits",
	[SEC_ADAPT] = "adapt",
	[SEC_LAYERS] = "layers",
};

const char *cp_section_name(enum ast_section_kind k)
{
	return (unsigned)k < SEC__COUNT ? section_names[k] : "?";
}

static const struct token *peek(struct parser *p)
{
	return &p->tl->v[p->pos];
}

static const struct token *take(struct parser *p)
{
	const struct token *t = &p->tl->v[p->pos];

	if (t->kind != TK_EOF)
		p->pos++;
	return t;
}

static void skip_nl(struct parser *p)
{
	while (peek(p)->kind == TK_NL)
		p->pos++;
}

static int syntax(struct parser *p, const struct token *t, const char *expected)
{
	if (t->kind == TK_WORD || t->kind == TK_STRING)
		cp_diag_report(p->d, CP_SEV_ERROR, t->loc, t->span,
			       "expected %s, found '%s'", expected, t->text);
	else
		cp_diag_report(p->d, CP_SEV_ERROR, t->loc, t->span,
			       "expected %s, found %s", expected, cp_tok_kind_name(t->kind));
	return -EINVAL;
}

/* Grow an array by one zeroed element. */
static void *grow(void *arr, size_t *n, size_t elsz)
{
	char *na = realloc(arr, (*n + 1) * elsz);

	if (!na)
		return NULL;
	memset(na + *n * elsz, 0, elsz);
	(*n)++;
	return na;
}

#define GROW(arr, n) ({ \
	__typeof__(arr) _g = grow((arr), &(n), sizeof(*(arr))); \
	if (_g) (arr) = _g; \
	_g; })

static void expr_free(struct ast_expr *e)
{
	for (size_t i = 0; i < e->nterms; i++)
		free(e->terms[i].text);
	free(e->terms);
}

static void item_free(struct ast_item *it)
{
	free(it->text);
	for (size_t i = 0; i < it->nargs; i++)
		item_free(&it->args[i]);
	free(it->args);
	for (size_t i = 0; i < it->ndisj; i++) {
		struct ast_conj *c = &it->disj[i];

		for (size_t j = 0; j < c->nconds; j++) {
			struct ast_cond *k = &c->conds[j];

			free(k->arg);
			expr_free(&k->mask);
			expr_free(&k->rhs);
			for (size_t s = 0; s < k->nset; s++)
				expr_free(&k->set[s]);
			free(k->set);
		}
		free(c->conds);
	}
	free(it->disj);
}

void cp_ast_free(struct ast_file *f)
{
	for (size_t i = 0; i < f->nincludes; i++)
		free(f->includes[i].target);
	free(f->includes);
	for (size_t i = 0; i < f->ndefines; i++) {
		free(f->defines[i].name);
		item_free(&f->defines[i].value);
	}
	free(f->defines);
	for (size_t i = 0; i < f->nsections; i++) {
		struct ast_section *s = &f->sections[i];

		for (size_t j = 0; j < s->nstmts; j++) {
			for (size_t k = 0; k < s->stmts[j].nitems; k++)
				item_free(&s->stmts[j].items[k]);
			free(s->stmts[j].items);
		}
		free(s->stmts);
	}
	free(f->sections);
	memset(f, 0, sizeof(*f));
}

/* expr := WORD { '|' WORD } */
static int parse_expr(struct parser *p, struct ast_expr *e)
{
	for (;;) {
		const struct token *t;

		skip_nl(p);
		t = take(p);
		if (t->kind != TK_WORD)
			return syntax(p, t, "a number or constant");
		if (!GROW(e->terms, e->nterms))
			return -ENOMEM;
		e->terms[e->nterms - 1] = (struct ast_term){ strdup(t->text), t->loc, t->span };
		if (!e->terms[e->nterms - 1].text)
			return -ENOMEM;
		skip_nl(p);
		if (peek(p)->kind != TK_PIPE)
			return 0;
		take(p);
	}
}

/* cond := ARG op expr | ARG '&' expr '==' expr | ARG ['not'] 'in' '{' expr {',' expr} '}' */
static int parse_cond(struct parser *p, struct ast_cond *c)
{
	const struct token *t;
	int rc;

	skip_nl(p);
	t = take(p);
	if (t->kind != TK_WORD)
		return syntax(p, t, "an argument name (arg0..arg5 or a parameter name)");
	c->arg = strdup(t->text);
	if (!c->arg)
		return -ENOMEM;
	c->loc = t->loc;
	c->span = t->span;
	skip_nl(p);
	t = take(p);
	switch (t->kind) {
	case TK_EQ: c->op = CP_CMP_EQ; break;
	case TK_NE: c->op = CP_CMP_NE; break;
	case TK_LT: c->op = CP_CMP_LT; break;
	case TK_LE: c->op = CP_CMP_LE; break;
	case TK_GT: c->op = CP_CMP_GT; break;
	case TK_GE: c->op = CP_CMP_GE; break;
	case TK_AMP:
		c->op = CP_CMP_MASKED_EQ;
		rc = parse_expr(p, &c->mask);
		if (rc)
			return rc;
		skip_nl(p);
		t = take(p);
		if (t->kind != TK_EQ)
			return syntax(p, t, "'==' after the mask (arg & MASK == VALUE)");
		return parse_expr(p, &c->rhs);
	case TK_WORD:
		if (!strcmp(t->text, "not")) {
			skip_nl(p);
			t = take(p);
			if (t->kind != TK_WORD || strcmp(t->text, "in"))
				return syntax(p, t, "'in' after 'not'");
			c->op = CP_CMP_NOT_IN;
		} else if (!strcmp(t->text, "in")) {
			c->op = CP_CMP_IN;
		} else {
			return syntax(p, t, "a comparison operator (== != < <= > >= & in, not in)");
		}
		skip_nl(p);
		t = take(p);
		if (t->kind != TK_LBRACE)
			return syntax(p, t, "'{' to start the set");
		for (;;) {
			skip_nl(p);
			if (peek(p)->kind == TK_RBRACE && c->nset > 0) {
				take(p);
				return 0;
			}
			if (c->nset >= CP_MAX_SET) {
				cp_error(p->d, peek(p)->loc, "set has more than %d elements", CP_MAX_SET);
				return -EINVAL;
			}
			if (!GROW(c->set, c->nset))
				return -ENOMEM;
			rc = parse_expr(p, &c->set[c->nset - 1]);
			if (rc)
				return rc;
			skip_nl(p);
			t = take(p);
			if (t->kind == TK_RBRACE)
				return 0;
			if (t->kind != TK_COMMA)
				return syntax(p, t, "',' or '}' in the set");
		}
	default:
		return syntax(p, t, "a comparison operator (== != < <= > >= & in, not in)");
	}
	return parse_expr(p, &c->rhs);
}

/* disj := conj { '||' conj } ; conj := cond { '&&' cond } */
static int parse_disj(struct parser *p, struct ast_item *it)
{
	for (;;) {
		struct ast_conj *cj;
		int rc;

		if (!GROW(it->disj, it->ndisj))
			return -ENOMEM;
		cj = &it->disj[it->ndisj - 1];
		skip_nl(p);
		cj->loc = peek(p)->loc;
		for (;;) {
			if (cj->nconds >= 6 * 8) {
				cp_error(p->d, peek(p)->loc, "too many conditions in one rule");
				return -EINVAL;
			}
			if (!GROW(cj->conds, cj->nconds))
				return -ENOMEM;
			rc = parse_cond(p, &cj->conds[cj->nconds - 1]);
			if (rc)
				return rc;
			skip_nl(p);
			if (peek(p)->kind != TK_ANDAND)
				break;
			take(p);
		}
		if (peek(p)->kind != TK_OROR)
			return 0;
		if (it->ndisj >= 64) {
			cp_error(p->d, peek(p)->loc, "too many alternatives ('||') in one rule");
			return -EINVAL;
		}
		take(p);
	}
}

/* True when the parenthesised part is a plain argument list:
 * ( value {, value} ) rather than conditions. */
static bool plain_args_ahead(struct parser *p)
{
	size_t i = p->pos;
	const struct token *v = p->tl->v;

	for (;;) {
		while (v[i].kind == TK_NL)
			i++;
		if (v[i].kind != TK_WORD && v[i].kind != TK_STRING)
			return false;
		i++;
		while (v[i].kind == TK_NL)
			i++;
		if (v[i].kind == TK_RPAREN)
			return true;
		if (v[i].kind != TK_COMMA)
			return false;
		i++;
	}
}

static int parse_item(struct parser *p, struct ast_item *it)
{
	const struct token *t = take(p);
	int rc;

	if (t->kind != TK_WORD && t->kind != TK_STRING)
		return syntax(p, t, "a word or string");
	it->kind = t->kind == TK_WORD ? AI_WORD : AI_STRING;
	it->text = strdup(t->text);
	if (!it->text)
		return -ENOMEM;
	it->loc = t->loc;
	it->span = t->span;
	if (t->kind != TK_WORD || peek(p)->kind != TK_LPAREN)
		return 0;
	it->kind = AI_CALL;
	it->paren_loc = take(p)->loc;
	skip_nl(p);
	if (peek(p)->kind == TK_RPAREN) {
		cp_diag_report(p->d, CP_SEV_ERROR, peek(p)->loc, 1, "empty parentheses after '%s'", it->text);
		return -EINVAL;
	}
	if (plain_args_ahead(p)) {
		for (;;) {
			struct ast_item *a;

			skip_nl(p);
			if (!GROW(it->args, it->nargs))
				return -ENOMEM;
			a = &it->args[it->nargs - 1];
			t = take(p);
			a->kind = t->kind == TK_WORD ? AI_WORD : AI_STRING;
			a->text = strdup(t->text);
			if (!a->text)
				return -ENOMEM;
			a->loc = t->loc;
			a->span = t->span;
			skip_nl(p);
			if (take(p)->kind == TK_RPAREN)
				return 0;
		}
	}
	rc = parse_disj(p, it);
	if (rc)
		return rc;
	skip_nl(p);
	t = take(p);
	if (t->kind != TK_RPAREN)
		return syntax(p, t, "')', '&&' or '||'");
	return 0;
}

/* stmt := item { [','] item } ( NL | before '}' ) */
static int parse_stmt(struct parser *p, struct ast_stmt *st)
{
	st->loc = peek(p)->loc;
	for (;;) {
		int rc;
		enum tok_kind k = peek(p)->kind;

		if (k == TK_NL) {
			take(p);
			return 0;
		}
		if (k == TK_RBRACE)
			return 0;
		if (k == TK_COMMA && st->nitems > 0) {
			take(p);
			k = peek(p)->kind;
			if (k != TK_WORD && k != TK_STRING)
				return syntax(p, peek(p), "a word after ','");
		}
		if (st->nitems >= CP_MAX_ITEMS) {
			cp_error(p->d, peek(p)->loc, "statement too long");
			return -EINVAL;
		}
		if (!GROW(st->items, st->nitems))
			return -ENOMEM;
		rc = parse_item(p, &st->items[st->nitems - 1]);
		if (rc)
			return rc;
	}
}

static int parse_section(struct parser *p, enum ast_section_kind kind,
			 const struct token *name, struct ast_section *s)
{
	const struct token *t;

	s->kind = kind;
	s->loc = name->loc;
	s->span = name->span;
	t = take(p);
	if (t->kind != TK_LBRACE)
		return syntax(p, t, "'{' after the section name");
	for (;;) {
		int rc;

		skip_nl(p);
		t = peek(p);
		if (t->kind == TK_RBRACE) {
			take(p);
			t = peek(p);
			if (t->kind != TK_NL && t->kind != TK_EOF)
				return syntax(p, t, "end of line after '}'");
			return 0;
		}
		if (t->kind == TK_EOF) {
			cp_diag_report(p->d, CP_SEV_ERROR, s->loc, s->span,
				       "section '%s' is not closed (missing '}')", name->text);
			return -EINVAL;
		}
		if (!GROW(s->stmts, s->nstmts))
			return -ENOMEM;
		rc = parse_stmt(p, &s->stmts[s->nstmts - 1]);
		if (rc)
			return rc;
	}
}

static int parse_include(struct parser *p, const struct token *kw, struct ast_file *f)
{
	struct ast_include *inc;
	const struct token *t;

	if (!GROW(f->includes, f->nincludes))
		return -ENOMEM;
	inc = &f->includes[f->nincludes - 1];
	inc->loc = kw->loc;
	t = take(p);
	if (t->kind == TK_WORD && !strcmp(t->text, "optional")) {
		inc->optional = true;
		t = take(p);
	}
	if (t->kind != TK_STRING && t->kind != TK_WORD)
		return syntax(p, t, "a profile name or path after 'include'");
	inc->target = strdup(t->text);
	if (!inc->target)
		return -ENOMEM;
	inc->loc = t->loc;
	inc->span = t->span;
	t = take(p);
	if (t->kind != TK_NL)
		return syntax(p, t, "end of line after the include");
	return 0;
}

static int parse_define(struct parser *p, const struct token *kw, struct ast_file *f)
{
	struct ast_define *def;
	const struct token *t;

	if (!GROW(f->defines, f->ndefines))
		return -ENOMEM;
	def = &f->defines[f->ndefines - 1];
	t = take(p);
	if (t->kind != TK_WORD)
		return syntax(p, t, "a variable name after 'define'");
	def->name = strdup(t->text);
	if (!def->name)
		return -ENOMEM;
	def->loc = t->loc;
	def->span = t->span;
	if (peek(p)->kind == TK_ASSIGN)
		take(p);
	t = peek(p);
	if (t->kind != TK_STRING && t->kind != TK_WORD)
		return syntax(p, t, "a value (word or \"string\")");
	{
		int rc = parse_item(p, &def->value);

		if (rc)
			return rc;
	}
	if (def->value.kind == AI_CALL) {
		cp_error(p->d, def->value.paren_loc, "a variable value cannot have parentheses; quote it");
		return -EINVAL;
	}
	t = take(p);
	if (t->kind != TK_NL)
		return syntax(p, t, "end of line after the definition");
	(void)kw;
	return 0;
}

int cp_parse(const struct token_list *tl, struct cp_diag *d, struct ast_file *f)
{
	struct parser p = { .tl = tl, .pos = 0, .d = d };
	int rc = 0;

	for (;;) {
		const struct token *t;

		skip_nl(&p);
		t = take(&p);
		if (t->kind == TK_EOF)
			break;
		if (t->kind != TK_WORD) {
			rc = syntax(&p, t, "'include', 'define' or a section name");
			break;
		}
		if (!strcmp(t->text, "include")) {
			if (f->nsections) {
				cp_diag_report(d, CP_SEV_ERROR, t->loc, t->span,
					       "'include' must come before the first section");
				rc = -EINVAL;
				break;
			}
			rc = parse_include(&p, t, f);
		} else if (!strcmp(t->text, "define")) {
			rc = parse_define(&p, t, f);
		} else {
			int k;

			for (k = 0; k < SEC__COUNT; k++)
				if (!strcmp(t->text, section_names[k]))
					break;
			if (k == SEC__COUNT) {
				const char *sug = NULL;
				size_t bd = SIZE_MAX, dd;

				for (int j = 0; j < SEC__COUNT; j++)
					if (cp_is_typo_of(t->text, section_names[j], &dd) && dd < bd) {
						bd = dd;
						sug = section_names[j];
					}
				if (sug)
					cp_diag_report(d, CP_SEV_ERROR, t->loc, t->span,
						       "unknown section '%s'; did you mean '%s'?", t->text, sug);
				else
					cp_diag_report(d, CP_SEV_ERROR, t->loc, t->span,
						       "unknown section '%s' (expected include, define, namespaces, filesystem, "
						       "syscalls, network, exec, process, devices, capabilities, limits, adapt or layers)",
						       t->text);
				rc = -EINVAL;
				break;
			}
			for (size_t i = 0; i < f->nsections; i++)
				if ((int)f->sections[i].kind == k) {
					cp_diag_report(d, CP_SEV_ERROR, t->loc, t->span,
						       "duplicate section '%s' (first at line %u)",
						       t->text, f->sections[i].loc.line);
					rc = -EINVAL;
					break;
				}
			if (rc)
				break;
			if (!GROW(f->sections, f->nsections)) {
				rc = -ENOMEM;
				break;
			}
			rc = parse_section(&p, (enum ast_section_kind)k, t, &f->sections[f->nsections - 1]);
		}
		if (rc)
			break;
	}
	if (rc)
		cp_ast_free(f);
	return rc;
}
