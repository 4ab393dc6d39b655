/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Test harness for planet-initd: a receiver socket bound as systemd binds
 * NOTIFY_SOCKET, and the built planet-initd started under it with the test
 * child (initd-test-child) as its service. */

#include <stdbool.h>
#include <sys/types.h>

#include "notify.h"

struct receiver {
        int fd;
        char address[128]; /* "@planet-initd-test/…" */
};
/* Bind a receiver with SO_PASSCRED (asserts on failure). */
void receiver_open(struct receiver *r);
void receiver_close(struct receiver *r);
/* Wait up to timeout_ms for one datagram: true when one arrived. */
bool receiver_wait(struct receiver *r, int timeout_ms, struct notify_datagram *d);
/* The next datagram's payload, in d (emptied first), asserting one arrives
 * within 5 s. */
const char *receiver_next(struct receiver *r, struct notify_datagram *d);

struct initd_proc {
        pid_t pid;
        int out; /* the service's and the wrapper's stdout+stderr, read end */
        char buf[16384];
        size_t len;
};
/* Start planet-initd with args (NULL-terminated, "--" and the child's steps
 * included; the literal "CHILD" is replaced by the test child's path).
 * NOTIFY_SOCKET is r's address (r may be NULL: unset). extra_env entries
 * ("NAME=value", "NAME=$PID" for the wrapper's own pid) are added. With
 * listen_fd >= 0 that fd becomes fd 3 of the wrapper. */
void initd_start(struct initd_proc *p, struct receiver *r, const char *const *args,
                 const char *const *extra_env, int listen_fd);
/* Read the service's stdout until a line starting with prefix appears
 * (or timeout); returns the line (static buffer) or NULL. */
const char *initd_read_line(struct initd_proc *p, const char *prefix, int timeout_ms);
/* Wait for planet-initd to exit; its exit status (128+sig if killed). */
int initd_wait(struct initd_proc *p, int timeout_ms);

/* The built binaries. */
const char *initd_binary(void);
const char *initd_child_binary(void);
long now_ms(void);
