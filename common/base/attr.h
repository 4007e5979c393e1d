/* Compiler attributes the project uses, spelled once. */
#ifndef SOAK_ATTR_H
#define SOAK_ATTR_H

/*
 * printf-style format checking. mingw-w64's stdio (with __USE_MINGW_ANSI_STDIO)
 * takes the C99 formats (%zu, %lld), which GCC calls gnu_printf there; its
 * plain "printf" means the Microsoft runtime's formats.
 */
#if defined(__MINGW32__)
#define SOAK_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#else
#define SOAK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

#endif
