/* SPDX-License-Identifier: MIT */
/*
 * tree.h - the adaptive-containment decision tree: file format, loader,
 * validator and the user-space reference evaluator.
 *
 * The same struct cp_tree_node array (compart_abi.h) is what the launcher
 * copies into the kernel's tree map, so a tree that passes
 * cp_tree_validate() is exactly a tree the in-kernel walk can evaluate in
 * at most CP_TREE_MAX_DEPTH steps.
 *
 * File format (text, one node per line, UTF-8, '#' starts a comment):
 *
 *     compart-tree 1
 *     # anything after '#' is ignored; compart-train writes its options,
 *     # the corpus digest and per-node sample counts there
 *     0 split sensitive_read 4 1 2     # go to 1 if sensitive_read <= 4, else 2
 *     1 leaf 0
 *     2 leaf 2
 *
 *   - the first non-comment line is the header "compart-tree 1";
 *   - "ID split FEATURE THRESHOLD LEFT RIGHT": an internal node; LEFT is
 *     taken when the feature's window value is <= THRESHOLD (unsigned 32-bit);
 *   - "ID leaf LEVEL": a leaf whose verdict is containment level 0..3;
 *   - IDs are 0..N-1, each defined once, in any order; node 0 is the root;
 *   - every node except the root has exactly one parent and is reachable
 *     (so the graph is a tree: no cycles, no sharing, no orphans);
 *   - N <= CP_TREE_MAX_NODES, at most CP_TREE_MAX_DEPTH splits on any
 *     root-to-leaf path; FEATURE is a name from cp_feat_name().
 * A violation is reported as file:line:col with the offending token.
 */
#ifndef COMPART_TREE_H
#define COMPART_TREE_H

#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

/* ir.h (through diag.h) must come first: it declares enum cp_forbid, whose
 * names compart_abi.h also defines as macros. */
#include "diag.h"
#include "compart_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cp_tree {
	struct cp_tree_node *nodes;   /* nodes[0] is the root */
	size_t n;
	uint32_t depth;               /* longest root-to-leaf path, in splits */
};

/* A decision path as the in-kernel walk records it (struct cp_decision). */
struct cp_tree_path {
	uint32_t depth;
	uint16_t node[CP_TREE_MAX_DEPTH];
	uint8_t left[CP_TREE_MAX_DEPTH];
	uint16_t leaf;
};

/* Feature names as used in tree files, JSON traces and the audit log;
 * NULL for an out-of-range index. */
const char *cp_feat_name(unsigned feat);
/* Index of a feature name, or -ENOENT. */
int cp_feat_by_name(const char *name);

/* Parse a tree file (path) or buffer.  Errors go to `diag` with file:line:col
 * and the function returns -EINVAL; -ENOMEM / -errno for system errors. */
int cp_tree_load(const char *path, struct cp_diag *diag, struct cp_tree *out);
int cp_tree_parse(const char *fname, const char *buf, size_t len,
		  struct cp_diag *diag, struct cp_tree *out);

/* Check the structural rules above on a node array (e.g. one built in
 * memory by compart-train).  Returns 0 and the depth, or -EINVAL with a
 * message in `why` (which may be NULL). */
int cp_tree_validate(const struct cp_tree_node *nodes, size_t n, uint32_t *depth,
		     char *why, size_t whylen);

/* Reference evaluation: the level the tree assigns to `feat`, or -EINVAL
 * for a tree that does not validate.  `path` (optional) receives the
 * decisions taken. */
int cp_tree_eval(const struct cp_tree *t, const uint32_t feat[CP_FEAT_COUNT],
		 struct cp_tree_path *path);

/* Write the tree in the file format; `comment` lines (may be NULL) are
 * emitted after the header, each prefixed with "# ". */
int cp_tree_write(const struct cp_tree *t, const char *const *comment, FILE *out);

void cp_tree_free(struct cp_tree *t);

#ifdef __cplusplus
}
#endif
#endif /* COMPART_TREE_H */
