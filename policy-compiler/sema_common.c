// SPDX-License-Identifier: MIT
/* sema_common.c - helpers shared by the per-section semantic stages. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "consts.h"
#include "front.h"

bool cp_item_is(const struct ast_item *it, const char *word)
{
	return it->kind == AI_WORD && !strcmp(it->text, word);
}

void cp_item_error(struct cp_ctx *c, const struct ast_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cp_diag_vreport(c->d, CP_SEV_ERROR, it->loc, it->span ? it->span : 1, fmt, ap);
	va_end(ap);
}

void cp_item_warn(struct cp_ctx *c, const struct ast_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cp_diag_vreport(c->d, CP_SEV_WARNING, it->loc, it->span ? it->span : 1, fmt, ap);
	va_end(ap);
}

bool cp_item_plain(struct cp_ctx *c, const struct ast_item *it, const char *what)
{
	if (it->kind == AI_WORD)
		return true;
	if (it->kind == AI_CALL)
		cp_item_error(c, it, "expected %s, found '%s(...)'", what, it->text);
	else
		cp_item_error(c, it, "expected %s, found the string \"%s\"", what, it->text);
	return false;
}

static const struct { const char *w; enum cp_action_kind k; } action_words[] = {
	{ "allow", CP_ACT_ALLOW },
	{ "kill-process", CP_ACT_KILL_PROCESS },
	{ "kill", CP_ACT_KILL_PROCESS },
	{ "kill-thread", CP_ACT_KILL_THREAD },
	{ "trap", CP_ACT_TRAP },
	{ "log", CP_ACT_LOG },
	{ "notify", CP_ACT_NOTIFY },
};

/* Returns 0 and fills *a, 1 if the item is not an action word at all
 * (the caller decides whether that is an error), or -EINVAL after a
 * report. */
int cp_sema_action(struct cp_ctx *c, const struct ast_item *it, struct cp_action *a)
{
	memset(a, 0, sizeof(*a));
	a->loc = it->loc;
	if (it->kind == AI_CALL && !strcmp(it->text, "errno")) {
		if (it->nargs != 1 || it->args[0].kind != AI_WORD) {
			cp_item_error(c, it, "errno takes one errno name or number, e.g. errno(EPERM)");
			return -EINVAL;
		}
		a->kind = CP_ACT_ERRNO;
		if (cp_errno_lookup(it->args[0].text, &a->errno_val)) {
			cp_diag_report(c->d, CP_SEV_ERROR, it->args[0].loc, it->args[0].span,
				       "unknown errno '%s' (use a name such as EPERM or a number 1..4095)",
				       it->args[0].text);
			return -EINVAL;
		}
		return 0;
	}
	if (it->kind != AI_WORD)
		return 1;
	if (!strcmp(it->text, "deny")) {
		a->kind = CP_ACT_ERRNO;
		a->errno_val = EPERM;
		return 0;
	}
	if (!strcmp(it->text, "errno")) {
		cp_item_error(c, it, "errno needs a value in parentheses, e.g. errno(EPERM)");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(action_words) / sizeof(action_words[0]); i++)
		if (!strcmp(it->text, action_words[i].w)) {
			a->kind = action_words[i].k;
			return 0;
		}
	return 1;
}

const char *cp_hint(char *buf, size_t n, const char *typed, const char *const *cands)
{
	const char *best = NULL;
	size_t bd = SIZE_MAX, d;

	buf[0] = '\0';
	for (; *cands; cands++)
		if (cp_is_typo_of(typed, *cands, &d) && d < bd) {
			bd = d;
			best = *cands;
		}
	if (best)
		snprintf(buf, n, "; did you mean '%s'?", best);
	return buf;
}
