/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The label core's API, path resolution, and the kernel backend. The offline
 * backend is in label-offline.c so that kernel-only programs do not link
 * libsepol. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <selinux/avc.h>
#include <selinux/selinux.h>

#include "label-internal.h"

#define DEFAULT_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* As the kernel: at most 40 symlinks followed in one resolution. */
#define MAX_SYMLINKS 40

/* ---- small helpers ------------------------------------------------------ */

char *label_path_in_root(const char *root, const char *path)
{
        char *s = NULL;
        if (!root || !*root || !strcmp(root, "/"))
                return strdup(path);
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        if (asprintf(&s, "%.*s%s%s", (int) rl, root, path[0] == '/' ? "" : "/", path) < 0)
                return NULL;
        return s;
}

int label_context_type(const char *context, char **ret_type)
{
        /* user:role:type[:range]; the range itself may contain ':' (s0:c1). */
        if (!context || !ret_type)
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
        char *t = strndup(b + 1, n);
        if (!t)
                return -ENOMEM;
        *ret_type = t;
        return 0;
}

int label_context_with_type(const char *context, const char *type, char **ret)
{
        if (!context || !type || !*type || strchr(type, ':') || !ret)
                return -EINVAL;
        const char *a = strchr(context, ':');
        if (!a || a == context)
                return -EINVAL;
        const char *b = strchr(a + 1, ':');
        if (!b || b == a + 1)
                return -EINVAL;
        const char *c = strchr(b + 1, ':');
        char *s = NULL;
        if (asprintf(&s, "%.*s%s%s", (int) (b + 1 - context), context, type, c ? c : "") < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool type_is(const char *context, const char *type)
{
        _cleanup_free_ char *t = NULL;
        return label_context_type(context, &t) >= 0 && !strcmp(t, type);
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

                if (!strcmp(comp, "."))
                        continue;
                if (!strcmp(comp, "..")) {
                        char *last = strrchr(done, '/');
                        if (last)
                                *last = '\0';
                        continue;
                }

                _cleanup_free_ char *candidate = NULL, *full = NULL;
                if (asprintf(&candidate, "%s/%s", done, comp) < 0)
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
                                return planet_error_set(err, ELOOP,
                                                        "%s: too many levels of symbolic links",
                                                        path);
                        char target[PATH_MAX];
                        ssize_t l = readlink(full, target, sizeof(target) - 1);
                        if (l < 0)
                                return planet_error_set(err, errno, "cannot read link %s: %m",
                                                        full);
                        target[l] = '\0';
                        _cleanup_free_ char *joined = NULL;
                        if (asprintf(&joined, "%s%s%s", target, *todo ? "/" : "", todo) < 0)
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

int label_resolve_exec_path(const char *path, const char *root, const char *search_path,
                            char **ret, struct planet_error *err)
{
        _cleanup_free_ char *abs = NULL;

        if (!path || !*path)
                return planet_error_set(err, EINVAL, "empty path: name a binary to resolve");

        if (!strchr(path, '/')) {
                const char *sp = search_path ? search_path : getenv("PATH");
                if (!sp || !*sp)
                        sp = DEFAULT_SEARCH_PATH;
                _cleanup_free_ char *copy = strdup(sp);
                if (!copy)
                        return -ENOMEM;
                char *save = NULL;
                for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                        if (dir[0] != '/')
                                continue; /* relative PATH entries are a hazard; skip */
                        _cleanup_free_ char *cand = NULL;
                        if (asprintf(&cand, "%s/%s", dir, path) < 0)
                                return -ENOMEM;
                        if (is_executable_file(root, cand)) {
                                abs = TAKE_PTR(cand);
                                break;
                        }
                }
                if (!abs) {
                        planet_error_set(err, ENOENT,
                                         "'%s' not found in PATH (%s)%s%s: give a full path",
                                         path, sp, root ? " inside " : "", root ? root : "");
                        return -ENOENT;
                }
        } else if (path[0] == '/' || root) {
                if (asprintf(&abs, "%s%s", path[0] == '/' ? "" : "/", path) < 0)
                        return -ENOMEM;
        } else {
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof(cwd)))
                        return planet_error_set(err, errno, "cannot get the working directory: %m");
                if (asprintf(&abs, "%s/%s", cwd, path) < 0)
                        return -ENOMEM;
        }

        _cleanup_free_ char *real_root = NULL;
        if (root && *root && strcmp(root, "/")) {
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
        } else {
                r = label_current_context(b, &d.source_context, err);
                if (r < 0)
                        goto fail;
        }
        r = label_check_context(b, d.source_context, err);
        if (r < 0)
                goto fail;

        /* A root that is not there is the caller's mistake, not a missing
         * binary: say so instead of answering "missing" for every path. */
        if (root && *root) {
                struct stat root_st;
                int e = stat(root, &root_st) < 0 ? errno : S_ISDIR(root_st.st_mode) ? 0 : ENOTDIR;
                if (e) {
                        r = planet_error_set(err, e, "root directory %s: %s: give an existing "
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
                set_reason(&d, "%s carries no usable label (%s): label it (restorecon, or a "
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
        if (!strcmp(st, dt)) {
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
                           const char *file_context, struct label_transition_check *ret,
                           struct planet_error *err)
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
        if (label_check_access(b, source, domain, "process2", "nnp_transition", &c.nnp_transition,
                               &ignored) < 0)
                c.nnp_transition = false;
        if (label_check_access(b, source, domain, "process2", "nosuid_transition",
                               &c.nosuid_transition, &ignored) < 0)
                c.nosuid_transition = false;
        *ret = c;
        return 0;
}

bool label_transition_permitted(const struct label_transition_check *c, bool need_nnp)
{
        return c->file_execute && c->process_transition && c->file_entrypoint &&
               (!need_nnp || c->nnp_transition);
}

char *label_transition_missing_rules(const struct label_transition_check *c, const char *source,
                                     const char *domain, const char *file_context, bool need_nnp)
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
        if (need_nnp && !c->nnp_transition)
                fprintf(f, "allow %s %s:process2 nnp_transition;\n", st, dt);
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

/* The kernel backend asks the system's file_contexts (selabel, opened on
 * first use) for what a path should be labeled. */
struct kernel_backend {
        struct label_backend base; /* first: the API hands out &base */
        struct selabel_handle *file_contexts;
};

static void kernel_free(struct label_backend *b)
{
        struct kernel_backend *k = (struct kernel_backend *) b;
        if (k->file_contexts)
                selabel_close(k->file_contexts);
        free(k);
}

static int kernel_lookup_file_context(struct label_backend *b, const char *path, mode_t mode,
                                      char **ret, struct planet_error *err)
{
        struct kernel_backend *k = (struct kernel_backend *) b;
        if (!k->file_contexts) {
                k->file_contexts = selabel_open(SELABEL_CTX_FILE, NULL, 0);
                if (!k->file_contexts)
                        return planet_error_set(err, errno ? errno : EINVAL,
                                                "cannot load the system's file contexts: %m "
                                                "(is a policy installed under /etc/selinux?)");
        }
        char *con = NULL;
        if (selabel_lookup_raw(k->file_contexts, &con, path, mode) < 0) {
                if (errno == ENOENT)
                        return planet_error_set(err, ENODATA,
                                                "%s has no file_contexts entry (<<none>>)", path);
                return planet_error_set(err, errno, "file_contexts lookup of %s failed: %m", path);
        }
        *ret = con;
        return 0;
}

static int kernel_current_context(struct label_backend *b, char **ret, struct planet_error *err)
{
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        char *con = NULL;
        if (getcon_raw(&con) < 0)
                return planet_error_set(err, errno, "getcon() failed: %m");
        *ret = con;
        return 0;
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
        /* path is already resolved inside root; lgetfilecon keeps a stray
         * symlink from being followed out of it. */
        char *con = NULL;
        if (lgetfilecon_raw(full, &con) < 0) {
                if (errno == ENODATA || errno == ENOTSUP)
                        return planet_error_set(err, ENODATA, "%s carries no SELinux label", full);
                return planet_error_set(err, errno, "cannot read the label of %s: %m", full);
        }
        *ret = con;
        return 0;
}

static int kernel_class(const char *tclass, security_class_t *ret, struct planet_error *err)
{
        security_class_t c = string_to_security_class(tclass);
        if (c == 0)
                return planet_error_set(err, EINVAL, "the loaded policy has no class '%s'", tclass);
        *ret = c;
        return 0;
}

static int kernel_compute_create(struct label_backend *b, const char *scon, const char *tcon,
                                 const char *tclass, char **ret, struct planet_error *err)
{
        security_class_t c = 0;
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        r = kernel_class(tclass, &c, err);
        if (r < 0)
                return r;
        char *con = NULL;
        if (security_compute_create_raw(scon, tcon, c, &con) < 0)
                return planet_error_set(err, errno,
                                        "security_compute_create(%s, %s, %s) failed: %m "
                                        "(is each context valid in the loaded policy?)",
                                        scon, tcon, tclass);
        *ret = con;
        return 0;
}

static int kernel_check_access(struct label_backend *b, const char *scon, const char *tcon,
                               const char *tclass, const char *perm, bool *ret,
                               struct planet_error *err)
{
        security_class_t c = 0;
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        r = kernel_class(tclass, &c, err);
        if (r < 0)
                return r;
        access_vector_t av = string_to_av_perm(c, perm);
        if (av == 0)
                return planet_error_set(err, EINVAL, "class '%s' has no permission '%s'", tclass,
                                        perm);
        struct av_decision avd;
        if (security_compute_av_raw(scon, tcon, c, av, &avd) < 0)
                return planet_error_set(err, errno, "security_compute_av(%s, %s, %s) failed: %m",
                                        scon, tcon, tclass);
        *ret = (avd.allowed & av) == av;
        return 0;
}

static int kernel_check_context(struct label_backend *b, const char *context,
                                struct planet_error *err)
{
        int r = kernel_require_enabled(b, err);
        if (r < 0)
                return r;
        if (security_check_context_raw(context) < 0)
                return planet_error_set(err, EINVAL, "'%s' is not a valid context in the loaded "
                                                     "policy",
                                        context);
        return 0;
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

int label_backend_open_kernel(struct label_backend **ret, struct planet_error *err)
{
        struct kernel_backend *k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        struct label_backend *b = &k->base;
        b->ops = &kernel_ops;
        b->kind = LABEL_BACKEND_KERNEL;

        int enabled = is_selinux_enabled();
        if (enabled <= 0) {
                b->mode = LABEL_SELINUX_DISABLED;
        } else {
                int e = security_getenforce();
                if (e < 0) {
                        free(k);
                        return planet_error_set(err, errno,
                                                "cannot read the SELinux mode "
                                                "(/sys/fs/selinux/enforce): %m");
                }
                b->mode = e ? LABEL_SELINUX_ENFORCING : LABEL_SELINUX_PERMISSIVE;
        }
        *ret = b;
        return 0;
}
