#!/usr/bin/python3
"""Loopback-only peers for the corpus workloads (run OUTSIDE the sandbox).

  server.py http DIR PORTFILE LOGFILE TIMEOUT
      serve DIR over HTTP on 127.0.0.1; log each POST's byte count
  server.py shell PORTFILE LOGFILE TIMEOUT
      reverse-shell listener: send a few commands to whoever connects and
      log what comes back (the "attacker" side, on 127.0.0.1 only)

Both bind 127.0.0.1 only, pick a free port, write it to PORTFILE and exit
after TIMEOUT seconds at most.
"""
import http.server
import os
import socket
import sys
import threading
import time


def serve_http(root, portfile, logfile, timeout):
    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=root, **k)

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0") or 0)
            data = self.rfile.read(n) if n else b""
            with open(logfile, "a") as f:
                f.write("POST %s %d\n" % (self.path, len(data)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok\n")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    threading.Timer(timeout, srv.shutdown).start()
    srv.serve_forever()


def serve_shell(portfile, logfile, timeout):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(timeout)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    try:
        c, _ = s.accept()
    except socket.timeout:
        return
    c.settimeout(5)
    got = b""
    for cmd in (b"id\n", b"uname -a\n", b"ls -la\n", b"cat /etc/passwd | head -3\n", b"exit\n"):
        try:
            c.sendall(cmd)
            time.sleep(0.15)
            got += c.recv(65536)
        except OSError:
            break
    with open(logfile, "a") as f:
        f.write("SHELL %d uid=%s\n" % (len(got), "yes" if b"uid=" in got else "no"))
    c.close()


if __name__ == "__main__":
    if sys.argv[1] == "http":
        serve_http(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        serve_shell(sys.argv[2], sys.argv[3], float(sys.argv[4]))
