// SPDX-License-Identifier: MIT
/* test_lexer.c - tokens, positions and lexical errors (table-driven). */
#include "tc.h"
#include "lexer.h"

struct lex_case {
	const char *name;
	const char *src;
	enum tok_kind kinds[16];   /* up to TK_EOF */
	const char *texts[16];     /* NULL = do not check */
};

static const struct lex_case cases[] = {
	{ "words and braces", "syscalls {\n}\n",
	  { TK_WORD, TK_LBRACE, TK_NL, TK_RBRACE, TK_NL, TK_NL, TK_EOF }, { "syscalls" } },
	{ "operators", "== != < <= > >= & && | || = , ( )",
	  { TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_AMP, TK_ANDAND, TK_PIPE, TK_OROR,
	    TK_ASSIGN, TK_COMMA, TK_LPAREN, TK_RPAREN, TK_NL, TK_EOF }, { NULL } },
	{ "paths, cidrs, groups and ranges are single words",
	  "/usr/lib $CWD/x 10.0.0.0/8 fd00::/8 @system-service 8000-8080 kill-process *:*",
	  { TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_NL, TK_EOF },
	  { "/usr/lib", "$CWD/x", "10.0.0.0/8", "fd00::/8", "@system-service", "8000-8080", "kill-process", "*:*" } },
	{ "string escapes", "\"a\\\"b\\\\c\\n\\t\\$d\"",
	  { TK_STRING, TK_NL, TK_EOF }, { "a\"b\\c\n\t$$d" } },
	{ "comments and semicolons", "a # comment ; b\nc; d",
	  { TK_WORD, TK_NL, TK_WORD, TK_NL, TK_WORD, TK_NL, TK_EOF }, { "a", NULL, "c", NULL, "d" } },
	{ "line continuation", "a \\\n b",
	  { TK_WORD, TK_WORD, TK_NL, TK_EOF }, { "a", "b" } },
	{ "byte-order mark", "\xef\xbb\xbf" "a", { TK_WORD, TK_NL, TK_EOF }, { "a" } },
	{ "call", "errno(EPERM)", { TK_WORD, TK_LPAREN, TK_WORD, TK_RPAREN, TK_NL, TK_EOF },
	  { "errno", NULL, "EPERM" } },
};

static void test_tokens(void **state)
{
	const struct lex_case *c = *state;
	struct token_list tl;
	struct cp_diag d;
	size_t i;

	cp_diag_init(&d, NULL);
	assert_int_equal(cp_lex("x", c->src, strlen(c->src), &d, &tl), 0);
	for (i = 0; i < tl.n; i++) {
		assert_int_equal(tl.v[i].kind, c->kinds[i]);
		if (i < 16 && c->texts[i])
			assert_string_equal(tl.v[i].text, c->texts[i]);
	}
	assert_int_equal(c->kinds[i - 1], TK_EOF);
	cp_tokens_free(&tl);
	cp_diag_fini(&d);
}

static void test_positions(void **state)
{
	const char *src = "a\n  bb \"s\"\n\tc";
	struct token_list tl;
	struct cp_diag d;

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_lex("f", src, strlen(src), &d, &tl), 0);
	/* a NL bb "s" NL c NL EOF */
	assert_int_equal(tl.v[0].loc.line, 1);
	assert_int_equal(tl.v[0].loc.col, 1);
	assert_int_equal(tl.v[2].loc.line, 2);
	assert_int_equal(tl.v[2].loc.col, 3);
	assert_int_equal(tl.v[2].span, 2);
	assert_int_equal(tl.v[3].loc.col, 6);
	assert_int_equal(tl.v[3].span, 3);
	assert_int_equal(tl.v[5].loc.line, 3);
	assert_int_equal(tl.v[5].loc.col, 2);
	assert_string_equal(tl.v[5].loc.file, "f");
	cp_tokens_free(&tl);
	cp_diag_fini(&d);
}

struct lex_err {
	const char *name, *src, *msg;
};

static const struct lex_err errs[] = {
	{ "unterminated string", "a \"abc\nb", "x:1:3: error: unterminated string" },
	{ "bad escape", "\"a\\qb\"", "x:1:3: error: unknown escape sequence" },
	{ "bad character", "a ^ b", "x:1:3: error: unexpected character '^'" },
	{ "control byte", "a \x01", "x:1:3: error: unexpected byte 0x01" },
	{ "lone bang", "a ! b", "x:1:3: error: unexpected character '!'" },
	{ "nul in string", "\"a\0b\"", "x:1:3: error: NUL byte in string" },
};

static void test_errors(void **state)
{
	const struct lex_err *e = *state;
	struct token_list tl = { 0 };
	struct cp_diag d;
	size_t len = strlen(e->src);

	if (!strcmp(e->name, "nul in string"))
		len = 5;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_diag_add_source(&d, "x", e->src, len), 0);
	assert_int_equal(cp_lex("x", e->src, len, &d, &tl), -EINVAL);
	assert_null(tl.v);
	assert_non_null(d.buf);
	if (!strstr(d.buf, e->msg)) {
		print_error("expected '%s' in:\n%s\n", e->msg, d.buf);
		fail();
	}
	cp_diag_fini(&d);
}

int main(void)
{
	struct CMUnitTest t[32];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t[n++] = (struct CMUnitTest){ cases[i].name, test_tokens, NULL, NULL, (void *)&cases[i] };
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		t[n++] = (struct CMUnitTest){ errs[i].name, test_errors, NULL, NULL, (void *)&errs[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_positions);
	return _cmocka_run_group_tests("lexer", t, n, NULL, NULL);
}
