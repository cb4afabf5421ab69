# bench/adapt: the cost of adaptive containment (bench/adapt/bench-adapt.c):
# outside-the-sandbox per-operation deltas, in-sandbox workload slowdown,
# program sizes after verification.  Needs root; side by side, one run.
ADAPT_BENCH := $(BUILD)/bench/adapt/bench-adapt

$(ADAPT_BENCH): $(BUILD)/obj/bench/adapt/bench-adapt.o $(BUILD)/obj/launcher/adapt.o $(BUILD)/obj/launcher/audit.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) $(LIBS_BPF)

.PHONY: bench-adapt
bench-adapt: $(ADAPT_BENCH)
	$(ADAPT_BENCH) --rounds 15 --model $(TOP)/profiles/models/default.tree

# the containment gate's cost at level 0 (bench/adapt/bench-gate.sh)
.PHONY: bench-gate
bench-gate: $(BUILD)/compart-run
	BUILD=$(BUILD) TOP=$(TOP) $(TOP)/bench/adapt/bench-gate.sh

# adaptive launch latency: cold, resident (compart-ctl bpf resident), concurrent
.PHONY: bench-resident
bench-resident: $(BUILD)/compart-run $(BUILD)/compart-ctl
	BUILD=$(BUILD) TOP=$(TOP) $(TOP)/bench/adapt/bench-resident.sh

ALL += $(ADAPT_BENCH)
BENCH += bench-adapt bench-gate bench-resident
