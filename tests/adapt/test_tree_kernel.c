// SPDX-License-Identifier: MIT
/*
 * test_tree_kernel - the in-kernel tree walk (bpf/adapt.bpf.h, run through
 * BPF_PROG_TEST_RUN on cp_adapt_selftest, which calls the very function
 * the observer hooks call) gives the same verdict, depth, leaf and path as
 * the user-space reference evaluator (cp_tree_eval) on every vector.
 *
 * Trees: edge shapes (one leaf, a 16-split chain, a full 255-node tree),
 * seeded random trees, and the shipped default model.  Vectors: values at,
 * just below and just above every threshold, random ones, and the feature
 * vectors of the recorded corpus when present.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "adapt.h"
#include "compart.skel.h"

#define SKIP 77
#define SID  7

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic across runs, so a failure reproduces */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t rnd_threshold(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return UINT32_MAX;
	case 2: return UINT32_MAX - 1;
	default: return rnd() % 64;
	}
}

/* Grow a random valid tree in place; returns the node index. */
static uint16_t grow(struct cp_tree_node *nodes, size_t *n, size_t budget, unsigned depth,
		     unsigned maxdepth, size_t reserve)
{
	uint16_t me = (uint16_t)(*n)++;

	/* `reserve` nodes must stay free for siblings still to be grown */
	if (depth == maxdepth || *n + 2 + reserve > budget || rnd() % 5 == 0) {
		nodes[me] = (struct cp_tree_node){ .feature = CP_TREE_LEAF,
						   .level = (uint16_t)(rnd() % 4) };
		return me;
	}
	nodes[me].feature = (uint16_t)(rnd() % CP_FEAT_COUNT);
	nodes[me].threshold = rnd_threshold();
	nodes[me].left = grow(nodes, n, budget, depth + 1, maxdepth, reserve + 1);
	nodes[me].right = grow(nodes, n, budget, depth + 1, maxdepth, reserve);
	return me;
}

/* A complete binary tree of depth 7: 127 splits + 128 leaves = 255. */
static void full_tree(struct cp_tree_node *nodes, size_t *n)
{
	for (size_t i = 0; i < CP_TREE_MAX_NODES; i++) {
		if (i < 127) {
			nodes[i] = (struct cp_tree_node){
				.feature = (uint16_t)(i % CP_FEAT_COUNT), .threshold = (uint32_t)(i % 13),
				.left = (uint16_t)(2 * i + 1), .right = (uint16_t)(2 * i + 2) };
		} else {
			nodes[i] = (struct cp_tree_node){ .feature = CP_TREE_LEAF,
							  .level = (uint16_t)(i % 4) };
		}
	}
	*n = CP_TREE_MAX_NODES;
}

/* The deepest legal tree: 16 splits in a chain, each with a leaf aside. */
static void chain_tree(struct cp_tree_node *nodes, size_t *n)
{
	size_t k = 0;

	for (unsigned d = 0; d < CP_TREE_MAX_DEPTH; d++) {
		size_t me = k;

		nodes[me] = (struct cp_tree_node){ .feature = (uint16_t)(d % CP_FEAT_COUNT),
						   .threshold = d };
		nodes[me + 1] = (struct cp_tree_node){ .feature = CP_TREE_LEAF,
						       .level = (uint16_t)(d % 4) };
		nodes[me].left = (uint16_t)(me + 1);
		nodes[me].right = (uint16_t)(me + 2);
		k += 2;
	}
	nodes[k] = (struct cp_tree_node){ .feature = CP_TREE_LEAF, .level = 3 };
	*n = k + 1;
}

struct ctx {
	int prog_fd, trees_fd;
	unsigned long vectors, mismatches;
};

static int run_one(struct ctx *c, const struct cp_tree *t, const uint32_t v[CP_FEAT_COUNT],
		   const char *tname)
{
	/* syscall programs write their context back into ctx_in */
	struct cp_adapt_test out;
	struct cp_tree_path ref;
	int want;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &out, .ctx_size_in = sizeof(out));

	memset(&out, 0xaa, sizeof(out));
	out.sandbox_id = SID;
	memcpy(out.v, v, sizeof(out.v));
	if (bpf_prog_test_run_opts(c->prog_fd, &o)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	want = cp_tree_eval(t, v, &ref);
	c->vectors++;
	bool same = out.level == want && (want < 0 || (out.depth == ref.depth && out.leaf == ref.leaf));
	for (unsigned i = 0; same && want >= 0 && i < ref.depth; i++)
		same = out.path_node[i] == ref.node[i] && out.path_left[i] == ref.left[i];
	if (!same) {
		if (c->mismatches++ < 5) {
			fprintf(stderr, "MISMATCH tree %s: kernel level %d depth %u leaf %u, "
				"reference level %d depth %u leaf %u; vector:", tname, out.level,
				out.depth, out.leaf, want, ref.depth, ref.leaf);
			for (int i = 0; i < CP_FEAT_COUNT; i++)
				fprintf(stderr, " %u", v[i]);
			fprintf(stderr, "\n");
		}
	}
	return 0;
}

static int check_tree(struct ctx *c, const struct cp_tree *t, const char *name,
		      uint32_t (*corpus)[CP_FEAT_COUNT], size_t ncorpus)
{
	unsigned long before = c->vectors, bad_before = c->mismatches;
	uint32_t v[CP_FEAT_COUNT];
	int rc = cp_adapt_tree_install(c->trees_fd, SID, t);

	if (rc) {
		fprintf(stderr, "install %s: %s\n", name, strerror(-rc));
		return -1;
	}
	/* every threshold, from both sides */
	for (size_t i = 0; i < t->n; i++) {
		const struct cp_tree_node *nd = &t->nodes[i];

		if (nd->feature == CP_TREE_LEAF)
			continue;
		for (int delta = -1; delta <= 1; delta++) {
			for (int k = 0; k < CP_FEAT_COUNT; k++)
				v[k] = rnd() % 64;
			v[nd->feature] = nd->threshold + (uint32_t)delta;
			if (run_one(c, t, v, name))
				return -1;
		}
	}
	for (int r = 0; r < 200; r++) {
		for (int k = 0; k < CP_FEAT_COUNT; k++)
			v[k] = rnd_threshold();
		if (run_one(c, t, v, name))
			return -1;
	}
	for (size_t i = 0; i < ncorpus; i++)
		if (run_one(c, t, corpus[i], name))
			return -1;
	printf("  %-22s %3zu nodes depth %2u: %5lu vectors, %lu mismatches\n", name, t->n,
	       t->depth, c->vectors - before, c->mismatches - bad_before);
	return 0;
}

/* Feature vectors of the recorded corpus (JSON lines), if it exists. */
static size_t load_corpus(const char *path, uint32_t (**out)[CP_FEAT_COUNT])
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, alloc = 0;
	uint32_t (*vs)[CP_FEAT_COUNT] = NULL;

	*out = NULL;
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		struct json_object *o = json_tokener_parse(line), *feat;

		if (o && json_object_object_get_ex(o, "features", &feat)) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 256;
				void *nv = realloc(vs, alloc * sizeof(*vs));
				if (!nv)
					break;
				vs = nv;
			}
			for (int k = 0; k < CP_FEAT_COUNT; k++) {
				struct json_object *x;

				vs[n][k] = json_object_object_get_ex(feat, cp_feat_name((unsigned)k), &x) ?
					   (uint32_t)json_object_get_int64(x) : 0;
			}
			n++;
		}
		json_object_put(o);
	}
	free(line);
	fclose(f);
	*out = vs;
	return n;
}

int main(int argc, char **argv)
{
	const char *top = getenv("TOP"), *build = getenv("BUILD");
	char model[4096], corpus_path[4096];
	struct compart_bpf *skel = NULL;
	struct bpf_program *p;
	struct ctx c = { 0 };
	struct cp_tree_node nodes[CP_TREE_MAX_NODES];
	uint32_t (*corpus)[CP_FEAT_COUNT] = NULL;
	size_t ncorpus;
	int rc = 1;

	(void)argc;
	(void)argv;
	if (geteuid() != 0) {
		printf("SKIP: loading BPF programs needs root (CAP_BPF + CAP_PERFMON)\n");
		return SKIP;
	}
	if (!top)
		top = CP_SOURCE_PROFILE_DIR "/..";
	snprintf(model, sizeof(model), "%s/profiles/models/default.tree", top);
	/* the held-out split of the shipped corpus (tests/adapt/module.mk) */
	snprintf(corpus_path, sizeof(corpus_path), "%s/adapt/test.jsonl", build ? build : "build");

	skel = compart_bpf__open();
	if (!skel) {
		fprintf(stderr, "open BPF object: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "cp_adapt_selftest"));
	if (compart_bpf__load(skel)) {
		fprintf(stderr, "load cp_adapt_selftest: %s\n", strerror(errno));
		goto out;
	}
	c.prog_fd = bpf_program__fd(skel->progs.cp_adapt_selftest);
	c.trees_fd = bpf_map__fd(skel->maps.cp_adapt_trees);

	/* no tree installed: the walk reports failure, never a verdict */
	{
		struct cp_adapt_test in = { .sandbox_id = SID + 1, .level = 5 };
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &in, .ctx_size_in = sizeof(in));

		if (bpf_prog_test_run_opts(c.prog_fd, &o)) {
			fprintf(stderr, "FAIL: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
			goto out;
		}
		if (in.level != -1) {
			fprintf(stderr, "FAIL: walk without a tree gave level %d\n", in.level);
			goto out;
		}
		printf("  no tree installed: walk fails closed to 'no decision' (level -1)\n");
	}

	ncorpus = load_corpus(corpus_path, &corpus);
	printf("corpus vectors: %zu (%s)\n", ncorpus, corpus_path);
	if (ncorpus == 0) {
		fprintf(stderr, "FAIL: no held-out corpus vectors at %s (make builds it from "
			"tests/adapt/corpus/traces.jsonl.gz)\n", corpus_path);
		goto out;
	}

	struct cp_tree t = { .nodes = nodes };
	uint32_t depth;

	nodes[0] = (struct cp_tree_node){ .feature = CP_TREE_LEAF, .level = 2 };
	t.n = 1;
	if (cp_tree_validate(nodes, t.n, &t.depth, NULL, 0) || check_tree(&c, &t, "single-leaf", NULL, 0))
		goto out;
	chain_tree(nodes, &t.n);
	if (cp_tree_validate(nodes, t.n, &t.depth, NULL, 0) || t.depth != CP_TREE_MAX_DEPTH ||
	    check_tree(&c, &t, "chain-16", NULL, 0))
		goto out;
	full_tree(nodes, &t.n);
	if (cp_tree_validate(nodes, t.n, &t.depth, NULL, 0) || check_tree(&c, &t, "full-255", NULL, 0))
		goto out;
	for (int r = 0; r < 24; r++) {
		char name[32];

		memset(nodes, 0, sizeof(nodes));
		t.n = 0;
		grow(nodes, &t.n, CP_TREE_MAX_NODES, 0, 1 + r % CP_TREE_MAX_DEPTH, 0);
		if (cp_tree_validate(nodes, t.n, &depth, NULL, 0)) {
			fprintf(stderr, "generator produced an invalid tree\n");
			goto out;
		}
		t.depth = depth;
		snprintf(name, sizeof(name), "random-%02d", r);
		if (check_tree(&c, &t, name, NULL, 0))
			goto out;
	}
	{
		struct cp_tree m;
		struct cp_diag d;
		int lr;

		cp_diag_init(&d, stderr);
		lr = cp_tree_load(model, &d, &m);
		cp_diag_fini(&d);
		if (lr) {
			fprintf(stderr, "FAIL: shipped model %s: %s\n", model, strerror(-lr));
			goto out;
		}
		lr = check_tree(&c, &m, "default.tree", corpus, ncorpus);
		cp_tree_free(&m);
		if (lr)
			goto out;
	}
	printf("%lu vectors, %lu mismatches between kernel and reference\n", c.vectors, c.mismatches);
	rc = c.mismatches ? 1 : 0;
out:
	free(corpus);
	compart_bpf__destroy(skel);
	return rc;
}
