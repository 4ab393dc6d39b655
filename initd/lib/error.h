/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Errors that must be explained to a person travel up the call chain in a
 * planet_error (errno + message), as crun's libcrun_error_t does; the program's
 * main prints it once. Functions keep returning 0 or -errno so callers can
 * branch on the code without looking at the text.
 *
 *     struct planet_error err = {0};
 *     r = label_compute_exec_domain(..., &err);
 *     if (r < 0) { planet_error_print(&err, "planet-initd"); planet_error_clear(&err); }
 */

#include <stdarg.h>
#include <stdio.h>
#include "macro.h"

struct planet_error {
        int errnum; /* positive errno value; 0 when unset */
        char *msg;  /* what failed, naming the thing and what to do */
};

/* Record an error (replacing any earlier one) and return -errnum, so that a
 * failure reads `return planet_error_set(err, ENOENT, "…");`. err may be NULL. */
int planet_error_set(struct planet_error *err, int errnum, const char *fmt, ...)
        _printf_(3, 4) _cold_;
int planet_error_setv(struct planet_error *err, int errnum, const char *fmt, va_list ap)
        _printf_(3, 0) _cold_;

/* Prefix the existing message with context from a caller ("unit kubelet: …").
 * Returns -errnum of the stored error (or -EIO if none was set). */
int planet_error_prefix(struct planet_error *err, const char *fmt, ...) _printf_(2, 3) _cold_;

/* Print "PROG: MESSAGE" (plus strerror when the message lacks detail) to f. */
void planet_error_fprint(const struct planet_error *err, const char *prog, FILE *f) _cold_;
static inline void planet_error_print(const struct planet_error *err, const char *prog)
{
        planet_error_fprint(err, prog, stderr);
}

void planet_error_clear(struct planet_error *err);
static inline void planet_error_clearp(struct planet_error *err)
{
        planet_error_clear(err);
}
#define _cleanup_error_ _cleanup_(planet_error_clearp)
