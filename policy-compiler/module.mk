# policy-compiler/module.mk — owned by the policy-compiler work
