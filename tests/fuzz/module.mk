# tests/fuzz: libFuzzer targets.  Every tests/fuzz/fuzz_*.c is linked with
# clang -fsanitize=fuzzer,address,undefined against the policy-compiler
# sources, themselves rebuilt with clang and the sanitizers (a separate
# archive, so the normal build is untouched).  Seed corpus per target:
# tests/fuzz/corpus/<target>/.
#
#   make check   a ~20 s smoke run of every target (new inputs discarded)
#   make fuzz    long runs (FUZZ_TIME seconds each, default 600), new
#                inputs kept in build/fuzz/corpus/<target>/
FZ_DIR      := $(TOP)/tests/fuzz
FZ_OUT      := $(BUILD)/fuzz
FZ_TARGETS  := $(patsubst $(FZ_DIR)/%.c,%,$(wildcard $(FZ_DIR)/fuzz_*.c))
FZ_PC_SRCS  := $(wildcard $(TOP)/policy-compiler/*.c)
FZ_PC_OBJS  := $(patsubst $(TOP)/policy-compiler/%.c,$(FZ_OUT)/obj/%.o,$(FZ_PC_SRCS))
FZ_LIB      := $(FZ_OUT)/libcompart-fuzz.a
FZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FZ_CFLAGS   := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wno-unused-parameter $(FZ_SAN) \
               -I$(TOP)/policy-compiler -I$(TOP)/bpf -I$(BUILD)/gen -I$(TOP)/tests/seccomp \
               -DCP_SOURCE_PROFILE_DIR='"$(TOP)/profiles"' \
               -DCP_INSTALL_PROFILE_DIR='"$(PROFILE_DIR)"' -DFZ_TOP='"$(TOP)"'
FZ_LIBS     := $(LIBCOMPART_LIBS) $(LIBS_BPF)
FUZZ_TIME   ?= 600
FZ_SMOKE_TIME ?= 20

$(FZ_OUT)/obj/%.o: $(TOP)/policy-compiler/%.c $(CP_CONSTS_H) | $(DEPS_STAMP) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   fuzz/$*.o")
	$(Q)$(CLANG) $(FZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

-include $(wildcard $(FZ_OUT)/obj/*.d)

$(FZ_LIB): $(FZ_PC_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# the tests' cBPF interpreter serves as an oracle in the targets that need one
FZ_EXTRA_SRCS := $(TOP)/tests/seccomp/bpf_interp.c

$(FZ_OUT)/fuzz_%: $(FZ_DIR)/fuzz_%.c $(FZ_EXTRA_SRCS) $(FZ_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $(notdir $@)")
	$(Q)$(CLANG) $(FZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FZ_EXTRA_SRCS) $(FZ_LIB) $(FZ_LIBS)

# make check runs a wrapper per target (suites take no arguments)
$(FZ_OUT)/smoke-%.sh: $(FZ_DIR)/run-fuzz.sh $(FZ_OUT)/%
	@mkdir -p $(dir $@)
	$(Q)printf '#!/bin/sh\nexec %s %s %s %s %s\n' $(FZ_DIR)/run-fuzz.sh $(FZ_OUT)/$* \
		$(FZ_DIR)/corpus/$* $(FZ_SMOKE_TIME) smoke > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

FZ_BINS   := $(addprefix $(FZ_OUT)/,$(FZ_TARGETS))
FZ_SMOKES := $(addprefix $(FZ_OUT)/smoke-,$(addsuffix .sh,$(FZ_TARGETS)))
ALL += $(FZ_BINS) $(FZ_SMOKES)
CHECK_SUITES += $(foreach t,$(FZ_TARGETS),fuzz-$(t)=$(FZ_OUT)/smoke-$(t).sh)

.PHONY: $(addprefix fuzz-long-,$(FZ_TARGETS))
$(addprefix fuzz-long-,$(FZ_TARGETS)): fuzz-long-%: $(FZ_OUT)/%
	$(Q)$(FZ_DIR)/run-fuzz.sh $(FZ_OUT)/$* $(FZ_DIR)/corpus/$* $(FUZZ_TIME) long $(FZ_OUT)/corpus/$*
FUZZ += $(addprefix fuzz-long-,$(FZ_TARGETS))
