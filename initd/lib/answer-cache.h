/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Policy answers kept between runs, keyed by the policy's content.
 *
 * Reading a compiled policy with libsepol costs tens of milliseconds (most
 * of an offline `planet-selinux generate` run); the handful of questions the
 * generator asks of it have answers that depend on nothing but the policy's
 * bytes and the question. So the answers are memoized in a small text file
 * named after the SHA-256 of the policy file and of the scope the caller
 * asks in (e.g. the source context), and a later run over the same policy
 * answers from it without reading the policy at all.
 *
 * Nothing in the file is trusted that was not written for exactly this
 * input: the header repeats the full identity (format, program and libsepol
 * versions, the policy's SHA-256, the scope) and must equal what this run
 * computed; the file ends with the SHA-256 of everything before it. A
 * missing file is a miss; a mismatch or a bad checksum is reported as a note
 * and the file ignored (the caller then asks the policy, as without a
 * cache). A question not in the file is a miss too: the caller asks the
 * policy and puts the answer, and the file is rewritten (temp + rename)
 * when the run ends.
 *
 * The same table also serves as the in-run memo for answers that must not
 * outlive the run (file labels, which depend on the file system): those are
 * put with persist = false.
 *
 * Keys and values are strings without tab or newline (others are kept for
 * the run only). Not thread-safe. */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define ANSWER_CACHE_DIGEST_HEX 65 /* SHA-256 in hex, NUL-terminated */

struct answer_cache;

/* SHA-256 of a file's content, as lowercase hex. */
int answer_cache_digest_file(const char *path, char ret_hex[ANSWER_CACHE_DIGEST_HEX],
                             struct planet_error *err);

/* An empty table for answers of policy_path's content (its digest is
 * computed here) asked within scope (any text without a newline; different
 * scopes get different files). dir NULL: an in-run memo only, nothing is
 * read or written; nor when the policy file cannot be read (whoever reads
 * it next will say why). Otherwise DIR/answers-HASH.v1 is read when present; why
 * a file there was ignored is put into *ret_note (caller frees; NULL when
 * nothing to say). */
int answer_cache_open(const char *dir, const char *policy_path, const char *scope,
                      struct answer_cache **ret, char **ret_note, struct planet_error *err);
void answer_cache_free(struct answer_cache *c);

/* The value put for key, or NULL. */
const char *answer_cache_get(struct answer_cache *c, const char *key);
/* The value put in this run with persist = false (never one read from the
 * file): for answers that depend on more than the file's identity covers. */
const char *answer_cache_get_run(struct answer_cache *c, const char *key);
/* Remember value for key (replacing one put before); persist: write it to
 * the file at answer_cache_save(). -ENOMEM only. */
int answer_cache_put(struct answer_cache *c, const char *key, const char *value, bool persist);

/* How many persistent answers came from the file (0: nothing was read). */
size_t answer_cache_n_loaded(const struct answer_cache *c);
/* The file this cache reads and writes; NULL for an in-run memo. */
const char *answer_cache_path(const struct answer_cache *c);

/* The SHA-256 of the policy this cache's answers are for (NULL for an
 * in-run memo): a caller that reads the policy later checks it is still
 * those bytes. */
const char *answer_cache_policy_digest(const struct answer_cache *c);
/* Keep answers for this run only: the inputs changed under the run, so
 * what was asked since may not belong to the identity. */
void answer_cache_disable_save(struct answer_cache *c);

/* Write the file when a persistent answer was put since it was read:
 * atomically (temp + rename), creating dir. Old files of other policies in
 * dir beyond the newest few are removed. 0 when nothing needed writing. */
int answer_cache_save(struct answer_cache *c, struct planet_error *err);
