/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The generator's decisions against a real compiled policy: the fixture
 * store holds Debian's policy, the gravity module and tests/generate/gentest
 * (a module of gravity's shape with its own attribute, so each case here has
 * a rule to point at: a service, a second permitted facet, a closed facet, a
 * domain without NNP rules, an executable the policy forgot, a plain one). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answer-cache.h"
#include "generate.h"
#include "../unit/tmptree.h"

#define FROM "system_u:system_r:gentest_init_t:s0"

static char tmp[] = "/tmp/test-generate.XXXXXX";
static char units[600], out[600], policy[600], fc[600];

static void put(const char *rel, const char *text)
{
        tmptree_put(tmp, rel, text);
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return NULL;
        char *s = NULL;
        size_t n = 0;
        if (getdelim(&s, &n, 0, f) < 0) {
                free(s);
                s = strdup("");
        }
        fclose(f);
        return s;
}

static void setup(void)
{
        const char *root = getenv("PLANET_FIXTURE_ROOT"), *src = getenv("top_srcdir");
        cr_assert_not_null(root, "PLANET_FIXTURE_ROOT unset: run through make check");
        cr_assert_not_null(src, "top_srcdir unset: run through make check");
        cr_assert_not_null(mkdtemp(tmp));
        snprintf(units, sizeof(units), "%s/units", tmp);
        snprintf(out, sizeof(out), "%s/out", tmp);
        snprintf(policy, sizeof(policy), "%s/etc/selinux/default/policy/policy.33", root);
        snprintf(fc, sizeof(fc), "%s/tests/generate/gentest.fc", src);
        mkdir(units, 0755);
}

static void teardown(void)
{
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        cr_assert_eq(system(cmd), 0);
}

struct run {
        struct generate_report rep;
};

static struct generate_options options(void)
{
        static const char *dirs[2];
        dirs[0] = units;
        return (struct generate_options){
                .unit_dirs = dirs,
                .fc_path = fc,
                .policy_path = policy,
                .from = FROM,
                .out_dir = out,
                .executable_attribute = "gentest_executable_domain",
        };
}

static void run_with(const struct generate_options *o, struct generate_report *rep)
{
        struct planet_error err = {0};
        struct generate_context *g = NULL;
        cr_assert_eq(generate_context_open(o, &g, &err), 0, "open: %s", err.msg);
        cr_assert_eq(generate_run(g, rep, &err), 0, "run: %s", err.msg);
        generate_context_free(g);
}

static const struct generate_unit_result *find(const struct generate_report *rep, const char *name)
{
        for (size_t i = 0; i < rep->n_units; i++)
                if (!strcmp(rep->units[i].name, name))
                        return &rep->units[i];
        cr_assert_fail("no result for %s", name);
        return NULL;
}

static char *dropin(const char *unit)
{
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s.d/" GENERATE_DROPIN_NAME, out, unit);
        return slurp(p);
}

Test(generate, wraps_with_the_computed_domain, .init = setup, .fini = teardown)
{
        put("units/svc.service", "[Service]\nExecStartPre=-/bin/true\n"
                                 "ExecStart=/opt/gentest/bin/svc --flag \"a b\" $X ${Y} %i\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        const struct generate_unit_result *r = find(&rep, "svc.service");
        cr_assert_eq(r->verdict, GENERATE_WRAPPED, "%s", r->summary);
        _cleanup_free_ char *d = dropin("svc.service");
        cr_assert_not_null(d);
        cr_assert(strstr(d, "\nExecStart=\nExecStart=/usr/bin/planet-initd --expect-domain "
                            "gentest_svc_t -- /opt/gentest/bin/svc --flag \"a b\" $X ${Y} %i\n"),
                  "%s", d);
        cr_assert(strstr(d, "(gentest.fc:1)"), "cites the fc line: %s", d);
        cr_assert(strstr(d, "system_u:object_r:gentest_svc_exec_t:s0"));
        cr_assert_null(strstr(d, "ExecStartPre"), "an unlabeled pre command stays as it is");
        cr_assert_null(strstr(d, "NotifyAccess"), "exec mode needs no NotifyAccess");
        generate_report_done(&rep);
}

Test(generate, supervise_keys, .init = setup, .fini = teardown)
{
        put("units/a.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                               "X-Planet-Ready=http://127.0.0.1:80/a b\n"
                               "X-Planet-Ready-Timeout=30s\n");
        put("units/b.service", "[Service]\nType=notify\nExecStart=/opt/gentest/bin/svc\n"
                               "X-Planet-Supervise=yes\n");
        put("units/c.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                               "X-Planet-Supervise=no\nX-Planet-Ready=tcp:1.2.3.4:5\n");
        put("units/d.service", "[Service]\nType=oneshot\nExecStart=/opt/gentest/bin/svc\n"
                               "X-Planet-Supervise=yes\n");
        put("units/e.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                               "X-Planet-Supervise=maybe\n");
        put("units/slow.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                  "X-Planet-Ready=tcp:127.0.0.1:1\nX-Planet-Ready-Timeout=2min\n");
        put("units/slowok.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "X-Planet-Ready=tcp:127.0.0.1:1\n"
                                    "X-Planet-Ready-Timeout=1min 30s\nTimeoutStartSec=2m\n");
        put("units/inf.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                 "X-Planet-Ready=tcp:127.0.0.1:1\n"
                                 "X-Planet-Ready-Timeout=1h\nTimeoutStartSec=infinity\n");
        put("units/badspan.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                     "X-Planet-Ready=tcp:127.0.0.1:1\n"
                                     "X-Planet-Ready-Timeout=soon\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        _cleanup_free_ char *a = dropin("a.service"), *b = dropin("b.service");
        cr_assert(strstr(a, "\nType=notify\nNotifyAccess=main\n"), "%s", a);
        cr_assert(strstr(a, "planet-initd --supervise --ready \"http://127.0.0.1:80/a b\" "
                            "--ready-timeout 30s --expect-domain gentest_svc_t -- "),
                  "%s", a);
        cr_assert_null(strstr(b, "Type="), "already notify: %s", b);
        cr_assert(strstr(b, "NotifyAccess=main\n"));
        cr_assert(strstr(b, "planet-initd --supervise --expect-domain"));
        cr_assert_eq(find(&rep, "c.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "d.service")->summary, "Type=oneshot"));
        cr_assert_eq(find(&rep, "d.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "e.service")->summary, "not a boolean"));
        const struct generate_unit_result *slow = find(&rep, "slow.service");
        cr_assert_eq(slow->verdict, GENERATE_FAILED);
        cr_assert(strstr(slow->summary, "the default 90s"), "%s", slow->summary);
        cr_assert_eq(find(&rep, "slowok.service")->verdict, GENERATE_WRAPPED, "%s",
                     find(&rep, "slowok.service")->summary);
        cr_assert_eq(find(&rep, "inf.service")->verdict, GENERATE_WRAPPED);
        cr_assert(strstr(find(&rep, "badspan.service")->summary, "not a time span"));
        cr_assert_eq(rep.n_failed, 5);
        generate_report_done(&rep);
}

Test(generate, facet_key, .init = setup, .fini = teardown)
{
        put("units/alt.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                 "X-Planet-Domain=gentest_alt_t\n");
        put("units/closed.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "X-Planet-Domain=gentest_closed_t\n");
        put("units/bogus.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                   "X-Planet-Domain=no_such_type_t\n");
        put("units/spaced.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "X-Planet-Domain=a:b:c\n");
        put("units/misplaced.service", "[Unit]\nX-Planet-Domain=gentest_alt_t\n"
                                       "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        put("units/typo.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                  "X-Planet-Domian=gentest_alt_t\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        _cleanup_free_ char *alt = dropin("alt.service");
        cr_assert(strstr(alt, "planet-initd --domain gentest_alt_t -- /opt/gentest/bin/svc\n"),
                  "%s", alt);
        cr_assert_null(strstr(alt, "--expect-domain"));
        const struct generate_unit_result *c = find(&rep, "closed.service");
        cr_assert_eq(c->verdict, GENERATE_FAILED);
        cr_assert(strstr(c->summary, "allow gentest_init_t gentest_closed_t:process transition;"),
                  "%s", c->summary);
        cr_assert_eq(find(&rep, "bogus.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "bogus.service")->summary, "not a valid context"));
        cr_assert(strstr(find(&rep, "spaced.service")->summary, "not a type name"));
        cr_assert_eq(find(&rep, "misplaced.service")->verdict, GENERATE_FAILED,
                     "a facet key in [Unit] would silently do nothing");
        cr_assert(strstr(find(&rep, "misplaced.service")->summary, "belongs in [Service]"));
        cr_assert(strstr(find(&rep, "typo.service")->summary, "unknown key X-Planet-Domian"));
        cr_assert_null(dropin("closed.service"), "nothing written for a refused facet");
        generate_report_done(&rep);
}

Test(generate, nnp_needs_the_rule, .init = setup, .fini = teardown)
{
        put("units/plainnnp.service", "[Service]\nExecStart=/opt/gentest/bin/nonnp\n");
        put("units/hardened.service", "[Service]\nExecStart=/opt/gentest/bin/nonnp\n"
                                      "ProtectKernelTunables=yes\n");
        put("units/explicitno.service", "[Service]\nExecStart=/opt/gentest/bin/nonnp\n"
                                        "NoNewPrivileges=no\n");
        put("units/svcnnp.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "NoNewPrivileges=yes\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "plainnnp.service")->verdict, GENERATE_WRAPPED);
        cr_assert_eq(find(&rep, "explicitno.service")->verdict, GENERATE_WRAPPED);
        cr_assert_eq(find(&rep, "svcnnp.service")->verdict, GENERATE_WRAPPED);
        const struct generate_unit_result *h = find(&rep, "hardened.service");
        cr_assert_eq(h->verdict, GENERATE_FAILED);
        cr_assert(strstr(h->summary, "nnp_transition"), "%s", h->summary);
        generate_report_done(&rep);
}

Test(generate, fail_closed_and_wrap_unverified, .init = setup, .fini = teardown)
{
        put("units/orphan.service", "[Service]\nExecStart=/opt/gentest/bin/orphan -x\n");
        put("units/plain.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("units/closed.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "X-Planet-Domain=gentest_closed_t\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        const struct generate_unit_result *r = find(&rep, "orphan.service");
        cr_assert_eq(r->verdict, GENERATE_FAILED);
        cr_assert(strstr(r->summary,
                         "domtrans_pattern(gentest_init_t, gentest_orphan_exec_t, <domain>)"),
                  "%s", r->summary);
        cr_assert_eq(find(&rep, "plain.service")->verdict, GENERATE_LEFT);
        cr_assert(strstr(find(&rep, "plain.service")->summary, "not a gravity executable"));
        generate_report_done(&rep);

        /* The generator's mode: still wrapped, but without an expectation, so
         * planet-initd refuses it at start with its own explanation. */
        o.wrap_unverified = true;
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "orphan.service")->verdict, GENERATE_WRAPPED);
        _cleanup_free_ char *d = dropin("orphan.service");
        cr_assert(strstr(d, "ExecStart=/usr/bin/planet-initd -- /opt/gentest/bin/orphan -x\n"),
                  "%s", d);
        cr_assert(strstr(d, "UNVERIFIED"));
        /* A refused facet is still asked for: planet-initd refuses it. */
        _cleanup_free_ char *c = dropin("closed.service");
        cr_assert(strstr(c, "ExecStart=/usr/bin/planet-initd --domain gentest_closed_t -- "
                            "/opt/gentest/bin/svc\n"),
                  "%s", c);
        generate_report_done(&rep);
}

Test(generate, own_entrypoint_is_left_alone, .init = setup, .fini = teardown)
{
        /* gentest_init_exec_t is a gravity-style executable with no
         * transition, like systemd's helpers in the container: the policy
         * says it stays in the source domain. Not a failure, not wrapped. */
        put("units/helper.service", "[Service]\nExecStart=/opt/gentest/bin/init --helper\n");
        struct generate_options o = options();
        o.wrap_unverified = true;
        struct generate_report rep = {0};
        run_with(&o, &rep);
        const struct generate_unit_result *r = find(&rep, "helper.service");
        cr_assert_eq(r->verdict, GENERATE_LEFT, "%s", r->summary);
        cr_assert(strstr(r->summary, "entrypoint of gentest_init_t itself"), "%s", r->summary);
        cr_assert_null(dropin("helper.service"));
        generate_report_done(&rep);
}

Test(generate, marker_rule_when_the_attribute_is_gone, .init = setup, .fini = teardown)
{
        /* An attribute the compiled policy does not have (as when a small one
         * is expanded away): membership falls back to the module's marker,
         * allow SOURCE <exec types>:file audit_access. */
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        put("units/plain.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("units/orphan.service", "[Service]\nExecStart=/opt/gentest/bin/orphan\n");
        struct generate_options o = options();
        o.executable_attribute = "gentest_expanded_away_attribute";
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "svc.service")->verdict, GENERATE_WRAPPED);
        cr_assert_eq(find(&rep, "plain.service")->verdict, GENERATE_LEFT,
                     "a type without the marker is not a gravity executable");
        const struct generate_unit_result *r = find(&rep, "orphan.service");
        cr_assert_eq(r->verdict, GENERATE_FAILED);
        cr_assert(strstr(r->summary, "audit_access marker"), "%s", r->summary);
        generate_report_done(&rep);
}

Test(generate, prefixes_and_aux_commands, .init = setup, .fini = teardown)
{
        put("units/p.service", "[Service]\nType=oneshot\n"
                               "ExecStartPre=/opt/gentest/bin/svc2 --pre ; /bin/echo \"x y\"\n"
                               "ExecStart=-:/opt/gentest/bin/svc $LITERAL\n"
                               "ExecStart=+/opt/gentest/bin/svc --privileged\n"
                               "ExecStartPost=!!/opt/gentest/bin/svc --post\n"
                               "ExecReload=/opt/gentest/bin/svc reload\n");
        put("units/argv0.service", "[Service]\nExecStart=@/opt/gentest/bin/svc svc-name\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "p.service")->verdict, GENERATE_WRAPPED);
        _cleanup_free_ char *d = dropin("p.service");
        const char *want = "[Service]\n"
                           "ExecStartPre=\n"
                           "ExecStartPre=/usr/bin/planet-initd --expect-domain gentest_svc_t -- "
                           "/opt/gentest/bin/svc2 --pre\n"
                           "ExecStartPre=/bin/echo \"x y\"\n"
                           "ExecStart=\n"
                           "ExecStart=-:/usr/bin/planet-initd --expect-domain gentest_svc_t -- "
                           "/opt/gentest/bin/svc $LITERAL\n"
                           "ExecStart=+/opt/gentest/bin/svc --privileged\n"
                           "ExecReload=\n"
                           "ExecReload=/usr/bin/planet-initd --expect-domain gentest_svc_t -- "
                           "/opt/gentest/bin/svc reload\n";
        cr_assert(strstr(d, want), "got:\n%s", d);
        cr_assert_null(strstr(d, "ExecStartPost"), "!! is never wrapped: %s", d);
        cr_assert(strstr(d, "(gentest.fc:2)"), "svc2 is cited by its own line");
        const struct generate_unit_result *a = find(&rep, "argv0.service");
        cr_assert_eq(a->verdict, GENERATE_FAILED);
        cr_assert(strstr(a->summary, "'@'"), "%s", a->summary);
        generate_report_done(&rep);

        /* Unverified (boot) mode keeps argv[0]: the command stays as written. */
        o.wrap_unverified = true;
        run_with(&o, &rep);
        _cleanup_free_ char *a0 = dropin("argv0.service");
        cr_assert(strstr(a0, "ExecStart=@/opt/gentest/bin/svc svc-name\n"), "%s", a0);
        generate_report_done(&rep);
}

Test(generate, existing_dropins_and_templates, .init = setup, .fini = teardown)
{
        /* The unit's own drop-in replaces ExecStart; our previous output in
         * the unit directory is not read back (no wrapping of the wrapper). */
        put("units/o.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("units/o.service.d/10-override.conf",
            "[Service]\nExecStart=\nExecStart=/opt/gentest/bin/svc --from-dropin\n");
        put("units/o.service.d/" GENERATE_DROPIN_NAME,
            "[Service]\nExecStart=\nExecStart=/usr/bin/planet-initd -- /opt/gentest/bin/plain\n");
        put("units/t@.service", "[Service]\nExecStart=/opt/gentest/bin/svc --instance %i\n");
        put("units/ti@.service", "[Service]\nExecStart=/opt/gentest/bin/%i\n");
        put("units/w.service",
            "[Service]\nExecStart=/usr/bin/planet-initd -- /opt/gentest/bin/svc\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        _cleanup_free_ char *d = dropin("o.service");
        cr_assert(strstr(d, "from o.service + 10-override.conf."), "%s", d);
        cr_assert(strstr(d, "-- /opt/gentest/bin/svc --from-dropin\n"), "%s", d);
        _cleanup_free_ char *t = dropin("t@.service");
        cr_assert(strstr(t, "-- /opt/gentest/bin/svc --instance %i\n"), "%s", t);
        cr_assert_eq(find(&rep, "ti@.service")->verdict, GENERATE_FAILED);
        cr_assert_eq(find(&rep, "w.service")->verdict, GENERATE_LEFT);
        cr_assert(strstr(find(&rep, "w.service")->summary, "already runs through planet-initd"));
        generate_report_done(&rep);
}

Test(generate, relabeled_binary_changes_the_dropin, .init = setup, .fini = teardown)
{
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        _cleanup_free_ char *before = dropin("svc.service");
        cr_assert(strstr(before, "--expect-domain gentest_svc_t"));
        generate_report_done(&rep);

        /* A copy of the .fc that gives svc the NNP-less service's type. */
        _cleanup_free_ char *orig = slurp(fc);
        cr_assert_not_null(orig);
        char *line = strstr(orig, "gentest_svc_exec_t");
        cr_assert_not_null(line);
        size_t pre = line - orig;
        char copy[1024];
        snprintf(copy, sizeof(copy), "%.*sgentest_nonnp_exec_t%s", (int) pre, orig,
                 line + strlen("gentest_svc_exec_t"));
        put("relabeled.fc", copy);
        char relabeled[700];
        snprintf(relabeled, sizeof(relabeled), "%s/relabeled.fc", tmp);
        o.fc_path = relabeled;
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "svc.service")->verdict, GENERATE_WRAPPED);
        cr_assert(find(&rep, "svc.service")->changed);
        _cleanup_free_ char *after = dropin("svc.service");
        cr_assert(strstr(after, "--expect-domain gentest_nonnp_t"), "%s", after);
        cr_assert(strstr(after, "gentest_nonnp_exec_t:s0 (relabeled.fc:1)"), "%s", after);
        generate_report_done(&rep);

        /* Relabeled to a plain type: no longer ours, the drop-in goes. */
        snprintf(copy, sizeof(copy), "%.*sgentest_plain_exec_t%s", (int) pre, orig,
                 line + strlen("gentest_svc_exec_t"));
        put("relabeled.fc", copy);
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "svc.service")->verdict, GENERATE_LEFT);
        cr_assert(find(&rep, "svc.service")->changed);
        cr_assert_null(dropin("svc.service"));
        char dir[700];
        snprintf(dir, sizeof(dir), "%s/svc.service.d", out);
        cr_assert_eq(access(dir, F_OK), -1, "the emptied NAME.d goes too");
        generate_report_done(&rep);
}

Test(generate, idempotent_check_and_drift, .init = setup, .fini = teardown)
{
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        put("units/gone.service", "[Service]\nExecStart=/opt/gentest/bin/svc2\n");
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert(find(&rep, "svc.service")->changed);
        generate_report_done(&rep);
        _cleanup_free_ char *first = dropin("svc.service");

        run_with(&o, &rep);
        cr_assert_not(find(&rep, "svc.service")->changed, "second run rewrites nothing");
        generate_report_done(&rep);
        _cleanup_free_ char *second = dropin("svc.service");
        cr_assert_str_eq(first, second);

        o.check = true;
        run_with(&o, &rep);
        cr_assert_eq(rep.n_drift, 0);
        generate_report_done(&rep);

        /* Edited by hand → drift; its unit removed → stale drop-in is drift. */
        char p[700];
        snprintf(p, sizeof(p), "out/svc.service.d/%s", GENERATE_DROPIN_NAME);
        put(p, "[Service]\n# edited\n");
        snprintf(p, sizeof(p), "%s/gone.service", units);
        cr_assert_eq(unlink(p), 0);
        run_with(&o, &rep);
        cr_assert_eq(rep.n_drift, 2);
        cr_assert(find(&rep, "svc.service")->drift);
        cr_assert(find(&rep, "gone.service")->drift);
        generate_report_done(&rep);
        _cleanup_free_ char *still = dropin("svc.service");
        cr_assert_str_eq(still, "[Service]\n# edited\n", "--check writes nothing");

        o.check = false;
        run_with(&o, &rep);
        generate_report_done(&rep);
        _cleanup_free_ char *fixed = dropin("svc.service");
        cr_assert_str_eq(fixed, first);
        cr_assert_null(dropin("gone.service"));

        /* No temp files are left behind by the atomic writes. */
        snprintf(p, sizeof(p), "%s/svc.service.d", out);
        DIR *d = opendir(p);
        cr_assert_not_null(d);
        struct dirent *de;
        size_t n = 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
                        n++;
        closedir(d);
        cr_assert_eq(n, 1);
}

Test(generate, root_resolves_bare_names_and_symlinks, .init = setup, .fini = teardown)
{
        put("units/bare.service", "[Service]\nExecStart=svc --bare\n");
        put("units/link.service", "[Service]\nExecStart=/usr/bin/svc-link\n");
        put("root/opt/gentest/bin/svc", "#!/bin/sh\n");
        char p[700], root[700];
        snprintf(p, sizeof(p), "%s/root/opt/gentest/bin/svc", tmp);
        cr_assert_eq(chmod(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/root/usr", tmp);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/root/usr/bin", tmp);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/root/usr/bin/svc-link", tmp);
        cr_assert_eq(symlink("../../opt/gentest/bin/svc", p), 0);
        snprintf(p, sizeof(p), "%s/root/usr/local", tmp);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/root/usr/local/bin", tmp);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/root/usr/local/bin/svc", tmp);
        cr_assert_eq(symlink("/opt/gentest/bin/svc", p), 0);
        snprintf(root, sizeof(root), "%s/root", tmp);

        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "bare.service")->verdict, GENERATE_FAILED,
                     "a bare name needs --root");
        cr_assert_eq(find(&rep, "link.service")->verdict, GENERATE_LEFT,
                     "without a root, /usr/bin/svc-link has no label");
        generate_report_done(&rep);

        o.root = root;
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "bare.service")->verdict, GENERATE_WRAPPED, "%s",
                     find(&rep, "bare.service")->summary);
        cr_assert_eq(find(&rep, "link.service")->verdict, GENERATE_WRAPPED);
        _cleanup_free_ char *d = dropin("bare.service");
        cr_assert(strstr(d, "#   /opt/gentest/bin/svc\n"), "the resolved file: %s", d);
        cr_assert(strstr(d, "-- svc --bare\n"), "the command keeps its spelling: %s", d);
        generate_report_done(&rep);
}

Test(generate, bad_inputs_are_named, .init = setup, .fini = teardown)
{
        struct planet_error err = {0};
        struct generate_context *g = NULL;
        struct generate_options o = options();
        o.from = "system_u:system_r:no_such_t:s0";
        cr_assert_lt(generate_context_open(&o, &g, &err), 0);
        cr_assert(strstr(err.msg, "--from"), "%s", err.msg);
        planet_error_clear(&err);

        o = options();
        o.fc_path = "/nonexistent.fc";
        cr_assert_lt(generate_context_open(&o, &g, &err), 0);
        cr_assert(strstr(err.msg, "/nonexistent.fc"), "%s", err.msg);
        planet_error_clear(&err);

        o = options();
        o.fc_path = NULL;
        cr_assert_lt(generate_context_open(&o, &g, &err), 0);
        cr_assert(strstr(err.msg, "--fc"), "%s", err.msg);
        planet_error_clear(&err);

        put("units/broken.service", "[Service\nExecStart=/opt/gentest/bin/svc\n");
        put("units/quotes.service", "[Service]\nExecStart=/opt/gentest/bin/svc \"open\n");
        put("units/ok.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        char dangling[700];
        snprintf(dangling, sizeof(dangling), "%s/dangling.service", units);
        cr_assert_eq(symlink("/nonexistent/dangling.service", dangling), 0);
        o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "broken.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "broken.service")->summary, "broken.service:1"));
        cr_assert_eq(find(&rep, "quotes.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "quotes.service")->summary, "unbalanced"));
        cr_assert_eq(find(&rep, "dangling.service")->verdict, GENERATE_FAILED);
        cr_assert(strstr(find(&rep, "dangling.service")->summary, "dangling.service"), "%s",
                  find(&rep, "dangling.service")->summary);
        cr_assert_eq(find(&rep, "ok.service")->verdict, GENERATE_WRAPPED,
                     "one unreadable unit does not stop the others");
        generate_report_done(&rep);
}

Test(generate, boot_time_run_over_a_system_root, .init = setup, .fini = teardown)
{
        /* What planet-selinux-generator does at boot, with the offline backend
         * standing in for the kernel and a root standing in for /: the system
         * search path (an /etc drop-in overrides /usr/lib), the packaged
         * drop-in of ours not read back, the files' own labels (they exist in
         * the root), unverifiable gravity binaries wrapped without an
         * expectation, written to NORMAL. */
        put("root/usr/lib/systemd/system/svc.service",
            "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("root/etc/systemd/system/svc.service.d/20-admin.conf",
            "[Service]\nExecStart=\nExecStart=/opt/gentest/bin/svc --admin\n");
        put("root/usr/lib/systemd/system/svc.service.d/" GENERATE_DROPIN_NAME,
            "[Service]\nExecStart=\nExecStart=/usr/bin/planet-initd -- /opt/gentest/bin/plain\n");
        put("root/usr/lib/systemd/system/orphan.service",
            "[Service]\nExecStart=/opt/gentest/bin/orphan\n");
        put("root/usr/lib/systemd/system/sshd.service",
            "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("root/opt/gentest/bin/svc", "");
        put("root/opt/gentest/bin/plain", "");
        put("root/opt/gentest/bin/orphan", "");
        char root[700], normal[700];
        snprintf(root, sizeof(root), "%s/root", tmp);
        snprintf(normal, sizeof(normal), "%s/run/systemd/generator", tmp);
        put("run/systemd/generator/.keep", ""); /* systemd creates NORMAL */

        _cleanup_strv_free_ char **dirs = NULL;
        cr_assert_eq(generate_system_unit_dirs(root, &dirs), 0);
        cr_assert(strstr(dirs[0], "/root/etc/systemd/system"));
        struct generate_options o = options();
        o.unit_dirs = (const char *const *) dirs;
        o.root = root;
        o.out_dir = normal;
        o.wrap_unverified = true;
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "sshd.service")->verdict, GENERATE_LEFT);
        cr_assert_eq(find(&rep, "orphan.service")->verdict, GENERATE_WRAPPED);
        cr_assert_eq(rep.n_failed, 0, "at boot nothing fails: it is wrapped or left");

        char p[900];
        snprintf(p, sizeof(p), "%s/svc.service.d/" GENERATE_DROPIN_NAME, normal);
        _cleanup_free_ char *d = slurp(p);
        cr_assert_not_null(d);
        cr_assert(strstr(d, "from svc.service + 20-admin.conf."), "%s", d);
        cr_assert(strstr(d, "--expect-domain gentest_svc_t -- /opt/gentest/bin/svc --admin\n"),
                  "%s", d);
        snprintf(p, sizeof(p), "%s/orphan.service.d/" GENERATE_DROPIN_NAME, normal);
        _cleanup_free_ char *o2 = slurp(p);
        cr_assert(strstr(o2, "ExecStart=/usr/bin/planet-initd -- /opt/gentest/bin/orphan\n"), "%s",
                  o2);
        generate_report_done(&rep);

        _cleanup_strv_free_ char **plain = NULL;
        cr_assert_eq(generate_system_unit_dirs(NULL, &plain), 0);
        cr_assert_str_eq(plain[0], "/etc/systemd/system");
}

Test(generate, aliases_share_one_dropin, .init = setup, .fini = teardown)
{
        /* al.service is a symlink to real.service: systemd loads one unit with
         * both names' drop-ins (checked in unit-vs-systemd.sh). */
        put("units/real.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("units/al.service.d/10-x.conf",
            "[Service]\nExecStart=\nExecStart=/opt/gentest/bin/svc --via-alias\n");
        char p[700];
        snprintf(p, sizeof(p), "%s/al.service", units);
        cr_assert_eq(symlink("real.service", p), 0);
        struct generate_options o = options();
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert_eq(find(&rep, "real.service")->verdict, GENERATE_WRAPPED);
        cr_assert_eq(find(&rep, "al.service")->verdict, GENERATE_LEFT);
        cr_assert(strstr(find(&rep, "al.service")->summary, "an alias of real.service"));
        _cleanup_free_ char *d = dropin("real.service");
        cr_assert(strstr(d, "-- /opt/gentest/bin/svc --via-alias\n"), "%s", d);
        cr_assert_null(dropin("al.service"));
        generate_report_done(&rep);
}

/* ---- the answer cache --------------------------------------------------- */

/* Units that ask every kind of policy question the generator has: a
 * transition, the same label again, NNP, a type with no transition, a plain
 * type, the source's own entrypoint, a permitted and a closed facet, a path
 * without a label, and (with the marker variant) the audit_access marker. */
static void put_question_units(void)
{
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc --a\n");
        put("units/svc2.service", "[Service]\nExecStartPre=/opt/gentest/bin/svc2\n"
                                  "ExecStart=/opt/gentest/bin/svc\n");
        put("units/nnp.service", "[Service]\nExecStart=/opt/gentest/bin/nonnp\n"
                                 "NoNewPrivileges=yes\n");
        put("units/nonnp.service", "[Service]\nExecStart=/opt/gentest/bin/nonnp\n");
        put("units/orphan.service", "[Service]\nExecStart=/opt/gentest/bin/orphan\n");
        put("units/plain.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        put("units/helper.service", "[Service]\nExecStart=/opt/gentest/bin/init\n");
        put("units/alt.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                 "X-Planet-Domain=gentest_alt_t\n");
        put("units/closed.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n"
                                    "X-Planet-Domain=gentest_closed_t\n");
        put("units/unlabeled.service", "[Service]\nExecStart=/srv/nothing/here\n");
}

/* Everything a run decided, as one string: verdicts, summaries, drop-ins. */
static char *report_text(const struct generate_report *rep)
{
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        cr_assert_not_null(f);
        for (size_t i = 0; i < rep->n_units; i++)
                fprintf(f, "%s %d %s\n%s\n", rep->units[i].name, rep->units[i].verdict,
                        rep->units[i].summary, rep->units[i].dropin ? rep->units[i].dropin : "-");
        fprintf(f, "%zu %zu %zu\n", rep->n_wrapped, rep->n_left, rep->n_failed);
        fclose(f);
        return s;
}

/* The one answers-*.v1 file in dir (NULL when none); asserts there is at
 * most one. */
static char *cache_file(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return NULL;
        char *found = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!strncmp(de->d_name, "answers-", 8)) {
                        cr_assert_null(found, "one answer file per input, found a second: %s",
                                       de->d_name);
                        cr_assert(asprintf(&found, "%s/%s", dir, de->d_name) > 0);
                }
        closedir(d);
        return found;
}

static size_t count_cache_files(const char *dir)
{
        DIR *d = opendir(dir);
        cr_assert_not_null(d);
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += !strncmp(de->d_name, "answers-", 8);
        closedir(d);
        return n;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        cr_assert_not_null(f, "%s", path);
        cr_assert_eq(fputs(text, f) >= 0, true);
        cr_assert_eq(fclose(f), 0);
}

/* A reference run without a cache, into its own OUT. */
static char *reference(struct generate_options o)
{
        char ref_out[700];
        snprintf(ref_out, sizeof(ref_out), "%s/ref-out", tmp);
        o.out_dir = ref_out;
        o.cache_dir = NULL;
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert(rep.policy_read, "without a cache the policy is read");
        char *s = report_text(&rep);
        generate_report_done(&rep);
        return s;
}

static bool has_note(const struct generate_report *rep, const char *what)
{
        STRV_FOREACH (n, rep->notes)
                if (strstr(*n, what))
                        return true;
        return false;
}

Test(generate, answer_cache_same_results_without_reading_the_policy, .init = setup,
     .fini = teardown)
{
        put_question_units();
        char cache[700];
        snprintf(cache, sizeof(cache), "%s/cache", tmp);
        for (int marker = 0; marker <= 1; marker++) {
                struct generate_options o = options();
                o.cache_dir = cache;
                if (marker)
                        o.executable_attribute = "gentest_expanded_away_attribute";
                _cleanup_free_ char *want = reference(o);

                struct generate_report rep = {0};
                run_with(&o, &rep); /* cold: asks the policy, writes the file */
                cr_assert(rep.policy_read);
                cr_assert_eq(rep.n_cached_answers, 0);
                cr_assert_null(rep.notes, "a missing cache is no news");
                _cleanup_free_ char *cold = report_text(&rep);
                generate_report_done(&rep);
                cr_assert_str_eq(cold, want);

                run_with(&o, &rep); /* warm: every answer from the file */
                cr_assert_not(rep.policy_read, "an unchanged policy is not read again");
                cr_assert_gt(rep.n_cached_answers, 0);
                _cleanup_free_ char *warm = report_text(&rep);
                generate_report_done(&rep);
                cr_assert_str_eq(warm, want);

                /* --check agrees, from the cache. */
                o.check = true;
                run_with(&o, &rep);
                cr_assert_eq(rep.n_drift, 0);
                cr_assert_not(rep.policy_read);
                generate_report_done(&rep);
        }
        cr_assert_eq(count_cache_files(cache), 2, "another attribute is another scope");

        /* --check writes nothing, not even a cache. */
        char fresh[700];
        snprintf(fresh, sizeof(fresh), "%s/fresh-cache", tmp);
        struct generate_options o = options();
        o.cache_dir = fresh;
        o.check = true;
        struct generate_report rep = {0};
        run_with(&o, &rep);
        cr_assert(rep.policy_read);
        generate_report_done(&rep);
        cr_assert_eq(access(fresh, F_OK), -1, "--check created %s", fresh);
}

Test(generate, answer_cache_corrupt_or_foreign_is_ignored, .init = setup, .fini = teardown)
{
        put_question_units();
        char cache[700];
        snprintf(cache, sizeof(cache), "%s/cache", tmp);
        struct generate_options o = options();
        o.cache_dir = cache;
        _cleanup_free_ char *want = reference(o);
        struct generate_report rep = {0};
        run_with(&o, &rep);
        generate_report_done(&rep);
        _cleanup_free_ char *path = cache_file(cache);
        cr_assert_not_null(path);
        _cleanup_free_ char *good = slurp(path);
        cr_assert_not_null(good);

        /* A wrong answer without a matching checksum (a flipped byte, an
         * edit): ignored, the policy asked, the file replaced. */
        _cleanup_free_ char *bad = strdup(good);
        char *p = strstr(bad, "gentest_svc_t");
        cr_assert_not_null(p, "the transition's answer is in the file:\n%s", good);
        p[strlen("gentest_sv")] = 'X';
        const char *const damaged[] = {
                bad,
                "",                                    /* empty */
                "planet-selinux policy answers, form", /* truncated */
        };
        const char *const why[] = {"corrupt", "truncated", "truncated"};
        for (size_t i = 0; i < ELEMENTSOF(damaged); i++) {
                write_file(path, damaged[i]);
                run_with(&o, &rep);
                cr_assert(has_note(&rep, why[i]), "case %zu: note says %s", i, why[i]);
                cr_assert(rep.policy_read, "case %zu", i);
                _cleanup_free_ char *got = report_text(&rep);
                generate_report_done(&rep);
                cr_assert_str_eq(got, want, "case %zu: no wrong drop-in", i);
                _cleanup_free_ char *again = slurp(path);
                cr_assert_str_eq(again, good, "case %zu: the file is rewritten", i);
        }

        /* A consistent file (valid checksum) for other inputs copied under
         * this name: its header says so, and it is ignored. */
        char *policy_line = strstr(good, "policy sha256 ");
        cr_assert_not_null(policy_line);
        _cleanup_free_ char *foreign = strdup(good);
        foreign[policy_line - good + strlen("policy sha256 ")] ^= 1; /* another policy */
        *strstr(foreign, "checksum ") = '\0';
        char body[700], hex[ANSWER_CACHE_DIGEST_HEX];
        snprintf(body, sizeof(body), "%s/body", tmp);
        write_file(body, foreign);
        struct planet_error err = {0};
        cr_assert_eq(answer_cache_digest_file(body, hex, &err), 0);
        char *with_sum = NULL;
        cr_assert(asprintf(&with_sum, "%schecksum %s\n", foreign, hex) > 0);
        write_file(path, with_sum);
        free(with_sum);
        run_with(&o, &rep);
        cr_assert(has_note(&rep, "another policy"));
        cr_assert(rep.policy_read);
        _cleanup_free_ char *got = report_text(&rep);
        generate_report_done(&rep);
        cr_assert_str_eq(got, want);
        _cleanup_free_ char *again = slurp(path);
        cr_assert_str_eq(again, good);

        /* A cache that cannot be written: a note, the same results. */
        char blocked[700];
        snprintf(blocked, sizeof(blocked), "%s/not-a-dir", tmp);
        write_file(blocked, "");
        o.cache_dir = blocked;
        run_with(&o, &rep);
        cr_assert(has_note(&rep, "answers not cached"));
        _cleanup_free_ char *got2 = report_text(&rep);
        generate_report_done(&rep);
        cr_assert_str_eq(got2, want);
}

/* A cache directory name and a copy of the fixture policy, in tmp: the
 * tests that change the policy between runs change the copy. */
static void copy_policy(char cache[static 700], char copy[static 700])
{
        snprintf(cache, 700, "%s/cache", tmp);
        snprintf(copy, 700, "%s/policy.33", tmp);
        _cleanup_free_ char *cmd = NULL;
        cr_assert(asprintf(&cmd, "cp '%s' '%s'", policy, copy) > 0);
        cr_assert_eq(system(cmd), 0);
}

/* Rename gentest_svc_t (or gentest_svq_t, to undo it) in place in a copy of
 * the policy: same length, so a policy libsepol reads, with another name for
 * the service's domain. The name must occur once, or the rename would be
 * ambiguous. */
static void rename_svc_type(const char *path, char to)
{
        FILE *f = fopen(path, "r+e");
        cr_assert_not_null(f);
        struct stat st;
        cr_assert_eq(fstat(fileno(f), &st), 0);
        size_t len = st.st_size;
        char *buf = malloc(len);
        cr_assert_not_null(buf);
        cr_assert_eq(fread(buf, 1, len, f), len);
        char *hit = memmem(buf, len, "gentest_svc_t", strlen("gentest_svc_t"));
        if (!hit)
                hit = memmem(buf, len, "gentest_svq_t", strlen("gentest_svq_t"));
        cr_assert_not_null(hit);
        cr_assert_null(memmem(hit + 1, len - (hit + 1 - buf), hit, strlen("gentest_svc_t")),
                       "the name occurs once");
        cr_assert_eq(fseek(f, hit - buf + strlen("gentest_sv"), SEEK_SET), 0);
        cr_assert_eq(fputc(to, f), to);
        cr_assert_eq(fclose(f), 0);
        free(buf);
}

Test(generate, answer_cache_of_another_policy_or_fc_is_not_used, .init = setup, .fini = teardown)
{
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        char cache[700], copy[700];
        copy_policy(cache, copy);

        struct generate_options o = options();
        o.cache_dir = cache;
        o.policy_path = copy;
        struct generate_report rep = {0};
        run_with(&o, &rep);
        generate_report_done(&rep);
        run_with(&o, &rep);
        cr_assert_not(rep.policy_read);
        generate_report_done(&rep);

        /* The same file, changed in place: the type is renamed. The old
         * answers must not be used. */
        rename_svc_type(copy, 'q');

        run_with(&o, &rep);
        cr_assert(rep.policy_read, "a changed policy is read");
        cr_assert_null(rep.notes, "another policy's file is simply not this one's");
        generate_report_done(&rep);
        _cleanup_free_ char *d = dropin("svc.service");
        cr_assert(strstr(d, "--expect-domain gentest_svq_t"), "%s", d);
        cr_assert_eq(count_cache_files(cache), 2);

        /* A relabeling .fc: new labels, never the old file's. */
        _cleanup_free_ char *orig = slurp(fc);
        char *line = strstr(orig, "gentest_svc_exec_t");
        cr_assert_not_null(line);
        char relabeled_text[1024], relabeled[700];
        snprintf(relabeled_text, sizeof(relabeled_text), "%.*sgentest_nonnp_exec_t%s",
                 (int) (line - orig), orig, line + strlen("gentest_svc_exec_t"));
        snprintf(relabeled, sizeof(relabeled), "%s/gentest.fc", tmp);
        write_file(relabeled, orig);
        o.fc_path = relabeled;
        run_with(&o, &rep); /* the same .fc content elsewhere: warm */
        cr_assert_not(rep.policy_read);
        generate_report_done(&rep);
        write_file(relabeled, relabeled_text);
        run_with(&o, &rep);
        generate_report_done(&rep);
        _cleanup_free_ char *d2 = dropin("svc.service");
        cr_assert(strstr(d2, "--expect-domain gentest_nonnp_t"), "%s", d2);
}

Test(generate, answer_cache_policy_changed_during_the_run, .init = setup, .fini = teardown)
{
        char cache[700], copy[700];
        copy_policy(cache, copy);
        put("units/plain.service", "[Service]\nExecStart=/opt/gentest/bin/plain\n");
        struct generate_options o = options();
        o.cache_dir = cache;
        o.policy_path = copy;
        struct generate_report rep = {0};
        run_with(&o, &rep); /* the cache knows plain's answers, not svc's */
        generate_report_done(&rep);

        /* Opened (and hashed) over the original; the file is rebuilt before
         * the question about svc makes the run read it. */
        put("units/svc.service", "[Service]\nExecStart=/opt/gentest/bin/svc\n");
        struct planet_error err = {0};
        struct generate_context *g = NULL;
        cr_assert_eq(generate_context_open(&o, &g, &err), 0, "%s", err.msg);
        rename_svc_type(copy, 'q');
        cr_assert_eq(generate_run(g, &rep, &err), 0, "%s", err.msg);
        generate_context_free(g);
        cr_assert(rep.policy_read);
        cr_assert(has_note(&rep, "policy changed while this run read it"));
        generate_report_done(&rep);

        /* Back to the original bytes: svc's answer must come from them, not
         * from the rebuilt file read under the original's digest. */
        rename_svc_type(copy, 'c');
        run_with(&o, &rep);
        cr_assert(rep.policy_read, "nothing of the changed file was cached");
        generate_report_done(&rep);
        _cleanup_free_ char *d = dropin("svc.service");
        cr_assert(strstr(d, "--expect-domain gentest_svc_t"), "%s", d);
}
