/* SPDX-License-Identifier: MIT */
/*
 * layers.c - which enforcement layers a profile wants, and honest
 * reporting of what was applied.
 *
 * A layer in `auto` mode is wanted when the profile has rules that only it
 * enforces; `required` layers fail the run closed (exit 125, naming the
 * layer and why); `optional` ones degrade with a message on stderr and an
 * audit event.  Nothing is ever reported as applied unless the code that
 * applies it said so.
 */
#include <stdio.h>
#include <string.h>

#include "cr.h"

static bool has_rules(const struct cp_policy *p, enum cp_layer l)
{
	switch (l) {
	case CP_LAYER_NAMESPACES:
		return p->ns.present && p->ns.mask;
	case CP_LAYER_SECCOMP:
		return p->seccomp.present;
	case CP_LAYER_LANDLOCK:
		return p->fs.present;
	case CP_LAYER_BPF_LSM:
		/* what only an LSM can check on the object: exec allowlists
		 * with W^X / created-file rules */
		return p->exec.present || p->exec.wx || p->exec.deny_created;
	case CP_LAYER_CGROUP_BPF:
		return (p->net.present && p->net.nrules > 0) || (p->dev.present && p->dev.nrules > 0);
	case CP_LAYER_CGROUP:
		return has_rules(p, CP_LAYER_BPF_LSM) || has_rules(p, CP_LAYER_CGROUP_BPF) ||
		       p->adapt.present || cp_has_cglimits(p);
	case CP_LAYER_ADAPT:
		return p->adapt.present;
	case CP_LAYER__COUNT:
		break;
	}
	return false;
}

bool cp_has_cglimits(const struct cp_policy *p)
{
	for (size_t i = 0; i < p->nrlimits; i++)
		if (cp_is_cglimit(p->rlimits[i].resource))
			return true;
	return false;
}

bool cp_layer_has_rules(const struct cp_policy *p, enum cp_layer l)
{
	return has_rules(p, l);
}

bool cp_layer_wanted(const struct cp_policy *p, enum cp_layer l)
{
	switch (p->layers[l]) {
	case CP_REQ_OFF:
		return false;
	case CP_REQ_REQUIRED:
		return true;
	case CP_REQ_OPTIONAL:
	case CP_REQ_AUTO:
		break;
	}
	if (l == CP_LAYER_CGROUP)
		return true;   /* cheap, gives the run an identity; optional */
	return has_rules(p, l);
}

bool cp_layer_required(const struct cp_policy *p, enum cp_layer l)
{
	if (p->layers[l] == CP_REQ_REQUIRED)
		return true;
	if (p->layers[l] != CP_REQ_AUTO)
		return false;
	/* the cgroup itself fails a run only when the profile sets limits in
	 * it; otherwise the layers that need it fail, naming themselves */
	if (l == CP_LAYER_CGROUP)
		return cp_has_cglimits(p);
	return has_rules(p, l);
}

static struct json_object *layer_obj(enum cp_layer l, const char *status, const char *detail)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "layer", json_object_new_string(cp_layer_name(l)));
	json_object_object_add(o, "status", json_object_new_string(status));
	if (detail)
		json_object_object_add(o, "detail", json_object_new_string(detail));
	return o;
}

void cp_layer_applied(struct cp_run *r, enum cp_layer l, const char *fmt, ...)
{
	char detail[1024];   /* the adapt layer says much: never cut it */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	r->layer_state[l] = CP_LSTATE_APPLIED;
	cp_audit_emit(r->audit, "layer", layer_obj(l, "applied", detail));
}

void cp_layer_unavailable(struct cp_run *r, enum cp_layer l, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cp_layer_required(r->policy, l)) {
		cp_audit_emit(r->audit, "layer", layer_obj(l, "failed", why));
		die("layer %s is required by profile %s but cannot be applied: %s",
		    cp_layer_name(l), r->policy->name ? r->policy->name : "?", why);
	}
	r->layer_state[l] = CP_LSTATE_DEGRADED;
	warnx_cr("warning: optional layer %s not applied: %s", cp_layer_name(l), why);
	cp_audit_emit(r->audit, "layer", layer_obj(l, "degraded", why));
}

void cp_layer_skipped(struct cp_run *r, enum cp_layer l, const char *why)
{
	r->layer_state[l] = CP_LSTATE_SKIPPED;
	cp_audit_emit(r->audit, "layer", layer_obj(l, "skipped", why));
}
