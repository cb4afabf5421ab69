// SPDX-License-Identifier: MIT
/*
 * sema_adapt.c - the `adapt` section (adaptive containment by the
 * in-kernel decision tree).
 *
 *   adapt {
 *       model "models/default.tree"     # relative to this profile's directory
 *       eval-every 64                   # events between evaluations
 *       window 2s                       # feature window (ms, s, m)
 *       scratch $TMPDIR /tmp            # still writable under 'write'
 *       level 1 forbid connect bind
 *       level 2 forbid exec-new write
 *       level 3 forbid freeze
 *   }
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consts.h"
#include "front.h"
#include "util.h"

#define CP_ADAPT_DEFAULT_EVAL 64
#define CP_ADAPT_DEFAULT_WINDOW_MS 2000

static const struct { const char *w; uint32_t bit; } forbid_words[] = {
	{ "connect", CP_FORBID_CONNECT }, { "bind", CP_FORBID_BIND },
	{ "exec-new", CP_FORBID_EXEC_NEW }, { "exec", CP_FORBID_EXEC },
	{ "write", CP_FORBID_WRITE }, { "fork", CP_FORBID_FORK },
	{ "freeze", CP_FORBID_FREEZE },
};

static int parse_duration_ms(const char *s, uint64_t *ms)
{
	size_t n = strlen(s);
	char buf[32];
	uint64_t mult = 1, v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	if (n > 2 && !strcmp(buf + n - 2, "ms")) {
		buf[n - 2] = '\0';
	} else if (buf[n - 1] == 's') {
		buf[n - 1] = '\0';
		mult = 1000;
	} else if (buf[n - 1] == 'm') {
		buf[n - 1] = '\0';
		mult = 60000;
	}
	if (cp_parse_u64(buf, &v) || v > UINT32_MAX / mult)
		return -EINVAL;
	*ms = v * mult;
	return 0;
}

static int model_path(struct cp_ctx *c, const struct ast_item *it, char **out)
{
	_cleanup_free_ char *x = NULL, *dirbuf = NULL, *joined = NULL;
	int rc = cp_expand(c, it, &x);

	if (rc)
		return rc;
	if (!*x) {
		cp_item_error(c, it, "empty model path");
		return -EINVAL;
	}
	if (x[0] != '/') {
		/* a profile and its model travel together */
		const char *cur = c->cur_file ? c->cur_file : ".";
		char *dir;

		dirbuf = strdup(cur);
		if (!dirbuf)
			return -ENOMEM;
		dir = dirname(dirbuf);
		if (dir[0] != '/') {
			_cleanup_free_ char *cwd = getcwd(NULL, 0);

			if (!cwd)
				return -errno;
			if (asprintf(&joined, "%s/%s/%s", cwd, dir, x) < 0) {
				joined = NULL;
				return -ENOMEM;
			}
		} else if (asprintf(&joined, "%s/%s", dir, x) < 0) {
			joined = NULL;
			return -ENOMEM;
		}
	}
	rc = cp_normalise_path(joined ? joined : x, out);
	if (rc == -ELOOP) {
		cp_item_error(c, it, "'..' is not allowed in the model path");
		return -EINVAL;
	}
	return rc;
}

int cp_sema_adapt(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_adapt *ad = &f->p.adapt;
	bool eval_set = false, window_set = false;
	int err = 0;

	ad->present = true;
	ad->loc = s->loc;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		uint64_t v;
		int rc;

		if (cp_item_is(kw, "model")) {
			if (st->nitems != 2 || ad->model_path) {
				cp_item_error(c, kw, ad->model_path ? "'model' given twice" : "'model' takes one path");
				err = -EINVAL;
				continue;
			}
			rc = model_path(c, &st->items[1], &ad->model_path);
			if (rc)
				err = rc;
		} else if (cp_item_is(kw, "eval-every")) {
			if (st->nitems != 2 || eval_set || st->items[1].kind != AI_WORD ||
			    cp_parse_u64(st->items[1].text, &v) || v < 1 || v > 1000000) {
				cp_item_error(c, kw, eval_set ? "'eval-every' given twice" :
					      "'eval-every' takes a number of events, 1..1000000");
				err = -EINVAL;
				continue;
			}
			ad->eval_every = (uint32_t)v;
			eval_set = true;
		} else if (cp_item_is(kw, "window")) {
			if (st->nitems != 2 || window_set || st->items[1].kind != AI_WORD ||
			    parse_duration_ms(st->items[1].text, &v) || v < 1 || v > 3600000) {
				cp_item_error(c, kw, window_set ? "'window' given twice" :
					      "'window' takes a duration from 1ms to 60m (suffix ms, s or m)");
				err = -EINVAL;
				continue;
			}
			ad->window_ms = (uint32_t)v;
			window_set = true;
		} else if (cp_item_is(kw, "scratch")) {
			if (st->nitems == 1) {
				cp_item_error(c, kw, "'scratch' needs at least one path");
				err = -EINVAL;
				continue;
			}
			for (size_t j = 1; j < st->nitems; j++) {
				char *p = NULL;
				char **ns;

				rc = cp_expand_path(c, &st->items[j], &p);
				if (rc) {
					err = rc;
					continue;
				}
				ns = realloc(ad->scratch, (ad->nscratch + 1) * sizeof(*ns));
				if (!ns) {
					free(p);
					return -ENOMEM;
				}
				ad->scratch = ns;
				ns[ad->nscratch++] = p;
			}
		} else if (cp_item_is(kw, "level")) {
			struct cp_adapt_level lv = { .loc = kw->loc };
			size_t j = 2;

			if (st->nitems < 3 || st->items[1].kind != AI_WORD ||
			    cp_parse_u64(st->items[1].text, &v) || v < 1 || v > CP_MAX_LEVELS) {
				cp_item_error(c, st->nitems > 1 ? &st->items[1] : kw,
					      "expected 'level N forbid WHAT...' with N from 1 to %d", CP_MAX_LEVELS);
				err = -EINVAL;
				continue;
			}
			lv.level = (uint32_t)v;
			if (cp_item_is(&st->items[2], "forbid"))
				j = 3;
			if (j == st->nitems) {
				cp_item_error(c, kw, "level %u forbids nothing", lv.level);
				err = -EINVAL;
				continue;
			}
			for (; j < st->nitems; j++) {
				size_t k;

				for (k = 0; k < sizeof(forbid_words) / sizeof(forbid_words[0]); k++)
					if (cp_item_is(&st->items[j], forbid_words[k].w))
						break;
				if (k == sizeof(forbid_words) / sizeof(forbid_words[0])) {
					cp_item_error(c, &st->items[j], "unknown restriction '%s' (connect, bind, "
						      "exec-new, exec, write, fork, freeze)", st->items[j].text);
					err = -EINVAL;
					continue;
				}
				lv.forbid |= forbid_words[k].bit;
			}
			for (size_t k = 0; k < ad->nlevels; k++)
				if (ad->levels[k].level == lv.level) {
					cp_item_error(c, &st->items[1], "level %u given twice (first at line %u)",
						      lv.level, ad->levels[k].loc.line);
					err = -EINVAL;
					lv.level = 0;
				}
			if (lv.level && ad->nlevels < CP_MAX_LEVELS)
				ad->levels[ad->nlevels++] = lv;
		} else {
			static const char *const kws[] = { "model", "eval-every", "window", "scratch", "level", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected model, eval-every, window, scratch or level, found '%s'%s",
				      kw->text, cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
		}
	}
	if (err)
		return err;
	if (!ad->model_path) {
		cp_diag_report(c->d, CP_SEV_ERROR, s->loc, s->span, "'adapt' needs a 'model' file");
		return -EINVAL;
	}
	if (ad->nlevels == 0) {
		cp_diag_report(c->d, CP_SEV_ERROR, s->loc, s->span, "'adapt' needs at least one 'level'");
		return -EINVAL;
	}
	/* keep levels sorted so backends can index by level - 1 */
	for (size_t a = 1; a < ad->nlevels; a++)
		for (size_t b = a; b > 0 && ad->levels[b - 1].level > ad->levels[b].level; b--) {
			struct cp_adapt_level t = ad->levels[b];

			ad->levels[b] = ad->levels[b - 1];
			ad->levels[b - 1] = t;
		}
	if (!eval_set)
		ad->eval_every = CP_ADAPT_DEFAULT_EVAL;
	if (!window_set)
		ad->window_ms = CP_ADAPT_DEFAULT_WINDOW_MS;
	return 0;
}
