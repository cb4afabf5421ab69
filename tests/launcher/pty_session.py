#!/usr/bin/env python3
"""Drive compart-run on a pseudo-terminal like a user would.

usage: pty_session.py COMPART-RUN-ARGS...   (the command must be a shell)

Sets the outer window to 33x111, types commands into an interactive
shell in the sandbox and checks: the inner terminal has the same size, the
shell has a controlling terminal with job control on the sandbox's own
devpts (/dev/pts/0), background jobs work, and the exit status comes back.  Prints PASS or FAIL lines;
exits 1 on failure.
"""
import fcntl, os, pty, select, struct, sys, termios, time

args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
out = b""

def read_until(token, timeout=10.0):
    global out
    end = time.time() + timeout
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return token in out

def send(s):
    os.write(fd, s.encode())

fails = 0
def check(name, cond):
    global fails
    print(("PASS " if cond else "FAIL ") + name)
    fails += 0 if cond else 1

# markers are computed by the shell, so the terminal's echo of the typed
# line never matches them
send("echo SZ=$(stty size)=$((40+2))\n")
check("window size follows the caller's", read_until(b"SZ=33 111=42"))
send("echo PS=$(ps -o tpgid=,stat= -p $$)=$((40+3))\n")
ok = read_until(b"=43")
fields = out.split(b"PS=")[-1].split(b"=")[0].split() if ok else []
# the shell leads its own session and has the inner pty as controlling
# terminal (a foreground process group exists): job control works
check("shell owns the inner terminal (job control)",
      len(fields) == 2 and int(fields[0]) > 0 and b"s" in fields[1])
# the pty lives on the sandbox's own devpts: ttyname works inside
send("echo TTY=$(tty)=$((40+5))\n")
check("the terminal is the sandbox's own /dev/pts/0", read_until(b"TTY=/dev/pts/0=45"))
send("sleep 5 & jobs; kill %1; echo JOBS=$((40+4))\n")
check("background jobs", read_until(b"JOBS=44") and b"sleep 5" in out)
send("exit 5\n")
_, status = os.waitpid(pid, 0)
check("exit status comes back", os.WIFEXITED(status) and os.WEXITSTATUS(status) == 5)
sys.exit(1 if fails else 0)
