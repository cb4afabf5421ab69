// SPDX-License-Identifier: MIT
/*
 * fuzz_tree.c - libFuzzer target for the decision-tree file parser (the
 * model a profile's adapt section names; the kernel trusts what it
 * accepts).
 *
 * Oracles: a rejected input has a located diagnostic; an accepted tree
 * validates, evaluates every probe vector to a level 0..3 along a path no
 * deeper than its depth, and survives write -> parse unchanged (nodes and
 * depth).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_tree t = { 0 }, u = { 0 };
	struct cp_diag d;
	char *text = NULL;
	size_t len = 0;
	uint32_t depth;
	FILE *f;

	cp_diag_init(&d, NULL);
	if (cp_tree_parse("fuzz.tree", (const char *)data, size, &d, &t) != 0) {
		if (d.errors == 0)
			abort();          /* a rejection must say why */
		cp_diag_fini(&d);
		return 0;
	}
	cp_diag_fini(&d);
	if (cp_tree_validate(t.nodes, t.n, &depth, NULL, 0) != 0 || depth != t.depth)
		abort();
	for (uint32_t probe = 0; probe < 6; probe++) {
		uint32_t v[CP_FEAT_COUNT];
		struct cp_tree_path path;
		int lvl;

		for (unsigned i = 0; i < CP_FEAT_COUNT; i++)
			v[i] = probe == 5 ? UINT32_MAX : probe * (i + 1) * 7u;
		lvl = cp_tree_eval(&t, v, &path);
		if (lvl < 0 || lvl > 3 || path.depth > t.depth)
			abort();
	}
	f = open_memstream(&text, &len);
	if (!f || cp_tree_write(&t, NULL, f) != 0)
		abort();
	fclose(f);
	cp_diag_init(&d, NULL);
	if (cp_tree_parse("rewritten.tree", text, len, &d, &u) != 0 || u.n != t.n ||
	    u.depth != t.depth || memcmp(u.nodes, t.nodes, t.n * sizeof(*t.nodes)) != 0)
		abort();                  /* the writer and the parser disagree */
	cp_diag_fini(&d);
	free(text);
	cp_tree_free(&t);
	cp_tree_free(&u);
	return 0;
}
