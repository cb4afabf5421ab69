# default.profile - a sane sandbox for running a command from the shell.
#
#   compart-run --profile default -- COMMAND
#
# Fresh namespaces (network included: no network at all), the system
# directories read-only, the current directory read-write, a private /tmp,
# exec only from system directories, an ordinary-program syscall set with
# EPERM for everything else, no capabilities, modest limits.

include "common/system-ro.profile"
include "common/syscalls-base.profile"

namespaces {
	user pid mount net ipc uts cgroup
	hostname compart
}

filesystem {
	read-write $CWD
	tmpfs /tmp
}

process {
	ptrace deny
	signal-outside deny
	mount deny
}

capabilities {
	none
}

limits {
	nofile 1024 4096
	nproc 4096
	core 0
	fsize 16G
}

layers {
	namespaces required
	seccomp required
	landlock optional
	bpf-lsm optional
	cgroup-bpf optional
	cgroup optional
}
