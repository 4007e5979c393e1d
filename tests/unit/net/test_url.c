/* The one URL masker: userinfo up to the last '@', secret query values. */
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
		CHECK_INT(soak_url_add_path(&b, "http://u:p@w?d@h/?q", "a"), 0);
		CHECK_STR(soak_buf_str(&b), "http://u:p@w?d@h/a?q");
		soak_buf_reset(&b);
		CHECK_INT(soak_url_add_path(&b, "http://h", "a/b"), 0);
		CHECK_STR(soak_buf_str(&b), "http://h/a/b");
		soak_buf_free(&b);
	}
	return check_done();
}
