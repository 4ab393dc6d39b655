/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux denials: read AVC denials from the journal or logs, group
 * them, and say for each group which unit, why, and what to do. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <selinux/selinux.h>

#include "commands.h"
#include "explain.h"
#include "journal-dl.h"
#include "journal-read.h"
#include "label.h"
#include "messages.h"
#include "iface.h"

/* Interfaces shown per group: enough to choose from, few enough to read. */
#define SUGGESTIONS 3

enum output_format { OUT_TABLE, OUT_JSON, OUT_TE, OUT_CIL };

struct args {
        char **inputs;
        size_t n_inputs;
        char **files;
        size_t n_files;
        char **unit_dirs;
        size_t n_unit_dirs;
        char **directories; /* -D, in order */
        size_t n_directories;
        const char *since;
        const char *boot;
        bool boot_set;
        const char *unit;
        const char *domain;
        bool follow;
        const char *policy;
        const char *file_contexts;
        const char *include;
        bool no_interfaces;
        const char *proc_root;
        bool no_proc;
        bool log;
        enum output_format format;
};

/* The vectors hold pointers into argv: free the arrays only. */
static void args_done(struct args *a)
{
        free(a->inputs);
        free(a->files);
        free(a->directories);
        free(a->unit_dirs);
}

static void help(FILE *f)
{
        fprintf(f,
                "Usage: planet-selinux denials [OPTIONS]\n\n"
                "Read SELinux denials (AVC, USER_AVC, SELINUX_ERR) and explain them: which unit,\n"
                "why (audit2why's verdicts), and the allow rule or interface that fixes them.\n\n"
                "Input (default: the local journal):\n"
                "  -i, --input FILE       audit.log, dmesg, journalctl or pasted text ('-': "
                "stdin);\n"
                "                         repeatable\n"
                "  -D, --directory DIR    a journal directory (e.g. the host's, bind-mounted);\n"
                "                         repeat to read several together (host's and planet's)\n"
                "      --file FILE        a journal file; repeatable\n"
                "  -S, --since WHEN       \"YYYY-MM-DD [HH:MM[:SS]]\", today, yesterday, -1h, \"2h "
                "ago\", @EPOCH\n"
                "  -b, --boot[=ID]        this boot only (or the boot ID)\n"
                "  -f, --follow           keep reading the journal and print groups as they "
                "change\n"
                "Selection:\n"
                "  -u, --unit UNIT        only denials mapped to UNIT (kubelet = kubelet.service)\n"
                "  -d, --domain TYPE      only denials whose source domain is TYPE\n"
                "Explaining:\n"
                "      --policy FILE      compiled policy for verdicts (default: the loaded one)\n"
                "      --file-contexts FILE  file_contexts for label advice (default: the "
                "policy's)\n"
                "      --unit-dir DIR     where generated drop-ins live; repeatable\n"
                "      --include DIR      refpolicy devel headers for interface suggestions\n"
                "      --no-interfaces    do not suggest interfaces\n"
                "      --proc-root DIR    /proc to map live PIDs to units (default /proc)\n"
                "      --no-proc          do not look at live processes\n"
                "Output:\n"
                "      --json             one JSON object per group\n"
                "      --format te|cil    only the raw allow rules (as audit2allow prints them)\n"
                "      --log              also send one summary entry per group to the journal\n"
                "  -h, --help\n\n"
                "See planet-selinux-denials(1).\n");
}

static int push(char ***v, size_t *n, const char *s)
{
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[(*n)++] = (char *) s;
        nv[*n] = NULL;
        return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
        enum {
                OPT_FILE = 0x100,
                OPT_POLICY,
                OPT_FILE_CONTEXTS,
                OPT_UNIT_DIR,
                OPT_INCLUDE,
                OPT_NO_IFACES,
                OPT_PROC_ROOT,
                OPT_NO_PROC,
                OPT_JSON,
                OPT_FORMAT,
                OPT_LOG,
        };
        static const struct option opts[] = {
                {"input", required_argument, NULL, 'i'},
                {"directory", required_argument, NULL, 'D'},
                {"file", required_argument, NULL, OPT_FILE},
                {"since", required_argument, NULL, 'S'},
                {"boot", optional_argument, NULL, 'b'},
                {"follow", no_argument, NULL, 'f'},
                {"unit", required_argument, NULL, 'u'},
                {"domain", required_argument, NULL, 'd'},
                {"policy", required_argument, NULL, OPT_POLICY},
                {"file-contexts", required_argument, NULL, OPT_FILE_CONTEXTS},
                {"unit-dir", required_argument, NULL, OPT_UNIT_DIR},
                {"include", required_argument, NULL, OPT_INCLUDE},
                {"no-interfaces", no_argument, NULL, OPT_NO_IFACES},
                {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
                {"no-proc", no_argument, NULL, OPT_NO_PROC},
                {"json", no_argument, NULL, OPT_JSON},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"log", no_argument, NULL, OPT_LOG},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "i:D:S:b::fu:d:h", opts, NULL)) >= 0) {
                int r = 0;
                switch (c) {
                case 'i':
                        r = push(&a->inputs, &a->n_inputs, optarg);
                        break;
                case 'D':
                        r = push(&a->directories, &a->n_directories, optarg);
                        break;
                case OPT_FILE:
                        r = push(&a->files, &a->n_files, optarg);
                        break;
                case 'S':
                        a->since = optarg;
                        break;
                case 'b':
                        a->boot_set = true;
                        a->boot = optarg;
                        break;
                case 'f':
                        a->follow = true;
                        break;
                case 'u':
                        a->unit = optarg;
                        break;
                case 'd':
                        a->domain = optarg;
                        break;
                case OPT_POLICY:
                        a->policy = optarg;
                        break;
                case OPT_FILE_CONTEXTS:
                        a->file_contexts = optarg;
                        break;
                case OPT_UNIT_DIR:
                        r = push(&a->unit_dirs, &a->n_unit_dirs, optarg);
                        break;
                case OPT_INCLUDE:
                        a->include = optarg;
                        break;
                case OPT_NO_IFACES:
                        a->no_interfaces = true;
                        break;
                case OPT_PROC_ROOT:
                        a->proc_root = optarg;
                        break;
                case OPT_NO_PROC:
                        a->no_proc = true;
                        break;
                case OPT_JSON:
                        a->format = OUT_JSON;
                        break;
                case OPT_LOG:
                        a->log = true;
                        break;
                case OPT_FORMAT:
                        if (!strcmp(optarg, "te"))
                                a->format = OUT_TE;
                        else if (!strcmp(optarg, "cil"))
                                a->format = OUT_CIL;
                        else {
                                fprintf(stderr,
                                        "planet-selinux denials: --format must be te or "
                                        "cil, not '%s'\n",
                                        optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        help(stdout);
                        return 0;
                default:
                        help(stderr);
                        return 2;
                }
                if (r < 0) {
                        fprintf(stderr, "planet-selinux denials: out of memory\n");
                        return 1;
                }
        }
        if (optind < argc) {
                fprintf(stderr,
                        "planet-selinux denials: unexpected argument '%s' (input files "
                        "go after -i)\n",
                        argv[optind]);
                return 2;
        }
        if (a->n_inputs && (a->n_directories || a->n_files || a->follow)) {
                fprintf(stderr, "planet-selinux denials: -i reads text; it cannot be combined "
                                "with --directory, --file or --follow\n");
                return 2;
        }
        if (a->n_directories && a->n_files) {
                fprintf(stderr, "planet-selinux denials: give --directory or --file, not both\n");
                return 2;
        }
        if (a->follow && a->format != OUT_TABLE) {
                fprintf(stderr, "planet-selinux denials: --follow prints lines as groups change; "
                                "it cannot be combined with --json or --format\n");
                return 2;
        }
        return -1; /* go on */
}

/* The loaded policy: the kernel's own copy when readable, else the newest
 * policy.N in the configured store. */
static char *find_policy(void)
{
        if (access("/sys/fs/selinux/policy", R_OK) == 0)
                return strdup("/sys/fs/selinux/policy");
        const char *base = selinux_binary_policy_path();
        if (!base)
                return NULL;
        char pattern[4096];
        snprintf(pattern, sizeof(pattern), "%s.*", base);
        glob_t gl;
        if (glob(pattern, 0, NULL, &gl) != 0)
                return NULL;
        char *best = NULL;
        long best_v = -1;
        for (size_t i = 0; i < gl.gl_pathc; i++) {
                const char *dot = strrchr(gl.gl_pathv[i], '.');
                char *e;
                long v = dot ? strtol(dot + 1, &e, 10) : -1;
                if (dot && *e == 0 && v > best_v) {
                        best_v = v;
                        free(best);
                        best = strdup(gl.gl_pathv[i]);
                }
        }
        globfree(&gl);
        return best;
}

/* ROOT/etc/selinux/TYPE/policy/policy.N → ROOT/etc/selinux/TYPE/contexts/files/file_contexts */
static char *file_contexts_beside(const char *policy)
{
        if (!strcmp(policy, "/sys/fs/selinux/policy")) {
                const char *p = selinux_file_context_path();
                return p ? strdup(p) : NULL;
        }
        _cleanup_free_ char *copy = strdup(policy);
        if (!copy)
                return NULL;
        char *slash = strrchr(copy, '/');
        if (!slash)
                return NULL;
        *slash = 0;
        slash = strrchr(copy, '/');
        if (!slash)
                return NULL;
        *slash = 0;
        char *out = NULL;
        if (asprintf(&out, "%s/contexts/files/file_contexts", copy) < 0)
                return NULL;
        if (access(out, R_OK) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* ---- output ------------------------------------------------------------ */

static void fmt_time(uint64_t usec, char *buf, size_t size)
{
        if (!usec) {
                snprintf(buf, size, "-");
                return;
        }
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static char *perms_text(const struct explain_group *g)
{
        size_t n = 1;
        STRV_FOREACH (p, g->perms)
                n += strlen(*p) + 1;
        char *s = malloc(n), *q = s;
        if (!s)
                return NULL;
        *q = 0;
        STRV_FOREACH (p, g->perms) {
                if (q != s)
                        *q++ = ',';
                q = stpcpy(q, *p);
        }
        return s;
}

static const char *short_fix(const struct explain_group *g, size_t i, char *buf, size_t size)
{
        switch (g->verdict) {
        case EXPLAIN_VERDICT_BOOLEAN:
        case EXPLAIN_VERDICT_INVALID_CONTEXT:
                return g->fix ? g->fix : "-";
        case EXPLAIN_VERDICT_TE_RULE:
                if (g->interfaces && g->interfaces[0]) {
                        snprintf(buf, size, "%.*s", (int) strcspn(g->interfaces[0], " "),
                                 g->interfaces[0]);
                        return buf;
                }
                return g->rule_te ? g->rule_te : "-";
        case EXPLAIN_VERDICT_ALLOWED:
                return "none (allowed now)";
        case EXPLAIN_VERDICT_GRANTED:
                return "-";
        default:
                snprintf(buf, size, "see #%zu", i + 1);
                return buf;
        }
}

static void print_table(struct explain *x, FILE *out)
{
        size_t n = explain_n_groups(x);
        if (n == 0) {
                fprintf(out, "No denials.\n");
                return;
        }
        fprintf(out, "%-3s %-22s %-22s %-22s %-12s %-20s %6s %-19s %-19s %-15s %s\n", "#", "UNIT",
                "DOMAIN", "TARGET", "CLASS", "PERMS", "COUNT", "FIRST", "LAST", "VERDICT", "FIX");
        for (size_t i = 0; i < n; i++) {
                struct explain_group *g = explain_get_group(x, i);
                char sb[256], tb[256], first[32], last[32], fb[256];
                fmt_time(g->first_usec, first, sizeof(first));
                fmt_time(g->last_usec, last, sizeof(last));
                _cleanup_free_ char *perms = perms_text(g);
                fprintf(out, "%-3zu %-22s %-22s %-22s %-12s %-20s %6zu %-19s %-19s %-15s %s\n",
                        i + 1, g->unit ? g->unit : "unknown",
                        explain_context_type(g->scontext, sb, sizeof(sb)),
                        explain_context_type(g->tcontext, tb, sizeof(tb)), g->tclass,
                        perms ? perms : "", g->count, first, last,
                        explain_verdict_to_string(g->verdict), short_fix(g, i, fb, sizeof(fb)));
        }
        fprintf(out, "\n");
        for (size_t i = 0; i < n; i++) {
                struct explain_group *g = explain_get_group(x, i);
                fprintf(out, "#%zu %s %s → %s %s%s\n", i + 1, avc_kind_to_string(g->kind),
                        g->scontext, g->tcontext, g->tclass,
                        g->user_avc ? " (USER_AVC: refused by an object manager)" : "");
                fprintf(out, "   unit:      %s (%s)\n", g->unit ? g->unit : "unknown",
                        g->unit_method == EXPLAIN_UNIT_UNKNOWN
                                ? "no start entry, live process or drop-in names it"
                                : explain_unit_method_to_string(g->unit_method));
                if (g->user_avc) {
                        /* exe/comm of a USER_AVC are the object manager's. */
                        if (g->exe)
                                fprintf(out, "   manager:   %s\n", g->exe);
                } else if (g->exe || g->comm || g->pid) {
                        const char *parts[] = {g->exe, g->comm};
                        fputs("   process:  ", out);
                        for (size_t k = 0; k < ELEMENTSOF(parts); k++)
                                if (parts[k])
                                        fprintf(out, " %s", parts[k]);
                        if (g->pid)
                                fprintf(out, " pid %d", (int) g->pid);
                        fputc('\n', out);
                }
                if (g->path || g->name)
                        fprintf(out, "   object:    %s\n", g->path ? g->path : g->name);
                if (g->detail)
                        fprintf(out, "   detail:    %s\n", g->detail);
                if (g->permissive)
                        fprintf(out, "   note:      permissive: logged but not enforced\n");
                if (g->srawcon || g->trawcon)
                        fprintf(out, "   raw:       %s%s%s\n", g->srawcon ? g->srawcon : "",
                                g->srawcon && g->trawcon ? " → " : "",
                                g->trawcon ? g->trawcon : "");
                fprintf(out, "   verdict:   %s: %s\n", explain_verdict_to_string(g->verdict),
                        g->reason ? g->reason : "");
                if (g->constraint)
                        fprintf(out, "   constraint: %s\n", g->constraint);
                for (size_t b = 0; b < g->n_booleans; b++)
                        fprintf(out, "   boolean:   setsebool -P %s %s\n", g->booleans[b].name,
                                g->booleans[b].value ? "on" : "off");
                if (g->fix && g->verdict != EXPLAIN_VERDICT_BOOLEAN)
                        fprintf(out, "   fix:       %s\n", g->fix);
                if (g->label_advice)
                        fprintf(out, "   label:     %s\n", g->label_advice);
                if (g->rule_te)
                        fprintf(out, "   rule:      %s\n   cil:       %s\n", g->rule_te,
                                g->rule_cil ? g->rule_cil : "");
                STRV_FOREACH (f, g->interfaces)
                        fprintf(out, "   interface: %s\n", *f);
                fprintf(out, "\n");
        }
}

static void json_str(FILE *out, const char *s)
{
        if (!s) {
                fputs("null", out);
                return;
        }
        fputc('"', out);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(out, "\\%c", *p);
                else if (*p == '\n')
                        fputs("\\n", out);
                else if (*p == '\t')
                        fputs("\\t", out);
                else if (*p < 0x20)
                        fprintf(out, "\\u%04x", *p);
                else
                        fputc(*p, out);
        }
        fputc('"', out);
}

static void json_strv(FILE *out, char **v)
{
        fputc('[', out);
        STRV_FOREACH (s, v) {
                if (s != v)
                        fputc(',', out);
                json_str(out, *s);
        }
        fputc(']', out);
}

/* One member of a JSON object, for json_object(): the key and a typed
 * value, so that a group is written from one table. */
enum json_kind {
        JSON_STRING,   /* s; NULL is null */
        JSON_STRINGS,  /* v, NULL-terminated; NULL is [] */
        JSON_BOOL,     /* b */
        JSON_UINT,     /* u */
        JSON_INT,      /* i */
        JSON_BOOLEANS, /* booleans/n_booleans: [{"name":…,"value":…},…] */
};

struct json_member {
        const char *key;
        enum json_kind kind;
        union {
                const char *s;
                char **v;
                bool b;
                unsigned long long u;
                long long i;
                struct {
                        const struct explain_boolean *booleans;
                        size_t n_booleans;
                };
        };
};

static void json_object(FILE *out, const struct json_member *m, size_t n)
{
        fputc('{', out);
        for (size_t k = 0; k < n; k++) {
                fprintf(out, "%s\"%s\":", k ? "," : "", m[k].key);
                switch (m[k].kind) {
                case JSON_STRING:
                        json_str(out, m[k].s);
                        break;
                case JSON_STRINGS:
                        json_strv(out, m[k].v);
                        break;
                case JSON_BOOL:
                        fputs(m[k].b ? "true" : "false", out);
                        break;
                case JSON_UINT:
                        fprintf(out, "%llu", m[k].u);
                        break;
                case JSON_INT:
                        fprintf(out, "%lld", m[k].i);
                        break;
                case JSON_BOOLEANS:
                        fputc('[', out);
                        for (size_t b = 0; b < m[k].n_booleans; b++) {
                                const struct explain_boolean *eb = &m[k].booleans[b];
                                const struct json_member bm[] = {
                                        {"name", JSON_STRING, .s = eb->name},
                                        {"value", JSON_BOOL, .b = eb->value},
                                };
                                if (b)
                                        fputc(',', out);
                                json_object(out, bm, ELEMENTSOF(bm));
                        }
                        fputc(']', out);
                        break;
                }
        }
        fputc('}', out);
}

static void print_json(struct explain *x, FILE *out)
{
        fputs("[\n", out);
        for (size_t i = 0; i < explain_n_groups(x); i++) {
                const struct explain_group *g = explain_get_group(x, i);
                char sb[256], tb[256];
                const struct json_member members[] = {
                        {"unit", JSON_STRING, .s = g->unit},
                        {"unit_method", JSON_STRING,
                         .s = explain_unit_method_to_string(g->unit_method)},
                        {"kind", JSON_STRING, .s = avc_kind_to_string(g->kind)},
                        {"user_avc", JSON_BOOL, .b = g->user_avc},
                        {"domain", JSON_STRING,
                         .s = explain_context_type(g->scontext, sb, sizeof(sb))},
                        {"target", JSON_STRING,
                         .s = explain_context_type(g->tcontext, tb, sizeof(tb))},
                        {"scontext", JSON_STRING, .s = g->scontext},
                        {"tcontext", JSON_STRING, .s = g->tcontext},
                        {"tclass", JSON_STRING, .s = g->tclass},
                        {"perms", JSON_STRINGS, .v = g->perms},
                        {"count", JSON_UINT, .u = g->count},
                        {"first_usec", JSON_UINT, .u = g->first_usec},
                        {"last_usec", JSON_UINT, .u = g->last_usec},
                        {"permissive", JSON_BOOL, .b = g->permissive},
                        {"pid", JSON_INT, .i = g->pid},
                        {"comm", JSON_STRING, .s = g->comm},
                        {"exe", JSON_STRING, .s = g->exe},
                        {"path", JSON_STRING, .s = g->path},
                        {"name", JSON_STRING, .s = g->name},
                        {"srawcon", JSON_STRING, .s = g->srawcon},
                        {"trawcon", JSON_STRING, .s = g->trawcon},
                        {"detail", JSON_STRING, .s = g->detail},
                        {"verdict", JSON_STRING, .s = explain_verdict_to_string(g->verdict)},
                        {"reason", JSON_STRING, .s = g->reason},
                        {"constraint", JSON_STRING, .s = g->constraint},
                        {"booleans", JSON_BOOLEANS, .booleans = g->booleans,
                         .n_booleans = g->n_booleans},
                        {"fix", JSON_STRING, .s = g->fix},
                        {"rule_te", JSON_STRING, .s = g->rule_te},
                        {"rule_cil", JSON_STRING, .s = g->rule_cil},
                        {"label_advice", JSON_STRING, .s = g->label_advice},
                        {"interfaces", JSON_STRINGS, .v = g->interfaces},
                };
                fputs(i ? ",\n  " : "  ", out);
                json_object(out, members, ELEMENTSOF(members));
        }
        fputs("\n]\n", out);
}

/* Where sd_journal_send() writes. */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* One summary entry for a group (MESSAGE_ID explained by the catalog). */
static int log_group(const struct journal_dl *dl, const struct explain_group *g)
{
        char sb[256], tb[256];
        _cleanup_free_ char *perms = perms_text(g);
        return dl->send(
                "MESSAGE_ID=" PLANET_MESSAGE_DENIALS_SUMMARY_STR,
                "MESSAGE=%s: %s denied %s on %s:%s %zu times: %s",
                g->unit ? g->unit : "unknown unit",
                explain_context_type(g->scontext, sb, sizeof(sb)), perms ? perms : "",
                explain_context_type(g->tcontext, tb, sizeof(tb)), g->tclass, g->count,
                g->reason ? g->reason : explain_verdict_to_string(g->verdict), "PRIORITY=4",
                PLANET_FIELD_UNIT "=%s", g->unit ? g->unit : "", "SCONTEXT=%s", g->scontext,
                "TCONTEXT=%s", g->tcontext, "TCLASS=%s", g->tclass, "PERMS=%s", perms ? perms : "",
                "COUNT=%zu", g->count, "VERDICT=%s", explain_verdict_to_string(g->verdict),
                "RULE=%s", g->rule_te ? g->rule_te : "", NULL);
}

/* --log for the groups at indexes. A failure (no journald to talk to) is
 * an error naming the socket: the output went out, the entries did not. */
static int log_groups(const struct journal_dl *dl, struct explain *x, const size_t *indexes, size_t n,
                      struct planet_error *err)
{
        for (size_t k = 0; k < n; k++) {
                int r = log_group(dl, explain_get_group(x, indexes[k]));
                if (r < 0)
                        return planet_error_set(err, -r,
                                                "--log: cannot send to the journal: %s: %s "
                                                "(is systemd-journald running?)",
                                                JOURNAL_SOCKET, strerror(-r));
        }
        return 0;
}

/* ---- follow ------------------------------------------------------------ */

struct follow_state {
        struct explain *x;
        struct iface_index *idx;      /* NULL: no interface suggestions */
        const struct journal_dl *log; /* --log: each new group to the journal too; else NULL */
        struct planet_error *log_err; /* where a --log failure, which ends --follow, goes */
};

static int follow_start(const struct journal_start *s, void *userdata)
{
        struct follow_state *fs = userdata;
        return explain_start(s, fs->x);
}

static int follow_idle(void *userdata)
{
        struct follow_state *s = userdata;
        struct planet_error err = {0};
        int r = explain_finish(s->x, &err);
        if (r < 0) {
                planet_error_print(&err, "planet-selinux denials");
                planet_error_clear(&err);
                return r;
        }
        if (s->idx && (r = explain_suggest_interfaces(s->x, s->idx, SUGGESTIONS, &err)) < 0) {
                planet_error_print(&err, "planet-selinux denials");
                planet_error_clear(&err);
        }
        _cleanup_free_ size_t *idx = NULL;
        size_t n = explain_take_new(s->x, &idx);
        for (size_t k = 0; k < n; k++) {
                struct explain_group *g = explain_get_group(s->x, idx[k]);
                char sb[256], tb[256], last[32], fb[256];
                fmt_time(g->last_usec, last, sizeof(last));
                _cleanup_free_ char *perms = perms_text(g);
                printf("%s %s %s %s:%s %s ×%zu %s — %s\n", last, g->unit ? g->unit : "unknown",
                       explain_context_type(g->scontext, sb, sizeof(sb)),
                       explain_context_type(g->tcontext, tb, sizeof(tb)), g->tclass,
                       perms ? perms : "", g->count, explain_verdict_to_string(g->verdict),
                       short_fix(g, idx[k], fb, sizeof(fb)));
        }
        fflush(stdout);
        /* A failure ends --follow: the entries asked for cannot be sent. */
        return s->log ? log_groups(s->log, s->x, idx, n, s->log_err) : 0;
}

/* ---- main -------------------------------------------------------------- */

static const char *const prog = "planet-selinux denials";

static int open_policy(const struct args *a, const char *policy, struct label_backend **ret,
                       struct planet_error *err)
{
        /* Rules-only output needs the policy just to leave out what it does
         * not know (types, roles, users, levels, classes, permissions): its
         * symbol tables, without the rules that make up most of its size.
         * file_contexts only serves label advice, which it does not print. */
        if (a->format == OUT_TE || a->format == OUT_CIL)
                return label_backend_open_offline_symbols(ret, policy, err);
        _cleanup_free_ char *fc =
                a->file_contexts ? strdup(a->file_contexts) : file_contexts_beside(policy);
        return label_backend_open_offline(ret, policy, fc, err);
}

static void load_interfaces(const struct args *a, struct iface_index **ret)
{
        struct planet_error err = {0};
        int r = iface_index_load_flags(a->include, IFACE_LOAD_DEFINITIONS_ONLY, ret, &err);
        if (r < 0) {
                /* Verdicts and rules stand on their own: say why interfaces
                 * are missing and go on. */
                fprintf(stderr, "%s: no interface suggestions: %s\n", prog,
                        err.msg ? err.msg : strerror(-r));
                planet_error_clear(&err);
        }
}

/* Returns the number of malformed records (>= 0), or -errno with err set. */
static int run(const struct args *ap, struct planet_error *errp)
{
        const struct args a = *ap;
        char **files = a.files, **unit_dirs = a.unit_dirs;
#define err (*errp)
        int r;

        uint64_t since = 0;
        if (a.since) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                r = journal_parse_since(
                        a.since, (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000,
                        &since, &err);
                if (r < 0)
                        return r;
        }
        char boot[33];
        if (a.boot_set && (r = journal_parse_boot(a.boot, boot, &err)) < 0)
                return r;
        /* Asked to log: say so before reading anything when there is no
         * journald to log to (sd_journal_send() would drop the entries
         * silently, returning success). */
        if (a.log && access(JOURNAL_SOCKET, W_OK) < 0)
                return planet_error_set(&err, errno,
                                        "--log: cannot send to the journal: %s: %m (is "
                                        "systemd-journald running?)",
                                        JOURNAL_SOCKET);
        _cleanup_(journal_dl_close) struct journal_dl log_dl = {0};
        if (a.log && (r = journal_dl_open(&log_dl, &err)) < 0)
                return r;

        /* The policy: only the rule formats can do without it. It is read
         * after the input (except with --follow, which explains as it
         * reads), so that the policy (~12 MiB in libsepol) and the input's
         * duplicate table are never in memory together; a missing file
         * still fails before any reading. */
        _cleanup_label_backend_ struct label_backend *backend = NULL;
        _cleanup_free_ char *policy = a.policy ? strdup(a.policy) : find_policy();
        bool want_policy = a.format == OUT_TABLE || a.format == OUT_JSON || a.policy;
        if (want_policy && policy) {
                if (access(policy, R_OK) < 0)
                        return planet_error_set(&err, errno,
                                                "cannot read policy %s: %m (a compiled policy "
                                                "such as /etc/selinux/default/policy/policy.33)",
                                                policy);
                if (a.follow && (r = open_policy(&a, policy, &backend, &err)) < 0)
                        return r;
        } else if (want_policy)
                fprintf(stderr,
                        "%s: no policy found (no /sys/fs/selinux/policy, no %s.N): "
                        "verdicts are unknown; give --policy FILE\n",
                        prog,
                        selinux_binary_policy_path() ? selinux_binary_policy_path() : "policy");

        /* Rules merge across units: without --unit, rules-only output need
         * not look for them in /proc and drop-ins. */
        bool want_units = a.format == OUT_TABLE || a.format == OUT_JSON || a.unit;
        char *no_dirs[] = {NULL};
        struct explain_options xo = {
                .backend = backend,
                .unit_dirs = want_units ? unit_dirs : no_dirs,
                .proc_root = a.no_proc || !want_units     ? NULL
                             : a.proc_root                ? a.proc_root
                             : (a.n_directories || a.n_files) ? NULL
                                                          : "/proc",
                .only_unit = a.unit,
                .only_domain = a.domain,
        };
        _cleanup_explain_ struct explain *x = NULL;
        if ((r = explain_new(&x, &xo)) < 0)
                return planet_error_set(&err, ENOMEM, "out of memory");
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        if ((r = avc_grouper_new(&g, 0, explain_event, x)) < 0)
                return planet_error_set(&err, ENOMEM, "out of memory");

        _cleanup_iface_index_ struct iface_index *idx = NULL;
        bool want_interfaces = !a.no_interfaces && (a.format == OUT_TABLE || a.format == OUT_JSON);
        if (want_interfaces && a.follow)
                load_interfaces(&a, &idx);

        size_t malformed = 0;
        if (a.n_inputs) {
                for (size_t i = 0; i < a.n_inputs; i++) {
                        const char *name = a.inputs[i];
                        bool is_stdin = !strcmp(name, "-");
                        _cleanup_fclose_ FILE *f = is_stdin ? NULL : fopen(name, "re");
                        if (!is_stdin && !f) {
                                return planet_error_set(&err, errno,
                                                        "cannot open %s: %m (give an audit.log, "
                                                        "dmesg or journalctl text file, or '-')",
                                                        name);
                        }
                        size_t m = 0;
                        r = journal_read_text(is_stdin ? stdin : f, is_stdin ? "stdin" : name,
                                              since, g, stderr, &m, &err);
                        if (r < 0)
                                return r;
                        malformed += m;
                }
        } else {
                struct follow_state fs = {.x = x, .idx = idx, .log = a.log ? &log_dl : NULL, .log_err = errp};
                struct journal_read_options jo = {
                        .directories = a.directories,
                        .files = files,
                        .since_usec = since,
                        .boot_id = a.boot_set ? boot : NULL,
                        .follow = a.follow,
                };
                struct journal_read_callbacks cb = {
                        .start = follow_start,
                        .idle = a.follow ? follow_idle : NULL,
                        .userdata = &fs,
                };
                r = journal_read(&jo, g, &cb, &malformed, &err);
                if (r < 0)
                        return r;
        }
        if (malformed)
                fprintf(stderr, "%s: %zu record%s could not be parsed (see above)\n", prog,
                        malformed, malformed == 1 ? "" : "s");
        /* The duplicate table holds every record's key: done with it. */
        avc_grouper_free(TAKE_PTR(g));

        if (want_policy && policy && !backend) {
                if ((r = open_policy(&a, policy, &backend, &err)) < 0)
                        return r;
                explain_set_backend(x, backend);
        }
        if ((r = explain_finish(x, &err)) < 0)
                return r;
        if (want_interfaces && !idx) {
                /* Verdicts are done: keep the attributes suggestions need
                 * and free the policy before the interface index grows. */
                if (explain_detach_policy(x) >= 0)
                        label_backend_free(TAKE_PTR(backend));
                load_interfaces(&a, &idx);
        }
        if (idx && (r = explain_suggest_interfaces(x, idx, SUGGESTIONS, &err)) < 0) {
                /* Verdicts and rules stand without them. */
                planet_error_print(&err, prog);
                planet_error_clear(&err);
        }

        switch (a.format) {
        case OUT_TABLE:
                print_table(x, stdout);
                break;
        case OUT_JSON:
                print_json(x, stdout);
                break;
        case OUT_TE:
        case OUT_CIL:
                if ((r = explain_write_rules(x, a.format == OUT_CIL, stdout)) < 0)
                        return planet_error_set(&err, ENOMEM, "out of memory");
                break;
        }
        if (a.log) {
                /* With --follow, only what was not logged while following. */
                _cleanup_free_ size_t *fresh = NULL;
                size_t n = explain_take_new(x, &fresh);
                if ((r = log_groups(&log_dl, x, fresh, n, &err)) < 0)
                        return r;
        }
        if (fflush(stdout) != 0)
                return planet_error_set(&err, errno, "cannot write the output: %m");
        return malformed > INT32_MAX ? INT32_MAX : (int) malformed;
#undef err
}

int cmd_denials(int argc, char **argv)
{
        _cleanup_(args_done) struct args a = {0};
        int ret = parse_args(argc, argv, &a);
        if (ret >= 0)
                return ret;
        struct planet_error err = {0};
        int r = run(&a, &err);
        if (r < 0) {
                planet_error_print(&err, prog);
                planet_error_clear(&err);
                return 1;
        }
        /* Malformed records were reported and the rest explained; the status
         * says the input was not clean. */
        return r > 0 ? 1 : 0;
}
