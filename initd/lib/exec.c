/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "exec.h"
#include "fileio.h"
#include "journal.h"
#include "string-util.h"

const char *exec_verdict_to_string(enum exec_verdict v)
{
        switch (v) {
        case EXEC_VERDICT_LABELED:
                return "labeled";
        case EXEC_VERDICT_IN_PLACE:
                return "in-place";
        case EXEC_VERDICT_UNLABELED:
                return "unlabeled";
        case EXEC_VERDICT_REFUSED:
                return "refused";
        }
        return "unknown";
}

void exec_plan_done(struct exec_plan *p)
{
        if (!p)
                return;
        free(p->path);
        free(p->file_context);
        free(p->source_context);
        free(p->exec_context);
        free(p->missing_rules);
        free(p->note);
        *p = (struct exec_plan){0};
}

bool exec_domain_matches(const char *wanted, const char *ctx)
{
        if (!wanted || !ctx)
                return false;
        if (strchr(wanted, ':'))
                return streq(wanted, ctx);
        _cleanup_free_ char *t = NULL;
        return label_context_type(ctx, &t) >= 0 && streq(t, wanted);
}

static char *type_of(const char *ctx)
{
        char *t = NULL;
        if (!ctx || label_context_type(ctx, &t) < 0)
                return strdup(ctx ? ctx : "?");
        return t;
}

static void set_note(struct exec_plan *p, const char *fmt, ...) _printf_(2, 3);
static void set_note(struct exec_plan *p, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(p->note);
        if (vasprintf(&p->note, fmt, ap) < 0)
                p->note = NULL;
        va_end(ap);
}

/* A note without formatting: the common notes are fixed sentences, and
 * vasprintf would bring printf's pages into every start (string-util.h). */
static void set_note_text(struct exec_plan *p, const char *text)
{
        free(p->note);
        p->note = strdup(text);
}

static int refuse(struct exec_plan *p, struct planet_error *err, int errnum, const char *fmt, ...)
        _printf_(4, 5) _cold_;
static int refuse(struct exec_plan *p, struct planet_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        p->verdict = EXEC_VERDICT_REFUSED;
        int r = planet_error_setv(err, errnum, fmt, ap);
        va_end(ap);
        return r;
}

/* Is path (inside root) on a mount with nosuid? The kernel then checks
 * process2 nosuid_transition for a domain change. Unknown counts as no:
 * the kernel still decides, only the explanation would be missing. */
static bool on_nosuid_mount(const char *root, const char *path)
{
        _cleanup_free_ char *full = label_path_in_root(root, path);
        struct statfs sf;
        unsigned long flags;
        return full && statfs(full, &sf) >= 0 && statfs_mount_flags(full, &sf, &flags) >= 0 &&
               (flags & ST_NOSUID);
}

/* Check every rule an exec of file into domain needs; refuse (enforcing) or
 * note (permissive) what is missing. */
static int check_transition(struct label_backend *b, const struct exec_request *req,
                            struct exec_plan *p, const char *domain, struct planet_error *err)
{
        struct label_transition_check c;
        p->nosuid_mount = on_nosuid_mount(req->root, p->path);
        unsigned constraints = (req->no_new_privs ? LABEL_EXEC_NNP : 0) |
                               (p->nosuid_mount ? LABEL_EXEC_NOSUID : 0);
        int r = label_check_transition(b, p->source_context, domain, p->file_context, constraints,
                                       &c, err);
        if (r < 0)
                return r;
        if (label_transition_permitted(&c, constraints))
                return 0;

        p->missing_rules = label_transition_missing_rules(&c, p->source_context, domain,
                                                          p->file_context, constraints);
        _cleanup_free_ char *dt = type_of(domain);
        const char *rules = p->missing_rules ? p->missing_rules : "(unknown)\n";
        /* Only what no_new_privs or nosuid adds is missing. */
        bool only_process2 = constraints && label_transition_permitted(&c, 0);

        if (p->mode == LABEL_SELINUX_PERMISSIVE) {
                set_note(p,
                         "SELinux is permissive: %s would be refused in enforcing mode; "
                         "missing: %.*s",
                         p->path, (int) strcspn(rules, "\n"), rules);
                return 0;
        }
        if (only_process2 && !(constraints & LABEL_EXEC_NOSUID))
                return refuse(p, err, EPERM,
                              "%s: this unit runs with NoNewPrivileges (no_new_privs is set), and "
                              "the kernel only lets such a process change domain when the policy "
                              "allows it: missing\n  %s"
                              "Either drop NoNewPrivileges=yes (and anything implying it) from "
                              "the unit, or add that rule (or make %s bounded by the wrapper's "
                              "domain with typebounds). Without it exec fails with a bare EPERM.",
                              p->path, rules, dt);
        if (only_process2)
                return refuse(p, err, EPERM,
                              "%s lies on a filesystem mounted nosuid%s, and the kernel only lets "
                              "a process change domain executing from there when the policy "
                              "allows it: missing\n  %s"
                              "Either move the binary to (or remount) a filesystem without "
                              "nosuid, or add the rule%s (or make %s bounded by the wrapper's "
                              "domain with typebounds). Without it exec fails with a bare "
                              "EACCES or EPERM.",
                              p->path,
                              req->no_new_privs ? ", and this unit runs with NoNewPrivileges" : "",
                              rules, req->no_new_privs ? "s" : "", dt);
        return refuse(p, err, EPERM,
                      "%s (%s) may not be started in %s from %s: the policy lacks\n  %s"
                      "Add the rules (domtrans_pattern or domain_transition_pattern in the "
                      "module that owns %s) and reload the policy.",
                      p->path, p->file_context, dt, p->source_context, rules, dt);
}

/* No transition: the binary would run in our own domain. */
static int decide_no_transition(struct label_backend *b, const struct exec_request *req,
                                struct exec_plan *p, struct planet_error *err)
{
        _cleanup_free_ char *st = type_of(p->source_context), *ft = type_of(p->file_context);
        bool gravity = false;
        _cleanup_error_ struct planet_error merr = {0};
        int r = label_check_access(b, p->source_context, p->file_context, EXEC_GRAVITY_MARKER_CLASS,
                                   EXEC_GRAVITY_MARKER_PERM, &gravity, &merr);
        if (r < 0)
                /* We cannot tell whether it is a gravity executable type:
                 * assume it is, never run it unconfined by mistake. */
                gravity = true;

        if (gravity && p->mode == LABEL_SELINUX_ENFORCING)
                return refuse(p, err, EPERM,
                              "%s is a gravity executable (%s) but the policy defines no "
                              "transition for %s executing it, so it would run in %s. The module "
                              "is missing domtrans_pattern(%s, %s, <its domain>); fix the policy "
                              "(refusing rather than running it unconfined).%s%s",
                              p->path, ft, st, st, st, ft,
                              r < 0 ? " The check itself failed: " : "",
                              r < 0 && merr.msg ? merr.msg : "");
        if (req->expect_domain)
                return refuse(p, err, EPERM,
                              "policy drift: this unit's drop-in expects %s for %s (%s), but the "
                              "loaded policy defines no transition for %s executing it. "
                              "Regenerate the drop-ins (planet-selinux generate) or fix the "
                              "policy.",
                              req->expect_domain, p->path, ft, st);
        if (!req->allow_no_transition && p->mode == LABEL_SELINUX_ENFORCING)
                return refuse(p, err, EPERM,
                              "%s (%s) would run in planet-initd's own domain %s: the policy "
                              "defines no transition for it. Add domtrans_pattern(%s, %s, "
                              "<domain>) to the policy, or pass --allow-no-transition to run it "
                              "there deliberately.",
                              p->path, ft, st, st, ft);
        p->verdict = EXEC_VERDICT_IN_PLACE;
        p->how = "in-place";
        if (p->mode == LABEL_SELINUX_PERMISSIVE)
                set_note(p,
                         "SELinux is permissive: %s (%s) has no transition from %s and runs "
                         "in it (enforcing would refuse%s)",
                         p->path, ft, st,
                         gravity ? ": a gravity executable" : " unless --allow-no-transition");
        else
                set_note(p, "%s (%s) runs in %s: no transition, --allow-no-transition", p->path, ft,
                         st);
        return 0;
}

int exec_decide(struct label_backend *b, const struct exec_request *req, struct exec_plan *ret,
                struct planet_error *err)
{
        struct exec_plan p = {.mode = label_backend_get_mode(b), .verdict = EXEC_VERDICT_REFUSED};
        struct label_exec_domain d = {0};
        int r;

#define DONE(x)                                                                                    \
        do {                                                                                       \
                r = (x);                                                                           \
                goto done;                                                                         \
        } while (0)

        if (!req->binary || !*req->binary)
                DONE(refuse(&p, err, EINVAL, "no binary to run: give one after --"));

        if (req->domain && req->expect_domain) {
                /* Both given: they must name the same domain; a type matches
                 * the type of a full context. */
                bool agree =
                        strchr(req->domain, ':')
                                ? exec_domain_matches(req->expect_domain, req->domain)
                                : (strchr(req->expect_domain, ':')
                                           ? exec_domain_matches(req->domain, req->expect_domain)
                                           : streq(req->domain, req->expect_domain));
                if (!agree)
                        DONE(refuse(&p, err, EINVAL,
                                    "--domain %s and --expect-domain %s disagree: give one, or "
                                    "make them name the same domain",
                                    req->domain, req->expect_domain));
        }

        if (p.mode == LABEL_SELINUX_DISABLED) {
                _cleanup_error_ struct planet_error rerr = {0};
                if (req->require_selinux)
                        DONE(refuse(&p, err, EPERM,
                                    "SELinux is disabled (or selinuxfs is not mounted read-write "
                                    "here) and --require-selinux was given: refusing to run %s "
                                    "unconfined. Boot with SELinux enabled, or bind "
                                    "/sys/fs/selinux into the container.",
                                    req->binary));
                r = label_resolve_exec_path(req->binary, req->root, NULL, &p.path, &rerr);
                if (r < 0)
                        DONE(refuse(&p, err, -r, "%s", rerr.msg ? rerr.msg : req->binary));
                p.verdict = EXEC_VERDICT_UNLABELED;
                p.how = "unlabeled";
                set_note_text(&p, "SELinux is disabled: services run unlabeled");
                DONE(0);
        }

        r = label_compute_exec_domain(b, req->source_context, req->binary, req->root, &d, err);
        if (r < 0) {
                p.verdict = EXEC_VERDICT_REFUSED;
                DONE(r);
        }
        p.path = TAKE_PTR(d.path);
        p.file_context = TAKE_PTR(d.file_context);
        p.source_context = TAKE_PTR(d.source_context);

        switch (d.result) {
        case LABEL_RESULT_PATH_MISSING:
                DONE(refuse(&p, err, ENOENT, "%s", d.reason ? d.reason : req->binary));
        case LABEL_RESULT_UNLABELED:
                if (p.mode == LABEL_SELINUX_PERMISSIVE) {
                        p.verdict = EXEC_VERDICT_IN_PLACE;
                        p.how = "in-place";
                        set_note(&p, "SELinux is permissive: %s", d.reason);
                        DONE(0);
                }
                DONE(refuse(&p, err, EPERM, "%s", d.reason ? d.reason : "binary is unlabeled"));
        case LABEL_RESULT_INVALID:
                DONE(refuse(&p, err, EINVAL, "%s", d.reason ? d.reason : "invalid context"));
        case LABEL_RESULT_TRANSITION:
        case LABEL_RESULT_NO_TRANSITION:
                break;
        }

        if (req->domain) {
                _cleanup_free_ char *ctx = NULL;
                if (strchr(req->domain, ':'))
                        ctx = strdup(req->domain);
                else if (label_context_with_type(p.source_context, req->domain, &ctx) < 0)
                        DONE(refuse(&p, err, EINVAL, "--domain %s is not a type name",
                                    req->domain));
                if (!ctx)
                        DONE(-ENOMEM);
                _cleanup_error_ struct planet_error cerr = {0};
                if (label_check_context(b, ctx, &cerr) < 0)
                        DONE(refuse(&p, err, EINVAL,
                                    "--domain %s: %s is not a valid context in the policy "
                                    "(no such type, or the role may not have it)",
                                    req->domain, ctx));
                r = check_transition(b, req, &p, ctx, err);
                if (r < 0)
                        DONE(r);
                p.exec_context = TAKE_PTR(ctx);
                p.verdict = EXEC_VERDICT_LABELED;
                p.how = "explicit";
                DONE(0);
        }

        if (d.result == LABEL_RESULT_TRANSITION) {
                if (req->expect_domain && !exec_domain_matches(req->expect_domain, d.domain))
                        DONE(refuse(&p, err, EPERM,
                                    "policy drift: %s (%s) runs in %s under the loaded policy, "
                                    "but this unit's drop-in expects %s. Regenerate the drop-ins "
                                    "(planet-selinux generate) or fix the policy.",
                                    p.path, p.file_context, d.domain, req->expect_domain));
                if (req->kernel_checks_permissions && p.mode == LABEL_SELINUX_ENFORCING)
                        p.permissions_unchecked = true;
                else if ((r = check_transition(b, req, &p, d.domain, err)) < 0)
                        DONE(r);
                p.exec_context = TAKE_PTR(d.domain);
                p.verdict = EXEC_VERDICT_LABELED;
                p.how = "automatic";
                DONE(0);
        }

        r = decide_no_transition(b, req, &p, err);
done:
#undef DONE
        label_exec_domain_done(&d);
        *ret = p;
        return r;
}

int exec_explain_failure(struct label_backend *b, const struct exec_request *req,
                         struct exec_plan *p, int exec_errno, struct planet_error *err)
{
        const char *in = p->exec_context ? " in " : "";
        const char *domain = p->exec_context ? p->exec_context : "";
        bool asked = !p->permissions_unchecked;

        if (!asked && p->exec_context && (exec_errno == EACCES || exec_errno == EPERM)) {
                /* What exec_decide left to the kernel; a refusal from here
                 * is the one the check before exec would have made. */
                p->permissions_unchecked = false;
                int r = check_transition(b, req, p, p->exec_context, err);
                if (r < 0)
                        return r;
                asked = true;
        }
        /* A labeled exec whose rules are all there (asked before or now). */
        if (asked && p->exec_context && (exec_errno == EACCES || exec_errno == EPERM))
                return refuse(p, err, exec_errno,
                              "cannot execute %s%s%s: %s. The transition's rules are all in the "
                              "policy, so something else refused: the file's mode or ACL, a "
                              "mount with noexec, or an SELinux check on an interpreter or "
                              "library (the audit log names it)",
                              p->path, in, domain, strerror(exec_errno));
        return refuse(p, err, exec_errno, "cannot execute %s%s%s: %s", p->path, in, domain,
                      strerror(exec_errno));
}

int exec_plan_message(const struct exec_plan *p, const struct exec_request *req,
                      const struct planet_error *refusal, char **ret)
{
        _cleanup_free_ char *domain_type = NULL;
        const char *domain = p->exec_context ? p->exec_context : p->source_context;
        const char *exe = p->path ? p->path : req->binary;
        char *message;

        domain_type = domain ? type_of(domain) : NULL;
        /* Joined, not formatted: every start says this (string-util.h). */
        if (refusal)
                message = strjoin("refused to start ", exe, ": ",
                                  refusal->msg ? refusal->msg : strerror(refusal->errnum));
        else if (p->verdict == EXEC_VERDICT_UNLABELED)
                message = strjoin("starting ", exe, " unlabeled (SELinux disabled)");
        else
                message =
                        strjoin("starting ", exe, " in ", domain_type ? domain_type : "?", " (",
                                p->how ? p->how : "?", ", ", label_selinux_mode_to_string(p->mode),
                                ")", p->note ? ": " : "", p->note ? p->note : "");
        if (!message)
                return -ENOMEM;
        *ret = message;
        return 0;
}

int exec_plan_log(const struct exec_plan *p, const struct exec_request *req, const char *mode,
                  const char *unit, pid_t service_pid, const struct planet_error *refusal,
                  const char *journal_socket)
{
        _cleanup_free_ char *message = NULL;
        char errno_buf[DECIMAL_U64_MAX], pid_buf[DECIMAL_U64_MAX];
        const char *domain = p->exec_context ? p->exec_context : p->source_context;
        const char *exe = p->path ? p->path : req->binary;
        const char *errno_s = refusal && refusal->errnum >= 0
                                      ? format_u64(errno_buf, (uint64_t) refusal->errnum)
                                      : NULL;
        const char *pid_s = service_pid > 0 ? format_u64(pid_buf, (uint64_t) service_pid) : NULL;
        int r;

        r = exec_plan_message(p, req, refusal, &message);
        if (r < 0)
                return r;

        const struct journal_field fields[] = {
                {"MESSAGE", message},
                {"MESSAGE_ID", refusal ? EXEC_MESSAGE_ID_REFUSED : EXEC_MESSAGE_ID_START},
                {"PRIORITY", refusal   ? "3"
                             : p->note ? "5"
                                       : "6"},
                {"SYSLOG_IDENTIFIER", "planet-initd"},
                {"UNIT", unit},
                {"EXE", exe},
                {"FILE_CONTEXT", p->file_context},
                {"DOMAIN", p->verdict == EXEC_VERDICT_UNLABELED ? NULL : domain},
                {"SOURCE_CONTEXT", p->source_context},
                {"MODE", mode},
                {"ENFORCING", p->mode == LABEL_SELINUX_ENFORCING ? "1" : "0"},
                {"SELINUX_MODE", label_selinux_mode_to_string(p->mode)},
                {"HOW", p->how},
                {"VERDICT", exec_verdict_to_string(p->verdict)},
                {"EXPECTED_DOMAIN", req->expect_domain},
                {"REQUESTED_DOMAIN", req->domain},
                {"NO_NEW_PRIVS", req->no_new_privs ? "1" : "0"},
                {"NOSUID_MOUNT", p->nosuid_mount ? "1" : NULL},
                {"NOTE", p->note},
                {"REASON", refusal ? refusal->msg : NULL},
                {"MISSING_RULES", p->missing_rules},
                {"ERRNO", errno_s},
                {"SERVICE_PID", pid_s},
        };
        return journal_send(journal_socket, fields, ELEMENTSOF(fields));
}

int exec_log_selinux_disabled(const char *unit, const char *journal_socket)
{
        const struct journal_field fields[] = {
                {"MESSAGE", "SELinux is disabled: planet-initd runs services unlabeled "
                            "(pass --require-selinux to refuse instead); said once per boot"},
                {"MESSAGE_ID", EXEC_MESSAGE_ID_SELINUX_DISABLED},
                {"PRIORITY", "4"},
                {"SYSLOG_IDENTIFIER", "planet-initd"},
                {"UNIT", unit},
                {"SELINUX_MODE", "disabled"},
        };
        return journal_send(journal_socket, fields, ELEMENTSOF(fields));
}
