/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gravity module against the compiled fixture store (Debian's
 * selinux-policy-default + container + gravity, built with semodule -p):
 * every question is asked through the label core's offline backend, the
 * same code planet-initd and the generator use. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fc.h"
#include "label.h"

static struct label_backend *backend;

static void open_store(void)
{
        const char *root = getenv("PLANET_FIXTURE_ROOT");
        cr_assert_not_null(root, "PLANET_FIXTURE_ROOT is not set (run through make check)");
        char *policy = NULL, *fc = NULL;
        cr_assert_geq(asprintf(&policy, "%s/etc/selinux/default/policy/policy.33", root), 0);
        cr_assert_geq(asprintf(&fc, "%s/etc/selinux/default/contexts/files/file_contexts", root),
                      0);
        struct planet_error err = {0};
        int r = label_backend_open_offline(&backend, policy, fc, &err);
        cr_assert_eq(r, 0, "cannot open the fixture store: %s", err.msg ? err.msg : "");
        free(policy);
        free(fc);
}

static void close_store(void)
{
        label_backend_free(backend);
        backend = NULL;
}

TestSuite(gravity_policy, .init = open_store, .fini = close_store);

static char *proc(const char *type)
{
        char *s = NULL;
        cr_assert_geq(asprintf(&s, "system_u:system_r:%s:s0", type), 0);
        return s;
}

static char *obj(const char *type)
{
        char *s = NULL;
        cr_assert_geq(asprintf(&s, "system_u:object_r:%s:s0", type), 0);
        return s;
}

static bool allowed(const char *scon, const char *tcon, const char *tclass, const char *perm)
{
        bool ok = false;
        struct planet_error err = {0};
        int r = label_check_access(backend, scon, tcon, tclass, perm, &ok, &err);
        cr_assert_eq(r, 0, "check_access %s %s:%s %s: %s", scon, tcon, tclass, perm,
                     err.msg ? err.msg : "");
        return ok;
}

static bool type_allowed(const char *src, bool src_is_domain, const char *tgt, const char *tclass,
                         const char *perm)
{
        char *s = src_is_domain ? proc(src) : obj(src);
        char *t = strcmp(tclass, "process") && strcmp(tclass, "process2") ? obj(tgt) : proc(tgt);
        bool ok = allowed(s, t, tclass, perm);
        free(s);
        free(t);
        return ok;
}

static char *computed_domain_from(const char *scon, const char *exec_type)
{
        char *s = strdup(scon), *f = obj(exec_type), *ret = NULL, *type = NULL;
        struct planet_error err = {0};
        int r = label_compute_create(backend, s, f, "process", &ret, &err);
        cr_assert_eq(r, 0, "compute_create %s %s: %s", s, f, err.msg ? err.msg : "");
        cr_assert_eq(label_context_type(ret, &type), 0);
        free(s);
        free(f);
        free(ret);
        return type;
}

static char *computed_domain(const char *source, const char *exec_type)
{
        char *s = proc(source);
        char *t = computed_domain_from(s, exec_type);
        free(s);
        return t;
}

static const char *const domains[] = {
        "gravity_t",
        "gravity_installer_t",
        "gravity_container_init_t",
        "gravity_kubernetes_t",
        "gravity_service_t",
        "gravity_container_systemctl_t",
        "gravity_container_t",
};
static const char *const object_types[] = {
        "gravity_exec_t",
        "gravity_container_init_exec_t",
        "gravity_kubernetes_exec_t",
        "gravity_service_exec_t",
        "gravity_container_systemctl_exec_t",
        "gravity_container_file_t",
        "gravity_var_lib_t",
        "gravity_log_t",
        "gravity_runtime_t",
        "gravity_kubelet_var_lib_t",
        "gravity_kube_port_t",
        "gravity_etcd_port_t",
        "gravity_serf_port_t",
        "gravity_agent_port_t",
        "gravity_vxlan_port_t",
};

Test(gravity_policy, every_type_exists)
{
        struct planet_error err = {0};
        for (size_t i = 0; i < ELEMENTSOF(domains); i++) {
                char *c = proc(domains[i]);
                cr_expect_eq(label_check_context(backend, c, &err), 0, "%s: %s", c, err.msg);
                free(c);
        }
        for (size_t i = 0; i < ELEMENTSOF(object_types); i++) {
                char *c = obj(object_types[i]);
                cr_expect_eq(label_check_context(backend, c, &err), 0, "%s: %s", c, err.msg);
                free(c);
        }
        /* A made-up type is rejected: the check can fail. */
        cr_assert_lt(label_check_context(backend, "system_u:object_r:gravity_nonesuch_t:s0", &err),
                     0);
        planet_error_clear(&err);
}

/* The seed's transitions out of the container's systemd, computed. */
static const struct {
        const char *exec_type;
        const char *domain;
} seed_transitions[] = {
        {"gravity_kubernetes_exec_t", "gravity_kubernetes_t"},
        {"gravity_service_exec_t", "gravity_service_t"},
        {"gravity_exec_t", "gravity_t"},
        {"gravity_container_systemctl_exec_t", "gravity_container_systemctl_t"},
        {"gravity_container_file_t", "gravity_container_t"},
        {"container_file_t", "gravity_container_t"},
};

Test(gravity_policy, seed_transitions_compute_to_their_domains)
{
        for (size_t i = 0; i < ELEMENTSOF(seed_transitions); i++) {
                char *d =
                        computed_domain("gravity_container_init_t", seed_transitions[i].exec_type);
                cr_expect_str_eq(d, seed_transitions[i].domain, "init → %s computes %s, want %s",
                                 seed_transitions[i].exec_type, d, seed_transitions[i].domain);
                free(d);
        }
}

Test(gravity_policy, seed_transitions_are_permitted_with_nnp)
{
        for (size_t i = 0; i < ELEMENTSOF(seed_transitions); i++) {
                char *s = proc("gravity_container_init_t"), *d = proc(seed_transitions[i].domain);
                char *f = obj(seed_transitions[i].exec_type);
                struct label_transition_check c = {0};
                struct planet_error err = {0};
                cr_assert_eq(label_check_transition(backend, s, d, f, LABEL_EXEC_ALL, &c, &err), 0,
                             "%s", err.msg ? err.msg : "");
                char *missing = label_transition_missing_rules(&c, s, d, f, LABEL_EXEC_NNP);
                cr_expect(label_transition_permitted(&c, LABEL_EXEC_NNP),
                          "%s → %s via %s misses:\n%s", s, d, f, missing ? missing : "");
                free(missing);
                free(s);
                free(d);
                free(f);
        }
}

Test(gravity_policy, planet_initd_exec_type_stays_in_init)
{
        /* The wrapper runs in gravity_container_init_t: exec'ing it (or
         * systemd re-exec'ing itself) must not transition. */
        char *d = computed_domain("gravity_container_init_t", "gravity_container_init_exec_t");
        cr_assert_str_eq(d, "gravity_container_init_t");
        free(d);
        cr_assert(type_allowed("gravity_container_init_t", true, "gravity_container_init_exec_t",
                               "file", "execute_no_trans"));
}

Test(gravity_policy, each_domain_has_its_entrypoint)
{
        static const struct {
                const char *domain, *entry;
        } entries[] = {
                {"gravity_t", "gravity_exec_t"},
                {"gravity_installer_t", "gravity_exec_t"},
                {"gravity_container_init_t", "gravity_container_init_exec_t"},
                {"gravity_container_init_t", "gravity_container_file_t"},
                {"gravity_kubernetes_t", "gravity_kubernetes_exec_t"},
                {"gravity_service_t", "gravity_service_exec_t"},
                {"gravity_container_systemctl_t", "gravity_container_systemctl_exec_t"},
                {"gravity_container_t", "gravity_container_file_t"},
                {"gravity_container_t", "container_file_t"},
        };
        for (size_t i = 0; i < ELEMENTSOF(entries); i++)
                cr_expect(type_allowed(entries[i].domain, true, entries[i].entry, "file",
                                       "entrypoint"),
                          "%s cannot be entered from %s", entries[i].domain, entries[i].entry);
        /* Negative control: kubernetes is not entered from the service binary. */
        cr_assert_not(type_allowed("gravity_kubernetes_t", true, "gravity_service_exec_t", "file",
                                   "entrypoint"));
}

Test(gravity_policy, installer_is_permitted_but_never_automatic)
{
        /* A plain exec of gravity from the container's systemd lands in gravity_t. */
        char *d = computed_domain("gravity_container_init_t", "gravity_exec_t");
        cr_assert_str_eq(d, "gravity_t");
        free(d);

        const char *sources[] = {"gravity_container_init_t", "sysadm_t"};
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                char *s = i == 0 ? proc(sources[i]) : NULL;
                if (!s)
                        cr_assert_geq(asprintf(&s, "staff_u:sysadm_r:%s:s0", sources[i]), 0);
                char *inst = NULL, *f = obj("gravity_exec_t");
                cr_assert_eq(label_context_with_type(s, "gravity_installer_t", &inst), 0);
                struct label_transition_check c = {0};
                struct planet_error err = {0};
                cr_assert_eq(label_check_transition(backend, s, inst, f, LABEL_EXEC_ALL, &c, &err),
                             0, "%s", err.msg ? err.msg : "");
                /* Both starters may use NoNewPrivileges= / nosuid mounts too. */
                char *missing = label_transition_missing_rules(&c, s, inst, f, LABEL_EXEC_NNP);
                cr_expect(label_transition_permitted(&c, LABEL_EXEC_NNP),
                          "%s → installer misses:\n%s", s, missing ? missing : "");
                free(missing);
                free(s);
                free(inst);
                free(f);
        }
        /* sysadm's automatic transition is gravity_t too. */
        d = computed_domain_from("staff_u:sysadm_r:sysadm_t:s0", "gravity_exec_t");
        cr_assert_str_eq(d, "gravity_t");
        free(d);

        /* Neither host init nor the services inside planet may enter it. */
        const char *others[] = {"init_t",
                                "initrc_t",
                                "gravity_t",
                                "gravity_kubernetes_t",
                                "gravity_service_t",
                                "gravity_container_t",
                                "systemd_nspawn_t"};
        for (size_t i = 0; i < ELEMENTSOF(others); i++)
                cr_expect_not(type_allowed(others[i], true, "gravity_installer_t", "process",
                                           "transition"),
                              "%s may enter gravity_installer_t", others[i]);
}

Test(gravity_policy, installer_reads_homes_and_loads_policy_gravity_t_does_not)
{
        cr_assert(type_allowed("gravity_installer_t", true, "user_home_t", "file", "read"));
        cr_assert(type_allowed("gravity_installer_t", true, "user_home_dir_t", "dir", "search"));
        cr_assert(
                type_allowed("gravity_installer_t", true, "security_t", "security", "load_policy"));
        cr_assert_not(type_allowed("gravity_t", true, "user_home_t", "file", "read"));
        cr_assert_not(type_allowed("gravity_t", true, "user_home_dir_t", "dir", "search"));
        cr_assert_not(type_allowed("gravity_t", true, "security_t", "security", "load_policy"));
}

Test(gravity_policy, container_init_can_compute_and_setexec)
{
        cr_assert(type_allowed("gravity_container_init_t", true, "gravity_container_init_t",
                               "process", "setexec"));
        cr_assert(type_allowed("gravity_container_init_t", true, "security_t", "security",
                               "compute_create"));
        cr_assert(type_allowed("gravity_container_init_t", true, "security_t", "security",
                               "compute_av"));
}

Test(gravity_policy, nspawn_starts_the_container_init)
{
        char *s = proc("systemd_nspawn_t"), *d = proc("gravity_container_init_t");
        const char *entries[] = {"gravity_container_file_t", "gravity_container_init_exec_t"};
        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                char *f = obj(entries[i]);
                struct label_transition_check c = {0};
                struct planet_error err = {0};
                cr_assert_eq(label_check_transition(backend, s, d, f, LABEL_EXEC_ALL, &c, &err), 0);
                cr_expect(label_transition_permitted(&c, 0), "nspawn → init via %s", entries[i]);
                free(f);
        }
        /* Its image lock beside the rootfs, and nothing else of gravity's state. */
        cr_expect(type_allowed("systemd_nspawn_t", true, "gravity_container_lock_t", "file",
                               "create"));
        cr_expect(type_allowed("systemd_nspawn_t", true, "gravity_var_lib_t", "dir", "add_name"));
        cr_expect_not(type_allowed("systemd_nspawn_t", true, "gravity_var_lib_t", "file", "write"));
        char *lock = NULL, *nspawn = proc("systemd_nspawn_t"), *dir = obj("gravity_var_lib_t");
        struct planet_error err = {0};
        cr_assert_eq(label_compute_create(backend, nspawn, dir, "file", &lock, &err), 0);
        cr_expect_str_eq(lock, "system_u:object_r:gravity_container_lock_t:s0");
        free(lock);
        free(nspawn);
        free(dir);
        /* nspawn asks explicitly: no automatic transition from it. */
        char *t = computed_domain("systemd_nspawn_t", "gravity_container_file_t");
        cr_assert_str_eq(t, "systemd_nspawn_t");
        free(t);
        free(s);
        free(d);
}

/* The run-time marker (see gravity.if): file audit_access from the
 * container init on exactly the gravity executable types. */
Test(gravity_policy, executable_marker)
{
        const char *execs[] = {"gravity_exec_t", "gravity_container_init_exec_t",
                               "gravity_kubernetes_exec_t", "gravity_service_exec_t",
                               "gravity_container_systemctl_exec_t"};
        for (size_t i = 0; i < ELEMENTSOF(execs); i++)
                cr_expect(type_allowed("gravity_container_init_t", true, execs[i], "file",
                                       "audit_access"),
                          "%s lacks the marker", execs[i]);
        const char *not_execs[] = {"gravity_container_file_t", "bin_t", "gravity_var_lib_t",
                                   "shell_exec_t", "container_file_t"};
        for (size_t i = 0; i < ELEMENTSOF(not_execs); i++)
                cr_expect_not(type_allowed("gravity_container_init_t", true, not_execs[i], "file",
                                           "audit_access"),
                              "%s carries the marker", not_execs[i]);
}

Test(gravity_policy, attributes_where_they_survive)
{
        /* Membership proper is checked in the module's CIL (module-cil.sh);
         * here: what the compiled policy still knows must agree. */
        bool member = false;
        int r = label_type_has_attribute(backend, "gravity_kubernetes_exec_t",
                                         "gravity_executable_domain", &member);
        if (r == 0)
                cr_assert(member);
        else
                cr_assert_eq(r, -ENOENT); /* expanded away */
        r = label_type_has_attribute(backend, "bin_t", "gravity_executable_domain", &member);
        if (r == 0)
                cr_assert_not(member);
}

/* File contexts through libselinux (the .subs_dist equivalences apply). */
static void expect_label(const char *path, mode_t mode, const char *type)
{
        char *con = NULL, *t = NULL;
        struct planet_error err = {0};
        int r = label_lookup_file_context(backend, path, mode, &con, &err);
        cr_assert_eq(r, 0, "%s: %s", path, err.msg ? err.msg : "");
        cr_assert_eq(label_context_type(con, &t), 0);
        cr_expect_str_eq(t, type, "%s is %s, want %s", path, t, type);
        free(con);
        free(t);
}

static void expect_not_gravity(const char *path, mode_t mode)
{
        char *con = NULL;
        struct planet_error err = {0};
        cr_assert_eq(label_lookup_file_context(backend, path, mode, &con, &err), 0, "%s: %s", path,
                     err.msg ? err.msg : "");
        cr_expect_null(strstr(con, ":gravity_"), "the module relabels the host's %s: %s", path,
                       con);
        free(con);
}

Test(gravity_policy, file_contexts_in_both_spellings)
{
        expect_label("/run/planet.sock", S_IFSOCK, "gravity_runtime_t");
        expect_label("/var/run/planet.sock", S_IFSOCK, "gravity_runtime_t");
        expect_label("/run/gravity", S_IFDIR, "gravity_runtime_t");
        expect_label("/var/run/gravity/agent.pid", S_IFREG, "gravity_runtime_t");
        expect_label("/usr/bin/gravity", S_IFREG, "gravity_exec_t");
        expect_label("/bin/gravity", S_IFREG, "gravity_exec_t");
        expect_label("/usr/bin/planet-initd", S_IFREG, "gravity_container_init_exec_t");
        static const char *const kube[] = {"kube-apiserver", "kube-controller-manager",
                                           "kube-scheduler", "kubelet",
                                           "kube-proxy",     "kubectl"};
        for (size_t i = 0; i < ELEMENTSOF(kube); i++) {
                char *p = NULL;
                cr_assert_geq(asprintf(&p, "/usr/bin/%s", kube[i]), 0);
                expect_label(p, S_IFREG, "gravity_kubernetes_exec_t");
                free(p);
        }
        static const char *const services[] = {"etcd", "coredns", "flanneld", "serf", "containerd"};
        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                char *p = NULL;
                cr_assert_geq(asprintf(&p, "/usr/bin/%s", services[i]), 0);
                expect_label(p, S_IFREG, "gravity_service_exec_t");
                free(p);
        }
        expect_label("/var/lib/gravity/site/state.db", S_IFREG, "gravity_var_lib_t");
        expect_label("/var/log/gravity/install.log", S_IFREG, "gravity_log_t");
        expect_label("/var/lib/gravity/planet/kubelet/pods", S_IFDIR, "gravity_kubelet_var_lib_t");
        expect_label("/var/lib/gravity/planet/rootfs/etc/passwd", S_IFREG,
                     "gravity_container_file_t");
        expect_label("/var/lib/gravity/planet/rootfs/usr/lib/systemd/systemd", S_IFREG,
                     "gravity_container_init_exec_t");
        expect_label("/var/lib/gravity/planet/rootfs/usr/bin/systemctl", S_IFREG,
                     "gravity_container_systemctl_exec_t");
        expect_label("/var/lib/gravity/planet/rootfs/usr/bin/kubelet", S_IFREG,
                     "gravity_kubernetes_exec_t");
        /* The host's own systemctl, journalctl and systemd keep their host types. */
        expect_not_gravity("/usr/bin/systemctl", S_IFREG);
        expect_not_gravity("/usr/bin/journalctl", S_IFREG);
        expect_not_gravity("/usr/lib/systemd/systemd", S_IFREG);
        expect_not_gravity("/usr/lib/systemd/systemd-journald", S_IFREG);
}

/* What install-policy relabels is what the module labels. */
Test(gravity_policy, install_paths_are_ours)
{
        const char *top = getenv("top_srcdir");
        cr_assert_not_null(top);
        char *path = NULL;
        cr_assert_geq(asprintf(&path, "%s/policy/gravity.paths", top), 0);
        FILE *f = fopen(path, "re");
        cr_assert_not_null(f, "%s", path);
        char line[512];
        unsigned n = 0;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "#\r\n")] = '\0';
                if (!line[0])
                        continue;
                char *con = NULL;
                struct planet_error err = {0};
                cr_assert_eq(label_lookup_file_context(backend, line, 0, &con, &err), 0, "%s: %s",
                             line, err.msg ? err.msg : "");
                cr_expect_not_null(strstr(con, ":gravity_"), "%s is %s, not a gravity type", line,
                                   con);
                free(con);
                n++;
        }
        fclose(f);
        free(path);
        cr_assert_gt(n, 10);
}

/* systemctl inside planet may drive units; workloads may not. */
Test(gravity_policy, container_systemctl_drives_units)
{
        const char *perms[] = {"start", "stop", "status", "reload"};
        for (size_t i = 0; i < ELEMENTSOF(perms); i++) {
                cr_expect(type_allowed("gravity_container_systemctl_t", true,
                                       "gravity_container_file_t", "service", perms[i]),
                          "systemctl cannot %s units", perms[i]);
                cr_expect(type_allowed("gravity_container_init_t", true, "gravity_container_file_t",
                                       "service", perms[i]));
                cr_expect_not(type_allowed("gravity_container_t", true, "gravity_container_file_t",
                                           "service", perms[i]),
                              "workloads may %s units", perms[i]);
        }
        cr_assert(type_allowed("gravity_container_systemctl_t", true, "gravity_container_init_t",
                               "system", "status"));
}

static char *srcdir_path(const char *rel)
{
        const char *top = getenv("top_srcdir");
        cr_assert_not_null(top, "top_srcdir is not set (run through make check)");
        char *p = NULL;
        cr_assert_geq(asprintf(&p, "%s/%s", top, rel), 0);
        return p;
}

/* Every context the container's own file_contexts hands out is valid in
 * the policy, and inside planet the binaries get the types gravity.fc
 * gives them under the rootfs on the host. */
Test(gravity_policy, container_file_contexts_agree_with_gravity_fc)
{
        char *planet_path = srcdir_path("policy/planet_file_contexts");
        char *gravity_path = srcdir_path("policy/gravity.fc");
        struct fc_file planet = {0}, gravity = {0};
        struct planet_error err = {0};
        cr_assert_eq(fc_load(planet_path, FC_FORMAT_COMPILED, NULL, &planet, &err), 0, "%s",
                     err.msg);
        cr_assert_eq(fc_load(gravity_path, FC_FORMAT_SOURCE, "s0", &gravity, &err), 0, "%s",
                     err.msg);
        for (size_t i = 0; i < planet.n_entries; i++)
                cr_expect_eq(label_check_context(backend, planet.entries[i].context, &err), 0,
                             "planet_file_contexts:%u: %s", planet.entries[i].line,
                             err.msg ? err.msg : "");

        static const char *const inside[] = {
                "/usr/lib/systemd/systemd",
                "/usr/lib/systemd/systemd-journald",
                "/usr/bin/planet-initd",
                "/usr/bin/systemctl",
                "/usr/bin/journalctl",
                "/usr/bin/gravity",
                "/usr/bin/kubelet",
                "/usr/bin/kube-apiserver",
                "/usr/bin/etcd",
                "/usr/bin/containerd",
                "/usr/bin/bash",
                "/etc/passwd",
        };
        size_t compared = 0;
        for (size_t i = 0; i < ELEMENTSOF(inside); i++) {
                char *host = NULL;
                cr_assert_geq(asprintf(&host, "/var/lib/gravity/planet/rootfs%s", inside[i]), 0);
                const struct fc_entry *want = fc_find_entry(&gravity, host, S_IFREG);
                const struct fc_entry *got = fc_find_entry(&planet, inside[i], S_IFREG);
                cr_assert_not_null(want, "gravity.fc has no entry for %s", host);
                cr_assert_not_null(got, "planet_file_contexts has no entry for %s", inside[i]);
                cr_expect_str_eq(got->type, want->type,
                                 "%s: planet_file_contexts:%u says %s, gravity.fc:%u says %s",
                                 inside[i], got->line, got->type, want->line, want->type);
                compared++;
                free(host);
        }
        cr_assert_eq(compared, ELEMENTSOF(inside));
        fc_file_done(&planet);
        fc_file_done(&gravity);
        free(planet_path);
        free(gravity_path);
}

/* The lxc_contexts-style file names valid contexts. */
Test(gravity_policy, planet_contexts_are_valid)
{
        char *path = srcdir_path("policy/planet_contexts");
        FILE *f = fopen(path, "re");
        cr_assert_not_null(f, "%s", path);
        char line[512];
        unsigned n = 0;
        while (fgets(line, sizeof(line), f)) {
                char *q1 = strchr(line, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
                cr_assert_not_null(q2, "malformed line: %s", line);
                *q2 = '\0';
                struct planet_error err = {0};
                cr_expect_eq(label_check_context(backend, q1 + 1, &err), 0, "%s: %s", q1 + 1,
                             err.msg ? err.msg : "");
                n++;
        }
        fclose(f);
        free(path);
        cr_assert_geq(n, 3);
}

/* planet.sock: gravity and the services may connect, workloads may not. */
Test(gravity_policy, planet_socket_access)
{
        const char *may[] = {"gravity_t", "gravity_installer_t", "gravity_kubernetes_t",
                             "gravity_service_t", "gravity_container_systemctl_t"};
        for (size_t i = 0; i < ELEMENTSOF(may); i++)
                cr_expect(type_allowed(may[i], true, "gravity_runtime_t", "sock_file", "write"),
                          "%s cannot reach planet.sock", may[i]);
        cr_expect_not(type_allowed("gravity_container_t", true, "gravity_runtime_t", "sock_file",
                                   "write"),
                      "workloads can reach planet.sock");
}
