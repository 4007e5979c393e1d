/*
 * daemonize PIDFILE [--exit-now]: detach like a classic daemon (fork, setsid,
 * fork again). The first process exits 0 at once; the grandchild writes its pid
 * to PIDFILE (whole, by rename), keeps stdout and stderr open and sleeps for an
 * hour, or with --exit-now exits 0 right after writing PIDFILE (a daemon that
 * ends by itself, leaving a zombie for whoever it was re-parented to).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/base/banned.h"

int main(int argc, char **argv)
{
	char tmp[4096], line[32];
	FILE *f;
	pid_t pid;
	int exit_now = 0;

	if (argc == 3 && !strcmp(argv[2], "--exit-now"))
		exit_now = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: daemonize PIDFILE [--exit-now]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0)
		return 0;
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	f = fopen(tmp, "w");
	if (!f || fputs(line, f) == EOF || fclose(f) == EOF || rename(tmp, argv[1]) < 0)
		_exit(1);
	if (exit_now)
		_exit(0);
	printf("daemon %ld\n", (long)getpid());
	fflush(stdout);
	for (int i = 0; i < 3600; i++)
		sleep(1);
	_exit(0);
}
