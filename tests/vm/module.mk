# tests/vm: BPF LSM suites, run inside a QEMU guest whose kernel has BPF LSM
# active (this host's kernel refuses LSM programs).  `make check-vm` runs
# them alone; `make check` includes them as the vm-lsm suite.
#
# Guest binaries are static and built without sanitizers (own rules, into
# $(BUILD)/static/), from the same sources as the host build.
VM_DIR     := $(BUILD)/vm
VM_STATIC  := $(BUILD)/static
VM_CFLAGS  := $(filter-out -fsanitize%,$(CFLAGS)) -DCP_BPF_CORE_ONLY -I$(TOP)/tests/bpf
VM_LIBS    := -static -lbpf -lelf -lz -ljson-c
# the kernel download is shared by build/ and build-san/
VM_KERNEL_DIR := $(TOP)/build/vm
VM_KERNEL  := $(VM_KERNEL_DIR)/vmlinuz
VM_INITRD  := $(VM_DIR)/initramfs.cpio.gz

VM_LSM_SRCS := $(TOP)/tests/vm/lsm_test.c $(TOP)/tests/bpf/agent.c $(TOP)/launcher/bpf.c \
               $(TOP)/policy-compiler/bpf_maps.c $(TOP)/policy-compiler/diag.c

$(VM_STATIC)/lsm_test: $(VM_LSM_SRCS) $(wildcard $(TOP)/tests/bpf/*.h) $(TOP)/launcher/bpf.h $(BPF_SKELS) \
                       | $(DEPS_STAMP) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      static/lsm_test")
	$(Q)$(filter-out -fsanitize%,$(CC)) $(VM_CFLAGS) -o $@ $(VM_LSM_SRCS) $(VM_LIBS)

$(VM_STATIC)/cp-hello: $(TOP)/tests/vm/hello.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -static -o $@ $<

# the guest kernel: resolved and downloaded once, cached in $(VM_DIR)
$(VM_KERNEL): $(TOP)/scripts/vm/fetch-kernel.sh | $(DEPS_STAMP)
	@$(if $(Q),echo "  FETCH   Debian cloud kernel")
	$(Q)$< $(VM_KERNEL_DIR)

# compart-run itself, static, for the end-to-end script: every launcher and
# compiler source in one command, without sanitizers.
VM_CR_SRCS := $(wildcard $(TOP)/launcher/*.c) $(wildcard $(TOP)/policy-compiler/*.c)
$(VM_STATIC)/compart-run: $(VM_CR_SRCS) $(wildcard $(TOP)/launcher/*.h $(TOP)/policy-compiler/*.h) \
                          $(BPF_SKELS) $(CP_CONSTS_H) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      static/compart-run")
	$(Q)$(filter-out -fsanitize%,$(CC)) $(filter-out -fsanitize% -DCP_SOURCE_PROFILE_DIR=% \
	  -DCP_INSTALL_PROFILE_DIR=%,$(CFLAGS)) -DCP_SOURCE_PROFILE_DIR='"/profiles"' \
	  -DCP_INSTALL_PROFILE_DIR='"/profiles"' -o $@ $(VM_CR_SRCS) \
	  -static -lseccomp -ljson-c -lnettle -lcap -lbpf -lelf -lz -lzstd -lpthread

# compart-ctl, static, for the resident-mode checks of the end-to-end script
VM_CTL_SRCS := $(TOP)/launcher/ctl/compart-ctl.c $(TOP)/launcher/adapt.c $(TOP)/launcher/audit.c \
               $(TOP)/launcher/netpool.c $(TOP)/launcher/bpf.c $(wildcard $(TOP)/policy-compiler/*.c)
$(VM_STATIC)/compart-ctl: $(VM_CTL_SRCS) $(wildcard $(TOP)/launcher/*.h $(TOP)/policy-compiler/*.h) \
                          $(BPF_SKELS) $(CP_CONSTS_H) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      static/compart-ctl")
	$(Q)$(filter-out -fsanitize%,$(CC)) $(filter-out -fsanitize%,$(CFLAGS)) -DCP_BPF_CORE_ONLY \
	  -o $@ $(VM_CTL_SRCS) -static -lseccomp -ljson-c -lnettle -lcap -lbpf -lelf -lz -lzstd -lpthread

VM_E2E := $(TOP)/tests/vm/e2e.sh $(TOP)/tests/vm/e2e.profile $(TOP)/tests/vm/limits.sh $(TOP)/tests/vm/limits.profile

# adaptive containment with BPF LSM: tests/adapt/module.mk builds it
VM_ADAPT := $(if $(wildcard $(TOP)/tests/vm/adapt_test.c),$(VM_STATIC)/adapt_test)

VM_GUEST_FILES := $(VM_STATIC)/lsm_test $(VM_ADAPT) $(VM_STATIC)/cp-hello $(VM_STATIC)/compart-run \
                  $(VM_STATIC)/compart-ctl \
                  $(VM_E2E)
$(VM_INITRD): $(TOP)/scripts/vm/mkinitramfs.sh $(VM_GUEST_FILES)
	@$(if $(Q),echo "  CPIO    initramfs")
	$(Q)$< $@ $(VM_GUEST_FILES)

.PHONY: check-vm
check-vm: $(VM_KERNEL) $(VM_INITRD)
	$(Q)BUILD=$(BUILD) TOP=$(TOP) $(TOP)/tests/vm/check-vm.sh

CHECK_DEPS   += $(VM_KERNEL) $(VM_INITRD)
CHECK_SUITES += vm-lsm=$(TOP)/tests/vm/check-vm.sh
