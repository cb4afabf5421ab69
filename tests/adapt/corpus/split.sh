#!/bin/bash
# Split the recorded corpus into a training set and a held-out test set.
#   split.sh CORPUS.jsonl.gz OUTDIR
# Held out: repetitions 4 and 8 of every workload (a quarter of the runs,
# every behaviour represented, the largest size among them).  "Held out"
# means unseen RUNS of known workloads; for unseen WORKLOADS see
# compart-train --cv-by-workload (make eval-model prints both).
set -euo pipefail
in=$1 out=$2
mkdir -p "$out"
held='"run":"[^"]*-(4|8)"'
zcat "$in" | grep -E "$held" > "$out/test.jsonl.tmp"
zcat "$in" | grep -vE "$held" > "$out/train.jsonl.tmp"
mv "$out/test.jsonl.tmp" "$out/test.jsonl"
mv "$out/train.jsonl.tmp" "$out/train.jsonl"
