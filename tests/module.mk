# tests/module.mk — owned by the tests work
