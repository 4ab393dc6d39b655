/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Criterion test helper: write text to root/rel, creating the directories
 * on the way, as tests that lay out unit trees and roots need. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline void tmptree_put(const char *root, const char *rel, const char *text)
{
        char p[1024];
        cr_assert_lt((size_t) snprintf(p, sizeof(p), "%s/%s", root, rel), sizeof(p));
        for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                mkdir(p, 0755);
                *s = '/';
        }
        FILE *f = fopen(p, "w");
        cr_assert_not_null(f, "%s", p);
        fputs(text, f);
        fclose(f);
}
