/* Unit tests of arch.h: write each format, read it back with every field; the
 * bytes do not depend on the time of writing; bad input is reported. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
#include "arch.h"
#include "exitcode.h"
#include "banned.h"

static char dir[] = "/tmp/soak-test-archive-XXXXXX";

static char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* 1 when the two files have the same bytes. */
static int same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb, ca, cb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void write_one(const char *out, enum soak_archive_format f)
{
	struct soak_archive_writer *w = NULL;
	struct soak_err err = {0};
	struct soak_archive_entry d = {
	    .path = "top/", .type = SOAK_ARCHIVE_DIR, .mode = 0755, .mtime = 1700000000};
	struct soak_archive_entry e = {.path = "top/a.txt",
	                               .type = SOAK_ARCHIVE_FILE,
	                               .mode = 0640,
	                               .mtime = 1700000001,
	                               .uid = 1000,
	                               .gid = 100,
	                               .uname = "alice",
	                               .gname = "users",
	                               .size = 5};
	struct soak_archive_entry x = {.path = "top/run.sh",
	                               .type = SOAK_ARCHIVE_FILE,
	                               .mode = 0755,
	                               .mtime = 1700000002,
	                               .size = 3};
	struct soak_archive_entry l = {.path = "top/link",
	                               .type = SOAK_ARCHIVE_SYMLINK,
	                               .mode = 0777,
	                               .mtime = 1700000003,
	                               .link = "a.txt"};
	int fd = open(path("src.sh"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK_INT(write(fd, "ls\n", 3), 3);
	close(fd);
	CHECK_INT(soak_archive_writer_open(&w, out, f, NULL, &err), 0);
	CHECK_INT(soak_archive_write_header(w, &d, &err), 0);
	CHECK_INT(soak_archive_write_header(w, &e, &err), 0);
	CHECK_INT(soak_archive_write_data(w, "hello", 5, &err), 0);
	CHECK_INT(soak_archive_write_file(w, &x, path("src.sh"), &err), 0);
	CHECK_INT(soak_archive_write_header(w, &l, &err), 0);
	CHECK_INT(soak_archive_writer_close(w, &err), 0);
}

static void read_back(const char *in, enum soak_archive_format f)
{
	struct soak_archive_reader *r = NULL;
	struct soak_archive_entry e;
	struct soak_err err = {0};
	char buf[64];

	CHECK_INT(soak_archive_reader_open(&r, in, &err), 0);
	if (!r)
		return;
	CHECK_INT(soak_archive_reader_next(r, &e, &err), 1);
	CHECK_STR(e.path, "top/");
	CHECK_INT(e.type, SOAK_ARCHIVE_DIR);
	CHECK_INT(e.mode, 0755);
	CHECK_INT(e.mtime, 1700000000);
	CHECK_INT(soak_archive_reader_next(r, &e, &err), 1);
	CHECK_STR(e.path, "top/a.txt");
	CHECK_INT(e.type, SOAK_ARCHIVE_FILE);
	CHECK_INT(e.mode, 0640);
	CHECK_INT(e.mtime, 1700000001);
	CHECK_INT(e.size, 5);
	CHECK_INT(e.uid, 1000);
	CHECK_INT(e.gid, 100);
	if (f != SOAK_ARCHIVE_ZIP) {
		CHECK_STR(e.uname, "alice");
		CHECK_STR(e.gname, "users");
	}
	CHECK_INT(soak_archive_reader_read(r, buf, sizeof(buf), &err), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_INT(soak_archive_reader_read(r, buf, sizeof(buf), &err), 0);
	CHECK_INT(soak_archive_reader_next(r, &e, &err), 1);
	CHECK_STR(e.path, "top/run.sh");
	CHECK_INT(e.mode, 0755);
	CHECK_INT(e.size, 3);
	CHECK_INT(soak_archive_reader_read(r, buf, sizeof(buf), &err), 3);
	CHECK(!memcmp(buf, "ls\n", 3));
	CHECK_INT(soak_archive_reader_next(r, &e, &err), 1);
	CHECK_STR(e.path, "top/link");
	CHECK_INT(e.type, SOAK_ARCHIVE_SYMLINK);
	CHECK_STR(e.link, "a.txt");
	CHECK_INT(soak_archive_reader_next(r, &e, &err), 0);
	soak_archive_reader_close(r);
}

int main(void)
{
	static const enum soak_archive_format fmts[] = {SOAK_ARCHIVE_TAR, SOAK_ARCHIVE_TAR_GZ,
	                                                SOAK_ARCHIVE_TAR_ZST, SOAK_ARCHIVE_ZIP};
	struct soak_err err = {0};
	enum soak_archive_format f;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(soak_archive_format_parse("tgz", &f, &err), 0);
	CHECK_INT(f, SOAK_ARCHIVE_TAR_GZ);
	CHECK_INT(soak_archive_format_parse("tar.zst", &f, &err), 0);
	CHECK_INT(f, SOAK_ARCHIVE_TAR_ZST);
	CHECK_STR(soak_archive_format_ext(f), ".tar.zst");
	CHECK_STR(soak_archive_format_name(SOAK_ARCHIVE_ZIP), "zip");
	CHECK_INT(soak_archive_format_parse("7z", &f, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "unknown archive format '7z' (tar, tar.gz, tar.zst or zip)");

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		write_one(path("one"), fmts[i]);
		read_back(path("one"), fmts[i]);
		sleep(fmts[i] == SOAK_ARCHIVE_TAR_GZ ? 1 : 0); /* the gzip header has no time */
		write_one(path("two"), fmts[i]);
		CHECK(same_bytes(path("one"), path("two")));
	}
	/* a file that changes size under the writer */
	{
		struct soak_archive_writer *w = NULL;
		struct soak_archive_entry e = {
		    .path = "x", .type = SOAK_ARCHIVE_FILE, .mode = 0644, .size = 10};

		CHECK_INT(
		    soak_archive_writer_open(&w, path("bad.tar"), SOAK_ARCHIVE_TAR, NULL, &err), 0);
		CHECK_INT(soak_archive_write_file(w, &e, path("src.sh"), &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_INPUT);
		CHECK(strstr(err.msg, "changed size while it was archived") != NULL);
		soak_archive_writer_free(w);
	}
	/* reading what is not an archive */
	{
		struct soak_archive_reader *r = NULL;

		CHECK_INT(soak_archive_reader_open(&r, path("src.sh"), &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_INPUT);
		CHECK(strstr(err.msg, "cannot read archive '") != NULL);
		CHECK_INT(soak_archive_reader_open(&r, path("nothing"), &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_INPUT);
		CHECK(strstr(err.msg, "No such file or directory") != NULL);
		CHECK_INT(soak_archive_reader_open(&r, dir, &err), -1);
		CHECK(strstr(err.msg, "is a directory, not an archive") != NULL);
		struct soak_archive_writer *w = NULL;

		CHECK_INT(soak_archive_writer_open(&w, "/nonexistent-dir/x.tar", SOAK_ARCHIVE_TAR,
		                                   NULL, &err),
		          -1);
		CHECK(w == NULL);
		CHECK_INT(err.code, SOAK_EXIT_ENV);
	}
	unlink(path("one"));
	unlink(path("two"));
	unlink(path("bad.tar"));
	unlink(path("src.sh"));
	rmdir(dir);
	return check_done();
}
