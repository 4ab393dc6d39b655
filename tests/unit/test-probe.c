/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each probe kind against real listeners (TCP, HTTP, unix sockets), real
 * files and real commands, passing, failing and timing out. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening TCP socket on 127.0.0.1; its port in *port. */
static int tcp_listener(int *port)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t sl = sizeof(sin);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
        cr_assert_eq(listen(fd, 16), 0);
        cr_assert_eq(getsockname(fd, (struct sockaddr *) &sin, &sl), 0);
        *port = ntohs(sin.sin_port);
        return fd;
}

static int run(const char *spec, uint64_t timeout_usec, char **why)
{
        struct probe p;
        struct planet_error err = {0};
        cr_assert_eq(probe_parse(spec, &p, &err), 0, "%s: %s", spec, err.msg ? err.msg : "");
        int r = probe_run(&p, timeout_usec, &err);
        probe_done(&p);
        if (why)
                *why = err.msg ? strdup(err.msg) : NULL;
        planet_error_clear(&err);
        return r;
}

Test(probe, tcp)
{
        int port;
        int fd = tcp_listener(&port);
        char spec[64];
        snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
        cr_assert_eq(run(spec, 1000000, NULL), 1);
        close(fd);
        char *why = NULL;
        cr_assert_eq(run(spec, 1000000, &why), 0, "a closed port passed");
        cr_assert(why && strstr(why, "refused"), "why: %s", why);
        free(why);
}

/* A one-shot HTTP server in a child: answers the first request with
 * status (0: accept and never answer). */
static pid_t http_server(int status, int *port)
{
        int fd = tcp_listener(port);
        pid_t pid = fork();
        if (pid == 0) {
                int c = accept(fd, NULL, NULL);
                char buf[1024];
                ssize_t n = read(c, buf, sizeof(buf) - 1);
                if (n > 0 && status) {
                        buf[n] = '\0';
                        /* The request line is what a probe must send. */
                        int ok = !strncmp(buf, "GET /healthz HTTP/1.0\r\n", 23);
                        char resp[128];
                        int k = snprintf(resp, sizeof(resp),
                                         "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n",
                                         ok ? status : 400);
                        (void) !write(c, resp, (size_t) k);
                } else {
                        pause();
                }
                _exit(0);
        }
        close(fd);
        return pid;
}

Test(probe, http_2xx_passes_others_fail)
{
        int port;
        char spec[128], *why = NULL;
        pid_t s = http_server(204, &port);
        snprintf(spec, sizeof(spec), "http://127.0.0.1:%d/healthz", port);
        cr_assert_eq(run(spec, 2000000, NULL), 1);
        waitpid(s, NULL, 0);

        s = http_server(503, &port);
        snprintf(spec, sizeof(spec), "http://127.0.0.1:%d/healthz", port);
        cr_assert_eq(run(spec, 2000000, &why), 0);
        cr_assert(why && strstr(why, "HTTP status 503"), "why: %s", why);
        free(why);
        waitpid(s, NULL, 0);
}

Test(probe, http_timeout)
{
        int port;
        char spec[128], *why = NULL;
        pid_t s = http_server(0, &port);
        snprintf(spec, sizeof(spec), "http://127.0.0.1:%d/healthz", port);
        long t0 = now_ms();
        cr_assert_eq(run(spec, 200000, &why), 0);
        long took = now_ms() - t0;
        cr_assert_geq(took, 150);
        cr_assert_lt(took, 1500, "a 200 ms timeout took %ld ms", took);
        cr_assert(why && strstr(why, "in time"), "why: %s", why);
        free(why);
        kill(s, SIGKILL);
        waitpid(s, NULL, 0);
}

Test(probe, unix_stream_dgram_and_missing)
{
        char dir[] = "/tmp/planet-initd-probe-XXXXXX";
        cr_assert(mkdtemp(dir));
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
        char spec[256];
        snprintf(spec, sizeof(spec), "unix:%s", sun.sun_path);

        cr_assert_eq(run(spec, 500000, NULL), 0, "nothing listens yet");
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
        cr_assert_eq(listen(fd, 4), 0);
        cr_assert_eq(run(spec, 500000, NULL), 1);
        close(fd);
        unlink(sun.sun_path);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
        cr_assert_eq(run(spec, 500000, NULL), 1, "a datagram socket is a live socket too");
        close(fd);
        unlink(sun.sun_path);
        rmdir(dir);
}

Test(probe, file)
{
        cr_assert_eq(run("file:/", 1000, NULL), 1);
        cr_assert_eq(run("file:/nonexistent/x", 1000, NULL), 0);
}

Test(probe, exec_status_and_timeout)
{
        char *why = NULL;
        cr_assert_eq(run("exec:true", 1000000, NULL), 1);
        cr_assert_eq(run("exec:exit 3", 1000000, &why), 0);
        cr_assert(why && strstr(why, "status 3"), "why: %s", why);
        free(why);
        long t0 = now_ms();
        cr_assert_eq(run("exec:sleep 5", 200000, &why), 0);
        cr_assert_lt(now_ms() - t0, 1500);
        cr_assert(why && strstr(why, "still running"), "why: %s", why);
        free(why);
}

Test(probe, parse_errors)
{
        const char *bad[] = {"",        "tcp:",      "tcp:host",    "tcp:host:port",
                             "http://", "https://x", "unix:",       "file:relative",
                             "exec:",   "ftp://x",   "tcp:[::1",    "http://h/a b",
                             "tcp:h:",  "tcp:h:80x", "http://h:x/", "http://h/a\r\nX: y"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct probe p;
                struct planet_error err = {0};
                cr_assert_lt(probe_parse(bad[i], &p, &err), 0, "'%s' accepted", bad[i]);
                cr_assert(err.msg && strstr(err.msg, "tcp:HOST:PORT"));
                planet_error_clear(&err);
        }
        struct probe p;
        cr_assert_eq(probe_parse("tcp:[::1]:80", &p, NULL), 0);
        cr_assert_str_eq(p.host, "::1");
        cr_assert_str_eq(p.port, "80");
        probe_done(&p);
        cr_assert_eq(probe_parse("http://localhost", &p, NULL), 0);
        cr_assert_str_eq(p.port, "80");
        cr_assert_str_eq(p.path, "/");
        probe_done(&p);
}

Test(probe, durations)
{
        uint64_t u;
        cr_assert_eq(parse_duration_usec("30s", &u), 0);
        cr_assert_eq(u, 30000000);
        cr_assert_eq(parse_duration_usec("500ms", &u), 0);
        cr_assert_eq(u, 500000);
        cr_assert_eq(parse_duration_usec("2min", &u), 0);
        cr_assert_eq(u, 120000000);
        cr_assert_eq(parse_duration_usec("7", &u), 0);
        cr_assert_eq(u, 7000000);
        cr_assert_lt(parse_duration_usec("0s", &u), 0);
        cr_assert_lt(parse_duration_usec("-1s", &u), 0);
        cr_assert_lt(parse_duration_usec("5 parsecs", &u), 0);
}
