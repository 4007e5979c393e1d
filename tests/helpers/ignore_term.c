/* ignore_term: ignore SIGTERM, print "ready", sleep until killed. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "../../common/base/banned.h"

int main(void)
{
	signal(SIGTERM, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
