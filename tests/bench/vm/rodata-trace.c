/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rodata-trace.so: which code reads libc's read-only data, page by page.
 *
 *   cc -O2 -shared -fPIC -o rodata-trace.so tests/bench/vm/rodata-trace.c
 *   LD_PRELOAD=./rodata-trace.so planet-initd --supervise -- /bin/sleep 60 2>trace.txt
 *
 * One read of libc's read-only data maps up to 64 KiB of it (fault-around),
 * so a single table lookup (strcmp's SSE2 jump table, the locale's class
 * table, printf's) shows in a process's RSS; which lookup it was, pagemap
 * cannot say. This preload protects those pages at start-up, and on each
 * fault writes one line to stderr: the program, its pid, the page and the
 * address (offsets in libc), the faulting instruction and the return address
 * on the stack (offsets in libc, or M+ in the main program): for a leaf
 * string function the latter is its caller. It then lets that one
 * instruction run (the trap flag) and protects the page again, so every
 * reading instruction is reported, once. Resolve the offsets with libc6-dbg's
 * symbols (tests/bench/vm/libc-pages finds them) and addr2line.
 *
 * A diagnostic, not a measurement: a process under it runs slower, and
 * children that exec inherit it (set RODATA_TRACE_SKIP=sleep to leave a
 * program of that name alone). No libc call in the handlers reads libc's
 * read-only data. The finding it was written for: README, planet-initd,
 * Memory. */
#define _GNU_SOURCE
#include <link.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096UL
#define TRAP_FLAG 0x100UL

/* Set once in the constructor, before any fault; the handlers only read
 * them (and the single pending page, which one thread at a time faults on:
 * the programs traced are single-threaded). */
static uintptr_t libc_base, main_base, ro_start, ro_end, pending_page;
static char name[32];
static size_t name_len;
static uintptr_t reported[256];
static size_t n_reported;

static void put_hex(char *b, size_t *n, uintptr_t v)
{
        char t[20];
        size_t k = 0;
        do {
                t[k++] = "0123456789abcdef"[v & 15];
                v >>= 4;
        } while (v);
        while (k)
                b[(*n)++] = t[--k];
}

static void put_str(char *b, size_t *n, const char *s, size_t len)
{
        memcpy(b + *n, s, len);
        *n += len;
}

/* An address as an offset in libc, or "M+offset" in the main program. */
static void put_code(char *b, size_t *n, uintptr_t a)
{
        if (a >= libc_base && a < ro_start) {
                put_hex(b, n, a - libc_base);
                return;
        }
        put_str(b, n, "M+", 2);
        put_hex(b, n, a - main_base);
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
        ucontext_t *uc = ucv;
        uintptr_t addr = (uintptr_t) si->si_addr, ip = (uintptr_t) uc->uc_mcontext.gregs[REG_RIP];
        if (addr < (ro_start & ~(PAGE - 1)) || addr >= ro_end) {
                /* Not ours: a real fault; let it kill as it would have. */
                signal(SIGSEGV, SIG_DFL);
                return;
        }
        bool seen = false;
        for (size_t i = 0; i < n_reported; i++)
                seen = seen || reported[i] == ip;
        if (!seen && n_reported < sizeof(reported) / sizeof(reported[0])) {
                reported[n_reported++] = ip;
                char b[192];
                size_t n = 0;
                put_str(b, &n, name, name_len);
                put_str(b, &n, " ", 1);
                put_hex(b, &n, (uintptr_t) getpid());
                put_str(b, &n, " page +", 7);
                put_hex(b, &n, (addr - libc_base) & ~(PAGE - 1));
                put_str(b, &n, " addr +", 7);
                put_hex(b, &n, addr - libc_base);
                put_str(b, &n, " ip ", 4);
                put_code(b, &n, ip);
                put_str(b, &n, " ret ", 5);
                put_code(b, &n, *(uintptr_t *) uc->uc_mcontext.gregs[REG_RSP]);
                put_str(b, &n, "\n", 1);
                (void) !write(STDERR_FILENO, b, n);
        }
        pending_page = addr & ~(PAGE - 1);
        mprotect((void *) pending_page, PAGE, PROT_READ);
        uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
        ucontext_t *uc = ucv;
        if (pending_page) {
                mprotect((void *) pending_page, PAGE, PROT_NONE);
                pending_page = 0;
        }
        uc->uc_mcontext.gregs[REG_EFL] &= ~TRAP_FLAG;
}

/* The main program's base, and libc's base and read-only data segment (its
 * first read-only PT_LOAD after the ELF header's). */
static int find_segments(struct dl_phdr_info *info, size_t size, void *data)
{
        if (!info->dlpi_name[0] && !main_base) {
                main_base = info->dlpi_addr;
                return 0;
        }
        if (!strstr(info->dlpi_name, "/libc.so.6"))
                return 0;
        libc_base = info->dlpi_addr;
        for (int k = 0; k < info->dlpi_phnum; k++) {
                const ElfW(Phdr) *p = &info->dlpi_phdr[k];
                if (p->p_type == PT_LOAD && !(p->p_flags & (PF_X | PF_W)) && p->p_offset) {
                        ro_start = libc_base + p->p_vaddr;
                        ro_end = ro_start + p->p_memsz;
                        return 1;
                }
        }
        return 0;
}

__attribute__((constructor)) static void rodata_trace_start(void)
{
        char exe[256];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (k <= 0)
                return;
        exe[k] = '\0';
        const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
        name_len = strlen(base) < sizeof(name) ? strlen(base) : sizeof(name) - 1;
        memcpy(name, base, name_len);
        const char *skip = getenv("RODATA_TRACE_SKIP");
        if (skip && !strcmp(skip, base))
                return;
        if (dl_iterate_phdr(find_segments, NULL) != 1)
                return;
        struct sigaction segv = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
        struct sigaction trap = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO};
        sigaction(SIGSEGV, &segv, NULL);
        sigaction(SIGTRAP, &trap, NULL);
        uintptr_t start = ro_start & ~(PAGE - 1), end = (ro_end + PAGE - 1) & ~(PAGE - 1);
        mprotect((void *) start, end - start, PROT_NONE);
}
