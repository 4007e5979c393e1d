/* soak-bundle cache save|restore: the option table and the run function main.c dispatches to. */
#ifndef SOAK_BUNDLE_CACHE_CMD_H
#define SOAK_BUNDLE_CACHE_CMD_H

#include "conf.h"

#define SOAK_BUNDLE_CACHE_SYNOPSIS                                                                 \
	"soak-bundle cache save --key KEY --path PATH... [options]\n"                              \
	"   or: soak-bundle cache restore --key KEY [--restore-keys PREFIX...] --path PATH... "    \
	"[options]"

extern const char soak_bundle_cache_about[];
extern const struct soak_opt soak_bundle_cache_opts[];
int soak_bundle_cache_run(const struct soak_conf *c);

#endif
