# landlock.profile - Landlock alone decides: no mount namespace, so the
# host's mounts (writable) are all visible, and only $SCRATCH/rw may be
# written.  Writes elsewhere under $SCRATCH must fail with EACCES.

namespaces {
	user pid
}

filesystem {
	read-only /etc /proc /tmp
	exec /usr /bin /sbin
	optional exec /lib /lib64 /lib32 /libx32
	read-only $SCRATCH
	read-write $SCRATCH/rw
	exec $PROBEDIR
}

layers {
	landlock required
}
