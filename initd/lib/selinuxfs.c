/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELinux's kernel interfaces, spoken directly (selinuxfs.h). Written from
 * the kernel's selinuxfs and procfs behaviour and libselinux's documented
 * semantics; every "as libselinux" below is a behaviour planet-initd must
 * keep so that it answers exactly what the library-linked build answered.
 * Paths and questions are joined (string-util.h), not printf-formatted:
 * this is planet-initd's start path, where that shows in its memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fileio.h"
#include "selinuxfs.h"
#include "string-util.h"

#define SELINUX_MAGIC 0xf97cff8cu
#define XATTR_NAME_SELINUX "security.selinux"
/* A first guess for a file's label; longer ones are asked for their size. */
#define CONTEXT_GUESS 256
/* A transaction's answer fits in a page; more is not selinuxfs talking. */
#define TRANSACTION_ANSWER_MAX 65536
/* "class/CLASS/perms/PERM" (each name shorter than NAME_MAX: valid_name). */
#define CLASS_PATH_MAX (2 * NAME_MAX + 16)
/* Small selinuxfs files hold one number. */
#define NUMBER_MAX 32

/* ---- finding selinuxfs --------------------------------------------------- */

/* 1: a writable selinuxfs is mounted at mnt; 0: a read-only one (libselinux
 * then reports SELinux disabled, and so do we); -1: no selinuxfs there. */
static int selinuxfs_at(const char *mnt)
{
        struct statfs sfs;
        unsigned long flags;
        int r;

        do
                r = statfs(mnt, &sfs);
        while (r < 0 && errno == EINTR);
        if (r < 0 || (uint32_t) sfs.f_type != SELINUX_MAGIC ||
            statfs_mount_flags(mnt, &sfs, &flags) < 0)
                return -1;
        return (flags & ST_RDONLY) ? 0 : 1;
}

static char *read_small_file(const char *path, size_t max)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *buf = NULL;
        if (fd < 0)
                return NULL;
        int r = read_fd_full(fd, 1024, max, false, &buf, NULL);
        if (r < 0)
                errno = -r;
        return r < 0 ? NULL : buf;
}

static void unescape_octal(char *s)
{
        char *w = s;
        for (const char *p = s; *p;) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *w++ = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
                        p += 4;
                } else {
                        *w++ = *p++;
                }
        }
        *w = '\0';
}

int selinuxfs_parse_mounts(const char *text, char **ret_mount)
{
        /* "device mountpoint fstype options freq passno", one per line. */
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t) (end - line) : strlen(line);
                const char *sp1 = memchr(line, ' ', n);
                const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t) (sp1 + 1 - line)) : NULL;
                if (sp2) {
                        const char *type = sp2 + 1;
                        size_t rest = n - (size_t) (type - line);
                        if (rest >= 9 && !memcmp(type, "selinuxfs", 9) &&
                            (rest == 9 || type[9] == ' ')) {
                                char *m = strndup(sp1 + 1, (size_t) (sp2 - sp1 - 1));
                                if (!m)
                                        return -ENOMEM;
                                unescape_octal(m);
                                *ret_mount = m;
                                return 0;
                        }
                }
                line = end ? end + 1 : NULL;
        }
        return -ENOENT;
}

/* Where libselinux would find selinuxfs; NULL when it would find none. */
static int find_mount(char **ret)
{
        *ret = NULL;
        /* The two fixed places: the first holding a selinuxfs decides, and a
         * read-only one means "not usable" rather than "look further". */
        const char *fixed[] = {SELINUXFS_MOUNT, SELINUXFS_OLD_MOUNT};
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                int k = selinuxfs_at(fixed[i]);
                if (k > 0) {
                        *ret = strdup(fixed[i]);
                        return *ret ? 0 : -ENOMEM;
                }
                if (k == 0)
                        return 0;
        }
        /* The long way, only when the kernel knows selinuxfs at all (an
         * unreadable /proc/filesystems counts as "it might"). */
        _cleanup_free_ char *filesystems = read_small_file("/proc/filesystems", 1 << 20);
        if (filesystems && !strstr(filesystems, "selinuxfs"))
                return 0;
        _cleanup_free_ char *mounts = read_small_file("/proc/mounts", 16 << 20);
        _cleanup_free_ char *m = NULL;
        if (!mounts)
                return 0;
        int r = selinuxfs_parse_mounts(mounts, &m);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || selinuxfs_at(m) <= 0)
                return 0;
        *ret = TAKE_PTR(m);
        return 0;
}

int selinuxfs_detect(char **ret_mount)
{
        _cleanup_free_ char *m = NULL;
        int r = find_mount(&m);
        if (r < 0)
                return r;
        *ret_mount = NULL;
        if (!m || access(SELINUXFS_CONFIG, F_OK) < 0)
                return 0;
        *ret_mount = TAKE_PTR(m);
        return 1;
}

/* ---- one-number files ---------------------------------------------------- */

static int read_number_file(const char *mount, const char *name, unsigned long *ret,
                            struct planet_error *err)
{
        char buf[NUMBER_MAX];
        /* On the heap: PATH_MAX frames nested from the callers' own names
         * reached a third page of stack on every start. */
        _cleanup_free_ char *path = strjoin(mount, "/", name);
        if (!path)
                return planet_error_set(err, ENOMEM, "out of memory reading %s/%s", mount, name);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", path);
        ssize_t n;
        do
                n = read(fd, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return planet_error_set(err, errno, "cannot read %s: %m", path);
        buf[n] = '\0';
        const char *end = NULL;
        uint64_t v;
        if (parse_unsigned(buf, 10, ULONG_MAX, &v, &end) < 0 || (*end && *end != '\n'))
                return planet_error_set(err, EBADMSG, "%s holds '%.*s', not a number", path,
                                        (int) strcspn(buf, "\n"), buf);
        *ret = (unsigned long) v;
        return 0;
}

int selinuxfs_get_enforce(const char *mount, bool *ret, struct planet_error *err)
{
        unsigned long v;
        int r = read_number_file(mount, "enforce", &v, err);
        if (r < 0)
                return r;
        *ret = v != 0;
        return 0;
}

int selinuxfs_get_handle_unknown(const char *mount, enum selinuxfs_handle_unknown *ret,
                                 struct planet_error *err)
{
        unsigned long deny, reject;
        int r = read_number_file(mount, "deny_unknown", &deny, err);
        if (r < 0)
                return r;
        r = read_number_file(mount, "reject_unknown", &reject, err);
        if (r < 0)
                return r;
        *ret = reject ? SELINUXFS_UNKNOWN_REJECT
               : deny ? SELINUXFS_UNKNOWN_DENY
                      : SELINUXFS_UNKNOWN_ALLOW;
        return 0;
}

/* A class or permission name becomes a path component: refuse what could
 * walk elsewhere in selinuxfs. */
static bool valid_name(const char *s)
{
        return s && *s && s[0] != '.' && !strchr(s, '/') && strlen(s) < NAME_MAX;
}

int selinuxfs_class_index(const char *mount, const char *class_name, uint16_t *ret,
                          struct planet_error *err)
{
        _cleanup_error_ struct planet_error why = {0};
        char name[CLASS_PATH_MAX];
        unsigned long v;

        if (!valid_name(class_name))
                return planet_error_set(err, EINVAL, "'%s' is not a security class name",
                                        class_name ? class_name : "");
        /* valid_name bounds class_name: it fits. */
        (void) strjoin_into(name, sizeof(name), "class/", class_name, "/index");
        int r = read_number_file(mount, name, &v, &why);
        if (r == -ENOENT)
                return planet_error_set(err, EINVAL,
                                        "the loaded policy has no class '%s' (no %s/%s)",
                                        class_name, mount, name);
        if (r < 0)
                return planet_error_set(err, -r, "%s", why.msg);
        if (v == 0 || v > UINT16_MAX)
                return planet_error_set(err, EBADMSG, "%s/%s holds %lu, not a class number", mount,
                                        name, v);
        *ret = (uint16_t) v;
        return 0;
}

int selinuxfs_perm_bit(const char *mount, const char *class_name, const char *perm, uint32_t *ret,
                       struct planet_error *err)
{
        _cleanup_error_ struct planet_error why = {0};
        char name[CLASS_PATH_MAX];
        unsigned long v;
        uint16_t index;

        if (!valid_name(class_name))
                return planet_error_set(err, EINVAL, "'%s' is not a security class name",
                                        class_name ? class_name : "");
        if (!valid_name(perm))
                return planet_error_set(err, EINVAL, "'%s' is not a permission name",
                                        perm ? perm : "");
        if (strjoin_into(name, sizeof(name), "class/", class_name, "/perms/", perm) < 0)
                return planet_error_set(err, ENAMETOOLONG, "permission name too long");
        int r = read_number_file(mount, name, &v, &why);
        if (r == -ENOENT) {
                /* Which is missing, the class or the permission? */
                r = selinuxfs_class_index(mount, class_name, &index, err);
                if (r < 0)
                        return r;
                return planet_error_set(err, EINVAL,
                                        "class '%s' has no permission '%s' in the loaded policy "
                                        "(no %s/%s)",
                                        class_name, perm, mount, name);
        }
        if (r < 0)
                return planet_error_set(err, -r, "%s", why.msg);
        if (v == 0 || v > 32)
                return planet_error_set(err, EBADMSG,
                                        "%s/%s holds %lu, not a permission number (1-32)", mount,
                                        name, v);
        *ret = UINT32_C(1) << (v - 1);
        return 0;
}

/* ---- transactions: write the question, read the answer on the same fd ---- */

/* question is printable (what the error messages show) but len may count
 * its NUL. */
static int transaction(const char *mount, const char *name, const char *question, size_t len,
                       char **ret_answer, size_t *ret_len, struct planet_error *err)
{
        _cleanup_free_ char *path = strjoin(mount, "/", name);
        if (!path)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", path);
        /* One write: the kernel takes the question whole or not at all. */
        ssize_t n;
        do
                n = write(fd, question, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return planet_error_set(err, errno, "%s refused \"%s\": %m", path, question);
        if (!ret_answer)
                return 0;
        /* The answer is at most a page (the kernel's transaction limit),
         * usually one context or one line of numbers. */
        int r = read_fd_full(fd, 256, TRANSACTION_ANSWER_MAX, true, ret_answer, ret_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                errno = -r; /* for %m */
                return planet_error_set(err, -r, "cannot read the answer from %s: %m", path);
        }
        return 0;
}

int selinuxfs_context_from_bytes(const char *buf, size_t len, char **ret)
{
        size_t n = strnlen(buf, len);
        /* The kernel includes the terminating NUL; anything else after it
         * means this is not one context. */
        for (size_t i = n; i < len; i++)
                if (buf[i] != '\0')
                        return -EINVAL;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        if (n == 0)
                return -ENODATA;
        char *s = strndup(buf, n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int selinuxfs_compute_create(const char *mount, const char *scon, const char *tcon, uint16_t tclass,
                             char **ret, struct planet_error *err)
{
        _cleanup_free_ char *a = NULL;
        char class_s[DECIMAL_U64_MAX];
        size_t alen = 0;
        _cleanup_free_ char *q = strjoin(scon, " ", tcon, " ", format_u64(class_s, tclass));
        if (!q)
                return -ENOMEM;
        int r = transaction(mount, "create", q, strlen(q), &a, &alen, err);
        if (r < 0)
                return r;
        r = selinuxfs_context_from_bytes(a, alen, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return planet_error_set(err, EBADMSG, "%s/create answered \"%s\" with no context",
                                        mount, q);
        return 0;
}

int selinuxfs_parse_av_decision(const char *text, struct selinuxfs_av_decision *ret)
{
        uint64_t v[6] = {0};
        const char *p = text;
        int k = 0;
        for (; k < 6; k++) {
                while (*p == ' ')
                        p++;
                if (!*p || *p == '\n')
                        break;
                const char *end = NULL;
                if (parse_unsigned(p, k == 4 ? 10 : 16, UINT32_MAX, &v[k], &end) < 0 ||
                    (*end && *end != ' ' && *end != '\n'))
                        return -EBADMSG;
                p = end;
        }
        while (*p == ' ' || *p == '\n')
                p++;
        /* allowed decided auditallow auditdeny seqno are required; flags came
         * with Linux 2.6.39 and is 0 before. */
        if (k < 5 || *p)
                return -EBADMSG;
        *ret = (struct selinuxfs_av_decision){
                .allowed = (uint32_t) v[0],
                .decided = (uint32_t) v[1],
                .auditallow = (uint32_t) v[2],
                .auditdeny = (uint32_t) v[3],
                .seqno = (uint32_t) v[4],
                .flags = k == 6 ? (uint32_t) v[5] : 0,
        };
        return 0;
}

int selinuxfs_compute_av(const char *mount, const char *scon, const char *tcon, uint16_t tclass,
                         uint32_t requested, struct selinuxfs_av_decision *ret,
                         struct planet_error *err)
{
        _cleanup_free_ char *a = NULL;
        char class_s[DECIMAL_U64_MAX], requested_s[HEX_U64_MAX];
        size_t alen = 0;
        /* "scon tcon class requested": class in decimal, the vector in hex. */
        _cleanup_free_ char *q = strjoin(scon, " ", tcon, " ", format_u64(class_s, tclass), " ",
                                         format_hex_u64_short(requested_s, requested));
        if (!q)
                return -ENOMEM;
        int r = transaction(mount, "access", q, strlen(q), &a, &alen, err);
        if (r < 0)
                return r;
        if (selinuxfs_parse_av_decision(a, ret) < 0)
                return planet_error_set(err, EBADMSG,
                                        "%s/access answered \"%.*s\" to \"%s\": not an access "
                                        "decision",
                                        mount, (int) strcspn(a, "\n"), a, q);
        return 0;
}

int selinuxfs_check_context(const char *mount, const char *context, struct planet_error *err)
{
        if (!context || !*context)
                return planet_error_set(err, EINVAL, "empty security context");
        /* With its NUL, as libselinux writes it. */
        int r = transaction(mount, "context", context, strlen(context) + 1, NULL, NULL, err);
        if (r == -EINVAL)
                return planet_error_set(
                        err, EINVAL, "'%s' is not a valid context in the loaded policy", context);
        return r;
}

/* ---- this thread's attributes -------------------------------------------- */

/* /proc/thread-self/attr/NAME, or /proc/self/task/TID/attr/NAME on kernels
 * older than 3.17. /proc/self would name the thread-group leader: wrong in
 * any other thread, and the kernel refuses writes to another thread's attrs. */
static int open_thread_attr(const char *name, int flags, char *path, size_t size)
{
        char tid[DECIMAL_U64_MAX];
        if (strjoin_into(path, size, "/proc/thread-self/attr/", name) < 0)
                return errno = ENAMETOOLONG, -1;
        int fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT)
                return fd;
        if (strjoin_into(path, size, "/proc/self/task/", format_u64(tid, (uint64_t) gettid()),
                         "/attr/", name) < 0)
                return errno = ENAMETOOLONG, -1;
        return open(path, flags | O_CLOEXEC);
}

int selinuxfs_get_current_context(char **ret, struct planet_error *err)
{
        char path[96];
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        _cleanup_close_ int fd = open_thread_attr("current", O_RDONLY, path, sizeof(path));
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", path);
        int r = read_fd_full(fd, 256, 65536, true, &buf, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                errno = -r; /* for %m */
                return planet_error_set(err, -r, "cannot read our context from %s: %m", path);
        }
        r = selinuxfs_context_from_bytes(buf, n, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return planet_error_set(err, r == -ENODATA ? ENODATA : EBADMSG,
                                        "%s holds no context", path);
        return 0;
}

int selinuxfs_set_exec_context(const char *context, struct planet_error *err)
{
        char path[96];
        _cleanup_close_ int fd = open_thread_attr("exec", O_RDWR, path, sizeof(path));
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", path);
        ssize_t n;
        do
                /* An empty write clears it, as setexeccon(NULL). */
                n = context ? write(fd, context, strlen(context) + 1) : write(fd, "", 0);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                if (context)
                        return planet_error_set(err, errno,
                                                "cannot set the exec context %s (%s): %m", context,
                                                path);
                return planet_error_set(err, errno, "cannot clear the exec context (%s): %m", path);
        }
        return 0;
}

/* ---- a file's label ------------------------------------------------------ */

int selinuxfs_get_file_context(const char *path, char **ret, struct planet_error *err)
{
        size_t size = CONTEXT_GUESS;
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        for (int attempt = 0;; attempt++) {
                free(buf);
                buf = malloc(size);
                if (!buf)
                        return -ENOMEM;
                n = lgetxattr(path, XATTR_NAME_SELINUX, buf, size);
                if (n >= 0 || errno != ERANGE || attempt >= 3)
                        break;
                /* Longer than the guess: ask for the size, then read again
                 * (it may change in between; a few tries). */
                n = lgetxattr(path, XATTR_NAME_SELINUX, NULL, 0);
                if (n < 0)
                        break;
                size = (size_t) n + 1;
        }
        if (n < 0) {
                if (errno == ENODATA || errno == ENOTSUP)
                        return planet_error_set(err, ENODATA, "%s carries no SELinux label", path);
                return planet_error_set(err, errno, "cannot read the label of %s: %m", path);
        }
        int r = selinuxfs_context_from_bytes(buf, (size_t) n, ret);
        if (r == -ENOMEM)
                return r;
        if (r == -ENODATA)
                return planet_error_set(err, ENODATA, "%s carries an empty SELinux label", path);
        if (r < 0)
                return planet_error_set(err, EBADMSG,
                                        "%s carries a malformed SELinux label (bytes after its "
                                        "NUL)",
                                        path);
        return 0;
}
