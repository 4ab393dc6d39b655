/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The native journal protocol writer, read back from a real socket bound
 * where journald would be, and decoded as journald does. */
#include <criterion/criterion.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

/* Find NAME's value in a native-protocol payload (decoding binary fields). */
static char *field(const char *buf, size_t len, const char *name)
{
        size_t nl = strlen(name);
        for (size_t i = 0; i < len;) {
                const char *line = buf + i;
                const char *eol = memchr(line, '\n', len - i);
                const char *eq = memchr(line, '=', eol ? (size_t) (eol - line) : len - i);
                cr_assert(eol, "unterminated field");
                if (eq) {
                        if ((size_t) (eq - line) == nl && !memcmp(line, name, nl))
                                return strndup(eq + 1, (size_t) (eol - eq - 1));
                        i = (size_t) (eol - buf) + 1;
                } else {
                        uint64_t le, vl;
                        memcpy(&le, eol + 1, 8);
                        vl = le64toh(le);
                        const char *v = eol + 9;
                        cr_assert_eq(v[vl], '\n', "binary field not terminated");
                        if ((size_t) (eol - line) == nl && !memcmp(line, name, nl))
                                return strndup(v, vl);
                        i = (size_t) (v + vl + 1 - buf);
                }
        }
        return NULL;
}

Test(journal, native_protocol_round_trip)
{
        char dir[] = "/tmp/planet-initd-journal-XXXXXX";
        cr_assert(mkdtemp(dir));
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/socket", dir);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);

        const struct journal_field f[] = {
                {"MESSAGE", "starting /usr/bin/kubelet"},
                {"SKIPPED", NULL},
                {"MISSING_RULES", "allow a b:file entrypoint;\nallow a c:process transition;\n"},
                {"DOMAIN", "system_u:system_r:gravity_kubernetes_t:s0"},
        };
        cr_assert_eq(journal_send(sun.sun_path, f, 4), 0);
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        cr_assert_gt(n, 0);
        char *v = field(buf, (size_t) n, "MESSAGE");
        cr_assert_str_eq(v, "starting /usr/bin/kubelet");
        free(v);
        v = field(buf, (size_t) n, "MISSING_RULES");
        cr_assert_str_eq(v, f[2].value);
        free(v);
        v = field(buf, (size_t) n, "DOMAIN");
        cr_assert_str_eq(v, f[3].value);
        free(v);
        cr_assert_null(field(buf, (size_t) n, "SKIPPED"));

        const struct journal_field bad[] = {{"_PID", "1"}};
        cr_assert_eq(journal_send(sun.sun_path, bad, 1), -EINVAL, "'_' fields are journald's");
        const struct journal_field lower[] = {{"message", "x"}};
        cr_assert_eq(journal_send(sun.sun_path, lower, 1), -EINVAL);
        close(fd);
        unlink(sun.sun_path);
        cr_assert_lt(journal_send(sun.sun_path, f, 1), 0,
                     "nobody listens: an error to fall back on");
        rmdir(dir);
}

Test(journal, unit_from_cgroup)
{
        char *u = NULL;
        cr_assert_eq(journal_unit_from_cgroup("0::/system.slice/kubelet.service\n", &u), 0);
        cr_assert_str_eq(u, "kubelet.service");
        free(u);
        /* Delegated subtree below the unit, inside the planet container. */
        cr_assert_eq(journal_unit_from_cgroup(
                             "0::/machine.slice/planet.service/payload/system.slice/etcd.service/"
                             "sub\n",
                             &u),
                     0);
        cr_assert_str_eq(u, "etcd.service");
        free(u);
        cr_assert_eq(
                journal_unit_from_cgroup("12:cpu:/x\n1:name=systemd:/system.slice/a.scope\n", &u),
                0);
        cr_assert_str_eq(u, "a.scope");
        free(u);
        cr_assert_eq(journal_unit_from_cgroup("0::/\n", &u), -ENODATA);
        cr_assert_eq(journal_unit_from_cgroup("0::/user.slice\n", &u), -ENODATA);
        cr_assert_eq(journal_unit_from_cgroup("", &u), -ENODATA);
}

Test(journal, current_unit)
{
        char *u = NULL;
        int r = journal_current_unit(&u);
        /* Under systemd this names our unit; outside one, there is none. */
        if (r == 0) {
                cr_assert(strchr(u, '.'), "'%s' is not a unit name", u);
                free(u);
        } else {
                cr_assert(r == -ENODATA || r == -ENOENT, "r=%d", r);
        }
}

Test(journal, a_journald_that_does_not_read_costs_a_bounded_wait)
{
        char dir[] = "/tmp/planet-initd-journal-XXXXXX";
        cr_assert(mkdtemp(dir));
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/socket", dir);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
        /* Fill its queue without blocking. */
        int tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int queued = 0;
        while (sendto(tx, "X=1\n", 4, MSG_DONTWAIT, (struct sockaddr *) &sun, sizeof(sun)) == 4)
                queued++;
        cr_assert_gt(queued, 0);
        const struct journal_field f[] = {{"MESSAGE", "late"}};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = journal_send(sun.sun_path, f, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        cr_assert_eq(r, -EAGAIN, "r=%d", r);
        cr_assert_geq(ms, JOURNAL_SEND_TIMEOUT_USEC / 1000 - 50);
        cr_assert_lt(ms, JOURNAL_SEND_TIMEOUT_USEC / 1000 + 1500);
        /* Once it reads, entries flow again. */
        char buf[64];
        cr_assert_gt(recv(fd, buf, sizeof(buf), 0), 0);
        cr_assert_eq(journal_send(sun.sun_path, f, 1), 0);
        close(tx);
        close(fd);
        unlink(sun.sun_path);
        rmdir(dir);
}

/* Split by hand (not strtok): empty components, a last line without its
 * newline and a unit as the very last component all count. */
Test(journal, unit_from_cgroup_edges)
{
        char *u = NULL;
        cr_assert_eq(journal_unit_from_cgroup("0::/system.slice//a.service//", &u), 0);
        cr_assert_str_eq(u, "a.service");
        free(u);
        cr_assert_eq(journal_unit_from_cgroup("0::/b.socket", &u), 0);
        cr_assert_str_eq(u, "b.socket");
        free(u);
        /* The suffix alone is no unit name. */
        cr_assert_eq(journal_unit_from_cgroup("0::/.service\n", &u), -ENODATA);
        /* v1: a later hierarchy line after one that names nothing. */
        cr_assert_eq(journal_unit_from_cgroup("3:name=systemd:/\n0::/system.slice/c.timer\n", &u),
                     0);
        cr_assert_str_eq(u, "c.timer");
        free(u);
        cr_assert_eq(journal_unit_from_cgroup("\n\n0::/x/d.mount\n\n", &u), 0);
        cr_assert_str_eq(u, "d.mount");
        free(u);
}
