/*
 * SHA-256 from the platform's maintained crypto (OpenSSL libcrypto's EVP API in
 * posix/hash.c, BCrypt in win32/hash.c): incremental hashing, whole
 * files, and the lowercase hex form that sha256sum prints.
 */
#ifndef SOAK_HASH_H
#define SOAK_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define SOAK_SHA256_LEN 32
#define SOAK_SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

struct soak_sha256 {
	void *ctx; /* the implementation's state (EVP_MD_CTX, a BCrypt hash), owned */
};

/* Start a digest; SOAK_EXIT_ENV when libcrypto cannot (out of memory, no SHA-256). */
int soak_sha256_init(struct soak_sha256 *h, struct soak_err *err);
int soak_sha256_update(struct soak_sha256 *h, const void *data, size_t n, struct soak_err *err);
/* Finish into hex (lowercase, NUL-terminated) and free the context. */
int soak_sha256_final(struct soak_sha256 *h, char hex[SOAK_SHA256_HEX_LEN], struct soak_err *err);
/* Free a digest that was not finished; safe on a zeroed or finished one. */
void soak_sha256_free(struct soak_sha256 *h);

/* The lowercase hex (NUL-terminated) of a digest. */
void soak_sha256_hex_of(const unsigned char md[SOAK_SHA256_LEN], char hex[SOAK_SHA256_HEX_LEN]);

/* The digest of a buffer. */
int soak_sha256_buf(const void *data, size_t n, char hex[SOAK_SHA256_HEX_LEN],
                    struct soak_err *err);

/*
 * The digest and size of a file, read in blocks. A missing or unreadable file
 * fails with SOAK_EXIT_INPUT, a read error with SOAK_EXIT_ENV. size may be NULL.
 */
int soak_sha256_file(const char *path, char hex[SOAK_SHA256_HEX_LEN], uint64_t *size,
                     struct soak_err *err);

/* 1 when s is 64 hex digits (either case), else 0. */
int soak_sha256_is_hex(const char *s, size_t n);

#endif
