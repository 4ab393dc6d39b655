/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-fc FILE_CONTEXTS: load and look up with initd/lib/fc versus
 * libselinux's selabel (what matchpathcon and restorecon use). Every fixed
 * path in the file is looked up with its entry's mode; the two must agree
 * (disagreements are printed and make the exit status 1). */
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fc.h"

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: bench-fc FILE_CONTEXTS\n");
                return 2;
        }
        struct planet_error err = {0};
        struct fc_file f = {0};
        double t0 = now();
        if (fc_load(argv[1], FC_FORMAT_COMPILED, NULL, &f, &err) < 0) {
                planet_error_print(&err, "bench-fc");
                return 2;
        }
        double t_fc_load = now() - t0;

        struct selinux_opt opts[] = {{SELABEL_OPT_PATH, argv[1]}};
        t0 = now();
        struct selabel_handle *h = selabel_open(SELABEL_CTX_FILE, opts, 1);
        double t_se_load = now() - t0;
        if (!h) {
                perror("selabel_open");
                return 2;
        }

        /* Fixed paths (no regex operators) are real names to look up. */
        char buf[4096];
        size_t n_paths = 0, disagree = 0;
        double t_fc = 0, t_se = 0;
        for (size_t i = 0; i < f.n_entries; i++) {
                const struct fc_entry *e = &f.entries[i];
                size_t n = fc_regex_literal_prefix(e->regex, buf, sizeof(buf));
                if (n == 0 || strpbrk(e->regex, ".^$?*+|[({") != NULL)
                        continue;
                n_paths++;
                t0 = now();
                const struct fc_entry *m = fc_find_entry(&f, buf, e->mode);
                t_fc += now() - t0;
                char *con = NULL;
                t0 = now();
                int r = selabel_lookup_raw(h, &con, buf, e->mode);
                t_se += now() - t0;
                const char *want = r == 0 ? con : "<<none>>";
                if (!m || strcmp(m->context, want)) {
                        disagree++;
                        printf("disagree %s: fc %s (line %u), libselinux %s\n", buf,
                               m ? m->context : "(none)", m ? m->line : 0, want);
                }
                freecon(con);
        }
        printf("entries %zu, fixed paths looked up %zu, disagreements %zu\n", f.n_entries, n_paths,
               disagree);
        printf("load:   fc %.1f ms, selabel %.1f ms, ratio %.2f\n", t_fc_load * 1e3,
               t_se_load * 1e3, t_fc_load / t_se_load);
        printf("lookup: fc %.1f us/path, selabel %.1f us/path, ratio %.2f\n", t_fc / n_paths * 1e6,
               t_se / n_paths * 1e6, t_fc / t_se);
        selabel_close(h);
        fc_file_done(&f);
        return disagree ? 1 : 0;
}
