#!/bin/bash
# bench-gate: what the containment gate (launcher/notify.c) costs while the
# level is 0, side by side in one run.  Two profiles that differ only in
# what their adapt levels forbid, under a model that never tightens:
#   no-gate  levels forbid connect only (cgroup BPF; no seccomp gate)
#   gate     levels also forbid write, fork and exec: on a host without
#            BPF LSM every open-for-write, unlink, mkdir, rename, fork and
#            exec of the sandbox waits for the supervisor's answer
# Two workloads: "unpack" is gate-heavy on purpose (unpack /usr/include:
# thousands of files and directories, read, delete, then 100 fork+exec);
# "build" is an ordinary one (compile and link 20 small C files, run the
# program).  Reported: medians of interleaved rounds, their ratio, the
# notifications per run (the audit log's "gate" event) and the cost of one.
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
	read-write exec $W
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
cat >"$W/unpack.sh" <<'EOF'
set -e
d=$(mktemp -d "$1/tree.XXXXXX")
tar -C "$d" -xf "$1/inc.tar"
find "$d" -type f -name '*.h' | head -2000 | xargs cat > /dev/null
rm -rf "$d"
for i in $(seq 100); do /bin/true; done
EOF
cat >"$W/build.sh" <<'EOF'
set -e
d=$(mktemp -d "$1/build.XXXXXX")
cd "$d"
for i in $(seq 20); do
	printf 'int f%d(int x) { return x * %d + 1; }\n' $i $i > f$i.c
done
{ for i in $(seq 20); do echo "int f$i(int);"; done
  echo 'int main(void) { int s = 0;'
  for i in $(seq 20); do echo "s += f$i($i);"; done
  echo 'return s == 0; }'; } > main.c
for c in *.c; do gcc -O1 -c "$c"; done
gcc -o prog *.o
./prog
cd ..; rm -rf "$d"
EOF
command -v gcc >/dev/null || { echo "bench-gate: SKIP: gcc not installed (make deps)"; exit 0; }
wls="unpack build"
for wl in $wls; do
	for v in no-gate gate; do   # warm the plan cache and the page cache
		"$CR" --profile "$W/$v.profile" -- /bin/sh "$W/$wl.sh" "$W" >/dev/null 2>&1 || {
			echo "bench-gate: the $wl workload failed ($v):"
			"$CR" --profile "$W/$v.profile" -- /bin/sh "$W/$wl.sh" "$W"; exit 1; }
	done
done
for r in $(seq "$RUNS"); do
	for wl in $wls; do
		for v in no-gate gate; do
			s=$(date +%s%N)
			"$CR" --profile "$W/$v.profile" --audit-log "$W/$wl.$v.$r.jsonl" -- \
				/bin/sh "$W/$wl.sh" "$W" >/dev/null 2>&1 || exit 1
			e=$(date +%s%N)
			echo "$wl $v $(( (e - s) / 1000 ))" >>"$W/times"
		done
	done
done
python3 - "$W" "$RUNS" $wls <<'PY'
import json, statistics, sys
w, runs, wls = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = {}
for line in open(f"{w}/times"):
    wl, v, us = line.split()
    t.setdefault((wl, v), []).append(int(us) / 1000)
print(f"bench-gate: {runs} interleaved rounds, median wall time under compart-run")
for wl in wls:
    notes = [e["answered"] for r in range(1, runs + 1)
             for e in map(json.loads, open(f"{w}/{wl}.gate.{r}.jsonl")) if e.get("event") == "gate"]
    a, b = statistics.median(t[(wl, "no-gate")]), statistics.median(t[(wl, "gate")])
    n = statistics.median(notes) if notes else 0
    line = f"  {wl:7} no-gate {a:9.1f} ms  gate {b:9.1f} ms  gate/no-gate = {b / a:.3f}"
    if n:
        line += f"  ({n:.0f} gated calls, {(b - a) * 1000 / n:.1f} us each)"
    print(line)
PY
