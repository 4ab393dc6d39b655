/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The two-thread unit loader against the one-unit loader: for every kind of
 * unit a search path holds (drop-ins in several directories, instances,
 * symlinked units, aliases, masks, broken files) it must give what
 * unit_load_aliased() gives, in name order, with one thread or two; and
 * read the previous output beside each unit exactly when it is there. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmptree.h"
#include "unit-batch.h"
#include "unit.h"

static char tmp[] = "/tmp/test-unit-batch.XXXXXX";
static char etc[512], lib[512], out[512];

static void put(const char *rel, const char *text)
{
        tmptree_put(tmp, rel, text);
}

static void link_at(const char *target, const char *rel)
{
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", tmp, rel);
        cr_assert_eq(symlink(target, p), 0, "%s", p);
}

static void setup(void)
{
        cr_assert_not_null(mkdtemp(tmp));
        snprintf(etc, sizeof(etc), "%s/etc", tmp);
        snprintf(lib, sizeof(lib), "%s/lib", tmp);
        snprintf(out, sizeof(out), "%s/out", tmp);
}

static void teardown(void)
{
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        cr_assert_eq(system(cmd), 0);
        strcpy(tmp, "/tmp/test-unit-batch.XXXXXX");
}

/* A search path with one of everything, and enough plain units that both
 * threads get work. */
static void lay_out_units(void)
{
        char rel[128], text[256];
        for (int i = 0; i < 60; i++) {
                snprintf(rel, sizeof(rel), "%s/plain-%02d.service", i % 3 ? "lib" : "etc", i);
                snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/p%d --n=%d\nUser=u%d\n", i,
                         i, i);
                put(rel, text);
                if (i % 7 == 0) {
                        snprintf(rel, sizeof(rel), "lib/plain-%02d.service.d/10-lib.conf", i);
                        put(rel, "[Service]\nUser=from-lib\n");
                        snprintf(rel, sizeof(rel), "etc/plain-%02d.service.d/20-etc.conf", i);
                        put(rel, "[Service]\nExecStart=\nExecStart=/bin/etc\n");
                }
        }
        /* The same name in etc masks lib's. */
        put("lib/plain-01.service", "[Service]\nExecStart=/bin/shadowed\n");
        put("etc/plain-01.service", "[Service]\nExecStart=/bin/wins\n");
        /* Prefix and type-wide drop-ins. */
        put("lib/plain-.service.d/05-prefix.conf", "[Service]\nGroup=g\n");
        put("lib/service.d/30-all.conf", "[Service]\nNice=1\n");
        /* A drop-in masked by a same-named /dev/null link in a higher directory. */
        put("lib/plain-14.service.d/40-masked.conf", "[Service]\nUser=never\n");
        put("etc/plain-14.service.d/.keep", "");
        link_at("/dev/null", "etc/plain-14.service.d/40-masked.conf");
        /* A template and an instance with its own file. */
        put("lib/tpl@.service", "[Service]\nExecStart=/bin/tpl %i\n");
        put("lib/tpl@.service.d/10-tpl.conf", "[Service]\nUser=tpl\n");
        put("lib/tpl@one.service", "[Service]\nExecStart=/bin/one\n");
        /* A unit file that is a symlink to a file of the same name elsewhere
         * (not an alias), and one to a unit under another name (an alias,
         * whose drop-ins go with the target). */
        put("store/linked.service", "[Service]\nExecStart=/bin/linked\n");
        char target[600];
        snprintf(target, sizeof(target), "%s/store/linked.service", tmp);
        link_at(target, "lib/linked.service");
        put("lib/real.service", "[Service]\nExecStart=/bin/real\n");
        link_at("real.service", "lib/nick.service");
        put("lib/nick.service.d/10-alias.conf", "[Service]\nUser=via-alias\n");
        /* Masked two ways, and a file systemd refuses. */
        put("lib/empty.service", "");
        link_at("/dev/null", "lib/devnull.service");
        put("lib/broken.service", "[Service\nExecStart=/bin/x\n");
        /* Not services. */
        put("lib/x.socket", "[Socket]\n");
        put("lib/.hidden.service", "[Service]\n");
}

static void assert_same_unit(const struct unit_file *a, const struct unit_file *b)
{
        cr_assert_str_eq(a->name, b->name);
        cr_assert_str_eq(a->fragment_path, b->fragment_path);
        size_t na = 0, nb = 0;
        STRV_FOREACH (d, a->dropin_paths)
                na++;
        STRV_FOREACH (d, b->dropin_paths)
                nb++;
        cr_assert_eq(na, nb, "%s: drop-ins", a->name);
        for (size_t i = 0; i < na; i++)
                cr_assert_str_eq(a->dropin_paths[i], b->dropin_paths[i]);
        cr_assert_eq(a->n_assignments, b->n_assignments, "%s: assignments", a->name);
        for (size_t i = 0; i < a->n_assignments; i++) {
                cr_assert_str_eq(a->assignments[i].section, b->assignments[i].section);
                cr_assert_str_eq(a->assignments[i].key, b->assignments[i].key);
                cr_assert_str_eq(a->assignments[i].value, b->assignments[i].value);
                cr_assert_str_eq(a->assignments[i].origin, b->assignments[i].origin);
        }
}

static void check_against_unit_load(enum unit_batch_threads threads)
{
        lay_out_units();
        const char *dirs[] = {etc, lib, NULL};
        const struct unit_batch_options o = {
                .unit_dirs = dirs,
                .skip_dropin = "50-planet-selinux.conf",
                .threads = threads,
        };
        struct planet_error err = {0};
        struct unit_batch *b = NULL;
        cr_assert_eq(unit_batch_start(&o, &b), 0);
        cr_assert_eq(unit_batch_listed(b, &err), 0, "%s", err.msg);
        unit_batch_finish(b);
        unit_batch_finish(b); /* idempotent */

        _cleanup_strv_free_ char **names = NULL;
        cr_assert_eq(unit_list_services(dirs, &names, &err), 0);
        size_t n = 0;
        STRV_FOREACH (nm, names)
                n++;
        cr_assert_eq(unit_batch_n_items(b), n);
        cr_assert_eq(n, 60 + 8,
                     "60 plain + tpl@, tpl@one, linked, real, nick, empty, devnull, "
                     "broken");
        cr_assert_null(unit_batch_item(b, n));

        bool saw_alias = false, saw_broken = false, saw_linked = false;
        for (size_t i = 0; i < n; i++) {
                struct unit_batch_item *it = unit_batch_item(b, i);
                cr_assert_str_eq(it->name, names[i], "listing order");
                if (!strcmp(it->name, "nick.service")) {
                        cr_assert_str_eq(it->alias_of, "real.service");
                        saw_alias = true;
                        continue;
                }
                cr_assert_null(it->alias_of, "%s", it->name);
                const char *aliases[] = {"nick.service", NULL};
                bool is_real = !strcmp(it->name, "real.service");
                if (is_real) {
                        cr_assert_not_null(it->aliases);
                        cr_assert_str_eq(it->aliases[0], "nick.service");
                        cr_assert_null(it->aliases[1]);
                } else {
                        cr_assert_null(it->aliases, "%s", it->name);
                }
                struct unit_file want = {0};
                struct planet_error werr = {0};
                int r = unit_load_aliased(dirs, it->name, is_real ? aliases : NULL,
                                          "50-planet-selinux.conf", &want, &werr);
                cr_assert_eq(it->load_result, r, "%s: %d, want %d", it->name, it->load_result, r);
                if (r >= 0) {
                        assert_same_unit(&it->unit, &want);
                } else {
                        cr_assert_str_eq(it->error.msg, werr.msg);
                        saw_broken = saw_broken || r == -EBADMSG;
                }
                saw_linked = saw_linked || (!strcmp(it->name, "linked.service") && r == 0);
                cr_assert_not(it->companion_dir_exists, "no companion directory given");
                cr_assert_not(it->companion_read);
                unit_file_done(&want);
                planet_error_clear(&werr);
        }
        cr_assert(saw_alias && saw_broken && saw_linked);
        /* The alias's drop-in applied to its target. */
        for (size_t i = 0; i < n; i++) {
                struct unit_batch_item *it = unit_batch_item(b, i);
                if (strcmp(it->name, "real.service"))
                        continue;
                const struct unit_assignment *a = unit_get(&it->unit, "Service", "User");
                cr_assert(a && !strcmp(a->value, "via-alias"));
        }
        unit_batch_free(b);
}

Test(unit_batch, loads_what_unit_load_loads_two_threads, .init = setup, .fini = teardown)
{
        check_against_unit_load(UNIT_BATCH_THREADS_TWO);
}

Test(unit_batch, loads_what_unit_load_loads_one_thread, .init = setup, .fini = teardown)
{
        check_against_unit_load(UNIT_BATCH_THREADS_ONE);
}

Test(unit_batch, reads_the_companion_only_where_it_is, .init = setup, .fini = teardown,
     .timeout = 10)
{
        char rel[128];
        for (int i = 0; i < 20; i++) {
                snprintf(rel, sizeof(rel), "lib/u%02d.service", i);
                put(rel, "[Service]\nExecStart=/bin/u\n");
        }
        put("out/u00.service.d/50-planet-selinux.conf", "previous output\n");
        put("out/u01.service.d/10-other.conf", "not ours\n"); /* the directory only */
        put("out/u03.service.d/50-planet-selinux.conf", "");
        put("out/gone.service.d/50-planet-selinux.conf", "stale\n");
        /* A FIFO where the output should be: not read, and no hang. */
        put("out/u02.service.d/.keep", "");
        char fifo[600];
        snprintf(fifo, sizeof(fifo), "%s/u02.service.d/50-planet-selinux.conf", out);
        cr_assert_eq(mkfifo(fifo, 0644), 0);
        /* A directory where the output should be. */
        snprintf(fifo, sizeof(fifo), "%s/u04.service.d/50-planet-selinux.conf", out);
        put("out/u04.service.d/.keep", "");
        cr_assert_eq(mkdir(fifo, 0755), 0);

        const char *dirs[] = {lib, NULL};
        const struct unit_batch_options o = {
                .unit_dirs = dirs,
                .companion_dir = out,
                .companion_file = "50-planet-selinux.conf",
        };
        struct planet_error err = {0};
        struct unit_batch *b = NULL;
        cr_assert_eq(unit_batch_start(&o, &b), 0);
        cr_assert_eq(unit_batch_listed(b, &err), 0, "%s", err.msg);
        unit_batch_finish(b);
        cr_assert_eq(unit_batch_n_items(b), 20);
        struct unit_batch_item *it = unit_batch_item(b, 0);
        cr_assert(it->companion_dir_exists && it->companion_read);
        cr_assert_eq(it->companion_len, strlen("previous output\n"));
        cr_assert_str_eq(it->companion, "previous output\n");
        it = unit_batch_item(b, 1);
        cr_assert(it->companion_dir_exists);
        cr_assert_not(it->companion_read, "NAME.d without the file");
        it = unit_batch_item(b, 2);
        cr_assert(it->companion_dir_exists);
        cr_assert_not(it->companion_read, "a FIFO is not read");
        it = unit_batch_item(b, 3);
        cr_assert(it->companion_read);
        cr_assert_eq(it->companion_len, 0);
        it = unit_batch_item(b, 4);
        cr_assert_not(it->companion_read, "a directory is not read");
        for (size_t i = 5; i < 20; i++) {
                it = unit_batch_item(b, i);
                cr_assert_not(it->companion_dir_exists || it->companion_read, "%s", it->name);
                cr_assert_eq(it->load_result, 0);
        }
        /* OUT's listing, sorted, for stale output of units that are gone. */
        cr_assert_geq(unit_batch_companion_fd(b), 0);
        cr_assert_str_eq(unit_batch_companion_entry(b, 0), "gone.service.d");
        cr_assert_str_eq(unit_batch_companion_entry(b, 1), "u00.service.d");
        cr_assert_str_eq(unit_batch_companion_entry(b, 5), "u04.service.d");
        cr_assert_null(unit_batch_companion_entry(b, 6));
        unit_batch_free(b);
}

Test(unit_batch, missing_companion_dir_is_empty, .init = setup, .fini = teardown)
{
        put("lib/a.service", "[Service]\nExecStart=/bin/a\n");
        const char *dirs[] = {lib, NULL};
        const struct unit_batch_options o = {
                .unit_dirs = dirs,
                .companion_dir = out, /* not created */
                .companion_file = "50-planet-selinux.conf",
        };
        struct planet_error err = {0};
        struct unit_batch *b = NULL;
        cr_assert_eq(unit_batch_start(&o, &b), 0);
        cr_assert_eq(unit_batch_listed(b, &err), 0, "%s", err.msg);
        unit_batch_finish(b);
        cr_assert_eq(unit_batch_companion_fd(b), -EBADF);
        cr_assert_null(unit_batch_companion_entry(b, 0));
        cr_assert_not(unit_batch_item(b, 0)->companion_dir_exists);
        unit_batch_free(b);
}

Test(unit_batch, unlistable_unit_dir_is_named, .init = setup, .fini = teardown)
{
        put("lib", "a file, not a directory\n");
        const char *dirs[] = {lib, NULL};
        for (int t = UNIT_BATCH_THREADS_ONE; t <= UNIT_BATCH_THREADS_TWO; t++) {
                const struct unit_batch_options o = {.unit_dirs = dirs, .threads = t};
                struct planet_error err = {0};
                struct unit_batch *b = NULL;
                cr_assert_eq(unit_batch_start(&o, &b), 0);
                cr_assert_eq(unit_batch_listed(b, &err), -ENOTDIR);
                cr_assert(err.msg && strstr(err.msg, lib), "%s", err.msg);
                /* As if empty afterwards. */
                cr_assert_eq(unit_batch_n_items(b), 0);
                cr_assert_null(unit_batch_item(b, 0));
                cr_assert_null(unit_batch_name(b, 0));
                cr_assert_null(unit_batch_companion_entry(b, 0));
                planet_error_clear(&err);
                unit_batch_free(b);
        }
}

Test(unit_batch, freed_while_loading, .init = setup, .fini = teardown, .timeout = 10)
{
        lay_out_units();
        const char *dirs[] = {etc, lib, NULL};
        const struct unit_batch_options o = {.unit_dirs = dirs, .threads = UNIT_BATCH_THREADS_TWO};
        struct planet_error err = {0};
        for (int round = 0; round < 20; round++) {
                struct unit_batch *b = NULL;
                cr_assert_eq(unit_batch_start(&o, &b), 0);
                if (round % 2)
                        cr_assert_eq(unit_batch_listed(b, &err), 0, "%s", err.msg);
                unit_batch_free(b); /* the worker stops; nothing leaks (ASan build) */
        }
}
