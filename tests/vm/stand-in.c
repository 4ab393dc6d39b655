/* stand-in: a small daemon the VM test installs under the names of the
 * Kubernetes and gravity binaries Debian does not ship (kube-apiserver,
 * kubelet, gravity, ...). Labeled like the real binary, it enters the same
 * domain, and it behaves like the kind of daemon the unit expects.
 *
 * The units pass the real binaries' arguments, which it ignores: what it
 * does comes from the line starting with its name (argv[0]'s basename) in
 * /etc/planet-vm/stand-ins (or $PLANET_STAND_IN_CONF):
 *
 *   NAME[:ARG] [listen=PORT] [delay=MS] [notify] [touch=FILE] [read=FILE] [once] [exit=CODE]
 *
 *   NAME:ARG     this line only when the first argument is ARG (the gravity
 *                binary is both "gravity install" and "gravity agent run");
 *                a NAME:ARG line wins over a plain NAME line
 *   touch=FILE   create FILE once ready (file: readiness probes)
 *   listen=PORT  serve HTTP "200 ok" on 127.0.0.1:PORT (tcp: and http://
 *                readiness probes), after delay=MS
 *   notify       send READY=1 on $NOTIFY_SOCKET once listening
 *   read=FILE    try to read FILE and say whether SELinux let it
 *   once         do the above and exit (0, or 1 if the read failed)
 *   exit=CODE    exit with CODE right after start-up (exit-code tests)
 *
 * Every line it prints starts with "stand-in[NAME]:" and the first one names
 * the SELinux context it runs in, so the journal shows where it landed.
 * SIGTERM ends it with status 0, as a well-behaved daemon. */
#include <errno.h>
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

struct behaviour {
        int port;
        long delay_ms;
        bool notify, once;
        int exit_code;
        char read_path[4096];
        char touch_path[4096];
};

static void parse_behaviour(char *save, struct behaviour *b) {
        char *word;
        *b = (struct behaviour){.exit_code = -1};
        while ((word = strtok_r(NULL, " \t\n", &save))) {
                if (strncmp(word, "listen=", 7) == 0)
                        b->port = atoi(word + 7);
                else if (strncmp(word, "delay=", 6) == 0)
                        b->delay_ms = atol(word + 6);
                else if (strcmp(word, "notify") == 0)
                        b->notify = true;
                else if (strcmp(word, "once") == 0)
                        b->once = true;
                else if (strncmp(word, "exit=", 5) == 0)
                        b->exit_code = atoi(word + 5);
                else if (strncmp(word, "read=", 5) == 0)
                        snprintf(b->read_path, sizeof(b->read_path), "%s", word + 5);
                else if (strncmp(word, "touch=", 6) == 0)
                        snprintf(b->touch_path, sizeof(b->touch_path), "%s", word + 6);
        }
}

/* The config line for NAME (or NAME:ARG1); none means "idle daemon". */
static void load_behaviour(const char *name, const char *arg1, struct behaviour *b) {
        const char *conf = getenv("PLANET_STAND_IN_CONF");
        char line[8192], with_arg[512];
        bool found_specific = false;
        FILE *f = fopen(conf ? conf : "/etc/planet-vm/stand-ins", "re");

        *b = (struct behaviour){.exit_code = -1};
        if (!f)
                return;
        snprintf(with_arg, sizeof(with_arg), "%s:%s", name, arg1 ? arg1 : "");
        while (fgets(line, sizeof(line), f) && !found_specific) {
                char *save = NULL, *word = strtok_r(line, " \t\n", &save);
                if (!word || word[0] == '#')
                        continue;
                if (arg1 && strcmp(word, with_arg) == 0) {
                        parse_behaviour(save, b);
                        found_specific = true;
                } else if (strcmp(word, name) == 0)
                        parse_behaviour(save, b);
        }
        fclose(f);
}

int main(int argc, char *argv[]) {
        const char *name = name_of(argv[0]);
        struct behaviour b;

        setvbuf(stdout, NULL, _IOLBF, 0);
        load_behaviour(name, argc > 1 ? argv[1] : NULL, &b);

        char *con = NULL;
        if (getcon(&con) < 0)
                printf("stand-in[%s]: started (%d args), context unknown (%s)\n", name, argc - 1, strerror(errno));
        else
                printf("stand-in[%s]: started (%d args) in %s\n", name, argc - 1, con);
        freecon(con);

        struct sigaction sa = {.sa_handler = on_term};
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        int status = 0;
        if (b.read_path[0] && try_read(name, b.read_path) < 0)
                status = 1;
        if (b.exit_code >= 0) {
                printf("stand-in[%s]: exiting with %d as configured\n", name, b.exit_code);
                return b.exit_code;
        }
        if (b.once)
                return status;

        sleep_ms(b.delay_ms);
        int fd = -1;
        if (b.port > 0 && (fd = listen_on(name, b.port)) < 0)
                return 1;
        if (b.touch_path[0]) {
                FILE *t = fopen(b.touch_path, "we");
                printf("stand-in[%s]: create %s: %s\n", name, b.touch_path, t ? "ok" : strerror(errno));
                if (!t)
                        return 1;
                fclose(t);
        }
        if (b.notify)
                sd_notify(0, "READY=1\nSTATUS=stand-in ready");
        if (fd >= 0)
                serve(fd);
        else
                while (!terminate)
                        pause();
        printf("stand-in[%s]: terminated\n", name);
        return 0;
}
