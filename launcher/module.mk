# launcher: compart-run = every launcher/*.c (one file per subsystem) +
# libcompart.
LAUNCHER_SRCS := $(wildcard $(TOP)/launcher/*.c)
LAUNCHER_OBJS := $(patsubst $(TOP)/%.c,$(BUILD)/obj/%.o,$(LAUNCHER_SRCS))
LAUNCHER_LIBS := $(LIBCOMPART_LIBS) $(LIBS_CAP) $(LIBS_BPF)
# Launch latency: resolving and relocating seven shared libraries (libcrypto
# above all) was a sixth of a launch's CPU time, paid again on every run.
# The libraries are linked statically into compart-run (libc stays shared);
# --gc-sections drops what is not reachable; packed relative relocations
# (DT_RELR) keep the PIE start-up cheap.  -z now (full RELRO) binds every
# symbol once in the supervisor: the init and the target's set-up, forked
# copies, then resolve nothing lazily (no copy-on-write of .got.plt in them).
LAUNCHER_LINK := -Wl,--gc-sections -Wl,-z,pack-relative-relocs -Wl,-z,now -Wl,-z,relro -Wl,-Bstatic $(LAUNCHER_LIBS) -lzstd -Wl,-Bdynamic -lpthread

$(BUILD)/compart-run: $(LAUNCHER_OBJS) $(LIBCOMPART)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LINK)

ALL += $(if $(LAUNCHER_SRCS),$(BUILD)/compart-run)

# compart-ctl: operator commands (status, set-level, netns-pool, bpf).  Its source
# is launcher/ctl/ (not launcher/*.c, which all go into compart-run); it
# shares the adaptive layer's map access, the audit writer and the netns
# pool and the BPF loader (resident mode) with compart-run.
# The BPF loader without the compart-run glue (CP_BPF_CORE_ONLY): what
# compart-ctl and the BPF test suites link.
BPF_CORE_OBJ := $(BUILD)/obj/launcher/bpf_core.o

$(BPF_CORE_OBJ): $(TOP)/launcher/bpf.c | $(DEPS_STAMP) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      launcher/bpf.c (core)")
	$(Q)$(CC) $(CFLAGS) -DCP_BPF_CORE_ONLY -MMD -MP -c -o $@ $<

$(BUILD)/compart-ctl: $(BUILD)/obj/launcher/ctl/compart-ctl.o $(BUILD)/obj/launcher/adapt.o \
		$(BUILD)/obj/launcher/audit.o $(BUILD)/obj/launcher/netpool.o $(BPF_CORE_OBJ) \
		$(BUILD)/obj/policy-compiler/bpf_maps.o $(LIBCOMPART)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) $(LIBS_BPF)

ALL += $(BUILD)/compart-ctl
