/* SPDX-License-Identifier: MIT */
/*
 * env.c - the target's environment: cleared, then a sane minimal set
 * (PATH, TERM, LANG/LC_*, TMPDIR; HOME is added inside the sandbox where
 * the view is known), then --keep-env names, then --setenv assignments.
 * Variables such as LD_PRELOAD or an attacker's PYTHONPATH never cross
 * into the sandbox unless asked for by name.
 */
#include <stdio.h>
#include <string.h>

#include "cr.h"

extern char **environ;

#define SANDBOX_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Every entry is owned by the array (cr_env_free). */
static void put(char **env, size_t *n, size_t cap, char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < *n; i++) {
		if (strncmp(env[i], kv, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = kv;
			return;
		}
	}
	if (*n + 1 < cap)
		env[(*n)++] = kv;
	else
		free(kv);
}

void cr_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

char **cr_env_build(const struct cp_run_opts *o)
{
	size_t cap = 16 + o->nkeepenv + o->nsetenv, n = 0;
	char **env;

	for (char **e = environ; *e; e++)
		cap++;
	env = xcalloc(cap, sizeof(char *));
	put(env, &n, cap, xstrdup("PATH=" SANDBOX_PATH));
	put(env, &n, cap, xstrdup("TMPDIR=/tmp"));
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "TERM=", 5) == 0 || strncmp(*e, "LANG=", 5) == 0 ||
		    strncmp(*e, "LANGUAGE=", 9) == 0 || strncmp(*e, "LC_", 3) == 0)
			put(env, &n, cap, xstrdup(*e));
	}
	for (size_t i = 0; i < o->nkeepenv; i++) {
		const char *v = getenv(o->keepenv[i]);

		if (v)
			put(env, &n, cap, xasprintf("%s=%s", o->keepenv[i], v));
	}
	for (size_t i = 0; i < o->nsetenv; i++)
		put(env, &n, cap, xstrdup(o->setenv[i]));
	env[n] = NULL;
	return env;
}
