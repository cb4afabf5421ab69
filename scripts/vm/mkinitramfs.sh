#!/bin/bash
# Build the test VM's initramfs (gzip, cpio newc):
#   mkinitramfs.sh OUT.cpio.gz TESTS...
# It holds busybox-static, /bin/cp-hello (an exec target with its own
# inode), static /bin/compart-run and /bin/compart-ctl and
# /profiles/*.profile when given,
# the static test programs under /tests and an /init that mounts
# what BPF LSM needs, runs every test, and reports
#   "verdict: N passed, N failed"
# on the second serial port (a file on the host) and on the console.
set -euo pipefail
out=$1; shift
mkdir -p "${out%/*}"
root=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,tests,data,etc}
bb=$(command -v busybox)
cp "$bb" "$root/bin/busybox"
for t in "$@"; do
	case ${t##*/} in
	cp-hello)    cp "$t" "$root/bin/cp-hello" ;;
	compart-run|compart-ctl) cp "$t" "$root/bin/${t##*/}" ;;
	*.profile)   mkdir -p "$root/profiles"; cp "$t" "$root/profiles/" ;;
	*)        cp "$t" "$root/tests/" ;;
	esac
done
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
# The initramfs root (rootfs) cannot be pivot_root'ed away from, which a
# sandbox launcher does: move everything onto a tmpfs and restart there.
if [ -z "$CP_ON_TMPFS" ]; then
	mkdir -p /newroot
	mount -t tmpfs -o mode=0755 root /newroot
	for d in /*; do
		[ "$d" = /newroot ] || cp -a "$d" /newroot/
	done
	export CP_ON_TMPFS=1
	exec switch_root /newroot /init
fi
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs tmp /tmp
ifconfig lo 127.0.0.1 up
# Yama would refuse the ptrace rows before the BPF hook could
[ -w /proc/sys/kernel/yama/ptrace_scope ] && echo 0 > /proc/sys/kernel/yama/ptrace_scope
echo "guest: kernel $(uname -r), lsm=$(cat /sys/kernel/security/lsm)"
pass=0; fail=0
case ",$(cat /sys/kernel/security/lsm)," in
*,bpf,*) ;;
*) echo "guest: bpf is not an active LSM"; fail=$((fail + 1)) ;;
esac
for t in /tests/*; do
	[ -x "$t" ] || continue
	echo "guest: running ${t##*/}"
	"$t" > /tmp/out 2>&1
	rc=$?
	cat /tmp/out
	line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' /tmp/out | tail -n1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
		pass=$((pass + p)); fail=$((fail + f))
	fi
	# a crash or a non-zero exit without failed checks still fails
	if [ $rc -ne 0 ] && { [ -z "$line" ] || [ "${f:-0}" -eq 0 ]; }; then
		echo "guest: ${t##*/} exited $rc"
		fail=$((fail + 1))
	fi
done
v="verdict: $pass passed, $fail failed"
echo "$v"
echo "$v" > /dev/ttyS1
sync
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
