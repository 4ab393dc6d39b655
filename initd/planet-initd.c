/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-initd: the ExecStart= wrapper. Decides the service's SELinux domain
 * with the kernel (exec.h), logs the decision to the journal, then either
 * becomes the service (exec mode: setexeccon + execv, same PID) or supervises
 * it (--supervise). A thin main: the work is in initd/lib. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "exec.h"
#include "journal.h"
#include "label.h"
#include "macro.h"
#include "probe.h"
#include "selinuxfs.h"
#include "string-util.h"
#include "supervise.h"

#define PROG "planet-initd"
/* Exit statuses of our own (the service's are passed through). */
#define EXIT_USAGE 2
#define EXIT_REFUSED 77 /* sysexits' EX_NOPERM: the policy says no */
/* Once per boot: the SELinux-disabled notice. */
#define DISABLED_STAMP_DIR "/run/planet-initd"
#define DISABLED_STAMP DISABLED_STAMP_DIR "/selinux-disabled-noted"

extern char **environ;

struct args {
        struct exec_request req;
        bool supervise;
        const char *ready, *watchdog_probe, *notify_socket;
        uint64_t ready_timeout_usec, probe_timeout_usec;
        char **argv;
};

static _cold_ void help(FILE *f)
{
        fprintf(f,
                "Usage: " PROG " [OPTIONS] -- BINARY [ARGS...]\n"
                "       " PROG " --supervise [--ready PROBE] [--watchdog-probe PROBE] [OPTIONS] -- "
                "BINARY [ARGS...]\n"
                "\n"
                "Start a unit's binary in the SELinux domain the loaded policy gives it.\n"
                "\n"
                "  --expect-domain D     the domain the drop-in was generated for (TYPE or\n"
                "                        full context); any other answer is policy drift: refused\n"
                "  --domain D            run in this permitted, non-default domain (TYPE or\n"
                "                        context) instead of the automatic one\n"
                "  --require-selinux     refuse to run when SELinux is disabled\n"
                "  --allow-no-transition run in planet-initd's own domain when the policy has\n"
                "                        no transition (never for gravity executables)\n"
                "  --supervise           stay the main process: fork, relay sd_notify, forward\n"
                "                        signals, reap orphans, exit with the child's status\n"
                "  --ready PROBE         send READY=1 once PROBE passes (supervise)\n"
                "  --ready-timeout T     give up on --ready after T (default 90s), exit 124\n"
                "  --watchdog-probe P    send WATCHDOG=1 each WATCHDOG_USEC/2 while P passes\n"
                "  --probe-timeout T     bound one probe attempt (default 1s)\n"
                "  --notify-socket ADDR  the child's NOTIFY_SOCKET (path or @abstract; default\n"
                "                        a private abstract name)\n"
                "  -h, --help            this text\n"
                "      --version         the version\n"
                "\n"
                "PROBE: tcp:HOST:PORT, http://HOST[:PORT]/PATH (2xx), unix:PATH, file:PATH,\n"
                "exec:COMMAND. T: 500ms, 30s, 2min, … See planet-initd(8).\n");
}

/* The options, matched here rather than by getopt_long, which compares the
 * argument with every option name through strncmp (string-util.h says what
 * that costs). As getopt_long with "+": "--name value" or "--name=value",
 * "--" ends the options, and so does the first argument that is not one
 * (BINARY: its own options are the service's). Names are not abbreviated. */
enum {
        OPT_EXPECT = 1,
        OPT_DOMAIN,
        OPT_REQUIRE,
        OPT_ALLOW_NONE,
        OPT_SUPERVISE,
        OPT_READY,
        OPT_READY_TIMEOUT,
        OPT_WATCHDOG_PROBE,
        OPT_PROBE_TIMEOUT,
        OPT_NOTIFY_SOCKET,
        OPT_HELP,
        OPT_VERSION,
};
static const struct option_def {
        const char *name;
        int id;
        bool has_arg;
} option_defs[] = {
        {"expect-domain", OPT_EXPECT, true},
        {"domain", OPT_DOMAIN, true},
        {"require-selinux", OPT_REQUIRE, false},
        {"allow-no-transition", OPT_ALLOW_NONE, false},
        {"supervise", OPT_SUPERVISE, false},
        {"ready", OPT_READY, true},
        {"ready-timeout", OPT_READY_TIMEOUT, true},
        {"watchdog-probe", OPT_WATCHDOG_PROBE, true},
        {"probe-timeout", OPT_PROBE_TIMEOUT, true},
        {"notify-socket", OPT_NOTIFY_SOCKET, true},
        {"help", OPT_HELP, false},
        {"version", OPT_VERSION, false},
};

static _cold_ int usage_error(const char *arg, const char *why)
{
        fprintf(stderr, PROG ": %s: %s. Run '" PROG " --help' for the options.\n", arg, why);
        return -EINVAL;
}

/* The option argv[*i] names, its value taken from "=value" or argv[*i + 1]
 * (advancing *i); 0 when argv[*i] ends the options. */
static int next_option(int argc, char **argv, int *i, const char **ret_value)
{
        const char *arg = argv[*i];
        *ret_value = NULL;
        if (arg[0] != '-' || arg[1] == '\0')
                return 0;
        if (streq(arg, "-h"))
                return OPT_HELP;
        if (arg[1] != '-')
                return usage_error(arg, "unknown option");
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen(name);
        for (size_t k = 0; k < ELEMENTSOF(option_defs); k++) {
                const struct option_def *o = &option_defs[k];
                if (strlen(o->name) != len || !startswith_n(name, o->name, len))
                        continue;
                if (!o->has_arg && eq)
                        return usage_error(arg, "this option takes no value");
                if (o->has_arg && eq)
                        *ret_value = eq + 1;
                else if (o->has_arg && *i + 1 < argc)
                        *ret_value = argv[++*i];
                else if (o->has_arg)
                        return usage_error(arg, "this option needs a value");
                return o->id;
        }
        return usage_error(arg, "unknown option");
}

static int parse_args(int argc, char **argv, struct args *a)
{
        const char *value;
        int i, c;

        a->ready_timeout_usec = 90 * 1000000ull;
        a->probe_timeout_usec = 1000000ull;
        for (i = 1; i < argc; i++) {
                if (streq(argv[i], "--")) {
                        i++;
                        break;
                }
                c = next_option(argc, argv, &i, &value);
                if (c < 0)
                        return c;
                if (c == 0)
                        break;
                switch (c) {
                case OPT_EXPECT:
                        a->req.expect_domain = value;
                        break;
                case OPT_DOMAIN:
                        a->req.domain = value;
                        break;
                case OPT_REQUIRE:
                        a->req.require_selinux = true;
                        break;
                case OPT_ALLOW_NONE:
                        a->req.allow_no_transition = true;
                        break;
                case OPT_SUPERVISE:
                        a->supervise = true;
                        break;
                case OPT_READY:
                        a->ready = value;
                        break;
                case OPT_WATCHDOG_PROBE:
                        a->watchdog_probe = value;
                        break;
                case OPT_NOTIFY_SOCKET:
                        a->notify_socket = value;
                        break;
                case OPT_READY_TIMEOUT:
                case OPT_PROBE_TIMEOUT:
                        if (parse_duration_usec(value, c == OPT_READY_TIMEOUT
                                                               ? &a->ready_timeout_usec
                                                               : &a->probe_timeout_usec) < 0) {
                                fprintf(stderr,
                                        PROG ": %s '%s' is not a duration (e.g. 500ms, 30s, "
                                             "2min)\n",
                                        c == OPT_READY_TIMEOUT ? "--ready-timeout"
                                                               : "--probe-timeout",
                                        value);
                                return -EINVAL;
                        }
                        break;
                case OPT_HELP:
                        help(stdout);
                        exit(EXIT_SUCCESS);
                case OPT_VERSION:
                        printf(PROG " %s\n", PACKAGE_VERSION);
                        exit(EXIT_SUCCESS);
                }
        }
        if (i >= argc) {
                fprintf(stderr, PROG ": no binary given: " PROG " [OPTIONS] -- BINARY [ARGS...]\n");
                return -EINVAL;
        }
        if (!a->supervise && (a->ready || a->watchdog_probe || a->notify_socket)) {
                fprintf(stderr, PROG ": --ready, --watchdog-probe and --notify-socket need "
                                     "--supervise (in exec mode the binary is the main process "
                                     "and notifies systemd itself)\n");
                return -EINVAL;
        }
        a->argv = argv + i;
        a->req.binary = a->argv[0];
        return 0;
}

struct start_log {
        const struct exec_plan *plan;
        const struct exec_request *req;
        const char *mode, *unit;
};

/* The start entry: in exec mode before the exec (the service will have our
 * pid), in supervise mode once the service runs (naming its pid). */
static void log_start(pid_t service_pid, void *userdata)
{
        const struct start_log *l = userdata;
        _cleanup_free_ char *message = NULL;
        /* Without a journal the sentence goes to stderr (systemd keeps it
         * with the unit's name); unlabeled starts are said once per boot
         * instead, not on every start. */
        if (exec_plan_log(l->plan, l->req, l->mode, l->unit, service_pid, NULL, NULL) < 0 &&
            l->plan->verdict != EXEC_VERDICT_UNLABELED &&
            exec_plan_message(l->plan, l->req, NULL, &message) >= 0)
                fprintf(stderr, PROG ": %s\n", message);
}

/* The service's execve failed with exec_errno: explain it (a missing rule
 * when the kernel was left to check them), log the refusal, and exit as a
 * refusal or an exec failure. */
static _cold_ int exec_failed(struct label_backend *b, const struct exec_request *req,
                              struct exec_plan *plan, const char *mode, const char *unit,
                              int exec_errno, struct planet_error *err)
{
        (void) exec_explain_failure(b, req, plan, exec_errno, err);
        /* stderr below is the fallback when there is no journal. */
        (void) exec_plan_log(plan, req, mode, unit, 0, err, NULL);
        planet_error_print(err, PROG);
        if (plan->missing_rules)
                return EXIT_REFUSED;
        return exec_errno == ENOENT ? SUPERVISE_EXIT_NOT_FOUND : SUPERVISE_EXIT_CANNOT_EXEC;
}

/* Say "SELinux is disabled" once per boot, not on every service start. */
static void note_disabled_once(const char *unit)
{
        (void) mkdir(DISABLED_STAMP_DIR, 0755);
        int fd = open(DISABLED_STAMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
                return;
        if (fd >= 0)
                close(fd);
        if (exec_log_selinux_disabled(unit, NULL) < 0)
                fprintf(stderr, PROG ": SELinux is disabled: running services unlabeled "
                                     "(--require-selinux refuses instead)\n");
}

int main(int argc, char **argv)
{
        _cleanup_error_ struct planet_error err = {0};
        _cleanup_label_backend_ struct label_backend *b = NULL;
        _cleanup_free_ char *unit = NULL;
        _cleanup_(exec_plan_done) struct exec_plan plan = {0};
        _cleanup_(probe_done) struct probe ready = {0}, watchdog = {0};
        struct args a = {0};
        const char *mode;
        int r;

        if (parse_args(argc, argv, &a) < 0)
                return EXIT_USAGE;
        mode = a.supervise ? "supervise" : "exec";
        if ((a.ready && probe_parse(a.ready, &ready, &err) < 0) ||
            (a.watchdog_probe && probe_parse(a.watchdog_probe, &watchdog, &err) < 0)) {
                planet_error_print(&err, PROG);
                return EXIT_USAGE;
        }

        r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        a.req.no_new_privs = r > 0;
        /* The kernel checks the transition at execve anyway; asked first,
         * its rules were half of a labeled start's selinuxfs questions.
         * A refused execve is explained afterwards (exec_explain_failure),
         * naming the missing rule as before. */
        a.req.kernel_checks_permissions = true;
        (void) journal_current_unit(&unit);

        r = label_backend_open_kernel_without_file_contexts(&b, &err);
        if (r < 0) {
                planet_error_print(&err, PROG);
                return EXIT_REFUSED;
        }

        r = exec_decide(b, &a.req, &plan, &err);
        if (r < 0) {
                /* stderr below is the fallback when there is no journal. */
                (void) exec_plan_log(&plan, &a.req, mode, unit, 0, &err, NULL);
                planet_error_print(&err, PROG);
                return r == -EINVAL   ? EXIT_USAGE
                       : r == -ENOENT ? SUPERVISE_EXIT_NOT_FOUND
                                      : EXIT_REFUSED;
        }
        if (plan.verdict == EXEC_VERDICT_UNLABELED)
                note_disabled_once(unit);

        struct start_log log = {.plan = &plan, .req = &a.req, .mode = mode, .unit = unit};
        if (!a.supervise) {
                if (plan.exec_context && selinuxfs_set_exec_context(plan.exec_context, &err) < 0) {
                        planet_error_print(&err, PROG);
                        return EXIT_REFUSED;
                }
                /* setexeccon only affects the execve: the entry's socket is
                 * created in our own context. */
                log_start(0, &log);
                execv(plan.path, a.argv);
                return exec_failed(b, &a.req, &plan, mode, unit, errno, &err);
        }

        /* The upstream socket is ours; nothing we start should talk to it.
         * The service's environment is built without it (supervise.h), the
         * probes remove it in their own processes. */
        const char *notify_socket = strv_env_get(environ, "NOTIFY_SOCKET");
        _cleanup_free_ char *upstream = notify_socket ? strdup(notify_socket) : NULL;

        struct supervise_options o = {
                .path = plan.path,
                .argv = a.argv,
                .envp = environ,
                .exec_context = plan.exec_context,
                .notify_upstream = upstream,
                .notify_child = a.notify_socket,
                .ready = a.ready ? &ready : NULL,
                .ready_timeout_usec = a.ready_timeout_usec,
                .watchdog = a.watchdog_probe ? &watchdog : NULL,
                .probe_timeout_usec = a.probe_timeout_usec,
                .watchdog_usec = supervise_watchdog_usec(environ, getpid()),
                .started = log_start,
                .userdata = &log,
        };
        if (o.watchdog && o.watchdog_usec == 0)
                fprintf(stderr, PROG ": --watchdog-probe given but systemd set no WATCHDOG_USEC "
                                     "for this unit (WatchdogSec=): the probe does not run\n");
        int status = 1;
        r = supervise_run(&o, &status, &err);
        if (r < 0 && (status == SUPERVISE_EXIT_CANNOT_EXEC || status == SUPERVISE_EXIT_NOT_FOUND)) {
                /* The service's execve failed (err.errnum): as in exec mode. */
                int e = err.errnum;
                planet_error_clear(&err);
                return exec_failed(b, &a.req, &plan, mode, unit, e, &err);
        }
        if (r < 0)
                planet_error_print(&err, PROG);
        return status;
}
