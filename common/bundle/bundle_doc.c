#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"
#include "clock.h"
#include "exitcode.h"
#include "fmt.h"
#include "parse.h"
#include "git.h"
#include "str.h"
#include "banned.h"

#define GIT_OUT_MAX (16 * 1024 * 1024)

int soak_bundle_add_line(char ***list, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = soak_bundle_add_vline(list, n, fmt, ap);
	va_end(ap);
	return rc;
}

int soak_bundle_add_vline(char ***list, size_t *n, const char *fmt, va_list ap)
{
	char **grown;
	char *line;

	if (vasprintf(&line, fmt, ap) < 0)
		return -1;
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(line);
		return -1;
	}
	*list = grown;
	grown[(*n)++] = line;
	return 0;
}

long soak_bundle_schema_major(const cJSON *doc)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	const char *p;
	long major = 0;

	if (!cJSON_IsString(s) || !s->valuestring[0])
		return -1;
	for (p = s->valuestring; *p >= '0' && *p <= '9'; p++) {
		if (major > 100000)
			return -1;
		major = major * 10 + (*p - '0');
	}
	if (p == s->valuestring || (*p && *p != '.'))
		return -1;
	return major;
}

/* ---- git ---- */

/* The first line of b without its newline, into dst. */
static void first_line(const struct soak_buf *b, char *dst, size_t n)
{
	const char *s = soak_buf_str(b);
	size_t len = strcspn(s, "\n");

	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static char *dup_line(const struct soak_buf *b)
{
	const char *s = soak_buf_str(b);

	return soak_strndup(s, strcspn(s, "\n"));
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int parse_log(struct soak_bundle_git *g, const struct soak_buf *b, struct soak_err *err)
{
	const char *p = soak_buf_str(b);

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		/* "<40 hex>\t<subject>"; anything else is git talking on stderr */
		if (len > 41 && p[40] == '\t' && is_hex(p, 40)) {
			char **sha = realloc(g->sha, (g->ncommits + 1) * sizeof(*sha));
			char **sub;

			if (!sha)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			g->sha = sha;
			sub = realloc(g->subject, (g->ncommits + 1) * sizeof(*sub));
			if (!sub)
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			g->subject = sub;
			sha[g->ncommits] = soak_strndup(p, 40);
			sub[g->ncommits] = soak_strndup(p + 41, len - 41);
			if (!sha[g->ncommits] || !sub[g->ncommits]) {
				free(sha[g->ncommits]);
				free(sub[g->ncommits]);
				return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
			}
			g->ncommits++;
		}
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

int soak_bundle_git_read(const char *repo, const char *previous_tag, struct soak_bundle_git *g,
                         struct soak_err *err)
{
	struct soak_buf b;
	char range[600];
	int code, ret = -1;

	memset(g, 0, sizeof(*g));
	soak_buf_init(&b, GIT_OUT_MAX);
	{
		const char *args[] = {"log", "-1", "--format=%H %ct", "HEAD", NULL};
		long long t;
		char line[128];

		if (soak_git(repo, args, &b, &code, err) < 0) {
			/* git that cannot be run is the same as no repository */
			if (err->code != SOAK_EXIT_INPUT)
				goto out;
			snprintf(g->why, sizeof(g->why), "%s", err->msg);
			soak_err_clear(err);
			ret = 0;
			goto out;
		}
		first_line(&b, line, sizeof(line));
		if (code != 0 || strlen(line) < 42 || line[40] != ' ' || !is_hex(line, 40) ||
		    soak_parse_int(line + 41, 0, 253402300799LL, &t, err) < 0) {
			first_line(&b, g->why, sizeof(g->why));
			if (!g->why[0])
				snprintf(g->why, sizeof(g->why), "git exited with %d", code);
			soak_err_clear(err);
			ret = 0;
			goto out;
		}
		memcpy(g->commit, line, 40);
		g->commit_time = t;
	}
	{
		const char *args[] = {"describe", "--tags", "--exact-match", "HEAD", NULL};

		if (soak_git(repo, args, &b, &code, err) < 0)
			goto out;
		if (code == 0 && !(g->tag = dup_line(&b)))
			goto oom;
	}
	if (previous_tag) {
		char spec[512];
		const char *args[] = {"rev-parse", "--verify", "--quiet", spec, NULL};

		snprintf(spec, sizeof(spec), "%s^{commit}", previous_tag);
		if (soak_git(repo, args, &b, &code, err) < 0)
			goto out;
		if (code != 0) {
			soak_err_set(err, SOAK_EXIT_USAGE, "previous tag '%s' is not in '%s'",
			             previous_tag, repo);
			goto out;
		}
		if (!(g->prev = strdup(previous_tag)))
			goto oom;
	} else {
		/* HEAD carries the release tag: the previous one is the newest before it */
		const char *args[] = {"describe", "--tags", "--abbrev=0", g->tag ? "HEAD^" : "HEAD",
		                      NULL};

		if (soak_git(repo, args, &b, &code, err) < 0)
			goto out;
		if (code == 0 && !(g->prev = dup_line(&b)))
			goto oom;
	}
	snprintf(range, sizeof(range), "%s%sHEAD", g->prev ? g->prev : "", g->prev ? ".." : "");
	{
		const char *args[] = {
		    "log", "--no-merges", "--no-decorate", "--no-color", "--format=%H%x09%s", range,
		    "--",  NULL};

		if (soak_git(repo, args, &b, &code, err) < 0)
			goto out;
		if (code != 0) {
			char why[512];

			first_line(&b, why, sizeof(why));
			soak_err_set(err, SOAK_EXIT_INPUT, "git log '%s' in '%s' failed: %s", range,
			             repo, why);
			goto out;
		}
		if (parse_log(g, &b, err) < 0)
			goto out;
	}
	g->ok = 1;
	ret = 0;
	goto out;
oom:
	soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
out:
	soak_buf_free(&b);
	return ret;
}

void soak_bundle_git_free(struct soak_bundle_git *g)
{
	for (size_t i = 0; i < g->ncommits; i++) {
		free(g->sha[i]);
		free(g->subject[i]);
	}
	free(g->sha);
	free(g->subject);
	free(g->tag);
	free(g->prev);
	memset(g, 0, sizeof(*g));
}

/* Conventional-commit style prefixes, in any case: after blanks, a keyword, an
 * optional "(scope)" (anything but ')'), an optional '!', then ':'. */
static const char *const group_words[2][4] = {
    {"feat", "feature", NULL},
    {"fix", "bugfix", "hotfix", NULL},
};
static const char *const group_title[3] = {"Features", "Fixes", "Other"};

/* 1 when s (just after the keyword) is "(scope)", then '!', then ':', the
 * first two optional. */
static int prefix_tail(const char *s)
{
	if (*s == '(') {
		const char *e = strchr(s, ')');

		if (!e)
			return 0;
		s = e + 1;
	}
	if (*s == '!')
		s++;
	return *s == ':';
}

/* 1 when s starts with word, in any case, and what follows is prefix_tail. */
static int has_word(const char *s, const char *word)
{
	for (; *word; s++, word++)
		if (tolower((unsigned char)*s) != *word)
			return 0;
	return prefix_tail(s);
}

int soak_bundle_commit_group(const char *subject)
{
	while (isspace((unsigned char)*subject))
		subject++;
	for (int i = 0; i < 2; i++)
		for (const char *const *w = group_words[i]; *w; w++)
			if (has_word(subject, *w))
				return i;
	return 2;
}

/* ---- the snapshot ---- */

static const cJSON *jget(const cJSON *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static int jnum(const cJSON *o, const char *path, double *v)
{
	const cJSON *x = jget(o, path);

	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return 0;
	*v = x->valuedouble;
	return 1;
}

static const char *jstr(const cJSON *o, const char *path)
{
	const cJSON *x = jget(o, path);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static const char *negate_op(const char *op)
{
	if (!strcmp(op, "<"))
		return ">=";
	if (!strcmp(op, "<="))
		return ">";
	if (!strcmp(op, ">"))
		return "<=";
	if (!strcmp(op, ">="))
		return "<";
	if (!strcmp(op, "==") || !strcmp(op, "="))
		return "!=";
	if (!strcmp(op, "!="))
		return "==";
	return "not";
}

/* The gate's metric part: "duration_ms:p(95)@last" of "duration_ms:p(95)@last<340". */
static void gate_subject(const char *expr, char *buf, size_t n)
{
	size_t k = strcspn(expr, "<>=!");

	if (k >= n)
		k = n - 1;
	memcpy(buf, expr, k);
	buf[k] = '\0';
}

/* Backticks in code spans would end them; commit subjects and names are shown plainly. */
static void add_code(struct soak_buf *o, const char *s)
{
	soak_buf_adds(o, "`");
	for (; *s; s++)
		soak_buf_add(o, *s == '`' ? "'" : s, 1);
	soak_buf_adds(o, "`");
}

static void add_text(struct soak_buf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			soak_buf_adds(o, " ");
		else
			soak_buf_add(o, s, 1);
	}
}

static void run_ids(const cJSON *snap, struct soak_buf *o)
{
	const cJSON *src;
	int n = 0;

	cJSON_ArrayForEach(src, cJSON_GetObjectItemCaseSensitive(snap, "sources"))
	{
		const char *id = jstr(src, "run_id");
		const char *state = jstr(src, "state");

		soak_buf_adds(o, n++ ? ", " : "");
		add_code(o, id ? id : "unknown");
		if (state)
			soak_buf_addf(o, " (%s)", state);
	}
	if (!n)
		soak_buf_adds(o, "unknown");
}

static void kpi_summary(const cJSON *snap, struct soak_buf *o)
{
	const cJSON *w = jget(snap, "whole"), *k;
	char a[64], b[64], c[64], d[64];
	double v, lo, hi;
	int have_gates = 0, g_pass = 0, g_fail = 0, g_nodata = 0;
	const cJSON *gate;

	soak_buf_adds(o, "## Soak summary\n\n");
	soak_buf_addf(o, "- **Verdict: %s**", jstr(snap, "verdict") ? jstr(snap, "verdict") : "?");
	if (jstr(snap, "reason")) {
		soak_buf_adds(o, " (");
		add_text(o, jstr(snap, "reason"));
		soak_buf_adds(o, ")");
	}
	soak_buf_adds(o, "\n- Run: ");
	run_ids(snap, o);
	soak_buf_adds(o, "\n");
	if (jnum(w, "iterations", &v)) {
		double p = 0, f = 0, t = 0, e = 0, s = 0;

		jnum(w, "counts.pass", &p);
		jnum(w, "counts.fail", &f);
		jnum(w, "counts.timeout", &t);
		jnum(w, "counts.error", &e);
		jnum(w, "counts.skipped", &s);
		char n5[5][32];

		soak_buf_addf(o,
		              "- Iterations: %s: %s passed, %s failed, %s timed out, %s errors, "
		              "%s skipped\n",
		              soak_fmt(SOAK_U_COUNT, v, a, sizeof(a)),
		              soak_fmt(SOAK_U_COUNT, p, n5[0], sizeof(n5[0])),
		              soak_fmt(SOAK_U_COUNT, f, n5[1], sizeof(n5[1])),
		              soak_fmt(SOAK_U_COUNT, t, n5[2], sizeof(n5[2])),
		              soak_fmt(SOAK_U_COUNT, e, n5[3], sizeof(n5[3])),
		              soak_fmt(SOAK_U_COUNT, s, n5[4], sizeof(n5[4])));
	}
	if (jnum(w, "pass_rate", &v)) {
		const cJSON *ci = jget(w, "pass_rate_ci95");

		soak_buf_addf(o, "- Pass rate: %s", soak_fmt(SOAK_U_RATIO, v, a, sizeof(a)));
		if (cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) &&
		    cJSON_IsNumber(cJSON_GetArrayItem(ci, 1))) {
			lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
			hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
			soak_buf_addf(o, " (95%% CI %s to %s)",
			              soak_fmt(SOAK_U_RATIO, lo, b, sizeof(b)),
			              soak_fmt(SOAK_U_RATIO, hi, c, sizeof(c)));
		}
		soak_buf_adds(o, "\n");
	}
	if (jnum(w, "longest_failure_streak", &v))
		soak_buf_addf(o, "- Longest failure streak: %s\n",
		              soak_fmt(SOAK_U_COUNT, v, a, sizeof(a)));
	if (jnum(w, "metrics.duration_ms.p50", &v)) {
		double p95 = 0, p99 = 0, max = 0;

		jnum(w, "metrics.duration_ms.p95", &p95);
		jnum(w, "metrics.duration_ms.p99", &p99);
		jnum(w, "metrics.duration_ms.max", &max);
		soak_buf_addf(
		    o, "- Iteration duration: p50 %s, p95 %s, p99 %s, max %s\n",
		    soak_fmt(SOAK_U_MS, v, a, sizeof(a)), soak_fmt(SOAK_U_MS, p95, b, sizeof(b)),
		    soak_fmt(SOAK_U_MS, p99, c, sizeof(c)), soak_fmt(SOAK_U_MS, max, d, sizeof(d)));
	}
	if (jnum(w, "metrics.rss.max", &v) && v >= 0)
		soak_buf_addf(o, "- Peak RSS: max %s\n", soak_fmt(SOAK_U_BYTES, v, a, sizeof(a)));
	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(snap, "gates"))
	{
		const char *out = jstr(gate, "outcome");

		have_gates = 1;
		if (out && !strcmp(out, "pass"))
			g_pass++;
		else if (out && !strcmp(out, "fail"))
			g_fail++;
		else
			g_nodata++;
	}
	if (have_gates)
		soak_buf_addf(o, "- Gates: %d passed, %d failed, %d without data\n", g_pass, g_fail,
		              g_nodata);
	else
		soak_buf_adds(o, "- Gates: none\n");
	if (jstr(snap, "generated"))
		soak_buf_addf(o, "- Report generated: %s\n", jstr(snap, "generated"));
	k = jget(w, "kpi");
	if (cJSON_IsObject(k) && k->child) {
		const cJSON *m;

		soak_buf_adds(o, "\n| KPI | count | mean | p50 | p95 | min | max |\n"
		                 "|---|---|---|---|---|---|---|\n");
		cJSON_ArrayForEach(m, k)
		{
			static const char *const f[] = {"count", "mean", "p50",
			                                "p95",   "min",  "max"};

			soak_buf_adds(o, "| ");
			add_code(o, m->string);
			for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
				soak_buf_addf(o, " | %s",
				              jnum(m, f[i], &v)
				                  ? soak_fmt(i ? soak_fmt_unit_of(m->string, NULL)
				                               : SOAK_U_COUNT,
				                             v, a, sizeof(a))
				                  : "n/a");
			soak_buf_adds(o, " |\n");
		}
	}
}

int soak_bundle_changelog(const cJSON *snap, const struct soak_bundle_git *g, struct soak_buf *out)
{
	soak_buf_adds(out, "# Changelog\n\n");
	kpi_summary(snap, out);
	soak_buf_adds(out, "\n");
	if (!g->ok) {
		soak_buf_adds(out, "## Changes\n\nNo git repository was read, so no changes are "
		                   "listed");
		if (g->why[0]) {
			soak_buf_adds(out, " (");
			add_text(out, g->why);
			soak_buf_adds(out, ")");
		}
		soak_buf_adds(out, ".\n");
		return out->len + 1 >= out->max ? -1 : 0;
	}
	if (g->prev) {
		soak_buf_adds(out, "## Changes since ");
		add_code(out, g->prev);
		soak_buf_adds(out, "\n\n");
	} else {
		soak_buf_adds(out, "## Changes\n\nNo earlier tag: every commit is listed.\n\n");
	}
	soak_buf_addf(out, "%zu commit%s up to ", g->ncommits, g->ncommits == 1 ? "" : "s");
	add_code(out, g->commit);
	if (g->tag) {
		soak_buf_adds(out, " (tag ");
		add_code(out, g->tag);
		soak_buf_adds(out, ")");
	}
	soak_buf_adds(out, ".\n");
	for (int grp = 0; grp < 3; grp++) {
		int any = 0;

		for (size_t i = 0; i < g->ncommits; i++) {
			if (soak_bundle_commit_group(g->subject[i]) != grp)
				continue;
			if (!any++)
				soak_buf_addf(out, "\n### %s\n\n", group_title[grp]);
			soak_buf_adds(out, "- ");
			add_text(out, g->subject[i]);
			soak_buf_addf(out, " (`%.12s`)\n", g->sha[i]);
		}
	}
	/* a full buffer would have refused an append: tell the caller */
	return out->len + 1 >= out->max ? -1 : 0;
}

static void gate_table(const cJSON *snap, const char *kind, struct soak_buf *o)
{
	const cJSON *gate;
	char a[96], b[96], subj[256];

	soak_buf_adds(o, "| trigger | roll back when | soak value | soak gate |\n"
	                 "|---|---|---|---|\n");
	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(snap, "gates"))
	{
		const char *expr = jstr(gate, "expr"), *op = jstr(gate, "op");
		const char *k = jstr(gate, "kind"), *outcome = jstr(gate, "outcome");
		double thr, val;

		if (!expr || !op || !k || strcmp(k, kind) || !jnum(gate, "threshold", &thr))
			continue;
		gate_subject(expr, subj, sizeof(subj));
		soak_buf_adds(o, "| ");
		add_code(o, subj);
		soak_buf_addf(o, " | %s %s | %s | ", negate_op(op),
		              soak_fmt_named(expr, thr, a, sizeof(a)),
		              jnum(gate, "value", &val) ? soak_fmt_named(expr, val, b, sizeof(b))
		                                        : "no data");
		add_code(o, expr);
		soak_buf_addf(o, " (%s) |\n", outcome ? outcome : "?");
	}
}

static int count_gates(const cJSON *snap, const char *kind)
{
	const cJSON *gate;
	int n = 0;

	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(snap, "gates"))
	{
		const char *k = jstr(gate, "kind");
		double t;

		if (k && !strcmp(k, kind) && jstr(gate, "expr") && jstr(gate, "op") &&
		    jnum(gate, "threshold", &t))
			n++;
	}
	return n;
}

/* A gate expression in single quotes for a shell command line. */
static void add_shell_quoted(struct soak_buf *o, const char *s)
{
	soak_buf_adds(o, "'");
	for (; *s; s++) {
		if (*s == '\'')
			soak_buf_adds(o, "'\\''");
		else
			soak_buf_add(o, s, 1);
	}
	soak_buf_adds(o, "'");
}

/* The tuned parameters and the values to go back to, for the rollback plan. */
static void tuned_params(const struct soak_tunelog *t, struct soak_buf *o)
{
	char a[64], b[64], c[64];

	soak_buf_adds(o, "\n## Tuned parameters\n\n"
	                 "The soak tuned these parameters while it ran (`tuning/TUNING.md`); this "
	                 "release ends with the values in `tuning/overrides.json`. To take the "
	                 "tuning back, give each parameter the value before its last applied "
	                 "change, or its initial value when every change is suspect.\n\n"
	                 "| parameter | released with | before the last applied change | initial "
	                 "|\n|---|---:|---:|---:|\n");
	for (size_t i = 0; i < t->nparam; i++) {
		const struct soak_tunelog_param *p = &t->param[i];

		soak_buf_adds(o, "| ");
		soak_buf_add_md_cell(o, p->name);
		soak_buf_addf(o, " | %s | %s | %s |\n", soak_fmt_setting(p->final, a, sizeof(a)),
		              soak_tunelog_before(p, b, sizeof(b)),
		              soak_fmt_setting(p->initial, c, sizeof(c)));
	}
}

int soak_bundle_tuning_md(const cJSON *snap, const struct soak_tunelog *t, const char *hex,
                          struct soak_buf *out)
{
	char a[64], b[64], c[64];
	size_t nf = 0;

	soak_buf_adds(out, "# Tuning verification\n\nRun ");
	run_ids(snap, out);
	soak_buf_adds(out, ". What `soak-run --tune` did between iterations, from the soak "
	                   "directory's `tuning.jsonl`: ");
	soak_tunelog_sentence(t, out);
	soak_buf_adds(out, "\n\n## Checks\n\n| check | result |\n|---|---|\n"
	                   "| changes the command used as written (apply ratio) | ");
	if (t->checked)
		soak_buf_addf(out, "%s (%s of %s) |\n",
		              soak_fmt(SOAK_U_RATIO, soak_tunelog_apply_ratio(t), a, sizeof(a)),
		              soak_fmt(SOAK_U_COUNT, (double)t->matched, b, sizeof(b)),
		              soak_fmt(SOAK_U_COUNT, (double)t->checked, c, sizeof(c)));
	else
		soak_buf_adds(out, "not checked (no parameter has an applied_kpi the command "
		                   "reported) |\n");
	soak_buf_addf(out,
	              "| steps reverted by panic | %s |\n| freeze ready after the last "
	              "step | %s |\n| frozen parameters | ",
	              soak_fmt(SOAK_U_COUNT, (double)t->decisions[SOAK_TL_REVERTED], a, sizeof(a)),
	              t->freeze_ready ? "yes" : "no");
	for (size_t i = 0; i < t->nparam; i++)
		if (t->param[i].frozen) {
			soak_buf_adds(out, nf++ ? ", " : "");
			soak_buf_add_md_cell(out, t->param[i].name);
		}
	soak_buf_addf(out, "%s |\n| final overrides | ", nf ? "" : "none");
	if (!hex[0])
		soak_buf_adds(out, "none (no tuning step) |\n");
	else if (!strcmp(hex, t->sha256))
		soak_buf_addf(out,
		              "`tuning/overrides.json`, SHA-256 `%s`: the overrides_sha256 "
		              "soak-run recorded for its last step |\n",
		              hex);
	else
		soak_buf_addf(out,
		              "`tuning/overrides.json`, SHA-256 `%s`: **not** the "
		              "overrides_sha256 soak-run recorded for its last step (`%s`) |\n",
		              hex, t->sha256[0] ? t->sha256 : "none");
	soak_buf_adds(out, "\n## Decisions and guards\n\nEach step's decision, and the guard "
	                   "that limited each change.\n\n");
	soak_tunelog_md_counts(t, out);
	soak_buf_addf(out, "\n## Parameters\n\nFinal against initial values; the rollback "
	                   "plan names the values to go back to.\n\n");
	soak_tunelog_md_params(t, out, NULL);
	return out->len + 1 >= out->max ? -1 : 0;
}

int soak_bundle_rollback(const cJSON *snap, const struct soak_bundle_git *g,
                         const struct soak_bundle_release_opts *o, char *const *carried,
                         size_t ncarried, const struct soak_tunelog *tune, struct soak_buf *out)
{
	int nhard = count_gates(snap, "hard"), nsoft = count_gates(snap, "soft");
	const cJSON *w = jget(snap, "whole"), *gate;
	char a[64], b[64], c[64];
	double v, mean_ms = 0;
	int64_t total_ms;
	int have_run = 0;

	soak_buf_adds(out, "# Rollback plan\n\nRelease: ");
	if (g->ok) {
		soak_buf_adds(out, "commit ");
		add_code(out, g->commit);
		if (g->tag) {
			soak_buf_adds(out, " (tag ");
			add_code(out, g->tag);
			soak_buf_adds(out, ")");
		}
	} else {
		soak_buf_adds(out, "commit unknown");
	}
	soak_buf_addf(out, "; soak verdict **%s**; run ",
	              jstr(snap, "verdict") ? jstr(snap, "verdict") : "?");
	run_ids(snap, out);
	soak_buf_adds(out, ".\nRoll back to: ");
	if (g->prev) {
		add_code(out, g->prev);
		soak_buf_adds(out, ", the previous tag.\n");
	} else {
		soak_buf_adds(out, "the release deployed before this one (no earlier tag was "
		                   "found).\n");
	}

	soak_buf_adds(out, "\n## Triggers\n\n");
	if (nhard) {
		soak_buf_adds(out, "Roll back at once when any of these holds in production; the "
		                   "thresholds are the hard gates this release passed its soak "
		                   "with.\n\n");
		gate_table(snap, "hard", out);
	}
	if (nsoft) {
		soak_buf_adds(out, nhard ? "\n" : "");
		soak_buf_adds(out, "Investigate when any of these holds, and roll back when it "
		                   "persists; the thresholds are the soak's soft gates.\n\n");
		gate_table(snap, "soft", out);
	}
	if (!nhard && !nsoft) {
		const cJSON *ci = jget(w, "pass_rate_ci95");

		soak_buf_adds(out, "The soak had no gates; these triggers come from its whole-run "
		                   "figures.\n\n| trigger | roll back when | soak value |\n"
		                   "|---|---|---|\n");
		if (jnum(w, "pass_rate", &v) && cJSON_GetArraySize(ci) == 2 &&
		    cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)))
			soak_buf_addf(
			    out, "| pass rate | < %s (the lower 95%% bound of the soak's) | %s |\n",
			    soak_fmt(SOAK_U_RATIO, cJSON_GetArrayItem(ci, 0)->valuedouble, a,
			             sizeof(a)),
			    soak_fmt(SOAK_U_RATIO, v, b, sizeof(b)));
		if (jnum(w, "longest_failure_streak", &v))
			soak_buf_addf(out, "| consecutive failures | > %s | %s |\n",
			              soak_fmt(SOAK_U_COUNT, v, a, sizeof(a)), a);
		if (jnum(w, "metrics.duration_ms.max", &v)) {
			double p95;
			int have = jnum(w, "metrics.duration_ms.p95", &p95);

			soak_buf_addf(
			    out, "| iteration duration | > %s (the soak's maximum) | p95 %s |\n",
			    soak_fmt(SOAK_U_MS, v, a, sizeof(a)),
			    have ? soak_fmt(SOAK_U_MS, p95, b, sizeof(b)) : "n/a");
		}
	}

	if (tune && tune->nparam)
		tuned_params(tune, out);
	soak_buf_adds(out, "\n## Steps\n\n"
	                   "1. Stop the rollout: pause deployments and any canary of this "
	                   "release.\n");
	if (g->prev) {
		soak_buf_adds(out, "2. Redeploy ");
		add_code(out, g->prev);
		soak_buf_adds(out, " with the pipeline that deployed this release.\n");
	} else {
		soak_buf_adds(out, "2. Redeploy the previous release with the pipeline that "
		                   "deployed this one.\n");
	}
	soak_buf_adds(out, "3. Restore the runtime settings that were in effect before this "
	                   "release");
	if (ncarried) {
		soak_buf_adds(out,
		              "; the ones this release ran its soak with are in this bundle: ");
		for (size_t i = 0; i < ncarried; i++) {
			soak_buf_adds(out, i ? ", " : "");
			add_code(out, carried[i]);
		}
	}
	if (tune && tune->nparam)
		soak_buf_adds(out, "; give the tuned parameters the values \"Tuned parameters\" "
		                   "names");
	soak_buf_adds(out, ".\n4. Run the checks below; when they fail, escalate instead of "
	                   "retrying the rollback.\n"
	                   "5. Record the rollback: the trigger, its time and this bundle's "
	                   "run id.\n");

	soak_buf_adds(out, "\n## Checks after rollback\n\n");
	for (size_t i = 0; i < ncarried && !have_run; i++)
		have_run = !strcmp(carried[i], "run.json");
	soak_buf_addf(out,
	              "Soak the rolled-back version for %ld iterations with the gates of this "
	              "release's soak; `soak-report` must exit 0",
	              o->verify_iterations);
	if (have_run)
		soak_buf_addf(
		    out,
		    ". `--replay` runs the soak's command with its timeouts and settings, "
		    "from this bundle's `run.json`:\n\n```sh\n"
		    "soak-run --replay run.json --iterations %ld\nsoak-report",
		    o->verify_iterations);
	else
		soak_buf_addf(
		    out,
		    ". This bundle has no `run.json`: give the soak's command and its "
		    "`--timeout`:\n\n```sh\n"
		    "soak-run --iterations %ld --timeout TIMEOUT -- SOAK-COMMAND\nsoak-report",
		    o->verify_iterations);
	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(snap, "gates"))
	{
		const char *expr = jstr(gate, "expr"), *k = jstr(gate, "kind");

		if (!expr || !k)
			continue;
		soak_buf_adds(out, !strcmp(k, "hard") ? " --gate " : " --warn-gate ");
		add_shell_quoted(out, expr);
	}
	soak_buf_adds(out, "\n```\n\nThen none of the triggers above holds in production.\n");

	soak_buf_adds(out, "\n## Expected duration\n\n");
	jnum(w, "metrics.duration_ms.mean", &mean_ms);
	if (mean_ms < 0)
		mean_ms = 0;
	total_ms = o->deploy_ms + (int64_t)llround(mean_ms * (double)o->verify_iterations);
	soak_buf_addf(out,
	              "About %s: the redeploy (%s, `--deploy-time`) and %ld check iterations of "
	              "%s each (the soak's mean).\n",
	              soak_format_duration(total_ms, a, sizeof(a)),
	              soak_format_duration(o->deploy_ms, b, sizeof(b)), o->verify_iterations,
	              soak_fmt(SOAK_U_MS, mean_ms, c, sizeof(c)));
	return out->len + 1 >= out->max ? -1 : 0;
}
