#!/bin/bash
# Split the recorded corpus into a training set and a held-out test set.
#   split.sh CORPUS.jsonl.gz OUTDIR
# Held out: every repetition that is a multiple of 4 (4, 8, 12, ...) of
# every workload: a quarter of the runs, every behaviour represented, sizes
# spread over the whole range (the largest benign and attack sizes among
# them).  "Held out" means unseen RUNS of known workloads; for unseen
# WORKLOADS see compart-train --cv-by-workload (make eval-model prints both).
set -euo pipefail
in=$1 out=$2
mkdir -p "$out"
held='"run":"[^"]*-([0-9]*[02468][048]|[0-9]*[13579][26]|[48])"'
zcat "$in" | grep -E "$held" > "$out/test.jsonl.tmp"
zcat "$in" | grep -vE "$held" > "$out/train.jsonl.tmp"
mv "$out/test.jsonl.tmp" "$out/test.jsonl"
mv "$out/train.jsonl.tmp" "$out/train.jsonl"
