/*
 * SHA-256 of hash.h through Windows' CNG (BCrypt): one algorithm provider for the
 * process, opened on first use, and one hash object per digest behind soak_sha256.ctx.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "win32.h"
#include <bcrypt.h>

#include "hash.h"
#include "os.h"
#include "exitcode.h"
#include "banned.h"

#define BCRYPT_OK(s) ((s) >= 0)

static BCRYPT_ALG_HANDLE sha_alg;

static BOOL CALLBACK alg_open(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once;
	(void)param;
	(void)ctx;
	/* Kept for the life of the process: providers are costly to open, and closing at
	 * exit gains nothing. */
	if (!BCRYPT_OK(BCryptOpenAlgorithmProvider(&sha_alg, BCRYPT_SHA256_ALGORITHM, NULL, 0)))
		sha_alg = NULL;
	return TRUE;
}

int soak_sha256_init(struct soak_sha256 *h, struct soak_err *err)
{
	static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
	BCRYPT_HASH_HANDLE hh = NULL;

	h->ctx = NULL;
	InitOnceExecuteOnce(&once, alg_open, NULL, NULL);
	if (sha_alg == NULL)
		return soak_err_set(err, SOAK_EXIT_ENV, "BCrypt cannot compute SHA-256");
	/* No buffer of our own: BCrypt allocates the hash object (Windows 7 and later). */
	if (!BCRYPT_OK(BCryptCreateHash(sha_alg, &hh, NULL, 0, NULL, 0, 0)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	h->ctx = hh;
	return 0;
}

int soak_sha256_update(struct soak_sha256 *h, const void *data, size_t n, struct soak_err *err)
{
	const unsigned char *p = data;

	if (!h->ctx)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 update failed");
	/* BCryptHashData takes a ULONG length. */
	while (n > 0) {
		ULONG k = n > 0x40000000u ? 0x40000000u : (ULONG)n;

		if (!BCRYPT_OK(BCryptHashData(h->ctx, (PUCHAR)p, k, 0)))
			return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 update failed");
		p += k;
		n -= k;
	}
	return 0;
}

int soak_sha256_final(struct soak_sha256 *h, char hex[SOAK_SHA256_HEX_LEN], struct soak_err *err)
{
	unsigned char md[SOAK_SHA256_LEN];
	int ok;

	ok = h->ctx && BCRYPT_OK(BCryptFinishHash(h->ctx, md, sizeof(md), 0));
	soak_sha256_free(h);
	if (!ok)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 final failed");
	soak_sha256_hex_of(md, hex);
	return 0;
}

void soak_sha256_free(struct soak_sha256 *h)
{
	if (h->ctx)
		BCryptDestroyHash(h->ctx);
	h->ctx = NULL;
}
