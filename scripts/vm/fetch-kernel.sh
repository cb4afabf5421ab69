#!/bin/bash
# Fetch the current Debian 12 cloud kernel for the VM tests, without
# installing it (installing would touch /boot and run update-initramfs).
#   fetch-kernel.sh OUTDIR   ->  OUTDIR/vmlinuz (+ OUTDIR/kernel-version)
# The ABI number changes with Debian updates, so the real package is
# resolved from the meta-package each time; the .deb is cached in OUTDIR.
set -euo pipefail
out=$1
mkdir -p "$out/deb"
meta=linux-image-cloud-amd64

resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	# the package lists may be missing on a fresh machine
	apt-get update -qq >/dev/null 2>&1 || true
	pkg=$(resolve)
fi
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot resolve $meta (apt-cache depends gave nothing)" >&2
	exit 1
fi
ver=${pkg#linux-image-}
if [ -s "$out/vmlinuz" ] && [ "$(cat "$out/kernel-version" 2>/dev/null)" = "$ver" ]; then
	exit 0
fi
deb=$(ls "$out"/deb/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	(cd "$out/deb" && apt-get download "$pkg" >/dev/null 2>&1) || {
		apt-get update -qq >/dev/null 2>&1 || true
		(cd "$out/deb" && apt-get download "$pkg" >/dev/null)
	}
	deb=$(ls "$out"/deb/"${pkg}"_*.deb | head -n1)
fi
rm -rf "$out/x"
dpkg-deb -x "$deb" "$out/x"
cp "$out/x/boot/vmlinuz-$ver" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$ver" > "$out/kernel-version"
rm -rf "$out/x"
