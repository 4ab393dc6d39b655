/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Explaining denials: which unit, why, and what to do.
 *
 * Events from the avc grouper are folded into groups (same unit, source and
 * target context, class and kind; permissions are united, occurrences counted
 * with first/last time). explain_finish() then answers, per group:
 *
 *   which unit  — planet-initd's start entries in the journal (PID + time),
 *                 /proc/PID/cgroup while the process lives (and still runs in
 *                 the denied context), or the domain → unit map built from
 *                 generated drop-ins (50-planet-selinux.conf with
 *                 --expect-domain/--domain). The method that answered is
 *                 recorded; "unknown" when none did.
 *   why         — audit2why's verdicts computed through libsepol against the
 *                 policy of the given label backend: allowed now, missing TE
 *                 rule, dontaudit, boolean (which, and the setsebool),
 *                 constraint (with its expression), RBAC, type bounds / NNP,
 *                 invalid context.
 *   what to do  — the raw allow rule (TE and CIL), label advice when the
 *                 object's label differs from what file_contexts says
 *                 (restorecon; /var/run ≡ /run), and a slot for refpolicy
 *                 interfaces that grant the rule (filled by the caller). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "avc.h"
#include "error.h"
#include "journal-read.h"
#include "label.h"

enum explain_unit_method {
        EXPLAIN_UNIT_UNKNOWN,
        EXPLAIN_UNIT_JOURNAL, /* a planet-initd start entry for the PID */
        EXPLAIN_UNIT_CGROUP,  /* /proc/PID/cgroup of the live process */
        EXPLAIN_UNIT_DROPIN,  /* the domain appears in one unit's drop-in */
        EXPLAIN_UNIT_DROPINS, /* the domain appears in several: unit lists them */
};
const char *explain_unit_method_to_string(enum explain_unit_method m);

enum explain_verdict {
        EXPLAIN_VERDICT_UNKNOWN,         /* no policy to ask, or it could not answer */
        EXPLAIN_VERDICT_ALLOWED,         /* allowed now: policy or booleans changed */
        EXPLAIN_VERDICT_TE_RULE,         /* no allow rule */
        EXPLAIN_VERDICT_DONTAUDIT,       /* no allow rule, and a dontaudit hides it normally */
        EXPLAIN_VERDICT_BOOLEAN,         /* a boolean would allow it */
        EXPLAIN_VERDICT_CONSTRAINT,      /* a constraint refuses it */
        EXPLAIN_VERDICT_RBAC,            /* the role may not have the type / transition */
        EXPLAIN_VERDICT_BOUNDS,          /* typebounds or NoNewPrivileges */
        EXPLAIN_VERDICT_INVALID_CONTEXT, /* a computed context the policy rejects */
        EXPLAIN_VERDICT_BAD_CONTEXT,     /* the logged context is not in this policy */
        EXPLAIN_VERDICT_BAD_CLASS,       /* class or permission not in this policy */
        EXPLAIN_VERDICT_GRANTED,         /* an auditallow'ed grant, not a denial */
};
const char *explain_verdict_to_string(enum explain_verdict v);

struct explain_boolean {
        char *name;
        bool value; /* the value that allows the access */
};

struct explain_group {
        /* key */
        char *unit; /* NULL when unknown */
        enum explain_unit_method unit_method;
        char *scontext, *tcontext, *tclass;
        enum avc_kind kind;
        bool user_avc; /* from USER_AVC: an object manager (systemd, dbus) denied it */

        char **perms; /* union over the group, sorted */
        size_t count;
        uint64_t first_usec, last_usec;
        bool permissive;                /* at least one occurrence was permissive=1 */
        bool before_policy_load;        /* the last occurrence predates a MAC_POLICY_LOAD */
        pid_t pid;                      /* of the first occurrence */
        char *comm, *exe, *path, *name; /* of the first occurrence that had them */
        char *srawcon, *trawcon;
        char *detail; /* invalid context / newcontext, network or capability detail */

        /* explain_finish() */
        enum explain_verdict verdict;
        char *reason;                     /* one sentence: why */
        char *constraint;                 /* the constraint expression (CONSTRAINT) */
        struct explain_boolean *booleans; /* BOOLEAN */
        size_t n_booleans;
        char *fix;          /* one line: what to do */
        char *rule_te;      /* "allow a_t b_t:file { read write };", NULL when no rule helps */
        char *rule_cil;     /* "(allow a_t b_t (file (read write)))" */
        char *label_advice; /* restorecon advice, or NULL */
        char **interfaces;  /* refpolicy interface suggestions ("name — why"), or NULL */
};

struct explain_options {
        /* The policy (offline backend, or kernel) used for verdicts and label
         * advice; NULL: groups get EXPLAIN_VERDICT_UNKNOWN. */
        struct label_backend *backend;
        /* Directories holding generated units/drop-ins (NULL-terminated);
         * NULL: the systemd defaults. */
        char **unit_dirs;
        /* Where /proc is ("/proc"); tests point it elsewhere. NULL disables
         * the cgroup method (reading a log from another machine). */
        const char *proc_root;
        /* Keep only groups whose unit / source type matches (NULL: all). */
        const char *only_unit;
        const char *only_domain;
        bool include_granted;
};

struct explain;

int explain_new(struct explain **ret, const struct explain_options *o);
void explain_free(struct explain *x);
static inline void explain_freep(struct explain **x)
{
        explain_free(*x);
}
#define _cleanup_explain_ _cleanup_(explain_freep)

/* Feeding: use explain_event as the avc grouper's callback and
 * explain_start as the journal reader's start callback. */
int explain_event(struct avc_event *e, void *userdata);
int explain_start(const struct journal_start *s, void *userdata);

/* Map units, compute verdicts and advice for groups not finished yet; apply
 * the only_* filters. Can be called repeatedly (--follow). Returns 0, or
 * -errno with err set when the policy could not be asked at all. */
int explain_finish(struct explain *x, struct planet_error *err);

size_t explain_n_groups(const struct explain *x);
struct explain_group *explain_get_group(struct explain *x, size_t i);
/* Groups finished since the last call (for --follow), then reset. */
size_t explain_take_new(struct explain *x, size_t **ret_indexes);

/* Type of a context ("a:r:t:s0" → "t"), into buf; the context itself when it
 * has no type field. */
const char *explain_context_type(const char *context, char *buf, size_t size);

/* Use another backend from now on (NULL: none), e.g. one opened only after
 * the input was read, so that the policy and the reading never take memory
 * at the same time. The caller keeps owning it. */
void explain_set_backend(struct explain *x, struct label_backend *backend);

/* Stop using the backend, keeping what explain_suggest_interfaces() still
 * needs from its policy (the attributes of each target type of the groups
 * that want interfaces), so the caller can free the policy before loading
 * the interface index. Call after explain_finish(). 0, -ENOMEM, or
 * -EOPNOTSUPP for a backend without a policydb (kernel): keep it then. */
int explain_detach_policy(struct explain *x);

/* Fill the interfaces of every finished TE-rule group that has none yet
 * from the refpolicy interface index (iface_suggest with the denied domain
 * as $1), at most max_per_group, as "call — why". Types are matched against
 * attributes through the backend's policy when it has one. */
struct iface_index;
int explain_suggest_interfaces(struct explain *x, struct iface_index *idx, size_t max_per_group,
                               struct planet_error *err);

/* Raw allow rules merged per (source type, target type, class) over every
 * group with a rule, sorted — what audit2allow prints without -R. */
int explain_write_rules(struct explain *x, bool cil, FILE *out);
