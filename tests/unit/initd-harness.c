/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "initd-harness.h"

long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *built(const char *rel)
{
        static char path[2][4096];
        static int k;
        const char *top = getenv("top_builddir");
        k ^= 1;
        snprintf(path[k], sizeof(path[k]), "%s/%s", top ? top : ".", rel);
        return path[k];
}

const char *initd_binary(void)
{
        return built("planet-initd");
}

const char *initd_child_binary(void)
{
        return built("tests/unit/initd-test-child");
}

void receiver_open(struct receiver *r)
{
        static unsigned n;
        struct notify_address a;
        snprintf(r->address, sizeof(r->address), "@planet-initd-test/%d/%u", (int) getpid(), n++);
        cr_assert_eq(notify_address_parse(r->address, &a, NULL), 0);
        cr_assert_eq(notify_socket_bind(&a, &r->fd, NULL), 0);
}

void receiver_close(struct receiver *r)
{
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

bool receiver_wait(struct receiver *r, int timeout_ms, struct notify_datagram *d)
{
        long end = now_ms() + timeout_ms;
        for (;;) {
                if (notify_receive(r->fd, d) == 0)
                        return true;
                long left = end - now_ms();
                if (left <= 0)
                        return false;
                struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
                poll(&pfd, 1, (int) left);
        }
}

const char *receiver_next(struct receiver *r, struct notify_datagram *d)
{
        notify_datagram_done(d);
        cr_assert(receiver_wait(r, 5000, d), "no datagram reached the receiver");
        return d->buf;
}

void initd_start(struct initd_proc *p, struct receiver *r, const char *const *args,
                 const char *const *extra_env, int listen_fd)
{
        int out[2];
        cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
        memset(p, 0, sizeof(*p));
        p->pid = fork();
        cr_assert_geq(p->pid, 0);
        if (p->pid == 0) {
                const char *argv[64];
                int n = 0;
                char pidbuf[32];
                argv[n++] = initd_binary();
                for (const char *const *a = args; *a && n < 62; a++)
                        argv[n++] = strcmp(*a, "CHILD") ? *a : initd_child_binary();
                argv[n] = NULL;
                dup2(out[1], STDOUT_FILENO);
                dup2(out[1], STDERR_FILENO); /* the wrapper's complaints, to count them */
                if (listen_fd >= 0) {
                        dup2(listen_fd, 3); /* dup2 clears close-on-exec */
                        syscall(SYS_close_range, 4, ~0u, 0);
                } else {
                        syscall(SYS_close_range, 3, ~0u, 0);
                }
                if (r)
                        setenv("NOTIFY_SOCKET", r->address, 1);
                else
                        unsetenv("NOTIFY_SOCKET");
                snprintf(pidbuf, sizeof(pidbuf), "%d", (int) getpid());
                for (const char *const *e = extra_env; e && *e; e++) {
                        char name[128];
                        const char *eq = strchr(*e, '=');
                        snprintf(name, sizeof(name), "%.*s", (int) (eq - *e), *e);
                        setenv(name, strcmp(eq + 1, "$PID") ? eq + 1 : pidbuf, 1);
                }
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execv(argv[0], (char **) argv);
                _exit(127);
        }
        close(out[1]);
        p->out = out[0];
}

const char *initd_read_line(struct initd_proc *p, const char *prefix, int timeout_ms)
{
        static char line[1024];
        long end = now_ms() + timeout_ms;
        for (;;) {
                /* Look for a complete line with the prefix in what we have. */
                char *s = p->buf;
                while (s < p->buf + p->len) {
                        char *nl = memchr(s, '\n', (size_t) (p->buf + p->len - s));
                        if (!nl)
                                break;
                        size_t n = (size_t) (nl - s);
                        if (!strncmp(s, prefix, strlen(prefix)) && n < sizeof(line)) {
                                memcpy(line, s, n);
                                line[n] = '\0';
                                /* Consume up to and including this line. */
                                size_t used = (size_t) (nl + 1 - p->buf);
                                memmove(p->buf, nl + 1, p->len - used);
                                p->len -= used;
                                return line;
                        }
                        s = nl + 1;
                }
                long left = end - now_ms();
                if (left <= 0 || p->len >= sizeof(p->buf) - 1)
                        return NULL;
                struct pollfd pfd = {.fd = p->out, .events = POLLIN};
                if (poll(&pfd, 1, (int) left) <= 0)
                        return NULL;
                ssize_t k = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
                if (k <= 0)
                        return NULL;
                p->len += (size_t) k;
        }
}

int initd_wait(struct initd_proc *p, int timeout_ms)
{
        long end = now_ms() + timeout_ms;
        int status;
        for (;;) {
                pid_t w = waitpid(p->pid, &status, WNOHANG);
                if (w == p->pid)
                        break;
                if (now_ms() > end) {
                        kill(p->pid, SIGKILL);
                        waitpid(p->pid, &status, 0);
                        close(p->out);
                        cr_assert_fail("planet-initd did not exit within %d ms", timeout_ms);
                }
                usleep(5000);
        }
        close(p->out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
