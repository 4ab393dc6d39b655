/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper for unit-vs-systemd.sh, which compares its output with what
 * systemd-analyze verify reports:
 *
 *   unit-exec-dump LINE...         each LINE as an ExecStart= value of
 *                                  d.service: "OK <path>" or "ERROR"
 *   unit-exec-dump --unit DIR NAME the executable of NAME's effective
 *                                  ExecStart= (unit + drop-ins from DIR,
 *                                  its aliases' included)
 *
 * Paths have their name specifiers expanded, as the generator does before
 * labeling them. */
#include <dirent.h>
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
                /* The unit's aliases: symlinks in DIR to it. */
                char *aliases[64] = {0};
                size_t na = 0;
                DIR *d = opendir(argv[2]);
                for (struct dirent *de; d && (de = readdir(d)) && na < 63;) {
                        char *t = NULL;
                        if (unit_alias_target(argv[2], de->d_name, &t) > 0 && !strcmp(t, argv[3]))
                                aliases[na++] = strdup(de->d_name);
                        free(t);
                }
                if (d)
                        closedir(d);
                struct unit_file u;
                int r = unit_load_aliased(dirs, argv[3], (const char *const *) aliases, NULL, &u,
                                          NULL);
                for (size_t i = 0; i < na; i++)
                        free(aliases[i]);
                if (r < 0) {
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
