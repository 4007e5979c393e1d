/*
 * What http.c and http_xfer.c share inside soak_net.
 */
#ifndef SOAK_HTTP_INT_H
#define SOAK_HTTP_INT_H

#include <curl/curl.h>

/*
 * Point handle c at url: CURLOPT_URL without the userinfo, and its user name and
 * password (url.h, soak_url_credentials: an '@' in the password needs no %40) as
 * CURLOPT_USERNAME and CURLOPT_PASSWORD. libcurl copies the strings. -1: out of
 * memory.
 */
int soak_http_set_url(CURL *c, const char *url);

#endif
