/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy answers kept between runs; see answer-cache.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "answer-cache.h"
#include "fileio.h"

/* Bump when the file's layout changes. */
#define FORMAT "planet-selinux policy answers, format 1"
/* Files of other policies kept beside the current one. */
#define KEEP_FILES 8

struct slot {
        char *key; /* NULL: empty */
        char *value;
        uint64_t hash;
        bool persist;
        bool loaded; /* read from the file */
};

struct answer_cache {
        struct slot *slots; /* open addressing; size a power of two */
        size_t n_slots, n_used;
        char *dir;
        char *path;     /* dir/answers-HASH.v1 */
        char *identity; /* the header the file must start with */
        char policy_hex[ANSWER_CACHE_DIGEST_HEX];
        size_t n_loaded;
        bool dirty;
};

/* ---- digests ------------------------------------------------------------ */

static int gcrypt_init(struct planet_error *err)
{
        /* libsystemd may have set libgcrypt up already in this process;
         * otherwise do what an application must before the first use. */
        if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
                return 0;
        if (!gcry_check_version("1.8.0"))
                return planet_error_set(err, ENOTSUP, "libgcrypt is older than 1.8");
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
        return 0;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[2 * n] = '\0';
}

static void digest_buffer(const void *data, size_t len, char out[ANSWER_CACHE_DIGEST_HEX])
{
        unsigned char d[32];
        gcry_md_hash_buffer(GCRY_MD_SHA256, d, data, len);
        to_hex(d, sizeof(d), out);
}

int answer_cache_digest_file(const char *path, char ret_hex[ANSWER_CACHE_DIGEST_HEX],
                             struct planet_error *err)
{
        int r = gcrypt_init(err);
        if (r < 0)
                return r;
        struct stat st;
        _cleanup_close_ int fd = open_regular_file_at(AT_FDCWD, path, path, &st, err);
        if (fd < 0)
                return fd;
        if (st.st_size == 0) {
                digest_buffer("", 0, ret_hex);
                return 0;
        }
        void *map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return planet_error_set(err, errno, "cannot map %s: %m", path);
        digest_buffer(map, st.st_size, ret_hex);
        munmap(map, st.st_size);
        return 0;
}

/* ---- the table ---------------------------------------------------------- */

static uint64_t hash_key(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        return h;
}

static struct slot *find_slot(struct slot *slots, size_t n, const char *key, uint64_t h)
{
        for (size_t i = h & (n - 1);; i = (i + 1) & (n - 1))
                if (!slots[i].key || (slots[i].hash == h && !strcmp(slots[i].key, key)))
                        return &slots[i];
}

static int grow(struct answer_cache *c)
{
        size_t n = c->n_slots ? c->n_slots * 2 : 64;
        struct slot *s = calloc(n, sizeof(*s));
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_slots; i++)
                if (c->slots[i].key)
                        *find_slot(s, n, c->slots[i].key, c->slots[i].hash) = c->slots[i];
        free(c->slots);
        c->slots = s;
        c->n_slots = n;
        return 0;
}

const char *answer_cache_get(struct answer_cache *c, const char *key)
{
        if (!c->n_slots)
                return NULL;
        const struct slot *s = find_slot(c->slots, c->n_slots, key, hash_key(key));
        return s->key ? s->value : NULL;
}

const char *answer_cache_get_run(struct answer_cache *c, const char *key)
{
        if (!c->n_slots)
                return NULL;
        const struct slot *s = find_slot(c->slots, c->n_slots, key, hash_key(key));
        return s->key && !s->loaded ? s->value : NULL;
}

static bool storable(const char *s)
{
        return !strpbrk(s, "\t\n");
}

int answer_cache_put(struct answer_cache *c, const char *key, const char *value, bool persist)
{
        if (2 * (c->n_used + 1) > c->n_slots && grow(c) < 0)
                return -ENOMEM;
        uint64_t h = hash_key(key);
        struct slot *s = find_slot(c->slots, c->n_slots, key, h);
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        if (!s->key) {
                s->key = strdup(key);
                if (!s->key) {
                        free(v);
                        return -ENOMEM;
                }
                s->hash = h;
                c->n_used++;
        } else {
                free(s->value);
        }
        s->value = v;
        s->loaded = false;
        s->persist = persist && c->path && storable(key) && storable(value);
        if (s->persist)
                c->dirty = true;
        return 0;
}

size_t answer_cache_n_loaded(const struct answer_cache *c)
{
        return c->n_loaded;
}

const char *answer_cache_path(const struct answer_cache *c)
{
        return c->path;
}

const char *answer_cache_policy_digest(const struct answer_cache *c)
{
        return c->path ? c->policy_hex : NULL;
}

void answer_cache_disable_save(struct answer_cache *c)
{
        free(c->path);
        c->path = NULL;
        c->dirty = false;
}

void answer_cache_free(struct answer_cache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_slots; i++) {
                free(c->slots[i].key);
                free(c->slots[i].value);
        }
        free(c->slots);
        free(c->dir);
        free(c->path);
        free(c->identity);
        free(c);
}

/* ---- the file ----------------------------------------------------------- */

static int read_whole(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size > (64 << 20))
                return -EINVAL;
        char *buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t done = 0;
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + done, st.st_size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        free(buf);
                        return n < 0 ? -errno : -EIO;
                }
                done += n;
        }
        buf[done] = '\0';
        *ret = buf;
        *ret_len = done;
        return 0;
}

/* Why the file cannot be used, or NULL; on success the answers are in c. */
static const char *load_file(struct answer_cache *c, char *text, size_t len)
{
        /* Integrity first: the last line is the checksum of all before it. */
        static const char tag[] = "checksum ";
        size_t tail = strlen(tag) + ANSWER_CACHE_DIGEST_HEX; /* ... + '\n' */
        if (len < tail || text[len - 1] != '\n' || memcmp(text + len - tail, tag, strlen(tag)))
                return "truncated or not an answer cache (no checksum line)";
        char want[ANSWER_CACHE_DIGEST_HEX];
        digest_buffer(text, len - tail, want);
        if (memcmp(text + len - tail + strlen(tag), want, ANSWER_CACHE_DIGEST_HEX - 1))
                return "corrupt (its checksum does not match its content)";

        size_t id_len = strlen(c->identity);
        if (len - tail < id_len || memcmp(text, c->identity, id_len))
                return "written for another policy, scope or program version";

        text[len - tail] = '\0';
        size_t n = 0;
        for (char *line = text + id_len, *next; *line; line = next) {
                next = strchr(line, '\n');
                if (!next)
                        return "malformed (an unterminated line)";
                *next++ = '\0';
                char *tab = strchr(line, '\t');
                if (!tab || tab == line)
                        return "malformed (a line without key and value)";
                *tab = '\0';
                if (answer_cache_put(c, line, tab + 1, true) < 0)
                        return "too large to load (out of memory)";
                find_slot(c->slots, c->n_slots, line, hash_key(line))->loaded = true;
                n++;
        }
        c->n_loaded = n;
        c->dirty = false;
        return NULL;
}

int answer_cache_open(const char *dir, const char *policy_path, const char *scope,
                      struct answer_cache **ret, char **ret_note, struct planet_error *err)
{
        *ret_note = NULL;
        struct answer_cache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (!dir) {
                *ret = c;
                return 0;
        }

        char policy_hex[ANSWER_CACHE_DIGEST_HEX], name_hex[ANSWER_CACHE_DIGEST_HEX];
        _cleanup_error_ struct planet_error derr = {0};
        if (answer_cache_digest_file(policy_path, policy_hex, &derr) < 0) {
                /* Not ours to report: reading the policy will say what is
                 * wrong with it. A memo for this run only. */
                *ret = c;
                return 0;
        }
        int r;
        memcpy(c->policy_hex, policy_hex, sizeof(policy_hex));
        if (strchr(scope, '\n') ||
            asprintf(&c->identity, "%s\nprogram %s %s\nlibsepol %s\npolicy sha256 %s\nscope %s\n",
                     FORMAT, PACKAGE_NAME, PACKAGE_VERSION, SEPOL_MODVERSION, policy_hex,
                     scope) < 0) {
                /* A scope that cannot be written down is memoized in-run only. */
                c->identity = NULL;
                *ret = c;
                return 0;
        }
        digest_buffer(c->identity, strlen(c->identity), name_hex);
        c->dir = strdup(dir);
        if (!c->dir || asprintf(&c->path, "%s/answers-%.32s.v1", dir, name_hex) < 0) {
                c->path = NULL;
                answer_cache_free(c);
                return -ENOMEM;
        }

        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = read_whole(c->path, &text, &len);
        const char *why = NULL;
        if (r == -ENOENT)
                why = NULL;
        else if (r == -ENOMEM)
                why = "too large to load (out of memory)";
        else if (r < 0)
                why = r == -EINVAL || r == -ELOOP ? "not a regular file" : strerror(-r);
        else
                why = load_file(c, text, len);
        if (why) {
                /* Start over empty: the file is rewritten at the end. */
                for (size_t i = 0; i < c->n_slots; i++) {
                        free(c->slots[i].key);
                        free(c->slots[i].value);
                }
                if (c->slots)
                        memset(c->slots, 0, c->n_slots * sizeof(*c->slots));
                c->n_used = c->n_loaded = 0;
                c->dirty = true; /* replace it even if nothing new is asked */
                if (asprintf(ret_note, "answer cache %s ignored: %s; asking the policy instead",
                             c->path, why) < 0)
                        *ret_note = NULL;
        }
        *ret = c;
        return 0;
}

static int cmp_slot(const void *a, const void *b)
{
        return strcmp((*(const struct slot *const *) a)->key,
                      (*(const struct slot *const *) b)->key);
}

struct aged {
        char *name;
        time_t mtime;
};

static int cmp_aged_newest_first(const void *a, const void *b)
{
        const struct aged *x = a, *y = b;
        return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* Keep the newest KEEP_FILES answer files; the others belong to policies
 * built before (best effort: a cache, not a record). */
static void prune(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct aged *v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (strncmp(de->d_name, "answers-", 8) || l < 12 ||
                    strcmp(de->d_name + l - 3, ".v1"))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                struct aged *nv = reallocarray(v, n + 1, sizeof(*v));
                if (!nv)
                        break;
                v = nv;
                v[n].name = strdup(de->d_name);
                if (!v[n].name)
                        break;
                v[n++].mtime = st.st_mtime;
        }
        if (n > KEEP_FILES) {
                qsort(v, n, sizeof(*v), cmp_aged_newest_first);
                for (size_t i = KEEP_FILES; i < n; i++)
                        (void) unlinkat(dirfd(d), v[i].name, 0);
        }
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
        closedir(d);
}

/* mkdir -p, with 0700 for what it creates (the XDG base directory
 * specification's mode for a cache directory it makes). */
static int mkdir_parents(const char *dir)
{
        _cleanup_free_ char *p = strdup(dir);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char saved = *s;
                *s = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *s = saved;
                if (!saved)
                        return 0;
        }
}

int answer_cache_save(struct answer_cache *c, struct planet_error *err)
{
        if (!c->path || !c->dirty || !c->identity)
                return 0;
        int r;
        _cleanup_free_ const struct slot **v = calloc(c->n_used + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < c->n_slots; i++)
                if (c->slots[i].key && c->slots[i].persist)
                        v[n++] = &c->slots[i];
        /* Sorted: the same answers give the same bytes. */
        qsort(v, n, sizeof(*v), cmp_slot);

        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs(c->identity, f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s\t%s\n", v[i]->key, v[i]->value);
        if (fflush(f) != 0) {
                fclose(f);
                return -ENOMEM;
        }
        char sum[ANSWER_CACHE_DIGEST_HEX];
        digest_buffer(buf, len, sum);
        fprintf(f, "checksum %s\n", sum);
        if (fclose(f) != 0)
                return -ENOMEM;

        r = mkdir_parents(c->dir);
        if (r < 0) {
                errno = -r;
                return planet_error_set(err, -r, "cannot create %s: %m", c->dir);
        }
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.XXXXXX", c->path) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot create a file in %s: %m", c->dir);
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        for (size_t done = 0; r >= 0 && done < len;) {
                ssize_t w = write(fd, buf + done, len - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        r = -errno;
                else
                        done += w;
        }
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, c->path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                errno = -r;
                return planet_error_set(err, -r, "cannot write %s: %m", c->path);
        }
        c->dirty = false;
        prune(c->dir);
        return 0;
}
