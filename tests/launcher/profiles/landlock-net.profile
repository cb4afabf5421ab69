# landlock-net.profile - Landlock's TCP rules alone (ABI 4): in a private
# network namespace, connect to port 8080 is allowed (nothing listens:
# ECONNREFUSED), to any other port denied (EACCES).  cgroup BPF is off so
# that only Landlock decides.

namespaces {
	user pid mount net
}

filesystem {
	read-only /etc
	exec /usr /bin /sbin
	optional exec /lib /lib64 /lib32 /libx32
	exec $PROBEDIR
}

network {
	default deny
	allow connect tcp any port 8080
}

layers {
	landlock required
	cgroup-bpf off
}
