/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-initd --supervise end to end: the built binary runs under a receiver
 * bound as systemd binds NOTIFY_SOCKET, with initd-test-child as the service.
 * SELinux is disabled on the test machine, so the wrapper runs the child
 * unlabeled; the relay, signal and reaping paths are the same. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initd-harness.h"

static struct receiver rcv = {.fd = -1};
static struct notify_datagram dg;

static void setup(void)
{
        receiver_open(&rcv);
}
static void teardown(void)
{
        notify_datagram_done(&dg);
        receiver_close(&rcv);
}
TestSuite(supervise, .init = setup, .fini = teardown, .timeout = 30);

/* Next datagram's payload (asserting one arrives). */
static const char *next_msg(void)
{
        return receiver_next(&rcv, &dg);
}

static void run(struct initd_proc *p, const char *const *args)
{
        initd_start(p, &rcv, args, NULL, -1);
}

Test(supervise, relays_every_field_in_order_from_the_wrapper_pid)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",
                              "--",
                              "CHILD",
                              "notify",
                              "READY=1",
                              "notify",
                              "RELOADING=1\\nMONOTONIC_USEC=123456789",
                              "notify",
                              "STATUS=reloaded, 3 workers",
                              "notify",
                              "ERRNO=5",
                              "notify",
                              "BUSERROR=org.freedesktop.DBus.Error.Failed",
                              "notify",
                              "WATCHDOG=1",
                              "notify",
                              "WATCHDOG=trigger",
                              "notify",
                              "EXTEND_TIMEOUT_USEC=5000000",
                              "notify",
                              "STOPPING=1",
                              NULL};
        const char *want[] = {"READY=1",
                              "RELOADING=1\nMONOTONIC_USEC=123456789",
                              "STATUS=reloaded, 3 workers",
                              "ERRNO=5",
                              "BUSERROR=org.freedesktop.DBus.Error.Failed",
                              "WATCHDOG=1",
                              "WATCHDOG=trigger",
                              "EXTEND_TIMEOUT_USEC=5000000",
                              "STOPPING=1"};
        run(&p, args);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                cr_assert_str_eq(next_msg(), want[i]);
                /* systemd authenticates the main PID: the wrapper must send. */
                cr_assert_eq(dg.pid, p.pid, "message %zu came from pid %d, not the wrapper %d", i,
                             (int) dg.pid, (int) p.pid);
        }
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, mainpid_is_stripped_and_the_rest_relayed)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",
                              "--",
                              "CHILD",
                              "notify",
                              "MAINPID=4242\\nSTATUS=still here\\nMAINPIDFDID=77",
                              NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=still here");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, fdstore_fds_travel_with_the_message)
{
        struct initd_proc p;
        const char *args[] = {
                "--supervise", "--",  "CHILD", "notify-fd", "FDSTORE=1\\nFDNAME=listener",
                "sleep",       "200", NULL};
        run(&p, args);
        const char *line = initd_read_line(&p, "fd-ino ", 5000);
        cr_assert(line);
        unsigned long ino = strtoul(line + 7, NULL, 10);
        cr_assert_str_eq(next_msg(), "FDSTORE=1\nFDNAME=listener");
        cr_assert_eq(dg.n_fds, 1);
        struct stat st;
        cr_assert_eq(fstat(dg.fds[0], &st), 0);
        cr_assert_eq((unsigned long) st.st_ino, ino, "a different file arrived");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, fds_without_fdstore_are_not_relayed)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "notify-fd", "STATUS=with fd", NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=with fd");
        cr_assert_eq(dg.n_fds, 0);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, barrier_keeps_order_and_waits_for_systemd)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",   "--",      "CHILD", "notify",
                              "STATUS=before", "barrier", "5000",  NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=before");
        cr_assert_str_eq(next_msg(), "BARRIER=1");
        cr_assert_eq(dg.n_fds, 1, "the barrier fd must travel upstream");
        /* The service's barrier may only complete once systemd (we) closed
         * its copy: hold it for a while first. */
        usleep(300 * 1000);
        notify_datagram_done(&dg);
        const char *line = initd_read_line(&p, "barrier", 5000);
        cr_assert(line);
        long waited = 0;
        cr_assert_eq(sscanf(line, "barrier ok %ld", &waited), 1, "got '%s'", line);
        cr_assert_geq(waited, 250, "barrier completed after %ld ms, before we closed the fd",
                      waited);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_barrier_without_its_fd_is_dropped)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--",     "CHILD",        "notify",
                              "BARRIER=1",   "notify", "STATUS=after", NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=after");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, descendants_are_accepted)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",       "--", "CHILD", "spawn-notify",
                              "STATUS=grandchild", NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=grandchild");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_burst_and_the_last_words_arrive_in_order)
{
        /* More than a receive batch, sent as fast as they go, the service
         * exiting right after the last: every one relayed, in order (the
         * wrapper reads the socket before it reaps its child). */
        for (int round = 0; round < 5; round++) {
                struct initd_proc p;
                const char *args[] = {"--supervise", "--", "CHILD", "notify-many", "40", NULL};
                run(&p, args);
                for (int k = 1; k <= 40; k++) {
                        char want[32];
                        snprintf(want, sizeof(want), "STATUS=%d", k);
                        cr_assert_str_eq(next_msg(), want, "round %d", round);
                }
                cr_assert_eq(initd_wait(&p, 5000), 0);
        }
}

Test(supervise, an_orphan_is_heard_before_it_is_reaped)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--",  "CHILD",  "orphan-notify", "STATUS=orphan",
                              "sleep",       "400", "notify", "STATUS=done",   NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=orphan");
        cr_assert_str_eq(next_msg(), "STATUS=done");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_non_descendant_is_dropped)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",
                              "--",
                              "CHILD",
                              "env",
                              "NOTIFY_SOCKET",
                              "sleep",
                              "300",
                              "notify",
                              "STATUS=from the service",
                              NULL};
        run(&p, args);
        const char *line = initd_read_line(&p, "NOTIFY_SOCKET=", 5000);
        cr_assert(line, "the service got no NOTIFY_SOCKET");
        cr_assert_str_neq(line + 14, rcv.address, "the service must not get systemd's socket");
        /* We, the wrapper's parent, are not part of the service. */
        struct notify_address a;
        int fd = -1;
        cr_assert_eq(notify_address_parse(line + 14, &a, NULL), 0);
        cr_assert_eq(notify_socket_open_sender(&fd, NULL), 0);
        cr_assert_eq(notify_send(fd, &a, "STATUS=intruder", 15, NULL, 0), 0);
        close(fd);
        cr_assert_str_eq(next_msg(), "STATUS=from the service");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, oversized_and_nul_datagrams_are_dropped_whole)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--",           "CHILD", "notify-raw",
                              "5000",        "notify-raw",   "4097",  "notify-nul",
                              "notify",      "STATUS=after", NULL};
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=after");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_4096_byte_datagram_still_passes)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "notify-raw", "4096", NULL};
        run(&p, args);
        const char *m = next_msg();
        /* Exactly systemd's limit: relayed unchanged, not a byte longer. */
        cr_assert_eq(strlen(m), 4096);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, environment_rewritten_and_fds_handed_over)
{
        struct initd_proc p;
        int pipefd[2];
        cr_assert_eq(pipe(pipefd), 0);
        const char *env[] = {"LISTEN_PID=$PID",
                             "LISTEN_FDS=1",
                             "LISTEN_FDNAMES=web",
                             "LISTEN_PIDFDID=123456",
                             "WATCHDOG_USEC=30000000",
                             "WATCHDOG_PID=$PID",
                             NULL};
        const char *args[] = {
                "--supervise", "--",         "CHILD",        "pid",           "env",
                "LISTEN_PID",  "env",        "WATCHDOG_PID", "env",           "LISTEN_PIDFDID",
                "env",         "LISTEN_FDS", "env",          "WATCHDOG_USEC", "fds",
                NULL};
        initd_start(&p, &rcv, args, env, pipefd[0]);
        close(pipefd[0]);
        const char *line = initd_read_line(&p, "pid ", 5000);
        cr_assert(line);
        int child = atoi(line + 4);
        cr_assert_neq(child, p.pid, "--supervise must fork");
        char want[64];
        snprintf(want, sizeof(want), "LISTEN_PID=%d", child);
        cr_assert_str_eq(initd_read_line(&p, "LISTEN_PID", 5000), want);
        snprintf(want, sizeof(want), "WATCHDOG_PID=%d", child);
        cr_assert_str_eq(initd_read_line(&p, "WATCHDOG_PID", 5000), want);
        cr_assert_str_eq(initd_read_line(&p, "LISTEN_PIDFDID", 5000), "LISTEN_PIDFDID unset");
        cr_assert_str_eq(initd_read_line(&p, "LISTEN_FDS", 5000), "LISTEN_FDS=1");
        cr_assert_str_eq(initd_read_line(&p, "WATCHDOG_USEC", 5000), "WATCHDOG_USEC=30000000");
        /* Only the socket-activation fd, inheritable; none of the wrapper's. */
        cr_assert_str_eq(initd_read_line(&p, "fd ", 5000), "fd 3 inherit");
        cr_assert_null(initd_read_line(&p, "fd ", 300), "the wrapper leaked an fd");
        cr_assert_eq(initd_wait(&p, 5000), 0);
        close(pipefd[1]);
}

/* A repeated LISTEN_PID keeps one entry, the one rewritten to the child. */
Test(supervise, a_repeated_listen_pid_is_rewritten_once)
{
        struct initd_proc p;
        const char *env[] = {"LISTEN_PID=$PID", "LISTEN_FDS=0", "LISTEN_PID=$PID", NULL};
        const char *args[] = {"--supervise", "--", "CHILD", "pid", "env", "LISTEN_PID", NULL};
        initd_start(&p, &rcv, args, env, -1);
        const char *line = initd_read_line(&p, "pid ", 5000);
        cr_assert(line);
        char want[64];
        snprintf(want, sizeof(want), "LISTEN_PID=%d", atoi(line + 4));
        cr_assert_str_eq(initd_read_line(&p, "LISTEN_PID", 5000), want);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, listen_pid_of_another_process_is_left_alone)
{
        struct initd_proc p;
        const char *env[] = {"LISTEN_PID=1", "LISTEN_FDS=1", NULL};
        const char *args[] = {"--supervise", "--", "CHILD", "env", "LISTEN_PID", NULL};
        initd_start(&p, &rcv, args, env, -1);
        cr_assert_str_eq(initd_read_line(&p, "LISTEN_PID", 5000), "LISTEN_PID=1");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, exit_codes_pass_through)
{
        struct initd_proc p;
        const char *a1[] = {"--supervise", "--", "CHILD", "exit", "42", NULL};
        run(&p, a1);
        cr_assert_eq(initd_wait(&p, 5000), 42);
        const char *a2[] = {"--supervise", "--", "CHILD", "kill-self", "9", NULL};
        run(&p, a2);
        cr_assert_eq(initd_wait(&p, 5000), 128 + SIGKILL);
        const char *a3[] = {"--supervise", "--", "/nonexistent/binary", NULL};
        run(&p, a3);
        cr_assert_eq(initd_wait(&p, 5000), 127);
}

Test(supervise, signals_are_forwarded)
{
        int sigs[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGINT, SIGWINCH};
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
                struct initd_proc p;
                const char *args[] = {"--supervise", "--", "CHILD", "wait-signal",
                                      "exit",        "7",  NULL};
                run(&p, args);
                cr_assert(initd_read_line(&p, "waiting", 5000));
                kill(p.pid, sigs[i]);
                char want[32];
                snprintf(want, sizeof(want), "got %d", sigs[i]);
                cr_assert_str_eq(initd_read_line(&p, "got ", 5000), want);
                cr_assert_eq(initd_wait(&p, 5000), 7);
        }
}

Test(supervise, sigterm_reaches_the_service_and_the_exit_is_128_plus_signal)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "pid", "sleep", "10000", NULL};
        run(&p, args);
        cr_assert(initd_read_line(&p, "pid ", 5000));
        kill(p.pid, SIGTERM);
        cr_assert_eq(initd_wait(&p, 5000), 128 + SIGTERM);
}

Test(supervise, orphans_are_reaped)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "orphan", "sleep", "400", NULL};
        run(&p, args);
        const char *line = initd_read_line(&p, "orphan ", 5000);
        cr_assert(line);
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/%s/stat", line + 7);
        /* The grandchild exits after 100 ms; its parent is gone, so it is
         * ours (subreaper), and must not stay a zombie. */
        bool gone = false;
        for (int i = 0; i < 100 && !gone; i++) {
                usleep(20 * 1000);
                gone = access(proc, F_OK) < 0;
        }
        cr_assert(gone, "orphan %s was not reaped", line + 7);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, ready_probe_sends_ready_when_it_passes)
{
        char path[] = "/tmp/planet-initd-ready-XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        unlink(path);
        struct initd_proc p;
        char probe[128];
        snprintf(probe, sizeof(probe), "file:%s", path);
        const char *args[] = {"--supervise", "--ready", probe, "--",    "CHILD", "sleep",
                              "250",         "touch",   path,  "sleep", "300",   NULL};
        long t0 = now_ms();
        run(&p, args);
        cr_assert_str_eq(next_msg(), "READY=1");
        cr_assert_geq(now_ms() - t0, 200, "READY before the probe could pass");
        cr_assert_eq(initd_wait(&p, 5000), 0);
        unlink(path);
}

/* The probes inherit the wrapper's own environment: systemd's socket must
 * be gone from it (only the wrapper talks to systemd). */
Test(supervise, probes_do_not_see_the_upstream_notify_socket)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",
                              "--ready",
                              "exec:test -z \"$NOTIFY_SOCKET\"",
                              "--ready-timeout",
                              "3s",
                              "--",
                              "CHILD",
                              "sleep",
                              "200",
                              NULL};
        run(&p, args);
        const char *m = next_msg();
        cr_assert_str_eq(m, "READY=1", "the probe saw NOTIFY_SOCKET: got '%s'", m);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, ready_probe_timeout_fails_the_start)
{
        struct initd_proc p;
        const char *args[] = {"--supervise",
                              "--ready",
                              "file:/nonexistent/ready",
                              "--ready-timeout",
                              "300ms",
                              "--",
                              "CHILD",
                              "sleep",
                              "10000",
                              NULL};
        long t0 = now_ms();
        run(&p, args);
        const char *m = next_msg();
        cr_assert(strstr(m, "STATUS=readiness probe file:/nonexistent/ready did not pass"),
                  "got '%s'", m);
        cr_assert(strstr(m, "ERRNO=110"));
        cr_assert_eq(initd_wait(&p, 5000), 124);
        cr_assert_lt(now_ms() - t0, 3000);
}

Test(supervise, watchdog_probe_pings_at_half_the_interval)
{
        struct initd_proc p;
        const char *env[] = {"WATCHDOG_USEC=200000", "WATCHDOG_PID=$PID", NULL};
        const char *args[] = {"--supervise", "--watchdog-probe", "file:/", "--",   "CHILD",
                              "env",         "WATCHDOG_USEC",    "sleep",  "1000", NULL};
        initd_start(&p, &rcv, args, env, -1);
        /* The wrapper answers the watchdog: the service must not also be asked. */
        cr_assert_str_eq(initd_read_line(&p, "WATCHDOG_USEC", 5000), "WATCHDOG_USEC unset");
        long t0 = now_ms();
        int pings = 0;
        while (now_ms() - t0 < 700) {
                struct notify_datagram d;
                if (receiver_wait(&rcv, 100, &d)) {
                        cr_assert_str_eq(d.buf, "WATCHDOG=1");
                        pings++;
                        notify_datagram_done(&d);
                }
        }
        /* 100 ms interval over 700 ms: about 6; a loaded 2-CPU machine may
         * delay a few, so the bounds are wide but still tell half-interval
         * pinging from none or from a busy loop. */
        cr_assert_geq(pings, 3, "only %d WATCHDOG=1 in 700 ms", pings);
        cr_assert_leq(pings, 8, "%d WATCHDOG=1 in 700 ms: faster than half the interval", pings);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, path_notify_socket_for_the_child)
{
        char dir[] = "/tmp/planet-initd-sock-XXXXXX";
        cr_assert(mkdtemp(dir));
        char sock[256], opt[300];
        snprintf(sock, sizeof(sock), "%s/notify", dir);
        snprintf(opt, sizeof(opt), "--notify-socket=%s", sock);
        struct initd_proc p;
        const char *args[] = {"--supervise",   opt,      "--",      "CHILD", "env",
                              "NOTIFY_SOCKET", "notify", "READY=1", NULL};
        run(&p, args);
        char want[300];
        snprintf(want, sizeof(want), "NOTIFY_SOCKET=%s", sock);
        cr_assert_str_eq(initd_read_line(&p, "NOTIFY_SOCKET", 5000), want);
        cr_assert_str_eq(next_msg(), "READY=1");
        cr_assert_eq(initd_wait(&p, 5000), 0);
        cr_assert_neq(access(sock, F_OK), 0, "the socket file was left behind");
        rmdir(dir);
}

Test(supervise, without_upstream_the_child_gets_no_notify_socket)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "env", "NOTIFY_SOCKET", NULL};
        initd_start(&p, NULL, args, NULL, -1);
        cr_assert_str_eq(initd_read_line(&p, "NOTIFY_SOCKET", 5000), "NOTIFY_SOCKET unset");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, exec_mode_keeps_the_pid)
{
        struct initd_proc p;
        const char *args[] = {"--", "CHILD", "pid", "env", "NOTIFY_SOCKET", NULL};
        run(&p, args);
        const char *line = initd_read_line(&p, "pid ", 5000);
        cr_assert(line);
        cr_assert_eq(atoi(line + 4), p.pid, "exec mode must not fork");
        char want[160];
        snprintf(want, sizeof(want), "NOTIFY_SOCKET=%s", rcv.address);
        cr_assert_str_eq(initd_read_line(&p, "NOTIFY_SOCKET", 5000), want);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, realtime_reload_signal_is_forwarded)
{
        /* ReloadSignal=SIGRTMIN+n style: real-time signals must pass too. */
        struct initd_proc p;
        const char *args[] = {"--supervise", "--", "CHILD", "wait-signal", NULL};
        run(&p, args);
        cr_assert(initd_read_line(&p, "waiting", 5000));
        kill(p.pid, SIGRTMIN + 2);
        char want[32];
        snprintf(want, sizeof(want), "got %d", SIGRTMIN + 2);
        cr_assert_str_eq(initd_read_line(&p, "got ", 5000), want);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

static int run_status(const char *const *args)
{
        struct initd_proc p;
        initd_start(&p, NULL, args, NULL, -1);
        return initd_wait(&p, 5000);
}

Test(supervise, usage_errors_exit_2)
{
        const char *no_binary[] = {"--supervise", NULL};
        const char *disagree[] = {"--domain",  "a_t", "--expect-domain", "b_t", "--",
                                  "/bin/true", NULL};
        const char *ready_in_exec_mode[] = {"--ready", "file:/", "--", "/bin/true", NULL};
        const char *bad_probe[] = {"--supervise", "--ready", "gopher://x", "--", "/bin/true", NULL};
        const char *bad_duration[] = {"--supervise", "--ready-timeout", "soon",
                                      "--",          "/bin/true",       NULL};
        cr_assert_eq(run_status(no_binary), 2);
        cr_assert_eq(run_status(disagree), 2);
        cr_assert_eq(run_status(ready_in_exec_mode), 2);
        cr_assert_eq(run_status(bad_probe), 2);
        cr_assert_eq(run_status(bad_duration), 2);
        const char *unknown[] = {"--superviseX", "--", "/bin/true", NULL};
        const char *unknown_short[] = {"-x", "--", "/bin/true", NULL};
        const char *no_value[] = {"--ready", NULL};
        const char *flag_with_value[] = {"--supervise=yes", "--", "/bin/true", NULL};
        cr_assert_eq(run_status(unknown), 2);
        cr_assert_eq(run_status(unknown_short), 2);
        cr_assert_eq(run_status(no_value), 2);
        cr_assert_eq(run_status(flag_with_value), 2);
        const char *missing[] = {"--", "/nonexistent/binary", NULL};
        cr_assert_eq(run_status(missing), 127);
}

/* planet-initd parses its options itself (planet-initd.c says why): both
 * value forms, and nothing after BINARY or "--" is taken for its own. */
Test(supervise, options_take_both_value_forms_and_leave_the_service_its_own)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--ready-timeout=5s", "--ready", "file:/", "CHILD",
                              "env",         "--supervise",        "sleep",   "300",    NULL};
        initd_start(&p, &rcv, args, NULL, -1);
        cr_assert_str_eq(next_msg(), "READY=1");
        cr_assert(initd_read_line(&p, "--supervise unset", 5000),
                  "the service did not get its own argument: %.*s", (int) p.len, p.buf);
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, require_selinux_refuses_when_disabled)
{
        if (access("/sys/fs/selinux/enforce", F_OK) == 0)
                cr_skip_test("SELinux is enabled here: the refusal path cannot be reached");
        const char *args[] = {"--require-selinux", "--", "/bin/true", NULL};
        cr_assert_eq(run_status(args), 77);
}

Test(supervise, complaints_are_rate_limited)
{
        struct initd_proc p;
        const char *args[40] = {"--supervise", "--", "CHILD"};
        int n = 3;
        for (int i = 0; i < 30; i++)
                args[n++] = "notify-nul";
        args[n++] = "notify";
        args[n++] = "STATUS=after";
        args[n] = NULL;
        run(&p, args);
        cr_assert_str_eq(next_msg(), "STATUS=after");
        const char *line;
        int dropped = 0, summary = 0;
        while ((line = initd_read_line(&p, "planet-initd: ", 2000))) {
                if (strstr(line, "dropped"))
                        dropped++;
                else if (strstr(line, "20 more notify problems not logged"))
                        summary++;
        }
        cr_assert_eq(dropped, 10, "%d complaints for 30 bad datagrams", dropped);
        cr_assert_eq(summary, 1, "the suppressed ones must be counted once");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_slow_probe_does_not_hold_up_signals_or_messages)
{
        struct initd_proc p;
        const char *args[] = {
                "--supervise", "--ready", "exec:sleep 10", "--probe-timeout", "10s", "--",
                "CHILD",       "notify",  "STATUS=early",  "wait-signal",     NULL};
        run(&p, args);
        cr_assert(initd_read_line(&p, "waiting", 5000));
        long t0 = now_ms();
        cr_assert_str_eq(next_msg(), "STATUS=early");
        kill(p.pid, SIGUSR1);
        char want[32];
        snprintf(want, sizeof(want), "got %d", SIGUSR1);
        cr_assert_str_eq(initd_read_line(&p, "got ", 5000), want);
        cr_assert_lt(now_ms() - t0, 2000, "the signal waited for the probe");
        cr_assert_eq(initd_wait(&p, 5000), 0);
}

Test(supervise, a_probe_that_hangs_is_killed_at_its_timeout)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--ready",         "exec:sleep 10", "--probe-timeout",
                              "200ms",       "--ready-timeout", "700ms",         "--",
                              "CHILD",       "sleep",           "10000",         NULL};
        long t0 = now_ms();
        run(&p, args);
        const char *m = next_msg();
        cr_assert(strstr(m, "did not pass within 700 ms"), "got '%s'", m);
        cr_assert_eq(initd_wait(&p, 5000), 124);
        cr_assert_lt(now_ms() - t0, 3000);
}
