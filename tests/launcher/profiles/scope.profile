# scope.profile - Landlock scoping (ABI 6) without a pid namespace: the
# host's processes are visible and have the same uid, yet the sandbox may
# not signal them (LANDLOCK_SCOPE_SIGNAL; signal-outside defaults to deny).

namespaces {
	user
}

filesystem {
	read-only /etc /proc
	exec /usr /bin /sbin
	optional exec /lib /lib64 /lib32 /libx32
}

layers {
	landlock required
}
