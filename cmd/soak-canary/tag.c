/*
 * soak-canary tag: the bundle and flags to common/canary_tag.c, the summary,
 * $GITHUB_OUTPUT (tag, tag-commit) and the exit code.
 */
#include <stdio.h>

#include "canary.h"
#include "canary_cmd.h"
#include "gha.h"
#include "banned.h"

int canary_tag_run(const struct soak_conf *c)
{
	struct soak_canary_tag_opts o = {0};
	struct soak_canary_tag_result res;
	struct soak_canary_bundle b;
	struct soak_err err = {0};
	struct soak_buf msg;
	int rc;

	if (!canary_opt(c, "bundle"))
		return soak_usage_error("no --bundle given: the bundle directory");
	if (!canary_opt(c, "tag"))
		return soak_usage_error("no --tag given: the tag to create");
	if (soak_canary_bundle_load(soak_conf_str(c, "bundle"), &b, &err) < 0)
		return soak_report_err(&err);
	soak_buf_init(&msg, 1024 * 1024);
	if (soak_canary_tag_message(&b, soak_conf_str(c, "tag"), &msg) < 0) {
		soak_error("the tag message is over 1 MiB");
		soak_buf_free(&msg);
		soak_canary_bundle_free(&b);
		return SOAK_EXIT_INPUT;
	}
	o.repo = soak_conf_str(c, "repo");
	o.tag = soak_conf_str(c, "tag");
	o.commit =
	    canary_opt(c, "commit") ? canary_opt(c, "commit") : (*b.commit ? b.commit : NULL);
	o.push = canary_opt(c, "push");
	o.dry_run = soak_conf_flag(c, "dry-run");
	rc = soak_canary_tag(&o, soak_buf_str(&msg), &res, &err);
	if (rc < 0) {
		rc = canary_fail(&err);
	} else if (o.dry_run) {
		printf("would tag %s as '%s' with this message:\n%s", res.commit, o.tag,
		       soak_buf_str(&msg));
	} else {
		if (!soak_conf_flag(c, "quiet"))
			printf("tagged %s as '%s' (tag object %s)%s%s\n", res.commit, o.tag,
			       res.object, res.pushed ? ", pushed to " : "",
			       res.pushed ? o.push : "");
		if (soak_gha_set_output("tag", o.tag, &err) < 0 ||
		    soak_gha_set_output("tag-commit", res.commit, &err) < 0)
			rc = soak_report_err(&err);
	}
	soak_buf_free(&msg);
	soak_canary_bundle_free(&b);
	return rc;
}
