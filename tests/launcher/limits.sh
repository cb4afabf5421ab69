#!/bin/bash
# Cgroup limits (limits { memory, pids }) on the real kernel: applied in
# cgroup v2 where it has the controller, else in the controller's v1
# hierarchy (this build host: memory and pids are v1-only).  Checks that
# the limits hold, that the audit log says where they were applied, that
# nothing is left behind, and that a run which cannot get its limits
# fails closed (exit 125) unless the profile made the layer optional.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUN=$BUILD/compart-run
PROFILES=$TOP/tests/launcher/profiles
PY=/usr/bin/python3

[ -x "$RUN" ] || { echo "FAIL: $RUN not built"; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (cgroups, and a rootless user for the fail-closed case)"
	exit 77
fi
[ -x $PY ] || { echo "SKIP: $PY is needed to allocate memory in the sandbox"; exit 77; }

W=$(mktemp -d /var/tmp/cr-limits.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scratch" "$W/uscratch"
chown 65534:65534 "$W/uscratch"

# where compart-run puts sandbox cgroups: v2, and v1 for memory/pids if mounted
leaves() {
	for d in "$("$RUN" --probe --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["features"]["cgroup-v2"]["detail"])')" \
		 $(awk '$3 == "cgroup" && $4 ~ /(^|,)(memory|pids)(,|$)/ { print $2 "/compart" }' /proc/mounts); do
		ls "$d" 2>/dev/null | grep '^cr-' | sed "s|^|$d/|"
	done | sort
}
before=$(leaves)

profile() {  # profile NAME LIMIT-LINES [LAYER-LINE]
	sed -e "s|^\tcore 0\$|\tcore 0\n$2|" -e "s|^\tcgroup optional\$|\t${3:-cgroup auto}|" \
		"$PROFILES/basic.profile" > "$W/$1.profile"
}
run() {  # run PROFILE AUDIT CMD...
	local prof=$1 audit=$2
	shift 2
	"$RUN" --cache-dir "$W/cache" --audit-log "$audit" --profile "$W/$prof.profile" \
		-D "SCRATCH=$W/scratch" -D "PROBEDIR=$BUILD/tests/launcher" -- "$@"
}
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected: $3" "got: $2"; fi; }

profile mem '\tmemory 64M'
profile pids '\tpids 16'
profile both '\tmemory 48M 64M\n\tpids 32'
profile optional '\tmemory 64M' 'cgroup optional'

# a machine with no memory or pids controller for root anywhere cannot run this
probe=$("$RUN" --probe --profile "$W/both.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$BUILD/tests/launcher" 2>&1)
if ! echo "$probe" | grep -Eq '^  cgroup +apply'; then
	echo "SKIP: the cgroup limits cannot be applied on this machine:"
	echo "$probe" | grep -E '^  cgroup' | sed 's/^/    /'
	exit 77
fi

# ---- memory
out=$(run mem "$W/m1.log" $PY -c 'b = bytearray(16 << 20); print("ok")' 2>&1)
expect "memory 64M: 16 MiB allocates" "$out" "ok"
run mem "$W/m2.log" $PY -c 'b = bytearray(256 << 20); print("not limited")' >"$W/m2.out" 2>&1
rc=$?
expect "memory 64M: 256 MiB is killed by the OOM killer (128+9)" "$rc" 137
grep -q "not limited" "$W/m2.out" && bad "memory 64M: the allocation never completed" "$(cat "$W/m2.out")" ||
	ok "memory 64M: the allocation never completed"
grep -q '"layer":"cgroup","status":"applied","detail":".*memory.max 67108864 (v[12])' "$W/m2.log" &&
	ok "audit log: the memory limit and where it is" || bad "audit log: the memory limit and where it is" \
	"$(grep '"cgroup"' "$W/m2.log")"

# ---- pids
out=$(run pids "$W/p.log" $PY -c '
import os, signal, time
kids, err = [], ""
for i in range(40):
    try:
        pid = os.fork()
    except OSError as e:
        err = os.strerror(e.errno); break
    if pid == 0:
        time.sleep(5); os._exit(0)
    kids.append(pid)
for k in kids:
    os.kill(k, signal.SIGKILL); os.waitpid(k, 0)
print(len(kids), err)' 2>&1)
started=${out%% *}
if [ -n "$started" ] && [ "$started" -lt 16 ] && [ "$started" -ge 8 ] && [ "${out#* }" = "Resource temporarily unavailable" ]; then
	ok "pids 16: fork fails with EAGAIN after $started children"
else
	bad "pids 16: fork fails with EAGAIN before 16 processes" "$out"
fi
grep -q 'pids.max 16 (v[12])' "$W/p.log" && ok "audit log: the pids limit" || bad "audit log: the pids limit" \
	"$(grep '"cgroup"' "$W/p.log")"

# ---- soft and hard memory, and pids, together
out=$(run both "$W/b.log" $PY -c 'print(sum(bytearray(8 << 20)))' 2>&1)
expect "memory 48M 64M + pids 32: runs" "$out" "0"
grep -q 'memory.max 67108864 (v[12]), pids.max 32 (v[12])' "$W/b.log" && ok "audit log: both limits" ||
	bad "audit log: both limits" "$(grep '"cgroup"' "$W/b.log")"

# ---- valgrind: a launch that applies limits (v1 moves included) is clean
if [ "${SAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	sed -e "s|^\tcore 0\$|\tcore 0\n\tmemory 64M\n\tpids 20|" "$PROFILES/valgrind.profile" > "$W/vg.profile"
	"$RUN" --cache-dir "$W/cache" --profile "$W/vg.profile" -D "SCRATCH=$W/scratch" \
		-D "PROBEDIR=$BUILD/tests/launcher" -- /bin/true >/dev/null 2>&1   # fills the filter cache
	out=$(valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
		"$RUN" --cache-dir "$W/cache" --audit-log "$W/vg.log" --profile "$W/vg.profile" \
		-D "SCRATCH=$W/scratch" -D "PROBEDIR=$BUILD/tests/launcher" -- /bin/echo inside 2>&1)
	rc=$?
	if [ $rc = 0 ] && echo "$out" | grep -q '^inside$' && grep -q 'pids.max 20' "$W/vg.log"; then
		ok "valgrind-clean launch with limits"
	else
		bad "valgrind-clean launch with limits" "rc=$rc" "$out"
	fi
fi

# ---- nothing left behind
sleep 0.2
expect "no sandbox cgroup left (v2 or v1)" "$(comm -13 <(echo "$before") <(leaves))" ""

# ---- --probe --profile says where the limits go, and what a run would do
out=$("$RUN" --probe --profile "$W/both.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$BUILD/tests/launcher" 2>&1)
echo "$out" | grep -Eq '^  cgroup +apply +memory \(v[12]\), pids \(v[12]\)' && echo "$out" | grep -qx "would run" &&
	ok "probe: cgroup would apply, with where each limit goes" || bad "probe: cgroup would apply, with where each limit goes" "$out"

# ---- fail closed where limits cannot be applied (rootless: no delegated cgroup)
chmod 644 "$W"/*.profile
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$RUN" --probe --profile "$W/mem.profile" \
	-D "SCRATCH=$W/uscratch" -D "PROBEDIR=$BUILD/tests/launcher" 2>&1)
echo "$out" | grep -Eq '^  cgroup +fail-closed' && echo "$out" | grep -qx "would fail closed (exit 125)" &&
	ok "probe, rootless: the limits' cgroup layer would fail closed" ||
	bad "probe, rootless: the limits' cgroup layer would fail closed" "$out"
# urun PROFILE OUT CMD: run CMD rootless under PROFILE, output to OUT
urun() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$RUN" --cache-dir "$W/ucache" \
		--profile "$W/$1.profile" -D "SCRATCH=$W/uscratch" -D "PROBEDIR=$BUILD/tests/launcher" \
		-- /bin/sh -c "$3" >"$W/$2" 2>&1
}
urun mem u.out "touch $W/uscratch/ran"
rc=$?
expect "rootless, limits unobtainable: exit 125" "$rc" 125
grep -q "layer cgroup is required by profile mem but cannot be applied: cgroup .* is not delegated" "$W/u.out" && ok "rootless: the message names the cgroup layer and why" ||
	bad "rootless: the message names the cgroup layer and why" "$(cat "$W/u.out")"
[ ! -e "$W/uscratch/ran" ] && ok "rootless: the command did not run" || bad "rootless: the command did not run"
urun optional o.out "echo ran"
rc=$?
expect "rootless, cgroup optional: runs (exit 0)" "$rc" 0
grep -q "optional layer cgroup not applied" "$W/o.out" && ok "rootless, cgroup optional: degraded, said on stderr" ||
	bad "rootless, cgroup optional: degraded, said on stderr" "$(cat "$W/o.out")"

echo "limits: $pass passed, $fail failed"
[ "$fail" = 0 ]
