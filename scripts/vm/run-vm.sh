#!/bin/bash
# Boot the test kernel with BPF LSM enabled under QEMU (TCG) and run the
# initramfs's tests.  Prints the guest console; exits 0 only on a verdict
# line with at least one pass and no failure, 1 otherwise (panic, hang,
# missing verdict), 77 when QEMU cannot run here at all.
#   run-vm.sh VMLINUZ INITRD WORKDIR [TIMEOUT_S]
set -uo pipefail
kernel=$1 initrd=$2 work=$3 tmo=${4:-180}
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
	echo "SKIP: qemu-system-x86_64 is not installed (scripts/deps.sh installs qemu-system-x86)"
	exit 77
fi
if ! "$qemu" -accel help 2>/dev/null | grep -qw tcg; then
	echo "SKIP: this QEMU has no TCG accelerator"
	exit 77
fi
bios=/usr/share/qemu/qboot.rom
[ -r "$bios" ] || bios=""
mkdir -p "$work"
result=$work/verdict.txt
console=$work/console.log
rm -f "$result"
timeout --kill-after=5 "$tmo" "$qemu" -machine q35 -accel tcg -cpu qemu64 -m 512M -smp 1 \
	-nographic -no-reboot -nodefaults ${bios:+-bios "$bios"} \
	-serial stdio -serial "file:$result" -kernel "$kernel" -initrd "$initrd" \
	-append 'console=ttyS0 lsm=lockdown,capability,landlock,yama,bpf panic=-1 quiet' \
	</dev/null >"$console" 2>&1
qrc=$?
tr -d '\r' < "$console"
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "vm: timed out after ${tmo}s"
fi
v=$(tr -d '\r' < "$result" 2>/dev/null | grep -E '^verdict: [0-9]+ passed, [0-9]+ failed' | tail -n1)
if [ -z "$v" ]; then
	echo "vm: FAIL: no verdict from the guest (qemu exit $qrc)"
	exit 1
fi
echo "vm: $v"
p=$(echo "$v" | sed -E 's/verdict: ([0-9]+) passed.*/\1/')
f=$(echo "$v" | sed -E 's/.* ([0-9]+) failed.*/\1/')
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
