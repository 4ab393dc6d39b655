/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drop-ins that wrap gravity binaries in planet-initd; see generate.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answer-cache.h"
#include "fc.h"
#include "fcmatch.h"
#include "generate.h"
#include "label.h"
#include "string-util.h"
#include "unit-batch.h"
#include "unit.h"

/* Where systemd looks for a bare ExecStart= name (systemd.service(5)). */
#define SYSTEMD_EXEC_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_INITD_PATH "/usr/bin/planet-initd"

/* The Exec*= settings whose commands run the service's own binaries; the
 * order is the order they are written in a drop-in. */
static const char *const exec_keys[] = {"ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload"};

/* Settings that make systemd set no_new_privs (systemd.exec(5)); a
 * transition then needs process2 nnp_transition. Conservative: the implied
 * cases are treated as set whatever the value, except an explicit "no". */
static const char *const nnp_implying_keys[] = {
        "NoNewPrivileges",
        "SystemCallFilter",
        "SystemCallArchitectures",
        "RestrictAddressFamilies",
        "RestrictNamespaces",
        "PrivateDevices",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectClock",
        "MemoryDenyWriteExecute",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "LockPersonality",
        "DynamicUser",
};

/* The [Service] keys the generator reads, found in one pass over a unit
 * (generate_loaded_unit()): ours, then the ones the drop-in depends on, the
 * NNP-implying ones, and the Exec*= lists in exec_keys' order. */
enum {
        KEY_DOMAIN,
        KEY_SUPERVISE,
        KEY_READY,
        KEY_READY_TIMEOUT,
        KEY_WATCHDOG_PROBE,
        N_PLANET_KEYS,
        KEY_TYPE = N_PLANET_KEYS,
        KEY_TIMEOUT_START,
        KEY_TIMEOUT,
        FIRST_NNP_KEY,
        FIRST_EXEC_KEY = FIRST_NNP_KEY + ELEMENTSOF(nnp_implying_keys),
        N_SERVICE_KEYS = FIRST_EXEC_KEY + ELEMENTSOF(exec_keys),
        NO_KEY = 0xff,
};
static const char *const service_keys_head[] = {
        "X-Planet-Domain",         "X-Planet-Supervise",
        "X-Planet-Ready",          "X-Planet-Ready-Timeout",
        "X-Planet-Watchdog-Probe", "Type",
        "TimeoutStartSec",         "TimeoutSec",
};
_Static_assert(ELEMENTSOF(service_keys_head) == FIRST_NNP_KEY, "service key table");
_Static_assert(N_SERVICE_KEYS < NO_KEY, "service key ids fit a byte");
/* The id of a key, NO_KEY for the others (most of a unit's). The first
 * byte decides nearly every miss without a call. */
static size_t service_key_index(const char *key)
{
        for (size_t k = 0; k < ELEMENTSOF(service_keys_head); k++)
                if (service_keys_head[k][0] == key[0] && !strcmp(service_keys_head[k], key))
                        return k;
        for (size_t k = 0; k < ELEMENTSOF(nnp_implying_keys); k++)
                if (nnp_implying_keys[k][0] == key[0] && !strcmp(nnp_implying_keys[k], key))
                        return FIRST_NNP_KEY + k;
        for (size_t k = 0; k < ELEMENTSOF(exec_keys); k++)
                if (exec_keys[k][0] == key[0] && !strcmp(exec_keys[k], key))
                        return FIRST_EXEC_KEY + k;
        return NO_KEY;
}

/* What the policy and the file contexts answered. Units share binaries and
 * binaries share labels: a label is looked up once per path and the policy
 * asked once per label (the questions depend only on it, the source and the
 * domain). Offline, the policy's and the file contexts' answers also
 * persist between runs in an answer cache keyed by their content
 * (answer-cache.h), so that a run over unchanged inputs reads neither.
 * Bump the version in
 * ANSWER_SCOPE when a question's meaning or its answer's encoding changes. */
#define ANSWER_SCOPE "generate questions v1"

struct generate_context {
        struct generate_options o;
        struct answer_cache *answers;
        /* Kernel, or an offline one given by the caller, or — when we open
         * the offline policy ourselves — NULL until a question is not in
         * the answer cache. */
        struct label_backend *backend;
        bool own_backend;
        bool kernel;
        bool backend_given; /* generate_context_open_with_backend() */
        bool policy_read;   /* we read the policy file in this run */
        /* Offline labels when we read them ourselves: the file_contexts with
         * the .fc's entries in it, matched as selabel would. */
        struct fc_matcher *files;
        struct fc_file fc;
        bool have_fc;
        char *from;
        char *from_type;
        char *fc_name;     /* basename of --fc, for citations */
        char *policy_name; /* "policy.33" or "the loaded policy" */
        char **notes;
        size_t n_notes;
        char *labels_identity; /* the label files' digests the cache is keyed by */
        /* The units, listed and loaded on a second thread from the moment
         * the context is opened (while the policy is hashed);
         * generate_run() takes them. */
        struct unit_batch *batch;
};

const char *generate_verdict_to_string(enum generate_verdict v)
{
        switch (v) {
        case GENERATE_WRAPPED:
                return "wrapped";
        case GENERATE_LEFT:
                return "left alone";
        case GENERATE_FAILED:
                return "FAILED";
        }
        return "?";
}

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* ---- opening ----------------------------------------------------------- */

void generate_context_free(struct generate_context *g)
{
        if (!g)
                return;
        if (g->own_backend)
                label_backend_free(g->backend);
        unit_batch_free(g->batch);
        answer_cache_free(g->answers);
        fc_matcher_free(g->files);
        if (g->have_fc)
                fc_file_done(&g->fc);
        strv_free(g->notes);
        free(g->labels_identity);
        free(g->from);
        free(g->from_type);
        free(g->fc_name);
        free(g->policy_name);
        free(g);
}

/* Something a person should know that is not a failure (an answer cache
 * that was ignored, or could not be written). */
static void add_note(struct generate_context *g, char *note)
{
        if (!note)
                return;
        char **n = reallocarray(g->notes, g->n_notes + 2, sizeof(char *));
        if (!n) {
                free(note);
                return;
        }
        g->notes = n;
        g->notes[g->n_notes++] = note;
        g->notes[g->n_notes] = NULL;
}

static char *answer_key(char kind, const char *a, const char *b)
{
        /* kind, '\x1f', a, '\x1f', b */
        const char k[3] = {kind, '\x1f', '\0'};
        _cleanup_free_ char *ka = strjoin3(k, a, "\x1f");
        return ka ? strjoin3(ka, b ? b : "", "") : NULL;
}

/* Remember an answer (best effort: without memory it is simply asked
 * again). persist: it depends only on what the cache's identity covers (the
 * policy's and the label files' bytes, the scope); what depends on the file
 * system is for this run only. */
static void answer_put(struct generate_context *g, const char *key, const char *value, bool persist)
{
        if (key)
                (void) answer_cache_put(g->answers, key, value, persist);
}

/* The identity of the label inputs for the answer cache's scope: the
 * SHA-256 of the .fc, the file_contexts and each companion selabel would
 * read ("-" when absent). NULL (no cache) when one cannot be read: opening
 * the labels will say why. */
static char *label_inputs_identity(const struct generate_options *o)
{
        static const char *const companions[] = {"", ".homedirs", ".local", ".subs_dist", ".subs"};
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        bool ok = true;
        for (size_t i = 0; ok && i <= ELEMENTSOF(companions); i++) {
                _cleanup_free_ char *p = NULL;
                const char *base = i == 0 ? o->fc_path : o->file_contexts_path;
                if (!base) {
                        fputs(" -", f);
                        continue;
                }
                if (asprintf(&p, "%s%s", base, i == 0 ? "" : companions[i - 1]) < 0) {
                        ok = false;
                        break;
                }
                char hex[ANSWER_CACHE_DIGEST_HEX];
                _cleanup_error_ struct planet_error derr = {0};
                if (answer_cache_digest_file(p, hex, &derr) >= 0)
                        fprintf(f, " %s", hex);
                else if (i > 1 && derr.errnum == ENOENT)
                        fputs(" -", f); /* an optional companion */
                else
                        ok = false;
        }
        if (fclose(f) != 0 || !ok) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* Offline labels: the file_contexts with the .fc's entries in it (as
 * semodule writes a module's), matched by fcmatch with selabel's exact
 * rules. Once they have been read without error, the answer cache notes
 * it ("labels verified"): a later run over the same bytes may then leave
 * them unread as long as every lookup is in the cache. */
static int open_labels(struct generate_context *g, struct planet_error *err)
{
        if (g->files)
                return 0;
        /* The .fc too is read only now: with every lookup in the cache
         * (which it only is after these bytes were read without error)
         * neither is needed. */
        int r;
        if (g->o.fc_path && !g->have_fc) {
                r = fc_load(g->o.fc_path, FC_FORMAT_AUTO, "s0", &g->fc, err);
                if (r < 0)
                        return r;
                g->have_fc = true;
        }
        const char *fcs = g->o.file_contexts_path;
        r = fc_matcher_open_with(&g->files, fcs, g->have_fc ? &g->fc : NULL, err);
        if (r < 0) {
                if (r == -ENOENT || (err && err->errnum == ENOENT))
                        return planet_error_set(err, ENOENT, "cannot read file contexts %s: %s",
                                                fcs, "no such file (--file-contexts FILE)");
                return r;
        }
        /* Read lazily, they must still be the bytes the cache is keyed by;
         * otherwise what they answer is not written under that key. */
        if (g->labels_identity) {
                _cleanup_free_ char *now = label_inputs_identity(&g->o);
                if (!now || strcmp(now, g->labels_identity)) {
                        answer_cache_disable_save(g->answers);
                        add_note(g, strdup("the file contexts changed while this run read "
                                           "them: answers not cached"));
                }
        }
        answer_put(g, "labels", "verified", true);
        return 0;
}

/* Offline: labels from fcmatch, policy answers from the answer cache; the
 * policy is only read when a question is not in it (policy_backend()), the
 * labels only when a lookup is not (or were never verified for these
 * bytes). */
static int open_offline(struct generate_context *g, struct planet_error *err)
{
        const struct generate_options *o = &g->o;
        if (!o->fc_path && !o->file_contexts_path)
                return planet_error_set(err, EINVAL,
                                        "no labels to read: give --fc policy/gravity.fc "
                                        "and/or --file-contexts FILE");

        char *labels = o->cache_dir ? label_inputs_identity(o) : NULL;
        g->labels_identity = labels;
        _cleanup_free_ char *scope = NULL, *note = NULL;
        if (asprintf(&scope, "%s; from %s; executable attribute %s; labels%s", ANSWER_SCOPE,
                     o->from ? o->from : GENERATE_DEFAULT_FROM, g->o.executable_attribute,
                     labels ? labels : "") < 0)
                return -ENOMEM;
        int r = answer_cache_open(labels ? o->cache_dir : NULL, o->policy_path, scope, &g->answers,
                                  &note, err);
        if (r < 0)
                return r;
        add_note(g, TAKE_PTR(note));

        const char *v = answer_cache_get(g->answers, "labels");
        if (!v || strcmp(v, "verified"))
                return open_labels(g, err);
        return 0;
}

/* The backend that answers policy questions, reading the policy now if it
 * was not needed so far. */
static int policy_backend(struct generate_context *g, struct label_backend **ret,
                          struct planet_error *err)
{
        if (!g->backend) {
                int r = label_backend_open_offline(&g->backend, g->o.policy_path, NULL, err);
                if (r < 0)
                        return r;
                g->own_backend = true;
                g->policy_read = true;
                /* The answers asked from now on go into the cache under the
                 * digest taken at the start: the file read must still be
                 * those bytes (not one rebuilt meanwhile). */
                const char *want = answer_cache_policy_digest(g->answers);
                char now[ANSWER_CACHE_DIGEST_HEX];
                _cleanup_error_ struct planet_error derr = {0};
                if (want && (answer_cache_digest_file(g->o.policy_path, now, &derr) < 0 ||
                             strcmp(now, want))) {
                        answer_cache_disable_save(g->answers);
                        add_note(g, strdup("the policy changed while this run read it: answers "
                                           "not cached"));
                }
        }
        *ret = g->backend;
        return 0;
}

/* The units of o.unit_dirs, with our previous output beside each. */
static int start_batch(struct generate_context *g)
{
        const struct unit_batch_options bo = {
                .unit_dirs = g->o.unit_dirs,
                .skip_dropin = GENERATE_DROPIN_NAME,
                .companion_dir = g->o.out_dir,
                .companion_file = GENERATE_DROPIN_NAME,
        };
        return unit_batch_start(&bo, &g->batch);
}

static int context_init(const struct generate_options *o, struct generate_context **g_out)
{
        struct generate_context *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->o = *o;
        if (!g->o.initd_path)
                g->o.initd_path = DEFAULT_INITD_PATH;
        if (!g->o.executable_attribute)
                g->o.executable_attribute = GENERATE_EXECUTABLE_ATTRIBUTE;
        /* The units are listed and loaded meanwhile (context_finish()
         * reports missing options; a listing that fails is reported by
         * generate_run(), in the order the run would meet it). */
        if (o->unit_dirs && o->unit_dirs[0] && o->out_dir) {
                if (start_batch(g) < 0) {
                        generate_context_free(g);
                        return -ENOMEM;
                }
        }
        *g_out = g;
        return 0;
}

static int cached_check_context(struct generate_context *g, const char *context,
                                struct planet_error *err);

static int context_finish(struct generate_context *g, struct planet_error *err)
{
        int r;
        if (!g->o.unit_dirs || !g->o.unit_dirs[0])
                return planet_error_set(err, EINVAL, "no unit directory given (--units DIR)");
        if (!g->o.out_dir)
                return planet_error_set(err, EINVAL, "no output directory given (--out DIR)");

        g->from = strdup(g->o.from ? g->o.from : GENERATE_DEFAULT_FROM);
        if (!g->from)
                return -ENOMEM;
        r = cached_check_context(g, g->from, err);
        if (r < 0)
                return planet_error_prefix(err, "source context (--from)");
        if (label_context_type(g->from, &g->from_type) < 0)
                return planet_error_set(err, EINVAL, "'%s' is not a context", g->from);
        if (g->o.policy_path)
                g->policy_name = strdup(base_name(g->o.policy_path));
        else
                g->policy_name = strdup("the loaded policy");
        if (!g->policy_name)
                return -ENOMEM;
        return 0;
}

int generate_context_open(const struct generate_options *o, struct generate_context **ret,
                          struct planet_error *err)
{
        struct generate_context *g = NULL;
        int r = context_init(o, &g);
        if (r < 0)
                return r;

        if (o->fc_path) {
                /* (Read with the file contexts, when they are: open_labels().) */
                g->fc_name = strdup(base_name(o->fc_path));
                if (!g->fc_name) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (o->policy_path) {
                r = open_offline(g, err);
        } else {
                g->kernel = true;
                if (o->fc_path || o->file_contexts_path) {
                        r = planet_error_set(err, EINVAL,
                                             "--fc/--file-contexts need --policy FILE: labels "
                                             "from files are only checked against a policy "
                                             "file offline");
                        goto fail;
                }
                r = label_backend_open_kernel(&g->backend, err);
                g->own_backend = r >= 0;
                if (r >= 0 && label_backend_get_mode(g->backend) == LABEL_SELINUX_DISABLED)
                        r = planet_error_set(err, EOPNOTSUPP,
                                             "SELinux is disabled here and no --policy was "
                                             "given: pass a compiled policy (--policy "
                                             "/etc/selinux/default/policy/policy.33)");
        }
        if (r < 0)
                goto fail;
        if (!g->answers) /* kernel: a memo for this run only */
                r = answer_cache_open(NULL, NULL, NULL, &g->answers, &(char *){NULL}, err);
        if (r >= 0)
                r = context_finish(g, err);
        if (r < 0)
                goto fail;
        *ret = g;
        return 0;
fail:
        generate_context_free(g);
        return r;
}

int generate_context_open_with_backend(const struct generate_options *o,
                                       struct label_backend *backend, struct generate_context **ret,
                                       struct planet_error *err)
{
        struct generate_context *g = NULL;
        int r = context_init(o, &g);
        if (r < 0)
                return r;
        g->backend = backend;
        g->backend_given = true;
        g->kernel = label_backend_get_kind(backend) == LABEL_BACKEND_KERNEL;
        r = answer_cache_open(NULL, NULL, NULL, &g->answers, &(char *){NULL}, err);
        if (r >= 0)
                r = context_finish(g, err);
        if (r < 0) {
                generate_context_free(g);
                return r;
        }
        *ret = g;
        return 0;
}

/* ---- one command ------------------------------------------------------- */

enum plan_kind {
        PLAN_VERBATIM, /* not a gravity binary (or not ours to wrap) */
        PLAN_WRAP,     /* wrap, domain verified */
        PLAN_FAILED,   /* a gravity binary we cannot verify */
};

struct exec_plan {
        enum plan_kind kind;
        char *note; /* header comment lines (WRAP) or the reason (others) */
        char *expect_type;
        bool explicit_domain;
};

static void exec_plan_done(struct exec_plan *p)
{
        free(p->note);
        free(p->expect_type);
        *p = (struct exec_plan){0};
}

static int plan_set(struct exec_plan *p, enum plan_kind kind, const char *fmt, ...) _printf_(3, 4);
static int plan_set(struct exec_plan *p, enum plan_kind kind, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(p->note);
        if (vasprintf(&p->note, fmt, ap) < 0)
                p->note = NULL;
        va_end(ap);
        p->kind = kind;
        return p->note ? 0 : -ENOMEM;
}

/* Is the context valid in the policy? Only "yes" is remembered: a refusal
 * is asked again, for its message. */
static int cached_check_context(struct generate_context *g, const char *context,
                                struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key('V', context, NULL);
        const char *a = key ? answer_cache_get(g->answers, key) : NULL;
        if (a && !strcmp(a, "valid"))
                return 0;
        struct label_backend *b;
        int r = policy_backend(g, &b, err);
        if (r < 0)
                return r;
        r = label_check_context(b, context, err);
        if (r >= 0)
                answer_put(g, key, "valid", true);
        return r;
}

/* Is the file type one of gravity's executables? The attribute where the
 * compiled policy still has it; otherwise the module's audit_access marker
 * (see generate.h). */
static int is_gravity_executable_uncached(struct generate_context *g, const char *file_context,
                                          const char *file_type, bool *ret, const char **ret_how,
                                          struct planet_error *err)
{
        struct label_backend *b;
        int r = policy_backend(g, &b, err);
        if (r < 0)
                return r;
        bool member = false;
        r = label_type_has_attribute(b, file_type, g->o.executable_attribute, &member);
        if (r >= 0) {
                *ret = member;
                *ret_how = "attribute";
                return 0;
        }
        if (r != -ENOENT && r != -EOPNOTSUPP)
                return planet_error_set(err, -r, "cannot ask the policy about %s", file_type);
        r = label_check_access(b, g->from, file_context, "file", "audit_access", ret, err);
        *ret_how = "audit_access marker";
        return r;
}

static int is_gravity_executable(struct generate_context *g, const char *file_context,
                                 const char *file_type, bool *ret, const char **ret_how,
                                 struct planet_error *err)
{
        static const char *const hows[] = {"attribute", "audit_access marker"};
        _cleanup_free_ char *key = answer_key('M', file_context, NULL);
        const char *a = key ? answer_cache_get(g->answers, key) : NULL;
        /* "0 0": not a member, by the attribute; "1 1": a member by the marker. */
        if (a && (a[0] == '0' || a[0] == '1') && a[1] == ' ' && (a[2] == '0' || a[2] == '1') &&
            !a[3]) {
                *ret = a[0] == '1';
                *ret_how = hows[a[2] - '0'];
                return 0;
        }
        int r = is_gravity_executable_uncached(g, file_context, file_type, ret, ret_how, err);
        if (r >= 0)
                answer_put(g, key,
                           *ret_how == hows[0] ? (*ret ? "1 0" : "0 0") : (*ret ? "1 1" : "0 1"),
                           true);
        return r;
}

static int cached_backend_file_context(struct generate_context *g, const char *path, bool exists,
                                       const char *root, char **ret, struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key(exists ? 'F' : 'G', path, root);
        const char *a = key ? answer_cache_get_run(g->answers, key) : NULL;
        if (a) {
                if (!*a)
                        return -ENODATA;
                *ret = strdup(a);
                return *ret ? 0 : -ENOMEM;
        }
        int r = exists ? label_get_file_context(g->backend, path, root, ret, err)
                       : label_lookup_file_context(g->backend, path, S_IFREG, ret, err);
        if (r == -ENODATA)
                answer_put(g, key, "", false);
        else if (r >= 0)
                answer_put(g, key, *ret, false);
        return r;
}

/* A file's label: lookup (by path, in the file contexts) or, for a file
 * that exists in the root, what it carries (kernel) or what the file
 * contexts give it for its type of file (offline). -ENODATA: none.
 * *ret_cite, offline with a .fc: "gravity.fc:12" when an entry of the .fc
 * gave the label; NULL otherwise. */
static int file_context_uncached(struct generate_context *g, const char *path, mode_t mode,
                                 char **ret, char **ret_cite, struct planet_error *err)
{
        *ret_cite = NULL;
        int r = open_labels(g, err);
        if (r < 0)
                return r;
        const struct fc_entry *e = NULL;
        const char *file = NULL;
        r = fc_matcher_lookup(g->files, path, mode, &e, &file, err);
        if (r == -ENOENT)
                return planet_error_set(err, ENODATA, "%s has no entry in the file contexts", path);
        if (r < 0)
                return r;
        char *con = strdup(e->context);
        if (!con)
                return -ENOMEM;
        if (g->have_fc && file == g->fc.name &&
            asprintf(ret_cite, "%s:%u", g->fc_name, e->line) < 0) {
                free(con);
                return -ENOMEM;
        }
        *ret = con;
        return 0;
}

static int cached_file_context(struct generate_context *g, const char *path, bool exists,
                               const char *root, char **ret, char **ret_cite,
                               struct planet_error *err)
{
        *ret_cite = NULL;
        if (g->kernel || g->backend_given)
                /* The files' own labels (kernel), or the caller's backend:
                 * asked once per path, remembered for this run only. */
                return cached_backend_file_context(g, path, exists, root, ret, err);

        /* Offline: the answer depends on the path and the type of file. */
        mode_t mode = S_IFREG;
        if (exists) {
                _cleanup_free_ char *full = NULL;
                bool plain = !root || !*root || !strcmp(root, "/");
                if (asprintf(&full, "%s%s", plain ? "" : root, path) < 0)
                        return -ENOMEM;
                struct stat st;
                if (lstat(full, &st) < 0)
                        return planet_error_set(err, errno, "cannot look at %s: %m", full);
                /* What setfiles/restorecon would give this file. */
                mode = st.st_mode & S_IFMT;
        }
        _cleanup_free_ char *key = NULL;
        if (asprintf(&key, "L\x1f%s\x1f%o", path, (unsigned) mode) < 0)
                return -ENOMEM;
        const char *a = answer_cache_get(g->answers, key);
        /* "-" for no label; else "CONTEXT\x1fCITE" (CITE may be empty). */
        if (a && !strcmp(a, "-"))
                return -ENODATA;
        const char *sep = a ? strchr(a, '\x1f') : NULL;
        if (sep && sep > a) {
                *ret = strndup(a, sep - a);
                *ret_cite = sep[1] ? strdup(sep + 1) : NULL;
                if (!*ret || (sep[1] && !*ret_cite)) {
                        free(*ret);
                        free(*ret_cite);
                        return -ENOMEM;
                }
                return 0;
        }
        int r = file_context_uncached(g, path, mode, ret, ret_cite, err);
        if (r == -ENODATA)
                answer_put(g, key, "-", true);
        else if (r >= 0 && !strchr(*ret, '\x1f') && !(*ret_cite && strchr(*ret_cite, '\x1f'))) {
                /* (A context or citation holding the separator, which no
                 * valid one does, is simply asked again next time.) */
                _cleanup_free_ char *v = NULL;
                if (asprintf(&v, "%s\x1f%s", *ret, *ret_cite ? *ret_cite : "") >= 0)
                        answer_put(g, key, v, true);
        }
        return r;
}

static int cached_compute_exec(struct generate_context *g, const char *file_context, char **ret,
                               struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key('C', file_context, NULL);
        const char *a = key ? answer_cache_get(g->answers, key) : NULL;
        if (a && *a) {
                *ret = strdup(a);
                return *ret ? 0 : -ENOMEM;
        }
        struct label_backend *b;
        int r = policy_backend(g, &b, err);
        if (r < 0)
                return r;
        r = label_compute_create(b, g->from, file_context, "process", ret, err);
        if (r >= 0)
                answer_put(g, key, *ret, true);
        return r;
}

static int cached_check_transition(struct generate_context *g, const char *domain,
                                   const char *file_context, struct label_transition_check *ret,
                                   struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key('T', domain, file_context);
        const char *a = key ? answer_cache_get(g->answers, key) : NULL;
        if (a && strlen(a) == 5 && strspn(a, "01") == 5) {
                *ret = (struct label_transition_check){
                        .file_execute = a[0] == '1',
                        .process_transition = a[1] == '1',
                        .file_entrypoint = a[2] == '1',
                        .nnp_transition = a[3] == '1',
                        .nosuid_transition = a[4] == '1',
                };
                return 0;
        }
        struct label_backend *b;
        int r = policy_backend(g, &b, err);
        if (r < 0)
                return r;
        r = label_check_transition(b, g->from, domain, file_context, LABEL_EXEC_ALL, ret, err);
        if (r >= 0) {
                char v[6] = {
                        ret->file_execute ? '1' : '0',      ret->process_transition ? '1' : '0',
                        ret->file_entrypoint ? '1' : '0',   ret->nnp_transition ? '1' : '0',
                        ret->nosuid_transition ? '1' : '0', '\0'};
                answer_put(g, key, v, true);
        }
        return r;
}

/* May the source domain itself be entered from file_context (its own
 * entrypoint)? */
static int cached_own_entrypoint(struct generate_context *g, const char *file_context, bool *ret,
                                 struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key('E', file_context, NULL);
        const char *a = key ? answer_cache_get(g->answers, key) : NULL;
        if (a && (!strcmp(a, "0") || !strcmp(a, "1"))) {
                *ret = a[0] == '1';
                return 0;
        }
        struct label_backend *b;
        int r = policy_backend(g, &b, err);
        if (r < 0)
                return r;
        r = label_check_access(b, g->from, file_context, "file", "entrypoint", ret, err);
        if (r >= 0)
                answer_put(g, key, *ret ? "1" : "0", true);
        return r;
}

/* label_resolve_exec_path() once per name and root in a run: units share
 * binaries, and each resolution walks every component (at boot, over
 * hundreds of units). Only found / not found is remembered (for this run:
 * the answer is the file system's, not the policy's). */
static int cached_resolve(struct generate_context *g, const char *path, const char *root,
                          char **ret, struct planet_error *err)
{
        _cleanup_free_ char *key = answer_key('R', path, root);
        const char *a = key ? answer_cache_get_run(g->answers, key) : NULL;
        if (a && !*a)
                return planet_error_set(err, ENOENT, "%s does not exist", path);
        if (a) {
                *ret = strdup(a);
                return *ret ? 0 : -ENOMEM;
        }
        int r = label_resolve_exec_path(path, root, SYSTEMD_EXEC_SEARCH_PATH, ret, err);
        if (r == -ENOENT)
                answer_put(g, key, "", false);
        else if (r >= 0)
                answer_put(g, key, *ret, false);
        return r;
}

static bool word_is_type_name(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

struct unit_settings {
        const char *explicit_domain; /* X-Planet-Domain */
        bool need_nnp;
};

static int plan_command(struct generate_context *g, const struct unit_file *u,
                        const struct unit_settings *s, const struct unit_exec_command *c,
                        struct exec_plan *p, struct planet_error *err)
{
        _cleanup_free_ char *expanded = NULL, *resolved = NULL, *filecon = NULL, *ftype = NULL;
        _cleanup_free_ char *domain = NULL, *dtype = NULL, *missing = NULL, *cite = NULL;
        _cleanup_error_ struct planet_error sub = {0};
        int r;

        if (c->flags & (UNIT_EXEC_PRIVILEGED | UNIT_EXEC_NO_SETUID | UNIT_EXEC_AMBIENT_MAGIC))
                return plan_set(p, PLAN_VERBATIM,
                                "%s: prefix '%s' runs it outside the unit's credentials; not "
                                "wrapped (the policy's type_transition still applies)",
                                c->path, c->prefixes);
        if (!strcmp(base_name(c->path), base_name(g->o.initd_path)))
                return plan_set(p, PLAN_VERBATIM, "%s: already runs through planet-initd", c->path);

        bool is_template = strstr(u->name, "@.") != NULL;
        if (is_template && strchr(c->path, '%'))
                return plan_set(p, PLAN_FAILED,
                                "%s: the binary's path depends on the instance, so its label "
                                "is only known per instance: name the binary without "
                                "specifiers",
                                c->path);
        r = unit_expand_name_specifiers(u->name, c->path, &expanded, &sub);
        if (r < 0)
                return plan_set(p, PLAN_FAILED, "%s", sub.msg ? sub.msg : "bad specifier");

        bool kernel = g->kernel;
        const char *root = g->o.root ? g->o.root : (kernel ? "/" : NULL);
        const char *lookup = expanded;
        bool exists = false;
        if (root) {
                r = cached_resolve(g, expanded, root, &resolved, &sub);
                if (r >= 0) {
                        lookup = resolved;
                        exists = true;
                } else if (r != -ENOENT) {
                        return plan_set(p, PLAN_FAILED, "%s", sub.msg ? sub.msg : strerror(-r));
                } else if (expanded[0] != '/' || kernel) {
                        return plan_set(p, PLAN_VERBATIM, "%s: not found in %s; not wrapped",
                                        expanded, root);
                }
        } else if (expanded[0] != '/') {
                return plan_set(p, PLAN_FAILED,
                                "'%s' is a bare name: say where binaries are found (--root "
                                "DIR) or write the full path in the unit",
                                expanded);
        }

        r = cached_file_context(g, lookup, exists, kernel ? NULL : root, &filecon, &cite, &sub);
        if (r == -ENODATA)
                return plan_set(p, PLAN_VERBATIM, "%s: no label in the file contexts", lookup);
        if (r < 0)
                return planet_error_set(err, sub.errnum ? sub.errnum : -r, "%s",
                                        sub.msg ? sub.msg : strerror(-r));
        if (label_context_type(filecon, &ftype) < 0)
                return planet_error_set(err, EINVAL, "%s: malformed label '%s'", lookup, filecon);

        bool member = false;
        const char *how = NULL;
        r = is_gravity_executable(g, filecon, ftype, &member, &how, err);
        if (r < 0)
                return r;
        if (!member && !s->explicit_domain)
                return plan_set(p, PLAN_VERBATIM, "%s: %s is not a gravity executable type", lookup,
                                ftype);

        if (!cite && asprintf(&cite, "%s",
                              kernel                    ? "the file's label"
                              : g->o.file_contexts_path ? base_name(g->o.file_contexts_path)
                                                        : "file contexts") < 0)
                return -ENOMEM;

        if (s->explicit_domain) {
                /* Kept even if refused below: wrapped unverified, the unit still
                 * asks planet-initd for this facet, which then refuses it with
                 * the missing rule named. */
                p->explicit_domain = true;
                if (word_is_type_name(s->explicit_domain) &&
                    !(p->expect_type = strdup(s->explicit_domain)))
                        return -ENOMEM;
                if (!word_is_type_name(s->explicit_domain))
                        return plan_set(p, PLAN_FAILED,
                                        "X-Planet-Domain=%s is not a type name (write the type, "
                                        "e.g. gravity_installer_t)",
                                        s->explicit_domain);
                r = label_context_with_type(g->from, s->explicit_domain, &domain);
                if (r < 0)
                        return r;
                r = cached_check_context(g, domain, &sub);
                if (r < 0)
                        return plan_set(p, PLAN_FAILED,
                                        "X-Planet-Domain=%s: %s is not a valid context in %s "
                                        "(an unknown type, or one the source's role may not "
                                        "enter)",
                                        s->explicit_domain, domain, g->policy_name);
        } else {
                r = cached_compute_exec(g, filecon, &domain, err);
                if (r < 0)
                        return r;
        }
        if (label_context_type(domain, &dtype) < 0)
                return planet_error_set(err, EINVAL, "malformed domain '%s'", domain);
        if (!s->explicit_domain && !strcmp(dtype, g->from_type)) {
                /* The source domain's own entrypoint (systemd's helpers in
                 * the container, planet-initd itself) stays in it by design:
                 * the policy says no transition is expected. */
                bool own_entry = false;
                r = cached_own_entrypoint(g, filecon, &own_entry, err);
                if (r < 0)
                        return r;
                if (own_entry)
                        return plan_set(p, PLAN_VERBATIM,
                                        "%s: %s is an entrypoint of %s itself: it runs there "
                                        "by design, not wrapped",
                                        lookup, ftype, g->from_type);
                return plan_set(p, PLAN_FAILED,
                                "%s is labeled %s (%s, a gravity executable by the %s) but "
                                "%s has no transition for it: the policy needs "
                                "domtrans_pattern(%s, %s, <domain>)",
                                lookup, ftype, cite, how, g->from_type, g->from_type, ftype);
        }

        struct label_transition_check chk;
        r = cached_check_transition(g, domain, filecon, &chk, err);
        if (r < 0)
                return r;
        if (!label_transition_permitted(&chk, s->need_nnp ? LABEL_EXEC_NNP : 0)) {
                missing = label_transition_missing_rules(&chk, g->from, domain, filecon,
                                                         s->need_nnp ? LABEL_EXEC_NNP : 0);
                return plan_set(
                        p, PLAN_FAILED, "%s (%s) into %s is not permitted by %s%s; missing:\n%s",
                        lookup, ftype, dtype, g->policy_name,
                        s->need_nnp ? " with NoNewPrivileges" : "", missing ? missing : "?");
        }

        free(p->expect_type);
        p->expect_type = strdup(dtype);
        if (!p->expect_type)
                return -ENOMEM;
        return plan_set(p, PLAN_WRAP,
                        "#   %s\n#     label  %s (%s)\n#     domain %s (%s from %s by %s)\n",
                        lookup, filecon, cite, dtype,
                        s->explicit_domain ? "X-Planet-Domain=, permitted" : "computed",
                        g->from_type, g->policy_name);
}

/* ---- one unit ----------------------------------------------------------- */

void generate_report_done(struct generate_report *r)
{
        for (size_t i = 0; i < r->n_units; i++) {
                free(r->units[i].name);
                free(r->units[i].summary);
                free(r->units[i].dropin);
        }
        free(r->units);
        strv_free(r->notes);
        *r = (struct generate_report){0};
}

static void unit_result_done(struct generate_unit_result *r)
{
        free(r->name);
        free(r->summary);
        free(r->dropin);
        *r = (struct generate_unit_result){0};
}

static int parse_bool(const char *v)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (!strcasecmp(v, yes[i]))
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (!strcasecmp(v, no[i]))
                        return 0;
        return -EINVAL;
}

/* A systemd time span ("90", "2min 30s", "500ms", "infinity") in µs;
 * UINT64_MAX for infinity. -EINVAL for what systemd would not read either. */
static int parse_timespan_usec(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                {"us", 1ULL},
                {"usec", 1ULL},
                {"ms", 1000ULL},
                {"msec", 1000ULL},
                {"s", 1000000ULL},
                {"sec", 1000000ULL},
                {"second", 1000000ULL},
                {"seconds", 1000000ULL},
                {"m", 60000000ULL},
                {"min", 60000000ULL},
                {"minute", 60000000ULL},
                {"minutes", 60000000ULL},
                {"h", 3600000000ULL},
                {"hr", 3600000000ULL},
                {"hour", 3600000000ULL},
                {"hours", 3600000000ULL},
                {"d", 86400000000ULL},
                {"day", 86400000000ULL},
                {"days", 86400000000ULL},
        };
        while (*s == ' ')
                s++;
        if (!strcmp(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        uint64_t total = 0;
        bool any = false;
        while (*s) {
                while (*s == ' ')
                        s++;
                if (!*s)
                        break;
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                char *end;
                unsigned long long n = strtoull(s, &end, 10);
                s = end;
                while (*s == ' ')
                        s++;
                size_t len = 0;
                while (s[len] >= 'a' && s[len] <= 'z')
                        len++;
                uint64_t unit = 1000000ULL; /* a bare number is seconds */
                if (len > 0) {
                        bool found = false;
                        for (size_t i = 0; i < ELEMENTSOF(units) && !found; i++)
                                if (strlen(units[i].suffix) == len &&
                                    !strncmp(s, units[i].suffix, len)) {
                                        unit = units[i].usec;
                                        found = true;
                                }
                        if (!found)
                                return -EINVAL;
                }
                total += n * unit;
                s += len;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

/* A growing string; every append reports OOM through ok. */
struct buf {
        char *s;
        size_t len, cap;
        bool oom;
};

/* Appends the strings up to a NULL (buf_puts() adds it). Plain copies, not
 * printf: a drop-in is some forty pieces and a run writes hundreds. */
static void buf_put_strings(struct buf *b, ...)
{
        if (b->oom)
                return;
        va_list ap;
        va_start(ap, b);
        for (const char *p; (p = va_arg(ap, const char *));) {
                size_t n = strlen(p);
                if (b->len + n + 1 > b->cap) {
                        size_t cap = (b->len + n + 1) * 2;
                        char *ns = realloc(b->s, cap < 1024 ? 1024 : cap);
                        if (!ns) {
                                b->oom = true;
                                break;
                        }
                        b->s = ns;
                        b->cap = cap < 1024 ? 1024 : cap;
                }
                memcpy(b->s + b->len, p, n + 1);
                b->len += n;
        }
        va_end(ap);
}
#define buf_puts(b, ...) buf_put_strings(b, __VA_ARGS__, (const char *) NULL)

static void buf_add_word(struct buf *b, const char *w)
{
        _cleanup_free_ char *q = unit_exec_quote_word(w);
        if (!q)
                b->oom = true;
        else
                buf_puts(b, " ", q);
}

/* The command as written (prefixes, path, argv[0] for @, raw arguments). */
static void emit_verbatim(struct buf *b, const char *key, const struct unit_exec_command *c)
{
        _cleanup_free_ char *path = unit_exec_quote_word(c->path);
        if (!path) {
                b->oom = true;
                return;
        }
        buf_puts(b, key, "=", c->prefixes, path);
        if (c->flags & UNIT_EXEC_SEPARATE_ARGV0)
                buf_add_word(b, c->argv[0]);
        buf_puts(b, *c->args_raw ? " " : "", c->args_raw, "\n");
}

struct supervise_opts {
        bool supervise;
        const char *ready, *ready_timeout, *watchdog_probe;
};

static void emit_wrapped(struct buf *b, struct generate_context *g, const char *key,
                         const struct unit_exec_command *c, const struct exec_plan *p,
                         const struct supervise_opts *sv)
{
        /* "-" and ":" keep their meaning on the wrapper's line. */
        char keep[4] = "";
        size_t k = 0;
        if (c->flags & UNIT_EXEC_IGNORE_FAILURE)
                keep[k++] = '-';
        if (c->flags & UNIT_EXEC_NO_ENV_EXPAND)
                keep[k++] = ':';
        buf_puts(b, key, "=", keep, g->o.initd_path);
        if (sv && sv->supervise) {
                buf_puts(b, " --supervise");
                if (sv->ready) {
                        buf_puts(b, " --ready");
                        buf_add_word(b, sv->ready);
                }
                if (sv->ready_timeout) {
                        buf_puts(b, " --ready-timeout");
                        buf_add_word(b, sv->ready_timeout);
                }
                if (sv->watchdog_probe) {
                        buf_puts(b, " --watchdog-probe");
                        buf_add_word(b, sv->watchdog_probe);
                }
        }
        if (p->kind == PLAN_WRAP || (p->explicit_domain && p->expect_type))
                buf_puts(b, p->explicit_domain ? " --domain " : " --expect-domain ",
                         p->expect_type);
        buf_puts(b, " --");
        buf_add_word(b, c->path);
        buf_puts(b, *c->args_raw ? " " : "", c->args_raw, "\n");
}

struct key_plan {
        const char *key;
        struct unit_exec_command *cmds;
        size_t n;
        struct exec_plan *plans;
        bool rewrite;
};

static void key_plans_done(struct key_plan *kp, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < kp[i].n; j++)
                        exec_plan_done(&kp[i].plans[j]);
                free(kp[i].plans);
                unit_exec_commands_free(kp[i].cmds, kp[i].n);
        }
}

static int set_result(struct generate_unit_result *ret, enum generate_verdict v, const char *fmt,
                      ...) _printf_(3, 4);
static int set_result(struct generate_unit_result *ret, enum generate_verdict v, const char *fmt,
                      ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(ret->summary);
        if (vasprintf(&ret->summary, fmt, ap) < 0)
                ret->summary = NULL;
        va_end(ap);
        ret->verdict = v;
        return ret->summary ? 0 : -ENOMEM;
}

static int generate_loaded_unit(struct generate_context *g, const struct unit_file *u,
                                struct generate_unit_result *ret, struct planet_error *err)
{
        struct key_plan kp[ELEMENTSOF(exec_keys)] = {0};
        struct unit_settings s = {0};
        struct supervise_opts sv = {0};
        struct buf b = {0};
        int r = 0;

        /* One pass over the unit's assignments finds every [Service] key
         * read below (the last assignment of each, as unit_get() gives it,
         * and where each Exec*= list starts after its last reset, as
         * unit_get_list() does) rather than one scan of the unit per key. */
        const struct unit_assignment *last[N_SERVICE_KEYS] = {0};
        size_t list_start[ELEMENTSOF(exec_keys)] = {0}, list_n[ELEMENTSOF(exec_keys)] = {0};
        _cleanup_free_ unsigned char *key_of = malloc(u->n_assignments ? u->n_assignments : 1);
        if (!key_of)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_assignments; i++) {
                const struct unit_assignment *x = &u->assignments[i];
                key_of[i] = NO_KEY;
                /* systemd ignores every X- key, so a misspelt or misplaced one
                 * would silently change nothing: refuse it instead. */
                bool planet_key = (x->key[0] == 'X' || x->key[0] == 'x') &&
                                  !strncasecmp(x->key, "X-Planet-", 9);
                bool in_service = !strcmp(x->section, "Service");
                size_t k = service_key_index(x->key);
                if (planet_key && k >= N_PLANET_KEYS)
                        return set_result(ret, GENERATE_FAILED,
                                          "%s: unknown key %s= (known: X-Planet-Domain, "
                                          "-Supervise, -Ready, -Ready-Timeout, -Watchdog-Probe)",
                                          x->origin, x->key);
                if (planet_key && !in_service)
                        return set_result(ret, GENERATE_FAILED,
                                          "%s: %s= is in [%s]; it belongs in [Service]", x->origin,
                                          x->key, x->section);
                if (!in_service || k == NO_KEY)
                        continue;
                key_of[i] = k;
                last[k] = x;
                if (k >= FIRST_EXEC_KEY) {
                        size_t e = k - FIRST_EXEC_KEY;
                        if (!*x->value) {
                                list_start[e] = i + 1;
                                list_n[e] = 0;
                        } else {
                                list_n[e]++;
                        }
                }
        }

        const struct unit_assignment *a;
        if ((a = last[KEY_DOMAIN]) && *a->value)
                s.explicit_domain = a->value;
        for (size_t k = FIRST_NNP_KEY; k < FIRST_EXEC_KEY; k++)
                if (last[k] && *last[k]->value && parse_bool(last[k]->value) != 0)
                        s.need_nnp = true;

        const struct unit_assignment *sup = last[KEY_SUPERVISE];
        if ((a = last[KEY_READY]) && *a->value)
                sv.ready = a->value;
        if ((a = last[KEY_READY_TIMEOUT]) && *a->value)
                sv.ready_timeout = a->value;
        if ((a = last[KEY_WATCHDOG_PROBE]) && *a->value)
                sv.watchdog_probe = a->value;
        int sup_val = sup ? parse_bool(sup->value) : -ENODATA;
        if (sup && sup_val < 0)
                return set_result(ret, GENERATE_FAILED,
                                  "%s: X-Planet-Supervise=%s is not a boolean (yes or no)",
                                  sup->origin, sup->value);
        sv.supervise = sup_val > 0 || ((sv.ready || sv.watchdog_probe) && sup_val != 0);
        if (sup_val == 0 && (sv.ready || sv.watchdog_probe))
                return set_result(ret, GENERATE_FAILED,
                                  "%s: X-Planet-Supervise=no contradicts X-Planet-Ready=/"
                                  "X-Planet-Watchdog-Probe= (probes need the supervisor)",
                                  sup->origin);
        if (sv.ready_timeout && !sv.ready)
                return set_result(ret, GENERATE_FAILED,
                                  "X-Planet-Ready-Timeout= without X-Planet-Ready=: say what to "
                                  "probe");

        /* A probe that may wait longer than systemd lets the start take would
         * be cut short by systemd's own timeout, with a less clear message. */
        if (sv.ready_timeout) {
                uint64_t probe_usec, start_usec = 90 * 1000000ULL; /* DefaultTimeoutStartSec */
                const struct unit_assignment *ts = last[KEY_TIMEOUT_START];
                if (!ts || !*ts->value)
                        ts = last[KEY_TIMEOUT];
                if (parse_timespan_usec(sv.ready_timeout, &probe_usec) < 0)
                        return set_result(ret, GENERATE_FAILED,
                                          "X-Planet-Ready-Timeout=%s is not a time span (e.g. "
                                          "30s, 2min)",
                                          sv.ready_timeout);
                if (ts && *ts->value && parse_timespan_usec(ts->value, &start_usec) < 0)
                        return set_result(ret, GENERATE_FAILED,
                                          "%s: TimeoutStartSec=%s is not a time span", ts->origin,
                                          ts->value);
                if (start_usec == 0)
                        start_usec = UINT64_MAX; /* 0 disables the timeout */
                if (probe_usec >= start_usec)
                        return set_result(ret, GENERATE_FAILED,
                                          "X-Planet-Ready-Timeout=%s is not shorter than the "
                                          "unit's start timeout (%s): systemd would stop the "
                                          "start first; raise TimeoutStartSec=",
                                          sv.ready_timeout,
                                          ts && *ts->value ? ts->value : "the default 90s");
        }

        const struct unit_assignment *type_a = last[KEY_TYPE];
        const char *type = type_a && *type_a->value ? type_a->value : "simple";

        size_t n_wrap = 0, n_failed = 0;
        _cleanup_free_ char *fail_text = NULL;
        for (size_t k = 0; k < ELEMENTSOF(exec_keys); k++) {
                kp[k].key = exec_keys[k];
                /* The list's values after its last reset. */
                for (size_t i = list_start[k]; list_n[k] > 0 && i < u->n_assignments; i++) {
                        const struct unit_assignment *val = &u->assignments[i];
                        if (key_of[i] != FIRST_EXEC_KEY + k || !*val->value)
                                continue;
                        struct unit_exec_command *cmds = NULL;
                        size_t nc = 0;
                        _cleanup_error_ struct planet_error perr = {0};
                        r = unit_exec_parse(val->value, &cmds, &nc, &perr);
                        if (r < 0) {
                                r = set_result(ret, GENERATE_FAILED, "%s: %s=%s", val->origin,
                                               exec_keys[k], perr.msg ? perr.msg : "unparsable");
                                goto out;
                        }
                        struct unit_exec_command *nc2 =
                                realloc(kp[k].cmds, (kp[k].n + nc) * sizeof(*nc2));
                        if (!nc2) {
                                unit_exec_commands_free(cmds, nc);
                                r = -ENOMEM;
                                goto out;
                        }
                        kp[k].cmds = nc2;
                        memcpy(kp[k].cmds + kp[k].n, cmds, nc * sizeof(*cmds));
                        kp[k].n += nc;
                        free(cmds);
                }
                kp[k].plans = calloc(kp[k].n ? kp[k].n : 1, sizeof(*kp[k].plans));
                if (!kp[k].plans) {
                        r = -ENOMEM;
                        goto out;
                }
                for (size_t j = 0; j < kp[k].n; j++) {
                        struct unit_exec_command *c = &kp[k].cmds[j];
                        struct exec_plan *p = &kp[k].plans[j];
                        /* X-Planet-Domain= names the facet of the main binary. */
                        struct unit_settings cs = s;
                        if (strcmp(exec_keys[k], "ExecStart"))
                                cs.explicit_domain = NULL;
                        _cleanup_error_ struct planet_error cerr = {0};
                        r = plan_command(g, u, &cs, c, p, &cerr);
                        if (r == -ENOMEM)
                                goto out;
                        if (r < 0) {
                                /* A question the policy or the file system would
                                 * not answer for this command: this unit fails
                                 * (or, at boot, is wrapped unverified), the run
                                 * goes on with the others. */
                                r = plan_set(p, PLAN_FAILED, "%s: %s", c->path,
                                             cerr.msg ? cerr.msg : strerror(-r));
                                if (r < 0)
                                        goto out;
                        }
                        if (p->kind == PLAN_VERBATIM)
                                continue;
                        if ((c->flags & UNIT_EXEC_SEPARATE_ARGV0) && p->kind == PLAN_WRAP)
                                plan_set(p, PLAN_FAILED,
                                         "%s: '@' sets argv[0], which planet-initd cannot pass "
                                         "on: drop the '@' form for a gravity binary",
                                         c->path);
                        kp[k].rewrite = true;
                        if (p->kind == PLAN_FAILED) {
                                n_failed++;
                                if (!fail_text)
                                        fail_text = strdup(p->note);
                        } else {
                                n_wrap++;
                        }
                }
        }

        if (kp[1].n == 0) {
                r = set_result(ret, GENERATE_LEFT, "no ExecStart=");
                goto out;
        }
        if (n_failed > 0 && !g->o.wrap_unverified) {
                r = set_result(ret, GENERATE_FAILED, "%s",
                               fail_text ? fail_text : "a gravity binary cannot be wrapped");
                goto out;
        }
        if (n_wrap + n_failed == 0) {
                const char *why = kp[1].plans[0].note ? kp[1].plans[0].note : "";
                r = set_result(ret, GENERATE_LEFT, "%s%s", why,
                               sv.supervise ? " (its X-Planet-Supervise/Ready keys are unused)"
                                            : "");
                goto out;
        }
        bool main_wrapped = kp[1].rewrite;
        if (sv.supervise && !main_wrapped) {
                r = set_result(ret, GENERATE_FAILED,
                               "X-Planet-Supervise/Ready need ExecStart= to run a gravity "
                               "binary: %s",
                               kp[1].plans[0].note ? kp[1].plans[0].note : "?");
                goto out;
        }
        if (sv.supervise && kp[1].n != 1) {
                r = set_result(ret, GENERATE_FAILED,
                               "X-Planet-Supervise/Ready need exactly one ExecStart= command "
                               "(Type=%s has %zu)",
                               type, kp[1].n);
                goto out;
        }
        if (sv.supervise && (!strcmp(type, "oneshot") || !strcmp(type, "forking"))) {
                r = set_result(ret, GENERATE_FAILED,
                               "X-Planet-Supervise/Ready do not fit Type=%s: the supervisor is "
                               "the long-running main process",
                               type);
                goto out;
        }

        /* The drop-in. */
        buf_puts(&b, "# Generated by planet-selinux generate from ", u->name);
        STRV_FOREACH (d, u->dropin_paths)
                buf_puts(&b, " + ", base_name(*d));
        buf_puts(&b, ".\n# Do not edit: change the unit or the policy and regenerate.\n");
        for (size_t k = 0; k < ELEMENTSOF(exec_keys); k++)
                for (size_t j = 0; kp[k].rewrite && j < kp[k].n; j++) {
                        const struct exec_plan *p = &kp[k].plans[j];
                        if (p->kind == PLAN_WRAP)
                                buf_puts(&b, "# ", kp[k].key, ":\n", p->note);
                        else if (p->kind == PLAN_FAILED)
                                buf_puts(&b, "# ", kp[k].key,
                                         ": UNVERIFIED, planet-initd decides at start:\n#   ",
                                         p->note, "\n");
                }
        buf_puts(&b, "\n[Service]\n");
        if (sv.supervise) {
                /* With a probe the wrapper sends READY=1 itself. */
                if (sv.ready && strcmp(type, "notify"))
                        buf_puts(&b, "Type=notify\n");
                buf_puts(&b, "NotifyAccess=main\n");
        }
        for (size_t k = 0; k < ELEMENTSOF(exec_keys); k++) {
                if (!kp[k].rewrite)
                        continue;
                buf_puts(&b, kp[k].key, "=\n");
                for (size_t j = 0; j < kp[k].n; j++) {
                        const struct exec_plan *p = &kp[k].plans[j];
                        /* '@' cannot go through the wrapper: even unverified,
                         * such a command stays as written (and is reported). */
                        if (p->kind == PLAN_VERBATIM ||
                            (kp[k].cmds[j].flags & UNIT_EXEC_SEPARATE_ARGV0))
                                emit_verbatim(&b, kp[k].key, &kp[k].cmds[j]);
                        else
                                emit_wrapped(&b, g, kp[k].key, &kp[k].cmds[j], p,
                                             k == 1 ? &sv : NULL);
                }
        }
        if (b.oom) {
                r = -ENOMEM;
                goto out;
        }
        ret->dropin = TAKE_PTR(b.s);
        const struct exec_plan *mp = &kp[1].plans[0];
        if (n_failed)
                r = set_result(ret, GENERATE_WRAPPED, "wrapped UNVERIFIED: %s", fail_text);
        else if (main_wrapped && mp->kind == PLAN_WRAP)
                r = set_result(ret, GENERATE_WRAPPED, "%s %s%s",
                               mp->explicit_domain ? "--domain" : "--expect-domain",
                               mp->expect_type, sv.supervise ? " --supervise" : "");
        else
                r = set_result(ret, GENERATE_WRAPPED, "auxiliary commands wrapped");
out:
        free(b.s);
        key_plans_done(kp, ELEMENTSOF(kp));
        return r;
}

/* The result for a unit from what loading it gave: r and u (consumed) or
 * lerr. */
static int generate_from_load(struct generate_context *g, const char *name, int r,
                              struct unit_file *u, const struct planet_error *lerr,
                              struct generate_unit_result *ret, struct planet_error *err)
{
        *ret = (struct generate_unit_result){.name = strdup(name)};
        if (!ret->name)
                return -ENOMEM;
        if (r == -ERFKILL)
                return set_result(ret, GENERATE_LEFT, "masked");
        if (r == -EBADMSG)
                /* systemd refuses such a file too: not ours to guess at. */
                return set_result(ret, GENERATE_FAILED, "%s", lerr->msg);
        if (r == -ENOMEM) {
                unit_result_done(ret);
                return r;
        }
        if (r < 0) /* unreadable: this unit fails, the others go on */
                return set_result(ret, GENERATE_FAILED, "%s", lerr->msg ? lerr->msg : strerror(-r));
        r = generate_loaded_unit(g, u, ret, err);
        unit_file_done(u);
        if (r < 0)
                unit_result_done(ret);
        return r;
}

int generate_unit(struct generate_context *g, const char *name, struct generate_unit_result *ret,
                  struct planet_error *err)
{
        struct unit_file u = {0};
        _cleanup_error_ struct planet_error lerr = {0};
        int r = unit_load(g->o.unit_dirs, name, GENERATE_DROPIN_NAME, &u, &lerr);
        return generate_from_load(g, name, r, &u, &lerr, ret, err);
}

/* ---- the system's units ------------------------------------------------- */

int generate_system_unit_dirs(const char *root, char ***ret)
{
        static const char *const dirs[] = {
                "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
                "/usr/lib/systemd/system", "/lib/systemd/system",
        };
        bool plain = !root || !*root || !strcmp(root, "/");
        char **v = calloc(ELEMENTSOF(dirs) + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if ((plain ? !(v[i] = strdup(dirs[i]))
                           : asprintf(&v[i], "%s%s", root, dirs[i]) < 0)) {
                        v[i] = NULL;
                        strv_free(v);
                        return -ENOMEM;
                }
        *ret = v;
        return 0;
}

/* ---- output --------------------------------------------------------------- */

/* Does path hold exactly text? Sizes are compared before any byte is
 * read. false when it does not exist or cannot be read. */
static bool file_has_content_at(int dir_fd, const char *path, const char *text)
{
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return false;
        size_t len = strlen(text);
        if ((size_t) st.st_size != len)
                return false;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return false;
        size_t got = 0;
        while (got <= len) {
                ssize_t n = read(fd, buf + got, len + 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return false;
                if (n == 0)
                        break;
                got += n;
        }
        return got == len && !memcmp(buf, text, len);
}

static bool file_has_content(const char *path, const char *text)
{
        return file_has_content_at(AT_FDCWD, path, text);
}

/* Replaces OUT/UNIT.d/FILE with text (the caller found it differs).
 * dir_exists: OUT/UNIT.d was there when the run began (false: the
 * directories are made). */
static int write_dropin(const char *out_dir, const char *unit, const char *file, const char *text,
                        bool dir_exists, bool *ret_changed, struct planet_error *err)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *tmp = NULL;
        if (asprintf(&dir, "%s/%s.d", out_dir, unit) < 0 ||
            asprintf(&path, "%s/%s", dir, file) < 0 ||
            asprintf(&tmp, "%s/.#%s.XXXXXX", dir, file) < 0)
                return -ENOMEM;
        if (!dir_exists && mkdir(out_dir, 0755) < 0 && errno != EEXIST)
                return planet_error_set(err, errno, "cannot create %s: %m", out_dir);
        if (!dir_exists && mkdir(dir, 0755) < 0 && errno != EEXIST)
                return planet_error_set(err, errno, "cannot create %s: %m", dir);
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot create a file in %s: %m", dir);
        size_t len = strlen(text), done = 0;
        int r = 0;
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        while (r >= 0 && done < len) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = -errno;
                else
                        done += n;
        }
        /* No fsync: readers must never see a half-written drop-in (rename
         * gives that); durability is the build's or, for the generator's
         * tmpfs, moot. */
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                errno = -r;
                return planet_error_set(err, -r, "cannot write %s: %m (nothing was replaced)",
                                        path);
        }
        *ret_changed = true;
        return 0;
}

int generate_write_dropin(const char *out_dir, const char *unit, const char *file, const char *text,
                          bool *ret_changed, struct planet_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s.d/%s", out_dir, unit, file) < 0)
                return -ENOMEM;
        if (file_has_content(path, text)) {
                *ret_changed = false;
                return 0;
        }
        return write_dropin(out_dir, unit, file, text, true, ret_changed, err);
}

static int remove_dropin(const char *out_dir, const char *unit, bool check, bool *ret_changed,
                         struct planet_error *err)
{
        _cleanup_free_ char *dir = NULL, *path = NULL;
        if (asprintf(&dir, "%s/%s.d", out_dir, unit) < 0 ||
            asprintf(&path, "%s/%s", dir, GENERATE_DROPIN_NAME) < 0)
                return -ENOMEM;
        struct stat st;
        if (lstat(path, &st) < 0) {
                *ret_changed = false;
                return errno == ENOENT || errno == ENOTDIR
                               ? 0
                               : planet_error_set(err, errno, "cannot look at %s: %m", path);
        }
        *ret_changed = true;
        if (check)
                return 0;
        if (unlink(path) < 0)
                return planet_error_set(err, errno, "cannot remove stale %s: %m", path);
        (void) rmdir(dir); /* only when nothing else is in it */
        return 0;
}

static int add_result(struct generate_report *rep, struct generate_unit_result *res)
{
        struct generate_unit_result *n =
                realloc(rep->units, (rep->n_units + 1) * sizeof(*rep->units));
        if (!n)
                return -ENOMEM;
        rep->units = n;
        rep->units[rep->n_units++] = *res;
        *res = (struct generate_unit_result){0};
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The batch of units opened with the context (or, for a second run, a new
 * one), with its listing error if it could not list them. */
static int take_batch(struct generate_context *g, struct unit_batch **ret, struct planet_error *err)
{
        if (!g->batch && start_batch(g) < 0)
                return -ENOMEM;
        int r = unit_batch_listed(g->batch, err);
        *ret = TAKE_PTR(g->batch);
        return r;
}

/* The companion the batch read is exactly text. */
static bool companion_is(const struct unit_batch_item *it, const char *text)
{
        size_t len = strlen(text);
        return it->companion_read && it->companion_len == len && !memcmp(it->companion, text, len);
}

int generate_run(struct generate_context *g, struct generate_report *ret, struct planet_error *err)
{
        struct generate_report rep = {0};
        /* One listing of each unit directory and of OUT, instead of a
         * lookup per unit of every file and directory that might be there;
         * the units and our previous drop-ins read on a second thread
         * while this one works on those already read. */
        _cleanup_(unit_batch_freep) struct unit_batch *batch = NULL;
        _cleanup_strv_free_ char **gone = NULL;
        int r = take_batch(g, &batch, err);
        if (r < 0)
                return r;
        size_t n_names = unit_batch_n_items(batch);

        for (size_t i = 0; i < n_names; i++) {
                struct unit_batch_item *it = unit_batch_item(batch, i);
                const char *name = it->name;
                struct generate_unit_result res;
                if (it->alias_of) {
                        /* systemd loads one unit with the drop-ins of all its
                         * names: the target gets one drop-in built from all
                         * of them (unit-batch.h) and the alias none. */
                        res = (struct generate_unit_result){.name = strdup(name),
                                                            .verdict = GENERATE_LEFT};
                        if (!res.name ||
                            asprintf(&res.summary, "an alias of %s: its drop-ins go with %s",
                                     it->alias_of, it->alias_of) < 0) {
                                free(res.name);
                                r = -ENOMEM;
                                goto fail;
                        }
                } else {
                        r = generate_from_load(g, name, it->load_result, &it->unit, &it->error,
                                               &res, err);
                        if (r < 0)
                                goto fail;
                }
                bool had_dir = it->companion_dir_exists;
                if (res.verdict == GENERATE_WRAPPED) {
                        rep.n_wrapped++;
                        if (g->o.check)
                                res.drift = !companion_is(it, res.dropin);
                        else if (had_dir && companion_is(it, res.dropin))
                                res.changed = false;
                        else
                                r = write_dropin(g->o.out_dir, name, GENERATE_DROPIN_NAME,
                                                 res.dropin, had_dir, &res.changed, err);
                } else {
                        if (res.verdict == GENERATE_LEFT)
                                rep.n_left++;
                        else
                                rep.n_failed++;
                        /* A unit that is no longer ours loses our drop-in; a
                         * failed one keeps the last good one (planet-initd
                         * then refuses on drift rather than run unwrapped). */
                        if (res.verdict == GENERATE_LEFT && had_dir) {
                                bool stale = false;
                                r = remove_dropin(g->o.out_dir, name, g->o.check, &stale, err);
                                if (g->o.check)
                                        res.drift = stale;
                                else
                                        res.changed = stale;
                        }
                }
                free(it->companion);
                it->companion = NULL;
                if (res.drift)
                        rep.n_drift++;
                if (r >= 0)
                        r = add_result(&rep, &res);
                if (r < 0) {
                        unit_result_done(&res);
                        goto fail;
                }
        }

        /* Drop-ins of ours for units that are gone (OUT as listed at the
         * start: what this run created is for listed units). */
        size_t n_gone = 0;
        const char *e;
        for (size_t j = 0; (e = unit_batch_companion_entry(batch, j)); j++) {
                size_t l = strlen(e);
                if (l < 3 || strcmp(e + l - 2, ".d"))
                        continue;
                _cleanup_free_ char *unit = strndup(e, l - 2);
                if (!unit) {
                        r = -ENOMEM;
                        goto fail;
                }
                bool listed = false;
                for (size_t lo = 0, hi = n_names; lo < hi && !listed;) {
                        size_t mid = (lo + hi) / 2;
                        int c = strcmp(unit, unit_batch_name(batch, mid));
                        listed = c == 0;
                        if (c < 0)
                                hi = mid;
                        else
                                lo = mid + 1;
                }
                if (listed)
                        continue;
                char **nv = realloc(gone, (n_gone + 2) * sizeof(char *));
                if (!nv) {
                        r = -ENOMEM;
                        goto fail;
                }
                gone = nv;
                gone[n_gone++] = TAKE_PTR(unit);
                gone[n_gone] = NULL;
        }
        if (gone)
                qsort(gone, n_gone, sizeof(char *), cmp_str);
        STRV_FOREACH (u, gone) {
                bool stale = false;
                r = remove_dropin(g->o.out_dir, *u, g->o.check, &stale, err);
                if (r < 0)
                        goto fail;
                if (!stale)
                        continue;
                struct generate_unit_result res = {
                        .verdict = GENERATE_LEFT, .drift = g->o.check, .changed = !g->o.check};
                res.name = strdup(*u);
                res.summary = strdup("unit is gone: stale drop-in");
                if (g->o.check)
                        rep.n_drift++;
                rep.n_left++;
                if (!res.name || !res.summary || add_result(&rep, &res) < 0) {
                        unit_result_done(&res);
                        r = -ENOMEM;
                        goto fail;
                }
        }

        /* The answers this run had to read the policy for, for the next
         * (--check reads the cache but writes nothing, not even it). */
        if (!g->o.check) {
                _cleanup_error_ struct planet_error cerr = {0};
                if (answer_cache_save(g->answers, &cerr) < 0) {
                        char *note = NULL;
                        if (asprintf(&note,
                                     "answers not cached (%s): the next run reads the policy "
                                     "again",
                                     cerr.msg ? cerr.msg : "out of memory") >= 0)
                                add_note(g, note);
                }
        }
        rep.policy_read = g->policy_read;
        rep.n_cached_answers = answer_cache_n_loaded(g->answers);
        rep.notes = TAKE_PTR(g->notes);
        g->n_notes = 0;
        *ret = rep;
        return 0;
fail:
        generate_report_done(&rep);
        return r;
}
