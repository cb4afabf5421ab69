// SPDX-License-Identifier: MIT
/* ir.c - ownership and naming helpers of the IR (ir.h). */
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "ir.h"

void cp_sys_rule_free(struct cp_sys_rule *r)
{
	for (size_t i = 0; i < r->nconds; i++)
		free(r->conds[i].set);
	free(r->conds);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

/* Free what a policy owns but not the struct itself (fragments embed one). */
void cp_policy_release_adapt(struct cp_adapt *a)
{
	free(a->model_path);
	for (size_t i = 0; i < a->nscratch; i++)
		free(a->scratch[i]);
	free(a->scratch);
	memset(a, 0, sizeof(*a));
}

void cp_policy_release(struct cp_policy *p)
{
	free(p->name);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->ns.hostname);
	for (size_t i = 0; i < p->fs.nrules; i++)
		free(p->fs.rules[i].path);
	free(p->fs.rules);
	for (size_t i = 0; i < p->seccomp.nrules; i++)
		cp_sys_rule_free(&p->seccomp.rules[i]);
	free(p->seccomp.rules);
	free(p->net.families);
	for (size_t i = 0; i < p->net.nrules; i++)
		free(p->net.rules[i].unix_path);
	free(p->net.rules);
	for (size_t i = 0; i < p->exec.nrules; i++)
		free(p->exec.rules[i].path);
	free(p->exec.rules);
	free(p->dev.rules);
	free(p->rlimits);
	cp_policy_release_adapt(&p->adapt);
	memset(p, 0, sizeof(*p));
}

void cp_policy_free(struct cp_policy *p)
{
	if (!p)
		return;
	cp_policy_release(p);
	free(p);
}

const char *cp_layer_name(enum cp_layer l)
{
	switch (l) {
	case CP_LAYER_NAMESPACES: return "namespaces";
	case CP_LAYER_SECCOMP:    return "seccomp";
	case CP_LAYER_LANDLOCK:   return "landlock";
	case CP_LAYER_BPF_LSM:    return "bpf-lsm";
	case CP_LAYER_CGROUP_BPF: return "cgroup-bpf";
	case CP_LAYER_CGROUP:     return "cgroup";
	case CP_LAYER_ADAPT:      return "adapt";
	case CP_LAYER__COUNT:     break;
	}
	return "unknown";
}

const char *cp_action_kind_name(enum cp_action_kind k)
{
	switch (k) {
	case CP_ACT_ALLOW:        return "allow";
	case CP_ACT_ERRNO:        return "errno";
	case CP_ACT_KILL_PROCESS: return "kill-process";
	case CP_ACT_KILL_THREAD:  return "kill-thread";
	case CP_ACT_TRAP:         return "trap";
	case CP_ACT_LOG:          return "log";
	case CP_ACT_NOTIFY:       return "notify";
	}
	return "unknown";
}
