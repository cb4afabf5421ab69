/* SPDX-License-Identifier: MIT */
/*
 * adapt_test.c - adaptive containment with BPF LSM, run as root inside the
 * test VM (tests/vm; this host's kernel refuses LSM programs).
 *
 * The in-kernel model itself, not a hand-set level, tightens a live
 * sandbox at the file and exec layers:
 *   1. tree "open_write > 2 -> level 1" (level 1 forbids writes outside
 *      scratch): the third open for write is refused by the very hook
 *      that counted it, scratch stays writable, reads work, the agent
 *      keeps running;
 *   2. tree "exec_new > 0 -> level 2" (level 2 forbids exec of created
 *      files and any exec): exec of a binary copied in during the run is
 *      refused before it runs; fork is still allowed at level 2.
 * The decision records arrive on cp_adapt_rb with the path and the
 * window that triggered them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "testutil.h"
#include "agent.h"
#include "bpf.h"
#include "adapt.h"

unsigned t_pass, t_fail;

#define CG      "/sys/fs/cgroup/cp-vm-adapt"
#define HELLO   "/bin/cp-hello"
#define ROOT    "/data/adapt"
#define SCRATCH "/data/adapt/scratch"

static struct agent ag;
static struct cp_bpf *bpf;

static void cleanup(void)
{
	agent_stop(&ag);
	cp_bpf_close(bpf);
	bpf = NULL;
	rmdir(CG);
}

static int load_tree(const char *text, struct cp_tree *t)
{
	struct cp_diag d;
	int rc;

	cp_diag_init(&d, stdout);
	rc = cp_tree_parse("vm.tree", text, strlen(text), &d, t);
	cp_diag_fini(&d);
	return rc;
}

static struct agent_req open_req(const char *path, int flags)
{
	struct agent_req r = { .op = OP_OPEN, .flags = flags };

	snprintf(r.path, sizeof(r.path), "%s", path);
	return r;
}

static int do_req(struct agent_req r)
{
	return agent_do(&ag, &r);
}

int main(void)
{
	static char *scratch[] = { SCRATCH };
	struct cp_policy pol;
	struct cp_bpf_maps m;
	struct cp_diag d;
	struct cp_adapt_fds fds;
	struct cp_adapt_session *sess = NULL;
	struct cp_adapt_state st;
	struct cp_tree t1 = { 0 }, t2 = { 0 };
	char why[512];
	struct stat sst;
	int rc, cgfd;
	uint32_t lvl = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = cp_bpf_probe_lsm(why, sizeof(why));
	if (rc != 1)
		SKIP_ALL("BPF LSM not usable here (%s)", why);
	atexit(cleanup);
	mkdir("/data", 0755);
	mkdir(ROOT, 0777);
	mkdir(SCRATCH, 0777);
	if (mkdir(CG, 0755) < 0 && errno != EEXIST) {
		CHECK(0, "mkdir %s: %s", CG, strerror(errno));
		return 1;
	}
	cgfd = open(CG, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	stat(CG, &sst);

	memset(&pol, 0, sizeof(pol));
	pol.adapt.present = true;
	pol.adapt.scratch = scratch;
	pol.adapt.nscratch = 1;
	pol.adapt.levels[0] = (struct cp_adapt_level){ .level = 1, .forbid = CP_FORBID_WRITE };
	pol.adapt.levels[1] = (struct cp_adapt_level){ .level = 2,
						       .forbid = CP_FORBID_EXEC_NEW | CP_FORBID_EXEC };
	pol.adapt.levels[2] = (struct cp_adapt_level){ .level = 3, .forbid = CP_FORBID_FORK };
	pol.adapt.nlevels = 3;
	cp_diag_init(&d, stdout);
	rc = cp_bpf_maps_build(&pol, &d, &m);
	cp_diag_fini(&d);
	CHECK(rc == 0, "adapt levels compile to maps");
	if (rc)
		return 1;
	rc = cp_bpf_open(NULL, &bpf, why, sizeof(why));
	CHECK(rc == 0 && cp_bpf_lsm_active(bpf), "load with BPF LSM (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	rc = cp_bpf_sandbox_add(bpf, cgfd, sst.st_ino, (uint32_t)getpid(), &m, 0, why, sizeof(why));
	CHECK(rc == 0, "sandbox added (%s)", rc ? why : "ok");
	if (rc)
		return 1;
	rc = cp_bpf_attach_observers(bpf, why, sizeof(why));
	CHECK(rc == 0, "observers attached (%s)", rc ? why : "ok");
	CHECK(cp_bpf_prog_attached(bpf, "cp_adapt_lsm_open") &&
	      cp_bpf_prog_attached(bpf, "cp_adapt_lsm_exec") &&
	      cp_bpf_prog_attached(bpf, "cp_adapt_fork"),
	      "adaptive observers attached (file_open, bprm_check_security, sched_process_fork)");
	fds = (struct cp_adapt_fds){
		.sandboxes = cp_bpf_map_fd(bpf, "cp_sandboxes"),
		.state = cp_bpf_map_fd(bpf, "cp_adapt_st"),
		.trees = cp_bpf_map_fd(bpf, "cp_adapt_trees"),
		.sensitive = cp_bpf_map_fd(bpf, "cp_adapt_sensitive"),
		.rb = cp_bpf_map_fd(bpf, "cp_adapt_rb"),
	};

	/* ---- 1: writes ---------------------------------------------------- */
	CHECK(load_tree("compart-tree 1\n0 split open_write 2 1 2\n1 leaf 0\n2 leaf 1\n", &t1) == 0,
	      "tree 1 parses");
	{
		struct cp_adapt_session_opts so = {
			.fds = fds, .sandbox_id = cp_bpf_sandbox_id(bpf), .cgroup_fd = cgfd,
			.forbid_at = m.forbid_at,
			.cfg = { .eval_every = 1, .window_ms = 60000, .tree = &t1, .lsm_observers = true },
		};

		rc = cp_adapt_session_start(&so, &sess, why, sizeof(why));
		CHECK(rc == 0, "model installed for the sandbox (%s)", rc ? why : "ok");
		if (rc)
			return 1;
	}
	rc = agent_start(&ag, CG, false, NULL, 0);
	CHECK(rc == 0, "agent in the sandbox");
	if (rc)
		return 1;
	CHECK(do_req(open_req(ROOT "/a", O_WRONLY | O_CREAT)) == 0, "write 1 allowed (level 0)");
	CHECK(do_req(open_req(ROOT "/b", O_WRONLY | O_CREAT)) == 0, "write 2 allowed (level 0)");
	rc = do_req(open_req(ROOT "/c", O_WRONLY | O_CREAT));
	CHECK(rc == EACCES || rc == EPERM, "write 3 tips the model and is itself refused -> %s",
	      strerror(rc));
	CHECK(do_req(open_req(SCRATCH "/x", O_WRONLY | O_CREAT)) == 0, "scratch still writable");
	CHECK(do_req(open_req(ROOT "/a", O_RDONLY)) == 0, "reads still fine; data written before kept");
	cp_bpf_get_level(bpf, &lvl);
	CHECK(lvl == 1, "kernel level is 1 (%u)", lvl);
	cp_adapt_session_poll(sess, 100);
	CHECK(cp_adapt_session_tightenings(sess) == 1, "one decision record received (%u)",
	      cp_adapt_session_tightenings(sess));
	CHECK(cp_adapt_state_read(&fds, cp_bpf_sandbox_id(bpf), &st) == 0 && st.tightenings == 1,
	      "state counts one tightening");

	/* ---- 2: exec of a file created in the run --------------------------- */
	{
		uint64_t cgid = sst.st_ino;

		CHECK(cp_adapt_set_level(fds.sandboxes, fds.state, cgid, 0) == 1,
		      "operator lowers the level to 0 (window cleared)");
	}
	CHECK(load_tree("compart-tree 1\n0 split exec_new 0 1 2\n1 leaf 0\n2 leaf 2\n", &t2) == 0,
	      "tree 2 parses");
	CHECK(cp_adapt_tree_install(fds.trees, cp_bpf_sandbox_id(bpf), &t2) == 0, "tree 2 installed");
	{
		struct agent_req r = { .op = OP_EXEC };

		snprintf(r.path, sizeof(r.path), "%s", HELLO);
		CHECK(agent_do(&ag, &r) == 0, "exec of an old binary allowed (level 0)");
		r = (struct agent_req){ .op = OP_COPY };
		snprintf(r.path, sizeof(r.path), "%s", HELLO);
		snprintf(r.path2, sizeof(r.path2), "%s", SCRATCH "/new");
		CHECK(agent_do(&ag, &r) == 0, "copy a binary into scratch");
		r = (struct agent_req){ .op = OP_EXEC };
		snprintf(r.path, sizeof(r.path), "%s", SCRATCH "/new");
		rc = agent_do(&ag, &r);
		CHECK(rc == EACCES || rc == EPERM, "exec of the new binary tips the model, refused "
		      "before it runs -> %s", strerror(rc));
		r = (struct agent_req){ .op = OP_FORK };
		CHECK(agent_do(&ag, &r) == 0, "fork still allowed at level 2; the agent keeps running");
	}
	cp_bpf_get_level(bpf, &lvl);
	CHECK(lvl == 2, "kernel level is 2 (%u)", lvl);

	cp_adapt_session_end(sess);
	cp_tree_free(&t1);
	cp_tree_free(&t2);
	cp_bpf_maps_free(&m);
	printf("adapt_test: %u passed, %u failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}
