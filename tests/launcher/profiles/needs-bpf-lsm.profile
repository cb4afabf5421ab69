# needs-bpf-lsm.profile - requires BPF LSM: must fail closed (exit 125)
# wherever BPF LSM programs cannot be loaded.

namespaces {
	user pid mount
}

exec {
	allow /usr /bin
}

layers {
	bpf-lsm required
}
