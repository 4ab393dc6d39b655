/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The label core against a real compiled policy: Debian's
 * selinux-policy-default plus the project's planettest module
 * (tests/fixtures/planettest.te), built into $PLANET_FIXTURE_ROOT by
 * tests/fixtures/mkstore. Files live in a temporary root per test, created
 * at the paths file_contexts labels, as an image build would have them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "label.h"
#include "macro.h"

#define INIT "system_u:system_r:init_t:s0"
#define SSHD_EXEC "system_u:object_r:sshd_exec_t:s0"
#define SSHD "system_u:system_r:sshd_t:s0"
#define PT_EXEC "system_u:object_r:planettest_exec_t:s0"
#define PT_DOMAIN "system_u:system_r:planettest_t:s0"
#define PT_ALT "system_u:system_r:planettest_alt_t:s0"
#define PT_DENIED "system_u:system_r:planettest_denied_t:s0"
#define PT_DIR "/usr/libexec/planettest"

/* Per-test state; Criterion runs every test in its own process. */
static char policy_path[PATH_MAX], fc_path[PATH_MAX];
static char scratch[256]; /* holds root/ and outside/ */
static char root[512];
static struct label_backend *backend;
static struct planet_error err;

static void fixture_paths(void)
{
        const char *fixture = getenv("PLANET_FIXTURE_ROOT");

        cr_assert(fixture, "PLANET_FIXTURE_ROOT is not set: run the tests through make check");
        snprintf(policy_path, sizeof(policy_path), "%s/etc/selinux/default/policy/policy.33",
                 fixture);
        snprintf(fc_path, sizeof(fc_path), "%s/etc/selinux/default/contexts/files/file_contexts",
                 fixture);
        cr_assert(access(policy_path, R_OK) == 0, "%s: %m (did mkstore run?)", policy_path);
}

static void mkdir_p(const char *path)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", buf);
                        *p = '/';
                }
        cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", buf);
}

/* An executable file at root+path (parents created). */
static void make_exec(const char *base, const char *path)
{
        char full[PATH_MAX], dir[PATH_MAX];
        int fd;

        snprintf(full, sizeof(full), "%s%s", base, path);
        snprintf(dir, sizeof(dir), "%s", full);
        *strrchr(dir, '/') = 0;
        mkdir_p(dir);
        fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        cr_assert(fd >= 0, "create %s: %m", full);
        cr_assert(write(fd, "#!/bin/true\n", 12) == 12);
        close(fd);
}

static void make_symlink(const char *path, const char *target)
{
        char full[PATH_MAX], dir[PATH_MAX];

        snprintf(full, sizeof(full), "%s%s", root, path);
        snprintf(dir, sizeof(dir), "%s", full);
        *strrchr(dir, '/') = 0;
        mkdir_p(dir);
        cr_assert(symlink(target, full) == 0, "symlink %s -> %s: %m", full, target);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void setup(void)
{
        fixture_paths();
        snprintf(scratch, sizeof(scratch), "%s/planet-label-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        cr_assert(mkdtemp(scratch), "mkdtemp: %m");
        snprintf(root, sizeof(root), "%s/root", scratch);
        mkdir_p(root);
        cr_assert(label_backend_open_offline(&backend, policy_path, fc_path, &err) == 0,
                  "open offline: %s", err.msg);
}

static void teardown(void)
{
        label_backend_free(backend);
        backend = NULL;
        planet_error_clear(&err);
        if (scratch[0])
                nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(label, .init = setup, .fini = teardown, .timeout = 30);

/* --- the backend itself --- */

Test(label, offline_backend_kind_and_mode)
{
        char *ctx = NULL;

        cr_assert_eq(label_backend_get_kind(backend), LABEL_BACKEND_OFFLINE);
        cr_assert_eq(label_backend_get_mode(backend), LABEL_SELINUX_ENFORCING);
        cr_assert_str_eq(label_selinux_mode_to_string(LABEL_SELINUX_ENFORCING), "enforcing");
        /* A policy file has no "current" context: the caller must say --from. */
        cr_assert_eq(label_current_context(backend, &ctx, &err), -ENODATA);
        cr_assert_null(ctx);
        cr_assert(err.msg && strstr(err.msg, "--from"), "message: %s", err.msg);
}

Test(label, result_strings_are_distinct)
{
        const enum label_result all[] = {LABEL_RESULT_TRANSITION, LABEL_RESULT_NO_TRANSITION,
                                         LABEL_RESULT_UNLABELED, LABEL_RESULT_PATH_MISSING,
                                         LABEL_RESULT_INVALID};

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                cr_assert(label_result_to_string(all[i]));
                for (size_t j = 0; j < i; j++)
                        cr_assert_str_neq(label_result_to_string(all[i]),
                                          label_result_to_string(all[j]));
        }
}

/* --- compute_create and file lookups --- */

Test(label, compute_create_sshd)
{
        _cleanup_free_ char *con = NULL;

        cr_assert_eq(label_compute_create(backend, INIT, SSHD_EXEC, "process", &con, &err), 0, "%s",
                     err.msg);
        cr_assert_str_eq(con, SSHD);
}

Test(label, compute_create_unknown_class)
{
        _cleanup_free_ char *con = NULL;

        cr_assert_eq(label_compute_create(backend, INIT, SSHD_EXEC, "no_such_class", &con, &err),
                     -EINVAL);
        cr_assert_null(con);
        cr_assert(err.msg && strstr(err.msg, "no_such_class"), "message: %s", err.msg);
}

Test(label, compute_create_invalid_context)
{
        _cleanup_free_ char *con = NULL;

        cr_assert_lt(
                label_compute_create(backend, "not-a-context", SSHD_EXEC, "process", &con, &err),
                0);
        cr_assert_null(con);
        cr_assert(err.msg && strstr(err.msg, "not-a-context"), "message: %s", err.msg);
}

Test(label, lookup_file_context_and_subs)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        cr_assert_eq(label_lookup_file_context(backend, "/usr/sbin/sshd", S_IFREG, &a, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(a, SSHD_EXEC);
        /* file_contexts.subs_dist: /sbin is /usr/sbin, /var/run is /run. */
        cr_assert_eq(label_lookup_file_context(backend, "/sbin/sshd", S_IFREG, &b, &err), 0, "%s",
                     err.msg);
        cr_assert_str_eq(b, SSHD_EXEC);
        cr_assert_eq(label_lookup_file_context(backend, "/run/sshd.pid", S_IFREG, &c, &err), 0);
        cr_assert_eq(label_lookup_file_context(backend, "/var/run/sshd.pid", S_IFREG, &d, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(c, "system_u:object_r:sshd_runtime_t:s0");
        cr_assert_str_eq(d, c);
}

Test(label, lookup_file_context_none_and_mode)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        /* Debian's file_contexts says /tmp/.* <<none>>. */
        cr_assert_eq(label_lookup_file_context(backend, "/tmp/x", S_IFREG, &a, &err), -ENODATA);
        cr_assert_null(a);
        /* planettest.fc labels only a *directory* dir-only; a file there
         * falls through to /usr/libexec(/.*)? bin_t. */
        cr_assert_eq(label_lookup_file_context(backend, PT_DIR "/dir-only", S_IFDIR, &b, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(b, PT_EXEC);
        cr_assert_eq(label_lookup_file_context(backend, PT_DIR "/dir-only", S_IFREG, &c, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(c, "system_u:object_r:bin_t:s0");
}

Test(label, get_file_context_uses_the_files_mode)
{
        _cleanup_free_ char *a = NULL;
        char dir[PATH_MAX];

        make_exec(root, PT_DIR "/dir-only");
        cr_assert_eq(label_get_file_context(backend, PT_DIR "/dir-only", root, &a, &err), 0, "%s",
                     err.msg);
        cr_assert_str_eq(a, "system_u:object_r:bin_t:s0");
        free(a);
        a = NULL;
        snprintf(dir, sizeof(dir), "%s%s", root, PT_DIR "/dir-only");
        cr_assert_eq(unlink(dir), 0);
        mkdir_p(dir);
        cr_assert_eq(label_get_file_context(backend, PT_DIR "/dir-only", root, &a, &err), 0, "%s",
                     err.msg);
        cr_assert_str_eq(a, PT_EXEC);
}

Test(label, file_lookup_without_file_contexts)
{
        struct label_backend *b = NULL;
        _cleanup_free_ char *a = NULL;

        /* One offline backend per process: close the suite's first. */
        label_backend_free(backend);
        backend = NULL;
        cr_assert_eq(label_backend_open_offline(&b, policy_path, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(label_lookup_file_context(b, "/usr/sbin/sshd", S_IFREG, &a, &err), -ENOENT);
        cr_assert(err.msg && strstr(err.msg, "file"), "message: %s", err.msg);
        label_backend_free(b);
}

/* --- the whole question: label_compute_exec_domain --- */

static void exec_domain(const char *source, const char *path, struct label_exec_domain *d)
{
        int r = label_compute_exec_domain(backend, source, path, root, d, &err);

        cr_assert_eq(r, 0, "%s: r=%d %s", path, r, err.msg);
}

Test(label, sshd_transitions_from_init)
{
        struct label_exec_domain d = {};

        make_exec(root, "/usr/sbin/sshd");
        exec_domain(INIT, "/usr/sbin/sshd", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.path, "/usr/sbin/sshd");
        cr_assert_str_eq(d.file_context, SSHD_EXEC);
        cr_assert_str_eq(d.source_context, INIT);
        cr_assert_str_eq(d.domain, SSHD);
        label_exec_domain_done(&d);
}

Test(label, planettest_daemon_transitions)
{
        struct label_exec_domain d = {};

        make_exec(root, PT_DIR "/planettest-daemon");
        exec_domain(INIT, PT_DIR "/planettest-daemon", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.file_context, PT_EXEC);
        cr_assert_str_eq(d.domain, PT_DOMAIN);
        label_exec_domain_done(&d);
}

Test(label, transition_depends_on_the_source)
{
        struct label_exec_domain d = {};

        /* From sshd_t nothing transitions on planettest_exec_t. */
        make_exec(root, PT_DIR "/planettest-daemon");
        exec_domain(SSHD, PT_DIR "/planettest-daemon", &d);
        cr_assert_eq(d.result, LABEL_RESULT_NO_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.domain, SSHD);
        label_exec_domain_done(&d);
}

Test(label, no_transition)
{
        struct label_exec_domain d = {};

        make_exec(root, PT_DIR "/planettest-plain");
        exec_domain(INIT, PT_DIR "/planettest-plain", &d);
        cr_assert_eq(d.result, LABEL_RESULT_NO_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.file_context, "system_u:object_r:planettest_plain_exec_t:s0");
        cr_assert_str_eq(d.domain, INIT, "no transition means the source domain");
        cr_assert(d.reason && *d.reason, "a no-transition answer explains itself");
        label_exec_domain_done(&d);
}

Test(label, unlabeled_by_module)
{
        struct label_exec_domain d = {};

        make_exec(root, PT_DIR "/unlabeled");
        exec_domain(INIT, PT_DIR "/unlabeled", &d);
        cr_assert_eq(d.result, LABEL_RESULT_UNLABELED, "%s", label_result_to_string(d.result));
        cr_assert_null(d.file_context);
        cr_assert_null(d.domain);
        cr_assert(d.reason && strstr(d.reason, PT_DIR "/unlabeled"), "reason: %s", d.reason);
        label_exec_domain_done(&d);
}

Test(label, unlabeled_tmp)
{
        struct label_exec_domain d = {};

        make_exec(root, "/tmp/tool");
        exec_domain(INIT, "/tmp/tool", &d);
        cr_assert_eq(d.result, LABEL_RESULT_UNLABELED, "%s", label_result_to_string(d.result));
        label_exec_domain_done(&d);
}

Test(label, missing_path)
{
        struct label_exec_domain d = {};

        exec_domain(INIT, "/usr/sbin/sshd", &d); /* not created in root */
        cr_assert_eq(d.result, LABEL_RESULT_PATH_MISSING, "%s", label_result_to_string(d.result));
        cr_assert_null(d.file_context);
        cr_assert_null(d.domain);
        cr_assert(d.reason && strstr(d.reason, "/usr/sbin/sshd"), "reason: %s", d.reason);
        label_exec_domain_done(&d);
}

Test(label, invalid_source_context)
{
        struct label_exec_domain d = {};

        make_exec(root, "/usr/sbin/sshd");
        cr_assert_lt(label_compute_exec_domain(backend, "system_u:system_r:no_such_t:s0",
                                               "/usr/sbin/sshd", root, &d, &err),
                     0);
        cr_assert_eq(d.result, LABEL_RESULT_INVALID);
        cr_assert(err.msg && strstr(err.msg, "no_such_t"), "message: %s", err.msg);
        label_exec_domain_done(&d);
}

Test(label, symlink_counts_as_its_target)
{
        struct label_exec_domain d = {};

        make_exec(root, "/usr/sbin/sshd");
        /* /usr/local/bin is bin_t: the link's own path would not transition. */
        make_symlink("/usr/local/bin/sshd", "../../sbin/sshd");
        exec_domain(INIT, "/usr/local/bin/sshd", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.path, "/usr/sbin/sshd");
        cr_assert_str_eq(d.domain, SSHD);
        label_exec_domain_done(&d);
}

Test(label, absolute_symlink_stays_in_root)
{
        struct label_exec_domain d = {};

        make_exec(root, PT_DIR "/planettest-daemon");
        make_symlink("/usr/bin/daemon", PT_DIR "/planettest-daemon");
        exec_domain(INIT, "/usr/bin/daemon", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.path, PT_DIR "/planettest-daemon");
        cr_assert_str_eq(d.domain, PT_DOMAIN);
        label_exec_domain_done(&d);
}

Test(label, symlink_escape_attempts_stay_in_root)
{
        struct label_exec_domain d = {};
        char outside[PATH_MAX];
        _cleanup_free_ char *resolved = NULL;

        /* A real file beside the root: reachable only by escaping it. */
        make_exec(scratch, "/outside/usr/sbin/sshd");
        snprintf(outside, sizeof(outside), "%s/outside/usr/sbin/sshd", scratch);

        make_symlink("/usr/bin/up", "../../../outside/usr/sbin/sshd");
        exec_domain(INIT, "/usr/bin/up", &d);
        cr_assert_eq(d.result, LABEL_RESULT_PATH_MISSING, "../ escaped the root: %s -> %s",
                     label_result_to_string(d.result), d.path);
        label_exec_domain_done(&d);

        make_symlink("/usr/bin/abs", outside);
        exec_domain(INIT, "/usr/bin/abs", &d);
        cr_assert_eq(d.result, LABEL_RESULT_PATH_MISSING,
                     "an absolute symlink was followed on the host: %s -> %s",
                     label_result_to_string(d.result), d.path);
        label_exec_domain_done(&d);

        /* What was typed cannot climb out either. */
        cr_assert_eq(
                label_resolve_exec_path("../outside/usr/sbin/sshd", root, NULL, &resolved, &err),
                -ENOENT, "resolved to %s", resolved);
        cr_assert(err.msg && strstr(err.msg, "outside/usr/sbin/sshd"), "message: %s", err.msg);
}

Test(label, symlink_loop)
{
        struct label_exec_domain d = {};
        _cleanup_free_ char *resolved = NULL;

        make_symlink("/usr/bin/loop-a", "loop-b");
        make_symlink("/usr/bin/loop-b", "/usr/bin/loop-a");
        cr_assert_eq(label_resolve_exec_path("/usr/bin/loop-a", root, NULL, &resolved, &err),
                     -ELOOP);
        cr_assert(err.msg && strstr(err.msg, "/usr/bin/loop-a"), "message: %s", err.msg);
        planet_error_clear(&err);
        cr_assert_lt(label_compute_exec_domain(backend, INIT, "/usr/bin/loop-a", root, &d, &err),
                     0);
        cr_assert(err.msg && strstr(err.msg, "/usr/bin/loop-a"), "message: %s", err.msg);
        label_exec_domain_done(&d);
}

Test(label, var_run_is_run)
{
        struct label_exec_domain d = {};

        /* A real directory, not a symlink: the equivalence must come from
         * file_contexts.subs_dist, not from path resolution. */
        make_exec(root, "/var/run/planettest/planettest-daemon");
        exec_domain(INIT, "/var/run/planettest/planettest-daemon", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s: %s", label_result_to_string(d.result),
                     d.reason);
        cr_assert_str_eq(d.file_context, PT_EXEC);
        cr_assert_str_eq(d.domain, PT_DOMAIN);
        label_exec_domain_done(&d);
}

Test(label, relative_path_is_inside_root)
{
        struct label_exec_domain d = {};

        make_exec(root, "/usr/sbin/sshd");
        exec_domain(INIT, "usr/sbin/sshd", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.path, "/usr/sbin/sshd");
        label_exec_domain_done(&d);
}

/* --- bare command names --- */

Test(label, bare_name_through_search_path_in_root)
{
        _cleanup_free_ char *a = NULL, *b = NULL;

        make_exec(root, "/usr/sbin/sshd");
        make_exec(root, "/usr/local/sbin/planettest-plain");
        cr_assert_eq(label_resolve_exec_path("sshd", root, "/usr/local/sbin:/usr/sbin", &a, &err),
                     0, "%s", err.msg);
        cr_assert_str_eq(a, "/usr/sbin/sshd");
        /* The first entry that has it wins. */
        make_exec(root, "/usr/local/sbin/sshd");
        cr_assert_eq(label_resolve_exec_path("sshd", root, "/usr/local/sbin:/usr/sbin", &b, &err),
                     0, "%s", err.msg);
        cr_assert_str_eq(b, "/usr/local/sbin/sshd");
}

/* Empty, relative and trailing entries are skipped, not taken as ".". */
Test(label, search_path_odd_entries)
{
        _cleanup_free_ char *a = NULL;

        make_exec(root, "/usr/sbin/sshd");
        cr_assert_eq(label_resolve_exec_path("sshd", root,
                                             "::usr/sbin:/nonexistent::/usr/sbin:", &a, &err),
                     0, "%s", err.msg);
        cr_assert_str_eq(a, "/usr/sbin/sshd");
}

Test(label, bare_name_uses_PATH)
{
        struct label_exec_domain d = {};

        make_exec(root, PT_DIR "/planettest-daemon");
        cr_assert_eq(setenv("PATH", "/nonexistent:" PT_DIR ":/usr/bin", 1), 0);
        exec_domain(INIT, "planettest-daemon", &d);
        cr_assert_eq(d.result, LABEL_RESULT_TRANSITION, "%s", label_result_to_string(d.result));
        cr_assert_str_eq(d.path, PT_DIR "/planettest-daemon");
        cr_assert_str_eq(d.domain, PT_DOMAIN);
        label_exec_domain_done(&d);
}

Test(label, bare_name_not_found)
{
        _cleanup_free_ char *a = NULL;

        cr_assert_eq(
                label_resolve_exec_path("no-such-command", root, "/usr/sbin:/usr/bin", &a, &err),
                -ENOENT);
        cr_assert_null(a);
        cr_assert(err.msg && strstr(err.msg, "no-such-command"), "message: %s", err.msg);
}

/* --- bad inputs --- */

static void write_file(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        cr_assert(fd >= 0, "%s: %m", path);
        cr_assert_eq(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static void expect_open_fails(const char *policy, const char *fc, const char *named)
{
        struct label_backend *b = NULL;
        struct planet_error e = {};
        int r;

        label_backend_free(backend);
        backend = NULL;
        r = label_backend_open_offline(&b, policy, fc, &e);
        cr_assert_lt(r, 0, "opening %s / %s succeeded", policy, fc);
        cr_assert_null(b);
        cr_assert(e.msg && strstr(e.msg, named), "message does not name %s: %s", named, e.msg);
        planet_error_clear(&e);
}

Test(label, corrupt_policy_file)
{
        char bad[PATH_MAX];

        snprintf(bad, sizeof(bad), "%s/policy.33", scratch);
        write_file(bad, "this is not a policy\n", 21);
        expect_open_fails(bad, fc_path, bad);
}

Test(label, truncated_policy_file)
{
        char bad[PATH_MAX], buf[4096];
        int fd = open(policy_path, O_RDONLY | O_CLOEXEC);

        cr_assert(fd >= 0);
        cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t) sizeof(buf));
        close(fd);
        snprintf(bad, sizeof(bad), "%s/policy.33", scratch);
        write_file(bad, buf, sizeof(buf));
        expect_open_fails(bad, fc_path, bad);
}

Test(label, empty_and_missing_policy_file)
{
        char bad[PATH_MAX], missing[PATH_MAX];

        snprintf(bad, sizeof(bad), "%s/empty.33", scratch);
        write_file(bad, "", 0);
        expect_open_fails(bad, fc_path, bad);
        snprintf(missing, sizeof(missing), "%s/no-such-policy.33", scratch);
        expect_open_fails(missing, fc_path, missing);
}

Test(label, missing_file_contexts)
{
        char missing[PATH_MAX];

        snprintf(missing, sizeof(missing), "%s/no-such-file_contexts", scratch);
        expect_open_fails(policy_path, missing, missing);
}

Test(label, check_context)
{
        cr_assert_eq(label_check_context(backend, INIT, &err), 0, "%s", err.msg);
        cr_assert_eq(label_check_context(backend, PT_ALT, &err), 0, "%s", err.msg);
        cr_assert_lt(label_check_context(backend, "system_u:system_r:no_such_t:s0", &err), 0);
        cr_assert(err.msg && strstr(err.msg, "no_such_t"), "message: %s", err.msg);
        cr_assert_lt(label_check_context(backend, "garbage", &err), 0);
        cr_assert_lt(label_check_context(backend, "", &err), 0);
        cr_assert_lt(label_check_context(backend, "system_u:no_such_r:init_t:s0", &err), 0);
        cr_assert(err.msg && strstr(err.msg, "no_such_r"), "message: %s", err.msg);
}

Test(label, check_access)
{
        bool allowed = false;

        cr_assert_eq(
                label_check_access(backend, INIT, SSHD, "process", "transition", &allowed, &err), 0,
                "%s", err.msg);
        cr_assert(allowed);
        cr_assert_eq(label_check_access(backend, INIT, PT_DENIED, "process", "transition", &allowed,
                                        &err),
                     0, "%s", err.msg);
        cr_assert_not(allowed);
        cr_assert_eq(label_check_access(backend, INIT, SSHD, "no_such_class", "transition",
                                        &allowed, &err),
                     -EINVAL);
        cr_assert(err.msg && strstr(err.msg, "no_such_class"), "message: %s", err.msg);
        cr_assert_eq(
                label_check_access(backend, INIT, SSHD, "process", "no_such_perm", &allowed, &err),
                -EINVAL);
        cr_assert(err.msg && strstr(err.msg, "no_such_perm"), "message: %s", err.msg);
}

/* --- transition checks (issue 8's "permitted or not, and why") --- */

static struct label_transition_check check(const char *source, const char *domain, const char *file)
{
        struct label_transition_check c;

        cr_assert_eq(
                label_check_transition(backend, source, domain, file, LABEL_EXEC_ALL, &c, &err), 0,
                "%s", err.msg);
        return c;
}

Test(label, transition_check_sshd)
{
        struct label_transition_check c = check(INIT, SSHD, SSHD_EXEC);

        cr_assert(c.file_execute && c.process_transition && c.file_entrypoint);
        cr_assert(c.nnp_transition && c.nosuid_transition);
        cr_assert(label_transition_permitted(&c, 0));
        cr_assert(label_transition_permitted(&c, LABEL_EXEC_NNP));
        cr_assert_null(label_transition_missing_rules(&c, INIT, SSHD, SSHD_EXEC, LABEL_EXEC_NNP));
}

Test(label, transition_check_permitted_without_type_transition)
{
        struct label_transition_check c = check(INIT, PT_ALT, PT_EXEC);
        _cleanup_free_ char *rules = NULL;

        cr_assert(c.file_execute && c.process_transition && c.file_entrypoint);
        cr_assert(label_transition_permitted(&c, 0));
        /* The module grants no NNP transition to the facet. */
        cr_assert_not(c.nnp_transition);
        cr_assert_not(label_transition_permitted(&c, LABEL_EXEC_NNP));
        rules = label_transition_missing_rules(&c, INIT, PT_ALT, PT_EXEC, LABEL_EXEC_NNP);
        cr_assert(rules && strstr(rules, "allow init_t planettest_alt_t:process2"), "rules: %s",
                  rules);
        cr_assert(strstr(rules, "nnp_transition"), "rules: %s", rules);
        cr_assert_null(strstr(rules, "nosuid_transition"), "not asked for: %s", rules);
}

Test(label, transition_check_nosuid_mount_names_nosuid_transition)
{
        /* A binary on a nosuid mount: the kernel checks process2
         * nosuid_transition instead of (or with) nnp_transition. */
        struct label_transition_check c = check(INIT, PT_ALT, PT_EXEC);
        _cleanup_free_ char *rules = NULL, *both = NULL;

        cr_assert_not(c.nosuid_transition);
        cr_assert_not(label_transition_permitted(&c, LABEL_EXEC_NOSUID));
        rules = label_transition_missing_rules(&c, INIT, PT_ALT, PT_EXEC, LABEL_EXEC_NOSUID);
        cr_assert(
                rules && strstr(rules, "allow init_t planettest_alt_t:process2 nosuid_transition;"),
                "rules: %s", rules);
        cr_assert_null(strstr(rules, "nnp_transition"), "not asked for: %s", rules);
        both = label_transition_missing_rules(&c, INIT, PT_ALT, PT_EXEC, LABEL_EXEC_ALL);
        cr_assert(both && strstr(both, "nnp_transition;") && strstr(both, "nosuid_transition;"),
                  "rules: %s", both);
}

Test(label, transition_check_asks_process2_only_when_told)
{
        /* sshd_t is granted both process2 permissions from init_t (above);
         * without constraints they are not asked, so they read false and
         * nothing requires them. */
        struct label_transition_check c;

        cr_assert_eq(label_check_transition(backend, INIT, SSHD, SSHD_EXEC, 0, &c, &err), 0, "%s",
                     err.msg);
        cr_assert(c.file_execute && c.process_transition && c.file_entrypoint);
        cr_assert_not(c.nnp_transition || c.nosuid_transition);
        cr_assert(label_transition_permitted(&c, 0));
        cr_assert_eq(
                label_check_transition(backend, INIT, SSHD, SSHD_EXEC, LABEL_EXEC_NOSUID, &c, &err),
                0, "%s", err.msg);
        cr_assert(c.nosuid_transition && !c.nnp_transition);
}

Test(label, transition_check_names_missing_transition)
{
        struct label_transition_check c = check(INIT, PT_DENIED, PT_EXEC);
        _cleanup_free_ char *rules = NULL;

        cr_assert(c.file_execute);
        cr_assert(c.file_entrypoint);
        cr_assert_not(c.process_transition);
        cr_assert_not(label_transition_permitted(&c, 0));
        rules = label_transition_missing_rules(&c, INIT, PT_DENIED, PT_EXEC, 0);
        cr_assert(rules);
        cr_assert(strstr(rules, "allow init_t planettest_denied_t:process transition;"),
                  "rules: %s", rules);
        cr_assert_null(strstr(rules, "entrypoint"), "entrypoint is granted: %s", rules);
        cr_assert_null(strstr(rules, "execute"), "execute is granted: %s", rules);
}

Test(label, transition_check_names_missing_entrypoint)
{
        /* sshd_t may be entered from init_t, but not through planettest_exec_t. */
        struct label_transition_check c = check(INIT, SSHD, PT_EXEC);
        _cleanup_free_ char *rules = NULL;

        cr_assert(c.process_transition);
        cr_assert_not(c.file_entrypoint);
        rules = label_transition_missing_rules(&c, INIT, SSHD, PT_EXEC, 0);
        cr_assert(rules && strstr(rules, "allow sshd_t planettest_exec_t:file entrypoint;"),
                  "rules: %s", rules);
        cr_assert_null(strstr(rules, "process transition"), "rules: %s", rules);
}

Test(label, transition_check_invalid_context)
{
        struct label_transition_check c;

        cr_assert_lt(label_check_transition(backend, INIT, "system_u:system_r:no_such_t:s0",
                                            PT_EXEC, 0, &c, &err),
                     0);
        cr_assert(err.msg && strstr(err.msg, "no_such_t"), "message: %s", err.msg);
}

/* --- context strings --- */

Test(label, context_type)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        char *x = NULL;

        cr_assert_eq(label_context_type(INIT, &a), 0);
        cr_assert_str_eq(a, "init_t");
        cr_assert_eq(label_context_type("u:r:t_t", &b), 0);
        cr_assert_str_eq(b, "t_t");
        cr_assert_eq(label_context_type("u:r:t_t:s0-s0:c0.c1023", &c), 0);
        cr_assert_str_eq(c, "t_t");
        cr_assert_eq(label_context_type("init_t", &x), -EINVAL);
        cr_assert_eq(label_context_type("u:r", &x), -EINVAL);
        cr_assert_eq(label_context_type("u:r::s0", &x), -EINVAL);
        cr_assert_eq(label_context_type("", &x), -EINVAL);
        cr_assert_null(x);
}

Test(label, context_with_type)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        char *x = NULL;

        cr_assert_eq(label_context_with_type(INIT, "sshd_t", &a), 0);
        cr_assert_str_eq(a, SSHD);
        cr_assert_eq(label_context_with_type("u:r:t_t:s0-s0:c0.c1023", "x_t", &b), 0);
        cr_assert_str_eq(b, "u:r:x_t:s0-s0:c0.c1023");
        cr_assert_eq(label_context_with_type("u:r:t_t", "x_t", &c), 0);
        cr_assert_str_eq(c, "u:r:x_t");
        cr_assert_eq(label_context_with_type(INIT, "a:b", &x), -EINVAL);
        cr_assert_eq(label_context_with_type(INIT, "", &x), -EINVAL);
        cr_assert_eq(label_context_with_type("init_t", "x_t", &x), -EINVAL);
        cr_assert_null(x);
}

/* --- attributes --- */

Test(label, type_has_attribute)
{
        bool member = false;

        cr_assert_eq(label_type_has_attribute(backend, "sshd_t", "domain", &member), 0);
        cr_assert(member);
        cr_assert_eq(label_type_has_attribute(backend, "bin_t", "domain", &member), 0);
        cr_assert_not(member);
        /* The module's own attribute (kept by planettest-attrs.cil). */
        cr_assert_eq(
                label_type_has_attribute(backend, "planettest_t", "planettest_domain", &member), 0);
        cr_assert(member);
        cr_assert_eq(
                label_type_has_attribute(backend, "planettest_alt_t", "planettest_domain", &member),
                0);
        cr_assert(member);
        cr_assert_eq(label_type_has_attribute(backend, "planettest_denied_t", "planettest_domain",
                                              &member),
                     0);
        cr_assert_not(member);
        cr_assert_lt(label_type_has_attribute(backend, "no_such_t", "domain", &member), 0);
        cr_assert_lt(label_type_has_attribute(backend, "sshd_t", "no_such_attribute", &member), 0);
}

/* --- the kernel backend on whatever this machine runs --- */

Test(label, kernel_backend_matches_the_machine)
{
        struct label_backend *k = NULL;
        _cleanup_free_ char *con = NULL;

        cr_assert_eq(label_backend_open_kernel(&k, &err), 0, "%s", err.msg);
        cr_assert_eq(label_backend_get_kind(k), LABEL_BACKEND_KERNEL);
        if (is_selinux_enabled() <= 0) {
                cr_assert_eq(label_backend_get_mode(k), LABEL_SELINUX_DISABLED);
                cr_assert_eq(label_compute_create(k, INIT, SSHD_EXEC, "process", &con, &err),
                             -EOPNOTSUPP);
                cr_assert(err.msg && strstr(err.msg, "disabled"), "message: %s", err.msg);
        } else
                cr_assert_neq(label_backend_get_mode(k), LABEL_SELINUX_DISABLED);
        cr_assert_eq(label_type_has_attribute(k, "sshd_t", "domain", &(bool){false}), -EOPNOTSUPP);
        label_backend_free(k);
}
