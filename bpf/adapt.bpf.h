/* SPDX-License-Identifier: GPL-2.0 */
/*
 * adapt.bpf.h - adaptive containment: behaviour observer, feature window,
 * and the in-kernel decision-tree walk that raises cp_sandbox.level.
 *
 * The level is raised here, in the program that saw the event, and not by
 * user space after reading a record: between a decision and its effect no
 * other operation of the sandbox can slip through, and the enforcement
 * hooks (lsm.bpf.h, cgroup.bpf.h, and the connect hooks of
 * adapt_hooks.bpf.h) read the new level on their next call.
 *
 * Event sources are chosen so that processes OUTSIDE every sandbox pay
 * only on the operations that matter (no raw sys_enter tracepoint, which
 * taxes every syscall on the host, and no kprobes, which hosts like the
 * project's baseline lack): sched_process_fork/exec, filesystem and
 * cap_capable tracepoints (tp_btf), and cgroup sock_addr / skb hooks,
 * which only ever run for the sandbox's own cgroup.  Where BPF LSM is
 * active, the lsm/ observers of adapt_hooks.bpf.h count exactly and decide
 * before the operation.
 *
 * This file holds the maps and the logic; the programs are in
 * adapt_hooks.bpf.h.  compart.bpf.c includes this one right after
 * maps.bpf.h, so that enforcement programs may call cp_adapt_event() /
 * cp_adapt_note_denied(), and adapt_hooks.bpf.h last.
 */
#ifndef COMPART_ADAPT_BPF_H
#define COMPART_ADAPT_BPF_H

#include "common.bpf.h"
#include "maps.bpf.h"

#define CP_ADAPT_RB_BYTES (256 * 1024)
#define CP_PROT_EXEC_BIT   0x4
#define CP_S_IFMT          00170000
#define CP_S_IFREG         0100000
#define CP_S_IFDIR         0040000
/* ancestors of an opened file whose names are checked for credential
 * stores (~/.ssh/id_rsa is 1 level up, ~/.config/gcloud/x 2 levels) */
#define CP_SENS_LEVELS     4
#define CP_SENS_NAME       16

struct cp_tree_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CP_TREE_MAX_NODES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct cp_tree_node));
};

/* One inner array per adaptive sandbox: trees are only allocated for the
 * sandboxes that use one, and replacing a model is one atomic update. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__array(values, struct cp_tree_inner);
} cp_adapt_trees SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u32);
	__type(value, struct cp_adapt_state);
} cp_adapt_st SEC(".maps");

/* Decision records get their own ring buffer: a burst of denial events
 * must not crowd out the explanation of why the sandbox tightened. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CP_ADAPT_RB_BYTES);
} cp_adapt_rb SEC(".maps");

/* FNV-1a hashes of path components that mark credential stores (".ssh",
 * ".aws", "shadow", ...); filled by the launcher (launcher/adapt.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u32);
} cp_adapt_sensitive SEC(".maps");

/* ---- state ------------------------------------------------------------- */

static __always_inline struct cp_adapt_state *cp_adapt_state_of(const struct cp_sandbox *sb)
{
	__u32 id = sb->id;
	struct cp_adapt_state *st = bpf_map_lookup_elem(&cp_adapt_st, &id);

	if (!st || !(st->flags & CP_ADAPT_F_ENABLED))
		return NULL;
	return st;
}

/* Start a new half-window bucket when the current one is full.  Two CPUs
 * may rotate at once; the cost is a few events counted in the wrong
 * bucket, never a lost level change. */
static __always_inline void cp_adapt_rotate(struct cp_adapt_state *st, __u64 now)
{
	__u64 half = st->window_ns >> 1;
	__u64 age = now - st->half_start_ns;
	bool keep;

	if (age < half)
		return;
	keep = age < st->window_ns;
	for (int i = 0; i < CP_FEAT_COUNT; i++) {
		st->prev[i] = keep ? st->cur[i] : 0;
		st->cur[i] = 0;
	}
	for (int i = 0; i < 2; i++) {
		st->prev_bytes[i] = keep ? st->cur_bytes[i] : 0;
		st->cur_bytes[i] = 0;
	}
	for (int i = 0; i < 4; i++) {
		st->dir_bloom[i] = 0;
		st->dest_bloom[i] = 0;
		st->file_bloom[i] = 0;
	}
	/* the new bucket's peak starts at what is alive now */
	st->cur[CP_FEAT_TASKS_PEAK] = st->live_tasks > 0 ? (__u32)st->live_tasks : 0;
	st->half_start_ns = now;
}

/* First sighting of `h` in this bucket?  A 256-bit filter: distinct counts
 * are estimates that saturate, which is all a threshold needs. */
static __always_inline bool cp_bloom_first(__u64 *bloom, __u64 h)
{
	__u32 bit = (__u32)(h ^ (h >> 29) ^ (h >> 47)) & 255;
	__u64 m = 1ULL << (bit & 63);
	__u64 *w = &bloom[(bit >> 6) & 3];

	if (*w & m)
		return false;
	*w |= m;
	return true;
}

static __always_inline void cp_adapt_add(struct cp_adapt_state *st, __u32 feat, __u32 n)
{
	if (feat < CP_FEAT_COUNT)
		__sync_fetch_and_add(&st->cur[feat], n);
}

/* ---- the tree ---------------------------------------------------------- */

/* Walk the sandbox's tree on d->feat.  Returns the leaf level (0..3) and
 * fills the path, or -1 when there is no tree or a node is malformed
 * (which the user-space validator makes impossible).  The loop bound is
 * the format's depth limit, so the verifier sees a bounded walk. */
static __always_inline int cp_tree_walk(__u32 sandbox_id, struct cp_decision *d, __u16 *leaf)
{
	void *tree = bpf_map_lookup_elem(&cp_adapt_trees, &sandbox_id);
	__u32 idx = 0;

	if (!tree)
		return -1;
	for (__u32 i = 0; i <= CP_TREE_MAX_DEPTH; i++) {
		struct cp_tree_node *n = bpf_map_lookup_elem(tree, &idx);
		__u32 f, right;

		if (!n)
			return -1;
		if (n->feature == CP_TREE_LEAF) {
			d->depth = (__u8)i;
			*leaf = (__u16)idx;
			/* a corrupt level can only tighten */
			return n->level > 3 ? 3 : n->level;
		}
		if (i >= CP_TREE_MAX_DEPTH)
			return -1;
		f = n->feature;
		if (f >= CP_FEAT_COUNT)
			return -1;
		/* Branch-free on purpose: with a branch the verifier would
		 * explore both children at every level (2^depth states);
		 * as data, all paths share one state per level. */
		right = (__u32)(((__u64)n->threshold - (__u64)d->feat.v[f]) >> 63);
		asm volatile("" : "+r"(right));
		d->path_node[i] = (__u16)idx;
		d->path_left[i] = (__u8)(right ^ 1);
		idx = (n->left & (right - 1)) | (n->right & (0u - right));
	}
	return -1;
}

static __always_inline void cp_adapt_snapshot(const struct cp_adapt_state *st,
					      struct cp_decision *d)
{
	for (int i = 0; i < CP_FEAT_COUNT; i++)
		d->feat.v[i] = st->cur[i] + st->prev[i];
	/* a gauge: the larger of the two buckets' peaks */
	d->feat.v[CP_FEAT_TASKS_PEAK] = st->cur[CP_FEAT_TASKS_PEAK] > st->prev[CP_FEAT_TASKS_PEAK] ?
					st->cur[CP_FEAT_TASKS_PEAK] : st->prev[CP_FEAT_TASKS_PEAK];
	d->feat.v[CP_FEAT_BYTES_WRITTEN_KB] =
		(__u32)((st->cur_bytes[CP_ADAPT_BYTES_WRITTEN] +
			 st->prev_bytes[CP_ADAPT_BYTES_WRITTEN]) >> 10);
	d->feat.v[CP_FEAT_BYTES_SENT_KB] =
		(__u32)((st->cur_bytes[CP_ADAPT_BYTES_SENT] +
			 st->prev_bytes[CP_ADAPT_BYTES_SENT]) >> 10);
	d->feat.window_start_ns = st->half_start_ns - (st->window_ns >> 1);
	d->feat.events = st->events;
}

static __always_inline void cp_adapt_emit(struct cp_adapt_state *st, __u32 kind, __u16 hook,
					  __u16 leaf, const struct cp_decision *d)
{
	struct cp_adapt_rec *r = bpf_ringbuf_reserve(&cp_adapt_rb, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&st->rb_lost, 1);
		return;
	}
	r->kind = kind;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->hook = hook;
	r->leaf = leaf;
	r->pad0 = 0;
	__builtin_memcpy(&r->d, d, sizeof(*d));
	bpf_ringbuf_submit(r, 0);
}

/* Raise sb->level to at least `lvl`.  Levels only go up here; lowering is
 * an operator action from user space. */
static __always_inline __u32 cp_adapt_raise(struct cp_sandbox *sb, __u32 lvl)
{
	__u32 old = sb->level;

#if defined(CP_BPF_CPU_V3) || (defined(__BPF_CPU_VERSION__) && __BPF_CPU_VERSION__ >= 3)
	for (int i = 0; i < 4 && old < lvl; i++) {
		__u32 seen = __sync_val_compare_and_swap(&sb->level, old, lvl);

		if (seen == old)
			break;
		old = seen;
	}
#else
	/* Without cmpxchg (BPF ISA v3) two racing raises may leave the lower
	 * of the two levels; the next evaluation raises it again. */
	if (old < lvl)
		sb->level = lvl;
#endif
	return old;
}

/* Evaluate the model for this sandbox now: sample the window, walk the
 * tree, raise the level and explain it. */
static __always_inline void cp_adapt_decide(struct cp_sandbox *sb, struct cp_adapt_state *st,
					    __u16 hook)
{
	struct cp_decision d;
	__u16 leaf = 0;
	__u32 old;
	int lvl;

	if (!(st->flags & (CP_ADAPT_F_TREE | CP_ADAPT_F_RECORD)))
		return;
	__builtin_memset(&d, 0, sizeof(d));
	d.sandbox_id = sb->id;
	d.ts_ns = bpf_ktime_get_ns();
	cp_adapt_snapshot(st, &d);
	if (st->flags & CP_ADAPT_F_RECORD)
		cp_adapt_emit(st, CP_ADAPT_REC_SAMPLE, hook, 0, &d);
	if (!(st->flags & CP_ADAPT_F_TREE))
		return;
	lvl = cp_tree_walk(sb->id, &d, &leaf);
	if (lvl < 0) {
		__sync_fetch_and_add(&st->errors, 1);
		return;
	}
	if ((__u32)lvl <= sb->level)
		return;
	old = cp_adapt_raise(sb, (__u32)lvl);
	if (old >= (__u32)lvl)
		return;
	d.old_level = (__u8)old;
	d.new_level = (__u8)lvl;
	__sync_fetch_and_add(&st->tightenings, 1);
	cp_adapt_emit(st, CP_ADAPT_REC_DECISION, hook, leaf, &d);
}

/* Count one observed event; evaluate when it is a sensitive operation
 * (force) or every eval_every events. */
static __always_inline void cp_adapt_count(struct cp_sandbox *sb, struct cp_adapt_state *st,
					   __u32 feat, __u32 n, __u16 hook, bool force)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 ev;
	__u32 every = st->eval_every ? st->eval_every : 1;

	cp_adapt_rotate(st, now);
	cp_adapt_add(st, feat, n);
	__sync_fetch_and_add(&st->events, 1);
	ev = st->events;
	if (force || ev % every == 0)
		cp_adapt_decide(sb, st, hook);
}

/* For enforcement hooks (lsm.bpf.h, cgroup.bpf.h): count an event of a
 * sandbox and, for sensitive operations, decide before the caller checks
 * cp_forbidden(). */
static __always_inline void cp_adapt_event(struct cp_sandbox *sb, __u32 feat, __u16 hook,
					   bool sensitive)
{
	struct cp_adapt_state *st = cp_adapt_state_of(sb);

	if (st)
		cp_adapt_count(sb, st, feat, 1, hook, sensitive);
}

/* For enforcement hooks: an operation of the sandbox was denied. */
static __always_inline void cp_adapt_note_denied(struct cp_sandbox *sb)
{
	cp_adapt_event(sb, CP_FEAT_DENIED, CP_ADAPT_HOOK_TICK, false);
}

/* ---- observers: processes --------------------------------------------- */

/* Kernels before 6.6 keep ctime in i_ctime, 6.6-6.10 in __i_ctime. */
struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));
struct inode___ctime_66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___mtime_old {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));
struct inode___mtime_66 {
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

static __always_inline __s64 cp_inode_mtime(const struct inode *ino)
{
	if (bpf_core_field_exists(ino->i_mtime_sec))
		return BPF_CORE_READ(ino, i_mtime_sec);
	if (bpf_core_field_exists(((struct inode___mtime_66 *)ino)->__i_mtime))
		return BPF_CORE_READ((struct inode___mtime_66 *)ino, __i_mtime.tv_sec);
	return BPF_CORE_READ((struct inode___mtime_old *)ino, i_mtime.tv_sec);
}

static __always_inline __s64 cp_inode_ctime(const struct inode *ino)
{
	if (bpf_core_field_exists(ino->i_ctime_sec))
		return BPF_CORE_READ(ino, i_ctime_sec);
	if (bpf_core_field_exists(((struct inode___ctime_66 *)ino)->__i_ctime))
		return BPF_CORE_READ((struct inode___ctime_66 *)ino, __i_ctime.tv_sec);
	return BPF_CORE_READ((struct inode___ctime_old *)ino, i_ctime.tv_sec);
}

#define CP_S_IFSOCK 0140000

/* A program started with its standard input or output connected to a
 * socket: what `sh -i` behind a connect-back looks like.  Servers started
 * by inetd-style activation do this legitimately, hence a feature for the
 * model rather than a rule. */
static __always_inline bool cp_stdio_is_socket(struct task_struct *t)
{
	struct file **fds = BPF_CORE_READ(t, files, fdt, fd);

	for (int i = 0; i < 2; i++) {
		struct file *f = NULL;

		if (bpf_core_read(&f, sizeof(f), &fds[i]) || !f)
			continue;
		if ((BPF_CORE_READ(f, f_inode, i_mode) & CP_S_IFMT) == CP_S_IFSOCK)
			return true;
	}
	return false;
}

/* ---- observers: files -------------------------------------------------- */

/* Without BPF LSM or kprobes (this project's baseline host) nothing fires
 * per open/rename/unlink except the syscall tracepoints, and enabling any
 * of those puts every syscall of every process on the slow path.  The
 * filesystem tracepoints below fire only when data or metadata actually
 * change, in the context of the task changing them:
 *   writeback_dirty_folio   a page of a file becomes dirty (a write)
 *   ctime updates           an inode's ctime changes: on a directory, an
 *                           entry was created, renamed or removed; on a
 *                           file, it was renamed, truncated or unlinked,
 * and the syscall the task is in says why (a file losing its last link
 * in unlink(at) was deleted, in rename(2) it was replaced).  So on such
 * hosts: open_write = distinct regular files written, bytes_written_kb =
 * newly dirtied pages, dirs_written = distinct directories changed,
 * rename = files renamed, unlink = files deleted, replaced = files renamed
 * over, truncate = truncate(2)/ftruncate(2).  Where BPF LSM is active the
 * lsm/ observers in adapt_hooks.bpf.h count opens, renames and unlinks
 * exactly instead. */

#define CP_PAGE_BYTES 4096

static __always_inline __u32 cp_inode_type(const struct inode *ino)
{
	return BPF_CORE_READ(ino, i_mode) & CP_S_IFMT;
}

/* The syscall the current task is in.  A filesystem tracepoint says what
 * changed, the syscall says why: a file losing its last link in
 * unlink(at) was deleted, in rename(at)(2) it was replaced. */
#if defined(__TARGET_ARCH_x86)
#define CP_NR_RENAME     82
#define CP_NR_RENAMEAT  264
#define CP_NR_RENAMEAT2 316
#define CP_NR_TRUNCATE   76
#define CP_NR_FTRUNCATE  77
static __always_inline long cp_current_syscall(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return BPF_CORE_READ(regs, orig_ax);
}
#elif defined(__TARGET_ARCH_arm64)
#define CP_NR_RENAME     -1
#define CP_NR_RENAMEAT   38
#define CP_NR_RENAMEAT2 276
#define CP_NR_TRUNCATE   45
#define CP_NR_FTRUNCATE  46
static __always_inline long cp_current_syscall(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return BPF_CORE_READ(regs, syscallno);
}
#else
#error "cp_current_syscall: add this architecture's syscall numbers"
#endif

static __always_inline bool cp_nr_is_rename(long nr)
{
	return nr == CP_NR_RENAME || nr == CP_NR_RENAMEAT || nr == CP_NR_RENAMEAT2;
}

static __always_inline int cp_adapt_ctime(struct inode *ino)
{
	struct cp_sandbox *sb = cp_scope_obs();
	struct cp_adapt_state *st;
	__u32 type;
	long nr;

	if (!ino || !sb || !(st = cp_adapt_state_of(sb)) || (st->flags & CP_ADAPT_F_LSM_FILES))
		return 0;
	/* ino is a typed tracepoint argument: direct (BTF) loads */
	type = ino->i_mode & CP_S_IFMT;
	if (type == CP_S_IFDIR) {
		if (cp_bloom_first(st->dir_bloom, ino->i_ino * 0x9e3779b97f4a7c15ULL))
			cp_adapt_count(sb, st, CP_FEAT_DIRS_WRITTEN, 1, CP_ADAPT_HOOK_TICK, false);
		return 0;
	}
	if (type != CP_S_IFREG)
		return 0;
	nr = cp_current_syscall();
	if (ino->__i_nlink != 0) {
		/* the renamed file itself gets a new ctime */
		if (cp_nr_is_rename(nr))
			cp_adapt_count(sb, st, CP_FEAT_RENAME, 1, CP_ADAPT_HOOK_TICK, false);
		else if (nr == CP_NR_TRUNCATE || nr == CP_NR_FTRUNCATE)
			cp_adapt_count(sb, st, CP_FEAT_TRUNCATE, 1, CP_ADAPT_HOOK_TICK, false);
		return 0;
	}
	if (cp_nr_is_rename(nr)) {
		cp_adapt_count(sb, st, CP_FEAT_REPLACED, 1, CP_ADAPT_HOOK_TICK, false);
	} else {
		struct cp_ino_key k = {
			.sandbox_id = sb->id,
			.dev = cp_inode_dev(ino),
			.ino = ino->i_ino,
		};

		/* pre-existing data: last modified before the run began and
		 * not written during it (files created empty in the run, like
		 * lock files, have a recent mtime) */
		if (cp_inode_mtime(ino) < (__s64)st->start_real_s &&
		    !bpf_map_lookup_elem(&cp_created, &k))
			cp_adapt_add(st, CP_FEAT_UNLINK_OLD, 1);
		cp_adapt_count(sb, st, CP_FEAT_UNLINK, 1, CP_ADAPT_HOOK_TICK, false);
	}
	return 0;
}

static __always_inline __u64 cp_fnv1a(const char *s, int len)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < CP_SENS_NAME; i++) {
		if (i >= len || !s[i])
			break;
		h ^= (__u8)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Is the file, or one of its nearest ancestors, a known credential
 * store?  Names are compared by hash against cp_adapt_sensitive. */
static __always_inline bool cp_sensitive(struct dentry *de)
{
	char name[CP_SENS_NAME];

	for (int i = 0; i < CP_SENS_LEVELS; i++) {
		const unsigned char *np = BPF_CORE_READ(de, d_name.name);
		struct dentry *parent;
		long n;
		__u64 h;

		__builtin_memset(name, 0, sizeof(name));
		n = bpf_probe_read_kernel_str(name, sizeof(name), np);
		if (n <= 1)
			return false;
		h = cp_fnv1a(name, (int)n - 1);
		if (bpf_map_lookup_elem(&cp_adapt_sensitive, &h))
			return true;
		parent = BPF_CORE_READ(de, d_parent);
		if (!parent || parent == de)
			return false;
		de = parent;
	}
	return false;
}

/* For lsm.bpf.h's file_open hook (BPF LSM hosts): an open of the sandbox,
 * before the open completes.  Counts opens for write (and the directories
 * written) and reads of credential stores. */
static __always_inline void cp_adapt_file_open(struct cp_sandbox *sb, struct file *file)
{
	struct cp_adapt_state *st = cp_adapt_state_of(sb);
	__u32 fmode;

	if (!st)
		return;
	fmode = BPF_CORE_READ(file, f_mode);
	if (fmode & CP_FMODE_WRITE) {
		struct inode *dir = BPF_CORE_READ(file, f_path.dentry, d_parent, d_inode);

		if (cp_bloom_first(st->dir_bloom, BPF_CORE_READ(dir, i_ino) * 0x9e3779b97f4a7c15ULL))
			cp_adapt_add(st, CP_FEAT_DIRS_WRITTEN, 1);
		cp_adapt_count(sb, st, CP_FEAT_OPEN_WRITE, 1, CP_ADAPT_HOOK_TICK, false);
		return;
	}
	if ((fmode & CP_FMODE_READ) && cp_sensitive(BPF_CORE_READ(file, f_path.dentry)))
		cp_adapt_count(sb, st, CP_FEAT_SENSITIVE_READ, 1, CP_ADAPT_HOOK_TICK, false);
}

/* ---- observers: privilege ---------------------------------------------- */

/* Capability checks for the powers an escalation attempt needs: setuid
 * family (CAP_SETUID/SETGID), ptrace of others (CAP_SYS_PTRACE), bpf
 * (CAP_BPF), module loading, raw I/O.  The tracepoint fires only on
 * capability checks.  CAP_SYS_ADMIN (mount, unshare, setns) is left out:
 * the kernel checks it silently on every accountable mmap/brk
 * (cap_vm_enough_memory), so it would count memory use, not attempts;
 * with BPF LSM, lsm.bpf.h reports mounts and namespace changes. */
#define CP_CAP_SETGID      6
#define CP_CAP_SETUID      7
#define CP_CAP_SYS_MODULE 16
#define CP_CAP_SYS_RAWIO  17
#define CP_CAP_SYS_PTRACE 19
#define CP_CAP_BPF        39

/* ---- observers where BPF LSM is active --------------------------------- */

/* Exact versions of what the tracepoints above approximate, run before
 * the operation (so the level a decision sets already applies to it when
 * the enforcement hook of lsm.bpf.h runs after this one: see the ordering
 * note in adapt_hooks.bpf.h).
 * They only count and decide; every one passes an earlier denial through.
 * The launcher sets CP_ADAPT_F_LSM_FILES when these are attached, and the
 * tracepoint approximations stand down. */

static __always_inline struct cp_adapt_state *cp_adapt_lsm_scope(struct cp_sandbox **sbp)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;

	if (!sb || !(st = cp_adapt_state_of(sb)) || !(st->flags & CP_ADAPT_F_LSM_FILES))
		return NULL;
	*sbp = sb;
	return st;
}

static __always_inline int cp_adapt_lsm_priv(int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	if (ret || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	cp_adapt_count(sb, st, CP_FEAT_PRIV_ATTEMPT, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

/* ---- observers + enforcement: network (cgroup hooks) ------------------- */

/* These run only for the sandbox's cgroup (attached there with
 * BPF_F_ALLOW_MULTI next to cgroup.bpf.h's rule hooks), decide before the
 * connect/send proceeds, and refuse it at once when the level forbids new
 * connections, so the operation that tipped the model is already denied. */
static __always_inline int cp_adapt_sock(__u32 addr_hash, __u32 port)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;

	if (!sb)
		return 1;
	st = cp_adapt_state_of(sb);
	if (st) {
		__u64 h = ((__u64)addr_hash << 16 | port) * 0x9e3779b97f4a7c15ULL;

		if (cp_bloom_first(st->dest_bloom, h))
			cp_adapt_add(st, CP_FEAT_DISTINCT_DEST, 1);
		cp_adapt_count(sb, st, CP_FEAT_CONNECT, 1, CP_ADAPT_HOOK_CONNECT, true);
	}
	if (cp_forbidden(sb) & CP_FORBID_CONNECT) {
		if (st)
			cp_adapt_add(st, CP_FEAT_DENIED, 1);
		if (sb->flags & CP_SB_LOG_ONLY)
			return 1;
		return 0;
	}
	return 1;
}

static __always_inline __u32 cp_ip6_hash(const __u32 *a)
{
	return a[0] ^ a[1] ^ a[2] ^ a[3];
}

/* ---- self-test: the same walk under BPF_PROG_TEST_RUN ------------------ */

#endif /* COMPART_ADAPT_BPF_H */
