/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Denial groups, unit mapping and audit2why-style verdicts; see explain.h.
 *
 * Verdicts come from libsepol's services API against the label backend's
 * policydb (sepol_compute_av_reason_buffer gives TE/constraint/RBAC/bounds
 * reasons and the constraint text). For a TE denial every boolean that
 * governs a matching conditional rule is flipped in turn and the decision
 * recomputed, as audit2why does, but only those candidates: flipping all of
 * a policy's ~300 booleans per denial is what makes audit2why slow. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sepol/policydb/conditional.h>
#include <sepol/policydb/ebitmap.h>
#include <sepol/policydb/policydb.h>
#include <sepol/policydb/services.h>

#include "explain.h"
#include "iface.h"

const char *explain_unit_method_to_string(enum explain_unit_method m)
{
        switch (m) {
        case EXPLAIN_UNIT_UNKNOWN:
                return "unknown";
        case EXPLAIN_UNIT_JOURNAL:
                return "journal";
        case EXPLAIN_UNIT_CGROUP:
                return "cgroup";
        case EXPLAIN_UNIT_DROPIN:
                return "drop-in";
        case EXPLAIN_UNIT_DROPINS:
                return "drop-ins";
        }
        return "unknown";
}

const char *explain_verdict_to_string(enum explain_verdict v)
{
        switch (v) {
        case EXPLAIN_VERDICT_UNKNOWN:
                return "unknown";
        case EXPLAIN_VERDICT_ALLOWED:
                return "allowed-now";
        case EXPLAIN_VERDICT_TE_RULE:
                return "te-rule";
        case EXPLAIN_VERDICT_DONTAUDIT:
                return "dontaudit";
        case EXPLAIN_VERDICT_BOOLEAN:
                return "boolean";
        case EXPLAIN_VERDICT_CONSTRAINT:
                return "constraint";
        case EXPLAIN_VERDICT_RBAC:
                return "rbac";
        case EXPLAIN_VERDICT_BOUNDS:
                return "bounds";
        case EXPLAIN_VERDICT_INVALID_CONTEXT:
                return "invalid-context";
        case EXPLAIN_VERDICT_BAD_CONTEXT:
                return "unknown-context";
        case EXPLAIN_VERDICT_BAD_CLASS:
                return "unknown-class";
        case EXPLAIN_VERDICT_GRANTED:
                return "granted";
        }
        return "unknown";
}

const char *explain_context_type(const char *context, char *buf, size_t size)
{
        if (!context)
                return "?";
        const char *a = strchr(context, ':');
        const char *b = a ? strchr(a + 1, ':') : NULL;
        if (!b) {
                snprintf(buf, size, "%s", context);
                return buf;
        }
        const char *t = b + 1;
        const char *e = strchr(t, ':');
        size_t n = e ? (size_t) (e - t) : strlen(t);
        snprintf(buf, size, "%.*s", (int) n, t);
        return buf;
}

#define TYPE_MAX 256

/* ---- state ------------------------------------------------------------- */

struct start_entry {
        uint64_t usec;
        pid_t pid;
        char *unit;
        char *domain_type; /* NULL when the entry had no DOMAIN */
};

struct pid_unit {
        pid_t pid;
        char *scontext; /* the context the unit was found for */
        char *unit;     /* NULL: looked, nothing */
};

struct dropin_entry {
        char *type;
        char *unit;
};

struct group_slot {
        uint64_t hash;
        size_t index; /* + 1; 0 = empty */
};

struct explain {
        struct explain_options o;
        char **unit_dirs;

        struct explain_group *groups;
        size_t n_groups, cap_groups;
        bool *done;  /* verdict computed */
        bool *fresh; /* changed since explain_take_new */
        struct group_slot *slots;
        size_t cap_slots;

        struct start_entry *starts;
        size_t n_starts;
        struct pid_unit *pids;
        size_t n_pids;
        size_t *pid_slots; /* open addressing over pids: index + 1, 0 = empty */
        size_t cap_pid_slots;
        struct dropin_entry *dropins;
        size_t n_dropins;
        bool dropins_loaded;

        uint64_t last_policy_load;
        /* drop groups that do not pass the only_* filters at finish */
        bool filtered;

        /* After explain_detach_policy(): each target type that still needs
         * interfaces, with every type and attribute the policy puts it in
         * (sorted), so suggestions match attributes without the policy. */
        struct type_attrs *type_attrs;
        size_t n_type_attrs;
        bool detached;
};

struct type_attrs {
        char *type;
        char **names; /* sorted, NULL-terminated; the type itself included */
        size_t n;
};

static char *const default_unit_dirs[] = {
        "/etc/systemd/system",         "/run/systemd/system",
        "/run/systemd/generator",      "/run/systemd/generator.early",
        "/run/systemd/generator.late", "/usr/lib/systemd/system",
        "/lib/systemd/system",         NULL,
};

int explain_new(struct explain **ret, const struct explain_options *o)
{
        struct explain *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->o = *o;
        x->unit_dirs = o->unit_dirs ? o->unit_dirs : (char **) default_unit_dirs;
        *ret = x;
        return 0;
}

static void group_done(struct explain_group *g)
{
        free(g->unit);
        free(g->scontext);
        free(g->tcontext);
        free(g->tclass);
        strv_free(g->perms);
        free(g->comm);
        free(g->exe);
        free(g->path);
        free(g->name);
        free(g->srawcon);
        free(g->trawcon);
        free(g->detail);
        free(g->reason);
        free(g->constraint);
        for (size_t i = 0; i < g->n_booleans; i++)
                free(g->booleans[i].name);
        free(g->booleans);
        free(g->fix);
        free(g->rule_te);
        free(g->rule_cil);
        free(g->label_advice);
        strv_free(g->interfaces);
}

void explain_free(struct explain *x)
{
        if (!x)
                return;
        for (size_t i = 0; i < x->n_groups; i++)
                group_done(&x->groups[i]);
        free(x->groups);
        free(x->done);
        free(x->fresh);
        free(x->slots);
        for (size_t i = 0; i < x->n_starts; i++) {
                free(x->starts[i].unit);
                free(x->starts[i].domain_type);
        }
        free(x->starts);
        for (size_t i = 0; i < x->n_pids; i++) {
                free(x->pids[i].scontext);
                free(x->pids[i].unit);
        }
        free(x->pids);
        free(x->pid_slots);
        for (size_t i = 0; i < x->n_dropins; i++) {
                free(x->dropins[i].type);
                free(x->dropins[i].unit);
        }
        free(x->dropins);
        for (size_t i = 0; i < x->n_type_attrs; i++) {
                free(x->type_attrs[i].type);
                strv_free(x->type_attrs[i].names);
        }
        free(x->type_attrs);
        free(x);
}

size_t explain_n_groups(const struct explain *x)
{
        return x->n_groups;
}

struct explain_group *explain_get_group(struct explain *x, size_t i)
{
        return i < x->n_groups ? &x->groups[i] : NULL;
}

size_t explain_take_new(struct explain *x, size_t **ret_indexes)
{
        size_t n = 0;
        size_t *idx = malloc((x->n_groups + 1) * sizeof(size_t));
        if (!idx) {
                *ret_indexes = NULL;
                return 0;
        }
        for (size_t i = 0; i < x->n_groups; i++)
                if (x->fresh[i]) {
                        idx[n++] = i;
                        x->fresh[i] = false;
                }
        *ret_indexes = idx;
        return n;
}

/* ---- which unit -------------------------------------------------------- */

static uint64_t hash_str(uint64_t h, const char *s)
{
        for (const unsigned char *p = (const unsigned char *) (s ? s : "\x01"); *p; p++) {
                h ^= *p;
                h *= 0x100000001b3ULL;
        }
        h ^= 0xff;
        h *= 0x100000001b3ULL;
        return h;
}

int explain_start(const struct journal_start *s, void *userdata)
{
        struct explain *x = userdata;
        struct start_entry *n = realloc(x->starts, (x->n_starts + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        x->starts = n;
        char buf[TYPE_MAX];
        struct start_entry *e = &n[x->n_starts];
        *e = (struct start_entry){.usec = s->usec, .pid = s->pid};
        e->unit = strdup(s->unit);
        e->domain_type =
                s->domain ? strdup(explain_context_type(s->domain, buf, sizeof(buf))) : NULL;
        if (!e->unit || (s->domain && !e->domain_type)) {
                free(e->unit);
                free(e->domain_type);
                return -ENOMEM;
        }
        x->n_starts++;
        return 0;
}

/* The newest start of this PID not after the denial, in the denied domain
 * (a PID recycled by another unit would run in another domain). */
static const char *unit_from_journal(struct explain *x, const struct avc_record *r)
{
        if (!r->pid)
                return NULL;
        char buf[TYPE_MAX];
        const char *type = explain_context_type(r->scontext, buf, sizeof(buf));
        const struct start_entry *best = NULL;
        for (size_t i = 0; i < x->n_starts; i++) {
                const struct start_entry *s = &x->starts[i];
                if (s->pid != r->pid || (r->usec && s->usec > r->usec))
                        continue;
                if (s->domain_type && strcmp(s->domain_type, type))
                        continue;
                if (!best || s->usec >= best->usec)
                        best = s;
        }
        return best ? best->unit : NULL;
}

static char *read_small_file(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        char buf[8192];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return NULL;
        buf[n] = 0;
        return strdup(buf);
}

/* The unit in a cgroup path: the last component that names a service or
 * scope ("/machine.slice/planet.service/payload/system.slice/kubelet.service"
 * → kubelet.service: the innermost manager's unit). */
static char *unit_from_cgroup_path(const char *path)
{
        char *best = NULL;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *e = p;
                while (*e && *e != '/' && *e != '\n')
                        e++;
                size_t n = (size_t) (e - p);
                if ((n > 8 && !memcmp(e - 8, ".service", 8)) ||
                    (n > 6 && !memcmp(e - 6, ".scope", 6))) {
                        free(best);
                        best = strndup(p, n);
                }
                if (*e != '/')
                        break;
                p = e;
        }
        return best;
}

static int pid_cache_add(struct explain *x, uint64_t h, pid_t pid, const char *scontext,
                         const char *unit)
{
        if ((x->n_pids + 1) * 2 > x->cap_pid_slots) {
                size_t cap = x->cap_pid_slots ? x->cap_pid_slots * 2 : 256;
                size_t *slots = calloc(cap, sizeof(*slots));
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < x->n_pids; i++) {
                        uint64_t hi = hash_str(0xcbf29ce484222325ULL ^ (uint64_t) x->pids[i].pid,
                                               x->pids[i].scontext);
                        size_t j = hi & (cap - 1);
                        while (slots[j])
                                j = (j + 1) & (cap - 1);
                        slots[j] = i + 1;
                }
                free(x->pid_slots);
                x->pid_slots = slots;
                x->cap_pid_slots = cap;
        }
        struct pid_unit *n = realloc(x->pids, (x->n_pids + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        x->pids = n;
        struct pid_unit *e = &n[x->n_pids];
        e->pid = pid;
        e->scontext = strdup(scontext);
        e->unit = unit ? strdup(unit) : NULL;
        if (!e->scontext || (unit && !e->unit)) {
                free(e->scontext);
                free(e->unit);
                return -ENOMEM;
        }
        size_t j = h & (x->cap_pid_slots - 1);
        while (x->pid_slots[j])
                j = (j + 1) & (x->cap_pid_slots - 1);
        x->pid_slots[j] = ++x->n_pids;
        return 0;
}

/* /proc/PID/cgroup, if the process is still the one that was denied: same
 * SELinux context (attr/current), or same comm when contexts cannot be read. */
static char *unit_from_proc(struct explain *x, const struct avc_record *r)
{
        if (!x->o.proc_root || !r->pid || !r->scontext)
                return NULL;
        /* One look at /proc per (PID, context): a log repeats them a lot. */
        uint64_t h = hash_str(0xcbf29ce484222325ULL ^ (uint64_t) r->pid, r->scontext);
        if (x->cap_pid_slots) {
                for (size_t j = h & (x->cap_pid_slots - 1); x->pid_slots[j];
                     j = (j + 1) & (x->cap_pid_slots - 1)) {
                        const struct pid_unit *c = &x->pids[x->pid_slots[j] - 1];
                        if (c->pid == r->pid && !strcmp(c->scontext, r->scontext))
                                return c->unit ? strdup(c->unit) : NULL;
                }
        }

        char path[4096];
        char *unit = NULL;
        snprintf(path, sizeof(path), "%s/%d/attr/current", x->o.proc_root, (int) r->pid);
        _cleanup_free_ char *current = read_small_file(path);
        bool same = false;
        if (current) {
                current[strcspn(current, "\n")] = 0;
                same = !strcmp(current, r->scontext);
        } else if (r->comm) {
                snprintf(path, sizeof(path), "%s/%d/comm", x->o.proc_root, (int) r->pid);
                _cleanup_free_ char *comm = read_small_file(path);
                if (comm) {
                        comm[strcspn(comm, "\n")] = 0;
                        same = !strncmp(comm, r->comm, 15); /* comm is truncated to 15 */
                }
        }
        if (same) {
                snprintf(path, sizeof(path), "%s/%d/cgroup", x->o.proc_root, (int) r->pid);
                _cleanup_free_ char *cg = read_small_file(path);
                /* cgroup v2 "0::/path"; v1: the name=systemd hierarchy. */
                for (char *line = cg; line && *line;) {
                        char *nl = strchr(line, '\n');
                        if (nl)
                                *nl = 0;
                        char *c1 = strchr(line, ':');
                        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (c2 &&
                            (!strncmp(line, "0::", 3) || !strncmp(c1 + 1, "name=systemd:", 13))) {
                                free(unit);
                                unit = unit_from_cgroup_path(c2 + 1);
                                if (!strncmp(line, "0::", 3) && unit)
                                        break;
                        }
                        line = nl ? nl + 1 : NULL;
                }
        }
        (void) pid_cache_add(x, h, r->pid, r->scontext, unit); /* a cache: best effort */
        return unit;
}

/* The value after --expect-domain / --domain in a drop-in's text. */
static int scan_dropin(struct explain *x, const char *unit, const char *text)
{
        static const char *const opts[] = {"--expect-domain", "--domain"};
        for (size_t o = 0; o < ELEMENTSOF(opts); o++) {
                size_t on = strlen(opts[o]);
                for (const char *p = strstr(text, opts[o]); p; p = strstr(p + on, opts[o])) {
                        const char *v = p + on;
                        if (*v != '=' && *v != ' ' && *v != '\t')
                                continue;
                        v += strspn(v, "= \t\"'");
                        size_t n = strcspn(v, " \t\n\"'");
                        if (n == 0)
                                continue;
                        _cleanup_free_ char *value = strndup(v, n);
                        if (!value)
                                return -ENOMEM;
                        char buf[TYPE_MAX];
                        const char *type = explain_context_type(value, buf, sizeof(buf));
                        bool dup = false;
                        for (size_t i = 0; i < x->n_dropins; i++)
                                if (!strcmp(x->dropins[i].type, type) &&
                                    !strcmp(x->dropins[i].unit, unit))
                                        dup = true;
                        if (dup)
                                continue;
                        struct dropin_entry *d =
                                realloc(x->dropins, (x->n_dropins + 1) * sizeof(*d));
                        if (!d)
                                return -ENOMEM;
                        x->dropins = d;
                        d[x->n_dropins].type = strdup(type);
                        d[x->n_dropins].unit = strdup(unit);
                        if (!d[x->n_dropins].type || !d[x->n_dropins].unit) {
                                free(d[x->n_dropins].type);
                                free(d[x->n_dropins].unit);
                                return -ENOMEM;
                        }
                        x->n_dropins++;
                }
        }
        return 0;
}

#define DROPIN_NAME "50-planet-selinux.conf"

static int load_dropins(struct explain *x)
{
        if (x->dropins_loaded)
                return 0;
        x->dropins_loaded = true;
        STRV_FOREACH (dir, x->unit_dirs) {
                DIR *d = opendir(*dir);
                if (!d)
                        continue; /* most of the default directories do not exist */
                struct dirent *de;
                while ((de = readdir(d))) {
                        size_t n = strlen(de->d_name);
                        if (n < 3 || strcmp(de->d_name + n - 2, ".d"))
                                continue;
                        char path[4096];
                        snprintf(path, sizeof(path), "%s/%s/%s", *dir, de->d_name, DROPIN_NAME);
                        _cleanup_free_ char *text = read_small_file(path);
                        if (!text)
                                continue;
                        _cleanup_free_ char *unit = strndup(de->d_name, n - 2);
                        int r = unit ? scan_dropin(x, unit, text) : -ENOMEM;
                        if (r < 0) {
                                closedir(d);
                                return r;
                        }
                }
                closedir(d);
        }
        return 0;
}

/* Units whose drop-ins name the denied domain: one → that unit; several →
 * "a.service|b.service" (the caller says which method answered). */
static char *unit_from_dropins(struct explain *x, const struct avc_record *r, bool *several)
{
        if (load_dropins(x) < 0 || !r->scontext)
                return NULL;
        char buf[TYPE_MAX];
        const char *type = explain_context_type(r->scontext, buf, sizeof(buf));
        char *out = NULL;
        size_t n = 0;
        for (size_t i = 0; i < x->n_dropins; i++) {
                if (strcmp(x->dropins[i].type, type))
                        continue;
                size_t len = out ? strlen(out) : 0;
                char *o = realloc(out, len + strlen(x->dropins[i].unit) + 2);
                if (!o) {
                        free(out);
                        return NULL;
                }
                out = o;
                sprintf(out + len, "%s%s", len ? "|" : "", x->dropins[i].unit);
                n++;
        }
        *several = n > 1;
        return out;
}

static char *map_unit(struct explain *x, const struct avc_record *r,
                      enum explain_unit_method *method)
{
        const char *j = unit_from_journal(x, r);
        if (j) {
                *method = EXPLAIN_UNIT_JOURNAL;
                return strdup(j);
        }
        char *u = unit_from_proc(x, r);
        if (u) {
                *method = EXPLAIN_UNIT_CGROUP;
                return u;
        }
        bool several = false;
        u = unit_from_dropins(x, r, &several);
        if (u) {
                *method = several ? EXPLAIN_UNIT_DROPINS : EXPLAIN_UNIT_DROPIN;
                return u;
        }
        *method = EXPLAIN_UNIT_UNKNOWN;
        return NULL;
}

/* ---- grouping ---------------------------------------------------------- */

/* Invalid-context groups are also keyed by the context the policy computed:
 * each is its own missing `role … types …`. */
static const char *group_extra(enum avc_kind kind, const char *invalid_context)
{
        return kind == AVC_KIND_INVALID_CONTEXT ? invalid_context : NULL;
}

static uint64_t group_hash(const char *unit, const char *scon, const char *tcon, const char *tclass,
                           enum avc_kind kind, bool user_avc, const char *extra)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        h = hash_str(h, unit);
        h = hash_str(h, scon);
        h = hash_str(h, tcon);
        h = hash_str(h, tclass);
        h = hash_str(h, extra);
        h ^= (uint64_t) kind * 31 + user_avc;
        return h ? h : 1;
}

static bool streq_null(const char *a, const char *b)
{
        return a == b || (a && b && !strcmp(a, b));
}

static int slots_grow(struct explain *x)
{
        size_t cap = x->cap_slots ? x->cap_slots * 2 : 256;
        struct group_slot *n = calloc(cap, sizeof(*n));
        if (!n)
                return -ENOMEM;
        for (size_t i = 0; i < x->cap_slots; i++) {
                if (!x->slots[i].index)
                        continue;
                size_t j = x->slots[i].hash & (cap - 1);
                while (n[j].index)
                        j = (j + 1) & (cap - 1);
                n[j] = x->slots[i];
        }
        free(x->slots);
        x->slots = n;
        x->cap_slots = cap;
        return 0;
}

static int perms_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Add perms to the group's sorted set. */
static int perms_union(char ***set, char **add)
{
        size_t n = 0;
        STRV_FOREACH (p, *set)
                n++;
        STRV_FOREACH (a, add) {
                bool have = false;
                for (size_t i = 0; i < n; i++)
                        if (!strcmp((*set)[i], *a))
                                have = true;
                if (have)
                        continue;
                char **ns = realloc(*set, (n + 2) * sizeof(char *));
                if (!ns)
                        return -ENOMEM;
                *set = ns;
                if (!(ns[n] = strdup(*a)))
                        return -ENOMEM;
                ns[++n] = NULL;
        }
        if (n > 1)
                qsort(*set, n, sizeof(char *), perms_cmp);
        return 0;
}

static int set_once(char **dst, const char *v)
{
        if (*dst || !v)
                return 0;
        *dst = strdup(v);
        return *dst ? 0 : -ENOMEM;
}

static char *record_detail(const struct avc_record *r)
{
        char buf[512];
        size_t o = 0;
        buf[0] = 0;
        if (r->kind == AVC_KIND_INVALID_CONTEXT && r->invalid_context)
                return strdup(r->invalid_context);
        if (r->kind == AVC_KIND_BOUNDED_TRANSITION)
                return r->newcontext ? strdup(r->newcontext) : NULL;
        if (r->kind == AVC_KIND_VALIDATE_TRANSITION)
                return r->taskcontext ? strdup(r->taskcontext) : NULL;
        static const char *const keys[] = {"capability", "saddr", "src",     "daddr",
                                           "dest",       "netif", "laddr",   "lport",
                                           "faddr",      "fport", "ioctlcmd"};
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = avc_record_get(r, keys[i]);
                if (v && o < sizeof(buf))
                        o += (size_t) snprintf(buf + o, sizeof(buf) - o, "%s%s=%s", o ? " " : "",
                                               keys[i], v);
        }
        return o ? strdup(buf) : NULL;
}

static int add_record(struct explain *x, const struct avc_record *r)
{
        enum avc_kind kind = r->kind;
        if (kind == AVC_KIND_POLICY_LOAD) {
                if (r->usec > x->last_policy_load)
                        x->last_policy_load = r->usec;
                return 0;
        }
        if (kind == AVC_KIND_OTHER || (kind == AVC_KIND_GRANTED && !x->o.include_granted))
                return 0;

        /* Subject/target of the group: for transition errors, old → new. */
        const char *scon = r->scontext, *tcon = r->tcontext, *tclass = r->tclass;
        if (kind == AVC_KIND_BOUNDED_TRANSITION || kind == AVC_KIND_VALIDATE_TRANSITION) {
                scon = r->oldcontext;
                tcon = r->newcontext;
                tclass = tclass ? tclass : "process";
        }
        if (!scon || !tcon || !tclass)
                return 0; /* nothing to explain without both ends */

        enum explain_unit_method method;
        _cleanup_free_ char *unit = NULL;
        {
                /* Map by the transition's old context for transition errors. */
                struct avc_record tmp = *r;
                tmp.scontext = (char *) scon;
                unit = map_unit(x, &tmp, &method);
        }
        bool user_avc = r->type == AVC_TYPE_USER_AVC;

        const char *extra = group_extra(kind, r->invalid_context);
        uint64_t h = group_hash(unit, scon, tcon, tclass, kind, user_avc, extra);
        if ((x->n_groups + 1) * 2 > x->cap_slots && slots_grow(x) < 0)
                return -ENOMEM;
        size_t j = h & (x->cap_slots - 1);
        struct explain_group *g = NULL;
        while (x->slots[j].index) {
                struct explain_group *c = &x->groups[x->slots[j].index - 1];
                if (x->slots[j].hash == h && c->kind == kind && c->user_avc == user_avc &&
                    streq_null(c->unit, unit) && !strcmp(c->scontext, scon) &&
                    !strcmp(c->tcontext, tcon) && !strcmp(c->tclass, tclass) &&
                    streq_null(group_extra(c->kind, c->detail), extra)) {
                        g = c;
                        break;
                }
                j = (j + 1) & (x->cap_slots - 1);
        }
        if (!g) {
                if (x->n_groups == x->cap_groups) {
                        size_t cap = x->cap_groups ? x->cap_groups * 2 : 64;
                        struct explain_group *ng = realloc(x->groups, cap * sizeof(*ng));
                        if (!ng)
                                return -ENOMEM;
                        x->groups = ng;
                        bool *nd = realloc(x->done, cap * sizeof(bool));
                        if (!nd)
                                return -ENOMEM;
                        x->done = nd;
                        bool *nf = realloc(x->fresh, cap * sizeof(bool));
                        if (!nf)
                                return -ENOMEM;
                        x->fresh = nf;
                        x->cap_groups = cap;
                }
                g = &x->groups[x->n_groups];
                *g = (struct explain_group){.unit_method = method,
                                            .kind = kind,
                                            .user_avc = user_avc,
                                            .first_usec = r->usec,
                                            .pid = r->pid};
                g->unit = TAKE_PTR(unit);
                g->scontext = strdup(scon);
                g->tcontext = strdup(tcon);
                g->tclass = strdup(tclass);
                g->detail = record_detail(r);
                x->done[x->n_groups] = false;
                x->fresh[x->n_groups] = false;
                x->n_groups++;
                x->slots[j] = (struct group_slot){.hash = h, .index = x->n_groups};
                if (!g->scontext || !g->tcontext || !g->tclass)
                        return -ENOMEM;
        }
        size_t gi = (size_t) (g - x->groups);
        g->count++;
        if (r->usec && (!g->first_usec || r->usec < g->first_usec))
                g->first_usec = r->usec;
        if (r->usec > g->last_usec)
                g->last_usec = r->usec;
        if (r->permissive == 1)
                g->permissive = true;
        x->fresh[gi] = true;
        int rr;
        if ((rr = perms_union(&g->perms, r->perms)) < 0 || (rr = set_once(&g->comm, r->comm)) < 0 ||
            (rr = set_once(&g->exe, r->exe)) < 0 || (rr = set_once(&g->path, r->path)) < 0 ||
            (rr = set_once(&g->name, r->name)) < 0 ||
            (rr = set_once(&g->srawcon, r->srawcon)) < 0 ||
            (rr = set_once(&g->trawcon, r->trawcon)) < 0)
                return rr;
        return 0;
}

int explain_event(struct avc_event *e, void *userdata)
{
        struct explain *x = userdata;
        for (size_t i = 0; i < e->n_records; i++) {
                if (!e->records[i])
                        continue;
                int r = add_record(x, e->records[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- verdicts ---------------------------------------------------------- */

static char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
static char *strdup_printf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

static char *join_perms(char **perms, bool braces)
{
        size_t n = 0, len = 4;
        STRV_FOREACH (p, perms) {
                n++;
                len += strlen(*p) + 1;
        }
        char *s = malloc(len), *q = s;
        if (!s)
                return NULL;
        if (braces && n > 1)
                q = stpcpy(q, "{ ");
        STRV_FOREACH (p, perms) {
                if (p != perms)
                        *q++ = ' ';
                q = stpcpy(q, *p);
        }
        if (braces && n > 1)
                q = stpcpy(q, " }");
        *q = 0;
        return s;
}

static int make_rules(struct explain_group *g)
{
        char sb[TYPE_MAX], tb[TYPE_MAX];
        const char *s = explain_context_type(g->scontext, sb, sizeof(sb));
        const char *t = explain_context_type(g->tcontext, tb, sizeof(tb));
        if (!strcmp(s, t))
                t = "self";
        _cleanup_free_ char *te = join_perms(g->perms, true);
        _cleanup_free_ char *cil = join_perms(g->perms, false);
        if (!te || !cil)
                return -ENOMEM;
        g->rule_te = strdup_printf("allow %s %s:%s %s;", s, t, g->tclass, te);
        g->rule_cil = strdup_printf("(allow %s %s (%s (%s)))", s, t, g->tclass, cil);
        return g->rule_te && g->rule_cil ? 0 : -ENOMEM;
}

/* Does a conditional rule list hold an allow rule for (stype, ttype, class)
 * with any of av? Types match through the policy's type→attribute map. */
static bool cond_list_grants(policydb_t *p, cond_av_list_t *l, uint32_t stype, uint32_t ttype,
                             uint16_t tclass, uint32_t av)
{
        for (; l; l = l->next) {
                avtab_key_t *k = &l->node->key;
                if (!(k->specified & AVTAB_ALLOWED) || k->target_class != tclass)
                        continue;
                if (!(l->node->datum.data & av))
                        continue;
                if (!ebitmap_get_bit(&p->type_attr_map[stype - 1], k->source_type - 1) ||
                    !ebitmap_get_bit(&p->type_attr_map[ttype - 1], k->target_type - 1))
                        continue;
                return true;
        }
        return false;
}

static int add_boolean(struct explain_group *g, const char *name, bool value)
{
        for (size_t i = 0; i < g->n_booleans; i++)
                if (!strcmp(g->booleans[i].name, name))
                        return 0;
        struct explain_boolean *n = realloc(g->booleans, (g->n_booleans + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        g->booleans = n;
        n[g->n_booleans].name = strdup(name);
        n[g->n_booleans].value = value;
        if (!n[g->n_booleans].name)
                return -ENOMEM;
        g->n_booleans++;
        return 0;
}

static int bool_cmp(const void *a, const void *b)
{
        return strcmp(((const struct explain_boolean *) a)->name,
                      ((const struct explain_boolean *) b)->name);
}

/* libsepol names the operand of a conditional expression `bool`, which
 * <stdbool.h> defines as a macro: read it with the macro out of the way. */
#pragma push_macro("bool")
#undef bool
static uint32_t cond_expr_bool(const cond_expr_t *e)
{
        return e->bool;
}
#pragma pop_macro("bool")

/* Booleans that, flipped alone, make the access allowed. */
static int find_booleans(policydb_t *p, struct explain_group *g, sepol_security_id_t ssid,
                         sepol_security_id_t tsid, sepol_security_class_t tclass,
                         sepol_access_vector_t av, uint32_t stype, uint32_t ttype)
{
        size_t nb = p->p_bools.nprim;
        if (nb == 0)
                return 0;
        _cleanup_free_ bool *candidate = calloc(nb, sizeof(bool));
        if (!candidate)
                return -ENOMEM;
        bool any = false;
        for (cond_list_t *c = p->cond_list; c; c = c->next) {
                if (!cond_list_grants(p, c->true_list, stype, ttype, tclass, av) &&
                    !cond_list_grants(p, c->false_list, stype, ttype, tclass, av))
                        continue;
                for (cond_expr_t *e = c->expr; e; e = e->next)
                        if (cond_expr_bool(e) > 0 && cond_expr_bool(e) <= nb) {
                                candidate[cond_expr_bool(e) - 1] = true;
                                any = true;
                        }
        }
        if (!any)
                return 0;
        int r = 0;
        for (size_t i = 0; i < nb && r == 0; i++) {
                if (!candidate[i])
                        continue;
                cond_bool_datum_t *b = p->bool_val_to_struct[i];
                int saved = b->state;
                b->state = !saved;
                evaluate_conds(p);
                struct sepol_av_decision avd;
                unsigned int reason = 0;
                if (sepol_compute_av_reason(ssid, tsid, tclass, av, &avd, &reason) == 0 &&
                    reason == 0)
                        r = add_boolean(g, p->p_bool_val_to_name[i], !saved);
                b->state = saved;
                evaluate_conds(p);
        }
        if (g->n_booleans > 1)
                qsort(g->booleans, g->n_booleans, sizeof(*g->booleans), bool_cmp);
        return r;
}

static uint32_t type_value(policydb_t *p, const char *context)
{
        char buf[TYPE_MAX];
        const char *t = explain_context_type(context, buf, sizeof(buf));
        type_datum_t *d = hashtab_search(p->p_types.table, (hashtab_key_t) t);
        return d ? d->s.value : 0;
}

static char *role_of(const char *context)
{
        const char *a = strchr(context, ':');
        const char *b = a ? strchr(a + 1, ':') : NULL;
        return b ? strndup(a + 1, (size_t) (b - a - 1)) : NULL;
}

static char *user_of(const char *context)
{
        const char *a = strchr(context, ':');
        return a ? strndup(context, (size_t) (a - context)) : NULL;
}

static int verdict_invalid_context(policydb_t *p, struct explain_group *g)
{
        const char *ctx = g->detail ? g->detail : "?";
        char tb[TYPE_MAX];
        const char *type = explain_context_type(ctx, tb, sizeof(tb));
        g->verdict = EXPLAIN_VERDICT_INVALID_CONTEXT;
        _cleanup_free_ char *role = role_of(ctx), *user = user_of(ctx);
        if (p && !hashtab_search(p->p_types.table, (hashtab_key_t) type)) {
                g->reason = strdup_printf("the policy computed %s for %s, but type %s is not "
                                          "in this policy",
                                          ctx, g->tclass, type);
                g->fix = strdup_printf("load the module that declares %s (semodule -i), or fix "
                                       "the type_transition that names it",
                                       type);
        } else {
                g->reason = strdup_printf("the policy computed %s, which it does not accept: "
                                          "role %s is not authorized for type %s (or user %s "
                                          "for role %s)",
                                          ctx, role ? role : "?", type, user ? user : "?",
                                          role ? role : "?");
                g->fix = strdup_printf("add `role %s types %s;` to the module that declares %s",
                                       role ? role : "?", type, type);
        }
        return g->reason && g->fix ? 0 : -ENOMEM;
}

static int verdict_bounds(struct explain_group *g)
{
        char sb[TYPE_MAX], tb[TYPE_MAX];
        const char *s = explain_context_type(g->scontext, sb, sizeof(sb));
        const char *t = explain_context_type(g->tcontext, tb, sizeof(tb));
        g->verdict = EXPLAIN_VERDICT_BOUNDS;
        g->reason = strdup_printf(
                "the transition %s → %s happened under NoNewPrivileges or a nosuid mount, and "
                "%s is neither bounded by %s nor allowed nnp_transition/nosuid_transition",
                s, t, t, s);
        g->fix = strdup_printf("allow the transition under NNP (see rule), or drop "
                               "NoNewPrivileges= from the unit");
        g->rule_te =
                strdup_printf("allow %s %s:process2 { nnp_transition nosuid_transition };", s, t);
        g->rule_cil =
                strdup_printf("(allow %s %s (process2 (nnp_transition nosuid_transition)))", s, t);
        return g->reason && g->fix && g->rule_te && g->rule_cil ? 0 : -ENOMEM;
}

/* security_validate_transition: a (mls)validatetrans constraint refused to
 * relabel an object from the old to the new context. */
static int verdict_validatetrans(struct explain_group *g)
{
        g->verdict = EXPLAIN_VERDICT_CONSTRAINT;
        g->reason = strdup_printf("a validatetrans constraint refused relabeling a %s from %s "
                                  "to %s%s%s",
                                  g->tclass, g->scontext, g->tcontext, g->detail ? " by " : "",
                                  g->detail ? g->detail : "");
        g->fix = strdup("relabel within what the policy's (mls)validatetrans rules permit "
                        "(seinfo --validatetrans); an allow rule does not help");
        return g->reason && g->fix ? 0 : -ENOMEM;
}

static int verdict_denial(policydb_t *p, struct explain_group *g)
{
        int r = make_rules(g);
        if (r < 0)
                return r;
        if (!p) {
                g->verdict = EXPLAIN_VERDICT_UNKNOWN;
                g->reason = strdup("no policy to ask (give --policy FILE)");
                return g->reason ? 0 : -ENOMEM;
        }
        char sb[TYPE_MAX], tb[TYPE_MAX];
        const char *s = explain_context_type(g->scontext, sb, sizeof(sb));
        const char *t = explain_context_type(g->tcontext, tb, sizeof(tb));
        sepol_security_id_t ssid, tsid;
        if (sepol_context_to_sid(g->scontext, strlen(g->scontext) + 1, &ssid) < 0 ||
            sepol_context_to_sid(g->tcontext, strlen(g->tcontext) + 1, &tsid) < 0) {
                bool src = sepol_context_to_sid(g->scontext, strlen(g->scontext) + 1, &ssid) < 0;
                g->verdict = EXPLAIN_VERDICT_BAD_CONTEXT;
                g->reason = strdup_printf("%s %s is not valid in this policy: the denial was "
                                          "logged under another policy, or a module is missing",
                                          src ? "source context" : "target context",
                                          src ? g->scontext : g->tcontext);
                return g->reason ? 0 : -ENOMEM;
        }
        sepol_security_class_t tclass;
        if (sepol_string_to_security_class(g->tclass, &tclass) < 0) {
                g->verdict = EXPLAIN_VERDICT_BAD_CLASS;
                g->reason = strdup_printf("class %s is not in this policy", g->tclass);
                return g->reason ? 0 : -ENOMEM;
        }
        /* A permission this policy's class lacks (the denial came from
         * another policy) cannot go into a rule; judge the others. */
        sepol_access_vector_t av = 0;
        _cleanup_free_ char *unknown = NULL;
        size_t w = 0;
        for (size_t i = 0; g->perms && g->perms[i]; i++) {
                sepol_access_vector_t one = 0;
                if (sepol_string_to_av_perm(tclass, g->perms[i], &one) < 0) {
                        char *u = strdup_printf("%s%s%s", unknown ? unknown : "",
                                                unknown ? " " : "", g->perms[i]);
                        if (!u)
                                return -ENOMEM;
                        free(unknown);
                        unknown = u;
                        free(g->perms[i]);
                        continue;
                }
                av |= one;
                g->perms[w++] = g->perms[i];
        }
        if (g->perms)
                g->perms[w] = NULL;
        if (unknown) {
                char *d = strdup_printf("%s%snot in this policy's class %s: %s",
                                        g->detail ? g->detail : "", g->detail ? "; " : "",
                                        g->tclass, unknown);
                if (!d)
                        return -ENOMEM;
                free(g->detail);
                g->detail = d;
                free(g->rule_te);
                free(g->rule_cil);
                g->rule_te = g->rule_cil = NULL;
                if (w == 0) {
                        g->verdict = EXPLAIN_VERDICT_BAD_CLASS;
                        g->reason = strdup_printf("class %s has no permission %s in this policy",
                                                  g->tclass, unknown);
                        return g->reason ? 0 : -ENOMEM;
                }
                if ((r = make_rules(g)) < 0)
                        return r;
        }
        struct sepol_av_decision avd;
        unsigned int reason = 0;
        char *buf = NULL;
        if (sepol_compute_av_reason_buffer(ssid, tsid, tclass, av, &avd, &reason, &buf, 0) < 0) {
                free(buf);
                g->verdict = EXPLAIN_VERDICT_UNKNOWN;
                g->reason = strdup("libsepol could not compute the access decision");
                return g->reason ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *constraint = buf;

        if (reason == 0) {
                g->verdict = EXPLAIN_VERDICT_ALLOWED;
                g->reason = strdup(g->before_policy_load
                                           ? "allowed by the current policy: a policy load "
                                             "after the denial granted it"
                                           : "allowed by the current policy: it or a boolean "
                                             "changed since the denial, or the denial came "
                                             "from another policy");
                g->fix = strdup("nothing, unless it recurs (then compare the policies)");
                return g->reason && g->fix ? 0 : -ENOMEM;
        }
        if (reason & SEPOL_COMPUTEAV_TE) {
                r = find_booleans(p, g, ssid, tsid, tclass, av, type_value(p, g->scontext),
                                  type_value(p, g->tcontext));
                if (r < 0)
                        return r;
                if (g->n_booleans > 0) {
                        g->verdict = EXPLAIN_VERDICT_BOOLEAN;
                        size_t len = 1;
                        for (size_t i = 0; i < g->n_booleans; i++)
                                len += strlen(g->booleans[i].name) + 24;
                        char *names = malloc(len), *q = names;
                        if (!names)
                                return -ENOMEM;
                        *q = 0;
                        for (size_t i = 0; i < g->n_booleans; i++)
                                q += sprintf(q, "%s%s", i ? " or " : "", g->booleans[i].name);
                        g->reason = strdup_printf("boolean %s is off; turning it on allows this",
                                                  names);
                        g->fix = strdup_printf("setsebool -P %s %s", g->booleans[0].name,
                                               g->booleans[0].value ? "on" : "off");
                        free(names);
                        return g->reason && g->fix ? 0 : -ENOMEM;
                }
                if (av & ~avd.auditdeny) {
                        g->verdict = EXPLAIN_VERDICT_DONTAUDIT;
                        g->reason = strdup_printf(
                                "no allow rule, and a dontaudit rule normally hides this "
                                "denial (was the policy built with semodule -DB?)");
                        g->fix = strdup("usually harmless probing; add the rule only if the "
                                        "service fails without it");
                } else {
                        g->verdict = EXPLAIN_VERDICT_TE_RULE;
                        g->reason = strdup_printf("no allow rule grants %s %s on %s:%s", s,
                                                  g->perms && g->perms[0] && g->perms[1]
                                                          ? "these permissions"
                                                          : "this permission",
                                                  t, g->tclass);
                        g->fix = strdup("add the rule (or an interface that grants it) to the "
                                        "module of the source domain");
                }
                return g->reason && g->fix ? 0 : -ENOMEM;
        }
        if (reason & SEPOL_COMPUTEAV_CONS) {
                g->verdict = EXPLAIN_VERDICT_CONSTRAINT;
                if (constraint) {
                        /* libsepol's text spans lines; keep the expression. */
                        for (char *c = constraint; *c; c++)
                                if (*c == '\n' || *c == '\t')
                                        *c = ' ';
                        g->constraint = strdup(constraint);
                }
                _cleanup_free_ char *su = user_of(g->scontext), *tu = user_of(g->tcontext);
                _cleanup_free_ char *sr = role_of(g->scontext), *tr = role_of(g->tcontext);
                g->reason = strdup_printf(
                        "a constraint refuses it although a TE rule allows it (users %s/%s, "
                        "roles %s/%s)",
                        su ? su : "?", tu ? tu : "?", sr ? sr : "?", tr ? tr : "?");
                g->fix = strdup("make the users/roles/levels match, or give the source type the "
                                "attribute the constraint exempts (an allow rule does not help)");
                free(g->rule_te);
                free(g->rule_cil);
                g->rule_te = g->rule_cil = NULL;
                return g->reason && g->fix ? 0 : -ENOMEM;
        }
        if (reason & SEPOL_COMPUTEAV_RBAC) {
                _cleanup_free_ char *sr = role_of(g->scontext), *tr = role_of(g->tcontext);
                g->verdict = EXPLAIN_VERDICT_RBAC;
                g->reason = strdup_printf("role %s may not change to role %s", sr ? sr : "?",
                                          tr ? tr : "?");
                g->fix = strdup_printf("add `allow %s %s;` (role allow) to the policy",
                                       sr ? sr : "?", tr ? tr : "?");
                free(g->rule_te);
                free(g->rule_cil);
                g->rule_te = strdup_printf("allow %s %s;", sr ? sr : "?", tr ? tr : "?");
                g->rule_cil = strdup_printf("(roleallow %s %s)", sr ? sr : "?", tr ? tr : "?");
                return g->reason && g->fix && g->rule_te && g->rule_cil ? 0 : -ENOMEM;
        }
        if (reason & SEPOL_COMPUTEAV_BOUNDS) {
                g->verdict = EXPLAIN_VERDICT_BOUNDS;
                g->reason = strdup_printf("%s is bounded by a parent type that lacks this "
                                          "permission (typebounds)",
                                          s);
                g->fix = strdup("grant the permission to the bounding (parent) type too");
                return g->reason && g->fix ? 0 : -ENOMEM;
        }
        g->verdict = EXPLAIN_VERDICT_UNKNOWN;
        g->reason = strdup("libsepol gave a reason this tool does not know");
        return g->reason ? 0 : -ENOMEM;
}

/* ---- label advice ------------------------------------------------------ */

static bool class_is_file(const char *c)
{
        static const char *const classes[] = {"file",     "dir",       "lnk_file", "chr_file",
                                              "blk_file", "sock_file", "fifo_file"};
        for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                if (!strcmp(c, classes[i]))
                        return true;
        return false;
}

static mode_t class_mode(const char *c)
{
        if (!strcmp(c, "dir"))
                return S_IFDIR;
        if (!strcmp(c, "lnk_file"))
                return S_IFLNK;
        if (!strcmp(c, "chr_file"))
                return S_IFCHR;
        if (!strcmp(c, "blk_file"))
                return S_IFBLK;
        if (!strcmp(c, "sock_file"))
                return S_IFSOCK;
        if (!strcmp(c, "fifo_file"))
                return S_IFIFO;
        return S_IFREG;
}

static int label_advice(struct explain *x, struct explain_group *g)
{
        if (!x->o.backend || !g->path || g->path[0] != '/' || !class_is_file(g->tclass))
                return 0;
        const char *actual = g->trawcon ? g->trawcon : g->tcontext;
        _cleanup_free_ char *expected = NULL;
        struct planet_error err = {0};
        int r = label_lookup_file_context(x->o.backend, g->path, class_mode(g->tclass), &expected,
                                          &err);
        planet_error_clear(&err);
        if (r == -ENOMEM)
                return r;
        /* The trap: file_contexts.subs_dist makes /var/run an alias of /run,
         * so the path is looked up as /run/…, and an .fc entry written for
         * /var/run/… (Debian's own policy has some) never applies. */
        bool var_run = !strncmp(g->path, "/var/run/", 9);
        _cleanup_free_ char *trap =
                var_run ? strdup_printf("%s is looked up as /run%s (/var/run is an "
                                        "alias of /run in file_contexts.subs_dist): "
                                        "an .fc entry for /var/run/… never applies, "
                                        "write it for /run/…",
                                        g->path, g->path + 8)
                        : NULL;
        if (var_run && !trap)
                return -ENOMEM;
        char ab[TYPE_MAX], eb[TYPE_MAX];
        const char *at = explain_context_type(actual, ab, sizeof(ab));
        const char *et = r >= 0 && expected ? explain_context_type(expected, eb, sizeof(eb)) : NULL;
        if (!et || !strcmp(at, et)) {
                /* No entry (<<none>>) or the label is what file_contexts says. */
                g->label_advice = TAKE_PTR(trap);
                return 0;
        }
        g->label_advice =
                strdup_printf("%s is %s but file_contexts says %s: run `restorecon -v "
                              "%s`%s%s",
                              g->path, at, et, g->path, trap ? "; " : "", trap ? trap : "");
        return g->label_advice ? 0 : -ENOMEM;
}

/* ---- finish ------------------------------------------------------------ */

static bool passes_filters(struct explain *x, const struct explain_group *g)
{
        if (x->o.only_unit) {
                if (!g->unit)
                        return false;
                /* "kubelet" matches kubelet.service; several units are "a|b". */
                size_t n = strlen(x->o.only_unit);
                bool hit = false;
                for (const char *u = g->unit; u && *u;) {
                        const char *e = strchr(u, '|');
                        size_t len = e ? (size_t) (e - u) : strlen(u);
                        if ((len == n && !strncmp(u, x->o.only_unit, n)) ||
                            (len == n + 8 && !strncmp(u, x->o.only_unit, n) &&
                             !strncmp(u + n, ".service", 8)))
                                hit = true;
                        u = e ? e + 1 : NULL;
                }
                if (!hit)
                        return false;
        }
        if (x->o.only_domain) {
                char a[TYPE_MAX], b[TYPE_MAX];
                if (strcmp(explain_context_type(g->scontext, a, sizeof(a)),
                           explain_context_type(x->o.only_domain, b, sizeof(b))))
                        return false;
        }
        return true;
}

int explain_finish(struct explain *x, struct planet_error *err)
{
        policydb_t *p = x->o.backend ? label_backend_get_policydb(x->o.backend) : NULL;
        /* Drop groups the filters exclude (compacting the array). */
        size_t w = 0;
        for (size_t i = 0; i < x->n_groups; i++) {
                if (!passes_filters(x, &x->groups[i])) {
                        group_done(&x->groups[i]);
                        continue;
                }
                x->groups[w] = x->groups[i];
                x->done[w] = x->done[i];
                x->fresh[w] = x->fresh[i];
                w++;
        }
        if (w != x->n_groups) {
                x->n_groups = w;
                /* Rebuild the index. */
                memset(x->slots, 0, x->cap_slots * sizeof(*x->slots));
                for (size_t i = 0; i < x->n_groups; i++) {
                        struct explain_group *g = &x->groups[i];
                        uint64_t h =
                                group_hash(g->unit, g->scontext, g->tcontext, g->tclass, g->kind,
                                           g->user_avc, group_extra(g->kind, g->detail));
                        size_t j = h & (x->cap_slots - 1);
                        while (x->slots[j].index)
                                j = (j + 1) & (x->cap_slots - 1);
                        x->slots[j] = (struct group_slot){.hash = h, .index = i + 1};
                }
        }
        for (size_t i = 0; i < x->n_groups; i++) {
                struct explain_group *g = &x->groups[i];
                if (x->done[i])
                        continue;
                g->before_policy_load =
                        x->last_policy_load && g->last_usec && g->last_usec < x->last_policy_load;
                int r;
                switch (g->kind) {
                case AVC_KIND_DENIED:
                        r = verdict_denial(p, g);
                        break;
                case AVC_KIND_GRANTED:
                        g->verdict = EXPLAIN_VERDICT_GRANTED;
                        g->reason = strdup("granted and logged by an auditallow rule");
                        r = g->reason ? 0 : -ENOMEM;
                        break;
                case AVC_KIND_INVALID_CONTEXT:
                        r = verdict_invalid_context(p, g);
                        break;
                case AVC_KIND_BOUNDED_TRANSITION:
                        r = verdict_bounds(g);
                        break;
                case AVC_KIND_VALIDATE_TRANSITION:
                        r = verdict_validatetrans(g);
                        break;
                default:
                        r = 0;
                }
                if (r >= 0)
                        r = label_advice(x, g);
                if (r < 0)
                        return planet_error_set(err, -r, "explaining denials: %s", strerror(-r));
                x->done[i] = true;
        }
        return 0;
}

/* ---- rules ------------------------------------------------------------- */

struct rule {
        char *key; /* "src tgt class" */
        char **perms;
};

static int rule_cmp(const void *a, const void *b)
{
        return strcmp(((const struct rule *) a)->key, ((const struct rule *) b)->key);
}

int explain_write_rules(struct explain *x, bool cil, FILE *out)
{
        struct rule *rules = NULL;
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < x->n_groups && r == 0; i++) {
                struct explain_group *g = &x->groups[i];
                /* A rule naming what the policy lacks would not compile. */
                if (g->kind != AVC_KIND_DENIED || !g->perms || !g->perms[0] ||
                    g->verdict == EXPLAIN_VERDICT_BAD_CONTEXT ||
                    g->verdict == EXPLAIN_VERDICT_BAD_CLASS)
                        continue;
                char sb[TYPE_MAX], tb[TYPE_MAX];
                const char *s = explain_context_type(g->scontext, sb, sizeof(sb));
                const char *t = explain_context_type(g->tcontext, tb, sizeof(tb));
                if (!strcmp(s, t))
                        t = "self";
                _cleanup_free_ char *key = strdup_printf("%s %s %s", s, t, g->tclass);
                if (!key) {
                        r = -ENOMEM;
                        break;
                }
                size_t k;
                for (k = 0; k < n; k++)
                        if (!strcmp(rules[k].key, key))
                                break;
                if (k == n) {
                        struct rule *nr = realloc(rules, (n + 1) * sizeof(*nr));
                        if (!nr) {
                                r = -ENOMEM;
                                break;
                        }
                        rules = nr;
                        rules[n++] = (struct rule){.key = TAKE_PTR(key)};
                }
                r = perms_union(&rules[k].perms, g->perms);
        }
        if (r == 0 && n > 1)
                qsort(rules, n, sizeof(*rules), rule_cmp);
        for (size_t k = 0; k < n; k++) {
                if (r == 0) {
                        char s[TYPE_MAX], t[TYPE_MAX], c[TYPE_MAX];
                        if (sscanf(rules[k].key, "%255s %255s %255s", s, t, c) != 3)
                                continue;
                        _cleanup_free_ char *perms = join_perms(rules[k].perms, !cil);
                        if (!perms)
                                r = -ENOMEM;
                        else if (cil)
                                fprintf(out, "(allow %s %s (%s (%s)))\n", s, t, c, perms);
                        else
                                fprintf(out, "allow %s %s:%s %s;\n", s, t, c, perms);
                }
                free(rules[k].key);
                strv_free(rules[k].perms);
        }
        free(rules);
        return r;
}

/* ---- interfaces -------------------------------------------------------- */

static bool type_matches(const char *type, const char *type_or_attribute, void *userdata)
{
        struct label_backend *b = userdata;
        if (!strcmp(type, type_or_attribute))
                return true;
        bool member = false;
        return label_type_has_attribute(b, type, type_or_attribute, &member) == 0 && member;
}

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The same answers from the snapshot explain_detach_policy() took. */
static bool type_matches_snapshot(const char *type, const char *type_or_attribute, void *userdata)
{
        const struct explain *x = userdata;
        if (!strcmp(type, type_or_attribute))
                return true;
        for (size_t i = 0; i < x->n_type_attrs; i++)
                if (!strcmp(x->type_attrs[i].type, type))
                        return bsearch(&type_or_attribute, x->type_attrs[i].names,
                                       x->type_attrs[i].n, sizeof(char *), cmp_strp) != NULL;
        return false;
}

static bool needs_interfaces(const struct explain *x, size_t i)
{
        const struct explain_group *g = &x->groups[i];
        return x->done[i] && !g->interfaces && g->kind == AVC_KIND_DENIED && g->perms &&
               (g->verdict == EXPLAIN_VERDICT_TE_RULE || g->verdict == EXPLAIN_VERDICT_DONTAUDIT ||
                g->verdict == EXPLAIN_VERDICT_UNKNOWN);
}

/* type_attr_map holds, per type, the type itself and every attribute it
 * is in: what label_type_has_attribute() consults. */
static int snapshot_type(policydb_t *p, const char *type, struct type_attrs *ret)
{
        *ret = (struct type_attrs){.type = strdup(type)};
        if (!ret->type)
                return -ENOMEM;
        type_datum_t *t = hashtab_search(p->p_types.table, (hashtab_key_t) type);
        if (!t || !p->type_attr_map)
                return 0; /* unknown to the policy: no attribute matches */
        ebitmap_t *map = &p->type_attr_map[t->s.value - 1];
        size_t n = 0;
        ebitmap_node_t *node;
        unsigned bit;
        ebitmap_for_each_positive_bit(map, node, bit) n++;
        ret->names = calloc(n + 1, sizeof(char *));
        if (!ret->names)
                return -ENOMEM;
        ebitmap_for_each_positive_bit(map, node, bit)
        {
                type_datum_t *a = p->type_val_to_struct[bit];
                /* Attributes only, as label_type_has_attribute() answers;
                 * the type itself is matched by name. */
                if (!a || a->flavor != TYPE_ATTRIB)
                        continue;
                if (!(ret->names[ret->n++] = strdup(p->p_type_val_to_name[bit])))
                        return -ENOMEM;
        }
        qsort(ret->names, ret->n, sizeof(char *), cmp_strp);
        return 0;
}

int explain_detach_policy(struct explain *x)
{
        policydb_t *p = x->o.backend ? label_backend_get_policydb(x->o.backend) : NULL;
        if (!p)
                return x->o.backend ? -EOPNOTSUPP : 0;
        for (size_t i = 0; i < x->n_groups; i++) {
                if (!needs_interfaces(x, i))
                        continue;
                char tb[TYPE_MAX];
                const char *type = explain_context_type(x->groups[i].tcontext, tb, sizeof(tb));
                bool known = false;
                for (size_t k = 0; k < x->n_type_attrs && !known; k++)
                        known = !strcmp(x->type_attrs[k].type, type);
                if (known)
                        continue;
                struct type_attrs *v = realloc(x->type_attrs, (x->n_type_attrs + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                x->type_attrs = v;
                int r = snapshot_type(p, type, &v[x->n_type_attrs]);
                x->n_type_attrs++; /* freed with x even when half filled */
                if (r < 0)
                        return r;
        }
        x->o.backend = NULL;
        x->detached = true;
        return 0;
}

void explain_set_backend(struct explain *x, struct label_backend *backend)
{
        x->o.backend = backend;
        x->detached = false;
}

static bool same_access(const struct explain_group *a, const struct explain_group *b)
{
        char a1[TYPE_MAX], a2[TYPE_MAX], b1[TYPE_MAX], b2[TYPE_MAX];
        if (strcmp(a->tclass, b->tclass) ||
            strcmp(explain_context_type(a->scontext, a1, sizeof(a1)),
                   explain_context_type(b->scontext, b1, sizeof(b1))) ||
            strcmp(explain_context_type(a->tcontext, a2, sizeof(a2)),
                   explain_context_type(b->tcontext, b2, sizeof(b2))))
                return false;
        size_t i = 0;
        for (; a->perms[i] && b->perms[i]; i++)
                if (strcmp(a->perms[i], b->perms[i]))
                        return false;
        return !a->perms[i] && !b->perms[i];
}

int explain_suggest_interfaces(struct explain *x, struct iface_index *idx, size_t max_per_group,
                               struct planet_error *err)
{
        for (size_t i = 0; i < x->n_groups; i++) {
                struct explain_group *g = &x->groups[i];
                if (!needs_interfaces(x, i))
                        continue;
                /* Groups that differ only in unit, user, role or level ask
                 * the same question: reuse the answer. */
                bool reused = false;
                for (size_t k = 0; k < i && !reused; k++) {
                        struct explain_group *o = &x->groups[k];
                        if (!o->interfaces || !same_access(o, g))
                                continue;
                        size_t n = 0;
                        STRV_FOREACH (f, o->interfaces)
                                n++;
                        g->interfaces = calloc(n + 1, sizeof(char *));
                        if (!g->interfaces)
                                return planet_error_set(err, ENOMEM, "out of memory");
                        for (size_t f = 0; f < n; f++)
                                if (!(g->interfaces[f] = strdup(o->interfaces[f])))
                                        return planet_error_set(err, ENOMEM, "out of memory");
                        reused = true;
                }
                if (reused)
                        continue;
                char sb[TYPE_MAX], tb[TYPE_MAX];
                size_t n_perms = 0;
                STRV_FOREACH (p, g->perms)
                        n_perms++;
                struct iface_access need = {
                        .source = explain_context_type(g->scontext, sb, sizeof(sb)),
                        .target = explain_context_type(g->tcontext, tb, sizeof(tb)),
                        .tclass = g->tclass,
                        .perms = (const char *const *) g->perms,
                        .n_perms = n_perms,
                };
                struct iface_suggest_options so = {
                        .max_results = max_per_group,
                        .type_matches = x->detached    ? type_matches_snapshot
                                        : x->o.backend ? type_matches
                                                       : NULL,
                        .userdata = x->detached ? (void *) x : (void *) x->o.backend,
                };
                struct iface_suggestion *s = NULL;
                size_t n = 0;
                int r = iface_suggest(idx, &need, &so, &s, &n, err);
                if (r < 0)
                        return r;
                g->interfaces = calloc(n + 1, sizeof(char *));
                for (size_t k = 0; g->interfaces && k < n; k++)
                        g->interfaces[k] =
                                strdup_printf("%s — %s", s[k].call, s[k].why ? s[k].why : "");
                iface_suggestions_free(s, n);
                if (!g->interfaces)
                        return planet_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}
