/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit parser against the syntax systemd accepts: each case states what
 * systemd 252 makes of the text (cross-checked with systemd-analyze where a
 * test says so). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "tmptree.h"

static void parse(struct unit_file *u, const char *text)
{
        struct planet_error err = {0};
        *u = (struct unit_file){0};
        int r = unit_parse(u, text, strlen(text), "test.service", &err);
        cr_assert_eq(r, 0, "unit_parse: %s", err.msg ? err.msg : "?");
        planet_error_clear(&err);
}

static const char *get(const struct unit_file *u, const char *section, const char *key)
{
        const struct unit_assignment *a = unit_get(u, section, key);
        return a ? a->value : NULL;
}

Test(unit, comments_whitespace_and_sections)
{
        struct unit_file u;
        parse(&u, "# comment\n; also a comment\n[Unit]\n  Description =  a b  \n"
                  "[Service]\n\t; indented comment\nType=notify\n"
                  "NoEquals line\n[X-Planet]\nType=simple\n");
        cr_assert_str_eq(get(&u, "Unit", "Description"), "a b");
        cr_assert_str_eq(get(&u, "Service", "Type"), "notify");
        cr_assert_null(get(&u, "X-Planet", "Type"), "X- sections are ignored");
        cr_assert_eq(u.n_assignments, 2);
        unit_file_done(&u);
}

Test(unit, line_endings_and_bom)
{
        struct unit_file u;
        parse(&u, "\xef\xbb\xbf[Service]\r\nType=forking\rUser=a\r\nGroup=b");
        cr_assert_str_eq(get(&u, "Service", "Type"), "forking");
        cr_assert_str_eq(get(&u, "Service", "User"), "a");
        cr_assert_str_eq(get(&u, "Service", "Group"), "b");
        cr_assert_str_eq(u.assignments[1].origin, "test.service:3");
        unit_file_done(&u);
}

Test(unit, continuations)
{
        struct unit_file u;
        /* The backslash becomes a space; a comment line inside is dropped; an
         * escaped backslash at the end does not continue. */
        parse(&u, "[Service]\nExecStart=/bin/a \\\n  --x \\\n# dropped\n  --y\n"
                  "Environment=A=b\\\\\nUser=c\n");
        cr_assert_str_eq(get(&u, "Service", "ExecStart"), "/bin/a    --x    --y");
        cr_assert_str_eq(unit_get(&u, "Service", "ExecStart")->origin, "test.service:2");
        cr_assert_str_eq(get(&u, "Service", "Environment"), "A=b\\\\");
        cr_assert_str_eq(get(&u, "Service", "User"), "c");
        unit_file_done(&u);
}

Test(unit, empty_line_ends_a_continuation)
{
        /* Checked with systemd-analyze verify (252): after an empty line, "b"
         * is a new line ("Missing '='"), while after a comment line the
         * continuation goes on ("b=1" joins ExecStart=). */
        struct unit_file u;
        parse(&u, "[Service]\nExecStart=/bin/echo a \\\n\nb\nUser=x\n");
        cr_assert_str_eq(get(&u, "Service", "ExecStart"), "/bin/echo a");
        cr_assert_str_eq(get(&u, "Service", "User"), "x");
        unit_file_done(&u);
        parse(&u, "[Service]\nExecStart=/bin/echo a \\\n# comment\nb=1\n");
        cr_assert_str_eq(get(&u, "Service", "ExecStart"), "/bin/echo a  b=1");
        cr_assert_null(get(&u, "Service", "b"));
        unit_file_done(&u);
}

Test(unit, continuation_at_eof)
{
        struct unit_file u;
        parse(&u, "[Service]\nExecStart=/bin/a \\");
        cr_assert_str_eq(get(&u, "Service", "ExecStart"), "/bin/a");
        unit_file_done(&u);
}

Test(unit, bad_section_header_fails)
{
        struct unit_file u = {0};
        struct planet_error err = {0};
        const char *t = "[Service\nType=simple\n";
        cr_assert_eq(unit_parse(&u, t, strlen(t), "bad.service", &err), -EBADMSG);
        cr_assert(strstr(err.msg, "bad.service:1"));
        planet_error_clear(&err);
        unit_file_done(&u);
}

Test(unit, list_reset)
{
        struct unit_file u;
        parse(&u, "[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\nExecStartPre=\n"
                  "ExecStartPre=/bin/c\nExecStartPre=/bin/d\n");
        const struct unit_assignment **v;
        size_t n;
        cr_assert_eq(unit_get_list(&u, "Service", "ExecStartPre", &v, &n), 0);
        cr_assert_eq(n, 2);
        cr_assert_str_eq(v[0]->value, "/bin/c");
        cr_assert_str_eq(v[1]->value, "/bin/d");
        free(v);
        cr_assert_eq(unit_get_list(&u, "Service", "ExecStop", &v, &n), 0);
        cr_assert_eq(n, 0);
        unit_file_done(&u);
}

static struct unit_exec_command *exec1(const char *value, size_t *n)
{
        struct unit_exec_command *c = NULL;
        struct planet_error err = {0};
        int r = unit_exec_parse(value, &c, n, &err);
        cr_assert_eq(r, 0, "%s: %s", value, err.msg ? err.msg : "?");
        planet_error_clear(&err);
        return c;
}

Test(unit_exec, quoting_and_escapes)
{
        size_t n;
        struct unit_exec_command *c = exec1(
                "/usr/bin/foo \"a b\" 'c \"d\"' e\\ f x\"y z\"w \\x41\\u00e9 \\s $V ${W} %i", &n);
        cr_assert_eq(n, 1);
        cr_assert_str_eq(c[0].path, "/usr/bin/foo");
        /* "\\ " is not an escape systemd knows: kept as written (it warns). */
        const char *want[] = {"/usr/bin/foo", "a b", "c \"d\"", "e\\ f", "xy zw",
                              "A\xc3\xa9",    " ",   "$V",      "${W}",  "%i"};
        cr_assert_eq(c[0].argc, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                cr_assert_str_eq(c[0].argv[i], want[i], "argv[%zu]", i);
        cr_assert_str_eq(c[0].args_raw,
                         "\"a b\" 'c \"d\"' e\\ f x\"y z\"w \\x41\\u00e9 \\s $V ${W} %i");
        cr_assert_str_eq(c[0].prefixes, "");
        unit_exec_commands_free(c, n);
}

Test(unit_exec, prefixes)
{
        static const struct {
                const char *line, *prefixes;
                unsigned flags;
        } cases[] = {
                {"-/bin/a", "-", UNIT_EXEC_IGNORE_FAILURE},
                {"-:/bin/a", "-:", UNIT_EXEC_IGNORE_FAILURE | UNIT_EXEC_NO_ENV_EXPAND},
                {"+/bin/a", "+", UNIT_EXEC_PRIVILEGED},
                {"!/bin/a", "!", UNIT_EXEC_NO_SETUID},
                {"!!/bin/a", "!!", UNIT_EXEC_AMBIENT_MAGIC},
                {"-!!/bin/a", "-!!", UNIT_EXEC_IGNORE_FAILURE | UNIT_EXEC_AMBIENT_MAGIC},
                {"\"-/bin/a\"", "-", UNIT_EXEC_IGNORE_FAILURE},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t n;
                struct unit_exec_command *c = exec1(cases[i].line, &n);
                cr_assert_eq(n, 1);
                cr_assert_str_eq(c[0].prefixes, cases[i].prefixes, "%s", cases[i].line);
                cr_assert_eq(c[0].flags, cases[i].flags, "%s", cases[i].line);
                cr_assert_str_eq(c[0].path, "/bin/a");
                unit_exec_commands_free(c, n);
        }
}

Test(unit_exec, plus_then_bang_is_not_a_prefix)
{
        /* "+!" : after +, ! is no longer a prefix, so the path is "!/bin/a",
         * which is relative: systemd refuses it. */
        struct unit_exec_command *c = NULL;
        size_t n;
        struct planet_error err = {0};
        cr_assert_lt(unit_exec_parse("+!/bin/a", &c, &n, &err), 0);
        planet_error_clear(&err);
}

Test(unit_exec, separate_argv0)
{
        size_t n;
        struct unit_exec_command *c = exec1("@/usr/sbin/daemon my-daemon --flag \"x y\"", &n);
        cr_assert_eq(n, 1);
        cr_assert_eq(c[0].flags, UNIT_EXEC_SEPARATE_ARGV0);
        cr_assert_str_eq(c[0].path, "/usr/sbin/daemon");
        cr_assert_str_eq(c[0].argv[0], "my-daemon");
        cr_assert_str_eq(c[0].args_raw, "--flag \"x y\"");
        cr_assert_eq(c[0].argc, 3);
        unit_exec_commands_free(c, n);
}

Test(unit_exec, semicolons)
{
        size_t n;
        struct unit_exec_command *c = exec1("/bin/a x \\; y ; -/bin/b \";\" z;w ;", &n);
        cr_assert_eq(n, 2);
        cr_assert_eq(c[0].argc, 4);
        cr_assert_str_eq(c[0].argv[2], ";");
        cr_assert_str_eq(c[0].args_raw, "x \\; y");
        cr_assert_str_eq(c[1].path, "/bin/b");
        cr_assert_str_eq(c[1].argv[1], ";", "a quoted ; is an argument");
        cr_assert_str_eq(c[1].argv[2], "z;w");
        cr_assert_str_eq(c[1].args_raw, "\";\" z;w");
        unit_exec_commands_free(c, n);
}

Test(unit_exec, bare_name_allowed_relative_refused)
{
        size_t n;
        struct unit_exec_command *c = exec1("kubelet --v=2", &n);
        cr_assert_str_eq(c[0].path, "kubelet");
        unit_exec_commands_free(c, n);

        struct planet_error err = {0};
        const char *bad[] = {"bin/kubelet", "/bin/a \"open", "-", "/usr/bin/", "@/bin/a"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                c = NULL;
                cr_assert_lt(unit_exec_parse(bad[i], &c, &n, &err), 0, "%s", bad[i]);
                cr_assert_not_null(err.msg);
                planet_error_clear(&err);
        }
}

Test(unit_exec, quote_word_round_trips)
{
        const char *words[] = {"plain", "a b",       "q\"uote", "back\\slash", ";",
                               "",      "tab\there", "%i",      "${X}",        "semi;colon"};
        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                _cleanup_free_ char *q = unit_exec_quote_word(words[i]);
                _cleanup_free_ char *line = NULL;
                cr_assert(asprintf(&line, "/bin/x %s", q) > 0);
                size_t n;
                struct unit_exec_command *c = exec1(line, &n);
                cr_assert_eq(c[0].argc, 2, "%s", line);
                cr_assert_str_eq(c[0].argv[1], words[i], "%s", line);
                unit_exec_commands_free(c, n);
        }
}

Test(unit_names, templates_and_specifiers)
{
        _cleanup_free_ char *t = NULL, *i = NULL, *x = NULL;
        cr_assert_eq(unit_name_to_template("etcd@node\\x2d1.service", &t, &i), 0);
        cr_assert_str_eq(t, "etcd@.service");
        cr_assert_str_eq(i, "node\\x2d1");
        cr_assert_eq(unit_name_to_template("kubelet.service", NULL, NULL), -EINVAL);

        struct planet_error err = {0};
        cr_assert_eq(unit_expand_name_specifiers("a-b@c-d.service", "%n|%N|%p|%P|%i|%I|%j|%f|%%",
                                                 &x, &err),
                     0);
        cr_assert_str_eq(x, "a-b@c-d.service|a-b@c-d|a-b|a/b|c-d|c/d|b|/c/d|%");
        free(x);
        x = NULL;
        cr_assert_lt(unit_expand_name_specifiers("a.service", "/usr/%h/bin", &x, &err), 0);
        cr_assert(strstr(err.msg, "%h"));
        planet_error_clear(&err);
}

/* ---- loading with drop-ins, in a temp tree ---- */

static char tmp[] = "/tmp/test-unit.XXXXXX";

static void put(const char *rel, const char *text)
{
        tmptree_put(tmp, rel, text);
}

static void setup(void)
{
        cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        cr_assert_eq(system(cmd), 0);
        strcpy(tmp, "/tmp/test-unit.XXXXXX");
}

Test(unit_load, dropins_in_systemd_order, .init = setup, .fini = teardown)
{
        put("etc/a-b@x.service.d/20-etc.conf", "[Service]\nExecStart=\nExecStart=/bin/etc\n");
        put("lib/a-b@.service", "[Service]\nExecStart=/bin/orig\nUser=u0\n");
        put("lib/a-b@.service.d/10-tpl.conf", "[Service]\nUser=u1\n");
        put("lib/a-b@x.service.d/20-etc.conf", "[Service]\nUser=masked-by-etc\n");
        put("lib/a-.service.d/05-prefix.conf", "[Service]\nGroup=g\n");
        put("lib/service.d/30-all.conf", "[Service]\nUser=u3\n");
        put("lib/a-b@x.service.d/50-planet-selinux.conf", "[Service]\nUser=skipped\n");
        put("lib/a-b@x.service.d/README", "not a .conf\n");

        char etc[512], lib[512];
        snprintf(etc, sizeof(etc), "%s/etc", tmp);
        snprintf(lib, sizeof(lib), "%s/lib", tmp);
        const char *dirs[] = {etc, lib, NULL};
        struct unit_file u;
        struct planet_error err = {0};
        cr_assert_eq(unit_load(dirs, "a-b@x.service", "50-planet-selinux.conf", &u, &err), 0, "%s",
                     err.msg);
        cr_assert(strstr(u.fragment_path, "lib/a-b@.service"));
        size_t nd = 0;
        STRV_FOREACH (d, u.dropin_paths)
                nd++;
        cr_assert_eq(nd, 4);
        cr_assert(strstr(u.dropin_paths[0], "a-.service.d/05-prefix.conf"));
        cr_assert(strstr(u.dropin_paths[1], "a-b@.service.d/10-tpl.conf"));
        cr_assert(strstr(u.dropin_paths[2], "etc/a-b@x.service.d/20-etc.conf"));
        cr_assert(strstr(u.dropin_paths[3], "service.d/30-all.conf"));
        cr_assert_str_eq(get(&u, "Service", "User"), "u3");
        cr_assert_str_eq(get(&u, "Service", "Group"), "g");
        const struct unit_assignment **v;
        size_t n;
        cr_assert_eq(unit_get_list(&u, "Service", "ExecStart", &v, &n), 0);
        cr_assert_eq(n, 1);
        cr_assert_str_eq(v[0]->value, "/bin/etc");
        free(v);
        unit_file_done(&u);

        _cleanup_strv_free_ char **names = NULL;
        cr_assert_eq(unit_list_services(dirs, &names, &err), 0);
        cr_assert_str_eq(names[0], "a-b@.service");
        cr_assert_null(names[1]);
}

Test(unit_load, masked_and_missing, .init = setup, .fini = teardown)
{
        put("lib/empty.service", "");
        char lib[512], link[600];
        snprintf(lib, sizeof(lib), "%s/lib", tmp);
        snprintf(link, sizeof(link), "%s/null.service", lib);
        cr_assert_eq(symlink("/dev/null", link), 0);
        const char *dirs[] = {lib, NULL};
        struct unit_file u;
        struct planet_error err = {0};
        cr_assert_eq(unit_load(dirs, "empty.service", NULL, &u, &err), -ERFKILL);
        cr_assert_eq(unit_load(dirs, "null.service", NULL, &u, &err), -ERFKILL);
        cr_assert_eq(unit_load(dirs, "none.service", NULL, &u, &err), -ENOENT);
        planet_error_clear(&err);
}
