# tests/adapt/common.sh - the live adapt suites' shared preamble, sourced
# once TOP and BUILD are set.  `adapt_require BIN...` skips without root
# (BPF and cgroups need it) or without python3 (make deps installs it),
# and fails when one of the binaries is not built.
PY=/usr/bin/python3
adapt_require() {
	if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (BPF, cgroups)"; exit 77; fi
	[ -x $PY ] || { echo "SKIP: $PY not installed"; exit 77; }
	for b in "$@"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
}
