/*
 * Functions that are easy to misuse, made compile errors (after git's banned.h).
 * Include it last in every .c file of the project, after the system headers.
 */
#ifndef SOAK_BANNED_H
#define SOAK_BANNED_H

#define SOAK_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) SOAK_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SOAK_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) SOAK_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) SOAK_BANNED(strncat)
#undef sprintf
#define sprintf(...) SOAK_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SOAK_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) SOAK_BANNED(strtok)
#undef gmtime
#define gmtime(t) SOAK_BANNED(gmtime)
#undef localtime
#define localtime(t) SOAK_BANNED(localtime)
#undef ctime
#define ctime(t) SOAK_BANNED(ctime)
#undef asctime
#define asctime(t) SOAK_BANNED(asctime)
#undef mktemp
#define mktemp(x) SOAK_BANNED(mktemp)
#undef atoi
#define atoi(x) SOAK_BANNED(atoi)
#undef atol
#define atol(x) SOAK_BANNED(atol)
#undef gets
#define gets(x) SOAK_BANNED(gets)
/* the ANSI code page's bytes on Windows: soak_os_getenv (platform/os.h); a
 * program that stands alone, without the platform layer, defines
 * SOAK_BANNED_KEEP_GETENV */
#ifndef SOAK_BANNED_KEEP_GETENV
#undef getenv
#define getenv(x) SOAK_BANNED(getenv)
#endif

#endif
