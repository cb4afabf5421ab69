/* SPDX-License-Identifier: MIT */
/*
 * bpf_interp.h - a small classic-BPF interpreter for seccomp programs,
 * used by the tests to evaluate filters for any ABI without loading them.
 */
#ifndef CP_TEST_BPF_INTERP_H
#define CP_TEST_BPF_INTERP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

struct bpf_interp_trace {
	uint64_t read_mask;   /* bit i set: 32-bit word at offset 4*i was loaded */
	size_t steps;         /* instructions executed */
};

#define BPF_INTERP_READ_NR   (1ull << 0)
#define BPF_INTERP_READ_ARCH (1ull << 1)

/* Run `prog` on `d`.  Returns 0 and the filter's return value in *ret, or
 * -EINVAL for a program the kernel would reject at run time (bad load
 * offset, jump out of range, falling off the end). */
int bpf_interp_run(const struct sock_filter *prog, size_t len,
		   const struct seccomp_data *d, uint32_t *ret,
		   struct bpf_interp_trace *trace);

#endif
