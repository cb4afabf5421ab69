// SPDX-License-Identifier: MIT
/*
 * bench_frontend.c - cost of the profile front end (parse, check, lower)
 * next to the seccomp backend that consumes its output, measured side by
 * side in one run, interleaved in rounds (the machine is shared and
 * noisy: read the ratios, not the absolute numbers).
 *
 *   bench_frontend            rounds over default, strict and a large
 *                             synthetic profile
 *   bench_frontend --loads N PROFILE
 *                             load PROFILE N times (for callgrind
 *                             instruction counts, see instr.sh)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compart.h"

#define ROUNDS 7

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A large but plausible profile: 500 argument-checked rules, 500 paths. */
static char *synthetic(size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);

	if (!b)
		exit(1);
	n += (size_t)snprintf(b + n, cap - n, "include \"default\"\nfilesystem {\n");
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(b + n, cap - n, "  read-only /opt/data/dir%d\n", i);
	n += (size_t)snprintf(b + n, cap - n, "}\nsyscalls {\n");
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(b + n, cap - n, "  allow ioctl(request == %d && fd > 2)\n", 0x1000 + i);
	n += (size_t)snprintf(b + n, cap - n, "}\n");
	*len = n;
	return b;
}

struct subject {
	const char *name;
	const char *profile;      /* NAME, or NULL for the synthetic buffer */
};

static struct cp_policy *load(const struct subject *s, const char *buf, size_t len)
{
	struct cp_policy *p = NULL;
	int rc = s->profile ? cp_profile_load(s->profile, NULL, NULL, &p)
			    : cp_profile_load_buf(TOP_PROFILES "/synthetic.profile", buf, len, NULL, NULL, &p);

	if (rc) {
		fprintf(stderr, "bench: loading %s failed: %s\n", s->name, strerror(-rc));
		exit(1);
	}
	return p;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct subject subj[] = {
		{ "default", "default" }, { "strict", "strict" }, { "synthetic-500", NULL },
	};
	size_t slen;
	char *sbuf = synthetic(&slen);
	double fe[3][ROUNDS], be[3][ROUNDS];
	double t0;

	if (argc == 4 && !strcmp(argv[1], "--loads")) {
		long n = atol(argv[2]);
		struct subject s = { argv[3], strcmp(argv[3], "synthetic-500") ? argv[3] : NULL };

		for (long i = 0; i < n; i++)
			cp_policy_free(load(&s, sbuf, slen));
		free(sbuf);
		return 0;
	}
	/* the first load pays for OpenSSL's provider setup and the groups
	 * file; report it apart from the steady state */
	t0 = now_us();
	cp_policy_free(load(&subj[0], sbuf, slen));
	printf("first load of default (one-time library setup included): %.0f us\n", now_us() - t0);
	fflush(stdout);

	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < 3; k++) {
			const int iters = 20;
			double a = 0, b = 0;

			for (int i = 0; i < iters; i++) {
				struct cp_policy *p;
				struct cp_bpf_prog prog = { 0 };
				struct cp_diag d;

				t0 = now_us();
				p = load(&subj[k], sbuf, slen);
				a += now_us() - t0;
				cp_diag_init(&d, NULL);
				t0 = now_us();
				if (cp_seccomp_build(p, CP_ARCH_X86_64, &d, &prog)) {
					fprintf(stderr, "bench: seccomp build of %s failed:\n%s", subj[k].name,
						d.buf ? d.buf : "");
					return 1;
				}
				b += now_us() - t0;
				cp_bpf_prog_free(&prog);
				cp_diag_fini(&d);
				cp_policy_free(p);
			}
			fe[k][r] = a / iters;
			be[k][r] = b / iters;
		}
	printf("%-16s %14s %18s %10s\n", "profile", "front end (us)", "seccomp build (us)", "ratio");
	for (int k = 0; k < 3; k++) {
		qsort(fe[k], ROUNDS, sizeof(double), cmp_d);
		qsort(be[k], ROUNDS, sizeof(double), cmp_d);
		printf("%-16s %14.0f %18.0f %9.2fx\n", subj[k].name, fe[k][ROUNDS / 2], be[k][ROUNDS / 2],
		       fe[k][ROUNDS / 2] / be[k][ROUNDS / 2]);
	}
	printf("(medians of %d interleaved rounds; ratio = front end / seccomp build)\n", ROUNDS);
	free(sbuf);
	return 0;
}
