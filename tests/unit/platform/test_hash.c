/* Unit tests of hash.h: SHA-256 test vectors (FIPS 180-2), incremental, files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exitcode.h"
#include "hash.h"
#include "banned.h"

int main(void)
{
	char hex[SOAK_SHA256_HEX_LEN], path[] = "/tmp/soak-test-hash-XXXXXX";
	struct soak_err err = {0};
	struct soak_sha256 h;
	uint64_t size = 99;
	char *big;
	FILE *f;
	int fd;

	CHECK_INT(soak_sha256_buf("", 0, hex, &err), 0);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_INT(soak_sha256_buf("abc", 3, hex, &err), 0);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* incremental over the 56-byte vector, in uneven pieces */
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
	}
	/* a file of one million 'a': the FIPS long vector, read in blocks */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	big = malloc(1000000);
	memset(big, 'a', 1000000);
	f = fdopen(fd, "w");
	CHECK_INT(fwrite(big, 1, 1000000, f), 1000000);
	CHECK_INT(fclose(f), 0);
	CHECK_INT(soak_sha256_file(path, hex, &size, &err), 0);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	CHECK_INT(size, 1000000);
	free(big);
	unlink(path);
	/* a missing file is an input error naming it */
	CHECK_INT(soak_sha256_file(path, hex, NULL, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK(strstr(err.msg, "cannot open '/tmp/soak-test-hash-") != NULL);
	CHECK(strstr(err.msg, "No such file or directory") != NULL);
	/* a directory cannot be hashed */
	CHECK_INT(soak_sha256_file("/tmp", hex, NULL, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_INT(soak_sha256_is_hex(
	              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64),
	          1);
	CHECK_INT(soak_sha256_is_hex(
	              "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", 64),
	          1);
	CHECK_INT(soak_sha256_is_hex(
	              "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64),
	          0);
	CHECK_INT(soak_sha256_is_hex("e3b0", 4), 0);
	return check_done();
}
