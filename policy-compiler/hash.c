// SPDX-License-Identifier: MIT
/*
 * hash.c - SHA-256 of the profile sources, through GNU Nettle.
 *
 * Why Nettle and not OpenSSL libcrypto: libcrypto's initialisation
 * (OPENSSL_init_crypto, reached by any of its entry points) drags its
 * provider, object-identifier and cipher tables into a statically linked
 * compart-run - 380 KB of relocated read-only data, ~90 pages touched at
 * start-up, about 0.5 ms of every launch (measured: `compart-run
 * --version` 1.1 ms against 0.6 ms for /bin/true).  Nettle's sha256 is a
 * self-contained object with no global state: nothing to initialise.
 */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdlib.h>

#include "hash.h"

struct cp_sha256 {
	struct sha256_ctx ctx;
};

struct cp_sha256 *cp_sha256_new(void)
{
	struct cp_sha256 *h = malloc(sizeof(*h));

	if (h)
		sha256_init(&h->ctx);
	return h;
}

int cp_sha256_update(struct cp_sha256 *h, const void *data, size_t len)
{
	sha256_update(&h->ctx, len, data);
	return 0;
}

int cp_sha256_final(struct cp_sha256 *h, uint8_t out[32])
{
	sha256_digest(&h->ctx, SHA256_DIGEST_SIZE, out);
	return 0;
}

void cp_sha256_free(struct cp_sha256 *h)
{
	free(h);
}

void cp_sha256_buf2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, alen, a);
	if (blen)
		sha256_update(&c, blen, b);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}
