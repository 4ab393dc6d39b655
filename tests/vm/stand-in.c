/* stand-in: a small daemon the VM test installs under the names of the
 * Kubernetes and gravity binaries Debian does not ship (kube-apiserver,
 * kubelet, gravity, ...). Labeled like the real binary, it enters the same
 * domain, and it behaves like the kind of daemon the unit expects:
 *
 *   stand-in [--listen PORT] [--ready-delay MS] [--notify] [--read FILE]
 *            [--once] [--exit CODE]
 *
 *   --listen PORT    serve HTTP "200 ok" on 127.0.0.1:PORT (tcp: and http://
 *                    readiness probes), after --ready-delay
 *   --notify         send READY=1 on $NOTIFY_SOCKET once listening (or at once)
 *   --read FILE      try to read FILE and say whether SELinux let it
 *   --once           do the above and exit 0 (a oneshot's job)
 *   --exit CODE      exit with CODE right after start-up (exit-code tests)
 *
 * Every line it prints starts with "stand-in[NAME]:" and the first one names
 * the SELinux context it runs in, so the journal shows where it landed.
 * SIGTERM ends it with status 0, as a well-behaved daemon. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <selinux/selinux.h>
#include <systemd/sd-daemon.h>

static volatile sig_atomic_t terminate;

static void on_term(int sig) {
        (void) sig;
        terminate = 1;
}

static const char *name_of(const char *argv0) {
        const char *slash = strrchr(argv0, '/');
        return slash ? slash + 1 : argv0;
}

static void sleep_ms(long ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !terminate)
                ;
}

static int try_read(const char *name, const char *path) {
        char buf[256];
        FILE *f = fopen(path, "re");
        if (!f) {
                printf("stand-in[%s]: read %s: %s\n", name, path, strerror(errno));
                return -errno;
        }
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        printf("stand-in[%s]: read %s: ok (%zu bytes)\n", name, path, n);
        return 0;
}

static int listen_on(const char *name, int port) {
        int one = 1;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
                printf("stand-in[%s]: listen on 127.0.0.1:%d: %s\n", name, port, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        printf("stand-in[%s]: listening on 127.0.0.1:%d\n", name, port);
        return fd;
}

static void serve(int fd) {
        static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        while (!terminate) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue; /* EINTR on SIGTERM: the loop condition decides */
                char req[1024];
                (void) !read(c, req, sizeof(req));
                (void) !write(c, reply, sizeof(reply) - 1);
                close(c);
        }
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                {"listen", required_argument, NULL, 'l'}, {"ready-delay", required_argument, NULL, 'd'},
                {"notify", no_argument, NULL, 'n'},       {"read", required_argument, NULL, 'r'},
                {"once", no_argument, NULL, 'o'},         {"exit", required_argument, NULL, 'e'},
                {}};
        const char *name = name_of(argv[0]), *read_path = NULL;
        int port = 0, exit_code = -1, opt;
        long delay_ms = 0;
        bool notify = false, once = false;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (opt) {
                case 'l': port = atoi(optarg); break;
                case 'd': delay_ms = atol(optarg); break;
                case 'n': notify = true; break;
                case 'r': read_path = optarg; break;
                case 'o': once = true; break;
                case 'e': exit_code = atoi(optarg); break;
                default: return 2;
                }
        }
        setvbuf(stdout, NULL, _IOLBF, 0);

        char *con = NULL;
        if (getcon(&con) < 0)
                printf("stand-in[%s]: started, context unknown (%s)\n", name, strerror(errno));
        else
                printf("stand-in[%s]: started in %s\n", name, con);
        freecon(con);

        struct sigaction sa = {.sa_handler = on_term};
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        int status = 0;
        if (read_path && try_read(name, read_path) < 0)
                status = 1;
        if (exit_code >= 0)
                return exit_code;
        if (once)
                return status;

        sleep_ms(delay_ms);
        int fd = -1;
        if (port > 0 && (fd = listen_on(name, port)) < 0)
                return 1;
        if (notify)
                sd_notify(0, "READY=1\nSTATUS=stand-in ready");
        if (fd >= 0)
                serve(fd);
        else
                while (!terminate)
                        pause();
        printf("stand-in[%s]: terminated\n", name);
        return 0;
}
