// SPDX-License-Identifier: MIT
/*
 * fuzz_oci_import.c - libFuzzer target for the OCI / Docker seccomp JSON
 * importer and the seccomp backends behind it.
 *
 * Any input must import or fail with a located diagnostic, never crash,
 * leak or hang.  When it imports, the oracles are: the seccomp backend
 * builds a filter (or reports why not), and export -> import yields a
 * policy whose filter makes the same decision for every syscall number
 * with zero arguments (a round trip that breaks is a bug).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "bpf_interp.h"
#include "compart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cp_import_opts opts = { .caps = 1ull << 21, .kernel_major = 6, .kernel_minor = 1 };

/* The round-trip oracle evaluates both filters with the tests' cBPF
 * interpreter (tests/seccomp/bpf_interp.c), arguments zero. */
static uint32_t eval(const struct cp_bpf_prog *p, uint32_t arch, uint32_t nr)
{
	struct seccomp_data sd = { .nr = (int)nr, .arch = arch };
	uint32_t ret;

	if (bpf_interp_run(p->insns, p->len, &sd, &ret, NULL) != 0)
		abort();   /* the backend emitted a program the kernel would reject */
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_policy *p = NULL, *q = NULL;
	struct cp_bpf_prog a = { 0 }, b = { 0 };
	struct cp_diag d;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	cp_diag_init(&d, NULL);
	if (cp_import_oci_buf("fuzz.json", (const char *)data, size, &opts, &d, &p) != 0) {
		/* a failure must say why */
		if (d.errors == 0)
			abort();
		cp_diag_fini(&d);
		return 0;
	}
	/* libseccomp's rule insertion is the slow part; keep runs cheap */
	if (p->seccomp.nrules > 64)
		goto out;
	f = open_memstream(&json, &len);
	if (!f)
		goto out;
	if (cp_emit_oci_json(p, &d, f) != 0) {
		fclose(f);
		goto out;
	}
	fclose(f);
	if (cp_import_oci_buf("roundtrip.json", json, len, &opts, &d, &q) != 0)
		abort();   /* our own output must import */
	if (cp_seccomp_build(p, CP_ARCH_X86_64, &d, &a) == 0) {
		if (cp_seccomp_build(q, CP_ARCH_X86_64, &d, &b) != 0)
			abort();
		for (uint32_t nr = 0; nr < 480; nr++)
			if (eval(&a, AUDIT_ARCH_X86_64, nr) != eval(&b, AUDIT_ARCH_X86_64, nr) ||
			    eval(&a, AUDIT_ARCH_I386, nr) != eval(&b, AUDIT_ARCH_I386, nr))
				abort();
	}
out:
	cp_bpf_prog_free(&a);
	cp_bpf_prog_free(&b);
	free(json);
	cp_policy_free(p);
	cp_policy_free(q);
	cp_diag_fini(&d);
	return 0;
}
