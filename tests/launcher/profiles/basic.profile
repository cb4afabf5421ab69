# basic.profile - the launcher's integration-test profile: every namespace,
# a read-only system view, one read-write scratch directory ($SCRATCH,
# given with -D), a private /tmp, a denied path under a visible one, and a
# small seccomp policy the probe helper can check call by call.

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
	none
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
