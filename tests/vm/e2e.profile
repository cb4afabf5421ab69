# e2e.profile - compart-run end to end in the test VM.  Landlock and
# seccomp are off so that what is denied here is denied by BPF LSM.
namespaces {
	pid mount ipc uts
}

filesystem {
	exec /bin
	read-only /data/pub
	deny /data/secret
	deny /data/pub/private
	read-write /tmp
	read-only /proc
	optional read-write /dev/null
}

exec {
	allow /bin
}

process {
	ptrace deny
	signal-outside deny
	mount deny
}

layers {
	bpf-lsm required
	cgroup-bpf optional
	landlock off
	seccomp off
}
