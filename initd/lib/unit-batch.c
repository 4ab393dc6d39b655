/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every service of a unit search path, loaded on two threads; see unit-batch.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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

struct unit_batch {
        struct unit_batch_options o;
        struct unit_dir_index *idx, *companion_idx;
        char **names; /* sorted (unit_dir_index_services) */
        size_t n;
        char **alias_targets;          /* [n], owned */
        const char ***alias_lists;     /* [n], arrays owned, strings not */
        struct unit_batch_item *items; /* [n] */
        atomic_size_t next;            /* the first item nobody took yet */
        atomic_bool stop;
        pthread_t worker;
        bool have_worker, finished;
};

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
static void read_companion(const struct unit_batch *b, struct unit_batch_item *it)
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
        /* One byte more than fstat said: a file that grew is seen to. */
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
        buf[got] = 0;
        it->companion = TAKE_PTR(buf);
        it->companion_len = got;
        it->companion_read = true;
}

static void load_one(struct unit_batch *b, size_t i)
{
        struct unit_batch_item *it = &b->items[i];
        if (it->alias_of)
                return;
        it->load_result = unit_load_indexed(b->o.unit_dirs, b->idx, it->name, it->aliases,
                                            b->o.skip_dropin, &it->unit, &it->error);
        if (it->companion_dir_exists)
                read_companion(b, it);
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
        load_chunks(userdata);
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

int unit_batch_start(const struct unit_batch_options *o, struct unit_batch **ret,
                     struct planet_error *err)
{
        _cleanup_(unit_batch_freep) struct unit_batch *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->o = *o;
        b->finished = true; /* nothing to wait for until the worker runs */
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
        while (b->names[b->n])
                b->n++;
        b->alias_targets = calloc(b->n + 1, sizeof(char *));
        b->alias_lists = calloc(b->n + 1, sizeof(char **));
        b->items = calloc(b->n + 1, sizeof(*b->items));
        if (!b->alias_targets || !b->alias_lists || !b->items)
                return -ENOMEM;
        r = find_aliases(b);
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n; i++) {
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
        atomic_init(&b->next, 0);
        atomic_init(&b->stop, false);
        b->finished = false;

        /* One worker beside the caller (the machines this runs on at boot
         * and in builds have few cores, and the caller has its own work
         * meanwhile). Signals stay with the caller's thread. */
        if (!o->single_thread && b->n > CHUNK) {
                sigset_t all, old;
                sigfillset(&all);
                pthread_sigmask(SIG_SETMASK, &all, &old);
                b->have_worker = pthread_create(&b->worker, NULL, worker_main, b) == 0;
                pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        *ret = TAKE_PTR(b);
        return 0;
}

void unit_batch_finish(struct unit_batch *b)
{
        if (b->finished)
                return;
        load_chunks(b);
        if (b->have_worker)
                pthread_join(b->worker, NULL);
        b->have_worker = false;
        b->finished = true;
}

void unit_batch_free(struct unit_batch *b)
{
        if (!b)
                return;
        if (b->have_worker) {
                atomic_store(&b->stop, true);
                pthread_join(b->worker, NULL);
        }
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

size_t unit_batch_n_items(const struct unit_batch *b)
{
        return b->n;
}

struct unit_batch_item *unit_batch_item(struct unit_batch *b, size_t i)
{
        return i < b->n ? &b->items[i] : NULL;
}

const struct unit_dir_index *unit_batch_index(const struct unit_batch *b)
{
        return b->idx;
}

int unit_batch_companion_fd(const struct unit_batch *b)
{
        return unit_dir_index_fd(b->companion_idx, 0);
}

const char *unit_batch_companion_entry(const struct unit_batch *b, size_t j)
{
        return unit_dir_index_entry(b->companion_idx, 0, j);
}
