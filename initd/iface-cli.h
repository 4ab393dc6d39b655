/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `planet-selinux iface` and `planet-selinux def` share one front end over
 * initd/lib/iface.h; they differ in which kinds of macro they search and show
 * (interfaces and templates, or support defines). argv[0] is the command name. */
int iface_cli_main(int argc, char **argv, unsigned kinds);
