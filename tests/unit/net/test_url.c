/* The one URL masker: userinfo up to the last '@' of the authority, secret query
 * values; the credentials handed to libcurl. */
#include <stdlib.h>

#include "check.h"
#include "url.h"

static const char *shown(const char *url)
{
	static char out[512];

	soak_url_mask_to(url, out, sizeof(out));
	return out;
}

int main(void)
{
	const char *host;

	/* an unescaped '@' in the password stays in the password */
	CHECK_STR(shown("http://user:pa@ssPW2@127.0.0.1:9/"), "http://user:****@127.0.0.1:9/");
	CHECK_STR(shown("https://u:p@h/x"), "https://u:****@h/x");
	CHECK_STR(shown("https://u@h/x@y"), "https://u@h/x@y");
	CHECK_STR(shown("http://h:9/a/b"), "http://h:9/a/b");
	const char *u = "http://a:b@c@d/e@f";

	CHECK(soak_url_userinfo(u, &host) == u + 12);
	CHECK(host == u + 7);
	CHECK(soak_url_userinfo("http://h/e@f", &host) == NULL);
	/* the authority ends at '/', '?' or '#', as libcurl reads it: a '@' after is no
	 * userinfo, and nothing of a query value shows */
	CHECK(soak_url_userinfo("http://h:9?token=a@b", &host) == NULL);
	CHECK(soak_url_userinfo("http://h#a@b", &host) == NULL);
	CHECK_STR(shown("http://127.0.0.1:9?token=a@SECRET"), "http://127.0.0.1:9?token=****");
	/* for libcurl: the URL without userinfo, the name and password decoded */
	{
		struct soak_buf b;
		char *user, *pw;

		soak_buf_init(&b, 4096);
		CHECK_INT(
		    soak_url_credentials("http://us%65r:pa@ss:PW%402@h:9/x?t=1", &b, &user, &pw),
		    0);
		CHECK_STR(soak_buf_str(&b), "http://h:9/x?t=1");
		CHECK_STR(user, "user");
		CHECK_STR(pw, "pa@ss:PW@2");
		free(user);
		free(pw);
		soak_buf_reset(&b);
		CHECK_INT(soak_url_credentials("http://u@h/%zz", &b, &user, &pw), 0);
		CHECK_STR(soak_buf_str(&b), "http://h/%zz");
		CHECK_STR(user, "u");
		CHECK(pw == NULL);
		free(user);
		soak_buf_reset(&b);
		CHECK_INT(soak_url_credentials("http://h/a@b?x=%40", &b, &user, &pw), 0);
		CHECK_STR(soak_buf_str(&b), "http://h/a@b?x=%40");
		CHECK(user == NULL && pw == NULL);
		soak_buf_free(&b);
	}
	/* secret query values, other values as they are */
	CHECK_STR(shown("http://127.0.0.1:9/x?token=SECRET"), "http://127.0.0.1:9/x?token=****");
	CHECK_STR(shown("http://h/x?a=1&api_key=K&X-Amz-Signature=S&b=2#f"),
	          "http://h/x?a=1&api_key=****&X-Amz-Signature=****&b=2#f");
	CHECK_STR(shown("http://h/x?Password=p;x=y"), "http://h/x?Password=****;x=y");
	CHECK_STR(shown("s3://bucket/prefix"), "s3://bucket/prefix");
	CHECK(soak_url_secret_name("access_token", 12));
	CHECK(!soak_url_secret_name("job", 3));
	/* a path goes before the query */
	{
		struct soak_buf b;

		soak_buf_init(&b, 4096);
		CHECK_INT(soak_url_add_path(&b, "http://h:9/x?token=T#f", "metrics/job/j"), 0);
		CHECK_STR(soak_buf_str(&b), "http://h:9/x/metrics/job/j?token=T#f");
		soak_buf_reset(&b);
		CHECK_INT(soak_url_add_path(&b, "http://u:p@w@h/?q", "a"), 0);
		CHECK_STR(soak_buf_str(&b), "http://u:p@w@h/a?q");
		soak_buf_reset(&b);
		CHECK_INT(soak_url_add_path(&b, "http://h", "a/b"), 0);
		CHECK_STR(soak_buf_str(&b), "http://h/a/b");
		soak_buf_free(&b);
	}
	return check_done();
}
