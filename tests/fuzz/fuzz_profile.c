// SPDX-License-Identifier: MIT
/*
 * fuzz_profile.c - libFuzzer target for the profile front end.
 *
 * Any input must either load or fail with a diagnostic, never crash,
 * leak or hang.  When it loads, two oracles apply: the summary backend
 * runs, and the profile-text backend's output loads again to the same
 * rule counts (a round trip that breaks is a bug in one of the stages).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const search[] = { FZ_TOP "/profiles", NULL };
static const struct cp_load_opts opts = {
	.search_path = search,
	.groups_file = FZ_TOP "/profiles/syscalls.groups",
	.home = "/home/fuzz", .cwd = "/work", .tmpdir = "/tmp",
};

static char *emit(const struct cp_policy *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (cp_emit_profile(p, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_policy *p = NULL, *q = NULL;
	struct cp_diag d;
	char *text, *sum = NULL;
	size_t len, slen;
	FILE *f;
	int rc;

	cp_diag_init(&d, NULL);
	rc = cp_profile_load_buf("fuzz.profile", (const char *)data, size, &opts, &d, &p);
	if (rc) {
		/* failure must come with a message and no policy */
		if (p || !d.errors || !d.buf)
			abort();
		cp_diag_fini(&d);
		return 0;
	}
	f = open_memstream(&sum, &slen);
	if (!f || cp_emit_summary(p, f))
		abort();
	fclose(f);
	free(sum);

	text = emit(p, &len);
	cp_diag_fini(&d);
	cp_diag_init(&d, NULL);
	rc = cp_profile_load_buf("flat.profile", text, len, &opts, &d, &q);
	if (rc) {
		fprintf(stderr, "round trip failed:\n%s\n--- emitted:\n%s\n", d.buf, text);
		abort();
	}
	if (q->seccomp.nrules != p->seccomp.nrules || q->fs.nrules != p->fs.nrules ||
	    q->net.nrules != p->net.nrules || q->exec.nrules != p->exec.nrules ||
	    q->nrlimits != p->nrlimits || q->ns.mask != p->ns.mask || q->caps != p->caps) {
		fprintf(stderr, "round trip changed the policy:\n%s\n", text);
		abort();
	}
	free(text);
	cp_policy_free(q);
	cp_policy_free(p);
	cp_diag_fini(&d);
	return 0;
}
