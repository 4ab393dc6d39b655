/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SELinux audit records: an exact parser for the record kinds a denial is
 * made of, and the grouping of records into audit events.
 *
 * Records arrive in many shapes, all handled by avc_parse_line():
 *   audit.log       type=AVC msg=audit(1700000000.123:456): avc:  denied  { read } for …
 *                   (also node=…, numeric type=1400, auditd's enriched \x1d suffix)
 *   ausearch -i     type=AVC msg=audit(11/25/2026 19:30:00.123:456) : avc:  denied …
 *   kmsg / dmesg    [  1.23] audit: type=1400 audit(1700000000.123:456): avc:  denied …
 *   journalctl      Nov 25 19:30:00 host audit[1234]: AVC avc:  denied …
 *                   (journald's audit transport; no serial survives in this text)
 * and by avc_parse_body() when the caller already has the type, timestamp and
 * serial (sd-journal's _AUDIT_TYPE, _SOURCE_REALTIME_TIMESTAMP, _AUDIT_ID).
 *
 * Understood record types: AVC (1400), USER_AVC (1107; its subject is the
 * scontext inside msg='…', not the sender), SELINUX_ERR (1401) and
 * USER_SELINUX_ERR (1112) in both the legacy and the op= forms, including
 * security_bounded_transition and security_validate_transition,
 * MAC_POLICY_LOAD (1403), and the event's companions SYSCALL (1300), PATH
 * (1302), CWD (1307), PROCTITLE (1327) and EOE (1320), which fill in exe/path
 * for the AVC of the same event.
 *
 * Values are decoded: "quoted", hex-encoded untrusted strings (comm=6D79…),
 * srawcon/trawcon. Every key=value of the record is kept in order, so network
 * (saddr daddr src dest netif laddr lport faddr fport) and capability
 * (capability=N) details remain available by name. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum {
        AVC_TYPE_USER_AVC = 1107,
        AVC_TYPE_USER_SELINUX_ERR = 1112,
        AVC_TYPE_SYSCALL = 1300,
        AVC_TYPE_PATH = 1302,
        AVC_TYPE_CWD = 1307,
        AVC_TYPE_EOE = 1320,
        AVC_TYPE_PROCTITLE = 1327,
        AVC_TYPE_AVC = 1400,
        AVC_TYPE_SELINUX_ERR = 1401,
        AVC_TYPE_MAC_POLICY_LOAD = 1403,
};

/* What a record says, independent of its transport. */
enum avc_kind {
        AVC_KIND_OTHER,               /* a companion record (SYSCALL, PATH, …) */
        AVC_KIND_DENIED,              /* avc: denied { … } */
        AVC_KIND_GRANTED,             /* avc: granted { … } (auditallow) */
        AVC_KIND_INVALID_CONTEXT,     /* security_compute_sid / sid_mls_copy: invalid context */
        AVC_KIND_BOUNDED_TRANSITION,  /* security_bounded_transition denied */
        AVC_KIND_VALIDATE_TRANSITION, /* security_validate_transition denied */
        AVC_KIND_POLICY_LOAD,         /* MAC_POLICY_LOAD */
};
const char *avc_kind_to_string(enum avc_kind k);

/* Where a line came from: the same record can reach a log twice, through the
 * audit netlink socket and through the kernel log (printk) when no audit
 * daemon took it. The grouper drops the second copy. */
enum avc_source {
        AVC_SOURCE_AUDIT, /* auditd, journald's audit transport, ausearch */
        AVC_SOURCE_KMSG,  /* "audit: type=1400 audit(…)" from dmesg / kernel transport */
};

struct avc_field {
        char *key;
        char *value; /* decoded */
};

struct avc_record {
        int type; /* audit record type (AVC_TYPE_*, or another number) */
        enum avc_kind kind;
        enum avc_source source;
        uint64_t usec;   /* realtime of the event in µs; 0 when the text had none */
        uint64_t serial; /* audit(…:SERIAL); 0 when the text had none */
        char *body;      /* the record text after the header, as logged */

        /* AVC / USER_AVC. perms is NULL-terminated. */
        char **perms;
        char *scontext; /* the subject: for USER_AVC the one inside msg='…' */
        char *tcontext;
        char *tclass;
        char *srawcon; /* the context as the process had it when the kernel
                        * could not map it (scontext then says unlabeled) */
        char *trawcon;
        int permissive; /* 1, 0, or -1 when not logged */
        pid_t pid;      /* 0 when not logged */
        char *comm;
        char *exe;
        char *path; /* path= of the AVC, else the event's PATH name= */
        char *name;
        char *sender; /* USER_AVC: subj= of the process that sent it */

        /* SELINUX_ERR */
        char *op; /* "security_compute_sid", … */
        char *invalid_context;
        char *oldcontext, *newcontext, *taskcontext;

        struct avc_field *fields; /* every key=value, in order (USER_AVC: inner msg too) */
        size_t n_fields;
};

void avc_record_free(struct avc_record *r);
static inline void avc_record_freep(struct avc_record **r)
{
        avc_record_free(*r);
}
#define _cleanup_avc_record_ _cleanup_(avc_record_freep)

/* The value of key in the record (decoded), or NULL. */
const char *avc_record_get(const struct avc_record *r, const char *key);

/* "read write" → space-joined perms; caller frees. */
char *avc_record_perms_string(const struct avc_record *r);

/* Parse one line of pasted or logged text (no trailing newline needed).
 * Returns 1 with *ret set for an audit record, 0 (and *ret NULL) for a line
 * that is not one (banners, other log lines), -EINVAL with err naming what is
 * wrong when the line is an audit record of a type we understand but is
 * malformed (e.g. a permission set without its closing brace). */
int avc_parse_line(const char *line, size_t len, struct avc_record **ret, struct planet_error *err);

/* Parse a record body whose header the caller has already: sd-journal gives
 * type, time and serial as fields and MESSAGE as "AVC avc:  denied …" (the
 * leading type name is accepted and skipped). Same returns as
 * avc_parse_line. */
int avc_parse_body(int type, const char *body, size_t len, uint64_t usec, uint64_t serial,
                   enum avc_source source, struct avc_record **ret, struct planet_error *err);

/* Record type name ↔ number ("AVC" ↔ 1400); -1 / NULL when unknown. */
int avc_type_from_string(const char *s);
const char *avc_type_to_string(int type);

/* ---- events ------------------------------------------------------------ */

/* One audit event: the records sharing a timestamp and serial, in arrival
 * order. Records without a serial form an event of their own. */
struct avc_event {
        uint64_t usec;
        uint64_t serial;
        struct avc_record **records;
        size_t n_records;
};

/* Called once per complete event; the event and its records are freed after
 * the callback returns (steal a record by setting its slot to NULL). A
 * negative return stops the grouper and is returned from avc_grouper_add /
 * avc_grouper_flush. */
typedef int (*avc_event_cb)(struct avc_event *e, void *userdata);

struct avc_grouper;

/* window: how many events may be open at once before the oldest is handed
 * out (records of one event can interleave with a few others); 0 = default. */
int avc_grouper_new(struct avc_grouper **ret, size_t window, avc_event_cb cb, void *userdata);
void avc_grouper_free(struct avc_grouper *g);
static inline void avc_grouper_freep(struct avc_grouper **g)
{
        avc_grouper_free(*g);
}
#define _cleanup_avc_grouper_ _cleanup_(avc_grouper_freep)

/* Take ownership of rec. Duplicates (the kmsg copy of an audit record, or the
 * other way round) are dropped: for each identical record the grouper keeps as
 * many as the source that delivered most of them. */
int avc_grouper_add(struct avc_grouper *g, struct avc_record *rec);
/* Hand out every open event. */
int avc_grouper_flush(struct avc_grouper *g);
/* How many records were dropped as duplicates so far. */
size_t avc_grouper_duplicates(const struct avc_grouper *g);

/* After an event is complete: fill exe/path/comm/pid of its AVC records from
 * the SYSCALL/PATH/CWD/PROCTITLE companions where the AVC lacks them. */
void avc_event_merge_companions(struct avc_event *e);
