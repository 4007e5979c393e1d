#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "buf.h"
#include "banned.h"

int main(void)
{
	struct soak_buf b;
	char *p;
	size_t len = 99;

	soak_buf_init(&b, 10);
	CHECK(b.data == NULL);
	CHECK_STR(soak_buf_str(&b), "");
	CHECK_INT(soak_buf_adds(&b, "hello"), 0);
	CHECK_STR(soak_buf_str(&b), "hello");
	CHECK_INT(b.len, 5);
	CHECK_INT(soak_buf_addf(&b, "%d%s", 12, "ab"), 0);
	CHECK_STR(soak_buf_str(&b), "hello12ab");
	CHECK_INT(b.len, 9);
	/* past the ceiling: refused whole, the buffer unchanged */
	CHECK_INT(soak_buf_adds(&b, "xy"), -1);
	CHECK_STR(soak_buf_str(&b), "hello12ab");
	CHECK_INT(soak_buf_addf(&b, "%s", "xy"), -1);
	CHECK_STR(soak_buf_str(&b), "hello12ab");
	CHECK_INT(b.len, 9);
	/* exactly to the ceiling is fine */
	CHECK_INT(soak_buf_add(&b, "!", 1), 0);
	CHECK_STR(soak_buf_str(&b), "hello12ab!");
	CHECK_INT(b.len, 10);
	CHECK(b.cap <= 11);
	CHECK_INT(soak_buf_add(&b, "", 0), 0);
	CHECK_INT(soak_buf_add(&b, "x", 1), -1);

	soak_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(soak_buf_str(&b), "");
	CHECK(b.data != NULL);
	CHECK_INT(soak_buf_add(&b, "a\0b", 3), 0);
	CHECK_INT(b.len, 3);
	CHECK(memcmp(b.data, "a\0b", 4) == 0);

	p = soak_buf_detach(&b, &len);
	CHECK_INT(len, 3);
	CHECK(p && p[0] == 'a' && p[2] == 'b' && p[3] == '\0');
	free(p);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.max, 10);

	/* detaching an empty buffer hands over "" */
	p = soak_buf_detach(&b, &len);
	CHECK(p != NULL);
	CHECK_STR(p, "");
	CHECK_INT(len, 0);
	free(p);

	/* growth over many appends keeps every byte */
	struct soak_buf big;
	soak_buf_init(&big, 1 << 20);
	for (int i = 0; i < 10000; i++)
		CHECK_INT(soak_buf_addf(&big, "%04d,", i % 10000), 0);
	CHECK_INT(big.len, 50000);
	CHECK(memcmp(big.data + 49995, "9999,", 5) == 0);
	CHECK_INT(big.data[big.len], '\0');
	soak_buf_free(&big);
	CHECK(big.data == NULL);

	/* a zero ceiling takes nothing */
	soak_buf_init(&b, 0);
	CHECK_INT(soak_buf_adds(&b, "x"), -1);
	CHECK_INT(soak_buf_adds(&b, ""), 0);
	CHECK_STR(soak_buf_str(&b), "");
	soak_buf_free(&b);

	/* an unbounded buffer refuses a length that would wrap */
	soak_buf_init(&b, (size_t)-1);
	CHECK_INT(soak_buf_adds(&b, "abc"), 0);
	CHECK_INT(soak_buf_add(&b, "x", (size_t)-2), -1);
	CHECK_STR(soak_buf_str(&b), "abc");
	soak_buf_free(&b);
	return check_done();
}
