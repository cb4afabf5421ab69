#!/bin/bash
# Live network tightening on this host (cgroup BPF connect4/6 hooks):
# a sandboxed client connects to a local listener in a loop; the test tree
# raises the level to 1 (forbid connect) after the 4th attempt.  The
# client must see the first connections succeed, later ones fail with
# EPERM, keep running, finish its normal exit path (exit 0 and a final
# write), and keep the data it wrote before the tightening.  The audit
# log must explain the decision: connect > 3, level 0 -> 1.
set -u
BUILD=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
H=$BUILD/tests/adapt/adapt-harness
. "$TOP/tests/adapt/common.sh"
adapt_require "$H"

work=$(mktemp -d /tmp/compart-adapt-net.XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

# loopback listener, bounded: exits after 30 s at most
$PY - "$work/port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(0.5); end = time.time() + 30
while time.time() < end:
    try:
        c, _ = s.accept(); c.close()
    except socket.timeout:
        pass
PY
srv_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

cat > "$work/client.py" <<'PY'
import errno, os, socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
res = []
for i in range(8):
    with open(os.path.join(out, "before-%d" % i), "w") as f:
        f.write("data %d\n" % i)
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port)); res.append("ok")
    except OSError as e:
        res.append(errno.errorcode.get(e.errno, str(e.errno)))
    finally:
        s.close()
with open(os.path.join(out, "result"), "w") as f:
    f.write(" ".join(res) + "\n")
sys.exit(0)
PY
chmod 644 "$work/client.py"; mkdir "$work/out"; chmod 777 "$work/out"

"$H" --user 65534 --model "$TOP/tests/adapt/data/connect3.tree" --eval-every 1000 \
	--forbid 1=connect --audit "$work/audit.jsonl" -- \
	$PY "$work/client.py" "$port" "$work/out" > "$work/harness.out" 2>&1
rc=$?
fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
check "sandboxed client exited normally (rc=$rc)" '[ $rc = 0 ]'
res=$(cat "$work/out/result" 2>/dev/null)
echo "     connect results: $res"
check "first 3 connections allowed" '[ "$(echo $res | cut -d" " -f1-3)" = "ok ok ok" ]'
check "connections after the tightening fail with EPERM" '[ "$(echo $res | cut -d" " -f5-8)" = "EPERM EPERM EPERM EPERM" ]'
check "the connection that tipped the model was itself refused" '[ "$(echo $res | cut -d" " -f4)" = "EPERM" ]'
check "writes before and after the tightening are intact" \
	'[ "$(cat "$work"/out/before-* | wc -l)" = 8 ] && grep -qx "data 0" "$work/out/before-0"'
check "harness reports level 1" 'grep -q "level 1 tightenings 1" "$work/harness.out"'
check "audit: adapt event explains connect 4 > 3, level 0 -> 1" \
	'$PY - "$work/audit.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
a = [e for e in ev if e.get("event") == "adapt"]
assert len(a) == 1, a
e = a[0]
assert e["old_level"] == 0 and e["new_level"] == 1, e
assert e["trigger"] == "connect", e
p = e["path"]
assert p == [{"node": 0, "feature": "connect", "value": 4, "threshold": 3, "op": ">"}], p
assert e["window"]["features"]["connect"] == 4, e
PY'
[ $fail = 0 ] || { echo "--- harness output"; cat "$work/harness.out"; echo "--- audit"; cat "$work/audit.jsonl"; }
cg=$(sed -n 's/^adapt-harness: cgroup //p' "$work/harness.out")
check "the sandbox's cgroup was removed ($cg)" '[ -n "$cg" ] && [ ! -e "$cg" ]'
exit $fail
