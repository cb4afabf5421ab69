#!/bin/bash
# compart-run end to end: a profile with an `adapt` section; the model
# tightens the running sandbox (connect forbidden), the audit log explains
# it, the operator lowers the level with compart-ctl, and the same process
# connects again.  A malformed model is refused with exit 125 and
# file:line:col before anything runs.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
CR=$BUILD/compart-run CTL=$BUILD/compart-ctl
. "$TOP/tests/adapt/common.sh"
adapt_require "$CR" "$CTL"

work=$(mktemp -d /var/tmp/compart-adapt-run.XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

cat > "$work/adapt.profile" <<EOF
include "default"
namespaces {
	share net
}
filesystem {
	read-write $work
}
adapt {
	model "$TOP/tests/adapt/data/connect3.tree"
	eval-every 1000
	window 60s
	level 1 forbid connect
	level 2 forbid exec-new write
	level 3 forbid freeze
}
layers {
	adapt required
}
EOF

$PY - "$work/port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(0.5); end = time.time() + 40
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
import errno, os, socket, sys, time
port, work = int(sys.argv[1]), sys.argv[2]
def attempt():
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port)); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
res = [attempt() for _ in range(5)]
open(os.path.join(work, "phase1"), "w").write(" ".join(res) + "\n")
end = time.time() + 20        # wait for the operator, bounded
while not os.path.exists(os.path.join(work, "lowered")) and time.time() < end:
    time.sleep(0.05)
res2 = [attempt() for _ in range(2)]
open(os.path.join(work, "phase2"), "w").write(" ".join(res2) + "\n")
PY

"$CR" --profile "$work/adapt.profile" --audit-log "$work/audit.jsonl" -- \
	$PY "$work/client.py" "$port" "$work" > "$work/run.out" 2>&1 &
run_pid=$!
for _ in $(seq 200); do [ -e "$work/phase1" ] && break; sleep 0.05; done
sid=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "adapt":
        print(e["bpf_sandbox"]); break' "$work/audit.jsonl" 2>/dev/null)
"$CTL" status > "$work/status.out" 2>&1
# the host-wide observers' scope root: the sandboxes' parent cgroup
for d in /sys/fs/bpf/compart/v*/; do
	bpftool -j map dump pinned "$d/maps/cp_obs_root" 2>/dev/null
done > "$work/obs_root.json"
cgparent=$("$CR" --probe --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["features"]["cgroup-v2"]["detail"])')
"$CTL" set-level "${sid:-9999}" 0 > "$work/ctl.out" 2>&1
ctl_rc=$?
touch "$work/lowered"
wait $run_pid
rc=$?

fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
echo "     phase 1: $(cat "$work/phase1" 2>/dev/null)   phase 2: $(cat "$work/phase2" 2>/dev/null)"
check "compart-run exited 0 (rc=$rc)" '[ $rc = 0 ]'
check "model tightened after 3 connections" '[ "$(cat "$work/phase1")" = "ok ok ok EPERM EPERM" ]'
check "observers' scope root is the sandboxes' parent cgroup ($cgparent)" '$PY - "$work/obs_root.json" "$(stat -c %i "$cgparent")" "$cgparent" <<PY
import json, sys
want_id, path = int(sys.argv[2]), sys.argv[3]
dumps = [json.loads(t) for t in open(sys.argv[1]).read().replace("][", "]\\n[").splitlines() if t.strip()]
vals = [e["formatted"]["value"] for d in dumps for e in d]
assert vals, "cp_obs_root not pinned"
v = vals[0]
level = path.rstrip("/").count("/") - "/sys/fs/cgroup/unified".count("/") if "/unified" in path else path.rstrip("/").count("/") - "/sys/fs/cgroup".count("/")
assert v["cgroup_id"] == want_id and v["level"] == level, (v, want_id, level)
PY'
check "compart-ctl status lists the sandbox at level 1" 'grep -q "^sandbox $sid .*level 1" "$work/status.out"'
check "compart-ctl set-level lowered it (rc=$ctl_rc)" '[ $ctl_rc = 0 ] && grep -q "level 1 -> 0" "$work/ctl.out"'
check "after the operator lowered the level, connections work again" '[ "$(cat "$work/phase2")" = "ok ok" ]'
check "audit log: adapt layer applied, decision explained, summary" '$PY - "$work/audit.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
layer = [e for e in ev if e.get("event") == "layer" and e.get("layer") == "adapt"]
assert layer and layer[0]["status"] == "applied", layer
a = [e for e in ev if e.get("event") == "adapt"]
assert a and a[0]["old_level"] == 0 and a[0]["new_level"] == 1, a
assert a[0]["path"][0]["feature"] == "connect" and a[0]["path"][0]["op"] == ">", a
assert any(e.get("event") == "adapt-summary" for e in ev)
PY'

# a malformed model: exit 125, file:line:col, nothing runs
sed 's/1 leaf 0/1 leaf 7/' "$TOP/tests/adapt/data/connect3.tree" > "$work/bad.tree"
sed "s|model \".*\"|model \"$work/bad.tree\"|" "$work/adapt.profile" > "$work/bad.profile"
"$CR" --profile "$work/bad.profile" -- /bin/sh -c "touch $work/ran" > "$work/bad.out" 2>&1
brc=$?
check "bad model: exit 125 (rc=$brc)" '[ $brc = 125 ]'
check "bad model: file:line:col diagnostic" 'grep -q "bad.tree:4:8: error: leaf level must be 0..3" "$work/bad.out"'
check "bad model: the command did not run" '[ ! -e "$work/ran" ]'
# --record-features: labelled samples as JSON lines, written atomically
"$CR" --profile "$work/adapt.profile" --record-features "$work/trace.jsonl" --label attack -- \
	/bin/sh -c "for i in 1 2 3 4 5 6; do echo \$i > $work/t\$i; done; /bin/true" > "$work/rec.out" 2>&1
rrc=$?
check "--record-features run exited 0 (rc=$rrc)" '[ $rrc = 0 ]'
check "trace has labelled samples and the exit sample" \
	'grep -q "\"label\":\"attack\"" "$work/trace.jsonl" && grep -q "\"kind\":\"exit\"" "$work/trace.jsonl"'
check "no temporary file left next to the trace" '[ -z "$(ls "$work" | grep "trace.jsonl.tmp")" ]'
TRAIN=$BUILD/compart-train
if [ -x "$TRAIN" ]; then
	check "compart-train reads the trace" '"$TRAIN" -q -k 0 "$work/trace.jsonl" -o "$work/t.tree" > "$work/train.out" 2>&1'
fi
"$CR" --label bogus -- /bin/true > "$work/usage.out" 2>&1
urc=$?
check "--label bogus is a usage error (rc=$urc)" '[ $urc = 2 ] && grep -q "label" "$work/usage.out"'

[ $fail = 0 ] || { for f in run.out status.out ctl.out bad.out rec.out audit.jsonl; do echo "--- $f"; cat "$work/$f"; done; }
exit $fail
