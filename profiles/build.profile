# build.profile - compilers and build tools: the current directory is
# read-write and its build products may be executed (configure checks,
# test binaries); no network; more processes and files than the default.

include "default"

filesystem {
	read-write exec $CWD
	optional read-write $HOME/.cache/ccache
}

exec {
	allow $CWD
}

limits {
	nofile 8192
	nproc 8192
	fsize unlimited
}
