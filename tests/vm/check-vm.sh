#!/bin/bash
# Suite wrapper for tests/run-suites.sh: the BPF LSM tests in a VM.
set -u
: "${BUILD:?}" "${TOP:?}"
kernel=$TOP/build/vm/vmlinuz    # one download for build/ and build-san/
if [ ! -s "$kernel" ] && ! "$TOP/scripts/vm/fetch-kernel.sh" "$TOP/build/vm"; then
	echo "FAIL: cannot fetch the guest kernel (see above)"
	exit 1
fi
exec "$TOP/scripts/vm/run-vm.sh" "$kernel" "$BUILD/vm/initramfs.cpio.gz" "$BUILD/vm/run"
