# bench/bpf: cost of the BPF layer, side by side in one run (ratios):
#   host: cgroup BPF per-connect overhead, BPF-layer launch latency (first
#         load vs pinned), program sizes after verification;
#   vm:   BPF LSM per-openat/connect overhead in the test VM (this host's
#         kernel refuses LSM programs), program sizes.
BPF_BENCH      := $(BUILD)/bench/bpf/bpf_bench
BPF_BENCH_SRCS := $(TOP)/bench/bpf/bpf_bench.c $(TOP)/launcher/bpf.c \
                  $(TOP)/policy-compiler/bpf_maps.c $(TOP)/policy-compiler/diag.c
VM_BENCH_INITRD := $(BUILD)/vm/bench-initramfs.cpio.gz

$(BPF_BENCH): $(BPF_BENCH_SRCS) $(TOP)/launcher/bpf.h $(BPF_SKELS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      bench/bpf/bpf_bench")
	$(Q)$(CC) $(CFLAGS) -DCP_BPF_CORE_ONLY -o $@ $(BPF_BENCH_SRCS) $(LDFLAGS) $(LIBS_BPF) $(LIBS_JSON)

$(BUILD)/static/bpf_bench: $(BPF_BENCH_SRCS) $(TOP)/launcher/bpf.h $(BPF_SKELS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      static/bpf_bench")
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS)) -DCP_BPF_CORE_ONLY -o $@ $(BPF_BENCH_SRCS) -static -lbpf -lelf -lz -ljson-c

$(VM_BENCH_INITRD): $(TOP)/scripts/vm/mkinitramfs.sh $(BUILD)/static/bpf_bench $(BUILD)/static/cp-hello
	$(Q)$< $@ $(BUILD)/static/bpf_bench $(BUILD)/static/cp-hello

.PHONY: bench-bpf
bench-bpf: $(BPF_BENCH) $(VM_KERNEL) $(VM_BENCH_INITRD)
	@echo "== host (cgroup BPF)"
	$(Q)$(BPF_BENCH) host
	@echo "== instructions for two launches' BPF work with pinned programs (callgrind, absolute)"
	$(Q)valgrind -q --tool=callgrind --callgrind-out-file=$(BUILD)/bench/bpf/callgrind.out \
	  --toggle-collect=cp_bpf_pinned_cycle $(BPF_BENCH) cycle 2>&1 | grep -v 'eBPF command\|libbpf'; \
	  callgrind_annotate $(BUILD)/bench/bpf/callgrind.out | grep 'PROGRAM TOTALS'
	@echo "== VM (BPF LSM, QEMU TCG: absolute times are emulated, ratios only)"
	$(Q)$(TOP)/scripts/vm/run-vm.sh $(VM_KERNEL) $(VM_BENCH_INITRD) $(BUILD)/vm/bench-run 600 | \
	  grep -v '^\[' | sed -n '/^guest: running/,$$p'

ALL += $(BPF_BENCH)
BENCH += bench-bpf
