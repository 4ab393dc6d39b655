/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "journal.h"
#include "macro.h"

static int valid_field_name(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9'))
                return 0;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

int journal_serialize(const struct journal_field *fields, size_t n, char **ret, size_t *ret_len)
{
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (!fields[i].value)
                        continue;
                if (!valid_field_name(fields[i].name))
                        return -EINVAL;
                len += strlen(fields[i].name) + strlen(fields[i].value) + 2 + 8;
        }
        char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        char *p = buf;
        for (size_t i = 0; i < n; i++) {
                const char *v = fields[i].value;
                if (!v)
                        continue;
                size_t nl = strlen(fields[i].name), vl = strlen(v);
                memcpy(p, fields[i].name, nl);
                p += nl;
                if (memchr(v, '\n', vl)) {
                        uint64_t le = htole64((uint64_t) vl);
                        *p++ = '\n';
                        memcpy(p, &le, sizeof(le));
                        p += sizeof(le);
                } else {
                        *p++ = '=';
                }
                memcpy(p, v, vl);
                p += vl;
                *p++ = '\n';
        }
        *ret = buf;
        *ret_len = (size_t) (p - buf);
        return 0;
}

int journal_send(const char *socket_path, const struct journal_field *fields, size_t n)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (!socket_path)
                socket_path = JOURNAL_SOCKET_PATH;
        if (strlen(socket_path) >= sizeof(sun.sun_path))
                return -ENAMETOOLONG;
        strcpy(sun.sun_path, socket_path);

        int r = journal_serialize(fields, n, &buf, &len);
        if (r < 0)
                return r;

        /* A bounded wait: journald's queue holds only net.unix.max_dgram_qlen
         * datagrams (10 by default), which a boot that starts many services
         * at once fills, so not blocking at all would lose entries; blocking
         * without a bound would let a stuck journald hold up service starts.
         * On timeout the caller falls back to stderr. */
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct timeval tv = {.tv_sec = JOURNAL_SEND_TIMEOUT_USEC / 1000000,
                             .tv_usec = JOURNAL_SEND_TIMEOUT_USEC % 1000000};
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *) &sun, sizeof(sun)) < 0)
                return -errno;
        return 0;
}

static int looks_like_unit(const char *s, size_t n)
{
        static const char *const suffixes[] = {".service", ".scope", ".socket", ".mount",
                                               ".swap",    ".timer", ".path"};
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t k = strlen(suffixes[i]);
                if (n > k && !memcmp(s + n - k, suffixes[i], k))
                        return 1;
        }
        return 0;
}

int journal_unit_from_cgroup(const char *cgroup_file, char **ret)
{
        _cleanup_free_ char *copy = strdup(cgroup_file);
        char *save_line = NULL;
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save_line); line;
             line = strtok_r(NULL, "\n", &save_line)) {
                /* cgroup v2: "0::/system.slice/kubelet.service"; with v1 the
                 * name=systemd hierarchy says the same. */
                char *path = NULL;
                if (!strncmp(line, "0::", 3))
                        path = line + 3;
                else if ((path = strstr(line, ":name=systemd:")))
                        path += strlen(":name=systemd:");
                else
                        continue;
                /* The unit is the innermost component that names one (a
                 * delegated subtree may add plain directories below it). */
                char *best = NULL, *save = NULL;
                for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save))
                        if (looks_like_unit(c, strlen(c)))
                                best = c;
                if (best) {
                        *ret = strdup(best);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENODATA;
}

int journal_current_unit(char **ret)
{
        char buf[4096];
        _cleanup_close_ int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return journal_unit_from_cgroup(buf, ret);
}
