// SPDX-License-Identifier: MIT
/*
 * sema_net.c - the `network` section.
 *
 *   network {
 *       default deny
 *       family unix inet inet6
 *       allow connect tcp any port 80, 443
 *       allow connect udp 127.0.0.53 port 53
 *       deny errno(EACCES) audit connect tcp 169.254.169.254
 *       allow bind tcp 127.0.0.1 port 8000-8080
 *       allow connect unix /run/dbus/system_bus_socket
 *       allow connect unix @abstract-name
 *   }
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "consts.h"
#include "front.h"
#include "util.h"

#define CP_MAX_NET_RULES 4096

struct addr {
	uint8_t family, prefixlen;
	uint8_t a[16];
};

static int parse_addr(struct cp_ctx *c, const struct ast_item *it, struct addr *out)
{
	char buf[64];
	const char *slash;
	size_t alen;
	unsigned maxp;
	uint64_t p;

	memset(out, 0, sizeof(*out));
	if (cp_item_is(it, "any"))
		return 0;
	if (cp_item_is(it, "any4") || cp_item_is(it, "any6")) {
		out->family = it->text[3] == '4' ? 4 : 6;
		return 0;
	}
	if (it->kind != AI_WORD)
		goto bad;
	slash = strchr(it->text, '/');
	alen = slash ? (size_t)(slash - it->text) : strlen(it->text);
	if (alen == 0 || alen >= sizeof(buf))
		goto bad;
	memcpy(buf, it->text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, out->a) == 1) {
		out->family = 4;
		maxp = 32;
	} else if (inet_pton(AF_INET6, buf, out->a) == 1) {
		out->family = 6;
		maxp = 128;
	} else {
		goto bad;
	}
	out->prefixlen = (uint8_t)maxp;
	if (slash) {
		if (cp_parse_u64(slash + 1, &p) || p > maxp || (slash[1] == '0' && slash[2])) {
			cp_item_error(c, it, "bad prefix length in '%s' (0..%u)", it->text, maxp);
			return -EINVAL;
		}
		out->prefixlen = (uint8_t)p;
		for (unsigned b = (unsigned)p; b < maxp; b++)
			if (out->a[b / 8] & (0x80 >> (b % 8))) {
				cp_item_error(c, it, "'%s' has host bits set beyond the /%u prefix", it->text,
					      (unsigned)p);
				return -EINVAL;
			}
	}
	return 0;
bad:
	cp_item_error(c, it, "expected an address (IPv4 or IPv6, optionally /prefix), any, any4 or any6, "
		      "found '%s'", it->text);
	return -EINVAL;
}

static int parse_port(const char *s, size_t n, uint16_t *out)
{
	char buf[8];
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!isdigit((unsigned char)buf[0]) || cp_parse_u64(buf, &v) || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int push_rule(struct cp_ctx *c, struct cp_network *net, const struct cp_net_rule *r)
{
	struct cp_net_rule *nr;

	if (net->nrules >= CP_MAX_NET_RULES) {
		cp_error(c->d, r->loc, "too many network rules");
		return -EINVAL;
	}
	nr = realloc(net->rules, (net->nrules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	net->rules = nr;
	nr[net->nrules] = *r;
	if (r->unix_path) {
		nr[net->nrules].unix_path = strdup(r->unix_path);
		if (!nr[net->nrules].unix_path)
			return -ENOMEM;
	}
	net->nrules++;
	return 0;
}

static int family_stmt(struct cp_ctx *c, const struct ast_stmt *st, struct cp_network *net)
{
	if (net->families) {
		cp_item_error(c, &st->items[0], "'family' given twice");
		return -EINVAL;
	}
	if (st->nitems < 2) {
		cp_item_error(c, &st->items[0], "'family' needs names such as unix, inet, inet6, netlink");
		return -EINVAL;
	}
	net->families = calloc(st->nitems - 1, sizeof(*net->families));
	if (!net->families)
		return -ENOMEM;
	for (size_t j = 1; j < st->nitems; j++) {
		const struct ast_item *it = &st->items[j];
		char name[40] = "AF_";
		uint64_t v;
		size_t k;

		if (!cp_item_plain(c, it, "an address family"))
			return -EINVAL;
		if (isdigit((unsigned char)it->text[0])) {
			if (cp_parse_u64(it->text, &v) || v >= 64) {
				cp_item_error(c, it, "address family number must be below 64");
				return -EINVAL;
			}
			goto have;
		}
		if (!strncmp(it->text, "AF_", 3)) {
			snprintf(name, sizeof(name), "%s", it->text);
		} else {
			for (k = 0; it->text[k] && k + 4 < sizeof(name); k++)
				name[3 + k] = (char)toupper((unsigned char)it->text[k]);
			name[3 + k] = '\0';
		}
		if (cp_const_lookup(name, &v) || v >= 64) {
			cp_item_error(c, it, "unknown address family '%s'", it->text);
			return -EINVAL;
		}
have:
		for (k = 0; k < net->nfamilies; k++)
			if (net->families[k] == v) {
				cp_item_error(c, it, "address family '%s' listed twice", it->text);
				return -EINVAL;
			}
		net->families[net->nfamilies++] = (uint32_t)v;
	}
	return 0;
}

static int rule_stmt(struct cp_ctx *c, const struct ast_stmt *st, struct cp_network *net)
{
	const struct ast_item *kw = &st->items[0];
	struct cp_net_rule r = { .loc = kw->loc, .port_lo = 0, .port_hi = 65535 };
	size_t j = 1, n = st->nitems;
	_cleanup_free_ char *upath = NULL;
	struct addr a = { 0 };
	struct { uint16_t lo, hi; } ports[64];
	size_t nports = 0;
	int rc;

	r.allow = cp_item_is(kw, "allow");
	r.action.kind = r.allow ? CP_ACT_ALLOW : CP_ACT_ERRNO;
	r.action.errno_val = r.allow ? 0 : EPERM;
	r.action.loc = kw->loc;
	for (; j < n; j++) {
		const struct ast_item *it = &st->items[j];

		if (cp_item_is(it, "audit")) {
			r.action.audit = true;
		} else if (it->kind == AI_CALL && !strcmp(it->text, "errno")) {
			if (r.allow) {
				cp_item_error(c, it, "errno(...) only makes sense on a deny rule");
				return -EINVAL;
			}
			rc = cp_sema_action(c, it, &r.action);
			if (rc)
				return rc < 0 ? rc : -EINVAL;
			r.action.loc = kw->loc;
		} else if (cp_item_is(it, "connect")) {
			r.dir |= CP_NET_CONNECT;
		} else if (cp_item_is(it, "bind")) {
			r.dir |= CP_NET_BIND;
		} else {
			break;
		}
	}
	if (!r.dir)
		r.dir = CP_NET_CONNECT;
	if (j == n) {
		cp_item_error(c, kw, "rule needs a protocol: tcp, udp, unix, icmp or any");
		return -EINVAL;
	}
	if (cp_item_is(&st->items[j], "tcp"))
		r.proto = CP_PROTO_TCP;
	else if (cp_item_is(&st->items[j], "udp"))
		r.proto = CP_PROTO_UDP;
	else if (cp_item_is(&st->items[j], "unix"))
		r.proto = CP_PROTO_UNIX;
	else if (cp_item_is(&st->items[j], "icmp"))
		r.proto = CP_PROTO_ICMP;
	else if (cp_item_is(&st->items[j], "any"))
		r.proto = CP_PROTO_ANY;
	else {
		cp_item_error(c, &st->items[j], "expected a protocol (tcp, udp, unix, icmp, any), found '%s'",
			      st->items[j].text);
		return -EINVAL;
	}
	j++;
	if (r.proto == CP_PROTO_UNIX) {
		const struct ast_item *it;

		if (j == n) {
			cp_item_error(c, &st->items[j - 1], "unix rule needs a socket path or @abstract name");
			return -EINVAL;
		}
		it = &st->items[j];
		if (it->kind != AI_CALL && it->text[0] == '@') {
			if (!it->text[1] || strlen(it->text) > 107) {
				cp_item_error(c, it, "abstract socket name must have 1..106 bytes");
				return -EINVAL;
			}
			upath = strdup(it->text);
			if (!upath)
				return -ENOMEM;
		} else {
			rc = cp_expand_path(c, it, &upath);
			if (rc)
				return rc;
			if (strlen(upath) > 107) {
				cp_item_error(c, it, "unix socket path longer than 107 bytes (sun_path)");
				return -EINVAL;
			}
		}
		if (j + 1 != n) {
			cp_item_error(c, &st->items[j + 1], "unexpected '%s' after the unix socket path",
				      st->items[j + 1].text);
			return -EINVAL;
		}
		r.unix_path = upath;
		return push_rule(c, net, &r);
	}
	if (j < n && !cp_item_is(&st->items[j], "port")) {
		rc = parse_addr(c, &st->items[j], &a);
		if (rc)
			return rc;
		j++;
	}
	r.family = a.family;
	r.prefixlen = a.prefixlen;
	memcpy(r.addr, a.a, sizeof(r.addr));
	if (j < n) {
		if (!cp_item_is(&st->items[j], "port")) {
			cp_item_error(c, &st->items[j], "expected 'port' or end of rule, found '%s'", st->items[j].text);
			return -EINVAL;
		}
		if (r.proto == CP_PROTO_ICMP) {
			cp_item_error(c, &st->items[j], "icmp has no ports");
			return -EINVAL;
		}
		if (++j == n) {
			cp_item_error(c, &st->items[j - 1], "'port' needs a number or range, e.g. port 443 or 8000-8080");
			return -EINVAL;
		}
		for (; j < n; j++) {
			const struct ast_item *it = &st->items[j];
			const char *dash = it->kind == AI_WORD ? strchr(it->text, '-') : NULL;
			uint16_t lo, hi;

			if (it->kind != AI_WORD ||
			    parse_port(it->text, dash ? (size_t)(dash - it->text) : strlen(it->text), &lo) ||
			    (dash ? parse_port(dash + 1, strlen(dash + 1), &hi) : (hi = lo, 0))) {
				cp_item_error(c, it, "bad port '%s' (1..65535, or LO-HI)", it->text);
				return -EINVAL;
			}
			if (lo > hi) {
				cp_item_error(c, it, "port range '%s' is backwards", it->text);
				return -EINVAL;
			}
			if (nports == sizeof(ports) / sizeof(ports[0])) {
				cp_item_error(c, it, "too many ports in one rule");
				return -EINVAL;
			}
			ports[nports].lo = lo;
			ports[nports++].hi = hi;
		}
	}
	if (nports == 0)
		return push_rule(c, net, &r);
	for (size_t k = 0; k < nports; k++) {
		r.port_lo = ports[k].lo;
		r.port_hi = ports[k].hi;
		rc = push_rule(c, net, &r);
		if (rc)
			return rc;
	}
	return 0;
}

int cp_sema_network(struct cp_ctx *c, const struct ast_section *s, struct cp_frag *f)
{
	struct cp_network *net = &f->p.net;
	int err = 0;

	net->present = true;
	for (size_t i = 0; i < s->nstmts; i++) {
		const struct ast_stmt *st = &s->stmts[i];
		const struct ast_item *kw = &st->items[0];
		int rc;

		if (cp_item_is(kw, "default")) {
			if (f->net_default_set) {
				cp_item_error(c, kw, "'default' given twice");
				err = -EINVAL;
				continue;
			}
			if (st->nitems != 2) {
				cp_item_error(c, kw, "'default' takes allow, deny or errno(E...)");
				err = -EINVAL;
				continue;
			}
			rc = cp_sema_action(c, &st->items[1], &net->default_action);
			if (rc == 0 && net->default_action.kind != CP_ACT_ALLOW &&
			    net->default_action.kind != CP_ACT_ERRNO)
				rc = 1;
			if (rc) {
				if (rc == 1)
					cp_item_error(c, &st->items[1], "network default must be allow, deny or errno(E...)");
				err = -EINVAL;
				continue;
			}
			net->default_allow = net->default_action.kind == CP_ACT_ALLOW;
			net->default_action.loc = kw->loc;
			f->net_default_set = true;
		} else if (cp_item_is(kw, "family")) {
			rc = family_stmt(c, st, net);
			if (rc)
				err = rc;
		} else if (cp_item_is(kw, "allow") || cp_item_is(kw, "deny")) {
			rc = rule_stmt(c, st, net);
			if (rc)
				err = rc;
		} else {
			static const char *const kws[] = { "default", "family", "allow", "deny", NULL };
			char hint[80];

			cp_item_error(c, kw, "expected default, family, allow or deny, found '%s'%s", kw->text,
				      cp_hint(hint, sizeof(hint), kw->text, kws));
			err = -EINVAL;
		}
		if (err == -ENOMEM)
			return err;
	}
	return err;
}
