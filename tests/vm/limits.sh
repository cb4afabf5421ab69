#!/bin/sh
# compart-run's cgroup limits in the test VM (busybox sh), on a pure cgroup
# v2 hierarchy: the controllers are enabled down to the sandboxes' parent,
# the leaf holds memory.high/memory.max/pids.max while the sandbox runs,
# the limits hold, and nothing is left afterwards.
# Last line: "limits: N passed, N failed".
P=/profiles/limits.profile
CG=/sys/fs/cgroup
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }

for c in memory pids; do
	grep -qw $c $CG/cgroup.controllers || { bad "the guest's cgroup v2 has no $c controller"; }
done

# a sandbox that stays up while its cgroup is inspected
compart-run --audit-log /tmp/l0.log --profile $P -- /bin/sleep 3 > /dev/null 2>&1 &
bg=$!
leaf=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	leaf=$(ls -d $CG/compart/cr-* 2>/dev/null | head -n1)
	[ -n "$leaf" ] && [ -s /tmp/l0.log ] && break
	sleep 0.1
done
check "[ -n '$leaf' ]" "the sandbox has a leaf under $CG/compart"
check "grep -qw memory $CG/compart/cgroup.subtree_control && grep -qw pids $CG/compart/cgroup.subtree_control" \
	"memory and pids enabled for the sandboxes' parent"
check "[ \"\$(cat $leaf/memory.max)\" = 33554432 ]" "memory.max = 32M ($(cat $leaf/memory.max 2>/dev/null))"
check "[ \"\$(cat $leaf/memory.high)\" = 25165824 ]" "memory.high = 24M ($(cat $leaf/memory.high 2>/dev/null))"
check "[ \"\$(cat $leaf/pids.max)\" = 8 ]" "pids.max = 8 ($(cat $leaf/pids.max 2>/dev/null))"
wait $bg
# (without a BPF layer the layers are reported once the sandbox is done)
check "grep '\"layer\":\"cgroup\"' /tmp/l0.log | grep -q 'memory.max 33554432 (v2), pids.max 8 (v2)'" \
	"audit: the limits, in v2"

# pids: the ninth process cannot be created
compart-run --profile $P -- /bin/sh -c 'n=0; while [ $n -lt 16 ]; do /bin/sleep 2 & n=$((n + 1)); done' \
	> /tmp/l1.out 2>&1
check "grep -qi 'fork' /tmp/l1.out" "pids 8: fork fails in the sandbox ($(head -c 120 /tmp/l1.out | tr '\n' ' '))"

# memory: a shell holding 64 MiB in a variable is OOM-killed (128+9)
compart-run --profile $P -- /bin/sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo ${#x}' \
	> /tmp/l2.out 2>&1
rc=$?
check "[ $rc -eq 137 ] && ! grep -q 67108864 /tmp/l2.out" "memory 32M: a 64 MiB shell variable is OOM-killed (rc $rc)"

# and a small one is not
compart-run --profile $P -- /bin/sh -c 'x=$(head -c 4194304 /dev/zero | tr "\0" a); echo ${#x}' \
	> /tmp/l3.out 2>&1
check "grep -qx 4194304 /tmp/l3.out" "memory 32M: 4 MiB is fine"

sleep 0.2
check "[ -z \"\$(ls -d $CG/compart/cr-* 2>/dev/null)\" ]" "no leaf left"

echo "limits: $pass passed, $fail failed"
[ $fail -eq 0 ]
