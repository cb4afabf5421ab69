# net-client.profile - the default sandbox with outbound web access:
# TCP to ports 80 and 443 and DNS, nothing else (no listening sockets).

include "default"

namespaces {
	# keep the host's network namespace; the network rules below decide
	share net
}

filesystem {
	# systemd-resolved's stub resolv.conf points here
	optional read-only /run/systemd/resolve
}

network {
	default deny
	family unix inet inet6 netlink
	allow connect tcp any port 80, 443
	allow connect udp any port 53
	allow connect tcp any port 53
	# cloud metadata services hand out credentials
	deny audit connect tcp 169.254.169.254
	deny audit connect tcp fd00:ec2::254
	allow connect unix /run/systemd/resolve/io.systemd.Resolve
}

layers {
	cgroup-bpf required
}
