// SPDX-License-Identifier: MIT
/*
 * test_tree - the tree file format: every rule of the validator rejects
 * with file:line:col, good trees round-trip, and the reference evaluator
 * follows "left when value <= threshold".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tree.h"

struct bad_case {
	const char *name;
	const char *text;
	const char *want;      /* substring of the diagnostic, incl. line:col */
};

static const struct bad_case bad[] = {
	{ "empty file", "", "t.tree:1:1: error: missing header" },
	{ "comment only", "# nothing\n", "missing header" },
	{ "wrong header", "compart-forest 1\n0 leaf 0\n", "t.tree:1:1: error: expected the header" },
	{ "future version", "compart-tree 2\n0 leaf 0\n", "t.tree:1:14: error: unsupported tree format version" },
	{ "no nodes", "compart-tree 1\n", "t.tree:1:1: error: the tree has no nodes" },
	{ "bad id", "compart-tree 1\nx leaf 0\n", "t.tree:2:1: error: expected a node id" },
	{ "id too big", "compart-tree 1\n255 leaf 0\n", "t.tree:2:1: error: node id out of range" },
	{ "duplicate id", "compart-tree 1\n0 leaf 0\n0 leaf 1\n", "t.tree:3:1: error: node 0 is defined twice" },
	{ "level > 3", "compart-tree 1\n0 leaf 4\n", "t.tree:2:8: error: leaf level must be 0..3" },
	{ "negative level", "compart-tree 1\n0 leaf -1\n", "t.tree:2:8: error: leaf level" },
	{ "leaf arity", "compart-tree 1\n0 leaf 1 2\n", "t.tree:2:10: error: a leaf is" },
	{ "unknown keyword", "compart-tree 1\n0 branch 1\n", "t.tree:2:3: error: expected 'split' or 'leaf'" },
	{ "unknown feature", "compart-tree 1\n0 split open_wrote 3 1 2\n1 leaf 0\n2 leaf 1\n",
	  "t.tree:2:9: error: unknown feature" },
	{ "threshold overflow", "compart-tree 1\n0 split exec 4294967296 1 2\n1 leaf 0\n2 leaf 1\n",
	  "t.tree:2:14: error: threshold must be" },
	{ "split arity", "compart-tree 1\n0 split exec 3 1\n", "a split is" },
	{ "missing node", "compart-tree 1\n0 split exec 3 1 3\n1 leaf 0\n2 leaf 1\n",
	  "t.tree:2:18: error: child 3 does not exist" },
	{ "child out of range", "compart-tree 1\n0 split exec 3 1 200\n1 leaf 0\n",
	  "t.tree:2:18: error: child 200 does not exist" },
	{ "hole in ids", "compart-tree 1\n0 split exec 3 1 3\n1 leaf 0\n3 leaf 1\n",
	  "t.tree:1:1: error: node 2 is not defined" },
	{ "root as child (cycle)", "compart-tree 1\n0 split exec 3 1 2\n1 split fork 1 0 3\n2 leaf 0\n3 leaf 1\n",
	  "t.tree:3:16: error: the root (node 0) cannot be a child" },
	{ "two parents", "compart-tree 1\n0 split exec 3 1 1\n1 leaf 0\n",
	  "t.tree:2:18: error: node 1 has more than one parent" },
	{ "cycle off the root", "compart-tree 1\n0 leaf 0\n1 split exec 1 2 3\n2 split exec 1 1 3\n3 leaf 0\n",
	  "more than one parent" },
	{ "orphan cycle", "compart-tree 1\n0 leaf 0\n1 split exec 1 2 3\n2 split exec 1 4 1\n3 leaf 0\n4 leaf 0\n",
	  "not reachable from the root" },
	{ "orphan", "compart-tree 1\n0 leaf 0\n1 leaf 1\n", "t.tree:3:1: error: node 1 is not reachable" },
	{ "NUL byte", "compart-tree 1\n0 leaf\0 0\n", "NUL byte" },
};

static void test_bad_trees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cp_diag d;
		struct cp_tree t;
		size_t len = strlen(bad[i].text);
		int rc;

		if (!strcmp(bad[i].name, "NUL byte"))
			len = 24;
		cp_diag_init(&d, NULL);
		rc = cp_tree_parse("t.tree", bad[i].text, len, &d, &t);
		if (rc != -EINVAL || !d.buf || !strstr(d.buf, bad[i].want)) {
			print_error("case '%s': rc %d, diagnostic:\n%s\nwanted: %s\n", bad[i].name, rc,
				    d.buf ? d.buf : "(none)", bad[i].want);
			fail();
		}
		/* the caret line quotes the source */
		assert_non_null(strchr(d.buf, '^'));
		assert_null(t.nodes);
		cp_diag_fini(&d);
	}
}

/* A tree deeper than CP_TREE_MAX_DEPTH splits is refused. */
static void test_too_deep(void **state)
{
	char buf[4096];
	size_t off = 0;
	struct cp_diag d;
	struct cp_tree t;
	unsigned splits = CP_TREE_MAX_DEPTH + 1;

	(void)state;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "compart-tree 1\n");
	for (unsigned i = 0; i < splits; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u split fork %u %u %u\n",
					2 * i, i, 2 * i + 1, 2 * i + 2);
	for (unsigned i = 0; i < splits; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u leaf 1\n", 2 * i + 1);
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u leaf 3\n", 2 * splits);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_tree_parse("deep.tree", buf, off, &d, &t), -EINVAL);
	assert_non_null(strstr(d.buf, "deeper than 16 splits"));
	assert_non_null(strstr(d.buf, "deep.tree:18:1:"));
	cp_diag_fini(&d);

	/* exactly the limit is fine */
	off = 0;
	splits = CP_TREE_MAX_DEPTH;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "compart-tree 1\n");
	for (unsigned i = 0; i < splits; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u split fork %u %u %u\n",
					2 * i, i, 2 * i + 1, 2 * i + 2);
	for (unsigned i = 0; i < splits; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u leaf 1\n", 2 * i + 1);
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u leaf 3\n", 2 * splits);
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_tree_parse("deep.tree", buf, off, &d, &t), 0);
	assert_int_equal(t.depth, CP_TREE_MAX_DEPTH);
	cp_tree_free(&t);
	cp_diag_fini(&d);
}

static const char good[] =
	"# a comment before the header\n"
	"compart-tree 1\n"
	"0 split connect 3 1 2   # trailing comment\n"
	"2 split sensitive_read 0 3 4\n"
	"1 leaf 0\n"
	"\n"
	"3 leaf 1\n"
	"4 leaf 2\n";

struct eval_case {
	uint32_t connect, sensitive;
	int level;
	unsigned depth;
	uint8_t left0, left1;
};

static const struct eval_case evals[] = {
	{ 0, 100, 0, 1, 1, 0 },
	{ 3, 100, 0, 1, 1, 0 },          /* equal to the threshold goes left */
	{ 4, 0, 1, 2, 0, 1 },
	{ 4, 1, 2, 2, 0, 0 },
	{ UINT32_MAX, UINT32_MAX, 2, 2, 0, 0 },
};

static void test_good_tree_eval_and_roundtrip(void **state)
{
	struct cp_diag d;
	struct cp_tree t, t2;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;
	const char *comment[] = { "round trip", NULL };

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_tree_parse("good.tree", good, strlen(good), &d, &t), 0);
	assert_int_equal(t.n, 5);
	assert_int_equal(t.depth, 2);
	for (size_t i = 0; i < sizeof(evals) / sizeof(evals[0]); i++) {
		uint32_t v[CP_FEAT_COUNT] = { 0 };
		struct cp_tree_path p;

		v[CP_FEAT_CONNECT] = evals[i].connect;
		v[CP_FEAT_SENSITIVE_READ] = evals[i].sensitive;
		assert_int_equal(cp_tree_eval(&t, v, &p), evals[i].level);
		assert_int_equal(p.depth, evals[i].depth);
		assert_int_equal(p.left[0], evals[i].left0);
		if (evals[i].depth > 1)
			assert_int_equal(p.left[1], evals[i].left1);
	}
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	assert_int_equal(cp_tree_write(&t, comment, f), 0);
	fclose(f);
	assert_int_equal(cp_tree_parse("rt.tree", out, outlen, &d, &t2), 0);
	assert_int_equal(t2.n, t.n);
	assert_memory_equal(t2.nodes, t.nodes, t.n * sizeof(*t.nodes));
	free(out);
	cp_tree_free(&t);
	cp_tree_free(&t2);
	cp_diag_fini(&d);
}

static void test_feature_names(void **state)
{
	(void)state;
	for (unsigned i = 0; i < CP_FEAT_COUNT; i++) {
		assert_non_null(cp_feat_name(i));
		assert_int_equal(cp_feat_by_name(cp_feat_name(i)), (int)i);
	}
	assert_null(cp_feat_name(CP_FEAT_COUNT));
	assert_int_equal(cp_feat_by_name("nope"), -ENOENT);
}

static void test_validate_api(void **state)
{
	struct cp_tree_node n[3] = {
		{ .feature = 99, .left = 1, .right = 2 },
		{ .feature = CP_TREE_LEAF },
		{ .feature = CP_TREE_LEAF },
	};
	char why[128];

	(void)state;
	assert_int_equal(cp_tree_validate(n, 3, NULL, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "feature index 99"));
	n[0].feature = CP_FEAT_EXEC;
	assert_int_equal(cp_tree_validate(n, 3, NULL, why, sizeof(why)), 0);
	assert_int_equal(cp_tree_validate(n, 0, NULL, why, sizeof(why)), -EINVAL);
	assert_int_equal(cp_tree_validate(n, 256, NULL, why, sizeof(why)), -EINVAL);
}

static void test_load_errors(void **state)
{
	struct cp_diag d;
	struct cp_tree t;

	(void)state;
	cp_diag_init(&d, NULL);
	assert_int_equal(cp_tree_load("/nonexistent/x.tree", &d, &t), -ENOENT);
	assert_int_equal(cp_tree_load("/", &d, &t), -EINVAL);
	cp_diag_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_trees),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_good_tree_eval_and_roundtrip),
		cmocka_unit_test(test_feature_names),
		cmocka_unit_test(test_validate_api),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
