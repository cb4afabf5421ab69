/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.bpf.h - includes and map-independent helpers for bpf/ programs.
 */
#ifndef COMPART_COMMON_BPF_H
#define COMPART_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "compart_abi.h"

/* vmlinux.h carries types, not macros: the UAPI values we need. */
#define CP_EPERM        1
#define CP_EACCES       13
#define CP_AF_UNIX      1
#define CP_AF_INET      2
#define CP_AF_INET6     10
#define CP_SOCK_STREAM  1
#define CP_SOCK_DGRAM   2
#define CP_IPPROTO_ICMP 1
#define CP_IPPROTO_ICMPV6 58
#define CP_PROT_WRITE   0x2
#define CP_PROT_EXEC    0x4
#define CP_VM_WRITE     0x2UL
#define CP_FMODE_READ   0x1U
#define CP_FMODE_WRITE  0x2U
#define CP_FMODE_EXEC   0x20U
#define CP_FMODE_CREATED 0x100000U

/* The levels are cumulative and clamp at the last one, so a corrupt level
 * can only tighten. */
static __always_inline __u32 cp_level_clamp(__u32 level)
{
	return level > 3 ? 3 : level;
}

static __always_inline __u32 cp_acc_from_fmode(__u32 fmode)
{
	__u32 acc = 0;

	if (fmode & CP_FMODE_READ)
		acc |= CP_ACC_READ;
	if (fmode & CP_FMODE_WRITE)
		acc |= CP_ACC_WRITE;
	if (fmode & CP_FMODE_EXEC)
		acc |= CP_ACC_EXEC;
	return acc;
}

/* The kernel's dev_t as user space must encode it for cp_ino_key.dev. */
static __always_inline __u32 cp_inode_dev(const struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

static __always_inline __u64 cp_task_cgroup_id(const struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

#endif /* COMPART_COMMON_BPF_H */
