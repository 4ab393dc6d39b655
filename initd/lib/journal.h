/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Structured journal entries through journald's native protocol
 * (systemd-journald.service(8), "Native Journal Protocol"), spoken directly
 * rather than through libsystemd's sd_journal_send(): planet-initd runs on
 * every service start and the numbers in the README (Benchmarks,
 * planet-initd) show what linking libsystemd costs there.
 *
 * One datagram per entry to /run/systemd/journal/socket; each field
 * "NAME=value\n", or, when the value holds a newline, "NAME\n", the value's
 * length as little-endian 64-bit, the value, "\n". Field names: [A-Z0-9_],
 * not starting with '_' or a digit (journald owns the '_' ones). */

#include <stddef.h>

#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"
/* How long an entry may wait for room in journald's queue. */
#define JOURNAL_SEND_TIMEOUT_USEC 1000000

struct journal_field {
        const char *name;
        const char *value; /* NULL: the field is left out */
};

/* Serialize fields into one native-protocol payload. -EINVAL names a bad
 * field name (caller bug). */
int journal_serialize(const struct journal_field *fields, size_t n, char **ret, size_t *ret_len);

/* Send one entry. socket_path NULL: JOURNAL_SOCKET_PATH. -ENOENT/-ECONNREFUSED
 * when no journald listens and -EAGAIN when it did not make room within
 * JOURNAL_SEND_TIMEOUT_USEC (the caller then falls back to stderr, which
 * systemd also collects); -EMSGSIZE when the entry is
 * too big for one datagram (entries here are a few hundred bytes). */
int journal_send(const char *socket_path, const struct journal_field *fields, size_t n);

/* The systemd unit this process belongs to, from /proc/self/cgroup (the last
 * path component that looks like a unit: *.service, *.scope, …). -ENODATA
 * when not in one. */
int journal_current_unit(char **ret);
/* The same from the text of a /proc/PID/cgroup file (v2 "0::/…", or v1's
 * name=systemd hierarchy). */
int journal_unit_from_cgroup(const char *cgroup_file, char **ret);
