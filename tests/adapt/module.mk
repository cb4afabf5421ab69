# tests/adapt: adaptive containment (tree format, kernel/reference
# equivalence, live tightening) and the corpus / model pipeline.
ADAPT_T := $(BUILD)/tests/adapt
ADAPT_LAUNCHER_CORE := $(BUILD)/obj/launcher/adapt.o

$(ADAPT_T)/test_tree: $(BUILD)/obj/tests/adapt/test_tree.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) -lcmocka

$(ADAPT_T)/test_tree_kernel: $(BUILD)/obj/tests/adapt/test_tree_kernel.o $(ADAPT_LAUNCHER_CORE) $(BUILD)/obj/launcher/audit.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) $(LIBS_BPF)

$(ADAPT_T)/adapt-harness: $(BUILD)/obj/tests/adapt/adapt-harness.o $(ADAPT_LAUNCHER_CORE) $(BUILD)/obj/launcher/audit.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBCOMPART_LIBS) $(LIBS_BPF)

ADAPT_TESTS := $(ADAPT_T)/test_tree $(ADAPT_T)/test_tree_kernel $(ADAPT_T)/adapt-harness
ALL += $(ADAPT_TESTS)
CHECK_SUITES += adapt-tree=$(ADAPT_T)/test_tree adapt-tree-kernel=$(ADAPT_T)/test_tree_kernel \
                adapt-live-net=$(TOP)/tests/adapt/live-net.sh adapt-live-freeze=$(TOP)/tests/adapt/live-freeze.sh adapt-live-run=$(TOP)/tests/adapt/live-run.sh \
                adapt-live-attacks=$(TOP)/tests/adapt/live-attacks.sh adapt-live-gate=$(TOP)/tests/adapt/live-gate.sh
CHECK_SAN_SUITES += adapt-tree=$(ADAPT_T)/test_tree adapt-tree-kernel=$(ADAPT_T)/test_tree_kernel \
                    adapt-live-net=$(TOP)/tests/adapt/live-net.sh adapt-live-freeze=$(TOP)/tests/adapt/live-freeze.sh adapt-live-run=$(TOP)/tests/adapt/live-run.sh \
                adapt-live-attacks=$(TOP)/tests/adapt/live-attacks.sh adapt-live-gate=$(TOP)/tests/adapt/live-gate.sh


# ---- corpus, default model, evaluation --------------------------------------
# The recorded corpus is shipped (recording is real kernel observation and
# varies slightly between machines and runs); training from it is
# deterministic.
#   make adapt-corpus   re-record it (root, ~5 min on 2 cores), then make train-model
#   make train-model    regenerate profiles/models/default.tree from it
#   make eval-model     held-out evaluation, offline and live
ADAPT_CORPUS     := $(TOP)/tests/adapt/corpus/traces.jsonl.gz
ADAPT_MODEL      := $(TOP)/profiles/models/default.tree
ADAPT_DATA       := $(BUILD)/adapt
ADAPT_TRAIN_OPTS := --max-depth 8 --min-leaf 25 --class-weight 2=3 --attack-level 2 --folds 5

$(ADAPT_DATA)/train.jsonl $(ADAPT_DATA)/test.jsonl &: $(ADAPT_CORPUS) $(TOP)/tests/adapt/corpus/split.sh
	@$(if $(Q),echo "  SPLIT   adapt corpus")
	$(Q)$(TOP)/tests/adapt/corpus/split.sh $(ADAPT_CORPUS) $(ADAPT_DATA)

# built with everything (check-san has no CHECK_DEPS): the kernel test reads it
ALL += $(ADAPT_DATA)/test.jsonl

.PHONY: adapt-corpus train-model eval-model
adapt-corpus: $(ADAPT_T)/adapt-harness
	rm -rf $(ADAPT_DATA)/runs
	BUILD=$(BUILD) $(TOP)/tests/adapt/corpus/gen-corpus.sh record $(ADAPT_DATA)/runs
	cat $$(ls $(ADAPT_DATA)/runs/*.jsonl | sort) | gzip -n -9 > $(ADAPT_CORPUS).tmp
	mv $(ADAPT_CORPUS).tmp $(ADAPT_CORPUS)

train-model: $(BUILD)/compart-train $(ADAPT_DATA)/train.jsonl
	$(BUILD)/compart-train $(ADAPT_TRAIN_OPTS) $(ADAPT_DATA)/train.jsonl -o $(ADAPT_MODEL)

eval-model: $(BUILD)/compart-train $(ADAPT_T)/adapt-harness $(ADAPT_DATA)/train.jsonl $(ADAPT_DATA)/test.jsonl
	BUILD=$(BUILD) TOP=$(TOP) TRAIN_OPTS="$(ADAPT_TRAIN_OPTS)" \
		$(TOP)/tests/adapt/corpus/eval-model.sh $(ADAPT_MODEL) $(ADAPT_DATA)

# The VM suite (BPF LSM): the model tightening files and exec in the kernel.
# Built like tests/vm's guest programs (static, no sanitizers); to run it,
# tests/vm/module.mk adds $(BUILD)/static/adapt_test to the initramfs.
ADAPT_VM_SRCS := $(TOP)/tests/vm/adapt_test.c $(TOP)/tests/bpf/agent.c $(TOP)/launcher/bpf.c \
                 $(TOP)/launcher/adapt.c $(TOP)/launcher/audit.c $(TOP)/policy-compiler/bpf_maps.c \
                 $(TOP)/policy-compiler/diag.c $(TOP)/policy-compiler/tree.c

$(BUILD)/static/adapt_test: $(ADAPT_VM_SRCS) $(TOP)/launcher/adapt.h $(TOP)/launcher/bpf.h $(BPF_SKELS) \
                            | $(DEPS_STAMP) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      static/adapt_test")
	$(Q)$(filter-out -fsanitize%,$(CC)) $(VM_CFLAGS) -o $@ $(ADAPT_VM_SRCS) $(VM_LIBS)

ALL += $(BUILD)/static/adapt_test
