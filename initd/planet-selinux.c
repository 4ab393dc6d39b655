/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux: the operator's tool. A thin dispatcher; each subcommand
 * lives in its own cmd-*.c and does its work through initd/lib. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} commands[] = {
        {"domain", cmd_domain, "compute the domain a binary runs in when exec'd from a context"},
        {"generate", cmd_generate, "write unit drop-ins that wrap binaries in planet-initd"},
        {"lint-fc", cmd_lint_fc, "report .fc entries that can never match under a policy's equivalences"},
        {"denials", cmd_denials, "read AVC denials and explain them: unit, verdict, rule, interface"},
        {"iface", cmd_iface, "find or show refpolicy interfaces (sefindif/seshowif)"},
        {"def", cmd_def, "find or show refpolicy support macros (sefinddef/seshowdef)"},
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: planet-selinux COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\nRun 'planet-selinux COMMAND --help' for a command's options; "
                   "see planet-selinux(1).\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("planet-selinux %s\n", PACKAGE_VERSION);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i].name))
                        return commands[i].run(argc - 1, argv + 1);

        fprintf(stderr, "planet-selinux: unknown command '%s'; run 'planet-selinux --help' for the list\n",
                argv[1]);
        return 2;
}
