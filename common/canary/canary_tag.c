/* soak-canary tag and checklist: documents from a bundle, and git. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "exitcode.h"
#include "file.h"
#include "json.h"
#include "jsonl.h"
#include "os.h"
#include "fmt.h"
#include "parse.h"
#include "git.h"
#include "banned.h"

#define DOC_MAX (64 * 1024 * 1024)
#define GIT_OUT_MAX (1024 * 1024)

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int num_of(const cJSON *o, const char *name, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(x))
		return 0;
	*v = x->valuedouble;
	return 1;
}

int soak_canary_bundle_load(const char *dir, struct soak_canary_bundle *b, struct soak_err *err)
{
	char *p;
	const cJSON *src;

	memset(b, 0, sizeof(*b));
	b->run_id = b->verdict = b->commit = "";
	b->dir = strdup(dir);
	p = soak_path_join(dir, "POST_SOAK_SNAPSHOT.json");
	if (!b->dir || !p) {
		free(p);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (soak_json_load(p, DOC_MAX, &b->snap, err) < 0 ||
	    soak_schema_check(b->snap, p, err) < 0) {
		free(p);
		soak_canary_bundle_free(b);
		return -1;
	}
	free(p);
	p = soak_path_join(dir, "MANIFEST.json");
	if (!p) {
		soak_canary_bundle_free(b);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	if (soak_path_exists(p) && (soak_json_load(p, DOC_MAX, &b->manifest, err) < 0 ||
	                            soak_schema_check(b->manifest, p, err) < 0)) {
		free(p);
		soak_canary_bundle_free(b);
		return -1;
	}
	free(p);
	b->verdict = str_of(b->snap, "verdict");
	src = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b->snap, "sources"), 0);
	b->run_id = str_of(src, "run_id");
	if (b->manifest) {
		if (!*b->run_id)
			b->run_id = str_of(b->manifest, "run_id");
		b->commit =
		    str_of(cJSON_GetObjectItemCaseSensitive(b->manifest, "source"), "commit");
	}
	return 0;
}

void soak_canary_bundle_free(struct soak_canary_bundle *b)
{
	cJSON_Delete(b->snap);
	cJSON_Delete(b->manifest);
	free(b->dir);
	memset(b, 0, sizeof(*b));
}

/* "count 200, mean 1.5s, p50 1.2s, p95 2.5s, p99 3.1s, max 3.4s" from what is there. */
static void stat_line(struct soak_buf *out, const cJSON *m)
{
	static const char *const keys[] = {"count", "min", "mean", "p50", "p95", "p99", "max"};
	int first = 1;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		double v;
		char num[64];

		if (!num_of(m, keys[i], &v))
			continue;
		soak_fmt(i ? soak_fmt_unit_of(m->string, NULL) : SOAK_U_COUNT, v, num, sizeof(num));
		soak_buf_addf(out, "%s%s %s", first ? "" : ", ", keys[i], num);
		first = 0;
	}
	if (first)
		soak_buf_adds(out, "no values");
}

static void gates_md(struct soak_buf *out, const cJSON *snap)
{
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(snap, "gates"), *g;
	int n = 0;

	cJSON_ArrayForEach(g, gates)
	{
		double v, t;
		char vs[64] = "n/a", ts[64] = "n/a";

		if (num_of(g, "value", &v))
			soak_fmt_named(str_of(g, "expr"), v, vs, sizeof(vs));
		if (num_of(g, "threshold", &t))
			soak_fmt_named(str_of(g, "expr"), t, ts, sizeof(ts));
		soak_buf_addf(out, "- %s `%s` (%s): value %s, threshold %s\n", str_of(g, "outcome"),
		              str_of(g, "expr"), str_of(g, "kind"), vs, ts);
		n++;
	}
	if (!n)
		soak_buf_adds(out, "- no gates were given to soak-report\n");
}

static void whole_md(struct soak_buf *out, const cJSON *snap)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(snap, "whole"), *m;
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(w, "counts");
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(w, "pass_rate_ci95");
	double v, lo, hi;
	char num[64];

	if (num_of(w, "iterations", &v)) {
		soak_fmt(SOAK_U_COUNT, v, num, sizeof(num));
		soak_buf_addf(out, "- iterations: %s", num);
		if (counts) {
			const cJSON *c;
			int first = 1;

			soak_buf_adds(out, " (");
			cJSON_ArrayForEach(c, counts)
			{
				if (!cJSON_IsNumber(c))
					continue;
				soak_fmt(SOAK_U_COUNT, c->valuedouble, num, sizeof(num));
				soak_buf_addf(out, "%s%s %s", first ? "" : ", ", c->string, num);
				first = 0;
			}
			soak_buf_adds(out, ")");
		}
		soak_buf_adds(out, "\n");
	}
	if (num_of(w, "pass_rate", &v)) {
		soak_buf_addf(out, "- pass rate: %s", soak_fmt(SOAK_U_RATIO, v, num, sizeof(num)));
		if (cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) &&
		    cJSON_IsNumber(cJSON_GetArrayItem(ci, 1))) {
			lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
			hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
			soak_buf_addf(out, " (95%% CI %s - ",
			              soak_fmt(SOAK_U_RATIO, lo, num, sizeof(num)));
			soak_buf_addf(out, "%s)", soak_fmt(SOAK_U_RATIO, hi, num, sizeof(num)));
		}
		soak_buf_adds(out, "\n");
	}
	if (num_of(w, "longest_failure_streak", &v)) {
		soak_buf_addf(out, "- longest failure streak: %s\n",
		              soak_fmt(SOAK_U_COUNT, v, num, sizeof(num)));
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(w, "metrics"))
	{
		soak_buf_addf(out, "- %s: ", m->string);
		stat_line(out, m);
		soak_buf_adds(out, "\n");
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(w, "kpi"))
	{
		soak_buf_addf(out, "- kpi.%s: ", m->string);
		stat_line(out, m);
		soak_buf_adds(out, "\n");
	}
}

int soak_canary_tag_message(const struct soak_canary_bundle *b, const char *tag,
                            struct soak_buf *out)
{
	const char *reason = str_of(b->snap, "reason");
	const char *run = *b->run_id ? b->run_id : "unknown";
	const char *verdict = *b->verdict ? b->verdict : "unknown";

	soak_buf_addf(out, "%s: soak %s (run %s)\n\n", tag, verdict, run);
	soak_buf_addf(out, "## Verdict\n\n%s%s%s\n\n", verdict, *reason ? ": " : "", reason);
	soak_buf_adds(out, "## Gates\n\n");
	gates_md(out, b->snap);
	soak_buf_adds(out, "\n## Key statistics\n\n");
	whole_md(out, b->snap);
	if (*b->commit)
		soak_buf_addf(out, "- soaked commit: %s\n", b->commit);
	return soak_buf_addf(out, "\nSoak-Run-Id: %s\nSoak-Verdict: %s\n", run, verdict) < 0 ? -1
	                                                                                     : 0;
}

/* ---- git ---- */

/* git's first line (its "fatal: ..."), for messages. */
static const char *first_line(const struct soak_buf *b, char *dst, size_t n)
{
	const char *s = soak_buf_str(b);
	size_t len = strcspn(s, "\n");

	snprintf(dst, n, "%.*s", (int)len, s);
	return dst[0] ? dst : "no output";
}

static int is_sha(const char *s)
{
	size_t i;

	for (i = 0; i < 40 && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 40;
}

int soak_canary_tag(const struct soak_canary_tag_opts *o, const char *message,
                    struct soak_canary_tag_result *res, struct soak_err *err)
{
	struct soak_buf out;
	char line[512], ref[1100], tmpl[4200], rev[1100];
	char *tmpdir = NULL;
	int code, fd = -1, rc = -1;
	size_t len = strlen(message);

	memset(res, 0, sizeof(*res));
	soak_buf_init(&out, GIT_OUT_MAX);
	tmpl[0] = 0;
	{
		const char *a[] = {"rev-parse", "--is-inside-work-tree", NULL};

		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		if (code) {
			soak_err_set(err, SOAK_EXIT_INPUT, "'%s' is not a git repository: %s",
			             o->repo, first_line(&out, line, sizeof(line)));
			goto out;
		}
	}
	{
		const char *a[] = {"check-ref-format", ref, NULL};

		snprintf(ref, sizeof(ref), "refs/tags/%s", o->tag);
		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		if (code || !*o->tag) {
			soak_err_set(err, SOAK_EXIT_USAGE, "bad tag name '%s'", o->tag);
			goto out;
		}
	}
	{
		const char *a[] = {"rev-parse", "-q", "--verify", ref, NULL};

		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		if (!code) {
			char target[512];
			const char *b[] = {"rev-parse", "-q", "--verify", rev, NULL};

			snprintf(rev, sizeof(rev), "%s^{commit}", ref);
			target[0] = 0;
			if (soak_git(o->repo, b, &out, &code, err) == 0 && !code)
				first_line(&out, target, sizeof(target));
			soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "tag '%s' exists already (at %s): a release tag is never moved", o->tag,
			    target[0] ? target : "an object that is not a commit");
			goto out;
		}
	}
	{
		const char *want = o->commit ? o->commit : "HEAD";
		const char *a[] = {"rev-parse", "-q", "--verify", rev, NULL};

		snprintf(rev, sizeof(rev), "%s^{commit}", want);
		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		first_line(&out, res->commit, sizeof(res->commit));
		if (code || !is_sha(res->commit)) {
			res->commit[0] = 0;
			soak_err_set(err, SOAK_EXIT_INPUT, "no commit '%s' in '%s'", want, o->repo);
			goto out;
		}
	}
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	if (!(tmpdir = soak_os_tmpdir())) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno,
		               "cannot find the directory for temporary files");
		goto out;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/soak-canary-tag.XXXXXX", tmpdir);
	fd = soak_os_mkstemp(tmpl);
	if (fd < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot create '%s'", tmpl);
		tmpl[0] = 0;
		goto out;
	}
	if (soak_os_write_all(fd, message, len) < 0) {
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", tmpl);
		goto out;
	}
	if (soak_os_close(fd) < 0) {
		fd = -1;
		soak_err_errno(err, SOAK_EXIT_ENV, errno, "cannot write '%s'", tmpl);
		goto out;
	}
	fd = -1;
	{
		const char *a[] = {"tag", "-a",   "--cleanup=verbatim", "-F", tmpl,
		                   "--",  o->tag, res->commit,          NULL};

		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		if (code) {
			soak_err_set(err, SOAK_EXIT_ENV, "git tag '%s' failed: %s", o->tag,
			             first_line(&out, line, sizeof(line)));
			goto out;
		}
	}
	{
		const char *a[] = {"rev-parse", "-q", "--verify", ref, NULL};

		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		first_line(&out, res->object, sizeof(res->object));
	}
	if (o->push) {
		const char *a[] = {"push", "--", o->push, ref, NULL};

		if (soak_git(o->repo, a, &out, &code, err) < 0)
			goto out;
		if (code) {
			soak_err_set(err, SOAK_EXIT_ENV,
			             "tag '%s' created, but git push to '%s' failed: %s", o->tag,
			             o->push, first_line(&out, line, sizeof(line)));
			goto out;
		}
		res->pushed = 1;
	}
	rc = 0;
out:
	if (fd >= 0)
		soak_os_close(fd);
	if (tmpl[0])
		soak_os_unlink(tmpl);
	free(tmpdir);
	soak_buf_free(&out);
	return rc;
}

/* ---- checklist ---- */

static const char *dur(int64_t ms, char *buf, size_t n)
{
	return soak_format_duration(ms, buf, n);
}

int soak_canary_checklist(const struct soak_canary_bundle *b, const struct soak_canary_plan *p,
                          struct soak_buf *out)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(b->snap, "whole"), *g, *m;
	const char *run = *b->run_id ? b->run_id : "unknown";
	char d1[64], d2[64], num[64];
	int n = 0;

	soak_buf_addf(out, "# Canary checklist\n\n");
	soak_buf_addf(out, "Soak run %s, verdict %s%s%s; bundle `%s`.\n\n", run,
	              *b->verdict ? b->verdict : "unknown", *b->commit ? ", commit " : "",
	              b->commit, b->dir);
	soak_buf_addf(out, "- Duration: %s, checked every %s (%ld measurements).\n",
	              dur(p->duration_ms, d1, sizeof(d1)), dur(p->interval_ms, d2, sizeof(d2)),
	              p->count);
	soak_buf_addf(out,
	              "- Limits: rollback after more than %ld failed measurement%s or more than "
	              "%ld consecutive errors; stop as inconclusive after more than %ld "
	              "inconclusive measurement%s.\n",
	              p->failure_limit, p->failure_limit == 1 ? "" : "s", p->error_limit,
	              p->inconclusive_limit, p->inconclusive_limit == 1 ? "" : "s");
	soak_buf_addf(out, "- Judge thresholds: PASS at a score of %s or more, ",
	              soak_fmt(SOAK_U_COUNT, p->pass, num, sizeof(num)));
	soak_buf_addf(out, "MARGINAL from %s.\n",
	              soak_fmt(SOAK_U_COUNT, p->marginal, num, sizeof(num)));

	soak_buf_adds(out, "\n## Monitoring targets\n\nFrom the soak's gates (the canary must "
	                   "hold the same bounds):\n\n");
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(b->snap, "gates"))
	{
		double v;

		soak_buf_addf(out, "- [ ] `%s` (%s gate; soak value ", str_of(g, "expr"),
		              str_of(g, "kind"));
		if (num_of(g, "value", &v)) {
			soak_buf_adds(out, soak_fmt_named(str_of(g, "expr"), v, num, sizeof(num)));
		} else {
			soak_buf_adds(out, "n/a");
		}
		soak_buf_addf(out, ", %s)\n", str_of(g, "outcome"));
		n++;
	}
	if (!n)
		soak_buf_adds(out, "- the soak had no gates: watch the KPIs below\n");
	soak_buf_adds(out, "\nKPIs and resources as the soak measured them (the canary's "
	                   "should stay near):\n\n");
	n = 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(w, "kpi"))
	{
		soak_buf_addf(out, "- [ ] kpi.%s: ", m->string);
		stat_line(out, m);
		soak_buf_adds(out, "\n");
		n++;
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(w, "metrics"))
	{
		soak_buf_addf(out, "- [ ] %s: ", m->string);
		stat_line(out, m);
		soak_buf_adds(out, "\n");
		n++;
	}
	if (!n)
		soak_buf_adds(out, "- the snapshot has no KPIs or metrics\n");
	if (p->nmetrics) {
		soak_buf_addf(out, "\nPrometheus queries watched%s%s%s:\n\n",
		              p->prometheus ? " at `" : "", p->prometheus ? p->prometheus : "",
		              p->prometheus ? "`" : "");
		for (size_t i = 0; i < p->nmetrics; i++)
			soak_buf_addf(out, "- [ ] `%s`\n", p->metrics[i]);
	}

	soak_buf_adds(out, "\n## Automatic rollback triggers\n\n");
	if (p->failure)
		soak_buf_addf(out, "- a measurement fails when `%s`\n", p->failure);
	if (p->success)
		soak_buf_addf(out, "- a measurement succeeds only when `%s`\n", p->success);
	if (!p->failure && !p->success)
		soak_buf_adds(out, "- no watch conditions are configured (set \"success\" or "
		                   "\"failure\" in the \"canary\" section): judge the canary with "
		                   "soak-canary judge\n");
	soak_buf_addf(out, "- more than %ld failed measurement%s: rollback\n", p->failure_limit,
	              p->failure_limit == 1 ? "" : "s");
	soak_buf_addf(out, "- more than %ld consecutive query errors: rollback\n", p->error_limit);
	soak_buf_addf(out, "- a judge score under %s: FAIL, rollback\n",
	              soak_fmt(SOAK_U_COUNT, p->marginal, num, sizeof(num)));
	if (p->on_rollback)
		soak_buf_addf(out, "- rollback command: `%s`\n", p->on_rollback);
	else
		soak_buf_adds(out, "- no rollback command is configured (\"on-rollback\"): roll "
		                   "back by hand\n");

	soak_buf_adds(out, "\n## Steps\n\n");
	soak_buf_addf(out, "1. [ ] Deploy the canary of commit %s beside the baseline.\n",
	              *b->commit ? b->commit : "(the bundle names no commit)");
	soak_buf_addf(out, "2. [ ] Start the watch: measurements every %s for %s.\n",
	              dur(p->interval_ms, d1, sizeof(d1)), dur(p->duration_ms, d2, sizeof(d2)));
	soak_buf_adds(out, "3. [ ] Compare canary and baseline with `soak-canary judge`; "
	                   "MARGINAL needs a person's decision.\n");
	soak_buf_addf(out,
	              "4. [ ] On promote%s%s%s: roll out to every host and tag the "
	              "release.\n",
	              p->on_promote ? " (runs `" : "", p->on_promote ? p->on_promote : "",
	              p->on_promote ? "`)" : "");
	soak_buf_adds(out, "5. [ ] On rollback: confirm the baseline serves again and open an "
	                   "issue with the watch record.\n");
	if (p->nnotify) {
		soak_buf_adds(out, "\nNotified: ");
		for (size_t i = 0; i < p->nnotify; i++)
			soak_buf_addf(out, "%s`%s`", i ? ", " : "", p->notify_shown[i]);
		soak_buf_adds(out, ".\n");
	}
	return out->len >= out->max ? -1 : 0;
}
