/*
 * A size-capped log file: the first half of the cap is written as it arrives,
 * the last half is kept in a ring buffer and written at close, and what fell in
 * between is replaced by one line saying how many bytes were dropped. Memory is
 * bounded by cap / 2 whatever the writer produces. A short ring of the last
 * bytes is kept for failure messages. The file is created at the first byte:
 * a command that writes nothing leaves no empty file behind.
 */
#ifndef SOAK_LOGCAP_H
#define SOAK_LOGCAP_H

#include <stdint.h>
#include <stddef.h>
#include "err.h"

#define SOAK_LOGCAP_TAIL 4096 /* bytes kept for soak_logcap_tail */

struct soak_logcap {
	int fd;
	char *path;
	uint64_t cap;     /* 0: no cap */
	uint64_t written; /* bytes written to the file so far (head) */
	uint64_t total;   /* bytes received */
	char *ring;       /* tail ring, cap - cap/2 bytes, allocated when the head is full */
	size_t ring_size, ring_len, ring_pos;
	char tail[SOAK_LOGCAP_TAIL];
	size_t tail_len, tail_pos;
	int error; /* errno of the first write error, 0 if none */
};

/* Prepare; the file is created (truncated) at the first write, and an error then is reported by
 * close. */
int soak_logcap_open(struct soak_logcap *l, const char *path, uint64_t cap, struct soak_err *err);
void soak_logcap_write(struct soak_logcap *l, const char *data, size_t n);
/* Write the kept tail and the dropped-bytes note; close. Fails on any write error. */
int soak_logcap_close(struct soak_logcap *l, struct soak_err *err);
/* Bytes dropped from the middle (known once total exceeds the cap). */
uint64_t soak_logcap_dropped(const struct soak_logcap *l);
/* Copy the last output (up to SOAK_LOGCAP_TAIL bytes) into buf as a string; returns buf. */
char *soak_logcap_tail(const struct soak_logcap *l, char *buf, size_t n);

#endif
