/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* planet-initd's decision: in which context does this unit's binary run, and
 * may it run at all? Everything is asked through a label backend, so the
 * same function runs against the kernel (planet-initd) and against a compiled
 * policy (the tests, with the offline backend).
 *
 * The rules, in order:
 *  1. SELinux disabled: run the binary unlabeled (EXEC_VERDICT_UNLABELED),
 *     unless require_selinux, which refuses.
 *  2. The binary must exist and carry a label (enforcing; permissive runs it
 *     in place with a note).
 *  3. --domain (explicit): the domain must be a valid context and the whole
 *     transition (file execute, process transition, file entrypoint, and
 *     process2 nnp_transition under NoNewPrivileges, nosuid_transition for
 *     a binary on a nosuid mount) must be allowed. It
 *     must agree with --expect-domain when both are given.
 *  4. Automatic: security_compute_create(self, file, process).
 *     - A transition: it must equal --expect-domain when given (else policy
 *       drift, refused naming both) and be allowed as in 3 — asked here,
 *       or, with kernel_checks_permissions in enforcing mode, left to
 *       execve and asked by exec_explain_failure when it fails.
 *     - No transition (the binary would stay in the wrapper's domain):
 *       refused when the file type is a gravity executable type (the
 *       policy marker below says so; a policy bug: the domtrans_pattern is
 *       missing), refused when --expect-domain was given (it implies a
 *       transition), run in place only with allow_no_transition.
 *  5. Permissive: the same decisions, but a missing allow rule or missing
 *     transition is a note, not a refusal (the kernel would not deny it);
 *     drift is refused in every mode.
 * NoNewPrivileges is the caller's to detect (prctl(PR_GET_NO_NEW_PRIVS)).
 *
 * What it asks the backend: the current context, the label the binary
 * carries (label_get_file_context: its xattr on the kernel backend),
 * compute_create, check_access and check_context. Never what file_contexts
 * says a path should carry (label_lookup_file_context), so planet-initd opens
 * the kernel backend without file_contexts and links no libselinux. */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "label.h"
#include "messages.h"

/* How planet-initd tells, at run time, that a file type is a gravity
 * executable type: attributes can be expanded away in the kernel policy, so
 * the policy grants a marker permission from the wrapper's domain
 * (gravity_container_init_t) to every type in gravity_executable_domain, and
 * this is checked with one label_check_access(self, file, CLASS, PERM).
 * The pair is policy/gravity.te's marker: file audit_access (consulted by
 * the kernel only for dontaudit of access(2), so allowing it grants nothing). */
#define EXEC_GRAVITY_MARKER_CLASS "file"
#define EXEC_GRAVITY_MARKER_PERM "audit_access"

enum exec_verdict {
        EXEC_VERDICT_LABELED,   /* setexeccon(exec_context), then exec */
        EXEC_VERDICT_IN_PLACE,  /* exec without a transition (allowed, noted) */
        EXEC_VERDICT_UNLABELED, /* SELinux disabled: plain exec */
        EXEC_VERDICT_REFUSED,
};
const char *exec_verdict_to_string(enum exec_verdict v);

struct exec_request {
        const char *binary;         /* as the unit wrote it (PATH is searched) */
        const char *root;           /* resolve and label inside this root (tests); NULL: / */
        const char *source_context; /* NULL: the current context (kernel backend) */
        const char *expect_domain;  /* TYPE or full context, or NULL */
        const char *domain;         /* --domain TYPE or full context, or NULL */
        bool require_selinux;
        bool allow_no_transition;
        bool no_new_privs;
        /* Enforcing, automatic transition: leave the transition's
         * permissions to the kernel's own check at execve instead of
         * asking selinuxfs first (most of a labeled start's questions);
         * a refused execve is then explained by exec_explain_failure.
         * Permissive mode and --domain always ask first. */
        bool kernel_checks_permissions;
};

struct exec_plan {
        enum exec_verdict verdict;
        enum label_selinux_mode mode;
        char *path;           /* the resolved file to exec */
        char *file_context;   /* its label */
        char *source_context; /* ours */
        char *exec_context;   /* what setexeccon gets (LABELED), else NULL */
        const char *how;      /* "automatic", "explicit", "in-place", "unlabeled" */
        char *missing_rules;  /* allow rules a refusal or permissive note is about */
        char *note;           /* permissive / in-place / disabled: one sentence */
        bool nosuid_mount;    /* the binary lies on a nosuid mount (LABELED) */
        bool permissions_unchecked; /* left to execve (kernel_checks_permissions) */
};
void exec_plan_done(struct exec_plan *p);

/* 0 with ret->verdict LABELED, IN_PLACE or UNLABELED; a refusal returns
 * -EPERM (or -ENOENT, -EINVAL …) with err saying why and what to do, and
 * ret filled as far as known with verdict REFUSED (for the journal entry). */
int exec_decide(struct label_backend *b, const struct exec_request *req, struct exec_plan *ret,
                struct planet_error *err);

/* The exec of plan failed with exec_errno (an errno value). When the plan
 * left the permissions to the kernel and execve said EACCES or EPERM, ask
 * them now: a missing rule makes the plan a refusal as exec_decide's would
 * have been (err names the rule and what to do, -EPERM). Otherwise
 * -exec_errno, err naming the binary and domain. Either way plan's verdict
 * becomes REFUSED, for the journal entry. */
int exec_explain_failure(struct label_backend *b, const struct exec_request *req,
                         struct exec_plan *plan, int exec_errno, struct planet_error *err) _cold_;

/* Does context ctx satisfy what the user wrote (a TYPE or a full context)? */
bool exec_domain_matches(const char *wanted, const char *ctx);

/* The journal entries planet-initd writes, one per start and one per refusal
 * (the denials tool maps PIDs and domains to units with them):
 *   MESSAGE_ID  EXEC_MESSAGE_ID_START / _REFUSED / _SELINUX_DISABLED
 *   UNIT EXE FILE_CONTEXT DOMAIN SOURCE_CONTEXT MODE (exec|supervise)
 *   ENFORCING (1|0) SELINUX_MODE (enforcing|permissive|disabled) HOW VERDICT
 *   EXPECTED_DOMAIN REQUESTED_DOMAIN NO_NEW_PRIVS NOSUID_MOUNT NOTE
 *   SERVICE_PID (supervise)
 *   refusals also: REASON MISSING_RULES ERRNO */
#define EXEC_MESSAGE_ID_START PLANET_MESSAGE_EXEC_DOMAIN_STR
#define EXEC_MESSAGE_ID_REFUSED PLANET_MESSAGE_TRANSITION_REFUSED_STR
#define EXEC_MESSAGE_ID_SELINUX_DISABLED PLANET_MESSAGE_SELINUX_DISABLED_STR

/* Send the entry for plan (refusal when refusal != NULL: its errno and
 * message) to journal_socket (NULL: journald's). mode is "exec" or
 * "supervise"; unit may be NULL; service_pid > 0 adds SERVICE_PID (in
 * supervise mode the service is not the entry's _PID). Returns
 * journal_send()'s result; the caller falls back to stderr when there is no
 * journal. */
int exec_plan_log(const struct exec_plan *p, const struct exec_request *req, const char *mode,
                  const char *unit, pid_t service_pid, const struct planet_error *refusal,
                  const char *journal_socket);
/* The entry's MESSAGE: one sentence for a person (also the stderr fallback). */
int exec_plan_message(const struct exec_plan *p, const struct exec_request *req,
                      const struct planet_error *refusal, char **ret);
/* The same entry, the SELinux-disabled notice: once per boot is the caller's
 * business (a stamp under /run). */
int exec_log_selinux_disabled(const char *unit, const char *journal_socket);
