#!/bin/bash
# Suite wrapper for tests/run-suites.sh: the BPF LSM tests in a VM.
set -u
: "${BUILD:?}" "${TOP:?}"
exec "$TOP/scripts/vm/run-vm.sh" "$BUILD/vm/vmlinuz" "$BUILD/vm/initramfs.cpio.gz" "$BUILD/vm/run"
