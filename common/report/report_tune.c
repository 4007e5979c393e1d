/* The Tuning section of the reports (report_tune.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report_fmt.h"
#include "report_tune.h"
#include "banned.h"

/* A count for people. */
static char *cnt(uint64_t v, char *buf, size_t n)
{
	return soak_report_fmt(SOAK_K_COUNT, (double)v, buf, n);
}

/* A parameter's value for people, exactly. */
static char *val(double v, char *buf, size_t n)
{
	return soak_fmt_setting(v, buf, n);
}

int soak_report_tuned(const struct soak_report *r)
{
	size_t i;

	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].tune)
			return 1;
	return 0;
}

/* ---- JSON ---- */

static cJSON *counts_json(const char *const *names, const uint64_t *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; o && i < n; i++)
		cJSON_AddNumberToObject(o, names[i], (double)v[i]);
	return o;
}

static void add_ratio(cJSON *o, uint64_t checked, uint64_t matched)
{
	cJSON *a = cJSON_AddObjectToObject(o, "apply");

	cJSON_AddNumberToObject(a, "checked", (double)checked);
	cJSON_AddNumberToObject(a, "matched", (double)matched);
	if (checked)
		cJSON_AddNumberToObject(a, "ratio", (double)matched / (double)checked);
	else
		cJSON_AddNullToObject(a, "ratio");
}

static cJSON *param_json(const struct soak_tunelog_param *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *pt;
	double *x, *y;
	size_t n, i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddNumberToObject(o, "initial", p->initial);
	cJSON_AddNumberToObject(o, "final", p->final);
	cJSON_AddNumberToObject(o, "min", p->min);
	cJSON_AddNumberToObject(o, "max", p->max);
	cJSON_AddNumberToObject(o, "changes", (double)p->changes);
	cJSON_AddItemToObject(o, "decisions",
	                      counts_json(soak_tunelog_decision_names, p->decisions, SOAK_TL_N));
	if (p->have_applied) {
		a = cJSON_AddObjectToObject(o, "last_applied");
		cJSON_AddNumberToObject(a, "iteration", (double)p->applied_iteration);
		cJSON_AddNumberToObject(a, "from", p->applied_from);
	} else {
		cJSON_AddNullToObject(o, "last_applied");
	}
	cJSON_AddNumberToObject(o, "mismatched", (double)p->mismatched);
	cJSON_AddBoolToObject(o, "frozen", p->frozen);
	a = cJSON_AddArrayToObject(o, "path");
	n = soak_report_chart_points(&p->path, &x, &y);
	for (i = 0; i < n; i++) {
		pt = cJSON_CreateArray();
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(x[i]));
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(y[i]));
		cJSON_AddItemToArray(a, pt);
	}
	free(x);
	free(y);
	return o;
}

static cJSON *run_json(const struct soak_report *r, size_t shard)
{
	const struct soak_tunelog *t = r->src[shard].tune;
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "dir", r->src[shard].dir);
	cJSON_AddNumberToObject(o, "shard", (double)shard);
	cJSON_AddNumberToObject(o, "lines", (double)t->lines);
	cJSON_AddNumberToObject(o, "steps", (double)t->steps);
	cJSON_AddNumberToObject(o, "malformed", (double)t->bad);
	a = cJSON_AddArrayToObject(o, "bad_lines");
	for (i = 0; i < t->nbad_lines; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->bad_lines[i]));
	cJSON_AddBoolToObject(o, "partial_last_line", t->partial);
	soak_json_add_num_or_null(o, "first_iteration", t->steps > 0, (double)t->first_iteration);
	soak_json_add_num_or_null(o, "last_iteration", t->steps > 0, (double)t->last_iteration);
	cJSON_AddItemToObject(o, "decisions",
	                      counts_json(soak_tunelog_decision_names, t->decisions, SOAK_TL_N));
	cJSON_AddItemToObject(
	    o, "guards", counts_json((const char *const *)t->guard_name, t->guards, t->nguards));
	if (t->guards_other)
		cJSON_AddNumberToObject(o, "guards_other", (double)t->guards_other);
	cJSON_AddItemToObject(o, "sources",
	                      counts_json(soak_tunelog_source_names, t->sources, SOAK_TL_SRC_N));
	cJSON_AddNumberToObject(o, "changes", (double)t->changes);
	add_ratio(o, t->checked, t->matched);
	cJSON_AddNumberToObject(o, "reverts", (double)t->decisions[SOAK_TL_REVERTED]);
	cJSON_AddNumberToObject(o, "written", (double)t->written);
	cJSON_AddBoolToObject(o, "freeze_ready", t->freeze_ready);
	a = cJSON_AddArrayToObject(o, "frozen");
	for (i = 0; i < t->nparam; i++)
		if (t->param[i].frozen)
			cJSON_AddItemToArray(a, cJSON_CreateString(t->param[i].name));
	if (t->sha256[0])
		cJSON_AddStringToObject(o, "overrides_sha256", t->sha256);
	else
		cJSON_AddNullToObject(o, "overrides_sha256");
	if (t->last_values)
		cJSON_AddItemToObject(o, "values", cJSON_Duplicate(t->last_values, 1));
	else
		cJSON_AddNullToObject(o, "values");
	a = cJSON_AddArrayToObject(o, "parameters");
	for (i = 0; i < t->nparam; i++)
		cJSON_AddItemToArray(a, param_json(&t->param[i]));
	if (t->params_dropped)
		cJSON_AddNumberToObject(o, "parameters_dropped", (double)t->params_dropped);
	return o;
}

cJSON *soak_report_tune_json(const struct soak_report *r)
{
	uint64_t dec[SOAK_TL_N] = {0}, src[SOAK_TL_SRC_N] = {0}, bad = 0;
	cJSON *o = cJSON_CreateObject(), *runs, *g;
	struct soak_gate_tune sum;
	size_t i, k;

	if (!o)
		return NULL;
	soak_report_tune_sum(r, &sum);
	g = cJSON_CreateObject();
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		if (!t)
			continue;
		bad += t->bad;
		for (k = 0; k < SOAK_TL_N; k++)
			dec[k] += t->decisions[k];
		for (k = 0; k < SOAK_TL_SRC_N; k++)
			src[k] += t->sources[k];
		for (k = 0; k < t->nguards; k++) {
			cJSON *c = cJSON_GetObjectItemCaseSensitive(g, t->guard_name[k]);

			if (c)
				cJSON_SetNumberValue(c, c->valuedouble + (double)t->guards[k]);
			else
				cJSON_AddNumberToObject(g, t->guard_name[k], (double)t->guards[k]);
		}
	}
	cJSON_AddNumberToObject(o, "steps", (double)sum.steps);
	cJSON_AddNumberToObject(o, "malformed", (double)bad);
	cJSON_AddItemToObject(o, "decisions",
	                      counts_json(soak_tunelog_decision_names, dec, SOAK_TL_N));
	cJSON_AddItemToObject(o, "guards", g);
	cJSON_AddItemToObject(o, "sources",
	                      counts_json(soak_tunelog_source_names, src, SOAK_TL_SRC_N));
	add_ratio(o, sum.checked, sum.matched);
	cJSON_AddNumberToObject(o, "reverts", (double)sum.reverts);
	cJSON_AddBoolToObject(o, "freeze_ready", sum.freeze_ready);
	runs = cJSON_AddArrayToObject(o, "runs");
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].tune)
			cJSON_AddItemToArray(runs, run_json(r, i));
	return o;
}

/* ---- Markdown ---- */

int soak_report_tune_md(const struct soak_report *r, struct soak_buf *b)
{
	char v[5][64];
	size_t i;

	if (!soak_report_tuned(r))
		return 0;
	soak_buf_adds(b, "\n## Tuning\n\nWhat `soak-run --tune` did between iterations, from "
	                 "`tuning.jsonl`: each step's decision, each change's guard.\n");
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		if (!t)
			continue;
		soak_buf_adds(b, "\n");
		if (r->nsrc > 1)
			soak_buf_addf(b, "`%s`: ", r->src[i].dir);
		soak_tunelog_sentence(t, b);
		soak_buf_adds(b, "\n\n");
		soak_tunelog_md_counts(t, b);
		soak_buf_addf(b,
		              "\nProposals by source: rule %s, tuner %s, panic %s, none %s. "
		              "Overrides written %s time%s",
		              cnt(t->sources[SOAK_TL_SRC_RULE], v[0], sizeof(v[0])),
		              cnt(t->sources[SOAK_TL_SRC_TUNER], v[1], sizeof(v[1])),
		              cnt(t->sources[SOAK_TL_SRC_PANIC], v[2], sizeof(v[2])),
		              cnt(t->sources[SOAK_TL_SRC_NONE], v[3], sizeof(v[3])),
		              cnt(t->written, v[4], sizeof(v[4])), t->written == 1 ? "" : "s");
		if (t->sha256[0])
			soak_buf_addf(b, "; the last overrides have SHA-256 `%s`", t->sha256);
		soak_buf_adds(b, ".\n\n");
		soak_tunelog_md_params(t, b, soak_report_sparkline);
	}
	return b->data ? 0 : -1;
}

/* ---- Prometheus ---- */

int soak_report_tune_prom(const struct soak_report *r, struct soak_buf *b)
{
	struct soak_gate_tune sum;
	size_t i, k;

	if (!soak_report_tune_sum(r, &sum))
		return 0;
	soak_buf_addf(b,
	              "# HELP soak_tune_steps Tuning steps (lines of tuning.jsonl used).\n"
	              "# TYPE soak_tune_steps gauge\nsoak_tune_steps %llu\n",
	              (unsigned long long)sum.steps);
	soak_buf_adds(b, "# HELP soak_tune_decisions Tuning steps by decision.\n"
	                 "# TYPE soak_tune_decisions gauge\n");
	for (k = 0; k < SOAK_TL_N; k++) {
		uint64_t n = 0;

		for (i = 0; i < r->nsrc; i++)
			n += r->src[i].tune ? r->src[i].tune->decisions[k] : 0;
		soak_buf_addf(b, "soak_tune_decisions{decision=\"%s\"} %llu\n",
		              soak_tunelog_decision_names[k], (unsigned long long)n);
	}
	soak_buf_adds(b, "# HELP soak_tune_apply_ratio Changes the command used as written, over "
	                 "the changes checked.\n# TYPE soak_tune_apply_ratio gauge\n"
	                 "soak_tune_apply_ratio");
	if (sum.checked)
		soak_buf_addf(b, " %.15g\n", (double)sum.matched / (double)sum.checked);
	else
		soak_buf_adds(b, " NaN\n");
	soak_buf_addf(b,
	              "# HELP soak_tune_freeze_ready 1 when the tuning was ready to freeze.\n"
	              "# TYPE soak_tune_freeze_ready gauge\nsoak_tune_freeze_ready %d\n",
	              sum.freeze_ready);
	soak_buf_adds(b, "# HELP soak_tune_guards Tuning changes by the guard that limited them.\n"
	                 "# TYPE soak_tune_guards gauge\n");
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		for (k = 0; t && k < t->nguards; k++) {
			soak_buf_adds(b, "soak_tune_guards{guard=\"");
			soak_report_prom_label(b, t->guard_name[k]);
			if (r->nsrc > 1)
				soak_buf_addf(b, "\",shard=\"%zu", i);
			soak_buf_addf(b, "\"} %llu\n", (unsigned long long)t->guards[k]);
		}
	}
	soak_buf_adds(b, "# HELP soak_tune_value The value of a tuned parameter after the last "
	                 "step.\n# TYPE soak_tune_value gauge\n");
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		for (k = 0; t && k < t->nparam; k++) {
			soak_buf_adds(b, "soak_tune_value{param=\"");
			soak_report_prom_label(b, t->param[k].name);
			if (r->nsrc > 1)
				soak_buf_addf(b, "\",shard=\"%zu", i);
			soak_buf_addf(b, "\"} %.17g\n", t->param[k].final);
		}
	}
	return b->data ? 0 : -1;
}

/* ---- the end-of-run summary ---- */

int soak_report_tune_summary(const struct soak_report *r, struct soak_buf *b)
{
	struct soak_gate_tune sum;
	char v[6][64];
	size_t i, k, shown = 0;
	uint64_t dec[SOAK_TL_N] = {0};

	if (!soak_report_tune_sum(r, &sum))
		return 0;
	for (i = 0; i < r->nsrc; i++)
		for (k = 0; r->src[i].tune && k < SOAK_TL_N; k++)
			dec[k] += r->src[i].tune->decisions[k];
	soak_buf_addf(b,
	              "  %-12s%s steps: %s applied, %s clamped, %s noop, %s blocked, %s reverted",
	              "tuning", cnt(sum.steps, v[0], sizeof(v[0])),
	              cnt(dec[SOAK_TL_APPLIED], v[1], sizeof(v[1])),
	              cnt(dec[SOAK_TL_CLAMPED], v[2], sizeof(v[2])),
	              cnt(dec[SOAK_TL_NOOP], v[3], sizeof(v[3])),
	              cnt(dec[SOAK_TL_BLOCKED], v[4], sizeof(v[4])),
	              cnt(dec[SOAK_TL_REVERTED], v[5], sizeof(v[5])));
	if (sum.checked)
		soak_buf_addf(
		    b, "; applied as written %s (%s of %s)",
		    soak_report_fmt(SOAK_K_RATIO, (double)sum.matched / (double)sum.checked, v[0],
		                    sizeof(v[0])),
		    cnt(sum.matched, v[1], sizeof(v[1])), cnt(sum.checked, v[2], sizeof(v[2])));
	soak_buf_addf(b, "; freeze ready: %s\n", sum.freeze_ready ? "yes" : "no");
	/* the guards that fired, over every shard, in the order of the first shard's */
	soak_buf_addf(b, "  %-12s", "");
	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		for (k = 0; t && k < t->nguards; k++) {
			uint64_t n = 0;
			size_t j, seen = 0;

			for (j = 0; j < r->nsrc; j++)
				if (r->src[j].tune) {
					n += soak_tunelog_guard(r->src[j].tune, t->guard_name[k]);
					/* named already by an earlier shard */
					if (j < i &&
					    soak_tunelog_guard(r->src[j].tune, t->guard_name[k]))
						seen = 1;
				}
			if (!n || seen)
				continue;
			soak_buf_addf(b, "%s%s %s",
			              shown++ ? ", " : "guards fired: ", t->guard_name[k],
			              cnt(n, v[0], sizeof(v[0])));
		}
	}
	soak_buf_adds(b, shown ? "\n" : "no guard fired\n");
	/* the values of the first tuned shard */
	for (i = 0; i < r->nsrc && !r->src[i].tune; i++)
		;
	shown = 0;
	for (k = 0; k < r->src[i].tune->nparam; k++) {
		const struct soak_tunelog_param *p = &r->src[i].tune->param[k];

		if (k == 4) {
			soak_buf_adds(b, ", ...");
			break;
		}
		soak_buf_addf(b, "%s%s %s -> %s", shown++ ? ", " : "              ", p->name,
		              val(p->initial, v[0], sizeof(v[0])),
		              val(p->final, v[1], sizeof(v[1])));
	}
	if (shown && r->nsrc > 1)
		soak_buf_addf(b, " (%s)", r->src[i].dir);
	return soak_buf_adds(b, shown ? "\n" : "");
}

/* ---- RECOMMENDATIONS.md ---- */

size_t soak_report_tune_recommend(const struct soak_report *r, struct soak_buf *b)
{
	char v[4][64], where[600] = "";
	size_t i, k, count = 0, n;

	for (i = 0; i < r->nsrc; i++) {
		const struct soak_tunelog *t = r->src[i].tune;

		if (!t)
			continue;
		if (r->nsrc > 1)
			snprintf(where, sizeof(where), " (in '%s')", r->src[i].dir);
		if (t->matched < t->checked) {
			soak_buf_addf(
			    b,
			    "- **The command did not use what the tuner wrote%s.** In %s of %s "
			    "apply "
			    "checks it reported another value than the overrides held (apply ratio "
			    "%s); mismatched: ",
			    where, cnt(t->checked - t->matched, v[0], sizeof(v[0])),
			    cnt(t->checked, v[1], sizeof(v[1])),
			    soak_report_fmt(SOAK_K_RATIO, soak_tunelog_apply_ratio(t), v[2],
			                    sizeof(v[2])));
			for (k = 0, n = 0; k < t->nparam; k++)
				if (t->param[k].mismatched)
					soak_buf_addf(
					    b, "%s%s (%s)", n++ ? ", " : "", t->param[k].name,
					    cnt(t->param[k].mismatched, v[0], sizeof(v[0])));
			soak_buf_adds(b, n ? "" : "unknown parameters");
			soak_buf_adds(b, ". Make sure it reads `SOAK_OVERRIDES_FILE` before each "
			                 "iteration and reports the value it really used; gate it: "
			                 "`--gate 'tune.apply_ratio>=0.95'`.\n");
			count++;
		}
		if (t->decisions[SOAK_TL_REVERTED]) {
			soak_buf_addf(
			    b,
			    "- **Panic reverts%s.** %s tuning step%s went back to earlier "
			    "values because a panic condition held: the tuner moved the "
			    "system into danger. Look at the steps with `\"source\": "
			    "\"panic\"` in tuning.jsonl and the rules before them; gate it: "
			    "`--gate 'tune.reverts==0'`.\n",
			    where, cnt(t->decisions[SOAK_TL_REVERTED], v[0], sizeof(v[0])),
			    t->decisions[SOAK_TL_REVERTED] == 1 ? "" : "s");
			count++;
		}
		for (k = 0, n = 0; k < t->nparam; k++)
			if (t->param[k].frozen)
				soak_buf_addf(b, "%s%s", n++ ? ", " : "- **Frozen by oscillation: ",
				              t->param[k].name);
		if (n) {
			soak_buf_addf(
			    b,
			    "%s.** The tuner turned %s back and forth until the oscillation "
			    "guard froze %s. Lower `max_step`, or give the rules a dead "
			    "band so that they do not fight each other.\n",
			    where, n == 1 ? "it" : "them", n == 1 ? "it" : "them");
			count++;
		}
	}
	return count;
}
