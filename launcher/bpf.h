/* SPDX-License-Identifier: MIT */
/*
 * bpf.h - the BPF layer of compart-run: load (or reuse pinned) programs,
 * scope them to one sandbox, stream its events, tear down.
 *
 * Life cycle, per launch:
 *   cp_bpf_open()         lock; reuse /sys/fs/bpf/compart/v<ABI>-<objhash>
 *                         or load the object and pin every program and
 *                         map;
 *   cp_bpf_sandbox_add()  allocate a sandbox id, fill the maps, attach the
 *                         LSM programs (BPF LSM hosts) if no sandbox has,
 *                         attach the cgroup programs to the sandbox's
 *                         cgroup; unlock;
 *   cp_bpf_attach_observers()  adaptive sandboxes: the tracing observers;
 *   cp_bpf_poll()         deliver this sandbox's events;
 *   cp_bpf_close()        lock; detach its cgroup programs, remove its map
 *                         entries (its ring buffer stays in the slot for
 *                         the next sandbox with that id: replacing a
 *                         map-in-map slot costs an RCU grace period); when
 *                         it was the last sandbox, unpin everything (or,
 *                         in resident mode, only the global links); unlock.
 * The lock is flock() on /run/compart/bpf.lock, so concurrent launches and
 * teardowns never see half-built or half-removed state.
 */
#ifndef CR_BPF_H
#define CR_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf_maps.h"

struct cp_bpf;
struct cp_audit;
struct json_object;

/* BPF LSM is usable: `bpf` is an active LSM (securityfs is mounted
 * privately when the host has not mounted it) AND a BPF LSM program
 * actually loads.  Returns 1 (usable) or 0 (not; `why` says why). */
int cp_bpf_probe_lsm(char *why, size_t n);
/* cgroup BPF is usable: a cgroup v2 hierarchy exists and a sock_addr
 * program loads and attaches to a scratch cgroup.  1 or 0 (with why). */
int cp_bpf_probe_cgroup(char *why, size_t n);
/* The cgroup v2 mount point ("" when none).  Returns 0 or -ENOENT. */
int cp_bpf_cgroup2_root(char *buf, size_t n);

/* The LSM programs are loaded whenever BPF LSM is usable (they are shared
 * by every sandbox and return at once for sandboxes without such rules). */
struct cp_bpf_opts {
	const char *pin_root;     /* NULL = /sys/fs/bpf/compart */
	const char *lock_path;    /* NULL = /run/compart/bpf.lock */
};

/* Returns 0 or -errno with a message in `why`.  On success the lock is
 * held until cp_bpf_sandbox_add() or cp_bpf_close(). */
int cp_bpf_open(const struct cp_bpf_opts *o, struct cp_bpf **out, char *why, size_t n);

/* Resident mode, the operator's choice (compart-ctl bpf resident|release).
 * on: keep the verified programs and the maps pinned while no sandbox
 * runs, with the global programs detached (nothing runs for processes
 * outside a sandbox), and load them now if they are not loaded.  off:
 * unpin whatever is idle now; a version still in use goes with its last
 * sandbox.  0 or -errno with a message in `why`. */
int cp_bpf_resident(const struct cp_bpf_opts *o, bool on, char *why, size_t n);

/* Attach the adaptive layer's tracing observers (host-wide tracepoints)
 * if no sandbox has yet: they are attached only once an adaptive sandbox
 * needs them, and detached with the last adaptive one, so processes outside
 * any sandbox pay for them only while an adaptive one runs.  (The LSM
 * programs are attached by cp_bpf_sandbox_add() on a BPF LSM host.)
 * Takes the lock if it is not held.  0 or -errno with `why`; an observer
 * this kernel cannot attach is left out: check cp_bpf_prog_attached(). */
int cp_bpf_attach_observers(struct cp_bpf *b, char *why, size_t n);

bool cp_bpf_lsm_active(const struct cp_bpf *b);
/* Why the LSM programs are not active ("" when they are). */
const char *cp_bpf_lsm_why(const struct cp_bpf *b);
/* true when the programs came from the pins (no verifier pass). */
bool cp_bpf_reused(const struct cp_bpf *b);
const char *cp_bpf_pin_dir(const struct cp_bpf *b);

/* Map / program fds by object name ("cp_sandboxes", "cp_cg_connect4", ...);
 * -ENOENT when absent.  For launcher/adapt.c and tests. */
int cp_bpf_map_fd(const struct cp_bpf *b, const char *name);
int cp_bpf_prog_fd(const struct cp_bpf *b, const char *name);
/* Is the program running: a global program (tracepoint, kprobe, LSM) has
 * a pinned link, a cgroup program is attached to this sandbox's cgroup.
 *
 * Every program of the object is handled here, including the adaptive
 * observers: global ones are attached on demand and their links pinned
 * until the last sandbox that needs them exits (an observer that cannot attach is simply
 * not attached: check this), cgroup ones are attached
 * to each sandbox's cgroup by cp_bpf_sandbox_add().  SEC("syscall")
 * programs are pinned, never attached (run them with
 * bpf_prog_test_run_opts on cp_bpf_prog_fd()). */
bool cp_bpf_prog_attached(const struct cp_bpf *b, const char *name);
/* Comma-separated programs not loaded because this kernel lacks their
 * hook (BTF function or tracepoint); "" when none. */
const char *cp_bpf_missing(struct cp_bpf *b);

#define CP_BPF_ADD_LOG_ONLY   (1u << 0)   /* audit, never deny */
#define CP_BPF_ADD_DEFER_ARM  (1u << 1)   /* fill the maps now, scope later */

/* Scope the programs to the cgroup: fill the maps from `m` (resolving
 * inode rules now), then attach the cgroup programs.  init_pid is the
 * sandbox's init (host pid), used for stale-entry collection. */
int cp_bpf_sandbox_add(struct cp_bpf *b, int cgroup_fd, uint64_t cgroup_id, uint32_t init_pid,
		       const struct cp_bpf_maps *m, uint32_t addflags, char *why, size_t n);
/* With CP_BPF_ADD_DEFER_ARM: put the cgroup in scope and attach the
 * cgroup programs now (after the sandbox's own setup: mounts, pivot_root,
 * which the rules would otherwise refuse; before the target runs).
 * cgroup_fd must still be open.  The lock stays held from add to arm (the
 * new sandbox id is not visible to other launchers before), so keep that
 * window short. */
int cp_bpf_sandbox_arm(struct cp_bpf *b, uint32_t init_pid, char *why, size_t n);
uint32_t cp_bpf_sandbox_id(const struct cp_bpf *b);
/* Current containment level, and setting it (tests, manual override). */
int cp_bpf_get_level(const struct cp_bpf *b, uint32_t *level);
int cp_bpf_set_level(struct cp_bpf *b, uint32_t level);
/* Number of cgroup programs attached for this sandbox. */
unsigned cp_bpf_cgroup_links(const struct cp_bpf *b);
/* Unix rules whose socket path did not exist at attach (they cannot
 * match; the network default decides for those sockets). */
unsigned cp_bpf_unix_unresolved(const struct cp_bpf *b);

typedef void (*cp_bpf_event_cb)(const struct cp_event *e, void *ctx);
/* The epoll-able fd of this sandbox's ring buffer. */
int cp_bpf_events_fd(const struct cp_bpf *b);
/* Consume available events (timeout_ms like epoll).  Returns the number
 * delivered or -errno. */
int cp_bpf_poll(struct cp_bpf *b, int timeout_ms, cp_bpf_event_cb cb, void *ctx);
/* Records of another size than struct cp_event that a program put in
 * this sandbox's ring buffer with cp_rb_reserve() (maps.bpf.h), e.g. the
 * adaptive model's decisions: delivered here during cp_bpf_poll(). */
typedef void (*cp_bpf_raw_cb)(const void *data, size_t size, void *ctx);
void cp_bpf_set_raw_handler(struct cp_bpf *b, cp_bpf_raw_cb cb, void *ctx);
/* Events lost in the kernel for this sandbox (ring buffer full). */
uint64_t cp_bpf_drops(const struct cp_bpf *b);

/* The audit-log fields for an event: hook, verdict, pid, comm, object,
 * rule.  Caller owns the result. */
struct json_object *cp_bpf_event_json(const struct cp_event *e);
const char *cp_bpf_hook_name(unsigned hook);
/* "deny", "audit" (would deny; log-only) or "allow". */
const char *cp_bpf_verdict_name(unsigned verdict);

/* Tear down this sandbox (and the pins if it was the last); safe on a
 * partly set up handle and on NULL. */
void cp_bpf_close(struct cp_bpf *b);

/* ---- launcher integration (compart-run only) ------------------------- */
#ifndef CP_BPF_CORE_ONLY
struct cp_run;
/* At "layer: bpf (prepare)" (cgroup exists, no sandboxed process yet):
 * compile the maps, load or reuse the programs, fill the maps.  Reports
 * and, for a required layer, dies when BPF cannot be used. */
int cp_bpf_layer_prepare(struct cp_run *r);
/* At "layer: bpf" (init READY, target not started): scope the sandbox,
 * attach the cgroup programs, report each layer with
 * cp_layer_applied()/cp_layer_unavailable(), register the ring buffer with
 * the supervisor.  Returns 0 or dies (required layer). */
int cp_bpf_layer_attach(struct cp_run *r);
/* At "layer: bpf detach": drain events, report drops, tear down. */
void cp_bpf_layer_detach(struct cp_run *r);
/* --probe lines: "bpf-lsm: yes|no (why)", "cgroup-bpf: ..." */
void cp_bpf_probe_print(FILE *out, bool json);
#endif

#endif /* CR_BPF_H */
