# common/system-ro.profile - a read-only view of the system directories a
# dynamically linked program needs, and the device nodes it may use.
# Include it; do not use it on its own.

filesystem {
	read-only /etc
	exec /usr /bin /sbin
	# merged-/usr systems make these symlinks; older ones have real dirs
	optional exec /lib /lib64 /lib32 /libx32
	# the launcher mounts a fresh /proc for the pid namespace
	read-only /proc
	optional read-write /dev/null /dev/zero /dev/full /dev/tty
	optional read-only /dev/urandom /dev/random
}

exec {
	allow /usr /bin /sbin
	# the dynamic loader lives here and is mapped at every exec
	allow /lib /lib64
}
