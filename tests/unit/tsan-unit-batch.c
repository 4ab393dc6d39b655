/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* unit-batch's two threads for ThreadSanitizer (tests/generate/check-tsan):
 * test-unit-batch's Criterion tests cannot run in a TSan build (Criterion's
 * process arena cannot be mapped beside TSan's shadow memory, Criterion
 * issue #274), so this plain driver does what they do with both threads
 * over a real unit tree: every unit and companion loaded on two threads
 * must equal the one-thread load, and a batch freed while its worker loads
 * must stop cleanly. Usage: tsan-unit-batch UNIT_DIR COMPANION_DIR. */
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "unit-batch.h"

static int fail(const char *what, const char *name)
{
        fprintf(stderr, "tsan-unit-batch: %s: %s\n", name ? name : "(none)", what);
        return 1;
}

static bool same_unit(const struct unit_file *a, const struct unit_file *b)
{
        if (a->n_assignments != b->n_assignments)
                return false;
        for (size_t k = 0; k < a->n_assignments; k++) {
                const struct unit_assignment *x = &a->assignments[k], *y = &b->assignments[k];
                if (strcmp(x->section, y->section) || strcmp(x->key, y->key) ||
                    strcmp(x->value, y->value) || strcmp(x->origin, y->origin))
                        return false;
        }
        return true;
}

int main(int argc, char *argv[])
{
        if (argc != 3)
                return fail("usage: tsan-unit-batch UNIT_DIR COMPANION_DIR", NULL);
        const char *dirs[] = {argv[1], NULL};
        struct unit_batch_options o = {
                .unit_dirs = dirs,
                .skip_dropin = "50-planet-selinux.conf",
                .companion_dir = argv[2],
                .companion_file = "50-planet-selinux.conf",
                .threads = UNIT_BATCH_THREADS_ONE,
        };
        struct planet_error err = {0};
        _cleanup_(unit_batch_freep) struct unit_batch *one = NULL;
        if (unit_batch_start(&o, &one) < 0 || unit_batch_listed(one, &err) < 0)
                return fail(err.msg ? err.msg : "cannot list", argv[1]);
        if (unit_batch_n_items(one) == 0)
                return fail("no units", argv[1]);

        o.threads = UNIT_BATCH_THREADS_TWO;
        for (int round = 0; round < 4; round++) {
                _cleanup_(unit_batch_freep) struct unit_batch *two = NULL;
                if (unit_batch_start(&o, &two) < 0 || unit_batch_listed(two, &err) < 0)
                        return fail(err.msg ? err.msg : "cannot list", argv[1]);
                if (unit_batch_n_items(two) != unit_batch_n_items(one))
                        return fail("listed a different number of units", argv[1]);
                for (size_t i = 0; i < unit_batch_n_items(one); i++) {
                        const struct unit_batch_item *a = unit_batch_item(one, i),
                                                     *b = unit_batch_item(two, i);
                        if (strcmp(a->name, b->name))
                                return fail("listed in another order", b->name);
                        if (a->load_result != b->load_result || !!a->alias_of != !!b->alias_of ||
                            (a->load_result >= 0 && !a->alias_of && !same_unit(&a->unit, &b->unit)))
                                return fail("loaded differently on two threads", b->name);
                        if (a->companion_read != b->companion_read ||
                            a->companion_len != b->companion_len ||
                            (a->companion_read && memcmp(a->companion, b->companion, a->companion_len)))
                                return fail("companion read differently on two threads", b->name);
                }
        }
        /* Freed while the worker loads: right away, after the listing, after one unit. */
        for (int round = 0; round < 30; round++) {
                struct unit_batch *b = NULL;
                if (unit_batch_start(&o, &b) < 0)
                        return fail("out of memory", NULL);
                if (round % 3 >= 1)
                        (void) unit_batch_listed(b, NULL);
                if (round % 3 == 2)
                        (void) unit_batch_item(b, 0);
                unit_batch_free(b);
        }
        return 0;
}
