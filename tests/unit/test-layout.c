/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-initd's layout (initd/planet-initd.ld): the code a start does not
 * reach (_cold_, macro.h) and the unwind tables lie in segments of their own,
 * and a running supervisor has none of their pages resident. Fault-around
 * maps up to 64 KiB around each touched page, but never beyond the mapping
 * the page is in: a cold segment with resident pages means a start ran code
 * in it, i.e. a function on the start path is marked _cold_ (or calls one).
 * The built binary runs under a receiver bound as systemd binds NOTIFY_SOCKET
 * (initd-harness.h); SELinux is disabled here, so this is the unlabeled start
 * path (the VM checks the labeled one: tests/vm/scenario, 3.cold-code). */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initd-harness.h"
#include "macro.h"

#define PAGE_MASK_4K (~(uint64_t) 0xfff)

struct segment {
        uint64_t offset; /* file offset of its first page, as /proc/PID/smaps shows it */
        uint64_t size;
        bool found;
        long rss_kb;
};

struct layout {
        struct segment hot_text;  /* the first executable PT_LOAD */
        struct segment cold_text; /* the second one: .text.cold */
        struct segment unwind;    /* the PT_LOAD holding PT_GNU_EH_FRAME */
        unsigned n_exec;
};

static void read_layout(const char *path, struct layout *l)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        cr_assert_geq(fd, 0, "open %s: %m", path);
        Elf64_Ehdr eh;
        cr_assert_eq(pread(fd, &eh, sizeof(eh), 0), (ssize_t) sizeof(eh));
        cr_assert(memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64,
                  "%s is not a 64-bit ELF file", path);
        cr_assert_eq(eh.e_phentsize, sizeof(Elf64_Phdr));
        Elf64_Phdr ph[64];
        cr_assert_leq(eh.e_phnum, ELEMENTSOF(ph));
        size_t len = eh.e_phnum * sizeof(Elf64_Phdr);
        cr_assert_eq(pread(fd, ph, len, (off_t) eh.e_phoff), (ssize_t) len);

        *l = (struct layout){0};
        uint64_t eh_frame = 0;
        for (unsigned i = 0; i < eh.e_phnum; i++)
                if (ph[i].p_type == PT_GNU_EH_FRAME)
                        eh_frame = ph[i].p_vaddr;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                if (ph[i].p_type != PT_LOAD)
                        continue;
                struct segment s = {.offset = ph[i].p_offset & PAGE_MASK_4K,
                                    .size = ph[i].p_filesz,
                                    .found = true};
                if (ph[i].p_flags & PF_X) {
                        if (l->n_exec == 0)
                                l->hot_text = s;
                        else if (l->n_exec == 1)
                                l->cold_text = s;
                        l->n_exec++;
                } else if (eh_frame && eh_frame >= ph[i].p_vaddr &&
                           eh_frame < ph[i].p_vaddr + ph[i].p_memsz)
                        l->unwind = s;
        }
}

/* Each segment's Rss in pid's address space: the mapping of the binary that
 * starts at the segment's file offset. */
static void read_rss(pid_t pid, const char *binary, struct layout *l)
{
        char real[PATH_MAX], smaps[64], line[PATH_MAX + 128];
        cr_assert(realpath(binary, real), "realpath %s: %m", binary);
        snprintf(smaps, sizeof(smaps), "/proc/%d/smaps", (int) pid);
        _cleanup_fclose_ FILE *f = fopen(smaps, "re");
        cr_assert(f, "open %s: %m", smaps);
        struct segment *current = NULL;
        struct segment *segs[] = {&l->hot_text, &l->cold_text, &l->unwind};
        for (size_t i = 0; i < ELEMENTSOF(segs); i++)
                segs[i]->rss_kb = -1;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long start, end, offset;
                char perms[8];
                int name_at = 0;
                if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset,
                           &name_at) == 4 &&
                    name_at > 0) {
                        char *name = line + name_at;
                        name[strcspn(name, "\n")] = '\0';
                        current = NULL;
                        if (strcmp(name, real) != 0)
                                continue;
                        for (size_t i = 0; i < ELEMENTSOF(segs); i++)
                                if (segs[i]->found && segs[i]->offset == offset)
                                        current = segs[i];
                        continue;
                }
                long kb;
                if (current && sscanf(line, "Rss: %ld kB", &kb) == 1)
                        current->rss_kb = kb;
        }
}

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
TestSuite(layout, .init = setup, .fini = teardown, .timeout = 30);

static const char *next_msg(void)
{
        return receiver_next(&rcv, &dg);
}

#ifndef HAVE_INITD_LAYOUT
Test(layout, skipped)
{
        cr_skip_test("configure found no linker that takes initd/planet-initd.ld: "
                     "planet-initd has the default layout");
}
#else
Test(layout, the_cold_code_and_the_unwind_tables_have_segments_of_their_own)
{
        struct layout l;
        read_layout(initd_binary(), &l);
        cr_assert_eq(l.n_exec, 2,
                     "%s has %u executable segments, not 2 (start path, .text.cold): "
                     "linked without initd/planet-initd.ld?",
                     initd_binary(), l.n_exec);
        cr_assert(l.unwind.found, "no segment holds PT_GNU_EH_FRAME");
        cr_assert_gt(l.cold_text.size, 0);
        cr_assert(l.unwind.offset > l.hot_text.offset && l.cold_text.offset > l.hot_text.offset,
                  "the cold segments must follow the start path's");
}

/* A supervisor that relayed READY=1 and a STATUS= ran its whole start path
 * and its relay loop; none of it may lie in the cold segments. */
static void assert_cold_unmapped(pid_t pid, const char *what)
{
        struct layout l;
        read_layout(initd_binary(), &l);
        read_rss(pid, initd_binary(), &l);
        /* The reading itself must work, or a 0 below would prove nothing. */
        cr_assert_gt(l.hot_text.rss_kb, 0, "%s: no resident start path found in /proc/%d/smaps",
                     what, (int) pid);
        cr_assert_eq(l.cold_text.rss_kb, 0,
                     "%s: %ld kB of .text.cold resident: a function on this path is _cold_ "
                     "(or calls one); find it with gdb's `info symbol` on a cold page",
                     what, l.cold_text.rss_kb);
        cr_assert_eq(l.unwind.rss_kb, 0, "%s: %ld kB of the unwind tables resident", what,
                     l.unwind.rss_kb);
}

Test(layout, a_supervisor_at_work_has_no_cold_page_resident)
{
        struct initd_proc p;
        const char *args[] = {"--supervise", "--",        "CHILD",       "notify", "READY=1",
                              "notify",      "STATUS=up", "wait-signal", NULL};
        initd_start(&p, &rcv, args, NULL, -1);
        cr_assert_str_eq(next_msg(), "READY=1");
        cr_assert_str_eq(next_msg(), "STATUS=up");
        cr_assert(initd_read_line(&p, "waiting", 5000));
        assert_cold_unmapped(p.pid, "--supervise");
        kill(p.pid, SIGTERM);
        initd_wait(&p, 5000);
}

/* The probe attempts run in processes of their own: probe_run is _cold_, the
 * supervisor's side of the probes is not. */
Test(layout, a_supervisor_with_a_readiness_probe_has_no_cold_page_resident)
{
        char path[] = "/tmp/planet-initd-layout-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        close(fd);
        char probe[128];
        snprintf(probe, sizeof(probe), "file:%s", path);
        struct initd_proc p;
        const char *args[] = {"--supervise", "--ready", probe, "--", "CHILD", "wait-signal", NULL};
        initd_start(&p, &rcv, args, NULL, -1);
        cr_assert_str_eq(next_msg(), "READY=1");
        assert_cold_unmapped(p.pid, "--supervise --ready");
        kill(p.pid, SIGTERM);
        initd_wait(&p, 5000);
        unlink(path);
}

/* And the check can fail: a supervisor that could not reach systemd ran
 * complain_upstream, which is _cold_, and has its page resident. */
Test(layout, a_supervisor_that_ran_cold_code_has_it_resident)
{
        struct initd_proc p;
        const char *args[] = {
                "--supervise", "--", "CHILD", "sleep", "300", "notify", "STATUS=nobody hears this",
                "wait-signal", NULL};
        initd_start(&p, &rcv, args, NULL, -1);
        receiver_close(&rcv);
        cr_assert(initd_read_line(&p, "planet-initd: cannot notify systemd", 5000),
                  "no complaint: %.*s", (int) p.len, p.buf);
        struct layout l;
        read_layout(initd_binary(), &l);
        read_rss(p.pid, initd_binary(), &l);
        cr_assert_gt(l.cold_text.rss_kb, 0, "complain_upstream ran, yet no cold page is resident");
        kill(p.pid, SIGTERM);
        initd_wait(&p, 5000);
}
#endif
