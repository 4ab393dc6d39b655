/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File-context specifications: refpolicy .fc sources and compiled
 * file_contexts, and the .subs equivalences libselinux applies before it
 * looks a path up. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fc.h"

#define FC_MAX_REPETITIONS 8
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* ---- lines and tokens ---------------------------------------------------- */

static const char *skip_space(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        return p;
}

static const char *skip_token(const char *p, const char *end)
{
        while (p < end && *p != ' ' && *p != '\t')
                p++;
        return p;
}

static const struct {
        const char *spelling;
        mode_t mode;
} file_types[] = {
        {"--", S_IFREG}, {"-d", S_IFDIR}, {"-l", S_IFLNK}, {"-s", S_IFSOCK},
        {"-p", S_IFIFO}, {"-c", S_IFCHR}, {"-b", S_IFBLK},
};

static bool file_type_lookup(const char *s, size_t n, const char **ret_spelling, mode_t *ret_mode)
{
        for (size_t i = 0; i < ELEMENTSOF(file_types); i++)
                if (strlen(file_types[i].spelling) == n && !strncmp(file_types[i].spelling, s, n)) {
                        *ret_spelling = file_types[i].spelling;
                        *ret_mode = file_types[i].mode;
                        return true;
                }
        return false;
}

/* The type field of user:role:type[:range]; NULL when malformed. */
static char *context_type(const char *context)
{
        const char *a = strchr(context, ':');
        if (!a)
                return NULL;
        const char *b = strchr(a + 1, ':');
        if (!b || b == a + 1)
                return NULL;
        const char *c = strchr(b + 1, ':');
        size_t n = c ? (size_t) (c - b - 1) : strlen(b + 1);
        if (n == 0)
                return NULL;
        return strndup(b + 1, n);
}

static bool context_is_well_formed(const char *s)
{
        /* user:role:type with an optional range; no spaces or quotes. */
        unsigned colons = 0;
        for (const char *p = s; *p; p++) {
                if (*p == ':')
                        colons++;
                else if (!isalnum((unsigned char) *p) && !strchr("_.,-", *p))
                        return false;
        }
        return colons >= 2 && s[0] != ':' && s[strlen(s) - 1] != ':';
}

/* gen_context(user:role:type[,range[,categories]]) → "user:role:type:range". */
static int parse_gen_context(const char *s, size_t n, const char *mls_default, char **ret,
                             const char **why)
{
        static const char prefix[] = "gen_context(";
        if (n < sizeof(prefix) || strncmp(s, prefix, sizeof(prefix) - 1) || s[n - 1] != ')') {
                *why = "expected gen_context(user:role:type,range) or <<none>>";
                return -EINVAL;
        }
        _cleanup_free_ char *args = strndup(s + sizeof(prefix) - 1, n - sizeof(prefix));
        if (!args)
                return -ENOMEM;

        char *fields[3] = {NULL, NULL, NULL};
        size_t n_fields = 0;
        for (char *save = NULL, *t = strtok_r(args, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                if (n_fields == ELEMENTSOF(fields)) {
                        *why = "gen_context() takes at most three arguments";
                        return -EINVAL;
                }
                fields[n_fields++] = t;
        }
        if (n_fields == 0 || !fields[0][0]) {
                *why = "gen_context() needs a context";
                return -EINVAL;
        }
        unsigned colons = 0;
        for (const char *p = fields[0]; *p; p++)
                colons += *p == ':';
        if (colons != 2) {
                *why = "the context in gen_context() is not user:role:type[,range]";
                return -EINVAL;
        }
        char *c = NULL;
        int r;
        if (n_fields == 1)
                r = mls_default ? asprintf(&c, "%s:%s", fields[0], mls_default)
                                : asprintf(&c, "%s", fields[0]);
        else if (n_fields == 2)
                r = asprintf(&c, "%s:%s", fields[0], fields[1]);
        else
                r = asprintf(&c, "%s:%s:%s", fields[0], fields[1], fields[2]);
        if (r < 0)
                return -ENOMEM;
        if (!context_is_well_formed(c)) {
                free(c);
                *why = "the context in gen_context() is not user:role:type[,range]";
                return -EINVAL;
        }
        *ret = c;
        return 0;
}

static void entry_done(struct fc_entry *e)
{
        free(e->regex);
        free(e->context);
        free(e->type);
        free(e->file_type);
        *e = (struct fc_entry){0};
}

/* One non-empty, non-comment line into *e. *why says what is wrong. */
static int parse_line(const char *p, const char *end, enum fc_format format,
                      const char *mls_default, struct fc_entry *e, const char **why)
{
        const char *tok[4] = {NULL, NULL, NULL, NULL};
        size_t len[4], n = 0;
        for (p = skip_space(p, end); p < end; p = skip_space(p, end)) {
                const char *q = skip_token(p, end);
                if (n == ELEMENTSOF(tok)) {
                        *why = "too many fields (expected PATH [FILE_TYPE] CONTEXT)";
                        return -EINVAL;
                }
                tok[n] = p;
                len[n++] = q - p;
                p = q;
        }
        if (n == 0) {
                *why = "expected PATH [FILE_TYPE] CONTEXT";
                return -EINVAL;
        }
        if (tok[0][0] != '/') {
                /* m4 conditionals and HOME_DIR templates need m4/genhomedircon first. */
                *why = "a path specification must start with '/' (run m4 or genhomedircon first "
                       "for ifdef() and HOME_DIR lines)";
                return -EINVAL;
        }
        if (n < 2 || n > 3) {
                *why = "expected PATH [FILE_TYPE] CONTEXT";
                return -EINVAL;
        }

        const char *spelling = NULL;
        mode_t mode = 0;
        if (n == 3 && !file_type_lookup(tok[1], len[1], &spelling, &mode)) {
                *why = "unknown file type (use --, -d, -l, -s, -p, -c or -b)";
                return -EINVAL;
        }
        const char *ctx = tok[n - 1];
        size_t ctx_len = len[n - 1];

        _cleanup_free_ char *regex = strndup(tok[0], len[0]);
        _cleanup_free_ char *context = NULL;
        if (!regex)
                return -ENOMEM;
        int r;
        if (ctx_len == strlen("<<none>>") && !strncmp(ctx, "<<none>>", ctx_len)) {
                context = strdup("<<none>>");
                if (!context)
                        return -ENOMEM;
        } else if (format == FC_FORMAT_SOURCE) {
                r = parse_gen_context(ctx, ctx_len, mls_default, &context, why);
                if (r < 0)
                        return r;
        } else {
                context = strndup(ctx, ctx_len);
                if (!context)
                        return -ENOMEM;
                if (!context_is_well_formed(context)) {
                        *why = "the context is not user:role:type[:range]";
                        return -EINVAL;
                }
        }

        /* glibc's regcomp copies the subexpression for every '+' and
         * counted repetition, so nesting them costs exponential memory;
         * real file_contexts use at most a couple. */
        unsigned repeats = 0;
        for (const char *q = regex; *q; q++) {
                if (*q == '\\' && q[1])
                        q++;
                else if (*q == '+' || *q == '{')
                        repeats++;
        }
        if (repeats > FC_MAX_REPETITIONS) {
                *why = "too many '+' or '{}' repetitions in the path specification (at "
                       "most " STRINGIFY(FC_MAX_REPETITIONS) ")";
                return -EINVAL;
        }

        /* Reject what no matcher could compile, at the line that has it.
         * A compiled file_contexts was already checked by the tools that
         * wrote it (semodule, sefcontext_compile), and compiling thousands
         * of regexes here would dominate every offline lookup's start-up. */
        if (format == FC_FORMAT_SOURCE) {
                regex_t re;
                if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) != 0) {
                        *why = "the path specification is not a valid regular expression";
                        return -EINVAL;
                }
                regfree(&re);
        }

        char *type = NULL;
        if (strcmp(context, "<<none>>")) {
                type = context_type(context);
                if (!type)
                        return -ENOMEM;
        }
        if (spelling) {
                e->file_type = strdup(spelling);
                if (!e->file_type) {
                        free(type);
                        return -ENOMEM;
                }
        }
        e->regex = TAKE_PTR(regex);
        e->context = TAKE_PTR(context);
        e->type = type;
        e->mode = mode;
        return 0;
}

static enum fc_format detect_format(const char *text, size_t len)
{
        static const char needle[] = "gen_context(";
        if (len >= sizeof(needle) - 1 && memmem(text, len, needle, sizeof(needle) - 1))
                return FC_FORMAT_SOURCE;
        return FC_FORMAT_COMPILED;
}

int fc_parse(const char *text, size_t len, const char *name, enum fc_format format,
             const char *mls_default, struct fc_file *ret, struct planet_error *err)
{
        if (!ret || (!text && len > 0))
                return -EINVAL;
        if (!name)
                name = "<input>";
        if (format == FC_FORMAT_AUTO)
                format = detect_format(text, len);

        struct fc_file f = {0};
        f.name = strdup(name);
        if (!f.name)
                return -ENOMEM;

        size_t cap = 0;
        unsigned lineno = 0;
        int r = 0;
        for (const char *p = text, *end = text + len; p < end;) {
                const char *eol = memchr(p, '\n', end - p);
                const char *line_end = eol ? eol : end;
                lineno++;

                const char *q = skip_space(p, line_end);
                const char *content_end = line_end;
                if (content_end > q && content_end[-1] == '\r')
                        content_end--;
                if (memchr(q, '\0', content_end - q)) {
                        r = planet_error_set(err, EINVAL, "%s:%u: NUL byte in line", name, lineno);
                        goto fail;
                }
                if (q < content_end && *q != '#') {
                        if (f.n_entries == cap) {
                                size_t ncap = cap ? cap * 2 : 64;
                                struct fc_entry *n = reallocarray(f.entries, ncap, sizeof(*n));
                                if (!n) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                f.entries = n;
                                cap = ncap;
                        }
                        struct fc_entry *e = &f.entries[f.n_entries];
                        *e = (struct fc_entry){0};
                        const char *why = NULL;
                        r = parse_line(q, content_end, format, mls_default, e, &why);
                        if (r < 0) {
                                if (why)
                                        r = planet_error_set(err, -r, "%s:%u: %s: %.*s", name,
                                                             lineno, why, (int) (content_end - q),
                                                             q);
                                goto fail;
                        }
                        e->line = lineno;
                        f.n_entries++;
                }
                p = eol ? eol + 1 : end;
        }
        *ret = f;
        return 0;
fail:
        fc_file_done(&f);
        return r;
}

int fc_load(const char *path, enum fc_format format, const char *mls_default, struct fc_file *ret,
            struct planet_error *err)
{
        _cleanup_fclose_ FILE *fp = fopen(path, "re");
        if (!fp)
                return planet_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));

        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        _cleanup_fclose_ FILE *mem = open_memstream(&buf, &size);
        if (!mem)
                return -ENOMEM;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
                if (fwrite(chunk, 1, n, mem) != n)
                        return -ENOMEM;
        if (ferror(fp))
                return planet_error_set(err, EIO, "cannot read %s", path);
        if (fflush(mem) != 0)
                return -ENOMEM;
        return fc_parse(buf, size, path, format, mls_default, ret, err);
}

void fc_file_done(struct fc_file *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n_entries; i++)
                entry_done(&f->entries[i]);
        free(f->entries);
        free(f->name);
        *f = (struct fc_file){0};
}

int fc_write_file_contexts(const struct fc_file *f, FILE *out)
{
        for (size_t i = 0; i < f->n_entries; i++) {
                const struct fc_entry *e = &f->entries[i];
                int r = e->file_type
                                ? fprintf(out, "%s\t%s\t%s\n", e->regex, e->file_type, e->context)
                                : fprintf(out, "%s\t%s\n", e->regex, e->context);
                if (r < 0)
                        return -EIO;
        }
        return fflush(out) == 0 ? 0 : negative_errno();
}

/* ---- matching ----------------------------------------------------------- */

/* Does the regex have an alternation at the top level ("/a|/b")? Then no
 * literal prefix is shared by all its matches. */
static bool has_top_level_alternation(const char *regex)
{
        unsigned depth = 0;
        bool in_bracket = false;
        for (const char *p = regex; *p; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        continue;
                }
                if (in_bracket) {
                        if (*p == ']')
                                in_bracket = false;
                        continue;
                }
                if (*p == '[') {
                        in_bracket = true;
                        if (p[1] == '^')
                                p++;
                        if (p[1] == ']')
                                p++;
                } else if (*p == '(')
                        depth++;
                else if (*p == ')' && depth > 0)
                        depth--;
                else if (*p == '|' && depth == 0)
                        return true;
        }
        return false;
}

size_t fc_regex_literal_prefix(const char *regex, char *buf, size_t size)
{
        size_t n = 0;
        if (size == 0)
                return 0;
        if (has_top_level_alternation(regex)) {
                buf[0] = '\0';
                return 0;
        }
        for (const char *p = regex; *p && n + 1 < size;) {
                char c;
                const char *next;
                if (*p == '\\' && p[1] && !isalnum((unsigned char) p[1])) {
                        c = p[1];
                        next = p + 2;
                } else if (strchr(".[]()*+?{}|^$\\", *p)) {
                        break;
                } else {
                        c = *p;
                        next = p + 1;
                }
                /* A character that may occur zero times is not in every match. */
                if (*next == '*' || *next == '?' || *next == '{')
                        break;
                buf[n++] = c;
                p = next;
        }
        buf[n] = '\0';
        return n;
}

static bool mode_fits(mode_t entry_mode, mode_t mode)
{
        return entry_mode == 0 || mode == 0 || (mode & S_IFMT) == entry_mode;
}

static bool full_match(const char *regex, const char *path)
{
        /* file_contexts specifications are anchored at both ends. */
        _cleanup_free_ char *anchored = NULL;
        if (asprintf(&anchored, "^(%s)$", regex) < 0)
                return false;
        regex_t re;
        if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
                return false;
        bool m = regexec(&re, path, 0, NULL, 0) == 0;
        regfree(&re);
        return m;
}

/* As libselinux's spec_hasMetaChars: does the spec need a regex at all? */
static bool has_meta_chars(const char *regex)
{
        for (const char *p = regex; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                break;
                        p++;
                        continue;
                }
                if (strchr(".^$?*+|[({", *p))
                        return true;
        }
        return false;
}

static const struct fc_entry *find_last(const struct fc_file *f, const char *path, mode_t mode,
                                        bool literal)
{
        char prefix[PATH_MAX];
        for (size_t i = f->n_entries; i > 0; i--) {
                const struct fc_entry *e = &f->entries[i - 1];
                if (!mode_fits(e->mode, mode) || has_meta_chars(e->regex) == literal)
                        continue;
                /* Cheap filter before compiling: most entries differ early. */
                size_t n = fc_regex_literal_prefix(e->regex, prefix, sizeof(prefix));
                if (strncmp(path, prefix, n))
                        continue;
                if (full_match(e->regex, path))
                        return e;
        }
        return NULL;
}

const struct fc_entry *fc_find_entry(const struct fc_file *f, const char *path, mode_t mode)
{
        if (!f || !path)
                return NULL;
        /* libselinux moves specs without regex operators behind all others,
         * so a literal path wins over any pattern; then the last one wins. */
        const struct fc_entry *e = find_last(f, path, mode, true);
        return e ? e : find_last(f, path, mode, false);
}

/* ---- equivalences ------------------------------------------------------- */

static int subs_add(struct fc_subs *subs, const char *from, size_t from_len, const char *to,
                    size_t to_len)
{
        char **nf = reallocarray(subs->from, subs->n_subs + 1, sizeof(char *));
        if (!nf)
                return -ENOMEM;
        subs->from = nf;
        char **nt = reallocarray(subs->to, subs->n_subs + 1, sizeof(char *));
        if (!nt)
                return -ENOMEM;
        subs->to = nt;
        /* libselinux compares without trailing slashes. */
        while (from_len > 1 && from[from_len - 1] == '/')
                from_len--;
        while (to_len > 1 && to[to_len - 1] == '/')
                to_len--;
        char *f = strndup(from, from_len), *t = strndup(to, to_len);
        if (!f || !t) {
                free(f);
                free(t);
                return -ENOMEM;
        }
        subs->from[subs->n_subs] = f;
        subs->to[subs->n_subs] = t;
        subs->n_subs++;
        return 0;
}

int fc_subs_load(const char *path, struct fc_subs *subs, struct planet_error *err)
{
        _cleanup_fclose_ FILE *fp = fopen(path, "re");
        if (!fp) {
                if (errno == ENOENT)
                        return 0;
                return planet_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));
        }
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, fp)) >= 0) {
                lineno++;
                const char *end = line + n;
                while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
                        end--;
                const char *p = skip_space(line, end);
                if (p == end || *p == '#')
                        continue;
                const char *from = p, *from_end = skip_token(p, end);
                const char *to = skip_space(from_end, end), *to_end = skip_token(to, end);
                if (to == to_end || skip_space(to_end, end) != end || from[0] != '/' ||
                    to[0] != '/')
                        return planet_error_set(err, EINVAL,
                                                "%s:%u: expected two absolute paths, ALIAS "
                                                "ORIGINAL: %.*s",
                                                path, lineno, (int) (end - line), line);
                int r = subs_add(subs, from, from_end - from, to, to_end - to);
                if (r < 0)
                        return r;
        }
        if (ferror(fp))
                return planet_error_set(err, EIO, "cannot read %s", path);
        return 0;
}

char *fc_subs_apply(const struct fc_subs *subs, const char *path)
{
        for (size_t i = 0; subs && i < subs->n_subs; i++) {
                const char *from = subs->from[i];
                size_t n = strlen(from);
                if (strncmp(path, from, n) || (path[n] != '/' && path[n] != '\0'))
                        continue;
                char *s = NULL;
                if (asprintf(&s, "%s%s", subs->to[i], path + n) < 0)
                        return NULL;
                return s;
        }
        return strdup(path);
}

void fc_subs_done(struct fc_subs *subs)
{
        if (!subs)
                return;
        for (size_t i = 0; i < subs->n_subs; i++) {
                free(subs->from[i]);
                free(subs->to[i]);
        }
        free(subs->from);
        free(subs->to);
        *subs = (struct fc_subs){0};
}

/* Index of the equivalence that rewrites every path regex can match, or -1.
 * Lookups rewrite a path under an alias to its original before matching,
 * so such an entry never sees a path spelled its way. */
static ssize_t shadowing_sub(const struct fc_subs *subs, const char *regex)
{
        char prefix[PATH_MAX];
        size_t n = fc_regex_literal_prefix(regex, prefix, sizeof(prefix));
        for (size_t i = 0; i < subs->n_subs; i++) {
                const char *from = subs->from[i];
                size_t fl = strlen(from);
                if (fl > n || strncmp(prefix, from, fl))
                        continue;
                if (prefix[fl] == '/')
                        return i; /* every match is below the alias */
                if (fl == n) {
                        /* The literal part is the alias itself: what follows
                         * must keep the match at or below it. */
                        const char *rest = regex;
                        for (size_t k = 0; k < n; rest++)
                                if (*rest == '\\')
                                        continue;
                                else
                                        k++;
                        if (*rest == '\0' || !strncmp(rest, "(/", 2) || *rest == '/')
                                return i;
                }
        }
        return -1;
}

int fc_entry_check_subs(const struct fc_subs *subs, const struct fc_entry *e,
                        const char **ret_alias, const char **ret_original, char **ret_spelling)
{
        if (!subs || !e || !e->regex)
                return -EINVAL;
        ssize_t first = shadowing_sub(subs, e->regex);
        if (first < 0)
                return 0;

        /* Respell until no equivalence applies (bounded: subs may chain). */
        _cleanup_free_ char *spelling = strdup(e->regex);
        if (!spelling)
                return -ENOMEM;
        for (unsigned round = 0; round < 8; round++) {
                ssize_t i = shadowing_sub(subs, spelling);
                if (i < 0)
                        break;
                const char *from = subs->from[i];
                size_t fl = strlen(from);
                if (strncmp(spelling, from, fl))
                        break; /* the alias is spelled with escapes: leave it */
                char *next = NULL;
                if (asprintf(&next, "%s%s", subs->to[i], spelling + fl) < 0)
                        return -ENOMEM;
                free(spelling);
                spelling = next;
        }
        if (ret_alias)
                *ret_alias = subs->from[first];
        if (ret_original)
                *ret_original = subs->to[first];
        if (ret_spelling)
                *ret_spelling = TAKE_PTR(spelling);
        return 1;
}
