# compart-train: learns the adaptive-containment tree from feature traces
# (see policy-compiler/tree.h for the file format it writes).
$(BUILD)/compart-train: $(BUILD)/obj/policy-compiler/train/compart-train.o $(LIBCOMPART)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) -lm

ALL += $(BUILD)/compart-train
