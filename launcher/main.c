/* SPDX-License-Identifier: MIT */
/* main.c - compart-run entry point. */
#include <openssl/crypto.h>

#include "cr.h"

int main(int argc, char **argv)
{
	struct cp_run_opts o;

	/* SHA-256 is all we use libcrypto for: skip reading openssl.cnf and
	 * the provider set-up it triggers, half of a launch's user time */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
	cr_parse_args(argc, argv, &o);
	if (o.probe)
		return cr_probe_main(&o);
	return cr_run_main(&o);
}
