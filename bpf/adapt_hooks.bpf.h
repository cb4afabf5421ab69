/* SPDX-License-Identifier: GPL-2.0 */
/*
 * adapt_hooks.bpf.h - the programs of adaptive containment: observers
 * (tracepoints, BPF LSM hooks, cgroup hooks) and the BPF_PROG_TEST_RUN
 * self-test.  The maps and the logic they share with the enforcement
 * hooks are in adapt.bpf.h.
 *
 * compart.bpf.c includes this file LAST, on purpose: programs on one BPF
 * LSM hook run in reverse attach order (the trampoline adds each new
 * program at the head of its list) and the loader attaches in object
 * order, so an observer defined after lsm.bpf.h's enforcement hook of the
 * same operation runs before it.  The observer decides first; the
 * enforcement hook then already sees the new level, and the operation
 * that tipped the model is itself refused.
 */
#ifndef COMPART_ADAPT_HOOKS_BPF_H
#define COMPART_ADAPT_HOOKS_BPF_H

#include "adapt.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(cp_adapt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct cp_sandbox *sb = cp_scope_obs();
	struct cp_adapt_state *st;

	__s32 live;

	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	__sync_fetch_and_add(&st->live_tasks, 1);
	live = st->live_tasks;
	if (live > 0 && (__u32)live > st->cur[CP_FEAT_TASKS_PEAK])
		st->cur[CP_FEAT_TASKS_PEAK] = (__u32)live;
	cp_adapt_count(sb, st, CP_FEAT_FORK, 1, CP_ADAPT_HOOK_FORK, false);
	return 0;
}

/* Only the task pointer is read: 6.1 passes just that, later kernels
 * also group_dead. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(cp_adapt_task_exit, struct task_struct *p)
{
	struct cp_sandbox *sb = cp_scope_obs();
	struct cp_adapt_state *st;

	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	__sync_fetch_and_add(&st->live_tasks, -1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(cp_adapt_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cp_sandbox *sb = cp_scope_obs();
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

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(cp_adapt_dirty, struct folio *folio, struct address_space *mapping)
{
	struct cp_sandbox *sb = cp_scope_obs();
	struct cp_adapt_state *st;
	struct inode *ino;

	if (!mapping || !sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	/* the per-page path: direct (BTF) loads, not bpf_probe_read_kernel
	 * calls - mapping is a typed tracepoint argument */
	ino = mapping->host;
	if (!ino || (ino->i_mode & CP_S_IFMT) != CP_S_IFREG)
		return 0;
	__sync_fetch_and_add(&st->cur_bytes[CP_ADAPT_BYTES_WRITTEN], CP_PAGE_BYTES);

	/* First write to this file in the bucket: remember the inode as
	 * written during the run (cp_created: lsm.bpf.h's exec-new rule and
	 * the checks below read it).  Only on the filter's first sighting, so
	 * that the per-page path stays one lookup; a filter collision can
	 * only miss an entry, and the checks that read cp_created also
	 * accept ctime/mtime newer than the sandbox. */
	__u64 ino_nr = ino->i_ino;

	if (cp_bloom_first(st->file_bloom, ino_nr * 0x9e3779b97f4a7c15ULL)) {
		struct cp_ino_key k = {
			.sandbox_id = sb->id,
			.dev = cp_inode_dev(ino),
			.ino = ino_nr,
		};
		struct cp_created_val v = { .ts_ns = bpf_ktime_get_ns(), .how = CP_CREATED_WRITTEN };

		bpf_map_update_elem(&cp_created, &k, &v, BPF_NOEXIST);
		if (!(st->flags & CP_ADAPT_F_LSM_FILES))
			cp_adapt_count(sb, st, CP_FEAT_OPEN_WRITE, 1, CP_ADAPT_HOOK_TICK, false);
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
	sb = cp_scope_obs();
	if (!sb || !(st = cp_adapt_state_of(sb)))
		return 0;
	cp_adapt_count(sb, st, CP_FEAT_PRIV_ATTEMPT, 1, CP_ADAPT_HOOK_TICK, false);
	return 0;
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

#endif /* COMPART_ADAPT_HOOKS_BPF_H */
