#!/bin/bash
# make eval-model: how well the shipped model contains, measured three ways.
#   eval-model.sh MODEL DATADIR      (DATADIR has train.jsonl and test.jsonl)
#
# 1. offline, held-out runs: the recorded windows of the repetitions that
#    are multiples of 4 (split.sh; never trained on) replayed through the
#    tree.  A run counts as tightened at its first window the tree puts
#    above level 0; "events to contain" is the sandbox's event count at
#    that window, counted from the start of the run (the attacks start
#    at once, so this is an upper bound of the operations between onset
#    and tightening).
# 2. the same training options cross-validated over all runs: 5 folds of
#    whole runs (every run tested once: the largest denominators), and
#    leave-one-workload-out (each workload judged by a tree that never
#    saw it).
# 3. live: the held-out workloads run again under the model in the kernel
#    (adapt-harness), and we check what the attack managed to do.  Only
#    what this host enforces can stop harm: without BPF LSM that is
#    network access (cgroup hooks); exec, write and fork restrictions need
#    the VM (make check-vm).
# 4. live benign soak: every benign workload run SOAK_PASSES more times
#    (default 5) at every held-out repetition, under the model in the
#    kernel: fresh runs, never recorded or trained on.  With the benign
#    runs of part 3 these are the denominator of the false-tightening
#    rate; showing it is below 1% with 95% confidence needs about 370
#    benign runs without a false tightening.
# Every rate is printed as k/n with its Wilson 95% interval: with n runs,
# 0 failures only shows the true rate is below about 3.7/n x 100%.
set -u
model=$1 data=$2
BUILD=${BUILD:?} TOP=${TOP:?}
TRAIN=$BUILD/compart-train
# the options `make train-model` uses (module.mk passes ADAPT_TRAIN_OPTS)
OPTS=${TRAIN_OPTS:?}

echo "== corpus"
for s in train test; do
	printf '  %-5s %5d samples, %3d runs\n' $s "$(wc -l < "$data/$s.jsonl")" \
		"$(grep -o '"run":"[^"]*"' "$data/$s.jsonl" | sort -u | wc -l)"
done
for l in benign attack; do
	printf '  %-6s runs: %s\n' $l "$(cat "$data/train.jsonl" "$data/test.jsonl" | grep "\"label\":\"$l\"" |
		grep -o '"workload":"[^"]*","run":"[^"]*"' | sort -u | sed 's/.*"workload":"\([^"]*\)".*/\1/' |
		uniq -c | awk '{ printf "%s%s x%d", sep, $2, $1; sep = ", " }')"
done
echo "  (repetition r runs the workload at size r)"
echo
echo "== 1. held-out runs (offline replay of recorded windows)"
"$TRAIN" --eval "$model" "$data/test.jsonl" | sed 's/^/  /'
echo
cat "$data/train.jsonl" "$data/test.jsonl" > "$data/all.jsonl"
echo "== 2. the training procedure, cross-validated over ALL runs (more runs, tighter intervals)"
echo "  a. 5 folds of whole runs: every run is judged once by a tree that never saw it"
echo "     (known workloads, unseen runs; the shipped tree is not one of these five)"
# shellcheck disable=SC2086
"$TRAIN" $OPTS -q --folds 5 "$data/all.jsonl" | grep -E "cross-validation" | sed 's/^/  /'
echo "  b. leave one workload out (unseen behaviours)"
# shellcheck disable=SC2086
"$TRAIN" $OPTS --cv-by-workload "$data/all.jsonl" | grep -E "held out|leave-one" | sed 's/^/  /'
echo
held=$(grep -o '"run":"[^"]*"' "$data/test.jsonl" | sed 's/.*-\([0-9]*\)"$/\1/' | sort -un | tr '\n' ' ')
echo "== 3. live, in the kernel (held-out repetitions: $held)"
if [ "$(id -u)" != 0 ]; then
	echo "  skipped: needs root"
	exit 0
fi
res=$data/live.txt
cat > "$data/wilson.py" <<'PY'
import math

def wilson(k, n, z=1.959964):
    if n == 0:
        return 0.0, 100.0
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0.0 if k == 0 else 100 * (c - h) / d), (100.0 if k == n else 100 * (c + h) / d)

def rate(k, n):
    lo, hi = wilson(k, n)
    return "%d/%d = %.2f%% (95%% CI %.2f-%.2f%%)" % (k, n, 100.0 * k / max(1, n), lo, hi)
PY
# shellcheck disable=SC2086
"$TOP/tests/adapt/corpus/gen-corpus.sh" live "$model" "$res" $held > "$data/live.log" 2>&1
PYTHONPATH=$data /usr/bin/python3 - "$res" <<'PY'
import sys
from wilson import rate

rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
att = [r for r in rows if r[1] == "attack"]
ben = [r for r in rows if r[1] == "benign"]
det = [r for r in att if r[3] not in ("0", "?")]
fp = [r for r in ben if r[3] not in ("0", "?")]
print("  %-16s %-6s %3s %5s %6s  %s" % ("workload", "label", "rep", "level", "events", "what the attack achieved"))
for r in rows:
    print("  %-16s %-6s %3s %5s %6s  %s" % (r[0], r[1], r[2], r[3], r[5], " ".join(r[6:])))
print("  detection: %s (target >= 95%%)" % rate(len(det), len(att)))
print("  false tightening: %s (target <= 1%%)" % rate(len(fp), len(ben)))
if fp:
    print("  tightened benign runs: %s" % ", ".join("%s-%s" % (r[0], r[2]) for r in fp))
bad = [r for r in rows if r[3] == "?"]
if bad:
    print("  runs without a result (see %s): %d" % (sys.argv[1].replace("live.txt", "live.log"), len(bad)))
ev = sorted(int(r[5]) for r in det if r[5].isdigit())
if ev:
    print("  events until tightening: median %d, max %d" % (ev[len(ev) // 2], ev[-1]))
PY

passes=${SOAK_PASSES:-5}
echo
echo "== 4. live benign soak: $passes more passes of every benign workload at the held-out repetitions"
reps=
for _ in $(seq "$passes"); do reps="$reps $held"; done
# shellcheck disable=SC2086
WORKLOADS=benign "$TOP/tests/adapt/corpus/gen-corpus.sh" live "$model" "$data/soak.txt" $reps \
	> "$data/soak.log" 2>&1
PYTHONPATH=$data /usr/bin/python3 - "$res" "$data/soak.txt" <<'PY'
import sys
from wilson import rate
live = [l.split() for l in open(sys.argv[1]) if l.strip()]
soak = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = [r for r in soak if r[1] != "benign" or r[3] == "?" or r[-1] != "status=0"]
fp = lambda rows: [r for r in rows if r[1] == "benign" and r[3] not in ("0", "?")]
print("  soak runs: %d (%d workloads), runs that did not finish normally: %d"
      % (len(soak), len({r[0] for r in soak}), len(bad)))
print("  false tightening, soak: %s" % rate(len(fp(soak)), len(soak)))
ben = [r for r in live if r[1] == "benign"] + soak
print("  false tightening, all live benign runs (parts 3+4): %s (target <= 1%%)"
      % rate(len(fp(ben)), len(ben)))
if fp(ben):
    print("  tightened: %s" % ", ".join("%s-%s" % (r[0], r[2]) for r in fp(ben)))
PY
