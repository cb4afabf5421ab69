/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.bpf.h - cgroup BPF programs: network and device rules that work
 * without BPF LSM.  They are attached to each sandbox's cgroup (v2), so
 * they only ever run for sandboxed tasks (a task in a cgroup nested below
 * the sandbox's is found through its ancestors); one that still matches no
 * sandbox belongs to a half-built or torn-down one and is refused (fail
 * closed).  Cgroup hooks can only say yes or no: a denial
 * is always EPERM, whatever errno the profile asked for.
 */
#ifndef COMPART_CGROUP_BPF_H
#define COMPART_CGROUP_BPF_H

#include "maps.bpf.h"

#define CP_CG_ALLOW 1
#define CP_CG_DENY  0

/* UAPI enum bpf_devcg_* (the 6.18 vmlinux.h may not carry every enum) */
#define CP_DEVCG_ACC_MKNOD  1
#define CP_DEVCG_ACC_READ   2
#define CP_DEVCG_ACC_WRITE  4
#define CP_DEVCG_DEV_BLOCK  1

static __always_inline __u8 cp_cg_proto(__u32 type, __u32 protocol)
{
	if (protocol == CP_IPPROTO_ICMP || protocol == CP_IPPROTO_ICMPV6)
		return CP_NET_PROTO_ICMP;
	if (type == CP_SOCK_STREAM)
		return CP_NET_PROTO_TCP;
	if (type == CP_SOCK_DGRAM)
		return CP_NET_PROTO_UDP;
	return 0xff;
}

static __always_inline int cp_cg_sockaddr(struct bpf_sock_addr *ctx, bool v6, __u8 dir,
					  __u16 hook)
{
	struct cp_sandbox *sb = cp_scope_cg();
	struct cp_net_res nr = { .deny = false, .rule = CP_RULE_NONE };
	struct cp_verdict v;
	struct cp_event *e;
	__u8 a[16] = {};
	__u8 fam = 4;
	__u16 port;
	__u8 proto;

	if (!sb)
		return CP_CG_DENY;
	port = bpf_ntohs((__u16)ctx->user_port);
	proto = cp_cg_proto(ctx->type, ctx->protocol);
	if (v6) {
		__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1];
		__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

		__builtin_memcpy(a, &w0, 4);
		__builtin_memcpy(a + 4, &w1, 4);
		__builtin_memcpy(a + 8, &w2, 4);
		__builtin_memcpy(a + 12, &w3, 4);
		if (cp_v4mapped(a)) {
			__builtin_memcpy(a, &w3, 4);
			__builtin_memset(a + 4, 0, 12);
		} else {
			fam = 6;
		}
	} else {
		__u32 ip = ctx->user_ip4;

		__builtin_memcpy(a, &ip, 4);
	}
	if (cp_forbidden(sb) & (dir == CP_NET_DIR_BIND ? CP_FORBID_BIND : CP_FORBID_CONNECT)) {
		nr.deny = true;
		nr.rule = CP_RULE_LEVEL;
	} else {
		nr = cp_net_decide(sb, fam, a, port, proto, dir);
		if (nr.deny && nr.rule == ~0u)
			nr.rule = CP_RULE_DEFAULT;
	}
	v = cp_judge(sb, nr.deny, nr.flags, CP_EPERM);
	if (v.emit) {
		e = cp_event_start(sb, hook, &v, nr.rule);
		if (e) {
			e->family = fam;
			e->port = port;
			__builtin_memcpy(e->addr, a, 16);
			e->arg = proto;
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret ? CP_CG_DENY : CP_CG_ALLOW;
}

SEC("cgroup/connect4")
int cp_cg_connect4(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, false, CP_NET_DIR_CONNECT, CP_HOOK_CG_CONNECT4);
}

SEC("cgroup/connect6")
int cp_cg_connect6(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, true, CP_NET_DIR_CONNECT, CP_HOOK_CG_CONNECT6);
}

SEC("cgroup/sendmsg4")
int cp_cg_sendmsg4(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, false, CP_NET_DIR_CONNECT, CP_HOOK_CG_SENDMSG4);
}

SEC("cgroup/sendmsg6")
int cp_cg_sendmsg6(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, true, CP_NET_DIR_CONNECT, CP_HOOK_CG_SENDMSG6);
}

SEC("cgroup/bind4")
int cp_cg_bind4(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, false, CP_NET_DIR_BIND, CP_HOOK_CG_BIND4);
}

SEC("cgroup/bind6")
int cp_cg_bind6(struct bpf_sock_addr *ctx)
{
	return cp_cg_sockaddr(ctx, true, CP_NET_DIR_BIND, CP_HOOK_CG_BIND6);
}

/* Runs for AF_INET/AF_INET6 sockets only (the kernel calls it from
 * inet_create); other families are the LSM socket_create hook's. */
SEC("cgroup/sock_create")
int cp_cg_sock_create(struct bpf_sock *sk)
{
	struct cp_sandbox *sb = cp_scope_cg();
	struct cp_sb_policy *pol;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 fam, id;
	bool deny;

	if (!sb)
		return CP_CG_DENY;
	id = sb->id;
	pol = bpf_map_lookup_elem(&cp_policy, &id);
	if (!pol)
		return CP_CG_DENY;
	if (!pol->af_allow)
		return CP_CG_ALLOW;
	fam = sk->family;
	deny = fam >= 64 || !(pol->af_allow & (1ULL << (fam & 63)));
	v = cp_judge(sb, deny, pol->net_flags, CP_EPERM);
	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_CG_SOCK_CREATE, &v,
				   deny ? CP_RULE_DEFAULT : CP_RULE_NONE);
		if (e) {
			e->family = fam;
			e->arg = sk->type;
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret ? CP_CG_DENY : CP_CG_ALLOW;
}

SEC("cgroup/dev")
int cp_cg_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	struct cp_sandbox *sb = cp_scope_cg();
	struct cp_sb_policy *pol;
	struct cp_verdict v;
	struct cp_event *e;
	__u32 kacc = ctx->access_type >> 16, acc = 0, id, rule = CP_RULE_DEFAULT, rflags = 0;
	__u32 major = ctx->major, minor = ctx->minor;
	__u8 t = (ctx->access_type & 0xffff) == CP_DEVCG_DEV_BLOCK ? 'b' : 'c';
	bool deny = true;

	if (!sb)
		return CP_CG_DENY;
	if (!(sb->flags & CP_SB_DEV_RULES))
		return CP_CG_ALLOW;
	if (kacc & CP_DEVCG_ACC_READ)
		acc |= 1;
	if (kacc & CP_DEVCG_ACC_WRITE)
		acc |= 2;
	if (kacc & CP_DEVCG_ACC_MKNOD)
		acc |= 4;
	id = sb->id;
	pol = bpf_map_lookup_elem(&cp_policy, &id);
	if (pol) {
		__u32 n = pol->ndev;

		for (int i = 0; i < CP_DEV_ENTS; i++) {
			const struct cp_dev_ent *d;

			if (i >= n)
				break;
			d = &pol->dev[i];
			if (d->type != 'a' && d->type != t)
				continue;
			if (d->major != CP_DEV_ANY && d->major != major)
				continue;
			if (d->minor != CP_DEV_ANY && d->minor != minor)
				continue;
			if (acc & ~(__u32)d->access)
				continue;
			deny = false;
			rule = d->rule;
			rflags = d->flags;
			break;
		}
	}
	v = cp_judge(sb, deny, rflags, CP_EPERM);
	if (v.emit) {
		e = cp_event_start(sb, CP_HOOK_CG_DEVICE, &v, rule);
		if (e) {
			e->dev = (major << 20) | (minor & 0xfffff);
			e->arg = acc | ((__u32)t << 8);
			bpf_ringbuf_submit(e, 0);
		}
	}
	return v.ret ? CP_CG_DENY : CP_CG_ALLOW;
}

#endif /* COMPART_CGROUP_BPF_H */
