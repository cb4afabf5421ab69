/* SPDX-License-Identifier: MIT */
/*
 * compart_abi.h - the one header shared by the BPF programs in bpf/ and by
 * user space (launcher, policy compiler backends, tests, compart-train).
 *
 * Rules:
 *   - it includes nothing: the BPF side gets __u32 etc. from vmlinux.h, the
 *     user side from <linux/types.h>, included before this file;
 *   - fixed-width types only, explicit padding, no pointers, no enums as
 *     struct members (enum size is not fixed);
 *   - every struct's size is checked with _Static_assert at the end, on the
 *     user-space side, so a layout change breaks the build, not the kernel.
 *
 * Scoping: every map is keyed (directly or through a prefix) by the
 * sandbox id, a small integer the launcher allocates.  The launcher maps the
 * sandbox's cgroup id (and, as a fallback, its init task's task storage,
 * inherited on fork) to the sandbox id in `cp_sandboxes`.  A process whose
 * cgroup is not in that map is outside every sandbox and every program
 * returns early for it.
 */
#ifndef COMPART_ABI_H
#define COMPART_ABI_H

#define CP_ABI_VERSION 1          /* bump on any layout change (pin names) */

#define CP_MAX_SANDBOXES   1024
#define CP_PATH_MAX        256    /* bytes of path carried in events */
#define CP_COMM_LEN        16

/* ---- per-sandbox configuration and state (map: cp_sandboxes) ----------- */

/* cp_sandbox.flags */
#define CP_SB_LOG_ONLY        (1u << 0)   /* audit, never deny (whole sandbox) */
#define CP_SB_FS_RULES        (1u << 1)   /* file_open rules present */
#define CP_SB_EXEC_RULES      (1u << 2)   /* exec allowlist present */
#define CP_SB_NET_RULES       (1u << 3)   /* socket rules present */
#define CP_SB_NET_DEFAULT_ALLOW (1u << 4)
#define CP_SB_NO_PTRACE       (1u << 5)
#define CP_SB_NO_SIGNAL_OUT   (1u << 6)
#define CP_SB_NO_MOUNT        (1u << 7)
#define CP_SB_WX              (1u << 8)
#define CP_SB_DENY_EXEC_NEW   (1u << 9)
#define CP_SB_ADAPT           (1u << 10)  /* observer + model enabled */
#define CP_SB_DEV_RULES       (1u << 11)

struct cp_sandbox {
	__u32 id;              /* sandbox id, index into per-sandbox arrays */
	__u32 flags;           /* CP_SB_* */
	__u32 level;           /* current containment level (0 = normal) */
	__u32 errno_deny;      /* errno returned by denials (positive, e.g. 1) */
	__u64 cgroup_id;       /* the sandbox's cgroup */
	__u32 init_pid;        /* host pid of the sandbox's init, for signals */
	__u32 forbid_at[4];    /* cumulative CP_FORBID_* bits per level 0..3 */
	__u32 pad0;
};

/* ---- containment levels (mirrors enum cp_forbid in ir.h) --------------- */

#define CP_FORBID_CONNECT   (1u << 0)
#define CP_FORBID_BIND      (1u << 1)
#define CP_FORBID_EXEC_NEW  (1u << 2)
#define CP_FORBID_EXEC      (1u << 3)
#define CP_FORBID_WRITE     (1u << 4)
#define CP_FORBID_FORK      (1u << 5)
#define CP_FORBID_FREEZE    (1u << 6)

/* ---- events (ring buffer cp_events) ------------------------------------ */

/* hooks / event sources */
#define CP_HOOK_FILE_OPEN      1
#define CP_HOOK_BPRM_CHECK     2
#define CP_HOOK_SOCK_CONNECT   3
#define CP_HOOK_SOCK_BIND      4
#define CP_HOOK_PTRACE         5
#define CP_HOOK_TASK_KILL      6
#define CP_HOOK_SB_MOUNT       7
#define CP_HOOK_MOVE_MOUNT     8
#define CP_HOOK_SB_UMOUNT      9
#define CP_HOOK_MPROTECT      10
#define CP_HOOK_MMAP_FILE     11
#define CP_HOOK_CG_CONNECT4   12
#define CP_HOOK_CG_CONNECT6   13
#define CP_HOOK_CG_SENDMSG4   14
#define CP_HOOK_CG_SENDMSG6   15
#define CP_HOOK_CG_BIND4      16
#define CP_HOOK_CG_BIND6      17
#define CP_HOOK_CG_SOCK_CREATE 18
#define CP_HOOK_CG_DEVICE     19
#define CP_HOOK_TASK_ALLOC    20
#define CP_HOOK_FILE_RENAME   21
#define CP_HOOK_FILE_UNLINK   22
#define CP_HOOK_ADAPT         30   /* a level change decided by the model */

/* cp_event.verdict */
#define CP_VERDICT_ALLOW  0
#define CP_VERDICT_DENY   1
#define CP_VERDICT_AUDIT  2   /* would deny; log-only mode */

struct cp_event {
	__u64 ts_ns;           /* bpf_ktime_get_ns() */
	__u32 sandbox_id;
	__u32 pid;             /* tgid, host view */
	__u32 tid;
	__u16 hook;            /* CP_HOOK_* */
	__u8  verdict;         /* CP_VERDICT_* */
	__u8  level;           /* containment level when decided */
	__s32 err;             /* errno returned (negative) or 0 */
	__u32 rule;            /* index of the matched rule (profile order), or ~0 */
	char  comm[CP_COMM_LEN];
	/* object: which fields are meaningful depends on `hook` */
	__u64 ino;
	__u32 dev;
	__u16 family;
	__u16 port;            /* host order */
	__u8  addr[16];
	__u32 target_pid;      /* ptrace / kill target */
	__u32 arg;             /* signal number, access mask, prot, ... */
	char  path[CP_PATH_MAX];
};

/* ---- adaptive model ----------------------------------------------------- */

/* Behaviour features, computed per sandbox over a sliding window. */
#define CP_FEAT_OPEN_WRITE        0   /* opens for write */
#define CP_FEAT_DIRS_WRITTEN      1   /* distinct directories written (approx.) */
#define CP_FEAT_RENAME            2
#define CP_FEAT_UNLINK            3
#define CP_FEAT_TRUNCATE          4
#define CP_FEAT_BYTES_WRITTEN_KB  5
#define CP_FEAT_SENSITIVE_READ    6   /* dotfiles, keys, credential stores */
#define CP_FEAT_EXEC              7
#define CP_FEAT_EXEC_NEW          8   /* exec of files created in the run */
#define CP_FEAT_CONNECT           9
#define CP_FEAT_DISTINCT_DEST    10
#define CP_FEAT_BYTES_SENT_KB    11
#define CP_FEAT_FORK             12   /* processes and threads created */
#define CP_FEAT_PRIV_ATTEMPT     13   /* setuid family, ptrace, unshare, setns,
                                       * mount, bpf, keyctl */
#define CP_FEAT_PROT_EXEC        14   /* mprotect/mmap with PROT_EXEC */
#define CP_FEAT_DENIED           15   /* operations already denied */
#define CP_FEAT_COUNT            16

struct cp_features {
	__u32 v[CP_FEAT_COUNT];
	__u64 window_start_ns;
	__u64 events;          /* events since the sandbox started */
};

/* A CART tree node, stored in an array map (index 0 = root).
 * Internal node: go left if features.v[feature] <= threshold.
 * Leaf: feature == CP_TREE_LEAF, `level` is the verdict. */
#define CP_TREE_LEAF      0xffffu
#define CP_TREE_MAX_NODES 255
#define CP_TREE_MAX_DEPTH 16

struct cp_tree_node {
	__u16 feature;
	__u16 left;
	__u16 right;
	__u16 level;           /* leaf verdict: containment level 0..3 */
	__u32 threshold;
	__u32 pad0;
};

/* The decision record sent with a CP_HOOK_ADAPT event's companion. */
struct cp_decision {
	__u32 sandbox_id;
	__u8  old_level;
	__u8  new_level;
	__u8  depth;           /* number of valid entries in path[] */
	__u8  pad0;
	__u16 path_node[CP_TREE_MAX_DEPTH];
	__u8  path_left[CP_TREE_MAX_DEPTH];   /* 1 = went left (<=) */
	struct cp_features feat;
	__u64 ts_ns;
};

/* ---- compile-time checks (user space) ---------------------------------- */
#ifndef __bpf__
_Static_assert(sizeof(struct cp_sandbox) == 48, "cp_sandbox layout");
_Static_assert(sizeof(struct cp_event) % 8 == 0, "cp_event padding");
_Static_assert(sizeof(struct cp_tree_node) == 16, "cp_tree_node layout");
_Static_assert(sizeof(struct cp_features) == CP_FEAT_COUNT * 4 + 16, "cp_features layout");
#endif

#endif /* COMPART_ABI_H */
