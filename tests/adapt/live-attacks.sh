#!/bin/bash
# Every attack behaviour of the corpus, live, under the shipped model
# (held-out repetition 4): the kernel tightens the sandbox, the program
# keeps running and finishes its normal exit path (exit 0) with what it
# wrote intact; benign workloads (among them the bulk deletes and renames
# of a package removal, a git branch switch + gc, a deploy) run untouched.
# On a host without BPF LSM only network restrictions act: the
# exfiltration upload and the payload download must fail.  The full evaluation is `make eval-model`.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/adapt/common.sh"
adapt_require
for t in curl openssl git gcc make tar; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/deps.sh)"; exit 77; }
done
res=$(mktemp /tmp/compart-adapt-attacks.XXXXXX)
trap 'rm -f "$res"' EXIT
WORKLOADS="reverse-shell ransomware harvest-upload download-exec fork-storm priv-probe http-client pkg-churn cleanup
           pkg-remove git-many deploy log-gzip" \
	BUILD=$BUILD "$TOP/tests/adapt/corpus/gen-corpus.sh" live "$TOP/profiles/models/default.tree" "$res" 4 \
	> "$res.log" 2>&1
rc=$?
rm -f "$res.log"
fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
check "generator ran (rc=$rc)" '[ $rc = 0 ]'
while read -r w l rep lvl tn ev harm st; do
	echo "     $w ($l): level $lvl, tightened at event $ev, $harm, $st"
	if [ "$l" = attack ]; then
		check "$w: tightened" '[ "$lvl" != 0 ] && [ "$lvl" != "?" ]'
	else
		check "$w: untouched" '[ "$lvl" = 0 ]'
	fi
	check "$w: finished its normal exit path" '[ "$st" = status=0 ]'
	case $w in
	harvest-upload) check "$w: the upload was refused" '[ "$harm" = none ]';;
	download-exec)  check "$w: the payload never ran" '[ "$harm" = none ]';;
	ransomware)     check "$w: its writes are intact ($harm)" '[ "${harm#encrypted=}" -gt 0 ]';;
	esac
done < "$res"
check "all workloads reported" '[ "$(wc -l < "$res")" = 13 ]'
exit $fail
