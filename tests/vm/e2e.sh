#!/bin/sh
# compart-run end to end in the test VM (busybox sh): BPF LSM denials
# reach the audit log with their reasons, log-only audits without
# denying, a concurrent launch reuses the pinned programs, nothing is
# left pinned afterwards, and resident mode (compart-ctl bpf) works.  Last line: "e2e: N passed, N failed".
P=/profiles/e2e.profile
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }

mkdir -p /data/pub /data/secret
echo pub > /data/pub/a
echo secret > /data/secret/s
# the profile denies this file by name; the launcher's view hides that
# name, but a second name (hard link) stays visible: only BPF LSM, which
# decides by inode, can still refuse it
echo private > /data/pub/private
ln -f /data/pub/private /data/pub/private-link
cp /bin/cp-hello /data/pub/hello && chmod 755 /data/pub/hello

run() {   # run LOG ARGS...: compart-run with an audit log
	log=$1; shift
	rm -f "$log"
	compart-run --audit-log "$log" "$@" > /tmp/e2e.out 2> /tmp/e2e.err
}

# a long-running sandbox first: it loads and pins the programs, every
# later launch must reuse them, and they must go when the last one ends
compart-run --audit-log /tmp/a0.log --profile $P -- /bin/sleep 600 > /dev/null 2>&1 &
bg=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q '"layer":"bpf-lsm"' /tmp/a0.log 2>/dev/null && break
	sleep 1
done
check "grep '\"layer\":\"bpf-lsm\"' /tmp/a0.log | grep -q 'loaded programs'" "first launch loads the programs"

run /tmp/a1.log --profile $P -- /bin/cat /data/pub/a
rc=$?
check "[ $rc -eq 0 ] && grep -qx pub /tmp/e2e.out" "allowed read works (rc $rc)"
[ $rc -eq 0 ] || cat /tmp/e2e.err
check "grep '\"layer\":\"bpf-lsm\"' /tmp/a1.log | grep -q '\"status\":\"applied\"'" "bpf-lsm reported applied"
check "grep '\"layer\":\"bpf-lsm\"' /tmp/a1.log | grep -q 'pinned programs'" "a concurrent launch reuses the pins"

# the denied name is gone from its read-only directory, which is still
# listable under BPF LSM's inode rules (its skeleton's mount point is the
# host directory, so the walk reaches the rule for /data/pub)
run /tmp/a5.log --profile $P -- /bin/ls /data/pub
rc=$?
check "[ $rc -eq 0 ] && [ \"\$(tr '\\n' ' ' < /tmp/e2e.out)\" = 'a hello private-link ' ]" \
	"denied name absent, the rest listed (rc $rc: $(tr '\n' ' ' < /tmp/e2e.out))"

run /tmp/a2.log --profile $P -- /bin/cat /data/secret/s
rc=$?
check "[ $rc -ne 0 ] && ! grep -q secret /tmp/e2e.out" "denied directory stays unreadable (rc $rc)"

run /tmp/a2.log --profile $P -- /bin/cat /data/pub/private-link
rc=$?
check "[ $rc -ne 0 ] && ! grep -q private /tmp/e2e.out" "hard link to a denied file: refused by inode (rc $rc)"
check "grep '\"event\":\"deny\"' /tmp/a2.log | grep '\"hook\":\"file_open\"' | grep -q 'private-link'" \
	"audit: file_open deny with the path used"
check "grep '\"hook\":\"file_open\"' /tmp/a2.log | grep -q '\"rule\":[0-9]'" "audit: the deny names its rule"

run /tmp/a3.log --log-only --profile $P -- /bin/cat /data/pub/private-link
rc=$?
check "[ $rc -eq 0 ] && grep -qx private /tmp/e2e.out" "log-only: the read goes through (rc $rc)"
check "grep '\"hook\":\"file_open\"' /tmp/a3.log | grep -q '\"verdict\":\"audit\"'" "log-only: audited"

run /tmp/a4.log --profile $P -- /data/pub/hello
rc=$?
check "[ $rc -ne 0 ]" "exec outside the allowlist fails (rc $rc)"
check "grep '\"hook\":\"bprm_check_security\"' /tmp/a4.log | grep -q '\"verdict\":\"deny\"'" "audit: bprm deny"

kill -TERM $bg
wait $bg
check "[ -z \"\$(ls /sys/fs/bpf/compart 2>/dev/null)\" ]" "nothing left pinned after the last sandbox"

# resident mode: the LSM programs stay verified and pinned while idle,
# with no hook attached; a launch attaches them again from the pins and
# they enforce; release unpins everything
hooks() { ls /sys/fs/bpf/compart/v*/links 2>/dev/null | grep -cv '^missing-'; }
compart-ctl bpf resident > /tmp/res.out 2>&1
rc=$?
check "[ $rc -eq 0 ] && [ -d /sys/fs/bpf/compart/resident ] && ls -d /sys/fs/bpf/compart/v*/idle >/dev/null 2>&1 &&
       [ \$(hooks) -eq 0 ]" "resident: loaded and idle, no hook attached (rc $rc)"
run /tmp/a6.log --profile $P -- /bin/cat /data/pub/private-link
rc=$?
check "[ $rc -ne 0 ] && ! grep -q private /tmp/e2e.out &&
       grep '\"layer\":\"bpf-lsm\"' /tmp/a6.log | grep -q 'pinned programs'" \
	"resident: the LSM hooks attached again from the pins enforce (rc $rc)"
check "ls -d /sys/fs/bpf/compart/v*/idle >/dev/null 2>&1 && [ \$(hooks) -eq 0 ]" \
	"resident: idle again after the last sandbox"
compart-ctl bpf release > /dev/null 2>&1
check "[ -z \"\$(ls /sys/fs/bpf/compart 2>/dev/null)\" ]" "release: nothing left pinned"

echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]
