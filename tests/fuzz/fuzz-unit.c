/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the unit parser: the file syntax (continuations,
 * sections, comments) and every assigned value through the Exec command-line
 * splitter, the specifier expander and the quoting round trip. A word quoted
 * by unit_exec_quote_word() must parse back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void check_round_trip(const char *word)
{
        _cleanup_free_ char *q = unit_exec_quote_word(word);
        _cleanup_free_ char *line = NULL;
        if (!q || asprintf(&line, "/bin/x %s", q) < 0)
                return;
        struct unit_exec_command *c = NULL;
        size_t n = 0;
        if (unit_exec_parse(line, &c, &n, NULL) < 0)
                abort(); /* a quoted word must always parse */
        if (n != 1 || c[0].argc != 2 || strcmp(c[0].argv[1], word))
                abort();
        unit_exec_commands_free(c, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct unit_file u = {0};
        struct planet_error err = {0};
        if (unit_parse(&u, (const char *) data, size, "fuzz.service", &err) >= 0) {
                for (size_t i = 0; i < u.n_assignments; i++) {
                        const char *v = u.assignments[i].value;
                        struct unit_exec_command *c = NULL;
                        size_t n = 0;
                        if (unit_exec_parse(v, &c, &n, &err) >= 0) {
                                for (size_t j = 0; j < n; j++) {
                                        for (size_t k = 0; k < c[j].argc; k++)
                                                if (*c[j].argv[k])
                                                        check_round_trip(c[j].argv[k]);
                                        char *x = NULL;
                                        if (unit_expand_name_specifiers("a-b@c-d.service",
                                                                        c[j].path, &x, &err) >= 0)
                                                free(x);
                                }
                                unit_exec_commands_free(c, n);
                        }
                        const struct unit_assignment **l = NULL;
                        size_t nl = 0;
                        if (unit_get_list(&u, u.assignments[i].section, u.assignments[i].key, &l,
                                          &nl) >= 0)
                                free(l);
                }
        }
        planet_error_clear(&err);
        unit_file_done(&u);
        return 0;
}
