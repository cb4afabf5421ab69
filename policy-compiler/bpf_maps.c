/* SPDX-License-Identifier: MIT */
/*
 * bpf_maps.c - IR -> BPF map contents (see bpf_maps.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bpf_maps.h"

static uint16_t fs_acc(uint32_t ir)
{
	uint16_t a = 0;

	if (ir & (CP_FS_READ | CP_FS_TMPFS))
		a |= CP_ACC_READ;
	if (ir & (CP_FS_WRITE | CP_FS_TMPFS))
		a |= CP_ACC_WRITE;
	if (ir & CP_FS_EXEC)
		a |= CP_ACC_EXEC;
	return a;
}

static int push_path(struct cp_bpf_path_rule **arr, size_t *n, size_t *cap,
		     const struct cp_bpf_path_rule *r)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, nc * sizeof(**arr));

		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = nc;
	}
	(*arr)[(*n)++] = *r;
	return 0;
}

static int build_fs(const struct cp_policy *p, struct cp_bpf_maps *m)
{
	size_t cap = 0;
	int rc;

	for (size_t i = 0; p->fs.present && i < p->fs.nrules; i++) {
		const struct cp_fs_rule *fr = &p->fs.rules[i];
		struct cp_bpf_path_rule r = {
			.path = fr->path, .rule = (uint32_t)i, .optional = fr->optional,
			.loc = fr->loc,
		};
		uint16_t f = fr->audit ? CP_RF_AUDIT : 0;

		/* a profile path covers the object and, for a directory,
		 * everything beneath it */
		if (fr->access & CP_FS_DENY) {
			r.self_deny = r.sub_deny = CP_ACC_READ | CP_ACC_WRITE | CP_ACC_EXEC;
		} else {
			r.self_allow = r.sub_allow = fs_acc(fr->access);
		}
		r.flags_self = r.flags_sub = f;
		rc = push_path(&m->fs, &m->nfs, &cap, &r);
		if (rc)
			return rc;
	}
	if (p->fs.present)
		m->sb_flags |= CP_SB_FS_RULES;

	/* scratch paths stay writable under CP_FORBID_WRITE; they carry no
	 * access grant of their own */
	for (size_t i = 0; p->adapt.present && i < p->adapt.nscratch; i++) {
		struct cp_bpf_path_rule r = {
			.path = p->adapt.scratch[i], .rule = (uint32_t)i, .optional = true,
			.self_allow = CP_ACC_SCRATCH, .sub_allow = CP_ACC_SCRATCH,
			.loc = p->adapt.loc,
		};

		rc = push_path(&m->fs, &m->nfs, &cap, &r);
		if (rc)
			return rc;
	}
	return 0;
}

static int build_exec(const struct cp_policy *p, struct cp_bpf_maps *m)
{
	size_t cap = 0;

	if (!p->exec.present)
		return 0;
	m->sb_flags |= CP_SB_EXEC_RULES;
	for (size_t i = 0; i < p->exec.nrules; i++) {
		const struct cp_exec_rule *er = &p->exec.rules[i];
		struct cp_bpf_path_rule r = {
			.path = er->path, .rule = (uint32_t)i, .optional = true, .loc = er->loc,
		};
		uint16_t f = er->audit ? CP_RF_AUDIT : 0;
		int rc;

		if (er->allow)
			r.self_allow = r.sub_allow = CP_ACC_EXEC;
		else
			r.self_deny = r.sub_deny = CP_ACC_EXEC;
		r.flags_self = r.flags_sub = f;
		rc = push_path(&m->exec, &m->nexec, &cap, &r);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- network ---------------------------------------------------------- */

struct flat_rule {                /* one IR rule, one family */
	uint8_t family;               /* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];             /* masked */
	size_t idx;                   /* IR index */
};

static void mask_addr(uint8_t *a, unsigned plen, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;

		a[i] &= (uint8_t)(0xff00u >> keep);
	}
	for (unsigned i = bytes; i < 16; i++)
		a[i] = 0;
}

static bool contains(const struct flat_rule *outer, const struct flat_rule *inner)
{
	uint8_t a[16];

	if (outer->family != inner->family || outer->plen > inner->plen)
		return false;
	memcpy(a, inner->addr, 16);
	mask_addr(a, outer->plen, outer->family == 4 ? 4 : 16);
	return memcmp(a, outer->addr, 16) == 0;
}

static uint8_t net_proto(enum cp_net_proto p)
{
	switch (p) {
	case CP_PROTO_TCP:  return CP_NET_PROTO_TCP;
	case CP_PROTO_UDP:  return CP_NET_PROTO_UDP;
	case CP_PROTO_ICMP: return CP_NET_PROTO_ICMP;
	default:            return CP_NET_PROTO_ANY;
	}
}

static void fill_ent(const struct cp_net_rule *nr, size_t idx, struct cp_net_ent *e)
{
	memset(e, 0, sizeof(*e));
	e->port_lo = nr->port_lo;
	e->port_hi = nr->port_hi;
	e->proto = net_proto(nr->proto);
	e->dir = (uint8_t)(((nr->dir & CP_NET_CONNECT) ? CP_NET_DIR_CONNECT : 0) |
			   ((nr->dir & CP_NET_BIND) ? CP_NET_DIR_BIND : 0));
	if (!e->dir)
		e->dir = CP_NET_DIR_CONNECT | CP_NET_DIR_BIND;
	e->allow = nr->allow;
	if (nr->action.audit)
		e->flags |= CP_RF_AUDIT;
	if (nr->action.kind == CP_ACT_LOG)
		e->flags |= CP_RF_AUDIT | CP_RF_LOG_ONLY;
	e->rule = (uint32_t)idx;
	e->errno_val = nr->action.kind == CP_ACT_ERRNO && nr->action.errno_val > 0 ?
		       (uint32_t)nr->action.errno_val : EPERM;
}

static int build_net(const struct cp_policy *p, struct cp_diag *diag, struct cp_bpf_maps *m)
{
	const struct cp_network *n = &p->net;
	struct flat_rule *fr = NULL;
	size_t nfr = 0;
	uint64_t af = 0;
	int rc = 0;

	if (!n->present)
		return 0;
	m->sb_flags |= CP_SB_NET_RULES;
	if (n->default_allow)
		m->sb_flags |= CP_SB_NET_DEFAULT_ALLOW;
	m->policy.net_errno = n->default_action.kind == CP_ACT_ERRNO &&
			      n->default_action.errno_val > 0 ?
			      (uint32_t)n->default_action.errno_val : EPERM;
	m->policy.net_flags = n->default_action.audit ? CP_RF_AUDIT : 0;
	if (n->default_action.kind == CP_ACT_LOG)
		m->policy.net_flags |= CP_RF_AUDIT | CP_RF_LOG_ONLY;

	fr = calloc(n->nrules * 2 + 1, sizeof(*fr));
	m->unix_rules = calloc(n->nrules + 1, sizeof(*m->unix_rules));
	if (!fr || !m->unix_rules) {
		free(fr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n->nrules; i++) {
		const struct cp_net_rule *nr = &n->rules[i];

		if (nr->proto == CP_PROTO_UNIX || nr->unix_path) {
			struct cp_bpf_unix_rule *u;

			m->gaps |= CP_BPF_GAP_UNIX_PATHS;
			af |= 1ull << AF_UNIX;
			if (!nr->unix_path)
				continue;    /* "any unix socket": the default covers it */
			if (strlen(nr->unix_path) > (nr->unix_path[0] == '@' ? CP_UNIX_NAME_MAX - 1u :
						     4095u)) {
				cp_error(diag, nr->loc, "unix socket name too long");
				rc = -EINVAL;
				goto out;
			}
			u = &m->unix_rules[m->nunix++];
			u->abstract = nr->unix_path[0] == '@';
			u->path = u->abstract ? nr->unix_path + 1 : nr->unix_path;
			u->val.allow = nr->allow;
			u->val.rule = (uint32_t)i;
			u->val.flags = (nr->action.audit ? CP_RF_AUDIT : 0) |
				       (nr->action.kind == CP_ACT_LOG ? CP_RF_AUDIT | CP_RF_LOG_ONLY : 0);
			u->val.errno_val = nr->action.kind == CP_ACT_ERRNO && nr->action.errno_val > 0 ?
					   (uint32_t)nr->action.errno_val : EPERM;
			u->loc = nr->loc;
			m->sb_flags |= CP_SB_UNIX_RULES;
			continue;
		}
		for (uint8_t fam = 4; fam <= 6; fam += 2) {
			struct flat_rule *f;
			unsigned max = fam == 4 ? 32 : 128;

			if (nr->family && nr->family != fam)
				continue;
			if (nr->prefixlen > max) {
				cp_error(diag, nr->loc, "prefix length %u exceeds %u", nr->prefixlen, max);
				rc = -EINVAL;
				goto out;
			}
			f = &fr[nfr++];
			f->family = fam;
			f->plen = nr->family ? nr->prefixlen : 0;
			memcpy(f->addr, nr->addr, 16);
			mask_addr(f->addr, f->plen, fam == 4 ? 4 : 16);
			f->idx = i;
			af |= 1ull << (fam == 4 ? AF_INET : AF_INET6);
		}
	}

	m->net = calloc(nfr ? nfr : 1, sizeof(*m->net));
	if (!m->net) {
		rc = -ENOMEM;
		goto out;
	}
	/* one trie entry per distinct prefix, holding every rule whose prefix
	 * contains it: the longest match then has all candidates */
	for (size_t i = 0; i < nfr; i++) {
		struct cp_bpf_net_entry *e;
		bool dup = false;
		uint32_t cnt = 0;

		for (size_t j = 0; j < i && !dup; j++)
			dup = fr[j].family == fr[i].family && fr[j].plen == fr[i].plen &&
			      !memcmp(fr[j].addr, fr[i].addr, 16);
		if (dup)
			continue;
		e = &m->net[m->nnet++];
		e->key.prefixlen = CP_NET_KEY_FIXED_BITS + fr[i].plen;
		e->key.family = fr[i].family;
		memcpy(e->key.addr, fr[i].addr, 16);
		/* most specific first, then profile order */
		for (int plen = fr[i].plen; plen >= 0; plen--) {
			for (size_t j = 0; j < nfr; j++) {
				if (fr[j].plen != plen || !contains(&fr[j], &fr[i]))
					continue;
				if (cnt == CP_NET_ENTS) {
					cp_error(diag, n->rules[fr[i].idx].loc,
						 "more than %d network rules apply to this address prefix "
						 "(BPF map entry limit)", CP_NET_ENTS);
					rc = -EINVAL;
					goto out;
				}
				fill_ent(&n->rules[fr[j].idx], fr[j].idx, &e->val.e[cnt++]);
			}
		}
		e->val.n = cnt;
	}

	if (n->nfamilies) {
		af = 0;
		for (size_t i = 0; i < n->nfamilies; i++) {
			if (n->families[i] >= 64) {
				cp_error(diag, n->rules ? n->rules[0].loc : p->ns.loc,
					 "address family %u out of range", n->families[i]);
				rc = -EINVAL;
				goto out;
			}
			af |= 1ull << n->families[i];
		}
	} else {
		/* inferred: local IPC always, IP when a rule or the default
		 * can let something through */
		af |= 1ull << AF_UNIX;
		if (n->default_allow)
			af |= (1ull << AF_INET) | (1ull << AF_INET6);
	}
	m->policy.af_allow = af;
out:
	free(fr);
	return rc;
}

static int build_dev(const struct cp_policy *p, struct cp_diag *diag, struct cp_bpf_maps *m)
{
	if (!p->dev.present)
		return 0;
	m->sb_flags |= CP_SB_DEV_RULES;
	for (size_t i = 0; i < p->dev.nrules; i++) {
		const struct cp_dev_rule *dr = &p->dev.rules[i];
		struct cp_dev_ent *e;

		if (i >= CP_DEV_ENTS) {
			cp_error(diag, dr->loc, "more than %d device rules (BPF map limit)", CP_DEV_ENTS);
			return -EINVAL;
		}
		if (dr->type != 'a' && dr->type != 'b' && dr->type != 'c') {
			cp_error(diag, dr->loc, "device type must be 'a', 'b' or 'c'");
			return -EINVAL;
		}
		if (dr->major > 0xfff || dr->minor > 0xfffff) {
			cp_error(diag, dr->loc, "device number out of range");
			return -EINVAL;
		}
		e = &m->policy.dev[m->policy.ndev++];
		e->type = (uint8_t)dr->type;
		e->access = (uint8_t)(dr->access & (CP_DEV_READ | CP_DEV_WRITE | CP_DEV_MKNOD));
		e->major = dr->major < 0 ? CP_DEV_ANY : (uint32_t)dr->major;
		e->minor = dr->minor < 0 ? CP_DEV_ANY : (uint32_t)dr->minor;
		e->rule = (uint32_t)i;
	}
	return 0;
}

static void build_adapt(const struct cp_policy *p, struct cp_bpf_maps *m)
{
	uint32_t cum = 0;

	if (!p->adapt.present)
		return;
	m->sb_flags |= CP_SB_ADAPT;
	for (uint32_t lvl = 1; lvl <= CP_MAX_LEVELS; lvl++) {
		for (size_t i = 0; i < p->adapt.nlevels; i++)
			if (p->adapt.levels[i].level == lvl)
				cum |= p->adapt.levels[i].forbid;
		m->forbid_at[lvl] = cum;
	}
}

int cp_bpf_maps_build(const struct cp_policy *p, struct cp_diag *diag, struct cp_bpf_maps *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -EINVAL;
	out->errno_deny = EACCES;
	if (!p->proc.allow_ptrace)
		out->sb_flags |= CP_SB_NO_PTRACE;
	if (!p->proc.signal_outside)
		out->sb_flags |= CP_SB_NO_SIGNAL_OUT;
	if (!p->proc.allow_mount)
		out->sb_flags |= CP_SB_NO_MOUNT;
	if (p->exec.deny_created)
		out->sb_flags |= CP_SB_DENY_EXEC_NEW;
	if (p->exec.wx)
		out->sb_flags |= CP_SB_WX;
	rc = build_fs(p, out);
	if (!rc)
		rc = build_exec(p, out);
	if (!rc)
		rc = build_net(p, diag, out);
	if (!rc)
		rc = build_dev(p, diag, out);
	if (rc) {
		cp_bpf_maps_free(out);
		return rc;
	}
	build_adapt(p, out);
	out->want_cgroup = p->net.present || p->dev.present;
	out->want_lsm = p->fs.present || p->exec.present || p->exec.deny_created ||
			p->exec.wx || p->adapt.present || p->net.present;
	return 0;
}

void cp_bpf_maps_free(struct cp_bpf_maps *m)
{
	if (!m)
		return;
	free(m->fs);
	free(m->exec);
	free(m->net);
	free(m->unix_rules);
	memset(m, 0, sizeof(*m));
}

static void dump_path(FILE *out, const char *what, const struct cp_bpf_path_rule *r)
{
	fprintf(out, "%s %s self(+%#x -%#x) sub(+%#x -%#x) flags %#x/%#x rule %u%s\n",
		what, r->path, r->self_allow, r->self_deny, r->sub_allow, r->sub_deny,
		r->flags_self, r->flags_sub, r->rule, r->optional ? " optional" : "");
}

int cp_bpf_maps_dump(const struct cp_bpf_maps *m, FILE *out)
{
	fprintf(out, "sandbox flags %#x errno %u\n", m->sb_flags, m->errno_deny);
	for (int l = 0; l < 4; l++)
		fprintf(out, "level %d forbids %#x\n", l, m->forbid_at[l]);
	for (size_t i = 0; i < m->nfs; i++)
		dump_path(out, "fs", &m->fs[i]);
	for (size_t i = 0; i < m->nexec; i++)
		dump_path(out, "exec", &m->exec[i]);
	for (size_t i = 0; i < m->nnet; i++) {
		const struct cp_bpf_net_entry *e = &m->net[i];
		unsigned plen = e->key.prefixlen - CP_NET_KEY_FIXED_BITS;

		fprintf(out, "net v%u/%u", e->key.family, plen);
		for (unsigned b = 0; b < (e->key.family == 4 ? 4u : 16u); b++)
			fprintf(out, "%s%02x", b ? ":" : " ", e->key.addr[b]);
		fputc('\n', out);
		for (uint32_t j = 0; j < e->val.n; j++) {
			const struct cp_net_ent *n = &e->val.e[j];

			fprintf(out, "  %s proto %u dir %u ports %u-%u flags %#x errno %u rule %u\n",
				n->allow ? "allow" : "deny", n->proto, n->dir, n->port_lo,
				n->port_hi, n->flags, n->errno_val, n->rule);
		}
	}
	fprintf(out, "families %#llx net default errno %u flags %#x\n",
		(unsigned long long)m->policy.af_allow, m->policy.net_errno, m->policy.net_flags);
	for (uint32_t i = 0; i < m->policy.ndev; i++) {
		const struct cp_dev_ent *d = &m->policy.dev[i];

		fprintf(out, "dev %c %d:%d access %#x rule %u\n", d->type,
			d->major == CP_DEV_ANY ? -1 : (int)d->major,
			d->minor == CP_DEV_ANY ? -1 : (int)d->minor, d->access, d->rule);
	}
	for (size_t i = 0; i < m->nunix; i++)
		fprintf(out, "unix %s%s %s rule %u\n", m->unix_rules[i].abstract ? "@" : "",
			m->unix_rules[i].path, m->unix_rules[i].val.allow ? "allow" : "deny",
			m->unix_rules[i].val.rule);
	if (m->gaps & CP_BPF_GAP_UNIX_PATHS)
		fprintf(out, "unix socket rules: enforced by BPF LSM only\n");
	return ferror(out) ? -EIO : 0;
}
