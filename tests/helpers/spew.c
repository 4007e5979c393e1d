/*
 * spew SIZE: write SIZE bytes of text lines to stdout as fast as possible and
 * exit 0. SIZE is a number with an optional suffix K, M or G (powers of 1024).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/base/banned.h"

int main(int argc, char **argv)
{
	static char buf[65536];
	unsigned long long n, mult = 1;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: spew SIZE\n");
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (end == argv[1] || errno)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1024ULL;
		break;
	case 'm':
	case 'M':
		mult = 1024ULL * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024ULL * 1024 * 1024;
		break;
	default:
		goto bad;
	}
	if (*end && end[1])
		goto bad;
	n *= mult;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	while (n > 0) {
		size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		ssize_t w = write(1, buf, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("spew: write");
			return 1;
		}
		n -= (unsigned long long)w;
	}
	return 0;
bad:
	fprintf(stderr, "spew: bad size '%s'\n", argv[1]);
	return 2;
}
