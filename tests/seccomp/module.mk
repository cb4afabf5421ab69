# tests/seccomp: the seccomp backend, disassembler, OCI import/export and
# compart-compile.  Every suite runs in `make check`; the C suites also
# under ASan+UBSan (make SAN=1 check / check-san).
TS_DIR     := $(TOP)/tests/seccomp
TS_OBJ     := $(BUILD)/obj/tests/seccomp
TS_BIN     := $(BUILD)/tests/seccomp
TS_COMMON  := $(TS_OBJ)/testlib.o $(TS_OBJ)/bpf_interp.o

EXTRA_CFLAGS_tests_seccomp_ := -I$(TS_DIR) -DTL_TOP='"$(TOP)"' \
	-DTL_BUILD='"$(BUILD)"'

TS_PROGS := $(patsubst $(TS_DIR)/%.c,$(TS_BIN)/%,$(wildcard $(TS_DIR)/test_*.c))

$(TS_BIN)/test_%: $(TS_OBJ)/test_%.o $(TS_COMMON) $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/seccomp/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBCOMPART_LIBS)

ALL += $(TS_PROGS)
CHECK_SUITES += $(foreach t,$(TS_PROGS),seccomp-$(notdir $(t))=$(t))
CHECK_SAN_SUITES += $(foreach t,$(TS_PROGS),seccomp-$(notdir $(t))=$(t))
# test_cli runs the compart-compile binary of the same build
$(TS_BIN)/test_cli: | $(BUILD)/compart-compile
