/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The notify module on its own: message validation, addresses, receiving
 * with credentials over real sockets, sender authentication with real
 * processes. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"

static void parse_ok(const char *in, const char *relay, unsigned flags)
{
        struct notify_message m = {0};
        struct planet_error err = {0};
        cr_assert_eq(notify_message_parse(in, strlen(in), &m, &err), 0, "'%s' refused: %s", in,
                     err.msg ? err.msg : "");
        cr_assert_str_eq(m.relay, relay);
        cr_assert_eq(m.relay_len, strlen(relay));
        cr_assert_eq(m.flags, flags, "'%s': flags %#x, expected %#x", in, m.flags, flags);
        notify_message_done(&m);
}

static void parse_bad(const void *in, size_t len, const char *why)
{
        struct notify_message m = {0};
        struct planet_error err = {0};
        cr_assert_eq(notify_message_parse(in, len, &m, &err), -EBADMSG, "accepted: %.*s", (int) len,
                     (const char *) in);
        cr_assert(err.msg && strstr(err.msg, why), "message '%s' lacks '%s'",
                  err.msg ? err.msg : "", why);
        cr_assert_null(m.relay);
        planet_error_clear(&err);
}

Test(notify_parse, known_fields)
{
        parse_ok("READY=1", "READY=1", NOTIFY_READY);
        parse_ok("RELOADING=1\nMONOTONIC_USEC=1700000000000000",
                 "RELOADING=1\nMONOTONIC_USEC=1700000000000000", NOTIFY_RELOADING);
        parse_ok("STOPPING=1\n", "STOPPING=1", NOTIFY_STOPPING);
        parse_ok("STATUS=a = b: c", "STATUS=a = b: c", NOTIFY_STATUS);
        parse_ok("STATUS=", "STATUS=", NOTIFY_STATUS);
        parse_ok("ERRNO=2", "ERRNO=2", 0);
        parse_ok("BUSERROR=org.example.Error", "BUSERROR=org.example.Error", 0);
        parse_ok("WATCHDOG=1", "WATCHDOG=1", NOTIFY_WATCHDOG);
        parse_ok("WATCHDOG=trigger", "WATCHDOG=trigger", NOTIFY_WATCHDOG_TRIGGER);
        parse_ok("WATCHDOG_USEC=1000000", "WATCHDOG_USEC=1000000", 0);
        parse_ok("EXTEND_TIMEOUT_USEC=5000000", "EXTEND_TIMEOUT_USEC=5000000", 0);
        parse_ok("FDSTORE=1\nFDNAME=web", "FDSTORE=1\nFDNAME=web", NOTIFY_FDSTORE);
        parse_ok("BARRIER=1", "BARRIER=1", NOTIFY_BARRIER);
        parse_ok("X_CUSTOM_1=anything", "X_CUSTOM_1=anything", 0);
        parse_ok("\n\nREADY=1\n\nSTATUS=x\n", "READY=1\nSTATUS=x", NOTIFY_READY | NOTIFY_STATUS);
}

Test(notify_parse, mainpid_is_stripped)
{
        parse_ok("MAINPID=42\nREADY=1\nMAINPIDFDID=9", "READY=1",
                 NOTIFY_READY | NOTIFY_MAINPID_STRIPPED);
        parse_ok("MAINPID=42", "", NOTIFY_MAINPID_STRIPPED);
}

Test(notify_parse, malformed)
{
        parse_bad("", 0, "empty");
        parse_bad("READY=1\0STATUS=x", 16, "NUL");
        parse_bad("READY", 5, "VARIABLE=VALUE");
        parse_bad("ready=1", 7, "VARIABLE=VALUE");
        parse_bad("=1", 2, "VARIABLE=VALUE");
        parse_bad("1READY=1", 8, "VARIABLE=VALUE");
        parse_bad("READY=2", 7, "READY takes only 1");
        parse_bad("READY=1\nWATCHDOG=yes", 20, "WATCHDOG takes 1 or trigger");
        parse_bad("EXTEND_TIMEOUT_USEC=-5", 22, "microseconds");
        parse_bad("MONOTONIC_USEC=12a", 18, "microseconds");
        parse_bad("ERRNO=x", 7, "decimal");
        parse_bad("BARRIER=0", 9, "BARRIER");
        char big[NOTIFY_DATAGRAM_MAX + 1];
        memset(big, 'A', sizeof(big));
        memcpy(big, "STATUS=", 7);
        parse_bad(big, sizeof(big), "exceeds");
}

Test(notify_address, forms)
{
        struct notify_address a;
        char buf[256];
        struct planet_error err = {0};
        cr_assert_eq(notify_address_parse("/run/systemd/notify", &a, NULL), 0);
        notify_address_format(&a, buf, sizeof(buf));
        cr_assert_str_eq(buf, "/run/systemd/notify");
        cr_assert_eq(notify_address_parse("@abstract/name", &a, NULL), 0);
        cr_assert_eq(a.sun.sun_path[0], '\0');
        notify_address_format(&a, buf, sizeof(buf));
        cr_assert_str_eq(buf, "@abstract/name");

        char path[200] = "/";
        memset(path + 1, 'p', 106); /* 107 bytes: the longest that fits */
        path[107] = '\0';
        cr_assert_eq(notify_address_parse(path, &a, NULL), 0);
        path[107] = 'p';
        path[108] = '\0';
        cr_assert_eq(notify_address_parse(path, &a, &err), -ENAMETOOLONG);
        cr_assert(strstr(err.msg, "longer than 107"));
        cr_assert_eq(notify_address_parse("vsock:2:1234", &a, &err), -EPROTONOSUPPORT);
        cr_assert_eq(notify_address_parse("relative", &a, &err), -EPROTONOSUPPORT);
        cr_assert_eq(notify_address_parse("@", &a, &err), -EINVAL);
        planet_error_clear(&err);
}

static int bound(struct notify_address *a)
{
        char name[64];
        int fd = -1;
        snprintf(name, sizeof(name), "@planet-initd-test-notify/%d", (int) getpid());
        cr_assert_eq(notify_address_parse(name, a, NULL), 0);
        cr_assert_eq(notify_socket_bind(a, &fd, NULL), 0);
        return fd;
}

Test(notify_receive, credentials_fds_and_truncation)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1, p[2];
        struct notify_datagram d;
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        cr_assert_eq(pipe(p), 0);

        cr_assert_eq(notify_send(tx, &a, "FDSTORE=1", 9, p, 2), 0);
        cr_assert_eq(notify_receive(fd, &d), 0);
        cr_assert_str_eq(d.buf, "FDSTORE=1");
        cr_assert_eq(d.pid, getpid());
        cr_assert_eq(d.uid, getuid());
        cr_assert_eq(d.n_fds, 2);
        cr_assert(!d.truncated);
        cr_assert(fcntl(d.fds[0], F_GETFD) & FD_CLOEXEC, "received fds must be close-on-exec");
        /* Linux >= 6.5 attaches the sender's pidfd: it must name us. */
        if (d.pidfd >= 0)
                cr_assert(notify_sender_is_descendant(getpid(), d.pidfd, getpid()));
        notify_datagram_done(&d);

        char big[6000];
        memset(big, 'A', sizeof(big));
        cr_assert_eq(notify_send(tx, &a, big, sizeof(big), NULL, 0), 0);
        cr_assert_eq(notify_receive(fd, &d), 0);
        cr_assert(d.truncated, "a 6000-byte datagram must be recognised as too long");
        notify_datagram_done(&d);
        cr_assert_eq(notify_receive(fd, &d), -EAGAIN);
        close(p[0]);
        close(p[1]);
        close(tx);
        close(fd);
}

Test(notify_auth, descendants_only)
{
        pid_t self = getpid();
        cr_assert(notify_sender_is_descendant(self, -1, self));
        cr_assert_not(notify_sender_is_descendant(getppid(), -1, self));
        cr_assert_not(notify_sender_is_descendant(1, -1, self));
        cr_assert_not(notify_sender_is_descendant(0, -1, self));

        int go[2];
        cr_assert_eq(pipe(go), 0);
        pid_t c = fork();
        if (c == 0) {
                pid_t g = fork();
                if (g == 0) {
                        char x;
                        (void) !read(go[0], &x, 1);
                        _exit(0);
                }
                char x;
                (void) !read(go[0], &x, 1);
                waitpid(g, NULL, 0);
                _exit(0);
        }
        /* Find the grandchild: a child of c. */
        usleep(50 * 1000);
        char path[64], buf[256] = "";
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) c, (int) c);
        FILE *f = fopen(path, "re");
        cr_assert(f);
        cr_assert(fgets(buf, sizeof(buf), f));
        fclose(f);
        pid_t g = atoi(buf);
        cr_assert_gt(g, 0);
        cr_assert(notify_sender_is_descendant(c, -1, self));
        cr_assert(notify_sender_is_descendant(g, -1, self));
        cr_assert(notify_sender_is_descendant(g, -1, c));
        cr_assert_not(notify_sender_is_descendant(c, -1, g));
        cr_assert_eq(write(go[1], "xx", 2), 2);
        waitpid(c, NULL, 0);
        /* Gone: cannot be authenticated any more. */
        cr_assert_not(notify_sender_is_descendant(c, -1, self));
}

static bool fd_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

Test(notify_receive, batches_keep_order_fds_and_truncation)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1, p[2];
        struct notify_batch *b = notify_batch_new();
        cr_assert_not_null(b);
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        cr_assert_eq(pipe(p), 0);

        cr_assert_eq(notify_receive_batch(fd, b), -EAGAIN);
        cr_assert(b->drained);

        char big[6000];
        memset(big, 'A', sizeof(big));
        cr_assert_eq(notify_send(tx, &a, "STATUS=1", 8, NULL, 0), 0);
        cr_assert_eq(notify_send(tx, &a, "FDSTORE=1", 9, p, 2), 0);
        cr_assert_eq(notify_send(tx, &a, big, sizeof(big), NULL, 0), 0);
        cr_assert_eq(notify_send(tx, &a, "STATUS=4", 8, NULL, 0), 0);
        cr_assert_eq(notify_receive_batch(fd, b), 0);
        cr_assert_eq(b->n, 4);
        cr_assert(b->drained, "fewer than asked for: the queue was seen empty");
        cr_assert_str_eq(b->d[0].buf, "STATUS=1");
        cr_assert_str_eq(b->d[1].buf, "FDSTORE=1");
        cr_assert_eq(b->d[1].n_fds, 2);
        cr_assert(b->d[2].truncated);
        cr_assert_eq(b->d[2].size, sizeof(big));
        cr_assert_str_eq(b->d[3].buf, "STATUS=4");
        for (size_t i = 0; i < b->n; i++) {
                cr_assert_eq(b->d[i].pid, getpid());
                cr_assert_eq(b->d[i].n_fds, i == 1 ? 2u : 0u);
        }
        int passed[] = {b->d[1].fds[0], b->d[1].fds[1]};
        int pidfds[] = {b->d[0].pidfd, b->d[3].pidfd};
        notify_batch_done(b);
        for (size_t i = 0; i < ELEMENTSOF(passed); i++)
                cr_assert_not(fd_open(passed[i]), "passed fd %d still open", passed[i]);
        cr_assert(fd_open(fd) && fd_open(tx) && fd_open(p[0]), "only the batch's fds close");
        /* Sender pidfds wait to be closed together (notify_batch_free
         * closes them below). */
        for (size_t i = 0; i < ELEMENTSOF(pidfds); i++)
                if (pidfds[i] >= 0)
                        cr_assert(fd_open(pidfds[i]), "pidfd %d closed early", pidfds[i]);

        /* More than a batch: the first receive is not "drained". */
        for (int i = 0; i < NOTIFY_BATCH_MAX + 2; i++) {
                char m[32];
                int k = snprintf(m, sizeof(m), "STATUS=%d", i);
                cr_assert_eq(notify_send(tx, &a, m, (size_t) k, NULL, 0), 0);
        }
        cr_assert_eq(notify_receive_batch(fd, b), 0);
        cr_assert_eq(b->n, NOTIFY_BATCH_MAX);
        cr_assert_not(b->drained);
        notify_batch_done(b);
        cr_assert_eq(notify_receive_batch(fd, b), 0);
        cr_assert_eq(b->n, 2);
        cr_assert_str_eq(b->d[1].buf, "STATUS=9");
        notify_batch_done(b);
        notify_batch_free(b);
        for (size_t i = 0; i < ELEMENTSOF(pidfds); i++)
                if (pidfds[i] >= 0)
                        cr_assert_not(fd_open(pidfds[i]), "pidfd %d still open", pidfds[i]);
        close(p[0]);
        close(p[1]);
        close(tx);
        close(fd);
}

static size_t open_fds(void)
{
        size_t n = 0;
        for (int f = 0; f < 4096; f++)
                n += fd_open(f);
        return n;
}

/* Another process that sends to a when told to, so that its datagrams
 * interleave with ours in a known order. */
struct stranger {
        pid_t pid;
        int cmd, ack;
};

static void stranger_start(struct stranger *st, const struct notify_address *a)
{
        int cmd[2], ack[2];
        cr_assert_eq(pipe(cmd), 0);
        cr_assert_eq(pipe(ack), 0);
        st->pid = fork();
        cr_assert_geq(st->pid, 0);
        if (st->pid == 0) {
                int tx = -1;
                char c;
                if (notify_socket_open_sender(&tx, NULL) < 0)
                        _exit(1);
                while (read(cmd[0], &c, 1) == 1 && c == 's') {
                        if (notify_send(tx, a, "STATUS=stranger", 15, NULL, 0) < 0 ||
                            write(ack[1], "k", 1) != 1)
                                _exit(1);
                }
                _exit(0);
        }
        close(cmd[0]);
        close(ack[1]);
        st->cmd = cmd[1];
        st->ack = ack[0];
}

static void stranger_send(struct stranger *st)
{
        char c;
        cr_assert_eq(write(st->cmd, "s", 1), 1);
        cr_assert_eq(read(st->ack, &c, 1), 1);
}

static void stranger_stop(struct stranger *st)
{
        int status;
        cr_assert_eq(write(st->cmd, "q", 1), 1);
        cr_assert_eq(waitpid(st->pid, &status, 0), st->pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(st->cmd);
        close(st->ack);
}

Test(notify_receive, trusting_makes_pidfds_for_the_others_only)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1, p[2];
        struct stranger st;
        struct notify_batch *b = notify_batch_new();
        char big[6000];
        size_t base = 0;

        cr_assert_not_null(b);
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        base = open_fds();
        stranger_start(&st, &a);
        cr_assert_eq(pipe(p), 0);
        memset(big, 'A', sizeof(big));

        /* One batch mixing senders, an oversized datagram (two peeks: it
         * does not fit the buffer), an empty one and passed fds. */
        cr_assert_eq(notify_send(tx, &a, "STATUS=1", 8, NULL, 0), 0);
        stranger_send(&st);
        cr_assert_eq(notify_send(tx, &a, big, sizeof(big), NULL, 0), 0);
        cr_assert_eq(notify_send(tx, &a, "", 0, NULL, 0), 0);
        cr_assert_eq(notify_send(tx, &a, "FDSTORE=1", 9, p, 2), 0);
        stranger_send(&st);
        close(p[0]);
        close(p[1]);

        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), 0);
        bool pidfds = b->pidfds != NOTIFY_PIDFDS_NEVER;
        cr_assert_eq(b->n, 6);
        cr_assert(b->drained);
        cr_assert_str_eq(b->d[0].buf, "STATUS=1");
        cr_assert_str_eq(b->d[1].buf, "STATUS=stranger");
        cr_assert(b->d[2].truncated);
        cr_assert_eq(b->d[2].size, sizeof(big));
        cr_assert_eq(b->d[3].len, 0);
        cr_assert_str_eq(b->d[4].buf, "FDSTORE=1");
        cr_assert_eq(b->d[4].n_fds, 2);
        cr_assert_str_eq(b->d[5].buf, "STATUS=stranger");
        /* A batch with someone else's datagram is received with pidfds,
         * ours included (one receive, not one per sender). */
        for (size_t i = 0; i < b->n; i++) {
                bool ours = i != 1 && i != 5;
                cr_assert_eq(b->d[i].pid, ours ? getpid() : st.pid);
                cr_assert_not(b->d[i].pidfd_missing, "datagram %zu", i);
                if (!ours && pidfds)
                        cr_assert(notify_sender_is_descendant(st.pid, b->d[i].pidfd, getpid()),
                                  "the stranger's own pidfd");
        }
        notify_batch_done(b);
        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), -EAGAIN);
        cr_assert(b->drained);

        /* Ours alone: no pidfd. */
        cr_assert_eq(notify_send(tx, &a, "STATUS=2", 8, NULL, 0), 0);
        cr_assert_eq(notify_send(tx, &a, "STATUS=3", 8, NULL, 0), 0);
        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), 0);
        cr_assert_eq(b->n, 2);
        cr_assert_str_eq(b->d[1].buf, "STATUS=3");
        for (size_t i = 0; i < b->n; i++)
                cr_assert_lt(b->d[i].pidfd, 0, "no pidfd for the trusted sender");
        notify_batch_done(b);

        /* The peeks left nothing behind: the next datagrams are read from
         * the head, the stranger's with its pidfd. */
        stranger_send(&st);
        cr_assert_eq(notify_send(tx, &a, "STATUS=4", 8, NULL, 0), 0);
        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), 0);
        cr_assert_eq(b->n, 2);
        cr_assert_str_eq(b->d[0].buf, "STATUS=stranger");
        cr_assert_eq(b->d[0].pidfd >= 0, pidfds);
        cr_assert_str_eq(b->d[1].buf, "STATUS=4");
        notify_batch_done(b);

        /* Nobody trusted (the child is gone): every sender's pidfd. */
        cr_assert_eq(notify_send(tx, &a, "STATUS=5", 8, NULL, 0), 0);
        cr_assert_eq(notify_receive_batch_trusting(fd, b, 0), 0);
        cr_assert_eq(b->n, 1);
        cr_assert_eq(b->d[0].pidfd >= 0, pidfds);

        stranger_stop(&st);
        notify_batch_free(b);
        cr_assert_eq(open_fds(), base, "the peeks installed no fds, and all closed");
        close(tx);
        close(fd);
}

/* More than a batch, the senders alternating: every datagram once, in
 * order, each batch's pidfds where they belong. */
Test(notify_receive, trusting_in_batches)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1;
        struct stranger st;
        struct notify_batch *b = notify_batch_new();
        cr_assert_not_null(b);
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        stranger_start(&st, &a);
        int total = 3 * NOTIFY_BATCH_MAX + 3, sent = 0, seen = 0, unmixed = 0;
        while (seen < total) {
                /* Runs of ours with a stranger's now and then: some batches
                 * are all ours, some are not. At most 9 queued: the
                 * kernel's default queue length is 10. */
                for (int k = 0; k < 9 && sent < total; k++, sent++) {
                        if (sent % 11 == 5) {
                                stranger_send(&st);
                        } else {
                                char m[32];
                                int len = snprintf(m, sizeof(m), "STATUS=%d", sent);
                                cr_assert_eq(notify_send(tx, &a, m, (size_t) len, NULL, 0), 0);
                        }
                }
                while (seen < sent) {
                        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), 0);
                        bool pidfds = b->pidfds != NOTIFY_PIDFDS_NEVER, mixed = false;
                        for (size_t i = 0; i < b->n; i++)
                                mixed |= b->d[i].pid != getpid();
                        unmixed += !mixed;
                        for (size_t i = 0; i < b->n; i++, seen++) {
                                const struct notify_datagram *d = &b->d[i];
                                if (seen % 11 == 5) {
                                        cr_assert_str_eq(d->buf, "STATUS=stranger");
                                        cr_assert_eq(d->pid, st.pid);
                                        cr_assert_eq(d->pidfd >= 0, pidfds);
                                } else {
                                        char m[32];
                                        snprintf(m, sizeof(m), "STATUS=%d", seen);
                                        cr_assert_str_eq(d->buf, m);
                                        if (!mixed)
                                                cr_assert_lt(d->pidfd, 0);
                                }
                                cr_assert_not(d->pidfd_missing);
                        }
                        notify_batch_done(b);
                }
        }
        cr_assert_eq(seen, total);
        cr_assert(unmixed > 0, "some batches were ours alone");
        cr_assert_eq(notify_receive_batch_trusting(fd, b, getpid()), -EAGAIN);
        stranger_stop(&st);
        notify_batch_free(b);
        close(tx);
        close(fd);
}

/* The kernel sends the error it met making a pidfd in its place (here:
 * no free fd); the datagram must say its sender's pidfd is missing, not
 * look like one from a kernel without pidfds. */
Test(notify_receive, a_pidfd_the_kernel_could_not_make_is_missing)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1;
        struct notify_batch *b = notify_batch_new();
        cr_assert_not_null(b);
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        cr_assert_eq(notify_send(tx, &a, "STATUS=1", 8, NULL, 0), 0);
        cr_assert_eq(notify_receive_batch(fd, b), 0);
        bool pidfds = b->d[0].pidfd >= 0;
        notify_batch_free(b);
        if (!pidfds)
                cr_skip_test("this kernel attaches no pidfds");

        b = notify_batch_new();
        cr_assert_not_null(b);
        int top = -1;
        for (int f = 0; f < 4096; f++)
                if (fd_open(f))
                        top = f;
        struct rlimit rl;
        cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
        struct rlimit tight = {.rlim_cur = (rlim_t) top + 1, .rlim_max = rl.rlim_max};
        cr_assert_eq(notify_send(tx, &a, "STATUS=2", 8, NULL, 0), 0);
        cr_assert_eq(setrlimit(RLIMIT_NOFILE, &tight), 0);
        /* Fill the holes below the limit. */
        int fill[4096];
        size_t n_fill = 0;
        for (int f; n_fill < ELEMENTSOF(fill) && (f = dup(fd)) >= 0;)
                fill[n_fill++] = f;
        int r = notify_receive_batch(fd, b);
        for (size_t i = 0; i < n_fill; i++)
                close(fill[i]);
        cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
        cr_assert_eq(r, 0);
        cr_assert_eq(b->n, 1);
        cr_assert_str_eq(b->d[0].buf, "STATUS=2");
        cr_assert_lt(b->d[0].pidfd, 0);
        cr_assert(b->d[0].pidfd_missing);
        notify_batch_free(b);
        close(tx);
        close(fd);
}

/* One datagram per receive, as a service that notifies now and then gives
 * us: the sender pidfds set aside stay bounded, and all close in the end. */
Test(notify_receive, spent_pidfds_are_bounded_and_closed)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1;
        struct notify_batch *b = notify_batch_new();
        cr_assert_not_null(b);
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        size_t base = open_fds(), most = 0;
        bool got_pidfds = false;
        for (int i = 0; i < 3 * NOTIFY_SPENT_PIDFDS_MAX + 5; i++) {
                cr_assert_eq(notify_send(tx, &a, "WATCHDOG=1", 10, NULL, 0), 0);
                cr_assert_eq(notify_receive_batch(fd, b), 0);
                cr_assert_eq(b->n, 1);
                got_pidfds |= b->d[0].pidfd >= 0;
                notify_batch_done(b);
                size_t now = open_fds();
                most = now > most ? now : most;
        }
        cr_assert_leq(most, base + NOTIFY_SPENT_PIDFDS_MAX);
        if (got_pidfds)
                cr_assert_gt(most, base, "pidfds are set aside, not closed one by one");
        notify_batch_free(b);
        cr_assert_eq(open_fds(), base, "every pidfd closed");
        close(tx);
        close(fd);
}

Test(notify_send, many_in_order_with_their_fds)
{
        struct notify_address a;
        int fd = bound(&a), tx = -1, p[2];
        struct notify_datagram d;
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        cr_assert_eq(connect(tx, (struct sockaddr *) &a.sun, a.len), 0);
        cr_assert_eq(pipe(p), 0);
        struct notify_outgoing out[NOTIFY_BATCH_MAX + 3];
        char text[ELEMENTSOF(out)][16];
        for (size_t i = 0; i < ELEMENTSOF(out); i++) {
                int k = snprintf(text[i], sizeof(text[i]), "STATUS=%zu", i);
                out[i] = (struct notify_outgoing){.payload = text[i], .len = (size_t) k};
        }
        out[2].fds = p;
        out[2].n_fds = 1;
        int e = -1;
        cr_assert_eq(notify_send_many(tx, out, ELEMENTSOF(out), &e), ELEMENTSOF(out));
        cr_assert_eq(e, 0);
        for (size_t i = 0; i < ELEMENTSOF(out); i++) {
                cr_assert_eq(notify_receive(fd, &d), 0);
                cr_assert_str_eq(d.buf, text[i], "datagram %zu out of order", i);
                cr_assert_eq(d.n_fds, i == 2 ? 1u : 0u);
                notify_datagram_done(&d);
        }
        /* A peer that went away: nothing sent, the error said. */
        close(fd);
        cr_assert_eq(notify_send_many(tx, out, 2, &e), 0);
        cr_assert(e == ECONNREFUSED || e == ENOTCONN, "errno %d", e);
        close(p[0]);
        close(p[1]);
        close(tx);
}

Test(notify_auth, verdicts_are_remembered_per_process)
{
        struct notify_sender_cache c = NOTIFY_SENDER_CACHE_INIT;
        struct notify_address a;
        int fd = bound(&a);
        struct notify_datagram d;

        pid_t child = fork();
        if (child == 0) {
                int tx = -1;
                if (notify_socket_open_sender(&tx, NULL) < 0 ||
                    notify_send(tx, &a, "READY=1", 7, NULL, 0) < 0)
                        _exit(1);
                pause();
                _exit(0);
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        cr_assert_eq(poll(&pfd, 1, 5000), 1);
        cr_assert_eq(notify_receive(fd, &d), 0);
        cr_assert_eq(d.pid, child);
        if (d.pidfd < 0)
                cr_skip_test("no SCM_PIDFD on this kernel: nothing is remembered");
        cr_assert(notify_sender_check(&c, d.pid, d.pidfd, getpid()));
        size_t entries = 0;
        for (size_t i = 0; i < NOTIFY_SENDER_CACHE_SIZE; i++)
                entries += c.entry[i].ino != 0;
        if (c.pidfs == 0)
                cr_assert_eq(entries, 0u, "without pidfs inodes nothing may be remembered");
        else
                cr_assert_eq(entries, 1u);
        /* Asked again: answered from the cache, the same. */
        cr_assert(notify_sender_check(&c, d.pid, d.pidfd, getpid()));
        notify_datagram_done(&d);

        int tx = -1;
        cr_assert_eq(notify_socket_open_sender(&tx, NULL), 0);
        cr_assert_eq(notify_send(tx, &a, "READY=1", 7, NULL, 0), 0);
        cr_assert_eq(notify_receive(fd, &d), 0);
        struct notify_sender_cache c2 = NOTIFY_SENDER_CACHE_INIT; /* one ancestor per cache */
        cr_assert_not(notify_sender_check(&c2, d.pid, d.pidfd, child), "we are not our child's");
        entries = 0;
        for (size_t i = 0; i < NOTIFY_SENDER_CACHE_SIZE; i++)
                entries += c2.entry[i].ino != 0;
        cr_assert_eq(entries, 0u, "a 'no' is not remembered");
        notify_datagram_done(&d);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(tx);
        close(fd);
}
