/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: print how unit_exec_parse() reads each argument as an
 * ExecStart= value of d.service — "OK <path>" (name specifiers expanded, as
 * the generator does before labeling) or "ERROR" — for unit-vs-systemd.sh,
 * which compares that with what systemd-analyze verify reports. */
#include <stdio.h>

#include "unit.h"

int main(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                struct unit_exec_command *c = NULL;
                size_t n = 0;
                if (unit_exec_parse(argv[i], &c, &n, NULL) < 0 || n == 0) {
                        puts("ERROR");
                        continue;
                }
                _cleanup_free_ char *path = NULL;
                if (unit_expand_name_specifiers("d.service", c[0].path, &path, NULL) < 0)
                        puts("ERROR");
                else
                        printf("OK %s\n", path);
                unit_exec_commands_free(c, n);
        }
        return 0;
}
