// SPDX-License-Identifier: MIT
/*
 * summary.c - the `summary` backend: what a policy allows, in plain
 * words, layer by layer, so a reviewer does not have to read BPF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>

#include "compart.h"
#include "consts.h"

static void action_words(const struct cp_action *a, char *buf, size_t n)
{
	const char *en;

	switch (a->kind) {
	case CP_ACT_ALLOW:        snprintf(buf, n, "allowed"); break;
	case CP_ACT_ERRNO:
		en = cp_errno_name(a->errno_val);
		if (en)
			snprintf(buf, n, "fails with %s", en);
		else
			snprintf(buf, n, "fails with errno %d", a->errno_val);
		break;
	case CP_ACT_KILL_PROCESS: snprintf(buf, n, "kills the process"); break;
	case CP_ACT_KILL_THREAD:  snprintf(buf, n, "kills the thread"); break;
	case CP_ACT_TRAP:         snprintf(buf, n, "raises SIGSYS"); break;
	case CP_ACT_LOG:          snprintf(buf, n, "allowed and logged"); break;
	case CP_ACT_NOTIFY:       snprintf(buf, n, "is decided by the supervisor"); break;
	default:                  snprintf(buf, n, "?"); break;
	}
	if (a->audit && strlen(buf) + 10 < n)
		strcat(buf, " (audited)");
}

static const char *op_str(enum cp_cmp_op op)
{
	switch (op) {
	case CP_CMP_EQ: return "==";
	case CP_CMP_NE: return "!=";
	case CP_CMP_LT: return "<";
	case CP_CMP_LE: return "<=";
	case CP_CMP_GT: return ">";
	case CP_CMP_GE: return ">=";
	case CP_CMP_MASKED_EQ: return "&";
	case CP_CMP_IN: return "in";
	case CP_CMP_NOT_IN: return "not in";
	}
	return "?";
}

static void print_cond(FILE *out, const char *sys, const struct cp_arg_cond *c)
{
	const char *an = cp_sys_arg_name(sys, c->arg);

	if (an)
		fprintf(out, "%s %s ", an, op_str(c->op));
	else
		fprintf(out, "arg%u %s ", c->arg, op_str(c->op));
	if (c->op == CP_CMP_MASKED_EQ) {
		fprintf(out, "0x%llx == 0x%llx", (unsigned long long)c->mask, (unsigned long long)c->value);
	} else if (c->op == CP_CMP_IN || c->op == CP_CMP_NOT_IN) {
		fputc('{', out);
		for (size_t i = 0; i < c->nset; i++)
			fprintf(out, "%s%llu", i ? ", " : "", (unsigned long long)c->set[i]);
		fputc('}', out);
	} else {
		fprintf(out, "%llu", (unsigned long long)c->value);
	}
}

static const char *fs_access_words(uint32_t acc)
{
	if (acc & CP_FS_DENY)
		return "hidden and inaccessible";
	if (acc & CP_FS_TMPFS)
		return "a fresh empty tmpfs (read-write)";
	if ((acc & (CP_FS_WRITE | CP_FS_EXEC)) == (CP_FS_WRITE | CP_FS_EXEC))
		return "read-write, executable";
	if (acc & CP_FS_WRITE)
		return "read-write";
	if (acc & CP_FS_EXEC)
		return "read-only, executable";
	return "read-only";
}

static const char *req_words(enum cp_layer_req r)
{
	switch (r) {
	case CP_REQ_AUTO:     return "auto (required when the profile has rules for it)";
	case CP_REQ_REQUIRED: return "required (the launch fails if unavailable)";
	case CP_REQ_OPTIONAL: return "optional (skipped with a warning if unavailable)";
	case CP_REQ_OFF:      return "off";
	}
	return "?";
}

static void print_net_rule(FILE *out, const struct cp_net_rule *r)
{
	static const char *const proto[] = { "any protocol", "tcp", "udp", "unix", "icmp" };
	char act[64];

	action_words(&r->action, act, sizeof(act));
	fprintf(out, "  %s %s%s%s %s", r->allow ? "allow" : "deny",
		(r->dir & CP_NET_CONNECT) ? "connect" : "",
		(r->dir & CP_NET_CONNECT) && (r->dir & CP_NET_BIND) ? "+" : "",
		(r->dir & CP_NET_BIND) ? "bind" : "",
		(unsigned)r->proto < 5 ? proto[r->proto] : "?");
	if (r->proto == CP_PROTO_UNIX) {
		fprintf(out, " %s", r->unix_path ? r->unix_path : "?");
	} else {
		char a[INET6_ADDRSTRLEN] = "";

		if (r->family == 4)
			inet_ntop(AF_INET, r->addr, a, sizeof(a));
		else if (r->family == 6)
			inet_ntop(AF_INET6, r->addr, a, sizeof(a));
		if (r->family)
			fprintf(out, " to %s/%u", a, r->prefixlen);
		else
			fprintf(out, " to any address");
		if (r->port_lo == 0 && r->port_hi == 65535)
			fprintf(out, ", any port");
		else if (r->port_lo == r->port_hi)
			fprintf(out, ", port %u", r->port_lo);
		else
			fprintf(out, ", ports %u-%u", r->port_lo, r->port_hi);
	}
	if (!r->allow)
		fprintf(out, " (%s)", act);
	else if (r->action.audit)
		fprintf(out, " (audited)");
	fputc('\n', out);
}

int cp_emit_summary(const struct cp_policy *p, FILE *out)
{
	char act[64];

	if (!p || !out)
		return -EINVAL;
	fprintf(out, "Profile %s\n", p->name ? p->name : "(unnamed)");
	fprintf(out, "  sha256 ");
	for (size_t i = 0; i < sizeof(p->hash); i++)
		fprintf(out, "%02x", p->hash[i]);
	fputc('\n', out);
	for (size_t i = 0; i < p->nfiles; i++)
		fprintf(out, "  %s %s\n", i ? "includes" : "from", p->files[i]);

	fprintf(out, "\nNamespaces\n");
	if (!p->ns.present || !p->ns.mask) {
		fprintf(out, "  shares every namespace with the host\n");
	} else {
		static const char *const nn[] = { "user", "pid", "mount", "net", "ipc", "uts", "cgroup", "time" };

		fprintf(out, "  new:");
		for (int i = 0; i < 8; i++)
			if (p->ns.mask & (1u << i))
				fprintf(out, " %s", nn[i]);
		fprintf(out, "\n  shared with the host:");
		for (int i = 0, any = 0; i < 8; i++)
			if (!(p->ns.mask & (1u << i))) {
				fprintf(out, " %s", nn[i]);
				any = 1;
			} else if (i == 7 && !any) {
				fprintf(out, " none");
			}
		fputc('\n', out);
		if (!(p->ns.mask & CP_NS_NET))
			fprintf(out, "  the network is the host's (network rules apply)\n");
		else
			fprintf(out, "  no network: only a loopback device in a new namespace\n");
		if (p->ns.mask & CP_NS_UTS)
			fprintf(out, "  hostname: %s\n", p->ns.hostname ? p->ns.hostname : "compart");
	}

	fprintf(out, "\nFilesystem\n");
	if (!p->fs.present)
		fprintf(out, "  no rules: the host's file system as the user sees it\n");
	else
		fprintf(out, "  everything not listed is invisible\n");
	for (size_t i = 0; i < p->fs.nrules; i++) {
		const struct cp_fs_rule *r = &p->fs.rules[i];

		fprintf(out, "  %-28s %s%s%s\n", r->path, fs_access_words(r->access),
			r->optional ? ", if it exists" : "", r->audit ? ", audited" : "");
	}

	fprintf(out, "\nSyscalls\n");
	if (!p->seccomp.present) {
		fprintf(out, "  no filter: every syscall is allowed\n");
	} else {
		size_t nallow = 0;

		action_words(&p->seccomp.default_action, act, sizeof(act));
		fprintf(out, "  any syscall not listed %s\n", act);
		fprintf(out, "  architectures:%s%s%s%s\n",
			p->seccomp.arches & CP_ARCH_X86_64 ? " x86_64" : "",
			p->seccomp.arches & CP_ARCH_X32 ? " x32" : "",
			p->seccomp.arches & CP_ARCH_I386 ? " i386" : "",
			p->seccomp.arches & CP_ARCH_AARCH64 ? " aarch64" : "");
		action_words(&p->seccomp.bad_arch_action, act, sizeof(act));
		fprintf(out, "  a syscall through another ABI (x32, i386) %s\n", act);
		for (size_t i = 0; i < p->seccomp.nrules; i++)
			if (p->seccomp.rules[i].action.kind == CP_ACT_ALLOW && !p->seccomp.rules[i].nconds)
				nallow++;
		fprintf(out, "  %zu syscalls allowed unconditionally:\n   ", nallow);
		for (size_t i = 0, col = 3; i < p->seccomp.nrules; i++) {
			const struct cp_sys_rule *r = &p->seccomp.rules[i];

			if (r->action.kind != CP_ACT_ALLOW || r->nconds)
				continue;
			if (col + strlen(r->name) + 1 > 78) {
				fprintf(out, "\n   ");
				col = 3;
			}
			fprintf(out, " %s", r->name);
			col += strlen(r->name) + 1;
		}
		fputc('\n', out);
		for (size_t i = 0; i < p->seccomp.nrules; i++) {
			const struct cp_sys_rule *r = &p->seccomp.rules[i];

			if (r->action.kind == CP_ACT_ALLOW && !r->nconds)
				continue;
			action_words(&r->action, act, sizeof(act));
			fprintf(out, "  %s", r->name);
			if (r->nconds) {
				fprintf(out, " when ");
				for (size_t k = 0; k < r->nconds; k++) {
					if (k)
						fprintf(out, " and ");
					print_cond(out, r->name, &r->conds[k]);
				}
			}
			fprintf(out, ": %s", act);
			if (r->hot)
				fprintf(out, " [hot %u]", r->hot);
			fputc('\n', out);
		}
	}

	fprintf(out, "\nNetwork\n");
	if (!p->net.present) {
		fprintf(out, "  no rules%s\n", p->ns.mask & CP_NS_NET ? " (isolated by the network namespace)" : "");
	} else {
		action_words(&p->net.default_action, act, sizeof(act));
		fprintf(out, "  by default: %s\n", p->net.default_allow ? "allowed" : act);
		if (p->net.nfamilies) {
			static const struct { uint32_t af; const char *n; } fam[] = {
				{ AF_UNIX, "unix" }, { AF_INET, "inet" }, { AF_INET6, "inet6" },
				{ AF_NETLINK, "netlink" }, { AF_PACKET, "packet" },
			};

			fprintf(out, "  socket families:");
			for (size_t i = 0; i < p->net.nfamilies; i++) {
				const char *n = NULL;

				for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++)
					if (fam[k].af == p->net.families[i])
						n = fam[k].n;
				if (n)
					fprintf(out, " %s", n);
				else
					fprintf(out, " %u", p->net.families[i]);
			}
			fputc('\n', out);
		}
		for (size_t i = 0; i < p->net.nrules; i++)
			print_net_rule(out, &p->net.rules[i]);
	}

	fprintf(out, "\nExec\n");
	if (!p->exec.present) {
		fprintf(out, "  any file the filesystem rules make executable\n");
	} else {
		for (size_t i = 0; i < p->exec.nrules; i++)
			fprintf(out, "  %s %s%s\n", p->exec.rules[i].allow ? "allow" : "deny",
				p->exec.rules[i].path, p->exec.rules[i].audit ? " (audited)" : "");
		if (p->exec.deny_created)
			fprintf(out, "  files created during the run cannot be executed\n");
		if (p->exec.wx)
			fprintf(out, "  W^X: no memory both writable and executable\n");
	}

	fprintf(out, "\nProcess\n");
	fprintf(out, "  ptrace of other sandboxed processes: %s\n", p->proc.allow_ptrace ? "allowed" : "denied");
	fprintf(out, "  signals to processes outside: %s\n", p->proc.signal_outside ? "allowed" : "denied");
	fprintf(out, "  mount inside the sandbox: %s\n", p->proc.allow_mount ? "allowed" : "denied");

	if (p->dev.present) {
		fprintf(out, "\nDevices (everything else denied)\n");
		for (size_t i = 0; i < p->dev.nrules; i++) {
			const struct cp_dev_rule *d = &p->dev.rules[i];
			char maj[24] = "*", min[24] = "*";

			if (d->major >= 0)
				snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
			if (d->minor >= 0)
				snprintf(min, sizeof(min), "%lld", (long long)d->minor);
			fprintf(out, "  %c %s:%s %s%s%s\n", d->type, maj, min,
				d->access & CP_DEV_READ ? "r" : "", d->access & CP_DEV_WRITE ? "w" : "",
				d->access & CP_DEV_MKNOD ? "m" : "");
		}
	}

	fprintf(out, "\nCapabilities\n");
	if (!p->caps_present) {
		fprintf(out, "  not restricted by the profile\n");
	} else if (!p->caps) {
		fprintf(out, "  none\n");
	} else {
		fprintf(out, "  kept:");
		for (int i = 0; i < 64; i++)
			if (p->caps & (1ull << i)) {
				char *n = cap_to_name((cap_value_t)i);

				fprintf(out, " %s", n ? n : "?");
				cap_free(n);
			}
		fputc('\n', out);
	}

	if (p->nrlimits) {
		fprintf(out, "\nResource limits (soft / hard)\n");
		for (size_t i = 0; i < p->nrlimits; i++) {
			const struct cp_rlimit *r = &p->rlimits[i];
			const char *n = cp_rlimit_name(r->resource);

			fprintf(out, "  %-10s ", n ? n : "?");
			if (r->resource == CP_CGLIMIT_PIDS) {
				if (r->hard == UINT64_MAX)
					fprintf(out, "unlimited (cgroup pids.max)\n");
				else
					fprintf(out, "%llu (cgroup pids.max)\n", (unsigned long long)r->hard);
				continue;
			}
			if (r->resource == CP_CGLIMIT_MEMORY)
				fprintf(out, "(cgroup memory.high / memory.max) ");
			if (r->soft == UINT64_MAX)
				fprintf(out, "unlimited");
			else
				fprintf(out, "%llu", (unsigned long long)r->soft);
			if (r->hard == UINT64_MAX)
				fprintf(out, " / unlimited\n");
			else
				fprintf(out, " / %llu\n", (unsigned long long)r->hard);
		}
	}

	if (p->adapt.present) {
		static const char *const fw[] = { "connect", "bind", "exec-new", "exec", "write", "fork", "freeze" };

		fprintf(out, "\nAdaptive containment\n");
		fprintf(out, "  model %s, evaluated every %u events over a %u ms window\n",
			p->adapt.model_path, p->adapt.eval_every, p->adapt.window_ms);
		for (size_t i = 0; i < p->adapt.nscratch; i++)
			fprintf(out, "  scratch (writable at every level): %s\n", p->adapt.scratch[i]);
		for (size_t i = 0; i < p->adapt.nlevels; i++) {
			fprintf(out, "  level %u forbids:", p->adapt.levels[i].level);
			for (int b = 0; b < 7; b++)
				if (p->adapt.levels[i].forbid & (1u << b))
					fprintf(out, " %s", fw[b]);
			if (i > 0)
				fprintf(out, ", plus what level %u forbids", p->adapt.levels[i - 1].level);
			fputc('\n', out);
		}
	}

	fprintf(out, "\nLayers\n");
	for (int l = 0; l < CP_LAYER__COUNT; l++)
		fprintf(out, "  %-11s %s\n", cp_layer_name((enum cp_layer)l), req_words(p->layers[l]));
	return ferror(out) ? -EIO : 0;
}
