/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>

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
