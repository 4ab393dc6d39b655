/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The journal MESSAGE_IDs the project logs, and the structured fields that go
 * with them. catalog/planet-selinux.catalog explains each ID for
 * `journalctl -x`; `planet-selinux denials` reads the start entries to tell
 * which unit a denied process belongs to (audit records carry no unit).
 *
 * Producers send with sd_journal_send("MESSAGE_ID=" PLANET_MESSAGE_EXEC_DOMAIN_STR,
 * PLANET_FIELD_UNIT "=%s", …). Adding an ID means adding its catalog entry. */

/* planet-initd: about to exec the unit's binary in a domain.
 * Fields: UNIT, PID (the process that execs, = the service's main PID in exec
 * mode), DOMAIN (full context it will run in), EXE (resolved path). */
#define PLANET_MESSAGE_EXEC_DOMAIN_STR "686865ca47374dedab1948817b41c21f"

/* planet-initd: refused to start (transition not permitted, domain mismatch,
 * unlabeled binary). Fields: UNIT, EXE, SOURCE_CONTEXT, FILE_CONTEXT, DOMAIN,
 * EXPECTED_DOMAIN, MISSING_RULES (TE allow statements, newline separated). */
#define PLANET_MESSAGE_TRANSITION_REFUSED_STR "6ad4e44205ce4267ae36c4063ca65f3f"

/* planet-initd: SELinux is disabled; ran the binary unlabeled. Fields: UNIT, EXE. */
#define PLANET_MESSAGE_SELINUX_DISABLED_STR "f1d8dd2c24994e48833bcc1b3a924223"

/* planet-initd: SELinux is permissive; labeled as in enforcing mode but
 * nothing is enforced. Fields: UNIT, DOMAIN. */
#define PLANET_MESSAGE_PERMISSIVE_STR "9ff693433b8d45c4a4e0982316cd5acd"

/* planet-initd: NoNewPrivileges is set and the policy lacks
 * process2 { nnp_transition nosuid_transition } for the transition.
 * Fields: UNIT, EXE, SOURCE_CONTEXT, DOMAIN. */
#define PLANET_MESSAGE_NNP_BLOCKED_STR "c3217d4ababe40b0819cdac436ee822e"

/* planet-selinux denials --log: one summary per group of denials.
 * Fields: UNIT, SCONTEXT, TCONTEXT, TCLASS, PERMS, COUNT, VERDICT, RULE. */
#define PLANET_MESSAGE_DENIALS_SUMMARY_STR "51fc06fd96b6402b9437a24f2ad56543"

/* Field names shared by producers and readers. */
#define PLANET_FIELD_UNIT "UNIT"
#define PLANET_FIELD_PID "PID"
#define PLANET_FIELD_DOMAIN "DOMAIN"
#define PLANET_FIELD_EXE "EXE"
