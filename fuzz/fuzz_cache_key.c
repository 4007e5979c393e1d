/*
 * Cache keys and restore keys (cache.h): soak_cache_check_key, the store names
 * of soak_cache_key_name, and the lookup of soak_cache_restore (exact key, then
 * restore keys as prefixes, the newest entry winning) in a local store.
 *
 * The input is lines: "+KEY" an entry saved under KEY, "-KEY" an entry under
 * KEY whose metadata is damaged, "?PREFIX" a restore key (in order), any other
 * line the key to restore (the first; "k" when there is none). Every line goes
 * through the key check.
 *
 * Invariants: a key is accepted exactly when it is not empty, has no comma and
 * has at most 512 characters (a character: a UTF-8 sequence, or any byte that
 * is not part of one), else refused as a usage error with a message; a store
 * name uses only [A-Za-z0-9_~-], is the key escaped when that has at most 160
 * bytes and else a head of it (whole escapes, 126 to 128 bytes), "~~" and 32 hex
 * digits; the restore (lookup only) finds what a model of actions/cache's
 * semantics finds, by key and whether it was exact, and refuses a bad key or
 * restore key as a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "cache.h"
#include "exitcode.h"
#include "banned.h"

#define MAX_ENTRIES 8
#define MAX_RESTORE 8
#define T0 1700000000 /* the entries' times, in seconds */

/* Characters as the key rule counts them: a lead byte with the continuation
 * bytes it announces is one, any other byte is one. */
static size_t chars(const char *s)
{
	size_t n = 0;
	int more = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (more && (*p & 0xc0) == 0x80) {
			more--;
			continue;
		}
		n++;
		more = *p >= 0xf0 && *p < 0xf8   ? 3
		       : *p >= 0xe0 && *p < 0xf0 ? 2
		       : *p >= 0xc0 && *p < 0xe0 ? 1
		                                 : 0;
	}
	return n;
}

static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static char *escaped(const char *s)
{
	char *out = malloc(3 * strlen(s) + 1), *q = out;

	if (!out)
		fuzz_fail("out of memory");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (plain(*p))
			*q++ = (char)*p;
		else
			q += snprintf(q, 4, "~%02x", *p);
	}
	*q = '\0';
	return out;
}

/* Check the key rule and the store name; 1 when the key is valid. */
static int check(const char *key)
{
	struct soak_err err = {0};
	size_t len = strlen(key), n = chars(key);
	int want = len && !strchr(key, ',') && n <= SOAK_CACHE_KEY_MAX;
	char *name, *esc;
	size_t nl, el;

	if (soak_cache_check_key(key, "key", &err) < 0) {
		if (want)
			fuzz_fail("key of %zu bytes, %zu characters refused: %s", len, n, err.msg);
		if (err.code != SOAK_EXIT_USAGE || !err.msg[0])
			fuzz_fail("key refused with code %d, message '%s'", err.code, err.msg);
		return 0;
	}
	if (!want || len > 4 * SOAK_CACHE_KEY_MAX)
		fuzz_fail("key of %zu bytes, %zu characters, comma %d accepted", len, n,
		          strchr(key, ',') != NULL);
	name = soak_cache_key_name(key);
	esc = escaped(key);
	if (!name)
		fuzz_fail("no store name");
	nl = strlen(name);
	el = strlen(esc);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~") != nl)
		fuzz_fail("store name '%s' has other bytes", name);
	if (el <= 160) {
		if (strcmp(name, esc))
			fuzz_fail("store name '%s' for '%s'", name, esc);
	} else {
		const char *dbl = strstr(name, "~~");
		size_t head = dbl ? (size_t)(dbl - name) : 0;

		if (!dbl || head < 126 || head > 128 || strncmp(name, esc, head) ||
		    (esc[head] != '~' && !plain((unsigned char)esc[head])) ||
		    (head >= 1 && esc[head - 1] == '~') || (head >= 2 && esc[head - 2] == '~') ||
		    nl != head + 2 + 32 || strspn(dbl + 2, "0123456789abcdef") != 32)
			fuzz_fail("store name '%s' for a long key '%s'", name, esc);
	}
	free(name);
	free(esc);
	return 1;
}

struct entry {
	const char *key;
	int damaged;
	int64_t sec, created;
};

/* An entry's metadata, in DIR/soak-cache-v1/VERSION/NAME.json as a save writes it
 * (or a damaged one); 0 when one is there already (keys are immutable). */
static int put(const char *store, const char *version, const struct entry *e)
{
	char path[1024], blob[512], *name = soak_cache_key_name(e->key), *body;
	struct timespec t[2] = {{e->sec, 0}, {e->sec, 0}};
	cJSON *j = cJSON_CreateObject();
	size_t n;
	int fd;

	if (!name || !j)
		fuzz_fail("out of memory");
	snprintf(path, sizeof(path), "%s/soak-cache-v1/%s/%s.json", store, version, name);
	snprintf(blob, sizeof(blob), "%s/%s.%.16s.tar.zst", version, name, version);
	cJSON_AddNumberToObject(j, "schema", 1);
	cJSON_AddStringToObject(j, "key", e->key);
	cJSON_AddStringToObject(j, "version", version);
	cJSON_AddStringToObject(j, "compression", "zstd");
	cJSON_AddStringToObject(j, "archive", blob);
	cJSON_AddStringToObject(j, "sha256", version);
	cJSON_AddNumberToObject(j, "size", 1);
	cJSON_AddNumberToObject(j, "files", 1);
	cJSON_AddNumberToObject(j, "bytes", 1);
	cJSON_AddNumberToObject(j, "created_ns", (double)e->created);
	if (!(body = cJSON_PrintUnformatted(j)))
		fuzz_fail("out of memory");
	n = e->damaged ? strlen(body) / 2 : strlen(body);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		fuzz_fail("cannot create '%s'", path);
	if (fd >= 0) {
		if (write(fd, body, n) != (ssize_t)n)
			fuzz_fail("cannot write '%s'", path);
		close(fd);
		utimensat(AT_FDCWD, path, t, 0);
	}
	cJSON_free(body);
	cJSON_Delete(j);
	free(name);
	return fd >= 0;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size), *line, *next, store[256], dir[512], version[65];
	const char *key = NULL, *restore[MAX_RESTORE], *want = NULL, *paths[] = {"deps"};
	struct entry ents[MAX_ENTRIES];
	int stored[MAX_ENTRIES] = {0}, valid = 1, exact = 0, rc;
	size_t nents = 0, nrestore = 0;
	struct soak_cache_opts o = {0};
	struct soak_cache_result res;
	struct soak_err err = {0};

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		check(line);
		if ((line[0] == '+' || line[0] == '-') && nents < MAX_ENTRIES) {
			if (check(line + 1)) {
				struct entry *e = &ents[nents++];

				e->key = line + 1;
				e->damaged = line[0] == '-';
				e->sec = T0 + (unsigned char)line[strlen(line) - 1] % 3;
				e->created = (int64_t)nents * 1000;
			}
		} else if (line[0] == '?' && nrestore < MAX_RESTORE) {
			restore[nrestore++] = line + 1;
			valid &= check(line + 1);
		} else if (line[0] != '+' && line[0] != '-' && line[0] != '?' && !key) {
			key = line;
		}
	}
	if (!key)
		key = "k";
	valid &= check(key);

	/* a local store with the entries, for paths "deps" with zstd */
	snprintf(store, sizeof(store), "%s/store-XXXXXX", fuzz_tree_dir());
	if (!mkdtemp(store))
		fuzz_fail("cannot create a store");
	o.store = store;
	o.root = fuzz_tree_dir();
	o.paths = paths;
	o.npaths = 1;
	if (soak_cache_version(&o, version, &err) < 0 || strlen(version) != 64)
		fuzz_fail("version: %s", err.msg);
	snprintf(dir, sizeof(dir), "%s/soak-cache-v1", store);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/soak-cache-v1/%s", store, version);
	mkdir(dir, 0755);
	for (size_t i = 0; i < nents; i++)
		stored[i] = put(store, version, &ents[i]) && !ents[i].damaged;

	/* the model: the exact key, else the first restore key that prefixes an entry */
	for (size_t i = 0; i < nents && !want; i++)
		if (stored[i] && !strcmp(ents[i].key, key))
			want = key, exact = 1;
	for (size_t r = 0; r < nrestore && !want; r++) {
		const struct entry *best = NULL;

		for (size_t i = 0; i < nents; i++)
			if (stored[i] && starts(ents[i].key, restore[r]) &&
			    (!best || ents[i].sec > best->sec ||
			     (ents[i].sec == best->sec && ents[i].created > best->created)))
				best = &ents[i];
		if (best)
			want = best->key;
	}

	rc = soak_cache_restore(&o, key, restore, nrestore, 1, &res, &err);
	if (!valid) {
		if (rc != -1 || err.code != SOAK_EXIT_USAGE || !err.msg[0])
			fuzz_fail("a bad key or restore key: %d, code %d, '%s'", rc, err.code,
			          err.msg);
	} else {
		if (rc < 0)
			fuzz_fail("restore failed: %s", err.msg);
		if (!want != !res.hit || (want && strcmp(want, res.matched_key)) ||
		    res.exact != exact)
			fuzz_fail(
			    "restore found '%s' (hit %d, exact %d), the model '%s' (exact %d)",
			    res.matched_key ? res.matched_key : "", res.hit, res.exact,
			    want ? want : "", exact);
		if (strcmp(res.version, version))
			fuzz_fail("version %s, not %s", res.version, version);
		soak_cache_result_free(&res);
	}
	fuzz_rm_tree(store);
	free(text);
	return 0;
}
