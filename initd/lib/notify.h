/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The sd_notify protocol, both ends, as planet-initd --supervise needs it:
 * it receives datagrams from its child on a socket of its own (the child's
 * NOTIFY_SOCKET), checks who sent them and what they say, and relays them to
 * systemd's NOTIFY_SOCKET as the unit's main process.
 *
 * Protocol (sd_notify(3)): AF_UNIX SOCK_DGRAM; the address is a path or, with
 * a leading '@', an abstract name; a datagram is newline-separated
 * VARIABLE=VALUE assignments; fds travel as SCM_RIGHTS (FDSTORE=1, and the
 * single fd of BARRIER=1, which the receiver closes once it has processed
 * every earlier datagram). systemd reads at most NOTIFY_DATAGRAM_MAX bytes.
 *
 * Functions return 0 or -errno. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "error.h"

/* systemd drops anything longer (it reads into a PIPE_BUF-sized buffer). */
#define NOTIFY_DATAGRAM_MAX 4096
/* The kernel's SCM_MAX_FD: the most fds one datagram can carry. */
#define NOTIFY_FDS_MAX 253

struct notify_address {
        struct sockaddr_un sun;
        socklen_t len; /* sockaddr length as bind/sendto want it */
};

/* "/run/x/notify" or "@abstract-name". A path must fit sun_path with its NUL
 * (at most 107 bytes); an abstract name at most 107 bytes after the '@'.
 * vsock: and other forms are refused with -EPROTONOSUPPORT. */
int notify_address_parse(const char *s, struct notify_address *ret, struct planet_error *err);
/* The text form ("@name" or the path) into buf (>= sizeof(sun_path) + 2). */
void notify_address_format(const struct notify_address *a, char *buf, size_t size);

/* A receiving socket: SOCK_DGRAM, close-on-exec, non-blocking, SO_PASSCRED
 * and (kernel ≥ 6.5) SO_PASSPIDFD. A path address is unlinked first. */
int notify_socket_bind(const struct notify_address *a, int *ret_fd, struct planet_error *err);
/* A sending socket for relaying (blocking: relay order is protocol). */
int notify_socket_open_sender(int *ret_fd, struct planet_error *err);

/* What a datagram said, after validation. */
enum {
        NOTIFY_READY = 1u << 0,
        NOTIFY_RELOADING = 1u << 1,
        NOTIFY_STOPPING = 1u << 2,
        NOTIFY_WATCHDOG = 1u << 3,         /* WATCHDOG=1 */
        NOTIFY_WATCHDOG_TRIGGER = 1u << 4, /* WATCHDOG=trigger */
        NOTIFY_FDSTORE = 1u << 5,
        NOTIFY_BARRIER = 1u << 6,
        NOTIFY_STATUS = 1u << 7,
        NOTIFY_MAINPID_STRIPPED = 1u << 8, /* MAINPID/MAINPIDFDID removed */
};

struct notify_message {
        unsigned flags;
        /* The assignments to relay upstream, '\n'-separated, in the order
         * received, minus what belongs to the main process (MAINPID,
         * MAINPIDFDID). NUL-terminated for convenience; relay_len excludes it.
         * May be empty (a datagram that only set MAINPID). */
        char *relay;
        size_t relay_len;
};
void notify_message_done(struct notify_message *m);

/* Validate and digest one datagram's payload. Refused whole (-EBADMSG, err
 * saying why): empty, longer than NOTIFY_DATAGRAM_MAX, containing NUL, a
 * line that is not VARIABLE=VALUE with VARIABLE in [A-Z0-9_] not starting
 * with a digit, or a well-known variable with a malformed value (READY,
 * RELOADING, STOPPING, FDSTORE, BARRIER must be 1; WATCHDOG 1 or trigger;
 * MONOTONIC_USEC, EXTEND_TIMEOUT_USEC, WATCHDOG_USEC, ERRNO, EXIT_STATUS
 * decimal). Empty lines are skipped. Unknown variables are relayed as they
 * are: systemd ignores what it does not know, and newer fields keep working. */
int notify_message_parse(const void *buf, size_t len, struct notify_message *ret,
                         struct planet_error *err);

struct notify_datagram {
        /* The small fields first: a short datagram touches one page. */
        size_t len;     /* bytes in buf */
        size_t size;    /* the datagram's real size (MSG_TRUNC), may exceed len */
        bool truncated; /* payload or control data did not fit: drop whole */
        pid_t pid;      /* from SCM_CREDENTIALS; 0 when absent */
        uid_t uid;
        int pidfd; /* from SCM_PIDFD when the kernel sends it; else -1 */
        /* The sender needed a pidfd and has none: the kernel sent an error
         * instead (older kernels cannot make one for a sender that has
         * exited and been reaped, no kernel can when our fd table is
         * full), or the batch's peek missed it (notify_receive_batch_trusting).
         * Its pid number proves nothing then. */
        bool pidfd_missing;
        size_t n_fds;
        char buf[NOTIFY_DATAGRAM_MAX + 1];
        int fds[NOTIFY_FDS_MAX];
};
/* Close what the datagram still owns. */
void notify_datagram_done(struct notify_datagram *d);

/* Read one datagram (MSG_TRUNC|MSG_CMSG_CLOEXEC). -EAGAIN when none is
 * queued. Received fds are close-on-exec and owned by d. */
int notify_receive(int fd, struct notify_datagram *d);

/* Up to NOTIFY_BATCH_MAX datagrams in one recvmmsg: what a busy sender has
 * queued costs one system call, not one each. */
#define NOTIFY_BATCH_MAX 8
/* Sender pidfds kept open after their batch, at most: see notify_batch_done. */
#define NOTIFY_SPENT_PIDFDS_MAX 32
struct notify_batch {
        size_t n;
        /* True when the socket's queue was seen empty at the end of this
         * receive (fewer datagrams than asked for): everything received
         * later was sent after this point. */
        bool drained;
        size_t n_spent;
        int spent_pidfds[NOTIFY_SPENT_PIDFDS_MAX];
        /* notify_receive_batch_trusting's view of the socket. */
        enum {
                NOTIFY_PIDFDS_UNKNOWN = 0,
                NOTIFY_PIDFDS_ON,     /* SO_PASSPIDFD set (as bound) */
                NOTIFY_PIDFDS_OFF,    /* unset; SO_PEEK_OFF 0: peek first */
                NOTIFY_PIDFDS_NEVER,  /* the kernel has no SO_PASSPIDFD */
                NOTIFY_PIDFDS_ALWAYS, /* no SO_PEEK_OFF: keep them on */
        } pidfds;
        struct notify_datagram d[NOTIFY_BATCH_MAX];
};
/* A batch to receive into; NULL when out of memory. */
struct notify_batch *notify_batch_new(void);
/* notify_batch_done, then close the spent pidfds and free b. NULL is fine. */
void notify_batch_free(struct notify_batch *b);
/* Receive what is queued, up to NOTIFY_BATCH_MAX (b->n ≥ 1), each as
 * notify_receive would. -EAGAIN when none is queued (b->drained set). */
int notify_receive_batch(int fd, struct notify_batch *b);
/* As notify_receive_batch, on a socket from notify_socket_bind, without
 * making a pidfd for each datagram of the one sender whose pid number needs
 * none: `trusted`, a process whose number cannot change hands while we
 * read (the supervisor's unreaped child); 0 for none. A pidfd costs the
 * kernel a file and an fd per datagram (half of what relaying a datagram
 * cost). SO_PASSPIDFD counts when a datagram is received, not when it was
 * sent, and is a property of the socket: so the senders of what is queued
 * are peeked first (MSG_PEEK with SO_PEEK_OFF, credentials only), and the
 * option is set for the receive of a batch only when one of them is
 * someone else; every other sender's datagram still carries its pidfd.
 * Without SO_PEEK_OFF every datagram gets one, as bound. The caller keeps
 * using b with this function for this socket (b remembers its state). */
int notify_receive_batch_trusting(int fd, struct notify_batch *b, pid_t trusted);
/* Close the fds the batch's datagrams carried (SCM_RIGHTS: FDSTORE, and
 * BARRIER's, which must close once the datagrams before it are handled),
 * one close_range() per run of consecutive numbers (received fds take the
 * lowest free numbers, so a batch's mostly are one or two runs). The
 * sender pidfds (SCM_PIDFD, one per datagram) are set aside instead and
 * closed NOTIFY_SPENT_PIDFDS_MAX at a time: a service that notifies once
 * per wake-up gets one batch per datagram, and closing its pidfd would be
 * a system call of its own per message; set aside, they are consecutive
 * numbers that one close_range() closes. Holding a pidfd for a while has
 * no effect on its process. */
void notify_batch_done(struct notify_batch *b);

/* Is pid the process `ancestor` or one of its descendants? Walks the ppid
 * chain in /proc. With a pidfd (SO_PASSPIDFD) the answer is checked against
 * pid reuse: the pidfd must still name a live process with that pid after
 * the walk. A sender that is already gone (exited and reaped by its parent
 * before the datagram is read) cannot be traced: false. The supervisor
 * accepts its own direct child without this walk (an unreaped child's pid
 * cannot be reused), which covers `systemd-notify` run by a shell service:
 * it sends with its parent's pid when privileged. */
bool notify_sender_is_descendant(pid_t pid, int pidfd, pid_t ancestor);

/* notify_sender_is_descendant's verdicts, remembered per process. The key
 * is the pidfd's inode number: pidfs (Linux 6.9) gives every process one
 * that is never reused while the system runs, so a hit names the very
 * process that sent the datagram, whatever happened to its pid number since.
 * Only "descendant" is remembered, and it cannot go stale: a descendant
 * stays one while it lives
 * (orphans of the tree are re-parented to the ancestor, a child subreaper,
 * or a subreaper below it).
 * Without a pidfd, or with pidfds that are not pidfs inodes (older
 * kernels: they all share one inode), nothing is remembered and every
 * datagram is walked. A long-lived helper process of the service then costs
 * one fstat() per datagram instead of a /proc walk. */
#define NOTIFY_SENDER_CACHE_SIZE 32
struct notify_sender_cache {
        int pidfs; /* -1 not known yet, 0 pidfds are not pidfs inodes, 1 they are */
        size_t next;
        struct {
                uint64_t ino; /* 0: empty */
                bool descendant; /* only proved descendants are entered */
        } entry[NOTIFY_SENDER_CACHE_SIZE];
};
#define NOTIFY_SENDER_CACHE_INIT {.pidfs = -1}
/* notify_sender_is_descendant(pid, pidfd, ancestor), answered from the
 * cache when pidfd is a known process. A cache serves one ancestor: always
 * pass the same. */
bool notify_sender_check(struct notify_sender_cache *c, pid_t pid, int pidfd, pid_t ancestor);

/* Send one datagram to a (NULL: fd is connected): payload plus fds as
 * SCM_RIGHTS (n_fds may be 0). Credentials are the caller's own (the kernel
 * attaches them). */
int notify_send(int fd, const struct notify_address *a, const char *payload, size_t len,
                const int *fds, size_t n_fds);

struct notify_outgoing {
        const char *payload;
        size_t len;
        const int *fds;
        size_t n_fds;
};
/* Send n datagrams, in order, on the connected fd with sendmmsg(). Returns
 * how many were sent: n, or fewer when sending the next one failed with
 * *ret_errno (the rest are not sent). */
size_t notify_send_many(int fd, const struct notify_outgoing *m, size_t n, int *ret_errno);
