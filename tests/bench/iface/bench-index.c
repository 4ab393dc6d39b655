/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Index the whole devel tree ROUNDS times and report the fastest and the
 * median, then the one-time cost of expanding every interface (the first
 * suggestion) and the cost of a suggestion after that, and the peak RSS.
 * Usage: bench-index [INCLUDE_DIR] [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "iface.h"

/* CPU time, not wall time: the figures should not depend on what else the
 * (shared) machine is doing. */
static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        const char *dir = argc > 1 ? argv[1] : NULL;
        int rounds = argc > 2 ? atoi(argv[2]) : 20;
        if (rounds < 1)
                rounds = 1;
        double *t = calloc(rounds, sizeof(double));
        struct planet_error err = {0};
        struct iface_index *idx = NULL;
        size_t count = 0;

        for (int i = 0; i < rounds; i++) {
                double t0 = now_ms();
                if (iface_index_load(dir, &idx, &err) < 0) {
                        planet_error_print(&err, "bench-index");
                        return 1;
                }
                t[i] = now_ms() - t0;
                count = iface_index_count(idx);
                if (i + 1 < rounds)
                        iface_index_free(idx);
        }
        qsort(t, rounds, sizeof(double), cmp_double);

        const char *perms[] = {"read", "open"};
        struct iface_access need = {"myapp_t", "etc_t", "file", perms, 2};
        struct iface_suggestion *s = NULL;
        size_t n = 0;
        double t0 = now_ms();
        if (iface_suggest(idx, &need, NULL, &s, &n, &err) < 0) {
                planet_error_print(&err, "bench-index");
                return 1;
        }
        double first = now_ms() - t0;
        iface_suggestions_free(s, n);
        t0 = now_ms();
        for (int i = 0; i < 100; i++) {
                if (iface_suggest(idx, &need, NULL, &s, &n, &err) < 0)
                        return 1;
                iface_suggestions_free(s, n);
        }
        double later = (now_ms() - t0) / 100;

        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("index: %zu macros, fastest %.1f ms, median %.1f ms CPU (%d rounds)\n", count, t[0],
               t[rounds / 2], rounds);
        printf("first suggestion (expands every interface, builds the inverted index): %.1f ms; "
               "later ones: %.2f ms CPU\n",
               first, later);
        printf("peak RSS: %ld MB\n", ru.ru_maxrss / 1024);
        iface_index_free(idx);
        free(t);
        return 0;
}
