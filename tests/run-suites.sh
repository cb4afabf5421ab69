#!/bin/bash
# Run test suites and summarise.  Arguments: NAME=COMMAND, COMMAND being an
# executable path (no arguments; wrap in a script if needed).
# A suite exiting 77 is skipped and must have printed why.
# Closes with the line "check: N passed, N failed, N skipped" (suites).
set -u
pass=0 fail=0 skip=0
failed=()
skipped=()
for spec in "$@"; do
	name=${spec%%=*}
	cmd=${spec#*=}
	echo "==== suite $name"
	start=$(date +%s%N)
	"$cmd"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	t="$((ms / 1000)).$(( (ms % 1000) / 100 ))"
	case $rc in
	0)  pass=$((pass + 1)); echo "==== suite $name: PASS (${t}s)";;
	77) skip=$((skip + 1)); skipped+=("$name"); echo "==== suite $name: SKIP (${t}s)";;
	*)  fail=$((fail + 1)); failed+=("$name"); echo "==== suite $name: FAIL rc=$rc (${t}s)";;
	esac
done
[ ${#skipped[@]} -gt 0 ] && echo "skipped suites: ${skipped[*]}"
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
