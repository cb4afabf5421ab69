// SPDX-License-Identifier: MIT
/*
 * compart-train - learn the adaptive-containment decision tree (CART, Gini
 * impurity) from labelled feature traces recorded by
 * `compart-run --record-features FILE --label benign|attack`.
 *
 *   compart-train [options] TRACE.jsonl... -o model.tree
 *   compart-train --eval model.tree TRACE.jsonl...
 *
 * Samples of one run are correlated (each is a window of the same process
 * tree), so cross-validation folds are made of whole runs: a run is either
 * trained on or tested on, never both.  Everything is deterministic: the
 * fold of a run is a hash of its name.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compart.h"
#include "tree.h"

#define NCLASS (CP_MAX_LEVELS + 1)
#define EXIT_USAGE 2
#define EXIT_BAD   125

struct sample {
	uint32_t v[CP_FEAT_COUNT];
	uint8_t cls;           /* target level */
	bool attack;           /* label was attack */
	uint32_t run;          /* index into runs[] */
	uint64_t events;
};

struct run {
	char *name;
	char *workload;
	bool attack;
	unsigned fold;
};

struct data {
	struct sample *s;
	size_t n, cap;
	struct run *runs;
	size_t nruns, runcap;
};

struct opts {
	unsigned max_depth;
	unsigned min_leaf;
	double weight[NCLASS];
	unsigned attack_level;
	unsigned folds;
	const char *out;
	const char *eval;
	bool quiet;
	bool keep_dominated;
	bool by_workload;      /* leave-one-workload-out instead of k folds */
};

/* ---- reading traces ---------------------------------------------------- */

static int run_index(struct data *d, const char *name, const char *workload, bool attack)
{
	for (size_t i = 0; i < d->nruns; i++)
		if (!strcmp(d->runs[i].name, name))
			return (int)i;
	if (d->nruns == d->runcap) {
		size_t nc = d->runcap ? 2 * d->runcap : 64;
		struct run *nr = realloc(d->runs, nc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		d->runs = nr;
		d->runcap = nc;
	}
	d->runs[d->nruns] = (struct run){ strdup(name), strdup(workload), attack, 0 };
	if (!d->runs[d->nruns].name || !d->runs[d->nruns].workload)
		return -ENOMEM;
	return (int)d->nruns++;
}

static void json_err(struct cp_diag *diag, const char *file, uint32_t line, uint32_t col,
		     const char *msg)
{
	struct cp_loc loc = { file, line, col };

	cp_diag_report(diag, CP_SEV_ERROR, loc, 1, "%s", msg);
}

/* Column of a key in the raw line, for messages (1 when not found). */
static uint32_t key_col(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(line, pat);
	return p ? (uint32_t)(p - line) + 1 : 1;
}

static int parse_sample(struct data *d, const struct opts *o, struct cp_diag *diag,
			const char *file, uint32_t lineno, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj, *x, *feat;
	struct sample s = { 0 };
	const char *label, *runname = NULL, *workload = "";
	char fallback_run[64];
	int ri, rc = -EINVAL;

	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		char msg[160];

		snprintf(msg, sizeof(msg), "invalid JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_err(diag, file, lineno, (uint32_t)json_tokener_get_parse_end(tok) + 1, msg);
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_err(diag, file, lineno, 1, "a sample must be a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(obj, "label", &x) || !json_object_is_type(x, json_type_string)) {
		json_err(diag, file, lineno, key_col(line, "label"),
			 "missing \"label\" (\"benign\", \"attack\" or \"level:N\")");
		goto out;
	}
	label = json_object_get_string(x);
	if (!strcmp(label, "benign")) {
		s.cls = 0;
	} else if (!strcmp(label, "attack")) {
		s.cls = (uint8_t)o->attack_level;
		s.attack = true;
	} else if (!strncmp(label, "level:", 6) && label[6] >= '0' && label[6] <= '3' && !label[7]) {
		s.cls = (uint8_t)(label[6] - '0');
		s.attack = s.cls > 0;
	} else {
		json_err(diag, file, lineno, key_col(line, "label"),
			 "label must be \"benign\", \"attack\" or \"level:0\"..\"level:3\"");
		goto out;
	}
	if (json_object_object_get_ex(obj, "run", &x) && json_object_is_type(x, json_type_string))
		runname = json_object_get_string(x);
	if (json_object_object_get_ex(obj, "workload", &x) && json_object_is_type(x, json_type_string))
		workload = json_object_get_string(x);
	if (!runname) {
		snprintf(fallback_run, sizeof(fallback_run), "%s", file);
		runname = fallback_run;
	}
	if (json_object_object_get_ex(obj, "events", &x))
		s.events = (uint64_t)json_object_get_int64(x);
	if (!json_object_object_get_ex(obj, "features", &feat) ||
	    !json_object_is_type(feat, json_type_object)) {
		json_err(diag, file, lineno, key_col(line, "features"), "missing \"features\" object");
		goto out;
	}
	json_object_object_foreach(feat, key, val) {
		int fi = cp_feat_by_name(key);
		int64_t iv;

		if (fi < 0) {
			char msg[96];

			snprintf(msg, sizeof(msg), "unknown feature \"%.40s\"", key);
			json_err(diag, file, lineno, key_col(line, key), msg);
			goto out;
		}
		if (!json_object_is_type(val, json_type_int) ||
		    (iv = json_object_get_int64(val)) < 0 || iv > UINT32_MAX) {
			json_err(diag, file, lineno, key_col(line, key),
				 "a feature value must be an integer 0..4294967295");
			goto out;
		}
		s.v[fi] = (uint32_t)iv;
	}
	ri = run_index(d, runname, workload, s.attack);
	if (ri < 0) {
		rc = ri;
		goto out;
	}
	if (s.attack)
		d->runs[ri].attack = true;
	s.run = (uint32_t)ri;
	if (d->n == d->cap) {
		size_t nc = d->cap ? 2 * d->cap : 1024;
		struct sample *ns = realloc(d->s, nc * sizeof(*ns));

		if (!ns) {
			rc = -ENOMEM;
			goto out;
		}
		d->s = ns;
		d->cap = nc;
	}
	d->s[d->n++] = s;
	rc = 0;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

static int read_trace(struct data *d, const struct opts *o, struct cp_diag *diag, const char *file)
{
	FILE *f = fopen(file, "r");
	char *text = NULL;
	size_t tlen = 0, pos = 0;
	uint32_t lineno = 0;
	int rc = 0;

	if (!f)
		return -errno;
	/* whole file: the diagnostic quotes the offending line */
	{
		FILE *m = open_memstream(&text, &tlen);
		char chunk[65536];
		size_t got;

		if (!m) {
			fclose(f);
			return -ENOMEM;
		}
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, got, m);
		rc = ferror(f) ? -EIO : 0;
		fclose(m);
		fclose(f);
		if (rc) {
			free(text);
			return rc;
		}
	}
	rc = cp_diag_add_source(diag, file, text, tlen);
	while (!rc && pos < tlen) {
		char *ls = text + pos, *nl = memchr(ls, '\n', tlen - pos);
		size_t len = nl ? (size_t)(nl - ls) : tlen - pos;

		pos += len + (nl ? 1 : 0);
		lineno++;
		if (nl)
			*nl = '\0';
		while (len && ls[len - 1] == '\r')
			ls[--len] = '\0';
		if (!len)
			continue;
		rc = parse_sample(d, o, diag, file, lineno, ls, len);
	}
	free(text);
	return rc;
}

/* ---- CART ---------------------------------------------------------------- */

struct builder {
	const struct data *d;
	const struct opts *o;
	struct cp_tree_node nodes[CP_TREE_MAX_NODES];
	double counts[CP_TREE_MAX_NODES][NCLASS];
	size_t n;
	uint32_t *idx;      /* scratch: sample indices */
	uint32_t *tmp;
};

static double gini(const double c[NCLASS], double total)
{
	double g = 1.0;

	if (total <= 0)
		return 0;
	for (int k = 0; k < NCLASS; k++)
		g -= (c[k] / total) * (c[k] / total);
	return g;
}

static const struct data *sort_data;
static unsigned sort_feat;

static int cmp_feat(const void *a, const void *b)
{
	uint32_t va = sort_data->s[*(const uint32_t *)a].v[sort_feat];
	uint32_t vb = sort_data->s[*(const uint32_t *)b].v[sort_feat];

	if (va != vb)
		return va < vb ? -1 : 1;
	/* stable by index so the result never depends on qsort's order */
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* The majority class, ties to the lower level: a tie must not tighten. */
static uint16_t majority(const double c[NCLASS])
{
	uint16_t best = 0;

	for (uint16_t k = 1; k < NCLASS; k++)
		if (c[k] > c[best] + 1e-12)
			best = k;
	return best;
}

/* `reserve`: nodes that must stay free for right siblings still to come,
 * so the tree never exceeds CP_TREE_MAX_NODES. */
static int build(struct builder *b, uint32_t *idx, size_t n, unsigned depth, size_t reserve)
{
	const struct data *d = b->d;
	double cnt[NCLASS] = { 0 }, total = 0;
	size_t me = b->n++;
	int best_f = -1;
	uint32_t best_thr = 0;
	double best_score = 0;
	size_t best_nl = 0;

	for (size_t i = 0; i < n; i++) {
		const struct sample *s = &d->s[idx[i]];

		cnt[s->cls] += b->o->weight[s->cls];
	}
	for (int k = 0; k < NCLASS; k++)
		total += cnt[k];
	memcpy(b->counts[me], cnt, sizeof(cnt));

	double parent = gini(cnt, total);
	bool can_split = depth < b->o->max_depth && parent > 1e-12 &&
			 n >= 2 * (size_t)b->o->min_leaf && b->n + 2 + reserve <= CP_TREE_MAX_NODES;

	for (unsigned f = 0; can_split && f < CP_FEAT_COUNT; f++) {
		double left[NCLASS] = { 0 }, lt = 0;

		sort_data = d;
		sort_feat = f;
		qsort(idx, n, sizeof(*idx), cmp_feat);
		for (size_t i = 0; i + 1 < n; i++) {
			const struct sample *s = &d->s[idx[i]];
			uint32_t cur = s->v[f], next = d->s[idx[i + 1]].v[f];
			double w = b->o->weight[s->cls];

			left[s->cls] += w;
			lt += w;
			if (cur == next)
				continue;
			if (i + 1 < b->o->min_leaf || n - i - 1 < b->o->min_leaf)
				continue;
			double right[NCLASS];
			for (int k = 0; k < NCLASS; k++)
				right[k] = cnt[k] - left[k];
			double rt = total - lt;
			double score = parent - (lt / total) * gini(left, lt) - (rt / total) * gini(right, rt);

			if (score > best_score + 1e-12) {
				best_score = score;
				best_f = (int)f;
				/* halfway between the two sides' nearest values, not
				 * at the left side's largest: a benign value just
				 * beyond the largest one seen in training should not
				 * cross the boundary (cur < next, so cur <= thr < next
				 * and the partition is the same) */
				best_thr = cur + (next - cur) / 2;
				best_nl = i + 1;
			}
		}
	}
	if (best_f < 0) {
		b->nodes[me] = (struct cp_tree_node){ .feature = CP_TREE_LEAF, .level = majority(cnt) };
		return 0;
	}
	/* partition by the chosen split (re-sort: idx is sorted by the last f) */
	sort_data = d;
	sort_feat = (unsigned)best_f;
	qsort(idx, n, sizeof(*idx), cmp_feat);
	b->nodes[me].feature = (uint16_t)best_f;
	b->nodes[me].threshold = best_thr;
	b->nodes[me].left = (uint16_t)b->n;
	build(b, idx, best_nl, depth + 1, reserve + 1);
	b->nodes[me].right = (uint16_t)b->n;
	build(b, idx + best_nl, n - best_nl, depth + 1, reserve);
	/* a split whose two sides agree says nothing: fold it into a leaf */
	const struct cp_tree_node *l = &b->nodes[b->nodes[me].left];
	const struct cp_tree_node *r = &b->nodes[b->nodes[me].right];
	if (l->feature == CP_TREE_LEAF && r->feature == CP_TREE_LEAF && l->level == r->level &&
	    b->n == (size_t)b->nodes[me].right + 1) {
		uint16_t lvl = l->level;

		b->n = me + 1;
		b->nodes[me] = (struct cp_tree_node){ .feature = CP_TREE_LEAF, .level = lvl };
	}
	return 0;
}

static int train(const struct data *d, const struct opts *o, const bool *use, struct cp_tree *out)
{
	struct builder *b = calloc(1, sizeof(*b));
	uint32_t *idx = malloc((d->n ? d->n : 1) * sizeof(*idx));
	size_t n = 0;
	int rc = 0;

	if (!b || !idx) {
		free(b);
		free(idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n; i++)
		if (!use || use[i])
			idx[n++] = (uint32_t)i;
	b->d = d;
	b->o = o;
	if (n == 0) {
		b->nodes[0] = (struct cp_tree_node){ .feature = CP_TREE_LEAF, .level = 0 };
		b->n = 1;
	} else {
		build(b, idx, n, 0, 0);
	}
	out->nodes = malloc(b->n * sizeof(*out->nodes));
	if (!out->nodes) {
		rc = -ENOMEM;
	} else {
		memcpy(out->nodes, b->nodes, b->n * sizeof(*out->nodes));
		out->n = b->n;
		rc = cp_tree_validate(out->nodes, out->n, &out->depth, NULL, 0);
	}
	free(idx);
	free(b);
	return rc;
}

/* ---- evaluation ---------------------------------------------------------- */

struct metrics {
	size_t tp, fp, tn, fn;              /* per sample: tightened vs attack */
	size_t runs_attack, runs_detected;  /* per run */
	size_t runs_benign, runs_tightened;
	double events_to_contain_sum;
	size_t contained_runs;
};

static void evaluate(const struct data *d, const struct cp_tree *t, const bool *test,
		     struct metrics *m, FILE *runs_out)
{
	bool *tightened = calloc(d->nruns ? d->nruns : 1, sizeof(bool));
	uint64_t *first = calloc(d->nruns ? d->nruns : 1, sizeof(uint64_t));
	bool *inset = calloc(d->nruns ? d->nruns : 1, sizeof(bool));

	if (!tightened || !first || !inset)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		const struct sample *s = &d->s[i];
		int lvl;

		if (test && !test[i])
			continue;
		inset[s->run] = true;
		lvl = cp_tree_eval(t, s->v, NULL);
		bool tight = lvl > 0;
		if (tight && s->attack)
			m->tp++;
		else if (tight)
			m->fp++;
		else if (s->attack)
			m->fn++;
		else
			m->tn++;
		/* samples of a run are in time order (seq); the first one that
		 * tightens is where the kernel would have contained it */
		if (tight && !tightened[s->run]) {
			tightened[s->run] = true;
			first[s->run] = s->events;
		}
	}
	for (size_t r = 0; r < d->nruns; r++) {
		if (!inset[r])
			continue;
		if (runs_out) {
			uint64_t last = 0;

			for (size_t i = 0; i < d->n; i++)
				if (d->s[i].run == r && d->s[i].events > last)
					last = d->s[i].events;
			fprintf(runs_out, "  run %-22s %-6s %s", d->runs[r].name,
				d->runs[r].attack ? "attack" : "benign",
				tightened[r] ? "TIGHTENED" : "untouched");
			if (tightened[r])
				fprintf(runs_out, " at event %llu of %llu", (unsigned long long)first[r],
					(unsigned long long)last);
			else
				fprintf(runs_out, " (%llu events)", (unsigned long long)last);
			fprintf(runs_out, "%s\n", tightened[r] != d->runs[r].attack ?
				(d->runs[r].attack ? "   <- missed" : "   <- FALSE TIGHTENING") : "");
		}
		if (d->runs[r].attack) {
			m->runs_attack++;
			if (tightened[r]) {
				m->runs_detected++;
				m->events_to_contain_sum += (double)first[r];
				m->contained_runs++;
			}
		} else {
			m->runs_benign++;
			m->runs_tightened += tightened[r];
		}
	}
out:
	free(tightened);
	free(first);
	free(inset);
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* Wilson score interval (95%) of a proportion k/n, in percent: honest
 * about what a small number of runs can resolve (0/16 is "0 to 19%"). */
static void wilson95(size_t k, size_t n, double *lo, double *hi)
{
	const double z = 1.959964;
	double p, d, c, h;

	if (n == 0) {
		*lo = 0;
		*hi = 100;
		return;
	}
	p = (double)k / (double)n;
	d = 1 + z * z / (double)n;
	c = p + z * z / (2.0 * (double)n);
	h = z * sqrt(p * (1 - p) / (double)n + z * z / (4.0 * (double)n * (double)n));
	*lo = k == 0 ? 0 : 100.0 * (c - h) / d;
	*hi = k == n ? 100 : 100.0 * (c + h) / d;
}

static void print_metrics(const char *what, const struct metrics *m)
{
	double dlo, dhi, flo, fhi;

	wilson95(m->runs_detected, m->runs_attack, &dlo, &dhi);
	wilson95(m->runs_tightened, m->runs_benign, &flo, &fhi);
	printf("%s: samples precision %.3f recall %.3f (tp %zu fp %zu fn %zu tn %zu); "
	       "runs: detection %zu/%zu = %.1f%% (95%% CI %.1f-%.1f%%), "
	       "false tightening %zu/%zu = %.1f%% (95%% CI %.1f-%.1f%%)",
	       what, ratio(m->tp, m->tp + m->fp), ratio(m->tp, m->tp + m->fn), m->tp, m->fp,
	       m->fn, m->tn, m->runs_detected, m->runs_attack,
	       100.0 * ratio(m->runs_detected, m->runs_attack), dlo, dhi, m->runs_tightened,
	       m->runs_benign, 100.0 * ratio(m->runs_tightened, m->runs_benign), flo, fhi);
	if (m->contained_runs)
		printf(", mean events to contain %.1f", m->events_to_contain_sum / (double)m->contained_runs);
	printf("\n");
}

static void add_metrics(struct metrics *a, const struct metrics *b)
{
	a->tp += b->tp;
	a->fp += b->fp;
	a->tn += b->tn;
	a->fn += b->fn;
	a->runs_attack += b->runs_attack;
	a->runs_detected += b->runs_detected;
	a->runs_benign += b->runs_benign;
	a->runs_tightened += b->runs_tightened;
	a->events_to_contain_sum += b->events_to_contain_sum;
	a->contained_runs += b->contained_runs;
}

static uint32_t fnv32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* Folds are stratified by label: runs of each class are dealt round-robin
 * in the order of their name hash, so every fold has attacks and benign
 * runs, and the assignment is reproducible. */
static void assign_folds(struct data *d, unsigned k)
{
	for (int cls = 0; cls < 2; cls++) {
		size_t m = 0;
		size_t *order = malloc((d->nruns ? d->nruns : 1) * sizeof(*order));

		if (!order)
			return;
		for (size_t i = 0; i < d->nruns; i++)
			if (d->runs[i].attack == (cls == 1))
				order[m++] = i;
		for (size_t i = 1; i < m; i++)
			for (size_t j = i; j > 0; j--) {
				uint32_t ha = fnv32(d->runs[order[j - 1]].name);
				uint32_t hb = fnv32(d->runs[order[j]].name);

				if (ha < hb || (ha == hb && strcmp(d->runs[order[j - 1]].name,
								   d->runs[order[j]].name) <= 0))
					break;
				size_t t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (size_t i = 0; i < m; i++)
			d->runs[order[i]].fold = (unsigned)(i % k);
		free(order);
	}
}

/* Leave one workload out: every run of a workload is in the fold of that
 * workload, so each fold tests on a behaviour the tree never saw. */
static unsigned assign_workload_folds(struct data *d)
{
	unsigned k = 0;

	for (size_t i = 0; i < d->nruns; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (!strcmp(d->runs[j].workload, d->runs[i].workload))
				break;
		d->runs[i].fold = j < i ? d->runs[j].fold : k++;
	}
	return k;
}

static int cross_validate(struct data *d, const struct opts *o_in)
{
	struct opts oo = *o_in;
	const struct opts *o = &oo;
	bool *trainset = malloc(d->n * sizeof(bool)), *testset = malloc(d->n * sizeof(bool));
	struct metrics all = { 0 };

	if (!trainset || !testset) {
		free(trainset);
		free(testset);
		return -ENOMEM;
	}
	if (o->by_workload)
		oo.folds = assign_workload_folds(d);
	else
		assign_folds(d, o->folds);
	for (unsigned f = 0; f < o->folds; f++) {
		struct cp_tree t = { 0 };
		struct metrics m = { 0 };
		char what[32];
		int rc;

		for (size_t i = 0; i < d->n; i++) {
			testset[i] = d->runs[d->s[i].run].fold == f;
			trainset[i] = !testset[i];
		}
		rc = train(d, o, trainset, &t);
		if (rc) {
			free(trainset);
			free(testset);
			return rc;
		}
		evaluate(d, &t, testset, &m, NULL);
		if (o->by_workload) {
			const char *w = "?";

			for (size_t r = 0; r < d->nruns; r++)
				if (d->runs[r].fold == f)
					w = d->runs[r].workload;
			snprintf(what, sizeof(what), "held out %s", w);
		} else {
			snprintf(what, sizeof(what), "fold %u/%u", f + 1, o->folds);
		}
		if (!o->quiet)
			print_metrics(what, &m);
		add_metrics(&all, &m);
		cp_tree_free(&t);
	}
	char what[64];
	if (o->by_workload)
		snprintf(what, sizeof(what), "leave-one-workload-out (%u workloads)", o->folds);
	else
		snprintf(what, sizeof(what), "%u-fold cross-validation", o->folds);
	print_metrics(what, &all);
	free(trainset);
	free(testset);
	return 0;
}

/* An attack run starts like any program (a shell starting, a library
 * loading), and every window it is sampled in carries its label.  A window
 * with no more activity of any kind than some benign window is not
 * evidence of an attack, and training on it as one teaches the tree to
 * tighten benign programs.  Such samples are relabelled benign: the model
 * may only tighten on behaviour beyond what benign runs showed. */
static size_t relabel_dominated(struct data *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct sample *a = &d->s[i];

		if (!a->attack)
			continue;
		for (size_t j = 0; j < d->n; j++) {
			const struct sample *b = &d->s[j];
			int k;

			if (b->attack)
				continue;
			for (k = 0; k < CP_FEAT_COUNT; k++)
				if (a->v[k] > b->v[k])
					break;
			if (k == CP_FEAT_COUNT) {
				a->attack = false;
				a->cls = 0;
				n++;
				break;
			}
		}
	}
	return n;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: compart-train [options] TRACE.jsonl... -o MODEL.tree\n"
		"       compart-train --eval MODEL.tree TRACE.jsonl...\n"
		"Learn the adaptive-containment decision tree (CART, Gini) from feature\n"
		"traces recorded with compart-run --record-features.\n"
		"  -o, --output FILE        write the tree here (atomically)\n"
		"  -d, --max-depth N        maximum depth in splits (1..%d, default 6)\n"
		"  -m, --min-leaf N         minimum samples per leaf (default 5)\n"
		"  -w, --class-weight L=W   weight of samples of level L (default 1;\n"
		"                           attack samples default to the ratio that\n"
		"                           balances the classes)\n"
		"  -a, --attack-level N     level that label \"attack\" means (1..3, default 2)\n"
		"  -k, --folds K            cross-validation folds over runs (2..20, default 5;\n"
		"                           0 = no cross-validation)\n"
		"      --cv-by-workload     cross-validate leaving one workload out at a time\n"
		"                           (tests on behaviours the tree never saw)\n"
		"  -e, --eval MODEL         evaluate an existing tree on the traces\n"
		"  -q, --quiet              only the summary lines\n"
		"      --keep-dominated     keep the attack label on samples that show no\n"
		"                           more of any feature than a benign sample\n"
		"                           (default: relabel them benign)\n"
		"      --list-features      print the feature names and exit\n"
		"  -h, --help\n", CP_TREE_MAX_DEPTH);
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi || s[0] == '-')
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "min-leaf", required_argument, NULL, 'm' },
		{ "class-weight", required_argument, NULL, 'w' },
		{ "attack-level", required_argument, NULL, 'a' },
		{ "folds", required_argument, NULL, 'k' },
		{ "eval", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "keep-dominated", no_argument, NULL, 'K' },
		{ "cv-by-workload", no_argument, NULL, 'W' },
		{ "list-features", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { .max_depth = 6, .min_leaf = 5, .attack_level = 2, .folds = 5 };
	bool weight_set[NCLASS] = { 0 };
	struct data d = { 0 };
	struct cp_diag diag;
	struct cp_tree t = { 0 };
	int c, rc, status = 0;

	for (int k = 0; k < NCLASS; k++)
		o.weight[k] = 1.0;
	while ((c = getopt_long(argc, argv, "o:d:m:w:a:k:e:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'e': o.eval = optarg; break;
		case 'q': o.quiet = true; break;
		case 'K': o.keep_dominated = true; break;
		case 'W': o.by_workload = true; break;
		case 'd':
			if (parse_uint(optarg, 1, CP_TREE_MAX_DEPTH, &o.max_depth)) {
				fprintf(stderr, "compart-train: --max-depth must be 1..%d\n", CP_TREE_MAX_DEPTH);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (parse_uint(optarg, 1, 1000000, &o.min_leaf)) {
				fprintf(stderr, "compart-train: --min-leaf must be a positive number\n");
				return EXIT_USAGE;
			}
			break;
		case 'a':
			if (parse_uint(optarg, 1, CP_MAX_LEVELS, &o.attack_level)) {
				fprintf(stderr, "compart-train: --attack-level must be 1..3\n");
				return EXIT_USAGE;
			}
			break;
		case 'k':
			if (parse_uint(optarg, 0, 20, &o.folds) || o.folds == 1) {
				fprintf(stderr, "compart-train: --folds must be 0 or 2..20\n");
				return EXIT_USAGE;
			}
			break;
		case 'w': {
			char *eq = strchr(optarg, '='), *end;
			unsigned lvl;
			double w;

			if (!eq) {
				fprintf(stderr, "compart-train: --class-weight takes LEVEL=WEIGHT\n");
				return EXIT_USAGE;
			}
			*eq = '\0';
			errno = 0;
			w = strtod(eq + 1, &end);
			if (parse_uint(optarg, 0, CP_MAX_LEVELS, &lvl) || errno || *end || !(w > 0) ||
			    !isfinite(w)) {
				fprintf(stderr, "compart-train: --class-weight: LEVEL 0..3, WEIGHT > 0\n");
				return EXIT_USAGE;
			}
			o.weight[lvl] = w;
			weight_set[lvl] = true;
			break;
		}
		case 'L':
			for (unsigned i = 0; i < CP_FEAT_COUNT; i++)
				printf("%2u %s\n", i, cp_feat_name(i));
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc || (!o.out && !o.eval && o.folds == 0 && !o.by_workload)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	cp_diag_init(&diag, stderr);
	for (int i = optind; i < argc; i++) {
		rc = read_trace(&d, &o, &diag, argv[i]);
		if (rc == -EINVAL) {
			status = EXIT_BAD;
			goto out;
		}
		if (rc) {
			fprintf(stderr, "compart-train: %s: %s\n", argv[i], strerror(-rc));
			status = EXIT_BAD;
			goto out;
		}
	}
	if (d.n == 0) {
		fprintf(stderr, "compart-train: no samples in the traces\n");
		status = EXIT_BAD;
		goto out;
	}

	size_t nattack = 0, nruns_attack = 0;
	for (size_t i = 0; i < d.n; i++)
		nattack += d.s[i].attack;
	for (size_t i = 0; i < d.nruns; i++)
		nruns_attack += d.runs[i].attack;
	printf("corpus: %zu samples (%zu attack, %zu benign) from %zu runs (%zu attack, %zu benign)\n",
	       d.n, nattack, d.n - nattack, d.nruns, nruns_attack, d.nruns - nruns_attack);

	if (o.eval) {
		struct metrics m = { 0 };

		rc = cp_tree_load(o.eval, &diag, &t);
		if (rc) {
			if (rc != -EINVAL)
				fprintf(stderr, "compart-train: %s: %s\n", o.eval, strerror(-rc));
			status = EXIT_BAD;
			goto out;
		}
		evaluate(&d, &t, NULL, &m, o.quiet ? NULL : stdout);
		print_metrics(o.eval, &m);
		goto out;
	}

	if (!o.keep_dominated) {
		size_t moved = relabel_dominated(&d);

		nattack -= moved;
		printf("relabelled %zu attack samples benign: no feature above some benign sample's\n",
		       moved);
	}

	/* Balance the classes unless told otherwise: attacks are rarer, and a
	 * missed attack is what the model exists to prevent. */
	if (!weight_set[o.attack_level] && nattack && nattack < d.n)
		o.weight[o.attack_level] = (double)(d.n - nattack) / (double)nattack;
	printf("options: max-depth %u, min-leaf %u, attack level %u, weights", o.max_depth,
	       o.min_leaf, o.attack_level);
	for (int k = 0; k < NCLASS; k++)
		printf(" %d=%.3g", k, o.weight[k]);
	printf("\n");

	if (o.folds || o.by_workload) {
		if (!o.by_workload && (nruns_attack < o.folds || d.nruns - nruns_attack < o.folds)) {
			fprintf(stderr, "compart-train: %u folds need at least %u attack and %u benign runs\n",
				o.folds, o.folds, o.folds);
			status = EXIT_BAD;
			goto out;
		}
		rc = cross_validate(&d, &o);
		if (rc) {
			fprintf(stderr, "compart-train: %s\n", strerror(-rc));
			status = EXIT_BAD;
			goto out;
		}
	}
	if (o.out) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf;
		char line1[160], line2[160], line3[160];
		const char *comments[] = { line1, line2, line3, NULL };
		struct metrics m = { 0 };

		rc = train(&d, &o, NULL, &t);
		if (rc) {
			fprintf(stderr, "compart-train: %s\n", strerror(-rc));
			status = EXIT_BAD;
			goto out;
		}
		evaluate(&d, &t, NULL, &m, NULL);
		print_metrics("training set (not held out)", &m);
		snprintf(line1, sizeof(line1), "trained by compart-train: CART (Gini), max-depth %u, "
			 "min-leaf %u, attack level %u, its class weight %.3g", o.max_depth, o.min_leaf,
			 o.attack_level, o.weight[o.attack_level]);
		snprintf(line2, sizeof(line2), "corpus: %zu samples from %zu runs (%zu attack runs)",
			 d.n, d.nruns, nruns_attack);
		snprintf(line3, sizeof(line3), "nodes %zu, depth %u", t.n, t.depth);
		mf = open_memstream(&buf, &len);
		if (!mf || cp_tree_write(&t, comments, mf)) {
			if (mf)
				fclose(mf);
			free(buf);
			fprintf(stderr, "compart-train: cannot format the tree\n");
			status = EXIT_BAD;
			goto out;
		}
		fclose(mf);
		rc = cp_write_file_atomic(o.out, buf, len, 0644);
		free(buf);
		if (rc) {
			fprintf(stderr, "compart-train: %s: %s\n", o.out, strerror(-rc));
			status = EXIT_BAD;
			goto out;
		}
		printf("wrote %s: %zu nodes, depth %u\n", o.out, t.n, t.depth);
	}
out:
	cp_tree_free(&t);
	for (size_t i = 0; i < d.nruns; i++) {
		free(d.runs[i].name);
		free(d.runs[i].workload);
	}
	free(d.runs);
	free(d.s);
	cp_diag_fini(&diag);
	return status;
}
