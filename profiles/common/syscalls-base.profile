# common/syscalls-base.profile - the syscall policy of an ordinary program:
# systemd's @system-service set, minus the calls that let a sandboxed
# program escape or attack the kernel's less-trodden paths.

syscalls {
	default errno(EPERM)
	# x32 and i386 entry points reach different syscall tables: kill
	bad-arch kill-process

	allow @system-service

	# the hottest calls first: the filter checks them before the rest
	allow hot read write futex
	allow hot 2 mmap mprotect munmap brk openat close fstat newfstatat

	# new user namespaces are the usual first step of kernel exploits
	errno(EPERM) clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)
	allow clone
	# clone3 passes its flags in memory seccomp cannot read; glibc falls
	# back to clone(2) on ENOSYS
	errno(ENOSYS) clone3
	errno(EPERM) unshare setns

	# TIOCSTI pushes input into the controlling terminal (CVE-2017-5226)
	errno(EPERM) ioctl(request == TIOCSTI || request == TIOCLINUX)
	allow ioctl

	# no raw packets, no exotic protocol families
	allow socket(domain in {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK})
	errno(EAFNOSUPPORT) socket

	errno(EPERM) io_uring_setup io_uring_enter io_uring_register
}
