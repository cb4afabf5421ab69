// SPDX-License-Identifier: MIT
/*
 * emit_profile.c - the profile-text backend: IR -> profile text that
 * parses back to the same IR (used by the OCI importer, and to flatten a
 * profile and its includes into one file).
 *
 * Everything is written out explicitly (numbers rather than constant
 * names, every layer setting), so the text does not depend on include
 * files, variables or the groups file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>

#include "compart.h"
#include "consts.h"

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		switch (*s) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '$':  fputs("\\$", out); break;
		default:   fputc(*s, out); break;
		}
	}
	fputc('"', out);
}

static void put_action(FILE *out, const struct cp_action *a)
{
	if (a->kind == CP_ACT_ERRNO) {
		const char *n = cp_errno_name(a->errno_val);

		if (n)
			fprintf(out, "errno(%s)", n);
		else
			fprintf(out, "errno(%d)", a->errno_val);
		return;
	}
	fputs(cp_action_kind_name(a->kind), out);
}

static void put_u64(FILE *out, uint64_t v)
{
	if (v > 4096)
		fprintf(out, "0x%llx", (unsigned long long)v);
	else
		fprintf(out, "%llu", (unsigned long long)v);
}

static void put_cond(FILE *out, const struct cp_arg_cond *c)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };

	fprintf(out, "arg%u ", c->arg);
	switch (c->op) {
	case CP_CMP_MASKED_EQ:
		fputs("& ", out);
		put_u64(out, c->mask);
		fputs(" == ", out);
		put_u64(out, c->value);
		break;
	case CP_CMP_IN:
	case CP_CMP_NOT_IN:
		fputs(c->op == CP_CMP_IN ? "in {" : "not in {", out);
		for (size_t i = 0; i < c->nset; i++) {
			if (i)
				fputs(", ", out);
			put_u64(out, c->set[i]);
		}
		fputc('}', out);
		break;
	default:
		fprintf(out, "%s ", (unsigned)c->op < 6 ? ops[c->op] : "==");
		put_u64(out, c->value);
		break;
	}
}

static void emit_fs(FILE *out, const struct cp_filesystem *fs)
{
	fputs("filesystem {\n", out);
	for (size_t i = 0; i < fs->nrules; i++) {
		const struct cp_fs_rule *r = &fs->rules[i];

		fputc('\t', out);
		if (r->optional)
			fputs("optional ", out);
		if (r->audit)
			fputs("audit ", out);
		if (r->access & CP_FS_DENY)
			fputs("deny ", out);
		else if (r->access & CP_FS_TMPFS)
			fputs("tmpfs ", out);
		else {
			fputs((r->access & CP_FS_WRITE) ? "read-write " : "read-only ", out);
			if (r->access & CP_FS_EXEC)
				fputs("exec ", out);
		}
		put_string(out, r->path);
		fputc('\n', out);
	}
	fputs("}\n\n", out);
}

static void emit_syscalls(FILE *out, const struct cp_seccomp *sc)
{
	static const struct { uint32_t bit; const char *n; } arches[] = {
		{ CP_ARCH_X86_64, "x86_64" }, { CP_ARCH_X32, "x32" },
		{ CP_ARCH_I386, "i386" }, { CP_ARCH_AARCH64, "aarch64" },
	};

	fputs("syscalls {\n\tdefault ", out);
	put_action(out, &sc->default_action);
	if (sc->default_action.audit)
		fputs(" # audit on the default is not expressible", out);
	fputs("\n\tarch", out);
	for (size_t i = 0; i < 4; i++)
		if (sc->arches & arches[i].bit)
			fprintf(out, " %s", arches[i].n);
	fputs("\n\tbad-arch ", out);
	put_action(out, &sc->bad_arch_action);
	fputc('\n', out);
	if (sc->log_denials)
		fputs("\tlog-denials\n", out);
	for (size_t i = 0; i < sc->nrules; i++) {
		const struct cp_sys_rule *r = &sc->rules[i];

		fputc('\t', out);
		put_action(out, &r->action);
		if (r->action.audit)
			fputs(" audit", out);
		if (r->hot)
			fprintf(out, " hot %u", r->hot);
		fprintf(out, " %s", r->name);
		if (r->nconds) {
			fputc('(', out);
			for (size_t k = 0; k < r->nconds; k++) {
				if (k)
					fputs(" && ", out);
				put_cond(out, &r->conds[k]);
			}
			fputc(')', out);
		}
		fputc('\n', out);
	}
	fputs("}\n\n", out);
}

static void emit_network(FILE *out, const struct cp_network *net)
{
	static const char *const proto[] = { "any", "tcp", "udp", "unix", "icmp" };

	fputs("network {\n\tdefault ", out);
	if (net->default_allow)
		fputs("allow", out);
	else
		put_action(out, &net->default_action);
	fputc('\n', out);
	if (net->nfamilies) {
		fputs("\tfamily", out);
		for (size_t i = 0; i < net->nfamilies; i++)
			fprintf(out, " %u", net->families[i]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < net->nrules; i++) {
		const struct cp_net_rule *r = &net->rules[i];

		fprintf(out, "\t%s", r->allow ? "allow" : "deny");
		if (!r->allow && !(r->action.kind == CP_ACT_ERRNO && r->action.errno_val == EPERM)) {
			fputc(' ', out);
			put_action(out, &r->action);
		}
		if (r->action.audit)
			fputs(" audit", out);
		if (r->dir & CP_NET_CONNECT)
			fputs(" connect", out);
		if (r->dir & CP_NET_BIND)
			fputs(" bind", out);
		fprintf(out, " %s", (unsigned)r->proto < 5 ? proto[r->proto] : "any");
		if (r->proto == CP_PROTO_UNIX) {
			fputc(' ', out);
			put_string(out, r->unix_path ? r->unix_path : "");
			fputc('\n', out);
			continue;
		}
		if (r->family == 4 || r->family == 6) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->addr, a, sizeof(a));
			fprintf(out, " %s/%u", a, r->prefixlen);
		}
		if (!(r->port_lo == 0 && r->port_hi == 65535)) {
			if (r->port_lo == r->port_hi)
				fprintf(out, " port %u", r->port_lo);
			else
				fprintf(out, " port %u-%u", r->port_lo, r->port_hi);
		}
		fputc('\n', out);
	}
	fputs("}\n\n", out);
}

int cp_emit_profile(const struct cp_policy *p, FILE *out)
{
	static const char *const nsn[] = { "user", "pid", "mount", "net", "ipc", "uts", "cgroup", "time" };
	static const char *const fw[] = { "connect", "bind", "exec-new", "exec", "write", "fork", "freeze" };

	if (!p || !out)
		return -EINVAL;
	fprintf(out, "# profile %s, flattened by compart (every include and variable resolved)\n\n",
		p->name ? p->name : "(unnamed)");
	if (p->ns.present) {
		fputs("namespaces {\n", out);
		if (p->ns.mask) {
			fputc('\t', out);
			for (int i = 0, first = 1; i < 8; i++)
				if (p->ns.mask & (1u << i)) {
					fprintf(out, "%s%s", first ? "" : " ", nsn[i]);
					first = 0;
				}
			fputc('\n', out);
		}
		if (p->ns.hostname) {
			fputs("\thostname ", out);
			put_string(out, p->ns.hostname);
			fputc('\n', out);
		}
		fputs("}\n\n", out);
	}
	if (p->fs.present)
		emit_fs(out, &p->fs);
	if (p->seccomp.present)
		emit_syscalls(out, &p->seccomp);
	if (p->net.present)
		emit_network(out, &p->net);
	if (p->exec.present) {
		fputs("exec {\n", out);
		for (size_t i = 0; i < p->exec.nrules; i++) {
			fprintf(out, "\t%s%s ", p->exec.rules[i].allow ? "allow" : "deny",
				p->exec.rules[i].audit ? " audit" : "");
			put_string(out, p->exec.rules[i].path);
			fputc('\n', out);
		}
		if (p->exec.deny_created)
			fputs("\tdeny-created\n", out);
		if (p->exec.wx)
			fputs("\twx\n", out);
		fputs("}\n\n", out);
	}
	fprintf(out, "process {\n\tptrace %s\n\tsignal-outside %s\n\tmount %s\n}\n\n",
		p->proc.allow_ptrace ? "allow" : "deny", p->proc.signal_outside ? "allow" : "deny",
		p->proc.allow_mount ? "allow" : "deny");
	if (p->dev.present) {
		fputs("devices {\n", out);
		for (size_t i = 0; i < p->dev.nrules; i++) {
			const struct cp_dev_rule *d = &p->dev.rules[i];

			fprintf(out, "\tallow %c ", d->type);
			if (d->major < 0)
				fputc('*', out);
			else
				fprintf(out, "%lld", (long long)d->major);
			fputc(':', out);
			if (d->minor < 0)
				fputc('*', out);
			else
				fprintf(out, "%lld", (long long)d->minor);
			fprintf(out, " %s%s%s\n", d->access & CP_DEV_READ ? "r" : "",
				d->access & CP_DEV_WRITE ? "w" : "", d->access & CP_DEV_MKNOD ? "m" : "");
		}
		fputs("}\n\n", out);
	}
	if (p->caps_present) {
		fputs("capabilities {\n\tnone\n", out);
		for (int i = 0; i < 64; i++)
			if (p->caps & (1ull << i)) {
				char *n = cap_to_name((cap_value_t)i);

				if (!n)
					return -ENOMEM;
				fprintf(out, "\tkeep %s\n", n);
				cap_free(n);
			}
		fputs("}\n\n", out);
	}
	if (p->nrlimits) {
		fputs("limits {\n", out);
		for (size_t i = 0; i < p->nrlimits; i++) {
			const struct cp_rlimit *r = &p->rlimits[i];
			const char *n = cp_rlimit_name(r->resource);

			if (!n)
				return -EINVAL;
			fprintf(out, "\t%s ", n);
			if (r->resource == CP_CGLIMIT_PIDS)
				;   /* one value: pids.max */
			else if (r->soft == UINT64_MAX)
				fputs("unlimited ", out);
			else
				fprintf(out, "%llu ", (unsigned long long)r->soft);
			if (r->hard == UINT64_MAX)
				fputs("unlimited\n", out);
			else
				fprintf(out, "%llu\n", (unsigned long long)r->hard);
		}
		fputs("}\n\n", out);
	}
	if (p->adapt.present) {
		fputs("adapt {\n\tmodel ", out);
		put_string(out, p->adapt.model_path ? p->adapt.model_path : "");
		fprintf(out, "\n\teval-every %u\n\twindow %ums\n", p->adapt.eval_every, p->adapt.window_ms);
		for (size_t i = 0; i < p->adapt.nscratch; i++) {
			fputs("\tscratch ", out);
			put_string(out, p->adapt.scratch[i]);
			fputc('\n', out);
		}
		for (size_t i = 0; i < p->adapt.nlevels; i++) {
			fprintf(out, "\tlevel %u forbid", p->adapt.levels[i].level);
			for (int b = 0; b < 7; b++)
				if (p->adapt.levels[i].forbid & (1u << b))
					fprintf(out, " %s", fw[b]);
			fputc('\n', out);
		}
		fputs("}\n\n", out);
	}
	fputs("layers {\n", out);
	for (int l = 0; l < CP_LAYER__COUNT; l++) {
		static const char *const req[] = { "auto", "required", "optional", "off" };

		fprintf(out, "\t%s %s\n", cp_layer_name((enum cp_layer)l),
			(unsigned)p->layers[l] < 4 ? req[p->layers[l]] : "auto");
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
