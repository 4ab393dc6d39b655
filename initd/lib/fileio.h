/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Opening the input files the tools read whole (unit files, policies for
 * hashing): one place that refuses FIFOs, directories and devices with a
 * message naming the file, instead of blocking or reading garbage. */

#include <sys/stat.h>

#include "error.h"

/* Opens rel (relative to dir_fd; AT_FDCWD for a plain path) read-only,
 * close-on-exec, and checks that it is a regular file; name is what the
 * messages call it. Returns the fd, or -errno with err set; *ret_st gets
 * its stat. */
int open_regular_file_at(int dir_fd, const char *rel, const char *name, struct stat *ret_st,
                         struct planet_error *err);
