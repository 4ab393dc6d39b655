/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* planet-selinux subcommands. Each takes the argv that starts at its own name
 * (argv[0] = "domain") and returns the process exit status. */

int cmd_domain(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_lint_fc(int argc, char **argv);
int cmd_denials(int argc, char **argv);
int cmd_iface(int argc, char **argv);
int cmd_def(int argc, char **argv);
