# bench/launch: launch latency of /bin/true under compart-run, side by side
# with bare /bin/true, unshare, bwrap and firejail in one hyperfine run
# (medians and ratios), plus page faults per launch.
.PHONY: bench-launch
bench-launch: build-all
	$(Q)BUILD=$(BUILD) TOP=$(TOP) $(TOP)/bench/launch/launch.sh

BENCH += bench-launch
