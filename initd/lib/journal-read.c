/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading denials from the journal (sd-journal) and from text. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


#include "journal-dl.h"
#include "journal-read.h"
#include "messages.h"
#include "string-util.h"

/* The journal being read and the library functions to read it with. */
struct reader {
        struct journal_dl dl;
        sd_journal *j;
};

static void reader_done(struct reader *rd)
{
        if (rd->j)
                rd->dl.close(rd->j);
        rd->j = NULL;
        journal_dl_close(&rd->dl);
}

/* The value of FIELD in the current entry (not NUL-terminated), or -ENOENT. */
static int get_field(const struct reader *rd, const char *field, const char **ret, size_t *ret_len)
{
        const void *data;
        size_t len;
        int r = rd->dl.get_data(rd->j, field, &data, &len);
        if (r < 0)
                return r;
        size_t n = strlen(field);
        if (len <= n || memcmp(data, field, n) || ((const char *) data)[n] != '=')
                return -EBADMSG;
        *ret = (const char *) data + n + 1;
        *ret_len = len - n - 1;
        return 0;
}

static int field_u64(const struct reader *rd, const char *field, uint64_t *ret)
{
        const char *v;
        size_t n;
        if (get_field(rd, field, &v, &n) < 0 || n == 0 || n > 20)
                return -ENOENT;
        char buf[21];
        memcpy(buf, v, n);
        buf[n] = 0;
        char *e;
        errno = 0;
        unsigned long long x = strtoull(buf, &e, 10);
        if (errno || *e || !isdigit((unsigned char) buf[0]))
                return -EINVAL;
        *ret = x;
        return 0;
}

static char *field_dup(const struct reader *rd, const char *field)
{
        const char *v;
        size_t n;
        if (get_field(rd, field, &v, &n) < 0)
                return NULL;
        return strndup(v, n);
}

static bool field_is(const struct reader *rd, const char *field, const char *value)
{
        const char *v;
        size_t n;
        return get_field(rd, field, &v, &n) >= 0 && n == strlen(value) && !memcmp(v, value, n);
}

static int add_matches(const struct reader *rd, const char *boot_id)
{
        char boot[sizeof("_BOOT_ID=") + 32];
        if (boot_id)
                snprintf(boot, sizeof(boot), "_BOOT_ID=%s", boot_id);
        int r;
        if ((r = rd->dl.add_match(rd->j, "_TRANSPORT=audit", 0)) < 0 ||
            (r = rd->dl.add_match(rd->j, "_TRANSPORT=kernel", 0)) < 0)
                return r;
        if (boot_id && (r = rd->dl.add_match(rd->j, boot, 0)) < 0)
                return r;
        if ((r = rd->dl.add_disjunction(rd->j)) < 0 ||
            (r = rd->dl.add_match(rd->j, "MESSAGE_ID=" PLANET_MESSAGE_EXEC_DOMAIN_STR, 0)) < 0)
                return r;
        if (boot_id && (r = rd->dl.add_match(rd->j, boot, 0)) < 0)
                return r;
        return 0;
}

static int handle_start(const struct reader *rd, uint64_t usec, const struct journal_read_callbacks *cb)
{
        if (!cb || !cb->start)
                return 0;
        _cleanup_free_ char *unit = field_dup(rd, PLANET_FIELD_UNIT);
        _cleanup_free_ char *domain = field_dup(rd, PLANET_FIELD_DOMAIN);
        _cleanup_free_ char *exe = field_dup(rd, PLANET_FIELD_EXE);
        uint64_t pid = 0;
        if (field_u64(rd, PLANET_FIELD_SERVICE_PID, &pid) < 0)
                (void) field_u64(rd, "_PID", &pid);
        if (!unit)
                unit = field_dup(rd, "_SYSTEMD_UNIT");
        if (!unit || pid == 0 || pid > INT32_MAX)
                return 0; /* not enough to map anything */
        struct journal_start s = {
                .usec = usec, .pid = (pid_t) pid, .unit = unit, .domain = domain, .exe = exe};
        return cb->start(&s, cb->userdata);
}

static int read_earlier_starts(const struct reader *rd, const struct journal_read_options *o,
                               const struct journal_read_callbacks *cb)
{
        char boot[sizeof("_BOOT_ID=") + 32];
        int r;
        if ((r = rd->dl.add_match(rd->j, "MESSAGE_ID=" PLANET_MESSAGE_EXEC_DOMAIN_STR, 0)) < 0)
                return r;
        if (o->boot_id) {
                snprintf(boot, sizeof(boot), "_BOOT_ID=%s", o->boot_id);
                if ((r = rd->dl.add_match(rd->j, boot, 0)) < 0)
                        return r;
        }
        if ((r = rd->dl.seek_head(rd->j)) < 0)
                return r;
        while ((r = rd->dl.next(rd->j)) > 0) {
                uint64_t usec;
                if (rd->dl.get_realtime_usec(rd->j, &usec) < 0)
                        continue;
                if (usec >= o->since_usec)
                        break;
                if ((r = handle_start(rd, usec, cb)) < 0)
                        return r;
        }
        return r < 0 ? r : 0;
}

/* One entry: 1 when it was a record handed to g, 0 when skipped, <0 error. */
static int handle_entry(const struct reader *rd, const struct journal_read_options *o, struct avc_grouper *g,
                        const struct journal_read_callbacks *cb, size_t *malformed)
{
        uint64_t usec = 0;
        int r = rd->dl.get_realtime_usec(rd->j, &usec);
        if (r < 0)
                return 0;
        if (field_is(rd, "MESSAGE_ID", PLANET_MESSAGE_EXEC_DOMAIN_STR))
                return handle_start(rd, usec, cb);

        const char *msg;
        size_t len;
        if (get_field(rd, "MESSAGE", &msg, &len) < 0)
                return 0;
        struct avc_record *rec = NULL;
        if (field_is(rd, "_TRANSPORT", "audit")) {
                uint64_t type, serial = 0, src = 0;
                if (field_u64(rd, "_AUDIT_TYPE", &type) < 0 || type > 100000)
                        return 0;
                (void) field_u64(rd, "_AUDIT_ID", &serial);
                if (field_u64(rd, "_SOURCE_REALTIME_TIMESTAMP", &src) == 0)
                        usec = src;
                r = avc_parse_body((int) type, msg, len, usec, serial, AVC_SOURCE_AUDIT, &rec,
                                   NULL);
        } else if (len > 12 && !memcmp(msg, "audit: type=", 12)) {
                r = avc_parse_line(msg, len, &rec, NULL);
                if (r > 0)
                        rec->source = AVC_SOURCE_KMSG;
        } else
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (malformed)
                        (*malformed)++;
                return 0;
        }
        if (r == 0)
                return 0;
        if (rec->usec && rec->usec < o->since_usec) {
                avc_record_free(rec);
                return 0;
        }
        r = avc_grouper_add(g, rec);
        return r < 0 ? r : 1;
}

static bool is_journal_file(const char *name)
{
        size_t n = strlen(name);
        return (n > 8 && !strcmp(name + n - 8, ".journal")) ||
               (n > 9 && !strcmp(name + n - 9, ".journal~"));
}

static bool is_machine_id(const char *name)
{
        if (strlen(name) != 32)
                return false;
        for (size_t i = 0; i < 32; i++)
                if (!isxdigit((unsigned char) name[i]))
                        return false;
        return true;
}

/* The journal files of dir and of its machine-id subdirectories (one level,
 * as sd_journal_open_directory() looks), appended to *files. */
static int collect_journal_files(const char *dir, int depth, char ***files, size_t *n,
                                 struct planet_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return planet_error_set(err, errno,
                                        "cannot open journal directory %s: %m (the directory "
                                        "holding system.journal, e.g. /var/log/journal/MACHINE-ID)",
                                        dir);
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                bool journal = is_journal_file(de->d_name);
                if (!journal && !(depth == 0 && is_machine_id(de->d_name)))
                        continue;
                _cleanup_free_ char *path = strjoin3(dir, "/", de->d_name);
                if (!path)
                        return planet_error_set(err, ENOMEM, "out of memory");
                struct stat st;
                if (stat(path, &st) < 0)
                        continue; /* gone since the listing */
                if (journal && S_ISREG(st.st_mode)) {
                        if (strv_push(files, n, TAKE_PTR(path)) < 0)
                                return planet_error_set(err, ENOMEM, "out of memory");
                } else if (!journal && S_ISDIR(st.st_mode)) {
                        int r = collect_journal_files(path, depth + 1, files, n, err);
                        if (r < 0)
                                return r;
                }
        }
        if (errno)
                return planet_error_set(err, errno, "cannot read journal directory %s: %m", dir);
        return 0;
}

int journal_read(const struct journal_read_options *o, struct avc_grouper *g,
                 const struct journal_read_callbacks *cb, size_t *ret_malformed,
                 struct planet_error *err)
{
        _cleanup_(reader_done) struct reader reader = {0};
        struct reader *rd = &reader;
        /* Several directories: their files, read together. */
        _cleanup_strv_free_ char **dir_files = NULL;
        char **files = o->files;
        const char *directory = o->directories ? o->directories[0] : NULL;
        if (directory && o->directories[1]) {
                size_t n = 0;
                for (char **dir = o->directories; *dir; dir++) {
                        size_t before = n;
                        int r = collect_journal_files(*dir, 0, &dir_files, &n, err);
                        if (r < 0)
                                return r;
                        if (n == before)
                                return planet_error_set(err, ENOENT,
                                                        "journal directory %s holds no journal "
                                                        "files (*.journal, directly or in a "
                                                        "MACHINE-ID subdirectory)",
                                                        *dir);
                }
                files = dir_files;
                directory = NULL;
        }
        int r = journal_dl_open(&rd->dl, err);
        if (r < 0)
                return r;
        if (files && files[0])
                r = rd->dl.open_files(&rd->j, (const char **) files, 0);
        else if (directory)
                r = rd->dl.open_directory(&rd->j, directory, 0);
        else
                r = rd->dl.open(&rd->j, 0);
        if (r < 0) {
                if (files && files[0])
                        return planet_error_set(err, -r,
                                                "cannot open journal file %s%s: %s (give "
                                                "journal files written by systemd-journald)",
                                                files[0], files[1] ? " …" : "", strerror(-r));
                if (directory)
                        return planet_error_set(err, -r,
                                                "cannot open journal directory %s: %s (the "
                                                "directory holding system.journal, e.g. "
                                                "/var/log/journal/MACHINE-ID)",
                                                directory, strerror(-r));
                return planet_error_set(err, -r,
                                        "cannot open the journal: %s (run as root or "
                                        "in group systemd-journal, or use -i FILE)",
                                        strerror(-r));
        }
        if (o->since_usec && cb && cb->start) {
                /* A unit started before --since still owns the PIDs denied
                 * after it: read the start entries from the beginning. */
                r = read_earlier_starts(rd, o, cb);
                if (r < 0)
                        return planet_error_set(err, -r, "cannot read the journal: %s",
                                                strerror(-r));
                rd->dl.flush_matches(rd->j);
        }
        r = add_matches(rd, o->boot_id);
        if (r < 0)
                return planet_error_set(err, -r, "cannot filter the journal: %s", strerror(-r));
        r = o->since_usec ? rd->dl.seek_realtime_usec(rd->j, o->since_usec)
                          : rd->dl.seek_head(rd->j);
        if (r < 0)
                return planet_error_set(err, -r, "cannot seek in the journal: %s", strerror(-r));

        size_t malformed = 0;
        for (;;) {
                r = rd->dl.next(rd->j);
                if (r < 0)
                        return planet_error_set(err, -r, "cannot read the journal: %s",
                                                strerror(-r));
                if (r > 0) {
                        r = handle_entry(rd, o, g, cb, &malformed);
                        if (r < 0)
                                return planet_error_set(err, -r, "reading the journal: %s",
                                                        strerror(-r));
                        continue;
                }
                if (!o->follow)
                        break;
                uint64_t idle = o->follow_idle_usec ? o->follow_idle_usec : 500000;
                r = rd->dl.wait(rd->j, idle);
                if (r < 0)
                        return planet_error_set(err, -r, "cannot wait for the journal: %s",
                                                strerror(-r));
                if (r == SD_JOURNAL_NOP) {
                        r = avc_grouper_flush(g);
                        if (r < 0)
                                return r;
                        if (cb && cb->idle && (r = cb->idle(cb->userdata)) < 0)
                                return r;
                }
        }
        if (ret_malformed)
                *ret_malformed = malformed;
        return avc_grouper_flush(g);
}

int journal_read_text(FILE *f, const char *name, uint64_t since_usec, struct avc_grouper *g,
                      FILE *warn, size_t *ret_malformed, struct planet_error *err)
{
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, lineno = 0, malformed = 0;
        ssize_t n;
        errno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
                lineno++;
                struct planet_error perr = {0};
                struct avc_record *rec = NULL;
                int r = avc_parse_line(line, (size_t) n, &rec, &perr);
                if (r == -ENOMEM) {
                        planet_error_clear(&perr);
                        return planet_error_set(err, ENOMEM, "out of memory reading %s", name);
                }
                if (r < 0) {
                        malformed++;
                        if (warn)
                                fprintf(warn, "%s:%zu: %s\n", name, lineno,
                                        perr.msg ? perr.msg : strerror(-r));
                        planet_error_clear(&perr);
                        continue;
                }
                if (r == 0)
                        continue;
                if (rec->usec && rec->usec < since_usec) {
                        avc_record_free(rec);
                        continue;
                }
                r = avc_grouper_add(g, rec);
                if (r < 0)
                        return planet_error_set(err, -r, "%s:%zu: %s", name, lineno, strerror(-r));
        }
        if (ferror(f))
                return planet_error_set(err, errno ? errno : EIO, "cannot read %s: %s", name,
                                        strerror(errno ? errno : EIO));
        if (ret_malformed)
                *ret_malformed = malformed;
        return avc_grouper_flush(g);
}

int journal_parse_since(const char *s, uint64_t now_usec, uint64_t *ret, struct planet_error *err)
{
        const uint64_t S = 1000000;
        if (!s || !*s)
                return planet_error_set(err, EINVAL, "empty --since");
        if (s[0] == '@') {
                char *e;
                errno = 0;
                unsigned long long v = strtoull(s + 1, &e, 10);
                if (errno || *e || e == s + 1)
                        goto bad;
                *ret = v * S;
                return 0;
        }
        time_t now = (time_t) (now_usec / S);
        if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
                struct tm tm;
                localtime_r(&now, &tm);
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                tm.tm_isdst = -1;
                if (s[0] == 'y')
                        tm.tm_mday--;
                time_t t = mktime(&tm);
                if (t == (time_t) -1)
                        goto bad;
                *ret = (uint64_t) t * S;
                return 0;
        }
        /* Relative: "-30min", "2h ago", "90s ago". */
        const char *p = s[0] == '-' ? s + 1 : s;
        if (isdigit((unsigned char) *p)) {
                char *e;
                errno = 0;
                unsigned long long v = strtoull(p, &e, 10);
                if (errno)
                        goto bad;
                const char *unit = e;
                while (*e && !isspace((unsigned char) *e))
                        e++;
                size_t un = (size_t) (e - unit);
                while (isspace((unsigned char) *e))
                        e++;
                bool ago = !strcmp(e, "ago");
                if ((s[0] == '-' && *e) || (s[0] != '-' && !ago))
                        goto absolute;
                static const struct {
                        const char *name;
                        uint64_t usec;
                } units[] = {{"s", 1},     {"sec", 1},     {"min", 60},
                             {"m", 60},    {"h", 3600},    {"hour", 3600},
                             {"d", 86400}, {"day", 86400}, {"days", 86400}};
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (un == strlen(units[i].name) && !strncmp(unit, units[i].name, un)) {
                                uint64_t d = v * units[i].usec * S;
                                *ret = d > now_usec ? 0 : now_usec - d;
                                return 0;
                        }
                goto bad;
        }
absolute:;
        struct tm tm = {.tm_isdst = -1};
        const char *e = strptime(s, "%Y-%m-%d", &tm);
        if (!e)
                goto bad;
        if (*e) {
                const char *e2 = strptime(e, " %H:%M:%S", &tm);
                if (!e2)
                        e2 = strptime(e, " %H:%M", &tm);
                if (!e2 || *e2)
                        goto bad;
        }
        time_t t = mktime(&tm);
        if (t == (time_t) -1)
                goto bad;
        *ret = (uint64_t) t * S;
        return 0;
bad:
        return planet_error_set(err, EINVAL,
                                "cannot parse --since '%s': use \"YYYY-MM-DD [HH:MM[:SS]]\", "
                                "\"today\", \"yesterday\", \"-30min\", \"2h ago\" or @EPOCH",
                                s);
}

/* A 128-bit id as 32 hex digits or as a UUID (8-4-4-4-12, the form of
 * /proc/sys/kernel/random/boot_id), as sd_id128_from_string() takes it,
 * into 32 lowercase hex digits. */
static int id128_normalize(const char *s, size_t n, char ret[static 33])
{
        size_t k = 0;
        bool uuid = n == 36;
        if (n != 32 && !uuid)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i] != '-')
                                return -EINVAL;
                        continue;
                }
                if (!isxdigit((unsigned char) s[i]))
                        return -EINVAL;
                ret[k++] = (char) tolower((unsigned char) s[i]);
        }
        ret[k] = 0;
        return 0;
}

int journal_parse_boot(const char *s, char ret[static 33], struct planet_error *err)
{
        if (!s || !strcmp(s, "current") || !strcmp(s, "0")) {
                /* What sd_id128_get_boot() reads (no libsystemd needed). */
                static const char path[] = "/proc/sys/kernel/random/boot_id";
                char buf[64];
                errno = 0;
                _cleanup_fclose_ FILE *f = fopen(path, "re");
                if (!f || !fgets(buf, sizeof(buf), f))
                        return planet_error_set(err, errno ? errno : EIO,
                                                "cannot read this boot's id from %s: %s", path,
                                                strerror(errno ? errno : EIO));
                size_t n = strcspn(buf, "\n");
                if (id128_normalize(buf, n, ret) < 0)
                        return planet_error_set(err, EBADMSG, "%s holds no boot id: '%.*s'", path,
                                                (int) n, buf);
                return 0;
        }
        if (id128_normalize(s, strlen(s), ret) < 0)
                return planet_error_set(err, EINVAL,
                                        "--boot '%s' is not a boot id (32 hex digits, as "
                                        "journalctl --list-boots shows) or \"current\"",
                                        s);
        return 0;
}
