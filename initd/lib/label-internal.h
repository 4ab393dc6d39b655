/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between label.c (API, kernel backend) and label-offline.c. Not part
 * of the contract: other modules use label.h only. */

#include <selinux/label.h>

#include "label.h"

struct label_backend_ops {
        void (*free)(struct label_backend *b);
        int (*current_context)(struct label_backend *b, char **ret, struct planet_error *err);
        /* path is resolved and absolute inside root (root NULL = "/"). */
        int (*get_file_context)(struct label_backend *b, const char *path, const char *root,
                                char **ret, struct planet_error *err);
        /* What file_contexts says for path and mode; -ENODATA for none. */
        int (*lookup_file_context)(struct label_backend *b, const char *path, mode_t mode,
                                   char **ret, struct planet_error *err);
        int (*compute_create)(struct label_backend *b, const char *scon, const char *tcon,
                              const char *tclass, char **ret, struct planet_error *err);
        int (*check_access)(struct label_backend *b, const char *scon, const char *tcon,
                            const char *tclass, const char *perm, bool *ret,
                            struct planet_error *err);
        int (*check_context)(struct label_backend *b, const char *context,
                             struct planet_error *err);
        int (*type_has_attribute)(struct label_backend *b, const char *type,
                                  const char *attribute, bool *ret);
};

struct label_backend {
        const struct label_backend_ops *ops;
        enum label_backend_kind kind;
        enum label_selinux_mode mode;
};


/* The kernel backend (label.c) asks the kernel through selinuxfs.h; what a
 * path *should* be labeled comes from a userspace database (the system's
 * file_contexts) and is plugged in, so that the backend itself needs no
 * libselinux: label_backend_open_kernel (label-kernel-fc.c) plugs in
 * selabel, label_backend_open_kernel_without_file_contexts nothing. */
struct label_file_contexts_ops {
        /* As label_lookup_file_context; -ENODATA for none. */
        int (*lookup)(void *data, const char *path, mode_t mode, char **ret,
                      struct planet_error *err);
        void (*free)(void *data);
};
/* On success the backend owns data (freed with ops->free); on failure the
 * caller still does. ops NULL: lookups fail with -EOPNOTSUPP. */
int label_kernel_backend_new(struct label_backend **ret,
                             const struct label_file_contexts_ops *file_contexts,
                             void *file_contexts_data, struct planet_error *err);
