/*
 * The run's output channels: records appended to the JSONL logs, events.jsonl,
 * notes to the user interface, and the first I/O failure, which ends the run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "exitcode.h"
#include "json.h"
#include "banned.h"

void run_record_time(cJSON *o, const char *name, int64_t wall_ms)
{
	char ts[SOAK_ISO8601_LEN];
	cJSON_AddStringToObject(o, name, soak_iso8601(wall_ms, ts, sizeof(ts)));
}

cJSON *run_record_new(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "schema", SOAK_SCHEMA);
	return o;
}

int run_append(struct runner *r, struct soak_jsonl_writer *w, cJSON *o)
{
	struct soak_err err;
	int rc = 0;

	if (w->fd >= 0 && (rc = soak_jsonl_append(w, o, &err)) < 0)
		run_io_fail(r, &err);
	cJSON_Delete(o);
	return rc;
}

cJSON *run_event_new(const char *name, long long iteration, const char *msg)
{
	cJSON *o = run_record_new();

	run_record_time(o, "t", soak_wall_ms());
	cJSON_AddStringToObject(o, "program", "soak-run");
	cJSON_AddStringToObject(o, "event", name);
	if (iteration > 0)
		cJSON_AddNumberToObject(o, "iteration", (double)iteration);
	cJSON_AddStringToObject(o, "message", msg);
	return o;
}

void run_event(struct runner *r, const char *name, long long iteration, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	run_append(r, &r->events, run_event_new(name, iteration, msg));
}

void run_note(struct runner *r, enum soak_note kind, const char *title, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (!r->ui || !r->ui->note)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->ui->note(r->ui->ctx, kind, title, text);
}

void run_io_fail(struct runner *r, const struct soak_err *err)
{
	if (r->io_failed)
		return;
	r->io_failed = 1;
	r->io_err = *err;
	if (r->io_err.code == 0)
		r->io_err.code = SOAK_EXIT_ENV;
}

char *run_env_entry(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}
