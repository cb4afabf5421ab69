#!/bin/bash
# Integration tests for compart-run: real namespaces, mounts, Landlock,
# seccomp, cgroups and ptys, as root and rootless (uid 65534 via setpriv).
# Table-driven: each row is NAME EXPECTED-EXIT EXPECTED-OUTPUT-REGEX -- CMD.
# Everything created (temp dirs, cgroups) is removed, also on failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUN=$BUILD/compart-run
PROBE=$BUILD/tests/launcher/cr-probe
PROFILES=$TOP/tests/launcher/profiles

for f in "$RUN" "$PROBE"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the suite needs root to create the rootless user's fixtures and to check cgroups"
	exit 77
fi

W=$(mktemp -d /var/tmp/cr-launcher-itest.XXXXXX)
chmod 755 "$W"
CGPARENT=$("$RUN" --probe --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["features"]["cgroup-v2"]["detail"])')
LLABI=$("$RUN" --probe --json | python3 -c 'import json,sys; d=json.load(sys.stdin)["features"]["landlock"]; print(d["detail"].split()[1] if d["available"] else 0)')
cg_list() { ls "$CGPARENT" 2>/dev/null | grep '^cr-' | sort; }
cg_before=$(cg_list)
# cgroups created since the start whose supervisor is gone: leaked by us
# (a live supervisor's belongs to someone else running concurrently)
cg_leaked() {
	comm -13 <(echo "$cg_before") <(cg_list) | while read -r c; do
		pid=${c#cr-}; pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || echo "$c"
	done
}
cleanup() {
	for c in $(cg_leaked); do rmdir "$CGPARENT/$c" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

# fixtures readable by the unprivileged user
mkdir -p "$W/bin" "$W/scratch/hidden" "$W/scratch/rw" "$W/uscratch/hidden" "$W/uscratch/rw" "$W/cache"
cp "$RUN" "$PROBE" "$W/bin/"
cp "$PROFILES"/*.profile "$W/"
echo secret > "$W/scratch/hidden/key"
echo secret > "$W/uscratch/hidden/key"
# names denied below the read-only $W/bin; the rest of it stays
mkdir -p "$W/bin/sub/deep"
echo secret > "$W/bin/secret"
echo keep > "$W/bin/sub/keep"
ln -s cr-probe "$W/bin/probe-link"
# searchable, not listable (0711): root lists it, the rootless user cannot
mkdir -p "$W/bin/xonly"
echo secret > "$W/bin/xonly/x"
echo keep > "$W/bin/xonly/k"
chown -R 65534:65534 "$W/uscratch"
chmod -R a+rX "$W"
chmod 711 "$W/bin/xonly"
R=$W/bin/compart-run
P=$W/bin/cr-probe
[ "${SAN:-0}" = 1 ] && R=$RUN   # the sanitizer runtime lives next to the build

pass=0 fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }

# t NAME RC REGEX -- CMD...: run CMD, expect exit RC and output matching
# REGEX (extended grep over stdout+stderr; "" = anything).
t() {
	local name=$1 rc=$2 re=$3 out got
	shift 4
	out=$("$@" 2>&1 </dev/null)
	got=$?
	if [ "$got" != "$rc" ]; then
		bad "$name" "exit $got, expected $rc" "${out:0:2000}"
	elif [ -n "$re" ] && ! grep -Eq -- "$re" <<<"$out"; then
		bad "$name" "output does not match /$re/" "${out:0:2000}"
	else
		ok "$name"
	fi
}
# n NAME REGEX -- CMD...: output must NOT match
n() {
	local name=$1 re=$2 out
	shift 3
	out=$("$@" 2>&1 </dev/null)
	if grep -Eq -- "$re" <<<"$out"; then bad "$name" "output matches /$re/" "${out:0:2000}"; else ok "$name"; fi
}

mounts_before=$(wc -l </proc/self/mountinfo)

for who in root nobody; do
	if [ $who = root ]; then
		AS=() S=$W/scratch
	else
		AS=(setpriv --reuid 65534 --regid 65534 --clear-groups --)
		S=$W/uscratch
	fi
	B=("${AS[@]}" env -u XDG_CACHE_HOME HOME="$S" "$R" --cache-dir "$W/cache/$who"
	   --profile "$W/basic.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin")
	mkdir -p "$W/cache/$who"; [ $who = nobody ] && chown 65534:65534 "$W/cache/$who"

	# exit statuses: the command's, 128+N, 126, 127
	t "$who: exit 0"            0 "" -- "${B[@]}" -- /bin/true
	t "$who: exit 3"            3 "" -- "${B[@]}" -- /bin/sh -c 'exit 3'
	t "$who: killed by 9"     137 "" -- "${B[@]}" -- /bin/sh -c 'kill -9 $$'
	t "$who: killed by TERM"  143 "" -- "${B[@]}" -- /bin/sh -c 'kill -TERM $$'
	t "$who: not found"       127 "nonexistent-cmd: No such file" -- "${B[@]}" -- nonexistent-cmd
	t "$who: not executable"  126 "Permission denied" -- "${B[@]}" -- /etc/passwd
	# seccomp: the profile's errno per call, harmless errors otherwise
	t "$who: seccomp denies"    0 "^ptrace=1 personality=13 acct=95 $" -- "${B[@]}" -- \
		"$W/bin/cr-probe" syscalls ptrace personality acct
	t "$who: seccomp allows"    0 "^getpid=0 socket=97 $" -- "${B[@]}" -- "$W/bin/cr-probe" syscalls getpid socket
	# privileges
	t "$who: no caps, nnp"      0 "^[0-9]+ [0-9]+ 0000000000000000 1$" -- "${B[@]}" -- "$W/bin/cr-probe" ids
	t "$who: CapBnd/CapAmb 0"   0 "CapBnd:.0000000000000000" -- "${B[@]}" -- /bin/grep -E 'Cap(Bnd|Amb)' /proc/self/status
	n "$who: CapAmb 0"          "CapAmb:.*[1-9a-f]" -- "${B[@]}" -- /bin/grep CapAmb /proc/self/status
	t "$who: kept capability only" 0 "^0000000000000400 0000000000000400 0000000000000400 0000000000000400 0000000000000400 $" \
		-- "${AS[@]}" "$R" --cache-dir "$W/cache/$who" --profile "$W/caps.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" \
		-- /bin/sh -c "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | cut -f2 | tr '\n' ' '"
	# namespaces and the view
	t "$who: pid 1 is the init" 0 "^1$" -- "${B[@]}" -- /bin/sh -c 'echo $PPID'
	t "$who: hostname"          0 "^sbx$" -- "${B[@]}" -- /bin/hostname
	t "$who: no network"        0 "^lo $" -- "${B[@]}" -- /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " "'
	t "$who: /home invisible"   0 "^gone$" -- "${B[@]}" -- /bin/sh -c 'test -e /home || test -e /root || echo gone'
	t "$who: denied path hidden" 0 "^hidden-ok$" -- "${B[@]}" -- /bin/sh -c \
		"cat $S/hidden/key 2>/dev/null || echo hidden-ok"
	t "$who: denied names gone" 0 "^gone gone $" -- "${B[@]}" -- /bin/sh -c \
		"for f in $W/bin/secret $W/bin/sub/deep; do test -e \$f || test -L \$f || printf 'gone '; done; echo"
	t "$who: siblings stay" 0 "^$(cd "$W/bin" && LC_ALL=C ls -A | grep -vx secret | tr '\n' ' ')/ keep $" \
		-- "${B[@]}" -- /bin/sh -c "ls -A $W/bin | tr '\n' ' '; printf '/ '; ls -A $W/bin/sub | tr '\n' ' '"
	t "$who: links and binds under it" 0 "^ids-ok [0-9]+ [0-9]+ 0000000000000000 1$" -- "${B[@]}" -- /bin/sh -c \
		"readlink $W/bin/probe-link | grep -qx cr-probe && test \$(stat -c %i $W/bin/sub/keep) = $(stat -c %i "$W/bin/sub/keep") && printf 'ids-ok ' && $W/bin/probe-link ids"
	# in a directory the user cannot list the name is covered, not hidden
	if [ $who = root ]; then xo="^keep gone$"; else xo="^keep refused$"; fi
	t "$who: denied name, unlistable dir" 0 "$xo" -- "${B[@]}" -- /bin/sh -c \
		"printf '%s ' \$(cat $W/bin/xonly/k); test -e $W/bin/xonly/x || { echo gone; exit; }; cat $W/bin/xonly/x 2>/dev/null || echo refused"
	t "$who: probe forecasts them" 0 "^covered: its directory is writable;hidden;hidden;$([ $who = root ] &&
		echo hidden || echo 'covered: its directory cannot be listed')$" -- "${AS[@]}" /bin/sh -c \
		"$R --probe --json --profile $W/basic.profile -D SCRATCH=$S -D PROBEDIR=$W/bin | python3 -c \
		'import json, sys; print(\";\".join(json.load(sys.stdin)[\"denied_paths\"].values()))'"
	t "$who: rw bind writes"    0 "write=0" -- "${B[@]}" -- "$W/bin/cr-probe" write "$S/rw/f"
	t "$who: ro bind refuses"   0 "write=30" -- "${B[@]}" -- "$W/bin/cr-probe" write /etc/cr-test
	t "$who: tmpfs /tmp"        0 "write=0" -- "${B[@]}" -- "$W/bin/cr-probe" write /tmp/x
	t "$who: minimal /dev"      0 "^full null ptmx pts random shm stderr stdin stdout tty urandom zero$" \
		-- "${B[@]}" -- /bin/sh -c 'ls /dev | grep -v "^fd$" | tr "\n" " " | sed "s/ $//"'
	# no descriptor leaks: stdio only, plus --pass-fd
	t "$who: no fd leaks"       0 "^0 1 2 $" -- "${B[@]}" -- /bin/sh -c "$W/bin/cr-probe fds | tr '\n' ' '" 7</etc/hostname
	t "$who: --pass-fd"         0 "^0 1 2 7 $" -- "${AS[@]}" env HOME="$S" "$R" --cache-dir "$W/cache/$who" \
		--pass-fd 7 --profile "$W/basic.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- \
		/bin/sh -c "$W/bin/cr-probe fds | tr '\n' ' '" 7</etc/hostname
	# environment: cleared to a minimal set
	t "$who: env cleared"       0 "^HOME=$S PATH=[^ ]+ TMPDIR=/tmp $" -- env SECRET=1 "${B[@]}" -- /bin/sh -c \
		'env | grep -v "^\(PWD\|SHLVL\|_\|TERM\|LANG\|LC_.*\)=" | sort | tr "\n" " "'
	t "$who: --setenv/--keep-env" 0 "^A=1 KEEP=yes$" -- env KEEP=yes "${AS[@]}" env HOME="$S" "$R" \
		--cache-dir "$W/cache/$who" --setenv A=1 --keep-env KEEP --profile "$W/basic.profile" \
		-D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- /bin/sh -c 'echo "A=$A KEEP=$KEEP"'
	# the pid-1 reaper reaps orphans
	t "$who: zombies reaped"    0 "zombies=0" -- "${B[@]}" -- "$W/bin/cr-probe" orphans 5
	# TIOCSTI: on a terminal, the sandbox gets its own pty and the ioctl is filtered
	t "$who: TIOCSTI blocked"   0 "tiocsti=1" -- script -qec "$(printf '%q ' "${B[@]}" -- "$W/bin/cr-probe" tiocsti)" /dev/null
	t "$who: interactive shell on a pty" 0 "" -- "${AS[@]}" /usr/bin/python3 "$TOP/tests/launcher/pty_session.py" \
		"$R" --cache-dir "$W/cache/$who" --profile "$W/basic.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" \
		-- /bin/bash --norc -i
	t "$who: TIOCSTI no tty"    0 "tiocsti=(1|25)" -- "${B[@]}" -- "$W/bin/cr-probe" tiocsti
	# Landlock alone: the host mounts are writable, Landlock says no
	t "$who: landlock allows rw" 0 "write=0" -- "${AS[@]}" env HOME="$S" "$R" --cache-dir "$W/cache/$who" \
		--profile "$W/landlock.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" write "$S/rw/g"
	t "$who: landlock denies"   0 "write=13" -- "${AS[@]}" env HOME="$S" "$R" --cache-dir "$W/cache/$who" \
		--profile "$W/landlock.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" write "$S/escaped"
	# Landlock TCP rules (ABI 4): port 8080 allowed, others denied
	LN=("${AS[@]}" "$R" --cache-dir "$W/cache/$who" --profile "$W/landlock-net.profile" -D "PROBEDIR=$W/bin" --)
	if [ "$LLABI" -ge 4 ]; then
		t "$who: landlock tcp allowed" 0 "connect=111" -- "${LN[@]}" "$W/bin/cr-probe" connect 8080
		t "$who: landlock tcp denied"  0 "connect=13" -- "${LN[@]}" "$W/bin/cr-probe" connect 8081
	else
		echo "skip $who: landlock tcp rules (Landlock ABI $LLABI < 4)"
	fi
	# Landlock signal scoping (ABI 6): same uid, visible pid, still refused
	if [ "$LLABI" -ge 6 ]; then
		"${AS[@]}" sleep 30 & victim=$!
		t "$who: landlock scopes signals" 0 "^refused" -- "${AS[@]}" "$R" --cache-dir "$W/cache/$who" \
			--setenv "P=$victim" --profile "$W/scope.profile" -- /bin/sh -c 'kill -0 $P 2>/dev/null && echo sent || echo refused'
		# control: the same profile with signal-outside allowed does reach it
		sed 's/^layers {/process {\n\tsignal-outside allow\n}\n\nlayers {/' "$W/scope.profile" >"$W/scope-allow.profile"
		t "$who: ... unless signal-outside allow" 0 "^sent" -- "${AS[@]}" "$R" --cache-dir "$W/cache/$who" \
			--setenv "P=$victim" --profile "$W/scope-allow.profile" -- /bin/sh -c 'kill -0 $P 2>/dev/null && echo sent || echo refused'
		kill $victim; wait $victim 2>/dev/null
	fi
	# bad input: 125 with a precise message, usage errors 2
	t "$who: bad profile"     125 "bad.profile:5:[0-9]+: error" -- "${AS[@]}" "$R" --profile "$W/bad.profile" \
		--audit-log "$S/bad-profile.log" -- /bin/true
	[ ! -e "$S/bad-profile.log" ] && ok "$who: bad profile writes no audit file" ||
		bad "$who: bad profile writes no audit file"
	t "$who: unwritable audit log" 125 "--audit-log /nonexistent/a.log: No such file" -- "${AS[@]}" "$R" \
		--audit-log /nonexistent/a.log --profile "$W/basic.profile" -D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- /bin/true
	t "$who: missing profile" 125 "no-such-profile" -- "${AS[@]}" "$R" --profile no-such-profile -- /bin/true
	t "$who: bpf-lsm required" 125 "bpf-lsm.*required" -- "${AS[@]}" "$R" --profile "$W/needs-bpf-lsm.profile" -- /bin/true
	t "$who: no command"        2 "no command" -- "${AS[@]}" "$R" --profile "$W/basic.profile"
	t "$who: unknown option"    2 "unknown option '--frobnicate'" -- "${AS[@]}" "$R" --frobnicate -- /bin/true
	t "$who: bad -D"            2 "-D expects NAME=VALUE" -- "${AS[@]}" "$R" -D novalue -- /bin/true
	t "$who: bad --pass-fd"     2 "not an open descriptor" -- "${AS[@]}" "$R" --pass-fd 99 --profile "$W/basic.profile" \
		-D "SCRATCH=$S" -D "PROBEDIR=$W/bin" -- /bin/true
done

# a setuid-root binary gains nothing (nnp; nosuid binds)
cp "$PROBE" "$W/uscratch/rw/suid-probe" && chown root:root "$W/uscratch/rw/suid-probe" && chmod 4755 "$W/uscratch/rw/suid-probe"
t "nobody: setuid gains nothing" 0 "^65534 65534 0000000000000000 1$" -- setpriv --reuid 65534 --regid 65534 --clear-groups -- \
	env HOME="$W/uscratch" "$R" --cache-dir "$W/cache/nobody" --profile "$W/basic.profile" -D "SCRATCH=$W/uscratch" \
	-D "PROBEDIR=$W/uscratch/rw" -- "$W/uscratch/rw/suid-probe" ids
rm -f "$W/uscratch/rw/suid-probe"

# signals are forwarded through the supervisor and the init to the command
for sig in TERM INT HUP USR1; do
	# a fresh file: a stale "ready" would send the signal to the forked
	# shell before compart-run even started
	rm -f "$W/sig.out"
	"$R" --cache-dir "$W/cache/root" --profile "$W/basic.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" \
		-- "$W/bin/cr-probe" signal >"$W/sig.out" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 100); do grep -q ready "$W/sig.out" 2>/dev/null && break; sleep 0.05; done
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	want=$((100 + $(kill -l "$sig")))
	[ $rc = $want ] && ok "signal $sig forwarded" || bad "signal $sig forwarded" "exit $rc, expected $want" "$(cat "$W/sig.out")"
done

# a supervisor killed outright takes the sandbox with it, and its cgroup
# is collected by the next run
rm -f "$W/sig.out"
"$R" --cache-dir "$W/cache/root" --audit-log "$W/killed.log" --profile "$W/basic.profile" \
	-D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" signal >"$W/sig.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do grep -q ready "$W/sig.out" 2>/dev/null && break; sleep 0.05; done
sbx=$(grep -o '"sandbox":"[^"]*"' "$W/killed.log" | head -1 | cut -d'"' -f4)
kill -9 $pid; wait $pid 2>/dev/null
sleep 0.3
if pgrep -f "$W/bin/cr-probe signal" >/dev/null; then bad "supervisor SIGKILL ends the sandbox"; else ok "supervisor SIGKILL ends the sandbox"; fi
"$R" --cache-dir "$W/cache/root" --profile "$W/basic.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" -- /bin/true
[ -n "$sbx" ] && [ ! -e "$CGPARENT/$sbx" ] && ok "stale cgroup collected" || bad "stale cgroup collected" "sandbox '$sbx'"

# the audit log: start, every layer, exit, one JSON object a line
"$R" --cache-dir "$W/cache/root" --audit-log "$W/audit.log" --profile "$W/basic.profile" -D "SCRATCH=$W/scratch" \
	-D "PROBEDIR=$W/bin" -- /bin/sh -c 'exit 7' </dev/null
python3 - "$W/audit.log" <<'PY' && ok "audit log" || bad "audit log" "$(cat "$W/audit.log")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0]["event"] == "start" and ev[0]["profile"] == "basic" and len(ev[0]["hash"]) == 64, ev[0]
assert ev[0]["command"] == ["/bin/sh", "-c", "exit 7"]
layers = {e["layer"]: e["status"] for e in ev if e["event"] == "layer"}
for l in ("namespaces", "seccomp", "landlock"):
    assert layers.get(l) == "applied", layers
assert layers.get("bpf-lsm") == "skipped", layers
assert ev[-1]["event"] == "exit" and ev[-1]["status"] == 7, ev[-1]
assert len({e["sandbox"] for e in ev}) == 1
PY
t "audit fd:N" 0 '"event":"exit"' -- bash -c "\"$R\" --cache-dir \"$W/cache/root\" --audit-log fd:3 --profile \"$W/basic.profile\" -D SCRATCH=$W/scratch -D PROBEDIR=$W/bin -- /bin/true 3>&1 >/dev/null"

# valgrind: no invalid accesses, no definite leaks on a whole launch (the
# filter comes from the cache: libseccomp cannot run under valgrind)
if [ "${SAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	V=(--cache-dir "$W/cache/root" --profile "$W/valgrind.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin")
	"$R" "${V[@]}" -- /bin/true </dev/null 2>/dev/null
	t "valgrind-clean launch" 4 "^inside$" -- valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 "$R" "${V[@]}" -- /bin/sh -c 'echo inside; exit 4'
fi

# a precompiled filter from compart-compile replaces the profile's
if [ -x "$BUILD/compart-compile" ]; then
	printf 'syscalls {\n\tdefault allow\n\terrno(EXDEV) personality\n}\n' >"$W/blob.profile"
	"$BUILD/compart-compile" "$W/blob.profile" --emit bpf -o "$W/blob.bpf"
	t "--bpf-seccomp-blob" 0 "personality=18 ptrace=([02-9]|[1-9][0-9]) " -- "$R" --cache-dir "$W/cache/root" \
		--bpf-seccomp-blob "$W/blob.bpf" --profile "$W/basic.profile" -D "SCRATCH=$W/scratch" \
		-D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" syscalls personality ptrace
	head -c 7 "$W/blob.bpf" >"$W/torn.bpf"
	t "--bpf-seccomp-blob torn" 125 "not a seccomp program" -- "$R" --bpf-seccomp-blob "$W/torn.bpf" \
		--profile "$W/basic.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" -- /bin/true
fi

# the seccomp cache: a corrupted entry is rebuilt, never loaded
for f in "$W"/cache/root/*.bpf; do printf 'garbage' | dd of="$f" bs=1 seek=200 conv=notrunc status=none; done
t "corrupt cache rebuilt" 0 "ptrace=1" -- "$R" --cache-dir "$W/cache/root" --profile "$W/basic.profile" \
	-D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" syscalls ptrace
chmod 777 "$W/cache/root"
t "untrusted cache dir ignored" 0 "ptrace=1" -- "$R" --cache-dir "$W/cache/root" --profile "$W/basic.profile" \
	-D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" -- "$W/bin/cr-probe" syscalls ptrace
chmod 700 "$W/cache/root"

# the plan cache: reused while the sources are unchanged, never stale
mkdir -p "$W/inc" "$W/cache/plan"
cat >"$W/inc/main.profile" <<EOP
include "part.profile"
namespaces {
	user pid mount
}
filesystem {
	read-only /etc
	exec /usr /bin $W/bin
	optional exec /lib /lib64
}
EOP
printf 'syscalls {\n\tdefault allow\n\terrno(EPERM) personality\n}\n' >"$W/inc/part.profile"
PL=("$R" --cache-dir "$W/cache/plan" --audit-log "$W/plan.log" --profile "$W/inc/main.profile" --)
t "plan: compiled first" 0 "personality=1 " -- "${PL[@]}" "$W/bin/cr-probe" syscalls personality
t "plan: then cached"    0 "personality=1 " -- "${PL[@]}" "$W/bin/cr-probe" syscalls personality
printf 'syscalls {\n\tdefault allow\n\terrno(EACCES) personality\n}\n' >"$W/inc/part.profile"
t "plan: included file changed" 0 "personality=13 " -- "${PL[@]}" "$W/bin/cr-probe" syscalls personality
t "plan: -D is part of the key" 0 "personality=13 " -- "$R" --cache-dir "$W/cache/plan" -D X=1 \
	--profile "$W/inc/main.profile" -- "$W/bin/cr-probe" syscalls personality
plans=$(grep -o '"plan":"[a-z]*"' "$W/plan.log" | cut -d'"' -f4 | tr '\n' ' ')
[ "$plans" = "compiled cache compiled " ] && ok "plan: cache used only while valid" ||
	bad "plan: cache used only while valid" "got: $plans"

# 20 concurrent sandboxes do not interfere
for i in $(seq 20); do
	"$R" --cache-dir "$W/cache/root" --profile "$W/basic.profile" -D "SCRATCH=$W/scratch" -D "PROBEDIR=$W/bin" \
		-- /bin/sh -c "echo $i > /tmp/me; sleep 0.2; test \$(cat /tmp/me) = $i && test \$\$ -gt 1 && cat /proc/1/cmdline >/dev/null && exit $i" \
		</dev/null >/dev/null 2>&1 &
	pids[$i]=$!
done
conc_ok=1
for i in $(seq 20); do wait "${pids[$i]}"; rc=$?; [ $rc = $i ] || { conc_ok=0; echo "     sandbox $i exited $rc"; }; done
[ $conc_ok = 1 ] && ok "20 concurrent sandboxes" || bad "20 concurrent sandboxes"

# nothing left behind: mounts, cgroups, temp files of the cache
[ "$(wc -l </proc/self/mountinfo)" = "$mounts_before" ] && ok "no mounts left" || bad "no mounts left"
leaked=$(cg_leaked)
[ -z "$leaked" ] && ok "no cgroups left" || bad "no cgroups left" "$leaked"
if ls -a "$W"/cache/*/ | grep -q '\.tmp$'; then bad "no cache temp files"; else ok "no cache temp files"; fi

echo "launcher-integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
