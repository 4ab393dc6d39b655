/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int planet_error_setv(struct planet_error *err, int errnum, const char *fmt, va_list ap)
{
        if (errnum < 0)
                errnum = -errnum;
        if (errnum == 0)
                errnum = EIO;
        if (!err)
                return -errnum;

        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL; /* keep the code even when memory is gone */
        free(err->msg);
        err->msg = msg;
        err->errnum = errnum;
        return -errnum;
}

int planet_error_set(struct planet_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = planet_error_setv(err, errnum, fmt, ap);
        va_end(ap);
        return r;
}

int planet_error_prefix(struct planet_error *err, const char *fmt, ...)
{
        if (!err)
                return -EIO;
        if (err->errnum == 0)
                err->errnum = EIO;

        char *prefix = NULL, *joined = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&prefix, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -err->errnum;
        if (asprintf(&joined, "%s: %s", prefix, err->msg ? err->msg : strerror(err->errnum)) < 0)
                joined = NULL;
        free(prefix);
        if (joined) {
                free(err->msg);
                err->msg = joined;
        }
        return -err->errnum;
}

void planet_error_fprint(const struct planet_error *err, const char *prog, FILE *f)
{
        if (!err || err->errnum == 0)
                return;
        if (err->msg)
                fprintf(f, "%s: %s\n", prog, err->msg);
        else
                fprintf(f, "%s: %s\n", prog, strerror(err->errnum));
}

void planet_error_clear(struct planet_error *err)
{
        if (!err)
                return;
        free(err->msg);
        err->msg = NULL;
        err->errnum = 0;
}
