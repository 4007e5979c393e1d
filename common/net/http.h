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
#include "buf.h"
#include "buf.h"

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

/*
 * A transfer with a body from or to a file (http_xfer.c), for stores of large
 * objects: GET, PUT, HEAD, DELETE or any method. The same retries as
 * soak_http_send (network failures and 5xx, doubling backoff); a 4xx answer is
 * final. The answer's status is in *status; a status in ok_status (besides
 * 2xx, e.g. 404 for "not there") is returned as 1 instead of an error.
 */
struct soak_http_xfer {
	const char *method; /* "GET", "PUT", "HEAD", "DELETE" */
	const char *url;
	const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
	const char *upload_path;    /* request body from this file, or NULL */
	int download_fd;            /* GET: body into this file (rewound on retry), or -1 */
	struct soak_buf *body;      /* or into this bounded buffer (reset on retry), or NULL */
	uint64_t max_download;      /* refuse a longer body (SOAK_EXIT_INPUT); 0: no limit */
	const char *aws_sigv4;      /* CURLOPT_AWS_SIGV4, e.g. "aws:amz:us-east-1:s3", or NULL */
	const char *userpwd;        /* CURLOPT_USERPWD ("ACCESS:SECRET" for SigV4), or NULL */
	long ok_status;             /* a non-2xx status that is an answer, not an error; 0: none */
	int64_t timeout_ms;         /* per attempt, whole transfer; 0: none */
	int64_t connect_timeout_ms; /* 0: libcurl's default */
	int retries;                /* more attempts after the first */
	int64_t backoff_ms;         /* before the first retry; doubles */
	/* progress: bytes moved so far in this attempt; may be NULL */
	void (*progress)(void *ctx, uint64_t now, uint64_t total);
	void *progress_ctx;
};

/* 0 on 2xx, 1 on ok_status, -1 with err otherwise (the body of a 4xx/5xx, cut
 * short, follows the status in the message). */
int soak_http_xfer(const struct soak_http_xfer *x, long *status, struct soak_err *err);

/*
 * One request with its answer (Prometheus queries, notifications). The body of
 * the answer is kept up to max_body bytes; a longer one fails the call.
 */
struct soak_http_call {
	const char *method; /* "GET", "POST", ... */
	const char *url;
	const char *shown_url;      /* what messages name (secrets masked); NULL: url less
	                               any user:password */
	const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
	const char *content_type;   /* may be NULL */
	const void *body;           /* may be NULL (no body) */
	size_t len;
	int64_t connect_timeout_ms; /* 0: libcurl's default */
	int64_t timeout_ms;         /* whole transfer; 0: none */
	size_t max_body;            /* 0: 1 MiB */
};

struct soak_http_resp {
	long status;            /* 0 when no answer came */
	struct soak_buf body;   /* the answer's body (NUL-terminated) */
	int64_t retry_after_ms; /* from a Retry-After header (seconds or HTTP date), else -1 */
};

void soak_http_resp_init(struct soak_http_resp *r);
void soak_http_resp_free(struct soak_http_resp *r);

/*
 * One attempt, no retry. 0 when an answer came, whatever its status; -1 on a
 * network error, a timeout or an overlong body (SOAK_EXIT_ENV naming the shown URL).
 */
int soak_http_call(const struct soak_http_call *c, struct soak_http_resp *r, struct soak_err *err);

/* How soak_http_fetch retries. */
struct soak_http_retry {
	int retries;            /* more attempts after the first */
	int64_t backoff_ms;     /* the first wait (0: 500 ms); doubles each time */
	int64_t max_backoff_ms; /* ceiling of one wait, Retry-After included (0: 60 s) */
	double jitter;          /* each computed wait is scaled by 1 +- jitter (0..1) */
	/* A wait the answer asks for in its body (e.g. Telegram's retry_after), in ms,
	 * or -1; may be NULL. */
	int64_t (*retry_after)(const struct soak_http_resp *r, void *ctx);
	void *ctx;
	/* Sleeps; returns non-zero when interrupted (then no more attempts). NULL: nanosleep. */
	int (*sleep_ms)(int64_t ms);
	/* A soak_mono_ms() time that bounds the whole call (0: none): no attempt starts
	 * and no wait ends after it, and each attempt's timeouts are cut to the time left. */
	int64_t deadline_ms;
};

/*
 * Attempts until a 2xx answer: retries network errors, 408, 429 and 5xx, waiting
 * the backoff (with jitter) or what the server asked for (Retry-After, or
 * rp->retry_after), capped at max_backoff_ms; any other status is final. 0 on
 * 2xx; -1 otherwise, with r holding the last answer (status 0 for none),
 * SOAK_EXIT_ENV and a message naming the status or the network error (or that
 * the deadline left no time for an attempt). *attempts (may be NULL) gets the
 * number of attempts made.
 */
int soak_http_fetch(const struct soak_http_call *c, const struct soak_http_retry *rp,
                    struct soak_http_resp *r, int *attempts, struct soak_err *err);

/* Percent-encode s (RFC 3986 unreserved characters kept) onto out. */
int soak_http_escape(const char *s, struct soak_buf *out);

#endif
