# bpf/module.mk — owned by the bpf work
