/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit record parser and event grouper against records in every format
 * the project reads (tests/fixtures/denials/ and inline). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avc.h"

static struct avc_record *parse(const char *line)
{
        struct planet_error err = {0};
        struct avc_record *r = NULL;
        int rr = avc_parse_line(line, strlen(line), &r, &err);
        cr_assert_eq(rr, 1, "line not parsed (%d: %s): %s", rr, err.msg ? err.msg : "", line);
        planet_error_clear(&err);
        return r;
}

Test(avc, plain_avc_record)
{
        _cleanup_avc_record_ struct avc_record *r = parse(
                "type=AVC msg=audit(1764095400.101:1001): avc:  denied  { read } for  pid=2101 "
                "comm=\"kubelet\" name=\"shadow\" dev=\"vda\" ino=1234 "
                "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:shadow_t:s0 "
                "tclass=file permissive=0");
        cr_assert_eq(r->type, AVC_TYPE_AVC);
        cr_assert_eq(r->kind, AVC_KIND_DENIED);
        cr_assert_eq(r->source, AVC_SOURCE_AUDIT);
        cr_assert_eq(r->serial, 1001);
        cr_assert_eq(r->usec, 1764095400101000ULL);
        cr_assert_str_eq(r->perms[0], "read");
        cr_assert_null(r->perms[1]);
        cr_assert_str_eq(r->scontext, "system_u:system_r:httpd_t:s0");
        cr_assert_str_eq(r->tcontext, "system_u:object_r:shadow_t:s0");
        cr_assert_str_eq(r->tclass, "file");
        cr_assert_str_eq(r->comm, "kubelet");
        cr_assert_str_eq(r->name, "shadow");
        cr_assert_eq(r->pid, 2101);
        cr_assert_eq(r->permissive, 0);
        cr_assert_str_eq(avc_record_get(r, "ino"), "1234");
}

Test(avc, permission_set_and_permissive)
{
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(1.000:2): avc:  denied  { read  write open } for pid=3 "
                      "scontext=a:b:c_t:s0 tcontext=a:b:d_t:s0 tclass=dir permissive=1");
        cr_assert_str_eq(r->perms[0], "read");
        cr_assert_str_eq(r->perms[1], "write");
        cr_assert_str_eq(r->perms[2], "open");
        cr_assert_null(r->perms[3]);
        cr_assert_eq(r->permissive, 1);
        _cleanup_free_ char *s = avc_record_perms_string(r);
        cr_assert_str_eq(s, "read write open");
}

Test(avc, hex_encoded_untrusted_strings)
{
        /* "my prog" and "/var/lib/my dir/x y": a space forces hex. */
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(1764095401.202:1002): avc:  denied  { write } for  "
                      "pid=2102 comm=6D792070726F67 "
                      "path=2F7661722F6C69622F6D79206469722F782079 dev=\"vda\" ino=99 "
                      "scontext=system_u:system_r:httpd_t:s0 "
                      "tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0");
        cr_assert_str_eq(r->comm, "my prog");
        cr_assert_str_eq(r->path, "/var/lib/my dir/x y");
        /* Numbers that look like hex are not decoded: ino is not a string. */
        cr_assert_str_eq(avc_record_get(r, "ino"), "99");
}

Test(avc, raw_contexts)
{
        _cleanup_avc_record_ struct avc_record *t =
                parse("type=AVC msg=audit(1.000:3): avc:  denied  { read } for pid=1 "
                      "scontext=system_u:system_r:httpd_t:s0 "
                      "tcontext=system_u:object_r:unlabeled_t:s0 tclass=file permissive=0 "
                      "trawcon=\"system_u:object_r:gone_t:s0\"");
        cr_assert_str_eq(t->trawcon, "system_u:object_r:gone_t:s0");
        cr_assert_null(t->srawcon);
        _cleanup_avc_record_ struct avc_record *s = parse(
                "type=AVC msg=audit(1.000:4): avc:  denied  { getattr } for pid=1 "
                "scontext=system_u:object_r:unlabeled_t:s0 tcontext=system_u:object_r:etc_t:s0 "
                "tclass=file permissive=0 "
                "srawcon=73797374656D5F753A73797374656D5F723A676F6E655F743A7330");
        cr_assert_str_eq(s->srawcon, "system_u:system_r:gone_t:s0");
}

Test(avc, network_variants)
{
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(1.000:5): avc:  denied  { recv } for  saddr=10.0.0.9 "
                      "src=443 daddr=10.0.0.5 dest=51000 netif=eth0 scontext=a:r:x_t:s0 "
                      "tcontext=a:r:unlabeled_t:s0 tclass=packet permissive=1");
        cr_assert_str_eq(avc_record_get(r, "saddr"), "10.0.0.9");
        cr_assert_str_eq(avc_record_get(r, "src"), "443");
        cr_assert_str_eq(avc_record_get(r, "daddr"), "10.0.0.5");
        cr_assert_str_eq(avc_record_get(r, "dest"), "51000");
        cr_assert_str_eq(avc_record_get(r, "netif"), "eth0");
        cr_assert_eq(r->pid, 0);
        _cleanup_avc_record_ struct avc_record *l =
                parse("type=AVC msg=audit(1.000:6): avc:  denied  { write } for  pid=2105 "
                      "comm=\"dockerd\" laddr=127.0.0.1 lport=2375 faddr=127.0.0.1 fport=51514 "
                      "scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=tcp_socket permissive=0");
        cr_assert_str_eq(avc_record_get(l, "laddr"), "127.0.0.1");
        cr_assert_str_eq(avc_record_get(l, "lport"), "2375");
        cr_assert_str_eq(avc_record_get(l, "faddr"), "127.0.0.1");
        cr_assert_str_eq(avc_record_get(l, "fport"), "51514");
}

Test(avc, capability)
{
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(1.000:7): avc:  denied  { net_admin } for  pid=2106 "
                      "comm=\"kube-proxy\" capability=12  scontext=a:r:x_t:s0 "
                      "tcontext=a:r:x_t:s0 tclass=capability permissive=0");
        cr_assert_str_eq(avc_record_get(r, "capability"), "12");
        cr_assert_str_eq(r->tclass, "capability");
        cr_assert_str_eq(r->perms[0], "net_admin");
}

Test(avc, user_avc_subject_is_inside_msg)
{
        _cleanup_avc_record_ struct avc_record *r = parse(
                "type=USER_AVC msg=audit(1764095410.010:1010): pid=1 uid=0 auid=4294967295 "
                "ses=4294967295 subj=system_u:system_r:init_t:s0 msg='avc:  denied  { start } for "
                "auid=n/a uid=0 gid=0 path=\"/lib/systemd/system/kubelet.service\" "
                "cmdline=\"/bin/systemctl start kubelet\" scontext=system_u:system_r:httpd_t:s0 "
                "tcontext=system_u:object_r:systemd_unit_t:s0 tclass=service permissive=0  "
                "exe=\"/lib/systemd/systemd\" sauid=0 hostname=? addr=? terminal=?'");
        cr_assert_eq(r->type, AVC_TYPE_USER_AVC);
        cr_assert_eq(r->kind, AVC_KIND_DENIED);
        cr_assert_str_eq(r->scontext, "system_u:system_r:httpd_t:s0");
        cr_assert_str_eq(r->sender, "system_u:system_r:init_t:s0");
        cr_assert_str_eq(r->tclass, "service");
        cr_assert_str_eq(r->perms[0], "start");
        cr_assert_str_eq(r->path, "/lib/systemd/system/kubelet.service");
        cr_assert_str_eq(avc_record_get(r, "cmdline"), "/bin/systemctl start kubelet");
        /* pid=1 is systemd, which asked; the subject's pid is not logged. */
        cr_assert_eq(r->pid, 0);
}

Test(avc, selinux_err_both_forms)
{
        _cleanup_avc_record_ struct avc_record *legacy = parse(
                "type=SELINUX_ERR msg=audit(1764095411.111:1011): security_compute_sid:  invalid "
                "context system_u:system_r:gravity_kubernetes_t:s0 for "
                "scontext=system_u:system_r:init_t:s0 tcontext=system_u:object_r:bin_t:s0 "
                "tclass=process");
        cr_assert_eq(legacy->kind, AVC_KIND_INVALID_CONTEXT);
        cr_assert_str_eq(legacy->op, "security_compute_sid");
        cr_assert_str_eq(legacy->invalid_context, "system_u:system_r:gravity_kubernetes_t:s0");
        cr_assert_str_eq(legacy->scontext, "system_u:system_r:init_t:s0");
        cr_assert_str_eq(legacy->tclass, "process");

        _cleanup_avc_record_ struct avc_record *op =
                parse("type=SELINUX_ERR msg=audit(1764095412.212:1012): op=security_compute_sid "
                      "invalid_context=\"system_u:system_r:gravity_etcd_t:s0\" "
                      "scontext=system_u:system_r:init_t:s0 tcontext=system_u:object_r:bin_t:s0 "
                      "tclass=process");
        cr_assert_eq(op->kind, AVC_KIND_INVALID_CONTEXT);
        cr_assert_str_eq(op->op, "security_compute_sid");
        cr_assert_str_eq(op->invalid_context, "system_u:system_r:gravity_etcd_t:s0");
        cr_assert_str_eq(op->tcontext, "system_u:object_r:bin_t:s0");
}

Test(avc, bounded_transition_both_forms)
{
        _cleanup_avc_record_ struct avc_record *op =
                parse("type=SELINUX_ERR msg=audit(1.000:13): op=security_bounded_transition "
                      "seresult=denied oldcontext=system_u:system_r:init_t:s0 "
                      "newcontext=system_u:system_r:httpd_t:s0");
        cr_assert_eq(op->kind, AVC_KIND_BOUNDED_TRANSITION);
        cr_assert_str_eq(op->oldcontext, "system_u:system_r:init_t:s0");
        cr_assert_str_eq(op->newcontext, "system_u:system_r:httpd_t:s0");
        _cleanup_avc_record_ struct avc_record *legacy =
                parse("type=SELINUX_ERR msg=audit(1.000:14): security_bounded_transition:  denied "
                      "for oldcontext=system_u:system_r:initrc_t:s0 "
                      "newcontext=system_u:system_r:httpd_t:s0");
        cr_assert_eq(legacy->kind, AVC_KIND_BOUNDED_TRANSITION);
        cr_assert_str_eq(legacy->op, "security_bounded_transition");
        cr_assert_str_eq(avc_record_get(legacy, "seresult"), "denied");
        cr_assert_str_eq(legacy->oldcontext, "system_u:system_r:initrc_t:s0");
}

Test(avc, policy_load_both_forms)
{
        _cleanup_avc_record_ struct avc_record *a =
                parse("type=MAC_POLICY_LOAD msg=audit(1.000:15): auid=4294967295 ses=4294967295 "
                      "lsm=selinux res=1");
        cr_assert_eq(a->kind, AVC_KIND_POLICY_LOAD);
        cr_assert_str_eq(avc_record_get(a, "res"), "1");
        _cleanup_avc_record_ struct avc_record *b =
                parse("type=MAC_POLICY_LOAD msg=audit(1.000:16): policy loaded auid=4294967295 "
                      "ses=4294967295");
        cr_assert_eq(b->kind, AVC_KIND_POLICY_LOAD);
        cr_assert_str_eq(avc_record_get(b, "auid"), "4294967295");
}

Test(avc, kmsg_journal_and_bare_forms)
{
        _cleanup_avc_record_ struct avc_record *k =
                parse("[   12.345678] audit: type=1400 audit(1764095400.101:1001): avc:  denied  "
                      "{ read } for  pid=2101 scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=file "
                      "permissive=0");
        cr_assert_eq(k->source, AVC_SOURCE_KMSG);
        cr_assert_eq(k->type, AVC_TYPE_AVC);
        cr_assert_eq(k->serial, 1001);
        _cleanup_avc_record_ struct avc_record *j =
                parse("Nov 25 18:30:12 planet audit: SELINUX_ERR op=security_compute_sid "
                      "invalid_context=\"a:r:z_t:s0\" scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 "
                      "tclass=process");
        cr_assert_eq(j->type, AVC_TYPE_SELINUX_ERR);
        cr_assert_eq(j->serial, 0);
        cr_assert_str_eq(j->invalid_context, "a:r:z_t:s0");
        _cleanup_avc_record_ struct avc_record *jp =
                parse("Nov 25 18:30:00 planet audit[2101]: AVC avc:  denied  { read } for  "
                      "pid=2101 scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=file permissive=0");
        cr_assert_eq(jp->type, AVC_TYPE_AVC);
        cr_assert_eq(jp->pid, 2101);
        _cleanup_avc_record_ struct avc_record *bare =
                parse("  avc:  denied  { name_connect } for  pid=2103 comm=\"curl\" dest=80 "
                      "scontext=a:r:x_t:s0 tcontext=a:r:http_port_t:s0 tclass=tcp_socket");
        cr_assert_eq(bare->kind, AVC_KIND_DENIED);
        cr_assert_str_eq(avc_record_get(bare, "dest"), "80");
        _cleanup_avc_record_ struct avc_record *node =
                parse("node=planet type=1400 msg=audit(1.000:18): avc:  denied  { read } for "
                      "scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=dir");
        cr_assert_eq(node->type, AVC_TYPE_AVC);
        cr_assert_eq(node->serial, 18);
}

Test(avc, ausearch_interpreted_stamp)
{
        setenv("TZ", "UTC", 1);
        tzset();
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(11/25/2025 18:30:00.101:1001) : avc:  denied  { read } "
                      "for  pid=2101 comm=kubelet name=shadow scontext=a:r:x_t:s0 "
                      "tcontext=a:r:y_t:s0 tclass=file permissive=0");
        cr_assert_eq(r->usec, 1764095400101000ULL);
        cr_assert_eq(r->serial, 1001);
        cr_assert_str_eq(r->comm, "kubelet");
}

Test(avc, enriched_suffix_is_not_part_of_the_record)
{
        _cleanup_avc_record_ struct avc_record *r =
                parse("type=AVC msg=audit(1.000:19): avc:  denied  { getattr } for pid=1 "
                      "scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=file permissive=0"
                      "\x1d"
                      "AUID=\"unset\" UID=\"root\"");
        cr_assert_null(avc_record_get(r, "AUID"));
        cr_assert_str_eq(avc_record_get(r, "permissive"), "0");
}

Test(avc, journal_body)
{
        struct planet_error err = {0};
        _cleanup_avc_record_ struct avc_record *r = NULL;
        const char *msg = "AVC avc:  denied  { read } for  pid=7 scontext=a:r:x_t:s0 "
                          "tcontext=a:r:y_t:s0 tclass=file permissive=0";
        cr_assert_eq(
                avc_parse_body(1400, msg, strlen(msg), 5000000, 42, AVC_SOURCE_AUDIT, &r, &err), 1);
        cr_assert_eq(r->kind, AVC_KIND_DENIED);
        cr_assert_eq(r->serial, 42);
        cr_assert_eq(r->usec, 5000000);
        cr_assert_eq(r->pid, 7);
}

Test(avc, malformed_and_unrelated_lines)
{
        struct planet_error err = {0};
        struct avc_record *r = NULL;
        const char *open = "type=AVC msg=audit(1.000:20): avc:  denied  { read write for pid=1";
        cr_assert_eq(avc_parse_line(open, strlen(open), &r, &err), -EINVAL);
        cr_assert_null(r);
        cr_assert(strstr(err.msg, "closing '}'"), "%s", err.msg);
        planet_error_clear(&err);

        const char *empty = "type=AVC msg=audit(1.000:21): avc:  denied  { } for pid=1";
        cr_assert_eq(avc_parse_line(empty, strlen(empty), &r, &err), -EINVAL);
        planet_error_clear(&err);

        const char *lines[] = {
                "",
                "systemd[1]: Started kubelet.service.",
                "type=AVC but no stamp",
                "audit(1.000:3): nothing before it",
                "Nov 25 planet kernel: audit: backlog limit exceeded",
        };
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                cr_assert_eq(avc_parse_line(lines[i], strlen(lines[i]), &r, &err), 0, "%s",
                             lines[i]);
                cr_assert_null(r);
        }
}

/* ---- whole fixture files ------------------------------------------------ */

struct tally {
        size_t events, denied, granted, invalid, bounded, loads;
        char *first_exe, *first_path;
        uint64_t first_serial;
};

static int count_event(struct avc_event *e, void *userdata)
{
        struct tally *t = userdata;
        t->events++;
        for (size_t i = 0; i < e->n_records; i++) {
                struct avc_record *r = e->records[i];
                switch (r->kind) {
                case AVC_KIND_DENIED:
                        t->denied++;
                        if (!t->first_serial) {
                                t->first_serial = e->serial;
                                t->first_exe = r->exe ? strdup(r->exe) : NULL;
                                t->first_path = r->path ? strdup(r->path) : NULL;
                        }
                        break;
                case AVC_KIND_GRANTED:
                        t->granted++;
                        break;
                case AVC_KIND_INVALID_CONTEXT:
                        t->invalid++;
                        break;
                case AVC_KIND_BOUNDED_TRANSITION:
                        t->bounded++;
                        break;
                case AVC_KIND_POLICY_LOAD:
                        t->loads++;
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static void feed(struct avc_grouper *g, const char *name)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/tests/fixtures/denials/%s", getenv("top_srcdir"), name);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        cr_assert_not_null(f, "cannot open %s", path);
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) >= 0) {
                struct planet_error err = {0};
                struct avc_record *r = NULL;
                int rr = avc_parse_line(line, (size_t) n, &r, &err);
                cr_assert_geq(rr, 0, "%s: %s", name, err.msg);
                if (rr > 0)
                        cr_assert_eq(avc_grouper_add(g, r), 0);
        }
}

static void tally_done(struct tally *t)
{
        free(t->first_exe);
        free(t->first_path);
}

Test(avc, audit_log_fixture_events_and_companions)
{
        struct tally t = {0};
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, count_event, &t), 0);
        feed(g, "audit.log");
        cr_assert_eq(avc_grouper_flush(g), 0);
        /* 20 events: 1001 has six records (EOE closes it). */
        cr_assert_eq(t.events, 20);
        cr_assert_eq(t.denied, 13);
        cr_assert_eq(t.granted, 1);
        cr_assert_eq(t.invalid, 2);
        cr_assert_eq(t.bounded, 2);
        cr_assert_eq(t.loads, 2);
        cr_assert_eq(t.first_serial, 1001);
        cr_assert_str_eq(t.first_exe, "/usr/bin/kubelet");
        cr_assert_str_eq(t.first_path, "/etc/shadow");
        cr_assert_eq(avc_grouper_duplicates(g), 0);
        tally_done(&t);
}

Test(avc, kmsg_duplicates_are_dropped)
{
        struct tally t = {0};
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, count_event, &t), 0);
        feed(g, "audit.log");
        feed(g, "dmesg.txt"); /* five records, each a printk copy of one in audit.log */
        cr_assert_eq(avc_grouper_flush(g), 0);
        cr_assert_eq(avc_grouper_duplicates(g), 5);
        cr_assert_eq(t.denied, 13);
        cr_assert_eq(t.loads, 2);
        tally_done(&t);
}

Test(avc, same_source_repeats_are_kept)
{
        struct tally t = {0};
        _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
        cr_assert_eq(avc_grouper_new(&g, 0, count_event, &t), 0);
        const char *line = "type=AVC msg=audit(1.000:5): avc:  denied  { read } for pid=1 "
                           "scontext=a:r:x_t:s0 tcontext=a:r:y_t:s0 tclass=file";
        for (int i = 0; i < 2; i++) {
                struct avc_record *r = NULL;
                cr_assert_eq(avc_parse_line(line, strlen(line), &r, NULL), 1);
                cr_assert_eq(avc_grouper_add(g, r), 0);
        }
        cr_assert_eq(avc_grouper_flush(g), 0);
        cr_assert_eq(t.denied, 2);
        cr_assert_eq(avc_grouper_duplicates(g), 0);
        tally_done(&t);
}

Test(avc, other_formats)
{
        static const struct {
                const char *file;
                size_t denied, invalid, loads;
        } cases[] = {
                {"dmesg.txt", 2, 1, 1},
                {"journalctl.txt", 3, 1, 1},
                {"ausearch-i.txt", 2, 0, 0},
                {"pasted.txt", 2, 0, 0},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct tally t = {0};
                _cleanup_avc_grouper_ struct avc_grouper *g = NULL;
                cr_assert_eq(avc_grouper_new(&g, 0, count_event, &t), 0);
                feed(g, cases[i].file);
                cr_assert_eq(avc_grouper_flush(g), 0);
                cr_assert_eq(t.denied, cases[i].denied, "%s: %zu denied", cases[i].file, t.denied);
                cr_assert_eq(t.invalid, cases[i].invalid, "%s", cases[i].file);
                cr_assert_eq(t.loads, cases[i].loads, "%s", cases[i].file);
                tally_done(&t);
        }
}
