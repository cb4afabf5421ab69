/* SPDX-License-Identifier: MIT */
/*
 * ir.h - the intermediate representation of a compiled compart-run profile.
 *
 * This is the one contract between the front end (lexer, parser, checks,
 * lowering) and every backend (seccomp, BPF LSM maps, cgroup BPF, Landlock,
 * summary, OCI JSON, profile text).  The front end produces a fully resolved
 * struct cp_policy: includes are merged, variables expanded, groups
 * expanded to single syscalls, constants folded to numbers, and every rule
 * carries the source location it came from so that any backend can report
 * an error at file:line:col.
 *
 * Ownership: a cp_policy owns every pointer reachable from it (strings,
 * arrays, the source-file table).  Free it with cp_policy_free().
 *
 * Rules about the IR that backends may rely on:
 *   - arrays are in source order after include/override resolution;
 *   - a later rule that overrides an earlier one has already replaced it
 *     (the checks stage reports shadowing, lowering applies overriding);
 *   - strings are NUL-terminated, paths are absolute and normalised
 *     (no "//", no "." or ".." components, no trailing '/').
 */
#ifndef COMPART_IR_H
#define COMPART_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- source locations ------------------------------------------------ */

/* A position in a source file.  `file` points into the policy's file table
 * (struct cp_policy.files) or at a static string, and lives as long as the
 * policy.  line and col are 1-based; 0 means "unknown". */
struct cp_loc {
	const char *file;
	uint32_t line;
	uint32_t col;
};

/* ---- actions ---------------------------------------------------------- */

enum cp_action_kind {
	CP_ACT_ALLOW = 0,
	CP_ACT_ERRNO,        /* fail with errno_val */
	CP_ACT_KILL_PROCESS,
	CP_ACT_KILL_THREAD,
	CP_ACT_TRAP,         /* SIGSYS */
	CP_ACT_LOG,          /* allow and log (SECCOMP_RET_LOG) */
	CP_ACT_NOTIFY,       /* seccomp user notification */
};

struct cp_action {
	enum cp_action_kind kind;
	int32_t errno_val;   /* for CP_ACT_ERRNO; 0 otherwise */
	bool audit;          /* also log the decision (the rule's `audit` flag) */
	struct cp_loc loc;
};

/* ---- architectures ---------------------------------------------------- */

enum cp_arch {
	CP_ARCH_X86_64  = 1u << 0,
	CP_ARCH_X32     = 1u << 1,
	CP_ARCH_I386    = 1u << 2,
	CP_ARCH_AARCH64 = 1u << 3,
};

/* ---- seccomp ---------------------------------------------------------- */

enum cp_cmp_op {
	CP_CMP_EQ = 0,
	CP_CMP_NE,
	CP_CMP_LT,
	CP_CMP_LE,
	CP_CMP_GT,
	CP_CMP_GE,
	CP_CMP_MASKED_EQ,    /* (arg & mask) == value */
	CP_CMP_IN,           /* arg is one of set[0..nset) */
	CP_CMP_NOT_IN,       /* arg is none of set[0..nset) */
};

struct cp_arg_cond {
	uint8_t arg;         /* 0..5 */
	enum cp_cmp_op op;
	uint64_t value;      /* right-hand side; for MASKED_EQ the value */
	uint64_t mask;       /* for MASKED_EQ only */
	uint64_t *set;       /* for IN / NOT_IN */
	size_t nset;
	struct cp_loc loc;
};

/* One rule: `action syscall(cond && cond ...)`.  All conditions must hold
 * (conjunction).  Disjunctions are expressed as several rules for the same
 * syscall; the front end keeps them adjacent. */
struct cp_sys_rule {
	char *name;          /* syscall name as in libseccomp */
	struct cp_arg_cond *conds;
	size_t nconds;
	struct cp_action action;
	uint32_t hot;        /* priority hint (0 = none; higher = hotter) */
	struct cp_loc loc;
};

struct cp_seccomp {
	bool present;        /* profile has a syscalls section */
	struct cp_action default_action;
	uint32_t arches;     /* enum cp_arch bits the filter admits */
	/* what happens to a syscall made through an ABI not in `arches`
	 * (e.g. int 0x80 / i386 or x32 on x86_64).  Kill by default. */
	struct cp_action bad_arch_action;
	struct cp_sys_rule *rules;
	size_t nrules;
	bool log_denials;    /* SECCOMP_FILTER_FLAG_LOG */
};

/* ---- namespaces ------------------------------------------------------- */

enum cp_ns {
	CP_NS_USER   = 1u << 0,
	CP_NS_PID    = 1u << 1,
	CP_NS_MOUNT  = 1u << 2,
	CP_NS_NET    = 1u << 3,
	CP_NS_IPC    = 1u << 4,
	CP_NS_UTS    = 1u << 5,
	CP_NS_CGROUP = 1u << 6,
	CP_NS_TIME   = 1u << 7,
};

struct cp_namespaces {
	bool present;
	uint32_t mask;       /* enum cp_ns bits */
	char *hostname;      /* with CP_NS_UTS; NULL = "compart" */
	struct cp_loc loc;
};

/* ---- filesystem ------------------------------------------------------- */

enum cp_fs_access {
	CP_FS_READ  = 1u << 0,
	CP_FS_WRITE = 1u << 1,
	CP_FS_EXEC  = 1u << 2,
	CP_FS_DENY  = 1u << 3,   /* invisible and inaccessible; excludes others */
	CP_FS_TMPFS = 1u << 4,   /* a fresh tmpfs mounted here (implies R|W) */
};

struct cp_fs_rule {
	char *path;          /* absolute, normalised, variables expanded */
	uint32_t access;     /* enum cp_fs_access bits */
	bool optional;       /* skip silently if the path does not exist */
	bool audit;
	struct cp_loc loc;
};

struct cp_filesystem {
	bool present;
	struct cp_fs_rule *rules;
	size_t nrules;
};

/* ---- network ---------------------------------------------------------- */

enum cp_net_proto {
	CP_PROTO_ANY = 0,
	CP_PROTO_TCP,
	CP_PROTO_UDP,
	CP_PROTO_UNIX,
	CP_PROTO_ICMP,
};

enum cp_net_dir {
	CP_NET_CONNECT = 1u << 0,   /* connect(2), and sendmsg/sendto for UDP */
	CP_NET_BIND    = 1u << 1,
};

struct cp_net_rule {
	bool allow;          /* allow or deny */
	enum cp_net_proto proto;
	uint32_t dir;        /* enum cp_net_dir bits */
	uint8_t family;      /* 0 = any, 4, 6; unix rules use path */
	uint8_t addr[16];    /* network byte order; IPv4 in addr[0..4) */
	uint8_t prefixlen;   /* 0..32 or 0..128; 0 with family 0 = any */
	uint16_t port_lo;    /* host order; 0..65535, lo <= hi */
	uint16_t port_hi;
	char *unix_path;     /* CP_PROTO_UNIX: socket path, or "@name" abstract */
	struct cp_action action;  /* errno and audit flag for deny rules */
	struct cp_loc loc;
};

struct cp_network {
	bool present;
	bool default_allow;
	struct cp_action default_action; /* for denials by default */
	/* address families sockets may be created in (AF_* numbers); empty
	 * means "inferred from the rules" */
	uint32_t *families;
	size_t nfamilies;
	struct cp_net_rule *rules;
	size_t nrules;
};

/* ---- exec ------------------------------------------------------------- */

struct cp_exec_rule {
	char *path;          /* absolute; a directory allows everything below */
	bool allow;
	bool audit;
	struct cp_loc loc;
};

struct cp_exec {
	bool present;        /* absent = any exec allowed (other layers permitting) */
	struct cp_exec_rule *rules;
	size_t nrules;
	bool deny_created;   /* refuse exec of files created during the run */
	bool wx;             /* enforce W^X (file_mprotect / mmap_file) */
};

/* ---- process ---------------------------------------------------------- */

struct cp_process {
	bool allow_ptrace;   /* ptrace of other sandbox members */
	bool signal_outside; /* signals to processes outside the sandbox */
	bool allow_mount;    /* mount/umount/move_mount inside */
	struct cp_loc loc;
};

/* ---- devices (cgroup device BPF) -------------------------------------- */

enum cp_dev_access { CP_DEV_READ = 1, CP_DEV_WRITE = 2, CP_DEV_MKNOD = 4 };

struct cp_dev_rule {
	char type;           /* 'c', 'b' or 'a' (all) */
	int64_t major;       /* -1 = any */
	int64_t minor;       /* -1 = any */
	uint32_t access;     /* enum cp_dev_access bits */
	struct cp_loc loc;
};

struct cp_devices {
	bool present;
	struct cp_dev_rule *rules;
	size_t nrules;
};

/* ---- capabilities and limits ----------------------------------------- */

/* Cgroup limits share the rlimits list (the same syntax, override and
 * merge rules) with resource numbers past every RLIMIT_*.  The launcher
 * writes them to the sandbox's cgroup (v2, or the controller's v1
 * hierarchy on hybrid hosts); setrlimit never sees them. */
#define CP_CGLIMIT_MEMORY 1000   /* soft: memory.high, hard: memory.max (bytes) */
#define CP_CGLIMIT_PIDS   1001   /* pids.max (soft == hard) */
#define cp_is_cglimit(res) ((res) >= CP_CGLIMIT_MEMORY)

struct cp_rlimit {
	int resource;        /* RLIMIT_* or CP_CGLIMIT_* */
	uint64_t soft;       /* UINT64_MAX = unlimited */
	uint64_t hard;
	struct cp_loc loc;
};

/* ---- adaptive containment --------------------------------------------- */

/* compart_abi.h defines the same names as macros (with the same values)
 * for the BPF side.  If it came first, drop the macros so that the
 * enumerators below can be declared; either include order then works. */
#ifdef CP_FORBID_CONNECT
#undef CP_FORBID_CONNECT
#undef CP_FORBID_BIND
#undef CP_FORBID_EXEC_NEW
#undef CP_FORBID_EXEC
#undef CP_FORBID_WRITE
#undef CP_FORBID_FORK
#undef CP_FORBID_FREEZE
#endif

/* What a containment level forbids.  Levels are cumulative: level N forbids
 * everything levels 1..N forbid. */
enum cp_forbid {
	CP_FORBID_CONNECT     = 1u << 0,  /* new outbound connections / sends */
	CP_FORBID_BIND        = 1u << 1,
	CP_FORBID_EXEC_NEW    = 1u << 2,  /* exec of files created in the run */
	CP_FORBID_EXEC        = 1u << 3,  /* any exec */
	CP_FORBID_WRITE       = 1u << 4,  /* writes outside scratch */
	CP_FORBID_FORK        = 1u << 5,  /* new processes / threads */
	CP_FORBID_FREEZE      = 1u << 6,  /* freeze the cgroup */
};

struct cp_adapt_level {
	uint32_t level;      /* 1..CP_MAX_LEVELS */
	uint32_t forbid;     /* enum cp_forbid bits (this level only) */
	struct cp_loc loc;
};

#define CP_MAX_LEVELS 3

struct cp_adapt {
	bool present;
	char *model_path;    /* tree file, resolved against the profile dir */
	uint32_t eval_every; /* evaluate the tree every N observed events */
	uint32_t window_ms;  /* feature sliding-window length */
	char **scratch;      /* paths still writable under CP_FORBID_WRITE */
	size_t nscratch;
	struct cp_adapt_level levels[CP_MAX_LEVELS];
	size_t nlevels;
	struct cp_loc loc;
};

/* ---- layers ----------------------------------------------------------- */

enum cp_layer {
	CP_LAYER_NAMESPACES = 0,
	CP_LAYER_SECCOMP,
	CP_LAYER_LANDLOCK,
	CP_LAYER_BPF_LSM,
	CP_LAYER_CGROUP_BPF,
	CP_LAYER_CGROUP,
	CP_LAYER_ADAPT,
	CP_LAYER__COUNT,
};

enum cp_layer_req {
	CP_REQ_AUTO = 0,     /* required if the profile has rules for it */
	CP_REQ_REQUIRED,     /* fail closed (exit 125) if unavailable */
	CP_REQ_OPTIONAL,     /* degrade, and say so on stderr and in the audit log */
	CP_REQ_OFF,          /* never apply */
};

/* ---- the whole policy ------------------------------------------------- */

struct cp_policy {
	char *name;                  /* profile name (file stem) */
	uint8_t hash[32];            /* SHA-256 over all source bytes, in
	                              * include order (cache key, audit log) */
	char **files;                /* every source file, in include order */
	size_t nfiles;

	struct cp_namespaces ns;
	struct cp_filesystem fs;
	struct cp_seccomp seccomp;
	struct cp_network net;
	struct cp_exec exec;
	struct cp_process proc;
	struct cp_devices dev;

	bool caps_present;
	uint64_t caps;               /* bit N = capability N kept */

	struct cp_rlimit *rlimits;
	size_t nrlimits;

	struct cp_adapt adapt;

	enum cp_layer_req layers[CP_LAYER__COUNT];
};

void cp_policy_free(struct cp_policy *p);

const char *cp_layer_name(enum cp_layer l);
const char *cp_action_kind_name(enum cp_action_kind k);

#ifdef __cplusplus
}
#endif
#endif /* COMPART_IR_H */
