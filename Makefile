# compart-run top-level Makefile.
#
#   make            build everything into build/
#   make check      build and run every test (unit, integration, VM, fuzz smoke)
#   make bench      benchmarks (side by side, ratios)
#   make fuzz       long fuzzing runs
#   make deps       install the Debian packages needed (idempotent)
#   make SAN=1 check   the same tests under ASan+UBSan, in build-san/
#   V=1             show commands
#
# Each directory contributes a module.mk fragment; this file holds only what
# is common.  Fragments append to ALL, CHECK_SUITES, BENCH, FUZZ.

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
.SUFFIXES:
SHELL := /bin/bash

TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
SAN      ?= 0
ifeq ($(SAN),1)
BUILD    ?= $(TOP)/build-san
else
BUILD    ?= $(TOP)/build
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKG_CONFIG ?= pkg-config

PREFIX   ?= /usr/local
PROFILE_DIR ?= $(PREFIX)/share/compart/profiles

WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wformat=2 \
            -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -fstack-protector-strong \
            -fno-strict-aliasing -I$(TOP)/policy-compiler -I$(TOP)/bpf \
            -I$(TOP)/launcher -I$(BUILD)/gen \
            -DCP_SOURCE_PROFILE_DIR='"$(TOP)/profiles"' \
            -DCP_INSTALL_PROFILE_DIR='"$(PROFILE_DIR)"'
LDFLAGS  ?=
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
CFLAGS   += -D_FORTIFY_SOURCE=2
endif

LIBS_SECCOMP := -lseccomp
LIBS_JSON    := -ljson-c
LIBS_CAP     := -lcap
LIBS_BPF     := -lbpf -lelf -lz
LIBS_CRYPTO  := -lnettle

ALL          :=
CHECK_SUITES :=
BENCH        :=
FUZZ         :=

# ---- dependencies -----------------------------------------------------------
DEPS_STAMP := $(BUILD)/.deps-ok
.PHONY: deps
deps:
	$(Q)$(TOP)/scripts/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(DEPS_STAMP): $(TOP)/scripts/deps.sh
	$(Q)$(TOP)/scripts/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $@

# every object depends (order-only) on the deps stamp
$(BUILD)/%/.dir: | $(DEPS_STAMP)
	$(Q)mkdir -p $(dir $@) && touch $@

.PHONY: all
all: build-all

include $(TOP)/policy-compiler/module.mk
-include $(TOP)/policy-compiler/train/module.mk
include $(TOP)/bpf/module.mk
include $(TOP)/launcher/module.mk
include $(TOP)/tests/module.mk
include $(wildcard $(TOP)/bench/*/module.mk)

.PHONY: build-all
build-all: $(ALL)

# ---- generic rules --------------------------------------------------------
$(BUILD)/obj/%.o: $(TOP)/%.c | $(DEPS_STAMP) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $*.c")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS_$(subst /,_,$(dir $*))) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests ----------------------------------------------------------------
# Each suite is "name:command".  The runner prints every suite's output and
# closes with "N passed, N failed, N skipped".  Exit 77 from a suite means
# skipped (it must print why).
.PHONY: check
check: build-all $(CHECK_DEPS)
	$(Q)BUILD=$(BUILD) TOP=$(TOP) SAN=$(SAN) $(TOP)/tests/run-suites.sh $(CHECK_SUITES)

.PHONY: bench fuzz
bench: build-all $(BENCH)
fuzz: $(FUZZ)

.PHONY: clean
clean:
	rm -rf $(TOP)/build $(TOP)/build-san
