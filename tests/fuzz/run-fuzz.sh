#!/bin/bash
# run-fuzz.sh BINARY SEED_DIR SECONDS smoke|long [KEEP_DIR]
# Runs a libFuzzer target over its seed corpus.  smoke: new inputs go to a
# temporary directory that is removed; long: they are kept in KEEP_DIR.
# A crash leaves the reproducer in the current directory's crash-* file
# and fails the run.
set -u
bin=$1 seeds=$2 secs=$3 mode=$4 keep=${5:-}
if [ ! -x "$bin" ]; then
	echo "fuzz: $bin not built" >&2
	exit 1
fi
work=$(mktemp -d /tmp/compart-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ "$mode" = long ]; then
	mkdir -p "$keep"
	out=$keep
else
	out=$work/corpus
	mkdir -p "$out"
fi
seedarg=()
[ -d "$seeds" ] && seedarg=("$seeds")
dict=()
base=$(basename "$bin")
src=$(cd "$(dirname "$0")" && pwd)
[ -f "$src/$base.dict" ] && dict=(-dict="$src/$base.dict")
cd "$work" || exit 1
# -fork is not used: one process keeps the run cheap on a shared machine
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	-print_final_stats=1 "${dict[@]}" "$out" "${seedarg[@]}" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
for f in crash-* leak-* timeout-* oom-*; do
	[ -e "$f" ] || continue
	mkdir -p "$(dirname "$bin")/artifacts"
	cp "$f" "$(dirname "$bin")/artifacts/"
	echo "fuzz: reproducer saved as $(dirname "$bin")/artifacts/$f" >&2
done
exit $rc
