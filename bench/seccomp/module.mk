# bench/seccomp: Docker's default profile through compart versus libseccomp
# directly (default and binary-tree layouts): compile instructions
# (callgrind), filter length, per-syscall cost interleaved in one run.
BS_BIN := $(BUILD)/bench/seccomp/bench_seccomp
EXTRA_CFLAGS_bench_seccomp_ := -DBENCH_TOP='"$(TOP)"'

$(BS_BIN): $(BUILD)/obj/bench/seccomp/bench_seccomp.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      bench/seccomp/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS)

.PHONY: bench-seccomp
bench-seccomp: $(BS_BIN)
	$(Q)TOP=$(TOP) $(BS_BIN)

ALL += $(BS_BIN)
BENCH += bench-seccomp
