/*
 * A command's own CPU time, without its children's: run it, wait until it has
 * exited without reaping it (waitid with WNOWAIT), read its utime and stime from
 * /proc/PID/stat (its own; what its children used is in cutime and cstime), then
 * reap it. For soak-run's overhead, where the iterations' CPU time is the noise.
 * Linux only. Usage: self-cpu OUT COMMAND [ARG...]
 * Writes "SELF_CPU_S WALL_S" to OUT and exits with the command's exit code.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* utime + stime of pid in seconds, -1 when unreadable */
static double self_cpu(pid_t pid)
{
	char path[64], buf[4096], *p;
	unsigned long long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the command name may hold spaces and parentheses: fields follow the last ')' */
	if (!(p = strrchr(buf, ')')))
		return -1;
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
	double t0, cpu;
	siginfo_t si;
	pid_t pid;
	int status;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: self-cpu OUT COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now_s();
	if (posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0) {
		perror("self-cpu: posix_spawnp");
		return 4;
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0) {
		perror("self-cpu: waitid");
		return 4;
	}
	cpu = self_cpu(pid);
	t0 = now_s() - t0;
	if (waitpid(pid, &status, 0) < 0) {
		perror("self-cpu: waitpid");
		return 4;
	}
	if (cpu < 0) {
		fprintf(stderr, "self-cpu: cannot read /proc/%d/stat\n", (int)pid);
		return 4;
	}
	if (!(out = fopen(argv[1], "w")) || fprintf(out, "%.3f %.3f\n", cpu, t0) < 0 ||
	    fclose(out)) {
		perror("self-cpu: cannot write the result");
		return 4;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
