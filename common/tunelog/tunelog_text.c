/* tuning.jsonl's model as text for people (tunelog.h): every number through fmt.h. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "tunelog.h"
#include "banned.h"

static char *cnt(uint64_t v, char *buf, size_t n)
{
	return soak_fmt(SOAK_U_COUNT, (double)v, buf, n);
}

static char *val(double v, char *buf, size_t n)
{
	return soak_fmt_setting(v, buf, n);
}

char *soak_tunelog_before(const struct soak_tunelog_param *p, char *buf, size_t n)
{
	char v[64], it[32];

	if (!p->have_applied)
		snprintf(buf, n, "never changed");
	else
		snprintf(buf, n, "%s (after iteration %s)", val(p->applied_from, v, sizeof(v)),
		         cnt(p->applied_iteration, it, sizeof(it)));
	return buf;
}

int soak_tunelog_sentence(const struct soak_tunelog *t, struct soak_buf *b)
{
	char a[32], c[32], d[32];
	size_t k, nf = 0;

	if (!t->steps)
		soak_buf_adds(b, "no tuning step recorded");
	else
		soak_buf_addf(b, "%s step%s after iterations %s to %s", cnt(t->steps, a, sizeof(a)),
		              t->steps == 1 ? "" : "s", cnt(t->first_iteration, c, sizeof(c)),
		              cnt(t->last_iteration, d, sizeof(d)));
	if (t->checked)
		soak_buf_addf(b, "; the command used the value written in %s of %s checks (%s)",
		              cnt(t->matched, a, sizeof(a)), cnt(t->checked, c, sizeof(c)),
		              soak_fmt(SOAK_U_RATIO, soak_tunelog_apply_ratio(t), d, sizeof(d)));
	else
		soak_buf_adds(b, "; no apply check (no parameter has an applied_kpi the command "
		                 "reported)");
	soak_buf_addf(b, "; freeze ready: %s; frozen: ", t->freeze_ready ? "yes" : "no");
	for (k = 0; k < t->nparam; k++)
		if (t->param[k].frozen)
			soak_buf_addf(b, "%s%s", nf++ ? ", " : "", t->param[k].name);
	soak_buf_adds(b, nf ? "" : "none");
	if (t->bad)
		soak_buf_addf(b, "; %s malformed line%s skipped", cnt(t->bad, a, sizeof(a)),
		              t->bad == 1 ? "" : "s");
	if (t->partial)
		soak_buf_adds(b, "; partial last line ignored");
	if (t->params_dropped)
		soak_buf_addf(b, "; parameters past the first %d not shown",
		              SOAK_TUNELOG_MAX_PARAMS);
	return soak_buf_adds(b, ".");
}

static int md_counts(struct soak_buf *b, const char *what, const char *unit,
                     const char *const *names, const uint64_t *v, size_t n)
{
	char a[32];
	size_t i;
	int rc = soak_buf_addf(b, "| %s | %s |\n|---|---:|\n", what, unit);

	for (i = 0; i < n; i++) {
		rc |= soak_buf_adds(b, "| ");
		rc |= soak_buf_add_md_cell(b, names[i]);
		rc |= soak_buf_addf(b, " | %s |\n", cnt(v[i], a, sizeof(a)));
	}
	return rc;
}

int soak_tunelog_md_counts(const struct soak_tunelog *t, struct soak_buf *b)
{
	int rc =
	    md_counts(b, "decision", "steps", soak_tunelog_decision_names, t->decisions, SOAK_TL_N);

	rc |= soak_buf_adds(b, "\n");
	rc |= md_counts(b, "guard", "changes", (const char *const *)t->guard_name, t->guards,
	                t->nguards);
	return rc ? -1 : 0;
}

int soak_tunelog_md_params(const struct soak_tunelog *t, struct soak_buf *b,
                           int (*path)(const struct soak_series *, size_t, struct soak_buf *))
{
	char v[7][64];
	size_t k;
	int rc = soak_buf_addf(b,
	                       "| parameter | initial | final | min | max | changes | before the "
	                       "last applied change | mismatched |%s\n"
	                       "|---|---:|---:|---:|---:|---:|---:|---:|%s\n",
	                       path ? " path |" : "", path ? "---|" : "");

	for (k = 0; k < t->nparam; k++) {
		const struct soak_tunelog_param *p = &t->param[k];

		rc |= soak_buf_adds(b, "| ");
		rc |= soak_buf_add_md_cell(b, p->name);
		rc |= soak_buf_addf(
		    b, "%s | %s | %s | %s | %s | %s | %s | %s |", p->frozen ? " (frozen)" : "",
		    val(p->initial, v[0], sizeof(v[0])), val(p->final, v[1], sizeof(v[1])),
		    val(p->min, v[2], sizeof(v[2])), val(p->max, v[3], sizeof(v[3])),
		    cnt(p->changes, v[4], sizeof(v[4])), soak_tunelog_before(p, v[5], sizeof(v[5])),
		    cnt(p->mismatched, v[6], sizeof(v[6])));
		if (path) {
			rc |= soak_buf_adds(b, " ");
			rc |= path(&p->path, 40, b);
			rc |= soak_buf_adds(b, " |");
		}
		rc |= soak_buf_adds(b, "\n");
	}
	return rc ? -1 : 0;
}
