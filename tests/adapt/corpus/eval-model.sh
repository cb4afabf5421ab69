#!/bin/bash
# make eval-model: how well the shipped model contains, measured three ways.
#   eval-model.sh MODEL DATADIR      (DATADIR has train.jsonl and test.jsonl)
#
# 1. offline, held-out runs: the recorded windows of repetitions 4 and 8
#    (never trained on) replayed through the tree.  A run counts as
#    tightened at its first window the tree puts above level 0; "events
#    to contain" is the sandbox's event count at that window, counted from
#    the start of the run (the attacks start at once, so this is an upper
#    bound of the operations between onset and tightening).
# 2. leave-one-workload-out cross-validation with the same training
#    options: each workload is judged by a tree that never saw it.
# 3. live: the held-out workloads run again under the model in the kernel
#    (adapt-harness), and we check what the attack managed to do.  Only
#    what this host enforces can stop harm: without BPF LSM that is
#    network access (cgroup hooks); exec, write and fork restrictions need
#    the VM (make check-vm).
set -u
model=$1 data=$2
BUILD=${BUILD:?} TOP=${TOP:?}
TRAIN=$BUILD/compart-train
OPTS="--max-depth 8 --min-leaf 10 --attack-level 2"

echo "== corpus"
for s in train test; do
	printf '  %-5s %5d samples, %3d runs\n' $s "$(wc -l < "$data/$s.jsonl")" \
		"$(grep -o '"run":"[^"]*"' "$data/$s.jsonl" | sort -u | wc -l)"
done
echo "  workloads: 8 benign (shell, C build, python, tar/gzip, git, HTTP client, package upgrade,"
echo "  cleanup of an old build tree),"
echo "  6 attacks (reverse shell, ransomware, credential harvest + upload, download + exec,"
echo "  fork storm, privilege probing); 8 repetitions each with growing sizes."
echo
echo "== 1. held-out runs (offline replay of recorded windows)"
"$TRAIN" --eval "$model" "$data/test.jsonl" | sed 's/^/  /'
echo
echo "== 2. leave-one-workload-out (unseen behaviours; all runs)"
cat "$data/train.jsonl" "$data/test.jsonl" > "$data/all.jsonl"
"$TRAIN" $OPTS --cv-by-workload "$data/all.jsonl" | grep -E "held out|leave-one" | sed 's/^/  /'
echo
echo "== 3. live, in the kernel (held-out repetitions 4 and 8)"
if [ "$(id -u)" != 0 ]; then
	echo "  skipped: needs root"
	exit 0
fi
res=$data/live.txt
"$TOP/tests/adapt/corpus/gen-corpus.sh" live "$model" "$res" 4 8 > "$data/live.log" 2>&1
/usr/bin/python3 - "$res" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
att = [r for r in rows if r[1] == "attack"]
ben = [r for r in rows if r[1] == "benign"]
det = [r for r in att if r[3] not in ("0", "?")]
fp = [r for r in ben if r[3] not in ("0", "?")]
print("  %-16s %-6s %3s %5s %6s  %s" % ("workload", "label", "rep", "level", "events", "what the attack achieved"))
for r in rows:
    print("  %-16s %-6s %3s %5s %6s  %s" % (r[0], r[1], r[2], r[3], r[5], " ".join(r[6:])))
print("  detection: %d/%d = %.1f%% (target >= 95%%)" % (len(det), len(att), 100.0 * len(det) / max(1, len(att))))
print("  false tightening: %d/%d = %.1f%% (target <= 1%%)" % (len(fp), len(ben), 100.0 * len(fp) / max(1, len(ben))))
ev = sorted(int(r[5]) for r in det if r[5].isdigit())
if ev:
    print("  events until tightening: median %d, max %d" % (ev[len(ev) // 2], ev[-1]))
PY
