#!/bin/bash
# Generate vmlinux.h (all kernel types, for CO-RE BPF programs) from BTF.
# CO-RE relocates field offsets against the target kernel's BTF at load
# time, so one header serves every kernel that has BTF.
set -euo pipefail
out=$1
btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: no BTF at $btf (kernel built without CONFIG_DEBUG_INFO_BTF?)" >&2
	exit 1
fi
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
