#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "logcap.h"
#include "buf.h"
#include "file.h"

static char *slurp(const char *path, size_t *len)
{
	struct soak_buf b;
	struct soak_err err;
	soak_buf_init(&b, 64 * 1024 * 1024);
	if (soak_file_read(path, &b, &err) < 0) {
		soak_buf_free(&b);
		return NULL;
	}
	return soak_buf_detach(&b, len);
}

int main(void)
{
	char tmpl[] = "/tmp/test_logcap.XXXXXX";
	char *dir = mkdtemp(tmpl);
	char path[256], tail[SOAK_LOGCAP_TAIL + 1];
	struct soak_logcap l;
	struct soak_err err;
	size_t len;
	char *s;

	CHECK(dir != NULL);
	snprintf(path, sizeof(path), "%s/a.log", dir);

	/* under the cap: the file is exactly what was written */
	CHECK_INT(soak_logcap_open(&l, path, 1024, &err), 0);
	soak_logcap_write(&l, "hello\n", 6);
	soak_logcap_write(&l, "world\n", 6);
	CHECK_INT(soak_logcap_dropped(&l), 0);
	CHECK_STR(soak_logcap_tail(&l, tail, sizeof(tail)), "hello\nworld\n");
	CHECK_INT(soak_logcap_close(&l, &err), 0);
	s = slurp(path, &len);
	CHECK_STR(s, "hello\nworld\n");
	free(s);

	/* over the cap: head 512, note, tail 512 */
	CHECK_INT(soak_logcap_open(&l, path, 1024, &err), 0);
	for (int i = 0; i < 100000; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %06d\n", i); /* 12 bytes */
		soak_logcap_write(&l, line, (size_t)n);
	}
	CHECK_INT(l.total, 1200000);
	CHECK_INT(soak_logcap_dropped(&l), 1200000 - 1024);
	CHECK_INT(soak_logcap_close(&l, &err), 0);
	s = slurp(path, &len);
	CHECK(s != NULL);
	if (s) {
		CHECK(!strncmp(s, "line 000000\nline 000001\n", 24));
		CHECK(strstr(s, "[soak-run: 1198976 bytes dropped here") != NULL);
		CHECK(len > 1024 && len < 1024 + 200);
		CHECK(!strcmp(s + len - 12, "line 099999\n"));
		free(s);
	}

	/* the tail ring keeps the last SOAK_LOGCAP_TAIL bytes across small writes */
	CHECK_INT(soak_logcap_open(&l, path, 0, &err), 0);
	for (int i = 0; i < 5000; i++)
		soak_logcap_write(&l, i % 2 ? "b" : "a", 1);
	soak_logcap_write(&l, "END", 3);
	soak_logcap_tail(&l, tail, sizeof(tail));
	CHECK_INT(strlen(tail), SOAK_LOGCAP_TAIL);
	CHECK(!strcmp(tail + SOAK_LOGCAP_TAIL - 3, "END"));
	CHECK_INT(soak_logcap_close(&l, &err), 0);

	/* no output, no file */
	CHECK_INT(soak_logcap_open(&l, path, 0, &err), 0);
	unlink(path);
	CHECK_INT(soak_logcap_close(&l, &err), 0);
	CHECK(access(path, F_OK) < 0);

	/* an unwritable path is an error with the path in it, reported at close */
	CHECK_INT(soak_logcap_open(&l, "/nonexistent-dir/x.log", 0, &err), 0);
	soak_logcap_write(&l, "x", 1);
	CHECK_INT(soak_logcap_close(&l, &err), -1);
	CHECK(strstr(err.msg, "/nonexistent-dir/x.log") != NULL);

	unlink(path);
	rmdir(dir);
	return check_done();
}
