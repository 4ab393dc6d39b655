/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "journal-dl.h"
#include "macro.h"

#define LIBSYSTEMD "libsystemd.so.0"

int journal_dl_open(struct journal_dl *ret, struct planet_error *err)
{
        struct journal_dl dl = {0};
        /* Name, and where in the table the address goes. */
        const struct {
                const char *name;
                size_t offset;
        } syms[] = {
                {"sd_journal_open", offsetof(struct journal_dl, open)},
                {"sd_journal_open_directory", offsetof(struct journal_dl, open_directory)},
                {"sd_journal_open_files", offsetof(struct journal_dl, open_files)},
                {"sd_journal_close", offsetof(struct journal_dl, close)},
                {"sd_journal_add_match", offsetof(struct journal_dl, add_match)},
                {"sd_journal_add_disjunction", offsetof(struct journal_dl, add_disjunction)},
                {"sd_journal_flush_matches", offsetof(struct journal_dl, flush_matches)},
                {"sd_journal_seek_head", offsetof(struct journal_dl, seek_head)},
                {"sd_journal_seek_realtime_usec", offsetof(struct journal_dl, seek_realtime_usec)},
                {"sd_journal_next", offsetof(struct journal_dl, next)},
                {"sd_journal_wait", offsetof(struct journal_dl, wait)},
                {"sd_journal_get_data", offsetof(struct journal_dl, get_data)},
                {"sd_journal_get_realtime_usec", offsetof(struct journal_dl, get_realtime_usec)},
                {"sd_journal_send", offsetof(struct journal_dl, send)},
        };

        dl.handle = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
        if (!dl.handle)
                return planet_error_set(err, ENOPKG,
                                        "cannot load " LIBSYSTEMD
                                        " to read the journal (install the Debian package "
                                        "libsystemd0): %s",
                                        dlerror());
        for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
                void *fn = dlsym(dl.handle, syms[i].name);
                if (!fn) {
                        const char *why = dlerror();
                        dlclose(dl.handle);
                        return planet_error_set(err, ENOSYS,
                                                LIBSYSTEMD " has no %s (%s): libsystemd0 is older "
                                                "than the journal API this needs",
                                                syms[i].name, why ? why : "not found");
                }
                /* A function pointer stored through its table slot: every
                 * slot is a function pointer, same size and representation
                 * as void * on every platform with dlsym. */
                memcpy((char *) &dl + syms[i].offset, &fn, sizeof(fn));
        }
        *ret = dl;
        return 0;
}

void journal_dl_close(struct journal_dl *dl)
{
        if (dl && dl->handle) {
                dlclose(dl->handle);
                dl->handle = NULL;
        }
}
