#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "json.h"
#include "buf.h"
#include "file.h"
#include "exitcode.h"
#include "banned.h"

int soak_json_parse(const char *text, size_t len, const char *what, int code, cJSON **out,
                    struct soak_err *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		unsigned long line = 1, col = 1;
		for (size_t i = 0; i < off && i < len; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		return soak_err_set(err, code, "%s: JSON syntax error at line %lu, column %lu",
		                    what, line, col);
	}
	*out = j;
	return 0;
}

int soak_json_load(const char *path, size_t max, cJSON **out, struct soak_err *err)
{
	struct soak_buf b;
	int ret;

	soak_buf_init(&b, max);
	if (soak_file_read(path, &b, err) < 0) {
		soak_buf_free(&b);
		err->code = SOAK_EXIT_INPUT;
		return -1;
	}
	char what[1100];
	snprintf(what, sizeof(what), "'%s'", path);
	ret = soak_json_parse(soak_buf_str(&b), b.len, what, SOAK_EXIT_INPUT, out, err);
	soak_buf_free(&b);
	return ret;
}

static int json_write(const char *path, const cJSON *obj, int pretty, int sync,
                      struct soak_err *err)
{
	char *s = pretty ? cJSON_Print(obj) : cJSON_PrintUnformatted(obj);
	size_t n;
	int ret;

	if (!s)
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot serialize '%s': out of memory",
		                    path);
	n = strlen(s);
	/* cJSON_Print leaves room for nothing: append the newline through a copy */
	char *t = malloc(n + 2);
	if (!t) {
		cJSON_free(s);
		return soak_err_set(err, SOAK_EXIT_ENV, "cannot serialize '%s': out of memory",
		                    path);
	}
	memcpy(t, s, n);
	t[n] = '\n';
	t[n + 1] = '\0';
	cJSON_free(s);
	ret = sync ? soak_file_write_atomic(path, t, n + 1, err)
	           : soak_file_replace(path, t, n + 1, err);
	free(t);
	return ret;
}

int soak_json_write(const char *path, const cJSON *obj, int pretty, struct soak_err *err)
{
	return json_write(path, obj, pretty, 1, err);
}

int soak_json_replace(const char *path, const cJSON *obj, int pretty, struct soak_err *err)
{
	return json_write(path, obj, pretty, 0, err);
}

void soak_json_add_num_or_null(cJSON *obj, const char *name, int have, double v)
{
	if (have)
		cJSON_AddNumberToObject(obj, name, v);
	else
		cJSON_AddNullToObject(obj, name);
}
