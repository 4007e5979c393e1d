/*
 * forkbomb_tree K: start K sleeping descendants in our process group (children,
 * each with at most one grandchild), print "ready" once all of them run, sleep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../common/base/banned.h"

static void __attribute__((noreturn)) idle(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int sync[2], k;
	char *end, c;
	long v;

	if (argc != 2) {
		fprintf(stderr, "usage: forkbomb_tree K\n");
		return 2;
	}
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || v < 0 || v > 1000) {
		fprintf(stderr, "forkbomb_tree: bad count '%s'\n", argv[1]);
		return 2;
	}
	k = (int)v;
	if (pipe(sync) < 0)
		return 1;
	/* Each descendant holds the write end until it runs; EOF means all are up. */
	for (int started = 0; started < k;) {
		int with_grandchild = k - started >= 2;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(sync[0]);
			if (with_grandchild) {
				pid_t g = fork();
				if (g < 0)
					_exit(1);
				if (g == 0) {
					close(sync[1]);
					idle();
				}
			}
			close(sync[1]);
			idle();
		}
		started += with_grandchild ? 2 : 1;
	}
	close(sync[1]);
	for (;;) {
		ssize_t r = read(sync[0], &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	close(sync[0]);
	printf("ready\n");
	fflush(stdout);
	idle();
}
