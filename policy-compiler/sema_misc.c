// SPDX-License-Identifier: MIT
/*
 * sema_misc.c - the small sections: namespaces, process, devices,
 * capabilities, limits, layers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "consts.h"
#include "front.h"
#include "util.h"

/* ---- namespaces ------------------------------------------------------- */

static const struct { const char *w; uint32_t bit; } ns_words[] = {
	{ "user", CP_NS_USER }, { "pid", CP_NS_PID }, { "mount", CP_NS_MOUNT },
	{ "mnt", CP_NS_MOUNT }, { "net", CP_NS_NET }, { "network", CP_NS_NET },
	{ "ipc", CP_NS_IPC }, { "uts", CP_NS_UTS }, { "cgroup", CP_NS_CGROUP },
	{ "time", CP_NS_TIME },
};

#define CP_NS_ALL (CP_NS_USER | CP_NS_PID | CP_NS_MOUNT | CP_NS_NET | CP_NS_IPC | \
		   CP_NS_UTS | CP_NS_CGROUP | CP_NS_TIME)

static uint32_t ns_word(const struct ast_item *it)
{
	if (it->kind != AI_WORD)
		return 0;
	if (!strcmp(it->text, "all"))
		return CP_NS_ALL;
	for (size_t i = 0; i < sizeof(ns_words) / sizeof(ns_words[0]); i++)
		if (!strcmp(it->text, ns_words[i].w))
			return ns_words[i].bit;
	return 0;
}

static int ns_bit_index(uint32_t bit)
{
	return __builtin_ctz(bit);
}

int cp_sema_namespaces(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	uint32_t named = 0;
	int err = 0;

	f->p.ns.present = true;
	f->p.ns.loc = s->loc;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		bool share = false;
		size_t j = 0;

		if (cp_item_is(kw, "hostname")) {
			if (st->nitems != 2 || st->items[1].kind == AI_CALL) {
				cp_item_error(c, kw, "'hostname' takes one name");
				err = -EINVAL;
				continue;
			}
			if (f->p.ns.hostname) {
				cp_item_error(c, kw, "'hostname' given twice");
				err = -EINVAL;
				continue;
			}
			{
				char *h = NULL;
				int rc = cp_expand(c, &st->items[1], &h);
				size_t n;

				if (rc) {
					err = rc;
					continue;
				}
				n = strlen(h);
				for (size_t k = 0; k < n; k++)
					if (!isalnum((unsigned char)h[k]) && h[k] != '-' && h[k] != '.')
						n = 0;
				if (n == 0 || n > 64) {
					cp_item_error(c, &st->items[1], "bad hostname '%s' (1..64 letters, digits, '-', '.')", h);
					free(h);
					err = -EINVAL;
					continue;
				}
				f->p.ns.hostname = h;
				f->hostname_loc = st->items[1].loc;
			}
			continue;
		}
		if (cp_item_is(kw, "share")) {
			share = true;
			j = 1;
			if (st->nitems == 1) {
				cp_item_error(c, kw, "'share' needs namespace names");
				err = -EINVAL;
				continue;
			}
		}
		for (; j < st->nitems; j++) {
			const struct ast_item *it = &st->items[j];
			uint32_t b = ns_word(it);

			if (!b) {
				static const char *const kws[] = { "user", "pid", "mount", "net", "ipc", "uts",
					"cgroup", "time", "all", "share", "hostname", NULL };
				char hint[80];

				cp_item_error(c, it, "unknown namespace '%s' (user, pid, mount, net, ipc, uts, "
					      "cgroup, time, all; or share NAME...)%s", it->text,
					      cp_hint(hint, sizeof(hint), it->text, kws));
				err = -EINVAL;
				continue;
			}
			/* `all` then `share time` reads as "all but time": share
			 * wins over all; naming one both ways is an error */
			for (uint32_t bit = 1; bit & CP_NS_ALL; bit <<= 1) {
				if (!(b & bit))
					continue;
				if ((share ? named : f->ns_remove) & bit && (share || b != CP_NS_ALL)) {
					cp_item_error(c, it, "namespace both unshared and shared in this section");
					err = -EINVAL;
					break;
				}
				if (share) {
					f->ns_remove |= bit;
					f->ns_add &= ~bit;
					f->ns_remove_loc[ns_bit_index(bit)] = it->loc;
				} else if (!(f->ns_remove & bit)) {
					f->ns_add |= bit;
					if (b != CP_NS_ALL)
						named |= bit;
					f->ns_add_loc[ns_bit_index(bit)] = it->loc;
				}
			}
		}
	}
	return err;
}

/* ---- process ---------------------------------------------------------- */

int cp_sema_process(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	int err = 0;

	f->p.proc.loc = s->loc;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		int8_t *slot;
		int8_t v;

		if (cp_item_is(kw, "ptrace"))
			slot = &f->ptrace;
		else if (cp_item_is(kw, "signal-outside"))
			slot = &f->signal_outside;
		else if (cp_item_is(kw, "mount"))
			slot = &f->mount;
		else {
			static const char *const kws[] = { "ptrace", "signal-outside", "mount", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected ptrace, signal-outside or mount, found '%s'%s", kw->text,
				      cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (st->nitems != 2 || !(cp_item_is(&st->items[1], "allow") || cp_item_is(&st->items[1], "deny"))) {
			cp_item_error(c, st->nitems > 1 ? &st->items[1] : kw, "'%s' takes 'allow' or 'deny'", kw->text);
			err = -EINVAL;
			continue;
		}
		if (*slot != -1) {
			cp_item_error(c, kw, "'%s' given twice", kw->text);
			err = -EINVAL;
			continue;
		}
		v = cp_item_is(&st->items[1], "allow") ? 1 : 0;
		*slot = v;
	}
	return err;
}

/* ---- devices ---------------------------------------------------------- */

static int dev_num(const char *s, size_t n, int64_t *out)
{
	char buf[24];
	uint64_t v;

	if (n == 1 && s[0] == '*') {
		*out = -1;
		return 0;
	}
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (cp_parse_u64(buf, &v) || v > 0xfffff)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

int cp_sema_devices(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_devices *dv = &f->p.dev;
	int err = 0;

	dv->present = true;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		struct cp_dev_rule r = { .loc = kw->loc };
		struct cp_dev_rule *nr;
		const char *colon;

		if (!cp_item_is(kw, "allow")) {
			cp_item_error(c, kw, "expected 'allow TYPE MAJOR:MINOR ACCESS', found '%s'", kw->text);
			err = -EINVAL;
			continue;
		}
		if (st->nitems != 4 || st->items[1].kind != AI_WORD || st->items[2].kind != AI_WORD ||
		    st->items[3].kind != AI_WORD) {
			cp_item_error(c, kw, "expected 'allow TYPE MAJOR:MINOR ACCESS', e.g. allow c 1:3 rw");
			err = -EINVAL;
			continue;
		}
		if (strlen(st->items[1].text) != 1 || !strchr("cba", st->items[1].text[0])) {
			cp_item_error(c, &st->items[1], "device type must be c (char), b (block) or a (all)");
			err = -EINVAL;
			continue;
		}
		r.type = st->items[1].text[0];
		colon = strchr(st->items[2].text, ':');
		if (!colon || dev_num(st->items[2].text, (size_t)(colon - st->items[2].text), &r.major) ||
		    dev_num(colon + 1, strlen(colon + 1), &r.minor)) {
			cp_item_error(c, &st->items[2], "expected MAJOR:MINOR (numbers or '*'), found '%s'",
				      st->items[2].text);
			err = -EINVAL;
			continue;
		}
		for (const char *p = st->items[3].text; *p; p++) {
			uint32_t b = *p == 'r' ? CP_DEV_READ : *p == 'w' ? CP_DEV_WRITE :
				     *p == 'm' ? CP_DEV_MKNOD : 0;

			if (!b || (r.access & b)) {
				cp_item_error(c, &st->items[3], "access must be letters from 'rwm', each once");
				r.access = 0;
				break;
			}
			r.access |= b;
		}
		if (!r.access) {
			err = -EINVAL;
			continue;
		}
		{
			bool dup = false;

			for (size_t k = 0; k < dv->nrules && !dup; k++)
				if (dv->rules[k].type == r.type && dv->rules[k].major == r.major &&
				    dv->rules[k].minor == r.minor) {
					cp_item_error(c, &st->items[2], "device %c %s listed twice (first at line %u)",
						      r.type, st->items[2].text, dv->rules[k].loc.line);
					err = -EINVAL;
					dup = true;
				}
			if (dup)
				continue;
		}
		if (dv->nrules >= 1024) {
			cp_item_error(c, kw, "too many device rules");
			return -EINVAL;
		}
		nr = realloc(dv->rules, (dv->nrules + 1) * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		dv->rules = nr;
		nr[dv->nrules++] = r;
	}
	return err;
}

/* ---- capabilities ------------------------------------------------------ */

static int cap_lookup(const char *name, int *out)
{
	char low[64];
	size_t n = strlen(name);
	cap_value_t v;

	if (n >= sizeof(low))
		return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	/* only names: cap_from_name also accepts numbers, which would make
	 * "keep 21" silently mean CAP_SYS_ADMIN */
	if (strncmp(low, "cap_", 4) || isdigit((unsigned char)low[4]))
		return -EINVAL;
	if (cap_from_name(low, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	*out = v;
	return 0;
}

int cp_sema_capabilities(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	int err = 0;

	f->p.caps_present = true;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		bool keep;

		if (cp_item_is(kw, "none")) {
			if (st->nitems != 1) {
				cp_item_error(c, &st->items[1], "'none' takes no arguments");
				err = -EINVAL;
			}
			if (f->caps_keep) {
				cp_item_error(c, kw, "'none' after 'keep' in the same section");
				err = -EINVAL;
			}
			f->caps_none = true;
			continue;
		}
		if (cp_item_is(kw, "keep"))
			keep = true;
		else if (cp_item_is(kw, "drop"))
			keep = false;
		else {
			static const char *const kws[] = { "none", "keep", "drop", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected none, keep or drop, found '%s'%s", kw->text,
				      cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (st->nitems == 1) {
			cp_item_error(c, kw, "'%s' needs capability names (CAP_...)", kw->text);
			err = -EINVAL;
			continue;
		}
		for (size_t j = 1; j < st->nitems; j++) {
			const struct ast_item *it = &st->items[j];
			int cap;

			if (!cp_item_plain(c, it, "a capability name") || cap_lookup(it->text, &cap)) {
				if (it->kind == AI_WORD) {
					const char *names[CAP_LAST_CAP + 2];
					char *owned[CAP_LAST_CAP + 1];
					char hint[80];
					int k;

					/* libcap's names are lower case; so is the hint */
					for (k = 0; k <= CAP_LAST_CAP; k++) {
						owned[k] = cap_to_name((cap_value_t)k);
						names[k] = owned[k] ? owned[k] : "";
					}
					names[k] = NULL;
					{
						char low[64];
						size_t n = strlen(it->text);

						for (size_t q = 0; q <= n && q < sizeof(low); q++)
							low[q] = (char)tolower((unsigned char)it->text[q]);
						low[sizeof(low) - 1] = '\0';
						cp_hint(hint, sizeof(hint), low, names);
					}
					for (k = 0; k <= CAP_LAST_CAP; k++)
						cap_free(owned[k]);
					cp_item_error(c, it, "unknown capability '%s'%s", it->text, hint);
				}
				err = -EINVAL;
				continue;
			}
			if (((keep ? f->caps_drop : f->caps_keep) >> cap) & 1) {
				cp_item_error(c, it, "capability %s both kept and dropped", it->text);
				err = -EINVAL;
				continue;
			}
			if (keep)
				f->caps_keep |= 1ull << cap;
			else
				f->caps_drop |= 1ull << cap;
		}
	}
	return err;
}

/* ---- limits ------------------------------------------------------------ */

static int limit_value(struct cp_ctx *c, const struct ast_item *it, uint64_t *v)
{
	if (cp_item_is(it, "unlimited") || cp_item_is(it, "infinity")) {
		*v = UINT64_MAX;
		return 0;
	}
	if (it->kind != AI_WORD || cp_parse_size(it->text, v) || *v == UINT64_MAX) {
		cp_item_error(c, it, "expected a number (suffix K, M, G, T allowed) or 'unlimited', found '%s'",
			      it->text);
		return -EINVAL;
	}
	return 0;
}

int cp_sema_limits(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_policy *p = &f->p;
	int err = 0;

	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		struct cp_rlimit r = { .loc = kw->loc };
		struct cp_rlimit *nr;
		int res;

		if (kw->kind != AI_WORD || (res = cp_rlimit_lookup(kw->text)) < 0) {
			static const char *const kws[] = { "as", "core", "cpu", "data", "fsize", "locks",
				"memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime",
				"sigpending", "stack", "memory", "pids", NULL };
			char hint[80];

			cp_item_error(c, kw, "unknown resource limit '%s' (as, core, cpu, data, fsize, locks, "
				      "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack; "
				      "cgroup: memory, pids)%s",
				      kw->text, cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (st->nitems < 2 || st->nitems > 3) {
			cp_item_error(c, kw, "expected '%s SOFT [HARD]'", kw->text);
			err = -EINVAL;
			continue;
		}
		r.resource = res;
		if (limit_value(c, &st->items[1], &r.soft)) {
			err = -EINVAL;
			continue;
		}
		r.hard = r.soft;
		if (st->nitems == 3 && limit_value(c, &st->items[2], &r.hard)) {
			err = -EINVAL;
			continue;
		}
		if (r.soft > r.hard) {
			cp_item_error(c, &st->items[1], "soft limit is above the hard limit");
			err = -EINVAL;
			continue;
		}
		if (res == CP_CGLIMIT_PIDS && st->nitems == 3) {
			cp_item_error(c, &st->items[2], "'pids' takes one value (pids.max has no soft limit)");
			err = -EINVAL;
			continue;
		}
		if (res == CP_CGLIMIT_PIDS && r.hard != UINT64_MAX && (r.hard == 0 || r.hard > INT32_MAX)) {
			cp_item_error(c, &st->items[1], "pids must be 1..%d or 'unlimited'", INT32_MAX);
			err = -EINVAL;
			continue;
		}
		{
			bool dup = false;

			for (size_t k = 0; k < p->nrlimits && !dup; k++)
				if (p->rlimits[k].resource == res) {
					cp_item_error(c, kw, "limit '%s' given twice (first at line %u)", kw->text,
						      p->rlimits[k].loc.line);
					err = -EINVAL;
					dup = true;
				}
			if (dup)
				continue;
		}
		nr = realloc(p->rlimits, (p->nrlimits + 1) * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		p->rlimits = nr;
		nr[p->nrlimits++] = r;
	}
	return err;
}

/* ---- layers ----------------------------------------------------------- */

int cp_sema_layers(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	int err = 0;

	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		enum cp_layer_req req;
		int l;

		for (l = 0; l < CP_LAYER__COUNT; l++)
			if (cp_item_is(kw, cp_layer_name((enum cp_layer)l)))
				break;
		if (l == CP_LAYER__COUNT) {
			static const char *const kws[] = { "namespaces", "seccomp", "landlock", "bpf-lsm",
				"cgroup-bpf", "cgroup", "adapt", NULL };
			char hint[80];

			cp_item_error(c, kw, "unknown layer '%s' (namespaces, seccomp, landlock, bpf-lsm, "
				      "cgroup-bpf, cgroup, adapt)%s", kw->text, cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
			continue;
		}
		if (st->nitems != 2) {
			cp_item_error(c, kw, "expected '%s required|optional|off|auto'", kw->text);
			err = -EINVAL;
			continue;
		}
		if (cp_item_is(&st->items[1], "required"))
			req = CP_REQ_REQUIRED;
		else if (cp_item_is(&st->items[1], "optional"))
			req = CP_REQ_OPTIONAL;
		else if (cp_item_is(&st->items[1], "off"))
			req = CP_REQ_OFF;
		else if (cp_item_is(&st->items[1], "auto"))
			req = CP_REQ_AUTO;
		else {
			cp_item_error(c, &st->items[1], "expected required, optional, off or auto");
			err = -EINVAL;
			continue;
		}
		if (f->layer_set[l]) {
			cp_item_error(c, kw, "layer '%s' given twice (first at line %u)", kw->text,
				      f->layer_loc[l].line);
			err = -EINVAL;
			continue;
		}
		f->layer_set[l] = true;
		f->layer_loc[l] = kw->loc;
		f->p.layers[l] = req;
	}
	return err;
}
