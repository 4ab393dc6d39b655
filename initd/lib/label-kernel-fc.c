/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* label_backend_open_kernel: the kernel backend (label.c) with the system's
 * file_contexts behind label_lookup_file_context, through libselinux's
 * selabel (opened on first use). Its own object, so that only programs that
 * open this backend (planet-selinux, the generator) link libselinux. */
#include <errno.h>
#include <stdlib.h>

#include <selinux/label.h>

#include "label-internal.h"

struct system_file_contexts {
        struct selabel_handle *handle; /* NULL until first asked */
};

static int system_lookup(void *data, const char *path, mode_t mode, char **ret,
                         struct planet_error *err)
{
        struct system_file_contexts *fc = data;
        if (!fc->handle) {
                fc->handle = selabel_open(SELABEL_CTX_FILE, NULL, 0);
                if (!fc->handle)
                        return planet_error_set(err, errno ? errno : EINVAL,
                                                "cannot load the system's file contexts: %m "
                                                "(is a policy installed under /etc/selinux?)");
        }
        char *con = NULL;
        if (selabel_lookup_raw(fc->handle, &con, path, mode) < 0) {
                if (errno == ENOENT)
                        return planet_error_set(err, ENODATA,
                                                "%s has no file_contexts entry (<<none>>)", path);
                return planet_error_set(err, errno, "file_contexts lookup of %s failed: %m", path);
        }
        *ret = con;
        return 0;
}

static void system_free(void *data)
{
        struct system_file_contexts *fc = data;
        if (fc->handle)
                selabel_close(fc->handle);
        free(fc);
}

static const struct label_file_contexts_ops system_file_contexts_ops = {
        .lookup = system_lookup,
        .free = system_free,
};

int label_backend_open_kernel(struct label_backend **ret, struct planet_error *err)
{
        struct system_file_contexts *fc = calloc(1, sizeof(*fc));
        if (!fc)
                return -ENOMEM;
        int r = label_kernel_backend_new(ret, &system_file_contexts_ops, fc, err);
        if (r < 0)
                free(fc);
        return r;
}
