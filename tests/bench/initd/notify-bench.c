/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark helpers for planet-initd (run by tests/bench/initd/run):
 *
 *   notify-bench relay N [WRAPPER ARGS... --]
 *       Bind a receiver as systemd would, run `WRAPPER ARGS -- notify-bench
 *       send N` under it (or the sender directly when no wrapper is given)
 *       and time N datagrams end to end: throughput for a burst, and the
 *       latency distribution (p50/p99/max) for N messages paced 50 µs apart.
 *   notify-bench relay-rounds R N WRAPPER ARGS... --
 *       R rounds of N messages each, direct and through the wrapper
 *       alternately; latencies and times pooled per path.
 *   notify-bench send N     the service: N burst messages, then N paced
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

static int do_send(long n)
{
        struct notify_address a;
        int fd = -1;
        const char *e = getenv("NOTIFY_SOCKET");
        if (!e || notify_address_parse(e, &a, NULL) < 0 || notify_socket_open_sender(&fd, NULL) < 0)
                return 1;
        char msg[64];
        /* Burst: as fast as the relay takes them. */
        for (long i = 0; i < n; i++) {
                int k = snprintf(msg, sizeof(msg), "STATUS=%" PRIu64, now_ns());
                if (notify_send(fd, &a, msg, (size_t) k, NULL, 0) < 0)
                        return 1;
        }
        /* Paced: one every 50 µs, sleeping in between (a spinning sender
         * would steal the CPU the relay needs on a small machine), so the
         * latency is the relay's, not a queue's. */
        struct timespec next;
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (long i = 0; i < n; i++) {
                next.tv_nsec += 50000;
                if (next.tv_nsec >= 1000000000) {
                        next.tv_nsec -= 1000000000;
                        next.tv_sec++;
                }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
                int k = snprintf(msg, sizeof(msg), "STATUS=%" PRIu64, now_ns());
                if (notify_send(fd, &a, msg, (size_t) k, NULL, 0) < 0)
                        return 1;
        }
        /* Our own CPU time, so the receiver can tell the relay's apart. */
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        int k = snprintf(msg, sizeof(msg), "X_CPU_USEC=%ld",
                         (long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                                 ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
        if (notify_send(fd, &a, msg, (size_t) k, NULL, 0) < 0)
                return 1;
        return 0;
}

/* What one or more trials measured, pooled. */
struct relay_stats {
        uint64_t *burst, *paced; /* latencies, ns */
        long n;                  /* per phase, so far */
        double burst_span_s;     /* sum over trials */
        long wrapper_cpu_us;     /* the wrapper's user+sys, the sender's subtracted */
};

static void report(const char *what, uint64_t *lat, long n, double span_s)
{
        qsort(lat, (size_t) n, sizeof(*lat), cmp_u64);
        printf("%-8s %8.0f msg/s  p50 %6.1f us  p99 %6.1f us  max %7.1f us\n", what, n / span_s,
               lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3, lat[n - 1] / 1e3);
}

static void report_stats(struct relay_stats *st, bool wrapped)
{
        report("burst", st->burst, st->n, st->burst_span_s);
        /* Paced throughput is the pacing: only the latencies matter. */
        qsort(st->paced, (size_t) st->n, sizeof(uint64_t), cmp_u64);
        printf("%-8s %14s  p50 %6.1f us  p99 %6.1f us  max %7.1f us\n", "paced", "(50 us apart)",
               st->paced[st->n / 2] / 1e3, st->paced[(st->n * 99) / 100] / 1e3,
               st->paced[st->n - 1] / 1e3);
        if (wrapped)
                printf("relay CPU (user+sys of the wrapper): %.1f us per message\n",
                       (double) st->wrapper_cpu_us / (2.0 * (double) st->n));
}

static int receive_one(int fd, struct notify_datagram *d)
{
        for (;;) {
                int r = notify_receive(fd, d);
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
 * wrapper (argc > 0) or directly; latencies appended to st. */
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

        struct notify_datagram *d = malloc(sizeof(*d));
        uint64_t first = 0, last = 0;
        for (int phase = 0; phase < 2; phase++) {
                uint64_t *lat = (phase == 0 ? st->burst : st->paced) + st->n;
                for (long i = 0; i < n; i++) {
                        if (receive_one(fd, d) < 0)
                                return 1;
                        uint64_t t = now_ns(), sent = strtoull(d->buf + 7, NULL, 10);
                        notify_datagram_done(d);
                        if (i == 0)
                                first = sent;
                        last = t;
                        lat[i] = t - sent;
                }
                if (phase == 0)
                        st->burst_span_s += (double) (last - first) / 1e9;
        }
        long sender_cpu = 0;
        for (;;) {
                if (receive_one(fd, d) < 0)
                        return 1;
                notify_datagram_done(d);
                if (!strncmp(d->buf, "X_CPU_USEC=", 11)) {
                        sender_cpu = atol(d->buf + 11);
                        break;
                }
        }
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        long cpu = (long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                   ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        st->wrapper_cpu_us += cpu - sender_cpu;
        st->n += n;
        free(d);
        close(fd);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int stats_init(struct relay_stats *st, long total)
{
        *st = (struct relay_stats){.burst = calloc((size_t) total, sizeof(uint64_t)),
                                   .paced = calloc((size_t) total, sizeof(uint64_t))};
        return st->burst && st->paced ? 0 : -ENOMEM;
}

static int do_relay(long n, int argc, char **argv, const char *self)
{
        struct relay_stats st;
        if (stats_init(&st, n) < 0 || relay_trial(n, argc, argv, self, &st) != 0)
                return 1;
        report_stats(&st, argc > 0);
        return 0;
}

/* Direct and through the wrapper, alternating round by round so that the
 * load changes of a shared machine hit both alike; figures pooled. */
static int do_relay_rounds(long rounds, long n, int argc, char **argv, const char *self)
{
        struct relay_stats direct, relayed;
        if (stats_init(&direct, rounds * n) < 0 || stats_init(&relayed, rounds * n) < 0)
                return 1;
        for (long r = 0; r < rounds; r++)
                if (relay_trial(n, 0, NULL, self, &direct) != 0 ||
                    relay_trial(n, argc, argv, self, &relayed) != 0)
                        return 1;
        printf("-- direct to the receiver (no relay):\n");
        report_stats(&direct, false);
        printf("-- through the wrapper:\n");
        report_stats(&relayed, true);
        return 0;
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
        if (argc >= 3 && !strcmp(argv[1], "rss"))
                return do_rss(argv + 2);
        fprintf(stderr, "usage: notify-bench relay N [WRAPPER ARGS --] | relay-rounds R N WRAPPER "
                        "ARGS -- | send N | rss CMD... | start ... | drain PATH\n");
        return 2;
}
