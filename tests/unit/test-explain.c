/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts against real compiled policies (Debian's, from the fixture store,
 * and a tiny checkpolicy-built one for RBAC), unit mapping by journal start
 * entries, /proc and drop-ins, label advice, filters and rule output. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explain.h"
#include "iface.h"
#include "journal-read.h"
#include "label.h"

static char *fixture_path(const char *rel)
{
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/%s", getenv("PLANET_FIXTURE_ROOT"), rel), 0);
        return p;
}

static char *src_path(const char *rel)
{
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/tests/fixtures/denials/%s", getenv("top_srcdir"), rel), 0);
        return p;
}

static char *build_path(const char *rel)
{
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/tests/fixtures/denials/%s", getenv("top_builddir"), rel), 0);
        return p;
}

static struct label_backend *debian_policy(void)
{
        _cleanup_free_ char *policy = fixture_path("etc/selinux/default/policy/policy.33");
        _cleanup_free_ char *fc = fixture_path("etc/selinux/default/contexts/files/file_contexts");
        struct label_backend *b = NULL;
        struct planet_error err = {0};
        int r = label_backend_open_offline(&b, policy, fc, &err);
        cr_assert_eq(r, 0, "%s", err.msg);
        return b;
}

/* Read text (a file, or inline when it contains a newline) into a new explain. */
static struct explain *explain_text(const struct explain_options *o, const char *text_or_file)
{
        struct explain *x = NULL;
        cr_assert_eq(explain_new(&x, o), 0);
        struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, explain_event, x), 0);
        FILE *f;
        _cleanup_free_ char *path = NULL;
        if (strchr(text_or_file, '\n'))
                f = fmemopen((void *) text_or_file, strlen(text_or_file), "r");
        else {
                path = src_path(text_or_file);
                f = fopen(path, "re");
        }
        cr_assert_not_null(f);
        struct planet_error err = {0};
        size_t malformed = 0;
        cr_assert_eq(journal_read_text(f, "input", 0, g, NULL, &malformed, &err), 0, "%s", err.msg);
        cr_assert_eq(malformed, 0);
        fclose(f);
        avc_grouper_free(g);
        cr_assert_eq(explain_finish(x, &err), 0, "%s", err.msg);
        return x;
}

static struct explain_group *find(struct explain *x, const char *stype, const char *ttype,
                                  const char *tclass)
{
        for (size_t i = 0; i < explain_n_groups(x); i++) {
                struct explain_group *g = explain_get_group(x, i);
                char a[256], b[256];
                if (!strcmp(explain_context_type(g->scontext, a, sizeof(a)), stype) &&
                    !strcmp(explain_context_type(g->tcontext, b, sizeof(b)), ttype) &&
                    !strcmp(g->tclass, tclass))
                        return g;
        }
        cr_assert_fail("no group %s %s:%s", stype, ttype, tclass);
        return NULL;
}

static bool has_boolean(const struct explain_group *g, const char *name)
{
        for (size_t i = 0; i < g->n_booleans; i++)
                if (!strcmp(g->booleans[i].name, name) && g->booleans[i].value)
                        return true;
        return false;
}

Test(explain, verdicts_against_debian_policy)
{
        _cleanup_label_backend_ struct label_backend *b = debian_policy();
        struct explain_options o = {.backend = b};
        _cleanup_explain_ struct explain *x = explain_text(&o, "verdicts.log");
        cr_assert_eq(explain_n_groups(x), 14);

        struct explain_group *g = find(x, "httpd_t", "shadow_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_TE_RULE, "%s",
                     explain_verdict_to_string(g->verdict));
        cr_assert_str_eq(g->rule_te, "allow httpd_t shadow_t:file read;");
        cr_assert_str_eq(g->rule_cil, "(allow httpd_t shadow_t (file (read)))");

        /* sesearch: allow httpd_t port_type:tcp_socket name_connect; [ httpd_can_network_connect ]
         */
        g = find(x, "httpd_t", "http_port_t", "tcp_socket");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_BOOLEAN);
        cr_assert(has_boolean(g, "httpd_can_network_connect"));
        cr_assert(strstr(g->fix, "setsebool -P "), "%s", g->fix);

        g = find(x, "httpd_t", "file_context_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_BOOLEAN);
        cr_assert(has_boolean(g, "allow_kerberos"));
        cr_assert_eq(g->n_booleans, 1);

        /* dontaudit httpd_t self:capability net_admin (no boolean grants it) */
        g = find(x, "httpd_t", "httpd_t", "capability");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_DONTAUDIT, "%s",
                     explain_verdict_to_string(g->verdict));
        cr_assert_str_eq(g->rule_te, "allow httpd_t self:capability net_admin;");

        /* constrain file { create … } (u1 == u2 or t1 == can_change_object_identity) */
        g = find(x, "staff_t", "user_home_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_CONSTRAINT);
        cr_assert_not_null(g->constraint);
        cr_assert(strstr(g->constraint, "u1 == u2"), "%s", g->constraint);
        cr_assert_null(g->rule_te, "an allow rule cannot fix a constraint");

        g = find(x, "httpd_t", "var_lib_t", "dir");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_ALLOWED);
        cr_assert_str_eq(g->rule_te, "allow httpd_t var_lib_t:dir { read write };");

        g = find(x, "httpd_t", "gone_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_BAD_CONTEXT);
        g = find(x, "httpd_t", "etc_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_BAD_CLASS);
        cr_assert(strstr(g->reason, "frobnicate"));

        g = find(x, "init_t", "bin_t", "process");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_INVALID_CONTEXT);
        cr_assert(strstr(g->reason, "undeclared_t is not in this policy"), "%s", g->reason);
        g = find(x, "init_t", "user_home_t", "process");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_INVALID_CONTEXT);
        cr_assert(strstr(g->fix, "role system_r types user_home_t;"), "%s", g->fix);

        g = find(x, "etc_t", "shadow_t", "file");
        cr_assert_eq(g->kind, AVC_KIND_VALIDATE_TRANSITION);
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_CONSTRAINT);
        cr_assert(strstr(g->reason, "by system_u:system_r:init_t:s0"), "%s", g->reason);
        cr_assert_null(g->rule_te);

        g = find(x, "init_t", "httpd_t", "process");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_BOUNDS);
        cr_assert_str_eq(g->rule_te,
                         "allow init_t httpd_t:process2 { nnp_transition nosuid_transition };");
}

Test(explain, label_advice_and_var_run_trap)
{
        _cleanup_label_backend_ struct label_backend *b = debian_policy();
        struct explain_options o = {.backend = b};
        _cleanup_explain_ struct explain *x = explain_text(&o, "verdicts.log");
        /* /etc/shadow logged as etc_t; file_contexts says shadow_t */
        struct explain_group *g = find(x, "sshd_t", "etc_t", "file");
        cr_assert_not_null(g->label_advice);
        cr_assert(strstr(g->label_advice, "restorecon -v /etc/shadow"), "%s", g->label_advice);
        cr_assert(strstr(g->label_advice, "shadow_t"), "%s", g->label_advice);
        g = find(x, "httpd_t", "var_run_t", "file");
        cr_assert_not_null(g->label_advice);
        cr_assert(strstr(g->label_advice, "looked up as /run/etcd.pid"), "%s", g->label_advice);
        /* A correctly labeled file gets no advice. */
        g = find(x, "httpd_t", "shadow_t", "file");
        cr_assert_null(g->label_advice, "%s", g->label_advice);
}

Test(explain, rbac_against_small_policy)
{
        _cleanup_free_ char *policy = build_path("rbac.33");
        _cleanup_label_backend_ struct label_backend *b = NULL;
        struct planet_error err = {0};
        cr_assert_eq(label_backend_open_offline(&b, policy, NULL, &err), 0, "%s", err.msg);
        struct explain_options o = {.backend = b};
        _cleanup_explain_ struct explain *x = explain_text(
                &o, "type=AVC msg=audit(1.000:1): avc:  denied  { transition } for  pid=1 "
                    "scontext=user_u:first_r:a_t tcontext=user_u:second_r:b_t tclass=process "
                    "permissive=0\n"
                    "type=AVC msg=audit(1.000:2): avc:  denied  { getattr } for  pid=1 "
                    "scontext=user_u:first_r:a_t tcontext=user_u:object_r:b_t tclass=file "
                    "permissive=0\n");
        struct explain_group *g = find(x, "a_t", "b_t", "process");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_RBAC, "%s", explain_verdict_to_string(g->verdict));
        cr_assert_str_eq(g->rule_te, "allow first_r second_r;");
        g = find(x, "a_t", "b_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_TE_RULE);
}

Test(explain, no_policy_is_unknown_not_a_guess)
{
        struct explain_options o = {0};
        _cleanup_explain_ struct explain *x = explain_text(&o, "verdicts.log");
        struct explain_group *g = find(x, "httpd_t", "shadow_t", "file");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_UNKNOWN);
        cr_assert(strstr(g->reason, "--policy"));
        cr_assert_str_eq(g->rule_te, "allow httpd_t shadow_t:file read;");
}

Test(explain, allowed_after_policy_load)
{
        _cleanup_label_backend_ struct label_backend *b = debian_policy();
        struct explain_options o = {.backend = b};
        _cleanup_explain_ struct explain *x = explain_text(
                &o, "type=AVC msg=audit(10.000:1): avc:  denied  { read write } for  pid=1 "
                    "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:var_lib_t:s0 "
                    "tclass=dir permissive=0\n"
                    "type=MAC_POLICY_LOAD msg=audit(11.000:2): auid=4294967295 ses=4294967295 "
                    "lsm=selinux res=1\n");
        struct explain_group *g = find(x, "httpd_t", "var_lib_t", "dir");
        cr_assert_eq(g->verdict, EXPLAIN_VERDICT_ALLOWED);
        cr_assert(g->before_policy_load);
        cr_assert(strstr(g->reason, "policy load after the denial"), "%s", g->reason);
}

/* ---- which unit --------------------------------------------------------- */

static char *make_tmpdir(void)
{
        char *d = strdup("/tmp/test-explain-XXXXXX");
        cr_assert_not_null(mkdtemp(d));
        return d;
}

static void write_file(const char *dir, const char *rel, const char *text)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                mkdir(path, 0755);
                *s = '/';
        }
        FILE *f = fopen(path, "we");
        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        fclose(f);
}

static void rm_rf(const char *dir)
{
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
}

static const char *const kubelet_denial =
        "type=AVC msg=audit(1764095400.101:1001): avc:  denied  { read } for  pid=2101 "
        "comm=\"kubelet\" name=\"shadow\" scontext=system_u:system_r:httpd_t:s0 "
        "tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0\n";

Test(explain, unit_from_dropins)
{
        _cleanup_free_ char *dir = make_tmpdir();
        write_file(dir, "kubelet.service.d/50-planet-selinux.conf",
                   "[Service]\nExecStart=\nExecStart=/usr/bin/planet-initd --expect-domain "
                   "system_u:system_r:httpd_t:s0 -- /usr/bin/kubelet\n");
        write_file(dir, "etcd.service.d/50-planet-selinux.conf",
                   "[Service]\nExecStart=\nExecStart=/usr/bin/planet-initd "
                   "--expect-domain=sshd_t -- /usr/bin/etcd\n");
        /* Not a planet drop-in: ignored. */
        write_file(dir, "other.service.d/10-x.conf", "--expect-domain httpd_t\n");
        char *dirs[] = {dir, NULL};
        struct explain_options o = {.unit_dirs = dirs};
        {
                _cleanup_explain_ struct explain *x = explain_text(&o, kubelet_denial);
                struct explain_group *g = find(x, "httpd_t", "shadow_t", "file");
                cr_assert_str_eq(g->unit, "kubelet.service");
                cr_assert_eq(g->unit_method, EXPLAIN_UNIT_DROPIN);
        }
        /* A second unit in the same domain: both named, and said so. */
        write_file(dir, "apiserver.service.d/50-planet-selinux.conf",
                   "ExecStart=/usr/bin/planet-initd --domain httpd_t -- /usr/bin/apiserver\n");
        {
                _cleanup_explain_ struct explain *x = explain_text(&o, kubelet_denial);
                struct explain_group *g = find(x, "httpd_t", "shadow_t", "file");
                cr_assert_eq(g->unit_method, EXPLAIN_UNIT_DROPINS);
                cr_assert(strstr(g->unit, "kubelet.service") &&
                                  strstr(g->unit, "apiserver.service"),
                          "%s", g->unit);
        }
        rm_rf(dir);
}

Test(explain, unit_from_proc_cgroup)
{
        _cleanup_free_ char *proc = make_tmpdir();
        write_file(proc, "2101/attr/current", "system_u:system_r:httpd_t:s0\n");
        write_file(proc, "2101/cgroup",
                   "0::/machine.slice/planet.service/payload/system.slice/kubelet.service\n");
        /* A recycled PID now running something else: not mapped. */
        write_file(proc, "2102/attr/current", "system_u:system_r:sshd_t:s0\n");
        write_file(proc, "2102/cgroup", "0::/system.slice/ssh.service\n");
        /* No readable context: the comm has to match. */
        write_file(proc, "2103/comm", "curl\n");
        write_file(proc, "2103/cgroup", "12:name=systemd:/system.slice/fetch.service\n");
        char *none[] = {NULL};
        struct explain_options o = {.proc_root = proc, .unit_dirs = none};
        _cleanup_explain_ struct explain *x = explain_text(
                &o, "type=AVC msg=audit(1.000:1): avc:  denied  { read } for  pid=2101 "
                    "comm=\"kubelet\" "
                    "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:shadow_t:s0 "
                    "tclass=file\n"
                    "type=AVC msg=audit(1.000:2): avc:  denied  { read } for  pid=2102 "
                    "comm=\"kubelet\" "
                    "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:etc_t:s0 "
                    "tclass=file\n"
                    "type=AVC msg=audit(1.000:3): avc:  denied  { name_connect } for  pid=2103 "
                    "comm=\"curl\" scontext=system_u:system_r:httpd_t:s0 "
                    "tcontext=system_u:object_r:http_port_t:s0 tclass=tcp_socket\n");
        struct explain_group *g = find(x, "httpd_t", "shadow_t", "file");
        cr_assert_str_eq(g->unit, "kubelet.service");
        cr_assert_eq(g->unit_method, EXPLAIN_UNIT_CGROUP);
        g = find(x, "httpd_t", "etc_t", "file");
        cr_assert_null(g->unit);
        cr_assert_eq(g->unit_method, EXPLAIN_UNIT_UNKNOWN);
        g = find(x, "httpd_t", "http_port_t", "tcp_socket");
        cr_assert_str_eq(g->unit, "fetch.service");
        rm_rf(proc);
}

Test(explain, unit_from_journal_start_entries)
{
        _cleanup_free_ char *file = build_path("fixture.journal");
        char *files[] = {file, NULL};
        char *none[] = {NULL};
        struct explain_options o = {.unit_dirs = none};
        _cleanup_explain_ struct explain *x = NULL;
        cr_assert_eq(explain_new(&x, &o), 0);
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, explain_event, x), 0);
        struct journal_read_options jo = {.files = files};
        struct journal_read_callbacks cb = {.start = explain_start, .userdata = x};
        struct planet_error err = {0};
        size_t malformed = 1;
        cr_assert_eq(journal_read(&jo, g, &cb, &malformed, &err), 0, "%s", err.msg);
        cr_assert_eq(malformed, 0);
        /* each AVC also came as a printk copy: dropped */
        cr_assert_eq(avc_grouper_duplicates(g), 3);
        cr_assert_eq(explain_finish(x, &err), 0);
        cr_assert_eq(explain_n_groups(x), 3);

        struct explain_group *k = NULL, *e = NULL, *u = NULL;
        for (size_t i = 0; i < explain_n_groups(x); i++) {
                struct explain_group *gr = explain_get_group(x, i);
                if (gr->pid == 2101)
                        k = gr;
                else if (gr->pid == 2104)
                        e = gr;
                else if (gr->pid == 3999)
                        u = gr;
        }
        cr_assert(k && e && u);
        cr_assert_str_eq(k->unit, "kubelet.service");
        cr_assert_eq(k->unit_method, EXPLAIN_UNIT_JOURNAL);
        cr_assert_eq(k->count, 1);
        cr_assert_str_eq(k->exe, "/usr/bin/kubelet");
        cr_assert_str_eq(e->unit, "etcd.service");
        cr_assert_null(u->unit);
        cr_assert_eq(u->unit_method, EXPLAIN_UNIT_UNKNOWN);
        /* the policy load after these denials is noticed */
        cr_assert(k->before_policy_load);
}

Test(explain, journal_since_and_boot_filters)
{
        _cleanup_free_ char *file = build_path("fixture.journal");
        char *files[] = {file, NULL};
        char *none[] = {NULL};
        struct explain_options o = {.unit_dirs = none};
        _cleanup_explain_ struct explain *x = NULL;
        cr_assert_eq(explain_new(&x, &o), 0);
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, explain_event, x), 0);
        struct journal_read_options jo = {.files = files,
                                          .since_usec = 1764095403000000ULL,
                                          .boot_id = "5b1e4c7a0d6f4e2c9a8b7c6d5e4f3a21"};
        struct journal_read_callbacks cb = {.start = explain_start, .userdata = x};
        struct planet_error err = {0};
        cr_assert_eq(journal_read(&jo, g, &cb, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_finish(x, &err), 0);
        cr_assert_eq(explain_n_groups(x), 2); /* the 18:30:00 kubelet denial is too old */
        /* etcd started before --since; its start entry still maps the PID. */
        bool etcd = false;
        for (size_t i = 0; i < explain_n_groups(x); i++) {
                struct explain_group *gr = explain_get_group(x, i);
                if (gr->pid == 2104) {
                        cr_assert_str_eq(gr->unit, "etcd.service");
                        cr_assert_eq(gr->unit_method, EXPLAIN_UNIT_JOURNAL);
                        etcd = true;
                }
        }
        cr_assert(etcd);

        _cleanup_explain_ struct explain *y = NULL;
        cr_assert_eq(explain_new(&y, &o), 0);
        _cleanup_avc_grouper_ struct avc_grouper *g2 = NULL;
        cr_assert_eq(avc_grouper_new(&g2, 0, explain_event, y), 0);
        jo.since_usec = 0;
        jo.boot_id = "00000000000000000000000000000001";
        cb.userdata = y;
        cr_assert_eq(journal_read(&jo, g2, &cb, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_finish(y, &err), 0);
        cr_assert_eq(explain_n_groups(y), 0);
}

Test(explain, filters_and_rules)
{
        _cleanup_free_ char *dir = make_tmpdir();
        write_file(dir, "kubelet.service.d/50-planet-selinux.conf",
                   "ExecStart=/usr/bin/planet-initd --expect-domain httpd_t -- /usr/bin/kubelet\n");
        char *dirs[] = {dir, NULL};
        struct explain_options o = {.unit_dirs = dirs, .only_unit = "kubelet"};
        _cleanup_explain_ struct explain *x = explain_text(&o, "audit.log");
        for (size_t i = 0; i < explain_n_groups(x); i++)
                cr_assert_str_eq(explain_get_group(x, i)->unit, "kubelet.service");
        cr_assert_gt(explain_n_groups(x), 0);

        struct explain_options od = {.unit_dirs = dirs, .only_domain = "init_t"};
        _cleanup_explain_ struct explain *y = explain_text(&od, "audit.log");
        cr_assert_eq(explain_n_groups(y), 3); /* two invalid-context records + a bounded one */

        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        cr_assert_eq(explain_write_rules(x, false, f), 0);
        fclose(f);
        cr_assert(strstr(buf, "allow httpd_t shadow_t:file { getattr read };\n"), "%s", buf);
        cr_assert(strstr(buf, "allow httpd_t self:capability net_admin;\n"), "%s", buf);
        free(buf);
        f = open_memstream(&buf, &len);
        cr_assert_eq(explain_write_rules(x, true, f), 0);
        fclose(f);
        cr_assert(strstr(buf, "(allow httpd_t shadow_t (file (getattr read)))\n"), "%s", buf);
        free(buf);
        rm_rf(dir);
}

Test(explain, since_parsing)
{
        uint64_t t = 0, now = 1764100000ULL * 1000000;
        struct planet_error err = {0};
        cr_assert_eq(journal_parse_since("@1700000000", now, &t, &err), 0);
        cr_assert_eq(t, 1700000000ULL * 1000000);
        cr_assert_eq(journal_parse_since("-30min", now, &t, &err), 0);
        cr_assert_eq(t, now - 1800ULL * 1000000);
        cr_assert_eq(journal_parse_since("2h ago", now, &t, &err), 0);
        cr_assert_eq(t, now - 7200ULL * 1000000);
        setenv("TZ", "UTC", 1);
        tzset();
        cr_assert_eq(journal_parse_since("2025-11-25 18:30:00", now, &t, &err), 0);
        cr_assert_eq(t, 1764095400ULL * 1000000);
        cr_assert_eq(journal_parse_since("2025-11-25", now, &t, &err), 0);
        cr_assert_eq(t, 1764028800ULL * 1000000);
        cr_assert_eq(journal_parse_since("last tuesday", now, &t, &err), -EINVAL);
        cr_assert(strstr(err.msg, "last tuesday"));
        planet_error_clear(&err);
        char boot[33];
        cr_assert_eq(journal_parse_boot("nope", boot, &err), -EINVAL);
        planet_error_clear(&err);
        cr_assert_eq(journal_parse_boot("5b1e4c7a0d6f4e2c9a8b7c6d5e4f3a21", boot, &err), 0);
        cr_assert_str_eq(boot, "5b1e4c7a0d6f4e2c9a8b7c6d5e4f3a21");
        /* The UUID form and upper case, as sd_id128_from_string() takes them. */
        cr_assert_eq(journal_parse_boot("5B1E4C7A-0D6F-4E2C-9A8B-7C6D5E4F3A21", boot, &err), 0);
        cr_assert_str_eq(boot, "5b1e4c7a0d6f4e2c9a8b7c6d5e4f3a21");
        cr_assert_eq(journal_parse_boot("5b1e4c7a-0d6f4e2c-9a8b-7c6d5e4f3a21x", boot, &err), -EINVAL);
        planet_error_clear(&err);
        cr_assert_eq(journal_parse_boot("5b1e4c7a0d6f4e2c9a8b7c6d5e4f3a2", boot, &err), -EINVAL);
        planet_error_clear(&err);
        /* This boot's: the kernel's boot_id, without its dashes. */
        char want[64] = "";
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
        cr_assert_not_null(f);
        cr_assert_not_null(fgets(want, sizeof(want), f));
        fclose(f);
        size_t k = 0;
        for (size_t i = 0; want[i] && want[i] != '\n'; i++)
                if (want[i] != '-')
                        want[k++] = want[i];
        want[k] = 0;
        cr_assert_eq(journal_parse_boot("current", boot, &err), 0, "%s", err.msg);
        cr_assert_str_eq(boot, want);
}

Test(explain, interface_suggestions_fill_the_slot)
{
        _cleanup_label_backend_ struct label_backend *b = debian_policy();
        struct explain_options o = {.backend = b};
        /* Same access at two levels: one question, asked once, both answered. */
        _cleanup_explain_ struct explain *x = explain_text(
                &o,
                "type=AVC msg=audit(1.000:1): avc:  denied  { read } for  pid=1 "
                "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:shadow_t:s0 "
                "tclass=file permissive=0\n"
                "type=AVC msg=audit(1.000:2): avc:  denied  { read } for  pid=1 "
                "scontext=system_u:system_r:httpd_t:s0:c1 tcontext=system_u:object_r:shadow_t:s0 "
                "tclass=file permissive=0\n"
                "type=AVC msg=audit(1.000:3): avc:  denied  { name_connect } for  pid=1 "
                "scontext=system_u:system_r:httpd_t:s0 "
                "tcontext=system_u:object_r:http_port_t:s0 tclass=tcp_socket\n");
        _cleanup_iface_index_ struct iface_index *idx = NULL;
        struct planet_error err = {0};
        cr_assert_eq(iface_index_load(NULL, &idx, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_suggest_interfaces(x, idx, 3, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_n_groups(x), 3);
        struct explain_group *g0 = explain_get_group(x, 0), *g1 = explain_get_group(x, 1);
        cr_assert_eq(g0->verdict, EXPLAIN_VERDICT_TE_RULE);
        cr_assert_not_null(g0->interfaces);
        cr_assert_not_null(g0->interfaces[0]);
        /* A read of shadow_t is granted by a read interface, not a manage one. */
        cr_assert(strstr(g0->interfaces[0], "auth_read_shadow(httpd_t)") == g0->interfaces[0], "%s",
                  g0->interfaces[0]);
        for (size_t i = 0; g0->interfaces[i]; i++) {
                cr_assert_str_eq(g0->interfaces[i], g1->interfaces[i]);
                cr_assert_null(strstr(g0->interfaces[i], "manage"), "%s", g0->interfaces[i]);
        }
        /* A boolean verdict gets the setsebool, not interfaces. */
        struct explain_group *g2 = find(x, "httpd_t", "http_port_t", "tcp_socket");
        cr_assert_eq(g2->verdict, EXPLAIN_VERDICT_BOOLEAN);
        cr_assert_null(g2->interfaces);
}

/* Freeing the policy before the interface index is loaded (what the
 * command does) must not change a suggestion: the attribute snapshot
 * answers as the policy did. The accesses include matches through an
 * attribute (var_lib_t is a non_auth_file_type) and an unknown type. */
Test(explain, detached_policy_suggests_the_same)
{
        static const char log[] =
                "type=AVC msg=audit(1.000:1): avc:  denied  { read } for  pid=1 "
                "scontext=system_u:system_r:ntpd_t:s0 tcontext=system_u:object_r:var_lib_t:s0 "
                "tclass=file permissive=0\n"
                "type=AVC msg=audit(1.000:2): avc:  denied  { read } for  pid=1 "
                "scontext=system_u:system_r:avahi_t:s0 tcontext=system_u:object_r:bin_t:s0 "
                "tclass=lnk_file permissive=0\n"
                "type=AVC msg=audit(1.000:3): avc:  denied  { lock } for  pid=1 "
                "scontext=system_u:system_r:avahi_t:s0 "
                "tcontext=system_u:object_r:postgresql_db_t:s0 tclass=file permissive=0\n"
                "type=AVC msg=audit(1.000:4): avc:  denied  { name_bind } for  pid=1 "
                "scontext=system_u:system_r:avahi_t:s0 tcontext=system_u:object_r:dns_port_t:s0 "
                "tclass=udp_socket permissive=0\n"
                "type=AVC msg=audit(1.000:5): avc:  denied  { read } for  pid=1 "
                "scontext=system_u:system_r:sshd_t:s0 tcontext=system_u:object_r:no_such_t:s0 "
                "tclass=file permissive=0\n";
        _cleanup_label_backend_ struct label_backend *b = debian_policy();
        struct explain_options o = {.backend = b};
        _cleanup_explain_ struct explain *attached = explain_text(&o, log);
        _cleanup_explain_ struct explain *detached = explain_text(&o, log);
        cr_assert_eq(explain_detach_policy(detached), 0);
        _cleanup_iface_index_ struct iface_index *idx = NULL;
        struct planet_error err = {0};
        cr_assert_eq(iface_index_load(NULL, &idx, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_suggest_interfaces(attached, idx, 10, &err), 0, "%s", err.msg);
        cr_assert_eq(explain_suggest_interfaces(detached, idx, 10, &err), 0, "%s", err.msg);

        cr_assert_eq(explain_n_groups(attached), explain_n_groups(detached));
        size_t through_attribute = 0, compared = 0;
        for (size_t i = 0; i < explain_n_groups(attached); i++) {
                char **a = explain_get_group(attached, i)->interfaces;
                char **d = explain_get_group(detached, i)->interfaces;
                cr_assert_eq(!a, !d);
                size_t k = 0;
                for (; a && a[k] && d[k]; k++, compared++) {
                        cr_assert_str_eq(a[k], d[k]);
                        through_attribute += strstr(a[k], "through attribute") != NULL;
                }
                cr_assert(!a || (!a[k] && !d[k]), "group %zu: different counts", i);
        }
        cr_assert_gt(compared, 5);
        cr_assert_gt(through_attribute, 0, "no attribute match exercised");
}

/* The symbols-only policy that rules-only output reads: every context,
 * class and permission is judged as the whole policy judges it, while the
 * rules are gone. */
Test(explain, symbols_only_policy_judges_names_like_the_whole_one)
{
        _cleanup_free_ char *policy = fixture_path("etc/selinux/default/policy/policy.33");
        struct planet_error err = {0};
        _cleanup_label_backend_ struct label_backend *lean = NULL;
        static const char *const contexts[] = {
                "system_u:system_r:httpd_t:s0",
                "system_u:object_r:shadow_t:s0",
                "system_u:system_r:httpd_t:s0-s0:c0.c1023",
                "system_u:system_r:no_such_t:s0",     /* unknown type */
                "system_u:no_such_r:httpd_t:s0",      /* unknown role */
                "no_such_u:system_r:httpd_t:s0",      /* unknown user */
                "system_u:object_r:httpd_t:s0",       /* object_r takes every type */
                "user_u:system_r:httpd_t:s0",         /* role the user lacks */
                "system_u:system_r:shadow_t:s0",      /* type the role lacks */
                "system_u:system_r:httpd_t:s9",       /* unknown sensitivity */
                "system_u:system_r:httpd_t:s0:c9999", /* unknown category */
        };
        /* Only one offline backend may live at a time (libsepol's globals):
         * ask the whole policy first, then the lean one, per context. */
        int whole_answers[ELEMENTSOF(contexts)];
        {
                _cleanup_label_backend_ struct label_backend *whole = debian_policy();
                for (size_t i = 0; i < ELEMENTSOF(contexts); i++) {
                        struct planet_error e = {0};
                        whole_answers[i] = label_check_context(whole, contexts[i], &e);
                        planet_error_clear(&e);
                }
        }
        cr_assert_eq(label_backend_open_offline_symbols(&lean, policy, &err), 0, "%s", err.msg);
        size_t valid = 0, invalid = 0;
        for (size_t i = 0; i < ELEMENTSOF(contexts); i++) {
                struct planet_error e = {0};
                int r = label_check_context(lean, contexts[i], &e);
                planet_error_clear(&e);
                cr_assert_eq(r, whole_answers[i], "%s: whole policy %d, symbols only %d",
                             contexts[i], whole_answers[i], r);
                r == 0 ? valid++ : invalid++;
        }
        cr_assert_geq(valid, 3);
        cr_assert_geq(invalid, 5);

        /* Classes and permissions: the verdicts fixture has a permission the
         * class lacks and an unknown context; the rules printed are the same
         * as against the whole policy, and there are no rules to allow
         * anything. */
        struct explain_options o = {.backend = lean};
        _cleanup_explain_ struct explain *x = explain_text(&o, "verdicts.log");
        char *lean_rules = NULL, *whole_rules = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f = open_memstream(&lean_rules, &n1);
        cr_assert_eq(explain_write_rules(x, false, f), 0);
        fclose(f);
        size_t bad_class = 0;
        for (size_t i = 0; i < explain_n_groups(x); i++) {
                struct explain_group *g = explain_get_group(x, i);
                cr_assert_neq(g->verdict, EXPLAIN_VERDICT_ALLOWED);
                bad_class += g->verdict == EXPLAIN_VERDICT_BAD_CLASS;
        }
        label_backend_free(TAKE_PTR(lean));
        {
                _cleanup_label_backend_ struct label_backend *whole = debian_policy();
                struct explain_options ow = {.backend = whole};
                _cleanup_explain_ struct explain *y = explain_text(&ow, "verdicts.log");
                f = open_memstream(&whole_rules, &n2);
                cr_assert_eq(explain_write_rules(y, false, f), 0);
                fclose(f);
                size_t whole_bad_class = 0;
                for (size_t i = 0; i < explain_n_groups(y); i++)
                        whole_bad_class +=
                                explain_get_group(y, i)->verdict == EXPLAIN_VERDICT_BAD_CLASS;
                cr_assert_eq(bad_class, whole_bad_class);
        }
        cr_assert_gt(n1, 0);
        cr_assert_str_eq(lean_rules, whole_rules);
        free(lean_rules);
        free(whole_rules);
}

/* Policy formats: one the symbol reader does not know (version 23, before
 * type bounds) is read whole, with its rules; 24 (no named transitions yet)
 * and the current one are read symbols only: contexts judged, no rules. The
 * small policy has no MLS, booleans or commons. */
Test(explain, symbols_only_across_policy_formats)
{
        _cleanup_free_ char *conf = src_path("rbac.conf");
        char dir[] = "/tmp/test-explain-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        static const struct {
                int version;
                bool rules_kept;
        } cases[] = {{23, true}, {24, false}, {25, false}, {33, false}};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = NULL, *cmd = NULL;
                cr_assert_geq(asprintf(&out, "%s/rbac.%d", dir, cases[i].version), 0);
                cr_assert_geq(asprintf(&cmd, "checkpolicy -c %d -o '%s' '%s' >/dev/null 2>&1",
                                       cases[i].version, out, conf),
                              0);
                cr_assert_eq(system(cmd), 0, "%s failed", cmd);
                struct label_backend *b = NULL;
                struct planet_error err = {0};
                cr_assert_eq(label_backend_open_offline_symbols(&b, out, &err), 0, "%d: %s",
                             cases[i].version, err.msg);
                cr_assert_eq(label_check_context(b, "user_u:first_r:a_t", &err), 0, "%s", err.msg);
                cr_assert_lt(label_check_context(b, "user_u:first_r:b_t", &err), 0);
                planet_error_clear(&err);
                bool allowed = false;
                cr_assert_eq(label_check_access(b, "user_u:first_r:a_t", "user_u:second_r:b_t",
                                                "file", "read", &allowed, &err),
                             0, "%s", err.msg);
                cr_assert_eq(allowed, cases[i].rules_kept, "version %d", cases[i].version);
                label_backend_free(b);
                unlink(out);
        }
        rmdir(dir);
}
