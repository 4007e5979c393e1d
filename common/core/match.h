/*
 * Shell patterns, one matcher for every caller (no fnmatch(3) nor glob(3)):
 *
 *   *       any run of characters, the empty one too
 *   ?       any one character
 *   [abc]   one of the set; ranges a-z, classes [:alpha:] (C locale),
 *           [.c.] and [=c=] for c, a ']' first is literal; [!abc] and [^abc]
 *           the complement; an unclosed '[' is a literal '['; an unknown
 *           class, a bad "[." or a range without its end match nothing
 *   \c      the character c itself (a trailing '\' matches nothing)
 *
 * Bytes are compared as bytes (no locale, no case folding). The results are
 * glibc fnmatch(3)'s, corners included (tests/unit/core/test_match.c).
 */
#ifndef SOAK_MATCH_H
#define SOAK_MATCH_H

#include <stddef.h>

/* Wildcards and sets never match '/' (fnmatch's FNM_PATHNAME). */
#define SOAK_MATCH_PATHNAME 0x1
/* A '.' at the start of the string (with PATHNAME, of every component) is
 * matched only by a literal '.' in the pattern (FNM_PERIOD). */
#define SOAK_MATCH_PERIOD 0x2
/* '\' is an ordinary character (FNM_NOESCAPE). */
#define SOAK_MATCH_NOESCAPE 0x4

/* 1 when s matches pattern, else 0. */
int soak_match(const char *pattern, const char *s, int flags);

/*
 * 1 when path matches pattern component by component ('/'-separated, empty
 * components ignored, so "a//b/" is "a/b"): a pattern component "**" matches
 * any number of whole components, zero too; any other component matches one
 * path component under soak_match(…, flags).
 */
int soak_match_path(const char *pattern, const char *path, int flags);

/* 1 when pattern holds an unescaped '*', '?' or '['. */
int soak_match_has_magic(const char *pattern);

/*
 * glob(3) with no flags: the existing paths pattern names, sorted bytewise.
 * Components are matched one directory at a time (soak_os_list_dir), names
 * starting with '.' only by a pattern component starting with '.', a
 * component without wildcards is taken literally (after unescaping); "**" is
 * "*". Directories that cannot be read are skipped. A trailing '/' keeps
 * directories only (and the '/'). *paths is malloc'ed strings (free with
 * soak_os_names_free), *n 0 when nothing matched. 0, or -1 with errno
 * (ENOMEM).
 */
int soak_match_glob(const char *pattern, char ***paths, size_t *n);

#endif
