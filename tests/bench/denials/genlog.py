#!/usr/bin/env python3
"""Write a deterministic audit.log of N records for the denials benchmark.

Events are AVC + SYSCALL pairs (every tenth adds PATH and PROCTITLE, every
hundredth a kmsg-style duplicate is not written: audit.log has none). Types
are Debian selinux-policy-default's, so audit2allow -p accepts every context
and both tools see the same denials. About 2,000 distinct
(domain, target, class) triples repeat, as a busy node's log does.
"""
import random
import sys

DOMAINS = ("httpd_t sshd_t crond_t syslogd_t ntpd_t named_t postfix_master_t dhcpc_t "
           "udev_t cupsd_t mysqld_t postgresql_t dovecot_t squid_t snmpd_t rpcbind_t "
           "avahi_t ftpd_t smbd_t").split()
FILES = ("etc_t shadow_t var_lib_t var_log_t tmp_t usr_t bin_t lib_t proc_t sysfs_t "
         "var_run_t user_home_t etc_runtime_t var_spool_t mysqld_db_t postgresql_db_t "
         "httpd_sys_content_t samba_share_t public_content_t cert_t krb5_conf_t locale_t "
         "net_conf_t device_t tty_device_t devlog_t").split()
PORTS = "http_port_t unreserved_port_t ssh_port_t dns_port_t".split()
FILE_PERMS = "read write open getattr append create unlink rename setattr lock ioctl map".split()
DIR_PERMS = "search read write add_name remove_name getattr open".split()
CAPS = [("dac_override", 1), ("net_admin", 12), ("sys_admin", 21), ("chown", 0), ("setuid", 7)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    out = sys.stdout
    t, serial, written = 1764000000, 1000, 0
    while written < n:
        serial += 1
        t += rnd.random() * 0.5
        sec, ms = int(t), int((t % 1) * 1000)
        stamp = "audit(%d.%03d:%d)" % (sec, ms, serial)
        dom = rnd.choice(DOMAINS)
        pid = rnd.randint(300, 60000)
        comm = dom[:-2]
        kind = rnd.random()
        if kind < 0.7:
            tgt, cls = rnd.choice(FILES), rnd.choice(("file", "file", "dir", "lnk_file"))
            perms = rnd.sample(DIR_PERMS if cls == "dir" else FILE_PERMS, rnd.choice((1, 1, 2, 3)))
            extra = 'name="%s%d" dev="vda" ino=%d' % (tgt[:-2], rnd.randint(0, 9), rnd.randint(1, 99999))
            tcon = "system_u:object_r:%s:s0" % tgt
        elif kind < 0.85:
            tgt, cls = rnd.choice(PORTS), rnd.choice(("tcp_socket", "udp_socket"))
            # udp_socket has no name_connect: the kernel never logs it
            perms = [rnd.choice(("name_bind", "name_connect")) if cls == "tcp_socket" else "name_bind"]
            extra = "src=%d" % rnd.randint(1, 65535)
            tcon = "system_u:object_r:%s:s0" % tgt
        else:
            cap, num = rnd.choice(CAPS)
            tgt, cls, perms = dom, "capability", [cap]
            extra = "capability=%d " % num
            tcon = "system_u:system_r:%s:s0" % dom
        out.write('type=AVC msg=%s: avc:  denied  { %s } for  pid=%d comm="%s" %s '
                  'scontext=system_u:system_r:%s:s0 tcontext=%s tclass=%s permissive=%d\n'
                  % (stamp, " ".join(perms), pid, comm, extra, dom, tcon, cls, rnd.random() < 0.1))
        out.write('type=SYSCALL msg=%s: arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c '
                  'a1=7ffd3c a2=0 a3=0 items=1 ppid=1 pid=%d auid=4294967295 uid=0 gid=0 euid=0 '
                  'suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="%s" '
                  'exe="/usr/sbin/%s" subj=system_u:system_r:%s:s0 key=(null)\n'
                  % (stamp, pid, comm, comm, dom))
        written += 2
        if serial % 10 == 0 and written < n:
            out.write('type=PATH msg=%s: item=0 name="/var/lib/%s/data" inode=4242 dev=fe:00 '
                      'mode=0100644 ouid=0 ogid=0 rdev=00:00 obj=%s nametype=NORMAL cap_fp=0 '
                      'cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n' % (stamp, comm, tcon))
            out.write('type=PROCTITLE msg=%s: proctitle=%s\n'
                      % (stamp, ("/usr/sbin/" + comm).encode().hex().upper()))
            written += 2


if __name__ == "__main__":
    main()
