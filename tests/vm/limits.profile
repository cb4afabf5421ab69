# limits.profile - cgroup limits in the test VM, whose cgroup hierarchy is
# pure v2 (the build host's memory and pids controllers are v1-only):
# the v2 path of launcher/cglimits.c.
namespaces {
	pid mount ipc uts
}

filesystem {
	exec /bin
	read-write /tmp
	read-only /proc
	optional read-write /dev/null
}

limits {
	memory 24M 32M
	pids 8
}

layers {
	landlock off
	seccomp off
	cgroup required
}
