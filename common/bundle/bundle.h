/*
 * Release bundles (soak-bundle release / verify): the reports of a soak, the
 * files the user names, a changelog, a rollback plan, MANIFEST.json and
 * SHA256SUMS, in a directory and optionally one archive, byte-for-byte
 * reproducible from the same inputs. docs/soak-bundle.md is the user's view.
 *
 * Layout of a bundle directory (and of the archive, under one top directory
 * named like the bundle directory):
 *   POST_SOAK_SNAPSHOT.json POST_SOAK_AUDIT.md RECOMMENDATIONS.md FAILURES.md
 *   run.json (when the source is a soak directory that has one)
 *   every file matched by an include pattern, at its path relative to the source
 *   CHANGELOG.md rollback_plan.md
 *   tuning/overrides.json tuning/TUNING.md (a soak directory with a tuning.jsonl)
 *   MANIFEST.json   every file above: path, size, sha256, mode; run, verdict, commit
 *   SHA256SUMS      every file but itself, as sha256sum prints it
 */
#ifndef SOAK_BUNDLE_H
#define SOAK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "arch.h"
#include "err.h"

#define SOAK_BUNDLE_SCHEMA "1.0"
#define SOAK_BUNDLE_SCHEMA_MAJOR 1

struct soak_bundle_release_opts {
	const char *src; /* a report directory, or a soak directory with reports/ */
	const char *out; /* the bundle directory to create */
	int archive;     /* also write out + soak_archive_format_ext(format) */
	enum soak_archive_format format;
	char *const *include; /* glob patterns relative to src ('*' stops at '/'); a
	                         directory matched takes every file under it */
	size_t ninclude;
	const char *require_verdict; /* "PASS", "WARN" (PASS or WARN) or "ANY" */
	int force;                   /* replace an existing bundle at out (and its archive) */
	const char *repo;            /* git work tree for changelog, commit and time */
	int repo_required;           /* 1: a repo that git cannot read is an input error */
	const char *previous_tag;    /* NULL: the tag before HEAD's, from git describe */
	int have_epoch;              /* SOURCE_DATE_EPOCH given: epoch overrides commit time */
	int64_t epoch;
	int64_t deploy_ms;      /* rollback plan: the time one redeploy takes */
	long verify_iterations; /* rollback plan: iterations of the check soak */
	const char *version;    /* the tool's version, for MANIFEST.json */
};

struct soak_bundle_result {
	char **problems; /* release: what makes the bundle incomplete; verify: each mismatch,
	                    as "missing: 'x'", "extra: 'y'", "altered: 'z' (...)" */
	size_t nproblems;
	char **warnings; /* things the caller may want to tell (e.g. no git repository) */
	size_t nwarnings;
	size_t nfiles;      /* files in the bundle (verify: files that matched) */
	uint64_t bytes;     /* their total size */
	char verdict[16];   /* the snapshot's verdict */
	char commit[41];    /* the source commit, "" when unknown */
	int64_t epoch;      /* the time stamped on every file and entry */
	char *archive_path; /* the archive written, or NULL */
	char archive_sha256[65];
	int sealed;      /* add_file: the file was listed in MANIFEST.json and SHA256SUMS */
	char **archives; /* add_file: the archives beside the bundle that were rewritten */
	size_t narchives;
};

void soak_bundle_result_free(struct soak_bundle_result *res);

/*
 * Check the source, gather the files, and write the bundle to a temporary
 * directory renamed to o->out at the end (and the archive likewise), so a
 * failed release leaves nothing behind. Errors:
 *   SOAK_EXIT_FAIL  incomplete: required reports missing, an include pattern that
 *                   matched nothing, a verdict --require-verdict does not accept;
 *                   res->problems lists each; nothing is written
 *   SOAK_EXIT_USAGE an existing out without force, or one that is not a bundle;
 *                   a bad include pattern (absolute, "..") or one that would
 *                   overwrite a generated file; an unknown previous tag
 *   SOAK_EXIT_INPUT src missing or not a directory, a file that cannot be read, a
 *                   malformed snapshot or one of a newer schema, a path that
 *                   leaves src through a symlink, a name sha256sum cannot list,
 *                   a repo that is not a git work tree when repo_required
 *   SOAK_EXIT_ENV   the bundle cannot be written
 */
int soak_bundle_release(const struct soak_bundle_release_opts *o, struct soak_bundle_result *res,
                        struct soak_err *err);

/*
 * Check a bundle directory or archive against its SHA256SUMS and MANIFEST.json:
 * 0 when every file matches both and nothing is missing or extra; otherwise -1
 * with SOAK_EXIT_FAIL and res->problems naming each file, sorted by path.
 * SOAK_EXIT_INPUT when path is missing or unreadable, not an archive, has
 * neither SHA256SUMS nor MANIFEST.json, or a manifest of a newer schema.
 */
int soak_bundle_verify(const char *path, struct soak_bundle_result *res, struct soak_err *err);

/*
 * Write name (a plain file name, no '/') with data into the bundle directory
 * dir and seal it in: its entry in MANIFEST.json "files" (size, sha256, mode
 * 0644; replaced when name is listed already) and its line in SHA256SUMS, both
 * rewritten sorted by path and atomically (temporary name, rename), every file
 * written and dir itself stamped with the bundle's time (MANIFEST.json
 * "created"), as soak_bundle_release would have made the bundle had name been
 * one of its files. Every archive release writes beside dir (dir.tar,
 * dir.tar.gz, dir.tar.zst, dir.zip, found next to dir's real path) that exists
 * as a regular file is rewritten the same way and named in res->archives; one
 * that is not a regular file is left alone with a line in res->warnings.
 *
 * The bundle is verified first (soak_bundle_verify; an unlisted name already in
 * dir is not held against it, it is replaced): a bundle that does not verify is
 * not touched, SOAK_EXIT_FAIL with res->problems. A directory with neither
 * MANIFEST.json nor SHA256SUMS is not a bundle: name is written there (atomic)
 * and not sealed (res->sealed 0). Errors: SOAK_EXIT_USAGE for a bad name or
 * MANIFEST.json / SHA256SUMS; SOAK_EXIT_INPUT for a dir that cannot be read or a
 * MANIFEST.json without "created"; SOAK_EXIT_ENV when writing fails (the
 * message says what is left stale).
 */
int soak_bundle_add_file(const char *dir, const char *name, const void *data, size_t len,
                         struct soak_bundle_result *res, struct soak_err *err);

#endif
