/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Opening the input files the tools read whole (unit files, policies for
 * hashing): one place that refuses FIFOs, directories and devices with a
 * message naming the file, instead of blocking or reading garbage. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "error.h"

/* Opens rel (relative to dir_fd; AT_FDCWD for a plain path) read-only,
 * close-on-exec, and checks that it is a regular file; name is what the
 * messages call it. Returns the fd, or -errno with err set; *ret_st gets
 * its stat. */
int open_regular_file_at(int dir_fd, const char *rel, const char *name, struct stat *ret_st,
                         struct planet_error *err);

/* What fd has to give, NUL-terminated (the NUL not counted in *ret_len, which
 * may be NULL); -EFBIG past max bytes, -errno on a read error. The buffer
 * starts at first bytes and doubles: what planet-initd reads this way is
 * mostly a few hundred bytes, and a page-sized block (or stack array) would
 * cost it a page of its own memory (string-util.h says why that counts). A
 * large answer comes in parts; with one_answer, a read that does not fill
 * the buffer is the last (a selinuxfs transaction file's answer, a /proc
 * attr file: reading on would wait on a FIFO standing in for one), otherwise
 * the end is EOF (/proc/mounts may hand over less than asked before its end). */
int read_fd_full(int fd, size_t first, size_t max, bool one_answer, char **ret, size_t *ret_len);

/* The mount flags (ST_RDONLY, ST_NOSUID, … of <sys/statvfs.h>) of the
 * filesystem holding path, given sf = statfs(path): its f_flags when the
 * kernel filled them in (ST_VALID, Linux 2.6.36), else statvfs(path)'s,
 * which may read /proc/mounts. 0 or -errno. statfs first, because the start
 * path calls it anyway and statvfs is one more function of libc's there. */
int statfs_mount_flags(const char *path, const struct statfs *sf, unsigned long *ret);
