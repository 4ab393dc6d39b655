/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <selinux/selinux.h>

#include "fcmatch.h"

/* The companions selabel reads after the main file, in its order. */
static const char *const spec_suffixes[] = {"", ".homedirs", ".local"};

struct spec {
        const struct fc_entry *entry;
        unsigned file;   /* index into fc_matcher.order */
        size_t stem_len; /* libselinux's fixed first component; 0 = none */
        pcre2_code *re;  /* compiled on first use */
};

/* All specs whose literal prefix is exactly `prefix`, ascending. */
struct bucket {
        const char *prefix; /* points into the spec's regex; not NUL-terminated */
        size_t len;
        uint64_t hash;
        unsigned *specs;
        size_t n_specs, cap;
};

/* A bucket being merged: its specs [0, left) are still to be tried. */
struct cursor {
        const struct bucket *bucket;
        size_t left;
};

struct fc_matcher {
        struct fc_file files[ELEMENTSOF(spec_suffixes)]; /* the ones read here */
        size_t n_files;
        /* Every file in selabel's order: the main one, the caller's extra
         * entries (borrowed), .homedirs, .local. */
        const struct fc_file *order[ELEMENTSOF(spec_suffixes) + 1];
        size_t n_order;
        struct fc_subs dist_subs, local_subs;

        struct spec *specs; /* in selabel's search order, searched from the end */
        size_t n_specs;

        struct bucket *buckets; /* open addressing; size is a power of two */
        size_t n_buckets;
        char **prefixes; /* storage for bucket prefixes, one per bucket */
        size_t n_prefixes;

        pcre2_match_data *match_data;
        struct cursor *cursors; /* scratch for one lookup */
        size_t candidates_cap;
        bool jit; /* the caller's domain may map executable memory */
};

/* PCRE2's JIT maps anonymous executable memory: under SELinux that is
 * process execmem, which confined domains (initrc_t, sysadm_t, ...) lack,
 * and every JIT compile would log a denial in the caller's domain. Ask the
 * policy first, without auditing (security_compute_av, not
 * selinux_check_access), and interpret where it says no, as selabel does. */
static bool jit_permitted(void)
{
        if (is_selinux_enabled() <= 0)
                return true;
        char *con = NULL;
        if (getcon_raw(&con) < 0)
                return false;
        security_class_t process = string_to_security_class("process");
        access_vector_t execmem = process ? string_to_av_perm(process, "execmem") : 0;
        struct av_decision avd;
        bool ok = execmem && security_compute_av_raw(con, con, process, execmem, &avd) == 0 &&
                  (avd.allowed & execmem) == execmem;
        freecon(con);
        return ok;
}

/* ---- libselinux's rules ------------------------------------------------- */

/* label_file.h's spec_hasMetaChars: an entry without these is a literal path. */
static bool has_meta_chars(const char *regex)
{
        for (const char *p = regex; *p; p++) {
                if (*p == '\\') {
                        /* An escaped character is literal ("\." is a dot). */
                        if (!*++p)
                                break;
                        continue;
                }
                if (strchr(".^$?*+|[({", *p))
                        return true;
        }
        return false;
}

/* The fixed first component ("/usr" of "/usr/bin/.*"), used by selabel to
 * skip entries of other components and to match only the rest. */
static size_t spec_stem_len(const char *regex)
{
        const char *slash = strchr(regex + 1, '/');
        if (!slash)
                return 0;
        for (const char *p = regex; p < slash; p++)
                if (strchr(".^$?*+|[({", *p))
                        return 0;
        return slash - regex;
}

static size_t key_stem_len(const char *key)
{
        const char *slash = strchr(key + 1, '/');
        return slash ? (size_t) (slash - key) : 0;
}

/* selabel_sub: the first alias (in selabel's order: last line first) that is
 * a whole-component prefix of key, rewritten to its original. */
static char *apply_subs(const struct fc_subs *subs, const char *key)
{
        for (size_t i = subs->n_subs; i-- > 0;) {
                const char *from = subs->from[i], *to = subs->to[i];
                size_t len = strlen(from);
                if (strncmp(key, from, len) || (key[len] != '/' && key[len] != '\0'))
                        continue;
                if (key[len] == '/' && !strcmp(to, "/"))
                        len++;
                char *s = NULL;
                if (asprintf(&s, "%s%s", to, key + len) < 0)
                        return NULL;
                return s;
        }
        return NULL;
}

/* ---- the prefix index --------------------------------------------------- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_step(uint64_t h, unsigned char c)
{
        return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv(const char *s, size_t n)
{
        uint64_t h = FNV_OFFSET;
        for (size_t i = 0; i < n; i++)
                h = fnv_step(h, (unsigned char) s[i]);
        return h;
}

static struct bucket *bucket_find(struct fc_matcher *m, const char *prefix, size_t len,
                                  uint64_t hash)
{
        size_t mask = m->n_buckets - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                struct bucket *b = &m->buckets[i];
                if (!b->prefix && b->n_specs == 0)
                        return b; /* empty slot: where it would go */
                if (b->hash == hash && b->len == len && !memcmp(b->prefix, prefix, len))
                        return b;
        }
}

static int index_spec(struct fc_matcher *m, unsigned idx, char *prefix, size_t len)
{
        uint64_t h = fnv(prefix, len);
        struct bucket *b = bucket_find(m, prefix, len, h);
        if (!b->prefix && b->n_specs == 0) {
                m->prefixes[m->n_prefixes++] = prefix;
                b->prefix = prefix;
                b->len = len;
                b->hash = h;
        } else {
                free(prefix);
        }
        if (b->n_specs == b->cap) {
                size_t ncap = b->cap ? b->cap * 2 : 2;
                unsigned *n = reallocarray(b->specs, ncap, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                b->specs = n;
                b->cap = ncap;
        }
        b->specs[b->n_specs++] = idx;
        return 0;
}

static int build_index(struct fc_matcher *m)
{
        /* At most one bucket per spec; keep the table at most half full. */
        size_t size = 16;
        while (size < 2 * m->n_specs + 2)
                size <<= 1;
        m->buckets = calloc(size, sizeof(*m->buckets));
        m->prefixes = calloc(m->n_specs + 1, sizeof(char *));
        if (!m->buckets || !m->prefixes)
                return -ENOMEM;
        m->n_buckets = size;

        for (size_t i = 0; i < m->n_specs; i++) {
                const char *regex = m->specs[i].entry->regex;
                size_t cap = strlen(regex) + 1;
                char *prefix = malloc(cap);
                if (!prefix)
                        return -ENOMEM;
                size_t len = fc_regex_literal_prefix(regex, prefix, cap);
                /* An empty bucket slot is told by prefix == NULL, so the
                 * empty prefix needs real (empty) storage too. */
                int r = index_spec(m, (unsigned) i, prefix, len);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- open / free -------------------------------------------------------- */

void fc_matcher_free(struct fc_matcher *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n_specs; i++)
                pcre2_code_free(m->specs[i].re);
        free(m->specs);
        for (size_t i = 0; m->buckets && i < m->n_buckets; i++)
                free(m->buckets[i].specs);
        free(m->buckets);
        for (size_t i = 0; i < m->n_prefixes; i++)
                free(m->prefixes[i]);
        free(m->prefixes);
        for (size_t i = 0; i < m->n_files; i++)
                fc_file_done(&m->files[i]);
        fc_subs_done(&m->dist_subs);
        fc_subs_done(&m->local_subs);
        pcre2_match_data_free(m->match_data);
        free(m->cursors);
        free(m);
}

static int load_specs(struct fc_matcher *m, const char *path, const struct fc_file *extra,
                      struct planet_error *err)
{
        size_t total = 0;
        for (size_t i = 0; path && i < ELEMENTSOF(spec_suffixes); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s%s", path, spec_suffixes[i]) < 0)
                        return -ENOMEM;
                if (i > 0 && access(p, F_OK) < 0 && errno == ENOENT)
                        continue; /* the companions are optional, as in selabel */
                int r = fc_load(p, FC_FORMAT_COMPILED, NULL, &m->files[m->n_files], err);
                if (r < 0)
                        return r;
                total += m->files[m->n_files].n_entries;
                /* A module's entries are part of the main file (semodule
                 * writes them into it), ahead of .homedirs and .local. */
                m->order[m->n_order++] = &m->files[m->n_files++];
                if (i == 0 && extra)
                        m->order[m->n_order++] = extra;
        }
        if (!path && extra)
                m->order[m->n_order++] = extra;
        if (extra)
                total += extra->n_entries;

        m->specs = calloc(total ? total : 1, sizeof(*m->specs));
        if (!m->specs)
                return -ENOMEM;
        /* selabel's sort_specs: entries with regex operators first, literal
         * paths after them, each group in file order. */
        for (int literal = 0; literal <= 1; literal++)
                for (size_t f = 0; f < m->n_order; f++)
                        for (size_t i = 0; i < m->order[f]->n_entries; i++) {
                                const struct fc_entry *e = &m->order[f]->entries[i];
                                if (has_meta_chars(e->regex) == (bool) literal)
                                        continue;
                                m->specs[m->n_specs++] = (struct spec){
                                        .entry = e,
                                        .file = (unsigned) f,
                                        .stem_len = spec_stem_len(e->regex),
                                };
                        }
        return 0;
}

int fc_matcher_open(struct fc_matcher **ret, const char *path, struct planet_error *err)
{
        return fc_matcher_open_with(ret, path, NULL, err);
}

int fc_matcher_open_with(struct fc_matcher **ret, const char *path, const struct fc_file *extra,
                         struct planet_error *err)
{
        if (!path && !extra)
                return planet_error_set(err, EINVAL, "no file contexts to match against");
        struct fc_matcher *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;

        int r = load_specs(m, path, extra, err);
        if (r >= 0 && path) {
                _cleanup_free_ char *dist = NULL, *local = NULL;
                if (asprintf(&dist, "%s.subs_dist", path) < 0 ||
                    asprintf(&local, "%s.subs", path) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = fc_subs_load(dist, &m->dist_subs, err);
                if (r >= 0)
                        r = fc_subs_load(local, &m->local_subs, err);
        }
        if (r >= 0)
                r = build_index(m);
        m->jit = jit_permitted();
        if (r >= 0) {
                m->match_data = pcre2_match_data_create(1, NULL);
                if (!m->match_data)
                        r = -ENOMEM;
        }
        if (r < 0) {
                fc_matcher_free(m);
                if (r == -ENOMEM && err && !err->errnum)
                        planet_error_set(err, ENOMEM, "out of memory loading %s",
                                         path ? path : extra->name);
                return r;
        }
        *ret = m;
        return 0;
}

/* ---- lookup ------------------------------------------------------------- */

static int compile_spec(struct fc_matcher *m, struct spec *s, struct planet_error *err)
{
        if (s->re)
                return 0;
        /* Exactly what selabel compiles: the regex after the stem, anchored
         * by plain ^ and $ (so a top-level '|' binds as it does there). */
        _cleanup_free_ char *pattern = NULL;
        if (asprintf(&pattern, "^%s$", s->entry->regex + s->stem_len) < 0)
                return -ENOMEM;
        int code;
        PCRE2_SIZE offset;
        s->re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, PCRE2_DOTALL, &code,
                              &offset, NULL);
        if (!s->re) {
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(code, msg, sizeof(msg));
                return planet_error_set(err, EINVAL, "%s:%u: '%s' is not a valid regex: %s",
                                        m->order[s->file]->name, s->entry->line, s->entry->regex,
                                        (char *) msg);
        }
        /* JIT matching gives the same answers several times faster; where
         * the JIT is unavailable or not permitted (jit_permitted) pcre2_match
         * interprets, as selabel does. */
        if (m->jit)
                (void) pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE);
        return 0;
}

/* As selabel before matching: collapse "//", drop a trailing slash
 * ("/run/" is labeled as "/run"). */
static char *clean_key(const char *key)
{
        char *s = strdup(key), *w = s;
        if (!s)
                return NULL;
        for (const char *r = key; *r; r++) {
                if (r[0] == '/' && r[1] == '/')
                        continue;
                *w++ = *r;
        }
        if (w - s > 1 && w[-1] == '/')
                w--;
        *w = '\0';
        return s;
}

int fc_matcher_lookup(struct fc_matcher *m, const char *path, mode_t mode,
                      const struct fc_entry **ret, const char **ret_file,
                      struct planet_error *err)
{
        _cleanup_free_ char *clean = clean_key(path), *sub = NULL;
        if (!clean)
                return -ENOMEM;
        const char *key = clean;

        /* .subs first, its result through .subs_dist; else .subs_dist alone. */
        sub = apply_subs(&m->local_subs, key);
        if (sub) {
                char *d = apply_subs(&m->dist_subs, sub);
                if (d) {
                        free(sub);
                        sub = d;
                }
        } else {
                sub = apply_subs(&m->dist_subs, key);
        }
        if (sub)
                key = sub;

        /* The buckets of every literal prefix of key: only their specs can
         * match. Each bucket is ascending; merging them from the tail visits
         * candidates in selabel's order (last first) and stops at the first
         * match without touching the rest. */
        size_t keylen = strlen(key), n = 0;
        if (keylen + 1 > m->candidates_cap) {
                size_t cap = keylen + 1;
                struct cursor *c = reallocarray(m->cursors, cap, sizeof(*c));
                if (!c)
                        return -ENOMEM;
                m->cursors = c;
                m->candidates_cap = cap;
        }
        uint64_t h = FNV_OFFSET;
        for (size_t len = 0;; len++) {
                const struct bucket *b = bucket_find(m, key, len, h);
                if (b->n_specs > 0)
                        m->cursors[n++] = (struct cursor){b, b->n_specs};
                if (len == keylen)
                        break;
                h = fnv_step(h, (unsigned char) key[len]);
        }

        size_t key_stem = key_stem_len(key);
        mode &= S_IFMT;
        for (;;) {
                struct cursor *best = NULL;
                for (size_t i = 0; i < n; i++)
                        if (m->cursors[i].left > 0 &&
                            (!best || m->cursors[i].bucket->specs[m->cursors[i].left - 1] >
                                              best->bucket->specs[best->left - 1]))
                                best = &m->cursors[i];
                if (!best)
                        break;
                struct spec *s = &m->specs[best->bucket->specs[--best->left]];

                if (s->stem_len &&
                    (s->stem_len != key_stem || strncmp(s->entry->regex, key, key_stem)))
                        continue;
                if (mode && s->entry->mode && mode != s->entry->mode)
                        continue;
                int r = compile_spec(m, s, err);
                if (r < 0)
                        return r;
                const char *subject = key + s->stem_len;
                int rc = pcre2_match(s->re, (PCRE2_SPTR) subject, PCRE2_ZERO_TERMINATED, 0, 0,
                                     m->match_data, NULL);
                if (rc == PCRE2_ERROR_NOMATCH)
                        continue;
                if (rc < 0)
                        return planet_error_set(err, EINVAL, "%s:%u: matching '%s' failed (%d)",
                                                m->order[s->file]->name, s->entry->line,
                                                s->entry->regex, rc);
                if (!strcmp(s->entry->context, "<<none>>"))
                        return -ENOENT;
                *ret = s->entry;
                if (ret_file)
                        *ret_file = m->order[s->file]->name;
                return 0;
        }
        return -ENOENT;
}
