/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd unit files as systemd reads them; see unit.h for the rules. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "string-util.h"
#include "unit.h"

/* systemd's LONG_LINE_MAX: longer lines fail the file. */
#define UNIT_LINE_MAX (1024U * 1024U)

/* systemd's WHITESPACE set, compared directly: this runs for every byte
 * trimmed off every line of every unit. */
static inline bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_comment_start(char c)
{
        return c == '#' || c == ';';
}

/* ---- unit_file ------------------------------------------------------------ */

struct unit_string_block {
        struct unit_string_block *next;
        size_t used, size;
        char data[];
};

/* Room for n bytes in u's string pool; NULL on OOM. */
static char *strings_alloc(struct unit_file *u, size_t n)
{
        struct unit_string_block *b = u->strings;
        if (!b || b->size - b->used < n) {
                size_t size = n > 4000 ? n : 4000;
                b = malloc(sizeof(*b) + size);
                if (!b)
                        return NULL;
                b->next = u->strings;
                b->used = 0;
                b->size = size;
                u->strings = b;
        }
        char *p = b->data + b->used;
        b->used += n;
        return p;
}

void unit_file_done(struct unit_file *u)
{
        if (!u)
                return;
        free(u->name);
        free(u->fragment_path);
        strv_free(u->dropin_paths);
        free(u->assignments);
        for (struct unit_string_block *b = u->strings, *next; b; b = next) {
                next = b->next;
                free(b);
        }
        *u = (struct unit_file){0};
}

static int add_assignment(struct unit_file *u, const char *section, const char *key, size_t key_len,
                          const char *value, size_t value_len, const char *origin, unsigned line)
{
        /* Grown by doubling: a unit has dozens of assignments. The array's
         * capacity is the next power of two of its length. */
        size_t n_now = u->n_assignments;
        if (n_now == 0 || (n_now >= 8 && (n_now & (n_now - 1)) == 0)) {
                size_t cap = n_now == 0 ? 8 : n_now * 2;
                struct unit_assignment *a = reallocarray(u->assignments, cap, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                u->assignments = a;
        }
        /* The four strings together, in the unit's pool. */
        while (key_len > 0 && is_ws(*key))
                key++, key_len--;
        while (key_len > 0 && is_ws(key[key_len - 1]))
                key_len--;
        while (value_len > 0 && is_ws(*value))
                value++, value_len--;
        while (value_len > 0 && is_ws(value[value_len - 1]))
                value_len--;
        char num[16], *d = num + sizeof(num);
        *--d = 0;
        do
                *--d = '0' + line % 10;
        while ((line /= 10) > 0);
        *--d = ':';
        size_t nl = num + sizeof(num) - 1 - d;
        size_t sl = strlen(section), ol = strlen(origin);
        char *block = strings_alloc(u, sl + 1 + key_len + 1 + value_len + 1 + ol + nl + 1);
        if (!block)
                return -ENOMEM;
        struct unit_assignment n = {.section = block};
        memcpy(block, section, sl + 1);
        block += sl + 1;
        n.key = block;
        memcpy(block, key, key_len);
        block[key_len] = 0;
        block += key_len + 1;
        n.value = block;
        memcpy(block, value, value_len);
        block[value_len] = 0;
        block += value_len + 1;
        n.origin = block;
        memcpy(block, origin, ol);
        memcpy(block + ol, d, nl + 1);
        u->assignments[u->n_assignments++] = n;
        return 0;
}

/* One logical line (continuations joined), as conf-parser's parse_line(). */
static int parse_logical_line(struct unit_file *u, char **section, char *l, const char *origin,
                              unsigned line, struct planet_error *err)
{
        size_t len = strlen(l);
        while (len > 0 && is_ws(l[len - 1]))
                l[--len] = 0;
        while (is_ws(*l))
                l++, len--;
        if (len == 0 || is_comment_start(*l))
                return 0;

        if (*l == '[') {
                if (l[len - 1] != ']')
                        return planet_error_set(err, EBADMSG,
                                                "%s:%u: invalid section header '%s': a section "
                                                "is written [Name]",
                                                origin, line, l);
                char *n = strndup(l + 1, len - 2);
                if (!n)
                        return -ENOMEM;
                free(*section);
                *section = n;
                return 0;
        }

        /* Outside any section, inside an X- section, or without '=': systemd
         * warns (or stays silent for X-) and ignores the line. */
        if (!*section || !strncmp(*section, "X-", 2))
                return 0;
        char *eq = strchr(l, '=');
        if (!eq)
                return 0;
        return add_assignment(u, *section, l, eq - l, eq + 1, strlen(eq + 1), origin, line);
}

int unit_parse(struct unit_file *u, const char *text, size_t len, const char *origin,
               struct planet_error *err)
{
        _cleanup_free_ char *section = NULL, *continuation = NULL;
        unsigned line = 0, first_line = 0;
        size_t pos = 0;
        int r;

        /* A UTF-8 byte order mark at the start is skipped, as systemd does. */
        if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
                pos = 3;

        /* One mutable copy; each line is cut out of it in place. */
        _cleanup_free_ char *copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, len);
        copy[len] = 0;

        while (pos < len) {
                size_t start = pos;
                /* The copy ends in a NUL at len, so strcspn() stops at \n, \r
                 * or a NUL — each of which ends a line. */
                pos += strcspn(copy + pos, "\n\r");
                size_t end = pos;
                /* \r\n is one line end; \n, \r and NUL each end a line. */
                if (pos < len && text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n')
                        pos += 2;
                else if (pos < len)
                        pos++;
                line++;
                if (end - start > UNIT_LINE_MAX)
                        return planet_error_set(err, ENOBUFS,
                                                "%s:%u: line longer than %u bytes: systemd "
                                                "refuses such a file",
                                                origin, line, UNIT_LINE_MAX);

                char *buf = copy + start;
                buf[end - start] = 0;

                if (continuation) {
                        const char *s = buf;
                        while (is_ws(*s))
                                s++;
                        /* Comment lines inside a continuation are dropped. */
                        if (is_comment_start(*s))
                                continue;
                }

                /* Continued when it ends in an odd number of backslashes
                 * (an escaped backslash does not continue). */
                size_t n = end - start, trailing = 0;
                while (trailing < n && buf[n - 1 - trailing] == '\\')
                        trailing++;
                bool escaped = trailing % 2 == 1;

                if (escaped)
                        buf[n - 1] = ' '; /* the continuation backslash becomes a space */

                if (continuation) {
                        size_t cl = strlen(continuation);
                        char *joined = realloc(continuation, cl + n + 1);
                        if (!joined)
                                return -ENOMEM;
                        memcpy(joined + cl, buf, n + 1);
                        continuation = joined;
                } else if (escaped) {
                        continuation = strdup(buf);
                        if (!continuation)
                                return -ENOMEM;
                        first_line = line;
                }

                if (escaped)
                        continue;

                if (continuation) {
                        r = parse_logical_line(u, &section, continuation, origin, first_line, err);
                        free(continuation);
                        continuation = NULL;
                } else {
                        r = parse_logical_line(u, &section, buf, origin, line, err);
                }
                if (r < 0)
                        return r;
        }
        /* A file ending inside a continuation: systemd parses what it has. */
        if (continuation)
                return parse_logical_line(u, &section, continuation, origin, first_line, err);
        return 0;
}

/* ---- loading from search directories ------------------------------------- */

/* path names the file in messages; it is opened relative to dir_fd as rel
 * (AT_FDCWD and path itself when there is no directory at hand). */
static int read_file_at(int dir_fd, const char *rel, const char *path, char **ret, size_t *ret_len,
                        struct planet_error *err)
{
        struct stat st;
        _cleanup_close_ int fd = open_regular_file_at(dir_fd, rel, path, &st, err);
        if (fd < 0)
                return fd;
        if (st.st_size > 64 * 1024 * 1024)
                return planet_error_set(err, EFBIG, "%s is too large for a unit file", path);
        _cleanup_free_ char *buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t got = 0;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return planet_error_set(err, errno, "cannot read %s: %m", path);
                if (n == 0)
                        break;
                got += n;
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = got;
        return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct planet_error *err)
{
        return read_file_at(AT_FDCWD, path, path, ret, ret_len, err);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_masked(const char *path)
{
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = 0;
                if (!strcmp(target, "/dev/null"))
                        return true;
        }
        struct stat st;
        return stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || st.st_size == 0);
}

/* The drop-in directory names for a unit, most specific first: NAME.d, the
 * template's, the dash-prefix ones ("a-b-.service.d", "a-.service.d") and the
 * type's ("service.d"). */
static int dropin_dir_names(const char *name, char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        size_t n = 0;
        char *s;
        int r;

        if (!(s = strjoin3(name, ".d", "")) || (r = strv_push(&v, &n, s)) < 0)
                return -ENOMEM;
        _cleanup_free_ char *template = NULL;
        if (unit_name_to_template(name, &template, NULL) >= 0) {
                if (!(s = strjoin3(template, ".d", "")) || (r = strv_push(&v, &n, s)) < 0)
                        return -ENOMEM;
        }
        const char *dot = strrchr(name, '.');
        if (!dot)
                return -EINVAL;
        const char *at = strchr(name, '@');
        size_t prefix_len = (at && at < dot ? at : dot) - name;
        for (size_t i = prefix_len; i-- > 0;) {
                if (name[i] != '-' || i == 0)
                        continue;
                _cleanup_free_ char *prefix = strndup(name, i + 1);
                if (!prefix || !(s = strjoin3(prefix, dot, ".d")) || (r = strv_push(&v, &n, s)) < 0)
                        return -ENOMEM;
        }
        if (!(s = strjoin3(dot + 1, ".d", "")) || (r = strv_push(&v, &n, s)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(v);
        return 0;
}

/* ---- the directory index ------------------------------------------------ */

struct dir_entry {
        char *name;
        unsigned char type;
};

struct dir_listing {
        struct dir_entry *entries; /* sorted by name */
        size_t n;
        DIR *dir; /* kept open: files are opened relative to it */
};

struct unit_dir_index {
        struct dir_listing *dirs;
        size_t n_dirs;
};

static int cmp_dir_entry(const void *a, const void *b)
{
        return strcmp(((const struct dir_entry *) a)->name, ((const struct dir_entry *) b)->name);
}

void unit_dir_index_free(struct unit_dir_index *idx)
{
        if (!idx)
                return;
        for (size_t i = 0; i < idx->n_dirs; i++) {
                for (size_t j = 0; j < idx->dirs[i].n; j++)
                        free(idx->dirs[i].entries[j].name);
                free(idx->dirs[i].entries);
                if (idx->dirs[i].dir)
                        closedir(idx->dirs[i].dir);
        }
        free(idx->dirs);
        free(idx);
}

int unit_dir_index_new(const char *const *search_dirs, struct unit_dir_index **ret,
                       struct planet_error *err)
{
        struct unit_dir_index *idx = calloc(1, sizeof(*idx));
        if (!idx)
                return -ENOMEM;
        size_t n = 0;
        for (const char *const *sd = search_dirs; sd && *sd; sd++)
                n++;
        idx->dirs = calloc(n ? n : 1, sizeof(*idx->dirs));
        if (!idx->dirs) {
                free(idx);
                return -ENOMEM;
        }
        idx->n_dirs = n;
        for (size_t i = 0; i < n; i++) {
                struct dir_listing *l = &idx->dirs[i];
                DIR *d = opendir(search_dirs[i]);
                if (!d) {
                        if (errno == ENOENT)
                                continue; /* empty, as for the lookups */
                        int r = planet_error_set(err, errno, "cannot read unit directory %s: %m",
                                                 search_dirs[i]);
                        unit_dir_index_free(idx);
                        return r;
                }
                size_t cap = 0;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                                continue;
                        if (l->n == cap) {
                                cap = cap ? cap * 2 : 64;
                                struct dir_entry *ne = reallocarray(l->entries, cap, sizeof(*ne));
                                if (!ne) {
                                        l->dir = d;
                                        unit_dir_index_free(idx);
                                        return -ENOMEM;
                                }
                                l->entries = ne;
                        }
                        l->entries[l->n].name = strdup(de->d_name);
                        if (!l->entries[l->n].name) {
                                l->dir = d;
                                unit_dir_index_free(idx);
                                return -ENOMEM;
                        }
                        l->entries[l->n++].type = de->d_type;
                }
                l->dir = d;
                if (l->n > 1)
                        qsort(l->entries, l->n, sizeof(*l->entries), cmp_dir_entry);
        }
        *ret = idx;
        return 0;
}

int unit_dir_index_fd(const struct unit_dir_index *idx, size_t i)
{
        return i < idx->n_dirs && idx->dirs[i].dir ? dirfd(idx->dirs[i].dir) : -EBADF;
}

bool unit_dir_index_has(const struct unit_dir_index *idx, size_t i, const char *name,
                        unsigned char *ret_type)
{
        if (i >= idx->n_dirs || idx->dirs[i].n == 0)
                return false;
        const struct dir_entry key = {.name = (char *) name};
        const struct dir_entry *e =
                bsearch(&key, idx->dirs[i].entries, idx->dirs[i].n, sizeof(key), cmp_dir_entry);
        if (e && ret_type)
                *ret_type = e->type;
        return e != NULL;
}

const char *unit_dir_index_entry(const struct unit_dir_index *idx, size_t i, size_t j)
{
        return i < idx->n_dirs && j < idx->dirs[i].n ? idx->dirs[i].entries[j].name : NULL;
}

static int collect_dropins(const char *const *search_dirs, const struct unit_dir_index *idx,
                           const char *name, const char *const *aliases, const char *skip_dropin,
                           char ***ret, struct planet_error *err)
{
        _cleanup_strv_free_ char **dir_names = NULL;
        _cleanup_strv_free_ char **basenames = NULL, **paths = NULL;
        size_t n_base = 0, n_paths = 0;
        int r = dropin_dir_names(name, &dir_names);
        if (r < 0)
                return r;
        /* An alias's drop-ins apply to the unit too (systemd merges the
         * drop-in directories of every name the unit has). */
        for (const char *const *al = aliases; al && *al; al++) {
                _cleanup_strv_free_ char **more = NULL;
                r = dropin_dir_names(*al, &more);
                if (r < 0)
                        return r;
                size_t n = 0;
                STRV_FOREACH (d, dir_names)
                        n++;
                STRV_FOREACH (m, more) {
                        bool dup = false;
                        STRV_FOREACH (d, dir_names)
                                dup = dup || !strcmp(*d, *m);
                        if (!dup && strv_push(&dir_names, &n, strdup(*m)) < 0)
                                return -ENOMEM;
                }
        }

        for (const char *const *sd = search_dirs; sd && *sd; sd++)
                STRV_FOREACH (dn, dir_names) {
                        if (idx && !unit_dir_index_has(idx, sd - search_dirs, *dn, NULL))
                                continue;
                        _cleanup_free_ char *dir = NULL;
                        if (asprintf(&dir, "%s/%s", *sd, *dn) < 0)
                                return -ENOMEM;
                        DIR *d = opendir(dir);
                        if (!d) {
                                if (errno == ENOENT || errno == ENOTDIR)
                                        continue;
                                return planet_error_set(err, errno, "cannot read %s: %m", dir);
                        }
                        struct dirent *de;
                        while ((de = readdir(d))) {
                                size_t l = strlen(de->d_name);
                                if (de->d_name[0] == '.' || l <= 5 ||
                                    strcmp(de->d_name + l - 5, ".conf"))
                                        continue;
                                /* An earlier directory's file masks a same-named one. */
                                bool seen = false;
                                for (size_t i = 0; i < n_base && !seen; i++)
                                        seen = !strcmp(basenames[i], de->d_name);
                                if (seen)
                                        continue;
                                char *p;
                                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0 ||
                                    strv_push(&paths, &n_paths, p) < 0 ||
                                    strv_push(&basenames, &n_base, strdup(de->d_name)) < 0) {
                                        closedir(d);
                                        return -ENOMEM;
                                }
                        }
                        closedir(d);
                }

        /* Sort by file name; paths[i] ends in basenames[i]. */
        for (size_t i = 1; i < n_paths; i++)
                for (size_t j = i; j > 0 && strcmp(basenames[j - 1], basenames[j]) > 0; j--) {
                        char *t = basenames[j];
                        basenames[j] = basenames[j - 1];
                        basenames[j - 1] = t;
                        t = paths[j];
                        paths[j] = paths[j - 1];
                        paths[j - 1] = t;
                }

        /* Drop the skipped name and masked drop-ins (a same-named /dev/null
         * symlink masks the lower-priority file, and applies nothing). */
        size_t k = 0;
        for (size_t i = 0; i < n_paths; i++) {
                if ((skip_dropin && !strcmp(basenames[i], skip_dropin)) || is_masked(paths[i])) {
                        free(paths[i]);
                        continue;
                }
                paths[k++] = paths[i];
        }
        if (paths)
                paths[k] = NULL;
        *ret = TAKE_PTR(paths);
        return 0;
}

int unit_load(const char *const *search_dirs, const char *name, const char *skip_dropin,
              struct unit_file *ret, struct planet_error *err)
{
        return unit_load_aliased(search_dirs, name, NULL, skip_dropin, ret, err);
}

int unit_load_aliased(const char *const *search_dirs, const char *name, const char *const *aliases,
                      const char *skip_dropin, struct unit_file *ret, struct planet_error *err)
{
        return unit_load_indexed(search_dirs, NULL, name, aliases, skip_dropin, ret, err);
}

int unit_load_indexed(const char *const *search_dirs, const struct unit_dir_index *idx,
                      const char *name, const char *const *aliases, const char *skip_dropin,
                      struct unit_file *ret, struct planet_error *err)
{
        struct unit_file u = {0};
        _cleanup_free_ char *template = NULL, *found = NULL;
        int r;

        if (!name || !strrchr(name, '.') || strchr(name, '/'))
                return planet_error_set(err, EINVAL, "'%s' is not a unit name", name ? name : "");

        bool is_instance = unit_name_to_template(name, &template, NULL) >= 0 && !strstr(name, "@.");
        const char *candidates[] = {name, is_instance ? template : NULL};
        unsigned char found_type = DT_UNKNOWN;
        int found_dir_fd = AT_FDCWD;
        const char *found_rel = NULL;
        for (size_t c = 0; c < ELEMENTSOF(candidates) && !found; c++) {
                if (!candidates[c])
                        continue;
                for (const char *const *sd = search_dirs; sd && *sd && !found; sd++) {
                        if (idx &&
                            !unit_dir_index_has(idx, sd - search_dirs, candidates[c], &found_type))
                                continue;
                        _cleanup_free_ char *p = NULL;
                        if (!(p = strjoin3(*sd, "/", candidates[c])))
                                return -ENOMEM;
                        struct stat st;
                        if (idx || lstat(p, &st) == 0) {
                                found = TAKE_PTR(p);
                                int dfd = idx ? unit_dir_index_fd(idx, sd - search_dirs) : -1;
                                if (dfd >= 0) {
                                        found_dir_fd = dfd;
                                        found_rel = candidates[c];
                                }
                        }
                }
        }
        if (!found)
                return planet_error_set(err, ENOENT, "unit %s not found", name);
        /* A regular file is masked only when empty: read_file() tells. */
        if (found_type != DT_REG && is_masked(found))
                return planet_error_set(err, ERFKILL, "unit %s is masked (%s)", name, found);

        u.name = strdup(name);
        u.fragment_path = strdup(found);
        if (!u.name || !u.fragment_path) {
                unit_file_done(&u);
                return -ENOMEM;
        }
        _cleanup_free_ char *text = NULL;
        size_t len;
        r = read_file_at(found_dir_fd, found_rel ? found_rel : found, found, &text, &len, err);
        if (r >= 0 && len == 0) {
                unit_file_done(&u);
                return planet_error_set(err, ERFKILL, "unit %s is masked (%s)", name, found);
        }
        if (r >= 0)
                r = unit_parse(&u, text, len, found, err);
        if (r >= 0)
                r = collect_dropins(search_dirs, idx, name, aliases, skip_dropin, &u.dropin_paths,
                                    err);
        STRV_FOREACH (d, r >= 0 ? u.dropin_paths : NULL) {
                _cleanup_free_ char *dtext = NULL;
                size_t dlen;
                r = read_file(*d, &dtext, &dlen, err);
                if (r < 0)
                        break;
                r = unit_parse(&u, dtext, dlen, *d, err);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                unit_file_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

const struct unit_assignment *unit_get(const struct unit_file *u, const char *section,
                                       const char *key)
{
        for (size_t i = u->n_assignments; i-- > 0;)
                if (!strcmp(u->assignments[i].key, key) &&
                    !strcmp(u->assignments[i].section, section))
                        return &u->assignments[i];
        return NULL;
}

int unit_get_list(const struct unit_file *u, const char *section, const char *key,
                  const struct unit_assignment ***ret, size_t *ret_n)
{
        size_t start = 0, n = 0;
        for (size_t i = 0; i < u->n_assignments; i++) {
                const struct unit_assignment *a = &u->assignments[i];
                if (strcmp(a->section, section) || strcmp(a->key, key))
                        continue;
                if (!*a->value) {
                        start = i + 1;
                        n = 0;
                } else {
                        n++;
                }
        }
        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;
        const struct unit_assignment **v = malloc(n * sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t k = 0;
        for (size_t i = start; i < u->n_assignments && k < n; i++) {
                const struct unit_assignment *a = &u->assignments[i];
                if (!strcmp(a->section, section) && !strcmp(a->key, key) && *a->value)
                        v[k++] = a;
        }
        *ret = v;
        *ret_n = k;
        return 0;
}

/* ---- command lines --------------------------------------------------------- */

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static size_t utf8_encode(uint32_t c, char out[4])
{
        if (c < 0x80) {
                out[0] = c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = 0xc0 | (c >> 6);
                out[1] = 0x80 | (c & 0x3f);
                return 2;
        }
        if (c < 0x10000) {
                out[0] = 0xe0 | (c >> 12);
                out[1] = 0x80 | ((c >> 6) & 0x3f);
                out[2] = 0x80 | (c & 0x3f);
                return 3;
        }
        out[0] = 0xf0 | (c >> 18);
        out[1] = 0x80 | ((c >> 12) & 0x3f);
        out[2] = 0x80 | ((c >> 6) & 0x3f);
        out[3] = 0x80 | (c & 0x3f);
        return 4;
}

/* One C-style escape after a backslash (systemd's cunescape_one): writes the
 * bytes to out, returns how many input characters it consumed, or -EINVAL
 * for an unknown or NUL-producing escape. */
static int unescape_one(const char *p, char out[4], size_t *out_len)
{
        static const char simple_in[] = "abfnrtv\\\"'s";
        static const char simple_out[] = "\a\b\f\n\r\t\v\\\"' ";
        const char *s = *p ? strchr(simple_in, *p) : NULL;
        if (s) {
                out[0] = simple_out[s - simple_in];
                *out_len = 1;
                return 1;
        }
        uint32_t v = 0;
        int digits = 0;
        switch (*p) {
        case 'x':
                digits = 2;
                break;
        case 'u':
                digits = 4;
                break;
        case 'U':
                digits = 8;
                break;
        case '0' ... '7':
                for (int i = 0; i < 3; i++) {
                        if (p[i] < '0' || p[i] > '7')
                                return -EINVAL;
                        v = v * 8 + (p[i] - '0');
                }
                if (v == 0 || v > 255)
                        return -EINVAL;
                out[0] = (char) v;
                *out_len = 1;
                return 3;
        default:
                return -EINVAL;
        }
        for (int i = 1; i <= digits; i++) {
                int h = unhex(p[i]);
                if (h < 0)
                        return -EINVAL;
                v = v * 16 + h;
        }
        if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                return -EINVAL;
        if (*p == 'x') {
                out[0] = (char) v;
                *out_len = 1;
        } else {
                *out_len = utf8_encode(v, out);
        }
        return digits + 1;
}

/* extract_first_word(…, EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE): quotes may start
 * anywhere in a word, escapes work inside and outside quotes. Returns 1 with a
 * word, 0 at the end, -EINVAL for unbalanced quotes. */
static int extract_word(const char **p, char **ret)
{
        const char *s = *p;
        while (is_ws(*s))
                s++;
        if (!*s) {
                *p = s;
                *ret = NULL;
                return 0;
        }
        size_t cap = strlen(s) + 1, n = 0;
        _cleanup_free_ char *w = malloc(cap); /* unescaping never grows the text */
        if (!w)
                return -ENOMEM;
        char quote = 0;
        for (;;) {
                char c = *s;
                if (c == 0) {
                        if (quote)
                                return -EINVAL;
                        break;
                }
                if (c == '\\') {
                        char out[4];
                        size_t ol;
                        int k = unescape_one(s + 1, out, &ol);
                        if (k < 0) {
                                /* systemd retries with EXTRACT_UNESCAPE_RELAX and
                                 * warns: an unknown escape (or a trailing
                                 * backslash) is kept as written. */
                                w[n++] = '\\';
                                if (s[1])
                                        w[n++] = s[1];
                                s += s[1] ? 2 : 1;
                                continue;
                        }
                        memcpy(w + n, out, ol);
                        n += ol;
                        s += 1 + k;
                        continue;
                }
                if (quote) {
                        if (c == quote)
                                quote = 0;
                        else
                                w[n++] = c;
                } else if (c == '\'' || c == '"') {
                        quote = c;
                } else if (is_ws(c)) {
                        break;
                } else {
                        w[n++] = c;
                }
                s++;
        }
        w[n] = 0;
        *p = s;
        *ret = TAKE_PTR(w);
        return 1;
}

void unit_exec_command_done(struct unit_exec_command *c)
{
        if (!c)
                return;
        free(c->prefixes);
        free(c->path);
        strv_free(c->argv);
        free(c->args_raw);
        *c = (struct unit_exec_command){0};
}

void unit_exec_commands_free(struct unit_exec_command *c, size_t n)
{
        for (size_t i = 0; i < n; i++)
                unit_exec_command_done(&c[i]);
        free(c);
}

static int parse_one_command(const char **pp, struct unit_exec_command *c, bool *ret_more,
                             const char *value, struct planet_error *err)
{
        _cleanup_free_ char *first = NULL;
        const char *p = *pp;
        size_t argc = 0;
        int r;

        *ret_more = false;
        r = extract_word(&p, &first);
        if (r < 0)
                return planet_error_set(err, EINVAL,
                                        "'%s': unbalanced quotes (systemd ignores this "
                                        "command and refuses the unit)",
                                        value);
        if (r == 0)
                return 0;

        const char *f = first;
        for (;; f++) {
                unsigned fl = c->flags;
                if (*f == '-' && !(fl & UNIT_EXEC_IGNORE_FAILURE))
                        c->flags |= UNIT_EXEC_IGNORE_FAILURE;
                else if (*f == '@' && !(fl & UNIT_EXEC_SEPARATE_ARGV0))
                        c->flags |= UNIT_EXEC_SEPARATE_ARGV0;
                else if (*f == ':' && !(fl & UNIT_EXEC_NO_ENV_EXPAND))
                        c->flags |= UNIT_EXEC_NO_ENV_EXPAND;
                else if (*f == '+' && !(fl & (UNIT_EXEC_PRIVILEGED | UNIT_EXEC_NO_SETUID |
                                              UNIT_EXEC_AMBIENT_MAGIC)))
                        c->flags |= UNIT_EXEC_PRIVILEGED;
                else if (*f == '!' && !(fl & (UNIT_EXEC_PRIVILEGED | UNIT_EXEC_NO_SETUID |
                                              UNIT_EXEC_AMBIENT_MAGIC)))
                        c->flags |= UNIT_EXEC_NO_SETUID;
                else if (*f == '!' && !(fl & (UNIT_EXEC_PRIVILEGED | UNIT_EXEC_AMBIENT_MAGIC)))
                        c->flags = (c->flags & ~UNIT_EXEC_NO_SETUID) | UNIT_EXEC_AMBIENT_MAGIC;
                else
                        break;
        }
        c->prefixes = strndup(first, f - first);
        if (!c->prefixes)
                return -ENOMEM;
        if (!*f)
                return planet_error_set(err, EINVAL, "'%s': empty executable path", value);
        if (f[0] != '/' && strchr(f, '/'))
                return planet_error_set(err, EINVAL,
                                        "'%s': executable '%s' is a relative path; systemd "
                                        "takes an absolute path or a bare name only",
                                        value, f);
        /* systemd's string_is_safe(): no control characters, quotes or
         * backslashes left in the executable's name. */
        for (const char *t = f; *t; t++)
                if ((*t > 0 && *t < ' ') || strchr("\"'\\\x7f", *t))
                        return planet_error_set(err, EINVAL,
                                                "'%s': executable name '%s' contains special "
                                                "characters (systemd refuses the unit)",
                                                value, f);
        if (f[strlen(f) - 1] == '/')
                return planet_error_set(err, EINVAL, "'%s': executable '%s' is a directory", value,
                                        f);
        c->path = strdup(f);
        if (!c->path)
                return -ENOMEM;
        if (!(c->flags & UNIT_EXEC_SEPARATE_ARGV0) && strv_push(&c->argv, &argc, strdup(f)) < 0)
                return -ENOMEM;

        /* args_raw: each argument's text as written, joined by one space
         * (whitespace between words means nothing to systemd; the words
         * themselves keep their quoting, escapes, $VAR and specifiers). */
        size_t raw_len = 0;
        c->args_raw = calloc(1, strlen(p) + 1);
        if (!c->args_raw)
                return -ENOMEM;
        bool need_argv0 = c->flags & UNIT_EXEC_SEPARATE_ARGV0;
        for (;;) {
                while (is_ws(*p))
                        p++;
                if (!*p)
                        break;
                const char *word_start = p;
                /* A lone "\;" is a literal ";" argument, a lone ";" ends the
                 * command (checked before word splitting, as systemd does). */
                if (p[0] == '\\' && p[1] == ';' && (!p[2] || is_ws(p[2]))) {
                        p += 2;
                        if (strv_push(&c->argv, &argc, strdup(";")) < 0)
                                return -ENOMEM;
                } else if (p[0] == ';' && (!p[1] || is_ws(p[1]))) {
                        p++;
                        *ret_more = true;
                        break;
                } else {
                        char *w;
                        r = extract_word(&p, &w);
                        if (r < 0)
                                return planet_error_set(err, EINVAL,
                                                        "'%s': unbalanced quotes (systemd ignores "
                                                        "this command and refuses the unit)",
                                                        value);
                        if (r == 0)
                                break;
                        if (strv_push(&c->argv, &argc, w) < 0)
                                return -ENOMEM;
                }
                if (need_argv0) {
                        need_argv0 = false;
                        continue;
                }
                if (raw_len > 0)
                        c->args_raw[raw_len++] = ' ';
                memcpy(c->args_raw + raw_len, word_start, p - word_start);
                raw_len += p - word_start;
                c->args_raw[raw_len] = 0;
        }
        if (argc == 0 || !*c->argv[0])
                return planet_error_set(err, EINVAL, "'%s': empty argv[0] after '@'", value);
        c->argc = argc;
        *pp = p;
        return 1;
}

int unit_exec_parse(const char *value, struct unit_exec_command **ret, size_t *ret_n,
                    struct planet_error *err)
{
        struct unit_exec_command *v = NULL;
        size_t n = 0;
        const char *p = value;
        bool more = true;

        while (more) {
                struct unit_exec_command c = {0};
                int r = parse_one_command(&p, &c, &more, value, err);
                if (r <= 0) {
                        unit_exec_command_done(&c);
                        if (r == 0 && !more)
                                break;
                        unit_exec_commands_free(v, n);
                        return r;
                }
                struct unit_exec_command *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        unit_exec_command_done(&c);
                        unit_exec_commands_free(v, n);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = c;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

char *unit_exec_quote_word(const char *word)
{
        bool plain = *word != 0;
        for (const char *s = word; *s && plain; s++)
                plain = !is_ws(*s) && !strchr("\"'\\;", *s) && (unsigned char) *s >= 0x20;
        if (plain && strcmp(word, ";"))
                return strdup(word);

        size_t len = strlen(word);
        char *q = malloc(len * 4 + 3), *o = q;
        if (!q)
                return NULL;
        *o++ = '"';
        for (const char *s = word; *s; s++) {
                unsigned char c = *s;
                if (c == '"' || c == '\\') {
                        *o++ = '\\';
                        *o++ = c;
                } else if (c == '\n') {
                        *o++ = '\\';
                        *o++ = 'n';
                } else if (c < 0x20 || c == 0x7f) {
                        o += sprintf(o, "\\x%02x", c);
                } else {
                        *o++ = c;
                }
        }
        *o++ = '"';
        *o = 0;
        return q;
}

/* ---- names and specifiers -------------------------------------------------- */

int unit_name_to_template(const char *name, char **ret_template, char **ret_instance)
{
        const char *at = strchr(name, '@');
        const char *dot = strrchr(name, '.');
        if (!at || !dot || dot < at)
                return -EINVAL;
        if (ret_template && asprintf(ret_template, "%.*s%s", (int) (at - name + 1), name, dot) < 0)
                return -ENOMEM;
        if (ret_instance) {
                *ret_instance = strndup(at + 1, dot - at - 1);
                if (!*ret_instance) {
                        if (ret_template)
                                free(*ret_template);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* systemd's unit_name_unescape(): "\xNN" → byte, "-" → "/". */
static char *unescape_name(const char *s, size_t len, bool path)
{
        char *o = malloc(len + 2), *w = o;
        if (!o)
                return NULL;
        if (path)
                *w++ = '/';
        for (size_t i = 0; i < len; i++) {
                int a, b;
                if (s[i] == '\\' && i + 3 < len + 0 + 1 && s[i + 1] == 'x' &&
                    (a = unhex(s[i + 2])) >= 0 && (b = unhex(s[i + 3])) >= 0) {
                        *w++ = (char) (a * 16 + b);
                        i += 3;
                } else if (s[i] == '-') {
                        *w++ = '/';
                } else {
                        *w++ = s[i];
                }
        }
        *w = 0;
        if (path && len == 1 && s[0] == '-')
                o[1] = 0; /* "-" is the root directory */
        return o;
}

int unit_expand_name_specifiers(const char *unit_name, const char *s, char **ret,
                                struct planet_error *err)
{
        const char *dot = strrchr(unit_name, '.');
        const char *at = strchr(unit_name, '@');
        if (!dot)
                return planet_error_set(err, EINVAL, "'%s' is not a unit name", unit_name);
        if (!strchr(s, '%')) { /* nothing to expand: the common case */
                *ret = strdup(s);
                return *ret ? 0 : -ENOMEM;
        }
        const char *prefix_end = at && at < dot ? at : dot;
        const char *inst = at && at < dot ? at + 1 : NULL;
        size_t inst_len = inst ? (size_t) (dot - inst) : 0;

        size_t cap = strlen(s) + 1, n = 0;
        _cleanup_free_ char *o = malloc(cap);
        if (!o)
                return -ENOMEM;
        for (const char *p = s; *p; p++) {
                _cleanup_free_ char *add = NULL;
                if (*p != '%') {
                        if (!(add = strndup(p, 1)))
                                return -ENOMEM;
                } else {
                        p++;
                        const char *pre = unit_name;
                        size_t pre_len = prefix_end - unit_name;
                        switch (*p) {
                        case '%':
                                add = strdup("%");
                                break;
                        case 'n':
                                add = strdup(unit_name);
                                break;
                        case 'N':
                                add = strndup(unit_name, dot - unit_name);
                                break;
                        case 'p':
                                add = strndup(pre, pre_len);
                                break;
                        case 'P':
                                add = unescape_name(pre, pre_len, false);
                                break;
                        case 'i':
                                add = strndup(inst ? inst : "", inst_len);
                                break;
                        case 'I':
                                add = unescape_name(inst ? inst : "", inst_len, false);
                                break;
                        case 'f':
                                add = inst ? unescape_name(inst, inst_len, true)
                                           : unescape_name(pre, pre_len, true);
                                break;
                        case 'j':
                        case 'J': {
                                const char *dash = memrchr(pre, '-', pre_len);
                                const char *j = dash ? dash + 1 : pre;
                                size_t jl = pre + pre_len - j;
                                add = *p == 'j' ? strndup(j, jl) : unescape_name(j, jl, false);
                                break;
                        }
                        default:
                                return planet_error_set(
                                        err, EINVAL,
                                        "'%s' uses the specifier %%%c, which only systemd can "
                                        "expand when the unit runs: write the binary's path "
                                        "without it",
                                        s, *p ? *p : ' ');
                        }
                        if (!add)
                                return -ENOMEM;
                }
                size_t al = strlen(add);
                if (n + al + 1 > cap) {
                        cap = (n + al + 1) * 2;
                        char *no = realloc(o, cap);
                        if (!no)
                                return -ENOMEM;
                        o = no;
                }
                memcpy(o + n, add, al);
                n += al;
        }
        o[n] = 0;
        *ret = TAKE_PTR(o);
        return 0;
}

int unit_dir_index_services(const struct unit_dir_index *idx, char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        size_t n = 0;
        for (size_t i = 0; i < idx->n_dirs; i++)
                for (size_t j = 0; j < idx->dirs[i].n; j++) {
                        const struct dir_entry *e = &idx->dirs[i].entries[j];
                        size_t l = strlen(e->name);
                        if (e->name[0] == '.' || l <= 8 || strcmp(e->name + l - 8, ".service"))
                                continue;
                        if (e->type != DT_REG && e->type != DT_LNK && e->type != DT_UNKNOWN)
                                continue;
                        if (strv_push(&v, &n, strdup(e->name)) < 0)
                                return -ENOMEM;
                }
        if (n > 1)
                qsort(v, n, sizeof(char *), cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && !strcmp(v[k - 1], v[i])) {
                        free(v[i]);
                        continue;
                }
                v[k++] = v[i];
        }
        if (v)
                v[k] = NULL;
        else if (!(v = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(v);
        return 0;
}

int unit_list_services(const char *const *dirs, char ***ret, struct planet_error *err)
{
        struct unit_dir_index *idx = NULL;
        int r = unit_dir_index_new(dirs, &idx, err);
        if (r < 0)
                return r;
        r = unit_dir_index_services(idx, ret);
        unit_dir_index_free(idx);
        return r;
}

int unit_alias_target(const char *dir, const char *name, char **ret)
{
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        char target[PATH_MAX];
        ssize_t n = readlink(p, target, sizeof(target) - 1);
        if (n < 0)
                return errno == EINVAL || errno == ENOENT ? 0 : -errno;
        target[n] = 0;
        const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        const char *ns = strrchr(name, '.'), *bs = strrchr(base, '.');
        /* A unit of the same type under another name; /dev/null is a mask. */
        if (!strcmp(target, "/dev/null") || !ns || !bs || strcmp(ns, bs) || !strcmp(base, name))
                return 0;
        *ret = strdup(base);
        return *ret ? 1 : -ENOMEM;
}
