/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What does planet-initd's journal entry cost? One source, three builds
 * (tests/bench/initd/run compares them):
 *   journal-bench-none        asks the kernel as planet-initd does (selinuxfs.h),
 *                             sends nothing (baseline)
 *   journal-bench-direct      the native protocol over the socket (journal.c)
 *   journal-bench-libsystemd  sd_journal_send() from libsystemd
 * argv[1]: how many entries to send (default 1), the same fields planet-initd
 * sends on a start. */
#include <stdlib.h>

#include "selinuxfs.h"

#if defined(USE_DIRECT)
#include "journal.h"
#elif defined(USE_LIBSYSTEMD)
#include <systemd/sd-journal.h>
#endif

int main(int argc, char **argv)
{
        long n = argc > 1 ? atol(argv[1]) : 1;
        _cleanup_free_ char *selinuxfs = NULL;
        (void) selinuxfs_detect(&selinuxfs); /* as planet-initd's start */
        for (long i = 0; i < n; i++) {
#if defined(USE_DIRECT)
                const struct journal_field f[] = {
                        {"MESSAGE", "starting /usr/bin/kubelet in gravity_kubernetes_t (automatic, "
                                    "enforcing)"},
                        {"MESSAGE_ID", "0e00ecbd4b4847d99059bbe280a936cd"},
                        {"PRIORITY", "6"},
                        {"UNIT", "kubelet.service"},
                        {"EXE", "/usr/bin/kubelet"},
                        {"FILE_CONTEXT", "system_u:object_r:gravity_kubernetes_exec_t:s0"},
                        {"DOMAIN", "system_u:system_r:gravity_kubernetes_t:s0"},
                        {"MODE", "exec"},
                        {"ENFORCING", "1"},
                };
                if (journal_send(NULL, f, sizeof(f) / sizeof(f[0])) < 0)
                        return 1;
#elif defined(USE_LIBSYSTEMD)
                if (sd_journal_send("MESSAGE=starting /usr/bin/kubelet in gravity_kubernetes_t "
                                    "(automatic, enforcing)",
                                    "MESSAGE_ID=0e00ecbd4b4847d99059bbe280a936cd", "PRIORITY=6",
                                    "UNIT=kubelet.service", "EXE=/usr/bin/kubelet",
                                    "FILE_CONTEXT=system_u:object_r:gravity_kubernetes_exec_t:s0",
                                    "DOMAIN=system_u:system_r:gravity_kubernetes_t:s0", "MODE=exec",
                                    "ENFORCING=1", NULL) < 0)
                        return 1;
#endif
        }
        return 0;
}
