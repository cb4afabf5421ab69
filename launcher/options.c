/* SPDX-License-Identifier: MIT */
/*
 * options.c - the command line, as a table: adding an option is one row
 * (name, argument, handler, help) and, if it needs storage, one field in
 * struct cp_run_opts (sandbox.h).
 *
 *   compart-run [OPTIONS] [--profile NAME|FILE] -- COMMAND [ARGS...]
 *
 * Usage errors exit 2 with a precise message.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cr.h"

#ifndef CR_VERSION
#define CR_VERSION "0.1.0"
#endif

struct cr_option {
	const char *name;        /* long name without "--" */
	char short_name;         /* 0 = none */
	const char *arg;         /* argument name for --help; NULL = flag */
	void (*handle)(struct cp_run_opts *o, const char *arg);
	const char *help;
};

__attribute__((noreturn, format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die_status(CR_EXIT_USAGE, "%s (try --help)", msg);
}

static void add_list(const char **list, size_t *n, const char *v, const char *what)
{
	if (*n >= CR_MAX_LIST)
		usage_error("too many %s options (at most %d)", what, CR_MAX_LIST);
	list[(*n)++] = v;
}

static void need_assignment(const char *opt, const char *v)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v)
		usage_error("%s expects NAME=VALUE, got '%s'", opt, v);
	for (const char *c = v; c < eq; c++)
		if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (c > v && *c >= '0' && *c <= '9')))
			usage_error("%s: '%.*s' is not a valid variable name", opt, (int)(eq - v), v);
}

static void opt_profile(struct cp_run_opts *o, const char *a)
{
	if (!*a)
		usage_error("--profile needs a NAME or FILE");
	o->profile = a;
}

static void opt_define(struct cp_run_opts *o, const char *a)
{
	need_assignment("-D", a);
	add_list(o->defines, &o->ndefines, a, "-D");
	o->defines[o->ndefines] = NULL;
}

static void opt_setenv(struct cp_run_opts *o, const char *a)
{
	need_assignment("--setenv", a);
	add_list(o->setenv, &o->nsetenv, a, "--setenv");
}

static void opt_keepenv(struct cp_run_opts *o, const char *a)
{
	if (!*a || strchr(a, '='))
		usage_error("--keep-env expects a variable NAME, got '%s'", a);
	add_list(o->keepenv, &o->nkeepenv, a, "--keep-env");
}

static void opt_passfd(struct cp_run_opts *o, const char *a)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(a, &end, 10);
	if (errno || end == a || *end || v < 3 || v > INT_MAX)
		usage_error("--pass-fd expects a descriptor number >= 3, got '%s'", a);
	if (o->npassfd >= CR_MAX_LIST)
		usage_error("too many --pass-fd options (at most %d)", CR_MAX_LIST);
	o->passfd[o->npassfd++] = (int)v;
}

static void opt_audit(struct cp_run_opts *o, const char *a)
{
	if (!*a)
		usage_error("--audit-log needs FILE or fd:N");
	o->audit_log = a;
}

static void opt_blob(struct cp_run_opts *o, const char *a) { o->seccomp_blob = a; }
static void opt_cache(struct cp_run_opts *o, const char *a) { o->cache_dir = a; }
static void opt_nocache(struct cp_run_opts *o, const char *a) { (void)a; o->no_cache = true; }
static void opt_probe(struct cp_run_opts *o, const char *a) { (void)a; o->probe = true; }
static void opt_json(struct cp_run_opts *o, const char *a) { (void)a; o->json = true; }
static void opt_logonly(struct cp_run_opts *o, const char *a) { (void)a; o->log_only = true; }
static void opt_record(struct cp_run_opts *o, const char *a)
{
	if (!*a)
		usage_error("--record-features needs a FILE");
	o->record_features = a;
}

static void opt_label(struct cp_run_opts *o, const char *a)
{
	if (strcmp(a, "benign") && strcmp(a, "attack") &&
	    !(!strncmp(a, "level:", 6) && a[6] >= '0' && a[6] <= '3' && !a[7]))
		usage_error("--label expects benign, attack or level:0..level:3, got '%s'", a);
	o->label = a;
}

static void opt_help(struct cp_run_opts *o, const char *a);
static void opt_version(struct cp_run_opts *o, const char *a)
{
	(void)o;
	(void)a;
	printf("compart-run %s\n", CR_VERSION);
	exit(0);
}

static const struct cr_option options[] = {
	{ "profile", 'p', "NAME|FILE", opt_profile, "profile to apply (default: the shipped 'default')" },
	{ "define", 'D', "NAME=VALUE", opt_define, "set a profile variable" },
	{ "setenv", 0, "NAME=VALUE", opt_setenv, "set a variable in the sandbox's environment" },
	{ "keep-env", 0, "NAME", opt_keepenv, "pass the caller's NAME into the sandbox" },
	{ "pass-fd", 0, "N", opt_passfd, "keep descriptor N open in the sandbox" },
	{ "audit-log", 0, "FILE|fd:N", opt_audit, "write the JSON-lines audit log there" },
	{ "log-only", 0, NULL, opt_logonly, "BPF layers audit without denying" },
	{ "bpf-seccomp-blob", 0, "FILE", opt_blob, "use a filter from compart-compile --emit bpf" },
	{ "cache-dir", 0, "DIR", opt_cache, "launch-plan and filter cache (default "
	  "/var/cache/compart or $XDG_CACHE_HOME/compart)" },
	{ "no-cache", 0, NULL, opt_nocache, "compile the profile and filter, do not use the cache" },
	{ "probe", 0, NULL, opt_probe, "report what this kernel supports (with --profile: what "
	  "the profile would get) and exit" },
	{ "json", 0, NULL, opt_json, "--probe output as JSON" },
	{ "record-features", 0, "FILE", opt_record, "record the adaptive model's feature samples "
	  "as JSON lines (training data for compart-train)" },
	{ "label", 0, "LABEL", opt_label, "label of the recorded samples: benign, attack or level:N" },
	{ "help", 'h', NULL, opt_help, "this help" },
	{ "version", 'V', NULL, opt_version, "print the version" },
};

static void opt_help(struct cp_run_opts *o, const char *a)
{
	(void)o;
	(void)a;
	printf("usage: compart-run [OPTIONS] [--profile NAME|FILE] -- COMMAND [ARGS...]\n"
	       "       compart-run --probe [--json] [--profile NAME|FILE]\n\n");
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char left[64];
		const struct cr_option *op = &options[i];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", op->short_name ? "-" : "",
			 op->short_name ? op->short_name : ' ', op->short_name ? ", " : "  ",
			 op->name, op->arg ? " " : "", op->arg ? op->arg : "");
		printf("  %-32s %s\n", op->short_name ? left : left + 2, op->help);
	}
	printf("\nExit status: the command's; 128+N if killed by signal N; 125 if compart-run\n"
	       "failed; 126 if the command cannot be executed; 127 if it was not found.\n");
	exit(0);
}

static const struct cr_option *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static const struct cr_option *find_short(char c)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].short_name == c)
			return &options[i];
	return NULL;
}

void cr_parse_args(int argc, char **argv, struct cp_run_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct cr_option *op;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;     /* first non-option: the command */
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			op = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!op)
				usage_error("unknown option '%s'", a);
			if (eq) {
				if (!op->arg)
					usage_error("option '--%s' takes no argument", op->name);
				val = eq + 1;
			}
		} else {
			op = find_short(a[1]);
			if (!op)
				usage_error("unknown option '%s'", a);
			if (a[2]) {
				if (!op->arg)
					usage_error("option '-%c' takes no argument", a[1]);
				val = a + 2;
			}
		}
		if (op->arg && !val) {
			if (i + 1 >= argc)
				usage_error("option '%s' needs an argument (%s)", a, op->arg);
			val = argv[++i];
		}
		op->handle(o, val);
	}
	o->argv = argv + i;
	o->argc = argc - i;
	if (o->probe) {
		if (o->argc)
			usage_error("--probe takes no command");
		return;
	}
	if (o->json)
		usage_error("--json is only meaningful with --probe");
	if (o->argc == 0)
		usage_error("no command given");
}
