/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux def: find and show refpolicy support macros (sefinddef,
 * seshowdef); the front end is shared with `iface`. */
#include "commands.h"
#include "iface-cli.h"
#include "iface.h"

int cmd_def(int argc, char **argv)
{
        return iface_cli_main(argc, argv, IFACE_KIND_DEFINE);
}
