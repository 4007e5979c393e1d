/* Inside the POSIX platform layer: the self-pipe that a caught signal makes readable. */
#ifndef SOAK_SIG_POSIX_H
#define SOAK_SIG_POSIX_H

/* Readable once a caught signal has arrived (stays readable). -1 before init. */
int soak_sig_posix_fd(void);

#endif
