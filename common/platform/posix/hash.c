#include <errno.h>
#include <string.h>
#include <openssl/evp.h>

#include "hash.h"
#include "exitcode.h"
#include "banned.h"

int soak_sha256_init(struct soak_sha256 *h, struct soak_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	h->ctx = NULL;
	if (!ctx)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return soak_err_set(err, SOAK_EXIT_ENV, "libcrypto cannot compute SHA-256");
	}
	h->ctx = ctx;
	return 0;
}

int soak_sha256_update(struct soak_sha256 *h, const void *data, size_t n, struct soak_err *err)
{
	if (!h->ctx || EVP_DigestUpdate(h->ctx, data, n) != 1)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 update failed");
	return 0;
}

int soak_sha256_final(struct soak_sha256 *h, char hex[SOAK_SHA256_HEX_LEN], struct soak_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok;

	ok = h->ctx && EVP_DigestFinal_ex(h->ctx, md, &len) == 1 && len == SOAK_SHA256_LEN;
	soak_sha256_free(h);
	if (!ok)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 final failed");
	soak_sha256_hex_of(md, hex);
	return 0;
}

void soak_sha256_free(struct soak_sha256 *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}
