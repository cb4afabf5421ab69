// SPDX-License-Identifier: MIT
/*
 * adapt-harness - run one command under adaptive containment alone:
 * a fresh cgroup v2 leaf, the compart object's adaptive programs (its own
 * instance, not the pinned one), the sandbox registered in cp_sandboxes,
 * and launcher/adapt.c's session for records and audit events.
 *
 * It is what the corpus generator records features with and what the
 * live tests drive, so that both exercise exactly the kernel code that
 * compart-run uses, independently of the other layers.
 *
 *   adapt-harness [--model TREE] [--record FILE --label L --workload W --run R]
 *                 [--audit FILE] [--eval-every N] [--window-ms N]
 *                 [--forbid LEVEL=connect,exec-new,...] [--user UID] -- COMMAND...
 *
 * Exit status: the command's (128+signal when killed); 125 on harness
 * errors.  stdout's last line: "adapt-harness: level L tightenings T status S".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "adapt.h"
#include "audit.h"
#include "compart.skel.h"

#define FAIL 125

static const char *cgroup2_root(void)
{
	static const char *const cand[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs sf;

	for (size_t i = 0; i < 2; i++)
		if (statfs(cand[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return cand[i];
	return NULL;
}

static int parse_forbid(const char *spec, uint32_t forbid[4])
{
	static const struct { const char *w; uint32_t b; } words[] = {
		{ "connect", CP_FORBID_CONNECT }, { "bind", CP_FORBID_BIND },
		{ "exec-new", CP_FORBID_EXEC_NEW }, { "exec", CP_FORBID_EXEC },
		{ "write", CP_FORBID_WRITE }, { "fork", CP_FORBID_FORK },
		{ "freeze", CP_FORBID_FREEZE },
	};
	char buf[256], *save = NULL, *w;
	unsigned lvl;

	if (strlen(spec) >= sizeof(buf) || spec[0] < '1' || spec[0] > '3' || spec[1] != '=')
		return -EINVAL;
	lvl = (unsigned)(spec[0] - '0');
	strcpy(buf, spec + 2);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t k;

		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (!strcmp(w, words[k].w))
				break;
		if (k == sizeof(words) / sizeof(words[0]))
			return -EINVAL;
		forbid[lvl] |= words[k].b;
	}
	return 0;
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	got_signal = sig;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "record", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' },
		{ "workload", required_argument, NULL, 'w' },
		{ "run", required_argument, NULL, 'R' },
		{ "audit", required_argument, NULL, 'A' },
		{ "eval-every", required_argument, NULL, 'e' },
		{ "window-ms", required_argument, NULL, 'W' },
		{ "forbid", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "user", required_argument, NULL, 'u' },
		{ 0 },
	};
	const char *model = NULL, *record = NULL, *label = NULL, *workload = NULL, *runname = NULL;
	const char *audit_spec = NULL;
	uint32_t eval_every = 8, window_ms = 4000, forbid[4] = { 0 };
	bool verbose = false, forbid_given = false;
	long run_uid = -1;
	struct compart_bpf *skel = NULL;
	struct cp_adapt_links links = { 0 };
	struct cp_adapt_recorder *rec = NULL;
	struct cp_adapt_session *sess = NULL;
	struct cp_audit *audit = NULL;
	struct cp_tree tree = { 0 };
	struct bpf_program *p;
	char cgpath[512] = "", why[256] = "";
	int cgfd = -1, gate[2] = { -1, -1 }, status = FAIL, c, pidfd = -1;
	uint64_t cgid = 0;
	pid_t child = -1;
	const uint32_t sid = 1 + (uint32_t)(getpid() % (CP_MAX_SANDBOXES - 1));
	bool sandbox_added = false;

	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'r': record = optarg; break;
		case 'l': label = optarg; break;
		case 'w': workload = optarg; break;
		case 'R': runname = optarg; break;
		case 'A': audit_spec = optarg; break;
		case 'e': eval_every = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'W': window_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'v': verbose = true; break;
		case 'u': run_uid = strtol(optarg, NULL, 10); break;
		case 'f':
			if (parse_forbid(optarg, forbid)) {
				fprintf(stderr, "adapt-harness: bad --forbid '%s'\n", optarg);
				return 2;
			}
			forbid_given = true;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc || !eval_every || window_ms < 2) {
		fprintf(stderr, "usage: adapt-harness [options] -- COMMAND...\n");
		return 2;
	}
	if (!forbid_given) {
		/* the default profile's levels (profiles/models/README) */
		forbid[1] = CP_FORBID_CONNECT | CP_FORBID_EXEC_NEW;
		forbid[2] = CP_FORBID_WRITE | CP_FORBID_FORK | CP_FORBID_EXEC;
		forbid[3] = CP_FORBID_FREEZE;
	}
	for (int l = 1; l <= 3; l++)
		forbid[l] |= forbid[l - 1];

	if (model) {
		struct cp_diag d;
		int rc;

		cp_diag_init(&d, stderr);
		rc = cp_tree_load(model, &d, &tree);
		cp_diag_fini(&d);
		if (rc) {
			if (rc != -EINVAL)
				fprintf(stderr, "adapt-harness: %s: %s\n", model, strerror(-rc));
			return FAIL;
		}
	}
	if (cp_audit_open(audit_spec, "adapt-harness", &audit)) {
		fprintf(stderr, "adapt-harness: cannot open audit log %s\n", audit_spec);
		goto out;
	}
	if (record && cp_adapt_recorder_open(record, label, workload, runname, &rec)) {
		fprintf(stderr, "adapt-harness: cannot create %s: %s\n", record, strerror(errno));
		goto out;
	}

	const char *root = cgroup2_root();
	if (!root) {
		fprintf(stderr, "adapt-harness: no cgroup v2 hierarchy\n");
		goto out;
	}
	snprintf(cgpath, sizeof(cgpath), "%s/compart-adapt-%d", root, (int)getpid());
	if (mkdir(cgpath, 0755)) {
		fprintf(stderr, "adapt-harness: mkdir %s: %s\n", cgpath, strerror(errno));
		cgpath[0] = '\0';
		goto out;
	}
	printf("adapt-harness: cgroup %s\n", cgpath);
	fflush(stdout);
	cgfd = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	{
		struct stat st;

		if (cgfd < 0 || fstat(cgfd, &st)) {
			fprintf(stderr, "adapt-harness: open %s: %s\n", cgpath, strerror(errno));
			goto out;
		}
		cgid = st.st_ino;   /* kernfs node id == cgroup id on 64-bit */
	}

	skel = compart_bpf__open();
	if (!skel) {
		fprintf(stderr, "adapt-harness: open BPF object: %s\n", strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(p, skel->obj)
		/* LSM programs do not load on hosts without BPF LSM (and
		 * the observers' tracepoint versions cover them there) */
		bpf_program__set_autoload(p, cp_adapt_is_prog(bpf_program__name(p)) &&
					     !cp_adapt_is_lsm_prog(bpf_program__name(p)) &&
					     strcmp(bpf_program__name(p), "cp_adapt_selftest"));
	if (compart_bpf__load(skel)) {
		fprintf(stderr, "adapt-harness: load BPF: %s\n", strerror(errno));
		goto out;
	}
	if (cp_adapt_attach_global(skel->obj, &links, why, sizeof(why)) ||
	    cp_adapt_attach_cgroup(skel->obj, cgfd, &links, why, sizeof(why))) {
		fprintf(stderr, "adapt-harness: %s\n", why);
		goto out;
	}
	if (links.failed)
		fprintf(stderr, "adapt-harness: observers not attached (features stay 0): %s\n",
			links.failed_names);

	struct cp_sandbox sb = {
		.id = sid, .flags = CP_SB_ADAPT, .level = 0, .errno_deny = EPERM,
		.cgroup_id = cgid, .init_pid = 0,
	};
	memcpy(sb.forbid_at, forbid, sizeof(sb.forbid_at));
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.cp_sandboxes), &cgid, &sb, BPF_NOEXIST)) {
		fprintf(stderr, "adapt-harness: register sandbox: %s\n", strerror(errno));
		goto out;
	}
	sandbox_added = true;

	struct cp_adapt_session_opts so = {
		.sandbox_id = sid, .cgroup_fd = cgfd, .forbid_at = forbid,
		.cfg = { .eval_every = eval_every, .window_ms = window_ms, .record = rec != NULL,
			 .tree = model ? &tree : NULL },
		.audit = audit, .rec = rec, .verbose = verbose,
	};
	if (cp_adapt_fds_from_obj(skel->obj, &so.fds)) {
		fprintf(stderr, "adapt-harness: the BPF object has no adaptive-containment maps\n");
		goto out;
	}
	if (cp_adapt_session_start(&so, &sess, why, sizeof(why))) {
		fprintf(stderr, "adapt-harness: %s\n", why);
		goto out;
	}

	if (pipe2(gate, O_CLOEXEC)) {
		perror("adapt-harness: pipe");
		goto out;
	}
	child = fork();
	if (child < 0) {
		perror("adapt-harness: fork");
		goto out;
	}
	if (child == 0) {
		char b;
		int fd = openat(cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

		close(gate[1]);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			perror("adapt-harness: join cgroup");
			_exit(FAIL);
		}
		close(fd);
		if (read(gate[0], &b, 1) != 1)
			_exit(FAIL);
		/* workloads (attacks above all) run unprivileged, as a sandbox
		 * would run them: escalation attempts are refused and seen */
		if (run_uid >= 0 && (setgroups(0, NULL) || setgid((gid_t)run_uid) ||
				     setuid((uid_t)run_uid))) {
			perror("adapt-harness: drop to --user");
			_exit(FAIL);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "adapt-harness: exec %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	gate[0] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (write(gate[1], "g", 1) != 1)
		goto out;
	close(gate[1]);
	gate[1] = -1;

	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = cp_adapt_session_fd(sess), .events = POLLIN },
		};
		int wst;

		if (got_signal)
			kill(child, SIGKILL);
		poll(pf, 2, 200);
		cp_adapt_session_poll(sess, 0);
		if (waitpid(child, &wst, WNOHANG) == child) {
			status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
			child = -1;
			break;
		}
	}
	/* stragglers the command left behind in its cgroup */
	{
		int kfd = openat(cgfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);

		if (kfd >= 0) {
			if (write(kfd, "1", 1) != 1)
				perror("adapt-harness: cgroup.kill");
			close(kfd);
		}
	}
	{
		uint32_t lvl = 0;
		struct cp_sandbox now;

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.cp_sandboxes), &cgid, &now) == 0)
			lvl = now.level;
		printf("adapt-harness: level %u tightenings %u status %d\n", lvl,
		       cp_adapt_session_tightenings(sess), status);
	}
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sess)
		cp_adapt_session_end(sess);
	if (rec) {
		if (status != FAIL && cp_adapt_recorder_commit(rec)) {
			fprintf(stderr, "adapt-harness: writing %s failed\n", record);
			status = FAIL;
		}
		cp_adapt_recorder_free(rec);
	}
	if (sandbox_added)
		bpf_map_delete_elem(bpf_map__fd(skel->maps.cp_sandboxes), &cgid);
	cp_adapt_links_destroy(&links);
	compart_bpf__destroy(skel);
	if (pidfd >= 0)
		close(pidfd);
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	if (cgfd >= 0)
		close(cgfd);
	if (cgpath[0]) {
		/* the cgroup empties asynchronously after cgroup.kill */
		for (int i = 0; i < 100 && rmdir(cgpath) && errno == EBUSY; i++)
			usleep(10000);
	}
	cp_tree_free(&tree);
	cp_audit_close(audit);
	return status;
}
