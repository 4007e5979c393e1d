/* Reading JSON documents with errors a person can act on (file, line, column). */
#ifndef SOAK_JSON_H
#define SOAK_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"

/*
 * Parse text as JSON; on a syntax error fail with code and a message
 * "<what>: JSON syntax error at line L, column C" (what names the source, e.g.
 * "config 'soak.json'" or "'steps.json'").
 */
int soak_json_parse(const char *text, size_t len, const char *what, int code, cJSON **out,
                    struct soak_err *err);

/*
 * Read and parse a file of at most max bytes. A missing or unreadable file, or a
 * syntax error, fails with SOAK_EXIT_INPUT.
 */
int soak_json_load(const char *path, size_t max, cJSON **out, struct soak_err *err);

/* Serialize obj (formatted when pretty) and write it atomically with a final newline. */
int soak_json_write(const char *path, const cJSON *obj, int pretty, struct soak_err *err);
/* The same through soak_file_replace (no fsync), for state rewritten often. */
int soak_json_replace(const char *path, const cJSON *obj, int pretty, struct soak_err *err);

/* Add a number, or null when !have. */
void soak_json_add_num_or_null(cJSON *obj, const char *name, int have, double v);

#endif
