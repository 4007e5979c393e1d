/*
 * An archive restored by the cache (soak_cache_restore: checksum, then
 * soak_cache_tar_extract's staging, checks and merge) into a fresh workspace.
 *
 * The input is the entry's archive: a zstd or gzip stream as it is, or else a
 * tar, stored as it is (odd sizes) or compressed with zstd (even sizes). Each
 * input gets a new directory RUN (removed after) holding the workspace ws/ with
 * deps/a.txt, an empty sentinel directory outside/, a file secret, and a local
 * store with the entry (metadata that matches the archive, as a save writes it).
 * The restore has the paths "deps" (exists) and "../ext" (does not: staging
 * lands in RUN), a 256 KiB size limit and a ratio limit of 10.
 *
 * Invariants: the restore never fails (a bad archive is a miss with a warning);
 * nothing appears outside the targets (RUN holds only ws, outside, secret,
 * store and ext; the three directories above RUN hold only the way to it;
 * outside/ stays empty; secret keeps its bytes, mode and single link; ws holds
 * only deps, still a directory); no staging directory is left; and a miss
 * leaves the workspace as it was (every name, type, mode, size, link target,
 * file's bytes and time).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <zstd.h>

#include "fuzz_util.h"
#include "buf.h"
#include "cache.h"
#include "exitcode.h"
#include "hash.h"
#include "banned.h"

#define MAX_SIZE (256 * 1024)

static char run[512], ws[600];

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || close(fd) < 0)
		fuzz_fail("cannot write '%s'", path);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fuzz_fail("cannot create '%s'", path);
}

/* The names in dir, sorted, joined with '/'; "" when it cannot be read. */
static void names(const char *dir, char *out, size_t cap)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, ".."))
			len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "/%s",
			                        v[i]->d_name);
		free(v[i]);
	}
	if (n >= 0)
		free(v);
	if (len >= cap)
		fuzz_fail("too many names in '%s'", dir);
}

static void expect_names(const char *dir, const char *want)
{
	char got[4096];

	names(dir, got, sizeof(got));
	if (strcmp(got, want))
		fuzz_fail("'%s' holds '%s', not '%s'", dir, got, want);
}

/* ---- a listing of a tree (directory times left out: staging touches them) ---- */

static struct soak_buf *listing_buf;
static size_t listing_root;
static int staging_seen;

static int list_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char target[4096] = "", digest[65] = "";
	ssize_t n;

	(void)flag;
	(void)f;
	if (strstr(path, ".soak-cache-restore-"))
		staging_seen = 1;
	if (S_ISLNK(st->st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0)
		target[n] = '\0';
	if (S_ISREG(st->st_mode) && st->st_size <= MAX_SIZE) {
		struct soak_buf b;
		char block[4096];
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		soak_buf_init(&b, MAX_SIZE + 1);
		while (fd >= 0 && (n = read(fd, block, sizeof(block))) > 0)
			soak_buf_add(&b, block, (size_t)n);
		if (fd >= 0)
			close(fd);
		soak_sha256_buf(b.data ? b.data : "", b.len, digest, NULL);
		soak_buf_free(&b);
	}
	if (S_ISDIR(st->st_mode))
		soak_buf_addf(listing_buf, "%s d %o\n", path + listing_root,
		              (unsigned)st->st_mode & 07777);
	else
		soak_buf_addf(listing_buf, "%s %o %o %lld %lld.%09ld %lu %s %s\n",
		              path + listing_root, (unsigned)st->st_mode >> 12,
		              (unsigned)st->st_mode & 07777, (long long)st->st_size,
		              (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		              (unsigned long)st->st_nlink, target, digest);
	return 0;
}

/* Every object under dir, one line each, in nftw's order (readdir: stable while
 * nothing changes, which is what the comparison needs). */
static void listing(const char *dir, struct soak_buf *b)
{
	soak_buf_init(b, 64 * 1024 * 1024);
	listing_buf = b;
	listing_root = strlen(dir);
	nftw(dir, list_cb, 16, FTW_PHYS);
	soak_buf_adds(b, "");
}

/* ---- the entry ---- */

static void store_entry(const char *store, const char *version, int gzip, const void *blob,
                        size_t n)
{
	char path[1024], name[512], sha[65];
	cJSON *j = cJSON_CreateObject();
	char *body;

	if (soak_sha256_buf(blob, n, sha, NULL) < 0 || !j)
		fuzz_fail("cannot hash the archive");
	snprintf(name, sizeof(name), "%s/k.%.16s%s", version, sha, gzip ? ".tar.gz" : ".tar.zst");
	snprintf(path, sizeof(path), "%s/soak-cache-v1", store);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/soak-cache-v1/%s", store, version);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/soak-cache-v1/%s", store, name);
	write_file(path, blob, n);
	cJSON_AddNumberToObject(j, "schema", 1);
	cJSON_AddStringToObject(j, "key", "k");
	cJSON_AddStringToObject(j, "version", version);
	cJSON_AddStringToObject(j, "compression", gzip ? "gzip" : "zstd");
	cJSON_AddStringToObject(j, "archive", name);
	cJSON_AddStringToObject(j, "sha256", sha);
	cJSON_AddNumberToObject(j, "size", (double)n);
	cJSON_AddNumberToObject(j, "files", 1);
	cJSON_AddNumberToObject(j, "bytes", 1);
	cJSON_AddNumberToObject(j, "created_ns", 1e18);
	if (!(body = cJSON_PrintUnformatted(j)))
		fuzz_fail("out of memory");
	snprintf(path, sizeof(path), "%s/soak-cache-v1/%s/k.json", store, version);
	write_file(path, body, strlen(body));
	cJSON_free(body);
	cJSON_Delete(j);
}

static void setup(void)
{
	const char *base = fuzz_tree_dir();
	char path[700];

	snprintf(path, sizeof(path), "%s/o1", base);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/o1/o2", base);
	make_dir(path);
	snprintf(run, sizeof(run), "%s/o1/o2/run", base);
	if (mkdir(run, 0755) < 0)
		fuzz_fail("cannot create '%s' (left by the last input?)", run);
	snprintf(ws, sizeof(ws), "%s/ws", run);
	make_dir(ws);
	snprintf(path, sizeof(path), "%s/deps", ws);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/deps/a.txt", ws);
	write_file(path, "alpha\n", 6);
	snprintf(path, sizeof(path), "%s/outside", run);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/secret", run);
	write_file(path, "secret\n", 7);
	snprintf(path, sizeof(path), "%s/store", run);
	make_dir(path);
}

static void check_outside(void)
{
	char path[700], buf[16];
	struct stat st;
	ssize_t n;
	int fd;

	expect_names(fuzz_tree_dir(), "/o1");
	snprintf(path, sizeof(path), "%s/o1", fuzz_tree_dir());
	expect_names(path, "/o2");
	snprintf(path, sizeof(path), "%s/o1/o2", fuzz_tree_dir());
	expect_names(path, "/run");
	snprintf(path, sizeof(path), "%s/outside", run);
	expect_names(path, "");
	snprintf(path, sizeof(path), "%s/secret", run);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (n = read(fd, buf, sizeof(buf))) != 7 ||
	    memcmp(buf, "secret\n", 7) || st.st_nlink != 1 || (st.st_mode & 07777) != 0644)
		fuzz_fail("'%s' was changed or linked to", path);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char zmagic[4] = {0x28, (char)0xb5, 0x2f, (char)0xfd};
	const char *paths[] = {"deps", "../ext"};
	int zstd_in = size >= 4 && !memcmp(data, zmagic, 4);
	int gzip = !zstd_in && size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	struct soak_cache_opts o = {0};
	struct soak_cache_result res;
	struct soak_err err = {0};
	struct soak_buf before, after;
	char store[700], version[65], got[4096];
	void *blob = NULL;
	int refused;
	size_t n = size;
	int rc;

	setup();
	if (!zstd_in && !gzip && size % 2 == 0) {
		/* a tar, compressed as a save would */
		n = ZSTD_compressBound(size);
		if (!(blob = malloc(n)))
			fuzz_fail("out of memory");
		n = ZSTD_compress(blob, n, data, size, 1);
		if (ZSTD_isError(n))
			fuzz_fail("zstd: %s", ZSTD_getErrorName(n));
	}
	/* an uncompressed tar goes in as "gzip": the reader takes either */
	gzip |= !zstd_in && size % 2 == 1;
	snprintf(store, sizeof(store), "%s/store", run);
	o.store = store;
	o.root = ws;
	o.paths = paths;
	o.npaths = 2;
	o.compression = gzip ? SOAK_CACHE_GZIP : SOAK_CACHE_ZSTD;
	o.max_size = MAX_SIZE;
	o.max_ratio = 10;
	/* a window beyond 64 MiB is a miss: the default 2 GiB would outgrow -rss_limit_mb */
	o.max_memory = (uint64_t)64 << 20;
	if (soak_cache_version(&o, version, &err) < 0)
		fuzz_fail("version: %s", err.msg);
	store_entry(store, version, gzip, blob ? blob : data, n);
	free(blob);

	listing(ws, &before);
	rc = soak_cache_restore(&o, "k", NULL, 0, 0, &res, &err);
	/* the one refusal that is an error, not a miss: a window beyond --max-memory;
	 * like a miss, it leaves everything as it was */
	refused = rc < 0 && err.code == SOAK_EXIT_ENV && strstr(err.msg, "zstd window");
	if (rc < 0 && !refused)
		fuzz_fail("the restore failed (code %d): %s", err.code, err.msg);
	check_outside();
	names(run, got, sizeof(got));
	if (strcmp(got, "/ext/outside/secret/store/ws") && strcmp(got, "/outside/secret/store/ws"))
		fuzz_fail("'%s' holds '%s'", run, got);
	expect_names(ws, "/deps");
	staging_seen = 0;
	listing(ws, &after);
	if (!res.hit) {
		if (!refused && (!res.nwarnings || !strstr(res.warnings[0], "cannot be restored")))
			fuzz_fail("a miss without a warning");
		if (strcmp(soak_buf_str(&before), soak_buf_str(&after)))
			fuzz_fail("a miss changed the workspace:\n%s---\n%s", soak_buf_str(&before),
			          soak_buf_str(&after));
		if (!strcmp(got, "/ext/outside/secret/store/ws"))
			fuzz_fail("a miss left '../ext'");
	}
	{
		char ext[700];
		struct soak_buf b;

		snprintf(ext, sizeof(ext), "%s/ext", run);
		listing(ext, &b);
		soak_buf_free(&b);
	}
	if (staging_seen)
		fuzz_fail("a staging directory was left");
	soak_buf_free(&before);
	soak_buf_free(&after);
	soak_cache_result_free(&res);
	fuzz_rm_tree(run);
	return 0;
}
