/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The journal MESSAGE_IDs the project logs, and the structured fields that go
 * with them. catalog/planet-selinux.catalog explains each ID for
 * `journalctl -x` (a test checks that every ID here, and every
 * EXEC_MESSAGE_ID_* of planet-initd's exec.h, has an entry);
 * `planet-selinux denials` reads the start entries to tell which unit a
 * denied process belongs to, since audit records carry no unit.
 *
 * The planet-initd IDs are the values its exec.h logs (EXEC_MESSAGE_ID_*);
 * adding an ID means adding its catalog entry. */

/* planet-initd starts a unit's binary (EXEC_MESSAGE_ID_START). Fields: UNIT,
 * EXE, DOMAIN (the full context it runs in), SOURCE_CONTEXT, FILE_CONTEXT,
 * MODE (exec|supervise), SELINUX_MODE, HOW, VERDICT, NOTE, and in supervise
 * mode SERVICE_PID (the entry's _PID is then the supervisor's; in exec mode
 * _PID is the service's own, as planet-initd execs it). */
#define PLANET_MESSAGE_EXEC_DOMAIN_STR "0e00ecbd4b4847d99059bbe280a936cd"

/* planet-initd refused to start a unit's binary (EXEC_MESSAGE_ID_REFUSED).
 * Fields as above plus REASON, MISSING_RULES (TE allow statements), ERRNO,
 * EXPECTED_DOMAIN, REQUESTED_DOMAIN, NO_NEW_PRIVS. */
#define PLANET_MESSAGE_TRANSITION_REFUSED_STR "fe3df16046d44c2880a7393369af3034"

/* planet-initd: SELinux is disabled; services run unlabeled. Once per boot
 * (EXEC_MESSAGE_ID_SELINUX_DISABLED). Fields: UNIT. */
#define PLANET_MESSAGE_SELINUX_DISABLED_STR "9af612237e2c460a93e2d8f717a02466"

/* planet-selinux denials --log: one summary per group of denials.
 * Fields: UNIT, SCONTEXT, TCONTEXT, TCLASS, PERMS, COUNT, VERDICT, RULE. */
#define PLANET_MESSAGE_DENIALS_SUMMARY_STR "51fc06fd96b6402b9437a24f2ad56543"

/* Field names shared by producers and readers. */
#define PLANET_FIELD_UNIT "UNIT"
#define PLANET_FIELD_DOMAIN "DOMAIN"
#define PLANET_FIELD_EXE "EXE"
/* supervise mode: the service's PID (else the entry's own _PID is it) */
#define PLANET_FIELD_SERVICE_PID "SERVICE_PID"
