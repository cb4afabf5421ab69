/* SPDX-License-Identifier: MIT */
/*
 * bpf_maps.h - the BPF backend of the policy compiler: IR -> the contents
 * of the maps in bpf/maps.bpf.h, as plain data.
 *
 * Nothing here touches the kernel.  Inode rules stay path-based because an
 * inode identity only exists on the machine and at the moment of the
 * launch: launcher/bpf.c resolves each path to (dev, ino) when it attaches,
 * merges rules that land on the same inode and fills in the sandbox id.
 */
#ifndef COMPART_BPF_MAPS_H
#define COMPART_BPF_MAPS_H

#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "ir.h"
#include "diag.h"
#include "compart_abi.h"

/* A rule on a path: access bits for the path itself and for everything
 * beneath it (CP_ACC_*), and CP_RF_* flags. */
struct cp_bpf_path_rule {
	const char *path;        /* points into the policy (or scratch list) */
	uint16_t self_allow, self_deny, sub_allow, sub_deny;
	uint16_t flags_self, flags_sub;
	uint32_t rule;           /* index in its IR section, for events */
	bool optional;           /* a missing path is not an error */
	struct cp_loc loc;
};

/* One LPM-trie entry; key.sandbox_id is filled in at attach time. */
struct cp_bpf_net_entry {
	struct cp_net_key key;
	struct cp_net_val val;
};

/* Unix socket rules: a path (resolved to its inode when the launcher
 * attaches) or an abstract name ("@name" in the profile). */
struct cp_bpf_unix_rule {
	const char *path;        /* points into the policy */
	bool abstract;           /* path is "@name" */
	struct cp_unix_val val;
	struct cp_loc loc;
};

/* What needs more than cgroup BPF (reported by the launcher when BPF LSM
 * is unavailable, never silently dropped). */
#define CP_BPF_GAP_UNIX_PATHS  (1u << 0)   /* unix socket rules: BPF LSM only */

struct cp_bpf_maps {
	uint32_t sb_flags;                 /* CP_SB_* for cp_sandbox.flags */
	uint32_t errno_deny;               /* cp_sandbox.errno_deny */
	uint32_t forbid_at[4];             /* cumulative CP_FORBID_* per level */
	struct cp_bpf_path_rule *fs;       /* -> cp_fs_rules (incl. scratch) */
	size_t nfs;
	struct cp_bpf_path_rule *exec;     /* -> cp_exec_rules */
	size_t nexec;
	struct cp_bpf_net_entry *net;      /* -> cp_net_rules */
	size_t nnet;
	struct cp_bpf_unix_rule *unix_rules; /* -> cp_unix_rules / cp_unix_abs */
	size_t nunix;
	struct cp_sb_policy policy;        /* -> cp_policy[sandbox id] */
	uint32_t gaps;                     /* CP_BPF_GAP_* */
	/* which layers have rules at all */
	bool want_lsm;                     /* any rule only BPF LSM enforces */
	bool want_cgroup;                  /* network or device rules */
};

/* Build the map contents.  Returns 0, -EINVAL with a diagnostic at the
 * offending rule (e.g. too many rules for one prefix), or -ENOMEM. */
int cp_bpf_maps_build(const struct cp_policy *p, struct cp_diag *diag, struct cp_bpf_maps *out);
void cp_bpf_maps_free(struct cp_bpf_maps *m);

/* Readable listing of the map contents (compart-compile, tests). */
int cp_bpf_maps_dump(const struct cp_bpf_maps *m, FILE *out);

#endif /* COMPART_BPF_MAPS_H */
