#!/bin/bash
# Launch latency: compart-run vs bare /bin/true, unshare, bwrap, firejail,
# all in ONE hyperfine run (the machine is shared and noisy: only ratios
# measured side by side mean anything).  Also page faults per launch
# (getrusage of the waited-for process tree).
#
#   RUNS=100 WARMUP=10 bench/launch/launch.sh     (results in $BUILD/bench/)
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUN=$BUILD/compart-run
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-10}
OUT=$BUILD/bench
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "bench-launch: hyperfine missing (make deps)"; exit 1; }

CACHE=$(mktemp -d /tmp/cr-bench.XXXXXX)
# Rows without the pool never see one (not even an operator's).  The pool
# row gets its own pool (compart-ctl netns-pool), flushed at the end.
export COMPART_NETNS_POOL=$CACHE/no-pool
POOL=
POOL_SIZE=8
if [ "$(id -u)" = 0 ] && [ -x "$BUILD/compart-ctl" ] &&
   COMPART_NETNS_POOL=$CACHE/netns "$BUILD/compart-ctl" netns-pool fill $POOL_SIZE >/dev/null; then
	POOL=$CACHE/netns
fi
trap '[ -n "$POOL" ] && COMPART_NETNS_POOL=$POOL "$BUILD/compart-ctl" netns-pool flush >/dev/null; rm -rf "$CACHE"' EXIT
cd "$CACHE"   # $CWD of the default profile: a scratch directory

# Two profiles: the shipped `default` (every layer it asks for, BPF
# included) and the launcher's test profile `basic` (all namespaces, the
# mount view, seccomp, Landlock, no BPF layers: the launcher's own path).
mkdir -p "$CACHE/scratch"
CORE=(--profile "$TOP/tests/launcher/profiles/basic.profile" -D "SCRATCH=$CACHE/scratch"
      -D "PROBEDIR=$BUILD/tests/launcher")
"$RUN" --cache-dir "$CACHE" "${CORE[@]}" -- /bin/true || exit 1
cmds=(/bin/true "$RUN --cache-dir $CACHE ${CORE[*]} -- /bin/true" "$RUN --no-cache ${CORE[*]} -- /bin/true")
names=(bare compart-run compart-run-nocache)
if "$RUN" --cache-dir "$CACHE" -- /bin/true >/dev/null 2>"$CACHE/err"; then
	cmds+=("$RUN --cache-dir $CACHE -- /bin/true"); names+=(compart-run-default)
	# the price of hiding a denied name: /etc becomes a skeleton of binds
	printf 'include "%s"\nfilesystem {\n\tdeny /etc/shadow\n}\n' "$TOP/profiles/default.profile" \
		>"$CACHE/hide.profile"
	cmds+=("$RUN --cache-dir $CACHE --profile $CACHE/hide.profile -- /bin/true"); names+=(default+hide-etc)
else
	echo "bench-launch: the default profile does not run here:"; sed 's/^/    /' "$CACHE/err"
fi
cmds+=("unshare -Urpf --mount-proc /bin/true" "unshare -Urpfnimu --mount-proc /bin/true")
names+=(unshare unshare-all)
if command -v bwrap >/dev/null; then
	cmds+=("bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true"); names+=(bwrap)
fi
if command -v firejail >/dev/null && firejail --quiet --noprofile /bin/true >/dev/null 2>&1; then
	cmds+=("firejail --quiet --noprofile /bin/true"); names+=(firejail)
fi
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done

hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/launch.json" "${args[@]}" >"$OUT/launch.txt" 2>&1 ||
	{ cat "$OUT/launch.txt"; exit 1; }

POOL=$POOL POOL_SIZE=$POOL_SIZE python3 - "$OUT/launch.json" "$RUNS" "${names[@]}" -- "${cmds[@]}" <<'PY'
import json, os, resource, shlex, statistics, subprocess, sys, time
path, runs = sys.argv[1], int(sys.argv[2])
pool = os.environ.get("POOL", "")
pool_size = int(os.environ.get("POOL_SIZE", "0"))
sep = sys.argv.index("--")
names, cmds = sys.argv[3:sep], sys.argv[sep + 1:]
res = {r["command"]: r for r in json.load(open(path))["results"]}
med = {n: statistics.median(res[n]["times"]) * 1e3 for n in names}

def faults(cmd, n=20):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    for _ in range(n):
        subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before) / n

def env_for(name):
    e = dict(os.environ)
    if name.endswith("+pool"):
        e["COMPART_NETNS_POOL"] = pool
    return e

devnull = os.open(os.devnull, os.O_RDWR)
fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
      (os.POSIX_SPAWN_DUP2, devnull, 2)]

def interleaved(names, cmds, rounds):
    """Round-robin: every command once per round, so load changes hit all
    of them alike (hyperfine runs each command's batch in turn)."""
    argv = [shlex.split(c) for c in cmds]
    envs = [env_for(n) for n in names]
    times = [[] for _ in cmds]
    for _ in range(rounds):
        for i, a in enumerate(argv):
            t0 = time.perf_counter()
            pid = os.posix_spawnp(a[0], a, envs[i], file_actions=fa)
            os.waitpid(pid, 0)
            times[i].append((time.perf_counter() - t0) * 1e3)
            if names[i].endswith("+pool"):
                pool_settle()
    return [statistics.median(t) for t in times]

def pool_settle(timeout=0.2):
    """A refill (batched: when the pool is down to half) runs detached after
    the launch that triggered it; let it finish before the next command, so
    that it is not charged to whatever runs next (its CPU cost is reported
    below).  Done: claims pending and at least half left (no refill ran), or
    nothing claimed and the pool full (a refill finished)."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        names = set(os.listdir(pool))
        claimed = sum(1 for n in names if n.endswith(".claimed"))
        avail = sum(1 for n in names if n.startswith("ns-") and "." not in n
                    and n + ".claimed" not in names)
        if (claimed and 2 * avail >= pool_size) or (not claimed and avail >= pool_size):
            return
        time.sleep(0.0005)

def busy_jiffies():
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    return v[0] + v[1] + v[2] + v[5] + v[6]   # user nice system irq softirq

def cpu_per_launch(name, cmd, n=60):
    """System-wide CPU time per launch, work done off the launch path
    (kernel workqueues, the pool's refill) included: n launches, then a
    pause for deferred work to finish, busy time from /proc/stat."""
    a, e = shlex.split(cmd), env_for(name)
    hz = os.sysconf("SC_CLK_TCK")
    time.sleep(0.3)
    b0 = busy_jiffies()
    for _ in range(n):
        os.waitpid(os.posix_spawnp(a[0], a, e, file_actions=fa), 0)
    time.sleep(0.3)
    return (busy_jiffies() - b0) * 1000.0 / hz / n

print(f"launch latency, median of {runs} runs (hyperfine -N), same run:")
print(f"  {'command':22} {'median ms':>9} {'x bare':>7} {'faults':>7}")
for n, c in zip(names, cmds):
    print(f"  {n:22} {med[n]:9.2f} {med[n] / med['bare']:7.2f} {faults(c):7.0f}")
inames = list(names)
icmds = list(cmds)
if pool:
    inames.insert(2, "compart-run+pool")
    icmds.insert(2, cmds[names.index("compart-run")])
    if "compart-run-default" in names:
        inames.insert(inames.index("compart-run-default") + 1, "compart-run-default+pool")
        icmds.insert(inames.index("compart-run-default+pool"), cmds[names.index("compart-run-default")])
il = interleaved(inames, icmds, runs)
imed = dict(zip(inames, il))
print(f"interleaved (round-robin, {runs} rounds), median ms and ratio to bare:")
for n in imed:
    print(f"  {n:22} {imed[n]:9.2f} {imed[n] / imed['bare']:7.2f}")
cr = imed["compart-run"]
med = imed   # the ratios below use the interleaved medians
print("compart-run = the launcher test profile (all namespaces, mount view, seccomp, Landlock)")
print("compart-run-default = the shipped default profile (the issue's benchmark)")
for n in ["compart-run-default", "compart-run"]:
    if n not in med:
        continue
    print(f"{n} / unshare -Urpf = {med[n] / med['unshare']:.2f}  (target <= 1.0)")
    print(f"{n} / unshare -Urpfnimu = {med[n] / med['unshare-all']:.2f}")
    if "bwrap" in med:
        print(f"{n} / bwrap         = {med[n] / med['bwrap']:.2f}  (target <= 0.5)")
print(f"compart-run cached / compiled at launch = {cr / med['compart-run-nocache']:.2f}")
if "default+hide-etc" in med:
    n = len(os.listdir("/etc"))
    print(f"default + deny /etc/shadow (name hidden: {n} entries of /etc bound one by one)"
          f" / default = {med['default+hide-etc'] / med['compart-run-default']:.2f}"
          f" (+{med['default+hide-etc'] - med['compart-run-default']:.2f} ms)")
if pool:
    cp = imed["compart-run+pool"]
    print(f"with a netns pool (compart-ctl netns-pool fill {pool_size}), root only:")
    print(f"  compart-run+pool / compart-run = {cp / cr:.2f}")
    for n in ["compart-run-default+pool", "compart-run+pool"]:
        if n not in med:
            continue
        print(f"  {n} / unshare -Urpf = {med[n] / med['unshare']:.2f}  (target <= 1.0)")
        if "bwrap" in med:
            print(f"  {n} / bwrap       = {med[n] / med['bwrap']:.2f}  (target <= 0.5)")
    print("system-wide CPU ms per launch (deferred kernel work and the pool's refill included):")
    for n in ["compart-run", "compart-run+pool", "unshare"] + (["bwrap"] if "bwrap" in med else []):
        c = icmds[inames.index(n)]
        print(f"  {n:22} {cpu_per_launch(n, c):6.2f}")
else:
    print("netns pool row skipped: needs root and compart-ctl")
PY
