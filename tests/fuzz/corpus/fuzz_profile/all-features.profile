include optional "nope"
define D = "/opt/d"
namespaces {
  all
  share time
  hostname "h-1"
}
filesystem {
  optional audit read-write exec "/a \"q\" $$x"
  tmpfs /tmp
  deny /etc/shadow
  ro $D/r
  exec $HOME/bin
}
syscalls {
  default kill-thread
  arch x86_64 i386 aarch64
  bad-arch errno(ENOSYS)
  log-denials
  allow hot read
  allow hot 7 audit write
  trap getpid
  log getppid
  notify openat
  errno(EACCES) socket(domain == 1 && type != 2 || domain in {2, 10} && protocol not in {0})
  errno(EPERM) clone(flags & CLONE_NEWUSER == CLONE_NEWUSER)
  allow clone
  errno(4000) ioctl(request > 1 && request < 0x100000000 && fd >= 3 && fd <= 100)
  allow @basic-io
}
network {
  default errno(ECONNREFUSED)
  family unix AF_INET 10
  deny errno(EACCES) audit connect bind udp 2001:db8::/32 port 1-1024, 8080
  deny connect tcp 10.0.0.0/8
  allow bind tcp 127.0.0.1 port 80
  allow connect unix @abstract
  allow connect unix "/run/x y.sock"
  allow icmp any6
  allow connect any any4
}
exec {
  allow /usr/bin
  deny audit /usr/bin/su
  deny-created
  wx
}
process {
  ptrace allow
  signal-outside deny
  mount allow
}
devices {
  allow c 1:3 rw
  allow b *:* m
}
capabilities {
  keep CAP_NET_BIND_SERVICE, cap_chown
}
limits {
  nofile 1K 2K
  as 4G unlimited
  cpu infinity
}
adapt {
  model "models/m.tree"
  eval-every 10
  window 3s
  scratch /tmp $TMPDIR
  level 3 forbid freeze
  level 1 forbid connect bind
}
layers {
  bpf-lsm optional
  landlock off
  cgroup-bpf required
  adapt auto
}
