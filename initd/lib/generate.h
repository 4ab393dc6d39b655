/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Unit drop-ins that start a unit's gravity binaries through planet-initd in
 * the domain the policy computes — shared by `planet-selinux generate`
 * (offline, at image build time) and planet-selinux-generator (at boot, from
 * the live policy).
 *
 * For each unit, ExecStart= (and ExecStartPre=, ExecStartPost=, ExecReload=)
 * as systemd would run it is read (unit.h); each command's binary is resolved
 * and labeled (the .fc / file_contexts offline, getfilecon() live). A binary
 * is a gravity executable when its type is in the policy's
 * gravity_executable_domain attribute — or, where the attribute was expanded
 * out of the compiled policy, when the source domain holds the module's marker
 * rule `allow SOURCE TYPE:file audit_access` (policy/gravity.te grants it on
 * exactly that attribute). For such a binary the domain is computed from the
 * source context and the transition checked rule by rule (with the NNP rules
 * when the unit sets NoNewPrivileges= or a setting that implies it); then
 *
 *     OUT/NAME.d/50-planet-selinux.conf
 *
 * is written atomically: a header naming what it was generated from, an
 * `ExecStart=` reset and the wrapped commands
 *
 *     ExecStart=PREFIX/usr/bin/planet-initd [--supervise [--ready P …]]
 *               --expect-domain TYPE | --domain TYPE -- BINARY ARGS…
 *
 * plus Type=notify/NotifyAccess=main when supervising. A gravity executable
 * that is an entrypoint of the source domain itself (systemd's helpers in
 * the container) stays there by design and is not wrapped. Units whose
 * binaries are not gravity executables are left alone (and a stale drop-in of ours
 * removed). Commands with the + ! !! prefixes are never wrapped (systemd
 * runs them outside the unit's credentials; the policy's type_transition
 * still applies).
 *
 * Unit-level keys in [Service] (systemd ignores X- keys):
 *   X-Planet-Domain=TYPE          run the binary in TYPE (a permitted, non-
 *                                 default facet): checked now, --domain later
 *   X-Planet-Supervise=yes|no     keep planet-initd as the main process
 *   X-Planet-Ready=PROBE          readiness probe (implies supervising)
 *   X-Planet-Ready-Timeout=T      passed as --ready-timeout
 *   X-Planet-Watchdog-Probe=PROBE passed as --watchdog-probe
 * The probe values are copied into the command line as one word: specifiers
 * and ${VAR} in them are expanded by systemd when it runs the command. */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define GENERATE_DROPIN_NAME "50-planet-selinux.conf"
#define GENERATE_DEFAULT_FROM "system_u:system_r:gravity_container_init_t:s0"
#define GENERATE_EXECUTABLE_ATTRIBUTE "gravity_executable_domain"

struct label_backend;

struct generate_options {
        /* Where units are looked up, highest priority first (NULL-terminated). */
        const char *const *unit_dirs;
        /* Labels, offline: a refpolicy .fc (source form) and/or a compiled
         * file_contexts; both given → the .fc's entries are added after the
         * file_contexts' (as semodule merges a module's). Ignored with a
         * kernel backend, which reads the files' own labels. */
        const char *fc_path;
        const char *file_contexts_path;
        const char *policy_path; /* offline backend; NULL → kernel backend */
        /* Offline: where the policy's and the file contexts' answers are
         * kept between runs (answer-cache.h; keyed by the SHA-256 of the
         * policy and of every label file, the source context and the
         * attribute). With an answer for every question and path, those
         * files are hashed but not read. NULL: no cache. */
        const char *cache_dir;
        const char *from;        /* source context; NULL → GENERATE_DEFAULT_FROM */
        const char *root;        /* where binaries are looked up; NULL: by path only */
        const char *out_dir;
        const char *initd_path; /* NULL → /usr/bin/planet-initd */
        /* NULL → GENERATE_EXECUTABLE_ATTRIBUTE; the marker rule is looked
         * for on the same attribute's types. */
        const char *executable_attribute;
        bool check; /* compare with out_dir instead of writing (the cache too) */
        /* Generator mode: a gravity binary whose transition cannot be
         * verified is still wrapped (without --expect-domain) so planet-initd
         * refuses it at start with its own explanation, instead of failing. */
        bool wrap_unverified;
};

enum generate_verdict {
        GENERATE_WRAPPED, /* a drop-in is (or would be) written */
        GENERATE_LEFT,    /* no gravity binary: left alone */
        GENERATE_FAILED,  /* a gravity binary that cannot be wrapped safely */
};
const char *generate_verdict_to_string(enum generate_verdict v);

struct generate_unit_result {
        char *name;
        enum generate_verdict verdict;
        char *summary; /* one line for a person: domain, or why left/failed */
        char *dropin;  /* the drop-in text (WRAPPED) */
        bool drift;    /* check mode: OUT differs from what would be written */
        bool changed;  /* write mode: OUT was created, replaced or removed */
};

struct generate_report {
        struct generate_unit_result *units;
        size_t n_units;
        size_t n_wrapped, n_left, n_failed, n_drift;
        /* Offline: whether the policy had to be read (a question was not in
         * the answer cache), and how many answers the cache gave. */
        bool policy_read;
        size_t n_cached_answers;
        /* Things to tell a person that are not failures: an answer cache
         * that was ignored (corrupt, foreign) or could not be written.
         * NULL-terminated, or NULL. */
        char **notes;
};
void generate_report_done(struct generate_report *r);

/* Everything the per-unit work needs, opened once (backend, labels). */
struct generate_context;
int generate_context_open(const struct generate_options *o, struct generate_context **ret,
                          struct planet_error *err);
/* Use an already open backend (the generator opens the kernel one itself). */
int generate_context_open_with_backend(const struct generate_options *o,
                                       struct label_backend *backend, struct generate_context **ret,
                                       struct planet_error *err);
void generate_context_free(struct generate_context *g);

/* The drop-in for one unit (no file is touched). Returns 0 with ret set for
 * every verdict — an unreadable unit or a question the policy would not
 * answer is a FAILED verdict for that unit alone; -ENOMEM otherwise. */
int generate_unit(struct generate_context *g, const char *name, struct generate_unit_result *ret,
                  struct planet_error *err);

/* Every *.service in the unit dirs: generate, then write / remove / compare
 * in out_dir. Deterministic order
 * (sorted names). Failed units are reported, not fatal: the caller decides
 * the exit status from the counts. */
int generate_run(struct generate_context *g, struct generate_report *ret, struct planet_error *err);

/* The system unit search path the boot-time generator reads, highest
 * priority first, without the generator directories (its own output, and
 * other generators' units, are not installed units), each inside root
 * (NULL or "/": as is). NULL-terminated; free with strv_free(). */
int generate_system_unit_dirs(const char *root, char ***ret);

/* Write text to DIR/NAME.d/FILE through a temp file and rename(); creates
 * NAME.d. Unchanged content is not rewritten (*ret_changed false). */
int generate_write_dropin(const char *out_dir, const char *unit, const char *file, const char *text,
                          bool *ret_changed, struct planet_error *err);
