# tests/launcher: compart-run run for real (namespaces, mounts, Landlock,
# seccomp, cgroups, pty) as root and rootless, with a probe helper that
# runs inside the sandbox.  The integration suite also runs under
# ASan+UBSan (make SAN=1 check-san).
TL_DIR := $(TOP)/tests/launcher
TL_BIN := $(BUILD)/tests/launcher

# The probe runs inside sandboxes whose seccomp policy denies ptrace, which
# LeakSanitizer needs: it is always built without sanitizers.
$(TL_BIN)/cr-probe: $(TL_DIR)/cr-probe.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      tests/launcher/$(notdir $@)")
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS)) -o $@ $<

# Unit tests link the launcher's objects except main().
TL_LAUNCHER_OBJS := $(filter-out %/launcher/main.o,$(LAUNCHER_OBJS))
EXTRA_CFLAGS_tests_launcher_ := -DTL_TOP='"$(TOP)"'

$(TL_BIN)/test_plan: $(BUILD)/obj/tests/launcher/test_plan.o $(TL_LAUNCHER_OBJS) $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/launcher/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LAUNCHER_LINK)

$(TL_BIN)/test_audit: $(BUILD)/obj/tests/launcher/test_audit.o $(BUILD)/obj/launcher/audit.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/launcher/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBS_JSON)

$(TL_BIN)/test_options: $(BUILD)/obj/tests/launcher/test_options.o $(TL_LAUNCHER_OBJS) $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/launcher/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LAUNCHER_LINK)

TL_UNIT := $(TL_BIN)/test_plan $(TL_BIN)/test_audit $(TL_BIN)/test_options
ALL += $(TL_BIN)/cr-probe $(TL_UNIT)
CHECK_SUITES += $(foreach t,$(TL_UNIT),launcher-$(subst test_,,$(notdir $(t)))=$(t))
CHECK_SAN_SUITES += $(foreach t,$(TL_UNIT),launcher-$(subst test_,,$(notdir $(t)))=$(t))
CHECK_SUITES += launcher-integration=$(TL_DIR)/integration.sh launcher-netpool=$(TL_DIR)/netpool.sh launcher-limits=$(TL_DIR)/limits.sh
CHECK_SAN_SUITES += launcher-integration=$(TL_DIR)/integration.sh
