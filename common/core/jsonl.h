/*
 * JSON Lines: append-only writers that add one complete line per write(2) on an
 * O_APPEND descriptor, and a streaming reader that never loads a whole file.
 * A reader of a file that is still being written ignores a partial last line.
 */
#ifndef SOAK_JSONL_H
#define SOAK_JSONL_H

#include <stdio.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "buf.h"

/* Every record and JSON file carries "schema": "MAJOR.MINOR". */
#define SOAK_SCHEMA_MAJOR 1
#define SOAK_SCHEMA "1.0"

struct soak_jsonl_writer {
	int fd;     /* -1 when closed */
	char *path; /* owned */
};

/* Open (creating) for append. */
int soak_jsonl_open(struct soak_jsonl_writer *w, const char *path, struct soak_err *err);
/* Serialize obj unformatted and append it plus '\n' in one write. */
int soak_jsonl_append(struct soak_jsonl_writer *w, const cJSON *obj, struct soak_err *err);
/* Append line (without '\n'; one is added) in one write. */
int soak_jsonl_append_raw(struct soak_jsonl_writer *w, const char *line, size_t n,
                          struct soak_err *err);
void soak_jsonl_close(struct soak_jsonl_writer *w);

/*
 * Cut a trailing partial line (bytes after the last '\n') off path, as left by a
 * writer killed mid-write. *cut receives the bytes removed. A missing file is fine.
 */
int soak_jsonl_repair(const char *path, size_t *cut, struct soak_err *err);

struct soak_jsonl_reader {
	FILE *f;
	struct soak_buf line;
	unsigned long lineno;   /* number of the line last returned (1-based) */
	unsigned long overlong; /* lines skipped for exceeding max_line */
	int partial;            /* 1 when the file ended in a line without '\n' */
};

/* Lines longer than max_line are skipped and counted in overlong. */
int soak_jsonl_reader_open(struct soak_jsonl_reader *r, const char *path, size_t max_line,
                           struct soak_err *err);
/*
 * Next complete line, NUL-terminated and without '\n' (valid until the next call).
 * Returns 1 with a line, 0 at the end (partial last line not returned), -1 on a read error.
 */
int soak_jsonl_next(struct soak_jsonl_reader *r, const char **line, size_t *len,
                    struct soak_err *err);
void soak_jsonl_reader_close(struct soak_jsonl_reader *r);

/*
 * Check obj's "schema" member against SOAK_SCHEMA_MAJOR: a missing or newer major
 * version fails with SOAK_EXIT_INPUT naming what (e.g. "'run.json'").
 */
int soak_schema_check(const cJSON *obj, const char *what, struct soak_err *err);

#endif
