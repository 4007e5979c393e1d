/*
 * soak-bundle: release bundles (release, verify); the cache joins as "cache".
 * Each subcommand has its option table; all share the config section "bundle",
 * so the parse uses the union of the tables and then refuses a flag that is
 * not the subcommand's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cache_cmd.h"
#include "conf.h"
#include "exitcode.h"
#include "gha.h"
#include "msg.h"
#include "fmt.h"
#include "parse.h"
#include "subcmd.h"
#include "os.h"
#include "banned.h"

static const char usage[] =
    "usage: soak-bundle release --src DIR --out DIR [--archive tar.gz|tar.zst|zip] [options]\n"
    "   or: soak-bundle verify BUNDLE\n"
    "   or: soak-bundle cache save|restore --key KEY --path PATH... [options]\n"
    "\n"
    "release  copy a soak's reports into a reproducible bundle with CHANGELOG.md,\n"
    "         rollback_plan.md, MANIFEST.json and SHA256SUMS (and an archive)\n"
    "verify   check a bundle directory or archive against SHA256SUMS and MANIFEST.json\n"
    "cache    save and restore files under a key, as actions/cache does, with no tar\n"
    "         or zstd installed\n"
    "\n"
    "'soak-bundle COMMAND --help' lists a command's options. Exit 0 success, 1 bundle\n"
    "incomplete or not matching, 2 usage, 3 input, 4 environment.\n";

// clang-format off
static const struct soak_opt release_opts[] = {
	{"src", 's', SOAK_OPT_STRING, "DIR", "artifacts/soak",
		"the soak directory, or the directory of its reports", 0, 0, 0},
	{"out", 'o', SOAK_OPT_STRING, "DIR", NULL,
		"the bundle directory to create", 0, 0, 0},
	{"archive", 'a', SOAK_OPT_STRING, "FORMAT", NULL,
		"also write OUT.tar.gz, OUT.tar.zst, OUT.zip or OUT.tar", 0, 0, 0},
	{"include", 'i', SOAK_OPT_LIST, "GLOB", NULL,
		"more files, relative to --src (repeatable)", 0, 0, 0},
	{"require-verdict", 0, SOAK_OPT_STRING, "PASS|WARN|ANY", "WARN",
		"the verdicts a release accepts (WARN: PASS or WARN)", 0, 0, 0},
	{"force", 'f', SOAK_OPT_FLAG, NULL, NULL,
		"replace an existing bundle at --out", 0, 0, 0},
	{"repo", 0, SOAK_OPT_STRING, "DIR", ".",
		"git work tree for the changelog and the commit", 0, 0, 0},
	{"previous-tag", 0, SOAK_OPT_STRING, "TAG", NULL,
		"changes since TAG (default: the tag before HEAD's)", 0, 0, 0},
	{"deploy-time", 0, SOAK_OPT_DURATION, "DURATION", "10m",
		"rollback plan: how long one redeploy takes", 0, 0, 0},
	{"verify-iterations", 0, SOAK_OPT_INT, "N", "10",
		"rollback plan: iterations of the check soak", 0, 1, 1000000},
	{"config", 'c', SOAK_OPT_STRING, "FILE", NULL,
		"JSON config file (section \"bundle\")", SOAK_OPT_CLI_ONLY, 0, 0},
	{"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0},
	SOAK_OPT_HELP_VERSION_END,
};

static const struct soak_opt verify_opts[] = {
	{"config", 'c', SOAK_OPT_STRING, "FILE", NULL,
		"JSON config file (section \"bundle\")", SOAK_OPT_CLI_ONLY, 0, 0},
	{"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL, "no summary on stdout", 0, 0, 0},
	SOAK_OPT_HELP_VERSION_END,
};
// clang-format on

static int run_release(const struct soak_conf *c);
static int run_verify(const struct soak_conf *c);

static const struct soak_subcmd cmds[] = {
    {"release", "soak-bundle release --src DIR --out DIR [options]",
     "Copy the soak's reports and --include files into a new bundle directory with\n"
     "CHANGELOG.md, rollback_plan.md, MANIFEST.json and SHA256SUMS (and, for a tuned\n"
     "soak, tuning/overrides.json and tuning/TUNING.md); with --archive, also\n"
     "one archive beside it. The same inputs give the same bytes (times from\n"
     "SOURCE_DATE_EPOCH or the commit). Exit 1 when the bundle would be incomplete.\n",
     release_opts, run_release, 0},
    {"verify", "soak-bundle verify [options] BUNDLE",
     "Check a bundle directory or archive: every file against SHA256SUMS and\n"
     "MANIFEST.json. Exit 0 when all match, 1 naming each missing, extra or altered file.\n",
     verify_opts, run_verify, 1},
    {"cache", SOAK_BUNDLE_CACHE_SYNOPSIS, soak_bundle_cache_about, soak_bundle_cache_opts,
     soak_bundle_cache_run, 1},
};

static int source_date_epoch(int *have, int64_t *epoch)
{
	const char *s = soak_os_getenv("SOURCE_DATE_EPOCH");
	struct soak_err err = {0};
	long long v;

	*have = 0;
	if (!s || !*s)
		return 0;
	if (soak_parse_int(s, 0, 253402300799LL, &v, &err))
		return soak_usage_error("bad SOURCE_DATE_EPOCH '%s': %s", s, err.msg);
	*have = 1;
	*epoch = v;
	return 0;
}

static int gha_outputs(const struct soak_bundle_result *res, const char *out)
{
	struct soak_err err = {0};

	if (soak_gha_set_output("bundle-dir", out, &err) ||
	    soak_gha_set_output("verdict", res->verdict, &err) ||
	    soak_gha_set_output("commit", res->commit, &err) ||
	    soak_gha_set_output("archive", res->archive_path ? res->archive_path : "", &err) ||
	    soak_gha_set_output("archive-sha256", res->archive_path ? res->archive_sha256 : "",
	                        &err))
		return soak_report_err(&err);
	return 0;
}

static int run_release(const struct soak_conf *c)
{
	const struct soak_setting *inc = soak_conf_get(c, "include");
	struct soak_bundle_release_opts o = {0};
	struct soak_bundle_result res;
	struct soak_err err = {0};
	const char *rv = soak_conf_str(c, "require-verdict");
	char size[32];
	int rc;

	if (!soak_conf_is_set(c, "out"))
		return soak_usage_error("no --out given: the bundle directory to create");
	if (strcmp(rv, "PASS") && strcmp(rv, "WARN") && strcmp(rv, "ANY"))
		return soak_usage_error("bad --require-verdict '%s' (PASS, WARN or ANY)", rv);
	if (soak_conf_is_set(c, "archive")) {
		if (soak_archive_format_parse(soak_conf_str(c, "archive"), &o.format, &err))
			return soak_usage_error("bad --archive: %s", err.msg);
		o.archive = 1;
	}
	if ((rc = source_date_epoch(&o.have_epoch, &o.epoch)))
		return rc;
	o.src = soak_conf_str(c, "src");
	o.out = soak_conf_str(c, "out");
	o.include = inc->list;
	o.ninclude = inc->nlist;
	o.require_verdict = rv;
	o.force = soak_conf_flag(c, "force");
	o.repo = soak_conf_str(c, "repo");
	o.repo_required = soak_conf_get(c, "repo")->src != SOAK_SRC_DEFAULT;
	o.previous_tag =
	    soak_conf_is_set(c, "previous-tag") ? soak_conf_str(c, "previous-tag") : NULL;
	o.deploy_ms = soak_conf_ms(c, "deploy-time");
	o.verify_iterations = (long)soak_conf_int(c, "verify-iterations");
	o.version = SOAK_VERSION;

	rc = soak_bundle_release(&o, &res, &err);
	for (size_t i = 0; i < res.nwarnings; i++)
		soak_warning("%s", res.warnings[i]);
	for (size_t i = 0; i < res.nproblems; i++)
		soak_error("%s", res.problems[i]);
	if (rc) {
		rc = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                 : soak_report_err(&err);
		soak_bundle_result_free(&res);
		return rc;
	}
	if (!soak_conf_flag(c, "quiet")) {
		printf("bundle: %s (%zu files, %s), verdict %s, commit %s\n", o.out, res.nfiles,
		       soak_format_size(res.bytes, size, sizeof(size)), res.verdict,
		       res.commit[0] ? res.commit : "unknown");
		if (res.archive_path)
			printf("archive: %s sha256 %s\n", res.archive_path, res.archive_sha256);
	}
	rc = gha_outputs(&res, o.out);
	soak_bundle_result_free(&res);
	return rc;
}

static int run_verify(const struct soak_conf *c)
{
	struct soak_bundle_result res;
	struct soak_err err = {0};
	char size[32];
	int rc;

	if (!c->nrest)
		return soak_usage_error("no BUNDLE given: a bundle directory or archive");
	if (c->nrest > 1)
		return soak_usage_error("unexpected argument '%s'", c->rest[1]);
	rc = soak_bundle_verify(c->rest[0], &res, &err);
	/* like sha256sum -c: the findings on stdout, the summary on stderr */
	for (size_t i = 0; i < res.nproblems; i++)
		printf("%s\n", res.problems[i]);
	if (rc) {
		fflush(stdout);
		rc = soak_report_err(&err);
	} else if (!soak_conf_flag(c, "quiet")) {
		printf("bundle '%s': %zu files verified (%s)\n", c->rest[0], res.nfiles,
		       soak_format_size(res.bytes, size, sizeof(size)));
	}
	soak_bundle_result_free(&res);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct soak_subcmds prog = {"soak-bundle", usage, "release, verify or cache",
	                                         cmds, sizeof(cmds) / sizeof(cmds[0])};

	soak_os_main_init(&argc, &argv);
	/* zip stores local DOS times: make "local" UTC so archives do not depend on TZ */
	soak_os_utc_local_time();
	return soak_subcmd_main(&prog, argc, argv);
}
