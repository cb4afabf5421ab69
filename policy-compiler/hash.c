// SPDX-License-Identifier: MIT
/*
 * hash.c - SHA-256 of the profile sources, through OpenSSL libcrypto.
 *
 * Why the one-shot SHA256_* functions and not EVP: the first EVP digest
 * in a process loads and activates OpenSSL 3's default provider, which
 * costs about 0.75 ms here (measured: 0.73-0.90 ms for EVP against 7-9 us
 * for SHA256_Init/Update/Final, first use in a fresh process).  Every
 * compart-run launch hashes its profile, and a whole sandboxed launch
 * costs about 5 ms, so that is 15% of the launch for nothing.  The
 * functions are deprecated in OpenSSL 3 but present throughout 3.x; if
 * they go, this file is the only one to change.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>

#include "hash.h"

struct cp_sha256 {
	SHA256_CTX ctx;
};

struct cp_sha256 *cp_sha256_new(void)
{
	struct cp_sha256 *h = malloc(sizeof(*h));

	if (h && SHA256_Init(&h->ctx) != 1) {
		free(h);
		return NULL;
	}
	return h;
}

int cp_sha256_update(struct cp_sha256 *h, const void *data, size_t len)
{
	return SHA256_Update(&h->ctx, data, len) == 1 ? 0 : -EIO;
}

int cp_sha256_final(struct cp_sha256 *h, uint8_t out[32])
{
	return SHA256_Final(out, &h->ctx) == 1 ? 0 : -EIO;
}

void cp_sha256_free(struct cp_sha256 *h)
{
	free(h);
}
