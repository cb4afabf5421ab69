/* SPDX-License-Identifier: MIT */
/*
 * oci_export.c - the policy's seccomp filter as an OCI runtime-spec
 * `linux.seccomp` object (what runc, crun and Docker load).
 *
 * Argument conditions go through the same expansion as the seccomp
 * backend, so every emitted rule has at most one comparison per argument:
 * runc hands rules to libseccomp unchanged, and libseccomp 2.5 refuses
 * two comparisons on one argument.  IN becomes one entry per value,
 * NOT_IN and ranges a few range entries (entries for one syscall are
 * ORed by every runtime).
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "compart.h"
#include "seccomp_internal.h"

static void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

static const char *action_name(const struct cp_action *a)
{
	switch (a->kind) {
	case CP_ACT_ALLOW:        return a->audit ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW";
	case CP_ACT_ERRNO:        return "SCMP_ACT_ERRNO";
	case CP_ACT_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
	case CP_ACT_KILL_THREAD:  return "SCMP_ACT_KILL_THREAD";
	case CP_ACT_TRAP:         return "SCMP_ACT_TRAP";
	case CP_ACT_LOG:          return "SCMP_ACT_LOG";
	case CP_ACT_NOTIFY:       return "SCMP_ACT_NOTIFY";
	}
	return NULL;
}

static const char *op_name(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE:        return "SCMP_CMP_NE";
	case SCMP_CMP_LT:        return "SCMP_CMP_LT";
	case SCMP_CMP_LE:        return "SCMP_CMP_LE";
	case SCMP_CMP_EQ:        return "SCMP_CMP_EQ";
	case SCMP_CMP_GE:        return "SCMP_CMP_GE";
	case SCMP_CMP_GT:        return "SCMP_CMP_GT";
	case SCMP_CMP_MASKED_EQ: return "SCMP_CMP_MASKED_EQ";
	default:                 return NULL;
	}
}

static const char *scmp_arch_name(enum cp_arch a)
{
	switch (a) {
	case CP_ARCH_X86_64:  return "SCMP_ARCH_X86_64";
	case CP_ARCH_X32:     return "SCMP_ARCH_X32";
	case CP_ARCH_I386:    return "SCMP_ARCH_X86";
	case CP_ARCH_AARCH64: return "SCMP_ARCH_AARCH64";
	}
	return NULL;
}

static int add(json_object *obj, const char *key, json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static int push(json_object *arr, json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val) != 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* A syscalls entry with one name, the action and no args yet. */
static json_object *new_entry(const char *name, const struct cp_action *a)
{
	json_object *e = json_object_new_object(), *names = json_object_new_array();

	if (!e || !names || push(names, json_object_new_string(name)) ||
	    add(e, "names", names) ||
	    add(e, "action", json_object_new_string(action_name(a))) ||
	    (a->kind == CP_ACT_ERRNO && add(e, "errnoRet", json_object_new_int(a->errno_val)))) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

struct emit_ctx {
	json_object *calls;
	const struct cp_sys_rule *r;
};

static int emit_conj(void *opaque, const struct scmp_arg_cmp *cmps, unsigned n)
{
	struct emit_ctx *ec = opaque;
	json_object *e = new_entry(ec->r->name, &ec->r->action), *args;

	if (!e)
		return -ENOMEM;
	args = json_object_new_array();
	if (add(e, "args", args)) {
		json_object_put(e);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		json_object *c = json_object_new_object();
		bool masked = cmps[i].op == SCMP_CMP_MASKED_EQ;

		if (!c || push(args, c) ||
		    add(c, "index", json_object_new_int((int)cmps[i].arg)) ||
		    add(c, "value", json_object_new_uint64(cmps[i].datum_a)) ||
		    add(c, "valueTwo", json_object_new_uint64(masked ? cmps[i].datum_b : 0)) ||
		    add(c, "op", json_object_new_string(op_name(cmps[i].op)))) {
			json_object_put(e);
			return -ENOMEM;
		}
	}
	return push(ec->calls, e);
}

static bool same_action(const struct cp_action *a, const struct cp_action *b)
{
	return a->kind == b->kind && a->audit == b->audit &&
	       (a->kind != CP_ACT_ERRNO || a->errno_val == b->errno_val);
}

int cp_emit_oci_json(const struct cp_policy *p, struct cp_diag *diag, FILE *out)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *arches, *calls, *last = NULL;
	const struct cp_seccomp *sc;
	const struct cp_action *last_act = NULL;
	bool log;
	const char *text;
	int rc;

	if (!p || !out)
		return -EINVAL;
	sc = &p->seccomp;
	if (!sc->present)
		return -ENODATA;
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	if (add(root, "defaultAction", json_object_new_string(action_name(&sc->default_action))))
		return -ENOMEM;
	if (sc->default_action.kind == CP_ACT_ERRNO &&
	    add(root, "defaultErrnoRet", json_object_new_int(sc->default_action.errno_val)))
		return -ENOMEM;
	arches = json_object_new_array();
	if (add(root, "architectures", arches))
		return -ENOMEM;
	for (uint32_t bit = 1; bit <= CP_ARCH_AARCH64; bit <<= 1)
		if ((sc->arches & bit) && push(arches, json_object_new_string(scmp_arch_name((enum cp_arch)bit))))
			return -ENOMEM;

	log = sc->log_denials || (sc->default_action.audit && sc->default_action.kind != CP_ACT_ALLOW);
	for (size_t i = 0; i < sc->nrules; i++)
		log = log || (sc->rules[i].action.audit && sc->rules[i].action.kind != CP_ACT_ALLOW);
	if (log) {
		json_object *flags = json_object_new_array();

		if (add(root, "flags", flags) ||
		    push(flags, json_object_new_string("SECCOMP_FILTER_FLAG_LOG")))
			return -ENOMEM;
	}
	if (sc->bad_arch_action.kind != CP_ACT_KILL_PROCESS && sc->bad_arch_action.kind != CP_ACT_KILL_THREAD)
		cp_diag_report(diag, CP_SEV_WARNING, sc->bad_arch_action.loc, 1,
			       "OCI has no bad-architecture action: runtimes kill such calls");

	calls = json_object_new_array();
	if (add(root, "syscalls", calls))
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrules; i++) {
		const struct cp_sys_rule *r = &sc->rules[i];
		const struct cp_arg_cond *bad = NULL;
		struct emit_ctx ec = { calls, r };

		if (r->action.kind == CP_ACT_ERRNO && (r->action.errno_val < 0 || r->action.errno_val > 4095)) {
			cp_error(diag, r->action.loc, "errno value %d out of range 0..4095", r->action.errno_val);
			return -EINVAL;
		}
		if (r->action.kind == CP_ACT_NOTIFY)
			cp_diag_report(diag, CP_SEV_WARNING, r->loc, 1,
				       "'%s' notifies: the runtime needs a listenerPath", r->name);
		if (r->nconds == 0) {
			/* runs of unconditional rules with one action share an entry */
			if (last && same_action(last_act, &r->action)) {
				json_object *names;

				json_object_object_get_ex(last, "names", &names);
				if (push(names, json_object_new_string(r->name)))
					return -ENOMEM;
				continue;
			}
			last = new_entry(r->name, &r->action);
			if (push(calls, last))
				return -ENOMEM;
			last_act = &r->action;
			continue;
		}
		last = NULL;
		rc = cp_sc_expand(r, false, emit_conj, &ec, &bad);
		if (rc == -ENOTSUP || (rc == -EINVAL && bad)) {
			cp_error(diag, bad->loc, "a masked comparison cannot be combined with another "
				 "comparison on the same argument");
			return -EINVAL;
		}
		if (rc == -E2BIG) {
			cp_error(diag, r->loc, "conditions of '%s' expand to more than %d OCI rules",
				 r->name, CP_SC_MAX_EXPANSION);
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}

	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return -ENOMEM;
	if (fputs(text, out) == EOF || fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}
