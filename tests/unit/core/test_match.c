#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__)
#include <fnmatch.h>
#include <glob.h>
#endif

#include "check.h"
#include "match.h"
#include "os.h"

#define M(p, s) soak_match(p, s, 0)
#define MP(p, s) soak_match(p, s, SOAK_MATCH_PATHNAME)
#define MD(p, s) soak_match(p, s, SOAK_MATCH_PERIOD)

static void test_wildcards(void)
{
	CHECK(M("*", ""));
	CHECK(M("*", "abc"));
	CHECK(M("a*c", "abbbc"));
	CHECK(M("a*c", "ac"));
	CHECK(!M("a*c", "acb"));
	CHECK(M("*.txt", "x.txt"));
	CHECK(M("**", "a/b"));
	CHECK(M("a?c", "abc"));
	CHECK(!M("a?c", "ac"));
	CHECK(!M("?", ""));
	CHECK(M("*a*a*a*", "aXaYaZ"));
	CHECK(!M("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	CHECK(M("abc", "abc"));
	CHECK(!M("abc", "abcd"));
	CHECK(!M("abcd", "abc"));
}

static void test_sets(void)
{
	CHECK(M("[abc]", "b"));
	CHECK(!M("[abc]", "d"));
	CHECK(M("[a-c]x", "bx"));
	CHECK(!M("[a-c]x", "dx"));
	CHECK(M("[!a-c]", "d"));
	CHECK(!M("[!a-c]", "a"));
	CHECK(M("[^a]", "b"));
	CHECK(M("[]]", "]"));
	CHECK(M("[!]]", "a"));
	CHECK(!M("[!]]", "]"));
	CHECK(M("[a-]", "-"));
	CHECK(M("[[:digit:]]x", "7x"));
	CHECK(!M("[[:digit:]]x", "ax"));
	CHECK(M("[[:alpha:][:digit:]]", "Q"));
	CHECK(M("[", "[")); /* unclosed: a literal */
	CHECK(M("a[b", "a[b"));
	CHECK(!M("[ab]", ""));
	CHECK(M("[\\]]", "]"));
	CHECK(M("[\\!a]", "!"));
	CHECK(M("[[.a.]-c]", "b"));
	CHECK(M("[[=a=]]", "a"));
	CHECK(M("[[.].]]", "]"));
	CHECK(!M("[[.ab.]]", "a"));  /* a bad collating symbol: nothing */
	CHECK(!M("[[:foo:]]", "a")); /* an unknown class: nothing */
	CHECK(!M("[![:foo:]]", "a"));
	CHECK(!M("[*-", "[-")); /* a range without its end: nothing */
}

static void test_escapes(void)
{
	CHECK(M("\\*", "*"));
	CHECK(!M("\\*", "a"));
	CHECK(M("\\?\\[", "?["));
	CHECK(M("a\\b", "ab"));
	CHECK(!M("a\\", "a\\")); /* a trailing backslash matches nothing */
	CHECK(soak_match("a\\b", "a\\b", SOAK_MATCH_NOESCAPE));
	CHECK(soak_match("\\*", "\\x", SOAK_MATCH_NOESCAPE));
}

static void test_separators(void)
{
	CHECK(M("*", "a/b"));
	CHECK(!MP("*", "a/b"));
	CHECK(!MP("a?b", "a/b"));
	CHECK(!MP("a[/]b", "a/b"));
	CHECK(MP("a/*", "a/b"));
	CHECK(!MP("a/*", "a/b/c"));
	CHECK(MP("*/*", "a/b"));
	CHECK(MP("**", "ab"));
	CHECK(MP("a\\/b", "a/b"));
	CHECK(!MP("*\\/", "a/")); /* glibc: only an unescaped '/' ends a '*' */
	CHECK(M("*\\/", "a/"));
	CHECK(soak_match("\\/*", "/.x", SOAK_MATCH_PATHNAME | SOAK_MATCH_PERIOD));
	CHECK(!MP("**", "a/b"));
}

static void test_leading_dots(void)
{
	CHECK(M("*", ".hidden"));
	CHECK(!MD("*", ".hidden"));
	CHECK(!MD("?hidden", ".hidden"));
	CHECK(!MD("[.]hidden", ".hidden"));
	CHECK(MD(".*", ".hidden"));
	CHECK(MD("a*", "a.b"));
	CHECK(MD("*", "a/.b")); /* without PATHNAME only the string's start */
	CHECK(!soak_match("a/*", "a/.b", SOAK_MATCH_PATHNAME | SOAK_MATCH_PERIOD));
	CHECK(soak_match("a/.*", "a/.b", SOAK_MATCH_PATHNAME | SOAK_MATCH_PERIOD));
}

static void test_path(void)
{
	CHECK(soak_match_path("/w/*.txt", "/w/a.txt", 0));
	CHECK(!soak_match_path("/w/*.txt", "/w/d/a.txt", 0));
	CHECK(soak_match_path("/w/**/*.txt", "/w/d/e/a.txt", 0));
	CHECK(soak_match_path("/w/**/*.txt", "/w/a.txt", 0));
	CHECK(soak_match_path("/w/**", "/w", 0));
	CHECK(soak_match_path("/w/**", "/w/a/b", 0));
	CHECK(!soak_match_path("/w/**", "/x/a", 0));
	CHECK(soak_match_path("/**/x", "/a/b/x", 0));
	CHECK(!soak_match_path("/**/x", "/a/b/y", 0));
	CHECK(soak_match_path("/w/*", "/w/.hidden", 0));
	CHECK(soak_match_path("/w//a/", "/w/a", 0));
	CHECK(soak_match_path("/w/a**b", "/w/axyb", 0)); /* not a whole component: '*' */
	CHECK(!soak_match_path("/w/a**b", "/w/ax/yb", 0));
	CHECK(!soak_match_path("/w/*", "/w", 0));
	CHECK(!soak_match_path("/w", "/w/a", 0));
}

static void test_magic(void)
{
	CHECK(soak_match_has_magic("a*"));
	CHECK(soak_match_has_magic("a[b]"));
	CHECK(soak_match_has_magic("?"));
	CHECK(!soak_match_has_magic("abc"));
	CHECK(!soak_match_has_magic("a\\*b"));
}

#if defined(__unix__)
/* The C library's fnmatch and glob as the reference. */
static void test_against_libc(void)
{
	static const char *const pats[] = {
	    "*",   "?",     "*.c",    "a*",        ".*",      "[a-c]*",   "[!a]*",        "*/*",
	    "a/*", "a/?",   "*/.x",   "[]a]",      "\\*",     "a\\",      "[[:upper:]]*", "*[",
	    "a[",  "**",    "[^a]",   "a/[b]/c",   "[[.a.]]", "[[=a=]b]", "[a-",          "*\\/*",
	    "[/]", "[!/]*", "a\\/.x", "[[:foo:]]", "[*-",
	};
	static const char *const strs[] = {
	    "",  "a", ".x",  "abc", "a/b",   "a/.x", "b.c", ".c",
	    "]", "*", "a\\", "A",   "a/b/c", "[",    "a[",
	};
	static const int flags[][2] = {
	    {0, 0},
	    {SOAK_MATCH_PATHNAME, FNM_PATHNAME},
	    {SOAK_MATCH_PERIOD, FNM_PERIOD},
	    {SOAK_MATCH_PATHNAME | SOAK_MATCH_PERIOD, FNM_PATHNAME | FNM_PERIOD}};

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
			for (size_t k = 0; k < 4; k++) {
				int a = soak_match(pats[i], strs[j], flags[k][0]);
				int b = fnmatch(pats[i], strs[j], flags[k][1]) == 0;

				if (a != b)
					fprintf(stderr, "'%s' '%s' %d: %d != fnmatch %d\n", pats[i],
					        strs[j], flags[k][0], a, b);
				CHECK(a == b);
			}
}

static void mk(const char *dir, const char *name, int is_dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (is_dir) {
		CHECK(soak_os_mkdir(p, 0755) == 0);
	} else {
		int fd = soak_os_open(p, SOAK_O_WRONLY | SOAK_O_CREAT, 0644);
		CHECK(fd >= 0);
		soak_os_close(fd);
	}
}

static void test_glob(void)
{
	char tmpl[] = "/tmp/soak-test-match-XXXXXX";
	static const char *const pats[] = {
	    "*",           "*/*",    "d/*",       "d/*.txt",   ".*",      "d/.*",
	    "*/",          "d/e/*",  "**",        "x",         "d",       "d/",
	    "d/a.txt",     "[de]/*", "*/e/?.txt", "nothing/*", "a.txt/*", "d/\\[x].txt",
	    "d/[[]x].txt", "a.txt",  "link",      "link/*",    "d/*/*",   "?",
	};

	if (soak_os_mkdtemp(tmpl) < 0) {
		CHECK(0);
		return;
	}
	mk(tmpl, "a.txt", 0);
	mk(tmpl, "b", 0);
	mk(tmpl, ".hid", 0);
	mk(tmpl, "d", 1);
	mk(tmpl, "d/a.txt", 0);
	mk(tmpl, "d/.b.txt", 0);
	mk(tmpl, "d/[x].txt", 0);
	mk(tmpl, "d/e", 1);
	mk(tmpl, "d/e/c.txt", 0);
	mk(tmpl, "e", 1);
	mk(tmpl, "e/e", 1);
	mk(tmpl, "e/e/z.txt", 0);
	{
		char l[512];
		snprintf(l, sizeof(l), "%s/link", tmpl);
		CHECK(soak_os_symlink("d", l) == 0);
	}
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char full[512];
		char **got = NULL;
		size_t n = 0;
		glob_t g;
		int rc;

		snprintf(full, sizeof(full), "%s/%s", tmpl, pats[i]);
		CHECK(soak_match_glob(full, &got, &n) == 0);
		rc = glob(full, 0, NULL, &g);
		CHECK_INT(n, rc == 0 ? g.gl_pathc : 0);
		for (size_t j = 0; rc == 0 && j < n && j < g.gl_pathc; j++)
			CHECK_STR(got[j], g.gl_pathv[j]);
		if (rc == 0)
			globfree(&g);
		soak_os_names_free(got, n);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		CHECK(system(cmd) == 0);
	}
}
#endif

int main(void)
{
	test_wildcards();
	test_sets();
	test_escapes();
	test_separators();
	test_leading_dots();
	test_path();
	test_magic();
#if defined(__unix__)
	test_against_libc();
	test_glob();
#endif
	return check_done();
}
