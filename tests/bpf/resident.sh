#!/bin/bash
# Resident mode (compart-ctl bpf resident|release|status) on this host's
# kernel: the verified programs and maps stay pinned while no sandbox
# runs, with every global hook detached; a launch attaches them again
# from the pins, and the observers it re-attached still feed the model
# (a tree on files written tightens the sandbox); the last sandbox
# detaches them again; release unpins everything, at once when idle or
# with the last sandbox when one runs; an idle older object version is
# dropped by a fresh load.
set -u
: "${BUILD:?}" "${TOP:?}"
CR=$BUILD/compart-run CTL=$BUILD/compart-ctl
ROOT=/sys/fs/bpf/compart
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (BPF, bpffs)"; exit 77; fi
for b in "$CR" "$CTL"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
if ! "$CR" --probe 2>&1 | grep -qE '^ *cgroup-bpf +yes'; then
	echo "SKIP: cgroup BPF is not usable here: $("$CR" --probe 2>&1 | grep -E '^ *cgroup-bpf')"
	exit 77
fi
# an operator's resident mode is set aside for the suite and restored
was_resident=
if [ -d $ROOT/resident ] && ! ls -d $ROOT/v*/ 2>/dev/null | while read -r d; do [ -d "$d/idle" ] || echo busy; done | grep -q .; then
	was_resident=1
	"$CTL" bpf release >/dev/null
fi
if pgrep -x compart-run >/dev/null; then
	echo "SKIP: a compart-run sandbox is running: the pins are shared, this suite needs them to itself"
	exit 77
fi
if [ -n "$(ls $ROOT 2>/dev/null)" ]; then
	echo "FAIL: $ROOT is not empty before the suite, with no sandbox running (pins left behind):"
	ls -R $ROOT
	exit 1
fi

work=$(mktemp -d /var/tmp/compart-resident.XXXXXX)
bg=
cleanup() {
	[ -n "$bg" ] && kill "$bg" 2>/dev/null && wait "$bg" 2>/dev/null
	"$CTL" bpf release >/dev/null 2>&1
	rm -rf "$work" "$ROOT/v0-0000000000000000"
	rmdir $ROOT 2>/dev/null
	[ -n "$was_resident" ] && "$CTL" bpf resident >/dev/null
}
trap cleanup EXIT
chmod 755 "$work"

# a model on files written (the writeback tracepoint, a global observer)
printf 'compart-tree 1\n# more than 2 files written -> level 2\n0 split open_write 2 1 2\n1 leaf 0\n2 leaf 2\n' \
	>"$work/write2.tree"
cat >"$work/adapt.profile" <<EOF
include "default"
filesystem {
	read-write $work
}
adapt {
	model "$work/write2.tree"
	eval-every 1
	window 60s
	level 2 forbid write
}
layers {
	adapt required
}
EOF
# writes files until one is refused (at most 8); prints how many were written
writer='n=0; while [ $n -lt 8 ] && echo data > "$0/f$n" 2>/dev/null; do n=$((n+1)); done; echo "written:$n"'

pin_dir() { ls -d $ROOT/v1-* 2>/dev/null | head -n1; }
hooks() { ls "$(pin_dir)/links" 2>/dev/null | grep -cv '^missing-'; }
# global (tracing) links of the host's kernel whose program is one of ours
# (bpftool's view, not our pins': a detached hook must be gone from the
# kernel; cgroup links are per sandbox)
kernel_links() {
	bpftool -j link show 2>/dev/null | python3 -c '
import json, subprocess, sys
progs = {p["id"]: p.get("name", "") for p in json.loads(subprocess.run(
    ["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout or "[]")}
print(sum(1 for l in json.load(sys.stdin) if l.get("type") in ("raw_tracepoint", "tracing") and
          progs.get(l.get("prog_id"), "").startswith("cp_")))'
}

# 1. resident: loaded now, idle, no hook attached
out=$("$CTL" bpf resident 2>&1); rc=$?
echo "     $out"
check "[ $rc = 0 ] && [ -d $ROOT/resident ]" "bpf resident: exit 0, marker set"
check "[ -n \"$(pin_dir)\" ] && [ -d \"$(pin_dir)/idle\" ] && [ \$(hooks) = 0 ]" \
	"the object is loaded and idle: programs and maps pinned, no link pinned"
check "[ \"\$(kernel_links)\" = 0 ]" "no observer is attached in the kernel while idle"
st=$("$CTL" bpf status)
echo "$st" | sed 's/^/     /'
check "grep -q 'idle (verified programs' <<<\"\$st\" && grep -q '0 sandboxes running, 0 global hooks attached' <<<\"\$st\"" \
	"bpf status reports the idle state"
nprogs=$(ls "$(pin_dir)/progs" | wc -l)

# 2. a launch wakes it: the re-attached observers feed the model
"$CR" --profile "$work/adapt.profile" --audit-log "$work/a.jsonl" -- /bin/sh -c "$writer" "$work" \
	>"$work/a.out" 2>"$work/a.err"
rc=$?
written=$(sed -n 's/^written:\([0-9]*\)$/\1/p' "$work/a.out")
echo "     run: rc=$rc written=$written"
check "[ $rc = 0 ] && [ \"\${written:-0}\" -ge 3 ] && [ \"\$written\" -le 5 ]" \
	"a launch from the idle pins: the model saw the writes and refused the next one ($written written)"
check "grep -q '\"event\":\"adapt\"' \"$work/a.jsonl\" && grep -q '\"layer\":\"adapt\".*(programs pinned)' \"$work/a.jsonl\"" \
	"the audit log has the tightening, and the programs came from the pins"
check "[ -d \"$(pin_dir)/idle\" ] && [ \$(hooks) = 0 ] && [ \"\$(kernel_links)\" = 0 ]" \
	"after the last sandbox: idle again, every hook detached"
check "[ \$(ls \"$(pin_dir)/progs\" | wc -l) = $nprogs ]" "the verified programs stay pinned ($nprogs)"

# 3. hooks are attached while a sandbox runs
"$CR" --profile "$work/adapt.profile" -- /bin/sleep 30 >/dev/null 2>&1 &
bg=$!
for _ in $(seq 100); do [ ! -d "$(pin_dir)/idle" ] && [ "$(hooks)" -gt 0 ] && break; sleep 0.05; done
h=$(hooks)
check "[ ! -d \"$(pin_dir)/idle\" ] && [ $h -gt 0 ] && [ \"\$(kernel_links)\" = $h ]" \
	"while a sandbox runs: $h observers attached"
# a second, concurrent sandbox finds them attached and leaves them so
"$CR" --profile "$work/adapt.profile" -- /bin/true >/dev/null 2>&1
check "[ \$(hooks) = $h ]" "a concurrent sandbox's exit leaves the running one's hooks attached"

# 4. release while a sandbox runs: pins go with the last sandbox
out=$("$CTL" bpf release 2>&1); rc=$?
check "[ $rc = 0 ] && [ ! -d $ROOT/resident ] && [ -n \"$(pin_dir)\" ]" \
	"bpf release while a sandbox runs: marker gone, pins kept for it"
kill "$bg"; wait "$bg" 2>/dev/null; bg=
check "[ -z \"\$(ls $ROOT 2>/dev/null)\" ]" "its exit unpins everything"

# 5. release when idle: at once; an older idle version is dropped by a fresh load
"$CTL" bpf resident >/dev/null 2>&1
mkdir -p "$ROOT/v0-0000000000000000/idle"
"$CTL" bpf release >/dev/null 2>&1
check "[ -z \"\$(ls $ROOT 2>/dev/null)\" ]" "bpf release when idle unpins at once (and idle older versions)"
mkdir -p $ROOT/resident "$ROOT/v0-0000000000000000/idle"
"$CR" --profile "$work/adapt.profile" -- /bin/true >/dev/null 2>&1
check "[ ! -e $ROOT/v0-0000000000000000 ] && [ -d \"$(pin_dir)/idle\" ]" \
	"a fresh load drops an idle older version and leaves its own idle"
"$CTL" bpf release >/dev/null 2>&1
check "[ -z \"\$(ls $ROOT 2>/dev/null)\" ]" "nothing left pinned"

# 6. usage
"$CTL" bpf bogus >/dev/null 2>&1; rc=$?
check "[ $rc = 2 ]" "compart-ctl bpf bogus: usage error, exit 2"
st=$("$CTL" bpf status)
check "grep -q 'not resident' <<<\"\$st\" && grep -q 'nothing loaded' <<<\"\$st\"" "bpf status with nothing loaded"
if [ "${SAN:-0}" != 1 ] && command -v valgrind >/dev/null; then   # not on a sanitizer build
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	    --suppressions=$TOP/tests/bpf/valgrind.supp"
	"$CTL" bpf resident >/dev/null 2>&1
	$vg "$CTL" bpf status \
		>/dev/null 2>"$work/vg"; r1=$?
	$vg "$CTL" bpf release \
		>/dev/null 2>>"$work/vg"; r2=$?
	check "[ $r1 = 0 ] && [ $r2 = 0 ] && [ ! -s \"$work/vg\" ]" "bpf status and release run valgrind-clean"
fi

echo "bpf-resident: $pass passed, $fail failed"
[ $fail -eq 0 ]
