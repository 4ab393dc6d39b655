/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fc: .fc and file_contexts parsing, matching and equivalences, checked on
 * small inputs and against the real files (our gravity.fc, the fixture
 * store's file_contexts and what libselinux itself answers for them). */
#include <criterion/criterion.h>
#include <errno.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fc.h"

static struct fc_file parse_ok(const char *text, enum fc_format format)
{
        struct fc_file f = {0};
        struct planet_error err = {0};
        int r = fc_parse(text, strlen(text), "test.fc", format, "s0", &f, &err);
        cr_assert_eq(r, 0, "fc_parse failed: %s", err.msg ? err.msg : strerror(-r));
        return f;
}

static char *parse_error(const char *text, enum fc_format format)
{
        struct fc_file f = {0};
        struct planet_error err = {0};
        int r = fc_parse(text, strlen(text), "bad.fc", format, "s0", &f, &err);
        cr_assert_lt(r, 0, "fc_parse accepted: %s", text);
        cr_assert_eq(err.errnum, -r);
        cr_assert_not_null(err.msg);
        return err.msg;
}

static char *fixture_path(const char *rel)
{
        const char *root = getenv("PLANET_FIXTURE_ROOT");
        cr_assert_not_null(root, "PLANET_FIXTURE_ROOT is not set (run through make check)");
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/%s", root, rel), 0);
        return p;
}

Test(fc, source_entries)
{
        struct fc_file f =
                parse_ok("# comment\n"
                         "\n"
                         "/usr/bin/kubelet\t--\tgen_context(system_u:object_r:k_exec_t,s0)\n"
                         "  /var/lib/x(/.*)?   gen_context(system_u:object_r:x_t,s0)  \n"
                         "/run/a\\.sock -s gen_context(system_u:object_r:r_t)\n"
                         "/proc -d <<none>>\n"
                         "/etc/mls\tgen_context(system_u:object_r:e_t,s0,c0.c3)",
                         FC_FORMAT_AUTO);
        cr_assert_eq(f.n_entries, 5);
        cr_assert_str_eq(f.name, "test.fc");

        cr_assert_str_eq(f.entries[0].regex, "/usr/bin/kubelet");
        cr_assert_str_eq(f.entries[0].file_type, "--");
        cr_assert_eq(f.entries[0].mode, S_IFREG);
        cr_assert_str_eq(f.entries[0].context, "system_u:object_r:k_exec_t:s0");
        cr_assert_str_eq(f.entries[0].type, "k_exec_t");
        cr_assert_eq(f.entries[0].line, 3);

        cr_assert_str_eq(f.entries[1].regex, "/var/lib/x(/.*)?");
        cr_assert_null(f.entries[1].file_type);
        cr_assert_eq(f.entries[1].mode, 0);
        cr_assert_eq(f.entries[1].line, 4);

        /* No range given: the default is used. */
        cr_assert_str_eq(f.entries[2].context, "system_u:object_r:r_t:s0");
        cr_assert_eq(f.entries[2].mode, S_IFSOCK);

        cr_assert_str_eq(f.entries[3].context, "<<none>>");
        cr_assert_null(f.entries[3].type);
        cr_assert_eq(f.entries[3].mode, S_IFDIR);

        cr_assert_str_eq(f.entries[4].context, "system_u:object_r:e_t:s0:c0.c3");
        cr_assert_eq(f.entries[4].line, 7);
        fc_file_done(&f);
        cr_assert_eq(f.n_entries, 0);
}

Test(fc, compiled_entries_and_crlf)
{
        struct fc_file f = parse_ok("/a\tsystem_u:object_r:a_t:s0\r\n"
                                    "/b\t-l\tsystem_u:object_r:b_t:s0:c1\r\n"
                                    "/c\t<<none>>\n",
                                    FC_FORMAT_AUTO);
        cr_assert_eq(f.n_entries, 3);
        cr_assert_str_eq(f.entries[0].context, "system_u:object_r:a_t:s0");
        cr_assert_str_eq(f.entries[1].type, "b_t");
        cr_assert_eq(f.entries[1].mode, S_IFLNK);
        cr_assert_str_eq(f.entries[1].context, "system_u:object_r:b_t:s0:c1");
        cr_assert_null(f.entries[2].type);
        fc_file_done(&f);
}

Test(fc, errors_name_the_line)
{
        cr_assert(strstr(parse_error("/ok gen_context(u:r:t,s0)\n/x -q gen_context(u:r:t,s0)\n",
                                     FC_FORMAT_SOURCE),
                         "bad.fc:2: unknown file type"));
        cr_assert(strstr(parse_error("/x\n", FC_FORMAT_SOURCE), "bad.fc:1: expected PATH"));
        cr_assert(strstr(parse_error("/x -- a b c\n", FC_FORMAT_COMPILED), "too many fields"));
        cr_assert(strstr(parse_error("/x u:r:t:s0\n", FC_FORMAT_SOURCE), "gen_context"));
        cr_assert(strstr(parse_error("/x gen_context(u:r,s0)\n", FC_FORMAT_SOURCE),
                         "not user:role:type"));
        cr_assert(strstr(parse_error("/x nocolons\n", FC_FORMAT_COMPILED), "not user:role:type"));
        /* Only the source form is regex-checked at parse time; a compiled
         * file_contexts is checked where it is matched (fcmatch). */
        cr_assert(strstr(parse_error("/x(  gen_context(u:r:t,s0)\n", FC_FORMAT_SOURCE),
                         "not a valid regular expression"));
        cr_assert(strstr(parse_error("/a+b+c+d+e+f+g+h+i+ u:r:t:s0\n", FC_FORMAT_COMPILED),
                         "too many '+'"));
        cr_assert(strstr(parse_error("ifdef(`distro_debian',`\n", FC_FORMAT_SOURCE),
                         "must start with '/'"));
        cr_assert(strstr(parse_error("HOME_DIR/x gen_context(u:r:t,s0)\n", FC_FORMAT_SOURCE),
                         "genhomedircon"));
        const char nul[] = "/a u:r:t:s0\n/b\0 u:r:t:s0\n";
        struct fc_file f = {0};
        struct planet_error err = {0};
        cr_assert_lt(fc_parse(nul, sizeof(nul) - 1, "nul", FC_FORMAT_COMPILED, NULL, &f, &err), 0);
        cr_assert(strstr(err.msg, "nul:2: NUL"));
        planet_error_clear(&err);
}

Test(fc, find_entry_last_match_full_match_and_mode)
{
        struct fc_file f = parse_ok("/usr/bin(/.*)?\tu:r:bin_t:s0\n"
                                    "/usr/bin/kube(let|ctl)\t--\tu:r:kube_exec_t:s0\n"
                                    "/usr/bin/kubelet\t-d\tu:r:weird_t:s0\n"
                                    "/a|/b\tu:r:alt_t:s0\n",
                                    FC_FORMAT_COMPILED);
        const struct fc_entry *e = fc_find_entry(&f, "/usr/bin/kubelet", S_IFREG);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->type, "kube_exec_t");
        cr_assert_eq(e->line, 2);
        /* Full match only: a longer name falls back to the tree entry. */
        cr_assert_str_eq(fc_find_entry(&f, "/usr/bin/kubelet2", S_IFREG)->type, "bin_t");
        /* Mode filters, and mode 0 matches any entry (the last one wins). */
        cr_assert_str_eq(fc_find_entry(&f, "/usr/bin/kubelet", S_IFDIR)->type, "weird_t");
        cr_assert_str_eq(fc_find_entry(&f, "/usr/bin/kubelet", 0)->type, "weird_t");
        cr_assert_str_eq(fc_find_entry(&f, "/usr/bin/kubectl", S_IFLNK)->type, "bin_t");
        cr_assert_str_eq(fc_find_entry(&f, "/usr/bin", S_IFDIR)->type, "bin_t");
        /* A top-level alternation has no common prefix. */
        cr_assert_str_eq(fc_find_entry(&f, "/b", S_IFREG)->type, "alt_t");
        cr_assert_null(fc_find_entry(&f, "/usr", S_IFDIR));
        cr_assert_null(fc_find_entry(&f, "/ab", S_IFREG));
        fc_file_done(&f);
}

Test(fc, literal_prefix)
{
        char buf[64];
        cr_assert_eq(fc_regex_literal_prefix("/run/planet\\.sock", buf, sizeof(buf)), 16);
        cr_assert_str_eq(buf, "/run/planet.sock");
        fc_regex_literal_prefix("/var/run(/.*)?", buf, sizeof(buf));
        cr_assert_str_eq(buf, "/var/run");
        /* A character that may be absent ends the prefix before it. */
        fc_regex_literal_prefix("/usr/lib64?/x", buf, sizeof(buf));
        cr_assert_str_eq(buf, "/usr/lib6");
        cr_assert_eq(fc_regex_literal_prefix("/a|/b", buf, sizeof(buf)), 0);
        cr_assert_eq(fc_regex_literal_prefix("/(a|b)/c", buf, sizeof(buf)), 1);
        cr_assert_eq(fc_regex_literal_prefix("/usr/.*", buf, 4), 3);
        cr_assert_str_eq(buf, "/us");
}

Test(fc, write_round_trip)
{
        struct fc_file f = parse_ok("/x(/.*)?\tgen_context(system_u:object_r:x_t,s0)\n"
                                    "/x/y\t-s\tgen_context(system_u:object_r:y_t,s0)\n"
                                    "/z\t<<none>>\n",
                                    FC_FORMAT_SOURCE);
        char *buf = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&buf, &size);
        cr_assert_not_null(mem);
        cr_assert_eq(fc_write_file_contexts(&f, mem), 0);
        fclose(mem);
        cr_assert_str_eq(buf, "/x(/.*)?\tsystem_u:object_r:x_t:s0\n"
                              "/x/y\t-s\tsystem_u:object_r:y_t:s0\n"
                              "/z\t<<none>>\n");
        struct fc_file g = parse_ok(buf, FC_FORMAT_AUTO);
        cr_assert_eq(g.n_entries, f.n_entries);
        for (size_t i = 0; i < f.n_entries; i++) {
                cr_assert_str_eq(g.entries[i].regex, f.entries[i].regex);
                cr_assert_str_eq(g.entries[i].context, f.entries[i].context);
                cr_assert_eq(g.entries[i].mode, f.entries[i].mode);
        }
        free(buf);
        fc_file_done(&f);
        fc_file_done(&g);
}

static struct fc_subs subs_from(const char *text)
{
        char path[] = "/tmp/test-fc-subs-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        struct fc_subs subs = {0};
        struct planet_error err = {0};
        int r = fc_subs_load(path, &subs, &err);
        unlink(path);
        cr_assert_eq(r, 0, "%s", err.msg ? err.msg : "");
        return subs;
}

Test(fc, subs_apply_whole_components)
{
        struct fc_subs subs = subs_from("# aliases\n/var/run /run\n\n/bin/ /usr/bin\n");
        cr_assert_eq(subs.n_subs, 2);
        char *s;
        cr_assert_str_eq(s = fc_subs_apply(&subs, "/var/run/planet.sock"), "/run/planet.sock");
        free(s);
        cr_assert_str_eq(s = fc_subs_apply(&subs, "/var/run"), "/run");
        free(s);
        cr_assert_str_eq(s = fc_subs_apply(&subs, "/var/runner"), "/var/runner");
        free(s);
        cr_assert_str_eq(s = fc_subs_apply(&subs, "/bin/sh"), "/usr/bin/sh");
        free(s);
        fc_subs_done(&subs);
}

Test(fc, subs_missing_file_is_empty_and_bad_line_is_error)
{
        struct fc_subs subs = {0};
        struct planet_error err = {0};
        cr_assert_eq(fc_subs_load("/nonexistent/file_contexts.subs", &subs, &err), 0);
        cr_assert_eq(subs.n_subs, 0);

        char path[] = "/tmp/test-fc-subs-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, "/a /b\nrelative /c\n", 18), 18);
        close(fd);
        cr_assert_eq(fc_subs_load(path, &subs, &err), -EINVAL);
        unlink(path);
        cr_assert(strstr(err.msg, ":2: expected two absolute paths"), "%s", err.msg);
        planet_error_clear(&err);
        fc_subs_done(&subs);
}

Test(fc, check_subs_finds_traps_and_spells_the_fix)
{
        struct fc_subs subs = subs_from("/var/run /run\n/run/lock /var/lock\n/bin /usr/bin\n");
        struct fc_file f = parse_ok("/var/run/x\\.sock\tu:r:a_t:s0\n"
                                    "/var/run(/.*)?\tu:r:b_t:s0\n"
                                    "/var/runner\tu:r:c_t:s0\n"
                                    "/run/x\tu:r:d_t:s0\n"
                                    "/var/run/lock/y\tu:r:e_t:s0\n"
                                    "/var/(run|lib)/z\tu:r:f_t:s0\n"
                                    "/var/run.*\tu:r:g_t:s0\n",
                                    FC_FORMAT_COMPILED);
        const char *alias = NULL, *original = NULL;
        char *spelling = NULL;

        cr_assert_eq(fc_entry_check_subs(&subs, &f.entries[0], &alias, &original, &spelling), 1);
        cr_assert_str_eq(alias, "/var/run");
        cr_assert_str_eq(original, "/run");
        cr_assert_str_eq(spelling, "/run/x\\.sock");
        free(spelling);

        cr_assert_eq(fc_entry_check_subs(&subs, &f.entries[1], NULL, NULL, &spelling), 1);
        cr_assert_str_eq(spelling, "/run(/.*)?");
        free(spelling);

        /* Chained equivalences: /var/run/lock → /run/lock → /var/lock. */
        cr_assert_eq(fc_entry_check_subs(&subs, &f.entries[4], NULL, NULL, &spelling), 1);
        cr_assert_str_eq(spelling, "/var/lock/y");
        free(spelling);

        for (size_t i = 2; i < f.n_entries; i++)
                if (i != 4)
                        cr_assert_eq(fc_entry_check_subs(&subs, &f.entries[i], NULL, NULL, NULL), 0,
                                     "entry %zu (%s) flagged", i, f.entries[i].regex);
        fc_file_done(&f);
        fc_subs_done(&subs);
}

/* The real inputs: our module's .fc parses, and for the fixture store's
 * file_contexts fc_find_entry agrees with libselinux on sample paths. */
Test(fc, gravity_fc_parses)
{
        const char *top = getenv("top_srcdir");
        cr_assert_not_null(top);
        char *path = NULL;
        cr_assert_geq(asprintf(&path, "%s/policy/gravity.fc", top), 0);
        struct fc_file f = {0};
        struct planet_error err = {0};
        cr_assert_eq(fc_load(path, FC_FORMAT_AUTO, "s0", &f, &err), 0, "%s", err.msg);
        const struct fc_entry *e = fc_find_entry(&f, "/usr/bin/kubelet", S_IFREG);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->type, "gravity_kubernetes_exec_t");
        e = fc_find_entry(&f, "/var/lib/gravity/planet/rootfs/usr/bin/systemctl", S_IFREG);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->type, "gravity_container_systemctl_exec_t");
        free(path);
        fc_file_done(&f);
}

Test(fc, agrees_with_libselinux_on_the_fixture_store)
{
        char *fc_path = fixture_path("etc/selinux/default/contexts/files/file_contexts");
        struct fc_file f = {0};
        struct planet_error err = {0};
        cr_assert_eq(fc_load(fc_path, FC_FORMAT_COMPILED, NULL, &f, &err), 0, "%s", err.msg);
        cr_assert_gt(f.n_entries, 1000);

        struct selinux_opt opts[] = {{SELABEL_OPT_PATH, fc_path}};
        struct selabel_handle *h = selabel_open(SELABEL_CTX_FILE, opts, 1);
        cr_assert_not_null(h);
        static const struct {
                const char *path;
                mode_t mode;
        } samples[] = {
                {"/usr/bin/kubelet", S_IFREG},
                {"/usr/bin/gravity", S_IFREG},
                {"/usr/bin/ls", S_IFREG},
                {"/run/planet.sock", S_IFSOCK},
                {"/run/gravity/x", S_IFREG},
                {"/var/lib/gravity/planet/rootfs/usr/lib/systemd/systemd", S_IFREG},
                {"/var/lib/gravity/planet/rootfs/etc/passwd", S_IFREG},
                {"/etc/shadow", S_IFREG},
                {"/var/log/gravity", S_IFDIR},
                {"/usr/lib/systemd/systemd", S_IFREG},
                {"/dev/null", S_IFCHR},
                {"/tmp", S_IFDIR},
        };
        for (size_t i = 0; i < ELEMENTSOF(samples); i++) {
                char *want = NULL;
                cr_assert_eq(selabel_lookup_raw(h, &want, samples[i].path, samples[i].mode), 0,
                             "libselinux has no label for %s", samples[i].path);
                const struct fc_entry *e = fc_find_entry(&f, samples[i].path, samples[i].mode);
                cr_assert_not_null(e, "no entry for %s", samples[i].path);
                cr_assert_str_eq(e->context, want, "%s: fc says %s (line %u), libselinux %s",
                                 samples[i].path, e->context, e->line, want);
                freecon(want);
        }
        selabel_close(h);
        fc_file_done(&f);
        free(fc_path);
}

/* Broad agreement: every 10th fixed path of the store's file_contexts,
 * looked up with its entry's mode, gets libselinux's answer. */
Test(fc, agrees_with_libselinux_on_fixed_paths, .timeout = 60)
{
        char *fc_path = fixture_path("etc/selinux/default/contexts/files/file_contexts");
        struct fc_file f = {0};
        struct planet_error err = {0};
        cr_assert_eq(fc_load(fc_path, FC_FORMAT_COMPILED, NULL, &f, &err), 0, "%s", err.msg);
        struct selinux_opt opts[] = {{SELABEL_OPT_PATH, fc_path}};
        struct selabel_handle *h = selabel_open(SELABEL_CTX_FILE, opts, 1);
        cr_assert_not_null(h);
        char path[4096];
        size_t fixed = 0, checked = 0;
        for (size_t i = 0; i < f.n_entries; i++) {
                const struct fc_entry *e = &f.entries[i];
                if (fc_regex_literal_prefix(e->regex, path, sizeof(path)) == 0 ||
                    strpbrk(e->regex, ".^$?*+|[({"))
                        continue;
                if (fixed++ % 10)
                        continue;
                char *want = NULL;
                const char *w =
                        selabel_lookup_raw(h, &want, path, e->mode) == 0 ? want : "<<none>>";
                const struct fc_entry *m = fc_find_entry(&f, path, e->mode);
                cr_expect_not_null(m, "%s: no entry", path);
                if (m)
                        cr_expect_str_eq(m->context, w, "%s: fc %s (line %u), libselinux %s", path,
                                         m->context, m->line, w);
                freecon(want);
                checked++;
        }
        cr_assert_gt(checked, 100);
        selabel_close(h);
        fc_file_done(&f);
        free(fc_path);
}
