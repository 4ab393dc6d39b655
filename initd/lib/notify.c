/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd_notify, both ends: parse and validate what the child says, authenticate
 * who said it, relay it to systemd. Written from sd_notify(3) and
 * systemd.service(5) (NotifyAccess=). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "notify.h"

/* Not in Debian 12's glibc headers; the kernel has had them since 6.5. An
 * older kernel rejects the setsockopt and we rely on SCM_CREDENTIALS. */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

int notify_address_parse(const char *s, struct notify_address *ret, struct planet_error *err)
{
        struct notify_address a = {.sun.sun_family = AF_UNIX};
        size_t n;

        if (!s || !*s)
                return planet_error_set(err, EINVAL, "empty notify socket address");
        n = strlen(s);
        if (s[0] == '@') {
                /* Abstract: sun_path[0] = NUL, the name follows, no terminator. */
                if (n < 2)
                        return planet_error_set(err, EINVAL,
                                                "notify socket '@' names no abstract socket");
                if (n - 1 > sizeof(a.sun.sun_path) - 1)
                        return planet_error_set(err, ENAMETOOLONG,
                                                "abstract notify socket name %s is longer than "
                                                "%zu bytes",
                                                s, sizeof(a.sun.sun_path) - 1);
                memcpy(a.sun.sun_path + 1, s + 1, n - 1);
                a.len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else if (s[0] == '/') {
                if (n > sizeof(a.sun.sun_path) - 1)
                        return planet_error_set(err, ENAMETOOLONG,
                                                "notify socket path %s is longer than %zu bytes: "
                                                "use a shorter directory or an abstract '@' name",
                                                s, sizeof(a.sun.sun_path) - 1);
                memcpy(a.sun.sun_path, s, n + 1);
                a.len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        } else {
                return planet_error_set(err, EPROTONOSUPPORT,
                                        "notify socket '%s' is neither an absolute path nor an "
                                        "abstract '@' name (other transports, such as vsock:, "
                                        "are not supported)",
                                        s);
        }
        *ret = a;
        return 0;
}

void notify_address_format(const struct notify_address *a, char *buf, size_t size)
{
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = a->len > off ? a->len - off : 0;
        if (n > 0 && a->sun.sun_path[0] == '\0')
                snprintf(buf, size, "@%.*s", (int) (n - 1), a->sun.sun_path + 1);
        else
                snprintf(buf, size, "%.*s", (int) sizeof(a->sun.sun_path), a->sun.sun_path);
}

int notify_socket_bind(const struct notify_address *a, int *ret_fd, struct planet_error *err)
{
        int one = 1;

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot create the notify socket: %m");
        if (a->sun.sun_path[0] != '\0')
                (void) unlink(a->sun.sun_path);
        if (bind(fd, (const struct sockaddr *) &a->sun, a->len) < 0) {
                /* Formatted only here: snprintf would otherwise be the
                 * supervisor's one use of printf's pages (string-util.h). */
                int e = errno;
                char name[sizeof(a->sun.sun_path) + 2];
                notify_address_format(a, name, sizeof(name));
                return planet_error_set(err, e, "cannot bind the notify socket %s: %m", name);
        }
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return planet_error_set(err, errno,
                                        "cannot enable SO_PASSCRED on the notify socket: %m");
        /* Best effort: a pidfd lets us rule out pid reuse. */
        (void) setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int notify_socket_open_sender(int *ret_fd, struct planet_error *err)
{
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot create a socket to notify systemd: %m");
        *ret_fd = fd;
        return 0;
}

void notify_message_done(struct notify_message *m)
{
        if (!m)
                return;
        free(m->relay);
        *m = (struct notify_message){0};
}

/* The protocol's names are ASCII whatever the locale; isdigit() would also
 * read libc's locale class table, a page of libc no other step of a relay
 * touches (and fault-around maps the 16 KiB around it). */
static bool valid_variable(const char *s, size_t n)
{
        if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}

static bool is_decimal(const char *s, size_t n, bool allow_sign)
{
        size_t i = 0;
        if (allow_sign && n > 0 && s[0] == '-')
                i = 1;
        if (i >= n || n - i > 20)
                return false;
        for (; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

static bool value_is(const char *v, size_t n, const char *want)
{
        return n == strlen(want) && !memcmp(v, want, n);
}

/* Well-known variables whose value must have a shape; the flag they set. */
static int check_known(const char *var, size_t vn, const char *val, size_t n, unsigned *flags,
                       bool *strip, struct planet_error *err)
{
#define VAR(name) (vn == sizeof(name) - 1 && !memcmp(var, name, vn))
#define MUST(cond, what)                                                                           \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        return planet_error_set(err, EBADMSG, "%.*s=%.*s: %s", (int) vn, var,      \
                                                (int) (n > 40 ? 40 : n), val, what);               \
        } while (0)

        *strip = false;
        if (VAR("READY")) {
                MUST(value_is(val, n, "1"), "READY takes only 1");
                *flags |= NOTIFY_READY;
        } else if (VAR("RELOADING")) {
                MUST(value_is(val, n, "1"), "RELOADING takes only 1");
                *flags |= NOTIFY_RELOADING;
        } else if (VAR("STOPPING")) {
                MUST(value_is(val, n, "1"), "STOPPING takes only 1");
                *flags |= NOTIFY_STOPPING;
        } else if (VAR("FDSTORE")) {
                MUST(value_is(val, n, "1"), "FDSTORE takes only 1");
                *flags |= NOTIFY_FDSTORE;
        } else if (VAR("BARRIER")) {
                MUST(value_is(val, n, "1"), "BARRIER takes only 1");
                *flags |= NOTIFY_BARRIER;
        } else if (VAR("WATCHDOG")) {
                if (value_is(val, n, "1"))
                        *flags |= NOTIFY_WATCHDOG;
                else if (value_is(val, n, "trigger"))
                        *flags |= NOTIFY_WATCHDOG_TRIGGER;
                else
                        MUST(false, "WATCHDOG takes 1 or trigger");
        } else if (VAR("STATUS")) {
                *flags |= NOTIFY_STATUS;
        } else if (VAR("MONOTONIC_USEC") || VAR("EXTEND_TIMEOUT_USEC") || VAR("WATCHDOG_USEC")) {
                MUST(is_decimal(val, n, false), "expected microseconds (a decimal number)");
        } else if (VAR("ERRNO") || VAR("EXIT_STATUS")) {
                MUST(is_decimal(val, n, false), "expected a decimal number");
        } else if (VAR("MAINPID") || VAR("MAINPIDFDID")) {
                /* The wrapper is, and stays, the unit's main process: with
                 * NotifyAccess=main, handing MAINPID to the child would make
                 * systemd reject every later message we relay. */
                *strip = true;
                *flags |= NOTIFY_MAINPID_STRIPPED;
        }
        return 0;
#undef VAR
#undef MUST
}

int notify_message_parse(const void *buf, size_t len, struct notify_message *ret,
                         struct planet_error *err)
{
        const char *p = buf;
        struct notify_message m = {0};

        if (len == 0)
                return planet_error_set(err, EBADMSG, "empty datagram");
        if (len > NOTIFY_DATAGRAM_MAX)
                return planet_error_set(err, EBADMSG, "datagram of %zu bytes exceeds %d", len,
                                        NOTIFY_DATAGRAM_MAX);
        if (memchr(p, '\0', len))
                return planet_error_set(err, EBADMSG, "datagram contains a NUL byte");

        m.relay = malloc(len + 2);
        if (!m.relay)
                return -ENOMEM;

        for (size_t i = 0; i < len;) {
                const char *line = p + i;
                const char *nl = memchr(line, '\n', len - i);
                size_t n = nl ? (size_t) (nl - line) : len - i;
                i += n + (nl ? 1 : 0);
                if (n == 0)
                        continue;
                const char *eq = memchr(line, '=', n);
                if (!eq || !valid_variable(line, (size_t) (eq - line))) {
                        notify_message_done(&m);
                        return planet_error_set(err, EBADMSG,
                                                "'%.*s' is not a VARIABLE=VALUE assignment",
                                                (int) (n > 40 ? 40 : n), line);
                }
                bool strip = false;
                int r = check_known(line, (size_t) (eq - line), eq + 1,
                                    n - (size_t) (eq - line) - 1, &m.flags, &strip, err);
                if (r < 0) {
                        notify_message_done(&m);
                        return r;
                }
                if (strip)
                        continue;
                /* Lines are joined, not terminated, so the relay is never
                 * longer than what was received (systemd's limit holds). */
                if (m.relay_len > 0)
                        m.relay[m.relay_len++] = '\n';
                memcpy(m.relay + m.relay_len, line, n);
                m.relay_len += n;
        }
        m.relay[m.relay_len] = '\0';
        *ret = m;
        return 0;
}

void notify_datagram_done(struct notify_datagram *d)
{
        for (size_t i = 0; i < d->n_fds; i++)
                if (d->fds[i] >= 0)
                        (void) close(d->fds[i]);
        d->n_fds = 0;
        if (d->pidfd >= 0)
                (void) close(d->pidfd);
        d->pidfd = -1;
}

/* Control space for one datagram: credentials, a pidfd, SCM_MAX_FD fds. */
#define NOTIFY_CONTROL_SIZE                                                                        \
        (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)) +                              \
         CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX))
union notify_control {
        struct cmsghdr align;
        char buf[NOTIFY_CONTROL_SIZE];
};

static void datagram_reset(struct notify_datagram *d)
{
        d->len = d->size = 0;
        d->truncated = false;
        d->pid = 0;
        d->uid = (uid_t) -1;
        d->pidfd = -1;
        d->pidfd_missing = false;
        d->n_fds = 0;
}

/* Take what recvmsg delivered (n bytes, the control data in mh) into d. */
static void datagram_take(struct notify_datagram *d, struct msghdr *mh, size_t n)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        struct ucred uc;
                        memcpy(&uc, CMSG_DATA(c), sizeof(uc));
                        d->pid = uc.pid;
                        d->uid = uc.uid;
                } else if (c->cmsg_type == SCM_PIDFD && c->cmsg_len == CMSG_LEN(sizeof(int))) {
                        /* A negative value is the error the kernel met
                         * making the pidfd. */
                        memcpy(&d->pidfd, CMSG_DATA(c), sizeof(int));
                        if (d->pidfd < 0) {
                                d->pidfd = -1;
                                d->pidfd_missing = true;
                        }
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        int *fds = (int *) (void *) CMSG_DATA(c);
                        for (size_t i = 0; i < k; i++) {
                                int f;
                                memcpy(&f, fds + i, sizeof(f));
                                if (d->n_fds < NOTIFY_FDS_MAX)
                                        d->fds[d->n_fds++] = f;
                                else
                                        (void) close(f);
                        }
                }
        }

        /* MSG_TRUNC makes recvmsg return the real length, so a datagram that
         * did not fit is recognised and dropped whole, never half-relayed. */
        d->len = d->size = n;
        if (n > NOTIFY_DATAGRAM_MAX || (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
                d->truncated = true;
                d->len = n < sizeof(d->buf) - 1 ? n : sizeof(d->buf) - 1;
        }
        d->buf[d->len] = '\0';
}

int notify_receive(int fd, struct notify_datagram *d)
{
        union notify_control control;
        struct iovec iov = {.iov_base = d->buf, .iov_len = sizeof(d->buf) - 1};
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };

        datagram_reset(d);
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        datagram_take(d, &mh, (size_t) n);
        return 0;
}

/* Point vlen message headers at b's datagram buffers (their NUL's byte
 * kept free) and at the vlen control buffers of control_size bytes each. */
static void batch_prepare(struct notify_batch *b, size_t vlen, struct iovec *iov,
                          struct mmsghdr *mm, void *control, size_t control_size)
{
        for (size_t i = 0; i < vlen; i++) {
                iov[i] = (struct iovec){.iov_base = b->d[i].buf,
                                        .iov_len = sizeof(b->d[i].buf) - 1};
                mm[i] = (struct mmsghdr){.msg_hdr = {
                                                 .msg_iov = &iov[i],
                                                 .msg_iovlen = 1,
                                                 .msg_control = (char *) control + i * control_size,
                                                 .msg_controllen = control_size,
                                         }};
        }
}

/* Receive up to vlen datagrams into b. */
static int receive_some(int fd, struct notify_batch *b, unsigned vlen)
{
        union notify_control control[NOTIFY_BATCH_MAX];
        struct iovec iov[NOTIFY_BATCH_MAX];
        struct mmsghdr mm[NOTIFY_BATCH_MAX];

        /* Only the datagrams received are touched (their pages, too). */
        batch_prepare(b, vlen, iov, mm, control, sizeof(control[0]));
        b->n = 0;
        b->drained = false;
        int n;
        do
                n = recvmmsg(fd, mm, vlen, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC, NULL);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                if (errno != EWOULDBLOCK)
                        return -errno;
                b->drained = true;
                return -EAGAIN;
        }
        /* With MSG_DONTWAIT, recvmmsg stops at an empty queue. */
        b->drained = (size_t) n < vlen;
        for (int i = 0; i < n; i++) {
                datagram_reset(&b->d[i]);
                datagram_take(&b->d[i], &mm[i].msg_hdr, mm[i].msg_len);
        }
        b->n = (size_t) n;
        return 0;
}

int notify_receive_batch(int fd, struct notify_batch *b)
{
        return receive_some(fd, b, NOTIFY_BATCH_MAX);
}

static int set_pidfds(int fd, bool on)
{
        int v = on;
        return setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* Peek at the senders of up to NOTIFY_BATCH_MAX queued datagrams. Returns
 * how many datagrams the peek covered (the last perhaps in part), sets
 * *all_trusted and *drained; -EAGAIN when none is queued. */
static int peek_senders(int fd, struct notify_batch *b, pid_t trusted, bool *all_trusted,
                        bool *drained)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(struct ucred))];
        } control[NOTIFY_BATCH_MAX];
        struct iovec iov[NOTIFY_BATCH_MAX];
        struct mmsghdr mm[NOTIFY_BATCH_MAX];

        /* Credentials only: fds a datagram carries do not fit, and a peek
         * leaves them where they are (MSG_CTRUNC). */
        batch_prepare(b, NOTIFY_BATCH_MAX, iov, mm, control, sizeof(control[0]));
        int n;
        do
                n = recvmmsg(fd, mm, NOTIFY_BATCH_MAX, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC, NULL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;

        /* With SO_PEEK_OFF each peek starts where the previous one ended:
         * at the next datagram, or, when one did not fit the buffer
         * (MSG_TRUNC), in the middle of it. An entry without MSG_TRUNC ends
         * a datagram. */
        int datagrams = 0;
        *all_trusted = true;
        for (int i = 0; i < n; i++) {
                struct msghdr *mh = &mm[i].msg_hdr;
                pid_t pid = 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                            c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                                struct ucred uc;
                                memcpy(&uc, CMSG_DATA(c), sizeof(uc));
                                pid = uc.pid;
                        }
                if (pid != trusted)
                        *all_trusted = false;
                if (!(mh->msg_flags & MSG_TRUNC) || i == n - 1)
                        datagrams++;
        }
        *drained = n < NOTIFY_BATCH_MAX;
        return datagrams;
}

int notify_receive_batch_trusting(int fd, struct notify_batch *b, pid_t trusted)
{
        int r, v = 0;

        if (b->pidfds == NOTIFY_PIDFDS_UNKNOWN) {
                /* As bound: on where the kernel has it. */
                b->pidfds = NOTIFY_PIDFDS_ON;
                if (set_pidfds(fd, true) < 0)
                        b->pidfds = NOTIFY_PIDFDS_NEVER;
                else if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)) < 0)
                        b->pidfds = NOTIFY_PIDFDS_ALWAYS;
        }
        if (b->pidfds == NOTIFY_PIDFDS_NEVER || b->pidfds == NOTIFY_PIDFDS_ALWAYS)
                return notify_receive_batch(fd, b);
        if (trusted <= 0) {
                if (b->pidfds == NOTIFY_PIDFDS_OFF) {
                        r = set_pidfds(fd, true);
                        if (r < 0)
                                return r;
                        b->pidfds = NOTIFY_PIDFDS_ON;
                }
                return notify_receive_batch(fd, b);
        }
        if (b->pidfds == NOTIFY_PIDFDS_ON) {
                r = set_pidfds(fd, false);
                if (r < 0)
                        return r;
                b->pidfds = NOTIFY_PIDFDS_OFF;
        }

        bool all_trusted, drained;
        int k = peek_senders(fd, b, trusted, &all_trusted, &drained);
        if (k < 0) {
                b->n = 0;
                b->drained = k == -EAGAIN;
                return k;
        }
        if (!all_trusted) {
                r = set_pidfds(fd, true);
                if (r < 0)
                        return r;
        }
        r = receive_some(fd, b, (unsigned) k);
        if (!all_trusted && set_pidfds(fd, false) < 0)
                b->pidfds = NOTIFY_PIDFDS_ON; /* left on: costly, not unsafe */
        if (r < 0 || b->n < (size_t) k)
                /* Not everything peeked was received (cannot happen to the
                 * only reader, but then the next peek must start at the
                 * head again). */
                (void) setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v));
        if (r < 0)
                return r;
        b->drained = drained && b->n == (size_t) k;
        /* The net under the peek: a datagram from anyone else that came
         * without a pidfd (the peek and the receive disagreed) is marked,
         * and its sender cannot be proved. */
        for (size_t i = 0; i < b->n; i++)
                if (b->d[i].pid != trusted && b->d[i].pidfd < 0)
                        b->d[i].pidfd_missing = true;
        return 0;
}

/* Close fds[0..n) (which it sorts): one close_range() per run of
 * consecutive numbers, a run holding our fds and nothing else. */
static void close_many(int *fds, size_t n)
{
        /* Insertion sort: received in order, the numbers are nearly sorted. */
        for (size_t i = 1; i < n; i++) {
                int v = fds[i];
                size_t j = i;
                for (; j > 0 && fds[j - 1] > v; j--)
                        fds[j] = fds[j - 1];
                fds[j] = v;
        }
        for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && fds[j] == fds[j - 1] + 1)
                        j++;
                if (j - i == 1 || close_range((unsigned) fds[i], (unsigned) fds[j - 1], 0) < 0)
                        for (size_t k = i; k < j; k++)
                                (void) close(fds[k]);
                i = j;
        }
}

struct notify_batch *notify_batch_new(void)
{
        return calloc(1, sizeof(struct notify_batch));
}

void notify_batch_done(struct notify_batch *b)
{
        int fds[NOTIFY_BATCH_MAX * NOTIFY_FDS_MAX];
        size_t n = 0, n_pidfds = 0;
        for (size_t i = 0; i < b->n; i++) {
                struct notify_datagram *d = &b->d[i];
                n_pidfds += d->pidfd >= 0;
                for (size_t k = 0; k < d->n_fds; k++)
                        if (d->fds[k] >= 0)
                                fds[n++] = d->fds[k];
                d->n_fds = 0;
        }
        if (b->n_spent + n_pidfds > NOTIFY_SPENT_PIDFDS_MAX) {
                close_many(b->spent_pidfds, b->n_spent);
                b->n_spent = 0;
        }
        for (size_t i = 0; i < b->n; i++) {
                struct notify_datagram *d = &b->d[i];
                if (d->pidfd >= 0)
                        b->spent_pidfds[b->n_spent++] = d->pidfd;
                d->pidfd = -1;
        }
        b->n = 0;
        close_many(fds, n);
}

void notify_batch_free(struct notify_batch *b)
{
        if (!b)
                return;
        notify_batch_done(b);
        close_many(b->spent_pidfds, b->n_spent);
        free(b);
}

static pid_t parent_of(pid_t pid)
{
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        /* "pid (comm) state ppid …": comm may contain anything, so look for
         * the last ')'. */
        char *e = strrchr(buf, ')');
        int ppid;
        char state;
        if (!e || sscanf(e + 1, " %c %d", &state, &ppid) != 2)
                return -1;
        return (pid_t) ppid;
}

static pid_t pidfd_pid(int pidfd)
{
        char path[64], line[128];
        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                int pid;
                if (sscanf(line, "Pid: %d", &pid) == 1)
                        return (pid_t) pid; /* -1 once the process has exited */
        }
        return -1;
}

bool notify_sender_is_descendant(pid_t pid, int pidfd, pid_t ancestor)
{
        if (pid <= 0 || ancestor <= 0)
                return false;
        if (pidfd >= 0 && pidfd_pid(pidfd) != pid)
                return false;

        bool found = false;
        pid_t p = pid;
        /* A chain longer than pid_max is a loop read from a racing /proc. */
        for (unsigned hops = 0; hops < 4096; hops++) {
                if (p == ancestor) {
                        found = true;
                        break;
                }
                if (p <= 1)
                        break;
                p = parent_of(p);
                if (p < 0)
                        break;
        }
        if (!found)
                return false;
        /* The walk read /proc by number; the pidfd proves the number still
         * names the process that sent the datagram. */
        if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return false;
        return true;
}

#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif

bool notify_sender_check(struct notify_sender_cache *c, pid_t pid, int pidfd, pid_t ancestor)
{
        struct stat st;
        if (pidfd < 0 || c->pidfs == 0)
                return notify_sender_is_descendant(pid, pidfd, ancestor);
        if (c->pidfs < 0) {
                /* Before pidfs every pidfd was the one anon inode: an inode
                 * number would then name no process at all. */
                struct statfs sfs;
                c->pidfs = fstatfs(pidfd, &sfs) == 0 && (uint32_t) sfs.f_type == PIDFS_MAGIC;
                if (!c->pidfs)
                        return notify_sender_is_descendant(pid, pidfd, ancestor);
        }
        if (fstat(pidfd, &st) < 0 || st.st_ino == 0)
                return notify_sender_is_descendant(pid, pidfd, ancestor);
        for (size_t i = 0; i < NOTIFY_SENDER_CACHE_SIZE; i++)
                if (c->entry[i].ino == (uint64_t) st.st_ino)
                        return c->entry[i].descendant;
        bool ok = notify_sender_is_descendant(pid, pidfd, ancestor);
        /* Only "yes" is remembered (it was proved for this very process:
         * the pidfd named a live process with that pid after the walk). A
         * "no" may be a race of the walk with re-parenting, and strangers
         * may pay for their own walks. */
        if (ok) {
                c->entry[c->next].ino = (uint64_t) st.st_ino;
                c->entry[c->next].descendant = true;
                c->next = (c->next + 1) % NOTIFY_SENDER_CACHE_SIZE;
        }
        return ok;
}

int notify_send(int fd, const struct notify_address *a, const char *payload, size_t len,
                const int *fds, size_t n_fds)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
        } control;
        struct iovec iov = {.iov_base = (void *) payload, .iov_len = len};
        struct msghdr mh = {
                .msg_name = a ? (void *) &a->sun : NULL,
                .msg_namelen = a ? a->len : 0,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };

        if (n_fds > NOTIFY_FDS_MAX)
                return -E2BIG;
        if (n_fds > 0) {
                memset(&control, 0, sizeof(control));
                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        for (;;) {
                ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
                if (n >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

size_t notify_send_many(int fd, const struct notify_outgoing *m, size_t n, int *ret_errno)
{
        struct mmsghdr mm[NOTIFY_BATCH_MAX];
        struct iovec iov[NOTIFY_BATCH_MAX];
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
        } control[NOTIFY_BATCH_MAX];
        size_t sent = 0;

        *ret_errno = 0;
        while (sent < n) {
                size_t k = n - sent < NOTIFY_BATCH_MAX ? n - sent : NOTIFY_BATCH_MAX;
                for (size_t i = 0; i < k; i++) {
                        const struct notify_outgoing *o = &m[sent + i];
                        iov[i] = (struct iovec){.iov_base = (void *) o->payload, .iov_len = o->len};
                        mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
                        if (o->n_fds > NOTIFY_FDS_MAX) {
                                *ret_errno = E2BIG;
                                return sent + i; /* the ones before it go first */
                        }
                        if (o->n_fds > 0) {
                                struct msghdr *mh = &mm[i].msg_hdr;
                                memset(&control[i], 0, sizeof(control[i]));
                                mh->msg_control = &control[i];
                                mh->msg_controllen = CMSG_SPACE(sizeof(int) * o->n_fds);
                                struct cmsghdr *c = CMSG_FIRSTHDR(mh);
                                c->cmsg_level = SOL_SOCKET;
                                c->cmsg_type = SCM_RIGHTS;
                                c->cmsg_len = CMSG_LEN(sizeof(int) * o->n_fds);
                                memcpy(CMSG_DATA(c), o->fds, sizeof(int) * o->n_fds);
                        }
                }
                int r = sendmmsg(fd, mm, (unsigned) k, MSG_NOSIGNAL);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        *ret_errno = errno;
                        return sent;
                }
                sent += (size_t) r;
        }
        return sent;
}
