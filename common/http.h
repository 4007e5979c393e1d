/*
 * HTTP requests through libcurl, for the programs that talk to servers (only
 * they link soak_http). Retries network failures and 5xx answers with a doubling
 * backoff; a 4xx answer is final. Errors: SOAK_EXIT_ENV naming the URL (with
 * any user:password part left out) and the cause.
 */
#ifndef SOAK_HTTP_H
#define SOAK_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

struct soak_http_req {
	const char *method; /* "PUT", "POST" */
	const char *url;
	const char *content_type; /* may be NULL */
	const void *body;
	size_t len;
	int64_t timeout_ms; /* per attempt, whole transfer */
	int retries;        /* more attempts after the first */
	int64_t backoff_ms; /* before the first retry; doubles */
};

/* 0 when the server answered 2xx; *status gets the last HTTP status (0: none). */
int soak_http_send(const struct soak_http_req *req, long *status, struct soak_err *err);

#endif
