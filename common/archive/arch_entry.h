/*
 * Names of libarchive entries as UTF-8 on every OS. On Windows the wide form is
 * used: libarchive 3.6 converts a UTF-8 name through the ANSI code page, which
 * loses (or refuses) every name outside it.
 */
#ifndef SOAK_ARCH_ENTRY_H
#define SOAK_ARCH_ENTRY_H

struct archive_entry;

/* Set an entry's pathname, or with hardlink its hardlink, from UTF-8. 0, or -1 (out of memory). */
int soak_archive_entry_set_path(struct archive_entry *ae, const char *path, int hardlink);

/* An entry's pathname (hardlink: its link's target) as UTF-8, malloc'ed; NULL when it has
 * none or it cannot be read. */
char *soak_archive_entry_path(struct archive_entry *ae, int hardlink);

#endif
