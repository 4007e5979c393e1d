#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
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
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok;

	ok = h->ctx && EVP_DigestFinal_ex(h->ctx, md, &len) == 1 && len == SOAK_SHA256_LEN;
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
		EVP_MD_CTX_free(h->ctx);
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
	char block[65536];
	struct soak_sha256 h;
	uint64_t total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_INPUT, errno, "cannot open '%s'", path);
	if (soak_sha256_init(&h, err)) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, block, sizeof(block));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			soak_sha256_free(&h);
			close(fd);
			return soak_err_errno(err, e == EISDIR ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, e,
			                      "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		if (soak_sha256_update(&h, block, (size_t)n, err)) {
			close(fd);
			soak_sha256_free(&h);
			return -1;
		}
		total += (uint64_t)n;
	}
	close(fd);
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
