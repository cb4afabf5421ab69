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
