/* SPDX-License-Identifier: MIT */
/*
 * compart.h - public API of libcompart, the policy compiler.
 *
 * Library convention: functions return 0 or a negative errno and never
 * exit.  Errors about the user's input are reported through a struct
 * cp_diag as "file:line:col: error: message", followed by the source line
 * and a caret, and the function then returns -EINVAL.
 */
#ifndef COMPART_H
#define COMPART_H

#include <stdio.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "ir.h"
#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- front end ---------------------------------------------------------- */

struct cp_load_opts {
	/* directories searched for `include "x"` and for profile NAMEs,
	 * NULL-terminated; NULL = the built-in default (./profiles next to
	 * the binary's build tree, then CP_PROFILE_DIR) */
	const char *const *search_path;
	/* the groups file (syscall groups); NULL = default */
	const char *groups_file;
	/* predefined variables; NULL means take them from the environment
	 * ($HOME, $CWD = getcwd(), $TMPDIR default /tmp) */
	const char *home, *cwd, *tmpdir;
	/* user variables from the command line: "NAME=VALUE" strings,
	 * NULL-terminated */
	const char *const *defines;
};

/* Parse, check and lower a profile.  `name_or_path` is a path when it
 * contains a '/' or ends in ".profile", otherwise a profile NAME searched
 * in the search path. */
int cp_profile_load(const char *name_or_path, const struct cp_load_opts *opts,
		    struct cp_diag *diag, struct cp_policy **out);

/* The same from a buffer (used by tests and the fuzzer).  `fname` is used
 * in messages; includes are resolved against opts->search_path. */
int cp_profile_load_buf(const char *fname, const char *buf, size_t len,
			const struct cp_load_opts *opts, struct cp_diag *diag,
			struct cp_policy **out);

/* Directory of shipped profiles (compile-time default, overridable with
 * $COMPART_PROFILE_DIR). */
const char *cp_default_profile_dir(void);

/* ---- seccomp backend ---------------------------------------------------- */

struct cp_bpf_prog {
	struct sock_filter *insns;
	size_t len;
	/* SECCOMP_FILTER_FLAG_* bits the loader must pass besides TSYNC:
	 * LOG when a non-allow rule (or the default) carries `audit` or the
	 * policy sets log_denials; NEW_LISTENER (and then TSYNC_ESRCH, since
	 * TSYNC and NEW_LISTENER otherwise exclude each other) when a rule
	 * notifies.  Filled by cp_seccomp_build. */
	unsigned int flags;
	/* number of rules that notify (the launcher needs a supervisor) */
	unsigned int n_notify;
};

void cp_bpf_prog_free(struct cp_bpf_prog *prog);

/* Build the classic-BPF seccomp program for the policy's filter, for the
 * native architecture given (CP_ARCH_X86_64 or CP_ARCH_AARCH64), admitting
 * the policy's extra ABIs.  The program is what seccomp(2) loads. */
int cp_seccomp_build(const struct cp_policy *p, enum cp_arch native,
		     struct cp_diag *diag, struct cp_bpf_prog *out);

/* Readable disassembly of a seccomp program. */
int cp_bpf_disasm(const struct cp_bpf_prog *prog, enum cp_arch native, FILE *out);

/* ---- other backends ---------------------------------------------------- */

/* Plain-words statement of what the policy allows, layer by layer. */
int cp_emit_summary(const struct cp_policy *p, FILE *out);

/* OCI runtime-spec `linux.seccomp` object. */
int cp_emit_oci_json(const struct cp_policy *p, struct cp_diag *diag, FILE *out);

/* Profile text equivalent to the policy (used by --import-oci). */
int cp_emit_profile(const struct cp_policy *p, FILE *out);

/* ---- OCI / Docker seccomp JSON importer -------------------------------- */

struct cp_import_opts {
	uint64_t caps;            /* capabilities considered granted (includes/excludes) */
	uint32_t kernel_major;    /* 0 = uname() of the running kernel */
	uint32_t kernel_minor;
	enum cp_arch native;      /* arch considered native; 0 = CP_ARCH_X86_64 */
};

int cp_import_oci(const char *path, const struct cp_import_opts *opts,
		  struct cp_diag *diag, struct cp_policy **out);
int cp_import_oci_buf(const char *fname, const char *buf, size_t len,
		      const struct cp_import_opts *opts, struct cp_diag *diag,
		      struct cp_policy **out);

/* ---- helpers ------------------------------------------------------------ */

/* Write `len` bytes atomically: temp file in the same directory, fsync,
 * rename.  Never leaves a partial file. */
int cp_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode);

#ifdef __cplusplus
}
#endif
#endif /* COMPART_H */
