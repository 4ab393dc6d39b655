/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The refpolicy interface index (contract in iface.h).
 *
 * Indexing is one pass over each file's text that follows m4's quoting rules
 * closely enough to find every interface(/template(/define( at top level and
 * the comment block above it; bodies are not copied when they are a single
 * quoted string (the usual case), so the index costs little more than the
 * file text itself.
 *
 * Expansion is a small m4: an input stack of frames, names looked up as they
 * are read, arguments collected with quote and parenthesis nesting, $N
 * substituted into a definition's text before it is rescanned. Refpolicy's
 * own support macros for conditional policy (ifdef, optional_policy,
 * tunable_policy, …) are builtins here, because their real definitions rely
 * on m4 features (pushdef, regexp, errprint) that say nothing about what an
 * interface grants. A policy-language reader sits on top of the token stream
 * and turns statements into rules. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iface.h"
#include "macro.h"

/* Bounds that keep a broken or hostile .if from running away. In Debian's
 * headers the largest expansion (userdom_unpriv_user_template) reads about
 * 250 kB of text; only the MLS helpers that recurse until m4 arithmetic
 * stops them (gen_sens, decl_cats, shiftn) go further, and they grant
 * nothing. */
#define EXPAND_MAX_DEPTH 128
#define EXPAND_MAX_BYTES (4u << 20)
#define EXPAND_MAX_RULES 100000u
#define BLOCK_MAX_DEPTH 64

/* ---- small growable things ---------------------------------------------- */

struct buf {
        char *s;
        size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t extra)
{
        if (b->len + extra + 1 <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1)
                cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
                return -ENOMEM;
        b->s = s;
        b->cap = cap;
        return 0;
}

static int buf_append(struct buf *b, const char *s, size_t n)
{
        if (buf_reserve(b, n) < 0)
                return -ENOMEM;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
        return 0;
}

static int buf_putc(struct buf *b, char c)
{
        return buf_append(b, &c, 1);
}

static void buf_clear(struct buf *b)
{
        b->len = 0;
        if (b->s)
                b->s[0] = 0;
}

static void buf_done(struct buf *b)
{
        free(b->s);
        *b = (struct buf){0};
}

/* Room for want elements in array (capacity cap, both lvalues), doubling
 * from 8: how every growable array here grows. 0 or -ENOMEM. */
#define ARRAY_RESERVE(array, cap, want)                                                            \
        array_reserve((void **) &(array), &(cap), (want), sizeof(*(array)))

static int array_reserve(void **array, size_t *cap, size_t want, size_t elem)
{
        if (want <= *cap)
                return 0;
        size_t c = *cap ? *cap : 8;
        while (c < want)
                c *= 2;
        void *v = realloc(*array, c * elem);
        if (!v)
                return -ENOMEM;
        *array = v;
        *cap = c;
        return 0;
}

/* A string vector under construction; strv() hands out a NULL-terminated one. */
struct strv_b {
        char **v;
        size_t n, cap;
};

static int strvb_add(struct strv_b *sv, const char *s, size_t n)
{
        if (ARRAY_RESERVE(sv->v, sv->cap, sv->n + 2) < 0)
                return -ENOMEM;
        char *copy = strndup(s, n);
        if (!copy)
                return -ENOMEM;
        sv->v[sv->n++] = copy;
        sv->v[sv->n] = NULL;
        return 0;
}

static void strvb_clear(struct strv_b *sv)
{
        for (size_t i = 0; i < sv->n; i++)
                free(sv->v[i]);
        sv->n = 0;
        if (sv->v)
                sv->v[0] = NULL;
}

static void strvb_done(struct strv_b *sv)
{
        strvb_clear(sv);
        free(sv->v);
        *sv = (struct strv_b){0};
}

static bool strv_contains(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (!strcmp(*v, s))
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sort and drop duplicates in place; keeps the NULL terminator. */
static size_t strv_sort_unique(char **v, size_t n)
{
        if (n == 0)
                return 0;
        qsort(v, n, sizeof(char *), cmp_str);
        size_t w = 1;
        for (size_t r = 1; r < n; r++) {
                if (!strcmp(v[r], v[w - 1]))
                        free(v[r]);
                else
                        v[w++] = v[r];
        }
        v[w] = NULL;
        return w;
}

/* A string written through stdio: memstream_open(), fprintf() & co., then
 * memstream_take() closes the stream and hands out the text, or NULL when
 * memory ran out on the way. */
struct memstream {
        FILE *f;
        char *s;
        size_t len;
};

static FILE *memstream_open(struct memstream *m)
{
        *m = (struct memstream){0};
        m->f = open_memstream(&m->s, &m->len);
        return m->f;
}

static char *memstream_take(struct memstream *m)
{
        bool failed = ferror(m->f);
        if (fclose(m->f) != 0 || failed) {
                free(m->s);
                return NULL;
        }
        return m->s;
}

static bool is_name_start(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
        return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- interned names ------------------------------------------------------ */

/* The cached expansions name the same few thousand types, classes and
 * permissions over and over (Debian's interfaces expand to ~33,000 rules
 * with ~150,000 permissions): each name is stored once and rules refer to
 * it by a 32-bit id. Id 0 stands for "no string". */
typedef uint32_t atom_t;

struct atoms {
        char **v; /* the name of id is v[id - 1] */
        size_t n, cap;
        size_t *table; /* open addressing on the name: id, 0 = empty */
        size_t table_size;
};

/* A cached rule: struct iface_rule with ids for strings. Its permissions
 * and then its target exclusions are n_perms + n_excluded ids in the
 * owning compact_rules' pool, from first. */
struct compact_rule {
        atom_t source, target, tclass, default_type, filename, via;
        uint32_t first;
        uint16_t n_perms, n_excluded;
        uint8_t kind; /* enum iface_rule_kind */
        bool conditional;
};

struct compact_rules {
        struct compact_rule *v;
        size_t n;
        atom_t *pool;
        atom_t *unresolved;
        size_t n_unresolved;
};

/* What suggestions search, built once from every interface's expansion:
 * for each name that some interface's sure rules grant access to
 * (`allow $1 NAME:…;`, NAME a type, an attribute, self or $1), the
 * interfaces that do, as ascending macro indexes. An access then costs a
 * lookup of its target (and of the attributes it belongs to) instead of a
 * pass over the index. */
struct grant_index {
        bool built;
        size_t n_keys;   /* atom ids below this have a posting list */
        uint32_t *start; /* n_keys + 1 offsets into macro */
        uint32_t *macro; /* indexes into iface_index.macros */
        /* Per target type asked about: the posting keys type_matches
         * accepted for it (ascending), so the policy is asked once per
         * (type, key) for one callback and userdata. */
        iface_type_match_fn matcher;
        void *matcher_data;
        struct attr_keys *attr;
        size_t n_attr, cap_attr;
};

struct attr_keys {
        char *type;
        atom_t *keys;
        size_t n;
};

/* ---- the index ---------------------------------------------------------- */

struct source_file {
        char *path;
        char *layer;
        char *module;
        char *text;
        size_t len;
};

struct macro_entry {
        struct iface_macro pub; /* first, so an iface_macro pointer is an entry pointer */
        /* The definition text as m4 stores it (outer quotes removed). Points
         * into the file when the body was one quoted string, else owned. */
        const char *defn;
        size_t defn_len;
        char *defn_owned;
        unsigned max_dollar; /* highest $N the definition mentions */

        bool concatenates;  /* pastes a parameter into a name ($1_t) */
        bool uses_all_args; /* mentions $*, $@ or $# */

        /* Symbolic expansion ($1, $2, … left in), computed once and reused
         * both by suggestions and by every call made with plain arguments. */
        bool expanded;
        bool expanding; /* being computed: a call back into it is expanded from text */
        bool undecided; /* an ifelse depended on a parameter's value */
        int expand_r;
        struct compact_rules rules;
        bool grants_write;
        size_t total_perms;
};

struct iface_index {
        struct source_file **files;
        size_t n_files, cap_files;
        struct macro_entry **macros; /* sorted by name once loading is done */
        size_t n_macros, cap_macros;
        struct macro_entry **table; /* open addressing on name, size a power of 2 */
        size_t table_size;
        struct atoms atoms; /* the names the cached expansions use */
        struct grant_index grants;
        bool definitions_only; /* IFACE_LOAD_DEFINITIONS_ONLY */
};

static uint32_t hash_name(const char *s, size_t n)
{
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) s[i];
                h *= 16777619u;
        }
        return h;
}

/* Open addressing over n elements whose slots hold an element's index + 1
 * (0 = empty): rebuilt at twice the size (the first time at min), element i
 * placed by hash(elements, i). */
static int slots_grow(size_t **slots, size_t *size, size_t min, size_t n,
                      uint32_t (*hash)(const void *elements, size_t i), const void *elements)
{
        size_t new_size = *size ? *size * 2 : min;
        size_t *t = calloc(new_size, sizeof(*t));
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t j = hash(elements, i) & (new_size - 1);
                while (t[j])
                        j = (j + 1) & (new_size - 1);
                t[j] = i + 1;
        }
        free(*slots);
        *slots = t;
        *size = new_size;
        return 0;
}

static uint32_t atom_hash(const void *names, size_t i)
{
        const char *s = ((char *const *) names)[i];
        return hash_name(s, strlen(s));
}

static atom_t atom_find(const struct atoms *a, const char *s)
{
        if (!s || a->table_size == 0)
                return 0;
        size_t mask = a->table_size - 1;
        for (size_t j = hash_name(s, strlen(s)) & mask; a->table[j]; j = (j + 1) & mask)
                if (!strcmp(a->v[a->table[j] - 1], s))
                        return (atom_t) a->table[j];
        return 0;
}

static const char *atom_str(const struct atoms *a, atom_t id)
{
        return id ? a->v[id - 1] : NULL;
}

/* The id of s, adding it when new; NULL is id 0. */
static int atom_intern(struct atoms *a, const char *s, atom_t *ret)
{
        *ret = 0;
        if (!s)
                return 0;
        atom_t id = atom_find(a, s);
        if (id) {
                *ret = id;
                return 0;
        }
        if (a->n >= UINT32_MAX - 1)
                return -E2BIG;
        if ((a->n + 1) * 2 > a->table_size &&
            slots_grow(&a->table, &a->table_size, 1024, a->n, atom_hash, a->v) < 0)
                return -ENOMEM;
        if (ARRAY_RESERVE(a->v, a->cap, a->n + 1) < 0)
                return -ENOMEM;
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        a->v[a->n++] = copy;
        id = (atom_t) a->n;
        size_t mask = a->table_size - 1, j = hash_name(s, strlen(s)) & mask;
        while (a->table[j])
                j = (j + 1) & mask;
        a->table[j] = id;
        *ret = id;
        return 0;
}

static void atoms_done(struct atoms *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
        free(a->table);
        *a = (struct atoms){0};
}

static void compact_rules_done(struct compact_rules *c)
{
        free(c->v);
        free(c->pool);
        free(c->unresolved);
        *c = (struct compact_rules){0};
}

static void grant_index_done(struct grant_index *g)
{
        free(g->start);
        free(g->macro);
        for (size_t i = 0; i < g->n_attr; i++) {
                free(g->attr[i].type);
                free(g->attr[i].keys);
        }
        free(g->attr);
        *g = (struct grant_index){0};
}

static struct macro_entry *lookup_n(const struct iface_index *idx, const char *name, size_t n)
{
        if (idx->table_size == 0)
                return NULL;
        size_t mask = idx->table_size - 1;
        for (size_t i = hash_name(name, n) & mask;; i = (i + 1) & mask) {
                struct macro_entry *m = idx->table[i];
                if (!m)
                        return NULL;
                if (!strncmp(m->pub.name, name, n) && m->pub.name[n] == 0)
                        return m;
        }
}

const struct iface_macro *iface_lookup(const struct iface_index *idx, const char *name)
{
        struct macro_entry *m = lookup_n(idx, name, strlen(name));
        return m ? &m->pub : NULL;
}

static void table_insert(struct macro_entry **table, size_t size, struct macro_entry *m)
{
        size_t mask = size - 1;
        size_t i = hash_name(m->pub.name, strlen(m->pub.name)) & mask;
        while (table[i])
                i = (i + 1) & mask;
        table[i] = m;
}

static int table_grow(struct iface_index *idx)
{
        size_t size = idx->table_size ? idx->table_size * 2 : 1024;
        struct macro_entry **t = calloc(size, sizeof(*t));
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < idx->n_macros; i++)
                table_insert(t, size, idx->macros[i]);
        free(idx->table);
        idx->table = t;
        idx->table_size = size;
        return 0;
}

static void macro_entry_free(struct macro_entry *m)
{
        if (!m)
                return;
        free(m->pub.name);
        free(m->pub.summary);
        free(m->pub.desc);
        for (size_t i = 0; i < m->pub.n_params; i++) {
                free(m->pub.params[i].name);
                free(m->pub.params[i].summary);
        }
        free(m->pub.params);
        free(m->defn_owned);
        compact_rules_done(&m->rules);
        free(m);
}

int iface_index_new(struct iface_index **ret)
{
        struct iface_index *idx = calloc(1, sizeof(*idx));
        if (!idx)
                return -ENOMEM;
        *ret = idx;
        return 0;
}

void iface_index_free(struct iface_index *idx)
{
        if (!idx)
                return;
        for (size_t i = 0; i < idx->n_macros; i++)
                macro_entry_free(idx->macros[i]);
        free(idx->macros);
        free(idx->table);
        for (size_t i = 0; i < idx->n_files; i++) {
                struct source_file *f = idx->files[i];
                free(f->path);
                free(f->layer);
                free(f->module);
                free(f->text);
                free(f);
        }
        free(idx->files);
        atoms_done(&idx->atoms);
        grant_index_done(&idx->grants);
        free(idx);
}

size_t iface_index_count(const struct iface_index *idx)
{
        return idx->n_macros;
}

const struct iface_macro *iface_index_get(const struct iface_index *idx, size_t i)
{
        return i < idx->n_macros ? &idx->macros[i]->pub : NULL;
}

static int cmp_macro(const void *a, const void *b)
{
        const struct macro_entry *x = *(struct macro_entry *const *) a;
        const struct macro_entry *y = *(struct macro_entry *const *) b;
        return strcmp(x->pub.name, y->pub.name);
}

static void index_sort(struct iface_index *idx)
{
        if (idx->n_macros > 1)
                qsort(idx->macros, idx->n_macros, sizeof(*idx->macros), cmp_macro);
}

static int index_add_macro(struct iface_index *idx, struct macro_entry *m)
{
        if (lookup_n(idx, m->pub.name, strlen(m->pub.name))) {
                /* refpolicy refuses duplicates; the first definition stands. */
                macro_entry_free(m);
                return 0;
        }
        if (ARRAY_RESERVE(idx->macros, idx->cap_macros, idx->n_macros + 1) < 0) {
                macro_entry_free(m);
                return -ENOMEM;
        }
        /* Keep the table at most half full. */
        if ((idx->n_macros + 1) * 2 > idx->table_size && table_grow(idx) < 0) {
                macro_entry_free(m);
                return -ENOMEM;
        }
        idx->macros[idx->n_macros++] = m;
        table_insert(idx->table, idx->table_size, m);
        return 0;
}

/* ---- m4 quoting and arguments ------------------------------------------- */

struct span {
        const char *p;
        size_t n;
};

struct spanv {
        struct span *v;
        size_t n, cap;
};

static int spanv_add(struct spanv *sv, const char *p, size_t n)
{
        if (ARRAY_RESERVE(sv->v, sv->cap, sv->n + 1) < 0)
                return -ENOMEM;
        sv->v[sv->n++] = (struct span){p, n};
        return 0;
}

/* Skip a quoted string starting at p (which is '`'); returns the position
 * after its closing quote, or end when it is unterminated. */
static const char *skip_quoted_ex(const char *p, const char *end, bool *terminated)
{
        unsigned depth = 0;
        for (; p < end; p++) {
                if (*p == '`')
                        depth++;
                else if (*p == '\'' && --depth == 0) {
                        *terminated = true;
                        return p + 1;
                }
        }
        *terminated = false;
        return end;
}

static const char *skip_quoted(const char *p, const char *end)
{
        bool terminated;
        return skip_quoted_ex(p, end, &terminated);
}

/* Collect m4 arguments; p is just after '('. Each argument is raw (quotes
 * kept), with its leading blanks skipped as m4 does. Returns 0 and *after
 * pointing past ')', or -EINVAL when the text ends first. */
static int collect_args(const char *p, const char *end, struct spanv *args, const char **after)
{
        unsigned parens = 0;
        args->n = 0;
        for (;;) {
                while (p < end && is_blank(*p))
                        p++;
                const char *start = p;
                for (;;) {
                        if (p >= end)
                                return -EINVAL;
                        char c = *p;
                        if (c == '`') {
                                p = skip_quoted(p, end);
                                continue;
                        }
                        if (c == '#') {
                                const char *nl = memchr(p, '\n', end - p);
                                p = nl ? nl + 1 : end;
                                continue;
                        }
                        if (c == '(')
                                parens++;
                        else if (c == ')') {
                                if (parens == 0) {
                                        if (spanv_add(args, start, p - start) < 0)
                                                return -ENOMEM;
                                        *after = p + 1;
                                        return 0;
                                }
                                parens--;
                        } else if (c == ',' && parens == 0) {
                                p++;
                                break;
                        }
                        p++;
                }
                if (spanv_add(args, start, p - 1 - start) < 0)
                        return -ENOMEM;
        }
}

/* Append an argument with one level of quotes removed, as m4 stores it. */
static int unquote_append(struct buf *b, const char *p, size_t n)
{
        const char *end = p + n;
        unsigned depth = 0;
        while (p < end) {
                char c = *p;
                if (depth == 0 && c == '#') {
                        const char *nl = memchr(p, '\n', end - p);
                        const char *stop = nl ? nl + 1 : end;
                        if (buf_append(b, p, stop - p) < 0)
                                return -ENOMEM;
                        p = stop;
                        continue;
                }
                p++;
                if (c == '`') {
                        if (depth++ == 0)
                                continue;
                } else if (c == '\'' && depth > 0) {
                        if (--depth == 0)
                                continue;
                }
                if (buf_putc(b, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* When an argument is exactly one quoted string (blanks around allowed),
 * return its inside without copying. */
static bool single_quoted(const char *p, size_t n, struct span *inner)
{
        const char *end = p + n;
        while (end > p && is_blank(end[-1]))
                end--;
        if (end - p < 2 || *p != '`' || end[-1] != '\'')
                return false;
        bool terminated;
        if (skip_quoted_ex(p, end, &terminated) != end || !terminated)
                return false;
        *inner = (struct span){p + 1, end - p - 2};
        return true;
}

static unsigned max_dollar(const char *p, size_t n)
{
        unsigned max = 0;
        for (const char *end = p + n; p < end; p++) {
                if (*p != '$' || p + 1 >= end || !isdigit((unsigned char) p[1]))
                        continue;
                unsigned v = 0;
                for (p++; p < end && isdigit((unsigned char) *p) && v < 1000; p++)
                        v = v * 10 + (*p - '0');
                p--;
                if (v > max)
                        max = v;
        }
        return max;
}

/* Whether the definition pastes a parameter into a name ($1_t, x_$2) or
 * uses the whole argument list: such calls cannot reuse a symbolic expansion. */
static void scan_parameter_use(struct macro_entry *m)
{
        const char *d = m->defn, *end = m->defn + m->defn_len;
        for (const char *p = d; (p = memchr(p, '$', end - p)); p++) {
                if (p + 1 >= end)
                        break;
                if (p[1] == '*' || p[1] == '@' || p[1] == '#') {
                        m->uses_all_args = true;
                        continue;
                }
                if (!isdigit((unsigned char) p[1]))
                        continue;
                const char *q = p + 1;
                while (q < end && isdigit((unsigned char) *q))
                        q++;
                if ((p > d && is_name_char(p[-1])) || (q < end && is_name_start(*q)))
                        m->concatenates = true;
        }
}

/* ---- doc blocks ---------------------------------------------------------- */

/* Copy text with XML tags turned into spaces and whitespace collapsed. */
static char *collapse_text(const char *p, size_t n)
{
        char *out = malloc(n + 1), *w = out;
        if (!out)
                return NULL;
        bool space = false;
        for (const char *end = p + n; p < end; p++) {
                char c = *p;
                if (c == '<') {
                        const char *gt = memchr(p, '>', end - p);
                        if (gt) {
                                p = gt;
                                space = true;
                                continue;
                        }
                }
                if (is_blank(c)) {
                        space = true;
                        continue;
                }
                if (space && w > out)
                        *w++ = ' ';
                space = false;
                *w++ = c;
        }
        if (w == out) {
                free(out);
                return NULL;
        }
        *w = 0;
        return out;
}

/* The text between <tag…> and </tag> in [p, end), searching from p. */
static bool xml_element(const char *p, const char *end, const char *tag, struct span *open_tag,
                        struct span *content, const char **after)
{
        size_t tl = strlen(tag);
        for (;;) {
                const char *lt = memchr(p, '<', end - p);
                if (!lt)
                        return false;
                if ((size_t) (end - lt) > tl + 1 && !strncmp(lt + 1, tag, tl) &&
                    (lt[tl + 1] == '>' || is_blank(lt[tl + 1]) || lt[tl + 1] == '/')) {
                        const char *gt = memchr(lt, '>', end - lt);
                        if (!gt)
                                return false;
                        *open_tag = (struct span){lt, gt + 1 - lt};
                        if (gt[-1] == '/') { /* <tag …/> */
                                *content = (struct span){gt + 1, 0};
                                *after = gt + 1;
                                return true;
                        }
                        const char *q = gt + 1;
                        for (;;) {
                                const char *c = memchr(q, '<', end - q);
                                if (!c) {
                                        *content = (struct span){gt + 1, end - gt - 1};
                                        *after = end;
                                        return true;
                                }
                                if ((size_t) (end - c) >= tl + 3 && c[1] == '/' &&
                                    !strncmp(c + 2, tag, tl) && c[tl + 2] == '>') {
                                        *content = (struct span){gt + 1, c - gt - 1};
                                        *after = c + tl + 3;
                                        return true;
                                }
                                q = c + 1;
                        }
                }
                p = lt + 1;
        }
}

/* The value of attr="…" inside an opening tag; NULL if absent. */
static char *xml_attr(struct span tag, const char *attr)
{
        size_t al = strlen(attr);
        const char *end = tag.p + tag.n;
        for (const char *p = tag.p; p + al + 2 < end; p++) {
                if ((p == tag.p || is_blank(p[-1])) && !strncmp(p, attr, al) && p[al] == '=' &&
                    p[al + 1] == '"') {
                        const char *v = p + al + 2;
                        const char *q = memchr(v, '"', end - v);
                        if (!q)
                                return NULL;
                        return strndup(v, q - v);
                }
        }
        return NULL;
}

/* Strip the comment markers: for interfaces, the XML lives in `##` lines;
 * for defines, plain `#` comment lines are the explanation. */
static int doc_strip(const char *p, size_t n, bool xml, struct buf *out)
{
        if (buf_reserve(out, n) < 0)
                return -ENOMEM;
        char *w = out->s + out->len;
        const char *end = p + n;
        while (p < end) {
                const char *nl = memchr(p, '\n', end - p);
                const char *eol = nl ? nl : end;
                const char *q = p;
                while (q < eol && is_blank(*q))
                        q++;
                bool keep = true;
                if (xml) {
                        keep = eol - q >= 2 && q[0] == '#' && q[1] == '#';
                        q += keep ? 2 : 0;
                } else
                        while (q < eol && *q == '#')
                                q++;
                if (keep) {
                        memcpy(w, q, eol - q);
                        w += eol - q;
                        *w++ = '\n';
                }
                p = nl ? nl + 1 : end;
        }
        *w = 0;
        out->len = w - out->s;
        return 0;
}

static int parse_doc(struct macro_entry *m)
{
        struct iface_macro *im = &m->pub;
        _cleanup_(buf_done) struct buf xml = {0};
        if (im->doc_len == 0)
                return 0;
        if (im->kind == IFACE_KIND_DEFINE) {
                if (doc_strip(im->doc, im->doc_len, false, &xml) < 0)
                        return -ENOMEM;
                im->summary = collapse_text(xml.s ? xml.s : "", xml.len);
                return 0;
        }
        if (doc_strip(im->doc, im->doc_len, true, &xml) < 0)
                return -ENOMEM;
        if (!xml.s)
                return 0;
        const char *p = xml.s, *end = xml.s + xml.len, *after;
        struct span tag, content;

        /* The interface's own summary comes before its first <param>. */
        const char *first_param = end;
        if (xml_element(p, end, "param", &tag, &content, &after))
                first_param = tag.p;
        if (xml_element(p, first_param, "summary", &tag, &content, &after))
                im->summary = collapse_text(content.p, content.n);
        if (xml_element(p, first_param, "desc", &tag, &content, &after))
                im->desc = collapse_text(content.p, content.n);

        size_t cap = 0;
        for (const char *q = p; xml_element(q, end, "param", &tag, &content, &after); q = after) {
                if (ARRAY_RESERVE(im->params, cap, im->n_params + 1) < 0)
                        return -ENOMEM;
                struct iface_param *prm = &im->params[im->n_params++];
                *prm = (struct iface_param){0};
                prm->name = xml_attr(tag, "name");
                _cleanup_free_ char *opt = xml_attr(tag, "optional");
                _cleanup_free_ char *unused = xml_attr(tag, "unused");
                prm->optional = opt && !strcmp(opt, "true");
                prm->unused = unused && !strcmp(unused, "true");
                struct span t2, c2;
                const char *a2;
                if (xml_element(content.p, content.p + content.n, "summary", &t2, &c2, &a2))
                        prm->summary = collapse_text(c2.p, c2.n);
        }

        if (xml_element(p, end, "infoflow", &tag, &content, &after)) {
                _cleanup_free_ char *type = xml_attr(tag, "type");
                _cleanup_free_ char *weight = xml_attr(tag, "weight");
                if (type && !strcmp(type, "none"))
                        im->infoflow = IFACE_INFOFLOW_NONE;
                else if (type && !strcmp(type, "read"))
                        im->infoflow = IFACE_INFOFLOW_READ;
                else if (type && !strcmp(type, "write"))
                        im->infoflow = IFACE_INFOFLOW_WRITE;
                else if (type && !strcmp(type, "both"))
                        im->infoflow = IFACE_INFOFLOW_BOTH;
                if (weight)
                        im->infoflow_weight = (unsigned) strtoul(weight, NULL, 10);
        }
        return 0;
}

/* ---- indexing a file ----------------------------------------------------- */

static int add_definition(struct iface_index *idx, struct source_file *f, enum iface_kind kind,
                          const char *kw, const char *after, const struct spanv *args,
                          unsigned line, const char *doc, size_t doc_len, struct planet_error *err)
{
        if (args->n < 1 || args->v[0].n == 0)
                return 0; /* define() without a name is m4 noise, not a definition */

        _cleanup_(buf_done) struct buf name = {0};
        struct span inner;
        if (single_quoted(args->v[0].p, args->v[0].n, &inner)) {
                if (buf_append(&name, inner.p, inner.n) < 0)
                        return -ENOMEM;
        } else if (unquote_append(&name, args->v[0].p, args->v[0].n) < 0)
                return -ENOMEM;
        if (!name.s || name.len == 0)
                return 0;
        /* Only plain macro names can be called; anything else (a computed
         * name) is not something a person can look up. */
        if (!is_name_start(name.s[0]))
                return 0;
        for (size_t i = 1; i < name.len; i++)
                if (!is_name_char(name.s[i]))
                        return 0;

        struct macro_entry *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->pub.name = TAKE_PTR(name.s);
        m->pub.kind = kind;
        m->pub.path = f->path;
        m->pub.layer = f->layer;
        m->pub.module = f->module;
        m->pub.line = line;
        m->pub.doc = doc;
        m->pub.doc_len = doc_len;
        m->pub.text = kw;
        m->pub.text_len = after - kw;

        if (args->n < 2) {
                m->defn = "";
                m->pub.body = "";
        } else if (single_quoted(args->v[1].p, args->v[1].n, &inner)) {
                m->defn = inner.p;
                m->defn_len = inner.n;
                m->pub.body = inner.p;
                m->pub.body_len = inner.n;
        } else {
                struct buf b = {0};
                if (unquote_append(&b, args->v[1].p, args->v[1].n) < 0) {
                        buf_done(&b);
                        macro_entry_free(m);
                        return -ENOMEM;
                }
                m->defn_owned = b.s ? b.s : strdup("");
                if (!m->defn_owned) {
                        macro_entry_free(m);
                        return -ENOMEM;
                }
                m->defn = m->defn_owned;
                m->defn_len = b.len;
                m->pub.body = args->v[1].p;
                m->pub.body_len = args->v[1].n;
        }
        m->max_dollar = max_dollar(m->defn, m->defn_len);
        scan_parameter_use(m);
        if (parse_doc(m) < 0) {
                macro_entry_free(m);
                return -ENOMEM;
        }
        (void) err;
        return index_add_macro(idx, m);
}

static unsigned count_lines(const char *p, const char *end)
{
        unsigned n = 0;
        while ((p = memchr(p, '\n', end - p))) {
                n++;
                p++;
        }
        return n;
}

static int index_file(struct iface_index *idx, struct source_file *f, struct planet_error *err)
{
        const char *s = f->text, *end = f->text + f->len, *p = s;
        const char *line_start = s;
        unsigned line = 1;
        /* The run of comment-only lines that ends just above the current line. */
        const char *block_start = NULL;
        unsigned block_last = 0;
        struct spanv args = {0};
        int r = 0;

        while (p < end) {
                char c = *p;
                if (c == '\n') {
                        line++;
                        p++;
                        line_start = p;
                        continue;
                }
                if (c == '#') {
                        bool whole_line = true;
                        for (const char *q = line_start; q < p; q++)
                                if (!is_blank(*q))
                                        whole_line = false;
                        if (whole_line) {
                                if (!block_start || block_last + 1 != line)
                                        block_start = line_start;
                                block_last = line;
                        }
                        const char *nl = memchr(p, '\n', end - p);
                        p = nl ? nl : end;
                        continue;
                }
                if (c == '`') {
                        const char *q = skip_quoted(p, end);
                        line += count_lines(p, q);
                        p = q;
                        /* keep line_start meaningful for the comment test */
                        for (const char *b = q; b > s; b--)
                                if (b[-1] == '\n') {
                                        line_start = b;
                                        break;
                                }
                        continue;
                }
                if (!is_name_start(c)) {
                        p++;
                        continue;
                }
                const char *name = p;
                while (p < end && is_name_char(*p))
                        p++;
                size_t n = p - name;
                enum iface_kind kind;
                if (n == 9 && !memcmp(name, "interface", 9))
                        kind = IFACE_KIND_INTERFACE;
                else if (n == 8 && !memcmp(name, "template", 8))
                        kind = IFACE_KIND_TEMPLATE;
                else if (n == 6 && !memcmp(name, "define", 6))
                        kind = IFACE_KIND_DEFINE;
                else
                        continue;
                if (p >= end || *p != '(')
                        continue;
                const char *after;
                r = collect_args(p + 1, end, &args, &after);
                if (r == -ENOMEM)
                        goto out;
                if (r < 0) {
                        r = planet_error_set(err, EINVAL,
                                             "%s:%u: %.*s( is never closed: unbalanced quotes or "
                                             "parentheses in the definition",
                                             f->path, line, (int) n, name);
                        goto out;
                }
                const char *doc = NULL;
                size_t doc_len = 0;
                if (block_start && block_last + 1 == line) {
                        doc = block_start;
                        doc_len = line_start - block_start;
                }
                r = add_definition(idx, f, kind, name, after, &args, line, doc, doc_len, err);
                if (r < 0)
                        goto out;
                line += count_lines(name, after);
                p = after;
                for (const char *b = after; b > s; b--)
                        if (b[-1] == '\n') {
                                line_start = b;
                                break;
                        }
                block_start = NULL;
        }
out:
        free(args.v);
        return r;
}

/* p moved from a copy of [old, old + n) to the one at moved; pointers
 * outside (static "" for an empty body, an owned definition) stay. */
static const char *rebase(const char *p, const char *old, size_t n, const char *moved)
{
        return p && p >= old && p <= old + n ? moved + (p - old) : p;
}

/* Replace a file's text by just its definitions (macros[first…] came from
 * it): doc blocks, license headers and separators go; their summaries and
 * parameters were parsed already. Debian's 7.1 MB of headers keep 1.7 MB. */
static int keep_definitions_only(struct iface_index *idx, struct source_file *f, size_t first)
{
        size_t total = 0;
        for (size_t i = first; i < idx->n_macros; i++)
                total += idx->macros[i]->pub.text_len;
        char *t = malloc(total + 1);
        if (!t)
                return -ENOMEM;
        size_t off = 0;
        for (size_t i = first; i < idx->n_macros; i++) {
                struct macro_entry *m = idx->macros[i];
                const char *old = m->pub.text;
                size_t n = m->pub.text_len;
                memcpy(t + off, old, n);
                m->pub.text = t + off;
                m->pub.body = rebase(m->pub.body, old, n, t + off);
                if (!m->defn_owned)
                        m->defn = rebase(m->defn, old, n, t + off);
                m->pub.doc = NULL;
                m->pub.doc_len = 0;
                off += n;
        }
        t[total] = 0;
        free(f->text);
        f->text = t;
        f->len = total;
        return 0;
}

static int add_text(struct iface_index *idx, const char *text, size_t len, const char *path,
                    const char *layer, char *owned_text, struct planet_error *err)
{
        if (ARRAY_RESERVE(idx->files, idx->cap_files, idx->n_files + 1) < 0) {
                free(owned_text);
                return -ENOMEM;
        }
        struct source_file *f = calloc(1, sizeof(*f));
        if (!f) {
                free(owned_text);
                return -ENOMEM;
        }
        f->text = owned_text;
        if (!f->text) {
                f->text = malloc(len + 1);
                if (f->text) {
                        memcpy(f->text, text, len);
                        f->text[len] = 0;
                }
        }
        f->len = len;
        f->path = strdup(path ? path : "(text)");
        f->layer = strdup(layer ? layer : "");
        const char *base = strrchr(f->path ? f->path : "", '/');
        base = base ? base + 1 : (f->path ? f->path : "");
        const char *dot = strrchr(base, '.');
        f->module = strndup(base, dot ? (size_t) (dot - base) : strlen(base));
        /* Registered before indexing so that it is freed with the index. */
        idx->files[idx->n_files++] = f;
        if (!f->text || !f->path || !f->layer || !f->module)
                return -ENOMEM;
        size_t first = idx->n_macros;
        int r = index_file(idx, f, err);
        if (r >= 0 && idx->definitions_only)
                r = keep_definitions_only(idx, f, first);
        return r;
}

int iface_index_add_text(struct iface_index *idx, const char *text, size_t len, const char *path,
                         const char *layer, struct planet_error *err)
{
        /* Macro indexes change: the suggestion index is built anew. */
        grant_index_done(&idx->grants);
        int r = add_text(idx, text, len, path, layer, NULL, err);
        index_sort(idx);
        return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct planet_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno, "cannot open %s: %m", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return planet_error_set(err, errno, "cannot stat %s: %m", path);
        size_t cap = st.st_size > 0 ? (size_t) st.st_size + 1 : 4096, len = 0;
        _cleanup_free_ char *s = malloc(cap);
        if (!s)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        char *t = realloc(s, cap * 2);
                        if (!t)
                                return -ENOMEM;
                        s = t;
                        cap *= 2;
                }
                ssize_t k = read(fd, s + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return planet_error_set(err, errno, "cannot read %s: %m", path);
                }
                if (k == 0)
                        break;
                len += k;
        }
        s[len] = 0;
        *ret = TAKE_PTR(s);
        *ret_len = len;
        return 0;
}

static int load_glob(struct iface_index *idx, const char *pattern, const char *fixed_layer,
                     size_t *n_loaded, struct planet_error *err)
{
        glob_t g = {0};
        int gr = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (gr == GLOB_NOMATCH) {
                globfree(&g);
                return 0;
        }
        if (gr != 0) {
                globfree(&g);
                return planet_error_set(err, gr == GLOB_NOSPACE ? ENOMEM : EIO, "cannot list %s",
                                        pattern);
        }
        /* A stable order so that "the first definition wins" is reproducible. */
        qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
        int r = 0;
        for (size_t i = 0; i < g.gl_pathc && r >= 0; i++) {
                const char *path = g.gl_pathv[i];
                char *text = NULL;
                size_t len = 0;
                r = read_file(path, &text, &len, err);
                if (r < 0)
                        break;
                _cleanup_free_ char *layer = NULL;
                if (fixed_layer)
                        layer = strdup(fixed_layer);
                else {
                        /* the directory holding the file names its layer */
                        const char *slash = strrchr(path, '/');
                        const char *prev = slash;
                        while (prev && prev > path && prev[-1] != '/')
                                prev--;
                        layer = prev && slash ? strndup(prev, slash - prev) : strdup("");
                }
                if (!layer) {
                        free(text);
                        r = -ENOMEM;
                        break;
                }
                r = add_text(idx, text, len, path, layer, text, err);
                (*n_loaded)++;
        }
        globfree(&g);
        return r;
}

static bool is_dir(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int iface_index_load(const char *dir, struct iface_index **ret, struct planet_error *err)
{
        return iface_index_load_flags(dir, 0, ret, err);
}

int iface_index_load_flags(const char *dir, unsigned flags, struct iface_index **ret,
                           struct planet_error *err)
{
        if (!dir)
                dir = IFACE_DEFAULT_INCLUDE_DIR;
        if (!is_dir(dir))
                return planet_error_set(err, ENOENT,
                                        "%s is not a directory: install selinux-policy-dev for the "
                                        "refpolicy headers, or pass --include DIR",
                                        dir);
        _cleanup_iface_index_ struct iface_index *idx = NULL;
        int r = iface_index_new(&idx);
        if (r < 0)
                return r;
        idx->definitions_only = flags & IFACE_LOAD_DEFINITIONS_ONLY;

        _cleanup_free_ char *modules = NULL, *support = NULL, *layers = NULL;
        /* A refpolicy source tree keeps the layers under policy/modules. */
        if (asprintf(&modules, "%s/policy/modules", dir) < 0)
                return -ENOMEM;
        bool tree = is_dir(modules);
        if (asprintf(&support, tree ? "%s/policy/support/*.spt" : "%s/support/*.spt", dir) < 0 ||
            asprintf(&layers, tree ? "%s/policy/modules/*/*.if" : "%s/*/*.if", dir) < 0)
                return -ENOMEM;

        /* Support macros first: interfaces are expanded through them. */
        size_t n_spt = 0, n_if = 0;
        r = load_glob(idx, support, "support", &n_spt, err);
        if (r >= 0)
                r = load_glob(idx, layers, NULL, &n_if, err);
        if (r == -ENOMEM)
                return planet_error_set(err, ENOMEM, "out of memory indexing %s", dir);
        if (r < 0)
                return r;
        if (n_if == 0)
                return planet_error_set(err, ENOENT,
                                        "%s holds no interface files (LAYER/MODULE.if): install "
                                        "selinux-policy-dev, or pass --include with a devel "
                                        "include directory or a refpolicy source tree",
                                        dir);
        index_sort(idx);
        *ret = TAKE_PTR(idx);
        return 0;
}

/* ---- search -------------------------------------------------------------- */

void iface_hits_free(struct iface_hit *hits, size_t n_hits)
{
        for (size_t i = 0; i < n_hits; i++)
                strv_free(hits[i].lines);
        free(hits);
}

static void regfreep(regex_t **re)
{
        if (*re)
                regfree(*re);
}

int iface_find(const struct iface_index *idx, const char *regex, unsigned kinds,
               struct iface_hit **ret, size_t *n_ret, struct planet_error *err)
{
        regex_t re_storage;
        int rc = regcomp(&re_storage, regex, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc != 0) {
                char msg[256];
                regerror(rc, &re_storage, msg, sizeof(msg));
                return planet_error_set(err, EINVAL, "bad regular expression '%s': %s", regex, msg);
        }
        _cleanup_(regfreep) regex_t *re = &re_storage;
        _cleanup_(buf_done) struct buf text = {0};
        struct iface_hit *hits = NULL;
        size_t n_hits = 0, cap = 0;
        int r = 0;

        for (size_t i = 0; i < idx->n_macros; i++) {
                const struct iface_macro *m = &idx->macros[i]->pub;
                if (!(m->kind & kinds))
                        continue;
                bool name_hit = regexec(re, m->name, 0, NULL, 0) == 0;
                buf_clear(&text);
                if (buf_append(&text, m->text, m->text_len) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                /* One pass over the whole text first: most macros do not match. */
                bool text_hit = regexec(re, text.s, 0, NULL, 0) == 0;
                if (!name_hit && !text_hit)
                        continue;
                struct strv_b lines = {0};
                if (text_hit) {
                        for (char *l = text.s; l;) {
                                char *nl = strchr(l, '\n');
                                if (nl)
                                        *nl = 0;
                                if (regexec(re, l, 0, NULL, 0) == 0) {
                                        char *a = l, *z = l + strlen(l);
                                        while (is_blank(*a))
                                                a++;
                                        while (z > a && is_blank(z[-1]))
                                                z--;
                                        if (strvb_add(&lines, a, z - a) < 0) {
                                                strvb_done(&lines);
                                                r = -ENOMEM;
                                                goto fail;
                                        }
                                }
                                l = nl ? nl + 1 : NULL;
                        }
                }
                if (!lines.v) {
                        lines.v = calloc(1, sizeof(char *));
                        if (!lines.v) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                if (ARRAY_RESERVE(hits, cap, n_hits + 1) < 0) {
                        strvb_done(&lines);
                        r = -ENOMEM;
                        goto fail;
                }
                hits[n_hits++] = (struct iface_hit){m, name_hit, lines.v};
        }
        *ret = hits;
        *n_ret = n_hits;
        return 0;
fail:
        iface_hits_free(hits, n_hits);
        return planet_error_set(err, -r, "searching the interface index for '%s'", regex);
}

/* ---- rules --------------------------------------------------------------- */

static void rule_free_contents(struct iface_rule *r)
{
        free(r->source);
        free(r->target);
        free(r->tclass);
        strv_free(r->perms);
        free(r->default_type);
        free(r->filename);
        strv_free(r->target_excluded);
}

static void rules_free_contents(struct iface_rules *rules)
{
        for (size_t i = 0; i < rules->n_rules; i++)
                rule_free_contents(&rules->rules[i]);
        free(rules->rules);
        strv_free(rules->unresolved);
        *rules = (struct iface_rules){0};
}

void iface_rules_done(struct iface_rules *rules)
{
        if (rules)
                rules_free_contents(rules);
}

static bool is_av_kind(enum iface_rule_kind k)
{
        return k == IFACE_RULE_ALLOW || k == IFACE_RULE_AUDITALLOW || k == IFACE_RULE_DONTAUDIT ||
               k == IFACE_RULE_NEVERALLOW;
}

static const char *rule_keyword(enum iface_rule_kind k)
{
        switch (k) {
        case IFACE_RULE_ALLOW:
                return "allow";
        case IFACE_RULE_AUDITALLOW:
                return "auditallow";
        case IFACE_RULE_DONTAUDIT:
                return "dontaudit";
        case IFACE_RULE_NEVERALLOW:
                return "neverallow";
        case IFACE_RULE_TYPE_TRANSITION:
                return "type_transition";
        case IFACE_RULE_TYPE_CHANGE:
                return "type_change";
        case IFACE_RULE_TYPE_MEMBER:
                return "type_member";
        case IFACE_RULE_TYPEATTRIBUTE:
                return "typeattribute";
        case IFACE_RULE_ROLEATTRIBUTE:
                return "roleattribute";
        case IFACE_RULE_ROLE_TYPES:
                return "role";
        }
        return "?";
}

char *iface_rule_to_string(const struct iface_rule *rule)
{
        struct memstream ms;
        FILE *f = memstream_open(&ms);
        if (!f)
                return NULL;
        if (rule->conditional)
                fputs("# conditional: ", f);
        fprintf(f, "%s %s ", rule_keyword(rule->kind), rule->source);
        switch (rule->kind) {
        case IFACE_RULE_TYPEATTRIBUTE:
        case IFACE_RULE_ROLEATTRIBUTE:
                fprintf(f, "%s;", rule->target);
                break;
        case IFACE_RULE_ROLE_TYPES:
                fprintf(f, "types %s;", rule->target);
                break;
        default:
                if (rule->target_excluded) {
                        fprintf(f, "{ %s", rule->target);
                        STRV_FOREACH (x, rule->target_excluded)
                                fprintf(f, " -%s", *x);
                        fputs(" }", f);
                } else
                        fputs(rule->target, f);
                fprintf(f, ":%s ", rule->tclass ? rule->tclass : "?");
                if (is_av_kind(rule->kind)) {
                        size_t n = 0;
                        STRV_FOREACH (p, rule->perms)
                                n++;
                        if (n == 1)
                                fputs(rule->perms[0], f);
                        else {
                                fputc('{', f);
                                STRV_FOREACH (p, rule->perms)
                                        fprintf(f, " %s", *p);
                                fputs(" }", f);
                        }
                } else {
                        fputs(rule->default_type ? rule->default_type : "?", f);
                        if (rule->filename)
                                fprintf(f, " \"%s\"", rule->filename);
                }
                fputc(';', f);
        }
        return memstream_take(&ms);
}

/* Rules under construction, merged by (kind, source, target, class,
 * conditional, exclusions) through a small hash table. */
struct rules_builder {
        struct iface_rule *rules;
        size_t *n_perms, *cap_perms;
        size_t n, cap;
        size_t *table; /* rule index + 1; 0 = empty */
        size_t table_size;
        struct strv_b unresolved;
};

static uint32_t rule_hash(const struct iface_rule *r)
{
        uint32_t h = (uint32_t) r->kind * 31u + r->conditional;
        const char *fields[] = {r->source, r->target, r->tclass, r->default_type, r->filename};
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i])
                        h = h * 16777619u ^ hash_name(fields[i], strlen(fields[i]));
        STRV_FOREACH (x, r->target_excluded)
                h = h * 16777619u ^ hash_name(*x, strlen(*x));
        return h;
}

static bool str_eq(const char *a, const char *b)
{
        return a == b || (a && b && !strcmp(a, b));
}

static bool strv_eq(char **a, char **b)
{
        for (; a && *a && b && *b; a++, b++)
                if (strcmp(*a, *b))
                        return false;
        return (!a || !*a) && (!b || !*b);
}

static bool rule_same_key(const struct iface_rule *a, const struct iface_rule *b)
{
        return a->kind == b->kind && a->conditional == b->conditional &&
               str_eq(a->source, b->source) && str_eq(a->target, b->target) &&
               str_eq(a->tclass, b->tclass) && str_eq(a->default_type, b->default_type) &&
               str_eq(a->filename, b->filename) && strv_eq(a->target_excluded, b->target_excluded);
}

static void builder_done(struct rules_builder *rb)
{
        for (size_t i = 0; i < rb->n; i++)
                rule_free_contents(&rb->rules[i]);
        free(rb->rules);
        free(rb->n_perms);
        free(rb->cap_perms);
        free(rb->table);
        strvb_done(&rb->unresolved);
        *rb = (struct rules_builder){0};
}

static uint32_t rule_hash_at(const void *rules, size_t i)
{
        return rule_hash(&((const struct iface_rule *) rules)[i]);
}

static int builder_rehash(struct rules_builder *rb)
{
        return slots_grow(&rb->table, &rb->table_size, 64, rb->n, rule_hash_at, rb->rules);
}

static int perms_add(struct rules_builder *rb, size_t i, char *const *perms, size_t n)
{
        struct iface_rule *r = &rb->rules[i];
        if (n == 0)
                return 0;
        if (rb->n_perms[i] + n + 1 > rb->cap_perms[i]) {
                size_t cap = rb->cap_perms[i] ? rb->cap_perms[i] : 8;
                while (cap < rb->n_perms[i] + n + 1)
                        cap *= 2;
                char **v = realloc(r->perms, cap * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                r->perms = v;
                rb->cap_perms[i] = cap;
        }
        for (size_t k = 0; k < n; k++) {
                char *p = strdup(perms[k]);
                if (!p)
                        return -ENOMEM;
                r->perms[rb->n_perms[i]++] = p;
                r->perms[rb->n_perms[i]] = NULL;
        }
        return 0;
}

/* Add one rule (strings are copied). perms may be NULL for non-AV kinds. */
static int builder_add(struct rules_builder *rb, const struct iface_rule *tmpl, char *const *perms,
                       size_t n_perms)
{
        if ((rb->n + 1) * 2 > rb->table_size && builder_rehash(rb) < 0)
                return -ENOMEM;
        size_t mask = rb->table_size - 1;
        size_t j = rule_hash(tmpl) & mask;
        for (; rb->table[j]; j = (j + 1) & mask) {
                size_t i = rb->table[j] - 1;
                if (rule_same_key(&rb->rules[i], tmpl))
                        return perms_add(rb, i, perms, n_perms);
        }
        if (rb->n >= EXPAND_MAX_RULES)
                return -E2BIG;
        if (rb->n + 1 > rb->cap) {
                size_t cap = rb->cap ? rb->cap * 2 : 16;
                struct iface_rule *v = realloc(rb->rules, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                rb->rules = v;
                size_t *np = realloc(rb->n_perms, cap * sizeof(size_t));
                if (!np)
                        return -ENOMEM;
                rb->n_perms = np;
                size_t *cp = realloc(rb->cap_perms, cap * sizeof(size_t));
                if (!cp)
                        return -ENOMEM;
                rb->cap_perms = cp;
                rb->cap = cap;
        }
        size_t i = rb->n;
        struct iface_rule *r = &rb->rules[i];
        *r = (struct iface_rule){
                .kind = tmpl->kind, .conditional = tmpl->conditional, .via = tmpl->via};
        rb->n_perms[i] = rb->cap_perms[i] = 0;
        rb->n++;
        rb->table[j] = i + 1;
        r->source = tmpl->source ? strdup(tmpl->source) : NULL;
        r->target = tmpl->target ? strdup(tmpl->target) : NULL;
        r->tclass = tmpl->tclass ? strdup(tmpl->tclass) : NULL;
        r->default_type = tmpl->default_type ? strdup(tmpl->default_type) : NULL;
        r->filename = tmpl->filename ? strdup(tmpl->filename) : NULL;
        if ((tmpl->source && !r->source) || (tmpl->target && !r->target) ||
            (tmpl->tclass && !r->tclass) || (tmpl->default_type && !r->default_type) ||
            (tmpl->filename && !r->filename))
                return -ENOMEM;
        if (tmpl->target_excluded) {
                struct strv_b x = {0};
                STRV_FOREACH (e, tmpl->target_excluded)
                        if (strvb_add(&x, *e, strlen(*e)) < 0) {
                                strvb_done(&x);
                                return -ENOMEM;
                        }
                r->target_excluded = x.v;
        }
        if (is_av_kind(tmpl->kind))
                return perms_add(rb, i, perms, n_perms);
        return 0;
}

static int builder_finish(struct rules_builder *rb, struct iface_rules *ret)
{
        for (size_t i = 0; i < rb->n; i++)
                if (rb->rules[i].perms)
                        strv_sort_unique(rb->rules[i].perms, rb->n_perms[i]);
        size_t n_unres = strv_sort_unique(rb->unresolved.v, rb->unresolved.n);
        *ret = (struct iface_rules){
                .rules = rb->rules,
                .n_rules = rb->n,
                .unresolved = n_unres ? rb->unresolved.v : NULL,
        };
        if (!n_unres)
                free(rb->unresolved.v);
        free(rb->n_perms);
        free(rb->cap_perms);
        free(rb->table);
        *rb = (struct rules_builder){0};
        return 0;
}

/* ---- the m4 layer ---------------------------------------------------------- */

struct frame {
        const char *p, *end;
        char *owned;
        const char *via; /* the macro whose text this is */
        bool cond;       /* the text may not be in effect */
};

struct lexer {
        struct iface_index *idx;
        const char *root; /* what is being expanded, for messages */
        struct frame *frames;
        size_t n_frames, cap_frames;
        size_t bytes;
        struct buf word;
        struct spanv args;
        struct rules_builder *rb;
        struct planet_error *err;
        bool use_cache; /* reuse symbolic expansions for plain calls */
        bool stmt_cond; /* inside an `if`/`optional` block of the policy text */
        bool undecided; /* an ifelse could not be decided */
};

enum tok_type {
        TOK_EOF,
        TOK_WORD,
        TOK_PUNCT,
        TOK_STRING,
};

struct token {
        enum tok_type type;
        char punct;
        const char *text; /* TOK_WORD/TOK_STRING: lexer->word, valid until the next token */
        bool cond;
        const char *via;
};

static void lexer_done(struct lexer *lx)
{
        for (size_t i = 0; i < lx->n_frames; i++)
                free(lx->frames[i].owned);
        free(lx->frames);
        buf_done(&lx->word);
        free(lx->args.v);
}

/* Push text (owned: freed when the frame is done) to be read next. */
static int push_frame(struct lexer *lx, char *owned, const char *text, size_t len, const char *via,
                      bool cond)
{
        if (lx->n_frames >= EXPAND_MAX_DEPTH) {
                free(owned);
                return planet_error_set(lx->err, ELOOP,
                                        "expanding %s: macro calls nest deeper than %d (through "
                                        "%s): a definition that calls itself, or recursion that "
                                        "m4 arithmetic (eval, decr) would end, which is not "
                                        "evaluated here",
                                        lx->root, EXPAND_MAX_DEPTH, via ? via : "?");
        }
        lx->bytes += len;
        if (lx->bytes > EXPAND_MAX_BYTES) {
                free(owned);
                return planet_error_set(lx->err, E2BIG,
                                        "expanding %s: the expansion grows beyond %u bytes "
                                        "(through %s): is a definition recursive?",
                                        lx->root, EXPAND_MAX_BYTES, via ? via : "?");
        }
        if (ARRAY_RESERVE(lx->frames, lx->cap_frames, lx->n_frames + 1) < 0) {
                free(owned);
                return -ENOMEM;
        }
        lx->frames[lx->n_frames++] = (struct frame){text, text + len, owned, via, cond};
        return 0;
}

static struct frame *top_frame(struct lexer *lx)
{
        while (lx->n_frames > 0) {
                struct frame *f = &lx->frames[lx->n_frames - 1];
                if (f->p < f->end)
                        return f;
                free(f->owned);
                lx->n_frames--;
        }
        return NULL;
}

/* m4's $N, $#, $* and $@ in a definition, with args already unquoted. */
static int substitute(struct buf *out, const char *defn, size_t n, const char *name,
                      char *const *args, size_t n_args)
{
        const char *end = defn + n, *p = defn;
        while (p < end) {
                const char *d = memchr(p, '$', end - p);
                if (!d || d + 1 >= end) {
                        return buf_append(out, p, end - p);
                }
                if (buf_append(out, p, d - p) < 0)
                        return -ENOMEM;
                char c = d[1];
                if (isdigit((unsigned char) c)) {
                        size_t k = 0;
                        const char *q = d + 1;
                        while (q < end && isdigit((unsigned char) *q) && k < 100000)
                                k = k * 10 + (*q++ - '0');
                        const char *v = k == 0 ? name : (k <= n_args ? args[k - 1] : "");
                        if (buf_append(out, v, strlen(v)) < 0)
                                return -ENOMEM;
                        p = q;
                } else if (c == '#') {
                        char num[32];
                        int l = snprintf(num, sizeof(num), "%zu", n_args);
                        if (buf_append(out, num, l) < 0)
                                return -ENOMEM;
                        p = d + 2;
                } else if (c == '*' || c == '@') {
                        for (size_t i = 0; i < n_args; i++) {
                                if ((i > 0 && buf_putc(out, ',') < 0) ||
                                    (c == '@' && buf_putc(out, '`') < 0) ||
                                    buf_append(out, args[i], strlen(args[i])) < 0 ||
                                    (c == '@' && buf_putc(out, '\'') < 0))
                                        return -ENOMEM;
                        }
                        p = d + 2;
                } else {
                        if (buf_putc(out, '$') < 0)
                                return -ENOMEM;
                        p = d + 1;
                }
        }
        return 0;
}

enum builtin {
        BUILTIN_NONE,
        BUILTIN_DISCARD,  /* expands to nothing */
        BUILTIN_DNL,      /* discard through the end of the line */
        BUILTIN_FIRST,    /* expands to its first argument (gen_context) */
        BUILTIN_IFDEF,    /* ifdef/ifndef: either branch, both conditional */
        BUILTIN_IFELSE,   /* decided when the arguments are known */
        BUILTIN_OPTIONAL, /* optional_policy(a[, b]) */
        BUILTIN_TUNABLE,  /* tunable_policy(cond, a[, b]) */
};

static enum builtin builtin_of(const char *s, size_t n)
{
        static const struct {
                const char *name;
                enum builtin b;
        } table[] = {
                /* Requirements declare, they do not grant. */
                {"gen_require", BUILTIN_DISCARD},
                /* m4 housekeeping and diagnostics in refpolicy's macros. */
                {"refpolicywarn", BUILTIN_DISCARD},
                {"refpolicyerr", BUILTIN_DISCARD},
                {"define", BUILTIN_DISCARD},
                {"undefine", BUILTIN_DISCARD},
                {"pushdef", BUILTIN_DISCARD},
                {"popdef", BUILTIN_DISCARD},
                {"errprint", BUILTIN_DISCARD},
                {"divert", BUILTIN_DISCARD},
                {"undivert", BUILTIN_DISCARD},
                {"policy_m4_comment", BUILTIN_DISCARD},
                {"incr", BUILTIN_DISCARD},
                {"decr", BUILTIN_DISCARD},
                {"eval", BUILTIN_DISCARD},
                {"regexp", BUILTIN_DISCARD},
                {"patsubst", BUILTIN_DISCARD},
                {"translit", BUILTIN_DISCARD},
                {"substr", BUILTIN_DISCARD},
                {"shift", BUILTIN_DISCARD},
                {"declare_required_symbols", BUILTIN_DISCARD},
                /* Declarations a module makes, not grants to a caller. */
                {"gen_tunable", BUILTIN_DISCARD},
                {"gen_bool", BUILTIN_DISCARD},
                {"gen_user", BUILTIN_DISCARD},
                {"policy_module", BUILTIN_DISCARD},
                {"dnl", BUILTIN_DNL},
                {"gen_context", BUILTIN_FIRST},
                {"ifdef", BUILTIN_IFDEF},
                {"ifndef", BUILTIN_IFDEF},
                {"ifelse", BUILTIN_IFELSE},
                {"optional_policy", BUILTIN_OPTIONAL},
                {"tunable_policy", BUILTIN_TUNABLE},
        };
        if (n < 3 || n > 24)
                return BUILTIN_NONE;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].name[0] == s[0] && !strncmp(table[i].name, s, n) &&
                    table[i].name[n] == 0)
                        return table[i].b;
        return BUILTIN_NONE;
}

/* Words of the policy language that are written directly before '(' and
 * are not macro calls. */
static bool policy_paren_keyword(const char *s, size_t n)
{
        return (n == 2 && !memcmp(s, "if", 2)) || (n == 9 && !memcmp(s, "constrain", 9)) ||
               (n == 12 && !memcmp(s, "mlsconstrain", 12));
}

/* Whether ifelse's two strings compare equal: 1 yes, 0 no, -1 cannot tell
 * because a parameter was left symbolic ("$2"). */
static int ifelse_decide(const char *a, const char *b)
{
        if (!strcmp(a, b))
                return 1;
        bool sym_a = strchr(a, '$') != NULL, sym_b = strchr(b, '$') != NULL;
        if (!sym_a && !sym_b)
                return 0;
        /* A bound symbolic parameter is never empty. */
        if ((sym_a && !*b) || (sym_b && !*a))
                return 0;
        return -1;
}

static void record_unresolved(struct lexer *lx, const char *s, size_t n)
{
        /* Only names worth telling about: those shaped like interfaces. */
        if (lx->rb->unresolved.n < 256)
                (void) strvb_add(&lx->rb->unresolved, s, n);
}

static void ensure_expanded(struct iface_index *idx, struct macro_entry *m);

/* A call can reuse the callee's symbolic expansion when substituting the
 * arguments into its rules gives what rescanning its text would: every
 * argument is a plain name that is not itself a macro, none is missing, and
 * the callee neither pastes parameters into names nor looks at the argument
 * list as a whole. Interfaces only: support macros are also used inside
 * statements (perm sets), and are cheap to expand anyway. */
static bool call_can_reuse(struct lexer *lx, const struct macro_entry *m, char *const *args,
                           size_t n_args)
{
        if (!lx->use_cache || m->pub.kind != IFACE_KIND_INTERFACE || m->expanding ||
            m->concatenates || m->uses_all_args || n_args < m->max_dollar)
                return false;
        for (size_t i = 0; i < m->max_dollar; i++) {
                const char *a = args[i];
                if (!a || !*a)
                        return false;
                for (const char *c = a; *c; c++)
                        if (!is_name_char(*c) && *c != '$')
                                return false;
                size_t n = strlen(a);
                if (builtin_of(a, n) != BUILTIN_NONE || lookup_n(lx->idx, a, n))
                        return false;
        }
        return true;
}

/* s with $N replaced by args; *owned is set when a copy had to be made. */
static int subst_params(const char *s, char *const *args, size_t n_args, char **owned,
                        const char **out)
{
        *owned = NULL;
        if (!s || !strchr(s, '$')) {
                *out = s;
                return 0;
        }
        struct buf b = {0};
        if (substitute(&b, s, strlen(s), "", args, n_args) < 0) {
                buf_done(&b);
                return -ENOMEM;
        }
        *owned = b.s ? b.s : strdup("");
        if (!*owned)
                return -ENOMEM;
        *out = *owned;
        return 0;
}

/* Add a cached symbolic expansion's rules with the call's arguments. */
static int emit_expansion(struct lexer *lx, const struct macro_entry *m, char *const *args,
                          size_t n_args, bool cond)
{
        const struct atoms *atoms = &lx->idx->atoms;
        const struct compact_rules *cr = &m->rules;
        _cleanup_free_ char **perms = NULL;
        size_t cap_perms = 0;
        int r = 0;
        for (size_t i = 0; i < cr->n && r >= 0; i++) {
                const struct compact_rule *c = &cr->v[i];
                const atom_t *ids = cr->pool + c->first;
                char *own[5] = {0};
                struct iface_rule t = {.kind = c->kind,
                                       .via = atom_str(atoms, c->via),
                                       .conditional = c->conditional || cond || lx->stmt_cond};
                const char *src, *tgt, *cls, *dflt, *fname;
                struct strv_b excl = {0}, perm_own = {0};
                if ((r = subst_params(atom_str(atoms, c->source), args, n_args, &own[0], &src)) <
                            0 ||
                    (r = subst_params(atom_str(atoms, c->target), args, n_args, &own[1], &tgt)) <
                            0 ||
                    (r = subst_params(atom_str(atoms, c->tclass), args, n_args, &own[2], &cls)) <
                            0 ||
                    (r = subst_params(atom_str(atoms, c->default_type), args, n_args, &own[3],
                                      &dflt)) < 0 ||
                    (r = subst_params(atom_str(atoms, c->filename), args, n_args, &own[4],
                                      &fname)) < 0)
                        goto next;
                t.source = (char *) src;
                t.target = (char *) tgt;
                t.tclass = (char *) cls;
                t.default_type = (char *) dflt;
                t.filename = (char *) fname;
                for (size_t k = 0; k < c->n_excluded; k++) {
                        char *o;
                        const char *v;
                        if ((r = subst_params(atom_str(atoms, ids[c->n_perms + k]), args, n_args,
                                              &o, &v)) < 0 ||
                            (r = strvb_add(&excl, v, strlen(v))) < 0) {
                                free(o);
                                goto next;
                        }
                        free(o);
                }
                t.target_excluded = excl.v;
                if (c->n_perms > cap_perms) {
                        char **v = realloc(perms, c->n_perms * sizeof(char *));
                        if (!v) {
                                r = -ENOMEM;
                                goto next;
                        }
                        perms = v;
                        cap_perms = c->n_perms;
                }
                for (size_t k = 0; k < c->n_perms; k++) {
                        char *o;
                        const char *v;
                        if ((r = subst_params(atom_str(atoms, ids[k]), args, n_args, &o, &v)) < 0)
                                goto next;
                        bool copied = o != NULL;
                        if (copied && (r = strvb_add(&perm_own, o, strlen(o))) < 0) {
                                free(o);
                                goto next;
                        }
                        free(o);
                        perms[k] = copied ? perm_own.v[perm_own.n - 1] : (char *) v;
                }
                r = builder_add(lx->rb, &t, perms, c->n_perms);
        next:
                for (size_t k = 0; k < ELEMENTSOF(own); k++)
                        free(own[k]);
                strvb_done(&excl);
                strvb_done(&perm_own);
        }
        for (size_t k = 0; k < cr->n_unresolved; k++) {
                const char *u = atom_str(atoms, cr->unresolved[k]);
                record_unresolved(lx, u, strlen(u));
        }
        return r;
}

/* Collected arguments; entries may be taken (set to NULL) one by one. */
struct argv {
        char **v;
        size_t n;
};

static void argv_freep(struct argv *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
}

/* Expand a builtin or a macro from the index whose name was just read;
 * f->p is after the name. */
static int expand_call(struct lexer *lx, struct frame *f, enum builtin b,
                       const struct macro_entry *m)
{
        const char *via = f->via;
        bool cond = f->cond;
        _cleanup_(argv_freep) struct argv argv = {0};
        char **args;
        size_t n_args = 0;

        if (b == BUILTIN_DNL) {
                const char *nl = memchr(f->p, '\n', f->end - f->p);
                f->p = nl ? nl + 1 : f->end;
                return 0;
        }

        if (f->p < f->end && *f->p == '(') {
                const char *after;
                int r = collect_args(f->p + 1, f->end, &lx->args, &after);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* Unbalanced: m4 would read on; nothing sensible
                         * follows, so the rest of this text is dropped. */
                        f->p = f->end;
                        return 0;
                }
                f->p = after;
                argv.v = calloc(lx->args.n + 1, sizeof(char *));
                if (!argv.v)
                        return -ENOMEM;
                for (size_t i = 0; i < lx->args.n; i++) {
                        struct buf a = {0};
                        if (unquote_append(&a, lx->args.v[i].p, lx->args.v[i].n) < 0) {
                                buf_done(&a);
                                return -ENOMEM;
                        }
                        argv.v[i] = a.s ? a.s : strdup("");
                        if (!argv.v[i])
                                return -ENOMEM;
                        argv.n = ++n_args;
                }
        }
        args = argv.v;
        /* f may move once frames are pushed; only locals from here on. */
        f = NULL;

        if (m && call_can_reuse(lx, m, args, n_args)) {
                struct macro_entry *mm = (struct macro_entry *) m;
                ensure_expanded(lx->idx, mm);
                if (mm->expand_r == 0 && !mm->undecided)
                        return emit_expansion(lx, mm, args, n_args, cond);
        }
        if (m) {
                struct buf out = {0};
                if (substitute(&out, m->defn, m->defn_len, m->pub.name, args, n_args) < 0) {
                        buf_done(&out);
                        return -ENOMEM;
                }
                if (!out.s)
                        return 0;
                return push_frame(lx, out.s, out.s, out.len, m->pub.name, cond);
        }

        /* Branches are pushed last first, so the first is read first. */
        struct {
                size_t arg;
                bool cond;
        } push[64];
        size_t n_push = 0;
        switch (b) {
        case BUILTIN_FIRST:
                if (n_args >= 1)
                        push[n_push++] = (typeof(push[0])){0, cond};
                break;
        case BUILTIN_IFDEF:
                for (size_t i = 1; i < n_args && i <= 2; i++)
                        push[n_push++] = (typeof(push[0])){i, true};
                break;
        case BUILTIN_OPTIONAL:
                for (size_t i = 0; i < n_args && i <= 1; i++)
                        push[n_push++] = (typeof(push[0])){i, true};
                break;
        case BUILTIN_TUNABLE:
                for (size_t i = 1; i < n_args && i <= 2; i++)
                        push[n_push++] = (typeof(push[0])){i, true};
                break;
        case BUILTIN_IFELSE: {
                bool unsure = false;
                size_t i = 0;
                while (n_args - i >= 3 && n_push + 2 < ELEMENTSOF(push)) {
                        int d = ifelse_decide(args[i], args[i + 1]);
                        if (d < 0)
                                lx->undecided = true;
                        if (d == 1 && !unsure) {
                                push[n_push++] = (typeof(push[0])){i + 2, cond};
                                break;
                        }
                        if (d != 0) {
                                unsure = true;
                                push[n_push++] = (typeof(push[0])){i + 2, true};
                        }
                        if (n_args - i == 4) {
                                push[n_push++] = (typeof(push[0])){i + 3, unsure || cond};
                                break;
                        }
                        i += 3;
                }
                break;
        }
        default:
                break;
        }
        while (n_push > 0) {
                n_push--;
                char *text = TAKE_PTR(args[push[n_push].arg]);
                if (!text)
                        continue;
                int r = push_frame(lx, text, text, strlen(text), via, push[n_push].cond);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The next policy token, with macros expanded on the way. */
static int next_token(struct lexer *lx, struct token *t)
{
        buf_clear(&lx->word);
        bool in_word = false;
        *t = (struct token){.type = TOK_EOF};

        for (;;) {
                struct frame *f = top_frame(lx);
                if (!f)
                        break;
                char c = *f->p;
                if (is_blank(c)) {
                        if (in_word)
                                break;
                        f->p++;
                        continue;
                }
                if (c == '#') {
                        if (in_word)
                                break;
                        const char *nl = memchr(f->p, '\n', f->end - f->p);
                        f->p = nl ? nl + 1 : f->end;
                        continue;
                }
                if (c == '`') {
                        /* Quoted text outside an argument: read it as policy. */
                        bool terminated;
                        const char *q = skip_quoted_ex(f->p, f->end, &terminated);
                        const char *inner = f->p + 1;
                        size_t n = (size_t) ((terminated ? q - 1 : q) - inner);
                        const char *via = f->via;
                        bool cond = f->cond;
                        f->p = q;
                        if (n > 0) {
                                int r = push_frame(lx, NULL, inner, n, via, cond);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (c == '\'') { /* a stray closing quote */
                        f->p++;
                        continue;
                }
                if (c == '"') {
                        if (in_word)
                                break;
                        const char *q = memchr(f->p + 1, '"', f->end - f->p - 1);
                        const char *stop = q ? q : f->end;
                        if (buf_append(&lx->word, f->p + 1, stop - f->p - 1) < 0)
                                return -ENOMEM;
                        *t = (struct token){TOK_STRING, 0, lx->word.s ? lx->word.s : "", f->cond,
                                            f->via};
                        f->p = q ? q + 1 : f->end;
                        return 0;
                }
                if (strchr("{}:;(),~", c)) {
                        if (in_word)
                                break;
                        *t = (struct token){TOK_PUNCT, c, NULL, f->cond, f->via};
                        f->p++;
                        return 0;
                }
                if (is_name_start(c)) {
                        const char *name = f->p, *q = f->p;
                        while (q < f->end && is_name_char(*q))
                                q++;
                        size_t n = q - name;
                        enum builtin b = builtin_of(name, n);
                        const struct macro_entry *m =
                                b == BUILTIN_NONE ? lookup_n(lx->idx, name, n) : NULL;
                        if (b != BUILTIN_NONE || m) {
                                f->p = q;
                                int r = expand_call(lx, f, b, m);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (q < f->end && *q == '(' && !policy_paren_keyword(name, n)) {
                                /* A call to something the index lacks. */
                                record_unresolved(lx, name, n);
                                const char *after;
                                int r = collect_args(q + 1, f->end, &lx->args, &after);
                                if (r == -ENOMEM)
                                        return r;
                                f->p = r < 0 ? f->end : after;
                                continue;
                        }
                        if (!in_word) {
                                t->cond = f->cond;
                                t->via = f->via;
                        }
                        if (buf_append(&lx->word, name, n) < 0)
                                return -ENOMEM;
                        in_word = true;
                        f->p = q;
                        continue;
                }
                if (!in_word) {
                        t->cond = f->cond;
                        t->via = f->via;
                }
                if (buf_putc(&lx->word, c) < 0)
                        return -ENOMEM;
                in_word = true;
                f->p++;
        }
        if (in_word) {
                t->type = TOK_WORD;
                t->text = lx->word.s;
        }
        return 0;
}

/* ---- the policy-language layer -------------------------------------------- */

static bool tok_is(const struct token *t, char punct)
{
        return t->type == TOK_PUNCT && t->punct == punct;
}

/* Skip to the end of the statement. */
static int skip_statement(struct lexer *lx, struct token *t)
{
        while (t->type != TOK_EOF && !tok_is(t, ';')) {
                int r = next_token(lx, t);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A set: WORD, `*`, `~SET` or `{ … }` (nested braces flattened, `-x`
 * collected into neg). Returns 1 if the syntax did not fit, leaving the
 * offending token in *t. */
static int parse_set(struct lexer *lx, struct token *t, struct strv_b *pos, struct strv_b *neg,
                     bool *complement)
{
        int r = next_token(lx, t);
        if (r < 0)
                return r;
        while (tok_is(t, '~')) {
                *complement = true;
                if ((r = next_token(lx, t)) < 0)
                        return r;
        }
        if (t->type == TOK_WORD) {
                if (t->text[0] == '-')
                        return strvb_add(neg, t->text + 1, strlen(t->text + 1));
                return strvb_add(pos, t->text, strlen(t->text));
        }
        if (!tok_is(t, '{'))
                return 1;
        unsigned depth = 1;
        for (;;) {
                r = next_token(lx, t);
                if (r < 0)
                        return r;
                if (t->type == TOK_EOF || tok_is(t, ';'))
                        return 1;
                if (tok_is(t, '{'))
                        depth++;
                else if (tok_is(t, '}')) {
                        if (--depth == 0)
                                return 0;
                } else if (tok_is(t, '~'))
                        *complement = true;
                else if (t->type == TOK_WORD) {
                        r = t->text[0] == '-' ? strvb_add(neg, t->text + 1, strlen(t->text + 1))
                                              : strvb_add(pos, t->text, strlen(t->text));
                        if (r < 0)
                                return r;
                }
        }
}

struct stmt_sets {
        struct strv_b src, tgt, cls, perms, neg, junk;
};

static void stmt_sets_clear(struct stmt_sets *s)
{
        strvb_clear(&s->src);
        strvb_clear(&s->tgt);
        strvb_clear(&s->cls);
        strvb_clear(&s->perms);
        strvb_clear(&s->neg);
        strvb_clear(&s->junk);
}

static void stmt_sets_done(struct stmt_sets *s)
{
        strvb_done(&s->src);
        strvb_done(&s->tgt);
        strvb_done(&s->cls);
        strvb_done(&s->perms);
        strvb_done(&s->neg);
        strvb_done(&s->junk);
}

static int expect(struct lexer *lx, struct token *t, char punct)
{
        int r = next_token(lx, t);
        if (r < 0)
                return r;
        return tok_is(t, punct) ? 0 : 1;
}

/* allow/auditallow/dontaudit/neverallow SRC TGT:CLS PERMS; and
 * type_transition/change/member SRC TGT:CLS DEFAULT ["name"]; */
static int parse_te_rule(struct lexer *lx, struct stmt_sets *s, enum iface_rule_kind kind,
                         bool cond, const char *via)
{
        struct token t;
        bool complement = false, perm_all = false;
        _cleanup_free_ char *dflt = NULL, *fname = NULL;
        int r;

        stmt_sets_clear(s);
        if ((r = parse_set(lx, &t, &s->src, &s->junk, &complement)) != 0 ||
            (r = parse_set(lx, &t, &s->tgt, &s->neg, &complement)) != 0 ||
            (r = expect(lx, &t, ':')) != 0 ||
            (r = parse_set(lx, &t, &s->cls, &s->junk, &complement)) != 0)
                goto syntax;
        if (is_av_kind(kind)) {
                complement = false;
                if ((r = parse_set(lx, &t, &s->perms, &s->junk, &complement)) != 0)
                        goto syntax;
                perm_all = complement || strv_contains(s->perms.v, "*");
                if ((r = expect(lx, &t, ';')) != 0)
                        goto syntax;
        } else {
                if ((r = next_token(lx, &t)) < 0)
                        return r;
                if (t.type != TOK_WORD)
                        goto syntax;
                dflt = strdup(t.text);
                if (!dflt)
                        return -ENOMEM;
                if ((r = next_token(lx, &t)) < 0)
                        return r;
                if (t.type == TOK_STRING || t.type == TOK_WORD) {
                        fname = strdup(t.text);
                        if (!fname)
                                return -ENOMEM;
                        if ((r = next_token(lx, &t)) < 0)
                                return r;
                }
                if (!tok_is(&t, ';')) {
                        r = 1;
                        goto syntax;
                }
        }

        size_t n_neg = strv_sort_unique(s->neg.v, s->neg.n);
        s->neg.n = n_neg;
        char *const all[] = {"*"};
        for (size_t i = 0; i < s->src.n; i++)
                for (size_t j = 0; j < s->tgt.n; j++)
                        for (size_t k = 0; k < s->cls.n; k++) {
                                struct iface_rule tmpl = {
                                        .kind = kind,
                                        .source = s->src.v[i],
                                        .target = s->tgt.v[j],
                                        .tclass = s->cls.v[k],
                                        .default_type = dflt,
                                        .filename = fname,
                                        .target_excluded = n_neg ? s->neg.v : NULL,
                                        .conditional = cond,
                                        .via = via,
                                };
                                r = perm_all ? builder_add(lx->rb, &tmpl, all, 1)
                                             : builder_add(lx->rb, &tmpl, s->perms.v, s->perms.n);
                                if (r < 0)
                                        return r;
                        }
        return 0;
syntax:
        if (r < 0)
                return r;
        /* Not a rule after all (a broken or unusual statement): skip it. */
        return skip_statement(lx, &t);
}

/* typeattribute T a, b;  roleattribute R a, b;  role R [types SET]; */
static int parse_attr_rule(struct lexer *lx, struct stmt_sets *s, enum iface_rule_kind kind,
                           bool cond, const char *via)
{
        struct token t;
        bool complement = false;
        int r;

        stmt_sets_clear(s);
        if ((r = parse_set(lx, &t, &s->src, &s->junk, &complement)) != 0)
                goto syntax;
        if ((r = next_token(lx, &t)) < 0)
                return r;
        if (kind == IFACE_RULE_ROLE_TYPES) {
                if (tok_is(&t, ';'))
                        return 0; /* a role declaration */
                if (t.type != TOK_WORD || strcmp(t.text, "types")) {
                        r = 1;
                        goto syntax;
                }
                if ((r = parse_set(lx, &t, &s->tgt, &s->neg, &complement)) != 0 ||
                    (r = expect(lx, &t, ';')) != 0)
                        goto syntax;
        } else {
                for (;;) {
                        if (t.type != TOK_WORD) {
                                r = 1;
                                goto syntax;
                        }
                        if ((r = strvb_add(&s->tgt, t.text, strlen(t.text))) < 0)
                                return r;
                        if ((r = next_token(lx, &t)) < 0)
                                return r;
                        if (tok_is(&t, ';'))
                                break;
                        if (!tok_is(&t, ',')) {
                                r = 1;
                                goto syntax;
                        }
                        if ((r = next_token(lx, &t)) < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < s->src.n; i++)
                for (size_t j = 0; j < s->tgt.n; j++) {
                        struct iface_rule tmpl = {.kind = kind,
                                                  .source = s->src.v[i],
                                                  .target = s->tgt.v[j],
                                                  .conditional = cond,
                                                  .via = via};
                        if ((r = builder_add(lx->rb, &tmpl, NULL, 0)) < 0)
                                return r;
                }
        return 0;
syntax:
        if (r < 0)
                return r;
        return skip_statement(lx, &t);
}

static int skip_block(struct lexer *lx)
{
        struct token t;
        unsigned depth = 1;
        while (depth > 0) {
                int r = next_token(lx, &t);
                if (r < 0)
                        return r;
                if (t.type == TOK_EOF)
                        return 0;
                if (tok_is(&t, '{'))
                        depth++;
                else if (tok_is(&t, '}'))
                        depth--;
        }
        return 0;
}

static int parse_statements(struct lexer *lx)
{
        static const struct {
                const char *kw;
                enum iface_rule_kind kind;
        } te[] = {
                {"allow", IFACE_RULE_ALLOW},
                {"auditallow", IFACE_RULE_AUDITALLOW},
                {"dontaudit", IFACE_RULE_DONTAUDIT},
                {"neverallow", IFACE_RULE_NEVERALLOW},
                {"type_transition", IFACE_RULE_TYPE_TRANSITION},
                {"type_change", IFACE_RULE_TYPE_CHANGE},
                {"type_member", IFACE_RULE_TYPE_MEMBER},
                {"typeattribute", IFACE_RULE_TYPEATTRIBUTE},
                {"roleattribute", IFACE_RULE_ROLEATTRIBUTE},
                {"role", IFACE_RULE_ROLE_TYPES},
        };
        /* Open `{` blocks at statement level: true when conditional. */
        bool blocks[BLOCK_MAX_DEPTH];
        size_t n_blocks = 0, n_cond_blocks = 0;
        _cleanup_(stmt_sets_done) struct stmt_sets sets = {0};
        struct token t;
        int r;

        for (;;) {
                if ((r = next_token(lx, &t)) < 0)
                        return r;
                if (t.type == TOK_EOF)
                        return 0;
                if (tok_is(&t, '}')) {
                        if (n_blocks > 0 && blocks[--n_blocks])
                                n_cond_blocks--;
                        lx->stmt_cond = n_cond_blocks > 0;
                        continue;
                }
                if (t.type != TOK_WORD)
                        continue;
                bool cond = t.cond || n_cond_blocks > 0;
                const char *via = t.via;
                bool handled = false;
                for (size_t i = 0; i < ELEMENTSOF(te); i++) {
                        if (strcmp(t.text, te[i].kw))
                                continue;
                        handled = true;
                        if (te[i].kind <= IFACE_RULE_TYPE_MEMBER)
                                r = parse_te_rule(lx, &sets, te[i].kind, cond, via);
                        else
                                r = parse_attr_rule(lx, &sets, te[i].kind, cond, via);
                        if (r < 0)
                                return r;
                        break;
                }
                if (handled)
                        continue;
                if (!strcmp(t.text, "require")) {
                        if ((r = next_token(lx, &t)) < 0)
                                return r;
                        if (tok_is(&t, '{') && (r = skip_block(lx)) < 0)
                                return r;
                        continue;
                }
                bool is_if = !strcmp(t.text, "if");
                if (is_if || !strcmp(t.text, "else") || !strcmp(t.text, "optional")) {
                        /* Conditional blocks: what is inside may not apply. */
                        do {
                                if ((r = next_token(lx, &t)) < 0)
                                        return r;
                        } while (is_if && t.type != TOK_EOF && !tok_is(&t, '{') &&
                                 !tok_is(&t, ';'));
                        if (tok_is(&t, '{') && n_blocks < BLOCK_MAX_DEPTH) {
                                blocks[n_blocks++] = true;
                                n_cond_blocks++;
                                lx->stmt_cond = true;
                        }
                        continue;
                }
                static const char *const declarations[] = {
                        "type",
                        "attribute",
                        "typealias",
                        "bool",
                        "class",
                        "permissive",
                        "attribute_role",
                        "sid",
                        "allowxperm",
                        "auditallowxperm",
                        "dontauditxperm",
                        "neverallowxperm",
                        "role_transition",
                        "range_transition",
                        "constrain",
                        "mlsconstrain",
                        "validatetrans",
                        "mlsvalidatetrans",
                        "genfscon",
                        "portcon",
                        "user",
                        "dominance",
                        "sensitivity",
                        "category",
                        "level",
                        "typebounds",
                        "expandattribute",
                };
                for (size_t i = 0; i < ELEMENTSOF(declarations); i++)
                        if (!strcmp(t.text, declarations[i])) {
                                if ((r = skip_statement(lx, &t)) < 0)
                                        return r;
                                break;
                        }
        }
}

static int expand_entry(struct iface_index *idx, const struct macro_entry *m,
                        const char *const *args, size_t n_args, bool use_cache, bool *undecided,
                        struct iface_rules *ret, struct planet_error *err)
{
        _cleanup_strv_free_ char **sym = NULL;
        if (!args) {
                /* Symbolic: every parameter the definition or its doc knows
                 * stays "$N" in the rules. */
                size_t n = m->max_dollar > m->pub.n_params ? m->max_dollar : m->pub.n_params;
                sym = calloc(n + 1, sizeof(char *));
                if (!sym)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        if (asprintf(&sym[i], "$%zu", i + 1) < 0)
                                return -ENOMEM;
                args = (const char *const *) sym;
                n_args = n;
        }

        struct rules_builder rb = {0};
        struct lexer lx = {
                .idx = idx, .root = m->pub.name, .rb = &rb, .err = err, .use_cache = use_cache};
        struct buf text = {0};
        int r = substitute(&text, m->defn, m->defn_len, m->pub.name, (char *const *) args, n_args);
        if (r >= 0 && text.s) {
                r = push_frame(&lx, text.s, text.s, text.len, m->pub.name, false);
                text = (struct buf){0};
        }
        buf_done(&text);
        if (r >= 0)
                r = parse_statements(&lx);
        if (undecided)
                *undecided = lx.undecided;
        lexer_done(&lx);
        if (r == -E2BIG && rb.n >= EXPAND_MAX_RULES)
                r = planet_error_set(err, E2BIG, "expanding %s: more than %u rules", m->pub.name,
                                     EXPAND_MAX_RULES);
        if (r < 0) {
                builder_done(&rb);
                if (r == -ENOMEM)
                        return planet_error_set(err, ENOMEM, "out of memory expanding %s",
                                                m->pub.name);
                return r;
        }
        return builder_finish(&rb, ret);
}

int iface_expand(struct iface_index *idx, const char *name, const char *const *args, size_t n_args,
                 struct iface_rules *ret, struct planet_error *err)
{
        return iface_expand_flags(idx, name, args, n_args, 0, ret, err);
}

int iface_expand_flags(struct iface_index *idx, const char *name, const char *const *args,
                       size_t n_args, unsigned flags, struct iface_rules *ret,
                       struct planet_error *err)
{
        const struct macro_entry *m = lookup_n(idx, name, strlen(name));
        if (!m)
                return planet_error_set(err, ENOENT,
                                        "%s is not an interface, template or support macro in "
                                        "the index; try 'planet-selinux iface find %s'",
                                        name, name);
        return expand_entry(idx, m, args, args ? n_args : 0, !(flags & IFACE_EXPAND_TEXTUAL), NULL,
                            ret, err);
}

/* ---- suggestions ------------------------------------------------------------ */

bool iface_perm_is_write(const char *perm)
{
        /* What changes an object, its name, its label or another process:
         * the permissions setools' default permission map counts as write
         * flows, cut down to what interfaces actually grant. */
        static const char *const writes[] = {
                "*",           "write",        "append",          "create",
                "unlink",      "link",         "rename",          "setattr",
                "add_name",    "remove_name",  "reparent",        "rmdir",
                "relabelfrom", "relabelto",    "mounton",         "swapon",
                "quotaon",     "execmod",      "setcurrent",      "setexec",
                "setfscreate", "setkeycreate", "setsockcreate",   "ptrace",
                "signal",      "sigkill",      "sigstop",         "setsched",
                "setrlimit",   "setpgid",      "dyntransition",   "connectto",
                "sendto",      "send_msg",     "write_file",      "manage",
                "delete",      "set_params",   "setbool",         "load_policy",
                "setenforce",  "setsecparam",  "setcheckreqprot", "mount",
                "remount",     "unmount",      "relabel",         "setopt",
                "setcontext",  "associate",    "destroy",         "enqueue",
                "unix_write",  "sys_admin",    "dac_override",
        };
        for (size_t i = 0; i < ELEMENTSOF(writes); i++)
                if (!strcmp(perm, writes[i]))
                        return true;
        return false;
}

/* The cached form of an expansion: names interned, arrays sized exactly. */
static int compact_rules(struct atoms *atoms, const struct iface_rules *rules,
                         struct compact_rules *ret)
{
        struct compact_rules c = {0};
        size_t n_pool = 0;
        for (size_t i = 0; i < rules->n_rules; i++) {
                const struct iface_rule *r = &rules->rules[i];
                size_t n_perms = 0, n_excl = 0;
                STRV_FOREACH (p, r->perms)
                        n_perms++;
                STRV_FOREACH (x, r->target_excluded)
                        n_excl++;
                if (n_perms > UINT16_MAX || n_excl > UINT16_MAX)
                        return -E2BIG;
                n_pool += n_perms + n_excl;
        }
        if (n_pool > UINT32_MAX)
                return -E2BIG;
        c.v = calloc(rules->n_rules ? rules->n_rules : 1, sizeof(*c.v));
        c.pool = malloc((n_pool ? n_pool : 1) * sizeof(*c.pool));
        int r = c.v && c.pool ? 0 : -ENOMEM;
        size_t used = 0;
        for (size_t i = 0; i < rules->n_rules && r >= 0; i++) {
                const struct iface_rule *rule = &rules->rules[i];
                struct compact_rule *cr = &c.v[i];
                cr->kind = rule->kind;
                cr->conditional = rule->conditional;
                cr->first = (uint32_t) used;
                if ((r = atom_intern(atoms, rule->source, &cr->source)) < 0 ||
                    (r = atom_intern(atoms, rule->target, &cr->target)) < 0 ||
                    (r = atom_intern(atoms, rule->tclass, &cr->tclass)) < 0 ||
                    (r = atom_intern(atoms, rule->default_type, &cr->default_type)) < 0 ||
                    (r = atom_intern(atoms, rule->filename, &cr->filename)) < 0 ||
                    (r = atom_intern(atoms, rule->via, &cr->via)) < 0)
                        break;
                STRV_FOREACH (p, rule->perms) {
                        if ((r = atom_intern(atoms, *p, &c.pool[used++])) < 0)
                                break;
                        cr->n_perms++;
                }
                STRV_FOREACH (x, rule->target_excluded) {
                        if (r < 0 || (r = atom_intern(atoms, *x, &c.pool[used++])) < 0)
                                break;
                        cr->n_excluded++;
                }
        }
        c.n = rules->n_rules;
        STRV_FOREACH (u, rules->unresolved)
                c.n_unresolved++;
        if (r >= 0 && c.n_unresolved) {
                c.unresolved = calloc(c.n_unresolved, sizeof(*c.unresolved));
                r = c.unresolved ? 0 : -ENOMEM;
                for (size_t k = 0; r >= 0 && k < c.n_unresolved; k++)
                        r = atom_intern(atoms, rules->unresolved[k], &c.unresolved[k]);
        }
        if (r < 0) {
                compact_rules_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static void ensure_expanded(struct iface_index *idx, struct macro_entry *m)
{
        if (m->expanded)
                return;
        struct planet_error e = {0};
        struct iface_rules rules = {0};
        /* An interface that cannot be expanded is simply not offered. */
        m->expanding = true;
        m->expand_r = expand_entry(idx, m, NULL, 0, true, &m->undecided, &rules, &e);
        m->expanding = false;
        planet_error_clear(&e);
        m->expanded = true;
        for (size_t k = 0; k < rules.n_rules; k++) {
                const struct iface_rule *rule = &rules.rules[k];
                if (rule->kind != IFACE_RULE_ALLOW)
                        continue;
                STRV_FOREACH (p, rule->perms) {
                        m->total_perms++;
                        if (iface_perm_is_write(*p))
                                m->grants_write = true;
                }
        }
        if (m->expand_r >= 0)
                m->expand_r = compact_rules(&idx->atoms, &rules, &m->rules);
        rules_free_contents(&rules);
}

static bool is_sure_grant(const struct compact_rule *c, atom_t dollar1)
{
        return c->kind == IFACE_RULE_ALLOW && !c->conditional && c->source == dollar1 &&
               dollar1 != 0;
}

/* Expand every interface once and invert: target name → interfaces. */
static int grant_index_build(struct iface_index *idx)
{
        struct grant_index *g = &idx->grants;
        if (g->built)
                return 0;
        grant_index_done(g);
        for (size_t i = 0; i < idx->n_macros; i++)
                if (idx->macros[i]->pub.kind == IFACE_KIND_INTERFACE)
                        ensure_expanded(idx, idx->macros[i]);
        if (idx->n_macros > UINT32_MAX)
                return -E2BIG;
        atom_t dollar1 = atom_find(&idx->atoms, "$1");
        size_t n_keys = idx->atoms.n + 1; /* ids 1…n */
        uint32_t *start = calloc(n_keys + 1, sizeof(*start));
        /* The last interface posted under each key, + 1: an interface
         * that grants on one target in several rules is posted once. */
        _cleanup_free_ uint32_t *last = calloc(n_keys, sizeof(*last));
        if (!start || !last) {
                free(start);
                return -ENOMEM;
        }
        /* Count, then fill: one posting per (target, interface). */
        for (int pass = 0; pass < 2; pass++) {
                memset(last, 0, n_keys * sizeof(*last));
                for (size_t i = 0; i < idx->n_macros; i++) {
                        const struct macro_entry *m = idx->macros[i];
                        if (m->pub.kind != IFACE_KIND_INTERFACE || m->expand_r < 0)
                                continue;
                        for (size_t k = 0; k < m->rules.n; k++) {
                                const struct compact_rule *c = &m->rules.v[k];
                                if (!is_sure_grant(c, dollar1) || last[c->target] == i + 1)
                                        continue;
                                last[c->target] = (uint32_t) i + 1;
                                if (pass == 0)
                                        start[c->target + 1]++;
                                else
                                        g->macro[start[c->target]++] = (uint32_t) i;
                        }
                }
                if (pass == 0) {
                        for (size_t k = 0; k < n_keys; k++)
                                start[k + 1] += start[k];
                        g->macro = malloc((start[n_keys] ? start[n_keys] : 1) * sizeof(*g->macro));
                        if (!g->macro) {
                                free(start);
                                return -ENOMEM;
                        }
                }
        }
        /* The fill pass advanced each start to the next key's; shift back. */
        memmove(start + 1, start, n_keys * sizeof(*start));
        start[0] = 0;
        g->start = start;
        g->n_keys = n_keys;
        g->built = true;
        return 0;
}

static int cmp_atom(const void *a, const void *b)
{
        atom_t x = *(const atom_t *) a, y = *(const atom_t *) b;
        return x < y ? -1 : x > y;
}

/* The posting keys that type_matches accepts for type (attributes it
 * belongs to, and the type itself), computed once per type. */
static int attribute_keys(struct iface_index *idx, const char *type,
                          const struct iface_suggest_options *opts, const struct attr_keys **ret)
{
        struct grant_index *g = &idx->grants;
        if (g->matcher != opts->type_matches || g->matcher_data != opts->userdata) {
                for (size_t i = 0; i < g->n_attr; i++) {
                        free(g->attr[i].type);
                        free(g->attr[i].keys);
                }
                g->n_attr = 0;
                g->matcher = opts->type_matches;
                g->matcher_data = opts->userdata;
        }
        for (size_t i = 0; i < g->n_attr; i++)
                if (!strcmp(g->attr[i].type, type)) {
                        *ret = &g->attr[i];
                        return 0;
                }
        if (ARRAY_RESERVE(g->attr, g->cap_attr, g->n_attr + 1) < 0)
                return -ENOMEM;
        struct attr_keys e = {.type = strdup(type)};
        if (!e.type)
                return -ENOMEM;
        size_t cap = 0;
        for (atom_t k = 1; k < g->n_keys; k++) {
                const char *name = atom_str(&idx->atoms, k);
                if (g->start[k + 1] == g->start[k] || name[0] == '$' ||
                    !opts->type_matches(type, name, opts->userdata))
                        continue;
                if (ARRAY_RESERVE(e.keys, cap, e.n + 1) < 0) {
                        free(e.keys);
                        free(e.type);
                        return -ENOMEM;
                }
                e.keys[e.n++] = k;
        }
        g->attr[g->n_attr] = e;
        *ret = &g->attr[g->n_attr++];
        return 0;
}

void iface_suggestions_free(struct iface_suggestion *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(s[i].call);
                free(s[i].why);
        }
        free(s);
}

enum match_kind {
        MATCH_NONE,
        MATCH_EXACT,
        MATCH_SELF,
        MATCH_ATTRIBUTE,
};

/* How a cached rule's target matches the needed one. attr holds the keys
 * type_matches accepted for the needed target (NULL: none asked). */
static enum match_kind target_match(const struct iface_index *idx, const struct compact_rules *rs,
                                    const struct compact_rule *rule,
                                    const struct iface_access *need, const struct attr_keys *attr)
{
        const char *target = atom_str(&idx->atoms, rule->target);
        const atom_t *excluded = rs->pool + rule->first + rule->n_perms;
        for (size_t k = 0; k < rule->n_excluded; k++)
                if (!strcmp(atom_str(&idx->atoms, excluded[k]), need->target))
                        return MATCH_NONE;
        if (!strcmp(target, need->target))
                return MATCH_EXACT;
        if ((!strcmp(target, "self") || !strcmp(target, "$1")) &&
            !strcmp(need->target, need->source))
                return MATCH_SELF;
        if (target[0] != '$' && attr &&
            bsearch(&rule->target, attr->keys, attr->n, sizeof(atom_t), cmp_atom))
                return MATCH_ATTRIBUTE;
        return MATCH_NONE;
}

struct ranked {
        struct iface_suggestion s;
        enum match_kind match;
};

static int cmp_ranked(const void *a, const void *b)
{
        const struct ranked *x = a, *y = b;
        if (x->match != y->match)
                return x->match < y->match ? -1 : 1;
        if (x->s.unbound_params != y->s.unbound_params)
                return x->s.unbound_params < y->s.unbound_params ? -1 : 1;
        if (x->s.extra_on_target != y->s.extra_on_target)
                return x->s.extra_on_target < y->s.extra_on_target ? -1 : 1;
        if (x->s.extra_total != y->s.extra_total)
                return x->s.extra_total < y->s.extra_total ? -1 : 1;
        return strcmp(x->s.macro->name, y->s.macro->name);
}

/* "files_pid_filetrans(myapp_t, <private type>, <object>)" */
static char *format_call(const struct macro_entry *m, const char *source, unsigned *unbound)
{
        size_t n = m->max_dollar > m->pub.n_params ? m->max_dollar : m->pub.n_params;
        struct memstream ms;
        FILE *f = memstream_open(&ms);
        if (!f)
                return NULL;
        *unbound = 0;
        fprintf(f, "%s(%s", m->pub.name, source);
        for (size_t i = 1; i < n; i++) {
                const struct iface_param *p = i < m->pub.n_params ? &m->pub.params[i] : NULL;
                if (p && p->optional)
                        continue;
                (*unbound)++;
                if (p && p->name)
                        fprintf(f, ", <%s>", p->name);
                else
                        fprintf(f, ", <$%zu>", i + 1);
        }
        fputc(')', f);
        return memstream_take(&ms);
}

static char *format_why(const struct macro_entry *m, const struct iface_access *need,
                        enum match_kind match, const char *attribute, const char *const *granted,
                        size_t n_granted, const char *via_first, size_t extra_on_target,
                        size_t extra_total)
{
        struct memstream ms;
        FILE *f = memstream_open(&ms);
        if (!f)
                return NULL;
        fprintf(f, "grants %s:%s {", need->target, need->tclass);
        for (size_t i = 0; i < n_granted; i++)
                fprintf(f, " %s", granted[i]);
        fputs(" }", f);
        if (via_first && strcmp(via_first, m->pub.name))
                fprintf(f, " via %s", via_first);
        if (match == MATCH_EXACT)
                fputs("; names the type itself", f);
        else if (match == MATCH_SELF)
                fputs("; through self", f);
        else
                fprintf(f, "; through attribute %s, which %s belongs to",
                        attribute ? attribute : "?", need->target);
        if (extra_on_target)
                fprintf(f, "; %zu permission%s beyond the needed on %s:%s", extra_on_target,
                        extra_on_target == 1 ? "" : "s", need->target, need->tclass);
        if (extra_total)
                fprintf(f, "; %zu more elsewhere", extra_total);
        else
                fputs("; nothing else", f);
        if (m->pub.infoflow == IFACE_INFOFLOW_READ)
                fputs("; documented as a read flow", f);
        return memstream_take(&ms);
}

/* A rule that can grant the needed access, and how its target matched. */
struct usable_rule {
        const struct compact_rule *rule;
        enum match_kind match;
};

static bool rule_grants(const struct compact_rules *rs, const struct compact_rule *rule,
                        atom_t perm, atom_t star)
{
        const atom_t *ids = rs->pool + rule->first;
        for (size_t k = 0; k < rule->n_perms; k++)
                if ((perm && ids[k] == perm) || (star && ids[k] == star))
                        return true;
        return false;
}

static int add_postings(const struct grant_index *g, atom_t key, uint32_t **v, size_t *n,
                        size_t *cap)
{
        if (key == 0 || key >= g->n_keys)
                return 0;
        size_t add = g->start[key + 1] - g->start[key];
        if (add == 0)
                return 0;
        if (ARRAY_RESERVE(*v, *cap, *n + add) < 0)
                return -ENOMEM;
        memcpy(*v + *n, g->macro + g->start[key], add * sizeof(**v));
        *n += add;
        return 0;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

/* The interfaces whose sure rules name the target, self/$1 for a self
 * access, or an attribute of the target: ascending, unique. */
static int candidates(struct iface_index *idx, const struct iface_access *need,
                      const struct attr_keys *attr, uint32_t **ret, size_t *n_ret)
{
        const struct grant_index *g = &idx->grants;
        _cleanup_free_ uint32_t *v = NULL;
        size_t n = 0, cap = 0;
        int r = add_postings(g, atom_find(&idx->atoms, need->target), &v, &n, &cap);
        if (r >= 0 && !strcmp(need->target, need->source)) {
                r = add_postings(g, atom_find(&idx->atoms, "self"), &v, &n, &cap);
                if (r >= 0)
                        r = add_postings(g, atom_find(&idx->atoms, "$1"), &v, &n, &cap);
        }
        for (size_t k = 0; r >= 0 && attr && k < attr->n; k++)
                r = add_postings(g, attr->keys[k], &v, &n, &cap);
        if (r < 0)
                return r;
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_u32);
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
                if (w == 0 || v[w - 1] != v[i])
                        v[w++] = v[i];
        *ret = TAKE_PTR(v);
        *n_ret = w;
        return 0;
}

int iface_suggest(struct iface_index *idx, const struct iface_access *need,
                  const struct iface_suggest_options *opts, struct iface_suggestion **ret,
                  size_t *n_ret, struct planet_error *err)
{
        if (!need || !need->source || !need->target || !need->tclass || need->n_perms == 0)
                return planet_error_set(err, EINVAL,
                                        "an interface suggestion needs a source type, a target "
                                        "type, a class and at least one permission");
        bool need_write = false;
        for (size_t i = 0; i < need->n_perms; i++)
                if (iface_perm_is_write(need->perms[i]))
                        need_write = true;

        /* The first call expands every interface and inverts the result;
         * each access is then a lookup of its target and attributes. */
        int r = grant_index_build(idx);
        const struct attr_keys *attr = NULL;
        if (r >= 0 && opts && opts->type_matches)
                r = attribute_keys(idx, need->target, opts, &attr);
        _cleanup_free_ uint32_t *cand = NULL;
        size_t n_cand = 0;
        if (r >= 0)
                r = candidates(idx, need, attr, &cand, &n_cand);
        _cleanup_free_ atom_t *need_perms = calloc(need->n_perms, sizeof(atom_t));
        if (r < 0 || !need_perms)
                return planet_error_set(err, r < 0 ? -r : ENOMEM,
                                        "out of memory ranking interfaces");
        for (size_t p = 0; p < need->n_perms; p++)
                need_perms[p] = atom_find(&idx->atoms, need->perms[p]);
        atom_t need_class = atom_find(&idx->atoms, need->tclass);
        atom_t dollar1 = atom_find(&idx->atoms, "$1"), star = atom_find(&idx->atoms, "*");

        struct ranked *out = NULL;
        size_t n_out = 0, cap = 0;
        _cleanup_free_ const char **granted = NULL;
        size_t cap_granted = 0;
        _cleanup_free_ struct usable_rule *usable = NULL;
        size_t cap_usable = 0;

        for (size_t ci = 0; ci < n_cand && need_class; ci++) {
                struct macro_entry *m = idx->macros[cand[ci]];
                if (m->grants_write && !need_write)
                        continue;

                /* The sure (unconditional) allow rules with $1 as source on
                 * the class, each with how its target matches. */
                size_t n_usable = 0;
                for (size_t k = 0; k < m->rules.n; k++) {
                        const struct compact_rule *rule = &m->rules.v[k];
                        if (!is_sure_grant(rule, dollar1) || rule->tclass != need_class)
                                continue;
                        enum match_kind mk = target_match(idx, &m->rules, rule, need, attr);
                        if (mk == MATCH_NONE)
                                continue;
                        if (ARRAY_RESERVE(usable, cap_usable, n_usable + 1) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        usable[n_usable++] = (struct usable_rule){rule, mk};
                }
                if (n_usable == 0)
                        continue;

                /* Which needed permissions those rules grant on the target;
                 * the best match kind that still covers everything wins. */
                enum match_kind best = MATCH_NONE;
                for (enum match_kind level = MATCH_EXACT; level <= MATCH_ATTRIBUTE; level++) {
                        size_t covered = 0;
                        for (size_t p = 0; p < need->n_perms; p++) {
                                bool ok = false;
                                for (size_t k = 0; k < n_usable && !ok; k++) {
                                        if (usable[k].match > level)
                                                continue;
                                        ok = rule_grants(&m->rules, usable[k].rule, need_perms[p],
                                                         star);
                                }
                                if (ok)
                                        covered++;
                        }
                        if (covered == need->n_perms) {
                                best = level;
                                break;
                        }
                }
                if (best == MATCH_NONE)
                        continue;

                /* What it grants on the target (matched rules), for the why. */
                size_t n_granted = 0, on_target = 0;
                const char *via_first = NULL, *attribute = NULL;
                for (size_t k = 0; k < n_usable; k++) {
                        const struct compact_rule *rule = usable[k].rule;
                        enum match_kind mk = usable[k].match;
                        if (mk > best)
                                continue;
                        if (!via_first)
                                via_first = atom_str(&idx->atoms, rule->via);
                        if (mk == MATCH_ATTRIBUTE && !attribute)
                                attribute = atom_str(&idx->atoms, rule->target);
                        const atom_t *ids = m->rules.pool + rule->first;
                        for (size_t q = 0; q < rule->n_perms; q++) {
                                const char *perm = atom_str(&idx->atoms, ids[q]);
                                bool seen = false;
                                /* Interned: one name, one pointer. */
                                for (size_t g = 0; g < n_granted && !seen; g++)
                                        seen = granted[g] == perm;
                                if (seen)
                                        continue;
                                if (ARRAY_RESERVE(granted, cap_granted, n_granted + 1) < 0) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                granted[n_granted++] = perm;
                                on_target++;
                        }
                }
                size_t extra_on_target = on_target > need->n_perms ? on_target - need->n_perms : 0;
                size_t extra_total = m->total_perms > on_target ? m->total_perms - on_target : 0;

                if (ARRAY_RESERVE(out, cap, n_out + 1) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                struct ranked *c = &out[n_out];
                *c = (struct ranked){.match = best};
                c->s.macro = &m->pub;
                c->s.exact_target = best == MATCH_EXACT || best == MATCH_SELF;
                c->s.grants_write = m->grants_write;
                c->s.extra_on_target = extra_on_target;
                c->s.extra_total = extra_total;
                c->s.call = format_call(m, need->source, &c->s.unbound_params);
                c->s.why = format_why(m, need, best, attribute, granted, n_granted, via_first,
                                      extra_on_target, extra_total);
                n_out++;
                if (!c->s.call || !c->s.why) {
                        r = -ENOMEM;
                        goto fail;
                }
        }

        if (n_out > 1)
                qsort(out, n_out, sizeof(*out), cmp_ranked);
        size_t keep =
                opts && opts->max_results && opts->max_results < n_out ? opts->max_results : n_out;
        struct iface_suggestion *res = calloc(keep ? keep : 1, sizeof(*res));
        if (!res) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n_out; i++) {
                if (i < keep)
                        res[i] = out[i].s;
                else {
                        free(out[i].s.call);
                        free(out[i].s.why);
                }
        }
        free(out);
        *ret = res;
        *n_ret = keep;
        return 0;
fail:
        for (size_t i = 0; i < n_out; i++) {
                free(out[i].s.call);
                free(out[i].s.why);
        }
        free(out);
        return planet_error_set(err, -r, "out of memory ranking interfaces");
}
