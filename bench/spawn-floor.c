/*
 * The floor for soak-run's overhead: spawn a command N times and wait for it,
 * nothing else. Usage: spawn-floor N COMMAND [ARG...]
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	long n;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn-floor N COMMAND [ARG...]\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "spawn-floor: bad count '%s'\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;
		if (posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0) {
			perror("spawn-floor: posix_spawnp");
			return 4;
		}
		if (waitpid(pid, &st, 0) < 0) {
			perror("spawn-floor: waitpid");
			return 4;
		}
	}
	return 0;
}
