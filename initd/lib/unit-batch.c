/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every service of a unit search path, loaded on two threads; see unit-batch.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "string-util.h"
#include "unit-batch.h"

/* Units handed out at a time: small enough that both threads end close
 * together, large enough that the counter is not contended. */
#define CHUNK 4
/* A companion larger than this is not read: it cannot be one of ours, so it
 * simply compares unequal. */
#define COMPANION_MAX (1024U * 1024U)

/* What one thread loaded for one unit, published whole (see load_one()). */
struct loaded {
        int r;
        struct unit_file unit;
        struct planet_error error;
        bool companion_read;
        char *companion;
        size_t companion_len;
};

static void loaded_free(struct loaded *l)
{
        if (!l)
                return;
        unit_file_done(&l->unit);
        planet_error_clear(&l->error);
        free(l->companion);
        free(l);
}

enum { LISTING_UNCLAIMED, LISTING_CLAIMED, LISTING_DONE };

struct unit_batch {
        struct unit_batch_options o;
        struct unit_dir_index *idx, *companion_idx;
        char **names; /* sorted (unit_dir_index_services) */
        size_t n;
        char **alias_targets;          /* [n], owned */
        const char ***alias_lists;     /* [n], arrays owned, strings not */
        struct unit_batch_item *items; /* [n], each filled by settle() */
        bool *settled;                 /* [n] (the caller's thread only) */
        /* [n]: the first load of each unit to finish, NULL until then. */
        struct loaded *_Atomic *loaded;
        atomic_size_t next; /* the first item nobody took yet */
        atomic_bool stop;
        /* The listing: claimed by one thread, then done (list_r, list_err). */
        atomic_int listing;
        int list_r;
        struct planet_error list_err;
        pthread_mutex_t lock;
        pthread_cond_t listed;
        pthread_t worker;
        bool have_worker;
};

static void claim_listing(struct unit_batch *b);
static bool listed_ok(struct unit_batch *b);

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static ssize_t name_index(const struct unit_batch *b, const char *name)
{
        char *const *hit = b->n ? bsearch(&name, b->names, b->n, sizeof(char *), cmp_str) : NULL;
        return hit ? hit - b->names : -1;
}

/* OUT/NAME.d/FILE, whole, if it is a regular file of a sane size (without
 * blocking on a FIFO left there). Anything else is left unread: the caller
 * then sees a difference and replaces it. */
static void read_companion(const struct unit_batch *b, const struct unit_batch_item *it,
                           struct loaded *l)
{
        int dfd = unit_dir_index_fd(b->companion_idx, 0);
        _cleanup_free_ char *rel = strjoin3(it->name, ".d/", b->o.companion_file);
        if (dfd < 0 || !rel)
                return;
        _cleanup_close_ int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > COMPANION_MAX)
                return;
        size_t size = st.st_size;
        _cleanup_free_ char *buf = malloc(size + 2);
        if (!buf)
                return;
        /* One byte more than fstat said: a file that grows meanwhile is not
         * taken for one of the old size (it is left unread). */
        size_t got = 0;
        while (got <= size) {
                ssize_t n = read(fd, buf + got, size + 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return;
                if (n == 0)
                        break;
                got += n;
        }
        if (got > size)
                return;
        buf[got] = 0;
        l->companion = TAKE_PTR(buf);
        l->companion_len = got;
        l->companion_read = true;
}

/* Loads unit i unless it is loaded already. Either thread may load a unit
 * (the caller's thread does not wait for one the worker is still on: that
 * thread may not even be running on a busy machine); the first to finish
 * publishes its result, the other drops its own. Both read the same files
 * the same way, so which one wins does not matter. */
static void load_one(struct unit_batch *b, size_t i)
{
        const struct unit_batch_item *it = &b->items[i];
        if (it->alias_of || atomic_load_explicit(&b->loaded[i], memory_order_relaxed))
                return;
        struct loaded *l = calloc(1, sizeof(*l));
        if (!l)
                return; /* the caller's thread loads it, or reports -ENOMEM */
        l->r = unit_load_indexed(b->o.unit_dirs, b->idx, it->name, it->aliases, b->o.skip_dropin,
                                 &l->unit, &l->error);
        if (it->companion_dir_exists)
                read_companion(b, it, l);
        struct loaded *none = NULL;
        if (!atomic_compare_exchange_strong_explicit(&b->loaded[i], &none, l, memory_order_acq_rel,
                                                     memory_order_acquire))
                loaded_free(l);
}

static void load_chunks(struct unit_batch *b)
{
        while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
                size_t start = atomic_fetch_add(&b->next, CHUNK);
                if (start >= b->n)
                        return;
                for (size_t i = start; i < start + CHUNK && i < b->n; i++)
                        load_one(b, i);
        }
}

static void *worker_main(void *userdata)
{
        struct unit_batch *b = userdata;
        claim_listing(b);
        if (b->list_r >= 0)
                load_chunks(b);
        return NULL;
}

/* Which listed names are aliases of which (see unit_batch_item). */
static int find_aliases(struct unit_batch *b)
{
        bool any = false;
        for (size_t i = 0; i < b->n; i++)
                for (size_t d = 0; b->o.unit_dirs[d]; d++) {
                        unsigned char type = DT_UNKNOWN;
                        if (!unit_dir_index_has(b->idx, d, b->names[i], &type))
                                continue;
                        char *t = NULL;
                        /* Only a symlink can be an alias. */
                        if (type != DT_REG &&
                            unit_alias_target(b->o.unit_dirs[d], b->names[i], &t) > 0 &&
                            name_index(b, t) >= 0) {
                                b->alias_targets[i] = t;
                                any = true;
                        } else {
                                free(t);
                        }
                        break;
                }
        if (!any)
                return 0;
        size_t *counts = calloc(b->n, sizeof(size_t));
        if (!counts)
                return -ENOMEM;
        for (size_t j = 0; j < b->n; j++) {
                if (!b->alias_targets[j])
                        continue;
                size_t t = name_index(b, b->alias_targets[j]);
                const char **l = reallocarray(b->alias_lists[t], counts[t] + 2, sizeof(char *));
                if (!l) {
                        free(counts);
                        return -ENOMEM;
                }
                l[counts[t]++] = b->names[j];
                l[counts[t]] = NULL;
                b->alias_lists[t] = l;
        }
        free(counts);
        return 0;
}

/* Lists the directories and prepares the items (on whichever thread
 * claimed it, see claim_listing()). */
static int list_units(struct unit_batch *b, struct planet_error *err)
{
        const struct unit_batch_options *o = &b->o;
        int r = unit_dir_index_new(o->unit_dirs, &b->idx, err);
        if (r < 0)
                return r;
        r = unit_dir_index_services(b->idx, &b->names);
        if (r < 0)
                return r;
        const char *const companion_dirs[] = {o->companion_dir, NULL};
        r = unit_dir_index_new(companion_dirs, &b->companion_idx, err);
        if (r < 0)
                return r;
        size_t n = 0;
        while (b->names[n])
                n++;
        b->alias_targets = calloc(n + 1, sizeof(char *));
        b->alias_lists = calloc(n + 1, sizeof(char **));
        b->items = calloc(n + 1, sizeof(*b->items));
        b->loaded = calloc(n + 1, sizeof(*b->loaded));
        b->settled = calloc(n + 1, sizeof(bool));
        if (!b->alias_targets || !b->alias_lists || !b->items || !b->loaded || !b->settled)
                return -ENOMEM;
        b->n = n;
        r = find_aliases(b);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct unit_batch_item *it = &b->items[i];
                it->name = b->names[i];
                it->alias_of = b->alias_targets[i];
                it->aliases = b->alias_lists[i];
                it->load_result = -ENOENT;
                if (o->companion_dir && o->companion_file) {
                        _cleanup_free_ char *d = strjoin3(it->name, ".d", "");
                        if (!d)
                                return -ENOMEM;
                        it->companion_dir_exists = unit_dir_index_has(b->companion_idx, 0, d, NULL);
                }
        }
        return 0;
}

/* The listing is done once, by the first thread to get to it: usually the
 * worker (the caller is hashing meanwhile); the caller when the worker has
 * not started yet. Returns after it is done, by either. */
static void claim_listing(struct unit_batch *b)
{
        int unclaimed = LISTING_UNCLAIMED;
        if (atomic_compare_exchange_strong(&b->listing, &unclaimed, LISTING_CLAIMED)) {
                b->list_r = list_units(b, &b->list_err);
                pthread_mutex_lock(&b->lock);
                atomic_store(&b->listing, LISTING_DONE);
                pthread_cond_broadcast(&b->listed);
                pthread_mutex_unlock(&b->lock);
                return;
        }
        pthread_mutex_lock(&b->lock);
        while (atomic_load(&b->listing) != LISTING_DONE)
                pthread_cond_wait(&b->listed, &b->lock);
        pthread_mutex_unlock(&b->lock);
}

/* Is a CPU idle right now, for a second thread? The fourth field of
 * /proc/loadavg counts the runnable threads of the whole system, this one
 * included: one fewer than the CPUs we may run on leaves one free. A
 * snapshot, but the question is about the next few milliseconds; when it
 * cannot be read, assume so. */
static bool cpu_idle_now(void)
{
        cpu_set_t set;
        long cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                                 : sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus < 2)
                return false;
        _cleanup_close_ int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[128];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (n <= 0)
                return true;
        buf[n] = 0;
        unsigned long running;
        if (sscanf(buf, "%*s %*s %*s %lu/", &running) != 1)
                return true;
        return running < (unsigned long) cpus;
}

/* A ThreadSanitizer build (configure --enable-tsan, make check-tsan) exists
 * to check the two threads, so there AUTO always starts the worker, whatever
 * the load, and a worker that cannot be started fails the run instead of
 * passing it on one thread. Other builds are not affected. */
#if defined(__SANITIZE_THREAD__)
#define UNIT_BATCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNIT_BATCH_TSAN 1
#endif
#endif
#ifndef UNIT_BATCH_TSAN
#define UNIT_BATCH_TSAN 0
#endif

int unit_batch_start(const struct unit_batch_options *o, struct unit_batch **ret)
{
        struct unit_batch *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->o = *o;
        atomic_init(&b->next, 0);
        atomic_init(&b->stop, false);
        atomic_init(&b->listing, LISTING_UNCLAIMED);
        pthread_mutex_init(&b->lock, NULL);
        pthread_cond_init(&b->listed, NULL);

        /* One worker beside the caller (the machines this runs on at boot
         * and in builds have few cores, and the caller has its own work
         * meanwhile). Signals stay with the caller's thread. */
        bool worker = o->threads == UNIT_BATCH_THREADS_TWO ||
                      (o->threads == UNIT_BATCH_THREADS_AUTO && (UNIT_BATCH_TSAN || cpu_idle_now()));
        if (worker) {
                sigset_t all, old;
                sigfillset(&all);
                pthread_sigmask(SIG_SETMASK, &all, &old);
                b->have_worker = pthread_create(&b->worker, NULL, worker_main, b) == 0;
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (UNIT_BATCH_TSAN && !b->have_worker) {
                        fputs("unit-batch: ThreadSanitizer build: cannot start the worker thread\n",
                              stderr);
                        abort();
                }
        }
        *ret = b;
        return 0;
}

int unit_batch_listed(struct unit_batch *b, struct planet_error *err)
{
        claim_listing(b);
        if (b->list_r < 0 && err) {
                planet_error_clear(err);
                err->errnum = b->list_err.errnum;
                err->msg = b->list_err.msg ? strdup(b->list_err.msg) : NULL;
        }
        return b->list_r;
}

/* Makes item i final: waits for nothing, loads instead. While unit i is
 * not published the caller's thread takes the next units nobody has taken
 * (they are needed anyway, soon); when none is left, unit i is one the
 * worker is still on, and the caller loads it too. */
static void settle(struct unit_batch *b, size_t i)
{
        struct unit_batch_item *it = &b->items[i];
        if (b->settled[i])
                return;
        b->settled[i] = true;
        if (it->alias_of)
                return;
        struct loaded *l;
        while (!(l = atomic_load_explicit(&b->loaded[i], memory_order_acquire))) {
                size_t start = atomic_fetch_add(&b->next, CHUNK);
                if (start >= b->n) {
                        load_one(b, i);
                        l = atomic_load_explicit(&b->loaded[i], memory_order_acquire);
                        break;
                }
                for (size_t j = start; j < start + CHUNK && j < b->n; j++)
                        load_one(b, j);
        }
        if (!l) {
                it->load_result = -ENOMEM;
                return;
        }
        /* Published: the worker only compares the pointer from now on (a
         * late result of its own is dropped), it never reads it. */
        it->load_result = l->r;
        it->unit = l->unit;
        it->error = l->error;
        it->companion_read = l->companion_read;
        it->companion = l->companion;
        it->companion_len = l->companion_len;
        l->unit = (struct unit_file){0};
        l->error = (struct planet_error){0};
        l->companion = NULL;
}

void unit_batch_finish(struct unit_batch *b)
{
        for (size_t i = 0; listed_ok(b) && i < b->n; i++)
                settle(b, i);
}

void unit_batch_free(struct unit_batch *b)
{
        if (!b)
                return;
        if (b->have_worker) {
                atomic_store(&b->stop, true);
                pthread_join(b->worker, NULL);
        }
        for (size_t i = 0; b->loaded && i < b->n; i++)
                loaded_free(atomic_load(&b->loaded[i]));
        free(b->loaded);
        free(b->settled);
        planet_error_clear(&b->list_err);
        pthread_cond_destroy(&b->listed);
        pthread_mutex_destroy(&b->lock);
        for (size_t i = 0; b->items && i < b->n; i++) {
                unit_file_done(&b->items[i].unit);
                planet_error_clear(&b->items[i].error);
                free(b->items[i].companion);
        }
        free(b->items);
        for (size_t i = 0; b->alias_targets && i < b->n; i++)
                free(b->alias_targets[i]);
        free(b->alias_targets);
        for (size_t i = 0; b->alias_lists && i < b->n; i++)
                free(b->alias_lists[i]);
        free(b->alias_lists);
        strv_free(b->names);
        unit_dir_index_free(b->idx);
        unit_dir_index_free(b->companion_idx);
        free(b);
}

/* The accessors' listing: done (by whichever thread) before they answer. */
static bool listed_ok(struct unit_batch *b)
{
        if (atomic_load_explicit(&b->listing, memory_order_acquire) != LISTING_DONE)
                claim_listing(b);
        return b->list_r >= 0;
}

size_t unit_batch_n_items(struct unit_batch *b)
{
        return listed_ok(b) ? b->n : 0;
}

struct unit_batch_item *unit_batch_item(struct unit_batch *b, size_t i)
{
        if (!listed_ok(b) || i >= b->n)
                return NULL;
        settle(b, i);
        return &b->items[i];
}

const char *unit_batch_name(struct unit_batch *b, size_t i)
{
        return listed_ok(b) && i < b->n ? b->names[i] : NULL;
}

const struct unit_dir_index *unit_batch_index(struct unit_batch *b)
{
        return listed_ok(b) ? b->idx : NULL;
}

int unit_batch_companion_fd(struct unit_batch *b)
{
        return listed_ok(b) ? unit_dir_index_fd(b->companion_idx, 0) : -EBADF;
}

const char *unit_batch_companion_entry(struct unit_batch *b, size_t j)
{
        return listed_ok(b) ? unit_dir_index_entry(b->companion_idx, 0, j) : NULL;
}
