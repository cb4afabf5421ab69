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
VM_KERNEL  := $(VM_DIR)/vmlinuz
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
	$(Q)$< $(VM_DIR)

$(VM_INITRD): $(TOP)/scripts/vm/mkinitramfs.sh $(VM_STATIC)/lsm_test $(VM_STATIC)/cp-hello
	@$(if $(Q),echo "  CPIO    initramfs")
	$(Q)$< $@ $(VM_STATIC)/lsm_test $(VM_STATIC)/cp-hello

.PHONY: check-vm
check-vm: $(VM_KERNEL) $(VM_INITRD)
	$(Q)BUILD=$(BUILD) TOP=$(TOP) $(TOP)/tests/vm/check-vm.sh

CHECK_DEPS   += $(VM_KERNEL) $(VM_INITRD)
CHECK_SUITES += vm-lsm=$(TOP)/tests/vm/check-vm.sh
