/* SPDX-License-Identifier: MIT */
/*
 * compart-compile - the policy compiler's command line.
 *
 *   compart-compile PROFILE [--emit summary|bpf|asm|oci-json] [-o FILE]
 *                   [--arch x86_64|aarch64] [-D NAME=VALUE]...
 *   compart-compile --import-oci FILE.json [-o OUT.profile]
 *                   [--caps CAP,CAP...] [--kernel X.Y] [--arch ...]
 *
 * Output is produced in memory first and only then written (atomically
 * with -o), so a failure never leaves a partial file behind.
 * Exit status: 0 ok, 1 I/O failure, 2 usage error, 125 bad input.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <seccomp.h>

#include "compart.h"

#define EXIT_IO    1
#define EXIT_USAGE 2
#define EXIT_INPUT 125

enum emit { EMIT_SUMMARY, EMIT_BPF, EMIT_ASM, EMIT_OCI };

struct opts {
	const char *input;
	const char *output;
	const char *import_oci;
	enum emit emit;
	enum cp_arch arch;
	uint64_t caps;
	uint32_t kmaj, kmin;
	const char **defines;
	size_t ndefines;
};

static const char usage_text[] =
	"usage: compart-compile PROFILE [--emit summary|bpf|asm|oci-json] [-o FILE]\n"
	"                       [--arch x86_64|aarch64] [-D NAME=VALUE]...\n"
	"       compart-compile --import-oci FILE.json [-o OUT.profile]\n"
	"                       [--caps CAP,CAP...] [--kernel X.Y] [--arch x86_64|aarch64]\n"
	"\n"
	"PROFILE is a path or the NAME of a shipped profile.\n"
	"  --emit summary    what the policy allows, layer by layer (default)\n"
	"  --emit bpf        the raw seccomp program (struct sock_filter[])\n"
	"  --emit asm        readable disassembly of that program\n"
	"  --emit oci-json   an OCI runtime-spec linux.seccomp object\n"
	"  -o FILE           write FILE atomically instead of standard output\n"
	"  --arch ARCH       native architecture of the filter (default x86_64)\n"
	"  -D NAME=VALUE     define a profile variable\n"
	"  --import-oci F    convert OCI or Docker seccomp JSON into a profile\n"
	"  --caps LIST       capabilities considered granted (Docker includes/excludes)\n"
	"  --kernel X.Y      kernel version for minKernel (default: the running one)\n";

static __attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("compart-compile: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static enum cp_arch parse_arch(const char *s)
{
	if (!strcmp(s, "x86_64") || !strcmp(s, "amd64"))
		return CP_ARCH_X86_64;
	if (!strcmp(s, "aarch64") || !strcmp(s, "arm64"))
		return CP_ARCH_AARCH64;
	usage_error("unknown architecture '%s' (x86_64 or aarch64)", s);
}

static uint64_t parse_caps(const char *list)
{
	char *dup = strdup(list), *save = NULL;
	uint64_t caps = 0;

	if (!dup) {
		perror("compart-compile");
		exit(EXIT_IO);
	}
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		cap_value_t v;

		for (char *c = t; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strncmp(t, "cap_", 4) != 0 || cap_from_name(t, &v) < 0 || v < 0 || v > 63) {
			char name[64];

			snprintf(name, sizeof(name), "%s", t);
			free(dup);
			usage_error("unknown capability '%s' in --caps", name);
		}
		caps |= 1ull << v;
	}
	free(dup);
	return caps;
}

static void parse_kernel(const char *s, uint32_t *maj, uint32_t *min)
{
	unsigned a, b;
	int n = 0;

	if (sscanf(s, "%u.%u%n", &a, &b, &n) != 2 || s[n] != '\0' || a == 0 || a > 1000 || b > 1000)
		usage_error("--kernel wants a version such as 6.1, not '%s'", s);
	*maj = a;
	*min = b;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "emit", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "arch", required_argument, NULL, 'a' },
		{ "define", required_argument, NULL, 'D' },
		{ "import-oci", required_argument, NULL, 'i' },
		{ "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool emit_given = false, caps_given = false, kernel_given = false;
	int c;

	o->emit = EMIT_SUMMARY;
	o->arch = CP_ARCH_X86_64;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:o:D:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			emit_given = true;
			if (!strcmp(optarg, "summary"))
				o->emit = EMIT_SUMMARY;
			else if (!strcmp(optarg, "bpf"))
				o->emit = EMIT_BPF;
			else if (!strcmp(optarg, "asm"))
				o->emit = EMIT_ASM;
			else if (!strcmp(optarg, "oci-json"))
				o->emit = EMIT_OCI;
			else
				usage_error("unknown --emit kind '%s'", optarg);
			break;
		case 'o':
			if (!*optarg)
				usage_error("-o needs a file name");
			o->output = optarg;
			break;
		case 'a':
			o->arch = parse_arch(optarg);
			break;
		case 'D': {
			const char *eq = strchr(optarg, '=');
			const char **nd;

			if (!eq || eq == optarg)
				usage_error("-D wants NAME=VALUE, not '%s'", optarg);
			nd = realloc(o->defines, (o->ndefines + 2) * sizeof(*nd));
			if (!nd) {
				perror("compart-compile");
				exit(EXIT_IO);
			}
			o->defines = nd;
			o->defines[o->ndefines++] = optarg;
			o->defines[o->ndefines] = NULL;
			break;
		}
		case 'i':
			o->import_oci = optarg;
			break;
		case 'c':
			caps_given = true;
			o->caps = parse_caps(optarg);
			break;
		case 'k':
			kernel_given = true;
			parse_kernel(optarg, &o->kmaj, &o->kmin);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->import_oci) {
		if (optind < argc)
			usage_error("--import-oci takes no PROFILE argument ('%s')", argv[optind]);
		if (emit_given || o->ndefines)
			usage_error("--emit and -D do not apply to --import-oci");
		return;
	}
	if (caps_given || kernel_given)
		usage_error("--caps and --kernel apply only to --import-oci");
	if (optind >= argc)
		usage_error("no PROFILE given");
	if (optind + 1 < argc)
		usage_error("one PROFILE at a time ('%s' is extra)", argv[optind + 1]);
	o->input = argv[optind];
}

static int compile_profile(const struct opts *o, struct cp_diag *d, FILE *out)
{
	struct cp_load_opts lo = { .defines = o->defines };
	struct cp_policy *p = NULL;
	struct cp_bpf_prog prog = { 0 };
	int rc;

	rc = cp_profile_load(o->input, &lo, d, &p);
	if (rc)
		return rc;
	switch (o->emit) {
	case EMIT_SUMMARY:
		rc = cp_emit_summary(p, out);
		break;
	case EMIT_OCI:
		rc = cp_emit_oci_json(p, d, out);
		break;
	case EMIT_BPF:
	case EMIT_ASM:
		rc = cp_seccomp_build(p, o->arch, d, &prog);
		if (rc)
			break;
		if (o->emit == EMIT_ASM)
			rc = cp_bpf_disasm(&prog, o->arch, out);
		else if (fwrite(prog.insns, sizeof(*prog.insns), prog.len, out) != prog.len)
			rc = -EIO;
		cp_bpf_prog_free(&prog);
		break;
	}
	if (rc == -ENODATA) {
		struct cp_loc loc = { p->nfiles ? p->files[0] : o->input, 0, 0 };

		cp_error(d, loc, "the profile has no syscalls section: there is no seccomp filter to emit");
		rc = -EINVAL;
	}
	cp_policy_free(p);
	return rc;
}

static int import_oci(const struct opts *o, struct cp_diag *d, FILE *out)
{
	struct cp_import_opts io = {
		.caps = o->caps, .kernel_major = o->kmaj, .kernel_minor = o->kmin, .native = o->arch,
	};
	struct cp_policy *p = NULL;
	int rc;

	rc = cp_import_oci(o->import_oci, &io, d, &p);
	if (rc)
		return rc;
	rc = cp_emit_profile(p, out);
	cp_policy_free(p);
	return rc;
}

/* file scope: what it points to stays reachable when a usage error exits */
static struct opts o;

int main(int argc, char **argv)
{
	struct cp_diag d;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int rc, status = 0;

	parse_args(argc, argv, &o);
	/* compiling ahead of time must not depend on the build machine's
	 * kernel: where libseccomp's probe finds less than the features
	 * every supported kernel has (kill-process, log, notify), assume
	 * them; the loading kernel still checks the program */
	if (seccomp_api_get() < 5)
		seccomp_api_set(5);
	mem = open_memstream(&buf, &len);
	if (!mem) {
		perror("compart-compile");
		return EXIT_IO;
	}
	cp_diag_init(&d, stderr);
	rc = o.import_oci ? import_oci(&o, &d, mem) : compile_profile(&o, &d, mem);
	if (fclose(mem) != 0 && !rc)
		rc = -EIO;
	if (rc) {
		/* input errors were reported with their location */
		if (d.errors == 0)
			fprintf(stderr, "compart-compile: %s: %s\n",
				o.import_oci ? o.import_oci : o.input, strerror(-rc));
		status = (d.errors || rc == -EINVAL) ? EXIT_INPUT : EXIT_IO;
		/* an unreadable or missing input file is bad input too */
		if (rc == -ENOENT || rc == -EACCES || rc == -EISDIR || rc == -EFBIG)
			status = EXIT_INPUT;
	} else if (o.output) {
		rc = cp_write_file_atomic(o.output, buf, len, 0644);
		if (rc) {
			fprintf(stderr, "compart-compile: cannot write %s: %s\n", o.output, strerror(-rc));
			status = EXIT_IO;
		}
	} else if (len && (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)) {
		fprintf(stderr, "compart-compile: cannot write standard output: %s\n", strerror(errno));
		status = EXIT_IO;
	}
	cp_diag_fini(&d);
	free(buf);
	free(o.defines);
	return status;
}
