/* What every SHA-256 implementation shares: buffers, files (through os.h), hex. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "hash.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

void soak_sha256_hex_of(const unsigned char md[SOAK_SHA256_LEN], char hex[SOAK_SHA256_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < SOAK_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SOAK_SHA256_LEN] = '\0';
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
