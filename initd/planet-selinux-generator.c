/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux-generator: the boot-time side of `planet-selinux generate`.
 *
 * systemd runs it early with three directories (systemd.generator(7)):
 * NORMAL EARLY LATE. It reads the installed units, asks the loaded policy
 * (kernel backend) for each gravity binary's domain from the context systemd
 * itself runs in (PID 1's), and writes NAME.d/50-planet-selinux.conf into
 * NORMAL. NORMAL ranks below /etc and /run/systemd/system and above
 * /usr/lib: an administrator's same-named drop-in in /etc still overrides
 * ours, and ours replaces the one `make install` put in /usr/lib, built
 * from the policy as it was at build time — the live policy wins.
 *
 * A generator must never stop the boot: everything is logged to /dev/kmsg
 * (the journal is not up yet) and the exit status is 0 unless systemd did
 * not call it properly. A gravity binary whose domain cannot be verified is
 * still wrapped, without --expect-domain, so planet-initd refuses it at start
 * with its own explanation; it is never left to run unwrapped. With SELinux
 * disabled, nothing is written: there is no domain to enter. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <selinux/selinux.h>

#include "generate.h"
#include "label.h"

/* syslog priorities, as the kernel log prefix "<N>" reads them. */
enum { LOG_ERR_ = 3, LOG_WARNING_ = 4, LOG_INFO_ = 6 };

static void logm(int kmsg, int prio, const char *fmt, ...) _printf_(3, 4);
static void logm(int kmsg, int prio, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* One record per line: kmsg splits on writes, not on newlines. */
        for (char *line = msg, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (kmsg >= 0 && dprintf(kmsg, "<%d>planet-selinux-generator[%d]: %s\n", prio,
                                         (int) getpid(), line) > 0)
                        continue;
                fprintf(stderr, "planet-selinux-generator: %s\n", line);
        }
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr,
                        "Usage: %s NORMAL-DIR EARLY-DIR LATE-DIR\n"
                        "A systemd generator (see planet-selinux-generator(8)); systemd runs "
                        "it. To write drop-ins by hand use 'planet-selinux generate'.\n",
                        argv[0]);
                return 1;
        }
        /* SYSTEMD_LOG_TARGET=console sends the messages to stderr, as for
         * systemd's own generators (handy when running it by hand). */
        const char *target = getenv("SYSTEMD_LOG_TARGET");
        _cleanup_close_ int kmsg = target && !strcmp(target, "console")
                                           ? -1
                                           : open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_error_ struct planet_error err = {0};
        _cleanup_label_backend_ struct label_backend *backend = NULL;

        int r = label_backend_open_kernel(&backend, &err);
        if (r < 0) {
                logm(kmsg, LOG_ERR_, "cannot reach SELinux: %s; units left as they are",
                     err.msg ? err.msg : strerror(-r));
                return 0;
        }
        if (label_backend_get_mode(backend) == LABEL_SELINUX_DISABLED) {
                logm(kmsg, LOG_INFO_,
                     "SELinux is disabled: no domains to enter, units left as they are");
                return 0;
        }

        /* The units' commands are exec'd by PID 1 (systemd in the planet
         * container, gravity_container_init_t): ask from its context, not
         * from ours (a generator may have been given a domain of its own). */
        char *pid1 = NULL;
        const char *from = GENERATE_DEFAULT_FROM;
        if (getpidcon(1, &pid1) >= 0)
                from = pid1;
        else
                logm(kmsg, LOG_WARNING_, "cannot read PID 1's context (%m): assuming %s", from);

        _cleanup_strv_free_ char **unit_dirs = NULL;
        if (generate_system_unit_dirs(NULL, &unit_dirs) < 0) {
                logm(kmsg, LOG_ERR_, "out of memory; units left as they are");
                freecon(pid1);
                return 0;
        }
        struct generate_options o = {
                .unit_dirs = (const char *const *) unit_dirs,
                .from = from,
                .out_dir = argv[1],
                .initd_path = PLANET_INITD_PATH,
                .wrap_unverified = true,
        };
        struct generate_context *g = NULL;
        r = generate_context_open_with_backend(&o, backend, &g, &err);
        if (r < 0) {
                logm(kmsg, LOG_ERR_, "%s; units left as they are",
                     err.msg ? err.msg : strerror(-r));
                freecon(pid1);
                return 0;
        }
        struct generate_report rep = {0};
        r = generate_run(g, &rep, &err);
        generate_context_free(g);
        if (r < 0) {
                logm(kmsg, LOG_ERR_, "%s", err.msg ? err.msg : strerror(-r));
                freecon(pid1);
                return 0;
        }
        for (size_t i = 0; i < rep.n_units; i++) {
                const struct generate_unit_result *u = &rep.units[i];
                if (u->verdict == GENERATE_FAILED)
                        logm(kmsg, LOG_ERR_, "%s: %s", u->name, u->summary);
                else if (u->verdict == GENERATE_WRAPPED)
                        logm(kmsg, strstr(u->summary, "UNVERIFIED") ? LOG_WARNING_ : LOG_INFO_,
                             "%s: %s", u->name, u->summary);
        }
        logm(kmsg, LOG_INFO_, "%zu units wrapped in planet-initd (from %s), %zu failed",
             rep.n_wrapped, from, rep.n_failed);
        generate_report_done(&rep);
        freecon(pid1);
        return 0;
}
