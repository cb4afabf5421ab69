#!/bin/bash
# Install the Debian packages compart-run needs to build, test and benchmark.
# Idempotent: does nothing (and needs no network) when all are installed.
set -euo pipefail

PKGS=(
	# build
	build-essential make pkg-config clang llvm lld libclang-rt-14-dev
	libseccomp-dev libbpf-dev libelf-dev zlib1g-dev libzstd-dev
	libcap-dev libjson-c-dev libssl-dev nettle-dev libcmocka-dev bpftool
	# tests
	util-linux iproute2 procps valgrind runc
	qemu-system-x86 busybox-static cpio
	python3 git tar gzip curl netcat-openbsd
	# benchmarks (rivals, measured side by side)
	hyperfine bubblewrap firejail
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then SUDO=sudo; else
		echo "deps: missing packages (${missing[*]}) and not root; install them as root" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
