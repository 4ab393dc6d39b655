/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELinux audit record parser and event grouper; see avc.h for the formats.
 *
 * The kernel writes untrusted strings (comm, name, path, …) either in double
 * quotes or, when they contain a space, quote or control character, as
 * unquoted hex; contexts and numbers are written bare. USER_AVC records are
 * written by userspace object managers (systemd, dbus) and carry the real
 * access decision inside msg='…'. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avc.h"

static const struct {
        int type;
        const char *name;
} record_types[] = {
        {AVC_TYPE_USER_AVC, "USER_AVC"},
        {AVC_TYPE_USER_SELINUX_ERR, "USER_SELINUX_ERR"},
        {AVC_TYPE_SYSCALL, "SYSCALL"},
        {AVC_TYPE_PATH, "PATH"},
        {AVC_TYPE_CWD, "CWD"},
        {AVC_TYPE_EOE, "EOE"},
        {AVC_TYPE_PROCTITLE, "PROCTITLE"},
        {AVC_TYPE_AVC, "AVC"},
        {AVC_TYPE_SELINUX_ERR, "SELINUX_ERR"},
        {AVC_TYPE_MAC_POLICY_LOAD, "MAC_POLICY_LOAD"},
        {1306, "SOCKADDR"},
        {1309, "EXECVE"},
        {1404, "MAC_STATUS"},
        {1405, "MAC_CONFIG_CHANGE"},
        {1420, "MAC_UNLBL_ALLOW"},
};

int avc_type_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(record_types); i++)
                if (!strcmp(s, record_types[i].name))
                        return record_types[i].type;
        return -1;
}

const char *avc_type_to_string(int type)
{
        for (size_t i = 0; i < ELEMENTSOF(record_types); i++)
                if (record_types[i].type == type)
                        return record_types[i].name;
        return NULL;
}

const char *avc_kind_to_string(enum avc_kind k)
{
        switch (k) {
        case AVC_KIND_OTHER:
                return "other";
        case AVC_KIND_DENIED:
                return "denied";
        case AVC_KIND_GRANTED:
                return "granted";
        case AVC_KIND_INVALID_CONTEXT:
                return "invalid-context";
        case AVC_KIND_BOUNDED_TRANSITION:
                return "bounded-transition";
        case AVC_KIND_VALIDATE_TRANSITION:
                return "validate-transition";
        case AVC_KIND_POLICY_LOAD:
                return "policy-load";
        }
        return "unknown";
}

void avc_record_free(struct avc_record *r)
{
        if (!r)
                return;
        free(r->body);
        strv_free(r->perms);
        free(r->scontext);
        free(r->tcontext);
        free(r->tclass);
        free(r->srawcon);
        free(r->trawcon);
        free(r->comm);
        free(r->exe);
        free(r->path);
        free(r->name);
        free(r->sender);
        free(r->op);
        free(r->invalid_context);
        free(r->oldcontext);
        free(r->newcontext);
        free(r->taskcontext);
        for (size_t i = 0; i < r->n_fields; i++) {
                free(r->fields[i].key);
                free(r->fields[i].value);
        }
        free(r->fields);
        free(r);
}

const char *avc_record_get(const struct avc_record *r, const char *key)
{
        for (size_t i = 0; i < r->n_fields; i++)
                if (!strcmp(r->fields[i].key, key))
                        return r->fields[i].value;
        return NULL;
}

char *avc_record_perms_string(const struct avc_record *r)
{
        size_t n = 1;
        STRV_FOREACH (p, r->perms)
                n += strlen(*p) + 1;
        char *s = malloc(n), *q = s;
        if (!s)
                return NULL;
        *q = 0;
        STRV_FOREACH (p, r->perms) {
                if (q != s)
                        *q++ = ' ';
                q = stpcpy(q, *p);
        }
        return s;
}

/* ---- lexing ------------------------------------------------------------ */

/* A bounded view of the input; records are never NUL-terminated for us. */
struct cursor {
        const char *p, *end;
};

static void skip_space(struct cursor *c)
{
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
                c->p++;
}

static bool starts(const struct cursor *c, const char *word)
{
        size_t n = strlen(word);
        return (size_t) (c->end - c->p) >= n && !memcmp(c->p, word, n);
}

/* Keys whose values the kernel or auditd log as untrusted strings: quoted, or
 * hex when they contain anything that could break the key=value grammar. */
static bool key_is_untrusted_string(const char *k)
{
        static const char *const keys[] = {
                "comm",      "exe",       "name",    "path",      "cwd",
                "proctitle", "cmdline",   "srawcon", "trawcon",   "invalid_context",
                "key",       "dev",       "dir",     "hostname",  "terminal",
                "data",      "interface", "member",  "dest_name",
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (!strcmp(k, keys[i]))
                        return true;
        return false;
}

static int hexval(char ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* An unquoted untrusted value is hex when it is a non-empty even-length run
 * of hex digits. NULs (proctitle's argv separators) become spaces. */
static char *decode_hex(const char *s, size_t n)
{
        if (n == 0 || n % 2)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (hexval(s[i]) < 0)
                        return NULL;
        char *out = malloc(n / 2 + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n; i += 2) {
                char ch = (char) (hexval(s[i]) << 4 | hexval(s[i + 1]));
                out[o++] = ch ? ch : ' ';
        }
        while (o > 0 && out[o - 1] == ' ')
                o--; /* proctitle's trailing NUL */
        out[o] = 0;
        return out;
}

static int push_field(struct avc_record *r, const char *k, size_t kn, char *value)
{
        if (!value)
                return -ENOMEM;
        struct avc_field *f = realloc(r->fields, (r->n_fields + 1) * sizeof(*f));
        if (!f) {
                free(value);
                return -ENOMEM;
        }
        r->fields = f;
        f[r->n_fields].key = strndup(k, kn);
        if (!f[r->n_fields].key) {
                free(value);
                return -ENOMEM;
        }
        f[r->n_fields].value = value;
        r->n_fields++;
        return 0;
}

/* key=value pairs to the end of the cursor. Words without '=' ("for",
 * "policy loaded") are skipped. A value in single quotes (USER_AVC's msg=)
 * runs to the last quote of the record, since the inner text holds double
 * quotes and spaces. */
static int parse_fields(struct avc_record *r, struct cursor *c)
{
        for (;;) {
                skip_space(c);
                if (c->p >= c->end)
                        return 0;
                const char *k = c->p;
                while (c->p < c->end && *c->p != '=' && *c->p != ' ' && *c->p != '\t')
                        c->p++;
                if (c->p >= c->end || *c->p != '=') {
                        continue; /* a bare word */
                }
                size_t kn = (size_t) (c->p - k);
                c->p++; /* '=' */
                if (kn == 0)
                        continue;
                char *value;
                if (c->p < c->end && *c->p == '"') {
                        const char *v = ++c->p;
                        const char *q = memchr(v, '"', (size_t) (c->end - v));
                        if (!q)
                                q = c->end;
                        value = strndup(v, (size_t) (q - v));
                        c->p = q < c->end ? q + 1 : q;
                } else if (c->p < c->end && *c->p == '\'') {
                        const char *v = ++c->p;
                        const char *q = c->end;
                        while (q > v && q[-1] != '\'')
                                q--;
                        const char *stop = q > v ? q - 1 : c->end;
                        value = strndup(v, (size_t) (stop - v));
                        c->p = q > v ? q : c->end;
                } else {
                        const char *v = c->p;
                        while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
                                c->p++;
                        size_t vn = (size_t) (c->p - v);
                        char key[32];
                        value = NULL;
                        if (kn < sizeof(key)) {
                                memcpy(key, k, kn);
                                key[kn] = 0;
                                if (key_is_untrusted_string(key))
                                        value = decode_hex(v, vn);
                        }
                        if (!value)
                                value = strndup(v, vn);
                }
                int rr = push_field(r, k, kn, value);
                if (rr < 0)
                        return rr;
        }
}

static int dup_field(const struct avc_record *r, const char *key, char **dst)
{
        const char *v = avc_record_get(r, key);
        if (!v || *dst)
                return 0;
        *dst = strdup(v);
        return *dst ? 0 : -ENOMEM;
}

/* Lift the well-known fields into the record's named members. */
static int lift_fields(struct avc_record *r, bool pid_from_fields)
{
        static const struct {
                const char *key;
                size_t off;
        } map[] = {
                {"scontext", offsetof(struct avc_record, scontext)},
                {"tcontext", offsetof(struct avc_record, tcontext)},
                {"tclass", offsetof(struct avc_record, tclass)},
                {"srawcon", offsetof(struct avc_record, srawcon)},
                {"trawcon", offsetof(struct avc_record, trawcon)},
                {"comm", offsetof(struct avc_record, comm)},
                {"exe", offsetof(struct avc_record, exe)},
                {"path", offsetof(struct avc_record, path)},
                {"name", offsetof(struct avc_record, name)},
                {"op", offsetof(struct avc_record, op)},
                {"invalid_context", offsetof(struct avc_record, invalid_context)},
                {"oldcontext", offsetof(struct avc_record, oldcontext)},
                {"newcontext", offsetof(struct avc_record, newcontext)},
                {"taskcontext", offsetof(struct avc_record, taskcontext)},
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                int rr = dup_field(r, map[i].key, (char **) ((char *) r + map[i].off));
                if (rr < 0)
                        return rr;
        }
        const char *v = avc_record_get(r, "permissive");
        if (v)
                r->permissive = !strcmp(v, "1") ? 1 : !strcmp(v, "0") ? 0 : -1;
        v = pid_from_fields ? avc_record_get(r, "pid") : NULL;
        if (v) {
                char *e;
                long pid = strtol(v, &e, 10);
                if (*e == 0 && pid > 0 && pid <= INT32_MAX)
                        r->pid = (pid_t) pid;
        }
        return 0;
}

/* "avc:  denied  { read write } for  pid=… …". Returns -EINVAL for a
 * permission set that does not close. */
static int parse_avc_text(struct avc_record *r, struct cursor *c, struct planet_error *err)
{
        skip_space(c);
        if (!starts(c, "avc:"))
                return parse_fields(r, c);
        c->p += 4;
        skip_space(c);
        if (starts(c, "denied"))
                r->kind = AVC_KIND_DENIED, c->p += 6;
        else if (starts(c, "granted"))
                r->kind = AVC_KIND_GRANTED, c->p += 7;
        else
                return parse_fields(r, c); /* "received policyload notice", op=load_policy … */
        skip_space(c);
        if (c->p >= c->end || *c->p != '{')
                return planet_error_set(err, EINVAL,
                                        "AVC record without a permission set after \"%s\": %.*s",
                                        avc_kind_to_string(r->kind), (int) (c->end - c->p), c->p);
        c->p++;
        const char *close = memchr(c->p, '}', (size_t) (c->end - c->p));
        if (!close)
                return planet_error_set(err, EINVAL,
                                        "AVC record whose permission set has no closing '}': %.*s",
                                        (int) (c->end - c->p), c->p);
        size_t n = 0;
        char **perms = calloc(1, sizeof(char *));
        if (!perms)
                return -ENOMEM;
        struct cursor pc = {c->p, close};
        for (;;) {
                skip_space(&pc);
                if (pc.p >= pc.end)
                        break;
                const char *w = pc.p;
                while (pc.p < pc.end && *pc.p != ' ' && *pc.p != '\t')
                        pc.p++;
                char **np = realloc(perms, (n + 2) * sizeof(char *));
                if (!np) {
                        strv_free(perms);
                        return -ENOMEM;
                }
                perms = np;
                perms[n] = strndup(w, (size_t) (pc.p - w));
                perms[++n] = NULL;
                if (!perms[n - 1]) {
                        strv_free(perms);
                        return -ENOMEM;
                }
        }
        if (n == 0) {
                strv_free(perms);
                return planet_error_set(err, EINVAL, "AVC record with an empty permission set");
        }
        strv_free(r->perms);
        r->perms = perms;
        c->p = close + 1;
        return parse_fields(r, c);
}

/* SELINUX_ERR, both forms:
 *   op=security_compute_sid invalid_context="…" scontext=… tcontext=… tclass=…
 *   security_compute_sid:  invalid context CTX for scontext=… tcontext=… tclass=…
 *   op=security_bounded_transition seresult=denied oldcontext=… newcontext=…
 *   security_bounded_transition:  denied for oldcontext=… newcontext=… */
static int parse_selinux_err(struct avc_record *r, struct cursor *c)
{
        skip_space(c);
        if (!starts(c, "op=")) {
                const char *w = c->p;
                while (c->p < c->end && *c->p != ':' && *c->p != ' ')
                        c->p++;
                if (c->p < c->end && *c->p == ':') {
                        int rr = push_field(r, "op", 2, strndup(w, (size_t) (c->p - w)));
                        if (rr < 0)
                                return rr;
                        c->p++;
                        skip_space(c);
                        if (starts(c, "invalid context ")) {
                                c->p += strlen("invalid context ");
                                skip_space(c);
                                const char *v = c->p;
                                while (c->p < c->end && *c->p != ' ')
                                        c->p++;
                                rr = push_field(r, "invalid_context", 15,
                                                strndup(v, (size_t) (c->p - v)));
                                if (rr < 0)
                                        return rr;
                        } else if (starts(c, "denied")) {
                                c->p += 6;
                                rr = push_field(r, "seresult", 8, strdup("denied"));
                                if (rr < 0)
                                        return rr;
                        }
                } else
                        c->p = w;
        }
        int rr = parse_fields(r, c);
        if (rr < 0)
                return rr;
        const char *op = avc_record_get(r, "op");
        if (op && strstr(op, "bounded_transition"))
                r->kind = AVC_KIND_BOUNDED_TRANSITION;
        else if (op && strstr(op, "validate_transition"))
                r->kind = AVC_KIND_VALIDATE_TRANSITION;
        else if (avc_record_get(r, "invalid_context"))
                r->kind = AVC_KIND_INVALID_CONTEXT;
        return 0;
}

static int parse_record_body(struct avc_record *r, struct cursor *c, struct planet_error *err)
{
        int rr;
        switch (r->type) {
        case AVC_TYPE_AVC:
                return parse_avc_text(r, c, err);
        case AVC_TYPE_USER_AVC:
        case AVC_TYPE_USER_SELINUX_ERR: {
                rr = parse_fields(r, c);
                if (rr < 0)
                        return rr;
                /* The outer subj= is the object manager that asked; the
                 * subject of the decision is inside msg='…'. */
                const char *subj = avc_record_get(r, "subj");
                if (subj && !(r->sender = strdup(subj)))
                        return -ENOMEM;
                const char *msg = avc_record_get(r, "msg");
                if (!msg)
                        return 0;
                _cleanup_free_ char *inner = strdup(msg);
                if (!inner)
                        return -ENOMEM;
                struct cursor ic = {inner, inner + strlen(inner)};
                /* Inner fields shadow outer ones of the same name (pid, uid,
                 * exe): the inner ones describe the access. Insert them
                 * first by parsing into a scratch record. */
                struct avc_record tmp = {.type = r->type, .permissive = -1};
                rr = r->type == AVC_TYPE_USER_AVC ? parse_avc_text(&tmp, &ic, err)
                                                  : parse_selinux_err(&tmp, &ic);
                if (rr >= 0) {
                        /* Only a pid inside msg='…' is the subject's; the
                         * outer one is the object manager's. */
                        const char *pid = avc_record_get(&tmp, "pid");
                        if (pid)
                                r->pid = (pid_t) strtol(pid, NULL, 10);
                        size_t n = tmp.n_fields + r->n_fields;
                        struct avc_field *f = n ? realloc(tmp.fields, n * sizeof(*f)) : NULL;
                        if (n && !f)
                                rr = -ENOMEM;
                        else if (n) {
                                memcpy(f + tmp.n_fields, r->fields, r->n_fields * sizeof(*f));
                                free(r->fields);
                                r->fields = f;
                                r->n_fields = n;
                                tmp.fields = NULL;
                                tmp.n_fields = 0;
                        }
                        r->kind = tmp.kind;
                        r->perms = TAKE_PTR(tmp.perms);
                }
                for (size_t i = 0; i < tmp.n_fields; i++) {
                        free(tmp.fields[i].key);
                        free(tmp.fields[i].value);
                }
                free(tmp.fields);
                strv_free(tmp.perms);
                return rr;
        }
        case AVC_TYPE_SELINUX_ERR:
                return parse_selinux_err(r, c);
        case AVC_TYPE_MAC_POLICY_LOAD:
                r->kind = AVC_KIND_POLICY_LOAD;
                return parse_fields(r, c);
        default:
                return parse_fields(r, c);
        }
}

static int record_new(int type, const char *body, size_t len, uint64_t usec, uint64_t serial,
                      enum avc_source source, struct avc_record **ret, struct planet_error *err)
{
        struct avc_record *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->type = type;
        r->usec = usec;
        r->serial = serial;
        r->source = source;
        r->permissive = -1;
        /* A NUL ends the record (the kernel never logs one unencoded). */
        len = strnlen(body, len);
        /* auditd's enriched format appends the interpretations after a
         * group separator: not part of the record. */
        const char *gs = memchr(body, 0x1d, len);
        if (gs)
                len = (size_t) (gs - body);
        while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
                len--;
        r->body = strndup(body, len);
        if (!r->body) {
                avc_record_free(r);
                return -ENOMEM;
        }
        struct cursor c = {r->body, r->body + len};
        int rr = parse_record_body(r, &c, err);
        if (rr >= 0)
                rr = lift_fields(r, type != AVC_TYPE_USER_AVC);
        if (rr < 0) {
                avc_record_free(r);
                if (rr == -ENOMEM)
                        return planet_error_set(err, ENOMEM, "out of memory parsing audit record");
                return rr;
        }
        *ret = r;
        return 1;
}

int avc_parse_body(int type, const char *body, size_t len, uint64_t usec, uint64_t serial,
                   enum avc_source source, struct avc_record **ret, struct planet_error *err)
{
        *ret = NULL;
        /* journald's MESSAGE starts with the type name. */
        const char *name = avc_type_to_string(type);
        if (name) {
                size_t n = strlen(name);
                if (len > n && !memcmp(body, name, n) && body[n] == ' ')
                        body += n + 1, len -= n + 1;
        }
        return record_new(type, body, len, usec, serial, source, ret, err);
}

/* ---- line headers ------------------------------------------------------ */

static bool parse_u64(struct cursor *c, uint64_t *ret)
{
        if (c->p >= c->end || !isdigit((unsigned char) *c->p))
                return false;
        uint64_t v = 0;
        while (c->p < c->end && isdigit((unsigned char) *c->p)) {
                unsigned d = (unsigned) (*c->p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
                c->p++;
        }
        *ret = v;
        return true;
}

/* "(1700000000.123:456)" or ausearch -i's "(11/25/2026 19:30:00.123:456)". */
static bool parse_stamp(struct cursor *c, uint64_t *usec, uint64_t *serial)
{
        if (c->p >= c->end || *c->p != '(')
                return false;
        c->p++;
        const char *close = memchr(c->p, ')', (size_t) (c->end - c->p));
        if (!close)
                return false;
        struct cursor s = {c->p, close};
        uint64_t sec, ms = 0;
        if (memchr(s.p, '/', (size_t) (s.end - s.p))) {
                uint64_t mon, day, year, h, m, sc;
                if (!parse_u64(&s, &mon) || s.p >= s.end || *s.p++ != '/' || !parse_u64(&s, &day) ||
                    s.p >= s.end || *s.p++ != '/' || !parse_u64(&s, &year) || s.p >= s.end ||
                    *s.p++ != ' ' || !parse_u64(&s, &h) || s.p >= s.end || *s.p++ != ':' ||
                    !parse_u64(&s, &m) || s.p >= s.end || *s.p++ != ':' || !parse_u64(&s, &sc))
                        return false;
                if (year < 100)
                        year += 2000;
                if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || sc > 60 ||
                    year > 9999)
                        return false;
                /* ausearch -i prints local time. */
                struct tm tm = {.tm_year = (int) year - 1900,
                                .tm_mon = (int) mon - 1,
                                .tm_mday = (int) day,
                                .tm_hour = (int) h,
                                .tm_min = (int) m,
                                .tm_sec = (int) sc,
                                .tm_isdst = -1};
                time_t t = mktime(&tm);
                if (t == (time_t) -1)
                        return false;
                sec = (uint64_t) t;
        } else if (!parse_u64(&s, &sec))
                return false;
        if (s.p < s.end && *s.p == '.') {
                s.p++;
                const char *d = s.p;
                if (!parse_u64(&s, &ms) || s.p - d != 3)
                        return false;
        }
        if (s.p >= s.end || *s.p++ != ':' || !parse_u64(&s, serial) || s.p != s.end)
                return false;
        if (sec > UINT64_MAX / 1000000 - 1)
                return false;
        *usec = sec * 1000000 + ms * 1000;
        c->p = close + 1;
        return true;
}

/* "AVC", "1400" or "UNKNOWN[1400]". */
static int parse_type_word(const char *w, size_t n)
{
        char buf[64];
        if (n == 0 || n >= sizeof(buf))
                return -1;
        memcpy(buf, w, n);
        buf[n] = 0;
        if (isdigit((unsigned char) buf[0])) {
                char *e;
                long t = strtol(buf, &e, 10);
                return *e == 0 && t > 0 && t < 100000 ? (int) t : -1;
        }
        if (!strncmp(buf, "UNKNOWN[", 8)) {
                char *e;
                long t = strtol(buf + 8, &e, 10);
                return !strcmp(e, "]") && t > 0 && t < 100000 ? (int) t : -1;
        }
        return avc_type_from_string(buf);
}

static const char *find_word(const char *p, const char *end, const char *word)
{
        size_t n = strlen(word);
        for (const char *q = p; q + n <= end; q++) {
                q = memchr(q, word[0], (size_t) (end - q));
                if (!q || q + n > end)
                        return NULL;
                if (!memcmp(q, word, n) &&
                    (q == p || q[-1] == ' ' || q[-1] == '\t' || q[-1] == ']'))
                        return q;
        }
        return NULL;
}

int avc_parse_line(const char *line, size_t len, struct avc_record **ret, struct planet_error *err)
{
        *ret = NULL;
        const char *end = line + len;
        while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
                end--;

        /* type=… msg=audit(…): BODY   or   audit: type=1400 audit(…): BODY */
        for (const char *t = find_word(line, end, "type="); t; t = find_word(t + 1, end, "type=")) {
                struct cursor c = {t + 5, end};
                const char *w = c.p;
                while (c.p < c.end && *c.p != ' ')
                        c.p++;
                int type = parse_type_word(w, (size_t) (c.p - w));
                skip_space(&c);
                enum avc_source source;
                if (starts(&c, "msg=audit")) {
                        c.p += 9;
                        source = AVC_SOURCE_AUDIT;
                } else if (starts(&c, "audit")) {
                        c.p += 5;
                        source = AVC_SOURCE_KMSG;
                } else
                        continue;
                uint64_t usec, serial;
                if (!parse_stamp(&c, &usec, &serial))
                        continue;
                skip_space(&c);
                if (c.p >= c.end || *c.p != ':')
                        continue;
                c.p++;
                skip_space(&c);
                if (type < 0)
                        return 0; /* a record type whose name we do not know */
                return record_new(type, c.p, (size_t) (c.end - c.p), usec, serial, source, ret,
                                  err);
        }

        /* journalctl's rendering of the audit transport: "audit[PID]: AVC …"
         * or "audit: MAC_POLICY_LOAD …". */
        for (const char *a = find_word(line, end, "audit"); a; a = find_word(a + 1, end, "audit")) {
                struct cursor c = {a + 5, end};
                if (c.p < c.end && *c.p == '[') {
                        const char *close = memchr(c.p, ']', (size_t) (c.end - c.p));
                        if (!close)
                                continue;
                        c.p = close + 1;
                }
                if (c.p >= c.end || *c.p != ':')
                        continue;
                c.p++;
                skip_space(&c);
                const char *w = c.p;
                while (c.p < c.end && *c.p != ' ')
                        c.p++;
                int type = parse_type_word(w, (size_t) (c.p - w));
                if (type < 0 || isdigit((unsigned char) *w))
                        continue;
                skip_space(&c);
                return record_new(type, c.p, (size_t) (c.end - c.p), 0, 0, AVC_SOURCE_AUDIT, ret,
                                  err);
        }

        /* A bare "avc:  denied { … } for …" pasted on its own. */
        const char *a = find_word(line, end, "avc:");
        if (a) {
                struct cursor c = {a + 4, end};
                skip_space(&c);
                if (starts(&c, "denied") || starts(&c, "granted"))
                        return record_new(AVC_TYPE_AVC, a, (size_t) (end - a), 0, 0,
                                          AVC_SOURCE_AUDIT, ret, err);
        }
        return 0;
}

/* ---- grouping ---------------------------------------------------------- */

#define DEFAULT_WINDOW 64

/* Duplicate detection: per identical record, how many copies each source
 * delivered. Keys are 64-bit FNV-1a hashes of time, serial, type and body. */
struct dup_slot {
        uint64_t key; /* 0 = empty */
        uint32_t count[2];
};

struct avc_grouper {
        avc_event_cb cb;
        void *userdata;
        size_t window;
        struct avc_event **open; /* FIFO, oldest first */
        size_t n_open;
        struct dup_slot *dups;
        size_t dups_cap, dups_used;
        size_t duplicates;
        int failed;
};

int avc_grouper_new(struct avc_grouper **ret, size_t window, avc_event_cb cb, void *userdata)
{
        struct avc_grouper *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->cb = cb;
        g->userdata = userdata;
        g->window = window ? window : DEFAULT_WINDOW;
        g->open = calloc(g->window + 1, sizeof(*g->open));
        if (!g->open) {
                free(g);
                return -ENOMEM;
        }
        *ret = g;
        return 0;
}

static void event_free(struct avc_event *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n_records; i++)
                avc_record_free(e->records[i]);
        free(e->records);
        free(e);
}

void avc_grouper_free(struct avc_grouper *g)
{
        if (!g)
                return;
        for (size_t i = 0; i < g->n_open; i++)
                event_free(g->open[i]);
        free(g->open);
        free(g->dups);
        free(g);
}

size_t avc_grouper_duplicates(const struct avc_grouper *g)
{
        return g->duplicates;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
        const unsigned char *p = data;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static int dup_grow(struct avc_grouper *g)
{
        size_t cap = g->dups_cap ? g->dups_cap * 2 : 1024;
        struct dup_slot *n = calloc(cap, sizeof(*n));
        if (!n)
                return -ENOMEM;
        for (size_t i = 0; i < g->dups_cap; i++) {
                if (!g->dups[i].key)
                        continue;
                size_t j = g->dups[i].key & (cap - 1);
                while (n[j].key)
                        j = (j + 1) & (cap - 1);
                n[j] = g->dups[i];
        }
        free(g->dups);
        g->dups = n;
        g->dups_cap = cap;
        return 0;
}

/* True when rec is a copy of one already kept. */
static int is_duplicate(struct avc_grouper *g, const struct avc_record *rec)
{
        if (rec->serial == 0)
                return 0; /* no identity to compare */
        if ((g->dups_used + 1) * 2 > g->dups_cap) {
                int r = dup_grow(g);
                if (r < 0)
                        return r;
        }
        uint64_t h = 0xcbf29ce484222325ULL;
        h = fnv1a(h, &rec->usec, sizeof(rec->usec));
        h = fnv1a(h, &rec->serial, sizeof(rec->serial));
        h = fnv1a(h, &rec->type, sizeof(rec->type));
        h = fnv1a(h, rec->body, strlen(rec->body));
        if (!h)
                h = 1;
        size_t j = h & (g->dups_cap - 1);
        while (g->dups[j].key && g->dups[j].key != h)
                j = (j + 1) & (g->dups_cap - 1);
        struct dup_slot *s = &g->dups[j];
        if (!s->key) {
                s->key = h;
                g->dups_used++;
        }
        int mine = rec->source == AVC_SOURCE_KMSG, other = !mine;
        s->count[mine]++;
        return s->count[mine] <= s->count[other];
}

static int emit(struct avc_grouper *g, struct avc_event *e)
{
        int r = 0;
        if (!g->failed) {
                avc_event_merge_companions(e);
                r = g->cb(e, g->userdata);
                if (r < 0)
                        g->failed = r;
        }
        event_free(e);
        return r < 0 ? r : 0;
}

static int emit_open(struct avc_grouper *g, size_t i)
{
        struct avc_event *e = g->open[i];
        memmove(g->open + i, g->open + i + 1, (g->n_open - i - 1) * sizeof(*g->open));
        g->n_open--;
        return emit(g, e);
}

static int event_append(struct avc_event *e, struct avc_record *rec)
{
        struct avc_record **n = realloc(e->records, (e->n_records + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        e->records = n;
        e->records[e->n_records++] = rec;
        return 0;
}

int avc_grouper_add(struct avc_grouper *g, struct avc_record *rec)
{
        if (g->failed) {
                avc_record_free(rec);
                return g->failed;
        }
        int r = is_duplicate(g, rec);
        if (r != 0) {
                avc_record_free(rec);
                if (r > 0)
                        g->duplicates++;
                return r < 0 ? r : 0;
        }
        if (rec->serial == 0) {
                struct avc_event *e = calloc(1, sizeof(*e));
                if (!e || event_append(e, rec) < 0) {
                        free(e);
                        avc_record_free(rec);
                        return -ENOMEM;
                }
                e->usec = rec->usec;
                return emit(g, e);
        }
        for (size_t i = g->n_open; i-- > 0;) {
                struct avc_event *e = g->open[i];
                if (e->serial != rec->serial || e->usec != rec->usec)
                        continue;
                if (rec->type == AVC_TYPE_EOE) {
                        avc_record_free(rec);
                        return emit_open(g, i);
                }
                r = event_append(e, rec);
                if (r < 0)
                        avc_record_free(rec);
                return r;
        }
        if (rec->type == AVC_TYPE_EOE) {
                avc_record_free(rec);
                return 0;
        }
        struct avc_event *e = calloc(1, sizeof(*e));
        if (!e || event_append(e, rec) < 0) {
                free(e);
                avc_record_free(rec);
                return -ENOMEM;
        }
        e->usec = rec->usec;
        e->serial = rec->serial;
        g->open[g->n_open++] = e;
        if (g->n_open > g->window)
                return emit_open(g, 0);
        return 0;
}

int avc_grouper_flush(struct avc_grouper *g)
{
        while (g->n_open > 0) {
                int r = emit_open(g, 0);
                if (r < 0)
                        return r;
        }
        return g->failed;
}

static int set_if_missing(char **dst, const char *v)
{
        if (*dst || !v)
                return 0;
        *dst = strdup(v);
        return *dst ? 0 : -ENOMEM;
}

void avc_event_merge_companions(struct avc_event *e)
{
        const struct avc_record *syscall = NULL, *path = NULL, *cwd = NULL;
        for (size_t i = 0; i < e->n_records; i++) {
                const struct avc_record *r = e->records[i];
                if (!r)
                        continue;
                if (r->type == AVC_TYPE_SYSCALL && !syscall)
                        syscall = r;
                else if (r->type == AVC_TYPE_PATH && !path)
                        path = r; /* item 0: the object the syscall named */
                else if (r->type == AVC_TYPE_CWD && !cwd)
                        cwd = r;
        }
        for (size_t i = 0; i < e->n_records; i++) {
                struct avc_record *r = e->records[i];
                if (!r || r->kind == AVC_KIND_OTHER)
                        continue;
                /* Best effort: on ENOMEM a field just stays empty. */
                if (syscall) {
                        (void) set_if_missing(&r->exe, avc_record_get(syscall, "exe"));
                        (void) set_if_missing(&r->comm, avc_record_get(syscall, "comm"));
                        if (!r->pid && syscall->pid)
                                r->pid = syscall->pid;
                }
                const char *name = path ? avc_record_get(path, "name") : NULL;
                if (!r->path && name && strcmp(name, "(null)")) {
                        const char *dir = cwd ? avc_record_get(cwd, "cwd") : NULL;
                        if (name[0] != '/' && dir) {
                                size_t n = strlen(dir) + strlen(name) + 2;
                                r->path = malloc(n);
                                if (r->path)
                                        snprintf(r->path, n, "%s%s%s", dir,
                                                 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
                        } else
                                (void) set_if_missing(&r->path, name);
                }
        }
}
