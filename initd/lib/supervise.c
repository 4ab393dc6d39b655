/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "selinuxfs.h"
#include "string-util.h"
#include "supervise.h"

#define LOG_PREFIX "planet-initd: "
/* Wide enough for any pid_t in decimal. */
#define PID_SLOT_WIDTH 11
/* After a failed start we ask the child to stop; if it ignores us, SIGKILL. */
#define STOP_GRACE_USEC (10 * 1000000ull)
/* Readiness probe retry: start fast, back off to this. */
#define READY_RETRY_MIN_USEC (20 * 1000ull)
#define READY_RETRY_MAX_USEC (500 * 1000ull)

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* ---- child environment -------------------------------------------------- */

static bool env_is_pid(char *const *envp, const char *name, pid_t pid)
{
        const char *v = strv_env_get(envp, name);
        char buf[DECIMAL_U64_MAX];
        return v && pid > 0 && streq(v, format_u64(buf, (uint64_t) pid));
}

/* systemd's watchdog is meant for us: WATCHDOG_USEC set, and WATCHDOG_PID
 * (when set) naming us. */
static bool watchdog_is_ours(char *const *envp, pid_t self)
{
        return strv_env_get(envp, "WATCHDOG_USEC") &&
               (!strv_env_get(envp, "WATCHDOG_PID") || env_is_pid(envp, "WATCHDOG_PID", self));
}

uint64_t supervise_watchdog_usec(char *const *envp, pid_t self)
{
        const char *v = strv_env_get(envp, "WATCHDOG_USEC");
        if (!watchdog_is_ours(envp, self))
                return 0;
        const char *end = NULL;
        uint64_t u;
        if (parse_unsigned(v, 10, UINT64_MAX, &u, &end) < 0 || *end)
                return 0;
        return u;
}

static char *pid_slot_entry(const char *name)
{
        size_t n = strlen(name);
        char *s = malloc(n + 1 + PID_SLOT_WIDTH + 1);
        if (!s)
                return NULL;
        memcpy(s, name, n);
        s[n] = '=';
        memset(s + n + 1, '0', PID_SLOT_WIDTH);
        s[n + 1 + PID_SLOT_WIDTH] = '\0';
        return s;
}

int supervise_child_env_new(char *const *envp, pid_t self, const char *notify_socket,
                            bool drop_watchdog, struct supervise_child_env *ret)
{
        struct supervise_child_env e = {0};
        size_t n = 0, k = 0;
        bool listen_ours = env_is_pid(envp, "LISTEN_PID", self);
        bool watchdog_ours = watchdog_is_ours(envp, self);

        for (char *const *p = envp; p && *p; p++)
                n++;
        e.envp = calloc(n + 3, sizeof(char *));
        if (!e.envp)
                return -ENOMEM;

        for (char *const *p = envp; p && *p; p++) {
                char *s = NULL;
                /* The entries we keep are borrowed, not copied: the
                 * environment stays where it is (and off our heap). */
                if (env_entry_is(*p, "NOTIFY_SOCKET") || env_entry_is(*p, "LISTEN_PIDFDID"))
                        continue;
                /* A repeated LISTEN_PID/WATCHDOG_PID is dropped: the one
                 * slot is what the child's pid is written into. */
                if (listen_ours && env_entry_is(*p, "LISTEN_PID")) {
                        if (e.listen_pid)
                                continue;
                        s = e.listen_pid = pid_slot_entry("LISTEN_PID");
                } else if (watchdog_ours && env_entry_is(*p, "WATCHDOG_PID")) {
                        if (drop_watchdog || e.watchdog_pid)
                                continue;
                        s = e.watchdog_pid = pid_slot_entry("WATCHDOG_PID");
                } else if (watchdog_ours && drop_watchdog && env_entry_is(*p, "WATCHDOG_USEC")) {
                        continue;
                } else {
                        s = *p;
                }
                if (!s)
                        goto oom;
                e.envp[k++] = s;
        }
        /* systemd sets WATCHDOG_PID with WATCHDOG_USEC; if only the latter
         * is set it is ours, and the child must learn it is now its own. */
        if (watchdog_ours && !drop_watchdog && !e.watchdog_pid) {
                if (!(e.watchdog_pid = pid_slot_entry("WATCHDOG_PID")))
                        goto oom;
                e.envp[k++] = e.watchdog_pid;
        }
        if (notify_socket) {
                if (!(e.notify_socket = strjoin3("NOTIFY_SOCKET=", notify_socket, "")))
                        goto oom;
                e.envp[k++] = e.notify_socket;
        }
        e.envp[k] = NULL;

        if (listen_ours) {
                const char *v = strv_env_get(envp, "LISTEN_FDS");
                const char *end = NULL;
                uint64_t f;
                if (v && parse_unsigned(v, 10, 65535, &f, &end) >= 0 && !*end)
                        e.n_listen_fds = (unsigned) f;
        }
        *ret = e;
        return 0;
oom:
        supervise_child_env_done(&e);
        return -ENOMEM;
}

static void write_pid(char *entry, pid_t pid)
{
        /* The slot is the last PID_SLOT_WIDTH characters; write right-aligned
         * digits then move them to the front, no stdio (async-signal-safe). */
        char *slot = strchr(entry, '=') + 1;
        char digits[PID_SLOT_WIDTH];
        int n = 0;
        unsigned long v = (unsigned long) pid;
        do {
                digits[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v && n < PID_SLOT_WIDTH);
        for (int i = 0; i < n; i++)
                slot[i] = digits[n - 1 - i];
        slot[n] = '\0';
}

void supervise_child_env_set_pid(struct supervise_child_env *e, pid_t pid)
{
        if (e->listen_pid)
                write_pid(e->listen_pid, pid);
        if (e->watchdog_pid)
                write_pid(e->watchdog_pid, pid);
}

void supervise_child_env_done(struct supervise_child_env *e)
{
        if (!e)
                return;
        /* The other entries are the caller's (supervise_child_env_new). */
        free(e->envp);
        free(e->listen_pid);
        free(e->watchdog_pid);
        free(e->notify_socket);
        *e = (struct supervise_child_env){0};
}

/* ---- signals ------------------------------------------------------------ */

/* Signals that are ours and never forwarded: faults raised by our own code
 * must kill us (blocking them is undefined), SIGCHLD drives reaping. */
static bool signal_is_forwardable(int sig)
{
        switch (sig) {
        case SIGKILL:
        case SIGSTOP:
        case SIGCHLD:
        case SIGSEGV:
        case SIGBUS:
        case SIGILL:
        case SIGFPE:
        case SIGTRAP:
        case SIGSYS:
        case SIGABRT:
                return false;
        default:
                return true;
        }
}

static void forwarded_signals(sigset_t *set)
{
        sigemptyset(set);
        for (int sig = 1; sig < NSIG; sig++)
                if (signal_is_forwardable(sig))
                        sigaddset(set, sig); /* fails harmlessly for glibc-reserved RT signals */
}

/* ---- the supervisor ----------------------------------------------------- */

/* A service that floods its notify socket with garbage must not flood the
 * journal through us: at most LOG_BURST complaints per LOG_INTERVAL, then one
 * line saying how many were suppressed. */
#define LOG_INTERVAL_USEC (10 * 1000000ull)
#define LOG_BURST 10

struct ratelimit {
        uint64_t begin;
        unsigned shown, suppressed;
};

static bool ratelimit_ok(struct ratelimit *rl)
{
        uint64_t now = now_usec();
        if (now - rl->begin >= LOG_INTERVAL_USEC) {
                if (rl->suppressed > 0)
                        fprintf(stderr, LOG_PREFIX "%u more notify problems not logged\n",
                                rl->suppressed);
                rl->begin = now;
                rl->shown = rl->suppressed = 0;
        }
        if (rl->shown < LOG_BURST) {
                rl->shown++;
                return true;
        }
        rl->suppressed++;
        return false;
}

struct supervisor {
        const struct supervise_options *o;
        pid_t self;
        pid_t child;
        bool child_exited;
        int child_status;

        int notify_fd;   /* the child's socket; -1 when not relaying */
        int upstream_fd; /* sender to systemd; -1 when none */
        struct notify_address upstream;
        bool upstream_connected;
        struct notify_address child_address;
        bool child_address_is_path;
        bool said_mainpid;
        struct ratelimit complaints;
        struct notify_batch *batch; /* receive buffers, while relaying */
        int child_pidfd;            /* -1 when the kernel has no pidfd_open */
        struct notify_sender_cache senders;

        bool ready;
        uint64_t ready_deadline;
        uint64_t ready_next;
        uint64_t ready_backoff;
        bool not_ready; /* readiness timed out: exit SUPERVISE_EXIT_NOT_READY */
        uint64_t kill_deadline;

        uint64_t watchdog_next;

        /* The probe attempt in flight, run in a process of its own so that
         * signals and notify messages never wait for it. */
        pid_t probe_pid;
        int probe_fd;        /* its report pipe; -1 when no attempt runs */
        bool probe_is_ready; /* else the watchdog probe */
        bool probe_exited;
        int probe_status;
        uint64_t probe_kill_at;
        char probe_why[512];
        size_t probe_why_len;
};

static void send_upstream(struct supervisor *s, const char *msg, const int *fds, size_t n_fds)
{
        if (s->upstream_fd < 0)
                return;
        int r;
        if (s->upstream_connected) {
                /* Connected once: no name lookup per datagram. Should the
                 * socket behind the name have been replaced, connect anew. */
                r = notify_send(s->upstream_fd, NULL, msg, strlen(msg), fds, n_fds);
                if ((r == -ECONNREFUSED || r == -ENOTCONN) &&
                    connect(s->upstream_fd, (struct sockaddr *) &s->upstream.sun,
                            s->upstream.len) >= 0)
                        r = notify_send(s->upstream_fd, NULL, msg, strlen(msg), fds, n_fds);
        } else {
                r = notify_send(s->upstream_fd, &s->upstream, msg, strlen(msg), fds, n_fds);
        }
        if (r < 0 && ratelimit_ok(&s->complaints))
                fprintf(stderr, LOG_PREFIX "cannot notify systemd (%s): %s\n",
                        s->upstream.sun.sun_path[0] ? s->upstream.sun.sun_path : "abstract socket",
                        strerror(-r));
}

/* The relays of one received batch, sent upstream together, in order. */
struct relay_batch {
        size_t n;
        char *payload[NOTIFY_BATCH_MAX];
        struct notify_outgoing out[NOTIFY_BATCH_MAX];
};

static void handle_datagram(struct supervisor *s, struct notify_datagram *d,
                            struct relay_batch *relay)
{
        _cleanup_error_ struct planet_error perr = {0};
        struct notify_message m = {0};

        if (d->truncated) {
                if (ratelimit_ok(&s->complaints))
                        fprintf(stderr,
                                LOG_PREFIX
                                "dropped a notify datagram of %zu bytes from pid %d: longer "
                                "than %d bytes (or too many fds), systemd would not read it\n",
                                d->size, (int) d->pid, NOTIFY_DATAGRAM_MAX);
                return;
        }
        /* Who sent it. The kernel gives the sender's pid as a number, taken
         * at receive time, so the question is always whether the number
         * can have changed hands since the datagram was sent.
         *
         * The direct child, the common sender, is settled without a system
         * call. Its pid P is ours from fork until we reap it; it cannot
         * send before the start gate opens (supervise_run), and before
         * opening it we discard everything queued, so nothing a previous
         * holder of P sent can be left in the queue; and we reap only after
         * draining the socket with the child a zombie (reap): everything it
         * ever sent is read while P still names it. After the reap P is no
         * longer taken as the child.
         *
         * Anyone else must be the child's descendant (NotifyAccess=all
         * within the service's own tree): the ppid chain is walked in /proc
         * and, with SO_PASSPIDFD, the pidfd the kernel attached to this
         * datagram (it names the sending process itself, not a number)
         * proves the walk was about the sender and lets the verdict be
         * remembered per process (notify_sender_check). The kernel makes
         * that pidfd for every sender but the child (drain_notify); one
         * that should have come and did not (pidfd_missing: the kernel
         * could not make it, the sender being reaped on an older kernel or
         * our fd table full) leaves the sender unproved: dropped. Without
         * SO_PASSPIDFD (kernels before 6.5) a sender that exited, was
         * reaped and whose number went to one of our descendants after a
         * full wrap of the pid space between the send and our read would
         * be misattributed; we read continuously, and that kernel gives
         * nothing better. */
        bool from_child = d->pid == s->child && !s->child_exited;
        if (!from_child && d->pidfd_missing) {
                if (ratelimit_ok(&s->complaints))
                        fprintf(stderr,
                                LOG_PREFIX
                                "dropped a notify datagram from pid %d: the kernel could not "
                                "give its sender's pidfd (gone already, or no free fd: raise "
                                "LimitNOFILE=), so pid %d cannot be proved to be the sender\n",
                                (int) d->pid, (int) d->pid);
                return;
        }
        if (!from_child && (d->pid <= 0 || d->pid == s->self ||
                            !notify_sender_check(&s->senders, d->pid, d->pidfd, s->self))) {
                if (ratelimit_ok(&s->complaints))
                        fprintf(stderr,
                                LOG_PREFIX
                                "dropped a notify datagram from pid %d: not the service or "
                                "one of its processes\n",
                                (int) d->pid);
                return;
        }
        if (notify_message_parse(d->buf, d->len, &m, &perr) < 0) {
                if (ratelimit_ok(&s->complaints))
                        fprintf(stderr, LOG_PREFIX "dropped a notify datagram from pid %d: %s\n",
                                (int) d->pid, perr.msg ? perr.msg : "malformed");
                return;
        }
        if ((m.flags & NOTIFY_MAINPID_STRIPPED) && !s->said_mainpid) {
                s->said_mainpid = true;
                fprintf(stderr,
                        LOG_PREFIX "pid %d sent MAINPID: not relayed, planet-initd stays "
                                   "the unit's main process in --supervise mode\n",
                        (int) d->pid);
        }
        if ((m.flags & NOTIFY_BARRIER) && d->n_fds != 1) {
                if (ratelimit_ok(&s->complaints))
                        fprintf(stderr,
                                LOG_PREFIX "dropped BARRIER=1 from pid %d: it carries %zu fds, the "
                                           "protocol wants exactly one\n",
                                (int) d->pid, d->n_fds);
                notify_message_done(&m);
                return;
        }
        if (m.flags & NOTIFY_READY)
                s->ready = true;
        if (m.relay_len == 0) {
                notify_message_done(&m);
                return;
        }
        /* fds only travel with FDSTORE=1 or BARRIER=1, as systemd would
         * close them otherwise. Our copies close after the batch is sent:
         * for BARRIER that is part of the protocol (the sender waits for
         * every copy to close, and systemd's closes once it has processed
         * everything before it). */
        bool pass_fds = (m.flags & (NOTIFY_FDSTORE | NOTIFY_BARRIER)) && d->n_fds > 0;
        relay->payload[relay->n] = TAKE_PTR(m.relay);
        relay->out[relay->n] = (struct notify_outgoing){
                .payload = relay->payload[relay->n],
                .len = m.relay_len,
                .fds = pass_fds ? d->fds : NULL,
                .n_fds = pass_fds ? d->n_fds : 0,
        };
        relay->n++;
}

static _cold_ void complain_upstream(struct supervisor *s, int e)
{
        if (ratelimit_ok(&s->complaints))
                fprintf(stderr, LOG_PREFIX "cannot notify systemd (%s): %s\n",
                        s->upstream.sun.sun_path[0] ? s->upstream.sun.sun_path : "abstract socket",
                        strerror(e));
}

static void flush_upstream(struct supervisor *s, struct relay_batch *relay)
{
        size_t i = 0;
        bool reconnected = false;

        while (s->upstream_fd >= 0 && i < relay->n) {
                if (!s->upstream_connected) {
                        const struct notify_outgoing *o = &relay->out[i++];
                        int r = notify_send(s->upstream_fd, &s->upstream, o->payload, o->len,
                                            o->fds, o->n_fds);
                        if (r < 0)
                                complain_upstream(s, -r);
                        continue;
                }
                int e = 0;
                i += notify_send_many(s->upstream_fd, relay->out + i, relay->n - i, &e);
                if (i == relay->n)
                        break;
                /* Should the socket behind the name have been replaced,
                 * connect anew once; else this datagram is lost (said so)
                 * and the rest follow in order. */
                if ((e == ECONNREFUSED || e == ENOTCONN) && !reconnected &&
                    connect(s->upstream_fd, (struct sockaddr *) &s->upstream.sun,
                            s->upstream.len) >= 0) {
                        reconnected = true;
                        continue;
                }
                complain_upstream(s, e);
                i++;
        }
        for (size_t k = 0; k < relay->n; k++)
                free(relay->payload[k]);
        relay->n = 0;
}

/* Read, check and relay everything queued, a batch at a time. */
static void drain_notify(struct supervisor *s)
{
        if (s->notify_fd < 0 || !s->batch)
                return;
        struct relay_batch relay = {0};
        for (;;) {
                /* The child's datagrams need no pidfd (handle_datagram):
                 * the kernel makes one only for other senders'. */
                int r = notify_receive_batch_trusting(s->notify_fd, s->batch,
                                                      s->child_exited ? 0 : s->child);
                if (r < 0)
                        break; /* -EAGAIN: empty */
                for (size_t i = 0; i < s->batch->n; i++)
                        handle_datagram(s, &s->batch->d[i], &relay);
                flush_upstream(s, &relay);
                bool drained = s->batch->drained;
                notify_batch_done(s->batch);
                if (drained)
                        break; /* the queue was empty: no extra call to hear it again */
        }
}

/* Before the service may speak: whatever is queued was sent by someone else
 * (the child waits at the start gate), possibly under the pid the child now
 * has. Dropped, said once. */
static void discard_notify(struct supervisor *s)
{
        size_t dropped = 0;
        while (s->notify_fd >= 0 && s->batch && notify_receive_batch(s->notify_fd, s->batch) >= 0) {
                dropped += s->batch->n;
                bool drained = s->batch->drained;
                notify_batch_done(s->batch);
                if (drained)
                        break;
        }
        if (dropped > 0)
                fprintf(stderr,
                        LOG_PREFIX "dropped %zu notify datagrams sent before the service "
                                   "started (not from the service)\n",
                        dropped);
}

/* Reap what exited, each after draining the notify socket while it is still
 * a zombie: a zombie keeps its pid and /proc entry, so what it said just
 * before exiting is read while its sender can be authenticated. */
static void reap(struct supervisor *s)
{
        for (;;) {
                siginfo_t si = {0};
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid <= 0)
                        break;
                drain_notify(s);
                int status;
                pid_t p = waitpid(si.si_pid, &status, WNOHANG);
                if (p <= 0)
                        break;
                if (p == s->child) {
                        s->child_exited = true;
                        s->child_status = status;
                } else if (p == s->probe_pid) {
                        s->probe_exited = true;
                        s->probe_status = status;
                }
                /* Anything else is an orphan of the service's tree that was
                 * re-parented to us (subreaper): reaping it is the job. */
        }
}

/* Fork a probe attempt; its verdict is its exit status, its reason the text
 * it writes to the pipe. */
static void start_probe(struct supervisor *s, const struct probe *probe, uint64_t timeout,
                        bool is_ready)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        pid_t pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return;
        }
        if (pid == 0) {
                _cleanup_error_ struct planet_error why = {0};
                close(p[0]);
                /* A group of its own, so a kill reaches an exec: probe's shell too. */
                (void) setpgid(0, 0);
                /* systemd's socket is the supervisor's: an exec: probe's
                 * command must not talk to it. Removed here, in the probe's
                 * process (unsetenv compares with strncmp: string-util.h). */
                (void) unsetenv("NOTIFY_SOCKET");
                int r = probe_run(probe, timeout ? timeout : 1, &why);
                if (r <= 0 && why.msg)
                        (void) !write(p[1], why.msg, strlen(why.msg));
                _exit(r > 0 ? 0 : 1);
        }
        close(p[1]);
        (void) setpgid(pid, pid); /* as the child does: whoever runs first */
        (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
        s->probe_pid = pid;
        s->probe_fd = p[0];
        s->probe_is_ready = is_ready;
        s->probe_exited = false;
        s->probe_why_len = 0;
        /* probe_run bounds itself; this catches what it cannot (DNS). */
        s->probe_kill_at = now_usec() + timeout + 1000000;
}

static void ready_probe_result(struct supervisor *s, bool passed, const char *why)
{
        uint64_t now = now_usec();
        if (passed) {
                s->ready = true;
                send_upstream(s, "READY=1", NULL, 0);
                return;
        }
        if (s->ready)
                return; /* the service said READY=1 itself meanwhile */
        if (now >= s->ready_deadline) {
                _cleanup_free_ char *status = NULL;
                fprintf(stderr,
                        LOG_PREFIX "readiness probe %s did not pass within %" PRIu64
                                   " ms (last attempt: %s); stopping the service\n",
                        s->o->ready->spec, s->o->ready_timeout_usec / 1000, why);
                if (asprintf(&status,
                             "STATUS=readiness probe %s did not pass within %" PRIu64
                             " ms: %s\nERRNO=%d",
                             s->o->ready->spec, s->o->ready_timeout_usec / 1000, why,
                             ETIMEDOUT) >= 0)
                        send_upstream(s, status, NULL, 0);
                s->not_ready = true;
                s->kill_deadline = now + STOP_GRACE_USEC;
                (void) kill(s->child, SIGTERM);
                return;
        }
        s->ready_next = now + s->ready_backoff;
        s->ready_backoff = s->ready_backoff * 2 > READY_RETRY_MAX_USEC ? READY_RETRY_MAX_USEC
                                                                       : s->ready_backoff * 2;
}

static void watchdog_probe_result(struct supervisor *s, bool passed, const char *why)
{
        if (passed)
                send_upstream(s, "WATCHDOG=1", NULL, 0);
        else
                /* No ping: systemd's watchdog decides, as it would for a hung daemon. */
                fprintf(stderr, LOG_PREFIX "watchdog probe %s failed: %s\n", s->o->watchdog->spec,
                        why);
}

/* Collect the report; once the pipe is at EOF, the verdict. */
static void probe_readable(struct supervisor *s)
{
        for (;;) {
                size_t room = sizeof(s->probe_why) - 1 - s->probe_why_len;
                char scratch[256];
                ssize_t n = read(s->probe_fd, room ? s->probe_why + s->probe_why_len : scratch,
                                 room ? room : sizeof(scratch));
                if (n > 0) {
                        if (room)
                                s->probe_why_len += (size_t) n;
                        continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                break; /* EOF (or an error: treat alike) */
        }
        close(s->probe_fd);
        s->probe_fd = -1;
        if (!s->probe_exited && waitpid(s->probe_pid, &s->probe_status, 0) == s->probe_pid)
                s->probe_exited = true;
        s->probe_pid = 0;
        s->probe_why[s->probe_why_len] = '\0';
        bool passed =
                s->probe_exited && WIFEXITED(s->probe_status) && WEXITSTATUS(s->probe_status) == 0;
        const char *why = s->probe_why_len               ? s->probe_why
                          : WIFSIGNALED(s->probe_status) ? "no answer before the timeout"
                                                         : "failed";
        if (s->probe_is_ready)
                ready_probe_result(s, passed, why);
        else
                watchdog_probe_result(s, passed, why);
}

static void maybe_start_probes(struct supervisor *s, uint64_t now)
{
        if (s->probe_fd >= 0 || s->not_ready)
                return;
        if (s->o->ready && !s->ready && now >= s->ready_next) {
                uint64_t left = s->ready_deadline > now ? s->ready_deadline - now : 0;
                start_probe(s, s->o->ready,
                            s->o->probe_timeout_usec < left ? s->o->probe_timeout_usec : left,
                            true);
                return;
        }
        if (s->watchdog_next && now >= s->watchdog_next) {
                uint64_t interval = s->o->watchdog_usec / 2;
                start_probe(s, s->o->watchdog,
                            s->o->probe_timeout_usec < interval ? s->o->probe_timeout_usec
                                                                : interval,
                            false);
                s->watchdog_next = now + interval;
        }
}

/* Whether anything is timed: a probe, its schedule, the stop grace. Only
 * then is the clock read; a plain supervisor never needs it, and
 * clock_gettime's libc page would be one more resident window for it
 * (string-util.h says why that counts). */
static bool supervisor_timed(const struct supervisor *s)
{
        return s->o->ready || s->watchdog_next || s->kill_deadline || s->probe_fd >= 0;
}

static int poll_timeout_ms(const struct supervisor *s, uint64_t now)
{
        uint64_t next = UINT64_MAX;
        if (s->probe_fd >= 0)
                next = s->probe_kill_at;
        else if (s->o->ready && !s->ready && !s->not_ready)
                next = s->ready_next;
        if (s->probe_fd < 0 && s->watchdog_next && s->watchdog_next < next)
                next = s->watchdog_next;
        if (s->kill_deadline && s->kill_deadline < next)
                next = s->kill_deadline;
        if (next == UINT64_MAX)
                return -1;
        if (next <= now)
                return 0;
        uint64_t ms = (next - now + 999) / 1000;
        return ms > 3600000 ? 3600000 : (int) ms;
}

static int exit_status_of(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

static void random_suffix(char buf[static HEX_U64_MAX])
{
        uint64_t r = 0;
        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
                r = (uint64_t) now_usec() ^ ((uint64_t) getpid() << 32);
        format_hex_u64(buf, r);
}

/* The child's NOTIFY_SOCKET: the one asked for, or a private abstract name
 * no other process can guess (@planet-initd/PID/RANDOM). Joined by hand, as
 * the rest of the start path (string-util.h). */
static int child_socket_name(const char *wanted, pid_t self, char *buf, size_t size)
{
        char pid[DECIMAL_U64_MAX], rnd[HEX_U64_MAX];
        if (wanted)
                return strjoin_into(buf, size, wanted);
        random_suffix(rnd);
        return strjoin_into(buf, size, "@planet-initd/", format_u64(pid, (uint64_t) self), "/",
                            rnd);
}

static _Noreturn void child_exec(const struct supervise_options *o, struct supervise_child_env *env,
                                 const sigset_t *orig_mask, int error_pipe, int gate)
{
        int e;
        supervise_child_env_set_pid(env, getpid());
        /* systemd hands socket-activation fds over without close-on-exec;
         * make sure they stay that way whatever happened in between. */
        for (unsigned i = 0; i < env->n_listen_fds; i++) {
                int fl = fcntl(3 + (int) i, F_GETFD);
                if (fl >= 0)
                        (void) fcntl(3 + (int) i, F_SETFD, fl & ~FD_CLOEXEC);
        }
        sigprocmask(SIG_SETMASK, orig_mask, NULL);
        /* The start gate: wait until the parent has emptied the notify
         * socket (EOF when it closes its end), so that nothing queued there
         * can be taken for ours (handle_datagram). */
        if (gate >= 0) {
                char c;
                while (read(gate, &c, 1) < 0 && errno == EINTR)
                        ;
        }
        /* No error text in the forked child: the errno travels up the pipe. */
        if (o->exec_context && (e = -selinuxfs_set_exec_context(o->exec_context, NULL)) > 0)
                goto fail;
        execve(o->path, o->argv, env->envp);
        e = errno;
fail:
        while (write(error_pipe, &e, sizeof(e)) < 0 && errno == EINTR)
                ;
        _exit(e == ENOENT ? SUPERVISE_EXIT_NOT_FOUND : SUPERVISE_EXIT_CANNOT_EXEC);
}

int supervise_run(const struct supervise_options *o, int *ret_exit_status, struct planet_error *err)
{
        struct supervisor s = {.o = o,
                               .self = getpid(),
                               .notify_fd = -1,
                               .upstream_fd = -1,
                               .probe_fd = -1,
                               .child_pidfd = -1,
                               .senders = NOTIFY_SENDER_CACHE_INIT};
        _cleanup_(supervise_child_env_done) struct supervise_child_env env = {0};
        _cleanup_close_ int sfd = -1, notify_fd = -1, upstream_fd = -1;
        char child_socket[sizeof(s.child_address.sun.sun_path) + 2] = "";
        sigset_t fwd, orig_mask;
        int pipefd[2], gate[2] = {-1, -1}, r;

        *ret_exit_status = 1;

        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return planet_error_set(err, errno, "cannot become a child subreaper: %m");

        if (o->notify_upstream) {
                r = notify_address_parse(o->notify_upstream, &s.upstream, err);
                if (r < 0)
                        return planet_error_prefix(err, "NOTIFY_SOCKET");
                r = notify_socket_open_sender(&upstream_fd, err);
                if (r < 0)
                        return r;
                s.upstream_fd = upstream_fd;
                s.upstream_connected = connect(upstream_fd, (struct sockaddr *) &s.upstream.sun,
                                               s.upstream.len) >= 0;

                /* Bound before fork, so the child's first message cannot
                 * arrive at a socket that does not exist yet. A name too
                 * long for the buffer is too long for a socket address: the
                 * parser then says so, naming it. */
                r = child_socket_name(o->notify_child, s.self, child_socket, sizeof(child_socket));
                r = notify_address_parse(r < 0 ? o->notify_child : child_socket, &s.child_address,
                                         err);
                if (r < 0)
                        return planet_error_prefix(err, "child notify socket");
                r = notify_socket_bind(&s.child_address, &notify_fd, err);
                if (r < 0)
                        return r;
                s.child_address_is_path = child_socket[0] == '/';
                s.notify_fd = notify_fd;
        }

        r = supervise_child_env_new(o->envp, s.self, s.notify_fd >= 0 ? child_socket : NULL,
                                    o->watchdog != NULL, &env);
        if (r < 0)
                return planet_error_set(err, -r, "cannot prepare the service's environment");

        forwarded_signals(&fwd);
        sigaddset(&fwd, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &fwd, &orig_mask) < 0)
                return planet_error_set(err, errno, "cannot block signals: %m");
        sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                r = planet_error_set(err, errno, "cannot create a signalfd: %m");
                goto restore;
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                r = planet_error_set(err, errno, "cannot create a pipe: %m");
                goto restore;
        }
        if (s.notify_fd >= 0) {
                s.batch = notify_batch_new();
                if (!s.batch || pipe2(gate, O_CLOEXEC) < 0) {
                        r = planet_error_set(err, s.batch ? errno : ENOMEM,
                                             "cannot prepare the notify relay: %m");
                        close(pipefd[0]);
                        close(pipefd[1]);
                        goto restore;
                }
        }

        s.child = fork();
        if (s.child < 0) {
                r = planet_error_set(err, errno, "cannot fork: %m");
                close(pipefd[0]);
                close(pipefd[1]);
                goto restore;
        }
        if (s.child == 0) {
                close(pipefd[0]);
                if (gate[1] >= 0)
                        close(gate[1]);
                child_exec(o, &env, &orig_mask, pipefd[1], gate[0]);
        }
        close(pipefd[1]);
        if (gate[0] >= 0) {
                close(gate[0]);
                gate[0] = -1;
                discard_notify(&s);
                close(gate[1]); /* the gate opens */
                gate[1] = -1;
        }
        /* Held while the child lives: the kernel then attaches to each of
         * its datagrams (SCM_PIDFD) a pidfd on this same pidfs inode instead
         * of allocating one per datagram. Best effort (Linux 5.3). */
        s.child_pidfd = (int) syscall(SYS_pidfd_open, s.child, 0);

        /* EOF means the exec happened (the pipe is close-on-exec); an int
         * means it failed with that errno. */
        int child_errno = 0;
        ssize_t n;
        do
                n = read(pipefd[0], &child_errno, sizeof(child_errno));
        while (n < 0 && errno == EINTR);
        close(pipefd[0]);
        if (n == (ssize_t) sizeof(child_errno)) {
                (void) waitpid(s.child, NULL, 0);
                *ret_exit_status = child_errno == ENOENT ? SUPERVISE_EXIT_NOT_FOUND
                                                         : SUPERVISE_EXIT_CANNOT_EXEC;
                r = planet_error_set(err, child_errno, "cannot execute %s%s%s: %s", o->path,
                                     o->exec_context ? " in " : "",
                                     o->exec_context ? o->exec_context : "", strerror(child_errno));
                goto restore;
        }

        if (o->started)
                o->started(s.child, o->userdata);

        uint64_t start = o->ready || (o->watchdog && o->watchdog_usec > 0) ? now_usec() : 0;
        if (o->ready) {
                s.ready_deadline = start + o->ready_timeout_usec;
                s.ready_next = start;
                s.ready_backoff = READY_RETRY_MIN_USEC;
        }
        if (o->watchdog && o->watchdog_usec > 0)
                s.watchdog_next = start + o->watchdog_usec / 2;

        /* Work only on what poll reported: a relayed datagram costs its
         * receive and send (and a wake-up), not a round of idle calls. */
        bool notify_pending = true, exits_pending = true;
        for (;;) {
                if (notify_pending)
                        drain_notify(&s);
                if (exits_pending)
                        reap(&s); /* drains before each reap */
                if (s.child_exited) {
                        drain_notify(&s);
                        break;
                }

                uint64_t now = supervisor_timed(&s) ? now_usec() : 0;
                if (s.kill_deadline && now >= s.kill_deadline) {
                        (void) kill(s.child, SIGKILL);
                        s.kill_deadline = 0;
                }
                if (s.probe_fd >= 0 && now >= s.probe_kill_at) {
                        (void) kill(-s.probe_pid, SIGKILL);
                        s.probe_kill_at = UINT64_MAX; /* EOF follows */
                }
                maybe_start_probes(&s, now);

                /* Unused slots have fd -1, which poll ignores. */
                struct pollfd pfd[3] = {
                        {.fd = sfd, .events = POLLIN},
                        {.fd = s.notify_fd, .events = POLLIN},
                        {.fd = s.probe_fd, .events = POLLIN},
                };
                int k = poll(pfd, 3, poll_timeout_ms(&s, now));
                if (k < 0 && errno != EINTR) {
                        r = planet_error_set(err, errno, "poll failed: %m");
                        goto restore;
                }
                notify_pending = k > 0 && pfd[1].revents;
                exits_pending = false;
                if (s.probe_fd >= 0 && k > 0 && pfd[2].revents)
                        probe_readable(&s);
                if (k > 0 && pfd[0].revents) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if ((int) si.ssi_signo == SIGCHLD) {
                                        exits_pending = true;
                                        continue;
                                }
                                if (!s.child_exited)
                                        (void) kill(s.child, (int) si.ssi_signo);
                        }
                }
        }

        if (s.probe_fd >= 0) {
                (void) kill(-s.probe_pid, SIGKILL);
                close(s.probe_fd);
        }
        if (s.complaints.suppressed > 0)
                fprintf(stderr, LOG_PREFIX "%u more notify problems not logged\n",
                        s.complaints.suppressed);
        *ret_exit_status = s.not_ready ? SUPERVISE_EXIT_NOT_READY : exit_status_of(s.child_status);
        r = 0;
restore:
        (void) sigprocmask(SIG_SETMASK, &orig_mask, NULL);
        for (int i = 0; i < 2; i++)
                if (gate[i] >= 0)
                        close(gate[i]);
        if (s.child_pidfd >= 0)
                close(s.child_pidfd);
        notify_batch_free(s.batch);
        if (s.child_address_is_path)
                (void) unlink(s.child_address.sun.sun_path);
        return r;
}
