/* make bench-vm's memory section: preloaded (LD_PRELOAD) into planet-initd
 * in exec mode, it stops the wrapper where it would exec the service, so that
 * its pages can be read from /proc before the exec replaces them (an
 * exec-mode start's peak RSS is the wrapper's just before its execv).
 * Built with -nostdlib and calling no libc function: it touches no page of
 * libc the wrapper would not have touched itself. scripts/vm/run builds it
 * and puts it on the VM's disk. */
#include <sys/syscall.h>

static long raw_syscall0(long nr)
{
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
        return ret;
}

int execv(const char *path, char *const argv[])
{
        (void) path;
        (void) argv;
        for (;;)
                raw_syscall0(SYS_pause);
}
