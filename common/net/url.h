/*
 * URLs as messages show them: the one masker for every program that prints a
 * URL it was given (report push, cache stores, notifications, HTTP errors).
 *
 * The authority of scheme://USERINFO@HOST/... ends at the first '/', '?' or '#'
 * after "://" (as libcurl reads it: a '@' in a query value is no userinfo); its
 * userinfo is everything up to its LAST '@': an unescaped '@' in a password stays
 * inside the password (a '/', '?' or '#' in one must be percent-encoded).
 * Shown, a password becomes "user:****"; a query value whose parameter name
 * says it is a secret (see soak_url_secret_name) becomes "****". Nothing else
 * changes.
 */
#ifndef SOAK_URL_H
#define SOAK_URL_H

#include <stddef.h>
#include "buf.h"

#define SOAK_URL_MASK "****"

/*
 * The authority of url (after "scheme://", or url itself without a scheme) in
 * *host, and the '@' that ends its userinfo, or NULL when it has none.
 */
const char *soak_url_userinfo(const char *url, const char **host);

/* Whether a query parameter name (n bytes) names a secret: it contains, in any
 * case, token, secret, pass, pwd, key, auth, sig, credential or session. */
int soak_url_secret_name(const char *name, size_t n);

/* Append url as shown in messages to out. -1: out of memory (out too small). */
int soak_url_mask(struct soak_buf *out, const char *url);

/* The same into a fixed buffer of n bytes, cut short when longer. */
void soak_url_mask_to(const char *url, char *out, size_t n);

/*
 * Append to out url with path added at the end of its path, before any query
 * or fragment, with one '/' between them. -1: out of memory.
 */
int soak_url_add_path(struct soak_buf *out, const char *url, const char *path);

/*
 * For a request: url without its userinfo appended to bare, and the user name and
 * password of the userinfo (up to its last '@'; the name ends at its first ':')
 * percent-decoded in *user and *password (malloc'ed; NULL when absent), for
 * CURLOPT_USERNAME and CURLOPT_PASSWORD: libcurl itself refuses an '@' in a
 * password that is not written %40. -1: out of memory.
 */
int soak_url_credentials(const char *url, struct soak_buf *bare, char **user, char **password);

#endif
