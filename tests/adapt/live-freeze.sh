#!/bin/bash
# Level 3 freezes the sandbox's cgroup (cgroup v2 cgroup.freeze): the model
# decides in the kernel, the supervisor freezes on the decision record.
# The frozen program is not killed: once an operator thaws the cgroup it
# finishes its normal exit path with its data intact.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
H=$BUILD/tests/adapt/adapt-harness
. "$TOP/tests/adapt/common.sh"
adapt_require "$H"

work=$(mktemp -d /tmp/compart-adapt-freeze.XXXXXX)
hpid= cg=
cleanup() {
	[ -n "$cg" ] && [ -e "$cg/cgroup.freeze" ] && echo 0 > "$cg/cgroup.freeze"
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"; mkdir "$work/out"; chmod 777 "$work/out"

cat > "$work/client.py" <<'PY'
import os, socket, sys, time
out = sys.argv[1]
for i in range(5):                     # connects to a closed loopback port:
    s = socket.socket()                # the attempt is what is counted
    try:
        s.connect(("127.0.0.1", 9))
    except OSError:
        pass
    s.close()
n = 0
end = time.time() + 2.5                # keep working; bounded
while time.time() < end:
    n += 1
    with open(os.path.join(out, "counter.tmp"), "w") as f:
        f.write("%d\n" % n)
    os.rename(os.path.join(out, "counter.tmp"), os.path.join(out, "counter"))
    time.sleep(0.02)
open(os.path.join(out, "done"), "w").write("finished after %d steps\n" % n)
PY
chmod 644 "$work/client.py"

"$H" --user 65534 --model "$TOP/tests/adapt/data/connect3-freeze.tree" --eval-every 1000 \
	--forbid 1=connect --forbid 3=freeze --audit "$work/audit.jsonl" -- \
	$PY "$work/client.py" "$work/out" > "$work/harness.out" 2>&1 &
hpid=$!
for _ in $(seq 100); do
	cg=$(sed -n 's/^adapt-harness: cgroup //p' "$work/harness.out")
	[ -n "$cg" ] && break; sleep 0.05
done
frozen=0
for _ in $(seq 100); do
	grep -q "^frozen 1" "$cg/cgroup.events" 2>/dev/null && { frozen=1; break; }
	sleep 0.05
done
c1=$(cat "$work/out/counter" 2>/dev/null); sleep 0.5; c2=$(cat "$work/out/counter" 2>/dev/null)

fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
check "the sandbox's cgroup is frozen after the decision" '[ $frozen = 1 ]'
check "a frozen program makes no progress (counter $c1 -> $c2)" '[ "$c1" = "$c2" ]'
check "not killed: still alive while frozen" 'kill -0 $hpid 2>/dev/null'
echo 0 > "$cg/cgroup.freeze"          # the operator thaws it
wait $hpid; rc=$?; hpid=
check "after thawing it finished its normal exit path (rc=$rc)" '[ $rc = 0 ] && [ -s "$work/out/done" ]'
check "audit: level 0 -> 3, frozen" '$PY - "$work/audit.jsonl" <<PY
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if "\"adapt\"" in l]
assert a and a[0]["new_level"] == 3 and a[0]["frozen"] is True, a
PY'
check "the sandbox's cgroup was removed" '[ ! -e "$cg" ]'
[ $fail = 0 ] || { cat "$work/harness.out"; cat "$work/audit.jsonl"; }
exit $fail
