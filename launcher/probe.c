/* SPDX-License-Identifier: MIT */
/*
 * probe.c - compart-run --probe [--json] [--profile P]: what this kernel
 * and these privileges support, and what profile P would get here.
 *
 * Every answer comes from trying the real thing (creating the namespace,
 * asking seccomp and Landlock, loading a program) in a throw-away child,
 * never from version numbers.
 *
 * The LSM list: /sys/kernel/security/lsm when securityfs is mounted; when
 * it is not (common in containers and on this kind of host), root mounts
 * securityfs privately in a throw-away mount namespace and reads it there,
 * so the host's mount table is never touched; without privilege the list
 * is reported as unknown.  A listed `bpf` is still not enough: BPF LSM is
 * only reported active when a BPF LSM program also loads (the BPF layer's
 * cp_bpf_probe_lsm()).
 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr.h"

/* Provided by launcher/bpf.c when the BPF layer is built in. */
extern int cp_bpf_probe_lsm(char *why, size_t n) __attribute__((weak));
extern int cp_bpf_probe_cgroup(char *why, size_t n) __attribute__((weak));

struct feat {
	const char *name;
	bool ok;
	char detail[200];
};

enum {
	F_USERNS, F_PIDNS, F_MNTNS, F_NETNS, F_IPCNS, F_UTSNS, F_CGNS, F_TIMENS,
	F_SECCOMP, F_SECCOMP_NOTIF, F_LANDLOCK, F_LSM_LIST, F_BPF_LSM, F_CGROUP2,
	F_CGROUP_BPF, F_BTF, F__COUNT
};

static const struct { int flag; const char *name; } ns_tab[] = {
	{ CLONE_NEWUSER, "user-namespace" }, { CLONE_NEWPID, "pid-namespace" },
	{ CLONE_NEWNS, "mount-namespace" }, { CLONE_NEWNET, "net-namespace" },
	{ CLONE_NEWIPC, "ipc-namespace" }, { CLONE_NEWUTS, "uts-namespace" },
	{ CLONE_NEWCGROUP, "cgroup-namespace" }, { CLONE_NEWTIME, "time-namespace" },
};

/* Run fn in a child; its exit status is 0 or an errno. */
static int in_child(int (*fn)(int), int arg)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

static int try_unshare(int flag)
{
	if (geteuid() != 0 && flag != CLONE_NEWUSER && unshare(CLONE_NEWUSER) < 0)
		return errno;
	return unshare(flag) < 0 ? errno : 0;
}

static void probe_ns(struct feat *f)
{
	for (size_t i = 0; i < 8; i++) {
		int e = in_child(try_unshare, ns_tab[i].flag);

		f[F_USERNS + i].name = ns_tab[i].name;
		f[F_USERNS + i].ok = e == 0;
		snprintf(f[F_USERNS + i].detail, sizeof(f[0].detail), "%s",
			 e ? strerror(e) : geteuid() && i ? "inside a user namespace" : "");
	}
}

static void probe_seccomp(struct feat *f)
{
	uint32_t act = SECCOMP_RET_KILL_PROCESS;
	struct seccomp_notif_sizes sz;

	f[F_SECCOMP].name = "seccomp-filter";
	f[F_SECCOMP].ok = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
	snprintf(f[F_SECCOMP].detail, sizeof(f[0].detail), "%s",
		 f[F_SECCOMP].ok ? "" : strerror(errno));
	f[F_SECCOMP_NOTIF].name = "seccomp-user-notification";
	act = SECCOMP_RET_USER_NOTIF;
	f[F_SECCOMP_NOTIF].ok = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0 &&
				syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) == 0;
	snprintf(f[F_SECCOMP_NOTIF].detail, sizeof(f[0].detail), "%s",
		 f[F_SECCOMP_NOTIF].ok ? "" : strerror(errno));
}

static int read_lsm_private(int fd)
{
	char buf[512];
	ssize_t n;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return errno;
	n = cr_read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", buf, sizeof(buf));
	if (n < 0)
		return (int)-n;
	return cr_write_all(fd, buf, (size_t)n) < 0 ? EIO : 0;
}

static int lsm_pipe_fd;
static int lsm_child(int unused)
{
	(void)unused;
	return read_lsm_private(lsm_pipe_fd);
}

/* The active LSM list, or "" with *how saying why not. */
static void lsm_list(char *out, size_t n, const char **how)
{
	int p[2], e;
	ssize_t got;

	out[0] = '\0';
	if (cr_read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", out, n) >= 0) {
		*how = "securityfs";
		return;
	}
	if (geteuid() != 0) {
		*how = "securityfs not mounted and not root: unknown";
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		*how = "pipe failed";
		return;
	}
	lsm_pipe_fd = p[1];
	e = in_child(lsm_child, 0);
	close(p[1]);
	got = cr_read_full(p[0], out, n - 1);
	close(p[0]);
	out[got > 0 ? got : 0] = '\0';
	*how = e ? "private securityfs mount failed" : "securityfs mounted privately";
}

static void probe_all(struct feat *f)
{
	char lsms[512], why[200];
	const char *how;
	int err, abi;
	struct stat st;

	probe_ns(f);
	probe_seccomp(f);

	abi = cr_landlock_abi(&err);
	f[F_LANDLOCK].name = "landlock";
	f[F_LANDLOCK].ok = abi > 0;
	if (abi > 0)
		snprintf(f[F_LANDLOCK].detail, sizeof(f[0].detail), "abi %d", abi);
	else
		snprintf(f[F_LANDLOCK].detail, sizeof(f[0].detail), "%s", strerror(err));

	lsm_list(lsms, sizeof(lsms), &how);
	lsms[strcspn(lsms, "\n")] = '\0';
	f[F_LSM_LIST].name = "lsm-list";
	f[F_LSM_LIST].ok = lsms[0] != '\0';
	snprintf(f[F_LSM_LIST].detail, sizeof(f[0].detail), "%s (%s)", lsms[0] ? lsms : "?", how);

	f[F_BPF_LSM].name = "bpf-lsm";
	if (lsms[0] && !strstr(lsms, "bpf")) {
		snprintf(f[F_BPF_LSM].detail, sizeof(f[0].detail), "bpf is not an active LSM");
	} else if (!cp_bpf_probe_lsm) {
		snprintf(f[F_BPF_LSM].detail, sizeof(f[0].detail),
			 "not probed: this build has no BPF layer");
	} else {
		why[0] = '\0';
		f[F_BPF_LSM].ok = cp_bpf_probe_lsm(why, sizeof(why)) == 1 && lsms[0];
		snprintf(f[F_BPF_LSM].detail, sizeof(f[0].detail), "%s",
			 f[F_BPF_LSM].ok ? "an LSM program loads" : why[0] ? why :
			 "the LSM list is unknown");
	}

	f[F_CGROUP2].name = "cgroup-v2";
	{
		char parent[PATH_MAX];

		why[0] = '\0';
		f[F_CGROUP2].ok = cr_cgroup_parent(parent, sizeof(parent), why, sizeof(why)) == 0;
		snprintf(f[F_CGROUP2].detail, sizeof(f[0].detail), "%.199s",
			 f[F_CGROUP2].ok ? parent : why);
	}

	f[F_CGROUP_BPF].name = "cgroup-bpf";
	if (!cp_bpf_probe_cgroup) {
		snprintf(f[F_CGROUP_BPF].detail, sizeof(f[0].detail),
			 "not probed: this build has no BPF layer");
	} else {
		why[0] = '\0';
		f[F_CGROUP_BPF].ok = cp_bpf_probe_cgroup(why, sizeof(why)) == 1;
		snprintf(f[F_CGROUP_BPF].detail, sizeof(f[0].detail), "%s",
			 f[F_CGROUP_BPF].ok ? "a cgroup program loads and attaches" : why);
	}

	f[F_BTF].name = "btf";
	f[F_BTF].ok = stat("/sys/kernel/btf/vmlinux", &st) == 0;
	snprintf(f[F_BTF].detail, sizeof(f[0].detail), "%s",
		 f[F_BTF].ok ? "/sys/kernel/btf/vmlinux" : "no kernel BTF");
}

/* Can layer l be applied here, given the probe? */
static bool layer_available(const struct cp_policy *p, const struct feat *f, enum cp_layer l,
			    const char **why)
{
	*why = "";
	switch (l) {
	case CP_LAYER_NAMESPACES:
		for (size_t i = 0; i < 8; i++) {
			if ((p->ns.mask & (1u << i)) && !f[F_USERNS + i].ok) {
				*why = f[F_USERNS + i].name;
				return false;
			}
		}
		return true;
	case CP_LAYER_SECCOMP:
		*why = f[F_SECCOMP].detail;
		return f[F_SECCOMP].ok;
	case CP_LAYER_LANDLOCK:
		*why = f[F_LANDLOCK].detail;
		return f[F_LANDLOCK].ok;
	case CP_LAYER_BPF_LSM:
		*why = f[F_BPF_LSM].detail;
		return f[F_BPF_LSM].ok;
	case CP_LAYER_CGROUP_BPF:
		*why = f[F_CGROUP_BPF].detail;
		return f[F_CGROUP_BPF].ok;
	case CP_LAYER_CGROUP: {
		static char lim[256];

		*why = f[F_CGROUP2].detail;
		if (!f[F_CGROUP2].ok || !cp_has_cglimits(p))
			return f[F_CGROUP2].ok;
		/* the profile's limits need their controllers too */
		if (cr_cglimits_where(p, lim, sizeof(lim)) < 0) {
			*why = lim;
			return false;
		}
		snprintf(lim + strlen(lim), sizeof(lim) - strlen(lim), "; %s", f[F_CGROUP2].detail);
		*why = lim;
		return true;
	}
	case CP_LAYER_ADAPT:
		*why = f[F_CGROUP_BPF].ok ? "" : f[F_CGROUP_BPF].detail;
		if (f[F_CGROUP_BPF].ok && cr_notify_needed(p, f[F_BPF_LSM].ok)) {
			/* the run's choice (plan_gate) */
			static char gate[400];
			char scr[200];

			if (cr_scratch_exempt(p, scr, sizeof(scr)))
				snprintf(gate, sizeof(gate), "write, exec and fork restrictions through "
					 "the seccomp gate (scratch writes in %s performed by the gate; "
					 "exec-new: writable mounts made noexec)", scr);
			else
				snprintf(gate, sizeof(gate), "write, exec and fork restrictions through "
					 "the seccomp gate (no scratch exemption: no scratch path is a "
					 "tmpfs of the view; exec-new: writable mounts made noexec)");
			*why = f[F_SECCOMP_NOTIF].ok ? gate :
				"write, exec and fork restrictions NOT enforced (no BPF LSM, no "
				"seccomp gate)";
		}
		return f[F_CGROUP_BPF].ok && f[F_BTF].ok;
	case CP_LAYER__COUNT:
		break;
	}
	return false;
}

static const char *verdict(const struct cp_policy *p, const struct feat *f, enum cp_layer l,
			   const char **why)
{
	*why = "";
	if (!cp_layer_wanted(p, l))
		return "skip";
	if (layer_available(p, f, l, why))
		return "apply";
	return cp_layer_required(p, l) ? "fail-closed" : "degrade";
}

/* The profile builds a filesystem view (a mount namespace and a
 * filesystem section) with denied paths in it. */
static bool view_forecast(const struct cp_policy *p)
{
	bool deny = false;

	for (size_t i = 0; p->fs.present && i < p->fs.nrules; i++)
		deny |= (p->fs.rules[i].access & CP_FS_DENY) != 0;
	return deny && cp_layer_wanted(p, CP_LAYER_NAMESPACES) && (p->ns.mask & CP_NS_MOUNT);
}

int cr_probe_main(const struct cp_run_opts *o)
{
	struct feat f[F__COUNT];
	struct cp_policy *p = NULL;
	bool would_fail = false;
	const char *why;

	memset(f, 0, sizeof(f));
	probe_all(f);
	if (o->profile)
		p = cr_load_profile(o);

	if (o->json) {
		struct json_object *root = json_object_new_object(), *feats = json_object_new_object();

		json_object_object_add(root, "euid", json_object_new_int64(geteuid()));
		for (size_t i = 0; i < F__COUNT; i++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "available", json_object_new_boolean(f[i].ok));
			json_object_object_add(x, "detail", json_object_new_string(f[i].detail));
			json_object_object_add(feats, f[i].name, x);
		}
		json_object_object_add(root, "features", feats);
		if (p) {
			struct json_object *ls = json_object_new_object();

			for (int l = 0; l < CP_LAYER__COUNT; l++) {
				struct json_object *x = json_object_new_object();
				const char *v = verdict(p, f, (enum cp_layer)l, &why);

				would_fail |= strcmp(v, "fail-closed") == 0;
				json_object_object_add(x, "verdict", json_object_new_string(v));
				if (*why)
					json_object_object_add(x, "why", json_object_new_string(why));
				json_object_object_add(ls, cp_layer_name((enum cp_layer)l), x);
			}
			json_object_object_add(root, "profile", json_object_new_string(p->name ? p->name : ""));
			json_object_object_add(root, "layers", ls);
			json_object_object_add(root, "would_run", json_object_new_boolean(!would_fail));
			if (view_forecast(p)) {
				struct json_object *d = json_object_new_object();

				for (size_t i = 0; i < p->fs.nrules; i++)
					if (p->fs.rules[i].access & CP_FS_DENY)
						json_object_object_add(d, p->fs.rules[i].path, json_object_new_string(
							cr_view_deny_fate(p, &p->fs.rules[i])));
				json_object_object_add(root, "denied_paths", d);
			}
		}
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		printf("kernel features (euid %u):\n", geteuid());
		for (size_t i = 0; i < F__COUNT; i++)
			printf("  %-26s %-3s %s\n", f[i].name, f[i].ok ? "yes" : "no", f[i].detail);
		if (p) {
			printf("profile %s here:\n", p->name ? p->name : "?");
			for (int l = 0; l < CP_LAYER__COUNT; l++) {
				const char *v = verdict(p, f, (enum cp_layer)l, &why);

				would_fail |= strcmp(v, "fail-closed") == 0;
				printf("  %-12s %-11s %s\n", cp_layer_name((enum cp_layer)l), v, why);
			}
			if (view_forecast(p)) {
				printf("denied paths in the view:\n");
				for (size_t i = 0; i < p->fs.nrules; i++)
					if (p->fs.rules[i].access & CP_FS_DENY)
						printf("  %-40s %s\n", p->fs.rules[i].path,
						       cr_view_deny_fate(p, &p->fs.rules[i]));
			}
			printf("would %s\n", would_fail ? "fail closed (exit 125)" : "run");
		}
	}
	cp_policy_free(p);
	return 0;
}
