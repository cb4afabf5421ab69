#!/bin/bash
# compart-run end to end on this host (cgroup BPF; BPF LSM is refused by
# this kernel): --probe is honest about BPF LSM, a network denial by the
# cgroup programs reaches the audit log with its reason, log-only audits
# without denying, and nothing stays pinned or attached afterwards.
set -u
: "${BUILD:?}" "${TOP:?}"
CR=$BUILD/compart-run
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (cgroups, BPF)"; exit 77; fi
if [ ! -x "$CR" ]; then echo "FAIL: $CR not built"; exit 1; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

probe=$("$CR" --probe 2>&1)
lsm=$(grep -E '^ *bpf-lsm ' <<<"$probe")
echo "probe: $lsm"
lsm_yes=0
grep -qE '^ *bpf-lsm +yes' <<<"$probe" && lsm_yes=1
[ $lsm_yes -eq 1 ] ||
	check "grep -qE 'not an active LSM|fails|not permitted' <<<\"\$lsm\"" \
		"probe: BPF LSM unavailable, with the reason"
check "grep -qE '^ *cgroup-bpf +yes' <<<\"\$probe\"" "probe: cgroup BPF usable"

py='import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("127.0.0.1", 9999)); print("sent")
except OSError as e:
    print("errno", e.errno)'

"$CR" --profile net-client --audit-log "$tmp/a1.log" -- /usr/bin/python3 -c "$py" \
	> "$tmp/out1" 2> "$tmp/err1"
rc=$?
check "[ $rc -eq 0 ] && grep -qx 'errno 1' $tmp/out1" "UDP to a port the profile does not allow: EPERM (rc $rc)"
[ $rc -eq 0 ] || cat "$tmp/err1"
check "grep '\"event\":\"deny\"' $tmp/a1.log | grep '\"hook\":\"cgroup/sendmsg4\"' | grep -q '\"port\":9999'" \
	"audit: cgroup/sendmsg4 deny with the destination"
check "grep '\"hook\":\"cgroup/sendmsg4\"' $tmp/a1.log | grep -q '\"rule\":\"default\"'" \
	"audit: the deny names the default rule"
check "grep '\"layer\":\"cgroup-bpf\"' $tmp/a1.log | grep -q '\"status\":\"applied\"'" "cgroup-bpf reported applied"
if [ $lsm_yes -eq 1 ]; then
	check "grep '\"layer\":\"bpf-lsm\"' $tmp/a1.log | grep -q '\"status\":\"applied\"'" \
		"bpf-lsm reported applied where the probe says it works"
else
	check "grep '\"layer\":\"bpf-lsm\"' $tmp/a1.log | grep -q '\"status\":\"degraded\"' &&
	       ! grep '\"layer\":\"bpf-lsm\"' $tmp/a1.log | grep -q '\"status\":\"applied\"'" \
		"bpf-lsm reported degraded, never applied, where the kernel refuses it"
fi

# host-wide hooks cost every process on the host: a sandbox that is not
# adaptive attaches none (here: no BPF LSM, so only cgroup programs)
if [ $lsm_yes -eq 0 ]; then
	"$CR" --profile net-client -- /bin/sleep 30 > /dev/null 2>&1 &
	hold=$!
	for _ in $(seq 100); do [ -n "$(ls /sys/fs/bpf/compart/v*/progs 2>/dev/null)" ] && break; sleep 0.05; done
	sleep 0.2
	check "[ -z \"\$(ls /sys/fs/bpf/compart/v*/links 2>/dev/null | grep -v '^missing-')\" ]" \
		"a net-client sandbox attaches no host-wide hook"
	# an adaptive sandbox beside it attaches the observers; when it
	# exits they go, although the net-client sandbox still runs
	"$CR" --profile adaptive -- /bin/sleep 30 > /dev/null 2>&1 &
	adapt=$!
	n=0
	for _ in $(seq 200); do
		n=$(ls /sys/fs/bpf/compart/v*/links 2>/dev/null | grep -cv '^missing-')
		[ "$n" -gt 0 ] && break
		sleep 0.05
	done
	kill $adapt; wait $adapt 2>/dev/null
	check "[ $n -gt 0 ] && [ -z \"\$(ls /sys/fs/bpf/compart/v*/links 2>/dev/null | grep -v '^missing-')\" ] &&
	       kill -0 $hold" "the observers go with the last adaptive sandbox ($n attached while it ran)"
	kill $hold; wait $hold 2>/dev/null
fi

# a launcher whose real uid is not root (a setuid-root install): the
# root-only pins are found with the effective uid, so the adaptive
# observers are attached and a second launch reuses the pins
if command -v setpriv >/dev/null; then
	"$CR" --profile adaptive -- /bin/sleep 30 > /dev/null 2>&1 &
	hold2=$!
	for _ in $(seq 200); do [ -n "$(ls /sys/fs/bpf/compart/v*/links 2>/dev/null)" ] && break; sleep 0.05; done
	setpriv --ruid=65534 --rgid=65534 --clear-groups "$CR" --profile adaptive --audit-log "$tmp/a5.log" \
		-- /bin/true > /dev/null 2> "$tmp/err5"
	rc=$?
	kill $hold2; wait $hold2 2>/dev/null
	check "[ $rc -eq 0 ] && grep '\"layer\":\"adapt\"' $tmp/a5.log | grep -q '(programs pinned)'" \
		"real uid 65534, effective root: adapt applied from the pins (rc $rc)"
	[ $rc -eq 0 ] || cat "$tmp/err5"
fi

"$CR" --log-only --profile net-client --audit-log "$tmp/a2.log" -- /usr/bin/python3 -c "$py" \
	> "$tmp/out2" 2> "$tmp/err2"
rc=$?
check "[ $rc -eq 0 ] && grep -qx sent $tmp/out2" "log-only: the send goes through (rc $rc)"
check "grep '\"hook\":\"cgroup/sendmsg4\"' $tmp/a2.log | grep -q '\"verdict\":\"audit\"'" "log-only: audited"

# concurrent launches and teardowns share one set of pinned programs under
# the lock: every sandbox must be enforced, and the last one cleans up
for i in 1 2 3 4 5 6 7 8; do
	"$CR" --profile net-client -- /usr/bin/python3 -c "$py" > "$tmp/c$i" 2>/dev/null &
done
wait
n=$(cat "$tmp"/c? | grep -cx 'errno 1')
check "[ $n -eq 8 ]" "8 concurrent sandboxes all enforced ($n/8)"

# pins are shared: another sandbox running now legitimately holds them
if pgrep -x compart-run > /dev/null; then
	echo "note: pins not checked: another compart-run is running"
elif [ -d /sys/fs/bpf/compart/resident ]; then
	# an operator's resident mode (compart-ctl bpf resident): the object
	# stays, idle, with no global hook attached
	check "ls -d /sys/fs/bpf/compart/v*/idle >/dev/null 2>&1 &&
	       [ -z \"\$(ls /sys/fs/bpf/compart/v*/links | grep -v '^missing-')\" ]" \
		"resident mode: the object is left idle, no hook attached"
else
	check "[ -z \"\$(ls /sys/fs/bpf/compart 2>/dev/null)\" ]" "nothing left pinned"
fi
sb=$(grep -o '"sandbox":"[^"]*"' "$tmp/a1.log" | head -n1 | cut -d'"' -f4)
check "[ -n \"$sb\" ] && ! find /sys/fs/cgroup -maxdepth 3 -name \"$sb\" | grep -q ." \
	"the sandbox's cgroup ($sb) is gone"

echo "e2e-host: $pass passed, $fail failed"
[ $fail -eq 0 ]
