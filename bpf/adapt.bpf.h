/* SPDX-License-Identifier: GPL-2.0 */
/*
 * adapt.bpf.h - adaptive containment: behaviour observer, feature window,
 * and the in-kernel decision-tree walk that raises cp_sandbox.level.
 *
 * The level is raised here, in the program that saw the event, and not by
 * user space after reading a record: between a decision and its effect no
 * other operation of the sandbox can slip through, and the enforcement
 * hooks (lsm.bpf.h, cgroup.bpf.h, and the connect hooks below) read the
 * new level on their next call.
 *
 * Event sources are chosen so that processes OUTSIDE every sandbox pay
 * only on the operations that matter (no raw sys_enter tracepoint, which
 * taxes every syscall on the host, and no kprobes, which hosts like the
 * project's baseline lack): sched_process_fork/exec, filesystem and
 * cap_capable tracepoints (tp_btf), and cgroup sock_addr / skb hooks,
 * which only ever run for the sandbox's own cgroup.  Where BPF LSM is
 * active, lsm.bpf.h also calls cp_adapt_event() / cp_adapt_file_open()
 * from its hooks, which decide before the operation.
 *
 * Included by compart.bpf.c right after maps.bpf.h, so that the
 * enforcement programs can call cp_adapt_event() / cp_adapt_note_denied().
 */
#ifndef COMPART_ADAPT_BPF_H
#define COMPART_ADAPT_BPF_H

#include "common.bpf.h"
#include "maps.bpf.h"

#define CP_ADAPT_RB_BYTES (256 * 1024)
#define CP_PROT_EXEC_BIT   0x4
#define CP_MAP_ANONYMOUS   0x20
#define CP_O_TRUNC         01000
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

#if defined(__BPF_CPU_VERSION__) && __BPF_CPU_VERSION__ >= 3
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

SEC("tp_btf/sched_process_fork")
int BPF_PROG(cp_adapt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;

	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	cp_adapt_count(sb, st, CP_FEAT_FORK, 1, CP_ADAPT_HOOK_FORK, false);
	return 0;
}

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

SEC("tp_btf/sched_process_exec")
int BPF_PROG(cp_adapt_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;
	struct inode *ino;
	struct cp_ino_key k;

	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	/* for #! scripts bprm->file is the interpreter by now; the file the
	 * sandbox asked to run is bprm->executable (5.8+) */
	struct file *exe = NULL;

	if (bpf_core_field_exists(bprm->executable))
		exe = BPF_CORE_READ(bprm, executable);
	if (!exe)
		exe = BPF_CORE_READ(bprm, file);
	ino = BPF_CORE_READ(exe, f_inode);
	k.sandbox_id = sb->id;
	k.dev = cp_inode_dev(ino);
	k.ino = BPF_CORE_READ(ino, i_ino);
	/* created during the run: recorded at open (O_CREAT), or changed
	 * since the sandbox started (covers rename/link/chmod +x) */
	if (!(st->flags & CP_ADAPT_F_LSM_FILES) &&
	    (bpf_map_lookup_elem(&cp_created, &k) ||
	     cp_inode_ctime(ino) >= (__s64)st->start_real_s))
		cp_adapt_add(st, CP_FEAT_EXEC_NEW, 1);
	if (cp_stdio_is_socket(p))
		cp_adapt_add(st, CP_FEAT_EXEC_SOCKET, 1);
	cp_adapt_count(sb, st, CP_FEAT_EXEC, 1, CP_ADAPT_HOOK_EXEC, true);
	return 0;
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
 *                           file with no links left, it was unlinked.
 * So on such hosts: open_write = distinct regular files written,
 * bytes_written_kb = newly dirtied pages, dirs_written = distinct
 * directories changed, rename = directory-entry changes (creates count
 * too), unlink = files whose last link went.  Where BPF LSM is active,
 * lsm.bpf.h reports opens, renames and unlinks exactly through
 * cp_adapt_file_open() and cp_adapt_event(). */

#define CP_PAGE_BYTES 4096

static __always_inline __u32 cp_inode_type(const struct inode *ino)
{
	return BPF_CORE_READ(ino, i_mode) & CP_S_IFMT;
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(cp_adapt_dirty, struct folio *folio, struct address_space *mapping)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;
	struct inode *ino;

	if (!mapping || !sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	ino = BPF_CORE_READ(mapping, host);
	if (!ino || cp_inode_type(ino) != CP_S_IFREG)
		return 0;
	__sync_fetch_and_add(&st->cur_bytes[CP_ADAPT_BYTES_WRITTEN], CP_PAGE_BYTES);

	/* remember the inode as written during the run (exec_new,
	 * unlink_old, and lsm.bpf.h's exec-new rule read cp_created); exact,
	 * unlike the bucket's filter, so that a filter collision never makes
	 * a file written here look pre-existing */
	struct cp_ino_key k = {
		.sandbox_id = sb->id,
		.dev = cp_inode_dev(ino),
		.ino = BPF_CORE_READ(ino, i_ino),
	};

	if (!bpf_map_lookup_elem(&cp_created, &k)) {
		struct cp_created_val v = { .ts_ns = bpf_ktime_get_ns(), .how = CP_CREATED_WRITTEN };

		bpf_map_update_elem(&cp_created, &k, &v, BPF_NOEXIST);
	}
	if (!(st->flags & CP_ADAPT_F_LSM_FILES) &&
	    cp_bloom_first(st->file_bloom, k.ino * 0x9e3779b97f4a7c15ULL))
		cp_adapt_count(sb, st, CP_FEAT_OPEN_WRITE, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

static __always_inline int cp_adapt_ctime(struct inode *ino)
{
	struct cp_sandbox *sb = cp_scope();
	struct cp_adapt_state *st;
	__u32 type;

	if (!ino || !sb || !(st = cp_adapt_state_of(sb)) || (st->flags & CP_ADAPT_F_LSM_FILES))
		return 0;
	type = cp_inode_type(ino);
	if (type == CP_S_IFDIR) {
		if (cp_bloom_first(st->dir_bloom, BPF_CORE_READ(ino, i_ino) * 0x9e3779b97f4a7c15ULL))
			cp_adapt_add(st, CP_FEAT_DIRS_WRITTEN, 1);
		cp_adapt_count(sb, st, CP_FEAT_RENAME, 1, CP_ADAPT_HOOK_TICK, false);
	} else if (type == CP_S_IFREG && BPF_CORE_READ(ino, __i_nlink) == 0) {
		struct cp_ino_key k = {
			.sandbox_id = sb->id,
			.dev = cp_inode_dev(ino),
			.ino = BPF_CORE_READ(ino, i_ino),
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

/* filesystems without multigrain timestamps */
SEC("tp_btf/inode_set_ctime_to_ts")
int BPF_PROG(cp_adapt_ctime_set, struct inode *inode, struct timespec64 *ts)
{
	return cp_adapt_ctime(inode);
}

/* multigrain-timestamp filesystems (ext4, xfs, btrfs, tmpfs since 6.13):
 * an update either swaps the ctime or is skipped as already current; both
 * are one change of the inode */
SEC("tp_btf/ctime_ns_xchg")
int BPF_PROG(cp_adapt_ctime_xchg, struct inode *inode, __u32 old, __u32 new, __u32 cur)
{
	return cp_adapt_ctime(inode);
}

SEC("tp_btf/ctime_xchg_skip")
int BPF_PROG(cp_adapt_ctime_skip, struct inode *inode, struct timespec64 *ctime)
{
	return cp_adapt_ctime(inode);
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

SEC("tp_btf/cap_capable")
int BPF_PROG(cp_adapt_capable, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *ns, int cap, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	switch (cap) {
	case CP_CAP_SETGID: case CP_CAP_SETUID: case CP_CAP_SYS_MODULE: case CP_CAP_SYS_RAWIO:
	case CP_CAP_SYS_PTRACE: case CP_CAP_BPF:
		break;
	default:
		return 0;
	}
	sb = cp_scope();
	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	cp_adapt_count(sb, st, CP_FEAT_PRIV_ATTEMPT, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

/* ---- observers where BPF LSM is active --------------------------------- */

/* Exact versions of what the tracepoints above approximate, run before
 * the operation (so the level a decision sets already applies to it when
 * the enforcement hook of lsm.bpf.h runs after this one: compart.bpf.c
 * includes this file first, and programs on one hook run in load order).
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

SEC("lsm/file_open")
int BPF_PROG(cp_adapt_lsm_open, struct file *file, int ret)
{
	struct cp_sandbox *sb;

	if (ret || !cp_adapt_lsm_scope(&sb))
		return ret;
	cp_adapt_file_open(sb, file);
	return 0;
}

SEC("lsm/path_rename")
int BPF_PROG(cp_adapt_lsm_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	if (ret || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	cp_adapt_count(sb, st, CP_FEAT_RENAME, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

SEC("lsm/path_unlink")
int BPF_PROG(cp_adapt_lsm_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;
	struct inode *ino;

	if (ret || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	ino = BPF_CORE_READ(dentry, d_inode);
	if (ino && cp_inode_type(ino) == CP_S_IFREG) {
		struct cp_ino_key k = {
			.sandbox_id = sb->id,
			.dev = cp_inode_dev(ino),
			.ino = BPF_CORE_READ(ino, i_ino),
		};

		if (cp_inode_mtime(ino) < (__s64)st->start_real_s &&
		    !bpf_map_lookup_elem(&cp_created, &k))
			cp_adapt_add(st, CP_FEAT_UNLINK_OLD, 1);
	}
	cp_adapt_count(sb, st, CP_FEAT_UNLINK, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

SEC("lsm/path_truncate")
int BPF_PROG(cp_adapt_lsm_truncate, const struct path *path, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	if (ret || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	cp_adapt_count(sb, st, CP_FEAT_TRUNCATE, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

/* Before the exec happens, and with the script itself (not its
 * interpreter) in bprm->file: exec_new is exact here, and the decision
 * applies to this very exec. */
SEC("lsm/bprm_check_security")
int BPF_PROG(cp_adapt_lsm_exec, struct linux_binprm *bprm, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;
	struct inode *ino;
	struct cp_ino_key k;

	if (ret || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	ino = BPF_CORE_READ(bprm, file, f_inode);
	k.sandbox_id = sb->id;
	k.dev = cp_inode_dev(ino);
	k.ino = BPF_CORE_READ(ino, i_ino);
	if (bpf_map_lookup_elem(&cp_created, &k) || cp_inode_ctime(ino) >= (__s64)st->start_real_s)
		cp_adapt_add(st, CP_FEAT_EXEC_NEW, 1);
	cp_adapt_decide(sb, st, CP_ADAPT_HOOK_EXEC);
	return 0;
}

SEC("lsm/file_mprotect")
int BPF_PROG(cp_adapt_lsm_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	if (ret || !(prot & CP_PROT_EXEC_BIT) || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	cp_adapt_count(sb, st, CP_FEAT_PROT_EXEC, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
}

/* executable anonymous memory (JIT or shellcode); library mappings are
 * the loader's routine and are not counted */
SEC("lsm/mmap_file")
int BPF_PROG(cp_adapt_lsm_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct cp_sandbox *sb;
	struct cp_adapt_state *st;

	if (ret || file || !(prot & CP_PROT_EXEC_BIT) || !(st = cp_adapt_lsm_scope(&sb)))
		return ret;
	cp_adapt_count(sb, st, CP_FEAT_PROT_EXEC, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
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

SEC("lsm/sb_mount")
int BPF_PROG(cp_adapt_lsm_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	return cp_adapt_lsm_priv(ret);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(cp_adapt_lsm_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	return cp_adapt_lsm_priv(ret);
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

SEC("cgroup/connect4")
int cp_adapt_connect4(struct bpf_sock_addr *ctx)
{
	return cp_adapt_sock(ctx->user_ip4, ctx->user_port);
}

SEC("cgroup/connect6")
int cp_adapt_connect6(struct bpf_sock_addr *ctx)
{
	__u32 a[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	return cp_adapt_sock(cp_ip6_hash(a), ctx->user_port);
}

SEC("cgroup/sendmsg4")
int cp_adapt_sendmsg4(struct bpf_sock_addr *ctx)
{
	return cp_adapt_sock(ctx->user_ip4, ctx->user_port);
}

SEC("cgroup/sendmsg6")
int cp_adapt_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u32 a[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	return cp_adapt_sock(cp_ip6_hash(a), ctx->user_port);
}

SEC("cgroup_skb/egress")
int cp_adapt_egress(struct __sk_buff *skb)
{
	__u64 cg = bpf_skb_cgroup_id(skb);
	struct cp_sandbox *sb = bpf_map_lookup_elem(&cp_sandboxes, &cg);
	struct cp_adapt_state *st;

	if (sb && (st = cp_adapt_state_of(sb)))
		__sync_fetch_and_add(&st->cur_bytes[CP_ADAPT_BYTES_SENT], skb->len);
	return 1;
}

/* ---- self-test: the same walk under BPF_PROG_TEST_RUN ------------------ */

SEC("syscall")
int cp_adapt_selftest(struct cp_adapt_test *t)
{
	struct cp_decision d;
	__u16 leaf = 0;

	__builtin_memset(&d, 0, sizeof(d));
	for (int i = 0; i < CP_FEAT_COUNT; i++)
		d.feat.v[i] = t->v[i];
	t->level = cp_tree_walk(t->sandbox_id, &d, &leaf);
	t->depth = d.depth;
	t->leaf = leaf;
	for (int i = 0; i < CP_TREE_MAX_DEPTH; i++) {
		t->path_node[i] = d.path_node[i];
		t->path_left[i] = d.path_left[i];
	}
	return 0;
}

#endif /* COMPART_ADAPT_BPF_H */
