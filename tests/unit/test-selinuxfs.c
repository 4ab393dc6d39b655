/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* selinuxfs.h without an SELinux kernel: the parsers, the class and
 * permission lookups against a fake selinuxfs tree, the questions the
 * transaction files are asked (a FIFO stands in for them and hands back what
 * was written), file labels through real security.selinux xattrs, and the
 * enabled/disabled decision against libselinux's own on this machine. The
 * kernel's answers themselves are checked in the enforcing VM. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "label.h"
#include "selinuxfs.h"
#include "tmptree.h"

static char root[] = "/tmp/planet-selinuxfs-XXXXXX";
static struct planet_error err;

static void setup(void)
{
        cr_assert(mkdtemp(root));
        /* As the kernel writes them: no trailing newline. */
        tmptree_put(root, "enforce", "1");
        tmptree_put(root, "deny_unknown", "0");
        tmptree_put(root, "reject_unknown", "0");
        tmptree_put(root, "class/process/index", "2");
        tmptree_put(root, "class/process/perms/transition", "2");
        tmptree_put(root, "class/process/perms/setexec", "14");
        tmptree_put(root, "class/file/index", "6\n");
        tmptree_put(root, "class/file/perms/execute", "14\n");
        tmptree_put(root, "class/file/perms/watch_reads", "32");
        tmptree_put(root, "class/broken/index", "seven");
        tmptree_put(root, "class/broken/perms/zero", "0");
        tmptree_put(root, "class/broken/perms/big", "33");
}

static void teardown(void)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        cr_assert_eq(system(cmd), 0);
        planet_error_clear(&err);
}

TestSuite(selinuxfs, .init = setup, .fini = teardown);

/* --- the access answer --- */

Test(selinuxfs, av_decision_six_fields)
{
        struct selinuxfs_av_decision d;
        cr_assert_eq(selinuxfs_parse_av_decision("1fffff ffffffff 0 fffbffff 17 1", &d), 0);
        cr_assert_eq(d.allowed, 0x1fffffu);
        cr_assert_eq(d.decided, 0xffffffffu);
        cr_assert_eq(d.auditallow, 0u);
        cr_assert_eq(d.auditdeny, 0xfffbffffu);
        cr_assert_eq(d.seqno, 17u, "seqno is decimal: %u", d.seqno);
        cr_assert_eq(d.flags, 1u);
}

Test(selinuxfs, av_decision_without_flags_is_flags_zero)
{
        struct selinuxfs_av_decision d = {.flags = 99};
        cr_assert_eq(selinuxfs_parse_av_decision("A0 FFFFFFFF 0 FFFFFFFF 10\n", &d), 0);
        cr_assert_eq(d.allowed, 0xa0u);
        cr_assert_eq(d.seqno, 10u);
        cr_assert_eq(d.flags, 0u);
}

Test(selinuxfs, av_decision_malformed)
{
        struct selinuxfs_av_decision d;
        const char *bad[] = {
                "",                              /* nothing */
                "1 2 3 4",                       /* four fields */
                "1 2 3 4 5 6 7",                 /* seven */
                "-1 2 3 4 5",                    /* a sign */
                "1 2 3 4 1a",                    /* seqno is decimal */
                "1 2 3 4 5 zz",                  /* flags not hex */
                "100000000 2 3 4 5",             /* wider than 32 bits */
                "1 2 3 4 5 6 garbage",
                "1,2 3 4 5 6",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(selinuxfs_parse_av_decision(bad[i], &d), -EBADMSG, "accepted '%s'",
                             bad[i]);
}

/* --- contexts as the kernel hands them out --- */

Test(selinuxfs, context_bytes)
{
        char *c = NULL;
        cr_assert_eq(selinuxfs_context_from_bytes("u:r:t:s0", 8, &c), 0);
        cr_assert_str_eq(c, "u:r:t:s0");
        free(c);
        cr_assert_eq(selinuxfs_context_from_bytes("u:r:t:s0\0", 9, &c), 0);
        cr_assert_str_eq(c, "u:r:t:s0");
        free(c);
        cr_assert_eq(selinuxfs_context_from_bytes("u:r:t:s0\n\0\0", 11, &c), 0);
        cr_assert_str_eq(c, "u:r:t:s0");
        free(c);
        cr_assert_eq(selinuxfs_context_from_bytes("", 0, &c), -ENODATA);
        cr_assert_eq(selinuxfs_context_from_bytes("\0", 1, &c), -ENODATA);
        cr_assert_eq(selinuxfs_context_from_bytes("u:r:t\0x", 7, &c), -EINVAL);
}

/* --- one-number files --- */

Test(selinuxfs, enforce_and_handle_unknown)
{
        bool e = false;
        enum selinuxfs_handle_unknown h;
        cr_assert_eq(selinuxfs_get_enforce(root, &e, &err), 0, "%s", err.msg);
        cr_assert(e);
        tmptree_put(root, "enforce", "0");
        cr_assert_eq(selinuxfs_get_enforce(root, &e, &err), 0, "%s", err.msg);
        cr_assert(!e);

        cr_assert_eq(selinuxfs_get_handle_unknown(root, &h, &err), 0, "%s", err.msg);
        cr_assert_eq(h, SELINUXFS_UNKNOWN_ALLOW);
        tmptree_put(root, "deny_unknown", "1");
        cr_assert_eq(selinuxfs_get_handle_unknown(root, &h, &err), 0, "%s", err.msg);
        cr_assert_eq(h, SELINUXFS_UNKNOWN_DENY);
        tmptree_put(root, "reject_unknown", "1");
        cr_assert_eq(selinuxfs_get_handle_unknown(root, &h, &err), 0, "%s", err.msg);
        cr_assert_eq(h, SELINUXFS_UNKNOWN_REJECT);
}

Test(selinuxfs, number_file_errors_name_the_file)
{
        bool e;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/enforce", root);
        tmptree_put(root, "enforce", "on");
        cr_assert_eq(selinuxfs_get_enforce(root, &e, &err), -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, path) && strstr(err.msg, "'on'"), "%s", err.msg);
        unlink(path);
        cr_assert_eq(selinuxfs_get_enforce(root, &e, &err), -ENOENT);
        cr_assert(err.msg && strstr(err.msg, path), "%s", err.msg);
        cr_assert_eq(selinuxfs_get_enforce(root, &e, NULL), -ENOENT, "err may be NULL");
}

/* --- classes and permissions --- */

Test(selinuxfs, class_index)
{
        uint16_t c = 0;
        cr_assert_eq(selinuxfs_class_index(root, "process", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c, 2);
        cr_assert_eq(selinuxfs_class_index(root, "file", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c, 6, "a trailing newline is fine");
}

Test(selinuxfs, missing_class_names_class_and_file)
{
        uint16_t c;
        cr_assert_eq(selinuxfs_class_index(root, "process2", &c, &err), -EINVAL);
        cr_assert(err.msg && strstr(err.msg, "no class 'process2'") &&
                          strstr(err.msg, "class/process2/index") && strstr(err.msg, root),
                  "%s", err.msg);
}

Test(selinuxfs, class_names_cannot_walk)
{
        uint16_t c;
        const char *bad[] = {"", ".", "..", "../class/process", "process/perms", ".hidden"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(selinuxfs_class_index(root, bad[i], &c, &err), -EINVAL, "'%s'",
                             bad[i]);
        uint32_t av;
        cr_assert_eq(selinuxfs_perm_bit(root, "process", "../index", &av, &err), -EINVAL);
        cr_assert_eq(selinuxfs_class_index(root, NULL, &c, &err), -EINVAL);
}

Test(selinuxfs, malformed_class_index)
{
        uint16_t c;
        cr_assert_eq(selinuxfs_class_index(root, "broken", &c, &err), -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, "class/broken/index") && strstr(err.msg, "seven"),
                  "%s", err.msg);
}

Test(selinuxfs, perm_bits)
{
        uint32_t av = 0;
        cr_assert_eq(selinuxfs_perm_bit(root, "process", "transition", &av, &err), 0, "%s",
                     err.msg);
        cr_assert_eq(av, 1u << 1);
        cr_assert_eq(selinuxfs_perm_bit(root, "process", "setexec", &av, &err), 0, "%s", err.msg);
        cr_assert_eq(av, 1u << 13);
        cr_assert_eq(selinuxfs_perm_bit(root, "file", "execute", &av, &err), 0, "%s", err.msg);
        cr_assert_eq(av, 1u << 13);
        cr_assert_eq(selinuxfs_perm_bit(root, "file", "watch_reads", &av, &err), 0, "%s", err.msg);
        cr_assert_eq(av, 1u << 31, "the 32nd permission is the top bit");
}

Test(selinuxfs, missing_perm_names_perm_class_and_file)
{
        uint32_t av;
        cr_assert_eq(selinuxfs_perm_bit(root, "file", "audit_access", &av, &err), -EINVAL);
        cr_assert(err.msg && strstr(err.msg, "'file'") && strstr(err.msg, "'audit_access'") &&
                          strstr(err.msg, "class/file/perms/audit_access"),
                  "%s", err.msg);
        /* A missing class is reported as the class, not the permission. */
        cr_assert_eq(selinuxfs_perm_bit(root, "process2", "nnp_transition", &av, &err), -EINVAL);
        cr_assert(err.msg && strstr(err.msg, "no class 'process2'"), "%s", err.msg);
}

Test(selinuxfs, perm_values_out_of_range)
{
        uint32_t av;
        tmptree_put(root, "class/broken/index", "9");
        cr_assert_eq(selinuxfs_perm_bit(root, "broken", "zero", &av, &err), -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, "perms/zero"), "%s", err.msg);
        cr_assert_eq(selinuxfs_perm_bit(root, "broken", "big", &av, &err), -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, "perms/big"), "%s", err.msg);
}

/* --- the transaction files' questions (a FIFO hands back what was written) --- */

static void fifo(const char *name)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", root, name);
        cr_assert_eq(mkfifo(p, 0600), 0, "%s: %s", p, strerror(errno));
}

Test(selinuxfs, create_question_and_answer_on_one_fd)
{
        char *con = NULL;
        fifo("create");
        /* The "answer" read back is the question: "SCON TCON CLASS". */
        cr_assert_eq(selinuxfs_compute_create(root, "u:r:a_t:s0", "u:object_r:b_t:s0", 2, &con,
                                              &err),
                     0, "%s", err.msg);
        cr_assert_str_eq(con, "u:r:a_t:s0 u:object_r:b_t:s0 2");
        free(con);
}

/* An answer longer than the first read buffer arrives whole. */
Test(selinuxfs, a_long_answer_is_read_whole)
{
        char *con = NULL, scon[1500], want[1600];
        memset(scon, 'a', sizeof(scon) - 1);
        scon[sizeof(scon) - 1] = '\0';
        memcpy(scon, "u:r:", 4);
        fifo("create");
        cr_assert_eq(selinuxfs_compute_create(root, scon, "u:object_r:b_t:s0", 7, &con, &err), 0,
                     "%s", err.msg);
        snprintf(want, sizeof(want), "%s u:object_r:b_t:s0 7", scon);
        cr_assert_str_eq(con, want);
        free(con);
}

Test(selinuxfs, create_without_answer_is_an_error_naming_the_file)
{
        char *con = NULL;
        tmptree_put(root, "create", "");
        cr_assert_eq(selinuxfs_compute_create(root, "u:r:a_t:s0", "u:object_r:b_t:s0", 2, &con,
                                              &err),
                     -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, "/create") && strstr(err.msg, "no context"), "%s",
                  err.msg);
}

Test(selinuxfs, access_question)
{
        struct selinuxfs_av_decision d;
        fifo("access");
        /* "SCON TCON CLASS REQ(hex)" comes back and is no decision: the
         * error shows both what was asked and what came back. */
        cr_assert_eq(selinuxfs_compute_av(root, "u:r:a_t:s0", "u:r:b_t:s0", 2, 0x2000, &d, &err),
                     -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, "u:r:a_t:s0 u:r:b_t:s0 2 2000") &&
                          strstr(err.msg, "/access"),
                  "%s", err.msg);
}

Test(selinuxfs, missing_transaction_file_is_named)
{
        struct selinuxfs_av_decision d;
        cr_assert_eq(selinuxfs_compute_av(root, "a", "b", 2, 1, &d, &err), -ENOENT);
        cr_assert(err.msg && strstr(err.msg, "/access"), "%s", err.msg);
}

Test(selinuxfs, check_context_writes_the_nul)
{
        char p[PATH_MAX], buf[64];
        fifo("context");
        snprintf(p, sizeof(p), "%s/context", root);
        int keep = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC); /* holds what was written */
        cr_assert_geq(keep, 0);
        cr_assert_eq(selinuxfs_check_context(root, "u:r:a_t:s0", &err), 0, "%s", err.msg);
        ssize_t n = read(keep, buf, sizeof(buf));
        cr_assert_eq(n, 11, "the context and its NUL: %zd", n);
        cr_assert_eq(memcmp(buf, "u:r:a_t:s0\0", 11), 0);
        close(keep);
        cr_assert_eq(selinuxfs_check_context(root, "", &err), -EINVAL);
}

/* --- finding selinuxfs --- */

Test(selinuxfs, mounts_parsing)
{
        char *m = NULL;
        cr_assert_eq(selinuxfs_parse_mounts("proc /proc proc rw 0 0\n"
                                            "sysfs /sys sysfs rw 0 0\n"
                                            "selinuxfs /sys/fs/selinux selinuxfs rw,relatime 0 0\n",
                                            &m),
                     0);
        cr_assert_str_eq(m, "/sys/fs/selinux");
        free(m);
        cr_assert_eq(selinuxfs_parse_mounts("none /my\\040selinux selinuxfs rw 0 0", &m), 0);
        cr_assert_str_eq(m, "/my selinux", "octal escapes decoded");
        free(m);
        cr_assert_eq(selinuxfs_parse_mounts("x /a selinuxfsx rw 0 0\nselinuxfs /b tmpfs rw 0 0\n",
                                            &m),
                     -ENOENT, "only the type field counts, exactly");
        cr_assert_eq(selinuxfs_parse_mounts("", &m), -ENOENT);
}

Test(selinuxfs, detect_agrees_with_libselinux)
{
        char *m = NULL;
        int r = selinuxfs_detect(&m);
        cr_assert_geq(r, 0);
        cr_assert_eq(r, is_selinux_enabled() > 0 ? 1 : 0);
        if (r > 0)
                cr_assert(m && m[0] == '/', "mount point %s", m);
        else
                cr_assert_null(m);
        free(m);
}

Test(selinuxfs, kernel_backend_without_file_contexts)
{
        struct label_backend *k = NULL;
        char *con = NULL;
        cr_assert_eq(label_backend_open_kernel_without_file_contexts(&k, &err), 0, "%s", err.msg);
        cr_assert_eq(label_backend_get_kind(k), LABEL_BACKEND_KERNEL);
        cr_assert_eq(label_backend_get_mode(k) == LABEL_SELINUX_DISABLED,
                     is_selinux_enabled() <= 0);
        if (is_selinux_enabled() > 0) {
                int e = security_getenforce();
                cr_assert_eq(label_backend_get_mode(k),
                             e ? LABEL_SELINUX_ENFORCING : LABEL_SELINUX_PERMISSIVE);
        }
        cr_assert_eq(label_lookup_file_context(k, "/usr/bin/true", 0, &con, &err), -EOPNOTSUPP);
        cr_assert(err.msg && strstr(err.msg, "without file_contexts"), "%s", err.msg);
        label_backend_free(k);
}

/* --- this thread's context --- */

Test(selinuxfs, current_context_as_getcon)
{
        char *mine = NULL, *lib = NULL;
        int r = selinuxfs_get_current_context(&mine, &err);
        int l = getcon_raw(&lib);
        if (l < 0) {
                /* No LSM answers attr/current here: the failure names it. */
                cr_assert_lt(r, 0);
                cr_assert(err.msg && strstr(err.msg, "/proc/thread-self/attr/current"), "%s",
                          err.msg);
        } else {
                cr_assert_eq(r, 0, "%s", err.msg);
                cr_assert_str_eq(mine, lib);
        }
        free(mine);
        freecon(lib);
}

/* --- file labels (security.selinux set by hand: root only) --- */

static void label_file(const char *path, const void *value, size_t size)
{
        if (lsetxattr(path, "security.selinux", value, size, 0) < 0) {
                if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP)
                        cr_skip_test("cannot set security.selinux here (%s)", strerror(errno));
                cr_assert_fail("lsetxattr %s: %s", path, strerror(errno));
        }
}

Test(selinuxfs, file_labels)
{
        char f[PATH_MAX], l[PATH_MAX], *con = NULL;
        snprintf(f, sizeof(f), "%s/bin", root);
        snprintf(l, sizeof(l), "%s/link", root);
        tmptree_put(root, "bin", "");
        cr_assert_eq(symlink("bin", l), 0);

        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), -ENODATA);
        cr_assert(err.msg && strstr(err.msg, f) && strstr(err.msg, "no SELinux label"), "%s",
                  err.msg);

        label_file(f, "system_u:object_r:bin_t:s0", 27); /* with its NUL */
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), 0, "%s", err.msg);
        cr_assert_str_eq(con, "system_u:object_r:bin_t:s0");
        free(con);

        label_file(f, "system_u:object_r:bin_t:s0", 26); /* without */
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), 0, "%s", err.msg);
        cr_assert_str_eq(con, "system_u:object_r:bin_t:s0");
        free(con);

        /* Longer than the first guess: asked for its size. */
        char big[600];
        memset(big, 'c', sizeof(big));
        memcpy(big, "u:r:t:s0:c", 10);
        big[sizeof(big) - 1] = '\0';
        label_file(f, big, sizeof(big));
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), 0, "%s", err.msg);
        cr_assert_str_eq(con, big);
        free(con);

        label_file(f, "", 0);
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), -ENODATA);
        cr_assert(err.msg && strstr(err.msg, "empty"), "%s", err.msg);

        label_file(f, "a\0b", 3);
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), -EBADMSG);
        cr_assert(err.msg && strstr(err.msg, f), "%s", err.msg);

        /* The symlink's own label, not its target's. */
        label_file(f, "system_u:object_r:bin_t:s0", 27);
        label_file(l, "system_u:object_r:lnk_t:s0", 27);
        cr_assert_eq(selinuxfs_get_file_context(l, &con, &err), 0, "%s", err.msg);
        cr_assert_str_eq(con, "system_u:object_r:lnk_t:s0");
        free(con);

        snprintf(f, sizeof(f), "%s/absent", root);
        cr_assert_eq(selinuxfs_get_file_context(f, &con, &err), -ENOENT);
        cr_assert(err.msg && strstr(err.msg, f), "%s", err.msg);
}

Test(selinuxfs, exec_context_failure_names_the_thread_attr)
{
        if (is_selinux_enabled() > 0)
                cr_skip_test("SELinux is enabled: the kernel would take the context");
        /* No LSM takes attr/exec here: the write (or open) fails, said with
         * the per-thread file it went to. */
        cr_assert_lt(selinuxfs_set_exec_context("system_u:system_r:init_t:s0", &err), 0);
        cr_assert(err.msg && strstr(err.msg, "/proc/thread-self/attr/exec") &&
                          strstr(err.msg, "init_t"),
                  "%s", err.msg);
        cr_assert_lt(selinuxfs_set_exec_context(NULL, &err), 0);
        cr_assert(err.msg && strstr(err.msg, "clear"), "%s", err.msg);
}
