/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The few SELinux kernel operations planet-initd needs, spoken directly over
 * the kernel's stable interfaces instead of through libselinux, so that the
 * wrapper every service starts through loads no shared library beyond libc
 * (libselinux pulls in libpcre2 and its constructors, which cost more per
 * start than all the rest of the wrapper: README, Benchmarks).
 *
 *   selinuxfs (its mount point is a parameter: no global state)
 *     enforce, deny_unknown, reject_unknown   one decimal number each
 *     class/NAME/index                        the class number (decimal)
 *     class/NAME/perms/PERM                   the permission's bit + 1 (1..32)
 *     create   write "SCON TCON CLASS", read the new context on the same fd
 *     access   write "SCON TCON CLASS REQ", read "%x %x %x %x %u %x":
 *              allowed decided auditallow auditdeny seqno [flags]
 *     context  write the context with its NUL: EINVAL when the policy
 *              rejects it
 *   /proc/thread-self/attr/{current,exec}     this thread's context / the
 *              context its next execve gets (per thread, as libselinux's
 *              getcon/setexeccon: /proc/self names the thread-group leader)
 *   the security.selinux extended attribute   a file's label (lgetxattr)
 *
 * Every answer is the raw (untranslated) context, as the *_raw libselinux
 * calls give it; planet-initd never asks mcstransd.
 *
 * Functions return 0 or -errno; failures fill *err (may be NULL) naming the
 * file that failed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Where the kernel mounts selinuxfs. */
#define SELINUXFS_MOUNT "/sys/fs/selinux"
/* Where it was mounted before Linux 3.0. */
#define SELINUXFS_OLD_MOUNT "/selinux"
/* libselinux counts SELinux as enabled only when a policy is configured. */
#define SELINUXFS_CONFIG "/etc/selinux/config"

/* Is SELinux enabled, decided as libselinux 3.4's is_selinux_enabled():
 * selinuxfs mounted read-write at SELINUXFS_MOUNT, else at
 * SELINUXFS_OLD_MOUNT, else (when /proc/filesystems lists selinuxfs) where
 * /proc/mounts says, and SELINUXFS_CONFIG present. The first of the two
 * fixed places that holds a selinuxfs decides even when it is read-only
 * (then: disabled), as libselinux does: a read-only selinuxfs cannot answer
 * create/access questions. 1 with *ret_mount set (caller frees), 0 when
 * disabled (*ret_mount NULL), -ENOMEM. */
int selinuxfs_detect(char **ret_mount);

/* The selinuxfs mount point in /proc/mounts text (first "selinuxfs" entry,
 * octal escapes such as \040 decoded). -ENOENT when there is none. Exposed
 * for the tests; selinuxfs_detect uses it. */
int selinuxfs_parse_mounts(const char *text, char **ret_mount);

/* The enforce file: true enforcing, false permissive. */
int selinuxfs_get_enforce(const char *mount, bool *ret, struct planet_error *err);

/* What the loaded policy does with classes and permissions it does not
 * define (its handle_unknown setting, in deny_unknown and reject_unknown). */
enum selinuxfs_handle_unknown {
        SELINUXFS_UNKNOWN_ALLOW,  /* allowed (deny_unknown 0) */
        SELINUXFS_UNKNOWN_DENY,   /* denied (deny_unknown 1) */
        SELINUXFS_UNKNOWN_REJECT, /* the kernel refused policies lacking its own
                                     classes (reject_unknown 1); unknown ones are
                                     denied */
};
int selinuxfs_get_handle_unknown(const char *mount, enum selinuxfs_handle_unknown *ret,
                                 struct planet_error *err);

/* class/NAME/index. -EINVAL (err naming the class and the file) when the
 * loaded policy has no such class; names with '/' or starting with '.' are
 * refused the same way, never looked up. */
int selinuxfs_class_index(const char *mount, const char *class_name, uint16_t *ret,
                          struct planet_error *err);
/* class/NAME/perms/PERM as an access vector bit (1 << (value - 1)). -EINVAL
 * when the class or the permission is not in the loaded policy. */
int selinuxfs_perm_bit(const char *mount, const char *class_name, const char *perm,
                       uint32_t *ret, struct planet_error *err);

/* The context the policy gives an object of class tclass created by scon
 * with target tcon (security_compute_create_raw). For tclass "process" and
 * a file's label as tcon: the domain an exec lands in. */
int selinuxfs_compute_create(const char *mount, const char *scon, const char *tcon,
                             uint16_t tclass, char **ret, struct planet_error *err);

struct selinuxfs_av_decision {
        uint32_t allowed, decided, auditallow, auditdeny, seqno;
        uint32_t flags; /* SELINUX_AVD_FLAGS_PERMISSIVE (1): a permissive domain */
};
/* The access file's answer: five or six space-separated fields, the first
 * four hexadecimal, seqno decimal, flags hexadecimal (0 when absent, as from
 * kernels before 2.6.39). -EBADMSG when it is not that. */
int selinuxfs_parse_av_decision(const char *text, struct selinuxfs_av_decision *ret);
/* security_compute_av_flags_raw: the kernel's decision for scon on
 * tcon:tclass. requested is passed along as libselinux does (the kernel
 * answers for the whole class). */
int selinuxfs_compute_av(const char *mount, const char *scon, const char *tcon, uint16_t tclass,
                         uint32_t requested, struct selinuxfs_av_decision *ret,
                         struct planet_error *err);

/* Is context valid in the loaded policy? -EINVAL when not. */
int selinuxfs_check_context(const char *mount, const char *context, struct planet_error *err);

/* A context as the kernel hands it out (attr files, the create answer, the
 * xattr): the bytes up to the first NUL or the end, with one trailing
 * newline dropped. -ENODATA when that is empty; -EINVAL when what follows
 * the first NUL is not all NULs (not a context). Exposed for the tests. */
int selinuxfs_context_from_bytes(const char *buf, size_t len, char **ret);

/* This thread's context (getcon_raw): /proc/thread-self/attr/current, or
 * /proc/self/task/TID/attr/current on kernels without thread-self. */
int selinuxfs_get_current_context(char **ret, struct planet_error *err);
/* The context this thread's next execve runs in (setexeccon_raw);
 * NULL clears it (the exec follows the policy's type_transition). */
int selinuxfs_set_exec_context(const char *context, struct planet_error *err);

/* A file's label, without following a final symlink (lgetfilecon_raw).
 * -ENODATA when it carries none (no attribute, an empty one, or a file
 * system without extended attributes). */
int selinuxfs_get_file_context(const char *path, char **ret, struct planet_error *err);
