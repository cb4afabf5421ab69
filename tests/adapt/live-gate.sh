#!/bin/bash
# The containment gate (launcher/notify.c) on a host without BPF LSM:
# compart-run with an adapt section whose level 2 forbids write, fork and
# exec, and a test model that raises the level after 3 files written.
# The sandboxed program writes files; once 3 are counted, opening for write,
# unlink, fork and exec fail with EPERM while reads work and the program
# runs on to its normal exit; the files written before stay intact.  The
# operator lowers the level with compart-ctl and the same process writes
# again.  Under a model that never tightens everything works, and a
# profile whose levels forbid only connect gets no gate at all.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
CR=$BUILD/compart-run CTL=$BUILD/compart-ctl
. "$TOP/tests/adapt/common.sh"
adapt_require "$CR" "$CTL"
if "$CR" --probe --json | $PY -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["features"]["bpf-lsm"]["available"] else 1)'; then
	echo "SKIP: BPF LSM is active here: its hooks enforce the levels, compart-run installs no gate"
	exit 77
fi

work=$(mktemp -d /var/tmp/compart-adapt-gate.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

printf 'compart-tree 1\n# test model: more than 2 files written -> level 2\n0 split open_write 2 1 2\n1 leaf 0\n2 leaf 2\n' \
	>"$work/write2.tree"
printf 'compart-tree 1\n# never tightens\n0 split open_write 4000000000 1 2\n1 leaf 0\n2 leaf 2\n' >"$work/never.tree"
profile() {   # profile NAME TREE FORBID...
	local name=$1 tree=$2
	shift 2
	cat >"$work/$name.profile" <<EOF
include "default"
filesystem {
	read-write $work
}
adapt {
	model "$work/$tree"
	eval-every 1
	window 60s
	level 2 forbid $*
}
layers {
	adapt required
}
EOF
}
profile gate write2.tree connect write fork exec
profile never never.tree connect write fork exec
profile connect write2.tree connect

cat >"$work/probe.py" <<'PY'
import errno, os, sys, time
out, wait = sys.argv[1], sys.argv[2] == "wait"
def attempt(f):
    try:
        f(); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def write(name):
    with open(os.path.join(out, name), "w") as f:
        f.write("data %s\n" % name)
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
# write files until one is refused (the model counts distinct files with
# an approximate filter: the tightening may come a file late), at most 8
res, n, r = [], 0, "ok"
while n < 8 and r == "ok":
    r = attempt(lambda: write("before-%d" % n))
    n += r == "ok"
res.append("written:%d" % n)
res.append("write:" + r)
res.append("unlink:" + attempt(lambda: os.unlink(os.path.join(out, "before-0"))))
res.append("read:" + attempt(lambda: open(os.path.join(out, "before-1")).read()))
res.append("fork:" + attempt(fork))
if wait:    # the operator lowers the level (bounded wait)
    print(" ".join(res), flush=True)
    end = time.time() + 20
    while not os.path.exists(os.path.join(out, "lowered")) and time.time() < end:
        time.sleep(0.05)
    res = ["again:" + attempt(lambda: write("again"))]
print(" ".join(res), flush=True)
try:
    os.execv("/bin/sh", ["sh", "-c", "echo exec:ok"])
except OSError as e:
    print("exec:" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
PY
chmod 644 "$work/probe.py"

fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }

# 1. tightened mid-run, lowered by the operator
mkdir "$work/out"
"$CR" --profile "$work/gate.profile" --audit-log "$work/gate.jsonl" -- \
	$PY "$work/probe.py" "$work/out" wait >"$work/gate.out" 2>"$work/gate.err" &
run=$!
for _ in $(seq 200); do grep -q "fork:" "$work/gate.out" 2>/dev/null && break; sleep 0.05; done
sid=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "adapt":
        print(e["bpf_sandbox"]); break' "$work/gate.jsonl" 2>/dev/null)
"$CTL" set-level "${sid:-9999}" 0 >"$work/ctl.out" 2>&1
ctl_rc=$?
touch "$work/out/lowered"
wait $run
rc=$?
echo "     $(tr '\n' '|' <"$work/gate.out")"
check "compart-run exited 0 (rc=$rc)" '[ $rc = 0 ]'
written=$(sed -n 's/^written:\([0-9]*\) .*/\1/p' "$work/gate.out")
check "tightened after 3 to 5 files ($written): write, unlink and fork refused, read allowed" \
	'[ "${written:-0}" -ge 3 ] && [ "$written" -le 5 ] &&
	 [ "$(sed -n 1p "$work/gate.out" | cut -d" " -f2-)" = "write:EPERM unlink:EPERM read:ok fork:EPERM" ]'
# a late tightening: show what the model saw (the window of its decision)
[ "${written:-0}" = 3 ] || $PY -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "adapt":
        print("     decision at events=%s: %s" % (e["window"]["events"], e["window"]["features"]))' \
	"$work/gate.jsonl" 2>/dev/null
check "the files written before the tightening are intact" \
	'[ "$(cat "$work"/out/before-* | wc -l)" = "$written" ] && grep -qx "data before-0" "$work/out/before-0" &&
	 [ ! -e "$work/out/before-$written" ]'
check "compart-ctl set-level lowered it (rc=$ctl_rc)" '[ $ctl_rc = 0 ] && grep -q "level 2 -> 0" "$work/ctl.out"'
check "at level 0 again the same process writes and execs" \
	'[ "$(sed -n 2,3p "$work/gate.out" | tr "\n" " ")" = "again:ok exec:ok " ] && [ -e "$work/out/again" ]'
check "audit: the layer says the gate enforces write, exec and fork" \
	'grep "\"layer\":\"adapt\"" "$work/gate.jsonl" | grep -q "enforced by a seccomp user-notification gate"'
check "audit: each refusal names its call, the level and the class" '$PY - "$work/gate.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
d = [(e["syscall"], e["forbid"], e["level"]) for e in ev
     if e.get("event") == "deny" and e.get("hook") == "seccomp-notify"]
assert ("openat", "write", 2) in d and ("unlink", "write", 2) in d and ("clone", "fork", 2) in d, d
g = [e for e in ev if e.get("event") == "gate"]
assert g and g[0]["refused"] == len(d) and g[0]["answered"] > len(d), (g, d)
PY'

# 2. exec refused while the level forbids it; the program goes on
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --profile "$work/gate.profile" -- $PY "$work/probe.py" "$work/out" nowait >"$work/exec.out" 2>&1
rc=$?
check "exec refused with EPERM, the program ends normally (rc=$rc)" \
	'[ $rc = 0 ] && grep -qx "exec:EPERM" "$work/exec.out"'

# the audit log keeps the first 256 refusals; the rest are counted
cat >"$work/flood.py" <<'PY'
import os, sys
for i in range(6):   # the model tightens after 3 (or a few more)
    try:
        open(os.path.join(sys.argv[1], "f%d" % i), "w").write("x")
    except PermissionError:
        pass
refused = 0
for i in range(400):
    try:
        open(os.path.join(sys.argv[1], "g%d" % i), "w").close()
    except PermissionError:
        refused += 1
print("refused", refused)
PY
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --profile "$work/gate.profile" --audit-log "$work/flood.jsonl" -- \
	$PY "$work/flood.py" "$work/out" >"$work/flood.out" 2>&1
check "a flood of refusals: 256 logged, the rest counted" '$PY - "$work/flood.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
d = [e for e in ev if e.get("event") == "deny" and e.get("hook") == "seccomp-notify"]
g = [e for e in ev if e.get("event") == "gate"][0]
assert len(d) == 256 and g["refused"] >= 400 and g["refusals_not_logged"] == g["refused"] - 256, (len(d), g)
PY'

# 2b. the scratch exemption: after the tightening, writes into the
# scratch tmpfs (/tmp, a tmpfs of the view) are performed by the gate and
# work; anything that would leave it is refused; a scratch path that is
# not a tmpfs of its own ($work/s, a bind) is not exempt
sed -e "s|^\tlevel 2|\tscratch /tmp $work/s\n\tlevel 2|" "$work/gate.profile" >"$work/scratch.profile"
mkdir -p "$work/s"
cat >"$work/scratch.py" <<'PY'
import ctypes, errno, fcntl, os, sys
out, s = sys.argv[1], sys.argv[2]
def att(f):
    try:
        f(); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def write(p, data="x"):
    with open(p, "w") as f:
        f.write(data)
n = 0
while n < 8 and att(lambda: write(os.path.join(out, "before-%d" % n), "data")) == "ok":
    n += 1
r = {}
r["out"] = att(lambda: write(os.path.join(out, "after")))
r["write"] = att(lambda: write("/tmp/a", "hello"))
r["read"] = open("/tmp/a").read() if r["write"] == "ok" else "-"
r["mkdir"] = att(lambda: os.mkdir("/tmp/d"))
r["rename"] = att(lambda: os.rename("/tmp/a", "/tmp/d/a"))
r["link"] = att(lambda: os.link("/tmp/d/a", "/tmp/d/h"))
r["symlink"] = att(lambda: os.symlink("a", "/tmp/d/sl"))
r["fifo"] = att(lambda: os.mkfifo("/tmp/d/fifo"))
# the gate never waits for a reader: ENXIO, and the gate goes on
r["fifo-open"] = att(lambda: os.close(os.open("/tmp/d/fifo", os.O_WRONLY)))
os.chdir("/tmp/d")
r["relative"] = att(lambda: write("rel", "12345"))
r["truncate"] = att(lambda: os.truncate("rel", 2)) + ":%d" % os.path.getsize("rel")
fd = os.open("/tmp/d/ft", os.O_WRONLY | os.O_CREAT, 0o644)
r["ftruncate"] = att(lambda: os.ftruncate(fd, 7)) + ":%d" % os.fstat(fd).st_size
old = os.umask(0o027)
r["umask"] = att(lambda: os.close(os.open("/tmp/d/m", os.O_WRONLY | os.O_CREAT, 0o666)))
os.umask(old)
st = os.stat("/tmp/d/m")
r["owner"] = "%s:%o" % (st.st_uid == os.getuid() and st.st_gid == os.getgid(), st.st_mode & 0o777)
libc = ctypes.CDLL(None, use_errno=True)
nfd = libc.open(b"/tmp/d/nc", os.O_WRONLY | os.O_CREAT, 0o644)
r["cloexec"] = "%d/%d/%d" % (fcntl.fcntl(nfd, fcntl.F_GETFD), fcntl.fcntl(fd, fcntl.F_GETFD),
                            bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK))
r["unlink"] = att(lambda: os.unlink("/tmp/d/h"))
# refused: leaving the scratch tmpfs, by any route
os.symlink(os.path.join(out, "before-0"), "/tmp/out-link")
r["via-symlink"] = att(lambda: write("/tmp/out-link", "owned"))
r["rename-out"] = att(lambda: os.rename("/tmp/d/a", os.path.join(out, "a")))
r["link-in"] = att(lambda: os.link(os.path.join(out, "before-0"), "/tmp/in"))
r["dotdot"] = att(lambda: write("../../" + out.lstrip("/") + "/dd"))
# *at calls: a directory descriptor, and an absolute path beside a bad one
dfd = os.open("/tmp/d", os.O_RDONLY | os.O_DIRECTORY)
r["at"] = att(lambda: os.close(os.open("at", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dfd))) + \
    "/" + att(lambda: os.mkdir("/tmp/d/abs", dir_fd=999))
r["not-tmpfs"] = att(lambda: write(os.path.join(s, "x")))
r["rmdir"] = att(lambda: os.rmdir("/tmp/d"))
print(" ".join("%s:%s" % kv for kv in r.items()))
print("before-0:" + open(os.path.join(out, "before-0")).read())
PY
chmod 644 "$work/scratch.py"
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --profile "$work/scratch.profile" --audit-log "$work/scratch.jsonl" -- \
	$PY "$work/scratch.py" "$work/out" "$work/s" >"$work/scratch.out" 2>&1
rc=$?
echo "     $(tr '\n' '|' <"$work/scratch.out")"
sr() { tr ' ' '\n' <"$work/scratch.out" | sed -n "s/^$1://p" | head -n1; }
check "scratch: tightened (writes to $work refused), the program ends normally (rc=$rc)" \
	'[ $rc = 0 ] && [ "$(sr out)" = EPERM ]'
check "scratch: write, read back, mkdir, rename, link, symlink, mkfifo, unlink in /tmp work" \
	'[ "$(sr write)$(sr read)$(sr mkdir)$(sr rename)$(sr link)$(sr symlink)$(sr fifo)$(sr unlink)" = okhellookokokokokok ]'
check "scratch: relative to the working directory or a dirfd, truncate and ftruncate ($(sr relative) $(sr at) $(sr truncate) $(sr ftruncate))" \
	'[ "$(sr relative) $(sr at) $(sr truncate) $(sr ftruncate)" = "ok ok/ok ok:2 ok:7" ]'
check "scratch: the files are the target's, with its umask ($(sr owner)), close-on-exec and blocking as asked ($(sr cloexec))" \
	'[ "$(sr umask)" = ok ] && [ "$(sr owner)" = True:640 ] && [ "$(sr cloexec)" = 0/1/0 ]'
check "scratch: leaving the tmpfs is refused: symlink out, rename out, link in, .., a scratch path that is not a tmpfs" \
	'[ "$(sr via-symlink) $(sr rename-out) $(sr link-in) $(sr dotdot) $(sr not-tmpfs)" = "EPERM EPERM EPERM EPERM EPERM" ] &&
	 grep -qx "before-0:data" "$work/scratch.out" && [ ! -e "$work/s/x" ] && [ ! -e "$work/out/dd" ]'
check "scratch: a non-empty directory is not removed ($(sr rmdir))" '[ "$(sr rmdir)" = ENOTEMPTY ]'
check "scratch: a FIFO without a reader fails with ENXIO instead of blocking the gate ($(sr fifo-open))" \
	'[ "$(sr fifo-open)" = ENXIO ]'
check "scratch: the gate counts its scratch writes, audits its refusals, and the layer names the exemption" '$PY - "$work/scratch.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
g = [e for e in ev if e.get("event") == "gate"][0]
d = [e["syscall"] for e in ev if e.get("event") == "deny" and e.get("hook") == "seccomp-notify"]
lay = [e for e in ev if e.get("event") == "layer" and e.get("layer") == "adapt"][0]
assert g["scratch_writes"] >= 14 and "rename" in d and "link" in d, (g, d)
assert "scratch writes in /tmp performed by the gate" in lay["detail"], lay
PY'

# 3. a model that never tightens: nothing refused
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --profile "$work/never.profile" --audit-log "$work/never.jsonl" -- \
	$PY "$work/probe.py" "$work/out" nowait >"$work/never.out" 2>&1
rc=$?
check "level 0: write, unlink, fork and exec all work (rc=$rc)" \
	'[ $rc = 0 ] && [ "$(grep -E "^(written|exec):" "$work/never.out" | tr "\n" " ")" = "written:8 write:ok unlink:ok read:ok fork:ok exec:ok " ]'
check "level 0: the gate answered and refused nothing" \
	'grep "\"event\":\"gate\"" "$work/never.jsonl" | grep -q "\"refused\":0"'

# 4. --log-only: the tightening is audited, nothing is refused
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --log-only --profile "$work/gate.profile" --audit-log "$work/log.jsonl" -- \
	$PY "$work/probe.py" "$work/out" nowait >"$work/log.out" 2>&1
rc=$?
check "--log-only: nothing refused (rc=$rc)" \
	'[ $rc = 0 ] && [ "$(grep -E "^(written|exec):" "$work/log.out" | tr "\n" " ")" = "written:8 write:ok unlink:ok read:ok fork:ok exec:ok " ]'
check "--log-only: what would have been refused is audited" \
	'grep "\"event\":\"audit\"" "$work/log.jsonl" | grep "seccomp-notify" | grep -q "\"syscall\":\"unlink\""'

# 5. the shipped model against the corpus's ransomware on this host: the
# gate stops it part-way (without it, every file would be encrypted)
if ! command -v openssl >/dev/null; then
	echo "skip - ransomware part: openssl not installed (scripts/deps.sh installs it)"
else
mkdir -p "$work/rw/home"
(cd "$work/rw" && /bin/bash "$TOP/tests/adapt/corpus/workloads.sh" setup ransomware "$work/rw" 12)
cp "$TOP/tests/adapt/corpus/workloads.sh" "$work/rw/"
total=$(find "$work/rw/victim" -type f | wc -l)
sed -e "s|model \".*\"|model \"$TOP/profiles/models/default.tree\"|" -e 's|eval-every 1|eval-every 8|' \
	-e 's|window 60s|window 2s|' "$work/gate.profile" >"$work/shipped.profile"
"$CR" --profile "$work/shipped.profile" --audit-log "$work/rw.jsonl" -- \
	/bin/bash "$work/rw/workloads.sh" ransomware "$work/rw" 12 0 >"$work/rw.out" 2>&1
rc=$?
left=$(find "$work/rw/victim" -type f ! -name '*.locked' ! -name 'README*' | wc -l)
echo "     ransomware: $left of $total files left unencrypted"
check "ransomware: tightened, ends normally (rc=$rc), files left unencrypted" \
	'[ $rc = 0 ] && grep -q "\"event\":\"adapt\"" "$work/rw.jsonl" && [ "$left" -gt 0 ] && [ "$left" -lt "$total" ]'
check "ransomware: its ransom note was refused" '[ ! -e "$work/rw/victim/README-RANSOM.txt" ]'
fi

check "--probe --profile forecasts the gate" \
	'"$CR" --probe --profile "$work/gate.profile" | grep -q "^  adapt .*through the seccomp gate"'

# 6. io_uring would submit writes the gate never sees: refused while gated,
# even by a profile whose own syscall policy allows it
for v in gate connect; do
	cat >"$work/uring-$v.profile" <<EOF
namespaces {
	user pid mount ipc uts
}
filesystem {
	read-only /etc
	exec /usr /bin /sbin
	optional exec /lib /lib64
	read-write $work
}
syscalls {
	default allow
}
adapt {
	model "$work/write2.tree"
	level 2 forbid $([ $v = gate ] && echo "write fork exec" || echo connect)
}
layers {
	adapt required
	bpf-lsm optional
}
EOF
done
cat >"$work/uring.py" <<'PY'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
fd = libc.syscall(425, 4, params)      # io_uring_setup(4, &params)
print("io_uring:" + ("ok" if fd >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")))
PY
ug=$("$CR" --profile "$work/uring-gate.profile" -- $PY "$work/uring.py" 2>/dev/null)
uc=$("$CR" --profile "$work/uring-connect.profile" -- $PY "$work/uring.py" 2>/dev/null)
check "io_uring refused where the gate is ($ug), allowed where it is not ($uc)" \
	'[ "$ug" = io_uring:EPERM ] && [ "$uc" = io_uring:ok ]'

# 7. levels that forbid only what cgroup BPF enforces: no gate
filters() { "$CR" --profile "$work/$1.profile" -- /bin/grep Seccomp_filters /proc/self/status 2>/dev/null | tr -dc 0-9; }
fg=$(filters gate) fc=$(filters connect)
check "a gate only where a level forbids write, fork or exec (filters $fg vs $fc)" \
	'[ -n "$fg" ] && [ -n "$fc" ] && [ "$fg" = $((fc + 1)) ]'
# 8. exec-new: before an exec proceeds at a level that forbids it, the
# gate makes the view's writable mounts noexec; the kernel refuses a
# binary there (EACCES) by path, through /proc/self/fd and by descriptor,
# system binaries still run, the operator's lower level clears the flag
# again, and the host's own mount is untouched
printf 'compart-tree 1\n# more than 5 files written -> level 2\n0 split open_write 5 1 2\n1 leaf 0\n2 leaf 2\n' \
	>"$work/write5.tree"
cat >"$work/execnew.profile" <<EOF
include "default"
filesystem {
	read-write exec $work
	tmpfs exec /tmp
}
adapt {
	model "$work/write5.tree"
	eval-every 1
	window 60s
	scratch /tmp
	level 2 forbid connect exec-new
}
layers {
	adapt required
}
EOF
cp /bin/true "$work/pre-true"
cat >"$work/execnew.py" <<'PY'
import errno, os, shutil, subprocess, sys, time
out = sys.argv[1]
def run(p, fds=()):
    try:
        return "ok" if subprocess.run([p], pass_fds=fds).returncode == 0 else "rc"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def run_fd(p):   # fexecve: execveat(fd, "", AT_EMPTY_PATH)
    fd = os.open(p, os.O_RDONLY)
    pid = os.fork()
    if pid == 0:
        try:
            os.execve(fd, [p], {})
        except OSError as e:
            os._exit(100 + e.errno)
    st = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    os.close(fd)
    return "ok" if st == 0 else errno.errorcode.get(st - 100, str(st))
def via_proc(p):
    fd = os.open(p, os.O_RDONLY)
    try:
        return run("/proc/self/fd/%d" % fd, (fd,))
    finally:
        os.close(fd)
def report(tag):
    print(tag, run(out + "/t1"), run("/tmp/t2"), via_proc(out + "/t1"), run_fd(out + "/t1"),
          run("/bin/true"), run(os.path.dirname(out) + "/pre-true"), flush=True)
for dst in (out + "/t1", "/tmp/t2"):
    shutil.copy("/bin/true", dst)
    os.chmod(dst, 0o755)
report("before")
for i in range(8):
    with open(os.path.join(out, "f%d" % i), "w") as f:
        f.write("x\n")
report("after")
end = time.time() + 20
while not os.path.exists(os.path.join(out, "lowered")) and time.time() < end:
    time.sleep(0.05)
report("lowered")
PY
chmod 644 "$work/execnew.py"
rm -rf "$work/out"; mkdir "$work/out"
"$CR" --profile "$work/execnew.profile" --audit-log "$work/execnew.jsonl" -- \
	$PY "$work/execnew.py" "$work/out" >"$work/execnew.out" 2>"$work/execnew.err" &
run=$!
for _ in $(seq 200); do grep -q "^after" "$work/execnew.out" 2>/dev/null && break; sleep 0.05; done
sid=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "adapt":
        print(e["bpf_sandbox"]); break' "$work/execnew.jsonl" 2>/dev/null)
"$CTL" set-level "${sid:-9999}" 0 >/dev/null 2>&1
touch "$work/out/lowered"
wait $run
rc=$?
echo "     $(tr '\n' '|' <"$work/execnew.out")"
check "exec-new: before the tightening the run's binaries run (rc=$rc)" \
	'[ $rc = 0 ] && grep -qx "before ok ok ok ok ok ok" "$work/execnew.out"'
check "exec-new: after it, binaries on writable mounts are refused by path, /proc/self/fd and descriptor; /bin/true runs" \
	'grep -qx "after EACCES EACCES EACCES EACCES ok EACCES" "$work/execnew.out"'
check "exec-new: the operator's lower level clears it again" \
	'grep -qx "lowered ok ok ok ok ok ok" "$work/execnew.out"'
check "exec-new: the host's mount is untouched" '"$work/pre-true"'
check "exec-new: audit - noexec set at level 2, cleared at 0; the layer names it; the gate counts both" '$PY - "$work/execnew.jsonl" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = [(e["noexec"], e["level"], e["mounts"] > 0, "error" in e) for e in ev if e.get("event") == "noexec"]
assert n == [(True, 2, True, False), (False, 0, True, False)], n
lay = [e for e in ev if e.get("event") == "layer" and e.get("layer") == "adapt"]
assert "writable mounts noexec" in lay[0]["detail"], lay
g = [e for e in ev if e.get("event") == "gate"]
assert g and g[0]["noexec_changes"] == 2 and g[0]["refused"] == 0, g
PY'
exit $fail
