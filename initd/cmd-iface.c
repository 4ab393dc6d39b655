/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "commands.h"

/* Placeholder until this subcommand's issue lands; keeps the dispatcher whole. */
int cmd_iface(int argc, char **argv)
{
        fprintf(stderr, "planet-selinux %s: not built yet\n", argv[0]);
        return 2;
}
