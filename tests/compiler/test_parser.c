// SPDX-License-Identifier: MIT
/* test_parser.c - syntax tree shape and syntax errors. */
#include "tc.h"
#include "ast.h"
#include "lexer.h"

static int parse(const char *src, struct ast_file *f, struct cp_diag *d)
{
	struct token_list tl;
	int rc;

	cp_diag_init(d, NULL);
	cp_diag_add_source(d, "p", src, strlen(src));
	memset(f, 0, sizeof(*f));
	rc = cp_lex("p", src, strlen(src), d, &tl);
	if (rc)
		return rc;
	rc = cp_parse(&tl, d, f);
	cp_tokens_free(&tl);
	return rc;
}

static void test_shape(void **state)
{
	const char *src =
		"include \"a\"\ninclude optional b\ndefine X = \"/x\"\n"
		"syscalls {\n  allow read, write\n"
		"  errno(EPERM) socket(domain in {AF_INET,\n AF_INET6} && type == 1 || protocol != 0)\n}\n";
	struct ast_file f;
	struct cp_diag d;
	const struct ast_stmt *st;
	const struct ast_item *it;

	(void)state;
	assert_int_equal(parse(src, &f, &d), 0);
	assert_int_equal(f.nincludes, 2);
	assert_string_equal(f.includes[0].target, "a");
	assert_false(f.includes[0].optional);
	assert_true(f.includes[1].optional);
	assert_int_equal(f.ndefines, 1);
	assert_string_equal(f.defines[0].name, "X");
	assert_string_equal(f.defines[0].value.text, "/x");
	assert_int_equal(f.nsections, 1);
	assert_int_equal(f.sections[0].kind, SEC_SYSCALLS);
	assert_int_equal(f.sections[0].nstmts, 2);
	st = &f.sections[0].stmts[0];
	assert_int_equal(st->nitems, 3);           /* the comma is a separator */
	st = &f.sections[0].stmts[1];
	assert_int_equal(st->nitems, 2);
	assert_int_equal(st->items[0].kind, AI_CALL);
	assert_int_equal(st->items[0].nargs, 1);
	assert_string_equal(st->items[0].args[0].text, "EPERM");
	it = &st->items[1];
	assert_int_equal(it->kind, AI_CALL);
	assert_int_equal(it->ndisj, 2);
	assert_int_equal(it->disj[0].nconds, 2);
	assert_int_equal(it->disj[0].conds[0].op, CP_CMP_IN);
	assert_int_equal(it->disj[0].conds[0].nset, 2);   /* newline inside the set */
	assert_int_equal(it->disj[0].conds[1].op, CP_CMP_EQ);
	assert_int_equal(it->disj[1].conds[0].op, CP_CMP_NE);
	assert_int_equal(it->disj[0].conds[0].loc.line, 6);
	cp_ast_free(&f);
	cp_diag_fini(&d);
}

static void test_ops(void **state)
{
	static const struct { const char *src; enum cp_cmp_op op; } ops[] = {
		{ "a == 1", CP_CMP_EQ }, { "a != 1", CP_CMP_NE }, { "a < 1", CP_CMP_LT },
		{ "a <= 1", CP_CMP_LE }, { "a > 1", CP_CMP_GT }, { "a >= 1", CP_CMP_GE },
		{ "a & 3 == 1", CP_CMP_MASKED_EQ }, { "a in {1}", CP_CMP_IN }, { "a not in {1, 2}", CP_CMP_NOT_IN },
		{ "a == B|C|0x4", CP_CMP_EQ },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char src[128];
		struct ast_file f;
		struct cp_diag d;

		snprintf(src, sizeof(src), "syscalls {\n allow x(%s)\n}\n", ops[i].src);
		assert_int_equal(parse(src, &f, &d), 0);
		assert_int_equal(f.sections[0].stmts[0].items[1].disj[0].conds[0].op, ops[i].op);
		if (i == 9)
			assert_int_equal(f.sections[0].stmts[0].items[1].disj[0].conds[0].rhs.nterms, 3);
		cp_ast_free(&f);
		cp_diag_fini(&d);
	}
}

struct perr {
	const char *name, *src, *msg;
};

static const struct perr perrs[] = {
	{ "unclosed section", "limits {\n nofile 1\n", "p:1:1: error: section 'limits' is not closed" },
	{ "no brace", "limits nofile\n", "p:1:8: error: expected '{' after the section name, found 'nofile'" },
	{ "junk after brace", "limits {\n} x\n", "p:2:3: error: expected end of line after '}'" },
	{ "missing operator", "syscalls {\n allow x(a 1)\n}\n", "p:2:12: error: expected a comparison operator" },
	{ "unclosed paren", "syscalls {\n allow x(a == 1\n}\n", "p:3:1: error: expected ')', '&&' or '||'" },
	{ "empty parens", "syscalls {\n allow x()\n}\n", "p:2:10: error: empty parentheses after 'x'" },
	{ "empty set", "syscalls {\n allow x(a in {})\n}\n", "p:2:16: error: expected a number or constant" },
	{ "mask without ==", "syscalls {\n allow x(a & 1 != 1)\n}\n", "error: expected '==' after the mask" },
	{ "not without in", "syscalls {\n allow x(a not 1)\n}\n", "error: expected 'in' after 'not'" },
	{ "set without brace", "syscalls {\n allow x(a in 1)\n}\n", "error: expected '{' to start the set" },
	{ "top-level junk", "{\n", "p:1:1: error: expected 'include', 'define' or a section name, found '{'" },
	{ "include without target", "include\n", "p:1:8: error: expected a profile name or path" },
	{ "include junk", "include a b\n", "p:1:11: error: expected end of line after the include" },
	{ "define with parens", "define X = f(a)\n", "error: a variable value cannot have parentheses" },
	{ "define without name", "define = 1\n", "p:1:8: error: expected a variable name" },
	{ "leading comma", "limits {\n , nofile\n}\n", "p:2:2: error: expected a word or string, found ','" },
	{ "dangling comma", "limits {\n nofile 1,\n}\n", "p:2:11: error: expected a word after ','" },
	{ "brace in statement", "limits {\n nofile {\n}\n", "p:2:9: error: expected a word or string, found '{'" },
};

static void test_errors(void **state)
{
	const struct perr *e = *state;
	struct ast_file f;
	struct cp_diag d;

	assert_int_equal(parse(e->src, &f, &d), -EINVAL);
	/* a failed parse leaves nothing to free */
	assert_null(f.sections);
	assert_null(f.includes);
	if (!d.buf || !strstr(d.buf, e->msg)) {
		print_error("expected '%s' in:\n%s\n", e->msg, d.buf ? d.buf : "(nothing)");
		fail();
	}
	cp_diag_fini(&d);
}

int main(void)
{
	struct CMUnitTest t[40];
	size_t n = 0;

	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_shape);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_ops);
	for (size_t i = 0; i < sizeof(perrs) / sizeof(perrs[0]); i++)
		t[n++] = (struct CMUnitTest){ perrs[i].name, test_errors, NULL, NULL, (void *)&perrs[i] };
	return _cmocka_run_group_tests("parser", t, n, NULL, NULL);
}
