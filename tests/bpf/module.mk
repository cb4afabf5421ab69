# tests/bpf: host suites for the BPF layer (cgroup BPF rules, probes,
# pinning and cleanup).  They link the loader without the compart-run
# glue (BPF_CORE_OBJ, launcher/module.mk), so only what they test.
TBPF_DIR  := $(BUILD)/tests/bpf
TBPF_CORE := $(BPF_CORE_OBJ)

$(TBPF_DIR)/cgroup_test: $(BUILD)/obj/tests/bpf/cgroup_test.o $(BUILD)/obj/tests/bpf/agent.o \
                         $(TBPF_CORE) $(BUILD)/obj/policy-compiler/bpf_maps.o \
                         $(BUILD)/obj/policy-compiler/diag.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/bpf/cgroup_test")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) $(LIBS_BPF)

ALL += $(TBPF_DIR)/cgroup_test
CHECK_SUITES += bpf-cgroup=$(TBPF_DIR)/cgroup_test
CHECK_SAN_SUITES += bpf-cgroup=$(TBPF_DIR)/cgroup_test

$(TBPF_DIR)/bpf_maps_test: $(BUILD)/obj/tests/bpf/bpf_maps_test.o $(BUILD)/obj/policy-compiler/bpf_maps.o \
                           $(BUILD)/obj/policy-compiler/diag.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/bpf/bpf_maps_test")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

ALL += $(TBPF_DIR)/bpf_maps_test
CHECK_SUITES += bpf-maps=$(TBPF_DIR)/bpf_maps_test
CHECK_SAN_SUITES += bpf-maps=$(TBPF_DIR)/bpf_maps_test

# compart-run end to end (cgroup BPF on this host's kernel)
CHECK_SUITES += bpf-e2e-host=$(TOP)/tests/bpf/e2e-host.sh
CHECK_SAN_SUITES += bpf-e2e-host=$(TOP)/tests/bpf/e2e-host.sh

# resident mode: compart-ctl bpf resident|release|status, re-attach from pins
CHECK_SUITES += bpf-resident=$(TOP)/tests/bpf/resident.sh
CHECK_SAN_SUITES += bpf-resident=$(TOP)/tests/bpf/resident.sh
