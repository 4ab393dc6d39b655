/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark helpers for planet-initd (run by tests/bench/initd/run):
 *
 *   notify-bench relay N [WRAPPER ARGS... --]
 *       Bind a receiver as systemd binds NOTIFY_SOCKET, run `WRAPPER ARGS --
 *       notify-bench send N` under it (or the sender directly when no
 *       wrapper is given) and time N datagrams end to end: throughput for a
 *       burst, and the latency distribution (p50/p99/max) for N messages
 *       paced 50 µs apart.
 *   notify-bench relay-rounds R N WRAPPER ARGS... --
 *       R rounds of N messages each on three paths, one after the other
 *       and in a different order each round: direct, through the floor
 *       forwarder and through the wrapper; pooled per path, with the
 *       relay's cost beside them: its rate against the direct path's (the
 *       ceiling: same sender, same receiver, same moment), the latency it
 *       adds, its own CPU per message, and each round's p99 apart.
 *   notify-bench forward -- CMD...
 *       The floor forwarder: run CMD with its own NOTIFY_SOCKET and pass
 *       each datagram on to ours, blocking recv then send, nothing else
 *       (no poll, no credentials, no checks). What one more hop costs on
 *       this machine, whatever the relay does.
 *   notify-bench send N     the service: N burst messages (one connected
 *                           socket, sendmmsg), then N paced, then X_END=1
 *   notify-bench rss CMD…   run CMD, print its peak RSS in KiB (wait4)
 *   notify-bench drain PATH bind a datagram socket at PATH and read forever
 *                           (a stand-in journald); prints "ready" when bound
 *   notify-bench start ROUNDS NAME CMD [NAME CMD]…
 *       Start each CMD (split at spaces, no shell) once per round, the
 *       commands interleaved so that a shared machine's load changes hit all
 *       alike; per NAME: median and p90 wall time per start, median peak
 *       RSS, and the median's ratio to the first NAME's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* The service's side of the relay benchmark. The sender must not be what is
 * measured: it connects once and sends the burst with sendmmsg in batches
 * (sd_notify opens a socket and looks the address up for every message,
 * which alone capped the burst below 100 k/s on the development machine,
 * with or without a relay). The same sender runs directly and under the
 * wrapper, so the direct path is the ceiling any relay can reach. */
#define SEND_BATCH 32
#define PACE_NS 50000

static int send_all(int fd, struct mmsghdr *mm, unsigned n)
{
        while (n > 0) {
                int k = sendmmsg(fd, mm, n, 0);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                mm += k;
                n -= (unsigned) k;
        }
        return 0;
}

static int do_send(long n)
{
        struct notify_address a;
        int fd = -1;
        const char *e = getenv("NOTIFY_SOCKET");
        if (!e || notify_address_parse(e, &a, NULL) < 0 ||
            notify_socket_open_sender(&fd, NULL) < 0 ||
            connect(fd, (const struct sockaddr *) &a.sun, a.len) < 0)
                return 1;
        static char msg[SEND_BATCH][40];
        struct iovec iov[SEND_BATCH];
        struct mmsghdr mm[SEND_BATCH];

        /* Burst: as fast as the path takes them; a full queue blocks us. */
        for (long i = 0; i < n;) {
                unsigned k = 0;
                for (; k < SEND_BATCH && i < n; k++, i++) {
                        int len = snprintf(msg[k], sizeof(msg[k]), "STATUS=%" PRIu64, now_ns());
                        iov[k] = (struct iovec){.iov_base = msg[k], .iov_len = (size_t) len};
                        mm[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
                }
                if (send_all(fd, mm, k) < 0)
                        return 1;
        }
        /* Let the burst drain before the latency phase starts. */
        struct timespec next, pause = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        /* Paced: one every 50 µs, sleeping in between (a spinning sender
         * would steal the CPU the relay needs on a small machine), so the
         * latency is the path's, not a queue's. */
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (long i = 0; i < n; i++) {
                next.tv_nsec += PACE_NS;
                if (next.tv_nsec >= 1000000000) {
                        next.tv_nsec -= 1000000000;
                        next.tv_sec++;
                }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
                int len = snprintf(msg[0], sizeof(msg[0]), "STATUS=%" PRIu64, now_ns());
                if (send(fd, msg[0], (size_t) len, 0) < 0)
                        return 1;
        }
        if (send(fd, "X_END=1", 7, 0) < 0)
                return 1;
        return 0;
}

/* A task's CPU time so far, ns (schedstat: user+system, exact), and its
 * system share in clock ticks (stat: utime, stime). */
struct task_cpu {
        uint64_t ns;
        unsigned long utime, stime;
};

static int task_cpu_read(pid_t pid, struct task_cpu *ret)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/schedstat", (int) pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        int ok = fscanf(f, "%" SCNu64, &ret->ns) == 1;
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* "pid (comm) state ppid …": utime and stime are the 12th and 13th
         * fields after the comm. */
        char *p = strrchr(buf, ')');
        if (!ok || !p ||
            sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ret->utime,
                   &ret->stime) != 2)
                return -1;
        return 0;
}

/* What one or more trials of one path measured, pooled. */
struct relay_stats {
        uint64_t *paced; /* latencies, ns */
        long n;          /* messages per phase, so far */
        double *rate;    /* burst msg/s per trial */
        uint64_t *p99;   /* each trial's own paced p99, ns */
        long trials;
        uint64_t burst_ns;                   /* sum over trials of the burst's span */
        uint64_t cpu_burst_ns, cpu_paced_ns; /* the wrapper's own CPU per phase */
        unsigned long utime, stime;          /* the wrapper's, ticks, both phases */
};

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static uint64_t percentile(const uint64_t *sorted, long n, int p)
{
        return sorted[(n * p) / 100];
}

/* Receive a batch, waiting up to 10 s for it. */
static int receive_batch(int fd, struct notify_batch *b)
{
        for (;;) {
                int r = notify_receive_batch(fd, b);
                if (r != -EAGAIN)
                        return r;
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 10000) <= 0) {
                        fprintf(stderr, "notify-bench: stalled\n");
                        return -ETIMEDOUT;
                }
        }
}

/* One trial: n burst then n paced messages from a sender run under the
 * wrapper (argc > 0) or directly; figures added to st. The receiver binds
 * as systemd binds NOTIFY_SOCKET (SO_PASSCRED, SO_PASSPIDFD) and reads in
 * batches, so that it is not the limit either. */
static int relay_trial(long n, int argc, char **argv, const char *self, struct relay_stats *st)
{
        struct notify_address a;
        int fd = -1;
        char name[64];
        snprintf(name, sizeof(name), "@planet-initd-bench/%d", (int) getpid());
        if (notify_address_parse(name, &a, NULL) < 0 || notify_socket_bind(&a, &fd, NULL) < 0)
                return 1;
        int rcvbuf = 8 << 20;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));

        pid_t pid = fork();
        if (pid == 0) {
                char count[32];
                const char *args[64];
                int k = 0;
                snprintf(count, sizeof(count), "%ld", n);
                for (int i = 0; i < argc && k < 58; i++)
                        args[k++] = argv[i];
                args[k++] = self;
                args[k++] = "send";
                args[k++] = count;
                args[k] = NULL;
                setenv("NOTIFY_SOCKET", name, 1);
                execv(args[0], (char **) args);
                _exit(127);
        }

        bool wrapped = argc > 0;
        struct notify_batch *b = notify_batch_new();
        struct task_cpu c0 = {0}, c1 = {0}, c2 = {0};
        uint64_t first_sent = 0, last_burst = 0;
        long got = 0; /* STATUS= messages so far, burst then paced */
        bool end = false;
        while (!end) {
                if (!b || receive_batch(fd, b) < 0)
                        return 1;
                uint64_t t = now_ns();
                for (size_t i = 0; i < b->n; i++) {
                        const struct notify_datagram *d = &b->d[i];
                        if (!strncmp(d->buf, "X_END=", 6)) {
                                end = true;
                                continue;
                        }
                        if (strncmp(d->buf, "STATUS=", 7) || got >= 2 * n)
                                return 1;
                        uint64_t sent = strtoull(d->buf + 7, NULL, 10);
                        if (got == 0) {
                                first_sent = sent;
                                if (wrapped && task_cpu_read(pid, &c0) < 0)
                                        return 1;
                        }
                        if (got < n) {
                                last_burst = t;
                        } else {
                                st->paced[st->n + got - n] = t - sent;
                        }
                        got++;
                        if (wrapped && (got == n || got == 2 * n) &&
                            task_cpu_read(pid, got == n ? &c1 : &c2) < 0)
                                return 1;
                }
                notify_batch_done(b);
        }
        if (got != 2 * n)
                return 1;
        int status;
        waitpid(pid, &status, 0);
        st->burst_ns += last_burst - first_sent;
        /* This trial's p99 alone: a tail spread over every round is the
         * path's; one confined to a round or two is a moment of the
         * machine's. */
        uint64_t *mine = malloc((size_t) n * sizeof(uint64_t));
        if (!mine)
                return 1;
        memcpy(mine, st->paced + st->n, (size_t) n * sizeof(uint64_t));
        qsort(mine, (size_t) n, sizeof(uint64_t), cmp_u64);
        st->p99[st->trials] = percentile(mine, n, 99);
        free(mine);
        st->rate[st->trials++] = (double) n * 1e9 / (double) (last_burst - first_sent);
        if (wrapped) {
                st->cpu_burst_ns += c1.ns - c0.ns;
                st->cpu_paced_ns += c2.ns - c1.ns;
                st->utime += c2.utime - c0.utime;
                st->stime += c2.stime - c0.stime;
        }
        st->n += n;
        notify_batch_free(b);
        close(fd);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int stats_init(struct relay_stats *st, long rounds, long n)
{
        *st = (struct relay_stats){.paced = calloc((size_t) (rounds * n), sizeof(uint64_t)),
                                   .rate = calloc((size_t) rounds, sizeof(double)),
                                   .p99 = calloc((size_t) rounds, sizeof(uint64_t))};
        return st->paced && st->rate && st->p99 ? 0 : -ENOMEM;
}

static void stats_finish(struct relay_stats *st)
{
        qsort(st->paced, (size_t) st->n, sizeof(uint64_t), cmp_u64);
        qsort(st->rate, (size_t) st->trials, sizeof(double), cmp_double);
        qsort(st->p99, (size_t) st->trials, sizeof(uint64_t), cmp_u64);
}

static void report_path(const char *what, const struct relay_stats *st)
{
        printf("%-22s %9.0f %9.0f   %7.1f %7.1f %8.1f\n", what,
               (double) st->n * 1e9 / (double) st->burst_ns, st->rate[st->trials / 2],
               percentile(st->paced, st->n, 50) / 1e3, percentile(st->paced, st->n, 99) / 1e3,
               st->paced[st->n - 1] / 1e3);
}

static void report_header(void)
{
        long qlen = -1;
        FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
        if (f) {
                if (fscanf(f, "%ld", &qlen) != 1)
                        qlen = -1;
                fclose(f);
        }
        double load[3] = {0};
        f = fopen("/proc/loadavg", "re");
        if (f) {
                if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
                        load[0] = -1;
                fclose(f);
        }
        printf("unix max_dgram_qlen %ld (systemd sets 512; the kernel's default is 10), "
               "load %.2f %.2f %.2f\n",
               qlen, load[0], load[1], load[2]);
        printf("%-22s %9s %9s   %7s %7s %8s\n", "", "burst", "(median", "paced", "", "");
        printf("%-22s %9s %9s   %7s %7s %8s\n", "", "msg/s", "round)", "p50 us", "p99 us",
               "max us");
}

/* The paced tail in more detail: where it leaves the median behind. */
static void report_tail(const char *what, const struct relay_stats *st)
{
        printf("  %-20s p90 %.1f  p95 %.1f  p98 %.1f  p99 %.1f  p99.9 %.1f us\n", what,
               percentile(st->paced, st->n, 90) / 1e3, percentile(st->paced, st->n, 95) / 1e3,
               percentile(st->paced, st->n, 98) / 1e3, percentile(st->paced, st->n, 99) / 1e3,
               st->paced[(st->n * 999) / 1000] / 1e3);
}

/* Each round's p99 on its own, sorted: is the pooled p99 the path's or a
 * few rounds'? */
static void report_round_p99(const char *what, const struct relay_stats *st)
{
        printf("  %-20s", what);
        for (long i = 0; i < st->trials; i++)
                printf(" %.0f", st->p99[i] / 1e3);
        printf("   (median %.1f us)\n", st->p99[st->trials / 2] / 1e3);
}

static void report_versus(const char *what, const struct relay_stats *path,
                          const struct relay_stats *ref)
{
        printf("%-22s %9.2f %9.2f   %+7.1f %+7.1f\n", what,
               ((double) path->n / (double) path->burst_ns) /
                       ((double) ref->n / (double) ref->burst_ns),
               path->rate[path->trials / 2] / ref->rate[ref->trials / 2],
               ((double) percentile(path->paced, path->n, 50) -
                (double) percentile(ref->paced, ref->n, 50)) /
                       1e3,
               ((double) percentile(path->paced, path->n, 99) -
                (double) percentile(ref->paced, ref->n, 99)) /
                       1e3);
}

static void report_cpu(const char *what, const struct relay_stats *st)
{
        unsigned long ticks = st->utime + st->stime;
        printf("  %-20s %.2f us per message in the burst, %.2f us paced; %.0f %% in the kernel\n",
               what, (double) st->cpu_burst_ns / 1e3 / (double) st->n,
               (double) st->cpu_paced_ns / 1e3 / (double) st->n,
               ticks ? 100.0 * (double) st->stime / (double) ticks : 0.0);
}

static int do_relay(long n, int argc, char **argv, const char *self)
{
        struct relay_stats st;
        if (stats_init(&st, 1, n) < 0 || relay_trial(n, argc, argv, self, &st) != 0)
                return 1;
        stats_finish(&st);
        report_header();
        report_path(argc > 0 ? "through the wrapper" : "direct", &st);
        return 0;
}

/* Direct, through the floor forwarder and through the wrapper, one after
 * the other, the order rotating round by round, so that the load changes of
 * a shared machine hit all three alike and none always follows another;
 * figures pooled per path. */
static int do_relay_rounds(long rounds, long n, int argc, char **argv, const char *self)
{
        struct relay_stats st[3];
        char *forward[] = {(char *) self, (char *) "forward", (char *) "--"};
        if (rounds < 1 || n < 100)
                return 1;
        for (int p = 0; p < 3; p++)
                if (stats_init(&st[p], rounds, n) < 0)
                        return 1;
        for (long r = 0; r < rounds; r++)
                for (int k = 0; k < 3; k++) {
                        int p = (int) ((r + k) % 3);
                        int rc = p == 0   ? relay_trial(n, 0, NULL, self, &st[0])
                                 : p == 1 ? relay_trial(n, 3, forward, self, &st[1])
                                          : relay_trial(n, argc, argv, self, &st[2]);
                        if (rc != 0) {
                                fprintf(stderr, "notify-bench: round %ld failed\n", r);
                                return 1;
                        }
                }
        for (int p = 0; p < 3; p++)
                stats_finish(&st[p]);
        report_header();
        report_path("direct (the ceiling)", &st[0]);
        report_path("floor forwarder", &st[1]);
        report_path("through the wrapper", &st[2]);
        report_versus("floor vs direct", &st[1], &st[0]);
        report_versus("wrapper vs direct", &st[2], &st[0]);
        report_versus("wrapper vs floor", &st[2], &st[1]);
        printf("CPU of the process in the middle (schedstat):\n");
        report_cpu("floor forwarder", &st[1]);
        report_cpu("the wrapper", &st[2]);
        printf("paced latency tail, pooled:\n");
        report_tail("direct", &st[0]);
        report_tail("floor forwarder", &st[1]);
        report_tail("through the wrapper", &st[2]);
        printf("each round's own p99, us, sorted:\n");
        report_round_p99("direct", &st[0]);
        report_round_p99("floor forwarder", &st[1]);
        report_round_p99("through the wrapper", &st[2]);
        return 0;
}

/* The floor forwarder (see the top). Not a relay anyone should run: it
 * trusts every sender and drops nothing. */
static int do_forward(char **argv)
{
        struct notify_address up, own;
        char name[64];
        int up_fd, own_fd;
        const char *e = getenv("NOTIFY_SOCKET");
        snprintf(name, sizeof(name), "@planet-initd-bench-forward/%d", (int) getpid());
        if (!e || notify_address_parse(e, &up, NULL) < 0 ||
            notify_address_parse(name, &own, NULL) < 0)
                return 1;
        up_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        own_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (up_fd < 0 || own_fd < 0 || connect(up_fd, (struct sockaddr *) &up.sun, up.len) < 0 ||
            bind(own_fd, (struct sockaddr *) &own.sun, own.len) < 0)
                return 1;
        int rcvbuf = 8 << 20;
        (void) setsockopt(own_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
        pid_t pid = fork();
        if (pid == 0) {
                setenv("NOTIFY_SOCKET", name, 1);
                execv(argv[0], argv);
                _exit(127);
        }
        static char buf[NOTIFY_DATAGRAM_MAX];
        for (;;) {
                ssize_t n = recv(own_fd, buf, sizeof(buf), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || send(up_fd, buf, (size_t) n, 0) < 0)
                        return 1;
                if (n == 7 && !memcmp(buf, "X_END=1", 7))
                        break;
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int do_rss(char **argv)
{
        pid_t pid = fork();
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0)
                return 1;
        printf("%ld\n", ru.ru_maxrss);
        return 0;
}

struct start_cmd {
        const char *name;
        char *argv[32];
        uint64_t *ns;
        long *rss;
        long *cpu; /* user+sys µs of the command and what it waited for */
};

static int cmp_long(const void *a, const void *b)
{
        long x = *(const long *) a, y = *(const long *) b;
        return x < y ? -1 : x > y;
}

static int do_start(long rounds, int n, char **spec)
{
        struct start_cmd c[16];
        if (n > 16)
                return 2;
        for (int i = 0; i < n; i++) {
                int k = 0;
                c[i].name = spec[2 * i];
                for (char *t = strtok(spec[2 * i + 1], " "); t && k < 31; t = strtok(NULL, " "))
                        c[i].argv[k++] = t;
                c[i].argv[k] = NULL;
                c[i].ns = calloc((size_t) rounds, sizeof(uint64_t));
                c[i].rss = calloc((size_t) rounds, sizeof(long));
                c[i].cpu = calloc((size_t) rounds, sizeof(long));
        }
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        for (long r = -10; r < rounds; r++) { /* 10 warm-up rounds */
                for (int i = 0; i < n; i++) {
                        uint64_t t0 = now_ns();
                        pid_t pid = fork();
                        if (pid == 0) {
                                dup2(devnull, STDERR_FILENO);
                                execvp(c[i].argv[0], c[i].argv);
                                _exit(127);
                        }
                        int status;
                        struct rusage ru;
                        if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
                            WEXITSTATUS(status) != 0) {
                                fprintf(stderr, "notify-bench: %s failed\n", c[i].name);
                                return 1;
                        }
                        if (r >= 0) {
                                c[i].ns[r] = now_ns() - t0;
                                c[i].rss[r] = ru.ru_maxrss;
                                c[i].cpu[r] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                                              ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
                        }
                }
        }
        printf("%-11s %9s %9s %6s %9s %6s %9s\n", "", "wall med", "wall p90", "ratio", "CPU mean",
               "ratio", "peak RSS");
        uint64_t ref = 0;
        double cpu_ref = 0;
        for (int i = 0; i < n; i++) {
                qsort(c[i].ns, (size_t) rounds, sizeof(uint64_t), cmp_u64);
                qsort(c[i].rss, (size_t) rounds, sizeof(long), cmp_long);
                uint64_t med = c[i].ns[rounds / 2];
                /* CPU time: getrusage's granularity is coarse per run, so the
                 * mean over all rounds, not a median. */
                double cpu = 0;
                for (long r = 0; r < rounds; r++)
                        cpu += (double) c[i].cpu[r];
                cpu /= (double) rounds;
                if (i == 0) {
                        ref = med;
                        cpu_ref = cpu;
                }
                printf("%-11s %7.0fus %7.0fus %6.2f %7.0fus %6.2f %5ld KiB\n", c[i].name, med / 1e3,
                       c[i].ns[(rounds * 9) / 10] / 1e3, (double) med / (double) ref, cpu,
                       cpu / cpu_ref, c[i].rss[rounds / 2]);
        }
        return 0;
}

static int do_drain(const char *path)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        char buf[65536];
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int size = 8 << 20;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0)
                return 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        printf("ready\n");
        fflush(stdout);
        for (;;)
                if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
                        return 1;
}

int main(int argc, char **argv)
{
        if (argc == 3 && !strcmp(argv[1], "drain"))
                return do_drain(argv[2]);
        if (argc >= 5 && !strcmp(argv[1], "start") && (argc - 3) % 2 == 0)
                return do_start(atol(argv[2]), (argc - 3) / 2, argv + 3);
        if (argc >= 3 && !strcmp(argv[1], "send"))
                return do_send(atol(argv[2]));
        if (argc >= 3 && !strcmp(argv[1], "relay")) {
                int k = 3;
                while (k < argc && strcmp(argv[k], "--"))
                        k++;
                return do_relay(atol(argv[2]), argc > 3 ? k - 3 + (k < argc) : 0, argv + 3,
                                argv[0]);
        }
        if (argc >= 6 && !strcmp(argv[1], "relay-rounds")) {
                int k = 4;
                while (k < argc && strcmp(argv[k], "--"))
                        k++;
                return do_relay_rounds(atol(argv[2]), atol(argv[3]), k - 4 + (k < argc), argv + 4,
                                       argv[0]);
        }
        if (argc >= 4 && !strcmp(argv[1], "forward") && !strcmp(argv[2], "--"))
                return do_forward(argv + 3);
        if (argc >= 3 && !strcmp(argv[1], "rss"))
                return do_rss(argv + 2);
        fprintf(stderr,
                "usage: notify-bench relay N [WRAPPER ARGS --] | relay-rounds R N WRAPPER "
                "ARGS -- | forward -- CMD... | send N | rss CMD... | start ... | drain PATH\n");
        return 2;
}
