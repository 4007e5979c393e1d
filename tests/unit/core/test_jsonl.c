#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "jsonl.h"
#include "file.h"
#include "msg.h"
#include "exitcode.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-jsonl-XXXXXX";

static char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void put(const char *p, const char *data, size_t n)
{
	FILE *f = fopen(p, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(data, 1, n, f), n);
	CHECK_INT(fclose(f), 0);
}

static void add(const char *p, const char *data)
{
	FILE *f = fopen(p, "ab");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(data, f);
	CHECK_INT(fclose(f), 0);
}

static char *slurp(const char *p)
{
	static struct soak_buf b;
	struct soak_err err;

	soak_buf_free(&b);
	soak_buf_init(&b, 1 << 24);
	if (!p)
		return NULL;
	if (soak_file_read(p, &b, &err) < 0)
		return NULL;
	return b.data;
}

static void test_writer(void)
{
	struct soak_jsonl_writer w;
	struct soak_err err = {0};
	cJSON *o = cJSON_CreateObject();

	CHECK_INT(soak_jsonl_open(&w, path("m.jsonl"), &err), 0);
	CHECK(w.fd >= 0);
	CHECK(fcntl(w.fd, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(w.fd, F_GETFL) & O_APPEND);
	cJSON_AddStringToObject(o, "schema", "1.0");
	cJSON_AddNumberToObject(o, "iteration", 1);
	cJSON_AddStringToObject(o, "msg", "two\nlines");
	CHECK_INT(soak_jsonl_append(&w, o, &err), 0);
	CHECK_INT(soak_jsonl_append_raw(&w, "{\"x\":2}", 7, &err), 0);
	CHECK_STR(slurp(path("m.jsonl")),
	          "{\"schema\":\"1.0\",\"iteration\":1,\"msg\":\"two\\nlines\"}\n{\"x\":2}\n");

	/* a record must be one line */
	err.code = 0;
	CHECK_INT(soak_jsonl_append_raw(&w, "{}\n{}", 5, &err), -1);
	CHECK(err.code != 0);
	CHECK(strstr(err.msg, "contains a newline") != NULL);

	/* a long record still goes out as one line */
	char *big = malloc(100001);
	memset(big, 'z', 100000);
	big[0] = '"';
	big[99999] = '"';
	big[100000] = '\0';
	CHECK_INT(soak_jsonl_append_raw(&w, big, 100000, &err), 0);
	free(big);
	soak_jsonl_close(&w);
	CHECK_INT(w.fd, -1);
	CHECK(w.path == NULL);
	soak_jsonl_close(&w); /* twice is harmless */

	/* reopening appends */
	CHECK_INT(soak_jsonl_open(&w, path("m.jsonl"), &err), 0);
	CHECK_INT(soak_jsonl_append_raw(&w, "{}", 2, &err), 0);
	soak_jsonl_close(&w);
	struct stat st;
	CHECK_INT(stat(path("m.jsonl"), &st), 0);
	CHECK_INT(st.st_size, 50 + 8 + 100001 + 3);

	/* writing to a closed writer fails cleanly */
	CHECK_INT(soak_jsonl_append(&w, o, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);

	err.code = 0;
	CHECK_INT(soak_jsonl_open(&w, path("none/m.jsonl"), &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	char want[600];
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory",
	         path("none/m.jsonl"));
	CHECK_STR(err.msg, want);
	CHECK_INT(w.fd, -1);
	cJSON_Delete(o);

	/* /dev/full: the error names the cause */
	if (soak_jsonl_open(&w, "/dev/full", &err) == 0) {
		CHECK_INT(soak_jsonl_append_raw(&w, "{}", 2, &err), -1);
		CHECK_INT(err.code, SOAK_EXIT_ENV);
		CHECK_STR(err.msg, "cannot write '/dev/full': No space left on device");
		soak_jsonl_close(&w);
	}
}

/* Several processes appending at once: every line arrives whole. */
static void test_concurrent(void)
{
	const int procs = 4, lines = 500;
	struct soak_jsonl_reader r;
	struct soak_err err;
	const char *line;
	size_t len;
	int counts[4] = {0}, bad = 0, total = 0;

	for (int p = 0; p < procs; p++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct soak_jsonl_writer w;
			char rec[2048];
			if (soak_jsonl_open(&w, path("c.jsonl"), &err) < 0)
				_exit(1);
			for (int i = 0; i < lines; i++) {
				int n = snprintf(rec, sizeof(rec), "{\"p\":%d,\"i\":%d,\"pad\":\"",
				                 p, i);
				memset(rec + n, 'a' + p, 1500);
				n += 1500;
				n += snprintf(rec + n, sizeof(rec) - (size_t)n, "\"}");
				if (soak_jsonl_append_raw(&w, rec, (size_t)n, &err) < 0)
					_exit(1);
			}
			soak_jsonl_close(&w);
			_exit(0);
		}
	}
	for (int p = 0; p < procs; p++) {
		int status;
		CHECK(wait(&status) > 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_INT(soak_jsonl_reader_open(&r, path("c.jsonl"), 4096, &err), 0);
	while (soak_jsonl_next(&r, &line, &len, &err) == 1) {
		cJSON *j = cJSON_ParseWithLength(line, len);
		cJSON *p = j ? cJSON_GetObjectItem(j, "p") : NULL;
		total++;
		if (!cJSON_IsNumber(p) || p->valueint < 0 || p->valueint >= procs)
			bad++;
		else
			counts[p->valueint]++;
		cJSON_Delete(j);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(total, procs * lines);
	for (int p = 0; p < procs; p++)
		CHECK_INT(counts[p], lines);
	CHECK_INT(r.partial, 0);
	soak_jsonl_reader_close(&r);
}

static void test_repair(void)
{
	struct soak_err err = {0};
	size_t cut = 99;

	put(path("r1"), "{\"a\":1}\n{\"b\":2}\n{\"c\":", 21);
	CHECK_INT(soak_jsonl_repair(path("r1"), &cut, &err), 0);
	CHECK_INT(cut, 5);
	CHECK_STR(slurp(path("r1")), "{\"a\":1}\n{\"b\":2}\n");
	/* repairing a sound file changes nothing */
	CHECK_INT(soak_jsonl_repair(path("r1"), &cut, &err), 0);
	CHECK_INT(cut, 0);
	CHECK_STR(slurp(path("r1")), "{\"a\":1}\n{\"b\":2}\n");

	/* nothing but a partial line */
	put(path("r2"), "{\"half", 6);
	CHECK_INT(soak_jsonl_repair(path("r2"), &cut, &err), 0);
	CHECK_INT(cut, 6);
	CHECK_STR(slurp(path("r2")), "");

	/* empty and missing files are fine */
	put(path("r3"), "", 0);
	cut = 99;
	CHECK_INT(soak_jsonl_repair(path("r3"), &cut, &err), 0);
	CHECK_INT(cut, 0);
	cut = 99;
	CHECK_INT(soak_jsonl_repair(path("missing"), &cut, &err), 0);
	CHECK_INT(cut, 0);
	CHECK_INT(soak_path_exists(path("missing")), 0);

	/* a partial line longer than the scan chunk */
	size_t n = 2 + 200000;
	char *data = malloc(n);
	memcpy(data, "{}\n", 3);
	memset(data + 3, 'x', n - 3);
	put(path("r4"), data, n);
	CHECK_INT(soak_jsonl_repair(path("r4"), &cut, &err), 0);
	CHECK_INT(cut, n - 3);
	CHECK_STR(slurp(path("r4")), "{}\n");
	free(data);

	/* a directory cannot be repaired */
	err.code = 0;
	CHECK_INT(soak_jsonl_repair(tmpdir, &cut, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
}

static void test_reader(void)
{
	struct soak_jsonl_reader r;
	struct soak_err err = {0};
	const char *line;
	size_t len;

	/* max line 10: "0123456789" fits, "0123456789A" does not */
	put(path("in"),
	    "{\"a\":1}\n0123456789\n0123456789A\n\n{\"b\":2}\r\nxxxxxxxxxxxxxxxxxxxxxxxx\n{\"c\"",
	    70);
	CHECK_INT(soak_jsonl_reader_open(&r, path("in"), 10, &err), 0);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_STR(line, "{\"a\":1}");
	CHECK_INT(len, 7);
	CHECK_INT(r.lineno, 1);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_STR(line, "0123456789");
	CHECK_INT(r.lineno, 2);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_STR(line, "{\"b\":2}"); /* CR dropped, empty line and overlong line skipped */
	CHECK_INT(len, 7);
	CHECK_INT(r.lineno, 5);
	CHECK_INT(r.overlong, 1);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 0); /* overlong, then a partial line */
	CHECK_INT(r.overlong, 2);
	CHECK_INT(r.partial, 1);
	CHECK_INT(r.lineno, 6);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 0);
	CHECK_INT(r.partial, 1);

	/* the writer finishes the line: the reader picks it up */
	add(path("in"), ":3}\n{\"d\":4}\n");
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_STR(line, "{\"c\":3}");
	CHECK_INT(r.lineno, 7);
	CHECK_INT(r.partial, 0);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_STR(line, "{\"d\":4}");
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 0);
	CHECK_INT(r.partial, 0);
	soak_jsonl_reader_close(&r);
	CHECK(r.f == NULL);

	/* an empty file */
	put(path("empty"), "", 0);
	CHECK_INT(soak_jsonl_reader_open(&r, path("empty"), 100, &err), 0);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 0);
	CHECK_INT(r.partial, 0);
	CHECK_INT(r.lineno, 0);
	soak_jsonl_reader_close(&r);

	/* a long line within the ceiling crosses internal chunks intact */
	char *data = malloc(5002);
	for (int i = 0; i < 5000; i++)
		data[i] = (char)('a' + i % 26);
	data[5000] = '\n';
	data[5001] = '\0';
	put(path("long"), data, 5001);
	CHECK_INT(soak_jsonl_reader_open(&r, path("long"), 5000, &err), 0);
	CHECK_INT(soak_jsonl_next(&r, &line, &len, &err), 1);
	CHECK_INT(len, 5000);
	CHECK(memcmp(line, data, 5000) == 0);
	soak_jsonl_reader_close(&r);
	free(data);

	err.code = 0;
	CHECK_INT(soak_jsonl_reader_open(&r, path("nope.jsonl"), 100, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	char want[600];
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory",
	         path("nope.jsonl"));
	CHECK_STR(err.msg, want);
	soak_jsonl_reader_close(&r);
}

static int schema(const char *json, struct soak_err *err)
{
	cJSON *j = cJSON_Parse(json);
	int r;

	err->code = 0;
	err->msg[0] = '\0';
	r = soak_schema_check(j, "run.json", err);
	cJSON_Delete(j);
	return r;
}

static void test_schema(void)
{
	struct soak_err err;

	soak_msg_init("/usr/bin/soak-run");
	CHECK_INT(schema("{\"schema\":\"1.0\"}", &err), 0);
	CHECK_INT(schema("{\"schema\":\"1.7\",\"new\":1}", &err), 0);
	CHECK_INT(schema("{\"schema\":\"0.9\"}", &err), 0);
	CHECK_INT(schema("{\"schema\":\"2.0\"}", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg,
	          "'run.json' has schema 2.0; this soak-run reads schema 1.x: upgrade soak-action");
	CHECK_INT(schema("{\"schema\":\"10.1\"}", &err), -1);
	CHECK_STR(
	    err.msg,
	    "'run.json' has schema 10.1; this soak-run reads schema 1.x: upgrade soak-action");
	CHECK_INT(schema("{\"run_id\":\"x\"}", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(err.msg, "'run.json' has no schema version; this soak-run reads schema 1.x");
	CHECK_INT(schema("{\"schema\":1.0}", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_STR(
	    err.msg,
	    "'run.json' has an invalid schema version: expected \"MAJOR.MINOR\" like \"1.0\"");
	CHECK_INT(schema("{\"schema\":\"1\"}", &err), -1);
	CHECK_INT(schema("{\"schema\":\"1.\"}", &err), -1);
	CHECK_INT(schema("{\"schema\":\"1.0.2\"}", &err), -1);
	CHECK_INT(schema("{\"schema\":\"v1.0\"}", &err), -1);
	CHECK_INT(schema("{\"schema\":\"-1.0\"}", &err), -1);
	CHECK_INT(schema("{\"schema\":\"\"}", &err), -1);
	CHECK_INT(schema("[1]", &err), -1);
	CHECK_STR(err.msg, "'run.json' is not a JSON object");
	CHECK_INT(err.code, SOAK_EXIT_INPUT);
	CHECK_INT(soak_schema_check(NULL, "x", &err), -1);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_writer();
	test_concurrent();
	test_repair();
	test_reader();
	test_schema();
	slurp(NULL); /* frees its buffer */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_INT(system(cmd), 0);
	return check_done();
}
