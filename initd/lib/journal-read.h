/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where denials are read from, turned into avc records for a grouper:
 *
 *   the journal (sd-journal): the audit transport (_TRANSPORT=audit with
 *     _AUDIT_TYPE/_AUDIT_ID/_SOURCE_REALTIME_TIMESTAMP), the printk copies of
 *     audit records (_TRANSPORT=kernel, "audit: type=…"), and planet-initd's
 *     start entries (MESSAGE_ID PLANET_MESSAGE_EXEC_DOMAIN, see messages.h),
 *     which tell which unit a PID belongs to. The local journal, a journal
 *     directory (the host's, bind-mounted into the container) or files.
 *   text: audit.log, dmesg, journalctl output, ausearch -i, pasted fragments
 *     (see avc.h for the shapes), from a FILE*.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "avc.h"
#include "error.h"

/* One planet-initd start entry. */
struct journal_start {
        uint64_t usec;
        pid_t pid;
        const char *unit;
        const char *domain; /* full context */
        const char *exe;    /* may be NULL */
};

struct journal_read_options {
        /* Journal directories (NULL-terminated), or NULL: the local journal
         * (unless files). One is opened as `journalctl -D` opens it; several
         * (the host's, bind-mounted into planet, and planet's own) are read
         * together: every journal file in each and in its machine-id
         * subdirectories, as sd_journal_open_directory() finds them. */
        char **directories;
        char **files;          /* NULL-terminated journal files, or NULL */
        uint64_t since_usec;   /* 0: from the start */
        const char *boot_id;   /* 32 hex digits, or NULL for every boot */
        bool follow;           /* keep reading new entries until a callback stops */
        /* follow only: how often open events are flushed and idle is called */
        uint64_t follow_idle_usec;
};

struct journal_read_callbacks {
        /* A planet-initd start entry (strings valid during the call only). */
        int (*start)(const struct journal_start *s, void *userdata);
        /* follow only: called when the journal has been idle for a while,
         * after the grouper was flushed; a negative return stops reading. */
        int (*idle)(void *userdata);
        void *userdata;
};

/* Read entries in time order into g (records) and cb->start (start
 * entries). Entries older than since_usec are skipped. Without follow the
 * grouper is flushed at the end. Returns 0 or -errno with err set ("cannot
 * open journal directory …"). A record that does not parse is counted in
 * *ret_malformed (may be NULL) and skipped. */
int journal_read(const struct journal_read_options *o, struct avc_grouper *g,
                 const struct journal_read_callbacks *cb, size_t *ret_malformed,
                 struct planet_error *err);

/* Text input. Malformed records are reported on warn (may be NULL) as
 * "NAME:LINE: message" and counted in *ret_malformed. Records without a
 * timestamp (journalctl's rendering, pasted lines) pass since_usec. Flushes
 * g at the end. */
int journal_read_text(FILE *f, const char *name, uint64_t since_usec, struct avc_grouper *g,
                      FILE *warn, size_t *ret_malformed, struct planet_error *err);

/* Parse a --since argument: "@EPOCH", "YYYY-MM-DD[ HH:MM[:SS]]" (local
 * time), "today", "yesterday", "-30min" / "2h ago" (units s, min, h, d).
 * now_usec is the reference for relative forms. */
int journal_parse_since(const char *s, uint64_t now_usec, uint64_t *ret, struct planet_error *err);

/* "current" (or NULL) → this boot's id; otherwise a 32-hex-digit id is
 * checked and copied. ret must hold 33 bytes. */
int journal_parse_boot(const char *s, char ret[static 33], struct planet_error *err);
