/* The cache's pure parts: key rules, store names, lexical paths, globs, versions. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_int.h"
#include "exitcode.h"
#include "check.h"
#include "banned.h"

static void check_name(const char *key, const char *want)
{
	char *n = soak_cache_key_name(key);

	CHECK_STR(n, want);
	free(n);
}

static void check_norm(const char *in, const char *want)
{
	char *n = soak_cache_path_norm(in);

	CHECK_STR(n, want);
	free(n);
}

static void check_rel(const char *root, const char *abs, const char *want)
{
	char *r = soak_cache_path_rel(root, abs);

	CHECK_STR(r, want);
	free(r);
}

int main(void)
{
	struct soak_err err = {0};
	char key[600], v1[65], v2[65], v3[65], v4[65];
	const char *p1[] = {"node_modules", "~/.npm"}, *p2[] = {"node_modules"};
	struct soak_cache_opts o = {0};
	char *n;

	/* keys */
	CHECK_INT(soak_cache_check_key("npm-linux-abc", "key", &err), 0);
	CHECK_INT(soak_cache_check_key("", "key", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_STR(err.msg, "the key is empty");
	CHECK_INT(soak_cache_check_key("a,b", "restore key", &err), -1);
	CHECK_STR(err.msg, "the restore key 'a,b' has a comma; commas are not allowed");
	memset(key, 'k', 512);
	key[512] = '\0';
	CHECK_INT(soak_cache_check_key(key, "key", &err), 0);
	key[512] = 'k';
	key[513] = '\0';
	CHECK_INT(soak_cache_check_key(key, "key", &err), -1);
	CHECK_STR(err.msg, "the key has 513 characters; at most 512 are allowed");
	memset(key, 'k', 512); /* a byte outside a UTF-8 sequence is a character too */
	key[200] = (char)0xad;
	key[512] = 'k';
	key[513] = '\0';
	CHECK_INT(soak_cache_check_key(key, "key", &err), -1);
	CHECK_STR(err.msg, "the key has 513 characters; at most 512 are allowed");
	for (int i = 0; i < 128; i++) /* 4-byte sequences: 128 characters */
		memcpy(key + 4 * i, "\xf0\x9f\x94\x91", 4);
	key[512] = '\0';
	CHECK_INT(soak_cache_check_key(key, "key", &err), 0);

	/* store names: plain bytes kept, others ~XX; long ones a head and a hash */
	check_name("npm-linux_1", "npm-linux_1");
	check_name("a.b/c d~", "a~2eb~2fc~20d~7e");
	check_name("é", "~c3~a9");
	memset(key, 'x', 300);
	key[300] = '\0';
	n = soak_cache_key_name(key);
	CHECK(n && strlen(n) == 128 + 2 + 32);
	CHECK(n && !strncmp(n, key, 128) && !strncmp(n + 128, "~~", 2));
	free(n);
	memset(key, '.', 100); /* escapes are never cut in half */
	key[100] = '\0';
	n = soak_cache_key_name(key);
	CHECK(n && strlen(n) == 126 + 2 + 32);
	free(n);

	/* lexical paths */
	check_norm("/a/./b//c/", "/a/b/c");
	check_norm("/a/b/../../..", "/");
	check_norm("/a/b/../c", "/a/c");
	check_rel("/w/ws", "/w/ws/a/b", "a/b");
	check_rel("/w/ws", "/w/ws", ".");
	check_rel("/w/ws", "/home/u/.npm", "../../home/u/.npm");
	check_rel("/w/ws", "/w", "..");
	check_rel("/w/ws", "/w/wsx", "../wsx");
	check_rel("/", "/etc", "etc");

	/* globs: * within a component, ** across, dot files matched */
	CHECK(soak_cache_glob_match("/w/*.txt", "/w/a.txt"));
	CHECK(!soak_cache_glob_match("/w/*.txt", "/w/d/a.txt"));
	CHECK(soak_cache_glob_match("/w/**/*.txt", "/w/d/e/a.txt"));
	CHECK(soak_cache_glob_match("/w/**/*.txt", "/w/a.txt"));
	CHECK(soak_cache_glob_match("/w/*", "/w/.hidden"));
	CHECK(soak_cache_glob_match("/w/[ab]?", "/w/bz"));
	CHECK(!soak_cache_glob_match("/w/[ab]?", "/w/cz"));

	/* versions: paths (as given), compression and OS */
	o.paths = p1;
	o.npaths = 2;
	CHECK_INT(soak_cache_version(&o, v1, &err), 0);
	o.paths = p2;
	o.npaths = 1;
	CHECK_INT(soak_cache_version(&o, v2, &err), 0);
	o.compression = SOAK_CACHE_GZIP;
	CHECK_INT(soak_cache_version(&o, v3, &err), 0);
	o.cross_os = 1;
	CHECK_INT(soak_cache_version(&o, v4, &err), 0);
	CHECK(strlen(v1) == 64 && strcmp(v1, v2) && strcmp(v2, v3) && strcmp(v3, v4));
	o.paths = (const char *[]){"  node_modules  ", ""};
	o.npaths = 2;
	o.compression = SOAK_CACHE_ZSTD;
	o.cross_os = 0;
	CHECK_INT(soak_cache_version(&o, v3, &err), 0);
	CHECK_STR(v3, v2); /* blanks and empty lines do not count */
	return check_done();
}
