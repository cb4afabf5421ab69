/* SPDX-License-Identifier: MIT */
/* hash.h - streaming SHA-256 of the profile sources (internal). */
#ifndef CP_HASH_H
#define CP_HASH_H

#include <stddef.h>
#include <stdint.h>

struct cp_sha256;

struct cp_sha256 *cp_sha256_new(void);
int cp_sha256_update(struct cp_sha256 *h, const void *data, size_t len);
int cp_sha256_final(struct cp_sha256 *h, uint8_t out[32]);
void cp_sha256_free(struct cp_sha256 *h);
/* one shot: SHA-256 of a then b (blen may be 0) */
void cp_sha256_buf2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);

#endif
