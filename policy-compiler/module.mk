# policy-compiler: libcompart.a (every *.c directly in policy-compiler/) and
# the compart-compile tool (policy-compiler/cli/).
PC_SRCS  := $(wildcard $(TOP)/policy-compiler/*.c)
PC_OBJS  := $(patsubst $(TOP)/%.c,$(BUILD)/obj/%.o,$(PC_SRCS))
LIBCOMPART := $(BUILD)/libcompart.a
LIBCOMPART_LIBS := $(LIBS_SECCOMP) $(LIBS_JSON) $(LIBS_CRYPTO)

$(LIBCOMPART): $(PC_OBJS)
	@$(if $(Q),echo "  AR      $(notdir $@)")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/compart-compile: $(BUILD)/obj/policy-compiler/cli/compart-compile.o $(LIBCOMPART)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS)

ALL += $(LIBCOMPART) $(if $(wildcard $(TOP)/policy-compiler/cli/compart-compile.c),$(BUILD)/compart-compile)

# Named constants of the profile language (AF_INET, O_WRONLY, TCGETS, EPERM,
# ...) come from the system headers through the preprocessor, not a
# hand-typed table.
CP_CONSTS_H := $(BUILD)/gen/cp_consts.h
$(CP_CONSTS_H): $(TOP)/policy-compiler/gen-consts.sh | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     cp_consts.h")
	$(Q)$< $@ $(CC)
$(BUILD)/obj/policy-compiler/consts.o: $(CP_CONSTS_H)
# the front end names capabilities through libcap
LIBCOMPART_LIBS += $(LIBS_CAP)
