// SPDX-License-Identifier: GPL-2.0
/*
 * compart.bpf.c - the single BPF compilation unit of compart-run.
 *
 * One object means one skeleton, maps shared between the enforcement and
 * the observer programs without map-in-map plumbing, and one verifier pass
 * per boot (the loader pins the result).  Keep this file to #includes.
 */
#include "common.bpf.h"
#include "maps.bpf.h"
#include "adapt.bpf.h"     /* before the enforcement hooks: they may call cp_adapt_event() */
#include "lsm.bpf.h"
#include "cgroup.bpf.h"
#include "adapt_hooks.bpf.h"  /* last: observers must run before the enforcement
                               * hooks of the same operation (see that file) */

char LICENSE[] SEC("license") = "GPL";
