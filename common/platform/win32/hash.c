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
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SOAK_SHA256_LEN];
	int ok;

	ok = h->ctx && BCRYPT_OK(BCryptFinishHash(h->ctx, md, sizeof(md), 0));
	soak_sha256_free(h);
	if (!ok)
		return soak_err_set(err, SOAK_EXIT_ENV, "SHA-256 final failed");
	for (unsigned i = 0; i < SOAK_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SOAK_SHA256_LEN] = '\0';
	return 0;
}

void soak_sha256_free(struct soak_sha256 *h)
{
	if (h->ctx)
		BCryptDestroyHash(h->ctx);
	h->ctx = NULL;
}

int soak_sha256_buf(const void *data, size_t n, char hex[SOAK_SHA256_HEX_LEN], struct soak_err *err)
{
	struct soak_sha256 h;

	if (soak_sha256_init(&h, err))
		return -1;
	if (soak_sha256_update(&h, data, n, err)) {
		soak_sha256_free(&h);
		return -1;
	}
	return soak_sha256_final(&h, hex, err);
}

int soak_sha256_file(const char *path, char hex[SOAK_SHA256_HEX_LEN], uint64_t *size,
                     struct soak_err *err)
{
	enum { BLOCK = 256 * 1024 };
	struct soak_sha256 h;
	uint64_t total = 0;
	unsigned char *block;
	int fd;

	fd = soak_os_open(path, SOAK_O_RDONLY, 0);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	block = malloc(BLOCK);
	if (block == NULL) {
		soak_os_close(fd);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read '%s'", path);
	}
	if (soak_sha256_init(&h, err)) {
		free(block);
		soak_os_close(fd);
		return -1;
	}
	for (;;) {
		ptrdiff_t n = soak_os_read(fd, block, BLOCK);

		if (n < 0) {
			int e = errno;

			soak_sha256_free(&h);
			free(block);
			soak_os_close(fd);
			return soak_err_errno(err, e == EISDIR ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
			                      "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		if (soak_sha256_update(&h, block, (size_t)n, err)) {
			soak_sha256_free(&h);
			free(block);
			soak_os_close(fd);
			return -1;
		}
		total += (uint64_t)n;
	}
	free(block);
	soak_os_close(fd);
	if (size)
		*size = total;
	return soak_sha256_final(&h, hex, err);
}

int soak_sha256_is_hex(const char *s, size_t n)
{
	if (n != 2 * SOAK_SHA256_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}
