# caps.profile - basic.profile keeping one capability: every set
# (bounding, ambient, effective, permitted, inheritable) must hold exactly
# CAP_NET_BIND_SERVICE (bit 10), and it must survive the execve.

namespaces {
	user pid mount net ipc uts cgroup time
	hostname sbx
}

filesystem {
	read-only /etc
	exec /usr /bin /sbin
	optional exec /lib /lib64 /lib32 /libx32
	read-only /proc
	read-write $SCRATCH
	exec $PROBEDIR
	deny $SCRATCH/hidden
	tmpfs /tmp
}

syscalls {
	default allow
	errno(EPERM) ptrace
	errno(EACCES) personality
	errno(ENOTSUP) acct
}

capabilities {
	keep CAP_NET_BIND_SERVICE
}

limits {
	nofile 256 512
	core 0
}

layers {
	namespaces required
	seccomp required
	landlock required
	cgroup optional
}
