# basic.profile - the launcher's integration-test profile: every namespace,
# a read-only system view, one read-write scratch directory ($SCRATCH,
# given with -D), a private /tmp, denied paths under a writable and under a
# read-only directory, and a
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
	# below a writable directory: covered (the name stays, empty)
	deny $SCRATCH/hidden
	# below a read-only one: the names are gone
	deny $PROBEDIR/secret $PROBEDIR/sub/deep $PROBEDIR/xonly/x
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
