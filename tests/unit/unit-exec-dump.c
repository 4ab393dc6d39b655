/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper for unit-vs-systemd.sh, which compares its output with what
 * systemd-analyze verify reports:
 *
 *   unit-exec-dump LINE...         each LINE as an ExecStart= value of
 *                                  d.service: "OK <path>" or "ERROR"
 *   unit-exec-dump --unit DIR NAME the executable of NAME's effective
 *                                  ExecStart= (unit + drop-ins from DIR)
 *
 * Paths have their name specifiers expanded, as the generator does before
 * labeling them. */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static void print_path(const char *unit, const char *value)
{
        struct unit_exec_command *c = NULL;
        size_t n = 0;
        _cleanup_free_ char *path = NULL;
        if (unit_exec_parse(value, &c, &n, NULL) < 0 || n == 0 ||
            unit_expand_name_specifiers(unit, c[0].path, &path, NULL) < 0)
                puts("ERROR");
        else
                printf("OK %s\n", path);
        unit_exec_commands_free(c, n);
}

int main(int argc, char **argv)
{
        if (argc == 4 && !strcmp(argv[1], "--unit")) {
                const char *dirs[] = {argv[2], NULL};
                struct unit_file u;
                if (unit_load(dirs, argv[3], NULL, &u, NULL) < 0) {
                        puts("ERROR");
                        return 0;
                }
                const struct unit_assignment **v = NULL;
                size_t nv = 0;
                if (unit_get_list(&u, "Service", "ExecStart", &v, &nv) < 0 || nv == 0)
                        puts("NONE");
                else
                        print_path(argv[3], v[nv - 1]->value);
                free(v);
                unit_file_done(&u);
                return 0;
        }
        for (int i = 1; i < argc; i++)
                print_path("d.service", argv[i]);
        return 0;
}
