/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* planet-initd --supervise: stay the unit's main process and run the service
 * as a child.
 *
 *  - child subreaper: orphans of the service's tree are reaped here;
 *  - every signal that can be forwarded is (so ReloadSignal=, KillSignal=
 *    and friends reach the service); SIGKILL/SIGSTOP cannot be caught and
 *    the synchronous fault signals are our own;
 *  - the child gets its own NOTIFY_SOCKET, bound before fork; what arrives
 *    there from the child's tree is validated and relayed upstream (notify.h);
 *  - the child's environment: LISTEN_PID and WATCHDOG_PID that named the
 *    wrapper name the child, LISTEN_PIDFDID (which names the wrapper's pidfd)
 *    is dropped, socket-activation fds 3… stay open without close-on-exec;
 *    every fd of the wrapper's own is close-on-exec;
 *  - readiness (--ready) and liveness (--watchdog-probe) probes stand in
 *    for sd_notify when the daemon does not speak it;
 *  - the exit status is the child's: its code, or 128+signal. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "probe.h"

/* The start failed because the readiness probe never passed (as timeout(1)). */
#define SUPERVISE_EXIT_NOT_READY 124
/* As a shell: found but not executable / not found or could not be started. */
#define SUPERVISE_EXIT_CANNOT_EXEC 126
#define SUPERVISE_EXIT_NOT_FOUND 127

struct supervise_options {
        const char *path;            /* the file to execve */
        char *const *argv;           /* its argv (argv[0] as the unit gave it) */
        char *const *envp;           /* the environment to start from */
        const char *exec_context;    /* setexeccon() in the child first; NULL: none */
        const char *notify_upstream; /* systemd's NOTIFY_SOCKET; NULL: none to relay to */
        const char *notify_child;    /* address for the child's socket; NULL: a private
                                        abstract one, @planet-initd/PID/RANDOM */
        const struct probe *ready;   /* NULL: the child says READY=1 itself (or never) */
        uint64_t ready_timeout_usec;
        const struct probe *watchdog; /* NULL: the child pings WATCHDOG=1 itself */
        uint64_t probe_timeout_usec;  /* per attempt */
        uint64_t watchdog_usec;       /* WATCHDOG_USEC meant for us (0: none) */
        /* Called once the service has been exec'd (its pid), before any
         * message is relayed: where the caller logs the start. */
        void (*started)(pid_t service_pid, void *userdata);
        void *userdata;
};

/* Run the child to its end. 0 with *ret_exit_status set (the value to exit
 * with); -errno with err when the child could not be started at all (then
 * *ret_exit_status says which exit status fits: 126, 127 or 1). */
int supervise_run(const struct supervise_options *o, int *ret_exit_status,
                  struct planet_error *err);

/* The child's environment, prepared before fork so that the child only has
 * to write its own pid into it (async-signal-safe). The entries it does not
 * change are envp's own strings, not copies: envp must outlive it. */
struct supervise_child_env {
        char **envp;
        char *listen_pid;      /* "LISTEN_PID=<slot>" entry, or NULL when not ours */
        char *watchdog_pid;    /* "WATCHDOG_PID=<slot>" entry, or NULL */
        char *notify_socket;   /* "NOTIFY_SOCKET=…" entry, or NULL */
        unsigned n_listen_fds; /* fds 3… handed to us (LISTEN_FDS, when LISTEN_PID was ours) */
};
/* From envp: NOTIFY_SOCKET set to notify_socket (removed when NULL);
 * LISTEN_PIDFDID dropped; LISTEN_PID/WATCHDOG_PID equal to self made
 * rewritable; with drop_watchdog, WATCHDOG_USEC/WATCHDOG_PID meant for self
 * removed (the wrapper's probe answers the watchdog). Borrows envp's
 * strings (above). */
int supervise_child_env_new(char *const *envp, pid_t self, const char *notify_socket,
                            bool drop_watchdog, struct supervise_child_env *ret);
/* Fill in the child's pid. Async-signal-safe. */
void supervise_child_env_set_pid(struct supervise_child_env *e, pid_t pid);
void supervise_child_env_done(struct supervise_child_env *e);

/* The watchdog interval systemd asked of pid self: WATCHDOG_USEC when
 * WATCHDOG_PID is unset or self; 0 otherwise. */
uint64_t supervise_watchdog_usec(char *const *envp, pid_t self);
