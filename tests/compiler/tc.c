// SPDX-License-Identifier: MIT
/* tc.c - helpers for the front-end tests (see tc.h). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc.h"

static char tmpdir[256];
static char *msgbuf;

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void cleanup(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(msgbuf);
}

const char *tc_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/compart-tc.XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(cleanup);
	}
	return tmpdir;
}

const char *tc_write(const char *rel, const char *text)
{
	static char ring[8][512];
	static unsigned k;
	char *path = ring[k++ % 8];
	FILE *f;

	snprintf(path, 512, "%s/%s", tc_tmpdir(), rel);
	for (char *s = strchr(path + strlen(tmpdir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int do_load(const char *fname, const char *text, const char *path,
		   const char *const *defines, struct cp_policy **out, const char **msgs)
{
	const char *search[] = { tc_tmpdir(), TC_TOP "/profiles", NULL };
	struct cp_load_opts o = {
		.search_path = search,
		.groups_file = TC_TOP "/profiles/syscalls.groups",
		.home = "/home/u", .cwd = "/work/proj", .tmpdir = "/tmp",
		.defines = defines,
	};
	struct cp_diag d;
	int rc;

	cp_diag_init(&d, NULL);
	*out = NULL;
	if (path)
		rc = cp_profile_load(path, &o, &d, out);
	else
		rc = cp_profile_load_buf(fname, text, strlen(text), &o, &d, out);
	free(msgbuf);
	msgbuf = strdup(d.buf ? d.buf : "");
	cp_diag_fini(&d);
	if (msgs)
		*msgs = msgbuf;
	/* the contract: an error code and no policy, or a policy and 0 */
	if (rc)
		assert_null(*out);
	else
		assert_non_null(*out);
	return rc;
}

int tc_load(const char *fname, const char *text, struct cp_policy **out, const char **msgs)
{
	return do_load(fname, text, NULL, NULL, out, msgs);
}

int tc_load_file(const char *path, struct cp_policy **out, const char **msgs)
{
	return do_load(NULL, NULL, path, NULL, out, msgs);
}

int tc_load_defs(const char *text, const char *const *defines, struct cp_policy **out,
		 const char **msgs)
{
	return do_load("t.profile", text, NULL, defines, out, msgs);
}

void tc_expect_error(const char *text, const char *needle, unsigned line, unsigned col)
{
	struct cp_policy *p = NULL;
	const char *msgs;
	char where[64];
	int rc = tc_load("t.profile", text, &p, &msgs);

	if (rc == 0 || !strstr(msgs, needle)) {
		print_error("profile:\n%s\nexpected error containing '%s', got rc=%d:\n%s\n",
			    text, needle, rc, msgs);
		cp_policy_free(p);
		fail();
	}
	assert_int_equal(rc, -EINVAL);
	if (col)
		snprintf(where, sizeof(where), "t.profile:%u:%u: error:", line, col);
	else
		snprintf(where, sizeof(where), "t.profile:%u:", line);
	if (!strstr(msgs, where)) {
		print_error("expected the error at '%s', got:\n%s\n", where, msgs);
		fail();
	}
}

static int act_eq(const struct cp_action *a, const struct cp_action *b)
{
	return a->kind == b->kind && a->errno_val == b->errno_val && a->audit == b->audit;
}

const char *tc_policy_diff(const struct cp_policy *a, const struct cp_policy *b)
{
	static char why[256];

#define DIFF(cond, ...) do { if (cond) { snprintf(why, sizeof(why), __VA_ARGS__); return why; } } while (0)
	DIFF(a->ns.present != b->ns.present || a->ns.mask != b->ns.mask, "namespaces");
	DIFF(!!a->ns.hostname != !!b->ns.hostname ||
	     (a->ns.hostname && strcmp(a->ns.hostname, b->ns.hostname)), "hostname");
	DIFF(a->fs.present != b->fs.present || a->fs.nrules != b->fs.nrules, "fs count");
	for (size_t i = 0; i < a->fs.nrules; i++) {
		const struct cp_fs_rule *x = &a->fs.rules[i], *y = &b->fs.rules[i];

		DIFF(strcmp(x->path, y->path) || x->access != y->access || x->optional != y->optional ||
		     x->audit != y->audit, "fs rule %zu (%s)", i, x->path);
	}
	DIFF(a->seccomp.present != b->seccomp.present || a->seccomp.nrules != b->seccomp.nrules ||
	     a->seccomp.arches != b->seccomp.arches || a->seccomp.log_denials != b->seccomp.log_denials ||
	     !act_eq(&a->seccomp.default_action, &b->seccomp.default_action) ||
	     !act_eq(&a->seccomp.bad_arch_action, &b->seccomp.bad_arch_action),
	     "seccomp header (rules %zu vs %zu)", a->seccomp.nrules, b->seccomp.nrules);
	for (size_t i = 0; i < a->seccomp.nrules; i++) {
		const struct cp_sys_rule *x = &a->seccomp.rules[i], *y = &b->seccomp.rules[i];

		DIFF(strcmp(x->name, y->name) || x->nconds != y->nconds || x->hot != y->hot ||
		     !act_eq(&x->action, &y->action), "syscall rule %zu (%s vs %s)", i, x->name, y->name);
		for (size_t k = 0; k < x->nconds; k++) {
			const struct cp_arg_cond *c = &x->conds[k], *d = &y->conds[k];

			DIFF(c->arg != d->arg || c->op != d->op || c->value != d->value ||
			     c->mask != d->mask || c->nset != d->nset ||
			     (c->nset && memcmp(c->set, d->set, c->nset * sizeof(*c->set))),
			     "condition %zu of rule %zu (%s)", k, i, x->name);
		}
	}
	DIFF(a->net.present != b->net.present || a->net.default_allow != b->net.default_allow ||
	     a->net.nrules != b->net.nrules || a->net.nfamilies != b->net.nfamilies ||
	     (a->net.present && !act_eq(&a->net.default_action, &b->net.default_action)), "network header");
	for (size_t i = 0; i < a->net.nfamilies; i++)
		DIFF(a->net.families[i] != b->net.families[i], "family %zu", i);
	for (size_t i = 0; i < a->net.nrules; i++) {
		const struct cp_net_rule *x = &a->net.rules[i], *y = &b->net.rules[i];

		DIFF(x->allow != y->allow || x->proto != y->proto || x->dir != y->dir ||
		     x->family != y->family || memcmp(x->addr, y->addr, 16) || x->prefixlen != y->prefixlen ||
		     x->port_lo != y->port_lo || x->port_hi != y->port_hi || !act_eq(&x->action, &y->action) ||
		     !!x->unix_path != !!y->unix_path || (x->unix_path && strcmp(x->unix_path, y->unix_path)),
		     "network rule %zu", i);
	}
	DIFF(a->exec.present != b->exec.present || a->exec.nrules != b->exec.nrules ||
	     a->exec.deny_created != b->exec.deny_created || a->exec.wx != b->exec.wx, "exec header");
	for (size_t i = 0; i < a->exec.nrules; i++)
		DIFF(strcmp(a->exec.rules[i].path, b->exec.rules[i].path) ||
		     a->exec.rules[i].allow != b->exec.rules[i].allow ||
		     a->exec.rules[i].audit != b->exec.rules[i].audit, "exec rule %zu", i);
	DIFF(a->proc.allow_ptrace != b->proc.allow_ptrace || a->proc.signal_outside != b->proc.signal_outside ||
	     a->proc.allow_mount != b->proc.allow_mount, "process");
	DIFF(a->dev.present != b->dev.present || a->dev.nrules != b->dev.nrules, "devices");
	for (size_t i = 0; i < a->dev.nrules; i++)
		DIFF(a->dev.rules[i].type != b->dev.rules[i].type || a->dev.rules[i].major != b->dev.rules[i].major ||
		     a->dev.rules[i].minor != b->dev.rules[i].minor ||
		     a->dev.rules[i].access != b->dev.rules[i].access, "device %zu", i);
	DIFF(a->caps_present != b->caps_present || a->caps != b->caps, "capabilities");
	DIFF(a->nrlimits != b->nrlimits, "rlimit count");
	for (size_t i = 0; i < a->nrlimits; i++)
		DIFF(a->rlimits[i].resource != b->rlimits[i].resource || a->rlimits[i].soft != b->rlimits[i].soft ||
		     a->rlimits[i].hard != b->rlimits[i].hard, "rlimit %zu", i);
	DIFF(a->adapt.present != b->adapt.present, "adapt");
	if (a->adapt.present) {
		DIFF(strcmp(a->adapt.model_path, b->adapt.model_path) || a->adapt.eval_every != b->adapt.eval_every ||
		     a->adapt.window_ms != b->adapt.window_ms || a->adapt.nscratch != b->adapt.nscratch ||
		     a->adapt.nlevels != b->adapt.nlevels, "adapt header");
		for (size_t i = 0; i < a->adapt.nscratch; i++)
			DIFF(strcmp(a->adapt.scratch[i], b->adapt.scratch[i]), "scratch %zu", i);
		for (size_t i = 0; i < a->adapt.nlevels; i++)
			DIFF(a->adapt.levels[i].level != b->adapt.levels[i].level ||
			     a->adapt.levels[i].forbid != b->adapt.levels[i].forbid, "level %zu", i);
	}
	for (int l = 0; l < CP_LAYER__COUNT; l++)
		DIFF(a->layers[l] != b->layers[l], "layer %s", cp_layer_name((enum cp_layer)l));
#undef DIFF
	return NULL;
}

const struct cp_sys_rule *tc_rule(const struct cp_policy *p, const char *name, unsigned nth)
{
	for (size_t i = 0; i < p->seccomp.nrules; i++)
		if (!strcmp(p->seccomp.rules[i].name, name) && nth-- == 0)
			return &p->seccomp.rules[i];
	return NULL;
}
