# bpf: every bpf/*.bpf.c becomes build/gen/<name>.skel.h through
#   clang -target bpf (CO-RE, vmlinux.h from BTF) -> llvm-strip -g -> bpftool gen skeleton
# and build/gen/<name>.objhash.h (SHA-256 prefix of the object: the pin
# name, so a rebuilt object never reuses programs pinned by another).
# User-space objects that include a skeleton list it as a prerequisite.
BPF_SRCS   := $(wildcard $(TOP)/bpf/*.bpf.c)
BPF_OBJS   := $(patsubst $(TOP)/bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS  := $(patsubst $(TOP)/bpf/%.bpf.c,$(BUILD)/gen/%.skel.h,$(BPF_SRCS)) \
              $(patsubst $(TOP)/bpf/%.bpf.c,$(BUILD)/gen/%.objhash.h,$(BPF_SRCS))
VMLINUX_H  := $(BUILD)/gen/vmlinux.h
ARCH_BPF   := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
# -mcpu=v3: jmp32 and the atomic instructions (cmpxchg: the adaptive
# level is raised with compare-and-swap, never lowered by a race); kernel
# 5.12+.  clang 14 does not define __BPF_CPU_VERSION__, hence the macro.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -DCP_BPF_CPU_V3 -D__TARGET_ARCH_$(ARCH_BPF) -D__bpf__ \
              -Wall -Werror -I$(BUILD)/gen -I$(TOP)/bpf

.SECONDARY: $(BPF_OBJS)

# vmlinux.h is generated from the running kernel's BTF when available,
# otherwise from the pinned copy made by scripts/gen-vmlinux.sh.
$(VMLINUX_H): | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     vmlinux.h")
	$(Q)$(TOP)/scripts/gen-vmlinux.sh $@

$(BUILD)/bpf/%.bpf.o: $(TOP)/bpf/%.bpf.c $(VMLINUX_H) $(wildcard $(TOP)/bpf/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $*.bpf.c")
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)llvm-strip -g $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@$(if $(Q),echo "  SKEL    $*.skel.h")
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.objhash.h: $(BUILD)/bpf/%.bpf.o
	@$(if $(Q),echo "  HASH    $*.bpf.o")
	$(Q)h=$$(sha256sum $< | cut -c1-16) && \
	  printf '/* generated: SHA-256 prefix of %s.bpf.o */\n#define CP_BPF_OBJ_HASH "%s"\n' $* $$h > $@.tmp && mv $@.tmp $@

ALL += $(BPF_SKELS)
