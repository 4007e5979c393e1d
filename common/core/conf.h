/*
 * Options and configuration from one table. Every setting has one name used
 * three ways, with one precedence:
 *     --name VALUE  >  SOAK_NAME environment variable  >  config file  >  default
 * ("max-failures" is --max-failures, SOAK_MAX_FAILURES and "max-failures" or
 * "max_failures" in the config file). Values are validated before any work
 * starts; the source that won is recorded for run.json.
 *
 * The config file (--config FILE or SOAK_CONFIG) is a JSON object. Top-level keys
 * are settings; the keys "run", "report", "bundle", "canary" and "clean" are
 * sections for one program each, overriding top-level keys for that program and
 * ignored by the others. A key no program section knows is an error.
 */
#ifndef SOAK_CONF_H
#define SOAK_CONF_H

#include <stdint.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "buf.h"

enum soak_opt_type {
	SOAK_OPT_FLAG, /* no argument; true when given ("--x" / SOAK_X=true / "x": true) */
	SOAK_OPT_STRING,
	SOAK_OPT_INT,      /* in [min, max] */
	SOAK_OPT_DOUBLE,   /* in [min, max] */
	SOAK_OPT_DURATION, /* parse.h durations, in milliseconds */
	SOAK_OPT_SIZE,     /* parse.h sizes, in bytes */
	SOAK_OPT_LIST,     /* repeatable string; env: one item per line; config: array */
};

/* opt flags */
#define SOAK_OPT_CLI_ONLY 0x1  /* no env, no config (e.g. --help, --config, --version) */
#define SOAK_OPT_SECRET 0x2    /* value is never echoed into run.json or messages */
#define SOAK_OPT_NO_REPLAY 0x4 /* not taken over from a replayed run.json (machine-specific) */
/* A list of KEY=VALUE whose values may be secrets: run.json records the KEYs
 * only, and a replay takes each value from the environment again (a KEY that is
 * not set there fails the parse, SOAK_EXIT_USAGE naming it). */
#define SOAK_OPT_ENV_VALUES 0x8
/* A STRING whose config-file value may also be a JSON object (a document given inline):
 * its text is then the object, printed as JSON, starting with '{'. */
#define SOAK_OPT_JSON_OBJECT 0x10

struct soak_opt {
	const char *name; /* long flag without "--"; NULL ends the table */
	char short_name;  /* 0 when none */
	enum soak_opt_type type;
	const char *arg;  /* argument placeholder for help, e.g. "DURATION" */
	const char *def;  /* default as text (parsed like user input), NULL for none */
	const char *help; /* one line */
	unsigned flags;
	long long min, max; /* range for INT and DOUBLE (DOUBLE uses them as doubles) */
};

/* The last entries of every program's option table: --help, --version, the end. */
// clang-format off
#define SOAK_OPT_HELP_VERSION_END \
	{"help", 'h', SOAK_OPT_FLAG, NULL, NULL, "print this help and exit", SOAK_OPT_CLI_ONLY, 0, 0}, \
	{"version", 'V', SOAK_OPT_FLAG, NULL, NULL, "print the version and exit", \
		SOAK_OPT_CLI_ONLY, 0, 0}, \
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0}
// clang-format on

enum soak_src {
	SOAK_SRC_NONE,
	SOAK_SRC_DEFAULT,
	SOAK_SRC_CONFIG,
	SOAK_SRC_REPLAY, /* from the "config" of a run.json named by --replay */
	SOAK_SRC_ENV,
	SOAK_SRC_FLAG,
};

struct soak_setting {
	const struct soak_opt *opt;
	enum soak_src src; /* SOAK_SRC_NONE: not set and no default */
	char *text;        /* the value as given (scalar types) */
	long long i;       /* INT, FLAG (0/1) */
	double d;          /* DOUBLE */
	int64_t ms;        /* DURATION */
	uint64_t bytes;    /* SIZE */
	char **list;       /* LIST items (owned) */
	size_t nlist;
};

struct soak_conf {
	const char *prog; /* "soak-run": for the config section ("run") and messages */
	const struct soak_opt *opts;
	size_t nopts;
	struct soak_setting *v; /* one per option, in table order */
	char **rest;            /* positional arguments (after "--" too), not owned */
	int nrest;
	char *config_path; /* the config file read, or NULL */
};

/*
 * Parse argv (argv[0] is the program), then the environment, then a replayed
 * run (an option named "replay" naming a run.json: every setting whose recorded
 * source was not the default, less SOAK_OPT_NO_REPLAY ones), then the config
 * file named by --config/SOAK_CONFIG (an option named "config" must be in the
 * table for that), then defaults. Options may be "--name value", "--name=value",
 * "-x value"; "--" ends options. When stop_at_positional is set, the first
 * non-option argument ends options (for "prog [options] COMMAND ARGS").
 * Errors: SOAK_EXIT_USAGE naming the setting, the value, where it came from and
 * what is allowed; SOAK_EXIT_INPUT for an unreadable config file.
 */
int soak_conf_parse(struct soak_conf *c, const char *prog, const struct soak_opt *opts, int argc,
                    char **argv, int stop_at_positional, struct soak_err *err);
void soak_conf_free(struct soak_conf *c);

/* Look up a setting by name; NULL when no such option (a programming error). */
const struct soak_setting *soak_conf_get(const struct soak_conf *c, const char *name);
/* Shorthands; the setting must exist. is_set: src != NONE. */
int soak_conf_is_set(const struct soak_conf *c, const char *name);
const char *soak_conf_str(const struct soak_conf *c, const char *name);
long long soak_conf_int(const struct soak_conf *c, const char *name);
double soak_conf_double(const struct soak_conf *c, const char *name);
int64_t soak_conf_ms(const struct soak_conf *c, const char *name);
uint64_t soak_conf_bytes(const struct soak_conf *c, const char *name);
int soak_conf_flag(const struct soak_conf *c, const char *name);

const char *soak_src_name(enum soak_src src); /* "flag", "env", "replay", "config", "default" */

/*
 * The effective configuration as JSON for run.json:
 * { "timeout": { "value": "30s", "source": "flag" }, ... } (secrets as "***").
 * CLI-only options and unset settings without default are left out.
 */
cJSON *soak_conf_to_json(const struct soak_conf *c);

/* The option list for --help, aligned, one per line, with defaults. */
int soak_conf_help(const struct soak_opt *opts, struct soak_buf *out);

#endif
