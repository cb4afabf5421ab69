/* SPDX-License-Identifier: MIT */
/*
 * adapt_run.h - the adaptive-containment layer of compart-run (see
 * adapt_run.c); the core it builds on is adapt.h.
 */
#ifndef CR_ADAPT_RUN_H
#define CR_ADAPT_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct cp_run;

/* At "layer: adapt": load and validate the model (exit 125 on a bad tree
 * file), install it for the sandbox, start recording if asked, register
 * the decision ring buffer with the supervisor, report the layer. */
void cr_adapt_layer_attach(struct cp_run *r);
/* At "layer: adapt detach" (and from cleanup paths with completed =
 * false): drain decisions, write the summary, commit or discard the
 * feature trace, remove the sandbox's model.  Safe to call twice. */
void cr_adapt_layer_detach(struct cp_run *r, bool completed);
/* The sandbox's current level and what it forbids (cumulative
 * CP_FORBID_*), read from the kernel's map now: 0, or -errno (-ENOENT:
 * no adapt session, so the level never rises). */
int cr_adapt_forbidden(const struct cp_run *r, uint32_t *level, uint32_t *forbid);

#endif /* CR_ADAPT_RUN_H */
