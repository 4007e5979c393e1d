/*
 * soak-canary checklist: the bundle and the watch's plan (flags) to
 * common/canary_tag.c, written to a file, stdout, or into the bundle, sealed
 * there by common/bundle_add.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "canary.h"
#include "canary_cmd.h"
#include "file.h"
#include "str.h"
#include "os.h"
#include "banned.h"

static void plan_of(const struct soak_conf *c, struct soak_canary_plan *p)
{
	const struct soak_setting *m = soak_conf_get(c, "metric");

	p->interval_ms = soak_conf_ms(c, "interval");
	p->duration_ms = soak_conf_ms(c, "duration");
	p->failure_limit = (long)soak_conf_int(c, "failure-limit");
	p->inconclusive_limit = (long)soak_conf_int(c, "inconclusive-limit");
	p->error_limit = (long)soak_conf_int(c, "error-limit");
	p->prometheus = canary_opt(c, "prometheus");
	p->metrics = m->list;
	p->nmetrics = m->nlist;
	p->success = canary_opt(c, "success");
	p->failure = canary_opt(c, "failure");
	p->on_rollback = canary_opt(c, "on-rollback");
	p->on_promote = canary_opt(c, "on-promote");
	p->marginal = soak_conf_double(c, "marginal");
	p->pass = soak_conf_double(c, "pass");
}

/*
 * The name to seal the checklist under when it goes into the bundle directory
 * (no --out, or an --out whose directory is the bundle's), else NULL.
 */
static char *bundle_name(const char *bundle, const char *to)
{
	const char *slash = to ? strrchr(to, '/') : NULL;
	char *dir, *rd, *rb, *name = NULL;

	if (!to)
		return strdup("CANARY_CHECKLIST.md");
	dir = slash ? soak_strndup(to, (size_t)(slash - to) + (slash == to)) : strdup(".");
	rd = dir ? soak_os_realpath(dir) : NULL;
	rb = soak_os_realpath(bundle);
	if (rd && rb && !strcmp(rd, rb) && (slash ? slash[1] : to[0]))
		name = strdup(slash ? slash + 1 : to);
	free(dir);
	free(rd);
	free(rb);
	return name;
}

/* Into the bundle, sealed in its MANIFEST.json and SHA256SUMS (and archives). */
static int seal(const struct soak_conf *c, const char *bundle, const char *name,
                const struct soak_buf *out)
{
	struct soak_bundle_result res = {0};
	struct soak_err err = {0};
	int quiet = soak_conf_flag(c, "quiet"), rc = 0;
	char *path = soak_path_join(bundle, name);

	/* zip stores local DOS times: rewrite archives as soak-bundle writes them */
	soak_os_utc_local_time();
	if (!path) {
		soak_error("out of memory");
		return SOAK_EXIT_ENV;
	}
	if (soak_bundle_add_file(bundle, name, soak_buf_str(out), out->len, &res, &err) < 0) {
		for (size_t i = 0; i < res.nproblems; i++)
			soak_error("%s", res.problems[i]);
		if (res.nproblems)
			soak_err_set(
			    &err, SOAK_EXIT_FAIL,
			    "bundle '%s' does not verify (%zu problem%s): not writing '%s' "
			    "into it; remake it, or write the checklist elsewhere with --out",
			    bundle, res.nproblems, res.nproblems == 1 ? "" : "s", name);
		rc = canary_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < res.nwarnings; i++)
		soak_warning("%s", res.warnings[i]);
	if (quiet)
		goto out;
	if (res.sealed)
		printf("checklist: %s (sealed in MANIFEST.json and SHA256SUMS)\n", path);
	else
		printf("checklist: %s (not sealed: '%s' has no MANIFEST.json or SHA256SUMS)\n",
		       path, bundle);
	for (size_t i = 0; i < res.narchives; i++)
		printf("archive: %s (rewritten)\n", res.archives[i]);
out:
	soak_bundle_result_free(&res);
	free(path);
	return rc;
}

/* To stdout with --out -, else into the bundle (sealed) or to --out. */
static int write_out(const struct soak_conf *c, const char *bundle, const struct soak_buf *out)
{
	const char *to = canary_opt(c, "out");
	struct soak_err err = {0};
	char *name;
	int rc = 0;

	if (to && !strcmp(to, "-")) {
		fputs(soak_buf_str(out), stdout);
		return 0;
	}
	name = bundle_name(bundle, to);
	if (name) {
		rc = seal(c, bundle, name, out);
		free(name);
		return rc;
	}
	if (soak_file_write_atomic(to, soak_buf_str(out), out->len, &err) < 0)
		rc = soak_report_err(&err);
	else if (!soak_conf_flag(c, "quiet"))
		printf("checklist: %s\n", to);
	return rc;
}

int canary_checklist_run(const struct soak_conf *c)
{
	struct soak_canary_plan p = {0};
	struct soak_canary_bundle b;
	struct soak_notify_target *t = NULL;
	struct soak_err err = {0};
	struct soak_buf out;
	char **shown;
	size_t nt = 0;
	int rc;

	if (!canary_opt(c, "bundle"))
		return soak_usage_error("no --bundle given: the bundle directory");
	if ((rc = canary_watch_count(c, &p.count)))
		return rc;
	if ((rc = canary_notify_targets(c, &t, &nt)))
		return rc;
	if (soak_canary_bundle_load(soak_conf_str(c, "bundle"), &b, &err) < 0) {
		canary_notify_free(t, nt);
		return soak_report_err(&err);
	}
	plan_of(c, &p);
	shown = calloc(nt + 1, sizeof(*shown));
	for (size_t i = 0; shown && i < nt; i++)
		shown[i] = t[i].shown;
	p.notify_shown = shown;
	p.nnotify = shown ? nt : 0;
	soak_buf_init(&out, 4 * 1024 * 1024);
	soak_canary_checklist(&b, &p, &out);
	rc = write_out(c, b.dir, &out);
	soak_buf_free(&out);
	free(shown);
	canary_notify_free(t, nt);
	soak_canary_bundle_free(&b);
	return rc;
}
