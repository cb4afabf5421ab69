// SPDX-License-Identifier: MIT
/*
 * fuzz_groups.c - libFuzzer target for the syscall-groups file parser
 * (profiles/syscalls.groups, or one next to a profile).
 *
 * Oracles: a rejected input has a located diagnostic; in an accepted
 * file every group can be found by its name and expands (nested groups
 * flattened) to names that are not groups, without duplicates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_groups g = { 0 };
	struct cp_diag d;

	cp_diag_init(&d, NULL);
	if (cp_groups_parse("fuzz.groups", (const char *)data, size, &d, &g) != 0) {
		if (d.errors == 0)
			abort();
		cp_diag_fini(&d);
		cp_groups_free(&g);
		return 0;
	}
	cp_diag_fini(&d);
	for (size_t i = 0; i < g.n; i++) {
		const char **names = NULL;
		size_t n = 0;

		if (cp_group_find(&g, g.v[i].name) == NULL)
			abort();
		if (cp_group_expand(&g, &g.v[i], &names, &n) != 0)
			abort();          /* parse checked cycles and references */
		for (size_t a = 0; a < n; a++) {
			if (names[a][0] == '@')
				abort();
			for (size_t b = a + 1; b < n; b++)
				if (!strcmp(names[a], names[b]))
					abort();
		}
		free(names);
	}
	cp_groups_free(&g);
	return 0;
}
