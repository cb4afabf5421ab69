# tests: each area owns tests/<area>/module.mk and appends NAME=COMMAND
# entries to CHECK_SUITES (and to CHECK_SAN_SUITES for suites that also run
# under ASan+UBSan).
CHECK_SAN_SUITES :=
include $(wildcard $(TOP)/tests/*/module.mk)

.PHONY: check-san
check-san: build-all
	$(Q)BUILD=$(BUILD) TOP=$(TOP) SAN=$(SAN) $(TOP)/tests/run-suites.sh $(CHECK_SAN_SUITES)
