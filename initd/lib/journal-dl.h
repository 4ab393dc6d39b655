/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libsystemd's journal functions, loaded when a command first needs them.
 *
 * Only `planet-selinux denials` reads or writes the journal; every other
 * subcommand (generate, domain, iface) would pay for libsystemd at each
 * start — it and the compressors it needs (lz4, zstd, xz) and libcap, about
 * a millisecond of loading and relocation — without calling it. So the
 * binary does not link it: the journal code asks for this table, which
 * dlopen()s libsystemd.so.0 (the soname is libsystemd's stable ABI) and
 * resolves the functions it lists. Opening again returns the same library
 * (the dynamic linker counts references); nothing is kept here. The types
 * (sd_journal, sd_id128_t) still come from <systemd/sd-journal.h>. */

#include <systemd/sd-journal.h>

#include "error.h"

struct journal_dl {
        void *handle;
        int (*open)(sd_journal **ret, int flags);
        int (*open_directory)(sd_journal **ret, const char *path, int flags);
        int (*open_files)(sd_journal **ret, const char **paths, int flags);
        void (*close)(sd_journal *j);
        int (*add_match)(sd_journal *j, const void *data, size_t size);
        int (*add_disjunction)(sd_journal *j);
        void (*flush_matches)(sd_journal *j);
        int (*seek_head)(sd_journal *j);
        int (*seek_realtime_usec)(sd_journal *j, uint64_t usec);
        int (*next)(sd_journal *j);
        int (*wait)(sd_journal *j, uint64_t timeout_usec);
        int (*get_data)(sd_journal *j, const char *field, const void **data, size_t *length);
        int (*get_realtime_usec)(sd_journal *j, uint64_t *ret);
        int (*send)(const char *format, ...);
};

/* Load libsystemd.so.0 and every function above. On failure err names the
 * library, the Debian package that ships it and what dlopen/dlsym said
 * (-ENOPKG when the library is missing, -ENOSYS when it lacks a symbol). */
int journal_dl_open(struct journal_dl *ret, struct planet_error *err);
/* Drop this reference (the library stays loaded while others hold one). */
void journal_dl_close(struct journal_dl *dl);
