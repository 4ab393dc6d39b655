/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service the planet-initd tests start: runs the steps its argv names,
 * in order, reporting on stdout (one line per fact) so the test can check
 * what the service saw from inside.
 *
 *   notify MSG          send MSG ("\n" escapes allowed) to $NOTIFY_SOCKET
 *   notify-fd MSG       the same with one pipe fd attached; prints "fd-ino N"
 *   notify-raw N        an N-byte datagram of 'A's (oversized test)
 *   notify-nul          "STATUS=a\0b" (a NUL inside)
 *   spawn-notify MSG    a grandchild sends MSG (a descendant) and lives 300 ms
 *   barrier MS          sd_notify_barrier with timeout MS; "barrier ok N" (ms waited)
 *   env NAME            "NAME=value" or "NAME unset"
 *   pid                 "pid N"
 *   fds                 "fd N cloexec|inherit" for each open fd >= 3
 *   orphan              fork a child that forks a grandchild sleeping 100 ms
 *                       and exits at once; "orphan N"
 *   reaped N            "reaped N" when /proc/N is gone, "zombie N" otherwise
 *   touch PATH          create PATH
 *   sleep MS
 *   wait-signal         print "waiting", then wait for any catchable signal; "got N"
 *   exit N / kill-self SIG */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unescape(const char *in, char *out)
{
        for (; *in; in++) {
                if (in[0] == '\\' && in[1] == 'n') {
                        *out++ = '\n';
                        in++;
                } else {
                        *out++ = *in;
                }
        }
        *out = '\0';
}

static int send_raw(const char *buf, size_t len, int fd_to_pass)
{
        const char *e = getenv("NOTIFY_SOCKET");
        if (!e) {
                printf("no NOTIFY_SOCKET\n");
                return -1;
        }
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        size_t n = strlen(e);
        socklen_t sl;
        memcpy(sun.sun_path, e, n);
        if (e[0] == '@') {
                sun.sun_path[0] = '\0';
                sl = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else {
                sl = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        }
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        union {
                struct cmsghdr a;
                char b[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = (void *) buf, .iov_len = len};
        struct msghdr mh = {.msg_name = &sun, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1};
        if (fd_to_pass >= 0) {
                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = &ctl;
                mh.msg_controllen = sizeof(ctl.b);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
        }
        int r = (int) sendmsg(s, &mh, 0);
        if (r < 0)
                printf("send failed %d\n", errno);
        close(s);
        return r;
}

static void on_signal(int sig)
{
        (void) sig;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = 1; i < argc; i++) {
                const char *cmd = argv[i];
                const char *arg = i + 1 < argc ? argv[i + 1] : "";
                char buf[8192];
                if (!strcmp(cmd, "notify")) {
                        unescape(arg, buf);
                        send_raw(buf, strlen(buf), -1);
                        i++;
                } else if (!strcmp(cmd, "notify-fd")) {
                        int p[2];
                        struct stat st;
                        if (pipe(p) < 0)
                                return 99;
                        fstat(p[0], &st);
                        unescape(arg, buf);
                        send_raw(buf, strlen(buf), p[0]);
                        printf("fd-ino %lu\n", (unsigned long) st.st_ino);
                        close(p[0]);
                        close(p[1]);
                        i++;
                } else if (!strcmp(cmd, "notify-raw")) {
                        size_t n = (size_t) atol(arg);
                        char *big = malloc(n);
                        memset(big, 'A', n);
                        memcpy(big, "STATUS=", 7);
                        send_raw(big, n, -1);
                        free(big);
                        i++;
                } else if (!strcmp(cmd, "notify-nul")) {
                        send_raw("STATUS=a\0b", 10, -1);
                } else if (!strcmp(cmd, "spawn-notify")) {
                        unescape(arg, buf);
                        pid_t p = fork();
                        if (p == 0) {
                                send_raw(buf, strlen(buf), -1);
                                /* Stay alive until the wrapper has read it: a
                                 * sender that is gone cannot be traced to us. */
                                usleep(300 * 1000);
                                _exit(0);
                        }
                        waitpid(p, NULL, 0);
                        i++;
                } else if (!strcmp(cmd, "orphan-notify")) {
                        /* A grandchild orphaned to the wrapper (its parent
                         * exits at once) says something and exits at once:
                         * the wrapper must read it before reaping it. */
                        unescape(arg, buf);
                        pid_t c = fork();
                        if (c == 0) {
                                if (fork() == 0) {
                                        usleep(100 * 1000);
                                        send_raw(buf, strlen(buf), -1);
                                        _exit(0);
                                }
                                _exit(0);
                        }
                        waitpid(c, NULL, 0);
                        i++;
                } else if (!strcmp(cmd, "notify-many")) {
                        /* STATUS=1 … STATUS=N as fast as they go. */
                        int n = atoi(arg);
                        for (int k = 1; k <= n; k++) {
                                int len = snprintf(buf, sizeof(buf), "STATUS=%d", k);
                                send_raw(buf, (size_t) len, -1);
                        }
                        i++;
                } else if (!strcmp(cmd, "barrier")) {
                        int p[2];
                        if (pipe2(p, O_CLOEXEC) < 0)
                                return 99;
                        long t0 = now_ms();
                        send_raw("BARRIER=1", 9, p[1]);
                        close(p[1]);
                        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
                        int k = poll(&pfd, 1, atoi(arg));
                        if (k == 1 && (pfd.revents & POLLHUP))
                                printf("barrier ok %ld\n", now_ms() - t0);
                        else
                                printf("barrier timeout\n");
                        close(p[0]);
                        i++;
                } else if (!strcmp(cmd, "env")) {
                        const char *v = getenv(arg);
                        if (v)
                                printf("%s=%s\n", arg, v);
                        else
                                printf("%s unset\n", arg);
                        i++;
                } else if (!strcmp(cmd, "pid")) {
                        printf("pid %d\n", (int) getpid());
                } else if (!strcmp(cmd, "fds")) {
                        DIR *d = opendir("/proc/self/fd");
                        int dfd = dirfd(d);
                        struct dirent *de;
                        while ((de = readdir(d))) {
                                int fd = atoi(de->d_name);
                                if (de->d_name[0] == '.' || fd < 3 || fd == dfd)
                                        continue;
                                int fl = fcntl(fd, F_GETFD);
                                printf("fd %d %s\n", fd, (fl & FD_CLOEXEC) ? "cloexec" : "inherit");
                        }
                        closedir(d);
                } else if (!strcmp(cmd, "orphan")) {
                        int p[2];
                        if (pipe(p) < 0)
                                return 99;
                        pid_t c = fork();
                        if (c == 0) {
                                pid_t g = fork();
                                if (g == 0) {
                                        close(p[0]);
                                        close(p[1]);
                                        usleep(100 * 1000);
                                        _exit(0);
                                }
                                (void) !write(p[1], &g, sizeof(g));
                                _exit(0);
                        }
                        pid_t g = 0;
                        close(p[1]);
                        (void) !read(p[0], &g, sizeof(g));
                        close(p[0]);
                        waitpid(c, NULL, 0);
                        printf("orphan %d\n", (int) g);
                } else if (!strcmp(cmd, "reaped")) {
                        char path[64];
                        snprintf(path, sizeof(path), "/proc/%s", arg);
                        printf("%s %s\n", access(path, F_OK) < 0 ? "reaped" : "zombie", arg);
                        i++;
                } else if (!strcmp(cmd, "touch")) {
                        close(open(arg, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
                        i++;
                } else if (!strcmp(cmd, "sleep")) {
                        usleep((useconds_t) atoi(arg) * 1000);
                        i++;
                } else if (!strcmp(cmd, "wait-signal")) {
                        sigset_t all;
                        sigfillset(&all);
                        for (int s = 1; s < 32; s++)
                                if (s != SIGKILL && s != SIGSTOP)
                                        signal(s, on_signal);
                        sigprocmask(SIG_BLOCK, &all, NULL);
                        printf("waiting\n");
                        int sig = 0;
                        sigwait(&all, &sig);
                        printf("got %d\n", sig);
                } else if (!strcmp(cmd, "exit")) {
                        return atoi(arg);
                } else if (!strcmp(cmd, "kill-self")) {
                        signal(atoi(arg), SIG_DFL);
                        kill(getpid(), atoi(arg));
                        pause();
                } else {
                        fprintf(stderr, "initd-test-child: unknown step %s\n", cmd);
                        return 98;
                }
        }
        return 0;
}
