/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The .if indexer and the m4 expander on arbitrary text: index it, expand
 * what it defines (symbolically and with arguments), search it and ask for a
 * suggestion. Errors are fine; crashes, leaks and hangs are not. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any name starting with 'a' counts as an attribute of every type. */
static bool fake_attribute(const char *type, const char *attribute, void *userdata)
{
        (void) type;
        (void) userdata;
        return attribute[0] == 'a';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* Larger inputs only repeat what small ones reach, more slowly. */
        if (size > 64 * 1024)
                return 0;
        struct iface_index *idx = NULL;
        struct planet_error err = {0};
        if (iface_index_new(&idx) < 0)
                return 0;
        (void) iface_index_add_text(idx, (const char *) data, size, "fuzz/fuzz.if", "fuzz", &err);
        planet_error_clear(&err);

        size_t n = iface_index_count(idx);
        const char *args[] = {"a_t", "b_t", "file", "c_r"};
        for (size_t i = 0; i < n && i < 16; i++) {
                const struct iface_macro *m = iface_index_get(idx, i);
                struct iface_rules rules = {0};
                if (iface_expand(idx, m->name, i % 2 ? args : NULL, i % 2 ? 4 : 0, &rules, &err) ==
                    0) {
                        for (size_t k = 0; k < rules.n_rules; k++)
                                free(iface_rule_to_string(&rules.rules[k]));
                        iface_rules_done(&rules);
                }
                planet_error_clear(&err);
        }

        struct iface_hit *hits = NULL;
        size_t n_hits = 0;
        if (iface_find(idx, "allow|_t", IFACE_KINDS_ALL, &hits, &n_hits, &err) == 0)
                iface_hits_free(hits, n_hits);
        planet_error_clear(&err);

        if (n <= 64) {
                const char *perms[] = {"read"};
                struct iface_access need = {"a_t", "x_t", "file", perms, 1};
                struct iface_suggestion *s = NULL;
                size_t n_s = 0;
                if (iface_suggest(idx, &need, NULL, &s, &n_s, &err) == 0)
                        iface_suggestions_free(s, n_s);
                planet_error_clear(&err);
                struct iface_suggest_options opts = {.max_results = 2,
                                                     .type_matches = fake_attribute};
                need.target = "a_t"; /* a self access: every interface is looked at */
                if (iface_suggest(idx, &need, &opts, &s, &n_s, &err) == 0)
                        iface_suggestions_free(s, n_s);
                planet_error_clear(&err);
                need.target = "y_t";
                if (iface_suggest(idx, &need, &opts, &s, &n_s, &err) == 0)
                        iface_suggestions_free(s, n_s);
                planet_error_clear(&err);
        }
        iface_index_free(idx);
        return 0;
}
