#!/bin/bash
# instr.sh BENCH - instructions per profile load (valgrind callgrind),
# steady state: (I(N+1 loads) - I(1 load)) / N, so process start-up and
# one-time library setup cancel out.  Instruction counts repeat to within
# a few thousandths of a percent, so they can be quoted absolutely.
set -eu
bench=$1
n=10
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bench" --loads "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-16s %22s\n' profile "instructions per load"
for p in default strict synthetic-500; do
	one=$(count 1 "$p")
	many=$(count $((n + 1)) "$p")
	printf '%-16s %22d\n' "$p" $(( (many - one) / n ))
done
