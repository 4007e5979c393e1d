#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gha.h"
#include "file.h"
#include "exitcode.h"
#include "banned.h"

static char tmpdir[] = "/tmp/soak-test-gha-XXXXXX";
static char outpath[600], sumpath[600];

static char *slurp(const char *p)
{
	static struct soak_buf b;
	struct soak_err err;

	soak_buf_free(&b);
	soak_buf_init(&b, 4 << 20);
	if (!p || soak_file_read(p, &b, &err) < 0)
		return NULL;
	return b.data;
}

/*
 * Parse "name<<DELIM\nvalue\nDELIM\n" records as the runner does; returns the number
 * of records, fills names/values (malloc'ed) and checks every delimiter's form.
 */
static int parse_outputs(const char *text, char **names, char **values, char **delims, int max)
{
	int n = 0;
	const char *p = text;

	while (*p && n < max) {
		const char *nl = strchr(p, '\n'), *lt = strstr(p, "<<");
		if (!nl || !lt || lt > nl)
			return -1;
		names[n] = strndup(p, (size_t)(lt - p));
		delims[n] = strndup(lt + 2, (size_t)(nl - lt - 2));
		char end[128];
		snprintf(end, sizeof(end), "\n%s\n", delims[n]);
		const char *body = nl + 1;
		/* the value may be empty: then the delimiter line follows at once */
		const char *stop;
		if (!strncmp(body, end + 1, strlen(end + 1))) {
			values[n] = strdup("");
			p = body + strlen(end + 1);
		} else {
			stop = strstr(body - 1, end);
			if (!stop)
				return -1;
			values[n] = strndup(body, (size_t)(stop - body));
			p = stop + strlen(end);
		}
		n++;
	}
	return n;
}

static int is_delim(const char *d)
{
	if (strncmp(d, "ghadelimiter_", 13) || strlen(d) != 13 + 32)
		return 0;
	for (d += 13; *d; d++)
		if (!isxdigit((unsigned char)*d) || isupper((unsigned char)*d))
			return 0;
	return 1;
}

static void test_inactive(void)
{
	struct soak_err err = {0};

	unsetenv("GITHUB_ACTIONS");
	setenv("GITHUB_OUTPUT", outpath, 1);
	setenv("GITHUB_STEP_SUMMARY", sumpath, 1);
	CHECK_INT(soak_gha_active(), 0);
	CHECK_INT(soak_gha_set_output("a", "b", &err), 0);
	CHECK_INT(soak_gha_summary_append("# x\n", 4, &err), 0);
	CHECK_INT(soak_path_exists(outpath), 0);
	CHECK_INT(soak_path_exists(sumpath), 0);
	setenv("GITHUB_ACTIONS", "false", 1);
	CHECK_INT(soak_gha_active(), 0);
	CHECK_INT(soak_gha_set_output("a", "b", &err), 0);
	CHECK_INT(soak_path_exists(outpath), 0);

	/* active but the file variables unset or empty */
	setenv("GITHUB_ACTIONS", "true", 1);
	CHECK_INT(soak_gha_active(), 1);
	unsetenv("GITHUB_OUTPUT");
	setenv("GITHUB_STEP_SUMMARY", "", 1);
	CHECK_INT(soak_gha_set_output("a", "b", &err), 0);
	CHECK_INT(soak_gha_summary_append("# x\n", 4, &err), 0);
	CHECK_INT(soak_path_exists(sumpath), 0);
}

static void test_output(void)
{
	struct soak_err err = {0};
	char *names[8], *values[8], *delims[8];
	int n;

	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_OUTPUT", outpath, 1);
	CHECK_INT(soak_gha_set_output("verdict", "PASS", &err), 0);
	CHECK_INT(
	    soak_gha_set_output("report", "line 1\nline 2\n\nghadelimiter_x\n100% done", &err), 0);
	CHECK_INT(soak_gha_set_output("empty", "", &err), 0);
	CHECK_INT(soak_gha_set_output("nullv", NULL, &err), 0);
	const char *text = slurp(outpath);
	CHECK(text != NULL);
	n = parse_outputs(text ? text : "", names, values, delims, 8);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_STR(names[0], "verdict");
		CHECK_STR(values[0], "PASS");
		CHECK_STR(names[1], "report");
		CHECK_STR(values[1], "line 1\nline 2\n\nghadelimiter_x\n100% done");
		CHECK_STR(names[2], "empty");
		CHECK_STR(values[2], "");
		CHECK_STR(names[3], "nullv");
		CHECK_STR(values[3], "");
		for (int i = 0; i < n; i++)
			CHECK(is_delim(delims[i]));
		CHECK(strcmp(delims[0], delims[1]) != 0); /* fresh per call */
		/* the exact framing */
		char want[256];
		snprintf(want, sizeof(want), "verdict<<%s\nPASS\n%s\n", delims[0], delims[0]);
		CHECK(!strncmp(text, want, strlen(want)));
	}
	for (int i = 0; i < (n > 0 ? n : 0); i++) {
		free(names[i]);
		free(values[i]);
		free(delims[i]);
	}

	/* names that would break the file are refused */
	CHECK_INT(soak_gha_set_output("", "x", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_USAGE);
	CHECK_INT(soak_gha_set_output("a\nb", "x", &err), -1);
	CHECK_STR(err.msg, "invalid output name 'a\nb'");
	CHECK_INT(soak_gha_set_output("a<<b", "x", &err), -1);

	/* an output file that cannot be opened */
	char bad[700];
	snprintf(bad, sizeof(bad), "%s/no/such/dir", tmpdir);
	setenv("GITHUB_OUTPUT", bad, 1);
	err.code = 0;
	CHECK_INT(soak_gha_set_output("a", "b", &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	char want[800];
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", bad);
	CHECK_STR(err.msg, want);
	setenv("GITHUB_OUTPUT", "/dev/full", 1);
	CHECK_INT(soak_gha_set_output("a", "b", &err), -1);
	CHECK_STR(err.msg, "cannot write '/dev/full': No space left on device");
	setenv("GITHUB_OUTPUT", outpath, 1);
}

static void test_summary(void)
{
	struct soak_err err = {0};
	struct stat st;
	char *fill;

	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_STEP_SUMMARY", sumpath, 1);
	CHECK_INT(soak_gha_summary_append("# Soak\n", 7, &err), 0);
	CHECK_INT(soak_gha_summary_append("| a | b |\n", 10, &err), 0);
	CHECK_STR(slurp(sumpath), "# Soak\n| a | b |\n");

	/* fill to 10 bytes under the limit: 10 more fit, 1 more does not */
	size_t have = 17, room = SOAK_GHA_SUMMARY_MAX - have - 10;
	fill = malloc(room);
	memset(fill, '.', room);
	CHECK_INT(soak_gha_summary_append(fill, room, &err), 0);
	free(fill);
	CHECK_INT(soak_gha_summary_append("0123456789", 10, &err), 0);
	CHECK_INT(stat(sumpath, &st), 0);
	CHECK_INT(st.st_size, SOAK_GHA_SUMMARY_MAX);
	err.code = 0;
	CHECK_INT(soak_gha_summary_append("x", 1, &err), -1);
	CHECK_INT(err.code, SOAK_EXIT_ENV);
	char want[900];
	snprintf(want, sizeof(want),
	         "job summary '%s' would exceed GitHub's limit of 1 MiB (1048576 bytes there, 1 "
	         "more)",
	         sumpath);
	CHECK_STR(err.msg, want);
	CHECK_INT(stat(sumpath, &st), 0);
	CHECK_INT(st.st_size, SOAK_GHA_SUMMARY_MAX); /* unchanged */
	CHECK_INT(soak_gha_summary_append("", 0, &err), 0);

	/* a fresh summary refuses one oversized append outright */
	CHECK_INT(unlink(sumpath), 0);
	fill = malloc(SOAK_GHA_SUMMARY_MAX + 1);
	memset(fill, 'x', SOAK_GHA_SUMMARY_MAX + 1);
	CHECK_INT(soak_gha_summary_append(fill, SOAK_GHA_SUMMARY_MAX + 1, &err), -1);
	CHECK_INT(soak_path_exists(sumpath), 0);
	CHECK_INT(soak_gha_summary_append(fill, SOAK_GHA_SUMMARY_MAX, &err), 0);
	free(fill);
}

static void test_escaping(void)
{
	struct soak_buf b;

	soak_buf_init(&b, 1 << 16);
	/* vectors as @actions/core escapeData / escapeProperty produce them */
	CHECK_INT(soak_gha_escape_data("a%b\r\nc:d,e", &b), 0);
	CHECK_STR(soak_buf_str(&b), "a%25b%0D%0Ac:d,e");
	soak_buf_reset(&b);
	CHECK_INT(soak_gha_escape_property("a%b\r\nc:d,e", &b), 0);
	CHECK_STR(soak_buf_str(&b), "a%25b%0D%0Ac%3Ad%2Ce");
	soak_buf_reset(&b);
	CHECK_INT(soak_gha_escape_data("%25", &b), 0); /* no double meaning */
	CHECK_STR(soak_buf_str(&b), "%2525");
	soak_buf_reset(&b);
	CHECK_INT(soak_gha_escape_data("", &b), 0);
	CHECK_STR(soak_buf_str(&b), "");
	CHECK(b.data != NULL);
	CHECK_INT(soak_gha_escape_data("::set-output name=x::y", &b), 0);
	CHECK_STR(soak_buf_str(&b), "::set-output name=x::y");
	soak_buf_reset(&b);

	CHECK_INT(soak_gha_annotation(&b, "error", "gate p95: 120ms > 100ms, FAIL",
	                              "iteration 4 failed\nexit 1 (100%)"),
	          0);
	CHECK_STR(soak_buf_str(&b), "::error title=gate p95%3A 120ms > 100ms%2C FAIL::iteration 4 "
	                            "failed%0Aexit 1 (100%25)\n");
	soak_buf_reset(&b);
	CHECK_INT(soak_gha_annotation(&b, "warning", NULL, "slow"), 0);
	CHECK_INT(soak_gha_annotation(&b, "notice", "t", ""), 0);
	CHECK_STR(soak_buf_str(&b), "::warning::slow\n::notice title=t::\n");
	CHECK_INT(soak_gha_annotation(&b, "fatal", NULL, "x"), -1);
	CHECK_INT(soak_gha_annotation(&b, NULL, NULL, "x"), -1);
	CHECK_STR(soak_buf_str(&b), "::warning::slow\n::notice title=t::\n");
	soak_buf_reset(&b);

	CHECK_INT(soak_gha_group(&b, "iteration 3\n"), 0);
	CHECK_INT(soak_gha_endgroup(&b), 0);
	CHECK_INT(soak_gha_add_mask(&b, "s3cr%t"), 0);
	CHECK_STR(soak_buf_str(&b),
	          "::group::iteration 3%0A\n::endgroup::\n::add-mask::s3cr%25t\n");
	soak_buf_free(&b);

	/* at the ceiling nothing half-written is left behind */
	soak_buf_init(&b, 20);
	CHECK_INT(soak_gha_annotation(&b, "error", "title", "a message that is too long"), -1);
	CHECK_STR(soak_buf_str(&b), "");
	CHECK_INT(soak_gha_escape_data("%%%%%%%", &b), -1); /* 21 bytes */
	CHECK_STR(soak_buf_str(&b), "");
	CHECK_INT(soak_gha_escape_data("%%%%%%", &b), 0); /* 18 bytes */
	CHECK_STR(soak_buf_str(&b), "%25%25%25%25%25%25");
	soak_buf_free(&b);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(outpath, sizeof(outpath), "%s/output", tmpdir);
	snprintf(sumpath, sizeof(sumpath), "%s/summary.md", tmpdir);
	test_inactive();
	test_output();
	test_summary();
	test_escaping();
	slurp(NULL);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CHECK_INT(system(cmd), 0);
	return check_done();
}
