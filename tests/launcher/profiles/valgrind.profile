# valgrind.profile - basic.profile with Landlock optional: valgrind does not
# know the Landlock syscalls (ENOSYS), so under valgrind the run degrades
# and says so; everything else is applied.  No nofile limit: valgrind
# keeps descriptors of its own above the soft limit and refuses to lower it.

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
	core 0
}

layers {
	namespaces required
	seccomp required
	landlock optional
	cgroup optional
}
