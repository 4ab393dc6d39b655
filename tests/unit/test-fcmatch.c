/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fcmatch must answer exactly what libselinux's selabel_lookup_raw answers:
 * every test here asks both and compares, on small files that exercise one
 * rule each and on the real fixture policy's file_contexts with the paths of
 * this machine. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcmatch.h"

static char tmpdir[] = "/tmp/test-fcmatch.XXXXXX";

static void write_file(const char *name, const char *text)
{
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/%s", tmpdir, name), 0);
        FILE *f = fopen(p, "we");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
        free(p);
}

static void setup(void)
{
        cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
        char *cmd = NULL;
        if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0 && system(cmd) != 0)
                cr_log_warn("could not remove %s", tmpdir);
        free(cmd);
}

struct oracle {
        struct fc_matcher *m;
        struct selabel_handle *h;
        unsigned compared, answered;
};

static void oracle_open(struct oracle *o, const char *path)
{
        struct planet_error err = {0};
        cr_assert_eq(fc_matcher_open(&o->m, path, &err), 0, "%s", err.msg ? err.msg : "");
        struct selinux_opt opts[] = {{SELABEL_OPT_PATH, path}};
        o->h = selabel_open(SELABEL_CTX_FILE, opts, 1);
        cr_assert_not_null(o->h, "selabel_open(%s)", path);
}

static void oracle_close(struct oracle *o)
{
        fc_matcher_free(o->m);
        selabel_close(o->h);
}

/* Ask both; they must agree on the context or on "no label". */
static void agree(struct oracle *o, const char *path, mode_t mode)
{
        struct planet_error err = {0};
        const struct fc_entry *e = NULL;
        int r = fc_matcher_lookup(o->m, path, mode, &e, NULL, &err);
        cr_assert(r == 0 || r == -ENOENT, "fc_matcher_lookup(%s): %d %s", path, r,
                  err.msg ? err.msg : "");
        char *con = NULL;
        int s = selabel_lookup_raw(o->h, &con, path, mode);
        if (s < 0)
                cr_assert_eq(r, -ENOENT, "%s (mode %o): selabel has no label, fcmatch says %s",
                             path, mode, e ? e->context : "?");
        else
                cr_assert(r == 0 && !strcmp(e->context, con),
                          "%s (mode %o): selabel says %s, fcmatch %s", path, mode, con,
                          r == 0 ? e->context : "no label");
        o->compared++;
        o->answered += s >= 0;
        freecon(con);
}

static const char *expect(struct oracle *o, const char *path, mode_t mode)
{
        agree(o, path, mode);
        const struct fc_entry *e = NULL;
        return fc_matcher_lookup(o->m, path, mode, &e, NULL, NULL) == 0 ? e->type : NULL;
}

TestSuite(fcmatch, .init = setup, .fini = teardown);

Test(fcmatch, rules_one_by_one)
{
        write_file("fc", "/.*\t\tsystem_u:object_r:default_t:s0\n"
                         "/usr(/.*)?\t\tsystem_u:object_r:usr_t:s0\n"
                         "/usr/bin(/.*)?\t\tsystem_u:object_r:bin_t:s0\n"
                         "/usr/bin/kubelet\t--\tsystem_u:object_r:kube_exec_t:s0\n"
                         "/usr/bin/kube.*\t--\tsystem_u:object_r:kube_other_t:s0\n"
                         "/usr/bin/none\t\t<<none>>\n"
                         "/usr/bin/dir\t-d\tsystem_u:object_r:dir_t:s0\n"
                         "/run/app(/.*)?\t\tsystem_u:object_r:app_run_t:s0\n"
                         "/a|/b\t\tsystem_u:object_r:alt_t:s0\n"
                         "/opt/x/?\t\tsystem_u:object_r:opt_t:s0\n"
                         "/srv/[^/]+/data\t\tsystem_u:object_r:srv_t:s0\n"
                         "/etc/\\.hidden\t\tsystem_u:object_r:hidden_t:s0\n"
                         "/etc/.*\t\tsystem_u:object_r:etc_t:s0\n");
        write_file("fc.subs_dist", "/var/run /run\n/alias /usr\n");
        write_file("fc.subs", "/mine /usr/bin\n");
        write_file("fc.local", "/usr/bin/local\tsystem_u:object_r:local_t:s0\n");

        char *path = NULL;
        cr_assert_geq(asprintf(&path, "%s/fc", tmpdir), 0);
        struct oracle o = {0};
        oracle_open(&o, path);

        /* A literal path beats a later pattern that also matches. */
        cr_assert_str_eq(expect(&o, "/usr/bin/kubelet", S_IFREG), "kube_exec_t");
        cr_assert_str_eq(expect(&o, "/usr/bin/kubectl", S_IFREG), "kube_other_t");
        /* Mode filters; mode 0 fits every entry. */
        cr_assert_str_eq(expect(&o, "/usr/bin/kubelet", S_IFDIR), "bin_t");
        cr_assert_str_eq(expect(&o, "/usr/bin/dir", S_IFDIR), "dir_t");
        cr_assert_str_eq(expect(&o, "/usr/bin/dir", S_IFREG), "bin_t");
        cr_assert_not_null(expect(&o, "/usr/bin/kubelet", 0));
        /* <<none>> is no label. */
        cr_assert_null(expect(&o, "/usr/bin/none", S_IFREG));
        /* Equivalences: .subs_dist, .subs, and .subs through .subs_dist. */
        cr_assert_str_eq(expect(&o, "/var/run/app/sock", S_IFSOCK), "app_run_t");
        cr_assert_str_eq(expect(&o, "/var/run", S_IFDIR), "default_t");
        cr_assert_str_eq(expect(&o, "/alias/bin/kubelet", S_IFREG), "kube_exec_t");
        cr_assert_str_eq(expect(&o, "/mine/kubelet", S_IFREG), "kube_exec_t");
        cr_assert_str_eq(expect(&o, "/var/runx/y", S_IFREG), "default_t");
        /* .local comes after the main file. */
        cr_assert_str_eq(expect(&o, "/usr/bin/local", S_IFREG), "local_t");
        /* Duplicate slashes are collapsed, a trailing one dropped. */
        cr_assert_str_eq(expect(&o, "//usr//bin//kubelet", S_IFREG), "kube_exec_t");
        cr_assert_str_eq(expect(&o, "/usr/bin/kubelet/", S_IFREG), "kube_exec_t");
        cr_assert_str_eq(expect(&o, "/usr/bin/kubelet//", S_IFREG), "kube_exec_t");
        expect(&o, "//", S_IFDIR);
        /* Top-level alternation binds as in selabel's "^/a|/b$". */
        expect(&o, "/a", S_IFREG);
        expect(&o, "/b", S_IFREG);
        expect(&o, "/axyz", S_IFREG);
        expect(&o, "/xyz/b", S_IFREG);
        /* Optional last character; character classes. */
        cr_assert_str_eq(expect(&o, "/opt/x", S_IFDIR), "opt_t");
        cr_assert_str_eq(expect(&o, "/opt/x/", S_IFDIR), "opt_t");
        cr_assert_str_eq(expect(&o, "/srv/www/data", S_IFDIR), "srv_t");
        cr_assert_str_eq(expect(&o, "/srv/a/b/data", S_IFDIR), "default_t");
        /* An escaped dot is literal: the entry is a literal path and so
         * beats the later pattern. */
        cr_assert_str_eq(expect(&o, "/etc/.hidden", S_IFREG), "hidden_t");
        cr_assert_str_eq(expect(&o, "/etc/xhidden", S_IFREG), "etc_t");
        /* Keys with no second component skip stemmed entries in selabel. */
        expect(&o, "/usr", S_IFDIR);
        expect(&o, "/", S_IFDIR);
        oracle_close(&o);
        free(path);
}

Test(fcmatch, bad_regex_names_file_and_line)
{
        write_file("bad", "/ok\tu:r:t:s0\n/x(\tu:r:t:s0\n");
        char *path = NULL;
        cr_assert_geq(asprintf(&path, "%s/bad", tmpdir), 0);
        struct fc_matcher *m = NULL;
        struct planet_error err = {0};
        cr_assert_eq(fc_matcher_open(&m, path, &err), 0);
        const struct fc_entry *e = NULL;
        cr_assert_eq(fc_matcher_lookup(m, "/x(", S_IFREG, &e, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "bad:2:"), "%s", err.msg);
        planet_error_clear(&err);
        fc_matcher_free(m);
        cr_assert_lt(fc_matcher_open(&m, "/nonexistent/file_contexts", &err), 0);
        cr_assert(strstr(err.msg, "/nonexistent/file_contexts"), "%s", err.msg);
        planet_error_clear(&err);
        free(path);
}

/* ---- the real policy, the real machine ---------------------------------- */

static struct oracle *walk_oracle;
static unsigned walk_left;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (flag == FTW_NS)
                return 0;
        agree(walk_oracle, path, st->st_mode & S_IFMT);
        return --walk_left == 0;
}

Test(fcmatch, agrees_with_selabel_on_this_machine, .timeout = 300)
{
        const char *root = getenv("PLANET_FIXTURE_ROOT");
        cr_assert_not_null(root, "PLANET_FIXTURE_ROOT is not set (run through make check)");
        char *path = NULL;
        cr_assert_geq(asprintf(&path, "%s/etc/selinux/default/contexts/files/file_contexts", root),
                      0);
        struct oracle o = {0};
        oracle_open(&o, path);

        /* Real files with their real modes, bounded per tree. */
        static const char *const trees[] = {"/etc", "/usr/bin", "/usr/sbin", "/usr/lib/systemd",
                                            "/var", "/run", "/dev", "/usr/share/selinux"};
        walk_oracle = &o;
        for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
                walk_left = 600;
                nftw(trees[i], walk_one, 32, FTW_PHYS);
        }

        /* One probe per entry: its literal prefix plus a tail, with and
         * without a mode, and the same under /var/run when under /run. */
        FILE *f = fopen(path, "re");
        cr_assert_not_null(f);
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                if (line[0] != '/')
                        continue;
                line[strcspn(line, " \t\n")] = '\0';
                char prefix[4096];
                size_t n = fc_regex_literal_prefix(line, prefix, sizeof(prefix));
                if (n == 0)
                        continue;
                char probe[4200];
                snprintf(probe, sizeof(probe), "%s", prefix);
                agree(&o, probe, 0);
                snprintf(probe, sizeof(probe), "%s/x", prefix);
                agree(&o, probe, S_IFREG);
                if (!strncmp(prefix, "/run/", 5)) {
                        snprintf(probe, sizeof(probe), "/var%s", prefix);
                        agree(&o, probe, S_IFDIR);
                }
        }
        free(line);
        fclose(f);
        cr_assert_gt(o.compared, 5000, "only %u paths compared", o.compared);
        cr_assert_gt(o.answered, o.compared / 2, "too few labeled paths: the oracle is off");
        cr_log_info("fcmatch agreed with selabel on %u paths (%u labeled)", o.compared,
                    o.answered);
        oracle_close(&o);
        free(path);
}
