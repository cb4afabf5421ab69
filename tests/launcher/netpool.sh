#!/bin/bash
# The network-namespace pool (launcher/netpool.h, compart-ctl netns-pool):
# real namespaces pinned in a private pool directory, claimed by real
# launches.  Checks that a pooled namespace is used by exactly one sandbox,
# is isolated (only lo, and lo up), is refilled behind the launch, is never
# used where it would change the sandbox's rights (rootless, capabilities
# kept, an untrusted pool directory), and that flush leaves nothing pinned.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RUN=$BUILD/compart-run
CTL=$BUILD/compart-ctl
PROFILES=$TOP/tests/launcher/profiles

for f in "$RUN" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the pool is root's (it pins namespaces with bind mounts)"
	exit 77
fi

W=$(mktemp -d /var/tmp/cr-netpool.XXXXXX)
chmod 755 "$W"
POOL=$W/pool
export COMPART_NETNS_POOL=$POOL
cleanup() {
	"$CTL" netns-pool flush >/dev/null 2>&1
	COMPART_NETNS_POOL=$W/bad "$CTL" netns-pool flush >/dev/null 2>&1
	umount -l "$W/bad" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/scratch" "$W/uscratch" "$W/cache"
chown 65534:65534 "$W/uscratch"
chmod -R a+rX "$W"

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected: $3" "got: $2"; fi; }

# inode numbers of the pinned namespaces still available (no claim mark),
# one per line, sorted; claimed: how many are claimed but still pinned
pins() {
	python3 - "$POOL" <<'PY'
import os, sys
d = sys.argv[1]
try:
    names = set(os.listdir(d))
except FileNotFoundError:
    names = set()
print("\n".join(sorted(str(os.stat(os.path.join(d, n)).st_ino) for n in names
                      if n.startswith("ns-") and "." not in n and n + ".claimed" not in names)))
PY
}
npins() { pins | grep -c . ; }
claimed() { ls "$POOL" 2>/dev/null | grep -c '\.claimed$'; }
# wait (up to 3 s) for the detached refill: $1 available, every claimed
# namespace unpinned
wait_pins() {   # a bounded wait (10 s) for the detached refill helper, not a timing check
	for _ in $(seq 200); do [ "$(npins)" = "$1" ] && [ "$(claimed)" = 0 ] && return 0; sleep 0.05; done
	return 1
}
run() {  # run PROFILE AUDIT CMD...: a sandbox of PROFILE, its audit log in AUDIT
	local prof=$1 audit=$2
	shift 2
	"$RUN" --cache-dir "$W/cache" --audit-log "$audit" --profile "$prof" \
		-D "SCRATCH=$W/scratch" -D "PROBEDIR=$BUILD/tests/launcher" -- "$@"
}
NETNS='readlink /proc/self/ns/net | tr -dc 0-9'

# ---- usage and fill
"$CTL" netns-pool fill 0 >/dev/null 2>&1; expect "fill 0 is a usage error" $? 2
"$CTL" netns-pool fill 65 >/dev/null 2>&1; expect "fill 65 is a usage error" $? 2
"$CTL" netns-pool frob >/dev/null 2>&1; expect "unknown subcommand is a usage error" $? 2
out=$("$CTL" netns-pool status); expect "status without a pool" "$out" "$POOL: no pool"
out=$("$CTL" netns-pool fill 2)
expect "fill 2" "$out" "$POOL: 2 of 2 network namespaces ready (2 added)"
out=$("$CTL" netns-pool fill 2)
expect "fill again adds nothing" "$out" "$POOL: 2 of 2 network namespaces ready (0 added)"
expect "pool directory is root's, 0700" "$(stat -c '%U %a' "$POOL")" "root 700"
grep -q " $POOL " /proc/self/mountinfo && grep " $POOL " /proc/self/mountinfo | grep -qv shared: &&
	ok "pool directory is its own private mount" || bad "pool directory is its own private mount" \
	"$(grep " $POOL" /proc/self/mountinfo)"
before=$(pins)
hostns=$(readlink /proc/self/ns/net | tr -dc 0-9)

# ---- a root launch takes one, and only that launch has it
got=$(run "$PROFILES/basic.profile" "$W/a1.log" sh -c "$NETNS")
rc=$?
expect "pooled launch exits 0" "$rc" 0
echo "$before" | grep -qx "$got" && ok "the sandbox's netns is a pooled one" ||
	bad "the sandbox's netns is a pooled one" "sandbox: $got" "pool: $(echo $before)"
grep -q '"layer":"namespaces".*net from the pool' "$W/a1.log" && ok "audit log says the netns came from the pool" ||
	bad "audit log says the netns came from the pool" "$(grep namespaces "$W/a1.log")"
pins | grep -qx "$got" && bad "a claimed netns is never handed out again" "still available: $got" ||
	ok "a claimed netns is never handed out again"
sleep 0.2
expect "refills are batched: at half the size no helper runs (1 left, 1 claimed)" "$(npins) $(claimed)" "1 1"
got2=$(run "$PROFILES/basic.profile" "$W/a1b.log" sh -c "$NETNS")
echo "$before" | grep -qx "$got2" && [ "$got2" != "$got" ] && ok "the next launch gets the other pooled one" ||
	bad "the next launch gets the other pooled one" "first $got, second $got2, pool $(echo $before)"
wait_pins 2 && ok "below half, the pool is refilled behind the launch" ||
	bad "below half, the pool is refilled behind the launch" "available: $(npins), claimed: $(claimed)"
python3 - "$POOL" "$got" "$got2" <<'PY' && ok "claimed namespaces are unpinned by the refill" || bad "claimed namespaces are unpinned by the refill" "$(ls -la "$POOL")"
import os, sys
d, inos = sys.argv[1], {int(x) for x in sys.argv[2:]}
sys.exit(any(os.stat(os.path.join(d, n)).st_ino in inos for n in os.listdir(d) if n.startswith("ns-")))
PY

# ---- isolation inside a pooled namespace
out=$(run "$PROFILES/basic.profile" "$W/a2.log" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "')
expect "only lo in a pooled netns" "$out" "lo"
wait_pins 2
out=$(run "$PROFILES/basic.profile" "$W/a3.log" python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"up"); print(a.recv(2).decode())' 2>&1)
expect "lo is up in a pooled netns" "$out" "up"
wait_pins 2

# ---- concurrent launches never share one
for i in 1 2 3 4; do run "$PROFILES/basic.profile" "$W/c$i.log" sh -c "$NETNS" >"$W/c$i.out" & done
wait
nsids=$(for f in "$W"/c?.out; do cat "$f"; echo; done | sort)
expect "4 concurrent sandboxes: 4 distinct namespaces" "$(echo "$nsids" | sort -u | grep -c .)" 4
echo "$nsids" | grep -qx "$hostns" && bad "no sandbox has the host's netns" "$nsids" || ok "no sandbox has the host's netns"
wait_pins 2 && ok "pool back to its size after concurrent launches" || bad "pool back to its size after concurrent launches" "pins: $(npins)"

# ---- where the pool must not be used
before=$(pins)
got=$(run "$PROFILES/caps.profile" "$W/k.log" sh -c "$NETNS")
expect "a profile keeping a capability runs" $? 0
echo "$before" | grep -qx "$got" && bad "capabilities kept: own netns, not a pooled one" "$got" ||
	ok "capabilities kept: own netns, not a pooled one"
expect "capabilities kept: pool untouched" "$(pins)" "$before"
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$RUN" --cache-dir "$W/ucache" \
	--profile "$PROFILES/basic.profile" -D "SCRATCH=$W/uscratch" -D "PROBEDIR=$BUILD/tests/launcher" -- sh -c "$NETNS" 2>"$W/u.err")
expect "rootless launch runs" $? 0
echo "$before" | grep -qx "$got" && bad "rootless: own netns, not a pooled one" "$got" || ok "rootless: own netns, not a pooled one"
expect "rootless: pool untouched" "$(pins)" "$before"

# a pool directory others could write to is ignored, not trusted
COMPART_NETNS_POOL=$W/bad "$CTL" netns-pool fill 1 >/dev/null
chmod 755 "$W/bad"
badpin=$(python3 -c 'import os,sys; d=sys.argv[1]; print([os.stat(d+"/"+n).st_ino for n in os.listdir(d) if n.startswith("ns-")][0])' "$W/bad")
got=$(COMPART_NETNS_POOL=$W/bad run "$PROFILES/basic.profile" "$W/b.log" sh -c "$NETNS")
expect "untrusted pool: launch runs" $? 0
[ "$got" != "$badpin" ] && ! grep -q "net from the pool" "$W/b.log" && ok "untrusted pool (mode 755) is not used" ||
	bad "untrusted pool (mode 755) is not used" "sandbox $got, pin $badpin"
chmod 700 "$W/bad"
COMPART_NETNS_POOL=$W/bad "$CTL" netns-pool flush >/dev/null

# ---- valgrind: compart-ctl's pool commands are clean
if [ "${SAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	vg() { valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite "$@"; }
	COMPART_NETNS_POOL=$W/vg vg "$CTL" netns-pool fill 1 >"$W/vg.out" 2>&1 &&
	COMPART_NETNS_POOL=$W/vg vg "$CTL" netns-pool status >>"$W/vg.out" 2>&1 &&
	COMPART_NETNS_POOL=$W/vg vg "$CTL" netns-pool flush >>"$W/vg.out" 2>&1 &&
		ok "valgrind-clean netns-pool fill, status, flush" ||
		bad "valgrind-clean netns-pool fill, status, flush" "$(cat "$W/vg.out")"
fi

# ---- flush
out=$("$CTL" netns-pool flush)
expect "flush" "$out" "$POOL: 2 network namespaces unpinned, pool removed"
[ ! -e "$POOL" ] && ok "pool directory removed" || bad "pool directory removed" "$(ls -la "$POOL")"
grep -q "$W" /proc/self/mountinfo && bad "nothing left mounted" "$(grep "$W" /proc/self/mountinfo)" || ok "nothing left mounted"
out=$(run "$PROFILES/basic.profile" "$W/e.log" sh -c "$NETNS")
expect "without a pool the launch still runs" $? 0
grep -q "net from the pool" "$W/e.log" && bad "without a pool: own netns" || ok "without a pool: own netns"

echo "netpool: $pass passed, $fail failed"
[ "$fail" = 0 ]
