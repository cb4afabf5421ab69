/* SPDX-License-Identifier: MIT */
/*
 * test_plan - the launch-plan cache's IR serialization: for every shipped
 * profile and every launcher test profile, serialize -> deserialize ->
 * serialize must give the same bytes, and the seccomp program compiled
 * from the round-tripped IR must be identical to the one compiled from the
 * parsed IR (the cached plan must enforce exactly what the profile says).
 * Corrupt input (every truncation, flipped counts) must be rejected, never
 * crash.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cr.h"

#ifndef TL_TOP
#define TL_TOP "."
#endif

static const char *const defines[] = { "SCRATCH=/var/tmp/cr", "PROBEDIR=/usr/bin", NULL };

static struct cp_policy *load(const char *path)
{
	struct cp_load_opts lo = { .defines = defines };
	struct cp_policy *p = NULL;
	struct cp_diag d;
	int e;

	cp_diag_init(&d, NULL);
	e = cp_profile_load(path, &lo, &d, &p);
	cp_diag_fini(&d);
	return e < 0 ? NULL : p;
}

static void roundtrip(const char *path)
{
	struct cp_policy *p = load(path), *q = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;
	struct cp_bpf_prog pa = { 0 }, pb = { 0 };
	struct cp_diag d;

	if (!p) {
		print_message("  %s: does not load (skipped; the front end reports it)\n", path);
		return;
	}
	assert_int_equal(cr_plan_serialize(p, &a, &alen), 0);
	assert_int_equal(cr_plan_deserialize(a, alen, &q), 0);
	assert_int_equal(cr_plan_serialize(q, &b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_memory_equal(p->hash, q->hash, 32);
	assert_int_equal(p->fs.nrules, q->fs.nrules);
	assert_int_equal(p->seccomp.nrules, q->seccomp.nrules);

	cp_diag_init(&d, NULL);
	if (p->seccomp.present && cp_seccomp_build(p, CP_ARCH_X86_64, &d, &pa) == 0) {
		assert_int_equal(cp_seccomp_build(q, CP_ARCH_X86_64, &d, &pb), 0);
		assert_int_equal(pa.len, pb.len);
		assert_memory_equal(pa.insns, pb.insns, pa.len * sizeof(struct sock_filter));
		cp_bpf_prog_free(&pa);
		cp_bpf_prog_free(&pb);
	}
	cp_diag_fini(&d);

	/* every truncation is refused */
	for (size_t cut = 0; cut < alen; cut += 1 + alen / 200) {
		struct cp_policy *t = NULL;

		assert_int_not_equal(cr_plan_deserialize(a, cut, &t), 0);
		assert_null(t);
	}
	print_message("  %s: %zu bytes, %zu syscall rules, %zu fs rules\n", path, alen,
		      p->seccomp.nrules, p->fs.nrules);
	free(a);
	free(b);
	cp_policy_free(p);
	cp_policy_free(q);
}

static void each_profile_in(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		char path[1024];

		if (l > 8 && strcmp(ents[i]->d_name + l - 8, ".profile") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			roundtrip(path);
		}
		free(ents[i]);
	}
	free(ents);
}

static void shipped_profiles(void **state)
{
	(void)state;
	each_profile_in(TL_TOP "/profiles");
}

static void launcher_test_profiles(void **state)
{
	(void)state;
	each_profile_in(TL_TOP "/tests/launcher/profiles");
}

/* A handcrafted IR with every section populated, so fields no profile
 * uses yet are covered too. */
static void every_field(void **state)
{
	struct cp_policy *p = calloc(1, sizeof(*p)), *q = NULL;
	uint8_t *a, *b;
	size_t alen, blen;

	(void)state;
	p->name = strdup("x");
	p->nfiles = 1;
	p->files = calloc(1, sizeof(char *));
	p->files[0] = strdup("/p/x.profile");
	p->ns = (struct cp_namespaces){ true, 0xff, strdup("h"), { p->files[0], 1, 2 } };
	p->fs.present = true;
	p->fs.nrules = 1;
	p->fs.rules = calloc(1, sizeof(*p->fs.rules));
	p->fs.rules[0] = (struct cp_fs_rule){ strdup("/a"), CP_FS_READ | CP_FS_EXEC, true, true,
					      { "<builtin>", 3, 4 } };
	/* a location outside the file table cannot be cached */
	assert_int_equal(cr_plan_serialize(p, &a, &alen), -ENOTSUP);
	assert_null(a);
	p->fs.rules[0].loc.file = p->files[0];
	p->seccomp.present = true;
	p->seccomp.nrules = 1;
	p->seccomp.rules = calloc(1, sizeof(*p->seccomp.rules));
	p->seccomp.rules[0].name = strdup("ioctl");
	p->seccomp.rules[0].nconds = 1;
	p->seccomp.rules[0].conds = calloc(1, sizeof(struct cp_arg_cond));
	p->seccomp.rules[0].conds[0] = (struct cp_arg_cond){ 1, CP_CMP_IN, 5, 6, NULL, 2, { 0 } };
	p->seccomp.rules[0].conds[0].set = calloc(2, sizeof(uint64_t));
	p->seccomp.rules[0].conds[0].set[1] = 0x5412;
	p->net.present = true;
	p->net.nfamilies = 1;
	p->net.families = calloc(1, sizeof(uint32_t));
	p->net.families[0] = 10;
	p->net.nrules = 1;
	p->net.rules = calloc(1, sizeof(*p->net.rules));
	p->net.rules[0].unix_path = strdup("@x");
	p->net.rules[0].port_hi = 443;
	p->exec.present = true;
	p->exec.nrules = 1;
	p->exec.rules = calloc(1, sizeof(*p->exec.rules));
	p->exec.rules[0].path = strdup("/bin");
	p->dev.nrules = 1;
	p->dev.rules = calloc(1, sizeof(*p->dev.rules));
	p->dev.rules[0] = (struct cp_dev_rule){ 'c', 1, -1, 3, { 0 } };
	p->nrlimits = 1;
	p->rlimits = calloc(1, sizeof(*p->rlimits));
	p->rlimits[0] = (struct cp_rlimit){ 7, 10, UINT64_MAX, { 0 } };
	p->adapt.present = true;
	p->adapt.model_path = strdup("/m");
	p->adapt.nscratch = 1;
	p->adapt.scratch = calloc(1, sizeof(char *));
	p->adapt.scratch[0] = strdup("/s");
	p->adapt.nlevels = 2;
	p->adapt.levels[1].forbid = CP_FORBID_EXEC;
	p->layers[CP_LAYER_BPF_LSM] = CP_REQ_REQUIRED;

	assert_int_equal(cr_plan_serialize(p, &a, &alen), 0);
	assert_int_equal(cr_plan_deserialize(a, alen, &q), 0);
	assert_int_equal(cr_plan_serialize(q, &b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_ptr_equal(q->fs.rules[0].loc.file, q->files[0]);
	assert_int_equal(q->fs.rules[0].loc.col, 4);
	assert_int_equal(q->seccomp.rules[0].conds[0].set[1], 0x5412);
	assert_int_equal(q->dev.rules[0].minor, -1);
	assert_int_equal(q->layers[CP_LAYER_BPF_LSM], CP_REQ_REQUIRED);
	/* a layer requirement out of range is corrupt input */
	a[alen - 4] = 9;
	cp_policy_free(q);
	q = NULL;
	assert_int_equal(cr_plan_deserialize(a, alen, &q), -EINVAL);
	free(a);
	free(b);
	cp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_field),
		cmocka_unit_test(shipped_profiles),
		cmocka_unit_test(launcher_test_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
