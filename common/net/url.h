/*
 * URLs as messages show them: the one masker for every program that prints a
 * URL it was given (report push, cache stores, notifications, HTTP errors).
 *
 * The userinfo of scheme://USERINFO@HOST/... is everything up to the LAST '@'
 * before the path (the first '/' after "://"): an unescaped '@' in a password
 * stays inside the password. Shown, a password becomes "user:****"; a query
 * value whose parameter name says it is a secret (see soak_url_secret_name)
 * becomes "****". Nothing else changes.
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

#endif
