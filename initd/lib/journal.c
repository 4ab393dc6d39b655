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

#include "fileio.h"
#include "journal.h"
#include "macro.h"

/* /proc/self/cgroup is a line per hierarchy; more than this is not it. */
#define JOURNAL_CGROUP_FILE_MAX (1 << 20)

static int valid_field_name(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9'))
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return 0;
        return 1;
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

/* The innermost component of the cgroup path p (n bytes) that names a unit
 * (a delegated subtree may add plain directories below it). */
static int innermost_unit(const char *p, size_t n, char **ret)
{
        const char *best = NULL, *end = p + n;
        size_t best_len = 0;
        while (p < end) {
                const char *slash = memchr(p, '/', (size_t) (end - p));
                size_t k = slash ? (size_t) (slash - p) : (size_t) (end - p);
                if (k > 0 && looks_like_unit(p, k)) {
                        best = p;
                        best_len = k;
                }
                p += k + 1;
        }
        if (!best)
                return -ENODATA;
        *ret = strndup(best, best_len);
        return *ret ? 0 : -ENOMEM;
}

/* Walked with memchr, not strtok_r: this runs on every service start, and
 * strtok's strspn/strcspn would be the only users of their libc pages there
 * (string-util.h says why that matters). */
int journal_unit_from_cgroup(const char *cgroup_file, char **ret)
{
        static const char v1_key[] = ":name=systemd:";
        for (const char *line = cgroup_file; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t) (nl - line) : strlen(line);
                /* cgroup v2: "0::/system.slice/kubelet.service"; with v1 the
                 * name=systemd hierarchy says the same. */
                const char *path = NULL;
                if (n >= 3 && !memcmp(line, "0::", 3))
                        path = line + 3;
                else if ((path = memmem(line, n, v1_key, sizeof(v1_key) - 1)))
                        path += sizeof(v1_key) - 1;
                if (path) {
                        int r = innermost_unit(path, n - (size_t) (path - line), ret);
                        if (r != -ENODATA)
                                return r;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENODATA;
}

int journal_current_unit(char **ret)
{
        _cleanup_close_ int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Grown as needed (read_fd_full): the common file is one line; a
         * cgroup v1 file with long paths can pass a page. */
        _cleanup_free_ char *buf = NULL;
        int r = read_fd_full(fd, 512, JOURNAL_CGROUP_FILE_MAX, false, &buf, NULL);
        if (r < 0)
                return r;
        return journal_unit_from_cgroup(buf, ret);
}
