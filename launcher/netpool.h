/* SPDX-License-Identifier: MIT */
/*
 * netpool.h - a pool of pre-created network namespaces (operator opt-in).
 *
 * Creating a network namespace and bringing its loopback up is the largest
 * single kernel cost of a launch (~0.6-1 ms of ~4 ms).  An operator who
 * wants it off the launch path provisions a pool:
 *
 *     compart-ctl netns-pool fill N
 *
 * The pool is a root-only directory (CR_NETPOOL_DIR) of nsfs bind mounts,
 * one per namespace, plus a "size" file.  A root launch whose profile asks
 * for a network namespace and keeps no capability claims one (marked
 * claimed under the pool's lock, so it is used by exactly one sandbox,
 * never again).  When a claim leaves the pool below half its size, a
 * detached helper unpins the claimed namespaces and tops the pool up.
 * Without the directory nothing changes: the sandbox gets CLONE_NEWNET as
 * before.
 *
 * Library-style: functions return -errno; nothing here exits.
 */
#ifndef CR_NETPOOL_H
#define CR_NETPOOL_H

#include <stdbool.h>

#define CR_NETPOOL_DIR "/run/compart/netns"
#define CR_NETPOOL_MAX 64

/* The pool directory: $COMPART_NETNS_POOL (tests) or CR_NETPOOL_DIR. */
const char *cr_netpool_dir(void);

/* Claim one namespace: an fd of a network namespace owned by the caller's
 * user namespace, with lo up, that no other sandbox has or will get.
 * *refill: the pool is down to less than half its size (refills are
 * batched, so most launches start no helper).  -ENOENT: no pool;
 * -ENODATA: it is empty (*refill set); -EWOULDBLOCK: busy (a concurrent
 * claim); -EPERM: not root; other -errno: the pool is unusable. */
int cr_netpool_claim(const char *dir, bool *refill);

/* Create namespaces until the pool holds its size (from its "size" file,
 * or `size` if > 0, which is then written there).  Returns how many were
 * added, or -errno. */
int cr_netpool_fill(const char *dir, unsigned size);

/* Start cr_netpool_fill(dir, 0) in a detached process (its stdio on
 * /dev/null, no fd of the caller's), so the caller's latency does not
 * include it.  Returns 0 or -errno. */
int cr_netpool_refill_detached(const char *dir);

/* Unpin every pooled namespace and remove the pool.  Returns how many
 * were unpinned, or -errno. */
int cr_netpool_flush(const char *dir);

/* Bring up lo in the calling thread's network namespace.  0 or -errno. */
int cr_loopback_up(void);

/* Pooled namespaces now, and the configured size (0 if none). */
int cr_netpool_status(const char *dir, unsigned *count, unsigned *size);

#endif /* CR_NETPOOL_H */
