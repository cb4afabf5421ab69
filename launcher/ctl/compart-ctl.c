// SPDX-License-Identifier: MIT
/*
 * compart-ctl - operator commands for running sandboxes.
 *
 *   compart-ctl status                 every running sandbox: id, cgroup,
 *                                      containment level, adaptive counters
 *   compart-ctl set-level SANDBOX N    set the containment level of sandbox
 *                                      SANDBOX (its number, "sandbox N" in
 *                                      the audit log) to N (0..3)
 *   compart-ctl netns-pool fill N      keep N network namespaces ready for
 *                                      root launches (netpool.h)
 *   compart-ctl netns-pool status      how many are ready, of how many
 *   compart-ctl netns-pool flush       unpin them all, remove the pool
 *   compart-ctl bpf resident           keep the verified BPF programs and
 *                                      maps loaded while no sandbox runs
 *                                      (global hooks detached then); load
 *                                      them now
 *   compart-ctl bpf release            back to the default: unpin them
 *                                      when the last sandbox exits (now,
 *                                      if none runs)
 *   compart-ctl bpf status             what is pinned, in which state, and
 *                                      the kernel memory it holds
 *
 * The model only ever raises a level; lowering it is this explicit,
 * operator-only action (root: it writes the pinned BPF maps under
 * /sys/fs/bpf/compart).  Lowering also clears the sandbox's feature
 * window, so the model judges only what happens afterwards.  A level lowered from a frozen one does not thaw
 * the cgroup by itself: write 0 to its cgroup.freeze (the path is in the
 * audit log's cgroup layer event).
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "adapt.h"
#include "bpf.h"
#include "netpool.h"

#define EXIT_USAGE 2
#define EXIT_FAIL  125

static const char *pin_root(void)
{
	const char *r = getenv("COMPART_BPF_PIN_ROOT");

	return r && *r ? r : "/sys/fs/bpf/compart";
}

/* One set of pinned maps per loaded object version (v<ABI>-<hash>). */
static int for_each_pin_dir(int (*fn)(const char *dir, void *ctx), void *ctx)
{
	char pat[512];
	glob_t g;
	int rc = -ENOENT;

	snprintf(pat, sizeof(pat), "%s/v*", pin_root());
	if (glob(pat, 0, NULL, &g))
		return -ENOENT;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		rc = fn(g.gl_pathv[i], ctx);
		if (rc <= 0 && rc != -ENOENT)
			break;
	}
	globfree(&g);
	return rc;
}

static int open_map(const char *dir, const char *name)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/maps/%s", dir, name);
	return bpf_obj_get(p);
}

static int status_dir(const char *dir, void *ctx)
{
	int sbfd = open_map(dir, "cp_sandboxes"), stfd = open_map(dir, "cp_adapt_st");
	uint64_t key, next, *prev = NULL;
	unsigned *count = ctx;

	if (sbfd < 0)
		return -ENOENT;
	while (bpf_map_get_next_key(sbfd, prev, &next) == 0) {
		struct cp_sandbox sb;
		struct cp_adapt_state st;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(sbfd, &key, &sb))
			continue;
		(*count)++;
		printf("sandbox %u  cgroup %llu  level %u  forbid %#x", sb.id,
		       (unsigned long long)key, sb.level, sb.forbid_at[sb.level & 3]);
		if (stfd >= 0 && bpf_map_lookup_elem(stfd, &sb.id, &st) == 0 &&
		    (st.flags & CP_ADAPT_F_ENABLED)) {
			uint32_t v[CP_FEAT_COUNT];

			cp_adapt_window(&st, v);
			printf("  adapt: %s, %llu events, %u tightenings\n    window:",
			       (st.flags & CP_ADAPT_F_TREE) ? "model loaded" : "observing",
			       (unsigned long long)st.events, st.tightenings);
			for (unsigned i = 0; i < CP_FEAT_COUNT; i++)
				if (v[i])
					printf(" %s=%u", cp_feat_name(i), v[i]);
		}
		printf("\n");
	}
	if (stfd >= 0)
		close(stfd);
	close(sbfd);
	return 1;
}

struct setlevel {
	uint32_t sid, level;
	int old;
	bool found;
};

static int setlevel_dir(const char *dir, void *ctx)
{
	struct setlevel *s = ctx;
	int fd = open_map(dir, "cp_sandboxes"), stfd;
	uint64_t cgid;
	int rc;

	if (fd < 0)
		return -ENOENT;
	stfd = open_map(dir, "cp_adapt_st");
	rc = cp_adapt_find_sandbox(fd, s->sid, &cgid);
	if (!rc) {
		rc = cp_adapt_set_level(fd, stfd, cgid, s->level);
		if (rc >= 0) {
			s->old = rc;
			s->found = true;
			rc = 0;
		}
	}
	if (stfd >= 0)
		close(stfd);
	close(fd);
	return rc;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static void usage(FILE *f);

static int netns_pool(int argc, char **argv)
{
	const char *dir = cr_netpool_dir();
	unsigned n, size;
	int r;

	if (argc == 2 && !strcmp(argv[0], "fill")) {
		uint32_t want;

		if (parse_u32(argv[1], CR_NETPOOL_MAX, &want) || want == 0) {
			fprintf(stderr, "compart-ctl: netns-pool fill N: N is 1..%d\n", CR_NETPOOL_MAX);
			return EXIT_USAGE;
		}
		r = cr_netpool_fill(dir, want);
		if (r < 0) {
			fprintf(stderr, "compart-ctl: netns-pool fill %s: %s\n", dir, strerror(-r));
			return EXIT_FAIL;
		}
		if (cr_netpool_status(dir, &n, &size) < 0)
			n = size = 0;
		printf("%s: %u of %u network namespaces ready (%d added)\n", dir, n, size, r);
		return 0;
	}
	if (argc == 1 && !strcmp(argv[0], "status")) {
		r = cr_netpool_status(dir, &n, &size);
		if (r < 0) {
			fprintf(stderr, "compart-ctl: netns-pool %s: %s\n", dir, strerror(-r));
			return EXIT_FAIL;
		}
		if (!size && !n)
			printf("%s: no pool\n", dir);
		else
			printf("%s: %u of %u network namespaces ready\n", dir, n, size);
		return 0;
	}
	if (argc == 1 && !strcmp(argv[0], "flush")) {
		r = cr_netpool_flush(dir);
		if (r < 0) {
			fprintf(stderr, "compart-ctl: netns-pool flush %s: %s\n", dir, strerror(-r));
			return EXIT_FAIL;
		}
		printf("%s: %d network namespace%s unpinned, pool removed\n", dir, r, r == 1 ? "" : "s");
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}

/* The kernel memory a BPF object holds, as its fdinfo reports it. */
static unsigned long long memlock_of(int fd)
{
	char p[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct pin_count {
	unsigned n, skipped;
	unsigned long long bytes;
};

static int count_pins(const char *dir, void *ctx)
{
	struct pin_count *c = ctx;
	char p[700];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.' || !strncmp(de->d_name, "missing-", 8))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(p);
		if (fd < 0) {
			c->skipped++;
			continue;
		}
		c->n++;
		c->bytes += memlock_of(fd);
		close(fd);
	}
	closedir(d);
	return 0;
}

static int bpf_status_dir(const char *dir, void *ctx)
{
	struct pin_count maps = { 0 }, progs = { 0 }, links = { 0 };
	char sub[600];
	unsigned *count = ctx, running = 0;
	int fd = open_map(dir, "cp_sandboxes");
	uint64_t key, *prev = NULL;

	if (fd >= 0) {
		while (bpf_map_get_next_key(fd, prev, &key) == 0) {
			running++;
			prev = &key;
		}
		close(fd);
	}
	snprintf(sub, sizeof(sub), "%s/maps", dir);
	count_pins(sub, &maps);
	snprintf(sub, sizeof(sub), "%s/progs", dir);
	count_pins(sub, &progs);
	snprintf(sub, sizeof(sub), "%s/links", dir);
	count_pins(sub, &links);
	snprintf(sub, sizeof(sub), "%s/idle", dir);
	(*count)++;
	printf("%s: %s\n  %u sandbox%s running, %u global hook%s attached; %u programs, %u maps, "
	       "%.1f MiB of kernel memory\n", dir,
	       access(sub, F_OK) == 0 ? "idle (verified programs and maps kept; hooks detached)"
				      : "loaded",
	       running, running == 1 ? "" : "es", links.n, links.n == 1 ? "" : "s", progs.n, maps.n,
	       (double)(maps.bytes + progs.bytes) / (1024.0 * 1024.0));
	return 1;
}

static int bpf_cmd(int argc, char **argv)
{
	char why[512] = "", mark[600];
	struct cp_bpf_opts o = { .pin_root = pin_root() };
	unsigned n = 0;
	int rc;

	if (argc == 1 && (!strcmp(argv[0], "resident") || !strcmp(argv[0], "release"))) {
		bool on = argv[0][2] == 's';

		rc = cp_bpf_resident(&o, on, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "compart-ctl: bpf %s: %s\n", argv[0], why[0] ? why : strerror(-rc));
			return EXIT_FAIL;
		}
		if (on)
			printf("%s: resident: the programs stay loaded while no sandbox runs\n", pin_root());
		else
			printf("%s: released: unpinned when the last sandbox exits\n", pin_root());
		return 0;
	}
	if (argc == 1 && !strcmp(argv[0], "status")) {
		snprintf(mark, sizeof(mark), "%s/resident", pin_root());
		printf("%s: %s\n", pin_root(), access(mark, F_OK) == 0
		       ? "resident (kept loaded while no sandbox runs)"
		       : "not resident (unpinned when the last sandbox exits)");
		rc = for_each_pin_dir(bpf_status_dir, &n);
		if (n == 0)
			printf("nothing loaded\n");
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: compart-ctl status\n"
		   "       compart-ctl set-level SANDBOX LEVEL   (LEVEL 0..3; lowering is "
		   "the operator's decision)\n"
		   "       compart-ctl netns-pool fill N|status|flush   (N 1..%d)\n"
		   "       compart-ctl bpf resident|release|status\n", CR_NETPOOL_MAX);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "status")) {
		unsigned n = 0;
		int rc = for_each_pin_dir(status_dir, &n);

		if (rc == -ENOENT || n == 0) {
			printf("no running sandboxes (nothing pinned under %s)\n", pin_root());
			return 0;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "set-level")) {
		struct setlevel s = { 0 };
		int rc;

		if (parse_u32(argv[2], CP_MAX_SANDBOXES - 1, &s.sid) ||
		    parse_u32(argv[3], CP_MAX_LEVELS, &s.level)) {
			fprintf(stderr, "compart-ctl: set-level SANDBOX (0..%d) LEVEL (0..%d)\n",
				CP_MAX_SANDBOXES - 1, CP_MAX_LEVELS);
			return EXIT_USAGE;
		}
		rc = for_each_pin_dir(setlevel_dir, &s);
		if (!s.found) {
			fprintf(stderr, "compart-ctl: no running sandbox %u%s%s\n", s.sid,
				rc && rc != -ENOENT ? ": " : "", rc && rc != -ENOENT ? strerror(-rc) : "");
			return EXIT_FAIL;
		}
		printf("sandbox %u: level %d -> %u\n", s.sid, s.old, s.level);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "netns-pool"))
		return netns_pool(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "bpf"))
		return bpf_cmd(argc - 2, argv + 2);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
