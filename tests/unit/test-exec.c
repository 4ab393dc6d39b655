/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-initd's decision (exec_decide) against the real compiled fixture
 * policy through the offline backend: Debian's refpolicy plus the gravity
 * module (policy/) answer which domain a binary gets, whether the transition is allowed, whether
 * NNP blocks it. The binaries are empty files in a scratch root at the paths file_contexts labels.
 * Permissive and disabled modes are the kernel backend's to report; here they are set on the
 * backend (label-internal.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "exec.h"
#include "label-internal.h"

#define INIT "system_u:system_r:init_t:s0"
#define SSHD "system_u:system_r:sshd_t:s0"
#define CINIT "system_u:system_r:gravity_container_init_t:s0"

static struct label_backend *b;
static char root[] = "/tmp/planet-initd-exec-XXXXXX";
static struct planet_error err;
static struct exec_plan plan;

static void touch_exe(const char *rel)
{
        char path[512], cmd[600];
        snprintf(path, sizeof(path), "%s%s", root, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        cr_assert_eq(system(cmd), 0);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
        cr_assert_geq(fd, 0);
        close(fd);
}

static void setup(void)
{
        const char *fix = getenv("PLANET_FIXTURE_ROOT");
        char policy[512], fc[512];
        cr_assert(fix, "PLANET_FIXTURE_ROOT is not set: run through make check");
        snprintf(policy, sizeof(policy), "%s/etc/selinux/default/policy/policy.33", fix);
        snprintf(fc, sizeof(fc), "%s/etc/selinux/default/contexts/files/file_contexts", fix);
        cr_assert_eq(label_backend_open_offline(&b, policy, fc, &err), 0, "%s", err.msg);
        cr_assert(mkdtemp(root));
        touch_exe("/usr/sbin/sshd");
        touch_exe("/usr/bin/true");
        touch_exe("/usr/sbin/validate");
        touch_exe("/usr/bin/planet-initd");
        touch_exe("/usr/bin/kubelet");
        touch_exe("/usr/bin/etcd");
        touch_exe("/usr/bin/gravity");
}

static void teardown(void)
{
        char cmd[600];
        exec_plan_done(&plan);
        planet_error_clear(&err);
        label_backend_free(b);
        /* The nosuid test's mount, if any (its namespace is this process's). */
        snprintf(cmd, sizeof(cmd), "%s/usr/sbin", root);
        (void) umount2(cmd, MNT_DETACH);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        (void) !system(cmd);
}

TestSuite(exec, .init = setup, .fini = teardown, .timeout = 60);

static int decide(const char *source, const char *binary, struct exec_request req)
{
        req.source_context = source;
        req.binary = binary;
        req.root = root;
        exec_plan_done(&plan);
        planet_error_clear(&err);
        return exec_decide(b, &req, &plan, &err);
}

#define assert_refused(r, errno_, ...)                                                             \
        do {                                                                                       \
                cr_assert_eq((r), -(errno_), "expected a refusal (-%d), got %d", errno_, r);       \
                cr_assert_eq(plan.verdict, EXEC_VERDICT_REFUSED);                                  \
                const char *_w[] = {__VA_ARGS__};                                                  \
                for (size_t _i = 0; _i < sizeof(_w) / sizeof(_w[0]); _i++)                         \
                        cr_assert(err.msg &&strstr(err.msg, _w[_i]),                               \
                                  "refusal does not say '%s': %s", _w[_i],                         \
                                  err.msg ? err.msg : "(none)");                                   \
        } while (0)

static void assert_type(const char *ctx, const char *type)
{
        char *t = NULL;
        cr_assert(ctx);
        cr_assert_eq(label_context_type(ctx, &t), 0);
        cr_assert_str_eq(t, type);
        free(t);
}

Test(exec, automatic_transition)
{
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", (struct exec_request){0}), 0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_LABELED);
        cr_assert_str_eq(plan.how, "automatic");
        assert_type(plan.exec_context, "sshd_t");
        assert_type(plan.file_context, "sshd_exec_t");
        cr_assert_str_eq(plan.path, "/usr/sbin/sshd");
        cr_assert_str_eq(plan.source_context, INIT);
        char *message = NULL;
        cr_assert_eq(exec_plan_message(&plan, &(struct exec_request){0}, NULL, &message), 0);
        cr_assert_str_eq(message, "starting /usr/sbin/sshd in sshd_t (automatic, enforcing)");
        free(message);
}

Test(exec, expected_domain_matches_by_type_or_context)
{
        cr_assert_eq(
                decide(INIT, "/usr/sbin/sshd", (struct exec_request){.expect_domain = "sshd_t"}), 0,
                "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_LABELED);
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd",
                            (struct exec_request){.expect_domain = "system_u:system_r:sshd_t:s0"}),
                     0, "%s", err.msg);
}

Test(exec, drift_is_refused_naming_both)
{
        int r = decide(INIT, "/usr/sbin/sshd", (struct exec_request){.expect_domain = "httpd_t"});
        assert_refused(r, EPERM, "policy drift", "sshd_t", "httpd_t", "/usr/sbin/sshd");
        /* The plan still says what was computed, for the journal entry. */
        assert_type(plan.file_context, "sshd_exec_t");
}

Test(exec, explicit_permitted_domain)
{
        /* bin_t is an entrypoint of systemd_networkd_t, and init_t may
         * transition there, but the automatic answer is initrc_t. */
        cr_assert_eq(decide(INIT, "/usr/bin/true",
                            (struct exec_request){.domain = "systemd_networkd_t"}),
                     0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_LABELED);
        cr_assert_str_eq(plan.how, "explicit");
        cr_assert_str_eq(plan.exec_context, "system_u:system_r:systemd_networkd_t:s0");

        cr_assert_eq(decide(INIT, "/usr/bin/true", (struct exec_request){0}), 0, "%s", err.msg);
        assert_type(plan.exec_context, "initrc_t");

        /* A full context is taken as given. */
        cr_assert_eq(
                decide(INIT, "/usr/bin/true",
                       (struct exec_request){.domain = "system_u:system_r:systemd_networkd_t:s0",
                                             .expect_domain = "systemd_networkd_t"}),
                0, "%s", err.msg);
        cr_assert_str_eq(plan.exec_context, "system_u:system_r:systemd_networkd_t:s0");
}

Test(exec, explicit_domain_not_permitted_names_the_rule)
{
        int r = decide(INIT, "/usr/bin/true", (struct exec_request){.domain = "sshd_t"});
        assert_refused(r, EPERM, "allow sshd_t bin_t:file entrypoint;");
        cr_assert(plan.missing_rules && strstr(plan.missing_rules, "entrypoint"));
}

Test(exec, explicit_domain_invalid)
{
        int r = decide(INIT, "/usr/bin/true", (struct exec_request){.domain = "no_such_domain_t"});
        assert_refused(r, EINVAL, "no_such_domain_t", "not a valid context");
}

Test(exec, domain_and_expect_domain_must_agree)
{
        int r = decide(
                INIT, "/usr/bin/true",
                (struct exec_request){.domain = "systemd_networkd_t", .expect_domain = "initrc_t"});
        assert_refused(r, EINVAL, "--domain systemd_networkd_t", "--expect-domain initrc_t");
        cr_assert_eq(decide(INIT, "/usr/bin/true",
                            (struct exec_request){.domain = "systemd_networkd_t",
                                                  .expect_domain = "systemd_networkd_t"}),
                     0, "%s", err.msg);
}

Test(exec, no_transition)
{
        bool marker = true;
        /* Precondition: bin_t is no gravity executable for sshd_t. */
        cr_assert_eq(label_check_access(b, SSHD, "system_u:object_r:bin_t:s0",
                                        EXEC_GRAVITY_MARKER_CLASS, EXEC_GRAVITY_MARKER_PERM,
                                        &marker, NULL),
                     0);
        cr_assert_not(marker, "fixture changed: pick a pair without the marker");

        int r = decide(SSHD, "/usr/bin/true", (struct exec_request){0});
        assert_refused(r, EPERM, "sshd_t", "--allow-no-transition",
                       "domtrans_pattern(sshd_t, bin_t");

        cr_assert_eq(
                decide(SSHD, "/usr/bin/true", (struct exec_request){.allow_no_transition = true}),
                0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_IN_PLACE);
        cr_assert_null(plan.exec_context);
        cr_assert(plan.note);

        /* An expected domain means a transition is required. */
        r = decide(SSHD, "/usr/bin/true",
                   (struct exec_request){.allow_no_transition = true, .expect_domain = "sshd_t"});
        assert_refused(r, EPERM, "policy drift", "no transition");
}

Test(exec, gravity_executable_without_transition_fails_closed)
{
        /* planet-initd's own type is a gravity executable the wrapper's
         * domain has no transition for: the policy marker must say so, and
         * the wrapper must refuse, even when told a no-transition run is fine. */
        bool marker = false;
        cr_assert_eq(label_check_access(
                             b, CINIT, "system_u:object_r:gravity_container_init_exec_t:s0",
                             EXEC_GRAVITY_MARKER_CLASS, EXEC_GRAVITY_MARKER_PERM, &marker, NULL),
                     0);
        cr_assert(marker, "the policy's marker does not cover gravity_container_init_exec_t");
        int r = decide(CINIT, "/usr/bin/planet-initd",
                       (struct exec_request){.allow_no_transition = true});
        assert_refused(r, EPERM, "gravity executable",
                       "domtrans_pattern(gravity_container_init_t, gravity_container_init_exec_t");
}

Test(exec, non_gravity_binary_without_transition_from_the_wrapper_domain)
{
        bool marker = true;
        cr_assert_eq(label_check_access(b, CINIT, "system_u:object_r:bin_t:s0",
                                        EXEC_GRAVITY_MARKER_CLASS, EXEC_GRAVITY_MARKER_PERM,
                                        &marker, NULL),
                     0);
        cr_assert_not(marker, "bin_t must not carry the gravity marker");
        int r = decide(CINIT, "/usr/bin/true", (struct exec_request){0});
        assert_refused(r, EPERM, "gravity_container_init_t", "--allow-no-transition");
        cr_assert_eq(
                decide(CINIT, "/usr/bin/true", (struct exec_request){.allow_no_transition = true}),
                0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_IN_PLACE);
}

Test(exec, gravity_services_get_their_domains)
{
        cr_assert_eq(decide(CINIT, "/usr/bin/kubelet",
                            (struct exec_request){.expect_domain = "gravity_kubernetes_t",
                                                  .no_new_privs = true}),
                     0, "%s", err.msg);
        cr_assert_str_eq(plan.exec_context, "system_u:system_r:gravity_kubernetes_t:s0");
        cr_assert_eq(decide(CINIT, "/usr/bin/etcd", (struct exec_request){0}), 0, "%s", err.msg);
        assert_type(plan.exec_context, "gravity_service_t");
        int r = decide(CINIT, "/usr/bin/kubelet",
                       (struct exec_request){.expect_domain = "gravity_service_t"});
        assert_refused(r, EPERM, "policy drift", "gravity_kubernetes_t", "gravity_service_t");
}

Test(exec, installer_facet_is_explicit_only)
{
        /* Issue 8: gravity_exec_t runs as gravity_t by default and as
         * gravity_installer_t only on request. */
        cr_assert_eq(decide(CINIT, "/usr/bin/gravity", (struct exec_request){0}), 0, "%s", err.msg);
        assert_type(plan.exec_context, "gravity_t");
        cr_assert_eq(decide(CINIT, "/usr/bin/gravity",
                            (struct exec_request){.domain = "gravity_installer_t"}),
                     0, "%s", err.msg);
        cr_assert_str_eq(plan.how, "explicit");
        cr_assert_str_eq(plan.exec_context, "system_u:system_r:gravity_installer_t:s0");
        /* Not an entrypoint for any other binary. */
        int r = decide(CINIT, "/usr/bin/kubelet",
                       (struct exec_request){.domain = "gravity_installer_t"});
        assert_refused(r, EPERM,
                       "allow gravity_installer_t gravity_kubernetes_exec_t:file entrypoint;");
        /* --expect-domain records the automatic answer: asking for the
         * installer with it is a contradiction. */
        r = decide(CINIT, "/usr/bin/gravity",
                   (struct exec_request){.domain = "gravity_installer_t",
                                         .expect_domain = "gravity_t"});
        assert_refused(r, EINVAL, "disagree");
}

Test(exec, no_new_privs_needs_nnp_transition)
{
        cr_assert_eq(decide(SSHD, "/usr/sbin/validate", (struct exec_request){0}), 0, "%s",
                     err.msg);
        assert_type(plan.exec_context, "chkpwd_t");
        int r = decide(SSHD, "/usr/sbin/validate", (struct exec_request){.no_new_privs = true});
        assert_refused(r, EPERM, "NoNewPrivileges",
                       "allow sshd_t chkpwd_t:process2 nnp_transition;");
        /* init_t is granted nnp_transition to its daemons. */
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", (struct exec_request){.no_new_privs = true}), 0,
                     "%s", err.msg);
}

Test(exec, nosuid_mount_needs_nosuid_transition)
{
        /* The binaries on a nosuid mount, as a container volume or /tmp may
         * be: the kernel then checks process2 nosuid_transition for the
         * domain change and refuses with a bare EACCES without it. */
        char sbin[600];
        snprintf(sbin, sizeof(sbin), "%s/usr/sbin", root);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("planet-test", sbin, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                cr_skip_test("cannot mount a nosuid tmpfs here (%s): needs root", strerror(errno));
        touch_exe("/usr/sbin/validate");
        touch_exe("/usr/sbin/sshd");

        int r = decide(SSHD, "/usr/sbin/validate", (struct exec_request){0});
        assert_refused(r, EPERM, "mounted nosuid",
                       "allow sshd_t chkpwd_t:process2 nosuid_transition;");
        cr_assert(plan.nosuid_mount);
        cr_assert_null(strstr(err.msg, "nnp_transition"), "%s", err.msg);
        /* With NoNewPrivileges too: both rules, in one refusal. */
        r = decide(SSHD, "/usr/sbin/validate", (struct exec_request){.no_new_privs = true});
        assert_refused(r, EPERM, "NoNewPrivileges", "nnp_transition;", "nosuid_transition;");
        /* init_t is granted both to its daemons. */
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", (struct exec_request){0}), 0, "%s", err.msg);
        cr_assert(plan.nosuid_mount);
        assert_type(plan.exec_context, "sshd_t");
        /* Off the nosuid mount the same start asks nothing of process2. */
        cr_assert_eq(decide(SSHD, "/usr/bin/true", (struct exec_request){.domain = "chkpwd_t"}),
                     -EPERM);
        cr_assert_not(plan.nosuid_mount);
        cr_assert_null(strstr(err.msg, "nosuid"), "%s", err.msg);
}

Test(exec, kernel_checks_permissions_then_explains_a_refused_exec)
{
        /* planet-initd leaves an automatic transition's rules to execve's
         * own check; the NNP rule sshd_t lacks towards chkpwd_t is then
         * named after the kernel refused, as the check before would have. */
        struct exec_request req = {.no_new_privs = true, .kernel_checks_permissions = true};
        cr_assert_eq(decide(SSHD, "/usr/sbin/validate", req), 0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_LABELED);
        cr_assert(plan.permissions_unchecked);
        assert_type(plan.exec_context, "chkpwd_t");
        int r = exec_explain_failure(b, &req, &plan, EPERM, &err);
        assert_refused(r, EPERM, "NoNewPrivileges",
                       "allow sshd_t chkpwd_t:process2 nnp_transition;");
        cr_assert(plan.missing_rules && strstr(plan.missing_rules, "nnp_transition"));
        cr_assert_not(plan.permissions_unchecked);

        /* Every rule there: the refusal says so, and what else it can be. */
        req = (struct exec_request){.kernel_checks_permissions = true};
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", req), 0, "%s", err.msg);
        cr_assert(plan.permissions_unchecked);
        r = exec_explain_failure(b, &req, &plan, EACCES, &err);
        assert_refused(r, EACCES, "/usr/sbin/sshd", "sshd_t", "rules are all in the policy");
        cr_assert_null(plan.missing_rules);

        /* Unlabeled (SELinux disabled): no rules to speak of. */
        b->mode = LABEL_SELINUX_DISABLED;
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", req), 0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_UNLABELED);
        r = exec_explain_failure(b, &req, &plan, EACCES, &err);
        assert_refused(r, EACCES, "cannot execute /usr/sbin/sshd: Permission denied");
        cr_assert_null(strstr(err.msg, "rules"), "%s", err.msg);
        b->mode = LABEL_SELINUX_ENFORCING;

        /* Not a permission error: said as it is, nothing asked. */
        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", req), 0, "%s", err.msg);
        r = exec_explain_failure(b, &req, &plan, ENOEXEC, &err);
        assert_refused(r, ENOEXEC, "cannot execute /usr/sbin/sshd", "Exec format error");
        cr_assert(plan.permissions_unchecked);
}

Test(exec, permissions_are_asked_first_where_the_kernel_would_not_refuse)
{
        /* Permissive: execve would succeed, so only asking first can note
         * what enforcing would refuse. --domain: always asked first. */
        struct exec_request req = {.no_new_privs = true, .kernel_checks_permissions = true};
        b->mode = LABEL_SELINUX_PERMISSIVE;
        cr_assert_eq(decide(SSHD, "/usr/sbin/validate", req), 0, "%s", err.msg);
        cr_assert_not(plan.permissions_unchecked);
        cr_assert(plan.note && strstr(plan.note, "nnp_transition"), "note: %s", plan.note);
        b->mode = LABEL_SELINUX_ENFORCING;
        req = (struct exec_request){.domain = "sshd_t", .kernel_checks_permissions = true};
        int r = decide(INIT, "/usr/bin/true", req);
        assert_refused(r, EPERM, "allow sshd_t bin_t:file entrypoint;");
}

Test(exec, missing_binary)
{
        int r = decide(INIT, "/usr/sbin/nonexistent", (struct exec_request){0});
        assert_refused(r, ENOENT, "/usr/sbin/nonexistent");
}

Test(exec, permissive_labels_and_notes)
{
        b->mode = LABEL_SELINUX_PERMISSIVE;
        cr_assert_eq(decide(INIT, "/usr/bin/true", (struct exec_request){.domain = "sshd_t"}), 0,
                     "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_LABELED);
        cr_assert(plan.note && strstr(plan.note, "permissive"));
        cr_assert_eq(decide(SSHD, "/usr/bin/true", (struct exec_request){0}), 0, "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_IN_PLACE);
        cr_assert(plan.note && strstr(plan.note, "permissive"));
        /* Drift is a configuration error in every mode. */
        int r = decide(INIT, "/usr/sbin/sshd", (struct exec_request){.expect_domain = "httpd_t"});
        assert_refused(r, EPERM, "policy drift");
}

Test(exec, selinux_disabled)
{
        b->mode = LABEL_SELINUX_DISABLED;
        cr_assert_eq(
                decide(NULL, "/usr/sbin/sshd", (struct exec_request){.expect_domain = "sshd_t"}), 0,
                "%s", err.msg);
        cr_assert_eq(plan.verdict, EXEC_VERDICT_UNLABELED);
        cr_assert_null(plan.exec_context);
        int r = decide(NULL, "/usr/sbin/sshd", (struct exec_request){.require_selinux = true});
        assert_refused(r, EPERM, "--require-selinux");
}

Test(exec, refusal_journal_entry)
{
        char dir[] = "/tmp/planet-initd-exec-journal-XXXXXX";
        cr_assert(mkdtemp(dir));
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/socket", dir);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);

        struct exec_request req = {.expect_domain = "httpd_t"};
        cr_assert_lt(decide(INIT, "/usr/sbin/sshd", req), 0);
        req.binary = "/usr/sbin/sshd";
        cr_assert_eq(exec_plan_log(&plan, &req, "exec", "sshd.service", 0, &err, sun.sun_path), 0);
        char buf[8192];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        cr_assert_gt(n, 0);
        buf[n] = '\0';
        const char *want[] = {"\nMESSAGE_ID=" EXEC_MESSAGE_ID_REFUSED "\n",
                              "\nUNIT=sshd.service\n",
                              "\nEXE=/usr/sbin/sshd\n",
                              "\nFILE_CONTEXT=system_u:object_r:sshd_exec_t:s0\n",
                              "\nMODE=exec\n",
                              "\nENFORCING=1\n",
                              "\nEXPECTED_DOMAIN=httpd_t\n",
                              "\nPRIORITY=3\n"};
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                cr_assert(strstr(buf, want[i]), "entry lacks %s", want[i]);
        cr_assert(strstr(buf, "\nREASON=policy drift"));

        cr_assert_eq(decide(INIT, "/usr/sbin/sshd", (struct exec_request){0}), 0);
        cr_assert_eq(exec_plan_log(&plan, &req, "supervise", NULL, 4242, NULL, sun.sun_path), 0);
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        buf[n] = '\0';
        cr_assert(strstr(buf, "\nMESSAGE_ID=" EXEC_MESSAGE_ID_START "\n"));
        cr_assert(strstr(buf, "\nDOMAIN=system_u:system_r:sshd_t:s0\n"));
        cr_assert(strstr(buf, "\nMODE=supervise\n"));
        cr_assert(strstr(buf, "\nSERVICE_PID=4242\n"));
        cr_assert_null(strstr(buf, "\nUNIT="));
        close(fd);
        unlink(sun.sun_path);
        rmdir(dir);
}
