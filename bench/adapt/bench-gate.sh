#!/bin/bash
# bench-gate: what the containment gate (launcher/notify.c) costs while the
# level is 0, side by side in one run.  Two profiles that differ only in
# what their adapt levels forbid, under a model that never tightens:
#   no-gate  levels forbid connect only (cgroup BPF; no seccomp gate)
#   gate     levels also forbid write, fork and exec: on a host without
#            BPF LSM every open-for-write, unlink, mkdir, rename, fork and
#            exec of the sandbox waits for the supervisor's answer
# The workload is gate-heavy on purpose: unpack /usr/include (thousands of
# files and directories), list and read it, delete it, then 100 fork+exec.
# Reported: medians of interleaved rounds, their ratio, the notifications
# per run (the audit log's "gate" event) and the cost of one.
#   RUNS=9 bench/adapt/bench-gate.sh
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUNS=${RUNS:-9}
CR=$BUILD/compart-run
if [ "$(id -u)" != 0 ]; then echo "bench-gate: SKIP: needs root (the adapt layer loads BPF)"; exit 0; fi
probe=$("$CR" --probe --json)
if python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["features"]["bpf-lsm"]["available"] else 1)' "$probe"; then
	echo "bench-gate: SKIP: BPF LSM is active here, so compart-run uses no gate"; exit 0
fi
W=$(mktemp -d /var/tmp/compart-bench-gate.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
tar -C /usr -cf "$W/inc.tar" include
printf 'compart-tree 1\n# never tightens\n0 split open_write 4000000000 1 2\n1 leaf 0\n2 leaf 2\n' >"$W/never.tree"
for v in no-gate gate; do
	forbid="connect"
	[ $v = gate ] && forbid="connect write fork exec"
	cat >"$W/$v.profile" <<EOF
include "default"
filesystem {
	read-write $W
}
adapt {
	model "$W/never.tree"
	level 2 forbid $forbid
}
layers {
	adapt required
}
EOF
done
cat >"$W/work.sh" <<'EOF'
set -e
d=$1/tree.$$
mkdir "$d"
tar -C "$d" -xf "$1/inc.tar"
find "$d" -type f -name '*.h' | head -2000 | xargs cat > /dev/null
rm -rf "$d"
for i in $(seq 100); do /bin/true; done
EOF
for v in no-gate gate; do   # warm the plan cache and the page cache
	"$CR" --profile "$W/$v.profile" -- /bin/sh "$W/work.sh" "$W" 2>/dev/null || {
		echo "bench-gate: the $v run failed:"; "$CR" --profile "$W/$v.profile" -- /bin/sh "$W/work.sh" "$W"; exit 1; }
done
for r in $(seq "$RUNS"); do
	for v in no-gate gate; do
		s=$(date +%s%N)
		"$CR" --profile "$W/$v.profile" --audit-log "$W/$v.$r.jsonl" -- /bin/sh "$W/work.sh" "$W" 2>/dev/null || exit 1
		e=$(date +%s%N)
		echo "$v $(( (e - s) / 1000 ))" >>"$W/times"
	done
done
python3 - "$W" "$RUNS" <<'PY'
import json, statistics, sys
w, runs = sys.argv[1], int(sys.argv[2])
t = {"no-gate": [], "gate": []}
for line in open(f"{w}/times"):
    v, us = line.split()
    t[v].append(int(us) / 1000)
notes = []
for r in range(1, runs + 1):
    for line in open(f"{w}/gate.{r}.jsonl"):
        e = json.loads(line)
        if e.get("event") == "gate":
            notes.append(e["answered"])
m = {v: statistics.median(x) for v, x in t.items()}
n = statistics.median(notes) if notes else 0
print(f"bench-gate: {runs} interleaved rounds, median wall time of the workload under compart-run")
for v in t:
    print(f"  {v:8} {m[v]:9.1f} ms")
print(f"  gate / no-gate = {m['gate'] / m['no-gate']:.3f}")
if n:
    print(f"  notifications answered per run: {n:.0f}; cost of one: "
          f"{(m['gate'] - m['no-gate']) * 1000 / n:.1f} us")
PY
