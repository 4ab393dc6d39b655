/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start path's string builders (string-util.h) against printf, which
 * they stand in for: the same text for the same values, over the edges of
 * each range and a sweep of pseudo-random values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"

/* Deterministic (xorshift64*), spread over every magnitude: the value is
 * shifted right by a varying amount so short numbers are as common as long. */
static uint64_t next_value(uint64_t *state, unsigned i)
{
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return (x * UINT64_C(2685821657736338717)) >> (i % 64);
}

static const uint64_t edges[] = {
        0,
        1,
        9,
        10,
        99,
        100,
        4194303,
        4194304,
        INT32_MAX,
        UINT32_MAX,
        (uint64_t) UINT32_MAX + 1,
        INT64_MAX,
        UINT64_MAX - 1,
        UINT64_MAX,
        UINT64_C(10000000000000000000),
};

Test(string_util, format_u64_is_printf_u)
{
        char ours[DECIMAL_U64_MAX], theirs[32];
        uint64_t state = 0x9e3779b97f4a7c15;
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]) + 20000; i++) {
                uint64_t v = i < sizeof(edges) / sizeof(edges[0])
                                     ? edges[i]
                                     : next_value(&state, (unsigned) i);
                snprintf(theirs, sizeof(theirs), "%" PRIu64, v);
                cr_assert_str_eq(format_u64(ours, v), theirs, "value %" PRIu64, v);
        }
        /* The largest value fills the buffer exactly. */
        cr_assert_eq(strlen(format_u64(ours, UINT64_MAX)), DECIMAL_U64_MAX - 1);
}

Test(string_util, format_hex_is_printf_x)
{
        char ours[HEX_U64_MAX], theirs[32];
        uint64_t state = 0x2545f4914f6cdd1d;
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]) + 20000; i++) {
                uint64_t v = i < sizeof(edges) / sizeof(edges[0])
                                     ? edges[i]
                                     : next_value(&state, (unsigned) i);
                snprintf(theirs, sizeof(theirs), "%016" PRIx64, v);
                cr_assert_str_eq(format_hex_u64(ours, v), theirs, "value %" PRIu64, v);
                snprintf(theirs, sizeof(theirs), "%" PRIx64, v);
                cr_assert_str_eq(format_hex_u64_short(ours, v), theirs, "value %" PRIu64, v);
        }
}

Test(string_util, strjoin)
{
        char *s = strjoin("a", "", "bc", "", "", "def");
        cr_assert_str_eq(s, "abcdef");
        free(s);
        s = strjoin("only", "");
        cr_assert_str_eq(s, "only");
        free(s);
        s = strjoin("", "");
        cr_assert_str_eq(s, "");
        free(s);
        /* As many parts as the exec message has, and a long one. */
        char big[5000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        s = strjoin("starting ", "/usr/bin/x", " in ", "x_t", " (", "automatic", ", ", "enforcing",
                    ")", ": ", big);
        cr_assert_eq(strlen(s), strlen("starting /usr/bin/x in x_t (automatic, enforcing): ") +
                                        sizeof(big) - 1);
        cr_assert_eq(strncmp(s, "starting /usr/bin/x in x_t (automatic, enforcing): xx", 53), 0);
        free(s);
}

Test(string_util, strjoin3)
{
        char *s = strjoin3("NOTIFY_SOCKET=", "@planet-initd/1/ab", "");
        cr_assert_str_eq(s, "NOTIFY_SOCKET=@planet-initd/1/ab");
        free(s);
}

Test(string_util, strjoin_into_fits_exactly_or_refuses)
{
        char buf[8];
        cr_assert_eq(strjoin_into(buf, sizeof(buf), "abc", "/", "def"), 0);
        cr_assert_str_eq(buf, "abc/def"); /* 7 bytes and the NUL: full */
        cr_assert_eq(strjoin_into(buf, sizeof(buf), "abc", "/", "defg"), -ENAMETOOLONG);
        cr_assert_str_eq(buf, "", "a refused join leaves no partial text");
        cr_assert_eq(strjoin_into(buf, sizeof(buf), "abcdefgh"), -ENAMETOOLONG);
        cr_assert_eq(strjoin_into(buf, sizeof(buf), ""), 0);
        cr_assert_str_eq(buf, "");
        cr_assert_eq(strjoin_into(buf, 0, "a"), -ENAMETOOLONG);
}

/* parse_unsigned against strtoull, which it stands in for on digits-only
 * input: the same value over the edges and the sweep, both bases. */
Test(string_util, parse_unsigned_is_strtoull_on_digits)
{
        uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
        for (unsigned i = 0; i < 20000 + ELEMENTSOF(edges); i++) {
                uint64_t want = i < ELEMENTSOF(edges) ? edges[i] : next_value(&state, i);
                char buf[DECIMAL_U64_MAX + 8];
                for (unsigned base = 10; base <= 16; base += 6) {
                        snprintf(buf, sizeof(buf), base == 10 ? "%" PRIu64 " x" : "%" PRIx64 " x",
                                 want);
                        uint64_t got = 0;
                        const char *end = NULL;
                        cr_assert_eq(parse_unsigned(buf, base, UINT64_MAX, &got, &end), 0, "%s",
                                     buf);
                        cr_assert_eq(got, strtoull(buf, NULL, (int) base), "%s", buf);
                        cr_assert_str_eq(end, " x");
                }
        }
}

Test(string_util, parse_unsigned_refuses_what_is_not_digits_or_too_large)
{
        uint64_t v = 7;
        const char *end = NULL;
        /* No digit: what strtoul would skip or take is refused here. */
        const char *bad[] = {"", " 1", "+1", "-1", "x", "\n"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(parse_unsigned(bad[i], 10, UINT64_MAX, &v, NULL), -EINVAL, "'%s'",
                             bad[i]);
        cr_assert_eq(v, 7, "untouched on failure");
        cr_assert_eq(parse_unsigned("0x1f", 16, UINT64_MAX, &v, &end), 0);
        cr_assert_eq(v, 0);
        cr_assert_str_eq(end, "x1f", "no 0x prefix: it stops at the x");
        cr_assert_eq(parse_unsigned("ffFF", 16, UINT64_MAX, &v, NULL), 0);
        cr_assert_eq(v, 0xffff);
        cr_assert_eq(parse_unsigned("12a", 10, UINT64_MAX, &v, &end), 0);
        cr_assert_eq(v, 12);
        cr_assert_str_eq(end, "a");
        /* The limit, exactly and one past it. */
        cr_assert_eq(parse_unsigned("4294967295", 10, UINT32_MAX, &v, NULL), 0);
        cr_assert_eq(v, UINT32_MAX);
        cr_assert_eq(parse_unsigned("4294967296", 10, UINT32_MAX, &v, NULL), -ERANGE);
        cr_assert_eq(parse_unsigned("100000000", 16, UINT32_MAX, &v, NULL), -ERANGE);
        cr_assert_eq(parse_unsigned("18446744073709551615", 10, UINT64_MAX, &v, NULL), 0);
        cr_assert_eq(v, UINT64_MAX);
        cr_assert_eq(parse_unsigned("18446744073709551616", 10, UINT64_MAX, &v, NULL), -ERANGE);
        cr_assert_eq(parse_unsigned("99999999999999999999999", 10, UINT64_MAX, &v, NULL), -ERANGE);
        /* A limit below a single digit. */
        cr_assert_eq(parse_unsigned("5", 10, 5, &v, NULL), 0);
        cr_assert_eq(parse_unsigned("9", 10, 5, &v, NULL), -ERANGE);
        cr_assert_eq(parse_unsigned("1", 8, 5, &v, NULL), -EINVAL, "bases 10 and 16 only");
}

/* streq and startswith_n agree with strcmp and strncmp on every pair of a
 * small set of strings, at every relative alignment (the case strcmp's SSE2
 * variant handles with its table, string-util.h). */
Test(string_util, streq_and_startswith_n_are_strcmp_and_strncmp)
{
        static const char *const words[] = {
                "",           "a",          "ab",         "abc",     "abd",
                "gravity_t",  "gravity_",   "system_u:x", "--ready", "--ready-timeout",
                "LISTEN_PID", "LISTEN_PIDS"};
        char buf_a[64], buf_b[64];
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                for (size_t j = 0; j < ELEMENTSOF(words); j++)
                        for (size_t shift = 0; shift < 16; shift++) {
                                char *a = buf_a + shift, *b = buf_b + (15 - shift);
                                strcpy(a, words[i]);
                                strcpy(b, words[j]);
                                cr_assert_eq(streq(a, b), strcmp(a, b) == 0, "'%s' '%s'", a, b);
                                for (size_t n = 0; n <= strlen(b); n++)
                                        cr_assert_eq(startswith_n(a, b, n), strncmp(a, b, n) == 0,
                                                     "'%s' '%s' %zu", a, b, n);
                        }
}
