#!/bin/bash
# bench-resident: launch latency of an adaptive sandbox (profiles/adaptive,
# /bin/true) in the three states the BPF object can be in, side by side in
# one run (interleaved rounds, medians):
#   cold       nothing pinned: the launch loads and verifies the object
#              (the default when no other sandbox runs)
#   resident   `compart-ctl bpf resident`, idle: verified programs pinned,
#              the launch attaches the global hooks again from the pins
#              ("-1st": the first launch after the load, which also fills
#              its sandbox slot's ring buffer and tree array, one RCU grace
#              period each; later launches with that slot reuse them)
#   concurrent another adaptive sandbox runs: everything already attached
#              (timed: the second launch beside it, its slot filled)
# and, as the reference, the `default` profile (no BPF at all).  Also:
# the time `compart-ctl bpf resident` takes to load the object.
#   RUNS=15 bench/adapt/bench-resident.sh
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUNS=${RUNS:-15}
CR=$BUILD/compart-run CTL=$BUILD/compart-ctl
if [ "$(id -u)" != 0 ]; then echo "bench-resident: SKIP: needs root (the adapt layer loads BPF)"; exit 0; fi
if [ -n "$(ls /sys/fs/bpf/compart 2>/dev/null)" ]; then
	echo "bench-resident: SKIP: /sys/fs/bpf/compart is in use (a sandbox runs, or resident mode is on)"
	exit 0
fi
trap '"$CTL" bpf release >/dev/null 2>&1' EXIT
RUNS=$RUNS CR=$CR CTL=$CTL python3 - <<'PY'
import os, statistics, subprocess, time
cr, ctlbin, runs = os.environ["CR"], os.environ["CTL"], int(os.environ["RUNS"])
DEVNULL = subprocess.DEVNULL
pins = "/sys/fs/bpf/compart"

def launch(profile):
    t = time.perf_counter()
    rc = subprocess.run([cr, "--profile", profile, "--", "/bin/true"], stdout=DEVNULL, stderr=DEVNULL).returncode
    dt = (time.perf_counter() - t) * 1e3
    if rc != 0:
        raise SystemExit(f"bench-resident: compart-run --profile {profile} exited {rc}")
    return dt

def ctl(*a):
    t = time.perf_counter()
    subprocess.run([ctlbin] + list(a), stdout=DEVNULL, stderr=DEVNULL, check=True)
    return (time.perf_counter() - t) * 1e3

def links():
    try:
        d = [x for x in os.listdir(pins) if x.startswith("v")]
        return [l for l in os.listdir(f"{pins}/{d[0]}/links") if not l.startswith("missing-")] if d else []
    except OSError:
        return []

rows = {"default": [], "cold": [], "resident-1st": [], "resident": [], "concurrent": []}
load = []
for r in range(runs + 1):           # round 0 warms the page cache, not kept
    got = {}
    got["default"] = launch("default")
    ctl("bpf", "release")
    got["cold"] = launch("adaptive")
    load.append(ctl("bpf", "resident"))
    got["resident-1st"] = launch("adaptive")
    got["resident"] = launch("adaptive")
    holder = subprocess.Popen([cr, "--profile", "adaptive", "--", "/bin/sleep", "30"],
                              stdout=DEVNULL, stderr=DEVNULL)
    end = time.time() + 10
    while not links() and time.time() < end:     # links are pinned only while not idle
        time.sleep(0.01)
    launch("adaptive")              # fills the second slot (as "resident-1st" did the first)
    got["concurrent"] = launch("adaptive")
    holder.terminate(); holder.wait()
    ctl("bpf", "release")
    if r:
        for k, v in got.items():
            rows[k].append(v)
med = {k: statistics.median(v) for k, v in rows.items()}
print(f"adaptive launch of /bin/true, {runs} interleaved rounds (median ms, min-max):")
for k in rows:
    print(f"  {k:13s} {med[k]:8.2f}   ({min(rows[k]):.2f}-{max(rows[k]):.2f})")
print(f"  compart-ctl bpf resident (load + verify + pin): {statistics.median(load[1:]):.1f} ms")
print(f"ratios: cold/resident = {med['cold'] / med['resident']:.1f}x, "
      f"resident/concurrent = {med['resident'] / med['concurrent']:.2f}, "
      f"resident/default = {med['resident'] / med['default']:.1f}x")
PY
