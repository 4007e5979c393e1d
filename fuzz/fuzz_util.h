/*
 * Helpers shared by the libFuzzer targets: a scratch file that each input is
 * written to, for the parsers that read files (config, steps, JSON Lines, soak
 * directories), a scratch directory for trees of files (the cache targets), and
 * a NUL-terminated copy of an input for the string parsers.
 */
#ifndef SOAK_FUZZ_UTIL_H
#define SOAK_FUZZ_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* A directory of this process (created at the first call), removed at exit. */
const char *fuzz_dir(void);
/* Write data to fuzz_dir()/name, replacing it; returns the path (static). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* A directory of this process for trees of files (on tmpfs, /dev/shm, when there
 * is one: the cache targets make and remove directories at every input), removed
 * with everything in it at exit. */
const char *fuzz_tree_dir(void);
/* rm -rf path, its directories made writable first. */
void fuzz_rm_tree(const char *path);
/* A malloc'ed copy of data with a NUL after it (and inside it, cut there). */
char *fuzz_str(const uint8_t *data, size_t size);
/* abort() with a message: an invariant the fuzzer must report as a crash. */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
