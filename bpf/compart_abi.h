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
#define CP_SB_UNIX_RULES      (1u << 12)  /* unix socket rules (LSM only) */

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

/* Each sandbox has its own ring buffer of this size, stored in the
 * array-of-maps cp_events at its sandbox id. */
#define CP_RINGBUF_BYTES (512 * 1024)

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
#define CP_HOOK_SOCK_CREATE   23   /* LSM socket_create: address family list */
#define CP_HOOK_PATH_LINK     24
#define CP_HOOK_PATH_MKDIR    25
#define CP_HOOK_PATH_RMDIR    26
#define CP_HOOK_PATH_MKNOD    27
#define CP_HOOK_PATH_SYMLINK  28
#define CP_HOOK_PATH_TRUNCATE 29
#define CP_HOOK_UNIX_CONNECT  31   /* unix_stream_connect / unix_may_send */
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

/* ---- rule maps (filled by launcher/bpf.c from policy-compiler/bpf_maps.c) */

/* cp_event.rule when no profile rule decided. */
#define CP_RULE_NONE     0xffffffffu  /* nothing matched, allowed */
#define CP_RULE_LEVEL    0xfffffffeu  /* forbidden by the containment level */
#define CP_RULE_DEFAULT  0xfffffffdu  /* the section's default denial */
#define CP_RULE_EXEC_NEW 0xfffffffcu  /* exec of a file created in the run */
#define CP_RULE_SCOPE    0xfffffffbu  /* target outside the sandbox */

/* Object access classes, used in inode rules and events (cp_event.arg). */
#define CP_ACC_READ     (1u << 0)
#define CP_ACC_WRITE    (1u << 1)
#define CP_ACC_EXEC     (1u << 2)
#define CP_ACC_SCRATCH  (1u << 3)   /* still writable under CP_FORBID_WRITE */

/* Rule flags (cp_fs_val.flags_*, cp_net_ent.flags, cp_dev_ent.flags). */
#define CP_RF_AUDIT     (1u << 0)   /* emit an event when the rule decides */
#define CP_RF_LOG_ONLY  (1u << 1)   /* a denial by this rule is only audited */

/* Parent levels walked from the opened inode (the inode itself is level 0;
 * mount points are crossed).  Deeper paths fall to the sandbox default. */
#define CP_FS_MAX_DEPTH 32

/* Inode rules (maps cp_fs_rules and cp_exec_rules).  Keyed by inode
 * identity so that symlinks, hard links, renames, bind mounts and
 * /proc/self/fd/N reach the same rule.  dev is the kernel's s_dev encoding
 * (MAJOR << 20 | MINOR), not stat()'s st_dev. */
struct cp_ino_key {
	__u32 sandbox_id;
	__u32 dev;
	__u64 ino;
};

struct cp_fs_val {
	__u16 self_allow;     /* CP_ACC_* granted on this inode itself */
	__u16 self_deny;      /* CP_ACC_* refused on this inode itself */
	__u16 sub_allow;      /* ... on everything beneath it (prefix rule) */
	__u16 sub_deny;
	__u32 rule_self;      /* profile rule index, for events */
	__u32 rule_sub;
	__u16 flags_self;     /* CP_RF_* */
	__u16 flags_sub;
	__u32 pad0;
};

/* Inodes created or written during the run (map cp_created), for
 * CP_SB_DENY_EXEC_NEW / CP_FORBID_EXEC_NEW and the observer. */
#define CP_CREATED_NEW      (1u << 0)
#define CP_CREATED_WRITTEN  (1u << 1)
struct cp_created_val {
	__u64 ts_ns;
	__u32 how;            /* CP_CREATED_* */
	__u32 pad0;
};

/* Per-sandbox state written by the programs (array cp_sb_state). */
struct cp_sb_state {
	__u32 created_full;   /* cp_created overflowed: new-file checks fail closed */
	__u32 pad0;
};

/* Network rules (LPM trie cp_net_rules).  The sandbox id and the family
 * are part of the matched prefix, so prefixlen = 40 + address prefix. */
#define CP_NET_KEY_FIXED_BITS 40
struct cp_net_key {
	__u32 prefixlen;
	__u32 sandbox_id;     /* big-endian, part of the prefix */
	__u8  family;         /* 4 or 6, part of the prefix */
	__u8  addr[16];       /* network byte order */
	__u8  pad0[3];
};

#define CP_NET_PROTO_ANY 0
#define CP_NET_PROTO_TCP 1
#define CP_NET_PROTO_UDP 2
#define CP_NET_PROTO_ICMP 3
#define CP_NET_DIR_CONNECT (1u << 0)
#define CP_NET_DIR_BIND    (1u << 1)

struct cp_net_ent {
	__u16 port_lo;        /* host order */
	__u16 port_hi;
	__u8  proto;          /* CP_NET_PROTO_* */
	__u8  dir;            /* CP_NET_DIR_* */
	__u8  allow;
	__u8  flags;          /* CP_RF_* */
	__u32 rule;
	__u32 errno_val;      /* positive errno for a deny (LSM hooks) */
};

/* The longest matching prefix holds every rule that can apply to it:
 * its own, then those of shorter prefixes containing it (most specific
 * first, then profile order); the first entry that matches decides. */
#define CP_NET_ENTS 16
struct cp_net_val {
	__u32 n;
	__u32 pad0;
	struct cp_net_ent e[CP_NET_ENTS];
};

/* Unix socket rules (LSM unix_stream_connect / unix_may_send): a socket
 * bound to a path is matched by its inode (cp_unix_rules, cp_ino_key), an
 * abstract one by its exact name (cp_unix_abs).  Nothing matched: the
 * network default. */
#define CP_UNIX_NAME_MAX 108  /* sun_path */
struct cp_unix_abs_key {
	__u32 sandbox_id;
	__u32 len;            /* bytes of name used, without the leading NUL */
	char  name[128];      /* a power of two: the program masks the length */
};

struct cp_unix_val {
	__u32 allow;
	__u32 flags;          /* CP_RF_* */
	__u32 rule;
	__u32 errno_val;
};

/* Device rules and other per-sandbox policy (array map cp_policy, indexed
 * by sandbox id). */
#define CP_DEV_ANY 0xffffffffu
struct cp_dev_ent {
	__u8  type;           /* 'c', 'b' or 'a' */
	__u8  access;         /* CP_DEV_* of ir.h: 1 read, 2 write, 4 mknod */
	__u8  flags;          /* CP_RF_* */
	__u8  pad0;
	__u32 major;          /* CP_DEV_ANY = any */
	__u32 minor;
	__u32 rule;
};

#define CP_DEV_ENTS 32
struct cp_sb_policy {
	__u64 af_allow;       /* bit N: socket(AF N) allowed; 0 = no rule */
	__u32 net_errno;      /* errno of the network default denial */
	__u32 net_flags;      /* CP_RF_* of the network default */
	__u32 pad0;           /* inode-rule denials use cp_sandbox.errno_deny */
	__u32 ndev;
	struct cp_dev_ent dev[CP_DEV_ENTS];
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
#define CP_FEAT_EXEC_SOCKET      16   /* exec with stdin/stdout on a socket
                                       * (the shape of a reverse shell) */
#define CP_FEAT_UNLINK_OLD       17   /* unlinks of files not written during
                                       * the run (pre-existing data) */
#define CP_FEAT_TASKS_PEAK       18   /* most tasks alive at once (a gauge:
                                       * the window's maximum, not a sum) */
#define CP_FEAT_REPLACED         19   /* files replaced by a rename over them */
#define CP_FEAT_COUNT            20   /* keep even: cp_features layout */

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

/* ---- adaptive containment: per-sandbox state and records (bpf/adapt.bpf.h)
 *
 * cp_adapt_st (array, by sandbox id): configuration written by the launcher
 * before the sandbox starts, counters written by the observer programs.
 * The sliding window is two half-window buckets: a feature's value is
 * cur + prev, i.e. the events of the last window/2 .. window.
 * cp_adapt_trees (array of maps, by sandbox id): the sandbox's tree, an
 * array of CP_TREE_MAX_NODES struct cp_tree_node.
 * cp_adapt_rb (ring buffer): struct cp_adapt_rec. */
#define CP_ADAPT_F_ENABLED   (1u << 0)  /* observe this sandbox */
#define CP_ADAPT_F_TREE      (1u << 1)  /* a tree is loaded: decide levels */
#define CP_ADAPT_F_RECORD    (1u << 2)  /* emit a sample every eval_every events */
#define CP_ADAPT_F_LSM_FILES (1u << 3)  /* lsm.bpf.h reports file events: the
                                         * tracepoint approximations stand down */

#define CP_ADAPT_BYTES_WRITTEN 0           /* index into cur_bytes/prev_bytes */
#define CP_ADAPT_BYTES_SENT    1

struct cp_adapt_state {
	__u32 flags;           /* CP_ADAPT_F_* (launcher) */
	__u32 eval_every;      /* evaluate every N observed events, >= 1 */
	__u64 window_ns;       /* sliding-window length */
	__u64 start_real_s;    /* CLOCK_REALTIME seconds at sandbox start: an
	                        * inode changed after it was created or written
	                        * during the run (exec_new without LSM) */
	__u64 half_start_ns;   /* bpf_ktime_get_ns() at the current bucket's start */
	__u64 events;          /* observed events since start */
	__u32 cur[CP_FEAT_COUNT];
	__u32 prev[CP_FEAT_COUNT];
	__u64 cur_bytes[2];    /* byte counters behind the *_KB features */
	__u64 prev_bytes[2];
	__u64 dir_bloom[4];    /* distinct-directory / destination estimates */
	__u64 dest_bloom[4];   /* for the current bucket */
	__u64 file_bloom[4];
	__u32 tightenings;     /* level raises decided by the tree */
	__u32 errors;          /* tree walks that failed (no tree, bad node) */
	__u32 rb_lost;         /* records the ring buffer could not take */
	__u32 pad0;
	__s32 live_tasks;      /* tasks forked minus tasks exited since start */
	__u32 pad1;
};

#define CP_ADAPT_REC_DECISION 1   /* the tree raised the level */
#define CP_ADAPT_REC_SAMPLE   2   /* feature sample (CP_ADAPT_F_RECORD) */

struct cp_adapt_rec {
	__u32 kind;            /* CP_ADAPT_REC_* */
	__u32 pid;             /* tgid whose event triggered the evaluation */
	__u16 hook;            /* CP_ADAPT_HOOK_* that triggered it */
	__u16 leaf;            /* leaf node reached */
	__u32 pad0;
	struct cp_decision d;
};

/* What triggered an evaluation (cp_adapt_rec.hook). */
#define CP_ADAPT_HOOK_TICK     0   /* every eval_every events */
#define CP_ADAPT_HOOK_CONNECT  1   /* before a connect / sendmsg */
#define CP_ADAPT_HOOK_EXEC     2
#define CP_ADAPT_HOOK_FORK     3
#define CP_ADAPT_HOOK_TEST     4   /* BPF_PROG_TEST_RUN self-test */

/* Context of the cp_adapt_selftest program (BPF_PROG_TEST_RUN): the tree
 * of sandbox_id is walked on v[] by the very function the hooks use. */
struct cp_adapt_test {
	__u32 sandbox_id;      /* in */
	__s32 level;           /* out: verdict, or -1 (no tree / bad node) */
	__u32 depth;           /* out: splits on the path */
	__u16 leaf;            /* out: leaf node */
	__u16 pad0;
	__u32 v[CP_FEAT_COUNT];                /* in */
	__u16 path_node[CP_TREE_MAX_DEPTH];    /* out */
	__u8  path_left[CP_TREE_MAX_DEPTH];    /* out */
};

/* cp_obs_root[0]: the cgroup every sandbox is created under (launcher's
 * <cgroup2>/compart) as its id and level.  The host-wide observers
 * (tracepoints: they fire for every task on the machine) compare the
 * running task's ancestor at that level first, so a task outside it pays
 * one helper call instead of a hash lookup.  cgroup_id 0: not set, every
 * task is looked up. */
struct cp_scope_root {
	__u64 cgroup_id;
	__u32 level;
	__u32 pad;
};

/* ---- compile-time checks (user space) ---------------------------------- */
#ifndef __bpf__
_Static_assert(sizeof(struct cp_sandbox) == 48, "cp_sandbox layout");
_Static_assert(sizeof(struct cp_event) % 8 == 0, "cp_event padding");
_Static_assert(sizeof(struct cp_tree_node) == 16, "cp_tree_node layout");
_Static_assert(sizeof(struct cp_scope_root) == 16, "cp_scope_root layout");
_Static_assert(sizeof(struct cp_decision) % 8 == 0, "cp_decision padding");
_Static_assert(sizeof(struct cp_adapt_state) == 40 + 8 * CP_FEAT_COUNT + 128 + 24, "cp_adapt_state layout");
_Static_assert(sizeof(struct cp_adapt_rec) == 16 + sizeof(struct cp_decision), "cp_adapt_rec layout");
_Static_assert(sizeof(struct cp_adapt_test) == 16 + 4 * CP_FEAT_COUNT + 3 * CP_TREE_MAX_DEPTH, "cp_adapt_test layout");
_Static_assert(sizeof(struct cp_features) == CP_FEAT_COUNT * 4 + 16, "cp_features layout");
_Static_assert(sizeof(struct cp_ino_key) == 16, "cp_ino_key layout");
_Static_assert(sizeof(struct cp_fs_val) == 24, "cp_fs_val layout");
_Static_assert(sizeof(struct cp_created_val) == 16, "cp_created_val layout");
_Static_assert(sizeof(struct cp_sb_state) == 8, "cp_sb_state layout");
_Static_assert(sizeof(struct cp_net_key) == 28, "cp_net_key layout");
_Static_assert(sizeof(struct cp_net_ent) == 16, "cp_net_ent layout");
_Static_assert(sizeof(struct cp_net_val) == 8 + 16 * CP_NET_ENTS, "cp_net_val layout");
_Static_assert(sizeof(struct cp_dev_ent) == 16, "cp_dev_ent layout");
_Static_assert(sizeof(struct cp_unix_abs_key) == 136, "cp_unix_abs_key layout");
_Static_assert(sizeof(struct cp_unix_val) == 16, "cp_unix_val layout");
_Static_assert(sizeof(struct cp_sb_policy) == 24 + 16 * CP_DEV_ENTS, "cp_sb_policy layout");
#endif

#endif /* COMPART_ABI_H */
