#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"
#include "json.h"
#include "parse.h"
#include "exitcode.h"
#include "proc.h"
#include "banned.h"

#define STEPS_FILE_MAX (4 * 1024 * 1024)

static char **strv_new(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int bad(struct soak_err *err, const char *what, size_t i, const char *name, const char *msg)
{
	return soak_err_set(err, SOAK_EXIT_USAGE, "'%s': step %zu%s%s%s: %s", what, i + 1,
	                    name ? " ('" : "", name ? name : "", name ? "')" : "", msg);
}

static int get_duration(const cJSON *st, const char *key, int64_t *ms, const char *what, size_t i,
                        const char *name, struct soak_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, key);
	struct soak_err perr;

	if (!v)
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble == 0) {
		*ms = 0;
		return 0;
	}
	if (!cJSON_IsString(v)) {
		char msg[SOAK_ERR_MAX];
		snprintf(msg, sizeof(msg), "'%s' must be a duration string like \"30s\" or \"5m\"",
		         key);
		return bad(err, what, i, name, msg);
	}
	if (soak_parse_duration(v->valuestring, ms, &perr) < 0) {
		char msg[SOAK_ERR_MAX + 32];
		snprintf(msg, sizeof(msg), "'%s': %s", key, perr.msg);
		return bad(err, what, i, name, msg);
	}
	/* the bound of get_ms, so that run.json's "timeout_ms" can be read back (--replay) */
	if (*ms > (int64_t)9e15) {
		char msg[SOAK_ERR_MAX];
		snprintf(msg, sizeof(msg),
		         "'%s': '%.64s' is too long (at most 9e15 ms, 285000 years)", key,
		         v->valuestring);
		return bad(err, what, i, name, msg);
	}
	return 0;
}

static int get_ms(const cJSON *st, const char *key, int64_t *ms, const char *what, size_t i,
                  const char *name, struct soak_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, key);
	char msg[128];

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e15) {
		snprintf(msg, sizeof(msg), "'%s' must be a number of milliseconds", key);
		return bad(err, what, i, name, msg);
	}
	*ms = (int64_t)v->valuedouble;
	return 0;
}

static int load_step(const cJSON *st, const char *what, size_t i, struct soak_step *s,
                     struct soak_err *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(st, "name");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(st, "command");
	const cJSON *v;
	const char *nm = NULL;

	if (!cJSON_IsObject(st))
		return bad(err, what, i, NULL, "expected an object");
	if (!cJSON_IsString(name) || !*name->valuestring)
		return bad(err, what, i, NULL, "'name' must be a non-empty string");
	nm = name->valuestring;
	s->name = strdup(nm);
	for (const cJSON *k = st->child; k; k = k->next) {
		/* timeout_ms and backoff_ms: the form run.json records, read back by --replay */
		static const char *const known[] = {
		    "name",    "command", "cwd",        "env",           "timeout", "timeout_ms",
		    "retries", "backoff", "backoff_ms", "allow_failure", NULL};
		int ok = 0;
		for (const char *const *p = known; *p; p++)
			ok |= !strcmp(k->string, *p);
		if (!ok) {
			char msg[256];
			snprintf(msg, sizeof(msg),
			         "unknown field '%s' (known: name, command, cwd, env, timeout, "
			         "retries, backoff, allow_failure)",
			         k->string);
			return bad(err, what, i, nm, msg);
		}
	}
	if (cJSON_IsString(cmd) && *cmd->valuestring) {
		s->argv = soak_proc_shell_argv(cmd->valuestring);
		if (!s->argv)
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	} else if (cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0) {
		size_t n = (size_t)cJSON_GetArraySize(cmd), j = 0;
		s->argv = strv_new(n);
		for (const cJSON *a = cmd->child; a; a = a->next) {
			if (!cJSON_IsString(a))
				return bad(err, what, i, nm, "'command' array must hold strings");
			s->argv[j++] = strdup(a->valuestring);
		}
	} else {
		return bad(err, what, i, nm,
		           "'command' must be a non-empty string (run by sh -c, cmd /c on Windows) "
		           "or array of "
		           "strings");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(st, "cwd"))) {
		if (!cJSON_IsString(v))
			return bad(err, what, i, nm, "'cwd' must be a string");
		s->cwd = strdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(st, "env"))) {
		size_t n = 0, j = 0;
		if (!cJSON_IsObject(v))
			return bad(err, what, i, nm, "'env' must be an object of strings");
		for (const cJSON *e = v->child; e; e = e->next)
			n++;
		s->env = strv_new(n);
		for (const cJSON *e = v->child; e; e = e->next) {
			size_t len;
			if (!cJSON_IsString(e) || !*e->string || strchr(e->string, '='))
				return bad(err, what, i, nm, "'env' must map names to strings");
			len = strlen(e->string) + strlen(e->valuestring) + 2;
			s->env[j] = malloc(len);
			snprintf(s->env[j], len, "%s=%s", e->string, e->valuestring);
			j++;
		}
	}
	if (get_duration(st, "timeout", &s->timeout_ms, what, i, nm, err) < 0 ||
	    get_duration(st, "backoff", &s->backoff_ms, what, i, nm, err) < 0 ||
	    get_ms(st, "timeout_ms", &s->timeout_ms, what, i, nm, err) < 0 ||
	    get_ms(st, "backoff_ms", &s->backoff_ms, what, i, nm, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(st, "retries"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 100 ||
		    v->valuedouble != (double)(int)v->valuedouble)
			return bad(err, what, i, nm,
			           "'retries' must be a whole number from 0 to 100");
		s->retries = v->valueint;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(st, "allow_failure"))) {
		if (!cJSON_IsBool(v))
			return bad(err, what, i, nm, "'allow_failure' must be true or false");
		s->allow_failure = cJSON_IsTrue(v);
	}
	return 0;
}

int soak_steps_from_json(const cJSON *doc, const char *what, struct soak_steps *out,
                         struct soak_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "steps");
	size_t n, i = 0;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "'%s': expected an object with a non-empty array \"steps\"",
		                    what);
	n = (size_t)cJSON_GetArraySize(arr);
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	out->n = n;
	for (const cJSON *st = arr->child; st; st = st->next, i++) {
		if (load_step(st, what, i, &out->v[i], err) < 0) {
			soak_steps_free(out);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(out->v[j].name, out->v[i].name)) {
				bad(err, what, i, out->v[i].name,
				    "a step of that name comes earlier");
				soak_steps_free(out);
				return -1;
			}
		}
	}
	return 0;
}

int soak_steps_load(const char *path, struct soak_steps *out, struct soak_err *err)
{
	cJSON *doc;
	int ret;

	memset(out, 0, sizeof(*out));
	if (soak_json_load(path, STEPS_FILE_MAX, &doc, err) < 0)
		return -1;
	ret = soak_steps_from_json(doc, path, out, err);
	cJSON_Delete(doc);
	return ret;
}

cJSON *soak_steps_to_json(const struct soak_steps *s)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < s->n; i++) {
		const struct soak_step *st = &s->v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", st->name);
		cJSON *cmd = cJSON_AddArrayToObject(o, "command");
		for (char **a = st->argv; *a; a++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
		if (st->cwd)
			cJSON_AddStringToObject(o, "cwd", st->cwd);
		if (st->env) {
			cJSON *env = cJSON_AddObjectToObject(o, "env");
			for (char **e = st->env; *e; e++) {
				char *eq = strchr(*e, '=');
				char name[256];
				size_t len = (size_t)(eq - *e) < sizeof(name) - 1
				                 ? (size_t)(eq - *e)
				                 : sizeof(name) - 1;
				memcpy(name, *e, len);
				name[len] = '\0';
				cJSON_AddStringToObject(env, name, eq + 1);
			}
		}
		cJSON_AddNumberToObject(o, "timeout_ms", (double)st->timeout_ms);
		cJSON_AddNumberToObject(o, "retries", st->retries);
		cJSON_AddNumberToObject(o, "backoff_ms", (double)st->backoff_ms);
		cJSON_AddBoolToObject(o, "allow_failure", st->allow_failure);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

void soak_steps_free(struct soak_steps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		strv_free(s->v[i].argv);
		free(s->v[i].cwd);
		strv_free(s->v[i].env);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void soak_steps_file_name(const char *name, char *buf, size_t n)
{
	size_t i = 0;

	for (; i < n - 1 && name[i]; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
}
