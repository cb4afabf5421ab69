include "default"
syscalls {
  allow ptrace
}
