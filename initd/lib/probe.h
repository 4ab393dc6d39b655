/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Readiness and liveness probes for daemons that do not speak sd_notify
 * (planet-initd --ready / --watchdog-probe). A probe is one string:
 *
 *   tcp:HOST:PORT      a TCP connect succeeds ([v6-addr]:PORT for IPv6)
 *   http://HOST[:PORT][/PATH]
 *                      GET answers with a 2xx status (plain HTTP only)
 *   unix:PATH          a stream (or seqpacket/datagram) connect to the socket
 *                      succeeds; unix:@NAME for an abstract socket
 *   file:PATH          the path exists
 *   exec:CMD           /bin/sh -c CMD exits 0
 *
 * One attempt is synchronous and bounded by its timeout (name resolution
 * through getaddrinfo excepted); the supervisor runs each in a process of its
 * own and kills it if it overstays. */

#include <stdint.h>

#include "error.h"

enum probe_kind {
        PROBE_TCP,
        PROBE_HTTP,
        PROBE_UNIX,
        PROBE_FILE,
        PROBE_EXEC,
};

struct probe {
        enum probe_kind kind;
        char *spec;    /* as given, for messages */
        char *host;    /* tcp, http */
        char *port;    /* tcp, http (default 80) */
        char *path;    /* http request path, unix socket, file */
        char *command; /* exec */
};

/* Parse a probe string; -EINVAL with err naming the accepted forms. */
int probe_parse(const char *spec, struct probe *ret, struct planet_error *err);
void probe_done(struct probe *p);

/* One attempt, in a process of its own (supervise.c forks it), so that its
 * code costs the supervisor no memory wherever it lies; _cold_ keeps it out
 * of the supervisor's hot segment all the same. 1: passed; 0: did not pass (why says how, e.g. "connection
 * refused", "HTTP status 503", "timed out after 1000 ms"); -errno only when
 * the attempt could not be made at all (out of memory, fork failed). */
int probe_run(const struct probe *p, uint64_t timeout_usec, struct planet_error *why) _cold_;

/* "30s", "500ms", "2min", "1h", "250us", or plain seconds; ≥ 1 µs. */
int parse_duration_usec(const char *s, uint64_t *ret);
