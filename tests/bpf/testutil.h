/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - tiny TAP-like helpers shared by the BPF test programs
 * (host suites in tests/bpf/, guest suites in tests/vm/).  Every check
 * prints one line; the program's exit status is the verdict.
 */
#ifndef CP_TESTUTIL_H
#define CP_TESTUTIL_H

#include <stdio.h>
#include <string.h>

extern unsigned t_pass, t_fail;

#define CHECK(cond, ...) do {                                              \
	if (cond) {                                                            \
		t_pass++;                                                          \
		printf("ok   ");                                                   \
	} else {                                                               \
		t_fail++;                                                          \
		printf("FAIL ");                                                   \
	}                                                                      \
	printf(__VA_ARGS__);                                                   \
	printf("  [%s:%d]\n", __FILE__, __LINE__);                             \
	fflush(stdout);                                                        \
} while (0)

#define SKIP_ALL(...) do {                                                 \
	printf("SKIP: ");                                                      \
	printf(__VA_ARGS__);                                                   \
	printf("\n");                                                          \
	exit(77);                                                              \
} while (0)

#endif
