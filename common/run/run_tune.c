/*
 * Guarded tuning (--tune, docs/tuning.md): after each finished iteration the
 * tuning step (common/tune) decides the values of the next one, from the tune
 * file's conditions judged over a gate set of their own (run_gate.c's
 * statistics) or from the tuner command's proposal. Then, in this order, so that
 * --resume finds a consistent picture after a kill at any point: the record goes
 * to metrics.jsonl (with its "tune" member), the tuner's state to
 * tune-state.json (with the step's line), the line to tuning.jsonl, and the
 * overrides file is rewritten when its bytes changed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "buf.h"
#include "exitcode.h"
#include "file.h"
#include "fmt.h"
#include "hash.h"
#include "json.h"
#include "os.h"
#include "banned.h"

#define TUNER_OUTPUT_MAX (1024 * 1024)
#define METRICS_LINE_MAX (16 * 1024 * 1024)
#define STATE_MAX (64 * 1024 * 1024)

static char *parent_of(const char *path);

struct run_tune {
	const struct soak_tune_cfg *cfg;
	struct soak_tune_state st;
	struct run_gates *G;
	struct soak_jsonl_writer log; /* tuning.jsonl */
	char *ovr_path, *state_path, *input_path;
	char sha[SOAK_SHA256_HEX_LEN];     /* of the overrides file as it is on disk */
	char ran_sha[SOAK_SHA256_HEX_LEN]; /* of the overrides the next iteration runs with */
	double *ran;                       /* the values the next iteration runs with */
	cJSON **recent;                    /* the last `window` records, for the tuner */
	size_t nrecent, recent_pos;
	cJSON *pending;      /* the line of the last step, until committed */
	char *pending_bytes; /* the overrides it decided */
};

static void remember(struct run_tune *T, const cJSON *rec)
{
	size_t w = (size_t)T->cfg->window;

	if (!T->cfg->tuner_argv)
		return;
	if (T->nrecent < w) {
		T->recent[T->nrecent++] = cJSON_Duplicate(rec, 1);
		return;
	}
	cJSON_Delete(T->recent[T->recent_pos]);
	T->recent[T->recent_pos] = cJSON_Duplicate(rec, 1);
	T->recent_pos = (T->recent_pos + 1) % w;
}

/* The tuner's input: the step's iteration, the parameters and the last records. */
static char *tuner_input(struct runner *r, long long n)
{
	struct run_tune *T = r->tune;
	const struct soak_tune_cfg *cfg = T->cfg;
	cJSON *o = cJSON_CreateObject(), *ps, *m;
	char *s;

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddNumberToObject(o, "iteration", (double)n);
	cJSON_AddNumberToObject(o, "window", (double)cfg->window);
	ps = cJSON_AddArrayToObject(o, "parameters");
	for (size_t i = 0; i < cfg->np; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", cfg->p[i].name);
		cJSON_AddStringToObject(p, "type",
		                        cfg->p[i].type == SOAK_TUNE_INT ? "int" : "float");
		cJSON_AddItemToObject(p, "value",
		                      soak_tune_value_json(&cfg->p[i], T->st.p[i].value));
		cJSON_AddItemToObject(p, "min", soak_tune_value_json(&cfg->p[i], cfg->p[i].min));
		cJSON_AddItemToObject(p, "max", soak_tune_value_json(&cfg->p[i], cfg->p[i].max));
		cJSON_AddItemToArray(ps, p);
	}
	cJSON_AddItemToObject(o, "values", soak_tune_values_json(cfg, &T->st, 0));
	m = cJSON_AddArrayToObject(o, "metrics");
	for (size_t i = 0; i < T->nrecent; i++) {
		size_t k = T->nrecent < (size_t)cfg->window ? i : (T->recent_pos + i) % T->nrecent;
		cJSON_AddItemToArray(m, cJSON_Duplicate(T->recent[k], 1));
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void tuner_output(void *ctx, const char *data, size_t n)
{
	soak_buf_add(ctx, data, n);
}

/* The last non-empty line of the output (what the tuner printed last). */
static const char *last_line(const char *s, size_t n, size_t *len)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '\n') {
			*len = n - i;
			return s + i;
		}
	*len = n;
	return s;
}

/*
 * Run the tuner command on the recent metrics (its stdin), in a process tree of its
 * own with its timeout. Returns its changes, or NULL with why.
 */
static cJSON *run_tuner(struct runner *r, long long n, char *why, size_t why_n)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct run_tune *T = r->tune;
	struct soak_buf out;
	struct soak_proc_io io = {tuner_output, &out};
	struct soak_proc_status ps;
	struct soak_err err;
	char *input = tuner_input(r, n), **env = run_side_env(r), d[32];
	struct soak_spawn sp = {.argv = T->cfg->tuner_argv,
	                        .cwd = c->workdir,
	                        .output = SOAK_PROC_CAPTURE,
	                        .stdin_path = T->input_path};
	cJSON *res = NULL;
	int rc;

	soak_buf_init(&out, TUNER_OUTPUT_MAX);
	if (!input || !env) {
		snprintf(why, why_n, "out of memory");
		goto out;
	}
	if (soak_file_replace(T->input_path, input, strlen(input), &err) < 0) {
		snprintf(why, why_n, "%s", err.msg);
		goto out;
	}
	sp.env_set = env;
	rc = soak_proc_run(&sp, T->cfg->tuner_timeout_ms, c->kill_after_ms, &io, &ps, &err);
	if (rc < 0) {
		snprintf(why, why_n, "%s", err.msg);
	} else if (rc == 0) {
		snprintf(why, why_n, "timed out after %s (tuner timeout)",
		         soak_format_duration(T->cfg->tuner_timeout_ms, d, sizeof(d)));
	} else if (ps.signal) {
		snprintf(why, why_n, "killed by signal %d", ps.signal);
	} else if (ps.exit_code != 0) {
		snprintf(why, why_n, "exit code %d", ps.exit_code);
	} else {
		size_t len;
		const char *line = last_line(out.data ? out.data : "", out.len, &len);
		res = soak_tune_tuner_parse(T->cfg, line, len, why, why_n);
	}
out:
	if (!res)
		run_event(r, "tuner", n, "tuner command: %s; no change this step", why);
	soak_buf_free(&out);
	soak_proc_argv_free(env);
	cJSON_free(input);
	return res;
}

/* The overrides as a document and its SHA-256; NULL when out of memory. */
static char *overrides(struct run_tune *T, char sha[SOAK_SHA256_HEX_LEN])
{
	char *s = soak_tune_overrides(T->cfg, &T->st);
	struct soak_err err;

	if (s && soak_sha256_buf(s, strlen(s), sha, &err) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Write the overrides file (and the --overrides-out copy) when its bytes changed. */
static void write_overrides(struct runner *r, const char *bytes, const char *sha)
{
	struct run_tune *T = r->tune;
	struct soak_err err;

	if (!strcmp(sha, T->sha))
		return;
	if (soak_file_replace(T->ovr_path, bytes, strlen(bytes), &err) < 0 ||
	    (r->cfg->overrides_out &&
	     soak_file_replace(r->cfg->overrides_out, bytes, strlen(bytes), &err) < 0)) {
		run_io_fail(r, &err);
		return;
	}
	snprintf(T->sha, sizeof(T->sha), "%s", sha);
}

/* The values iteration rec ran with (its "tune" member), else the current ones. */
static void ran_of(struct run_tune *T, const cJSON *rec, double *ran)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rec, "tune"), "values");

	for (size_t i = 0; i < T->cfg->np; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, T->cfg->p[i].name);
		ran[i] = cJSON_IsNumber(x) ? x->valuedouble : T->st.p[i].value;
	}
}

/* The step after iteration n (rec: its record, folded in already); sets T->pending. */
static cJSON *step(struct runner *r, long long n, const cJSON *rec, const double *ran)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct run_tune *T = r->tune;
	struct soak_tune_input in = {n,
	                             c->iterations,
	                             (int64_t)(run_elapsed_s(r) * 1000),
	                             c->duration_ms,
	                             cJSON_GetObjectItemCaseSensitive(rec, "kpi"),
	                             ran,
	                             run_gates_src(T->G),
	                             NULL,
	                             NULL};
	char why[SOAK_ERR_MAX + 64], sha[SOAK_SHA256_HEX_LEN];
	cJSON *tuner = NULL, *body, *line, *it;

	if (T->cfg->tuner_argv && !T->st.fixed) {
		tuner = run_tuner(r, n, why, sizeof(why));
		in.tuner = tuner;
		in.tuner_error = tuner ? NULL : why;
	}
	body = soak_tune_step(T->cfg, &T->st, &in);
	cJSON_Delete(tuner);
	free(T->pending_bytes);
	T->pending_bytes = overrides(T, sha);
	line = run_record_new();
	run_record_time(line, "t", soak_wall_ms());
	cJSON_AddStringToObject(line, "run_id", r->run_id);
	while ((it = body->child)) {
		int values = !strcmp(it->string, "values");
		cJSON_AddItemToObject(line, it->string, cJSON_DetachItemViaPointer(body, it));
		if (values) {
			cJSON_AddStringToObject(line, "overrides_sha256", sha);
			/* the overrides changed from those the finished iteration ran with */
			cJSON_AddBoolToObject(line, "written", strcmp(sha, T->ran_sha) != 0);
		}
	}
	cJSON_Delete(body);
	cJSON_Delete(T->pending);
	T->pending = line;
	for (size_t i = 0; i < T->cfg->np; i++)
		T->ran[i] = T->st.p[i].value;
	snprintf(T->ran_sha, sizeof(T->ran_sha), "%s", sha);
	return line;
}

void run_tune_step(struct runner *r, long long n, cJSON *rec)
{
	struct run_tune *T = r->tune;
	const cJSON *line;
	cJSON *tm;
	char sha[SOAK_SHA256_HEX_LEN];

	if (!T)
		return;
	/* the values and overrides this iteration ran with, before the step changes them */
	tm = cJSON_AddObjectToObject(rec, "tune");
	cJSON_AddItemToObject(tm, "values", soak_tune_values_json(T->cfg, &T->st, 0));
	snprintf(sha, sizeof(sha), "%s", T->ran_sha);
	cJSON_AddStringToObject(tm, "overrides_sha256", sha);
	run_gates_fold(T->G, rec, run_elapsed_s(r) / 3600);
	remember(T, rec);
	{
		double *ran = malloc(T->cfg->np * sizeof(double));
		if (!ran)
			return;
		memcpy(ran, T->ran, T->cfg->np * sizeof(double));
		line = step(r, n, rec, ran);
		free(ran);
	}
	cJSON_AddItemToObject(
	    tm, "decision", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(line, "decision"), 1));
	cJSON_AddItemToObject(tm, "guard",
	                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(line, "guard"), 1));
}

void run_tune_commit(struct runner *r)
{
	struct run_tune *T = r->tune;
	struct soak_err err;
	cJSON *st;

	if (!T || !T->pending)
		return;
	st = run_record_new();
	cJSON_AddItemToObject(st, "state", soak_tune_state_json(&T->st, T->cfg));
	cJSON_AddItemToObject(st, "line", cJSON_Duplicate(T->pending, 1));
	if (soak_json_replace(T->state_path, st, 0, &err) < 0)
		run_io_fail(r, &err);
	cJSON_Delete(st);
	run_append(r, &T->log, T->pending);
	T->pending = NULL;
	if (T->pending_bytes)
		write_overrides(r, T->pending_bytes, T->ran_sha);
	free(T->pending_bytes);
	T->pending_bytes = NULL;
}

void run_tune_sample(struct runner *r, const struct soak_res *s)
{
	if (r->tune)
		run_gates_fold_sample(r->tune->G, s, run_elapsed_s(r) / 3600);
}

char *run_tune_env(struct runner *r)
{
	return r->tune ? run_env_entry("SOAK_OVERRIDES_FILE", r->tune->ovr_path) : NULL;
}

cJSON *run_tune_json(const struct runner *r)
{
	cJSON *o;

	if (!r->tune)
		return NULL;
	o = soak_tune_summary_json(r->tune->cfg, &r->tune->st);
	cJSON_AddStringToObject(o, "overrides_sha256", r->tune->sha);
	return o;
}

/* The last iteration in tuning.jsonl (0 when none). */
static long long last_logged(const char *path, struct soak_err *err)
{
	struct soak_jsonl_reader rd;
	const char *line;
	size_t len, cut;
	long long last = 0;
	int rc;

	if (soak_jsonl_repair(path, &cut, err) < 0)
		return -1;
	if (!soak_path_exists(path))
		return 0;
	if (soak_jsonl_reader_open(&rd, path, METRICS_LINE_MAX, err) < 0)
		return -1;
	while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
		cJSON *o = cJSON_ParseWithLength(line, len);
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "iteration");
		if (cJSON_IsNumber(it) && (long long)it->valuedouble > last)
			last = (long long)it->valuedouble;
		cJSON_Delete(o);
	}
	soak_jsonl_reader_close(&rd);
	return rc < 0 ? -1 : last;
}

/*
 * --resume: fold every recorded iteration into the conditions' statistics, take the
 * tuner's state from tune-state.json, and finish a step a kill cut short: the state
 * one step behind metrics.jsonl (the step runs again on its record), or its line
 * missing from tuning.jsonl (appended from the state).
 */
static int resume(struct runner *r, struct soak_err *err)
{
	struct run_tune *T = r->tune;
	char *metrics = soak_path_join(r->dir, "metrics.jsonl");
	char *log = soak_path_join(r->dir, "tuning.jsonl");
	struct soak_jsonl_reader rd;
	const char *line;
	size_t len;
	cJSON *last = NULL, *doc = NULL;
	long long m = 0, logged;
	int rc = 0, ret = -1;

	if (!metrics || !log) {
		soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		goto out;
	}
	if (soak_path_exists(metrics)) {
		if (soak_jsonl_reader_open(&rd, metrics, METRICS_LINE_MAX, err) < 0)
			goto out;
		while ((rc = soak_jsonl_next(&rd, &line, &len, err)) == 1) {
			cJSON *o = cJSON_ParseWithLength(line, len);
			const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "iteration");
			const cJSON *end = cJSON_GetObjectItemCaseSensitive(o, "end");
			int64_t end_ms = 0;
			if (!cJSON_IsNumber(it) || (long long)it->valuedouble <= m) {
				cJSON_Delete(o);
				continue;
			}
			if (cJSON_IsString(end))
				soak_iso8601_parse(end->valuestring, &end_ms);
			m = (long long)it->valuedouble;
			run_gates_fold(T->G, o, (double)(end_ms - r->started_wall) / 3600000.0);
			remember(T, o);
			cJSON_Delete(last);
			last = o;
		}
		soak_jsonl_reader_close(&rd);
		if (rc < 0)
			goto out;
	}
	if (soak_path_exists(T->state_path)) {
		const cJSON *st;
		if (soak_json_load(T->state_path, STATE_MAX, &doc, err) < 0 ||
		    soak_schema_check(doc, "tune-state.json", err) < 0)
			goto out;
		st = cJSON_GetObjectItemCaseSensitive(doc, "state");
		if (soak_tune_state_load(&T->st, T->cfg, st, err) < 0) {
			soak_err_prefix(err, "'%s'", T->state_path);
			goto out;
		}
	}
	for (size_t i = 0; i < T->cfg->np; i++)
		T->ran[i] = T->st.p[i].value;
	if ((logged = last_logged(log, err)) < 0)
		goto out;
	if (last && !cJSON_GetObjectItemCaseSensitive(last, "tune")) {
		soak_err_set(err, SOAK_EXIT_USAGE,
		             "cannot resume the run in '%s' with --tune: its %lld iteration%s ran "
		             "without tuning (resume it without --tune, or start a new run)",
		             r->dir, m, m == 1 ? "" : "s");
		goto out;
	}
	if (T->st.step == m - 1 && last) {
		/* killed after the record, before the state: run that step again */
		double *ran = malloc(T->cfg->np * sizeof(double));
		if (!ran) {
			soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			goto out;
		}
		ran_of(T, last, ran);
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(last, "tune"), "overrides_sha256");
		snprintf(T->ran_sha, sizeof(T->ran_sha), "%s",
		         cJSON_IsString(h) ? h->valuestring : "");
		step(r, m, last, ran);
		free(ran);
	} else if (T->st.step == m) {
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(doc, "line");
		if (logged < m && cJSON_IsObject(pl))
			T->pending = cJSON_Duplicate(pl, 1);
	} else {
		soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "cannot resume the tuner: '%s' holds the step after iteration %lld but "
		    "metrics.jsonl ends at iteration %lld",
		    T->state_path, T->st.step, m);
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(last);
	cJSON_Delete(doc);
	free(metrics);
	free(log);
	return ret;
}

int run_tune_init(struct runner *r, struct soak_err *err)
{
	const struct soak_runner_cfg *c = r->cfg;
	struct run_tune *T;
	char *bytes, *log;
	int rc;

	if (!c->tune)
		return 0;
	T = calloc(1, sizeof(*T));
	if (!T)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	r->tune = T;
	T->log.fd = -1;
	T->cfg = c->tune;
	T->ovr_path = soak_path_join(r->dir, "overrides.json");
	T->state_path = soak_path_join(r->dir, "tune-state.json");
	T->input_path = soak_path_join(r->dir, "tuner-input.json");
	T->ran = calloc(c->tune->np, sizeof(double));
	T->recent = calloc((size_t)c->tune->window, sizeof(cJSON *));
	if (!T->ovr_path || !T->state_path || !T->input_path || !T->ran || !T->recent ||
	    soak_tune_state_init(&T->st, c->tune) < 0)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	T->G = run_gates_new(c->tune->conds, c->tune->nconds, 1, (uint64_t)c->tune->window, err);
	if (!T->G)
		return -1;
	run_gates_tune(T->G, &T->st);
	if (r->gates)
		run_gates_tune(r->gates, &T->st);
	if (c->tune_freeze && soak_tune_fix(c->tune, &T->st, c->tune_values, err) < 0)
		return -1;
	if (soak_path_exists(T->ovr_path) && soak_sha256_file(T->ovr_path, T->sha, NULL, err) < 0)
		return -1;
	if (c->overrides_out) {
		char *dir = parent_of(c->overrides_out);
		rc = dir ? soak_mkdir_p(dir, err)
		         : soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		free(dir);
		if (rc < 0)
			return soak_err_prefix(err, "--overrides-out '%s'", c->overrides_out);
	}
	if (r->resumed && resume(r, err) < 0)
		return -1;
	log = soak_path_join(r->dir, "tuning.jsonl");
	rc = log ? soak_jsonl_open(&T->log, log, err) : soak_err_set(err, SOAK_EXIT_ENV, "oom");
	free(log);
	if (rc < 0)
		return -1;
	run_tune_commit(r); /* a step --resume finished */
	for (size_t i = 0; i < c->tune->np; i++)
		T->ran[i] = T->st.p[i].value;
	if (!(bytes = overrides(T, T->ran_sha)))
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	write_overrides(r, bytes, T->ran_sha);
	free(bytes);
	if (r->io_failed) {
		*err = r->io_err;
		return -1;
	}
	return 0;
}

void run_tune_free(struct runner *r)
{
	struct run_tune *T = r->tune;

	if (!T)
		return;
	soak_jsonl_close(&T->log);
	run_gates_free(T->G);
	soak_tune_state_free(&T->st);
	for (size_t i = 0; i < T->nrecent; i++)
		cJSON_Delete(T->recent[i]);
	free(T->recent);
	cJSON_Delete(T->pending);
	free(T->pending_bytes);
	free(T->ovr_path);
	free(T->state_path);
	free(T->input_path);
	free(T->ran);
	free(T);
	r->tune = NULL;
}

/* The directory of path ("." for a bare name), malloc'ed. */
static char *parent_of(const char *path)
{
	size_t n = strlen(path);
	char *dir = malloc(n + 2);
	const char *slash;

	if (!dir)
		return NULL;
	memcpy(dir, path, n + 1);
	slash = strrchr(dir, '/');
#ifdef _WIN32
	if (strrchr(dir, '\\') > slash)
		slash = strrchr(dir, '\\');
#endif
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		dir[slash - dir] = '\0';
	else
		snprintf(dir, n + 2, ".");
	return dir;
}

/* summary.json beside a run.json: the final tune values of that run. */
static int replay_values(struct soak_runner_cfg *cfg, const char *replay, struct soak_err *err)
{
	char *dir = parent_of(replay), *path;
	cJSON *sum = NULL;
	const cJSON *v;
	int ret = -1;

	if (!dir)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	path = soak_path_join(dir, "summary.json");
	free(dir);
	if (!path)
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	if (soak_json_load(path, STATE_MAX, &sum, err) < 0) {
		soak_err_prefix(err, "--tune-freeze with --replay takes the replayed run's final "
		                     "values from its summary.json");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "tune"),
	                                     "values");
	if (!cJSON_IsObject(v)) {
		soak_err_set(
		    err, SOAK_EXIT_INPUT,
		    "'%s' has no tune.values: the replayed run was not tuned (--tune-freeze "
		    "needs its final values)",
		    path);
		goto out;
	}
	cfg->tune_values = cJSON_Duplicate(v, 1);
	ret = 0;
out:
	cJSON_Delete(sum);
	free(path);
	return ret;
}

int soak_runner_tune_load(struct soak_runner_cfg *cfg, const char *value, const char *doc_run,
                          const char *values_run, int freeze, struct soak_err *err)
{
	char from[1100];
	cJSON *doc = NULL;

	if (doc_run) {
		cJSON *run = NULL;
		if (soak_json_load(doc_run, STATE_MAX, &run, err) < 0)
			return -1;
		doc = cJSON_DetachItemFromObjectCaseSensitive(run, "tune");
		cJSON_Delete(run);
		snprintf(from, sizeof(from), "the tune document of '%s'", doc_run);
	}
	if (!doc && value && value[0] == '{') {
		snprintf(from, sizeof(from), "setting 'tune'");
		if (soak_json_parse(value, strlen(value), from, SOAK_EXIT_INPUT, &doc, err) < 0)
			return -1;
	} else if (!doc && value) {
		snprintf(from, sizeof(from), "tune file '%s'", value);
		if (soak_json_load(value, STATE_MAX, &doc, err) < 0)
			return soak_err_prefix(err, "--tune");
	}
	if (!doc)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "--tune-freeze needs --tune FILE (or --replay of a tuned run)");
	cfg->tune = calloc(1, sizeof(*cfg->tune));
	if (!cfg->tune) {
		cJSON_Delete(doc);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	cfg->tune_doc = doc;
	if (soak_tune_parse(doc, from, cfg->tune, err) < 0) {
		free(cfg->tune);
		cfg->tune = NULL;
		return -1;
	}
	cfg->tune_freeze = freeze;
	if (freeze && values_run && replay_values(cfg, values_run, err) < 0)
		return -1;
	return 0;
}
