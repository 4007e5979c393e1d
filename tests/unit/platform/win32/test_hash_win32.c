/*
 * Unit tests of hash.h on Windows (win32/hash.c, BCrypt): FIPS 180-2 vectors,
 * incremental hashing, a 1 MiB file against sha256sum, and the error classes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exitcode.h"
#include "hash.h"
#include "os.h"
#include "win32.h"
#include "banned.h"

/* sha256sum of the 1 MiB file below, computed on Linux (python3 hashlib agrees). */
#define MIB_SHA256 "06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286"

int main(void)
{
	char hex[SOAK_SHA256_HEX_LEN], path[MAX_PATH * 3], dir[MAX_PATH * 3];
	struct soak_err err = {0};
	struct soak_sha256 h;
	uint64_t size = 99;
	unsigned char *big;
	wchar_t wt[MAX_PATH];
	char *tmp;
	int fd;

	CHECK_INT(soak_sha256_buf("", 0, hex, &err), 0);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_INT(soak_sha256_buf("abc", 3, hex, &err), 0);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	{
		const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

		CHECK_INT(soak_sha256_init(&h, &err), 0);
		CHECK_INT(soak_sha256_update(&h, m, 5, &err), 0);
		CHECK_INT(soak_sha256_update(&h, m + 5, 0, &err), 0);
		CHECK_INT(soak_sha256_update(&h, m + 5, strlen(m) - 5, &err), 0);
		CHECK_INT(soak_sha256_final(&h, hex, &err), 0);
		CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
		CHECK(h.ctx == NULL);
		soak_sha256_free(&h); /* harmless after final */
		CHECK_INT(soak_sha256_update(&h, m, 1, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_ENV);
	}
	/* an unfinished digest is freed */
	CHECK_INT(soak_sha256_init(&h, &err), 0);
	CHECK_INT(soak_sha256_update(&h, "x", 1, &err), 0);
	soak_sha256_free(&h);
	CHECK(h.ctx == NULL);

	if (!GetTempPathW(MAX_PATH, wt) || !(tmp = soak_w32_utf8(wt, (size_t)-1))) {
		fprintf(stderr, "no temporary directory\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%ssoak-hash-XXXXXX", tmp);
	free(tmp);
	CHECK_INT(soak_os_mkdtemp(dir), 0);
	/* a 1 MiB file, byte i = i * 31 + 7, through a non-ASCII name */
	snprintf(path, sizeof(path), "%s\\d\xc3\xa9j\xc3\xa0 vu.bin", dir);
	big = malloc(1 << 20);
	CHECK(big != NULL);
	if (big) {
		for (size_t i = 0; i < (1u << 20); i++)
			big[i] = (unsigned char)(i * 31 + 7);
		fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT | SOAK_O_EXCL, 0644);
		CHECK(fd >= 0);
		CHECK_INT(soak_os_write_all(fd, big, 1 << 20), 0);
		CHECK_INT(soak_os_close(fd), 0);
		CHECK_INT(soak_sha256_file(path, hex, &size, &err), 0);
		CHECK_STR(hex, MIB_SHA256);
		CHECK_INT(size, 1 << 20);
		CHECK_INT(soak_sha256_buf(big, 1 << 20, hex, &err), 0);
		CHECK_STR(hex, MIB_SHA256);
		free(big);
		CHECK_INT(soak_sha256_file(path, hex, NULL, &err), 0);
		CHECK_INT(soak_os_unlink(path), 0);
	}
	/* an empty file */
	snprintf(path, sizeof(path), "%s\\empty", dir);
	fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_CREAT, 0644);
	CHECK(fd >= 0);
	soak_os_close(fd);
	CHECK_INT(soak_sha256_file(path, hex, &size, &err), 0);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_INT(size, 0);
	CHECK_INT(soak_os_unlink(path), 0);
	/* missing file and directory: input errors */
	memset(&err, 0, sizeof(err));
	CHECK_INT(soak_sha256_file(path, hex, &size, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK(strstr(err.msg, "cannot open") != NULL);
	memset(&err, 0, sizeof(err));
	CHECK_INT(soak_sha256_file(dir, hex, &size, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_INT(soak_os_rmdir(dir), 0);

	CHECK(soak_sha256_is_hex(MIB_SHA256, 64));
	CHECK(soak_sha256_is_hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	                         64));
	CHECK(!soak_sha256_is_hex(MIB_SHA256, 63));
	CHECK(!soak_sha256_is_hex(
	    "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64));
	return check_done();
}
