/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux domain: in which domain does a binary run when it is exec'd
 * from a context? The answer comes from the label core (initd/lib/label.h):
 * the live kernel by default, a compiled policy with --policy. With --domain
 * the question becomes "may it run in this domain, and if not, why not". */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "error.h"
#include "label.h"
#include "macro.h"

#define PROG "planet-selinux domain"

/* Exit statuses (documented in planet-selinux-domain(1)). */
enum {
        EXIT_ALL_RESOLVED = 0, /* every path: a (permitted) transition */
        EXIT_NOT_RESOLVED = 1, /* some path: no transition, no label, missing, not permitted */
        EXIT_USAGE = 2,        /* bad option, unreadable policy, invalid --from/--domain */
};

/* What services are started from when no --from is given offline: systemd
 * runs as init_t, and that is the question an image build asks. */
#define OFFLINE_DEFAULT_SOURCE_TYPE "init_t"
static const char *const offline_default_sources[] = {
        "system_u:system_r:init_t:s0", /* MLS/MCS policies (Debian's) */
        "system_u:system_r:init_t",    /* policies built without MLS */
};

struct domain_options {
        const char *policy;
        const char *file_contexts;
        const char *policy_root;
        const char *from;
        const char *root;
        const char *domain;
        bool nnp;
        bool json;
        bool legend;
};

struct domain_answer {
        const char *input;             /* what the user typed */
        struct label_exec_domain exec; /* resolution, file label, automatic domain */
        bool checked;                  /* transition permissions were checked */
        bool permitted;
        char *missing_rules; /* one allow rule per line; NULL when none missing */
        char *error;         /* a failure that gave no answer for this path */
        int status;          /* this path's contribution to the exit status */
};

static void domain_answer_done(struct domain_answer *a)
{
        label_exec_domain_done(&a->exec);
        free(a->missing_rules);
        free(a->error);
}

static void help(void)
{
        printf("Usage: planet-selinux domain [OPTIONS] PATH...\n"
               "\n"
               "Print the SELinux domain each PATH runs in when exec'd from a context: the\n"
               "file's label, the computed domain and whether a transition happens.\n"
               "\n"
               "  --policy FILE          compute offline from a compiled policy (policy.NN)\n"
               "  --file-contexts FILE   file_contexts for --policy (default: the one beside\n"
               "                         it, POLICYDIR/../contexts/files/file_contexts)\n"
               "  --policy-root ROOT     offline from ROOT/etc/selinux/TYPE/policy/policy.NN\n"
               "                         and its file_contexts (TYPE from "
               "ROOT/etc/selinux/config)\n"
               "  --from CONTEXT|TYPE    the exec'ing context (default: this process's with the\n"
               "                         kernel, system_u:system_r:init_t:s0 offline); a bare\n"
               "                         TYPE replaces the type of the default\n"
               "  --root DIR             resolve PATHs (and bare names through $PATH) inside\n"
               "                         DIR, e.g. a container's rootfs; symlinks stay inside\n"
               "  --domain TYPE|CONTEXT  instead: may PATH run in this domain? Checks process\n"
               "                         transition, file entrypoint and execute, and names\n"
               "                         the missing rules\n"
               "  --nnp                  the exec happens under NoNewPrivileges=yes: also\n"
               "                         require process2 nnp_transition/nosuid_transition\n"
               "  --json                 print JSON\n"
               "  --no-legend            no header and summary lines\n"
               "  -h, --help             this text\n"
               "\n"
               "Exit status: 0 when every PATH resolved to a permitted transition, 1 when any\n"
               "had no transition, no label, was missing or was not permitted, 2 on usage\n"
               "or policy errors. See planet-selinux-domain(1).\n");
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, PROG ": ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nRun 'planet-selinux domain --help' for the options.\n");
        return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct domain_options *o)
{
        enum {
                ARG_POLICY = 0x100,
                ARG_FILE_CONTEXTS,
                ARG_POLICY_ROOT,
                ARG_FROM,
                ARG_ROOT,
                ARG_DOMAIN,
                ARG_NNP,
                ARG_JSON,
                ARG_NO_LEGEND,
        };
        static const struct option options[] = {
                {"policy", required_argument, NULL, ARG_POLICY},
                {"file-contexts", required_argument, NULL, ARG_FILE_CONTEXTS},
                {"policy-root", required_argument, NULL, ARG_POLICY_ROOT},
                {"from", required_argument, NULL, ARG_FROM},
                {"root", required_argument, NULL, ARG_ROOT},
                {"domain", required_argument, NULL, ARG_DOMAIN},
                {"nnp", no_argument, NULL, ARG_NNP},
                {"json", no_argument, NULL, ARG_JSON},
                {"no-legend", no_argument, NULL, ARG_NO_LEGEND},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;

        *o = (struct domain_options){.legend = true};
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (c) {
                case ARG_POLICY:
                        o->policy = optarg;
                        break;
                case ARG_FILE_CONTEXTS:
                        o->file_contexts = optarg;
                        break;
                case ARG_POLICY_ROOT:
                        o->policy_root = optarg;
                        break;
                case ARG_FROM:
                        o->from = optarg;
                        break;
                case ARG_ROOT:
                        o->root = optarg;
                        break;
                case ARG_DOMAIN:
                        o->domain = optarg;
                        break;
                case ARG_NNP:
                        o->nnp = true;
                        break;
                case ARG_JSON:
                        o->json = true;
                        break;
                case ARG_NO_LEGEND:
                        o->legend = false;
                        break;
                case 'h':
                        help();
                        return 0;
                case ':':
                        return -usage_error("option '%s' needs an argument", argv[optind - 1]);
                default:
                        return -usage_error("unknown option '%s'", argv[optind - 1]);
                }

        if (o->policy && o->policy_root)
                return -usage_error("--policy and --policy-root both name a policy: give one");
        if (o->file_contexts && !o->policy && !o->policy_root)
                return -usage_error("--file-contexts needs --policy: the kernel backend reads "
                                    "the files' own labels");
        if (optind >= argc)
                return -usage_error("no PATH given: name the binaries to compute domains for");
        if (o->root) {
                struct stat st;

                /* Checked here: the core would report every path as missing. */
                if (stat(o->root, &st) < 0)
                        return -usage_error("--root %s: %m; name the directory the paths live in",
                                            o->root);
                if (!S_ISDIR(st.st_mode))
                        return -usage_error("--root %s: not a directory", o->root);
        }
        for (const char *s = o->from; s && *s; s++)
                if (*s == '\n' || *s == ' ')
                        return -usage_error("--from '%s': a context has no whitespace", o->from);
        return 1;
}

/* The highest policy.NN in dir, as the kernel loader picks it. */
static int find_policy_file(const char *dir, char **ret, struct planet_error *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        long best = -1;

        d = opendir(dir);
        if (!d)
                return planet_error_set(err, errno,
                                        "cannot open policy directory %s: %m; pass --policy FILE "
                                        "to name the compiled policy",
                                        dir);
        for (struct dirent *de; (de = readdir(d));) {
                char *end;
                long v;

                if (strncmp(de->d_name, "policy.", 7) || !de->d_name[7])
                        continue;
                errno = 0;
                v = strtol(de->d_name + 7, &end, 10);
                if (*end || errno || v <= best)
                        continue;
                best = v;
        }
        if (best < 0)
                return planet_error_set(err, ENOENT,
                                        "no compiled policy (policy.NN) in %s: install the policy "
                                        "there or pass --policy FILE",
                                        dir);
        if (asprintf(ret, "%s/policy.%ld", dir, best) < 0)
                return -ENOMEM;
        return 0;
}

/* SELINUXTYPE= from ROOT/etc/selinux/config; "default" (Debian's) without one. */
static int read_selinux_type(const char *root, char **ret, struct planet_error *err)
{
        _cleanup_free_ char *config = NULL, *line = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;

        if (asprintf(&config, "%s/etc/selinux/config", root) < 0)
                return -ENOMEM;
        f = fopen(config, "re");
        if (!f) {
                if (errno != ENOENT)
                        return planet_error_set(err, errno, "cannot read %s: %m", config);
                *ret = strdup("default");
                return *ret ? 0 : -ENOMEM;
        }
        while (getline(&line, &n, f) >= 0) {
                char *v = line + strspn(line, " \t");

                if (strncmp(v, "SELINUXTYPE=", 12))
                        continue;
                v += 12;
                v[strcspn(v, " \t\r\n#")] = 0;
                if (!*v || strchr(v, '/') || !strcmp(v, "..") || !strcmp(v, "."))
                        return planet_error_set(err, EINVAL,
                                                "%s: SELINUXTYPE= is empty or not a policy name; "
                                                "fix it or pass --policy FILE",
                                                config);
                *ret = strdup(v);
                return *ret ? 0 : -ENOMEM;
        }
        *ret = strdup("default");
        return *ret ? 0 : -ENOMEM;
}

static int policy_root_paths(const char *root_arg, char **ret_policy, char **ret_fc,
                             struct planet_error *err)
{
        _cleanup_free_ char *root = NULL, *type = NULL, *dir = NULL, *policy = NULL, *fc = NULL;
        size_t len;
        int r;

        /* "/" and "ROOT/" join as "/etc/…" and "ROOT/etc/…", not "//etc/…". */
        root = strdup(root_arg);
        if (!root)
                return -ENOMEM;
        for (len = strlen(root); len > 0 && root[len - 1] == '/'; len--)
                root[len - 1] = 0;

        r = read_selinux_type(root, &type, err);
        if (r < 0)
                return r;
        if (asprintf(&dir, "%s/etc/selinux/%s/policy", root, type) < 0)
                return -ENOMEM;
        r = find_policy_file(dir, &policy, err);
        if (r < 0)
                return r;
        if (asprintf(&fc, "%s/etc/selinux/%s/contexts/files/file_contexts", root, type) < 0)
                return -ENOMEM;
        *ret_policy = TAKE_PTR(policy);
        *ret_fc = TAKE_PTR(fc);
        return 0;
}

/* POLICYDIR/../contexts/files/file_contexts: where every store keeps it. */
static int file_contexts_beside(const char *policy, char **ret, struct planet_error *err)
{
        _cleanup_free_ char *fc = NULL;
        const char *slash = strrchr(policy, '/');
        struct stat st;

        if (asprintf(&fc, "%.*s/../contexts/files/file_contexts",
                     slash ? (int) (slash - policy) : 1, slash ? policy : ".") < 0)
                return -ENOMEM;
        if (stat(fc, &st) < 0)
                return planet_error_set(err, ENOENT,
                                        "no --file-contexts given and %s does not exist: pass "
                                        "--file-contexts FILE (the file_contexts that labels the "
                                        "files, matching --policy %s)",
                                        fc, policy);
        *ret = TAKE_PTR(fc);
        return 0;
}

static int open_backend(const struct domain_options *o, struct label_backend **ret,
                        char **ret_description, struct planet_error *err)
{
        _cleanup_free_ char *policy = NULL, *fc = NULL;
        int r;

        if (!o->policy && !o->policy_root) {
                _cleanup_label_backend_ struct label_backend *b = NULL;
                enum label_selinux_mode mode;

                r = label_backend_open_kernel(&b, err);
                if (r < 0)
                        return r;
                mode = label_backend_get_mode(b);
                if (mode == LABEL_SELINUX_DISABLED)
                        return planet_error_set(err, EOPNOTSUPP,
                                                "SELinux is disabled on this machine (no selinuxfs "
                                                "policy loaded), so the kernel cannot compute "
                                                "domains; compute offline instead with --policy "
                                                "FILE [--file-contexts FILE] or --policy-root /");
                if (asprintf(ret_description, "kernel, %s", label_selinux_mode_to_string(mode)) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(b);
                return 0;
        }

        if (o->policy_root) {
                r = policy_root_paths(o->policy_root, &policy, &fc, err);
                if (r < 0)
                        return r;
                if (o->file_contexts) {
                        free(fc);
                        fc = strdup(o->file_contexts);
                        if (!fc)
                                return -ENOMEM;
                }
        } else {
                policy = strdup(o->policy);
                if (!policy)
                        return -ENOMEM;
                if (o->file_contexts)
                        fc = strdup(o->file_contexts);
                else {
                        r = file_contexts_beside(o->policy, &fc, err);
                        if (r < 0)
                                return r;
                }
                if (!fc)
                        return -ENOMEM;
        }

        r = label_backend_open_offline(ret, policy, fc, err);
        if (r < 0)
                return r;
        if (asprintf(ret_description, "offline, %s", policy) < 0)
                return -ENOMEM;
        return 0;
}

/* The exec'ing context: --from (a context, or a type put into the default),
 * else this process's (kernel) or init's (offline). Checked against the
 * policy so a typo is a usage error, not a wrong answer. */
static int source_context(struct label_backend *b, const char *from, char **ret,
                          struct planet_error *err)
{
        _cleanup_free_ char *base = NULL, *source = NULL;
        int r;

        if (from && strchr(from, ':')) {
                source = strdup(from);
                if (!source)
                        return -ENOMEM;
        } else {
                if (label_backend_get_kind(b) == LABEL_BACKEND_KERNEL) {
                        r = label_current_context(b, &base, err);
                        if (r < 0)
                                return r;
                } else {
                        for (size_t i = 0; i < ELEMENTSOF(offline_default_sources) && !base; i++)
                                if (label_check_context(b, offline_default_sources[i], NULL) >= 0) {
                                        base = strdup(offline_default_sources[i]);
                                        if (!base)
                                                return -ENOMEM;
                                }
                        if (!base)
                                return planet_error_set(
                                        err, EINVAL,
                                        "the policy has no "
                                        "system_u:system_r:" OFFLINE_DEFAULT_SOURCE_TYPE
                                        " context to compute from: pass --from CONTEXT");
                }
                if (from) {
                        r = label_context_with_type(base, from, &source);
                        if (r < 0)
                                return planet_error_set(err, -r,
                                                        "--from %s: cannot put the type into %s",
                                                        from, base);
                } else
                        source = TAKE_PTR(base);
        }

        r = label_check_context(b, source, err);
        if (r < 0) /* the core's message names the context and what is wrong */
                return from ? planet_error_prefix(err, "--from %s", from)
                            : planet_error_prefix(err, "the default source context (pass --from "
                                                       "CONTEXT)");
        *ret = TAKE_PTR(source);
        return 0;
}

/* --domain: a type is put into the source context (same user, role, range),
 * as planet-initd --domain does; a full context is taken as given. */
static int target_context(struct label_backend *b, const char *source, const char *domain,
                          char **ret, struct planet_error *err)
{
        _cleanup_free_ char *target = NULL;
        int r;

        if (strchr(domain, ':'))
                target = strdup(domain);
        else {
                r = label_context_with_type(source, domain, &target);
                if (r < 0)
                        return planet_error_set(err, -r, "--domain %s: cannot put the type into %s",
                                                domain, source);
        }
        if (!target)
                return -ENOMEM;
        r = label_check_context(b, target, err);
        if (r < 0)
                return planet_error_prefix(err, "--domain %s", domain);
        *ret = TAKE_PTR(target);
        return 0;
}

/* Many paths share a file type (every bin_t tool, every copy of a daemon),
 * and one transition check is five access computations: remember them per
 * (domain, file context). The source is the same for the whole run. */
#define CHECK_CACHE_BUCKETS 4096
struct check_cache_entry {
        struct check_cache_entry *next;
        struct label_transition_check check;
        char key[]; /* "domain\nfile_context" */
};
struct check_cache {
        struct check_cache_entry *buckets[CHECK_CACHE_BUCKETS];
};

static void check_cache_free(struct check_cache *c)
{
        for (size_t i = 0; i < CHECK_CACHE_BUCKETS; i++)
                for (struct check_cache_entry *e = c->buckets[i], *next; e; e = next) {
                        next = e->next;
                        free(e);
                }
}

static size_t check_cache_hash(const char *domain, const char *file_context)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        for (const char *s = domain; *s; s++)
                h = (h ^ (unsigned char) *s) * 16777619u;
        h = (h ^ '\n') * 16777619u;
        for (const char *s = file_context; *s; s++)
                h = (h ^ (unsigned char) *s) * 16777619u;
        return h % CHECK_CACHE_BUCKETS;
}

static int check_transition_cached(struct label_backend *b, struct check_cache *cache,
                                   const char *source, const char *domain, const char *file_context,
                                   struct label_transition_check *ret, struct planet_error *err)
{
        size_t h = check_cache_hash(domain, file_context), dl = strlen(domain);
        struct check_cache_entry *e;
        int r;

        for (e = cache->buckets[h]; e; e = e->next)
                if (!strncmp(e->key, domain, dl) && e->key[dl] == '\n' &&
                    !strcmp(e->key + dl + 1, file_context)) {
                        *ret = e->check;
                        return 0;
                }
        r = label_check_transition(b, source, domain, file_context, LABEL_EXEC_ALL, ret, err);
        if (r < 0)
                return r;
        e = malloc(sizeof(*e) + dl + 1 + strlen(file_context) + 1);
        if (!e)
                return 0; /* only a cache */
        e->check = *ret;
        sprintf(e->key, "%s\n%s", domain, file_context);
        e->next = cache->buckets[h];
        cache->buckets[h] = e;
        return 0;
}

static void check_cache_freep(struct check_cache **c)
{
        if (*c)
                check_cache_free(*c);
        free(*c);
}

static int answer_path(struct label_backend *b, struct check_cache *cache,
                       const struct domain_options *o, const char *source, const char *target,
                       const char *path, struct domain_answer *a)
{
        _cleanup_error_ struct planet_error err = {};
        struct label_transition_check check;
        const char *domain;
        int r;

        a->input = path;
        r = label_compute_exec_domain(b, source, path, o->root, &a->exec, &err);
        if (r < 0) {
                /* The source was checked up front, so what fails here is
                 * about this path (a label the policy rejects, a symlink
                 * loop, a directory we may not read): an answer, not a
                 * usage error. */
                a->status = r == -ENOMEM ? EXIT_USAGE : EXIT_NOT_RESOLVED;
                a->exec.result = LABEL_RESULT_INVALID;
                if (err.msg)
                        a->error = TAKE_PTR(err.msg);
                else if (asprintf(&a->error, "%s: %s", path, strerror(-r)) < 0)
                        return -ENOMEM;
                return 0;
        }

        switch (a->exec.result) {
        case LABEL_RESULT_TRANSITION:
                break;
        case LABEL_RESULT_NO_TRANSITION:
                if (target)
                        break; /* the automatic domain does not matter to --domain */
                a->status = EXIT_NOT_RESOLVED;
                return 0;
        default:
                a->status = EXIT_NOT_RESOLVED;
                return 0;
        }

        /* Whether the exec may happen at all: a type_transition without its
         * allow rules makes exec fail with EACCES, which is what a person
         * running this wants to know before the service does. */
        domain = target ?: a->exec.domain;
        r = check_transition_cached(b, cache, source, domain, a->exec.file_context, &check, &err);
        if (r < 0) {
                a->status = EXIT_USAGE;
                a->error = TAKE_PTR(err.msg);
                if (!a->error &&
                    asprintf(&a->error, "%s: checking the transition: %s", path, strerror(-r)) < 0)
                        return -ENOMEM;
                return 0;
        }
        a->checked = true;
        a->permitted = label_transition_permitted(&check, o->nnp ? LABEL_EXEC_NNP : 0);
        if (!a->permitted) {
                a->missing_rules = label_transition_missing_rules(
                        &check, source, domain, a->exec.file_context, o->nnp ? LABEL_EXEC_NNP : 0);
                a->status = EXIT_NOT_RESOLVED;
        }
        return 0;
}

static const char *type_or_context(const char *context, char **buf)
{
        /* For prose: "sshd_t" reads better than the whole context. */
        if (context && label_context_type(context, buf) >= 0)
                return *buf;
        return context ?: "-";
}

static const char *result_word(const struct domain_answer *a)
{
        if (a->exec.result == LABEL_RESULT_TRANSITION && a->checked && !a->permitted)
                return "not permitted";
        return label_result_to_string(a->exec.result);
}

/* Why a path is not a clean transition, for stderr: names the path, what is
 * wrong and what to do. */
static void explain(const struct domain_options *o, const char *source,
                    const struct domain_answer *a)
{
        _cleanup_free_ char *st = NULL, *ft = NULL, *dt = NULL;

        if (a->error) {
                fprintf(stderr, PROG ": %s\n", a->error);
                return;
        }
        if (a->exec.result == LABEL_RESULT_TRANSITION && a->checked && !a->permitted) {
                fprintf(stderr,
                        PROG ": %s: the policy computes %s but does not permit the exec; "
                             "missing:\n%s",
                        a->input, type_or_context(a->exec.domain, &dt),
                        a->missing_rules ?: "(no rule named)\n");
                return;
        }
        if (a->exec.result == LABEL_RESULT_TRANSITION)
                return;
        if (a->exec.reason) {
                /* The core's reasons often name the path already. */
                if (strstr(a->exec.reason, a->input) ||
                    (a->exec.path && strstr(a->exec.reason, a->exec.path)))
                        fprintf(stderr, PROG ": %s\n", a->exec.reason);
                else
                        fprintf(stderr, PROG ": %s: %s\n", a->input, a->exec.reason);
                return;
        }
        switch (a->exec.result) {
        case LABEL_RESULT_NO_TRANSITION:
                fprintf(stderr,
                        PROG ": %s: no transition: exec'd from %s, a file of type %s runs in %s "
                             "itself; add a type_transition (domtrans_pattern) if it needs its own "
                             "domain\n",
                        a->input, source, type_or_context(a->exec.file_context, &ft),
                        type_or_context(source, &st));
                break;
        case LABEL_RESULT_UNLABELED:
                fprintf(stderr,
                        PROG ": %s: the file has no label (<<none>> or no file_contexts "
                             "entry): label it (.fc entry + restorecon)\n",
                        a->input);
                break;
        case LABEL_RESULT_PATH_MISSING:
                fprintf(stderr, PROG ": %s: no such file%s%s\n", a->input,
                        o->root ? " inside --root " : "", o->root ?: "");
                break;
        default:
                fprintf(stderr, PROG ": %s: %s\n", a->input,
                        label_result_to_string(a->exec.result));
        }
}

static void json_string(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static void json_field(FILE *f, const char *name, const char *value, bool last)
{
        fprintf(f, "\"%s\":", name);
        json_string(f, value);
        if (!last)
                fputc(',', f);
}

static void print_json(const struct domain_options *o, const char *backend, const char *source,
                       const char *target, const struct domain_answer *answers, size_t n)
{
        fputs("{", stdout);
        json_field(stdout, "backend", backend, false);
        json_field(stdout, "from", source, false);
        if (target)
                json_field(stdout, "requested_domain", target, false);
        fputs("\"paths\":[", stdout);
        for (size_t i = 0; i < n; i++) {
                const struct domain_answer *a = answers + i;
                _cleanup_free_ char *reason = NULL;

                if (a->error)
                        reason = strdup(a->error);
                else if (a->exec.reason)
                        reason = strdup(a->exec.reason);
                fputs(i ? ",\n{" : "\n{", stdout);
                json_field(stdout, "path", a->input, false);
                json_field(stdout, "resolved", a->exec.path, false);
                json_field(stdout, "file_context", a->exec.file_context, false);
                json_field(stdout, target ? "automatic_domain" : "domain", a->exec.domain, false);
                json_field(stdout, "result", label_result_to_string(a->exec.result), false);
                if (!target)
                        fprintf(stdout, "\"transition\":%s,",
                                a->exec.result == LABEL_RESULT_TRANSITION ? "true" : "false");
                if (a->checked)
                        fprintf(stdout, "\"permitted\":%s,", a->permitted ? "true" : "false");
                else
                        fputs("\"permitted\":null,", stdout);
                fputs("\"missing_rules\":[", stdout);
                for (const char *l = a->missing_rules; l && *l;) {
                        size_t len = strcspn(l, "\n");
                        _cleanup_free_ char *rule = strndup(l, len);

                        if (l != a->missing_rules)
                                fputc(',', stdout);
                        json_string(stdout, rule);
                        l += len + (l[len] == '\n');
                }
                fputs("],", stdout);
                json_field(stdout, "reason", reason, true);
                fputs("}", stdout);
        }
        fputs("\n]}\n", stdout);
}

static int column_width(const struct domain_answer *answers, size_t n, const char *header,
                        const char *(*get)(const struct domain_answer *) )
{
        size_t w = strlen(header);

        for (size_t i = 0; i < n; i++) {
                const char *s = get(answers + i);
                if (s && strlen(s) > w)
                        w = strlen(s);
        }
        return w > 80 ? 80 : (int) w;
}

static const char *get_path(const struct domain_answer *a)
{
        return a->input;
}
static const char *get_file_context(const struct domain_answer *a)
{
        return a->exec.file_context ?: "-";
}
static const char *get_domain(const struct domain_answer *a)
{
        return a->exec.domain ?: "-";
}

static void print_table(const struct domain_options *o, const char *backend, const char *source,
                        const struct domain_answer *answers, size_t n)
{
        int wp = column_width(answers, n, "PATH", get_path);
        int wf = column_width(answers, n, "FILE CONTEXT", get_file_context);
        int wd = column_width(answers, n, "DOMAIN", get_domain);
        size_t transitions = 0;

        if (o->legend)
                printf("%-*s  %-*s  %-*s  %s\n", wp, "PATH", wf, "FILE CONTEXT", wd, "DOMAIN",
                       "RESULT");
        for (size_t i = 0; i < n; i++) {
                const struct domain_answer *a = answers + i;

                printf("%-*s  %-*s  %-*s  %s", wp, a->input, wf, get_file_context(a), wd,
                       get_domain(a), result_word(a));
                /* Show where a bare name or a symlink led. */
                if (a->exec.path && strcmp(a->exec.path, a->input))
                        printf(" (%s)", a->exec.path);
                putchar('\n');
                if (a->status == EXIT_ALL_RESOLVED)
                        transitions++;
        }
        if (o->legend)
                printf("\n%zu path%s from %s (%s): %zu transition%s, %zu without.\n", n,
                       n == 1 ? "" : "s", source, backend, transitions, transitions == 1 ? "" : "s",
                       n - transitions);
}

static void print_indented(const char *lines, const char *indent)
{
        for (const char *l = lines; *l;) {
                size_t len = strcspn(l, "\n");

                printf("%s%.*s\n", indent, (int) len, l);
                l += len + (l[len] == '\n');
        }
}

/* --domain answers one question per path, so it prints a short verdict with
 * its reasons rather than a table. */
static void print_verdicts(const struct domain_options *o, const char *backend, const char *source,
                           const char *target, const struct domain_answer *answers, size_t n)
{
        _cleanup_free_ char *tt = NULL;
        const char *target_type = type_or_context(target, &tt);

        for (size_t i = 0; i < n; i++) {
                const struct domain_answer *a = answers + i;
                _cleanup_free_ char *at = NULL;

                if (a->error || !a->checked) {
                        printf("%s: unknown\n", a->input);
                        explain(o, source, a);
                        continue;
                }
                printf("%s: %s in %s\n", a->input, a->permitted ? "permitted" : "not permitted",
                       target_type);
                printf("  file context:     %s\n", a->exec.file_context);
                printf("  from:             %s\n", source);
                printf("  domain:           %s\n", target);
                if (a->exec.result == LABEL_RESULT_TRANSITION && a->exec.domain &&
                    strcmp(a->exec.domain, target) && a->permitted)
                        printf("  automatic domain: %s (a plain exec lands there; this domain "
                               "needs an explicit exec context: planet-initd --domain %s)\n",
                               a->exec.domain, target_type);
                else if (a->exec.result == LABEL_RESULT_TRANSITION && a->exec.domain &&
                         strcmp(a->exec.domain, target))
                        printf("  automatic domain: %s (a plain exec lands there)\n",
                               a->exec.domain);
                else if (a->exec.result == LABEL_RESULT_TRANSITION)
                        printf("  automatic domain: %s (the policy's type_transition)\n",
                               a->exec.domain);
                else
                        printf("  automatic domain: none (no type_transition: a plain exec stays "
                               "in %s)\n",
                               type_or_context(source, &at));
                if (!a->permitted) {
                        printf("  missing rules:\n");
                        print_indented(a->missing_rules ?: "(none named)\n", "    ");
                }
        }
        if (o->legend)
                printf("\n(%s)\n", backend);
}

int cmd_domain(int argc, char **argv)
{
        _cleanup_label_backend_ struct label_backend *b = NULL;
        _cleanup_error_ struct planet_error err = {};
        _cleanup_free_ char *backend = NULL, *source = NULL, *target = NULL;
        _cleanup_free_ struct domain_answer *answers = NULL;
        _cleanup_(check_cache_freep) struct check_cache *cache = NULL;
        struct domain_options o;
        size_t n;
        int r, status = EXIT_ALL_RESOLVED;

        r = parse_options(argc, argv, &o);
        if (r <= 0)
                return -r;

        r = open_backend(&o, &b, &backend, &err);
        if (r >= 0)
                r = source_context(b, o.from, &source, &err);
        if (r >= 0 && o.domain)
                r = target_context(b, source, o.domain, &target, &err);
        if (r < 0) {
                if (!err.msg)
                        planet_error_set(&err, -r, "%s", strerror(-r));
                planet_error_print(&err, "planet-selinux domain");
                return EXIT_USAGE;
        }

        n = argc - optind;
        answers = calloc(n, sizeof(*answers));
        cache = calloc(1, sizeof(*cache));
        if (!answers || !cache) {
                fprintf(stderr, PROG ": out of memory\n");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++) {
                r = answer_path(b, cache, &o, source, target, argv[optind + i], answers + i);
                if (r < 0) {
                        fprintf(stderr, PROG ": %s: %s\n", argv[optind + i], strerror(-r));
                        status = EXIT_USAGE;
                        n = i + 1;
                        break;
                }
                if (answers[i].status > status)
                        status = answers[i].status;
        }

        if (o.json)
                print_json(&o, backend, source, target, answers, n);
        else if (target)
                print_verdicts(&o, backend, source, target, answers, n);
        else
                print_table(&o, backend, source, answers, n);
        if (!target)
                for (size_t i = 0; i < n; i++)
                        explain(&o, source, answers + i);

        for (size_t i = 0; i < n; i++)
                domain_answer_done(answers + i);
        return status;
}
