/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The label core's API, path resolution, and the kernel backend. The offline
 * backend is in label-offline.c so that kernel-only programs do not link
 * libsepol; the kernel backend asks the kernel through selinuxfs.h, not
 * libselinux, and its one libselinux need — the system's file_contexts for
 * label_lookup_file_context — is plugged in from label-kernel-fc.c, so that
 * planet-initd, which never asks file_contexts, links neither libselinux nor
 * PCRE2. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "label-internal.h"
#include "selinuxfs.h"
#include "string-util.h"

#define DEFAULT_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* As the kernel: at most 40 symlinks followed in one resolution. */
#define MAX_SYMLINKS 40

/* ---- small helpers ------------------------------------------------------ */

char *label_path_in_root(const char *root, const char *path)
{
        if (!root || !*root || streq(root, "/"))
                return strdup(path);
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        size_t sep = path[0] == '/' ? 0 : 1, pl = strlen(path);
        char *s = malloc(rl + sep + pl + 1);
        if (!s)
                return NULL;
        memcpy(s, root, rl);
        memcpy(s + rl, "/", sep);
        memcpy(s + rl + sep, path, pl + 1);
        return s;
}

/* Find the type field of user:role:type[:range] (the range itself may
 * contain ':', as in s0:c1). Empty user, role or type is malformed. */
static int context_type_span(const char *context, const char **ret_start, size_t *ret_len)
{
        if (!context)
                return -EINVAL;
        const char *a = strchr(context, ':');
        if (!a || a == context)
                return -EINVAL;
        const char *b = strchr(a + 1, ':');
        if (!b || b == a + 1)
                return -EINVAL;
        const char *c = strchr(b + 1, ':');
        size_t n = c ? (size_t) (c - b - 1) : strlen(b + 1);
        if (n == 0)
                return -EINVAL;
        *ret_start = b + 1;
        *ret_len = n;
        return 0;
}

int label_context_type(const char *context, char **ret_type)
{
        const char *t;
        size_t n;
        if (!ret_type || context_type_span(context, &t, &n) < 0)
                return -EINVAL;
        char *s = strndup(t, n);
        if (!s)
                return -ENOMEM;
        *ret_type = s;
        return 0;
}

int label_context_with_type(const char *context, const char *type, char **ret)
{
        const char *t;
        size_t n;
        if (!type || !*type || strchr(type, ':') || !ret || context_type_span(context, &t, &n) < 0)
                return -EINVAL;
        size_t head = (size_t) (t - context), tl = strlen(type), tail = strlen(t + n);
        char *s = malloc(head + tl + tail + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, context, head);
        memcpy(s + head, type, tl);
        memcpy(s + head + tl, t + n, tail + 1);
        *ret = s;
        return 0;
}

static bool type_is(const char *context, const char *type)
{
        _cleanup_free_ char *t = NULL;
        return label_context_type(context, &t) >= 0 && streq(t, type);
}

const char *label_selinux_mode_to_string(enum label_selinux_mode m)
{
        switch (m) {
        case LABEL_SELINUX_DISABLED:
                return "disabled";
        case LABEL_SELINUX_PERMISSIVE:
                return "permissive";
        case LABEL_SELINUX_ENFORCING:
                return "enforcing";
        }
        return "unknown";
}

const char *label_result_to_string(enum label_result r)
{
        switch (r) {
        case LABEL_RESULT_TRANSITION:
                return "transition";
        case LABEL_RESULT_NO_TRANSITION:
                return "no-transition";
        case LABEL_RESULT_UNLABELED:
                return "unlabeled";
        case LABEL_RESULT_PATH_MISSING:
                return "missing";
        case LABEL_RESULT_INVALID:
                return "invalid";
        }
        return "unknown";
}

/* ---- path resolution ---------------------------------------------------- */

/* Follow path component by component as the kernel would, but with root as
 * "/": ".." stops at root and absolute symlink targets restart at root, so a
 * container rootfs can be inspected from outside without escaping it.
 * Returns the resolved absolute path inside root. */
static int chase_in_root(const char *root, const char *path, char **ret, struct planet_error *err)
{
        _cleanup_free_ char *todo = strdup(path), *done = strdup("");
        unsigned links = 0;

        if (!todo || !done)
                return -ENOMEM;

        for (;;) {
                char *p = todo;
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                char *slash = strchr(p, '/');
                size_t n = slash ? (size_t) (slash - p) : strlen(p);
                _cleanup_free_ char *comp = strndup(p, n);
                _cleanup_free_ char *rest = strdup(slash ? slash : "");
                if (!comp || !rest)
                        return -ENOMEM;
                free(todo);
                todo = TAKE_PTR(rest);

                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        char *last = strrchr(done, '/');
                        if (last)
                                *last = '\0';
                        continue;
                }

                _cleanup_free_ char *candidate = NULL, *full = NULL;
                if (!(candidate = strjoin3(done, "/", comp)))
                        return -ENOMEM;
                full = label_path_in_root(root, candidate);
                if (!full)
                        return -ENOMEM;

                struct stat st;
                if (lstat(full, &st) < 0) {
                        int r = -errno;
                        if (r == -ENOENT || r == -ENOTDIR)
                                return r; /* an answer (missing), not an error */
                        return planet_error_set(err, -r, "cannot look at %s: %s", full,
                                                strerror(-r));
                }
                if (S_ISLNK(st.st_mode)) {
                        if (++links > MAX_SYMLINKS)
                                return planet_error_set(
                                        err, ELOOP, "%s: too many levels of symbolic links", path);
                        char target[PATH_MAX];
                        ssize_t l = readlink(full, target, sizeof(target) - 1);
                        if (l < 0)
                                return planet_error_set(err, errno, "cannot read link %s: %m",
                                                        full);
                        target[l] = '\0';
                        _cleanup_free_ char *joined = NULL;
                        if (!(joined = strjoin3(target, *todo ? "/" : "", todo)))
                                return -ENOMEM;
                        free(todo);
                        todo = TAKE_PTR(joined);
                        if (target[0] == '/')
                                done[0] = '\0';
                        continue;
                }
                if (*todo && !S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                free(done);
                done = TAKE_PTR(candidate);
        }

        if (!*done) {
                free(done);
                done = strdup("/");
                if (!done)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(done);
        return 0;
}

static bool is_executable_file(const char *root, const char *path)
{
        _cleanup_free_ char *full = label_path_in_root(root, path);
        struct stat st;
        /* stat, not lstat: a PATH entry may well be a symlink to the binary.
         * With a root, a symlink is resolved properly by chase_in_root later;
         * here only existence matters. */
        return full && (stat(full, &st) >= 0 || lstat(full, &st) >= 0) &&
               (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
               (S_ISLNK(st.st_mode) || (st.st_mode & 0111));
}

int label_resolve_exec_path(const char *path, const char *root, const char *search_path, char **ret,
                            struct planet_error *err)
{
        _cleanup_free_ char *abs = NULL;

        if (!path || !*path)
                return planet_error_set(err, EINVAL, "empty path: name a binary to resolve");

        if (!strchr(path, '/')) {
                const char *sp = search_path ? search_path : strv_env_get(environ, "PATH");
                if (!sp || !*sp)
                        sp = DEFAULT_SEARCH_PATH;
                /* Split by hand, not with strtok_r: planet-initd resolves
                 * every service's binary here (string-util.h says why). */
                for (const char *dir = sp, *next; dir; dir = next) {
                        const char *colon = strchr(dir, ':');
                        size_t dl = colon ? (size_t) (colon - dir) : strlen(dir);
                        next = colon ? colon + 1 : NULL;
                        if (dl == 0 || dir[0] != '/')
                                continue; /* relative PATH entries are a hazard; skip */
                        _cleanup_free_ char *d = strndup(dir, dl), *cand = NULL;
                        if (!d || !(cand = strjoin3(d, "/", path)))
                                return -ENOMEM;
                        if (is_executable_file(root, cand)) {
                                abs = TAKE_PTR(cand);
                                break;
                        }
                }
                if (!abs) {
                        planet_error_set(err, ENOENT,
                                         "'%s' not found in PATH (%s)%s%s: give a full path", path,
                                         sp, root ? " inside " : "", root ? root : "");
                        return -ENOENT;
                }
        } else if (path[0] == '/' || root) {
                if (!(abs = strjoin3(path[0] == '/' ? "" : "/", path, "")))
                        return -ENOMEM;
        } else {
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof(cwd)))
                        return planet_error_set(err, errno, "cannot get the working directory: %m");
                if (!(abs = strjoin3(cwd, "/", path)))
                        return -ENOMEM;
        }

        _cleanup_free_ char *real_root = NULL;
        if (root && *root && !streq(root, "/")) {
                real_root = realpath(root, NULL);
                if (!real_root)
                        return planet_error_set(err, errno, "root directory %s: %m", root);
        }

        int r = chase_in_root(real_root, abs, ret, err);
        if (r == -ENOENT || r == -ENOTDIR) {
                planet_error_set(err, ENOENT, "%s does not exist%s%s", abs,
                                 real_root ? " inside " : "", real_root ? real_root : "");
                return -ENOENT;
        }
        return r;
}

/* ---- common API --------------------------------------------------------- */

void label_backend_free(struct label_backend *b)
{
        if (!b)
                return;
        b->ops->free(b);
}

enum label_backend_kind label_backend_get_kind(const struct label_backend *b)
{
        return b->kind;
}

enum label_selinux_mode label_backend_get_mode(const struct label_backend *b)
{
        return b->mode;
}

int label_current_context(struct label_backend *b, char **ret, struct planet_error *err)
{
        return b->ops->current_context(b, ret, err);
}

int label_get_file_context(struct label_backend *b, const char *path, const char *root, char **ret,
                           struct planet_error *err)
{
        return b->ops->get_file_context(b, path, root, ret, err);
}

int label_lookup_file_context(struct label_backend *b, const char *path, mode_t mode, char **ret,
                              struct planet_error *err)
{
        return b->ops->lookup_file_context(b, path, mode, ret, err);
}

int label_compute_create(struct label_backend *b, const char *scon, const char *tcon,
                         const char *tclass, char **ret, struct planet_error *err)
{
        return b->ops->compute_create(b, scon, tcon, tclass, ret, err);
}

int label_check_access(struct label_backend *b, const char *scon, const char *tcon,
                       const char *tclass, const char *perm, bool *ret_allowed,
                       struct planet_error *err)
{
        return b->ops->check_access(b, scon, tcon, tclass, perm, ret_allowed, err);
}

int label_check_context(struct label_backend *b, const char *context, struct planet_error *err)
{
        return b->ops->check_context(b, context, err);
}

int label_type_has_attribute(struct label_backend *b, const char *type, const char *attribute,
                             bool *ret)
{
        return b->ops->type_has_attribute(b, type, attribute, ret);
}

void label_exec_domain_done(struct label_exec_domain *d)
{
        if (!d)
                return;
        free(d->path);
        free(d->file_context);
        free(d->source_context);
        free(d->domain);
        free(d->reason);
        *d = (struct label_exec_domain){0};
}

static int set_reason(struct label_exec_domain *d, const char *fmt, ...) _printf_(2, 3);
static int set_reason(struct label_exec_domain *d, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(d->reason);
        if (vasprintf(&d->reason, fmt, ap) < 0)
                d->reason = NULL;
        va_end(ap);
        return 0;
}

int label_compute_exec_domain(struct label_backend *b, const char *source, const char *path,
                              const char *root, struct label_exec_domain *ret,
                              struct planet_error *err)
{
        struct label_exec_domain d = {.result = LABEL_RESULT_INVALID};
        _cleanup_error_ struct planet_error resolve_err = {0}, label_err = {0};
        _cleanup_free_ char *st = NULL, *dt = NULL, *ft = NULL;
        int r;

        if (source) {
                d.source_context = strdup(source);
                if (!d.source_context)
                        return -ENOMEM;
                /* Given: the policy must know it. */
                r = label_check_context(b, d.source_context, err);
                if (r < 0)
                        goto fail;
        } else {
                /* Ours, as the kernel holds it: valid by definition. */
                r = label_current_context(b, &d.source_context, err);
                if (r < 0)
                        goto fail;
        }

        /* A root that is not there is the caller's mistake, not a missing
         * binary: say so instead of answering "missing" for every path. */
        if (root && *root) {
                struct stat root_st;
                int e = stat(root, &root_st) < 0 ? errno : S_ISDIR(root_st.st_mode) ? 0 : ENOTDIR;
                if (e) {
                        r = planet_error_set(err, e,
                                             "root directory %s: %s: give an existing "
                                             "directory as the root",
                                             root, strerror(e));
                        goto fail;
                }
        }

        r = label_resolve_exec_path(path, root, NULL, &d.path, &resolve_err);
        if (r == -ENOENT) {
                d.result = LABEL_RESULT_PATH_MISSING;
                d.reason = TAKE_PTR(resolve_err.msg);
                *ret = d;
                return 0;
        }
        if (r < 0) {
                planet_error_set(err, resolve_err.errnum, "%s",
                                 resolve_err.msg ? resolve_err.msg : strerror(-r));
                goto fail;
        }

        r = label_get_file_context(b, d.path, root, &d.file_context, &label_err);
        if (r == -ENODATA || (r >= 0 && type_is(d.file_context, "unlabeled_t"))) {
                d.result = LABEL_RESULT_UNLABELED;
                set_reason(&d,
                           "%s carries no usable label (%s): label it (restorecon, or a "
                           "file_contexts entry) before asking which domain it runs in",
                           d.path, d.file_context ? d.file_context : "<<none>>");
                *ret = d;
                return 0;
        }
        if (r < 0) {
                planet_error_set(err, label_err.errnum, "%s",
                                 label_err.msg ? label_err.msg : strerror(-r));
                goto fail;
        }

        r = label_compute_create(b, d.source_context, d.file_context, "process", &d.domain, err);
        if (r < 0) {
                planet_error_prefix(err, "%s", d.path);
                goto fail;
        }

        if (label_context_type(d.source_context, &st) < 0 ||
            label_context_type(d.domain, &dt) < 0 || label_context_type(d.file_context, &ft) < 0) {
                r = planet_error_set(err, EINVAL, "%s: malformed context in the answer", d.path);
                goto fail;
        }
        if (streq(st, dt)) {
                d.result = LABEL_RESULT_NO_TRANSITION;
                set_reason(&d,
                           "no type_transition for %s executing %s: it would stay in %s "
                           "(the policy needs domtrans_pattern(%s, %s, <domain>))",
                           st, ft, st, st, ft);
        } else {
                d.result = LABEL_RESULT_TRANSITION;
        }
        *ret = d;
        return 0;

fail:
        /* Hand back what is known (path, labels) so the caller can show
         * which context was rejected; the caller frees it as always. */
        d.result = LABEL_RESULT_INVALID;
        *ret = d;
        return r;
}

int label_check_transition(struct label_backend *b, const char *source, const char *domain,
                           const char *file_context, unsigned constraints,
                           struct label_transition_check *ret, struct planet_error *err)
{
        struct label_transition_check c = {0};
        int r;

        r = label_check_access(b, source, file_context, "file", "execute", &c.file_execute, err);
        if (r < 0)
                return r;
        r = label_check_access(b, source, domain, "process", "transition", &c.process_transition,
                               err);
        if (r < 0)
                return r;
        r = label_check_access(b, domain, file_context, "file", "entrypoint", &c.file_entrypoint,
                               err);
        if (r < 0)
                return r;
        /* Policies older than process2 cannot allow NNP transitions at all
         * (short of bounds): report the permission as absent. */
        _cleanup_error_ struct planet_error ignored = {0};
        if ((constraints & LABEL_EXEC_NNP) &&
            label_check_access(b, source, domain, "process2", "nnp_transition", &c.nnp_transition,
                               &ignored) < 0)
                c.nnp_transition = false;
        if ((constraints & LABEL_EXEC_NOSUID) &&
            label_check_access(b, source, domain, "process2", "nosuid_transition",
                               &c.nosuid_transition, &ignored) < 0)
                c.nosuid_transition = false;
        *ret = c;
        return 0;
}

bool label_transition_permitted(const struct label_transition_check *c, unsigned constraints)
{
        return c->file_execute && c->process_transition && c->file_entrypoint &&
               (!(constraints & LABEL_EXEC_NNP) || c->nnp_transition) &&
               (!(constraints & LABEL_EXEC_NOSUID) || c->nosuid_transition);
}

char *label_transition_missing_rules(const struct label_transition_check *c, const char *source,
                                     const char *domain, const char *file_context,
                                     unsigned constraints)
{
        _cleanup_free_ char *st = NULL, *dt = NULL, *ft = NULL;
        if (label_context_type(source, &st) < 0 || label_context_type(domain, &dt) < 0 ||
            label_context_type(file_context, &ft) < 0)
                return NULL;

        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        if (!c->file_execute)
                fprintf(f, "allow %s %s:file execute;\n", st, ft);
        if (!c->process_transition)
                fprintf(f, "allow %s %s:process transition;\n", st, dt);
        if (!c->file_entrypoint)
                fprintf(f, "allow %s %s:file entrypoint;\n", dt, ft);
        if ((constraints & LABEL_EXEC_NNP) && !c->nnp_transition)
                fprintf(f, "allow %s %s:process2 nnp_transition;\n", st, dt);
        if ((constraints & LABEL_EXEC_NOSUID) && !c->nosuid_transition)
                fprintf(f, "allow %s %s:process2 nosuid_transition;\n", st, dt);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        if (len == 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- kernel backend ----------------------------------------------------- */

static int kernel_require_enabled(struct label_backend *b, struct planet_error *err)
{
        if (b->mode == LABEL_SELINUX_DISABLED)
                return planet_error_set(err, EOPNOTSUPP,
                                        "SELinux is disabled on this machine, so the kernel "
                                        "cannot be asked; use a compiled policy instead "
                                        "(--policy FILE --file-contexts FILE)");
        return 0;
}

/* Every policy question goes to selinuxfs at `selinuxfs`; what a path
 * should be labeled (file_contexts, a userspace database the kernel knows
 * nothing of) to the plugged-in lookup, when there is one. */
/* Class numbers, permission bits and access decisions are asked once per
 * backend: a start asks for the same classes several times, and each answer
 * costs an open, a read or a write, and a close on selinuxfs. Nothing is
 * invalidated: a kernel backend lives for one start (planet-initd) or one
 * command (planet-selinux domain); libselinux's AVC, which lives as long as
 * its process, listens for policy loads instead. A full cache just stops
 * remembering. */
#define KERNEL_CACHE_SIZE 8
#define KERNEL_NAME_MAX 48 /* longer class or permission names are not kept */

struct kernel_class {
        char name[KERNEL_NAME_MAX];
        uint16_t index;
};

struct kernel_perm {
        uint16_t class_index;
        char name[KERNEL_NAME_MAX];
        uint32_t bit;
};

/* The kernel answers an access question with the whole vector of the
 * class's permissions, whichever were asked for. */
struct kernel_decision {
        char *scon, *tcon;
        uint16_t class_index;
        uint32_t allowed;
};

struct kernel_backend {
        struct label_backend base; /* first: the API hands out &base */
        char *selinuxfs;           /* mount point; NULL when SELinux is disabled */
        const struct label_file_contexts_ops *file_contexts;
        void *file_contexts_data;
        struct kernel_class classes[KERNEL_CACHE_SIZE];
        size_t n_classes;
        struct kernel_perm perms[KERNEL_CACHE_SIZE];
        size_t n_perms;
        struct kernel_decision decisions[KERNEL_CACHE_SIZE];
        size_t n_decisions;
};

static struct kernel_backend *to_kernel(struct label_backend *b)
{
        return (struct kernel_backend *) b;
}

static void kernel_free(struct label_backend *b)
{
        struct kernel_backend *k = to_kernel(b);
        if (k->file_contexts && k->file_contexts->free)
                k->file_contexts->free(k->file_contexts_data);
        for (size_t i = 0; i < k->n_decisions; i++) {
                free(k->decisions[i].scon);
                free(k->decisions[i].tcon);
        }
        free(k->selinuxfs);
        free(k);
}

static int kernel_lookup_file_context(struct label_backend *b, const char *path, mode_t mode,
                                      char **ret, struct planet_error *err)
{
        struct kernel_backend *k = to_kernel(b);
        if (!k->file_contexts)
                /* planet-initd's backend: it only asks for the labels files
                 * carry (get_file_context), never what they should carry. */
                return planet_error_set(err, EOPNOTSUPP,
                                        "this kernel backend was opened without file_contexts "
                                        "(cannot say what %s should be labeled)",
                                        path);
        return k->file_contexts->lookup(k->file_contexts_data, path, mode, ret, err);
}

static int kernel_current_context(struct label_backend *b, char **ret, struct planet_error *err)
{
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        return selinuxfs_get_current_context(ret, err);
}

static int kernel_get_file_context(struct label_backend *b, const char *path, const char *root,
                                   char **ret, struct planet_error *err)
{
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *full = label_path_in_root(root, path);
        if (!full)
                return -ENOMEM;
        /* path is already resolved inside root; not following a final
         * symlink keeps a stray one from leading out of it. -ENODATA when
         * unlabeled. */
        return selinuxfs_get_file_context(full, ret, err);
}

static int kernel_class_index(struct kernel_backend *k, const char *name, uint16_t *ret,
                              struct planet_error *err)
{
        for (size_t i = 0; i < k->n_classes; i++)
                if (streq(k->classes[i].name, name)) {
                        *ret = k->classes[i].index;
                        return 0;
                }
        int r = selinuxfs_class_index(k->selinuxfs, name, ret, err);
        if (r < 0 || k->n_classes == KERNEL_CACHE_SIZE || strlen(name) >= KERNEL_NAME_MAX)
                return r;
        struct kernel_class *c = &k->classes[k->n_classes++];
        strcpy(c->name, name);
        c->index = *ret;
        return 0;
}

static int kernel_perm_bit(struct kernel_backend *k, const char *class_name, uint16_t class_index,
                           const char *perm, uint32_t *ret, struct planet_error *err)
{
        for (size_t i = 0; i < k->n_perms; i++)
                if (k->perms[i].class_index == class_index && streq(k->perms[i].name, perm)) {
                        *ret = k->perms[i].bit;
                        return 0;
                }
        int r = selinuxfs_perm_bit(k->selinuxfs, class_name, perm, ret, err);
        if (r < 0 || k->n_perms == KERNEL_CACHE_SIZE || strlen(perm) >= KERNEL_NAME_MAX)
                return r;
        struct kernel_perm *p = &k->perms[k->n_perms++];
        p->class_index = class_index;
        strcpy(p->name, perm);
        p->bit = *ret;
        return 0;
}

static int kernel_allowed(struct kernel_backend *k, const char *scon, const char *tcon,
                          uint16_t class_index, uint32_t requested, uint32_t *ret,
                          struct planet_error *err)
{
        struct selinuxfs_av_decision avd;
        for (size_t i = 0; i < k->n_decisions; i++) {
                struct kernel_decision *d = &k->decisions[i];
                if (d->class_index == class_index && streq(d->scon, scon) && streq(d->tcon, tcon)) {
                        *ret = d->allowed;
                        return 0;
                }
        }
        int r = selinuxfs_compute_av(k->selinuxfs, scon, tcon, class_index, requested, &avd, err);
        if (r < 0)
                return r;
        *ret = avd.allowed;
        if (k->n_decisions == KERNEL_CACHE_SIZE)
                return 0;
        struct kernel_decision *d = &k->decisions[k->n_decisions];
        d->scon = strdup(scon);
        d->tcon = strdup(tcon);
        if (!d->scon || !d->tcon) {
                free(d->scon);
                free(d->tcon);
                return 0; /* only a cache */
        }
        d->class_index = class_index;
        d->allowed = avd.allowed;
        k->n_decisions++;
        return 0;
}

static int kernel_compute_create(struct label_backend *b, const char *scon, const char *tcon,
                                 const char *tclass, char **ret, struct planet_error *err)
{
        struct kernel_backend *k = to_kernel(b);
        uint16_t c = 0;
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        r = kernel_class_index(k, tclass, &c, err);
        if (r < 0)
                return r;
        r = selinuxfs_compute_create(k->selinuxfs, scon, tcon, c, ret, err);
        if (r < 0 && r != -ENOMEM)
                planet_error_prefix(err,
                                    "security_compute_create(%s, %s, %s) failed (is each "
                                    "context valid in the loaded policy?)",
                                    scon, tcon, tclass);
        return r;
}

/* An unknown class or permission is answered as libselinux's
 * selinux_check_access() and the kernel itself answer it: allowed when the
 * policy says handle_unknown=allow (deny_unknown 0), else an error naming
 * what is missing. */
static int kernel_unknown(struct kernel_backend *k, bool *ret, int r, struct planet_error *err)
{
        enum selinuxfs_handle_unknown h;
        if (r != -EINVAL)
                return r;
        if (selinuxfs_get_handle_unknown(k->selinuxfs, &h, NULL) >= 0 &&
            h == SELINUXFS_UNKNOWN_ALLOW) {
                planet_error_clear(err);
                *ret = true;
                return 0;
        }
        return r; /* err names the missing class or permission */
}

static int kernel_check_access(struct label_backend *b, const char *scon, const char *tcon,
                               const char *tclass, const char *perm, bool *ret,
                               struct planet_error *err)
{
        struct kernel_backend *k = to_kernel(b);
        uint16_t c = 0;
        uint32_t av = 0, allowed = 0;
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        r = kernel_class_index(k, tclass, &c, err);
        if (r >= 0)
                r = kernel_perm_bit(k, tclass, c, perm, &av, err);
        if (r < 0)
                return kernel_unknown(k, ret, r, err);
        r = kernel_allowed(k, scon, tcon, c, av, &allowed, err);
        if (r < 0)
                return r;
        *ret = (allowed & av) == av;
        return 0;
}

static int kernel_check_context(struct label_backend *b, const char *context,
                                struct planet_error *err)
{
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        return selinuxfs_check_context(to_kernel(b)->selinuxfs, context, err);
}

static int kernel_type_has_attribute(struct label_backend *b, const char *type,
                                     const char *attribute, bool *ret)
{
        /* The kernel exposes no attribute membership. */
        return -EOPNOTSUPP;
}

static const struct label_backend_ops kernel_ops = {
        .free = kernel_free,
        .current_context = kernel_current_context,
        .get_file_context = kernel_get_file_context,
        .lookup_file_context = kernel_lookup_file_context,
        .compute_create = kernel_compute_create,
        .check_access = kernel_check_access,
        .check_context = kernel_check_context,
        .type_has_attribute = kernel_type_has_attribute,
};

int label_kernel_backend_new(struct label_backend **ret,
                             const struct label_file_contexts_ops *file_contexts,
                             void *file_contexts_data, struct planet_error *err)
{
        struct kernel_backend *k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        struct label_backend *b = &k->base;
        b->ops = &kernel_ops;
        b->kind = LABEL_BACKEND_KERNEL;

        int r = selinuxfs_detect(&k->selinuxfs);
        if (r < 0) {
                free(k);
                return r;
        }
        if (r == 0) {
                b->mode = LABEL_SELINUX_DISABLED;
        } else {
                bool enforcing = false;
                r = selinuxfs_get_enforce(k->selinuxfs, &enforcing, err);
                if (r < 0) {
                        kernel_free(b);
                        return planet_error_prefix(err, "cannot read the SELinux mode");
                }
                b->mode = enforcing ? LABEL_SELINUX_ENFORCING : LABEL_SELINUX_PERMISSIVE;
        }
        /* Only now: on failure above the caller still owns the data. */
        k->file_contexts = file_contexts;
        k->file_contexts_data = file_contexts_data;
        *ret = b;
        return 0;
}

int label_backend_open_kernel_without_file_contexts(struct label_backend **ret,
                                                    struct planet_error *err)
{
        return label_kernel_backend_new(ret, NULL, NULL, err);
}
