#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gha.h"
#include "exitcode.h"
#include "os.h"
#include "banned.h"

int soak_gha_active(void)
{
	const char *v = soak_os_getenv("GITHUB_ACTIONS");

	return v && !strcmp(v, "true");
}

/* The file named by var, or NULL outside Actions or when unset. */
static const char *gha_file(const char *var)
{
	const char *v;

	if (!soak_gha_active())
		return NULL;
	v = soak_os_getenv(var);
	return v && *v ? v : NULL;
}

/* n random bytes as hex (2n chars + NUL). */
static int random_hex(char *out, size_t n)
{
	unsigned char raw[32];

	if (n > sizeof(raw))
		n = sizeof(raw);
	if (soak_os_random(raw, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int append_file(const char *path, const char *data, size_t len, struct soak_err *err)
{
	int fd = soak_os_open(path, SOAK_O_WRONLY | SOAK_O_APPEND | SOAK_O_CREAT, 0666);

	if (fd < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	if (soak_os_write_all(fd, data, len) < 0) {
		int e = errno;
		soak_os_close(fd);
		return soak_err_errno(err, SOAK_EXIT_ENV, e, "cannot write '%s'", path);
	}
	if (soak_os_close(fd) < 0)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", path);
	return 0;
}

int soak_gha_set_output(const char *name, const char *value, struct soak_err *err)
{
	const char *path = gha_file("GITHUB_OUTPUT");
	char delim[13 + 64 + 1];
	struct soak_buf b;
	int ret, tries;

	if (!path)
		return 0;
	if (!name || !*name || strpbrk(name, "\r\n") || strstr(name, "<<"))
		return soak_err_set(err, SOAK_EXIT_USAGE, "invalid output name '%s'",
		                    name ? name : "");
	if (!value)
		value = "";
	for (tries = 0;; tries++) {
		memcpy(delim, "ghadelimiter_", 13);
		if (tries == 8 || random_hex(delim + 13, 16) < 0)
			return soak_err_set(err, SOAK_EXIT_ENV,
			                    "cannot set output '%s': no random delimiter", name);
		if (!strstr(value, delim) && !strstr(name, delim))
			break;
	}
	soak_buf_init(&b, SIZE_MAX);
	if (soak_buf_addf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim) < 0) {
		soak_buf_free(&b);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot set output '%s'", name);
	}
	ret = append_file(path, b.data, b.len, err);
	soak_buf_free(&b);
	return ret;
}

int soak_gha_summary_append(const char *md, size_t len, struct soak_err *err)
{
	const char *path = gha_file("GITHUB_STEP_SUMMARY");
	struct soak_os_stat st;
	uint64_t cur = 0;

	if (!path)
		return 0;
	if (soak_os_stat(path, &st) == 0)
		cur = st.size;
	else if (errno != ENOENT)
		return soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot open '%s'", path);
	if (cur > SOAK_GHA_SUMMARY_MAX || len > SOAK_GHA_SUMMARY_MAX - cur)
		return soak_err_set(err, SOAK_EXIT_ENV,
		                    "job summary '%s' would exceed GitHub's limit of 1 MiB "
		                    "(%" PRIu64 " bytes there, %zu more)",
		                    path, cur, len);
	return append_file(path, md, len, err);
}

static int escape(const char *s, struct soak_buf *out, int property)
{
	size_t start = out->len;

	for (const char *p = s ? s : ""; *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '%':
			rep = "%25";
			break;
		case '\r':
			rep = "%0D";
			break;
		case '\n':
			rep = "%0A";
			break;
		case ':':
			rep = property ? "%3A" : NULL;
			break;
		case ',':
			rep = property ? "%2C" : NULL;
			break;
		}
		if (rep ? soak_buf_add(out, rep, 3) : soak_buf_add(out, p, 1)) {
			out->len = start;
			if (out->data)
				out->data[start] = '\0';
			return -1;
		}
	}
	return soak_buf_add(out, "", 0);
}

int soak_gha_escape_data(const char *s, struct soak_buf *out)
{
	return escape(s, out, 0);
}

int soak_gha_escape_property(const char *s, struct soak_buf *out)
{
	return escape(s, out, 1);
}

/* "::cmd[ props]::data\n", all or nothing. */
static int command(struct soak_buf *out, const char *cmd, const char *title, const char *data)
{
	size_t start = out->len;

	if (soak_buf_addf(out, "::%s", cmd) < 0 ||
	    (title &&
	     (soak_buf_adds(out, " title=") < 0 || soak_gha_escape_property(title, out) < 0)) ||
	    soak_buf_adds(out, "::") < 0 || (data && soak_gha_escape_data(data, out) < 0) ||
	    soak_buf_adds(out, "\n") < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}

int soak_gha_annotation(struct soak_buf *out, const char *level, const char *title, const char *msg)
{
	if (!level ||
	    (strcmp(level, "error") && strcmp(level, "warning") && strcmp(level, "notice")))
		return -1;
	return command(out, level, title, msg ? msg : "");
}

int soak_gha_group(struct soak_buf *out, const char *name)
{
	return command(out, "group", NULL, name ? name : "");
}

int soak_gha_endgroup(struct soak_buf *out)
{
	return command(out, "endgroup", NULL, NULL);
}

int soak_gha_add_mask(struct soak_buf *out, const char *value)
{
	return command(out, "add-mask", NULL, value ? value : "");
}
