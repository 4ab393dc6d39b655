/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every *.service of a unit search path, loaded as unit_load_indexed() loads
 * one, on two threads: the generator's per-unit input (open, read, parse the
 * unit and its drop-ins) is most of its time, and it depends on nothing but
 * the files. unit_batch_start() starts a worker that lists the directories
 * and loads the units; the caller goes on with other work (hashing the
 * policy) and then takes the units in order with unit_batch_item(), using
 * each while the worker loads the next ones. When a unit is not loaded yet,
 * the caller's thread loads units nobody took instead of waiting, and it
 * never waits for the worker's units: one the worker is still on is loaded
 * again by the caller and the first result kept (on a busy machine the
 * worker may not be running at all). Only the listing, which everything
 * depends on, is waited for when the worker is in the middle of it.
 * Results are kept per unit in listing order, so what the caller does with
 * them does not depend on which thread loaded what.
 *
 * Beside each unit the batch can read one companion file, OUT/NAME.d/FILE
 * (the generator's previous output), when OUT's listing has NAME.d: the
 * caller then compares in memory instead of reading it on its own thread.
 *
 * The worker only reads files and fills its own slots; it never touches the
 * caller's state. When a thread cannot be started (or is not worth it, see
 * UNIT_BATCH_THREADS_AUTO) the caller's thread does all the work, in the same
 * order with the same results. */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "unit.h"

enum unit_batch_threads {
        /* A worker only when a CPU is idle at the start: on a machine whose
         * CPUs are all busy a second thread cannot run beside the caller
         * and only adds its own cost (measured: ~15 % more CPU time). In a
         * ThreadSanitizer build (make check-tsan): always a worker. */
        UNIT_BATCH_THREADS_AUTO,
        UNIT_BATCH_THREADS_ONE, /* the caller's thread only */
        UNIT_BATCH_THREADS_TWO, /* a worker whatever the load (tests) */
};

struct unit_batch_options {
        const char *const *unit_dirs; /* highest priority first, NULL-terminated */
        const char *skip_dropin;      /* as unit_load()'s (may be NULL) */
        /* The companion: OUT (may be NULL: none) and the file in OUT/NAME.d/. */
        const char *companion_dir;
        const char *companion_file;
        enum unit_batch_threads threads;
};

struct unit_batch_item {
        const char *name; /* "kubelet.service" */
        /* A symlink to another listed unit under another name (the first
         * directory that has the name decides): not loaded, its NAME.d/
         * drop-ins go with the target's. */
        const char *alias_of;
        /* The listed names that are aliases of this one (NULL-terminated), or
         * NULL. Their drop-in directories were applied. */
        const char *const *aliases;
        /* unit_load_indexed()'s return value; unit when >= 0, error (its
         * message) when < 0. */
        int load_result;
        struct unit_file unit;
        struct planet_error error;
        /* companion_dir/NAME.d exists (at listing time). */
        bool companion_dir_exists;
        /* The companion file was a regular file and was read whole. */
        bool companion_read;
        char *companion; /* its bytes, NUL-terminated (may hold NULs) */
        size_t companion_len;
};

struct unit_batch;

/* Starts a worker that lists unit_dirs (and companion_dir), finds the
 * aliases and loads the units (o is copied; the strings it points to must
 * outlive the batch). Fails only on OOM: whether the directories could be listed is
 * unit_batch_listed()'s to say. */
int unit_batch_start(const struct unit_batch_options *o, struct unit_batch **ret);

/* Waits for the listing (or does it, when the worker has not started it
 * yet). 0, or the -errno of a unit directory that cannot be listed (err
 * names it) or of OOM; a companion_dir that does not exist is empty. The
 * functions below answer after the listing, as if empty when it failed. */
int unit_batch_listed(struct unit_batch *b, struct planet_error *err);

/* unit_batch_item() for every item. The worker is joined by
 * unit_batch_free(). */
void unit_batch_finish(struct unit_batch *b);

/* Stops the worker at its next unit (if still running) and frees all. */
void unit_batch_free(struct unit_batch *b);
static inline void unit_batch_freep(struct unit_batch **b)
{
        unit_batch_free(*b);
}

/* The units, sorted by name. unit_batch_item() returns the i-th when it is
 * loaded (loading on the caller's thread meanwhile): final from then on,
 * load_result -ENOMEM where memory ran out. NULL past the end. */
size_t unit_batch_n_items(struct unit_batch *b);
struct unit_batch_item *unit_batch_item(struct unit_batch *b, size_t i);
/* The i-th name without waiting for its unit. */
const char *unit_batch_name(struct unit_batch *b, size_t i);

/* The listing of unit_dirs, for lookups of other names. */
const struct unit_dir_index *unit_batch_index(struct unit_batch *b);

/* companion_dir's descriptor (-EBADF when it did not exist), and the
 * entries of its listing (sorted; NULL past the end). */
int unit_batch_companion_fd(struct unit_batch *b);
const char *unit_batch_companion_entry(struct unit_batch *b, size_t j);
