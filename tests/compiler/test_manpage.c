// SPDX-License-Identifier: MIT
/*
 * test_manpage.c - every profile example in compart-profile(5) loads
 * without errors, so the documentation cannot drift from the language.
 */
#include "tc.h"

static const char *const starts[] = {
	"include", "define", "namespaces", "filesystem", "syscalls", "network", "exec",
	"process", "devices", "capabilities", "limits", "adapt", "layers",
};

/* roff escapes used in the examples: \e -> \, \- -> - */
static void unroff(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 'e' || s[1] == '-')) {
			*o++ = s[1] == 'e' ? '\\' : '-';
			s++;
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
}

static void test_examples(void **state)
{
	FILE *f = fopen(TC_TOP "/man/compart-profile.5", "r");
	char line[512];
	char *block = NULL;
	size_t blen = 0, checked = 0;
	bool in = false;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!in && !strcmp(line, ".RS\n")) {
			in = true;
			blen = 0;
			free(block);
			block = calloc(1, 1);
			continue;
		}
		if (in && !strcmp(line, ".RE\n")) {
			bool profile = false;
			struct cp_policy *p;
			const char *msgs;

			in = false;
			for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
				profile |= !strncmp(block, starts[i], strlen(starts[i]));
			if (!profile)
				continue;
			unroff(block);
			/* inside profiles/ so relative includes resolve */
			if (tc_load(TC_TOP "/profiles/man-example.profile", block, &p, &msgs)) {
				print_error("man page example does not load:\n%s\n%s\n", block, msgs);
				fail();
			}
			cp_policy_free(p);
			checked++;
			continue;
		}
		if (in) {
			block = realloc(block, blen + strlen(line) + 1);
			strcpy(block + blen, line);
			blen += strlen(line);
		}
	}
	fclose(f);
	free(block);
	/* every section has an example */
	assert_true(checked >= 13);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests_name("manpage", t, NULL, NULL);
}
