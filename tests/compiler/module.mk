# tests/compiler: unit tests of the profile front end (lexer, parser,
# includes, variables, groups, constants, checks, lowering, diagnostics,
# the summary and profile-text backends) and of the shipped profiles.
# One cmocka program per stage; each also runs under ASan+UBSan.
# -lcrypto: OpenSSL is the independent SHA-256 oracle for the profile
# hash (the library computes it with Nettle).
TC_DIR  := $(TOP)/tests/compiler
TC_OBJ  := $(BUILD)/obj/tests/compiler
TC_BIN  := $(BUILD)/tests/compiler

EXTRA_CFLAGS_tests_compiler_ := -I$(TC_DIR) -DTC_TOP='"$(TOP)"'

TC_PROGS := $(patsubst $(TC_DIR)/%.c,$(TC_BIN)/%,$(wildcard $(TC_DIR)/test_*.c))

$(TC_BIN)/test_%: $(TC_OBJ)/test_%.o $(TC_OBJ)/tc.o $(LIBCOMPART)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      tests/compiler/$(notdir $@)")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBCOMPART_LIBS) -lcrypto

# the stage tests include internal headers and the generated constants
$(TC_OBJ)/test_%.o: $(CP_CONSTS_H)

ALL += $(TC_PROGS)
CHECK_SUITES += $(foreach t,$(TC_PROGS),compiler-$(notdir $(t))=$(t))
CHECK_SAN_SUITES += $(foreach t,$(TC_PROGS),compiler-$(notdir $(t))=$(t))
