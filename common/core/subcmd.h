/*
 * Programs made of subcommands (soak-bundle, soak-canary). Every subcommand has
 * its own option table, and all of them share the program's config section, so
 * the command line is parsed with the union of the tables; a flag that is not
 * the subcommand's own is then refused, naming the subcommand.
 */
#ifndef SOAK_SUBCMD_H
#define SOAK_SUBCMD_H

#include <stddef.h>

#include "conf.h"

struct soak_subcmd {
	const char *name;
	const char *synopsis; /* "soak-bundle verify [options] BUNDLE" */
	const char *about;    /* the paragraph of its --help */
	const struct soak_opt *opts;
	int (*run)(const struct soak_conf *c); /* an exit code */
	int takes_args;                        /* 0: a leftover argument is a usage error */
};

struct soak_subcmds {
	const char *prog;  /* "soak-bundle" */
	const char *usage; /* the program's own --help */
	const char *names; /* "release, verify or cache", for messages */
	const struct soak_subcmd *v;
	size_t n;
};

/*
 * The whole of main() after the program's own set-up: "PROG --help|-h|help",
 * "PROG --version|-V", then "PROG COMMAND [options]": parse, refuse another
 * subcommand's flags, answer --help and --version, run. Messages are printed;
 * the exit code is returned through soak_finish().
 */
int soak_subcmd_main(const struct soak_subcmds *s, int argc, char **argv);

#endif
