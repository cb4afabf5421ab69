# bench/compiler: cost of the profile front end next to the seccomp
# backend (side by side, ratios), and its instruction count per load
# (callgrind, absolute: the counts repeat).
FE_BENCH := $(BUILD)/bench/compiler/bench_frontend

EXTRA_CFLAGS_bench_compiler_ := -DTOP_PROFILES='"$(TOP)/profiles"'

$(FE_BENCH): $(BUILD)/obj/bench/compiler/bench_frontend.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      bench/compiler/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS)

.PHONY: bench-frontend
bench-frontend: $(FE_BENCH)
	$(Q)$(FE_BENCH)
	$(Q)$(TOP)/bench/compiler/instr.sh $(FE_BENCH)

ALL += $(FE_BENCH)
BENCH += bench-frontend
