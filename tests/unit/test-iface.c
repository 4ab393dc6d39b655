/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The interface index against the real installed devel headers
 * (selinux-policy-dev) and against small texts that pin the m4 handling. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iface.h"

static struct iface_index *devel;

static void load_devel(void)
{
        struct planet_error err = {0};
        int r = iface_index_load(NULL, &devel, &err);
        cr_assert_eq(r, 0, "loading %s: %s", IFACE_DEFAULT_INCLUDE_DIR, err.msg);
}

static void free_devel(void)
{
        iface_index_free(devel);
        devel = NULL;
}

/* ---- helpers ------------------------------------------------------------- */

static char *read_all(const char *path)
{
        FILE *f = fopen(path, "re");
        cr_assert_not_null(f, "open %s", path);
        char *s = NULL;
        size_t cap = 0, len = 0;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 65536;
                        s = realloc(s, cap);
                        cr_assert_not_null(s);
                }
                size_t k = fread(s + len, 1, 4096, f);
                len += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        s[len] = 0;
        return s;
}

/* The words of a perm-set define as the support file writes it,
 * `define(`NAME',`{ a b c }')`, read straight from the file so the test does
 * not share the indexer's parsing. Returns a count; words in out. */
static size_t perm_set_from_spt(const char *name, char out[][64], size_t max)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/support/obj_perm_sets.spt", IFACE_DEFAULT_INCLUDE_DIR);
        char *text = read_all(path);
        char needle[128];
        snprintf(needle, sizeof(needle), "define(`%s',`{", name);
        char *p = strstr(text, needle);
        cr_assert_not_null(p, "%s not defined as a brace set in %s", name, path);
        p += strlen(needle);
        char *end = strchr(p, '}');
        cr_assert_not_null(end);
        size_t n = 0;
        while (p < end && n < max) {
                while (p < end && *p == ' ')
                        p++;
                size_t l = strcspn(p, " }");
                if (l == 0)
                        break;
                snprintf(out[n++], 64, "%.*s", (int) l, p);
                p += l;
        }
        free(text);
        return n;
}

static const struct iface_rule *find_rule(const struct iface_rules *rules,
                                          enum iface_rule_kind kind, const char *src,
                                          const char *tgt, const char *cls)
{
        for (size_t i = 0; i < rules->n_rules; i++) {
                const struct iface_rule *r = &rules->rules[i];
                if (r->kind == kind && !strcmp(r->source, src) && !strcmp(r->target, tgt) &&
                    (!cls || (r->tclass && !strcmp(r->tclass, cls))))
                        return r;
        }
        return NULL;
}

static size_t strv_len(char **v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static bool strv_has(char **v, const char *s)
{
        for (; v && *v; v++)
                if (!strcmp(*v, s))
                        return true;
        return false;
}

static struct iface_index *index_of(const char *text)
{
        struct iface_index *idx = NULL;
        struct planet_error err = {0};
        cr_assert_eq(iface_index_new(&idx), 0);
        int r = iface_index_add_text(idx, text, strlen(text), "test/t.if", "test", &err);
        cr_assert_eq(r, 0, "indexing: %s", err.msg);
        return idx;
}

static void expand_ok(struct iface_index *idx, const char *name, const char *const *args,
                      size_t n_args, struct iface_rules *rules)
{
        struct planet_error err = {0};
        int r = iface_expand(idx, name, args, n_args, rules, &err);
        cr_assert_eq(r, 0, "expanding %s: %s", name, err.msg);
}

/* ---- the real devel headers ------------------------------------------------ */

TestSuite(devel, .init = load_devel, .fini = free_devel);

Test(devel, indexes_every_layer_and_the_support_files)
{
        /* Every layer directory that holds .if files shows up, found by glob. */
        const char *layers[] = {"kernel", "system",   "admin",  "apps",
                                "roles",  "services", "support"};
        bool seen[ELEMENTSOF(layers)] = {0};
        size_t interfaces = 0;
        for (size_t i = 0; i < iface_index_count(devel); i++) {
                const struct iface_macro *m = iface_index_get(devel, i);
                if (m->kind == IFACE_KIND_INTERFACE)
                        interfaces++;
                for (size_t l = 0; l < ELEMENTSOF(layers); l++)
                        if (!strcmp(m->layer, layers[l]))
                                seen[l] = true;
                if (i > 0)
                        cr_assert_lt(strcmp(iface_index_get(devel, i - 1)->name, m->name), 0,
                                     "index not sorted or has duplicates at %s", m->name);
        }
        for (size_t l = 0; l < ELEMENTSOF(layers); l++)
                cr_expect(seen[l], "no macro from layer %s", layers[l]);
        /* Debian's policy has thousands; a broken parser finds a handful. */
        cr_assert_gt(interfaces, 3000);
}

Test(devel, doc_block_of_files_read_etc_files)
{
        const struct iface_macro *m = iface_lookup(devel, "files_read_etc_files");
        cr_assert_not_null(m);
        cr_expect_eq(m->kind, IFACE_KIND_INTERFACE);
        cr_expect_str_eq(m->layer, "kernel");
        cr_expect_str_eq(m->module, "files");
        cr_assert_not_null(m->summary);
        cr_expect_str_eq(m->summary, "Read generic files in /etc.");
        cr_assert_eq(m->n_params, 1);
        cr_expect_str_eq(m->params[0].name, "domain");
        cr_expect_str_eq(m->params[0].summary, "Domain allowed access.");
        cr_expect_eq(m->infoflow, IFACE_INFOFLOW_READ);
        cr_expect_eq(m->infoflow_weight, 10);
        /* The verbatim text starts at the keyword and the line points at it. */
        cr_expect_eq(strncmp(m->text, "interface(`files_read_etc_files'", 32), 0);
        char *file = read_all(m->path);
        const char *at = strstr(file, "interface(`files_read_etc_files'");
        cr_assert_not_null(at);
        unsigned line = 1;
        for (const char *p = file; p < at; p++)
                if (*p == '\n')
                        line++;
        free(file);
        cr_expect_eq(m->line, line, "line %u, file says %u", m->line, line);
}

Test(devel, expansion_matches_the_perm_set_defines)
{
        /* files_read_etc_files: allow $1 etc_t:dir list_dir_perms and
         * read_files_pattern($1, etc_t, etc_t), i.e. read_file_perms on files. */
        struct iface_rules rules = {0};
        const char *args[] = {"myapp_t"};
        expand_ok(devel, "files_read_etc_files", args, 1, &rules);

        char want[32][64];
        size_t n = perm_set_from_spt("read_file_perms", want, 32);
        cr_assert_gt(n, 0);
        const struct iface_rule *file =
                find_rule(&rules, IFACE_RULE_ALLOW, "myapp_t", "etc_t", "file");
        cr_assert_not_null(file);
        cr_expect_eq(strv_len(file->perms), n, "etc_t:file perms differ from read_file_perms");
        for (size_t i = 0; i < n; i++)
                cr_expect(strv_has(file->perms, want[i]), "etc_t:file lacks %s", want[i]);
        cr_expect_not(file->conditional);
        cr_expect_str_eq(file->via, "read_files_pattern");

        n = perm_set_from_spt("list_dir_perms", want, 32);
        const struct iface_rule *dir =
                find_rule(&rules, IFACE_RULE_ALLOW, "myapp_t", "etc_t", "dir");
        cr_assert_not_null(dir);
        for (size_t i = 0; i < n; i++)
                cr_expect(strv_has(dir->perms, want[i]), "etc_t:dir lacks %s", want[i]);
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ALLOW, "myapp_t", "etc_t", "lnk_file"));
        for (size_t i = 0; i < rules.n_rules; i++)
                STRV_FOREACH (p, rules.rules[i].perms)
                        cr_expect_not(iface_perm_is_write(*p), "a read interface grants %s", *p);
        cr_expect_null(rules.unresolved);
        iface_rules_done(&rules);
}

/* An interface whose body is nothing but gen_require and plain
 * `allow $1 TYPE:CLASS PERMS;` lines with literal permission words is its own
 * answer: every such interface must expand to exactly those rules. This
 * checks hundreds of interfaces against their .if text. */
static bool plain_allow_body(const struct iface_macro *m, char lines[][256], size_t *n_lines)
{
        const char *p = m->body, *end = m->body + m->body_len;
        *n_lines = 0;
        /* skip a leading gen_require(`…') */
        while (p < end && strchr(" \t\n", *p))
                p++;
        if (end - p > 12 && !strncmp(p, "gen_require(`", 13)) {
                const char *q = strstr(p, "')");
                if (!q || q > end)
                        return false;
                p = q + 2;
        }
        while (p < end) {
                while (p < end && strchr(" \t\n", *p))
                        p++;
                if (p >= end)
                        break;
                const char *nl = memchr(p, '\n', end - p);
                const char *eol = nl ? nl : end;
                size_t l = eol - p;
                if (l >= 256 || strncmp(p, "allow $1 ", 9) || eol[-1] != ';' || *n_lines >= 16 ||
                    !memchr(p, ':', l))
                        return false;
                /* permission words must be literal: no *_perms or set macros */
                for (const char *c = p; c < eol; c++)
                        if (*c == '$' && c != p + 6)
                                return false;
                char buf[256];
                snprintf(buf, sizeof(buf), "%.*s", (int) l, p);
                if (strstr(buf, "_perms") || strstr(buf, "_set") || strchr(buf, '~') ||
                    strchr(buf, '*') || strchr(buf, '-') || strchr(buf, '`'))
                        return false;
                snprintf(lines[(*n_lines)++], 256, "%s", buf);
                p = eol;
        }
        return *n_lines > 0;
}

Test(devel, plain_interfaces_expand_to_their_own_text)
{
        size_t checked = 0;
        for (size_t i = 0; i < iface_index_count(devel); i++) {
                const struct iface_macro *m = iface_index_get(devel, i);
                char lines[16][256];
                size_t n_lines;
                if (m->kind != IFACE_KIND_INTERFACE || !plain_allow_body(m, lines, &n_lines))
                        continue;
                struct iface_rules rules = {0};
                expand_ok(devel, m->name, NULL, 0, &rules);
                for (size_t l = 0; l < n_lines; l++) {
                        /* "allow $1 T:C P;" or "allow $1 T:C { P Q };" */
                        char tgt[128], cls[128], perms[256];
                        cr_assert_eq(sscanf(lines[l], "allow $1 %127[^:]:%127s %255[^;];", tgt, cls,
                                            perms),
                                     3, "%s: cannot read '%s'", m->name, lines[l]);
                        if (tgt[0] == '{' || cls[0] == '{')
                                continue; /* sets of types or classes: split by design */
                        const struct iface_rule *r =
                                find_rule(&rules, IFACE_RULE_ALLOW, "$1", tgt, cls);
                        cr_assert_not_null(r, "%s: no rule for %s:%s", m->name, tgt, cls);
                        for (char *w = strtok(perms, " {}"); w; w = strtok(NULL, " {}"))
                                cr_expect(strv_has(r->perms, w), "%s: %s:%s lacks %s", m->name, tgt,
                                          cls, w);
                }
                iface_rules_done(&rules);
                checked++;
        }
        cr_assert_gt(checked, 200, "only %zu plain interfaces found", checked);
}

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char **rule_strings(const struct iface_rules *rules)
{
        char **v = calloc(rules->n_rules + 1, sizeof(char *));
        cr_assert_not_null(v);
        for (size_t i = 0; i < rules->n_rules; i++) {
                v[i] = iface_rule_to_string(&rules->rules[i]);
                cr_assert_not_null(v[i]);
        }
        qsort(v, rules->n_rules, sizeof(char *), cmp_strp);
        return v;
}

/* Reusing cached symbolic expansions for plain calls must give exactly what
 * rescanning every call's text gives, for every interface and template, with
 * parameters left symbolic and with names bound. */
Test(devel, cached_expansion_equals_textual_expansion)
{
        const char *names[] = {"x_t", "y_t", "z_t", "w_t", "v_t", "u_t"};
        size_t compared = 0;
        for (int bound = 0; bound < 2; bound++)
                for (size_t i = 0; i < iface_index_count(devel); i++) {
                        const struct iface_macro *m = iface_index_get(devel, i);
                        if (m->kind == IFACE_KIND_DEFINE)
                                continue;
                        struct iface_rules a = {0}, b = {0};
                        struct planet_error ea = {0}, eb = {0};
                        const char *const *args = bound ? names : NULL;
                        size_t n = bound ? ELEMENTSOF(names) : 0;
                        int ra = iface_expand_flags(devel, m->name, args, n, IFACE_EXPAND_TEXTUAL,
                                                    &a, &ea);
                        int rb = iface_expand(devel, m->name, args, n, &b, &eb);
                        planet_error_clear(&ea);
                        planet_error_clear(&eb);
                        cr_assert_eq(ra, rb, "%s: textual %d, cached %d", m->name, ra, rb);
                        if (ra < 0)
                                continue;
                        cr_assert_eq(a.n_rules, b.n_rules, "%s: %zu rules textual, %zu cached",
                                     m->name, a.n_rules, b.n_rules);
                        char **x = rule_strings(&a), **y = rule_strings(&b);
                        for (size_t k = 0; k < a.n_rules; k++)
                                cr_assert_str_eq(x[k], y[k], "%s differs", m->name);
                        for (size_t k = 0; k < a.n_rules; k++) {
                                free(x[k]);
                                free(y[k]);
                        }
                        free(x);
                        free(y);
                        iface_rules_done(&a);
                        iface_rules_done(&b);
                        compared++;
                }
        cr_assert_gt(compared, 6000);
}

/* An index that keeps only the definitions' text (what denials loads)
 * has the same macros, text, summaries and expansions, and suggests the
 * same; only the doc blocks are gone. */
Test(devel, definitions_only_index_is_the_same_index_without_docs)
{
        struct iface_index *lean = NULL;
        struct planet_error err = {0};
        cr_assert_eq(iface_index_load_flags(NULL, IFACE_LOAD_DEFINITIONS_ONLY, &lean, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(iface_index_count(lean), iface_index_count(devel));
        size_t expanded = 0;
        for (size_t i = 0; i < iface_index_count(devel); i++) {
                const struct iface_macro *m = iface_index_get(devel, i);
                const struct iface_macro *l = iface_index_get(lean, i);
                cr_assert_str_eq(l->name, m->name);
                cr_assert_eq(l->kind, m->kind);
                cr_assert_eq(l->line, m->line);
                cr_assert_eq(!l->summary, !m->summary, "%s", m->name);
                if (m->summary)
                        cr_assert_str_eq(l->summary, m->summary);
                cr_assert_eq(l->n_params, m->n_params);
                cr_assert_null(l->doc);
                cr_assert_eq(l->text_len, m->text_len);
                cr_assert_eq(memcmp(l->text, m->text, m->text_len), 0, "%s", m->name);
                cr_assert_eq(l->body_len, m->body_len);
                cr_assert_eq(memcmp(l->body, m->body, m->body_len), 0, "%s", m->name);
                if (m->kind != IFACE_KIND_INTERFACE || i % 7)
                        continue;
                struct iface_rules a = {0}, b = {0};
                int ra = iface_expand(devel, m->name, NULL, 0, &a, &err);
                planet_error_clear(&err);
                int rb = iface_expand(lean, m->name, NULL, 0, &b, &err);
                planet_error_clear(&err);
                cr_assert_eq(ra, rb, "%s", m->name);
                cr_assert_eq(a.n_rules, b.n_rules, "%s", m->name);
                for (size_t k = 0; k < a.n_rules; k++) {
                        char *x = iface_rule_to_string(&a.rules[k]);
                        char *y = iface_rule_to_string(&b.rules[k]);
                        cr_assert_str_eq(x, y, "%s", m->name);
                        free(x);
                        free(y);
                }
                iface_rules_done(&a);
                iface_rules_done(&b);
                expanded++;
        }
        cr_assert_gt(expanded, 800);

        const char *perms[] = {"read", "open"};
        struct iface_access need = {"myapp_t", "etc_t", "file", perms, 2};
        struct iface_suggestion *s = NULL, *t = NULL;
        size_t n = 0, nt = 0;
        cr_assert_eq(iface_suggest(devel, &need, NULL, &s, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(iface_suggest(lean, &need, NULL, &t, &nt, &err), 0, "%s", err.msg);
        cr_assert_eq(n, nt);
        cr_assert_gt(n, 0);
        for (size_t k = 0; k < n; k++) {
                cr_assert_str_eq(s[k].call, t[k].call);
                cr_assert_str_eq(s[k].why, t[k].why);
        }
        iface_suggestions_free(s, n);
        iface_suggestions_free(t, nt);
        iface_index_free(lean);
}

static void expect_no_write_anywhere(const char *name)
{
        struct iface_rules rules = {0};
        expand_ok(devel, name, NULL, 0, &rules);
        for (size_t i = 0; i < rules.n_rules; i++)
                if (rules.rules[i].kind == IFACE_RULE_ALLOW)
                        STRV_FOREACH (p, rules.rules[i].perms)
                                cr_expect_not(iface_perm_is_write(*p),
                                              "%s was offered for a read but grants %s", name, *p);
        iface_rules_done(&rules);
}

Test(devel, reading_etc_t_yields_a_read_interface_not_a_manage_one)
{
        const char *perms[] = {"read", "open", "getattr"};
        struct iface_access need = {"myapp_t", "etc_t", "file", perms, 3};
        struct iface_suggestion *s = NULL;
        size_t n = 0;
        struct planet_error err = {0};
        cr_assert_eq(iface_suggest(devel, &need, NULL, &s, &n, &err), 0, "%s", err.msg);
        cr_assert_gt(n, 0);
        cr_expect_str_eq(s[0].macro->name, "files_read_etc_files");
        cr_expect_str_eq(s[0].call, "files_read_etc_files(myapp_t)");
        cr_expect(s[0].exact_target);
        cr_expect_not_null(strstr(s[0].why, "read_files_pattern"), "why: %s", s[0].why);
        for (size_t i = 0; i < n; i++) {
                cr_expect_not(s[i].grants_write, "%s grants write", s[i].macro->name);
                cr_expect_null(strstr(s[i].macro->name, "manage"), "offered %s", s[i].macro->name);
                cr_expect_null(strstr(s[i].macro->name, "_rw_"), "offered %s", s[i].macro->name);
                expect_no_write_anywhere(s[i].macro->name);
        }
        iface_suggestions_free(s, n);
}

Test(devel, writing_ranks_least_extra_first)
{
        const char *perms[] = {"write"};
        struct iface_access need = {"myapp_t", "etc_t", "file", perms, 1};
        struct iface_suggestion *s = NULL;
        size_t n = 0;
        struct planet_error err = {0};
        cr_assert_eq(iface_suggest(devel, &need, NULL, &s, &n, &err), 0, "%s", err.msg);
        cr_assert_geq(n, 2);
        size_t rw = n, manage = n;
        for (size_t i = 0; i < n; i++) {
                if (!strcmp(s[i].macro->name, "files_rw_etc_files"))
                        rw = i;
                if (!strcmp(s[i].macro->name, "files_manage_etc_files"))
                        manage = i;
                if (i > 0 && s[i].exact_target == s[i - 1].exact_target &&
                    s[i].unbound_params == s[i - 1].unbound_params)
                        cr_expect_geq(s[i].extra_on_target, s[i - 1].extra_on_target,
                                      "ranking out of order at %s", s[i].macro->name);
        }
        cr_expect_lt(rw, manage, "rw should rank before manage (rw %zu, manage %zu)", rw, manage);
        iface_suggestions_free(s, n);
}

Test(devel, init_interfaces_are_found)
{
        struct iface_hit *hits = NULL;
        size_t n = 0;
        struct planet_error err = {0};
        cr_assert_eq(iface_find(devel, "^init_", IFACE_KINDS_IFACE, &hits, &n, &err), 0, "%s",
                     err.msg);
        size_t by_name = 0;
        bool daemon_domain = false;
        for (size_t i = 0; i < n; i++) {
                if (hits[i].name_matched) {
                        by_name++;
                        cr_expect_eq(strncmp(hits[i].macro->name, "init_", 5), 0);
                }
                if (!strcmp(hits[i].macro->name, "init_daemon_domain"))
                        daemon_domain = true;
                cr_expect_neq(hits[i].macro->kind, IFACE_KIND_DEFINE);
        }
        cr_expect(daemon_domain);
        cr_expect_gt(by_name, 50);
        iface_hits_free(hits, n);

        /* and suggested for init's own objects */
        const char *perms[] = {"use"};
        struct iface_access need = {"myapp_t", "init_t", "fd", perms, 1};
        struct iface_suggestion *s = NULL;
        cr_assert_eq(iface_suggest(devel, &need, NULL, &s, &n, &err), 0, "%s", err.msg);
        cr_assert_gt(n, 0);
        cr_expect_str_eq(s[0].macro->name, "init_use_fds");
        iface_suggestions_free(s, n);
}

Test(devel, find_matches_definition_lines_like_sefindif)
{
        struct iface_hit *hits = NULL;
        size_t n = 0;
        struct planet_error err = {0};
        cr_assert_eq(
                iface_find(devel, "read_files_pattern.*etc_t", IFACE_KINDS_IFACE, &hits, &n, &err),
                0, "%s", err.msg);
        bool found = false;
        for (size_t i = 0; i < n; i++) {
                cr_expect_not(hits[i].name_matched);
                cr_expect_not_null(hits[i].lines[0]);
                if (!strcmp(hits[i].macro->name, "files_read_etc_files")) {
                        found = true;
                        cr_expect_str_eq(hits[i].lines[0], "read_files_pattern($1, etc_t, etc_t)");
                }
        }
        cr_expect(found);
        iface_hits_free(hits, n);

        cr_expect_eq(iface_find(devel, "([", IFACE_KINDS_ALL, &hits, &n, &err), -EINVAL);
        cr_expect_not_null(strstr(err.msg, "bad regular expression"));
        planet_error_clear(&err);
}

Test(devel, support_defines_are_indexed_with_their_comments)
{
        const struct iface_macro *m = iface_lookup(devel, "read_files_pattern");
        cr_assert_not_null(m);
        cr_expect_eq(m->kind, IFACE_KIND_DEFINE);
        cr_expect_str_eq(m->layer, "support");
        m = iface_lookup(devel, "can_exec");
        cr_assert_not_null(m);
        cr_expect_eq(m->kind, IFACE_KIND_DEFINE);
        /* the comment block right above a define is its summary */
        m = iface_lookup(devel, "getattr_dirs_pattern");
        cr_assert_not_null(m);
        cr_assert_not_null(m->summary);
        cr_expect_not_null(strstr(m->summary, "Parameters"), "%s", m->summary);
}

/* ---- the command line ------------------------------------------------------- */

static int run(const char *args, char **out)
{
        const char *builddir = getenv("top_builddir");
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "%s/planet-selinux %s 2>&1", builddir ? builddir : ".", args);
        FILE *p = popen(cmd, "r");
        cr_assert_not_null(p);
        size_t cap = 1 << 16, len = 0;
        char *s = malloc(cap);
        size_t k;
        while ((k = fread(s + len, 1, cap - len - 1, p)) > 0) {
                len += k;
                if (len + 1 >= cap)
                        s = realloc(s, cap *= 2);
        }
        s[len] = 0;
        int st = pclose(p);
        *out = s;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(cli, show_prints_the_summary_and_text)
{
        char *out;
        cr_assert_eq(run("iface show files_read_etc_files", &out), 0, "%s", out);
        cr_expect_not_null(strstr(out, "kernel/files.if:"), "%s", out);
        cr_expect_not_null(strstr(out, "Summary: Read generic files in /etc."), "%s", out);
        cr_expect_not_null(strstr(out, "interface(`files_read_etc_files',`"), "%s", out);
        free(out);

        cr_assert_eq(run("iface show --expand files_read_etc_files", &out), 0, "%s", out);
        cr_expect_not_null(strstr(out, "allow $1 etc_t:file { getattr ioctl lock open read };"),
                           "%s", out);
        free(out);

        cr_expect_eq(run("iface show no_such_interface_x", &out), 1);
        cr_expect_not_null(strstr(out, "iface find"), "%s", out);
        free(out);
}

Test(cli, find_and_def_and_suggest)
{
        char *out;
        cr_assert_eq(run("iface find --name '^files_read_etc_files$'", &out), 0, "%s", out);
        cr_expect_not_null(
                strstr(out, "interface files_read_etc_files: Read generic files in /etc."), "%s",
                out);
        free(out);

        cr_assert_eq(run("def find '^read_file_perms$'", &out), 0, "%s", out);
        cr_expect_not_null(strstr(out, "support/obj_perm_sets.spt:"), "%s", out);
        free(out);

        cr_assert_eq(run("def show read_files_pattern", &out), 0, "%s", out);
        cr_expect_not_null(strstr(out, "define(`read_files_pattern',`"), "%s", out);
        free(out);

        cr_assert_eq(run("iface suggest --max 3 myapp_t etc_t file read", &out), 0, "%s", out);
        cr_expect_not_null(strstr(out, "1. files_read_etc_files(myapp_t)"), "%s", out);
        free(out);

        /* with the compiled test policy, attribute rules match too */
        const char *root = getenv("PLANET_FIXTURE_ROOT");
        if (root) {
                char args[1024];
                snprintf(args, sizeof(args),
                         "iface suggest --max 0 --policy %s/etc/selinux/default/policy/policy.33 "
                         "myapp_t var_log_t file read",
                         root);
                cr_assert_eq(run(args, &out), 0, "%s", out);
                cr_expect_not_null(strstr(out, "1. logging_read_generic_logs(myapp_t)"), "%s", out);
                cr_expect_not_null(strstr(out, "through attribute "), "%s", out);
                cr_expect_null(strstr(out, "manage"), "%s", out);
                free(out);
                cr_expect_eq(run("iface suggest --policy /nonexistent/policy.33 a_t b_t file read",
                                 &out),
                             2);
                cr_expect_not_null(strstr(out, "/nonexistent/policy.33"), "%s", out);
                free(out);
        }

        /* the Cookbook-habit wrappers run the same thing */
        const char *srcdir = getenv("top_srcdir"), *builddir = getenv("top_builddir");
        char cmd[2048];
        snprintf(cmd, sizeof(cmd),
                 "PLANET_SELINUX=%s/planet-selinux %s/scripts/sefindif '^files_read_etc_files$' "
                 "2>&1",
                 builddir ? builddir : ".", srcdir ? srcdir : "..");
        FILE *p = popen(cmd, "r");
        cr_assert_not_null(p);
        char line[1024] = "";
        cr_expect_not_null(fgets(line, sizeof(line), p));
        cr_expect_eq(pclose(p), 0);
        cr_expect_not_null(strstr(line, "interface files_read_etc_files"), "%s", line);

        cr_expect_eq(run("iface --include /nonexistent find x", &out), 2);
        cr_expect_not_null(strstr(out, "/nonexistent"), "%s", out);
        free(out);
}

/* ---- m4 handling on small texts -------------------------------------------- */

static const char support_text[] = "define(`read_file_perms',`{ getattr open read }')\n"
                                   "define(`rw_file_perms',`{ read_file_perms write append }')\n"
                                   "define(`read_files_pattern',`\n"
                                   "\tallow $1 $2:dir search;\n"
                                   "\tallow $1 $3:file read_file_perms;\n"
                                   "')\n";

Test(m4, nested_quotes_conditionals_and_doc)
{
        const char text[] = "## <summary>\n"
                            "##\tRead <b>foo</b>\n"
                            "##\tfiles.\n"
                            "## </summary>\n"
                            "## <param name=\"domain\">\n"
                            "##\t<summary>Domain allowed access.</summary>\n"
                            "## </param>\n"
                            "## <param name=\"role\" optional=\"true\">\n"
                            "##\t<summary>Role.</summary>\n"
                            "## </param>\n"
                            "## <infoflow type=\"read\" weight=\"5\"/>\n"
                            "#\n"
                            "interface(`foo_read',`\n"
                            "\tgen_require(`\n"
                            "\t\ttype foo_t; class file { read };\n"
                            "\t')\n"
                            "\t# a comment: allow $1 bar_t:file write;\n"
                            "\tread_files_pattern($1, foo_t, foo_t)\n"
                            "\tifdef(`distro_debian',`\n"
                            "\t\tallow $1 foo_deb_t:file read;\n"
                            "\t',`\n"
                            "\t\tallow $1 foo_other_t:file read;\n"
                            "\t')\n"
                            "\toptional_policy(`\n"
                            "\t\tallow $1 opt_t:file `read';\n"
                            "\t')\n"
                            "\ttunable_policy(`foo_bool',`\n"
                            "\t\tallow $1 tun_t:file read;\n"
                            "\t')\n"
                            "\tifelse(`$2',`',`',`\n"
                            "\t\trole $2 types foo_t;\n"
                            "\t')\n"
                            "\tallow $1 { foo_t bar_t }:{ file lnk_file } getattr;\n"
                            "\tallow $1 { file_type -shadow_t }:file getattr;\n"
                            "\ttype_transition $1 foo_t:file foo_new_t \"name.conf\";\n"
                            "\tnot_indexed_call($1)\n"
                            "')\n";
        char *all = NULL;
        cr_assert_gt(asprintf(&all, "%s%s", support_text, text), 0);
        struct iface_index *idx = index_of(all);
        free(all);

        const struct iface_macro *m = iface_lookup(idx, "foo_read");
        cr_assert_not_null(m);
        cr_expect_str_eq(m->summary, "Read foo files.");
        cr_assert_eq(m->n_params, 2);
        cr_expect_not(m->params[0].optional);
        cr_expect(m->params[1].optional);
        cr_expect_eq(m->infoflow, IFACE_INFOFLOW_READ);
        cr_expect_eq(m->infoflow_weight, 5);
        cr_expect_eq(m->line, 19);

        struct iface_rules rules = {0};
        const char *one[] = {"a_t"};
        expand_ok(idx, "foo_read", one, 1, &rules);

        const struct iface_rule *r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "foo_t", "file");
        cr_assert_not_null(r);
        cr_expect_not(r->conditional);
        cr_expect(strv_has(r->perms, "open") && strv_has(r->perms, "getattr") &&
                  strv_has(r->perms, "read"));
        cr_expect_eq(strv_len(r->perms), 3, "merged perms: getattr open read");
        cr_expect_str_eq(r->via, "read_files_pattern");

        /* both ifdef branches, both conditional */
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "foo_deb_t", "file");
        cr_assert_not_null(r);
        cr_expect(r->conditional);
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "foo_other_t", "file");
        cr_assert_not_null(r);
        cr_expect(r->conditional);
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "opt_t", "file");
        cr_assert_not_null(r);
        cr_expect(r->conditional);
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "tun_t", "file");
        cr_assert_not_null(r);
        cr_expect(r->conditional);
        /* the comment granted nothing; the require granted nothing */
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "bar_t", "file");
        cr_assert_not_null(r);
        cr_expect_not(strv_has(r->perms, "write"));
        cr_expect_not(strv_has(r->perms, "read"));
        /* $2 omitted: ifelse decided, no role rule */
        cr_expect_null(find_rule(&rules, IFACE_RULE_ROLE_TYPES, "", "foo_t", NULL));
        /* sets split */
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "bar_t", "lnk_file"));
        r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "file_type", "file");
        cr_assert_not_null(r);
        cr_expect(strv_has(r->target_excluded, "shadow_t"));
        r = find_rule(&rules, IFACE_RULE_TYPE_TRANSITION, "a_t", "foo_t", "file");
        cr_assert_not_null(r);
        cr_expect_str_eq(r->default_type, "foo_new_t");
        cr_expect_str_eq(r->filename, "name.conf");
        cr_assert_not_null(rules.unresolved);
        cr_expect_str_eq(rules.unresolved[0], "not_indexed_call");
        iface_rules_done(&rules);

        /* with $2 given, the role rule appears, unconditionally */
        const char *two[] = {"a_t", "a_r"};
        expand_ok(idx, "foo_read", two, 2, &rules);
        r = find_rule(&rules, IFACE_RULE_ROLE_TYPES, "a_r", "foo_t", NULL);
        cr_assert_not_null(r);
        cr_expect_not(r->conditional);
        iface_rules_done(&rules);

        /* symbolic: a bound $2 is taken as given, so the role rule is there */
        expand_ok(idx, "foo_read", NULL, 0, &rules);
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ALLOW, "$1", "foo_t", "file"));
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ROLE_TYPES, "$2", "foo_t", NULL));
        iface_rules_done(&rules);

        iface_index_free(idx);
}

Test(m4, forwarding_args_and_nested_perm_sets)
{
        char *all = NULL;
        cr_assert_gt(
                asprintf(&all, "%s%s", support_text,
                         "interface(`inner',`allow $1 $2:file rw_file_perms;')\n"
                         "interface(`outer',`refpolicywarn(`$0($*) is deprecated')inner($*)')\n"
                         "template(`tmpl',`type $1_t; allow $1_t self:process signal;')\n"),
                0);
        struct iface_index *idx = index_of(all);
        free(all);
        struct iface_rules rules = {0};
        const char *args[] = {"a_t", "b_t"};
        expand_ok(idx, "outer", args, 2, &rules);
        const struct iface_rule *r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "b_t", "file");
        cr_assert_not_null(r);
        cr_expect_eq(strv_len(r->perms), 5, "getattr open read write append");
        cr_expect(strv_has(r->perms, "append") && strv_has(r->perms, "open"));
        iface_rules_done(&rules);

        /* a perm-set macro passed as an argument is expanded, not pasted */
        iface_index_free(idx);
        cr_assert_gt(asprintf(&all, "%s%s", support_text,
                              "interface(`perm_arg',`allow $1 $2:file $3;')\n"
                              "interface(`caller',`perm_arg($1, foo_t, read_file_perms)\n"
                              "\tperm_arg($1, bar_t, write)')\n"
                              "template(`tmpl',`type $1_t; allow $1_t self:process signal;')\n"),
                     0);
        idx = index_of(all);
        free(all);
        for (unsigned flags = 0; flags <= IFACE_EXPAND_TEXTUAL; flags += IFACE_EXPAND_TEXTUAL) {
                struct planet_error err = {0};
                cr_assert_eq(iface_expand_flags(idx, "caller", args, 1, flags, &rules, &err), 0);
                r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "foo_t", "file");
                cr_assert_not_null(r);
                cr_expect(strv_has(r->perms, "getattr") && !strv_has(r->perms, "read_file_perms"));
                r = find_rule(&rules, IFACE_RULE_ALLOW, "a_t", "bar_t", "file");
                cr_assert_not_null(r);
                cr_expect(strv_has(r->perms, "write"));
                iface_rules_done(&rules);
        }

        const char *prefix[] = {"web"};
        expand_ok(idx, "tmpl", prefix, 1, &rules);
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ALLOW, "web_t", "self", "process"));
        iface_rules_done(&rules);
        cr_expect_eq(iface_lookup(idx, "tmpl")->kind, IFACE_KIND_TEMPLATE);
        iface_index_free(idx);
}

Test(m4, recursion_and_bad_text_are_errors_not_crashes)
{
        struct iface_index *idx = index_of("define(`loop',`allow $1 x_t:file read; loop($1)')\n"
                                           "interface(`self_ref',`self_ref($1)')\n");
        struct iface_rules rules = {0};
        struct planet_error err = {0};
        const char *args[] = {"a_t"};
        int r = iface_expand(idx, "loop", args, 1, &rules, &err);
        cr_expect(r == -ELOOP || r == -E2BIG, "r = %d", r);
        cr_expect_not_null(strstr(err.msg, "loop"), "%s", err.msg);
        planet_error_clear(&err);
        r = iface_expand(idx, "self_ref", args, 1, &rules, &err);
        cr_expect(r == -ELOOP || r == -E2BIG, "r = %d", r);
        planet_error_clear(&err);
        cr_expect_eq(iface_expand(idx, "nope", args, 1, &rules, &err), -ENOENT);
        planet_error_clear(&err);
        iface_index_free(idx);

        cr_assert_eq(iface_index_new(&idx), 0);
        const char bad[] = "\n\ninterface(`broken',`allow $1 x_t:file read;\n";
        r = iface_index_add_text(idx, bad, strlen(bad), "bad/broken.if", "bad", &err);
        cr_expect_eq(r, -EINVAL);
        cr_expect_not_null(strstr(err.msg, "bad/broken.if:3"), "%s", err.msg);
        planet_error_clear(&err);
        iface_index_free(idx);
}

static bool in_attr(const char *type, const char *attr, void *userdata)
{
        (void) userdata;
        return !strcmp(attr, "file_type") && strcmp(type, "shadow_t") != 0;
}

Test(m4, suggestion_never_offers_write_for_read_and_prefers_exact)
{
        char *all = NULL;
        cr_assert_gt(
                asprintf(&all, "%s%s", support_text,
                         "interface(`x_manage',`allow $1 x_t:file { getattr open read write "
                         "create unlink };')\n"
                         "interface(`x_read_and_log',`read_files_pattern($1, x_t, x_t)\n"
                         "\tallow $1 log_t:file append;')\n"
                         "interface(`x_read',`read_files_pattern($1, x_t, x_t)')\n"
                         "interface(`x_read_more',`allow $1 x_t:file { read_file_perms ioctl "
                         "lock };')\n"
                         "interface(`all_read',`allow $1 { file_type -shadow_t }:file read;')\n"
                         "interface(`x_maybe',`optional_policy(`allow $1 x_t:file read;')')\n"
                         "template(`x_tmpl',`allow $1 x_t:file read;')\n"),
                0);
        struct iface_index *idx = index_of(all);
        free(all);
        struct planet_error err = {0};
        struct iface_suggestion *s = NULL;
        size_t n = 0;
        const char *read[] = {"read"};
        struct iface_access need = {"a_t", "x_t", "file", read, 1};
        struct iface_suggest_options opts = {.type_matches = in_attr};

        cr_assert_eq(iface_suggest(idx, &need, &opts, &s, &n, &err), 0, "%s", err.msg);
        /* x_read, x_read_more (exact, least extra first), all_read (attribute);
         * never x_manage or x_read_and_log (write), x_maybe (conditional)
         * or x_tmpl (a template). */
        cr_assert_eq(n, 3);
        cr_expect_str_eq(s[0].macro->name, "x_read");
        cr_expect_str_eq(s[1].macro->name, "x_read_more");
        cr_expect_str_eq(s[2].macro->name, "all_read");
        cr_expect_not(s[2].exact_target);
        cr_expect_eq(s[0].extra_on_target, 2); /* getattr open */
        iface_suggestions_free(s, n);

        /* shadow_t is carved out of all_read */
        need.target = "shadow_t";
        cr_assert_eq(iface_suggest(idx, &need, &opts, &s, &n, &err), 0);
        cr_expect_eq(n, 0);
        free(s);

        const char *write[] = {"write"};
        need = (struct iface_access){"a_t", "x_t", "file", write, 1};
        cr_assert_eq(iface_suggest(idx, &need, &opts, &s, &n, &err), 0);
        cr_assert_eq(n, 1);
        cr_expect_str_eq(s[0].macro->name, "x_manage");
        cr_expect(s[0].grants_write);
        iface_suggestions_free(s, n);

        need.n_perms = 0;
        cr_expect_eq(iface_suggest(idx, &need, &opts, &s, &n, &err), -EINVAL);
        planet_error_clear(&err);
        iface_index_free(idx);
}

Test(m4, source_tree_layout_is_found)
{
        char dir[] = "/tmp/test-iface-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char path[512];
        const char *dirs[] = {"/policy", "/policy/modules", "/policy/modules/kernel",
                              "/policy/support"};
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(path, sizeof(path), "%s%s", dir, dirs[i]);
                cr_assert_eq(mkdir(path, 0700), 0);
        }
        snprintf(path, sizeof(path), "%s/policy/support/file_patterns.spt", dir);
        FILE *f = fopen(path, "we");
        fputs(support_text, f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/policy/modules/kernel/k.if", dir);
        f = fopen(path, "we");
        fputs("interface(`k_read',`read_files_pattern($1, k_t, k_t)')\n", f);
        fclose(f);

        struct iface_index *idx = NULL;
        struct planet_error err = {0};
        cr_assert_eq(iface_index_load(dir, &idx, &err), 0, "%s", err.msg);
        const struct iface_macro *m = iface_lookup(idx, "k_read");
        cr_assert_not_null(m);
        cr_expect_str_eq(m->layer, "kernel");
        cr_expect_str_eq(m->module, "k");
        cr_expect_str_eq(iface_lookup(idx, "read_files_pattern")->layer, "support");
        struct iface_rules rules = {0};
        expand_ok(idx, "k_read", NULL, 0, &rules);
        cr_expect_not_null(find_rule(&rules, IFACE_RULE_ALLOW, "$1", "k_t", "file"));
        iface_rules_done(&rules);
        iface_index_free(idx);

        /* a directory without interface files is an error that says what to do */
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        cr_assert_eq(system(path), 0);
        cr_assert_eq(mkdir(dir, 0700), 0);
        cr_expect_eq(iface_index_load(dir, &idx, &err), -ENOENT);
        cr_expect_not_null(strstr(err.msg, "selinux-policy-dev"), "%s", err.msg);
        planet_error_clear(&err);
        rmdir(dir);
}
