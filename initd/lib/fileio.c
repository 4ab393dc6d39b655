/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int open_regular_file_at(int dir_fd, const char *rel, const char *name, struct stat *ret_st,
                         struct planet_error *err)
{
        _cleanup_close_ int fd = openat(dir_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", name);
        if (fstat(fd, ret_st) < 0)
                return planet_error_set(err, errno, "cannot stat %s: %m", name);
        if (!S_ISREG(ret_st->st_mode))
                return planet_error_set(err, EINVAL, "%s is not a regular file", name);
        return TAKE_FD(fd);
}

int read_fd_full(int fd, size_t first, size_t max, bool one_answer, char **ret, size_t *ret_len)
{
        size_t size = first, len = 0;
        _cleanup_free_ char *buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len < size && one_answer)
                        break;
                if (len == size) {
                        if (size >= max)
                                return -EFBIG;
                        char *nb = realloc(buf, size * 2 + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        size *= 2;
                }
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

#ifndef ST_VALID
#define ST_VALID 0x0020 /* the kernel's: f_flags holds the mount flags */
#endif

int statfs_mount_flags(const char *path, const struct statfs *sf, unsigned long *ret)
{
        struct statvfs sv;
        if (sf->f_flags & ST_VALID) {
                *ret = (unsigned long) sf->f_flags & ~(unsigned long) ST_VALID;
                return 0;
        }
        if (statvfs(path, &sv) < 0)
                return -errno;
        *ret = sv.f_flag;
        return 0;
}
