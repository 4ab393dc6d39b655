/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "string-util.h"

char *strjoin3(const char *a, const char *b, const char *c)
{
        size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
        char *s = malloc(la + lb + lc + 1);
        if (!s)
                return NULL;
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        memcpy(s + la + lb, c, lc + 1);
        return s;
}

char *strjoin_real(const char *first, ...)
{
        va_list ap;
        size_t len = 0;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                len += strlen(s);
        va_end(ap);

        char *r = malloc(len + 1), *p = r;
        if (!r)
                return NULL;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *)) {
                size_t n = strlen(s);
                memcpy(p, s, n);
                p += n;
        }
        va_end(ap);
        *p = '\0';
        return r;
}

int strjoin_into_real(char *buf, size_t size, const char *first, ...)
{
        va_list ap;
        size_t len = 0;
        int r = 0;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *)) {
                size_t n = strlen(s);
                if (n >= size - len) {
                        r = -ENAMETOOLONG;
                        len = 0;
                        break;
                }
                memcpy(buf + len, s, n);
                len += n;
        }
        va_end(ap);
        if (size > 0)
                buf[len] = '\0';
        return r;
}

char *format_u64(char buf[static DECIMAL_U64_MAX], uint64_t v)
{
        /* Digits from the right end of the buffer, then moved to its start. */
        char *p = buf + DECIMAL_U64_MAX - 1;
        *p = '\0';
        do
                *--p = (char) ('0' + v % 10);
        while (v /= 10);
        memmove(buf, p, (size_t) (buf + DECIMAL_U64_MAX - p));
        return buf;
}

char *format_hex_u64(char buf[static HEX_U64_MAX], uint64_t v)
{
        static const char digits[] = "0123456789abcdef";
        for (int i = 15; i >= 0; i--, v >>= 4)
                buf[i] = digits[v & 0xf];
        buf[16] = '\0';
        return buf;
}

char *format_hex_u64_short(char buf[static HEX_U64_MAX], uint64_t v)
{
        format_hex_u64(buf, v);
        size_t zeros = 0;
        while (zeros < 15 && buf[zeros] == '0') /* 0 is "0" */
                zeros++;
        memmove(buf, buf + zeros, HEX_U64_MAX - zeros);
        return buf;
}

int strv_push(char ***v, size_t *n, char *s)
{
        if (!s)
                return -ENOMEM;
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

static int digit_value(char c, unsigned base)
{
        unsigned v = c >= '0' && c <= '9'   ? (unsigned) (c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned) (c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned) (c - 'A' + 10)
                                            : 16;
        return v < base ? (int) v : -1;
}

int parse_unsigned(const char *s, unsigned base, uint64_t max, uint64_t *ret, const char **ret_end)
{
        uint64_t v = 0;
        const char *p = s;
        int d;

        if (base != 10 && base != 16)
                return -EINVAL;
        for (; (d = digit_value(*p, base)) >= 0; p++) {
                if ((uint64_t) d > max || v > (max - (uint64_t) d) / base)
                        return -ERANGE;
                v = v * base + (uint64_t) d;
        }
        if (p == s)
                return -EINVAL;
        *ret = v;
        if (ret_end)
                *ret_end = p;
        return 0;
}

const char *strv_env_get(char *const *envp, const char *name)
{
        for (char *const *e = envp; e && *e; e++)
                if (env_entry_is(*e, name))
                        return *e + strlen(name) + 1;
        return NULL;
}
