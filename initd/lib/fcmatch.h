/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File-context lookups with libselinux's exact answers, fast.
 *
 * selabel's file backend tries specifications one by one from the last, so a
 * lookup against Debian's ~5,000 entries costs ~0.2 ms; the offline backend
 * answers thousands of them (a domain sweep, a generator run over hundreds of
 * units). This matcher gives the same answer as selabel_lookup_raw() from
 * libselinux 3.x — same files (FILE, FILE.homedirs, FILE.local), same order
 * (entries without regex operators after all others, the last match wins),
 * same stems, same equivalences (FILE.subs, then FILE.subs_dist), the same
 * regex engine and anchoring (PCRE2, "^…$", DOTALL) — but indexes each
 * entry by the literal text every match of it must start with, so a lookup
 * runs the few regexes that could match instead of all of them. Regexes are
 * compiled on first use. tests/unit/test-fcmatch.c compares it with selabel
 * on every path of a real system.
 *
 * Not thread-safe (one match-data buffer per matcher). */

#include <sys/types.h>

#include "error.h"
#include "fc.h"

struct fc_matcher;

/* Load path (required) and its .homedirs, .local, .subs_dist and .subs
 * companions (each optional). A malformed line is an error naming it. */
int fc_matcher_open(struct fc_matcher **ret, const char *path, struct planet_error *err);
/* The same, with extra's entries taken as part of path itself, after its
 * own and before .homedirs and .local: where semodule puts a module's
 * entries (a .fc read with fc_load). path NULL: extra alone (no companions).
 * extra is borrowed and must outlive the matcher. */
int fc_matcher_open_with(struct fc_matcher **ret, const char *path, const struct fc_file *extra,
                         struct planet_error *err);
void fc_matcher_free(struct fc_matcher *m);

/* The entry that labels path (mode: S_IFREG etc., 0 = any). -ENOENT when no
 * entry matches or the matching one says <<none>>; -EINVAL with err when an
 * entry's regex does not compile (naming file and line). *ret_file, when
 * given, is the name of the file the entry came from. */
int fc_matcher_lookup(struct fc_matcher *m, const char *path, mode_t mode,
                      const struct fc_entry **ret, const char **ret_file,
                      struct planet_error *err);
