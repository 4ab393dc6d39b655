/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* String building on hot paths, where asprintf's format parsing is the
 * larger part of the cost (a unit's drop-in directory names, cache keys),
 * and on planet-initd's start path, where printf's code and tables would
 * also be the largest part of the wrapper's resident memory: every 64 KiB
 * window of libc's text a process touches is mapped whole (fault-around),
 * and the printf family spans several windows that nothing else on that
 * path needs (README, Benchmarks: planet-initd). */

/* a, b and c concatenated in a new string; NULL when out of memory. */
char *strjoin3(const char *a, const char *b, const char *c);

/* The arguments up to the NULL sentinel concatenated in a new string; NULL
 * when out of memory. Use the strjoin() macro, which adds the sentinel (so an
 * optional part is passed as "", never as NULL). */
char *strjoin_real(const char *first, ...) __attribute__((sentinel));
#define strjoin(...) strjoin_real(__VA_ARGS__, (const char *) NULL)

/* The arguments up to the NULL sentinel concatenated into buf (size bytes,
 * NUL included); -ENAMETOOLONG (buf then holds "") when they do not fit.
 * Use the strjoin_into() macro. */
int strjoin_into_real(char *buf, size_t size, const char *first, ...) __attribute__((sentinel));
#define strjoin_into(buf, size, ...)                                                               \
        strjoin_into_real((buf), (size), __VA_ARGS__, (const char *) NULL)

/* Room for any uint64_t in decimal, with its NUL. */
#define DECIMAL_U64_MAX 21
/* Room for a uint64_t as 16 hex digits, with its NUL. */
#define HEX_U64_MAX 17

/* v in decimal (no sign, no padding) in buf; returns buf. */
char *format_u64(char buf[static DECIMAL_U64_MAX], uint64_t v);
/* v as exactly 16 lower-case hex digits, zero-padded, in buf; returns buf. */
char *format_hex_u64(char buf[static HEX_U64_MAX], uint64_t v);
/* v in lower-case hex without padding (as printf's %x) in buf; returns buf. */
char *format_hex_u64_short(char buf[static HEX_U64_MAX], uint64_t v);

/* The unsigned number in base 10 or 16 at the start of s: digits only (no
 * space, sign or 0x), at most max; *ret_end (when given) then points after
 * the digits. -EINVAL without a digit, -ERANGE above max. Not strtoul:
 * its code, the C locale's character-class table and its overflow tables
 * lie in three 64 KiB windows of libc that nothing else on planet-initd's
 * start path touches (README, Benchmarks: the labeled start's memory). */
int parse_unsigned(const char *s, unsigned base, uint64_t max, uint64_t *ret, const char **ret_end);

/* Whether a and b are the same string; whether s starts with the n bytes of
 * prefix (n ≤ strlen(prefix)). Compared here, not by strcmp/strncmp: on a CPU
 * without AVX2 (the VM's qemu64, kvm64-type virtual machines) glibc picks
 * SSE2 variants that read a jump table in libc's read-only data whenever the
 * two strings are unequally aligned, and that one read maps up to 64 KiB of
 * libc into the process (fault-around). It was the only libc read-only data
 * a supervisor touched. Its strings are few and short. */
static inline bool streq(const char *a, const char *b)
{
        while (*a && *a == *b) {
                a++;
                b++;
        }
        return *a == *b;
}
static inline bool startswith_n(const char *s, const char *prefix, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] != prefix[i])
                        return false;
        return true;
}

/* Whether the environment entry is NAME=… */
static inline bool env_entry_is(const char *entry, const char *name)
{
        size_t n = strlen(name);
        return startswith_n(entry, name, n) && entry[n] == '=';
}

/* The value of NAME in the environment block envp ("NAME=value" entries),
 * NULL when absent. planet-initd's getenv: glibc's compares each entry with
 * strncmp (see above). */
const char *strv_env_get(char *const *envp, const char *name);

/* Appends s to the NULL-terminated vector *v of *n strings, taking s: on
 * failure (or when s is NULL, an allocation that failed) s is freed and
 * -ENOMEM returned, so `strv_push(&v, &n, strdup(x))` needs no check of its own. */
int strv_push(char ***v, size_t *n, char *s);
