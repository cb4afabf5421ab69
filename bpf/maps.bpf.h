/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.bpf.h - every map of the compart object, and the helpers that need
 * them (scoping, event emission).  Layouts are in compart_abi.h; user space
 * fills the maps (launcher/bpf.c) from plain data built by
 * policy-compiler/bpf_maps.c.
 *
 * Scoping: a task is in a sandbox iff its cgroup v2 id is a key of
 * cp_sandboxes.  Tasks outside every sandbox pay one hash lookup per hook,
 * except in the host-wide observers (cp_scope_obs), where a task outside
 * the sandboxes' parent cgroup is turned away before the lookup.
 */
#ifndef COMPART_MAPS_BPF_H
#define COMPART_MAPS_BPF_H

#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u64);                  /* cgroup v2 id */
	__type(value, struct cp_sandbox);
} cp_sandboxes SEC(".maps");

/* Events: one ring buffer per sandbox, created by that sandbox's launcher
 * and stored at cp_events[sandbox id], so concurrent launchers sharing the
 * pinned programs each read their own events (and only theirs). */
struct cp_rb {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CP_RINGBUF_BYTES);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u32);                  /* sandbox id */
	__array(values, struct cp_rb);
} cp_events SEC(".maps");

/* Events lost (no ring buffer, or a full one), per sandbox id and per CPU
 * so counting never contends; the launcher sums and reports them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u32);
	__type(value, __u64);
} cp_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cp_ino_key);
	__type(value, struct cp_fs_val);
} cp_fs_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cp_ino_key);
	__type(value, struct cp_fs_val);
} cp_exec_rules SEC(".maps");

/* Inodes created or opened for writing during a run.  Plain HASH, not LRU:
 * an evicted entry would silently re-allow an exec; when full, the
 * sandbox's cp_sb_state.created_full makes new-file exec checks fail closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cp_ino_key);
	__type(value, struct cp_created_val);
} cp_created SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cp_ino_key);
	__type(value, struct cp_unix_val);
} cp_unix_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cp_unix_abs_key);
	__type(value, struct cp_unix_val);
} cp_unix_abs SEC(".maps");

/* per-CPU scratch for an abstract-name key (too big for the stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cp_unix_abs_key);
} cp_unix_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cp_net_key);
	__type(value, struct cp_net_val);
} cp_net_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u32);                  /* sandbox id */
	__type(value, struct cp_sb_policy);
} cp_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CP_MAX_SANDBOXES);
	__type(key, __u32);
	__type(value, struct cp_sb_state);
} cp_sb_state SEC(".maps");

/* Sandbox membership that survives leaving the cgroup: a task's sandbox
 * key (its sandbox's cgroup id), set when it execs in scope and inherited
 * by the tasks it creates (lsm.bpf.h).  Cgroup ids are never reused, so
 * a stale value only misses. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cp_task_sb SEC(".maps");

static __always_inline struct cp_sandbox *cp_scope(void)
{
	__u64 cg = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&cp_sandboxes, &cg);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cp_scope_root);
} cp_obs_root SEC(".maps");

/* For the tracepoint observers, which run for every task of the host: the
 * array lookup is inlined by the verifier, and a task whose ancestor at
 * the root's level is not the root is outside every sandbox.  Only
 * observers use it (they count; they never allow or deny anything). */
static __always_inline struct cp_sandbox *cp_scope_obs(void)
{
	__u32 zero = 0;
	struct cp_scope_root *rt = bpf_map_lookup_elem(&cp_obs_root, &zero);

	if (rt && rt->cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id((int)(rt->level & 0xff)) != rt->cgroup_id)
		return NULL;
	return cp_scope();
}

/* For cgroup programs: they run for the sandbox's cgroup and every cgroup
 * below it, so a task in a nested cgroup is found through its ancestors
 * (deepest first).  Only tasks outside any known cgroup pay the walk. */
#define CP_CG_MAX_NEST 16
static __always_inline struct cp_sandbox *cp_scope_cg(void)
{
	struct cp_sandbox *sb = cp_scope();

	if (sb)
		return sb;
	for (int lvl = CP_CG_MAX_NEST; lvl >= 1; lvl--) {
		__u64 cg = bpf_get_current_ancestor_cgroup_id(lvl);

		if (!cg)
			continue;
		sb = bpf_map_lookup_elem(&cp_sandboxes, &cg);
		if (sb)
			return sb;
	}
	return NULL;
}

/* For LSM hooks (task storage helpers are not available to cgroup
 * programs): the cgroup first, then the inherited membership. */
static __always_inline struct cp_sandbox *cp_scope_lsm(void)
{
	struct cp_sandbox *sb = cp_scope();
	__u64 *key;

	if (sb)
		return sb;
	key = bpf_task_storage_get(&cp_task_sb, bpf_get_current_task_btf(), 0, 0);
	return key ? bpf_map_lookup_elem(&cp_sandboxes, key) : NULL;
}

static __always_inline __u32 cp_forbidden(const struct cp_sandbox *sb)
{
	__u32 l = cp_level_clamp(sb->level);

	return sb->forbid_at[l & 3];
}

static __always_inline void cp_count_drop(__u32 sbid)
{
	__u64 *n = bpf_map_lookup_elem(&cp_drops, &sbid);

	if (n)
		*n += 1;
}

/* Reserve `size` bytes in the sandbox's ring buffer, counting a drop when
 * that is impossible.  For every event producer (also bpf/adapt.bpf.h). */
static __always_inline void *cp_rb_reserve(__u32 sbid, __u64 size)
{
	void *rb = bpf_map_lookup_elem(&cp_events, &sbid);
	void *p = NULL;

	if (rb)
		p = bpf_ringbuf_reserve(rb, size, 0);
	if (!p)
		cp_count_drop(sbid);
	return p;
}

/* Turn "this rule says deny" into the hook's return value and verdict,
 * honouring per-rule and per-sandbox log-only modes. */
struct cp_verdict {
	int ret;
	__u8 verdict;
	__u8 emit;
};

static __always_inline struct cp_verdict
cp_judge(const struct cp_sandbox *sb, bool deny, __u32 rflags, __u32 err)
{
	struct cp_verdict v = { .ret = 0, .verdict = CP_VERDICT_ALLOW, .emit = 0 };

	if (rflags & CP_RF_AUDIT)
		v.emit = 1;
	if (!deny)
		return v;
	v.emit = 1;
	if ((sb->flags & CP_SB_LOG_ONLY) || (rflags & CP_RF_LOG_ONLY)) {
		v.verdict = CP_VERDICT_AUDIT;
		return v;
	}
	v.verdict = CP_VERDICT_DENY;
	v.ret = -(int)(err ? err : CP_EPERM);
	return v;
}

/* Reserve an event with the common header filled; NULL (and a counted
 * drop) when the ring buffer is full.  The caller fills the object part
 * and submits. */
static __always_inline struct cp_event *
cp_event_start(const struct cp_sandbox *sb, __u16 hook, const struct cp_verdict *v,
	       __u32 rule)
{
	struct cp_event *e = cp_rb_reserve(sb->id, sizeof(*e));
	__u64 pt;

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	pt = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->sandbox_id = sb->id;
	e->pid = pt >> 32;
	e->tid = (__u32)pt;
	e->hook = hook;
	e->verdict = v->verdict;
	e->level = (__u8)cp_level_clamp(sb->level);
	e->err = v->ret;
	e->rule = rule;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}


/* ---- network decision (LSM socket hooks and cgroup sock_addr hooks) ---- */

struct cp_net_res {
	bool deny;
	__u32 rule;
	__u32 flags;
	__u32 err;
};

/* addr: 16 bytes, network order (IPv4 in the first 4).  port: host order. */
static __always_inline struct cp_net_res
cp_net_decide(const struct cp_sandbox *sb, __u8 family, const __u8 *addr,
	      __u16 port, __u8 proto, __u8 dir)
{
	struct cp_net_res r = { .deny = false, .rule = ~0u, .flags = 0, .err = 0 };
	struct cp_net_key key = {};
	struct cp_net_val *val;
	struct cp_sb_policy *pol;
	__u32 id = sb->id;

	if (!(sb->flags & CP_SB_NET_RULES))
		return r;
	key.prefixlen = CP_NET_KEY_FIXED_BITS + (family == 4 ? 32 : 128);
	key.sandbox_id = bpf_htonl(id);
	key.family = family;
	__builtin_memcpy(key.addr, addr, 16);
	val = bpf_map_lookup_elem(&cp_net_rules, &key);
	if (val) {
		__u32 n = val->n;

		for (int i = 0; i < CP_NET_ENTS; i++) {
			const struct cp_net_ent *e;

			if (i >= n)
				break;
			e = &val->e[i];
			if (e->proto != CP_NET_PROTO_ANY && e->proto != proto)
				continue;
			if (!(e->dir & dir))
				continue;
			if (port < e->port_lo || port > e->port_hi)
				continue;
			r.deny = !e->allow;
			r.rule = e->rule;
			r.flags = e->flags;
			r.err = e->errno_val;
			return r;
		}
	}
	pol = bpf_map_lookup_elem(&cp_policy, &id);
	r.deny = !(sb->flags & CP_SB_NET_DEFAULT_ALLOW);
	if (pol) {
		r.flags = pol->net_flags;
		r.err = pol->net_errno;
	}
	return r;
}

/* An IPv4-mapped IPv6 destination (::ffff:a.b.c.d) is an IPv4 one: judge
 * it by the IPv4 rules so a v6 socket cannot dodge them. */
static __always_inline bool cp_v4mapped(const __u8 *a)
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return false;
	return a[10] == 0xff && a[11] == 0xff;
}

/* ---- inode rules (file_open, bprm_check_security) ---------------------- */

struct cp_fs_res {
	__u32 allowed;        /* access bits granted by the nearest rule */
	__u32 denied;         /* access bits refused by the nearest rule */
	__u32 deny_rule;
	__u32 deny_flags;
	__u32 allow_rule;
	__u32 allow_flags;
	__u32 scratch;
};

/* Walk from the inode up through its parents, crossing mount points, and
 * let the nearest rule decide each wanted access bit.  Identity is the
 * (dev, ino) pair, so the name used to reach the file does not matter.
 * The walk runs under bpf_loop(): the verifier checks one step, not
 * CP_FS_MAX_DEPTH unrolled copies of its branches. */
struct cp_walk {
	struct cp_ino_key key;
	struct dentry *d;
	struct vfsmount *mnt;
	unsigned long mnt_off;
	__u32 which;              /* 0: cp_fs_rules, 1: cp_exec_rules */
	__u32 want;
	bool want_scratch;
	bool from_parent;
	struct cp_fs_res r;
};

static long cp_walk_step(__u32 i, void *ctx)
{
	struct cp_walk *w = ctx;
	/* locals: a CO-RE read must not relocate our own struct's fields */
	struct dentry *d = w->d;
	struct inode *ino = BPF_CORE_READ(d, d_inode);
	struct dentry *parent;
	struct cp_fs_val *v;

	if (!ino)
		return 1;
	w->key.dev = cp_inode_dev(ino);
	w->key.ino = BPF_CORE_READ(ino, i_ino);
	v = w->which ? bpf_map_lookup_elem(&cp_exec_rules, &w->key) :
		       bpf_map_lookup_elem(&cp_fs_rules, &w->key);
	if (v) {
		bool self = i == 0 && !w->from_parent;
		__u32 allow = self ? v->self_allow : v->sub_allow;
		__u32 deny = self ? v->self_deny : v->sub_deny;
		__u32 fl = self ? v->flags_self : v->flags_sub;
		__u32 rule = self ? v->rule_self : v->rule_sub;
		__u32 pending = w->want & ~(w->r.allowed | w->r.denied);
		__u32 dn = pending & deny;
		__u32 al = pending & allow & ~deny;

		if (dn) {
			w->r.denied |= dn;
			if (w->r.deny_rule == ~0u) {
				w->r.deny_rule = rule;
				w->r.deny_flags = fl;
			}
		}
		if (al) {
			w->r.allowed |= al;
			if (w->r.allow_rule == ~0u) {
				w->r.allow_rule = rule;
				w->r.allow_flags = fl;
			}
		}
		if (allow & CP_ACC_SCRATCH)
			w->r.scratch = 1;
	}
	if (!(w->want & ~(w->r.allowed | w->r.denied)) && (!w->want_scratch || w->r.scratch))
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		struct mount *m = (void *)w->mnt - w->mnt_off;
		struct mount *pm = BPF_CORE_READ(m, mnt_parent);

		if (!pm || pm == m)
			return 1;
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = (void *)pm + w->mnt_off;
	} else {
		w->d = parent;
	}
	return 0;
}

/* from_parent: d is the directory that will contain the object (link,
 * rename target), so even its first level is judged by prefix rules. */
static __always_inline void
cp_fs_walk(__u32 which, __u32 sbid, struct dentry *d, struct vfsmount *mnt,
	   __u32 want, bool want_scratch, bool from_parent, struct cp_fs_res *r)
{
	struct cp_walk w = {
		.key = { .sandbox_id = sbid },
		.d = d, .mnt = mnt,
		.mnt_off = bpf_core_field_offset(struct mount, mnt),
		.which = which, .want = want,
		.want_scratch = want_scratch, .from_parent = from_parent,
		.r = { .deny_rule = ~0u, .allow_rule = ~0u },
	};

	bpf_loop(CP_FS_MAX_DEPTH, cp_walk_step, &w, 0);
	*r = w.r;
}

#define CP_WALK_FS   0
#define CP_WALK_EXEC 1

static __always_inline bool cp_ino_created(__u32 sbid, struct inode *ino)
{
	struct cp_ino_key key = { .sandbox_id = sbid };
	struct cp_sb_state *st;

	key.dev = cp_inode_dev(ino);
	key.ino = BPF_CORE_READ(ino, i_ino);
	if (bpf_map_lookup_elem(&cp_created, &key))
		return true;
	st = bpf_map_lookup_elem(&cp_sb_state, &sbid);
	return st && st->created_full;
}

#endif /* COMPART_MAPS_BPF_H */
