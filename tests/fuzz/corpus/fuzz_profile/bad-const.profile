syscalls {
  allow socket(domain == AF_INTE)
}
