# strict.profile - the default sandbox, tightened: no network at all (not
# even sockets to other hosts' services through a shared namespace), the
# current directory read-only, no exec of files the program wrote, W^X.

include "default"

filesystem {
	# replaces default's read-write $CWD
	read-only $CWD
}

network {
	default deny
}

exec {
	deny-created
	wx
}

syscalls {
	# only local sockets; this replaces the base profile's socket rules
	allow socket(domain == AF_UNIX)
	errno(EAFNOSUPPORT) socket
	errno(EPERM) personality
	# writable and executable at once: refused (JITs need another profile)
	errno(EACCES) mprotect(prot & PROT_WRITE|PROT_EXEC == PROT_WRITE|PROT_EXEC)
	allow hot 2 mprotect
}

limits {
	nofile 256 1024
	nproc 256
	fsize 64M
}

layers {
	landlock required
}
