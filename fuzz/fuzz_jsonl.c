/*
 * The JSON Lines reader and the schema check (jsonl.h), over a file holding the
 * input, as every program reads metrics.jsonl, samples.jsonl and events.jsonl.
 * Invariants: lines come without '\n', at most max_line long; after
 * soak_jsonl_repair the file is empty or ends in '\n', and it reads the same
 * complete lines as before, none partial.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "jsonl.h"
#include "banned.h"

#define MAX_LINE 512

/* Read every line; returns their count and a checksum of their bytes. */
static unsigned long read_all(const char *path, unsigned long *sum, int *partial)
{
	struct soak_jsonl_reader r;
	struct soak_err err;
	const char *line;
	size_t len;
	unsigned long n = 0;
	int rc;

	*sum = 0;
	if (soak_jsonl_reader_open(&r, path, MAX_LINE, &err) < 0)
		fuzz_fail("cannot open '%s': %s", path, err.msg);
	while ((rc = soak_jsonl_next(&r, &line, &len, &err)) == 1) {
		cJSON *o;

		n++;
		if (len > MAX_LINE || memchr(line, '\n', len) || line[len])
			fuzz_fail("line %lu: %zu bytes, or not cut at the newline", r.lineno, len);
		for (size_t i = 0; i < len; i++)
			*sum = *sum * 31 + (unsigned char)line[i];
		o = cJSON_ParseWithLength(line, len);
		if (o) {
			struct soak_err e2;

			memset(&e2, 0, sizeof(e2));
			if (soak_schema_check(o, "'metrics.jsonl'", &e2) < 0 && !e2.msg[0])
				fuzz_fail("schema refused without a message");
			cJSON_Delete(o);
		}
	}
	if (rc < 0)
		fuzz_fail("read error: %s", err.msg);
	*partial = r.partial;
	soak_jsonl_reader_close(&r);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = fuzz_file("metrics.jsonl", data, size);
	char path[200];
	unsigned long n1, n2, s1, s2;
	int part1, part2;
	size_t cut, want;
	struct soak_err err;

	snprintf(path, sizeof(path), "%s", p);
	n1 = read_all(path, &s1, &part1);
	if (soak_jsonl_repair(path, &cut, &err) < 0)
		fuzz_fail("repair failed: %s", err.msg);
	/* repair cuts exactly what follows the last '\n' (everything when there is none) */
	want = size;
	while (want > 0 && data[want - 1] != '\n')
		want--;
	want = size - want;
	if (cut != want)
		fuzz_fail("repair cut %zu bytes, expected %zu", cut, want);
	n2 = read_all(path, &s2, &part2);
	if (part2 || n1 != n2 || s1 != s2)
		fuzz_fail("after repair: %lu lines (partial %d), before %lu", n2, part2, n1);
	return 0;
}
