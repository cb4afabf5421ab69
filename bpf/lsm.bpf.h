/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lsm.bpf.h - BPF LSM programs: argument-aware decisions on kernel objects
 * (inodes, binaries, socket addresses, tasks, mounts, mappings).
 *
 * Every hook first honours an earlier LSM's denial, then returns at once
 * for tasks outside every sandbox.  The containment level (set by the
 * adaptive model) is checked before the profile's rules because it only
 * ever tightens.  These programs are loaded only where BPF LSM is active;
 * elsewhere the loader turns their autoload off and reports the layer as
 * unavailable.
 */
#ifndef COMPART_LSM_BPF_H
#define COMPART_LSM_BPF_H

#include "maps.bpf.h"

static __always_inline void cp_mark_created(__u32 sbid, struct inode *ino, __u32 how)
{
	struct cp_ino_key key = { .sandbox_id = sbid };
	struct cp_created_val *old, val = {};

	key.dev = cp_inode_dev(ino);
	key.ino = BPF_CORE_READ(ino, i_ino);
	old = bpf_map_lookup_elem(&cp_created, &key);
	if (old) {
		if ((old->how & how) != how)
			old->how |= how;   /* racy but monotonic: a bit lost to a race is re-set on the next open */
		return;
	}
	val.ts_ns = bpf_ktime_get_ns();
	val.how = how;
	if (bpf_map_update_elem(&cp_created, &key, &val, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&cp_created, &key)) {
		struct cp_sb_state *st = bpf_map_lookup_elem(&cp_sb_state, &sbid);

		if (st)
			st->created_full = 1;
	}
}

/* The inode-rule and write-gating verdict for `acc` on the object at
 * (d, mnt).  Returns true to deny, with the deciding rule and its flags. */
static __always_inline bool
cp_fs_decide(const struct cp_sandbox *sb, struct dentry *d, struct vfsmount *mnt, __u32 acc,
	     bool from_parent, __u32 *rule, __u32 *rflags)
{
	bool fs_rules = sb->flags & CP_SB_FS_RULES;
	bool gate_w = (cp_forbidden(sb) & CP_FORBID_WRITE) && (acc & CP_ACC_WRITE);
	struct cp_fs_res r;

	*rule = CP_RULE_NONE;
	*rflags = 0;
	if (!fs_rules && !gate_w)
		return false;
	cp_fs_walk(CP_WALK_FS, sb->id, d, mnt, fs_rules ? acc : 0, gate_w, from_parent, &r);
	if (fs_rules) {
		if (r.denied) {
			*rule = r.deny_rule;
			*rflags = r.deny_flags;
			return true;
		}
		if (acc & ~r.allowed) {
			*rule = CP_RULE_DEFAULT;
			return true;
		}
		*rule = r.allow_rule;
		*rflags = r.allow_flags;
	}
	if (gate_w && !r.scratch) {
		*rule = CP_RULE_LEVEL;
		*rflags = 0;
		return true;
	}
	return false;
}

SEC("lsm.s/file_open")
int BPF_PROG(cp_file_open, struct file *file, int ret)
{
	struct cp_sandbox *sb;
	struct inode *ino;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 fmode, acc, rule, rflags;
	bool deny;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	fmode = BPF_CORE_READ(file, f_mode);
	acc = cp_acc_from_fmode(fmode);
	ino = BPF_CORE_READ(file, f_inode);
	deny = cp_fs_decide(sb, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
			    acc, false, &rule, &rflags);
	v = cp_judge(sb, deny, rflags, sb->errno_deny);

	if (ino && ((sb->flags & (CP_SB_DENY_EXEC_NEW | CP_SB_ADAPT)) ||
		    (sb->forbid_at[3] & CP_FORBID_EXEC_NEW))) {
		__u32 how = 0;

		if (fmode & CP_FMODE_CREATED)
			how |= CP_CREATED_NEW;
		if ((fmode & CP_FMODE_WRITE) && !v.ret)
			how |= CP_CREATED_WRITTEN;
		if (how)
			cp_mark_created(sb->id, ino, how);
	}

	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_FILE_OPEN, &v, rule);
		if (e) {
			if (ino) {
				e->ino = BPF_CORE_READ(ino, i_ino);
				e->dev = cp_inode_dev(ino);
			}
			e->arg = acc;
			bpf_d_path((struct path *)&file->f_path, e->path, sizeof(e->path));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

/* Namespace changes under the inode rules: the directory being changed
 * needs write access.  (Only where BPF LSM runs; Landlock covers the
 * same operations elsewhere.) */
static __always_inline int cp_path_op(const struct path *dir, struct dentry *d, __u32 acc,
				      __u16 hook, __u32 arg)
{
	struct cp_sandbox *sb = cp_scope_lsm();
	struct cp_verdict v;
	struct cp_event *e;
	__u32 rule, rflags;
	bool deny;

	if (!sb)
		return 0;
	deny = cp_fs_decide(sb, BPF_CORE_READ(dir, dentry), BPF_CORE_READ(dir, mnt), acc, false,
			    &rule, &rflags);
	v = cp_judge(sb, deny, rflags, sb->errno_deny);
	if (v.emit) {
		e = cp_event_start(sb, hook, &v, rule);
		if (e) {
			e->arg = arg;
			bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(d, d_name.name));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

/* A new name must not grant more than the old one had: otherwise a link
 * or a rename out of a denied directory into an allowed one would be an
 * escape (Landlock's "refer" rule). */
static __always_inline int cp_refer(struct dentry *old, struct vfsmount *old_mnt,
				    const struct path *new_dir, struct dentry *newd, __u16 hook)
{
	struct cp_sandbox *sb = cp_scope_lsm();
	struct cp_fs_res ro, rn;
	struct cp_verdict v;
	struct cp_event *e;
	const __u32 all = CP_ACC_READ | CP_ACC_WRITE | CP_ACC_EXEC;
	__u32 rule = CP_RULE_NONE, rflags = 0;
	bool deny;

	if (!sb)
		return 0;
	/* the directory itself is modified */
	deny = cp_fs_decide(sb, BPF_CORE_READ(new_dir, dentry), BPF_CORE_READ(new_dir, mnt),
			    CP_ACC_WRITE, false, &rule, &rflags);
	if (!deny && (sb->flags & CP_SB_FS_RULES)) {
		cp_fs_walk(CP_WALK_FS, sb->id, old, old_mnt, all, false, false, &ro);
		cp_fs_walk(CP_WALK_FS, sb->id, BPF_CORE_READ(new_dir, dentry),
			   BPF_CORE_READ(new_dir, mnt), all, false, true, &rn);
		if (rn.allowed & ~ro.allowed) {
			deny = true;
			rule = ro.denied ? ro.deny_rule : CP_RULE_DEFAULT;
			rflags = ro.deny_flags;
		}
	}
	v = cp_judge(sb, deny, rflags, sb->errno_deny);
	if (v.emit) {
		e = cp_event_start(sb, hook, &v, rule);
		if (e) {
			struct inode *ino = BPF_CORE_READ(old, d_inode);

			if (ino) {
				e->ino = BPF_CORE_READ(ino, i_ino);
				e->dev = cp_inode_dev(ino);
			}
			bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(old, d_name.name));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

SEC("lsm/path_link")
int BPF_PROG(cp_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	/* links cannot cross mounts: the old name is on new_dir's mount */
	return cp_refer(old_dentry, BPF_CORE_READ(new_dir, mnt), new_dir, new_dentry,
			CP_HOOK_PATH_LINK);
}

#define CP_RENAME_EXCHANGE 2

SEC("lsm/path_rename")
int BPF_PROG(cp_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = cp_path_op(old_dir, old_dentry, CP_ACC_WRITE, CP_HOOK_FILE_RENAME, flags);
	if (!ret)
		ret = cp_refer(old_dentry, BPF_CORE_READ(old_dir, mnt), new_dir, new_dentry,
			       CP_HOOK_FILE_RENAME);
	if (!ret && (flags & CP_RENAME_EXCHANGE) && BPF_CORE_READ(new_dentry, d_inode))
		ret = cp_refer(new_dentry, BPF_CORE_READ(new_dir, mnt), old_dir, old_dentry,
			       CP_HOOK_FILE_RENAME);
	return ret;
}

SEC("lsm/path_unlink")
int BPF_PROG(cp_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return cp_path_op(dir, dentry, CP_ACC_WRITE, CP_HOOK_FILE_UNLINK, 0);
}

SEC("lsm/path_mkdir")
int BPF_PROG(cp_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return cp_path_op(dir, dentry, CP_ACC_WRITE, CP_HOOK_PATH_MKDIR, mode);
}

SEC("lsm/path_rmdir")
int BPF_PROG(cp_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return cp_path_op(dir, dentry, CP_ACC_WRITE, CP_HOOK_PATH_RMDIR, 0);
}

SEC("lsm/path_mknod")
int BPF_PROG(cp_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return cp_path_op(dir, dentry, CP_ACC_WRITE, CP_HOOK_PATH_MKNOD, mode);
}

SEC("lsm/path_symlink")
int BPF_PROG(cp_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return cp_path_op(dir, dentry, CP_ACC_WRITE, CP_HOOK_PATH_SYMLINK, 0);
}

SEC("lsm/path_truncate")
int BPF_PROG(cp_path_truncate, const struct path *path, int ret)
{
	struct cp_sandbox *sb;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 rule, rflags;
	bool deny;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	deny = cp_fs_decide(sb, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt),
			    CP_ACC_WRITE, false, &rule, &rflags);
	v = cp_judge(sb, deny, rflags, sb->errno_deny);
	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_PATH_TRUNCATE, &v, rule);
		if (e) {
			e->arg = CP_ACC_WRITE;
			bpf_probe_read_kernel_str(e->path, sizeof(e->path),
						  BPF_CORE_READ(path, dentry, d_name.name));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

/* May code from this file run?  Shared by exec and by executable
 * mappings, so that "ld.so ./file" or mmap(PROT_EXEC) of a file cannot
 * run what exec would refuse. */
static __always_inline bool
cp_exec_decide(const struct cp_sandbox *sb, struct file *f, struct inode *ino, __u32 *rule,
	       __u32 *rflags)
{
	__u32 forbid = cp_forbidden(sb);
	struct cp_fs_res r;

	*rule = CP_RULE_NONE;
	*rflags = 0;
	if (forbid & CP_FORBID_EXEC) {
		*rule = CP_RULE_LEVEL;
		return true;
	}
	if (((forbid & CP_FORBID_EXEC_NEW) || (sb->flags & CP_SB_DENY_EXEC_NEW)) &&
	    cp_ino_created(sb->id, ino)) {
		*rule = (forbid & CP_FORBID_EXEC_NEW) ? CP_RULE_LEVEL : CP_RULE_EXEC_NEW;
		return true;
	}
	if (!(sb->flags & CP_SB_EXEC_RULES))
		return false;
	cp_fs_walk(CP_WALK_EXEC, sb->id, BPF_CORE_READ(f, f_path.dentry),
		   BPF_CORE_READ(f, f_path.mnt), CP_ACC_EXEC, false, false, &r);
	if (r.allowed & CP_ACC_EXEC) {
		*rule = r.allow_rule;
		*rflags = r.allow_flags;
		return false;
	}
	*rule = r.denied ? r.deny_rule : CP_RULE_DEFAULT;
	*rflags = r.deny_flags;
	return true;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(cp_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct cp_sandbox *sb;
	struct file *f;
	struct inode *ino;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 rule = CP_RULE_NONE, rflags = 0;
	bool deny;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	{
		__u64 *key = bpf_task_storage_get(&cp_task_sb, bpf_get_current_task_btf(), 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (key)
			*key = sb->cgroup_id;
	}
	f = BPF_CORE_READ(bprm, file);
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino)
		return 0;

	deny = cp_exec_decide(sb, f, ino, &rule, &rflags);
	v = cp_judge(sb, deny, rflags, sb->errno_deny);
	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_BPRM_CHECK, &v, rule);
		if (e) {
			e->ino = BPF_CORE_READ(ino, i_ino);
			e->dev = cp_inode_dev(ino);
			e->arg = CP_ACC_EXEC;
			bpf_probe_read_kernel_str(e->path, sizeof(e->path),
						  BPF_CORE_READ(bprm, filename));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

/* Decode an AF_INET / AF_INET6 sockaddr the kernel has already copied in
 * (no user-memory TOCTOU).  Returns the family as 4 or 6, or 0. */
static __always_inline __u8 cp_sockaddr(struct sockaddr *sa, __u8 *a, __u16 *port)
{
	__u16 fam = BPF_CORE_READ(sa, sa_family);

	if (fam == CP_AF_INET) {
		struct sockaddr_in *in = (void *)sa;
		__u32 ip = BPF_CORE_READ(in, sin_addr.s_addr);

		__builtin_memcpy(a, &ip, 4);
		*port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
		return 4;
	}
	if (fam == CP_AF_INET6) {
		struct sockaddr_in6 *in6 = (void *)sa;

		bpf_core_read(a, 16, &in6->sin6_addr);
		*port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
		if (cp_v4mapped(a)) {
			__builtin_memcpy(a, a + 12, 4);
			__builtin_memset(a + 4, 0, 12);
			return 4;
		}
		return 6;
	}
	return 0;
}

static __always_inline __u8 cp_sock_proto(struct socket *sock)
{
	short type = BPF_CORE_READ(sock, type);
	__u16 proto = BPF_CORE_READ(sock, sk, sk_protocol);

	if (proto == CP_IPPROTO_ICMP || proto == CP_IPPROTO_ICMPV6)
		return CP_NET_PROTO_ICMP;
	if (type == CP_SOCK_STREAM)
		return CP_NET_PROTO_TCP;
	if (type == CP_SOCK_DGRAM)
		return CP_NET_PROTO_UDP;
	return 0xff;    /* raw, seqpacket...: only "any protocol" rules match */
}

static __always_inline int cp_sock_hook(struct socket *sock, struct sockaddr *sa,
					__u8 dir, __u16 hook)
{
	struct cp_sandbox *sb = cp_scope_lsm();
	struct cp_net_res nr = { .deny = false, .rule = CP_RULE_NONE };
	struct cp_verdict v;
	struct cp_event *e;
	__u8 a[16] = {};
	__u16 port = 0;
	__u8 fam;
	__u32 forbid;

	if (!sb)
		return 0;
	forbid = cp_forbidden(sb);
	fam = cp_sockaddr(sa, a, &port);
	if ((dir == CP_NET_DIR_CONNECT && (forbid & CP_FORBID_CONNECT)) ||
	    (dir == CP_NET_DIR_BIND && (forbid & CP_FORBID_BIND))) {
		/* AF_UNSPEC connect only dissolves an association */
		if (BPF_CORE_READ(sa, sa_family) == 0)
			return 0;
		nr.deny = true;
		nr.rule = CP_RULE_LEVEL;
		nr.err = sb->errno_deny;
	} else if (fam) {
		nr = cp_net_decide(sb, fam, a, port, cp_sock_proto(sock), dir);
		if (nr.deny && nr.rule == ~0u)
			nr.rule = CP_RULE_DEFAULT;
	} else {
		return 0;
	}
	v = cp_judge(sb, nr.deny, nr.flags, nr.err);
	if (v.emit) {
		e = cp_event_start(sb, hook, &v, nr.rule);
		if (e) {
			e->family = fam;
			e->port = port;
			__builtin_memcpy(e->addr, a, 16);
			e->arg = cp_sock_proto(sock);
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

SEC("lsm/socket_connect")
int BPF_PROG(cp_socket_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	if (ret)
		return ret;
	return cp_sock_hook(sock, address, CP_NET_DIR_CONNECT, CP_HOOK_SOCK_CONNECT);
}

SEC("lsm/socket_bind")
int BPF_PROG(cp_socket_bind, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	if (ret)
		return ret;
	return cp_sock_hook(sock, address, CP_NET_DIR_BIND, CP_HOOK_SOCK_BIND);
}

/* A unix socket peer: by inode when bound to a path (so a rename or a
 * link of the socket file still matches), by exact name when abstract. */
static __always_inline int cp_unix_peer(struct sock *other, __u16 hook)
{
	struct cp_sandbox *sb = cp_scope_lsm();
	struct unix_sock *us = (void *)other;    /* struct sock is its first member */
	struct cp_unix_val *uv = NULL;
	struct cp_net_res nr = { .deny = false, .rule = CP_RULE_NONE };
	struct dentry *d;
	struct cp_verdict v;
	struct cp_event *e;
	struct cp_ino_key ik = {};
	__u32 id, forbid;

	if (!sb)
		return 0;
	forbid = cp_forbidden(sb);
	if (!(sb->flags & CP_SB_UNIX_RULES) && !(forbid & CP_FORBID_CONNECT))
		return 0;
	id = sb->id;
	d = BPF_CORE_READ(us, path.dentry);
	if (d) {
		struct inode *ino = BPF_CORE_READ(d, d_inode);

		ik.sandbox_id = id;
		if (ino) {
			ik.dev = cp_inode_dev(ino);
			ik.ino = BPF_CORE_READ(ino, i_ino);
			uv = bpf_map_lookup_elem(&cp_unix_rules, &ik);
		}
	} else {
		struct unix_address *ua = BPF_CORE_READ(us, addr);
		struct cp_unix_abs_key *ak;
		__u32 zero = 0;
		__u32 len;

		ak = bpf_map_lookup_elem(&cp_unix_scratch, &zero);
		if (ua && ak) {
			__builtin_memset(ak, 0, sizeof(*ak));
			len = (__u32)BPF_CORE_READ(ua, len) - 3;   /* sun_family + leading NUL */
			if (len > 0 && len < CP_UNIX_NAME_MAX) {
				len &= 0x7f;    /* a bound the verifier can see */
				ak->sandbox_id = id;
				ak->len = len;
				bpf_probe_read_kernel(ak->name, len,
						      (void *)ua + bpf_core_field_offset(struct unix_address, name) + 3);
				uv = bpf_map_lookup_elem(&cp_unix_abs, ak);
			}
		}
	}
	if (forbid & CP_FORBID_CONNECT) {
		nr.deny = true;
		nr.rule = CP_RULE_LEVEL;
		nr.err = sb->errno_deny;
	} else if (uv) {
		nr.deny = !uv->allow;
		nr.rule = uv->rule;
		nr.flags = uv->flags;
		nr.err = uv->errno_val;
	} else {
		struct cp_sb_policy *pol = bpf_map_lookup_elem(&cp_policy, &id);

		nr.deny = !(sb->flags & CP_SB_NET_DEFAULT_ALLOW);
		nr.rule = CP_RULE_DEFAULT;
		if (pol) {
			nr.flags = pol->net_flags;
			nr.err = pol->net_errno;
		}
	}
	v = cp_judge(sb, nr.deny, nr.flags, nr.err);
	if (v.emit) {
		e = cp_event_start(sb, hook, &v, nr.rule);
		if (e) {
			e->family = CP_AF_UNIX;
			e->ino = ik.ino;
			e->dev = ik.dev;
			if (d)
				bpf_probe_read_kernel_str(e->path, sizeof(e->path),
							  BPF_CORE_READ(d, d_name.name));
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(cp_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return cp_unix_peer(other, CP_HOOK_UNIX_CONNECT);
}

SEC("lsm/unix_may_send")
int BPF_PROG(cp_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return cp_unix_peer(BPF_CORE_READ(other, sk), CP_HOOK_UNIX_CONNECT);
}

/* The address-family allowlist for every family; the cgroup hook only
 * sees AF_INET/AF_INET6 sockets. */
SEC("lsm/socket_create")
int BPF_PROG(cp_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct cp_sandbox *sb;
	struct cp_sb_policy *pol;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 id;
	bool deny;

	if (ret)
		return ret;
	if (kern)
		return 0;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	id = sb->id;
	pol = bpf_map_lookup_elem(&cp_policy, &id);
	if (!pol || !pol->af_allow)
		return 0;
	deny = family < 0 || family >= 64 || !(pol->af_allow & (1ULL << (family & 63)));
	v = cp_judge(sb, deny, pol->net_flags, CP_EPERM);
	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_SOCK_CREATE, &v,
				   deny ? CP_RULE_DEFAULT : CP_RULE_NONE);
		if (e) {
			e->family = (__u16)family;
			e->arg = (__u32)type;
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

/* Simple yes/no hooks: deny when `deny` holds, with one event. */
static __always_inline int cp_simple(struct cp_sandbox *sb, bool deny, __u16 hook,
				     __u32 rule, __u32 target, __u32 arg)
{
	/* EPERM, as the kernel's own checks for these operations answer */
	struct cp_verdict v = cp_judge(sb, deny, 0, CP_EPERM);
	struct cp_event *e;

	if (v.emit) {
		e = cp_event_start(sb, hook, &v, rule);
		if (e) {
			e->target_pid = target;
			e->arg = arg;
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret;
}

#define CP_PTRACE_MODE_ATTACH 0x02

SEC("lsm/ptrace_access_check")
int BPF_PROG(cp_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct cp_sandbox *sb;
	bool outside;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	outside = cp_task_cgroup_id(child) != sb->cgroup_id;
	if (!outside && !((sb->flags & CP_SB_NO_PTRACE) && (mode & CP_PTRACE_MODE_ATTACH)))
		return 0;
	return cp_simple(sb, true, CP_HOOK_PTRACE, outside ? CP_RULE_SCOPE : CP_RULE_DEFAULT,
			 BPF_CORE_READ(child, tgid), mode);
}

SEC("lsm/task_kill")
int BPF_PROG(cp_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct cp_sandbox *sb;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb || !(sb->flags & CP_SB_NO_SIGNAL_OUT))
		return 0;
	if (cp_task_cgroup_id(p) == sb->cgroup_id)
		return 0;
	return cp_simple(sb, true, CP_HOOK_TASK_KILL, CP_RULE_SCOPE, BPF_CORE_READ(p, tgid), sig);
}

static __always_inline int cp_mount_hook(__u16 hook, __u32 arg)
{
	struct cp_sandbox *sb = cp_scope_lsm();

	if (!sb || !(sb->flags & CP_SB_NO_MOUNT))
		return 0;
	return cp_simple(sb, true, hook, CP_RULE_DEFAULT, 0, arg);
}

SEC("lsm/sb_mount")
int BPF_PROG(cp_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return cp_mount_hook(CP_HOOK_SB_MOUNT, (__u32)flags);
}

SEC("lsm/move_mount")
int BPF_PROG(cp_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return cp_mount_hook(CP_HOOK_MOVE_MOUNT, 0);
}

SEC("lsm/sb_umount")
int BPF_PROG(cp_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return cp_mount_hook(CP_HOOK_SB_UMOUNT, (__u32)flags);
}

/* An executable mapping of a file: the exec rules apply to it. */
static __always_inline int cp_exec_map(struct cp_sandbox *sb, struct file *file, __u16 hook,
				       __u32 prot)
{
	struct inode *ino = BPF_CORE_READ(file, f_inode);
	struct cp_verdict v;
	struct cp_event *e;
	__u32 rule, rflags;
	bool deny;

	if (!ino)
		return 0;
	deny = cp_exec_decide(sb, file, ino, &rule, &rflags);
	if (!deny)
		return 0;
	v = cp_judge(sb, deny, rflags, sb->errno_deny);
	e = cp_event_start(sb, hook, &v, rule);
	if (e) {
		e->ino = BPF_CORE_READ(ino, i_ino);
		e->dev = cp_inode_dev(ino);
		e->arg = prot;
		bpf_probe_read_kernel_str(e->path, sizeof(e->path),
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
		bpf_ringbuf_submit(e, 0);
	}
	return v.ret;
}

SEC("lsm/file_mprotect")
int BPF_PROG(cp_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct cp_sandbox *sb;
	struct file *file;
	unsigned long vmf;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb || !(prot & CP_PROT_EXEC))
		return 0;
	vmf = BPF_CORE_READ(vma, vm_flags);
	/* W^X: never both at once, and no turning written memory executable */
	if ((sb->flags & CP_SB_WX) && ((prot & CP_PROT_WRITE) || (vmf & CP_VM_WRITE)))
		return cp_simple(sb, true, CP_HOOK_MPROTECT, CP_RULE_DEFAULT, 0, (__u32)prot);
	file = BPF_CORE_READ(vma, vm_file);
	return file ? cp_exec_map(sb, file, CP_HOOK_MPROTECT, (__u32)prot) : 0;
}

SEC("lsm/mmap_file")
int BPF_PROG(cp_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct cp_sandbox *sb;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb || !(prot & CP_PROT_EXEC))
		return 0;
	if ((sb->flags & CP_SB_WX) && (prot & CP_PROT_WRITE))
		return cp_simple(sb, true, CP_HOOK_MMAP_FILE, CP_RULE_DEFAULT, 0, (__u32)prot);
	return file ? cp_exec_map(sb, file, CP_HOOK_MMAP_FILE, (__u32)prot) : 0;
}

SEC("lsm/task_alloc")
int BPF_PROG(cp_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct cp_sandbox *sb;

	if (ret)
		return ret;
	sb = cp_scope_lsm();
	if (!sb)
		return 0;
	if (cp_forbidden(sb) & CP_FORBID_FORK)
		return cp_simple(sb, true, CP_HOOK_TASK_ALLOC, CP_RULE_LEVEL, 0, (__u32)clone_flags);
	{
		__u64 *key = bpf_task_storage_get(&cp_task_sb, task, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (key)
			*key = sb->cgroup_id;
	}
	return 0;
}

#endif /* COMPART_LSM_BPF_H */
