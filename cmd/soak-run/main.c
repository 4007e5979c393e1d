/*
 * soak-run: run a command again and again, watched, and write the soak directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "exitcode.h"
#include "fmt.h"
#include "msg.h"
#include "runner.h"
#include "ui.h"
#include "os.h"
#include "parse.h"
#include "proc.h"
#include "banned.h"

static const char usage[] =
    "usage: soak-run [options] -- COMMAND [ARG...]\n"
    "   or: soak-run [options] --steps FILE\n"
    "\n"
    "Run COMMAND (or the steps of FILE) again and again until --iterations or\n"
    "--duration is reached, kill each iteration's whole process tree at --timeout,\n"
    "and write the soak directory (run.json, metrics.jsonl, samples.jsonl,\n"
    "events.jsonl, summary.json, health.json, logs/).\n"
    "Every option is also SOAK_<NAME> in the environment or a key of --config.\n"
    "\n"
    "options:\n";

/* name, short, type, argument, default, help, flags, min, max */
// clang-format off
static const struct soak_opt options[] = {
	{"dir", 'd', SOAK_OPT_STRING, "DIR", "artifacts/soak",
		"the soak directory", SOAK_OPT_NO_REPLAY, 0, 0},
	{"config", 'c', SOAK_OPT_STRING, "FILE", NULL,
		"JSON configuration file", SOAK_OPT_CLI_ONLY, 0, 0},
	{"replay", 0, SOAK_OPT_STRING, "RUN_JSON", NULL,
		"rerun a recorded run: its settings and command (flags win)", SOAK_OPT_CLI_ONLY, 0, 0},
	{"iterations", 'n', SOAK_OPT_INT, "N", NULL,
		"stop after N iterations", 0, 1, 1000000000000LL},
	{"duration", 'D', SOAK_OPT_DURATION, "DURATION", NULL,
		"stop starting iterations after this long", 0, 0, 0},
	{"timeout", 't', SOAK_OPT_DURATION, "DURATION", "0",
		"per-iteration timeout (0: none); kills the whole tree", 0, 0, 0},
	{"kill-after", 0, SOAK_OPT_DURATION, "DURATION", "5s",
		"grace between SIGTERM and SIGKILL", 0, 0, 0},
	{"heartbeat", 0, SOAK_OPT_DURATION, "DURATION", "0",
		"pause between iterations", 0, 0, 0},
	{"workdir", 'C', SOAK_OPT_STRING, "DIR", NULL,
		"working directory of the command", SOAK_OPT_NO_REPLAY, 0, 0},
	{"env", 'e', SOAK_OPT_LIST, "KEY=VALUE", NULL,
		"extra environment for the command (repeatable; run.json keeps the KEYs only)",
		SOAK_OPT_ENV_VALUES, 0, 0},
	{"command", 0, SOAK_OPT_STRING, "CMD", NULL,
		"the command as one string, run by sh -c (cmd /c on Windows)", 0, 0, 0},
	{"steps", 0, SOAK_OPT_STRING, "FILE", NULL,
		"multi-step iterations from a JSON steps file", 0, 0, 0},
	{"log-max", 0, SOAK_OPT_SIZE, "SIZE", "10MiB",
		"cap per log file (head and tail kept)", 0, 0, 0},
	{"sample-interval", 0, SOAK_OPT_DURATION, "DURATION", "1s",
		"resource sampling period (0: off)", 0, 0, 0},
	{"service", 0, SOAK_OPT_STRING, "CMD", NULL,
		"long-running process under test (run by sh -c)", 0, 0, 0},
	{"service-wait", 0, SOAK_OPT_DURATION, "DURATION", "0",
		"pause after starting the service", 0, 0, 0},
	{"service-restarts", 0, SOAK_OPT_INT, "N", "0",
		"restart a dead service up to N times", 0, 0, 1000000},
	{"watch-pid", 0, SOAK_OPT_INT, "PID", NULL,
		"sample a process started elsewhere", SOAK_OPT_NO_REPLAY, 1, 4194304},
	{"max-failures", 0, SOAK_OPT_INT, "N", NULL,
		"stop (exit 1) once more than N iterations failed", 0, 0, 1000000000000LL},
	{"max-consecutive-failures", 0, SOAK_OPT_INT, "N", NULL,
		"stop (exit 1) after N failures in a row", 0, 1, 1000000000000LL},
	{"fail-fast", 0, SOAK_OPT_FLAG, NULL, NULL,
		"stop at the first failure", 0, 0, 0},
	{"min-free-disk", 0, SOAK_OPT_SIZE, "SIZE", "100MiB",
		"stop cleanly when free disk drops below this", 0, 0, 0},
	{"gate", 'g', SOAK_OPT_LIST, "EXPR", NULL,
		"live gate (soak-report's grammar): abort the run (exit 1) when it fails", 0, 0, 0},
	{"warn-gate", 'w', SOAK_OPT_LIST, "EXPR", NULL,
		"live gate that warns (event, annotation) and lets the run go on", 0, 0, 0},
	{"gate-window", 0, SOAK_OPT_INT, "N", "20",
		"iterations of a gate's @last window", 0, 1, 100000},
	{"gate-delay", 0, SOAK_OPT_STRING, "N|DURATION", "0",
		"judge no gate before N iterations (or this long) have passed", 0, 0, 0},
	{"gate-sustain", 0, SOAK_OPT_INT, "K", "1",
		"a gate counts after K failed evaluations in a row", 0, 1, 1000000},
	{"gate-kill", 0, SOAK_OPT_DURATION, "DURATION", "0",
		"on a gate's abort, cut the running iteration after this long (0: let it finish)",
		0, 0, 0},
	{"every", 0, SOAK_OPT_DURATION, "DURATION", "0",
		"run --every-command this often during the run (0: never)", 0, 0, 0},
	{"every-command", 0, SOAK_OPT_STRING, "CMD", NULL,
		"periodic command (sh -c; cmd /c on Windows) in a tree of its own; never changes "
		"the result", 0, 0, 0},
	{"every-timeout", 0, SOAK_OPT_DURATION, "DURATION", NULL,
		"kill the periodic command's tree after this long (default and at most: --every)",
		0, 0, 0},
	{"resume", 0, SOAK_OPT_FLAG, NULL, NULL,
		"continue the run in DIR after a crash or kill", SOAK_OPT_NO_REPLAY, 0, 0},
	{"force", 0, SOAK_OPT_FLAG, NULL, NULL,
		"start over in a DIR that holds an earlier run", SOAK_OPT_NO_REPLAY, 0, 0},
	{"existing", 0, SOAK_OPT_STRING, "replace|resume|fail", NULL,
		"a DIR with an earlier run: --force, --resume, or refuse it", SOAK_OPT_NO_REPLAY, 0, 0},
	{"artifact", 0, SOAK_OPT_STRING, "NAME", NULL,
		"the workflow artifact of DIR: the job summary says how to replay it",
		SOAK_OPT_NO_REPLAY, 0, 0},
	{"run-id", 0, SOAK_OPT_STRING, "ID", NULL,
		"the run id (default: time and random)", SOAK_OPT_NO_REPLAY, 0, 0},
	{"tune", 0, SOAK_OPT_STRING, "FILE", NULL,
		"guarded tuning between iterations from a tune file (docs/tuning.md)",
		SOAK_OPT_JSON_OBJECT, 0, 0},
	{"overrides-out", 0, SOAK_OPT_STRING, "PATH", NULL,
		"also write the tuned overrides here (the service reads a fixed path)", 0, 0, 0},
	{"tune-freeze", 0, SOAK_OPT_FLAG, NULL, NULL,
		"tune nothing: the initial values (with --replay: the replayed run's final ones)",
		SOAK_OPT_NO_REPLAY, 0, 0},
	{"dry-run", 0, SOAK_OPT_FLAG, NULL, NULL,
		"validate everything, run nothing", SOAK_OPT_NO_REPLAY, 0, 0},
	{"quiet", 'q', SOAK_OPT_FLAG, NULL, NULL,
		"no progress line", 0, 0, 0},
	SOAK_OPT_HELP_VERSION_END,
};
// clang-format on

static int help(void)
{
	struct soak_buf b;

	soak_buf_init(&b, 64 * 1024);
	soak_conf_help(options, &b);
	fputs(usage, stdout);
	fputs(soak_buf_str(&b), stdout);
	fputs("\nexit status: 0 all passed (or within --max-failures), 1 failures or a stop\n"
	      "condition, 2 usage, 3 input, 4 environment, 130/143 SIGINT/SIGTERM.\n",
	      stdout);
	soak_buf_free(&b);
	return SOAK_EXIT_OK;
}

/* The live gates and their window, delay, sustain and kill. */
static int configure_gates(const struct soak_conf *c, struct soak_runner_cfg *cfg,
                           struct soak_err *err)
{
	const struct soak_setting *hard = soak_conf_get(c, "gate"),
	                          *soft = soak_conf_get(c, "warn-gate");
	const char *delay = soak_conf_str(c, "gate-delay");
	long long n;
	size_t i;

	for (i = 0; i < hard->nlist + soft->nlist; i++)
		if (soak_gate_list_add(&cfg->gates, &cfg->ngates,
		                       i < hard->nlist ? hard->list[i]
		                                       : soft->list[i - hard->nlist],
		                       i < hard->nlist, err) < 0)
			return -1;
	cfg->gate_window = (uint64_t)soak_conf_int(c, "gate-window");
	cfg->gate_sustain = (int)soak_conf_int(c, "gate-sustain");
	cfg->gate_kill_ms = soak_conf_ms(c, "gate-kill");
	if (soak_parse_int(delay, 0, 1000000000000LL, &n, err) == 0)
		cfg->gate_delay_iters = n;
	else if (soak_parse_duration(delay, &cfg->gate_delay_ms, err) < 0)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "invalid value '%s' for 'gate-delay': expected a number of "
		                    "iterations (30) or a duration (90s, 20m)",
		                    delay);
	return 0;
}

/* Guarded tuning: --tune (a file or the config's "tune" object), --tune-freeze, --overrides-out. */
static int configure_tune(const struct soak_conf *c, struct soak_runner_cfg *cfg,
                          struct soak_err *err)
{
	const struct soak_setting *t = soak_conf_get(c, "tune");
	int freeze = soak_conf_flag(c, "tune-freeze");
	const char *replay = soak_conf_is_set(c, "replay") ? soak_conf_str(c, "replay") : NULL;

	cfg->overrides_out =
	    soak_conf_is_set(c, "overrides-out") ? soak_conf_str(c, "overrides-out") : NULL;
	if (t->src == SOAK_SRC_NONE && !freeze) {
		if (cfg->overrides_out)
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "--overrides-out needs --tune FILE: nothing to write");
		return 0;
	}
	/* the document of a tune setting taken over from the replayed run (or of none, with
	 * --tune-freeze --replay) is the one recorded in its run.json */
	return soak_runner_tune_load(cfg, t->src == SOAK_SRC_NONE ? NULL : t->text,
	                             t->src == SOAK_SRC_REPLAY || t->src == SOAK_SRC_NONE ? replay
	                                                                                  : NULL,
	                             freeze ? replay : NULL, freeze, err);
}

/* The periodic command: --every, --every-command and --every-timeout go together. */
static int configure_every(const struct soak_conf *c, struct soak_runner_cfg *cfg,
                           struct soak_err *err)
{
	char b[32];

	cfg->every_ms = soak_conf_ms(c, "every");
	cfg->every_command =
	    soak_conf_is_set(c, "every-command") ? soak_conf_str(c, "every-command") : NULL;
	if (cfg->every_command && !*cfg->every_command)
		cfg->every_command = NULL;
	if (cfg->every_ms > 0 && !cfg->every_command)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "--every %s needs --every-command CMD: the command to run",
		                    soak_conf_str(c, "every"));
	if (cfg->every_command && cfg->every_ms <= 0)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "--every-command needs --every DURATION (e.g. 5m): how often "
		                    "to run it");
	cfg->every_timeout_ms =
	    soak_conf_is_set(c, "every-timeout") ? soak_conf_ms(c, "every-timeout") : cfg->every_ms;
	if (cfg->every_ms > 0 &&
	    (cfg->every_timeout_ms <= 0 || cfg->every_timeout_ms > cfg->every_ms))
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "invalid value '%s' for 'every-timeout': more than 0 and at most --every (%s)",
		    soak_conf_str(c, "every-timeout"),
		    soak_format_duration(cfg->every_ms, b, sizeof(b)));
	return 0;
}

/* Fill the engine's configuration from the parsed settings. */
static int configure(const struct soak_conf *c, struct soak_runner_cfg *cfg, struct soak_err *err)
{
	const struct soak_setting *env = soak_conf_get(c, "env");

	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = soak_conf_str(c, "dir");
	cfg->iterations = soak_conf_is_set(c, "iterations") ? soak_conf_int(c, "iterations") : 0;
	cfg->duration_ms = soak_conf_is_set(c, "duration") ? soak_conf_ms(c, "duration") : 0;
	cfg->timeout_ms = soak_conf_ms(c, "timeout");
	cfg->kill_after_ms = soak_conf_ms(c, "kill-after");
	cfg->heartbeat_ms = soak_conf_ms(c, "heartbeat");
	cfg->workdir = soak_conf_is_set(c, "workdir") ? soak_conf_str(c, "workdir") : NULL;
	cfg->log_max = soak_conf_bytes(c, "log-max");
	cfg->sample_ms = soak_conf_ms(c, "sample-interval");
	cfg->service = soak_conf_is_set(c, "service") ? soak_conf_str(c, "service") : NULL;
	cfg->service_wait_ms = soak_conf_ms(c, "service-wait");
	cfg->service_restarts = (int)soak_conf_int(c, "service-restarts");
	cfg->watch_pid = soak_conf_is_set(c, "watch-pid") ? (long)soak_conf_int(c, "watch-pid") : 0;
	cfg->max_failures =
	    soak_conf_is_set(c, "max-failures") ? soak_conf_int(c, "max-failures") : -1;
	cfg->max_consecutive = soak_conf_is_set(c, "max-consecutive-failures")
	                           ? soak_conf_int(c, "max-consecutive-failures")
	                           : -1;
	cfg->fail_fast = soak_conf_flag(c, "fail-fast");
	cfg->min_free_disk = soak_conf_bytes(c, "min-free-disk");
	cfg->resume = soak_conf_flag(c, "resume");
	cfg->force = soak_conf_flag(c, "force");
	cfg->run_id = soak_conf_is_set(c, "run-id") ? soak_conf_str(c, "run-id") : NULL;

	if (configure_gates(c, cfg, err) < 0 || configure_every(c, cfg, err) < 0 ||
	    configure_tune(c, cfg, err) < 0)
		return -1;
	if (cfg->log_max > 0 && cfg->log_max < 1024)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "invalid value for 'log-max': at least 1KiB (or 0 for no cap)");
	if (soak_conf_is_set(c, "existing")) {
		const char *x = soak_conf_str(c, "existing");
		if (!strcmp(x, "replace"))
			cfg->force = 1;
		else if (!strcmp(x, "resume"))
			cfg->resume = 1;
		else if (strcmp(x, "fail"))
			return soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "invalid value '%s' for 'existing': replace, resume or fail", x);
	}
	if (cfg->resume && cfg->force)
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "--resume and --force exclude each other");
	for (size_t i = 0; env && i < env->nlist; i++) {
		const char *eq = strchr(env->list[i], '=');
		if (!eq || eq == env->list[i])
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "invalid value '%s' for 'env': expected KEY=VALUE",
			                    env->list[i]);
	}
	if (soak_conf_is_set(c, "steps")) {
		if (c->nrest > 0 || soak_conf_is_set(c, "command"))
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "give either --steps or a COMMAND, not both");
		if (soak_steps_load(soak_conf_str(c, "steps"), &cfg->steps, err) < 0)
			return -1;
	} else if (c->nrest > 0) {
		if (soak_conf_is_set(c, "command"))
			return soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "give either --command or '-- COMMAND [ARG...]', not both");
		cfg->command = c->rest;
	} else if (soak_conf_is_set(c, "command")) {
		cfg->owned_command = soak_proc_shell_argv(soak_conf_str(c, "command"));
		if (!cfg->owned_command)
			return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
		cfg->command = cfg->owned_command;
	} else if (soak_conf_is_set(c, "replay")) {
		if (soak_runner_replay_command(soak_conf_str(c, "replay"), cfg, err) < 0)
			return -1;
	} else {
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "no command: give '-- COMMAND [ARG...]', --command CMD or --steps FILE");
	}
	if (!cfg->iterations && !cfg->duration_ms)
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "set --iterations or --duration (or both): a soak needs an end");
	return 0;
}

int main(int argc, char **argv)
{
	struct soak_conf conf;
	struct soak_runner_cfg cfg;
	struct soak_runner_result res;
	struct soak_runner_ui ui;
	struct ui_state state;
	struct soak_err err = {0};
	int code;

	soak_os_main_init(&argc, &argv);

	soak_msg_init("soak-run");
	if (soak_conf_parse(&conf, "soak-run", options, argc, argv, 1, &err) < 0) {
		code = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
		return soak_finish(code);
	}
	memset(&cfg, 0, sizeof(cfg));
	if (soak_conf_flag(&conf, "help")) {
		code = help();
		goto out;
	}
	if (soak_conf_flag(&conf, "version")) {
		printf("soak-run %s\n", SOAK_VERSION);
		code = SOAK_EXIT_OK;
		goto out;
	}
	if (configure(&conf, &cfg, &err) < 0) {
		code = err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                   : soak_report_err(&err);
		goto out;
	}
	if (soak_conf_flag(&conf, "dry-run")) {
		code = soak_runner_check(&cfg, &err) < 0 ? soak_report_err(&err) : SOAK_EXIT_OK;
		if (code == SOAK_EXIT_OK)
			printf("soak-run: configuration valid; would write '%s'\n", cfg.dir);
		goto out;
	}
	const struct soak_setting *env = soak_conf_get(&conf, "env");
	char **envv = calloc(env->nlist + 1, sizeof(char *));
	for (size_t i = 0; envv && i < env->nlist; i++)
		envv[i] = env->list[i];
	cfg.env = envv;
	cfg.config = soak_conf_to_json(&conf);
	ui_init(&state, soak_conf_flag(&conf, "quiet"), &ui);
	state.artifact =
	    soak_conf_is_set(&conf, "artifact") ? soak_conf_str(&conf, "artifact") : NULL;
	if (soak_runner_run(&cfg, &ui, &res, &err) < 0 && !res.run_id[0]) {
		code = soak_report_err(&err);
	} else {
		ui_finish(&state, cfg.dir, &res);
		code = err.code ? soak_report_err(&err) : res.exit_code;
	}
	cJSON_Delete(cfg.config);
	free(envv);
out:
	soak_runner_cfg_free(&cfg);
	soak_conf_free(&conf);
	return soak_finish(code);
}
