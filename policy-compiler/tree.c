// SPDX-License-Identifier: MIT
/*
 * tree.c - decision-tree files: parse, validate, evaluate, write.
 *
 * The validator is the kernel's safety net: the in-kernel walk trusts the
 * map contents (child indices in range, no cycles, bounded depth) only
 * because every tree goes through cp_tree_validate() before it is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"

static const char *const feat_names[CP_FEAT_COUNT] = {
	[CP_FEAT_OPEN_WRITE]       = "open_write",
	[CP_FEAT_DIRS_WRITTEN]     = "dirs_written",
	[CP_FEAT_RENAME]           = "rename",
	[CP_FEAT_UNLINK]           = "unlink",
	[CP_FEAT_TRUNCATE]         = "truncate",
	[CP_FEAT_BYTES_WRITTEN_KB] = "bytes_written_kb",
	[CP_FEAT_SENSITIVE_READ]   = "sensitive_read",
	[CP_FEAT_EXEC]             = "exec",
	[CP_FEAT_EXEC_NEW]         = "exec_new",
	[CP_FEAT_CONNECT]          = "connect",
	[CP_FEAT_DISTINCT_DEST]    = "distinct_dest",
	[CP_FEAT_BYTES_SENT_KB]    = "bytes_sent_kb",
	[CP_FEAT_FORK]             = "fork",
	[CP_FEAT_PRIV_ATTEMPT]     = "priv_attempt",
	[CP_FEAT_PROT_EXEC]        = "prot_exec",
	[CP_FEAT_DENIED]           = "denied",
	[CP_FEAT_EXEC_SOCKET]      = "exec_socket",
	[CP_FEAT_UNLINK_OLD]       = "unlink_old",
	[CP_FEAT_TASKS_PEAK]       = "tasks_peak",
	[CP_FEAT_REPLACED]         = "replaced",
};

const char *cp_feat_name(unsigned feat)
{
	return feat < CP_FEAT_COUNT ? feat_names[feat] : NULL;
}

int cp_feat_by_name(const char *name)
{
	for (unsigned i = 0; i < CP_FEAT_COUNT; i++)
		if (feat_names[i] && !strcmp(feat_names[i], name))
			return (int)i;
	return -ENOENT;
}

void cp_tree_free(struct cp_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	t->nodes = NULL;
	t->n = 0;
	t->depth = 0;
}

/* ---- validation ------------------------------------------------------ */

enum vtok { V_DEF = 0, V_LEFT, V_RIGHT, V_FEATURE, V_LEVEL, V_NONE };

struct vfail {
	size_t node;        /* offending node, or SIZE_MAX for the whole tree */
	enum vtok tok;      /* which token of that node's line to point at */
	char msg[160];
};

static int vfail(struct vfail *f, size_t node, enum vtok tok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int vfail(struct vfail *f, size_t node, enum vtok tok, const char *fmt, ...)
{
	va_list ap;

	f->node = node;
	f->tok = tok;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int validate(const struct cp_tree_node *nodes, size_t n, uint32_t *depth_out,
		    struct vfail *f)
{
	uint8_t parents[CP_TREE_MAX_NODES] = { 0 };
	uint8_t seen[CP_TREE_MAX_NODES] = { 0 };
	uint16_t stack[CP_TREE_MAX_NODES];
	uint8_t sdepth[CP_TREE_MAX_NODES];
	size_t sp = 0;
	uint32_t maxd = 0;

	if (n == 0)
		return vfail(f, SIZE_MAX, V_NONE, "the tree has no nodes");
	if (n > CP_TREE_MAX_NODES)
		return vfail(f, SIZE_MAX, V_NONE, "the tree has %zu nodes; at most %d are allowed",
			     n, CP_TREE_MAX_NODES);

	for (size_t i = 0; i < n; i++) {
		const struct cp_tree_node *nd = &nodes[i];

		if (nd->feature == CP_TREE_LEAF) {
			if (nd->level > CP_MAX_LEVELS)
				return vfail(f, i, V_LEVEL, "leaf level %u is out of range (0..%d)",
					     nd->level, CP_MAX_LEVELS);
			continue;
		}
		if (nd->feature >= CP_FEAT_COUNT)
			return vfail(f, i, V_FEATURE, "feature index %u is out of range (< %d)",
				     nd->feature, CP_FEAT_COUNT);
		for (int side = 0; side < 2; side++) {
			unsigned c = side ? nd->right : nd->left;
			enum vtok tok = side ? V_RIGHT : V_LEFT;

			if (c >= n)
				return vfail(f, i, tok, "child %u does not exist (the tree has %zu nodes)",
					     c, n);
			if (c == 0)
				return vfail(f, i, tok, "the root (node 0) cannot be a child");
			if (parents[c]++)
				return vfail(f, i, tok, "node %u has more than one parent", c);
		}
	}

	/* Every node has at most one parent and the root none, so a walk
	 * from the root meets each node at most once: a cycle can only hide
	 * among nodes the walk never reaches, which the orphan check reports. */
	stack[sp] = 0;
	sdepth[sp++] = 0;
	while (sp) {
		sp--;
		uint16_t i = stack[sp];
		uint8_t d = sdepth[sp];
		const struct cp_tree_node *nd = &nodes[i];

		seen[i] = 1;
		if (nd->feature == CP_TREE_LEAF) {
			if (d > maxd)
				maxd = d;
			continue;
		}
		if (d + 1 > CP_TREE_MAX_DEPTH)
			return vfail(f, i, V_DEF, "the tree is deeper than %d splits here",
				     CP_TREE_MAX_DEPTH);
		stack[sp] = nd->left;
		sdepth[sp++] = d + 1;
		stack[sp] = nd->right;
		sdepth[sp++] = d + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			return vfail(f, i, V_DEF, "node %zu is not reachable from the root", i);
	if (depth_out)
		*depth_out = maxd;
	return 0;
}

int cp_tree_validate(const struct cp_tree_node *nodes, size_t n, uint32_t *depth,
		     char *why, size_t whylen)
{
	struct vfail f;
	int rc;

	if (!nodes && n)
		return -EINVAL;
	rc = validate(nodes, n, depth, &f);
	if (rc && why && whylen) {
		if (f.node == SIZE_MAX)
			snprintf(why, whylen, "%s", f.msg);
		else
			snprintf(why, whylen, "node %zu: %s", f.node, f.msg);
	}
	return rc;
}

/* ---- parsing ---------------------------------------------------------- */

#define MAX_TOKS 8

struct tok {
	const char *s;
	size_t len;
	uint32_t col;
};

struct node_locs {
	struct cp_loc tok[MAX_TOKS];  /* location of each token of the line */
	bool defined;
};

static bool tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

static int tok_u32(const struct tok *t, uint32_t *out)
{
	char buf[16];
	char *end;
	unsigned long v;

	if (t->len == 0 || t->len >= sizeof(buf) || t->s[0] < '0' || t->s[0] > '9')
		return -EINVAL;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static struct cp_loc loc_of(const char *fname, uint32_t line, uint32_t col)
{
	return (struct cp_loc){ .file = fname, .line = line, .col = col };
}

static void report_tok(struct cp_diag *d, const char *fname, uint32_t line,
		       const struct tok *t, const char *msg)
{
	cp_diag_report(d, CP_SEV_ERROR, loc_of(fname, line, t->col),
		       t->len ? (unsigned)t->len : 1, "%s", msg);
}

int cp_tree_parse(const char *fname, const char *buf, size_t len,
		  struct cp_diag *diag, struct cp_tree *out)
{
	struct cp_tree_node nodes[CP_TREE_MAX_NODES];
	struct node_locs *locs = NULL;
	struct cp_loc header_loc = loc_of(fname, 1, 1);
	bool have_header = false;
	size_t n = 0;
	uint32_t line = 0;
	size_t pos = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(nodes, 0, sizeof(nodes));
	rc = cp_diag_add_source(diag, fname, buf, len);
	if (rc)
		return rc;
	locs = calloc(CP_TREE_MAX_NODES, sizeof(*locs));
	if (!locs)
		return -ENOMEM;

	while (pos < len) {
		const char *ls = buf + pos;
		const char *nl = memchr(ls, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - ls) : len - pos;
		struct tok t[MAX_TOKS + 1];
		size_t nt = 0;

		pos += ll + (nl ? 1 : 0);
		line++;
		for (size_t i = 0; i < ll;) {
			if (ls[i] == '#')
				break;
			if (ls[i] == ' ' || ls[i] == '\t' || ls[i] == '\r') {
				i++;
				continue;
			}
			size_t st = i;
			while (i < ll && ls[i] != ' ' && ls[i] != '\t' && ls[i] != '\r' && ls[i] != '#')
				i++;
			if (nt == MAX_TOKS + 1) {
				nt++;
				break;
			}
			t[nt++] = (struct tok){ ls + st, i - st, (uint32_t)st + 1 };
		}
		if (nt == 0)
			continue;
		if (memchr(ls, '\0', ll)) {
			cp_diag_report(diag, CP_SEV_ERROR, loc_of(fname, line, 1), 1,
				       "NUL byte in tree file");
			goto bad;
		}
		if (!have_header) {
			uint32_t ver;

			if (!tok_is(&t[0], "compart-tree")) {
				report_tok(diag, fname, line, &t[0],
					   "expected the header 'compart-tree 1'");
				goto bad;
			}
			if (nt != 2 || tok_u32(&t[1], &ver) || ver != 1) {
				report_tok(diag, fname, line, nt > 1 ? &t[1] : &t[0],
					   "unsupported tree format version (this build reads version 1)");
				goto bad;
			}
			header_loc = loc_of(fname, line, 1);
			have_header = true;
			continue;
		}

		uint32_t id;
		if (tok_u32(&t[0], &id)) {
			report_tok(diag, fname, line, &t[0], "expected a node id");
			goto bad;
		}
		if (id >= CP_TREE_MAX_NODES) {
			report_tok(diag, fname, line, &t[0],
				   "node id out of range (a tree has at most 255 nodes)");
			goto bad;
		}
		if (locs[id].defined) {
			char msg[80];

			snprintf(msg, sizeof(msg), "node %u is defined twice (first on line %u)",
				 id, locs[id].tok[0].line);
			report_tok(diag, fname, line, &t[0], msg);
			goto bad;
		}
		struct cp_tree_node *nd = &nodes[id];
		if (nt >= 2 && tok_is(&t[1], "leaf")) {
			uint32_t lvl;

			if (nt != 3) {
				report_tok(diag, fname, line, nt > 3 ? &t[3] : &t[1],
					   "a leaf is 'ID leaf LEVEL'");
				goto bad;
			}
			if (tok_u32(&t[2], &lvl) || lvl > CP_MAX_LEVELS) {
				report_tok(diag, fname, line, &t[2],
					   "leaf level must be 0..3");
				goto bad;
			}
			nd->feature = CP_TREE_LEAF;
			nd->level = (uint16_t)lvl;
		} else if (nt >= 2 && tok_is(&t[1], "split")) {
			uint32_t thr, l, r;
			char fname_buf[32];
			int fi;

			if (nt != 6) {
				report_tok(diag, fname, line, nt > 6 ? &t[6] : &t[nt - 1],
					   "a split is 'ID split FEATURE THRESHOLD LEFT RIGHT'");
				goto bad;
			}
			fi = -ENOENT;
			if (t[2].len < sizeof(fname_buf)) {
				memcpy(fname_buf, t[2].s, t[2].len);
				fname_buf[t[2].len] = '\0';
				fi = cp_feat_by_name(fname_buf);
			}
			if (fi < 0) {
				report_tok(diag, fname, line, &t[2],
					   "unknown feature (see compart-train --list-features)");
				goto bad;
			}
			if (tok_u32(&t[3], &thr)) {
				report_tok(diag, fname, line, &t[3],
					   "threshold must be an unsigned 32-bit integer");
				goto bad;
			}
			if (tok_u32(&t[4], &l) || l >= CP_TREE_MAX_NODES) {
				report_tok(diag, fname, line, &t[4], "expected a node id (0..254)");
				goto bad;
			}
			if (tok_u32(&t[5], &r) || r >= CP_TREE_MAX_NODES) {
				report_tok(diag, fname, line, &t[5], "expected a node id (0..254)");
				goto bad;
			}
			nd->feature = (uint16_t)fi;
			nd->threshold = thr;
			nd->left = (uint16_t)l;
			nd->right = (uint16_t)r;
		} else {
			report_tok(diag, fname, line, nt >= 2 ? &t[1] : &t[0],
				   "expected 'split' or 'leaf'");
			goto bad;
		}
		locs[id].defined = true;
		for (size_t k = 0; k < nt && k < MAX_TOKS; k++)
			locs[id].tok[k] = loc_of(fname, line, t[k].col);
		if (id + 1 > n)
			n = id + 1;
	}

	if (!have_header) {
		cp_diag_report(diag, CP_SEV_ERROR, loc_of(fname, line ? line : 1, 1), 1,
			       "missing header 'compart-tree 1' (empty tree file?)");
		goto bad;
	}
	for (size_t i = 0; i < n; i++)
		if (!locs[i].defined) {
			cp_diag_report(diag, CP_SEV_ERROR, header_loc, 1,
				       "node %zu is not defined (node ids must be 0..%zu)", i, n - 1);
			goto bad;
		}

	struct vfail f;
	uint32_t depth = 0;
	if (validate(nodes, n, &depth, &f)) {
		struct cp_loc at = header_loc;

		if (f.node != SIZE_MAX) {
			static const size_t tokidx[] = {
				[V_DEF] = 0, [V_LEFT] = 4, [V_RIGHT] = 5,
				[V_FEATURE] = 2, [V_LEVEL] = 2, [V_NONE] = 0,
			};
			at = locs[f.node].tok[tokidx[f.tok]];
		}
		cp_diag_report(diag, CP_SEV_ERROR, at, 1, "%s", f.msg);
		goto bad;
	}

	out->nodes = malloc(n * sizeof(*out->nodes));
	if (!out->nodes) {
		free(locs);
		return -ENOMEM;
	}
	memcpy(out->nodes, nodes, n * sizeof(*out->nodes));
	out->n = n;
	out->depth = depth;
	free(locs);
	return 0;
bad:
	free(locs);
	return -EINVAL;
}

/* Tree files are small; refuse anything that is not a regular file or is
 * absurdly large rather than reading it. */
#define TREE_FILE_MAX (1u << 20)

int cp_tree_load(const char *path, struct cp_diag *diag, struct cp_tree *out)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t off = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TREE_FILE_MAX) {
		close(fd);
		cp_diag_report(diag, CP_SEV_ERROR, loc_of(path, 0, 0), 0,
			       "not a regular file of at most 1 MiB");
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, buf + off, (size_t)st.st_size - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd);
	rc = cp_tree_parse(path, buf, off, diag, out);
	free(buf);
	return rc;
}

/* ---- evaluation and output -------------------------------------------- */

int cp_tree_eval(const struct cp_tree *t, const uint32_t feat[CP_FEAT_COUNT],
		 struct cp_tree_path *path)
{
	struct cp_tree_path local;
	struct cp_tree_path *p = path ? path : &local;
	uint32_t i = 0;

	memset(p, 0, sizeof(*p));
	if (!t || !t->nodes || t->n == 0 || t->n > CP_TREE_MAX_NODES)
		return -EINVAL;
	for (uint32_t step = 0; step <= CP_TREE_MAX_DEPTH; step++) {
		const struct cp_tree_node *nd = &t->nodes[i];
		bool left;

		if (nd->feature == CP_TREE_LEAF) {
			p->leaf = (uint16_t)i;
			return nd->level <= CP_MAX_LEVELS ? nd->level : -EINVAL;
		}
		if (step == CP_TREE_MAX_DEPTH || nd->feature >= CP_FEAT_COUNT)
			return -EINVAL;
		left = feat[nd->feature] <= nd->threshold;
		p->node[step] = (uint16_t)i;
		p->left[step] = left;
		p->depth = step + 1;
		i = left ? nd->left : nd->right;
		if (i >= t->n)
			return -EINVAL;
	}
	return -EINVAL;
}

static void write_node(const struct cp_tree *t, size_t i, FILE *out)
{
	const struct cp_tree_node *nd = &t->nodes[i];

	if (nd->feature == CP_TREE_LEAF)
		fprintf(out, "%zu leaf %u\n", i, nd->level);
	else
		fprintf(out, "%zu split %s %u %u %u\n", i, cp_feat_name(nd->feature),
			nd->threshold, nd->left, nd->right);
}

int cp_tree_write(const struct cp_tree *t, const char *const *comment, FILE *out)
{
	if (cp_tree_validate(t->nodes, t->n, NULL, NULL, 0))
		return -EINVAL;
	fprintf(out, "compart-tree 1\n");
	for (size_t i = 0; comment && comment[i]; i++)
		fprintf(out, "# %s\n", comment[i]);
	for (size_t i = 0; i < t->n; i++)
		write_node(t, i, out);
	return ferror(out) ? -EIO : 0;
}
