// SPDX-License-Identifier: MIT
/*
 * bench-adapt - what adaptive containment costs, measured side by side
 * in one run (the machine is noisy: only ratios and deltas mean anything).
 *
 *  1. Per-operation cost for a process OUTSIDE every sandbox while a
 *     sandbox is being observed: getppid, openat+close, mmap+munmap,
 *     fork+wait, and 4 KiB appends (a newly dirtied page each).  Three
 *     variants interleaved round by round (CPU time of the measuring
 *     thread): observers detached; attached without the scope root (every
 *     outside task pays a hash lookup); attached with it, as compart-run
 *     runs them (the sandbox's cgroup under a parent, cp_obs_root set).
 *     Then, deterministic: how many observer runs each operation causes
 *     (kernel.bpf_stats run counts).
 *  2. Slowdown of a syscall-heavy workload INSIDE an observed sandbox
 *     (find + cat + tar over /usr/include), with the observers and the
 *     model on vs off, interleaved.
 *  3. Size of every adaptive program after verification (instructions
 *     translated, verified), and the kernel's own run-time accounting
 *     (kernel.bpf_stats_enabled) per program over part 2.
 *
 *   bench-adapt [--rounds N] [--model FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "adapt.h"
#include "compart.skel.h"

#define SKIP 77

/* CPU time of this thread: time the machine's other tenants take from us
 * (it is shared and busy) is not counted, the kernel work of our own
 * syscalls, programs included, is. */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The kernel's info on a loaded adaptive program: 0, or -1 for any other
 * program (or one that is not loaded). */
static int adapt_prog_info(struct bpf_program *p, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_program__fd(p);

	if (fd < 0 || !cp_adapt_is_prog(bpf_program__name(p)))
		return -1;
	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -1 : 0;
}

/* Sum of run_cnt and run_time_ns over the adaptive programs. */
static void prog_stats(struct bpf_object *obj, uint64_t *cnt, uint64_t *ns)
{
	struct bpf_program *p;
	struct bpf_prog_info info;

	*cnt = *ns = 0;
	bpf_object__for_each_program(p, obj) {
		if (adapt_prog_info(p, &info))
			continue;
		*cnt += info.run_cnt;
		*ns += info.run_time_ns;
	}
}

/* ---- operations measured outside the sandbox ---------------------------- */

static double op_getppid(int iters)
{
	uint64_t t = now_ns();

	for (int i = 0; i < iters; i++)
		syscall(SYS_getppid);
	return (double)(now_ns() - t) / iters;
}

static double op_openat(int iters)
{
	uint64_t t = now_ns();

	for (int i = 0; i < iters; i++) {
		int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
	}
	return (double)(now_ns() - t) / iters;
}

static double op_fork(int iters)
{
	uint64_t t = now_ns();

	for (int i = 0; i < iters; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	return (double)(now_ns() - t) / iters;
}

/* an accountable private mapping: the kernel checks CAP_SYS_ADMIN
 * (cap_vm_enough_memory), which fires the cap_capable tracepoint */
static double op_mmap(int iters)
{
	uint64_t t = now_ns();

	for (int i = 0; i < iters; i++) {
		void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, 65536);
	}
	return (double)(now_ns() - t) / iters;
}

static char scratch_file[64];

static double op_write(int iters)
{
	static char page[4096];
	int fd = open(scratch_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	uint64_t t;

	if (fd < 0)
		return -1;
	t = now_ns();
	for (int i = 0; i < iters; i++)
		if (pwrite(fd, page, sizeof(page), (off_t)i * (off_t)sizeof(page)) < 0)
			break;
	t = now_ns() - t;
	close(fd);
	return (double)t / iters;
}

/* ---- workload inside the sandbox ------------------------------------------ */

/* CPU time (user + system) of the workload's processes, in ms */
static double children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double run_workload(int cgfd, const char *tmpdir)
{
	char cmd[512];
	double t = children_cpu_ms();
	pid_t p = fork();
	int st;

	if (p == 0) {
		int fd = openat(cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(125);
		close(fd);
		snprintf(cmd, sizeof(cmd),
			 "find /usr/include -type f -name '*.h' | head -1500 | xargs cat > /dev/null; "
			 "tar -cf %s/w.tar -C /usr/include linux asm-generic 2>/dev/null; "
			 "for i in 1 2 3 4 5 6 7 8; do cp %s/w.tar %s/w$i.tar; done; rm -f %s/w*.tar",
			 tmpdir, tmpdir, tmpdir, tmpdir);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return children_cpu_ms() - t;
}

static const char *cgroup2_root(void)
{
	static const char *const cand[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs sf;

	for (size_t i = 0; i < 2; i++)
		if (statfs(cand[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return cand[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *model = NULL, *root;
	int rounds = 7;
	struct compart_bpf *skel = NULL;
	struct cp_adapt_links links = { 0 };
	struct cp_adapt_fds fds;
	struct cp_tree tree = { 0 };
	struct bpf_program *p;
	char cgpath[256] = "", cgparent[256] = "", tmpdir[] = "/var/tmp/compart-bench.XXXXXX", why[256];
	struct cp_scope_root scope_root = { 0 }, no_root = { 0 };
	int cgfd = -1, rc = 1, stats_fd = -1;
	uint64_t cgid;
	const uint32_t sid = 1000;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--model") && i + 1 < argc)
			model = argv[++i];
		else {
			fprintf(stderr, "usage: bench-adapt [--rounds N] [--model FILE]\n");
			return 2;
		}
	}
	if (rounds < 3 || rounds > 101)
		rounds = 7;
	if (geteuid() != 0) {
		printf("SKIP: needs root (BPF, cgroups)\n");
		return SKIP;
	}
	root = cgroup2_root();
	if (!root) {
		printf("SKIP: no cgroup v2 hierarchy\n");
		return SKIP;
	}
	if (model) {
		struct cp_diag d;

		cp_diag_init(&d, stderr);
		if (cp_tree_load(model, &d, &tree)) {
			cp_diag_fini(&d);
			return 1;
		}
		cp_diag_fini(&d);
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(scratch_file, sizeof(scratch_file), "%s/pages", tmpdir);
	/* like compart-run's: the sandbox's cgroup below a parent of its own */
	snprintf(cgparent, sizeof(cgparent), "%s/compart-bench-%d", root, (int)getpid());
	snprintf(cgpath, sizeof(cgpath), "%s/sandbox", cgparent);
	if (mkdir(cgparent, 0755)) {
		perror(cgparent);
		cgparent[0] = '\0';
		goto out;
	}
	if (mkdir(cgpath, 0755) || (cgfd = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror(cgpath);
		cgpath[0] = '\0';
		goto out;
	}
	if (cp_adapt_scope_root(root, cgpath, &scope_root)) {
		fprintf(stderr, "scope root of %s: failed\n", cgpath);
		goto out;
	}
	{
		struct stat st;

		fstat(cgfd, &st);
		cgid = st.st_ino;
	}

	skel = compart_bpf__open();
	if (!skel)
		goto out;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, cp_adapt_is_prog(bpf_program__name(p)) &&
					     !cp_adapt_is_lsm_prog(bpf_program__name(p)));
	if (compart_bpf__load(skel)) {
		fprintf(stderr, "load: %s\n", strerror(errno));
		goto out;
	}
	cp_adapt_fds_from_obj(skel->obj, &fds);
	{
		struct cp_sandbox sb = { .id = sid, .errno_deny = EPERM, .cgroup_id = cgid };
		struct cp_adapt_cfg cfg = { .eval_every = 64, .window_ms = 2000,
					    .tree = model ? &tree : NULL };

		if (bpf_map_update_elem(fds.sandboxes, &cgid, &sb, BPF_NOEXIST) ||
		    cp_adapt_sandbox_setup(&fds, sid, &cfg)) {
			fprintf(stderr, "sandbox setup: %s\n", strerror(errno));
			goto out;
		}
	}
	/* the cgroup hooks stay on the sandbox's cgroup throughout: they
	 * never run for a process outside it */
	if (cp_adapt_attach_cgroup(skel->obj, cgfd, &links, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		goto out;
	}
	unsigned cg_links = links.n;

	/* ---- 1. outside the sandbox ------------------------------------- */
	static const struct {
		const char *name;
		double (*fn)(int);
		int iters;
	} ops[] = {
		{ "getppid", op_getppid, 200000 },
		{ "openat+close", op_openat, 50000 },
		{ "mmap+munmap 64KiB", op_mmap, 50000 },
		{ "pwrite 4KiB new page", op_write, 20000 },
		{ "fork+exit+wait", op_fork, 400 },
	};
	enum { NOPS = sizeof(ops) / sizeof(ops[0]), NVAR = 3 };
	static const char *const vname[NVAR] = { "detached", "attached, no scope root",
						  "attached (as compart-run)" };
	double t[NVAR][NOPS][101];

	printf("== per-operation CPU time outside every sandbox (%d interleaved rounds, medians; "
	       "the sandbox is observed throughout)\n", rounds);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NVAR; k++) {
			int v = (r + k) % NVAR;   /* rotate which variant goes first */

			if (v) {
				cp_adapt_set_scope_root(&fds, v == 2 ? &scope_root : &no_root);
				if (cp_adapt_attach_global(skel->obj, &links, why, sizeof(why))) {
					fprintf(stderr, "%s\n", why);
					goto out;
				}
			}
			for (int o = 0; o < NOPS; o++)
				t[v][o][r] = ops[o].fn(ops[o].iters);
			if (v) {
				while (links.n > cg_links)
					bpf_link__destroy(links.l[--links.n]);
			}
		}
	}
	printf("  %-22s %10s %22s %22s\n", "operation", vname[0], "no scope root (delta)",
	       "as compart-run (delta)");
	for (int o = 0; o < NOPS; o++) {
		double m[NVAR];

		for (int v = 0; v < NVAR; v++)
			m[v] = median(t[v][o], rounds);
		printf("  %-22s %8.1f ns %12.1f (%+6.1f) %12.1f (%+6.1f) ns\n", ops[o].name, m[0],
		       m[1], m[1] - m[0], m[2], m[2] - m[0]);
	}

	/* deterministic: observer runs per outside operation */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd >= 0) {
		printf("== observer runs per outside operation (kernel.bpf_stats run counts; "
		       "stats on, as compart-run)\n");
		cp_adapt_set_scope_root(&fds, &scope_root);
		if (cp_adapt_attach_global(skel->obj, &links, why, sizeof(why))) {
			fprintf(stderr, "%s\n", why);
			goto out;
		}
		for (int o = 0; o < NOPS; o++) {
			uint64_t cnt0 = 0, cnt1 = 0, ns0 = 0, ns1 = 0;
			int n = ops[o].iters / 4;

			prog_stats(skel->obj, &cnt0, &ns0);
			ops[o].fn(n);
			prog_stats(skel->obj, &cnt1, &ns1);
			printf("  %-22s %6.2f runs/op, %6.1f ns/run inside the programs\n", ops[o].name,
			       (double)(cnt1 - cnt0) / n,
			       cnt1 > cnt0 ? (double)(ns1 - ns0) / (double)(cnt1 - cnt0) : 0.0);
		}
		while (links.n > cg_links)
			bpf_link__destroy(links.l[--links.n]);
		close(stats_fd);
		stats_fd = -1;
	}

	/* ---- 2. inside the sandbox --------------------------------------- */
	double w_on[101], w_off[101], share[101];
	int wr = rounds < 21 ? rounds : 21;
	struct cp_adapt_state st0, st1;

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	printf("== workload in the sandbox (find+cat+tar+cp over /usr/include), observers+model "
	       "on vs off (%d interleaved rounds, medians of the processes' CPU time)\n", wr);
	run_workload(cgfd, tmpdir);   /* warm the page cache */
	cp_adapt_state_read(&fds, sid, &st0);
	for (int r = 0; r < wr; r++) {
		for (int att = 0; att < 2; att++) {
			bool attach = (r + att) % 2;
			struct cp_adapt_state off_state = { 0 };
			struct cp_adapt_cfg cfg = { .eval_every = 64, .window_ms = 2000,
						    .tree = model ? &tree : NULL };

			if (attach) {
				cp_adapt_sandbox_setup(&fds, sid, &cfg);
				if (cp_adapt_attach_global(skel->obj, &links, why, sizeof(why))) {
					fprintf(stderr, "%s\n", why);
					goto out;
				}
			} else {
				/* observers off: not attached, and the cgroup hooks
				 * find no adaptive state */
				bpf_map_update_elem(fds.state, &sid, &off_state, BPF_ANY);
			}
			uint64_t c0 = 0, c1 = 0, ns0 = 0, ns1 = 0;

			if (attach)
				prog_stats(skel->obj, &c0, &ns0);
			(attach ? w_on : w_off)[r] = run_workload(cgfd, tmpdir);
			if (attach) {
				prog_stats(skel->obj, &c1, &ns1);
				/* the programs' own run time (kernel.bpf_stats, its
				 * clock reads included) over the workload's CPU time */
				share[r] = (double)(ns1 - ns0) / (w_on[r] * 1e6);
				cp_adapt_state_read(&fds, sid, &st1);
				while (links.n > cg_links)
					bpf_link__destroy(links.l[--links.n]);
			}
		}
	}
	{
		double a = median(w_on, wr), b = median(w_off, wr);

		printf("  workload CPU time      off %9.1f ms  on %9.1f ms  ratio %.3f "
		       "(last observed run: %llu events, %u tightenings)\n", b, a, a / b,
		       (unsigned long long)st1.events, st1.tightenings);
		if (stats_fd >= 0)
			printf("  observer programs' own run time: %.2f%% of the workload's CPU time "
			       "(median; kernel.bpf_stats)\n", 100.0 * median(share, wr));
	}

	/* ---- 3. program sizes and kernel-measured run time ---------------- */
	printf("== adaptive programs after verification (run time: kernel.bpf_stats over "
	       "the run-count pass and part 2%s)\n", stats_fd < 0 ? ", unavailable" : "");
	bpf_object__for_each_program(p, skel->obj) {
		struct bpf_prog_info info;

		if (adapt_prog_info(p, &info))
			continue;
		printf("  %-22s %5u insns translated, %6u verified, jited %5u B", bpf_program__name(p),
		       info.xlated_prog_len / 8, info.verified_insns, info.jited_prog_len);
		if (info.run_cnt)
			printf(", %8llu runs, %6.0f ns/run", (unsigned long long)info.run_cnt,
			       (double)info.run_time_ns / (double)info.run_cnt);
		printf("\n");
	}
	rc = 0;
out:
	if (stats_fd >= 0)
		close(stats_fd);
	cp_adapt_links_destroy(&links);
	if (skel) {
		bpf_map_delete_elem(bpf_map__fd(skel->maps.cp_sandboxes), &cgid);
		compart_bpf__destroy(skel);
	}
	if (cgfd >= 0)
		close(cgfd);
	if (cgpath[0])
		rmdir(cgpath);
	if (cgparent[0])
		rmdir(cgparent);
	unlink(scratch_file);
	rmdir(tmpdir);
	cp_tree_free(&tree);
	return rc;
}
