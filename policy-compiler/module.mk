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
