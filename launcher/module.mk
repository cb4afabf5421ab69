# launcher: compart-run = every launcher/*.c (one file per subsystem) +
# libcompart.  Also a static build for the VM tests (build/static/).
LAUNCHER_SRCS := $(wildcard $(TOP)/launcher/*.c)
LAUNCHER_OBJS := $(patsubst $(TOP)/%.c,$(BUILD)/obj/%.o,$(LAUNCHER_SRCS))
LAUNCHER_LIBS := $(LIBCOMPART_LIBS) $(LIBS_CAP) $(LIBS_BPF)

$(BUILD)/compart-run: $(LAUNCHER_OBJS) $(LIBCOMPART)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)

ALL += $(if $(LAUNCHER_SRCS),$(BUILD)/compart-run)
