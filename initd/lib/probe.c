/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "string-util.h"

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Milliseconds left until deadline, for poll(); at least 0. */
static int ms_left(uint64_t deadline)
{
        uint64_t n = now_usec();
        if (n >= deadline)
                return 0;
        uint64_t ms = (deadline - n + 999) / 1000;
        return ms > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int) ms;
}

int parse_duration_usec(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t mult;
        } units[] = {
                {"us", 1},       {"ms", 1000},      {"s", 1000000},    {"sec", 1000000},
                {"m", 60000000}, {"min", 60000000}, {"h", 3600000000}, {"", 1000000},
        };
        const char *end = NULL;
        uint64_t v;
        if (!s || parse_unsigned(s, 10, UINT64_MAX, &v, &end) < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        if (v == 0 || v > UINT64_MAX / units[i].mult)
                                return -ERANGE;
                        *ret = v * units[i].mult;
                        return 0;
                }
        return -EINVAL;
}

void probe_done(struct probe *p)
{
        if (!p)
                return;
        free(p->spec);
        free(p->host);
        free(p->port);
        free(p->path);
        free(p->command);
        *p = (struct probe){0};
}

/* The supervisor parses the probes itself, so what follows avoids libc's
 * string functions that read tables in its read-only data (string-util.h):
 * strncmp/strcmp, strspn, strpbrk. The attempts (probe_run) run in processes
 * of their own and may use anything. */
static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static bool has_any_of(const char *s, const char *set)
{
        for (; *s; s++)
                if (strchr(set, *s))
                        return true;
        return false;
}

/* "host:port" or "[v6]:port" into host and port. */
static int split_host_port(const char *s, size_t n, char **host, char **port)
{
        const char *colon;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close)
                        return -EINVAL;
                *host = strndup(s + 1, (size_t) (close - s - 1));
                colon = close + 1 < s + n && close[1] == ':' ? close + 1 : NULL;
                if (!colon && close + 1 != s + n)
                        return -EINVAL;
        } else {
                colon = NULL;
                for (const char *c = s + n; c > s; c--)
                        if (c[-1] == ':') {
                                colon = c - 1;
                                break;
                        }
                *host = strndup(s, colon ? (size_t) (colon - s) : n);
        }
        if (!*host)
                return -ENOMEM;
        if (colon) {
                *port = strndup(colon + 1, (size_t) (s + n - colon - 1));
                if (!*port)
                        return -ENOMEM;
        }
        if (!**host || (colon && !all_digits(*port)))
                return -EINVAL;
        return 0;
}

int probe_parse(const char *spec, struct probe *ret, struct planet_error *err)
{
        struct probe p = {0};
        int r = 0;

        if (!spec)
                spec = "";
        p.spec = strdup(spec);
        if (!p.spec)
                return -ENOMEM;

        if (startswith_n(spec, "tcp:", 4)) {
                p.kind = PROBE_TCP;
                r = split_host_port(spec + 4, strlen(spec + 4), &p.host, &p.port);
                if (r >= 0 && !p.port)
                        r = -EINVAL;
        } else if (startswith_n(spec, "http://", 7)) {
                p.kind = PROBE_HTTP;
                const char *hp = spec + 7;
                const char *slash = strchr(hp, '/');
                size_t n = slash ? (size_t) (slash - hp) : strlen(hp);
                r = split_host_port(hp, n, &p.host, &p.port);
                if (r >= 0 && !p.port && !(p.port = strdup("80")))
                        r = -ENOMEM;
                if (r >= 0 && !(p.path = strdup(slash ? slash : "/")))
                        r = -ENOMEM;
                /* The request line must stay one line. */
                if (r >= 0 && has_any_of(p.path, " \r\n"))
                        r = -EINVAL;
        } else if (startswith_n(spec, "unix:", 5) && spec[5]) {
                p.kind = PROBE_UNIX;
                if (strlen(spec + 5) >= sizeof(((struct sockaddr_un *) 0)->sun_path))
                        r = -ENAMETOOLONG;
                else if (!(p.path = strdup(spec + 5)))
                        r = -ENOMEM;
        } else if (startswith_n(spec, "file:", 5) && spec[5] == '/') {
                p.kind = PROBE_FILE;
                if (!(p.path = strdup(spec + 5)))
                        r = -ENOMEM;
        } else if (startswith_n(spec, "exec:", 5) && spec[5]) {
                p.kind = PROBE_EXEC;
                if (!(p.command = strdup(spec + 5)))
                        r = -ENOMEM;
        } else {
                r = -EINVAL;
        }

        if (r < 0) {
                probe_done(&p);
                if (r == -ENOMEM)
                        return r;
                return planet_error_set(err, -r,
                                        "probe '%s' is not understood: use tcp:HOST:PORT, "
                                        "http://HOST[:PORT]/PATH, unix:PATH, file:/PATH or "
                                        "exec:COMMAND",
                                        spec);
        }
        *ret = p;
        return 0;
}

/* Connect fd to addr within the deadline. 0 connected, else -errno. */
static int connect_until(int fd, const struct sockaddr *addr, socklen_t len, uint64_t deadline)
{
        if (connect(fd, addr, len) >= 0)
                return 0;
        if (errno != EINPROGRESS && errno != EAGAIN)
                return -errno;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int n = poll(&pfd, 1, ms_left(deadline));
        if (n < 0)
                return -errno;
        if (n == 0)
                return -ETIMEDOUT;
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
                return -errno;
        return -soerr;
}

static int tcp_connect(const struct probe *p, uint64_t deadline, int *ret_fd,
                       struct planet_error *why)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
        struct addrinfo *res = NULL;
        int g = getaddrinfo(p->host, p->port, &hints, &res);
        if (g != 0) {
                planet_error_set(why, EHOSTUNREACH, "cannot resolve %s: %s", p->host,
                                 gai_strerror(g));
                return 0;
        }
        int r = -ECONNREFUSED;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                                ai->ai_protocol);
                if (fd < 0) {
                        r = -errno;
                        continue;
                }
                r = connect_until(fd, ai->ai_addr, ai->ai_addrlen, deadline);
                if (r >= 0) {
                        *ret_fd = fd;
                        freeaddrinfo(res);
                        return 1;
                }
                close(fd);
                if (r == -ETIMEDOUT)
                        break;
        }
        freeaddrinfo(res);
        planet_error_set(why, -r, "connecting to %s port %s: %s", p->host, p->port, strerror(-r));
        return 0;
}

static int run_http(const struct probe *p, uint64_t deadline, struct planet_error *why)
{
        _cleanup_close_ int fd = -1;
        int r = tcp_connect(p, deadline, &fd, why);
        if (r <= 0)
                return r;

        _cleanup_free_ char *req = NULL;
        int len = asprintf(&req,
                           "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: planet-initd\r\n"
                           "Connection: close\r\n\r\n",
                           p->path, p->host);
        if (len < 0)
                return -ENOMEM;
        for (int off = 0; off < len;) {
                ssize_t n = send(fd, req + off, (size_t) (len - off), MSG_NOSIGNAL);
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                        if (poll(&pfd, 1, ms_left(deadline)) <= 0)
                                return planet_error_set(why, ETIMEDOUT, "%s: request timed out",
                                                        p->spec),
                                       0;
                        continue;
                }
                if (n < 0)
                        return planet_error_set(why, errno, "%s: sending the request: %m", p->spec),
                               0;
                off += (int) n;
        }

        /* Only the status line matters: "HTTP/1.x NNN …". */
        char buf[64];
        size_t have = 0;
        while (have < sizeof(buf) - 1 && !memchr(buf, '\n', have)) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                int k = poll(&pfd, 1, ms_left(deadline));
                if (k <= 0) {
                        planet_error_set(why, ETIMEDOUT, "%s: no answer in time", p->spec);
                        return 0;
                }
                ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
                if (n < 0 && errno == EAGAIN)
                        continue;
                if (n <= 0)
                        break;
                have += (size_t) n;
        }
        buf[have] = '\0';
        int status = 0;
        if (sscanf(buf, "HTTP/%*d.%*d %3d", &status) != 1) {
                planet_error_set(why, EPROTO, "%s: the answer is not HTTP", p->spec);
                return 0;
        }
        if (status < 200 || status > 299) {
                planet_error_set(why, EPROTO, "%s: HTTP status %d", p->spec, status);
                return 0;
        }
        return 1;
}

static int run_unix(const struct probe *p, uint64_t deadline, struct planet_error *why)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        size_t n = strlen(p->path);
        socklen_t len;
        memcpy(sun.sun_path, p->path, n);
        if (p->path[0] == '@') {
                sun.sun_path[0] = '\0';
                len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else {
                len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        }
        /* A daemon's socket may be of any type; the connect tells. */
        static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
        int r = -EPROTOTYPE;
        for (size_t i = 0; i < ELEMENTSOF(types) && r == -EPROTOTYPE; i++) {
                _cleanup_close_ int fd =
                        socket(AF_UNIX, types[i] | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (fd < 0)
                        return -errno;
                r = connect_until(fd, (struct sockaddr *) &sun, len, deadline);
        }
        if (r < 0) {
                planet_error_set(why, -r, "connecting to %s: %s", p->path, strerror(-r));
                return 0;
        }
        return 1;
}

static int run_exec(const struct probe *p, uint64_t deadline, struct planet_error *why)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* The supervisor blocks signals it forwards; a probe must not
                 * inherit that. */
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                int devnull = open("/dev/null", O_RDONLY);
                if (devnull >= 0 && devnull != STDIN_FILENO) {
                        dup2(devnull, STDIN_FILENO);
                        close(devnull);
                }
                execl("/bin/sh", "sh", "-c", p->command, (char *) NULL);
                _exit(127);
        }

        int status = 0;
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
                struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
                int k;
                do
                        k = poll(&pfd, 1, ms_left(deadline));
                while (k < 0 && errno == EINTR);
                close(pidfd);
                if (k == 0) {
                        kill(pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                        planet_error_set(why, ETIMEDOUT, "%s: still running at the timeout",
                                         p->spec);
                        return 0;
                }
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 1;
        if (WIFEXITED(status))
                planet_error_set(why, EPROTO, "%s: exited with status %d", p->spec,
                                 WEXITSTATUS(status));
        else
                planet_error_set(why, EPROTO, "%s: killed by signal %d", p->spec, WTERMSIG(status));
        return 0;
}

int probe_run(const struct probe *p, uint64_t timeout_usec, struct planet_error *why)
{
        uint64_t deadline = now_usec() + timeout_usec;
        _cleanup_close_ int fd = -1;
        struct stat st;

        switch (p->kind) {
        case PROBE_TCP:
                return tcp_connect(p, deadline, &fd, why);
        case PROBE_HTTP:
                return run_http(p, deadline, why);
        case PROBE_UNIX:
                return run_unix(p, deadline, why);
        case PROBE_FILE:
                if (stat(p->path, &st) >= 0)
                        return 1;
                planet_error_set(why, errno, "%s: %m", p->path);
                return 0;
        case PROBE_EXEC:
                return run_exec(p, deadline, why);
        }
        return -EINVAL;
}
